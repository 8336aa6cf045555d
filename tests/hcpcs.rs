//! Integration tests: HCPCS Level II from the shipped CMS October 2025 file,
//! through the binary and the shared index; the code-shape ambiguity rule.

use std::process::Output;

use medcode::codeset::CodeSet;
use medcode::search::{Query, Search};

use crate::support::index::shared;

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    crate::support::run(&home.path().join("data"), args)
}

fn stdout(out: &Output) -> String {
    crate::support::text(&out.stdout)
}

#[test]
fn show_an_hcpcs_code_with_its_dates_indicators_and_section() {
    let out = run(&["show", "E0114"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "E0114  Crutches underarm, other than wood, adjustable or fixed, pair, with pads, tips and handgrips\n\
             Set:       HCPCS Level II\nShort:     Crutch underarm pair no wood\n"
        ),
        "{text}"
    );
    for line in [
        "Section:   E  Durable Medical Equipment",
        "Status:    valid",
        "Added:     1986-01-01",
        "Effective: 1997-01-01 (action N (no change))",
        "Coverage:  D (special coverage instructions apply)",
        "BETOS:     D1E",
        "Type of service: A P R",
    ] {
        assert!(text.contains(&format!("{line}\n")), "{line}: {text}");
    }
    assert!(text.contains("October 2025 quarter (Q4 2025), 2025-10-01 to 2025-12-31"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["show", "e0114", "--format", "json"]).stdout).expect("json");
    assert_eq!(json["set"], "hcpcs");
    assert_eq!(json["section"], "E");
    assert_eq!(json["added"], "1986-01-01");
    assert_eq!(json["terminated"], serde_json::Value::Null);
}

