//! Reading a queue: a JSON Lines file (one record a line) or a folder of
//! `.json` files (one record each). Bad records are reported and skipped;
//! the good ones stay usable.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::{REQUIRED, Record, Source, check_field};

/// Documentation longer than this is cut (at a character boundary) and a
/// warning reported: a 10 MB note is accepted but nobody codes from the
/// tail of a runaway paste, and keeping it whole would slow every redraw.
pub const MAX_DOCUMENTATION: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The record was skipped.
    Invalid,
    /// The record was kept (e.g. an oversized note was cut).
    Warning,
}

/// One problem in a queue file: `file:line: field: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem is about the whole file.
    pub line: usize,
    /// The field at fault, `-` when none (malformed JSON, encoding).
    pub field: String,
    pub message: String,
    pub severity: Severity,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File names, field names and messages can quote untrusted text: keep them printable.
        let file = super::sanitize_for_terminal(&self.file);
        let field = super::sanitize_for_terminal(&self.field);
        let message = super::sanitize_for_terminal(&self.message);
        write!(f, "{file}:{}: {field}: {message}", self.line)
    }
}

/// The result of loading: the valid records, in file order, and the problems.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// What was opened (the path as given, or [`super::EXAMPLE_NAME`]).
    pub name: String,
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
}

impl Loaded {
    pub fn invalid_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Invalid)
            .map(|p| (&p.file, p.line))
            .collect::<std::collections::HashSet<_>>()
            .len()
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.id == id)
    }
}

/// The queue itself cannot be read (missing, unreadable, not a file or folder).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    // The source is the cause in the chain, not repeated in this message.
    #[error("cannot read the queue {path}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is neither a JSON Lines file nor a folder of .json files")]
    NotAQueue { path: PathBuf },
}

/// The largest queue file read (a JSON Lines file of many records).
pub const MAX_QUEUE_FILE: u64 = 256 << 20;
/// The largest `.json` file of a folder queue (one record; its note is cut at [`MAX_DOCUMENTATION`]).
pub const MAX_RECORD_FILE: u64 = 16 << 20;

/// Read a queue: a `.jsonl` file (any file, really) or a folder of `.json` files.
/// Only regular files are read (a FIFO or a link to `/dev/zero` is refused, never waited on).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    let name = path.display().to_string();
    if meta.is_file() {
        let data = crate::paths::read_regular(path, MAX_QUEUE_FILE).map_err(io)?;
        return Ok(load_bytes(&name, &data));
    }
    if !meta.is_dir() {
        return Err(LoadError::NotAQueue { path: path.to_path_buf() });
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        if p.extension().is_none_or(|e| e != "json") || is_hidden(&p) {
            continue;
        }
        // A folder named `g.json` (or a link to one) holds no record: not a problem either.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => std::fs::metadata(&p).is_ok_and(|m| m.is_dir()),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        };
        if !is_dir {
            files.push(p);
        }
    }
    files.sort();
    let mut loaded = Loaded { name, ..Loaded::default() };
    let mut seen = HashMap::new();
    for file in files {
        let fname = file.display().to_string();
        match crate::paths::read_regular(&file, MAX_RECORD_FILE) {
            Ok(data) => {
                if let Some(rec) = parse_document(&fname, &data, &mut loaded.problems) {
                    push_unique(rec, &mut seen, &mut loaded);
                }
            }
            Err(e) => loaded.problems.push(problem(&fname, 0, "-", format!("cannot read: {e}; skipped"))),
        }
    }
    Ok(loaded)
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

/// The shipped example queue.
pub fn load_example() -> Loaded {
    load_bytes(super::EXAMPLE_NAME, super::EXAMPLE_JSONL.as_bytes())
}

