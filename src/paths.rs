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
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}
