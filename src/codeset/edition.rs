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
    /// CMS ICD-10-CM code-title addenda (`icd10cm_codes_addenda_YYYY.txt`: Add, Delete, Revise).
    CmAddenda,
    /// CMS ICD-10-PCS code-title addenda (`icd10pcs_codes_addenda_YYYY.txt`).
    PcsAddenda,
    /// ICD-10-PCS codes of an update whose tables are not available (`code<TAB>title`):
    /// valid from the component's date, titled, but not placed in a table.
    PcsUpdateCodes,
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

/// Today, for checking editions in force; `MEDCODE_TODAY` (YYYY-MM-DD) overrides the clock.
pub fn today() -> NaiveDate {
    std::env::var("MEDCODE_TODAY")
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// What `edition.json` in an installed edition's folder holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(flatten)]
    pub edition: Edition,
    /// The path the release was imported from.
    pub imported_from: String,
    /// When (RFC 3339).
    pub imported_at: String,
    /// What the import noted: components filled from the shipped edition, version mismatches.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Where installed editions live: `<data dir>/editions/`.
pub fn editions_dir() -> anyhow::Result<std::path::PathBuf> {
    Ok(crate::paths::data_dir()?.join("editions"))
}

/// An installed edition's folder, as listed: its manifest or why it cannot be read.
pub struct Installed {
    pub dir: std::path::PathBuf,
    pub manifest: Result<Manifest, String>,
}

/// Every folder under `editions/` that is an edition (temporary import folders skipped).
pub fn installed_editions() -> anyhow::Result<Vec<Installed>> {
    let dir = editions_dir()?;
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", dir.display()))),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let manifest = read_manifest(&entry.path()).map_err(|e| format!("{e:#}"));
        out.push(Installed { dir: entry.path(), manifest });
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(out)
}

pub fn read_manifest(dir: &std::path::Path) -> anyhow::Result<Manifest> {
    let path = dir.join("edition.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not an edition manifest", path.display()))
}

/// The shipped editions and every readable installed one, shipped first.
pub fn list_editions() -> anyhow::Result<Vec<Edition>> {
    let mut out = super::shipped::editions();
    out.extend(installed_editions()?.into_iter().filter_map(|i| i.manifest.ok()).map(|m| m.edition));
    Ok(out)
}

impl Edition {
    /// When the edition starts to be in force: its CM tabular's date, else its PCS tables'.
    pub fn starts(&self) -> Option<NaiveDate> {
        self.effective(super::CodeSet::Icd10cm).or(self.effective(super::CodeSet::Icd10pcs)).map(|(f, _)| f)
    }
}

/// The edition `open(None)` picks: the one in force today ([`today`]) among the
/// shipped and installed ones ([`in_force_on`]): `fy2027-shipped` from 2026-10-01
/// until a coder imports the full FY2027 release, which then supersedes it.
pub fn default_edition_name() -> anyhow::Result<String> {
    let editions = list_editions()?;
    Ok(in_force_on(&editions, today())
        .map_or_else(|| super::shipped::EDITION_NAME.to_string(), |e| e.name.clone()))
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

/// The name of the edition in force on `date` among the shipped and installed ones.
pub fn edition_for_date(date: NaiveDate) -> anyhow::Result<String> {
    let editions = list_editions()?;
    Ok(in_force_on(&editions, date)
        .map_or_else(|| super::shipped::EDITION_NAME.to_string(), |e| e.name.clone()))
}

/// Every edition medcode can code with, loaded on first use: what a queue of
/// records from both sides of October 1 needs (each record against the edition
/// of its own date of service).
pub struct Editions {
    list: Vec<Edition>,
    loaded: std::collections::HashMap<String, std::sync::Arc<super::Codebook>>,
}

impl Editions {
    /// The shipped and installed editions (none loaded yet).
    pub fn discover() -> anyhow::Result<Editions> {
        Ok(Editions { list: list_editions()?, loaded: Default::default() })
    }

    /// A set with one edition already loaded (the workbench's current book).
    pub fn with_loaded(book: std::sync::Arc<super::Codebook>) -> anyhow::Result<Editions> {
        let mut e = Editions::discover()?;
        e.loaded.insert(book.edition.name.clone(), book);
        Ok(e)
    }

    pub fn list(&self) -> &[Edition] {
        &self.list
    }

    /// The name of the edition in force on `date` ([`in_force_on`]).
    pub fn name_for(&self, date: NaiveDate) -> String {
        in_force_on(&self.list, date)
            .map_or_else(|| super::shipped::EDITION_NAME.to_string(), |e| e.name.clone())
    }

    /// The loaded edition of a name (loading it the first time).
    pub fn get(&mut self, name: &str) -> anyhow::Result<std::sync::Arc<super::Codebook>> {
        if let Some(b) = self.loaded.get(name) {
            return Ok(b.clone());
        }
        let book = std::sync::Arc::new(locate(Some(name))?.load()?);
        self.loaded.insert(name.to_string(), book.clone());
        Ok(book)
    }

    /// Whether medcode has an edition of this name (shipped or installed).
    pub fn has(&self, name: &str) -> bool {
        self.list.iter().any(|e| e.name == name)
    }

    /// The name of a record's edition: the one the coder chose for it
    /// (`RecordWork::edition`), else the one in force on its date of service.
    pub fn name_for_record(&self, date: NaiveDate, chosen: Option<&str>) -> String {
        chosen.map_or_else(|| self.name_for(date), str::to_string)
    }

    /// The loaded edition of a record ([`Editions::name_for_record`]).
    pub fn for_record(
        &mut self,
        date: NaiveDate,
        chosen: Option<&str>,
    ) -> anyhow::Result<std::sync::Arc<super::Codebook>> {
        let name = self.name_for_record(date, chosen);
        self.get(&name)
    }

    /// The loaded edition in force on `date` (a record's `date_of_service`).
    pub fn for_date(&mut self, date: NaiveDate) -> anyhow::Result<std::sync::Arc<super::Codebook>> {
        let name = self.name_for(date);
        self.get(&name)
    }
}

/// Where an edition's files are: built in, or an installed folder.
#[derive(Debug, Clone)]
pub struct Located {
    pub edition: Edition,
    /// `None` for the shipped edition.
    pub dir: Option<std::path::PathBuf>,
}

/// Find an edition by name without loading it (`None`: the default,
/// [`default_edition_name`]); an unknown name lists the available ones.
pub fn locate(name: Option<&str>) -> anyhow::Result<Located> {
    let name = match name {
        Some(n) => n.to_string(),
        None => default_edition_name()?,
    };
    if let Some(edition) = super::shipped::edition_named(&name) {
        return Ok(Located { edition, dir: None });
    }
    for inst in installed_editions()? {
        if inst.dir.file_name().is_some_and(|f| f.to_string_lossy() == name) {
            let manifest = inst.manifest.map_err(|e| {
                anyhow::anyhow!(
                    "edition {name}: {e} (re-import it, or use `--edition {}`)",
                    super::shipped::EDITION_NAME
                )
            })?;
            return Ok(Located { edition: manifest.edition, dir: Some(inst.dir) });
        }
    }
    let names: Vec<String> = list_editions()?.into_iter().map(|e| e.name).collect();
    anyhow::bail!("no edition named `{name}`; available: {} (see `medcode codesets list`)", names.join(", "))
}

impl Located {
    /// Load the code sets of this edition.
    pub fn load(&self) -> anyhow::Result<super::Codebook> {
        match &self.dir {
            None => super::shipped::load_edition(&self.edition.name)
                .with_context(|| format!("loading the shipped edition {}", self.edition.name)),
            Some(dir) => load_installed(dir).with_context(|| {
                format!(
                    "loading edition {} (re-import it, or use `--edition {}`)",
                    self.edition.name,
                    super::shipped::EDITION_NAME
                )
            }),
        }
    }
}

impl super::Codebook {
    /// Load an edition: `None` the default ([`default_edition_name`]), `Some(name)`
    /// that one (`fy2026-shipped` and `fy2027-shipped` are built in).
    pub fn open(name: Option<&str>) -> anyhow::Result<super::Codebook> {
        locate(name)?.load()
    }
}

/// Read one stored component file: gunzip when stored compressed, check its sha256.
pub fn read_component(dir: &std::path::Path, c: &Component) -> anyhow::Result<Vec<u8>> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let path = dir.join(&c.file);
    let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let data = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 6);
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("{}: damaged gzip data", path.display()))?;
        out
    } else {
        raw
    };
    let digest = hex::encode(Sha256::digest(&data));
    if digest != c.sha256 {
        anyhow::bail!("{}: damaged (sha256 {digest}, the manifest says {})", path.display(), c.sha256);
    }
    Ok(data)
}

/// Load an installed edition's folder with the same parsers as the shipped files.
pub fn load_installed(dir: &std::path::Path) -> anyhow::Result<super::Codebook> {
    let manifest = read_manifest(dir)?;
    let edition = manifest.edition;
    let mut files = std::collections::HashMap::new();
    for c in &edition.components {
        files.insert(c.kind, (read_component(dir, c)?, c.file.clone()));
    }
    super::import::build_codebook(edition, &files)
}

use anyhow::Context as _;

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
    fn a_record_s_chosen_edition_wins_over_its_date() {
        let eds = Editions { list: shipped::editions(), loaded: Default::default() };
        assert_eq!(eds.name_for_record(d("2026-10-02"), None), FY2027);
        assert_eq!(eds.name_for_record(d("2026-10-02"), Some(FY2026)), FY2026);
        assert!(eds.has(FY2026) && eds.has(FY2027) && !eds.has("fy1999"));
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
