//! ICD-10-PCS: the CMS tables expanded into codes, a tree by character
//! position with the axis labels, the definitions, the index, and titles.
//!
//! The tables are the source of truth: a code is valid when a row of its
//! table allows each of its characters. Everything else (definitions, index,
//! titles) is attached to what the tables define.

mod compose;
mod definitions;
mod index;
mod tables;
mod titles;
mod xml;

use std::collections::HashMap;

use serde::Serialize;

use super::ReleaseError;

/// One value of one axis: `0DT` table, position 4, value `J`, label `Appendix`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AxisValue {
    pub ch: char,
    pub label: String,
    /// The definition from the definitions file or the table, when there is one.
    pub definition: Option<String>,
    /// The definitions file's explanation (root operations, some approaches).
    pub explanation: Option<String>,
    /// What the value includes: body part synonyms, device brand names, example procedures.
    pub includes: Vec<String>,
}

/// One axis (character position) of a table or row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Axis {
    /// 1 to 7.
    pub pos: u8,
    /// `Section`, `Body System`, `Operation`, `Body Part`, `Approach`, `Device`, `Qualifier`, ... as the table names it.
    pub title: String,
    pub values: Vec<AxisValue>,
}

impl Axis {
    fn value(&self, ch: char) -> Option<&AxisValue> {
        self.values.iter().find(|v| v.ch == ch)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsRow {
    /// Axes for positions 4 to 7.
    pub axes: Vec<Axis>,
}

impl PcsRow {
    /// Whether this row allows `rest` (characters 4 onwards of a code, up to four).
    fn allows(&self, rest: &[u8]) -> bool {
        rest.iter().zip(&self.axes).all(|(c, axis)| axis.values.iter().any(|v| v.ch as u32 == u32::from(*c)))
    }
}

/// A CMS table: the first three characters fixed, rows giving the valid 4-7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsTable {
    /// Axes for positions 1 to 3 (one value each).
    pub axes: Vec<Axis>,
    pub rows: Vec<PcsRow>,
}

impl PcsTable {
    /// The three-character prefix (`0DT`).
    pub fn prefix(&self) -> String {
        self.axes.iter().filter_map(|a| a.values.first().map(|v| v.ch)).collect()
    }

    /// The section character (`0`).
    pub fn section(&self) -> char {
        self.axes.first().and_then(|a| a.values.first()).map_or(' ', |v| v.ch)
    }

    /// How many codes the table expands to.
    pub fn code_count(&self) -> usize {
        self.rows.iter().map(|r| r.axes.iter().map(|a| a.values.len()).product::<usize>()).sum()
    }
}

/// A code's title and whether medcode composed it from axis labels (no CMS title known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Title {
    pub text: String,
    pub composed: bool,
}

/// One character of a code explained: `5 Approach: 4 = Percutaneous Endoscopic`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CharInfo {
    pub pos: u8,
    pub axis: String,
    pub ch: char,
    pub label: String,
    pub definition: Option<String>,
    pub explanation: Option<String>,
    pub includes: Vec<String>,
}

/// A next character a coder can type at a step of the code builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextChar {
    pub ch: char,
    pub label: String,
    /// The axis name at this position (`Body Part`).
    pub axis: String,
}

/// An ICD-10-PCS index entry (main term or subterm).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PcsIndexTerm {
    pub title: String,
    /// Table or partial code this term points to (`0DTJ`).
    pub codes: Vec<String>,
    /// `see` text (`Resection, Uterus`).
    pub see: Option<String>,
    /// `use` text (`Foot Muscle, Right`).
    pub use_: Option<String>,
    pub terms: Vec<PcsIndexTerm>,
}

/// One entry of the definitions file: a term of one axis of one section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PcsDefinition {
    pub section: char,
    pub pos: u8,
    /// The axis name in the definitions file (`Operation`, `Body Part`, `Device`...).
    pub axis: String,
    /// The term (`Resection`, `Appendix`, `Autologous Arterial Tissue in Lower Arteries`).
    pub title: String,
    pub definition: Option<String>,
    pub explanation: Option<String>,
    pub includes: Vec<String>,
    /// How many axis values (over all tables and rows) this term was attached to.
    pub attached: usize,
}

