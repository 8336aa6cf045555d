//! The coder's work on one record and the operations on it. Pure: each
//! operation takes the current state and returns the new one with the audit
//! entry describing it; saving is the store's job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use crate::codeset::CodeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    New,
    InProgress,
    OnHold,
    QuerySent,
    Done,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::New, Status::InProgress, Status::OnHold, Status::QuerySent, Status::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::OnHold => "on_hold",
            Status::QuerySent => "query_sent",
            Status::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in progress",
            Status::OnHold => "on hold",
            Status::QuerySent => "query sent",
            Status::Done => "done",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    Diagnosis,
    Procedure,
}

/// Present on admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Poa {
    /// Yes.
    Y,
    /// No.
    N,
    /// Documentation insufficient.
    U,
    /// Clinically undetermined.
    W,
    /// Exempt from POA reporting.
    #[serde(rename = "1")]
    Exempt,
}

impl Poa {
    pub fn as_str(self) -> &'static str {
        match self {
            Poa::Y => "Y",
            Poa::N => "N",
            Poa::U => "U",
            Poa::W => "W",
            Poa::Exempt => "1",
        }
    }

    pub fn parse(s: &str) -> Option<Poa> {
        match s.trim().to_ascii_uppercase().as_str() {
            "Y" => Some(Poa::Y),
            "N" => Some(Poa::N),
            "U" => Some(Poa::U),
            "W" => Some(Poa::W),
            "1" => Some(Poa::Exempt),
            _ => None,
        }
    }
}

/// A code the coder attached, in sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedCode {
    /// As the code set prints it (`E11.22`, `0DTJ4ZZ`).
    pub code: String,
    pub set: CodeSet,
    pub kind: CodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poa: Option<Poa>,
    pub who: String,
    pub when: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub who: String,
    pub when: DateTime<Utc>,
    pub text: String,
}

/// Everything the coder did on one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordWork {
    pub status: Status,
    #[serde(default)]
    pub codes: Vec<AttachedCode>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Why the record was marked done despite errors in its edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The edition the coder chose for this record instead of the one in force on
    /// its date of service ([`Op::SetEdition`]); `None`: by date of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Who last changed it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// One change a coder makes. Serialized into the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Attach a code at `at` (default: the end).
    Attach {
        code: String,
        set: CodeSet,
        kind: CodeKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poa: Option<Poa>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<usize>,
        /// Where the coder found the code, when it was in a book
        /// (`Drug table: Acetaminophen > Poisoning Accidental (unintentional)`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        found: Option<String>,
    },
    Remove {
        index: usize,
    },
    MoveUp {
        index: usize,
    },
    MoveDown {
        index: usize,
    },
    SetPoa {
        index: usize,
        poa: Option<Poa>,
    },
    Comment {
        text: String,
    },
    /// Start working (new -> in progress); a no-op otherwise.
    Start,
    Hold {
        reason: String,
    },
    Query {
        text: String,
    },
    /// Mark done; `override_reason` is required when the edits report errors.
    Done {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    Reopen,
    /// Code this record against a named edition instead of the one in force on its
    /// date of service; `None` goes back to the date of service. The caller checks
    /// that the name is an edition medcode has (shipped or installed).
    SetEdition {
        #[serde(default)]
        edition: Option<String>,
    },
}

