//! Turning what a coder types into tantivy queries, in code (no query parser):
//! code fragments, vocabulary expansions, finished words, and the word being typed.

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::memo::Memo;
use super::schema::{self, Fields};
use super::vocab::Vocab;
use crate::codeset::normalize;

/// Longest query text looked at; the rest is ignored.
pub const MAX_CHARS: usize = 256;
/// Most units (words, codes, vocabulary terms) looked at.
pub const MAX_UNITS: usize = 16;

/// Words that carry little meaning alone: not required when all words are wanted.
const STOP_WORDS: [&str; 14] =
    ["of", "the", "and", "in", "on", "for", "a", "an", "to", "due", "by", "at", "or", "as"];

/// Words of the code books' phrasing rather than their content (`other
/// specified`, `without mention of`, `not elsewhere classified`, `not stated
/// as`): rare in ICD-10-CM titles, so their IDF would rank a title holding them
/// over one holding the condition. In a query of several content units they are
/// optional and weigh little; a title holding them still ranks first. (`with`,
/// `without`, `not`, `other`, `site`, `nos` were measured as phrasing too: they
/// tell codes apart, and recall@1 fell.)
const PHRASING: [&str; 5] = ["mention", "specified", "stated", "classified", "elsewhere"];
/// From this many content units on, phrasing words are qualifiers (see [`PHRASING`]).
const PHRASING_FROM: usize = 3;
/// What a phrasing word's match counts for beside a content word's.
const PHRASING_BOOST: f32 = 0.25;

/// One piece of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A code or code prefix, normalized (`E119`, `0DTJ`).
    Code(String),
    /// Words as typed (one word, or a vocabulary term of several), with what they also mean.
    Words {
        words: Vec<String>,
        expansions: Vec<Vec<String>>,
        /// The word still being typed: also matched as a prefix.
        typing: bool,
        /// The expansions are title words (stems) the word may abbreviate, guessed
        /// by [`abbreviation_guesses`] because no vocabulary line knows it.
        guessed: bool,
    },
}

/// What a query was understood as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub units: Vec<Unit>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Whether the query names an encounter or 7th character (`subs`, `sequela`,
    /// `nonunion`): then initial encounters are not put first.
    pub fn names_encounter(&self) -> bool {
        const WORDS: [&str; 16] = [
            "init",
            "initial",
            "subs",
            "subsq",
            "subsequent",
            "seq",
            "sqla",
            "sequela",
            "encounter",
            "encntr",
            "routine",
            "delayed",
            "nonunion",
            "malunion",
            "healing",
            "7th",
        ];
        self.units.iter().any(|u| match u {
            Unit::Words { words, .. } => words.iter().any(|w| WORDS.iter().any(|x| w.starts_with(x))),
            Unit::Code(_) => false,
        })
    }

    /// Per unit, whether it is a phrasing word standing as a qualifier (see [`PHRASING`]):
    /// only in a query of [`PHRASING_FROM`] content units or more.
    pub fn phrasing(&self) -> Vec<bool> {
        let is: Vec<bool> = self.units.iter().map(is_phrasing).collect();
        let content = self.units.iter().zip(&is).filter(|(u, p)| !**p && !is_stop(u)).count();
        if content < PHRASING_FROM { vec![false; is.len()] } else { is }
    }

    /// How many units carry content: neither stop nor phrasing words.
    pub fn content_units(&self) -> usize {
        self.units.iter().zip(self.phrasing()).filter(|(u, p)| !*p && !is_stop(u)).count()
    }

    /// Only code fragments: rank by closeness of the code.
    pub fn is_code_only(&self) -> bool {
        !self.units.is_empty() && self.units.iter().all(|u| matches!(u, Unit::Code(_)))
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';'
                | ':'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '"'
                | '`'
                | '?'
                | '!'
                | '<'
                | '>'
                | '='
                | '+'
                | '*'
                | '^'
                | '~'
                | '\\'
                | '|'
                | '#'
                | '@'
                | '$'
                | '%'
        )
}

