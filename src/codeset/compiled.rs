//! The compiled model: a loaded codebook kept in one file per edition, mapped
//! into every medcode that uses the edition instead of parsing the release
//! files again.
//!
//! The file is an *image* of the model as this medcode binary lays it out in
//! memory: a deep clone of the parsed [`Codebook`] made into a bump region at
//! a fixed address (see [`arena`]), written out byte for byte behind a
//! one-page header. Opening it maps the file at that address (private,
//! copy-on-write) and reads the codebook's root struct out of it: no parsing,
//! no copying, and the pages stay shared through the page cache by every
//! process that maps the same file. The model's types and their API are
//! untouched (a `Tabular` is still a `Vec<CmNode>` of `String`s), so every
//! caller reads a mapped model and a freshly parsed one the same way.
//!
//! An image is only meaningful to the binary that wrote it, so the header
//! records that binary ([`identity`]) beside the format version, the medcode
//! version and a hash of the edition's files; any difference makes the file
//! stale. The header and the whole image carry CRC-32 checksums. The header's
//! is verified on every open, the image's the first time a user maps that very
//! file (remembered by its identity, see [`crate::files::checked`]: any write
//! or replacement makes it another file, checked again); a stale or damaged
//! file is rebuilt (with a message), never read.
//! Files are written atomically (a temporary file renamed into place) under a
//! lock, so two processes building at once build once and neither reads half
//! a file. When the model cannot be mapped (its address is taken, no folder
//! is writable) medcode parses the release files as before.
//!
//! The rule this places on the model types: they hold owned data only
//! (`String`, `Vec`, maps, plain values). No references, `Arc`/`Rc`, trait
//! objects or function pointers, which would point outside the image; the
//! cross-process comparison test (`tests/model.rs`) reads every code of a
//! mapped model in a process other than the one that built it.
//!
//! Where: `MEDCODE_MODEL_DIR` names a shared folder (read-only for coders,
//! like a shared index) tried first, then `model/` in the per-user data
//! directory. `MEDCODE_MODEL=parse` turns the compiled model off.

pub mod arena;

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::{Codebook, Edition};

/// Bumped whenever the header or the way an image is made changes.
pub const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"MCMODEL\0";
/// The header page; the image proper starts after it.
const HEADER: usize = 4096;
/// How much address space a build may use (the shipped editions need about 120 MiB).
const BUILD_RESERVE: usize = 4 << 30;

/// Why a compiled model file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Missing,
    /// Made by another binary, format or medcode version, or for other release files.
    Stale(String),
    /// Cut short, or its bytes are not what was written.
    Damaged(String),
    /// Fine, but it cannot be mapped here (its address is taken, or mapping failed).
    Unmappable(String),
    /// Mapped already by this process, whose codebook owns it (see [`map_file`]).
    InUse,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => f.write_str("missing"),
            Refused::Stale(why) => write!(f, "stale ({why})"),
            Refused::Damaged(why) => write!(f, "damaged ({why})"),
            Refused::Unmappable(why) => write!(f, "not mappable ({why})"),
            Refused::InUse => f.write_str("in use by this process"),
        }
    }
}

/// What a model file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    format: u32,
    medcode: [u8; 32],
    identity: [u8; 32],
    edition: [u8; 32],
    base: u64,
    len: u64,
    root: u64,
    root_size: u64,
    crc: u32,
}

