//! Editions: which release files a loaded code set comes from, and when it is in force.

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
    /// CMS ICD-10-CM code-title addenda (`icd10cm_codes_addenda_YYYY.txt`: Add, Delete, Revise).
    CmAddenda,
    /// CMS ICD-10-PCS code-title addenda (`icd10pcs_codes_addenda_YYYY.txt`).
    PcsAddenda,
    /// ICD-10-PCS codes of an update whose tables are not available (`code<TAB>title`):
    /// valid from the component's date, titled, but not placed in a table.
    PcsUpdateCodes,
    /// CMS HCPCS Level II alpha-numeric file (`HCPCYYYY_MMM_ANWEB.xlsx`): codes and modifiers.
    Hcpcs,
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
            FileKind::CmAddenda => "ICD-10-CM code addenda",
            FileKind::PcsAddenda => "ICD-10-PCS code addenda",
            FileKind::PcsUpdateCodes => "ICD-10-PCS update codes (no tables)",
            FileKind::Hcpcs => "HCPCS Level II codes and modifiers",
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
        self.component(Self::main_kind(set)?).map(|c| (c.effective_from, c.effective_to))
    }

    /// The file that holds a set's codes (none for CPT: the user's own import, outside editions).
    fn main_kind(set: super::CodeSet) -> Option<FileKind> {
        Some(match set {
            super::CodeSet::Icd10cm => FileKind::CmTabular,
            super::CodeSet::Icd10pcs => FileKind::PcsTables,
            super::CodeSet::Hcpcs => FileKind::Hcpcs,
            super::CodeSet::Cpt => return None,
        })
    }

    /// One line for status bars and outputs: `fy2026: ICD-10-CM FY2026 (2026-04-01..2026-09-30), ICD-10-PCS FY2026 (...)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        // The ICD-10 files decide which edition is in force; HCPCS is in `codesets list`.
        for set in super::CodeSet::ICD10 {
            if let Some(c) = Self::main_kind(set).and_then(|k| self.component(k)) {
                parts.push(format!(
                    "{} {} ({} to {})",
                    set.label(),
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

/// The effective period of a release by the agencies' fiscal year: FY N runs
/// from N-1-10-01 to N-09-30; an April update of FY N from N-04-01.
pub fn fiscal_year_dates(version: &str, april: bool) -> Option<(NaiveDate, NaiveDate)> {
    let year: i32 = version.trim().get(..4)?.parse().ok()?;
    if !(2000..=2100).contains(&year) {
        return None;
    }
    let from =
        if april { NaiveDate::from_ymd_opt(year, 4, 1)? } else { NaiveDate::from_ymd_opt(year - 1, 10, 1)? };
    Some((from, NaiveDate::from_ymd_opt(year, 9, 30)?))
}

/// The label of a release file by its `<version>`: `FY2026`, or `FY2026,
/// April 1, 2026 update`. Imports and the shipped editions label their files with it.
pub fn label_for(_kind: FileKind, version: &str, april: bool) -> String {
    if april { format!("FY{version}, April 1, {version} update") } else { format!("FY{version}") }
}

/// Today, for checking editions in force; `MEDCODE_TODAY` (YYYY-MM-DD) overrides the clock.
pub fn today() -> NaiveDate {
    std::env::var("MEDCODE_TODAY")
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

impl Edition {
    /// When the edition starts to be in force: its CM tabular's date, else its PCS tables'.
    pub fn starts(&self) -> Option<NaiveDate> {
        self.effective(super::CodeSet::Icd10cm).or(self.effective(super::CodeSet::Icd10pcs)).map(|(f, _)| f)
    }
}

/// How well an edition fits a date of service, best last: its ICD-10-CM tabular
/// in force, else its ICD-10-PCS tables, else neither; then an imported release
/// before a shipped one (a full release supersedes an assembled or older one);
/// then the later start.
fn fit(e: &Edition, date: NaiveDate) -> (u8, bool, Option<NaiveDate>) {
    let level = if e.is_in_force(super::CodeSet::Icd10cm, date) {
        2
    } else if e.is_in_force(super::CodeSet::Icd10pcs, date) {
        1
    } else {
        0
    };
    (level, !e.shipped, e.starts())
}

/// The edition in force on a date of service (for an inpatient stay, the discharge
/// date, as CMS assigns the code set): among `editions`, the one whose ICD-10-CM
/// tabular covers the date, else whose ICD-10-PCS tables do; an imported release
/// wins over a shipped edition of the same period. With none in force, the latest
/// that started on or before the date, else the earliest.
pub fn in_force_on(editions: &[Edition], date: NaiveDate) -> Option<&Edition> {
    let best = editions.iter().filter(|e| fit(e, date).0 > 0).max_by_key(|e| fit(e, date));
    best.or_else(|| {
        editions.iter().filter(|e| e.starts().is_some_and(|s| s <= date)).max_by_key(|e| fit(e, date))
    })
    .or_else(|| editions.iter().min_by_key(|e| e.starts()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::shipped::{self, FY2026, FY2027};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn pick(editions: &[Edition], date: &str) -> String {
        in_force_on(editions, d(date)).map(|e| e.name.clone()).unwrap_or_default()
    }

    #[test]
    fn edition_by_date_of_service() {
        let shipped = shipped::editions();
        assert_eq!(pick(&shipped, "2026-09-30"), FY2026);
        assert_eq!(pick(&shipped, "2026-10-01"), FY2027);
        assert_eq!(pick(&shipped, "2026-12-01"), FY2027);
        // Before April 2026 only FY2026's PCS tables are in force: still FY2026.
        assert_eq!(pick(&shipped, "2025-11-15"), FY2026);
        // Beyond every edition: the latest one.
        assert_eq!(pick(&shipped, "2028-01-01"), FY2027);
        // Before every edition: the earliest.
        assert_eq!(pick(&shipped, "2020-01-01"), FY2026);
    }

    #[test]
    fn a_full_import_supersedes_the_assembled_edition() {
        let mut editions = shipped::editions();
        let mut imported = shipped::edition_named(FY2027).expect("shipped");
        imported.name = "fy2027".into();
        imported.shipped = false;
        editions.push(imported);
        assert_eq!(pick(&editions, "2026-10-01"), "fy2027");
        assert_eq!(pick(&editions, "2026-09-30"), FY2026);
    }

    #[test]
    fn a_stay_crossing_october_first_takes_the_discharge_date() {
        // Admitted 2026-09-28, discharged 2026-10-03: the record's date of service is the discharge date.
        let rec: crate::queue::record::Record = serde_json::from_value(serde_json::json!({
            "id": "R1", "encounter_type": "inpatient", "date_of_service": "2026-10-03",
            "admission_date": "2026-09-28", "discharge_date": "2026-10-03",
            "patient_age": 60, "patient_sex": "F", "provider": "Dr A", "documentation": "x"
        }))
        .expect("a record");
        assert_eq!(pick(&shipped::editions(), &rec.date_of_service.to_string()), FY2027);
        let admitted = rec.admission_date.expect("admission date");
        assert_eq!(pick(&shipped::editions(), &admitted.to_string()), FY2026);
    }
}
