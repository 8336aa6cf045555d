//! The search pane's state and what changes it: the query and its filters,
//! the hits handed back by the loop, and the recent and favourite codes
//! shown for an empty query.

use super::{App, Effect};
use crate::codeset::CodeSet;
use crate::search::{Hit, Matched, Query};

#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub query: String,
    pub set: Option<CodeSet>,
    pub billable_only: bool,
    pub hits: Vec<Hit>,
    pub sel: usize,
    /// Letters are text while true; false puts the focus on the results list.
    pub typing: bool,
    pub error: Option<String>,
    /// A search was asked for and its hits have not come: the list is for an earlier query.
    pub pending: bool,
    /// The whole query is selected (the box was entered from another pane):
    /// the next letter or paste replaces it, Backspace clears it, any other key keeps it.
    pub selected: bool,
}

impl SearchState {
    pub fn query(&self) -> Query {
        let mut q = Query::new(self.query.clone());
        q.set = self.set;
        q.billable_only = self.billable_only;
        q
    }
}

impl App {
    /// Put the focus in the query box, the query selected when it came from another pane.
    pub(super) fn enter_search(&mut self) {
        self.search.selected = self.pane != super::Pane::Search && !self.search.query.is_empty();
        self.focus(super::Pane::Search);
        self.search.typing = true;
    }

    /// Typed or pasted text goes into the query, replacing it when it is selected.
    pub(super) fn type_text(&mut self, text: impl Iterator<Item = char>) -> Vec<Effect> {
        if std::mem::take(&mut self.search.selected) {
            self.search.query.clear();
        }
        self.search.typing = true;
        self.search.query.extend(text.filter(|c| !c.is_control()));
        self.refresh_query()
    }

    /// Hits for the query last asked for.
    pub fn set_hits(&mut self, result: anyhow::Result<Vec<Hit>>) {
        self.search.pending = false;
        match result {
            Ok(hits) => {
                self.search.hits = hits;
                self.search.error = None;
                self.retitle_hits();
                self.demote_unfit();
            }
            Err(e) => {
                self.search.hits.clear();
                self.search.error = Some(format!("{e:#}"));
            }
        }
        self.search.sel = 0;
        self.preview_hit();
    }

    /// Why a hit cannot apply to the open record's patient or encounter (the
    /// code rules say; `codeset::icd10cm::rules::cannot_apply`), None when it
    /// can or no record is open.
    pub fn cannot_apply(&self, hit: &Hit) -> Option<crate::codeset::icd10cm::rules::Unfit> {
        let record = self.queue.as_ref()?.open_record()?;
        use crate::queue::{EncounterType, Sex};
        match hit.set {
            CodeSet::Icd10pcs if record.encounter_type != EncounterType::Inpatient => {
                Some(crate::codeset::icd10cm::rules::Unfit {
                    tag: "inpatient code",
                    reason: format!(
                        "ICD-10-PCS is for inpatient stays; this record is {}",
                        record.encounter_type.as_str()
                    ),
                })
            }
            CodeSet::Icd10cm => {
                let id = self.book.cm.get(&hit.code)?;
                let female = match record.patient_sex {
                    Sex::Female => Some(true),
                    Sex::Male => Some(false),
                    Sex::Unknown => None,
                };
                let p = crate::codeset::icd10cm::rules::Patient { age: record.patient_age, female };
                crate::codeset::icd10cm::rules::cannot_apply(&self.book.cm, id, p)
            }
            _ => None,
        }
    }

    /// Codes that cannot apply to the open record's patient go below those
    /// that can, in their order: ranked lower, never hidden.
    fn demote_unfit(&mut self) {
        if self.queue.as_ref().and_then(|q| q.open_record()).is_none() {
            return;
        }
        let hits = std::mem::take(&mut self.search.hits);
        let (fit, unfit): (Vec<Hit>, Vec<Hit>) =
            hits.into_iter().partition(|h| self.cannot_apply(h).is_none());
        self.search.hits = fit;
        self.search.hits.extend(unfit);
    }

    /// After the query or a filter changed: a search, or the recent/favourite list for an empty query.
    pub(super) fn refresh_query(&mut self) -> Vec<Effect> {
        self.search.sel = 0;
        if self.search.query.trim().is_empty() {
            let hits = self.recent_hits();
            self.set_hits(Ok(hits));
            Vec::new()
        } else {
            self.search.pending = true;
            vec![Effect::Search(self.search.query())]
        }
    }

    /// Favourites, then recently used codes, under the current filters.
    pub fn recent_hits(&self) -> Vec<Hit> {
        let mut out: Vec<Hit> = Vec::new();
        for u in self.recents.favourites.iter().chain(self.recents.recent.iter()) {
            if out.iter().any(|h| h.set == u.set && h.code == u.code) {
                continue;
            }
            if self.search.set.is_some_and(|s| s != u.set) {
                continue;
            }
            let (title, billable) = match u.set {
                CodeSet::Icd10cm => match self.book.cm.get(&u.code) {
                    Some(id) => {
                        let n = self.book.cm.node(id);
                        (n.title.clone(), n.billable)
                    }
                    None => continue,
                },
                CodeSet::Icd10pcs => {
                    let key = crate::codeset::normalize(&u.code);
                    match self.book.pcs.title(&key) {
                        Some(t) => (t.text, self.book.pcs.is_code(&key)),
                        None => continue,
                    }
                }
                CodeSet::Hcpcs => match self.book.hcpcs.get(&u.code) {
                    Some(c) => (c.long.clone(), true),
                    None => continue,
                },
                CodeSet::Cpt => match self.book.cpt_code(&u.code) {
                    Some(c) => (c.long.clone(), true),
                    None => continue,
                },
            };
            if self.search.billable_only && !billable {
                continue;
            }
            out.push(Hit {
                code: u.code.clone(),
                title,
                set: u.set,
                billable,
                score: 0.0,
                matched: Matched::Code,
                via: None,
            });
        }
        out
    }
}