impl Header {
    fn encode(&self) -> [u8; 152] {
        let mut b = [0u8; 152];
        b[..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&self.format.to_le_bytes());
        b[16..48].copy_from_slice(&self.medcode);
        b[48..80].copy_from_slice(&self.identity);
        b[80..112].copy_from_slice(&self.edition);
        b[112..120].copy_from_slice(&self.base.to_le_bytes());
        b[120..128].copy_from_slice(&self.len.to_le_bytes());
        b[128..136].copy_from_slice(&self.root.to_le_bytes());
        b[136..144].copy_from_slice(&self.root_size.to_le_bytes());
        b[144..148].copy_from_slice(&self.crc.to_le_bytes());
        let own = crc32fast::hash(&b[..148]);
        b[148..152].copy_from_slice(&own.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Result<Header, Refused> {
        let damaged = |why: &str| Refused::Damaged(why.to_string());
        if b.len() < 152 || &b[..8] != MAGIC {
            return Err(damaged("not a medcode model file"));
        }
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default());
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
        let arr = |o: usize| -> [u8; 32] { b[o..o + 32].try_into().unwrap_or_default() };
        if crc32fast::hash(&b[..148]) != u32_at(148) {
            return Err(damaged("header checksum mismatch"));
        }
        Ok(Header {
            format: u32_at(8),
            medcode: arr(16),
            identity: arr(48),
            edition: arr(80),
            base: u64_at(112),
            len: u64_at(120),
            root: u64_at(128),
            root_size: u64_at(136),
            crc: u32_at(144),
        })
    }
}

fn medcode_version() -> [u8; 32] {
    let mut v = [0u8; 32];
    let s = env!("CARGO_PKG_VERSION").as_bytes();
    v[..s.len().min(32)].copy_from_slice(&s[..s.len().min(32)]);
    v
}

/// The running binary, as far as an image's layout goes: its file (device,
/// inode, size, modification time). A rebuilt or upgraded medcode is another
/// binary, whose images are stale.
pub fn identity() -> Option<[u8; 32]> {
    let exe =
        std::fs::metadata("/proc/self/exe").or_else(|_| std::fs::metadata(std::env::current_exe()?)).ok()?;
    let text = format!(
        "{FORMAT} {} {} {} {} {}.{}",
        env!("CARGO_PKG_VERSION"),
        exe.dev(),
        exe.ino(),
        exe.size(),
        exe.mtime(),
        exe.mtime_nsec()
    );
    Some(Sha256::digest(text.as_bytes()).into())
}

/// What an edition is made of: its name and the files (with their sha256) it is assembled from.
pub fn edition_hash(edition: &Edition) -> [u8; 32] {
    source_hash(edition, None)
}

/// [`edition_hash`], and for an installed edition the stored files as they are on disk
/// (name, size, inode, modification time): a stored file changed after the import makes
/// the model stale, so the edition is parsed again and the change caught by its sha256.
pub fn source_hash(edition: &Edition, files: Option<&Path>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(edition).unwrap_or_default());
    if let Some(dir) = files {
        let mut entries: Vec<String> = std::fs::read_dir(dir)
            .map(|r| {
                r.flatten()
                    .filter_map(|e| {
                        let m = e.metadata().ok()?;
                        let name = e.file_name().to_string_lossy().into_owned();
                        Some(format!("{name} {} {} {}.{}", m.len(), m.ino(), m.mtime(), m.mtime_nsec()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        h.update(entries.join("\n"));
    }
    h.finalize().into()
}

/// The model file of an edition in `dir` (a shipped one, or installed as [`source_hash`] has it).
pub fn file_in(dir: &Path, edition: &Edition) -> PathBuf {
    file_for(dir, &edition.name, &edition_hash(edition))
}

/// Named by the edition and its files, so an edition re-imported with other files gets
/// a file of its own.
fn file_for(dir: &Path, name: &str, hash: &[u8; 32]) -> PathBuf {
    dir.join(format!("{name}-{}.model", &hex::encode(hash)[..12]))
}

/// Remove the other model files of an edition in `dir` (made from files it no longer has).
/// A process that has one mapped keeps reading it.
fn remove_others(dir: &Path, edition: &Edition, keep: &Path) {
    let prefix = format!("{}-", edition.name);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let other = name.strip_prefix(&prefix).is_some_and(|rest| {
            rest.len() == 12 + ".model".len()
                && rest.ends_with(".model")
                && rest[..12].bytes().all(|b| b.is_ascii_hexdigit())
        });
        if other && e.path() != keep {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The folders a model is looked for in, in order: `MEDCODE_MODEL_DIR`, then the per-user one.
pub fn dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(shared) = std::env::var_os("MEDCODE_MODEL_DIR").filter(|d| !d.is_empty()) {
        out.push(PathBuf::from(shared));
    }
    if let Ok(data) = crate::paths::data_dir() {
        out.push(data.join("model"));
    }
    out
}

/// Whether the compiled model is in use (`MEDCODE_MODEL=parse` turns it off).
pub fn enabled() -> bool {
    cfg!(all(target_os = "linux", target_pointer_width = "64"))
        && std::env::var_os("MEDCODE_MODEL").is_none_or(|v| v != "parse")
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Keep messages (a model rebuilt, and why) for [`take_notes`] instead of
/// printing them to stderr: for the workbench, which owns the terminal.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// The messages kept since the last call (see [`set_quiet`]).
pub fn take_notes() -> Vec<String> {
    NOTES.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default()
}

fn note(message: String) {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        if let Ok(mut n) = NOTES.lock() {
            n.push(message);
        }
    } else {
        eprintln!("medcode: {message}");
    }
}

/// How a codebook was obtained by [`load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Mapped from this file.
    Mapped(PathBuf),
    /// Parsed, then compiled into this file and mapped from it.
    Built(PathBuf),
    /// Parsed from the release files (the model is off, or could not be written or mapped).
    Parsed,
}

/// The codebook of `edition`: mapped from its compiled model, which is built
/// first (from `parse`) when it is missing, stale or damaged.
/// `files`: an installed edition's folder (see [`source_hash`]).
pub fn load(
    edition: &Edition,
    files: Option<&Path>,
    parse: &dyn Fn() -> Result<Codebook>,
) -> Result<Codebook> {
    load_sources(&dirs(), edition, files, parse).map(|(book, _)| book)
}

/// [`load`] over the folders given, saying how the codebook was obtained.
pub fn load_from(
    dirs: &[PathBuf],
    edition: &Edition,
    parse: &dyn Fn() -> Result<Codebook>,
) -> Result<(Codebook, Source)> {
    load_sources(dirs, edition, None, parse)
}

fn load_sources(
    dirs: &[PathBuf],
    edition: &Edition,
    files: Option<&Path>,
    parse: &dyn Fn() -> Result<Codebook>,
) -> Result<(Codebook, Source)> {
    if !enabled() {
        return Ok((parse()?, Source::Parsed));
    }
    let Some(identity) = identity() else { return Ok((parse()?, Source::Parsed)) };
    let key = Key { identity, edition: source_hash(edition, files) };
    let mut refused = Vec::new();
    for dir in dirs {
        let path = file_for(dir, &edition.name, &key.edition);
        match open(&path, &key) {
            Ok(book) => return Ok((book, Source::Mapped(path))),
            Err(Refused::Missing) => {}
            // A second codebook of the edition in one process is parsed (see `map_file`).
            Err(Refused::InUse) => return Ok((parse()?, Source::Parsed)),
            Err(r) => refused.push((path, r)),
        }
    }
    for (path, r) in &refused {
        note(format!("the compiled model {} is {r}; rebuilding it", path.display()));
    }
    let mut failures = Vec::new();
    for dir in dirs {
        match build_in(dir, edition, &key, parse) {
            Ok(Built::Mapped(book, path)) => return Ok((book, Source::Built(path))),
            Ok(Built::Parsed(book, why)) => {
                note(format!("the code sets were parsed, not mapped: {why}"));
                return Ok((book, Source::Parsed));
            }
            Err(BuildError::Parse(e)) => return Err(e),
            Err(BuildError::Place(e)) => failures.push(format!("{}: {e:#}", dir.display())),
        }
    }
    let book = parse()?;
    if !failures.is_empty() {
        note(format!("cannot write the compiled model ({}); parsed the code sets", failures.join("; ")));
    }
    Ok((book, Source::Parsed))
}

/// What a model file must match.
struct Key {
    identity: [u8; 32],
    edition: [u8; 32],
}

enum Built {
    Mapped(Codebook, PathBuf),
    /// Built and written, but not mappable here: the parsed codebook, and why.
    Parsed(Codebook, String),
}

enum BuildError {
    /// The folder cannot hold the model (try the next one).
    Place(anyhow::Error),
    /// The release files cannot be parsed (give up).
    Parse(anyhow::Error),
}

/// Build the model in `dir` under its lock, unless another process did so while we waited.
fn build_in(
    dir: &Path,
    edition: &Edition,
    key: &Key,
    parse: &dyn Fn() -> Result<Codebook>,
) -> Result<Built, BuildError> {
    crate::files::create_private_dir(dir)
        .with_context(|| format!("creating {}", dir.display()))
        .map_err(BuildError::Place)?;
    let path = file_for(dir, &edition.name, &key.edition);
    let _lock = Lock::take(&dir.join(format!(".{}.lock", edition.name))).map_err(BuildError::Place)?;
    if let Ok(book) = open(&path, key) {
        return Ok(Built::Mapped(book, path));
    }
    let book = parse().map_err(BuildError::Parse)?;
    // One build at a time in this process: a build borrows a free slot's addresses until
    // its file is written, and the file must then map at the slot it was made for.
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    write(&path, &book, key, &edition.name).map_err(BuildError::Place)?;
    remove_others(dir, edition, &path);
    match open(&path, key) {
        Ok(mapped) => Ok(Built::Mapped(mapped, path)),
        Err(r) => Ok(Built::Parsed(book, format!("{} is {r}", path.display()))),
    }
}

/// An exclusive `flock` on a lock file, released on drop.
struct Lock(std::fs::File);

impl Lock {
    fn take(path: &Path) -> Result<Lock> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("locking {}", path.display()));
        }
        Ok(Lock(f))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above; closing the file would release it too.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The models mapped in this process: (base, device, inode). A mapping is never undone
/// (its codebook may live anywhere, and is never freed).
static MAPPED: Mutex<Vec<(usize, u64, u64)>> = Mutex::new(Vec::new());

fn slot_base(slot: usize) -> usize {
    arena::WINDOW_START + (slot % arena::SLOTS) * arena::SLOT
}

/// The slot an edition's model is built at first: from its name, so that the
/// editions one workbench holds together get different addresses.
fn first_slot(name: &str) -> usize {
    let h = Sha256::digest(name.as_bytes());
    usize::from(h[0]) | (usize::from(h[1]) << 8)
}

/// Map `len` bytes of fresh anonymous memory exactly at `addr`, or `None`.
pub fn map_anonymous(addr: usize, len: usize) -> Option<usize> {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping; the result is checked.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    placed(p, addr, len)
}

/// `Some(addr)` when `mmap` put the mapping at `addr`; undoes one put elsewhere
/// (kernels before 4.17 read MAP_FIXED_NOREPLACE as a hint).
fn placed(p: *mut libc::c_void, addr: usize, len: usize) -> Option<usize> {
    if p == libc::MAP_FAILED {
        return None;
    }
    if p as usize != addr {
        // SAFETY: unmapping the mapping just made, which nothing uses.
        unsafe { libc::munmap(p, len) };
        return None;
    }
    Some(addr)
}

/// Compile `book` into `path` (atomically, 0600).
fn write(path: &Path, book: &Codebook, key: &Key, name: &str) -> Result<()> {
    let used = MAPPED.lock().map(|m| m.iter().map(|e| e.0).collect::<Vec<_>>()).unwrap_or_default();
    let first = first_slot(name);
    let base = (0..8)
        .map(|i| slot_base(first + i))
        .filter(|b| !used.contains(b))
        .find_map(|b| map_anonymous(b, BUILD_RESERVE))
        .context("no free address for the compiled model")?;
    // SAFETY: `base..base + BUILD_RESERVE` is the fresh mapping made above, used by nothing
    // else; it stays mapped until the clone made into it is written out and forgotten.
    let bump = unsafe { arena::Bump::begin(base + HEADER, base + BUILD_RESERVE) };
    let root: *mut Codebook = Box::into_raw(Box::new(deep_clone(book)));
    let used = bump.finish();
    let result = (|| {
        let used = used.context("the model does not fit its address range")?;
        let len = HEADER + used;
        // SAFETY: `base..base + len` is inside the mapping and now holds the clone.
        let image = unsafe { std::slice::from_raw_parts_mut(base as *mut u8, len) };
        let header = Header {
            format: FORMAT,
            medcode: medcode_version(),
            identity: key.identity,
            edition: key.edition,
            base: base as u64,
            len: len as u64,
            root: (root as usize - base) as u64,
            root_size: std::mem::size_of::<Codebook>() as u64,
            crc: crc32fast::hash(&image[HEADER..]),
        };
        image[..152].copy_from_slice(&header.encode());
        crate::files::write_atomic(path, image).with_context(|| format!("writing {}", path.display()))
    })();
    // The clone is never dropped: its memory goes with the mapping (allocations in the window
    // are never freed; any that fell outside it on an overflow are left to the process).
    // SAFETY: nothing refers to the mapping any more.
    unsafe { libc::munmap(base as *mut libc::c_void, BUILD_RESERVE) };
    result
}

/// A copy of `book` whose every allocation is made by the current allocator
/// context (the bump region while compiling).
fn deep_clone(book: &Codebook) -> Codebook {
    Codebook {
        edition: book.edition.clone(),
        cm: book.cm.clone(),
        pcs: book.pcs.clone(),
        drugs: book.drugs.clone(),
        neoplasms: book.neoplasms.clone(),
        external: book.external.clone(),
        diseases: book.diseases.clone(),
        changes: book.changes.clone(),
        hcpcs: book.hcpcs.clone(),
        // The user's CPT file is loaded beside the model, never into it.
        cpt: Default::default(),
    }
}

/// Open and check a model file and map it; its codebook.
fn open(path: &Path, key: &Key) -> Result<Codebook, Refused> {
    let mut file = match crate::paths::open_regular(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Missing),
        Err(e) => return Err(Refused::Unmappable(format!("cannot open it: {e}"))),
    };
    let meta = file.metadata().map_err(|e| Refused::Unmappable(e.to_string()))?;
    if meta.mode() & 0o022 != 0 {
        // Whoever can write the file could make this process read anything: not used.
        return Err(Refused::Unmappable("writable by group or others".into()));
    }
    let mut page = [0u8; 152];
    file.read_exact(&mut page).map_err(|_| Refused::Damaged("shorter than its header".into()))?;
    let h = Header::decode(&page)?;
    if h.format != FORMAT {
        return Err(Refused::Stale(format!("format {} (this medcode writes {FORMAT})", h.format)));
    }
    if h.medcode != medcode_version() {
        let v = String::from_utf8_lossy(&h.medcode).trim_end_matches('\0').to_string();
        return Err(Refused::Stale(format!("made by medcode {}", crate::text::sanitize(&v))));
    }
    if h.identity != key.identity {
        return Err(Refused::Stale("made by another medcode binary".into()));
    }
    if h.edition != key.edition {
        return Err(Refused::Stale("made from other release files".into()));
    }
    let base = usize::try_from(h.base).unwrap_or(0);
    let len = usize::try_from(h.len).unwrap_or(0);
    let root = usize::try_from(h.root).unwrap_or(0);
    let size = std::mem::size_of::<Codebook>();
    if meta.len() != h.len {
        return Err(Refused::Damaged(format!("{} bytes, the header says {}", meta.len(), h.len)));
    }
    let sound = (arena::WINDOW_START..arena::WINDOW_END).contains(&base)
        && (base - arena::WINDOW_START).is_multiple_of(arena::SLOT)
        && len <= arena::SLOT
        && h.root_size == size as u64
        && root >= HEADER
        && root.checked_add(size).is_some_and(|end| end <= len)
        && (base + root).is_multiple_of(std::mem::align_of::<Codebook>());
    if !sound {
        return Err(Refused::Damaged("header out of range".into()));
    }
    let base = map_file(&file, &meta, base, len)?;
    // SAFETY: `base..base + len` is mapped (now or by an earlier open of this very file).
    let image = unsafe { std::slice::from_raw_parts(base as *const u8, len) };
    // Every byte is checked the first time this user maps this very file (a rewrite or a
    // replacement is another file); reading 87 MB on every start would cost ~15 ms.
    let checked = crate::files::checked::Checked::for_folder(path.parent().unwrap_or(Path::new(".")));
    let stamps = vec![(String::new(), crate::files::checked::Stamp::of(&meta))];
    let known = checked.was(path, &stamps);
    if !known && crc32fast::hash(&image[HEADER..]) != h.crc {
        // Nothing was read from it: undo the mapping, so the slot can hold a rebuilt model.
        if let Ok(mut mapped) = MAPPED.lock() {
            mapped.retain(|e| e.0 != base);
            // SAFETY: the mapping made by `map_file` just now; nothing refers into it.
            unsafe { libc::munmap(base as *mut libc::c_void, len) };
        }
        // The file changed under a mapping made earlier, or its bytes rotted: either way not read.
        return Err(Refused::Damaged("checksum mismatch".into()));
    }
    if !known {
        checked.remember(path, stamps);
    }
    // SAFETY: the image was written by this very binary (identity), for this edition, and is
    // byte for byte what it wrote (checksum, now or when this user first mapped this very
    // file), at the address it was made for: the root is a
    // `Codebook` whose every pointer is into the image. Reading it out makes a second owner
    // of the image's memory, which the allocator never frees (see `arena`).
    Ok(unsafe { std::ptr::read((base + root) as *const Codebook) })
}

/// Dropping a codebook read from a mapping frees nothing (its memory is the mapping's),
/// but would still walk every string and vector in it, reading each page of the image:
/// about half of a `medcode show`. So the parts in the mapping are forgotten instead;
/// what lives on the heap beside them (the edition, the user's CPT) is dropped as usual.
pub(crate) fn forget_mapped(book: &mut Codebook) {
    if !arena::in_window(book.cm.nodes.as_ptr().cast_mut().cast()) {
        return;
    }
    std::mem::forget(std::mem::take(&mut book.cm));
    std::mem::forget(std::mem::take(&mut book.pcs));
    std::mem::forget(book.drugs.take());
    std::mem::forget(book.neoplasms.take());
    std::mem::forget(book.external.take());
    std::mem::forget(book.diseases.take());
    std::mem::forget(std::mem::take(&mut book.changes));
    std::mem::forget(std::mem::take(&mut book.hcpcs));
}

/// Map `file` at `base`.
///
/// A mapping has one owner: the codebook read from it. A second codebook read from
/// the same mapping would share its buffers, so a change made through one (a title
/// grown, which moves it to the heap) would show in the other and be freed twice;
/// a file mapped already is therefore [`Refused::InUse`], and its edition parsed.
fn map_file(
    file: &std::fs::File,
    meta: &std::fs::Metadata,
    base: usize,
    len: usize,
) -> Result<usize, Refused> {
    use std::os::fd::AsRawFd;
    let mut mapped = MAPPED.lock().map_err(|_| Refused::Unmappable("poisoned".into()))?;
    if let Some(&(_, dev, ino)) = mapped.iter().find(|e| e.0 == base) {
        return if (dev, ino) == (meta.dev(), meta.ino()) {
            Err(Refused::InUse)
        } else {
            Err(Refused::Unmappable("its address holds another model in this process".into()))
        };
    }
    // SAFETY: a private mapping of a file we opened, at an address MAP_FIXED_NOREPLACE keeps
    // from replacing anything; writable so that a write lands on a private copy of the page.
    let p = unsafe {
        libc::mmap(
            base as *mut libc::c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_FIXED_NOREPLACE,
            file.as_raw_fd(),
            0,
        )
    };
    let base = placed(p, base, len).ok_or_else(|| {
        Refused::Unmappable(format!("its address is taken ({})", std::io::Error::last_os_error()))
    })?;
    mapped.push((base, meta.dev(), meta.ino()));
    Ok(base)
}

#[cfg(test)]
mod tests;
