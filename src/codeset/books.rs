//! The books beside the tabular lists as a coder reads them, whichever book:
//! the ICD-10-CM Alphabetic Index, Index to External Causes, Table of Drugs
//! and Table of Neoplasms ([`IndexBook`]) and the ICD-10-PCS Index. One view
//! of an entry (a main term or a subterm at any level) over both models, its
//! place in the book, and where its `see` reference leads: to a term, nowhere
//! (dangling) or round a cycle of any length. The books pane and `medcode
//! index-lookup` both read the books through here.
//!
//! A place is the entry's path of indexes from its main term (`[4, 0, 2]`: the
//! 5th main term, its 1st subterm, that one's 3rd); paths in printed order
//! sort as the book prints them.

use super::Codebook;
use super::icd10cm::books::{IndexBook, Term};
use super::icd10pcs::PcsIndexTerm;
use crate::codeset::CodeSet;

/// Which book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Book {
    #[default]
    Drug,
    Neoplasm,
    Diseases,
    External,
    Pcs,
}

impl Book {
    pub const ALL: [Book; 5] = [Book::Drug, Book::Neoplasm, Book::Diseases, Book::External, Book::Pcs];

    /// Short name, for the audit's "found in" and the book line.
    pub fn name(self) -> &'static str {
        match self {
            Book::Drug => "Drug table",
            Book::Neoplasm => "Neoplasm table",
            Book::Diseases => "Index to Diseases",
            Book::External => "External causes",
            Book::Pcs => "PCS index",
        }
    }

    /// The book's own title.
    pub fn title(self) -> &'static str {
        match self {
            Book::Drug => "Table of Drugs and Chemicals",
            Book::Neoplasm => "Table of Neoplasms",
            Book::Diseases => "Alphabetic Index to Diseases",
            Book::External => "Index to External Causes",
            Book::Pcs => "ICD-10-PCS Index",
        }
    }

    /// The word `--book` takes.
    pub fn arg(self) -> &'static str {
        match self {
            Book::Drug => "drug",
            Book::Neoplasm => "neoplasm",
            Book::Diseases => "index",
            Book::External => "external",
            Book::Pcs => "pcs",
        }
    }

    /// The kind of release file the book comes from.
    pub fn file_kind(self) -> crate::codeset::FileKind {
        use crate::codeset::FileKind as K;
        match self {
            Book::Drug => K::CmDrug,
            Book::Neoplasm => K::CmNeoplasm,
            Book::Diseases => K::CmIndex,
            Book::External => K::CmExternal,
            Book::Pcs => K::PcsIndex,
        }
    }

    /// A table: rows of terms, a code per column.
    pub fn grid(self) -> bool {
        matches!(self, Book::Drug | Book::Neoplasm)
    }

    pub fn set(self) -> CodeSet {
        if self == Book::Pcs { CodeSet::Icd10pcs } else { CodeSet::Icd10cm }
    }

    /// The book in `cb`, when the edition has it.
    pub fn index(self, cb: &Codebook) -> Option<Index<'_>> {
        fn cm(b: &Option<IndexBook>) -> Option<Index<'_>> {
            b.as_ref().map(Index::Cm)
        }
        match self {
            Book::Drug => cm(&cb.drugs),
            Book::Neoplasm => cm(&cb.neoplasms),
            Book::Diseases => cm(&cb.diseases),
            Book::External => cm(&cb.external),
            Book::Pcs => (!cb.pcs.index.is_empty()).then_some(Index::Pcs(&cb.pcs.index)),
        }
    }

    /// The edition has this book.
    pub fn available(self, cb: &Codebook) -> bool {
        self.index(cb).is_some()
    }

    /// Which year's book this is, as the edition names its file (`FY2025`), else from
    /// the file's `<version>`: the PCS index may be older than the PCS tables.
    pub fn label(self, cb: &Codebook) -> String {
        match cb.edition.component(self.file_kind()) {
            Some(c) => c.label.clone(),
            None => {
                let v = self.version(cb);
                if v.is_empty() { v } else { format!("FY{v}") }
            }
        }
    }

    /// The `<version>` of the book's file.
    pub fn version(self, cb: &Codebook) -> String {
        match self.index(cb) {
            Some(Index::Cm(b)) => b.version.clone(),
            Some(Index::Pcs(_)) => cb.pcs.version.clone(),
            None => String::new(),
        }
    }
}

