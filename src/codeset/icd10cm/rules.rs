//! The ICD-10-CM coding rules read from the tabular: whether a code can be
//! reported as it is (billable, a header, or one that needs a 7th character)
//! and what a code reference written in a note means. `medcode table`, the
//! record edits and the detail pane all ask here, so they cannot disagree.

use std::ops::Range;

use serde::Serialize;

use super::{CmKind, NodeId, Tabular};
use crate::codeset::{cm_display, normalize};

/// A billable code offered in place of one that cannot be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub code: String,
    pub title: String,
}

impl Offer {
    /// The code `id` of `tab`, offered.
    pub fn of(tab: &Tabular, id: NodeId) -> Offer {
        let node = tab.node(id);
        Offer { code: node.code.clone(), title: node.title.clone() }
    }
}

/// Whether a code of the tabular can be reported as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reportable {
    /// A billable code.
    Billable,
    /// A chapter or a block: a heading of the tabular, not a code.
    Heading,
    /// A code that needs its 7th character: what it becomes with each one the
    /// rules in force allow (the extension codes of the tabular, or, when the
    /// tabular does not spell them out, the placeholder-padded code with each
    /// 7th character of the `sevenChrDef` in force).
    NeedsSeventh(Vec<Offer>),
    /// A category or subcategory with billable codes below it.
    Header,
}

/// Whether `id` can be reported, by the one rule: billable codes are; chapters
/// and blocks are headings; a code with 7th-character extensions below it (or
/// of kind code without being billable, or with no billable code below but a
/// `sevenChrDef` in force) needs a 7th character; anything else is a header.
pub fn reportable(tab: &Tabular, id: NodeId) -> Reportable {
    let node = tab.node(id);
    if node.billable {
        return Reportable::Billable;
    }
    if matches!(node.kind, CmKind::Chapter | CmKind::Block) {
        return Reportable::Heading;
    }
    let has_extensions = node.children.iter().any(|c| tab.node(*c).kind == CmKind::Extension);
    let below = tab.billable_codes_below(id);
    if has_extensions || node.kind == CmKind::Code {
        return Reportable::NeedsSeventh(below.into_iter().map(|b| Offer::of(tab, b)).collect());
    }
    if below.is_empty()
        && let Some(origin) = tab.seventh_origin(id)
    {
        let padded = format!("{:X<6}", normalize(&node.code));
        let built = tab
            .node(origin)
            .notes
            .seventh_chars
            .iter()
            .map(|s| Offer {
                code: cm_display(&format!("{padded}{}", s.ch)),
                title: format!("{}, {}", node.title, s.title),
            })
            .collect();
        return Reportable::NeedsSeventh(built);
    }
    Reportable::Header
}

/// A node of the tabular named in words, for where a note or rule comes
/// from: `Chapter 4`, `block E08-E13`, `category E11`, `E11.22`.
pub fn origin_name(tab: &Tabular, id: NodeId) -> String {
    let node = tab.node(id);
    match node.kind {
        CmKind::Chapter => format!("Chapter {}", node.code),
        CmKind::Block => format!("block {}", node.code),
        CmKind::Category => format!("category {}", node.code),
        _ => node.code.clone(),
    }
}

/// Whether a note's text asks for its codes only when they apply (`Use
/// additional code ... if applicable`, `Code first, if applicable, ...`):
/// such a note is a reminder, not a rule a record can fail.
pub fn if_applicable(text: &str) -> bool {
    text.to_ascii_lowercase().contains("if applicable")
}

/// A code, a `.-` wildcard or a range named in a note, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteRef {
    /// A code and everything below it (`E10.-`, `Z79.4`).
    Prefix(String),
    /// `N18.1-N18.6`, `C00-C96`: inclusive, compared on each end's length.
    Range(String, String),
}

