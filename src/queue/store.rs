//! The work file: the coder's work on every record of one queue, saved
//! atomically on every change, with the audit trail beside it.
//!
//! Where: a `.medcode/` folder beside the queue when it can be created there
//! (`<dir>/.medcode/<queue file name>/` for a JSON Lines file,
//! `<folder>/.medcode/` for a folder queue), so coders sharing the queue
//! share the work and the claims; otherwise
//! `data_dir()/work/<first 16 hex of sha256(canonical queue path)>/`.
//! Inside: `work.json` (the state), `audit.jsonl` (the trail), `claims/`,
//! and `lock` (held with `flock` while saving so two coders' saves merge
//! record by record instead of overwriting each other).

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::work::{self, Op, OpError, RecordWork};

pub const WORK_FILE: &str = "work.json";
pub const AUDIT_FILE: &str = "audit.jsonl";
const FORMAT: u32 = 1;

/// Where the work folder was put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkLocation {
    /// A `.medcode/` folder beside the queue (shared by everyone who opens it).
    BesideQueue,
    /// The per-user data directory (the queue's folder is not writable).
    DataDir,
    /// A folder chosen by the caller.
    Explicit,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "the work file {path} is corrupt ({message}); it was kept as {kept} and nothing was overwritten; `medcode queue recover` rebuilds the work from the audit trail"
    )]
    Corrupt { path: PathBuf, message: String, kept: PathBuf },
    #[error("the work file {path} was written by a newer medcode (format {found}, this one reads {FORMAT})")]
    NewerFormat { path: PathBuf, found: u32 },
    #[error(transparent)]
    Op(#[from] OpError),
    #[error("cannot find a place for the work file: {0}")]
    NoPlace(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkFile {
    format: u32,
    /// The queue this work belongs to, for people reading the folder.
    queue: String,
    records: BTreeMap<String, RecordWork>,
}

/// The open work of one queue.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    location: WorkLocation,
    queue: String,
    records: BTreeMap<String, RecordWork>,
    user: String,
    /// The work file as last read or written (size, mtime, inode): when it
    /// has not changed, a save skips re-reading it.
    seen: Option<FileStamp>,
}

type FileStamp = (u64, i64, i64, u64);

fn stamp(path: &Path) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.len(), m.mtime(), m.mtime_nsec(), m.ino()))
}

impl Store {
    /// Open (or start) the work for the queue at `queue` (a file or folder).
    pub fn open(queue: &Path) -> Result<Store, StoreError> {
        let (dir, location) = work_dir_for(queue)?;
        Store::open_at(&dir, location, &queue.display().to_string())
    }

    /// Open the work for the shipped example queue (always in the data directory).
    pub fn open_example() -> Result<Store, StoreError> {
        let data = crate::paths::data_dir().map_err(|e| StoreError::NoPlace(format!("{e:#}")))?;
        let dir = data.join("work").join("example");
        Store::open_at(&dir, WorkLocation::DataDir, super::EXAMPLE_NAME)
    }

    /// Open the work kept in `dir` (created 0700 if missing).
    pub fn open_in(dir: &Path, queue_name: &str) -> Result<Store, StoreError> {
        Store::open_at(dir, WorkLocation::Explicit, queue_name)
    }

    fn open_at(dir: &Path, location: WorkLocation, queue_name: &str) -> Result<Store, StoreError> {
        create_private_dir(dir)?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            location,
            queue: queue_name.to_string(),
            records: BTreeMap::new(),
            user: os_user(),
            seen: None,
        };
        let _lock = store.lock()?;
        store.records = store.read_current()?.records;
        store.seen = stamp(&store.work_file());
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn location(&self) -> WorkLocation {
        self.location
    }
    pub fn work_file(&self) -> PathBuf {
        self.dir.join(WORK_FILE)
    }
    pub fn audit_file(&self) -> PathBuf {
        self.dir.join(AUDIT_FILE)
    }
    pub fn claims_dir(&self) -> PathBuf {
        self.dir.join("claims")
    }
    /// The claims of this queue, made as [`Store::user`].
    pub fn claims(&self) -> std::io::Result<super::claim::Claims> {
        super::claim::Claims::new(&self.claims_dir(), &self.user)
    }

    /// The OS user name recorded as `who`.
    pub fn user(&self) -> &str {
        &self.user
    }
    /// Use another name as `who` (tests; a coder id from configuration).
    pub fn set_user(&mut self, user: &str) {
        self.user = user.to_string();
    }

