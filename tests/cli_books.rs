//! Integration tests: `medcode table` on the real shipped tables, and
//! `medcode codesets import|list` with releases built from the real shipped files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use medcode::codeset::shipped;
use serde_json::Value;

use crate::support;

/// `medcode args` on `data`, on a fixed day.
fn medcode(data: &Path, args: &[&str]) -> Output {
    support::medcode(data).env("MEDCODE_TODAY", "2026-11-25").args(args).output().expect("run medcode")
}

fn stdout(o: &Output) -> String {
    support::text(&o.stdout)
}

fn stderr(o: &Output) -> String {
    support::text(&o.stderr)
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "stdout {}\nstderr {}", stdout(o), stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn cell<'a>(row: &'a Value, heading: &str) -> &'a Value {
    row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["heading"] == heading)
        .unwrap_or_else(|| panic!("{heading}"))
}

#[test]
fn neoplasm_breast_flags_headers_and_offers_billable_codes() {
    let data = tempfile::tempdir().unwrap();
    let out =
        json(&medcode(data.path(), &["table", "neoplasm", "breast", "--format", "json", "--limit", "0"]));
    assert_eq!(out["edition"], shipped::EDITION_NAME);
    assert_eq!(out["book_version"], "2025");
    let rows = out["rows"].as_array().unwrap();
    let breast = rows
        .iter()
        .find(|r| {
            r["path"].as_array().unwrap().len() == 2 && r["path"][1].as_str().unwrap().starts_with("breast")
        })
        .expect("Neoplasm, neoplastic > breast");
    assert!(breast["path_text"].as_str().unwrap().starts_with("Neoplasm, neoplastic > breast"));
    let primary = &cell(breast, "Malignant Primary")["code"];
    assert_eq!(primary["code"], "C50.9-");
    assert!(rows.iter().any(|r| r["path_text"].as_str().unwrap().contains("upper-inner quadrant")));
    // C50.9- is a header: flagged, with the billable codes below it offered.
    assert_eq!(primary["status"], "header", "{primary}");
    assert_eq!(primary["reason"], "incomplete: more characters needed");
    let offered: Vec<&str> =
        primary["billable"].as_array().unwrap().iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert!(offered.contains(&"C50.911") && offered.iter().all(|c| c.starts_with("C50.9")), "{offered:?}");
    assert_eq!(primary["total"], offered.len());
    assert_eq!(cell(breast, "Malignant Secondary")["code"]["code"], "C79.81");
    assert_eq!(cell(breast, "Malignant Secondary")["code"]["status"], "billable");
    // Text output says the edition and shows each heading.
    // FY2026 on 2026-11-25: out of force, and it says so.
    let text =
        medcode(data.path(), &["--edition", "fy2026-shipped", "table", "neoplasm", "breast", "upper-inner"]);
    let text = stdout(&text);
    assert!(text.contains("Table of Neoplasms 2025"), "{text}");
    assert!(text.contains("fy2026-shipped"), "{text}");
    assert!(text.contains("warning: edition fy2026-shipped is not in force today (2026-11-25)"), "{text}");
    assert!(text.contains("Malignant Primary") && text.contains("C50.2-"), "{text}");
}

