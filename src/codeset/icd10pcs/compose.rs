//! Titles for codes CMS gave none (new codes of an edition whose long titles
//! are not shipped), composed the way CMS titles read.
//!
//! CMS titles are hand-written per root operation ("Bypass Left Kidney Pelvis
//! to Right Ureter", "Removal of Monitoring Device from Liver"), so no single
//! rule reproduces them. Instead a titled sibling code is taken as a template:
//! its labels are found in its title and replaced by the new code's labels.
//! Only when no sibling fits is a title built from the labels by rule.

use std::collections::HashMap;

use super::{CharInfo, Pcs};

/// Above this many untitled codes, titles are composed when asked for, not ahead.
const COMPOSE_AHEAD_MAX: usize = 5_000;

/// Titles for every code without a CMS title, when they are few (the usual
/// case: a new edition's codes); an edition loaded without titles composes
/// each title when it is asked for instead.
pub(super) fn compose_missing(pcs: &Pcs) -> HashMap<String, String> {
    if pcs.codes.len().saturating_sub(pcs.titles.len()) > COMPOSE_AHEAD_MAX {
        return HashMap::new();
    }
    pcs.codes
        .iter()
        .filter(|c| !pcs.titles.contains_key(c.as_str()))
        .map(|c| (c.clone(), compose(pcs, c, false)))
        .collect()
}

/// A composed title for a complete code. `skip_self` leaves the code's own
/// CMS title out of the templates (to measure how well composition does).
pub(super) fn compose(pcs: &Pcs, code: &str, skip_self: bool) -> String {
    let target = pcs.labels(code);
    if target.len() != 7 {
        return by_rule(&target);
    }
    by_template(pcs, code, &target, skip_self).unwrap_or_else(|| by_rule(&target))
}

/// How many tries at a template before falling back to the rule.
const MAX_TRIES: usize = 64;

fn by_template(pcs: &Pcs, code: &str, target: &[CharInfo], skip_self: bool) -> Option<String> {
    let cb = code.as_bytes();
    let shared = |c: &str| c.bytes().zip(cb).filter(|(a, b)| a == *b).count();
    // Siblings in the same table first; then codes of tables with the same
    // section and root operation (new tables of the New Technology section).
    let table_codes = pcs.codes_with_prefix(&code[..3]);
    let mut candidates: Vec<&String> = table_codes
        .iter()
        .filter(|c| pcs.titles.contains_key(c.as_str()) && !(skip_self && *c == code))
        .collect();
    if candidates.is_empty() {
        let section = &code[..1];
        for t in pcs.tables.iter().filter(|t| t.section().to_string() == section) {
            let p = t.prefix();
            if p.as_bytes().get(2) == cb.get(2) && p != code[..3] {
                candidates
                    .extend(pcs.codes_with_prefix(&p).iter().filter(|c| pcs.titles.contains_key(c.as_str())));
            }
        }
    }
    // `Z` is the silent value (`No Device`, `No Qualifier`): a sibling whose
    // title leaves out what the code has (or the reverse) cannot serve.
    candidates.retain(|c| c.bytes().zip(cb).skip(3).all(|(a, b)| a == *b || (a == b'Z') == (*b == b'Z')));
    candidates.sort_by_key(|c| std::cmp::Reverse(shared(c)));
    let mut fallback = None;
    for sibling in candidates.into_iter().take(MAX_TRIES) {
        let Some(title) = pcs.titles.get(sibling.as_str()) else { continue };
        let source = pcs.labels(sibling);
        if source.len() != 7 {
            continue;
        }
        match fill(title, &source, target) {
            Some((t, true)) => return Some(t),
            Some((t, false)) => {
                fallback.get_or_insert(t);
            }
            None => {}
        }
    }
    fallback
}

/// A label as CMS titles often write it: `Humeral Shaft, Right` -> `Right Humeral Shaft`.
fn swapped(label: &str) -> Option<String> {
    let (a, b) = label.rsplit_once(", ")?;
    Some(format!("{b} {a}"))
}

/// Where `needle` occurs in `hay` as whole words.
fn find_words(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle).map(|i| i + from) {
        let end = i + needle.len();
        let before = hay[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = hay[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return Some(i);
        }
        from = i + needle.len().max(1);
        if from >= hay.len() {
            break;
        }
    }
    None
}

