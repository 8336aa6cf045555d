//! The PCS builder's state and its steps: one character at a time, only the
//! values the tables allow next.

use super::{App, Effect, Target, Used};
use crate::codeset::CodeSet;

#[derive(Debug, Clone, Default)]
pub struct PcsState {
    pub prefix: String,
    pub sel: usize,
}

impl App {
    pub fn pcs_choices(&self) -> Vec<crate::codeset::icd10pcs::NextChar> {
        if self.pcs.prefix.len() >= 7 { Vec::new() } else { self.book.pcs.next_chars(&self.pcs.prefix) }
    }

    pub(super) fn pcs_push(&mut self, c: char) -> Vec<Effect> {
        self.pcs.prefix.push(c);
        self.pcs.sel = 0;
        self.preview_pcs();
        if self.pcs.prefix.len() == 7 {
            self.recents.touch(Used { set: CodeSet::Icd10pcs, code: self.pcs.prefix.clone() });
            return vec![Effect::SaveRecents];
        }
        Vec::new()
    }

    pub(super) fn preview_pcs(&mut self) {
        if !self.pcs.prefix.is_empty() {
            self.detail.show(Target::Pcs(self.pcs.prefix.clone()), true);
        }
    }
}
