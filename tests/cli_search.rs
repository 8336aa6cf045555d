//! Integration tests: search on the real shipped code sets with a real
//! on-disk index (built once per test binary), through the library and the binary.

use std::path::Path;
use std::process::Stdio;

use medcode::codeset::{CodeSet, shipped};
use medcode::search::{Engine, Matched, Opened, Query, Search, build};

use crate::support::bin;
use crate::support::index::{copy_dir, shared};

fn codes(text: &str, limit: usize) -> Vec<String> {
    let mut q = Query::new(text);
    q.limit = limit;
    shared().engine.search(&q).expect("search").into_iter().map(|h| h.code).collect()
}

#[test]
fn the_index_holds_every_cm_node_pcs_code_and_hcpcs_code() {
    let book = shipped::load().expect("load");
    let docs = shared().engine.num_docs() as usize;
    // And one document per book row that gives a code of the tabular.
    let rows = medcode::search::books::documents(&book, &Default::default()).len();
    assert!(rows > 50_000, "{rows} book rows");
    assert_eq!(docs, book.cm.nodes.len() + book.pcs.codes.len() + book.hcpcs.codes.len() + rows);
    assert!(book.pcs.codes.len() > 79_000, "{}", book.pcs.codes.len());
}

#[test]
fn coder_queries_rank_the_expected_codes() {
    let top5 = codes("diabetes w ckd", 5);
    assert!(top5.contains(&"E11.22".to_string()), "{top5:?}");
    let fx = codes("fx distal radius", 10);
    assert!(fx.iter().filter(|c| c.starts_with("S52.5")).count() >= 5, "{fx:?}");
    let appendix = codes("0dtj", 10);
    assert!(!appendix.is_empty() && appendix.iter().all(|c| c.starts_with("0DTJ")), "{appendix:?}");
    let chf = codes("chf", 10);
    assert!(chf.iter().filter(|c| c.starts_with("I50")).count() >= 5, "{chf:?}");
    assert_eq!(codes("e11.9", 5).first().map(String::as_str), Some("E11.9"));
    assert_eq!(codes("E119", 5).first().map(String::as_str), Some("E11.9"));
    assert!(codes("htn", 5).contains(&"I10".to_string()));
    let mi = codes("heart attack", 10);
    assert!(mi.iter().filter(|c| c.starts_with("I21")).count() >= 3, "{mi:?}");
    let typo = codes("diabetis", 10);
    assert!(typo.iter().any(|c| c.starts_with("E11")), "{typo:?}");
    let prefix = codes("S52.5", 5);
    assert_eq!(prefix.first().map(String::as_str), Some("S52.5"), "{prefix:?}");
    assert!(codes("0DT", 10).iter().all(|c| c.starts_with("0DT")));
}

/// What a coder states: the plain condition before codes adding qualifiers not typed.
#[test]
fn the_plain_condition_comes_before_qualified_codes() {
    let top = |q: &str, n: usize| codes(q, n);
    let typo = top("heart atack", 5);
    assert!(typo.iter().any(|c| c.starts_with("I21")), "{typo:?}");
    let mi = top("heart attack", 3);
    assert_eq!(mi.first().map(|c| &c[..3]), Some("I21"), "{mi:?}");
    assert!(top("pna", 3).contains(&"J18.9".to_string()), "{:?}", top("pna", 3));
    assert!(top("uti", 3).contains(&"N39.0".to_string()), "{:?}", top("uti", 3));
    let mig = top("migraine", 3);
    assert!(mig.iter().any(|c| c.starts_with("G43.9")), "{mig:?}");
    assert!(top("t2dm", 5).contains(&"E11.9".to_string()), "{:?}", top("t2dm", 5));
    assert_eq!(top("dm2 wo complications", 3).first().map(String::as_str), Some("E11.9"));
    let appy = top("perc endo appendix resection", 3);
    assert!(appy.contains(&"0DTJ4ZZ".to_string()), "{appy:?}");
    // Asked for, the context comes back.
    let old = top("old heart attack", 3);
    assert_eq!(old.first().map(String::as_str), Some("I25.2"), "{old:?}");
    let hx = top("hx of breast cancer", 2);
    assert_eq!(hx.first().map(String::as_str), Some("Z85.3"), "{hx:?}");
    let ob = top("uti pregnancy", 5);
    assert!(ob.iter().any(|c| c.starts_with("O23")), "{ob:?}");
}

