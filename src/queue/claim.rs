//! Claims: while a coder works a record it is claimed, so another coder on
//! the same queue sees it as taken, by whom, and cannot change it. Claims are
//! rows of the work store, taken and checked inside the same transaction as
//! every change (see [`super::store`]). A claim whose heartbeat is older than
//! [`STALE_AFTER`], or whose process is gone (same host), is stale and may be
//! taken; a live one only by an explicit, audited takeover.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A claim not refreshed for this long belongs to a crashed or frozen session.
pub const STALE_AFTER: Duration = Duration::minutes(10);

/// How often a holder should refresh its heartbeat.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// One running medcode (a workbench or a command): who, where, and an id no
/// other session shares, so two workbenches of one coder are told apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub pid: u32,
    pub host: String,
    pub id: String,
}

impl Session {
    /// This process as `user`.
    pub fn new(user: &str) -> Session {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let pid = std::process::id();
        let host = host_name();
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Session {
            user: user.to_string(),
            pid,
            host: host.clone(),
            id: format!("{user}@{host}:{pid}:{nanos}:{n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub record: String,
    pub user: String,
    pub pid: u32,
    pub host: String,
    /// The holder's [`Session::id`].
    #[serde(default)]
    pub session: String,
    pub since: DateTime<Utc>,
    pub heartbeat: DateTime<Utc>,
}

impl Claim {
    /// A claim by `session`, now.
    pub fn new(record: &str, session: &Session, now: DateTime<Utc>) -> Claim {
        Claim {
            record: record.to_string(),
            user: session.user.clone(),
            pid: session.pid,
            host: session.host.clone(),
            session: session.id.clone(),
            since: now,
            heartbeat: now,
        }
    }

    /// Held by `session`.
    pub fn is_mine(&self, session: &Session) -> bool {
        self.session == session.id
    }

    /// Stale at `now`: the heartbeat is old, or the process is gone on this host.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        now - self.heartbeat > STALE_AFTER || (self.host == host_name() && !pid_alive(self.pid))
    }

    /// `taken by ana (pid 4242 on ws7) since 2026-12-01 14:02 UTC`; names from
    /// the store are untrusted, so they are sanitized here once.
    pub fn describe(&self) -> String {
        crate::queue::sanitize_for_terminal(&format!(
            "taken by {} (pid {} on {}) since {}",
            self.user,
            self.pid,
            self.host,
            self.since.format("%Y-%m-%d %H:%M UTC")
        ))
    }

    /// `ana (pid 4242 on ws7)`, for the audit trail.
    pub fn holder(&self) -> String {
        crate::queue::sanitize_for_terminal(&format!("{} (pid {} on {})", self.user, self.pid, self.host))
    }
}

/// What claiming gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// We hold it now (newly, or we already did).
    Claimed,
    /// We took over a stale claim (or forced a live one); the old claim is returned. The takeover is audited.
    TookOver(Claim),
    /// Someone else holds it.
    Taken(Claim),
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
    fn a_dead_process_on_this_host_leaves_a_stale_claim() {
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        let now = Utc::now();
        let me = Session::new("u");
        let c = Claim { pid, ..Claim::new("R", &me, now) };
        assert!(c.is_stale(now));
        let live = Claim { pid: std::process::id(), ..c.clone() };
        assert!(!live.is_stale(now));
        assert!(live.is_stale(now + STALE_AFTER + Duration::seconds(1)));
        let elsewhere = Claim { host: "another-host".into(), ..c };
        assert!(!elsewhere.is_stale(now));
    }

    #[test]
    fn sessions_of_one_user_in_one_process_are_told_apart() {
        let (a, b) = (Session::new("ana"), Session::new("ana"));
        assert_ne!(a.id, b.id);
        let c = Claim::new("R", &a, Utc::now());
        assert!(c.is_mine(&a) && !c.is_mine(&b));
    }

    #[test]
    fn a_hostile_holder_name_is_sanitized() {
        let mut c = Claim::new("R", &Session::new("x"), Utc::now());
        c.user = "ev\u{1b}]52;c;aGk=\u{7}il\u{202e}".into();
        assert!(c.describe().starts_with("taken by evil (pid"), "{}", c.describe());
        assert!(!c.holder().contains('\u{1b}'));
    }
}
