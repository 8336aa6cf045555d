//! Shared by the search benchmark and the evaluation: the medcode index and an
//! SQLite FTS5 baseline over the same documents.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use medcode::codeset::{Codebook, shipped};
use medcode::search::build::{self, CodeDoc};
use medcode::search::{Engine, Opened};
use rusqlite::Connection;

/// Where the benchmarks keep their index (rebuilt when stale, like the CLI does).
pub fn bench_index_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-index").join(shipped::EDITION_NAME)
}

pub struct Setup {
    pub book: Codebook,
    pub docs: Vec<CodeDoc>,
    pub engine: Engine,
    pub load_time: Duration,
    /// Time of the last full build (load + index), when this run built it.
    pub build_time: Option<Duration>,
}

pub fn setup(force_build: bool) -> Setup {
    let t = Instant::now();
    let book = shipped::load().expect("load the shipped code sets");
    let load_time = t.elapsed();
    let docs = build::documents(&book);
    let dir = bench_index_dir();
    let t = Instant::now();
    let (engine, opened) =
        Engine::open_or_build(&dir, &shipped::edition(), &mut shipped::load, force_build, &mut |_| {})
            .expect("open or build the index");
    let build_time = matches!(opened, Opened::Built(_)).then(|| t.elapsed());
    Setup { book, docs, engine, load_time, build_time }
}

pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// An in-memory FTS5 table over the same documents: code, title, inclusion terms (porter stems).
pub fn fts5(docs: &[CodeDoc]) -> Connection {
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(
        "CREATE VIRTUAL TABLE docs USING fts5(code UNINDEXED, title, incl, tokenize = 'porter unicode61 remove_diacritics 2');",
    )
    .expect("fts5 table");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut ins = tx.prepare("INSERT INTO docs(code, title, incl) VALUES (?1, ?2, ?3)").expect("prepare");
        for d in docs {
            ins.execute((&d.code, &d.title, d.incl.join(" ; "))).expect("insert");
        }
    }
    tx.commit().expect("commit");
    conn
}

/// The FTS5 query for typed text: words OR'ed, the last one as a prefix.
pub fn fts5_match(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let n = words.len();
    if n == 0 {
        return None;
    }
    let typing = !text.ends_with(char::is_whitespace);
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| if i + 1 == n && typing { format!("\"{w}\"*") } else { format!("\"{w}\"") })
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}

pub fn fts5_search(conn: &Connection, text: &str, limit: usize) -> Vec<String> {
    let Some(m) = fts5_match(text) else { return Vec::new() };
    let mut st = conn
        .prepare_cached("SELECT code FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs) LIMIT ?2")
        .expect("prepare");
    st.query_map((m, limit as i64), |r| r.get::<_, String>(0))
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}
