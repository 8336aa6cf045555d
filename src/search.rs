//! Search over code descriptions: the `Search` trait and its query model;
//! the tantivy implementation lives in the submodules.
