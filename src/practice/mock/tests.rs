use std::cell::Cell;
use std::time::Duration;

use super::run::{KEYS, Key};
use super::*;
use crate::practice::question::{Choice, Kind, Subject};

struct FakeClock(Cell<Duration>);

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
}

impl FakeClock {
    fn advance(&self, secs: u64) {
        self.0.set(self.0.get() + Duration::from_secs(secs));
    }
}

fn q(i: usize, kind: Kind, domain: &str) -> Question {
    Question {
        id: format!("q{i}"),
        kind,
        edition: "e".into(),
        domain: domain.into(),
        stem: format!("stem {i}"),
        options: LETTERS.iter().map(|l| Choice { code: None, text: l.to_string(), why: None }).collect(),
        answer: 'B',
        subject: Subject::Item,
        explanation: String::new(),
        source: String::new(),
        path: Vec::new(),
    }
}

fn mock(n: usize, minutes: u64) -> Mock {
    let qs = (0..n).map(|i| q(i, if i % 2 == 0 { Kind::Seventh } else { Kind::Case }, "ch 19")).collect();
    Mock::new(qs, minutes, 1)
}

#[test]
fn the_pace_warning_follows_the_fake_clock_and_time_up_submits() {
    let clock = FakeClock(Cell::new(Duration::from_secs(1000)));
    let mut m = mock(4, 10);
    let mut t = Timer::new(&clock);
    clock.advance(144);
    m.update(t.tick());
    assert_eq!(m.behind_pace(), None, "144 s: still on pace");
    clock.advance(2);
    m.update(t.tick());
    assert_eq!(m.behind_pace(), Some(1), "146 s and nothing answered: behind");
    m.update(Action::Answer('b'));
    assert_eq!(m.behind_pace(), None);
    assert_eq!(m.spent_ms[0], 146_000, "the time is booked to the question on screen");
    // Elapsed time is saved every SAVE_EVERY even without an answer.
    m.saved_ms = m.elapsed_ms;
    clock.advance(9);
    assert!(m.update(t.tick()).is_empty());
    clock.advance(1);
    assert_eq!(m.update(t.tick()), vec![Effect::Save]);
    clock.advance(600);
    assert_eq!(m.update(t.tick()), vec![Effect::Save]);
    assert!(m.submitted && m.timed_out);
    assert_eq!(m.remaining_ms(), 0);
    assert!(m.update(Action::Answer('a')).is_empty(), "no answers after submitting");
    assert_eq!(m.answers[0], Some('B'));
}

#[test]
fn flags_jumps_and_a_confirmed_submit_give_the_score_by_kind_and_domain() {
    let mut m = mock(5, 10);
    assert_eq!(m.update(Action::Answer('b')), vec![Effect::Save]);
    m.update(Action::Next);
    assert_eq!(m.update(Action::ToggleFlag), vec![Effect::Save]);
    m.update(Action::Answer('a'));
    m.update(Action::GoTo);
    m.update(Action::Digit(9));
    m.update(Action::Enter);
    assert_eq!(m.current, 1, "no question 9");
    assert!(m.message.as_deref().is_some_and(|s| s.contains("No question 9")));
    m.update(Action::GoTo);
    m.update(Action::Digit(4));
    m.update(Action::Enter);
    assert_eq!(m.current, 3);
    m.update(Action::NextFlagged);
    assert_eq!(m.current, 1);
    m.update(Action::NextUnanswered);
    assert_eq!(m.current, 2);
    m.update(Action::Submit);
    assert_eq!(m.prompt, Prompt::ConfirmSubmit);
    m.update(Action::Next); // anything but y goes back
    assert!(!m.submitted && m.prompt == Prompt::None);
    m.update(Action::Submit);
    assert_eq!(m.update(Action::Confirm), vec![Effect::Save]);
    let s = m.score();
    assert_eq!((s.right, s.total, s.unanswered), (1, 5, 3));
    assert!(!s.passed());
    assert_eq!(s.by_kind, vec![("case".to_string(), 0, 2), ("seventh".to_string(), 1, 3)]);
    assert_eq!(s.by_domain, vec![("ch 19".to_string(), 1, 5)]);
    assert_eq!(m.update(Action::Quit), vec![Effect::Save, Effect::Quit]);
}

