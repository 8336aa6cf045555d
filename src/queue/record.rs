//! One encounter to code, as written in the queue files.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncounterType {
    Inpatient,
    Outpatient,
    Emergency,
    Professional,
}

impl EncounterType {
    pub fn as_str(self) -> &'static str {
        match self {
            EncounterType::Inpatient => "inpatient",
            EncounterType::Outpatient => "outpatient",
            EncounterType::Emergency => "emergency",
            EncounterType::Professional => "professional",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "U")]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unknown => "sex unknown",
        }
    }
}

/// Where a record was read from (not part of the file format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    /// 1-based line of the record in a JSON Lines file; 1 for a `.json` file.
    pub line: usize,
}

/// One encounter. Unknown fields are an error (a misspelt field would
/// otherwise be silently ignored). See `docs/queue.md` and `schema/record.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Unique in the queue.
    pub id: String,
    pub encounter_type: EncounterType,
    /// The date of service; for an inpatient stay the discharge date, the one
    /// that selects the code set edition.
    pub date_of_service: NaiveDate,
    /// Inpatient only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_date: Option<NaiveDate>,
    /// Inpatient only; when given it must equal `date_of_service`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge_date: Option<NaiveDate>,
    pub patient_age: u8,
    pub patient_sex: Sex,
    pub provider: String,
    /// The notes: history, exam, assessment, plan, operative note; paragraphs
    /// separated by blank lines. Untrusted: sanitize before display.
    pub documentation: String,
    /// Codes already assigned upstream (e.g. by the provider), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The answer key, for training: codes in sequence, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_codes: Vec<String>,
    /// The answer key's claim lines: the procedure codes of `expected_codes`
    /// with their modifiers, units and diagnosis pointers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_lines: Vec<ExpectedLine>,
    /// What the key says about its codes: POA, why, the index path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_details: Vec<KeyDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    #[serde(skip)]
    pub source: Source,
    /// Bytes cut from an oversized documentation (see [`super::load::MAX_DOCUMENTATION`]).
    #[serde(skip)]
    pub truncated: usize,
}

/// One claim line of an answer key (`expected_lines`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedLine {
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Not given: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// The diagnosis codes the line points to, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pointers: Vec<String>,
}

/// What the answer key says about one of its codes (`expected_details`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyDetail {
    pub code: String,
    /// The present-on-admission indicator the key expects (inpatient diagnoses): Y, N, U, W or 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poa: Option<String>,
    /// Why the key has the code: the documentation and the guideline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// The path through the books: `Neoplasm, intestine, large, colon, sigmoid > Benign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

impl Record {
    /// The key's detail for `code` (dots and case ignored).
    pub fn key_detail(&self, code: &str) -> Option<&KeyDetail> {
        let key = crate::codeset::normalize(code);
        self.expected_details.iter().find(|d| crate::codeset::normalize(&d.code) == key)
    }
}

/// The fields of the format, in order, with a check of one value's type;
/// used to name the field a serde error is about.
pub(crate) fn check_field(name: &str, value: &serde_json::Value) -> Option<Result<(), String>> {
    fn t<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<(), String> {
        T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
    }
    Some(match name {
        "id" | "provider" | "documentation" => t::<String>(value),
        "encounter_type" => t::<EncounterType>(value),
        "date_of_service" | "admission_date" | "discharge_date" | "due_date" => {
            t::<NaiveDate>(value).map_err(|e| format!("{e} (expected a date as YYYY-MM-DD)"))
        }
        "patient_age" => {
            t::<u8>(value).map_err(|e| format!("{e} (expected a whole number of years, 0 to 255)"))
        }
        "patient_sex" => t::<Sex>(value),
        "codes" | "expected_codes" => t::<Vec<String>>(value),
        "expected_lines" => t::<Vec<ExpectedLine>>(value).map_err(|e| {
            format!("{e} (expected lines as {{\"code\", \"modifiers\", \"units\", \"pointers\"}})")
        }),
        "expected_details" => t::<Vec<KeyDetail>>(value).map_err(|e| {
            format!("{e} (expected details as {{\"code\", \"poa\", \"rationale\", \"index\"}})")
        }),
        "priority" => t::<Priority>(value),
        _ => return None,
    })
}

pub(crate) const REQUIRED: [&str; 7] =
    ["id", "encounter_type", "date_of_service", "patient_age", "patient_sex", "provider", "documentation"];

/// What is wrong with an id-like value (a record id, a code as written), if anything.
fn id_problem(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else if value.chars().any(crate::text::is_bidi_control) {
        Some(
            "must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)",
        )
    } else {
        None
    }
}

