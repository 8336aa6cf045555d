//! HCPCS Level II: the CMS alpha-numeric file (`HCPCYYYY_MMM_ANWEB.xlsx`),
//! one row a code (RECID 3) or modifier (RECID 7), read by its header names so
//! a quarter that moves a column still loads.
//!
//! Codes are grouped in CMS's sections by their first letter (A to V); the
//! sections are the roots of the HCPCS tree.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::ReleaseError;
use crate::text::sanitize;

/// One HCPCS Level II code or modifier with what the CMS file says of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HcpcsCode {
    pub code: String,
    pub long: String,
    pub short: String,
    /// `ADD DT`: when the code entered HCPCS.
    pub added: Option<NaiveDate>,
    /// `ACT EFF DT`: when the action code took effect.
    pub effective: Option<NaiveDate>,
    /// `TERM DT`: the last date the code may be used, when it is terminated.
    pub terminated: Option<NaiveDate>,
    /// `ACTION CD`: N no change, A added, C changed, D discontinued, ...
    pub action: String,
    /// `COV`: Medicare coverage indicator (C carrier judgement, D special coverage, I not payable, M non-covered, S statutory exclusion).
    pub coverage: String,
    /// `PRICE1`-`PRICE4`: pricing indicators.
    pub pricing: Vec<String>,
    /// `BETOS`: Berenson-Eggers type of service.
    pub betos: String,
    /// `TOS1`-`TOS5`: type of service.
    pub tos: Vec<String>,
    /// `XREF1`-`XREF5`: codes CMS cross-references.
    pub xref: Vec<String>,
}

impl HcpcsCode {
    /// Whether the code may be billed on `date` (no termination date, or on or before it).
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.terminated.is_none_or(|t| date <= t) && self.effective.is_none_or(|e| e <= date)
    }
}

impl HcpcsCode {
    /// What the CMS file says of a code (`modifier` false: its section and
    /// indicators too), as (label, value) lines for `show` and the detail pane.
    pub fn facts(&self, modifier: bool) -> Vec<(&'static str, String)> {
        let date = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
        let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(" ") };
        let mut out = Vec::new();
        if let Some(s) = section_of(&self.code).filter(|_| !modifier) {
            out.push(("Section", format!("{}  {}", s.letter, s.heading)));
        }
        out.push((
            "Status",
            match self.terminated {
                Some(t) => format!("terminated {t}: not valid for services after that date"),
                None => "valid".to_string(),
            },
        ));
        out.push(("Added", date(self.added)));
        let action = with_meaning(&self.action, action_meaning(&self.action));
        out.push(("Effective", format!("{} (action {action})", date(self.effective))));
        if modifier {
            return out;
        }
        out.push(("Coverage", with_meaning(&self.coverage, coverage_meaning(&self.coverage))));
        out.push(("Pricing", list(&self.pricing)));
        out.push(("BETOS", if self.betos.is_empty() { "-".to_string() } else { self.betos.clone() }));
        out.push(("Type of service", list(&self.tos)));
        if !self.xref.is_empty() {
            out.push(("See also", self.xref.join(" ")));
        }
        out
    }
}

/// What CMS's action code says changed this quarter.
pub fn action_meaning(code: &str) -> &'static str {
    match code {
        "A" => "added",
        "B" => "administrative data and long description changed",
        "C" => "long description changed",
        "D" => "discontinued",
        "F" => "administrative data changed",
        "N" => "no change",
        "P" => "payment changed",
        "R" => "reactivated",
        "S" => "short description changed",
        "T" => "miscellaneous change",
        _ => "",
    }
}

/// What CMS's coverage indicator says about Medicare coverage.
pub fn coverage_meaning(code: &str) -> &'static str {
    match code {
        "C" => "carrier judgement",
        "D" => "special coverage instructions apply",
        "I" => "not payable by Medicare",
        "M" => "non-covered by Medicare",
        "S" => "non-covered by Medicare statute",
        _ => "",
    }
}

