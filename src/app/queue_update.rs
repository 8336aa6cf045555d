//! `update` for the queue list and the record view.

use crate::action::Action;
use crate::codeset::CodeSet;
use crate::queue::{CodeKind, Op, Poa, Status};

use super::queue::{Prompt, PromptKind};
use super::record_doc;
use super::{App, Effect, Pane, Used};
use crate::keymap::{Key, KeyCodeOrd};

impl App {
    /// Actions with a meaning in the queue pane; `None` lets the general handling run.
    pub(super) fn queue_action(&mut self, action: Action) -> Option<Vec<Effect>> {
        use Action as A;
        if self.pane != Pane::Queue || self.help.is_some() {
            return None;
        }
        if let Some(effects) = self.record_open().then(|| self.edit_action(action)).flatten() {
            return Some(effects);
        }
        let screen = crate::layout::screen(self.size);
        let list_page = i64::from(crate::layout::queue_list(screen.main).rows.height.max(1));
        let doc_page = self.doc_view().map_or(1, |v| v.height as i64);
        let q = self.queue.as_mut()?;
        let open = q.open.clone();
        match (open, action) {
            (None, A::MoveUp | A::MoveDown | A::PageUp | A::PageDown | A::Top | A::Bottom) => {
                let n = q.visible().len() as i64;
                let d = match action {
                    A::MoveUp => -1,
                    A::MoveDown => 1,
                    A::PageUp => -list_page,
                    A::PageDown => list_page,
                    A::Top => -n,
                    _ => n,
                };
                q.sel = (q.sel as i64 + d).clamp(0, (n - 1).max(0)) as usize;
                Some(Vec::new())
            }
            (None, A::CycleStatus) => {
                q.filter = match q.filter {
                    None => Some(Status::ALL[0]),
                    Some(s) => {
                        Status::ALL.iter().position(|x| *x == s).and_then(|i| Status::ALL.get(i + 1)).copied()
                    }
                };
                q.sel = 0;
                Some(Vec::new())
            }
            (None, A::SortQueue) => {
                self.message = Some(q.cycle_sort());
                Some(Vec::new())
            }
            (None, A::Open) => {
                let visible = q.visible();
                let id = visible.get(q.sel).map(|i| q.records[*i].id.clone())?;
                Some(self.open_record(id))
            }
            (Some(_), A::MoveUp | A::MoveDown | A::PageUp | A::PageDown | A::Top | A::Bottom) => {
                let d = match action {
                    A::MoveUp => -1,
                    A::MoveDown => 1,
                    A::PageUp => -doc_page,
                    A::PageDown => doc_page,
                    A::Top => -i64::from(u16::MAX),
                    _ => i64::from(u16::MAX),
                };
                // The last page ends with the last line.
                let max = self.doc_view().map_or(0, |v| v.rows.len().saturating_sub(v.height));
                let q = self.queue.as_mut()?;
                q.doc_scroll = (i64::from(q.doc_scroll) + d).clamp(0, max as i64) as u16;
                Some(Vec::new())
            }
            (Some(_), A::FindInDoc) => {
                let text = q.find.clone();
                q.prompt = Some(Prompt { kind: PromptKind::Find, text });
                Some(Vec::new())
            }
            (Some(_), A::FindNext | A::FindPrev) => {
                if q.find.is_empty() {
                    let key =
                        self.keymap.key_for(crate::keymap::Layer::Record, A::FindInDoc).unwrap_or_default();
                    self.message = Some(format!("nothing to find yet: {key} finds in the documentation"));
                    return Some(Vec::new());
                }
                let n = self.doc_view().map_or(0, |v| v.matches.len());
                let q = self.queue.as_mut()?;
                if n > 0 {
                    q.find_sel =
                        if action == A::FindNext { (q.find_sel + 1) % n } else { (q.find_sel + n - 1) % n };
                }
                self.show_match();
                Some(Vec::new())
            }
            (Some(id), A::NextCode | A::PrevCode) => {
                let n = q.work_of(&id).codes.len();
                let d: i64 = if action == A::NextCode { 1 } else { -1 };
                q.code_sel = (q.code_sel as i64 + d).clamp(0, n.saturating_sub(1) as i64) as usize;
                Some(Vec::new())
            }
            (Some(id), A::RemoveCode) => {
                let Some(code) = q.work_of(&id).codes.get(q.code_sel).map(|c| c.code.clone()) else {
                    self.message = Some("no code to remove".into());
                    return Some(Vec::new());
                };
                q.prompt = Some(Prompt { kind: PromptKind::ConfirmRemove, text: String::new() });
                self.message = Some(format!("remove {code} from {id}? y removes, n keeps it"));
                Some(Vec::new())
            }
            (Some(id), A::CodeUp | A::CodeDown) => {
                let index = q.code_sel;
                let codes = q.work_of(&id).codes;
                let Some(code) = codes.get(index).map(|c| c.code.clone()) else { return Some(Vec::new()) };
                // At the edge there is nothing to move: say so instead of asking the store.
                if action == A::CodeUp && index == 0 {
                    self.message = Some(format!("{code} is already first"));
                    return Some(Vec::new());
                }
                if action == A::CodeDown && index + 1 >= codes.len() {
                    self.message = Some(format!("{code} is already last"));
                    return Some(Vec::new());
                }
                let (op, to) = if action == A::CodeUp {
                    (Op::MoveUp { index }, index - 1)
                } else {
                    (Op::MoveDown { index }, index + 1)
                };
                // The selection follows the moved code.
                q.code_sel = to;
                Some(self.change(&id, op, format!("{code} moved to {}", to + 1)))
            }
            (Some(id), A::CyclePoa | A::PoaY | A::PoaN | A::PoaU | A::PoaW | A::PoaExempt | A::PoaClear) => {
                Some(self.set_poa(&id, action))
            }
            (Some(id), A::SetModifiers | A::SetUnits | A::SetPointers) => Some(self.line_prompt(&id, action)),
            (Some(_), A::Comment | A::Hold | A::QueryProvider) => {
                let kind = match action {
                    A::Comment => PromptKind::Comment,
                    A::Hold => PromptKind::Hold,
                    _ => PromptKind::Query,
                };
                q.prompt = Some(Prompt { kind, text: String::new() });
                Some(Vec::new())
            }
            (Some(id), A::MarkDone) => {
                if q.status(&id) == Status::Done {
                    let key =
                        self.keymap.key_for(crate::keymap::Layer::Record, A::Reopen).unwrap_or_default();
                    self.message = Some(format!("{id} is done already ({key} reopens it)"));
                    return Some(Vec::new());
                }
                let errors = crate::queue::edits::error_count(&q.edits);
                if errors > 0 {
                    q.prompt = Some(Prompt { kind: PromptKind::Override, text: String::new() });
                    self.message = Some(format!("{errors} edit error(s): give a reason to override, or Esc"));
                    return Some(Vec::new());
                }
                if q.work_of(&id).codes.is_empty() {
                    q.prompt = Some(Prompt { kind: PromptKind::ConfirmDone, text: String::new() });
                    self.message = Some(format!("{id} has no codes: y marks it done, n keeps it open"));
                    return Some(Vec::new());
                }
                Some(self.mark_done(&id))
            }
            (Some(id), A::Reopen) => {
                if q.status(&id) != Status::Done {
                    self.message = Some(format!("{id} is not done: nothing to reopen"));
                    return Some(Vec::new());
                }
                Some(self.change(&id, Op::Reopen, format!("reopened {id} (audited): in progress again")))
            }
            (None, A::NextRecord) => Some(self.next_record()),
            (Some(_), A::NextRecord) => Some(self.next_record()),
            (Some(id), A::CycleEdition) => Some(self.cycle_edition(id)),
            (Some(id), A::TakeOver) => {
                if q.held_by.is_none() {
                    self.message = Some(format!("{id} is yours already"));
                    return Some(Vec::new());
                }
                Some(vec![Effect::TakeOver(id)])
            }
            _ => None,
        }
    }

