//! Importing an agencies' release (a zip as downloaded or its unpacked
//! folder) as a named edition in the per-user data directory.
//!
//! Files are recognised by their content, never their names: the XML root
//! element (`<ICD10CM.tabular>`, `<ICD10CM.index>` and its heading or title,
//! `<ICD10PCS.tabular>`, `<ICD10PCS.index>`, `<ICD10PCS.definitions>`), the
//! fixed-width layout of the CMS order file, or a `code<TAB>title` list.
//! Zips (also inside zips) and gzip files are opened; anything else is
//! reported and skipped. Every recognised file goes through the real parser
//! before anything is installed, and the edition is built in a temporary
//! folder beside the others and renamed into place.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use super::edition::{fiscal_year_dates, label_for};
use super::installed::{Manifest, editions_dir, read_component, read_manifest};
use super::{Component, Edition, FileKind, IndexBook, ReleaseError, assemble, shipped};

/// A file found in a release, with where it is (`release.zip!inner/file.xml`).
pub struct Found {
    pub source: String,
    pub data: Vec<u8>,
}

/// What an import did.
#[derive(Debug)]
pub struct ImportReport {
    pub name: String,
    pub dir: PathBuf,
    pub edition: Edition,
    /// Recognised files: source and kind.
    pub recognised: Vec<(String, FileKind)>,
    /// Files skipped, with why.
    pub skipped: Vec<(String, String)>,
    /// Notes: components taken from the shipped edition, version mismatches.
    pub notes: Vec<String>,
    /// An edition of that name was there and has been replaced.
    pub replaced: bool,
}

/// Files skipped, with why.
pub type Skipped = Vec<(String, String)>;

/// What one import may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The biggest single file (the largest CDC file is ~60 MB).
    pub file: u64,
    /// Everything read from disk and decompressed, together: a zip of many
    /// large entries is refused, not held in memory.
    pub total: u64,
}

/// The limits of `medcode codesets import` (a full CDC and CMS release reads ~0.5 GB).
pub const LIMITS: Limits = Limits { file: 512 << 20, total: 2 << 30 };
/// Zips inside zips, at most this deep.
const MAX_DEPTH: usize = 4;
/// What [`sniff`] looks at: a file whose head is not a release file is not read further.
const HEAD: u64 = 64 * 1024;

/// Collect every release file under `path` (a folder, a zip, a file), opening zips and gzip.
pub fn gather(path: &Path) -> Result<(Vec<Found>, Skipped)> {
    let mut found = Vec::new();
    let skipped = gather_with(path, LIMITS, &mut |f, _| {
        found.push(f);
        Ok(())
    })?;
    Ok((found, skipped))
}

/// [`gather`] within `limits`, handing each release file to `on_found` as it
/// is read (so a caller can drop what it does not keep). Files that do not
/// look like release files are read only as far as telling what they are.
pub fn gather_with(path: &Path, limits: Limits, on_found: OnFound<'_>) -> Result<Skipped> {
    let mut g = Gather { limits, used: 0, on_found, skipped: Vec::new() };
    let meta =
        std::fs::metadata(path).with_context(|| format!("reading {}", shown(&path.display().to_string())))?;
    if meta.is_dir() {
        g.walk_dir(path)?;
    } else {
        g.file(path)?;
    }
    Ok(g.skipped)
}

/// What receives each release file found; it may add to the skipped files.
pub type OnFound<'a> = &'a mut dyn FnMut(Found, &mut Skipped) -> Result<()>;

/// A name from a release (a file or zip entry name) as shown and stored: sanitized.
fn shown(name: &str) -> String {
    crate::text::one_line(name).into_owned()
}

struct Gather<'a> {
    limits: Limits,
    /// Bytes read so far, from disk and decompressed.
    used: u64,
    on_found: OnFound<'a>,
    skipped: Skipped,
}

/// Data that cannot be read (a damaged zip or gzip stream): the file is skipped, with why.
type Damaged = String;

