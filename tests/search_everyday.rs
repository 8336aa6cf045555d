//! The everyday queries of issue 12 on the real shipped index: each pinned to
//! the codes a coder wants and how far down they may be (top 3, or top 10 where
//! browsing is acceptable). Queries not yet answered are listed as known misses
//! and asserted to still miss, so fixing one fails the test until it moves here.

use medcode::search::{Query, Search};

use crate::support::index::shared;

/// Query, how far down, and groups of wanted codes: every group must be found,
/// any code of a group counts; `*` ends a code prefix (`0SR9*`).
const PINS: &[(&str, usize, &[&[&str]])] = &[
    ("DM2 w CKD3", 3, &[&["E11.22"]]),
    ("DM II wo cmp", 3, &[&["E11.9"]]),
    ("sepsis d/t UTI", 3, &[&["A41.9"], &["N39.0"]]),
    ("hx tobacco dependence", 3, &[&["Z87.891"]]),
    ("hx of CVA", 3, &[&["Z86.73"]]),
    ("R hemiparesis dominant side", 3, &[&["G81.91"]]),
    ("breech presentation", 3, &[&["O32.1XX0"]]),
    ("acute calculous cholecystitis", 3, &[&["K80.00"]]),
    ("R THA", 3, &[&["0SR9*"]]),
    ("sigmoid polyp", 3, &[&["K63.5"]]),
    ("tubular adenoma sigmoid", 3, &[&["D12.5"]]),
    ("adenoma of cecum", 3, &[&["D12.0"]]),
    ("decubitus ulcer sacrum stage 3", 3, &[&["L89.153"]]),
    ("BMI 42", 3, &[&["Z68.41"]]),
    ("CHF", 3, &[&["I50.9"]]),
    ("adverse effect of warfarin", 3, &[&["T45.515A"]]),
    ("vein harvest", 3, &[&["06B*"]]),
    ("expressive aphasia", 3, &[&["R47.01"]]),
    ("LTCS", 3, &[&["10D00Z1"]]),
    ("tPA", 3, &[&["3E03317"]]),
    ("acute appendicitis localized peritonitis", 10, &[&["K35.30"], &["K35.31"]]),
    ("acetaminophen poisoning accidental", 3, &[&["T39.1X1A"]]),
    ("warfarin underdosing", 3, &[&["T45.516A"]]),
    // Issue 12 item 3, second pass: each answered by a reviewed line in index/abbreviations.txt
    // (`acute appy`, `cholelithiasis`, `calculous cholecystitis`) or by `d/t` weighing as the
    // stop words it means; `e coli uti` and `screening colonoscopy` were answered already.
    ("acute appy w periton", 10, &[&["K35.2*", "K35.3*"]]),
    ("cholelithiasis", 3, &[&["K80.20"]]),
    ("e coli uti", 10, &[&["B96.20"], &["N39.0"]]),
    ("screening colonoscopy", 10, &[&["Z12.11"]]),
];

/// Pinned queries the search does not answer yet (each must still miss).
const KNOWN_MISSES: &[&str] = &[];

fn found(codes: &[String], groups: &[&[&str]]) -> bool {
    let is = |code: &str, want: &str| match want.strip_suffix('*') {
        Some(prefix) => code.starts_with(prefix),
        None => code == want,
    };
    groups.iter().all(|g| codes.iter().any(|c| g.iter().any(|w| is(c, w))))
}

#[test]
fn everyday_queries_find_the_codes_a_coder_wants() {
    let (mut missed, mut fixed) = (Vec::new(), Vec::new());
    for &(text, top, groups) in PINS {
        let mut q = Query::new(text);
        q.limit = top;
        let codes: Vec<String> =
            shared().engine.search(&q).expect("search").into_iter().map(|h| h.code).collect();
        match (found(&codes, groups), KNOWN_MISSES.contains(&text)) {
            (false, false) => missed.push(format!("{text:?} top {top}: {codes:?}")),
            (true, true) => fixed.push(text),
            _ => {}
        }
    }
    assert!(missed.is_empty(), "pinned queries that miss:\n{}", missed.join("\n"));
    assert!(fixed.is_empty(), "known misses now found (move them out of KNOWN_MISSES): {fixed:?}");
    assert!(KNOWN_MISSES.iter().all(|m| PINS.iter().any(|p| p.0 == *m)), "a known miss that is not pinned");
}

#[test]
fn a_pin_is_found_only_when_every_group_is() {
    let codes = ["A41.9".to_string(), "0SR90JZ".to_string()];
    assert!(found(&codes, &[&["A41.9"], &["0SR9*"]]));
    assert!(!found(&codes, &[&["A41.9"], &["N39.0"]]));
    assert!(!found(&codes, &[&["A41"]]));
}

#[test]
fn a_code_found_through_a_book_row_says_where() {
    let mut q = Query::new("acetaminophen poisoning accidental");
    q.limit = 3;
    let hits = shared().engine.search(&q).expect("search");
    let via = hits.iter().find_map(|h| h.via.clone()).unwrap_or_default();
    assert_eq!(via, "Drug table: Acetaminophen > poisoning accidental", "{hits:?}");
    let row = hits.iter().find(|h| h.via.is_some()).expect("a book row");
    // The row gives the code the table prints, as its initial encounter, under its tabular title.
    assert_eq!(
        (row.code.as_str(), row.title.as_str()),
        ("T39.1X1A", "Poisoning by 4-Aminophenol derivatives, accidental (unintentional), initial encounter")
    );
    // A code query never answers with a book row.
    let hits = shared().engine.search(&Query::new("t39.1x1")).expect("search");
    assert!(hits.iter().all(|h| h.via.is_none()), "{hits:?}");
}
