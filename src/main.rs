//! The `medcode` binary: parse arguments, run the library, map errors to an exit code.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use medcode::cli::{self, Cli, Globals};

fn main() -> ExitCode {
    let args = Cli::parse();
    let globals =
        Globals { edition: args.edition.clone(), index: args.index.clone(), practice: args.practice };
    let result = match args.command {
        Some(command) => cli::run(command, &globals),
        None => medcode::tui::run(medcode::tui::Options {
            edition: args.edition,
            index: args.index,
            queue: args.queue,
            practice: args.practice,
            book: args.book,
        })
        .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`medcode codes | head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Each cause once, and nothing from a hostile file name reaches the terminal raw.
            eprintln!("medcode: {}", medcode::text::error_message(&err));
            ExitCode::FAILURE
        }
    }
}
