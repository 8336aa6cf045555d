//! `medcode search`: search code descriptions from the command line, one query
//! or a batch of queries on stdin.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{Format, Globals};
use crate::codeset::catalog::Located;
use crate::codeset::changes::Changes;
use crate::codeset::{CodeSet, Edition};
use crate::search::{self, Engine, Hit, Opened, Progress, Query, Search};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to look for: words, abbreviations, code fragments (`diabetes w ckd`, `e11.9`, `0dtj`).
    #[arg(required_unless_present = "batch")]
    pub query: Vec<String>,
    /// Only this code set (icd10cm, icd10pcs or hcpcs).
    #[arg(long, value_parser = super::parse_set)]
    pub set: Option<CodeSet>,
    /// At most this many results per query.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Only billable codes.
    #[arg(long)]
    pub billable: bool,
    /// Only codes under this chapter, block or category (`4`, `E08-E13`, `E11`, `0DT`).
    #[arg(long)]
    pub within: Option<String>,
    /// Output: text (edition on stderr), json, or jsonl (one result per line).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Read one query per line on stdin; write one JSON object per line, in order.
    #[arg(long, conflicts_with = "query")]
    pub batch: bool,
    /// Date of service (YYYY-MM-DD; inpatient: the discharge date): search the edition in force then.
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
}

/// The edition to search (`--edition`, else the default) and a way to load it
/// when the index must be built.
pub(super) fn edition(globals: &Globals) -> Result<Located> {
    crate::codeset::catalog::locate(globals.edition.as_deref())
}

/// The index folder of the edition (see [`search::index_dir`]).
pub(super) fn index_dir(globals: &Globals, edition: &Edition) -> Result<PathBuf> {
    search::index_dir(globals.index.as_deref(), &edition.name)
}

/// Prints build progress on stderr.
pub(super) fn progress_printer() -> impl FnMut(Progress) {
    let mut last: (&str, usize) = ("", usize::MAX);
    move |p: Progress| {
        let pct = (p.done * 100).checked_div(p.total).unwrap_or(0);
        let step = pct / 25;
        if p.stage != last.0 || (p.stage == "indexing" && step != last.1) {
            if p.total > 0 && p.stage == "indexing" {
                eprintln!("medcode: indexing {}/{} codes ({pct}%)", p.done, p.total);
            } else {
                eprintln!("medcode: {}", p.stage);
            }
            last = (p.stage, step);
        }
    }
}

/// Open the index, building it (with messages on stderr) when needed.
pub(super) fn open_engine(globals: &Globals, located: &Located, force: bool) -> Result<Engine> {
    let edition = &located.edition;
    let dir = index_dir(globals, edition)?;
    let mut progress = progress_printer();
    let st = search::build::status(&dir, edition);
    let told = force || st.state != search::State::Fresh;
    if told {
        eprintln!("medcode: search index {} is {}; building it", dir.display(), st.state.describe());
    }
    let (engine, opened) =
        Engine::open_or_build(&dir, edition, &mut || located.load(), force, &mut progress)?;
    match opened {
        Opened::Ready => {}
        // Fresh by its manifest and checksums, but a test search failed.
        Opened::Built(why) if !told => {
            eprintln!("medcode: search index {} was {why}; rebuilt it", dir.display())
        }
        Opened::Built(_) => {}
        Opened::UsedStale(why) => {
            eprintln!("medcode: warning: using a stale search index {}: {why}", dir.display())
        }
    }
    Ok(engine)
}

#[derive(Serialize)]
struct Batch<'a> {
    query: &'a str,
    results: &'a [Row<'a>],
}

#[derive(Serialize)]
struct One<'a> {
    query: &'a str,
    edition: &'a str,
    results: &'a [Row<'a>],
}

/// A hit as printed: `"new": true` when the edition's addenda add the code.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    hit: &'a Hit,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    new: bool,
}

fn rows<'a>(hits: &'a [Hit], changes: &Changes) -> Vec<Row<'a>> {
    hits.iter().map(|hit| Row { hit, new: changes.is_new(hit.set, &hit.code) }).collect()
}

/// Search; a damage found while searching (tantivy panicked) rebuilds the index, once, and asks again.
fn search_healing(engine: &mut Engine, q: &Query, globals: &Globals, located: &Located) -> Result<Vec<Hit>> {
    match engine.search(q) {
        Err(e) if e.downcast_ref::<search::Damaged>().is_some() => {
            eprintln!("medcode: {}; rebuilding it", crate::text::error_message(&e));
            *engine = open_engine(globals, located, true)?;
            engine.search(q)
        }
        result => result,
    }
}

/// The batch: one query a line, answered in order. A line that is not UTF-8
/// gets an error line naming it (`{"line":3,"error":"..."}`); the rest are answered.
fn batch(
    engine: &mut Engine,
    make: &dyn Fn(&str) -> Query,
    changes: &Changes,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    globals: &Globals,
    located: &Located,
) -> Result<()> {
    let mut raw = Vec::new();
    for n in 1.. {
        raw.clear();
        if input.read_until(b'\n', &mut raw).with_context(|| format!("reading query {n} from stdin"))? == 0 {
            break;
        }
        let line = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(text) => {
                let hits = search_healing(engine, &make(text), globals, located)?;
                serde_json::to_writer(&mut *out, &Batch { query: text, results: &rows(&hits, changes) })?;
            }
            Err(e) => {
                let error =
                    format!("invalid UTF-8 at byte {} of the line; not searched", e.valid_up_to() + 1);
                eprintln!("medcode: stdin line {n}: {error}");
                serde_json::to_writer(&mut *out, &BadLine { line: n, error: &error })?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct BadLine<'a> {
    line: usize,
    error: &'a str,
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let located = match super::show::edition_name(globals, args.date)? {
        Some(name) => crate::codeset::catalog::locate(Some(&name))?,
        None => edition(globals)?,
    };
    let mut engine = open_engine(globals, &located, false)?;
    let edition = &located.edition;
    // Imported editions carry no addenda: nothing is marked new there.
    let changes = crate::codeset::shipped::changes_of(&edition.name)?;
    let make = |text: &str| Query {
        text: text.to_string(),
        set: args.set,
        billable_only: args.billable,
        within: args.within.clone(),
        limit: args.limit,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.batch {
        batch(&mut engine, &make, &changes, &mut std::io::stdin().lock(), &mut out, globals, &located)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = args.query.join(" ");
    let hits = search_healing(&mut engine, &make(&text), globals, &located)?;
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &One { query: &text, edition: &edition.name, results: &rows(&hits, &changes) },
            )?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for r in rows(&hits, &changes) {
                serde_json::to_writer(&mut out, &r)?;
                writeln!(out)?;
            }
        }
        Format::Text | Format::Tsv | Format::Csv => {
            eprintln!("{} ({} results)", edition.summary(), hits.len());
            for Row { hit: h, new } in rows(&hits, &changes) {
                let matched = serde_json::to_value(h.matched)?;
                writeln!(
                    out,
                    "{:<9} {:<3} {} {}{}  [{}]",
                    h.code,
                    h.set.short(),
                    if h.billable { "B" } else { "-" },
                    if new { "new " } else { "" },
                    crate::text::one_line(&h.title),
                    match &h.via {
                        // Where the book row is, which says more than `book`.
                        Some(via) => crate::text::one_line(via).into_owned(),
                        None => matched.as_str().unwrap_or("").to_string(),
                    }
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