    fn open_record(&mut self, id: String) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let mut effects: Vec<Effect> =
            q.open.replace(id.clone()).filter(|prev| *prev != id).map(Effect::Release).into_iter().collect();
        q.doc_scroll = 0;
        q.code_sel = 0;
        q.prompt = None;
        q.held_by = None;
        q.find.clear();
        q.find_sel = 0;
        if let Some(i) = q.visible().iter().position(|i| q.records[*i].id == id) {
            q.sel = i;
        }
        effects.push(Effect::Claim(id.clone()));
        effects.extend(self.record_edition_effect());
        self.refresh_edits();
        // Reading changes nothing: the status moves with the first change.
        effects
    }

    fn next_record(&mut self) -> Vec<Effect> {
        let Some(next) = self.queue.as_ref().and_then(|q| q.next_undone()) else {
            self.message = Some("no other record needs work".into());
            return self
                .queue
                .as_mut()
                .and_then(|q| q.open.take())
                .map(Effect::Release)
                .into_iter()
                .collect();
        };
        self.open_record(next)
    }

    /// `IP-1001 done; now IP-1002` (or the message the next record left, when every record is done).
    fn done_message(&self, id: &str, overridden: bool) -> String {
        let how = if overridden { "done with override" } else { "done" };
        // A record with an answer key shows its score (training; `queue score` gives the detail).
        let scored = self.queue.as_ref().and_then(|q| {
            let record = q.records.iter().find(|r| r.id == id).filter(|r| !r.expected_codes.is_empty())?;
            let pcs = |c: &str| self.book.pcs.is_code(&crate::codeset::normalize(c));
            Some(crate::queue::training::grade(record, &q.work_of(id).codes, pcs).summary())
        });
        if let Some(score) = scored {
            let next = self.queue.as_ref().and_then(|q| q.open.clone()).map(|n| format!("; next {n}"));
            return format!("{id} {how}; {score}{}", next.unwrap_or_default());
        }
        match self.queue.as_ref().and_then(|q| q.open.clone()) {
            Some(next) => format!("{id} {how}; opened the next record, {next}"),
            None => format!("{id} {how}; no other record needs work"),
        }
    }

    /// Attach the code under the cursor to the open record.
    pub(super) fn attach(&mut self) -> Vec<Effect> {
        // Only what is on screen and selected for the query as typed.
        if self.pane == Pane::Search && self.search.pending {
            self.message = Some("not attached: the results are still for an earlier query".into());
            return Vec::new();
        }
        // From a book, a header code offers its billable codes first.
        if self.books_attach_needs_choice() {
            return Vec::new();
        }
        // A CPT code typed with no CPT file imported: say how to load one, not attach a near miss.
        let typed = crate::codeset::normalize(&self.search.query);
        if self.pane == Pane::Search
            && self.book.cpt.is_none()
            && crate::codeset::cpt::category(&typed).is_some()
            && self.selected().is_none_or(|(_, c)| crate::codeset::normalize(&c) != typed)
        {
            self.message = Some(format!("not attached: {}", crate::codeset::cpt::NOT_LOADED));
            return Vec::new();
        }
        let Some((set, code)) = self.selected() else {
            self.message = Some("not attached: nothing is selected here".into());
            return Vec::new();
        };
        let Some(id) = self.queue.as_ref().and_then(|q| q.open.clone()) else {
            self.message = Some("open a record in the queue first (Q)".into());
            return Vec::new();
        };
        if set == CodeSet::Cpt && self.book.cpt_code(&crate::codeset::normalize(&code)).is_none() {
            self.message = Some(match &self.book.cpt {
                None => format!("not attached: {}", crate::codeset::cpt::NOT_LOADED),
                Some(c) => format!("not attached: {code} is not in your CPT file (licence year {})", c.year),
            });
            return Vec::new();
        }
        if set == CodeSet::Icd10pcs && !self.book.pcs.is_code(&crate::codeset::normalize(&code)) {
            self.message = Some(format!("{code} is not a complete ICD-10-PCS code"));
            return Vec::new();
        }
        let kind = match set {
            CodeSet::Icd10cm => CodeKind::Diagnosis,
            CodeSet::Icd10pcs | CodeSet::Hcpcs | CodeSet::Cpt => CodeKind::Procedure,
        };
        // A new code goes after the selected one, and becomes the selected one.
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let n = q.work_of(&id).codes.len();
        let at = if n == 0 { 0 } else { (q.code_sel + 1).min(n) };
        self.recents.touch(Used { set, code: code.clone() });
        let found = self.found_in(set, &code);
        let mut what = format!("attached {code} to {id} as code {}", at + 1);
        if let Some(f) = &found {
            what.push_str(&format!(" (found in {f})"));
        }
        let op = Op::Attach {
            code,
            set,
            kind,
            poa: None,
            at: (at < n).then_some(at),
            found,
            line: Default::default(),
        };
        let mut effects = self.change(&id, op, what);
        if !effects.is_empty()
            && let Some(q) = self.queue.as_mut()
        {
            q.code_sel = at;
        }
        effects.push(Effect::SaveRecents);
        effects
    }

    /// Mark done (the edits allow it), and open the next record needing work.
    fn mark_done(&mut self, id: &str) -> Vec<Effect> {
        let mut effects = self.change(id, Op::Done { override_reason: None }, String::new());
        effects.extend(self.next_record());
        self.message = Some(self.done_message(id, false));
        effects
    }

    /// One change to a record, saying `what` it did, with its inverse kept for
    /// undo. A done record takes only a reopen or a comment.
    pub(super) fn change(&mut self, id: &str, op: Op, what: String) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let work = q.work_of(id);
        if work.status == Status::Done && !matches!(op, Op::Reopen | Op::Comment { .. }) {
            let key = self.keymap.key_for(crate::keymap::Layer::Record, Action::Reopen).unwrap_or_default();
            self.message = Some(format!("{id} is done: {key} reopens it first"));
            return Vec::new();
        }
        let inverse = super::queue::inverse(&work, &op);
        self.undo_pending = inverse.is_some();
        if let Some(inverse) = inverse {
            q.undo.push(super::queue::Undo { record: id.to_string(), what: op.describe(), inverse });
        }
        self.message = Some(what);
        vec![Effect::Queue { record: id.to_string(), op }]
    }

    /// Take back the open record's last change, through the store (audited).
    pub(super) fn undo(&mut self) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(id) = q.open.clone() else {
            self.message = Some("nothing to undo: no record is open".into());
            return Vec::new();
        };
        let Some(i) = q.undo.iter().rposition(|u| u.record == id) else {
            self.message = Some(format!("nothing to undo on {id}"));
            return Vec::new();
        };
        let u = q.undo.remove(i);
        q.code_sel = match &u.inverse {
            Op::Attach { at, .. } => at.unwrap_or(0),
            Op::MoveUp { index } => index.saturating_sub(1),
            Op::MoveDown { index } => index + 1,
            Op::SetPoa { index, .. }
            | Op::Remove { index }
            | Op::SetModifiers { index, .. }
            | Op::SetUnits { index, .. }
            | Op::SetPointers { index, .. } => *index,
            _ => q.code_sel,
        };
        self.undo_pending = false;
        self.message = Some(format!("undid \"{}\" on {id} (audited as {})", u.what, u.inverse.describe()));
        vec![Effect::Queue { record: id, op: u.inverse }]
    }

    /// Ask for the selected procedure line's modifiers, units or pointers, filled in with what it has.
    fn line_prompt(&mut self, id: &str, action: Action) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let codes = q.work_of(id).codes;
        let Some(code) = codes.get(q.code_sel) else {
            self.message =
                Some("attach a procedure code first: modifiers, units and pointers belong to a line".into());
            return Vec::new();
        };
        if code.kind != CodeKind::Procedure {
            self.message = Some(format!(
                "{} is a diagnosis: select a procedure line (J/K) for modifiers, units and pointers",
                code.code
            ));
            return Vec::new();
        }
        let (kind, text) = match action {
            Action::SetModifiers => (PromptKind::Modifiers, code.line.modifiers.join(" ")),
            Action::SetUnits => {
                (PromptKind::Units, code.line.units.map(|u| u.to_string()).unwrap_or_default())
            }
            _ => (PromptKind::Pointers, pointer_text(&codes, &code.line.pointers)),
        };
        if kind == PromptKind::Pointers && !codes.iter().any(|c| c.kind == CodeKind::Diagnosis) {
            self.message = Some("attach the diagnoses first: pointers name them by letter, A-L".into());
            return Vec::new();
        }
        self.message = Some(format!("{}: empty clears, Esc keeps what it has", code.code));
        q.prompt = Some(Prompt { kind, text });
        Vec::new()
    }

    /// The answer to a claim-line prompt, as the op that sets it.
    fn line_answer(&mut self, kind: PromptKind, text: &str) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(id) = q.open.clone() else { return Vec::new() };
        let index = q.code_sel;
        let code = q.work_of(&id).codes.get(index).map(|c| c.code.clone()).unwrap_or_default();
        let (op, what) = match kind {
            PromptKind::Modifiers => {
                (Op::SetModifiers { index, modifiers: parse_modifiers(text) }, String::new())
            }
            PromptKind::Units => {
                let text = text.trim();
                let units = if text.is_empty() {
                    None
                } else {
                    match text.parse::<u32>() {
                        Ok(u) => Some(u),
                        Err(_) => {
                            self.message = Some(format!(
                                "units: `{}` is not a whole number (Esc cancels)",
                                crate::queue::sanitize_for_terminal(text)
                            ));
                            return Vec::new();
                        }
                    }
                };
                let shown = units.map_or_else(|| "cleared".to_string(), |u| u.to_string());
                (Op::SetUnits { index, units }, format!("{code} units {shown}"))
            }
            _ => (Op::SetPointers { index, pointers: parse_pointers(text) }, String::new()),
        };
        // Say what is wrong before asking the store, and keep the prompt to mend it.
        let work = q.work_of(&id);
        let cx = crate::queue::work::Context { who: "", when: chrono::DateTime::UNIX_EPOCH, edit_errors: 0 };
        let stored = match crate::queue::work::apply(&id, &work, &op, &cx) {
            Ok((w, _)) => w.codes.get(index).map(|c| c.line.clone()).unwrap_or_default(),
            Err(e) => {
                self.message = Some(format!("{e} (Esc cancels)"));
                return Vec::new();
            }
        };
        // Modifiers and pointers are told as stored (deduplicated, upper case), not as typed.
        let what = match &op {
            Op::SetModifiers { .. } if stored.modifiers.is_empty() => format!("{code} modifiers cleared"),
            Op::SetModifiers { .. } => format!("{code} modifiers {}", stored.modifiers.join(" ")),
            Op::SetPointers { .. } if stored.pointers.is_empty() => format!("{code} pointers cleared"),
            Op::SetPointers { .. } => {
                format!("{code} points to {}", pointer_text(&work.codes, &stored.pointers))
            }
            _ => what,
        };
        q.prompt = None;
        self.change(&id, op, what)
    }

    /// POA by its own letter (or cycled), for an inpatient diagnosis.
    fn set_poa(&mut self, id: &str, action: Action) -> Vec<Effect> {
        use Action as A;
        let Some(q) = self.queue.as_ref() else { return Vec::new() };
        if !q.inpatient() {
            self.message = Some("POA is for inpatient diagnoses only".into());
            return Vec::new();
        }
        let index = q.code_sel;
        let work = q.work_of(id);
        let Some(code) = work.codes.get(index) else {
            self.message = Some("attach a code first: POA belongs to a code".into());
            return Vec::new();
        };
        if code.kind != CodeKind::Diagnosis {
            self.message = Some("POA is for diagnoses only".into());
            return Vec::new();
        }
        let order = [None, Some(Poa::Y), Some(Poa::N), Some(Poa::U), Some(Poa::W), Some(Poa::Exempt)];
        let poa = match action {
            A::PoaY => Some(Poa::Y),
            A::PoaN => Some(Poa::N),
            A::PoaU => Some(Poa::U),
            A::PoaW => Some(Poa::W),
            A::PoaExempt => Some(Poa::Exempt),
            A::PoaClear => None,
            _ => order[(order.iter().position(|p| *p == code.poa).unwrap_or(0) + 1) % order.len()],
        };
        let meaning = match poa {
            None => "cleared".to_string(),
            Some(p) => format!("{}: {}", p.as_str(), poa_meaning(p)),
        };
        let what = format!("{} POA {meaning}", code.code);
        self.change(id, Op::SetPoa { index, poa }, what)
    }

    /// The open record's documentation as the record view lays it out.
    pub fn doc_view(&self) -> Option<DocView> {
        let q = self.queue.as_ref()?;
        let r = q.open_record()?;
        let areas =
            crate::layout::record(crate::layout::screen(self.size).with_record.record, q.record_shape());
        let doc = crate::queue::sanitize_for_terminal(&r.documentation);
        let rows = record_doc::wrap(&doc, usize::from(areas.text.width));
        let matches = record_doc::find(&doc, &q.find);
        Some(DocView { doc, rows, matches, height: usize::from(areas.text.height).max(1) })
    }

    /// Scroll the documentation so the current match is in view (a third down the view).
    fn show_match(&mut self) {
        let Some(v) = self.doc_view() else { return };
        let Some(q) = self.queue.as_mut() else { return };
        q.find_sel = q.find_sel.min(v.matches.len().saturating_sub(1));
        let Some(m) = v.matches.get(q.find_sel) else {
            self.message = Some(format!("no match for \"{}\" in this record", q.find.trim()));
            return;
        };
        let row = record_doc::row_of(&v.rows, m.start);
        let top = usize::from(q.doc_scroll);
        if row < top || row >= top + v.height {
            let max = v.rows.len().saturating_sub(v.height);
            q.doc_scroll = row.saturating_sub(v.height / 3).min(max).min(usize::from(u16::MAX)) as u16;
        }
    }

    /// Typing in the find box: the first match at or below the top of the view follows each key.
    fn find_key(&mut self, key: Key) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(prompt) = q.prompt.as_mut() else { return Vec::new() };
        match (key.code, key.text()) {
            (KeyCodeOrd::Esc, _) => {
                q.prompt = None;
                q.find.clear();
                q.find_sel = 0;
                return Vec::new();
            }
            (KeyCodeOrd::Enter, _) => {
                q.prompt = None;
                return Vec::new();
            }
            (KeyCodeOrd::Backspace, _) => {
                prompt.text.pop();
            }
            (KeyCodeOrd::Char('c'), _) if key.ctrl => return self.quit(),
            (_, Some(c)) => prompt.text.push(c),
            _ => return Vec::new(),
        }
        q.find = prompt.text.clone();
        let Some(v) = self.doc_view() else { return Vec::new() };
        let top =
            v.rows.get(usize::from(self.queue.as_ref().map_or(0, |q| q.doc_scroll))).map_or(0, |r| r.start);
        if let Some(q) = self.queue.as_mut() {
            q.find_sel = v.matches.iter().position(|m| m.start >= top).unwrap_or(0);
        }
        if !q_find_empty(self) {
            self.show_match();
        }
        Vec::new()
    }

    pub(super) fn prompt_key(&mut self, key: Key) -> Vec<Effect> {
        let kind = self.queue.as_ref().and_then(|q| q.prompt.as_ref()).map(|p| p.kind);
        match kind {
            Some(PromptKind::Find) => return self.find_key(key),
            Some(k) if k.is_confirm() => return self.confirm_key(k, key),
            _ => {}
        }
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(prompt) = q.prompt.as_mut() else { return Vec::new() };
        match (key.code, key.text()) {
            (KeyCodeOrd::Esc, _) => q.prompt = None,
            (KeyCodeOrd::Backspace, _) => {
                prompt.text.pop();
            }
            (KeyCodeOrd::Enter, _) if prompt.kind.is_line() => {
                let (kind, text) = (prompt.kind, prompt.text.clone());
                return self.line_answer(kind, &text);
            }
            (KeyCodeOrd::Enter, _) => {
                let text = prompt.text.trim().to_string();
                if text.is_empty() {
                    self.message = Some(format!("{} must not be empty (Esc cancels)", prompt.kind.label()));
                    return Vec::new();
                }
                let kind = prompt.kind;
                q.prompt = None;
                if kind == PromptKind::GoTo {
                    return match q.find_record(&text) {
                        Some(id) => self.open_record(id),
                        None => {
                            self.message =
                                Some(format!("no record {}", crate::queue::sanitize_for_terminal(&text)));
                            Vec::new()
                        }
                    };
                }
                let Some(id) = q.open.clone() else { return Vec::new() };
                let (op, what) = match kind {
                    PromptKind::Comment => {
                        // `key A41.51: ...` on a keyed record: the trainee disagrees with the key.
                        let record = q.records.iter().find(|r| r.id == id);
                        let on_key = record.and_then(|r| crate::queue::training::disagreement(r, &text));
                        let what = match &on_key {
                            Some(code) => format!("disagreement with the key on {code} kept with {id}"),
                            None => format!("comment added to {id}"),
                        };
                        (Op::Comment { text, on_key }, what)
                    }
                    PromptKind::Hold => (Op::Hold { reason: text.clone() }, format!("{id} on hold: {text}")),
                    PromptKind::Query => (
                        Op::Query { text },
                        format!("{id}: query to the provider recorded (status query sent)"),
                    ),
                    PromptKind::Override => (Op::Done { override_reason: Some(text) }, String::new()),
                    _ => return Vec::new(),
                };
                let mut effects = self.change(&id, op, what);
                if kind == PromptKind::Override && !effects.is_empty() {
                    effects.extend(self.next_record());
                    self.message = Some(self.done_message(&id, true));
                }
                return effects;
            }
            (KeyCodeOrd::Char('c'), _) if key.ctrl => return self.quit(),
            (_, Some(c)) => prompt.text.push(c),
            _ => {}
        }
        Vec::new()
    }

    /// A y/n question: `y` does it, `n` or Esc keeps things as they are.
    fn confirm_key(&mut self, kind: PromptKind, key: Key) -> Vec<Effect> {
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(id) = q.open.clone() else { return Vec::new() };
        let index = q.code_sel;
        let code = q.work_of(&id).codes.get(index).map(|c| c.code.clone()).unwrap_or_default();
        let yes = match (key.code, key.text()) {
            (_, Some('y' | 'Y')) => true,
            (KeyCodeOrd::Esc, _) | (_, Some('n' | 'N')) => false,
            (KeyCodeOrd::Char('c'), _) if key.ctrl => return self.quit(),
            _ => {
                self.message = Some(format!("{}: answer y or n", kind.label().trim_end_matches(" y/n")));
                return Vec::new();
            }
        };
        q.prompt = None;
        match (kind, yes) {
            (PromptKind::ConfirmRemove, true) => {
                q.code_sel = index.min(q.work_of(&id).codes.len().saturating_sub(2));
                self.change(&id, Op::Remove { index }, format!("removed {code} from {id}"))
            }
            (PromptKind::ConfirmRemove, false) => {
                self.message = Some(format!("kept {code}"));
                Vec::new()
            }
            (_, true) => self.mark_done(&id),
            (_, false) => {
                self.message = Some(format!("{id} stays open"));
                Vec::new()
            }
        }
    }

    /// After the store saved (or refused) a change: its copy of the work.
    pub fn queue_saved(
        &mut self,
        work: std::collections::BTreeMap<String, crate::queue::RecordWork>,
        error: Option<String>,
    ) {
        if let Some(q) = self.queue.as_mut() {
            q.work = work;
            q.code_sel =
                q.code_sel.min(q.open.as_deref().map_or(0, |id| q.work_of(id).codes.len().saturating_sub(1)));
        }
        self.refresh_edits();
        self.follow_record_edition();
        if let Some(e) = error {
            self.message = Some(e);
            self.forget_failed_change();
        }
        self.undo_pending = false;
    }

    /// The last change was not saved: there is nothing to take back.
    fn forget_failed_change(&mut self) {
        if self.undo_pending
            && let Some(q) = self.queue.as_mut()
        {
            q.undo.pop();
        }
    }

    /// The code sets a record is coded against: its own edition once loaded,
    /// else the workbench's.
    pub fn record_book(&self, record: &crate::queue::Record) -> std::sync::Arc<crate::codeset::Codebook> {
        self.queue
            .as_ref()
            .and_then(|q| q.edition_of(record))
            .and_then(|name| self.queue.as_ref().and_then(|q| q.books.get(&name)).cloned())
            .unwrap_or_else(|| self.home.clone())
    }

    /// Ask for the open record's edition when it is not loaded yet.
    fn record_edition_effect(&self) -> Option<Effect> {
        let q = self.queue.as_ref()?;
        let name = q.edition_of(q.open_record()?)?;
        (name != self.home.edition.name && !q.books.contains_key(&name)).then_some(Effect::LoadEdition(name))
    }

    /// An edition a record needs was loaded (or could not be).
    pub fn edition_loaded(
        &mut self,
        name: &str,
        book: Result<std::sync::Arc<crate::codeset::Codebook>, String>,
    ) {
        match book {
            Ok(b) => {
                if let Some(q) = self.queue.as_mut() {
                    q.books.insert(name.to_string(), b);
                }
                self.refresh_edits();
                self.follow_record_edition();
            }
            Err(e) => {
                self.message = Some(format!(
                    "could not load edition {name} ({e}); checking with {}",
                    self.home.edition.name
                ))
            }
        }
    }

    /// Run the edits of the open record again (its work or the record changed).
    pub(crate) fn refresh_edits(&mut self) {
        let edits = match self.queue.as_ref().and_then(|q| q.open_record()) {
            Some(r) => {
                let book = self.record_book(r);
                let codes = self.queue.as_ref().map(|q| q.work_of(&r.id).codes).unwrap_or_default();
                crate::queue::edits::check(&book, r, &codes)
            }
            None => Vec::new(),
        };
        if let Some(q) = self.queue.as_mut() {
            q.edits = edits;
        }
    }

    /// Edit errors of `record` with `codes` in its edition: what `done` needs an override for.
    pub fn edit_errors(&self, record: &str, codes: &[crate::queue::AttachedCode]) -> usize {
        let r = self.queue.as_ref().and_then(|q| q.records.iter().find(|r| r.id == record));
        r.map_or(0, |r| {
            crate::queue::edits::error_count(&crate::queue::edits::check(&self.record_book(r), r, codes))
        })
    }

    /// Other coders saved work: show it, and say so when it is the open record's.
    pub fn queue_merged(
        &mut self,
        work: std::collections::BTreeMap<String, crate::queue::RecordWork>,
        heard: &[crate::queue::audit::AuditEntry],
    ) {
        self.queue_saved(work, None);
        let open = self.queue.as_ref().and_then(|q| q.open.clone());
        if let Some(e) = heard.iter().rev().find(|e| Some(&e.record) == open.as_ref()) {
            self.message = Some(crate::queue::sanitize_for_terminal(&format!(
                "{} changed {}: {}",
                e.who, e.record, e.what
            )));
        }
    }

    /// The records other coders hold now; whether that changed what the list shows.
    pub fn claims_seen(&mut self, claims: std::collections::BTreeMap<String, String>) -> bool {
        let Some(q) = self.queue.as_mut() else { return false };
        if q.claims == claims {
            return false;
        }
        q.claims = claims;
        true
    }

    /// What claiming the open record gave: read-only while another coder holds it.
    pub fn claim_result(&mut self, record: &str, outcome: Result<crate::queue::claim::Outcome, String>) {
        use crate::queue::claim::Outcome;
        let take_over =
            self.keymap.key_for(crate::keymap::Layer::Record, Action::TakeOver).unwrap_or_default();
        let Some(q) = self.queue.as_mut() else { return };
        let open = q.open.as_deref() == Some(record);
        match outcome {
            Ok(Outcome::Claimed) => {
                if open {
                    q.held_by = None;
                }
            }
            Ok(Outcome::TookOver(old)) => {
                if open {
                    q.held_by = None;
                }
                self.message = Some(format!("took {record} over from {} (audited)", old.holder()));
            }
            Ok(Outcome::Taken(by)) => {
                if open {
                    q.held_by = Some(by.describe());
                }
                self.message =
                    Some(format!("{record} is {}: read-only; {take_over} takes it over", by.describe()));
            }
            Err(e) => self.message = Some(format!("could not claim {record}: {e}")),
        }
    }

    /// Another coder holds `record` (as far as the workbench knows).
    pub fn held_by_other(&self, record: &str) -> bool {
        self.queue.as_ref().is_some_and(|q| q.open.as_deref() == Some(record) && q.held_by.is_some())
    }

    /// Changes to a record another coder holds are refused here, with the reason.
    pub(super) fn refuse_held(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut refused = None;
        let kept = effects
            .into_iter()
            .filter(|e| match e {
                Effect::Queue { record, op } if self.held_by_other(record) => {
                    if *op != Op::Start {
                        refused = Some(record.clone());
                    }
                    false
                }
                _ => true,
            })
            .collect();
        if let Some(record) = refused {
            self.forget_failed_change();
            let take_over =
                self.keymap.key_for(crate::keymap::Layer::Record, Action::TakeOver).unwrap_or_default();
            let by = self.queue.as_ref().and_then(|q| q.held_by.clone()).unwrap_or_default();
            self.message =
                Some(format!("not saved: {record} is {by}; read-only ({take_over} takes it over)"));
        }
        kept
    }
}