impl NoteRef {
    /// Whether a normalized code falls under this reference.
    pub fn matches(&self, key: &str) -> bool {
        match self {
            NoteRef::Prefix(p) => key.starts_with(p.as_str()),
            NoteRef::Range(from, to) => {
                let head = |n: usize| &key[..key.len().min(n)];
                key.len() >= from.len().min(to.len())
                    && head(from.len()) >= from.as_str()
                    && head(to.len()) <= to.as_str()
            }
        }
    }

    pub fn display(&self) -> String {
        match self {
            NoteRef::Prefix(p) => format!("{}.-", cm_display(p)),
            NoteRef::Range(a, b) => format!("{}-{}", cm_display(a), cm_display(b)),
        }
    }

    /// The node of `tab` a reference written as `written` leads to: the range
    /// or code itself, else the nearest shorter code that exists.
    pub fn target(&self, written: &str, tab: &Tabular) -> Option<NodeId> {
        let first = match self {
            NoteRef::Prefix(p) | NoteRef::Range(p, _) => p,
        };
        tab.get(written)
            .or_else(|| tab.get(first))
            .or_else(|| (3..first.len()).rev().find_map(|n| tab.get(&first[..n])))
    }
}

/// Every code reference written in a note (`E10.-`, `N18.1-N18.6`, `Z79.4`,
/// `E08-E13`), with its byte range in `text`. A reference starts at a word
/// boundary: a letter, a digit, a digit or letter, then optionally `.` and up
/// to five more (or a `-` wildcard); two joined by `-` are one range.
pub fn note_refs(text: &str) -> Vec<(Range<usize>, NoteRef)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let Some(first_end) = code_at(b, i).filter(|_| boundary) else {
            i += 1;
            continue;
        };
        let mut end = first_end;
        let mut second = None;
        if end + 1 < b.len()
            && b[end] == b'-'
            && let Some(e2) = code_at(b, end + 1)
        {
            second = Some(end + 1..e2);
            end = e2;
        }
        if end < b.len() && b[end].is_ascii_alphanumeric() {
            i = end;
            continue;
        }
        let key = |r: Range<usize>| normalize(text[r].trim_end_matches(['-', '.']));
        let reference = match second {
            Some(r) => NoteRef::Range(key(i..first_end), key(r)),
            None => NoteRef::Prefix(key(i..first_end)),
        };
        out.push((i..end, reference));
        i = end;
    }
    out
}

/// The code references of a note that stand inside its parentheses, where the
/// tabular names the codes a note is about (`(E10.-)`, `(E08.22, E09.22)`).
pub fn parenthesized_refs(text: &str) -> Vec<NoteRef> {
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find('(') {
        let start = at + open + 1;
        let end = text[start..].find(')').map_or(text.len(), |c| start + c);
        spans.push(start..end);
        at = end;
    }
    note_refs(text)
        .into_iter()
        .filter(|(r, _)| spans.iter().any(|s| s.contains(&r.start)))
        .map(|(_, reference)| reference)
        .collect()
}

/// The end of the code written at `i`, if one is.
fn code_at(b: &[u8], i: usize) -> Option<usize> {
    let is_code_char = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    if i + 3 > b.len() || !b[i].is_ascii_uppercase() || !b[i + 1].is_ascii_digit() || !is_code_char(b[i + 2])
    {
        return None;
    }
    let mut j = i + 3;
    if j < b.len() && b[j] == b'.' && j + 1 < b.len() && (is_code_char(b[j + 1]) || b[j + 1] == b'-') {
        j += 1;
        while j < b.len() && (is_code_char(b[j]) || b[j] == b'-') && j - i < 9 {
            if b[j] == b'-' {
                // `N18.1-N18.6` is a range: leave its dash to the caller.
                let range = j + 2 < b.len() && b[j + 1].is_ascii_uppercase() && b[j + 2].is_ascii_digit();
                if !range {
                    j += 1;
                }
                break;
            }
            j += 1;
        }
    }
    Some(j)
}