/// A code or code prefix as typed: letters and digits (and a dot), with a digit,
/// shaped like an ICD-10-CM code (`E11`, `s52.5`) or an ICD-10-PCS code (`0DT`, `0dtj4zz`).
pub fn code_like(token: &str) -> Option<String> {
    let t = token.trim_end_matches('.');
    if t.is_empty() || t.starts_with('.') || t.matches('.').count() > 1 {
        return None;
    }
    let key = normalize(t);
    if !(2..=7).contains(&key.len()) || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let b = key.as_bytes();
    // Ordinals (`3rd`, `2nd`) are words.
    let lower = key.to_ascii_lowercase();
    if ["st", "nd", "rd", "th"].iter().any(|s| lower.ends_with(s))
        && b[..key.len() - 2].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let cm = b[0].is_ascii_uppercase() && b[1].is_ascii_digit();
    let pcs = key.len() >= 3
        && (b[0].is_ascii_digit() || (b"BCDFGHX".contains(&b[0]) && b[1..].iter().any(u8::is_ascii_digit)));
    (cm || pcs).then_some(key)
}

/// A token that runs letters and digits together as coders write them
/// (`ckd3`, `dm2`, `bmi42`, `stage3`), split into its letters and its number:
/// when the letters are a vocabulary term (`ckd`, `bmi`) or a word of 4+ letters
/// (`stage`, `type`). Anything else (`0dtj`, `e11`, `3rd`, `t1`) is kept whole.
pub fn split_token(token: &str, vocab: &Vocab) -> Vec<String> {
    let letters = token.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = &token[letters..];
    let number = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.');
    let head = &token[..letters];
    if letters < 2 || !number || vocab.get(token).is_some() || !rest.starts_with(|c: char| c.is_ascii_digit())
    {
        return vec![token.to_string()];
    }
    if vocab.get(head).is_some() || letters >= 4 {
        vec![head.to_string(), rest.trim_end_matches('.').to_string()]
    } else {
        vec![token.to_string()]
    }
}

/// The ICD-10-CM code of an adult body mass index (`bmi 42` -> Z68.41), from the Z68 ranges.
pub fn bmi_code(value: &str) -> Option<String> {
    let v: f32 = value.parse().ok()?;
    let key = match v {
        v if !(10.0..=90.0).contains(&v) => return None,
        v if v < 20.0 => "Z681".to_string(),
        v if v < 40.0 => format!("Z68{}", v.floor() as u32),
        v if v < 45.0 => "Z6841".to_string(),
        v if v < 50.0 => "Z6842".to_string(),
        v if v < 60.0 => "Z6843".to_string(),
        v if v < 70.0 => "Z6844".to_string(),
        _ => "Z6845".to_string(),
    };
    Some(key)
}

/// Most title words one unknown abbreviation is guessed to stand for.
pub const GUESSES: usize = 3;

/// Whether a finished word may be guessed as an abbreviation: 3+ ASCII letters
/// (codes, numbers and `3rd` never are); the caller checks it is no title word.
pub fn may_abbreviate(word: &str) -> bool {
    word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase())
}

/// The letters `term` skips before it has spelled `word` in order (`uncntrl` in
/// `uncontrol`: 2), when it starts with the same letter, is longer, and skips at
/// most half as many letters as the word has; letters after the last are free
/// (cut words). None when `term` cannot be that abbreviation.
pub fn skipped(word: &str, term: &str) -> Option<usize> {
    let (w, t) = (word.as_bytes(), term.as_bytes());
    if t.len() <= w.len() || w.first() != t.first() {
        return None;
    }
    let (mut at, mut skips) = (0, 0);
    for &c in w {
        let k = t[at..].iter().position(|&x| x == c)?;
        skips += k;
        at += k + 1;
    }
    (skips <= w.len() / 2).then_some(skips)
}

