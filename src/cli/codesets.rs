//! `medcode codesets list|import|import-cpt`: the editions installed, importing a release, importing CPT.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{Format, Globals};
use crate::codeset::catalog;
use crate::codeset::edition;
use crate::codeset::installed::{self, Installed};
use crate::codeset::{CodeSet, Codebook, Edition, FileKind, import, shipped};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Every edition (shipped and imported) with its effective dates, counts and sources.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// What changed from edition OLD to edition NEW: codes added, deleted, retitled, and notes changed.
    Diff {
        old: String,
        new: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Import a CDC/CMS release (a zip as downloaded, or its unpacked folder) as a named edition.
    Import {
        /// The zip or folder (zips inside zips are opened; files are recognised by content).
        path: PathBuf,
        /// Edition name (default: from the versions found, e.g. `fy2027`).
        #[arg(long)]
        name: Option<String>,
    },
    /// Import your licensed AMA CPT data file (tab-separated: code, long, medium,
    /// short descriptor; a consumer descriptor may follow) into your data folder, owner-only;
    /// or the fixed-width files (code in columns 1-5, then the descriptor: LONGULT, MEDU, SHORTU).
    ImportCpt {
        #[arg(required = true, num_args = 1..=3)]
        files: Vec<PathBuf>,
        /// The licence year (default: a year in the file name, e.g. CPT2026_...).
        #[arg(long)]
        year: Option<String>,
    },
}

