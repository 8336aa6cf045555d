//! The record queue as the workbench holds it: the records, a copy of the
//! coder's saved work (the store owns the file; the loop refreshes this copy
//! after every save), the list's filter and selection, the open record.

use std::collections::BTreeMap;

use crate::queue::{EncounterType, Op, Record, RecordWork, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Comment,
    Hold,
    Query,
    /// Marking done over edit errors: the reason is required.
    Override,
    /// Find in the documentation (the matches follow each keystroke).
    Find,
    /// A record id or number to open.
    GoTo,
    /// y/n: remove the selected code.
    ConfirmRemove,
    /// y/n: mark done a record with no codes.
    ConfirmDone,
    /// The selected procedure line's modifiers, units, diagnosis pointers (empty clears).
    Modifiers,
    Units,
    Pointers,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Comment => "Comment",
            PromptKind::Hold => "Hold reason",
            PromptKind::Query => "Query to the provider",
            PromptKind::Override => "Errors remain: override reason",
            PromptKind::Find => "Find",
            PromptKind::GoTo => "Go to record (id or number)",
            PromptKind::ConfirmRemove => "Remove this code? y/n",
            PromptKind::ConfirmDone => "No codes attached: mark done anyway? y/n",
            PromptKind::Modifiers => "Modifiers (up to 4: JZ 59)",
            PromptKind::Units => "Units",
            PromptKind::Pointers => "Diagnosis pointers (A-L: AB)",
        }
    }

    /// A claim-line field: an empty answer clears it.
    pub fn is_line(self) -> bool {
        matches!(self, PromptKind::Modifiers | PromptKind::Units | PromptKind::Pointers)
    }

    /// Answered with one key, y or n.
    pub fn is_confirm(self) -> bool {
        matches!(self, PromptKind::ConfirmRemove | PromptKind::ConfirmDone)
    }
}

/// The order of the queue list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// As in the queue file.
    #[default]
    File,
    /// Urgent first; records with no priority last.
    Priority,
    /// Soonest due first; records with no due date last.
    Due,
}

