//! The tantivy search engine: opens (building when needed) and answers queries.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result};
use tantivy::collector::TopDocs;
use tantivy::index::SegmentId;
use tantivy::schema::Value;
use tantivy::{DocAddress, DocId, Index, IndexReader, ReloadPolicy, Score, SegmentReader, TantivyDocument};

use super::build::{self, Manifest, Progress, State};
use super::query::{self, Analyzers, Plan, Unit};
use super::rank::{self, Columns, Coverage, Ranker};
use super::schema::{self, Fields};
use super::stored::{Docs, Stored};
use super::vocab::Vocab;
use super::{Hit, Matched, Query, Search, books};
use crate::codeset::{CodeSet, Codebook, Edition};

/// Below this many full matches, partial matches are added.
const PARTIAL_BELOW: usize = 10;
/// How many full matches are reranked by how much of their title the query covers.
const RERANK: usize = 120;

/// How many partial matches compete with the full ones.
const PARTIAL: usize = 60;
/// From this many content units on a query is long: its right code often holds only
/// some of them, and many codes hold the same few (every `distal end of ulna`
/// beside the `lower end of humerus` asked for), so more partial matches compete.
const LONG_FROM: usize = 4;
const PARTIAL_LONG: usize = 150;
/// A header this near the top is followed by up to `CHILDREN` of its billable codes (best of `CHILDREN_READ`).
const HEADER_WITHIN: usize = 3;
const CHILDREN: usize = 3;
const CHILDREN_READ: usize = 30;

/// Below the first hit, a header in this many gives its place to one of its billable codes.
const HEADERS_GIVE_WAY: usize = 10;

/// How many decompressed doc store blocks (16 KiB each) the reader keeps: with
/// tantivy's default of 100 most documents a rerank reads were decompressed
/// again; 400 (6.4 MiB) holds what a query typed out touches without the
/// whole store (about 30 MB decompressed) becoming each workbench's private memory.
const DOC_STORE_BLOCKS: usize = 400;

/// The ranking fast fields of each segment, opened once per reload: opening
/// them loaded their blocks anew on every pass of every keystroke.
type SegmentColumns = Arc<HashMap<SegmentId, Arc<Columns>>>;

/// A search result being ranked: score, code order (ties), address, stored document.
type Found = (Score, i64, DocAddress, Arc<Stored>);

fn is_billable(doc: &TantivyDocument, f: &Fields) -> bool {
    doc.get_first(f.billable).and_then(|v| v.as_u64()) == Some(1)
}

/// What an inclusion term counts for as the code's title in the rerank, and how many are read.
const INCL_AS_TITLE: f32 = 0.9;
const INCL_READ: usize = 12;

/// What a book row's score is multiplied by: it must say what was asked better than a title does.
const BOOK_WEIGHT: f32 = 0.85;

fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

/// A code a coder cannot report that stands for the codes under it (a book row giving one too).
fn is_header(doc: &TantivyDocument, f: &Fields) -> bool {
    !is_billable(doc, f) && matches!(text_of(doc, f.kind), "category" | "subcategory" | "code" | books::KIND)
}

fn is_book(doc: &TantivyDocument, f: &Fields) -> bool {
    text_of(doc, f.kind) == books::KIND
}

/// The code's key; for a book row, the key of the code it gives.
fn doc_key<'a>(doc: &'a TantivyDocument, f: &Fields) -> &'a str {
    if is_book(doc, f) { text_of(doc, f.target) } else { text_of(doc, f.key) }
}

/// The search index of one edition, open for reading.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    vocab: Arc<Vocab>,
    manifest: Manifest,
    dir: PathBuf,
    analyzers: Mutex<Analyzers>,
    ranker: Ranker,
    columns: RwLock<SegmentColumns>,
    docs: Docs,
}

/// What `open_or_build` had to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The index was fresh.
    Ready,
    /// Built now; the reason says why (missing, stale, damaged).
    Built(String),
    /// Stale but could not be rebuilt here (read-only); used as it is.
    UsedStale(String),
}