impl std::str::FromStr for Book {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Book::ALL.into_iter().find(|b| b.arg() == s.trim().to_lowercase()).ok_or_else(|| {
            format!(
                "no book \"{s}\": one of {}",
                Book::ALL.iter().map(|b| b.arg()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// A term of either model, read in place.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Cm(&'a Term),
    Pcs(&'a PcsIndexTerm),
}

impl<'a> Entry<'a> {
    pub fn title(self) -> &'a str {
        match self {
            Entry::Cm(t) => &t.title,
            Entry::Pcs(t) => &t.title,
        }
    }

    /// Nonessential modifiers, in parentheses.
    pub fn nemod(self) -> Option<&'a str> {
        match self {
            Entry::Cm(t) => t.nemod.as_deref(),
            Entry::Pcs(_) => None,
        }
    }

    /// The title with its nonessential modifiers, as printed.
    pub fn display(self) -> String {
        match self {
            Entry::Cm(t) => t.display(),
            Entry::Pcs(t) => t.title.clone(),
        }
    }

    /// ICD-10-CM: the term's code; PCS: the tables or partial codes it points to.
    pub fn codes(self) -> &'a [String] {
        match self {
            Entry::Cm(t) => t.code.as_slice(),
            Entry::Pcs(t) => &t.codes,
        }
    }

    /// Tables: a code per column, `None` for `--`.
    pub fn cells(self) -> &'a [Option<String>] {
        match self {
            Entry::Cm(t) => &t.cells,
            Entry::Pcs(_) => &[],
        }
    }

    /// The reference a follow key takes, with its word: `see`, `see also`, `see category`, `use`.
    pub fn reference(self) -> Option<(&'static str, &'a str)> {
        static NONE: Option<String> = None;
        let refs: [(&'static str, &'a Option<String>); 4] = match self {
            Entry::Cm(t) => [
                ("see", &t.see),
                ("see also", &t.see_also),
                ("see category", &t.see_category),
                ("use", &NONE),
            ],
            Entry::Pcs(t) => {
                [("see", &t.see), ("see also", &NONE), ("see category", &NONE), ("use", &t.use_)]
            }
        };
        refs.into_iter().find_map(|(w, r)| r.as_deref().map(|r| (w, r)))
    }

    /// Its subterms.
    pub fn children(self) -> Vec<Entry<'a>> {
        match self {
            Entry::Cm(t) => t.terms.iter().map(Entry::Cm).collect(),
            Entry::Pcs(t) => t.terms.iter().map(Entry::Pcs).collect(),
        }
    }

    fn child(self, i: usize) -> Option<Entry<'a>> {
        match self {
            Entry::Cm(t) => t.terms.get(i).map(Entry::Cm),
            Entry::Pcs(t) => t.terms.get(i).map(Entry::Pcs),
        }
    }
}

/// One printed line of a book: where its entry is, and the line of its parent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub at: Vec<u32>,
    pub parent: Option<usize>,
}

impl Line {
    /// 0 for a main term.
    pub fn level(&self) -> usize {
        self.at.len().saturating_sub(1)
    }
}

/// Where a reference leads, one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub at: Vec<u32>,
    /// The main term was found but not every subterm: the deepest found, and
    /// what is missing (`see Forces of nature, by type` is an instruction, not a subterm).
    pub missing: Option<String>,
}

/// Where a chain of `see` references from one entry ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trail {
    /// At a term that sends nowhere further; the places passed, the last one reached.
    Term(Vec<Vec<u32>>),
    /// At a reference naming no main term of the book: the places passed, the word, the text and why.
    Dangling { passed: Vec<Vec<u32>>, word: &'static str, text: String, why: String },
    /// Back at a place already passed: every place of the cycle, the first again at the end.
    Cycle(Vec<Vec<u32>>),
}

