//! medcode: a terminal workbench for medical coders.
//!
//! The binary is a thin shell over this library: `cli` runs the
//! non-interactive subcommands, `tui` the workbench.

pub mod cli;
pub mod codeset;
pub mod paths;
pub mod queue;
pub mod search;