impl Gather<'_> {
    /// Read from `r` until `data` holds `upto` bytes or the end, charged to the
    /// budget. Err: the import stops (a limit passed); Ok(Err): damaged data.
    fn fill(
        &mut self,
        source: &str,
        r: &mut dyn Read,
        data: &mut Vec<u8>,
        upto: u64,
    ) -> Result<Result<(), Damaged>> {
        let have = data.len() as u64;
        let left = self.limits.total.saturating_sub(self.used);
        // One byte past either limit tells that it was passed.
        let want = upto.min(self.limits.file + 1).min(have + left + 1);
        let read = r.take(want.saturating_sub(have)).read_to_end(data);
        self.used += data.len() as u64 - have;
        if let Err(e) = read {
            return Ok(Err(format!("damaged data: {e}")));
        }
        if data.len() as u64 > self.limits.file {
            bail!(
                "{source}: larger than {} MB, not a release file; nothing imported",
                self.limits.file >> 20
            );
        }
        if self.used > self.limits.total {
            bail!(
                "{source}: the release holds more than {} MB of data (a zip bomb?); nothing imported",
                self.limits.total >> 20
            );
        }
        Ok(Ok(()))
    }

    fn file(&mut self, path: &Path) -> Result<()> {
        let source = shown(&path.display().to_string());
        let mut f = crate::paths::open_regular(path).with_context(|| format!("reading {source}"))?;
        self.entry(source, &mut f, 0)
    }

    fn walk_dir(&mut self, dir: &Path) -> Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", shown(&dir.display().to_string())))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("reading {}", shown(&dir.display().to_string())))?;
        entries.sort();
        for path in entries {
            let name = shown(&path.display().to_string());
            let meta = std::fs::symlink_metadata(&path).with_context(|| format!("reading {name}"))?;
            if meta.is_dir() {
                self.walk_dir(&path)?;
            } else if meta.is_file() || (meta.is_symlink() && path.is_file()) {
                self.file(&path)?;
            } else if meta.is_symlink() && path.is_dir() {
                // Not followed into folders: a link loop would never end.
                self.skipped.push((name, "a link to a folder (not followed)".into()));
            } else {
                self.skipped.push((name, "not a regular file".into()));
            }
        }
        Ok(())
    }

    /// One file or entry: a zip or gzip is opened, a release file kept, anything else skipped unread.
    fn entry(&mut self, source: String, r: &mut dyn Read, depth: usize) -> Result<()> {
        let mut data = Vec::new();
        if let Err(why) = self.fill(&source, r, &mut data, HEAD)? {
            self.skipped.push((source, why));
            return Ok(());
        }
        let zip = data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06");
        let gzip = data.starts_with(&[0x1f, 0x8b]);
        if (zip || gzip) && depth >= MAX_DEPTH {
            self.skipped.push((source, format!("an archive nested more than {MAX_DEPTH} deep")));
            return Ok(());
        }
        if !zip
            && !gzip
            && let Sniffed::Skip(why) = sniff(&data)
        {
            self.skipped.push((source, why));
            return Ok(());
        }
        if let Err(why) = self.fill(&source, r, &mut data, u64::MAX)? {
            self.skipped.push((source, why));
            return Ok(());
        }
        if zip {
            self.zip(&source, &data, depth)
        } else if gzip {
            self.entry(source, &mut GzDecoder::new(&data[..]), depth + 1)
        } else {
            (self.on_found)(Found { source, data }, &mut self.skipped)
        }
    }

    /// The entries of a zip, one at a time.
    fn zip(&mut self, source: &str, data: &[u8], depth: usize) -> Result<()> {
        let mut zip = match zip::ZipArchive::new(std::io::Cursor::new(data)) {
            Ok(z) => z,
            Err(e) => {
                self.skipped.push((source.to_string(), format!("a damaged zip: {e}")));
                return Ok(());
            }
        };
        // An Office document is a zip too; it is one file, not a release (CMS's HCPCS workbook is one).
        if zip.index_for_name("[Content_Types].xml").is_some() {
            if super::hcpcs::looks_like(data) {
                return (self.on_found)(
                    Found { source: source.to_string(), data: data.to_vec() },
                    &mut self.skipped,
                );
            }
            self.skipped.push((
                source.to_string(),
                "an Office document (spreadsheet or text), not a release file".into(),
            ));
            return Ok(());
        }
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.skipped.push((format!("{source}!#{i}"), format!("a damaged zip entry: {e}")));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            // Entry names are the zip author's: never stored or shown raw.
            let name = format!("{source}!{}", shown(&String::from_utf8_lossy(entry.name_raw())));
            self.entry(name, &mut entry, depth + 1)?;
        }
        Ok(())
    }
}