#[test]
fn the_session_is_saved_owner_only_and_resumes_with_its_elapsed_time() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("practice").join("mock.json");
    let mut m = mock(3, 10);
    m.update(Action::Elapse(Duration::from_millis(12_345)));
    m.update(Action::Answer('c'));
    m.update(Action::ToggleFlag);
    m.save(&path).expect("saved");
    assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    let back = Mock::load(&path).expect("loads").expect("a session");
    assert_eq!((back.elapsed_ms, back.answers.clone(), back.flags.clone()), (12_345, m.answers, m.flags));
    assert!(Mock::load(&tmp.path().join("none.json")).expect("no file is fine").is_none());
}

#[test]
fn the_key_map_binds_each_key_once() {
    let mut seen = std::collections::HashSet::new();
    for (k, _, desc) in KEYS {
        assert!(seen.insert(*k), "{k:?} bound twice");
        assert!(!desc.is_empty());
    }
    assert!(!KEYS.iter().any(|(k, _, _)| *k == Key::Char('\u{2}')), "never Ctrl-b");
}

#[test]
fn the_pace_is_the_sessions_own() {
    let mut m = mock(4, 10);
    m.pace_secs = 60;
    m.update(Action::Elapse(Duration::from_secs(59)));
    assert_eq!(m.behind_pace(), None);
    m.update(Action::Elapse(Duration::from_secs(62)));
    assert_eq!(m.behind_pace(), Some(2), "121 s at 60 s a question: two due");
    // A session saved before the pace was kept reads back at 145 s.
    let mut v = serde_json::to_value(&m).expect("mock serializes");
    v.as_object_mut().expect("object").remove("pace_secs");
    let old: Mock = serde_json::from_value(v).expect("old session reads");
    assert_eq!(old.pace_secs, PACE_SECS);
}

#[test]
fn a_submitted_mock_feeds_the_review_deck_once() {
    use crate::practice::progress::Progress;
    let mut m = mock(3, 10);
    let mut p = Progress::default();
    assert!(!m.record_into(&mut p), "not submitted: nothing to record");
    m.update(Action::Answer('b'));
    m.update(Action::Next);
    m.update(Action::Answer('c'));
    m.submitted = true;
    assert!(m.record_into(&mut p));
    assert_eq!(p.history.len(), 3);
    assert_eq!(p.history.iter().filter(|a| a.right).count(), 1);
    // The wrong answer and the blank one are due for review next session.
    let deck: Vec<&str> = p.deck.keys().map(String::as_str).collect();
    assert_eq!(deck, ["stem 1", "stem 2"]);
    assert!(!m.record_into(&mut p), "recorded once");
    assert_eq!(p.history.len(), 3);
    assert_eq!(p.start().len(), 2);
}

fn press(b: &mut super::books::Books, m: &mut Mock, keys: &str) -> Vec<Effect> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\r' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        effects.extend(b.key(m, &KeyEvent::new(code, KeyModifiers::NONE)));
    }
    effects
}

/// The books of the shipped FY2026 edition in book mode, at 80x24.
fn books() -> super::books::Books {
    let mut b = super::books::Books::new(crate::app::tests::app((80, 24)));
    b.resize(80, 24);
    b
}

