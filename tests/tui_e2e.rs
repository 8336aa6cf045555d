//! Integration tests: the real `medcode` binary in a pseudo-terminal, read back through vt100.

use std::time::Duration;

use crate::support::index;
use crate::support::pty::{self, Screen};

/// A session of the real binary in a pseudo-terminal, read back through a vt100 screen.
struct Session {
    term: Screen,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl std::ops::Deref for Session {
    type Target = Screen;
    fn deref(&self) -> &Screen {
        &self.term
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Screen {
        &mut self.term
    }
}

impl Session {
    /// Start with the shared prebuilt index.
    fn start(cols: u16, rows: u16) -> Session {
        Session::start_with(cols, rows, |_| {})
    }

    /// Start with `setup` run on the config directory first.
    fn start_with(cols: u16, rows: u16, setup: impl FnOnce(&std::path::Path)) -> Session {
        Session::start_full(cols, rows, setup, Some(prebuilt_index()))
    }

    /// Start on `data` and open the example queue's first record (Ctrl-q, Enter); its screen.
    fn open_first_record(data: &std::path::Path) -> (Session, String) {
        let mut s = Session::start_in(80, 24, data);
        s.wait_for("> ");
        s.send("\x11"); // Ctrl-q: the queue
        s.wait_for("example-queue.jsonl");
        s.send("\r");
        let screen = s.wait_for("Record IP-1001");
        (s, screen)
    }

    /// Start with a given data folder (kept by the caller across runs).
    fn start_in(cols: u16, rows: u16, data: &std::path::Path) -> Session {
        Session::start_data(cols, rows, |_| {}, Some(prebuilt_index()), Some(data), &[])
    }

    fn start_full(
        cols: u16,
        rows: u16,
        setup: impl FnOnce(&std::path::Path),
        index: Option<&std::path::Path>,
    ) -> Session {
        Session::start_data(cols, rows, setup, index, None, &[])
    }

    fn start_data(
        cols: u16,
        rows: u16,
        setup: impl FnOnce(&std::path::Path),
        index: Option<&std::path::Path>,
        data_dir: Option<&std::path::Path>,
        args: &[&str],
    ) -> Session {
        let data = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        setup(config.path());
        let mut cmd = pty::command(data_dir.unwrap_or(data.path()), config.path());
        cmd.args(args);
        cmd.env_remove("NO_COLOR");
        match index {
            Some(dir) => cmd.env("MEDCODE_INDEX", dir),
            None => cmd.env_remove("MEDCODE_INDEX"),
        }
        Session { term: Screen::spawn(cols, rows, cmd), _dirs: (data, config) }
    }

    /// The terminal is as it was: main screen, cursor shown, and the last thing written restores.
    fn assert_restored(&self) {
        std::thread::sleep(Duration::from_millis(100));
        let (alternate, hidden) = self.with_screen(|p| (p.alternate_screen(), p.hide_cursor()));
        assert!(!alternate, "still on the alternate screen");
        assert!(!hidden, "cursor still hidden");
        let text = self.raw();
        let leave = text.rfind("\x1b[?1049l").expect("left the alternate screen");
        assert!(text.rfind("\x1b[?1049h").is_some_and(|enter| enter < leave));
    }
}

/// One index for the sessions that do not test building it.
fn prebuilt_index() -> &'static std::path::Path {
    &index::shared().root
}

fn shipped_has(code: &str) -> bool {
    medcode::codeset::shipped::load().is_ok_and(|b| b.cm.get(code).is_some())
}

#[test]
fn search_open_detail_reveal_in_tree_and_quit_restores_the_terminal() {
    // No index yet: the workbench builds it first, showing progress, then says so.
    let mut s = Session::start_full(80, 24, |_| {}, None);
    s.wait_for("No recent");
    s.wait_for("search index built in");
    let raw = s.raw();
    assert!(
        raw.contains("Building the search index"),
        "no progress display: {:?}",
        &raw[..raw.len().min(3000)]
    );
    s.send("diabetes w ckd");
    s.wait_for("> diabetes w ckd");
    if shipped_has("E11.22") {
        let screen = s.wait_for("E11.22");
        // Move the selection to E11.22: results start on the fifth row.
        let row = screen.lines().position(|l| l.contains("E11.22")).expect("E11.22 row");
        for _ in 4..row {
            s.send("\x0e"); // Ctrl-n
        }
        s.send("\r");
        s.wait_for("Type 2 diabetes mellitus with diabetic chronic kidney disease");
        s.wait_for("(from E11)");
        s.send("r");
        let tree = s.wait_for("Tree · ICD-10-CM");
        assert!(tree.contains("E11.22"), "{tree}");
        assert!(tree.contains("▾ E11 "), "ancestors open: {tree}");
    } else {
        // Without the parsed tabular (parser not merged) the workbench still runs and says so.
        s.wait_for("No codes match");
        s.send("\t");
        s.wait_for("Type in the search box");
    }
    // Back to the search box, out of it, quit.
    s.send("/");
    s.send("\x1b");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    s.assert_restored();
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let mut s = Session::start(80, 24);
        s.wait_for("Search");
        s.wait_for("> ");
        let pid = s.pty.child.process_id().expect("pid") as libc::pid_t;
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        let status = s.wait_exit();
        assert!(!status.success());
        s.assert_restored();
    }
}

