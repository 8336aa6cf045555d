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
    assert_eq!(pcs.titles.len(), 78_825);
    assert_eq!(pcs.titles_unknown, 0);
    assert_eq!(pcs.composed_count(), 290);
    let t = pcs.title("0DTJ4ZZ").expect("0DTJ4ZZ");
    assert_eq!(
        t,
        Title { text: "Resection of Appendix, Percutaneous Endoscopic Approach".into(), composed: false }
    );
    assert_eq!(
        pcs.title("02703ZZ").map(|t| t.text).as_deref(),
        Some("Dilation of Coronary Artery, One Artery, Percutaneous Approach")
    );
    // A new FY2026 New Technology code: no CMS title shipped, composed in the CMS style.
    let x = pcs.title("XW043WB").expect("XW043WB is a FY2026 code");
    assert!(x.composed);
    assert_eq!(
        x.text,
        "Introduction of Fosfomycin Anti-infective into Central Vein, Percutaneous Approach, New Technology Group 11"
    );
    let composed: Vec<&String> =
        pcs.codes.iter().filter(|c| pcs.title(c).is_some_and(|t| t.composed)).collect();
    assert_eq!(composed.len(), 290);
    assert!(composed.iter().filter(|c| c.starts_with('X')).count() > 200, "mostly New Technology codes");
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
    let unattached = pcs.unattached_definitions().count();
    assert!(unattached < 150, "{unattached} definitions attached to nothing");
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
    assert!(pcs.index_lookup("").is_empty());
    // Every code an index entry gives is a real table or code prefix in FY2026 (the index is FY2025).
    let all: Vec<&String> = pcs.index.iter().flat_map(|l| &l.terms).flat_map(|t| all_codes(t)).collect();
    let valid = all.iter().filter(|c| pcs.is_prefix(c)).count();
    assert!(valid * 100 >= all.len() * 98, "{valid} of {}", all.len());
}

fn all_codes(t: &PcsIndexTerm) -> Vec<&String> {
    t.codes.iter().chain(t.terms.iter().flat_map(all_codes)).collect()
}
