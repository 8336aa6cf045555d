//! Integration tests: hostile and damaged inputs, each as real files on disk
//! (a zip with an escape-named entry, a zip bomb, a damaged index file, a
//! FIFO and a link to `/dev/zero` in a folder queue, a batch with a bad line).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use medcode::codeset::{import, shipped};
use medcode::search::{Engine, Query, Search, build};

use crate::support::index::{copy_dir, shared};
use crate::support::text;

/// The binary on `data`, on a fixed day.
fn medcode(data: &Path) -> Command {
    let mut cmd = crate::support::medcode(data);
    cmd.env("MEDCODE_TODAY", "2026-11-25");
    cmd
}

/// Bytes a terminal would act on: ESC, BEL, CSI/OSC in 8-bit form, a bidi override.
fn assert_harmless(what: &str, out: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{9d}', '\u{202e}'] {
        assert!(!out.contains(bad), "{what} holds {bad:?}: {out}");
    }
    // JSON keeps a control character escaped: still the attacker's text.
    assert!(!out.contains("\\u001b") && !out.contains("\\u0007"), "{what}: {out}");
}

fn zip_file(path: &Path, entries: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, opts).expect("zip entry");
        zip.write_all(data).expect("zip data");
    }
    zip.finish().expect("finish zip");
}

#[test]
fn an_escape_named_zip_entry_reaches_neither_the_terminal_nor_edition_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let release = tmp.path().join("release.zip");
    // OSC 0 sets the window title, OSC 52 writes the clipboard, CSI 2J clears the screen.
    let name = "icd10cm\u{1b}]0;pwned\u{7}_tabular\u{1b}]52;c;aGk=\u{7}_2026\u{9b}2J\u{202e}.xml";
    zip_file(&release, &[(name, &shipped::CM_TABULAR.bytes())]);

    let out = medcode(&data)
        .args(["codesets", "import"])
        .arg(&release)
        .args(["--name", "esc"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_harmless("import output", &(text(&out.stdout) + &text(&out.stderr)));
    assert!(text(&out.stdout).contains("release.zip!icd10cm_tabular_2026.xml"), "{}", text(&out.stdout));

    let manifest = std::fs::read_to_string(data.join("editions/esc/edition.json")).expect("edition.json");
    assert_harmless("edition.json", &manifest);
    assert!(manifest.contains("icd10cm_tabular_2026.xml"), "{manifest}");

    for format in ["text", "json"] {
        let out = medcode(&data).args(["codesets", "list", "--format", format]).output().expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_harmless("codesets list", &text(&out.stdout));
        assert!(text(&out.stdout).contains("esc"), "{}", text(&out.stdout));
    }
}

/// An entry that sniffs as a CM tabular, padded to `size` bytes (compresses to almost nothing).
fn fake_tabular(size: usize) -> Vec<u8> {
    let mut v = b"<?xml version=\"1.0\"?>\n<ICD10CM.tabular><version>2026</version>".to_vec();
    v.resize(size, b' ');
    v
}

const SMALL: import::Limits = import::Limits { file: 1 << 20, total: 4 << 20 };

#[test]
fn a_many_entry_zip_bomb_is_refused_by_the_total_budget() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bomb = tmp.path().join("bomb.zip");
    let entry = fake_tabular(900 << 10);
    let names: Vec<String> = (0..12).map(|i| format!("part{i:02}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &entry[..])).collect();
    zip_file(&bomb, &entries);
    assert!(std::fs::metadata(&bomb).expect("zip").len() < 200 << 10, "the bomb is small on disk");
    // Each entry is under the per-file cap; together they pass the budget.
    let err = import::import_with(&bomb, Some("bomb"), SMALL).expect_err("refused");
    let msg = format!("{err:#}");
    assert!(msg.contains("more than 4 MB") && msg.contains("bomb.zip!part0"), "{msg}");
    // Files that are not release files are not read past their head, and cost nothing.
    let junk = vec![0u8; 900 << 10];
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &junk[..])).collect();
    zip_file(&bomb, &entries);
    let mut found = 0;
    let skipped = import::gather_with(&bomb, SMALL, &mut |_, _| {
        found += 1;
        Ok(())
    })
    .expect("junk is skipped, not refused");
    assert!(found == 0 && skipped.len() == 12, "{skipped:?}");
}

#[test]
fn an_over_size_or_doctype_entry_is_named_in_the_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let big = tmp.path().join("big.zip");
    zip_file(&big, &[("huge_tabular.xml", &fake_tabular(2 << 20))]);
    let msg = format!("{:#}", import::import_with(&big, Some("big"), SMALL).expect_err("refused"));
    assert!(msg.contains("big.zip!huge_tabular.xml: larger than 1 MB"), "{msg}");

    let doctype = tmp.path().join("doctype.zip");
    let xml = b"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<ICD10CM.tabular><version>2026</version>&b;</ICD10CM.tabular>";
    zip_file(&doctype, &[("dtd_tabular.xml", xml)]);
    let msg = format!("{:#}", import::import_with(&doctype, Some("dtd"), SMALL).expect_err("refused"));
    assert!(msg.contains("doctype.zip!dtd_tabular.xml (XML with a DOCTYPE"), "{msg}");
}

/// Overwrite the middle of every `.pos` file with pseudo-random bytes.
fn damage_pos_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for e in std::fs::read_dir(dir).expect("ls") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "pos") {
            let mut bytes = std::fs::read(&p).expect("read .pos");
            let len = bytes.len();
            for b in &mut bytes[len / 8..len * 7 / 8] {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            std::fs::write(&p, &bytes).expect("damage .pos");
            n += 1;
        }
    }
    n
}

