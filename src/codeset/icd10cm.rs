//! The ICD-10-CM Tabular List: chapters, blocks, categories, subcategories,
//! codes and 7th-character extensions, each with its instructional notes.

use std::collections::HashMap;

use serde::Serialize;

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
                .chain(self.seventh_chars.iter().map(|s| format!("{}  {}", s.ch, s.title)))
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

/// The whole ICD-10-CM Tabular List of one edition.
#[derive(Debug, Clone, Default)]
pub struct Tabular {
    /// The `<version>` of the file.
    pub version: String,
    pub nodes: Vec<CmNode>,
    /// Chapters in order.
    pub chapters: Vec<NodeId>,
    /// Lookup by [`super::normalize`]d code; chapters as `CH4`, blocks as `E08-E13`.
    pub by_key: HashMap<String, NodeId>,
}

impl Tabular {
    /// Read a CDC `<ICD10CM.tabular>` file. `file` names it in errors.
    pub fn parse(data: &[u8], file: &str) -> Result<Tabular, super::ReleaseError> {
        // Placeholder until the parser lands: an empty model.
        let _ = (data, file);
        Ok(Tabular::default())
    }

    pub fn node(&self, id: NodeId) -> &CmNode {
        &self.nodes[id as usize]
    }

    /// Find a node by a code as typed (`e11.9`, `E119`, `S52.521A`, a block `E08-E13`).
    pub fn get(&self, code: &str) -> Option<NodeId> {
        self.by_key.get(&super::normalize(code)).copied()
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

    /// Every instructional note that governs `id`: its own first, then each ancestor's up to the chapter.
    pub fn notes_in_force(&self, id: NodeId) -> Vec<InForce> {
        let mut out = Vec::new();
        for node_id in std::iter::once(id).chain(self.ancestors(id)) {
            let notes = &self.node(node_id).notes;
            for kind in NoteKind::ALL {
                for text in notes.of(kind) {
                    out.push(InForce { kind, text, origin: node_id });
                }
            }
        }
        out
    }

    /// Number of billable codes at or below `id`.
    pub fn billable_below(&self, id: NodeId) -> usize {
        let node = self.node(id);
        usize::from(node.billable) + node.children.iter().map(|c| self.billable_below(*c)).sum::<usize>()
    }

    pub fn billable_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.billable).count()
    }
}
