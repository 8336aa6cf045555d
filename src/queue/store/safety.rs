//! What the work folder may hold before medcode opens anything in it: no
//! symbolic links (an `audit` or database file that points elsewhere would
//! be written wherever it points), regular files only, owned by this user or,
//! in a group-shared folder prepared by an administrator, by its group.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::StoreError;

fn unsafe_(path: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Unsafe { path: path.to_path_buf(), why: why.into() }
}

/// Check the work folder; whether it is group-shared (group-writable), in
/// which case the files medcode creates in it are group read-write.
pub fn check_dir(dir: &Path) -> Result<bool, StoreError> {
    let meta =
        std::fs::symlink_metadata(dir).map_err(|e| StoreError::Io { path: dir.to_path_buf(), err: e })?;
    if meta.file_type().is_symlink() {
        return Err(unsafe_(dir, "the work folder is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(unsafe_(dir, "the work folder is not a folder"));
    }
    let mode = meta.permissions().mode();
    if mode & 0o002 != 0 {
        return Err(unsafe_(dir, "the work folder is writable by every user"));
    }
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    let shared = mode & 0o020 != 0;
    if meta.uid() != me && !shared {
        return Err(unsafe_(
            dir,
            format!("the work folder belongs to uid {} and is not group-shared", meta.uid()),
        ));
    }
    Ok(shared)
}

/// Check one file of the store (a missing file is fine: it will be created).
pub fn check_file(path: &Path, dir: &Path) -> Result<(), StoreError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::Io { path: path.to_path_buf(), err: e }),
    };
    if meta.file_type().is_symlink() {
        return Err(unsafe_(path, "a symbolic link where the work store keeps a file"));
    }
    if !meta.is_file() {
        return Err(unsafe_(path, "not a regular file"));
    }
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    if meta.uid() != me {
        let dir_meta =
            std::fs::symlink_metadata(dir).map_err(|e| StoreError::Io { path: dir.to_path_buf(), err: e })?;
        let shared = dir_meta.permissions().mode() & 0o020 != 0 && dir_meta.gid() == meta.gid();
        if !shared {
            return Err(unsafe_(
                path,
                format!("belongs to uid {}, not to you, in a folder that is not shared", meta.uid()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_and_special_files_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("w");
        std::fs::create_dir(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        assert!(!check_dir(&dir).expect("a private folder"));
        let target = tmp.path().join("elsewhere");
        std::fs::write(&target, b"victim").expect("write");
        std::os::unix::fs::symlink(&target, dir.join("work.db-wal")).expect("symlink");
        let err = check_file(&dir.join("work.db-wal"), &dir).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        std::fs::create_dir(dir.join("work.db")).expect("dir");
        assert!(
            check_file(&dir.join("work.db"), &dir).unwrap_err().to_string().contains("not a regular file")
        );
        assert!(check_file(&dir.join("missing"), &dir).is_ok());
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).expect("symlink");
        assert!(check_dir(&link).unwrap_err().to_string().contains("symbolic link"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(check_dir(&dir).unwrap_err().to_string().contains("every user"));
    }
}
