//! Ranking on top of tantivy's BM25: the first-pass tweak (billable codes up,
//! later encounters down, shorter keys first on code queries) read from fast
//! fields, the rerank by how much of a title the query covers, and what a hit matched on.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, SegmentReader};

use super::Matched;
use super::query::{Analyzers, Plan, Unit};
use super::schema;
use super::stored::Texts;

/// Title words that add no qualifier a coder would have to type: the plain
/// condition's code says them (`..., unspecified`, `NOS`, `site not specified`).
const NEUTRAL: [&str; 29] = [
    "unspecified",
    // The 7th character `not applicable or unspecified`.
    "applicable",
    "personal",
    "nos",
    "not",
    "specified",
    "site",
    "without",
    "complication",
    "complications",
    "organism",
    "of",
    "the",
    "and",
    "in",
    "on",
    "to",
    "a",
    "an",
    "or",
    "as",
    "by",
    "for",
    "at",
    "due",
    "with",
    "type",
    "acute",
    "elsewhere",
];
/// Title words that name a context the coder must ask for (a past condition,
/// a later encounter, a family member, a healing problem): such codes go down unless the query names them.
const CONTEXT: [&str; 13] = [
    "old",
    "nonunion",
    "malunion",
    "history",
    "family",
    "sequela",
    "sequelae",
    "subsequent",
    "screening",
    "healed",
    "follow",
    "postprocedural",
    "intraoperative",
];
/// Query words that ask for obstetric or perinatal codes (chapters 15 and 16, keys `O`, `P`).
const OB_PERI: [&str; 22] = [
    "pregnan",
    "preg",
    "deliver",
    "postpartum",
    "puerper",
    "obstet",
    "labor",
    "labour",
    "newborn",
    "neonat",
    "perinat",
    "fetal",
    "fetus",
    "birth",
    "antepartum",
    "gestat",
    "trimester",
    "matern",
    "preterm",
    "abort",
    "ectopic",
    "child",
];

/// The fast fields the first pass reads, for one segment.
pub struct Columns {
    billable: Arc<dyn ColumnValues<u64>>,
    klen: Arc<dyn ColumnValues<u64>>,
    ord: Arc<dyn ColumnValues<u64>>,
    later: Arc<dyn ColumnValues<u64>>,
    docs: DocId,
    /// The four values of every document, decoded on the first search rather
    /// than at open (about 10 ms): the first pass reads them for every document
    /// it matches, and tantivy's compressed columns were a third of a slow keystroke.
    /// None when a value does not fit (read from the columns then).
    decoded: OnceLock<Option<Vec<Packed>>>,
}

#[derive(Clone, Copy)]
struct Packed {
    ord: u32,
    klen: u8,
    billable: bool,
    later: bool,
}

impl Columns {
    /// Every ranking fast field of a segment; one missing (a renamed field) is an error.
    pub fn open(seg: &SegmentReader) -> tantivy::Result<Columns> {
        let ff = seg.fast_fields();
        let col = |name: &str| ff.u64(name).map(|c| c.first_or_default_col(0));
        Ok(Columns {
            billable: col(schema::BILLABLE)?,
            klen: col(schema::KLEN)?,
            ord: col(schema::ORD)?,
            later: col(schema::LATER)?,
            docs: seg.max_doc(),
            decoded: OnceLock::new(),
        })
    }

    /// For one search only (a segment opened since the last reload): read from the
    /// columns, since decoding every document would cost more than the search.
    pub fn open_once(seg: &SegmentReader) -> tantivy::Result<Columns> {
        let c = Columns::open(seg)?;
        let _ = c.decoded.set(None);
        Ok(c)
    }

    fn decode(&self) -> Option<Vec<Packed>> {
        (0..self.docs)
            .map(|d| {
                let flag = |c: &Arc<dyn ColumnValues<u64>>| match c.get_val(d) {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                };
                Some(Packed {
                    ord: u32::try_from(self.ord.get_val(d)).ok()?,
                    klen: u8::try_from(self.klen.get_val(d)).ok()?,
                    billable: flag(&self.billable)?,
                    later: flag(&self.later)?,
                })
            })
            .collect()
    }

    /// (billable, key length, code order, later encounter) of a document.
    fn values(&self, doc: DocId) -> (f32, f32, i64, f32) {
        match self.decoded.get_or_init(|| self.decode()).as_ref().and_then(|p| p.get(doc as usize)) {
            Some(p) => (
                f32::from(u8::from(p.billable)),
                f32::from(p.klen),
                i64::from(p.ord),
                f32::from(u8::from(p.later)),
            ),
            None => (
                self.billable.get_val(doc) as f32,
                self.klen.get_val(doc) as f32,
                self.ord.get_val(doc) as i64,
                self.later.get_val(doc) as f32,
            ),
        }
    }

