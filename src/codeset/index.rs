//! ICD-10-CM indexes and tables: the Alphabetic Index, the Index to External
//! Causes (same schema), the Table of Neoplasms and the Table of Drugs and
//! Chemicals (one code per column, headings from the file).

use serde::Serialize;

/// A main term or subterm at any level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Term {
    pub title: String,
    /// Nonessential modifiers, in parentheses after the title.
    pub nemod: Option<String>,
    /// The code the term points to (index), as printed (`S52.5-`, `E11.9`).
    pub code: Option<String>,
    /// One code per table column (tables), `None` where the file has `--`; indexed like [`IndexBook::headings`] minus the first.
    pub cells: Vec<Option<String>>,
    pub see: Option<String>,
    pub see_also: Option<String>,
    pub see_category: Option<String>,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BookKind {
    Diseases,
    External,
    Neoplasm,
    Drug,
}

/// One index or table file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexBook {
    pub kind: BookKind,
    pub version: String,
    /// Column headings for tables (`Substance`, `Poisoning Accidental (unintentional)`, ...); empty for indexes.
    pub headings: Vec<String>,
    /// Main terms in file order, across letters.
    pub terms: Vec<Term>,
}

impl IndexBook {
    /// Read a CDC `<ICD10CM.index>` file (index or table), recognising which from its content.
    pub fn parse(data: &[u8], file: &str) -> Result<IndexBook, super::ReleaseError> {
        // Placeholder until the parser lands: an empty model.
        let _ = (data, file);
        Ok(IndexBook {
            kind: BookKind::Diseases,
            version: String::new(),
            headings: Vec::new(),
            terms: Vec::new(),
        })
    }
}
