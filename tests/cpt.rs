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
