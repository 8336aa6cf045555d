//! The tabular model, on the shipped April 1, 2026 file.

use std::sync::OnceLock;

use super::*;
use crate::codeset::shipped;

fn data() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| shipped::CM_TABULAR.bytes())
}

fn tab() -> &'static Tabular {
    static TAB: OnceLock<Tabular> = OnceLock::new();
    TAB.get_or_init(|| Tabular::parse(data(), shipped::CM_TABULAR.name).expect("the shipped tabular parses"))
}

fn id(code: &str) -> NodeId {
    tab().get(code).unwrap_or_else(|| panic!("{code} exists"))
}

fn codes(ids: &[NodeId]) -> Vec<&'static str> {
    ids.iter().map(|i| tab().node(*i).code.as_str()).collect()
}

#[test]
fn twenty_two_chapters_in_order() {
    let t = tab();
    assert_eq!(t.version, "2026");
    assert_eq!(t.chapters.len(), 22);
    for (i, ch) in t.chapters.iter().enumerate() {
        let n = t.node(*ch);
        assert_eq!(n.kind, CmKind::Chapter);
        assert_eq!(n.code, (i + 1).to_string());
        assert_eq!(t.get(&format!("ch{}", i + 1)), Some(*ch));
        assert!(!n.title.is_empty());
    }
    assert_eq!(t.node(t.chapters[3]).title, "Endocrine, nutritional and metabolic diseases (E00-E89)");
    assert_eq!(t.node(t.chapters[21]).title, "Codes for special purposes (U00-U85)");
}

#[test]
fn billable_codes_are_exactly_the_official_74719() {
    let t = tab();
    assert_eq!(t.billable_count(), 74_719);
    // Only leaves are billable, and every leaf diagnosis code is.
    for (i, n) in t.nodes.iter().enumerate() {
        let leaf = n.children.is_empty() && !matches!(n.kind, CmKind::Chapter | CmKind::Block);
        assert_eq!(n.billable, leaf, "{} ({i})", n.code);
    }
    let chapters: usize = t.chapters.iter().map(|c| t.billable_below(*c)).sum();
    assert_eq!(chapters, 74_719);
}

#[test]
fn titles_of_codes_in_every_chapter() {
    let samples = [
        ("A00.0", "Cholera due to Vibrio cholerae 01, biovar cholerae"),
        ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
        ("D50.0", "Iron deficiency anemia secondary to blood loss (chronic)"),
        ("E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease"),
        ("F32.A", "Depression, unspecified"),
        ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus"),
        ("H54.8", "Legal blindness, as defined in USA"),
        ("H65.01", "Acute serous otitis media, right ear"),
        ("I50.9", "Heart failure, unspecified"),
        ("J44.1", "Chronic obstructive pulmonary disease with (acute) exacerbation"),
        ("K35.80", "Unspecified acute appendicitis"),
        ("L02.212", "Cutaneous abscess of back [any part, except buttock and flank]"),
        ("M54.50", "Low back pain, unspecified"),
        ("N18.6", "End stage renal disease"),
        ("O80", "Encounter for full-term uncomplicated delivery"),
        ("P07.01", "Extremely low birth weight newborn, less than 500 grams"),
        ("Q21.0", "Ventricular septal defect"),
        ("R10.9", "Unspecified abdominal pain"),
        ("S52.521A", "Torus fracture of lower end of right radius, initial encounter for closed fracture"),
        ("T36.0X1A", "Poisoning by penicillins, accidental (unintentional), initial encounter"),
        ("V00.01XA", "Pedestrian on foot injured in collision with roller-skater, initial encounter"),
        ("Z79.4", "Long term (current) use of insulin"),
        ("U07.1", "COVID-19"),
    ];
    let t = tab();
    let mut chapters = std::collections::BTreeSet::new();
    for (code, title) in samples {
        let n = t.node(id(code));
        assert_eq!(n.title, title, "{code}");
        assert_eq!(n.code, code);
        assert!(n.billable, "{code}");
        chapters.insert(t.chapter_of(id(code)));
    }
    assert_eq!(chapters.len(), 22, "the samples cover every chapter");
    // Lookup takes the code as typed.
    assert_eq!(t.get("e1122"), Some(id("E11.22")));
    assert_eq!(t.get(" s52.521a "), Some(id("S52.521A")));
    assert_eq!(t.get("E11.99"), None);
}

