//! `update` driven by scripted keys over a small synthetic code book.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tree::TreeNode;
use super::*;
use crate::codeset::icd10cm::{CmKind, CmNode, Notes};
use crate::codeset::{Codebook, Tabular};
use crate::search::{Hit, Matched, Query, Search};
use crate::theme::{ColorMode, Theme};

/// A few real-looking ICD-10-CM nodes with notes at several levels (synthetic text).
pub(crate) fn fixture_tabular() -> Tabular {
    let mut t = Tabular { version: "fixture".into(), ..Tabular::default() };
    let mut add =
        |code: &str, kind: CmKind, title: &str, parent: Option<NodeId>, billable: bool, notes: Notes| {
            t.push_node(CmNode {
                code: code.into(),
                kind,
                title: title.into(),
                parent,
                children: vec![],
                billable,
                notes,
            })
        };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let ch4 = add(
        "4",
        CmKind::Chapter,
        "Endocrine, nutritional and metabolic diseases (E00-E89)",
        None,
        false,
        Notes {
            notes: s(&["All neoplasms, whether functionally active or not, are classified in Chapter 2."]),
            ..Notes::default()
        },
    );
    let dm = add("E08-E13", CmKind::Block, "Diabetes mellitus", Some(ch4), false, Notes::default());
    add("E10", CmKind::Category, "Type 1 diabetes mellitus", Some(dm), false, Notes::default());
    let e11 = add(
        "E11",
        CmKind::Category,
        "Type 2 diabetes mellitus",
        Some(dm),
        false,
        Notes {
            includes: s(&["diabetes (mellitus) due to insulin secretory defect"]),
            excludes1: s(&[
                "diabetes mellitus due to underlying condition (E08.-)",
                "type 1 diabetes mellitus (E10.-)",
            ]),
            use_additional_code: s(&["code to identify control using: insulin (Z79.4)"]),
            ..Notes::default()
        },
    );
    let e112 = add(
        "E11.2",
        CmKind::Subcategory,
        "Type 2 diabetes mellitus with kidney complications",
        Some(e11),
        false,
        Notes::default(),
    );
    add(
        "E11.21",
        CmKind::Code,
        "Type 2 diabetes mellitus with diabetic nephropathy",
        Some(e112),
        true,
        Notes::default(),
    );
    add(
        "E11.22",
        CmKind::Code,
        "Type 2 diabetes mellitus with diabetic chronic kidney disease",
        Some(e112),
        true,
        Notes {
            use_additional_code: s(&["code to identify stage of chronic kidney disease (N18.1-N18.6)"]),
            ..Notes::default()
        },
    );
    add(
        "E11.9",
        CmKind::Code,
        "Type 2 diabetes mellitus without complications",
        Some(e11),
        true,
        Notes::default(),
    );
    let ch14 = add(
        "14",
        CmKind::Chapter,
        "Diseases of the genitourinary system (N00-N99)",
        None,
        false,
        Notes::default(),
    );
    let blk = add(
        "N17-N19",
        CmKind::Block,
        "Acute kidney failure and chronic kidney disease",
        Some(ch14),
        false,
        Notes::default(),
    );
    let n18 = add(
        "N18",
        CmKind::Category,
        "Chronic kidney disease (CKD)",
        Some(blk),
        false,
        Notes {
            code_also: s(&["any associated diabetic chronic kidney disease (E11.22)"]),
            ..Notes::default()
        },
    );
    add("N18.1", CmKind::Code, "Chronic kidney disease, stage 1", Some(n18), true, Notes::default());
    add("N18.6", CmKind::Code, "End stage renal disease", Some(n18), true, Notes::default());
    let ch21 = add(
        "21",
        CmKind::Chapter,
        "Factors influencing health status and contact with health services (Z00-Z99)",
        None,
        false,
        Notes::default(),
    );
    let zb = add(
        "Z77-Z99",
        CmKind::Block,
        "Persons with potential health hazards related to family and personal history",
        Some(ch21),
        false,
        Notes::default(),
    );
    let z79 =
        add("Z79", CmKind::Category, "Long term (current) drug therapy", Some(zb), false, Notes::default());
    add("Z79.4", CmKind::Code, "Long term (current) use of insulin", Some(z79), true, Notes::default());
    t
}

/// The shipped edition's metadata over the fixture tabular, or the real
/// shipped tabular when its parser has landed.
pub(crate) fn fixture_book() -> Arc<Codebook> {
    static BOOK: std::sync::OnceLock<Arc<Codebook>> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| {
        // The example queue is FY2026 encounters: the FY2026 edition.
        let mut book = crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2026)
            .expect("shipped code sets load");
        if book.cm.get("E11.22").is_none() {
            book.cm = fixture_tabular();
        }
        Arc::new(book)
    })
    .clone()
}

/// Fixed hits, filtered like a real engine would.
pub(crate) struct FakeSearch(pub Vec<Hit>);

impl Search for FakeSearch {
    fn search(&self, q: &Query) -> anyhow::Result<Vec<Hit>> {
        let words: Vec<String> = q.text.split_whitespace().map(|w| w.to_lowercase()).collect();
        Ok(self
            .0
            .iter()
            .filter(|h| q.set.is_none_or(|s| s == h.set) && (!q.billable_only || h.billable))
            .filter(|h| {
                words.iter().any(|w| {
                    h.title.to_lowercase().contains(w.as_str())
                        || h.code.to_lowercase().starts_with(w.as_str())
                })
            })
            .cloned()
            .collect())
    }
}

pub(crate) fn fake_hits() -> Vec<Hit> {
    let h = |code: &str, title: &str, set, billable| Hit {
        code: code.into(),
        title: title.into(),
        set,
        billable,
        score: 1.0,
        matched: Matched::Title,
        via: None,
    };
    vec![
        h("E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease", CodeSet::Icd10cm, true),
        h("E11.21", "Type 2 diabetes mellitus with diabetic nephropathy", CodeSet::Icd10cm, true),
        h("E11.2", "Type 2 diabetes mellitus with kidney complications", CodeSet::Icd10cm, false),
        h("E11.9", "Type 2 diabetes mellitus without complications", CodeSet::Icd10cm, true),
        h("N18.6", "End stage renal disease", CodeSet::Icd10cm, true),
        h("0TY00Z0", "Transplantation of Right Kidney, Allogeneic, Open Approach", CodeSet::Icd10pcs, true),
    ]
}

pub(crate) fn app(size: (u16, u16)) -> App {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    App::new(fixture_book(), KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, size)
}

fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(c, m)
}

