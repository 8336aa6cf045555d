use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::codeset::CodeSet;
use crate::queue::work::{CodeKind, Poa, Status};

fn attach(code: &str) -> Op {
    Op::Attach {
        code: code.into(),
        set: CodeSet::Icd10cm,
        kind: CodeKind::Diagnosis,
        poa: Some(Poa::Y),
        at: None,
        found: None,
        line: Default::default(),
    }
}

fn comment(text: &str) -> Op {
    Op::Comment { text: text.into(), on_key: None }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
}

fn whats(s: &Store) -> Vec<String> {
    s.audit().expect("audit").into_iter().map(|e| e.what).collect()
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
    for f in [DB_FILE, "work.db-wal", "work.db-shm"] {
        assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
    }
    assert_eq!(whats(&again), ["attach E11.22 POA Y", "attach N18.31 POA Y", "hold"]);
    assert_eq!(again.audit().expect("audit")[0].who, "coder1");
}

#[test]
fn a_failed_op_changes_nothing_and_is_not_audited() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open_in(tmp.path(), "q").expect("open");
    s.apply("R1", &attach("E11.2"), 0).expect("attach");
    let err = s.apply("R1", &Op::Done { override_reason: None }, 1).unwrap_err();
    assert!(matches!(err, StoreError::Op(OpError::NeedsOverride(1))), "{err}");
    assert_eq!(Store::open_in(tmp.path(), "q").expect("reopen").get("R1").status, Status::InProgress);
    assert_eq!(s.audit().expect("audit").len(), 1);
}

#[test]
fn a_stale_copy_never_undoes_another_sessions_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut a = Store::open_in(tmp.path(), "q").expect("a");
    let mut b = Store::open_in(tmp.path(), "q").expect("b");
    a.apply("R1", &attach("I10"), 0).expect("a");
    // b has not seen a's code; its change is applied to the record as saved.
    b.apply("R1", &comment("from b"), 0).expect("b");
    assert_eq!(b.get("R1").codes.len(), 1, "b now shows a's code");
    a.apply("R1", &attach("E78.5"), 0).expect("a again");
    let s = Store::open_in(tmp.path(), "q").expect("reopen");
    assert_eq!(s.get("R1").codes.len(), 2);
    assert_eq!(s.get("R1").comments.len(), 1);
    // a hears about b's change.
    let mut a2 = Store::open_in(tmp.path(), "q").expect("a2");
    b.apply("R2", &comment("later"), 0).expect("b");
    let heard = a2.refresh().expect("refresh");
    assert_eq!(heard.iter().map(|e| e.record.as_str()).collect::<Vec<_>>(), ["R2"]);
    assert_eq!(a2.get("R2").comments.len(), 1);
    assert!(a2.refresh().expect("again").is_empty(), "nothing new, nothing heard");
}

#[test]
fn many_threads_writing_one_record_keep_every_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    Store::open_in(tmp.path(), "q").expect("create");
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let dir = tmp.path().to_path_buf();
            std::thread::spawn(move || {
                let mut s = Store::open_in(&dir, "q").expect("open");
                for i in 0..25 {
                    s.apply("R1", &comment(&format!("t{t} c{i}")), 0).expect("saved");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let s = Store::open_in(tmp.path(), "q").expect("reopen");
    assert_eq!(s.get("R1").comments.len(), 200);
    assert_eq!(s.audit().expect("audit").len(), 200);
}

#[test]
fn a_claimed_record_refuses_other_sessions_until_taken_over() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut ana = Store::open_in(tmp.path(), "q").expect("ana");
    ana.set_user("ana");
    let mut ben = Store::open_in(tmp.path(), "q").expect("ben");
    ben.set_user("ben");
    assert_eq!(ana.claim("IP-1", false).expect("claim"), Outcome::Claimed);
    ana.apply("IP-1", &attach("I10"), 0).expect("the holder saves");
    let err = ben.apply("IP-1", &comment("mine"), 0).unwrap_err();
    assert!(matches!(&err, StoreError::Claimed(c) if c.user == "ana"), "{err}");
    assert!(err.to_string().contains("IP-1 is taken by ana (pid"), "{err}");
    assert!(matches!(ben.claim("IP-1", false).expect("claim"), Outcome::Taken(c) if c.user == "ana"));
    assert!(!ben.heartbeat("IP-1").expect("hb"), "not ben's claim");
    // An explicit takeover, audited; then ana is the one refused.
    assert!(matches!(ben.claim("IP-1", true).expect("force"), Outcome::TookOver(c) if c.user == "ana"));
    ben.apply("IP-1", &comment("taken over"), 0).expect("ben saves");
    assert!(matches!(ana.apply("IP-1", &attach("E78.5"), 0), Err(StoreError::Claimed(c)) if c.user == "ben"));
    assert_eq!(ana.get("IP-1").comments.len(), 1, "ana's view shows ben's comment after the refusal");
    assert!(!ana.heartbeat("IP-1").expect("hb"));
    let trail = whats(&ben);
    assert!(trail.iter().any(|w| w.starts_with("claim taken over from ana (pid")), "{trail:?}");
    assert_eq!(ben.release_mine().expect("release"), ["IP-1"]);
    assert!(ben.holder("IP-1").expect("holder").is_none());
}

#[test]
fn a_claim_of_a_dead_process_is_stale_and_stops_nobody() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dead = Store::open_in(tmp.path(), "q").expect("dead");
    dead.session.pid = u32::MAX / 2;
    dead.claim("R1", false).expect("claim");
    let mut live = Store::open_in(tmp.path(), "q").expect("live");
    live.apply("R1", &comment("fine"), 0).expect("a stale claim does not block");
    assert!(matches!(live.claim("R1", false).expect("claim"), Outcome::TookOver(_)));
    assert!(whats(&live).iter().any(|w| w.starts_with("stale claim taken over from")));
}

