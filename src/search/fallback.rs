//! The search used when no search index can be opened: a plain scan over the
//! code titles. The query is understood as the tantivy engine understands it
//! ([`query::plan`] with the real vocabulary from `index/`): every word must
//! start a word of the title, or one of its expansions must, or the query is
//! a code prefix; `within` keeps the codes under a chapter, block or code.

use std::sync::{Arc, Mutex};

use super::build::cm_key;
use super::query::{self, Unit};
use super::vocab::Vocab;
use super::{Hit, Matched, Query, Search};
use crate::codeset::icd10cm::CmKind;
use crate::codeset::{CodeSet, Codebook, NodeId, normalize};

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
    /// The ICD-10-CM node (its ancestors answer `within`); `None` for ICD-10-PCS.
    node: Option<NodeId>,
}

/// What one unit of a query needs of a title: its words as typed, or all the
/// words of one of its expansions, each as a word prefix (` with`).
struct Need {
    code: Option<String>,
    typed: Vec<String>,
    expansions: Vec<Vec<String>>,
}

pub struct ScanSearch {
    book: Arc<Codebook>,
    vocab: Vocab,
    entries: Vec<Entry>,
    /// The last query and every entry it matched: typing usually extends a
    /// query, and then only those entries need looking at.
    last: Mutex<Option<(Query, Vec<u32>)>>,
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

/// The needles of some words: each alphanumeric part after a space.
fn needles<'a>(ws: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    ws.into_iter().flat_map(|w| words(w)).map(|w| format!(" {w}")).collect()
}

fn needs(plan: &query::Plan) -> Vec<Need> {
    plan.units
        .iter()
        .map(|u| match u {
            Unit::Code(c) => {
                Need { code: Some(c.clone()), typed: needles([&c.to_lowercase()]), expansions: vec![] }
            }
            Unit::Words { words, expansions, .. } => Need {
                code: None,
                typed: needles(words),
                expansions: expansions.iter().map(needles).collect(),
            },
        })
        .collect()
}

impl ScanSearch {
    /// A scan over every code of `book` but chapters and blocks, with the
    /// vocabulary built into the binary.
    pub fn new(book: &Arc<Codebook>) -> anyhow::Result<ScanSearch> {
        Ok(ScanSearch::with_vocab(book, Vocab::embedded()?))
    }

    pub fn with_vocab(book: &Arc<Codebook>, vocab: Vocab) -> ScanSearch {
        let mut entries = Vec::new();
        for (id, n) in book.cm.nodes.iter().enumerate() {
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
                node: NodeId::try_from(id).ok(),
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
                    node: None,
                });
            }
        }
        for c in &book.hcpcs.codes {
            entries.push(Entry {
                set: CodeSet::Hcpcs,
                code: c.code.clone(),
                key: c.code.clone(),
                hay: hay(&c.long),
                words: words(&c.long).len(),
                title: c.long.clone(),
                billable: c.terminated.is_none(),
                node: None,
            });
        }
        ScanSearch { book: book.clone(), vocab, entries, last: Mutex::new(None) }
    }

    /// Whether an entry is under `within` (a key as [`query::within_key`] gives
    /// it): the entry itself or one of its ancestors, as the index's ancestor field holds them.
    fn is_within(&self, e: &Entry, within: &str) -> bool {
        match e.node {
            _ if e.key == within => true,
            Some(id) => self.book.cm.ancestors(id).iter().any(|a| {
                let n = self.book.cm.node(*a);
                cm_key(n.kind, &n.code) == within
            }),
            None => e.key.starts_with(within),
        }
    }
}

