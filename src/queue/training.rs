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