#[test]
fn a_releaser_on_another_thread_gives_the_claims_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open_in(tmp.path(), "q").expect("open");
    s.claim("A", false).expect("a");
    s.claim("B", false).expect("b");
    let r = s.releaser();
    assert_eq!(std::thread::spawn(move || r.release_all().expect("release")).join().expect("thread"), 2);
    assert!(s.claims().expect("claims").is_empty());
}

#[test]
fn the_old_work_files_are_migrated_once_with_a_torn_audit_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("w");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    // As medcode 0.1 left them after a crash: a torn audit line glued to the next one.
    let e = |who: &str, what: &str| {
        serde_json::to_string(&AuditEntry {
            op: Some(comment(what)),
            ..AuditEntry::event(who, "R1", "comment".into())
        })
        .expect("json")
    };
    let trail = format!("{}\n{{\"who\":\"x\",\"wh{}\n", e("ana", "one"), e("ben", "two"));
    std::fs::write(dir.join("audit.jsonl"), trail).expect("audit");
    let mut old = Store::open_in(&tmp.path().join("scratch"), "q").expect("scratch");
    old.apply("R1", &comment("one"), 0).expect("c");
    old.apply("R1", &comment("two"), 0).expect("c");
    let records = serde_json::json!({"format": 1, "queue": "q", "records": {"R1": old.get("R1")}});
    std::fs::write(dir.join("work.json"), records.to_string()).expect("work");
    std::fs::write(dir.join(".work.json.tmp-123-0"), b"{\"half").expect("tmp");

    let mut s = Store::open_in(&dir, "q").expect("migrated");
    let notice = s.take_notice().expect("says so");
    assert!(notice.contains("1 record(s), 2 audit entr(y/ies)"), "{notice}");
    assert!(notice.contains("1 unreadable line(s)"), "{notice}");
    assert_eq!(s.get("R1").comments.len(), 2);
    assert_eq!(s.audit().expect("audit").len(), 2);
    assert!(dir.join("work.json.migrated").exists() && dir.join("audit.jsonl.migrated").exists());
    assert!(!dir.join(".work.json.tmp-123-0").exists(), "a killed save's temporary file is cleaned");
    drop(s);
    let mut again = Store::open_in(&dir, "q").expect("again");
    assert!(again.take_notice().is_none(), "migrated once");
    assert_eq!(again.audit().expect("audit").len(), 2);
}

#[test]
fn a_corrupt_old_work_file_is_rebuilt_from_its_audit_trail() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut old = Store::open_in(&tmp.path().join("scratch"), "q").expect("scratch");
    old.apply("R1", &attach("E11.2"), 0).expect("a");
    old.apply("R1", &Op::Done { override_reason: Some("payer allows".into()) }, 1).expect("done");
    let lines: String =
        old.audit().expect("audit").iter().map(|e| serde_json::to_string(e).expect("json") + "\n").collect();
    let dir = tmp.path().join("w");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::write(dir.join("audit.jsonl"), lines).expect("audit");
    std::fs::write(dir.join("work.json"), b"{\"format\":1,\"records\":").expect("torn");
    let mut s = Store::open_in(&dir, "q").expect("open");
    assert!(s.take_notice().expect("notice").contains("rebuilt from the audit trail"));
    assert_eq!(s.get("R1").status, Status::Done);
    assert_eq!(s.get("R1").override_reason.as_deref(), Some("payer allows"));
}

