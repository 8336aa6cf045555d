//! The detail pane's content as a plain model: wrapped lines of styled
//! segments and the followable code links in them. Both `update` (link
//! cycling, scrolling) and the drawing read it.

use crate::codeset::icd10cm::rules::note_refs;
use crate::codeset::icd10cm::{CmKind, NoteKind};
use crate::codeset::{NodeId, Tabular};

use super::{App, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegKind {
    Text,
    Dim,
    Code,
    Heading,
    Title,
    Warn,
    Composed,
    /// The n-th link of the document.
    Link(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    pub text: String,
    pub kind: SegKind,
}

fn seg(text: impl Into<String>, kind: SegKind) -> Seg {
    Seg { text: text.into(), kind }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: Target,
    /// The line it is on.
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    pub lines: Vec<Vec<Seg>>,
    pub links: Vec<Link>,
}

impl Doc {
    fn blank(&mut self) {
        self.lines.push(Vec::new());
    }

    /// Add a paragraph wrapped at `width`, continuation lines indented by `indent`.
    fn para(&mut self, segs: Vec<Seg>, width: usize, indent: usize) {
        let mut line: Vec<Seg> = Vec::new();
        let mut col = 0usize;
        let mut just_wrapped = false;
        for s in segs {
            // Links are kept whole; other text breaks at spaces.
            let pieces: Vec<String> = if matches!(s.kind, SegKind::Link(_)) {
                vec![s.text.clone()]
            } else {
                split_keep_spaces(&s.text)
            };
            for piece in pieces {
                let w = unicode_width::UnicodeWidthStr::width(piece.as_str());
                if col + w > width && col > indent && !piece.trim().is_empty() {
                    self.lines.push(std::mem::take(&mut line));
                    line.push(seg(" ".repeat(indent), SegKind::Text));
                    col = indent;
                    just_wrapped = true;
                }
                if just_wrapped && piece.trim().is_empty() {
                    continue;
                }
                just_wrapped = false;
                if let SegKind::Link(i) = s.kind
                    && let Some(l) = self.links.get_mut(i)
                {
                    l.line = self.lines.len();
                }
                match line.last_mut() {
                    Some(last) if last.kind == s.kind && !matches!(s.kind, SegKind::Link(_)) => {
                        last.text.push_str(&piece)
                    }
                    _ => line.push(seg(piece, s.kind)),
                }
                col += w;
            }
        }
        self.lines.push(line);
    }
}

fn split_keep_spaces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(" ".to_string());
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The links of a note: each code reference in it (read by the code set's
/// one parser, [`note_refs`]) with the node it leads to.
pub fn note_links(text: &str, cm: &Tabular) -> Vec<(std::ops::Range<usize>, NodeId)> {
    note_refs(text)
        .into_iter()
        .filter_map(|(range, reference)| reference.target(&text[range.clone()], cm).map(|id| (range, id)))
        .collect()
}

/// The detail of the current target, wrapped at `width` columns.
pub fn doc(app: &App, width: u16) -> Doc {
    let width = usize::from(width.max(20));
    let mut d = Doc::default();
    match app.detail.current() {
        None => {
            d.para(
                vec![seg(
                    "Type in the search box, pick a result, or browse the tree (t) or the PCS builder (b).",
                    SegKind::Dim,
                )],
                width,
                0,
            );
        }
        Some(Target::Cm(id)) => cm_doc(app, *id, width, &mut d),
        Some(Target::Pcs(code)) => pcs_doc(app, code, width, &mut d),
        Some(Target::Flat(set, code)) => flat_doc(app, *set, code, width, &mut d),
    }
    d
}

/// `new in fy2027-shipped` beside a code its edition adds (empty otherwise).
fn new_tag(app: &App, set: crate::codeset::CodeSet, code: &str) -> Seg {
    match app.mark(set, code) {
        Some(super::edition::Mark::New) => {
            seg(format!("  new in {}", app.book.edition.name), SegKind::Heading)
        }
        _ => seg("", SegKind::Text),
    }
}

fn cm_doc(app: &App, id: NodeId, width: usize, d: &mut Doc) {
    let cm = &app.book.cm;
    let node = cm.node(id);
    let kind = match node.kind {
        CmKind::Chapter => "chapter",
        CmKind::Block => "block",
        CmKind::Category | CmKind::Subcategory => "header (not billable)",
        CmKind::Code | CmKind::Extension if node.billable => "billable",
        _ => "not billable",
    };
    let shown =
        if node.kind == CmKind::Chapter { format!("Chapter {}", node.code) } else { node.code.clone() };
    let fav =
        if app.recents.is_favourite(crate::codeset::CodeSet::Icd10cm, &node.code) { "  ★" } else { "" };
    d.para(
        vec![
            seg(shown, SegKind::Code),
            seg(format!("  ICD-10-CM {kind}{fav}"), if node.billable { SegKind::Dim } else { SegKind::Warn }),
            new_tag(app, crate::codeset::CodeSet::Icd10cm, &node.code),
        ],
        width,
        0,
    );
    d.para(vec![seg(node.title.clone(), SegKind::Title)], width, 0);
    let mut crumbs = Vec::new();
    for a in cm.ancestors(id).into_iter().rev() {
        let n = cm.node(a);
        let label = if n.kind == CmKind::Chapter { format!("Ch {}", n.code) } else { n.code.clone() };
        if !crumbs.is_empty() {
            crumbs.push(seg(" › ", SegKind::Dim));
        }
        crumbs.push(seg(label, SegKind::Dim));
    }
    if !crumbs.is_empty() {
        d.para(crumbs, width, 2);
    }

    let notes = cm.notes_in_force(id);
    for kind in NoteKind::ALL {
        let of_kind: Vec<_> = notes.iter().filter(|n| n.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        d.blank();
        d.para(vec![seg(kind.label(), SegKind::Heading)], width, 0);
        for n in of_kind {
            let mut segs = vec![seg("• ", SegKind::Dim)];
            let mut last = 0;
            for (range, target) in note_links(&n.text, cm) {
                segs.push(seg(&n.text[last..range.start], SegKind::Text));
                let idx = d.links.len();
                d.links.push(Link { target: Target::Cm(target), line: 0 });
                segs.push(seg(&n.text[range.clone()], SegKind::Link(idx)));
                last = range.end;
            }
            segs.push(seg(&n.text[last..], SegKind::Text));
            if n.origin != id {
                let origin = cm.node(n.origin);
                let from = if origin.kind == CmKind::Chapter {
                    format!("Chapter {}", origin.code)
                } else {
                    origin.code.clone()
                };
                segs.push(seg(format!("  (from {from})"), SegKind::Dim));
            }
            d.para(segs, width, 2);
        }
    }

    if !node.children.is_empty() {
        d.blank();
        d.para(
            vec![seg(format!("Codes below ({} billable)", cm.billable_below(id)), SegKind::Heading)],
            width,
            0,
        );
        for c in &node.children {
            let child = cm.node(*c);
            let idx = d.links.len();
            d.links.push(Link { target: Target::Cm(*c), line: 0 });
            let marker = if child.billable { "● " } else { "▸ " };
            d.para(
                vec![
                    seg(marker, SegKind::Dim),
                    seg(child.code.clone(), SegKind::Link(idx)),
                    seg(format!(" {}", child.title), SegKind::Text),
                ],
                width,
                4,
            );
        }
    }
}

/// An HCPCS code or modifier (its section heading, dates and indicators) or a CPT code (its descriptors).
fn flat_doc(app: &App, set: crate::codeset::CodeSet, code: &str, width: usize, d: &mut Doc) {
    use crate::codeset::CodeSet;
    let hcpcs = &app.book.hcpcs;
    let (what, title, facts) = match set {
        CodeSet::Cpt => {
            let Some(c) = app.book.cpt_code(code) else { return };
            let year = app.book.cpt.as_ref().map_or("", |c| c.year.as_str());
            let mut facts = vec![("Medium", c.medium.clone()), ("Short", c.short.clone())];
            facts.retain(|(_, v)| !v.is_empty());
            if let Some(s) = crate::codeset::cpt::section(code) {
                facts.push(("Section", s.to_string()));
            }
            (format!("  CPT, your licensed file ({year})"), c.long.clone(), facts)
        }
        _ => {
            let (c, modifier) = match (hcpcs.get(code), hcpcs.modifier(code)) {
                (Some(c), _) => (c, false),
                (None, Some(m)) => (m, true),
                (None, None) => return,
            };
            let quarter = app
                .book
                .edition
                .component(crate::codeset::FileKind::Hcpcs)
                .map_or_else(String::new, |q| format!(", {}", q.label));
            let kind = if modifier { "modifier" } else { "code" };
            let mut facts = vec![("Short", c.short.clone())];
            facts.extend(c.facts(modifier));
            (format!("  HCPCS Level II {kind}{quarter}"), c.long.clone(), facts)
        }
    };
    d.para(vec![seg(code.to_string(), SegKind::Code), seg(what, SegKind::Dim)], width, 0);
    d.para(vec![seg(title, SegKind::Title)], width, 0);
    d.blank();
    for (label, value) in facts {
        d.para(vec![seg(format!("{label:<10} "), SegKind::Dim), seg(value, SegKind::Text)], width, 11);
    }
}

fn pcs_doc(app: &App, code: &str, width: usize, d: &mut Doc) {
    let pcs = &app.book.pcs;
    let complete = pcs.is_code(code);
    d.para(
        vec![
            seg(code.to_string(), SegKind::Code),
            seg(
                if complete { "  ICD-10-PCS code" } else { "  ICD-10-PCS, partial code" },
                if complete { SegKind::Dim } else { SegKind::Warn },
            ),
            new_tag(app, crate::codeset::CodeSet::Icd10pcs, code),
        ],
        width,
        0,
    );
    if let Some(title) = pcs.title(code) {
        d.para(vec![seg(title.text, SegKind::Title)], width, 0);
        if title.composed {
            d.para(
                vec![seg("(title composed from the axis labels: no CMS title)", SegKind::Composed)],
                width,
                0,
            );
        }
    }
    let chars = pcs.explain(code);
    if !chars.is_empty() {
        d.blank();
        d.para(vec![seg("Characters", SegKind::Heading)], width, 0);
    }
    for c in chars {
        d.para(
            vec![
                seg(format!("{} ", c.pos), SegKind::Dim),
                seg(format!("{:<12}", c.axis), SegKind::Dim),
                seg(format!("{} ", c.ch), SegKind::Code),
                seg(c.label.clone(), SegKind::Text),
            ],
            width,
            16,
        );
        if let Some(def) = c.definition {
            d.para(vec![seg(" ".repeat(16), SegKind::Text), seg(def, SegKind::Dim)], width, 16);
        }
    }
    if !complete {
        let next = pcs.next_chars(code);
        if !next.is_empty() {
            d.blank();
            d.para(
                vec![seg(format!("Next: {} ({} values)", next[0].axis, next.len()), SegKind::Heading)],
                width,
                0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::icd10cm::{CmNode, Notes};

    fn tabular(codes: &[&str]) -> Tabular {
        let mut t = Tabular::default();
        for (i, c) in codes.iter().enumerate() {
            t.nodes.push(CmNode {
                code: c.to_string(),
                kind: CmKind::Code,
                title: String::new(),
                parent: None,
                children: vec![],
                billable: true,
                notes: Notes::default(),
            });
            t.by_key.insert(crate::codeset::normalize(c), i as NodeId);
        }
        t
    }

    #[test]
    fn finds_codes_ranges_and_dash_forms_in_notes() {
        let t = tabular(&["E10", "N18.1", "Z79.4", "E08-E13"]);
        let text = "diabetes (E10.-), CKD (N18.1-N18.6), insulin (Z79.4), block E08-E13, not X99 or E1000x";
        let refs = note_links(text, &t);
        let got: Vec<(&str, NodeId)> = refs.iter().map(|(r, id)| (&text[r.clone()], *id)).collect();
        assert_eq!(got, vec![("E10.-", 0), ("N18.1-N18.6", 1), ("Z79.4", 2), ("E08-E13", 3)]);
    }
}