    /// The work on one record (a new, empty one if nothing was done yet).
    pub fn get(&self, record_id: &str) -> RecordWork {
        self.records.get(record_id).cloned().unwrap_or_default()
    }

    /// Every record with saved work.
    pub fn all(&self) -> &BTreeMap<String, RecordWork> {
        &self.records
    }

    /// Re-read the work file to pick up other coders' saves.
    pub fn reload(&mut self) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        self.records = self.read_current()?.records;
        self.seen = stamp(&self.work_file());
        Ok(())
    }

    /// Apply an operation and save it: the effect the TUI runs. `edit_errors`
    /// is the number of error-severity edits of the record now.
    pub fn apply(&mut self, record_id: &str, op: &Op, edit_errors: usize) -> Result<AuditEntry, StoreError> {
        let cx = work::Context { who: &self.user, when: Utc::now(), edit_errors };
        let (new, entry) = work::apply(record_id, &self.get(record_id), op, &cx)?;
        self.save(record_id, new, std::slice::from_ref(&entry))?;
        Ok(entry)
    }

    /// Save the new state of one record with the audit entries that explain
    /// it: the trail is appended and fsync'ed first, then the work file is
    /// rewritten atomically with this record replaced (other records as the
    /// file has them now, so coders working on different records never undo
    /// each other's saves).
    pub fn save(
        &mut self,
        record_id: &str,
        work: RecordWork,
        entries: &[AuditEntry],
    ) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let now = stamp(&self.work_file());
        let mut records = if now.is_some() && now == self.seen {
            // Nobody else saved since we did: our copy is the file.
            std::mem::take(&mut self.records)
        } else {
            self.read_current()?.records
        };
        let audit_path = self.audit_file();
        let previous = records.insert(record_id.to_string(), work);
        let file = WorkFile { format: FORMAT, queue: self.queue.clone(), records };
        let written = audit::append(&audit_path, entries)
            .map_err(io(&audit_path))
            .and_then(|()| encode(&file).map_err(|e| StoreError::Io { path: self.work_file(), source: e }))
            .and_then(|bytes| write_atomic(&self.work_file(), &bytes));
        let mut records = file.records;
        if written.is_err() {
            // Not saved: keep the in-memory copy equal to the file.
            match previous {
                Some(p) => records.insert(record_id.to_string(), p),
                None => records.remove(record_id),
            };
        }
        self.records = records;
        written?;
        self.seen = stamp(&self.work_file());
        Ok(())
    }

    /// Rebuild every record's work from the audit trail and save it (after a
    /// corrupt work file was set aside). Returns how many entries were skipped.
    pub fn recover_from_audit(&mut self) -> Result<usize, StoreError> {
        let _lock = self.lock()?;
        let path = self.audit_file();
        let entries = audit::read(&path).map_err(io(&path))?;
        let (records, skipped) = audit::replay(&entries);
        let file = WorkFile { format: FORMAT, queue: self.queue.clone(), records };
        let bytes = encode(&file).map_err(|e| StoreError::Io { path: self.work_file(), source: e })?;
        write_atomic(&self.work_file(), &bytes)?;
        self.records = file.records;
        self.seen = stamp(&self.work_file());
        Ok(skipped)
    }

    /// Append to the audit trail only (claims taken over, exports).
    pub fn log(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let path = self.audit_file();
        audit::append(&path, std::slice::from_ref(entry)).map_err(io(&path))
    }

    fn read_current(&self) -> Result<WorkFile, StoreError> {
        let path = self.work_file();
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(WorkFile { format: FORMAT, queue: self.queue.clone(), records: BTreeMap::new() });
            }
            Err(e) => return Err(StoreError::Io { path, source: e }),
        };
        match serde_json::from_slice::<WorkFile>(&data) {
            Ok(f) if f.format > FORMAT => Err(StoreError::NewerFormat { path, found: f.format }),
            Ok(f) => Ok(f),
            Err(e) => {
                // Keep the evidence: move it aside, never overwrite it.
                let kept =
                    self.dir.join(format!("{WORK_FILE}.corrupt-{}", Utc::now().format("%Y%m%dT%H%M%S%.6fZ")));
                std::fs::rename(&path, &kept).map_err(io(&path))?;
                Err(StoreError::Corrupt { path, message: e.to_string(), kept })
            }
        }
    }

    fn lock(&self) -> Result<Lock, StoreError> {
        Lock::take(&self.dir.join("lock"))
    }
}

