//! Questions made from the loaded edition, each checked against it
//! ([`verify`]) before it is handed out. Distractors are what a coder could
//! plausibly pick: a sibling, the wrong 7th character or laterality, the
//! header instead of the billable code, the Excludes1 partner, the
//! neighbouring table column, a confusable root operation.

use std::collections::HashSet;

use super::question::{Choice, Kind, LETTERS, Question, Subject};
use super::rng::Rng;
use crate::codeset::icd10cm::books::{IndexBook, Term};
use crate::codeset::icd10cm::rules::{Reportable, origin_name, parenthesized_refs, reportable};
use crate::codeset::{CmKind, Codebook, NodeId, NoteKind, Tabular, normalize};

/// How many random draws one question may take before the kind is declared
/// unavailable in this edition (a table not loaded, no HCPCS file).
const TRIES: usize = 400;

/// Make `count` questions of `kind` from `seed`. Fewer come back only when
/// the edition lacks what the kind needs.
pub fn generate(cb: &Codebook, kind: Kind, count: usize, seed: u64) -> Vec<Question> {
    let mut rng = Rng::new(seed ^ (kind as u64).wrapping_mul(0x100_0000_01B3));
    let mut out = Vec::with_capacity(count);
    let mut seen = HashSet::new();
    let mut misses = 0;
    while out.len() < count && misses < TRIES {
        match one(cb, kind, &mut rng) {
            Some(mut q) if verify(cb, &q).is_ok() && seen.insert(q.stem.clone()) => {
                q.id = format!("{}-{seed}-{}", kind.as_str(), out.len() + 1);
                out.push(q);
                misses = 0;
            }
            _ => misses += 1,
        }
    }
    out
}

/// One attempt at a question of `kind`; `None` when this draw does not make a good one.
pub fn one(cb: &Codebook, kind: Kind, rng: &mut Rng) -> Option<Question> {
    match kind {
        Kind::Describe => cm_code(cb, rng, true),
        Kind::Title => cm_code(cb, rng, false),
        Kind::Seventh => seventh(cb, rng),
        Kind::Note => note(cb, rng),
        Kind::Neoplasm => table(cb, rng, cb.neoplasms.as_ref(), "neoplasm"),
        Kind::Drug => table(cb, rng, cb.drugs.as_ref(), "drug"),
        Kind::PcsRoot => pcs_root(cb, rng),
        Kind::PcsChar => pcs_char(cb, rng),
        Kind::Hcpcs => hcpcs(cb, rng),
        Kind::Case => super::case::case(cb, rng),
        Kind::Item => None,
    }
}

fn choice(code: Option<&str>, text: &str, why: Option<&str>) -> Choice {
    Choice { code: code.map(str::to_string), text: text.to_string(), why: why.map(str::to_string) }
}

/// Put the correct option among the first three distractors at a random place.
pub(super) fn place(rng: &mut Rng, correct: Choice, distractors: Vec<Choice>) -> Option<(Vec<Choice>, char)> {
    if distractors.len() < 3 {
        return None;
    }
    let mut options: Vec<Choice> = distractors.into_iter().take(3).collect();
    let at = rng.below(4);
    options.insert(at, correct);
    Some((options, LETTERS[at]))
}

fn edition(cb: &Codebook) -> String {
    cb.edition.name.clone()
}

/// The chapter of a node as the per-domain breakdown names it.
pub(super) fn chapter(tab: &Tabular, id: NodeId) -> String {
    let ch = tab.node(tab.chapter_of(id));
    format!("ICD-10-CM chapter {}", ch.code)
}

pub(super) fn tabular_path(tab: &Tabular, id: NodeId) -> Vec<String> {
    let mut path: Vec<String> = tab.ancestors(id).into_iter().rev().map(|a| origin_name(tab, a)).collect();
    path.push(tab.node(id).code.clone());
    path
}

/// A random billable code (or 7th-character extension) of the tabular.
fn random_billable(tab: &Tabular, rng: &mut Rng, extension: bool) -> Option<NodeId> {
    for _ in 0..200 {
        let id = rng.below(tab.nodes.len()) as NodeId;
        let n = tab.node(id);
        if n.billable && (n.kind == CmKind::Extension) == extension {
            return Some(id);
        }
    }
    None
}