fn with_meaning(code: &str, meaning: &str) -> String {
    if meaning.is_empty() { code.to_string() } else { format!("{code} ({meaning})") }
}

/// A modifier (`25`, `LT`, `JW`) has the same row as a code in the CMS file;
/// its indicators are blank or administrative.
pub type Modifier = HcpcsCode;

/// A section of HCPCS Level II: a first letter and its CMS heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub letter: char,
    pub heading: &'static str,
}

/// CMS's Level II sections by first letter (D, CDT dental codes, is the ADA's
/// and not in the CMS file; I, N, O, W to Z are unused).
pub const SECTIONS: [Section; 17] = [
    Section {
        letter: 'A',
        heading: "Transportation Services, Medical and Surgical Supplies, Administrative, Miscellaneous and Investigational",
    },
    Section { letter: 'B', heading: "Enteral and Parenteral Therapy" },
    Section { letter: 'C', heading: "Outpatient Prospective Payment System (Temporary Codes)" },
    Section { letter: 'E', heading: "Durable Medical Equipment" },
    Section { letter: 'G', heading: "Procedures/Professional Services (Temporary)" },
    Section { letter: 'H', heading: "Alcohol and Drug Abuse Treatment Services, Rehabilitative Services" },
    Section { letter: 'J', heading: "Drugs Administered Other Than Oral Method, Chemotherapy Drugs" },
    Section { letter: 'K', heading: "Temporary Codes (DME MACs)" },
    Section { letter: 'L', heading: "Orthotic and Prosthetic Procedures, Devices" },
    Section { letter: 'M', heading: "Medical Services, Quality Measures" },
    Section { letter: 'P', heading: "Pathology and Laboratory Services" },
    Section { letter: 'Q', heading: "Temporary Codes" },
    Section { letter: 'R', heading: "Diagnostic Radiology Services" },
    Section { letter: 'S', heading: "Temporary National Codes (Non-Medicare)" },
    Section { letter: 'T', heading: "National Codes Established for State Medicaid Agencies" },
    Section { letter: 'U', heading: "Coronavirus Diagnostic Panel" },
    Section { letter: 'V', heading: "Vision, Hearing and Speech-Language Pathology Services" },
];

/// The section of a code by its first letter.
pub fn section_of(code: &str) -> Option<&'static Section> {
    let letter = code.chars().next()?.to_ascii_uppercase();
    SECTIONS.iter().find(|s| s.letter == letter)
}

/// How an edition names an HCPCS quarter: `October 2025 quarter (Q4 2025)`.
pub fn quarter_label(year: i32, month: u32) -> String {
    let name = ["January", "April", "July", "October"][((month.clamp(1, 12) - 1) / 3) as usize];
    format!("{name} {year} quarter (Q{} {year})", (month.clamp(1, 12) - 1) / 3 + 1)
}

/// The year and quarter (1-4) of an HCPCS component's version (`2025-10` -> 2025, 4).
pub fn quarter_of_version(version: &str) -> Option<(i32, u32)> {
    let (y, m) = version.split_once('-')?;
    let month: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some((y.parse().ok()?, (month - 1) / 3 + 1))
}

