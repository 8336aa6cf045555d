//! CPT (the AMA's): never shipped. medcode knows the shape of its codes, so a
//! CPT code is answered as CPT instead of as the nearest ICD-10 code, and reads
//! a licensee's own data file (`medcode codesets import-cpt FILE`) into the
//! user's data folder, owner-only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::ReleaseError;
use crate::text::sanitize;

/// What a coder is told when a CPT code is asked for and none is loaded.
pub const NOT_LOADED: &str =
    "CPT is not loaded: import your licensed AMA file with medcode codesets import-cpt FILE";

/// The CPT categories, told apart by the fifth character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Five digits (`99213`); also four digits and `A` (vaccine
    /// administration), `M` (multianalyte assays) or `U` (proprietary lab analyses).
    I,
    /// Four digits and `F`: performance measures.
    II,
    /// Four digits and `T`: emerging technology.
    III,
}

/// The category of a normalized key with the shape of a CPT code, if it has one.
pub fn category(key: &str) -> Option<Category> {
    let b = key.as_bytes();
    if b.len() != 5 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    match b[4] {
        b'0'..=b'9' | b'A' | b'M' | b'U' => Some(Category::I),
        b'F' => Some(Category::II),
        b'T' => Some(Category::III),
        _ => None,
    }
}

/// One CPT code with the licensee file's descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CptCode {
    pub code: String,
    pub long: String,
    pub medium: String,
    pub short: String,
}

/// The CPT codes of a licensed file, with its licence year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cpt {
    /// The year of the AMA licence the file comes with (`2026`).
    pub year: String,
    /// Where it was imported from.
    pub source: String,
    pub codes: Vec<CptCode>,
    #[serde(skip)]
    by_code: HashMap<String, usize>,
}

/// The file an import writes in the data folder.
const INSTALLED: &str = "cpt/cpt.json";

impl Cpt {
    pub fn get(&self, code: &str) -> Option<&CptCode> {
        self.by_code.get(code).map(|i| &self.codes[*i])
    }

    fn index(mut self) -> Cpt {
        self.by_code = self.codes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        self
    }

    /// Read the licensee's tab-separated layout: `code<TAB>long<TAB>medium<TAB>short`,
    /// a fifth (consumer) descriptor allowed and not kept; an optional header line.
    pub fn parse_tsv(data: &[u8], file: &str, year: &str) -> Result<Cpt, ReleaseError> {
        let err = |line: usize, message: String| ReleaseError { file: file.into(), line, column: 0, message };
        let text = std::str::from_utf8(data).map_err(|e| {
            let line = data[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            err(line, "not UTF-8 text: not a tab-separated CPT file".into())
        })?;
        let mut out = Cpt { year: year.into(), source: file.into(), ..Cpt::default() };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
            if line == 1
                && category(&fields[0].to_ascii_uppercase()).is_none()
                && fields[0].to_ascii_lowercase().contains("code")
            {
                continue;
            }
            if !(4..=5).contains(&fields.len()) {
                return Err(err(
                    line,
                    format!(
                        "{} tab-separated field(s); expected 4 (code, long, medium, short descriptor) or 5 (and consumer)",
                        fields.len()
                    ),
                ));
            }
            let code = fields[0].to_ascii_uppercase();
            if category(&code).is_none() {
                return Err(err(
                    line,
                    format!(
                        "field code: `{}` is not a CPT code (5 characters: 99213, 0001F, 0001T)",
                        sanitize(fields[0])
                    ),
                ));
            }
            for (n, name) in [(1, "long"), (2, "medium"), (3, "short")] {
                if fields[n].is_empty() {
                    return Err(err(line, format!("field {name}: the {name} descriptor of {code} is empty")));
                }
            }
            if let Some(first) = seen.insert(code.clone(), line) {
                return Err(err(line, format!("field code: {code} is listed again (first on line {first})")));
            }
            let d = |n: usize| sanitize(fields[n]).into_owned();
            out.codes.push(CptCode { code, long: d(1), medium: d(2), short: d(3) });
        }
        if out.codes.is_empty() {
            return Err(err(0, "no CPT codes in the file".into()));
        }
        Ok(out.index())
    }

    /// Where an import keeps the user's CPT codes.
    pub fn installed_path() -> Result<PathBuf> {
        Ok(crate::paths::data_dir()?.join(INSTALLED))
    }

    /// The user's imported CPT codes, if any.
    pub fn installed() -> Result<Option<Cpt>> {
        let path = Cpt::installed_path()?;
        if !path.exists() {
            return Ok(None);
        }
        let data = crate::paths::read_regular(&path, super::import::LIMITS.file)
            .with_context(|| format!("reading {}", path.display()))?;
        let cpt: Cpt = serde_json::from_slice(&data)
            .with_context(|| format!("{}: not medcode's CPT file (import it again)", path.display()))?;
        Ok(Some(cpt.index()))
    }

