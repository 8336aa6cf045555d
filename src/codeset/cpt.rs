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

    /// Where a code sits in `codes` (the tree names codes by position).
    pub fn position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    fn index(mut self) -> Cpt {
        self.by_code = self.codes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        self
    }

    /// Read the licensee's tab-separated layout: `code<TAB>long<TAB>medium<TAB>short`,
    /// a fifth (consumer) descriptor allowed and not kept; an optional header line.
    pub fn parse_tsv(data: &[u8], file: &str, year: &str) -> Result<Cpt, ReleaseError> {
        let err = |line: usize, message: String| ReleaseError { file: file.into(), line, column: 0, message };
        let lines = numbered_lines(data, file, "a tab-separated CPT file")?;
        let mut out = Cpt { year: year.into(), source: file.into(), ..Cpt::default() };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (line, raw) in lines {
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

    /// Add the descriptors of one fixed-width file; a code not seen yet is added.
    fn merge(&mut self, kind: Descriptor, codes: Vec<(String, String)>) {
        let at: HashMap<String, usize> =
            self.codes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        for (code, text) in codes {
            let i = *at.get(&code).unwrap_or(&self.codes.len());
            if i == self.codes.len() {
                let empty = String::new();
                self.codes.push(CptCode { code, long: empty.clone(), medium: empty.clone(), short: empty });
            }
            let c = &mut self.codes[i];
            match kind {
                Descriptor::Long => c.long = text,
                Descriptor::Medium => c.medium = text,
                Descriptor::Short => c.short = text,
            }
        }
        self.codes.sort_by(|a, b| a.code.cmp(&b.code));
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

    /// Import licensee files into the data folder (0600 in a 0700 folder),
    /// replacing an earlier import: one tab-separated file, or the fixed-width
    /// files of one licence (long, medium, short descriptors: `LONGULT.txt MEDU.txt SHORTU.txt`).
    pub fn import(paths: &[PathBuf], year: Option<&str>) -> Result<Cpt> {
        let shown = |p: &Path| sanitize(&p.display().to_string()).into_owned();
        let Some(first) = paths.first() else { anyhow::bail!("no CPT file given") };
        let year = match year {
            Some(y) => y.to_string(),
            None => paths.iter().find_map(|p| year_in_name(p)).with_context(|| {
                format!("{}: no licence year in the file name; give it with --year YYYY", shown(first))
            })?,
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            anyhow::bail!("--year {}: expected the four-digit licence year", sanitize(&year));
        }
        let mut cpt = Cpt { year: year.clone(), ..Cpt::default() };
        let mut kinds: Vec<(Descriptor, String)> = Vec::new();
        for path in paths {
            let name = shown(path);
            let data = crate::paths::read_regular(path, super::import::LIMITS.file)
                .with_context(|| format!("reading {name}"))?;
            if tab_separated(&data) {
                if paths.len() > 1 {
                    anyhow::bail!("{name}: a tab-separated file holds every descriptor; import it alone");
                }
                cpt = Cpt::parse_tsv(&data, &name, &year)?;
                break;
            }
            let codes = parse_fixed(&data, &name)?;
            let kind = fixed_kind(path, &codes);
            if let Some((_, other)) = kinds.iter().find(|(k, _)| *k == kind) {
                anyhow::bail!("{name} and {other} both hold {kind:?} descriptors; give one file of each");
            }
            kinds.push((kind, name));
            cpt.merge(kind, codes);
        }
        if !kinds.is_empty() {
            cpt.source = kinds.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
            // The title is the long descriptor; without a long file, the longest one given.
            for c in &mut cpt.codes {
                if c.long.is_empty() {
                    c.long = if c.medium.is_empty() { c.short.clone() } else { c.medium.clone() };
                }
            }
            cpt = cpt.index();
        }
        let target = Cpt::installed_path()?;
        if let Some(dir) = target.parent() {
            crate::paths::create_private_dir(dir)?;
        }
        crate::files::write_atomic(&target, &serde_json::to_vec(&cpt)?)
            .with_context(|| format!("writing {}", target.display()))?;
        Ok(cpt)
    }
}

/// Which descriptor a fixed-width file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Descriptor {
    Long,
    Medium,
    Short,
}

/// The lines of a text file with their numbers (from 1), `\r` cut, blank ones left out;
/// bytes that are not UTF-8 are an error at their line, saying the file is not `what`.
fn numbered_lines<'a>(
    data: &'a [u8],
    file: &str,
    what: &str,
) -> Result<impl Iterator<Item = (usize, &'a str)>, ReleaseError> {
    let text = std::str::from_utf8(data).map_err(|e| ReleaseError {
        file: file.into(),
        line: data[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1,
        column: 0,
        message: format!("not UTF-8 text: not {what}"),
    })?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.strip_suffix('\r').unwrap_or(raw)))
        .filter(|(_, raw)| !raw.trim().is_empty()))
}

