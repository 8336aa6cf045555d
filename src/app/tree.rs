//! The hierarchy browser's state: which nodes are open, which is selected.
//! Its roots are the ICD-10-CM chapters, then the HCPCS Level II sections and
//! modifiers, then the CPT sections when the user's licensed file is imported.

use std::collections::HashSet;

use super::{Effect, Target};
use crate::codeset::cpt::{self, Section as CptSection};
use crate::codeset::hcpcs::{SECTIONS, section_of};
use crate::codeset::{CodeSet, Codebook, NodeId};
use crate::keymap::Key;

/// One row of the tree. HCPCS and CPT codes are named by their position in
/// the book's lists, so a node stays `Copy` like a `NodeId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreeNode {
    Cm(NodeId),
    /// An HCPCS Level II section by its letter.
    HcpcsSection(char),
    /// An index into `Hcpcs::codes`.
    Hcpcs(u32),
    /// The root over the HCPCS modifiers.
    HcpcsModifiers,
    /// An index into `Hcpcs::modifiers`.
    Modifier(u32),
    /// A CPT section, a Surgery body system, or [`cpt::UNPLACED`].
    CptSection(&'static CptSection),
    /// An index into `Cpt::codes`.
    Cpt(u32),
}

/// The top rows, in order.
pub fn roots(book: &Codebook) -> Vec<TreeNode> {
    let mut out: Vec<TreeNode> = book.cm.chapters.iter().map(|c| TreeNode::Cm(*c)).collect();
    let h = &book.hcpcs;
    out.extend(
        SECTIONS
            .iter()
            .filter(|s| h.in_section(s.letter).next().is_some())
            .map(|s| TreeNode::HcpcsSection(s.letter)),
    );
    if !h.modifiers.is_empty() {
        out.push(TreeNode::HcpcsModifiers);
    }
    if let Some(c) = &book.cpt {
        out.extend(cpt::SECTIONS.iter().map(TreeNode::CptSection));
        if c.codes.iter().any(|c| cpt::place(&c.code).is_none()) {
            out.push(TreeNode::CptSection(&cpt::UNPLACED));
        }
    }
    out
}

/// The rows under a node (none for a code without children).
pub fn children(book: &Codebook, node: TreeNode) -> Vec<TreeNode> {
    match node {
        TreeNode::Cm(id) => book.cm.node(id).children.iter().map(|c| TreeNode::Cm(*c)).collect(),
        TreeNode::HcpcsSection(letter) => (0..book.hcpcs.codes.len())
            .filter(|i| book.hcpcs.codes[*i].code.starts_with(letter))
            .map(|i| TreeNode::Hcpcs(i as u32))
            .collect(),
        TreeNode::HcpcsModifiers => {
            (0..book.hcpcs.modifiers.len()).map(|i| TreeNode::Modifier(i as u32)).collect()
        }
        TreeNode::CptSection(s) => {
            let Some(c) = &book.cpt else { return Vec::new() };
            let mut out: Vec<TreeNode> = s.parts.iter().map(TreeNode::CptSection).collect();
            let here = |code: &str| cpt::place(code).unwrap_or(&cpt::UNPLACED) == s;
            // The file's own order need not be code order.
            let mut codes: Vec<usize> = (0..c.codes.len()).filter(|i| here(&c.codes[*i].code)).collect();
            codes.sort_by(|x, y| c.codes[*x].code.cmp(&c.codes[*y].code));
            out.extend(codes.into_iter().map(|i| TreeNode::Cpt(i as u32)));
            out
        }
        TreeNode::Hcpcs(_) | TreeNode::Modifier(_) | TreeNode::Cpt(_) => Vec::new(),
    }
}

/// Whether a node can open, without listing its children.
pub fn has_children(book: &Codebook, node: TreeNode) -> bool {
    match node {
        TreeNode::Cm(id) => !book.cm.node(id).children.is_empty(),
        TreeNode::HcpcsSection(_) | TreeNode::HcpcsModifiers | TreeNode::CptSection(_) => true,
        TreeNode::Hcpcs(_) | TreeNode::Modifier(_) | TreeNode::Cpt(_) => false,
    }
}

