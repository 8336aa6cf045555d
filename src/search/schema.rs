//! The index schema and the analyzers it needs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Bump whenever the schema, the analyzers or what goes into a document change:
/// an index with another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Names of the fast fields that ranking reads (`rank::Columns`): one spelling for writer and reader.
pub const BILLABLE: &str = "billable";
pub const KLEN: &str = "klen";
pub const ORD: &str = "ord";
pub const LATER: &str = "later";

/// The analyzer of the text fields: words, lower case, ASCII folding, English stems.
pub const TEXT_ANALYZER: &str = "medcode_text";

/// Words without stemming: lower case and ASCII folding (used for prefixes of the word being typed).
pub fn fold_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberedStems::default())
        .build()
}

/// How many words' stems an analyzer (and its clones) remembers: every title
/// word several times over, yet a bound on what odd queries can add.
const STEMS_KEPT: usize = 1 << 18;

/// English stems (tantivy's `Stemmer`), remembered by every clone of the
/// analyzer: stemming was most of what analyzing a title cost, and the rerank
/// analyzes up to 180 titles a keystroke, all made of the same few thousand words.
#[derive(Clone, Default)]
pub struct RememberedStems {
    stems: Arc<RwLock<HashMap<String, String>>>,
}

impl TokenFilter for RememberedStems {
    type Tokenizer<T: Tokenizer> = RememberedStemsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> RememberedStemsFilter<T> {
        let stem =
            TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::English)).build();
        RememberedStemsFilter { stems: self.stems, stem, inner }
    }
}

#[derive(Clone)]
pub struct RememberedStemsFilter<T> {
    stems: Arc<RwLock<HashMap<String, String>>>,
    /// Stems one word not yet remembered.
    stem: TextAnalyzer,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for RememberedStemsFilter<T> {
    type TokenStream<'a> = RememberedStemsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberedStemsStream {
            tail: self.inner.token_stream(text),
            stems: &self.stems,
            stem: &mut self.stem,
            buffer: String::new(),
        }
    }
}

pub struct RememberedStemsStream<'a, T> {
    tail: T,
    stems: &'a RwLock<HashMap<String, String>>,
    stem: &'a mut TextAnalyzer,
    buffer: String,
}

impl<T: TokenStream> TokenStream for RememberedStemsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        self.buffer.clear();
        let known = {
            let stems = self.stems.read().unwrap_or_else(|p| p.into_inner());
            stems.get(&token.text).map(|s| self.buffer.push_str(s)).is_some()
        };
        if !known {
            let mut one = self.stem.token_stream(&token.text);
            if !one.advance() {
                return true;
            }
            self.buffer.push_str(&one.token().text);
            let mut stems = self.stems.write().unwrap_or_else(|p| p.into_inner());
            if stems.len() < STEMS_KEPT {
                stems.insert(token.text.clone(), self.buffer.clone());
            }
        }
        std::mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Tokenizers are not saved with an index: call this on every index opened or created.
pub fn register(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
}

/// The fields, looked up once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Normalized code (`E1122`, `0DTJ4ZZ`; chapters `CH4`, blocks `E08-E13`): exact key.
    pub key: Field,
    /// The code as printed (`E11.22`).
    pub code: Field,
    /// Edge n-grams of the key (`E`, `E1`, `E11`, `E112`, `E1122`): code prefixes.
    pub prefix: Field,
    pub title: Field,
    /// Inclusion terms and Includes notes.
    pub incl: Field,
    /// PCS index terms pointing at the code's table and body-part definitions.
    pub extra: Field,
    /// `icd10cm` or `icd10pcs`.
    pub set: Field,
    /// 1 for billable codes.
    pub billable: Field,
    /// `chapter`, `block`, `category`, `subcategory`, `code`, `extension`, `pcs`.
    pub kind: Field,
    /// Keys of the node and its ancestors (and PCS prefixes): the `within` filter.
    pub anc: Field,
    /// The hierarchy as a facet: `/CH4/E08-E13/E11/E112/E1122`.
    pub hier: Field,
    /// Key length (ranks shorter codes first on code-prefix queries).
    pub klen: Field,
    /// Position in code order (breaks ties).
    pub ord: Field,
    /// 1 for 7th-character extensions other than `A` (initial encounter): ranked a little lower.
    pub later: Field,
    /// Book rows only (kind `book`): where the row is (`Drug table: Acetaminophen > poisoning accidental`).
    pub via: Field,
    /// Book rows only: the key of the code the row gives (book rows have no `key`, so code queries skip them).
    pub target: Field,
    /// Book rows only: the title of that code.
    pub ttitle: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        code: b.add_text_field("code", STORED),
        prefix: b.add_text_field("prefix", STRING),
        title: b.add_text_field("title", text(true)),
        incl: b.add_text_field("incl", text(true)),
        extra: b.add_text_field("extra", text(true)),
        set: b.add_text_field("set", STRING | STORED),
        billable: b.add_u64_field(BILLABLE, INDEXED | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED),
        anc: b.add_text_field("anc", STRING),
        hier: b.add_facet_field("hier", tantivy::schema::FacetOptions::default()),
        klen: b.add_u64_field(KLEN, FAST),
        ord: b.add_u64_field(ORD, FAST),
        later: b.add_u64_field(LATER, FAST),
        via: b.add_text_field("via", STORED),
        target: b.add_text_field("target", STRING | STORED),
        ttitle: b.add_text_field("ttitle", STORED),
    };
    (b.build(), fields)
}

/// The fields of an opened index, checked against ours.
pub fn fields_of(index: &Index) -> Result<Fields, String> {
    let s = index.schema();
    let (expected, fields) = schema();
    if s != expected {
        return Err("the index schema is not the one this medcode writes".to_string());
    }
    Ok(fields)
}

/// Analyze text into terms the way the index does.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stemmed() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn remembered_stems_are_the_stemmers_own_when_asked_again_and_by_a_clone() {
        let text = "Type 2 diabetes mellitus with diabetic chronic kidney disease; fractures of the \
                    lower legs, including ankles; Résection of appendices, running, ran, runs";
        let mut plain = stemmed();
        let want = terms(&mut plain, text);
        let mut first = text_analyzer();
        let mut second = first.clone();
        // Asked first, then again from what the first remembered, then by a clone.
        assert_eq!(terms(&mut first, text), want);
        assert_eq!(terms(&mut first, text), want);
        assert_eq!(terms(&mut second, text), want);
        assert!(want.contains(&"diabet".to_string()) && want.contains(&"resect".to_string()), "{want:?}");
    }
}
