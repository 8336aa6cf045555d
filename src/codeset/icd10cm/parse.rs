//! The streaming reader of the CDC `<ICD10CM.tabular>` file.
//!
//! One pass over quick-xml events with a stack of open elements. Every element
//! the file may hold is listed in [`child`]; anything else is an error naming
//! the file, line and column, so a damaged or foreign file is never half-read.
//!
//! Where each part of the file goes:
//! - `chapter`, `section`, `diag`: nodes, each with its `desc` as title and its
//!   note lists (`includes` ... `sevenChrNote`) in [`Notes`]. A section with no
//!   codes of its own (C00-C96, M00-M25, T20-T32) is the parent of the sections
//!   its range covers, so its notes govern them.
//! - `sevenChrDef`: the 7th characters of the node; a `note` inside it is an
//!   inclusion term of the character before it (S52 `B`: "initial encounter for
//!   open fracture NOS"; at W08 the file puts "Fall from stool" there too).
//! - `visualImpairment` (H54.8): one note line per category of the table.
//! - `introduction`: [`Tabular::introduction`].
//! - `sectionIndex`: read, not kept: it repeats the titles of the chapter's sections.
//! - `diag placeholder="true"`: not kept; the code itself holds the `X`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::super::{ReleaseError, normalize};
use super::{CmKind, CmNode, IntroSection, NodeId, Notes, SeventhChar, Tabular, seventh};

/// A list of notes under a chapter, section or code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Includes,
    InclusionTerm,
    Excludes1,
    Excludes2,
    CodeFirst,
    UseAdditionalCode,
    CodeAlso,
    Notes,
    SevenChrNote,
}

impl List {
    fn from_tag(tag: &str) -> Option<List> {
        Some(match tag {
            "includes" => List::Includes,
            "inclusionTerm" => List::InclusionTerm,
            "excludes1" => List::Excludes1,
            "excludes2" => List::Excludes2,
            "codeFirst" => List::CodeFirst,
            "useAdditionalCode" => List::UseAdditionalCode,
            "codeAlso" => List::CodeAlso,
            "notes" => List::Notes,
            "sevenChrNote" => List::SevenChrNote,
            _ => return None,
        })
    }

    fn tag(self) -> &'static str {
        match self {
            List::Includes => "includes",
            List::InclusionTerm => "inclusionTerm",
            List::Excludes1 => "excludes1",
            List::Excludes2 => "excludes2",
            List::CodeFirst => "codeFirst",
            List::UseAdditionalCode => "useAdditionalCode",
            List::CodeAlso => "codeAlso",
            List::Notes => "notes",
            List::SevenChrNote => "sevenChrNote",
        }
    }

    fn of(self, notes: &mut Notes) -> &mut Vec<String> {
        match self {
            List::Includes => &mut notes.includes,
            List::InclusionTerm => &mut notes.inclusion_terms,
            List::Excludes1 => &mut notes.excludes1,
            List::Excludes2 => &mut notes.excludes2,
            List::CodeFirst => &mut notes.code_first,
            List::UseAdditionalCode => &mut notes.use_additional_code,
            List::CodeAlso => &mut notes.code_also,
            List::Notes => &mut notes.notes,
            List::SevenChrNote => &mut notes.seventh_note,
        }
    }
}

/// The elements of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    /// Outside the root element.
    Document,
    Root,
    Version,
    Introduction,
    IntroSection,
    IntroTitle,
    Instruction,
    Chapter,
    SectionIndex,
    SectionRef,
    Section,
    Diag,
    Name,
    Desc,
    List(List),
    Note,
    SevenChrDef,
    Extension,
    VisualImpairment,
    VisCategory,
    VisRange,
    VisMax,
    VisMin,
    Heading,
    Value,
}

