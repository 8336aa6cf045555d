//! The coder's work on a queue: every record's state, the audit trail and the
//! claims, behind [`WorkDb`] (today SQLite, [`sqlite::SqliteDb`]; a server
//! database for teams on several hosts can implement the same trait).
//!
//! Every change is one transaction on fresh state: take the write lock,
//! check the record's claim, read the record as saved now, apply the
//! operation, write it with its audit entry, commit. Nothing is built from a
//! stale in-memory copy, so coders never undo each other's work.
//!
//! Where: one home per queue (see [`Store::open`]): a `.medcode/` folder
//! beside the queue when it can be written there, so coders sharing the
//! queue share the work and the claims; otherwise the per-user data
//! directory. Work found in the other place is merged in and said so.

pub mod safety;
pub mod sqlite;

use std::collections::BTreeMap;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::claim::{Claim, Outcome, Session};
use super::work::{self, Op, OpError, RecordWork};
pub use sqlite::DB_FILE;

/// The work file of medcode 0.1 (migrated into the database on first open).
pub const LEGACY_WORK_FILE: &str = "work.json";
/// The audit trail of medcode 0.1 (migrated likewise).
pub const LEGACY_AUDIT_FILE: &str = "audit.jsonl";

/// Where the work folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkLocation {
    /// A `.medcode/` folder beside the queue (shared by everyone who opens it).
    BesideQueue,
    /// The per-user data directory (the queue's folder is not writable).
    DataDir,
    /// A folder chosen by the caller.
    Explicit,
    /// A trainee's practice work, apart from production (`--practice`).
    Practice,
}

// OS and SQLite errors are printed inside the message, not as a `source`, so
// an error chain never prints them twice.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
    #[error("{path}: {err}")]
    Db { path: PathBuf, err: rusqlite::Error },
    #[error(
        "the work store {path} is corrupt ({message}); it was kept as {kept} and nothing was overwritten; `medcode queue recover` rebuilds the work from what can be read of it"
    )]
    Corrupt { path: PathBuf, message: String, kept: PathBuf },
    #[error(
        "the work store {path} has a damaged entry ({message}); `medcode queue recover` rebuilds the work from the audit trail"
    )]
    Damaged { path: PathBuf, message: String },
    #[error(
        "the work store {path} was written by a newer medcode (format {found}); this one does not change it"
    )]
    NewerFormat { path: PathBuf, found: u32 },
    #[error(transparent)]
    Op(#[from] OpError),
    #[error("cannot find a place for the work: {0}")]
    NoPlace(String),
    #[error(
        "{} is {}: nothing was saved (take it over with `medcode queue claim QUEUE {} --force`)",
        crate::queue::sanitize_for_terminal(&.0.record),
        .0.describe(),
        crate::queue::sanitize_for_terminal(&.0.record)
    )]
    Claimed(Box<Claim>),
    #[error("the queue's work in {dir} cannot be written by you ({why}); nothing was saved")]
    ReadOnly { dir: PathBuf, why: String },
    #[error("the work in {from} was moved to {to}; reopen the queue")]
    Moved { from: PathBuf, to: PathBuf },
    #[error("{path}: {why}; refusing to use it")]
    Unsafe { path: PathBuf, why: String },
}

/// One committed change.
#[derive(Debug, Clone)]
pub struct Committed {
    pub work: RecordWork,
    pub entry: AuditEntry,
    pub seq: u64,
}

/// What changed after a point of the trail.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The newest point.
    pub seq: u64,
    /// Records changed since, as they are now.
    pub records: Vec<(String, RecordWork)>,
    /// The audit entries of other sessions since (to tell the coder).
    pub by_others: Vec<AuditEntry>,
}

/// Work brought in from elsewhere (an older work file, the other home).
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// A name for where it came from; an import of the same source is idempotent.
    pub source: String,
    pub records: BTreeMap<String, RecordWork>,
    pub audit: Vec<AuditEntry>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merge {
    pub records: usize,
    pub entries: usize,
    /// Records both places had, differently: kept as the destination has them.
    pub conflicts: Vec<String>,
}