#[test]
fn a_code_match_says_so_and_filters_apply() {
    let hits = shared().engine.search(&Query::new("e11.9")).expect("search");
    assert_eq!(hits[0].matched, Matched::Code);
    let mut q = Query::new("resection appendix");
    q.set = Some(CodeSet::Icd10pcs);
    let hits = shared().engine.search(&q).expect("search");
    assert!(!hits.is_empty() && hits.iter().all(|h| h.set == CodeSet::Icd10pcs));
    let mut q = Query::new("diabetes");
    q.billable_only = true;
    q.within = Some("E11".into());
    let hits = shared().engine.search(&q).expect("search");
    assert!(!hits.is_empty() && hits.iter().all(|h| h.billable && h.code.starts_with("E11")), "{hits:?}");
}

#[test]
fn bad_and_empty_queries_never_panic() {
    assert!(codes("", 10).is_empty());
    assert!(codes("   ", 10).is_empty());
    let long = "diabetes ".repeat(1200);
    for q in
        ["\"", "a:b", "title:(diabetes", "[]", "{}", "*", "é日本", "\u{7}", "w/o", "'", &long, "0DTJ4ZZZZ"]
    {
        shared().engine.search(&Query::new(q)).expect("no error");
    }
}

#[test]
fn a_stale_manifest_triggers_a_rebuild() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("index");
    copy_dir(&shared().dir, &dir);
    let path = dir.join(build::MANIFEST);
    let mut m = build::read_manifest(&dir).expect("manifest");
    m.codeset_sha256 = "0".repeat(64);
    std::fs::write(&path, serde_json::to_string(&m).expect("json")).expect("write");
    let st = build::status(&dir, &shipped::edition());
    assert!(matches!(st.state, build::State::Stale(_)), "{:?}", st.state);
    let (engine, opened) =
        Engine::open_or_build(&dir, &shipped::edition(), &mut shipped::load, false, &mut |_| {})
            .expect("rebuild");
    assert!(matches!(&opened, Opened::Built(why) if why.contains("stale")), "{opened:?}");
    assert_eq!(engine.manifest().codeset_sha256, build::codeset_hash(&shipped::edition()));
    assert_eq!(build::status(&dir, &shipped::edition()).state, build::State::Fresh);
}

#[test]
fn a_damaged_index_is_rebuilt_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("index");
    let dir = root.join(shipped::EDITION_NAME);
    copy_dir(&shared().dir, &dir);
    for e in std::fs::read_dir(&dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.file_name().is_some_and(|n| n != build::MANIFEST) {
            std::fs::write(&p, b"garbage").expect("damage");
        }
    }
    let out =
        bin().arg("--index").arg(&root).args(["search", "e11.9", "--format", "jsonl"]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("damaged") && stderr.contains("building"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"code\":\"E11.9\""));
}