#[test]
fn kinds_follow_the_hierarchy() {
    let t = tab();
    assert_eq!(t.node(id("E11")).kind, CmKind::Category);
    assert_eq!(t.node(id("E11.2")).kind, CmKind::Subcategory);
    assert_eq!(t.node(id("E11.22")).kind, CmKind::Code);
    assert_eq!(t.node(id("S52.521")).kind, CmKind::Code);
    assert_eq!(t.node(id("S52.521A")).kind, CmKind::Extension);
    assert_eq!(t.node(id("E08-E13")).kind, CmKind::Block);
    // A category without subdivisions is billable itself.
    assert!(t.node(id("O80")).billable);
    assert_eq!(t.node(id("O80")).kind, CmKind::Category);
}

#[test]
fn header_with_its_billable_codes() {
    let t = tab();
    let e112 = id("E11.2");
    assert!(!t.node(e112).billable);
    assert_eq!(t.billable_below(e112), 3);
    assert_eq!(codes(&t.billable_codes_below(e112)), ["E11.21", "E11.22", "E11.29"]);
    // A 7th-character leaf is a header over its extensions.
    let s = id("S52.521");
    assert!(!t.node(s).billable);
    assert_eq!(
        codes(&t.billable_codes_below(s)),
        ["S52.521A", "S52.521D", "S52.521G", "S52.521K", "S52.521P", "S52.521S"]
    );
    assert_eq!(t.billable_codes_below(id("E11.22")), vec![id("E11.22")]);
    assert_eq!(t.billable_codes_below(id("E11")).len(), t.billable_below(id("E11")));
}

#[test]
fn seventh_characters_pad_with_x_and_the_nearest_definition_wins() {
    let t = tab();
    for code in ["T36.0X1A", "S06.0X0A", "T07.XXXA", "W00.0XXS", "S30.11XD", "O32.1XX0", "R40.2112"] {
        assert!(t.get(code).is_some(), "{code}");
    }
    // The leaf keeps its own code; the placeholder X goes into the extensions only.
    assert!(t.get("T07XXX").is_none());
    // S52.52 defines its own six 7th characters, replacing the sixteen of S52.
    assert_eq!(t.node(id("S52.521")).children.len(), 6);
    assert!(t.get("S52.521B").is_none());
    assert_eq!(t.node(id("S52.501")).children.len(), 16);
    assert_eq!(
        t.node(id("S52.501B")).title,
        "Unspecified fracture of the lower end of right radius, initial encounter for open fracture type I or II"
    );
    // A term the tabular lists under a 7th character is an inclusion term of the extension.
    assert_eq!(t.node(id("S52.501B")).notes.inclusion_terms, ["initial encounter for open fracture NOS"]);
    assert_eq!(t.seventh_origin(id("S52.521A")), Some(id("S52.52")));
    assert_eq!(t.seventh_origin(id("S52.501A")), Some(id("S52")));
    assert_eq!(t.seventh_origin(id("E11.22")), None);
}

#[test]
fn s06_death_codes_take_only_the_initial_encounter() {
    let t = tab();
    // The rule is read from the note at S06, not built in.
    assert_eq!(t.restrictions.len(), 1);
    let r = &t.restrictions[0];
    assert_eq!((r.category.as_str(), &r.chars[..], &r.sixth[..]), ("S06", &['D', 'S'][..], &['7', '8'][..]));
    assert_eq!(r.origin, id("S06"));
    assert!(t.get("S06.1X7A").is_some());
    assert!(t.get("S06.1X7D").is_none());
    assert!(t.get("S06.1X7S").is_none());
    assert!(t.get("S06.1X8D").is_none());
    assert!(t.get("S06.307A").is_some());
    assert!(t.get("S06.307D").is_none());
    assert!(t.get("S06.1X1D").is_some());
    assert!(t.get("S06.1X1S").is_some());
    assert_eq!(codes(&t.node(id("S06.1X7")).children), ["S06.1X7A"]);
}

