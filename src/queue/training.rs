//! Comparing the coder's codes with a record's answer key (`expected_codes`).

use serde::Serialize;

use super::work::AttachedCode;
use crate::codeset::normalize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Expected codes that were attached.
    pub matched: Vec<String>,
    /// Expected codes not attached.
    pub missing: Vec<String>,
    /// Attached codes not in the key.
    pub extra: Vec<String>,
    /// The first-listed diagnosis is the key's first diagnosis.
    pub principal_right: bool,
    /// A missing key code paired with the attached code that nearly is it
    /// (E11.21 for E11.22): partial credit, not a stranger.
    pub near_misses: Vec<NearMiss>,
    /// The matched codes are in the key's order.
    pub sequence_right: bool,
    /// Matched codes whose POA indicator is not the key's (where the key has one).
    pub poa_wrong: Vec<PoaMiss>,
}

/// A key code attached with a POA indicator other than the key's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoaMiss {
    pub code: String,
    /// What the coder gave (`None`: no indicator).
    pub given: Option<String>,
    pub key: String,
}

/// Points lost by a key code right with the wrong POA indicator.
pub const POA_PENALTY: f64 = 0.5;

/// How near an attached code came to a key code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nearness {
    /// Only the 7th character differs (S52.532D for S52.532A): the encounter.
    SeventhCharacter,
    /// Only the last character differs, before the 7th (E11.21 for E11.22,
    /// H66.002 for H66.001): a sibling, often laterality.
    Sibling,
    /// The same category (first three characters), further apart.
    SameCategory,
}

