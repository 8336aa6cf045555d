//! The append-only audit trail: one JSON line per change, fsync'ed before
//! the state that reflects it is saved.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::work::{Op, Status};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The OS user name.
    pub who: String,
    /// RFC 3339.
    pub when: DateTime<Utc>,
    pub record: String,
    /// In words: `attach E11.22 POA Y`, `done with override`, `claim taken over from ...`.
    pub what: String,
    /// The operation itself, so the trail can be replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
    /// The status after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Append entries and fsync. The file is created 0600.
pub fn append(path: &Path, entries: &[AuditEntry]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e)?;
        buf.push(b'\n');
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    // One write call per change keeps concurrent appenders' lines whole.
    f.write_all(&buf)?;
    f.sync_data()
}

/// Read a trail; lines that do not parse (a torn last line) are skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<AuditEntry>> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(data.split(|b| *b == b'\n').filter_map(|l| serde_json::from_slice(l).ok()).collect())
}

/// Rebuild the work from a trail (after a corrupt work file was set aside):
/// each entry's operation is applied again as its author did it. Entries
/// without an operation (claims) and operations that no longer apply are
/// skipped; the count of skipped ones is returned with the state.
pub fn replay(
    entries: &[AuditEntry],
) -> (std::collections::BTreeMap<String, super::work::RecordWork>, usize) {
    use super::work::{Context, RecordWork, apply};
    let mut state: std::collections::BTreeMap<String, RecordWork> = std::collections::BTreeMap::new();
    let mut skipped = 0;
    for e in entries {
        let Some(op) = &e.op else { continue };
        // An override was only accepted when the edits had errors: say so again.
        let edit_errors = usize::from(matches!(op, Op::Done { override_reason: Some(_) }));
        let cx = Context { who: &e.who, when: e.when, edit_errors };
        let current = state.get(&e.record).cloned().unwrap_or_default();
        match apply(&e.record, &current, op, &cx) {
            Ok((new, _)) => {
                state.insert(e.record.clone(), new);
            }
            Err(_) => skipped += 1,
        }
    }
    (state, skipped)
}
