//! `medcode practice`: drills for CPC trainees, generated from the loaded
//! edition. With `--format` the questions go to standard output; without it,
//! a drill on the terminal: a question, an answer (A-D), the explanation with
//! its source, the missed questions kept for review (Leitner boxes).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// History, weakest kinds and chapters, and the missed questions waiting for review.
    Stats,
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

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let progress_path = match &args.progress {
        Some(p) => p.clone(),
        None => Progress::default_path()?,
    };
    if let Some(Sub::Stats) = args.command {
        print!("{}", Progress::load(&progress_path)?.report());
        return Ok(ExitCode::SUCCESS);
    }
    let cb = Codebook::open(globals.edition.as_deref())?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Some(Format::Jsonl) | Some(Format::Json) => {
            for q in questions(&cb, &args.kind, args.count, seed) {
                serde_json::to_writer(&mut out, &q).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        Some(Format::Text) => {
            for (i, q) in questions(&cb, &args.kind, args.count, seed).iter().enumerate() {
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
    qs.extend(questions(&cb, &args.kind, fresh, seed));
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
        progress.answer(q, ok);
        progress.save(&progress_path)?;
        write!(out, "{}", q.feedback(answer))?;
    }
    writeln!(out, "\n{right} of {asked} right. Progress: {}", progress_path.display())?;
    Ok(ExitCode::SUCCESS)
}
