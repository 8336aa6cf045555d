//! Titles for codes CMS gave none (new codes of an edition whose long titles
//! are not shipped): composed from the axis labels the way CMS titles read.

use std::collections::HashMap;

use super::{CharInfo, Pcs};

/// Titles for every code without a CMS title.
pub(super) fn compose_missing(pcs: &Pcs) -> HashMap<String, String> {
    pcs.codes
        .iter()
        .filter(|c| !pcs.titles.contains_key(c.as_str()))
        .map(|c| (c.clone(), by_rule(&pcs.explain(c))))
        .collect()
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
    let mut title = format!("{op} of {}", label(3));
    let mut tail = Vec::new();
    // Device, substance or equipment: "with" for the medical and surgical-like sections.
    let six = label(5);
    if !silent(six) {
        match chars[5].axis.as_str() {
            "Device" => title.push_str(&format!(" with {six}")),
            "Substance" => title = format!("{op} of {six} into {}", label(3)),
            "Device / Substance / Technology" => title.push_str(&format!(" using {six}")),
            "Equipment" => title.push_str(&format!(" using {six}")),
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
