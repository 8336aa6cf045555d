//! One integration test binary; each area has its module.

mod cli_books;
mod cli_codesets;
mod cli_queue;
mod cli_search;
mod cpt;
mod hcpcs;
mod hostile;
mod model;
mod practice;
mod queue;
mod queue_writers;
mod search_everyday;
mod support;
mod tui_e2e;