/// What a file is, from its content.
pub enum Sniffed {
    Kind(FileKind),
    /// A CMS ICD-10-PCS codes file (`code title`, space separated): titles when no order file is there.
    PcsCodesList,
    Skip(String),
}

/// The root element name and its start tag, skipping the XML declaration, comments and a BOM.
fn xml_root(data: &[u8]) -> Option<(String, String)> {
    let head = &data[..data.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let mut rest: &str = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype") {
            return Some(("!DOCTYPE".to_string(), String::new()));
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = r.find('>')?;
            let tag = &r[..end];
            let name = tag.split(|c: char| c.is_whitespace() || c == '/').next()?.to_string();
            return Some((name, tag.to_string()));
        } else {
            return None;
        }
    }
}

fn is_pcs_code(code: &str) -> bool {
    code.len() == 7
        && code.chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O'))
}

/// Recognise a file. Index files are not told apart here: [`IndexBook::parse`] does that.
pub fn sniff(data: &[u8]) -> Sniffed {
    if super::hcpcs::looks_like(data) {
        return Sniffed::Kind(FileKind::Hcpcs);
    }
    if let Some((root, tag)) = xml_root(data) {
        if tag.contains("isAddenda=\"true\"") {
            return Sniffed::Skip(format!(
                "an addenda file (<{root} isAddenda=\"true\">): the full files are read"
            ));
        }
        return match root.as_str() {
            // Release files have none; a DOCTYPE only brings entity definitions, which are never expanded.
            "!DOCTYPE" => Sniffed::Skip("XML with a DOCTYPE declaration (release files have none)".into()),
            "ICD10CM.tabular" => Sniffed::Kind(FileKind::CmTabular),
            "ICD10CM.index" => Sniffed::Kind(FileKind::CmIndex),
            "ICD10PCS.tabular" => Sniffed::Kind(FileKind::PcsTables),
            "ICD10PCS.index" => Sniffed::Kind(FileKind::PcsIndex),
            "ICD10PCS.definitions" => Sniffed::Kind(FileKind::PcsDefinitions),
            r if r.contains("schema") => Sniffed::Skip("an XML schema".into()),
            r => Sniffed::Skip(format!("XML with root <{r}>, not a release file medcode reads")),
        };
    }
    if data.starts_with(b"%PDF") {
        return Sniffed::Skip("a PDF document".into());
    }
    let head = String::from_utf8_lossy(&data[..data.len().min(16 * 1024)]);
    let lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    // The last line may be cut by the 16 KB window.
    let full = &lines[..lines.len().saturating_sub(1).max(1).min(lines.len())];
    if full.is_empty() {
        return Sniffed::Skip("empty or not text".into());
    }
    // CMS order file: order number (5), code (7, padded), header flag, short and long titles.
    let order_line = |l: &str| {
        let b = l.as_bytes();
        b.len() > 16
            && b[..5].iter().all(u8::is_ascii_digit)
            && b[5] == b' '
            && b[13] == b' '
            && matches!(b[14], b'0' | b'1')
            && b[15] == b' '
            && l[6..13].trim_end().chars().all(|c| c.is_ascii_alphanumeric())
    };
    if full.iter().all(|l| order_line(l)) {
        let first = full[0].as_bytes()[6];
        return if first.is_ascii_digit() {
            Sniffed::Kind(FileKind::PcsTitles)
        } else {
            Sniffed::Skip("the ICD-10-CM order file: the tabular XML is read instead".into())
        };
    }
    let tsv = |l: &str| l.split_once('\t').is_some_and(|(c, t)| is_pcs_code(c) && !t.trim().is_empty());
    let body = match full[0].to_ascii_lowercase().split('\t').collect::<Vec<_>>()[..] {
        ["code", "title"] => &full[1..],
        _ => full,
    };
    if !body.is_empty() && body.iter().all(|l| tsv(l)) {
        return Sniffed::Kind(FileKind::PcsTitles);
    }
    let codes = |l: &str| l.split_once(' ').is_some_and(|(c, t)| is_pcs_code(c) && !t.trim().is_empty());
    if full.iter().all(|l| codes(l)) && full[0].as_bytes()[0].is_ascii_digit() {
        return Sniffed::PcsCodesList;
    }
    Sniffed::Skip("not a release file medcode reads".into())
}