/// The title words (stems, with their document frequency) that an unknown
/// word abbreviates (`uncntrl` -> `uncontrol`, `athscl` -> `atherosclerosi`): at
/// most [`GUESSES`], fewest skipped letters first, then the most frequent.
/// None when a title word starts with it: the prefix query finds those.
pub fn abbreviation_guesses<'a>(word: &str, terms: impl IntoIterator<Item = (&'a str, u32)>) -> Vec<String> {
    let mut found: Vec<(usize, u32, &str)> = Vec::new();
    for (term, freq) in terms {
        if term.starts_with(word) {
            return Vec::new();
        }
        if let Some(skips) = skipped(word, term) {
            found.push((skips, freq, term));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    found.into_iter().take(GUESSES).map(|(_, _, t)| t.to_string()).collect()
}

/// Give each finished word that no vocabulary line knows and no title has
/// (`whole`) the title words it may abbreviate, from `guess` (a dictionary walk).
pub fn guess_abbreviations(
    plan: &mut Plan,
    whole: &HashSet<String>,
    mut guess: impl FnMut(&str) -> Vec<String>,
) {
    for u in &mut plan.units {
        let Unit::Words { words, expansions, typing: false, guessed } = u else { continue };
        if words.len() != 1
            || !expansions.is_empty()
            || !may_abbreviate(&words[0])
            || whole.contains(&words[0])
        {
            continue;
        }
        let found = guess(&words[0]);
        if !found.is_empty() {
            *expansions = found.into_iter().map(|t| vec![t]).collect();
            *guessed = true;
        }
    }
}

/// Understand a query. `vocab` expands abbreviations and synonyms.
pub fn plan(text: &str, vocab: &Vocab) -> Plan {
    let text: String = text.chars().take(MAX_CHARS).collect();
    let typing = !text.is_empty() && !text.ends_with(char::is_whitespace);
    let raw: Vec<String> = text
        .split(is_separator)
        .map(|t| t.trim_matches(|c: char| c == '\'' || c == '-' || c == '_'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .flat_map(|t| split_token(&t, vocab))
        .collect();
    let mut units = Vec::new();
    let mut i = 0;
    while i < raw.len() && units.len() < MAX_UNITS {
        let last_raw = |end: usize| typing && end == raw.len();
        // `bmi 42`, `bmi42`: the Z68 code of that index, beside the words.
        if raw[i] == "bmi"
            && let Some(key) = raw.get(i + 1).and_then(|v| bmi_code(v))
        {
            units.push(Unit::Code(key));
            i += 2;
            continue;
        }
        let mut matched = false;
        for len in (1..=vocab.max_words().min(raw.len() - i)).rev() {
            let key = raw[i..i + len].join(" ");
            let found = vocab.get(&key).or_else(|| vocab.get(key.trim_end_matches('.'))).or_else(|| {
                let ws: Vec<&str> = raw[i..i + len].iter().map(String::as_str).collect();
                vocab.get_near(&ws)
            });
            if let Some(exp) = found {
                // A code typed like a vocabulary word (`b12`) stays a word.
                units.push(Unit::Words {
                    words: raw[i..i + len].iter().map(|w| w.trim_end_matches('.').to_string()).collect(),
                    expansions: exp.to_vec(),
                    typing: last_raw(i + len),
                    guessed: false,
                });
                i += len;
                matched = true;
                break;
            }
        }
        if matched {
            continue;
        }
        let token = &raw[i];
        i += 1;
        if let Some(code) = code_like(token) {
            units.push(Unit::Code(code));
            continue;
        }
        let parts: Vec<&str> =
            token.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).collect();
        let n = parts.len();
        for (k, p) in parts.into_iter().enumerate() {
            if units.len() >= MAX_UNITS {
                break;
            }
            units.push(Unit::Words {
                words: vec![p.to_string()],
                expansions: Vec::new(),
                typing: last_raw(i) && k + 1 == n,
                guessed: false,
            });
        }
    }
    Plan { units }
}

/// Weights of the places a word can match.
const W_TITLE: f32 = 3.0;
const W_INCL: f32 = 1.6;
const W_EXTRA: f32 = 1.0;
/// Expansions count a little less than what was typed.
const W_EXPANSION: f32 = 0.85;
/// A typo match counts for about half a real one; a prefix a bit more.
const C_FUZZY: f32 = 1.2;
const C_PREFIX: f32 = 2.0;
/// A finished word matching only as the start of a title word.
const C_WORD_PREFIX: f32 = 1.5;
/// A title word an unknown word was guessed to abbreviate: below a prefix.
const C_GUESS: f32 = 1.0;

/// Analyzers used while building queries, and the term expansions remembered
/// across searches (cheap to clone per search; clones share the memo).
#[derive(Clone)]
pub struct Analyzers {
    pub text: TextAnalyzer,
    pub fold: TextAnalyzer,
    pub memo: Arc<Memo>,
}

impl Default for Analyzers {
    fn default() -> Self {
        Analyzers { text: schema::text_analyzer(), fold: schema::fold_analyzer(), memo: Arc::default() }
    }
}

fn term_q(field: Field, t: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs);
    Box::new(BoostQuery::new(Box::new(q), boost))
}

fn phrase_q(field: Field, terms: &[String], slop: u32, boost: f32) -> Box<dyn Query> {
    let mut q = PhraseQuery::new(terms.iter().map(|t| Term::from_field_text(field, t)).collect());
    q.set_slop(slop);
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// The query for a sequence of words in the text fields (expansions skip the PCS index words).
fn words_q(f: &Fields, terms: &[String], weight: f32, out: &mut Vec<(Occur, Box<dyn Query>)>) {
    let places = [(f.title, W_TITLE), (f.incl, W_INCL), (f.extra, W_EXTRA)];
    let n = if weight < 1.0 { 2 } else { 3 };
    for (field, w) in places.into_iter().take(n) {
        let q = match terms {
            [] => continue,
            [t] => term_q(field, t, w * weight),
            // Expansions such as `reposition internal fixation device open` have the body part in between.
            _ => phrase_q(field, terms, if weight < 1.0 { 6 } else { 2 }, w * weight),
        };
        out.push((Occur::Should, q));
    }
}

/// The query for one unit: any of its forms in any text field.
/// `whole`: typed words that are whole words of some title (their prefixes are not expanded).
fn unit_q(
    f: &Fields,
    unit: &Unit,
    alone: bool,
    whole: &HashSet<String>,
    an: &mut Analyzers,
) -> Option<Box<dyn Query>> {
    let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match unit {
        Unit::Code(key) => {
            let exact = TermQuery::new(Term::from_field_text(f.key, key), IndexRecordOption::Basic);
            let prefix = TermQuery::new(Term::from_field_text(f.prefix, key), IndexRecordOption::Basic);
            alts.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(exact), 200.0))));
            alts.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(prefix), 100.0))));
        }
        Unit::Words { words, expansions, typing, guessed } => {
            let text = words.join(" ");
            let stems = schema::terms(&mut an.text, &text);
            words_q(f, &stems, 1.0, &mut alts);
            let folded = schema::terms(&mut an.fold, &text);
            if let ([stem], [raw]) = (stems.as_slice(), folded.as_slice()) {
                let long = raw.chars().count() >= 5;
                let dist = u8::from(long);
                // Short prefixes match much of the index: two letters only when typed alone.
                let min_prefix = if alone { 2 } else { 3 };
                for (field, w) in [(f.title, W_TITLE), (f.incl, W_INCL)] {
                    if *typing && raw.chars().count() >= min_prefix {
                        let q = an.memo.fuzzy(field, raw, dist, true);
                        alts.push((Occur::Should, Box::new(ConstScoreQuery::new(q, C_PREFIX * w / W_TITLE))));
                    } else if !*typing
                        && field == f.title
                        && raw.chars().count() >= 3
                        && raw.chars().all(char::is_alphabetic)
                        && (raw.chars().count() >= 5 || !whole.contains(raw))
                    {
                        // Coders cut any word short (`perc endo`, `chole lap`): a finished word
                        // (short ones only when no title word) is also a title-word prefix, below a whole word
                        // (expanding whole words such as `low` to `lower` costs much, adds little).
                        let q = an.memo.fuzzy(field, raw, 0, true);
                        alts.push((Occur::Should, Box::new(ConstScoreQuery::new(q, C_WORD_PREFIX))));
                    }
                    // Typos in the title only: inclusion terms are many and short.
                    if long && field == f.title {
                        let q = an.memo.fuzzy(field, stem, 1, false);
                        alts.push((Occur::Should, Box::new(ConstScoreQuery::new(q, C_FUZZY * w / W_TITLE))));
                    }
                }
            }
            for e in expansions {
                if *guessed {
                    // Already title stems: matched as they are, in the title only.
                    for t in e {
                        let q = TermQuery::new(Term::from_field_text(f.title, t), IndexRecordOption::Basic);
                        alts.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(q), C_GUESS))));
                    }
                    continue;
                }
                let terms = schema::terms(&mut an.text, &e.join(" "));
                words_q(f, &terms, W_EXPANSION, &mut alts);
            }
        }
    }
    (!alts.is_empty()).then(|| Box::new(BooleanQuery::new(alts)) as Box<dyn Query>)
}

