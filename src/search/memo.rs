//! Term-dictionary matches remembered across keystrokes. Typing a query asks
//! again, on every keystroke and in every pass, for the prefix and typo
//! expansions of each word already typed; walking the term dictionary for them
//! and gathering their postings was the largest part of a slow keystroke.
//! The documents an expansion matches are kept per segment, so each is walked once.
//! [`Recent`] bounds what is remembered, here and for the stored documents.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, FuzzyTermQuery, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{BitSet, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use super::query;

/// How many expansions are kept (a bitset of the segment each, 30 KB for an edition).
const KEPT: usize = 64;
/// How many (document, score) matches of whole query units are kept, in all (8 bytes each).
const SCORES_KEPT: usize = 1 << 19;

/// A bounded map that forgets what was used least recently. Clearing it
/// whole when full made the next keystroke walk every expansion again.
/// Each entry weighs what its caller says (1, or its size); `cap` bounds the sum.
pub struct Recent<K, V> {
    cap: usize,
    weight: usize,
    tick: u64,
    map: HashMap<K, (V, u64, usize)>,
}

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    pub fn new(cap: usize) -> Self {
        Recent { cap: cap.max(1), weight: 0, tick: 0, map: HashMap::new() }
    }

    pub fn get(&mut self, k: &K) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(k).map(|(v, used, _)| {
            *used = tick;
            v.clone()
        })
    }

    /// When full, the least recently used go until a quarter is free (one sort
    /// per many inserts). Something heavier than the whole is not kept.
    pub fn insert(&mut self, k: K, v: V, weight: usize) {
        if weight > self.cap {
            return;
        }
        if let Some((_, _, w)) = self.map.remove(&k) {
            self.weight -= w;
        }
        if self.weight + weight > self.cap {
            let mut by_age: Vec<(u64, usize)> = self.map.values().map(|e| (e.1, e.2)).collect();
            by_age.sort_unstable();
            let room = self.cap - self.cap / 4;
            let mut left = self.weight;
            let mut newest_dropped = 0;
            for (used, w) in by_age {
                if left + weight <= room {
                    break;
                }
                left -= w;
                newest_dropped = used;
            }
            self.map.retain(|_, e| e.1 > newest_dropped);
            self.weight = left;
        }
        self.tick += 1;
        self.weight += weight;
        self.map.insert(k, (v, self.tick, weight));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

/// What an expansion is: the field, the text, the edit distance, prefix or whole word.
type Key = (Field, String, u8, bool);

/// A unit's matches: the searcher generation, the segment, the query (as printed), the boost.
type UnitKey = (u64, SegmentId, String, u32);
/// An unknown word in a field of an index (its segments).
type Unknown = (Vec<SegmentId>, Field, String);

/// The remembered matches, shared by the searches of one engine.
pub struct Memo {
    kept: Mutex<Recent<(SegmentId, Key), Arc<BitSet>>>,
    scored: Mutex<Recent<UnitKey, Arc<Scored>>>,
    /// Unknown words and the title words guessed for them, per set of segments.
    guessed: Mutex<Recent<Unknown, Vec<String>>>,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            kept: Mutex::new(Recent::new(KEPT)),
            scored: Mutex::new(Recent::new(SCORES_KEPT)),
            guessed: Mutex::new(Recent::new(KEPT)),
        }
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

    /// `q` with its scored matches remembered: the words already typed are the
    /// same units keystroke after keystroke, in the full pass and in the union.
    /// Same scores: they are what `q`'s own scorer gives, replayed.
    pub fn scored(self: &Arc<Self>, q: Box<dyn Query>) -> Box<dyn Query> {
        let key = format!("{q:?}");
        Box::new(RememberedScores { inner: q, key, memo: self.clone() })
    }

    /// The title words (stems) of `field` that `word` may abbreviate
    /// ([`query::abbreviation_guesses`] over the terms starting with its letter), remembered.
    pub fn guesses(&self, searcher: &Searcher, field: Field, word: &str) -> Vec<String> {
        let segments: Vec<SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        let at = (segments, field, word.to_string());
        if let Some(g) = self.guessed.lock().unwrap_or_else(|p| p.into_inner()).get(&at) {
            return g;
        }
        // An unreadable dictionary guesses nothing: the word is then searched as typed.
        let found = title_words_from(searcher, field, word).map_or_else(
            |_| Vec::new(),
            |terms| query::abbreviation_guesses(word, terms.iter().map(|(t, n)| (t.as_str(), *n))),
        );
        self.guessed.lock().unwrap_or_else(|p| p.into_inner()).insert(at, found.clone(), 1);
        found
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
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).insert(at, found.clone(), 1);
        Ok(found)
    }
}

