//! The mock exam: a timed session of questions (some of them cases), with
//! flags, jumps, a submit that asks first, and the score by kind and domain
//! against the pass mark. `Mock` is the state; [`Mock::update`] changes it and
//! does no I/O (it says when to save); `draw` only reads it; `run` is the
//! terminal loop. The session is saved after every answer and flag, elapsed
//! time included, so a killed session resumes where it was.

pub mod books;
pub mod draw;
pub mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::question::{LETTERS, Question};

/// The pace a CPC candidate keeps: 100 questions in 4 hours is 144 s each.
pub const PACE_SECS: u64 = 145;
/// The pass mark, in percent.
pub const PASS_PERCENT: f64 = 70.0;
/// Elapsed time is also saved this often while nothing is answered.
pub const SAVE_EVERY: Duration = Duration::from_secs(10);

/// Where time comes from: a monotonic reading. The terminal uses
/// [`SystemClock`]; tests move a fake one by hand.
pub trait Clock {
    fn now(&self) -> Duration;
}

pub struct SystemClock(std::time::Instant);

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock(std::time::Instant::now())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Turns clock readings into [`Action::Elapse`] steps.
pub struct Timer<'a> {
    clock: &'a dyn Clock,
    last: Duration,
}

impl<'a> Timer<'a> {
    pub fn new(clock: &'a dyn Clock) -> Timer<'a> {
        Timer { clock, last: clock.now() }
    }

    /// The time since the last tick, as an action.
    pub fn tick(&mut self) -> Action {
        let now = self.clock.now();
        let step = now.saturating_sub(self.last);
        self.last = now;
        Action::Elapse(step)
    }
}

/// What a trainee (or the clock) does. The serde names are the key map's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Answer(char),
    Next,
    Prev,
    ToggleFlag,
    NextFlagged,
    NextUnanswered,
    /// Start typing a question number (then digits, Enter).
    GoTo,
    Digit(u8),
    Enter,
    Backspace,
    Cancel,
    Submit,
    Confirm,
    Quit,
    /// Open the books over the question (book mode), and come back.
    OpenBooks,
    CloseBooks,
    #[serde(skip)]
    Elapse(Duration),
}

/// A step through the books taken while a question was on screen: the
/// book entry or table row, or the tabular code, opened (the wording of the
/// workbench's `Op::BookStep`), and the question's time on screen then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at_ms: u64,
    pub text: String,
}

/// What `update` asks the loop to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Save,
    Quit,
}

/// What is on the status line waiting for keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Prompt {
    #[default]
    None,
    GoTo(String),
    ConfirmSubmit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mock {
    pub seed: u64,
    pub questions: Vec<Question>,
    pub answers: Vec<Option<char>>,
    pub flags: Vec<bool>,
    /// Time spent on each question while it was on screen, in ms (book mode's record).
    pub spent_ms: Vec<u64>,
    /// Each question's path through the books (book mode), in order.
    #[serde(default)]
    pub paths: Vec<Vec<Step>>,
    /// Each question's time on screen when it was last answered.
    #[serde(default)]
    pub answered_ms: Vec<Option<u64>>,
    pub current: usize,
    pub elapsed_ms: u64,
    pub limit_ms: u64,
    pub submitted: bool,
    /// Submitted because the time ran out.
    #[serde(default)]
    pub timed_out: bool,
    /// Open-book mode: the time per question is shown with the score.
    #[serde(default)]
    pub book: bool,
    /// The pace warned against, in seconds a question (`--pace`).
    #[serde(default = "default_pace")]
    pub pace_secs: u64,
    /// The answers went into the progress file (once, after submitting).
    #[serde(default)]
    pub recorded: bool,
    #[serde(skip)]
    pub prompt: Prompt,
    /// The books are open over the question (the loop sends them the keys).
    #[serde(skip)]
    pub books_open: bool,
    #[serde(skip)]
    pub message: Option<String>,
    /// Elapsed time at the last save.
    #[serde(skip)]
    pub saved_ms: u64,
}