/// A phrasing word as typed, or a vocabulary term every expansion of which is one (`classd`, `elswhr`).
fn is_phrasing(unit: &Unit) -> bool {
    let phrasing = |w: &[String]| w.len() == 1 && PHRASING.contains(&w[0].as_str());
    matches!(unit, Unit::Words { words, expansions, .. }
        if phrasing(words) || (!expansions.is_empty() && expansions.iter().all(|e| phrasing(e))))
}

/// A stop word, or a vocabulary term that means only stop words (`d/t` = due to).
fn is_stop(unit: &Unit) -> bool {
    let stops = |ws: &[String]| ws.iter().all(|w| STOP_WORDS.contains(&w.as_str()));
    matches!(unit, Unit::Words { words, expansions, .. } if words.len() == 1
        && (expansions.is_empty() && stops(words) || !expansions.is_empty() && expansions.iter().all(|e| stops(e))))
}

/// The billable codes under `key` (filters applied), scored by `words`.
pub fn billable_under(f: &Fields, key: &str, q: &super::Query, words: &dyn Query) -> Box<dyn Query> {
    let q = super::Query { within: Some(key.to_string()), billable_only: true, ..q.clone() };
    let mut clauses = filters(f, &q);
    clauses.push((Occur::Should, words.box_clone()));
    // The codes themselves, not the book rows that give them.
    let book = TermQuery::new(Term::from_field_text(f.kind, super::books::KIND), IndexRecordOption::Basic);
    clauses.push((Occur::MustNot, Box::new(book)));
    Box::new(BooleanQuery::new(clauses))
}