    /// The first-pass score of a document and its tie-break (code order).
    /// `later_weight`: how much 7th characters other than initial encounter lose.
    pub fn score(&self, doc: DocId, score: Score, code_only: bool, later_weight: f32) -> (Score, i64) {
        let (b, len, ord, l) = self.values(doc);
        let s = if code_only {
            score - len
        } else {
            score * (1.0 + 0.12 * b) * (1.0 - later_weight * l) - 0.02 * len
        };
        (s, -ord)
    }
}

/// The word lists of the rerank, as stems (built once per engine).
pub struct Ranker {
    neutral: HashSet<String>,
    context: HashSet<String>,
}

impl Default for Ranker {
    fn default() -> Self {
        Ranker { neutral: stems(&NEUTRAL), context: stems(&CONTEXT) }
    }
}

fn stems(words: &[&str]) -> HashSet<String> {
    let mut an = Analyzers::default();
    words.iter().flat_map(|w| schema::terms(&mut an.text, w)).collect()
}

/// What a query says, for reranking: the word stems it covers (typed, expanded,
/// prefixes), and whether it asks for obstetric/perinatal codes.
pub struct Coverage {
    stems: HashSet<String>,
    prefixes: Vec<String>,
    ob_peri: bool,
    /// Per unit typed, the ways its words can stand in a title (the typed stems, then each
    /// expansion's), each word with its share of its way (by IDF: `kidney` counts more than `stage`).
    units: Vec<Vec<Vec<(String, f32)>>>,
    /// Per unit, what missing it costs: its rarity (IDF) over the mean of the query's.
    weights: Vec<f32>,
    /// Per unit, whether it is a phrasing word standing as a qualifier (`Plan::phrasing`).
    qualifier: Vec<bool>,
}

impl Coverage {
    /// `idf`: the IDF of a title stem, None when no title has it.
    pub fn of(plan: &Plan, an: &mut Analyzers, idf: &dyn Fn(&str) -> Option<f32>) -> Coverage {
        let mut c = Coverage {
            stems: HashSet::new(),
            prefixes: Vec::new(),
            ob_peri: false,
            units: Vec::new(),
            weights: Vec::new(),
            qualifier: Vec::new(),
        };
        for (u, phrasing) in plan.units.iter().zip(plan.phrasing()) {
            match u {
                Unit::Code(k) => c.ob_peri |= k.starts_with('O') || k.starts_with('P'),
                Unit::Words { words, expansions, .. } => {
                    let ways = std::iter::once(words)
                        .chain(expansions.iter())
                        .map(|w| schema::terms(&mut an.text, &w.join(" ")))
                        .filter(|w| !w.is_empty())
                        .map(|way| way.into_iter().map(|w| (w, 0.0)).collect())
                        .collect::<Vec<_>>();
                    if !ways.is_empty() {
                        c.units.push(ways);
                        c.qualifier.push(phrasing);
                    }
                    let mut all: Vec<String> = words.clone();
                    all.extend(expansions.iter().flatten().cloned());
                    for w in &all {
                        c.ob_peri |= OB_PERI.iter().any(|x| w.starts_with(x)) || w == "ob" || w == "nb";
                        for t in schema::terms(&mut an.text, w) {
                            c.stems.insert(t);
                        }
                        for t in schema::terms(&mut an.fold, w) {
                            if t.chars().count() >= 3 {
                                c.prefixes.push(t);
                            }
                        }
                    }
                }
            }
        }
        // A unit is as rare as its commonest way of being written (the rarest word of each way).
        let rarity: Vec<Option<f32>> = c
            .units
            .iter()
            .map(|ways| {
                ways.iter()
                    .filter_map(|way| way.iter().filter_map(|w| idf(&w.0)).reduce(f32::max))
                    .reduce(f32::min)
            })
            .collect();
        // A qualifier's rarity says nothing of the content (`mention`, `stated` are rare): it costs least.
        let known: Vec<f32> =
            rarity.iter().zip(&c.qualifier).filter(|q| !*q.1).filter_map(|q| *q.0).collect();
        let mean = if known.is_empty() { 1.0 } else { known.iter().sum::<f32>() / known.len() as f32 };
        c.weights = rarity
            .into_iter()
            .zip(&c.qualifier)
            .map(|(r, &q)| if q { 0.25 } else { r.map_or(1.0, |r| (r / mean.max(0.01)).clamp(0.25, 2.0)) })
            .collect();
        // A word no title has is as rare as a word can be.
        let rarest = known.iter().copied().fold(1.0, f32::max);
        for way in c.units.iter_mut().flatten() {
            let idfs: Vec<f32> = way.iter().map(|w| idf(&w.0).unwrap_or(rarest)).collect();
            let sum: f32 = idfs.iter().sum::<f32>().max(f32::EPSILON);
            for (w, i) in way.iter_mut().zip(idfs) {
                w.1 = i / sum;
            }
        }
        c
    }