/// Whether a normalized key has the shape of an HCPCS Level II code: a letter then four digits.
pub fn is_level2_shape(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

/// The loaded HCPCS Level II file.
#[derive(Debug, Clone, Default)]
pub struct Hcpcs {
    /// In the file's order (code order).
    pub codes: Vec<HcpcsCode>,
    pub modifiers: Vec<Modifier>,
    by_code: HashMap<String, usize>,
    by_modifier: HashMap<String, usize>,
}

impl Hcpcs {
    pub fn get(&self, code: &str) -> Option<&HcpcsCode> {
        self.by_code.get(code).map(|i| &self.codes[*i])
    }

    pub fn modifier(&self, code: &str) -> Option<&Modifier> {
        self.by_modifier.get(code).map(|i| &self.modifiers[*i])
    }

    /// Where a code sits in `codes` (the tree names codes by position).
    pub fn position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Where a modifier sits in `modifiers`.
    pub fn modifier_position(&self, code: &str) -> Option<usize> {
        self.by_modifier.get(code).copied()
    }

    /// The codes of a section, in code order.
    pub fn in_section(&self, letter: char) -> impl Iterator<Item = &HcpcsCode> {
        self.codes.iter().filter(move |c| c.code.starts_with(letter))
    }

    /// Parse either CMS alpha-numeric file, told apart by content: the xlsx (a
    /// zip) or its fixed-width txt twin.
    pub fn parse(data: &[u8], file: &str) -> Result<Hcpcs, ReleaseError> {
        if data.starts_with(b"PK") { Hcpcs::parse_xlsx(data, file) } else { Hcpcs::parse_txt(data, file) }
    }

    /// Parse the fixed-width txt twin (`HCPCYYYY_MMM_ANWEB.txt`): the columns of
    /// the xlsx at the positions of CMS's record layout, one line a record.
    pub fn parse_txt(data: &[u8], file: &str) -> Result<Hcpcs, ReleaseError> {
        // Latin-1 in some quarters: a byte that is not UTF-8 is read as its code point.
        let text: String = match std::str::from_utf8(data) {
            Ok(t) => t.to_string(),
            Err(_) => data.iter().map(|b| char::from(*b)).collect(),
        };
        let header: Vec<String> = TXT_LAYOUT.iter().map(|(name, _, _)| name.to_string()).collect();
        let mut rows = vec![(0, header)];
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let chars: Vec<char> = line.trim_end_matches('\r').chars().collect();
            if chars.iter().all(|c| c.is_whitespace()) {
                continue;
            }
            if chars.len() < TXT_MIN {
                return Err(ReleaseError {
                    file: file.into(),
                    line: line_no,
                    column: chars.len() + 1,
                    message: format!(
                        "field ACTION CD (column {TXT_MIN}): the line ends at column {}: not CMS's fixed-width HCPCS layout",
                        chars.len()
                    ),
                });
            }
            let cells = TXT_LAYOUT
                .iter()
                .map(|(_, from, len)| chars.iter().skip(from - 1).take(*len).collect::<String>())
                .collect();
            rows.push((line_no, cells));
        }
        Hcpcs::from_rows(rows, file)
    }

    /// The quarter the file holds: the latest action effective date's (year, first month).
    pub fn quarter(&self) -> Option<(i32, u32)> {
        use chrono::Datelike;
        let latest = self.codes.iter().chain(&self.modifiers).filter_map(|c| c.effective).max()?;
        Some((latest.year(), (latest.month() - 1) / 3 * 3 + 1))
    }

    /// Parse the CMS alpha-numeric xlsx; `file` names it in errors.
    pub fn parse_xlsx(data: &[u8], file: &str) -> Result<Hcpcs, ReleaseError> {
        let err = |line: usize, message: String| ReleaseError { file: file.into(), line, column: 0, message };
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data))
            .map_err(|e| err(0, format!("not an xlsx workbook: {e}")))?;
        let mut part = |name: &str| -> Result<Vec<u8>, ReleaseError> {
            let mut entry =
                zip.by_name(name).map_err(|e| err(0, format!("no {name} in the workbook: {e}")))?;
            let mut out = Vec::new();
            // A workbook part larger than the import's file limit is refused, not read.
            let limit = super::import::LIMITS.file;
            (&mut entry).take(limit + 1).read_to_end(&mut out).map_err(|e| err(0, format!("{name}: {e}")))?;
            if out.len() as u64 > limit {
                return Err(err(0, format!("{name} is larger than {limit} bytes")));
            }
            Ok(out)
        };
        let strings = shared_strings(&part("xl/sharedStrings.xml")?, file)?;
        let rows = sheet_rows(&part("xl/worksheets/sheet1.xml")?, &strings, file)?;
        Hcpcs::from_rows(rows, file)
    }

    /// Rows as (spreadsheet row number, cells by column index), the first the header.
    fn from_rows(rows: Vec<(usize, Vec<String>)>, file: &str) -> Result<Hcpcs, ReleaseError> {
        let mut rows = rows.into_iter();
        let (hline, header) = rows.next().ok_or_else(|| ReleaseError {
            file: file.into(),
            line: 1,
            column: 0,
            message: "the sheet is empty (expected a header row: HCPC, RECID, LONG DESCRIPTION, ...)".into(),
        })?;
        let col = |name: &str| -> Result<usize, ReleaseError> {
            header.iter().position(|h| h.trim().eq_ignore_ascii_case(name)).ok_or_else(|| ReleaseError {
                file: file.into(),
                line: hline,
                column: 0,
                message: format!(
                    "the header row has no `{name}` column: not the CMS alpha-numeric HCPCS file"
                ),
            })
        };
        let c = Cols {
            code: col("HCPC")?,
            seq: col("SEQNUM")?,
            recid: col("RECID")?,
            long: col("LONG DESCRIPTION")?,
            short: col("SHORT DESCRIPTION")?,
            added: col("ADD DT")?,
            effective: col("ACT EFF DT")?,
            terminated: col("TERM DT")?,
            action: col("ACTION CD")?,
            coverage: col("COV")?,
            betos: col("BETOS")?,
            pricing: (1..=4).map(|i| col(&format!("PRICE{i}"))).collect::<Result<_, _>>()?,
            tos: (1..=5).map(|i| col(&format!("TOS{i}"))).collect::<Result<_, _>>()?,
            xref: (1..=5).map(|i| col(&format!("XREF{i}"))).collect::<Result<_, _>>()?,
        };
        let mut out = Hcpcs::default();
        for (line, cells) in rows {
            let cell = |i: usize| cells.get(i).map_or("", |s| s.trim());
            let bad = |field: &str, why: String| ReleaseError {
                file: file.into(),
                line,
                column: 0,
                message: format!("field {field}: {why}"),
            };
            let date = |i: usize, field: &str| -> Result<Option<NaiveDate>, ReleaseError> {
                let v = cell(i);
                if v.is_empty() {
                    return Ok(None);
                }
                NaiveDate::parse_from_str(v, "%Y%m%d")
                    .map(Some)
                    .map_err(|_| bad(field, format!("`{}` is not a date (YYYYMMDD)", sanitize(v))))
            };
            let code = cell(c.code).to_ascii_uppercase();
            if code.is_empty() && cells.iter().all(|s| s.trim().is_empty()) {
                continue;
            }
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric()) || code.len() > 5 {
                return Err(bad("HCPC", format!("`{}` is not an HCPCS code or modifier", sanitize(&code))));
            }
            let long = sanitize(cell(c.long)).into_owned();
            // The txt twin continues a long description over rows with a higher SEQNUM; the xlsx has one row a code.
            let continues = cell(c.seq).parse::<u32>().is_ok_and(|s| s > 10);
            let fields = |cols: &[usize]| -> Vec<String> {
                cols.iter()
                    .map(|i| cell(*i))
                    .filter(|s| !s.is_empty())
                    .map(|s| sanitize(s).into_owned())
                    .collect()
            };
            let is_code = match cell(c.recid) {
                "3" | "4" => true,
                "7" | "8" => false,
                other => {
                    return Err(bad(
                        "RECID",
                        format!("`{}` is not 3 (code) or 7 (modifier)", sanitize(other)),
                    ));
                }
            };
            let (list, index) = if is_code {
                (&mut out.codes, &mut out.by_code)
            } else {
                (&mut out.modifiers, &mut out.by_modifier)
            };
            if continues {
                match list.last_mut().filter(|p| p.code == code) {
                    Some(prev) => prev.long = format!("{} {long}", prev.long),
                    None => {
                        return Err(bad("SEQNUM", format!("a continuation of {code} without its first row")));
                    }
                }
                continue;
            }
            if index.contains_key(&code) {
                return Err(bad("HCPC", format!("{code} appears twice")));
            }
            if is_code && !is_level2_shape(&code) {
                return Err(bad("HCPC", format!("`{code}` is not a letter and four digits")));
            }
            index.insert(code.clone(), list.len());
            list.push(HcpcsCode {
                code,
                long,
                short: sanitize(cell(c.short)).into_owned(),
                added: date(c.added, "ADD DT")?,
                effective: date(c.effective, "ACT EFF DT")?,
                terminated: date(c.terminated, "TERM DT")?,
                action: cell(c.action).to_string(),
                coverage: cell(c.coverage).to_string(),
                pricing: fields(&c.pricing),
                betos: cell(c.betos).to_string(),
                tos: fields(&c.tos),
                xref: fields(&c.xref),
            });
        }
        Ok(out)
    }
}