/// Read JSON Lines from memory; `name` names the file in problems. Blank
/// lines and lines starting with `//` are skipped.
pub fn load_bytes(name: &str, data: &[u8]) -> Loaded {
    let mut loaded = Loaded { name: name.to_string(), ..Loaded::default() };
    let mut seen = HashMap::new();
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    for (i, raw) in data.split(|b| *b == b'\n').enumerate() {
        let line_no = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) || raw.starts_with(b"//") {
            continue;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                let msg =
                    format!("invalid UTF-8 at byte {} of the line; record skipped", e.valid_up_to() + 1);
                loaded.problems.push(problem(name, line_no, "-", msg));
                continue;
            }
        };
        let value = match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(e) => {
                let msg =
                    format!("malformed JSON at column {}: {}", e.column(), strip_position(&e.to_string()));
                loaded.problems.push(problem(name, line_no, "-", msg));
                continue;
            }
        };
        if let Some(rec) = parse_value(name, line_no, value, text, false, &mut loaded.problems) {
            push_unique(rec, &mut seen, &mut loaded);
        }
    }
    loaded
}

/// One `.json` file holding one record.
fn parse_document(name: &str, data: &[u8], problems: &mut Vec<Problem>) -> Option<Record> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => {
            let line = data[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            problems.push(problem(name, line, "-", "invalid UTF-8; record skipped".to_string()));
            return None;
        }
    };
    match serde_json::from_str::<Value>(text) {
        Ok(v) => parse_value(name, 1, v, text, true, problems),
        Err(e) => {
            let msg = format!("malformed JSON at column {}: {}", e.column(), strip_position(&e.to_string()));
            problems.push(problem(name, e.line(), "-", msg));
            None
        }
    }
}

/// Turn a parsed value into a record, naming the field of each problem.
/// `text` is what `value` was parsed from; with `document` (a `.json` file)
/// a field's line is found in it.
fn parse_value(
    name: &str,
    line: usize,
    value: Value,
    text: &str,
    document: bool,
    problems: &mut Vec<Problem>,
) -> Option<Record> {
    let first = problems.len();
    let rec = parse_fields(name, line, value, text, document, problems);
    // One record's problems in the order of their lines.
    problems[first..].sort_by_key(|p| p.line);
    rec
}

fn parse_fields(
    name: &str,
    line: usize,
    value: Value,
    text: &str,
    document: bool,
    problems: &mut Vec<Problem>,
) -> Option<Record> {
    let line_of = |field: &str| if document { field_line(text, field, 0) } else { line };
    let Value::Object(map) = &value else {
        problems.push(problem(
            name,
            line,
            "-",
            format!("expected a JSON object (one record), found {}", kind_of(&value)),
        ));
        return None;
    };
    let mut bad = false;
    // serde_json keeps the last of a repeated key; another reader may keep the first.
    for key in repeated_keys(text) {
        let at = if document { field_line(text, &key, 1) } else { line };
        problems.push(problem(
            name,
            at,
            &key,
            "repeated in this record: which value counts is unclear".into(),
        ));
        bad = true;
    }
    for (key, v) in map {
        match check_field(key, v) {
            None => {
                problems.push(problem(name, line_of(key), key, "unknown field".to_string()));
                bad = true;
            }
            Some(Err(msg)) => {
                problems.push(problem(name, line_of(key), key, msg));
                bad = true;
            }
            Some(Ok(())) => {}
        }
    }
    for field in REQUIRED {
        if !map.contains_key(field) {
            problems.push(problem(name, line, field, "missing field".to_string()));
            bad = true;
        }
    }
    if bad {
        return None;
    }
    let mut rec: Record = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            // The per-field checks above should have caught it; keep a message anyway.
            problems.push(problem(name, line, "-", e.to_string()));
            return None;
        }
    };
    let issues = rec.validate();
    if !issues.is_empty() {
        for (field, msg) in issues {
            problems.push(problem(name, line_of(field), field, msg));
        }
        return None;
    }
    if rec.documentation.len() > MAX_DOCUMENTATION {
        let mut cut = MAX_DOCUMENTATION;
        while !rec.documentation.is_char_boundary(cut) {
            cut -= 1;
        }
        let dropped = rec.documentation.len() - cut;
        rec.documentation.truncate(cut);
        rec.documentation.push_str(&format!("\n\n[medcode: {dropped} more bytes of this note not shown]"));
        rec.truncated = dropped;
        problems.push(Problem {
            file: name.to_string(),
            line: line_of("documentation"),
            field: "documentation".to_string(),
            message: format!(
                "{} bytes, longer than {MAX_DOCUMENTATION}: the rest ({dropped} bytes) is not shown",
                cut + dropped
            ),
            severity: Severity::Warning,
        });
    }
    rec.source = Source { file: name.to_string(), line };
    Some(rec)
}

