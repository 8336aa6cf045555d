//! Building the index from a codebook: the documents, the manifest that says
//! what an index was built from, and the build-then-rename that keeps a crash
//! or a concurrent start from leaving a broken index.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::schema::Facet;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::schema::{self, SCHEMA_VERSION};
use super::vocab::Vocab;
use crate::codeset::icd10pcs::PcsIndexTerm;
use crate::codeset::{CmKind, CodeSet, Codebook, Edition, normalize};

/// The manifest file inside an index folder.
pub const MANIFEST: &str = "medcode-index.json";

/// What an index was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub edition: String,
    /// sha256 over the edition's components (kind and sha256 of each file).
    pub codeset_sha256: String,
    /// sha256 over the vocabulary files built into the binary.
    pub vocab_sha256: String,
    pub docs: u64,
    pub built_at: String,
    pub medcode_version: String,
}

/// The hash of an edition's files, as recorded in the manifest, and of the
/// user's imported CPT file when there is one (an import, or a new one, rebuilds the index).
pub fn codeset_hash(edition: &Edition) -> String {
    let mut h = Sha256::new();
    for c in &edition.components {
        h.update(format!("{:?}={}\n", c.kind, c.sha256).as_bytes());
    }
    if let Some(cpt) = crate::codeset::cpt::installed_sha256() {
        h.update(format!("Cpt={cpt}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

/// One document to index: a code of either set, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDoc {
    pub key: String,
    pub code: String,
    pub set: Option<CodeSet>,
    pub kind: &'static str,
    pub billable: bool,
    pub title: String,
    pub incl: Vec<String>,
    pub extra: Vec<String>,
    /// Keys of the ancestors, outermost first (chapter, block, category, ...).
    pub ancestors: Vec<String>,
    /// Whether the key's prefixes are code prefixes (not for chapters and blocks).
    pub prefixes: bool,
    /// Book rows only (`search::books`): where the row is; `key` is then the code it gives.
    pub via: String,
    /// Book rows only: the title of the code the row gives.
    pub target_title: String,
}

fn cm_kind(kind: CmKind) -> &'static str {
    kind.name()
}

/// The key a chapter, block or code is indexed under (chapters: `CH4`).
pub fn cm_key(kind: CmKind, code: &str) -> String {
    match kind {
        CmKind::Chapter => format!("CH{}", code.trim()),
        _ => normalize(code),
    }
}

/// What documents hold beyond codes and titles. Everything by default; the
/// evaluation leaves inclusion terms out to use them as queries (leave-one-out),
/// and the book rows it asks as queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// ICD-10-CM inclusion terms and Includes notes (the `incl` field).
    pub inclusion_terms: bool,
    /// The rows of the books (`search::books`), as documents of their own.
    pub books: bool,
    /// Book rows left out, by `books::row_key`.
    pub leave_out: HashSet<String>,
}

impl Default for Contents {
    fn default() -> Self {
        Contents { inclusion_terms: true, books: true, leave_out: HashSet::new() }
    }
}

/// Every document of a codebook: ICD-10-CM in tabular order, ICD-10-PCS then HCPCS in code order.
pub fn documents(book: &Codebook) -> Vec<CodeDoc> {
    documents_with(book, Contents::default())
}

/// [`documents`] holding only what `contents` asks for.
pub fn documents_with(book: &Codebook, contents: Contents) -> Vec<CodeDoc> {
    let mut out = Vec::with_capacity(book.cm.nodes.len() + book.pcs.codes.len() + book.hcpcs.codes.len());
    let cm = &book.cm;
    // Tabular order: walk chapters depth first so ties rank in the order a coder reads.
    let mut stack: Vec<u32> = cm.chapters.iter().rev().copied().collect();
    let mut seen = vec![false; cm.nodes.len()];
    let mut order = Vec::with_capacity(cm.nodes.len());
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        order.push(id);
        stack.extend(cm.node(id).children.iter().rev().copied());
    }
    // Nodes not reachable from a chapter still get indexed.
    order.extend((0..cm.nodes.len() as u32).filter(|i| !seen[*i as usize]));
    for id in order {
        let node = cm.node(id);
        let mut ancestors: Vec<String> =
            cm.ancestors(id).iter().map(|a| cm_key(cm.node(*a).kind, &cm.node(*a).code)).collect();
        ancestors.reverse();
        let mut incl = Vec::new();
        if contents.inclusion_terms {
            incl.extend(node.notes.inclusion_terms.iter().cloned());
            incl.extend(node.notes.includes.iter().cloned());
        }
        out.push(CodeDoc {
            key: cm_key(node.kind, &node.code),
            code: node.code.clone(),
            set: Some(CodeSet::Icd10cm),
            kind: cm_kind(node.kind),
            billable: node.billable,
            title: node.title.clone(),
            incl,
            extra: Vec::new(),
            ancestors,
            prefixes: !matches!(node.kind, CmKind::Chapter | CmKind::Block),
            ..CodeDoc::default()
        });
    }

    let pcs = &book.pcs;
    let index_words = pcs_index_words(&pcs.index, |k| pcs.is_prefix(k));
    let mut body_parts: HashMap<String, String> = HashMap::new();
    for table in &pcs.tables {
        let prefix = table.prefix();
        for row in &table.rows {
            for axis in row.axes.iter().filter(|a| a.pos == 4) {
                for v in axis.values.iter().filter(|v| !v.includes.is_empty()) {
                    // Body-part synonyms (`Vermiform appendix`).
                    body_parts.entry(format!("{prefix}{}", v.ch)).or_insert_with(|| v.includes.join("; "));
                }
            }
        }
    }
    for code in &pcs.codes {
        let title = pcs.title(code).map(|t| t.text).unwrap_or_default();
        let mut extra = Vec::new();
        for n in 3..=code.len() {
            if let Some(words) = index_words.get(&code[..n]) {
                extra.extend(words.iter().cloned());
            }
        }
        if let Some(d) = code.get(..4).and_then(|k| body_parts.get(k)) {
            extra.push(d.clone());
        }
        out.push(CodeDoc {
            key: code.clone(),
            code: code.clone(),
            set: Some(CodeSet::Icd10pcs),
            kind: "pcs",
            billable: code.len() == 7,
            title,
            incl: Vec::new(),
            extra,
            ancestors: (1..code.len()).map(|n| code[..n].to_string()).collect(),
            prefixes: true,
            ..CodeDoc::default()
        });
    }
    // HCPCS Level II under its section letter; the short description is searched too.
    for c in &book.hcpcs.codes {
        out.push(CodeDoc {
            key: c.code.clone(),
            code: c.code.clone(),
            set: Some(CodeSet::Hcpcs),
            kind: "hcpcs",
            billable: c.terminated.is_none(),
            title: c.long.clone(),
            incl: Vec::new(),
            extra: vec![c.short.clone()],
            ancestors: c.code.get(..1).map(str::to_string).into_iter().collect(),
            prefixes: true,
            ..CodeDoc::default()
        });
    }
    // The user's licensed CPT file, when imported: under its AMA section, all three descriptors searched.
    for c in book.cpt.iter().flat_map(|cpt| &cpt.codes) {
        out.push(CodeDoc {
            key: c.code.clone(),
            code: c.code.clone(),
            set: Some(CodeSet::Cpt),
            kind: "cpt",
            billable: true,
            title: c.long.clone(),
            incl: Vec::new(),
            extra: vec![c.medium.clone(), c.short.clone()],
            ancestors: crate::codeset::cpt::section(&c.code).map(str::to_string).into_iter().collect(),
            prefixes: true,
            ..CodeDoc::default()
        });
    }
    if contents.books {
        out.extend(super::books::documents(book, &contents.leave_out));
    }
    out
}