#[test]
fn a_bad_key_map_is_named_and_the_defaults_work() {
    let mut path = std::path::PathBuf::new();
    let mut s = Session::start_with(100, 30, |dir| {
        path = dir.join("keymap.json");
        std::fs::write(&path, "{\n \"tree\": { \"j\": \"fly\" }\n}").unwrap();
    });
    let screen = s.wait_for("fly");
    assert!(screen.contains(&format!("{}:2:", path.display())), "{screen}");
    // The defaults still work: Ctrl-t opens the tree, F1 the help.
    s.send("\x14");
    s.wait_for("Tree · ICD-10-CM");
    s.send("\x03");
    s.wait_exit();
    s.assert_restored();
}

#[test]
fn queue_work_survives_sigkill() {
    let data = tempfile::tempdir().unwrap();
    let (mut s, _) = Session::open_first_record(data.path());
    s.send("\t");
    s.send("acute appendicitis localized peritonitis without perforation");
    s.wait_for("K35.30");
    s.send("\x05"); // Ctrl-e: attach the first result
    s.wait_for("attached K35.30");
    let pid = s.pty.child.process_id().expect("pid") as libc::pid_t;
    // SAFETY: killing our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    s.wait_exit();

    let mut s = Session::start_in(80, 24, data.path());
    s.wait_for("> ");
    s.send("\x11");
    let list = s.wait_for("example-queue.jsonl");
    assert!(list.contains("in progress 1"), "{list}");
    s.send("\r");
    let record = s.wait_for("Record IP-1001");
    assert!(record.contains("K35.30"), "the attached code is still there:\n{record}");
    s.send("\x03");
    s.wait_exit();
    s.assert_restored();
}

/// `medcode queue audit` of the example queue kept in `data`.
fn example_audit(data: &std::path::Path) -> String {
    crate::support::text(&crate::support::run(data, &["queue", "audit"]).stdout)
}

#[test]
fn two_workbenches_on_one_record_the_second_is_read_only_until_it_takes_over() {
    let data = tempfile::tempdir().unwrap();
    let (mut a, _) = Session::open_first_record(data.path());

    let mut b = Session::start_in(80, 24, data.path());
    b.wait_for("> ");
    b.send("\x11");
    b.wait_for("example-queue.jsonl");
    b.send("\r");
    b.wait_for("read-only (T takes over): taken by");
    // B's change is refused, and says why.
    b.send("m");
    b.wait_for("Comment");
    b.send("from b\r");
    b.wait_for("not saved: IP-1001 is taken by");
    // A works as usual.
    a.send("m");
    a.wait_for("Comment");
    a.send("from a\r");
    a.wait_for("comment added to IP-1001");
    // B takes over explicitly; A's next change is refused and A turns read-only.
    b.send("T");
    b.wait_for("took IP-1001 over from");
    a.send("m");
    a.wait_for("Comment");
    a.send("again from a\r");
    a.wait_for("not saved: IP-1001 is taken by");
    a.wait_for("read-only (T takes over): taken by");
    let trail = example_audit(data.path());
    assert_eq!(trail.matches("\"what\":\"comment\"").count(), 1, "only A's first comment saved:\n{trail}");
    assert!(trail.contains("claim taken over from"), "{trail}");
    for s in [&mut a, &mut b] {
        s.send("\x03");
        s.wait_exit();
    }
}

#[test]
fn sigterm_gives_the_open_record_back() {
    let data = tempfile::tempdir().unwrap();
    let (mut a, _) = Session::open_first_record(data.path());
    let pid = a.pty.child.process_id().expect("pid") as libc::pid_t;
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    a.wait_exit();
    let (mut b, screen) = Session::open_first_record(data.path());
    assert!(!screen.contains("read-only") && !screen.contains("took over"), "{screen}");
    assert!(!example_audit(data.path()).contains("taken over"), "released, not taken over");
    b.send("\x03");
    b.wait_exit();
}

