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
