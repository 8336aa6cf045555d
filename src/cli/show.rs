//! `medcode show CODE`: one code with everything a coder checks before using it.
//!
//! Accepts ICD-10-CM codes with or without the dot, in any case (`E11.9`,
//! `e119`, `S52.521A`), chapters (`CH4`) and blocks (`E08-E13`), and ICD-10-PCS
//! codes or table prefixes (`0DTJ4ZZ`, `0DT`), HCPCS Level II codes and
//! modifiers (`E0114`, `LT`). A code with more than one reading (`J1100`:
//! HCPCS J1100 and ICD-10-CM J11.00) lists each reading with its set, then
//! shows each; `--set` picks one. Exit status: 0 when any reading exists; 2
//! for an unknown code (the nearest valid codes on stderr); 3 for a code with
//! the shape of CPT (`99213`, `0001F`, `0001T`) when no CPT is loaded or the
//! imported CPT file (`medcode codesets import-cpt`) lacks it; an imported CPT
//! code shows with its licence year.
//!
//! `--format json` of an ambiguous code is `{ "code", "ambiguous": true,
//! "readings": [ one object per reading ] }`; of an HCPCS code `{ "set":
//! "hcpcs", "code", "kind": "code"|"modifier", "title", "short", "section",
//! "section_heading", "added", "effective", "terminated", "action", "coverage",
//! "pricing", "betos", "type_of_service", "xref", "edition" }`.
//!
//! Text is wrapped to the width (`--width N`, else `COLUMNS`, else the
//! terminal's, else 80; see `src/cli/width.rs`): no line is wider.
//!
//! `--format json` prints one object. For ICD-10-CM:
//!
//! ```text
//! { "set": "icd10cm", "code": "E11.22", "title": "...", "kind": "code",
//!   "billable": true, "billable_below": 1,
//!   "edition": { "name", "label", "effective_from", "effective_to", "summary" },
//!   "ancestors": [ { "code", "kind", "title" } ... ]   (chapter first, parent last)
//!   "children":  [ { "code", "kind", "title", "billable" } ... ],
//!   "notes":     [ { "kind", "label", "origin", "origin_title", "texts": [...] } ... ] }
//! ```
//!
//! `kind` of a code is `chapter`, `block`, `category`, `subcategory`, `code` or
//! `extension`; a note's `kind` is `includes`, `inclusion_term`, `excludes1`,
//! `excludes2`, `code_first`, `use_additional_code`, `code_also`, `note` or
//! `seventh_character`; `origin` is the code the note is written at (the code
//! itself or an ancestor; a chapter as `CH4`). For ICD-10-PCS:
//!
//! ```text
//! { "set": "icd10pcs", "code": "0DTJ4ZZ", "complete": true, "title": "...",
//!   "title_composed": false, "edition": {...},
//!   "characters": [ { "pos", "axis", "ch", "label", "definition" } ... ],
//!   "next": [ { "ch", "label", "axis" } ... ] }   (valid next characters of a partial code)
//! ```

mod cpt;
mod hcpcs;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::Globals;
use crate::codeset::icd10cm::NodeId;
use crate::codeset::{CmKind, CodeSet, Codebook, Edition, FileKind, NoteKind, Tabular, normalize};
use crate::text::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code: `E11.9`, `e119`, `S52.521A`, `E08-E13`, `0DTJ4ZZ`, a PCS table `0DT`.
    pub code: String,
    /// Look the code up in one set only (B20 is both an ICD-10-CM category and an ICD-10-PCS table).
    #[arg(long, value_parser = super::parse_set)]
    pub set: Option<CodeSet>,
    /// text for reading; json for one object (fields documented in `src/cli/show.rs`).
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
    /// Date of service (YYYY-MM-DD; inpatient: the discharge date): use the edition in force then.
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
    /// Wrap text to this many columns (default: `COLUMNS`, else the terminal's width, else 80).
    #[arg(long)]
    pub width: Option<usize>,
}

/// The code sets of the edition the user asked for (`--edition`, else the default one).
pub(super) fn open_codebook(globals: &Globals) -> Result<Codebook> {
    Codebook::open(globals.edition.as_deref())
}