/// The filters of a query: set, billable, within (as ANDed constant-zero clauses).
pub fn filters(f: &Fields, q: &super::Query) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let zero = |q: Box<dyn Query>| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, 0.0)) };
    if let Some(set) = q.set {
        let t = TermQuery::new(Term::from_field_text(f.set, set.as_str()), IndexRecordOption::Basic);
        out.push((Occur::Must, zero(Box::new(t))));
    }
    if q.billable_only {
        let t = TermQuery::new(Term::from_field_u64(f.billable, 1), IndexRecordOption::Basic);
        out.push((Occur::Must, zero(Box::new(t))));
    }
    if let Some(w) = q.within.as_deref().map(within_key).filter(|k| !k.is_empty()) {
        let t = TermQuery::new(Term::from_field_text(f.anc, &w), IndexRecordOption::Basic);
        out.push((Occur::Must, zero(Box::new(t))));
    }
    out
}

/// The key of a `within` value as printed: a chapter number (`4`, `CH4`), a block (`E08-E13`), a code (`E11`).
pub fn within_key(w: &str) -> String {
    let w = w.trim();
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        return format!("CH{}", w.trim_start_matches('0'));
    }
    let lower = w.to_ascii_lowercase();
    if let Some(n) = lower.strip_prefix("chapter").or_else(|| lower.strip_prefix("ch")) {
        let n = n.trim();
        if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
            return format!("CH{}", n.trim_start_matches('0'));
        }
    }
    normalize(w)
}