/// Feed keys written as in the key map (`diabetes`, `<C-n>`, `<Enter>`), running searches like the loop does.
pub(crate) fn keys(app: &mut App, search: &dyn Search, script: &str) -> Vec<Effect> {
    let mut all = Vec::new();
    let mut rest = script;
    while !rest.is_empty() {
        let (ev, len) = if rest.starts_with('<')
            && let Some(end) = rest.find('>')
        {
            let name = &rest[1..end];
            let k: crate::keymap::Key = name.parse().expect("key name");
            let code = match k.code {
                crate::keymap::KeyCodeOrd::Char(c) => KeyCode::Char(c),
                crate::keymap::KeyCodeOrd::Enter => KeyCode::Enter,
                crate::keymap::KeyCodeOrd::Esc => KeyCode::Esc,
                crate::keymap::KeyCodeOrd::Tab => KeyCode::Tab,
                crate::keymap::KeyCodeOrd::Backspace => KeyCode::Backspace,
                crate::keymap::KeyCodeOrd::Down => KeyCode::Down,
                crate::keymap::KeyCodeOrd::Up => KeyCode::Up,
                crate::keymap::KeyCodeOrd::Left => KeyCode::Left,
                crate::keymap::KeyCodeOrd::Right => KeyCode::Right,
                crate::keymap::KeyCodeOrd::F(n) => KeyCode::F(n),
                other => panic!("script key {other:?}"),
            };
            let mut m = KeyModifiers::NONE;
            if k.ctrl {
                m |= KeyModifiers::CONTROL;
            }
            if k.alt {
                m |= KeyModifiers::ALT;
            }
            (key(code, m), end + 1)
        } else {
            let c = rest.chars().next().unwrap();
            (key(KeyCode::Char(c), KeyModifiers::NONE), c.len_utf8())
        };
        rest = &rest[len..];
        let effects = app.handle_key(&ev);
        for e in &effects {
            match e {
                Effect::Search(q) => app.set_hits(search.search(q)),
                Effect::Queue { record, op } => apply_op(app, record, op),
                Effect::SaveRecents
                | Effect::Claim(_)
                | Effect::Release(_)
                | Effect::Heartbeat(_)
                | Effect::TakeOver(_)
                | Effect::BookStep(_)
                | Effect::LoadEdition(_) => {}
            }
        }
        all.extend(effects);
    }
    all
}

/// What the store does, without the file: apply the operation to the work copy.
fn apply_op(app: &mut App, record: &str, op: &crate::queue::Op) {
    let Some(work) = app.queue.as_ref().map(|q| q.work_of(record)) else { return };
    let errors = app.edit_errors(record, &work.codes);
    let Some(q) = app.queue.as_mut() else { return };
    let when = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().to_utc();
    let cx = crate::queue::work::Context { who: "coder", when, edit_errors: errors };
    match crate::queue::work::apply(record, &work, op, &cx) {
        Ok((w, _)) => {
            q.work.insert(record.to_string(), w);
            app.refresh_edits();
        }
        Err(e) => app.message = Some(e.to_string()),
    }
}

/// The shipped example queue, as `tui::run` opens it (without the store).
pub(crate) fn with_queue(app: &mut App) {
    let loaded = crate::queue::load_example();
    app.queue = Some(queue::QueueState {
        name: loaded.name.clone(),
        problems: loaded.invalid_count(),
        records: loaded.records,
        ..Default::default()
    });
}

fn cur_code(app: &App) -> Option<String> {
    match app.detail.current()? {
        Target::Cm(id) => Some(app.book.cm.node(*id).code.clone()),
        Target::Pcs(p) | Target::Flat(_, p) => Some(p.clone()),
    }
}

#[test]
fn letters_are_text_in_the_search_box_and_each_keystroke_searches() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    let effects = keys(&mut a, &s, "kidney");
    assert_eq!(a.search.query, "kidney");
    assert_eq!(effects.iter().filter(|e| matches!(e, Effect::Search(_))).count(), 6);
    assert_eq!(a.search.hits.len(), 3);
    assert_eq!(a.search.sel, 0);
    // Ctrl-n moves while typing; `j` would have been text.
    keys(&mut a, &s, "<C-n><Down><Up>");
    assert_eq!(a.search.sel, 1);
    assert_eq!(cur_code(&a).as_deref(), Some("E11.2"), "the detail follows the selection");
    keys(&mut a, &s, "<C-w>");
    assert_eq!(a.search.query, "");
}

#[test]
fn esc_leaves_the_box_then_vim_keys_move() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "diabetes<Esc>jjj");
    assert_eq!(a.search.query, "diabetes");
    assert_eq!(a.search.sel, 3);
    keys(&mut a, &s, "gg");
    assert_eq!(a.search.sel, 0);
    keys(&mut a, &s, "G");
    assert_eq!(a.search.sel, 3);
    keys(&mut a, &s, "/x");
    assert_eq!(a.search.query, "diabetesx");
}

#[test]
fn filters_are_one_key_away_and_go_into_the_query() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "kidney");
    let effects = keys(&mut a, &s, "<C-s>");
    let Some(Effect::Search(q)) = effects.last() else { panic!("{effects:?}") };
    assert_eq!(q.set, Some(CodeSet::Icd10cm));
    keys(&mut a, &s, "<C-s><C-o>");
    assert_eq!(a.search.set, Some(CodeSet::Icd10pcs));
    assert!(a.search.billable_only);
    assert_eq!(a.search.hits.iter().map(|h| h.code.as_str()).collect::<Vec<_>>(), vec!["0TY00Z0"]);
}

#[test]
fn enter_opens_detail_and_remembers_the_code_for_the_empty_query() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    let effects = keys(&mut a, &s, "chronic<Enter>");
    assert!(effects.contains(&Effect::SaveRecents));
    assert_eq!(a.pane, Pane::Detail);
    assert_eq!(cur_code(&a).as_deref(), Some("E11.22"));
    assert_eq!(a.recents.recent[0].code, "E11.22");
    // Back to the search box, clear it: the recent code is listed.
    keys(&mut a, &s, "/<C-u>");
    assert_eq!(a.search.hits.first().map(|h| h.code.as_str()), Some("E11.22"));
    // Favourite it from the results.
    keys(&mut a, &s, "<Esc>f");
    assert!(a.recents.is_favourite(CodeSet::Icd10cm, "E11.22"));
}