impl El {
    fn tag(self) -> &'static str {
        match self {
            El::Document => "(document)",
            El::Root => "ICD10CM.tabular",
            El::Version => "version",
            El::Introduction => "introduction",
            El::IntroSection => "introSection",
            El::IntroTitle => "title",
            El::Instruction => "instruction",
            El::Chapter => "chapter",
            El::SectionIndex => "sectionIndex",
            El::SectionRef => "sectionRef",
            El::Section => "section",
            El::Diag => "diag",
            El::Name => "name",
            El::Desc => "desc",
            El::List(l) => l.tag(),
            El::Note => "note",
            El::SevenChrDef => "sevenChrDef",
            El::Extension => "extension",
            El::VisualImpairment => "visualImpairment",
            El::VisCategory => "visCategory",
            El::VisRange => "visRange",
            El::VisMax => "visMax",
            El::VisMin => "visMin",
            El::Heading => "heading",
            El::Value => "value",
        }
    }

    /// Elements whose content is text.
    fn holds_text(self) -> bool {
        matches!(
            self,
            El::Version
                | El::IntroTitle
                | El::SectionRef
                | El::Name
                | El::Desc
                | El::Note
                | El::Extension
                | El::Heading
                | El::Value
        )
    }
}

/// What `tag` is when it opens inside `parent`; `None` when it may not appear there.
fn child(parent: El, tag: &str) -> Option<El> {
    use El::*;
    Some(match (parent, tag) {
        (Document, "ICD10CM.tabular") => Root,
        (Root, "version") => Version,
        (Root, "introduction") => Introduction,
        (Root, "chapter") => Chapter,
        (Introduction, "introSection") => IntroSection,
        (IntroSection, "title") => IntroTitle,
        (IntroSection, "instruction") => Instruction,
        (Instruction, "note") => Note,
        (Chapter | Diag, "name") => Name,
        (Chapter | Section | Diag, "desc") => Desc,
        (Chapter, "sectionIndex") => SectionIndex,
        (SectionIndex, "sectionRef") => SectionRef,
        (Chapter, "section") => Section,
        (Section | Diag, "diag") => Diag,
        (List(_) | SevenChrDef, "note") => Note,
        (Diag, "sevenChrDef") => SevenChrDef,
        (SevenChrDef, "extension") => Extension,
        (Diag, "visualImpairment") => VisualImpairment,
        (VisualImpairment, "visCategory") => VisCategory,
        (VisCategory, "visRange") => VisRange,
        (VisRange, "visMax") => VisMax,
        (VisRange, "visMin") => VisMin,
        (VisCategory | VisRange | VisMax | VisMin, "heading") => Heading,
        (VisCategory | VisMax | VisMin, "value") => Value,
        (Chapter | Section | Diag, t) => List(self::List::from_tag(t).filter(|l| {
            // Only a code carries 7th-character notes.
            *l != self::List::SevenChrNote || parent == Diag
        })?),
        _ => return None,
    })
}

struct Frame {
    el: El,
    /// Byte offset of the start tag.
    start: usize,
    /// The node a chapter, section or diag element made.
    node: Option<NodeId>,
}

/// The visual impairment table (H54): headings from its first row, then one line per category.
#[derive(Default)]
struct Vis {
    category_heading: String,
    range_heading: String,
    max_heading: String,
    min_heading: String,
    lines: Vec<String>,
    value: String,
    max: Vec<String>,
    min: Vec<String>,
}

