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
    both("pcs", "<C-b>0D");
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
    both("record", "<C-q><Enter><Tab>chronic<C-a><Tab><Tab>P");
}

#[test]
fn empty_query_lists_favourites_and_recent_codes() {
    both("recent", "chronic<Enter>/<C-u><Esc>f");
}
