//! The ICD-10-CM books beside the Tabular List: the Alphabetic Index, the
//! Index to External Causes (same schema), the Table of Neoplasms and the
//! Table of Drugs and Chemicals (one code per column, headings from the file).
//!
//! Which book a `<ICD10CM.index>` file is, is decided from its content:
//! - an `<indexHeading>` whose heads mention "malignant" is the Table of
//!   Neoplasms; one whose heads mention "poisoning", "adverse effect" or
//!   "underdosing" is the Table of Drugs and Chemicals; any other heading is
//!   an error (a table medcode cannot label);
//! - without a heading, the book's `<title>` decides ("external cause" means
//!   the Index to External Causes, "disease" the Alphabetic Index); with no
//!   telling title, the codes decide: more than half in V00-Y99 (chapter 20,
//!   external causes of morbidity) means the Index to External Causes.

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde::Serialize;

use super::Tabular;
use super::rules::{Reportable, reportable};
use crate::codeset::{CmKind, FileKind, ReleaseError};

/// A main term or subterm at any level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Term {
    pub title: String,
    /// Nonessential modifiers, in parentheses after the title.
    pub nemod: Option<String>,
    /// The code the term points to (index), as printed (`S52.5-`, `E11.9`);
    /// a `<subcat>` (a subcategory to complete, `T75.0`) is read into this too.
    pub code: Option<String>,
    /// One code per table column (tables), `None` where the file has `--`; indexed like [`IndexBook::headings`] minus the first.
    pub cells: Vec<Option<String>>,
    pub see: Option<String>,
    pub see_also: Option<String>,
    pub see_category: Option<String>,
    pub terms: Vec<Term>,
}

impl Term {
    /// The title as printed, with its nonessential modifiers.
    pub fn display(&self) -> String {
        match &self.nemod {
            Some(n) => format!("{} {}", self.title, n),
            None => self.title.clone(),
        }
    }

    /// Every code this term points to itself (its code and its cells).
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.code.as_deref().into_iter().chain(self.cells.iter().flatten().map(String::as_str))
    }

    fn count(&self) -> usize {
        1 + self.terms.iter().map(Term::count).sum::<usize>()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BookKind {
    Diseases,
    External,
    Neoplasm,
    Drug,
}

impl BookKind {
    pub fn describe(self) -> &'static str {
        match self {
            BookKind::Diseases => "ICD-10-CM Alphabetic Index to Diseases and Injuries",
            BookKind::External => "ICD-10-CM Index to External Causes",
            BookKind::Neoplasm => "ICD-10-CM Table of Neoplasms",
            BookKind::Drug => "ICD-10-CM Table of Drugs and Chemicals",
        }
    }

    pub fn file_kind(self) -> FileKind {
        match self {
            BookKind::Diseases => FileKind::CmIndex,
            BookKind::External => FileKind::CmExternal,
            BookKind::Neoplasm => FileKind::CmNeoplasm,
            BookKind::Drug => FileKind::CmDrug,
        }
    }
}

/// One index or table file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexBook {
    pub kind: BookKind,
    pub version: String,
    /// Column headings for tables (`Substance`, `Poisoning Accidental (unintentional)`, ...); empty for indexes.
    pub headings: Vec<String>,
    /// Main terms in file order, across letters.
    pub terms: Vec<Term>,
    /// The `<letter>` sections of the file.
    pub letters: usize,
    /// The `<cell>` elements of the file, `--` ones included.
    pub cell_count: usize,
}

/// A term found by [`IndexBook::lookup`], with the terms above it.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Main term first, the matching term last.
    pub path: Vec<&'a Term>,
}

impl<'a> Row<'a> {
    pub fn term(&self) -> &'a Term {
        self.path[self.path.len() - 1]
    }

    /// `Neoplasm, neoplastic > breast > upper-inner quadrant`.
    pub fn path_text(&self) -> String {
        self.path.iter().map(|t| t.display()).collect::<Vec<_>>().join(" > ")
    }

    /// 0 for a main term.
    pub fn level(&self) -> usize {
        self.path.len() - 1
    }
}

impl IndexBook {
    /// Read a CDC `<ICD10CM.index>` file (index or table), recognising which from its content.
    pub fn parse(data: &[u8], file: &str) -> Result<IndexBook, ReleaseError> {
        Parser::new(data, file)?.run()
    }