#[test]
fn a_damaged_row_is_named_and_recover_rebuilds_it_from_the_trail() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open_in(tmp.path(), "q").expect("open");
    s.apply("R1", &attach("E11.22"), 0).expect("a");
    s.apply("R1", &attach("N18.31"), 0).expect("a");
    let before = s.get("R1");
    drop(s);
    let conn = rusqlite::Connection::open(tmp.path().join(DB_FILE)).expect("sqlite");
    conn.execute("UPDATE records SET work='garbage'", []).expect("damage");
    drop(conn);
    let err = Store::open_in(tmp.path(), "q").unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("record R1"), "{err}");
    // The recovery path opens without reading the records, then rebuilds them.
    let db = sqlite::SqliteDb::open(tmp.path(), true).expect("db");
    assert_eq!(db.rebuild(&audit::replay).expect("rebuild"), (1, 0));
    assert_eq!(Store::open_in(tmp.path(), "q").expect("reopen").get("R1"), before);
}

#[test]
fn a_database_sqlite_cannot_read_is_kept_aside_and_recovered_from() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open_in(tmp.path(), "q").expect("open");
    s.apply("R1", &comment("kept"), 0).expect("c");
    drop(s);
    let db = tmp.path().join(DB_FILE);
    let mut bytes = std::fs::read(&db).expect("read");
    bytes[..16].copy_from_slice(b"not a database!!");
    std::fs::write(&db, &bytes).expect("damage");
    let _ = std::fs::remove_file(tmp.path().join("work.db-wal"));
    let err = Store::open_in(tmp.path(), "q").unwrap_err();
    let StoreError::Corrupt { kept, .. } = &err else { panic!("expected corrupt, got {err}") };
    assert!(kept.exists() && err.to_string().contains("nothing was overwritten"), "{err}");
    let mut fresh = Store::open_in(tmp.path(), "q").expect("fresh");
    assert!(fresh.all().is_empty());
    // The header is gone, so nothing can be read: said, not guessed.
    assert!(fresh.recover_from(kept).is_err());
}

#[test]
fn a_symlinked_store_file_is_refused_and_nothing_is_written_through_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("w");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"precious").expect("write");
    std::os::unix::fs::symlink(&victim, dir.join(DB_FILE)).expect("symlink");
    let err = Store::open_in(&dir, "q").unwrap_err();
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err}");
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    std::fs::remove_file(dir.join(DB_FILE)).expect("rm");
    std::os::unix::fs::symlink(&victim, dir.join("audit.jsonl")).expect("symlink");
    assert!(matches!(Store::open_in(&dir, "q"), Err(StoreError::Unsafe { .. })));
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
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

#[test]
fn only_a_store_you_cannot_write_sends_the_work_to_the_data_dir() {
    let p = PathBuf::from("/q/.medcode/work.db");
    let sqlite = |code| StoreError::Db {
        path: p.clone(),
        err: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None),
    };
    let io = |kind| StoreError::Io { path: p.clone(), err: std::io::Error::from(kind) };
    // A busy or locked database is another coder at work: failing is right,
    // writing the change into a second store would split the record's work.
    assert!(!cannot_write(&sqlite(rusqlite::ffi::SQLITE_BUSY)));
    assert!(!cannot_write(&sqlite(rusqlite::ffi::SQLITE_LOCKED)));
    assert!(!cannot_write(&sqlite(rusqlite::ffi::SQLITE_CORRUPT)));
    assert!(!cannot_write(&io(std::io::ErrorKind::NotFound)));
    assert!(cannot_write(&sqlite(rusqlite::ffi::SQLITE_READONLY)));
    assert!(cannot_write(&sqlite(rusqlite::ffi::SQLITE_CANTOPEN)));
    assert!(cannot_write(&io(std::io::ErrorKind::PermissionDenied)));
    assert!(cannot_write(&StoreError::Io {
        path: p.clone(),
        err: std::io::Error::from_raw_os_error(libc::EROFS)
    }));
}
