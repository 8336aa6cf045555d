//! The FY2027 edition against the agencies' own addenda, and FY2026 beside it.

use std::sync::OnceLock;

use super::*;
use crate::codeset::shipped::{self, FY2026, FY2027};

fn fy2026() -> &'static Codebook {
    static B: OnceLock<Codebook> = OnceLock::new();
    B.get_or_init(|| shipped::load_edition(FY2026).expect("fy2026-shipped loads"))
}

fn fy2027() -> &'static Codebook {
    static B: OnceLock<Codebook> = OnceLock::new();
    B.get_or_init(|| shipped::load_edition(FY2027).expect("fy2027-shipped loads"))
}

#[test]
fn counts_are_cms_counts() {
    assert_eq!(fy2027().cm.billable_count(), 74_879);
    assert_eq!(fy2027().pcs.codes.len(), 79_256);
    assert_eq!(fy2026().cm.billable_count(), 74_719);
    assert_eq!(fy2026().pcs.codes.len(), 79_115);
    // CMS's April 1, 2026 codes: 78, none of them in the October 2025 tables.
    assert_eq!(fy2026().pcs.update_codes.len(), 78);
    assert_eq!(fy2026().pcs.update_from.map(|d| d.to_string()).as_deref(), Some("2026-04-01"));
    assert_eq!(fy2027().changes.cm.counts, Some((74_719, 74_879)));
    assert_eq!(fy2027().changes.pcs.counts, Some((79_193, 79_256)));
}

#[test]
fn every_cm_addenda_change_is_in_fy2027() {
    let (old, new) = (fy2026(), fy2027());
    let a = &new.changes.cm;
    assert_eq!((a.added.len(), a.deleted.len(), a.revised.len()), (190, 30, 4));
    for (code, title) in &a.added {
        let id = new.cm.get(code).unwrap_or_else(|| panic!("{code} added but missing"));
        let n = new.cm.node(id);
        assert!(n.billable, "{code} added but not billable");
        assert_eq!(&n.title, title, "{code}");
        assert!(old.cm.get(code).is_none_or(|id| !old.cm.node(id).billable), "{code} was already billable");
    }
    for (code, title) in &a.deleted {
        assert!(new.cm.get(code).is_none_or(|id| !new.cm.node(id).billable), "{code} deleted but billable");
        let id = old.cm.get(code).unwrap_or_else(|| panic!("{code} deleted but not in FY2026"));
        assert!(old.cm.node(id).billable && &old.cm.node(id).title == title, "{code}");
    }
    for (code, (from, to)) in &a.revised {
        assert_eq!(&old.cm.node(old.cm.get(code).expect("in FY2026")).title, from, "{code}");
        assert_eq!(&new.cm.node(new.cm.get(code).expect("in FY2027")).title, to, "{code}");
    }
}

#[test]
fn every_pcs_addenda_change_is_in_fy2027() {
    let (old, new) = (fy2026(), fy2027());
    let a = &new.changes.pcs;
    assert_eq!((a.added.len(), a.deleted.len(), a.revised.len()), (101, 38, 3));
    for (code, title) in &a.added {
        assert!(new.pcs.is_code(code), "{code} added but missing");
        assert_eq!(new.pcs.title(code).map(|t| t.text).as_ref(), Some(title), "{code}");
        assert!(!old.pcs.is_code(code), "{code} was already in the FY2026 tables");
    }
    for code in a.deleted.keys() {
        assert!(!new.pcs.is_code(code), "{code} deleted but present");
        assert!(old.is_valid(CodeSet::Icd10pcs, code, None), "{code} deleted but not valid in FY2026");
    }
    for (code, (_, to)) in &a.revised {
        assert_eq!(new.pcs.title(code).map(|t| t.text).as_ref(), Some(to), "{code}");
    }
}

#[test]
fn a_code_of_each_kind_of_change() {
    let (old, new) = (fy2026(), fy2027());
    let billable = |b: &Codebook, c: &str| b.cm.get(c).is_some_and(|id| b.cm.node(id).billable);
    // A billable code that became a header.
    for code in ["I42.0", "M72.2", "D69.1", "I49.8", "Z68.1"] {
        assert!(billable(old, code), "{code} billable in FY2026");
        assert!(!billable(new, code) && new.cm.get(code).is_some(), "{code} a header in FY2027");
    }
    // A new category.
    assert!(old.cm.get("J4B").is_none());
    let j4b = new.cm.get("J4B").expect("J4B in FY2027");
    assert_eq!(new.cm.node(j4b).kind, CmKind::Category);
    assert!(new.cm.billable_below(j4b) > 0);
    assert!(
        new.cm
            .get("J4B")
            .and_then(|id| new.cm.node(id).parent)
            .is_some_and(|s| new.cm.node(s).code == "J40-J4B")
    );
    assert!(new.cm.get("K6A").is_some() && new.cm.get("QA1").is_some());
    // A deleted code (gone entirely).
    assert!(billable(old, "S23.420A") && new.cm.get("S23.420A").is_none());
    // A retitled code.
    let t = |b: &Codebook, c: &str| b.title(CodeSet::Icd10cm, c).unwrap_or_default();
    assert_eq!(t(old, "Z29.14"), "Encounter for prophylactic rabies immune globin");
    assert_eq!(t(new, "Z29.14"), "Encounter for prophylactic rabies immune globulin");
    // New codes are marked new, in both sets.
    assert!(
        new.is_new(CodeSet::Icd10cm, "I42.00")
            && new.is_new(CodeSet::Icd10cm, "J4B.0") == billable(new, "J4B.0")
    );
    assert!(!new.is_new(CodeSet::Icd10cm, "E11.9") && !old.is_new(CodeSet::Icd10cm, "I42.00"));
    assert!(new.is_new(CodeSet::Icd10pcs, "028F3Z0") && !new.is_new(CodeSet::Icd10pcs, "0DTJ4ZZ"));
    // A PCS code deleted in FY2027 (table XD2).
    assert!(
        old.pcs.codes.iter().any(|c| c.starts_with("XD2"))
            && !new.pcs.codes.iter().any(|c| c.starts_with("XD2"))
    );
}

