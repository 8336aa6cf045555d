//! The work store on SQLite: one database file per queue (`work.db`) in WAL
//! mode holding the work, the audit trail and the claims. Every change is one
//! `BEGIN IMMEDIATE` transaction: read the record fresh, check its claim,
//! apply, write the state and its audit row, commit. SQLite serialises the
//! writers and makes the commit atomic and durable (`synchronous=FULL`), so
//! the state and the trail can never disagree.

use std::collections::BTreeMap;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{ChangeFn, Changes, Committed, Imported, Merge, ReplayFn, StoreError, WorkDb};
use crate::queue::audit::AuditEntry;
use crate::queue::claim::{Claim, Outcome, Session};
use crate::queue::work::RecordWork;

pub const DB_FILE: &str = "work.db";
/// The schema this medcode writes; a newer one is refused, never rewritten.
const FORMAT: i64 = 2;
/// How long a change waits for other coders' transactions before it fails.
const BUSY: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, work TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_seq ON records(seq);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT,
    record TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (record TEXT PRIMARY KEY, session TEXT NOT NULL, claim TEXT NOT NULL);
";

pub struct SqliteDb {
    conn: Connection,
    path: PathBuf,
    /// `PRAGMA data_version` as last seen: it moves when another connection commits.
    data_version: std::cell::Cell<i64>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb").field("path", &self.path).finish()
    }
}

/// A claim row; an unreadable one counts as stale: a claim from the distant past on no host.
fn read_claim(id: &str, json: &str) -> Claim {
    serde_json::from_str(json).unwrap_or_else(|_| Claim {
        record: id.to_string(),
        user: "?".into(),
        pid: 0,
        host: "?".into(),
        session: String::new(),
        since: chrono::DateTime::UNIX_EPOCH,
        heartbeat: chrono::DateTime::UNIX_EPOCH,
    })
}

/// How often opening retries a database that is busy being set up by another process.
const SETUP_RETRIES: u64 = 40;

fn is_busy(e: &StoreError) -> bool {
    matches!(e, StoreError::Db { err, .. } if matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    ))
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Db { path: path.to_path_buf(), err: e }
}

fn json_err(path: &Path, what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Damaged { path: path.to_path_buf(), message: format!("{what}: {e}") }
}

