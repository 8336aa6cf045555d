use std::sync::OnceLock;

use super::*;
use crate::codeset::shipped::{PCS_DEFINITIONS, PCS_INDEX, PCS_TABLES, PCS_TITLES};

/// The shipped FY2026 PCS, parsed once for all tests.
fn pcs() -> &'static Pcs {
    static PCS: OnceLock<Pcs> = OnceLock::new();
    PCS.get_or_init(|| {
        let mut pcs = Pcs::parse_tables(&PCS_TABLES.bytes(), PCS_TABLES.name).expect("tables parse");
        pcs.attach_definitions(&PCS_DEFINITIONS.bytes(), PCS_DEFINITIONS.name).expect("definitions parse");
        pcs.attach_index(&PCS_INDEX.bytes(), PCS_INDEX.name).expect("index parses");
        pcs.attach_titles(&PCS_TITLES.bytes(), PCS_TITLES.name).expect("titles parse");
        pcs
    })
}

#[test]
fn tables_expand_to_every_fy2026_code() {
    let pcs = pcs();
    assert_eq!(pcs.version, "2026");
    assert_eq!(pcs.tables.len(), 914);
    assert_eq!(pcs.tables.iter().map(|t| t.rows.len()).sum::<usize>(), 2733);
    assert_eq!(pcs.codes.len(), 79_115);
    assert!(pcs.codes.windows(2).all(|w| w[0] < w[1]), "codes sorted and unique");
    assert!(pcs.is_code("0DTJ4ZZ"));
    assert!(!pcs.is_code("0DTJ4ZX"));
    assert!(pcs.is_prefix("0DT") && !pcs.is_prefix("0DTZ"));
    assert_eq!(
        pcs.codes_with_prefix("0DTJ").len(),
        pcs.codes.iter().filter(|c| c.starts_with("0DTJ")).count()
    );
}

#[test]
fn tables_keep_axis_titles_labels_and_definitions() {
    let t = pcs().table("0DT").expect("table 0DT");
    let titles: Vec<&str> = t.axes.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Section", "Body System", "Operation"]);
    assert_eq!(t.axes[2].values[0].label, "Resection");
    assert_eq!(
        t.axes[2].values[0].definition.as_deref(),
        Some("Cutting out or off, without replacement, all of a body part")
    );
    let row_titles: Vec<&str> = t.rows[0].axes.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(row_titles, ["Body Part", "Approach", "Device", "Qualifier"]);
}

#[test]
fn cms_titles_and_composed_titles() {
    let pcs = pcs();
    // Every FY2026 code has its CMS title: 78,825 from older title files, the 290
    // new ones from CMS's own codes file (they were composed before).
    assert_eq!(pcs.titles.len(), 79_115);
    assert_eq!(pcs.titles_unknown, 0);
    assert_eq!(pcs.composed_count(), 0);
    let t = pcs.title("0DTJ4ZZ").expect("0DTJ4ZZ");
    assert_eq!(
        t,
        Title { text: "Resection of Appendix, Percutaneous Endoscopic Approach".into(), composed: false }
    );
    assert_eq!(
        pcs.title("02703ZZ").map(|t| t.text).as_deref(),
        Some("Dilation of Coronary Artery, One Artery, Percutaneous Approach")
    );
    // A new FY2026 New Technology code: CMS's title, which composing in the CMS style also gives.
    let x = pcs.title("XW043WB").expect("XW043WB is a FY2026 code");
    let cms = "Introduction of Fosfomycin Anti-infective into Central Vein, Percutaneous Approach, New Technology Group 11";
    assert_eq!(x, Title { text: cms.into(), composed: false });
    assert_eq!(compose::compose(pcs, "XW043WB", true), cms);
    let composed: Vec<&String> =
        pcs.codes.iter().filter(|c| pcs.title(c).is_some_and(|t| t.composed)).collect();
    assert!(composed.is_empty(), "{composed:?}");
    // Partial codes read as their labels; unknown codes have no title.
    assert_eq!(
        pcs.title("0DT").map(|t| t.text).as_deref(),
        Some("Medical and Surgical, Gastrointestinal System, Resection")
    );
    assert_eq!(pcs.title("0DTZ"), None);
    assert_eq!(pcs.title("0DTJ4ZX"), None);
}

