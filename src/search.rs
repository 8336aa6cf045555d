//! Search over code descriptions: the `Search` trait and its query model.
//! The tantivy implementation lives in the submodules.

use serde::Serialize;

use crate::codeset::CodeSet;

/// What a coder asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// As typed: words, abbreviations, code fragments (`diabetes w ckd`, `e11.9`, `0dtj`).
    pub text: String,
    /// Only this code set.
    pub set: Option<CodeSet>,
    /// Only billable codes.
    pub billable_only: bool,
    /// Only codes under this chapter, block or category (as printed: `4`, `E08-E13`, `E11`).
    pub within: Option<String>,
    pub limit: usize,
}

impl Query {
    pub fn new(text: impl Into<String>) -> Self {
        Query { text: text.into(), set: None, billable_only: false, within: None, limit: 50 }
    }
}

/// Which part of a code's text a hit matched, so the coder can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    /// The code itself or a code prefix.
    Code,
    Title,
    InclusionTerm,
    /// A synonym or abbreviation from `index/` expanded the query.
    Synonym,
    /// An index term pointing to the code.
    IndexTerm,
    /// A row of a book (Table of Drugs, Table of Neoplasms, an index): [`Hit::via`] says which.
    Book,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// As printed (`E11.22`, `0DTJ4ZZ`).
    pub code: String,
    pub title: String,
    pub set: CodeSet,
    pub billable: bool,
    pub score: f32,
    pub matched: Matched,
    /// Found through a book row: where (`Drug table: Acetaminophen > poisoning accidental`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Anything that answers queries: the tantivy engine, or a fixed list in tests.
pub trait Search: Send + Sync {
    fn search(&self, query: &Query) -> anyhow::Result<Vec<Hit>>;
}

pub mod books;
pub mod build;
pub mod editions;
mod engine;
pub mod fallback;
pub mod guard;
mod memo;
pub mod query;
mod rank;
pub mod schema;
mod stored;
pub mod vocab;

pub use build::{Manifest, Progress, State, Status};
pub use engine::{Damaged, Engine, Opened};

/// Where the index of an edition lives unless `--index`/MEDCODE_INDEX says otherwise.
pub fn default_dir(edition: &str) -> anyhow::Result<std::path::PathBuf> {
    Ok(crate::paths::data_dir()?.join("index").join(edition))
}

/// The index folder of an edition. `--index DIR`/MEDCODE_INDEX names a folder
/// holding one index per edition (`DIR/<edition>`), so switching editions
/// rebuilds nothing; without it, [`default_dir`].
pub fn index_dir(root: Option<&std::path::Path>, edition: &str) -> anyhow::Result<std::path::PathBuf> {
    match root {
        Some(root) => Ok(root.join(edition)),
        None => default_dir(edition),
    }
}
