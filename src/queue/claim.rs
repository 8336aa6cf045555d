//! Claims: while a coder works a record it is claimed, so another coder on
//! the same queue sees it as taken and by whom. One file per record in the
//! work folder's `claims/`, created with `O_EXCL` so exactly one coder wins.
//! A claim whose heartbeat is older than [`STALE_AFTER`], or whose process is
//! gone (same host), is stale and may be taken; any claim can be taken over
//! explicitly (the takeover is for the audit trail to record).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A claim not refreshed for this long belongs to a crashed or frozen session.
pub const STALE_AFTER: Duration = Duration::minutes(10);

/// How often a holder should refresh its heartbeat.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub record: String,
    pub user: String,
    pub pid: u32,
    pub host: String,
    pub since: DateTime<Utc>,
    pub heartbeat: DateTime<Utc>,
}

impl Claim {
    /// A claim by this process, now.
    pub fn mine(record: &str, user: &str) -> Claim {
        let now = Utc::now();
        Claim {
            record: record.to_string(),
            user: user.to_string(),
            pid: std::process::id(),
            host: host_name(),
            since: now,
            heartbeat: now,
        }
    }

    /// Made by this process (same user, pid and host).
    pub fn is_mine(&self, user: &str) -> bool {
        self.user == user && self.pid == std::process::id() && self.host == host_name()
    }

    /// Stale at `now`: the heartbeat is old, or the process is gone on this host.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        now - self.heartbeat > STALE_AFTER || (self.host == host_name() && !pid_alive(self.pid))
    }

    /// `taken by ana (pid 4242 on ws7) since 14:02`.
    pub fn describe(&self) -> String {
        format!(
            "taken by {} (pid {} on {}) since {}",
            self.user,
            self.pid,
            self.host,
            self.since.format("%Y-%m-%d %H:%M UTC")
        )
    }
}

/// What claiming gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// We hold it now (newly, or we already did).
    Claimed,
    /// We took over a stale claim (or forced a live one); the old claim is returned for the audit trail.
    TookOver(Claim),
    /// Someone else holds it.
    Taken(Claim),
}

/// The claims of one work folder.
#[derive(Debug, Clone)]
pub struct Claims {
    dir: PathBuf,
    user: String,
}

