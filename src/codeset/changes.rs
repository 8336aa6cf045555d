//! What changed between editions: the agencies' addenda, `medcode codesets diff`,
//! the codes new in an edition, and what replaces a code that is no longer valid.
//!
//! One home for the replacement rule: the edits of a record (`queue/edits.rs`),
//! `show` and the workbench all call [`replacements`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{CmKind, CodeSet, Codebook, NoteKind, ReleaseError, normalize};

/// A CMS code-title addenda (`icd10cm_codes_addenda_YYYY.txt`,
/// `icd10pcs_codes_addenda_YYYY.txt`): `Add:`, `Delete:`, `Revise from:` / `Revise to:`
/// lines and a trailer of counts. Codes are keys as [`normalize`] gives them (no dot).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addenda {
    pub added: BTreeMap<String, String>,
    pub deleted: BTreeMap<String, String>,
    /// Code -> (old title, new title).
    pub revised: BTreeMap<String, (String, String)>,
    /// The trailer's code counts: (before, after), when it has them.
    pub counts: Option<(usize, usize)>,
}

impl Addenda {
    /// Read an addenda file; `file` names it in errors.
    pub fn parse(data: &[u8], file: &str) -> Result<Addenda, ReleaseError> {
        let text = std::str::from_utf8(data)
            .map_err(|e| ReleaseError::at(file, data, e.valid_up_to(), "not UTF-8 text"))?;
        let mut out = Addenda::default();
        let mut counts = Vec::new();
        let mut offset = 0;
        let mut from: Option<(String, String)> = None;
        for raw in text.split('\n') {
            let at = offset;
            offset += raw.len() + 1;
            let line = raw.trim_end_matches('\r');
            let entry = |rest: &str| {
                let rest = rest.trim_start();
                let (code, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                (normalize(code), title.trim().to_string())
            };
            if let Some(rest) = line.strip_prefix("Add:") {
                let (c, t) = entry(rest);
                out.added.insert(c, t);
            } else if let Some(rest) = line.strip_prefix("Delete:") {
                let (c, t) = entry(rest);
                out.deleted.insert(c, t);
            } else if let Some(rest) = line.strip_prefix("Revise from:") {
                from = Some(entry(rest));
            } else if let Some(rest) = line.strip_prefix("Revise to:") {
                let (c, t) = entry(rest);
                match from.take() {
                    Some((fc, ft)) if fc == c => {
                        out.revised.insert(c, (ft, t));
                    }
                    _ => {
                        return Err(ReleaseError::at(
                            file,
                            data,
                            at,
                            "`Revise to:` without its `Revise from:`",
                        ));
                    }
                }
            } else if line.split_whitespace().nth(1) == Some("codes")
                && let Some(n) = line.split_whitespace().next().and_then(|n| n.parse::<usize>().ok())
            {
                counts.push(n);
            }
        }
        if let [before, after] = counts[..] {
            out.counts = Some((before, after));
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.deleted.is_empty() && self.revised.is_empty()
    }
}

/// The changes an edition says it brings (its addenda), when it has them.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub cm: Addenda,
    pub pcs: Addenda,
}

impl Changes {
    pub fn of(&self, set: CodeSet) -> &Addenda {
        match set {
            CodeSet::Icd10cm => &self.cm,
            CodeSet::Icd10pcs => &self.pcs,
            // HCPCS changes are the file's own action codes, not addenda; CPT has none here.
            CodeSet::Hcpcs | CodeSet::Cpt => {
                static NONE: std::sync::LazyLock<Addenda> = std::sync::LazyLock::new(Addenda::default);
                &NONE
            }
        }
    }

    /// Whether the addenda add `code`.
    pub fn is_new(&self, set: CodeSet, code: &str) -> bool {
        self.of(set).added.contains_key(&normalize(code))
    }
}

impl Codebook {
    /// Whether `code` is new in this edition (its addenda add it): the mark that
    /// search results and the detail pane show.
    pub fn is_new(&self, set: CodeSet, code: &str) -> bool {
        self.changes.is_new(set, code)
    }

