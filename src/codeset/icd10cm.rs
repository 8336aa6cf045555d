//! The ICD-10-CM Tabular List: chapters, blocks, categories, subcategories,
//! codes and 7th-character extensions, each with its instructional notes.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub mod books;
mod parse;
pub mod rules;
mod seventh;

/// Index of a node in [`Tabular::nodes`].
pub type NodeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CmKind {
    Chapter,
    /// A section of the tabular (`E08-E13`).
    Block,
    /// Three characters (`E11`).
    Category,
    /// Four to six characters with children (`E11.2`).
    Subcategory,
    /// Four to seven characters without children of its own in the tabular (`E11.22`).
    Code,
    /// A code made by adding a 7th character from a `sevenChrDef` (`S52.521A`).
    Extension,
}

impl CmKind {
    /// Its name as the index and JSON output write it (`extension` for a 7th-character code).
    pub fn name(self) -> &'static str {
        match self {
            CmKind::Chapter => "chapter",
            CmKind::Block => "block",
            CmKind::Category => "category",
            CmKind::Subcategory => "subcategory",
            CmKind::Code => "code",
            CmKind::Extension => "extension",
        }
    }
}

/// The kinds of instructional note, in the order a coder reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Includes,
    InclusionTerm,
    Excludes1,
    Excludes2,
    CodeFirst,
    UseAdditionalCode,
    CodeAlso,
    /// General notes (`<notes>`), e.g. chapter guidance.
    Note,
    /// The 7th-character note and definitions (`sevenChrNote`, `sevenChrDef`).
    SeventhCharacter,
}

impl NoteKind {
    pub const ALL: [NoteKind; 9] = [
        NoteKind::Includes,
        NoteKind::InclusionTerm,
        NoteKind::Excludes1,
        NoteKind::Excludes2,
        NoteKind::CodeFirst,
        NoteKind::UseAdditionalCode,
        NoteKind::CodeAlso,
        NoteKind::Note,
        NoteKind::SeventhCharacter,
    ];

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Includes => "Includes",
            NoteKind::InclusionTerm => "Inclusion terms",
            NoteKind::Excludes1 => "Excludes1",
            NoteKind::Excludes2 => "Excludes2",
            NoteKind::CodeFirst => "Code first",
            NoteKind::UseAdditionalCode => "Use additional code",
            NoteKind::CodeAlso => "Code also",
            NoteKind::Note => "Notes",
            NoteKind::SeventhCharacter => "7th characters",
        }
    }
}

/// A 7th character and its meaning (`A` = initial encounter for closed fracture).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeventhChar {
    pub ch: char,
    pub title: String,
    /// Inclusion terms the tabular lists under this character (`B`: "initial encounter for open fracture NOS").
    pub terms: Vec<String>,
}

/// The instructional notes written at one node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Notes {
    pub includes: Vec<String>,
    pub inclusion_terms: Vec<String>,
    pub excludes1: Vec<String>,
    pub excludes2: Vec<String>,
    pub code_first: Vec<String>,
    pub use_additional_code: Vec<String>,
    pub code_also: Vec<String>,
    pub notes: Vec<String>,
    /// The `sevenChrNote` text.
    pub seventh_note: Vec<String>,
    /// The `sevenChrDef` extensions defined at this node.
    pub seventh_chars: Vec<SeventhChar>,
}