impl Search for ScanSearch {
    fn search(&self, query: &Query) -> anyhow::Result<Vec<Hit>> {
        let plan = query::plan(&query.text, &self.vocab);
        let needs = needs(&plan);
        let within = query.within.as_deref().map(query::within_key).filter(|w| !w.is_empty());
        // Only a query understood as a code is a code prefix (`dm2` is shorthand, not PCS DM2).
        let qkey = if plan.is_code_only() { normalize(query.text.trim()) } else { String::new() };
        let mut hits: Vec<(f32, &Entry, Matched)> = Vec::new();
        let mut matched: Vec<u32> = Vec::new();
        let last = self.last.lock().map(|g| g.clone()).unwrap_or(None);
        // An expansion (`ckd`) can match titles its prefix (`ck`) did not: no narrowing then.
        let expands = needs.iter().any(|n| !n.expansions.is_empty());
        let narrowed: Option<Vec<u32>> = last.and_then(|(q, ids)| {
            (q.set == query.set
                && q.billable_only == query.billable_only
                && q.within == query.within
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
            if query.set.is_some_and(|s| s != e.set)
                || (query.billable_only && !e.billable)
                || within.as_deref().is_some_and(|w| !self.is_within(e, w))
            {
                continue;
            }
            if !qkey.is_empty() && e.key.starts_with(&qkey) {
                let score = 100.0 - (e.key.len() - qkey.len()) as f32;
                hits.push((score, e, Matched::Code));
                matched.push(i);
                continue;
            }
            if needs.is_empty() {
                continue;
            }
            let has = |ns: &[String]| ns.iter().all(|n| e.hay.contains(n.as_str()));
            let mut how = Matched::Title;
            let all = needs.iter().all(|n| {
                if n.code.as_deref().is_some_and(|c| e.key.starts_with(c)) || has(&n.typed) {
                    return true;
                }
                let expanded = n.expansions.iter().any(|x| has(x));
                if expanded {
                    how = Matched::Synonym;
                }
                expanded
            });
            if all {
                hits.push((50.0 - e.words as f32 * 0.5, e, how));
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
                via: None,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::codeset::shipped;

    fn scan() -> &'static ScanSearch {
        static SCAN: OnceLock<ScanSearch> = OnceLock::new();
        SCAN.get_or_init(|| {
            let book = Arc::new(shipped::load_edition(shipped::FY2026).expect("the shipped code sets load"));
            ScanSearch::new(&book).expect("the embedded vocabulary")
        })
    }

    fn hits(q: &Query) -> Vec<Hit> {
        scan().search(q).expect("a scan cannot fail")
    }

    fn codes(q: &str) -> Vec<String> {
        hits(&Query::new(q)).into_iter().map(|h| h.code).collect()
    }

    /// Every hit (no limit that could hide one outside `within`).
    fn within(text: &str, within: Option<&str>) -> Vec<String> {
        let mut q = Query::new(text);
        q.within = within.map(str::to_string);
        q.limit = usize::MAX;
        hits(&q).into_iter().map(|h| h.code).collect()
    }

    #[test]
    fn word_prefixes_abbreviations_and_code_prefixes() {
        let s = scan();
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
        let fresh = ScanSearch::new(&s.book).expect("vocabulary");
        let fresh_codes =
            |q: &str| fresh.search(&Query::new(q)).unwrap().into_iter().map(|h| h.code).collect::<Vec<_>>();
        assert_eq!(typed.last(), Some(&fresh_codes("diabetes w ckd")));
        assert_eq!(codes("diabetes w c"), fresh_codes("diabetes w c"));
    }

    #[test]
    fn coder_shorthand_comes_from_the_real_vocabulary() {
        // `dm2` and `chf` are not in any title: only `index/abbreviations.txt` knows them.
        let dm2 = hits(&Query::new("DM2"));
        assert_eq!(dm2.first().map(|h| h.code.as_str()), Some("E11"));
        assert!(dm2.iter().any(|h| h.code == "E11.9"), "{dm2:?}");
        assert!(dm2.iter().all(|h| h.matched == Matched::Synonym));
        let chf = hits(&Query::new("CHF"));
        assert_eq!(chf.first().map(|h| h.code.as_str()), Some("I50"));
        assert!(chf.iter().any(|h| h.code == "I50.9"), "{chf:?}");
    }

    #[test]
    fn within_keeps_the_codes_under_a_chapter_block_or_code() {
        let everywhere = within("diabetes", None);
        assert!(everywhere.iter().any(|c| c.starts_with("O24")), "{everywhere:?}");
        let under = |text: &str, w: &str, ok: &dyn Fn(&str) -> bool| {
            let got = within(text, Some(w));
            assert!(!got.is_empty() && got.iter().all(|c| ok(c)), "{text} within {w}: {got:?}");
        };
        under("diabetes", "E11", &|c| c.starts_with("E11"));
        under("diabetes", "e11.6", &|c| c.starts_with("E11.6"));
        under("diabetes", "E08-E13", &|c| ("E08".."E14").contains(&c));
        // Chapter 4 (E00-E89): no pregnancy codes.
        under("diabetes", "4", &|c| c.starts_with('E'));
        under("diabetes", "chapter 4", &|c| c.starts_with('E'));
        under("resection", "0DT", &|c| c.starts_with("0DT"));
        // A code prefix typed with `within` stays inside it.
        let typed_code = within("e1", Some("E11"));
        assert!(!typed_code.is_empty() && typed_code.iter().all(|c| c.starts_with("E11")));
        assert!(within("diabetes", Some("I50")).is_empty());
    }
}
