//! Integration tests: `medcode queue check|export|stats|claim` through the real binary.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Stdio};

use crate::support::{medcode, queue_copy, run, spawn_claim, text};
use medcode::codeset::CodeSet;
use medcode::queue::{CodeKind, Op, Poa, Store};

#[test]
fn check_reports_each_invalid_record_and_the_valid_count() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queue-invalid");
    let out = run(tmp.path(), &["queue", "check", fixtures.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("03-wrong-type.json:5: patient_age: invalid type"), "{stderr}");
    assert!(stderr.contains("04-unknown-field.json:9: diagnosis_codes: unknown field"), "{stderr}");
    assert!(stderr.contains("08-invalid-utf8.json:8: -: invalid UTF-8"), "{stderr}");
    assert_eq!(stderr.lines().count(), 10, "{stderr}");
    assert!(!stderr.contains('\u{1b}'));
    assert!(text(&out.stdout).contains("2 valid record(s), 10 invalid"), "{}", text(&out.stdout));

    let out = run(tmp.path(), &["queue", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("39 valid record(s), 0 invalid"));

    let out = run(tmp.path(), &["queue", "check", tmp.path().join("missing.jsonl").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing.jsonl"), "{}", text(&out.stderr));
}

fn code(code: &str, set: CodeSet, poa: Option<Poa>) -> Op {
    let kind = if set == CodeSet::Icd10pcs { CodeKind::Procedure } else { CodeKind::Diagnosis };
    Op::Attach { code: code.into(), set, kind, poa, at: None, found: None, line: Default::default() }
}

#[test]
fn export_and_stats_use_the_work_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let mut store = Store::open(&q).expect("store");
    store.set_user("coder7");
    store.apply("IP-1001", &code("K35.30", CodeSet::Icd10cm, Some(Poa::Y)), 0).expect("attach");
    store.apply("IP-1001", &code("0DTJ4ZZ", CodeSet::Icd10pcs, None), 0).expect("attach");
    store.apply("IP-1001", &Op::Done { override_reason: None }, 0).expect("done");
    store.apply("ED-2001", &Op::Hold { reason: "await culture".into() }, 0).expect("hold");
    let q_arg = q.to_str().expect("utf8");

    let csv = tmp.path().join("out.csv");
    let out = run(
        tmp.path(),
        &["queue", "export", q_arg, "--format", "csv", "--output", csv.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::metadata(&csv).expect("csv").permissions().mode() & 0o777, 0o600);
    let body = std::fs::read_to_string(&csv).expect("read");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "record_id,status,sequence,code,set,kind,poa,modifiers,units,pointers,coder,time,edition"
    );
    assert!(lines[1].starts_with("IP-1001,done,1,K35.30,icd10cm,diagnosis,Y,,,,coder7,20"), "{}", lines[1]);
    assert!(lines[2].starts_with("IP-1001,done,2,0DTJ4ZZ,icd10pcs,procedure,,,,,coder7,"), "{}", lines[2]);
    assert!(lines.contains(&"ED-2001,on_hold,,,,,,,,,,,fy2026-shipped"), "{body}");
    assert!(lines[1].ends_with(",fy2026-shipped"), "{}", lines[1]);
    // OP-3007 (2026-11-18) is coded against FY2027.
    assert!(lines.contains(&"OP-3007,new,,,,,,,,,,,fy2027-shipped"), "{body}");
    assert_eq!(lines.len(), 1 + 2 + 38);

    let out = run(tmp.path(), &["queue", "export", q_arg, "--format", "jsonl"]);
    assert!(out.status.success());
    let first: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().expect("a line")).expect("json");
    assert_eq!(first["id"], "IP-1001");
    assert_eq!(first["status"], "done");
    assert_eq!(first["codes"][1]["code"], "0DTJ4ZZ");
    assert_eq!(first["codes"][0]["poa"], "Y");
    assert_eq!(first["edition"], "fy2026-shipped");

    let out = run(tmp.path(), &["queue", "stats", q_arg]);
    let s = text(&out.stdout);
    assert!(s.contains("records: 39 valid, 0 invalid"), "{s}");
    assert!(
        s.contains("done         1") && s.contains("on hold      1") && s.contains("new          37"),
        "{s}"
    );
    assert!(s.contains("codes: 2 (1 diagnosis, 1 procedure) on 1 record(s)"), "{s}");
    assert!(s.contains("2 code(s): 1 record(s)"), "{s}");
    // The queue file itself is never rewritten.
    assert_eq!(std::fs::read_to_string(&q).expect("queue"), medcode::queue::EXAMPLE_JSONL);
}

#[test]
fn two_processes_claim_one_record_exactly_one_wins() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let spawn = |_: usize| {
        medcode(tmp.path())
            .args(["queue", "claim", q.to_str().expect("utf8"), "IP-1003"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    // Start both before reading either, so they compete.
    let mut children: Vec<Child> = (0..2).map(spawn).collect();
    let lines: Vec<String> = children
        .iter_mut()
        .map(|c| {
            let mut line = String::new();
            BufReader::new(c.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("read");
            line
        })
        .collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("claimed IP-1003")).count(), 1, "{lines:?}");
    let loser = lines.iter().position(|l| !l.starts_with("claimed")).expect("a loser");
    assert!(lines[loser].contains("is taken by"), "{lines:?}");
    let winner = 1 - loser;
    // Release: close the winner's stdin.
    drop(children[winner].stdin.take());
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(out.status.success(), i == winner, "{}", text(&out.stderr));
    }
    let (mut again, line) = spawn_claim(tmp.path(), &q, "IP-1003", false);
    assert!(line.starts_with("claimed"), "released claims can be taken: {line}");
    drop(again.stdin.take());
    assert!(again.wait().expect("wait").success());
}

#[test]
fn a_killed_session_leaves_a_stale_claim_that_is_taken_over() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let (mut a, line) = spawn_claim(tmp.path(), &q, "ED-2002", false);
    assert!(line.starts_with("claimed"), "{line}");
    let (b, line) = spawn_claim(tmp.path(), &q, "ED-2002", false);
    assert!(line.contains("is taken by"), "{line}");
    assert!(!b.wait_with_output().expect("wait").status.success());
    // SIGKILL: no chance to release.
    a.kill().expect("kill");
    a.wait().expect("reap");
    let (mut c, line) = spawn_claim(tmp.path(), &q, "ED-2002", false);
    assert!(line.starts_with("took over ED-2002"), "{line}");
    c.stdin.as_mut().expect("stdin").write_all(b"\n").expect("release");
    let out = c.wait_with_output().expect("wait");
    assert!(text(&out.stdout).contains("released ED-2002"));
    // The takeover is in the audit trail.
    let out = run(tmp.path(), &["queue", "audit", q.to_str().expect("utf8")]);
    let trail = text(&out.stdout);
    assert!(trail.contains("stale claim taken over from"), "{trail}");
}

