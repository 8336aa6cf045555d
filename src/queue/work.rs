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
    /// The claim line of a procedure code: modifiers, units, diagnosis pointers.
    #[serde(default, flatten)]
    pub line: ClaimLine,
}

/// What a procedure code carries on a claim line, CMS-1500 style (items 24D-24G).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    /// Up to [`MAX_MODIFIERS`] modifiers, in order (`25`, `JZ`, `RT`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Units of service; `None`: not given (a claim reads 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// Up to [`MAX_POINTERS`] diagnoses the line is for, as the attached
    /// diagnosis codes (shown as their letters A-L, which follow the sequence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pointers: Vec<String>,
}

/// Modifiers on one claim line (CMS-1500 item 24D).
pub const MAX_MODIFIERS: usize = 4;
/// Diagnosis pointers on one claim line (CMS-1500 item 24E).
pub const MAX_POINTERS: usize = 4;
/// Diagnoses a claim can point to (CMS-1500 item 21, A-L).
pub const MAX_DIAGNOSES: usize = 12;

impl ClaimLine {
    pub fn is_empty(&self) -> bool {
        self.modifiers.is_empty() && self.units.is_none() && self.pointers.is_empty()
    }
}

/// The pointer letter of each diagnosis in `codes`, by attached index: the
/// first diagnosis is `A`, up to `L`.
pub fn pointer_letters(codes: &[AttachedCode]) -> Vec<Option<char>> {
    let mut n = 0u8;
    codes
        .iter()
        .map(|c| {
            (c.kind == CodeKind::Diagnosis).then(|| {
                n += 1;
                n
            })
        })
        .map(|n| n.filter(|n| usize::from(*n) <= MAX_DIAGNOSES).map(|n| char::from(b'A' + n - 1)))
        .collect()
}