impl Op {
    /// What the audit trail says, in words.
    pub fn describe(&self) -> String {
        match self {
            Op::Attach { code, poa, at, found, .. } => {
                let mut s = format!("attach {code}");
                if let Some(p) = poa {
                    s.push_str(&format!(" POA {}", p.as_str()));
                }
                if let Some(i) = at {
                    s.push_str(&format!(" at {}", i + 1));
                }
                if let Some(f) = found {
                    s.push_str(&format!(" (found in {f})"));
                }
                s
            }
            Op::Remove { index } => format!("remove code {}", index + 1),
            Op::MoveUp { index } => format!("move code {} up", index + 1),
            Op::MoveDown { index } => format!("move code {} down", index + 1),
            Op::SetPoa { index, poa } => {
                format!("set POA of code {} to {}", index + 1, poa.map_or("none", Poa::as_str))
            }
            Op::Comment { .. } => "comment".to_string(),
            Op::Start => "start".to_string(),
            Op::Hold { .. } => "hold".to_string(),
            Op::Query { .. } => "query provider".to_string(),
            Op::Done { override_reason: None } => "done".to_string(),
            Op::Done { override_reason: Some(_) } => "done with override".to_string(),
            Op::Reopen => "reopen".to_string(),
            Op::SetEdition { edition: Some(e) } => format!("edition set to {e}"),
            Op::SetEdition { edition: None } => "edition set by date of service".to_string(),
        }
    }
}

/// An operation that cannot be applied; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("there is no code {0} on this record")]
    NoSuchCode(usize),
    #[error("{0} is already attached")]
    Duplicate(String),
    #[error("cannot move code {0} further")]
    CannotMove(usize),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("the edits report {0} error(s): mark done with an override and a reason")]
    NeedsOverride(usize),
    #[error("the record is done: reopen it first")]
    IsDone,
    #[error("the record is not done")]
    NotDone,
}

/// Who is acting and when, and how many edit errors the record has now
/// (from [`super::edits::check`]); passed in so `apply` stays pure.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub who: &'a str,
    pub when: DateTime<Utc>,
    pub edit_errors: usize,
}

/// Apply `op` to `work` for record `record_id`: the new state and its audit entry.
pub fn apply(
    record_id: &str,
    work: &RecordWork,
    op: &Op,
    cx: &Context<'_>,
) -> Result<(RecordWork, AuditEntry), OpError> {
    let mut w = work.clone();
    let editing = !matches!(op, Op::Reopen | Op::Comment { .. });
    if editing && w.status == Status::Done {
        return Err(OpError::IsDone);
    }
    let check =
        |i: usize, w: &RecordWork| if i < w.codes.len() { Ok(()) } else { Err(OpError::NoSuchCode(i + 1)) };
    match op {
        Op::Attach { code, set, kind, poa, at, .. } => {
            let code = code.trim().to_string();
            if code.is_empty() {
                return Err(OpError::Empty("code"));
            }
            let key = crate::codeset::normalize(&code);
            if w.codes.iter().any(|c| c.set == *set && crate::codeset::normalize(&c.code) == key) {
                return Err(OpError::Duplicate(code));
            }
            let at = at.unwrap_or(w.codes.len()).min(w.codes.len());
            w.codes.insert(
                at,
                AttachedCode {
                    code,
                    set: *set,
                    kind: *kind,
                    poa: *poa,
                    who: cx.who.to_string(),
                    when: cx.when,
                },
            );
            start(&mut w);
        }
        Op::Remove { index } => {
            check(*index, &w)?;
            w.codes.remove(*index);
        }
        Op::MoveUp { index } => {
            check(*index, &w)?;
            if *index == 0 {
                return Err(OpError::CannotMove(1));
            }
            w.codes.swap(*index, index - 1);
        }
        Op::MoveDown { index } => {
            check(*index, &w)?;
            if index + 1 >= w.codes.len() {
                return Err(OpError::CannotMove(index + 1));
            }
            w.codes.swap(*index, index + 1);
        }
        Op::SetPoa { index, poa } => {
            check(*index, &w)?;
            w.codes[*index].poa = *poa;
        }
        Op::Comment { text } => {
            if text.trim().is_empty() {
                return Err(OpError::Empty("comment"));
            }
            w.comments.push(Comment { who: cx.who.to_string(), when: cx.when, text: text.clone() });
        }
        Op::Start => start(&mut w),
        Op::Hold { reason } => {
            if reason.trim().is_empty() {
                return Err(OpError::Empty("hold reason"));
            }
            w.hold_reason = Some(reason.clone());
            w.status = Status::OnHold;
        }
        Op::Query { text } => {
            if text.trim().is_empty() {
                return Err(OpError::Empty("query text"));
            }
            w.query = Some(text.clone());
            w.status = Status::QuerySent;
        }
        Op::Done { override_reason } => {
            let reason = override_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if cx.edit_errors > 0 && reason.is_none() {
                return Err(OpError::NeedsOverride(cx.edit_errors));
            }
            w.override_reason = if cx.edit_errors > 0 { reason.map(str::to_string) } else { None };
            w.status = Status::Done;
        }
        Op::Reopen => {
            if w.status != Status::Done {
                return Err(OpError::NotDone);
            }
            w.status = Status::InProgress;
            w.override_reason = None;
        }
        Op::SetEdition { edition } => {
            let edition = edition.as_deref().map(str::trim);
            if edition == Some("") {
                return Err(OpError::Empty("edition"));
            }
            w.edition = edition.map(str::to_string);
        }
    }
    w.updated_by = Some(cx.who.to_string());
    w.updated_at = Some(cx.when);
    let entry = AuditEntry {
        who: cx.who.to_string(),
        when: cx.when,
        record: record_id.to_string(),
        what: op.describe(),
        op: Some(op.clone()),
        status: Some(w.status),
    };
    Ok((w, entry))
}

