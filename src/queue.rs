//! The record queue: encounters read from local files, the coder's work on
//! each (attached codes, status, comments), claims between coders and the
//! edits (checks) run as the coder works.
//!
//! The source files are never written. The coder's work lives in a work
//! folder (see [`store`]) saved atomically on every change with an
//! append-only audit trail. Everything here that touches the disk is meant to
//! be called from the TUI's effect runner, never from `update`; the pure
//! parts ([`work::apply`], [`edits::check`]) are plain functions of values.

pub mod audit;
pub mod claim;
pub mod edits;
pub mod export;
pub mod load;
pub mod record;
pub mod store;
pub mod training;
pub mod work;

pub use load::{LoadError, Loaded, Problem, Severity as ProblemSeverity, load, load_bytes, load_example};
pub use record::{EncounterType, ExpectedLine, Priority, Record, Sex, Source};
pub use store::{Store, StoreError, WorkLocation};
pub use work::{AttachedCode, CodeKind, Op, OpError, Poa, RecordWork, Status};

/// The example queue shipped in the binary (`examples/queue.jsonl`), so
/// `medcode` can show a queue with no files around. Every record is synthetic.
pub const EXAMPLE_JSONL: &str = include_str!("../examples/queue.jsonl");

/// The name the example queue goes by in messages and in the work folder.
pub const EXAMPLE_NAME: &str = "example-queue.jsonl";

/// A queue opened for work: its records (with the problems found) and the
/// coder's work on them.
#[derive(Debug)]
pub struct Opened {
    pub loaded: Loaded,
    pub store: Store,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Open a queue file or folder for work, or the shipped example queue when
/// `path` is `None`. (The effect the workbench runs at start-up.)
pub fn open(path: Option<&std::path::Path>) -> Result<Opened, OpenError> {
    open_for(path, false)
}

/// [`open`], or with `practice` the trainee's practice work instead ([`Store::open_practice`]).
pub fn open_for(path: Option<&std::path::Path>, practice: bool) -> Result<Opened, OpenError> {
    let loaded = match path {
        Some(p) => load(p)?,
        None => load_example(),
    };
    Ok(Opened { loaded, store: Store::open_work(path, practice)? })
}

/// The one terminal sanitizer, re-exported where the queue code has always found it.
pub use crate::text::sanitize_for_terminal;