impl Record {
    /// Checks across fields, after the types are right: `(field, message)`.
    pub(crate) fn validate(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push(("id", "must not be empty".to_string()));
        }
        // Ids and codes are matched and exported as typed: a bidi override would
        // show `AB-12` for what is stored as something else.
        if let Some(msg) = id_problem(&self.id) {
            out.push(("id", msg.to_string()));
        }
        for (field, codes) in [("codes", &self.codes), ("expected_codes", &self.expected_codes)] {
            if let Some(msg) = codes.iter().find_map(|c| id_problem(c)) {
                out.push((field, msg.to_string()));
            }
        }
        for (i, l) in self.expected_lines.iter().enumerate() {
            let key = crate::codeset::normalize(&l.code);
            let in_key = |c: &String| crate::codeset::normalize(c) == key;
            if !self.expected_codes.iter().any(in_key) {
                out.push((
                    "expected_lines",
                    format!("line {}: {} is not in expected_codes", i + 1, crate::text::sanitize(&l.code)),
                ));
            }
            for p in &l.pointers {
                let pk = crate::codeset::normalize(p);
                if !self.expected_codes.iter().any(|c| crate::codeset::normalize(c) == pk) {
                    out.push((
                        "expected_lines",
                        format!(
                            "line {}: pointer {} is not a diagnosis in expected_codes",
                            i + 1,
                            crate::text::sanitize(p)
                        ),
                    ));
                }
            }
        }
        out.extend(self.validate_details().into_iter().map(|m| ("expected_details", m)));
        let inpatient = self.encounter_type == EncounterType::Inpatient;
        for (field, date) in
            [("admission_date", self.admission_date), ("discharge_date", self.discharge_date)]
        {
            if date.is_some() && !inpatient {
                out.push((
                    field,
                    format!(
                        "only an inpatient record has one (this one is {})",
                        self.encounter_type.as_str()
                    ),
                ));
            }
        }
        if let Some(adm) = self.admission_date
            && adm > self.date_of_service
        {
            out.push((
                "admission_date",
                format!("{adm} is after the date of service {}", self.date_of_service),
            ));
        }
        if let Some(dis) = self.discharge_date
            && dis != self.date_of_service
        {
            out.push(("discharge_date", format!("{dis} differs from date_of_service {} (an inpatient date of service is the discharge date)", self.date_of_service)));
        }
        out
    }
}

impl Record {
    /// `expected_details`: each a code of the key, once; POA a valid indicator, on a diagnosis.
    fn validate_details(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let is_pcs = |c: &str| !c.contains('.') && crate::codeset::normalize(c).len() == 7;
        for (i, d) in self.expected_details.iter().enumerate() {
            let code = crate::text::sanitize(&d.code);
            let key = crate::codeset::normalize(&d.code);
            if !self.expected_codes.iter().any(|c| crate::codeset::normalize(c) == key) {
                out.push(format!("detail {}: {code} is not in expected_codes", i + 1));
            }
            if seen.contains(&key) {
                out.push(format!("detail {}: {code} is described twice", i + 1));
            }
            seen.push(key);
            if let Some(p) = &d.poa {
                if super::work::Poa::parse(p).is_none() {
                    out.push(format!(
                        "detail {}: poa `{}` is not one of Y, N, U, W, 1",
                        i + 1,
                        crate::text::sanitize(p)
                    ));
                } else if is_pcs(&d.code) {
                    out.push(format!("detail {}: {code} is a procedure: POA is for diagnoses", i + 1));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON Schema and the loader agree on the fields.
    #[test]
    fn schema_matches_the_format() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/record.schema.json")).expect("schema is JSON");
        let props = schema["properties"].as_object().expect("properties");
        for name in props.keys() {
            assert!(
                check_field(name, &serde_json::Value::Null).is_some(),
                "schema field {name} unknown to the loader"
            );
        }
        let required: Vec<&str> =
            schema["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(required, REQUIRED);
        assert_eq!(schema["additionalProperties"], false);
        // Every field the loader knows is in the schema.
        let rec = Record {
            id: "x".into(),
            encounter_type: EncounterType::Inpatient,
            date_of_service: NaiveDate::default(),
            admission_date: Some(NaiveDate::default()),
            discharge_date: Some(NaiveDate::default()),
            patient_age: 1,
            patient_sex: Sex::Unknown,
            provider: String::new(),
            documentation: String::new(),
            codes: vec!["a".into()],
            expected_codes: vec!["b".into()],
            expected_lines: vec![ExpectedLine { code: "b".into(), ..ExpectedLine::default() }],
            expected_details: vec![KeyDetail {
                code: "b".into(),
                poa: Some("Y".into()),
                rationale: Some("r".into()),
                index: Some("i".into()),
            }],
            priority: Some(Priority::Low),
            due_date: Some(NaiveDate::default()),
            source: Source::default(),
            truncated: 0,
        };
        let value = serde_json::to_value(&rec).expect("serializes");
        for key in value.as_object().expect("object").keys() {
            assert!(props.contains_key(key), "{key} missing from the schema");
        }
    }
}