/// Code in columns 1-5, a blank, the descriptor: `(code, descriptor)` by line.
fn parse_fixed(data: &[u8], file: &str) -> Result<Vec<(String, String)>, ReleaseError> {
    let err = |line: usize, message: String| ReleaseError { file: file.into(), line, column: 0, message };
    let lines = numbered_lines(data, file, "a CPT data file")?;
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, raw) in lines {
        let code = raw.get(..5).unwrap_or(raw).to_ascii_uppercase();
        if category(&code).is_none() {
            return Err(err(
                line,
                format!(
                    "field code (columns 1-5): `{}` is not a CPT code (fixed-width layout: the code in columns 1-5, then the descriptor)",
                    sanitize(raw.get(..5).unwrap_or(raw))
                ),
            ));
        }
        let rest = &raw[5..];
        if !rest.is_empty() && !rest.starts_with(' ') {
            return Err(err(
                line,
                format!(
                    "field code (columns 1-5): {code} runs into column 6; expected a blank before the descriptor"
                ),
            ));
        }
        let descriptor = rest.trim();
        if descriptor.is_empty() {
            return Err(err(
                line,
                format!("field descriptor (column 7 on): the descriptor of {code} is empty"),
            ));
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(err(line, format!("field code: {code} is listed again (first on line {first})")));
        }
        out.push((code, sanitize(descriptor).into_owned()));
    }
    if out.is_empty() {
        return Err(err(0, "no CPT codes in the file".into()));
    }
    Ok(out)
}

/// Whether a licensee file is the tab-separated layout: its first line with text has a tab.
fn tab_separated(data: &[u8]) -> bool {
    let first = data.split(|b| *b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace));
    first.is_none_or(|l| l.contains(&b'\t'))
}

/// The descriptor a fixed-width file holds: named by the file (`LONGULT`, `MEDU`,
/// `SHORTU`), else by its longest descriptor (the AMA's short ones fit 28
/// characters, the medium ones 48).
fn fixed_kind(path: &Path, codes: &[(String, String)]) -> Descriptor {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_uppercase()).unwrap_or_default();
    let longest = codes.iter().map(|(_, d)| d.chars().count()).max().unwrap_or(0);
    match () {
        _ if name.contains("SHORT") => Descriptor::Short,
        _ if name.contains("MED") => Descriptor::Medium,
        _ if name.contains("LONG") => Descriptor::Long,
        _ if longest <= 28 => Descriptor::Short,
        _ if longest <= 48 => Descriptor::Medium,
        _ => Descriptor::Long,
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

/// A CPT section or a Surgery subsection (body system), by the AMA's published
/// code ranges (public facts; the descriptions come only from the user's file).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Section {
    pub heading: &'static str,
    /// Inclusive code ranges; a code is in one only with the same shape (digits, `F`, `T`).
    pub ranges: &'static [(&'static str, &'static str)],
    pub parts: &'static [Section],
}

impl Section {
    fn holds(&self, code: &str) -> bool {
        let kind = |c: &str| c.as_bytes().get(4).map(|b| if b.is_ascii_digit() { b'0' } else { *b });
        code.len() == 5 && self.ranges.iter().any(|(a, b)| kind(a) == kind(code) && *a <= code && code <= *b)
    }

    /// The ranges as a row shows them (`99202-99499`, `90281-99199,99500-99607`).
    pub fn span(&self) -> String {
        let one = |(a, b): &(&str, &str)| if a == b { a.to_string() } else { format!("{a}-{b}") };
        self.ranges.iter().map(one).collect::<Vec<_>>().join(",")
    }
}

const fn part(heading: &'static str, ranges: &'static [(&'static str, &'static str)]) -> Section {
    Section { heading, ranges, parts: &[] }
}

/// The sections in the CPT book's order; Surgery by body system.
pub static SECTIONS: [Section; 8] = [
    part("Evaluation and Management", &[("99202", "99499")]),
    part("Anesthesia", &[("00100", "01999")]),
    Section {
        heading: "Surgery",
        ranges: &[("10004", "69990")],
        parts: &[
            part("General", &[("10004", "10021")]),
            part("Integumentary System", &[("10030", "19499")]),
            part("Musculoskeletal System", &[("20100", "29999")]),
            part("Respiratory System", &[("30000", "32999")]),
            part("Cardiovascular System", &[("33016", "37799")]),
            part("Hemic and Lymphatic Systems", &[("38100", "38999")]),
            part("Mediastinum and Diaphragm", &[("39000", "39599")]),
            part("Digestive System", &[("40490", "49999")]),
            part("Urinary System", &[("50010", "53899")]),
            part("Male Genital System", &[("54000", "55899")]),
            part("Reproductive System Procedures", &[("55920", "55920")]),
            part("Intersex Surgery", &[("55970", "55980")]),
            part("Female Genital System", &[("56405", "58999")]),
            part("Maternity Care and Delivery", &[("59000", "59899")]),
            part("Endocrine System", &[("60000", "60699")]),
            part("Nervous System", &[("61000", "64999")]),
            part("Eye and Ocular Adnexa", &[("65091", "68899")]),
            part("Auditory System", &[("69000", "69979")]),
            part("Operating Microscope", &[("69990", "69990")]),
        ],
    },
    part("Radiology", &[("70010", "79999")]),
    // MAAA (`0002M`) and PLA (`0001U`) codes are Pathology and Laboratory; vaccine
    // administration codes (`0001A`) are Medicine's immunization administration.
    part("Pathology and Laboratory", &[("80047", "89398"), ("0001M", "0999M"), ("0001U", "0999U")]),
    part("Medicine", &[("90281", "99199"), ("99500", "99607"), ("0001A", "0999A")]),
    part("Category II (performance measures)", &[("0001F", "9007F")]),
    part("Category III (emerging technology)", &[("0001T", "0999T")]),
];