pub fn parent(book: &Codebook, node: TreeNode) -> Option<TreeNode> {
    match node {
        TreeNode::Cm(id) => book.cm.node(id).parent.map(TreeNode::Cm),
        TreeNode::Hcpcs(i) => book
            .hcpcs
            .codes
            .get(i as usize)
            .and_then(|c| section_of(&c.code))
            .map(|s| TreeNode::HcpcsSection(s.letter)),
        TreeNode::Modifier(_) => Some(TreeNode::HcpcsModifiers),
        TreeNode::CptSection(s) => cpt::parent_of(s).map(TreeNode::CptSection),
        TreeNode::Cpt(i) => {
            let code = &book.cpt.as_ref()?.codes.get(i as usize)?.code;
            Some(TreeNode::CptSection(cpt::place(code).unwrap_or(&cpt::UNPLACED)))
        }
        TreeNode::HcpcsSection(_) | TreeNode::HcpcsModifiers => None,
    }
}

/// What the detail pane shows for a node (sections show nothing of their own).
pub fn target(book: &Codebook, node: TreeNode) -> Option<Target> {
    match node {
        TreeNode::Cm(id) => Some(Target::Cm(id)),
        TreeNode::Hcpcs(i) => {
            book.hcpcs.codes.get(i as usize).map(|c| Target::Flat(CodeSet::Hcpcs, c.code.clone()))
        }
        TreeNode::Modifier(i) => {
            book.hcpcs.modifiers.get(i as usize).map(|c| Target::Flat(CodeSet::Hcpcs, c.code.clone()))
        }
        TreeNode::Cpt(i) => {
            book.cpt.as_ref()?.codes.get(i as usize).map(|c| Target::Flat(CodeSet::Cpt, c.code.clone()))
        }
        TreeNode::HcpcsSection(_) | TreeNode::HcpcsModifiers | TreeNode::CptSection(_) => None,
    }
}

/// The node of a code in a set, if the tree has it (`J1100` as HCPCS, `99213` as CPT).
pub fn node_of(book: &Codebook, set: CodeSet, code: &str) -> Option<TreeNode> {
    let key = crate::codeset::normalize(code);
    let pos = |p: Option<usize>| p.map(|i| i as u32);
    match set {
        CodeSet::Icd10cm => book.cm.get(code).map(TreeNode::Cm),
        CodeSet::Hcpcs => pos(book.hcpcs.position(&key))
            .map(TreeNode::Hcpcs)
            .or_else(|| pos(book.hcpcs.modifier_position(&key)).map(TreeNode::Modifier)),
        CodeSet::Cpt => pos(book.cpt.as_ref()?.position(&key)).map(TreeNode::Cpt),
        CodeSet::Icd10pcs => None,
    }
}

/// The set and code of a node for the favourites and reveal (`None` for a section).
pub fn code_of(book: &Codebook, node: TreeNode) -> Option<(CodeSet, String)> {
    match target(book, node)? {
        Target::Cm(id) => Some((CodeSet::Icd10cm, book.cm.node(id).code.clone())),
        Target::Flat(set, code) => Some((set, code)),
        Target::Pcs(_) => None,
    }
}

#[derive(Debug, Clone, Default)]
pub struct TreeState {
    pub expanded: HashSet<TreeNode>,
    pub sel: Option<TreeNode>,
    /// Text typed to jump to a code or title, while jumping.
    pub typeahead: Option<String>,
}

impl TreeState {
    /// The visible rows, in order, with their depth.
    pub fn rows(&self, book: &Codebook) -> Vec<(TreeNode, u16)> {
        let mut out = Vec::new();
        let mut stack: Vec<(TreeNode, u16)> = roots(book).into_iter().rev().map(|c| (c, 0)).collect();
        while let Some((node, depth)) = stack.pop() {
            out.push((node, depth));
            if self.expanded.contains(&node) {
                stack.extend(children(book, node).into_iter().rev().map(|c| (c, depth + 1)));
            }
        }
        out
    }

    /// Open every ancestor of `node` and select it.
    pub fn reveal(&mut self, book: &Codebook, node: TreeNode) {
        let mut up = parent(book, node);
        while let Some(p) = up {
            self.expanded.insert(p);
            up = parent(book, p);
        }
        self.sel = Some(node);
    }
}