    /// Every term (main terms and subterms).
    pub fn term_count(&self) -> usize {
        self.terms.iter().map(Term::count).sum()
    }

    /// The subterms (levels 1 and deeper).
    pub fn subterm_count(&self) -> usize {
        self.term_count() - self.terms.len()
    }

    /// The heading of table column `i` of [`Term::cells`].
    pub fn column(&self, i: usize) -> String {
        self.headings.get(i + 1).cloned().unwrap_or_else(|| format!("column {}", i + 2))
    }

    /// Terms whose path (titles and nonessential modifiers from the main term
    /// down) holds every word of `query`, case-insensitively; a query word
    /// matches a path word it begins. In file order.
    pub fn lookup(&self, query: &str) -> Vec<Row<'_>> {
        let wanted = words(query);
        let mut out = Vec::new();
        if wanted.is_empty() {
            return out;
        }
        let mut path = Vec::new();
        for t in &self.terms {
            walk(t, &wanted, &mut path, &mut Vec::new(), &mut out);
        }
        out
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn walk<'a>(
    t: &'a Term,
    wanted: &[String],
    path: &mut Vec<&'a Term>,
    seen: &mut Vec<String>,
    out: &mut Vec<Row<'a>>,
) {
    path.push(t);
    let before = seen.len();
    seen.extend(words(&t.display()));
    if wanted.iter().all(|w| seen.iter().any(|s| s.starts_with(w.as_str()))) {
        out.push(Row { path: path.clone() });
    }
    for c in &t.terms {
        walk(c, wanted, path, seen, out);
    }
    seen.truncate(before);
    path.pop();
}

/// What a code printed in an index or table is in the loaded tabular.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CodeStatus {
    /// A billable code.
    Billable,
    /// A category or subcategory (or a code printed with a trailing `-`, or
    /// one that needs a 7th character): not billable; the billable codes below it.
    Header { reason: String, billable: Vec<Offer>, total: usize },
    /// Not in the tabular of this edition.
    Invalid,
    /// No tabular loaded, nothing to check against.
    Unchecked,
}

pub use super::rules::Offer;

/// A code of an index or table checked against the tabular.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCheck {
    /// As printed in the book (`C50.9-`).
    pub code: String,
    /// The tabular's title for it, when it exists.
    pub title: Option<String>,
    #[serde(flatten)]
    pub status: CodeStatus,
}

impl CodeCheck {
    /// One short phrase for text output.
    pub fn verdict(&self) -> String {
        match &self.status {
            CodeStatus::Billable => "billable".to_string(),
            CodeStatus::Header { reason, total, .. } => format!("{reason}; {total} billable code(s) below"),
            CodeStatus::Invalid => "NOT a valid ICD-10-CM code in this edition".to_string(),
            CodeStatus::Unchecked => "not checked (no tabular loaded)".to_string(),
        }
    }
}

/// How many billable codes a header offers at most.
pub const OFFER_LIMIT: usize = 12;

/// Check a code printed in an index or table against `tab`.
pub fn check_code(tab: &Tabular, printed: &str) -> CodeCheck {
    let trimmed = printed.trim().trim_end_matches(['-', '.']);
    let mut check =
        CodeCheck { code: printed.trim().to_string(), title: None, status: CodeStatus::Unchecked };
    if tab.nodes.is_empty() {
        return check;
    }
    let Some(id) = tab.get(trimmed) else {
        check.status = CodeStatus::Invalid;
        return check;
    };
    let node = tab.node(id);
    check.title = Some(node.title.clone());
    let below = || tab.billable_codes_below(id).into_iter().map(|b| Offer::of(tab, b)).collect();
    let (reason, offered) = match reportable(tab, id) {
        Reportable::Billable => {
            check.status = CodeStatus::Billable;
            return check;
        }
        Reportable::NeedsSeventh(sevenths) => ("needs a 7th character".to_string(), sevenths),
        Reportable::Heading | Reportable::Header if printed.trim().ends_with('-') => {
            ("incomplete: more characters needed".to_string(), below())
        }
        Reportable::Heading | Reportable::Header => {
            (format!("a {} (header), not billable", kind_name(node.kind)), below())
        }
    };
    let total = offered.len();
    let billable = offered.into_iter().take(OFFER_LIMIT).collect();
    check.status = CodeStatus::Header { reason, billable, total };
    check
}