#[test]
fn composed_titles_reproduce_most_cms_titles() {
    // Leave each sampled code's own title out and compose it from its siblings.
    let pcs = pcs();
    let sample: Vec<&String> =
        pcs.codes.iter().step_by(97).filter(|c| pcs.titles.contains_key(c.as_str())).collect();
    let same = sample.iter().filter(|c| compose::compose(pcs, c, true) == pcs.titles[c.as_str()]).count();
    assert!(
        same * 100 >= sample.len() * 90,
        "{same} of {} composed titles equal the CMS title",
        sample.len()
    );
    // Composition follows the root operation's wording.
    assert_eq!(
        compose::compose(pcs, "0DTJ4ZZ", true),
        "Resection of Appendix, Percutaneous Endoscopic Approach"
    );
    // By rule alone (no titled sibling) the wording still reads like CMS for many.
    let same = sample.iter().filter(|c| compose::by_rule(&pcs.explain(c)) == pcs.titles[c.as_str()]).count();
    assert!(same * 100 >= sample.len() * 40, "{same} of {} by rule", sample.len());
    assert_eq!(compose::by_rule(&pcs.explain("0DP00JZ")).as_str(), pcs.titles["0DP00JZ"].as_str());
}

/// (code, position, axis name, label) in every section.
const EXPLAINED: &[(&str, u8, &str, &str)] = &[
    ("0016070", 7, "Qualifier", "Nasopharynx"),
    ("102073Z", 4, "Body Part", "Products of Conception"),
    ("2W00X0Z", 4, "Body Region", "Head"),
    ("30233AZ", 6, "Substance", "Stem Cells, Embryonic"),
    ("4A0002Z", 6, "Function / Device", "Conductivity"),
    ("5A02110", 5, "Duration", "Intermittent"),
    ("6A0Z0ZZ", 3, "Operation", "Atmospheric Control"),
    ("7W00X0Z", 6, "Method", "Articulatory-Raising"),
    ("8C01X6J", 7, "Qualifier", "Cerebrospinal Fluid"),
    ("9WB0XBZ", 3, "Operation", "Manipulation"),
    ("B00B0ZZ", 5, "Contrast", "High Osmolar"),
    ("C0101ZZ", 5, "Radionuclide", "Technetium 99m (Tc-99m)"),
    ("D0000ZZ", 5, "Modality Qualifier", "Photons <1 MeV"),
    ("F003GKZ", 2, "Section Qualifier", "Rehabilitation"),
    ("GZ10ZZZ", 4, "Qualifier", "Developmental"),
    ("HZ2ZZZZ", 3, "Type", "Detoxification Services"),
    ("X051329", 6, "Device / Substance / Technology", "Ultrasound Ablation"),
];

#[test]
fn explain_labels_every_character_in_every_section() {
    let pcs = pcs();
    let sections: Vec<char> = pcs.next_chars("").iter().map(|n| n.ch).collect();
    assert_eq!(sections.iter().collect::<String>(), "0123456789BCDFGHX");
    for (code, pos, axis, label) in EXPLAINED {
        let chars = pcs.explain(code);
        assert_eq!(chars.len(), 7, "{code}");
        assert!(chars.iter().all(|c| !c.label.is_empty() && !c.axis.is_empty()), "{code}");
        assert_eq!(chars.iter().map(|c| c.ch).collect::<String>(), *code);
        let c = &chars[usize::from(*pos) - 1];
        assert_eq!((c.pos, c.axis.as_str(), c.label.as_str()), (*pos, *axis, *label), "{code}");
        assert_eq!(chars[0].axis, "Section");
    }
    let sections_explained: String = EXPLAINED.iter().map(|e| &e.0[..1]).collect();
    assert_eq!(sections_explained, "0123456789BCDFGHX");
    // A partial code explains what it has; an invalid character ends it.
    assert_eq!(pcs.explain("0DTJ").len(), 4);
    assert_eq!(pcs.explain("0DTJ9ZZ").len(), 4);
    assert_eq!(pcs.explain("0dtj4zz").len(), 7);
    assert!(pcs.explain("Q").is_empty());
}

