//! `medcode table drug|neoplasm|external TERM`: look a term up in an
//! ICD-10-CM table or index, every code checked against the tabular.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::ValueEnum;
use serde::Serialize;

use super::{Format, Globals};
use crate::codeset::icd10cm::books::{CodeCheck, CodeStatus, Row, check_code};
use crate::codeset::{Codebook, IndexBook};
use crate::text::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Book {
    /// The Table of Drugs and Chemicals.
    Drug,
    /// The Table of Neoplasms.
    Neoplasm,
    /// The Index to External Causes.
    External,
    /// The Alphabetic Index to Diseases and Injuries (from an imported release).
    Index,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which table or index.
    #[arg(value_enum)]
    pub book: Book,
    /// The term: every word must appear in the term's path (case ignored, a word may be the start of one).
    #[arg(required = true, num_args = 1..)]
    pub term: Vec<String>,
    /// At most this many rows (0: all).
    #[arg(long, default_value_t = 40)]
    pub limit: usize,
    #[command(flatten)]
    pub print: Print,
}

/// How the books' lookups print (`table`, `index-lookup`).
#[derive(Debug, clap::Args)]
pub struct Print {
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// List the billable codes under each code that is not billable itself.
    #[arg(long)]
    pub expand: bool,
    /// Wrap text to this many columns (default: `COLUMNS`, else the terminal's width, else 80).
    #[arg(long)]
    pub width: Option<usize>,
}

/// A table cell: its column's heading and its code checked (`None`: `--`).
#[derive(Serialize)]
pub struct CellOut {
    pub heading: String,
    pub code: Option<Checked>,
}

/// The cells of a table's term, each checked against the edition.
pub fn cells_out(cb: &Codebook, book: &IndexBook, cells: &[Option<String>]) -> Vec<CellOut> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| CellOut { heading: book.column(i), code: c.as_deref().map(|c| checked(cb, c)) })
        .collect()
}

/// A printed code checked against the edition's tabular; one the edition
/// deleted or never had offers the codes that replace it there.
#[derive(Debug, Serialize)]
pub struct Checked {
    #[serde(flatten)]
    pub check: CodeCheck,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
}

pub fn checked(cb: &Codebook, printed: &str) -> Checked {
    let check = check_code(&cb.cm, printed);
    let replaced_by = match check.status {
        CodeStatus::Invalid => {
            let offers =
                crate::codeset::changes::replacements(cb, crate::codeset::CodeSet::Icd10cm, printed, None)
                    .map(|r| r.offers)
                    .unwrap_or_default();
            // A table column fixes characters (T52.8X1: accidental): keep the codes that agree
            // with the printed code at every character but its placeholders, when there are some.
            let printed = check.code.trim_end_matches(['-', '.']);
            let agrees = |o: &String| {
                o.len() >= printed.len() && printed.chars().zip(o.chars()).all(|(p, c)| p == 'X' || p == c)
            };
            let narrowed: Vec<String> = offers.iter().filter(|o| agrees(o)).cloned().collect();
            if narrowed.is_empty() { offers } else { narrowed }
        }
        _ => Vec::new(),
    };
    Checked { check, replaced_by }
}

#[derive(Serialize)]
struct RowOut {
    path: Vec<String>,
    path_text: String,
    level: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Checked>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cells: Vec<CellOut>,
    see: Option<String>,
    see_also: Option<String>,
    see_category: Option<String>,
}

