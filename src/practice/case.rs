//! Case questions for the mock exam: a keyed record of the example queue
//! (an excerpt of its documentation) and "which code is first-listed /
//! principal?". The distractors are the record's other key codes (present,
//! but sequenced after) and codes a coder could take for the answer (sibling,
//! other side, the header, the Excludes1 partner).

use std::sync::OnceLock;

use super::generate::{chapter, cm_neighbours, distinct, place, tabular_path};
use super::question::{Choice, Kind, Question, Subject};
use super::rng::Rng;
use crate::codeset::{Codebook, normalize};
use crate::queue::record::{EncounterType, Record};

/// How much of a record's documentation a case shows.
const EXCERPT: usize = 420;

fn records() -> &'static [Record] {
    static R: OnceLock<Vec<Record>> = OnceLock::new();
    R.get_or_init(|| crate::queue::load::load_example().records)
}

/// The record's key diagnoses that are ICD-10-CM codes of the edition, in order.
fn key_diagnoses(cb: &Codebook, r: &Record) -> Vec<String> {
    r.expected_codes.iter().filter(|c| cb.cm.get(&normalize(c)).is_some()).cloned().collect()
}

fn first_listed(r: &Record) -> &'static str {
    if r.encounter_type == EncounterType::Inpatient { "principal" } else { "first-listed" }
}

/// The start of the documentation and its assessment, on one line each.
pub fn excerpt(doc: &str) -> String {
    let doc = crate::text::sanitize(doc);
    let lines: Vec<&str> = doc.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let key = ["assessment", "impression", "diagnos", "final"];
    let mut pick: Vec<&str> = lines.iter().take(2).copied().collect();
    if let Some(i) = lines.iter().position(|l| key.iter().any(|k| l.to_lowercase().starts_with(k))) {
        for l in lines[i..].iter().take(2) {
            if !pick.contains(l) {
                pick.push(l);
            }
        }
    }
    let mut s = pick.join(" / ");
    if s.chars().count() > EXCERPT {
        s = s.chars().take(EXCERPT - 3).collect::<String>() + "...";
    }
    s
}

pub fn case(cb: &Codebook, rng: &mut Rng) -> Option<Question> {
    let keyed: Vec<&Record> = records().iter().filter(|r| !key_diagnoses(cb, r).is_empty()).collect();
    let r = *rng.pick(&keyed)?;
    let key = key_diagnoses(cb, r);
    let answer = key.first()?.clone();
    let tab = &cb.cm;
    let id = tab.get(&normalize(&answer))?;
    let correct = Choice { code: Some(answer.clone()), text: answer.clone(), why: None };
    let mut pool: Vec<Choice> = key
        .iter()
        .skip(1)
        .map(|c| Choice {
            code: Some(c.clone()),
            text: c.clone(),
            why: Some("in the key, sequenced after".into()),
        })
        .collect();
    pool.extend(cm_neighbours(tab, id, rng).into_iter().map(|(n, why)| {
        let code = tab.node(n).code.clone();
        Choice { code: Some(code.clone()), text: code, why: Some(why.to_string()) }
    }));
    let (options, letter) = place(rng, correct.clone(), distinct(&correct, pool))?;
    let role = first_listed(r);
    Some(Question {
        id: String::new(),
        kind: Kind::Case,
        edition: cb.edition.name.clone(),
        domain: chapter(tab, id),
        stem: format!(
            "Case {} ({}, age {}): {}\nWhich code is the {role} diagnosis?",
            r.id,
            r.encounter_type.as_str(),
            r.patient_age,
            excerpt(&r.documentation)
        ),
        options,
        answer: letter,
        subject: Subject::Case { record: r.id.clone() },
        explanation: format!(
            "The key of {} lists {} first ({}): {}.",
            r.id,
            answer,
            tab.node(id).title,
            key.join(", ")
        ),
        source: format!("example queue record {}, expected_codes", r.id),
        path: tabular_path(tab, id),
    })
}

/// Right options of a case: the record's first key diagnosis, every code in the tabular.
pub fn verify(cb: &Codebook, q: &Question, record: &str) -> Result<Vec<bool>, String> {
    let r = records().iter().find(|r| r.id == record).ok_or(format!("no record {record}"))?;
    let first = key_diagnoses(cb, r).into_iter().next().ok_or("the record has no key diagnosis")?;
    q.options
        .iter()
        .map(|o| {
            let c = o.code.as_deref().ok_or("an option without a code")?;
            cb.cm.get(&normalize(c)).ok_or(format!("`{c}` is not in the tabular"))?;
            Ok(normalize(c) == normalize(&first))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::codeset::shipped::{FY2027, load_edition};
    use crate::practice::question::Kind;
    use crate::practice::{generate, verify};

    #[test]
    fn cases_ask_for_the_keys_first_diagnosis_and_verify() {
        let cb = load_edition(FY2027).expect("loads");
        let qs = generate(&cb, Kind::Case, 12, 3);
        assert_eq!(qs.len(), 12);
        for q in &qs {
            verify(&cb, q).unwrap_or_else(|e| panic!("{e}: {q:#?}"));
            assert!(q.stem.contains("Which code is the"), "{}", q.stem);
            assert!(q.stem.chars().count() < 600, "an excerpt, not the note");
        }
        let mut wrong = qs[0].clone();
        wrong.answer = if wrong.answer == 'A' { 'B' } else { 'A' };
        assert!(verify(&cb, &wrong).is_err());
    }
}