/// Swapping `right`/`left` in a title: the laterality near miss.
fn other_side(a: &str, b: &str) -> bool {
    let swap = |s: &str| s.replace("right", "\u{1}").replace("left", "right").replace('\u{1}', "left");
    a != b && swap(&a.to_lowercase()) == b.to_lowercase()
}

/// Codes a coder could take for `id`, most plausible first, with why.
pub(super) fn cm_neighbours(tab: &Tabular, id: NodeId, rng: &mut Rng) -> Vec<(NodeId, &'static str)> {
    let node = tab.node(id);
    let mut out: Vec<(NodeId, &'static str)> = Vec::new();
    let mut siblings: Vec<NodeId> =
        tab.siblings(id).iter().copied().filter(|s| *s != id && tab.node(*s).billable).collect();
    rng.shuffle(&mut siblings);
    // The other side first, then the siblings.
    siblings.sort_by_key(|s| !other_side(&node.title, &tab.node(*s).title));
    for s in siblings {
        let why = if other_side(&node.title, &tab.node(s).title) {
            "wrong laterality"
        } else if node.kind == CmKind::Extension {
            "wrong 7th character"
        } else {
            "a sibling code"
        };
        out.push((s, why));
    }
    // The Excludes1 partner: a billable code an Excludes1 note in force names.
    for n in tab.notes_in_force(id).into_iter().filter(|n| n.kind == NoteKind::Excludes1) {
        for r in parenthesized_refs(&n.text) {
            let crate::codeset::icd10cm::rules::NoteRef::Prefix(p) = r else { continue };
            let Some(t) = tab.get(&p) else { continue };
            if let Some(b) = tab.billable_codes_below(t).into_iter().next() {
                out.insert(out.len().min(1), (b, "the Excludes1 partner"));
            }
        }
    }
    // The header instead of the billable code.
    if let Some(p) = node.parent
        && matches!(tab.node(p).kind, CmKind::Category | CmKind::Subcategory | CmKind::Code)
        && !tab.node(p).billable
    {
        out.insert(out.len().min(2), (p, "the header, not billable"));
    }
    // Cousins: billable codes under the grandparent.
    if let Some(g) = node.parent.and_then(|p| tab.node(p).parent) {
        let mut cousins: Vec<NodeId> =
            tab.billable_codes_below(g).into_iter().filter(|c| *c != id).take(40).collect();
        rng.shuffle(&mut cousins);
        out.extend(cousins.into_iter().map(|c| (c, "a nearby code")));
    }
    out
}

/// Keep options whose key and text are new (and differ from the answer's).
pub(super) fn distinct(correct: &Choice, items: impl IntoIterator<Item = Choice>) -> Vec<Choice> {
    let mut codes: HashSet<String> = correct.code.iter().map(|c| normalize(c)).collect();
    let mut texts: HashSet<String> = HashSet::from([correct.text.to_lowercase()]);
    let mut out = Vec::new();
    for c in items {
        let code_new = c.code.as_ref().is_none_or(|k| codes.insert(normalize(k)));
        if code_new && texts.insert(c.text.to_lowercase()) {
            out.push(c);
        }
    }
    out
}

/// Description -> code (`describe`) or code -> description (`title`).
fn cm_code(cb: &Codebook, rng: &mut Rng, describe: bool) -> Option<Question> {
    let tab = &cb.cm;
    let extension = rng.below(4) == 0;
    let id = random_billable(tab, rng, extension)?;
    let node = tab.node(id);
    let near = cm_neighbours(tab, id, rng);
    let as_choice = |n: NodeId, why: Option<&str>| {
        let m = tab.node(n);
        if describe {
            // The options are codes; the texts are the codes too (titles would give it away).
            choice(Some(&m.code), &m.code, why)
        } else {
            choice(Some(&m.code), &m.title, why)
        }
    };
    let correct = as_choice(id, None);
    // Titles must differ for the question to have one answer, whichever way it is asked.
    let mut titles = HashSet::from([node.title.to_lowercase()]);
    let pool: Vec<Choice> = near
        .into_iter()
        .filter(|(n, _)| titles.insert(tab.node(*n).title.to_lowercase()))
        .map(|(n, why)| as_choice(n, Some(why)))
        .collect();
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, pool))?;
    let (kind, stem, subject) = if describe {
        (
            Kind::Describe,
            format!("Which code is \"{}\"?", node.title),
            Subject::CodeFor { title: node.title.clone() },
        )
    } else {
        (Kind::Title, format!("What does {} mean?", node.code), Subject::TitleOf { code: node.code.clone() })
    };
    let explanation = format!(
        "{} is \"{}\" in the Tabular List; {}.",
        node.code,
        node.title,
        options
            .iter()
            .filter(|o| o.why.is_some())
            .map(|o| {
                let code = o.code.clone().unwrap_or_default();
                let title = cb.title(crate::codeset::CodeSet::Icd10cm, &code).unwrap_or_default();
                format!("{code} is \"{title}\" ({})", o.why.as_deref().unwrap_or(""))
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    Some(Question {
        id: String::new(),
        kind,
        edition: edition(cb),
        domain: chapter(tab, id),
        stem,
        options,
        answer,
        subject,
        explanation,
        source: format!("ICD-10-CM Tabular List {}, {}", tab.version, node.code),
        path: tabular_path(tab, id),
    })
}

/// The 7th character: an injury or other code needing one, and the encounter.
fn seventh(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let tab = &cb.cm;
    let id = random_billable(tab, rng, true)?;
    let parent = tab.node(id).parent?;
    let origin = tab.seventh_origin(parent)?;
    let defs = &tab.node(origin).notes.seventh_chars;
    let ch = tab.node(id).code.chars().last()?;
    let def = defs.iter().find(|d| d.ch == ch)?;
    let p = tab.node(parent);
    let correct = choice(Some(&tab.node(id).code), &tab.node(id).code, None);
    let mut others: Vec<Choice> = p
        .children
        .iter()
        .filter(|c| **c != id && tab.node(**c).kind == CmKind::Extension)
        .map(|c| choice(Some(&tab.node(*c).code), &tab.node(*c).code, Some("wrong 7th character")))
        .collect();
    rng.shuffle(&mut others);
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, others))?;
    let meaning = |o: &Choice| {
        let c = o.code.as_deref().and_then(|c| c.chars().last()).unwrap_or(' ');
        let t = defs.iter().find(|d| d.ch == c).map_or("", |d| d.title.as_str());
        format!("{c} = {t}")
    };
    let explanation = format!(
        "The 7th characters of {} ({}): {}.",
        origin_name(tab, origin),
        tab.node(origin).code,
        options.iter().map(meaning).collect::<Vec<_>>().join("; ")
    );
    Some(Question {
        id: String::new(),
        kind: Kind::Seventh,
        edition: edition(cb),
        domain: chapter(tab, id),
        stem: format!("{}: {}. Which code?", p.title, def.title),
        options,
        answer,
        subject: Subject::Seventh { code: p.code.clone(), ch },
        explanation,
        source: format!(
            "ICD-10-CM Tabular List {}, 7th characters at {}",
            tab.version,
            tab.node(origin).code
        ),
        path: tabular_path(tab, id),
    })
}