/// Rewrite `title` (of the code `source` explains) for the code `target`
/// explains: each differing label is found in the title and replaced. None
/// when a differing label cannot be found or one side is `No Device`-like.
/// The flag says whether the sibling showed how CMS words the new labels:
/// a sibling label without a comma cannot say whether `Pulmonary Artery,
/// Right` reads `Right Pulmonary Artery`.
fn fill(title: &str, source: &[CharInfo], target: &[CharInfo]) -> Option<(String, bool)> {
    let mut certain = true;
    // (start, end, replacement) spans in `title`.
    let mut spans: Vec<(usize, usize, String)> = Vec::new();
    // Longest labels first, so `Intraluminal Device, Drug-eluting` wins over `Intraluminal Device`.
    let mut order: Vec<usize> = (2..7).collect();
    order.sort_by_key(|i| std::cmp::Reverse(source[*i].label.len()));
    for i in order {
        let (s, t) = (&source[i], &target[i]);
        // Compare labels, not characters: a sibling may come from another table.
        if s.label == t.label {
            continue;
        }
        if silent(&s.label) || silent(&t.label) || s.label.contains(" / ") || t.label.contains(" / ") {
            return None;
        }
        let free = |at: usize, len: usize| spans.iter().all(|(a, b, _)| at + len <= *a || at >= *b);
        let verbatim = find_words(title, &s.label).filter(|at| free(*at, s.label.len()));
        let (at, len, text) = match verbatim {
            Some(at) => (at, s.label.len(), t.label.clone()),
            None => {
                let sw = swapped(&s.label)?;
                let at = find_words(title, &sw).filter(|at| free(*at, sw.len()))?;
                (at, sw.len(), swapped(&t.label).unwrap_or_else(|| t.label.clone()))
            }
        };
        certain &= s.label.contains(", ") || !t.label.contains(", ");
        spans.push((at, at + len, text));
    }
    // Body system (position 2) rarely shows in titles; a differing one that does is not handled.
    if source[1].label != target[1].label && find_words(title, &source[1].label).is_some() {
        return None;
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(title.len() + 16);
    let mut at = 0;
    for (a, b, text) in spans {
        out.push_str(&title[at..a]);
        out.push_str(&text);
        at = b;
    }
    out.push_str(&title[at..]);
    Some((out, certain))
}

/// Whether a label is one CMS titles leave out (`No Device`, `No Qualifier`, `None`).
fn silent(label: &str) -> bool {
    label.starts_with("No ") || label == "None"
}

/// Approaches CMS writes with the word "Approach" after them.
fn approach(label: &str) -> String {
    match label {
        "Open" | "Percutaneous" | "Percutaneous Endoscopic" | "External" => format!("{label} Approach"),
        _ => label.to_string(),
    }
}

/// A title from the labels alone: `Resection of Appendix, Percutaneous Endoscopic Approach`.
pub(super) fn by_rule(chars: &[CharInfo]) -> String {
    if chars.len() < 7 {
        return chars.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join(", ");
    }
    let label = |i: usize| chars[i].label.as_str();
    let op = label(2);
    // CMS puts the side first: `Brachial Vein, Right` reads `Right Brachial Vein`.
    let part = match label(3).rsplit_once(", ") {
        Some((what, side @ ("Right" | "Left" | "Bilateral"))) => format!("{side} {what}"),
        _ => label(3).to_string(),
    };
    let six = label(5);
    let device =
        !silent(six) && matches!(chars[5].axis.as_str(), "Device" | "Device / Substance / Technology");
    // How CMS titles word the root operations that place, take out or look at a device.
    let mut title = match op {
        "Insertion" if device => format!("Insertion of {six} into {part}"),
        "Removal" if device => format!("Removal of {six} from {part}"),
        "Revision" if device => format!("Revision of {six} in {part}"),
        "Change" if device => format!("Change {six} in {part}"),
        "Extirpation" => format!("Extirpation of Matter from {part}"),
        "Bypass" | "Release" | "Repair" | "Reposition" | "Supplement" | "Transfer" => format!("{op} {part}"),
        _ => format!("{op} of {part}"),
    };
    let placed = device && matches!(op, "Insertion" | "Removal" | "Revision" | "Change");
    let mut tail = Vec::new();
    if !silent(six) && !placed {
        match chars[5].axis.as_str() {
            "Device" => title.push_str(&format!(" with {six}")),
            "Substance" => title = format!("{op} of {six} into {part}"),
            "Device / Substance / Technology" | "Equipment" => title.push_str(&format!(" using {six}")),
            _ => tail.push(six.to_string()),
        }
    }
    let seven = label(6);
    let new_tech = seven.starts_with("New Technology Group");
    if !silent(seven) && !new_tech {
        tail.push(seven.to_string());
    }
    let five = label(4);
    if !silent(five) {
        if chars[4].axis == "Approach" { tail.push(approach(five)) } else { tail.insert(0, five.to_string()) }
    }
    if new_tech {
        tail.push(seven.to_string());
    }
    for t in tail {
        title.push_str(", ");
        title.push_str(&t);
    }
    title
}