fn q_find_empty(app: &App) -> bool {
    app.queue.as_ref().is_none_or(|q| q.find.trim().is_empty())
}

/// The open record's documentation laid out: sanitized text, rows, find matches, rows in view.
#[derive(Debug, Clone)]
pub struct DocView {
    pub doc: String,
    pub rows: Vec<record_doc::Row>,
    pub matches: Vec<std::ops::Range<usize>>,
    pub height: usize,
}

/// What a present-on-admission indicator says, for the status bar.
pub fn poa_meaning(p: Poa) -> &'static str {
    match p {
        Poa::Y => "present at admission",
        Poa::N => "not present at admission",
        Poa::U => "documentation insufficient",
        Poa::W => "clinically undetermined",
        Poa::Exempt => "exempt from POA reporting",
    }
}

/// `JZ 59`, `jz,59`, `JZ59`: modifiers as typed, in pairs when run together.
pub fn parse_modifiers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .flat_map(|t| {
            if t.len() > 2 && t.len() % 2 == 0 {
                t.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect()
            } else {
                vec![t.to_string()]
            }
        })
        .collect()
}

/// A line's pointers by the letters of the diagnoses they name (`AC`), a code where none has one.
fn pointer_text(codes: &[crate::queue::work::AttachedCode], pointers: &[String]) -> String {
    pointers
        .iter()
        .map(|p| crate::queue::work::pointer_letter(codes, p).map_or_else(|| p.clone(), String::from))
        .collect()
}

/// `AB`, `a b`, `A,C`, or diagnosis codes (`E11.9 I10`): pointers as typed.
pub fn parse_pointers(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .flat_map(|t| {
            if t.chars().all(|c| c.is_ascii_alphabetic()) {
                t.chars().map(|c| c.to_ascii_uppercase().to_string()).collect()
            } else {
                vec![t.to_string()]
            }
        })
        .collect()
}
