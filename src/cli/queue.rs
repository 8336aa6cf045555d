//! `medcode queue check|export|stats`: the record queue without the workbench.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::Globals;
use crate::queue::export::{self, ExportFormat};
use crate::queue::{Loaded, Status, Store};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check a queue: every invalid record as `file:line: field: message`, then the counts. Exit 1 if any is invalid.
    Check(PathArg),
    /// Write the coded results (id, status, codes in sequence with kind and POA, coder, time).
    Export(ExportArgs),
    /// Count records by status and codes per record.
    Stats(PathArg),
    /// Apply operations to a record, each a JSON object as in the audit trail's `op`
    /// (e.g. '{"op":"attach","code":"E11.22","set":"icd10cm","kind":"diagnosis","poa":"Y"}'), saving after each.
    Apply(ApplyArgs),
    /// List the edits (checks) of the codes attached so far: one record, or every record with codes.
    Edits(EditsArgs),
    /// Rebuild the coder's work from the audit trail (after a corrupt work file was set aside).
    Recover(RecoverArgs),
    /// Claim a record, print who holds it, keep the claim until standard input closes, then release it.
    Claim(ClaimArgs),
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The queue (a JSON Lines file or a folder of .json files).
    pub path: PathBuf,
    /// The record id.
    pub record: String,
    /// Operations, applied in order. `done` runs the edits first: with errors it needs an `override_reason`.
    #[arg(required = true)]
    pub ops: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct EditsArgs {
    /// A JSON Lines file or a folder of .json files (default: the shipped example queue).
    pub path: Option<PathBuf>,
    /// Only this record.
    #[arg(long)]
    pub record: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// The queue (a JSON Lines file or a folder of .json files).
    pub path: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    /// The queue (a JSON Lines file or a folder of .json files).
    pub path: PathBuf,
    /// The record id.
    pub record: String,
    /// Take the claim over even from a live session.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct PathArg {
    /// A JSON Lines file or a folder of .json files (default: the shipped example queue).
    pub path: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A JSON Lines file or a folder of .json files (default: the shipped example queue).
    pub path: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportKind,
    /// Write here (created 0600) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    Csv,
    Jsonl,
}

pub fn run(command: Command, globals: &Globals) -> Result<ExitCode> {
    match command {
        Command::Check(a) => check(a.path.as_deref()),
        Command::Export(a) => export(&a),
        Command::Stats(a) => stats(a.path.as_deref()),
        Command::Claim(a) => claim(&a),
        Command::Recover(a) => recover(&a.path),
        Command::Apply(a) => apply(&a, globals),
        Command::Edits(a) => edits(&a, globals),
    }
}

fn open(path: Option<&Path>) -> Result<Loaded> {
    match path {
        Some(p) => Ok(crate::queue::load(p)?),
        None => Ok(crate::queue::load_example()),
    }
}

fn store(path: Option<&Path>) -> Result<Store> {
    let s = match path {
        Some(p) => Store::open(p),
        None => Store::open_example(),
    };
    s.context("opening the coder's work")
}

