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
    /// Hits for the query last asked for.
    pub fn set_hits(&mut self, result: anyhow::Result<Vec<Hit>>) {
        self.search.pending = false;
        match result {
            Ok(hits) => {
                self.search.hits = hits;
                self.search.error = None;
                self.retitle_hits();
            }
            Err(e) => {
                self.search.hits.clear();
                self.search.error = Some(format!("{e:#}"));
            }
        }
        self.search.sel = 0;
        self.preview_hit();
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
            });
        }
        out
    }
}
