//! The effect runner: what `update` asks for (searches, saves, claims,
//! editions), run against the search index, the recent-codes file and the
//! queue store, with the results handed back to the `App`.

use std::time::Duration;

use crate::app::{App, Effect};
use crate::search::Search;

/// How often an open queue looks for other coders' changes (a read of one
/// SQLite counter; the screen is drawn only when something changed).
pub const LOOK_EVERY: Duration = Duration::from_secs(3);

/// What runs the effects `update` returns: the search, the recent-codes file, the queue store.
pub struct Runner<'a> {
    pub search: &'a dyn Search,
    pub recents_file: &'a std::path::Path,
    pub store: Option<&'a mut crate::queue::Store>,
    /// When the held claim was last claimed or refreshed.
    pub last_beat: std::time::Instant,
    /// How often to refresh it (`queue::claim::HEARTBEAT_EVERY`).
    pub beat_every: Duration,
    /// When other coders' changes were last looked for, and how often to look.
    pub last_look: std::time::Instant,
    pub look_every: Duration,
    /// The editions records need, loaded on first use.
    pub(crate) editions: Option<Result<crate::codeset::catalog::Editions, String>>,
    /// The search indexes of records' editions other than the workbench's
    /// (None: every search uses `search`, as in tests).
    pub edition_search: Option<crate::search::editions::EditionEngines>,
}

impl<'a> Runner<'a> {
    pub fn new(
        search: &'a dyn Search,
        recents_file: &'a std::path::Path,
        store: Option<&'a mut crate::queue::Store>,
    ) -> Runner<'a> {
        Runner {
            search,
            recents_file,
            store,
            last_beat: std::time::Instant::now(),
            beat_every: crate::queue::claim::HEARTBEAT_EVERY,
            last_look: std::time::Instant::now(),
            look_every: LOOK_EVERY,
            editions: None,
            edition_search: None,
        }
    }
}