fn check(path: Option<&Path>) -> Result<ExitCode> {
    let loaded = open(path)?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for p in &loaded.problems {
        let tag = match p.severity {
            crate::queue::ProblemSeverity::Invalid => "",
            crate::queue::ProblemSeverity::Warning => " (warning)",
        };
        writeln!(err, "{p}{tag}")?;
    }
    let invalid = loaded.invalid_count();
    println!("{}: {} valid record(s), {} invalid", loaded.name, loaded.records.len(), invalid);
    Ok(if invalid > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn export(args: &ExportArgs) -> Result<ExitCode> {
    let loaded = open(args.path.as_deref())?;
    let store = store(args.path.as_deref())?;
    let format = match args.format {
        ExportKind::Csv => ExportFormat::Csv,
        ExportKind::Jsonl => ExportFormat::Jsonl,
    };
    let mut buf = Vec::new();
    export::write(&mut buf, format, &loaded.records, &|id| store.get(id))?;
    match &args.output {
        Some(out) => {
            crate::queue::store::write_atomic(out, &buf)?;
            eprintln!("wrote {} record(s) to {}", loaded.records.len(), out.display());
        }
        None => std::io::stdout().lock().write_all(&buf)?,
    }
    if !loaded.problems.is_empty() {
        eprintln!("{} problem(s) in the queue; run `medcode queue check`", loaded.problems.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn stats(path: Option<&Path>) -> Result<ExitCode> {
    let loaded = open(path)?;
    let store = store(path)?;
    let mut by_status = [0usize; 5];
    let mut per_record = Vec::new();
    let (mut dx, mut px) = (0usize, 0usize);
    for r in &loaded.records {
        let w = store.get(&r.id);
        by_status[Status::ALL.iter().position(|s| *s == w.status).unwrap_or(0)] += 1;
        per_record.push(w.codes.len());
        for c in &w.codes {
            match c.kind {
                crate::queue::CodeKind::Diagnosis => dx += 1,
                crate::queue::CodeKind::Procedure => px += 1,
            }
        }
    }
    let n = loaded.records.len();
    println!("queue: {}", loaded.name);
    println!("work:  {}", store.work_file().display());
    println!("records: {n} valid, {} invalid", loaded.invalid_count());
    for (s, count) in Status::ALL.iter().zip(by_status) {
        println!("  {:<12} {count}", s.label());
    }
    let total: usize = per_record.iter().sum();
    let coded = per_record.iter().filter(|c| **c > 0).count();
    println!("codes: {total} ({dx} diagnosis, {px} procedure) on {coded} record(s)");
    if n > 0 {
        let max = per_record.iter().max().copied().unwrap_or(0);
        println!("codes per record: mean {:.2}, max {max}", total as f64 / n as f64);
        let mut hist = std::collections::BTreeMap::new();
        for c in &per_record {
            *hist.entry(*c).or_insert(0usize) += 1;
        }
        for (codes, records) in hist {
            println!("  {codes:>3} code(s): {records} record(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn claim(args: &ClaimArgs) -> Result<ExitCode> {
    use crate::queue::claim::{Claims, Outcome};
    let store = store(Some(&args.path))?;
    let claims = Claims::new(&store.claims_dir(), store.user())
        .with_context(|| format!("opening the claims in {}", store.claims_dir().display()))?;
    let outcome = claims.claim(&args.record, args.force).context("claiming")?;
    let mut out = std::io::stdout().lock();
    match &outcome {
        Outcome::Claimed => writeln!(out, "claimed {}", args.record)?,
        Outcome::TookOver(old) => {
            writeln!(out, "took over {} (was {})", args.record, old.describe())?;
            store.log(&crate::queue::audit::AuditEntry {
                who: store.user().to_string(),
                when: chrono::Utc::now(),
                record: args.record.clone(),
                what: format!("claim taken over from {} (pid {} on {})", old.user, old.pid, old.host),
                op: None,
                status: None,
            })?;
        }
        Outcome::Taken(c) => {
            writeln!(out, "{} is {}", args.record, c.describe())?;
            return Ok(ExitCode::FAILURE);
        }
    }
    out.flush()?;
    drop(out);
    // Hold until standard input closes (or a line arrives), refreshing the heartbeat.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        let _ = tx.send(());
    });
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
        rx.recv_timeout(std::time::Duration::from_secs(60))
    {
        claims.heartbeat(&args.record)?;
    }
    claims.release(&args.record)?;
    println!("released {}", args.record);
    Ok(ExitCode::SUCCESS)
}

fn recover(path: &Path) -> Result<ExitCode> {
    let mut store = match Store::open(path) {
        Err(e @ crate::queue::StoreError::Corrupt { .. }) => {
            eprintln!("medcode: {e}");
            Store::open(path).context("opening the coder's work")?
        }
        other => other.context("opening the coder's work")?,
    };
    let skipped = store.recover_from_audit()?;
    println!(
        "rebuilt {} from {}: {} record(s) with work, {skipped} entr(y/ies) skipped",
        store.work_file().display(),
        store.audit_file().display(),
        store.all().len()
    );
    Ok(ExitCode::SUCCESS)
}

fn apply(args: &ApplyArgs, globals: &Globals) -> Result<ExitCode> {
    let loaded = open(Some(&args.path))?;
    let Some(record) = loaded.get(&args.record) else {
        anyhow::bail!("no valid record `{}` in {}", args.record, loaded.name);
    };
    let mut book = None;
    let ops = args
        .ops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::from_str::<crate::queue::Op>(s).with_context(|| format!("operation {}: `{s}`", i + 1))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut store = store(Some(&args.path))?;
    let mut out = std::io::stdout().lock();
    for (i, op) in ops.iter().enumerate() {
        let edit_errors = if matches!(op, crate::queue::Op::Done { .. }) {
            if book.is_none() {
                book = Some(crate::codeset::Codebook::open(globals.edition.as_deref())?);
            }
            let book = book.as_ref().context("the code sets")?;
            crate::queue::edits::error_count(&crate::queue::edits::check(
                book,
                record,
                &store.get(&args.record).codes,
            ))
        } else {
            0
        };
        let entry = store.apply(&args.record, op, edit_errors)?;
        writeln!(out, "saved {}: {}", i + 1, entry.what)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn edits(args: &EditsArgs, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::edits::{self, EditSeverity};
    let loaded = open(args.path.as_deref())?;
    let store = store(args.path.as_deref())?;
    let book = crate::codeset::Codebook::open(globals.edition.as_deref())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "edition {}", book.edition.summary())?;
    let mut errors = 0;
    let mut shown = 0;
    for r in &loaded.records {
        if args.record.as_ref().is_some_and(|id| *id != r.id) {
            continue;
        }
        let work = store.get(&r.id);
        if work.codes.is_empty() && args.record.is_none() {
            continue;
        }
        shown += 1;
        let codes: Vec<&str> = work.codes.iter().map(|c| c.code.as_str()).collect();
        writeln!(out, "{} [{}] {}", r.id, work.status.label(), codes.join(" "))?;
        for e in edits::check(&book, r, &work.codes) {
            let sev = match e.severity {
                EditSeverity::Error => "error",
                EditSeverity::Warning => "warning",
            };
            errors += usize::from(e.severity == EditSeverity::Error);
            writeln!(out, "  {sev}: {}", crate::queue::sanitize_for_terminal(&e.message))?;
            writeln!(out, "    from: {}", crate::queue::sanitize_for_terminal(&e.rule))?;
            if !e.suggestions.is_empty() {
                writeln!(out, "    try: {}", e.suggestions.join(" "))?;
            }
        }
    }
    if let Some(id) = &args.record
        && shown == 0
    {
        anyhow::bail!("no valid record `{id}` in {}", loaded.name);
    }
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
