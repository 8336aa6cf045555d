//! The books as search documents: each row of the Table of Drugs and the
//! Table of Neoplasms (term path + column), each entry of the Index to
//! External Causes and of the Alphabetic Index that gives a code, as a
//! document of its own that points at the code. A row competes in the
//! rerank on its own words (`acetaminophen poisoning accidental`), and the
//! hit it gives says where it was found.

use std::collections::HashSet;

use super::build::{CodeDoc, cm_key};
use crate::codeset::icd10cm::Tabular;
use crate::codeset::icd10cm::books::{BookKind, IndexBook, Term};
use crate::codeset::icd10cm::rules::{Reportable, reportable};
use crate::codeset::{CodeSet, Codebook, normalize};

/// The kind of a book row document.
pub const KIND: &str = "book";

/// How a book is named in front of a row's path.
pub fn label(kind: BookKind) -> &'static str {
    match kind {
        BookKind::Drug => "Drug table",
        BookKind::Neoplasm => "Neoplasm table",
        BookKind::External => "External cause index",
        BookKind::Diseases => "Alphabetic Index",
    }
}

/// The identity of a book row, for leaving rows out of an evaluation index:
/// the code as the book prints it (dots and a trailing `-` ignored) and the
/// words of the path's titles (nonessential modifiers left out), lower case.
pub fn row_key(code: &str, titles: &[&str]) -> String {
    let words: Vec<String> = titles
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{}|{}", normalize(code.trim().trim_end_matches('-')), words.join(" "))
}

/// A column heading as a coder says it: lower case, the parenthesis left out
/// (`Poisoning Accidental (unintentional)` -> `poisoning accidental`).
fn heading_words(h: &str) -> String {
    let plain = h.split('(').next().unwrap_or(h);
    plain.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Every book row of the codebook that gives a code of its tabular, except
/// the rows whose [`row_key`] is in `leave_out`.
pub fn documents(book: &Codebook, leave_out: &HashSet<String>) -> Vec<CodeDoc> {
    let mut out = Vec::new();
    for b in [&book.drugs, &book.neoplasms, &book.external, &book.diseases].into_iter().flatten() {
        let mut path = Vec::new();
        for t in &b.terms {
            walk(b, &book.cm, t, &mut path, leave_out, &mut out);
        }
    }
    out
}

fn walk<'a>(
    b: &IndexBook,
    cm: &Tabular,
    t: &'a Term,
    path: &mut Vec<&'a Term>,
    leave_out: &HashSet<String>,
    out: &mut Vec<CodeDoc>,
) {
    path.push(t);
    let titles: Vec<&str> = path.iter().map(|t| t.title.as_str()).collect();
    let nemods: Vec<String> = path.iter().filter_map(|t| t.nemod.clone()).collect();
    // The table's own main term is in its name: leave it out of what is shown.
    let shown_from = usize::from(b.kind == BookKind::Neoplasm && path.len() > 1);
    let shown = path[shown_from..].iter().map(|t| t.display()).collect::<Vec<_>>().join(" > ");
    let mut add = |code: &str, heading: Option<String>| {
        if leave_out.contains(&row_key(code, &titles)) {
            return;
        }
        if let Some(doc) = row(cm, code, &titles, &nemods, &shown, heading, b.kind) {
            out.push(doc);
        }
    };
    if let Some(code) = &t.code {
        add(code, None);
    }
    for (i, cell) in t.cells.iter().enumerate() {
        if let Some(code) = cell {
            add(code, Some(heading_words(&b.column(i))));
        }
    }
    for sub in &t.terms {
        walk(b, cm, sub, path, leave_out, out);
    }
    path.pop();
}

/// The document of one row, None when the code is not in the tabular (the
/// 2025 books name a few codes later editions deleted; `medcode table` says so).
fn row(
    cm: &Tabular,
    code: &str,
    titles: &[&str],
    nemods: &[String],
    shown: &str,
    heading: Option<String>,
    kind: BookKind,
) -> Option<CodeDoc> {
    let key = normalize(code.trim().trim_end_matches('-'));
    let mut id = cm.get(&key)?;
    // A code the table gives without its 7th character (`T39.1X1`) is found as
    // its initial encounter, as a coder completes it unless told otherwise; the
    // other 7th characters are its siblings in the results and the tree.
    if let Reportable::NeedsSeventh(offers) = reportable(cm, id)
        && let Some(initial) = offers.iter().find(|o| o.code.ends_with('A')).and_then(|o| cm.get(&o.code))
    {
        id = initial;
    }
    let node = cm.node(id);
    let mut words = titles.join(" ");
    let mut via = format!("{}: {shown}", label(kind));
    if let Some(h) = &heading {
        words.push(' ');
        words.push_str(h);
        via.push_str(" > ");
        via.push_str(h);
    }
    let mut ancestors: Vec<String> =
        cm.ancestors(id).iter().map(|a| cm_key(cm.node(*a).kind, &cm.node(*a).code)).collect();
    ancestors.reverse();
    Some(CodeDoc {
        key: cm_key(node.kind, &node.code),
        code: node.code.clone(),
        set: Some(CodeSet::Icd10cm),
        kind: KIND,
        billable: node.billable,
        title: words,
        // Nonessential modifiers find the row but are not asked of the query.
        incl: nemods.to_vec(),
        extra: Vec::new(),
        ancestors,
        prefixes: false,
        via,
        target_title: node.title.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_key_ignores_dots_dashes_case_and_punctuation() {
        assert_eq!(row_key("T39.1X1", &["Acetaminophen"]), "T391X1|acetaminophen");
        assert_eq!(
            row_key("C79.8-", &["Neoplasm, neoplastic", "brain NEC"]),
            "C798|neoplasm neoplastic brain nec"
        );
    }

    #[test]
    fn headings_are_said_as_coders_say_them() {
        assert_eq!(heading_words("Poisoning Accidental (unintentional)"), "poisoning accidental");
        assert_eq!(heading_words("Adverse effect"), "adverse effect");
    }
}