#[derive(Serialize)]
struct Output {
    edition: String,
    book: String,
    book_version: String,
    book_label: String,
    book_effective: Option<(String, String)>,
    tabular: String,
    /// Whether the edition's ICD-10-CM tabular is in force today.
    in_force_today: bool,
    today: String,
    query: String,
    headings: Vec<String>,
    total: usize,
    rows: Vec<RowOut>,
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    if !matches!(args.print.format, Format::Text | Format::Json) {
        bail!("`medcode table` writes text or json");
    }
    let book = Codebook::open(globals.edition.as_deref())?;
    let out = lookup(&book, args.book, &args.term.join(" "), args.limit)?;
    super::width::print(args.print.format == Format::Json, args.print.width, &out, |w, width| {
        write_text(w, &out, width, args.print.expand)
    })?;
    Ok(if out.total == 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn lookup(cb: &Codebook, which: Book, query: &str, limit: usize) -> Result<Output> {
    let (book, name): (Option<&IndexBook>, &str) = match which {
        Book::Drug => (cb.drugs.as_ref(), "Table of Drugs and Chemicals"),
        Book::Neoplasm => (cb.neoplasms.as_ref(), "Table of Neoplasms"),
        Book::External => (cb.external.as_ref(), "Index to External Causes"),
        Book::Index => (cb.diseases.as_ref(), "Alphabetic Index to Diseases and Injuries"),
    };
    let Some(book) = book else {
        bail!(
            "edition {} has no ICD-10-CM {name}; import a CDC table-and-index release (`medcode codesets import`)",
            cb.edition.name
        );
    };
    let component = cb.edition.component(book.kind.file_kind());
    let tabular = cb
        .edition
        .component(crate::codeset::FileKind::CmTabular)
        .map_or_else(|| "no ICD-10-CM tabular".to_string(), |c| format!("ICD-10-CM {}", c.label));
    let today = crate::codeset::edition::today();
    let rows = book.lookup(query);
    let total = rows.len();
    let shown = if limit == 0 { total } else { total.min(limit) };
    let rows = rows[..shown].iter().map(|r| row_out(cb, book, r)).collect();
    Ok(Output {
        edition: cb.edition.name.clone(),
        book: book.kind.describe().to_string(),
        book_version: book.version.clone(),
        book_label: component.map_or_else(|| book.version.clone(), |c| c.label.clone()),
        book_effective: component.map(|c| (c.effective_from.to_string(), c.effective_to.to_string())),
        tabular,
        in_force_today: cb.edition.is_in_force(crate::codeset::CodeSet::Icd10cm, today),
        today: today.to_string(),
        query: query.to_string(),
        headings: book.headings.clone(),
        total,
        rows,
    })
}

fn row_out(cb: &Codebook, book: &IndexBook, row: &Row<'_>) -> RowOut {
    let t = row.term();
    RowOut {
        path: row.path.iter().map(|t| t.display()).collect(),
        path_text: row.path_text(),
        level: row.level(),
        code: t.code.as_deref().map(|c| checked(cb, c)),
        cells: cells_out(cb, book, &t.cells),
        see: t.see.clone(),
        see_also: t.see_also.clone(),
        see_category: t.see_category.clone(),
    }
}

/// A code in a line of pairs: `T39.1X1 (header)`, `T52.8X1 (NOT VALID ...)`; why a header is no billable code is said once under the pairs ([`header_reasons`]).
pub fn brief(checked: &Checked) -> String {
    let check = &checked.check;
    match &check.status {
        CodeStatus::Billable => check.code.clone(),
        CodeStatus::Header { .. } => format!("{} (header)", check.code),
        CodeStatus::Invalid if checked.replaced_by.is_empty() => {
            format!("{} (NOT VALID in this edition)", check.code)
        }
        CodeStatus::Invalid => {
            let by = &checked.replaced_by;
            let more = by.len().saturating_sub(TEXT_OFFERS);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!(
                "{} (NOT VALID in this edition; replaced by {}{more})",
                check.code,
                by[..by.len().min(TEXT_OFFERS)].join(", ")
            )
        }
        CodeStatus::Unchecked => format!("{} (not checked: no tabular)", check.code),
    }
}

/// Why the headers among `codes` are not billable, each reason once: `header: needs a 7th character`.
pub fn header_reasons<'a>(codes: impl IntoIterator<Item = &'a Checked>, expand: bool) -> Vec<String> {
    let mut reasons: Vec<String> = Vec::new();
    for c in codes {
        if let CodeStatus::Header { reason, .. } = &c.check.status
            && !reasons.contains(reason)
        {
            reasons.push(reason.clone());
        }
    }
    let hint = if expand { "" } else { " (--expand lists the billable codes)" };
    reasons.into_iter().map(|r| format!("header: not billable, {r}{hint}")).collect()
}

/// `--expand`: the billable codes under a code that is not billable, one a line under `indent`.
pub fn write_expanded(w: &mut impl Write, indent: &str, label: &str, checked: &Checked) -> Result<()> {
    if let CodeStatus::Header { billable, total, .. } = &checked.check.status {
        let code = &checked.check.code;
        if billable.is_empty() {
            writeln!(w, "{indent}{label}{code}: no billable code below it")?;
            return Ok(());
        }
        writeln!(w, "{indent}{label}{code}: billable codes below ({total}):")?;
        for offer in billable {
            writeln!(w, "{indent}  {:<9} {}", offer.code, one_line(&offer.title))?;
        }
        if *total > billable.len() {
            writeln!(
                w,
                "{indent}  ... {} more (`medcode show {}`)",
                total - billable.len(),
                code.trim_end_matches(['-', '.'])
            )?;
        }
    }
    Ok(())
}

/// How many codes that replace an invalid one are named in text output.
const TEXT_OFFERS: usize = 6;

/// Items joined with `; ` into lines of at most `width` columns, each line
/// starting with `indent` (an item wider than a line is left to the wrapper).
pub fn flow(items: &[String], indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for item in items {
        if cur.is_empty() {
            cur = format!("{indent}{item}");
        } else if super::width::columns(&cur) + 2 + super::width::columns(item) <= width {
            cur.push_str("; ");
            cur.push_str(item);
        } else {
            lines.push(std::mem::take(&mut cur) + ";");
            cur = format!("{indent}{item}");
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Under a term's line: its cells as `heading: code` pairs flowed to `width`,
/// why its headers are not billable, and with `expand` the billable codes
/// under each code that is not billable, one a line.
pub fn write_codes(
    w: &mut impl Write,
    under: &str,
    code: Option<&Checked>,
    cells: &[CellOut],
    width: usize,
    expand: bool,
) -> Result<()> {
    let pairs: Vec<String> = cells
        .iter()
        .map(|c| format!("{}: {}", one_line(&c.heading), c.code.as_ref().map_or_else(|| "--".into(), brief)))
        .collect();
    for line in flow(&pairs, under, width) {
        writeln!(w, "{line}")?;
    }
    let codes = code.into_iter().chain(cells.iter().filter_map(|c| c.code.as_ref()));
    for reason in header_reasons(codes, expand) {
        writeln!(w, "{under}{reason}")?;
    }
    if expand {
        if let Some(c) = code {
            write_expanded(w, under, "", c)?;
        }
        for cell in cells {
            if let Some(c) = &cell.code {
                write_expanded(w, under, &format!("{}: ", one_line(&cell.heading)), c)?;
            }
        }
    }
    Ok(())
}

/// Text: each matching term under the terms above it (each indented by its
/// level, those the previous match printed not printed again), its code, then
/// its cells as `heading: code` pairs flowed under it; `expand` lists the
/// billable codes under each code that is not billable.
fn write_text(w: &mut impl Write, out: &Output, width: usize, expand: bool) -> Result<()> {
    let dates = out.book_effective.as_ref().map(|(f, t)| format!(", {f} to {t}")).unwrap_or_default();
    writeln!(w, "{} {} ({}{dates}), edition {}", out.book, out.book_version, out.book_label, out.edition)?;
    writeln!(w, "codes checked against the {}", out.tabular)?;
    if !out.in_force_today {
        writeln!(
            w,
            "warning: edition {} is not in force today ({}); see `medcode codesets list`",
            out.edition, out.today
        )?;
    }
    if out.total == 0 {
        writeln!(w, "no term matches \"{}\"", out.query)?;
        return Ok(());
    }
    let mut printed: &[String] = &[];
    for r in &out.rows {
        let same = printed.iter().zip(&r.path).take_while(|(a, b)| a == b).count();
        if same == 0 {
            writeln!(w)?;
        }
        for (level, title) in r.path.iter().enumerate().skip(same).take(r.path.len().saturating_sub(same + 1))
        {
            writeln!(w, "{}{}", "  ".repeat(level), one_line(title))?;
        }
        let indent = "  ".repeat(r.level);
        let title = r.path.last().map(|t| one_line(t).to_string()).unwrap_or_default();
        match &r.code {
            Some(c) => writeln!(w, "{indent}{title}  {}", brief(c))?,
            None => writeln!(w, "{indent}{title}")?,
        }
        printed = &r.path;
        let under = format!("{indent}    ");
        write_codes(w, &under, r.code.as_ref(), &r.cells, width, expand)?;
        for (label, v) in [("see", &r.see), ("see also", &r.see_also), ("see category", &r.see_category)] {
            if let Some(v) = v {
                writeln!(w, "{under}{label} {}", one_line(v))?;
            }
        }
    }
    if out.rows.len() < out.total {
        writeln!(w)?;
        writeln!(
            w,
            "{} of {} matching rows shown (`--limit 0` for all, or more words)",
            out.rows.len(),
            out.total
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::shipped;

    /// Every distinct code a table prints, checked against a tabular: what the
    /// shipped FY2027 edition's caveat ("checked against the FY2027 tabular") rests on.
    #[derive(Debug, Default)]
    struct Audit {
        codes: usize,
        billable: usize,
        /// Printed codes that are headers there (or need more characters), with the billable codes offered.
        headers: std::collections::BTreeMap<String, Vec<String>>,
        /// Printed codes that are not codes there at all, with the codes that replace them.
        invalid: std::collections::BTreeMap<String, Vec<String>>,
    }

    fn audit(cb: &Codebook, book: &IndexBook) -> Audit {
        fn walk<'a>(
            terms: &'a [crate::codeset::icd10cm::books::Term],
            out: &mut std::collections::BTreeSet<&'a str>,
        ) {
            for t in terms {
                out.extend(t.codes());
                walk(&t.terms, out);
            }
        }
        let mut printed = std::collections::BTreeSet::new();
        walk(&book.terms, &mut printed);
        let mut a = Audit { codes: printed.len(), ..Audit::default() };
        for code in printed {
            let Checked { check, replaced_by } = checked(cb, code);
            match check.status {
                CodeStatus::Billable => a.billable += 1,
                CodeStatus::Header { billable, .. } => {
                    a.headers.insert(check.code, billable.into_iter().map(|o| o.code).collect());
                }
                CodeStatus::Invalid | CodeStatus::Unchecked => {
                    a.invalid.insert(check.code, replaced_by);
                }
            }
        }
        a
    }

    #[test]
    fn the_2025_tables_are_checked_against_the_fy2027_tabular() {
        let book = shipped::load_edition(shipped::FY2027).expect("fy2027-shipped");
        let audits: Vec<(&str, Audit)> =
            [("drug", &book.drugs), ("neoplasm", &book.neoplasms), ("external", &book.external)]
                .into_iter()
                .map(|(name, t)| (name, audit(&book, t.as_ref().expect("shipped"))))
                .collect();
        let counts: Vec<_> =
            audits.iter().map(|(n, a)| (*n, a.codes, a.billable, a.headers.len(), a.invalid.len())).collect();
        // The Drug table prints codes without their 7th character: headers all.
        assert_eq!(
            counts,
            [("drug", 1596, 0, 1592, 4), ("neoplasm", 689, 568, 121, 0), ("external", 2709, 493, 2216, 0)]
        );
        // FY2027 deleted T52.8X- (other organic solvents): the four the Drug table prints are
        // reported, each with the FY2027 codes that replace it.
        let drug = &audits[0].1;
        assert_eq!(drug.invalid.keys().collect::<Vec<_>>(), ["T52.8X1", "T52.8X2", "T52.8X3", "T52.8X4"]);
        for (code, offers) in &drug.invalid {
            assert!(
                !offers.is_empty() && offers.iter().all(|o| o.starts_with("T52.8")),
                "{code}: {offers:?}"
            );
            assert!(
                offers.iter().all(|o| book.is_valid(crate::codeset::CodeSet::Icd10cm, o, None)),
                "{offers:?}"
            );
        }
    }
}
