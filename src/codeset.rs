//! The code set model: what a loaded edition of ICD-10-CM and ICD-10-PCS holds.
//!
//! Everything here is read from the agencies' own release files (CDC XML for
//! ICD-10-CM, CMS XML for ICD-10-PCS) by the loaders in the submodules; the
//! shipped and the imported editions are assembled by one function
//! ([`assemble::assemble`]).

pub mod assemble;
pub mod books;
pub mod catalog;
pub mod changes;
pub mod compiled;
pub mod cpt;
pub mod edition;
pub mod hcpcs;
pub mod icd10cm;
pub mod icd10pcs;
pub mod import;
pub mod installed;
pub mod shipped;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use edition::{Component, Edition, FileKind};
pub use hcpcs::Hcpcs;
pub use icd10cm::books::{IndexBook, Term};
pub use icd10cm::{CmKind, CmNode, NodeId, NoteKind, Notes, Tabular};
pub use icd10pcs::Pcs;

/// The code systems medcode knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeSet {
    Icd10cm,
    Icd10pcs,
    /// HCPCS Level II (CMS), codes and modifiers.
    Hcpcs,
    /// CPT (the AMA's): only from the user's own licensed file, never shipped.
    Cpt,
}

impl CodeSet {
    /// The sets an edition's release files hold (CPT is the user's own import, not an edition's).
    pub const ALL: [CodeSet; 3] = [CodeSet::Icd10cm, CodeSet::Icd10pcs, CodeSet::Hcpcs];
    /// The ICD-10 sets, whose fiscal-year tabular decides which edition is in force.
    pub const ICD10: [CodeSet; 2] = [CodeSet::Icd10cm, CodeSet::Icd10pcs];

    /// The name used on the command line, in files and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSet::Icd10cm => "icd10cm",
            CodeSet::Icd10pcs => "icd10pcs",
            CodeSet::Hcpcs => "hcpcs",
            CodeSet::Cpt => "cpt",
        }
    }

    /// A short label for narrow screens.
    pub fn short(self) -> &'static str {
        match self {
            CodeSet::Icd10cm => "CM",
            CodeSet::Icd10pcs => "PCS",
            CodeSet::Hcpcs => "HCPCS",
            CodeSet::Cpt => "CPT",
        }
    }

    /// The name a coder reads (`ICD-10-CM`, `HCPCS Level II`).
    pub fn label(self) -> &'static str {
        match self {
            CodeSet::Icd10cm => "ICD-10-CM",
            CodeSet::Icd10pcs => "ICD-10-PCS",
            CodeSet::Hcpcs => "HCPCS Level II",
            CodeSet::Cpt => "CPT",
        }
    }
}

impl fmt::Display for CodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "icd10cm" | "cm" | "dx" => Ok(CodeSet::Icd10cm),
            "icd10pcs" | "pcs" | "px" => Ok(CodeSet::Icd10pcs),
            "hcpcs" | "hcpcs2" | "hcpcslevelii" | "level2" => Ok(CodeSet::Hcpcs),
            "cpt" => Ok(CodeSet::Cpt),
            other => Err(format!("unknown code set `{other}` (expected icd10cm, icd10pcs, hcpcs or cpt)")),
        }
    }
}

/// The lookup key of a code: upper case, no dot, no spaces (`e11.9` -> `E119`).
pub fn normalize(code: &str) -> String {
    code.chars().filter(|c| !matches!(c, '.' | ' ' | '\t')).map(|c| c.to_ascii_uppercase()).collect()
}

/// How ICD-10-CM writes a code: a dot after the third character (`E1122` -> `E11.22`).
pub fn cm_display(key: &str) -> String {
    if key.len() > 3 && key.is_ascii() { format!("{}.{}", &key[..3], &key[3..]) } else { key.to_string() }
}

impl fmt::Debug for Codebook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Codebook").field("edition", &self.edition.name).finish_non_exhaustive()
    }
}

/// One loaded edition: the tabular lists, indexes and tables, with where they came from.
pub struct Codebook {
    pub edition: Edition,
    pub cm: Tabular,
    pub pcs: Pcs,
    /// The ICD-10-CM Table of Drugs and Chemicals, when the edition has one.
    pub drugs: Option<IndexBook>,
    /// The ICD-10-CM Table of Neoplasms.
    pub neoplasms: Option<IndexBook>,
    /// The ICD-10-CM Index to External Causes.
    pub external: Option<IndexBook>,
    /// The ICD-10-CM Alphabetic Index to Diseases and Injuries (only from an import).
    pub diseases: Option<IndexBook>,
    /// What the edition's addenda say it changed (empty when it has none).
    pub changes: changes::Changes,
    /// HCPCS Level II codes and modifiers (empty when the edition has none).
    pub hcpcs: Hcpcs,
    /// The user's imported CPT file (`medcode codesets import-cpt`), when there is one.
    pub cpt: Option<cpt::Cpt>,
}

impl Drop for Codebook {
    fn drop(&mut self) {
        compiled::forget_mapped(self);
    }
}

impl Codebook {
    /// Which code set a typed code belongs to, if it exists in this edition.
    pub fn resolve(&self, code: &str) -> Option<(CodeSet, String)> {
        let key = normalize(code);
        if let Some(id) = self.cm.get(&key) {
            return Some((CodeSet::Icd10cm, self.cm.node(id).code.clone()));
        }
        if self.pcs.is_prefix(&key) {
            return Some((CodeSet::Icd10pcs, key));
        }
        if self.hcpcs.get(&key).is_some() {
            return Some((CodeSet::Hcpcs, key));
        }
        if self.cpt_code(&key).is_some() {
            return Some((CodeSet::Cpt, key));
        }
        None
    }

    /// The title of a complete or partial code of either set.
    pub fn title(&self, set: CodeSet, code: &str) -> Option<String> {
        match set {
            CodeSet::Icd10cm => self.cm.get(&normalize(code)).map(|id| self.cm.node(id).title.clone()),
            CodeSet::Icd10pcs => self.pcs.title(&normalize(code)).map(|t| t.text),
            CodeSet::Hcpcs => self.hcpcs.get(&normalize(code)).map(|c| c.long.clone()),
            CodeSet::Cpt => self.cpt_code(&normalize(code)).map(|c| c.long.clone()),
        }
    }

    /// A code of the user's imported CPT file (`None` when none is imported or it lacks the code).
    pub fn cpt_code(&self, key: &str) -> Option<&cpt::CptCode> {
        self.cpt.as_ref()?.get(key)
    }

    /// How a CPT code's set is labelled where it is shown: `CPT 2026` (the licence year).
    pub fn cpt_label(&self) -> String {
        match &self.cpt {
            Some(c) => format!("CPT {}", c.year),
            None => "CPT".to_string(),
        }
    }
}

/// A release file that cannot be read: names the file and the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ReleaseError {
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    pub message: String,
}

impl ReleaseError {
    /// An error at a byte offset of `data`, turned into line and column.
    pub fn at(file: &str, data: &[u8], offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(data.len());
        let before = &data[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
        ReleaseError { file: file.to_string(), line, column, message: message.into() }
    }
}
