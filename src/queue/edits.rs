//! Edits: the checks listed for a record as the coder works, each naming the
//! instructional note or coding rule it comes from. Pure: a function of the
//! loaded edition, the record and the attached codes.

use serde::Serialize;

use super::record::{EncounterType, Record};
use super::work::{AttachedCode, CodeKind, RecordWork};
use crate::codeset::catalog::Editions;
use crate::codeset::changes::{Invalid, replacements};
use crate::codeset::icd10cm::rules::{
    NoteRef, Reportable, if_applicable, origin_name, parenthesized_refs, reportable,
};
use crate::codeset::{CmKind, CodeSet, Codebook, NodeId, NoteKind, Tabular, normalize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditSeverity {
    Error,
    Warning,
    /// A reminder a record cannot fail (an "if applicable" note): listed after the warnings.
    Hint,
}

impl EditSeverity {
    /// As the record view and `queue edits` print it.
    pub fn label(self) -> &'static str {
        match self {
            EditSeverity::Error => "error",
            EditSeverity::Warning => "warn",
            EditSeverity::Hint => "hint",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub severity: EditSeverity,
    /// The attached code it is about (index into the record's codes), if one.
    pub index: Option<usize>,
    pub message: String,
    /// Where the rule comes from: `Excludes1 (category E11): type 1 diabetes mellitus (E10.-)`,
    /// `ICD-10-CM Official Guidelines I.A.13`, ...
    pub rule: String,
    /// Codes the coder may want instead (billable children, 7th characters).
    pub suggestions: Vec<String>,
}

/// How many suggestions an edit offers at most.
const MAX_SUGGESTIONS: usize = 24;

/// Run every edit over `codes` attached to `record`: each rule below in turn,
/// errors first, then by line.
pub fn check(book: &Codebook, record: &Record, codes: &[AttachedCode]) -> Vec<Edit> {
    let mut out = Vec::new();
    edition_in_force(book, record, codes, &mut out);
    // Resolved CM nodes, by attached index.
    let mut nodes: Vec<Option<NodeId>> = vec![None; codes.len()];
    for (i, c) in codes.iter().enumerate() {
        let line = Line { i, code: c, key: normalize(&c.code) };
        attached_twice(&line, codes, &mut out);
        match c.set {
            CodeSet::Icd10cm => {
                cm_is_a_diagnosis(&line, &mut out);
                nodes[i] = cm_code_reportable(book, record, &line, &mut out);
                poa_missing_inpatient(record, &line, &mut out);
            }
            CodeSet::Icd10pcs => {
                pcs_is_a_procedure(&line, &mut out);
                pcs_code_valid(book, record, &line, &mut out);
                pcs_inpatient_only(record, &line, &mut out);
                pcs_no_poa(&line, &mut out);
            }
            CodeSet::Hcpcs => {
                hcpcs_valid_on_date(book, record, &line, &mut out);
                hcpcs_not_inpatient(record, &line, &mut out);
            }
            CodeSet::Cpt => {
                cpt_in_file(book, &line, &mut out);
                hcpcs_not_inpatient(record, &line, &mut out);
            }
        }
        if c.kind == CodeKind::Procedure {
            claim_line(book, record, &line, codes, &mut out);
        }
        poa_inpatient_only(record, &line, &mut out);
    }
    // Diagnoses in sequence with their nodes.
    let dx: Vec<(usize, NodeId)> = nodes.iter().enumerate().filter_map(|(i, n)| n.map(|n| (i, n))).collect();
    excludes1(&book.cm, codes, &dx, &mut out);
    manifestation_not_first(&book.cm, codes, &dx, &mut out);
    code_first_and_use_additional(&book.cm, codes, &dx, &mut out);
    a_diagnosis_reported(codes, &mut out);
    out.sort_by_key(|e| (e.severity, e.index.unwrap_or(usize::MAX)));
    out
}

/// One attached code being checked: its line and normalized key.
struct Line<'a> {
    i: usize,
    code: &'a AttachedCode,
    key: String,
}

impl Line<'_> {
    fn edit(&self, severity: EditSeverity, message: String, rule: &str, suggestions: Vec<String>) -> Edit {
        Edit { severity, index: Some(self.i), message, rule: rule.to_string(), suggestions }
    }
}

fn inpatient(record: &Record) -> bool {
    record.encounter_type == EncounterType::Inpatient
}

/// The edition loaded must be the one in force at the date of service.
fn edition_in_force(book: &Codebook, record: &Record, codes: &[AttachedCode], out: &mut Vec<Edit>) {
    let mut sets: Vec<CodeSet> = vec![CodeSet::Icd10cm];
    if codes.iter().any(|c| c.set == CodeSet::Icd10pcs) {
        sets.push(CodeSet::Icd10pcs);
    }
    for set in sets {
        if let Some((from, to)) = book.edition.effective(set)
            && !book.edition.is_in_force(set, record.date_of_service)
        {
            out.push(Edit {
                severity: EditSeverity::Error,
                index: None,
                message: format!(
                    "date of service {} is outside the {} edition loaded ({} in force {from} to {to}): codes may be wrong for this date",
                    record.date_of_service,
                    set.short(),
                    book.edition.name
                ),
                rule: EDITION_RULE.into(),
                suggestions: Vec::new(),
            });
        }
    }
}