#[test]
fn links_in_notes_are_followed_with_history() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "chronic<Enter>");
    let links = detail::doc(&a, a.detail_width()).links;
    assert!(links.len() >= 3, "{links:?}");
    // `n` selects the first link, Enter follows it, `[` comes back.
    keys(&mut a, &s, "n");
    assert_eq!(a.detail.link, Some(0));
    let first = links[0].target.clone();
    keys(&mut a, &s, "<Enter>");
    assert_eq!(a.detail.current(), Some(&first));
    keys(&mut a, &s, "[");
    assert_eq!(cur_code(&a).as_deref(), Some("E11.22"));
    // `N18.1-N18.6` in E11.22's own Use additional code note leads to N18.1.
    let n18 = links.iter().position(|l| a.detail_target_code(&l.target) == "N18.1").expect("N18 link");
    for _ in 0..=n18 {
        keys(&mut a, &s, "n");
    }
    keys(&mut a, &s, "<Enter>");
    assert_eq!(cur_code(&a).as_deref(), Some("N18.1"));
    keys(&mut a, &s, "[");
    assert_eq!(cur_code(&a).as_deref(), Some("E11.22"));
    keys(&mut a, &s, "]");
    assert_eq!(cur_code(&a).as_deref(), Some("N18.1"));
    keys(&mut a, &s, "NN");
    assert!(a.detail.link.is_some());
}

#[test]
fn an_hcpcs_code_opens_in_the_detail_with_its_section_quarter_and_indicators() {
    let hit = Hit {
        code: "E0114".into(),
        title: "Crutches underarm".into(),
        set: CodeSet::Hcpcs,
        billable: true,
        score: 1.0,
        matched: Matched::Title,
        via: None,
    };
    let s = FakeSearch(vec![hit]);
    let mut a = app((120, 40));
    keys(&mut a, &s, "crutch<Enter>");
    assert_eq!(cur_code(&a).as_deref(), Some("E0114"));
    let doc = detail::doc(&a, 100);
    let text: Vec<String> = doc.lines.iter().map(|l| l.iter().map(|s| s.text.as_str()).collect()).collect();
    let joined = text.join("\n");
    for line in [
        "E0114  HCPCS Level II code, October 2025 quarter (Q4 2025)",
        "Section    E  Durable Medical Equipment",
        "Coverage   D (special coverage instructions apply)",
        "BETOS      D1E",
    ] {
        assert!(text.iter().any(|l| l == line), "{line}: {joined}");
    }
}

#[test]
fn inherited_notes_name_their_origin() {
    let s = FakeSearch(fake_hits());
    let mut a = app((120, 40));
    keys(&mut a, &s, "chronic<Enter>");
    let doc = detail::doc(&a, 60);
    let text: Vec<String> = doc.lines.iter().map(|l| l.iter().map(|s| s.text.as_str()).collect()).collect();
    let joined = text.join("\n");
    assert!(joined.contains("Excludes1"), "{joined}");
    assert!(joined.contains("(from E11)"), "{joined}");
    assert!(joined.contains("(from Chapter 4)"), "a chapter is named as one: {joined}");
    let ex = joined.find("Excludes1").unwrap();
    let use_add = joined.find("Use additional code").unwrap();
    assert!(ex < use_add, "grouped in the coder's order");
}

#[test]
fn reveal_in_tree_opens_the_ancestors_and_tree_keys_move() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "chronic<Enter>r");
    assert_eq!(a.pane, Pane::Tree);
    let e1122 = a.book.cm.get("E11.22").unwrap();
    assert_eq!(a.tree.sel, Some(TreeNode::Cm(e1122)));
    let rows = a.tree.rows(&a.book);
    assert!(rows.iter().any(|r| r.0 == TreeNode::Cm(e1122)));
    keys(&mut a, &s, "K");
    assert_eq!(a.tree.sel, a.book.cm.get("E11.21").map(TreeNode::Cm));
    keys(&mut a, &s, "p");
    assert_eq!(a.tree.sel, a.book.cm.get("E11.2").map(TreeNode::Cm));
    keys(&mut a, &s, "h");
    assert!(!a.tree.expanded.contains(&TreeNode::Cm(a.book.cm.get("E11.2").unwrap())));
    keys(&mut a, &s, "ll");
    assert_eq!(a.tree.sel, a.book.cm.get("E11.21").map(TreeNode::Cm));
    keys(&mut a, &s, "gg");
    assert_eq!(a.tree.sel, a.book.cm.chapters.first().copied().map(TreeNode::Cm));
}

#[test]
fn tree_type_ahead_jumps_to_codes_and_words() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "<C-t>iz79.4");
    assert_eq!(a.tree.sel, a.book.cm.get("Z79.4").map(TreeNode::Cm));
    keys(&mut a, &s, "<Esc>i");
    keys(&mut a, &s, "end stage renal<Enter>");
    let found = a.tree.sel.expect("a node");
    let TreeNode::Cm(id) = found else { panic!("an ICD-10-CM node: {found:?}") };
    assert!(a.book.cm.node(id).title.to_lowercase().contains("end stage renal"));
    assert!(a.tree.typeahead.is_none());
    keys(&mut a, &s, "j");
    assert_ne!(a.tree.sel, Some(found), "j moves again once the jump ended");
}

#[test]
fn help_opens_and_closes_and_q_quits_outside_the_box() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "q");
    assert!(!a.quit, "q is text in the search box");
    keys(&mut a, &s, "<Esc>?");
    assert!(a.help.is_some());
    keys(&mut a, &s, "j<Esc>");
    assert!(a.help.is_none());
    keys(&mut a, &s, "q");
    assert!(a.quit);
    let mut b = app((80, 24));
    keys(&mut b, &s, "<C-c>");
    assert!(b.quit);
}

#[test]
fn tab_moves_between_the_detail_and_the_pane_beside_it() {
    let s = FakeSearch(fake_hits());
    let mut a = app((120, 40));
    keys(&mut a, &s, "<C-t><Tab>");
    assert_eq!((a.pane, a.left), (Pane::Detail, Pane::Tree));
    keys(&mut a, &s, "<Tab>");
    assert_eq!(a.pane, Pane::Tree);
}