#[test]
fn next_chars_walks_the_tree() {
    let pcs = pcs();
    let sections = pcs.next_chars("");
    assert_eq!(sections.len(), 17);
    assert!(sections.iter().all(|n| n.axis == "Section"));
    assert_eq!(sections[0].label, "Medical and Surgical");
    let parts = pcs.next_chars("0DT");
    let j = parts.iter().find(|n| n.ch == 'J').expect("J under 0DT");
    assert_eq!((j.label.as_str(), j.axis.as_str()), ("Appendix", "Body Part"));
    // The builder's seven steps for 0DTJ4ZZ, and the axis at each.
    let mut prefix = String::new();
    let mut axes = Vec::new();
    for ch in "0DTJ4ZZ".chars() {
        let next = pcs.next_chars(&prefix);
        let n = next.iter().find(|n| n.ch == ch).unwrap_or_else(|| panic!("{ch} after {prefix}"));
        axes.push(n.axis.clone());
        prefix.push(ch);
    }
    assert_eq!(axes, ["Section", "Body System", "Operation", "Body Part", "Approach", "Device", "Qualifier"]);
    assert!(pcs.next_chars("0DTJ4ZZ").is_empty());
    // Every path of next characters ends on a valid code, and covers every code of a table.
    fn walk(pcs: &Pcs, prefix: &mut String, out: &mut Vec<String>) {
        if prefix.len() == 7 {
            out.push(prefix.clone());
            return;
        }
        for n in pcs.next_chars(prefix) {
            prefix.push(n.ch);
            walk(pcs, prefix, out);
            prefix.pop();
        }
    }
    for table in ["0DT", "027", "3E0", "B30", "XW0", "GZ1"] {
        let mut out = Vec::new();
        walk(pcs, &mut table.to_string(), &mut out);
        assert_eq!(out, pcs.codes_with_prefix(table), "{table}");
    }
    // Body system and operation steps.
    let systems = pcs.next_chars("0");
    assert!(
        systems
            .iter()
            .any(|n| n.ch == 'D' && n.label == "Gastrointestinal System" && n.axis == "Body System")
    );
    let ops = pcs.next_chars("0D");
    assert!(ops.iter().any(|n| n.ch == 'T' && n.label == "Resection" && n.axis == "Operation"));
    assert!(pcs.next_chars("0DTZ").is_empty());
    assert!(pcs.next_chars("ZZ").is_empty());
    // Typed text is not trusted: no panic on non-ASCII.
    assert!(pcs.next_chars("0Dé").is_empty() && pcs.next_chars("é").is_empty());
    assert!(pcs.explain("0Dé4").len() == 2 && pcs.title("0Dé").is_none());
    assert_eq!(pcs.next_chars("0dt").len(), parts.len());
}

#[test]
fn a_character_that_means_two_things_in_one_table_shows_both() {
    // CMS reuses XNS body part 4 for Thoracic Vertebra and Humeral Shaft, Right in different rows.
    let pcs = pcs();
    let four = pcs.next_chars("XNS").into_iter().find(|n| n.ch == '4').expect("XNS4");
    assert_eq!(four.label, "Thoracic Vertebra / Humeral Shaft, Right");
    // A complete code belongs to one row and reads one way.
    for code in pcs.codes_with_prefix("XNS4") {
        let label = &pcs.explain(code)[3].label;
        assert!(label == "Thoracic Vertebra" || label == "Humeral Shaft, Right", "{code}: {label}");
    }
}