/// CMS's record layout of the txt file: (column of the xlsx, first position from 1, length).
/// The fields run on without gaps from PROCNOTE (253) to the action code (293): BETOS,
/// a blank, TOS1-5, ANEST_BU, then the three dates.
const TXT_LAYOUT: [(&str, usize, usize); 28] = [
    ("HCPC", 1, 5),
    ("SEQNUM", 6, 5),
    ("RECID", 11, 1),
    ("LONG DESCRIPTION", 12, 80),
    ("SHORT DESCRIPTION", 92, 28),
    ("PRICE1", 120, 2),
    ("PRICE2", 122, 2),
    ("PRICE3", 124, 2),
    ("PRICE4", 126, 2),
    ("XREF1", 205, 5),
    ("XREF2", 210, 5),
    ("XREF3", 215, 5),
    ("XREF4", 220, 5),
    ("XREF5", 225, 5),
    ("COV", 230, 1),
    ("BETOS", 257, 3),
    ("TOS1", 261, 1),
    ("TOS2", 262, 1),
    ("TOS3", 263, 1),
    ("TOS4", 264, 1),
    ("TOS5", 265, 1),
    ("ADD DT", 269, 8),
    ("ACT EFF DT", 277, 8),
    ("TERM DT", 285, 8),
    ("ACTION CD", 293, 1),
    // Read to tell a record line, not kept.
    ("MULT_PI", 128, 1),
    ("ANEST_BU", 266, 3),
    ("PROCNOTE", 253, 4),
];