const NOTE_KINDS: [NoteKind; 4] =
    [NoteKind::Excludes1, NoteKind::Excludes2, NoteKind::CodeFirst, NoteKind::UseAdditionalCode];

fn note_meaning(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Excludes1 => "Excludes1: NOT CODED HERE; the two conditions are never coded together",
        NoteKind::Excludes2 => {
            "Excludes2: NOT INCLUDED HERE; the patient may have both, and both may be coded"
        }
        NoteKind::CodeFirst => "Code first: the underlying condition is sequenced first",
        NoteKind::UseAdditionalCode => {
            "Use additional code: add a code for the manifestation or detail named"
        }
        _ => "",
    }
}

/// Which note governs: a note's text at a code, under which kind is it written?
fn note(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let tab = &cb.cm;
    let kind = *rng.pick(&NOTE_KINDS)?;
    // Most codes carry no note of their own: draw until one does.
    let (id, text) = (0..2000).find_map(|_| {
        let id = rng.below(tab.nodes.len()) as NodeId;
        let node = tab.node(id);
        if matches!(node.kind, CmKind::Chapter | CmKind::Block | CmKind::Extension) {
            return None;
        }
        let texts = node.notes.of(kind);
        // A text written under two kinds at one code has no single answer.
        let text = rng.pick(&texts)?.clone();
        let elsewhere = NOTE_KINDS.iter().any(|k| *k != kind && node.notes.of(*k).contains(&text));
        (!elsewhere).then_some((id, text))
    })?;
    let node = tab.node(id);
    let correct = choice(None, kind.label(), None);
    let others: Vec<Choice> = NOTE_KINDS
        .iter()
        .filter(|k| **k != kind)
        .map(|k| choice(None, k.label(), Some(note_meaning(*k))))
        .collect();
    // The options keep the books' order (Excludes1, Excludes2, Code first, Use additional).
    let mut options: Vec<Choice> = others;
    let at = NOTE_KINDS.iter().position(|k| *k == kind)?;
    options.insert(at, correct);
    Some(Question {
        id: String::new(),
        kind: Kind::Note,
        edition: edition(cb),
        domain: chapter(tab, id),
        stem: format!("At {} ({}), the tabular lists \"{}\". Under which note?", node.code, node.title, text),
        options,
        answer: LETTERS[at],
        subject: Subject::Note { code: node.code.clone(), text },
        explanation: format!("{}. It is written at {}.", note_meaning(kind), origin_name(tab, id)),
        source: format!("ICD-10-CM Tabular List {}, {} note at {}", tab.version, kind.label(), node.code),
        path: tabular_path(tab, id),
    })
}