const EDITION_RULE: &str =
    "Code from the edition in force on the date of service (discharge date for inpatient)";
const PCS_TABLES_RULE: &str = "ICD-10-PCS Tables: every character from a valid row";

/// Report each code once.
fn attached_twice(line: &Line, codes: &[AttachedCode], out: &mut Vec<Edit>) {
    let c = line.code;
    if let Some(j) = codes[..line.i].iter().position(|d| d.set == c.set && normalize(&d.code) == line.key) {
        out.push(line.edit(
            EditSeverity::Error,
            format!("{} is attached twice (also line {})", c.code, j + 1),
            "Report each code once",
            Vec::new(),
        ));
    }
}

/// ICD-10-CM codes are diagnoses.
fn cm_is_a_diagnosis(line: &Line, out: &mut Vec<Edit>) {
    if line.code.kind != CodeKind::Diagnosis {
        out.push(line.edit(
            EditSeverity::Error,
            format!("{} is an ICD-10-CM code attached as a procedure", line.code.code),
            "ICD-10-CM codes are diagnoses",
            Vec::new(),
        ));
    }
}

/// A CM code must exist in the edition and be billable as attached (see
/// [`header_edits`]); returns its node when it exists.
fn cm_code_reportable(book: &Codebook, record: &Record, line: &Line, out: &mut Vec<Edit>) -> Option<NodeId> {
    let code = &line.code.code;
    let Some(id) = book.cm.get(&line.key) else {
        let offer = replacements(book, CodeSet::Icd10cm, code, Some(record.date_of_service));
        let deleted = offer.as_ref().is_some_and(|r| r.why == Invalid::Deleted);
        out.push(line.edit(
            EditSeverity::Error,
            if deleted {
                format!(
                    "{code} is deleted in {}, the edition of this record's date of service {}",
                    book.edition.name, record.date_of_service
                )
            } else {
                format!("{code} is not an ICD-10-CM code in {}", book.edition.name)
            },
            "Code must exist in the edition",
            offer.map(|r| r.offers).unwrap_or_default(),
        ));
        return None;
    };
    header_edits(book, record, id, line.i, code, out);
    Some(id)
}

/// Inpatient diagnoses carry a present-on-admission indicator.
fn poa_missing_inpatient(record: &Record, line: &Line, out: &mut Vec<Edit>) {
    if inpatient(record) && line.code.kind == CodeKind::Diagnosis && line.code.poa.is_none() {
        out.push(line.edit(
            EditSeverity::Warning,
            format!("{}: present-on-admission indicator missing", line.code.code),
            "POA reporting guidelines (inpatient diagnoses: Y, N, U, W or 1 if exempt)",
            Vec::new(),
        ));
    }
}

/// ICD-10-PCS codes are procedures.
fn pcs_is_a_procedure(line: &Line, out: &mut Vec<Edit>) {
    if line.code.kind != CodeKind::Procedure {
        out.push(line.edit(
            EditSeverity::Error,
            format!("{} is an ICD-10-PCS code attached as a diagnosis", line.code.code),
            "ICD-10-PCS codes are procedures",
            Vec::new(),
        ));
    }
}

/// A PCS code is a complete code of a valid table row (or a CMS update code in
/// force at the date of service).
fn pcs_code_valid(book: &Codebook, record: &Record, line: &Line, out: &mut Vec<Edit>) {
    let (code, key) = (&line.code.code, &line.key);
    if let (Some(_), Some(from)) = (book.pcs.update_code(key), book.pcs.update_from) {
        if record.date_of_service < from {
            out.push(line.edit(
                EditSeverity::Error,
                format!(
                    "{code} is valid from {from} (a CMS update code in {}); the date of service is {}",
                    book.edition.name, record.date_of_service
                ),
                EDITION_RULE,
                Vec::new(),
            ));
        } else {
            out.push(line.edit(
                EditSeverity::Warning,
                format!(
                    "{code}: a CMS update code valid from {from}; its table is not in {}, so its characters are not checked",
                    book.edition.name
                ),
                PCS_TABLES_RULE,
                Vec::new(),
            ));
        }
        return;
    }
    if book.pcs.is_code(key) {
        return;
    }
    let msg = if book.pcs.is_prefix(key) {
        format!("{code} is incomplete: an ICD-10-PCS code has 7 characters ({} given)", key.len())
    } else {
        format!("{code} is not a valid ICD-10-PCS code in {}", book.edition.name)
    };
    let next: Vec<String> = if book.pcs.is_prefix(key) && key.len() < 7 {
        book.pcs.codes.iter().filter(|k| k.starts_with(key.as_str())).take(MAX_SUGGESTIONS).cloned().collect()
    } else {
        replacements(book, CodeSet::Icd10pcs, code, Some(record.date_of_service))
            .map(|r| r.offers)
            .unwrap_or_default()
    };
    out.push(line.edit(EditSeverity::Error, msg, PCS_TABLES_RULE, next));
}

