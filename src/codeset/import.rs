//! Importing an agencies' release (a zip as downloaded or its unpacked
//! folder) as a named edition in the per-user data directory.
