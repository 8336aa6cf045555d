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
fn books_drug_table_grid() {
    both("books_drug", "<C-k>acetaminophen<Right>");
}

#[test]
fn books_header_cell_offers_its_7th_characters() {
    both("books_offers", "<C-k>acetaminophen<Enter>");
}

#[test]
fn books_neoplasm_table_grid() {
    both("books_neoplasm", "<C-k><C-s>breast upper");
}

#[test]
fn books_external_cause_index() {
    both("books_external", "<C-k><C-s><C-s>accident aircraft");
}

#[test]
fn books_pcs_index() {
    both("books_pcs", "<C-k><C-s><C-s><C-s>appendectomy");
}

#[test]
fn books_alphabetic_index_fixture() {
    let s = FakeSearch(fake_hits());
    for size in [(80, 24), (120, 40)] {
        let mut a = crate::app::books::tests::with_fixture_index(size);
        keys(&mut a, &s, "<C-k><C-s><C-s>glimmerosis");
        insta::assert_snapshot!(format!("books_index_{}x{}", size.0, size.1), screen(&a));
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
fn tree_with_an_hcpcs_section_open() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    a.start();
    keys(&mut a, &s, "<C-t>ie0114<Enter>");
    insta::assert_snapshot!("tree_hcpcs_80x24", screen(&a));
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
    assert!(text.contains("o/A try E11.21"), "{text}");
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

/// Rows `rows` of the screen, as text.
fn rows(a: &App, rows: std::ops::Range<u16>) -> String {
    let mut term = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    term.draw(|f| super::draw(a, f)).unwrap();
    let buf = term.backend().buffer().clone();
    rows.map(|y| (0..a.size.0).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

fn fractures() -> FakeSearch {
    let h = |code: &str, end: &str| crate::search::Hit {
        code: code.into(),
        title: format!("Displaced fracture of base of neck of right femur, initial encounter for {end}"),
        set: crate::codeset::CodeSet::Icd10cm,
        billable: true,
        score: 1.0,
        matched: crate::search::Matched::Title,
        via: None,
    };
    FakeSearch(vec![
        h("S72.031A", "closed fracture"),
        h("S72.031B", "open fracture type I or II"),
        h("S72.031C", "open fracture type IIIA, IIIB, or IIIC"),
    ])
}

#[test]
fn rows_tell_codes_apart_and_the_selected_title_shows_whole() {
    let s = fractures();
    for size in [(80, 24), (120, 40)] {
        let mut a = app(size);
        with_queue(&mut a);
        keys(&mut a, &s, "fracture<C-n>");
        let area = crate::layout::screen(a.size).search(false);
        let parts = crate::layout::search(area);
        let text = rows(&a, parts.results.y..parts.results.y + 3);
        for end in ["closed fracture", "type I or II", "IIIB, or IIIC"] {
            assert!(text.contains(end), "{end} cut from:\n{text}");
        }
        let title = rows(&a, parts.title.y..parts.title.bottom());
        insta::assert_snapshot!(format!("selected_title_{}x{}", size.0, size.1), title);
    }
}

#[test]
fn the_record_header_shows_what_the_coder_codes_from() {
    let s = FakeSearch(fake_hits());
    for size in [(80, 24), (120, 40)] {
        let mut a = app(size);
        with_queue(&mut a);
        // OP-3001, the 25th record, has codes assigned upstream.
        keys(&mut a, &s, &format!("<C-q>{}<Enter>", "j".repeat(24)));
        let q = a.queue.as_ref().expect("queue");
        assert_eq!(q.open.as_deref(), Some("OP-3001"));
        let r = crate::layout::record(crate::layout::screen(a.size).with_record.record, q.record_shape());
        let text = rows(&a, r.head.y..r.head.bottom()) + &rows(&a, r.codes.y..r.codes.y + 3);
        assert!(text.contains("assigned upstream: E11.2 N18.3 I10"), "{text}");
        insta::assert_snapshot!(format!("record_header_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn under_no_color_only_the_selected_row_is_reversed() {
    use ratatui::style::Modifier;
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    assert_eq!(a.theme.mode, crate::theme::ColorMode::NoColor);
    // A favourite and a highlighted word on screen too.
    keys(&mut a, &s, "diabetes<Esc>f<C-n>");
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| super::draw(&a, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let list = crate::layout::search(crate::layout::screen(a.size).main).results;
    let sel = list.y + a.search.sel as u16;
    for y in list.y..list.y + a.search.hits.len() as u16 {
        let reversed = buf[(list.x, y)].style().add_modifier.contains(Modifier::REVERSED);
        assert_eq!(reversed, y == sel, "row {y}");
    }
    assert_ne!(a.theme.highlight.add_modifier, a.theme.selected.add_modifier);
}

#[test]
fn at_50_columns_the_stale_edition_still_warns_and_f1_help_stays() {
    let s = FakeSearch(fake_hits());
    for width in [50, 80] {
        let mut a = app((width, 24));
        keys(&mut a, &s, "diabetes<Esc>");
        let text = rows(&a, 0..1);
        assert!(text.contains('⚠'), "{text}");
        let status = rows(&a, 23..24);
        assert!(status.contains("? help") || status.contains("F1 help"), "{status}");
    }
}

#[test]
fn the_builder_takes_lower_case_labels_each_character_and_attaches() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><C-x>0dt");
    assert_eq!(a.pcs.prefix, "0DT");
    let text = screen(&a);
    for want in
        ["Body System    D Gastrointestinal System", "Operation      T Resection", "Character 4: Body Part"]
    {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    keys(&mut a, &s, "j4zz");
    assert_eq!(a.pcs.prefix, "0DTJ4ZZ");
    assert!(screen(&a).contains("Enter attaches it"));
    keys(&mut a, &s, "<Enter>");
    let q = a.queue.as_ref().expect("queue");
    let codes: Vec<String> = q.work_of("IP-1001").codes.iter().map(|c| c.code.clone()).collect();
    assert_eq!(codes, ["0DTJ4ZZ"]);
}