/// The letter a pointer (a diagnosis code) has among `codes`, if it names one.
pub fn pointer_letter(codes: &[AttachedCode], pointer: &str) -> Option<char> {
    let key = crate::codeset::normalize(pointer);
    let letters = pointer_letters(codes);
    codes.iter().zip(letters).find_map(|(c, l)| {
        (c.kind == CodeKind::Diagnosis && crate::codeset::normalize(&c.code) == key).then_some(l).flatten()
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub who: String,
    pub when: DateTime<Utc>,
    pub text: String,
    /// A trainee's disagreement with the answer key: the key code it is about
    /// (`key` for the key as a whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_key: Option<String>,
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
        /// The claim line it comes with (an undone removal puts it back whole).
        #[serde(default, skip_serializing_if = "ClaimLine::is_empty")]
        line: ClaimLine,
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
    /// The modifiers of a procedure line, replacing those it had (empty clears them).
    SetModifiers {
        index: usize,
        #[serde(default)]
        modifiers: Vec<String>,
    },
    /// The units of a procedure line (`None` clears them).
    SetUnits {
        index: usize,
        #[serde(default)]
        units: Option<u32>,
    },
    /// The diagnosis pointers of a procedure line: letters A-L (the diagnoses
    /// in sequence as the record has them when it is applied) or diagnosis
    /// codes attached to the record; kept as the codes they name.
    SetPointers {
        index: usize,
        #[serde(default)]
        pointers: Vec<String>,
    },
    Comment {
        text: String,
        /// The answer key's code the comment disagrees with (training queues).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_key: Option<String>,
    },
    /// A step through the books in book mode (practice): audited with its
    /// time, so the score can say where the time went; the work is unchanged.
    BookStep {
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
            Op::SetModifiers { index, modifiers } => {
                format!("set modifiers of code {} to {}", index + 1, list_or_none(modifiers))
            }
            Op::SetUnits { index, units } => format!(
                "set units of code {} to {}",
                index + 1,
                units.map_or_else(|| "none".to_string(), |u| u.to_string())
            ),
            Op::SetPointers { index, pointers } => {
                format!("set diagnosis pointers of code {} to {}", index + 1, list_or_none(pointers))
            }
            Op::Comment { on_key: Some(code), .. } => format!("disagree with the key on {code}"),
            Op::Comment { .. } => "comment".to_string(),
            Op::BookStep { text } => format!("book: {text}"),
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

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(" ") }
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
    #[error("code {0} is a diagnosis: modifiers, units and pointers belong to procedure lines")]
    NotALine(usize),
    #[error("at most {max} {what} on a claim line")]
    TooMany { what: &'static str, max: usize },
    #[error("`{0}` is not a modifier (two letters or digits: 25, JZ, RT)")]
    BadModifier(String),
    #[error("pointer `{0}` names no diagnosis on this record (A-L are its diagnoses in sequence)")]
    BadPointer(String),
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
    let editing = !matches!(op, Op::Reopen | Op::Comment { .. } | Op::BookStep { .. });
    if editing && w.status == Status::Done {
        return Err(OpError::IsDone);
    }
    let check =
        |i: usize, w: &RecordWork| if i < w.codes.len() { Ok(()) } else { Err(OpError::NoSuchCode(i + 1)) };
    match op {
        Op::Attach { code, set, kind, poa, at, line, .. } => {
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
                    line: line.clone(),
                },
            );
            start(&mut w);
        }
        Op::SetModifiers { index, modifiers } => {
            let line = line_at(&mut w, *index)?;
            if modifiers.len() > MAX_MODIFIERS {
                return Err(OpError::TooMany { what: "modifiers", max: MAX_MODIFIERS });
            }
            let mut out = Vec::new();
            for m in modifiers {
                let m = m.trim().to_ascii_uppercase();
                if m.len() != 2 || !m.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(OpError::BadModifier(crate::text::sanitize(m.trim()).into_owned()));
                }
                if !out.contains(&m) {
                    out.push(m);
                }
            }
            line.modifiers = out;
        }
        Op::SetUnits { index, units } => {
            line_at(&mut w, *index)?.units = *units;
        }
        Op::SetPointers { index, pointers } => {
            if pointers.len() > MAX_POINTERS {
                return Err(OpError::TooMany { what: "diagnosis pointers", max: MAX_POINTERS });
            }
            let mut out: Vec<String> = Vec::new();
            for p in pointers {
                let code = resolve_pointer(&w.codes, p)?;
                if !out.contains(&code) {
                    out.push(code);
                }
            }
            line_at(&mut w, *index)?.pointers = out;
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
        Op::Comment { text, on_key } => {
            if text.trim().is_empty() {
                return Err(OpError::Empty("comment"));
            }
            w.comments.push(Comment {
                who: cx.who.to_string(),
                when: cx.when,
                text: text.clone(),
                on_key: on_key.clone(),
            });
        }
        Op::BookStep { .. } => {}
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

/// The claim line of procedure code `index`.
fn line_at(w: &mut RecordWork, index: usize) -> Result<&mut ClaimLine, OpError> {
    let c = w.codes.get_mut(index).ok_or(OpError::NoSuchCode(index + 1))?;
    if c.kind != CodeKind::Procedure {
        return Err(OpError::NotALine(index + 1));
    }
    Ok(&mut c.line)
}

/// A pointer as given (a letter A-L, or an attached diagnosis code) as the code it names.
fn resolve_pointer(codes: &[AttachedCode], p: &str) -> Result<String, OpError> {
    let p = p.trim();
    let bad = || OpError::BadPointer(crate::text::sanitize(p).into_owned());
    let dx = || codes.iter().filter(|c| c.kind == CodeKind::Diagnosis).take(MAX_DIAGNOSES);
    let mut chars = p.chars();
    if let (Some(l), None) = (chars.next(), chars.next())
        && l.is_ascii_alphabetic()
    {
        let n = usize::from(l.to_ascii_uppercase() as u8 - b'A');
        return dx().nth(n).map(|c| c.code.clone()).ok_or_else(bad);
    }
    let key = crate::codeset::normalize(p);
    dx().find(|c| crate::codeset::normalize(&c.code) == key).map(|c| c.code.clone()).ok_or_else(bad)
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
            line: Default::default(),
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
                line: Default::default(),
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
        let w = run(&w, Op::Comment { text: "called office".into(), on_key: None });
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

    fn px(code: &str) -> Op {
        Op::Attach {
            code: code.into(),
            set: CodeSet::Hcpcs,
            kind: CodeKind::Procedure,
            poa: None,
            at: None,
            found: None,
            line: ClaimLine::default(),
        }
    }

    #[test]
    fn claim_lines_take_modifiers_units_and_pointers() {
        let w = run(&RecordWork::default(), attach("M17.11"));
        let w = run(&w, attach("E11.9"));
        let w = run(&w, px("J1100"));
        let mods =
            |m: &[&str]| Op::SetModifiers { index: 2, modifiers: m.iter().map(|s| s.to_string()).collect() };
        let w = run(&w, mods(&["jz", "59", "JZ"]));
        assert_eq!(w.codes[2].line.modifiers, ["JZ", "59"], "upper case, each once");
        assert_eq!(apply("R1", &w, &mods(&["J"]), &cx(0)).unwrap_err(), OpError::BadModifier("J".into()));
        assert_eq!(
            apply("R1", &w, &mods(&["25", "59", "76", "77", "78"]), &cx(0)).unwrap_err(),
            OpError::TooMany { what: "modifiers", max: 4 }
        );
        let w = run(&w, Op::SetUnits { index: 2, units: Some(4) });
        assert_eq!(w.codes[2].line.units, Some(4));
        // Letters name the diagnoses in sequence; codes name themselves.
        let ptr =
            |p: &[&str]| Op::SetPointers { index: 2, pointers: p.iter().map(|s| s.to_string()).collect() };
        let w = run(&w, ptr(&["b", "M1711"]));
        assert_eq!(w.codes[2].line.pointers, ["E11.9", "M17.11"]);
        assert_eq!(pointer_letter(&w.codes, "E11.9"), Some('B'));
        assert_eq!(apply("R1", &w, &ptr(&["C"]), &cx(0)).unwrap_err(), OpError::BadPointer("C".into()));
        assert_eq!(apply("R1", &w, &ptr(&["I10"]), &cx(0)).unwrap_err(), OpError::BadPointer("I10".into()));
        // A diagnosis has no claim line.
        let on_dx = Op::SetUnits { index: 0, units: Some(1) };
        assert_eq!(apply("R1", &w, &on_dx, &cx(0)).unwrap_err(), OpError::NotALine(1));
        // Moving the diagnoses moves the letters, not what the line points to.
        let w = run(&w, Op::MoveDown { index: 0 });
        assert_eq!(pointer_letters(&w.codes), [Some('A'), Some('B'), None]);
        assert_eq!(pointer_letter(&w.codes, "M17.11"), Some('B'));
        assert_eq!(w.codes[2].line.pointers, ["E11.9", "M17.11"]);
        // The line is saved with the code and read back.
        let json = serde_json::to_value(&w.codes[2]).expect("code");
        assert_eq!(json["modifiers"], serde_json::json!(["JZ", "59"]));
        assert_eq!(json["units"], 4);
        let back: AttachedCode = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, w.codes[2]);
        let old: AttachedCode = serde_json::from_str(
            r#"{"code":"I10","set":"icd10cm","kind":"diagnosis","who":"a","when":"2026-01-01T00:00:00Z"}"#,
        )
        .expect("a code saved before claim lines");
        assert!(old.line.is_empty());
        let (_, entry) = apply("R1", &w, &ptr(&["A"]), &cx(0)).expect("applies");
        assert_eq!(entry.what, "set diagnosis pointers of code 3 to A");
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
            line: Default::default(),
        };
        let s = serde_json::to_string(&op).expect("serializes");
        assert_eq!(serde_json::from_str::<Op>(&s).expect("parses"), op);
        assert_eq!(serde_json::to_string(&Poa::Exempt).expect("poa"), "\"1\"");
    }
}
