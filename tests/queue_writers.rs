//! Integration tests: several coders (processes) on one queue through the
//! real binary: no lost updates, claims that hold, a full disk, a folder whose
//! permissions change.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};

use crate::support::{medcode, queue_copy, spawn_claim, text};
use medcode::queue::Store;

fn comment(i: usize) -> String {
    format!(r#"{{"op":"comment","text":"c{i}"}}"#)
}

#[test]
fn sixty_writers_on_one_record_keep_every_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    // 60 processes, 20 at a time, each adding one comment to the same record.
    for wave in 0..3 {
        let children: Vec<Child> = (0..20)
            .map(|k| {
                medcode(tmp.path())
                    .args(["queue", "apply", q_arg, "OP-3002", &comment(wave * 20 + k)])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().expect("wait");
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }
    let store = Store::open(&q).expect("store");
    let mut texts: Vec<String> = store.get("OP-3002").comments.into_iter().map(|c| c.text).collect();
    texts.sort();
    let mut want: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
    want.sort();
    assert_eq!(texts, want, "every change kept");
    assert_eq!(store.audit().expect("audit").len(), 60, "one audit entry per change");
}

#[test]
fn a_claim_refuses_other_writers_until_an_audited_takeover() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let (mut ana, line) = spawn_claim(tmp.path(), &q, "IP-1001", false);
    assert!(line.starts_with("claimed IP-1001"), "{line}");
    let out =
        medcode(tmp.path()).args(["queue", "apply", q_arg, "IP-1001", &comment(1)]).output().expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("IP-1001 is taken by") && err.contains("nothing was saved"), "{err}");
    assert!(Store::open(&q).expect("store").get("IP-1001").comments.is_empty());
    // Another record is free.
    let out =
        medcode(tmp.path()).args(["queue", "apply", q_arg, "IP-1002", &comment(2)]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The explicit takeover is audited, and the first holder no longer holds it.
    let (mut ben, line) = spawn_claim(tmp.path(), &q, "IP-1001", true);
    assert!(line.starts_with("took over IP-1001 (was taken by"), "{line}");
    let trail = text(&medcode(tmp.path()).args(["queue", "audit", q_arg]).output().expect("audit").stdout);
    assert!(trail.contains("claim taken over from"), "{trail}");
    drop(ben.stdin.take());
    assert!(text(&ben.wait_with_output().expect("wait").stdout).contains("released IP-1001"));
    drop(ana.stdin.take());
    let _ = ana.wait();
}

#[test]
fn sigterm_gives_the_claim_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let (child, line) = spawn_claim(tmp.path(), &q, "ED-2002", false);
    assert!(line.starts_with("claimed"), "{line}");
    // SAFETY: kill on a child we spawned.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().expect("wait");
    assert!(text(&out.stdout).contains("released ED-2002"), "{}", text(&out.stdout));
    assert!(Store::open(&q).expect("store").holder("ED-2002").expect("holder").is_none());
}

#[test]
fn claims_and_codes_that_do_not_exist_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let out = medcode(tmp.path())
        .args(["queue", "claim", q_arg, "NOPE-1"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no valid record `NOPE-1`"), "{}", text(&out.stderr));
    let bad = r#"{"op":"attach","code":"=1+1","set":"icd10cm","kind":"diagnosis"}"#;
    let out = medcode(tmp.path())
        .args(["queue", "apply", q_arg, "OP-3001", &comment(1), bad])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("operation 2: =1+1 is not a icd10cm code") && err.contains("nothing was saved"),
        "{err}"
    );
    let store = Store::open(&q).expect("store");
    assert!(store.get("OP-3001").comments.is_empty(), "checked before anything was saved");
}

/// Run with a file-size limit: every write past it fails as on a full disk.
fn with_fsize_limit(cmd: &mut Command, bytes: u64) -> &mut Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

#[test]
fn a_full_disk_fails_the_change_and_the_audit_agrees() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let out =
        medcode(tmp.path()).args(["queue", "apply", q_arg, "OP-3002", &comment(0)]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Long comments fill the write-ahead log quickly.
    let big: Vec<String> =
        (1..200).map(|i| format!(r#"{{"op":"comment","text":"{i} {}"}}"#, "x".repeat(3000))).collect();
    let mut cmd = medcode(tmp.path());
    cmd.args(["queue", "apply", q_arg, "OP-3002"]).args(&big);
    let out = with_fsize_limit(&mut cmd, 96 * 1024).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let saved_lines = text(&out.stdout).lines().count();
    assert!(saved_lines < big.len(), "the limit stopped it");
    let store = Store::open(&q).expect("the store opens after a full disk");
    let comments = store.get("OP-3002").comments.len();
    let trail = store.audit().expect("audit").len();
    assert_eq!(comments, 1 + saved_lines, "every change reported saved is there");
    assert_eq!(trail, comments, "no audit entry for the change that failed");
    drop(store);
    let out = medcode(tmp.path()).args(["queue", "recover", q_arg]).output().expect("recover");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        Store::open(&q).expect("store").get("OP-3002").comments.len(),
        comments,
        "recover keeps them all"
    );
}

fn output_as(cmd: &mut Command, uid: Option<u32>) -> Output {
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    cmd.output().expect("run")
}

#[test]
fn work_saved_while_the_folder_was_read_only_is_kept_when_it_becomes_writable() {
    // Root writes anywhere: run the coder as `nobody` to make permissions real.
    // SAFETY: getuid cannot fail.
    let uid = (unsafe { libc::getuid() } == 0).then_some(65534);
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("data");
    let queue_dir = tmp.path().join("queues");
    std::fs::create_dir(&queue_dir).expect("queues");
    let q = queue_copy(&queue_dir);
    if let Some(uid) = uid {
        std::os::unix::fs::chown(&data, Some(uid), Some(uid)).expect("chown");
    }
    std::fs::set_permissions(&queue_dir, std::fs::Permissions::from_mode(0o555)).expect("read-only");
    let q_arg = q.to_str().expect("utf8");
    let out = output_as(
        medcode(&data).args(["queue", "apply", q_arg, "OP-3001", r#"{"op":"start"}"#, &comment(7)]),
        uid,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = output_as(medcode(&data).args(["queue", "stats", q_arg]), uid);
    assert!(text(&out.stdout).contains(data.join("work").to_str().expect("utf8")), "{}", text(&out.stdout));

    // The folder becomes writable: the work moves beside the queue, and says so.
    std::fs::set_permissions(&queue_dir, std::fs::Permissions::from_mode(0o777)).expect("writable");
    let out = output_as(medcode(&data).args(["queue", "export", q_arg, "--format", "jsonl"]), uid);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("merged the work saved in"), "{}", text(&out.stderr));
    let first: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let op = first.iter().find(|r| r["id"] == "OP-3001").expect("OP-3001");
    assert_eq!(op["status"], "in_progress", "{op}");
    let out = output_as(medcode(&data).args(["queue", "stats", q_arg]), uid);
    let s = text(&out.stdout);
    assert!(s.contains(".medcode"), "the work is beside the queue now: {s}");
    assert!(s.contains("in progress  1"), "{s}");
    // The old home refuses changes, naming the new one.
    assert!(!text(&out.stderr).contains("merged"), "merged once: {}", text(&out.stderr));
}
