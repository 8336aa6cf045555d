//! Book mode (`--book`, for practice): the free-text search is off, as in
//! the exam room; codes are found in the index and the tables, the tabular
//! and its notes. Each step through them (a book entry opened, a tabular
//! code opened) is audited on the open record, with its time, so `queue
//! score` can say where the time went; with no queue (the books inside the
//! mock exam) a step leaves as [`Effect::BookStep`] for the question on
//! screen. No I/O: steps leave as effects.

use super::{App, Effect, Pane};
use crate::queue::{Op, Status};

/// What was last seen, so only a new step is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookMode {
    found: Option<String>,
    tabular: Option<String>,
}

/// How a step on the tabular begins (`Tabular: A41.51`); any other step is in the index or a table.
pub const TABULAR: &str = "Tabular: ";

pub fn is_tabular(step: &str) -> bool {
    step.starts_with(TABULAR)
}

pub const SEARCH_OFF: &str =
    "Book mode: the search is off, as in the exam room (Ctrl-k books, Ctrl-t tabular)";

impl App {
    /// Book mode on, the books on screen (`--book`, the mock's books).
    pub fn enter_book_mode(&mut self) {
        self.book_mode = Some(BookMode::default());
        (self.pane, self.left) = (Pane::Books, Pane::Books);
    }

    /// Book mode's part of every update: the search pane is never focused,
    /// and a book entry or tabular code newly on screen is a step of the open
    /// record (or, with no queue, of whoever runs the effects).
    pub(super) fn book_mode_step(&mut self) -> Vec<Effect> {
        if self.book_mode.is_none() {
            return Vec::new();
        }
        if self.pane == Pane::Search {
            self.search.typing = false;
            self.focus(Pane::Books);
            self.message = Some(SEARCH_OFF.to_string());
        }
        let found = self.books.found.as_ref().map(|(_, code, at)| format!("{at}: {code}"));
        // A code opened on the tabular; the tree's cursor previews are not steps.
        let opened = self.detail.history.get(self.detail.pos).filter(|(_, preview)| !preview);
        let tabular = opened.map(|(t, _)| format!("{TABULAR}{}", self.detail_target_code(t)));
        let Some(mode) = self.book_mode.as_mut() else { return Vec::new() };
        let mut steps = Vec::new();
        if found.is_some() && found != mode.found {
            steps.extend(found.clone());
        }
        if tabular.is_some() && tabular != mode.tabular {
            steps.extend(tabular.clone());
        }
        (mode.found, mode.tabular) = (found, tabular);
        let Some(q) = self.queue.as_ref() else { return steps.into_iter().map(Effect::BookStep).collect() };
        let Some(record) = q.open.clone().filter(|id| q.work_of(id).status != Status::Done) else {
            return Vec::new();
        };
        if self.held_by_other(&record) {
            return Vec::new();
        }
        steps
            .into_iter()
            .map(|text| Effect::Queue { record: record.clone(), op: Op::BookStep { text } })
            .collect()
    }

    /// Leave the books for a while (the mock exam's question comes back):
    /// what was found and opened is forgotten, so opening it again is a new
    /// step. The tabular code stays on screen, as a preview (not a step).
    /// A lookup that ends on a row without opening it (the code read off the
    /// table) is a step of that row.
    pub fn book_mode_leave(&mut self) -> Vec<Effect> {
        let read = (self.pane == Pane::Books && !self.books.query.trim().is_empty())
            .then(|| self.books.code().map(|code| format!("{}: {code}", self.books.found_text())))
            .flatten()
            .filter(|t| self.book_mode.as_ref().is_some_and(|m| m.found.as_ref() != Some(t)));
        self.books.found = None;
        self.books.query.clear();
        self.books.offers = None;
        if let Some(e) = self.detail.history.get_mut(self.detail.pos) {
            e.1 = true;
        }
        if let Some(mode) = self.book_mode.as_mut() {
            *mode = BookMode::default();
        }
        read.into_iter().map(Effect::BookStep).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{FakeSearch, app, fake_hits, keys, with_queue};
    use super::*;
    use crate::codeset::CodeSet;

    #[test]
    fn the_search_stays_off_and_each_new_step_is_audited_on_the_open_record() {
        let s = FakeSearch(fake_hits());
        let mut a = app((80, 24));
        with_queue(&mut a);
        a.book_mode = Some(BookMode::default());
        keys(&mut a, &s, "<C-q><Enter>");
        let id = a.queue.as_ref().and_then(|q| q.open.clone()).expect("a record open");
        // Tab goes to the search box in a record: in book mode it lands on the books.
        let effects = keys(&mut a, &s, "<Tab>diabetes");
        assert_eq!(a.pane, Pane::Books);
        assert!(!a.search.typing && a.search.query.is_empty(), "{:?}", a.search.query);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Search(_))), "{effects:?}");
        let step = |text: &str| Effect::Queue { record: id.clone(), op: Op::BookStep { text: text.into() } };
        // A table cell opened, then its code on the tabular: two steps, each once.
        a.books.found =
            Some((CodeSet::Icd10cm, "E11.22".into(), "Index to Diseases: Diabetes > with CKD".into()));
        assert_eq!(a.book_mode_step(), [step("Index to Diseases: Diabetes > with CKD: E11.22")]);
        let node = a.book.cm.get("E11.22").expect("fixture has E11.22");
        a.detail.show(super::super::Target::Cm(node), false);
        assert_eq!(a.book_mode_step(), [step("Tabular: E11.22")]);
        assert!(a.book_mode_step().is_empty(), "nothing new: no step");
        a.detail.show(super::super::Target::Cm(a.book.cm.get("E11.9").expect("E11.9")), true);
        assert!(a.book_mode_step().is_empty(), "a preview under the tree's cursor is not a step");
        // Without book mode nothing is recorded and the search works.
        a.book_mode = None;
        a.detail.show(super::super::Target::Cm(a.book.cm.get("E11.9").expect("E11.9")), false);
        assert!(a.book_mode_step().is_empty());
    }
}