pub fn run(command: Command, globals: &Globals) -> Result<ExitCode> {
    match command {
        Command::List { format } => list(format, globals),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Import { path, name } => import_cmd(&path, name.as_deref()),
        Command::ImportCpt { files, year } => {
            let cpt = crate::codeset::cpt::Cpt::import(&files, year.as_deref())?;
            println!(
                "imported {} CPT codes, licence year {}, into {}",
                cpt.codes.len(),
                cpt.year,
                crate::codeset::cpt::Cpt::installed_path()?.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import_cmd(path: &std::path::Path, name: Option<&str>) -> Result<ExitCode> {
    let report = import::import(path, name).with_context(|| format!("importing {}", path.display()))?;
    let mut w = std::io::stdout().lock();
    for (source, kind) in &report.recognised {
        writeln!(w, "read     {}: {}", shown(source), kind.describe())?;
    }
    for (source, why) in &report.skipped {
        writeln!(w, "skipped  {}: {}", shown(source), shown(why))?;
    }
    for note in &report.notes {
        writeln!(w, "note     {}", shown(note))?;
    }
    writeln!(
        w,
        "{} edition {} in {}",
        if report.replaced { "replaced" } else { "installed" },
        report.name,
        report.dir.display()
    )?;
    writeln!(w, "{}", report.edition.summary())?;
    writeln!(w, "use it with `--edition {}` (or MEDCODE_EDITION={})", report.name, report.name)?;
    Ok(ExitCode::SUCCESS)
}

fn diff(old: &str, new: &str, format: Format) -> Result<ExitCode> {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Codebook::open(Some(old)));
        let b = Codebook::open(Some(new));
        (a.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), b)
    });
    let d = crate::codeset::changes::diff(&a?, &b?);
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    if matches!(format, Format::Json) {
        serde_json::to_writer_pretty(&mut w, &d).map_err(std::io::Error::from)?;
        writeln!(w)?;
        w.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let safe = crate::queue::sanitize_for_terminal;
    for set in CodeSet::ALL {
        let n = |v: usize| v.to_string();
        let added: Vec<_> = d.added.iter().filter(|c| c.set == set).collect();
        let deleted: Vec<_> = d.deleted.iter().filter(|c| c.set == set).collect();
        let retitled: Vec<_> = d.retitled.iter().filter(|c| c.set == set).collect();
        writeln!(
            w,
            "{set} {old} -> {new}: {} added, {} deleted, {} retitled",
            n(added.len()),
            n(deleted.len()),
            n(retitled.len())
        )?;
        for c in added {
            writeln!(w, "  added    {:<8} {}", c.code, safe(&c.title))?;
        }
        for c in deleted {
            writeln!(w, "  deleted  {:<8} {}", c.code, safe(&c.title))?;
        }
        for c in retitled {
            writeln!(w, "  retitled {:<8} {}", c.code, safe(&c.new))?;
            writeln!(w, "           {:<8} was: {}", "", safe(&c.old))?;
        }
    }
    writeln!(
        w,
        "icd10cm notes changed at {} code(s)",
        d.notes.iter().map(|n| &n.code).collect::<std::collections::BTreeSet<_>>().len()
    )?;
    for c in &d.notes {
        writeln!(w, "  notes    {:<8} {}", c.code, c.kind.label())?;
        for t in &c.removed {
            writeln!(w, "           - {}", safe(t))?;
        }
        for t in &c.added {
            writeln!(w, "           + {}", safe(t))?;
        }
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ComponentOut {
    kind: FileKind,
    what: &'static str,
    version: String,
    label: String,
    effective_from: NaiveDate,
    effective_to: NaiveDate,
    source: String,
    sha256: String,
}

#[derive(Serialize)]
struct EditionOut {
    name: String,
    shipped: bool,
    in_use: bool,
    in_force_today: bool,
    dir: Option<String>,
    cm_billable: Option<usize>,
    pcs_codes: Option<usize>,
    hcpcs_codes: Option<usize>,
    hcpcs_modifiers: Option<usize>,
    components: Vec<ComponentOut>,
    /// What the edition lacks or approximates; which edition supersedes it.
    caveats: Vec<String>,
    problem: Option<String>,
}

#[derive(Serialize)]
struct ListOut {
    today: NaiveDate,
    in_use: String,
    editions: Vec<EditionOut>,
    warning: Option<String>,
}

/// Text from an edition's files as printed (text and JSON alike).
fn shown(text: &str) -> String {
    crate::text::one_line(text).into_owned()
}

fn edition_out(e: &Edition, dir: Option<String>, in_use: &str, today: NaiveDate) -> EditionOut {
    EditionOut {
        name: shown(&e.name),
        shipped: e.shipped,
        in_use: e.name == in_use,
        in_force_today: CodeSet::ALL.iter().any(|s| e.is_in_force(*s, today)),
        dir,
        cm_billable: None,
        pcs_codes: None,
        hcpcs_codes: None,
        hcpcs_modifiers: None,
        components: e
            .components
            .iter()
            .map(|c| ComponentOut {
                kind: c.kind,
                what: c.kind.describe(),
                version: c.version.clone(),
                label: shown(&c.label),
                effective_from: c.effective_from,
                effective_to: c.effective_to,
                // An edition.json from before names were sanitized may hold escapes.
                source: shown(&c.source),
                sha256: c.sha256.clone(),
            })
            .collect(),
        caveats: shipped::caveats(&e.name),
        problem: None,
    }
}

fn count(out: &mut EditionOut, loaded: Result<Codebook>) {
    match loaded {
        Ok(cb) => {
            out.cm_billable = Some(cb.cm.billable_count());
            out.pcs_codes = Some(cb.pcs.codes.len());
            out.hcpcs_codes = Some(cb.hcpcs.codes.len());
            out.hcpcs_modifiers = Some(cb.hcpcs.modifiers.len());
        }
        Err(e) => out.problem = Some(crate::text::error_message(&e)),
    }
}

/// The fiscal year in force on `date` (October starts the next one).
fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 10 { date.year() + 1 } else { date.year() }
}

fn list(format: Format, globals: &Globals) -> Result<ExitCode> {
    let today = edition::today();
    let in_use = match &globals.edition {
        Some(n) => n.clone(),
        None => catalog::default_edition_name()?,
    };
    let mut editions = Vec::new();
    for shipped_edition in shipped::editions() {
        let mut out = edition_out(&shipped_edition, None, &in_use, today);
        // The compiled model, as every other command reads it (parsing each edition: 2 s).
        count(&mut out, catalog::Located { edition: shipped_edition.clone(), dir: None }.load());
        editions.push(out);
    }
    for Installed { dir, manifest } in installed::installed_editions()? {
        let dir_text = shown(&dir.display().to_string());
        match manifest {
            Ok(m) => {
                let mut out = edition_out(&m.edition, Some(dir_text), &in_use, today);
                count(
                    &mut out,
                    catalog::Located { edition: m.edition.clone(), dir: Some(dir.clone()) }.load(),
                );
                editions.push(out);
            }
            Err(problem) => editions.push(EditionOut {
                name: dir.file_name().map(|f| shown(&f.to_string_lossy())).unwrap_or_default(),
                shipped: false,
                in_use: false,
                in_force_today: false,
                dir: Some(dir_text),
                cm_billable: None,
                pcs_codes: None,
                hcpcs_codes: None,
                hcpcs_modifiers: None,
                components: Vec::new(),
                caveats: Vec::new(),
                problem: Some(shown(&problem)),
            }),
        }
    }
    let warning = match editions.iter().find(|e| e.in_use) {
        None => Some(format!("the edition `{in_use}` is not installed (see the list above)")),
        Some(e) if e.in_force_today => None,
        Some(e) => {
            let fy = fiscal_year(today);
            let ran = e
                .components
                .iter()
                .find(|c| c.kind == FileKind::CmTabular)
                .map(|c| format!(" (its ICD-10-CM ran {} to {})", c.effective_from, c.effective_to))
                .unwrap_or_default();
            Some(format!(
                "the edition in use, {}, is not in force today ({today}){ran}. FY{fy} is in force \
                 ({}-10-01 to {fy}-09-30). To import it, download from CDC (ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/{fy}/) \
                 icd10cm-tabular-{fy}.zip and icd10cm-table-index-{fy}.zip, and from CMS (cms.gov, ICD-10 > {fy} ICD-10-PCS) \
                 {fy}-icd-10-pcs-codes-file.zip and the tables and index zips; put them in one folder and run \
                 `medcode codesets import FOLDER`.",
                e.name,
                fy - 1
            ))
        }
    };
    // A shipped edition whose period an imported one covers is superseded by it.
    let imported: Vec<(String, NaiveDate)> = catalog::list_editions()?
        .into_iter()
        .filter(|e| !e.shipped)
        .filter_map(|e| e.effective(CodeSet::Icd10cm).map(|(from, _)| (e.name, from)))
        .collect();
    for out in editions.iter_mut().filter(|e| e.shipped) {
        let from = out.components.iter().find(|c| c.kind == FileKind::CmTabular).map(|c| c.effective_from);
        if let Some((name, _)) = imported.iter().find(|(_, f)| Some(*f) == from) {
            out.caveats.push(format!("superseded by the imported edition {name} (same period)"));
        }
    }
    let listing = ListOut { today, in_use, editions, warning };
    let mut w = std::io::stdout().lock();
    if matches!(format, Format::Json) {
        serde_json::to_writer_pretty(&mut w, &listing).map_err(std::io::Error::from)?;
        writeln!(w)?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in &listing.editions {
        let mut flags = Vec::new();
        if e.in_use {
            flags.push("IN USE");
        }
        if e.shipped {
            flags.push("shipped");
        }
        flags.push(if e.in_force_today { "in force today" } else { "not in force today" });
        writeln!(w, "{}{} [{}]", if e.in_use { "* " } else { "  " }, e.name, flags.join(", "))?;
        if let Some(dir) = &e.dir {
            writeln!(w, "    folder: {dir}")?;
        }
        let counts = |n: Option<usize>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
        writeln!(
            w,
            "    {} billable ICD-10-CM codes, {} ICD-10-PCS codes, {} HCPCS Level II codes and {} modifiers",
            counts(e.cm_billable),
            counts(e.pcs_codes),
            counts(e.hcpcs_codes),
            counts(e.hcpcs_modifiers)
        )?;
        if let Some(p) = &e.problem {
            writeln!(w, "    PROBLEM: {p}")?;
        }
        for c in &e.components {
            writeln!(w, "    {:<40} {} ({} to {})", c.what, c.label, c.effective_from, c.effective_to)?;
            writeln!(w, "    {:<40}   from {}", "", c.source)?;
        }
        for c in &e.caveats {
            writeln!(w, "    note: {c}")?;
        }
    }
    if let Some(warning) = &listing.warning {
        writeln!(w)?;
        writeln!(w, "warning: {warning}")?;
    }
    Ok(ExitCode::SUCCESS)
}