impl Nearness {
    /// The points a near miss earns (a key code right earns 1).
    pub fn credit(self) -> f64 {
        match self {
            Nearness::SeventhCharacter | Nearness::Sibling => 0.5,
            Nearness::SameCategory => 0.25,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Nearness::SeventhCharacter => "wrong 7th character",
            Nearness::Sibling => "sibling code (laterality or the last character)",
            Nearness::SameCategory => "same category",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    pub expected: String,
    pub attached: String,
    pub nearness: Nearness,
}

/// How near `attached` is to `expected` (both normalized), if at all. ICD-10-PCS
/// codes (7 characters, no dot) count as siblings when only the last character differs.
pub fn nearness(expected: &str, attached: &str) -> Option<Nearness> {
    let (e, a) = (normalize(expected), normalize(attached));
    if e == a || e.len() < 3 || a.len() < 3 || e[..3] != a[..3] {
        return None;
    }
    let same_but_last = e.len() == a.len() && e[..e.len() - 1] == a[..a.len() - 1];
    if same_but_last && e.len() == 7 && e.as_bytes()[3].is_ascii_digit() == a.as_bytes()[3].is_ascii_digit() {
        // ICD-10-CM with seven characters: the 7th is the encounter or extension.
        if e.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && e.chars().nth(1).is_some_and(|c| c.is_ascii_digit())
        {
            return Some(Nearness::SeventhCharacter);
        }
    }
    if same_but_last {
        return Some(Nearness::Sibling);
    }
    Some(Nearness::SameCategory)
}

impl Score {
    /// Every expected code attached, nothing more, principal right.
    pub fn perfect(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.principal_right
    }

    /// Nothing to retry: perfect, in the key's order, every POA the key's.
    pub fn full_marks(&self) -> bool {
        self.perfect() && self.sequence_right && self.poa_wrong.is_empty()
    }

    /// Partial credit (docs/practice.md): 1 point a key code right, a near
    /// miss its [`Nearness::credit`], over the key's codes plus the extra
    /// codes no near miss explains; 0.0 to 1.0.
    pub fn accuracy(&self) -> f64 {
        let points = self.matched.len() as f64
            + self.near_misses.iter().map(|n| n.nearness.credit()).sum::<f64>()
            - self.poa_wrong.len() as f64 * POA_PENALTY;
        let unexplained = self.extra.len() - self.near_misses.len().min(self.extra.len());
        let out_of = self.matched.len() + self.missing.len() + unexplained;
        if out_of == 0 { 1.0 } else { points / out_of as f64 }
    }

    /// One line for a status bar: `score 88%: 3 right, 1 near (E11.21 for E11.22), 0 missing, 0 extra`.
    pub fn summary(&self) -> String {
        let near: Vec<String> =
            self.near_misses.iter().map(|n| format!("{} for {}", n.attached, n.expected)).collect();
        let near = if near.is_empty() {
            String::new()
        } else {
            format!(", {} near ({})", near.len(), near.join(", "))
        };
        let poa = match self.poa_wrong.len() {
            0 => String::new(),
            n => format!(", {n} POA wrong"),
        };
        format!(
            "score {:.0}%: {} right{near}, {} missing, {} extra{poa}{}",
            self.accuracy() * 100.0,
            self.matched.len(),
            self.missing.len() - self.near_misses.len(),
            self.extra.len() - self.near_misses.len(),
            if self.principal_right { "" } else { ", principal wrong" }
        )
    }
}

/// A key entry that looks like an ICD-10-PCS code (7 characters, no dot),
/// for callers without the code set at hand.
pub fn looks_procedure(code: &str) -> bool {
    !code.contains('.') && normalize(code).len() == 7
}

/// Grade a record's work against its whole key: the codes, then the POA
/// indicators of the key codes attached where `expected_details` has one.
pub fn grade(
    record: &super::Record,
    attached: &[AttachedCode],
    is_procedure: impl Fn(&str) -> bool,
) -> Score {
    let mut s = score(&record.expected_codes, attached, is_procedure);
    for m in &s.matched {
        let Some(key) = record.key_detail(m).and_then(|d| d.poa.clone()) else { continue };
        let given = attached
            .iter()
            .find(|c| normalize(&c.code) == normalize(m))
            .and_then(|c| c.poa)
            .map(|p| p.as_str().to_string());
        if given.as_deref() != Some(key.as_str()) {
            s.poa_wrong.push(PoaMiss { code: m.clone(), given, key });
        }
    }
    s
}

/// A record's steps through the books (book mode) and the codes attached,
/// in order, each with the seconds since the record's previous audited
/// change (`None` for its first): where the time went.
pub fn book_steps(record: &str, audit: &[super::audit::AuditEntry]) -> Vec<(Option<i64>, String)> {
    use super::work::Op;
    let mut out = Vec::new();
    let mut last = None;
    let mut any_step = false;
    for e in audit.iter().filter(|e| e.record == record) {
        let secs = last.map(|t: chrono::DateTime<chrono::Utc>| (e.when - t).num_seconds().max(0));
        last = Some(e.when);
        match &e.op {
            Some(Op::BookStep { text }) => {
                any_step = true;
                out.push((secs, text.clone()));
            }
            Some(Op::Attach { .. }) => out.push((secs, e.what.clone())),
            _ => {}
        }
    }
    if any_step { out } else { Vec::new() }
}

/// A comment that disagrees with a record's key, as typed in the workbench:
/// `key A41.51: why` names a key code (given back as the key writes it),
/// `key: why` the key as a whole. Anything else is a plain comment.
pub fn disagreement(record: &super::Record, text: &str) -> Option<String> {
    if record.expected_codes.is_empty() {
        return None;
    }
    let t = text.trim_start();
    let rest = t.get(..3).filter(|k| k.eq_ignore_ascii_case("key")).map(|_| &t[3..])?;
    if rest.starts_with(':') {
        return Some("key".to_string());
    }
    let (code, _) = rest.strip_prefix(' ')?.split_once(':')?;
    let key = normalize(code.trim());
    record.expected_codes.iter().find(|c| normalize(c) == key).cloned()
}

/// Compare (ignoring dots and case). The principal is the first code of
/// each list that is not a 7-character ICD-10-PCS code; `is_procedure`
/// tells a key entry's set, since the key is plain strings.
pub fn score(expected: &[String], attached: &[AttachedCode], is_procedure: impl Fn(&str) -> bool) -> Score {
    let keys: Vec<String> = attached.iter().map(|c| normalize(&c.code)).collect();
    let mut s = Score::default();
    for e in expected {
        if keys.contains(&normalize(e)) { s.matched.push(e.clone()) } else { s.missing.push(e.clone()) }
    }
    let expected_keys: Vec<String> = expected.iter().map(|e| normalize(e)).collect();
    s.extra = attached
        .iter()
        .filter(|c| !expected_keys.contains(&normalize(&c.code)))
        .map(|c| c.code.clone())
        .collect();
    let first_key = expected.iter().find(|e| !is_procedure(e)).map(|e| normalize(e));
    let first_attached =
        attached.iter().find(|c| c.kind == super::work::CodeKind::Diagnosis).map(|c| normalize(&c.code));
    s.principal_right = first_key.is_some() && first_key == first_attached;
    // Each missing key code pairs with the nearest unpaired extra code.
    let mut paired = vec![false; s.extra.len()];
    for e in &s.missing {
        let best = s
            .extra
            .iter()
            .enumerate()
            .filter(|(i, _)| !paired[*i])
            .filter_map(|(i, a)| nearness(e, a).map(|n| (n, i)))
            .min_by_key(|(n, _)| *n as u8);
        if let Some((nearness, i)) = best {
            paired[i] = true;
            s.near_misses.push(NearMiss { expected: e.clone(), attached: s.extra[i].clone(), nearness });
        }
    }
    let order: Vec<usize> =
        attached.iter().filter_map(|c| expected_keys.iter().position(|k| *k == normalize(&c.code))).collect();
    s.sequence_right = order.windows(2).all(|w| w[0] < w[1]);
    s
}

/// How the coder's claim lines compare with the key's (`expected_lines`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineScore {
    /// Key lines whose code is attached with the same modifiers (in any
    /// order), units (absent counts as 1) and pointers (the first the same).
    pub right: Vec<String>,
    /// Key lines whose code is attached with something different: `J1100: units 1, key 4`.
    pub wrong: Vec<String>,
    /// Key lines whose code is not attached (the code score counts it too).
    pub missing: Vec<String>,
}

/// Compare the claim lines of `attached` with the key's lines.
pub fn score_lines(expected: &[super::record::ExpectedLine], attached: &[AttachedCode]) -> LineScore {
    let mut s = LineScore::default();
    let set = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|m| normalize(m)).collect();
        v.sort();
        v
    };
    for e in expected {
        let key = normalize(&e.code);
        let Some(c) = attached.iter().find(|c| normalize(&c.code) == key) else {
            s.missing.push(e.code.clone());
            continue;
        };
        let mut diffs = Vec::new();
        if set(&c.line.modifiers) != set(&e.modifiers) {
            diffs.push(format!("modifiers {}, key {}", shown(&c.line.modifiers), shown(&e.modifiers)));
        }
        let (units, key_units) = (c.line.units.unwrap_or(1), e.units.unwrap_or(1));
        if units != key_units {
            diffs.push(format!("units {units}, key {key_units}"));
        }
        let first = |v: &[String]| v.first().map(|p| normalize(p));
        if set(&c.line.pointers) != set(&e.pointers) || first(&c.line.pointers) != first(&e.pointers) {
            diffs.push(format!("pointers {}, key {}", shown(&c.line.pointers), shown(&e.pointers)));
        }
        if diffs.is_empty() {
            s.right.push(e.code.clone());
        } else {
            s.wrong.push(format!("{}: {}", e.code, diffs.join("; ")));
        }
    }
    s
}