/// ICD-10-PCS is reported for inpatient hospital procedures.
fn pcs_inpatient_only(record: &Record, line: &Line, out: &mut Vec<Edit>) {
    if !inpatient(record) {
        out.push(line.edit(
            EditSeverity::Error,
            format!(
                "{}: ICD-10-PCS codes are for inpatient procedures; this encounter is {}",
                line.code.code,
                record.encounter_type.as_str()
            ),
            "ICD-10-PCS is reported for inpatient hospital procedures (HIPAA code set standards)",
            Vec::new(),
        ));
    }
}

/// A HCPCS code must be in the file and not terminated on the date of service.
fn hcpcs_valid_on_date(book: &Codebook, record: &Record, line: &Line, out: &mut Vec<Edit>) {
    if book.hcpcs.codes.is_empty() {
        return;
    }
    let dos = record.date_of_service;
    let message = match book.hcpcs.get(&line.key) {
        None => format!("{} is not a HCPCS Level II code (edition {})", line.code.code, book.edition.name),
        Some(c) if c.valid_on(dos) => return,
        Some(c) => match (c.terminated, c.effective) {
            (Some(t), _) if dos > t => {
                format!("{}: terminated {t}, before the date of service {dos}", line.code.code)
            }
            (_, Some(e)) => {
                format!("{}: in effect from {e}, after the date of service {dos}", line.code.code)
            }
            _ => format!("{}: not valid on the date of service {dos}", line.code.code),
        },
    };
    out.push(line.edit(
        EditSeverity::Error,
        message,
        "HCPCS Level II: a code is billed only while it is in effect (CMS alpha-numeric file, TERM DT)",
        Vec::new(),
    ));
}

/// A CPT code must be in the user's licensed file, when one is imported.
fn cpt_in_file(book: &Codebook, line: &Line, out: &mut Vec<Edit>) {
    let Some(cpt) = &book.cpt else {
        out.push(line.edit(
            EditSeverity::Warning,
            format!("{}: {}", line.code.code, crate::codeset::cpt::NOT_LOADED),
            "CPT (AMA): medcode checks a CPT code against your licensed file only",
            Vec::new(),
        ));
        return;
    };
    if cpt.get(&line.key).is_none() {
        out.push(line.edit(
            EditSeverity::Error,
            format!("{} is not in your CPT file (licence year {})", line.code.code, cpt.year),
            "CPT (AMA): a code is reported as the licensed CPT file lists it",
            Vec::new(),
        ));
    }
}

/// An inpatient facility claim reports its procedures in ICD-10-PCS.
fn hcpcs_not_inpatient(record: &Record, line: &Line, out: &mut Vec<Edit>) {
    if inpatient(record) {
        out.push(line.edit(
            EditSeverity::Error,
            format!(
                "{}: an inpatient facility claim reports procedures in ICD-10-PCS, not HCPCS or CPT",
                line.code.code
            ),
            "ICD-10-PCS is the procedure code set of inpatient hospital claims (HIPAA code set standards)",
            Vec::new(),
        ));
    }
}

/// The claim line of a procedure: modifiers that exist, units not 0, pointers
/// that name a diagnosis of the record (and, outside a stay, at least one).
fn claim_line(book: &Codebook, record: &Record, line: &Line, codes: &[AttachedCode], out: &mut Vec<Edit>) {
    let cl = &line.code.line;
    let code = &line.code.code;
    if !book.hcpcs.modifiers.is_empty() {
        for m in &cl.modifiers {
            if book.hcpcs.modifier(&m.to_ascii_uppercase()).is_none() {
                out.push(line.edit(
                    EditSeverity::Error,
                    format!("{code}: modifier {} does not exist", crate::text::sanitize(m)),
                    "HCPCS modifiers (CMS alpha-numeric file, modifier rows)",
                    Vec::new(),
                ));
            }
        }
    }
    if cl.units == Some(0) {
        out.push(line.edit(
            EditSeverity::Error,
            format!("{code}: units of 0 (a line reports at least 1 unit)"),
            "CMS-1500 item 24G: days or units, 1 or more",
            Vec::new(),
        ));
    }
    for p in &cl.pointers {
        if super::work::pointer_letter(codes, p).is_none() {
            out.push(line.edit(
                EditSeverity::Error,
                format!(
                    "{code}: its pointer to {} names no diagnosis on this record (removed?)",
                    crate::text::sanitize(p)
                ),
                "CMS-1500 item 24E: each pointer names a diagnosis in item 21 (A-L)",
                Vec::new(),
            ));
        }
    }
    if cl.pointers.is_empty() && !inpatient(record) {
        out.push(line.edit(
            EditSeverity::Warning,
            format!("{code}: no diagnosis pointer: which diagnosis is this line for?"),
            "CMS-1500 item 24E: the diagnosis pointer relates the line to a diagnosis (A-L)",
            Vec::new(),
        ));
    }
}

