//! The hierarchy browser's state: which nodes are open, which is selected.

use std::collections::HashSet;

use super::Effect;
use crate::codeset::{NodeId, Tabular};
use crate::keymap::Key;

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

impl super::App {
    pub(super) fn typeahead_key(&mut self, key: Key) -> Vec<Effect> {
        use crate::keymap::KeyCodeOrd as K;
        let Some(text) = self.tree.typeahead.as_mut() else { return Vec::new() };
        match (key.code, key.text()) {
            (K::Esc | K::Enter, _) => self.tree.typeahead = None,
            (K::Backspace, _) => {
                text.pop();
            }
            (_, Some(c)) => text.push(c),
            _ if key.ctrl && key.code == K::Char('c') => return self.quit(),
            _ => {}
        }
        if let Some(text) = self.tree.typeahead.clone()
            && let Some(id) = find(&self.book.cm, &text, self.tree.sel)
        {
            self.tree.reveal(&self.book.cm, id);
            self.preview_tree();
        }
        Vec::new()
    }

    pub(super) fn tree_collapse(&mut self) {
        let Some(sel) = self.tree.sel else { return };
        if !self.tree.expanded.remove(&sel) {
            self.tree_parent();
        }
    }

    pub(super) fn tree_expand(&mut self) {
        let Some(sel) = self.tree.sel else { return };
        let node = self.book.cm.node(sel);
        if node.children.is_empty() {
            return;
        }
        if !self.tree.expanded.insert(sel) {
            self.tree.sel = node.children.first().copied();
            self.preview_tree();
        }
    }

    pub(super) fn tree_parent(&mut self) {
        if let Some(p) = self.tree.sel.and_then(|s| self.book.cm.node(s).parent) {
            self.tree.sel = Some(p);
            self.preview_tree();
        }
    }

    pub(super) fn tree_sibling(&mut self, delta: i64) {
        let Some(sel) = self.tree.sel else { return };
        let cm = &self.book.cm;
        let siblings: &[NodeId] = match cm.node(sel).parent {
            Some(p) => &cm.node(p).children,
            None => &cm.chapters,
        };
        if let Some(i) = siblings.iter().position(|s| *s == sel) {
            let j = (i as i64 + delta).clamp(0, siblings.len() as i64 - 1) as usize;
            self.tree.sel = Some(siblings[j]);
            self.preview_tree();
        }
    }
}