#[test]
fn concurrent_first_runs_all_succeed_with_the_same_results() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(shipped::EDITION_NAME);
    let children: Vec<_> = (0..3)
        .map(|_| {
            bin()
                .arg("--index")
                .arg(tmp.path())
                .args(["search", "heart attack", "--format", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().expect("wait")).collect();
    for o in &outs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(outs.iter().all(|o| o.stdout == outs[0].stdout));
    assert!(String::from_utf8_lossy(&outs[0].stdout).contains("I21"));
    assert_eq!(build::status(&dir, &shipped::edition()).state, build::State::Fresh);
    // Nothing left behind beside the index but the lock file.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into())
        .collect();
    let lock = format!(".{}.lock", shipped::EDITION_NAME);
    assert!(names.iter().all(|n| *n == shipped::EDITION_NAME || *n == lock), "{names:?}");
}

#[test]
fn a_prebuilt_index_in_a_read_only_folder_is_used_without_writing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let ro = tmp.path().join("ro");
    let dir = ro.join(shipped::EDITION_NAME);
    copy_dir(&shared().dir, &dir);
    let listing = |d: &Path| {
        let mut v: Vec<(String, u64)> = std::fs::read_dir(d)
            .expect("ls")
            .map(|e| {
                let e = e.expect("e");
                (e.file_name().to_string_lossy().into(), e.metadata().expect("meta").len())
            })
            .collect();
        v.sort();
        v
    };
    let before = (listing(&ro), listing(&dir));
    for e in std::fs::read_dir(&dir).expect("ls") {
        std::fs::set_permissions(e.expect("e").path(), std::fs::Permissions::from_mode(0o444))
            .expect("chmod");
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let out = bin().arg("--index").arg(&ro).args(["search", "htn"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("I10"), "{stdout}");
    assert_eq!((listing(&ro), listing(&dir)), before, "opening wrote to the read-only folder");
}

#[test]
fn batch_mode_writes_one_json_object_per_query_in_order() {
    let mut child = bin()
        .arg("--index")
        .arg(&shared().root)
        .args(["search", "--batch", "--limit", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"e11.9\n\nheart attack\n").expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["query"], "e11.9");
    let first = &lines[0]["results"][0];
    assert_eq!(first["code"], "E11.9");
    assert_eq!(first["set"], "icd10cm");
    assert_eq!(first["billable"], true);
    assert_eq!(first["matched"], "code");
    assert!(first["title"].as_str().is_some_and(|t| t.contains("diabetes")));
    assert!(first["score"].as_f64().is_some());
    assert_eq!(lines[1]["query"], "");
    assert_eq!(lines[1]["results"].as_array().map(Vec::len), Some(0));
    assert_eq!(lines[2]["query"], "heart attack");
    assert_eq!(lines[2]["results"].as_array().map(Vec::len), Some(3));
}

#[test]
fn index_status_reports_fresh_and_the_edition() {
    let out = bin().arg("--index").arg(&shared().root).args(["index", "status"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("state:          fresh") && stdout.contains(shipped::EDITION_NAME), "{stdout}");
}

#[test]
fn the_fallback_scan_honours_within_as_the_engine_does() {
    let book = std::sync::Arc::new(shipped::load().expect("load"));
    let scan = medcode::search::fallback::ScanSearch::new(&book).expect("the embedded vocabulary");
    // A query, its `within`, and what being under it means for a printed code.
    type Case = (&'static str, &'static str, fn(&str) -> bool);
    let cases: [Case; 4] = [
        ("diabetes", "E11", |c| c.starts_with("E11")),
        ("diabetes", "E08-E13", |c| ("E08".."E14").contains(&c)),
        ("diabetes", "4", |c| c.starts_with('E')),
        ("excision", "0DB", |c| c.starts_with("0DB")),
    ];
    for (text, within, under) in cases {
        let mut q = Query::new(text);
        q.within = Some(within.into());
        q.limit = 200;
        let engine: Vec<String> =
            shared().engine.search(&q).expect("search").into_iter().map(|h| h.code).collect();
        let fallback: Vec<String> = scan.search(&q).expect("scan").into_iter().map(|h| h.code).collect();
        for (name, got) in [("engine", &engine), ("fallback", &fallback)] {
            assert!(
                !got.is_empty() && got.iter().all(|c| under(c)),
                "{name}: {text} within {within}: {got:?}"
            );
        }
        assert!(engine.contains(&fallback[0]), "{text} within {within}: {} not in {engine:?}", fallback[0]);
    }
}