#[test]
fn notes_in_force_are_inherited_with_their_origin() {
    let t = tab();
    let code = id("E11.22");
    let notes = t.notes_in_force(code);
    let e10 = notes
        .iter()
        .find(|n| n.kind == NoteKind::Excludes1 && n.text == "type 1 diabetes mellitus (E10.-)")
        .expect("the Excludes1 of E11 governs E11.22");
    assert_eq!(e10.origin, id("E11"));
    // Its own note first, with itself as origin.
    let own = &notes[0];
    assert_eq!((own.kind, own.origin), (NoteKind::UseAdditionalCode, code));
    assert!(own.text.contains("stage of chronic kidney disease"));
    // The chapter's notes reach it too.
    assert!(notes.iter().any(|n| n.origin == t.chapters[3] && n.kind == NoteKind::Excludes1));
    let grouped = t.notes_grouped(code);
    assert_eq!(
        grouped[&NoteKind::Excludes1][0],
        ("diabetes mellitus due to underlying condition (E08.-)".to_string(), id("E11"))
    );
    assert!(!grouped.contains_key(&NoteKind::SeventhCharacter));
}

#[test]
fn seventh_character_notes_come_from_the_nearest_definition_only() {
    let t = tab();
    let notes = t.notes_grouped(id("S52.521A"));
    let seventh = &notes[&NoteKind::SeventhCharacter];
    assert!(seventh.iter().all(|(_, origin)| *origin == id("S52.52")));
    assert!(seventh.iter().any(|(text, _)| text == "K  subsequent encounter for fracture with nonunion"));
    // Sections carry notes that govern their codes (the S00-T88 chapter, the S50-S59 block).
    assert!(notes[&NoteKind::Excludes2].iter().any(|(_, o)| *o == id("S50-S59")));
}

#[test]
fn empty_sections_group_the_sections_they_cover() {
    let t = tab();
    let c00_c14 = id("C00-C14");
    assert_eq!(t.node(c00_c14).parent, Some(id("C00-C75")));
    assert_eq!(t.node(id("C00-C75")).parent, Some(id("C00-C96")));
    assert_eq!(t.node(id("C00-C96")).parent, Some(t.chapters[1]));
    // C7A is not within C00-C75 and sits beside it.
    assert_eq!(t.node(id("C7A-C7A")).parent, Some(id("C00-C96")));
    // Their notes apply below: the Includes of M00-M25 at M05.
    assert!(t.notes_in_force(id("M05.00")).iter().any(|n| n.origin == id("M00-M25")));
    assert_eq!(t.depth(id("C00.0")), 5);
}

#[test]
fn a_one_category_block_is_keyed_by_its_range() {
    let t = tab();
    let block = id("B10-B10");
    assert_eq!(t.node(block).kind, CmKind::Block);
    assert_eq!(t.node(block).code, "B10");
    assert_eq!(t.key(block), "B10-B10");
    assert_eq!(t.node(id("B10")).kind, CmKind::Category);
    assert_eq!(t.node(id("B10")).parent, Some(block));
    for i in 0..t.nodes.len() as NodeId {
        assert_eq!(t.by_key.get(&t.key(i)), Some(&i), "{}", t.node(i).code);
    }
    assert_eq!(t.by_key.len(), t.nodes.len());
}

#[test]
fn siblings_depth_and_walk() {
    let t = tab();
    assert_eq!(codes(t.siblings(id("E11.22"))), ["E11.21", "E11.22", "E11.29"]);
    assert_eq!(t.siblings(t.chapters[0]), &t.chapters[..]);
    assert_eq!(t.depth(t.chapters[0]), 0);
    assert_eq!(t.depth(id("E11.22")), 4);
    let walk = t.walk();
    assert_eq!(walk.len(), t.nodes.len());
    let pos = |c: &str| walk.iter().position(|i| *i == id(c)).expect("walked");
    assert!(pos("S52.521") < pos("S52.521A") && pos("S52.521A") < pos("S52.522"));
}