#[test]
fn a_damaged_entry_is_reported_and_recovered_from_the_audit_trail() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let mut store = Store::open(&q).expect("store");
    store.apply("OP-3002", &code("E03.9", CodeSet::Icd10cm, None), 0).expect("attach");
    store.apply("OP-3002", &code("E78.5", CodeSet::Icd10cm, None), 0).expect("attach");
    let db = store.work_file();
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("sqlite");
    conn.execute("UPDATE records SET work='{\"status\":' WHERE id='OP-3002'", []).expect("damage");
    drop(conn);
    let q_arg = q.to_str().expect("utf8");
    let out = run(tmp.path(), &["queue", "stats", q_arg]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("has a damaged entry (record OP-3002") && err.contains("queue recover"), "{err}");
    let out = run(tmp.path(), &["queue", "recover", q_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 record(s) with work, 0 entr(y/ies) skipped"),
        "{}",
        text(&out.stdout)
    );
    let again = Store::open(&q).expect("reopen");
    let codes: Vec<String> = again.get("OP-3002").codes.into_iter().map(|c| c.code).collect();
    assert_eq!(codes, ["E03.9", "E78.5"]);
}

#[test]
fn killing_a_saving_process_never_corrupts_the_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let ops: Vec<String> = (0..400).map(|i| format!(r#"{{"op":"comment","text":"note {i}"}}"#)).collect();
    for stop_after in [1usize, 37, 120] {
        let mut child = medcode(tmp.path())
            .args(["queue", "apply", q.to_str().expect("utf8"), "IP-1006"])
            .args(&ops)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        for _ in 0..stop_after {
            line.clear();
            reader.read_line(&mut line).expect("read");
        }
        // SIGKILL mid-way: the next save may be anywhere in flight.
        child.kill().expect("kill");
        child.wait().expect("reap");
        let store = Store::open(&q).expect("the work store is whole after a kill");
        let saved = store.get("IP-1006").comments.len();
        let trail = store.audit().expect("audit").len();
        // At most the change in flight is lost; the trail and the state agree exactly.
        assert!(saved >= stop_after, "{saved} < {stop_after}");
        assert_eq!(trail, saved, "the audit trail and the work agree");
        // Reset for the next round (the ops attach the same codes again).
        let db = store.work_file();
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}

#[test]
fn edits_lists_the_checks_with_their_sources_and_the_edition() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let out = run(
        tmp.path(),
        &[
            "queue",
            "apply",
            q_arg,
            "OP-3001",
            r#"{"op":"attach","code":"E11.2","set":"icd10cm","kind":"diagnosis"}"#,
            r#"{"op":"attach","code":"E10.9","set":"icd10cm","kind":"diagnosis"}"#,
            r#"{"op":"done"}"#,
        ],
    );
    // Marking done with errors is refused without an override: the first two saves stand.
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("mark done with an override and a reason"), "{}", text(&out.stderr));
    // Pinned: the example records are FY2026 encounters, checked against fy2026-shipped.
    let out = run(tmp.path(), &["--edition", "fy2026-shipped", "queue", "edits", q_arg]);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(s.starts_with("edition fy2026-shipped: ICD-10-CM FY2026"), "{s}");
    assert!(s.contains("OP-3001 [in progress] E11.2 E10.9"), "{s}");
    assert!(s.contains("error: E11.2 is a header") && s.contains("try: E11.21 E11.22 E11.29"), "{s}");
    assert!(s.contains("from: Excludes1 (category E11): type 1 diabetes mellitus (E10.-)"), "{s}");
    let out = run(
        tmp.path(),
        &["queue", "apply", q_arg, "OP-3001", r#"{"op":"done","override_reason":"training record"}"#],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        Store::open(&q).expect("store").get("OP-3001").override_reason.as_deref(),
        Some("training record")
    );
}

#[test]
fn a_queue_in_a_read_only_place_keeps_its_work_in_the_data_dir() {
    // /proc cannot hold a `.medcode` folder, even for root: a read-only queue folder.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run(tmp.path(), &["queue", "stats", "/proc/version"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let work_line = s.lines().find(|l| l.starts_with("work:")).expect("work line");
    let dir = tmp.path().join("work");
    assert!(work_line.contains(dir.to_str().expect("utf8")), "{s}");
    assert_eq!(std::fs::metadata(&dir).expect("work dir").permissions().mode() & 0o777, 0o700);
}

#[test]
fn each_record_is_checked_against_its_own_edition_and_a_chosen_one_is_audited() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let i42 = r#"{"op":"attach","code":"I42.0","set":"icd10cm","kind":"diagnosis"}"#;
    // OP-3001 is an April 2026 encounter (FY2026), OP-3007 a November 2026 one (FY2027).
    for id in ["OP-3001", "OP-3007"] {
        let out = run(tmp.path(), &["queue", "apply", q_arg, id, i42]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // A code new in FY2027 is not a code of an FY2026 record's edition.
    let j4b = r#"{"op":"attach","code":"J4B.0","set":"icd10cm","kind":"diagnosis"}"#;
    let out = run(tmp.path(), &["queue", "apply", q_arg, "OP-3001", j4b]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("J4B.0 is not a icd10cm code of edition fy2026-shipped"),
        "{}",
        text(&out.stderr)
    );

    let out = run(tmp.path(), &["queue", "edits", q_arg]);
    let s = text(&out.stdout);
    assert!(s.contains("OP-3001 [in progress] I42.0 (edition fy2026-shipped)"), "{s}");
    assert!(s.contains("OP-3007 [in progress] I42.0 (edition fy2027-shipped)"), "{s}");
    assert!(s.contains("edition fy2027-shipped: ICD-10-CM"), "{s}");
    let fy2027_part = &s[s.find("OP-3007").expect("OP-3007")..];
    assert!(fy2027_part.contains("error: I42.0 is a header") && fy2027_part.contains("I42.00"), "{s}");
    assert!(!s[..s.find("OP-3007").expect("OP-3007")].contains("I42.0 is a header"), "{s}");

    // The coder chooses FY2026 for OP-3007: an unknown name is refused, a known one saved and audited.
    let out =
        run(tmp.path(), &["queue", "apply", q_arg, "OP-3007", r#"{"op":"set_edition","edition":"fy1999"}"#]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no edition named `fy1999`"), "{}", text(&out.stderr));
    let out = run(
        tmp.path(),
        &["queue", "apply", q_arg, "OP-3007", r#"{"op":"set_edition","edition":"fy2026-shipped"}"#],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("saved 1: edition set to fy2026-shipped"), "{}", text(&out.stdout));
    let out = run(tmp.path(), &["queue", "edits", q_arg, "--record", "OP-3007"]);
    let s = text(&out.stdout);
    assert!(s.contains("OP-3007 [in progress] I42.0 (edition fy2026-shipped, chosen)"), "{s}");
    assert!(!s.contains("I42.0 is a header"), "{s}");
    let audit = text(&run(tmp.path(), &["queue", "audit", q_arg]).stdout);
    assert!(audit.contains(r#""what":"edition set to fy2026-shipped""#), "{audit}");
    // With the chosen edition the done gate runs FY2026's edits: I42.0 is fine there,
    // apart from the date of service being outside FY2026.
    let out = run(tmp.path(), &["queue", "apply", q_arg, "OP-3007", r#"{"op":"done"}"#]);
    assert!(text(&out.stderr).contains("mark done with an override"), "{}", text(&out.stderr));
}