/// Every row of a table with its path of titles.
pub fn table_rows(book: &IndexBook) -> Vec<(Vec<String>, &Term)> {
    fn walk<'a>(t: &'a Term, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'a Term)>) {
        path.push(t.display());
        if !t.cells.is_empty() {
            out.push((path.clone(), t));
        }
        for c in &t.terms {
            walk(c, path, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    for t in &book.terms {
        walk(t, &mut Vec::new(), &mut out);
    }
    out
}

/// A table column: the row's code in one column, the neighbouring columns as distractors.
fn table(cb: &Codebook, rng: &mut Rng, book: Option<&IndexBook>, name: &str) -> Option<Question> {
    let book = book?;
    let rows = table_rows(book);
    let (path, term) = rng.pick(&rows)?.clone();
    let filled: Vec<usize> = (0..term.cells.len()).filter(|i| term.cells[*i].is_some()).collect();
    let column = *rng.pick(&filled)?;
    let code = term.cells[column].clone()?;
    if crate::codeset::icd10cm::books::check_code(&cb.cm, &code).status
        == crate::codeset::icd10cm::books::CodeStatus::Invalid
    {
        return None;
    }
    let correct = choice(Some(&code), &code, None);
    let mut near: Vec<usize> = filled.iter().copied().filter(|i| *i != column).collect();
    near.sort_by_key(|i| i.abs_diff(column));
    let others: Vec<Choice> = near
        .iter()
        .filter_map(|i| {
            let c = term.cells[*i].as_deref()?;
            let why = format!("the {} column", book.column(*i));
            Some(Choice { code: Some(c.to_string()), text: c.to_string(), why: Some(why) })
        })
        .collect();
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, others))?;
    let heading = book.column(column);
    let label = if name == "drug" { "Table of Drugs and Chemicals" } else { "Table of Neoplasms" };
    let cells: Vec<String> = options
        .iter()
        .map(|o| {
            let col = term.cells.iter().position(|c| c.as_deref() == o.code.as_deref()).unwrap_or(0);
            format!("{} = {}", book.column(col), o.text)
        })
        .collect();
    let mut full_path = path.clone();
    full_path.push(heading.clone());
    Some(Question {
        id: String::new(),
        kind: if name == "drug" { Kind::Drug } else { Kind::Neoplasm },
        edition: edition(cb),
        domain: label.to_string(),
        stem: format!("{label}: {}, column {heading}. Which code?", path.join(", ")),
        options,
        answer,
        subject: Subject::Table { book: name.to_string(), path: path.clone(), column },
        explanation: format!(
            "The row {} gives {}; then check the code in the Tabular List.",
            path.join(" > "),
            cells.join(", ")
        ),
        source: format!("{label} {}, row {}, column {heading}", book.version, path.join(" > ")),
        path: full_path,
    })
}