impl Vis {
    fn finish_category(&mut self) {
        let value = std::mem::take(&mut self.value);
        let max = std::mem::take(&mut self.max);
        let min = std::mem::take(&mut self.min);
        if value.is_empty() {
            return; // the heading row
        }
        let heading = |h: &str, fallback: &str| {
            let h = h.trim_end_matches(':').trim();
            if h.is_empty() { fallback.to_string() } else { lower_first(h) }
        };
        let category = self.category_heading.trim_end_matches(':').trim();
        let category = if category.is_empty() { "Category" } else { category };
        let mut line = format!("{category} {value}");
        if !self.range_heading.is_empty() {
            line.push_str(&format!(" ({})", lower_first(&self.range_heading)));
        }
        line.push(':');
        if !max.is_empty() {
            line.push_str(&format!(" {} {}", heading(&self.max_heading, "maximum"), max.join(", ")));
        }
        if !min.is_empty() {
            let sep = if max.is_empty() { "" } else { ";" };
            line.push_str(&format!("{sep} {} {}", heading(&self.min_heading, "minimum"), min.join(", ")));
        }
        self.lines.push(line);
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Trim and fold runs of whitespace (the file indents some text over lines).
fn clean(s: &str) -> String {
    let b = s.as_bytes();
    let tidy = b.first().is_none_or(|c| !c.is_ascii_whitespace())
        && b.last().is_none_or(|c| !c.is_ascii_whitespace())
        && !b.windows(2).any(|w| w[0].is_ascii_whitespace() && (w[1].is_ascii_whitespace() || w[0] != b' '))
        && !b.iter().any(|c| matches!(c, b'\n' | b'\r' | b'\t'));
    if tidy && s.chars().all(|c| c.is_ascii() || !c.is_whitespace()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `s` is a code as the tabular writes it: a letter, then letters and
/// digits with at most one dot, after the third character.
fn valid_code(s: &str) -> bool {
    let b = s.as_bytes();
    let key_len = b.iter().filter(|c| **c != b'.').count();
    b.len() >= 3
        && b[0].is_ascii_uppercase()
        && (3..=7).contains(&key_len)
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'.')
        && match b.iter().position(|c| *c == b'.') {
            None => b.len() == 3,
            Some(p) => p == 3 && b.len() > 4 && !b[4..].contains(&b'.'),
        }
}

/// Whether the key `E1122` starts with the code `E11.2` (dot ignored).
fn extends(key: &str, code: &str) -> bool {
    let mut k = key.bytes();
    code.bytes().filter(|c| *c != b'.').all(|c| k.next() == Some(c))
}

struct Parser<'a> {
    data: &'a [u8],
    file: &'a str,
    tab: Tabular,
    stack: Vec<Frame>,
    text: String,
    /// Offset of each node's start tag, for errors found after the node was read.
    node_pos: Vec<usize>,
    /// Sections of the current chapter that hold no codes of their own and so may
    /// group the sections after them (C00-C96 over C00-C75 over C00-C14).
    open_blocks: Vec<(NodeId, String, String)>,
    vis: Vis,
}

pub(super) fn parse(data: &[u8], file: &str) -> Result<Tabular, ReleaseError> {
    // Checked once up front so the error can point at the bad byte.
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => return Err(ReleaseError::at(file, data, e.valid_up_to(), "not UTF-8 text")),
    };
    let mut p = Parser {
        data,
        file,
        tab: Tabular::default(),
        stack: Vec::with_capacity(16),
        text: String::new(),
        node_pos: Vec::new(),
        open_blocks: Vec::new(),
        vis: Vis::default(),
    };
    p.tab.nodes.reserve(100_000);
    p.tab.by_key.reserve(100_000);
    p.run(text)?;
    p.finish()
}

impl<'a> Parser<'a> {
    fn err(&self, offset: usize, msg: impl Into<String>) -> ReleaseError {
        ReleaseError::at(self.file, self.data, offset, msg)
    }

    fn line_of(&self, offset: usize) -> usize {
        ReleaseError::at(self.file, self.data, offset, "").line
    }

    fn parent_el(&self) -> El {
        self.stack.last().map_or(El::Document, |f| f.el)
    }

    /// The node of the innermost open chapter, section or diag.
    fn owner(&self) -> Option<NodeId> {
        self.stack.iter().rev().find_map(|f| f.node)
    }

