use super::*;
use crate::codeset::shipped;

fn tabular() -> Tabular {
    Tabular::parse(&shipped::CM_TABULAR.bytes(), shipped::CM_TABULAR.name)
        .expect("the shipped tabular parses")
}

#[test]
fn shipped_tabular_has_22_chapters_and_the_official_billable_count() {
    let t = tabular();
    assert_eq!(t.chapters.len(), 22);
    assert_eq!(t.billable_count(), 74_719);
}