#[test]
fn the_books_over_a_question_record_its_path_with_the_fake_clock_and_it_survives_a_save() {
    let clock = FakeClock(Cell::new(Duration::from_secs(50)));
    let mut t = Timer::new(&clock);
    let mut m = mock(3, 10);
    m.book = true;
    let mut b = books();
    clock.advance(5);
    m.update(t.tick());
    m.update(Action::OpenBooks);
    assert!(m.books_open);
    assert!(b.open(&mut m).is_empty(), "opening is no step");
    assert!(press(&mut b, &mut m, "acetaminophen").is_empty(), "typing a term is no step");
    clock.advance(40);
    m.update(t.tick());
    assert_eq!(press(&mut b, &mut m, "\r"), [Effect::Save], "a step is saved at once");
    // The cell is a code needing its 7th character: the offers, then the one chosen and its tabular.
    clock.advance(5);
    m.update(t.tick());
    press(&mut b, &mut m, "\r");
    let texts: Vec<String> = m.paths[0].iter().map(|s| s.text.clone()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    let row = "Drug table: Acetaminophen > Poisoning Accidental (unintentional)";
    assert_eq!(texts[..2], [format!("{row}: T39.1X1"), format!("{row}: T39.1X1A")]);
    assert_eq!(texts[2], "Tabular: T39.1X1A");
    let at: Vec<u64> = m.paths[0].iter().map(|s| s.at_ms).collect();
    assert_eq!(at, [45_000, 50_000, 50_000]);
    clock.advance(12);
    m.update(t.tick());
    assert!(press(&mut b, &mut m, "\x1b").is_empty());
    assert!(!m.books_open, "Esc comes back to the question");
    m.update(Action::Answer('b'));
    // The next question: the books opened and left without a step.
    m.update(Action::Next);
    m.update(Action::OpenBooks);
    b.open(&mut m);
    clock.advance(3);
    m.update(t.tick());
    press(&mut b, &mut m, "\x1b");
    assert!(m.paths[1].is_empty(), "{:?}", m.paths[1]);
    // The third: the same row opened again is a path of its own, tabular included.
    m.update(Action::Next);
    m.update(Action::OpenBooks);
    b.open(&mut m);
    press(&mut b, &mut m, "\r\r\x1b");
    assert_eq!(m.paths[2].iter().map(|s| s.text.clone()).collect::<Vec<_>>(), texts);
    assert_eq!(m.spent_ms[..2], [62_000, 3_000], "the clock ran while the books were open");
    // Killed and resumed: the path is in the session file.
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("mock.json");
    m.save(&path).expect("saved");
    let back = Mock::load(&path).expect("loads").expect("a session");
    assert_eq!((&back.paths, &back.answered_ms), (&m.paths, &m.answered_ms));
    let times: Vec<(u64, Event)> = back.timeline(0);
    assert_eq!(
        times,
        [
            (45_000, Event::Step(texts[0].as_str())),
            (5_000, Event::Step(texts[1].as_str())),
            (0, Event::Step("Tabular: T39.1X1A")),
            (12_000, Event::Answer('B'))
        ]
    );
    let lines = back.timeline_lines(0);
    assert_eq!(lines[0], "where the time went (1:02 on screen):");
    assert_eq!(lines[3], "    0:00  Tabular: T39.1X1A");
    assert_eq!(lines[4], "    0:12  answer B");
    assert_eq!(back.timeline_lines(1)[1..], ["  no book opened"]);
}

#[test]
fn the_books_open_only_in_book_mode_and_ctrl_c_inside_them_saves_and_leaves() {
    let mut m = mock(2, 10);
    m.update(Action::OpenBooks);
    assert!(!m.books_open);
    assert!(m.message.as_deref().is_some_and(|s| s.contains("--book")), "{:?}", m.message);
    assert!(m.record_step("Tabular: A41.51".into()).is_empty(), "no path outside book mode");
    m.book = true;
    m.update(Action::OpenBooks);
    let mut b = books();
    b.open(&mut m);
    let ctrl_c = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('c'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    assert_eq!(b.key(&mut m, &ctrl_c), [Effect::Save, Effect::Quit]);
    // Time up with the books open submits and closes them.
    m.update(Action::Elapse(Duration::from_secs(600)));
    assert!(m.submitted && !m.books_open);
}

#[test]
fn a_session_saved_before_paths_were_kept_still_loads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("mock.json");
    let mut v = serde_json::to_value(mock(2, 10)).expect("mock serializes");
    let o = v.as_object_mut().expect("object");
    o.remove("paths");
    o.remove("answered_ms");
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("written");
    let m = Mock::load(&path).expect("loads").expect("a session");
    assert_eq!((m.paths.len(), m.answered_ms.len()), (2, 2));
    // A path of the wrong length is named, not guessed at.
    let o = v.as_object_mut().expect("object");
    o.insert("paths".into(), serde_json::json!([[]]));
    o.insert("answered_ms".into(), serde_json::json!([null, null]));
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("written");
    let err = Mock::load(&path).expect_err("a path short");
    assert!(format!("{err:#}").contains("do not match its 2 questions"), "{err:#}");
}

#[test]
fn a_book_mode_mock_puts_each_answers_time_and_steps_in_the_progress_file() {
    use crate::practice::progress::{Progress, StepTime};
    let mut m = mock(3, 10);
    m.book = true;
    m.update(Action::Elapse(Duration::from_secs(30)));
    m.record_step("Drug table: Acetaminophen > Poisoning Accidental (unintentional): T39.1X1A".into());
    m.update(Action::Elapse(Duration::from_secs(10)));
    m.record_step("Tabular: T39.1X1A".into());
    m.update(Action::Elapse(Duration::from_secs(5)));
    m.update(Action::Answer('b'));
    m.update(Action::Next);
    m.update(Action::Elapse(Duration::from_secs(200)));
    m.submitted = true;
    let mut p = Progress::default();
    assert!(m.record_into(&mut p));
    let a = &p.history[0];
    assert_eq!((a.ms, a.book), (Some(45_000), true));
    assert_eq!(a.steps, [StepTime { tabular: false, ms: 30_000 }, StepTime { tabular: true, ms: 10_000 }]);
    assert_eq!((p.history[1].ms, p.history[1].steps.len()), (Some(200_000), 0));
    assert_eq!((p.history[2].ms, p.history[2].book), (None, false), "never on screen: no time");
}

#[test]
fn the_books_are_drawn_over_the_question_with_the_countdown_on_the_last_row() {
    let mut m = mock(2, 10);
    m.book = true;
    let mut b = books();
    let screen = |m: &Mock, b: &super::books::Books| {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
        term.draw(|f| super::draw::draw(m, Some(&b.app), f)).expect("drawn");
        let buf = term.backend().buffer().clone();
        (0..24).map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>()
    };
    let question = screen(&m, &b);
    assert!(question[23].contains("i books"), "{}", question[23]);
    m.update(Action::OpenBooks);
    b.open(&mut m);
    let over = screen(&m, &b);
    assert!(over[23].starts_with(" Esc: back to question 1 · Time left 0:10:00"), "{}", over[23]);
    assert!(over.iter().any(|r| r.contains("Table of Drugs")), "{over:#?}");
    assert!(!over.iter().any(|r| r.contains("stem 0")), "the question is under the books");
    press(&mut b, &mut m, "\x1b");
    assert!(screen(&m, &b).iter().any(|r| r.contains("stem 0")), "Esc: the question again");
}

#[test]
fn esc_first_closes_a_codes_offers_then_comes_back_to_the_question() {
    let mut m = mock(1, 10);
    m.book = true;
    let mut b = books();
    m.update(Action::OpenBooks);
    b.open(&mut m);
    press(&mut b, &mut m, "acetaminophen\r");
    assert!(b.app.books.offers.is_some(), "T39.1X1 offers its 7th characters");
    press(&mut b, &mut m, "\x1b");
    assert!(m.books_open && b.app.books.offers.is_none(), "the offers close first");
    press(&mut b, &mut m, "\x1b");
    assert!(!m.books_open);
    assert_eq!(m.paths[0].len(), 1, "the row opened, once: {:?}", m.paths[0]);
}

#[test]
fn a_lookup_left_on_a_row_without_opening_it_is_a_step_of_that_row() {
    let mut m = mock(2, 10);
    m.book = true;
    let mut b = books();
    m.update(Action::OpenBooks);
    b.open(&mut m);
    // The column named in the words: the code is read off the table, Esc back.
    assert_eq!(press(&mut b, &mut m, "thioglycolic assault\x1b"), [Effect::Save]);
    let texts: Vec<&str> = m.paths[0].iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["Drug table: Thioglycolic acid > Poisoning Assault: T65.893"]);
    // Opened and left where no term was typed: nothing read, no step.
    m.update(Action::Next);
    m.update(Action::OpenBooks);
    b.open(&mut m);
    assert!(press(&mut b, &mut m, "\x1b").is_empty());
    assert!(m.paths[1].is_empty(), "{:?}", m.paths[1]);
}
