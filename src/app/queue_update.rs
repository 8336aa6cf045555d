//! `update` for the queue list and the record view.

use crate::action::Action;
use crate::codeset::CodeSet;
use crate::queue::{CodeKind, Op, Poa, Status};

use super::queue::{Prompt, PromptKind};
use super::{App, Effect, Pane, Used};
use crate::keymap::{Key, KeyCodeOrd};

impl App {
    /// Actions with a meaning in the queue pane; `None` lets the general handling run.
    pub(super) fn queue_action(&mut self, action: Action) -> Option<Vec<Effect>> {
        use Action as A;
        if self.pane != Pane::Queue || self.help.is_some() {
            return None;
        }
        let page = i64::from(self.size.1.saturating_sub(8).max(1));
        let q = self.queue.as_mut()?;
        let open = q.open.clone();
        match (open, action) {
            (None, A::MoveUp | A::MoveDown | A::PageUp | A::PageDown | A::Top | A::Bottom) => {
                let n = q.visible().len() as i64;
                let d = match action {
                    A::MoveUp => -1,
                    A::MoveDown => 1,
                    A::PageUp => -page,
                    A::PageDown => page,
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
                    A::PageUp => -page,
                    A::PageDown => page,
                    A::Top => -10_000,
                    _ => 10_000,
                };
                q.doc_scroll = (i64::from(q.doc_scroll) + d).clamp(0, 10_000) as u16;
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
                let record = q.open_record()?.clone();
                let errors = crate::queue::edits::error_count(&crate::queue::edits::check(
                    &self.book,
                    &record,
                    &q.work_of(&id).codes,
                ));
                if errors > 0 {
                    q.prompt = Some(Prompt { kind: PromptKind::Override, text: String::new() });
                    self.message = Some(format!("{errors} edit error(s): give a reason to override, or Esc"));
                    return Some(Vec::new());
                }
                let mut effects = vec![Effect::Queue { record: id, op: Op::Done { override_reason: None } }];
                effects.extend(self.next_record());
                Some(effects)
            }
            (Some(_), A::NextRecord) => Some(self.next_record()),
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
        if let Some(i) = q.visible().iter().position(|i| q.records[*i].id == id) {
            q.sel = i;
        }
        effects.push(Effect::Claim(id.clone()));
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
            CodeSet::Icd10pcs => CodeKind::Procedure,
        };
        self.recents.touch(Used { set, code: code.clone() });
        self.message = Some(format!("attached {code} to {id}"));
        vec![
            Effect::Queue { record: id, op: Op::Attach { code, set, kind, poa: None, at: None } },
            Effect::SaveRecents,
        ]
    }

    pub(super) fn prompt_key(&mut self, key: Key) -> Vec<Effect> {
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
                    PromptKind::Comment => Op::Comment { text },
                    PromptKind::Hold => Op::Hold { reason: text },
                    PromptKind::Query => Op::Query { text },
                    PromptKind::Override => Op::Done { override_reason: Some(text) },
                };
                let mut effects = vec![Effect::Queue { record: id, op }];
                if kind == PromptKind::Override {
                    effects.extend(self.next_record());
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
        }
        if let Some(e) = error {
            self.message = Some(e);
        }
    }
}
