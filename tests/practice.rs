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