/// PCS index entries by the code prefix they point to: the words of the
/// entry's path (`Appendectomy`, `Resection Appendix`).
fn pcs_index_words(
    terms: &[PcsIndexTerm],
    is_prefix: impl Fn(&str) -> bool,
) -> HashMap<String, BTreeSet<String>> {
    fn walk(
        t: &PcsIndexTerm,
        path: &mut Vec<String>,
        out: &mut HashMap<String, BTreeSet<String>>,
        is_prefix: &dyn Fn(&str) -> bool,
    ) {
        path.push(t.title.clone());
        let text = path.join(" ");
        let mut codes: Vec<String> = t.codes.iter().map(|c| normalize(c)).collect();
        for s in [&t.see, &t.use_].into_iter().flatten() {
            // `see Resection, Appendix 0DTJ`: pick up code fragments named in the text.
            codes.extend(
                s.split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| (3..=7).contains(&w.len()) && w.chars().any(|c| c.is_ascii_digit()))
                    .map(normalize),
            );
        }
        for c in codes {
            if c.len() >= 3 && is_prefix(&c) {
                out.entry(c).or_default().insert(text.clone());
            }
        }
        for sub in &t.terms {
            walk(sub, path, out, is_prefix);
        }
        path.pop();
    }
    let mut out = HashMap::new();
    let mut path = Vec::new();
    // The top level holds the letters; paths start at the main terms.
    for t in terms.iter().flat_map(|letter| &letter.terms) {
        walk(t, &mut path, &mut out, &is_prefix);
    }
    out
}