/// The queries of one search.
pub struct Passes {
    /// Every unit required (stop words excepted).
    pub all: Box<dyn Query>,
    /// Any unit.
    pub any: Box<dyn Query>,
    /// Any unit, none required, no filters: scores the codes under a header.
    pub words: Box<dyn Query>,
    /// The filters, and per unit that is required: its index in the plan and its query.
    filters: Vec<(Occur, Box<dyn Query>)>,
    required: Vec<(usize, Box<dyn Query>)>,
    /// The optional units (stop words) of `all`.
    optional: Vec<Box<dyn Query>>,
}

fn clone_clauses(c: &[(Occur, Box<dyn Query>)]) -> Vec<(Occur, Box<dyn Query>)> {
    c.iter().map(|(o, q)| (*o, q.box_clone())).collect()
}

impl Passes {
    /// The required units (by plan index), each alone under the filters.
    pub fn required_units(&self) -> impl Iterator<Item = (usize, Box<dyn Query>)> + '_ {
        self.required.iter().map(|(i, uq)| {
            let mut c = clone_clauses(&self.filters);
            c.push((Occur::Must, uq.box_clone()));
            (*i, Box::new(BooleanQuery::new(c)) as Box<dyn Query>)
        })
    }

    pub fn required_count(&self) -> usize {
        self.required.len()
    }

    /// `all` with the units `dropped` (plan indexes) optional: no document holds them.
    pub fn all_but(&self, dropped: &HashSet<usize>) -> Box<dyn Query> {
        let mut c = clone_clauses(&self.filters);
        for (i, uq) in &self.required {
            c.push((if dropped.contains(i) { Occur::Should } else { Occur::Must }, uq.box_clone()));
        }
        c.extend(self.optional.iter().map(|q| (Occur::Should, q.box_clone())));
        Box::new(BooleanQuery::new(c))
    }
}