fn default_pace() -> u64 {
    PACE_SECS
}

/// The score of a submitted mock.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub right: usize,
    pub total: usize,
    pub unanswered: usize,
    /// (kind or domain, right, total), by kind then by domain.
    pub by_kind: Vec<(String, usize, usize)>,
    pub by_domain: Vec<(String, usize, usize)>,
}

impl Score {
    pub fn percent(&self) -> f64 {
        if self.total == 0 { 0.0 } else { 100.0 * self.right as f64 / self.total as f64 }
    }

    pub fn passed(&self) -> bool {
        self.percent() >= PASS_PERCENT
    }
}

impl Mock {
    pub fn new(questions: Vec<Question>, minutes: u64, seed: u64) -> Mock {
        let n = questions.len();
        Mock {
            seed,
            questions,
            answers: vec![None; n],
            flags: vec![false; n],
            spent_ms: vec![0; n],
            paths: vec![Vec::new(); n],
            answered_ms: vec![None; n],
            current: 0,
            elapsed_ms: 0,
            limit_ms: minutes.saturating_mul(60_000),
            submitted: false,
            timed_out: false,
            book: false,
            pace_secs: PACE_SECS,
            recorded: false,
            prompt: Prompt::None,
            books_open: false,
            message: None,
            saved_ms: 0,
        }
    }

    /// Where the session lives: `data_dir()/practice/mock.json`.
    pub fn default_path() -> Result<PathBuf> {
        Ok(crate::paths::data_dir()?.join("practice").join("mock.json"))
    }

