//! A multiple-choice question and what it was made from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of drill (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An ICD-10-CM title: which code?
    Describe,
    /// An ICD-10-CM code: which title?
    Title,
    /// The encounter (initial, subsequent, sequela...): which 7th character?
    Seventh,
    /// A note's text at a code: Excludes1, Excludes2, Code first or Use additional code?
    Note,
    /// Table of Neoplasms: the code of one column of one row.
    Neoplasm,
    /// Table of Drugs and Chemicals: the code of one column (intent, adverse effect, underdosing).
    Drug,
    /// ICD-10-PCS: the root operation from its definition.
    PcsRoot,
    /// ICD-10-PCS: what one character of a code means.
    PcsChar,
    /// HCPCS Level II: a description, which code?
    Hcpcs,
    /// A case from the example queue's keyed records: which code is
    /// first-listed or principal? (Mock exams; `--kind case` in a drill.)
    Case,
    /// An instructor's item (`medcode practice import`).
    Item,
}

impl Kind {
    /// The kinds made from the edition alone (a drill without `--kind`).
    pub const ALL: [Kind; 9] = [
        Kind::Describe,
        Kind::Title,
        Kind::Seventh,
        Kind::Note,
        Kind::Neoplasm,
        Kind::Drug,
        Kind::PcsRoot,
        Kind::PcsChar,
        Kind::Hcpcs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Describe => "describe",
            Kind::Title => "title",
            Kind::Seventh => "seventh",
            Kind::Note => "note",
            Kind::Neoplasm => "neoplasm",
            Kind::Drug => "drug",
            Kind::PcsRoot => "pcs-root",
            Kind::PcsChar => "pcs-char",
            Kind::Hcpcs => "hcpcs",
            Kind::Case => "case",
            Kind::Item => "item",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        let s = s.to_ascii_lowercase().replace('_', "-");
        let all = Kind::ALL.into_iter().chain([Kind::Case, Kind::Item]);
        all.clone().find(|k| k.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = all.map(|k| k.as_str()).collect();
            format!("unknown kind `{s}` (expected one of {})", names.join(", "))
        })
    }
}

/// One option (A-D).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The code the option names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub text: String,
    /// Why a coder might pick it (sibling, wrong 7th character, header...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// What the question asks of the data, so it can be checked against the edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// The code whose title is `title`.
    CodeFor { title: String },
    /// The title of `code`.
    TitleOf { code: String },
    /// Under `code` (needing a 7th character), the extension `ch`.
    Seventh { code: String, ch: char },
    /// The note kind under which `text` is written at `code`.
    Note { code: String, text: String },
    /// A table row (`book`: `neoplasm` or `drug`) and column (index into the cells).
    Table { book: String, path: Vec<String>, column: usize },
    /// The ICD-10-PCS section 0 root operation with this definition.
    PcsRoot { definition: String },
    /// Character `pos` (1-7) of an ICD-10-PCS code.
    PcsChar { code: String, pos: u8 },
    /// The HCPCS Level II code with this long description.
    Hcpcs { description: String },
    /// A keyed record of the example queue: its first-listed or principal diagnosis.
    Case { record: String },
    /// An instructor's item: its key is its own.
    Item,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub kind: Kind,
    /// The edition the question was made from and checked against.
    pub edition: String,
    /// ICD-10-CM chapter or PCS section, for the per-domain breakdown.
    pub domain: String,
    pub stem: String,
    pub options: Vec<Choice>,
    /// The correct option, `A` to `D`.
    pub answer: char,
    pub subject: Subject,
    /// Why the answer is right, citing its source.
    pub explanation: String,
    /// The source: tabular note, table row and column, PCS definition.
    pub source: String,
    /// The path through the books to the answer.
    pub path: Vec<String>,
}

pub const LETTERS: [char; 4] = ['A', 'B', 'C', 'D'];

impl Question {
    pub fn answer_index(&self) -> Option<usize> {
        LETTERS.iter().position(|l| *l == self.answer)
    }

    /// The question as a trainee reads it on a terminal.
    pub fn render(&self) -> String {
        let mut s = format!("[{}] {}\n", self.kind, crate::text::sanitize_for_terminal(&self.stem));
        for (l, o) in LETTERS.iter().zip(&self.options) {
            s.push_str(&format!("  {l}) {}\n", crate::text::sanitize_for_terminal(&o.text)));
        }
        s
    }

    /// What follows an answer: right or wrong, the explanation and its source.
    pub fn feedback(&self, given: char) -> String {
        let given = given.to_ascii_uppercase();
        let verdict = if given == self.answer {
            "Right.".to_string()
        } else {
            let why = LETTERS
                .iter()
                .position(|l| *l == given)
                .and_then(|i| self.options.get(i))
                .and_then(|o| o.why.clone())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            format!("Wrong: {given}{why}; the answer is {}.", self.answer)
        };
        let mut s = format!("{verdict}\n{}\nSource: {}\n", self.explanation, self.source);
        if !self.path.is_empty() {
            s.push_str(&format!("Path: {}\n", self.path.join(" > ")));
        }
        crate::text::sanitize_for_terminal(&s)
    }
}
