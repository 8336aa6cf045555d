//! Integration tests: importing a licensee's CPT file (an invented fixture in
//! the AMA's tab-separated layout: invented codes, invented descriptors).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::{run, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpt").join(name)
}

/// `medcode codesets import-cpt` of a fixture in a fresh data folder.
fn import(name: &str) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    let file = fixture(name);
    let out = run(&data, &["codesets", "import-cpt", file.to_str().expect("utf-8 path")]);
    (home, data, out)
}

#[test]
fn import_cpt_then_show_a_code_with_its_licence_year() {
    let (_home, data, out) = import("invented-cpt-2026.tsv");
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).starts_with("imported 6 CPT codes, licence year 2026, into "), "{out:?}");
    // Owner-only, as every file medcode writes.
    let stored = data.join("cpt/cpt.json");
    let mode = |p: &Path| std::fs::metadata(p).expect("stored").permissions().mode() & 0o777;
    assert_eq!((mode(&stored), mode(&data.join("cpt"))), (0o600, 0o700));

    let out = run(&data, &["show", "99990"]);
    assert!(out.status.success(), "{out:?}");
    let shown = text(&out.stdout);
    assert!(shown.starts_with("99990  Invented fixture visit: review of a pretend widget"), "{shown}");
    for line in [
        "Set:       CPT (your licensed AMA file, licence year 2026)",
        "Medium:    Invented pretend widget review, 15 min",
        "Short:     INVENTED WIDGET REVIEW 15",
        "Category:  I",
    ] {
        assert!(shown.contains(&format!("{line}\n")), "{line}: {shown}");
    }
    // A code in an AMA section range is placed in it.
    assert!(text(&run(&data, &["show", "69989"]).stdout).contains("Section:   Surgery\n"));
    let json: serde_json::Value =
        serde_json::from_slice(&run(&data, &["show", "0000t", "--format", "json"]).stdout).expect("json");
    assert_eq!((json["set"].as_str(), json["category"].as_str()), (Some("cpt"), Some("III")));
    assert_eq!(json["licence_year"], "2026");
    // A CPT-shaped code the file lacks says so, naming the licence year.
    let out = run(&data, &["show", "99213"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(text(&out.stderr).contains("It is not in your CPT file (licence year 2026"), "{out:?}");
}

#[test]
fn a_bad_layout_names_file_and_line_and_installs_nothing() {
    let (_home, data, out) = import("bad-layout-2026.tsv");
    assert!(!out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    assert!(err.contains("bad-layout-2026.tsv:2:0: 3 tab-separated field(s); expected 4"), "{err}");
    assert!(!data.join("cpt/cpt.json").exists());
    let out = run(&data, &["show", "99990"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(text(&out.stderr).contains("CPT is not loaded"), "{out:?}");
}

/// `medcode queue apply` of `ops` on `record` of the queue `q` (the FY2026 edition the example dates need).
fn apply(data: &Path, q: &Path, record: &str, ops: &[String]) -> std::process::Output {
    let mut args = vec!["--edition", "fy2026-shipped", "queue", "apply", q.to_str().expect("utf8"), record];
    args.extend(ops.iter().map(String::as_str));
    run(data, &args)
}

fn attach(code: &str, set: &str, kind: &str) -> String {
    format!(r#"{{"op":"attach","code":"{code}","set":"{set}","kind":"{kind}"}}"#)
}

#[test]
fn a_cpt_code_is_attached_only_from_an_imported_file_and_the_key_then_finds_it() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    let q = crate::support::queue_copy(home.path());
    // No CPT imported: attaching one says how to load it, and nothing is saved.
    let out = apply(&data, &q, "OP-5003", &[attach("99993", "cpt", "procedure")]);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        text(&out.stderr).contains("operation 1: 99993: CPT is not loaded: import your licensed AMA file with medcode codesets import-cpt FILE; nothing was saved"),
        "{out:?}"
    );
    let file = fixture("invented-cpt-2026.tsv");
    let out = run(&data, &["codesets", "import-cpt", file.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    // A CPT code the licensed file lacks is refused.
    let out = apply(&data, &q, "OP-5003", &[attach("99213", "cpt", "procedure")]);
    assert!(text(&out.stderr).contains("99213: it is not in your CPT file (licence year 2026)"), "{out:?}");
    let ops = [
        attach("M17.11", "icd10cm", "diagnosis"),
        attach("J1100", "hcpcs", "procedure"),
        r#"{"op":"set_modifiers","index":1,"modifiers":["JZ"]}"#.to_string(),
        r#"{"op":"set_units","index":1,"units":4}"#.to_string(),
        r#"{"op":"set_pointers","index":1,"pointers":["A"]}"#.to_string(),
        attach("99993", "cpt", "procedure"),
        r#"{"op":"set_pointers","index":2,"pointers":["A"]}"#.to_string(),
        r#"{"op":"done"}"#.to_string(),
    ];
    let out = apply(&data, &q, "OP-5003", &ops);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // No edit errors: `done` needed no override.
    let out = run(&data, &["--edition", "fy2026-shipped", "queue", "edits", q.to_str().expect("utf8")]);
    let edits = text(&out.stdout);
    assert!(!edits.contains("99993:"), "{edits}");
    let out = run(&data, &["queue", "score", q.to_str().expect("utf8")]);
    let s = text(&out.stdout);
    assert!(s.contains("OP-5003  score 100%: 3 right, 0 missing, 0 extra"), "{s}");
}

#[test]
fn the_fixed_width_files_import_together_and_a_bad_line_is_named() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    let files: Vec<PathBuf> =
        ["CPT2026_LONGULT.txt", "CPT2026_MEDU.txt", "CPT2026_SHORTU.txt"].map(fixture).into();
    let mut args = vec!["codesets", "import-cpt"];
    args.extend(files.iter().map(|f| f.to_str().expect("utf-8 path")));
    let out = run(&data, &args);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).starts_with("imported 6 CPT codes, licence year 2026, into "), "{out:?}");
    let shown = text(&run(&data, &["show", "99991"]).stdout);
    for line in [
        "99991  Invented fixture visit: review of a pretend widget by a pretend clinician, 30 minutes (not an AMA descriptor)",
        "Medium:    Invented pretend widget review, 30 min",
        "Short:     INVENTED WIDGET REVIEW 30",
    ] {
        assert!(shown.contains(&format!("{line}\n")), "{line}: {shown}");
    }

    // The long file alone: no medium or short descriptor is made up.
    let out = run(&data, &["codesets", "import-cpt", files[0].to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    let shown = text(&run(&data, &["show", "0000T"]).stdout);
    assert!(shown.starts_with("0000T  Invented fixture technology: pretend gadget scan"), "{shown}");
    assert!(!shown.contains("Medium:") && !shown.contains("Short:"), "{shown}");

    // Two files of one descriptor are refused.
    let long = files[0].to_str().expect("utf-8 path");
    let out = run(&data, &["codesets", "import-cpt", long, long]);
    assert!(text(&out.stderr).contains("both hold Long descriptors"), "{out:?}");

    // A four-character code: file, line and field; the earlier import stays.
    let bad = fixture("bad-fixed-2026.txt");
    let out = run(&data, &["codesets", "import-cpt", bad.to_str().expect("utf-8 path")]);
    assert!(!out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    assert!(
        err.contains("bad-fixed-2026.txt:2:0: field code (columns 1-5): `9999 ` is not a CPT code"),
        "{err}"
    );
    assert!(
        text(&run(&data, &["show", "0000T"]).stdout)
            .starts_with("0000T  Invented fixture technology: pretend gadget scan")
    );
}
