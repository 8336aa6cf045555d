//! Integration tests: `medcode show` and `medcode codes` on the real binary and the shipped code sets.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use crate::support;

/// The binary in a fresh home, without colour.
fn medcode(home: &tempfile::TempDir) -> Command {
    let mut cmd = support::medcode(&home.path().join("data"));
    cmd.env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    medcode(&home).args(args).output().expect("medcode runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

#[test]
fn show_text_has_title_edition_status_path_and_notes_by_origin() {
    // Pinned to FY2026, whose label it checks (FY2027 is the default from 2026-10-01).
    let out = run(&["--edition", "fy2026-shipped", "show", "E11.22"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "E11.22  Type 2 diabetes mellitus with diabetic chronic kidney disease");
    assert!(text.contains("Set:       ICD-10-CM"), "{text}");
    assert!(
        text.contains("Edition:   fy2026-shipped (FY2026, April 1, 2026 update, 2026-04-01 to 2026-09-30)"),
        "{text}"
    );
    assert!(text.contains("Status:    billable"), "{text}");
    // The breadcrumb, chapter first.
    let chapter =
        text.find("Chapter 4 Endocrine, nutritional and metabolic diseases (E00-E89)").expect("chapter");
    let category = text.find("E11 Type 2 diabetes mellitus\n").expect("category");
    let parent = text.find("E11.2 Type 2 diabetes mellitus with kidney complications").expect("parent");
    assert!(chapter < category && category < parent);
    // Inherited notes name where they come from; the code's own do not.
    assert!(text.contains("  Excludes1 (from E11 Type 2 diabetes mellitus):\n"), "{text}");
    assert!(text.contains("    - type 1 diabetes mellitus (E10.-)"), "{text}");
    assert!(text.contains(
        "  Use additional code:\n    - code to identify stage of chronic kidney disease (N18.1-N18.6)"
    ));
}

#[test]
fn show_takes_codes_without_dot_and_tells_a_header_by_its_billable_codes() {
    let out = run(&["show", "e112"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("E11.2  Type 2 diabetes mellitus with kidney complications\n"), "{text}");
    assert!(text.contains("Status:    header, not billable: 3 billable codes below"), "{text}");
    let children = text.split("Children:\n").nth(1).expect("children");
    let children: Vec<&str> = children.lines().take(3).collect();
    assert_eq!(
        children,
        [
            "  E11.21 Type 2 diabetes mellitus with diabetic nephropathy",
            "  E11.22 Type 2 diabetes mellitus with diabetic chronic kidney disease",
            "  E11.29 Type 2 diabetes mellitus with other diabetic kidney complication",
        ]
    );
}

#[test]
fn show_json_is_one_object_with_the_documented_fields() {
    let out = run(&["show", "S52.521A", "--format", "json", "--date", "2026-09-30"]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["set"], "icd10cm");
    assert_eq!(v["code"], "S52.521A");
    assert_eq!(
        v["title"],
        "Torus fracture of lower end of right radius, initial encounter for closed fracture"
    );
    assert_eq!(v["kind"], "extension");
    assert_eq!(v["billable"], true);
    assert_eq!(v["edition"]["name"], "fy2026-shipped");
    assert_eq!(v["edition"]["effective_from"], "2026-04-01");
    assert_eq!(v["edition"]["effective_to"], "2026-09-30");
    let ancestors: Vec<&str> = v["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|a| a["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ancestors, ["CH19", "S50-S59", "S52", "S52.5", "S52.52", "S52.521"]);
    let notes = v["notes"].as_array().expect("notes");
    let seventh = notes.iter().find(|n| n["kind"] == "seventh_character").expect("7th characters");
    assert_eq!(seventh["origin"], "S52.52");
    assert!(
        seventh["texts"]
            .as_array()
            .expect("texts")
            .iter()
            .any(|t| t == "A  initial encounter for closed fracture")
    );
    let header = run(&["show", "S52.521", "--format", "json"]);
    let h: serde_json::Value = serde_json::from_slice(&header.stdout).expect("json");
    assert_eq!(h["billable"], false);
    assert_eq!(h["billable_below"], 6);
    assert_eq!(h["children"][0]["code"], "S52.521A");
    assert_eq!(h["children"][0]["billable"], true);
}

#[test]
fn show_an_unknown_code_exits_2_with_the_nearest_codes() {
    let out = run(&["--edition", "fy2026-shipped", "show", "E11.99"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`E11.99` is not an ICD-10-CM, ICD-10-PCS or HCPCS code in edition fy2026-shipped"),
        "{err}"
    );
    assert!(err.contains("E11.9 Type 2 diabetes mellitus without complications"), "{err}");
    // A 7th character the tabular rules out for this code.
    let out = run(&["show", "S06.1X7D"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("S06.1X7A"));
}

#[test]
fn codes_lists_exactly_the_billable_icd10cm_codes() {
    let out = run(&["--edition", "fy2026-shipped", "codes", "--set", "icd10cm", "--billable"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 74_719);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert_eq!(fields[2], "1", "{line}");
    }
    assert!(text.contains("\nE11.22\tType 2 diabetes mellitus with diabetic chronic kidney disease\t1\n"));
    assert!(text.contains(
        "\nT36.0X1A\tPoisoning by penicillins, accidental (unintentional), initial encounter\t1\n"
    ));
    assert!(!text.contains("\nE11.2\t"));
}

#[test]
fn codes_lists_headers_too_and_jsonl() {
    let out = run(&["--edition", "fy2026-shipped", "codes", "--set", "cm", "--format", "jsonl"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let mut billable = 0;
    let mut headers = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one object a line");
        assert_eq!(v["set"], "icd10cm");
        if v["billable"] == true { billable += 1 } else { headers += 1 }
    }
    assert_eq!(billable, 74_719);
    assert!(headers > 20_000, "{headers}");
    let first: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    assert_eq!(
        first,
        serde_json::json!({"set": "icd10cm", "code": "A00", "title": "Cholera", "billable": false})
    );
}

#[test]
fn codes_stops_quietly_when_the_reader_goes_away() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = medcode(&home)
        .args(["codes", "--set", "icd10cm"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("medcode runs");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    reader.read_line(&mut first).expect("a line");
    assert_eq!(first, "A00\tCholera\t0\n");
    drop(reader); // like `| head -1`
    let out = child.wait_with_output().expect("medcode ends");
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn codes_refuses_an_unknown_set() {
    let out = run(&["codes", "--set", "icd9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown code set"));
}

#[test]
fn show_a_pcs_code_explains_each_character() {
    let out = run(&["--edition", "fy2026-shipped", "show", "0dtj4zz"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("0DTJ4ZZ  Resection of Appendix, Percutaneous Endoscopic Approach\n"), "{text}");
    assert!(text.contains("Set:       ICD-10-PCS"), "{text}");
    assert!(text.contains("Edition:   fy2026-shipped (FY2026, 2025-10-01 to 2026-09-30)"), "{text}");
    assert!(text.contains("  3 Operation    T  Resection\n"), "{text}");
    assert!(
        text.contains("Definition: Cutting out or off, without replacement, all of a body part"),
        "{text}"
    );
    assert!(text.contains("  4 Body Part    J  Appendix\n"), "{text}");
    let json = run(&["show", "0DTJ4ZZ", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["set"], "icd10pcs");
    assert_eq!(v["complete"], true);
    assert_eq!(v["title_composed"], false);
    assert_eq!(v["characters"].as_array().map(Vec::len), Some(7));
    assert_eq!(v["characters"][4]["label"], "Percutaneous Endoscopic");
}

#[test]
fn show_a_pcs_table_offers_the_next_characters() {
    let out = run(&["show", "0DT"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("(composed from axis labels)"), "{text}");
    assert!(text.contains("Status:    partial code, 3 of 7 characters"), "{text}");
    assert!(text.contains("Next character (Body Part):\n"), "{text}");
    assert!(text.contains("  J  Appendix\n"), "{text}");
    // B20 is a CM category and a PCS table: CM first, PCS on request.
    let cm = stdout(&run(&["show", "B20"]));
    assert!(cm.starts_with("B20  Human immunodeficiency virus [HIV] disease\n"), "{cm}");
    assert!(cm.contains("medcode show --set icd10pcs B20"), "{cm}");
    let pcs = stdout(&run(&["show", "--set", "icd10pcs", "B20"]));
    assert!(pcs.contains("Set:       ICD-10-PCS"), "{pcs}");
}

#[test]
fn show_an_invalid_pcs_code_offers_the_valid_next_characters() {
    let out = run(&["show", "0DTJ4ZQ"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`0DTJ4Z` is valid; characters that can follow it:"), "{err}");
    assert!(err.contains("0DTJ4ZZ  No Qualifier"), "{err}");
}

#[test]
fn codes_of_every_set() {
    let out = run(&["--edition", "fy2026-shipped", "codes", "--billable"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let pcs = text.lines().filter(|l| !l.contains('.') && l.len() > 7 && l.as_bytes()[7] == b'\t').count();
    let pcs_only =
        stdout(&run(&["--edition", "fy2026-shipped", "codes", "--set", "icd10pcs"])).lines().count();
    assert!(pcs_only > 70_000, "{pcs_only}");
    // HCPCS: the 7,258 codes of the October 2025 file without a termination date.
    assert_eq!(text.lines().count(), 74_719 + pcs_only + 7_258);
    assert!(pcs >= pcs_only);
    assert!(text.contains("\n0DTJ4ZZ\tResection of Appendix, Percutaneous Endoscopic Approach\t1\n"));
}

#[test]
fn show_names_the_edition_it_cannot_find() {
    let out = run(&["--edition", "fy1999", "show", "E11.9"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no edition named `fy1999`"));
    let out = run(&["--edition", "fy2026-shipped", "show", "E11.9"]);
    assert!(out.status.success(), "{out:?}");
}

/// The same binary with a fixed "today".
fn run_on(today: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    medcode(&home).env("MEDCODE_TODAY", today).args(args).output().expect("medcode runs")
}

#[test]
fn fy2027_is_the_default_from_october_first_and_says_what_it_is() {
    let text = stdout(&run_on("2026-12-01", &["show", "I42.0"]));
    assert!(text.contains("Edition:   fy2027-shipped (FY2027 (assembled: codes and titles exact;"), "{text}");
    assert!(text.contains("Status:    header, not billable: 3 billable codes below"), "{text}");
    assert!(text.contains("Changed:   a billable code before fy2027-shipped"), "{text}");
    assert!(text.contains("I42.00 Dilated cardiomyopathy, unspecified"), "{text}");
    let before = stdout(&run_on("2026-09-15", &["show", "I42.0"]));
    assert!(
        before.contains("Edition:   fy2026-shipped") && before.contains("Status:    billable"),
        "{before}"
    );
}

#[test]
fn show_date_picks_the_edition_in_force_on_the_date_of_service() {
    for (date, edition, billable) in
        [("2026-09-30", "fy2026-shipped", true), ("2026-10-01", "fy2027-shipped", false)]
    {
        let out = run(&["show", "M72.2", "--format", "json", "--date", date]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["edition"]["name"], edition, "{date}");
        assert_eq!(v["billable"], billable, "{date}");
    }
    // A new code: marked new; unknown before October.
    let text = stdout(&run(&["show", "J4B", "--date", "2026-10-01"]));
    assert!(text.contains("New:       new in fy2027-shipped"), "{text}");
    assert_eq!(run(&["show", "J4B", "--date", "2026-09-30"]).status.code(), Some(2));
    // A deleted code names what replaces it.
    let out = run(&["show", "S23.420A", "--date", "2026-10-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("It is deleted in fy2027-shipped; codes that replace it: S23.421A")
    );
    // CMS's April 2026 PCS codes are FY2026 codes with their CMS title.
    let text = stdout(&run(&["show", "02HM3JZ", "--date", "2026-05-01"]));
    assert!(
        text.starts_with(
            "02HM3JZ  Insertion of Pacemaker Lead into Ventricular Septum, Percutaneous Approach\n"
        ),
        "{text}"
    );
    assert!(text.contains("its table is not in fy2026-shipped"), "{text}");
}

#[test]
fn diff_lists_added_deleted_retitled_codes_and_changed_notes() {
    let out = run(&["codesets", "diff", "fy2026-shipped", "fy2027-shipped"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("icd10cm fy2026-shipped -> fy2027-shipped: 190 added, 30 deleted, 4 retitled"),
        "{text}"
    );
    assert!(text.contains("  added    J4B      Pulmonary mycetoma"), "{text}");
    assert!(text.contains("  deleted  I42.0    Dilated cardiomyopathy"), "{text}");
    assert!(text.contains("  retitled Z29.14   Encounter for prophylactic rabies immune globulin"), "{text}");
    assert!(
        text.contains("  notes    M72.2    Inclusion terms") && text.contains("+ Ledderhose disease"),
        "{text}"
    );
}

#[test]
fn list_names_both_shipped_editions_the_one_in_use_and_their_gaps() {
    let out = run_on("2026-12-01", &["codesets", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["in_use"], "fy2027-shipped");
    let e = v["editions"].as_array().expect("editions");
    let names: Vec<&str> = e.iter().map(|e| e["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["fy2026-shipped", "fy2027-shipped"]);
    assert_eq!((e[1]["cm_billable"].as_u64(), e[1]["pcs_codes"].as_u64()), (Some(74_879), Some(79_256)));
    assert!(v["warning"].is_null(), "{}", v["warning"]);
    let gaps = |i: usize| {
        e[i]["caveats"]
            .as_array()
            .expect("caveats")
            .iter()
            .map(|c| c.as_str().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(gaps(0).contains("the April 2026 tables are not available"), "{}", gaps(0));
    assert!(gaps(1).contains("as of April 1, 2026 elsewhere"), "{}", gaps(1));
}

#[test]
fn xw0e33b_has_its_fy2026_title_until_fy2027_retitles_it() {
    // An April 2026 code that FY2027 retitles: FY2026 keeps the addenda's "Revise from".
    let first = |date: &str| {
        let out = run(&["show", "XW0E33B", "--date", date]);
        assert!(out.status.success(), "{out:?}");
        stdout(&out).lines().next().unwrap_or_default().to_string()
    };
    let fy2026 = first("2026-06-15");
    let fy2027 = first("2026-10-01");
    assert_eq!(
        fy2026,
        "XW0E33B  Introduction of DB-OTO via Intracochlear Infusion into Ear(s), Percutaneous Approach, New \
         Technology Group 11"
    );
    assert_eq!(
        fy2027,
        "XW0E33B  Introduction of Lunsotogene Parvec-cwha via Intracochlear Infusion into Ear(s), Percutaneous \
         Approach, New Technology Group 11"
    );
}

#[test]
fn search_marks_codes_new_in_the_edition() {
    let new_row = |date: &str| {
        let out = run(&["search", "pulmonary mycetoma", "--set", "icd10cm", "--date", date]);
        stdout(&out).lines().find(|l| l.starts_with("J4B ")).map(str::to_string)
    };
    let row = new_row("2026-10-01").expect("J4B is found in FY2027");
    assert!(row.contains(" new Pulmonary mycetoma"), "{row}");
    assert_eq!(new_row("2026-09-30"), None, "FY2026 has no J4B");
    let out = run(&["search", "pulmonary", "mycetoma", "--date", "2026-10-01", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hit = v["results"].as_array().and_then(|r| r.iter().find(|h| h["code"] == "J4B")).expect("J4B");
    assert_eq!(hit["new"], true, "{hit}");
    assert!(v["results"].as_array().unwrap().iter().any(|h| h.get("new").is_none()), "B47.9 is old: no flag");
}