/// What a change does to the record as saved: the new state and its audit entry.
pub type ChangeFn<'a> = dyn FnMut(&RecordWork) -> Result<(RecordWork, AuditEntry), StoreError> + 'a;
/// Rebuilds every record from an audit trail: (records, entries that no longer apply).
pub type ReplayFn = dyn Fn(&[AuditEntry]) -> (BTreeMap<String, RecordWork>, usize);

/// A store of work with transactions. Every method is one transaction.
pub trait WorkDb {
    /// The database, for messages.
    fn path(&self) -> &Path;
    /// Every record's work and the newest point of the trail.
    fn snapshot(&self) -> Result<(BTreeMap<String, RecordWork>, u64), StoreError>;
    /// Whether another session may have committed since the last call (cheap).
    fn changed(&self) -> Result<bool, StoreError>;
    fn changes_since(&self, seq: u64, session: &Session) -> Result<Changes, StoreError>;
    /// Change one record: refused when another live session claims it; `f`
    /// sees the record as saved now and returns the new state and its entry.
    fn change(&self, record: &str, session: &Session, f: &mut ChangeFn<'_>) -> Result<Committed, StoreError>;
    /// Claim a record; a stale claim is taken over, a live one only with
    /// `force`; a takeover is audited in the same transaction.
    fn claim(&self, record: &str, session: &Session, force: bool) -> Result<Outcome, StoreError>;
    /// Refresh our claim's heartbeat; false when it is not ours any more.
    fn heartbeat(&self, record: &str, session: &Session) -> Result<bool, StoreError>;
    /// Release our claim on `record`, or all of ours; the records released.
    fn release(&self, record: Option<&str>, session: &Session) -> Result<Vec<String>, StoreError>;
    fn claims(&self) -> Result<Vec<Claim>, StoreError>;
    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError>;
    /// An audit entry that changes no work (a claim, an export).
    fn log(&self, entry: &AuditEntry, session: &Session) -> Result<(), StoreError>;
    /// Rebuild every record from the trail; (records, entries skipped).
    fn rebuild(&self, replay: &ReplayFn) -> Result<(usize, usize), StoreError>;
    /// Bring in work from elsewhere: its trail, and the records this store lacks.
    fn import(&self, from: &Imported) -> Result<Merge, StoreError>;
    /// Mark this store as moved (every later change is refused, naming `to`).
    fn set_moved(&self, to: &Path) -> Result<(), StoreError>;
    fn moved(&self) -> Result<Option<PathBuf>, StoreError>;
}

/// The open work of one queue: the store, this session, and a copy of every
/// record's work kept in step with the store after each change.
pub struct Store {
    db: Box<dyn WorkDb>,
    dir: PathBuf,
    location: WorkLocation,
    session: Session,
    records: BTreeMap<String, RecordWork>,
    seq: u64,
    /// Why changes are refused (a home that is read-only for this user).
    read_only: Option<String>,
    /// What opening found (a migration, a merge): say it to the coder once.
    notice: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).field("location", &self.location).finish()
    }
}

impl Store {
    /// Open the work of the queue at `queue` (a file or folder) in its one
    /// home: beside the queue when the folder there exists or can be made
    /// and written; read-only there when it exists but this user cannot
    /// write it (the work of the others is shown, changes are refused with
    /// the reason: never a private copy that nobody else sees); else the data
    /// directory. Work saved in the data directory while the queue's folder
    /// was read-only is merged into the queue's home once it can be written.
    pub fn open(queue: &Path) -> Result<Store, StoreError> {
        let canonical =
            std::fs::canonicalize(queue).map_err(|e| StoreError::Io { path: queue.to_path_buf(), err: e })?;
        let name = queue.display().to_string();
        let (beside, private) = homes(&canonical)?;
        let beside_has = has_work(&beside);
        let private_has = has_work(&private);
        if use_beside(&beside) {
            match Store::open_at(&beside, WorkLocation::BesideQueue, &name, true) {
                Ok(mut s) => {
                    if private_has {
                        s.merge_from(&private, &name)?;
                    }
                    return Ok(s);
                }
                // Only "you cannot write there" sends the work elsewhere: any
                // other failure (a busy database, damage) would split one
                // record's work between two stores.
                Err(e) if !cannot_write(&e) => return Err(e),
                Err(e) if beside_has => {
                    let mut s = Store::open_at(&beside, WorkLocation::BesideQueue, &name, false)?;
                    s.read_only = Some(e.to_string());
                    if private_has {
                        s.notice = Some(format!(
                            "your earlier work on this queue is kept in {}; it is merged in when you can write {}",
                            private.display(),
                            beside.display()
                        ));
                    }
                    return Ok(s);
                }
                Err(_) => {}
            }
        }
        Store::open_at(&private, WorkLocation::DataDir, &name, true)
    }

