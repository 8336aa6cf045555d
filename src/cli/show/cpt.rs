//! `medcode show` for a CPT code from the user's licensed file.

use std::io::Write;

use anyhow::Result;

use crate::codeset::cpt::{self, Cpt, CptCode};
use crate::text::one_line;

pub(super) fn text(out: &mut impl Write, cpt: &Cpt, c: &CptCode) -> Result<()> {
    writeln!(out, "{}  {}", c.code, one_line(&c.long))?;
    writeln!(out, "Set:       CPT (your licensed AMA file, licence year {})", cpt.year)?;
    // A fixed-width import may bring only some of the descriptors.
    for (label, text) in [("Medium:   ", &c.medium), ("Short:    ", &c.short)] {
        if !text.is_empty() {
            writeln!(out, "{label} {}", one_line(text))?;
        }
    }
    if let Some(category) = cpt::category(&c.code) {
        writeln!(out, "Category:  {category:?}")?;
    }
    if let Some(section) = cpt::section(&c.code) {
        writeln!(out, "Section:   {section}")?;
    }
    writeln!(out, "Imported:  from {}", one_line(&cpt.source))?;
    Ok(())
}

pub(super) fn json(cpt: &Cpt, c: &CptCode) -> serde_json::Value {
    serde_json::json!({
        "set": "cpt", "code": c.code, "title": c.long, "medium": c.medium, "short": c.short,
        "category": cpt::category(&c.code).map(|k| format!("{k:?}")),
        "section": cpt::section(&c.code), "licence_year": cpt.year,
    })
}
