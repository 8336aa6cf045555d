//! Term-dictionary matches remembered across keystrokes. Typing a query asks
//! again, on every keystroke and in every pass, for the prefix and typo
//! expansions of each word already typed; walking the term dictionary for them
//! and gathering their postings was the largest part of a slow keystroke.
//! The documents an expansion matches are kept per segment, so each is walked once.
//! [`Recent`] bounds what is remembered, here and for the stored documents.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, FuzzyTermQuery, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED};

/// How many expansions are kept (a bitset of the segment each, 30 KB for an edition).
const KEPT: usize = 64;

/// A bounded map that forgets what was used least recently. Clearing it
/// whole when full made the next keystroke walk every expansion again.
pub struct Recent<K, V> {
    cap: usize,
    tick: u64,
    map: HashMap<K, (V, u64)>,
}

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    pub fn new(cap: usize) -> Self {
        Recent { cap: cap.max(1), tick: 0, map: HashMap::new() }
    }

    pub fn get(&mut self, k: &K) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(k).map(|(v, used)| {
            *used = tick;
            v.clone()
        })
    }

    /// When full, the least recently used quarter goes (one sort per `cap / 4` inserts).
    pub fn insert(&mut self, k: K, v: V) {
        if self.map.len() >= self.cap && !self.map.contains_key(&k) {
            let mut used: Vec<u64> = self.map.values().map(|e| e.1).collect();
            let drop = (self.cap / 4).max(1).min(used.len() - 1);
            let (_, &mut oldest_kept, _) = used.select_nth_unstable(drop);
            self.map.retain(|_, e| e.1 >= oldest_kept);
        }
        self.tick += 1;
        self.map.insert(k, (v, self.tick));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

/// What an expansion is: the field, the text, the edit distance, prefix or whole word.
type Key = (Field, String, u8, bool);

/// The remembered matches, shared by the searches of one engine.
pub struct Memo {
    kept: Mutex<Recent<(SegmentId, Key), Arc<BitSet>>>,
}

impl Default for Memo {
    fn default() -> Self {
        Memo { kept: Mutex::new(Recent::new(KEPT)) }
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl Memo {
    /// The prefix or typo expansion of `text` in `field` (as `FuzzyTermQuery`), remembered.
    pub fn fuzzy(self: &Arc<Self>, field: Field, text: &str, distance: u8, prefix: bool) -> Box<dyn Query> {
        let term = tantivy::Term::from_field_text(field, text);
        let inner = if prefix {
            FuzzyTermQuery::new_prefix(term, distance, true)
        } else {
            FuzzyTermQuery::new(term, distance, true)
        };
        Box::new(Remembered { inner, key: (field, text.to_string(), distance, prefix), memo: self.clone() })
    }

    fn docs(
        &self,
        seg: SegmentId,
        key: &Key,
        find: impl FnOnce() -> tantivy::Result<BitSet>,
    ) -> tantivy::Result<Arc<BitSet>> {
        let at = (seg, key.clone());
        if let Some(b) = self.kept.lock().unwrap_or_else(|p| p.into_inner()).get(&at) {
            return Ok(b);
        }
        let found = Arc::new(find()?);
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).insert(at, found.clone());
        Ok(found)
    }
}

/// A fuzzy or prefix term query whose matches are remembered in a [`Memo`].
#[derive(Clone, Debug)]
struct Remembered {
    inner: FuzzyTermQuery,
    key: Key,
    memo: Arc<Memo>,
}

impl Query for Remembered {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.inner.weight(scoring)?;
        Ok(Box::new(RememberedWeight { inner, key: self.key.clone(), memo: self.memo.clone() }))
    }
}

struct RememberedWeight {
    inner: Box<dyn Weight>,
    key: Key,
    memo: Arc<Memo>,
}

impl Weight for RememberedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self.memo.docs(reader.segment_id(), &self.key, || {
            let mut found = BitSet::with_max_value(reader.max_doc());
            let mut s = self.inner.scorer(reader, 1.0)?;
            let mut doc: DocId = s.doc();
            while doc != TERMINATED {
                found.insert(doc);
                doc = s.advance();
            }
            Ok(found)
        })?;
        Ok(Box::new(ConstScorer::new(SharedDocs::new(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

/// The documents of a remembered bitset, walked without copying it (a copy
/// per scorer, 30 KB, was a tenth of the expansions' cost).
struct SharedDocs {
    docs: Arc<BitSet>,
    bucket: u32,
    /// The bits of `bucket` not walked yet.
    rest: u64,
    doc: DocId,
}

fn bits(docs: &BitSet, bucket: u32) -> u64 {
    u64::from_le_bytes(docs.tinyset(bucket).into_bytes())
}

impl SharedDocs {
    fn new(docs: Arc<BitSet>) -> Self {
        if docs.max_value() == 0 {
            return SharedDocs { docs, bucket: 0, rest: 0, doc: TERMINATED };
        }
        let rest = bits(&docs, 0);
        let mut d = SharedDocs { docs, bucket: 0, rest, doc: 0 };
        d.advance();
        d
    }
}

impl DocSet for SharedDocs {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        if self.rest == 0 {
            let Some(b) = self.docs.first_non_empty_bucket(self.bucket + 1) else {
                self.doc = TERMINATED;
                return TERMINATED;
            };
            self.bucket = b;
            self.rest = bits(&self.docs, b);
        }
        let low = self.rest.trailing_zeros();
        self.rest &= self.rest - 1;
        self.doc = self.bucket * 64 + low;
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if target >= self.docs.max_value() {
            self.doc = TERMINATED;
            return TERMINATED;
        }
        // `doc` is in `bucket` and below `target`: the target's bucket is this one or later.
        let b = target / 64;
        if b > self.bucket {
            self.bucket = b;
            self.rest = bits(&self.docs, b);
        }
        self.rest &= u64::MAX << (target % 64);
        self.advance()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.docs.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, TantivyDocument};

    #[test]
    fn a_remembered_expansion_matches_what_the_fuzzy_query_matches() -> tantivy::Result<()> {
        let mut b = Schema::builder();
        let title = b.add_text_field("title", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        for t in ["fracture of femur", "fractures", "factor", "femoral hernia", "fraction"] {
            let mut doc = TantivyDocument::default();
            doc.add_text(title, t);
            w.add_document(doc)?;
        }
        w.commit()?;
        let searcher = index.reader()?.searcher();
        let memo = Arc::new(Memo::default());
        for (text, dist, prefix) in
            [("fract", 0, true), ("fract", 1, true), ("factor", 1, false), ("femur", 0, false)]
        {
            let term = tantivy::Term::from_field_text(title, text);
            let plain = if prefix {
                FuzzyTermQuery::new_prefix(term, dist, true)
            } else {
                FuzzyTermQuery::new(term, dist, true)
            };
            let want = searcher.search(&plain, &DocSetCollector)?;
            // Asked twice: the second answer comes from the memo.
            for _ in 0..2 {
                let got =
                    searcher.search(memo.fuzzy(title, text, dist, prefix).as_ref(), &DocSetCollector)?;
                assert_eq!(got, want, "{text} {dist} {prefix}");
            }
            assert!(!want.is_empty(), "{text}");
        }
        assert_eq!(memo.kept.lock().expect("memo").len(), 4);
        Ok(())
    }

    #[test]
    fn a_full_memory_forgets_the_least_recently_used_and_keeps_the_newest() {
        let mut r = Recent::new(8);
        for k in 0..8 {
            r.insert(k, k * 10);
        }
        // 0 and 1 used again: 2 and 3 are now the least recently used.
        assert_eq!(r.get(&0), Some(0));
        assert_eq!(r.get(&1), Some(10));
        r.insert(8, 80);
        assert_eq!(r.len(), 7);
        assert_eq!((r.get(&2), r.get(&3)), (None, None));
        for k in [0, 1, 4, 5, 6, 7, 8] {
            assert_eq!(r.get(&k), Some(k * 10), "{k}");
        }
        // Asking again for what is kept never evicts.
        r.insert(8, 81);
        assert_eq!((r.len(), r.get(&8)), (7, Some(81)));
    }

    #[test]
    fn a_shared_bitset_walks_and_seeks_as_its_documents() {
        let max = 300;
        let sets: [&[DocId]; 4] = [&[], &[0], &[3, 63, 64, 65, 127, 128, 200, 299], &[64, 191]];
        for docs in sets {
            let mut b = BitSet::with_max_value(max);
            docs.iter().for_each(|&d| {
                b.insert(d);
            });
            let b = Arc::new(b);
            let mut walked = Vec::new();
            let mut d = SharedDocs::new(b.clone());
            while d.doc() != TERMINATED {
                walked.push(d.doc());
                d.advance();
            }
            assert_eq!(walked, docs);
            assert_eq!(d.size_hint() as usize, docs.len());
            // Each seek lands on the first document at or past its target.
            for start in [0, 5, 64, 100] {
                for target in [start, start + 1, 63, 64, 128, 129, 250, 299, 300] {
                    let mut d = SharedDocs::new(b.clone());
                    d.seek(start);
                    if d.doc() == TERMINATED || target < d.doc() {
                        continue;
                    }
                    let want = docs.iter().copied().find(|&x| x >= target).unwrap_or(TERMINATED);
                    assert_eq!(d.seek(target), want, "{docs:?} from {start} to {target}");
                }
            }
        }
    }
}
