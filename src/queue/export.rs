//! Exporting the coded results: one row per attached code (a record with no
//! codes gets one row with empty code columns), in queue order.

use std::io::Write;

use serde::Serialize;

use super::record::Record;
use super::work::{RecordWork, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

/// One record's results, as the JSON Lines export writes it.
#[derive(Debug, Serialize)]
pub struct Exported<'a> {
    pub id: &'a str,
    pub status: Status,
    pub codes: &'a [super::work::AttachedCode],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The edition the record is coded against (chosen for it, else in force on its date of service).
    pub edition: &'a str,
}

pub const CSV_HEADER: &str =
    "record_id,status,sequence,code,set,kind,poa,modifiers,units,pointers,coder,time,edition";

/// Write every record with its work (records with no saved work export as `new`)
/// and the name of the edition it is coded against (`edition`).
pub fn write(
    out: &mut dyn Write,
    format: ExportFormat,
    records: &[Record],
    work: &dyn Fn(&str) -> RecordWork,
    edition: &dyn Fn(&Record, &RecordWork) -> String,
) -> std::io::Result<()> {
    if format == ExportFormat::Csv {
        writeln!(out, "{CSV_HEADER}")?;
    }
    for r in records {
        let w = work(&r.id);
        let ed = edition(r, &w);
        match format {
            ExportFormat::Jsonl => {
                let e = Exported {
                    id: &r.id,
                    status: w.status,
                    codes: &w.codes,
                    override_reason: w.override_reason.as_deref(),
                    updated_by: w.updated_by.as_deref(),
                    updated_at: w.updated_at,
                    edition: &ed,
                };
                serde_json::to_writer(&mut *out, &e)?;
                writeln!(out)?;
            }
            ExportFormat::Csv => {
                if w.codes.is_empty() {
                    writeln!(out, "{},{},,,,,,,,,,,{}", csv(&r.id), w.status.as_str(), csv(&ed))?;
                }
                for (i, c) in w.codes.iter().enumerate() {
                    let kind = match c.kind {
                        super::work::CodeKind::Diagnosis => "diagnosis",
                        super::work::CodeKind::Procedure => "procedure",
                    };
                    writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        csv(&r.id),
                        w.status.as_str(),
                        i + 1,
                        csv(&c.code),
                        c.set.as_str(),
                        kind,
                        c.poa.map_or("", |p| p.as_str()),
                        csv(&c.line.modifiers.join(" ")),
                        c.line.units.map(|u| u.to_string()).unwrap_or_default(),
                        csv(&pointers(&w.codes, &c.line.pointers)),
                        csv(&c.who),
                        c.when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        csv(&ed)
                    )?;
                }
            }
        }
    }
    out.flush()
}

/// A line's pointers as the claim's letters (`AB`); a pointer naming no
/// diagnosis on the record is written as its code, so it shows.
fn pointers(codes: &[super::work::AttachedCode], pointers: &[String]) -> String {
    let each: Vec<String> = pointers
        .iter()
        .map(|p| super::work::pointer_letter(codes, p).map_or_else(|| p.clone(), String::from))
        .collect();
    if each.iter().all(|p| p.len() == 1) { each.concat() } else { each.join(" ") }
}

/// Quote a CSV field when needed. A field a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` first, also after leading spaces, tabs or line
/// breaks, or a leading tab or carriage return) is prefixed with `'`; bidi
/// controls are dropped, so the cell reads as it is stored.
fn csv(s: &str) -> String {
    let s: String = s.chars().filter(|c| !crate::text::is_bidi_control(*c)).collect();
    let formula = s.trim_start_matches([' ', '\t', '\r', '\n']).starts_with(['=', '+', '-', '@'])
        || s.starts_with(['\t', '\r']);
    let s = if formula { format!("'{s}") } else { s };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_names_the_record_s_edition() {
        let records: Vec<Record> = crate::queue::load_example().records.into_iter().take(2).collect();
        let name = |r: &Record, w: &RecordWork| {
            w.edition.clone().unwrap_or_else(|| format!("by-date-{}", r.date_of_service))
        };
        let chosen = |id: &str| RecordWork {
            edition: (id == records[1].id).then(|| "fy2027-shipped".to_string()),
            ..RecordWork::default()
        };
        let mut buf = Vec::new();
        write(&mut buf, ExportFormat::Csv, &records, &chosen, &name).expect("csv");
        let body = String::from_utf8(buf).expect("utf8");
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].ends_with(",time,edition"));
        assert_eq!(
            lines[1],
            format!("{},new,,,,,,,,,,,by-date-{}", records[0].id, records[0].date_of_service)
        );
        assert_eq!(lines[2], format!("{},new,,,,,,,,,,,fy2027-shipped", records[1].id));
        let mut buf = Vec::new();
        write(&mut buf, ExportFormat::Jsonl, &records, &chosen, &name).expect("jsonl");
        let second: serde_json::Value =
            serde_json::from_str(String::from_utf8(buf).expect("utf8").lines().nth(1).expect("2 lines"))
                .expect("json");
        assert_eq!(second["edition"], "fy2027-shipped");
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv("A1"), "A1");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=cmd()"), "'=cmd()");
    }

    #[test]
    fn formulas_are_neutralised_after_leading_blanks() {
        assert_eq!(csv("  =1+1"), "'  =1+1");
        assert_eq!(csv("\t@x"), "'\t@x");
        assert_eq!(csv("\r\n+1"), "\"'\r\n+1\"");
        assert_eq!(csv("\tplain"), "'\tplain");
        assert_eq!(csv(" -2"), "' -2");
        assert_eq!(csv("a =1"), "a =1");
        assert_eq!(csv("AB\u{202e}21"), "AB21");
    }
}
