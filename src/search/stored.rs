//! Stored documents remembered across keystrokes, with their text analyzed once.
//! Typing a query reranks mostly the same codes keystroke after keystroke:
//! reading each from the doc store and stemming its title again was a third
//! of a slow keystroke.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::index::SegmentId;
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, Searcher, TantivyDocument};

use super::memo::Recent;
use super::schema::{self, Fields};

/// How many documents are kept (a few KB each with their stems): several
/// queries' worth of the 180 a keystroke reranks.
const KEPT: usize = 1024;

/// The stems of a document's title, inclusion terms and index terms, as sets.
pub struct Texts {
    pub title: HashSet<String>,
    pub incl: HashSet<String>,
    pub extra: HashSet<String>,
}

/// A stored document and, once asked for, the stems of its text.
pub struct Stored {
    doc: TantivyDocument,
    title: OnceLock<Vec<String>>,
    incl: OnceLock<Vec<Vec<String>>>,
    texts: OnceLock<Texts>,
}

/// Read as the document it holds, so ranking code reads fields as before.
impl std::ops::Deref for Stored {
    type Target = TantivyDocument;

    fn deref(&self) -> &TantivyDocument {
        &self.doc
    }
}

impl Stored {
    pub fn new(doc: TantivyDocument) -> Self {
        Stored { doc, title: OnceLock::new(), incl: OnceLock::new(), texts: OnceLock::new() }
    }

    fn first(&self, field: Field) -> &str {
        self.doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
    }

    fn all(&self, field: Field) -> String {
        self.doc.get_all(field).filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// The title's stems in order (`an` is the text analyzer: the one the title was indexed with).
    pub fn title_terms(&self, f: &Fields, an: &mut TextAnalyzer) -> &[String] {
        self.title.get_or_init(|| schema::terms(an, self.first(f.title)))
    }

    /// Each inclusion term's stems in order (up to `most` terms; the same `most` every call).
    pub fn incl_terms(&self, f: &Fields, an: &mut TextAnalyzer, most: usize) -> &[Vec<String>] {
        self.incl.get_or_init(|| {
            self.doc
                .get_all(f.incl)
                .filter_map(|v| v.as_str())
                .take(most)
                .map(|t| schema::terms(an, t))
                .collect()
        })
    }

    /// The stems of each text field, as sets.
    pub fn texts(&self, f: &Fields, an: &mut TextAnalyzer) -> &Texts {
        self.texts.get_or_init(|| {
            let set =
                |field, an: &mut TextAnalyzer| schema::terms(an, &self.all(field)).into_iter().collect();
            let title = self.title_terms(f, an).iter().cloned().collect();
            Texts { title, incl: set(f.incl, an), extra: set(f.extra, an) }
        })
    }
}

/// The documents read lately, by segment and document (an address's segment
/// number can change on reload; the segment's id cannot).
pub struct Docs {
    kept: Mutex<Recent<(SegmentId, DocId), Arc<Stored>>>,
}

impl Default for Docs {
    fn default() -> Self {
        Docs { kept: Mutex::new(Recent::new(KEPT)) }
    }
}

impl Docs {
    pub fn get(&self, searcher: &Searcher, addr: DocAddress) -> tantivy::Result<Arc<Stored>> {
        let at = (searcher.segment_reader(addr.segment_ord).segment_id(), addr.doc_id);
        if let Some(d) = self.kept.lock().unwrap_or_else(|p| p.into_inner()).get(&at) {
            return Ok(d);
        }
        let d = Arc::new(Stored::new(searcher.doc(addr)?));
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).insert(at, d.clone(), 1);
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::Index;

    #[test]
    fn a_remembered_document_and_its_stems_are_what_a_fresh_read_gives() -> tantivy::Result<()> {
        let (schema, f) = schema::schema();
        let index = Index::create_in_ram(schema);
        schema::register(&index);
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.title, "Displaced fractures of the neck of left femurs");
        doc.add_text(f.incl, "Broken hips");
        doc.add_text(f.incl, "Cervical fractures");
        w.add_document(doc)?;
        w.commit()?;
        let searcher = index.reader()?.searcher();
        let docs = Docs::default();
        let addr = DocAddress::new(0, 0);
        let mut an = schema::text_analyzer();
        let first = docs.get(&searcher, addr)?;
        let fresh = schema::terms(&mut an, "Displaced fractures of the neck of left femurs");
        assert_eq!(first.title_terms(&f, &mut an), fresh.as_slice());
        assert!(fresh.contains(&"femur".to_string()), "{fresh:?}");
        let again = docs.get(&searcher, addr)?;
        // The same document, not read again, its stems analyzed once.
        assert!(Arc::ptr_eq(&first, &again));
        let texts = again.texts(&f, &mut an);
        let incl: HashSet<String> =
            schema::terms(&mut an, "Broken hips Cervical fractures").into_iter().collect();
        assert_eq!(texts.incl, incl);
        assert_eq!(texts.title, fresh.into_iter().collect());
        assert!(texts.extra.is_empty());
        Ok(())
    }
}
