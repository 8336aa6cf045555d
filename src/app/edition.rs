//! The edition the workbench is using: the open record's (by its date of
//! service, or the coder's choice for it), else the workbench's own. Search
//! results, the detail pane, the tree and the PCS builder read `App::book`;
//! this module swaps it when the record changes and carries the panes over by
//! code, since node ids belong to one edition.

use std::sync::Arc;

use crate::codeset::{CodeSet, Codebook, normalize};
use crate::queue::Op;
use crate::search::Hit;

use super::{App, Effect, Target};

/// What a search row or the detail pane says about a code in the edition in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// New in this edition (its addenda add it).
    New,
    /// Not a code of this edition (the index is the workbench's edition's).
    Absent,
}

impl Mark {
    /// The tag shown beside the code (words, so it reads without colour).
    pub fn tag(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Absent => "not in edition",
        }
    }
}

/// Whether `code` is in `book` at all (a PCS table prefix or an April update code counts).
fn present(book: &Codebook, set: CodeSet, code: &str) -> bool {
    let key = normalize(code);
    match set {
        CodeSet::Icd10cm => book.cm.get(&key).is_some(),
        CodeSet::Icd10pcs => book.pcs.is_prefix(&key) || book.pcs.update_code(&key).is_some(),
        CodeSet::Hcpcs => book.hcpcs.get(&key).is_some(),
        CodeSet::Cpt => book.cpt_code(&key).is_some(),
    }
}

impl App {
    /// The mark of a code in the edition in use, if any.
    pub fn mark(&self, set: CodeSet, code: &str) -> Option<Mark> {
        if !present(&self.book, set, code) {
            Some(Mark::Absent)
        } else if self.book.is_new(set, code) {
            Some(Mark::New)
        } else {
            None
        }
    }

    /// Use the open record's edition (or the workbench's with no record open).
    /// Called after every change that can move it: an action, a save, a load.
    pub fn follow_record_edition(&mut self) {
        let want = match self.queue.as_ref().and_then(|q| q.open_record()) {
            Some(r) => self.record_book(r),
            None => self.home.clone(),
        };
        if Arc::ptr_eq(&want, &self.book) {
            return;
        }
        let old = std::mem::replace(&mut self.book, want);
        self.carry_over(&old);
    }

    /// After `book` changed from `old`: the same codes in the new edition, where they exist.
    fn carry_over(&mut self, old: &Codebook) {
        let cm_id = |book: &Codebook, id: crate::codeset::NodeId| book.cm.get(&old.cm.node(id).code);
        // Detail history: codes the new edition lacks drop out.
        let pos = self.detail.pos;
        let mut history = Vec::new();
        let mut new_pos = 0;
        for (i, (t, preview)) in std::mem::take(&mut self.detail.history).into_iter().enumerate() {
            let t = match t {
                Target::Cm(id) => cm_id(&self.book, id).map(Target::Cm),
                Target::Pcs(p) => self.book.pcs.is_prefix(&p).then_some(Target::Pcs(p)),
                Target::Flat(set, code) => self.target_of(set, &code),
            };
            if let Some(t) = t {
                if i <= pos {
                    new_pos = history.len();
                }
                history.push((t, preview));
            }
        }
        self.detail.history = history;
        self.detail.pos = new_pos;
        self.detail.link = None;
        self.detail.scroll = 0;
        let book = self.book.clone();
        let node = |n: super::tree::TreeNode| match n {
            super::tree::TreeNode::Cm(id) => cm_id(&book, id).map(super::tree::TreeNode::Cm),
            n if super::tree::has_children(old, n) => Some(n),
            n => super::tree::code_of(old, n).and_then(|(set, code)| super::tree::node_of(&book, set, &code)),
        };
        self.tree.sel = self.tree.sel.and_then(node);
        self.tree.expanded = self.tree.expanded.iter().filter_map(|n| node(*n)).collect();
        if !self.book.pcs.is_prefix(&self.pcs.prefix) {
            self.pcs.prefix.clear();
        }
        self.pcs.sel = 0;
        if self.search.query.trim().is_empty() {
            self.search.hits = self.recent_hits();
        } else {
            self.retitle_hits();
        }
        self.search.sel = self.search.sel.min(self.search.hits.len().saturating_sub(1));
    }

    /// Hits from the index, with titles and billable flags from the edition in use.
    pub(super) fn retitle_hits(&mut self) {
        let book = self.book.clone();
        for h in &mut self.search.hits {
            retitle(&book, h);
        }
    }

    /// The record key that codes the open record against another edition:
    /// by date of service, then each edition installed, round again.
    pub(super) fn cycle_edition(&mut self, id: String) -> Vec<Effect> {
        let Some(q) = self.queue.as_ref() else { return Vec::new() };
        let Some(record) = q.open_record() else { return Vec::new() };
        let names: Vec<String> = q.editions.iter().map(|e| e.name.clone()).collect();
        if names.is_empty() {
            self.message = Some(format!(
                "every record uses {} (named for the session with --edition)",
                self.home.edition.name
            ));
            return Vec::new();
        }
        let chosen = q.work_of(&id).edition;
        let next = match chosen.as_ref().and_then(|c| names.iter().position(|n| n == c)) {
            None if chosen.is_some() => None,
            None => names.first().cloned(),
            Some(i) => names.get(i + 1).cloned(),
        };
        let by_date = crate::codeset::edition::in_force_on(&q.editions, record.date_of_service)
            .map_or_else(|| self.home.edition.name.clone(), |e| e.name.clone());
        let name = next.clone().unwrap_or(by_date);
        let key = self
            .keymap
            .key_for(crate::keymap::Layer::Record, crate::action::Action::CycleEdition)
            .unwrap_or_default();
        self.message = Some(match &next {
            Some(n) => format!("{id} coded against {n} (chosen, audited) · {key} next"),
            None => format!("{id} coded against {name}, by date of service (audited) · {key} next"),
        });
        let mut effects = vec![Effect::Queue { record: id, op: Op::SetEdition { edition: next } }];
        let loaded = name == self.home.edition.name || q.books.contains_key(&name);
        if !loaded {
            effects.push(Effect::LoadEdition(name));
        }
        effects
    }
}

/// A hit's title and billable flag as `book` has them (kept when it lacks the code).
fn retitle(book: &Codebook, h: &mut Hit) {
    if let Some(title) = book.title(h.set, &h.code) {
        h.title = title;
        h.billable = book.is_valid(h.set, &h.code, None);
    }
}
