//! The hierarchy browser's state: which nodes are open, which is selected.

use std::collections::HashSet;

use crate::codeset::{NodeId, Tabular};

#[derive(Debug, Clone, Default)]
pub struct TreeState {
    pub expanded: HashSet<NodeId>,
    pub sel: Option<NodeId>,
    /// Text typed to jump to a code or title, while jumping.
    pub typeahead: Option<String>,
}

impl TreeState {
    /// The visible rows, in order, with their depth.
    pub fn rows(&self, cm: &Tabular) -> Vec<(NodeId, u16)> {
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, u16)> = cm.chapters.iter().rev().map(|c| (*c, 0)).collect();
        while let Some((id, depth)) = stack.pop() {
            out.push((id, depth));
            if self.expanded.contains(&id) {
                stack.extend(cm.node(id).children.iter().rev().map(|c| (*c, depth + 1)));
            }
        }
        out
    }

    /// Open every ancestor of `id` and select it.
    pub fn reveal(&mut self, cm: &Tabular, id: NodeId) {
        self.expanded.extend(cm.ancestors(id));
        self.sel = Some(id);
    }
}

/// Where type-ahead text leads: a code (`e11.2`, or the longest prefix of it that
/// exists), else the next node after `from` whose title contains the words.
pub fn find(cm: &Tabular, text: &str, from: Option<NodeId>) -> Option<NodeId> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let key = crate::codeset::normalize(text);
    let looks_like_code = key.len() <= 8
        && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
    if looks_like_code {
        for end in (3..=key.len()).rev() {
            if let Some(id) = key.get(..end).and_then(|k| cm.get(k)) {
                return Some(id);
            }
        }
    }
    let needle = text.to_lowercase();
    let start = from.map_or(0, |f| f as usize);
    let n = cm.nodes.len();
    (0..n)
        .map(|i| (start + i) % n)
        .find(|i| cm.nodes[*i].title.to_lowercase().contains(&needle))
        .map(|i| i as NodeId)
}