fn kind_name(kind: CmKind) -> &'static str {
    // A 7th-character code is a code to the coder reading a table.
    if kind == CmKind::Extension { "code" } else { kind.name() }
}

/// Which element's text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Version,
    BookTitle,
    LetterTitle,
    TermTitle,
    Head(usize),
    Code,
    Subcat,
    See,
    SeeAlso,
    SeeCat,
    Manif,
    Cell(usize),
}

struct Capture {
    field: Field,
    /// Depth of the element in the stack.
    depth: usize,
    text: String,
    nemod: String,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    data: &'a [u8],
    file: &'a str,
    stack: Vec<String>,
    terms: Vec<Term>,
    open: Vec<Term>,
    capture: Option<Capture>,
    in_nemod: usize,
    /// Inside an addenda `<old>`: text that was removed.
    in_old: usize,
    version: String,
    book_title: String,
    heads: Vec<(usize, String)>,
    has_heading: bool,
    /// Where `<indexHeading>` starts, for errors about the table's columns.
    heading_at: u64,
    letters: usize,
    cell_count: usize,
}

impl<'a> Parser<'a> {
    fn new(data: &'a [u8], file: &'a str) -> Result<Self, ReleaseError> {
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        if let Err(e) = std::str::from_utf8(body) {
            return Err(ReleaseError::at(
                file,
                data,
                e.valid_up_to() + (data.len() - body.len()),
                "not UTF-8 text",
            ));
        }
        let mut reader = Reader::from_reader(data);
        reader.config_mut().check_end_names = true;
        Ok(Parser {
            reader,
            data,
            file,
            stack: Vec::new(),
            terms: Vec::new(),
            open: Vec::new(),
            capture: None,
            in_nemod: 0,
            in_old: 0,
            version: String::new(),
            book_title: String::new(),
            heads: Vec::new(),
            has_heading: false,
            heading_at: 0,
            letters: 0,
            cell_count: 0,
        })
    }

    fn err(&self, offset: u64, msg: impl Into<String>) -> ReleaseError {
        ReleaseError::at(self.file, self.data, usize::try_from(offset).unwrap_or(usize::MAX), msg)
    }

