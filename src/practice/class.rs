//! The class summary: a trainee opts in with `practice share DIR` (their
//! summary, `<name>.medcode-summary.json`, written into a folder they can
//! write); `practice class DIR` reads every summary there. A summary holds
//! counts by kind, no questions and no patient data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::progress::Progress;

pub const SUFFIX: &str = ".medcode-summary.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub trainee: String,
    pub sessions: u64,
    /// Kind -> (right, answered).
    pub kinds: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    pub fn of(trainee: &str, p: &Progress) -> Summary {
        let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for a in &p.history {
            let e = kinds.entry(a.kind.as_str().to_string()).or_default();
            e.0 += usize::from(a.right);
            e.1 += 1;
        }
        Summary { trainee: trainee.to_string(), sessions: p.sessions, kinds }
    }
}

/// A trainee name fit for a file name.
fn file_name(trainee: &str) -> Result<String> {
    let ok = !trainee.is_empty()
        && trainee.len() <= 64
        && trainee.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !trainee.starts_with('.');
    anyhow::ensure!(ok, "trainee name `{trainee}`: letters, digits, - _ . only (at most 64)");
    Ok(format!("{trainee}{SUFFIX}"))
}

/// Write the summary into `dir`, atomically; readable by the class (0644): it holds only counts.
pub fn share(dir: &Path, s: &Summary) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(file_name(&s.trainee)?);
    let bytes = serde_json::to_vec_pretty(s)?;
    crate::files::write_atomic(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("making {} readable by the class", path.display()))?;
    Ok(path)
}

/// What `practice class DIR` found: the summaries, the files skipped as unreadable, the malformed ones.
#[derive(Debug, Default)]
pub struct Class {
    pub summaries: Vec<Summary>,
    pub unreadable: Vec<String>,
    pub malformed: Vec<String>,
}

pub fn read(dir: &Path) -> Result<Class> {
    let mut class = Class::default();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(SUFFIX)))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.display().to_string();
        match crate::paths::read_regular(&p, 1 << 20) {
            Err(e) => class.unreadable.push(format!("{name}: {e}")),
            Ok(bytes) => match serde_json::from_slice::<Summary>(&bytes) {
                Ok(s) => class.summaries.push(s),
                Err(e) => class.malformed.push(format!("{name}:{}: {e}", e.line())),
            },
        }
    }
    Ok(class)
}

impl Class {
    /// Per trainee, then per kind over the class.
    pub fn report(&self) -> String {
        let pct = |r: usize, t: usize| if t == 0 { 0.0 } else { 100.0 * r as f64 / t as f64 };
        let clean = |s: &str| crate::text::one_line(s).into_owned();
        let mut s = format!("{} trainee(s)\n", self.summaries.len());
        let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for t in &self.summaries {
            let (r, n) = t.kinds.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
            s.push_str(&format!(
                "  {:<20} {:>3.0}%  {r}/{n}  {} session(s)\n",
                clean(&t.trainee),
                pct(r, n),
                t.sessions
            ));
            for (k, v) in &t.kinds {
                let e = kinds.entry(k.clone()).or_default();
                e.0 += v.0;
                e.1 += v.1;
            }
        }
        s.push_str("by kind:\n");
        for (k, (r, n)) in &kinds {
            s.push_str(&format!("  {:<20} {:>3.0}%  {r}/{n}\n", clean(k), pct(*r, *n)));
        }
        for u in &self.unreadable {
            s.push_str(&format!("skipped (cannot read): {}\n", clean(u)));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_summaries_are_summed_and_bad_files_named() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut kinds = BTreeMap::new();
        kinds.insert("seventh".to_string(), (3, 4));
        share(tmp.path(), &Summary { trainee: "ana".into(), sessions: 2, kinds: kinds.clone() })
            .expect("ana");
        kinds.insert("drug".to_string(), (1, 2));
        share(tmp.path(), &Summary { trainee: "ben".into(), sessions: 1, kinds }).expect("ben");
        assert!(
            share(tmp.path(), &Summary { trainee: "../x".into(), sessions: 0, kinds: BTreeMap::new() })
                .is_err()
        );
        let c = read(tmp.path()).expect("reads");
        let r = c.report();
        assert!(r.contains("2 trainee(s)") && r.contains("seventh") && r.contains("75%  6/8"), "{r}");
        std::fs::write(tmp.path().join(format!("bad{SUFFIX}")), "{").expect("write");
        assert_eq!(read(tmp.path()).expect("reads").malformed.len(), 1);
        let locked = tmp.path().join(format!("cy{SUFFIX}"));
        std::fs::write(&locked, "{}").expect("write");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        let c = read(tmp.path()).expect("reads");
        // As root every file is readable; otherwise the locked one is skipped.
        assert!(c.unreadable.len() + c.malformed.len() == 2, "{c:?}");
    }
}