/// `<version>` of an XML release file, read from its first lines.
fn xml_version(data: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&data[..data.len().min(8 * 1024)]);
    let start = head.find("<version>")? + "<version>".len();
    let end = head[start..].find("</version>")? + start;
    Some(head[start..end].trim().to_string()).filter(|v| !v.is_empty())
}

/// Whether a CM tabular is an April update: its own text says so, else its name does.
fn april_update(data: &[u8], source: &str) -> Option<&'static str> {
    let head = String::from_utf8_lossy(&data[..data.len().min(64 * 1024)]).to_lowercase();
    if head.contains("april 1") {
        return Some("its text");
    }
    let name = source.rsplit(['/', '!']).next().unwrap_or(source).to_lowercase();
    name.contains("april").then_some("its file name")
}

/// A valid edition name: letters, digits, `.`, `-`, `_`; not starting with `.`.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || name.starts_with('.')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        bail!("`{name}` is not a usable edition name (letters, digits, `.`, `-`, `_`)");
    }
    if shipped::is_shipped(name) {
        bail!("`{name}` is a shipped edition's name; choose another");
    }
    Ok(())
}

fn stored_name(kind: FileKind) -> String {
    let ext = match kind {
        FileKind::PcsTitles => "txt",
        // The xlsx or the txt: the reader tells them apart by content.
        FileKind::Hcpcs => "cms",
        _ => "xml",
    };
    let stem = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    format!("{stem}.{ext}.gz")
}

/// Import the release at `path` as edition `name` (default: from the versions found).
pub fn import(path: &Path, name: Option<&str>) -> Result<ImportReport> {
    import_with(path, name, LIMITS)
}

