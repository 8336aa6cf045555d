//! The coder's recently used and favourite codes, kept per user in the data
//! directory (`recent.json`, mode 0600, saved atomically).

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::codeset::CodeSet;

/// How many recently used codes are kept.
pub const RECENT_MAX: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Used {
    pub set: CodeSet,
    /// As printed (`E11.22`).
    pub code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recents {
    /// Most recent first.
    #[serde(default)]
    pub recent: Vec<Used>,
    #[serde(default)]
    pub favourites: Vec<Used>,
}

impl Recents {
    pub fn touch(&mut self, used: Used) {
        self.recent.retain(|u| *u != used);
        self.recent.insert(0, used);
        self.recent.truncate(RECENT_MAX);
    }

    /// Returns whether the code is now a favourite.
    pub fn toggle_favourite(&mut self, used: Used) -> bool {
        if let Some(i) = self.favourites.iter().position(|u| *u == used) {
            self.favourites.remove(i);
            false
        } else {
            self.favourites.push(used);
            true
        }
    }

    pub fn is_favourite(&self, set: CodeSet, code: &str) -> bool {
        self.favourites.iter().any(|u| u.set == set && u.code == code)
    }

    /// Read `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Recents> {
        match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Recents::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Write to a temporary file beside `path` (0600), fsync, rename over it.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().context("recent-codes file has no directory")?;
        crate::paths::create_private_dir(dir)?;
        let json = serde_json::to_vec_pretty(self)?;
        crate::files::write_atomic(path, &json).with_context(|| format!("saving {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn touch_moves_to_front_and_save_is_private_and_round_trips() {
        let mut r = Recents::default();
        let a = Used { set: CodeSet::Icd10cm, code: "E11.22".into() };
        let b = Used { set: CodeSet::Icd10cm, code: "I10".into() };
        r.touch(a.clone());
        r.touch(b.clone());
        r.touch(a.clone());
        assert_eq!(r.recent, vec![a.clone(), b.clone()]);
        assert!(r.toggle_favourite(b.clone()));
        assert!(r.is_favourite(CodeSet::Icd10cm, "I10"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("recent.json");
        r.save(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(Recents::load(&path).unwrap(), r);
        assert_eq!(Recents::load(&dir.path().join("none.json")).unwrap(), Recents::default());
    }
}