/// A book of either model, read in place.
#[derive(Debug, Clone, Copy)]
pub enum Index<'a> {
    Cm(&'a IndexBook),
    /// The letters of the PCS index (their terms are the main terms).
    Pcs(&'a [PcsIndexTerm]),
}

impl<'a> Index<'a> {
    /// The main terms, across letters.
    pub fn mains(self) -> Vec<Entry<'a>> {
        match self {
            Index::Cm(b) => b.terms.iter().map(Entry::Cm).collect(),
            Index::Pcs(letters) => letters.iter().flat_map(|l| &l.terms).map(Entry::Pcs).collect(),
        }
    }

    fn main(self, mut i: usize) -> Option<Entry<'a>> {
        match self {
            Index::Cm(b) => b.terms.get(i).map(Entry::Cm),
            Index::Pcs(letters) => {
                for l in letters {
                    match l.terms.get(i) {
                        Some(t) => return Some(Entry::Pcs(t)),
                        None => i -= l.terms.len(),
                    }
                }
                None
            }
        }
    }

    /// The entry at a place.
    pub fn entry(self, at: &[u32]) -> Option<Entry<'a>> {
        let (first, rest) = at.split_first()?;
        let mut e = self.main(*first as usize)?;
        for i in rest {
            e = e.child(*i as usize)?;
        }
        Some(e)
    }

    /// The entries from the main term down to `at`.
    pub fn path(self, at: &[u32]) -> Vec<Entry<'a>> {
        (1..=at.len()).filter_map(|n| self.entry(&at[..n])).collect()
    }

    /// `Neoplasm, neoplastic > breast > upper-inner quadrant` (a PCS `see` line without a title adds nothing).
    pub fn path_text(self, at: &[u32]) -> String {
        let titled: Vec<String> =
            self.path(at).into_iter().filter(|e| !e.title().is_empty()).map(Entry::display).collect();
        titled.join(" > ")
    }

    /// Every line of the book, in printed order.
    pub fn lines(self) -> Vec<Line> {
        fn walk(e: Entry<'_>, at: &mut Vec<u32>, parent: Option<usize>, out: &mut Vec<Line>) {
            let me = out.len();
            out.push(Line { at: at.clone(), parent });
            for (i, c) in e.children().into_iter().enumerate() {
                at.push(i as u32);
                walk(c, at, Some(me), out);
                at.pop();
            }
        }
        let mut out = Vec::new();
        for (i, m) in self.mains().into_iter().enumerate() {
            walk(m, &mut vec![i as u32], None, &mut out);
        }
        out
    }

    /// The lines (of [`Index::lines`]) whose entries `query` names, for
    /// printing each with its subterms: the main terms that begin with it, else the shallowest terms whose path holds its words
    /// (a query word matches a word it begins, case ignored).
    pub fn find(self, lines: &[Line], query: &str) -> Vec<usize> {
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
        };
        let wanted = words(query);
        if wanted.is_empty() {
            return Vec::new();
        }
        let holds = |have: &[String]| wanted.iter().all(|w| have.iter().any(|h| h.starts_with(w.as_str())));
        let begins = query.trim().to_lowercase();
        let mains: Vec<usize> = (0..lines.len())
            .filter(|i| lines[*i].level() == 0)
            .filter(|i| {
                self.entry(&lines[*i].at).is_some_and(|e| e.display().to_lowercase().starts_with(&begins))
            })
            .collect();
        if !mains.is_empty() {
            return mains;
        }
        let mut out: Vec<usize> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            // Under a line already found: printed with it.
            if out.last().is_some_and(|f| l.at.starts_with(&lines[*f].at)) {
                continue;
            }
            if holds(&words(&self.path_text(&l.at))) {
                out.push(i);
            }
        }
        out
    }

    /// The place a reference names: `Accident, transport, aircraft` is the main
    /// term `Accident`, its subterm `transport`, and under it `aircraft`.
    /// Titles may hold commas themselves (`Neoplasm, neoplastic`): the longest
    /// title that begins the text wins at each level. `Err`: no such main term
    /// (a dangling reference), saying so.
    pub fn resolve(self, reference: &str) -> Result<Resolved, String> {
        let mut rest = reference.trim();
        let mut at: Vec<u32> = Vec::new();
        let mut level = self.mains();
        loop {
            let best = level
                .iter()
                .enumerate()
                .filter_map(|(i, e)| begins(rest, e.title()).map(|n| (i, n)))
                .max_by_key(|(_, n)| *n);
            let Some((i, n)) = best else {
                let missing = rest.split(',').next().unwrap_or(rest).trim().to_lowercase();
                return if at.is_empty() {
                    Err(format!("no main term \"{missing}\""))
                } else {
                    let found = self.path_text(&at);
                    Ok(Resolved { at, missing: Some(format!("\"{found}\" has no subterm \"{missing}\"")) })
                };
            };
            at.push(i as u32);
            rest = rest[n..].trim_start_matches(',').trim_start();
            if rest.is_empty() {
                return Ok(Resolved { at, missing: None });
            }
            level = level[i].children();
        }
    }

    /// Follow the references from `from`: its own (any word but `see
    /// category` and `use`, which name no term), then each `see` of the
    /// term reached, until a term that sends nowhere, a dangling reference or
    /// a place already passed. Never more steps than the book has places.
    pub fn trail(self, from: &[u32]) -> Trail {
        let mut passed = vec![from.to_vec()];
        let mut first = true;
        loop {
            let Some(here) = passed.last().and_then(|at| self.entry(at)) else {
                return Trail::Term(passed);
            };
            let next = match here.reference() {
                Some((word @ ("see" | "see also"), text)) if first || word == "see" => (word, text),
                _ => return Trail::Term(passed),
            };
            first = false;
            match self.resolve(next.1) {
                Err(why) => {
                    return Trail::Dangling { passed, word: next.0, text: next.1.to_string(), why };
                }
                Ok(r) => {
                    if let Some(k) = passed.iter().position(|p| *p == r.at) {
                        let mut cycle = passed.split_off(k);
                        cycle.push(r.at);
                        return Trail::Cycle(cycle);
                    }
                    passed.push(r.at);
                }
            }
        }
    }

    /// One phrase for what is wrong with the reference at `at`, if anything:
    /// `dangling: no main term "x"`, `a cycle: A > B > A`.
    pub fn reference_fault(self, at: &[u32]) -> Option<String> {
        match self.trail(at) {
            Trail::Term(_) => None,
            Trail::Dangling { why, .. } => Some(format!("dangling: {why}")),
            Trail::Cycle(places) => Some(format!("a cycle of references: {}", self.chain_text(&places))),
        }
    }

    /// `Lanternitis → Mothwing disorder → Lanternitis`.
    pub fn chain_text(self, places: &[Vec<u32>]) -> String {
        places.iter().map(|p| self.path_text(p)).collect::<Vec<_>>().join(" → ")
    }
}

