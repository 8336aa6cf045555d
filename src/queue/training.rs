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
}

impl Score {
    /// Every expected code attached, nothing more, principal right.
    pub fn perfect(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.principal_right
    }
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
}