#[test]
fn queue_open_attach_poa_and_done_with_override_moves_on() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    let effects = keys(&mut a, &s, "<C-q><Enter>");
    assert_eq!(a.layer(), Layer::Record);
    let first = a.queue.as_ref().unwrap().open.clone().unwrap();
    // Opening to read changes nothing: the claim, but no Start until the first change.
    assert!(!effects.iter().any(|e| matches!(e, Effect::Queue { .. })), "{effects:?}");
    assert_eq!(a.queue.as_ref().unwrap().status(&first), crate::queue::Status::New);
    assert!(effects.contains(&Effect::Claim(first.clone())));
    // Tab to the search box, find, attach with Ctrl-e; Tab Tab back to the record.
    keys(&mut a, &s, "<Tab>chronic<C-e><Tab><Tab>");
    assert_eq!(a.pane, Pane::Queue);
    let q = a.queue.as_ref().unwrap();
    let work = q.work_of(&first);
    assert_eq!(work.codes.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["E11.22"]);
    assert_eq!(work.status, crate::queue::Status::InProgress);
    // Inpatient: P sets POA Y.
    keys(&mut a, &s, "P");
    assert_eq!(a.queue.as_ref().unwrap().work_of(&first).codes[0].poa, Some(crate::queue::Poa::Y));
    // Done: whatever the edits say, the record ends done and the next one opens.
    keys(&mut a, &s, "D");
    if a.queue.as_ref().unwrap().prompt.is_some() {
        keys(&mut a, &s, "<Enter>");
        assert!(a.queue.as_ref().unwrap().prompt.is_some(), "an empty reason is refused");
        keys(&mut a, &s, "documented by the attending<Enter>");
    }
    let q = a.queue.as_ref().unwrap();
    assert_eq!(q.status(&first), crate::queue::Status::Done);
    assert_ne!(q.open.as_deref(), Some(first.as_str()));
    // Esc back to the list (giving the claim back); the filter shows the done one.
    let open = a.queue.as_ref().unwrap().open.clone().unwrap();
    let effects = keys(&mut a, &s, "<Esc>");
    assert_eq!(effects, vec![Effect::Release(open)]);
    keys(&mut a, &s, "FFFFF");
    let q = a.queue.as_ref().unwrap();
    assert_eq!(q.filter, Some(crate::queue::Status::Done));
    assert_eq!(q.visible().len(), 1);
}

#[test]
fn record_view_hold_and_comment_prompts() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>mneeds op note<Enter>Hwaiting for path<Enter>");
    let q = a.queue.as_ref().unwrap();
    let w = q.work_of(q.open.as_deref().unwrap());
    assert_eq!(w.comments.len(), 1);
    assert_eq!(w.status, crate::queue::Status::OnHold);
    assert_eq!(w.hold_reason.as_deref(), Some("waiting for path"));
    // `q` was text in the prompt, not quit.
    assert!(!a.quit);
}

#[test]
fn quit_with_a_record_open_gives_the_claim_back() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>");
    let id = a.queue.as_ref().unwrap().open.clone().unwrap();
    assert_eq!(a.heartbeat(), vec![Effect::Heartbeat(id.clone())]);
    let effects = keys(&mut a, &s, "q");
    assert!(a.quit);
    assert_eq!(effects, vec![Effect::Release(id.clone())]);
    // Ctrl-C inside a prompt too.
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>m");
    assert_eq!(keys(&mut a, &s, "<C-c>"), vec![Effect::Release(id)]);
    assert!(a.quit);
    // Nothing open, nothing to heartbeat or release.
    let mut a = app((80, 24));
    with_queue(&mut a);
    assert!(a.heartbeat().is_empty());
    assert!(keys(&mut a, &s, "<C-q>q").is_empty());
}

#[test]
fn find_in_the_documentation_jumps_between_matches_and_scrolls_to_them() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>n");
    assert!(a.message.as_deref().is_some_and(|m| m.contains("f finds")), "{:?}", a.message);
    // Case does not matter; each keystroke finds.
    keys(&mut a, &s, "fPERFOR");
    let q = a.queue.as_ref().unwrap();
    assert_eq!(q.prompt.as_ref().map(|p| p.kind), Some(queue::PromptKind::Find));
    assert_eq!(a.doc_view().unwrap().matches.len(), 2);
    keys(&mut a, &s, "ation<Enter>");
    let q = a.queue.as_ref().unwrap();
    assert!(q.prompt.is_none(), "Enter closes the box and keeps the matches");
    assert_eq!((q.find.as_str(), q.find_sel), ("PERFORation", 0));
    assert_eq!(q.doc_scroll, 0, "the first match is already in view");

    keys(&mut a, &s, "n");
    let v = a.doc_view().unwrap();
    let q = a.queue.as_ref().unwrap();
    assert_eq!(q.find_sel, 1);
    let row = record_doc::row_of(&v.rows, v.matches[1].start);
    let top = usize::from(q.doc_scroll);
    assert!(top > 0 && (top..top + v.height).contains(&row), "row {row} in view from {top}");
    keys(&mut a, &s, "n");
    assert_eq!(a.queue.as_ref().unwrap().find_sel, 0, "wraps round");
    keys(&mut a, &s, "p");
    assert_eq!(a.queue.as_ref().unwrap().find_sel, 1);

    // Esc clears the find, the next Esc closes the record.
    assert!(keys(&mut a, &s, "<Esc>").is_empty());
    let q = a.queue.as_ref().unwrap();
    assert!(q.find.is_empty() && q.open.is_some());
    let id = q.open.clone().unwrap();
    assert_eq!(keys(&mut a, &s, "<Esc>"), vec![Effect::Release(id)]);
}

#[test]
fn find_reports_no_match_and_ctrl_f_opens_it_too() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><C-f>zzq");
    assert!(!a.quit, "letters are text in the find box");
    assert!(a.doc_view().unwrap().matches.is_empty());
    assert!(a.message.as_deref().is_some_and(|m| m.contains("no match")), "{:?}", a.message);
    // Esc in the box drops the find.
    keys(&mut a, &s, "<Esc>");
    let q = a.queue.as_ref().unwrap();
    assert!(q.prompt.is_none() && q.find.is_empty() && q.open.is_some());
    // `>` is the next record now that n/N find.
    let first = q.open.clone();
    keys(&mut a, &s, ">");
    assert_ne!(a.queue.as_ref().unwrap().open, first);
}

#[test]
fn record_changes_say_what_they_did() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    // IP-1001 is inpatient: P sets POA and says what the value means.
    keys(&mut a, &s, "<C-q><Enter><Tab>chronic<C-e><Tab><Tab>P");
    let m = a.message.clone().unwrap_or_default();
    assert!(m.contains("POA Y: present at admission"), "{m}");
    assert!(m.chars().count() <= 80, "fits the status bar at 80 columns: {m}");
    keys(&mut a, &s, "+");
    assert!(a.message.as_deref().is_some_and(|m| m.ends_with("is already first")), "{:?}", a.message);
    keys(&mut a, &s, "Hawait path<Enter>");
    let id = a.queue.as_ref().unwrap().open.clone().unwrap();
    assert_eq!(a.message, Some(format!("{id} on hold: await path")));
    keys(&mut a, &s, "x");
    assert!(a.message.as_deref().is_some_and(|m| m.starts_with("remove E11.22 from")), "{:?}", a.message);
    keys(&mut a, &s, "y");
    assert!(a.message.as_deref().is_some_and(|m| m.starts_with("removed ")), "{:?}", a.message);
    // Done with no codes asks first; then it says where it went.
    keys(&mut a, &s, "D");
    assert_eq!(
        a.queue.as_ref().unwrap().prompt.as_ref().map(|p| p.kind),
        Some(queue::PromptKind::ConfirmDone)
    );
    keys(&mut a, &s, "y");
    let next = a.queue.as_ref().unwrap().open.clone().unwrap();
    assert_ne!(next, id);
    let m = a.message.clone().unwrap_or_default();
    assert!(m.starts_with(&format!("{id} done")) && m.ends_with(&next), "{m}");
}

