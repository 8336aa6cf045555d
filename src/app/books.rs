//! The books beside the Tabular List, as a coder reads them: the Table of
//! Drugs and Chemicals and the Table of Neoplasms as grids (the term as the
//! row, the headings as columns), the Alphabetic Index (imported editions),
//! the Index to External Causes and the ICD-10-PCS index as indented terms.
//! Type-ahead goes to a main term like thumbing to its page; `see` and `see
//! also` are followed with one key and back; a code opens its tabular detail
//! (a header offers its billable codes), a PCS table opens the builder.
//!
//! The state and its steps are here; `ui::books` draws it; no I/O.

use std::sync::Arc;

use super::{App, Effect, Pane, Target};
pub use crate::codeset::books::Book;
use crate::codeset::books::{Entry, Index, Line, Trail};
use crate::codeset::icd10cm::books::{CodeStatus, Offer, check_code};
use crate::codeset::{CodeSet, Codebook};

/// A place in the books (for back and forward).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub book: Book,
    pub sel: usize,
    pub col: usize,
}

/// A code that is no billable code, with the codes to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offers {
    pub code: String,
    /// `needs a 7th character`, `NOT a valid code in fy2027-shipped`...
    pub reason: String,
    pub items: Vec<Offer>,
    /// How many there are (items holds at most [`crate::codeset::icd10cm::books::OFFER_LIMIT`]).
    pub total: usize,
    pub sel: usize,
}

#[derive(Clone, Default)]
pub struct BooksState {
    pub book: Book,
    /// The edition `rows` are lines of (its book [`BooksState::book`]).
    pub source: Option<Arc<Codebook>>,
    /// The book file's `<version>`.
    pub version: String,
    /// Tables: the column headings (the term column first).
    pub headings: Vec<String>,
    /// Every line of the book, in printed order (read through [`BooksState::entry`]).
    pub rows: Vec<Line>,
    pub sel: usize,
    /// Tables: the column under the cursor (0: the first code column).
    pub col: usize,
    /// The type-ahead text.
    pub query: String,
    pub back: Vec<Place>,
    pub forward: Vec<Place>,
    pub offers: Option<Offers>,
    /// The last code reached in a book and where (`Drug table: Acetaminophen >
    /// Poisoning Accidental (unintentional)`), for the audit of its attach; a
    /// PCS table (`0DTJ`) counts for the codes the builder finishes from it.
    pub found: Option<(CodeSet, String, String)>,
}

impl std::fmt::Debug for BooksState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BooksState")
            .field("book", &self.book)
            .field("edition", &self.source.as_ref().map(|cb| cb.edition.name.as_str()))
            .field("rows", &self.rows.len())
            .field("sel", &self.sel)
            .field("col", &self.col)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

/// Lower-case words.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Characters that are type-ahead text (the rest can be keys of the pane).
pub fn is_term_char(c: char) -> bool {
    c.is_alphanumeric() || " -,.'()/&".contains(c)
}

/// A short heading for a narrow column (`Poisoning Accidental (unintentional)` → `Accid`), 7 columns at most.
pub fn short_heading(h: &str) -> String {
    let l = h.to_lowercase();
    let table = [
        ("accidental", "Accid"),
        ("self-harm", "Self-h"),
        ("assault", "Assault"),
        ("undetermined", "Undet"),
        ("adverse", "Adverse"),
        ("underdosing", "Underdo"),
        ("primary", "Prim"),
        ("secondary", "Second"),
        ("in situ", "In situ"),
        ("benign", "Benign"),
        ("uncertain", "Uncert"),
        ("unspecified", "Unspec"),
    ];
    table
        .iter()
        .find(|(k, _)| l.contains(k))
        .map_or_else(|| h.chars().take(7).collect(), |(_, s)| s.to_string())
}

impl BooksState {
    /// Read `book` of `cb` into lines (kept until the book or the edition changes).
    pub fn load(&mut self, cb: &Arc<Codebook>, book: Book) {
        let same =
            self.book == book && self.source.as_ref().is_some_and(|s| s.edition.name == cb.edition.name);
        self.source = Some(cb.clone());
        if same {
            return;
        }
        self.book = book;
        (self.rows, self.headings) = match book.index(cb) {
            Some(ix @ Index::Cm(b)) => (ix.lines(), b.headings.clone()),
            Some(ix) => (ix.lines(), Vec::new()),
            None => (Vec::new(), Vec::new()),
        };
        self.version = book.version(cb);
        self.sel = 0;
        self.col = 0;
        self.offers = None;
        self.typeahead();
    }