#[test]
fn drug_acetaminophen_columns() {
    let data = tempfile::tempdir().unwrap();
    let out = json(&medcode(data.path(), &["table", "drug", "acetaminophen", "--format", "json"]));
    let row = &out["rows"][0];
    assert_eq!(row["path_text"], "Acetaminophen");
    assert_eq!(cell(row, "Poisoning Accidental (unintentional)")["code"]["code"], "T39.1X1");
    assert_eq!(cell(row, "Adverse effect")["code"]["code"], "T39.1X5");
    assert_eq!(cell(row, "Underdosing")["code"]["code"], "T39.1X6");
    // T39.1X1 needs a 7th character: not billable as printed; A, D and S offered.
    let c = &cell(row, "Poisoning Accidental (unintentional)")["code"];
    assert_eq!(
        (c["status"].as_str(), c["reason"].as_str()),
        (Some("header"), Some("needs a 7th character")),
        "{c}"
    );
    let offered: Vec<&str> =
        c["billable"].as_array().unwrap().iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert_eq!(offered, ["T39.1X1A", "T39.1X1D", "T39.1X1S"]);
    // Text: the term, then its cells as `heading: code` pairs; the codes under a header with --expand.
    let text = stdout(&medcode(data.path(), &["table", "drug", "acetaminophen"]));
    assert!(
        text.contains("\nAcetaminophen\n    Poisoning Accidental (unintentional): T39.1X1 (header);"),
        "{text}"
    );
    assert!(text.contains("Adverse effect: T39.1X5 (header)"), "{text}");
    assert!(text.contains("header: not billable, needs a 7th character (--expand"), "{text}");
    assert!(!text.contains("T39.1X5A"), "{text}");
    let text = stdout(&medcode(data.path(), &["table", "drug", "acetaminophen", "--expand"]));
    assert!(text.contains("Adverse effect: T39.1X5: billable codes below (3):"), "{text}");
    assert!(
        text.contains("T39.1X5A  Adverse effect of 4-Aminophenol derivatives, initial encounter"),
        "{text}"
    );
    let none = medcode(data.path(), &["table", "drug", "nosuchsubstancexyz"]);
    assert!(!none.status.success());
    assert!(stdout(&none).contains("no term matches"));
}