#[test]
fn typing_in_each_pane_attaches_nothing() {
    let data = tempfile::tempdir().unwrap();
    let (mut s, _) = Session::open_first_record(data.path());
    // Search box (Tab from the record), tree, PCS builder, detail: text, never an attach.
    s.send("\t");
    s.send("acute cystitis");
    s.wait_for("> acute cystitis");
    s.send("\x14"); // Ctrl-t
    s.wait_for("Tree · ICD-10-CM");
    s.send("acute cystitis");
    s.send("\x1b");
    s.send("\x18"); // Ctrl-x: the PCS builder
    s.wait_for("ICD-10-PCS builder");
    // `a` is no first character: it says so (waited for before the rest, so a
    // later value's message cannot hide it from a slow poll).
    s.send("a");
    s.wait_for("no value");
    s.send("cute cystitis");
    s.send("\x11"); // Ctrl-q: back to the record
    let record = s.wait_for("Record IP-1001");
    assert!(record.contains("none yet"), "no code attached:\n{record}");
    assert!(!example_audit(data.path()).contains("attach"), "nothing attached in the store");
    s.send("\x03");
    s.wait_exit();
}

#[test]
fn poa_by_letter_undo_and_reopen_are_saved_and_audited() {
    let data = tempfile::tempdir().unwrap();
    let (mut s, _) = Session::open_first_record(data.path());
    s.send("\t");
    s.send("acute appendicitis localized peritonitis without perforation");
    s.wait_for("K35.30");
    s.send("\x05"); // Ctrl-e: attach
    s.wait_for("attached K35.30");
    s.send("\x1b");
    s.send("\x1b");
    s.wait_for("Record IP-1001");
    s.send("1");
    s.wait_for("K35.30 POA 1: exempt");
    s.send("u");
    s.wait_for("undid \"set POA");
    s.send("D");
    let screen = s.wait_for("IP-1001");
    if screen.contains("override reason") {
        s.send("reviewed with the attending\r");
    }
    s.wait_for("IP-1001 done");
    s.send(":IP-1001\r");
    s.wait_for("Record IP-1001 · done");
    s.send("R");
    s.wait_for("reopened IP-1001");
    let trail = example_audit(data.path());
    // The undo is an audited change of its own.
    for what in ["to 1\"", "to none\"", "\"what\":\"done", "\"what\":\"reopen\""] {
        assert!(trail.contains(what), "{what} in the audit trail:\n{trail}");
    }
    s.send("\x03");
    s.wait_exit();
}

#[test]
fn the_pcs_builder_builds_in_lower_case_starts_again_and_attaches() {
    let data = tempfile::tempdir().unwrap();
    let (mut s, _) = Session::open_first_record(data.path());
    s.send("\x18"); // Ctrl-x: the PCS builder
    s.wait_for("ICD-10-PCS builder");
    s.send("0dt");
    s.wait_for("Resection");
    s.send("\x15"); // Ctrl-u: start again
    s.wait_for("started again");
    s.send("0dtj4zz");
    s.wait_for("Enter attaches it");
    s.send("\r");
    s.wait_for("0DTJ4ZZ");
    s.send("\x11"); // Ctrl-q: back to the record
    let record = s.wait_for("Record IP-1001");
    assert!(record.contains("0DTJ4ZZ"), "the built code is on the record:\n{record}");
    assert!(example_audit(data.path()).contains("0DTJ4ZZ"), "and in the store");
    s.send("\x03");
    s.wait_exit();
}