    /// Open the work for the shipped example queue (always in the data directory).
    pub fn open_example() -> Result<Store, StoreError> {
        let data = crate::paths::data_dir().map_err(|e| StoreError::NoPlace(format!("{e:#}")))?;
        Store::open_at(&data.join("work").join("example"), WorkLocation::DataDir, super::EXAMPLE_NAME, true)
    }

    /// The work on a queue (`None`: the example queue): production work, or
    /// the trainee's practice work.
    pub fn open_work(queue: Option<&Path>, practice: bool) -> Result<Store, StoreError> {
        match (queue, practice) {
            (_, true) => Store::open_practice(queue),
            (Some(q), false) => Store::open(q),
            (None, false) => Store::open_example(),
        }
    }

    /// Open a trainee's practice work on the queue (`None`: the example queue),
    /// kept apart from production work with its own audit: see [`practice_dir`].
    pub fn open_practice(queue: Option<&Path>) -> Result<Store, StoreError> {
        let name = queue.map_or_else(|| super::EXAMPLE_NAME.to_string(), |q| q.display().to_string());
        Store::open_at(&practice_dir(queue)?, WorkLocation::Practice, &name, true)
    }

    /// Open the work kept in `dir` (created 0700 if missing).
    pub fn open_in(dir: &Path, queue_name: &str) -> Result<Store, StoreError> {
        Store::open_at(dir, WorkLocation::Explicit, queue_name, true)
    }

    fn open_at(
        dir: &Path,
        location: WorkLocation,
        queue_name: &str,
        write: bool,
    ) -> Result<Store, StoreError> {
        if write {
            create_private_dir(dir)?;
        }
        let db = sqlite::SqliteDb::open(dir, write)?;
        let mut store = Store {
            db: Box::new(db),
            dir: dir.to_path_buf(),
            location,
            session: Session::new(&os_user()),
            records: BTreeMap::new(),
            seq: 0,
            read_only: None,
            notice: None,
        };
        if write {
            store.notice = store.migrate_legacy(queue_name)?;
        }
        store.reload()?;
        Ok(store)
    }

