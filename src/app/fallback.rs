//! A plain scan over the code titles, used when no search index can be
//! opened: every query word must start a word of the title (a few coder
//! abbreviations expanded), or the query is a code prefix.

use std::sync::Arc;

use crate::codeset::icd10cm::CmKind;
use crate::codeset::{CodeSet, Codebook, normalize};
use crate::search::{Hit, Matched, Query, Search};

struct Entry {
    set: CodeSet,
    code: String,
    key: String,
    title: String,
    words: Vec<String>,
    billable: bool,
}

pub struct ScanSearch {
    entries: Vec<Entry>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn expand(word: &str) -> &[&'static str] {
    match word {
        "w" => &["with"],
        "wo" => &["without"],
        "ckd" => &["chronic", "kidney", "disease"],
        "dm" => &["diabetes", "mellitus"],
        "htn" => &["hypertensive"],
        "chf" => &["heart", "failure"],
        "copd" => &["chronic", "obstructive", "pulmonary"],
        "uti" => &["urinary", "tract", "infection"],
        "fx" => &["fracture"],
        _ => &[],
    }
}

impl ScanSearch {
    pub fn new(book: &Arc<Codebook>) -> ScanSearch {
        let mut entries = Vec::new();
        for n in &book.cm.nodes {
            if matches!(n.kind, CmKind::Chapter | CmKind::Block) {
                continue;
            }
            entries.push(Entry {
                set: CodeSet::Icd10cm,
                code: n.code.clone(),
                key: normalize(&n.code),
                words: words(&n.title),
                title: n.title.clone(),
                billable: n.billable,
            });
        }
        for code in &book.pcs.codes {
            if let Some(t) = book.pcs.title(code) {
                entries.push(Entry {
                    set: CodeSet::Icd10pcs,
                    code: code.clone(),
                    key: code.clone(),
                    words: words(&t.text),
                    title: t.text,
                    billable: true,
                });
            }
        }
        ScanSearch { entries }
    }
}

impl Search for ScanSearch {
    fn search(&self, query: &Query) -> anyhow::Result<Vec<Hit>> {
        let qwords = words(&query.text);
        let qkey = normalize(query.text.trim());
        let mut hits: Vec<(f32, &Entry, Matched)> = Vec::new();
        for e in &self.entries {
            if query.set.is_some_and(|s| s != e.set) || (query.billable_only && !e.billable) {
                continue;
            }
            if !qkey.is_empty() && e.key.starts_with(&qkey) {
                let score = 100.0 - (e.key.len() - qkey.len()) as f32;
                hits.push((score, e, Matched::Code));
                continue;
            }
            if qwords.is_empty() {
                continue;
            }
            let all = qwords.iter().all(|q| {
                e.words.iter().any(|w| w.starts_with(q.as_str()))
                    || (!expand(q).is_empty()
                        && expand(q).iter().all(|x| e.words.iter().any(|w| w.starts_with(x))))
            });
            if all {
                hits.push((50.0 - e.words.len() as f32 * 0.5, e, Matched::Title));
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
        Ok(hits
            .into_iter()
            .take(query.limit)
            .map(|(score, e, matched)| Hit {
                code: e.code.clone(),
                title: e.title.clone(),
                set: e.set,
                billable: e.billable,
                score,
                matched,
            })
            .collect())
    }
}
