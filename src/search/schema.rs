//! The index schema and the analyzers it needs.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
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
        .filter(Stemmer::new(Language::English))
        .build()
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