#[test]
fn suggestions_for_codes_that_do_not_exist() {
    let t = tab();
    // The longest existing prefix is a leaf: its siblings.
    let near = codes(&t.suggest("E11.99", 12));
    assert!(near.contains(&"E11.9") && near.contains(&"E11.8"), "{near:?}");
    // A 7th character that does not apply: the valid extensions.
    assert_eq!(codes(&t.suggest("S06.1X7D", 12)), ["S06.1X7A"]);
    // Nothing matches: the categories around where it would sort.
    let near = codes(&t.suggest("E1", 4));
    assert!(near.contains(&"E10"), "{near:?}");
}

#[test]
fn the_visual_impairment_table_is_kept_as_notes() {
    let t = tab();
    let notes = &t.node(id("H54.8")).notes.notes;
    let line = notes.iter().find(|l| l.starts_with("Category of visual impairment 3")).expect("category 3");
    assert!(line.contains("maximum less than 3/60, 1/20(0.05), 20/400"), "{line}");
    assert!(line.contains("minimum equal to or better than 1/60(finger counting at one meter)"), "{line}");
    assert!(notes.iter().any(|l| l.starts_with("Category of visual impairment 9")));
}

#[test]
fn the_introduction_is_kept() {
    let t = tab();
    assert_eq!(t.introduction.len(), 9);
    let excl1 = t.introduction.iter().find(|s| s.title == "Excludes1").expect("Excludes1 section");
    assert_eq!(excl1.kind, "instruction");
    assert!(excl1.notes[0].contains("NOT CODED HERE"));
}

// ---- damaged files: the error names the file, line and column ----

fn line_col(data: &[u8], offset: usize) -> (usize, usize) {
    let e = crate::codeset::ReleaseError::at("f", data, offset, "");
    (e.line, e.column)
}

fn parse_err(data: &[u8]) -> crate::codeset::ReleaseError {
    Tabular::parse(data, "broken.xml").expect_err("a damaged file is refused")
}

/// The shipped file with its first `from` replaced by `to`; returns the offset of the change.
fn edited(from: &str, to: &str) -> (Vec<u8>, usize) {
    let text = std::str::from_utf8(data()).expect("utf-8");
    let at = text.find(from).expect("the text to edit");
    (text.replacen(from, to, 1).into_bytes(), at)
}

#[test]
fn a_truncated_file_is_refused_at_its_end() {
    let half = &data()[..data().len() / 2];
    let err = parse_err(half);
    assert_eq!(err.file, "broken.xml");
    // On the last line: where the cut tag starts, or the very end.
    let (last_line, last_col) = line_col(half, half.len());
    assert_eq!(err.line, last_line, "{err}");
    assert!(err.column <= last_col, "{err}");
    assert!(err.line > 100_000, "{err}");
    assert!(err.message.contains("truncated"), "{err}");
    assert!(
        err.message.contains("<diag>") || err.message.contains("<note>") || err.message.contains("<desc>"),
        "{err}"
    );
    // Cut between two elements: the XML reader sees a clean end, the open elements tell.
    let text = std::str::from_utf8(data()).expect("utf-8");
    let cut = text[text.len() / 2..].find("</diag>").expect("a diag") + text.len() / 2 + "</diag>".len();
    let err = parse_err(&data()[..cut]);
    assert_eq!((err.line, err.column), line_col(data(), cut), "{err}");
    assert!(err.message.contains("the file ends inside <diag> opened at line"), "{err}");
    // Empty input is not a tabular either.
    assert!(Tabular::parse(b"", "empty.xml").is_err());
}

#[test]
fn a_garbage_element_is_refused_where_it_stands() {
    let (bad, at) = edited("<name>E11.22</name>", "<garbage/><name>E11.22</name>");
    let err = parse_err(&bad);
    assert_eq!((err.line, err.column), line_col(&bad, at));
    assert!(err.message.contains("unexpected <garbage> inside <diag>"), "{err}");
}

#[test]
fn a_mismatched_end_tag_is_malformed_xml() {
    let (bad, at) = edited("<desc>Cholera</desc>", "<desc>Cholera</dsc>");
    let err = parse_err(&bad);
    assert_eq!(err.line, line_col(&bad, at).0);
    assert!(err.message.contains("malformed XML"), "{err}");
}