    /// The book shown, read in place.
    pub fn index(&self) -> Option<Index<'_>> {
        self.book.index(self.source.as_deref()?)
    }

    /// The entry of line `i`.
    pub fn entry(&self, i: usize) -> Option<Entry<'_>> {
        self.index()?.entry(&self.rows.get(i)?.at)
    }

    /// The selected line's entry.
    pub fn row(&self) -> Option<Entry<'_>> {
        self.entry(self.sel)
    }

    /// `Neoplasm, neoplastic > breast > upper-inner quadrant` (a PCS `see` line without a title adds nothing).
    pub fn path_text(&self, i: usize) -> String {
        match (self.index(), self.rows.get(i)) {
            (Some(ix), Some(l)) => ix.path_text(&l.at),
            _ => String::new(),
        }
    }

    /// The heading of code column `col`.
    pub fn heading(&self, col: usize) -> String {
        self.headings.get(col + 1).cloned().unwrap_or_else(|| format!("column {}", col + 2))
    }

    pub fn columns(&self) -> usize {
        self.headings.len().saturating_sub(1)
    }

    /// The code under the cursor: the cell (tables) or the term's first code.
    pub fn code(&self) -> Option<&str> {
        let r = self.row()?;
        if self.book.grid() {
            r.cells().get(self.col)?.as_deref()
        } else {
            r.codes().first().map(String::as_str)
        }
    }

    /// Where the code under the cursor was found, for the audit.
    pub fn found_text(&self) -> String {
        let mut s = format!("{}: {}", self.book.name(), self.path_text(self.sel));
        if self.book.grid() {
            s.push_str(&format!(" > {}", self.heading(self.col)));
        } else if let Some(r) = self.row()
            && r.title().is_empty()
            && let Some((w, text)) = r.reference()
        {
            s.push_str(&format!(" > {w} {text}"));
        }
        s
    }

    /// What is wrong with line `i`'s reference (dangling, a cycle), if anything.
    pub fn reference_fault(&self, i: usize) -> Option<String> {
        self.index()?.reference_fault(&self.rows.get(i)?.at)
    }

    /// The line of a place.
    fn line_of(&self, at: &[u32]) -> Option<usize> {
        self.rows.binary_search_by(|l| l.at.as_slice().cmp(at)).ok()
    }

    /// Go to the type-ahead text: the first main term that begins with it (then
    /// any term that does, then any whose path holds its words). In a table,
    /// words that name a column (`acetaminophen poisoning accidental`,
    /// `adverse effect of warfarin`) choose the column and are not looked for
    /// in the terms. Returns whether something matched.
    pub fn typeahead(&mut self) -> bool {
        let q = self.query.trim().to_lowercase();
        if q.is_empty() {
            return true;
        }
        if let Some(i) = self.find_prefix(&q) {
            self.sel = i;
            return true;
        }
        let mut wanted = words(&q);
        if self.book.grid()
            && let Some((col, used)) = self.column_named(&wanted)
        {
            self.col = col;
            wanted.retain(|w| !used.contains(w) && w != "of" && w != "by");
            if wanted.is_empty() {
                return true;
            }
            if let Some(i) = self.find_prefix(&wanted.join(" ")) {
                self.sel = i;
                return true;
            }
        }
        if let Some(i) = (0..self.rows.len()).find(|i| {
            let have = words(&self.path_text(*i));
            wanted.iter().all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
        }) {
            self.sel = i;
            return true;
        }
        false
    }

    fn find_prefix(&self, q: &str) -> Option<usize> {
        let ix = self.index()?;
        let starts = |l: &Line| ix.entry(&l.at).is_some_and(|e| e.display().to_lowercase().starts_with(q));
        self.rows
            .iter()
            .position(|l| l.level() == 0 && starts(l))
            // The Table of Neoplasms has one main term: its sites are level 1.
            .or_else(|| self.rows.iter().position(|l| l.level() == 1 && starts(l)))
            .or_else(|| self.rows.iter().position(starts))
    }

    /// The column whose heading holds the most of `wanted` (3 letters at least), and those words.
    fn column_named(&self, wanted: &[String]) -> Option<(usize, Vec<String>)> {
        let mut best: Option<(usize, Vec<String>)> = None;
        for col in 0..self.columns() {
            let head = words(&self.heading(col));
            let used: Vec<String> = wanted
                .iter()
                .filter(|w| w.len() >= 3 && head.iter().any(|h| h.starts_with(w.as_str())))
                .cloned()
                .collect();
            // "poisoning" alone names four columns: a word every poisoning heading has decides nothing alone.
            if !used.is_empty() && best.as_ref().is_none_or(|b| used.len() > b.1.len()) {
                best = Some((col, used));
            }
        }
        best
    }
}

