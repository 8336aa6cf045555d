use std::process::ExitCode;

use anyhow::Result;

use super::Globals;

#[derive(Debug, clap::Subcommand)]
pub enum Command {}

pub fn run(command: Command, _globals: &Globals) -> Result<ExitCode> {
    match command {}
}