/// POA applies to diagnoses only.
fn pcs_no_poa(line: &Line, out: &mut Vec<Edit>) {
    if line.code.poa.is_some() {
        out.push(line.edit(
            EditSeverity::Warning,
            format!("{}: a procedure has no POA indicator", line.code.code),
            "POA applies to diagnoses only",
            Vec::new(),
        ));
    }
}

/// POA is reported for inpatient claims only.
fn poa_inpatient_only(record: &Record, line: &Line, out: &mut Vec<Edit>) {
    if !inpatient(record) && line.code.poa.is_some() && line.code.set == CodeSet::Icd10cm {
        out.push(line.edit(
            EditSeverity::Warning,
            format!("{}: POA is reported for inpatient claims only", line.code.code),
            "POA reporting guidelines",
            Vec::new(),
        ));
    }
}

/// Excludes1 between any two codes, from the notes in force at either.
fn excludes1(cm: &Tabular, codes: &[AttachedCode], dx: &[(usize, NodeId)], out: &mut Vec<Edit>) {
    for (a, &(i, ni)) in dx.iter().enumerate() {
        for &(j, nj) in &dx[a + 1..] {
            if let Some((text, origin)) =
                excludes1_between(cm, ni, nj).or_else(|| excludes1_between(cm, nj, ni))
            {
                out.push(Edit {
                    severity: EditSeverity::Error,
                    index: Some(j),
                    message: format!(
                        "{} and {} are not coded together (Excludes1)",
                        codes[i].code, codes[j].code
                    ),
                    rule: format!("Excludes1 ({}): {}", origin_name(cm, origin), text),
                    suggestions: Vec::new(),
                });
            }
        }
    }
}

/// Manifestation codes may not be sequenced first.
fn manifestation_not_first(
    cm: &Tabular,
    codes: &[AttachedCode],
    dx: &[(usize, NodeId)],
    out: &mut Vec<Edit>,
) {
    if let Some(&(i, n)) = dx.first()
        && is_manifestation(cm, n)
    {
        out.push(Edit {
            severity: EditSeverity::Error,
            index: Some(i),
            message: format!("{} is a manifestation code and cannot be the first-listed diagnosis", codes[i].code),
            rule: "Etiology/manifestation convention: \"in diseases classified elsewhere\" codes follow the underlying condition (Guidelines I.A.13)".into(),
            suggestions: Vec::new(),
        });
    }
}

/// Code first / Use additional code notes not satisfied. The notes of one
/// kind written at one node are read together (the tabular splits "Use
/// additional code to identify: a (X), b (Y)" into one note per item), and
/// any named code satisfies them. Use additional code notes at chapter and
/// block level ("exposure to tobacco, if applicable") are left out: they
/// would fire on nearly every record.
fn code_first_and_use_additional(
    cm: &Tabular,
    codes: &[AttachedCode],
    dx: &[(usize, NodeId)],
    out: &mut Vec<Edit>,
) {
    let attached: Vec<String> = dx.iter().map(|(i, _)| normalize(&codes[*i].code)).collect();
    for (pos, &(i, n)) in dx.iter().enumerate() {
        let mut groups: Vec<(NoteKind, NodeId, Vec<String>)> = Vec::new();
        for note in cm.notes_in_force(n) {
            if !matches!(note.kind, NoteKind::CodeFirst | NoteKind::UseAdditionalCode) {
                continue;
            }
            let broad = matches!(cm.node(note.origin).kind, CmKind::Chapter | CmKind::Block);
            if note.kind == NoteKind::UseAdditionalCode && broad {
                continue;
            }
            match groups.iter_mut().find(|g| g.0 == note.kind && g.1 == note.origin) {
                Some(g) => g.2.push(note.text),
                None => groups.push((note.kind, note.origin, vec![note.text])),
            }
        }
        for (kind, origin, texts) in groups {
            let refs: Vec<NoteRef> = texts.iter().flat_map(|t| parenthesized_refs(t)).collect();
            if refs.is_empty() {
                continue;
            }
            let hits: Vec<usize> = attached
                .iter()
                .enumerate()
                .filter(|(k, key)| *k != pos && refs.iter().any(|r| r.matches(key)))
                .map(|(k, _)| k)
                .collect();
            let rule = format!("{} ({}): {}", kind.label(), origin_name(cm, origin), texts.join("; "));
            // "Code first, if applicable, postprocedural sepsis (T81.44-)" asks nothing of a
            // sepsis with no such circumstance: remind, never report it unsatisfied.
            if texts.iter().any(|t| if_applicable(t)) {
                if hits.is_empty() {
                    out.push(Edit {
                        severity: EditSeverity::Hint,
                        index: Some(i),
                        message: format!("{}: {} if applicable", codes[i].code, kind.label()),
                        rule,
                        suggestions: Vec::new(),
                    });
                }
                continue;
            }
            let message = if hits.is_empty() {
                format!(
                    "{}: {} note not satisfied: none of its codes is attached",
                    codes[i].code,
                    kind.label()
                )
            } else if kind == NoteKind::CodeFirst && hits.iter().all(|k| *k > pos) {
                format!("{}: the underlying condition should be sequenced before it", codes[i].code)
            } else {
                continue;
            };
            out.push(Edit {
                severity: EditSeverity::Warning,
                index: Some(i),
                message,
                rule,
                suggestions: Vec::new(),
            });
        }
    }
}