#[test]
fn replacement_offers() {
    let new = fy2027();
    let r = replacements(new, CodeSet::Icd10cm, "I42.0", None).expect("I42.0 is not valid in FY2027");
    assert_eq!(r.why, Invalid::Header);
    assert_eq!(r.offers, ["I42.00", "I42.01", "I42.09"]);
    let r = replacements(new, CodeSet::Icd10cm, "M722", None).expect("M72.2 is not valid in FY2027");
    assert_eq!(r.offers, ["M72.20", "M72.21", "M72.22"]);
    assert!(replacements(new, CodeSet::Icd10cm, "I42.00", None).is_none());
    assert!(replacements(fy2026(), CodeSet::Icd10cm, "I42.0", None).is_none());
    // Gone entirely, nothing added in its place: the billable codes under its nearest ancestor.
    let r = replacements(new, CodeSet::Icd10cm, "S23.420A", None).expect("deleted");
    assert_eq!(r.why, Invalid::Deleted);
    assert_eq!(r.offers[..3], ["S23.421A", "S23.421D", "S23.421S"]);
    assert!(r.offers.iter().all(|c| new.is_valid(CodeSet::Icd10cm, c, None)), "{:?}", r.offers);
    // Deleted with new codes beside it: those are offered (M86.8X1 -> the new M86.8X codes).
    let r = replacements(new, CodeSet::Icd10cm, "M86.8X1", None).expect("deleted");
    assert!(
        !r.offers.is_empty() && r.offers.iter().all(|c| new.is_new(CodeSet::Icd10cm, c)),
        "{:?}",
        r.offers
    );
    // An April 2026 PCS code is valid in FY2026 from 2026-04-01 only.
    let april = fy2026().pcs.update_codes.keys().next().expect("an update code").clone();
    let d = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    assert!(fy2026().is_valid(CodeSet::Icd10pcs, &april, d("2026-04-01")));
    assert!(!fy2026().is_valid(CodeSet::Icd10pcs, &april, d("2026-03-31")));
    assert!(
        new.is_valid(CodeSet::Icd10pcs, &april, d("2026-10-01"))
            || new.changes.pcs.deleted.contains_key(&april)
    );
}

#[test]
fn diff_fy2026_to_fy2027() {
    let d = diff(fy2026(), fy2027());
    let cm = |v: &[Listed]| {
        v.iter().filter(|c| c.set == CodeSet::Icd10cm).map(|c| normalize(&c.code)).collect::<Vec<_>>()
    };
    let a = &fy2027().changes.cm;
    assert_eq!(cm(&d.added), a.added.keys().cloned().collect::<Vec<_>>());
    assert_eq!(cm(&d.deleted), a.deleted.keys().cloned().collect::<Vec<_>>());
    let retitled: Vec<String> =
        d.retitled.iter().filter(|c| c.set == CodeSet::Icd10cm).map(|c| normalize(&c.code)).collect();
    assert_eq!(retitled, a.revised.keys().cloned().collect::<Vec<_>>());
    // M72.2's inclusion term, one of the note changes the CM README lists.
    assert!(d.notes.iter().any(|n| n.code == "M72.2"
        && n.kind == NoteKind::InclusionTerm
        && n.removed == ["Plantar fasciitis"]
        && n.added == ["Ledderhose disease"]));
    // ICD-10-PCS: FY2026 with its April codes, to FY2027.
    let pcs = |v: &[Listed]| v.iter().filter(|c| c.set == CodeSet::Icd10pcs).count();
    assert_eq!(
        fy2026().pcs.codes.len() + fy2026().pcs.update_codes.len() + pcs(&d.added) - pcs(&d.deleted),
        79_256
    );
    // ICD-10-PCS retitled codes are codes of both editions with another title.
    for c in d.retitled.iter().filter(|c| c.set == CodeSet::Icd10pcs) {
        assert!(c.old != c.new && fy2026().pcs.title(&c.code).is_some(), "{c:?}");
    }
}
