//! Instructors' items: a JSON Lines file of questions (`schema/question.schema.json`),
//! checked line by line (`file:line: field: message`) and kept in the data
//! directory (`practice/items.jsonl`, owner-only), from where drills and mock
//! exams mix them in.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use super::question::{Choice, Kind, LETTERS, Question, Subject};
use crate::codeset::{CodeSet, Codebook};

/// Where imported items live: `data_dir()/practice/items.jsonl`.
pub fn default_path() -> Result<PathBuf> {
    Ok(crate::paths::data_dir()?.join("practice").join("items.jsonl"))
}

/// Is `code` shaped like a CPT code (five digits, or four and F or T)? Only
/// the shape is checked: CPT is the AMA's and is not shipped.
fn cpt_like(code: &str) -> bool {
    code.len() == 5
        && code[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(code.as_bytes()[4], b'0'..=b'9' | b'F' | b'T')
}

/// One line to a question, or `field: message`.
fn item(cb: &Codebook, v: &Value) -> Result<Question, String> {
    let obj = v.as_object().ok_or("(line): not a JSON object")?;
    let text = |f: &str| -> Result<String, String> {
        match obj.get(f) {
            None => Err(format!("{f}: missing")),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(format!("{f}: not a non-empty string")),
        }
    };
    let id = text("id")?;
    let stem = text("stem")?;
    let invented = obj.get("invented").and_then(Value::as_bool).unwrap_or(false);
    let opts = match obj.get("options") {
        None => return Err("options: missing".into()),
        Some(Value::Array(a)) if a.len() == 4 => a,
        Some(Value::Array(a)) => return Err(format!("options: {} options, not 4", a.len())),
        Some(_) => return Err("options: not a list".into()),
    };
    let mut options = Vec::new();
    for (i, o) in opts.iter().enumerate() {
        let f = format!("options[{i}]");
        let o = o.as_object().ok_or(format!("{f}: not an object"))?;
        let t = o.get("text").and_then(Value::as_str).filter(|s| !s.trim().is_empty());
        let t = t.ok_or(format!("{f}.text: missing"))?;
        let code = o.get("code").and_then(Value::as_str).map(str::to_string);
        if let Some(c) = &code {
            let set = o.get("set").and_then(Value::as_str).unwrap_or("icd10cm");
            let known = match set {
                "icd10cm" => cb.title(CodeSet::Icd10cm, c).is_some(),
                "icd10pcs" => cb.title(CodeSet::Icd10pcs, c).is_some(),
                "hcpcs" => cb.title(CodeSet::Hcpcs, c).is_some(),
                "cpt" if !invented => {
                    return Err(format!(
                        "{f}.code: a CPT-like code needs the item marked \"invented\": true"
                    ));
                }
                "cpt" => cpt_like(c),
                other => return Err(format!("{f}.set: `{other}` is not icd10cm, icd10pcs, hcpcs or cpt")),
            };
            if !known {
                return Err(format!("{f}.code: `{c}` is not a {set} code in edition {}", cb.edition.name));
            }
        }
        options.push(Choice { code, text: t.to_string(), why: None });
    }
    let answer = text("answer")?;
    let letter = answer.trim().to_ascii_uppercase();
    let answer = match letter.chars().next() {
        Some(c) if letter.len() == 1 && LETTERS.contains(&c) => c,
        _ => return Err(format!("answer: `{answer}` is not one of A-D")),
    };
    Ok(Question {
        id,
        kind: Kind::Item,
        edition: cb.edition.name.clone(),
        domain: obj.get("domain").and_then(Value::as_str).unwrap_or("instructor items").to_string(),
        stem,
        options,
        answer,
        subject: Subject::Item,
        explanation: text("explanation")?,
        source: obj.get("source").and_then(Value::as_str).unwrap_or("instructor item").to_string(),
        path: Vec::new(),
    })
}

/// Read and check every line of `data` (`name` names it); all the problems, or the items.
pub fn parse(cb: &Codebook, name: &str, data: &str) -> Result<Vec<Question>, Vec<String>> {
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    let mut ids = std::collections::HashSet::new();
    for (i, line) in data.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let at = format!("{name}:{}", i + 1);
        match serde_json::from_str::<Value>(line) {
            Err(e) => problems.push(format!("{at}: (line): not JSON: {e}")),
            Ok(v) => match item(cb, &v) {
                Ok(q) if !ids.insert(q.id.clone()) => problems.push(format!("{at}: id: `{}` twice", q.id)),
                Ok(q) => out.push(q),
                Err(e) => problems.push(crate::text::sanitize(&format!("{at}: {e}")).into_owned()),
            },
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The imported items, none when nothing was imported.
pub fn load(path: &Path) -> Result<Vec<Question>> {
    let data = match std::fs::read_to_string(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}:{}", path.display(), i + 1)))
        .collect()
}

/// Add `items` to the store (an item with the same id is replaced), atomically, owner-only.
pub fn store(path: &Path, items: &[Question]) -> Result<usize> {
    let mut all = load(path)?;
    all.retain(|q| !items.iter().any(|n| n.id == q.id));
    all.extend(items.iter().cloned());
    if let Some(dir) = path.parent() {
        crate::paths::create_private_dir(dir)?;
    }
    let mut bytes = Vec::new();
    for q in &all {
        serde_json::to_writer(&mut bytes, q)?;
        bytes.push(b'\n');
    }
    crate::files::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(all.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::shipped::{FY2027, load_edition};

    #[test]
    fn the_example_imports_and_bad_lines_are_named_by_file_line_and_field() {
        let cb = load_edition(FY2027).expect("loads");
        let ok = parse(&cb, "ex.jsonl", include_str!("../../examples/practice-items.jsonl")).expect("clean");
        assert_eq!(ok.len(), 3);
        assert!(ok.iter().all(|q| q.kind == Kind::Item && q.options.len() == 4));
        let good = r#"{"id":"x","stem":"s","options":[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"}],"answer":"A","explanation":"e"}"#;
        let bad = [
            ("{not json", "f:1: (line): not JSON"),
            (&good.replace(r#""stem":"s","#, ""), "f:1: stem: missing"),
            (&good.replace(r#",{"text":"d"}"#, ""), "f:1: options: 3 options, not 4"),
            (&good.replace(r#""answer":"A""#, r#""answer":"E""#), "f:1: answer: `E` is not one of A-D"),
            (
                &good.replace(r#"{"text":"a"}"#, r#"{"text":"a","code":"E11.99"}"#),
                "f:1: options[0].code: `E11.99` is not a icd10cm code",
            ),
            (
                &good.replace(r#"{"text":"a"}"#, r#"{"text":"a","code":"10001","set":"cpt"}"#),
                "needs the item marked \"invented\": true",
            ),
        ];
        for (line, want) in bad {
            let e = parse(&cb, "f", line).expect_err(line);
            assert!(e[0].contains(want), "{e:?} lacks {want}");
        }
        let e = parse(&cb, "f", &format!("{good}\n\n{good}")).expect_err("twice");
        assert_eq!(e, ["f:3: id: `x` twice"]);
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("practice").join("items.jsonl");
        assert_eq!(store(&path, &ok).expect("stored"), 3);
        assert_eq!(store(&path, &ok[..1]).expect("again"), 3, "an id imported again replaces");
        assert_eq!(load(&path).expect("loads").len(), 3);
    }
}
