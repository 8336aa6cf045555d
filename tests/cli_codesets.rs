//! Integration tests: cli codesets.