/// [`import`] within `limits`.
pub fn import_with(path: &Path, name: Option<&str>, limits: Limits) -> Result<ImportReport> {
    let mut notes = Vec::new();
    let mut recognised = Vec::new();
    let mut chosen: HashMap<FileKind, Found> = HashMap::new();
    let mut codes_list: Option<Found> = None;
    let mut books: HashMap<FileKind, IndexBook> = HashMap::new();
    // Each file is chosen or dropped as it is read: at most one of a kind is held.
    let mut choose = |f: Found, skipped: &mut Skipped| -> Result<()> {
        let mut book = None;
        let kind = match sniff(&f.data) {
            Sniffed::Skip(why) => {
                skipped.push((f.source, why));
                return Ok(());
            }
            Sniffed::PcsCodesList => {
                codes_list = Some(f);
                return Ok(());
            }
            Sniffed::Kind(FileKind::CmIndex) => {
                let parsed = IndexBook::parse(&f.data, &f.source)?;
                let kind = parsed.kind.file_kind();
                book = Some(parsed);
                kind
            }
            Sniffed::Kind(k) => k,
        };
        if let Some(prev) = chosen.get(&kind) {
            if prev.data == f.data {
                skipped.push((f.source, format!("the same as {}", prev.source)));
                return Ok(());
            }
            // An addenda (the year's changes only) is far smaller than the full file.
            if f.data.len() * 2 < prev.data.len() {
                skipped.push((
                    f.source,
                    format!("a much smaller {} than {} (an addenda?)", kind.describe(), prev.source),
                ));
                return Ok(());
            }
            if prev.data.len() * 2 < f.data.len() {
                let prev = chosen.remove(&kind).map(|p| p.source).unwrap_or_default();
                recognised.retain(|(s, _)| *s != prev);
                skipped.push((
                    prev,
                    format!("a much smaller {} than {} (an addenda?)", kind.describe(), f.source),
                ));
            } else {
                bail!(
                    "two different {} files in the release: {} and {}; import them separately",
                    kind.describe(),
                    prev.source,
                    f.source
                );
            }
        }
        if let Some(book) = book {
            books.insert(kind, book);
        }
        recognised.push((f.source.clone(), kind));
        chosen.insert(kind, f);
        Ok(())
    };
    let mut skipped = gather_with(path, limits, &mut choose)?;
    if let Some(list) = codes_list {
        match chosen.entry(FileKind::PcsTitles) {
            std::collections::hash_map::Entry::Occupied(_) => {
                skipped.push((
                    list.source,
                    "the ICD-10-PCS codes file: the order file's titles are used".into(),
                ));
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                // The codes file carries the same long titles: read it as a `code<TAB>title` list.
                let text = String::from_utf8_lossy(&list.data);
                let mut tsv = String::from("code\ttitle\n");
                for line in text.lines() {
                    if let Some((c, t)) = line.split_once(' ') {
                        tsv.push_str(&format!("{}\t{}\n", c.trim(), t.trim()));
                    }
                }
                recognised.push((list.source.clone(), FileKind::PcsTitles));
                slot.insert(Found { source: list.source, data: tsv.into_bytes() });
            }
        }
    }
    let has_cm = chosen.contains_key(&FileKind::CmTabular);
    let has_pcs = chosen.contains_key(&FileKind::PcsTables);
    let has_hcpcs = chosen.contains_key(&FileKind::Hcpcs);
    if !has_cm && !has_pcs && !has_hcpcs {
        let what = if recognised.is_empty() {
            "no release file medcode reads".to_string()
        } else {
            format!("only {}", recognised.iter().map(|(_, k)| k.describe()).collect::<Vec<_>>().join(", "))
        };
        // Name what was skipped: the file meant as the tabular may be among them.
        let mut why: Vec<String> = skipped.iter().take(8).map(|(f, w)| format!("{f} ({w})")).collect();
        if skipped.len() > 8 {
            why.push(format!("{} more", skipped.len() - 8));
        }
        let why = if why.is_empty() { String::new() } else { format!("; skipped: {}", why.join(", ")) };
        bail!(
            "{}: {what}; a release needs an ICD-10-CM tabular (<ICD10CM.tabular>), ICD-10-PCS tables (<ICD10PCS.tabular>) or a CMS HCPCS alpha-numeric file{why}",
            shown(&path.display().to_string())
        );
    }
    for set_kinds in [
        &[FileKind::CmDrug, FileKind::CmNeoplasm, FileKind::CmExternal, FileKind::CmIndex][..],
        &[FileKind::PcsDefinitions, FileKind::PcsIndex, FileKind::PcsTitles][..],
    ] {
        let main = if set_kinds[0] == FileKind::CmDrug { FileKind::CmTabular } else { FileKind::PcsTables };
        if !chosen.contains_key(&main) {
            for k in set_kinds {
                if let Some(f) = chosen.remove(k) {
                    bail!("{}: a {} without its {}", f.source, k.describe(), main.describe());
                }
            }
        }
    }

    // Validate with the real parsers, naming the release's files in errors.
    for (kind, f) in &chosen {
        if !matches!(kind, FileKind::PcsTitles | FileKind::Hcpcs) {
            check_xml(&f.data, &f.source)?;
        }
    }
    let mut components = Vec::new();
    let mut stored: HashMap<FileKind, (Vec<u8>, String)> = HashMap::new();
    let cm_version = chosen.get(&FileKind::CmTabular).and_then(|f| xml_version(&f.data));
    let pcs_version = chosen.get(&FileKind::PcsTables).and_then(|f| xml_version(&f.data));
    if let Some(f) = chosen.get(&FileKind::CmTabular)
        && !contains(&f.data, b"<diag>")
    {
        bail!("{}: an ICD-10-CM tabular without any <diag> code", f.source);
    }
    let unnamed = Edition { name: String::new(), shipped: false, components: Vec::new() };
    assemble::assemble(unnamed, &Chosen(&chosen))?;
    let mut kinds: Vec<FileKind> = chosen.keys().copied().collect();
    kinds.sort_by_key(|k| order(*k));
    for kind in kinds {
        // Moved, not copied: a release's files are held once.
        let Some(f) = chosen.remove(&kind) else { continue };
        if kind == FileKind::Hcpcs {
            components.push(hcpcs_component(&f)?);
            stored.insert(kind, (f.data, stored_name(kind)));
            continue;
        }
        let is_cm = matches!(
            kind,
            FileKind::CmTabular
                | FileKind::CmDrug
                | FileKind::CmNeoplasm
                | FileKind::CmExternal
                | FileKind::CmIndex
        );
        let version = match kind {
            FileKind::PcsTitles => pcs_version.clone(),
            k => books
                .get(&k)
                .map(|b| b.version.clone())
                .filter(|v| !v.is_empty())
                .or_else(|| xml_version(&f.data)),
        };
        let Some(version) = version else {
            bail!("{}: no <version> in the {}", f.source, kind.describe());
        };
        let set_version = if is_cm { &cm_version } else { &pcs_version };
        if set_version.as_ref().is_some_and(|v| *v != version) {
            notes.push(format!(
                "{} is version {version} but the {} is {}: check that they are from the same release",
                kind.describe(),
                if is_cm { FileKind::CmTabular.describe() } else { FileKind::PcsTables.describe() },
                set_version.as_deref().unwrap_or("?")
            ));
        }
        let april = if kind == FileKind::CmTabular { april_update(&f.data, &f.source) } else { None };
        if let Some(how) = april {
            notes.push(format!("the ICD-10-CM tabular is taken as the April 1 update (from {how})"));
        }
        let Some((from, to)) = fiscal_year_dates(&version, april.is_some()) else {
            bail!("{}: version `{version}` is not a fiscal year", f.source);
        };
        let sha256 = hex::encode(Sha256::digest(&f.data));
        // One label per file: a file medcode ships is labelled as the shipped edition labels it.
        let (label, from, to) = match shipped::component_by_sha(&sha256) {
            Some(c) => (c.label, c.effective_from, c.effective_to),
            None => (label_for(kind, &version, april.is_some()), from, to),
        };
        let file = stored_name(kind);
        components.push(Component {
            kind,
            version,
            label,
            effective_from: from,
            effective_to: to,
            source: f.source,
            file: file.clone(),
            sha256,
        });
        stored.insert(kind, (f.data, file));
    }
    // A release of one code set: the other comes from the shipped edition of the same year.
    let year = cm_version.clone().or(pcs_version.clone()).unwrap_or_default();
    let shipped_edition = shipped::editions()
        .into_iter()
        .find(|e| e.components.iter().any(|c| c.kind == FileKind::CmTabular && c.version == year))
        .unwrap_or_else(shipped::edition);
    let shipped_files = shipped::files_of(&shipped_edition.name);
    for (present, set, kinds) in [
        (
            has_cm,
            "ICD-10-CM",
            &[FileKind::CmTabular, FileKind::CmDrug, FileKind::CmNeoplasm, FileKind::CmExternal][..],
        ),
        (
            has_pcs,
            "ICD-10-PCS",
            &[FileKind::PcsTables, FileKind::PcsDefinitions, FileKind::PcsIndex, FileKind::PcsTitles][..],
        ),
        (has_hcpcs, "HCPCS Level II", &[FileKind::Hcpcs][..]),
    ] {
        if present {
            continue;
        }
        // HCPCS is never in a CDC/CMS ICD-10 release: taking it needs no note.
        if kinds != [FileKind::Hcpcs] {
            notes.push(format!(
                "the release has no {set} files: {set} is taken from the shipped edition {}",
                shipped_edition.name
            ));
        }
        for kind in kinds {
            let (Some(c), Some((_, file, _))) =
                (shipped_edition.component(*kind), shipped_files.iter().find(|(k, _, _)| k == kind))
            else {
                continue;
            };
            let mut c = c.clone();
            c.source = format!("shipped edition {} ({})", shipped_edition.name, c.source);
            c.file = stored_name(*kind);
            stored.insert(*kind, (file.bytes(), c.file.clone()));
            components.push(c);
        }
    }
    components.sort_by_key(|c| order(c.kind));

    let hcpcs_quarter = components.iter().find(|c| c.kind == FileKind::Hcpcs).map(|c| c.version.clone());
    let name = match name {
        Some(n) => n.to_string(),
        // A quarter's HCPCS alone: named by its quarter (`hcpcs-2025q4`).
        None if !has_cm && !has_pcs => {
            let q = hcpcs_quarter.as_deref().and_then(super::hcpcs::quarter_of_version);
            q.map_or_else(|| "hcpcs".to_string(), |(y, q)| format!("hcpcs-{y}q{q}"))
        }
        None => {
            let v = cm_version.clone().or(pcs_version.clone()).unwrap_or_default();
            // Only the release's own tabular names the edition, not one filled from the shipped edition.
            let april = has_cm
                && components.iter().any(|c| c.kind == FileKind::CmTabular && c.label.contains("April"));
            format!("fy{v}{}", if april { "-april" } else { "" })
        }
    };
    check_name(&name)?;
    let edition = Edition { name: name.clone(), shipped: false, components };
    let manifest = Manifest {
        edition: edition.clone(),
        imported_from: shown(&path.display().to_string()),
        imported_at: chrono::Local::now().to_rfc3339(),
        notes: notes.clone(),
    };
    let (dir, replaced) = install(&name, &manifest, &stored)?;
    Ok(ImportReport { name, dir, edition, recognised, skipped, notes, replaced })
}