/// Root operations that coders confuse, in groups: the distractors come from the same group first.
const ROOT_GROUPS: [&[&str]; 6] = [
    &["Excision", "Resection", "Detachment", "Destruction", "Extraction", "Drainage", "Extirpation"],
    &["Replacement", "Supplement", "Insertion", "Change", "Reposition", "Transfer", "Transplantation"],
    &["Repair", "Restriction", "Occlusion", "Dilation", "Bypass"],
    &["Inspection", "Map", "Release", "Division"],
    &["Removal", "Revision", "Change", "Replacement"],
    &["Alteration", "Creation", "Fusion", "Fragmentation", "Reattachment"],
];

/// The ICD-10-PCS section 0 (Medical and Surgical) root operations with their definitions.
fn root_operations(cb: &Codebook) -> Vec<&crate::codeset::icd10pcs::PcsDefinition> {
    let mut seen = HashSet::new();
    cb.pcs
        .definitions
        .iter()
        .filter(|d| d.section == '0' && d.pos == 3 && d.definition.is_some())
        .filter(|d| seen.insert(d.title.to_lowercase()))
        .collect()
}

fn pcs_root(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let ops = root_operations(cb);
    let d = *rng.pick(&ops)?;
    let definition = d.definition.clone()?;
    // A definition that names its own operation gives the answer away.
    if definition.to_lowercase().contains(&d.title.to_lowercase()) {
        return None;
    }
    let group: Vec<&str> = ROOT_GROUPS
        .iter()
        .filter(|g| g.contains(&d.title.as_str()))
        .flat_map(|g| g.iter().copied())
        .collect();
    let mut close: Vec<Choice> = ops
        .iter()
        .filter(|o| o.title != d.title && group.contains(&o.title.as_str()))
        .map(|o| choice(None, &o.title, Some("a root operation coders confuse with it")))
        .collect();
    let mut rest: Vec<Choice> = ops
        .iter()
        .filter(|o| o.title != d.title && !group.contains(&o.title.as_str()))
        .map(|o| choice(None, &o.title, Some("another root operation")))
        .collect();
    rng.shuffle(&mut close);
    rng.shuffle(&mut rest);
    close.extend(rest);
    let correct = choice(None, &d.title, None);
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, close))?;
    let defs: Vec<String> = options
        .iter()
        .filter(|o| o.text != d.title)
        .filter_map(|o| ops.iter().find(|x| x.title == o.text))
        .map(|x| format!("{}: {}", x.title, x.definition.clone().unwrap_or_default()))
        .collect();
    Some(Question {
        id: String::new(),
        kind: Kind::PcsRoot,
        edition: edition(cb),
        domain: "ICD-10-PCS section 0".to_string(),
        stem: format!(
            "Which ICD-10-PCS root operation (Medical and Surgical) is defined as: \"{definition}\"?"
        ),
        options,
        answer,
        subject: Subject::PcsRoot { definition: definition.clone() },
        explanation: format!(
            "{}: {}{}. The others: {}.",
            d.title,
            definition,
            d.explanation.as_ref().map(|e| format!(" ({e})")).unwrap_or_default(),
            defs.join("; ")
        ),
        source: format!(
            "ICD-10-PCS Definitions {}, section 0, character 3 (Root Operation), {}",
            cb.pcs.version, d.title
        ),
        path: vec![
            "ICD-10-PCS Definitions".into(),
            "Section 0 Medical and Surgical".into(),
            "Root Operation".into(),
            d.title.clone(),
        ],
    })
}

