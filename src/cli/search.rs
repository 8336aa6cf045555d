//! `medcode search`: search code descriptions from the command line, one query
//! or a batch of queries on stdin.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{Format, Globals};
use crate::codeset::edition::Located;
use crate::codeset::{CodeSet, Edition};
use crate::search::{self, Engine, Hit, Opened, Progress, Query, Search};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to look for: words, abbreviations, code fragments (`diabetes w ckd`, `e11.9`, `0dtj`).
    #[arg(required_unless_present = "batch")]
    pub query: Vec<String>,
    /// Only this code set (icd10cm or icd10pcs).
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
    crate::codeset::edition::locate(globals.edition.as_deref())
}

/// The index folder: `--index`/MEDCODE_INDEX, else the per-user data directory.
pub(super) fn index_dir(globals: &Globals, edition: &Edition) -> Result<PathBuf> {
    match &globals.index {
        Some(dir) => Ok(dir.clone()),
        None => search::default_dir(&edition.name),
    }
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
    if force || st.state != search::State::Fresh {
        eprintln!("medcode: search index {} is {}; building it", dir.display(), st.state.describe());
    }
    let (engine, opened) =
        Engine::open_or_build(&dir, edition, &mut || located.load(), force, &mut progress)?;
    match opened {
        Opened::Ready | Opened::Built(_) => {}
        Opened::UsedStale(why) => {
            eprintln!("medcode: warning: using a stale search index {}: {why}", dir.display())
        }
    }
    Ok(engine)
}

#[derive(Serialize)]
struct Batch<'a> {
    query: &'a str,
    results: &'a [Hit],
}

#[derive(Serialize)]
struct One<'a> {
    query: &'a str,
    edition: &'a str,
    results: &'a [Hit],
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let located = match super::show::edition_name(globals, args.date)? {
        Some(name) => crate::codeset::edition::locate(Some(&name))?,
        None => edition(globals)?,
    };
    let engine = open_engine(globals, &located, false)?;
    let edition = &located.edition;
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
        for (n, line) in std::io::stdin().lock().lines().enumerate() {
            let line = line.with_context(|| format!("reading query {} from stdin", n + 1))?;
            let hits = engine.search(&make(&line))?;
            serde_json::to_writer(&mut out, &Batch { query: &line, results: &hits })?;
            writeln!(out)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = args.query.join(" ");
    let hits = engine.search(&make(&text))?;
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &One { query: &text, edition: &edition.name, results: &hits },
            )?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for h in &hits {
                serde_json::to_writer(&mut out, h)?;
                writeln!(out)?;
            }
        }
        Format::Text | Format::Tsv | Format::Csv => {
            eprintln!("{} ({} results)", edition.summary(), hits.len());
            for h in &hits {
                let matched = serde_json::to_value(h.matched)?;
                writeln!(
                    out,
                    "{:<9} {:<3} {} {}  [{}]",
                    h.code,
                    h.set.short(),
                    if h.billable { "B" } else { "-" },
                    h.title,
                    matched.as_str().unwrap_or("")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