impl App {
    /// The actions the books pane takes its own way (`None`: the common handling).
    pub(super) fn books_action(&mut self, action: crate::action::Action) -> Option<Vec<Effect>> {
        use crate::action::Action as A;
        if self.pane != Pane::Books || self.help.is_some() {
            return None;
        }
        self.books_ensure();
        match action {
            A::Cancel if self.books_cancel() => {}
            A::DeleteChar => {
                return Some(self.books_edit_query(|q| {
                    q.pop();
                }));
            }
            A::DeleteWord => {
                return Some(self.books_edit_query(|q| {
                    let t = q.trim_end().len();
                    q.truncate(t);
                    let cut = q.rfind(' ').map_or(0, |i| i + 1);
                    q.truncate(cut);
                }));
            }
            A::ClearQuery => return Some(self.books_edit_query(String::clear)),
            A::Back => self.books_back(),
            A::Forward => self.books_forward(),
            A::CycleBook => self.cycle_book(),
            A::NextColumn => self.books_column(1),
            A::PrevColumn => self.books_column(-1),
            A::FollowRef => self.books_follow(),
            _ => return None,
        }
        Some(Vec::new())
    }

    /// Open the books pane (on the first book the edition has, when the one chosen is missing).
    pub(super) fn show_books(&mut self) {
        self.focus(Pane::Books);
        self.books_ensure();
    }

    /// The rows are of the book and edition in use.
    pub(super) fn books_ensure(&mut self) {
        let mut book = self.books.book;
        if !book.available(&self.book) {
            book = Book::ALL.into_iter().find(|b| b.available(&self.book)).unwrap_or(book);
        }
        let book_ref = self.book.clone();
        self.books.load(&book_ref, book);
    }

    pub(super) fn cycle_book(&mut self) {
        let have: Vec<Book> = Book::ALL.into_iter().filter(|b| b.available(&self.book)).collect();
        let i = have.iter().position(|b| *b == self.books.book).map_or(0, |i| i + 1);
        let Some(next) = have.get(i % have.len().max(1)).copied() else {
            self.message = Some("this edition has no index or table".into());
            return;
        };
        let cb = self.book.clone();
        self.books.back.push(self.books_place());
        self.books.forward.clear();
        self.books.load(&cb, next);
        self.message = Some(format!("{} · {}", next.title(), self.books_edition_label()));
    }

    /// `FY2025 book, fy2027-shipped`.
    pub fn books_edition_label(&self) -> String {
        let label = self.books.book.label(&self.book);
        if label.is_empty() {
            self.book.edition.name.clone()
        } else {
            format!("{label} · {}", self.book.edition.name)
        }
    }

    fn books_place(&self) -> Place {
        Place { book: self.books.book, sel: self.books.sel, col: self.books.col }
    }

    fn books_go(&mut self, p: Place) {
        let cb = self.book.clone();
        self.books.load(&cb, p.book);
        self.books.sel = p.sel.min(self.books.rows.len().saturating_sub(1));
        self.books.col = p.col;
        self.books.offers = None;
    }

    pub(super) fn books_type(&mut self, c: char) -> Vec<Effect> {
        self.books_ensure();
        self.books.query.push(c);
        self.books_find();
        Vec::new()
    }

    pub(super) fn books_edit_query(&mut self, f: impl FnOnce(&mut String)) -> Vec<Effect> {
        f(&mut self.books.query);
        self.books_find();
        Vec::new()
    }

    fn books_find(&mut self) {
        self.books.offers = None;
        // A keystroke's message is of that keystroke: an earlier "no term" goes once the text matches.
        self.message = None;
        if !self.books.typeahead() {
            self.message =
                Some(format!("no term \"{}\" in the {}", self.books.query.trim(), self.books.book.title()));
        }
    }