/// An HCPCS file as a component: its quarter (from the latest action effective
/// date in it) is its version (`2025-10`), its label and its dates.
fn hcpcs_component(f: &Found) -> Result<Component> {
    let h = super::Hcpcs::parse(&f.data, &f.source)?;
    let Some((year, month)) = h.quarter() else {
        bail!("{}: no action effective date (ACT EFF DT) in the HCPCS file: which quarter is it?", f.source);
    };
    let from = chrono::NaiveDate::from_ymd_opt(year, month, 1).context("a quarter's first day")?;
    let to = from
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .context("a quarter's last day")?;
    let sha256 = hex::encode(Sha256::digest(&f.data));
    Ok(Component {
        kind: FileKind::Hcpcs,
        version: format!("{year}-{month:02}"),
        label: super::hcpcs::quarter_label(year, month),
        effective_from: from,
        effective_to: to,
        source: f.source.clone(),
        file: stored_name(FileKind::Hcpcs),
        sha256,
    })
}

/// The files chosen from a release, by kind: errors name them as the release does.
struct Chosen<'a>(&'a HashMap<FileKind, Found>);

impl assemble::Files for Chosen<'_> {
    fn file(&self, kind: FileKind) -> Result<Option<assemble::File<'_>>> {
        Ok(self.0.get(&kind).map(|f| (f.data.as_slice().into(), f.source.clone())))
    }
}