/// A device-aggregation entry of the definitions file: a specific device
/// (`Autologous Arterial Tissue`) is coded with a general device value
/// (`7 Autologous Tissue Substitute`) in the named operations and body systems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PcsDeviceAggregate {
    pub device: String,
    /// The root operation it applies to, or `All applicable`.
    pub operation: String,
    pub body_systems: Vec<String>,
    /// The device value to use: character and label.
    pub parent_ch: char,
    pub parent: String,
}

/// An index entry found by [`Pcs::index_lookup`]: the path of titles from the
/// main term down, and where it points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsIndexHit {
    pub path: Vec<String>,
    pub codes: Vec<String>,
    pub see: Option<String>,
    pub use_: Option<String>,
}

/// The whole ICD-10-PCS of one edition.
#[derive(Debug, Clone, Default)]
pub struct Pcs {
    pub version: String,
    pub tables: Vec<PcsTable>,
    /// Every valid 7-character code (sorted).
    pub codes: Vec<String>,
    /// CMS long titles by code; codes missing here get a composed title.
    pub titles: HashMap<String, String>,
    /// Index entries by letter.
    pub index: Vec<PcsIndexTerm>,
    /// The definitions file's terms, in file order.
    pub definitions: Vec<PcsDefinition>,
    /// The definitions file's device aggregation table.
    pub device_aggregates: Vec<PcsDeviceAggregate>,
    /// Titles read for codes the tables do not have (ignored).
    pub titles_unknown: usize,
    /// Codes of an update whose tables this edition does not have (CMS's April 1, 2026
    /// codes in FY2026), with their CMS titles: valid from `update_from`, but not
    /// placed in a table, so their characters cannot be explained.
    pub update_codes: std::collections::BTreeMap<String, String>,
    /// When the update codes come into force.
    pub update_from: Option<chrono::NaiveDate>,
    /// The codes as fixed-size keys, sorted like `codes` (fast membership tests).
    code_keys: Vec<[u8; 7]>,
    /// Table position by prefix (`0DT`).
    by_prefix: HashMap<[u8; 3], usize>,
    /// The first table of each section and body system (`0`, `0D`).
    first_of: HashMap<String, usize>,
    /// The next characters after a prefix of 0 to 2 characters.
    heads: HashMap<String, Vec<NextChar>>,
    /// Definitions by (section, position, lower-case term).
    definition_keys: HashMap<(char, u8, String), usize>,
    /// Index main terms (letter, main term) by lower-case word of their title.
    index_words: HashMap<String, Vec<(u32, u32)>>,
    /// Titles composed for codes without a CMS title, on the first call that needs one
    /// (composing is the slowest part of loading, and most sessions never show one).
    composed: std::sync::OnceLock<HashMap<String, String>>,
}

impl Pcs {
    /// Read a CMS `<ICD10PCS.tabular>` tables file. `file` names it in errors.
    pub fn parse_tables(data: &[u8], file: &str) -> Result<Pcs, ReleaseError> {
        tables::parse(data, file)
    }

    /// Attach a CMS `<ICD10PCS.definitions>` file to the axis values it defines.
    pub fn attach_definitions(&mut self, data: &[u8], file: &str) -> Result<(), ReleaseError> {
        definitions::attach(self, data, file)
    }

    /// Read a CMS `<ICD10PCS.index>` file.
    pub fn attach_index(&mut self, data: &[u8], file: &str) -> Result<(), ReleaseError> {
        index::attach(self, data, file)
    }

    /// Read long titles: a CMS order file (`icd10pcs_order_YYYY.txt`), a CMS codes
    /// file (`icd10pcs_codes_YYYY.txt`) or a `code<TAB>title` list.
    pub fn attach_titles(&mut self, data: &[u8], file: &str) -> Result<(), ReleaseError> {
        titles::attach(self, data, file)?;
        self.composed = std::sync::OnceLock::new();
        Ok(())
    }

