//! `medcode queue check|export|stats`: the record queue without the workbench.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::Globals;
use crate::codeset::catalog::Editions;
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
    /// Print the audit trail (who changed what, when) as JSON Lines.
    Audit(PathArg),
    /// Grade the done records that have an answer key (`expected_codes`): per record and total accuracy.
    Score(PathArg),
    /// Practice work only (`--practice`): start the queue again, or with `--missed`
    /// reopen only the records whose score was not full, their codes removed.
    Reset(ResetArgs),
}

#[derive(Debug, clap::Args)]
pub struct ResetArgs {
    /// A JSON Lines file or a folder of .json files (default: the shipped example queue).
    pub path: Option<PathBuf>,
    /// Only the done records with a key that were not fully right: retry the missed.
    #[arg(long)]
    pub missed: bool,
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
        Command::Export(a) => export(&a, globals),
        Command::Stats(a) => stats(a.path.as_deref(), globals),
        Command::Claim(a) => claim(&a, globals),
        Command::Recover(a) => recover(&a.path),
        Command::Apply(a) => apply(&a, globals),
        Command::Edits(a) => edits(&a, globals),
        Command::Audit(a) => audit(a.path.as_deref(), globals),
        Command::Score(a) => score(a.path.as_deref(), globals),
        Command::Reset(a) => reset(&a, globals),
    }
}

fn open(path: Option<&Path>) -> Result<Loaded> {
    match path {
        Some(p) => Ok(crate::queue::load(p)?),
        None => Ok(crate::queue::load_example()),
    }
}