fn push_unique(rec: Record, seen: &mut HashMap<String, Source>, loaded: &mut Loaded) {
    if let Some(first) = seen.get(&rec.id) {
        let msg =
            format!("duplicate id `{}` (first at {}:{}); record skipped", rec.id, first.file, first.line);
        loaded.problems.push(problem(&rec.source.file, rec.source.line, "id", msg));
        return;
    }
    seen.insert(rec.id.clone(), rec.source.clone());
    loaded.records.push(rec);
}

fn problem(file: &str, line: usize, field: &str, message: String) -> Problem {
    Problem { file: file.to_string(), line, field: field.to_string(), message, severity: Severity::Invalid }
}

/// serde_json appends ` at line L column C`; the problem says the position itself.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The line of the `"field":` key in a document after `skip` earlier ones
/// (best effort; 1 if not found).
fn field_line(text: &str, field: &str, mut skip: usize) -> usize {
    let Ok(quoted) = serde_json::to_string(field) else { return 1 };
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let rest = text[at + quoted.len()..].trim_start();
        if rest.starts_with(':') {
            if skip == 0 {
                return text[..at].matches('\n').count() + 1;
            }
            skip -= 1;
        }
        from = at + quoted.len();
    }
    1
}

/// The keys of a JSON object that appear more than once, each named once, in
/// order. A second, cheap pass over text already parsed as an object (values skipped).
fn repeated_keys(text: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(k);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    let Ok(Keys(keys)) = serde_json::from_str::<Keys>(text) else { return Vec::new() };
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        if !seen.insert(k.clone()) && !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"A1","encounter_type":"outpatient","date_of_service":"2026-11-02","patient_age":54,"patient_sex":"F","provider":"Dr Test","documentation":"HPI: cough.\n\nA/P: bronchitis."}"#;

    #[test]
    fn reads_valid_lines_and_reports_bad_ones_by_line_and_field() {
        let data = format!(
            "{GOOD}\n\n{}\n{}\n{{not json\n{}\n",
            GOOD.replace("A1", "A2").replace("54", "\"old\""),
            GOOD.replace("A1", "A3").replace("\"provider\"", "\"provder\""),
            GOOD
        );
        let l = load_bytes("q.jsonl", data.as_bytes());
        assert_eq!(l.records.len(), 1);
        let shown: Vec<String> = l.problems.iter().map(ToString::to_string).collect();
        assert!(shown[0].starts_with("q.jsonl:3: patient_age: invalid type"), "{shown:?}");
        assert!(shown.iter().any(|s| s == "q.jsonl:4: provder: unknown field"), "{shown:?}");
        assert!(shown.iter().any(|s| s == "q.jsonl:4: provider: missing field"), "{shown:?}");
        assert!(shown.iter().any(|s| s.starts_with("q.jsonl:5: -: malformed JSON")), "{shown:?}");
        assert!(
            shown.iter().any(|s| s.starts_with("q.jsonl:6: id: duplicate id `A1` (first at q.jsonl:1)")),
            "{shown:?}"
        );
        assert_eq!(l.invalid_count(), 4);
    }

    #[test]
    fn problems_print_harmlessly() {
        let l = load_bytes("q\u{1b}[2J.jsonl", b"{\"id\":\"x\",\"\\u001b]0;t\\u0007f\":1}");
        for p in &l.problems {
            assert!(!p.to_string().contains('\u{1b}') && !p.to_string().contains('\u{7}'), "{p}");
        }
        assert!(
            l.problems.iter().any(|p| p.to_string() == "q.jsonl:1: f: unknown field"),
            "{:?}",
            l.problems
        );
    }

    #[test]
    fn invalid_utf8_skips_only_that_line() {
        let mut data = GOOD.as_bytes().to_vec();
        data.push(b'\n');
        data.extend_from_slice(GOOD.replace("A1", "B1").as_bytes());
        let pos = data.len() - 5;
        data[pos] = 0xff;
        data.push(b'\n');
        data.extend_from_slice(GOOD.replace("A1", "C1").as_bytes());
        let l = load_bytes("u.jsonl", &data);
        let ids: Vec<&str> = l.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["A1", "C1"]);
        assert!(l.problems[0].to_string().starts_with("u.jsonl:2: -: invalid UTF-8"));
    }

    #[test]
    fn cross_field_rules() {
        let bad = GOOD.replace("\"patient_age\"", "\"admission_date\":\"2026-11-01\",\"patient_age\"");
        let l = load_bytes("x.jsonl", bad.as_bytes());
        assert!(l.records.is_empty());
        assert_eq!(l.problems[0].field, "admission_date");
        let inpatient = bad.replace("outpatient", "inpatient").replace("2026-11-01", "2026-11-05");
        let l = load_bytes("x.jsonl", inpatient.as_bytes());
        assert!(l.problems[0].message.contains("after the date of service"), "{:?}", l.problems);
    }

    #[test]
    fn json_document_errors_name_the_line_inside_the_file() {
        let doc = "{\n  \"id\": \"A\",\n  \"patient_age\": -3\n}\n";
        let mut problems = Vec::new();
        assert!(parse_document("a.json", doc.as_bytes(), &mut problems).is_none());
        let age = problems.iter().find(|p| p.field == "patient_age").expect("age problem");
        assert!(age.to_string().starts_with("a.json:3: patient_age: invalid value"), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.to_string() == "a.json:1: provider: missing field"),
            "{problems:?}"
        );
        let mut problems = Vec::new();
        assert!(parse_document("b.json", b"{\n \"id\": \"A\",\n ]", &mut problems).is_none());
        assert_eq!((problems[0].line, problems[0].field.as_str()), (3, "-"));
    }

    #[test]
    fn huge_documentation_is_cut_with_a_warning() {
        let big = "é".repeat(MAX_DOCUMENTATION); // 2 bytes each: twice the cap
        let line = GOOD.replace("HPI: cough.\\n\\nA/P: bronchitis.", &big);
        let l = load_bytes("big.jsonl", line.as_bytes());
        assert_eq!(l.records.len(), 1);
        let r = &l.records[0];
        assert!(r.documentation.len() < MAX_DOCUMENTATION + 100);
        assert_eq!(r.truncated, MAX_DOCUMENTATION);
        assert_eq!(l.problems[0].severity, Severity::Warning);
        assert_eq!(l.invalid_count(), 0);
    }

    #[test]
    fn a_repeated_key_is_refused_naming_line_and_field() {
        let line = GOOD.replace("\"provider\"", "\"id\":\"B2\",\"provider\"");
        let data = format!("{GOOD}\n{}\n", line.replace("A1", "A2"));
        let l = load_bytes("r.jsonl", data.as_bytes());
        let ids: Vec<&str> = l.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["A1"]);
        let shown: Vec<String> = l.problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["r.jsonl:2: id: repeated in this record: which value counts is unclear"]);
        assert_eq!(repeated_keys(r#"{"a":1,"b":{"a":2},"a":3,"a":4}"#), ["a"]);
    }

    #[test]
    fn bidi_controls_are_refused_in_ids_and_codes() {
        for (from, to, field) in [
            ("\"A1\"", "\"A\u{202e}1\"", "id"),
            ("\"A1\"", "\"A\\u2066x\"", "id"),
            ("\"provider\"", "\"codes\":[\"I10\u{200f}\"],\"provider\"", "codes"),
        ] {
            let l = load_bytes("b.jsonl", GOOD.replacen(from, to, 1).as_bytes());
            assert!(l.records.is_empty(), "{to}");
            assert_eq!(l.problems[0].field, field, "{:?}", l.problems);
            assert!(l.problems[0].message.contains("bidirectional"), "{:?}", l.problems);
        }
    }

    #[test]
    fn example_queue_loads_cleanly() {
        let l = load_example();
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert!(l.records.len() >= 30, "{}", l.records.len());
    }
}