#[test]
fn external_index_rows_have_codes_and_see_references() {
    let data = tempfile::tempdir().unwrap();
    let out = json(&medcode(data.path(), &["table", "external", "accident", "aircraft", "--format", "json"]));
    assert_eq!(out["book"], "ICD-10-CM Index to External Causes");
    assert_eq!(out["rows"][0]["see_also"], "Accident, transport, aircraft");
    let out =
        json(&medcode(data.path(), &["table", "external", "bare", "foot", "water", "--format", "json"]));
    let code = &out["rows"][0]["code"];
    assert_eq!((code["code"].as_str(), code["status"].as_str()), (Some("V94.4"), Some("header")), "{code}");
    assert_eq!(code["billable"][0]["code"], "V94.4XXA");
    // The shipped edition has no Alphabetic Index: said plainly.
    let o = medcode(data.path(), &["table", "index", "anemia"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no ICD-10-CM Alphabetic Index"), "{}", stderr(&o));
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// A CDC-like release folder from the shipped files, under release-like names.
fn cdc_folder(dir: &Path) -> PathBuf {
    let root = dir.join("release");
    write(
        &root.join("icd10cm-tabular-April-2026/icd10cm-tabular-April-2026.xml"),
        &shipped::CM_TABULAR.bytes(),
    );
    write(&root.join("icd10cm-table-index-2025/icd10cm_drug_2025.xml"), &shipped::CM_DRUG.bytes());
    write(&root.join("icd10cm-table-index-2025/icd10cm_neoplasm_2025.xml"), &shipped::CM_NEOPLASM.bytes());
    write(
        &root.join("icd10cm-table-index-2025/nested/icd10cm_eindex_2025.xml"),
        &shipped::CM_EXTERNAL.bytes(),
    );
    write(&root.join("README.txt"), b"Synthetic readme: not a release file.\n");
    root
}

enum Layout {
    /// CMS `icd10pcs_order_YYYY.txt`: order number, code, header flag, short and long title.
    Order,
    /// CMS `icd10pcs_codes_YYYY.txt`: code, space, long title.
    Codes,
}

/// The shipped PCS titles rewritten in one of the CMS text layouts.
fn pcs_titles_as(layout: Layout) -> Vec<u8> {
    let tsv = String::from_utf8(shipped::PCS_TITLES.bytes()).unwrap();
    let mut out = String::new();
    for (i, line) in tsv.lines().skip(1).enumerate() {
        let (code, title) = line.split_once('\t').unwrap();
        match layout {
            Layout::Order => {
                let short: String = title.chars().take(60).collect();
                out.push_str(&format!("{:05} {code:<7} 1 {short:<60} {title}\n", i + 1));
            }
            Layout::Codes => out.push_str(&format!("{code} {title}\n")),
        }
    }
    out.into_bytes()
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn import_a_folder_then_list_and_select_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let root = cdc_folder(tmp.path());
    let o = medcode(&data, &["codesets", "import", root.to_str().unwrap(), "--name", "cdc-april"]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    assert!(text.contains("skipped") && text.contains("README.txt"), "{text}");
    assert!(text.contains("April 1 update"), "{text}");
    assert!(text.contains("ICD-10-PCS is taken from the shipped edition"), "{text}");

    let dir = data.join("editions/cdc-april");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(std::fs::metadata(dir.join("edition.json")).unwrap().permissions().mode() & 0o777, 0o600);
    let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join("edition.json")).unwrap()).unwrap();
    let tab = manifest["components"].as_array().unwrap().iter().find(|c| c["kind"] == "cm-tabular").unwrap();
    assert_eq!(tab["effective_from"], "2026-04-01");
    assert_eq!(tab["effective_to"], "2026-09-30");
    assert_eq!(tab["sha256"], shipped::FILES[0].2);
    assert!(tab["source"].as_str().unwrap().ends_with("icd10cm-tabular-April-2026.xml"));

    let list = json(&medcode(&data, &["codesets", "list", "--format", "json"]));
    let names: Vec<&str> =
        list["editions"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, [shipped::FY2026, shipped::FY2027, "cdc-april"]);
    // The same tabular and PCS files as fy2026-shipped: the same counts, read back through the same parsers.
    for e in list["editions"].as_array().unwrap().iter().filter(|e| e["name"] != shipped::FY2027) {
        assert_eq!((e["cm_billable"].as_u64(), e["pcs_codes"].as_u64()), (Some(74_719), Some(79_115)), "{e}");
    }
    // One label per file: the imported April tabular is labelled as the shipped one.
    let shipped_tab = &list["editions"][0]["components"][0];
    let imported_tab = &list["editions"][2]["components"][0];
    for field in ["label", "effective_from", "effective_to", "sha256"] {
        assert_eq!(shipped_tab[field], imported_tab[field], "{field}");
    }
    // On 2026-11-25 FY2027 is in force: the shipped FY2027 edition is used by default.
    assert_eq!(list["in_use"], shipped::FY2027);
    assert!(list["warning"].is_null(), "{}", list["warning"]);
    // In May 2026 the import of the same period as fy2026-shipped supersedes it.
    let may = support::medcode(&data)
        .args(["codesets", "list"])
        .env("MEDCODE_TODAY", "2026-05-01")
        .output()
        .expect("run medcode");
    let text = stdout(&may);
    assert!(text.contains("* cdc-april [IN USE"), "{text}");
    assert!(text.contains("superseded by the imported edition cdc-april"), "{text}");
    assert!(text.contains("not in force today"), "{text}");

    let o =
        medcode(&data, &["--edition", "cdc-april", "table", "external", "bare", "foot", "--format", "json"]);
    assert_eq!(json(&o)["edition"], "cdc-april");
    let o =
        medcode(&data, &["--edition", shipped::EDITION_NAME, "table", "drug", "abrine", "--format", "json"]);
    assert_eq!(json(&o)["edition"], shipped::EDITION_NAME);
    let o = medcode(&data, &["--edition", "fy1999", "table", "drug", "abrine"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("available: fy2026-shipped, fy2027-shipped, cdc-april"), "{}", stderr(&o));
}

#[test]
fn import_a_zip_of_zips_with_both_code_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let tables = zip_of(&[
        ("icd10cm_drug_2025.xml", shipped::CM_DRUG.bytes()),
        ("icd10cm_neoplasm_2025.xml", shipped::CM_NEOPLASM.bytes()),
        ("Guidelines.pdf", b"%PDF-1.7 synthetic".to_vec()),
    ]);
    let pcs = zip_of(&[
        ("icd10pcs_tables_2026.xml", shipped::PCS_TABLES.bytes()),
        ("icd10pcs_definitions_2026.xml", shipped::PCS_DEFINITIONS.bytes()),
        ("icd10pcs_order_2026.txt", pcs_titles_as(Layout::Order)),
    ]);
    let outer = zip_of(&[
        ("icd10cm-tabular-2026/icd10cm_tabular_2026.xml", shipped::CM_TABULAR.bytes()),
        ("icd10cm-table-index-2025.zip", tables),
        ("2026-icd-10-pcs-codes-file.zip", pcs),
    ]);
    let path = tmp.path().join("download.zip");
    write(&path, &outer);
    let o = medcode(&data, &["codesets", "import", path.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    // No April hint in the text or the name, but the tabular is byte for byte the
    // shipped April 1, 2026 file: one label per file, so it is named and dated as that.
    assert!(text.contains("installed edition fy2026-april "), "{text}");
    assert!(text.contains("Guidelines.pdf: a PDF document"), "{text}");
    assert!(!text.contains("taken from the shipped edition"), "{text}");
    let list = json(&medcode(&data, &["codesets", "list", "--format", "json"]));
    let e = list["editions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "fy2026-april")
        .expect("fy2026-april listed");
    let kinds: Vec<&str> =
        e["components"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["cm-tabular", "cm-neoplasm", "cm-drug", "pcs-tables", "pcs-definitions", "pcs-titles", "hcpcs"],
        "HCPCS comes from the shipped edition: an ICD-10 release has none"
    );
    let tab = &e["components"][0];
    assert_eq!(
        (tab["effective_from"].as_str(), tab["effective_to"].as_str()),
        (Some("2026-04-01"), Some("2026-09-30"))
    );
    assert!(tab["source"].as_str().unwrap().contains("download.zip!icd10cm-tabular-2026/"), "{tab}");
    assert!(e["problem"].is_null(), "{e}");
    // On 2026-11-25 the shipped FY2027 edition is the one in force: it stays the default.
    assert_eq!(list["in_use"], shipped::EDITION_NAME);
    let o = medcode(&data, &["--edition", "fy2026-april", "table", "neoplasm", "breast", "--format", "json"]);
    assert_eq!(json(&o)["edition"], "fy2026-april");
    // This release has no Index to External Causes.
    let o = medcode(&data, &["--edition", "fy2026-april", "table", "external", "fall"]);
    assert!(stderr(&o).contains("has no ICD-10-CM Index to External Causes"), "{}", stderr(&o));
}

#[test]
fn a_broken_release_names_the_file_and_keeps_the_installed_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let good = cdc_folder(tmp.path());
    let o = medcode(&data, &["codesets", "import", good.to_str().unwrap(), "--name", "mine"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // A truncated tabular.
    let bad = tmp.path().join("bad");
    let tabular = shipped::CM_TABULAR.bytes();
    write(&bad.join("icd10cm_tabular_2027.xml"), &tabular[..tabular.len() / 3]);
    let o = medcode(&data, &["codesets", "import", bad.to_str().unwrap(), "--name", "mine"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("icd10cm_tabular_2027.xml:"), "{err}");
    // file:line:column
    let pos = err.split("icd10cm_tabular_2027.xml:").nth(1).unwrap();
    let mut parts = pos.split(':');
    assert!(parts.next().unwrap().parse::<usize>().unwrap() > 1, "{err}");
    assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{err}");

    // Malformed XML in a table.
    let bad2 = tmp.path().join("bad2");
    write(&bad2.join("tabular.xml"), &tabular);
    write(&bad2.join("drug.xml"), b"<?xml version=\"1.0\"?>\n<ICD10CM.index>\n<version>2026</version>\n<letter><title>A</title>\n<mainTerm><title>Abc</title><cell col=\"2\">T51.3X1</cel></mainTerm>\n</letter></ICD10CM.index>\n");
    let o = medcode(&data, &["codesets", "import", bad2.to_str().unwrap(), "--name", "mine"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("drug.xml:5:"), "{}", stderr(&o));

    // The good edition is still there and loads; no temporary folders left behind.
    let o = medcode(&data, &["--edition", "mine", "table", "drug", "abrine", "--format", "json"]);
    let out = json(&o);
    assert_eq!(out["edition"], "mine");
    assert_eq!(out["rows"][0]["cells"][0]["code"]["code"], "T62.2X1");
    let leftovers: Vec<String> = std::fs::read_dir(data.join("editions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["mine"]);

    // Importing a good release over it replaces it.
    let o = medcode(&data, &["codesets", "import", good.to_str().unwrap(), "--name", "mine"]);
    assert!(stdout(&o).contains("replaced edition mine"), "{}", stdout(&o));

    // A stored file damaged afterwards is caught by its sha256, and listed as a problem.
    let stored = data.join("editions/mine/cm-drug.xml.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"<ICD10CM.index><version>2025</version></ICD10CM.index>").unwrap();
    std::fs::write(&stored, gz.finish().unwrap()).unwrap();
    let o = medcode(&data, &["--edition", "mine", "table", "drug", "abrine"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cm-drug.xml.gz: damaged"), "{}", stderr(&o));
    let list = json(&medcode(&data, &["codesets", "list", "--format", "json"]));
    // After the two shipped editions.
    assert!(list["editions"][2]["problem"].as_str().unwrap().contains("damaged"), "{}", list["editions"][2]);
}

#[test]
fn a_release_without_a_tabular_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rel = tmp.path().join("rel");
    write(&rel.join("icd10cm_drug_2025.xml"), &shipped::CM_DRUG.bytes());
    write(&rel.join("notes.txt"), b"nothing here\n");
    let o = medcode(&data, &["codesets", "import", rel.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("only ICD-10-CM Table of Drugs and Chemicals"), "{err}");
    assert!(err.contains("needs an ICD-10-CM tabular"), "{err}");
    // Two different full tabulars: ambiguous, refused.
    let two = tmp.path().join("two");
    let tabular = shipped::CM_TABULAR.bytes();
    write(&two.join("a/tabular.xml"), &tabular);
    let mut other = tabular.clone();
    other.extend_from_slice(b"<!-- another printing -->\n");
    write(&two.join("b/tabular.xml"), &other);
    let o = medcode(&data, &["codesets", "import", two.to_str().unwrap()]);
    assert!(stderr(&o).contains("two different ICD-10-CM Tabular List files"), "{}", stderr(&o));
    let empty = tmp.path().join("empty");
    write(&empty.join("a.txt"), b"hello\n");
    let o = medcode(&data, &["codesets", "import", empty.to_str().unwrap()]);
    assert!(stderr(&o).contains("no release file medcode reads"), "{}", stderr(&o));
    assert!(
        !data.join("editions").exists() || std::fs::read_dir(data.join("editions")).unwrap().next().is_none()
    );
}

#[test]
fn a_pcs_only_release_takes_icd10cm_from_the_shipped_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rel = tmp.path().join("cms");
    write(&rel.join("icd10pcs_tables_2026.xml"), &shipped::PCS_TABLES.bytes());
    write(&rel.join("titles/pcs-titles.txt"), &pcs_titles_as(Layout::Codes));
    let o = medcode(&data, &["codesets", "import", rel.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    assert!(text.contains("ICD-10-CM is taken from the shipped edition fy2026-shipped"), "{text}");
    assert!(text.contains("pcs-titles.txt: ICD-10-PCS long titles"), "{text}");
    let list = json(&medcode(&data, &["codesets", "list", "--format", "json"]));
    let e = list["editions"].as_array().unwrap().iter().find(|e| e["name"] == "fy2026").expect("fy2026");
    let tab = e["components"].as_array().unwrap().iter().find(|c| c["kind"] == "cm-tabular").unwrap();
    assert!(tab["source"].as_str().unwrap().starts_with("shipped edition fy2026-shipped"), "{tab}");
    assert_eq!(tab["sha256"], shipped::FILES[0].2);
    // The shipped tables came along with the shipped tabular.
    let o = medcode(&data, &["--edition", "fy2026", "table", "drug", "abrine", "--format", "json"]);
    assert_eq!(json(&o)["rows"][0]["cells"][0]["code"]["code"], "T62.2X1");
}

#[test]
fn list_warns_only_when_the_edition_in_use_is_out_of_force() {
    let data = tempfile::tempdir().unwrap();
    let list = |today: &str, edition: Option<&str>| {
        let mut cmd = support::medcode(data.path());
        cmd.args(["codesets", "list", "--format", "json"]).env("MEDCODE_TODAY", today);
        if let Some(e) = edition {
            cmd.env("MEDCODE_EDITION", e);
        }
        json(&cmd.output().unwrap())
    };
    let may = list("2026-05-01", None);
    assert_eq!(may["in_use"], shipped::FY2026);
    assert_eq!(may["editions"][0]["in_force_today"], true);
    assert!(may["warning"].is_null(), "{}", may["warning"]);
    // After October 1 the default is FY2027, in force: no warning.
    let now = list("2026-11-25", None);
    assert_eq!(now["in_use"], shipped::FY2027);
    assert!(now["warning"].is_null(), "{}", now["warning"]);
    // Pinned to FY2026 after October 1: out of force, and the FY2027 release is named.
    let pinned = list("2026-11-25", Some(shipped::FY2026));
    assert_eq!(pinned["editions"][0]["in_force_today"], false);
    let warning = pinned["warning"].as_str().unwrap();
    assert!(warning.contains("FY2027 is in force (2026-10-01 to 2027-09-30)"), "{warning}");
    assert!(
        warning.contains("icd10cm-tabular-2027.zip") && warning.contains("2027-icd-10-pcs-codes-file.zip"),
        "{warning}"
    );
}

/// Every line of `text` at most `width` display columns.
fn assert_fits(text: &str, width: usize) {
    use unicode_width::UnicodeWidthStr;
    for line in text.lines() {
        assert!(line.width() <= width, "{} columns: {line:?}\n{text}", line.width());
    }
}

#[test]
fn table_and_show_fit_80_columns_when_piped_and_the_width_given() {
    let data = tempfile::tempdir().unwrap();
    let piped = |args: &[&str]| {
        let o = support::medcode(data.path())
            .env("MEDCODE_TODAY", "2026-11-25")
            .env_remove("COLUMNS")
            .args(args)
            .output()
            .expect("run medcode");
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    for args in [
        &["table", "drug", "acetaminophen"][..],
        &["table", "drug", "acetaminophen", "--expand"],
        &["show", "E11.22"],
        &["table", "external", "fall", "ladder"],
        &["index-lookup", "acetaminophen"],
        &["index-lookup", "--book", "external", "fall", "ladder", "--expand"],
    ] {
        let text = piped(args);
        assert_fits(&text, 80);
        // Something is wrapped: the long lines exist and were broken, not cut.
        assert!(text.lines().any(|l| unicode_width::UnicodeWidthStr::width(l) > 70), "{text}");
    }
    let narrow = piped(&["show", "E11.22", "--width", "40"]);
    assert_fits(&narrow, 40);
    // Wrapped, not cut: the words are all there in order.
    let words = narrow.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("code to identify stage of chronic kidney"), "{narrow}");
    let o =
        support::medcode(data.path()).env("COLUMNS", "50").args(["table", "drug", "acetaminophen"]).output();
    assert_fits(&stdout(&o.expect("run")), 50);
    // JSON is never wrapped.
    let o = medcode(data.path(), &["show", "E11.22", "--format", "json", "--width", "20"]);
    assert_eq!(json(&o)["code"], "E11.22");
}

#[test]
fn index_lookup_prints_entries_by_level_and_shows_bad_references_and_codes_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let root = cdc_folder(tmp.path());
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/releases/index-diseases-mini.xml");
    write(&root.join("icd10cm-table-index-2025/icd10cm_index_2025.xml"), &std::fs::read(fixture).unwrap());
    let o = medcode(&data, &["codesets", "import", root.to_str().unwrap(), "--name", "with-index"]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let look = |args: &[&str]| {
        let mut all = vec!["--edition", "with-index", "index-lookup"];
        all.extend_from_slice(args);
        medcode(&data, &all)
    };
    let o = look(&["glimmerosis", "--book", "index"]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}{}", stderr(&o));
    assert!(text.starts_with("ICD-10-CM Alphabetic Index to Diseases and Injuries"), "{text}");
    assert!(text.contains("edition with-index"), "{text}");
    for line in [
        "Glimmerosis  E11.9",
        "  with",
        "    kidney complication  E11.29",
        "      chronic kidney disease  E11.22",
        "  wandering (chronic)  E11.8 — see also Quillpox",
        "  retired code  Q99.99 (NOT VALID in this edition; replaced by Q99.9)",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");
    }
    // A cycle of any length, a dangling see: said on the line, never followed forever.
    let text = stdout(&look(&["ringwort"]));
    assert!(
        text.contains(
            "Ringwort — see Rustcough (a cycle of references: Ringwort → Rustcough → Reedlung → Ringwort)"
        ),
        "{text}"
    );
    let text = stdout(&look(&["lanternitis"]));
    assert!(
        text.contains("(a cycle of references: Lanternitis → Mothwing disorder → Lanternitis)"),
        "{text}"
    );
    let out = json(&look(&["quillpox", "--format", "json", "--book", "index"]));
    assert_eq!(out["books"][0]["book"], "diseases");
    let lines = out["books"][0]["entries"][0]["lines"].as_array().unwrap();
    let ghostly = lines.iter().find(|l| l["title"] == "ghostly").expect("ghostly");
    assert_eq!(ghostly["level"], 1);
    assert_eq!(ghostly["reference"]["fault"], "dangling: no main term \"vanishing term\"");
    let late = lines.iter().find(|l| l["title"] == "late effect").expect("late effect");
    assert_eq!(
        (late["reference"]["word"].as_str(), late["reference"].get("fault")),
        (Some("see category"), None)
    );
    // A query naming a subterm prints it under the terms above it, with its own subterms.
    let text = stdout(&look(&["glimmerosis", "kidney", "--book", "index"]));
    assert!(text.contains("Glimmerosis\n  with\n    kidney complication  E11.29"), "{text}");
    assert!(!text.contains("wandering"), "{text}");
}

#[test]
fn index_lookup_on_the_shipped_books_names_the_book_and_edition() {
    let data = tempfile::tempdir().unwrap();
    let o = medcode(data.path(), &["index-lookup", "appendectomy"]);
    let text = stdout(&o);
    assert!(text.starts_with("ICD-10-PCS Index (FY2025"), "{text}");
    assert!(text.contains(&format!("edition {}", shipped::EDITION_NAME)), "{text}");
    assert!(
        text.contains("Appendectomy\n  see Excision, Appendix  0DBJ\n  see Resection, Appendix  0DTJ"),
        "{text}"
    );
    // The tables print their cells as heading: code pairs under the term.
    let text = stdout(&medcode(data.path(), &["index-lookup", "--book", "drug", "acetaminophen"]));
    assert!(
        text.contains("Acetaminophen\n    Poisoning Accidental (unintentional): T39.1X1 (header);"),
        "{text}"
    );
    // The shipped editions have no Alphabetic Index: said, with the books they have.
    let o = medcode(data.path(), &["index-lookup", "--book", "index", "anemia"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("has no Alphabetic Index to Diseases")
            && stderr(&o).contains("drug, neoplasm, external, pcs"),
        "{}",
        stderr(&o)
    );
    let o = medcode(data.path(), &["index-lookup", "zzzqqq"]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("no entry \"zzzqqq\""), "{}", stdout(&o));
}