#[test]
fn a_diag_without_name_is_refused_at_the_diag() {
    let (bad, at) = edited("<name>A00.1</name>", "");
    let err = parse_err(&bad);
    // The <diag> start tag is on the line before the removed name.
    let diag_line = line_col(&bad, at).0 - 1;
    assert_eq!(err.line, diag_line, "{err}");
    assert!(err.message.contains("<diag> without <name>"), "{err}");
}

#[test]
fn other_damage_is_refused_too() {
    let cases = [
        ("<name>A00.1</name>", "<name>A00.0</name>", "appears twice"),
        ("<name>A00.1</name>", "<name>B00.1</name>", "does not start it"),
        ("<name>A00.1</name>", "<name>a 00</name>", "not an ICD-10-CM code"),
        ("<desc>Cholera</desc>", "<desc>Cholera &bogus;</desc>", "unknown entity &bogus;"),
        ("<desc>Cholera</desc>", "<desc>Cholera</desc>stray", "unexpected text `stray`"),
        (
            "<extension char=\"A\">initial encounter</extension>",
            "<extension char=\"AB\">x</extension>",
            "expected one letter",
        ),
        ("<section id=\"A00-A09\">", "<section>", "without an id"),
    ];
    for (from, to, message) in cases {
        let (bad, at) = edited(from, to);
        let err = parse_err(&bad);
        assert!(err.message.contains(message), "{from} -> {to}: {err}");
        assert_eq!(err.line, line_col(&bad, at).0, "{from} -> {to}: {err}");
    }
}

#[test]
fn a_file_of_another_kind_or_encoding_is_refused() {
    let err =
        parse_err(b"<?xml version=\"1.0\"?>\n<ICD10PCS.tabular><version>2026</version></ICD10PCS.tabular>");
    assert_eq!((err.line, err.column), (2, 1));
    assert!(err.message.contains("not an ICD-10-CM tabular file"), "{err}");
    let (mut bad, _) = edited("<desc>Cholera</desc>", "<desc>Cholera</desc>");
    let at = bad.windows(7).position(|w| w == b"Cholera").expect("Cholera");
    bad[at] = 0xff;
    let err = parse_err(&bad);
    assert_eq!(err.line, line_col(&bad, at).0, "{err}");
}

#[test]
fn codes_the_tabular_says_cannot_apply_to_a_patient() {
    use super::rules::{Patient, cannot_apply};
    let man = |age| Patient { age, female: Some(false) };
    let woman = |age| Patient { age, female: Some(true) };
    let tag = |code: &str, p| cannot_apply(tab(), id(code), p).map(|u| u.tag);
    // Perinatal codes are for the newborn (a year old or more: not).
    assert_eq!(tag("P07.30", man(79)), Some("newborn code"));
    assert_eq!(tag("P07.30", man(0)), None);
    // Pregnancy codes: not for a male patient, nor outside 12-55.
    assert_eq!(tag("O80", man(30)), Some("pregnancy code"));
    assert_eq!(tag("O80", woman(60)), Some("pregnancy code"));
    assert_eq!(tag("O80", woman(30)), None);
    // A title naming one sex, at the code or above it.
    assert_eq!(tag("N40.0", woman(60)), Some("male code"));
    assert_eq!(tag("C50.011", man(60)), Some("female code"));
    assert_eq!(tag("C50.021", man(60)), None);
    assert_eq!(tag("N40.0", Patient { age: 60, female: None }), None);
    assert_eq!(tag("E11.9", man(79)), None);
    // Weeks of gestation (chapter 21) are for females; a newborn affected by the mother's pregnancy is not.
    assert_eq!(tag("Z3A.32", man(30)), Some("female code"));
    assert_eq!(tag("Z3A.32", woman(30)), None);
    assert_eq!(tag("P00.0", man(0)), None);
    let why = cannot_apply(tab(), id("P07.30"), man(79)).map(|u| u.reason);
    assert_eq!(why.as_deref(), Some("newborn code, patient is 79"));
}
