//! Files whose bytes were checked in full (a checksum over every byte), remembered by
//! their identity so that the next start does not read 100 MB again.
//!
//! A file's identity is its device, inode, size, modification time and change time.
//! Any write to a file, or a new file renamed in its place, changes one of them, and
//! the change time cannot be set back by a user, so a remembered identity still
//! matching means the bytes are those that were checked. What is remembered is the
//! user's own: beside the files when their folder is the user's (and writable), else
//! in the user's data folder (a shared read-only folder); one user's record is never
//! trusted by another.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The identity of one file, as [`std::fs::Metadata`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The stamps of the regular files directly in `dir`, by name (None if it cannot be listed).
    pub fn of_dir(dir: &Path) -> Option<Vec<(String, Stamp)>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).ok()? {
            let entry = entry.ok()?;
            let meta = entry.metadata().ok()?;
            if meta.is_file() {
                files.push((entry.file_name().to_string_lossy().into_owned(), Stamp::of(&meta)));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Some(files)
    }
}

/// What was checked: a key (a file's or folder's path) and the stamps it had then.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    checked: BTreeMap<String, Vec<(String, Stamp)>>,
}

/// Keys kept at most: a rebuilt index or model is a new identity under the same key,
/// so the record holds one entry per place, and this bounds a record full of old places.
const MAX_ENTRIES: usize = 64;

/// The record of this user's checks of the files in one folder.
#[derive(Debug, Clone)]
pub struct Checked {
    file: Option<PathBuf>,
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The record's name beside the files it is about.
pub const BESIDE: &str = ".checked.json";

impl Checked {
    /// The record for files in `folder`: `.checked.json` there when the folder is this
    /// user's and writable, else `checked.json` in the data folder (none: nothing kept).
    pub fn for_folder(folder: &Path) -> Checked {
        let own = std::fs::metadata(folder)
            .is_ok_and(|m| m.is_dir() && m.uid() == euid() && m.permissions().mode() & 0o200 != 0);
        if own {
            return Checked { file: Some(folder.join(BESIDE)) };
        }
        Checked { file: crate::paths::data_dir().ok().map(|d| d.join("checked.json")) }
    }

    /// A record in `file` (tests).
    pub fn at(file: PathBuf) -> Checked {
        Checked { file: Some(file) }
    }

    fn read(&self) -> Record {
        let Some(file) = &self.file else { return Record::default() };
        // Only a record of this user's, which nobody else can write, is believed.
        let mine = std::fs::symlink_metadata(file)
            .is_ok_and(|m| m.is_file() && m.uid() == euid() && m.permissions().mode() & 0o022 == 0);
        if !mine {
            return Record::default();
        }
        crate::paths::read_regular(file, 1 << 20)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Whether `key` was checked in full with exactly these stamps.
    pub fn was(&self, key: &Path, stamps: &[(String, Stamp)]) -> bool {
        self.read().checked.get(&key.to_string_lossy().into_owned()).is_some_and(|s| s == stamps)
    }

    /// Remember that `key` passed a full check with these stamps. Best effort: a record
    /// that cannot be written only means the next start checks again.
    pub fn remember(&self, key: &Path, stamps: Vec<(String, Stamp)>) {
        let Some(file) = &self.file else { return };
        let mut record = self.read();
        record.checked.insert(key.to_string_lossy().into_owned(), stamps);
        while record.checked.len() > MAX_ENTRIES {
            let Some(first) = record.checked.keys().next().cloned() else { break };
            record.checked.remove(&first);
        }
        let Ok(bytes) = serde_json::to_vec(&record) else { return };
        if let Some(dir) = file.parent() {
            let _ = super::create_private_dir(dir);
        }
        let _ = super::write_atomic(file, &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(path: &Path) -> Vec<(String, Stamp)> {
        vec![(String::new(), Stamp::of(&std::fs::metadata(path).expect("metadata")))]
    }

    #[test]
    fn a_remembered_file_stays_checked_until_it_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"checked bytes").expect("write");
        let checked = Checked::at(dir.path().join("checked.json"));
        assert!(!checked.was(&data, &one(&data)), "nothing is remembered at first");
        checked.remember(&data, one(&data));
        assert!(checked.was(&data, &one(&data)));

        // Same size, same bytes count: a write still changes the change time.
        std::thread::sleep(std::time::Duration::from_millis(25));
        std::fs::write(&data, b"CHECKED BYTES").expect("write");
        assert!(!checked.was(&data, &one(&data)), "a written file must be checked again");
    }

    #[test]
    fn a_file_renamed_in_place_is_another_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"first").expect("write");
        let checked = Checked::at(dir.path().join("checked.json"));
        checked.remember(&data, one(&data));
        let other = dir.path().join("other.bin");
        std::fs::write(&other, b"other").expect("write");
        std::fs::rename(&other, &data).expect("rename");
        assert!(!checked.was(&data, &one(&data)));
    }

    #[test]
    fn a_damaged_record_remembers_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"bytes").expect("write");
        let record = dir.path().join("checked.json");
        let checked = Checked::at(record.clone());
        checked.remember(&data, one(&data));
        std::fs::write(&record, b"{not json").expect("write");
        assert!(!checked.was(&data, &one(&data)));
        checked.remember(&data, one(&data));
        assert!(checked.was(&data, &one(&data)), "a damaged record is replaced");
    }

    #[test]
    fn the_record_sits_beside_the_files_only_in_a_writable_folder_of_ones_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Checked::for_folder(dir.path()).file, Some(dir.path().join(BESIDE)));
        let mut perms = std::fs::metadata(dir.path()).expect("dir").permissions();
        perms.set_mode(0o555);
        std::fs::set_permissions(dir.path(), perms.clone()).expect("chmod");
        let shared = Checked::for_folder(dir.path()).file;
        perms.set_mode(0o755);
        std::fs::set_permissions(dir.path(), perms).expect("chmod back");
        assert_ne!(shared, Some(dir.path().join(BESIDE)), "a read-only folder holds no record");
    }

    #[test]
    fn a_record_others_can_write_is_not_believed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"bytes").expect("write");
        let record = dir.path().join(BESIDE);
        let checked = Checked::at(record.clone());
        checked.remember(&data, one(&data));
        assert!(checked.was(&data, &one(&data)));
        let mut perms = std::fs::metadata(&record).expect("record").permissions();
        perms.set_mode(0o666);
        std::fs::set_permissions(&record, perms).expect("chmod");
        assert!(!checked.was(&data, &one(&data)));
    }

    #[test]
    fn the_record_keeps_a_bounded_number_of_places() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"bytes").expect("write");
        let checked = Checked::at(dir.path().join("checked.json"));
        for i in 0..MAX_ENTRIES + 5 {
            checked.remember(&dir.path().join(format!("place-{i:03}")), one(&data));
        }
        assert_eq!(checked.read().checked.len(), MAX_ENTRIES);
    }
}