impl Notes {
    /// The texts of one kind (for `SeventhCharacter`: the note, then `A  initial encounter...` lines).
    pub fn of(&self, kind: NoteKind) -> Vec<String> {
        match kind {
            NoteKind::Includes => self.includes.clone(),
            NoteKind::InclusionTerm => self.inclusion_terms.clone(),
            NoteKind::Excludes1 => self.excludes1.clone(),
            NoteKind::Excludes2 => self.excludes2.clone(),
            NoteKind::CodeFirst => self.code_first.clone(),
            NoteKind::UseAdditionalCode => self.use_additional_code.clone(),
            NoteKind::CodeAlso => self.code_also.clone(),
            NoteKind::Note => self.notes.clone(),
            NoteKind::SeventhCharacter => self
                .seventh_note
                .iter()
                .cloned()
                .chain(self.seventh_chars.iter().map(|s| {
                    if s.terms.is_empty() {
                        format!("{}  {}", s.ch, s.title)
                    } else {
                        format!("{}  {} (includes: {})", s.ch, s.title, s.terms.join("; "))
                    }
                }))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        NoteKind::ALL.iter().all(|k| self.of(*k).is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CmNode {
    /// As printed: `E11.22`; a block `E08-E13`; a chapter its number, `4`.
    pub code: String,
    pub kind: CmKind,
    pub title: String,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    /// A billable (valid for HIPAA transactions) code.
    pub billable: bool,
    pub notes: Notes,
}

/// One note in force at a code, with the node it is written at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InForce {
    pub kind: NoteKind,
    pub text: String,
    /// The node whose note this is: the code itself or one of its ancestors.
    pub origin: NodeId,
}

/// One section of the tabular's introduction (the instructional notations explained).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntroSection {
    /// The `type` attribute: `title`, `subtitle` or `instruction`.
    pub kind: String,
    pub title: String,
    pub notes: Vec<String>,
}

/// A rule of the tabular that keeps some 7th characters off some codes, read
/// from the text of a note (S06: "7th characters D and S do not apply to codes
/// in category S06 with 6th character 7 ... or 8 ...").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeventhRestriction {
    /// The category the note names (`S06`).
    pub category: String,
    /// The 7th characters that do not apply (`D`, `S`).
    pub chars: Vec<char>,
    /// The 6th characters of the codes they do not apply to (`7`, `8`).
    pub sixth: Vec<char>,
    /// The node whose note states the rule.
    pub origin: NodeId,
}

/// The whole ICD-10-CM Tabular List of one edition.
#[derive(Debug, Clone, Default)]
pub struct Tabular {
    /// The `<version>` of the file.
    pub version: String,
    pub nodes: Vec<CmNode>,
    /// Chapters in order.
    pub chapters: Vec<NodeId>,
    /// Lookup by [`super::normalize`]d code; chapters as `CH4`, blocks by their range
    /// (`E08-E13`; a one-category block such as `B10` as `B10-B10`, since `B10` is the category).
    pub by_key: HashMap<String, NodeId>,
    /// The introduction: how to read the instructional notations.
    pub introduction: Vec<IntroSection>,
    /// 7th-character exclusions stated in notes, applied when the extensions were made.
    pub restrictions: Vec<SeventhRestriction>,
}

impl Tabular {
    /// Read a CDC `<ICD10CM.tabular>` file. `file` names it in errors.
    ///
    /// Leaf codes under a `sevenChrDef` (the nearest one above them wins) get one
    /// [`CmKind::Extension`] child per 7th character, minus those a
    /// [`SeventhRestriction`] rules out; the leaf is then a header.
    pub fn parse(data: &[u8], file: &str) -> Result<Tabular, super::ReleaseError> {
        parse::parse(data, file)
    }

    pub fn node(&self, id: NodeId) -> &CmNode {
        &self.nodes[id as usize]
    }

    /// Find a node by a code as typed (`e11.9`, `E119`, `S52.521A`, a block `E08-E13`).
    pub fn get(&self, code: &str) -> Option<NodeId> {
        self.by_key.get(&super::normalize(code)).copied()
    }

    /// The key of a node in [`Tabular::by_key`].
    /// Add a node under `node.parent` (a chapter when it has none) and index it
    /// by its key: for tabulars built by hand, as test fixtures are.
    pub fn push_node(&mut self, node: CmNode) -> NodeId {
        let id = self.nodes.len() as NodeId;
        match node.parent {
            Some(p) => self.nodes[p as usize].children.push(id),
            None => self.chapters.push(id),
        }
        self.nodes.push(node);
        self.by_key.insert(self.key(id), id);
        id
    }

    pub fn key(&self, id: NodeId) -> String {
        let node = self.node(id);
        match node.kind {
            CmKind::Chapter => format!("CH{}", node.code),
            CmKind::Block if !node.code.contains('-') => format!("{0}-{0}", node.code),
            _ => super::normalize(&node.code),
        }
    }