#[test]
fn a_damaged_pos_file_is_reported_rebuilt_and_never_panics() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("index");
    let dir = root.join(shipped::EDITION_NAME);
    copy_dir(&shared().dir, &dir);
    assert!(damage_pos_files(&dir) > 0, "no .pos file in {}", dir.display());

    // Status names the damage (it said "fresh" before).
    let st = build::status(&dir, &shipped::edition());
    assert!(matches!(&st.state, build::State::Corrupt(why) if why.contains("checksum")), "{:?}", st.state);
    let out = medcode(tmp.path()).arg("--index").arg(&root).args(["index", "status"]).output().expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("state:          damaged"), "{}", text(&out.stdout));

    // Opened without any check, every search returns (hits or an error), never a panic;
    // tantivy's panic on these bytes (`mid > len`) comes back as `Damaged`.
    let engine = Engine::open(&dir).expect("opens: the damage is inside the postings");
    let mut damaged = 0;
    for q in ["chf", "heart failure", "diabetes w ckd", "e11.9", "fx distal radius", "0dtj"] {
        if let Err(e) = engine.search(&Query::new(q)) {
            assert!(e.downcast_ref::<medcode::search::Damaged>().is_some(), "{e:#}");
            damaged += 1;
        }
    }
    assert!(damaged > 0, "no search met the damage");
    assert!(engine.self_test().is_err());

    // The CLI rebuilds it with a message and answers.
    let out = medcode(tmp.path()).arg("--index").arg(&root).args(["search", "chf"]).output().expect("run");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status.code());
    assert!(stderr.contains("damaged") && stderr.contains("building"), "{stderr}");
    assert!(text(&out.stdout).contains("I50"), "{}", text(&out.stdout));
    assert_eq!(build::status(&dir, &shipped::edition()).state, build::State::Fresh);
}

#[test]
fn each_edition_gets_its_own_folder_under_medcode_index() {
    let root = Path::new("/srv/medcode-index");
    let a = medcode::search::index_dir(Some(root), "fy2026-shipped").expect("dir");
    let b = medcode::search::index_dir(Some(root), "fy2027").expect("dir");
    assert_eq!((a, b), (root.join("fy2026-shipped"), root.join("fy2027")));
}

#[test]
fn batch_search_answers_every_line_around_an_invalid_utf8_one() {
    let mut child = medcode(Path::new("/nonexistent-medcode-data"))
        .arg("--index")
        .arg(&shared().root)
        .args(["search", "--batch", "--limit", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"e11.9\nch\xff\xfef\nhtn\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["results"][0]["code"], "E11.9");
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().is_some_and(|e| e.contains("invalid UTF-8")), "{}", lines[1]);
    assert_eq!(lines[2]["query"], "htn");
    assert!(text(&out.stderr).contains("stdin line 2"), "{}", text(&out.stderr));
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("cstring");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Load in a thread: a hang fails the test instead of stalling the run.
fn load_within(path: PathBuf, secs: u64) -> Result<medcode::queue::Loaded, medcode::queue::LoadError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(medcode::queue::load(&path));
    });
    rx.recv_timeout(Duration::from_secs(secs)).expect("loading the queue hung")
}

#[test]
fn a_folder_queue_reads_only_regular_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = tmp.path().join("q");
    std::fs::create_dir(&q).expect("mkdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queue-hostile");
    std::fs::copy(fixtures.join("01-valid.json"), q.join("a.json")).expect("copy");
    mkfifo(&q.join("fifo.json"));
    std::os::unix::fs::symlink("/dev/zero", q.join("zero.json")).expect("symlink");
    std::fs::create_dir(q.join("g.json")).expect("a folder named g.json");
    std::fs::write(q.join("g.json/inside.json"), b"{}").expect("write");

    let l = load_within(q.clone(), 20).expect("the folder loads");
    let ids: Vec<&str> = l.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["FX-1"]);
    let shown: Vec<String> = l.problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].contains("fifo.json:0: -: cannot read: a FIFO, not a regular file"), "{shown:?}");
    assert!(shown[1].contains("zero.json:0: -: cannot read: a device, not a regular file"), "{shown:?}");

    // The JSON Lines path refuses both too, at once.
    for p in [q.join("fifo.json"), q.join("zero.json")] {
        let err = load_within(p, 20).expect_err("refused");
        assert!(err.to_string().contains("neither a JSON Lines file nor a folder"), "{err}");
    }
}

#[test]
fn repeated_keys_and_bidi_ids_are_refused_with_file_line_and_field() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queue-hostile");
    let l = medcode::queue::load(&dir).expect("folder loads");
    let ids: Vec<&str> = l.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["FX-1"]);
    let shown: Vec<String> = l.problems.iter().map(ToString::to_string).collect();
    assert!(
        shown.iter().any(|s| s
            .ends_with("02-repeated-key.json:7: id: repeated in this record: which value counts is unclear")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|s| s.contains("03-bidi-id.json:2: id: must not contain bidirectional control")),
        "{shown:?}"
    );
    assert_eq!(l.invalid_count(), 2, "{shown:?}");
}

#[test]
fn an_os_error_is_printed_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing.jsonl");
    let out = medcode(tmp.path()).args(["queue", "check"]).arg(&missing).output().expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}
