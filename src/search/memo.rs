//! Term-dictionary matches remembered across keystrokes. Typing a query asks
//! again, on every keystroke and in every pass, for the prefix and typo
//! expansions of each word already typed; walking the term dictionary for them
//! and gathering their postings was the largest part of a slow keystroke.
//! The documents an expansion matches are kept per segment, so each is walked once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, FuzzyTermQuery, Query, Scorer, Weight,
};
use tantivy::schema::Field;
use tantivy::{BitSet, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use super::query;

/// How many expansions are kept (a bitset of the segment each, 30 KB for an edition).
const KEPT: usize = 64;

/// What an expansion is: the field, the text, the edit distance, prefix or whole word.
type Key = (Field, String, u8, bool);

/// An unknown word in a field of an index (its segments).
type Unknown = (Vec<SegmentId>, Field, String);

/// The remembered matches, shared by the searches of one engine.
#[derive(Default)]
pub struct Memo {
    kept: Mutex<HashMap<(SegmentId, Key), Arc<BitSet>>>,
    /// Unknown words and the title words guessed for them, per set of segments.
    guessed: Mutex<HashMap<Unknown, Vec<String>>>,
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

    /// The title words (stems) of `field` that `word` may abbreviate
    /// ([`query::abbreviation_guesses`] over the terms starting with its letter), remembered.
    pub fn guesses(&self, searcher: &Searcher, field: Field, word: &str) -> Vec<String> {
        let segments: Vec<SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        let at = (segments, field, word.to_string());
        if let Some(g) = self.guessed.lock().unwrap_or_else(|p| p.into_inner()).get(&at) {
            return g.clone();
        }
        // An unreadable dictionary guesses nothing: the word is then searched as typed.
        let found = title_words_from(searcher, field, word).map_or_else(
            |_| Vec::new(),
            |terms| query::abbreviation_guesses(word, terms.iter().map(|(t, n)| (t.as_str(), *n))),
        );
        let mut guessed = self.guessed.lock().unwrap_or_else(|p| p.into_inner());
        if guessed.len() >= KEPT {
            guessed.clear();
        }
        guessed.insert(at, found.clone());
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
            return Ok(b.clone());
        }
        let found = Arc::new(find()?);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(at, found.clone());
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
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from((*docs).clone()), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
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
}