impl SqliteDb {
    /// Open (creating if `write`) the store in `dir`. The folder and every file
    /// of the database are checked first: no symbolic links, regular files,
    /// owned by this user (or by the folder's group when the folder is
    /// group-shared).
    pub fn open(dir: &Path, write: bool) -> Result<SqliteDb, StoreError> {
        let path = dir.join(DB_FILE);
        let shared = super::safety::check_dir(dir)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            super::safety::check_file(&PathBuf::from(format!("{}{suffix}", path.display())), dir)?;
        }
        if write {
            // Created by us with the mode we choose: SQLite gives the -wal and
            // -shm files the mode of the database file.
            let mode = if shared { 0o660 } else { 0o600 };
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
            {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(StoreError::Io { path, err: e }),
            }
        }
        let flags = if write { OpenFlags::SQLITE_OPEN_READ_WRITE } else { OpenFlags::SQLITE_OPEN_READ_ONLY }
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(db_err(&path))?;
        conn.busy_timeout(BUSY).map_err(db_err(&path))?;
        let db = SqliteDb { conn, path, data_version: std::cell::Cell::new(0) };
        // A database another process is creating or switching to WAL can
        // answer SQLITE_BUSY at once, without waiting on the busy handler.
        let mut attempt = 0;
        loop {
            match db.setup(write) {
                Ok(()) => return Ok(db),
                Err(e) if attempt < SETUP_RETRIES && is_busy(&e) => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 * attempt));
                }
                Err(e) => return Err(db.corrupt_or(e)),
            }
        }
    }

    /// A database SQLite cannot read is moved aside (never overwritten) and named.
    fn corrupt_or(&self, e: StoreError) -> StoreError {
        let StoreError::Db { err, .. } = &e else { return e };
        let code = err.sqlite_error_code();
        if !matches!(code, Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)) {
            return e;
        }
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        let kept = PathBuf::from(format!("{}.corrupt-{stamp}", self.path.display()));
        if std::fs::rename(&self.path, &kept).is_err() {
            return e;
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::rename(
                format!("{}{suffix}", self.path.display()),
                format!("{}{suffix}", kept.display()),
            );
        }
        StoreError::Corrupt { path: self.path.clone(), message: err.to_string(), kept }
    }

    fn setup(&self, write: bool) -> Result<(), StoreError> {
        let p = &self.path;
        if write {
            // WAL: readers never block the writer; FULL: a commit survives power loss.
            let mode: String =
                self.conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(db_err(p))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::NoPlace(format!(
                    "{}: SQLite could not use WAL ({mode})",
                    p.display()
                )));
            }
            self.conn.execute_batch("PRAGMA synchronous=FULL;").map_err(db_err(p))?;
            let tx = self.immediate()?;
            tx.execute_batch(SCHEMA).map_err(db_err(p))?;
            let format: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE key='format'", [], |r| r.get(0))
                .optional()
                .map_err(db_err(p))?;
            if format.is_none() {
                tx.execute("INSERT INTO meta(key, value) VALUES ('format', ?1)", [FORMAT.to_string()])
                    .map_err(db_err(p))?;
            }
            tx.commit().map_err(db_err(p))?;
        }
        let format: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='format'", [], |r| r.get(0))
            .optional()
            .map_err(db_err(p))?;
        let found = format.as_deref().and_then(|f| f.parse::<i64>().ok()).unwrap_or(0);
        if found > FORMAT {
            return Err(StoreError::NewerFormat { path: p.clone(), found: found as u32 });
        }
        self.data_version.set(self.read_data_version()?);
        Ok(())
    }

    fn read_data_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(db_err(&self.path))
    }

    fn moved_to(tx: &Connection, path: &Path) -> Result<Option<PathBuf>, StoreError> {
        tx.query_row("SELECT value FROM meta WHERE key='moved_to'", [], |r| r.get::<_, String>(0))
            .optional()
            .map(|v| v.map(PathBuf::from))
            .map_err(db_err(path))
    }

    fn record_in(tx: &Connection, path: &Path, id: &str) -> Result<RecordWork, StoreError> {
        let work: Option<String> = tx
            .query_row("SELECT work FROM records WHERE id=?1", [id], |r| r.get(0))
            .optional()
            .map_err(db_err(path))?;
        match work {
            Some(w) => serde_json::from_str(&w).map_err(|e| json_err(path, &format!("record {id}"), e)),
            None => Ok(RecordWork::default()),
        }
    }

    fn claim_in(tx: &Connection, path: &Path, id: &str) -> Result<Option<Claim>, StoreError> {
        let claim: Option<String> = tx
            .query_row("SELECT claim FROM claims WHERE record=?1", [id], |r| r.get(0))
            .optional()
            .map_err(db_err(path))?;
        Ok(claim.map(|c| read_claim(id, &c)))
    }

    fn put_claim(tx: &Connection, path: &Path, c: &Claim) -> Result<(), StoreError> {
        let json = serde_json::to_string(c).map_err(|e| json_err(path, "claim", e))?;
        tx.execute(
            "INSERT INTO claims(record, session, claim) VALUES (?1, ?2, ?3)
             ON CONFLICT(record) DO UPDATE SET session=excluded.session, claim=excluded.claim",
            params![c.record, c.session, json],
        )
        .map_err(db_err(path))?;
        Ok(())
    }

    fn add_audit(
        tx: &Connection,
        path: &Path,
        session: Option<&str>,
        e: &AuditEntry,
    ) -> Result<u64, StoreError> {
        let json = serde_json::to_string(e).map_err(|err| json_err(path, "audit entry", err))?;
        tx.execute(
            "INSERT INTO audit(session, record, entry) VALUES (?1, ?2, ?3)",
            params![session, e.record, json],
        )
        .map_err(db_err(path))?;
        Ok(tx.last_insert_rowid() as u64)
    }

    fn put_record(
        tx: &Connection,
        path: &Path,
        id: &str,
        w: &RecordWork,
        seq: u64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(w).map_err(|e| json_err(path, "record", e))?;
        tx.execute(
            "INSERT INTO records(id, work, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET work=excluded.work, seq=excluded.seq",
            params![id, json, seq as i64],
        )
        .map_err(db_err(path))?;
        Ok(())
    }

    fn max_seq(tx: &Connection, path: &Path) -> Result<u64, StoreError> {
        tx.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get::<_, i64>(0))
            .map(|s| s as u64)
            .map_err(db_err(path))
    }

    fn audit_rows(
        tx: &Connection,
        path: &Path,
        after: u64,
    ) -> Result<Vec<(u64, Option<String>, AuditEntry)>, StoreError> {
        let mut stmt = tx
            .prepare("SELECT seq, session, entry FROM audit WHERE seq > ?1 ORDER BY seq")
            .map_err(db_err(path))?;
        let rows = stmt
            .query_map([after as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(db_err(path))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, session, entry) = row.map_err(db_err(path))?;
            let entry =
                serde_json::from_str(&entry).map_err(|e| json_err(path, &format!("audit entry {seq}"), e))?;
            out.push((seq as u64, session, entry));
        }
        Ok(out)
    }

    fn immediate(&self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(db_err(&self.path))
    }
}

