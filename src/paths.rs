//! Where medcode keeps its per-user files, from `directories`, with overrides.

use std::path::PathBuf;

use anyhow::{Context, Result};
use directories::ProjectDirs;

fn project_dirs() -> Result<ProjectDirs> {
    ProjectDirs::from("org", "medcode", "medcode")
        .context("cannot find a home directory for medcode's per-user files (is HOME set?)")
}

/// The per-user data directory (`~/.local/share/medcode` on Linux); `MEDCODE_DATA` overrides it.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("MEDCODE_DATA") {
        return Ok(PathBuf::from(dir));
    }
    Ok(project_dirs()?.data_dir().to_path_buf())
}

/// The per-user config directory (`~/.config/medcode` on Linux); `MEDCODE_CONFIG` overrides it.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("MEDCODE_CONFIG") {
        return Ok(PathBuf::from(dir));
    }
    Ok(project_dirs()?.config_dir().to_path_buf())
}

/// Create a directory (and parents) readable by its owner only.
pub fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    crate::files::create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Open a file that must be a regular file, for reading.
///
/// Opened with `O_NONBLOCK`, so a FIFO cannot block the open, and checked
/// after opening, so a swap between a check and the open cannot slip a FIFO,
/// a device such as `/dev/zero` or a folder in.
pub fn open_regular(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let ft = file.metadata()?.file_type();
    if ft.is_file() {
        return Ok(file);
    }
    let what = if ft.is_dir() {
        "a folder"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "something else"
    };
    Err(Error::new(ErrorKind::InvalidInput, format!("{what}, not a regular file")))
}

/// Read a regular file (see [`open_regular`]) of at most `max` bytes; the
/// read is capped, so a file that grows while read cannot use unbounded memory.
pub fn read_regular(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    let mut data = Vec::with_capacity(usize::try_from(len.min(max)).unwrap_or(0));
    file.take(max + 1).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        let msg = format!("larger than {} MB", max >> 20);
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, msg));
    }
    Ok(data)
}
