//! A trainee's progress: every answer, and the missed questions in Leitner
//! boxes (docs/practice.md). Kept in the data directory, owner-only.
//!
//! Leitner, counted in drill sessions rather than days (no clock to fake): a
//! missed question goes to box 1; each right answer moves it up one box; a
//! question in box `b` comes back every `2^(b-1)` sessions; out of box 5 it
//! leaves the deck.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::question::{Kind, Question};

pub const TOP_BOX: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub session: u64,
    pub question: String,
    pub kind: Kind,
    pub domain: String,
    pub right: bool,
    /// The time the question was on screen (the mock exam, the drill).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// Answered in book mode, with these steps through the books.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub book: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepTime>,
}

/// One step through the books: on the tabular or in the index and tables,
/// and the time since the step before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTime {
    pub tabular: bool,
    pub ms: u64,
}

/// How an answer was reached, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    pub ms: Option<u64>,
    pub book: bool,
    pub steps: Vec<StepTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub question: Question,
    /// 1 to [`TOP_BOX`].
    pub level: u8,
    /// The session at which it is due again.
    pub due: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Drill sessions started.
    pub sessions: u64,
    pub history: Vec<Attempt>,
    /// Missed questions by stem.
    pub deck: BTreeMap<String, Card>,
}

impl Progress {
    /// Where a user's progress lives: `data_dir()/practice/progress.json`.
    pub fn default_path() -> Result<PathBuf> {
        Ok(crate::paths::data_dir()?.join("practice").join("progress.json"))
    }

