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
