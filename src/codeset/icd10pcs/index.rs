//! The CMS index file (`<ICD10PCS.index>`): letters, main terms, nested terms
//! with `see`/`use` and the tables or partial codes they point to.

use super::xml::{Ev, Xml};
use super::{Pcs, PcsIndexHit, PcsIndexTerm};
use crate::codeset::ReleaseError;

pub(super) fn attach(pcs: &mut Pcs, data: &[u8], file: &str) -> Result<(), ReleaseError> {
    pcs.index = parse(data, file)?;
    pcs.index_words.clear();
    for (l, letter) in pcs.index.iter().enumerate() {
        for (m, main) in letter.terms.iter().enumerate() {
            let mut words = words(&main.title);
            words.sort_unstable();
            words.dedup();
            for w in words {
                pcs.index_words.entry(w).or_default().push((l as u32, m as u32));
            }
        }
    }
    Ok(())
}

/// Lower-case words of a title, split at anything not a letter or digit.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

pub(super) fn lookup(pcs: &Pcs, query: &str) -> Vec<PcsIndexHit> {
    let query = words(query);
    let Some((first, rest)) = query.split_first() else { return Vec::new() };
    let Some(candidates) = pcs.index_words.get(first) else { return Vec::new() };
    let mut out = Vec::new();
    for &(l, m) in candidates {
        let Some(main) = pcs.index.get(l as usize).and_then(|letter| letter.terms.get(m as usize)) else {
            continue;
        };
        let title_words = words(&main.title);
        if rest.iter().all(|w| title_words.contains(w)) {
            flatten(main, &mut Vec::new(), &mut out);
        }
    }
    out
}

pub(super) fn entries(pcs: &Pcs) -> Vec<PcsIndexHit> {
    let mut out = Vec::new();
    for main in pcs.index.iter().flat_map(|letter| &letter.terms) {
        flatten(main, &mut Vec::new(), &mut out);
    }
    out
}

fn flatten(term: &PcsIndexTerm, path: &mut Vec<String>, out: &mut Vec<PcsIndexHit>) {
    let titled = !term.title.is_empty();
    if titled {
        path.push(term.title.clone());
    }
    if !term.codes.is_empty() || term.see.is_some() || term.use_.is_some() {
        out.push(PcsIndexHit {
            path: path.clone(),
            codes: term.codes.clone(),
            see: term.see.clone(),
            use_: term.use_.clone(),
        });
    }
    for t in &term.terms {
        flatten(t, path, out);
    }
    if titled {
        path.pop();
    }
}

fn parse(data: &[u8], file: &str) -> Result<Vec<PcsIndexTerm>, ReleaseError> {
    let mut xml = Xml::new(data, file);
    let mut letters = Vec::new();
    let mut root_seen = false;
    // The open letter, main term and terms, outermost first.
    let mut open: Vec<PcsIndexTerm> = Vec::new();
    loop {
        match xml.next()? {
            Ev::Eof => break,
            Ev::Open(_) => match xml.name() {
                "ICD10PCS.index" if xml.depth() == 1 => root_seen = true,
                _ if !root_seen => {
                    return Err(xml.error(format!("expected <ICD10PCS.index>, found <{}>", xml.name())));
                }
                "letter" | "mainTerm" | "term" => open.push(PcsIndexTerm::default()),
                _ => {}
            },
            Ev::Close { name, text } => match name.as_ref() {
                "title" if matches!(xml.name(), "letter" | "mainTerm" | "term") => {
                    if let Some(t) = open.last_mut() {
                        t.title = text;
                    }
                }
                "see" | "use" => {
                    let Some(t) = open.last_mut() else {
                        return Err(xml.error(format!("<{name}> outside a term")));
                    };
                    let slot = if name == "see" { &mut t.see } else { &mut t.use_ };
                    match slot {
                        // A second `see` in one term: keep both.
                        Some(s) => {
                            s.push_str("; ");
                            s.push_str(&text);
                        }
                        None => *slot = Some(text),
                    }
                }
                "codes" | "code" | "tab" => {
                    let Some(t) = open.last_mut() else {
                        return Err(xml.error(format!("<{name}> outside a term")));
                    };
                    if text.is_empty() || text.len() > 7 || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        return Err(xml.error(format!("<{name}>{text}</{name}> is not a (partial) code")));
                    }
                    t.codes.push(text.to_ascii_uppercase());
                }
                "letter" | "mainTerm" | "term" => {
                    let Some(t) = open.pop() else { continue };
                    match open.last_mut() {
                        Some(parent) => parent.terms.push(t),
                        None if name == "letter" => letters.push(t),
                        None => return Err(xml.error(format!("<{name}> outside a <letter>"))),
                    }
                }
                _ => {}
            },
        }
    }
    if !root_seen {
        return Err(ReleaseError::at(file, data, 0, "not an ICD-10-PCS index file (no <ICD10PCS.index>)"));
    }
    Ok(letters)
}
