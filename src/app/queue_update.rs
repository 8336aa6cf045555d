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
            (Some(id), A::RemoveCode | A::CodeUp | A::CodeDown) => {
                let index = q.code_sel;
                if index >= q.work_of(&id).codes.len() {
                    return Some(Vec::new());
                }
                let op = match action {
                    A::RemoveCode => Op::Remove { index },
                    A::CodeUp => Op::MoveUp { index },
                    _ => Op::MoveDown { index },
                };
                let code = q.work_of(&id).codes[index].code.clone();
                let n = q.work_of(&id).codes.len();
                // At the edge there is nothing to move: say so instead of asking the store.
                if action == A::CodeUp && index == 0 {
                    self.message = Some(format!("{code} is already first"));
                    return Some(Vec::new());
                }
                if action == A::CodeDown && index + 1 >= n {
                    self.message = Some(format!("{code} is already last"));
                    return Some(Vec::new());
                }
                self.message = Some(match action {
                    A::RemoveCode => format!("removed {code}"),
                    A::CodeUp => format!("{code} moved to {}", index),
                    _ => format!("{code} moved to {}", index + 2),
                });
                let q = self.queue.as_mut()?;
                // The selection follows the moved code.
                q.code_sel = match action {
                    A::CodeUp => index.saturating_sub(1),
                    A::CodeDown => (index + 1).min(q.work_of(&id).codes.len().saturating_sub(1)),
                    _ => index.min(q.work_of(&id).codes.len().saturating_sub(2)),
                };
                Some(vec![Effect::Queue { record: id, op }])
            }
            (Some(id), A::CyclePoa) => {
                if !q.inpatient() {
                    self.message = Some("POA is for inpatient diagnoses only".into());
                    return Some(Vec::new());
                }
                let work = q.work_of(&id);
                let Some(code) = work.codes.get(q.code_sel) else { return Some(Vec::new()) };
                if code.kind != CodeKind::Diagnosis {
                    self.message = Some("POA is for diagnoses only".into());
                    return Some(Vec::new());
                }
                let order = [None, Some(Poa::Y), Some(Poa::N), Some(Poa::U), Some(Poa::W), Some(Poa::Exempt)];
                let i = order.iter().position(|p| *p == code.poa).unwrap_or(0);
                let poa = order[(i + 1) % order.len()];
                let meaning = match poa {
                    None => "blank".to_string(),
                    Some(p) => format!("{}: {}", p.as_str(), poa_meaning(p)),
                };
                let key = self.keymap.key_for(crate::keymap::Layer::Record, A::CyclePoa).unwrap_or_default();
                self.message = Some(format!("{} POA {meaning} · {key} cycles Y N U W 1 blank", code.code));
                Some(vec![Effect::Queue { record: id, op: Op::SetPoa { index: q.code_sel, poa } }])
            }
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
                let errors = crate::queue::edits::error_count(&q.edits);
                if errors > 0 {
                    q.prompt = Some(Prompt { kind: PromptKind::Override, text: String::new() });
                    self.message = Some(format!("{errors} edit error(s): give a reason to override, or Esc"));
                    return Some(Vec::new());
                }
                let mut effects =
                    vec![Effect::Queue { record: id.clone(), op: Op::Done { override_reason: None } }];
                effects.extend(self.next_record());
                self.message = Some(self.done_message(&id, false));
                Some(effects)
            }
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
        let Some(q) = self.queue.as_mut() else { return effects };
        if q.status(&id) == Status::New {
            effects.push(Effect::Queue { record: id, op: Op::Start });
        }
        effects
    }

    fn next_record(&mut self) -> Vec<Effect> {
        let Some(next) = self.queue.as_ref().and_then(|q| q.next_undone()) else {
            self.message = Some("every record is done".into());
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
        match self.queue.as_ref().and_then(|q| q.open.clone()) {
            Some(next) => format!("{id} {how}; opened the next record, {next}"),
            None => format!("{id} {how}; every record is done"),
        }
    }

    /// Attach the code under the cursor to the open record.
    pub(super) fn attach(&mut self) -> Vec<Effect> {
        let Some((set, code)) = self.selected() else { return Vec::new() };
        let Some(id) = self.queue.as_ref().and_then(|q| q.open.clone()) else {
            self.message = Some("open a record in the queue first (Q)".into());
            return Vec::new();
        };
        if set == CodeSet::Icd10pcs && !self.book.pcs.is_code(&crate::codeset::normalize(&code)) {
            self.message = Some(format!("{code} is not a complete ICD-10-PCS code"));
            return Vec::new();
        }
        let kind = match set {
            CodeSet::Icd10cm => CodeKind::Diagnosis,
            CodeSet::Icd10pcs | CodeSet::Hcpcs => CodeKind::Procedure,
        };
        self.recents.touch(Used { set, code: code.clone() });
        self.message = Some(format!("attached {code} to {id}"));
        vec![
            Effect::Queue { record: id, op: Op::Attach { code, set, kind, poa: None, at: None } },
            Effect::SaveRecents,
        ]
    }

    /// The open record's documentation as the record view lays it out.
    pub fn doc_view(&self) -> Option<DocView> {
        let q = self.queue.as_ref()?;
        let r = q.open_record()?;
        let areas = crate::layout::record(crate::layout::screen(self.size).main, q.record_shape());
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
        if self.queue.as_ref().and_then(|q| q.prompt.as_ref()).is_some_and(|p| p.kind == PromptKind::Find) {
            return self.find_key(key);
        }
        let Some(q) = self.queue.as_mut() else { return Vec::new() };
        let Some(prompt) = q.prompt.as_mut() else { return Vec::new() };
        match (key.code, key.text()) {
            (KeyCodeOrd::Esc, _) => q.prompt = None,
            (KeyCodeOrd::Backspace, _) => {
                prompt.text.pop();
            }
            (KeyCodeOrd::Enter, _) => {
                let text = prompt.text.trim().to_string();
                if text.is_empty() {
                    self.message = Some(format!("{} must not be empty (Esc cancels)", prompt.kind.label()));
                    return Vec::new();
                }
                let kind = prompt.kind;
                q.prompt = None;
                let Some(id) = q.open.clone() else { return Vec::new() };
                let op = match kind {
                    PromptKind::Comment => Op::Comment { text: text.clone() },
                    PromptKind::Hold => Op::Hold { reason: text.clone() },
                    PromptKind::Query => Op::Query { text: text.clone() },
                    PromptKind::Override => Op::Done { override_reason: Some(text.clone()) },
                    PromptKind::Find => return Vec::new(),
                };
                self.message = Some(match kind {
                    PromptKind::Comment => format!("comment added to {id}"),
                    PromptKind::Hold => format!("{id} on hold: {text}"),
                    PromptKind::Query => format!("{id}: query to the provider recorded (status query sent)"),
                    PromptKind::Override | PromptKind::Find => String::new(),
                });
                let mut effects = vec![Effect::Queue { record: id.clone(), op }];
                if kind == PromptKind::Override {
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