/// Where type-ahead text leads: a code (`e11.2`, or the longest prefix of it that
/// exists in ICD-10-CM; an HCPCS or CPT code typed whole), else the next
/// ICD-10-CM node after `from` whose title contains the words.
pub fn find(book: &Codebook, text: &str, from: Option<TreeNode>) -> Option<TreeNode> {
    let cm = &book.cm;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let key = crate::codeset::normalize(text);
    let looks_like_code = key.len() <= 8
        && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
    // An exact ICD-10-CM code first (`j1100` is J11.00), then a whole HCPCS or
    // CPT code (`e0114`), before the ICD-10-CM prefixes (E01.1).
    if looks_like_code && let Some(id) = cm.get(&key) {
        return Some(TreeNode::Cm(id));
    }
    if key.len() == 5
        && let Some(n) = node_of(book, CodeSet::Hcpcs, &key).or_else(|| node_of(book, CodeSet::Cpt, &key))
    {
        return Some(n);
    }
    if looks_like_code {
        for end in (3..=key.len()).rev() {
            if let Some(id) = key.get(..end).and_then(|k| cm.get(k)) {
                return Some(TreeNode::Cm(id));
            }
        }
    }
    let needle = text.to_lowercase();
    let start = match from {
        Some(TreeNode::Cm(f)) => f as usize,
        _ => 0,
    };
    let n = cm.nodes.len();
    (0..n)
        .map(|i| (start + i) % n)
        .find(|i| cm.nodes[*i].title.to_lowercase().contains(&needle))
        .map(|i| TreeNode::Cm(i as NodeId))
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
            && let Some(node) = find(&self.book, &text, self.tree.sel)
        {
            self.tree.reveal(&self.book, node);
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
        if !has_children(&self.book, sel) {
            return;
        }
        if !self.tree.expanded.insert(sel) {
            self.tree.sel = children(&self.book, sel).first().copied().or(Some(sel));
            self.preview_tree();
        }
    }

    pub(super) fn tree_parent(&mut self) {
        if let Some(p) = self.tree.sel.and_then(|s| parent(&self.book, s)) {
            self.tree.sel = Some(p);
            self.preview_tree();
        }
    }

    pub(super) fn tree_sibling(&mut self, delta: i64) {
        let Some(sel) = self.tree.sel else { return };
        let siblings = match parent(&self.book, sel) {
            Some(p) => children(&self.book, p),
            None => roots(&self.book),
        };
        if let Some(i) = siblings.iter().position(|s| *s == sel) {
            let j = (i as i64 + delta).clamp(0, siblings.len() as i64 - 1) as usize;
            self.tree.sel = Some(siblings[j]);
            self.preview_tree();
        }
    }

    /// Enter on a row: a code opens in the detail, a section opens or closes.
    pub(super) fn tree_open(&mut self) {
        let Some(sel) = self.tree.sel else { return };
        if !has_children(&self.book, sel) {
            if let Some(t) = target(&self.book, sel) {
                self.detail.show(t, false);
                self.pane = super::Pane::Detail;
            }
        } else if !self.tree.expanded.remove(&sel) {
            self.tree.expanded.insert(sel);
        }
    }

    pub(super) fn preview_tree(&mut self) {
        if let Some(t) = self.tree.sel.and_then(|s| target(&self.book, s)) {
            self.detail.show(t, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tests::{FakeSearch, app, cpt_book, keys};
    use crate::app::{App, Pane};
    use crate::keymap::KeyMap;
    use crate::theme::{ColorMode, Theme};

    fn shown(a: &App) -> Option<Target> {
        a.detail.current().cloned()
    }

    #[test]
    fn hcpcs_sections_and_modifiers_follow_the_chapters_and_a_section_lists_its_codes() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        keys(&mut a, &s, "<C-t>");
        let rows = a.tree.rows(&a.book);
        let chapters = a.book.cm.chapters.len();
        assert!(rows[..chapters].iter().all(|r| matches!(r.0, TreeNode::Cm(_))));
        let letters: String = rows
            .iter()
            .filter_map(|r| if let TreeNode::HcpcsSection(l) = r.0 { Some(l) } else { None })
            .collect();
        assert_eq!(letters, "ABCEGHJKLMPQRSTUV");
        assert_eq!(rows.last().map(|r| r.0), Some(TreeNode::HcpcsModifiers), "no CPT roots without the file");

        // `l` opens section E, `l` again steps onto its first code, which the detail previews.
        a.tree.sel = Some(TreeNode::HcpcsSection('E'));
        keys(&mut a, &s, "l");
        let rows = a.tree.rows(&a.book);
        let at = rows.iter().position(|r| r.0 == TreeNode::HcpcsSection('E')).expect("section E");
        let codes: Vec<(TreeNode, u16)> = rows[at + 1..].iter().take_while(|r| r.1 == 1).copied().collect();
        assert_eq!(codes.len(), a.book.hcpcs.in_section('E').count());
        let e0114 = node_of(&a.book, CodeSet::Hcpcs, "E0114").expect("E0114");
        assert!(codes.contains(&(e0114, 1)));
        keys(&mut a, &s, "l");
        let first = a.book.hcpcs.in_section('E').next().map(|c| c.code.clone()).expect("a code");
        assert_eq!(shown(&a), Some(Target::Flat(CodeSet::Hcpcs, first)));
        keys(&mut a, &s, "p");
        assert_eq!(a.tree.sel, Some(TreeNode::HcpcsSection('E')));

        // The modifiers are their own list.
        a.tree.sel = Some(TreeNode::HcpcsModifiers);
        keys(&mut a, &s, "<Enter>");
        let n = a.tree.rows(&a.book).iter().filter(|r| matches!(r.0, TreeNode::Modifier(_))).count();
        assert_eq!(n, a.book.hcpcs.modifiers.len());
        assert!(n > 300, "{n}");
    }

    #[test]
    fn an_hcpcs_code_found_by_type_ahead_opens_the_detail_and_its_twin_stays_icd() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        keys(&mut a, &s, "<C-t>ie0114<Enter>");
        let e0114 = node_of(&a.book, CodeSet::Hcpcs, "E0114");
        assert_eq!(a.tree.sel, e0114);
        assert!(a.tree.expanded.contains(&TreeNode::HcpcsSection('E')), "its section is opened");
        keys(&mut a, &s, "<Enter>");
        assert_eq!(a.pane, Pane::Detail);
        assert_eq!(shown(&a), Some(Target::Flat(CodeSet::Hcpcs, "E0114".into())));
        // `j1100` is first ICD-10-CM J11.00, as the tree always read it.
        if let Some(j1100) = a.book.cm.get("J11.00") {
            keys(&mut a, &s, "<C-t>ij1100<Enter>");
            assert_eq!(a.tree.sel, Some(TreeNode::Cm(j1100)));
        }
        // `r` on an HCPCS code in the detail reveals it here.
        keys(&mut a, &s, "<C-t>ie0114<Enter><Enter>r");
        assert_eq!((a.pane, a.tree.sel), (Pane::Tree, e0114));
    }

    #[test]
    fn a_terminated_code_stays_listed_and_siblings_step_through_a_section() {
        let s = FakeSearch(Vec::new());
        let mut a = app((80, 24));
        let codes = &a.book.hcpcs.codes;
        let j = (1..codes.len())
            .find(|j| codes[*j].terminated.is_some() && codes[*j - 1].code[..1] == codes[*j].code[..1])
            .expect("a terminated code after another of its section");
        let node = TreeNode::Hcpcs(j as u32);
        a.tree.reveal(&a.book, node);
        assert!(a.tree.rows(&a.book).iter().any(|r| r.0 == node));
        keys(&mut a, &s, "<C-t>K");
        assert!(matches!(a.tree.sel, Some(TreeNode::Hcpcs(i)) if i + 1 == j as u32), "{:?}", a.tree.sel);
    }

    #[test]
    fn cpt_sections_hold_the_imported_codes_by_range() {
        let s = FakeSearch(Vec::new());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let mut a = App::new(cpt_book(), KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, (80, 24));
        let book = a.book.clone();
        let heads: Vec<&str> = roots(&book)
            .into_iter()
            .filter_map(|n| if let TreeNode::CptSection(s) = n { Some(s.heading) } else { None })
            .collect();
        assert_eq!(heads[..3], ["Evaluation and Management", "Anesthesia", "Surgery"]);
        assert_eq!(heads.len(), 9, "8 sections, then the codes outside them: {heads:?}");
        let code = |n: &TreeNode| code_of(&book, *n).map(|c| c.1);
        let surgery = TreeNode::CptSection(&cpt::SECTIONS[2]);
        let kids = children(&book, surgery);
        assert_eq!(kids.iter().filter(|n| matches!(n, TreeNode::CptSection(_))).count(), 19, "body systems");
        assert_eq!(kids.iter().filter_map(code).collect::<Vec<_>>(), ["69989"], "in no body system");
        let other: Vec<String> =
            children(&book, TreeNode::CptSection(&cpt::UNPLACED)).iter().filter_map(code).collect();
        assert_eq!(other, ["0000F", "0000T", "99990", "99991", "99993"]);
        // A CPT code reached by type-ahead opens as CPT.
        keys(&mut a, &s, "<C-t>i69989<Enter>");
        assert!(a.tree.expanded.contains(&surgery));
        assert_eq!(a.tree.rows(&book).iter().find(|r| Some(r.0) == a.tree.sel).map(|r| r.1), Some(1));
        keys(&mut a, &s, "<Enter>");
        assert_eq!(shown(&a), Some(Target::Flat(CodeSet::Cpt, "69989".into())));
    }
}
