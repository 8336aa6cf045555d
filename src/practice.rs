//! Practice for CPC trainees: drills generated from the loaded edition,
//! each question checked against it (`generate`), and their model (`question`).
//! The grading of a record against its answer key is `queue::training`.

pub mod case;
pub mod class;
pub mod generate;
pub mod items;
pub mod mock;
pub mod progress;
pub mod question;
pub mod rng;

pub use generate::{generate, verify};
pub use question::{Choice, Kind, Question, Subject};