/// The terms of `field` that start with the first letter of `word`, with their
/// document frequency over all segments.
fn title_words_from(searcher: &Searcher, field: Field, word: &str) -> tantivy::Result<Vec<(String, u32)>> {
    let Some(&first) = word.as_bytes().first() else { return Ok(Vec::new()) };
    let mut freq: HashMap<String, u32> = HashMap::new();
    for seg in searcher.segment_readers() {
        let dict = seg.inverted_index(field)?;
        let mut terms = dict.terms().range().ge([first]).lt([first.saturating_add(1)]).into_stream()?;
        while terms.advance() {
            if let Ok(t) = std::str::from_utf8(terms.key()) {
                *freq.entry(t.to_string()).or_default() += terms.value().doc_freq;
            }
        }
    }
    Ok(freq.into_iter().collect())
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

/// A query whose matches and their scores are remembered in a [`Memo`].
#[derive(Debug)]
struct RememberedScores {
    inner: Box<dyn Query>,
    key: String,
    memo: Arc<Memo>,
}

impl Clone for RememberedScores {
    fn clone(&self) -> Self {
        RememberedScores { inner: self.inner.box_clone(), key: self.key.clone(), memo: self.memo.clone() }
    }
}

impl Query for RememberedScores {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // Unscored (whether anything matches) or without a searcher: nothing to remember.
        let Some(searcher) = scoring.searcher().filter(|_| scoring.is_scoring_enabled()) else {
            return self.inner.weight(scoring);
        };
        let generation = searcher.generation().generation_id();
        // Kept for every segment: no weight is built (that looks every term up again).
        let kept: Option<HashMap<SegmentId, Arc<Scored>>> = {
            let mut memo = self.memo.scored.lock().unwrap_or_else(|p| p.into_inner());
            searcher
                .segment_readers()
                .iter()
                .map(|seg| {
                    let at = (generation, seg.segment_id(), self.key.clone(), 1f32.to_bits());
                    memo.get(&at).map(|h| (seg.segment_id(), h))
                })
                .collect()
        };
        let inner = OnceLock::new();
        if kept.is_none() {
            let _ = inner.set(self.inner.weight(scoring)?);
        }
        Ok(Box::new(ScoresWeight {
            inner,
            query: self.inner.box_clone(),
            searcher: searcher.clone(),
            kept: kept.unwrap_or_default(),
            generation,
            key: self.key.clone(),
            memo: self.memo.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct ScoresWeight {
    /// The query's own weight, built when something is not kept.
    inner: OnceLock<Box<dyn Weight>>,
    query: Box<dyn Query>,
    searcher: Searcher,
    /// What was kept for each segment (at boost 1) when the weight was made.
    kept: HashMap<SegmentId, Arc<Scored>>,
    generation: u64,
    key: String,
    memo: Arc<Memo>,
}

impl ScoresWeight {
    fn inner(&self) -> tantivy::Result<&dyn Weight> {
        if self.inner.get().is_none() {
            let w = self.query.weight(EnableScoring::enabled_from_searcher(&self.searcher))?;
            let _ = self.inner.set(w);
        }
        self.inner
            .get()
            .map(|w| w.as_ref())
            .ok_or_else(|| tantivy::TantivyError::InternalError("weight".into()))
    }
}

impl Weight for ScoresWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if let Some(h) = self.kept.get(&reader.segment_id()).filter(|_| boost == 1.0) {
            return Ok(Box::new(ScoredDocs { hits: h.clone(), at: 0 }));
        }
        let at = (self.generation, reader.segment_id(), self.key.clone(), boost.to_bits());
        let kept = self.memo.scored.lock().unwrap_or_else(|p| p.into_inner()).get(&at);
        let hits = match kept {
            Some(h) => h,
            None => {
                let mut s = self.inner()?.scorer(reader, boost)?;
                let (size_hint, cost) = (s.size_hint(), s.cost());
                let mut hits = Vec::new();
                while s.doc() != TERMINATED {
                    hits.push((s.doc(), s.score()));
                    s.advance();
                }
                let found = Arc::new(Scored { hits, size_hint, cost });
                let weight = found.hits.len();
                self.memo.scored.lock().unwrap_or_else(|p| p.into_inner()).insert(at, found.clone(), weight);
                found
            }
        };
        Ok(Box::new(ScoredDocs { hits, at: 0 }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner()?.explain(reader, doc)
    }
}

/// What a unit's scorer gave on one segment: its matches with their scores,
/// and the size it claimed (an intersection orders its parts, and so sums
/// their scores, by it: the same claim keeps the same sums).
struct Scored {
    hits: Vec<(DocId, Score)>,
    size_hint: u32,
    cost: u64,
}

/// Remembered matches replayed as a scorer.
struct ScoredDocs {
    hits: Arc<Scored>,
    at: usize,
}

impl DocSet for ScoredDocs {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.hits.hits.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() < target {
            self.at += self.hits.hits[self.at..].partition_point(|h| h.0 < target);
        }
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.hits.hits.get(self.at).map_or(TERMINATED, |h| h.0)
    }

    fn size_hint(&self) -> u32 {
        self.hits.size_hint
    }

    fn cost(&self) -> u64 {
        self.hits.cost
    }
}

impl Scorer for ScoredDocs {
    fn score(&mut self) -> Score {
        self.hits.hits.get(self.at).map_or(0.0, |h| h.1)
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
    fn a_remembered_unit_scores_what_its_query_scores_alone_and_within_others() -> tantivy::Result<()> {
        use tantivy::collector::TopDocs;
        use tantivy::query::{BooleanQuery, Occur, PhraseQuery, TermQuery};
        use tantivy::schema::IndexRecordOption;
        let mut b = Schema::builder();
        let title = b.add_text_field("title", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        for t in [
            "type 2 diabetes mellitus with hyperglycemia",
            "diabetes mellitus due to underlying condition",
            "type 1 diabetes mellitus",
            "hyperglycemia, unspecified",
            "gestational diabetes",
            "essential hypertension",
        ] {
            let mut doc = TantivyDocument::default();
            doc.add_text(title, t);
            w.add_document(doc)?;
        }
        w.commit()?;
        let searcher = index.reader()?.searcher();
        let term = |t: &str| tantivy::Term::from_field_text(title, t);
        let unit = || -> Box<dyn Query> {
            let phrase = PhraseQuery::new(vec![term("diabetes"), term("mellitus")]);
            Box::new(BooleanQuery::new(vec![
                (Occur::Should, Box::new(TermQuery::new(term("diabetes"), IndexRecordOption::WithFreqs))),
                (Occur::Should, Box::new(phrase)),
            ]))
        };
        let other = || -> Box<dyn Query> {
            Box::new(TermQuery::new(term("hyperglycemia"), IndexRecordOption::WithFreqs))
        };
        let memo = Arc::new(Memo::default());
        let top = TopDocs::with_limit(10).order_by_score();
        for occur in [Occur::Must, Occur::Should] {
            let plain = BooleanQuery::new(vec![(occur, unit()), (occur, other())]);
            let want = searcher.search(&plain, &top)?;
            assert!(!want.is_empty());
            // Asked twice: the second time the unit's scores are replayed from the memo.
            for _ in 0..2 {
                let kept = BooleanQuery::new(vec![(occur, memo.scored(unit())), (occur, other())]);
                assert_eq!(searcher.search(&kept, &top)?, want, "{occur:?}");
            }
        }
        assert_eq!(searcher.search(memo.scored(unit()).as_ref(), &top)?, searcher.search(&unit(), &top)?);
        assert_eq!(memo.scored.lock().expect("memo").len(), 1);
        Ok(())
    }

    #[test]
    fn a_full_memory_forgets_the_least_recently_used_and_keeps_the_newest() {
        let mut r = Recent::new(8);
        for k in 0..8 {
            r.insert(k, k * 10, 1);
        }
        // 0 and 1 used again: 2, 3 and 4 are now the least recently used, and go
        // so that a quarter is free.
        assert_eq!(r.get(&0), Some(0));
        assert_eq!(r.get(&1), Some(10));
        r.insert(8, 80, 1);
        assert_eq!(r.len(), 6);
        assert_eq!((r.get(&2), r.get(&3), r.get(&4)), (None, None, None));
        for k in [0, 1, 5, 6, 7, 8] {
            assert_eq!(r.get(&k), Some(k * 10), "{k}");
        }
        // Putting again what is kept replaces it and evicts nothing.
        r.insert(8, 81, 1);
        assert_eq!((r.len(), r.get(&8)), (6, Some(81)));
        // Weighed: a heavy entry pushes out as many light ones as it needs, never itself.
        r.insert(9, 90, 5);
        assert_eq!(r.get(&9), Some(90));
        assert!(r.weight <= 8 && r.get(&8) == Some(81), "{}", r.weight);
        r.insert(10, 100, 9);
        assert_eq!(r.get(&10), None);
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
