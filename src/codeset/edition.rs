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

/// The shipped edition and every readable installed one, shipped first.
pub fn list_editions() -> anyhow::Result<Vec<Edition>> {
    let mut out = vec![super::shipped::edition()];
    out.extend(installed_editions()?.into_iter().filter_map(|i| i.manifest.ok()).map(|m| m.edition));
    Ok(out)
}

impl Edition {
    /// When the edition starts to be in force: its CM tabular's date, else its PCS tables'.
    pub fn starts(&self) -> Option<NaiveDate> {
        self.effective(super::CodeSet::Icd10cm).or(self.effective(super::CodeSet::Icd10pcs)).map(|(f, _)| f)
    }
}

/// The edition `open(None)` picks: the newest by effective date among the
/// shipped one and the installed ones (an installed one wins a tie).
pub fn default_edition_name() -> anyhow::Result<String> {
    let mut best: Option<Edition> = None;
    for e in list_editions()? {
        let newer = match &best {
            None => true,
            Some(b) => e.starts() >= b.starts(),
        };
        if newer {
            best = Some(e);
        }
    }
    Ok(best.map_or_else(|| super::shipped::EDITION_NAME.to_string(), |e| e.name))
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
    if name == super::shipped::EDITION_NAME {
        return Ok(Located { edition: super::shipped::edition(), dir: None });
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
            None => super::shipped::load().context("loading the shipped edition"),
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
    /// that one (`fy2026-shipped` is the one built in).
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
