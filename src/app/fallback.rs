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
    /// The title's words, lower case, each after a space (` type 2 diabetes`), so a
    /// word prefix is a substring search.
    hay: String,
    words: usize,
    billable: bool,
}

pub struct ScanSearch {
    entries: Vec<Entry>,
    /// The last query and every entry it matched: typing usually extends a
    /// query, and then only those entries need looking at.
    last: std::sync::Mutex<Option<(Query, Vec<u32>)>>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn hay(text: &str) -> String {
    words(text).iter().fold(String::new(), |mut acc, w| {
        acc.push(' ');
        acc.push_str(w);
        acc
    })
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
                hay: hay(&n.title),
                words: words(&n.title).len(),
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
                    hay: hay(&t.text),
                    words: words(&t.text).len(),
                    title: t.text,
                    billable: true,
                });
            }
        }
        ScanSearch { entries, last: std::sync::Mutex::new(None) }
    }
}

impl Search for ScanSearch {
    fn search(&self, query: &Query) -> anyhow::Result<Vec<Hit>> {
        // Each query word: the needles of which one must be in the title (all of an expansion).
        let needles: Vec<(String, Vec<String>)> = words(&query.text)
            .iter()
            .map(|q| (format!(" {q}"), expand(q).iter().map(|x| format!(" {x}")).collect()))
            .collect();
        let qkey = normalize(query.text.trim());
        let mut hits: Vec<(f32, &Entry, Matched)> = Vec::new();
        let mut matched: Vec<u32> = Vec::new();
        let last = self.last.lock().map(|g| g.clone()).unwrap_or(None);
        // An expansion (`ckd`) can match titles its prefix (`ck`) did not: no narrowing then.
        let expands = words(&query.text).last().is_some_and(|w| !expand(w).is_empty());
        let narrowed: Option<Vec<u32>> = last.and_then(|(q, ids)| {
            (q.set == query.set
                && q.billable_only == query.billable_only
                && !q.text.trim().is_empty()
                && query.text.starts_with(&q.text)
                && !expands)
                .then_some(ids)
        });
        let all: Vec<u32>;
        let candidates: &[u32] = match &narrowed {
            Some(ids) => ids,
            None => {
                all = (0..self.entries.len() as u32).collect();
                &all
            }
        };
        for &i in candidates {
            let e = &self.entries[i as usize];
            if query.set.is_some_and(|s| s != e.set) || (query.billable_only && !e.billable) {
                continue;
            }
            if !qkey.is_empty() && e.key.starts_with(&qkey) {
                let score = 100.0 - (e.key.len() - qkey.len()) as f32;
                hits.push((score, e, Matched::Code));
                matched.push(i);
                continue;
            }
            if needles.is_empty() {
                continue;
            }
            let all = needles.iter().all(|(word, expansion)| {
                e.hay.contains(word.as_str())
                    || (!expansion.is_empty() && expansion.iter().all(|x| e.hay.contains(x.as_str())))
            });
            if all {
                hits.push((50.0 - e.words as f32 * 0.5, e, Matched::Title));
                matched.push(i);
            }
        }
        if let Ok(mut g) = self.last.lock() {
            *g = Some((query.clone(), matched));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_prefixes_abbreviations_and_code_prefixes() {
        let book = crate::app::tests::fixture_book();
        let s = ScanSearch::new(&book);
        let codes =
            |q: &str| s.search(&Query::new(q)).unwrap().into_iter().map(|h| h.code).collect::<Vec<_>>();
        assert!(codes("diabetes w ckd").contains(&"E11.22".to_string()));
        assert!(!codes("diabetes wo ckd").contains(&"E11.22".to_string()));
        assert_eq!(codes("e11.22").first().map(String::as_str), Some("E11.22"));
        let mut q = Query::new("diab");
        q.set = Some(CodeSet::Icd10pcs);
        assert!(s.search(&q).unwrap().iter().all(|h| h.set == CodeSet::Icd10pcs));
        // Typing a query a key at a time narrows the last matches and gives what a fresh scan gives.
        let typed: Vec<_> =
            ["d", "di", "dia", "diabetes", "diabetes ", "diabetes w", "diabetes w c", "diabetes w ckd"]
                .iter()
                .map(|q| codes(q))
                .collect();
        let fresh = ScanSearch::new(&book);
        let again = fresh
            .search(&Query::new("diabetes w ckd"))
            .unwrap()
            .into_iter()
            .map(|h| h.code)
            .collect::<Vec<_>>();
        assert_eq!(typed.last(), Some(&again));
        assert_eq!(
            codes("diabetes w c"),
            fresh
                .search(&Query::new("diabetes w c"))
                .unwrap()
                .into_iter()
                .map(|h| h.code)
                .collect::<Vec<_>>()
        );
    }
}