#[test]
fn each_record_is_checked_against_the_edition_of_its_date_of_service() {
    // The workbench runs on FY2027; an April record needs FY2026, loaded by an effect.
    let fy2027 =
        Arc::new(crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2027).expect("fy2027"));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut a = App::new(fy2027, KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, (80, 24));
    with_queue(&mut a);
    a.queue.as_mut().unwrap().editions = crate::codeset::shipped::editions();
    let search = FakeSearch(fake_hits());
    let effects = keys(&mut a, &search, "<C-q><Enter>");
    assert!(effects.contains(&Effect::LoadEdition("fy2026-shipped".into())), "{effects:?}");
    let outside = |a: &App| a.queue.as_ref().unwrap().edits.iter().any(|e| e.message.contains("outside"));
    assert!(outside(&a), "before its edition is loaded the record is checked with FY2027");
    a.edition_loaded("fy2026-shipped", Ok(fixture_book()));
    assert!(!outside(&a), "{:?}", a.queue.as_ref().unwrap().edits);
    let id = a.queue.as_ref().unwrap().open.clone().unwrap();
    let r = a.queue.as_ref().unwrap().records.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(a.record_book(&r).edition.name, "fy2026-shipped");
    // A November record is FY2027's: nothing to load.
    let nov = a.queue.as_ref().unwrap().records.iter().find(|r| r.id == "OP-3007").unwrap().clone();
    assert_eq!(a.queue.as_ref().unwrap().edition_of(&nov).as_deref(), Some("fy2027-shipped"));
    assert_eq!(a.record_book(&nov).edition.name, "fy2027-shipped");
}

/// The workbench on FY2027 with the example queue and both shipped editions to choose from.
fn on_fy2027() -> App {
    let fy2027 =
        Arc::new(crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2027).expect("fy2027"));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut a = App::new(fy2027, KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, (80, 24));
    with_queue(&mut a);
    a.queue.as_mut().unwrap().editions = crate::codeset::shipped::editions();
    a
}

#[test]
fn search_and_detail_use_the_open_records_edition() {
    let mut a = on_fy2027();
    let fy2026 = fixture_book();
    let hit = |code: &str, title: &str| Hit {
        code: code.into(),
        title: title.into(),
        set: CodeSet::Icd10cm,
        billable: true,
        score: 1.0,
        matched: Matched::Title,
        via: None,
    };
    // The index is FY2027's: J4B is new there, and I42.0 a header.
    let s =
        FakeSearch(vec![hit("J4B", "Pulmonary mycetoma"), hit("E11.9", "mycetoma, as the index titles it")]);
    keys(&mut a, &s, "mycetoma");
    assert_eq!(a.book.edition.name, "fy2027-shipped");
    assert_eq!(a.mark(CodeSet::Icd10cm, "J4B"), Some(edition::Mark::New));
    assert_eq!(
        a.search.hits[1].title, "Type 2 diabetes mellitus without complications",
        "titled by the edition"
    );
    // An April 2026 record: FY2026 loads, and search and detail move to it.
    let effects = keys(&mut a, &s, "<C-q><Enter>");
    assert!(effects.contains(&Effect::LoadEdition("fy2026-shipped".into())), "{effects:?}");
    a.edition_loaded("fy2026-shipped", Ok(fy2026.clone()));
    assert_eq!(a.book.edition.name, "fy2026-shipped");
    assert_eq!(a.mark(CodeSet::Icd10cm, "J4B"), Some(edition::Mark::Absent), "not a FY2026 code");
    assert_eq!(a.mark(CodeSet::Icd10cm, "E11.9"), None);
    // What the detail pane shows is a node of the record's edition.
    keys(&mut a, &s, "<Tab>");
    a.search.sel = 1;
    keys(&mut a, &s, "<Esc><Enter>");
    assert_eq!(cur_code(&a).as_deref(), Some("E11.9"));
    assert!(matches!(a.detail.current(), Some(Target::Cm(id)) if a.book.cm.node(*id).code == "E11.9"));
    // Attaching a code the record's edition lacks fires the edit.
    a.search.sel = 0;
    a.pane = Pane::Search;
    keys(&mut a, &s, "a");
    let edits = &a.queue.as_ref().unwrap().edits;
    assert!(edits.iter().any(|e| e.message.contains("J4B")), "{edits:?}");
    // Closing the record goes back to the workbench's edition, by code.
    a.pane = Pane::Queue;
    keys(&mut a, &s, "<Esc>");
    assert!(!a.record_open());
    assert_eq!(a.book.edition.name, "fy2027-shipped");
    assert_eq!(cur_code(&a).as_deref(), Some("E11.9"));
}

#[test]
fn the_tree_keeps_its_place_when_the_edition_changes() {
    let mut a = on_fy2027();
    let s = FakeSearch(Vec::new());
    keys(&mut a, &s, "<C-t>ie0114<Enter>iz79.4<Enter>");
    let e0114 = tree::node_of(&a.book, CodeSet::Hcpcs, "E0114");
    a.tree.sel = e0114;
    // An April 2026 record: the tree moves to FY2026's nodes, by code.
    keys(&mut a, &s, "<C-q><Enter>");
    a.edition_loaded("fy2026-shipped", Ok(fixture_book()));
    assert_eq!(a.book.edition.name, "fy2026-shipped");
    assert_eq!(a.tree.sel, tree::node_of(&a.book, CodeSet::Hcpcs, "E0114"));
    assert!(a.tree.expanded.contains(&TreeNode::HcpcsSection('E')));
    let z79 = a.book.cm.get("Z79").map(TreeNode::Cm).expect("Z79 in FY2026");
    assert!(a.tree.expanded.contains(&z79), "ICD-10-CM nodes carried by code");
}