/// How far a build has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// Write `docs` as a new index in the empty folder `dir`.
pub fn write_index(dir: &Path, docs: &[CodeDoc], progress: &mut dyn FnMut(Progress)) -> Result<u64> {
    let (schema, f) = schema::schema();
    let index = Index::create_in_dir(dir, schema)
        .with_context(|| format!("creating an index in {}", dir.display()))?;
    schema::register(&index);
    let mut writer: IndexWriter =
        index.writer_with_num_threads(1, 200_000_000).context("opening the index writer")?;
    let total = docs.len();
    for (i, d) in docs.iter().enumerate() {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.code, &d.code);
        if d.via.is_empty() {
            doc.add_text(f.key, &d.key);
            if d.prefixes {
                for (n, _) in d.key.char_indices().skip(1) {
                    doc.add_text(f.prefix, &d.key[..n]);
                }
            }
            doc.add_text(f.prefix, &d.key);
        } else {
            // A book row is found by its words, never by a code query.
            doc.add_text(f.target, &d.key);
            doc.add_text(f.via, &d.via);
            doc.add_text(f.ttitle, &d.target_title);
        }
        doc.add_text(f.title, &d.title);
        for t in &d.incl {
            doc.add_text(f.incl, t);
        }
        for t in &d.extra {
            doc.add_text(f.extra, t);
        }
        doc.add_text(f.set, d.set.map_or("", |s| s.as_str()));
        doc.add_u64(f.billable, u64::from(d.billable));
        doc.add_text(f.kind, d.kind);
        for a in &d.ancestors {
            doc.add_text(f.anc, a);
        }
        doc.add_text(f.anc, &d.key);
        let path: Vec<&str> = d.ancestors.iter().map(String::as_str).chain([d.key.as_str()]).collect();
        doc.add_facet(f.hier, Facet::from_path(path));
        doc.add_u64(f.klen, d.key.len() as u64);
        doc.add_u64(f.ord, i as u64);
        // Initial encounters are what coders look for most; other 7th characters follow them.
        let later = d.kind == "extension" && !d.key.ends_with('A');
        doc.add_u64(f.later, u64::from(later));
        writer.add_document(doc).context("adding a document to the index")?;
        if i % 5000 == 0 {
            progress(Progress { stage: "indexing", done: i, total });
        }
    }
    progress(Progress { stage: "committing", done: total, total });
    writer.commit().context("committing the index")?;
    let ids = index.searchable_segment_ids().context("listing index segments")?;
    if ids.len() > 1 {
        progress(Progress { stage: "merging", done: total, total });
        writer.merge(&ids).wait().context("merging index segments")?;
    }
    writer.wait_merging_threads().context("finishing the index")?;
    progress(Progress { stage: "done", done: total, total });
    Ok(total as u64)
}