    pub(super) fn books_move(&mut self, delta: i64) {
        let clamp = |cur: usize, len: usize| -> usize {
            if len == 0 { 0 } else { (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize }
        };
        match self.books.offers.as_mut() {
            Some(o) => o.sel = clamp(o.sel, o.items.len()),
            None => self.books.sel = clamp(self.books.sel, self.books.rows.len()),
        }
    }

    pub(super) fn books_column(&mut self, delta: i64) {
        if !self.books.book.grid() {
            if delta > 0 {
                self.books_follow();
            } else {
                self.books_back();
            }
            return;
        }
        let n = self.books.columns();
        if n > 0 {
            self.books.col = (self.books.col as i64 + delta).clamp(0, n as i64 - 1) as usize;
            self.books.offers = None;
        }
    }

    /// Enter: a chosen offer opens its detail; a cell or code is checked and
    /// opened (a header offers its billable codes); a line without a code follows its reference.
    pub(super) fn books_open(&mut self) -> Vec<Effect> {
        if let Some(o) = &self.books.offers {
            let Some(item) = o.items.get(o.sel).cloned() else { return Vec::new() };
            let text = self.books.found_text();
            self.books.found = Some((CodeSet::Icd10cm, item.code.clone(), text));
            self.books.offers = None;
            self.open_cm(&item.code);
            return Vec::new();
        }
        let Some(codes) = self.books.row().map(|r| r.codes().to_vec()) else { return Vec::new() };
        if self.books.book == Book::Pcs {
            return self.books_pcs(&codes);
        }
        match self.books.code().map(str::to_string) {
            Some(code) => self.books_code(&code),
            None if self.books.book.grid() => {
                self.message = Some(format!(
                    "{} > {}: -- (not applicable)",
                    self.books.path_text(self.books.sel),
                    self.books.heading(self.books.col)
                ));
            }
            None => self.books_follow(),
        }
        Vec::new()
    }

    /// Check a printed code: billable opens its detail, a header or invalid code offers codes.
    fn books_code(&mut self, code: &str) {
        let text = self.books.found_text();
        let check = check_code(&self.book.cm, code);
        match check.status {
            CodeStatus::Billable => {
                self.books.found = Some((CodeSet::Icd10cm, check.code.clone(), text));
                self.open_cm(code);
            }
            CodeStatus::Header { reason, billable, total } => {
                self.message = Some(format!("{code}: {reason}; Enter opens, Ctrl-e attaches"));
                self.books.found = Some((CodeSet::Icd10cm, check.code.clone(), text));
                self.books.offers = Some(Offers { code: check.code, reason, items: billable, total, sel: 0 });
            }
            CodeStatus::Invalid => {
                let offers = crate::codeset::changes::replacements(&self.book, CodeSet::Icd10cm, code, None)
                    .map(|r| r.offers)
                    .unwrap_or_default();
                let items: Vec<Offer> = offers
                    .iter()
                    .map(|c| Offer {
                        code: c.clone(),
                        title: self
                            .book
                            .cm
                            .get(c)
                            .map(|id| self.book.cm.node(id).title.clone())
                            .unwrap_or_default(),
                    })
                    .collect();
                let reason = format!("NOT a valid code in {}", self.book.edition.name);
                self.message = Some(format!(
                    "{code} is {reason}{}",
                    if items.is_empty() {
                        " (nothing replaces it)"
                    } else {
                        "; the codes replacing it are offered"
                    }
                ));
                if !items.is_empty() {
                    self.books.found = Some((CodeSet::Icd10cm, code.to_string(), text));
                    self.books.offers =
                        Some(Offers { code: code.to_string(), reason, total: items.len(), items, sel: 0 });
                }
            }
            CodeStatus::Unchecked => {
                self.message = Some(format!("{code}: no ICD-10-CM tabular in this edition to open it in"));
            }
        }
    }

    fn open_cm(&mut self, code: &str) {
        let key = code.trim_end_matches(['-', '.']);
        match self.book.cm.get(key) {
            Some(id) => {
                self.detail.show(Target::Cm(id), false);
                self.pane = Pane::Detail;
            }
            None => {
                self.message = Some(format!("{code} is not in the tabular of {}", self.book.edition.name))
            }
        }
    }

    /// A PCS index line: its table opens the builder with those characters chosen.
    fn books_pcs(&mut self, codes: &[String]) -> Vec<Effect> {
        let Some(code) = codes.first() else {
            self.books_follow();
            return Vec::new();
        };
        let key = crate::codeset::normalize(code);
        if !self.book.pcs.is_prefix(&key) {
            self.message =
                Some(format!("{code} is not in the ICD-10-PCS tables of {}", self.book.edition.name));
            return Vec::new();
        }
        self.books.found = Some((CodeSet::Icd10pcs, key.clone(), self.books.found_text()));
        self.pcs.prefix = key.clone();
        self.pcs.sel = 0;
        self.focus(Pane::Pcs);
        self.preview_pcs();
        if codes.len() > 1 {
            self.message = Some(format!("builder at {key} (the line also names {})", codes[1..].join(", ")));
        } else {
            self.message = Some(format!("builder at {key}, from the PCS index"));
        }
        Vec::new()
    }

    /// Follow the selected line's reference (`see`, `see also`, `see category`)
    /// one step, as the book would be thumbed; a reference that names no term,
    /// or leads round a cycle of references (of any length), is said so.
    pub(super) fn books_follow(&mut self) {
        let Some(ix) = self.books.index() else { return };
        let Some(line) = self.books.rows.get(self.books.sel) else { return };
        let Some((word, text)) = ix.entry(&line.at).and_then(|e| e.reference()) else {
            self.message = Some(format!("{} has no see or see also", ix.path_text(&line.at)));
            return;
        };
        let text = text.to_string();
        if word == "see category" {
            self.books_code(&text);
            return;
        }
        if word == "use" {
            self.message = Some(format!("use {text}: the value to choose in the builder"));
            return;
        }
        let first = ix.resolve(&text);
        let trail = ix.trail(&line.at);
        let title = self.books.book.title();
        let (to, missing) = match first {
            Err(why) => {
                self.message = Some(format!("{word} {text}: dangling reference ({why} in the {title})"));
                return;
            }
            Ok(r) => (r.at, r.missing),
        };
        if to == line.at {
            self.message = Some(format!("{word} {text}: refers to itself (a cycle, not followed)"));
            return;
        }
        let mut msg = match &trail {
            Trail::Cycle(places) => format!(
                "followed {word} {text}; a cycle of references, not followed round: {}",
                ix.chain_text(places)
            ),
            Trail::Dangling { passed, word: w, text: t, why } if passed.len() > 1 => {
                format!("followed {word} {text}; further on, {w} {t} is dangling ({why} in the {title})")
            }
            _ => format!("followed {word} {text} (< back)"),
        };
        if let Some(m) = missing {
            msg.push_str(&format!("; {m}"));
        }
        let Some(i) = self.books.line_of(&to) else { return };
        let from = self.books_place();
        self.books.back.push(from);
        self.books.forward.clear();
        self.books.sel = i;
        self.books.offers = None;
        self.message = Some(msg);
    }

    pub(super) fn books_back(&mut self) {
        if let Some(p) = self.books.back.pop() {
            let here = self.books_place();
            self.books.forward.push(here);
            self.books_go(p);
        } else {
            self.message = Some("nothing to go back to in the books".into());
        }
    }

    pub(super) fn books_forward(&mut self) {
        if let Some(p) = self.books.forward.pop() {
            let here = self.books_place();
            self.books.back.push(here);
            self.books_go(p);
        }
    }

    /// Esc: close the offered codes, then clear the type-ahead, then leave.
    pub(super) fn books_cancel(&mut self) -> bool {
        if self.books.offers.take().is_some() {
            return true;
        }
        if !self.books.query.is_empty() {
            self.books.query.clear();
            return true;
        }
        false
    }

    /// The code attach takes from the books pane: the chosen offer, else the code under the cursor.
    pub(super) fn books_selected(&self) -> Option<(CodeSet, String)> {
        if let Some(o) = &self.books.offers {
            return o.items.get(o.sel).map(|i| (CodeSet::Icd10cm, i.code.clone()));
        }
        let code = self.books.code()?;
        Some((self.books.book.set(), code.to_string()))
    }

    /// Attach from the books: a header or an invalid code offers its codes
    /// first (true: handled here, nothing to attach yet).
    pub(super) fn books_attach_needs_choice(&mut self) -> bool {
        if self.pane != Pane::Books || self.books.offers.is_some() {
            return false;
        }
        let Some(code) = self.books.code().map(str::to_string) else { return false };
        if self.books.book == Book::Pcs {
            return false;
        }
        if check_code(&self.book.cm, &code).status == CodeStatus::Billable {
            self.books.found = Some((CodeSet::Icd10cm, code, self.books.found_text()));
            return false;
        }
        self.books_code(&code);
        true
    }

    /// Where a code about to be attached was found in a book, if it was.
    pub(super) fn found_in(&self, set: CodeSet, code: &str) -> Option<String> {
        let (found_set, at, text) = self.books.found.as_ref()?;
        let key = crate::codeset::normalize(code);
        let at = crate::codeset::normalize(at);
        // A table names a code or the header the coder completes there (T39.1X1 > T39.1X1A).
        (*found_set == set && key.starts_with(&at)).then(|| text.clone())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small Alphabetic Index in the CDC schema (invented terms, real codes as placeholders).
    pub(crate) const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/releases/index-diseases-mini.xml");

    /// The fixture Alphabetic Index in the pane.
    fn fixture_state() -> BooksState {
        let mut s = BooksState::default();
        s.load(&with_fixture_index((80, 24)).book, Book::Diseases);
        s
    }

    #[test]
    fn type_ahead_goes_to_the_main_term_then_subterms() {
        let mut s = fixture_state();
        s.query = "glim".into();
        assert!(s.typeahead());
        assert_eq!(s.path_text(s.sel), "Glimmerosis");
        s.query = "glimmerosis wand".into();
        assert!(s.typeahead());
        assert_eq!(s.path_text(s.sel), "Glimmerosis > wandering (chronic)");
        s.query = "zzz".into();
        assert!(!s.typeahead());
    }

    #[test]
    fn column_words_choose_the_column_of_a_table() {
        let cb = crate::app::tests::fixture_book();
        let mut s = BooksState::default();
        s.load(&cb, Book::Drug);
        s.query = "acetaminophen poisoning accidental".into();
        assert!(s.typeahead());
        assert_eq!((s.path_text(s.sel).as_str(), s.col), ("Acetaminophen", 0));
        assert_eq!(s.code(), Some("T39.1X1"));
        s.query = "adverse effect of warfarin".into();
        assert!(s.typeahead());
        assert_eq!((s.path_text(s.sel).as_str(), s.code()), ("Warfarin", Some("T45.515")));
        assert_eq!(s.found_text(), "Drug table: Warfarin > Adverse effect");
    }

    use crate::app::tests::{FakeSearch, app, keys, with_queue};

    /// The shipped FY2026 edition with the fixture Alphabetic Index beside its books.
    pub(crate) fn with_fixture_index(size: (u16, u16)) -> App {
        static BOOK: std::sync::OnceLock<std::sync::Arc<Codebook>> = std::sync::OnceLock::new();
        let cb = BOOK
            .get_or_init(|| {
                let mut cb =
                    crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2026).expect("fy2026");
                cb.diseases = Some(
                    crate::codeset::IndexBook::parse(FIXTURE, "index-diseases-mini.xml").expect("fixture"),
                );
                std::sync::Arc::new(cb)
            })
            .clone();
        let mut a = app(size);
        a.book = cb.clone();
        a.home = cb;
        a
    }

    fn ops(effects: &[Effect]) -> Vec<crate::queue::Op> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Queue { op, .. } => Some(op.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn drug_table_to_the_record_with_the_7th_character_and_where_it_was_found() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        with_queue(&mut a);
        keys(&mut a, &s, "<C-q><Enter><C-k>acetaminophen");
        assert_eq!((a.pane, a.books.book, a.books.code()), (Pane::Books, Book::Drug, Some("T39.1X1")));
        keys(&mut a, &s, "<Enter>");
        let o = a.books.offers.as_ref().expect("T39.1X1 offers its 7th characters");
        assert_eq!(o.reason, "needs a 7th character");
        assert_eq!(
            o.items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
            ["T39.1X1A", "T39.1X1D", "T39.1X1S"]
        );
        let effects = keys(&mut a, &s, "<C-e>");
        let attached: [crate::queue::Op; 1] = ops(&effects).try_into().expect("one attach");
        let [crate::queue::Op::Attach { code, found, .. }] = attached else { panic!("{effects:?}") };
        assert_eq!(code, "T39.1X1A");
        assert_eq!(
            found.as_deref(),
            Some("Drug table: Acetaminophen > Poisoning Accidental (unintentional)")
        );
        let audit = ops(&effects)[0].describe();
        assert!(audit.contains("found in Drug table: Acetaminophen"), "{audit}");
    }

    #[test]
    fn a_cell_opens_its_code_and_a_dash_is_not_applicable() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        keys(&mut a, &s, "<C-k>adverse effect of warfarin<Enter><Down><Enter>");
        assert_eq!(a.pane, Pane::Detail);
        assert_eq!(a.detail.current().map(|t| a.detail_target_code(t)).as_deref(), Some("T45.515D"));
        keys(&mut a, &s, "<C-k><C-u>1-propanol<Right><Right><Right><Right><Enter>");
        assert!(a.message.as_deref().is_some_and(|m| m.contains("not applicable")), "{:?}", a.message);
        // An attach from the detail of a code reached in a book says where it was found.
        assert_eq!(
            a.found_in(CodeSet::Icd10cm, "T45.515D").as_deref(),
            Some("Drug table: Warfarin > Adverse effect")
        );
        assert_eq!(a.found_in(CodeSet::Icd10cm, "E11.9"), None);
    }