#[test]
fn definitions_attach_to_axis_values() {
    let pcs = pcs();
    assert_eq!(pcs.definitions.len(), 954);
    let sections: std::collections::BTreeSet<char> = pcs.definitions.iter().map(|d| d.section).collect();
    assert_eq!(sections.len(), 16);
    let chars = pcs.explain("0DTJ4ZZ");
    assert_eq!(
        chars[2].definition.as_deref(),
        Some("Cutting out or off, without replacement, all of a body part")
    );
    assert_eq!(
        chars[4].definition.as_deref(),
        Some(
            "Entry, by puncture or minor incision, of instrumentation through the skin or mucous membrane and any other body layers necessary to reach and visualize the site of the procedure"
        )
    );
    assert_eq!(chars[3].includes, ["Appendiceal orifice", "Vermiform appendix"]);
    let resection = pcs.definition('0', 3, "Resection").expect("Resection defined");
    assert!(resection.includes.iter().any(|i| i.contains("total lobectomy of lung")));
    assert!(resection.attached > 0);
    assert_eq!(pcs.definition('0', 5, "percutaneous endoscopic").map(|d| d.axis.as_str()), Some("Approach"));
    // Devices are defined per body system and operation.
    let device = |table: &str, label: &str| {
        let code =
            pcs.codes_with_prefix(table).iter().find(|c| pcs.explain(c)[5].label == label).expect(label);
        pcs.explain(code).swap_remove(5)
    };
    assert_eq!(device("041", "Autologous Arterial Tissue").includes, ["Autologous artery graft"]);
    assert!(!device("0JH", "Pacemaker, Dual Chamber").includes.is_empty());
    // Most terms find their axis value; what is left is named.
    // Every term finds its axis values, including the per-kind ones.
    let unattached: Vec<&str> = pcs.unattached_definitions().map(|d| d.title.as_str()).collect();
    assert!(unattached.is_empty(), "{unattached:?}");
    let clofarabine = pcs.definition('3', 6, "Clofarabine").expect("substance");
    assert_eq!(clofarabine.includes, ["Clolar"]);
    assert!(clofarabine.attached > 0, "given as a qualifier in the tables");
    assert!(pcs.definition('F', 5, "Aphasia (Assessment)").is_some_and(|d| d.attached > 0));
    // The device aggregation table.
    assert_eq!(pcs.device_aggregates.len(), 60);
    let arterial = &pcs.device_aggregates[0];
    assert_eq!(
        (arterial.device.as_str(), arterial.parent_ch, arterial.parent.as_str()),
        ("Autologous Arterial Tissue", '7', "Autologous Tissue Substitute")
    );
    assert!(arterial.body_systems.iter().any(|b| b == "Lower Arteries"));
}

#[test]
fn index_terms_and_lookup() {
    let pcs = pcs();
    assert_eq!(pcs.index.len(), 27);
    assert_eq!(pcs.index.iter().map(|l| l.terms.len()).sum::<usize>(), 3215);
    fn count(t: &PcsIndexTerm) -> usize {
        t.terms.iter().map(|s| 1 + count(s)).sum()
    }
    assert_eq!(pcs.index.iter().flat_map(|l| &l.terms).map(count).sum::<usize>(), 21_269);
    let hits = pcs.index_lookup("APPENDECTOMY");
    let codes: Vec<&str> = hits.iter().flat_map(|h| h.codes.iter().map(String::as_str)).collect();
    assert_eq!(codes, ["0DBJ", "0DTJ"]);
    assert_eq!(hits[1].see.as_deref(), Some("Resection, Appendix"));
    assert_eq!(hits[1].path, ["Appendectomy"]);
    // Nested terms keep their path; `use` entries come back too.
    let bypass = pcs.index_lookup("bypass");
    let aorta =
        bypass.iter().find(|h| h.path == ["Bypass", "Aorta", "Thoracic", "Descending"]).expect("nested");
    assert_eq!(aorta.codes, ["021W"]);
    let muscle = pcs.index_lookup("abductor hallucis");
    assert_eq!(muscle.first().and_then(|h| h.use_.as_deref()), Some("Foot Muscle, Right"));
    assert!(pcs.index_lookup("nosuchword").is_empty());
    let entries = pcs.index_entries();
    assert!(entries.len() > 15_000, "{}", entries.len());
    assert!(
        entries
            .iter()
            .all(|e| !e.path.is_empty() && (!e.codes.is_empty() || e.see.is_some() || e.use_.is_some()))
    );
    assert!(pcs.index_lookup("").is_empty());
    // Every code an index entry gives is a real table or code prefix in FY2026 (the index is FY2025).
    let all: Vec<&String> = pcs.index.iter().flat_map(|l| &l.terms).flat_map(|t| all_codes(t)).collect();
    let valid = all.iter().filter(|c| pcs.is_prefix(c)).count();
    assert!(valid * 100 >= all.len() * 98, "{valid} of {}", all.len());
}

