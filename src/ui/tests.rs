//! Snapshots of the main screens at 80x24 and 120x40.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::tests::{FakeSearch, app, fake_hits, keys, with_queue};

fn screen(a: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    term.draw(|f| super::draw(a, f)).unwrap();
    format!("{}", term.backend())
}

fn both(name: &str, script: &str) {
    let s = FakeSearch(fake_hits());
    for size in [(80, 24), (120, 40)] {
        let mut a = app(size);
        with_queue(&mut a);
        a.start();
        keys(&mut a, &s, script);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(&a));
    }
}

#[test]
fn search_with_results() {
    both("search", "diabetes<C-n>");
}

#[test]
fn detail_with_inherited_notes() {
    both("detail", "chronic<Enter>n");
}

#[test]
fn tree_revealing_a_code() {
    both("tree", "chronic<Enter>r");
}

#[test]
fn pcs_builder() {
    both("pcs", "<C-x>0D");
}

#[test]
fn help() {
    both("help", "<F1>");
}

#[test]
fn queue() {
    both("queue", "<C-q>");
}

#[test]
fn record_view_beside_the_search() {
    both("record", "<C-q><Enter><Tab>chronic<C-e><Tab><Tab>P");
}

#[test]
fn empty_query_lists_favourites_and_recent_codes() {
    both("recent", "chronic<Enter>/<C-u><Esc>f");
}

#[test]
fn record_find_shows_the_match_count() {
    both("record_find", "<C-q><Enter>fperforation<Enter>n");
}

#[test]
fn find_matches_are_marked_apart_from_the_search_words() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "appendix<Esc><C-q><Enter>fperforation<Enter>");
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| super::draw(&a, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let style_of = |word: &str| {
        (0..24u16)
            .find_map(|y| {
                let row: String = (0..80u16).map(|x| buf[(x, y)].symbol().to_string()).collect();
                row.find(word).map(|i| {
                    let x = row[..i].chars().count() as u16;
                    buf[(x, y)].style()
                })
            })
            .unwrap_or_else(|| panic!("{word} not on screen"))
    };
    let t = &a.theme;
    assert_eq!(style_of("perforation").add_modifier, t.found_current.add_modifier);
    assert_eq!(style_of("appendix").add_modifier, t.highlight.add_modifier);
    assert_ne!(t.found_current, t.highlight);
    assert_ne!(t.found, t.highlight);
}

#[test]
fn a_header_code_shows_its_error_with_the_billable_codes_to_try() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    // E11.2 is a header in both the fixture and the shipped tabular.
    keys(&mut a, &s, "<C-q><Enter><Tab>complications<C-e><Tab><Tab>");
    let text = screen(&a);
    assert!(text.contains("error: E11.2 is a header"), "{text}");
    assert!(text.contains("  try E11.21"), "{text}");
    assert!(text.contains("rule: "), "{text}");
}

#[test]
fn help_lists_the_find_keys_of_the_record_view() {
    let a = app((80, 24));
    let text: Vec<String> = super::help::lines(&a).iter().map(|l| l.to_string()).collect();
    let text = text.join("\n");
    let record = text.find("Record").expect("a Record section");
    let rest = &text[record..];
    for want in ["find in note", "next match", "previous match", "next record"] {
        assert!(rest.contains(want), "{want} missing from:\n{rest}");
    }
}
