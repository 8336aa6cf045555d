//! Integration tests: tui e2e.