#[test]
fn the_books_drug_table_to_the_record_a_see_and_back_and_the_pcs_index_to_the_builder() {
    let data = tempfile::tempdir().unwrap();
    let (mut s, _) = Session::open_first_record(data.path());
    s.send("\x0b"); // Ctrl-k: the books
    s.wait_for("Table of Drugs and Chemicals");
    s.send("acetaminophen");
    s.wait_for("find acetaminophen");
    s.send("\r"); // the Poisoning Accidental cell: T39.1X1 needs a 7th character
    s.wait_for("T39.1X1A");
    s.send("\x05"); // Ctrl-e: attach the first offer, the initial encounter
    s.wait_for("attached T39.1X1A");
    let trail = example_audit(data.path());
    assert!(
        trail.contains("found in Drug table: Acetaminophen > Poisoning Accidental"),
        "the audit says where it was found:\n{trail}"
    );
    // A see also followed and back, in the Index to External Causes.
    s.send("\x13\x13"); // Ctrl-s twice: Neoplasm table, then External causes
    s.wait_for("Index to External Causes");
    s.send("\x15accident aircraft");
    s.wait_for("see also Accident, transport, aircraft · > follows");
    s.send(">");
    s.wait_for("followed see also Accident, transport, aircraft");
    s.send("<");
    s.wait_for("Accident (to) > aircraft (in transit) (powered)");
    // The PCS index opens the builder at the table.
    s.send("\x13"); // Ctrl-s: PCS index
    s.wait_for("ICD-10-PCS Index");
    s.send("\x15appendectomy\x1b[B\x1b[B\r");
    let screen = s.wait_for("builder at 0DTJ");
    assert!(screen.contains("ICD-10-PCS builder") && screen.contains("Code 0DTJ"), "{screen}");
    s.send("\x03");
    s.wait_exit();
}

#[test]
fn an_outpatient_injection_is_coded_with_its_lines_through_the_keys() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let q = crate::support::queue_copy(home.path());
    // The administration is the invented fixture's CPT code: import it first.
    let cpt =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpt/invented-cpt-2026.tsv");
    let out = crate::support::run(&data, &["codesets", "import-cpt", cpt.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    // Its own index: the shared one has no CPT.
    let qs = q.to_str().unwrap();
    let mut s = Session::start_data(80, 24, |_| {}, None, Some(&data), &["--queue", qs]);
    s.wait_for("search index built in");
    s.send("\x11"); // Ctrl-q
    s.wait_for("IP-1001");
    s.send(":OP-5003\r");
    s.wait_for("Record OP-5003");
    s.send("\t");
    s.send("unilateral primary osteoarthritis right knee");
    s.wait_for(" M17.11   ● Unilateral primary osteoarthritis, right knee");
    s.send("\x05"); // Ctrl-e: attach the selected (first) result
    s.wait_for("attached M17.11");
    // `J1100` reads two ways: the HCPCS row is chosen by its set, not taken for J11.00.
    s.send("\x15J1100");
    let screen = s.wait_for("HCPCS│");
    let rows: Vec<&str> = screen.lines().filter(|l| l.starts_with("│ J11")).collect();
    let at = rows.iter().position(|l| l.contains("J1100    ● Injection, dexamethasone")).expect(&screen);
    s.send(&"\x0e".repeat(at)); // Ctrl-n
    s.send("\x05");
    s.wait_for("attached J1100");
    s.send("\x1599993");
    s.wait_for(" 99993 ");
    s.send("\x05");
    s.wait_for("attached 99993");
    // To the record's codes: the last attached is selected; K up to the J code.
    s.send("\t\t");
    s.wait_for(" 3 px 99993");
    s.send("K");
    s.send("M");
    s.wait_for("Modifiers");
    s.send("jz\r");
    s.wait_for("J1100 modifiers JZ");
    s.send("#");
    s.wait_for("Units");
    s.send("4\r");
    s.wait_for("J1100 units 4");
    s.send("L");
    s.wait_for("Diagnosis pointers");
    s.send("a\r");
    s.wait_for("J1100 points to A");
    s.send("JL");
    s.wait_for("Diagnosis pointers");
    s.send("a\r");
    let screen = s.wait_for("99993 points to A");
    assert!(screen.contains(" 2 px J1100    -JZ x4 >A Injection, dexamethasone"), "{screen}");
    s.send("D");
    s.wait_for("OP-5003 done; score 100%: 3 right, 0 missing, 0 extra");
    s.send("\x03");
    s.wait_exit();
    s.assert_restored();

    // What was saved, as the export reads it from the work store.
    let out = crate::support::run(&data, &["queue", "export", qs, "--format", "jsonl"]);
    assert!(out.status.success(), "{out:?}");
    let text = crate::support::text(&out.stdout);
    let line = text.lines().find(|l| l.contains("\"id\":\"OP-5003\"")).expect(&text);
    let rec: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(rec["status"], "done");
    let lines: Vec<String> = rec["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {} {} {}", c["code"], c["set"], c["modifiers"], c["units"], c["pointers"]))
        .collect();
    assert_eq!(
        lines,
        [
            r#""M17.11" "icd10cm" null null null"#,
            r#""J1100" "hcpcs" ["JZ"] 4 ["M17.11"]"#,
            r#""99993" "cpt" null null ["M17.11"]"#,
        ]
    );
}