fn store(path: Option<&Path>, globals: &Globals) -> Result<Store> {
    let mut s = Store::open_work(path, globals.practice).context("opening the coder's work")?;
    if let Some(notice) = s.take_notice() {
        eprintln!("medcode: {notice}");
    }
    if let Some(why) = s.read_only() {
        eprintln!("medcode: read-only: {why}");
    }
    Ok(s)
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

fn export(args: &ExportArgs, globals: &Globals) -> Result<ExitCode> {
    let loaded = open(args.path.as_deref())?;
    let store = store(args.path.as_deref(), globals)?;
    let format = match args.format {
        ExportKind::Csv => ExportFormat::Csv,
        ExportKind::Jsonl => ExportFormat::Jsonl,
    };
    let mut buf = Vec::new();
    // The edition each record is coded against, as `queue edits` picks it.
    let eds = Editions::discover()?;
    let edition = |r: &crate::queue::Record, w: &crate::queue::RecordWork| match &globals.edition {
        Some(name) => name.clone(),
        None => eds.name_for_record(r.date_of_service, w.edition.as_deref()),
    };
    export::write(&mut buf, format, &loaded.records, &|id| store.get(id), &edition)?;
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

fn stats(path: Option<&Path>, globals: &Globals) -> Result<ExitCode> {
    let loaded = open(path)?;
    let store = store(path, globals)?;
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

/// The record `id` of the queue, or an error naming the queue.
fn record<'a>(loaded: &'a Loaded, id: &str) -> Result<&'a crate::queue::Record> {
    loaded.get(id).with_context(|| {
        format!("no valid record `{}` in {}", crate::queue::sanitize_for_terminal(id), loaded.name)
    })
}

fn claim(args: &ClaimArgs, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::claim::Outcome;
    let loaded = open(Some(&args.path))?;
    record(&loaded, &args.record)?;
    let mut store = store(Some(&args.path), globals)?;
    let id = crate::queue::sanitize_for_terminal(&args.record);
    // Before the claim is taken, so a signal right after it still releases it.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, std::sync::Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let outcome = store.claim(&args.record, args.force).context("claiming")?;
    let mut out = std::io::stdout().lock();
    match &outcome {
        Outcome::Claimed => writeln!(out, "claimed {id}")?,
        Outcome::TookOver(old) => writeln!(out, "took over {id} (was {})", old.describe())?,
        Outcome::Taken(c) => {
            writeln!(out, "{id} is {}", c.describe())?;
            return Ok(ExitCode::FAILURE);
        }
    }
    out.flush()?;
    drop(out);
    // Hold until standard input closes (or a line arrives) or a signal comes,
    // refreshing the heartbeat; then release.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        let _ = tx.send(());
    });
    let tick = std::time::Duration::from_millis(200);
    let mut since_beat = std::time::Duration::ZERO;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        match rx.recv_timeout(tick) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            _ => break,
        }
        since_beat += tick;
        if since_beat >= crate::queue::claim::HEARTBEAT_EVERY {
            since_beat = std::time::Duration::ZERO;
            if !store.heartbeat(&args.record)? {
                println!("lost the claim on {id}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    store.release(&args.record)?;
    println!("released {id}");
    Ok(ExitCode::SUCCESS)
}

fn recover(path: &Path) -> Result<ExitCode> {
    let (mut store, kept) = match Store::open(path) {
        Err(crate::queue::StoreError::Corrupt { kept, .. }) => {
            eprintln!("medcode: the work store was corrupt; kept as {}", kept.display());
            (Store::open(path).context("opening the coder's work")?, Some(kept))
        }
        Err(crate::queue::StoreError::Damaged { .. }) => {
            let (dir, _) = crate::queue::store::work_dir_for(path)?;
            let db = crate::queue::store::sqlite::SqliteDb::open(&dir, true)?;
            use crate::queue::store::WorkDb;
            db.rebuild(&crate::queue::audit::replay)?;
            (Store::open(path).context("opening the coder's work")?, None)
        }
        other => (other.context("opening the coder's work")?, None),
    };
    if let Some(kept) = kept {
        let merge = store.recover_from(&kept)?;
        println!(
            "rebuilt {} from {}: {} record(s) with work, {} audit entr(y/ies) read",
            store.work_file().display(),
            kept.display(),
            merge.records,
            merge.entries
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (records, skipped) = store.recover_from_audit()?;
    println!(
        "rebuilt {} from its audit trail: {records} record(s) with work, {skipped} entr(y/ies) skipped",
        store.work_file().display(),
    );
    Ok(ExitCode::SUCCESS)
}

fn apply(args: &ApplyArgs, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::Op;
    let loaded = open(Some(&args.path))?;
    let record = record(&loaded, &args.record)?;
    let ops = args
        .ops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::from_str::<Op>(s)
                .with_context(|| format!("operation {}: `{}`", i + 1, crate::queue::sanitize_for_terminal(s)))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut store = store(Some(&args.path), globals)?;
    // Attached codes and the edits of `done` are checked against the record's own
    // edition (`--edition` for all), as each operation leaves it.
    let mut eds = Editions::discover()?;
    let forced = globals.edition.as_deref();
    let mut chosen = store.get(&args.record).edition;
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::SetEdition { edition: Some(name) } => {
                crate::codeset::catalog::locate(Some(name.trim()))
                    .with_context(|| format!("operation {}; nothing was saved", i + 1))?;
                chosen = Some(name.trim().to_string());
            }
            Op::SetEdition { edition: None } => chosen = None,
            Op::Attach { code, set, .. } => {
                let book = own_book(&mut eds, forced, record, chosen.as_deref())?;
                if *set == crate::codeset::CodeSet::Cpt && book.title(*set, code).is_none() {
                    let why = match &book.cpt {
                        None => crate::codeset::cpt::NOT_LOADED.to_string(),
                        Some(c) => format!("it is not in your CPT file (licence year {})", c.year),
                    };
                    anyhow::bail!(
                        "operation {}: {}: {why}; nothing was saved",
                        i + 1,
                        crate::queue::sanitize_for_terminal(code)
                    );
                }
                if book.title(*set, code).is_none() {
                    anyhow::bail!(
                        "operation {}: {} is not a {} code of edition {}, the edition of this record; nothing was saved",
                        i + 1,
                        crate::queue::sanitize_for_terminal(code),
                        set.as_str(),
                        book.edition.name
                    );
                }
            }
            Op::Done { .. } => {
                own_book(&mut eds, forced, record, chosen.as_deref())?;
            }
            _ => {}
        }
    }
    // The edits of `done` count on the record as saved inside the transaction;
    // its edition was loaded above (a failure to load one counts as an error).
    let eds = std::cell::RefCell::new(eds);
    let mut out = std::io::stdout().lock();
    for (i, op) in ops.iter().enumerate() {
        let errors = |work: &crate::queue::RecordWork| {
            if !matches!(op, Op::Done { .. }) {
                return 0;
            }
            let mut eds = eds.borrow_mut();
            match own_book(&mut eds, forced, record, work.edition.as_deref()) {
                Ok(b) => {
                    crate::queue::edits::error_count(&crate::queue::edits::check(&b, record, &work.codes))
                }
                Err(_) => 1,
            }
        };
        let entry =
            store.apply_with(&args.record, op, &errors).with_context(|| format!("operation {}", i + 1))?;
        writeln!(out, "saved {}: {}", i + 1, crate::queue::sanitize_for_terminal(&entry.what))?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The book a record is coded against: `--edition` when given, else the record's
/// chosen edition, else the one in force on its date of service.
fn own_book(
    eds: &mut Editions,
    forced: Option<&str>,
    record: &crate::queue::Record,
    chosen: Option<&str>,
) -> Result<std::sync::Arc<crate::codeset::Codebook>> {
    match forced {
        Some(name) => eds.get(name),
        None => eds.for_record(record.date_of_service, chosen),
    }
}

/// The audit trail as JSON Lines (oldest first): the readable view of what happened.
fn audit(path: Option<&Path>, globals: &Globals) -> Result<ExitCode> {
    let store = store(path, globals)?;
    let mut out = std::io::stdout().lock();
    for e in store.audit()? {
        serde_json::to_writer(&mut out, &e)?;
        out.write_all(b"\n")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn edits(args: &EditsArgs, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::edits::{self, EditSeverity};
    let loaded = open(args.path.as_deref())?;
    let store = store(args.path.as_deref(), globals)?;
    let mut eds = Editions::discover()?;
    let forced = globals.edition.as_deref();
    let mut out = std::io::stdout().lock();
    match forced {
        Some(name) => writeln!(out, "edition {}", eds.get(name)?.edition.summary())?,
        None => writeln!(out, "edition of each record: chosen for it, else in force on its date of service")?,
    }
    let mut described = std::collections::HashSet::new();
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
        let (book, found) = match forced {
            Some(_) => {
                let book = own_book(&mut eds, forced, r, None)?;
                let found = edits::check(&book, r, &work.codes);
                (book, found)
            }
            None => edits::check_in_own_edition(&mut eds, r, &work)?,
        };
        if forced.is_none() && described.insert(book.edition.name.clone()) {
            writeln!(out, "edition {}", book.edition.summary())?;
        }
        let codes: Vec<&str> = work.codes.iter().map(|c| c.code.as_str()).collect();
        let how = if forced.is_none() && work.edition.is_some() { ", chosen" } else { "" };
        writeln!(
            out,
            "{} [{}] {} (edition {}{how})",
            r.id,
            work.status.label(),
            codes.join(" "),
            crate::queue::sanitize_for_terminal(&book.edition.name)
        )?;
        for e in found {
            let sev = match e.severity {
                EditSeverity::Error => "error",
                EditSeverity::Warning => "warning",
                EditSeverity::Hint => "hint",
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

/// Reset practice work: all of it (the store and its audit removed), or
/// only the missed records reopened with their codes removed (audited;
/// comments, disagreements included, are kept).
fn reset(args: &ResetArgs, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::work::Op;
    if !globals.practice {
        anyhow::bail!("reset is for practice work only: add --practice (production work is never reset)");
    }
    let path = args.path.as_deref();
    let loaded = open(path)?;
    if !args.missed {
        let dir = crate::queue::store::practice_dir(path)?;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => println!("practice work on {} reset: {} removed", loaded.name, dir.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!("no practice work on {} yet", loaded.name)
            }
            Err(e) => return Err(e).with_context(|| format!("removing {}", dir.display())),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = store(path, globals)?;
    let mut reopened = Vec::new();
    for r in loaded.records.iter().filter(|r| !r.expected_codes.is_empty()) {
        let w = store.get(&r.id);
        if w.status != Status::Done
            || crate::queue::training::grade(r, &w.codes, crate::queue::training::looks_procedure)
                .full_marks()
        {
            continue;
        }
        store.apply(&r.id, &Op::Reopen, 0)?;
        for _ in 0..w.codes.len() {
            store.apply(&r.id, &Op::Remove { index: 0 }, 0)?;
        }
        reopened.push(crate::queue::sanitize_for_terminal(&r.id));
    }
    match reopened.len() {
        0 => println!("nothing to retry: every graded record of {} is fully right", loaded.name),
        n => {
            println!("retry {n} missed record(s), reopened with their codes removed: {}", reopened.join(" "))
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every done record with an answer key, graded with partial credit (docs/practice.md).
fn score(path: Option<&Path>, globals: &Globals) -> Result<ExitCode> {
    use crate::queue::sanitize_for_terminal as clean;
    use crate::queue::training;
    let loaded = open(path)?;
    let store = store(path, globals)?;
    let pcs = training::looks_procedure;
    let audit = store.audit()?;
    let mut out = std::io::stdout().lock();
    let (mut graded, mut total, mut waiting) = (0usize, 0.0f64, 0usize);
    for r in loaded.records.iter().filter(|r| !r.expected_codes.is_empty()) {
        let w = store.get(&r.id);
        if w.status != Status::Done {
            waiting += 1;
            continue;
        }
        let s = training::grade(r, &w.codes, pcs);
        graded += 1;
        total += s.accuracy();
        writeln!(out, "{}  {}", clean(&r.id), s.summary())?;
        // Each key code the coder did not get, with what the key says about it.
        let why = |out: &mut std::io::StdoutLock, code: &str| -> std::io::Result<()> {
            let Some(d) = r.key_detail(code) else { return Ok(()) };
            if let Some(t) = &d.rationale {
                writeln!(out, "    why: {}", clean(t))?;
            }
            if let Some(t) = &d.index {
                writeln!(out, "    books: {}", clean(t))?;
            }
            Ok(())
        };
        for n in &s.near_misses {
            writeln!(out, "  near miss: {} for {}: {}", n.attached, n.expected, n.nearness.label())?;
            why(&mut out, &n.expected)?;
        }
        let near = |c: &String| s.near_misses.iter().any(|n| n.expected == *c || n.attached == *c);
        for m in s.missing.iter().filter(|c| !near(c)) {
            writeln!(out, "  missing: {}", clean(m))?;
            why(&mut out, m)?;
        }
        for e in s.extra.iter().filter(|c| !near(c)) {
            writeln!(out, "  extra: {}", clean(e))?;
        }
        for p in &s.poa_wrong {
            let given = p.given.as_deref().unwrap_or("none");
            writeln!(out, "  POA: {} given {}, key {}", clean(&p.code), clean(given), clean(&p.key))?;
            why(&mut out, &p.code)?;
        }
        if !s.principal_right {
            let key = r.expected_codes.iter().find(|c| !pcs(c)).cloned().unwrap_or_default();
            writeln!(out, "  principal / first-listed: the key has {}", clean(&key))?;
            why(&mut out, &key)?;
        }
        if !s.sequence_right {
            writeln!(out, "  sequence: not in the key's order ({})", clean(&r.expected_codes.join(" ")))?;
        }
        let steps = training::book_steps(&r.id, &audit);
        if !steps.is_empty() {
            writeln!(out, "  where the time went (book mode):")?;
            for (secs, what) in &steps {
                let spent = secs.map_or_else(
                    || "    ".to_string(),
                    |s| crate::practice::mock::minutes_text(s.max(0) as u64 * 1000),
                );
                writeln!(out, "    {spent:>5}  {}", clean(what))?;
            }
        }
        for c in w.comments.iter().filter(|c| c.on_key.is_some()) {
            let on = c.on_key.as_deref().unwrap_or_default();
            writeln!(out, "  you disagree on {}: {} ({})", clean(on), clean(&c.text), clean(&c.who))?;
        }
    }
    if graded == 0 {
        writeln!(out, "no done record with an answer key yet ({waiting} waiting)")?;
    } else {
        writeln!(
            out,
            "total: {graded} record(s) graded, accuracy {:.1}% ({waiting} with a key not done)",
            100.0 * total / graded as f64
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
