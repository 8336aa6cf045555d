//! Integration tests: cli search.