    /// medcode 0.1 kept `work.json` and `audit.jsonl`: bring both in (once;
    /// the files are renamed `*.migrated` and kept).
    fn migrate_legacy(&mut self, queue_name: &str) -> Result<Option<String>, StoreError> {
        let work_path = self.dir.join(LEGACY_WORK_FILE);
        let audit_path = self.dir.join(LEGACY_AUDIT_FILE);
        if !work_path.exists() && !audit_path.exists() {
            return Ok(None);
        }
        for p in [&work_path, &audit_path] {
            safety::check_file(p, &self.dir)?;
        }
        let read = |p: &Path| match std::fs::read(p) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io { path: p.to_path_buf(), err: e }),
        };
        let trail = read(&audit_path)?.map(|d| audit::read_jsonl(&d)).unwrap_or_default();
        #[derive(serde::Deserialize)]
        struct WorkFile {
            records: BTreeMap<String, RecordWork>,
        }
        let mut note = Vec::new();
        let records = match read(&work_path)? {
            Some(d) => match serde_json::from_slice::<WorkFile>(&d) {
                Ok(f) => f.records,
                Err(e) => {
                    note.push(format!(
                        "{} did not parse ({e}): rebuilt from the audit trail",
                        work_path.display()
                    ));
                    audit::replay(&trail.entries).0
                }
            },
            None => audit::replay(&trail.entries).0,
        };
        let merge = self.db.import(&Imported { source: "legacy".into(), records, audit: trail.entries })?;
        for p in [&work_path, &audit_path] {
            if p.exists() {
                let _ = std::fs::rename(p, p.with_extension(format!("{}.migrated", ext(p))));
            }
        }
        // Temporary files a killed 0.1 save left behind.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(".work.json.tmp-") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        note.insert(
            0,
            format!(
                "moved the work of {queue_name} into {} ({} record(s), {} audit entr(y/ies); the old files are kept as *.migrated)",
                self.db.path().display(),
                merge.records,
                merge.entries
            ),
        );
        if trail.unreadable > 0 {
            note.push(format!("{} unreadable line(s) of the old audit trail were skipped", trail.unreadable));
        }
        Ok(Some(note.join("; ")))
    }

    /// Bring in the work saved in `other` (the data directory, while the
    /// queue's folder was read-only), then mark it moved here.
    fn merge_from(&mut self, other: &Path, queue_name: &str) -> Result<(), StoreError> {
        let from = Store::open_at(other, WorkLocation::DataDir, queue_name, true)?;
        if from.db.moved()?.is_some() {
            return Ok(());
        }
        let imported = Imported {
            source: other.display().to_string(),
            records: from.records.clone(),
            audit: from.db.audit()?,
        };
        let merge = self.db.import(&imported)?;
        from.db.set_moved(&self.dir)?;
        let mut note = format!(
            "merged the work saved in {} into {} ({} record(s))",
            other.display(),
            self.dir.display(),
            merge.records
        );
        if !merge.conflicts.is_empty() {
            note.push_str(&format!(
                "; {} record(s) had other work here and were kept as they are here: {} (the other copy stays in {})",
                merge.conflicts.len(),
                merge.conflicts.join(", "),
                from.db.path().display()
            ));
        }
        self.notice = Some(note);
        self.reload()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn location(&self) -> WorkLocation {
        self.location
    }
    /// The database file.
    pub fn work_file(&self) -> PathBuf {
        self.db.path().to_path_buf()
    }
    /// Why changes are refused, when they are.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }
    /// What opening did that the coder should hear about (taken: said once).
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    /// The OS user name recorded as `who`.
    pub fn user(&self) -> &str {
        &self.session.user
    }
    /// Use another name as `who` (tests; a coder id from configuration).
    pub fn set_user(&mut self, user: &str) {
        self.session = Session::new(user);
    }
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The work on one record (a new, empty one if nothing was done yet).
    pub fn get(&self, record_id: &str) -> RecordWork {
        self.records.get(record_id).cloned().unwrap_or_default()
    }

    /// Every record with saved work (as of the last change or refresh).
    pub fn all(&self) -> &BTreeMap<String, RecordWork> {
        &self.records
    }

    /// Read every record again.
    pub fn reload(&mut self) -> Result<(), StoreError> {
        let (records, seq) = self.db.snapshot()?;
        self.records = records;
        self.seq = seq;
        Ok(())
    }

    /// Pick up what other sessions committed: the entries they wrote since
    /// (empty when nothing changed; cheap enough to call on every wake-up).
    pub fn refresh(&mut self) -> Result<Vec<AuditEntry>, StoreError> {
        if !self.db.changed()? {
            return Ok(Vec::new());
        }
        self.sync()
    }

    fn sync(&mut self) -> Result<Vec<AuditEntry>, StoreError> {
        let changes = self.db.changes_since(self.seq, &self.session)?;
        for (id, w) in changes.records {
            self.records.insert(id, w);
        }
        self.seq = changes.seq;
        Ok(changes.by_others)
    }

    fn writable(&self) -> Result<(), StoreError> {
        match &self.read_only {
            Some(why) => Err(StoreError::ReadOnly { dir: self.dir.clone(), why: why.clone() }),
            None => Ok(()),
        }
    }

    /// Apply an operation and save it; `edit_errors` is the number of
    /// error-severity edits of the record now.
    pub fn apply(&mut self, record_id: &str, op: &Op, edit_errors: usize) -> Result<AuditEntry, StoreError> {
        self.apply_with(record_id, op, &|_| edit_errors)
    }

    /// Apply an operation to the record as saved now, in one transaction;
    /// `edit_errors` counts the edit errors of that fresh state (for `done`).
    pub fn apply_with(
        &mut self,
        record_id: &str,
        op: &Op,
        edit_errors: &dyn Fn(&RecordWork) -> usize,
    ) -> Result<AuditEntry, StoreError> {
        self.writable()?;
        let who = self.session.user.clone();
        let result = self.db.change(record_id, &self.session, &mut |current| {
            let cx = work::Context { who: &who, when: Utc::now(), edit_errors: edit_errors(current) };
            work::apply(record_id, current, op, &cx).map_err(StoreError::Op)
        });
        // Whatever happened, show the record as it is saved now.
        let synced = self.sync();
        let committed = result?;
        self.records.insert(record_id.to_string(), committed.work);
        synced?;
        Ok(committed.entry)
    }

    /// Claim a record for this session.
    pub fn claim(&mut self, record_id: &str, force: bool) -> Result<Outcome, StoreError> {
        self.writable()?;
        self.db.claim(record_id, &self.session, force)
    }
    pub fn heartbeat(&mut self, record_id: &str) -> Result<bool, StoreError> {
        self.writable()?;
        self.db.heartbeat(record_id, &self.session)
    }
    pub fn release(&mut self, record_id: &str) -> Result<(), StoreError> {
        if self.read_only.is_some() {
            return Ok(());
        }
        self.db.release(Some(record_id), &self.session).map(drop)
    }
    /// Release every claim of this session; the records released.
    pub fn release_mine(&mut self) -> Result<Vec<String>, StoreError> {
        if self.read_only.is_some() {
            return Ok(Vec::new());
        }
        self.db.release(None, &self.session)
    }
    /// Who holds `record_id` (stale claims included: check `is_stale`).
    pub fn holder(&self, record_id: &str) -> Result<Option<Claim>, StoreError> {
        Ok(self.db.claims()?.into_iter().find(|c| c.record == record_id))
    }
    /// Every claim (stale ones included).
    pub fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        self.db.claims()
    }
    /// What releases this session's claims from another thread (a signal handler).
    pub fn releaser(&self) -> Releaser {
        Releaser { db: self.db.path().to_path_buf(), session: self.session.id.clone() }
    }

    /// The whole audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.db.audit()
    }
    /// Add an entry that changes no work (an export, a note).
    pub fn log(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.writable()?;
        self.db.log(entry, &self.session)
    }

    /// Rebuild every record's work from the audit trail (after a damaged
    /// entry): (records with work, entries that no longer apply).
    pub fn recover_from_audit(&mut self) -> Result<(usize, usize), StoreError> {
        self.writable()?;
        let counts = self.db.rebuild(&audit::replay)?;
        self.reload()?;
        Ok(counts)
    }

    /// Rebuild from what can be read of a database kept aside as corrupt.
    pub fn recover_from(&mut self, kept: &Path) -> Result<Merge, StoreError> {
        self.writable()?;
        let conn = rusqlite::Connection::open_with_flags(
            kept,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(|e| StoreError::Db { path: kept.to_path_buf(), err: e })?;
        let mut entries = Vec::new();
        let read = (|| -> rusqlite::Result<()> {
            let mut stmt = conn.prepare("SELECT entry FROM audit ORDER BY seq")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                if let Ok(e) = serde_json::from_str::<AuditEntry>(&row.get::<_, String>(0)?) {
                    entries.push(e);
                }
            }
            Ok(())
        })();
        if let Err(e) = read
            && entries.is_empty()
        {
            return Err(StoreError::Db { path: kept.to_path_buf(), err: e });
        }
        let (records, _) = audit::replay(&entries);
        let merge =
            self.db.import(&Imported { source: kept.display().to_string(), records, audit: entries })?;
        self.reload()?;
        Ok(merge)
    }
}

