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
        self.history.push(Attempt {
            session: self.sessions,
            question: q.id.clone(),
            kind: q.kind,
            domain: q.domain.clone(),
            right,
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