impl Runner<'_> {
    /// Run in order; of a burst of keys only the last search runs.
    pub fn run(&mut self, app: &mut App, effects: Vec<Effect>) {
        let mut query = None;
        let mut save = false;
        for e in effects {
            match e {
                Effect::Search(q) => query = Some(q),
                Effect::SaveRecents => save = true,
                // The workbench audits steps on the open record (`Effect::Queue`).
                Effect::BookStep(_) => {}
                Effect::Queue { record, op } => self.queue(app, &record, &op),
                Effect::Claim(record) => {
                    self.last_beat = std::time::Instant::now();
                    self.claim(app, &record)
                }
                Effect::Heartbeat(record) => {
                    self.last_beat = std::time::Instant::now();
                    self.heartbeat(app, &record)
                }
                Effect::Release(record) => {
                    if let Some(store) = self.store.as_deref_mut()
                        && let Err(e) = store.release(&record)
                    {
                        app.message = Some(format!("could not release the claim on {record}: {e}"));
                    }
                }
                Effect::LoadEdition(name) => {
                    let book = self.editions.get_or_insert_with(|| {
                        crate::codeset::catalog::Editions::with_loaded(app.book.clone())
                            .map_err(|e| format!("{e:#}"))
                    });
                    let loaded = match book {
                        Ok(eds) => eds.get(&name).map_err(|e| format!("{e:#}")),
                        Err(e) => Err(e.clone()),
                    };
                    app.edition_loaded(&name, loaded);
                }
                Effect::TakeOver(record) => {
                    self.last_beat = std::time::Instant::now();
                    if let Some(store) = self.store.as_deref_mut() {
                        let outcome = store.claim(&record, true).map_err(|e| e.to_string());
                        app.claim_result(&record, outcome);
                    }
                }
            }
        }
        if let Some(q) = query
            && q == app.search.query()
        {
            self.search_now(app, &q);
        }
        if save && let Err(e) = app.recents.save(self.recents_file) {
            app.message = Some(format!("could not save recent codes: {e:#}"));
        }
    }

    /// Search the index of the edition in use: the open record's when it is
    /// ready, else the workbench's own (its hits are marked against the record's edition).
    fn search_now(&mut self, app: &mut App, q: &crate::search::Query) {
        let name = app.book.edition.name.clone();
        if name != app.home.edition.name
            && let Some(engines) = self.edition_search.as_mut()
        {
            let first = !engines.known(&name);
            if let Some(engine) = engines.get(&name) {
                app.set_hits(engine.search(q));
                return;
            }
            if first {
                app.message = Some(format!(
                    "building the search index of {name} in the background; until it is ready, results come \
                     from {}'s index, marked against {name}",
                    app.home.edition.name
                ));
            }
        }
        app.set_hits(self.search.search(q));
    }

    /// Whether an edition's index is being built (the loop wakes to collect it).
    pub fn building(&self) -> bool {
        self.edition_search.as_ref().is_some_and(|e| e.building())
    }

    /// Collect finished index builds; the current search runs again on the
    /// new index when it is the edition in use. Whether the screen changed.
    pub fn collect_builds(&mut self, app: &mut App) -> bool {
        let Some(engines) = self.edition_search.as_mut() else { return false };
        let done = engines.finished();
        for (name, result) in &done {
            app.message = Some(match result {
                Ok(()) => format!("search index of {name} ready"),
                Err(e) => format!(
                    "could not build the search index of {name} ({e}); searching {}'s",
                    app.home.edition.name
                ),
            });
            if result.is_ok() && *name == app.book.edition.name && !app.search.query.is_empty() {
                let q = app.search.query();
                self.search_now(app, &q);
            }
        }
        !done.is_empty()
    }

    fn heartbeat(&mut self, app: &mut App, record: &str) {
        let Some(store) = self.store.as_deref_mut() else { return };
        match store.heartbeat(record) {
            Ok(true) => {}
            // Not ours (lost, or taken when the record opened): claim it if it is free or stale.
            Ok(false) => self.claim(app, record),
            Err(e) => app.message = Some(format!("could not refresh the claim on {record}: {e}")),
        }
    }

    fn claim(&mut self, app: &mut App, record: &str) {
        let Some(store) = self.store.as_deref_mut() else { return };
        let outcome = store.claim(record, false).map_err(|e| e.to_string());
        app.claim_result(record, outcome);
    }

    fn queue(&mut self, app: &mut App, record: &str, op: &crate::queue::Op) {
        let Some(store) = self.store.as_deref_mut() else { return };
        if app.held_by_other(record) {
            // Refused before it reached the store; `update` said why.
            return;
        }
        // The edits of the record as saved now, inside the store's transaction.
        let errors = |work: &crate::queue::RecordWork| app.edit_errors(record, &work.codes);
        let result = store.apply_with(record, op, &errors);
        let error = match result {
            Ok(_) => None,
            Err(crate::queue::StoreError::Claimed(c)) => {
                let desc = c.describe();
                app.claim_result(record, Ok(crate::queue::claim::Outcome::Taken(*c)));
                Some(format!("not saved: {record} is {desc}"))
            }
            Err(e) => Some(format!("not saved: {e}")),
        };
        app.queue_saved(store.all().clone(), error);
    }

    /// Take in what other coders saved and which records they hold; whether the screen changed.
    pub fn refresh(&mut self, app: &mut App) -> bool {
        self.last_look = std::time::Instant::now();
        let Some(store) = self.store.as_deref_mut() else { return false };
        let claims = store.claims().map(|all| {
            let now = chrono::Utc::now();
            let mine = &store.session().id;
            all.into_iter()
                .filter(|c| c.session != *mine && !c.is_stale(now))
                .map(|c| (c.record.clone(), c.holder()))
                .collect()
        });
        let held = match claims {
            Ok(claims) => app.claims_seen(claims),
            Err(_) => false,
        };
        match store.refresh() {
            Ok(heard) if heard.is_empty() => held,
            Ok(heard) => {
                app.queue_merged(store.all().clone(), &heard);
                true
            }
            Err(e) => {
                app.message = Some(format!("could not read other coders' changes: {e}"));
                true
            }
        }
    }
}