    pub fn load(path: &Path) -> Result<Progress> {
        match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Progress::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Saved atomically, 0600 in a 0700 folder.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir)?;
        }
        let bytes = serde_json::to_vec_pretty(self)?;
        crate::files::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))
    }

    /// Start a session: the missed questions due in it, lowest box first.
    pub fn start(&mut self) -> Vec<Question> {
        self.sessions += 1;
        let mut due: Vec<&Card> = self.deck.values().filter(|c| c.due <= self.sessions).collect();
        due.sort_by_key(|c| c.level);
        due.into_iter().map(|c| c.question.clone()).collect()
    }

    /// Record an answer and move the question between boxes.
    pub fn answer(&mut self, q: &Question, right: bool) {
        self.answer_timed(q, right, Timing::default());
    }

    /// [`Progress::answer`], with the time it took and the steps through the books.
    pub fn answer_timed(&mut self, q: &Question, right: bool, timing: Timing) {
        self.history.push(Attempt {
            session: self.sessions,
            question: q.id.clone(),
            kind: q.kind,
            domain: q.domain.clone(),
            right,
            ms: timing.ms,
            book: timing.book,
            steps: timing.steps,
        });
        let now = self.sessions;
        match (self.deck.get_mut(&q.stem), right) {
            (Some(card), true) if card.level >= TOP_BOX => {
                self.deck.remove(&q.stem);
            }
            (Some(card), true) => {
                card.level += 1;
                card.due = now + (1 << (card.level - 1));
            }
            (Some(card), false) => {
                card.level = 1;
                card.due = now + 1;
            }
            (None, false) => {
                self.deck.insert(q.stem.clone(), Card { question: q.clone(), level: 1, due: now + 1 });
            }
            (None, true) => {}
        }
    }

    /// Accuracy by a key (kind or domain), weakest first: (key, right, answered).
    pub fn weakest(&self, key: impl Fn(&Attempt) -> String) -> Vec<(String, usize, usize)> {
        let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for a in &self.history {
            let e = by.entry(key(a)).or_default();
            e.0 += usize::from(a.right);
            e.1 += 1;
        }
        let mut out: Vec<(String, usize, usize)> = by.into_iter().map(|(k, (r, n))| (k, r, n)).collect();
        out.sort_by(|a, b| (a.1 * b.2).cmp(&(b.1 * a.2)).then(b.2.cmp(&a.2)));
        out
    }

    /// The time per question by kind against `pace_secs`, and in book mode
    /// the steps a question took and the time per step: index and tables, tabular.
    pub fn times(&self, pace_secs: u64) -> String {
        let mut by: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for a in &self.history {
            if let Some(ms) = a.ms {
                let e = by.entry(a.kind.as_str()).or_default();
                e.0 += ms;
                e.1 += 1;
            }
        }
        if by.is_empty() {
            return "time per question: none timed yet (the mock exam and the drill time each question)\n"
                .to_string();
        }
        let pace = pace_secs * 1000;
        let mut s = format!("time per question (pace {pace_secs} s):\n");
        for (kind, (ms, n)) in by {
            let mean = ms / n;
            let verdict = if mean > pace {
                format!("over by {}", super::mock::minutes_text(mean - pace))
            } else {
                "on pace".to_string()
            };
            s.push_str(&format!("  {:>6}  {kind} ({n}): {verdict}\n", super::mock::minutes_text(mean)));
        }
        let book: Vec<&Attempt> = self.history.iter().filter(|a| a.book).collect();
        if !book.is_empty() {
            let steps: usize = book.iter().map(|a| a.steps.len()).sum();
            s.push_str(&format!(
                "book mode: {} question(s), {:.1} steps a question\n",
                book.len(),
                steps as f64 / book.len() as f64
            ));
            for (tabular, name) in [(false, "index and tables"), (true, "tabular")] {
                let ms: Vec<u64> = book
                    .iter()
                    .flat_map(|a| &a.steps)
                    .filter(|t| t.tabular == tabular)
                    .map(|t| t.ms)
                    .collect();
                if let Some(mean) = ms.iter().sum::<u64>().checked_div(ms.len() as u64) {
                    s.push_str(&format!(
                        "  {:>6}  a step in the {name} ({} step(s))\n",
                        super::mock::minutes_text(mean),
                        ms.len()
                    ));
                }
            }
        }
        s
    }

    /// What `medcode practice stats` prints.
    pub fn report(&self) -> String {
        let n = self.history.len();
        let right = self.history.iter().filter(|a| a.right).count();
        let mut s = format!("sessions: {}\nanswered: {n}, right: {right}", self.sessions);
        if n > 0 {
            s.push_str(&format!(" ({:.0}%)", 100.0 * right as f64 / n as f64));
        }
        s.push('\n');
        for (title, rows) in [
            ("weakest kinds", self.weakest(|a| a.kind.as_str().to_string())),
            ("weakest chapters and sections", self.weakest(|a| a.domain.clone())),
        ] {
            if rows.is_empty() {
                continue;
            }
            s.push_str(&format!("{title}:\n"));
            for (k, r, t) in rows.iter().take(5) {
                s.push_str(&format!("  {:>3.0}%  {r}/{t}  {k}\n", 100.0 * *r as f64 / *t as f64));
            }
        }
        let mut boxes = [0usize; TOP_BOX as usize];
        for c in self.deck.values() {
            boxes[usize::from(c.level.clamp(1, TOP_BOX)) - 1] += 1;
        }
        let due = self.deck.values().filter(|c| c.due <= self.sessions + 1).count();
        s.push_str(&format!(
            "missed questions to review (Leitner boxes 1-{TOP_BOX}): {:?}; due next session: {due}\n",
            boxes
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practice::question::{Choice, Subject};

    fn q(stem: &str) -> Question {
        Question {
            id: stem.into(),
            kind: Kind::Seventh,
            edition: "e".into(),
            domain: "ICD-10-CM chapter 19".into(),
            stem: stem.into(),
            options: vec![Choice { code: None, text: "x".into(), why: None }],
            answer: 'A',
            subject: Subject::Item,
            explanation: String::new(),
            source: String::new(),
            path: Vec::new(),
        }
    }

    #[test]
    fn a_missed_question_comes_back_and_climbs_the_boxes() {
        let mut p = Progress::default();
        assert!(p.start().is_empty());
        p.answer(&q("s1"), false);
        p.answer(&q("s2"), true);
        assert_eq!(p.deck.len(), 1, "only the missed one is kept");
        // Due the next session, in box 1.
        assert_eq!(p.start().iter().map(|q| q.stem.as_str()).collect::<Vec<_>>(), ["s1"]);
        p.answer(&q("s1"), true); // box 2: due in 2 sessions
        assert!(p.start().is_empty(), "session 3: not yet");
        assert_eq!(p.start().len(), 1, "session 4: due");
        p.answer(&q("s1"), false);
        assert_eq!(p.deck["s1"].level, 1, "a miss sends it back to box 1");
        for _ in 0..TOP_BOX {
            p.start();
            p.answer(&q("s1"), true);
        }
        assert!(p.deck.is_empty(), "out of the top box it leaves the deck");
        let weakest = p.weakest(|a| a.kind.as_str().to_string());
        assert_eq!(weakest[0].0, "seventh");
        assert!(p.report().contains("answered: 9, right: 7"), "{}", p.report());
    }

    #[test]
    fn stats_give_the_time_by_kind_against_the_pace_and_the_steps_of_book_mode() {
        let mut p = Progress::default();
        assert!(p.times(145).contains("none timed yet"), "{}", p.times(145));
        p.start();
        let step = |tabular, secs: u64| StepTime { tabular, ms: secs * 1000 };
        let timed = |ms, book, steps| Timing { ms: Some(ms), book, steps };
        p.answer_timed(&q("s1"), true, timed(100_000, true, vec![step(false, 30), step(true, 10)]));
        p.answer_timed(&q("s2"), false, timed(200_000, true, vec![step(false, 50)]));
        let mut case = q("s3");
        case.kind = Kind::Case;
        p.answer_timed(&case, true, timed(60_000, false, Vec::new()));
        p.answer(&q("s4"), true); // untimed: not in the means
        let t = p.times(145);
        assert_eq!(
            t,
            "time per question (pace 145 s):\n\
             \x20   1:00  case (1): on pace\n\
             \x20   2:30  seventh (2): over by 0:05\n\
             book mode: 2 question(s), 1.5 steps a question\n\
             \x20   0:40  a step in the index and tables (2 step(s))\n\
             \x20   0:10  a step in the tabular (1 step(s))\n"
        );
        assert!(p.times(150).contains("2:30  seventh (2): on pace"), "{}", p.times(150));
    }

    #[test]
    fn a_progress_file_from_before_the_times_still_loads() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("progress.json");
        let old = r#"{"sessions":1,"history":[{"session":1,"question":"q1","kind":"seventh","domain":"ch 19","right":true}],"deck":{}}"#;
        std::fs::write(&path, old).expect("written");
        let p = Progress::load(&path).expect("loads");
        assert_eq!((p.history[0].ms, p.history[0].book, p.history[0].steps.len()), (None, false, 0));
        assert!(p.times(145).contains("none timed yet"));
    }

    #[test]
    fn progress_is_saved_owner_only_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("practice").join("progress.json");
        let mut p = Progress::default();
        p.start();
        p.answer(&q("s1"), false);
        p.save(&path).expect("saved");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Progress::load(&path).expect("loads"), p);
    }
}
