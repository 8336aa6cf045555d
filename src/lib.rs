//! medcode: a terminal workbench for medical coders.
//!
//! The binary is a thin shell over this library: `cli` runs the
//! non-interactive subcommands, `tui` the workbench.

pub mod action;
pub mod app;
pub mod cli;
pub mod codeset;
pub mod files;
pub mod keymap;
pub mod layout;
pub mod paths;
pub mod practice;
pub mod queue;
pub mod search;
pub mod text;
pub mod theme;
pub mod tui;
pub mod ui;
