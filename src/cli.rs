//! Command-line arguments and the non-interactive subcommands. Each
//! subcommand's handler lives in `cli/<name>.rs`.

mod codes;
mod codesets;
mod index;
mod index_lookup;
pub mod practice;
mod queue;
mod search;
mod show;
mod table;
pub mod width;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::codeset::CodeSet;

#[derive(Debug, Parser)]
#[command(
    name = "medcode",
    version,
    about = "A terminal workbench for medical coders (ICD-10-CM, ICD-10-PCS)"
)]
pub struct Cli {
    /// Code set edition to use (see `medcode codesets list`); default: the newest installed, else the shipped one.
    #[arg(long, global = true, env = "MEDCODE_EDITION")]
    pub edition: Option<String>,
    /// Folder of the search index (default: in the per-user data directory).
    #[arg(long, global = true, env = "MEDCODE_INDEX")]
    pub index: Option<PathBuf>,
    /// A record queue to open in the workbench: a JSON Lines file or a folder of .json files.
    #[arg(long)]
    pub queue: Option<PathBuf>,
    /// Practice: the queue's work is the trainee's own, apart from production (docs/practice.md).
    #[arg(long, global = true)]
    pub practice: bool,
    /// Book mode in the workbench: the search off, codes found in the books and the tabular, each step timed.
    #[arg(long)]
    pub book: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a code: title, edition, billable or header, ancestors, children and the notes in force.
    Show(show::Args),
    /// List every code with its title.
    Codes(codes::Args),
    /// Look a term up in the Table of Drugs, the Table of Neoplasms or the Index to External Causes.
    Table(table::Args),
    /// Print an index entry with its subterms: the Alphabetic Index, External Causes, PCS index, Drug or Neoplasm table.
    IndexLookup(index_lookup::Args),
    /// List and import code set editions.
    #[command(subcommand)]
    Codesets(codesets::Command),
    /// Search code descriptions.
    Search(search::Args),
    /// Build or inspect the search index.
    #[command(subcommand)]
    Index(index::Command),
    /// Check, export and count a record queue.
    #[command(subcommand)]
    Queue(queue::Command),
    /// Drills for CPC trainees generated from the loaded edition (`--format jsonl` prints them), and `practice stats`.
    Practice(practice::Args),
}

/// Output formats shared by the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Tsv,
    Csv,
}

/// Shared by every subcommand: the global options.
#[derive(Debug, Clone)]
pub struct Globals {
    pub edition: Option<String>,
    pub index: Option<PathBuf>,
    /// `--practice`: the trainee's practice work.
    pub practice: bool,
}

/// Run a non-interactive subcommand.
pub fn run(command: Command, globals: &Globals) -> Result<ExitCode> {
    match command {
        Command::Show(args) => show::run(args, globals),
        Command::Codes(args) => codes::run(args, globals),
        Command::Table(args) => table::run(args, globals),
        Command::IndexLookup(args) => index_lookup::run(args, globals),
        Command::Codesets(cmd) => codesets::run(cmd, globals),
        Command::Search(args) => search::run(args, globals),
        Command::Index(cmd) => index::run(cmd, globals),
        Command::Queue(cmd) => queue::run(cmd, globals),
        Command::Practice(args) => practice::run(args, globals),
    }
}

/// Parse `--set` values.
pub fn parse_set(s: &str) -> Result<CodeSet, String> {
    s.parse()
}