/// Working on a record moves it out of `new`, and out of hold/query.
fn start(w: &mut RecordWork) {
    if matches!(w.status, Status::New | Status::OnHold | Status::QuerySent) {
        w.status = Status::InProgress;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(errors: usize) -> Context<'static> {
        Context { who: "coder1", when: DateTime::UNIX_EPOCH, edit_errors: errors }
    }

    fn attach(code: &str) -> Op {
        Op::Attach {
            code: code.into(),
            set: CodeSet::Icd10cm,
            kind: CodeKind::Diagnosis,
            poa: None,
            at: None,
            found: None,
        }
    }

    fn run(w: &RecordWork, op: Op) -> RecordWork {
        apply("R1", w, &op, &cx(0)).expect("op applies").0
    }

    #[test]
    fn attach_move_remove_and_poa() {
        let w = RecordWork::default();
        let w = run(&w, attach("N18.31"));
        assert_eq!(w.status, Status::InProgress);
        let w = run(&w, attach("E11.22"));
        let w = run(&w, Op::MoveUp { index: 1 });
        let codes: Vec<&str> = w.codes.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["E11.22", "N18.31"]);
        assert_eq!(apply("R1", &w, &Op::MoveUp { index: 0 }, &cx(0)).unwrap_err(), OpError::CannotMove(1));
        assert_eq!(apply("R1", &w, &Op::MoveDown { index: 1 }, &cx(0)).unwrap_err(), OpError::CannotMove(2));
        assert_eq!(
            apply("R1", &w, &attach("e1122"), &cx(0)).unwrap_err(),
            OpError::Duplicate("e1122".into())
        );
        let w = run(&w, Op::SetPoa { index: 1, poa: Some(Poa::Y) });
        assert_eq!(w.codes[1].poa, Some(Poa::Y));
        let w = run(&w, Op::MoveDown { index: 0 });
        assert_eq!(w.codes[0].code, "N18.31");
        let w = run(&w, Op::Remove { index: 0 });
        assert_eq!(w.codes.len(), 1);
        assert_eq!(apply("R1", &w, &Op::Remove { index: 5 }, &cx(0)).unwrap_err(), OpError::NoSuchCode(6));
        let w = run(
            &w,
            Op::Attach {
                code: "X".into(),
                set: CodeSet::Icd10cm,
                kind: CodeKind::Diagnosis,
                poa: None,
                at: Some(0),
                found: None,
            },
        );
        assert_eq!(w.codes[0].code, "X");
    }

    #[test]
    fn done_needs_override_when_edits_have_errors() {
        let w = run(&RecordWork::default(), attach("E11.2"));
        assert_eq!(
            apply("R1", &w, &Op::Done { override_reason: None }, &cx(2)).unwrap_err(),
            OpError::NeedsOverride(2)
        );
        let blank = Op::Done { override_reason: Some("  ".into()) };
        assert_eq!(apply("R1", &w, &blank, &cx(2)).unwrap_err(), OpError::NeedsOverride(2));
        let op = Op::Done { override_reason: Some("payer accepts header per contract".into()) };
        let (done, entry) = apply("R1", &w, &op, &cx(2)).expect("override accepted");
        assert_eq!(done.status, Status::Done);
        assert_eq!(done.override_reason.as_deref(), Some("payer accepts header per contract"));
        assert_eq!(entry.what, "done with override");
        assert_eq!(entry.record, "R1");
        // Done is final until reopened.
        assert_eq!(apply("R1", &done, &attach("I10"), &cx(0)).unwrap_err(), OpError::IsDone);
        let reopened = run(&done, Op::Reopen);
        assert_eq!((reopened.status, reopened.override_reason.clone()), (Status::InProgress, None));
        assert_eq!(apply("R1", &reopened, &Op::Reopen, &cx(0)).unwrap_err(), OpError::NotDone);
        // Without errors no reason is needed.
        let (clean, _) = apply("R1", &reopened, &Op::Done { override_reason: None }, &cx(0)).expect("clean");
        assert_eq!(clean.status, Status::Done);
    }

    #[test]
    fn hold_query_comment() {
        let w = run(&RecordWork::default(), Op::Hold { reason: "awaiting path report".into() });
        assert_eq!((w.status, w.hold_reason.as_deref()), (Status::OnHold, Some("awaiting path report")));
        let w = run(&w, Op::Query { text: "Please clarify type of heart failure.".into() });
        assert_eq!(w.status, Status::QuerySent);
        let w = run(&w, Op::Comment { text: "called office".into() });
        assert_eq!(w.comments[0].who, "coder1");
        assert_eq!(
            apply("R1", &w, &Op::Hold { reason: " ".into() }, &cx(0)).unwrap_err(),
            OpError::Empty("hold reason")
        );
        let w = run(&w, Op::Start);
        assert_eq!(w.status, Status::InProgress);
    }

    #[test]
    fn set_edition_is_kept_and_audited() {
        let op: Op = serde_json::from_str(r#"{"op":"set_edition","edition":"fy2026-shipped"}"#).expect("op");
        let (w, entry) = apply("R1", &RecordWork::default(), &op, &cx(0)).expect("applies");
        assert_eq!(w.edition.as_deref(), Some("fy2026-shipped"));
        assert_eq!(entry.what, "edition set to fy2026-shipped");
        let back = serde_json::to_value(&w).expect("work");
        assert_eq!(back["edition"], "fy2026-shipped");
        let (w, entry) = apply("R1", &w, &Op::SetEdition { edition: None }, &cx(0)).expect("applies");
        assert_eq!((w.edition, entry.what.as_str()), (None, "edition set by date of service"));
        assert!(serde_json::to_value(RecordWork::default()).expect("work").get("edition").is_none());
        let blank = Op::SetEdition { edition: Some(" ".into()) };
        assert_eq!(
            apply("R1", &RecordWork::default(), &blank, &cx(0)).unwrap_err(),
            OpError::Empty("edition")
        );
        // A done record keeps the edition it was checked against until reopened.
        let done = run(&RecordWork::default(), Op::Done { override_reason: None });
        assert_eq!(apply("R1", &done, &op, &cx(0)).unwrap_err(), OpError::IsDone);
    }

    #[test]
    fn ops_round_trip_through_json() {
        let op = Op::Attach {
            code: "0DTJ4ZZ".into(),
            set: CodeSet::Icd10pcs,
            kind: CodeKind::Procedure,
            poa: None,
            at: Some(1),
            found: None,
        };
        let s = serde_json::to_string(&op).expect("serializes");
        assert_eq!(serde_json::from_str::<Op>(&s).expect("parses"), op);
        assert_eq!(serde_json::to_string(&Poa::Exempt).expect("poa"), "\"1\"");
    }
}