    /// Read the codes of an update whose tables are not available (`code<TAB>title`,
    /// a `code\ttitle` header line allowed), in force from `from`. Codes the tables
    /// already have are left to the tables.
    pub fn attach_update_codes(
        &mut self,
        data: &[u8],
        file: &str,
        from: Option<chrono::NaiveDate>,
    ) -> Result<(), ReleaseError> {
        let text = std::str::from_utf8(data)
            .map_err(|e| ReleaseError::at(file, data, e.valid_up_to(), "not UTF-8 text"))?;
        let mut read = std::collections::BTreeMap::new();
        let mut offset = 0;
        for raw in text.split('\n') {
            let at = offset;
            offset += raw.len() + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || (at == 0 && line.eq_ignore_ascii_case("code\ttitle")) {
                continue;
            }
            let Some((code, title)) = line.split_once('\t') else {
                return Err(ReleaseError::at(file, data, at, "expected `code<TAB>title`"));
            };
            let code = code.trim().to_ascii_uppercase();
            if code.len() != 7 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ReleaseError::at(file, data, at, format!("`{code}` is not an ICD-10-PCS code")));
            }
            if !self.is_code(&code) {
                read.insert(code, title.trim().to_string());
            }
        }
        self.update_codes = read;
        self.update_from = from;
        Ok(())
    }

    /// The CMS title of an update code (see [`Pcs::update_codes`]).
    pub fn update_code(&self, key: &str) -> Option<&str> {
        self.update_codes.get(key).map(String::as_str)
    }

    /// Expand the tables into codes and build the lookups (after parsing the tables).
    fn build(&mut self) {
        // Fixed-size keys: expanding and sorting 79,115 of them is far cheaper than Strings.
        let mut keys: Vec<[u8; 7]> = Vec::with_capacity(self.tables.iter().map(PcsTable::code_count).sum());
        self.by_prefix.clear();
        self.first_of.clear();
        for (i, t) in self.tables.iter().enumerate() {
            let prefix = t.prefix();
            if let Ok(key) = <[u8; 3]>::try_from(prefix.as_bytes()) {
                self.by_prefix.insert(key, i);
                for n in 1..3 {
                    self.first_of.entry(prefix[..n].to_string()).or_insert(i);
                }
            }
            let mut code = [0u8; 7];
            code[..3].copy_from_slice(&prefix.as_bytes()[..3.min(prefix.len())]);
            for row in &t.rows {
                let [a4, a5, a6, a7] = row.axes.as_slice() else { continue };
                for v4 in &a4.values {
                    code[3] = v4.ch as u8;
                    for v5 in &a5.values {
                        code[4] = v5.ch as u8;
                        for v6 in &a6.values {
                            code[5] = v6.ch as u8;
                            for v7 in &a7.values {
                                code[6] = v7.ch as u8;
                                keys.push(code);
                            }
                        }
                    }
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        // Keys hold ASCII letters and digits only (the parser checks every label code).
        self.codes = keys.iter().map(|k| k.iter().map(|b| char::from(*b)).collect()).collect();
        self.code_keys = keys;

        // Sections, body systems and operations: the first three axes of the tables.
        let mut heads: HashMap<String, Vec<NextChar>> = HashMap::new();
        for t in &self.tables {
            let prefix = t.prefix();
            for (n, axis) in t.axes.iter().enumerate().take(3) {
                let Some(v) = axis.values.first() else { continue };
                let list = heads.entry(prefix[..n].to_string()).or_default();
                if !list.iter().any(|c| c.ch == v.ch) {
                    list.push(NextChar { ch: v.ch, label: v.label.clone(), axis: axis.title.clone() });
                }
            }
        }
        for list in heads.values_mut() {
            list.sort_by_key(|c| c.ch);
        }
        self.heads = heads;
    }

    /// The table of a three-character prefix.
    pub fn table(&self, prefix: &str) -> Option<&PcsTable> {
        let key = <[u8; 3]>::try_from(prefix.as_bytes()).ok()?;
        self.by_prefix.get(&key.map(|b| b.to_ascii_uppercase())).and_then(|i| self.tables.get(*i))
    }

    /// Whether `key` (normalized, 1 to 7 characters) starts at least one valid code.
    pub fn is_prefix(&self, key: &str) -> bool {
        if key.is_empty() || key.len() > 7 {
            return false;
        }
        let i = self.codes.partition_point(|c| c.as_str() < key);
        self.codes.get(i).is_some_and(|c| c.starts_with(key))
    }

    /// Whether `key` is a complete valid code.
    pub fn is_code(&self, key: &str) -> bool {
        <[u8; 7]>::try_from(key.as_bytes()).is_ok_and(|k| self.code_keys.binary_search(&k).is_ok())
    }

    /// The valid codes starting with `prefix` (a slice of the sorted codes).
    pub fn codes_with_prefix(&self, prefix: &str) -> &[String] {
        let start = self.codes.partition_point(|c| c.as_str() < prefix);
        let len = self.codes[start..].partition_point(|c| c.starts_with(prefix));
        &self.codes[start..start + len]
    }

    /// The title of a complete code (CMS title, else composed), or of a partial
    /// code (the labels of its characters joined).
    pub fn title(&self, key: &str) -> Option<Title> {
        if let Some(t) = self.update_code(key) {
            return Some(Title { text: t.to_string(), composed: false });
        }
        if !self.is_prefix(key) {
            return None;
        }
        if key.len() == 7 {
            if let Some(t) = self.titles.get(key) {
                return Some(Title { text: t.clone(), composed: false });
            }
            let composed = self.composed.get_or_init(|| compose::compose_missing(self));
            let text = composed.get(key).cloned().unwrap_or_else(|| compose::compose(self, key, false));
            return Some(Title { text, composed: true });
        }
        let labels: Vec<String> = self.explain(key).into_iter().map(|c| c.label).collect();
        Some(Title { text: labels.join(", "), composed: true })
    }

    /// Each character of a complete or partial code with its axis, label and
    /// definition. Stops at the first character no table allows.
    pub fn explain(&self, key: &str) -> Vec<CharInfo> {
        self.explain_with(key, true)
    }

    /// `explain` without the definitions (labels and axes only), for composing titles.
    fn labels(&self, key: &str) -> Vec<CharInfo> {
        self.explain_with(key, false)
    }

    fn explain_with(&self, key: &str, details: bool) -> Vec<CharInfo> {
        let mut out = Vec::new();
        // Codes are ASCII: explain up to the first other character (and keep the slicing below safe).
        let key = &key[..key.find(|c: char| !c.is_ascii()).unwrap_or(key.len())];
        let key = key.to_ascii_uppercase();
        let bytes = key.as_bytes();
        let info = |axis: &Axis, v: &AxisValue| CharInfo {
            pos: axis.pos,
            axis: axis.title.clone(),
            ch: v.ch,
            label: v.label.clone(),
            definition: v.definition.clone().filter(|_| details),
            explanation: v.explanation.clone().filter(|_| details),
            includes: if details { v.includes.clone() } else { Vec::new() },
        };
        // Positions 1 to 3: any table with the prefix so far says what they mean.
        for n in 1..=bytes.len().min(3) {
            let Some(t) = self.first_table(&key[..n]) else { return out };
            let (Some(axis), Some(v)) = (t.axes.get(n - 1), t.axes.get(n - 1).and_then(|a| a.values.first()))
            else {
                return out;
            };
            out.push(info(axis, v));
        }
        if bytes.len() <= 3 {
            return out;
        }
        let Some(t) = self.table(&key[..3]) else { return out };
        let rest = &bytes[3..bytes.len().min(7)];
        // The longest run of characters some row allows.
        let mut len = rest.len();
        while len > 0 && !t.rows.iter().any(|r| r.allows(&rest[..len])) {
            len -= 1;
        }
        let rows: Vec<&PcsRow> = t.rows.iter().filter(|r| r.allows(&rest[..len])).collect();
        for (i, c) in rest[..len].iter().enumerate() {
            let ch = char::from(*c);
            let mut merged: Option<CharInfo> = None;
            for row in &rows {
                let Some(axis) = row.axes.get(i) else { continue };
                let Some(v) = axis.value(ch) else { continue };
                match merged.as_mut() {
                    None => merged = Some(info(axis, v)),
                    // CMS reuses a character with another meaning in another row (XNS, 3E0).
                    Some(m) => merge_label(&mut m.label, &v.label),
                }
            }
            match merged {
                Some(m) => out.push(m),
                None => break,
            }
        }
        out
    }

    /// The valid next characters after `prefix` (0 to 6 characters), with
    /// their labels and the axis name at that position.
    pub fn next_chars(&self, prefix: &str) -> Vec<NextChar> {
        if !prefix.is_ascii() {
            return Vec::new();
        }
        if prefix.len() < 3 {
            return self.heads.get(&prefix.to_ascii_uppercase()).cloned().unwrap_or_default();
        }
        if prefix.len() >= 7 {
            return Vec::new();
        }
        let Some(t) = self.table(&prefix[..3]) else { return Vec::new() };
        let rest = prefix[3..].to_ascii_uppercase();
        let pos = rest.len();
        let mut out: Vec<NextChar> = Vec::new();
        for row in t.rows.iter().filter(|r| r.allows(rest.as_bytes())) {
            let Some(axis) = row.axes.get(pos) else { continue };
            for v in &axis.values {
                match out.iter_mut().find(|n| n.ch == v.ch) {
                    Some(n) => merge_label(&mut n.label, &v.label),
                    None => out.push(NextChar { ch: v.ch, label: v.label.clone(), axis: axis.title.clone() }),
                }
            }
        }
        out.sort_by_key(|n| n.ch);
        out
    }

    /// The first table (in prefix order) whose prefix starts with `start` (1 to 3 characters).
    fn first_table(&self, start: &str) -> Option<&PcsTable> {
        if start.len() == 3 {
            return self.table(start);
        }
        self.first_of.get(start).and_then(|i| self.tables.get(*i))
    }

    /// The definitions file's entry for a value of an axis: section character,
    /// position (3 to 7) and the value's label as the tables write it.
    pub fn definition(&self, section: char, pos: u8, label: &str) -> Option<&PcsDefinition> {
        self.definition_keys.get(&(section, pos, label.to_lowercase())).and_then(|i| self.definitions.get(*i))
    }

    /// Definitions-file terms that no axis value of the tables matched.
    pub fn unattached_definitions(&self) -> impl Iterator<Item = &PcsDefinition> {
        self.definitions.iter().filter(|d| d.attached == 0)
    }

    /// Index entries under the main terms whose title has every word of
    /// `query` (case-insensitive): `appendectomy` gives the `Appendectomy`
    /// entries pointing at 0DBJ and 0DTJ. Only entries that point somewhere
    /// (codes, see or use) are returned, in index order.
    pub fn index_lookup(&self, query: &str) -> Vec<PcsIndexHit> {
        index::lookup(self, query)
    }

    /// Every index entry that points somewhere, flattened with its path (for a search index).
    pub fn index_entries(&self) -> Vec<PcsIndexHit> {
        index::entries(self)
    }

    /// Number of composed titles (complete codes without a CMS title).
    pub fn composed_count(&self) -> usize {
        self.codes.iter().filter(|c| !self.titles.contains_key(c.as_str())).count()
    }
}

/// Add `extra` to a label that already reads otherwise (`A / B`).
fn merge_label(label: &mut String, extra: &str) {
    if !label.split(" / ").any(|l| l == extra) {
        label.push_str(" / ");
        label.push_str(extra);
    }
}

#[cfg(test)]
mod tests;
