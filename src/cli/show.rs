use std::process::ExitCode;

use anyhow::Result;

use super::Globals;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _globals: &Globals) -> Result<ExitCode> {
    anyhow::bail!("`medcode show` is not built yet")
}
