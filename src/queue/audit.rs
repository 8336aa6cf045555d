//! The audit trail: one entry per change, committed in the same transaction
//! as the change itself (see [`super::store`]), so the trail and the work
//! always agree. Also the reader of the JSON Lines trail of older versions.

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

impl AuditEntry {
    /// An entry that records an event, not a change of the work (a claim taken over, an export).
    pub fn event(who: &str, record: &str, what: String) -> AuditEntry {
        AuditEntry {
            who: who.to_string(),
            when: Utc::now(),
            record: record.to_string(),
            what,
            op: None,
            status: None,
        }
    }
}

/// A JSON Lines trail as medcode 0.1 wrote it (`audit.jsonl`), read for the
/// migration into the store. A torn line (a crash mid-append) may be glued to
/// the entry written after it: the entry is found again inside the line, and
/// what cannot be read is counted, never silently dropped.
#[derive(Debug, Default)]
pub struct JsonLines {
    pub entries: Vec<AuditEntry>,
    /// Lines (or torn pieces of lines) that hold no readable entry.
    pub unreadable: usize,
}

pub fn read_jsonl(data: &[u8]) -> JsonLines {
    let mut out = JsonLines::default();
    for line in data.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Ok(e) = serde_json::from_slice(line) {
            out.entries.push(e);
            continue;
        }
        // A torn prefix: the whole entry that follows starts at a later `{"`.
        out.unreadable += 1;
        let glued = (1..line.len())
            .filter(|i| line[*i] == b'{' && line.get(i + 1) == Some(&b'"'))
            .find_map(|i| serde_json::from_slice::<AuditEntry>(&line[i..]).ok());
        out.entries.extend(glued);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(who: &str) -> String {
        let e = AuditEntry::event(who, "R1", "comment".into());
        serde_json::to_string(&e).expect("json")
    }

    #[test]
    fn a_torn_line_glued_to_the_next_entry_loses_only_the_torn_part() {
        let data =
            format!("{}\n{{\"who\":\"x\",\"wh{}\n\n{}\n{{\"who\":\"tail", line("a"), line("b"), line("c"));
        let read = read_jsonl(data.as_bytes());
        let who: Vec<&str> = read.entries.iter().map(|e| e.who.as_str()).collect();
        assert_eq!(who, ["a", "b", "c"]);
        assert_eq!(read.unreadable, 2, "the torn piece and the torn tail are counted");
    }
}
