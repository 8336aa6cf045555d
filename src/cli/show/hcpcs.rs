//! `medcode show` for HCPCS Level II codes and modifiers.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use super::{EditionJson, edition_json, edition_line};
use crate::codeset::hcpcs::{HcpcsCode, section_of};
use crate::codeset::{CodeSet, Codebook, FileKind};
use crate::text::one_line;

/// What CMS's action code says changed this quarter.
pub fn action_meaning(code: &str) -> &'static str {
    match code {
        "A" => "added",
        "B" => "administrative data and long description changed",
        "C" => "long description changed",
        "D" => "discontinued",
        "F" => "administrative data changed",
        "N" => "no change",
        "P" => "payment changed",
        "R" => "reactivated",
        "S" => "short description changed",
        "T" => "miscellaneous change",
        _ => "",
    }
}

/// What CMS's coverage indicator says about Medicare coverage.
pub fn coverage_meaning(code: &str) -> &'static str {
    match code {
        "C" => "carrier judgement",
        "D" => "special coverage instructions apply",
        "I" => "not payable by Medicare",
        "M" => "non-covered by Medicare",
        "S" => "non-covered by Medicare statute",
        _ => "",
    }
}

fn with_meaning(code: &str, meaning: &str) -> String {
    if meaning.is_empty() { code.to_string() } else { format!("{code} ({meaning})") }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "-".to_string(), |d| d.to_string())
}

/// A code (`modifier` false) or a modifier: the modifier has no section or indicators worth a line.
pub(super) fn text(out: &mut impl Write, book: &Codebook, c: &HcpcsCode, modifier: bool) -> Result<()> {
    writeln!(out, "{}  {}", c.code, one_line(&c.long))?;
    writeln!(out, "Set:       HCPCS Level II{}", if modifier { " modifier" } else { "" })?;
    writeln!(out, "Short:     {}", one_line(&c.short))?;
    writeln!(out, "Edition:   {}", edition_line(&book.edition, FileKind::Hcpcs))?;
    if let Some(s) = section_of(&c.code).filter(|_| !modifier) {
        writeln!(out, "Section:   {}  {}", s.letter, s.heading)?;
    }
    match c.terminated {
        Some(t) => writeln!(out, "Status:    terminated {t}: not valid for services after that date")?,
        None => writeln!(out, "Status:    valid")?,
    }
    writeln!(out, "Added:     {}", date(c.added))?;
    writeln!(
        out,
        "Effective: {} (action {})",
        date(c.effective),
        with_meaning(&c.action, action_meaning(&c.action))
    )?;
    if modifier {
        return Ok(());
    }
    writeln!(out, "Coverage:  {}", with_meaning(&c.coverage, coverage_meaning(&c.coverage)))?;
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(" ") };
    writeln!(out, "Pricing:   {}", list(&c.pricing))?;
    writeln!(out, "BETOS:     {}", if c.betos.is_empty() { "-" } else { &c.betos })?;
    writeln!(out, "Type of service: {}", list(&c.tos))?;
    if !c.xref.is_empty() {
        writeln!(out, "See also:  {}", c.xref.join(" "))?;
    }
    Ok(())
}

/// `show --format json` of an HCPCS code or modifier.
#[derive(Serialize)]
pub(super) struct HcpcsJson {
    set: CodeSet,
    code: String,
    /// `code` or `modifier`.
    kind: &'static str,
    title: String,
    short: String,
    section: Option<char>,
    section_heading: Option<&'static str>,
    added: Option<NaiveDate>,
    effective: Option<NaiveDate>,
    terminated: Option<NaiveDate>,
    action: String,
    coverage: String,
    pricing: Vec<String>,
    betos: String,
    type_of_service: Vec<String>,
    xref: Vec<String>,
    edition: EditionJson,
}

pub(super) fn json(book: &Codebook, c: &HcpcsCode, modifier: bool) -> HcpcsJson {
    let section = section_of(&c.code).filter(|_| !modifier);
    HcpcsJson {
        set: CodeSet::Hcpcs,
        code: c.code.clone(),
        kind: if modifier { "modifier" } else { "code" },
        title: c.long.clone(),
        short: c.short.clone(),
        section: section.map(|s| s.letter),
        section_heading: section.map(|s| s.heading),
        added: c.added,
        effective: c.effective,
        terminated: c.terminated,
        action: c.action.clone(),
        coverage: c.coverage.clone(),
        pricing: c.pricing.clone(),
        betos: c.betos.clone(),
        type_of_service: c.tos.clone(),
        xref: c.xref.clone(),
        edition: edition_json(&book.edition, FileKind::Hcpcs),
    }
}