fn pcs_char(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let code = rng.pick(&cb.pcs.codes)?.clone();
    let pos = 3 + rng.below(5) as u8; // 3..=7
    let info = cb.pcs.explain(&code);
    let this = info.iter().find(|c| c.pos == pos)?;
    let next = cb.pcs.next_chars(&code[..pos as usize - 1]);
    let correct = choice(None, &this.label, None);
    let mut others: Vec<Choice> = next
        .iter()
        .filter(|n| n.ch != this.ch)
        .map(|n| choice(None, &n.label, Some("another value of the same axis in this table")))
        .collect();
    rng.shuffle(&mut others);
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, others))?;
    let section = info.first().map(|c| c.label.clone()).unwrap_or_default();
    let mut path: Vec<String> = info.iter().take(3).map(|c| format!("{} {}", c.ch, c.label)).collect();
    path.insert(0, "ICD-10-PCS Tables".into());
    path.push(format!("{} {}: {} {}", pos, this.axis, this.ch, this.label));
    Some(Question {
        id: String::new(),
        kind: Kind::PcsChar,
        edition: edition(cb),
        domain: format!("ICD-10-PCS section {}", code.chars().next().unwrap_or(' ')),
        stem: format!("In {code}, what does character {pos} ({}) \"{}\" mean?", this.axis, this.ch),
        options,
        answer,
        subject: Subject::PcsChar { code: code.clone(), pos },
        explanation: format!(
            "Table {} ({section}): character {pos}, {}, value {} = {}{}.",
            &code[..3],
            this.axis,
            this.ch,
            this.label,
            this.definition.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        source: format!("ICD-10-PCS Tables {}, table {}, character {pos}", cb.pcs.version, &code[..3]),
        path,
    })
}

fn hcpcs(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let codes = &cb.hcpcs.codes;
    let at = rng.below(codes.len().max(1));
    let c = codes.get(at)?;
    if c.terminated.is_some() || c.long.trim().is_empty() {
        return None;
    }
    let lo = at.saturating_sub(6);
    let hi = (at + 7).min(codes.len());
    let mut near: Vec<Choice> = codes[lo..hi]
        .iter()
        .filter(|n| n.code != c.code && n.terminated.is_none() && n.code[..1] == c.code[..1])
        .map(|n| choice(Some(&n.code), &n.code, Some("a neighbouring code of the same section")))
        .collect();
    rng.shuffle(&mut near);
    // Texts are codes; descriptions must differ too, checked here.
    let correct = choice(Some(&c.code), &c.code, None);
    let near: Vec<Choice> = {
        let mut seen = HashSet::from([c.long.to_lowercase()]);
        near.into_iter()
            .filter(|n| {
                let long = n.code.as_deref().and_then(|k| cb.hcpcs.get(k)).map(|h| h.long.to_lowercase());
                long.is_some_and(|l| seen.insert(l))
            })
            .collect()
    };
    let (options, answer) = place(rng, correct.clone(), distinct(&correct, near))?;
    let section = crate::codeset::hcpcs::section_of(&c.code).map(|s| format!("{s:?}")).unwrap_or_default();
    let _ = section;
    let lines: Vec<String> = options
        .iter()
        .filter_map(|o| o.code.as_deref().and_then(|k| cb.hcpcs.get(k)))
        .map(|h| format!("{} {}", h.code, h.long))
        .collect();
    Some(Question {
        id: String::new(),
        kind: Kind::Hcpcs,
        edition: edition(cb),
        domain: format!("HCPCS Level II section {}", &c.code[..1]),
        stem: format!("Which HCPCS Level II code is \"{}\"?", c.long),
        options,
        answer,
        subject: Subject::Hcpcs { description: c.long.clone() },
        explanation: lines.join("; "),
        source: format!("HCPCS Level II, {} section {}", c.code, &c.code[..1]),
        path: vec!["HCPCS Level II".into(), format!("section {}", &c.code[..1]), c.code.clone()],
    })
}

