//! `medcode practice`: drills for CPC trainees, generated from the loaded
//! edition. With `--format` the questions go to standard output; without it,
//! a drill on the terminal: a question, an answer (A-D), the explanation with
//! its source, the missed questions kept for review (Leitner boxes).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};

use super::{Format, Globals};
use crate::codeset::Codebook;
use crate::practice::progress::Progress;
use crate::practice::{Kind, Question, generate};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// The kind of question (repeat for several; default: every kind).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Vec<Kind>,
    /// How many questions.
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// The seed: the same seed gives the same questions (default: a new one each time).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the questions (jsonl: one JSON object a line; text: with answers) instead of drilling.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The progress file (default: practice/progress.json in the data directory).
    #[arg(long, global = true, env = "MEDCODE_PRACTICE")]
    pub progress: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// History, weakest kinds and chapters, time per question and per step
    /// through the books, and the missed questions waiting for review.
    Stats {
        /// The pace the time per question is held against, in seconds a question.
        #[arg(long, default_value_t = crate::practice::mock::PACE_SECS)]
        pace: u64,
    },
    /// A timed mock exam on the full screen; a session left (or killed) resumes.
    Mock(MockArgs),
    /// Check an instructor's JSON Lines items (schema/question.schema.json) and
    /// keep them; drills and mocks then mix them in.
    Import { file: PathBuf },
    /// Opt in to the class summary: write your summary (counts by kind) into DIR.
    Share {
        dir: PathBuf,
        /// Your name in the class (default: $USER).
        #[arg(long)]
        name: Option<String>,
    },
    /// The class summary from the summaries in DIR: per trainee and per kind.
    Class { dir: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// How many questions (about one in five a case from the example queue).
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// The time allowed, in minutes.
    #[arg(long, default_value_t = 240)]
    pub minutes: u64,
    /// The seed (default: a new one each time).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The pace to keep, in seconds a question: the status bar warns when behind it.
    #[arg(long, default_value_t = crate::practice::mock::PACE_SECS)]
    pub pace: u64,
    /// Open-book mode: the books (index, tables, tabular) open over the question
    /// (Ctrl-k or i); each question's steps and times are shown with the score.
    #[arg(long)]
    pub book: bool,
    /// Start a new exam even if one is in progress (it is discarded).
    #[arg(long)]
    pub new: bool,
    /// The session file (default: practice/mock.json in the data directory).
    #[arg(long, env = "MEDCODE_MOCK")]
    pub session: Option<PathBuf>,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

/// The questions of a drill: kinds in turn, each from its own seed.
pub fn questions(cb: &Codebook, kinds: &[Kind], count: usize, seed: u64) -> Vec<Question> {
    let kinds: Vec<Kind> = if kinds.is_empty() { Kind::ALL.to_vec() } else { kinds.to_vec() };
    let mut out = Vec::with_capacity(count);
    let mut round = 0u64;
    while out.len() < count && round < count as u64 + 10 {
        for kind in &kinds {
            if out.len() >= count {
                break;
            }
            let mut q = generate(cb, *kind, 1, seed.wrapping_add(round));
            if let Some(mut q) = q.pop() {
                q.id = format!("{}-{seed}-{}", kind.as_str(), out.len() + 1);
                out.push(q);
            }
        }
        round += 1;
    }
    out
}

fn new_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// The questions of a mock exam: about one in five a case, the rest every
/// generated kind in turn, shuffled by the seed.
pub fn mock_questions(cb: &Codebook, count: usize, seed: u64) -> Vec<Question> {
    let mut qs = generate(cb, Kind::Case, count / 5, seed);
    qs.extend(questions(cb, &[], count - qs.len(), seed));
    crate::practice::rng::Rng::new(seed).shuffle(&mut qs);
    for (i, q) in qs.iter_mut().enumerate() {
        q.id = format!("mock-{seed}-{}", i + 1);
    }
    qs
}

fn import(file: &std::path::Path, globals: &Globals) -> Result<ExitCode> {
    let data = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read it: {e}", file.display()))?;
    let cb = Codebook::open(globals.edition.as_deref())?;
    match crate::practice::items::parse(&cb, &file.display().to_string(), &data) {
        Ok(items) => {
            let path = crate::practice::items::default_path()?;
            let total = crate::practice::items::store(&path, &items)?;
            println!("imported {} item(s); {total} kept in {}", items.len(), path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            bail!("{}: {} problem(s); nothing imported", file.display(), problems.len())
        }
    }
}

/// Put imported items among `qs` (up to one in five), in place of generated ones.
fn mix_items(qs: &mut [Question], seed: u64) -> Result<()> {
    let mut items = crate::practice::items::load(&crate::practice::items::default_path()?)?;
    if items.is_empty() || qs.is_empty() {
        return Ok(());
    }
    let mut rng = crate::practice::rng::Rng::new(seed ^ 0x17);
    rng.shuffle(&mut items);
    let n = items.len().min(qs.len().div_ceil(5));
    for (slot, item) in qs.iter_mut().rev().zip(items.into_iter().take(n)) {
        *slot = item;
    }
    rng.shuffle(qs);
    Ok(())
}

/// A resumed session's books: the edition asked for, else the one its questions
/// were made from (the default, said on the status line, when that one is gone).
fn resumed_books(m: &mut crate::practice::mock::Mock, globals: &Globals) -> Result<Codebook> {
    if globals.edition.is_some() {
        return Codebook::open(globals.edition.as_deref());
    }
    let Some(made_from) = m.questions.iter().map(|q| q.edition.as_str()).find(|e| !e.is_empty()) else {
        return Codebook::open(None);
    };
    match Codebook::open(Some(made_from)) {
        Ok(cb) => Ok(cb),
        Err(e) => {
            let cb = Codebook::open(None)?;
            let why = format!(
                "the books are {}: the questions' edition {made_from} cannot be opened ({e:#})",
                cb.edition.name
            );
            m.message = Some(match m.message.take() {
                Some(resumed) => format!("{resumed}; {why}"),
                None => why,
            });
            Ok(cb)
        }
    }
}

fn mock(args: MockArgs, globals: &Globals, progress_path: &std::path::Path) -> Result<ExitCode> {
    use crate::practice::mock::{Mock, SystemClock, run::resumed_message};
    let path = match args.session {
        Some(p) => p,
        None => Mock::default_path()?,
    };
    let saved = Mock::load(&path)?;
    // A mock submitted but killed before its answers were recorded: record them first.
    if let Some(mut done) = saved.clone().filter(|m| m.submitted) {
        record(&mut done, &path, progress_path)?;
    }
    // The edition a new session was made from, for its books.
    let mut opened = None;
    let mut m = match saved {
        Some(m) if !m.submitted && !args.new => {
            let mut m = m;
            m.message = Some(resumed_message(&m));
            m
        }
        _ => {
            if args.count == 0 || args.minutes == 0 {
                bail!("a mock exam needs --count and --minutes above 0");
            }
            let cb = Arc::new(Codebook::open(globals.edition.as_deref())?);
            let seed = args.seed.unwrap_or_else(new_seed);
            let mut qs = mock_questions(&cb, args.count, seed);
            mix_items(&mut qs, seed)?;
            if qs.is_empty() {
                bail!("edition {} gave no questions", cb.edition.name);
            }
            let mut m = Mock::new(qs, args.minutes, seed);
            m.book = args.book;
            m.pace_secs = args.pace.max(1);
            m.save(&path)?;
            opened = Some(cb);
            m
        }
    };
    // Book mode: the books open over the question (the model loads now, not at the first key;
    // a new session's edition is not opened twice).
    let books = if m.book && !m.submitted {
        let book = match opened {
            Some(cb) => cb,
            None => Arc::new(resumed_books(&mut m, globals)?),
        };
        Some(crate::practice::mock::books::Books::for_terminal(book)?)
    } else {
        None
    };
    crate::practice::mock::run::run(&mut m, books, &path, &SystemClock::new())?;
    let mut out = std::io::stdout().lock();
    record(&mut m, &path, progress_path)?;
    if m.submitted {
        let s = m.score();
        writeln!(
            out,
            "Mock exam: {}/{} right ({:.0}%), {}; pass mark {:.0}%. Time used {}.",
            s.right,
            s.total,
            s.percent(),
            if s.passed() { "passed" } else { "not passed" },
            crate::practice::mock::PASS_PERCENT,
            crate::practice::mock::clock_text(m.elapsed_ms)
        )?;
        for (k, r, t) in s.by_kind.iter().chain(&s.by_domain) {
            writeln!(out, "  {r}/{t}  {k}")?;
        }
        if m.book {
            for i in 0..m.questions.len() {
                writeln!(out, "{}", m.review_head(i))?;
                for line in m.timeline_lines(i) {
                    writeln!(out, "  {line}")?;
                }
            }
        }
    } else {
        writeln!(
            out,
            "Mock exam saved: {} of {} answered, {} left. `medcode practice mock` resumes it.",
            m.answered(),
            m.questions.len(),
            crate::practice::mock::clock_text(m.remaining_ms())
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A submitted mock's missed questions go into the review deck; the session keeps that they did.
fn record(
    m: &mut crate::practice::mock::Mock,
    session: &std::path::Path,
    progress_path: &std::path::Path,
) -> Result<()> {
    let mut progress = Progress::load(progress_path)?;
    if m.record_into(&mut progress) {
        progress.save(progress_path)?;
        m.save(session)?;
    }
    Ok(())
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let progress_path = match &args.progress {
        Some(p) => p.clone(),
        None => Progress::default_path()?,
    };
    match args.command {
        Some(Sub::Stats { pace }) => {
            let p = Progress::load(&progress_path)?;
            print!("{}{}", p.report(), p.times(pace.max(1)));
            return Ok(ExitCode::SUCCESS);
        }
        Some(Sub::Mock(m)) => return mock(m, globals, &progress_path),
        Some(Sub::Import { file }) => return import(&file, globals),
        Some(Sub::Share { dir, name }) => {
            use crate::practice::class::{Summary, share};
            let name = name.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "trainee".into());
            let path = share(&dir, &Summary::of(&name, &Progress::load(&progress_path)?))?;
            println!("shared: {}", path.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some(Sub::Class { dir }) => {
            let class = crate::practice::class::read(&dir)?;
            if !class.malformed.is_empty() {
                for m in &class.malformed {
                    eprintln!("{}", crate::text::one_line(m));
                }
                bail!("{} malformed summary file(s) in {}", class.malformed.len(), dir.display());
            }
            print!("{}", class.report());
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let cb = Codebook::open(globals.edition.as_deref())?;
    let seed = args.seed.unwrap_or_else(new_seed);
    let mut out = std::io::stdout().lock();
    let printed = || -> Result<Vec<Question>> {
        let mut qs = questions(&cb, &args.kind, args.count, seed);
        if args.kind.is_empty() {
            mix_items(&mut qs, seed)?;
        }
        Ok(qs)
    };
    match args.format {
        Some(Format::Jsonl) | Some(Format::Json) => {
            for q in printed()? {
                serde_json::to_writer(&mut out, &q).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        Some(Format::Text) => {
            for (i, q) in printed()?.iter().enumerate() {
                writeln!(out, "{}. {}", i + 1, q.render())?;
                writeln!(out, "{}", q.feedback(q.answer))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        Some(_) => bail!("`medcode practice` writes jsonl or text"),
        None => {}
    }
    let mut progress = Progress::load(&progress_path)?;
    let mut qs = progress.start();
    let review = qs.len();
    qs.truncate(args.count);
    let fresh = args.count.saturating_sub(qs.len());
    let mut new = questions(&cb, &args.kind, fresh, seed);
    if args.kind.is_empty() {
        mix_items(&mut new, seed)?;
    }
    qs.extend(new);
    writeln!(
        out,
        "medcode practice: {} question(s) ({} to review), edition {}. Answer A-D; q stops.",
        qs.len(),
        review.min(args.count),
        cb.edition.name
    )?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let (mut right, mut asked) = (0, 0);
    'questions: for (i, q) in qs.iter().enumerate() {
        write!(out, "\n{}/{} {}> ", i + 1, qs.len(), q.render())?;
        out.flush()?;
        let shown = std::time::Instant::now();
        let answer = loop {
            let Some(line) = lines.next() else { break 'questions };
            let line = line?;
            let t = line.trim().to_ascii_uppercase();
            if t == "Q" {
                break 'questions;
            }
            match t.chars().next() {
                Some(c @ 'A'..='D') if t.len() == 1 => break c,
                _ => {
                    write!(out, "A, B, C or D (q stops)> ")?;
                    out.flush()?;
                }
            }
        };
        asked += 1;
        let ok = answer == q.answer;
        right += usize::from(ok);
        let ms = Some(shown.elapsed().as_millis() as u64);
        progress.answer_timed(q, ok, crate::practice::progress::Timing { ms, ..Default::default() });
        progress.save(&progress_path)?;
        write!(out, "{}", q.feedback(answer))?;
    }
    writeln!(out, "\n{right} of {asked} right. Progress: {}", progress_path.display())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_mock_opens_the_books_of_the_edition_its_questions_came_from() {
        use crate::codeset::shipped::FY2026;
        let default = crate::codeset::catalog::locate(None).expect("default edition").edition.name;
        assert_ne!(default, FY2026, "the test needs an edition other than the default");
        let globals = Globals { edition: None, index: None, practice: false };
        let fy2026 = Codebook::open(Some(FY2026)).expect("fy2026");
        let mut m = crate::practice::mock::Mock::new(mock_questions(&fy2026, 2, 7), 10, 7);
        m.message = None;
        assert_eq!(resumed_books(&mut m, &globals).expect("books").edition.name, FY2026);
        assert_eq!(m.message, None);
        // An edition gone since: the default's books, and the status line says why.
        m.message = Some("resumed".into());
        for q in &mut m.questions {
            q.edition = "fy1999-removed".into();
        }
        assert_eq!(resumed_books(&mut m, &globals).expect("books").edition.name, default);
        let said = m.message.as_deref().unwrap_or_default();
        assert!(said.starts_with("resumed; the books are") && said.contains("fy1999-removed"), "{said}");
        // An edition asked for wins.
        let asked = Globals { edition: Some(default.clone()), ..globals };
        m.questions.iter_mut().for_each(|q| q.edition = FY2026.into());
        assert_eq!(resumed_books(&mut m, &asked).expect("books").edition.name, default);
    }
}
