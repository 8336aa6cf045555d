//! How medcode writes to disk, in one place: private folders, new private
//! files, atomic replacement of a file, and the swap of a whole folder. Every
//! file medcode writes is readable by its owner only (0600 in 0700 folders).

pub mod checked;

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Create a folder (and its parents) 0700; existing folders are left as they are.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Create `path` (it must not exist) 0600 with `bytes`, fsync'ed.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// fsync a folder, so a rename in it survives a crash.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// A name beside `path` that no other writer (process or thread) uses now.
fn temporary_beside(path: &Path, tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent(path).join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

fn parent(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Replace `path` with `bytes` atomically: a temporary file in the same
/// folder (0600), fsync, rename over `path`, fsync the folder. A crash leaves
/// the old file or the new one, at worst plus a stray temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_beside(path, "tmp");
    let result = write_new_private(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .and_then(|()| sync_dir(parent(path)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Put the folder `new` in place of `target` (which may exist): the old one
/// moves aside, the new one in, and on failure the old one is put back.
/// Whether an old folder was replaced.
pub fn swap_dir(new: &Path, target: &Path) -> std::io::Result<bool> {
    let replaced = target.exists();
    let old = temporary_beside(target, "old");
    if replaced {
        std::fs::rename(target, &old)?;
    }
    if let Err(e) = std::fs::rename(new, target) {
        if replaced {
            let _ = std::fs::rename(&old, target);
        }
        return Err(e);
    }
    if replaced {
        let _ = std::fs::remove_dir_all(&old);
    }
    sync_dir(parent(target))?;
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn writes_are_private_and_atomic() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        create_private_dir(&dir).expect("dir");
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("f.json");
        write_atomic(&f, b"one").expect("write");
        write_atomic(&f, b"two").expect("replace");
        assert_eq!(std::fs::read(&f).expect("read"), b"two");
        assert_eq!(mode(&f), 0o600);
        assert!(write_new_private(&f, b"x").is_err(), "never overwrites");
        let names: Vec<_> = std::fs::read_dir(&dir).expect("ls").flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn a_symlink_is_never_written_through() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"precious").expect("write");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        assert!(write_new_private(&link, b"x").is_err());
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
    }

    #[test]
    fn a_folder_swap_replaces_the_old_one_whole() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let target = tmp.path().join("index");
        let new = tmp.path().join("new");
        std::fs::create_dir(&new).expect("new");
        std::fs::write(new.join("v"), b"1").expect("w");
        assert!(!swap_dir(&new, &target).expect("first"));
        let new = tmp.path().join("new2");
        std::fs::create_dir(&new).expect("new");
        std::fs::write(new.join("v"), b"2").expect("w");
        assert!(swap_dir(&new, &target).expect("second"));
        assert_eq!(std::fs::read(target.join("v")).expect("read"), b"2");
        assert_eq!(std::fs::read_dir(tmp.path()).expect("ls").count(), 1, "the old folder is gone");
    }
}
