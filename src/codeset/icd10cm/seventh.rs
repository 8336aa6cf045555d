//! 7th characters: reading the restriction notes and making the extension codes.
//!
//! The tabular says which 7th characters apply with `sevenChrDef` (inherited by
//! every code below it, the nearest definition winning) and states exceptions
//! only in prose. The one exception in the April 2026 edition is a `<notes>`
//! entry at S06: "7th characters D and S do not apply to codes in category S06
//! with 6th character 7 - death due to brain injury ..., or 8 - death due to
//! other cause ...". [`restriction`] reads notes of that shape, so the rule comes
//! from the file rather than from a constant here; the billable count (74,719)
//! pins that it was read.

use super::{CmKind, CmNode, NodeId, Notes, SeventhRestriction, Tabular};

/// Read a note of the form "7th character(s) X [and Y] do(es) not apply to codes
/// in category CCC with 6th character N [- meaning][, or M - meaning]".
pub(super) fn restriction(text: &str, origin: NodeId) -> Option<SeventhRestriction> {
    let lower = text.to_ascii_lowercase();
    let rest = lower.strip_prefix("7th character")?;
    let not_apply = rest.find("not apply to codes in category ")?;
    let with6 = rest.find("with 6th character")?;
    if with6 < not_apply {
        return None;
    }
    // Same byte offsets in `text`: the lowercasing kept every byte in place.
    let offset = text.len() - rest.len();
    let chars: Vec<char> = text[offset..offset + not_apply]
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter_map(single_char)
        .collect();
    let after_cat = &text[offset + not_apply + "not apply to codes in category ".len()..];
    let category: String = after_cat.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let sixth: Vec<char> = text[offset + with6 + "with 6th character".len()..]
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let part = part.strip_prefix("or ").or_else(|| part.strip_prefix("and ")).unwrap_or(part);
            part.split_whitespace().next().and_then(single_char)
        })
        .collect();
    if chars.is_empty() || sixth.is_empty() || category.len() != 3 {
        return None;
    }
    Some(SeventhRestriction { category: category.to_ascii_uppercase(), chars, sixth, origin })
}

/// A token that is one code character (`D`, `7`); `and`/`or`/`s` are words.
fn single_char(token: &str) -> Option<char> {
    let mut it = token.chars();
    let c = it.next()?;
    (it.next().is_none() && (c.is_ascii_uppercase() || c.is_ascii_digit())).then_some(c)
}

impl SeventhRestriction {
    /// Whether this rule keeps 7th character `ch` off the code `key` (6 characters, padded).
    pub fn forbids(&self, key: &str, ch: char) -> bool {
        key.starts_with(&self.category)
            && self.chars.contains(&ch)
            && key.chars().nth(5).is_some_and(|sixth| self.sixth.contains(&sixth))
    }
}

/// The key of a leaf padded with the placeholder `X` to six characters (`T360` -> `T360XX`).
pub(super) fn padded(key: &str) -> String {
    let mut out = key.to_string();
    while out.len() < 6 {
        out.push('X');
    }
    out
}

/// Give every leaf code under a `sevenChrDef` its extension codes. An error names
/// the node at fault: a seven-character code in scope, or an extension that
/// collides with a code already in the file.
pub(super) fn expand(tab: &mut Tabular) -> Result<(), (NodeId, String)> {
    // Nodes are in document order, parents before children, so one pass
    // finds the definition in force at each node.
    let count = tab.nodes.len();
    let mut scope: Vec<Option<NodeId>> = vec![None; count];
    let mut leaves = Vec::new();
    for i in 0..count {
        let node = &tab.nodes[i];
        let inherited = node.parent.and_then(|p| scope[p as usize]);
        scope[i] = if node.notes.seventh_chars.is_empty() { inherited } else { Some(i as NodeId) };
        if let Some(def) = scope[i]
            && node.children.is_empty()
            && matches!(node.kind, CmKind::Category | CmKind::Code)
        {
            leaves.push((i as NodeId, def));
        }
    }
    for (leaf, def) in leaves {
        let key: String = tab.nodes[leaf as usize].code.chars().filter(|c| *c != '.').collect();
        if key.len() >= 7 {
            let def_code = &tab.nodes[def as usize].code;
            return Err((
                leaf,
                format!("{key} has seven characters but the 7th characters of {def_code} apply to it"),
            ));
        }
        let base = padded(&key);
        let title = tab.nodes[leaf as usize].title.clone();
        for k in 0..tab.nodes[def as usize].notes.seventh_chars.len() {
            let sc = &tab.nodes[def as usize].notes.seventh_chars[k];
            if tab.restrictions.iter().any(|r| r.forbids(&base, sc.ch)) {
                continue;
            }
            let (ch, ext_title, terms) = (sc.ch, format!("{title}, {}", sc.title), sc.terms.clone());
            let ext_key = format!("{base}{ch}");
            if tab.by_key.contains_key(&ext_key) {
                return Err((leaf, format!("7th character {ch} makes {ext_key}, which already exists")));
            }
            let id = tab.nodes.len() as NodeId;
            tab.nodes.push(CmNode {
                code: super::super::cm_display(&ext_key),
                kind: CmKind::Extension,
                title: ext_title,
                parent: Some(leaf),
                children: Vec::new(),
                billable: true,
                notes: Notes { inclusion_terms: terms, ..Notes::default() },
            });
            tab.nodes[leaf as usize].children.push(id);
            tab.by_key.insert(ext_key, id);
        }
        tab.nodes[leaf as usize].billable = false;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s06_note_reads_as_a_restriction() {
        let text = "7th characters D and S do not apply to codes in category S06 with 6th character 7 - death \
                    due to brain injury prior to regaining consciousness, or 8 - death due to other cause prior \
                    to regaining consciousness.";
        let r = restriction(text, 4).expect("a restriction");
        assert_eq!(r.category, "S06");
        assert_eq!(r.chars, vec!['D', 'S']);
        assert_eq!(r.sixth, vec!['7', '8']);
        assert_eq!(r.origin, 4);
        assert!(r.forbids("S061X7", 'D'));
        assert!(r.forbids("S06308", 'S'));
        assert!(!r.forbids("S061X7", 'A'));
        assert!(!r.forbids("S061X1", 'D'));
        assert!(!r.forbids("S071X7", 'D'));
    }

    #[test]
    fn other_notes_are_not_restrictions() {
        for text in [
            "The appropriate 7th character is to be added to each code from category S06",
            "7th characters D and S apply to everything",
            "open fracture of vertebra (S12.- with 7th character B)",
            "",
        ] {
            assert_eq!(restriction(text, 0), None, "{text}");
        }
    }

    #[test]
    fn short_keys_are_padded_with_placeholder_x() {
        assert_eq!(padded("T07"), "T07XXX");
        assert_eq!(padded("T360"), "T360XX");
        assert_eq!(padded("S52521"), "S52521");
    }
}
