//! `medcode practice` and `medcode queue score`, as a trainee runs them.

use std::io::Write;
use std::process::Stdio;

use crate::support::pty::Screen;
use crate::support::{medcode, queue_copy, run, text};
use medcode::practice::{Kind, Question};

#[test]
fn drills_print_as_json_lines_the_same_for_the_same_seed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "practice", "--kind", "seventh", "--kind", "drug", "--count", "6", "--seed", "11", "--format",
        "jsonl",
    ];
    let out = run(tmp.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let qs: Vec<Question> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a question")).collect();
    assert_eq!(qs.len(), 6);
    assert!(qs.iter().all(|q| matches!(q.kind, Kind::Seventh | Kind::Drug) && q.options.len() == 4));
    assert!(qs.iter().any(|q| q.kind == Kind::Drug) && qs.iter().any(|q| q.kind == Kind::Seventh));
    assert_eq!(text(&run(tmp.path(), &args).stdout), text(&out.stdout), "same seed, same drill");
    let bad = run(tmp.path(), &["practice", "--kind", "cpt-descriptions", "--format", "jsonl"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("unknown kind"), "{}", text(&bad.stderr));
}

#[test]
fn a_drill_on_the_terminal_explains_each_answer_and_keeps_the_missed_for_review() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let progress = tmp.path().join("p").join("progress.json");
    let p = progress.to_str().expect("utf8");
    let drill = |answers: &str| {
        let mut child = medcode(tmp.path())
            .args(["practice", "--kind", "note", "--count", "3", "--seed", "5", "--progress", p])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(answers.as_bytes()).expect("answers");
        child.wait_with_output().expect("runs")
    };
    // Answer "A" to everything: in a note question A is Excludes1.
    let out = drill("x\nA\nA\nA\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("A, B, C or D"), "a bad answer is asked again: {s}");
    assert!(s.contains("Source: ICD-10-CM Tabular List"), "{s}");
    assert!(s.contains("Path: Chapter"), "{s}");
    let right = s.matches("Right.").count();
    assert!(s.contains(&format!("{right} of 3 right")), "{s}");
    let stats = text(&run(tmp.path(), &["practice", "stats", "--progress", p]).stdout);
    assert!(stats.contains(&format!("answered: 3, right: {right}")), "{stats}");
    // Each answer is timed (how long is the machine's business: only that there are three).
    assert!(stats.contains("time per question (pace 145 s):"), "{stats}");
    assert!(stats.contains("  note (3): "), "{stats}");
    assert!(!stats.contains("book mode:"), "a drill has no books: {stats}");
    // The missed ones come first in the next session.
    if right < 3 {
        let again = text(&drill("q\n").stdout);
        assert!(again.contains(&format!("({} to review)", 3 - right)), "{again}");
    }
}

#[test]
fn queue_score_grades_done_records_with_near_misses_and_the_total() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    let dx = |c: &str| format!(r#"{{"op":"attach","code":"{c}","set":"icd10cm","kind":"diagnosis"}}"#);
    // OP-3001's key: E11.22, I12.9, N18.31, Z79.84. The trainee picks E11.21 and forgets Z79.84.
    let ops = [dx("E11.21"), dx("I12.9"), dx("N18.31"), r#"{"op":"done"}"#.to_string()];
    let mut args = vec!["--edition", "fy2026-shipped", "queue", "apply", q_arg, "OP-3001"];
    args.extend(ops.iter().map(String::as_str));
    let out = run(tmp.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(tmp.path(), &["queue", "score", q_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    // 2 right + 0.5 for the near miss, over 4 key codes.
    assert!(
        s.contains(
            "OP-3001  score 62%: 2 right, 1 near (E11.21 for E11.22), 1 missing, 0 extra, principal wrong"
        ),
        "{s}"
    );
    assert!(s.contains("near miss: E11.21 for E11.22: sibling code"), "{s}");
    assert!(s.contains("missing: Z79.84"), "{s}");
    assert!(s.contains("total: 1 record(s) graded, accuracy 62.5%"), "{s}");
}

/// The real binary running `medcode practice mock ...` in an 80x24 pseudo-terminal.
fn mock_screen(data: &std::path::Path, args: &[&str]) -> Screen {
    let mut cmd = crate::support::pty::command(data, &data.join("config"));
    cmd.env_remove("MEDCODE_EDITION");
    cmd.env_remove("MEDCODE_MOCK");
    cmd.env_remove("MEDCODE_PRACTICE");
    cmd.args(args);
    Screen::spawn(80, 24, cmd)
}

fn session(data: &std::path::Path) -> medcode::practice::mock::Mock {
    medcode::practice::mock::Mock::load(&data.join("practice").join("mock.json"))
        .expect("the session reads")
        .expect("a session")
}

/// Wait until the saved session satisfies `ok` (saves follow the keys).
fn wait_saved(data: &std::path::Path, ok: impl Fn(&medcode::practice::mock::Mock) -> bool) {
    let start = std::time::Instant::now();
    while !ok(&session(data)) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "never saved: {:?}",
            session(data).answers
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_mock_of_five_questions_answered_flagged_jumped_and_submitted_shows_the_score() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s =
        mock_screen(tmp.path(), &["practice", "mock", "--count", "5", "--minutes", "10", "--seed", "4"]);
    let first = s.wait_for("question 1/5");
    assert!(first.contains("Time left 0:"), "{first}");
    s.send("a");
    s.wait_for("answered 1");
    s.send("nf");
    s.wait_for("flagged 1");
    s.send("b");
    s.wait_for("answered 2");
    s.send("g4\r");
    s.wait_for("question 4/5");
    s.send("F");
    s.wait_for("question 2/5");
    s.send("u");
    s.wait_for("question 3/5");
    s.send("s");
    s.wait_for("Submit the exam? 3 unanswered, 1 flagged");
    s.send("y");
    let score = s.wait_for("pass mark 70%");
    assert!(score.contains("Score ") && score.contains("/5"), "{score}");
    assert!(score.contains("By kind:") && score.contains("By chapter / section:"), "{score}");
    let m = session(tmp.path());
    assert!(m.submitted);
    assert_eq!(m.answered(), 2);
    assert_eq!(m.flags, [false, true, false, false, false]);
    s.send("q");
    s.wait_exit();
    // The mock's answers are in the progress file: the missed and the blank for review.
    let stats = text(&run(tmp.path(), &["practice", "stats"]).stdout);
    let right = session(tmp.path()).score().right;
    assert!(stats.contains(&format!("answered: 5, right: {right}")), "{stats}");
    assert!(stats.contains("due next session: "), "{stats}");
    assert!(session(tmp.path()).recorded, "recorded once, not again on the next run");
}

#[test]
fn a_mock_killed_with_sigkill_resumes_with_its_answers_and_elapsed_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s =
        mock_screen(tmp.path(), &["practice", "mock", "--count", "5", "--minutes", "10", "--seed", "8"]);
    s.wait_for("question 1/5");
    s.send("c");
    s.send("n");
    s.send("f");
    wait_saved(tmp.path(), |m| m.answers[0] == Some('C') && m.flags[1]);
    let pid = s.pty.child.process_id().expect("pid") as libc::pid_t;
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    s.wait_exit();
    let before = session(tmp.path());
    assert!(!before.submitted);
    // Started again without arguments: the same session, not a new one.
    let mut again = mock_screen(tmp.path(), &["practice", "mock"]);
    let screen = again.wait_for("Resumed: 1 answered, 1 flagged");
    assert!(screen.contains("question 2/5"), "{screen}");
    again.send("d");
    wait_saved(tmp.path(), |m| m.answers[1] == Some('D'));
    let after = session(tmp.path());
    assert_eq!(after.answers[0], Some('C'));
    assert_eq!(after.questions, before.questions);
    assert!(after.elapsed_ms >= before.elapsed_ms, "{} < {}", after.elapsed_ms, before.elapsed_ms);
    again.send("q");
    again.wait_exit();
}

#[test]
fn a_book_mode_mock_opens_the_books_over_a_question_and_prints_where_the_time_went() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = ["practice", "mock", "--book", "--count", "2", "--minutes", "10", "--seed", "4"];
    let mut s = mock_screen(tmp.path(), &args);
    s.wait_for("(book mode)");
    s.send("i");
    s.wait_for("Esc: back to question 1");
    s.wait_for("Table of Drugs");
    // A table row, its 7th character offered, the code opened on the tabular.
    s.send("acetaminophen");
    s.send("\r");
    s.wait_for("T39.1X1A");
    s.send("\r");
    wait_saved(tmp.path(), |m| m.paths[0].len() == 3);
    let steps: Vec<String> = session(tmp.path()).paths[0].iter().map(|p| p.text.clone()).collect();
    assert_eq!(steps[2], "Tabular: T39.1X1A", "{steps:?}");
    s.send("\x1b");
    s.wait_for("question 1/2");
    s.send("b");
    s.wait_for("answered 1");
    s.send("sy");
    let review = s.wait_for("pass mark 70%");
    assert!(review.contains("where the time went"), "{review}");
    s.send("q");
    assert!(s.wait_exit().success());
    // The summary printed when the screen closes: each question's steps, then its answer.
    let printed = s.contents();
    let row = "Drug table: Acetaminophen > Poisoning Accidental (unintentional)";
    for want in [
        "1. answered B, key ",
        &format!("{row}: T39.1X1A"),
        "Tabular: T39.1X1A",
        "answer B",
        "2. answered none",
        "no book opened",
    ] {
        assert!(printed.contains(want), "{want}\n{printed}");
    }
    let order = |t: &str| printed.find(t).expect("printed");
    assert!(order("Tabular: T39.1X1A") < order("answer B"), "{printed}");
    // And the steps are in the progress history, for `practice stats` (question 2 was never on screen).
    let stats = text(&run(tmp.path(), &["practice", "stats"]).stdout);
    assert!(stats.contains("book mode: 1 question(s), 3.0 steps a question"), "{stats}");
    assert!(stats.contains("a step in the tabular (1 step(s))"), "{stats}");
    assert!(stats.contains("a step in the index and tables (2 step(s))"), "{stats}");
}

#[test]
fn instructor_items_import_with_their_problems_named_and_join_the_drill() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\":\"x\"}\n{oops\n").expect("write");
    let out = run(tmp.path(), &["practice", "import", bad.to_str().expect("utf8")]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.jsonl:1: stem: missing") && err.contains("bad.jsonl:2: (line): not JSON"),
        "{err}"
    );
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/practice-items.jsonl");
    let out = run(tmp.path(), &["practice", "import", ex]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported 3 item(s)"), "{}", text(&out.stdout));
    let out = run(tmp.path(), &["practice", "--count", "10", "--seed", "2", "--format", "jsonl"]);
    let qs: Vec<Question> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("q")).collect();
    assert_eq!(qs.len(), 10);
    assert_eq!(qs.iter().filter(|q| q.kind == Kind::Item).count(), 2, "one in five");
}

#[test]
fn a_key_scores_poa_shows_its_rationale_and_the_trainees_disagreement_in_practice_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let q_arg = q.to_str().expect("utf8");
    // IP-1009's key: A41.51 and N30.90, both POA Y. The trainee says A41.51 was not present.
    let dx = |c: &str, poa: &str| {
        format!(r#"{{"op":"attach","code":"{c}","set":"icd10cm","kind":"diagnosis","poa":"{poa}"}}"#)
    };
    let ops = [
        dx("A41.51", "N"),
        dx("N30.90", "Y"),
        r#"{"op":"done"}"#.to_string(),
        r#"{"op":"comment","text":"the H&P says no organ dysfunction","on_key":"A41.51"}"#.to_string(),
    ];
    let mut args = vec!["--practice", "--edition", "fy2026-shipped", "queue", "apply", q_arg, "IP-1009"];
    args.extend(ops.iter().map(String::as_str));
    let out = run(tmp.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Production work never saw it: no score, no audit.
    let prod = text(&run(tmp.path(), &["queue", "score", q_arg]).stdout);
    assert!(prod.contains("no done record with an answer key yet"), "{prod}");
    assert!(text(&run(tmp.path(), &["queue", "audit", q_arg]).stdout).trim().is_empty());
    let audit = text(&run(tmp.path(), &["--practice", "queue", "audit", q_arg]).stdout);
    assert!(audit.contains("disagree with the key on A41.51"), "{audit}");
    assert!(tmp.path().join("practice").join("work").is_dir());
    let out = run(tmp.path(), &["--practice", "queue", "score", q_arg]);
    let s = text(&out.stdout);
    // 2 key codes right, 0.5 lost on the POA: 75%.
    assert!(s.contains("IP-1009  score 75%: 2 right, 0 missing, 0 extra, 1 POA wrong"), "{s}");
    assert!(s.contains("  POA: A41.51 given N, key Y"), "{s}");
    assert!(s.contains("    why: Sepsis present on admission is sequenced first"), "{s}");
    assert!(s.contains("    books: Sepsis, Escherichia coli > A41.51"), "{s}");
    assert!(s.contains("  you disagree on A41.51: the H&P says no organ dysfunction"), "{s}");
    // Retry only the missed: IP-1009 reopens with no codes; the disagreement stays.
    let out = run(tmp.path(), &["--practice", "queue", "reset", q_arg, "--missed"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("retry 1 missed record(s), reopened with their codes removed: IP-1009")
    );
    let s = text(&run(tmp.path(), &["--practice", "queue", "score", q_arg]).stdout);
    assert!(s.contains("no done record with an answer key yet"), "{s}");
    let out = run(tmp.path(), &["--practice", "queue", "export", q_arg, "--format", "jsonl"]);
    let line = text(&out.stdout).lines().find(|l| l.contains("IP-1009")).map(String::from).expect("IP-1009");
    assert!(line.contains("in_progress") || line.contains("in progress"), "{line}");
    // Production work is never reset; practice work is, all of it.
    let out = run(tmp.path(), &["queue", "reset", q_arg]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("reset is for practice work only: add --practice"));
    let out = run(tmp.path(), &["--practice", "queue", "reset", q_arg]);
    assert!(out.status.success() && text(&out.stdout).contains("reset"), "{}", text(&out.stderr));
    let audit = text(&run(tmp.path(), &["--practice", "queue", "audit", q_arg]).stdout);
    assert!(audit.trim().is_empty(), "{audit}");
}

#[test]
fn a_bad_key_detail_is_named_by_file_line_and_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = tmp.path().join("keys.jsonl");
    let rec = |id: &str, details: &str| {
        format!(
            r#"{{"id":"{id}","encounter_type":"inpatient","date_of_service":"2026-04-08","patient_age":40,"patient_sex":"F","provider":"Dr. A","documentation":"x","expected_codes":["N30.90","0DTJ4ZZ"],"expected_details":{details}}}"#
        )
    };
    let lines = [
        rec("K-1", r#"[{"code":"N30.90","poa":"Y","rationale":"site","index":"Cystitis"}]"#),
        rec("K-2", r#"[{"code":"N30.90","poa":"X"},{"code":"K63.5"},{"code":"0DTJ4ZZ","poa":"Y"}]"#),
        rec("K-3", r#"[{"code":"N30.90","why":"no such field"}]"#),
    ];
    std::fs::write(&q, lines.join("\n") + "\n").expect("write");
    let out = run(tmp.path(), &["queue", "check", q.to_str().expect("utf8")]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for want in [
        "keys.jsonl:2: expected_details: detail 1: poa `X` is not one of Y, N, U, W, 1",
        "keys.jsonl:2: expected_details: detail 2: K63.5 is not in expected_codes",
        "keys.jsonl:2: expected_details: detail 3: 0DTJ4ZZ is a procedure: POA is for diagnoses",
        "keys.jsonl:3: expected_details:",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert!(!err.contains("keys.jsonl:1:"), "{err}");
}

#[test]
fn the_workbench_in_book_mode_turns_the_search_off() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = queue_copy(tmp.path());
    let mut cmd = crate::support::pty::command(tmp.path(), &tmp.path().join("config"));
    cmd.env_remove("MEDCODE_EDITION");
    cmd.env("MEDCODE_INDEX", &crate::support::index::shared().root);
    cmd.args(["--practice", "--book", "--queue", q.to_str().expect("utf8")]);
    let mut s = Screen::spawn(80, 24, cmd);
    s.wait_for("IP-1001");
    s.send("\r");
    s.wait_for("Record IP-1001");
    // Tab would go to the search box beside the record: in book mode, to the books.
    s.send("\t");
    s.wait_for("Book mode: the search is off");
    s.send("\x03");
    assert!(s.wait_exit().success());
    // The practice store is the one opened: production has no work on this queue.
    assert!(tmp.path().join("practice").join("work").is_dir());
    assert!(!q.with_file_name(".medcode").join("queue.jsonl").join("work.db").exists());
}