/// The bytes of `rest` that `title` begins, case ignored, when the title
/// ends there or at a comma.
fn begins(rest: &str, title: &str) -> Option<usize> {
    let n = title.len();
    let head = rest.as_bytes().get(..n)?;
    let ends = rest.len() == n || rest.as_bytes()[n] == b',';
    (n > 0 && ends && head.eq_ignore_ascii_case(title.as_bytes())).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small Alphabetic Index in the CDC schema (invented terms, real codes as placeholders).
    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/releases/index-diseases-mini.xml");

    fn fixture() -> IndexBook {
        IndexBook::parse(FIXTURE, "index-diseases-mini.xml").expect("fixture parses")
    }

    fn at_of(ix: Index<'_>, path: &str) -> Vec<u32> {
        let lines = ix.lines();
        lines
            .into_iter()
            .find(|l| ix.path_text(&l.at) == path)
            .map(|l| l.at)
            .unwrap_or_else(|| panic!("{path}"))
    }

    #[test]
    fn references_resolve_by_level_and_report_what_is_missing() {
        let book = fixture();
        let ix = Index::Cm(&book);
        let r = ix.resolve("glimmerosis, Wandering").unwrap();
        assert_eq!((ix.path_text(&r.at).as_str(), r.missing), ("Glimmerosis > wandering (chronic)", None));
        let err = ix.resolve("Vanishing term, nowhere").unwrap_err();
        assert_eq!(err, "no main term \"vanishing term\"");
        let r = ix.resolve("Glimmerosis, sideways").unwrap();
        assert_eq!(ix.path_text(&r.at), "Glimmerosis");
        assert_eq!(r.missing.as_deref(), Some("\"Glimmerosis\" has no subterm \"sideways\""));
    }

    #[test]
    fn lines_are_in_printed_order_with_their_parents() {
        let book = fixture();
        let ix = Index::Cm(&book);
        let lines = ix.lines();
        assert_eq!(lines.len(), book.term_count());
        let ckd = lines.iter().position(|l| l.level() == 3).expect("a level-3 line");
        assert_eq!(
            ix.path_text(&lines[ckd].at),
            "Glimmerosis > with > kidney complication > chronic kidney disease"
        );
        assert_eq!(lines[ckd].parent.map(|p| lines[p].level()), Some(2));
        assert!(lines.windows(2).all(|w| w[0].at < w[1].at), "paths sort as printed");
    }

    #[test]
    fn a_trail_ends_at_a_term_a_dangling_reference_or_round_a_cycle_of_any_length() {
        let book = fixture();
        let ix = Index::Cm(&book);
        let Trail::Term(passed) = ix.trail(&at_of(ix, "Bramblefever")) else { panic!() };
        // see also from the wandering subterm is not followed further: only a see sends on.
        assert_eq!(ix.chain_text(&passed), "Bramblefever → Glimmerosis > wandering (chronic)");
        let Trail::Dangling { why, word, .. } = ix.trail(&at_of(ix, "Quillpox > ghostly")) else { panic!() };
        assert_eq!((word, why.as_str()), ("see", "no main term \"vanishing term\""));
        let Trail::Cycle(c) = ix.trail(&at_of(ix, "Lanternitis")) else { panic!() };
        assert_eq!(ix.chain_text(&c), "Lanternitis → Mothwing disorder → Lanternitis");
        let Trail::Cycle(c) = ix.trail(&at_of(ix, "Ringwort")) else { panic!() };
        assert_eq!(ix.chain_text(&c), "Ringwort → Rustcough → Reedlung → Ringwort");
        assert_eq!(
            ix.reference_fault(&at_of(ix, "Rustcough")).as_deref(),
            Some("a cycle of references: Rustcough → Reedlung → Ringwort → Rustcough")
        );
        // A term whose see leads into a cycle it is not part of: the cycle, from where it starts.
        let Trail::Cycle(c) = ix.trail(&at_of(ix, "Quillpox > rusty")) else { panic!() };
        assert_eq!(ix.chain_text(&c), "Rustcough → Reedlung → Ringwort → Rustcough");
        assert_eq!(ix.reference_fault(&at_of(ix, "Glimmerosis")), None);
    }

    #[test]
    fn find_prefers_main_terms_then_the_shallowest_terms_whose_path_holds_the_words() {
        let book = fixture();
        let ix = Index::Cm(&book);
        let lines = ix.lines();
        let found = |q: &str| -> Vec<String> {
            ix.find(&lines, q).iter().map(|i| ix.path_text(&lines[*i].at)).collect()
        };
        assert_eq!(found("r"), ["Reedlung", "Ringwort", "Rustcough"]);
        assert_eq!(found("glimmerosis kidney"), ["Glimmerosis > with > kidney complication"]);
        assert_eq!(found("quill rust"), ["Quillpox > rusty"]);
        assert!(found("nothing here").is_empty());
    }

    #[test]
    fn book_names_parse_for_the_command_line() {
        assert_eq!("pcs".parse::<Book>(), Ok(Book::Pcs));
        assert_eq!("Index".parse::<Book>(), Ok(Book::Diseases));
        let err = "atlas".parse::<Book>().unwrap_err();
        assert!(err.contains("drug, neoplasm, index, external, pcs"), "{err}");
    }
}