/// The edition name for `--date` (the edition in force on that date of service,
/// which wins over `--edition`), else `--edition`, else `None` (the default).
pub(super) fn edition_name(globals: &Globals, date: Option<chrono::NaiveDate>) -> Result<Option<String>> {
    match date {
        Some(d) => Ok(Some(crate::codeset::catalog::edition_for_date(d)?)),
        None => Ok(globals.edition.clone()),
    }
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let book = Codebook::open(edition_name(globals, args.date)?.as_deref())?;
    let key = normalize(&args.code);
    let wants = |set| args.set.is_none_or(|s| s == set);
    let cm = book.cm.get(&key).filter(|_| wants(CodeSet::Icd10cm));
    let pcs = (wants(CodeSet::Icd10pcs)
        && (book.pcs.is_prefix(&key) || book.pcs.update_code(&key).is_some()))
    .then_some(());
    // HCPCS never writes a dot: `J11.00` is ICD-10-CM only, `J1100` both.
    let dotless = wants(CodeSet::Hcpcs) && !args.code.contains('.');
    let hcpcs = book.hcpcs.get(&key).filter(|_| dotless);
    let modifier = book.hcpcs.modifier(&key).filter(|_| dotless && key.len() == 2);
    let cpt = crate::codeset::cpt::category(&key).filter(|_| wants(CodeSet::Cpt));
    let installed = if cpt.is_some() { crate::codeset::cpt::Cpt::installed()? } else { None };
    let licensed = installed.as_ref().and_then(|l| Some((l, l.get(&key)?)));
    let stdout = io::stdout();
    // Text is wrapped to the width (`src/cli/width.rs`); JSON is not.
    let width = (args.format == ShowFormat::Text).then(|| super::width::resolve(args.width));
    let mut out = super::width::Wrapping::new(io::BufWriter::new(stdout.lock()), width);
    if hcpcs.is_some() || modifier.is_some() {
        let mut readings: Vec<(CodeSet, String, String)> = Vec::new();
        if let Some(c) = hcpcs {
            readings.push((CodeSet::Hcpcs, c.code.clone(), c.long.clone()));
        }
        if let Some(m) = modifier {
            readings.push((CodeSet::Hcpcs, m.code.clone(), format!("modifier: {}", m.long)));
        }
        if let Some(id) = cm {
            readings.push((CodeSet::Icd10cm, book.cm.node(id).code.clone(), book.cm.node(id).title.clone()));
        }
        if pcs.is_some() {
            readings.push((
                CodeSet::Icd10pcs,
                key.clone(),
                book.pcs.title(&key).map(|t| t.text).unwrap_or_default(),
            ));
        }
        let ambiguous = readings.len() > 1;
        match args.format {
            ShowFormat::Text => {
                if ambiguous {
                    writeln!(out, "{key} has {} readings, each with its set:", readings.len())?;
                    for (set, code, title) in &readings {
                        writeln!(out, "  {:<15} {code:<8} {}", set.label(), one_line(title))?;
                    }
                    writeln!(
                        out,
                        "(--set {} shows one)",
                        readings.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join(" or --set ")
                    )?;
                    writeln!(out)?;
                }
                if let Some(c) = hcpcs {
                    hcpcs::text(&mut out, &book, c, false)?;
                }
                if let Some(m) = modifier {
                    hcpcs::text(&mut out, &book, m, true)?;
                }
                if let Some(id) = cm {
                    writeln!(out)?;
                    cm_text(&mut out, &book, id, false)?;
                }
                if pcs.is_some() {
                    writeln!(out)?;
                    pcs_text(&mut out, &book, &key)?;
                }
            }
            ShowFormat::Json => {
                let mut values = Vec::new();
                if let Some(c) = hcpcs {
                    values.push(serde_json::to_value(hcpcs::json(&book, c, false))?);
                }
                if let Some(m) = modifier {
                    values.push(serde_json::to_value(hcpcs::json(&book, m, true))?);
                }
                if let Some(id) = cm {
                    values.push(serde_json::to_value(cm_json(&book, id))?);
                }
                if pcs.is_some() {
                    values.push(serde_json::to_value(pcs_json(&book, &key))?);
                }
                match values.len() {
                    1 => json(&mut out, &values[0])?,
                    _ => json(
                        &mut out,
                        &serde_json::json!({ "code": key, "ambiguous": true, "readings": values }),
                    )?,
                }
            }
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    match (cm, pcs) {
        (Some(id), _) => {
            let also_pcs = pcs.is_some();
            match args.format {
                ShowFormat::Text => cm_text(&mut out, &book, id, also_pcs)?,
                ShowFormat::Json => json(&mut out, &cm_json(&book, id))?,
            }
        }
        (None, Some(())) => match args.format {
            ShowFormat::Text => {
                pcs_text(&mut out, &book, &key)?;
                match (cpt, &licensed) {
                    (Some(_), Some((l, c))) => {
                        writeln!(out, "\nAlso a CPT code:")?;
                        cpt::text(&mut out, l, c)?;
                    }
                    (Some(_), None) => {
                        writeln!(out, "Also the shape of a CPT code: {}", not_loaded(&installed))?
                    }
                    _ => {}
                }
            }
            ShowFormat::Json => json(&mut out, &pcs_json(&book, &key))?,
        },
        (None, None) => {
            if let (Some(_), Some((l, c))) = (cpt, &licensed) {
                match args.format {
                    ShowFormat::Text => cpt::text(&mut out, l, c)?,
                    ShowFormat::Json => json(&mut out, &cpt::json(l, c))?,
                }
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            drop(out);
            if let Some(category) = cpt {
                eprintln!(
                    "medcode: `{key}` is a CPT code (Category {category:?}). {}",
                    not_loaded(&installed)
                );
                return Ok(ExitCode::from(3));
            }
            unknown(&book, &args.code, &key, args.set);
            return Ok(ExitCode::from(2));
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Why a CPT-shaped code has no entry: no CPT imported, or not in the imported file.
fn not_loaded(installed: &Option<crate::codeset::cpt::Cpt>) -> String {
    match installed {
        Some(l) => {
            format!("It is not in your CPT file (licence year {}, from {}).", l.year, one_line(&l.source))
        }
        None => crate::codeset::cpt::NOT_LOADED.to_string(),
    }
}

fn json<T: Serialize>(out: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// "Chapter 4 Endocrine, ..." or "E11 Type 2 diabetes mellitus".
fn cm_label(cm: &Tabular, id: NodeId) -> String {
    let n = cm.node(id);
    match n.kind {
        CmKind::Chapter => format!("Chapter {} {}", n.code, one_line(&n.title)),
        _ => format!("{} {}", n.code, one_line(&n.title)),
    }
}

/// The code of a node as `show` accepts it back (a chapter as `CH4`, the block B10 as `B10-B10`).
fn cm_code(cm: &Tabular, id: NodeId) -> String {
    let n = cm.node(id);
    match n.kind {
        CmKind::Chapter | CmKind::Block => cm.key(id),
        _ => n.code.clone(),
    }
}

/// "  (header)" after a code that is not billable.
fn header_mark(cm: &Tabular, id: NodeId) -> &'static str {
    let n = cm.node(id);
    if n.billable || matches!(n.kind, CmKind::Chapter | CmKind::Block) { "" } else { "  (header)" }
}

fn edition_line(edition: &Edition, kind: FileKind) -> String {
    match edition.component(kind) {
        Some(c) => format!("{} ({}, {} to {})", edition.name, c.label, c.effective_from, c.effective_to),
        None => edition.name.clone(),
    }
}

/// A warning when the edition's period does not cover today (codes change every October and April).
fn in_force_warning(edition: &Edition, set: CodeSet) -> Option<String> {
    let today = crate::codeset::edition::today();
    let (from, to) = edition.effective(set)?;
    (!edition.is_in_force(set, today)).then(|| {
        format!("Note:      this edition was in force {from} to {to}; check codes for services on {today} against the edition then in force")
    })
}

fn cm_text(out: &mut impl Write, book: &Codebook, id: NodeId, also_pcs: bool) -> Result<()> {
    let cm = &book.cm;
    let node = cm.node(id);
    match node.kind {
        CmKind::Chapter => writeln!(out, "Chapter {}  {}", node.code, one_line(&node.title))?,
        _ => writeln!(out, "{}  {}", node.code, one_line(&node.title))?,
    }
    writeln!(out, "Set:       ICD-10-CM")?;
    if book.is_new(CodeSet::Icd10cm, &node.code) {
        writeln!(out, "New:       new in {} (its addenda add it)", book.edition.name)?;
    }
    writeln!(out, "Edition:   {}", edition_line(&book.edition, FileKind::CmTabular))?;
    if let Some(w) = in_force_warning(&book.edition, CodeSet::Icd10cm) {
        writeln!(out, "{w}")?;
    }
    let below = cm.billable_below(id);
    if node.billable {
        writeln!(out, "Status:    billable")?;
    } else {
        let what = match node.kind {
            CmKind::Chapter => "chapter",
            CmKind::Block => "block",
            _ => "header, not billable",
        };
        let plural = if below == 1 { "" } else { "s" };
        writeln!(out, "Status:    {what}: {below} billable code{plural} below; code to one of them")?;
        if book.changes.cm.deleted.contains_key(&normalize(&node.code)) {
            writeln!(
                out,
                "Changed:   a billable code before {}; now a header over its new codes",
                book.edition.name
            )?;
        }
    }
    let mut path: Vec<NodeId> = cm.ancestors(id);
    path.reverse();
    if !path.is_empty() {
        writeln!(out, "Path:")?;
        for (depth, a) in path.iter().enumerate() {
            writeln!(out, "  {}{}", "  ".repeat(depth), cm_label(cm, *a))?;
        }
    }
    if !node.children.is_empty() {
        writeln!(out, "Children:")?;
        for c in &node.children {
            writeln!(out, "  {}{}", cm_label(cm, *c), header_mark(cm, *c))?;
        }
    }
    // Offer the billable codes themselves when the children are not all of them.
    let billable = cm.billable_codes_below(id);
    let children_are_billable =
        node.children.len() == billable.len() && node.children.iter().all(|c| cm.node(*c).billable);
    if !node.billable && !children_are_billable && !billable.is_empty() && billable.len() <= 30 {
        writeln!(out, "Billable codes below:")?;
        for b in &billable {
            writeln!(out, "  {}", cm_label(cm, *b))?;
        }
    }
    let groups = note_groups(cm, id);
    if !groups.is_empty() {
        writeln!(out, "Notes in force:")?;
        for g in groups {
            if g.origin == id {
                writeln!(out, "  {}:", g.kind.label())?;
            } else {
                writeln!(out, "  {} (from {}):", g.kind.label(), cm_label(cm, g.origin))?;
            }
            for t in g.texts {
                writeln!(out, "    - {}", one_line(&t))?;
            }
        }
    }
    if also_pcs {
        let key = normalize(&node.code);
        writeln!(out, "Also an ICD-10-PCS code or table: medcode show --set icd10pcs {key}")?;
    }
    Ok(())
}

/// Notes of one kind written at one node.
struct Group {
    kind: NoteKind,
    origin: NodeId,
    texts: Vec<String>,
}

fn note_groups(cm: &Tabular, id: NodeId) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (kind, notes) in cm.notes_grouped(id) {
        for (text, origin) in notes {
            match out.last_mut() {
                Some(g) if g.kind == kind && g.origin == origin => g.texts.push(text),
                _ => out.push(Group { kind, origin, texts: vec![text] }),
            }
        }
    }
    out
}

#[derive(Serialize)]
struct EditionJson {
    name: String,
    label: String,
    effective_from: String,
    effective_to: String,
    summary: String,
}

fn edition_json(edition: &Edition, kind: FileKind) -> EditionJson {
    let c = edition.component(kind);
    EditionJson {
        name: edition.name.clone(),
        label: c.map(|c| c.label.clone()).unwrap_or_default(),
        effective_from: c.map(|c| c.effective_from.to_string()).unwrap_or_default(),
        effective_to: c.map(|c| c.effective_to.to_string()).unwrap_or_default(),
        summary: edition.summary(),
    }
}

#[derive(Serialize)]
struct CmRef {
    code: String,
    kind: CmKind,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    billable: Option<bool>,
}

#[derive(Serialize)]
struct NoteJson {
    kind: NoteKind,
    label: &'static str,
    origin: String,
    origin_title: String,
    texts: Vec<String>,
}

#[derive(Serialize)]
struct CmJson {
    set: CodeSet,
    code: String,
    title: String,
    kind: CmKind,
    billable: bool,
    billable_below: usize,
    /// New in this edition (its addenda add it).
    new: bool,
    edition: EditionJson,
    ancestors: Vec<CmRef>,
    children: Vec<CmRef>,
    notes: Vec<NoteJson>,
}

fn cm_json(book: &Codebook, id: NodeId) -> CmJson {
    let cm = &book.cm;
    let node = cm.node(id);
    let cm_ref = |i: NodeId, with_billable: bool| {
        let n = cm.node(i);
        CmRef {
            code: cm_code(cm, i),
            kind: n.kind,
            title: n.title.clone(),
            billable: with_billable.then_some(n.billable),
        }
    };
    let mut ancestors = cm.ancestors(id);
    ancestors.reverse();
    CmJson {
        set: CodeSet::Icd10cm,
        code: cm_code(cm, id),
        title: node.title.clone(),
        kind: node.kind,
        billable: node.billable,
        billable_below: cm.billable_below(id),
        new: book.is_new(CodeSet::Icd10cm, &node.code),
        edition: edition_json(&book.edition, FileKind::CmTabular),
        ancestors: ancestors.into_iter().map(|a| cm_ref(a, false)).collect(),
        children: node.children.iter().map(|c| cm_ref(*c, true)).collect(),
        notes: note_groups(cm, id)
            .into_iter()
            .map(|g| NoteJson {
                kind: g.kind,
                label: g.kind.label(),
                origin: cm_code(cm, g.origin),
                origin_title: cm.node(g.origin).title.clone(),
                texts: g.texts,
            })
            .collect(),
    }
}

fn pcs_text(out: &mut impl Write, book: &Codebook, key: &str) -> Result<()> {
    let pcs = &book.pcs;
    let complete = pcs.is_code(key);
    let title = pcs.title(key);
    match &title {
        Some(t) if t.composed => writeln!(out, "{key}  {} (composed from axis labels)", one_line(&t.text))?,
        Some(t) => writeln!(out, "{key}  {}", one_line(&t.text))?,
        None => writeln!(out, "{key}")?,
    }
    writeln!(out, "Set:       ICD-10-PCS")?;
    if book.is_new(CodeSet::Icd10pcs, key) {
        writeln!(out, "New:       new in {} (its addenda add it)", book.edition.name)?;
    }
    writeln!(out, "Edition:   {}", edition_line(&book.edition, FileKind::PcsTables))?;
    if let Some(w) = in_force_warning(&book.edition, CodeSet::Icd10pcs) {
        writeln!(out, "{w}")?;
    }
    if let (Some(_), false) = (pcs.update_code(key), complete) {
        let c = book.edition.component(FileKind::PcsUpdateCodes);
        let from = pcs.update_from.map(|d| d.to_string()).unwrap_or_default();
        writeln!(
            out,
            "Status:    complete code (valid for claims from {from}: {})",
            c.map_or("", |c| c.label.as_str())
        )?;
        writeln!(
            out,
            "Note:      its table is not in {}: the characters cannot be explained here",
            book.edition.name
        )?;
        return Ok(());
    }
    if complete {
        writeln!(out, "Status:    complete code (valid for claims)")?;
    } else {
        writeln!(out, "Status:    partial code, {} of 7 characters", key.len())?;
    }
    let chars = pcs.explain(key);
    if !chars.is_empty() {
        writeln!(out, "Characters:")?;
        let width = chars.iter().map(|c| c.axis.chars().count()).max().unwrap_or(0);
        for c in chars {
            writeln!(out, "  {} {:<width$}  {}  {}", c.pos, one_line(&c.axis), c.ch, one_line(&c.label))?;
            let pad = " ".repeat(width + 9);
            if let Some(d) = &c.definition {
                writeln!(out, "{pad}Definition: {}", one_line(d))?;
            }
            if let Some(e) = &c.explanation {
                writeln!(out, "{pad}Explanation: {}", one_line(e))?;
            }
            if !c.includes.is_empty() {
                // Device values list dozens of brand names: the first few, and how many more.
                const SHOWN: usize = 8;
                let mut list: Vec<&str> = c.includes.iter().take(SHOWN).map(String::as_str).collect();
                let more = c.includes.len().saturating_sub(SHOWN);
                let more = if more > 0 { format!("; and {more} more") } else { String::new() };
                list.iter_mut().for_each(|t| *t = t.trim());
                writeln!(out, "{pad}Includes: {}{more}", one_line(&list.join("; ")))?;
            }
        }
    }
    if !complete {
        let next = pcs.next_chars(key);
        if let Some(first) = next.first() {
            writeln!(out, "Next character ({}):", one_line(&first.axis))?;
            for n in &next {
                writeln!(out, "  {}  {}", n.ch, one_line(&n.label))?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct PcsJson {
    set: CodeSet,
    code: String,
    complete: bool,
    title: Option<String>,
    title_composed: bool,
    new: bool,
    edition: EditionJson,
    characters: Vec<crate::codeset::icd10pcs::CharInfo>,
    next: Vec<crate::codeset::icd10pcs::NextChar>,
}

fn pcs_json(book: &Codebook, key: &str) -> PcsJson {
    let pcs = &book.pcs;
    let title = pcs.title(key);
    let complete = pcs.is_code(key) || pcs.update_code(key).is_some();
    PcsJson {
        set: CodeSet::Icd10pcs,
        code: key.to_string(),
        complete,
        title_composed: title.as_ref().is_some_and(|t| t.composed),
        title: title.map(|t| t.text),
        new: book.is_new(CodeSet::Icd10pcs, key),
        edition: edition_json(&book.edition, FileKind::PcsTables),
        characters: pcs.explain(key),
        next: if complete { Vec::new() } else { pcs.next_chars(key) },
    }
}

/// Tell the user what they typed is not a code, with the nearest valid ones.
fn unknown(book: &Codebook, typed: &str, key: &str, set: Option<CodeSet>) {
    let mut err = io::stderr().lock();
    let what = match set {
        Some(CodeSet::Icd10cm) => "an ICD-10-CM code",
        Some(CodeSet::Icd10pcs) => "an ICD-10-PCS code",
        Some(CodeSet::Hcpcs) => "an HCPCS Level II code or modifier",
        Some(CodeSet::Cpt) => "a CPT code of your licensed file",
        None => "an ICD-10-CM, ICD-10-PCS or HCPCS code",
    };
    let _ =
        writeln!(err, "medcode: `{}` is not {what} in edition {}", one_line(typed.trim()), book.edition.name);
    // A code the edition deletes: what replaces it.
    for s in CodeSet::ALL.iter().filter(|s| set.is_none_or(|x| x == **s)) {
        if book.changes.of(*s).deleted.contains_key(key)
            && let Some(r) = crate::codeset::changes::replacements(book, *s, key, None)
        {
            let _ = writeln!(
                err,
                "It is deleted in {}; codes that replace it: {}",
                book.edition.name,
                r.offers.join(" ")
            );
            return;
        }
    }
    // Every ICD-10-CM code starts with a letter; most ICD-10-PCS sections are digits.
    let pcs_first = set == Some(CodeSet::Icd10pcs) || key.starts_with(|c: char| c.is_ascii_digit());
    if set != Some(CodeSet::Icd10cm) && pcs_first {
        let prefix =
            (1..key.len()).rev().filter_map(|n| key.get(..n)).find(|p| book.pcs.is_prefix(p)).unwrap_or("");
        let next = book.pcs.next_chars(prefix);
        if !next.is_empty() {
            match prefix {
                "" => writeln!(err, "ICD-10-PCS sections:"),
                _ => writeln!(err, "`{prefix}` is valid; characters that can follow it:"),
            }
            .ok();
            for n in next.iter().take(34) {
                let _ = writeln!(err, "  {prefix}{}  {}", n.ch, one_line(&n.label));
            }
        }
        return;
    }
    let near = book.cm.suggest(key, 12);
    if !near.is_empty() {
        let _ = writeln!(err, "Nearest valid codes:");
        for id in near {
            let _ = writeln!(err, "  {}{}", cm_label(&book.cm, id), header_mark(&book.cm, id));
        }
    }
}