/// Tantivy failed inside (a panic caught at the boundary): the index files are damaged.
#[derive(Debug, thiserror::Error)]
#[error("the search index {} is damaged ({what})", dir.display())]
pub struct Damaged {
    pub dir: PathBuf,
    pub what: String,
}

/// Searches run after opening an index: a damage that the checksums miss
/// shows here, at start, rather than on the coder's first keystroke.
const SELF_TEST: [&str; 4] = ["chf", "e11.9", "diabetes w ckd", "0dtj"];

impl Engine {
    /// Open an existing index without writing anything (works in a read-only folder).
    pub fn open(dir: &Path) -> Result<Engine> {
        let damaged = |what| anyhow::Error::new(Damaged { dir: dir.to_path_buf(), what });
        super::guard::catch(|| Engine::open_unguarded(dir)).map_err(damaged)?
    }

    /// Run [`SELF_TEST`]; an error (or a caught panic) means the index is damaged.
    pub fn self_test(&self) -> Result<()> {
        for text in SELF_TEST {
            self.search(&Query::new(text))?;
        }
        Ok(())
    }

    fn open_unguarded(dir: &Path) -> Result<Engine> {
        let manifest = build::read_manifest(dir).map_err(anyhow::Error::msg)?;
        let index =
            Index::open_in_dir(dir).with_context(|| format!("opening the search index {}", dir.display()))?;
        schema::register(&index);
        let fields = schema::fields_of(&index).map_err(anyhow::Error::msg)?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_BLOCKS)
            .try_into()
            .with_context(|| format!("reading the search index {}", dir.display()))?;
        let columns = RwLock::new(open_columns(&reader, dir)?);
        Ok(Engine {
            reader,
            fields,
            vocab: Arc::new(Vocab::embedded()?),
            manifest,
            dir: dir.to_path_buf(),
            analyzers: Mutex::new(Analyzers::default()),
            ranker: Ranker::default(),
            columns,
            docs: Docs::default(),
        })
    }

    /// Open the index in `dir`, building it first when it is missing, stale or damaged
    /// (or always, with `force`). `book` loads the code sets only if a build is needed.
    pub fn open_or_build(
        dir: &Path,
        edition: &Edition,
        book: &mut dyn FnMut() -> Result<Codebook>,
        force: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(Engine, Opened)> {
        let st = build::status(dir, edition);
        let mut why = if force { "rebuild asked for".to_string() } else { st.state.describe() };
        let mut rebuild = force;
        if st.state == State::Fresh && !force {
            let checked = |e: Engine| if st.known { Ok(e) } else { e.self_test().map(|()| e) };
            match Engine::open(dir).and_then(checked) {
                Ok(engine) => {
                    if !st.known {
                        build::remember_checked(dir);
                    }
                    return Ok((engine, Opened::Ready));
                }
                Err(e) => {
                    why = format!("damaged ({})", crate::text::error_message(&e));
                    rebuild = true;
                }
            }
        }
        match build::build(dir, edition, book, !rebuild, progress) {
            Ok(_) => Ok((Engine::open(dir)?, Opened::Built(why))),
            Err(e) => {
                // A prebuilt index in a read-only place: use it if it opens at all.
                if let State::Stale(reason) = &st.state
                    && let Ok(engine) = Engine::open(dir)
                {
                    return Ok((engine, Opened::UsedStale(format!("{reason}; cannot rebuild: {e:#}"))));
                }
                Err(e.context(format!("building the search index in {}", dir.display())))
            }
        }
    }

    /// Pick up a rebuilt index in place (cheap).
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().context("reloading the search index")?;
        let columns = open_columns(&self.reader, &self.dir)?;
        *self.columns.write().unwrap_or_else(|p| p.into_inner()) = columns;
        Ok(())
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn run(
        &self,
        searcher: &tantivy::Searcher,
        q: &dyn tantivy::query::Query,
        limit: usize,
        code_only: bool,
        initial_first: bool,
    ) -> Result<Vec<((Score, i64), DocAddress)>> {
        let later_weight = if initial_first { 0.2 } else { 0.0 };
        let opened = self.columns.read().unwrap_or_else(|p| p.into_inner()).clone();
        let collector = TopDocs::with_limit(limit).tweak_score(move |seg: &SegmentReader| {
            // Checked at open (`open_columns`): a segment without them keeps its BM25 score.
            let cols =
                opened.get(&seg.segment_id()).cloned().or_else(|| Columns::open_once(seg).ok().map(Arc::new));
            move |doc: DocId, score: Score| match &cols {
                Some(c) => c.score(doc, score, code_only, later_weight),
                None => (score, 0),
            }
        });
        Ok(searcher.search(q, &collector)?)
    }

    fn read(
        &self,
        searcher: &tantivy::Searcher,
        found: Vec<((Score, i64), DocAddress)>,
    ) -> Result<Vec<Found>> {
        let mut docs = Vec::with_capacity(found.len());
        for ((score, ord), addr) in found {
            let doc = self.docs.get(searcher, addr).context("reading a search result")?;
            docs.push((score, ord, addr, doc));
        }
        Ok(docs)
    }

    /// The IDF of a title stem; None when no title has it.
    fn idf(&self, searcher: &tantivy::Searcher, stem: &str) -> Option<f32> {
        let df = searcher.doc_freq(&tantivy::Term::from_field_text(self.fields.title, stem)).ok()?;
        (df > 0).then(|| (searcher.num_docs() as f32 / df as f32).ln().max(0.1))
    }

    /// Codes whose title is what was asked come before codes adding qualifiers nobody typed.
    /// `partial`: the codes that lack some unit altogether.
    fn rerank(&self, docs: &mut [Found], cov: &Coverage, partial: &HashSet<DocAddress>, an: &mut Analyzers) {
        let f = &self.fields;
        for (score, _, addr, doc) in docs.iter_mut() {
            let part = partial.contains(addr);
            let (key, set) = (doc_key(doc, f), text_of(doc, f.set));
            let mut factor = cov.factor_of(key, set, doc.title_terms(f, &mut an.text), part, &self.ranker);
            // An inclusion term is another way to write the code's title: a query worded as
            // one (`pyelonephritis` under N16's `... in diseases classified elsewhere`) ranks by it.
            if factor < INCL_AS_TITLE {
                for t in doc.incl_terms(f, &mut an.text, INCL_READ) {
                    factor = factor.max(INCL_AS_TITLE * cov.factor_of(key, set, t, part, &self.ranker));
                }
            }
            *score *= factor;
            // A book row wins where it says what was asked better than any title, not on a tie.
            if is_book(doc, f) {
                *score *= BOOK_WEIGHT;
            }
            // Between equal titles, the code a coder can report comes before its header.
            if !is_billable(doc, f) {
                *score *= 0.85;
            }
        }
        docs.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    }

    /// The first ICD-10-CM header near the top (a code needing a 7th character is one) is followed by its billable codes
    /// that best fit the query (the `unspecified` one when nothing more was typed).
    fn follow_header(
        &self,
        searcher: &tantivy::Searcher,
        docs: &mut Vec<Found>,
        q: &Query,
        words: &dyn tantivy::query::Query,
        (cov, initial_first): (&Coverage, bool),
        an: &mut Analyzers,
    ) -> Result<()> {
        let f = &self.fields;
        let Some(at) = docs.iter().take(HEADER_WITHIN).position(|d| is_header(&d.3, f)) else {
            return Ok(());
        };
        let key = doc_key(&docs[at].3, f).to_string();
        let (header, header_score) = (docs[at].2, docs[at].0);
        let room = q.limit.min(10).saturating_sub(at + 1).min(CHILDREN);
        // Its codes found already move up in their reranked order (the `unspecified`
        // ones first when the header's title is all that was asked); the index is asked only when none was.
        let asked_all =
            cov.factor(&key, "icd10cm", text_of(&docs[at].3, f.title), false, &self.ranker, an) >= 0.999;
        let mut picks: Vec<(bool, usize)> = (at + 1..docs.len())
            .filter(|&i| {
                is_billable(&docs[i].3, f)
                    && !is_book(&docs[i].3, f)
                    && doc_key(&docs[i].3, f).starts_with(&key)
            })
            .map(|i| (asked_all && !text_of(&docs[i].3, f.title).to_lowercase().contains("unspecified"), i))
            .collect();
        picks.sort();
        picks.truncate(room);
        let take: HashSet<usize> = picks.iter().map(|p| p.1).collect();
        let mut children = Vec::new();
        let mut rest = Vec::with_capacity(docs.len());
        let mut chosen: Vec<(usize, Found)> = Vec::new();
        for (i, d) in std::mem::take(docs).into_iter().enumerate() {
            if take.contains(&i) {
                chosen.push((i, d));
            } else {
                rest.push(d);
            }
        }
        *docs = rest;
        for (_, i) in &picks {
            if let Some(k) = chosen.iter().position(|c| c.0 == *i) {
                children.push(chosen.swap_remove(k).1);
            }
        }
        if children.is_empty() && room > 0 {
            let under = query::billable_under(f, &key, q, words);
            let found = self.run(searcher, under.as_ref(), CHILDREN_READ, false, initial_first)?;
            // Codes already ranked above their header stay where they are.
            let listed: HashSet<DocAddress> = docs.iter().map(|d| d.2).collect();
            let found = found.into_iter().filter(|(_, a)| !listed.contains(a)).collect();
            children = self.read(searcher, found)?;
            self.rerank(&mut children, cov, &HashSet::new(), an);
            children.truncate(room);
        }
        let at = docs.iter().position(|d| d.2 == header).unwrap_or(0);
        for (i, mut child) in children.into_iter().enumerate() {
            child.0 = header_score * (1.0 - 0.001 * (i + 1) as f32);
            docs.insert((at + 1 + i).min(docs.len()), child);
        }
        Ok(())
    }

    /// A header below the first hit gives its place to its best billable code further down
    /// (moving just past the first `top`), or, when one is above it already, steps past them.
    /// A coder reports the code; the header stays reachable.
    fn headers_give_way(&self, docs: &mut Vec<Found>, top: usize) {
        let f = &self.fields;
        let cm_header = |d: &Found| is_header(&d.3, f) && text_of(&d.3, f.set) == "icd10cm";
        let mut i = 1;
        let mut moved = 0;
        while i < top.min(docs.len()) && moved < top {
            if !cm_header(&docs[i]) {
                i += 1;
                continue;
            }
            let key = doc_key(&docs[i].3, f).to_string();
            let under = |d: &Found| is_billable(&d.3, f) && doc_key(&d.3, f).starts_with(&key);
            let listed = docs[..top.min(docs.len())].iter().any(under);
            let child = if listed { None } else { docs.iter().skip(top).position(under).map(|k| k + top) };
            if !listed && child.is_none() {
                i += 1;
                continue;
            }
            let header = docs.remove(i);
            if let Some(c) = child {
                let code = docs.remove(c - 1);
                docs.insert(i, code);
            }
            docs.insert(top.min(docs.len()), header);
            moved += 1;
        }
    }

    /// The typed words that are whole words of some title (a dictionary lookup each).
    fn whole_words(&self, searcher: &tantivy::Searcher, plan: &Plan, an: &mut Analyzers) -> HashSet<String> {
        let mut out = HashSet::new();
        for u in &plan.units {
            let Unit::Words { words, typing: false, .. } = u else { continue };
            for w in schema::terms(&mut an.fold, &words.join(" ")) {
                let term = tantivy::Term::from_field_text(self.fields.title, &w);
                let found = searcher.segment_readers().iter().any(|seg| {
                    seg.inverted_index(self.fields.title)
                        .ok()
                        .and_then(|ii| ii.get_term_info(&term).ok().flatten())
                        .is_some()
                });
                if found {
                    out.insert(w);
                }
            }
        }
        out
    }

    fn hit(&self, doc: &Stored, score: Score, asked: &rank::Asked, an: &mut Analyzers) -> Hit {
        let f = &self.fields;
        let text = |field| text_of(doc, field).to_string();
        let set = text(f.set).parse().unwrap_or(CodeSet::Icd10cm);
        if is_book(doc, f) {
            return Hit {
                code: text(f.code),
                title: text(f.ttitle),
                set,
                billable: is_billable(doc, f),
                score,
                matched: Matched::Book,
                via: Some(text(f.via)),
            };
        }
        let title = text(f.title);
        let key = text(f.key);
        let matched = rank::matched_on(asked, &key, doc.texts(f, &mut an.text));
        Hit {
            code: text(f.code),
            title,
            set,
            billable: doc.get_first(f.billable).and_then(|v| v.as_u64()) == Some(1),
            score,
            matched,
            via: None,
        }
    }
}