/// A record line is at least this long (it ends with the action code).
const TXT_MIN: usize = 293;

/// Whether a file is one of CMS's alpha-numeric HCPCS files (the xlsx or its
/// txt twin), by its content.
pub fn looks_like(data: &[u8]) -> bool {
    if data.starts_with(b"PK\x03\x04") {
        let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(data)) else { return false };
        let Ok(entry) = zip.by_name("xl/sharedStrings.xml") else { return false };
        // The header's strings may come last (the October 2025 file has them at the end).
        let mut head = Vec::new();
        if entry.take(64 << 20).read_to_end(&mut head).is_err() {
            return false;
        }
        let head = String::from_utf8_lossy(&head);
        return ["HCPC", "RECID", "LONG DESCRIPTION", "ACTION CD"].iter().all(|h| head.contains(h));
    }
    // The txt: every full line of the head is a record (code, sequence, record id 3/4/7/8).
    let head = &data[..data.len().min(16 * 1024)];
    let text = String::from_utf8_lossy(head);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let full = &lines[..lines.len().saturating_sub(1).max(1).min(lines.len())];
    !full.is_empty()
        && full.iter().all(|l| {
            let b = l.as_bytes();
            b.len() >= TXT_MIN
                && b[..5].iter().all(|c| c.is_ascii_alphanumeric() || *c == b' ')
                && b[5..10].iter().all(u8::is_ascii_digit)
                && matches!(b[10], b'3' | b'4' | b'7' | b'8')
        })
}

struct Cols {
    code: usize,
    seq: usize,
    recid: usize,
    long: usize,
    short: usize,
    added: usize,
    effective: usize,
    terminated: usize,
    action: usize,
    coverage: usize,
    betos: usize,
    pricing: Vec<usize>,
    tos: Vec<usize>,
    xref: Vec<usize>,
}

