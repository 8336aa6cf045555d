//! `medcode show` for HCPCS Level II codes and modifiers.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use super::{EditionJson, edition_json, edition_line};
use crate::codeset::hcpcs::{HcpcsCode, section_of};
use crate::codeset::{CodeSet, Codebook, FileKind};
use crate::text::one_line;

/// A code (`modifier` false) or a modifier: the modifier has no section or indicators worth a line.
pub(super) fn text(out: &mut impl Write, book: &Codebook, c: &HcpcsCode, modifier: bool) -> Result<()> {
    writeln!(out, "{}  {}", c.code, one_line(&c.long))?;
    writeln!(out, "Set:       HCPCS Level II{}", if modifier { " modifier" } else { "" })?;
    writeln!(out, "Short:     {}", one_line(&c.short))?;
    writeln!(out, "Edition:   {}", edition_line(&book.edition, FileKind::Hcpcs))?;
    for (label, value) in c.facts(modifier) {
        writeln!(out, "{:<10} {value}", format!("{label}:"))?;
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