/// Every encounter reports at least one diagnosis.
fn a_diagnosis_reported(codes: &[AttachedCode], out: &mut Vec<Edit>) {
    if !codes.iter().any(|c| c.kind == CodeKind::Diagnosis) && !codes.is_empty() {
        out.push(Edit {
            severity: EditSeverity::Warning,
            index: None,
            message: "no diagnosis code attached".into(),
            rule: "Every encounter reports at least one diagnosis".into(),
            suggestions: Vec::new(),
        });
    }
}

/// A record's edits against its own edition: the one the coder chose for it
/// (`set_edition`), else the one in force on its date of service (inpatient: the
/// discharge date, which `date_of_service` holds): what the queue and the
/// workbench run when editions of both sides of October 1 are there.
/// Returns the edition used, to be named beside the edits.
pub fn check_in_own_edition(
    editions: &mut Editions,
    record: &Record,
    work: &RecordWork,
) -> anyhow::Result<(std::sync::Arc<Codebook>, Vec<Edit>)> {
    let book = editions.for_record(record.date_of_service, work.edition.as_deref())?;
    let edits = check(&book, record, &work.codes);
    Ok((book, edits))
}

/// How many error-severity edits (what [`super::work::Context::edit_errors`] wants).
pub fn error_count(edits: &[Edit]) -> usize {
    edits.iter().filter(|e| e.severity == EditSeverity::Error).count()
}

/// A header (non-billable) code, or one missing its 7th character, by the
/// code set's one rule ([`reportable`]).
fn header_edits(book: &Codebook, record: &Record, id: NodeId, i: usize, code: &str, out: &mut Vec<Edit>) {
    let cm = &book.cm;
    let edit = |message: String, rule: String, suggestions: Vec<String>| Edit {
        severity: EditSeverity::Error,
        index: Some(i),
        message,
        rule,
        suggestions,
    };
    match reportable(cm, id) {
        Reportable::Billable => {}
        Reportable::Heading => out.push(edit(
            format!("{code} is a chapter or block, not a code"),
            "Only billable codes are reported".into(),
            Vec::new(),
        )),
        Reportable::NeedsSeventh(offers) => out.push(edit(
            format!("{code} needs a 7th character"),
            seventh_rule(cm, id),
            offers.into_iter().take(MAX_SUGGESTIONS).map(|o| o.code).collect(),
        )),
        Reportable::Header => {
            let total = cm.billable_below(id);
            let offers = replacements(book, CodeSet::Icd10cm, code, Some(record.date_of_service))
                .map(|r| r.offers)
                .unwrap_or_default();
            // A code the edition's addenda delete because it became a header (I42.0 in FY2027).
            let now = if book.changes.cm.deleted.contains_key(&normalize(code)) {
                format!(" since {}: it was a billable code before", book.edition.name)
            } else {
                String::new()
            };
            out.push(edit(
                format!(
                    "{code} is a header in {}{now}, not a billable code ({total} billable code(s) below it)",
                    book.edition.name
                ),
                "Only billable codes are reported: code to the highest number of characters available (Guidelines I.B.7)".into(),
                offers,
            ));
        }
    }
}

fn seventh_rule(cm: &Tabular, id: NodeId) -> String {
    cm.notes_in_force(id)
        .into_iter()
        .find(|n| n.kind == NoteKind::SeventhCharacter)
        .map(|n| format!("7th characters ({}): {}", origin_name(cm, n.origin), n.text))
        .unwrap_or_else(|| "7th character required (Guidelines I.B.14 / chapter notes)".into())
}

/// The Excludes1 note in force at `a` that names `b`: its text and origin.
fn excludes1_between(cm: &Tabular, a: NodeId, b: NodeId) -> Option<(String, NodeId)> {
    let key = normalize(&cm.node(b).code);
    cm.notes_in_force(a)
        .into_iter()
        .filter(|n| n.kind == NoteKind::Excludes1)
        .find(|n| parenthesized_refs(&n.text).iter().any(|r| r.matches(&key)))
        .map(|n| (n.text, n.origin))
}