    /// The ancestors of a node, nearest first (parent, grandparent, ... chapter).
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = self.node(id).parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.node(p).parent;
        }
        out
    }

    /// How deep a node sits: 0 for a chapter.
    pub fn depth(&self, id: NodeId) -> usize {
        self.ancestors(id).len()
    }

    /// The chapter a node belongs to.
    pub fn chapter_of(&self, id: NodeId) -> NodeId {
        self.ancestors(id).last().copied().unwrap_or(id)
    }

    /// The node and its siblings in tabular order (the chapters for a chapter).
    pub fn siblings(&self, id: NodeId) -> &[NodeId] {
        match self.node(id).parent {
            Some(p) => &self.node(p).children,
            None => &self.chapters,
        }
    }

    /// The node whose `sevenChrDef` governs `id`: itself or the nearest ancestor with one.
    pub fn seventh_origin(&self, id: NodeId) -> Option<NodeId> {
        std::iter::once(id).chain(self.ancestors(id)).find(|n| !self.node(*n).notes.seventh_chars.is_empty())
    }

    /// Every instructional note that governs `id`: its own first, then each
    /// ancestor's up to the chapter. The 7th-character note and definitions come
    /// only from the nearest node that defines them (a nearer definition replaces
    /// a farther one, as in S52.52 under S52).
    pub fn notes_in_force(&self, id: NodeId) -> Vec<InForce> {
        let seventh = self.seventh_origin(id);
        let mut out = Vec::new();
        for node_id in std::iter::once(id).chain(self.ancestors(id)) {
            let notes = &self.node(node_id).notes;
            for kind in NoteKind::ALL {
                if kind == NoteKind::SeventhCharacter && seventh.is_some_and(|s| s != node_id) {
                    continue;
                }
                for text in notes.of(kind) {
                    out.push(InForce { kind, text, origin: node_id });
                }
            }
        }
        out
    }

    /// The notes in force grouped by kind (in reading order), each with its origin,
    /// nearest origin first.
    pub fn notes_grouped(&self, id: NodeId) -> BTreeMap<NoteKind, Vec<(String, NodeId)>> {
        let mut out: BTreeMap<NoteKind, Vec<(String, NodeId)>> = BTreeMap::new();
        for n in self.notes_in_force(id) {
            out.entry(n.kind).or_default().push((n.text, n.origin));
        }
        out
    }

    /// Number of billable codes at or below `id`.
    pub fn billable_below(&self, id: NodeId) -> usize {
        let node = self.node(id);
        usize::from(node.billable) + node.children.iter().map(|c| self.billable_below(*c)).sum::<usize>()
    }

    /// The billable codes at or below `id`, in tabular order: what to offer a
    /// coder who picked a header.
    pub fn billable_codes_below(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let node = self.node(n);
            if node.billable {
                out.push(n);
            }
            stack.extend(node.children.iter().rev());
        }
        out
    }

    pub fn billable_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.billable).count()
    }

    /// Every node in tabular order (chapters, blocks, codes, extensions after their code).
    pub fn walk(&self) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<NodeId> = self.chapters.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.node(n).children.iter().rev());
        }
        out
    }

    /// Valid codes near a code that does not exist, for "did you mean": the
    /// children of its longest existing prefix (or that prefix's siblings when it
    /// has none), else the categories next to where it would sort.
    pub fn suggest(&self, code: &str, limit: usize) -> Vec<NodeId> {
        let key = super::normalize(code);
        for len in (1..key.len()).rev() {
            let Some(prefix) = key.get(..len) else { continue };
            let Some(&id) = self.by_key.get(prefix) else { continue };
            let node = self.node(id);
            if matches!(node.kind, CmKind::Chapter | CmKind::Block) {
                continue;
            }
            let list = if node.children.is_empty() { self.siblings(id) } else { &node.children };
            return list.iter().take(limit).copied().collect();
        }
        let mut categories: Vec<(String, NodeId)> = (0..self.nodes.len() as NodeId)
            .filter(|id| self.node(*id).kind == CmKind::Category)
            .map(|id| (self.key(id), id))
            .collect();
        categories.sort();
        let at = categories.partition_point(|(k, _)| k.as_str() < key.as_str());
        let from = at.saturating_sub(limit / 2);
        categories.iter().skip(from).take(limit).map(|(_, id)| *id).collect()
    }
}

#[cfg(test)]
mod tests;