/// Whether an index folder can be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Fresh,
    Missing,
    /// Built from something else; the reason says what changed.
    Stale(String),
    /// Unreadable; the reason says what is wrong.
    Corrupt(String),
}

impl State {
    pub fn describe(&self) -> String {
        match self {
            State::Fresh => "fresh".to_string(),
            State::Missing => "missing".to_string(),
            State::Stale(why) => format!("stale ({why})"),
            State::Corrupt(why) => format!("damaged ({why})"),
        }
    }
}

/// What `status` finds in an index folder.
#[derive(Debug, Clone)]
pub struct Status {
    pub dir: PathBuf,
    pub state: State,
    pub manifest: Option<Manifest>,
    pub size_bytes: u64,
    /// Fresh because these very files passed the full check (checksums and the engine's
    /// self-test) before, for this user: the check was not run again.
    pub known: bool,
}

/// The index's files as a full check remembers them (tantivy's lock files come and go).
fn index_stamps(dir: &Path) -> Option<Vec<(String, crate::files::checked::Stamp)>> {
    let stamps = crate::files::checked::Stamp::of_dir(dir)?;
    Some(stamps.into_iter().filter(|(name, _)| !name.ends_with(".lock")).collect())
}

/// Remember that the index in `dir` passed the full check, as its files are now.
pub fn remember_checked(dir: &Path) {
    if let Some(stamps) = index_stamps(dir) {
        checked_record(dir).remember(dir, stamps);
    }
}

/// The record of full checks of the index in `dir`: beside it, in the folder of indexes.
fn checked_record(dir: &Path) -> crate::files::checked::Checked {
    crate::files::checked::Checked::for_folder(dir.parent().unwrap_or(Path::new(".")))
}

fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

pub fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Inspect an index folder without changing it.
pub fn status(dir: &Path, edition: &Edition) -> Status {
    let mut st =
        Status { dir: dir.to_path_buf(), state: State::Missing, manifest: None, size_bytes: 0, known: false };
    let empty = fs::read_dir(dir).map(|mut rd| rd.next().is_none()).unwrap_or(true);
    if empty {
        return st;
    }
    st.size_bytes = dir_size(dir);
    let manifest = match read_manifest(dir) {
        Ok(m) => m,
        Err(e) => {
            st.state = State::Corrupt(e);
            return st;
        }
    };
    st.state = if manifest.schema_version != SCHEMA_VERSION {
        State::Stale(format!("schema version {} differs from {SCHEMA_VERSION}", manifest.schema_version))
    } else if manifest.edition != edition.name {
        State::Stale(format!("built for edition {}, not {}", manifest.edition, edition.name))
    } else if manifest.codeset_sha256 != codeset_hash(edition) {
        State::Stale("the code set files changed".to_string())
    } else if manifest.medcode_version != env!("CARGO_PKG_VERSION") {
        State::Stale(format!("built by medcode {}", manifest.medcode_version))
    } else if manifest.docs == 0 {
        State::Stale("it holds no codes".to_string())
    } else if manifest.vocab_sha256 != Vocab::hash() {
        State::Stale("the abbreviation and synonym files changed".to_string())
    } else if index_stamps(dir).is_some_and(|s| checked_record(dir).was(dir, &s)) {
        st.known = true;
        State::Fresh
    } else {
        match check_index(dir, &manifest) {
            Ok(()) => State::Fresh,
            Err(e) => State::Corrupt(e),
        }
    };
    st.manifest = Some(manifest);
    st
}