/// Well-formedness of a whole XML file (every element closed, nothing after
/// the root), whatever the parser of its kind checks on top.
pub fn check_xml(data: &[u8], file: &str) -> Result<(), ReleaseError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::reader::Reader::from_reader(data);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut open = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(ReleaseError::at(file, data, at, format!("malformed XML: {e}")));
            }
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    open = e.name().as_ref().to_string();
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    if depth > 0 {
        return Err(ReleaseError::at(
            file,
            data,
            data.len(),
            format!("the file ends before </{open}> ({depth} element(s) left open): truncated?"),
        ));
    }
    Ok(())
}

fn order(kind: FileKind) -> usize {
    [
        FileKind::CmTabular,
        FileKind::CmIndex,
        FileKind::CmExternal,
        FileKind::CmNeoplasm,
        FileKind::CmDrug,
        FileKind::PcsTables,
        FileKind::PcsDefinitions,
        FileKind::PcsIndex,
        FileKind::PcsTitles,
        FileKind::Hcpcs,
    ]
    .iter()
    .position(|k| *k == kind)
    .unwrap_or(usize::MAX)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    crate::files::write_new_private(path, data).with_context(|| format!("writing {}", path.display()))
}

fn sync_dir(dir: &Path) -> Result<()> {
    crate::files::sync_dir(dir).with_context(|| format!("syncing {}", dir.display()))
}