    /// Import a licensee file into the data folder (0600 in a 0700 folder), replacing an earlier import.
    pub fn import(path: &Path, year: Option<&str>) -> Result<Cpt> {
        let shown = sanitize(&path.display().to_string()).into_owned();
        let year = match year {
            Some(y) => y.to_string(),
            None => year_in_name(path).with_context(|| {
                format!("{shown}: no licence year in the file name; give it with --year YYYY")
            })?,
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            anyhow::bail!("--year {}: expected the four-digit licence year", sanitize(&year));
        }
        let data = crate::paths::read_regular(path, super::import::LIMITS.file)
            .with_context(|| format!("reading {shown}"))?;
        let cpt = Cpt::parse_tsv(&data, &shown, &year)?;
        let target = Cpt::installed_path()?;
        if let Some(dir) = target.parent() {
            crate::paths::create_private_dir(dir)?;
        }
        crate::files::write_atomic(&target, &serde_json::to_vec(&cpt)?)
            .with_context(|| format!("writing {}", target.display()))?;
        Ok(cpt)
    }
}

/// The sha256 of the user's imported CPT file, if there is one (what the search index was built with).
pub fn installed_sha256() -> Option<String> {
    use sha2::Digest;
    let path = Cpt::installed_path().ok()?;
    let data = crate::paths::read_regular(&path, super::import::LIMITS.file).ok()?;
    Some(hex::encode(sha2::Sha256::digest(&data)))
}

/// A licence year in a file name (`CPT2026_LONGULT.txt` -> `2026`).
fn year_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let w = &b[i..i + 4];
        let alone = |j: Option<&u8>| j.is_none_or(|c| !c.is_ascii_digit());
        (w.starts_with(b"20")
            && w.iter().all(u8::is_ascii_digit)
            && alone(b.get(i + 4))
            && (i == 0 || alone(b.get(i - 1))))
        .then(|| name[i..i + 4].to_string())
    })
}

/// The CPT Category I section of a five-digit code (by the AMA's published ranges).
pub fn section(code: &str) -> Option<&'static str> {
    if category(code) != Some(Category::I) {
        return None;
    }
    let n: u32 = code.parse().ok()?;
    Some(match n {
        100..=1999 => "Anesthesia",
        10004..=69990 => "Surgery",
        70010..=79999 => "Radiology",
        80047..=89398 => "Pathology and Laboratory",
        99202..=99499 => "Evaluation and Management",
        90281..=99607 => "Medicine",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_layouts_name_file_line_and_field() {
        let three = b"99990\tInvented long\tInvented medium\n";
        let e = Cpt::parse_tsv(three, "mine.tsv", "2026").expect_err("three fields");
        assert!(e.to_string().starts_with("mine.tsv:1:0: 3 tab-separated field(s)"), "{e}");
        let bad_code = b"99990\ta\tb\tc\nJ1100\ta\tb\tc\n";
        let e = Cpt::parse_tsv(bad_code, "mine.tsv", "2026").expect_err("an HCPCS code");
        assert!(e.to_string().starts_with("mine.tsv:2:0: field code: `J1100` is not a CPT code"), "{e}");
        let empty = b"99990\ta\t\tc\n";
        let e = Cpt::parse_tsv(empty, "mine.tsv", "2026").expect_err("empty medium");
        assert!(e.to_string().starts_with("mine.tsv:1:0: field medium:"), "{e}");
        let twice = b"99990\ta\tb\tc\n99990\ta\tb\tc\n";
        let e = Cpt::parse_tsv(twice, "mine.tsv", "2026").expect_err("twice");
        assert!(e.to_string().contains("first on line 1"), "{e}");
    }

    #[test]
    fn years_in_names_and_sections() {
        assert_eq!(year_in_name(Path::new("/x/CPT2026_LONGULT.txt")).as_deref(), Some("2026"));
        assert_eq!(year_in_name(Path::new("/x/medu.txt")), None);
        assert_eq!(section("99213"), Some("Evaluation and Management"));
        assert_eq!(section("45385"), Some("Surgery"));
        assert_eq!(section("0001F"), None);
    }

    #[test]
    fn cpt_shapes_by_category() {
        assert_eq!(category("99213"), Some(Category::I));
        assert_eq!(category("0001F"), Some(Category::II));
        assert_eq!(category("0001T"), Some(Category::III));
        assert_eq!(category("0001U"), Some(Category::I));
        // HCPCS Level II, ICD-10-PCS and short keys are not CPT-shaped.
        for key in ["J1100", "0DTJ4ZZ", "9921", "0001U1", "0001X"] {
            assert_eq!(category(key), None, "{key}");
        }
    }
}