#[test]
fn the_edition_key_overrides_the_records_edition_and_says_so() {
    let mut a = on_fy2027();
    let s = FakeSearch(fake_hits());
    keys(&mut a, &s, "<C-q><Enter>");
    let id = a.queue.as_ref().unwrap().open.clone().unwrap();
    let effects = keys(&mut a, &s, "E");
    let first = a.queue.as_ref().unwrap().editions[0].name.clone();
    assert_eq!(
        effects[0],
        Effect::Queue {
            record: id.clone(),
            op: crate::queue::Op::SetEdition { edition: Some(first.clone()) }
        }
    );
    let m = a.message.clone().unwrap_or_default();
    assert!(m.contains(&format!("coded against {first} (chosen, audited)")), "{m}");
    assert_eq!(a.queue.as_ref().unwrap().work_of(&id).edition.as_deref(), Some(first.as_str()));
    // Round the installed editions back to the date of service.
    let n = a.queue.as_ref().unwrap().editions.len();
    for _ in 1..n {
        keys(&mut a, &s, "E");
    }
    let effects = keys(&mut a, &s, "E");
    assert_eq!(
        effects[0],
        Effect::Queue { record: id.clone(), op: crate::queue::Op::SetEdition { edition: None } }
    );
    assert!(a.message.as_deref().unwrap_or_default().contains("by date of service"), "{:?}", a.message);
    // A record another coder holds refuses it.
    a.queue.as_mut().unwrap().held_by = Some("held by someone else".into());
    let effects = keys(&mut a, &s, "E");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Queue { .. })), "{effects:?}");
    assert!(a.message.as_deref().unwrap_or_default().starts_with("not saved"), "{:?}", a.message);
}

/// The open record's codes as printed, in sequence.
fn codes_of(a: &App) -> Vec<String> {
    let q = a.queue.as_ref().unwrap();
    q.work_of(q.open.as_deref().unwrap()).codes.iter().map(|c| c.code.clone()).collect()
}

fn record_ops(effects: &[Effect]) -> Vec<crate::queue::Op> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Queue { op, .. } = e { Some(op.clone()) } else { None })
        .collect()
}

#[test]
fn text_typed_after_tab_is_a_search_in_every_layout_never_a_command() {
    let s = FakeSearch(fake_hits());
    for size in [(80, 24), (120, 40)] {
        let mut a = app(size);
        with_queue(&mut a);
        // Leave the box once, so the search pane remembers "results": Tab must still type.
        keys(&mut a, &s, "<C-q><Enter><Tab><Esc><Esc>");
        assert_eq!(a.layer(), Layer::Record, "Esc from the results goes back to the record");
        let effects = keys(&mut a, &s, "<Tab>acute cystitis");
        assert_eq!(a.search.query, "acute cystitis", "{size:?}");
        assert!(record_ops(&effects).is_empty(), "nothing attached: {effects:?}");
        assert_eq!(a.search.set, None, "`c` did not change the set");
        assert_eq!(a.focused(), Some(Pane::Search));
        assert!(a.typing());
    }
}

#[test]
fn a_query_left_behind_is_selected_on_coming_back_and_typing_replaces_it() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><Tab>hx of cva<Tab><Tab>");
    assert_eq!(a.focused(), Some(Pane::Queue));
    keys(&mut a, &s, "<Tab>");
    assert!(a.search.selected, "the old query is selected");
    keys(&mut a, &s, "sigmoid polyp");
    assert_eq!(a.search.query, "sigmoid polyp", "typing replaced it, not added to it");
    // Inside the box nothing is selected: letters add to the query.
    keys(&mut a, &s, " x");
    assert_eq!(a.search.query, "sigmoid polyp x");
    // Coming back and moving keeps it; Backspace on a selected query clears it.
    keys(&mut a, &s, "<Tab><Tab><Tab><Down>");
    assert_eq!((a.search.query.as_str(), a.search.selected), ("sigmoid polyp x", false));
    keys(&mut a, &s, "<Tab><Tab><Tab><Backspace>");
    assert_eq!(a.search.query, "");
    // Paste replaces a selected query too.
    keys(&mut a, &s, "chf<Tab><Tab><Tab>");
    a.paste("acute cystitis");
    assert_eq!(a.search.query, "acute cystitis");
}

#[test]
fn a_letter_that_is_no_command_in_the_results_goes_to_the_search_box() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    keys(&mut a, &s, "kidney<Esc>");
    assert!(!a.typing());
    keys(&mut a, &s, "z");
    assert_eq!((a.search.query.as_str(), a.typing()), ("kidneyz", true));
}

#[test]
fn attach_refuses_results_of_an_earlier_query_and_says_so() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><Tab>chronic");
    // A key whose search has not come back yet: the list on screen is for "chronic".
    let ev = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    let effects = a.handle_key(&ev);
    assert!(matches!(effects.as_slice(), [Effect::Search(_)]));
    let effects = keys(&mut a, &s, "<C-e>");
    assert!(record_ops(&effects).is_empty(), "{effects:?}");
    assert!(a.message.as_deref().is_some_and(|m| m.contains("earlier query")), "{:?}", a.message);
    // Nothing is selected in the queue list: attach there says so instead of guessing.
    assert!(codes_of(&a).is_empty());
}

#[test]
fn the_pcs_builder_takes_values_in_either_case_and_other_letters_are_not_commands() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    // No section is T or Q: neither opens the tree nor quits in the builder.
    keys(&mut a, &s, "<C-x>tq");
    assert_eq!((a.pane, a.pcs.prefix.as_str(), a.quit), (Pane::Pcs, "", false));
    assert!(
        a.message.as_deref().is_some_and(|m| m.starts_with("no value Q for character 1")),
        "{:?}",
        a.message
    );
    keys(&mut a, &s, "0d");
    assert_eq!(a.pcs.prefix, "0D");
}