/// Write the edition in a temporary folder inside `editions/`, check that it
/// loads, then rename it into place (replacing an older one only then).
fn install(
    name: &str,
    manifest: &Manifest,
    files: &HashMap<FileKind, (Vec<u8>, String)>,
) -> Result<(PathBuf, bool)> {
    let editions = editions_dir()?;
    crate::paths::create_private_dir(&editions)?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".import-{name}-"))
        .tempdir_in(&editions)
        .with_context(|| format!("creating a temporary folder in {}", editions.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", tmp.path().display()))?;
    }
    for (data, file) in files.values() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        gz.write_all(data).context("compressing")?;
        write_private(&tmp.path().join(file), &gz.finish().context("compressing")?)?;
    }
    let json = serde_json::to_vec_pretty(manifest).context("writing the manifest")?;
    write_private(&tmp.path().join("edition.json"), &json)?;
    sync_dir(tmp.path())?;
    // Read back what was written, as a later `--edition` will.
    let stored = read_manifest(tmp.path())?;
    for c in &stored.edition.components {
        read_component(tmp.path(), c)?;
    }
    let target = editions.join(name);
    let tmp_path = tmp.keep();
    let replaced = crate::files::swap_dir(&tmp_path, &target).map_err(|e| {
        // The working edition was put back; the new one goes.
        let _ = std::fs::remove_dir_all(&tmp_path);
        anyhow::Error::new(e).context(format!("installing {}", target.display()))
    })?;
    Ok((target, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_content() {
        assert!(matches!(sniff(&shipped::PCS_TITLES.bytes()), Sniffed::Kind(FileKind::PcsTitles)));
        assert!(matches!(sniff(&shipped::PCS_INDEX.bytes()), Sniffed::Kind(FileKind::PcsIndex)));
        assert!(matches!(sniff(&shipped::CM_DRUG.bytes()), Sniffed::Kind(FileKind::CmIndex)));
        let order = b"00001 001     0 Central Nervous System and Cranial Nerves, Bypass          Central Nervous System and Cranial Nerves, Bypass\n00002 0016070 1 Bypass Cereb Vent to Nasophar with Autol Sub, Open Approach Bypass Cerebral Ventricle to Nasopharynx with Autologous Tissue Substitute, Open Approach\n";
        assert!(matches!(sniff(order), Sniffed::Kind(FileKind::PcsTitles)));
        let cm_order = b"00001 A00     0 Cholera                                                      Cholera\n00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae\n";
        assert!(matches!(sniff(cm_order), Sniffed::Skip(_)));
        assert!(matches!(
            sniff(b"0016070 Bypass Cerebral Ventricle to Nasopharynx\n"),
            Sniffed::PcsCodesList
        ));
        assert!(matches!(sniff(b"%PDF-1.7 ..."), Sniffed::Skip(_)));
        assert!(matches!(
            sniff(b"<?xml version=\"1.0\"?>\n<!-- x -->\n<ICD10CM.tabular><version>2027</version>"),
            Sniffed::Kind(FileKind::CmTabular)
        ));
        assert!(matches!(sniff(b"<ICD10CM.tabular isAddenda=\"true\">"), Sniffed::Skip(_)));
        assert!(matches!(sniff(b"hello world\n"), Sniffed::Skip(_)));
    }

    #[test]
    fn versions_and_dates() {
        assert_eq!(xml_version(b"<ICD10CM.tabular>\n  <version>2027</version>").as_deref(), Some("2027"));
        let (f, t) = fiscal_year_dates("2027", false).unwrap();
        assert_eq!((f.to_string(), t.to_string()), ("2026-10-01".into(), "2027-09-30".into()));
        let (f, _) = fiscal_year_dates("2026", true).unwrap();
        assert_eq!(f.to_string(), "2026-04-01");
        assert!(fiscal_year_dates("abc", false).is_none());
        assert_eq!(april_update(b"<x/>", "/r/icd10cm-tabular-April-2026.xml"), Some("its file name"));
        assert_eq!(april_update(b"<x/>", "/r/icd10cm_tabular_2026.xml"), None);
        assert!(check_name("fy2027").is_ok());
        assert!(check_name("../x").is_err());
        assert!(check_name(shipped::EDITION_NAME).is_err());
    }
}
