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
#[ignore = "exploration"]
fn explore() {
    let pcs = pcs();
    println!("titles {} unknown {} composed {}", pcs.titles.len(), pcs.titles_unknown, pcs.composed_count());
    println!("defs {} unattached {}", pcs.definitions.len(), pcs.unattached_definitions().count());
    for d in pcs.unattached_definitions().take(40) {
        println!("  unattached {} {} {} {:?}", d.section, d.pos, d.axis, d.title);
    }
    let letters = pcs.index.len();
    let mains: usize = pcs.index.iter().map(|l| l.terms.len()).sum();
    fn count(t: &PcsIndexTerm) -> usize {
        t.terms.iter().map(|s| 1 + count(s)).sum()
    }
    let terms: usize = pcs.index.iter().flat_map(|l| &l.terms).map(count).sum();
    println!("index letters {letters} mains {mains} terms {terms}");
    println!("{:#?}", pcs.index_lookup("appendectomy"));
    println!("{:?}", pcs.next_chars(""));
    println!("{:?}", pcs.next_chars("0DTJ"));
    println!("{:#?}", pcs.explain("0DTJ4ZZ"));
    let mut ok = 0;
    let mut n = 0;
    let mut shown = 0;
    for code in pcs.codes.iter().step_by(37) {
        let Some(t) = pcs.titles.get(code) else { continue };
        n += 1;
        let c = compose::compose(pcs, code, true);
        if &c == t {
            ok += 1
        } else if shown < 30 {
            shown += 1;
            println!("{code}\n  cms {t}\n  our {c}");
        }
    }
    println!("template matches {ok} of {n}");
    for c in pcs.codes.iter().filter(|c| !pcs.titles.contains_key(c.as_str())).step_by(10) {
        println!("missing {c} {}", pcs.title(c).unwrap().text);
    }
}