/// Where a file's codes outside every published range are listed.
pub static UNPLACED: Section = part("Other codes in your file (outside the published ranges)", &[]);

/// The deepest section holding a code (a body system in Surgery), if any does.
pub fn place(code: &str) -> Option<&'static Section> {
    let top = SECTIONS.iter().find(|s| s.holds(code))?;
    Some(top.parts.iter().find(|p| p.holds(code)).unwrap_or(top))
}

/// The section a Surgery body system belongs to.
pub fn parent_of(section: &Section) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.parts.contains(section))
}

/// The CPT Category I section of a five-digit code (by the AMA's published ranges).
pub fn section(code: &str) -> Option<&'static str> {
    if category(code) != Some(Category::I) {
        return None;
    }
    SECTIONS.iter().find(|s| s.holds(code)).map(|s| s.heading)
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
    fn fixed_width_lines_and_which_descriptor_a_file_holds() {
        let codes = parse_fixed(b"99990 Invented widget review\r\n\n0000T Invented scan\n", "x.txt")
            .expect("two lines");
        assert_eq!(
            codes,
            [("99990".into(), "Invented widget review".into()), ("0000T".into(), "Invented scan".into())]
        );
        let e = parse_fixed(b"99990Invented\n", "x.txt").expect_err("no blank in column 6");
        assert!(
            e.to_string().starts_with("x.txt:1:0: field code (columns 1-5): 99990 runs into column 6"),
            "{e}"
        );
        let e = parse_fixed(b"99990 a\n99991   \n", "x.txt").expect_err("no descriptor");
        assert!(e.to_string().starts_with("x.txt:2:0: field descriptor"), "{e}");
        // By name first, else by the longest descriptor.
        let short = [("99990".to_string(), "INVENTED SHORT".to_string())];
        assert_eq!(fixed_kind(Path::new("CPT_MEDU.txt"), &short), Descriptor::Medium);
        assert_eq!(fixed_kind(Path::new("mine.txt"), &short), Descriptor::Short);
        let medium = [("99990".to_string(), "Invented medium descriptor, thirty-odd".to_string())];
        assert_eq!(fixed_kind(Path::new("mine.txt"), &medium), Descriptor::Medium);
        assert!(tab_separated(b"\n99990\ta\tb\tc\n") && !tab_separated(b"99990 a b\n"));
    }

    #[test]
    fn years_in_names_and_sections() {
        assert_eq!(year_in_name(Path::new("/x/CPT2026_LONGULT.txt")).as_deref(), Some("2026"));
        assert_eq!(year_in_name(Path::new("/x/medu.txt")), None);
        assert_eq!(section("99213"), Some("Evaluation and Management"));
        assert_eq!(section("45385"), Some("Surgery"));
        assert_eq!(section("0001F"), None);
        // Vaccine administration (`0150A`) is no anesthesia code, though it sorts among them.
        assert_eq!(section("0150A"), Some("Medicine"));
        assert_eq!(section("99201"), None, "between the Medicine and E/M ranges");
        assert_eq!(place("45385").map(|s| s.heading), Some("Digestive System"));
        assert_eq!(place("69989").map(|s| s.heading), Some("Surgery"), "in Surgery, no body system");
        assert_eq!(place("0001F").map(|s| s.heading), Some("Category II (performance measures)"));
        assert_eq!(place("99550").map(|s| s.heading), Some("Medicine"));
        assert_eq!(place("99990"), None);
        assert_eq!(SECTIONS[5].span(), "90281-99199,99500-99607,0001A-0999A");
        assert_eq!(place("0001U").map(|s| s.heading), Some("Pathology and Laboratory"));
        assert_eq!(place("0004M").map(|s| s.heading), Some("Pathology and Laboratory"));
        assert_eq!(place("0051A").map(|s| s.heading), Some("Medicine"));
        assert_eq!(SECTIONS[2].parts[10].span(), "55920");
        assert_eq!(place("45385").and_then(parent_of).map(|s| s.heading), Some("Surgery"));
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