/// Whether any document matches `q` (the first match of each segment; nothing is scored).
fn holds_any(searcher: &tantivy::Searcher, q: &dyn tantivy::query::Query) -> Result<bool> {
    let weight = q.weight(tantivy::query::EnableScoring::disabled_from_searcher(searcher))?;
    for seg in searcher.segment_readers() {
        if weight.scorer(seg, 1.0)?.doc() != tantivy::TERMINATED {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every segment has the fast fields ranking reads: a renamed or missing one
/// is an error here, not codes silently ranked as if each read zero.
fn open_columns(reader: &IndexReader, dir: &Path) -> Result<SegmentColumns> {
    let mut out = HashMap::new();
    for seg in reader.searcher().segment_readers() {
        let cols = Columns::open(seg)
            .with_context(|| format!("the search index {} lacks a ranking field", dir.display()))?;
        out.insert(seg.segment_id(), Arc::new(cols));
    }
    Ok(Arc::new(out))
}

impl Search for Engine {
    /// A panic inside tantivy (a damaged index) is caught here and returned as [`Damaged`].
    fn search(&self, q: &Query) -> Result<Vec<Hit>> {
        let damaged = |what| anyhow::Error::new(Damaged { dir: self.dir.clone(), what });
        super::guard::catch(|| self.search_unguarded(q)).map_err(damaged)?
    }
}

impl Engine {
    fn search_unguarded(&self, q: &Query) -> Result<Vec<Hit>> {
        if q.limit == 0 {
            return Ok(Vec::new());
        }
        let mut plan = query::plan(&q.text, &self.vocab);
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        // A copy per search, so concurrent searches do not wait for each other.
        let mut an = self.analyzers.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let searcher = self.reader.searcher();
        let whole = self.whole_words(&searcher, &plan, &mut an);
        // Words no vocabulary line or title knows may be abbreviations of title words.
        let memo = an.memo.clone();
        query::guess_abbreviations(&mut plan, &whole, |w| memo.guesses(&searcher, self.fields.title, w));
        let Some(passes) = query::queries(&self.fields, &plan, q, &whole, &mut an) else {
            return Ok(Vec::new());
        };
        let code_only = plan.is_code_only();
        let initial_first = !plan.names_encounter();
        let want = if code_only { q.limit } else { q.limit.max(RERANK) };
        let mut found = self.run(&searcher, passes.all.as_ref(), want, code_only, initial_first)?;
        // A unit no document holds would leave nothing to require the others of (lossless:
        // looked for only when few codes hold every unit, one cheap lookup per unit).
        let mut dead = HashSet::new();
        if found.len() < q.limit.min(PARTIAL_BELOW) && plan.units.len() > 1 && !code_only {
            for (i, uq) in passes.required_units() {
                if !holds_any(&searcher, uq.as_ref())? {
                    dead.insert(i);
                }
            }
            if !dead.is_empty() && dead.len() < passes.required_count() {
                found =
                    self.run(&searcher, passes.all_but(&dead).as_ref(), want, code_only, initial_first)?;
            }
        }
        let mut docs = self.read(&searcher, found)?;
        // Few codes hold every unit: codes holding most of them compete, a missing
        // rare word costing more than a common one (the union is the costly pass).
        let mut partial = HashSet::new();
        if docs.len() < q.limit.min(PARTIAL_BELOW) && plan.units.len() > 1 {
            let seen: HashSet<DocAddress> = docs.iter().map(|d| d.2).collect();
            let n = if code_only {
                q.limit + docs.len()
            } else if plan.content_units() >= LONG_FROM {
                PARTIAL_LONG
            } else {
                PARTIAL
            };
            let more = self.run(&searcher, passes.any.as_ref(), n, code_only, initial_first)?;
            let more: Vec<_> = more.into_iter().filter(|(_, a)| !seen.contains(a)).collect();
            partial.extend(more.iter().map(|m| m.1));
            docs.extend(self.read(&searcher, more)?);
        }
        if !code_only {
            // A unit no document holds is lacked by every code alike: it ranks nothing.
            let alive = Plan {
                units: plan
                    .units
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !dead.contains(i))
                    .map(|u| u.1.clone())
                    .collect(),
            };
            let cov = Coverage::of(&alive, &mut an, &|stem| self.idf(&searcher, stem));
            self.rerank(&mut docs, &cov, &partial, &mut an);
            self.follow_header(
                &searcher,
                &mut docs,
                q,
                passes.words.as_ref(),
                (&cov, initial_first),
                &mut an,
            )?;
        }
        // A code found both by its title and through book rows is listed once, where it ranks best.
        let mut listed = HashSet::new();
        docs.retain(|d| {
            listed
                .insert((doc_key(&d.3, &self.fields).to_string(), text_of(&d.3, self.fields.set).to_string()))
        });
        self.headers_give_way(&mut docs, q.limit.min(HEADERS_GIVE_WAY));
        docs.truncate(q.limit);
        let mut hits = Vec::with_capacity(docs.len());
        let asked = rank::Asked::of(&plan, &mut an);
        for (score, _, _, doc) in docs {
            hits.push(self.hit(&doc, score, &asked, &mut an));
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Matched;
    use super::super::build::{CodeDoc, write_index};
    use super::*;

    fn doc(
        key: &str,
        code: &str,
        set: CodeSet,
        billable: bool,
        title: &str,
        incl: &[&str],
        extra: &[&str],
    ) -> CodeDoc {
        let ancestors = if set == CodeSet::Icd10cm {
            (3..key.len()).map(|n| key[..n].to_string()).collect()
        } else {
            (1..key.len()).map(|n| key[..n].to_string()).collect()
        };
        CodeDoc {
            key: key.to_string(),
            code: code.to_string(),
            set: Some(set),
            kind: if billable { "code" } else { "category" },
            billable,
            title: title.to_string(),
            incl: incl.iter().map(|s| s.to_string()).collect(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            ancestors,
            prefixes: true,
            ..CodeDoc::default()
        }
    }

    fn engine() -> (tempfile::TempDir, Engine) {
        use CodeSet::*;
        let docs = vec![
            doc("E11", "E11", Icd10cm, false, "Type 2 diabetes mellitus", &[], &[]),
            doc(
                "E1122",
                "E11.22",
                Icd10cm,
                true,
                "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                &[],
                &[],
            ),
            doc("E119", "E11.9", Icd10cm, true, "Type 2 diabetes mellitus without complications", &[], &[]),
            doc(
                "I10",
                "I10",
                Icd10cm,
                true,
                "Essential (primary) hypertension",
                &["high blood pressure", "hypertension (arterial) (benign)"],
                &[],
            ),
            doc(
                "I509",
                "I50.9",
                Icd10cm,
                true,
                "Heart failure, unspecified",
                &["congestive heart failure NOS"],
                &[],
            ),
            doc("I5022", "I50.22", Icd10cm, true, "Chronic systolic (congestive) heart failure", &[], &[]),
            doc(
                "N189",
                "N18.9",
                Icd10cm,
                true,
                "Chronic kidney disease, unspecified",
                &["chronic renal disease"],
                &[],
            ),
            doc(
                "N08",
                "N08",
                Icd10cm,
                true,
                "Glomerular disorders in diseases classified elsewhere",
                &[],
                &[],
            ),
            doc(
                "N16",
                "N16",
                Icd10cm,
                true,
                "Renal tubulo-interstitial disorders in diseases classified elsewhere",
                &["Pyelonephritis", "Tubulo-interstitial nephritis"],
                &[],
            ),
            doc(
                "0DTJ4ZZ",
                "0DTJ4ZZ",
                Icd10pcs,
                true,
                "Resection of Appendix, Percutaneous Endoscopic Approach",
                &[],
                &["Appendectomy"],
            ),
            doc(
                "0DTJ0ZZ",
                "0DTJ0ZZ",
                Icd10pcs,
                true,
                "Resection of Appendix, Open Approach",
                &[],
                &["Appendectomy"],
            ),
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("idx");
        std::fs::create_dir(&path).expect("mkdir");
        write_index(&path, &docs, &mut |_| {}).expect("index");
        let m = Manifest {
            schema_version: schema::SCHEMA_VERSION,
            edition: "test".into(),
            codeset_sha256: String::new(),
            vocab_sha256: Vocab::hash(),
            docs: docs.len() as u64,
            built_at: String::new(),
            medcode_version: String::new(),
        };
        std::fs::write(path.join(build::MANIFEST), serde_json::to_string(&m).expect("json")).expect("write");
        let e = Engine::open(&path).expect("open");
        (dir, e)
    }

    fn codes(e: &Engine, text: &str) -> Vec<String> {
        e.search(&Query::new(text)).expect("search").into_iter().map(|h| h.code).collect()
    }

    #[test]
    fn codes_with_and_without_dot_come_first() {
        let (_d, e) = engine();
        assert_eq!(codes(&e, "e11.9")[0], "E11.9");
        assert_eq!(codes(&e, "E119")[0], "E11.9");
        assert_eq!(codes(&e, "e11")[..3], ["E11", "E11.9", "E11.22"]);
        let hits = e.search(&Query::new("0dtj")).expect("search");
        assert_eq!(hits.len(), 2);
        assert!(hits.iter().all(|h| h.matched == Matched::Code && h.code.starts_with("0DTJ")));
    }

    #[test]
    fn abbreviations_typos_and_prefixes_find_titles() {
        let (_d, e) = engine();
        assert_eq!(codes(&e, "diabetes w ckd")[0], "E11.22");
        assert_eq!(codes(&e, "htn")[0], "I10");
        assert!(codes(&e, "chf")[..2].contains(&"I50.9".to_string()));
        assert!(codes(&e, "diabetis").iter().any(|c| c.starts_with("E11")));
        assert!(codes(&e, "hypert").contains(&"I10".to_string()));
        assert_eq!(codes(&e, "appendectomy")[0].get(..4), Some("0DTJ"));
    }

    #[test]
    fn a_word_no_title_uses_costs_a_little_not_everything() {
        let (_d, e) = engine();
        // `nephropathy` is in no document: the code holding every other word still comes first.
        let got = codes(&e, "type 2 diabetes mellitus chronic kidney disease nephropathy");
        assert_eq!(got.first().map(String::as_str), Some("E11.22"), "{got:?}");
        let got = codes(&e, "essential hypertension idiopathic");
        assert_eq!(got.first().map(String::as_str), Some("I10"), "{got:?}");
    }

    #[test]
    fn a_word_no_document_holds_is_not_required() {
        let (_d, e) = engine();
        // Lossless: the codes holding every other word, in the order they had without it.
        for text in ["diabetes chronic kidney", "heart failure"] {
            let with = codes(&e, &format!("{text} qqzzx"));
            assert_eq!(with[..2], codes(&e, text)[..2], "{text}");
        }
    }

    #[test]
    fn in_a_long_query_the_books_phrasing_weighs_less_than_the_condition() {
        let (_d, e) = engine();
        // `classified elsewhere` is rarer here than any word of the condition.
        let got = codes(&e, "type 2 diabetes mellitus chronic kidney disease classified elsewhere");
        let at = |c: &str| got.iter().position(|g| g == c);
        assert_eq!(got.first().map(String::as_str), Some("E11.22"), "{got:?}");
        assert!(at("N18.9").is_some() && (at("N08").is_none() || at("N18.9") < at("N08")), "{got:?}");
    }

    #[test]
    fn a_query_worded_as_an_inclusion_term_ranks_its_code_by_that_term() {
        let (_d, e) = engine();
        // N16's title lacks `pyelonephritis` and holds four words nobody typed; its inclusion term does not.
        let got = codes(&e, "pyelonephritis in diseases classified elsewhere");
        assert_eq!(got.first().map(String::as_str), Some("N16"), "{got:?}");
        // Held by its inclusion term and title, N16 comes before a title holding one word of it.
        let got = codes(&e, "pyelonephritis in glomerular diseases");
        let at = |c: &str| got.iter().position(|g| g == c);
        assert!(at("N16").is_some() && (at("N18.9").is_none() || at("N16") < at("N18.9")), "{got:?}");
    }

    #[test]
    fn a_header_is_followed_by_its_billable_codes() {
        let (_d, e) = engine();
        // Only E11's own title is asked for: its codes follow it, the unqualified one first.
        let got = codes(&e, "type 2 diabetes mellitus");
        assert!(got.contains(&"E11".to_string()), "{got:?}");
        assert!(
            got[..3].contains(&"E11.9".to_string()) && got[..3].contains(&"E11.22".to_string()),
            "{got:?}"
        );
        assert!(got.iter().position(|c| c == "E11.9") < got.iter().position(|c| c == "E11.22"), "{got:?}");
    }

    #[test]
    fn a_header_below_the_first_hit_comes_after_its_billable_codes() {
        let (_d, e) = engine();
        let got = codes(&e, "type 2 diabetes mellitus without complications");
        assert_eq!(got.first().map(String::as_str), Some("E11.9"), "{got:?}");
        let at = |c: &str| got.iter().position(|g| g == c);
        assert!(at("E11").is_some() && at("E11.22") < at("E11"), "{got:?}");
    }

    #[test]
    fn what_a_hit_matched_on_is_reported() {
        let (_d, e) = engine();
        let first = |t: &str| e.search(&Query::new(t)).expect("search").remove(0);
        assert_eq!(first("e11.9").matched, Matched::Code);
        assert_eq!(first("essential hypertension").matched, Matched::Title);
        assert_eq!(first("chronic renal disease").matched, Matched::InclusionTerm);
        assert_eq!(first("appendectomy").matched, Matched::IndexTerm);
        assert_eq!(first("htn").matched, Matched::Synonym);
    }

    #[test]
    fn filters_restrict_set_billable_and_within() {
        let (_d, e) = engine();
        let mut q = Query::new("diabetes");
        q.billable_only = true;
        assert!(e.search(&q).expect("search").iter().all(|h| h.billable));
        let mut q = Query::new("resection");
        q.set = Some(CodeSet::Icd10cm);
        assert!(e.search(&q).expect("search").is_empty());
        let mut q = Query::new("chronic");
        q.within = Some("E11".into());
        let got: Vec<String> = e.search(&q).expect("search").into_iter().map(|h| h.code).collect();
        assert_eq!(got, ["E11.22"]);
    }

    #[test]
    fn the_engine_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>(_: &T) {}
        let (_d, e) = engine();
        shared(&e);
        let e = std::sync::Arc::new(e);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || e.search(&Query::new("htn")).map(|h| h.len()).unwrap_or(0))
            })
            .collect();
        for h in handles {
            assert!(h.join().expect("thread") > 0);
        }
    }

    #[test]
    fn empty_and_hostile_queries() {
        let (_d, e) = engine();
        assert!(codes(&e, "").is_empty());
        assert!(codes(&e, "   ").is_empty());
        let long = "x".repeat(10_000);
        for t in ["\"", "a:b", "title:(x", "[", "é", "日本", &long, "*", "-", "e11.9.9", "0DTJ4ZZZZZZ"] {
            e.search(&Query::new(t)).expect("no error");
        }
    }
}
