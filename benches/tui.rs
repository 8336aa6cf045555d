//! The workbench over a terminal, measured as a coder over SSH feels it.
//!
//! `cargo bench --bench tui` starts the real release binary in a
//! pseudo-terminal (80x24 and 120x40), over an index built once beforehand, and prints, side by side in one run:
//! - time to first frame (the end of the first synchronized update,
//!   `ESC[?2026l`) and to the first frame with the code sets loaded;
//! - per keystroke while typing queries: time from writing the key to the end
//!   of the frame it caused (p50/p99/max) and bytes written to the terminal;
//! - the same with `MEDCODE_FULL_REDRAW=1` (clear and repaint every frame, no
//!   diffing): the baseline the diffing renderer is compared with.

// The tests' fixture and session; this bench reads only part of each.
#[allow(dead_code)]
#[path = "../tests/support/index.rs"]
mod index;
#[allow(dead_code)]
#[path = "../tests/support/pty.rs"]
mod pty;

use std::io::Write;
use std::time::{Duration, Instant};

use pty::Pty;

const FRAME_END: &[u8] = b"\x1b[?2026l";
const QUERIES: [&str; 6] =
    ["diabetes w ckd", "e11.9", "chronic kidney disease stage 3", "fx femur", "0dtj", "hypertension heart"];

/// The index every run opens, built once before measuring (the warm start a coder has every day).
fn index_dir() -> &'static std::path::Path {
    &index::shared().root
}

struct Run {
    pty: Pty,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

impl Run {
    fn start(cols: u16, rows: u16, full: bool) -> (Run, Instant) {
        let data = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let mut cmd = pty::command(data.path(), config.path());
        cmd.env("MEDCODE_INDEX", index_dir());
        if full {
            cmd.env("MEDCODE_FULL_REDRAW", "1");
        }
        let t0 = Instant::now();
        (Run { pty: Pty::spawn(cols, rows, cmd), _dirs: (data, config) }, t0)
    }

    /// Read until `frames` more frame ends have arrived; the bytes read.
    fn frames(&mut self, frames: usize) -> Vec<u8> {
        let mut got = Vec::new();
        while count(&got, FRAME_END) < frames {
            match self.pty.output.recv_timeout(Duration::from_secs(30)) {
                Ok(chunk) => got.extend(chunk),
                Err(e) => panic!("no frame from medcode ({e}); got {:?}", String::from_utf8_lossy(&got)),
            }
        }
        got
    }

    fn key(&mut self, bytes: &[u8]) -> (Duration, usize) {
        let t = Instant::now();
        self.pty.send(bytes);
        let out = self.frames(1);
        (t.elapsed(), out.len())
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

struct Figures {
    first: Duration,
    ready: Duration,
    keys: Vec<Duration>,
    bytes: Vec<usize>,
}

fn measure(cols: u16, rows: u16, full: bool, rounds: usize) -> Figures {
    let (mut firsts, mut readies, mut keys, mut bytes) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let (mut run, t0) = Run::start(cols, rows, full);
        run.frames(1);
        firsts.push(t0.elapsed());
        run.frames(1);
        readies.push(t0.elapsed());
        for q in QUERIES {
            for c in q.bytes() {
                let (t, n) = run.key(&[c]);
                keys.push(t);
                bytes.push(n);
            }
            run.key(b"\x15"); // Ctrl-u clears the query
        }
        run.pty.writer.write_all(b"\x03").unwrap();
        let _ = run.pty.writer.flush();
    }
    firsts.sort();
    readies.sort();
    keys.sort();
    Figures { first: firsts[firsts.len() / 2], ready: readies[readies.len() / 2], keys, bytes }
}

fn main() {
    let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    println!("medcode workbench in a pseudo-terminal ({rounds} starts per row; queries: {QUERIES:?})");
    println!(
        "{:<22} {:>10} {:>10} {:>9} {:>9} {:>9} {:>12} {:>10}",
        "mode", "first ms", "ready ms", "key p50", "key p99", "key max", "bytes/key", "max bytes"
    );
    // One untimed pass first: the freshly built index and binary come into the page cache.
    measure(80, 24, false, 1);
    for (cols, rows) in [(80u16, 24u16), (120, 40)] {
        for full in [false, true] {
            let f = measure(cols, rows, full, rounds);
            let mean_bytes = f.bytes.iter().sum::<usize>() as f64 / f.bytes.len() as f64;
            println!(
                "{:<22} {:>10} {:>10} {:>9} {:>9} {:>9} {:>12.0} {:>10}",
                format!("{cols}x{rows} {}", if full { "full redraw" } else { "diff" }),
                ms(f.first),
                ms(f.ready),
                ms(pct(&f.keys, 0.5)),
                ms(pct(&f.keys, 0.99)),
                ms(*f.keys.last().unwrap()),
                mean_bytes,
                f.bytes.iter().max().unwrap()
            );
        }
    }
}
