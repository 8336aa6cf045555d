//! Loading the shipped code sets: wall time and resident memory.
//!
//! `cargo bench --bench load` prints, side by side in one run, the time to
//! only decompress the shipped files (the floor), the full load as medcode
//! does it (two threads), and the same load on one thread (the baseline).

use std::time::{Duration, Instant};

use medcode::codeset::shipped;

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // Measure memory first, on a fresh process state.
    let before = rss_kib("VmRSS:");
    let book = shipped::load().expect("shipped code sets load");
    let after = rss_kib("VmRSS:");
    let peak = rss_kib("VmHWM:");
    println!("edition: {}", book.edition.summary());
    println!(
        "model: {} ICD-10-CM nodes ({} billable), {} ICD-10-PCS codes",
        book.cm.nodes.len(),
        book.cm.billable_count(),
        book.pcs.codes.len()
    );
    drop(book);

    let runs = 7;
    let floor = time(runs, || shipped::FILES.iter().map(|(_, f, _)| f.bytes().len()).sum::<usize>());
    let parallel = time(runs, || shipped::load().expect("load"));
    let serial = time(runs, || shipped::load_serial().expect("load"));
    println!();
    println!("{:<44} {:>10}", "load of the shipped code sets (median of 7)", "ms");
    println!("{:<44} {:>10.1}", "decompress only (floor)", floor.as_secs_f64() * 1e3);
    println!("{:<44} {:>10.1}", "medcode load, one thread (baseline)", serial.as_secs_f64() * 1e3);
    println!("{:<44} {:>10.1}", "medcode load, two threads", parallel.as_secs_f64() * 1e3);
    let tabular = time(runs, || shipped::load_tabular().expect("tabular"));
    let rest = time(runs, || shipped::load_rest().expect("rest"));
    println!("{:<44} {:>10.1}", "  of which: ICD-10-CM tabular", tabular.as_secs_f64() * 1e3);
    println!("{:<44} {:>10.1}", "  of which: PCS and the CM tables", rest.as_secs_f64() * 1e3);
    println!();
    println!(
        "resident memory: {} MiB held by the loaded model, {} MiB peak",
        (after - before) / 1024,
        peak / 1024
    );
    println!("targets: load < 300 ms, memory < 150 MB");
}