    #[test]
    fn the_pcs_index_opens_the_builder_at_its_table() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        keys(&mut a, &s, "<C-k><C-s><C-s><C-s>");
        assert_eq!(a.books.book, Book::Pcs);
        keys(&mut a, &s, "appendectomy<Down><Down><Enter>");
        assert_eq!((a.pane, a.pcs.prefix.as_str()), (Pane::Pcs, "0DTJ"));
        assert!(
            a.found_in(CodeSet::Icd10pcs, "0DTJ4ZZ")
                .is_some_and(|f| f.starts_with("PCS index: Appendectomy > see Resection"))
        );
    }

    #[test]
    fn see_references_are_followed_and_back_and_bad_ones_said_so() {
        let s = FakeSearch(Vec::new());
        let mut a = with_fixture_index((80, 24));
        keys(&mut a, &s, "<C-k><C-s><C-s>");
        assert_eq!(a.books.book, Book::Diseases);
        keys(&mut a, &s, "bramble>");
        assert_eq!(a.books.path_text(a.books.sel), "Glimmerosis > wandering (chronic)");
        keys(&mut a, &s, "[");
        assert_eq!(a.books.path_text(a.books.sel), "Bramblefever");
        keys(&mut a, &s, "]");
        assert_eq!(a.books.path_text(a.books.sel), "Glimmerosis > wandering (chronic)");
        // A cycle: followed one step, and said so.
        keys(&mut a, &s, "<C-u>lantern>");
        assert_eq!(a.books.path_text(a.books.sel), "Mothwing disorder");
        assert!(a.message.as_deref().is_some_and(|m| m.contains("cycle")), "{:?}", a.message);
        // A cycle of three: one step, the whole cycle named.
        keys(&mut a, &s, "<C-u>ringwort>");
        assert_eq!(a.books.path_text(a.books.sel), "Rustcough");
        assert!(
            a.message.as_deref().is_some_and(|m| m.contains("Ringwort → Rustcough → Reedlung → Ringwort")),
            "{:?}",
            a.message
        );
        assert_eq!(
            a.books.reference_fault(a.books.sel).as_deref(),
            Some("a cycle of references: Rustcough → Reedlung → Ringwort → Rustcough")
        );
        // Dangling: stays, says so.
        keys(&mut a, &s, "<C-u>quillpox ghostly>");
        assert_eq!(a.books.path_text(a.books.sel), "Quillpox > ghostly");
        assert!(a.message.as_deref().is_some_and(|m| m.contains("dangling")), "{:?}", a.message);
        // A code the tabular lacks: shown as such, not opened.
        keys(&mut a, &s, "<C-u>glimmerosis retired<Enter>");
        assert_eq!(a.pane, Pane::Books);
        assert!(a.message.as_deref().is_some_and(|m| m.contains("NOT a valid code")), "{:?}", a.message);
        // see category opens the category's codes.
        keys(&mut a, &s, "<C-u>quillpox late>");
        assert!(a.books.offers.as_ref().is_some_and(|o| o.code == "B94"), "{:?}", a.message);
    }
}