/// Check a question against the edition, independently of how it was made:
/// four options, distinct codes and texts, every code valid, exactly one
/// option that the data confirms, and it is the answer.
pub fn verify(cb: &Codebook, q: &Question) -> Result<(), String> {
    if q.options.len() != 4 {
        return Err(format!("{} options", q.options.len()));
    }
    let answer = q.answer_index().ok_or("answer is not A-D")?;
    let mut texts = HashSet::new();
    let mut codes = HashSet::new();
    for o in &q.options {
        if !texts.insert(o.text.to_lowercase()) {
            return Err(format!("option `{}` twice", o.text));
        }
        if let Some(c) = &o.code
            && !codes.insert(normalize(c))
        {
            return Err(format!("code `{c}` twice"));
        }
    }
    let tab = &cb.cm;
    let cm_title =
        |c: &str| tab.get(&normalize(c.trim_end_matches(['-', '.']))).map(|id| tab.node(id).title.clone());
    let right: Vec<bool> = match &q.subject {
        Subject::CodeFor { title } => q
            .options
            .iter()
            .map(|o| {
                let t = o
                    .code
                    .as_deref()
                    .and_then(cm_title)
                    .ok_or(format!("`{}` is not in the tabular", o.text))?;
                Ok(t.eq_ignore_ascii_case(title))
            })
            .collect::<Result<_, String>>()?,
        Subject::TitleOf { code } => {
            let title = cm_title(code).ok_or(format!("`{code}` is not in the tabular"))?;
            for o in &q.options {
                o.code.as_deref().and_then(cm_title).ok_or(format!("option `{}` names no code", o.text))?;
            }
            q.options.iter().map(|o| o.text.eq_ignore_ascii_case(&title)).collect()
        }
        Subject::Seventh { code, ch } => {
            let parent = tab.get(&normalize(code)).ok_or(format!("`{code}` is not in the tabular"))?;
            if !matches!(reportable(tab, parent), Reportable::NeedsSeventh(_)) {
                return Err(format!("{code} does not need a 7th character"));
            }
            q.options
                .iter()
                .map(|o| {
                    let c = o.code.as_deref().ok_or("an option without a code")?;
                    let id = tab.get(&normalize(c)).ok_or(format!("`{c}` is not in the tabular"))?;
                    if tab.node(id).parent != Some(parent) || !tab.node(id).billable {
                        return Err(format!("`{c}` is not a 7th-character code of {code}"));
                    }
                    Ok(c.ends_with(*ch))
                })
                .collect::<Result<_, String>>()?
        }
        Subject::Note { code, text } => {
            let id = tab.get(&normalize(code)).ok_or(format!("`{code}` is not in the tabular"))?;
            let notes = &tab.node(id).notes;
            q.options
                .iter()
                .map(|o| {
                    let kind = NOTE_KINDS.iter().find(|k| k.label() == o.text).ok_or("not a note kind")?;
                    Ok(notes.of(*kind).contains(text))
                })
                .collect::<Result<_, String>>()?
        }
        Subject::Table { book, path, column } => {
            let b = if book == "drug" { cb.drugs.as_ref() } else { cb.neoplasms.as_ref() }
                .ok_or("no such table")?;
            let rows = table_rows(b);
            let (_, term) = rows.iter().find(|(p, _)| p == path).ok_or("no such row")?;
            let want = term.cells.get(*column).cloned().flatten().ok_or("empty cell")?;
            q.options
                .iter()
                .map(|o| {
                    let c = o.code.as_deref().ok_or("an option without a code")?;
                    if !term.cells.iter().flatten().any(|x| x == c) {
                        return Err(format!("`{c}` is not in the row"));
                    }
                    if cm_title(c).is_none() {
                        return Err(format!("`{c}` is not in the tabular"));
                    }
                    Ok(normalize(c) == normalize(&want))
                })
                .collect::<Result<_, String>>()?
        }
        Subject::PcsRoot { definition } => {
            let ops = root_operations(cb);
            q.options
                .iter()
                .map(|o| {
                    let d = ops
                        .iter()
                        .find(|d| d.title == o.text)
                        .ok_or(format!("`{}` is not a root operation", o.text))?;
                    Ok(d.definition.as_deref() == Some(definition.as_str()))
                })
                .collect::<Result<_, String>>()?
        }
        Subject::PcsChar { code, pos } => {
            if !cb.pcs.is_code(code) {
                return Err(format!("`{code}` is not an ICD-10-PCS code"));
            }
            let info = cb.pcs.explain(code);
            let this = info.iter().find(|c| c.pos == *pos).ok_or("no such character")?;
            let valid = cb.pcs.next_chars(&code[..*pos as usize - 1]);
            q.options
                .iter()
                .map(|o| {
                    if !valid.iter().any(|n| n.label == o.text) {
                        return Err(format!("`{}` is not a value at character {pos}", o.text));
                    }
                    Ok(o.text == this.label)
                })
                .collect::<Result<_, String>>()?
        }
        Subject::Hcpcs { description } => q
            .options
            .iter()
            .map(|o| {
                let h = o
                    .code
                    .as_deref()
                    .and_then(|c| cb.hcpcs.get(c))
                    .ok_or(format!("`{}` is not HCPCS", o.text))?;
                Ok(h.long == *description)
            })
            .collect::<Result<_, String>>()?,
        Subject::Case { record } => super::case::verify(cb, q, record)?,
        Subject::Item => return Ok(()),
    };
    let n = right.iter().filter(|r| **r).count();
    if n != 1 {
        return Err(format!("{n} options are right"));
    }
    if !right[answer] {
        return Err(format!("the answer {} is not the right option", q.answer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::codeset::shipped::{self, FY2027};

    fn book() -> &'static Codebook {
        static B: OnceLock<Codebook> = OnceLock::new();
        B.get_or_init(|| shipped::load_edition(FY2027).expect("fy2027-shipped loads"))
    }

    #[test]
    fn every_kind_over_many_seeds_has_exactly_one_right_option_and_valid_distinct_distractors() {
        let cb = book();
        let mut short = Vec::new();
        for kind in Kind::ALL {
            let mut made = 0;
            for seed in 0..25u64 {
                let qs = generate(cb, kind, 8, seed);
                if qs.len() < 8 {
                    short.push(format!("{kind} seed {seed}: {} of 8", qs.len()));
                }
                for q in &qs {
                    verify(cb, q).unwrap_or_else(|e| panic!("{kind} seed {seed} {}: {e}\n{q:#?}", q.id));
                    assert!(q.options.iter().filter(|o| o.why.is_none()).count() == 1, "{q:#?}");
                    assert!(q.options[q.answer_index().unwrap()].why.is_none(), "{q:#?}");
                    assert!(!q.explanation.is_empty() && !q.source.is_empty() && !q.path.is_empty());
                }
                made += qs.len();
            }
            assert!(made > 0, "{kind}");
        }
        assert!(short.is_empty(), "kinds the edition could not fill: {short:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_drill() {
        let a = generate(book(), Kind::Seventh, 5, 42);
        let b = generate(book(), Kind::Seventh, 5, 42);
        assert_eq!(a, b);
        assert_ne!(a, generate(book(), Kind::Seventh, 5, 43));
    }

    #[test]
    fn verify_catches_a_wrong_key_and_a_second_right_option() {
        let cb = book();
        for kind in Kind::ALL {
            let q = generate(cb, kind, 1, 9).pop().expect("one question");
            let mut wrong = q.clone();
            wrong.answer = if q.answer == 'A' { 'B' } else { 'A' };
            assert!(verify(cb, &wrong).is_err(), "{kind}: a moved key is caught");
            let mut twice = q.clone();
            let right = q.options[q.answer_index().unwrap()].clone();
            let other = if q.answer == 'A' { 1 } else { 0 };
            twice.options[other] = right;
            assert!(verify(cb, &twice).is_err(), "{kind}: a repeated option is caught");
        }
    }

    #[test]
    fn distractors_are_the_near_misses_a_coder_makes() {
        let cb = book();
        let qs = generate(cb, Kind::Describe, 60, 3);
        let whys: HashSet<&str> =
            qs.iter().flat_map(|q| q.options.iter().filter_map(|o| o.why.as_deref())).collect();
        for want in ["a sibling code", "wrong laterality", "the header, not billable", "wrong 7th character"]
        {
            assert!(whys.contains(want), "{want} among {whys:?}");
        }
        let drug = generate(cb, Kind::Drug, 10, 1);
        assert!(
            drug.iter().all(|q| q
                .options
                .iter()
                .flat_map(|o| o.why.as_deref())
                .all(|w| w.ends_with("column")))
        );
    }
}
