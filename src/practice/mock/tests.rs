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
