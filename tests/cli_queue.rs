//! Integration tests: cli queue.