/// The patient a code is being chosen for, as far as the code rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patient {
    /// In completed years (0: under a year old).
    pub age: u8,
    /// None when unknown.
    pub female: Option<bool>,
}

/// Why a code cannot apply to a patient: a short tag for a result row and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfit {
    /// `newborn code`, `pregnancy code`, `female code`, `male code`, `inpatient code`.
    pub tag: &'static str,
    /// `newborn code, patient is 79`.
    pub reason: String,
}

/// Why a code cannot apply to `p`, when the tabular says so; None when it can.
/// The age and sex rules come from the tabular itself, not the CMS Medicare
/// Code Editor lists (not available offline): chapter 16 (P00-P96, perinatal)
/// is for the newborn, so not for a patient a year old or older; chapter 15
/// (O00-O9A) is for pregnancy, so not for a male patient or one outside 12-55;
/// a code whose own title or an ancestor's names one sex (`female breast`,
/// `Diseases of male genital organs`) is not for the other, and outside chapter
/// 16 a title about pregnancy (`Z3A.32 32 weeks gestation of pregnancy`) is not
/// for a male patient.
pub fn cannot_apply(tab: &Tabular, id: NodeId, p: Patient) -> Option<Unfit> {
    let unfit = |tag: &'static str, why: String| Some(Unfit { tag, reason: format!("{tag}, {why}") });
    let chapter = tab.node(tab.chapter_of(id)).code.trim().to_string();
    if chapter == "16" && p.age >= 1 {
        return unfit("newborn code", format!("patient is {}", p.age));
    }
    if chapter == "15" {
        if p.female == Some(false) {
            return unfit("pregnancy code", "patient is male".to_string());
        }
        if !(12..=55).contains(&p.age) {
            return unfit("pregnancy code", format!("patient is {}", p.age));
        }
    }
    // Outside the perinatal chapter, whose titles name the mother (`Newborn affected by maternal
    // complications of pregnancy`), a title about pregnancy (`Z3A.32 32 weeks gestation of
    // pregnancy`) is for females.
    let sex = std::iter::once(id).chain(tab.ancestors(id)).find_map(|n| {
        let title = &tab.node(n).title;
        sex_of_title(title).or_else(|| (chapter != "16" && names_pregnancy(title)).then_some(true))
    })?;
    match (sex, p.female) {
        (true, Some(false)) => unfit("female code", "patient is male".to_string()),
        (false, Some(true)) => unfit("male code", "patient is female".to_string()),
        _ => None,
    }
}

fn names_pregnancy(title: &str) -> bool {
    title
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| ["pregnancy", "pregnant", "gestation"].contains(&w.to_lowercase().as_str()))
}

/// Some(true) for a title naming females only, Some(false) males only.
fn sex_of_title(title: &str) -> Option<bool> {
    let words: Vec<String> = title.split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase).collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    match (has("female") || has("females"), has("male") || has("males")) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_code_references() {
        let r = parenthesized_refs("type 1 diabetes mellitus (E10.-)");
        assert_eq!(r, [NoteRef::Prefix("E10".into())]);
        let r = parenthesized_refs(
            "Use additional code to identify stage of chronic kidney disease (N18.1-N18.6)",
        );
        assert_eq!(r, [NoteRef::Range("N181".into(), "N186".into())]);
        assert!(
            r[0].matches("N1831") && r[0].matches("N186") && !r[0].matches("N189") && !r[0].matches("N18")
        );
        let r = parenthesized_refs("diabetes with kidney complications (E08.22, E09.22) and insulin (Z79.4)");
        assert_eq!(r.len(), 3);
        assert!(parenthesized_refs("(C00-C96)")[0].matches("C50911"));
        assert!(!parenthesized_refs("(C00-C96)")[0].matches("D050"));
        assert!(parenthesized_refs("no codes (see text)").is_empty());
        assert!(parenthesized_refs("block E08-E13 outside").is_empty());
        assert_eq!(parenthesized_refs("(E08-E13)")[0].display(), "E08-E13");
    }
}
