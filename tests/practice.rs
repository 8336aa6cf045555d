//! `medcode practice` and `medcode queue score`, as a trainee runs them.

use std::io::Write;
use std::process::Stdio;

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
struct Screen {
    pty: crate::support::pty::Pty,
    parser: vt100::Parser,
}

impl Screen {
    fn start(data: &std::path::Path, args: &[&str]) -> Screen {
        let mut cmd = crate::support::pty::command(data, &data.join("config"));
        cmd.env_remove("MEDCODE_EDITION");
        cmd.env_remove("MEDCODE_MOCK");
        cmd.args(args);
        let (rows, cols) =
            (std::num::NonZeroU16::new(24).expect("24"), std::num::NonZeroU16::new(80).expect("80"));
        Screen {
            pty: crate::support::pty::Pty::spawn(80, 24, cmd),
            parser: vt100::Parser::new(rows, cols, 0),
        }
    }

    fn contents(&mut self) -> String {
        while let Ok(chunk) = self.pty.output.try_recv() {
            self.parser.process(&chunk);
        }
        self.parser.screen().contents()
    }

    fn wait_for(&mut self, text: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let c = self.contents();
            if c.contains(text) {
                return c;
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(90), "`{text}` never appeared:\n{c}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn send(&mut self, s: &str) {
        self.pty.send(s.as_bytes());
    }

    fn wait_exit(&mut self) {
        let start = std::time::Instant::now();
        while self.pty.child.try_wait().expect("wait").is_none() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "did not exit:\n{}",
                self.contents()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
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
        Screen::start(tmp.path(), &["practice", "mock", "--count", "5", "--minutes", "10", "--seed", "4"]);
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
}

#[test]
fn a_mock_killed_with_sigkill_resumes_with_its_answers_and_elapsed_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s =
        Screen::start(tmp.path(), &["practice", "mock", "--count", "5", "--minutes", "10", "--seed", "8"]);
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
    let mut again = Screen::start(tmp.path(), &["practice", "mock"]);
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