impl WorkDb for SqliteDb {
    fn path(&self) -> &Path {
        &self.path
    }

    fn snapshot(&self) -> Result<(BTreeMap<String, RecordWork>, u64), StoreError> {
        let p = &self.path;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(db_err(p))?;
        let mut records = BTreeMap::new();
        {
            let mut stmt = tx.prepare("SELECT id, work FROM records").map_err(db_err(p))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(db_err(p))?;
            for row in rows {
                let (id, work) = row.map_err(db_err(p))?;
                let w = serde_json::from_str(&work).map_err(|e| json_err(p, &format!("record {id}"), e))?;
                records.insert(id, w);
            }
        }
        let seq = Self::max_seq(&tx, p)?;
        tx.commit().map_err(db_err(p))?;
        self.data_version.set(self.read_data_version()?);
        Ok((records, seq))
    }

    fn changed(&self) -> Result<bool, StoreError> {
        let now = self.read_data_version()?;
        Ok(now != self.data_version.replace(now))
    }

    fn changes_since(&self, seq: u64, session: &Session) -> Result<Changes, StoreError> {
        let p = &self.path;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(db_err(p))?;
        let mut records = Vec::new();
        {
            let mut stmt = tx.prepare("SELECT id, work FROM records WHERE seq > ?1").map_err(db_err(p))?;
            let rows = stmt
                .query_map([seq as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(db_err(p))?;
            for row in rows {
                let (id, work) = row.map_err(db_err(p))?;
                let w = serde_json::from_str(&work).map_err(|e| json_err(p, &format!("record {id}"), e))?;
                records.push((id, w));
            }
        }
        let by_others = Self::audit_rows(&tx, p, seq)?
            .into_iter()
            .filter(|(_, s, _)| s.as_deref() != Some(session.id.as_str()))
            .map(|(_, _, e)| e)
            .collect();
        let seq = Self::max_seq(&tx, p)?.max(seq);
        tx.commit().map_err(db_err(p))?;
        Ok(Changes { seq, records, by_others })
    }

    fn change(&self, record: &str, session: &Session, f: &mut ChangeFn<'_>) -> Result<Committed, StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        if let Some(to) = Self::moved_to(&tx, p)? {
            return Err(StoreError::Moved { from: p.clone(), to });
        }
        if let Some(c) = Self::claim_in(&tx, p, record)?
            && !c.is_mine(session)
            && !c.is_stale(Utc::now())
        {
            return Err(StoreError::Claimed(Box::new(c)));
        }
        let current = Self::record_in(&tx, p, record)?;
        let (work, entry) = f(&current)?;
        let seq = Self::add_audit(&tx, p, Some(&session.id), &entry)?;
        Self::put_record(&tx, p, record, &work, seq)?;
        tx.commit().map_err(db_err(p))?;
        Ok(Committed { work, entry, seq })
    }

    fn claim(&self, record: &str, session: &Session, force: bool) -> Result<Outcome, StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        if let Some(to) = Self::moved_to(&tx, p)? {
            return Err(StoreError::Moved { from: p.clone(), to });
        }
        let now = Utc::now();
        let outcome = match Self::claim_in(&tx, p, record)? {
            None => {
                Self::put_claim(&tx, p, &Claim::new(record, session, now))?;
                Outcome::Claimed
            }
            Some(mut c) if c.is_mine(session) => {
                c.heartbeat = now;
                Self::put_claim(&tx, p, &c)?;
                Outcome::Claimed
            }
            Some(c) if force || c.is_stale(now) => {
                Self::put_claim(&tx, p, &Claim::new(record, session, now))?;
                let how = if c.is_stale(now) { "stale claim" } else { "claim" };
                let what = format!("{how} taken over from {}", c.holder());
                Self::add_audit(&tx, p, Some(&session.id), &AuditEntry::event(&session.user, record, what))?;
                Outcome::TookOver(c)
            }
            Some(c) => Outcome::Taken(c),
        };
        tx.commit().map_err(db_err(p))?;
        Ok(outcome)
    }