    /// How much of each unit a title lacks (0 held, 1 absent): the best way's uncovered
    /// share, so `chronic kidney disease` holds most of `chronic kidney disease stage 3`.
    /// Less than half a way is not held at all (`heart` is no part of a `heart attack`).
    fn lacking<'a>(&'a self, title_terms: &'a [String]) -> impl Iterator<Item = f32> + 'a {
        let has = |w: &str| title_terms.iter().any(|t| t == w || (w.len() >= 3 && t.starts_with(w)));
        self.units.iter().map(move |ways| {
            let held = ways
                .iter()
                .map(|way| way.iter().filter(|(w, _)| has(w)).map(|(_, share)| share).sum::<f32>())
                .filter(|&held| held >= 0.5)
                .fold(0.0, f32::max);
            (1.0 - held).max(0.0)
        })
    }

    /// How much of the query a title lacks, each unit by its weight (about 1 per unit).
    /// A rare word missing costs more than a common one.
    fn missing_of(&self, title_terms: &[String]) -> f32 {
        self.lacking(title_terms).zip(&self.weights).map(|(lack, w)| lack * w).sum()
    }

    /// How much a code's title holds beyond what was asked: 1.0 when the query covers it all.
    /// `partial`: the code lacks some unit everywhere (not only in its title), which costs double.
    pub fn factor(
        &self,
        key: &str,
        set: &str,
        title: &str,
        partial: bool,
        r: &Ranker,
        an: &mut Analyzers,
    ) -> f32 {
        self.factor_of(key, set, &schema::terms(&mut an.text, title), partial, r)
    }

    /// [`Coverage::factor`] of a title already analyzed (its stems in order).
    pub fn factor_of(&self, key: &str, set: &str, title_terms: &[String], partial: bool, r: &Ranker) -> f32 {
        let mut uncovered = 0usize;
        let mut ctx = false;
        // What was typed but is not in the title (found through an inclusion term or index entry only).
        let missing = self.missing_of(title_terms);
        for t in title_terms {
            if self.stems.contains(t) {
                continue;
            }
            ctx |= r.context.contains(t);
            if r.neutral.contains(t) || t.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let long = t.chars().count() >= 5;
            let near = self.prefixes.iter().any(|p| t.starts_with(p.as_str()))
                || (long
                    && self.stems.iter().any(|s| s.chars().count() >= 5 && super::vocab::within_one(s, t)));
            if !near {
                uncovered += 1;
            }
        }
        let mut f = 1.0 / (1.0 + 0.4 * uncovered as f32) / (1.0 + if partial { 0.6 } else { 0.3 } * missing);
        // A context word the query covers (`hx`, `old`, `subs`) is no demotion: only uncovered ones count.
        if ctx {
            f *= 0.5;
        }
        if set == "icd10cm" && (key.starts_with('O') || key.starts_with('P')) && !self.ob_peri {
            f *= 0.6;
        }
        f
    }
}

/// One unit of the plan as [`matched_on`] compares it.
enum AskedUnit {
    Code(String),
    Words { stems: Vec<String>, raw: Vec<String>, typing: bool, expansions: Vec<Vec<String>> },
}

/// What was asked, analyzed once per search for every hit's label.
pub struct Asked(Vec<AskedUnit>);

impl Asked {
    pub fn of(plan: &Plan, an: &mut Analyzers) -> Asked {
        let units = plan.units.iter().map(|u| match u {
            Unit::Code(c) => AskedUnit::Code(c.clone()),
            Unit::Words { words, expansions, typing, .. } => AskedUnit::Words {
                stems: schema::terms(&mut an.text, &words.join(" ")),
                raw: schema::terms(&mut an.fold, &words.join(" ")),
                typing: *typing,
                expansions: expansions.iter().map(|e| schema::terms(&mut an.text, &e.join(" "))).collect(),
            },
        });
        Asked(units.collect())
    }
}

