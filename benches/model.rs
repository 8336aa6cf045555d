//! The compiled model against parsing the release files in every process (issue 18).
//!
//! `cargo bench --bench model` runs the release binary and prints, side by
//! side in one run, with `MEDCODE_MODEL=parse` (today's parse-per-process) as
//! the baseline:
//! - `medcode show E11.9`: wall time and peak resident memory (median of 7);
//! - the workbench in a pseudo-terminal: time to interactive (the first frame
//!   with the code sets loaded, as `benches/tui.rs` counts it);
//! - N = 1, 10 and 50 idle workbenches at once: Private_Dirty and Pss per
//!   process from `/proc/PID/smaps_rollup` (`N` may be set with `NS=1,10`).

#[allow(dead_code)]
#[path = "../tests/support/index.rs"]
mod index;
#[allow(dead_code)]
#[path = "../tests/support/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

const FRAME_END: &[u8] = b"\x1b[?2026l";
const BIN: &str = env!("CARGO_BIN_EXE_medcode");

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Mapped,
    Parse,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Mapped => "compiled model, mapped",
            Mode::Parse => "parse per process (baseline)",
        }
    }
    fn env(self) -> &'static str {
        match self {
            Mode::Mapped => "mapped",
            Mode::Parse => "parse",
        }
    }
}

/// One `show` run: wall time and peak RSS in KiB (from wait4).
fn show(data: &Path, mode: Mode) -> (Duration, i64) {
    let t = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
    let child = std::process::Command::new(BIN)
        .env("MEDCODE_DATA", data)
        .env("MEDCODE_MODEL", mode.env())
        .env_remove("MEDCODE_MODEL_DIR")
        .args(["show", "E11.9"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("medcode runs");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    // Reaped by wait4 already; this only lets the handle go.
    std::mem::forget(child);
    (wall, usage.ru_maxrss)
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

struct Bench {
    pty: pty::Pty,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A workbench started in a pseudo-terminal; the time until its code sets are loaded.
/// `user`: the data folder of a user who started it before, else a new user's.
fn workbench(data: &Path, mode: Mode, user: Option<&Path>) -> (Bench, Duration) {
    let home = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let mut cmd = pty::command(user.unwrap_or(home.path()), config.path());
    cmd.env("MEDCODE_INDEX", &index::shared().root);
    cmd.env("MEDCODE_MODEL", mode.env());
    cmd.env("MEDCODE_MODEL_DIR", data.join("model"));
    let t0 = Instant::now();
    let pty = pty::Pty::spawn(80, 24, cmd);
    let mut got = Vec::new();
    while count(&got, FRAME_END) < 2 {
        match pty.output.recv_timeout(Duration::from_secs(60)) {
            Ok(chunk) => got.extend(chunk),
            Err(e) => panic!("no frame from medcode ({e}): {:?}", String::from_utf8_lossy(&got)),
        }
    }
    (Bench { pty, _dirs: (home, config) }, t0.elapsed())
}

/// (Private_Dirty, Pss, Rss) in KiB.
fn rollup(pid: u32) -> (u64, u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("Private_Dirty:"), field("Pss:"), field("Rss:"))
}

fn quit(mut b: Bench) {
    b.pty.send(b"\x03");
    let _ = b.pty.child.wait();
}

fn main() {
    let data = tempfile::tempdir().expect("tempdir");
    // `show` first, while this process is small: a child's peak RSS (wait4) starts from
    // its parent's, which it shares until it runs medcode. The index comes after.
    // Build the compiled model once (what the first use of an edition does), untimed.
    show(data.path(), Mode::Mapped);
    println!("medcode show E11.9 (median of 7 runs each)");
    println!("{:<32} {:>10} {:>14}", "mode", "wall ms", "peak RSS MiB");
    for mode in [Mode::Parse, Mode::Mapped] {
        let runs: Vec<(Duration, i64)> = (0..7).map(|_| show(data.path(), mode)).collect();
        let wall = median(runs.iter().map(|r| r.0).collect());
        let rss = median(runs.iter().map(|r| r.1).collect());
        println!("{:<32} {:>10.1} {:>14.1}", mode.label(), wall.as_secs_f64() * 1e3, rss as f64 / 1024.0);
    }

    index::shared();
    println!();
    println!("workbench, 80x24 pseudo-terminal: time to interactive (code sets loaded), median of 5");
    // The first start on files not yet checked reads every byte of the model and the index
    // (their CRCs); later starts know those very files (see `files::checked`). A new user's
    // data folder also creates its work store.
    let user = tempfile::tempdir().expect("tempdir");
    quit(workbench(data.path(), Mode::Mapped, Some(user.path())).0);
    let records = [data.path().join("model"), index::shared().root.clone()].map(|d| d.join(".checked.json"));
    let rows = [
        (Mode::Parse, None, "", false),
        (Mode::Mapped, Some(user.path()), ", files not yet checked", true),
        (Mode::Mapped, None, ", a new user's data folder", false),
        (Mode::Mapped, Some(user.path()), ", later starts", false),
    ];
    for (mode, user, what, forget) in rows {
        let times: Vec<Duration> = (0..5)
            .map(|_| {
                if forget {
                    records.iter().for_each(|r| drop(std::fs::remove_file(r)));
                    let _ = user.map(|u| std::fs::remove_file(u.join("checked.json")));
                }
                let (b, t) = workbench(data.path(), mode, user);
                quit(b);
                t
            })
            .collect();
        let label = format!("{}{what}", mode.label());
        println!("{label:<46} {:>10.1} ms", median(times).as_secs_f64() * 1e3);
    }

    let ns: Vec<usize> = std::env::var("NS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 10, 50]);
    println!();
    println!("N idle workbenches at once (/proc/PID/smaps_rollup, KiB means per process)");
    println!(
        "{:<32} {:>4} {:>16} {:>10} {:>10} {:>16}",
        "mode", "N", "Private_Dirty", "Pss", "Rss", "sum of Pss MiB"
    );
    for mode in [Mode::Parse, Mode::Mapped] {
        for &n in &ns {
            let benches: Vec<Bench> = (0..n).map(|_| workbench(data.path(), mode, None).0).collect();
            std::thread::sleep(Duration::from_millis(500));
            let figures: Vec<(u64, u64, u64)> =
                benches.iter().filter_map(|b| b.pty.child.process_id()).map(rollup).collect();
            let mean =
                |f: fn(&(u64, u64, u64)) -> u64| figures.iter().map(f).sum::<u64>() / figures.len() as u64;
            println!(
                "{:<32} {:>4} {:>16} {:>10} {:>10} {:>16.1}",
                mode.label(),
                n,
                mean(|f| f.0),
                mean(|f| f.1),
                mean(|f| f.2),
                figures.iter().map(|f| f.1).sum::<u64>() as f64 / 1024.0
            );
            benches.into_iter().for_each(quit);
        }
    }
    println!();
    println!(
        "aims: show < 20 ms, interactive < 50 ms, < 16 MiB private memory per workbench beyond the first"
    );
}
