//! Helpers every integration test module shares: the `medcode` command, the
//! index built once per binary ([`index`]) and the pseudo-terminal session
//! ([`pty`], also included by `benches/tui.rs`).

pub mod index;
pub mod pty;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The real binary, its environment cleared of the developer's edition and index choices.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_medcode"));
    c.env_remove("MEDCODE_EDITION").env_remove("MEDCODE_INDEX");
    // Text output wraps to COLUMNS: the tests that read whole lines get room for them
    // (the width test sets or removes it itself).
    c.env("COLUMNS", "1000");
    // One compiled model folder for the whole run (like a shared read-only one), so each
    // test's fresh data folder does not compile the code sets again.
    c.env("MEDCODE_MODEL_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/model")).env_remove("MEDCODE_MODEL");
    c
}

/// The real binary with its data folder `data` and its config folder inside it.
pub fn medcode(data: &Path) -> Command {
    let mut c = bin();
    c.env("MEDCODE_DATA", data).env("MEDCODE_CONFIG", data.join("config"));
    c
}

/// Run `medcode args` on `data` to the end.
pub fn run(data: &Path, args: &[&str]) -> Output {
    medcode(data).args(args).output().expect("medcode runs")
}

/// Output bytes as text (lossy: a test shows what it got).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A copy of the example queue in the temporary folder `dir`.
pub fn queue_copy(dir: &Path) -> PathBuf {
    let q = dir.join("queue.jsonl");
    std::fs::write(&q, medcode::queue::EXAMPLE_JSONL).expect("write queue");
    q
}

/// `medcode queue claim` held open (stdin piped); the child and the first line it printed.
pub fn spawn_claim(data: &Path, q: &Path, record: &str, force: bool) -> (Child, String) {
    let mut cmd = medcode(data);
    cmd.args(["queue", "claim", q.to_str().expect("utf8"), record]);
    if force {
        cmd.arg("--force");
    }
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("read");
    (child, line)
}