    fn run(mut self) -> Result<IndexBook, ReleaseError> {
        let mut buf = Vec::new();
        loop {
            let pos = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position();
                    return Err(self.err(at, format!("malformed XML: {e}")));
                }
            };
            match event {
                Event::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    let col = self.col_attr(&e, pos)?;
                    self.start(&name, col, pos)?;
                    self.stack.push(name);
                }
                Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    let col = self.col_attr(&e, pos)?;
                    self.start(&name, col, pos)?;
                    self.stack.push(name.clone());
                    self.end(&name, pos)?;
                    self.stack.pop();
                }
                Event::End(e) => {
                    let name = e.name().as_ref().to_string();
                    self.end(&name, pos)?;
                    self.stack.pop();
                }
                Event::Text(t) => {
                    let text = t.xml10_content().into_owned();
                    self.text(&text);
                }
                Event::CData(t) => {
                    let text = t.xml10_content().into_owned();
                    self.text(&text);
                }
                Event::GeneralRef(r) => {
                    let ch = if r.is_char_ref() {
                        r.resolve_char_ref().ok().flatten().map(String::from)
                    } else {
                        match r.as_ref() {
                            "amp" => Some("&".into()),
                            "lt" => Some("<".into()),
                            "gt" => Some(">".into()),
                            "quot" => Some("\"".into()),
                            "apos" => Some("'".into()),
                            _ => None,
                        }
                    };
                    match ch {
                        Some(s) => self.text(&s),
                        None => return Err(self.err(pos, format!("unknown entity &{};", r.as_ref()))),
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        let end = self.data.len() as u64;
        if let Some(open) = self.stack.last() {
            return Err(self.err(end, format!("the file ends inside <{open}> (truncated?)")));
        }
        if self.terms.is_empty() {
            return Err(self.err(end, "no <ICD10CM.index> with main terms in the file"));
        }
        self.finish()
    }

    fn col_attr(&self, e: &quick_xml::events::BytesStart<'_>, pos: u64) -> Result<usize, ReleaseError> {
        let name = e.name();
        if !matches!(name.as_ref(), "cell" | "head") {
            return Ok(0);
        }
        let attr = e
            .try_get_attribute("col")
            .map_err(|err| self.err(pos, format!("bad attribute on <{}>: {err}", name.as_ref())))?
            .ok_or_else(|| self.err(pos, format!("<{}> without a col attribute", name.as_ref())))?;
        match attr.value.trim().parse::<usize>() {
            Ok(n) if (1..=32).contains(&n) => Ok(n),
            _ => {
                Err(self
                    .err(pos, format!("<{}> col=\"{}\" is not a column number", name.as_ref(), attr.value)))
            }
        }
    }

    fn start(&mut self, name: &str, col: usize, pos: u64) -> Result<(), ReleaseError> {
        let parent = self.stack.last().map(String::as_str);
        if parent.is_none() && name != "ICD10CM.index" {
            return Err(self.err(pos, format!("root element is <{name}>, expected <ICD10CM.index>")));
        }
        if self.capture.is_some() {
            match name {
                "nemod" => self.in_nemod += 1,
                "old" => self.in_old += 1,
                // Addenda markup and other inline elements: their text counts.
                _ => {}
            }
            return Ok(());
        }
        let field = match (name, parent) {
            ("version", _) => Some(Field::Version),
            ("title", Some("ICD10CM.index")) => Some(Field::BookTitle),
            ("title", Some("letter")) => Some(Field::LetterTitle),
            ("title" | "diff", Some("mainTerm" | "term")) => Some(Field::TermTitle),
            ("head", _) => Some(Field::Head(col)),
            ("code", _) => Some(Field::Code),
            ("subcat", _) => Some(Field::Subcat),
            ("see", _) => Some(Field::See),
            ("seeAlso" | "seealso", _) => Some(Field::SeeAlso),
            ("seecat" | "seeCat", _) => Some(Field::SeeCat),
            ("manif", _) => Some(Field::Manif),
            ("cell", _) => Some(Field::Cell(col)),
            ("mainTerm", _) => {
                if parent != Some("letter") {
                    return Err(self.err(pos, "<mainTerm> outside a <letter>"));
                }
                self.open.push(Term::default());
                None
            }
            ("term", _) => {
                if !matches!(parent, Some("mainTerm" | "term")) {
                    return Err(self.err(pos, "<term> outside a <mainTerm>"));
                }
                self.open.push(Term::default());
                None
            }
            ("letter", _) => {
                self.letters += 1;
                None
            }
            ("indexHeading", _) => {
                self.has_heading = true;
                self.heading_at = pos;
                None
            }
            _ => None,
        };
        if let Some(field) = field {
            if matches!(field, Field::Cell(_)) {
                self.cell_count += 1;
            }
            if matches!(
                field,
                Field::Code
                    | Field::Subcat
                    | Field::See
                    | Field::SeeAlso
                    | Field::SeeCat
                    | Field::Manif
                    | Field::Cell(_)
                    | Field::TermTitle
            ) && self.open.is_empty()
            {
                return Err(self.err(pos, format!("<{name}> outside a term")));
            }
            self.capture =
                Some(Capture { field, depth: self.stack.len(), text: String::new(), nemod: String::new() });
        }
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if self.in_old > 0 {
            return;
        }
        // Release text reaches the screen: sanitized once, here.
        let text = crate::text::sanitize(text);
        if let Some(c) = &mut self.capture {
            if self.in_nemod > 0 { c.nemod.push_str(&text) } else { c.text.push_str(&text) }
        }
    }

    fn end(&mut self, name: &str, pos: u64) -> Result<(), ReleaseError> {
        let depth = self.stack.len() - 1;
        if self.capture.as_ref().is_some_and(|c| c.depth != depth) {
            match name {
                "nemod" => self.in_nemod = self.in_nemod.saturating_sub(1),
                "old" => self.in_old = self.in_old.saturating_sub(1),
                _ => {}
            }
            return Ok(());
        }
        if let Some(c) = self.capture.take() {
            let text = squeeze(&c.text);
            let nemod = squeeze(&c.nemod);
            match c.field {
                Field::Version => self.version = text,
                Field::BookTitle => self.book_title = text,
                Field::LetterTitle => {}
                Field::Head(col) => self.heads.push((col, text)),
                field => {
                    let Some(term) = self.open.last_mut() else {
                        return Err(self.err(pos, format!("<{name}> outside a term")));
                    };
                    let opt = |s: String| if s.is_empty() { None } else { Some(s) };
                    match field {
                        Field::TermTitle => {
                            term.title = text;
                            term.nemod = opt(nemod);
                        }
                        Field::Code | Field::Subcat => term.code = opt(text),
                        Field::See => term.see = opt(text),
                        Field::SeeAlso => term.see_also = opt(text),
                        Field::SeeCat => term.see_category = opt(text),
                        // An explanation of the site: kept with the nonessential modifiers.
                        Field::Manif => {
                            let m = format!("[{text}]");
                            term.nemod = Some(match term.nemod.take() {
                                Some(n) => format!("{n} {m}"),
                                None => m,
                            });
                        }
                        Field::Cell(col) => {
                            if col < 2 {
                                return Err(self
                                    .err(pos, format!("<cell col=\"{col}\">: column 1 is the term itself")));
                            }
                            let i = col - 2;
                            if term.cells.len() <= i {
                                term.cells.resize(i + 1, None);
                            }
                            let none = text.is_empty() || text.chars().all(|ch| ch == '-');
                            term.cells[i] = if none { None } else { Some(text) };
                        }
                        _ => {}
                    }
                }
            }
            return Ok(());
        }
        if matches!(name, "mainTerm" | "term") {
            let Some(term) = self.open.pop() else {
                return Err(self.err(pos, format!("</{name}> without its start")));
            };
            if term.title.is_empty() {
                return Err(self.err(pos, format!("<{name}> without a title")));
            }
            match self.open.last_mut() {
                Some(parent) => parent.terms.push(term),
                None => self.terms.push(term),
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<IndexBook, ReleaseError> {
        let mut headings = Vec::new();
        if self.has_heading {
            self.heads.sort_by_key(|(c, _)| *c);
            headings = self.heads.iter().map(|(_, h)| h.clone()).collect();
        }
        let heads = headings.join(" ").to_lowercase();
        let title = self.book_title.to_lowercase();
        let kind = if self.has_heading {
            if heads.contains("malignant") {
                BookKind::Neoplasm
            } else if ["poisoning", "adverse effect", "underdosing"].iter().any(|w| heads.contains(w)) {
                BookKind::Drug
            } else {
                return Err(self.err(
                    self.heading_at,
                    format!(
                        "a table with headings \"{}\": neither the Table of Neoplasms nor the Table of Drugs",
                        headings.join("\", \"")
                    ),
                ));
            }
        } else if title.contains("external cause") {
            BookKind::External
        } else if title.contains("disease") {
            BookKind::Diseases
        } else {
            let (mut external, mut all) = (0usize, 0usize);
            let mut stack: Vec<&Term> = self.terms.iter().collect();
            while let Some(t) = stack.pop() {
                for c in t.codes() {
                    all += 1;
                    external += usize::from(matches!(c.chars().next(), Some('V' | 'W' | 'X' | 'Y')));
                }
                stack.extend(t.terms.iter());
            }
            if external * 2 > all { BookKind::External } else { BookKind::Diseases }
        };
        if matches!(kind, BookKind::Neoplasm | BookKind::Drug) {
            let columns = headings.len().saturating_sub(1);
            fn pad(t: &mut Term, n: usize) {
                if t.cells.len() < n {
                    t.cells.resize(n, None);
                }
                t.terms.iter_mut().for_each(|c| pad(c, n));
            }
            self.terms.iter_mut().for_each(|t| pad(t, columns));
        }
        Ok(IndexBook {
            kind,
            version: self.version,
            headings,
            terms: self.terms,
            letters: self.letters,
            cell_count: self.cell_count,
        })
    }
}

/// Collapse runs of white space (the files wrap long titles).
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::{normalize, shipped};

    #[test]
    fn drug_table_counts_and_columns() {
        let book = IndexBook::parse(&shipped::CM_DRUG.bytes(), shipped::CM_DRUG.name).unwrap();
        assert_eq!(book.kind, BookKind::Drug);
        assert_eq!(book.version, "2025");
        assert_eq!(book.terms.len(), 5177);
        assert_eq!(book.cell_count, 43212);
        assert_eq!(book.headings.len(), 7);
        assert_eq!(book.headings[5], "Adverse effect");
        let rows = book.lookup("acetaminophen");
        let main = rows.iter().find(|r| r.level() == 0).expect("a main term Acetaminophen");
        assert_eq!(main.term().cells[0].as_deref(), Some("T39.1X1"));
        assert_eq!(main.term().cells[4].as_deref(), Some("T39.1X5"));
        let t = book.terms.iter().find(|t| t.title == "1-propanol").unwrap();
        assert_eq!(
            t.cells,
            vec![
                Some("T51.3X1".into()),
                Some("T51.3X2".into()),
                Some("T51.3X3".into()),
                Some("T51.3X4".into()),
                None,
                None
            ]
        );
        let t = book.terms.iter().find(|t| t.title == "2,4-D").unwrap();
        assert_eq!(t.nemod.as_deref(), Some("(dichlorophen-oxyacetic acid)"));
    }

    #[test]
    fn neoplasm_table_counts_and_paths() {
        let book = IndexBook::parse(&shipped::CM_NEOPLASM.bytes(), shipped::CM_NEOPLASM.name).unwrap();
        assert_eq!(book.kind, BookKind::Neoplasm);
        assert_eq!(book.terms.len(), 1);
        assert_eq!(book.subterm_count(), 1938);
        assert_eq!(book.cell_count, 10916);
        assert_eq!(book.column(0), "Malignant Primary");
        let rows = book.lookup("breast upper inner");
        let paths: Vec<String> = rows.iter().map(Row::path_text).collect();
        assert!(paths.iter().any(|p| p.starts_with("Neoplasm, neoplastic > breast") && p.contains("upper-inner quadrant")), "{paths:?}");
        // `-` is no code, like `--` in the Table of Drugs.
        let wall = book.lookup("abdomen wall connective");
        assert_eq!(wall[0].term().cells[2], None);
    }

    #[test]
    fn external_index_counts_and_kind() {
        let book = IndexBook::parse(&shipped::CM_EXTERNAL.bytes(), shipped::CM_EXTERNAL.name).unwrap();
        assert_eq!(book.kind, BookKind::External);
        assert_eq!(book.letters, 22);
        assert_eq!(book.terms.len(), 314);
        assert_eq!(book.subterm_count(), 7750);
        let t = &book.terms[0];
        assert_eq!(t.title, "Abandonment NEC");
        assert_eq!(t.code.as_deref(), Some("X58"));
        let rows = book.lookup("accident aircraft");
        assert_eq!(rows[0].term().see_also.as_deref(), Some("Accident, transport, aircraft"));
        let seecat = book.lookup("bed linen suffocation");
        assert_eq!(seecat[0].term().see_category.as_deref(), Some("T71"));
    }

    #[test]
    fn same_schema_decided_by_codes_without_title() {
        let xml = br#"<?xml version="1.0"?><ICD10CM.index><version>2027</version><letter><title>F</title>
            <mainTerm><title>Fall<nemod>(accidental)</nemod></title><code>W19</code></mainTerm>
            <mainTerm><title>Fire</title><code>X08.8</code></mainTerm></letter></ICD10CM.index>"#;
        let book = IndexBook::parse(xml, "e.xml").unwrap();
        assert_eq!(book.kind, BookKind::External);
        let xml = br#"<ICD10CM.index><version>2027</version><letter><title>A</title>
            <mainTerm><title>Anemia</title><code>D64.9</code><term level="1"><title>aplastic</title><code>D61.9</code></term></mainTerm></letter></ICD10CM.index>"#;
        let book = IndexBook::parse(xml, "i.xml").unwrap();
        assert_eq!(book.kind, BookKind::Diseases);
        assert_eq!(book.lookup("anemia aplas")[0].path_text(), "Anemia > aplastic");
    }

    /// A tiny tabular built by hand: C50.9 (subcategory) > C50.91 > C50.911 (billable);
    /// T36.0X1 (a code) > T36.0X1A, T36.0X1D (7th-character extensions).
    fn tiny_tabular() -> Tabular {
        use crate::codeset::{CmKind, CmNode, Notes};
        let mut tab = Tabular::default();
        let mut add = |code: &str, kind: CmKind, parent: Option<u32>, billable: bool| {
            let id = tab.nodes.len() as u32;
            tab.nodes.push(CmNode {
                code: code.into(),
                kind,
                title: format!("title of {code}"),
                parent,
                children: Vec::new(),
                billable,
                notes: Notes::default(),
            });
            if let Some(p) = parent {
                tab.nodes[p as usize].children.push(id);
            }
            tab.by_key.insert(normalize(code), id);
            id
        };
        let c50 = add("C50", CmKind::Category, None, false);
        let c509 = add("C50.9", CmKind::Subcategory, Some(c50), false);
        let c5091 = add("C50.91", CmKind::Subcategory, Some(c509), false);
        add("C50.911", CmKind::Code, Some(c5091), true);
        add("C79.81", CmKind::Code, None, true);
        let t36 = add("T36", CmKind::Category, None, false);
        let t360x1 = add("T36.0X1", CmKind::Code, Some(t36), false);
        add("T36.0X1A", CmKind::Extension, Some(t360x1), true);
        add("T36.0X1D", CmKind::Extension, Some(t360x1), true);
        tab
    }

    #[test]
    fn codes_are_checked_against_the_tabular() {
        let tab = tiny_tabular();
        assert_eq!(check_code(&tab, "C79.81").status, CodeStatus::Billable);
        let c = check_code(&tab, "C50.9-");
        let CodeStatus::Header { reason, billable, total } = &c.status else { panic!("{c:?}") };
        assert!(reason.contains("incomplete"), "{reason}");
        assert_eq!((*total, billable[0].code.as_str()), (1, "C50.911"));
        assert!(c.verdict().contains("1 billable"));
        let c = check_code(&tab, "T36.0X1");
        let CodeStatus::Header { reason, billable, total } = &c.status else { panic!("{c:?}") };
        assert_eq!((reason.as_str(), *total), ("needs a 7th character", 2));
        assert_eq!(billable[0].code, "T36.0X1A");
        let c = check_code(&tab, "C50");
        let CodeStatus::Header { reason, .. } = &c.status else { panic!("{c:?}") };
        assert_eq!(reason, "a category (header), not billable");
        assert_eq!(check_code(&tab, "Q99.99").status, CodeStatus::Invalid);
        assert_eq!(check_code(&Tabular::default(), "C50.9-").status, CodeStatus::Unchecked);
    }

    #[test]
    fn every_invalid_fixture_is_refused_with_a_position() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/releases/invalid");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let err = IndexBook::parse(&std::fs::read(&path).unwrap(), &name).expect_err(&name);
            assert_eq!(err.file, name);
            assert!(err.line > 1 && err.column >= 1, "{err}");
            seen += 1;
        }
        assert!(seen >= 5);
    }

    #[test]
    fn bad_input_names_file_line_and_column() {
        let data = shipped::CM_NEOPLASM.bytes();
        let cut = &data[..data.len() / 2];
        let err = IndexBook::parse(cut, "neo.xml").unwrap_err();
        assert_eq!(err.file, "neo.xml");
        assert!(err.line > 1000, "{err}");
        let err = IndexBook::parse(b"<ICD10CM.index>\n<letter><title>A</title>\n  <mainTerm><title>x</titel></mainTerm></letter></ICD10CM.index>", "bad.xml").unwrap_err();
        assert_eq!((err.line, err.file.as_str()), (3, "bad.xml"), "{err}");
        assert!(err.column > 1, "{err}");
        let err = IndexBook::parse(b"<ICD10CM.tabular></ICD10CM.tabular>", "t.xml").unwrap_err();
        assert!(err.message.contains("root element"), "{err}");
        let err = IndexBook::parse(b"<ICD10CM.index><letter><mainTerm><title>x</title><cell col=\"z\">A00</cell></mainTerm></letter></ICD10CM.index>", "c.xml").unwrap_err();
        assert!(err.message.contains("col"), "{err}");
        assert!(IndexBook::parse(b"", "empty.xml").is_err());
        assert!(IndexBook::parse(b"\xff\xfe<", "bin.xml").is_err());
    }
}