    /// Whether a complete code is valid for a claim in this edition on `date`
    /// (`None`: any date the edition covers). An ICD-10-CM code must be billable; an
    /// ICD-10-PCS code in the tables, or an update code from its date on.
    pub fn is_valid(&self, set: CodeSet, code: &str, date: Option<chrono::NaiveDate>) -> bool {
        let key = normalize(code);
        match set {
            CodeSet::Icd10cm => self.cm.get(&key).is_some_and(|id| self.cm.node(id).billable),
            CodeSet::Icd10pcs => {
                self.pcs.is_code(&key)
                    || (self.pcs.update_code(&key).is_some()
                        && match (date, self.pcs.update_from) {
                            (Some(d), Some(from)) => d >= from,
                            _ => true,
                        })
            }
            CodeSet::Hcpcs => self.hcpcs.get(&key).is_some_and(|c| date.is_none_or(|d| c.valid_on(d))),
            // The licensee file has no dates: a code it lists is valid.
            CodeSet::Cpt => self.cpt_code(&key).is_some(),
        }
    }
}

/// Why a code is not valid in an edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    /// It is a header here: a code below it is needed (I42.0 in FY2027).
    Header,
    /// The edition's addenda delete it.
    Deleted,
    /// The edition does not have it.
    Unknown,
}

/// A code that is not valid in an edition, with the valid codes that replace it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    pub set: CodeSet,
    /// The code as the edition writes it (with its dot for ICD-10-CM).
    pub code: String,
    pub why: Invalid,
    /// Valid codes to choose from, as the edition writes them, in tabular or code order.
    pub offers: Vec<String>,
}

/// At most this many codes are offered.
const MAX_OFFERS: usize = 25;

/// `None` when `code` is valid in `book` on `date`; otherwise why not and the
/// codes that replace it: the billable codes below a code that became a header
/// (I42.0 -> I42.00, I42.01, I42.09); for a deleted or unknown code, the codes the
/// edition adds under its nearest existing ancestor, else every billable code there.
pub fn replacements(
    book: &Codebook,
    set: CodeSet,
    code: &str,
    date: Option<chrono::NaiveDate>,
) -> Option<Replacement> {
    if book.is_valid(set, code, date) {
        return None;
    }
    let key = normalize(code);
    let deleted = book.changes.of(set).deleted.contains_key(&key);
    match set {
        CodeSet::Icd10cm => {
            let cm = &book.cm;
            if let Some(id) = cm.get(&key) {
                let n = cm.node(id);
                if !matches!(n.kind, CmKind::Chapter | CmKind::Block) {
                    let offers = cm
                        .billable_codes_below(id)
                        .into_iter()
                        .map(|c| cm.node(c).code.clone())
                        .take(MAX_OFFERS);
                    return Some(Replacement {
                        set,
                        code: n.code.clone(),
                        why: Invalid::Header,
                        offers: offers.collect(),
                    });
                }
            }
            let why = if deleted { Invalid::Deleted } else { Invalid::Unknown };
            let display = super::cm_display(&key);
            for len in (3..key.len()).rev() {
                let Some(id) = key.get(..len).and_then(|p| cm.get(p)) else { continue };
                let below = cm.billable_codes_below(id);
                let new: Vec<String> = below
                    .iter()
                    .filter(|c| book.is_new(set, &cm.node(**c).code))
                    .map(|c| cm.node(*c).code.clone())
                    .collect();
                let offers = if new.is_empty() {
                    below.into_iter().map(|c| cm.node(c).code.clone()).collect()
                } else {
                    new
                };
                return Some(Replacement {
                    set,
                    code: display,
                    why,
                    offers: offers.into_iter().take(MAX_OFFERS).collect(),
                });
            }
            Some(Replacement { set, code: display, why, offers: Vec::new() })
        }
        CodeSet::Icd10pcs => {
            let why = if deleted { Invalid::Deleted } else { Invalid::Unknown };
            let added = &book.changes.pcs.added;
            let mut offers = Vec::new();
            for len in (3..key.len().min(7)).rev() {
                let Some(prefix) = key.get(..len) else { continue };
                offers = added.keys().filter(|c| c.starts_with(prefix)).cloned().collect();
                if offers.is_empty() && len >= 4 {
                    offers = book.pcs.codes_with_prefix(prefix).to_vec();
                }
                if !offers.is_empty() {
                    break;
                }
            }
            offers.truncate(MAX_OFFERS);
            Some(Replacement { set, code: key, why, offers })
        }
        // An HCPCS file names no replacements (its cross-references are in `show`), nor does a CPT file.
        CodeSet::Hcpcs | CodeSet::Cpt => {
            let why = if deleted { Invalid::Deleted } else { Invalid::Unknown };
            Some(Replacement { set, code: key, why, offers: Vec::new() })
        }
    }
}