/// Open the index and check it holds what the manifest says, with every
/// file passing its checksum (tantivy ends each file with a CRC32 of its
/// bytes). A panic inside tantivy on a damaged file is a damage too.
fn check_index(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    super::guard::catch(|| check_files(dir, manifest)).and_then(|r| r)
}

fn check_files(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    let index = Index::open_in_dir(dir).map_err(|e| format!("cannot open the index: {e}"))?;
    let damaged = index.validate_checksum().map_err(|e| format!("cannot check the index files: {e}"))?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        names.sort();
        return Err(format!("checksum mismatch in {}", names.join(", ")));
    }
    schema::fields_of(&index)?;
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| format!("cannot read the index: {e}"))?;
    let docs = reader.searcher().num_docs();
    if docs != manifest.docs {
        return Err(format!("holds {docs} codes, the manifest says {}", manifest.docs));
    }
    Ok(())
}

/// A lock next to the index folder, held while building; released on drop.
struct BuildLock(File);

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn sibling(dir: &Path, suffix: &str) -> Result<PathBuf> {
    let name = dir
        .file_name()
        .with_context(|| format!("{} does not name a folder", dir.display()))?
        .to_string_lossy()
        .into_owned();
    Ok(dir.with_file_name(format!(".{name}.{suffix}")))
}

fn lock(dir: &Path) -> Result<BuildLock> {
    let path = sibling(dir, "lock")?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating the lock file {}", path.display()))?;
    file.lock().with_context(|| format!("locking {}", path.display()))?;
    Ok(BuildLock(file))
}

/// Build the index for `book` into `dir`: into a temporary folder beside it,
/// then renamed into place. Holds a lock so concurrent builders wait for each
/// other; with `only_if_needed`, a builder that waited uses what the other built.
pub fn build(
    dir: &Path,
    edition: &Edition,
    book: &mut dyn FnMut() -> Result<Codebook>,
    only_if_needed: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest> {
    build_with(dir, edition, book, only_if_needed, Contents::default(), progress)
}

/// [`build`] with documents holding only `contents`. The manifest does not
/// record `contents`: an index built with less is for the evaluation only.
pub fn build_with(
    dir: &Path,
    edition: &Edition,
    book: &mut dyn FnMut() -> Result<Codebook>,
    only_if_needed: bool,
    contents: Contents,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::paths::create_private_dir(&parent)?;
    let _lock = lock(dir)?;
    if only_if_needed {
        let st = status(dir, edition);
        if st.state == State::Fresh
            && let Some(m) = st.manifest
        {
            return Ok(m);
        }
    }
    progress(Progress { stage: "loading code sets", done: 0, total: 0 });
    let book = book()?;
    let docs = documents_with(&book, contents);
    let tmp = sibling(dir, &format!("build-{}", std::process::id()))?;
    if tmp.exists() {
        fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
    }
    crate::paths::create_private_dir(&tmp)?;
    let result = (|| {
        let n = write_index(&tmp, &docs, progress)?;
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            edition: edition.name.clone(),
            codeset_sha256: codeset_hash(edition),
            vocab_sha256: Vocab::hash(),
            docs: n,
            built_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            medcode_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let path = tmp.join(MANIFEST);
        crate::files::write_new_private(&path, serde_json::to_string_pretty(&manifest)?.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok::<_, anyhow::Error>(manifest)
    })();
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Index files are private like everything medcode writes.
    if let Ok(rd) = fs::read_dir(&tmp) {
        use std::os::unix::fs::PermissionsExt;
        for e in rd.flatten() {
            let _ = fs::set_permissions(e.path(), fs::Permissions::from_mode(0o600));
        }
    }
    // Swap: the old folder (possibly damaged) moves aside, the new one in.
    crate::files::swap_dir(&tmp, dir)
        .with_context(|| format!("moving the new index into {}", dir.display()))?;
    Ok(manifest)
}