/// The work file's bytes: one line per record, so it stays readable and
/// diffable without the cost of pretty-printing every code.
fn encode(file: &WorkFile) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    write!(out, "{{\"format\":{},\"queue\":", file.format)?;
    serde_json::to_writer(&mut out, &file.queue)?;
    out.extend_from_slice(b",\"records\":{");
    for (i, (id, work)) in file.records.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut out, id)?;
        out.push(b':');
        serde_json::to_writer(&mut out, work)?;
    }
    out.extend_from_slice(b"\n}}\n");
    Ok(out)
}

/// An exclusive `flock` on the lock file, released on drop.
struct Lock(std::fs::File);

impl Lock {
    fn take(path: &Path) -> Result<Lock, StoreError> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
            .map_err(io(path))?;
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor we own; no memory is involved.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(StoreError::Io { path: path.to_path_buf(), source: std::io::Error::last_os_error() });
        }
        Ok(Lock(f))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder
/// (0600), fsync, rename over `path`, fsync the folder. A crash leaves either
/// the old file or the new one, at worst plus a stray temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp =
        dir.join(format!(".{name}.tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

/// Create a folder 0700 (existing folders are left as they are).
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io(dir))
}

/// Choose the work folder for a queue (see the module documentation).
pub fn work_dir_for(queue: &Path) -> Result<(PathBuf, WorkLocation), StoreError> {
    let canonical = std::fs::canonicalize(queue).map_err(io(queue))?;
    let beside = if canonical.is_dir() {
        canonical.join(".medcode")
    } else {
        let parent = canonical.parent().unwrap_or(Path::new("/"));
        let name = canonical.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        parent.join(".medcode").join(name)
    };
    if create_private_dir(&beside).is_ok() && writable(&beside) {
        return Ok((beside, WorkLocation::BesideQueue));
    }
    let data = crate::paths::data_dir().map_err(|e| StoreError::NoPlace(format!("{e:#}")))?;
    let hash = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    Ok((data.join("work").join(&hash[..16]), WorkLocation::DataDir))
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let ok =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// The OS user name (`USER`, `LOGNAME`, else the passwd entry, else the uid).
pub fn os_user() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(u) = std::env::var(var)
            && !u.is_empty()
        {
            return u;
        }
    }
    // SAFETY: getuid cannot fail; getpwuid returns a pointer to static storage
    // or null, read immediately.
    unsafe {
        let uid = libc::getuid();
        let pw = libc::getpwuid(uid);
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned();
        }
        format!("uid{uid}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::CodeSet;
    use crate::queue::work::{CodeKind, Poa, Status};
    use std::os::unix::fs::PermissionsExt;

    fn attach(code: &str) -> Op {
        Op::Attach {
            code: code.into(),
            set: CodeSet::Icd10cm,
            kind: CodeKind::Diagnosis,
            poa: Some(Poa::Y),
            at: None,
        }
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn saves_every_change_and_reopens_the_same() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("w");
        let mut s = Store::open_in(&dir, "q.jsonl").expect("open");
        s.set_user("coder1");
        s.apply("R1", &attach("E11.22"), 0).expect("attach");
        s.apply("R1", &attach("N18.31"), 0).expect("attach");
        s.apply("R2", &Op::Hold { reason: "no op note".into() }, 0).expect("hold");
        let before = s.all().clone();
        drop(s);
        let again = Store::open_in(&dir, "q.jsonl").expect("reopen");
        assert_eq!(again.all(), &before);
        assert_eq!(again.get("R1").codes[1].code, "N18.31");
        assert_eq!(again.get("R2").status, Status::OnHold);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&again.work_file()), 0o600);
        assert_eq!(mode(&again.audit_file()), 0o600);
        let trail = audit::read(&again.audit_file()).expect("audit");
        let whats: Vec<&str> = trail.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(whats, ["attach E11.22 POA Y", "attach N18.31 POA Y", "hold"]);
        assert_eq!(trail[0].who, "coder1");
    }

    #[test]
    fn a_failed_op_changes_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Store::open_in(tmp.path(), "q").expect("open");
        s.apply("R1", &attach("E11.2"), 0).expect("attach");
        let err = s.apply("R1", &Op::Done { override_reason: None }, 1).unwrap_err();
        assert!(matches!(err, StoreError::Op(OpError::NeedsOverride(1))), "{err}");
        assert_eq!(Store::open_in(tmp.path(), "q").expect("reopen").get("R1").status, Status::InProgress);
        assert_eq!(audit::read(&s.audit_file()).expect("audit").len(), 1);
    }

    #[test]
    fn leftover_temp_files_and_torn_writes_never_corrupt_the_state() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Store::open_in(tmp.path(), "q").expect("open");
        s.apply("R1", &attach("I10"), 0).expect("attach");
        let saved = std::fs::read(s.work_file()).expect("read");
        // A crash mid-write leaves a partial temporary file (and a torn audit line).
        std::fs::write(tmp.path().join(".work.json.tmp-99999-0"), &saved[..saved.len() / 2]).expect("write");
        let mut f = std::fs::OpenOptions::new().append(true).open(s.audit_file()).expect("audit");
        f.write_all(b"{\"who\":\"x\",\"wh").expect("torn");
        drop(f);
        let mut again = Store::open_in(tmp.path(), "q").expect("reopen");
        assert_eq!(again.get("R1").codes[0].code, "I10");
        again.apply("R1", &attach("E78.5"), 0).expect("saves after a crash");
        assert_eq!(Store::open_in(tmp.path(), "q").expect("reopen").get("R1").codes.len(), 2);
    }

    #[test]
    fn corrupt_work_file_is_kept_aside_with_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join(WORK_FILE), b"{\"format\":1,\"records\":{\"R1\":").expect("write");
        let err = Store::open_in(tmp.path(), "q").unwrap_err();
        let StoreError::Corrupt { path, kept, .. } = &err else { panic!("expected corrupt, got {err}") };
        assert!(err.to_string().contains("work.json is corrupt"), "{err}");
        assert_eq!(path, &tmp.path().join(WORK_FILE));
        assert_eq!(std::fs::read(kept).expect("kept"), b"{\"format\":1,\"records\":{\"R1\":");
        // The next open starts afresh; the corrupt copy stays.
        let s = Store::open_in(tmp.path(), "q").expect("fresh");
        assert!(s.all().is_empty());
        assert!(kept.exists());
    }

    #[test]
    fn the_audit_trail_rebuilds_the_work() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Store::open_in(tmp.path(), "q").expect("open");
        s.apply("R1", &attach("E11.2"), 0).expect("attach");
        s.apply("R1", &attach("N18.31"), 0).expect("attach");
        s.apply("R1", &Op::MoveDown { index: 0 }, 0).expect("move");
        s.apply("R1", &Op::SetPoa { index: 0, poa: None }, 0).expect("poa");
        s.apply("R1", &Op::Done { override_reason: Some("payer allows".into()) }, 1).expect("done");
        s.apply("R2", &Op::Query { text: "type of MI?".into() }, 0).expect("query");
        let before = s.all().clone();
        std::fs::write(s.work_file(), b"garbage").expect("corrupt it");
        assert!(matches!(Store::open_in(tmp.path(), "q"), Err(StoreError::Corrupt { .. })));
        let mut fresh = Store::open_in(tmp.path(), "q").expect("fresh");
        assert_eq!(fresh.recover_from_audit().expect("recover"), 0);
        assert_eq!(fresh.all(), &before);
        assert_eq!(Store::open_in(tmp.path(), "q").expect("reopen").all(), &before);
    }

    #[test]
    fn two_stores_merge_record_by_record() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut a = Store::open_in(tmp.path(), "q").expect("a");
        let mut b = Store::open_in(tmp.path(), "q").expect("b");
        a.apply("R1", &attach("I10"), 0).expect("a");
        b.apply("R2", &attach("J44.1"), 0).expect("b");
        a.apply("R1", &attach("E78.5"), 0).expect("a again");
        let s = Store::open_in(tmp.path(), "q").expect("reopen");
        assert_eq!(s.get("R1").codes.len(), 2);
        assert_eq!(s.get("R2").codes.len(), 1);
    }

    #[test]
    fn work_goes_beside_the_queue_or_to_the_data_dir() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let q = tmp.path().join("q.jsonl");
        std::fs::write(&q, b"").expect("write");
        let (dir, loc) = work_dir_for(&q).expect("dir");
        assert_eq!(loc, WorkLocation::BesideQueue);
        assert_eq!(dir, std::fs::canonicalize(tmp.path()).expect("canon").join(".medcode").join("q.jsonl"));
        assert!(work_dir_for(&tmp.path().join("missing.jsonl")).is_err());
    }
}
