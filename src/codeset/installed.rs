//! The editions a coder imported, installed under `<data dir>/editions/`:
//! one folder each, its manifest and its release files, loaded through the
//! same assembly as the shipped ones.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::assemble;
use super::{Codebook, Component, Edition, FileKind};

/// What `edition.json` in an installed edition's folder holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(flatten)]
    pub edition: Edition,
    /// The path the release was imported from.
    pub imported_from: String,
    /// When (RFC 3339).
    pub imported_at: String,
    /// What the import noted: components filled from the shipped edition, version mismatches.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Where installed editions live: `<data dir>/editions/`.
pub fn editions_dir() -> anyhow::Result<PathBuf> {
    Ok(crate::paths::data_dir()?.join("editions"))
}

/// An installed edition's folder, as listed: its manifest or why it cannot be read.
pub struct Installed {
    pub dir: PathBuf,
    pub manifest: Result<Manifest, String>,
}

/// Every folder under `editions/` that is an edition (temporary import folders skipped).
pub fn installed_editions() -> anyhow::Result<Vec<Installed>> {
    let dir = editions_dir()?;
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", dir.display()))),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let manifest = read_manifest(&entry.path()).map_err(|e| format!("{e:#}"));
        out.push(Installed { dir: entry.path(), manifest });
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(out)
}

/// The manifest (`edition.json`) of an installed edition's folder.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join("edition.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not an edition manifest", path.display()))
}

/// Read one stored component file: gunzip when stored compressed, check its sha256.
pub fn read_component(dir: &Path, c: &Component) -> anyhow::Result<Vec<u8>> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let path = dir.join(&c.file);
    let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let data = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 6);
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("{}: damaged gzip data", path.display()))?;
        out
    } else {
        raw
    };
    let digest = hex::encode(Sha256::digest(&data));
    if digest != c.sha256 {
        anyhow::bail!("{}: damaged (sha256 {digest}, the manifest says {})", path.display(), c.sha256);
    }
    Ok(data)
}

/// An installed edition's files, read (and checked) as they are parsed.
struct Files<'a> {
    dir: &'a Path,
    edition: &'a Edition,
}

impl assemble::Files for Files<'_> {
    fn file(&self, kind: FileKind) -> anyhow::Result<Option<assemble::File<'_>>> {
        let Some(c) = self.edition.component(kind) else { return Ok(None) };
        Ok(Some((read_component(self.dir, c)?.into(), c.file.clone())))
    }
}

/// Load an installed edition's folder with the same assembly as the shipped editions.
pub fn load_installed(dir: &Path) -> anyhow::Result<Codebook> {
    let edition = read_manifest(dir)?.edition;
    let files = Files { dir, edition: &edition };
    // The files borrow the edition while they are read; the codebook owns a copy.
    assemble::assemble(edition.clone(), &files)
}