#[test]
fn undo_takes_back_the_last_change_through_the_store() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><Tab>diabetes<C-e><C-n><C-e><Esc><Esc>");
    assert_eq!(codes_of(&a), ["E11.22", "E11.21"]);
    // Remove asks first; n keeps the code.
    keys(&mut a, &s, "Kx");
    assert_eq!(
        a.queue.as_ref().unwrap().prompt.as_ref().map(|p| p.kind),
        Some(queue::PromptKind::ConfirmRemove)
    );
    keys(&mut a, &s, "n");
    assert_eq!(codes_of(&a), ["E11.22", "E11.21"]);
    assert_eq!(a.message.as_deref(), Some("kept E11.22"));
    keys(&mut a, &s, "Yxy");
    assert_eq!(codes_of(&a), ["E11.21"]);
    // u brings the removed code back where it was, with its POA, as an Attach the store audits.
    let effects = keys(&mut a, &s, "u");
    let ops = record_ops(&effects);
    assert!(
        matches!(ops.as_slice(), [crate::queue::Op::Attach { at: Some(0), poa: Some(_), .. }]),
        "{ops:?}"
    );
    assert_eq!(codes_of(&a), ["E11.22", "E11.21"]);
    assert!(
        a.message.as_deref().is_some_and(|m| m.starts_with("undid \"remove code 1\"")),
        "{:?}",
        a.message
    );
    // Ctrl-z takes back the POA, then the second attach.
    keys(&mut a, &s, "<C-z>");
    let q = a.queue.as_ref().unwrap();
    assert_eq!(q.work_of("IP-1001").codes[0].poa, None);
    keys(&mut a, &s, "<C-z>");
    assert_eq!(codes_of(&a), ["E11.22"]);
    keys(&mut a, &s, "uu");
    assert!(codes_of(&a).is_empty());
    assert_eq!(a.message.as_deref(), Some("nothing to undo on IP-1001"));
}

#[test]
fn poa_is_set_by_its_own_letter_and_cleared() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><Tab>chronic<C-e><Esc><Esc>");
    let poa = |a: &App| a.queue.as_ref().unwrap().work_of("IP-1001").codes[0].poa;
    for (key, want) in [
        ("1", Some(crate::queue::Poa::Exempt)),
        ("N", Some(crate::queue::Poa::N)),
        ("W", Some(crate::queue::Poa::W)),
        ("U", Some(crate::queue::Poa::U)),
        ("Y", Some(crate::queue::Poa::Y)),
        ("0", None),
    ] {
        keys(&mut a, &s, key);
        assert_eq!(poa(&a), want, "{key}");
    }
    assert_eq!(a.message.as_deref(), Some("E11.22 POA cleared"));
}

#[test]
fn a_new_code_goes_after_the_selected_one() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter><Tab>diabetes<C-e><C-n><C-e><Esc><Esc>");
    assert_eq!(codes_of(&a), ["E11.22", "E11.21"]);
    keys(&mut a, &s, "K<Tab><C-n><C-n><C-e>");
    assert_eq!(codes_of(&a), ["E11.22", "E11.9", "E11.21"], "{:?}", a.message);
    assert_eq!(a.queue.as_ref().unwrap().code_sel, 1, "the new code is selected");
    assert!(a.message.as_deref().is_some_and(|m| m.ends_with("as code 2")), "{:?}", a.message);
}

#[test]
fn done_asks_without_codes_and_a_done_record_reopens() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>D");
    assert_eq!(
        a.queue.as_ref().unwrap().prompt.as_ref().map(|p| p.kind),
        Some(queue::PromptKind::ConfirmDone)
    );
    keys(&mut a, &s, "n");
    let q = a.queue.as_ref().unwrap();
    assert_eq!((q.open.as_deref(), q.status("IP-1001")), (Some("IP-1001"), crate::queue::Status::New));
    keys(&mut a, &s, "Dy");
    assert_eq!(a.queue.as_ref().unwrap().status("IP-1001"), crate::queue::Status::Done);
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1002"));
    // Back to it by id; editing is refused until it is reopened, then it is in progress.
    keys(&mut a, &s, ":ip-1001<Enter>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1001"));
    let effects = keys(&mut a, &s, "m");
    assert!(effects.is_empty());
    keys(&mut a, &s, "<Esc>D");
    assert_eq!(a.message.as_deref(), Some("IP-1001 is done already (R reopens it)"));
    let effects = keys(&mut a, &s, "R");
    assert_eq!(record_ops(&effects), [crate::queue::Op::Reopen]);
    assert_eq!(a.queue.as_ref().unwrap().status("IP-1001"), crate::queue::Status::InProgress);
    assert!(a.message.as_deref().is_some_and(|m| m.starts_with("reopened IP-1001")), "{:?}", a.message);
    keys(&mut a, &s, "R");
    assert_eq!(a.message.as_deref(), Some("IP-1001 is not done: nothing to reopen"));
}

#[test]
fn go_to_a_record_by_id_number_or_id_tail_and_the_next_one_needing_work() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q>g3<Enter>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1003"));
    keys(&mut a, &s, ":1005<Enter>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1005"));
    keys(&mut a, &s, ":nope<Enter>");
    assert_eq!(a.message.as_deref(), Some("no record nope"));
    // From the tree too: `:` is a command outside text boxes.
    keys(&mut a, &s, "<C-t>:IP-1002<Enter>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1002"));
    // Next needing work skips a record on hold and one another coder holds.
    keys(&mut a, &s, ":1004<Enter>Hwaiting<Enter>:1002<Enter>");
    let claims = [("IP-1003".to_string(), "ana (pid 1 on ws7)".to_string())].into();
    assert!(a.claims_seen(claims));
    assert!(!a.claims_seen([("IP-1003".to_string(), "ana (pid 1 on ws7)".to_string())].into()));
    keys(&mut a, &s, ">");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1005"));
    // From the list, the one after the selected row.
    keys(&mut a, &s, "<Esc>>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("IP-1006"));
}

#[test]
fn the_focused_pane_is_one_answer_and_help_takes_it() {
    let s = FakeSearch(fake_hits());
    let mut a = app((120, 40));
    assert_eq!(a.focused(), Some(Pane::Search));
    keys(&mut a, &s, "<C-t>");
    assert_eq!(a.focused(), Some(Pane::Tree));
    keys(&mut a, &s, "<F1>");
    assert_eq!(a.focused(), None);
}

#[test]
fn with_a_record_open_codes_that_cannot_apply_go_below_and_say_why() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    let mut pcs_first = fake_hits();
    pcs_first.rotate_right(1);
    // No record open: the order the search gave.
    a.set_hits(Ok(pcs_first.clone()));
    assert_eq!(a.search.hits[0].code, "0TY00Z0");
    assert!(a.cannot_apply(&a.search.hits[0]).is_none());
    // An outpatient record (OP-3001, a man of 63): the PCS code goes last, kept, saying why.
    keys(&mut a, &s, "<C-q>:OP-3001<Enter>");
    assert_eq!(a.queue.as_ref().unwrap().open.as_deref(), Some("OP-3001"));
    a.set_hits(Ok(pcs_first));
    let codes: Vec<&str> = a.search.hits.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["E11.22", "E11.21", "E11.2", "E11.9", "N18.6", "0TY00Z0"]);
    let why = a.cannot_apply(&a.search.hits[5]).expect("a reason");
    assert_eq!(why.tag, "inpatient code");
    assert!(why.reason.contains("outpatient"), "{}", why.reason);
}