fn xml_error(file: &str, part: &str, data: &[u8], at: u64, e: impl std::fmt::Display) -> ReleaseError {
    let mut err =
        ReleaseError::at(file, data, usize::try_from(at).unwrap_or(usize::MAX), format!("{part}: {e}"));
    err.file = format!("{file}!{part}");
    err
}

/// The workbook's shared strings, in order (the text of every `<t>` of an `<si>`).
fn shared_strings(data: &[u8], file: &str) -> Result<Vec<String>, ReleaseError> {
    let part = "xl/sharedStrings.xml";
    let mut reader = Reader::from_reader(data);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let (mut in_si, mut in_t, mut in_phonetic) = (false, false, false);
    let mut cur = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_error(file, part, data, reader.error_position(), e)),
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "si" => (in_si, cur) = (true, String::new()),
                "t" => in_t = in_si && !in_phonetic,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Ok(Event::Text(t)) if in_t => cur.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_t => cur
                .push(entity(&r).ok_or_else(|| {
                    xml_error(file, part, data, reader.buffer_position(), "unknown entity")
                })?),
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    out.push(std::mem::take(&mut cur));
                }
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn entity(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// The column index of a cell reference (`AB12` -> 27).
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference.bytes().take_while(u8::is_ascii_alphabetic).collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    Some(letters.iter().fold(0usize, |n, l| n * 26 + usize::from(l.to_ascii_uppercase() - b'A' + 1)) - 1)
}

