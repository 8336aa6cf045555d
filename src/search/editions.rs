//! The search indexes of editions other than the workbench's own, for records
//! coded against them (a date of service before the current fiscal year, or a
//! coder's override). Each is opened, or built on another thread, the first
//! time a search needs it; until then the caller searches its own index.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::Engine;

enum Slot {
    Building(Receiver<Result<Engine, String>>),
    Ready(Box<Engine>),
    Failed,
}

/// What a finished build reports: the edition, and the error if it failed.
pub type Finished = (String, Result<(), String>);

pub struct EditionEngines {
    /// `--index`: the folder that holds one index per edition (else the data dir).
    root: Option<PathBuf>,
    slots: HashMap<String, Slot>,
}

impl EditionEngines {
    pub fn new(root: Option<PathBuf>) -> EditionEngines {
        EditionEngines { root, slots: HashMap::new() }
    }

    /// The engine of `edition` if it is ready; otherwise start opening it
    /// (once: a failed one is not retried this session) and give `None`.
    pub fn get(&mut self, edition: &str) -> Option<&Engine> {
        if !self.slots.contains_key(edition) {
            let (tx, rx) = channel();
            let (root, name) = (self.root.clone(), edition.to_string());
            let spawned = std::thread::Builder::new().name(format!("index {name}")).spawn(move || {
                let _ = tx.send(open(root, &name).map_err(|e| format!("{e:#}")));
            });
            let slot = if spawned.is_ok() { Slot::Building(rx) } else { Slot::Failed };
            self.slots.insert(edition.to_string(), slot);
        }
        match self.slots.get(edition) {
            Some(Slot::Ready(e)) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// Whether `edition` was asked for already (ready, building or failed).
    pub fn known(&self, edition: &str) -> bool {
        self.slots.contains_key(edition)
    }

    /// Whether a build is still running (the loop then wakes to collect it).
    pub fn building(&self) -> bool {
        self.slots.values().any(|s| matches!(s, Slot::Building(_)))
    }

    /// The builds that ended since the last call.
    pub fn finished(&mut self) -> Vec<Finished> {
        let mut out = Vec::new();
        for (name, slot) in &mut self.slots {
            let Slot::Building(rx) = slot else { continue };
            let result = match rx.try_recv() {
                Ok(r) => r,
                Err(TryRecvError::Empty) => continue,
                Err(TryRecvError::Disconnected) => Err("the index build stopped".to_string()),
            };
            *slot = match result {
                Ok(engine) => {
                    out.push((name.clone(), Ok(())));
                    Slot::Ready(Box::new(engine))
                }
                Err(e) => {
                    out.push((name.clone(), Err(e)));
                    Slot::Failed
                }
            };
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Open the edition's index, building it when missing or stale.
fn open(root: Option<PathBuf>, name: &str) -> anyhow::Result<Engine> {
    let located = crate::codeset::catalog::locate(Some(name))?;
    let dir = super::index_dir(root.as_deref(), name)?;
    let opened = super::guard::catch(|| {
        Engine::open_or_build(&dir, &located.edition, &mut || located.load(), false, &mut |_| {})
    });
    let (engine, _) = opened.map_err(|panic| anyhow::anyhow!("building the index of {name}: {panic}"))??;
    Ok(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edition_index_is_built_once_in_the_background_and_then_searched() {
        let root = tempfile::tempdir().expect("tempdir");
        let mut engines = EditionEngines::new(Some(root.path().to_path_buf()));
        assert!(engines.get(crate::codeset::shipped::FY2026).is_none(), "not ready at once");
        assert!(engines.building());
        let mut done = Vec::new();
        while done.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(200));
            done = engines.finished();
        }
        assert_eq!(done, vec![(crate::codeset::shipped::FY2026.to_string(), Ok(()))]);
        assert!(!engines.building());
        let engine = engines.get(crate::codeset::shipped::FY2026).expect("ready");
        assert_eq!(engine.manifest().edition, crate::codeset::shipped::FY2026);
        let hits =
            crate::search::Search::search(engine, &crate::search::Query::new("dilated cardiomyopathy"))
                .expect("search");
        // I42.0 is billable in FY2026 (a header in FY2027).
        assert!(hits.iter().any(|h| h.code == "I42.0" && h.billable), "{:?}", &hits[..hits.len().min(5)]);
        assert!(root.path().join(crate::codeset::shipped::FY2026).is_dir());
    }

    #[test]
    fn an_unknown_edition_fails_once_and_is_not_retried() {
        let root = tempfile::tempdir().expect("tempdir");
        let mut engines = EditionEngines::new(Some(root.path().to_path_buf()));
        assert!(engines.get("no-such-edition").is_none());
        let mut done = Vec::new();
        while done.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(50));
            done = engines.finished();
        }
        assert_eq!(done.len(), 1);
        assert!(done[0].1.as_ref().is_err_and(|e| e.contains("no-such-edition")), "{done:?}");
        assert!(engines.get("no-such-edition").is_none());
        assert!(!engines.building(), "a failed edition is not built again");
    }
}