fn is_manifestation(cm: &Tabular, id: NodeId) -> bool {
    std::iter::once(id)
        .chain(cm.ancestors(id))
        .filter(|n| matches!(cm.node(*n).kind, CmKind::Category | CmKind::Subcategory | CmKind::Code))
        .any(|n| cm.node(n).title.to_ascii_lowercase().contains("in diseases classified elsewhere"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::{CmNode, Notes, Pcs, icd10cm::SeventhChar};
    use chrono::{DateTime, NaiveDate};

    /// A small tabular shaped like the real one, for the logic; the real
    /// code sets are exercised in tests/queue_edits.rs.
    fn book() -> Codebook {
        let mut t = Tabular::default();
        let mut add = |code: &str, kind, title: &str, parent: Option<NodeId>, billable, notes: Notes| {
            t.push_node(CmNode {
                code: code.into(),
                kind,
                title: title.into(),
                parent,
                children: vec![],
                billable,
                notes,
            })
        };
        let ch = add("4", CmKind::Chapter, "Endocrine", None, false, Notes::default());
        let e11 = add(
            "E11",
            CmKind::Category,
            "Type 2 diabetes mellitus",
            Some(ch),
            false,
            Notes {
                excludes1: vec!["type 1 diabetes mellitus (E10.-)".into()],
                use_additional_code: vec!["insulin (Z79.4)".into()],
                ..Notes::default()
            },
        );
        let e112 = add(
            "E11.2",
            CmKind::Subcategory,
            "T2DM with kidney complications",
            Some(e11),
            false,
            Notes::default(),
        );
        add(
            "E11.22",
            CmKind::Code,
            "T2DM with diabetic CKD",
            Some(e112),
            true,
            Notes {
                use_additional_code: vec!["to identify stage of chronic kidney disease (N18.1-N18.6)".into()],
                ..Notes::default()
            },
        );
        add(
            "E11.29",
            CmKind::Code,
            "T2DM with other kidney complication",
            Some(e112),
            true,
            Notes::default(),
        );
        let e10 = add("E10", CmKind::Category, "Type 1 diabetes mellitus", Some(ch), false, Notes::default());
        add("E10.9", CmKind::Code, "T1DM without complications", Some(e10), true, Notes::default());
        let n18 = add("N18", CmKind::Category, "CKD", Some(ch), false, Notes::default());
        add("N18.31", CmKind::Code, "CKD stage 3a", Some(n18), true, Notes::default());
        let z79 = add("Z79", CmKind::Category, "Long term drug therapy", Some(ch), false, Notes::default());
        add("Z79.4", CmKind::Code, "Long term (current) use of insulin", Some(z79), true, Notes::default());
        let g63 = add(
            "G63",
            CmKind::Code,
            "Polyneuropathy in diseases classified elsewhere",
            Some(ch),
            true,
            Notes {
                code_first: vec!["underlying disease, such as: diabetes (E08-E13)".into()],
                ..Notes::default()
            },
        );
        let _ = g63;
        let s72 = add(
            "S72.001",
            CmKind::Code,
            "Fracture of unspecified part of neck of right femur",
            Some(ch),
            false,
            Notes {
                seventh_chars: vec![SeventhChar {
                    ch: 'A',
                    title: "initial encounter for closed fracture".into(),
                    terms: vec![],
                }],
                ..Notes::default()
            },
        );
        add("S72.001A", CmKind::Extension, "initial encounter", Some(s72), true, Notes::default());
        // A41's Code first names circumstances, "if applicable" (as in the real tabular).
        let ch1 = add("1", CmKind::Chapter, "Infectious diseases", None, false, Notes::default());
        let a41 = add(
            "A41",
            CmKind::Category,
            "Other sepsis",
            Some(ch1),
            false,
            Notes {
                code_first: vec![
                    ", if applicable, postprocedural sepsis (T81.44-)".into(),
                    "sepsis during labor (O75.3)".into(),
                ],
                ..Notes::default()
            },
        );
        add("A41.51", CmKind::Code, "Sepsis due to E. coli", Some(a41), true, Notes::default());
        let n39 = add("N39", CmKind::Category, "Other urinary disorders", Some(ch), false, Notes::default());
        add(
            "N39.0",
            CmKind::Code,
            "Urinary tract infection, site not specified",
            Some(n39),
            true,
            Notes::default(),
        );
        // Dates in these tests are FY2026's.
        let mut edition =
            crate::codeset::shipped::edition_named(crate::codeset::shipped::FY2026).expect("shipped");
        edition.name = "test".into();
        // The PCS model is built by its parser only: no PCS codes here (the
        // real tables are exercised in tests/queue.rs).
        let pcs = Pcs::default();
        Codebook {
            edition,
            cm: t,
            pcs,
            drugs: None,
            neoplasms: None,
            external: None,
            diseases: None,
            changes: Default::default(),
            hcpcs: Default::default(),
            cpt: None,
        }
    }

    fn record(kind: EncounterType, date: &str) -> Record {
        Record {
            id: "R".into(),
            encounter_type: kind,
            date_of_service: date.parse::<NaiveDate>().expect("date"),
            admission_date: None,
            discharge_date: None,
            patient_age: 60,
            patient_sex: super::super::Sex::Female,
            provider: "Dr".into(),
            documentation: String::new(),
            codes: vec![],
            expected_codes: vec![],
            expected_lines: vec![],
            expected_details: vec![],
            priority: None,
            due_date: None,
            source: Default::default(),
            truncated: 0,
        }
    }

    fn dx(code: &str, poa: Option<super::super::Poa>) -> AttachedCode {
        AttachedCode {
            code: code.into(),
            set: CodeSet::Icd10cm,
            kind: CodeKind::Diagnosis,
            poa,
            who: "c".into(),
            when: DateTime::UNIX_EPOCH,
            line: Default::default(),
        }
    }

    fn px(code: &str) -> AttachedCode {
        AttachedCode {
            code: code.into(),
            set: CodeSet::Icd10pcs,
            kind: CodeKind::Procedure,
            poa: None,
            who: "c".into(),
            when: DateTime::UNIX_EPOCH,
            line: Default::default(),
        }
    }

    fn messages(edits: &[Edit]) -> Vec<String> {
        edits.iter().map(|e| format!("{:?}: {} [{}]", e.severity, e.message, e.rule)).collect()
    }

    #[test]
    fn cpt_lines_are_checked_against_the_licensed_file() {
        let mut b = book();
        let cpt = |code: &str| AttachedCode {
            set: CodeSet::Cpt,
            line: super::super::work::ClaimLine { pointers: vec!["N39.0".into()], ..Default::default() },
            ..px(code)
        };
        let out = record(EncounterType::Outpatient, "2026-06-01");
        let codes = [dx("N39.0", None), cpt("99993")];
        // Not imported: a warning saying how to import it.
        let e = messages(&check(&b, &out, &codes));
        assert!(e.iter().any(|m| m.starts_with("Warning: 99993: CPT is not loaded")), "{e:?}");
        let tsv = include_bytes!("../../tests/fixtures/cpt/invented-cpt-2026.tsv");
        b.cpt = Some(crate::codeset::cpt::Cpt::parse_tsv(tsv, "invented.tsv", "2026").expect("fixture"));
        assert!(check(&b, &out, &codes).is_empty(), "{:?}", messages(&check(&b, &out, &codes)));
        // A code the file lacks; CPT on an inpatient facility claim.
        let e = messages(&check(&b, &out, &[dx("N39.0", None), cpt("99213")]));
        assert!(
            e.iter().any(|m| m.starts_with("Error: 99213 is not in your CPT file (licence year 2026)")),
            "{e:?}"
        );
        let ip = record(EncounterType::Inpatient, "2026-06-01");
        let e = messages(&check(&b, &ip, &[dx("N39.0", Some(super::super::Poa::Y)), cpt("99993")]));
        assert!(
            e.iter().any(|m| m
                .starts_with("Error: 99993: an inpatient facility claim reports procedures in ICD-10-PCS")),
            "{e:?}"
        );
    }

    #[test]
    fn clean_record_has_no_edits() {
        let b = book();
        let r = record(EncounterType::Outpatient, "2026-06-01");
        let e = check(&b, &r, &[dx("E11.22", None), dx("N18.31", None), dx("Z79.4", None)]);
        assert!(e.is_empty(), "{:?}", messages(&e));
    }

    #[test]
    fn header_and_seventh_character() {
        let b = book();
        let r = record(EncounterType::Outpatient, "2026-06-01");
        let e = check(&b, &r, &[dx("E11.2", None), dx("S72.001", None), dx("Q99.99", None)]);
        let header = e.iter().find(|e| e.message.contains("E11.2 is a header")).expect("header edit");
        assert_eq!(header.suggestions, ["E11.22", "E11.29"]);
        let seventh = e.iter().find(|e| e.message.contains("needs a 7th character")).expect("7th edit");
        assert_eq!(seventh.suggestions, ["S72.001A"]);
        assert!(seventh.rule.contains("initial encounter for closed fracture"), "{}", seventh.rule);
        assert!(e.iter().any(|e| e.message.contains("Q99.99 is not an ICD-10-CM code")));
        assert_eq!(error_count(&e), 3);
    }

    #[test]
    fn date_outside_edition() {
        let b = book();
        let e = check(&b, &record(EncounterType::Outpatient, "2026-11-25"), &[dx("E10.9", None)]);
        assert_eq!(e.len(), 1, "{:?}", messages(&e));
        assert!(e[0].message.contains("outside the CM edition"), "{}", e[0].message);
        assert_eq!(e[0].severity, EditSeverity::Error);
    }

    #[test]
    fn excludes1_either_direction() {
        let b = book();
        let r = record(EncounterType::Outpatient, "2026-06-01");
        for codes in [[dx("E10.9", None), dx("E11.29", None)], [dx("E11.29", None), dx("E10.9", None)]] {
            let e = check(&b, &r, &codes);
            let ex = e.iter().find(|e| e.rule.starts_with("Excludes1 (category E11)")).expect("excludes1");
            assert_eq!(ex.severity, EditSeverity::Error);
        }
    }

    #[test]
    fn manifestation_first_and_code_first_and_use_additional() {
        let b = book();
        let r = record(EncounterType::Outpatient, "2026-06-01");
        let e = check(&b, &r, &[dx("G63", None), dx("E11.29", None)]);
        assert!(
            e.iter().any(|e| e.severity == EditSeverity::Error && e.message.contains("manifestation")),
            "{:?}",
            messages(&e)
        );
        assert!(
            e.iter().any(|e| e.message.contains("underlying condition should be sequenced before")),
            "{:?}",
            messages(&e)
        );
        // E11.22 without a CKD stage or insulin: two Use additional code warnings.
        let e = check(&b, &r, &[dx("E11.22", None)]);
        let uac: Vec<&Edit> = e.iter().filter(|e| e.rule.starts_with("Use additional code")).collect();
        assert_eq!(uac.len(), 2, "{:?}", messages(&e));
        assert!(uac.iter().all(|e| e.severity == EditSeverity::Warning));
        // G63 alone: the Code first note is not satisfied.
        let e = check(&b, &r, &[dx("E11.29", None), dx("G63", None)]);
        assert!(!e.iter().any(|e| e.rule.starts_with("Code first")), "{:?}", messages(&e));
    }

    #[test]
    fn an_if_applicable_code_first_is_a_hint_not_an_unsatisfied_note() {
        let b = book();
        let r = record(EncounterType::Outpatient, "2026-06-01");
        let e = check(&b, &r, &[dx("A41.51", None), dx("N39.0", None)]);
        assert!(!e.iter().any(|e| e.message.contains("not satisfied")), "{:?}", messages(&e));
        let hint = e.iter().find(|e| e.rule.starts_with("Code first")).expect("a reminder");
        assert_eq!(hint.severity, EditSeverity::Hint);
        assert_eq!(hint.message, "A41.51: Code first if applicable");
        assert!(hint.rule.starts_with("Code first (category A41): , if applicable"), "{}", hint.rule);
        // A Code first that names no circumstance still must be met (G63 above).
        let e = check(&b, &r, &[dx("G63", None)]);
        assert!(e.iter().any(|e| e.severity == EditSeverity::Warning && e.message.contains("not satisfied")));
    }

    #[test]
    fn errors_come_before_warnings_and_hints_last() {
        let b = book();
        let r = record(EncounterType::Inpatient, "2026-06-01");
        // A41.51 with no POA (warning), its Code first reminder (hint); E11.2 a header (error)
        // lacking its Use additional code (warning).
        let e = check(&b, &r, &[dx("A41.51", None), dx("E11.2", Some(super::super::Poa::Y))]);
        let order: Vec<EditSeverity> = e.iter().map(|e| e.severity).collect();
        let want = [EditSeverity::Error, EditSeverity::Warning, EditSeverity::Warning, EditSeverity::Hint];
        assert_eq!(order, want, "{:?}", messages(&e));
        assert_eq!(e[0].index, Some(1));
    }

    #[test]
    fn rules_name_their_origin_in_words() {
        let b = book();
        let id = |c: &str| b.cm.get(c).expect(c);
        let chapter = *b.cm.ancestors(id("E11")).last().expect("a chapter");
        assert_eq!(origin_name(&b.cm, chapter), "Chapter 4");
        assert_eq!(origin_name(&b.cm, id("E11")), "category E11");
        assert_eq!(origin_name(&b.cm, id("E11.22")), "E11.22");
    }

    #[test]
    fn duplicates_pcs_setting_and_poa() {
        let b = book();
        let out = record(EncounterType::Outpatient, "2026-06-01");
        let e = check(&b, &out, &[dx("E10.9", Some(super::super::Poa::Y)), dx("E10.9", None), px("0DTJ4ZZ")]);
        assert!(e.iter().any(|e| e.message.contains("attached twice")), "{:?}", messages(&e));
        assert!(
            e.iter().any(|e| e.message.contains("ICD-10-PCS codes are for inpatient")),
            "{:?}",
            messages(&e)
        );
        assert!(e.iter().any(|e| e.message.contains("POA is reported for inpatient")), "{:?}", messages(&e));
        let inp = record(EncounterType::Inpatient, "2026-06-01");
        let e = check(&b, &inp, &[dx("E10.9", None), px("0DTJ4ZZ")]);
        assert!(
            e.iter()
                .any(|e| e.severity == EditSeverity::Warning && e.message.contains("present-on-admission")),
            "{:?}",
            messages(&e)
        );
        assert!(!e.iter().any(|e| e.message.contains("for inpatient procedures")));
        assert!(
            e.iter().any(|e| e.message.contains("0DTJ4ZZ is not a valid ICD-10-PCS code")),
            "{:?}",
            messages(&e)
        );
    }
}