fn all_codes(t: &PcsIndexTerm) -> Vec<&String> {
    t.codes.iter().chain(t.terms.iter().flat_map(all_codes)).collect()
}

#[test]
fn truncated_or_malformed_xml_is_an_error_with_a_position() {
    let tables = PCS_TABLES.bytes();
    let cut = &tables[..tables.len() / 2];
    let e = Pcs::parse_tables(cut, "tables.xml").expect_err("truncated tables");
    assert_eq!(e.file, "tables.xml");
    assert!(e.line > 1000 && e.column > 0, "{e}");
    assert!(e.message.contains("truncated"), "{e}");

    let text = String::from_utf8(tables.clone()).expect("utf-8");
    let broken = text.replacen("</label>", "</lable>", 1);
    let e = Pcs::parse_tables(broken.as_bytes(), "tables.xml").expect_err("mismatched tag");
    assert_eq!(e.line, 8, "{e}");
    assert!(e.message.contains("malformed"), "{e}");

    let cut_mid_tag = &tables[..tables.len() / 3 + 7];
    assert!(Pcs::parse_tables(cut_mid_tag, "t").is_err());
    assert!(Pcs::parse_tables(b"", "t").is_err());
    assert!(Pcs::parse_tables(b"<other/>", "t").is_err());

    let mut pcs = Pcs::parse_tables(&tables, "t").expect("tables");
    let defs = PCS_DEFINITIONS.bytes();
    let e = pcs.attach_definitions(&defs[..defs.len() - 100], "defs.xml").expect_err("truncated definitions");
    assert_eq!(e.file, "defs.xml");
    let index = PCS_INDEX.bytes();
    let e = pcs.attach_index(&index[..index.len() / 2], "index.xml").expect_err("truncated index");
    assert!(e.line > 1 && e.file == "index.xml", "{e}");
}

/// A one-table file around `body` (the table's axes and rows).
fn one_table(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<ICD10PCS.tabular><version>T</version>\n<pcsTable>\n{body}\n</pcsTable></ICD10PCS.tabular>"
    )
}

const HEAD: &str = r#"<axis pos="1" values="1"><title>Section</title><label code="0">Medical and Surgical</label></axis>
<axis pos="2" values="1"><title>Body System</title><label code="D">Gastrointestinal System</label></axis>
<axis pos="3" values="1"><title>Operation</title><label code="T">Resection</label></axis>"#;

fn row(codes: usize, parts: &str) -> String {
    format!(
        r#"<pcsRow codes="{codes}"><axis pos="4" values="{n}"><title>Body Part</title>{parts}</axis>
<axis pos="5" values="1"><title>Approach</title><label code="0">Open</label></axis>
<axis pos="6" values="1"><title>Device</title><label code="Z">No Device</label></axis>
<axis pos="7" values="1"><title>Qualifier</title><label code="Z">No Qualifier</label></axis></pcsRow>"#,
        n = parts.matches("<label").count()
    )
}