/// Releases one session's claims on a connection of its own.
#[derive(Debug, Clone)]
pub struct Releaser {
    db: PathBuf,
    session: String,
}

impl Releaser {
    pub fn release_all(&self) -> Result<usize, StoreError> {
        sqlite::release_session(&self.db, &self.session)
    }
}

fn ext(p: &Path) -> String {
    p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Whether a folder holds work (a database or the files of medcode 0.1).
fn has_work(dir: &Path) -> bool {
    [DB_FILE, LEGACY_WORK_FILE, LEGACY_AUDIT_FILE].iter().any(|f| dir.join(f).exists())
}

/// The two places a queue's work can be: beside it, and in the data directory.
fn homes(canonical: &Path) -> Result<(PathBuf, PathBuf), StoreError> {
    let beside = if canonical.is_dir() {
        canonical.join(".medcode")
    } else {
        let parent = canonical.parent().unwrap_or(Path::new("/"));
        let name = canonical.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        parent.join(".medcode").join(name)
    };
    let data = crate::paths::data_dir().map_err(|e| StoreError::NoPlace(format!("{e:#}")))?;
    let hash = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    Ok((beside, data.join("work").join(&hash[..16])))
}

/// Write `bytes` to `path` atomically, 0600 (see [`crate::files::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    crate::files::write_atomic(path, bytes).map_err(|e| StoreError::Io { path: path.to_path_buf(), err: e })
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    crate::files::create_private_dir(dir).map_err(|e| StoreError::Io { path: dir.to_path_buf(), err: e })
}