/// A billable search result of `set`.
fn billable_hit(code: &str, title: &str, set: CodeSet, matched: Matched) -> Hit {
    Hit { code: code.into(), title: title.into(), set, billable: true, score: 1.0, matched, via: None }
}

#[test]
fn a_claim_line_is_coded_by_keyboard_and_undone() {
    let h = |code: &str, title: &str, set| billable_hit(code, title, set, Matched::Title);
    let s = FakeSearch(vec![
        h("M17.11", "Unilateral primary osteoarthritis, right knee", CodeSet::Icd10cm),
        h("J1100", "Injection, dexamethasone sodium phosphate, 1 mg", CodeSet::Hcpcs),
    ]);
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q>:OP-5003<Enter><Tab>osteoarthritis<C-e><C-u>dexamethasone<C-e><Tab><Tab>");
    let id = a.queue.as_ref().and_then(|q| q.open.clone()).expect("open");
    assert_eq!(id, "OP-5003");
    assert_eq!(a.queue.as_ref().expect("queue").code_sel, 1, "the J code is selected");
    keys(&mut a, &s, "Mjz 59<Enter>#4<Enter>La<Enter>");
    let line = |a: &App| a.queue.as_ref().expect("queue").work_of("OP-5003").codes[1].line.clone();
    assert_eq!(line(&a).modifiers, ["JZ", "59"]);
    assert_eq!(line(&a).units, Some(4));
    assert_eq!(line(&a).pointers, ["M17.11"]);
    assert_eq!(a.message.as_deref(), Some("J1100 points to A"));
    // A bad answer keeps the prompt and says why; the line is unchanged.
    keys(&mut a, &s, "#<C-u>");
    keys(&mut a, &s, "<Backspace>x<Enter>");
    assert!(a.message.as_deref().is_some_and(|m| m.contains("`x` is not a whole number")), "{:?}", a.message);
    keys(&mut a, &s, "<Esc>");
    assert_eq!(line(&a).units, Some(4));
    // On a diagnosis the keys say where they belong.
    keys(&mut a, &s, "KM");
    assert!(a.message.as_deref().is_some_and(|m| m.contains("M17.11 is a diagnosis")), "{:?}", a.message);
    // Undo takes back the pointers, then the units.
    keys(&mut a, &s, "Ju");
    assert!(line(&a).pointers.is_empty());
    keys(&mut a, &s, "u");
    assert_eq!(line(&a).units, None);
    assert_eq!(line(&a).modifiers, ["JZ", "59"]);
    // Typed over the pre-filled `A`, the answer reads `AA`: the message tells what was stored.
    keys(&mut a, &s, "La<Enter>La<Enter>");
    assert_eq!(line(&a).pointers, ["M17.11"]);
    assert_eq!(a.message.as_deref(), Some("J1100 points to A"));
    keys(&mut a, &s, "M jz<Enter>");
    assert_eq!(line(&a).modifiers, ["JZ", "59"]);
    assert_eq!(a.message.as_deref(), Some("J1100 modifiers JZ 59"));
}

/// The FY2026 edition with the invented CPT fixture imported.
pub(crate) fn cpt_book() -> Arc<Codebook> {
    static BOOK: std::sync::OnceLock<Arc<Codebook>> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| {
        let mut book = crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2026)
            .expect("shipped code sets load");
        let tsv = include_bytes!("../../tests/fixtures/cpt/invented-cpt-2026.tsv");
        book.cpt =
            Some(crate::codeset::cpt::Cpt::parse_tsv(tsv, "invented-cpt-2026.tsv", "2026").expect("fixture"));
        Arc::new(book)
    })
    .clone()
}

#[test]
fn a_cpt_code_attaches_only_when_its_file_is_imported() {
    let h = |code: &str, title: &str, set| billable_hit(code, title, set, Matched::Code);
    let s = FakeSearch(vec![
        h("M17.11", "Unilateral primary osteoarthritis, right knee", CodeSet::Icd10cm),
        h("99993", "Invented fixture administration: a pretend injection", CodeSet::Cpt),
        h("99994", "Invented code the file lacks", CodeSet::Cpt),
    ]);
    let codes = |a: &App| a.queue.as_ref().expect("queue").work_of("OP-5003").codes.len();
    // Not imported: the typed CPT code is not attached, and the coder is told how to load it.
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q>:OP-5003<Enter><Tab>99993<C-e>");
    assert_eq!(codes(&a), 0);
    assert_eq!(
        a.message.as_deref(),
        Some(format!("not attached: {}", crate::codeset::cpt::NOT_LOADED).as_str())
    );
    // Imported: it attaches as a CPT procedure line; a code the file lacks does not.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut a = App::new(cpt_book(), KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, (80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q>:OP-5003<Enter><Tab>99994<C-e>");
    assert_eq!(codes(&a), 0);
    assert!(a.message.as_deref().is_some_and(|m| m.contains("licence year 2026")), "{:?}", a.message);
    keys(&mut a, &s, "<C-u>99993<C-e>");
    let w = a.queue.as_ref().expect("queue").work_of("OP-5003");
    assert_eq!((w.codes[0].code.as_str(), w.codes[0].set), ("99993", CodeSet::Cpt));
    assert_eq!(w.codes[0].kind, crate::queue::CodeKind::Procedure);
}

#[test]
fn a_comment_on_the_key_is_kept_as_a_disagreement() {
    let s = FakeSearch(fake_hits());
    let mut a = app((80, 24));
    with_queue(&mut a);
    keys(&mut a, &s, "<C-q><Enter>");
    let id = a.queue.as_ref().and_then(|q| q.open.clone()).expect("a record open");
    let code =
        a.queue.as_ref().and_then(|q| q.records.iter().find(|r| r.id == id)).expect("record").expected_codes
            [0]
        .clone();
    let effects = keys(&mut a, &s, &format!("mkey {code}: the note supports another code<Enter>"));
    assert_eq!(
        record_ops(&effects),
        [crate::queue::Op::Comment {
            text: format!("key {code}: the note supports another code"),
            on_key: Some(code.clone())
        }]
    );
    assert!(
        a.message.as_deref().is_some_and(|m| m.contains("disagreement with the key on")),
        "{:?}",
        a.message
    );
    let effects = keys(&mut a, &s, "mcalled the office<Enter>");
    assert_eq!(
        record_ops(&effects),
        [crate::queue::Op::Comment { text: "called the office".into(), on_key: None }]
    );
}