impl Claims {
    /// Claims kept in `dir` (usually [`super::Store::claims_dir`]) made as `user`.
    pub fn new(dir: &Path, user: &str) -> std::io::Result<Claims> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        Ok(Claims { dir: dir.to_path_buf(), user: user.to_string() })
    }

    fn path(&self, record: &str) -> PathBuf {
        // Record ids are free text: hash them into a safe file name.
        let h = hex::encode(Sha256::digest(record.as_bytes()));
        self.dir.join(format!("{}.claim", &h[..24]))
    }

    /// Who holds `record`, if anyone (stale claims included: check `is_stale`).
    pub fn holder(&self, record: &str) -> std::io::Result<Option<Claim>> {
        read_claim(&self.path(record))
    }

    /// Claim `record`. A stale claim is taken over; `force` takes over a live one.
    pub fn claim(&self, record: &str, force: bool) -> std::io::Result<Outcome> {
        let path = self.path(record);
        // A few rounds: a claim can vanish or change while we look at it.
        for _ in 0..8 {
            match create_claim(&path, &Claim::mine(record, &self.user)) {
                Ok(()) => return Ok(Outcome::Claimed),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            let Some(held) = read_claim(&path)? else { continue };
            if held.is_mine(&self.user) {
                return Ok(Outcome::Claimed);
            }
            if !force && !held.is_stale(Utc::now()) {
                return Ok(Outcome::Taken(held));
            }
            // Move the old claim aside, then check it is the one we judged:
            // a competitor may have replaced it in between.
            let aside = self.dir.join(format!(".{}.{}.old", path_name(&path), unique()));
            match std::fs::rename(&path, &aside) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
            let moved = read_claim(&aside)?;
            if moved.as_ref() != Some(&held) {
                // Not what we judged: put it back unless someone claimed meanwhile.
                let _ = std::fs::hard_link(&aside, &path);
                let _ = std::fs::remove_file(&aside);
                continue;
            }
            let _ = std::fs::remove_file(&aside);
            match create_claim(&path, &Claim::mine(record, &self.user)) {
                Ok(()) => return Ok(Outcome::TookOver(held)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        match read_claim(&path)? {
            Some(c) => Ok(Outcome::Taken(c)),
            None => Err(std::io::Error::other("the claim kept changing; try again")),
        }
    }

    /// Refresh the heartbeat of our claim. False if it is no longer ours.
    pub fn heartbeat(&self, record: &str) -> std::io::Result<bool> {
        let path = self.path(record);
        let Some(mut c) = read_claim(&path)? else { return Ok(false) };
        if !c.is_mine(&self.user) {
            return Ok(false);
        }
        c.heartbeat = Utc::now();
        let bytes = serde_json::to_vec(&c).map_err(std::io::Error::other)?;
        super::store::write_atomic(&path, &bytes).map_err(std::io::Error::other)?;
        Ok(true)
    }

    /// Release our claim (someone else's is left alone).
    pub fn release(&self, record: &str) -> std::io::Result<()> {
        let path = self.path(record);
        if let Some(c) = read_claim(&path)?
            && c.is_mine(&self.user)
        {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// A name part no other claimer (process or thread) uses at the same time.
fn unique() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!("{}-{}", std::process::id(), COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

impl Claims {
    /// Release every claim this process holds here (on close). Returns the records released.
    pub fn release_mine(&self) -> std::io::Result<Vec<String>> {
        let mut released = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "claim") {
                continue;
            }
            if let Some(c) = read_claim(&path)?
                && c.is_mine(&self.user)
            {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => released.push(c.record),
                }
            }
        }
        released.sort();
        Ok(released)
    }
}

fn path_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn create_claim(path: &Path, claim: &Claim) -> std::io::Result<()> {
    // Write the content to a temporary file first and link it into place, so
    // nobody ever reads a half-written claim; `link` fails if it exists (O_EXCL).
    let tmp = path.with_extension(format!("tmp-{}", unique()));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    f.write_all(&serde_json::to_vec(claim).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked
}

fn read_claim(path: &Path) -> std::io::Result<Option<Claim>> {
    match std::fs::read(path) {
        // An unreadable claim (garbage) counts as stale-by-construction: a
        // claim from the distant past on no host.
        Ok(d) => Ok(Some(serde_json::from_slice(&d).unwrap_or_else(|_| Claim {
            record: String::new(),
            user: "?".into(),
            pid: 0,
            host: "?".into(),
            since: DateTime::UNIX_EPOCH,
            heartbeat: DateTime::UNIX_EPOCH,
        }))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// This machine's host name.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".to_string();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_winner_among_threads_then_release() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    // Separate users stand for separate coders (same pid in threads).
                    let c = Claims::new(&dir, &format!("coder{i}")).expect("claims");
                    c.claim("R1", false).expect("claim")
                })
            })
            .collect();
        let outcomes: Vec<Outcome> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == Outcome::Claimed).count(), 1, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Claimed | Outcome::Taken(_))));
        let holder = Claims::new(&dir, "x").expect("c").holder("R1").expect("read").expect("held");
        let owner = Claims::new(&dir, &holder.user).expect("owner");
        assert!(owner.heartbeat("R1").expect("hb"));
        let other = Claims::new(&dir, "someone").expect("other");
        assert!(!other.heartbeat("R1").expect("hb"));
        other.release("R1").expect("no-op");
        assert!(other.holder("R1").expect("read").is_some());
        owner.release("R1").expect("release");
        assert!(other.holder("R1").expect("read").is_none());
        assert_eq!(other.claim("R1", false).expect("claim"), Outcome::Claimed);
    }

    #[test]
    fn stale_claims_expire_and_live_ones_can_be_forced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = Claims::new(tmp.path(), "ana").expect("a");
        let b = Claims::new(tmp.path(), "ben").expect("b");
        assert_eq!(a.claim("R9", false).expect("a"), Outcome::Claimed);
        let Outcome::Taken(held) = b.claim("R9", false).expect("b") else { panic!("should be taken") };
        assert_eq!(held.user, "ana");
        assert!(held.describe().starts_with("taken by ana (pid"));
        // Age the heartbeat past the limit.
        let mut old = held.clone();
        old.heartbeat = Utc::now() - STALE_AFTER - Duration::seconds(1);
        std::fs::write(a.path("R9"), serde_json::to_vec(&old).expect("json")).expect("write");
        assert_eq!(b.claim("R9", false).expect("b"), Outcome::TookOver(old));
        assert_eq!(b.holder("R9").expect("read").expect("held").user, "ben");
        // A live claim is only taken with force.
        assert!(matches!(a.claim("R9", false).expect("a"), Outcome::Taken(_)));
        assert!(matches!(a.claim("R9", true).expect("a"), Outcome::TookOver(c) if c.user == "ben"));
    }

    #[test]
    fn release_mine_leaves_others_claims() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let me = Claims::new(tmp.path(), "me").expect("me");
        let other = Claims::new(tmp.path(), "other").expect("other");
        me.claim("A", false).expect("a");
        me.claim("B", false).expect("b");
        other.claim("C", false).expect("c");
        assert_eq!(me.release_mine().expect("release"), ["A", "B"]);
        assert!(me.holder("A").expect("read").is_none());
        assert_eq!(me.holder("C").expect("read").expect("held").user, "other");
    }

    #[test]
    fn a_dead_process_on_this_host_leaves_a_stale_claim() {
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        let now = Utc::now();
        let c = Claim {
            record: "R".into(),
            user: "u".into(),
            pid,
            host: host_name(),
            since: now,
            heartbeat: now,
        };
        assert!(c.is_stale(now));
        let live = Claim { pid: std::process::id(), ..c.clone() };
        assert!(!live.is_stale(now));
        let elsewhere = Claim { host: "another-host".into(), ..c };
        assert!(!elsewhere.is_stale(now));
    }
}