#[test]
fn show_a_modifier() {
    let out = run(&["show", "AA"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("AA  Anesthesia services performed personally by anesthesiologist\n"), "{text}");
    assert!(text.contains("Set:       HCPCS Level II modifier\n"), "{text}");
}

#[test]
fn j1100_is_read_both_ways_and_says_so() {
    let out = run(&["show", "J1100"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let head: Vec<&str> = text.lines().take(4).collect();
    assert_eq!(head[0], "J1100 has 2 readings, each with its set:");
    assert!(
        head[1].starts_with("  HCPCS Level II  J1100    Injection, dexamethasone sodium phosphate, 1 mg"),
        "{text}"
    );
    assert!(
        head[2].starts_with("  ICD-10-CM       J11.00   Influenza due to unidentified influenza virus"),
        "{text}"
    );
    assert_eq!(head[3], "(--set hcpcs or --set icd10cm shows one)");
    assert!(
        text.contains("Set:       HCPCS Level II\n") && text.contains("Set:       ICD-10-CM\n"),
        "{text}"
    );
    // The dot is ICD-10-CM's alone; `--set` picks one reading.
    for (args, set) in [
        (&["show", "J11.00"][..], "Set:       ICD-10-CM\n"),
        (&["show", "--set", "hcpcs", "J1100"][..], "Set:       HCPCS Level II\n"),
        (&["show", "--set", "icd10cm", "J1100"][..], "Set:       ICD-10-CM\n"),
    ] {
        let out = run(args);
        let text = stdout(&out);
        assert!(out.status.success() && !text.contains("readings"), "{args:?}: {text}");
        assert!(text.contains(set), "{args:?}: {text}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["show", "j1100", "--format", "json"]).stdout).expect("json");
    assert_eq!(json["ambiguous"], true);
    let sets: Vec<&str> =
        json["readings"].as_array().expect("readings").iter().filter_map(|r| r["set"].as_str()).collect();
    assert_eq!(sets, ["hcpcs", "icd10cm"]);
}

#[test]
fn cpt_shaped_codes_are_answered_as_cpt() {
    for code in ["99213", "0001F", "0001T"] {
        let out = run(&["show", code]);
        assert_eq!(out.status.code(), Some(3), "{code}: {out:?}");
        let err = crate::support::text(&out.stderr);
        assert!(
            err.contains(&format!("`{code}` is a CPT code"))
                && err.contains(
                    "CPT is not loaded: import your licensed AMA file with medcode codesets import-cpt FILE"
                ),
            "{code}: {err}"
        );
        assert!(out.stdout.is_empty() && !err.contains("Nearest"), "{code}: {err}");
    }
}

#[test]
fn codes_lists_every_hcpcs_code() {
    let out = run(&["codes", "--set", "hcpcs"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8_463);
    assert_eq!(lines.iter().filter(|l| l.ends_with("\t1")).count(), 7_258);
    assert!(
        lines.contains(&"J1100\tInjection, dexamethasone sodium phosphate, 1 mg\t1"),
        "{:?}",
        &lines[..3]
    );
    let billable = run(&["codes", "--set", "hcpcs", "--billable"]);
    assert_eq!(stdout(&billable).lines().count(), 7_258);
}

#[test]
fn codesets_list_names_the_hcpcs_quarter() {
    let out = run(&["codesets", "list"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("8463 HCPCS Level II codes and 383 modifiers"), "{text}");
    assert!(
        text.contains("HCPCS Level II codes and modifiers") && text.contains("October 2025 quarter"),
        "{text}"
    );
}

fn search(text: &str, set: Option<CodeSet>) -> Vec<(CodeSet, String)> {
    let mut q = Query::new(text);
    q.set = set;
    q.limit = 10;
    shared().engine.search(&q).expect("search").into_iter().map(|h| (h.set, h.code)).collect()
}

#[test]
fn search_finds_both_readings_of_j1100_with_their_sets() {
    let hits = search("J1100", None);
    let top2: Vec<&(CodeSet, String)> = hits.iter().take(2).collect();
    assert!(top2.contains(&&(CodeSet::Hcpcs, "J1100".to_string())), "{hits:?}");
    assert!(top2.contains(&&(CodeSet::Icd10cm, "J11.00".to_string())), "{hits:?}");
}

#[test]
fn hcpcs_vocabulary_and_the_set_filter() {
    // `inj` is read as `injection`: the dexamethasone injections (J1094, J1100, ...) lead.
    let inj = search("inj dexamethasone", Some(CodeSet::Hcpcs));
    assert!(inj.iter().take(3).any(|h| h.1 == "J1100"), "{inj:?}");
    // `w/c` is a wheelchair: the DME sections (E, K) that hold them.
    let wc = search("w/c", Some(CodeSet::Hcpcs));
    assert!(!wc.is_empty() && wc.iter().all(|h| h.0 == CodeSet::Hcpcs), "{wc:?}");
    assert!(wc.iter().take(5).all(|h| h.1.starts_with(['E', 'K'])), "{wc:?}");
    let crutches = search("dme crutches underarm", Some(CodeSet::Hcpcs));
    assert!(crutches.iter().take(10).any(|h| h.1 == "E0114"), "{crutches:?}");
}

#[test]
fn codesets_import_takes_a_cms_quarterly_file_by_its_content_and_names_its_quarter() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    let run = |args: &[&str]| crate::support::run(&data, args);
    // The txt twin (rows of the October 2025 file), under a name that says nothing.
    let release = home.path().join("release");
    std::fs::create_dir(&release).expect("mkdir");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hcpcs/hcpcs-2025-oct-sample.txt");
    std::fs::copy(&fixture, release.join("quarterly.dat")).expect("copy");
    let out = run(&["codesets", "import", release.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    let said = stdout(&out);
    assert!(said.contains("quarterly.dat: HCPCS Level II codes and modifiers\n"), "{said}");
    assert!(said.contains("hcpcs-2025q4"), "{said}");
    let list = stdout(&run(&["codesets", "list"]));
    let ours = list.split("hcpcs-2025q4 [").nth(1).expect("the edition is listed");
    assert!(ours.contains("HCPCS Level II codes and modifiers       October 2025 quarter (Q4 2025) (2025-10-01 to 2025-12-31)"), "{ours}");
    assert!(ours.contains("11 HCPCS Level II codes and 3 modifiers"), "{ours}");
    let shown = stdout(&run(&["--edition", "hcpcs-2025q4", "show", "E0114"]));
    assert!(shown.contains("tips and handgrips\nSet:       HCPCS Level II\n"), "{shown}");
    assert!(shown.contains("hcpcs-2025q4 (October 2025 quarter (Q4 2025)"), "{shown}");
    let codes = stdout(&run(&["--edition", "hcpcs-2025q4", "codes", "--set", "hcpcs"]));
    assert_eq!(codes.lines().count(), 11, "{codes}");

    // The xlsx, renamed: recognised as a workbook of HCPCS rows, not skipped as an Office document.
    let xlsx = home.path().join("xlsx");
    std::fs::create_dir(&xlsx).expect("mkdir");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("codesets/hcpcs-2025-oct.xlsx");
    std::fs::copy(&shipped, xlsx.join("download.bin")).expect("copy");
    let out = run(&["codesets", "import", xlsx.to_str().expect("utf-8 path"), "--name", "hcpcs-oct"]);
    assert!(out.status.success(), "{out:?}");
    let list = stdout(&run(&["codesets", "list"]));
    let ours = list.split("hcpcs-oct [").nth(1).expect("the edition is listed");
    assert!(ours.contains("8463 HCPCS Level II codes and 383 modifiers"), "{ours}");
}