/// Which text a hit's match came from: the place that holds most of what was typed.
pub fn matched_on(asked: &Asked, key: &str, texts: &Texts) -> Matched {
    let (t, i, x) = (&texts.title, &texts.incl, &texts.extra);
    let (mut code, mut in_incl, mut in_extra, mut by_syn) = (0, 0, 0, 0);
    for u in &asked.0 {
        match u {
            AskedUnit::Code(c) => code += usize::from(key.starts_with(c.as_str())),
            AskedUnit::Words { stems, raw, typing, expansions } => {
                let has = |s: &HashSet<String>| {
                    !stems.is_empty() && stems.iter().all(|w| s.contains(w))
                        || (*typing && raw.len() == 1 && s.iter().any(|w| w.starts_with(&raw[0])))
                };
                if has(t) {
                    // In the title: no helper needed.
                } else if has(i) {
                    in_incl += 1;
                } else if has(x) {
                    in_extra += 1;
                } else if expansions.iter().any(|es| {
                    !es.is_empty() && es.iter().all(|w| t.contains(w) || i.contains(w) || x.contains(w))
                }) {
                    by_syn += 1;
                }
            }
        }
    }
    if code > 0 {
        return Matched::Code;
    }
    // Title unless something beyond the title was needed; then the largest helper.
    let helpers =
        [(in_incl, Matched::InclusionTerm), (by_syn, Matched::Synonym), (in_extra, Matched::IndexTerm)];
    let mut best = (0, Matched::Title);
    for (n, m) in helpers {
        if n > best.0 {
            best = (n, m);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{FAST, Schema};
    use tantivy::{Index, TantivyDocument};

    fn segment_columns(fast: &[&str]) -> tantivy::Result<()> {
        let mut b = Schema::builder();
        let fields: Vec<_> = [schema::BILLABLE, schema::KLEN, schema::ORD, schema::LATER]
            .iter()
            .map(|name| {
                let opts = if fast.contains(name) {
                    FAST.into()
                } else {
                    tantivy::schema::NumericOptions::default()
                };
                b.add_u64_field(name, opts)
            })
            .collect();
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        let mut doc = TantivyDocument::default();
        for f in fields {
            doc.add_u64(f, 1);
        }
        w.add_document(doc)?;
        w.commit()?;
        let searcher = index.reader()?.searcher();
        Columns::open(&searcher.segment_readers()[0]).map(|_| ())
    }

    #[test]
    fn every_ranking_fast_field_is_required() {
        let all = [schema::BILLABLE, schema::KLEN, schema::ORD, schema::LATER];
        assert!(segment_columns(&all).is_ok());
        // A field renamed or no longer fast fails instead of reading as zero.
        assert!(segment_columns(&all[..3]).is_err());
        assert!(segment_columns(&all[1..]).is_err());
    }

    #[test]
    fn ranking_columns_give_each_document_its_own_values() -> tantivy::Result<()> {
        // (billable, key length, code order, later encounter); the second set holds a
        // code order too wide to decode, so the columns are read as they are.
        let sets: [&[(u64, u64, u64, u64)]; 2] = [
            &[(1, 5, 7, 0), (0, 3, 2, 0), (1, 7, 4_000_000_000, 1)],
            &[(1, 5, 7, 0), (1, 7, 5_000_000_000, 1)],
        ];
        for rows in sets {
            let mut b = Schema::builder();
            let [billable, klen, ord, later] = [schema::BILLABLE, schema::KLEN, schema::ORD, schema::LATER]
                .map(|n| b.add_u64_field(n, FAST));
            let index = Index::create_in_ram(b.build());
            let mut w = index.writer_with_num_threads(1, 15_000_000)?;
            for &(bi, kl, or, la) in rows {
                let mut doc = TantivyDocument::default();
                doc.add_u64(billable, bi);
                doc.add_u64(klen, kl);
                doc.add_u64(ord, or);
                doc.add_u64(later, la);
                w.add_document(doc)?;
            }
            w.commit()?;
            let searcher = index.reader()?.searcher();
            let c = Columns::open(&searcher.segment_readers()[0])?;
            // A one-off read (never decoded) scores the same.
            let once = Columns::open_once(&searcher.segment_readers()[0])?;
            for (doc, &(bi, kl, or, la)) in rows.iter().enumerate() {
                let doc = doc as DocId;
                assert_eq!(once.score(doc, 10.0, false, 0.2), c.score(doc, 10.0, false, 0.2));
                assert_eq!(c.score(doc, 10.0, true, 0.0), (10.0 - kl as f32, -(or as i64)));
                let want = 10.0 * (1.0 + 0.12 * bi as f32) * (1.0 - 0.2 * la as f32) - 0.02 * kl as f32;
                assert_eq!(c.score(doc, 10.0, false, 0.2).0, want);
            }
        }
        Ok(())
    }

    #[test]
    fn uncovered_title_words_and_unasked_context_lower_the_factor() {
        let vocab = super::super::vocab::Vocab::embedded().expect("vocabulary");
        let mut an = Analyzers::default();
        let r = Ranker::default();
        let plan = super::super::query::plan("pneumonia ", &vocab);
        let cov = Coverage::of(&plan, &mut an, &|_| None);
        let plain = cov.factor("J189", "icd10cm", "Pneumonia, unspecified organism", false, &r, &mut an);
        let qualified =
            cov.factor("J13", "icd10cm", "Pneumonia due to Streptococcus pneumoniae", false, &r, &mut an);
        let family = cov.factor("Z8381", "icd10cm", "Family history of pneumonia", false, &r, &mut an);
        assert_eq!(plain, 1.0);
        assert!(qualified < plain && family < plain, "{qualified} {family}");
    }

    #[test]
    fn a_rare_phrasing_word_costs_less_than_a_content_word() {
        let vocab = super::super::vocab::Vocab::embedded().expect("vocabulary");
        let mut an = Analyzers::default();
        let r = Ranker::default();
        // `classified` and `elsewhere` are rarer than any content word of the query.
        let plan = super::super::query::plan("chronic kidney disease classified elsewhere", &vocab);
        let idf = |w: &str| {
            Some(if matches!(w, "classifi" | "classified" | "elsewher" | "elsewhere") { 6.0 } else { 2.0 })
        };
        let cov = Coverage::of(&plan, &mut an, &idf);
        let f = |key: &str, title: &str, an: &mut Analyzers| cov.factor(key, "icd10cm", title, true, &r, an);
        let condition = f("N189", "Chronic kidney disease, unspecified", &mut an);
        let phrasing = f("N18X", "Kidney disease classified elsewhere", &mut an);
        assert!(condition > phrasing, "{condition} {phrasing}");
        // With fewer content words the same words are content, weighed by their rarity.
        let plan = super::super::query::plan("kidney disease classified elsewhere", &vocab);
        let cov = Coverage::of(&plan, &mut an, &idf);
        let f = |key: &str, title: &str, an: &mut Analyzers| cov.factor(key, "icd10cm", title, true, &r, an);
        let condition = f("N189", "Kidney disease, unspecified", &mut an);
        let phrasing = f("N18X", "Disease classified elsewhere", &mut an);
        assert!(condition < phrasing, "{condition} {phrasing}");
    }

    #[test]
    fn a_title_holding_most_of_a_unit_lacks_only_the_rest() {
        let vocab = super::super::vocab::Vocab::embedded().expect("vocabulary");
        let mut an = Analyzers::default();
        let r = Ranker::default();
        // `ckd3` is `chronic kidney disease stage 3`: a title without the stage holds most of it.
        let plan = super::super::query::plan("dm2 w ckd3", &vocab);
        let idf =
            |w: &str| Some(if w == "stage" || w.chars().all(|c| c.is_ascii_digit()) { 2.0 } else { 4.0 });
        let cov = Coverage::of(&plan, &mut an, &idf);
        let f = |key: &str, title: &str, an: &mut Analyzers| cov.factor(key, "icd10cm", title, true, &r, an);
        let ckd = f("E1122", "Type 2 diabetes mellitus with diabetic chronic kidney disease", &mut an);
        let other = f("E118", "Type 2 diabetes mellitus with unspecified complications", &mut an);
        let staged = f("E1122", "Type 2 diabetes mellitus with chronic kidney disease stage 3", &mut an);
        assert!(other < ckd && ckd < staged, "{other} {ckd} {staged}");
        // Less than half of a way is nothing held: `heart` is no part of a heart attack.
        let plan = super::super::query::plan("heart attack ", &vocab);
        let cov = Coverage::of(&plan, &mut an, &|w| Some(if w == "heart" { 2.0 } else { 5.0 }));
        let failure = cov.factor("I509", "icd10cm", "Heart failure", false, &r, &mut an);
        let nothing = cov.factor("R69", "icd10cm", "Illness", false, &r, &mut an);
        assert!(failure <= nothing + 1e-6, "{failure} {nothing}");
    }
}