/// The rows of the first sheet: (row number, cell texts by column).
fn sheet_rows(
    data: &[u8],
    strings: &[String],
    file: &str,
) -> Result<Vec<(usize, Vec<String>)>, ReleaseError> {
    let part = "xl/worksheets/sheet1.xml";
    let mut reader = Reader::from_reader(data);
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut buf = Vec::new();
    // The cell being read: column, type attribute, text.
    let mut cell: Option<(usize, String, String)> = None;
    let mut in_value = false;
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        let a = e.try_get_attribute(name).ok()??;
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
    };
    loop {
        let event = reader.read_event_into(&mut buf);
        let pos = reader.buffer_position();
        match event {
            Err(e) => return Err(xml_error(file, part, data, reader.error_position(), e)),
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "row" => {
                    let n = attr(&e, "r").and_then(|r| r.parse().ok()).unwrap_or(rows.len() + 1);
                    rows.push((n, Vec::new()));
                }
                "c" => {
                    let col =
                        attr(&e, "r").and_then(|r| column_of(&r)).or_else(|| rows.last().map(|r| r.1.len()));
                    let col = col.ok_or_else(|| xml_error(file, part, data, pos, "a cell outside a row"))?;
                    cell = Some((col, attr(&e, "t").unwrap_or_default(), String::new()));
                }
                "v" | "t" => in_value = cell.is_some(),
                _ => {}
            },
            Ok(Event::Text(t)) if in_value => {
                let text = t.xml10_content();
                if let Some(c) = cell.as_mut() {
                    c.2.push_str(&text);
                }
            }
            Ok(Event::GeneralRef(r)) if in_value => {
                let ch = entity(&r).ok_or_else(|| xml_error(file, part, data, pos, "unknown entity"))?;
                if let Some(c) = cell.as_mut() {
                    c.2.push(ch);
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "v" | "t" => in_value = false,
                "c" => {
                    let (col, kind, text) = cell.take().unwrap_or_default();
                    let value = if kind == "s" {
                        let i: usize = text.trim().parse().map_err(|_| {
                            xml_error(
                                file,
                                part,
                                data,
                                pos,
                                format!("`{}` is not a shared string index", sanitize(&text)),
                            )
                        })?;
                        strings.get(i).cloned().ok_or_else(|| {
                            xml_error(file, part, data, pos, format!("shared string {i} does not exist"))
                        })?
                    } else {
                        text
                    };
                    let row = rows
                        .last_mut()
                        .ok_or_else(|| xml_error(file, part, data, pos, "a cell outside a row"))?;
                    if row.1.len() <= col {
                        row.1.resize(col + 1, String::new());
                    }
                    row.1[col] = value;
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        lines.iter().enumerate().map(|(i, r)| (i + 1, r.iter().map(|s| s.to_string()).collect())).collect()
    }

    const HEADER: &[&str] = &[
        "HCPC",
        "SEQNUM",
        "RECID",
        "LONG DESCRIPTION",
        "SHORT DESCRIPTION",
        "PRICE1",
        "PRICE2",
        "PRICE3",
        "PRICE4",
        "XREF1",
        "XREF2",
        "XREF3",
        "XREF4",
        "XREF5",
        "COV",
        "BETOS",
        "TOS1",
        "TOS2",
        "TOS3",
        "TOS4",
        "TOS5",
        "ADD DT",
        "ACT EFF DT",
        "TERM DT",
        "ACTION CD",
    ];

    #[test]
    fn a_bad_date_names_the_file_row_and_field() {
        let mut bad = vec![""; HEADER.len()];
        bad[..5].copy_from_slice(&["Z9999", "0010", "3", "Invented supply", "Invented"]);
        bad[21] = "2025-13-01";
        let err = Hcpcs::from_rows(rows(&[HEADER, &bad]), "hcpcs.xlsx").expect_err("a bad date");
        assert_eq!(err.to_string(), "hcpcs.xlsx:2:0: field ADD DT: `2025-13-01` is not a date (YYYYMMDD)");
    }

    #[test]
    fn a_missing_column_and_an_unknown_record_are_errors() {
        let err = Hcpcs::from_rows(rows(&[&HEADER[..3]]), "f.xlsx").expect_err("no LONG DESCRIPTION");
        assert!(err.to_string().contains("no `LONG DESCRIPTION` column"), "{err}");
        let mut bad = vec![""; HEADER.len()];
        bad[..3].copy_from_slice(&["Z9999", "0010", "5"]);
        let err = Hcpcs::from_rows(rows(&[HEADER, &bad]), "f.xlsx").expect_err("RECID 5");
        assert!(err.to_string().starts_with("f.xlsx:2:0: field RECID:"), "{err}");
    }

    #[test]
    fn continuation_rows_extend_the_long_description() {
        let mut first = vec![""; HEADER.len()];
        first[..5].copy_from_slice(&["Z9998", "0010", "3", "Invented device, first part", "Invented"]);
        let mut more = first.clone();
        more[1] = "0020";
        more[3] = "second part";
        let h = Hcpcs::from_rows(rows(&[HEADER, &first, &more]), "f.txt").expect("two rows of one code");
        assert_eq!(h.codes.len(), 1);
        assert_eq!(h.get("Z9998").map(|c| c.long.as_str()), Some("Invented device, first part second part"));
    }

    fn shipped() -> Hcpcs {
        let f = crate::codeset::shipped::HCPCS_2025_OCT;
        Hcpcs::parse_xlsx(&f.bytes(), f.name).expect("the shipped HCPCS file parses")
    }

    fn d(s: &str) -> Option<NaiveDate> {
        Some(s.parse().expect("a date"))
    }

    #[test]
    fn the_october_2025_file_whole() {
        let h = shipped();
        // Counted in the file: RECID 3 and RECID 7 rows, and codes without a TERM DT.
        assert_eq!(h.codes.len(), 8_463);
        assert_eq!(h.modifiers.len(), 383);
        assert_eq!(h.codes.iter().filter(|c| c.terminated.is_none()).count(), 7_258);
        let e0114 = h.get("E0114").expect("E0114");
        assert_eq!(
            e0114.long,
            "Crutches underarm, other than wood, adjustable or fixed, pair, with pads, tips and handgrips"
        );
        assert_eq!(e0114.short, "Crutch underarm pair no wood");
        assert_eq!(
            (e0114.added, e0114.effective, e0114.terminated),
            (d("1986-01-01"), d("1997-01-01"), None)
        );
        assert_eq!((e0114.action.as_str(), e0114.coverage.as_str(), e0114.betos.as_str()), ("N", "D", "D1E"));
        assert_eq!(e0114.pricing, ["32"]);
        assert_eq!(e0114.tos, ["A", "P", "R"]);
        let a0390 = h.get("A0390").expect("A0390");
        assert_eq!(a0390.xref, ["A0425"]);
        // Modifiers: the code without the file's leading blanks.
        let a1 = h.modifier("A1").expect("modifier A1");
        assert_eq!((a1.long.as_str(), a1.added), ("Dressing for one wound", d("2002-07-01")));
        let aa = h.modifier("AA").expect("modifier AA");
        assert_eq!(aa.long, "Anesthesia services performed personally by anesthesiologist");
    }

    #[test]
    fn every_code_is_in_a_section_and_every_section_has_codes() {
        let h = shipped();
        assert!(h.codes.iter().all(|c| section_of(&c.code).is_some()));
        let counts: Vec<(char, usize)> =
            SECTIONS.iter().map(|s| (s.letter, h.in_section(s.letter).count())).collect();
        assert_eq!(
            counts,
            [
                ('A', 846),
                ('B', 51),
                ('C', 587),
                ('E', 671),
                ('G', 1978),
                ('H', 94),
                ('J', 1188),
                ('K', 175),
                ('L', 938),
                ('M', 424),
                ('P', 59),
                ('Q', 585),
                ('R', 3),
                ('S', 533),
                ('T', 114),
                ('U', 5),
                ('V', 212)
            ]
        );
        // One code a section, with its CMS description.
        for (code, starts) in [
            ("A0390", "Als mileage"),
            ("J1100", "Injection, dexamethasone sodium phosphate, 1 mg"),
            ("E0114", "Crutches underarm"),
        ] {
            assert!(h.get(code).is_some_and(|c| c.long.starts_with(starts)), "{code}");
        }
    }

    #[test]
    fn the_txt_twin_reads_as_the_xlsx_and_both_are_told_by_content() {
        let txt = include_bytes!("../../tests/fixtures/hcpcs/hcpcs-2025-oct-sample.txt");
        let sample = Hcpcs::parse(txt, "sample.txt").expect("the txt sample parses");
        let h = shipped();
        assert_eq!((sample.codes.len(), sample.modifiers.len()), (11, 3));
        // Every record as the xlsx has it, E0114's long description joined from two lines.
        for c in &sample.codes {
            assert_eq!(Some(c), h.get(&c.code), "{}", c.code);
        }
        for m in &sample.modifiers {
            assert_eq!(Some(m), h.modifier(&m.code), "{}", m.code);
        }
        assert!(sample.get("A4397").is_some_and(|c| c.terminated == d("2021-12-31")));
        assert_eq!((h.quarter(), sample.quarter()), (Some((2025, 10)), Some((2025, 10))));
        let f = crate::codeset::shipped::HCPCS_2025_OCT;
        assert!(looks_like(&f.bytes()) && looks_like(txt));
        assert!(!looks_like(b"99990\tInvented\tInvented\tINVENTED\n") && !looks_like(b"PK\x03\x04junk"));
        // A line cut short names the file, line and field.
        let cut = &txt[..txt.iter().position(|b| *b == b'\n').expect("a line") - 10];
        let e = Hcpcs::parse_txt(cut, "cut.txt").expect_err("a short line");
        assert!(
            e.to_string()
                .starts_with("cut.txt:1:284: field ACTION CD (column 293): the line ends at column 283"),
            "{e}"
        );
    }

    #[test]
    fn shapes_and_columns() {
        assert!(is_level2_shape("J1100") && !is_level2_shape("99213") && !is_level2_shape("J11"));
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("AV8847"), Some(47));
        assert_eq!(section_of("e0114").map(|s| s.letter), Some('E'));
        assert_eq!(quarter_of_version("2025-10"), Some((2025, 4)));
        assert_eq!(quarter_of_version("2026-01"), Some((2026, 1)));
        assert_eq!(quarter_of_version("2026"), None);
    }
}