/// The passes of a search (see [`Passes`]).
pub fn queries(
    f: &Fields,
    plan: &Plan,
    q: &super::Query,
    whole: &HashSet<String>,
    an: &mut Analyzers,
) -> Option<Passes> {
    let alone = plan.units.len() == 1;
    let phrasing = plan.phrasing();
    let memo = an.memo.clone();
    let units: Vec<(usize, bool, Box<dyn Query>)> = plan
        .units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let uq = unit_q(f, u, alone, whole, an)?;
            // The word being typed is new on every keystroke: only finished units are remembered.
            let typing = matches!(u, Unit::Words { typing: true, .. });
            Some((i, is_stop(u), if typing { uq } else { memo.scored(uq) }))
        })
        .collect();
    if units.is_empty() {
        return None;
    }
    let only_stops = units.iter().all(|(_, stop, _)| *stop);
    let (mut required, mut optional) = (Vec::new(), Vec::new());
    let mut any_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (i, stop, uq) in units {
        if phrasing[i] {
            // Scored everywhere (a title holding it still ranks first), required nowhere.
            let uq: Box<dyn Query> = Box::new(BoostQuery::new(uq, PHRASING_BOOST));
            any_clauses.push((Occur::Should, uq.box_clone()));
            optional.push(uq);
        } else if !stop || only_stops {
            // A stop word alone finds nothing worth showing.
            any_clauses.push((Occur::Should, uq.box_clone()));
            required.push((i, uq));
        } else {
            optional.push(uq);
        }
    }
    let words: Box<dyn Query> = Box::new(BooleanQuery::new(any_clauses));
    let filters = filters(f, q);
    let mut any = clone_clauses(&filters);
    any.push((Occur::Must, words.box_clone()));
    let mut p = Passes {
        all: words.box_clone(),
        any: Box::new(BooleanQuery::new(any)),
        words,
        filters,
        required,
        optional,
    };
    p.all = p.all_but(&HashSet::new());
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        Vocab::embedded().expect("vocabulary")
    }

    #[test]
    fn codes_are_recognised_with_or_without_dot_and_case() {
        assert_eq!(code_like("e11.9").as_deref(), Some("E119"));
        assert_eq!(code_like("E119").as_deref(), Some("E119"));
        assert_eq!(code_like("S52.5").as_deref(), Some("S525"));
        assert_eq!(code_like("0dtj").as_deref(), Some("0DTJ"));
        assert_eq!(code_like("0DT").as_deref(), Some("0DT"));
        assert_eq!(code_like("e11.").as_deref(), Some("E11"));
        for word in ["diabetes", "2", "3rd", "abd", "chf", "a.b.c", "", ".", "x"] {
            assert_eq!(code_like(word), None, "{word}");
        }
    }

    #[test]
    fn abbreviations_expand_and_the_last_word_is_typed() {
        let p = plan("diabetes w ckd", &vocab());
        assert_eq!(p.units.len(), 3);
        let Unit::Words { expansions, typing, .. } = &p.units[2] else { panic!("{p:?}") };
        assert!(*typing);
        assert!(expansions.iter().any(|e| e.join(" ") == "chronic kidney disease"));
        let Unit::Words { expansions, typing, .. } = &p.units[1] else { panic!("{p:?}") };
        assert!(!typing);
        assert!(expansions.iter().any(|e| e == &["with"]));
        // A trailing space finishes the last word.
        let p = plan("diabet ", &vocab());
        assert!(matches!(&p.units[0], Unit::Words { typing: false, .. }));
    }

    #[test]
    fn multiword_vocabulary_terms_are_one_unit() {
        let p = plan("lap chole", &vocab());
        assert_eq!(p.units.len(), 1, "{p:?}");
        let p = plan("s/p heart attack", &vocab());
        assert_eq!(p.units.len(), 2, "{p:?}");
    }

    #[test]
    fn bad_input_never_panics_and_is_bounded() {
        let v = vocab();
        let f = super::super::schema::schema().1;
        let mut an = Analyzers::default();
        let long = "fracture ".repeat(2000);
        for text in
            ["", "   ", "\"", "a:b", "[[[", "))(", "é", "日本語", "\u{0}", "w/", "-", "'", "e11..9", &long]
        {
            let p = plan(text, &v);
            assert!(p.units.len() <= MAX_UNITS);
            let _ = queries(&f, &p, &super::super::Query::new(text), &HashSet::new(), &mut an);
        }
        assert!(plan("", &v).is_empty());
        assert!(plan(" \t ", &v).is_empty());
    }

    #[test]
    fn letters_and_digits_run_together_are_split_as_coders_mean_them() {
        let v = vocab();
        let words = |t: &str| -> Vec<Vec<String>> {
            plan(t, &v)
                .units
                .into_iter()
                .map(|u| match u {
                    Unit::Words { words, .. } => words,
                    Unit::Code(k) => vec![format!("code:{k}")],
                })
                .collect()
        };
        assert_eq!(split_token("ckd3", &v), ["ckd", "3"]);
        assert_eq!(split_token("stage3", &v), ["stage", "3"]);
        assert_eq!(split_token("bmi42", &v), ["bmi", "42"]);
        // Known as a whole, codes, ordinals and spine levels stay whole.
        for t in ["dm2", "0dtj", "e11", "e11.9", "3rd", "t1", "c5", "g2p1", "bw03"] {
            assert_eq!(split_token(t, &v), [t], "{t}");
        }
        // `ckd3` reads as the vocabulary term `ckd 3` (stage 3), `dm2` as type 2.
        assert_eq!(words("dm2 w ckd3 "), [vec!["dm2"], vec!["w"], vec!["ckd", "3"]]);
        let p = plan("ckd3 ", &v);
        let Unit::Words { expansions, .. } = &p.units[0] else { panic!("{p:?}") };
        assert!(expansions.iter().any(|e| e.join(" ") == "chronic kidney disease stage 3"), "{p:?}");
        assert_eq!(words("bmi42"), [vec!["code:Z6841"]]);
        assert_eq!(words("BMI 42"), [vec!["code:Z6841"]]);
        assert_eq!(words("bmi 27.5"), [vec!["code:Z6827"]]);
        assert_eq!(words("t1-t6 "), [vec!["t1"], vec!["t6"]]);
        assert_eq!(words("3rd degree burn "), [vec!["3rd"], vec!["degree"], vec!["burn"]]);
    }

    #[test]
    fn phrasing_words_are_qualifiers_only_in_a_query_of_several_content_units() {
        let v = vocab();
        let flags = |t: &str| plan(t, &v).phrasing();
        // Three content units: `classified` and `elsewhere` are optional qualifiers.
        assert_eq!(
            flags("glomerular kidney disorders classified elsewhere"),
            [false, false, false, true, true]
        );
        assert_eq!(plan("glomerular kidney disorders classified elsewhere", &v).content_units(), 3);
        // Fewer: every word is asked for (`other specified counseling`).
        assert!(flags("specified counseling").iter().all(|p| !p), "{:?}", flags("specified counseling"));
        assert!(flags("glomerular disorders classified elsewhere").iter().all(|p| !p));
    }

    #[test]
    fn an_unknown_word_is_guessed_as_a_skeleton_or_cut_of_a_title_word() {
        let terms = [
            ("uncontrol", 40),
            ("unconsci", 30),
            ("atherosclerosi", 300),
            ("athlet", 5),
            ("complic", 900),
            ("compress", 200),
            ("compart", 50),
            ("caput", 2),
            ("hemorrhag", 800),
        ];
        let guess = |w: &str| abbreviation_guesses(w, terms.iter().map(|&(t, n)| (t, n)));
        assert_eq!(guess("uncntrl"), ["uncontrol"]);
        assert_eq!(guess("athscl"), ["atherosclerosi"]);
        // Bounded: fewest skipped letters, then the most frequent.
        assert_eq!(guess("cmp"), ["complic", "compress", "compart"]);
        // A cut word is a prefix: the prefix query finds it, no guess.
        assert!(guess("hemorr").is_empty());
        // Letters out of order, another first letter, too many letters skipped.
        for w in ["untcrl", "thscl", "hmrg", "cpt"] {
            assert!(guess(w).is_empty(), "{w}: {:?}", guess(w));
        }
        assert_eq!(skipped("uncntrl", "uncontrol"), Some(2));
        assert_eq!(skipped("unc", "unc"), None, "the word itself");
        // Codes, numbers, ordinals and short words are never guessed.
        for w in ["e11", "0dtj", "42", "3rd", "ab", "t1", "w/o", "café"] {
            assert!(!may_abbreviate(w), "{w}");
        }
        assert!(may_abbreviate("athscl"));
    }

    #[test]
    fn only_finished_unknown_words_without_a_vocabulary_line_are_guessed() {
        let v = vocab();
        // `uncntrl` unknown, `diabetes` a title word, `htn` a vocabulary term, `athsc` being typed.
        let mut p = plan("diabetes uncntrl htn athsc", &v);
        let whole: HashSet<String> = ["diabetes".to_string()].into();
        let mut asked = Vec::new();
        guess_abbreviations(&mut p, &whole, |w| {
            asked.push(w.to_string());
            vec![format!("{w}-title")]
        });
        assert_eq!(asked, ["uncntrl"]);
        let Unit::Words { expansions, guessed, .. } = &p.units[1] else { panic!("{p:?}") };
        assert!(*guessed);
        assert_eq!(expansions, &[vec!["uncntrl-title".to_string()]]);
        assert!(p.units.iter().filter(|u| matches!(u, Unit::Words { guessed: true, .. })).count() == 1);
    }

    #[test]
    fn a_term_meaning_only_stop_words_is_optional_like_them() {
        let p = plan("sepsis d/t uti", &vocab());
        assert!(is_stop(&p.units[1]), "{p:?}");
        assert!(!is_stop(&p.units[0]) && !is_stop(&p.units[2]), "{p:?}");
    }

    #[test]
    fn within_accepts_chapters_blocks_and_codes() {
        assert_eq!(within_key("4"), "CH4");
        assert_eq!(within_key("chapter 4"), "CH4");
        assert_eq!(within_key("E08-E13"), "E08-E13");
        assert_eq!(within_key("e11.2"), "E112");
    }
}