/// Where a trainee's practice work on a queue is kept: its own folder in the
/// data directory (`practice/work/example`, or the first 16 hex digits of
/// the SHA-256 of the queue's canonical path), never beside the queue.
pub fn practice_dir(queue: Option<&Path>) -> Result<PathBuf, StoreError> {
    let data = crate::paths::data_dir().map_err(|e| StoreError::NoPlace(format!("{e:#}")))?;
    let base = data.join("practice").join("work");
    let Some(queue) = queue else { return Ok(base.join("example")) };
    let canonical =
        std::fs::canonicalize(queue).map_err(|e| StoreError::Io { path: queue.to_path_buf(), err: e })?;
    let hash = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    Ok(base.join(&hash[..16]))
}

/// Where the queue's work would be kept (see [`Store::open`]), without opening it.
pub fn work_dir_for(queue: &Path) -> Result<(PathBuf, WorkLocation), StoreError> {
    let canonical =
        std::fs::canonicalize(queue).map_err(|e| StoreError::Io { path: queue.to_path_buf(), err: e })?;
    let (beside, private) = homes(&canonical)?;
    if use_beside(&beside) {
        return Ok((beside, WorkLocation::BesideQueue));
    }
    Ok((private, WorkLocation::DataDir))
}

/// The queue's home is beside it when work is already there, or when the
/// folder can be made and written (the one rule [`Store::open`] follows).
fn use_beside(beside: &Path) -> bool {
    has_work(beside) || (create_private_dir(beside).is_ok() && writable(beside))
}

/// Whether opening a store failed because this user cannot write there.
fn cannot_write(e: &StoreError) -> bool {
    match e {
        StoreError::Io { err, .. } => {
            err.kind() == std::io::ErrorKind::PermissionDenied || err.raw_os_error() == Some(libc::EROFS)
        }
        StoreError::Db { err, .. } => matches!(
            err.sqlite_error_code(),
            Some(
                rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::AuthorizationForStatementDenied
            )
        ),
        StoreError::ReadOnly { .. } | StoreError::NoPlace(_) => true,
        _ => false,
    }
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let ok = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&probe)
        .is_ok();
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
mod tests;
