//! Editions: which release a loaded code set comes from, and when it is in force.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a release file holds, recognised from its content, never its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// CDC `<ICD10CM.tabular>`.
    CmTabular,
    /// CDC Alphabetic Index to Diseases and Injuries (`<ICD10CM.index>` with main terms, no table heading).
    CmIndex,
    /// CDC Index to External Causes (same schema as the Alphabetic Index).
    CmExternal,
    /// CDC Table of Neoplasms (`<ICD10CM.index>` with an `<indexHeading>` of neoplasm columns).
    CmNeoplasm,
    /// CDC Table of Drugs and Chemicals (`<ICD10CM.index>` with an `<indexHeading>` of poisoning columns).
    CmDrug,
    /// CMS `<ICD10PCS.tabular>`.
    PcsTables,
    /// CMS `<ICD10PCS.index>`.
    PcsIndex,
    /// CMS `<ICD10PCS.definitions>`.
    PcsDefinitions,
    /// CMS long titles: the order file (`icd10pcs_order_YYYY.txt`) or a `code<TAB>title` list.
    PcsTitles,
}

impl FileKind {
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::CmTabular => "ICD-10-CM Tabular List",
            FileKind::CmIndex => "ICD-10-CM Alphabetic Index",
            FileKind::CmExternal => "ICD-10-CM Index to External Causes",
            FileKind::CmNeoplasm => "ICD-10-CM Table of Neoplasms",
            FileKind::CmDrug => "ICD-10-CM Table of Drugs and Chemicals",
            FileKind::PcsTables => "ICD-10-PCS Tables",
            FileKind::PcsIndex => "ICD-10-PCS Index",
            FileKind::PcsDefinitions => "ICD-10-PCS Definitions",
            FileKind::PcsTitles => "ICD-10-PCS long titles",
        }
    }
}

/// One release file of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub kind: FileKind,
    /// The `<version>` inside the file (e.g. `2026`).
    pub version: String,
    /// What the coder sees, e.g. `FY2026, April 1, 2026 update`.
    pub label: String,
    pub effective_from: NaiveDate,
    pub effective_to: NaiveDate,
    /// Where the file came from (a URL, a package, or the path it was imported from).
    pub source: String,
    /// The file name inside the edition.
    pub file: String,
    /// sha256 of the uncompressed file.
    pub sha256: String,
}

/// A named set of release files loaded together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    pub name: String,
    /// True for the edition built into the binary.
    pub shipped: bool,
    pub components: Vec<Component>,
}

impl Edition {
    pub fn component(&self, kind: FileKind) -> Option<&Component> {
        self.components.iter().find(|c| c.kind == kind)
    }

    /// The effective period of the tabular list of a code set, the one a date of service is checked against.
    pub fn effective(&self, set: super::CodeSet) -> Option<(NaiveDate, NaiveDate)> {
        let kind = match set {
            super::CodeSet::Icd10cm => FileKind::CmTabular,
            super::CodeSet::Icd10pcs => FileKind::PcsTables,
        };
        self.component(kind).map(|c| (c.effective_from, c.effective_to))
    }

    /// One line for status bars and outputs: `fy2026: ICD-10-CM FY2026 (2026-04-01..2026-09-30), ICD-10-PCS FY2026 (...)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for set in super::CodeSet::ALL {
            let kind = match set {
                super::CodeSet::Icd10cm => FileKind::CmTabular,
                super::CodeSet::Icd10pcs => FileKind::PcsTables,
            };
            if let Some(c) = self.component(kind) {
                parts.push(format!(
                    "{} {} ({} to {})",
                    match set {
                        super::CodeSet::Icd10cm => "ICD-10-CM",
                        super::CodeSet::Icd10pcs => "ICD-10-PCS",
                    },
                    c.label,
                    c.effective_from,
                    c.effective_to
                ));
            }
        }
        format!("{}: {}", self.name, parts.join("; "))
    }

    /// Whether `date` falls outside the effective period of `set` in this edition.
    pub fn is_in_force(&self, set: super::CodeSet, date: NaiveDate) -> bool {
        self.effective(set).is_some_and(|(from, to)| from <= date && date <= to)
    }
}