impl QueueSort {
    pub fn next(self) -> QueueSort {
        match self {
            QueueSort::File => QueueSort::Priority,
            QueueSort::Priority => QueueSort::Due,
            QueueSort::Due => QueueSort::File,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QueueSort::File => "file order",
            QueueSort::Priority => "priority",
            QueueSort::Due => "due date",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct QueueState {
    pub name: String,
    pub records: Vec<Record>,
    pub work: BTreeMap<String, RecordWork>,
    /// Lines of the queue file that could not be read.
    pub problems: usize,
    pub filter: Option<Status>,
    pub sort: QueueSort,
    pub sel: usize,
    /// The record open in the record view.
    pub open: Option<String>,
    pub doc_scroll: u16,
    pub code_sel: usize,
    pub prompt: Option<Prompt>,
    /// Text found in the documentation (empty: none) and the current match.
    pub find: String,
    pub find_sel: usize,
    /// The open record is claimed by another coder: who (the record is read-only).
    pub held_by: Option<String>,
    /// The edits of the open record's codes, kept in step with its work (not rerun per frame).
    pub edits: Vec<crate::queue::edits::Edit>,
    /// The edit and suggested code selected in the record view.
    pub edit_cursor: super::edit_view::EditCursor,
    /// The editions to choose from by date of service (empty: every record
    /// uses the workbench's edition, as when `--edition` names one).
    pub editions: Vec<crate::codeset::edition::Edition>,
    /// Editions loaded for records, by name (the workbench's own is `App::book`).
    pub books: BTreeMap<String, std::sync::Arc<crate::codeset::Codebook>>,
    /// Records other coders hold, with who holds them (refreshed with their work).
    pub claims: BTreeMap<String, String>,
    /// The inverses of the changes made in this session, newest last.
    pub undo: Vec<Undo>,
}

/// How to take back one change: the operation that reverses it, through the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub record: String,
    /// What the change was, in the audit's words.
    pub what: String,
    pub inverse: Op,
}

/// The operation that takes `op` back on `work`; `None` for what cannot be
/// taken back (a comment, a hold or a query already sent).
pub fn inverse(work: &RecordWork, op: &Op) -> Option<Op> {
    let n = work.codes.len();
    Some(match op {
        Op::Attach { at, .. } => Op::Remove { index: at.unwrap_or(n).min(n) },
        Op::Remove { index } => {
            let c = work.codes.get(*index)?;
            Op::Attach {
                code: c.code.clone(),
                set: c.set,
                kind: c.kind,
                poa: c.poa,
                at: Some(*index),
                found: None,
                line: c.line.clone(),
            }
        }
        Op::MoveUp { index } => Op::MoveDown { index: index.checked_sub(1)? },
        Op::MoveDown { index } => Op::MoveUp { index: index + 1 },
        Op::SetPoa { index, .. } => Op::SetPoa { index: *index, poa: work.codes.get(*index)?.poa },
        Op::SetModifiers { index, .. } => {
            Op::SetModifiers { index: *index, modifiers: work.codes.get(*index)?.line.modifiers.clone() }
        }
        Op::SetUnits { index, .. } => {
            Op::SetUnits { index: *index, units: work.codes.get(*index)?.line.units }
        }
        Op::SetPointers { index, .. } => {
            Op::SetPointers { index: *index, pointers: work.codes.get(*index)?.line.pointers.clone() }
        }
        Op::SetEdition { .. } => Op::SetEdition { edition: work.edition.clone() },
        Op::Done { .. } => Op::Reopen,
        Op::Reopen => Op::Done { override_reason: work.override_reason.clone() },
        Op::Comment { .. } | Op::BookStep { .. } | Op::Start | Op::Hold { .. } | Op::Query { .. } => {
            return None;
        }
    })
}

/// `Hold: ... · Query: ... · 2 comments, last: ...`, or nothing when the coder wrote nothing.
pub fn work_summary(work: &RecordWork) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(h) = &work.hold_reason {
        parts.push(format!("Hold: {h}"));
    }
    if let Some(qr) = &work.query {
        parts.push(format!("Query: {qr}"));
    }
    if let Some(o) = &work.override_reason {
        parts.push(format!("Override: {o}"));
    }
    if let Some(last) = work.comments.last() {
        parts.push(format!("{} comment(s), last: {}", work.comments.len(), last.text));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

impl QueueState {
    pub fn status(&self, id: &str) -> Status {
        self.work.get(id).map(|w| w.status).unwrap_or_default()
    }

    pub fn work_of(&self, id: &str) -> RecordWork {
        self.work.get(id).cloned().unwrap_or_default()
    }

    /// Indexes of the records the filter lets through, in the list's order
    /// (ties keep file order).
    pub fn visible(&self) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.records.len())
            .filter(|i| self.filter.is_none_or(|f| self.status(&self.records[*i].id) == f))
            .collect();
        match self.sort {
            QueueSort::File => {}
            QueueSort::Priority => out.sort_by_key(|i| {
                std::cmp::Reverse(self.records[*i].priority.map(|p| p as u8 + 1).unwrap_or(0))
            }),
            QueueSort::Due => out.sort_by_key(|i| {
                let due = self.records[*i].due_date;
                (due.is_none(), due)
            }),
        }
        out
    }

    /// The next order of the list; the selection goes to the top.
    pub fn cycle_sort(&mut self) -> String {
        self.sort = self.sort.next();
        self.sel = 0;
        format!("queue sorted by {}", self.sort.label())
    }

    pub fn count(&self, status: Status) -> usize {
        self.records.iter().filter(|r| self.status(&r.id) == status).count()
    }

    pub fn open_record(&self) -> Option<&Record> {
        let id = self.open.as_deref()?;
        self.records.iter().find(|r| r.id == id)
    }

    /// The edition a record is coded against: the one the coder chose for it,
    /// else the one in force on its date of service (inpatient: discharge).
    pub fn edition_of(&self, record: &Record) -> Option<String> {
        if let Some(chosen) = self.work.get(&record.id).and_then(|w| w.edition.clone()) {
            return Some(chosen);
        }
        crate::codeset::edition::in_force_on(&self.editions, record.date_of_service).map(|e| e.name.clone())
    }

    /// What the record view makes room for (drawn by `ui`, scrolled by `update`).
    pub fn record_shape(&self) -> crate::layout::RecordShape {
        let work = self.open.as_deref().map(|id| self.work_of(id)).unwrap_or_default();
        crate::layout::RecordShape {
            codes: work.codes.len(),
            upstream: self.open_record().is_some_and(|r| !r.codes.is_empty()),
            edit_lines: crate::layout::edit_lines(self.edits.len()),
            summary: work_summary(&work).is_some(),
            bottom: self.prompt.is_some() || !self.find.is_empty(),
        }
    }

    pub fn inpatient(&self) -> bool {
        self.open_record().is_some_and(|r| r.encounter_type == EncounterType::Inpatient)
    }

    /// The next record after the open one (or after the selected one in the list) that needs
    /// work: new or in progress, and not held by another coder (wrapping).
    pub fn next_undone(&self) -> Option<String> {
        let n = self.records.len();
        let start = match self.open.as_deref() {
            Some(id) => self.records.iter().position(|r| r.id == id).unwrap_or(0),
            None => self.visible().get(self.sel).copied().unwrap_or(n.saturating_sub(1)),
        };
        (1..=n)
            .map(|k| &self.records[(start + k) % n])
            .find(|r| {
                matches!(self.status(&r.id), Status::New | Status::InProgress)
                    && !self.claims.contains_key(&r.id)
                    && self.open.as_deref() != Some(r.id.as_str())
            })
            .map(|r| r.id.clone())
    }

    /// A record by id (any case), by number in the queue (`3`), or by the
    /// number its id ends with (`1003` for IP-1003).
    pub fn find_record(&self, text: &str) -> Option<String> {
        let t = text.trim().trim_start_matches(':').trim();
        if t.is_empty() {
            return None;
        }
        let by_id = self.records.iter().find(|r| r.id.eq_ignore_ascii_case(t));
        let by_number = t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=self.records.len()).contains(n))
            .map(|n| &self.records[n - 1]);
        let by_tail = || {
            let tail = format!("-{t}").to_ascii_lowercase();
            self.records.iter().find(|r| r.id.to_ascii_lowercase().ends_with(&tail))
        };
        by_id.or(by_number).or_else(by_tail).map(|r| r.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_sorts_by_priority_then_due_then_file_order() {
        let mut q = QueueState { records: crate::queue::load_example().records, ..Default::default() };
        let ids = |q: &QueueState| q.visible().iter().map(|i| q.records[*i].id.clone()).collect::<Vec<_>>();
        let file = ids(&q);
        assert_eq!(q.cycle_sort(), "queue sorted by priority");
        let by_priority = ids(&q);
        // Urgent, the two highs in file order, normal, low, then the rest as in the file.
        assert_eq!(by_priority[..5], ["IP-1010", "IP-1003", "IP-1009", "IP-1005", "OP-3007"]);
        q.cycle_sort();
        assert_eq!(ids(&q)[..2], ["IP-1005", "IP-1010"]);
        q.cycle_sort();
        assert_eq!(ids(&q), file);
    }
}
