//! The record view's edits as a list the coder walks: which edit is
//! selected (so every edit can be read, however many there are) and which
//! of its suggested codes, to attach in place of the code it is about.

use super::{App, Effect};
use crate::action::Action;
use crate::queue::Op;
use crate::queue::edits::Edit;

/// The selected edit (index into the open record's edits) and offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditCursor {
    pub edit: usize,
    pub offer: usize,
}

impl EditCursor {
    /// The cursor kept inside `edits` (they change under it as the coder works).
    pub fn within(self, edits: &[Edit]) -> EditCursor {
        let edit = self.edit.min(edits.len().saturating_sub(1));
        let offers = edits.get(edit).map_or(0, |e| e.suggestions.len());
        EditCursor { edit, offer: self.offer.min(offers.saturating_sub(1)) }
    }
}

impl App {
    /// `NextEdit`, `NextOffer`, `UseOffer` in the record view; `None` for other actions.
    pub(super) fn edit_action(&mut self, action: Action) -> Option<Vec<Effect>> {
        let q = self.queue.as_mut()?;
        let cur = q.edit_cursor.within(&q.edits);
        let n = q.edits.len();
        match action {
            Action::NextEdit => {
                q.edit_cursor = EditCursor { edit: if n == 0 { 0 } else { (cur.edit + 1) % n }, offer: 0 };
                self.message = Some(match q.edits.get(q.edit_cursor.edit) {
                    Some(e) => format!("edit {}/{n}: {}", q.edit_cursor.edit + 1, e.message),
                    None => "no edits".into(),
                });
                Some(Vec::new())
            }
            Action::NextOffer => {
                let offers = q.edits.get(cur.edit).map_or(0, |e| e.suggestions.len());
                if offers == 0 {
                    self.message = Some("this edit suggests no codes".into());
                    return Some(Vec::new());
                }
                q.edit_cursor = EditCursor { offer: (cur.offer + 1) % offers, ..cur };
                Some(Vec::new())
            }
            Action::UseOffer => {
                let id = q.open.clone()?;
                let edit = q.edits.get(cur.edit)?;
                let (Some(index), Some(code)) = (edit.index, edit.suggestions.get(cur.offer)) else {
                    self.message = Some("this edit suggests no code to attach".into());
                    return Some(Vec::new());
                };
                let old = q.work_of(&id).codes.get(index)?.clone();
                let code = code.clone();
                self.message = Some(format!("{code} in place of {}", old.code));
                q.edit_cursor = EditCursor::default();
                // In place: the same line, kind and POA as the code it replaces.
                Some(vec![
                    Effect::Queue { record: id.clone(), op: Op::Remove { index } },
                    Effect::Queue {
                        record: id,
                        op: Op::Attach {
                            code,
                            set: old.set,
                            kind: old.kind,
                            poa: old.poa,
                            at: Some(index),
                            found: None,
                            line: old.line.clone(),
                        },
                    },
                ])
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::app::tests::{FakeSearch, app, fake_hits, keys, with_queue};

    #[test]
    fn a_suggested_billable_code_attaches_in_place_of_the_header() {
        let s = FakeSearch(fake_hits());
        let mut a = app((80, 24));
        with_queue(&mut a);
        // E11.2 (a header) then N18.6 after it; back in the record, the header's error is first.
        keys(&mut a, &s, "<C-q><Enter><Tab>complications<C-e><C-u>renal<C-e><Tab><Tab>");
        let q = a.queue.as_ref().expect("queue");
        let id = q.open.clone().expect("open");
        let header = q.edits.first().expect("an edit").clone();
        assert!(header.message.contains("E11.2 is a header"), "{}", header.message);
        let want = header.suggestions.get(1).expect("two offers").clone();
        keys(&mut a, &s, "oA");
        let codes: Vec<String> =
            a.queue.as_ref().expect("queue").work_of(&id).codes.iter().map(|c| c.code.clone()).collect();
        assert_eq!(codes, [want.as_str(), "N18.6"]);
        assert_eq!(a.message.as_deref(), Some(format!("{want} in place of E11.2").as_str()));
    }

    #[test]
    fn every_edit_is_reachable() {
        let s = FakeSearch(fake_hits());
        let mut a = app((80, 24));
        with_queue(&mut a);
        keys(&mut a, &s, "<C-q><Enter><Tab>complications<C-e><Tab><Tab>");
        let n = a.queue.as_ref().expect("queue").edits.len();
        assert!(n > 1, "{n}");
        keys(&mut a, &s, &"e".repeat(n - 1));
        assert_eq!(a.queue.as_ref().expect("queue").edit_cursor.edit, n - 1);
        keys(&mut a, &s, "e");
        assert_eq!(a.queue.as_ref().expect("queue").edit_cursor.edit, 0, "wraps to the first");
    }
}