    fn run(&mut self, text: &'a str) -> Result<(), ReleaseError> {
        let mut reader = Reader::from_str(text);
        loop {
            let pos = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = reader.error_position() as usize;
                    if reader.buffer_position() as usize >= self.data.len() {
                        return Err(self.err(at, format!("{} ({e})", self.ends_inside())));
                    }
                    return Err(self.err(at, format!("malformed XML: {e}")));
                }
            };
            match event {
                Event::Start(e) => self.open(&e, pos)?,
                Event::Empty(e) => {
                    self.open(&e, pos)?;
                    self.close(pos)?;
                }
                Event::End(_) => self.close(pos)?,
                Event::Text(t) => self.push_text(&t, pos)?,
                Event::CData(t) => self.push_text(&t, pos)?,
                Event::GeneralRef(r) => {
                    let ch = match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => return Err(self.err(pos, format!("unknown entity &{};", &*r))),
                        },
                    };
                    self.push_text(ch.encode_utf8(&mut [0; 4]), pos)?;
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(self.err(self.data.len(), self.ends_inside()));
        }
        if self.tab.chapters.is_empty() {
            return Err(
                self.err(self.data.len(), "no <ICD10CM.tabular> chapters: not an ICD-10-CM tabular file")
            );
        }
        Ok(())
    }

    /// What is left open when the data stops short.
    fn ends_inside(&self) -> String {
        match self.stack.last() {
            Some(open) => format!(
                "the file ends inside <{}> opened at line {} (truncated?)",
                open.el.tag(),
                self.line_of(open.start)
            ),
            None => "the file ends inside markup (truncated?)".to_string(),
        }
    }

    fn push_text(&mut self, t: &str, pos: usize) -> Result<(), ReleaseError> {
        if self.parent_el().holds_text() {
            // Release text reaches the screen: sanitized once, here.
            self.text.push_str(&crate::text::sanitize(t));
            Ok(())
        } else if t.trim().is_empty() {
            Ok(())
        } else {
            let snippet: String = t.trim().chars().take(40).collect();
            let at = pos + t.len() - t.trim_start().len();
            Err(self.err(at, format!("unexpected text `{snippet}` inside <{}>", self.parent_el().tag())))
        }
    }

    fn attr(&self, e: &BytesStart, name: &str, pos: usize) -> Result<Option<String>, ReleaseError> {
        match e.try_get_attribute(name) {
            Ok(Some(a)) => match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(v) => Ok(Some(v.into_owned())),
                Err(err) => Err(self.err(pos, format!("bad attribute {name}: {err}"))),
            },
            Ok(None) => Ok(None),
            Err(err) => Err(self.err(pos, format!("bad attributes: {err}"))),
        }
    }

    fn add_node(&mut self, kind: CmKind, code: String, parent: Option<NodeId>, pos: usize) -> NodeId {
        let id = self.tab.nodes.len() as NodeId;
        self.tab.nodes.push(CmNode {
            code,
            kind,
            title: String::new(),
            parent,
            children: Vec::new(),
            billable: false,
            notes: Notes::default(),
        });
        self.node_pos.push(pos);
        if let Some(p) = parent {
            self.tab.nodes[p as usize].children.push(id);
        }
        id
    }

    fn insert_key(&mut self, key: String, id: NodeId, pos: usize) -> Result<(), ReleaseError> {
        if let Some(prev) = self.tab.by_key.insert(key.clone(), id) {
            let at = self.line_of(self.node_pos[prev as usize]);
            return Err(self.err(pos, format!("{key} appears twice (first at line {at})")));
        }
        Ok(())
    }

    fn open(&mut self, e: &BytesStart, pos: usize) -> Result<(), ReleaseError> {
        let parent = self.parent_el();
        let tag = e.name();
        let tag = tag.as_ref();
        let Some(el) = child(parent, tag) else {
            if parent == El::Document {
                let msg =
                    format!("found <{tag}> where <ICD10CM.tabular> should be: not an ICD-10-CM tabular file");
                return Err(self.err(pos, msg));
            }
            return Err(self.err(pos, format!("unexpected <{tag}> inside <{}>", parent.tag())));
        };
        self.text.clear();
        let mut node = None;
        match el {
            El::Chapter => {
                let id = self.add_node(CmKind::Chapter, String::new(), None, pos);
                self.tab.chapters.push(id);
                self.open_blocks.clear();
                node = Some(id);
            }
            El::Section => {
                let Some(range) = self.attr(e, "id", pos)? else {
                    return Err(self.err(pos, "<section> without an id"));
                };
                let range = clean(&range);
                let (first, last) = match range.split_once('-') {
                    Some((a, b)) => (a.to_string(), b.to_string()),
                    None => (range.clone(), range.clone()),
                };
                if !valid_code(&first) || !valid_code(&last) || first > last {
                    return Err(
                        self.err(pos, format!("<section id=\"{range}\"> is not a range of categories"))
                    );
                }
                let chapter = self.owner();
                // A section without codes of its own groups the following ones it covers.
                let tab = &self.tab;
                while let Some((b, f, l)) = self.open_blocks.last() {
                    let only_blocks =
                        tab.node(*b).children.iter().all(|c| tab.node(*c).kind == CmKind::Block);
                    if only_blocks && *f <= first && last <= *l {
                        break;
                    }
                    self.open_blocks.pop();
                }
                let parent = self.open_blocks.last().map(|b| b.0).or(chapter);
                let id = self.add_node(CmKind::Block, range.clone(), parent, pos);
                let key = if range.contains('-') { range.clone() } else { format!("{range}-{range}") };
                self.insert_key(key, id, pos)?;
                self.open_blocks.push((id, first, last));
                node = Some(id);
            }
            El::Diag => {
                let parent = self.owner();
                if let Some(p) = parent
                    && self.tab.node(p).kind != CmKind::Block
                    && self.tab.node(p).code.is_empty()
                {
                    let at = self.node_pos[p as usize];
                    return Err(self.err(at, "<diag> without <name> before its first <diag>"));
                }
                node = Some(self.add_node(CmKind::Code, String::new(), parent, pos));
            }
            El::IntroSection => {
                let kind = self.attr(e, "type", pos)?.unwrap_or_default();
                self.tab.introduction.push(IntroSection { kind, ..IntroSection::default() });
            }
            El::Extension => {
                let ch = self.attr(e, "char", pos)?.unwrap_or_default();
                let mut chars = ch.chars();
                let ch = match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_alphanumeric() => c.to_ascii_uppercase(),
                    _ => {
                        return Err(
                            self.err(pos, format!("<extension char=\"{ch}\">: expected one letter or digit"))
                        );
                    }
                };
                if let Some(owner) = self.owner() {
                    let sc = SeventhChar { ch, title: String::new(), terms: Vec::new() };
                    self.tab.nodes[owner as usize].notes.seventh_chars.push(sc);
                }
            }
            El::VisualImpairment => self.vis = Vis::default(),
            _ => {}
        }
        self.stack.push(Frame { el, start: pos, node });
        Ok(())
    }

    fn close(&mut self, pos: usize) -> Result<(), ReleaseError> {
        let Some(frame) = self.stack.pop() else {
            return Err(self.err(pos, "closing tag without an opening one"));
        };
        let parent = self.parent_el();
        let text = if frame.el.holds_text() { clean(&self.text) } else { String::new() };
        let owner = self.owner();
        match frame.el {
            El::Version => self.tab.version = text,
            El::IntroTitle => {
                if let Some(s) = self.tab.introduction.last_mut() {
                    s.title = text;
                }
            }
            El::Name => {
                let Some(id) = owner else { return Ok(()) };
                if !self.tab.node(id).code.is_empty() {
                    return Err(self.err(frame.start, "a second <name>"));
                }
                if parent == El::Chapter {
                    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
                        return Err(self.err(frame.start, format!("chapter <name> `{text}` is not a number")));
                    }
                    self.insert_key(format!("CH{text}"), id, frame.start)?;
                } else {
                    if !valid_code(&text) {
                        return Err(self.err(frame.start, format!("`{text}` is not an ICD-10-CM code")));
                    }
                    let key = normalize(&text);
                    if let Some(p) = self.tab.node(id).parent {
                        let pnode = self.tab.node(p);
                        if pnode.kind != CmKind::Block && !extends(&key, &pnode.code) {
                            return Err(self.err(
                                frame.start,
                                format!("{text} is filed under {}, which does not start it", pnode.code),
                            ));
                        }
                    }
                    self.insert_key(key, id, frame.start)?;
                }
                self.tab.nodes[id as usize].code = text;
            }
            El::Desc => {
                let Some(id) = owner else { return Ok(()) };
                if !self.tab.node(id).title.is_empty() {
                    return Err(self.err(frame.start, "a second <desc>"));
                }
                self.tab.nodes[id as usize].title = text;
            }
            El::Note => {
                let Some(id) = owner else {
                    // An instruction of the introduction.
                    if let Some(s) = self.tab.introduction.last_mut() {
                        s.notes.push(text);
                    }
                    return Ok(());
                };
                let notes = &mut self.tab.nodes[id as usize].notes;
                match parent {
                    El::List(list) => {
                        if list == List::Notes
                            && let Some(r) = seventh::restriction(&text, id)
                        {
                            self.tab.restrictions.push(r);
                        }
                        list.of(notes).push(text);
                    }
                    // A term listed under a 7th character (S52 `B`: open fracture NOS).
                    El::SevenChrDef => match notes.seventh_chars.last_mut() {
                        Some(sc) => sc.terms.push(text),
                        None => notes.inclusion_terms.push(text),
                    },
                    _ => {}
                }
            }
            El::Extension => {
                let Some(id) = owner else { return Ok(()) };
                if let Some(sc) = self.tab.nodes[id as usize].notes.seventh_chars.last_mut() {
                    sc.title = text;
                }
            }
            El::Heading => match parent {
                El::VisCategory => self.vis.category_heading = text,
                El::VisRange => self.vis.range_heading = text,
                El::VisMax => self.vis.max_heading = text,
                El::VisMin => self.vis.min_heading = text,
                _ => {}
            },
            El::Value => match parent {
                El::VisCategory => self.vis.value = text,
                El::VisMax => self.vis.max.push(text),
                El::VisMin => self.vis.min.push(text),
                _ => {}
            },
            El::VisCategory => self.vis.finish_category(),
            El::VisualImpairment => {
                let vis = std::mem::take(&mut self.vis);
                if let Some(id) = owner {
                    self.tab.nodes[id as usize].notes.notes.extend(vis.lines);
                }
            }
            El::Chapter | El::Section | El::Diag => self.close_node(&frame)?,
            _ => {}
        }
        Ok(())
    }

    fn close_node(&mut self, frame: &Frame) -> Result<(), ReleaseError> {
        let Some(id) = frame.node else { return Ok(()) };
        let node = &self.tab.nodes[id as usize];
        let what = frame.el.tag();
        if node.code.is_empty() {
            return Err(self.err(frame.start, format!("<{what}> without <name>")));
        }
        if node.title.is_empty() {
            return Err(self.err(frame.start, format!("<{what}> {} without <desc>", node.code)));
        }
        if frame.el == El::Diag {
            let len = node.code.bytes().filter(|c| *c != b'.').count();
            let kind = if len == 3 {
                CmKind::Category
            } else if node.children.is_empty() {
                CmKind::Code
            } else {
                CmKind::Subcategory
            };
            let node = &mut self.tab.nodes[id as usize];
            node.kind = kind;
            node.billable = node.children.is_empty();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Tabular, ReleaseError> {
        if let Err((id, msg)) = seventh::expand(&mut self.tab) {
            return Err(self.err(self.node_pos[id as usize], msg));
        }
        Ok(self.tab)
    }
}