    /// The saved session, `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Mock>> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let mut m: Mock =
                    serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?;
                let n = m.questions.len();
                // A session saved before paths were kept has none.
                if m.paths.is_empty() && m.answered_ms.is_empty() {
                    m.paths = vec![Vec::new(); n];
                    m.answered_ms = vec![None; n];
                }
                if m.answers.len() != n
                    || m.flags.len() != n
                    || m.spent_ms.len() != n
                    || m.paths.len() != n
                    || m.answered_ms.len() != n
                    || m.current >= n.max(1)
                {
                    anyhow::bail!("{}: the session's lists do not match its {n} questions", path.display());
                }
                m.saved_ms = m.elapsed_ms;
                Ok(Some(m))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Saved atomically, 0600 in a 0700 folder.
    pub fn save(&mut self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir)?;
        }
        let bytes = serde_json::to_vec(self)?;
        crate::files::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        self.saved_ms = self.elapsed_ms;
        Ok(())
    }

    pub fn answered(&self) -> usize {
        self.answers.iter().filter(|a| a.is_some()).count()
    }

    pub fn flagged(&self) -> usize {
        self.flags.iter().filter(|f| **f).count()
    }

    pub fn remaining_ms(&self) -> u64 {
        self.limit_ms.saturating_sub(self.elapsed_ms)
    }

    /// Behind pace: fewer questions answered than the time used allows at
    /// `pace_secs` a question. The number it should be, when behind.
    pub fn behind_pace(&self) -> Option<usize> {
        let due = (self.elapsed_ms / (self.pace_secs.max(1) * 1000)) as usize;
        let due = due.min(self.questions.len());
        (self.answered() < due).then_some(due)
    }

    /// Put a submitted mock's answers into the trainee's progress, once: the
    /// mock counts as a session, and every question missed or left blank
    /// enters the review deck. False when there was nothing to record.
    pub fn record_into(&mut self, progress: &mut super::progress::Progress) -> bool {
        if !self.submitted || self.recorded {
            return false;
        }
        progress.start();
        for (i, (q, a)) in self.questions.iter().zip(&self.answers).enumerate() {
            // A question never on screen has no time to tell.
            let timing = if self.spent_ms[i] == 0 {
                super::progress::Timing::default()
            } else {
                super::progress::Timing {
                    ms: Some(self.spent_ms[i]),
                    book: self.book,
                    steps: self.timeline(i).into_iter().filter_map(|(ms, e)| e.step_time(ms)).collect(),
                }
            };
            progress.answer_timed(q, *a == Some(q.answer), timing);
        }
        self.recorded = true;
        true
    }

    /// The next index after the current one (wrapping) that `pick` accepts.
    fn next_where(&self, pick: impl Fn(usize) -> bool) -> Option<usize> {
        let n = self.questions.len();
        (1..=n).map(|d| (self.current + d) % n).find(|i| pick(*i))
    }

    /// Record a step through the books on the question on screen (saved at once).
    pub fn record_step(&mut self, text: String) -> Vec<Effect> {
        if self.submitted || !self.book {
            return Vec::new();
        }
        let at_ms = self.spent_ms[self.current];
        self.paths[self.current].push(Step { at_ms, text });
        vec![Effect::Save]
    }

    /// Question `i`'s steps and its answer in order, each with the time
    /// since the one before (from when the question first showed): where the time went.
    pub fn timeline(&self, i: usize) -> Vec<(u64, Event<'_>)> {
        let mut events: Vec<(u64, Event<'_>)> =
            self.paths[i].iter().map(|s| (s.at_ms, Event::Step(&s.text))).collect();
        if let (Some(ms), Some(c)) = (self.answered_ms[i], self.answers[i]) {
            // The answer comes after every step taken before it (a stable sort keeps ties in order).
            events.push((ms, Event::Answer(c)));
        }
        events.sort_by_key(|(at, _)| *at);
        let mut last = 0;
        events
            .into_iter()
            .map(|(at, e)| {
                let since = at.saturating_sub(last);
                last = at;
                (since, e)
            })
            .collect()
    }

    /// `3. answered B, key C (wrong)`.
    pub fn review_head(&self, i: usize) -> String {
        let q = &self.questions[i];
        let given = self.answers[i].map_or("none".to_string(), |c| c.to_string());
        let verdict = if self.answers[i] == Some(q.answer) { "right" } else { "wrong" };
        format!("{}. answered {given}, key {} ({verdict})", i + 1, q.answer)
    }

    /// What `timeline` says, one line each (`   0:42  Drug table: ...`).
    pub fn timeline_lines(&self, i: usize) -> Vec<String> {
        let mut lines = vec![format!("where the time went ({} on screen):", minutes_text(self.spent_ms[i]))];
        for (ms, e) in self.timeline(i) {
            let what = match e {
                Event::Step(text) => crate::text::one_line(text).into_owned(),
                Event::Answer(c) => format!("answer {c}"),
            };
            lines.push(format!("  {:>6}  {what}", minutes_text(ms)));
        }
        if self.paths[i].is_empty() {
            lines.push("  no book opened".to_string());
        }
        lines
    }

    fn submit(&mut self) -> Vec<Effect> {
        self.submitted = true;
        self.books_open = false;
        self.prompt = Prompt::None;
        self.current = 0;
        vec![Effect::Save]
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if let Action::Elapse(step) = action {
            if self.submitted {
                return vec![];
            }
            let ms = step.as_millis() as u64;
            self.elapsed_ms = self.elapsed_ms.saturating_add(ms);
            if let Some(s) = self.spent_ms.get_mut(self.current) {
                *s += ms;
            }
            if self.elapsed_ms >= self.limit_ms {
                self.elapsed_ms = self.limit_ms;
                self.timed_out = true;
                self.message = Some("Time is up: the exam was submitted.".into());
                return self.submit();
            }
            let due = self.elapsed_ms.saturating_sub(self.saved_ms) >= SAVE_EVERY.as_millis() as u64;
            return if due { vec![Effect::Save] } else { vec![] };
        }
        if action == Action::Quit {
            return vec![Effect::Save, Effect::Quit];
        }
        if action == Action::CloseBooks {
            self.books_open = false;
            return vec![];
        }
        let n = self.questions.len();
        if n == 0 {
            return vec![];
        }
        self.message = None;
        // A prompt takes the keys first.
        match (&mut self.prompt, action) {
            (Prompt::GoTo(s), Action::Digit(d)) => {
                if s.len() < 4 {
                    s.push(char::from(b'0' + d));
                }
                return vec![];
            }
            (Prompt::GoTo(s), Action::Backspace) => {
                s.pop();
                return vec![];
            }
            (Prompt::GoTo(s), Action::Enter) => {
                match s.parse::<usize>() {
                    Ok(k) if (1..=n).contains(&k) => self.current = k - 1,
                    _ => self.message = Some(format!("No question {s}: 1 to {n}.")),
                }
                self.prompt = Prompt::None;
                return vec![];
            }
            (Prompt::ConfirmSubmit, Action::Confirm) if !self.submitted => return self.submit(),
            (Prompt::GoTo(_) | Prompt::ConfirmSubmit, _) => {
                self.prompt = Prompt::None;
                if action == Action::Cancel {
                    return vec![];
                }
            }
            (Prompt::None, _) => {}
        }
        match action {
            Action::Next => self.current = (self.current + 1).min(n - 1),
            Action::Prev => self.current = self.current.saturating_sub(1),
            Action::GoTo => self.prompt = Prompt::GoTo(String::new()),
            Action::NextFlagged => match self.next_where(|i| self.flags[i]) {
                Some(i) => self.current = i,
                None => self.message = Some("No question is flagged.".into()),
            },
            Action::NextUnanswered => match self.next_where(|i| self.answers[i].is_none()) {
                Some(i) => self.current = i,
                None => self.message = Some("Every question is answered.".into()),
            },
            _ if self.submitted => {}
            Action::Answer(c) => {
                let c = c.to_ascii_uppercase();
                if LETTERS.contains(&c) {
                    self.answers[self.current] = Some(c);
                    self.answered_ms[self.current] = Some(self.spent_ms[self.current]);
                    return vec![Effect::Save];
                }
            }
            Action::OpenBooks if self.book => self.books_open = true,
            Action::OpenBooks => {
                self.message = Some("The books open in book mode: medcode practice mock --book".into());
            }
            Action::ToggleFlag => {
                self.flags[self.current] = !self.flags[self.current];
                return vec![Effect::Save];
            }
            Action::Submit => {
                self.prompt = Prompt::ConfirmSubmit;
            }
            _ => {}
        }
        vec![]
    }

    pub fn score(&self) -> Score {
        let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut by_domain: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut right = 0;
        for (q, a) in self.questions.iter().zip(&self.answers) {
            let ok = *a == Some(q.answer);
            right += usize::from(ok);
            for (map, key) in
                [(&mut by_kind, q.kind.as_str().to_string()), (&mut by_domain, q.domain.clone())]
            {
                let e = map.entry(key).or_default();
                e.0 += usize::from(ok);
                e.1 += 1;
            }
        }
        let flat = |m: BTreeMap<String, (usize, usize)>| m.into_iter().map(|(k, (r, t))| (k, r, t)).collect();
        Score {
            right,
            total: self.questions.len(),
            unanswered: self.questions.len() - self.answered(),
            by_kind: flat(by_kind),
            by_domain: flat(by_domain),
        }
    }
}

/// One entry of a question's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    Step(&'a str),
    Answer(char),
}

impl Event<'_> {
    /// A step's kind and time, for the progress file (an answer is no step).
    fn step_time(self, ms: u64) -> Option<super::progress::StepTime> {
        match self {
            Event::Step(text) => {
                Some(super::progress::StepTime { tabular: crate::app::book_mode::is_tabular(text), ms })
            }
            Event::Answer(_) => None,
        }
    }
}

/// `m:ss`.
pub fn minutes_text(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `h:mm:ss`.
pub fn clock_text(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests;