/// A code's title in both editions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retitled {
    pub set: CodeSet,
    pub code: String,
    pub old: String,
    pub new: String,
}

/// A code present in one edition only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub set: CodeSet,
    pub code: String,
    pub title: String,
}

/// The notes of one kind written at one ICD-10-CM code, in both editions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteChange {
    pub code: String,
    pub kind: NoteKind,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// What `medcode codesets diff OLD NEW` lists. ICD-10-CM codes are the billable
/// ones (a code that became a header is deleted, as the addenda count it); notes
/// are compared at every tabular code both editions have.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub added: Vec<Listed>,
    pub deleted: Vec<Listed>,
    pub retitled: Vec<Retitled>,
    pub notes: Vec<NoteChange>,
}

fn cm_billable(book: &Codebook) -> BTreeMap<String, (String, String)> {
    book.cm
        .nodes
        .iter()
        .filter(|n| n.billable)
        .map(|n| (normalize(&n.code), (n.code.clone(), n.title.clone())))
        .collect()
}

fn pcs_codes(book: &Codebook) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = book
        .pcs
        .codes
        .iter()
        .map(|c| (c.clone(), book.pcs.title(c).map(|t| t.text).unwrap_or_default()))
        .collect();
    for (c, t) in &book.pcs.update_codes {
        out.entry(c.clone()).or_insert_with(|| t.clone());
    }
    out
}

/// Compare two loaded editions.
pub fn diff(old: &Codebook, new: &Codebook) -> Diff {
    let mut d = Diff { old: old.edition.name.clone(), new: new.edition.name.clone(), ..Diff::default() };
    let (a, b) = (cm_billable(old), cm_billable(new));
    let set = CodeSet::Icd10cm;
    for (k, (code, title)) in &b {
        match a.get(k) {
            None => d.added.push(Listed { set, code: code.clone(), title: title.clone() }),
            Some((_, t)) if t != title => {
                d.retitled.push(Retitled { set, code: code.clone(), old: t.clone(), new: title.clone() })
            }
            Some(_) => {}
        }
    }
    for (k, (code, title)) in &a {
        if !b.contains_key(k) {
            d.deleted.push(Listed { set, code: code.clone(), title: title.clone() });
        }
    }
    // Notes: at every node both have (chapters and blocks by their key), in the new edition's order.
    for id in new.cm.walk() {
        let key = new.cm.key(id);
        let Some(old_id) = old.cm.by_key.get(&key) else { continue };
        let (on, nn) = (&old.cm.node(*old_id).notes, &new.cm.node(id).notes);
        if on == nn {
            continue;
        }
        for kind in NoteKind::ALL {
            let (before, after) = (on.of(kind), nn.of(kind));
            if before == after {
                continue;
            }
            let bs: BTreeSet<&String> = before.iter().collect();
            let as_: BTreeSet<&String> = after.iter().collect();
            d.notes.push(NoteChange {
                code: new.cm.node(id).code.clone(),
                kind,
                removed: before.iter().filter(|t| !as_.contains(t)).cloned().collect(),
                added: after.iter().filter(|t| !bs.contains(t)).cloned().collect(),
            });
        }
    }
    let (a, b) = (pcs_codes(old), pcs_codes(new));
    let set = CodeSet::Icd10pcs;
    for (code, title) in &b {
        match a.get(code) {
            None => d.added.push(Listed { set, code: code.clone(), title: title.clone() }),
            Some(t) if t != title => {
                d.retitled.push(Retitled { set, code: code.clone(), old: t.clone(), new: title.clone() })
            }
            Some(_) => {}
        }
    }
    for (code, title) in &a {
        if !b.contains_key(code) {
            d.deleted.push(Listed { set, code: code.clone(), title: title.clone() });
        }
    }
    d
}

#[cfg(test)]
mod tests;