    fn heartbeat(&self, record: &str, session: &Session) -> Result<bool, StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        let mine = match Self::claim_in(&tx, p, record)? {
            Some(mut c) if c.is_mine(session) => {
                c.heartbeat = Utc::now();
                Self::put_claim(&tx, p, &c)?;
                true
            }
            _ => false,
        };
        tx.commit().map_err(db_err(p))?;
        Ok(mine)
    }

    fn release(&self, record: Option<&str>, session: &Session) -> Result<Vec<String>, StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        let mut released = Vec::new();
        {
            let mut stmt = tx
                .prepare("SELECT record FROM claims WHERE session=?1 AND (?2 IS NULL OR record=?2) ORDER BY record")
                .map_err(db_err(p))?;
            let rows =
                stmt.query_map(params![session.id, record], |r| r.get::<_, String>(0)).map_err(db_err(p))?;
            for r in rows {
                released.push(r.map_err(db_err(p))?);
            }
        }
        tx.execute(
            "DELETE FROM claims WHERE session=?1 AND (?2 IS NULL OR record=?2)",
            params![session.id, record],
        )
        .map_err(db_err(p))?;
        tx.commit().map_err(db_err(p))?;
        Ok(released)
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        // One query: the open workbench reads every claim at each look.
        let p = &self.path;
        let mut stmt =
            self.conn.prepare("SELECT record, claim FROM claims ORDER BY record").map_err(db_err(p))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db_err(p))?;
        rows.map(|r| r.map(|(id, c)| read_claim(&id, &c)).map_err(db_err(p))).collect()
    }

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(Self::audit_rows(&self.conn, &self.path, 0)?.into_iter().map(|(_, _, e)| e).collect())
    }

    fn log(&self, entry: &AuditEntry, session: &Session) -> Result<(), StoreError> {
        let tx = self.immediate()?;
        Self::add_audit(&tx, &self.path, Some(&session.id), entry)?;
        tx.commit().map_err(db_err(&self.path))
    }

    fn rebuild(&self, replay: &ReplayFn) -> Result<(usize, usize), StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        let entries: Vec<AuditEntry> = Self::audit_rows(&tx, p, 0)?.into_iter().map(|(_, _, e)| e).collect();
        let (records, skipped) = replay(&entries);
        let seq = Self::max_seq(&tx, p)?;
        tx.execute("DELETE FROM records", []).map_err(db_err(p))?;
        for (id, w) in &records {
            Self::put_record(&tx, p, id, w, seq)?;
        }
        tx.commit().map_err(db_err(p))?;
        Ok((records.len(), skipped))
    }

    fn import(&self, from: &Imported) -> Result<Merge, StoreError> {
        let p = &self.path;
        let tx = self.immediate()?;
        let key = format!("imported:{}", from.source);
        let done: u64 = tx
            .query_row("SELECT value FROM meta WHERE key=?1", [&key], |r| r.get::<_, String>(0))
            .optional()
            .map_err(db_err(p))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut merge = Merge::default();
        for (i, e) in from.audit.iter().enumerate() {
            if (i as u64) < done {
                continue;
            }
            Self::add_audit(&tx, p, None, e)?;
            merge.entries += 1;
        }
        let seq = Self::max_seq(&tx, p)?;
        for (id, w) in &from.records {
            let current: Option<String> = tx
                .query_row("SELECT work FROM records WHERE id=?1", [id], |r| r.get(0))
                .optional()
                .map_err(db_err(p))?;
            match current {
                None => {
                    Self::put_record(&tx, p, id, w, seq)?;
                    merge.records += 1;
                }
                Some(c) if serde_json::from_str::<RecordWork>(&c).ok().as_ref() == Some(w) => {}
                Some(_) => merge.conflicts.push(id.clone()),
            }
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            params![key, from.audit.len().to_string()],
        )
        .map_err(db_err(p))?;
        tx.commit().map_err(db_err(p))?;
        Ok(merge)
    }

    fn set_moved(&self, to: &Path) -> Result<(), StoreError> {
        let tx = self.immediate()?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('moved_to', ?1) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            [to.display().to_string()],
        )
        .map_err(db_err(&self.path))?;
        tx.commit().map_err(db_err(&self.path))
    }

    fn moved(&self) -> Result<Option<PathBuf>, StoreError> {
        Self::moved_to(&self.conn, &self.path)
    }
}

/// Release every claim of one session from another thread (the signal
/// handler), on a connection of its own.
pub fn release_session(db: &Path, session_id: &str) -> Result<usize, StoreError> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_err(db))?;
    conn.busy_timeout(Duration::from_secs(2)).map_err(db_err(db))?;
    conn.execute("DELETE FROM claims WHERE session=?1", [session_id]).map_err(db_err(db))
}
