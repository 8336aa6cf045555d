//! `medcode index`: build the search index or say what state it is in.

use std::process::ExitCode;

use anyhow::Result;

use super::Globals;
use super::search::{edition, index_dir, open_engine};
use crate::search::{self, State};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Build the search index now (it is also built automatically on first use).
    Build {
        /// Rebuild even if the index is fresh.
        #[arg(long)]
        force: bool,
    },
    /// Where the index is, what it was built from, and whether it is fresh.
    Status,
}

pub fn run(command: Command, globals: &Globals) -> Result<ExitCode> {
    let located = edition(globals)?;
    let edition = &located.edition;
    match command {
        Command::Build { force } => {
            let start = std::time::Instant::now();
            let engine = open_engine(globals, &located, force)?;
            println!(
                "search index {}: {} codes, edition {} ({:.1} s)",
                engine.dir().display(),
                engine.num_docs(),
                engine.manifest().edition,
                start.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let dir = index_dir(globals, edition)?;
            let st = search::build::status(&dir, edition);
            println!("location:       {}", dir.display());
            println!("edition:        {}", edition.summary());
            println!("state:          {}", st.state.describe());
            if let Some(m) = &st.manifest {
                println!("built for:      {}", m.edition);
                println!(
                    "schema version: {} (this medcode: {})",
                    m.schema_version,
                    search::schema::SCHEMA_VERSION
                );
                println!("codes:          {}", m.docs);
                println!("built at:       {}", m.built_at);
            }
            println!("size:           {:.1} MB", st.size_bytes as f64 / 1e6);
            Ok(if st.state == State::Fresh { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
    }
}