fn shown(v: &[String]) -> String {
    if v.is_empty() { "none".into() } else { v.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::CodeSet;
    use crate::queue::work::CodeKind;

    fn c(code: &str, kind: CodeKind) -> AttachedCode {
        let set = if kind == CodeKind::Procedure { CodeSet::Icd10pcs } else { CodeSet::Icd10cm };
        AttachedCode {
            code: code.into(),
            set,
            kind,
            poa: None,
            who: "t".into(),
            when: chrono::DateTime::UNIX_EPOCH,
            line: Default::default(),
        }
    }

    #[test]
    fn claim_lines_score_against_the_key() {
        use crate::queue::record::ExpectedLine;
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let key = vec![
            ExpectedLine {
                code: "J1100".into(),
                modifiers: s(&["JZ"]),
                units: Some(4),
                pointers: s(&["M17.11"]),
            },
            ExpectedLine { code: "E0114".into(), pointers: s(&["S83.241A"]), ..ExpectedLine::default() },
            ExpectedLine { code: "G0168".into(), ..ExpectedLine::default() },
        ];
        let mut j = c("J1100", CodeKind::Procedure);
        j.line.modifiers = s(&["jz"]);
        j.line.units = Some(4);
        j.line.pointers = s(&["M17.11"]);
        let mut e = c("E0114", CodeKind::Procedure);
        e.line.units = Some(2);
        let got = score_lines(&key, &[j, e]);
        assert_eq!(got.right, ["J1100"]);
        assert_eq!(got.wrong, ["E0114: units 2, key 1; pointers none, key S83.241A"]);
        assert_eq!(got.missing, ["G0168"]);
    }

    #[test]
    fn scores_against_the_key() {
        let key: Vec<String> = ["K35.30", "0DTJ4ZZ"].map(String::from).to_vec();
        let pcs = |s: &str| s.len() == 7 && !s.contains('.');
        let s = score(&key, &[c("K35.30", CodeKind::Diagnosis), c("0DTJ4ZZ", CodeKind::Procedure)], pcs);
        assert!(s.perfect(), "{s:?}");
        let s = score(&key, &[c("R10.31", CodeKind::Diagnosis), c("k3530", CodeKind::Diagnosis)], pcs);
        assert_eq!(
            (s.matched.clone(), s.missing.clone(), s.extra.clone()),
            (vec!["K35.30".to_string()], vec!["0DTJ4ZZ".to_string()], vec!["R10.31".to_string()])
        );
        assert!(!s.principal_right && !s.perfect());
    }

    #[test]
    fn near_misses_earn_partial_credit_and_strangers_none() {
        let pcs = |s: &str| s.len() == 7 && !s.contains('.');
        let key: Vec<String> = ["E11.22", "N18.31", "S52.532A"].map(String::from).to_vec();
        let got = [
            c("E11.21", CodeKind::Diagnosis),
            c("N18.31", CodeKind::Diagnosis),
            c("S52.532D", CodeKind::Diagnosis),
            c("J45.41", CodeKind::Diagnosis),
        ];
        let s = score(&key, &got, pcs);
        let near: Vec<(&str, &str, Nearness)> =
            s.near_misses.iter().map(|n| (n.expected.as_str(), n.attached.as_str(), n.nearness)).collect();
        assert_eq!(
            near,
            vec![
                ("E11.22", "E11.21", Nearness::Sibling),
                ("S52.532A", "S52.532D", Nearness::SeventhCharacter)
            ]
        );
        // 1 + 0.5 + 0.5 points over 3 key codes + 1 unexplained extra (J45.41).
        assert!((s.accuracy() - 0.5).abs() < 1e-9, "{}", s.accuracy());
        assert!(!s.principal_right);
        assert!(s.summary().contains("2 near (E11.21 for E11.22, S52.532D for S52.532A)"), "{}", s.summary());
        assert_eq!(nearness("E11.22", "E11.9"), Some(Nearness::SameCategory));
        assert_eq!(nearness("E11.22", "I10"), None);
        assert_eq!(nearness("0DTJ4ZZ", "0DTJ0ZZ"), Some(Nearness::SameCategory));
        assert_eq!(nearness("0SR904A", "0SR9049"), Some(Nearness::Sibling));
    }

    #[test]
    fn sequence_is_the_keys_order() {
        let pcs = |s: &str| s.len() == 7 && !s.contains('.');
        let key: Vec<String> = ["I13.0", "I50.23"].map(String::from).to_vec();
        let s = score(&key, &[c("I50.23", CodeKind::Diagnosis), c("I13.0", CodeKind::Diagnosis)], pcs);
        assert!(!s.sequence_right && !s.principal_right && s.accuracy() == 1.0);
        let s = score(&key, &[c("I13.0", CodeKind::Diagnosis), c("I50.23", CodeKind::Diagnosis)], pcs);
        assert!(s.sequence_right && s.perfect());
    }

    #[test]
    fn poa_is_graded_where_the_key_has_one() {
        use crate::queue::record::KeyDetail;
        use crate::queue::work::Poa;
        let mut r: crate::queue::Record = serde_json::from_str(
            r#"{"id":"K","encounter_type":"inpatient","date_of_service":"2026-04-08","patient_age":40,
                "patient_sex":"F","provider":"Dr","documentation":"x",
                "expected_codes":["A41.51","N30.90","E11.9","0DTJ4ZZ"]}"#,
        )
        .expect("a record");
        let detail = |code: &str, poa: &str| KeyDetail {
            code: code.into(),
            poa: Some(poa.into()),
            ..KeyDetail::default()
        };
        r.expected_details = vec![detail("A41.51", "Y"), detail("n3090", "Y"), detail("E11.9", "1")];
        let with = |code: &str, poa: Option<Poa>| AttachedCode { poa, ..c(code, CodeKind::Diagnosis) };
        let got = [
            with("A41.51", Some(Poa::Y)),
            with("N30.90", Some(Poa::N)),
            with("E11.9", None),
            c("0DTJ4ZZ", CodeKind::Procedure),
        ];
        let s = grade(&r, &got, looks_procedure);
        let wrong: Vec<(&str, Option<&str>, &str)> =
            s.poa_wrong.iter().map(|p| (p.code.as_str(), p.given.as_deref(), p.key.as_str())).collect();
        assert_eq!(wrong, [("N30.90", Some("N"), "Y"), ("E11.9", None, "1")]);
        // 4 right less 2 x 0.5 for the indicators, over 4.
        assert!((s.accuracy() - 0.75).abs() < 1e-9, "{}", s.accuracy());
        assert!(s.perfect() && !s.full_marks(), "the codes are right, the POA is not");
        assert!(s.summary().contains("2 POA wrong"), "{}", s.summary());
        // Without details the same work has full marks.
        r.expected_details.clear();
        assert!(grade(&r, &got, looks_procedure).full_marks());
    }

    #[test]
    fn book_steps_say_where_the_time_went() {
        use crate::queue::audit::AuditEntry;
        use crate::queue::work::Op;
        let at = |secs: i64| chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(secs);
        let entry = |record: &str, secs: i64, what: &str, op: Op| AuditEntry {
            who: "t".into(),
            when: at(secs),
            record: record.into(),
            what: what.into(),
            op: Some(op),
            status: None,
        };
        let step = |text: &str| Op::BookStep { text: text.into() };
        let audit = [
            entry("R", 0, "start", Op::Start),
            entry("R", 42, "book: Index: Sepsis", step("Index: Sepsis, Escherichia coli: A41.51")),
            entry("OTHER", 50, "book: x", step("x")),
            entry("R", 57, "book: Tabular: A41.51", step("Tabular: A41.51")),
            entry(
                "R",
                60,
                "attach A41.51",
                Op::Attach {
                    code: "A41.51".into(),
                    set: crate::codeset::CodeSet::Icd10cm,
                    kind: CodeKind::Diagnosis,
                    poa: None,
                    at: None,
                    found: None,
                    line: Default::default(),
                },
            ),
        ];
        assert_eq!(
            book_steps("R", &audit),
            [
                (Some(42), "Index: Sepsis, Escherichia coli: A41.51".to_string()),
                (Some(15), "Tabular: A41.51".to_string()),
                (Some(3), "attach A41.51".to_string()),
            ]
        );
        assert!(book_steps("R", &audit[..1]).is_empty(), "no book step: not book mode, nothing said");
    }

    #[test]
    fn a_comment_naming_a_key_code_is_a_disagreement() {
        let mut r: crate::queue::Record = serde_json::from_str(
            r#"{"id":"K","encounter_type":"outpatient","date_of_service":"2026-04-08","patient_age":40,
                "patient_sex":"F","provider":"Dr","documentation":"x","expected_codes":["Z12.11","D12.5"]}"#,
        )
        .expect("a record");
        assert_eq!(disagreement(&r, "key d125: the report says hyperplastic"), Some("D12.5".into()));
        assert_eq!(disagreement(&r, "Key: sequence the finding first?"), Some("key".into()));
        assert_eq!(disagreement(&r, "key K63.5: not in the key"), None);
        assert_eq!(disagreement(&r, "keyboard: sticky"), None);
        assert_eq!(disagreement(&r, "called the office"), None);
        r.expected_codes.clear();
        assert_eq!(disagreement(&r, "key: no key at all"), None);
    }
}