#[test]
fn a_table_with_missing_or_inconsistent_axes_is_an_error_naming_it() {
    let good = one_table(&format!(
        "{HEAD}\n{}",
        row(2, r#"<label code="J">Appendix</label><label code="K">Ascending Colon</label>"#)
    ));
    let pcs = Pcs::parse_tables(good.as_bytes(), "t.xml").expect("a good small table");
    assert_eq!(pcs.codes, ["0DTJ0ZZ", "0DTK0ZZ"]);

    let no_operation = one_table(&format!(
        "{}\n{}",
        HEAD.lines().take(2).collect::<Vec<_>>().join("\n"),
        row(1, r#"<label code="J">Appendix</label>"#)
    ));
    let e = Pcs::parse_tables(no_operation.as_bytes(), "t.xml").expect_err("no operation axis");
    assert!(e.message.contains("table 0D") && e.message.contains("[1, 2]"), "{e}");

    let wrong_count = one_table(&format!("{HEAD}\n{}", row(5, r#"<label code="J">Appendix</label>"#)));
    let e = Pcs::parse_tables(wrong_count.as_bytes(), "t.xml").expect_err("row count");
    assert!(e.message.contains("table 0DT") && e.message.contains("5 codes"), "{e}");
    assert_eq!(e.line, 7, "{e}");

    let missing_axis = one_table(&format!(
        "{HEAD}\n{}",
        row(1, r#"<label code="J">Appendix</label>"#).replace(
            r#"<axis pos="5" values="1"><title>Approach</title><label code="0">Open</label></axis>"#,
            ""
        )
    ));
    let e = Pcs::parse_tables(missing_axis.as_bytes(), "t.xml").expect_err("row without approach");
    assert!(e.message.contains("table 0DT") && e.message.contains("[4, 6, 7]"), "{e}");

    let bad_label = one_table(&format!("{HEAD}\n{}", row(1, r#"<label code="JJ">Appendix</label>"#)));
    let e = Pcs::parse_tables(bad_label.as_bytes(), "t.xml").expect_err("two-letter code");
    assert!(e.message.contains("`JJ`"), "{e}");

    let twice = one_table(&format!(
        "{HEAD}\n{}\n</pcsTable><pcsTable>{HEAD}\n{}",
        row(1, r#"<label code="J">Appendix</label>"#),
        row(1, r#"<label code="J">Appendix</label>"#)
    ));
    let e = Pcs::parse_tables(twice.as_bytes(), "t.xml").expect_err("a table twice");
    assert!(e.message.contains("0DT appears twice"), "{e}");
}

/// A CMS order file line: order number, code, valid flag, short and long title.
fn order_line(n: usize, code: &str, valid: bool, short: &str, long: &str) -> String {
    format!("{n:05} {code:<7} {} {short:<60} {long}\n", u8::from(valid))
}

#[test]
fn titles_from_a_cms_order_file() {
    let mut pcs = pcs().clone();
    pcs.titles.clear();
    let data = [
        order_line(
            1,
            "0DT",
            false,
            "Resection of Gastrointestinal System",
            "Resection of Gastrointestinal System",
        ),
        order_line(
            2,
            "0DTJ4ZZ",
            true,
            "Resection of Appendix, Perc Endo Approach",
            "Resection of Appendix, Percutaneous Endoscopic Approach",
        ),
        order_line(3, "0DTJ4ZY", true, "Not a code", "Not a code in the tables"),
    ]
    .concat();
    pcs.attach_titles(data.as_bytes(), "icd10pcs_order_2026.txt").expect("order file");
    assert_eq!(pcs.titles.len(), 1);
    assert_eq!(pcs.titles_unknown, 1);
    assert_eq!(
        pcs.title("0DTJ4ZZ").map(|t| (t.text, t.composed)),
        Some(("Resection of Appendix, Percutaneous Endoscopic Approach".into(), false))
    );
    // The rest are now composed, from their composed siblings' labels or by rule.
    assert!(pcs.title("0DTJ0ZZ").is_some_and(|t| t.composed));

    let bad_flag = order_line(4, "0DTJ0ZZ", true, "x", "y").replacen(" 1 ", " 7 ", 1);
    let e = pcs.attach_titles(format!("{data}{bad_flag}").as_bytes(), "order.txt").expect_err("bad flag");
    assert_eq!((e.file.as_str(), e.line, e.column), ("order.txt", 4, 15), "{e}");
    let e = pcs
        .attach_titles(format!("{data}00005 0DTJ0ZZ 1 short\n").as_bytes(), "order.txt")
        .expect_err("short line");
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn titles_from_a_cms_codes_file() {
    let mut pcs = pcs().clone();
    pcs.titles.clear();
    let data = "0DTJ4ZZ Resection of Appendix, Percutaneous Endoscopic Approach\n0DTJ0ZZ Resection of Appendix, Open Approach\n";
    pcs.attach_titles(data.as_bytes(), "icd10pcs_codes_2026.txt").expect("codes file");
    assert_eq!(pcs.titles.len(), 2);
    assert_eq!(pcs.titles["0DTJ0ZZ"], "Resection of Appendix, Open Approach");
    let e = pcs.attach_titles(format!("{data}0DTJ7ZZ\n").as_bytes(), "c.txt").expect_err("no title");
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn bad_title_lines_are_errors_with_a_position() {
    let mut pcs = pcs().clone();
    let ok = "code\ttitle\n0DTJ4ZZ\tResection of Appendix, Percutaneous Endoscopic Approach\nZZZZZZZ\tNot in the tables\n";
    pcs.titles.clear();
    pcs.attach_titles(ok.as_bytes(), "t.tsv").expect("good tsv");
    assert_eq!((pcs.titles.len(), pcs.titles_unknown), (1, 1));

    let no_tab = format!("{ok}0DTJ0ZZ Resection of Appendix, Open Approach\n");
    let e = pcs.attach_titles(no_tab.as_bytes(), "t.tsv").expect_err("line without a tab");
    assert_eq!((e.file.as_str(), e.line, e.column), ("t.tsv", 4, 1), "{e}");
    let short_code = format!("{ok}0DTJ0Z\tResection\n");
    let e = pcs.attach_titles(short_code.as_bytes(), "t.tsv").expect_err("6-character code");
    assert!(e.line == 4 && e.message.contains("0DTJ0Z"), "{e}");
    let no_title = format!("{ok}0DTJ0ZZ\t  \n");
    let e = pcs.attach_titles(no_title.as_bytes(), "t.tsv").expect_err("empty title");
    assert_eq!((e.line, e.column), (4, 9), "{e}");
    let mut latin1 = ok.as_bytes().to_vec();
    latin1.extend_from_slice(b"0DTJ0ZZ\tR\xe9section\n");
    let e = pcs.attach_titles(&latin1, "t.tsv").expect_err("not UTF-8");
    assert_eq!((e.line, e.column), (4, 10), "{e}");
    assert!(pcs.attach_titles(b"", "t.tsv").is_err());
}

#[test]
fn a_file_cut_anywhere_is_an_error_not_a_panic() {
    let mut pcs = pcs().clone();
    let files = [PCS_TABLES.bytes(), PCS_DEFINITIONS.bytes(), PCS_INDEX.bytes()];
    for (k, data) in files.iter().enumerate() {
        for i in 1..24 {
            // Spread over the file, landing inside tags, text and entities alike.
            let cut = &data[..(data.len() - 40) * i / 24 + i];
            let result = match k {
                0 => Pcs::parse_tables(cut, "f").map(|_| ()),
                1 => pcs.attach_definitions(cut, "f"),
                _ => pcs.attach_index(cut, "f"),
            };
            let e = result.expect_err("a cut file is an error");
            assert!(e.line >= 1 && e.column >= 1, "{e}");
        }
    }
}

/// Composing from siblings must beat the rule alone (leave-one-out over CMS titles).
#[test]
fn composition_rates() {
    let pcs = pcs();
    let sample: Vec<&String> =
        pcs.codes.iter().step_by(7).filter(|c| pcs.titles.contains_key(c.as_str())).collect();
    let by_template =
        sample.iter().filter(|c| compose::compose(pcs, c, true) == pcs.titles[c.as_str()]).count();
    let by_rule =
        sample.iter().filter(|c| compose::by_rule(&pcs.explain(c)) == pcs.titles[c.as_str()]).count();
    println!(
        "of {} CMS titles: {by_template} reproduced from siblings, {by_rule} by rule alone",
        sample.len()
    );
    assert!(by_template > by_rule);
}
