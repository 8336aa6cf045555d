//! `medcode index-lookup TERM`: an entry of a book as it is printed: the term
//! with its subterms indented by level, nonessential modifiers in
//! parentheses, its codes checked against the edition, and its `see` and
//! `see also` references with what is wrong with them (dangling, a cycle);
//! each book named with its edition. Lines of terms; `--expand` adds a line
//! per billable code under each code that is not billable.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;

use super::table::{CellOut, Checked, Print, brief, cells_out, checked, write_codes};
use super::{Format, Globals};
use crate::codeset::books::{Book, Entry, Index, Line};
use crate::codeset::{Codebook, normalize};
use crate::text::one_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The term: a main term (or its beginning), or words of the path to a subterm.
    #[arg(required = true, num_args = 1..)]
    pub term: Vec<String>,
    /// The book: index (the Alphabetic Index, in imported editions), external, pcs, drug, neoplasm; default: every book the edition has.
    #[arg(long)]
    pub book: Option<Book>,
    /// At most this many entries of each book (0: all).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[command(flatten)]
    pub print: Print,
}

/// A code of the PCS index: a table or partial code, and whether the edition's tables have it.
#[derive(Serialize)]
struct PcsCode {
    code: String,
    in_tables: bool,
}

#[derive(Serialize)]
struct Reference {
    word: &'static str,
    text: String,
    /// `dangling: no main term "x"`, `a cycle of references: A → B → A`.
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<String>,
}

#[derive(Serialize)]
struct LineOut {
    level: usize,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nemod: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Checked>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pcs_codes: Vec<PcsCode>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cells: Vec<CellOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<Reference>,
}

#[derive(Serialize)]
struct EntryOut {
    /// The terms above the entry (`Neoplasm, neoplastic` above `breast`).
    above: Vec<String>,
    /// The entry's line first, then its subterms in printed order.
    lines: Vec<LineOut>,
}

#[derive(Serialize)]
struct BookOut {
    book: Book,
    title: String,
    version: String,
    label: String,
    effective: Option<(String, String)>,
    /// Entries found (more than shown when `--limit` cut them).
    total: usize,
    entries: Vec<EntryOut>,
}

#[derive(Serialize)]
struct Output {
    edition: String,
    query: String,
    books: Vec<BookOut>,
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    if !matches!(args.print.format, Format::Text | Format::Json) {
        bail!("`medcode index-lookup` writes text or json");
    }
    let cb = Codebook::open(globals.edition.as_deref())?;
    let books: Vec<Book> = match args.book {
        Some(b) if b.available(&cb) => vec![b],
        Some(b) => {
            let have: Vec<&str> = Book::ALL.iter().filter(|b| b.available(&cb)).map(|b| b.arg()).collect();
            bail!(
                "edition {} has no {} (the Alphabetic Index comes with an imported CDC release); it has: {}",
                cb.edition.name,
                b.title(),
                have.join(", ")
            );
        }
        None => Book::ALL.into_iter().filter(|b| b.available(&cb)).collect(),
    };
    let query = args.term.join(" ");
    let out = Output {
        edition: cb.edition.name.clone(),
        books: books.into_iter().filter_map(|b| lookup(&cb, b, &query, args.limit)).collect(),
        query,
    };
    super::width::print(args.print.format == Format::Json, args.print.width, &out, |w, width| {
        write_text(w, &out, width, args.print.expand)
    })?;
    Ok(if out.books.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The entries of `book` that `query` names, each with its subterms; `None`: none.
fn lookup(cb: &Codebook, book: Book, query: &str, limit: usize) -> Option<BookOut> {
    let ix = book.index(cb)?;
    let lines = ix.lines();
    let found = ix.find(&lines, query);
    if found.is_empty() {
        return None;
    }
    let shown = if limit == 0 { found.len() } else { found.len().min(limit) };
    let entries = found[..shown].iter().map(|&i| entry_out(cb, ix, &lines, i)).collect();
    let component = cb.edition.component(book.file_kind());
    let title = match ix {
        Index::Cm(b) => b.kind.describe().to_string(),
        Index::Pcs(_) => book.title().to_string(),
    };
    let version = book.version(cb);
    Some(BookOut {
        book,
        title,
        label: book.label(cb),
        effective: component.map(|c| (c.effective_from.to_string(), c.effective_to.to_string())),
        version,
        total: found.len(),
        entries,
    })
}

fn entry_out(cb: &Codebook, ix: Index<'_>, lines: &[Line], i: usize) -> EntryOut {
    let at = &lines[i].at;
    let above = ix.path(at).iter().take(at.len() - 1).map(|e| e.display()).collect();
    let base = lines[i].level();
    let subtree = lines[i..].iter().enumerate().take_while(|(k, l)| *k == 0 || l.level() > base);
    let lines =
        subtree.filter_map(|(_, l)| ix.entry(&l.at).map(|e| line_out(cb, ix, e, &l.at, l.level()))).collect();
    EntryOut { above, lines }
}

fn line_out(cb: &Codebook, ix: Index<'_>, e: Entry<'_>, at: &[u32], level: usize) -> LineOut {
    let (code, pcs_codes, cells) = match ix {
        Index::Cm(book) => {
            (e.codes().first().map(|c| checked(cb, c)), Vec::new(), cells_out(cb, book, e.cells()))
        }
        Index::Pcs(_) => {
            let codes = e
                .codes()
                .iter()
                .map(|c| PcsCode { code: c.clone(), in_tables: cb.pcs.is_prefix(&normalize(c)) });
            (None, codes.collect(), Vec::new())
        }
    };
    LineOut {
        level,
        title: e.title().to_string(),
        nemod: e.nemod().map(str::to_string),
        code,
        pcs_codes,
        cells,
        reference: e.reference().map(|(word, text)| Reference {
            word,
            text: text.to_string(),
            fault: ix.reference_fault(at),
        }),
    }
}

fn write_text(w: &mut impl Write, out: &Output, width: usize, expand: bool) -> Result<()> {
    if out.books.is_empty() {
        writeln!(w, "no entry \"{}\" in the books of edition {}", out.query, out.edition)?;
        return Ok(());
    }
    for (n, b) in out.books.iter().enumerate() {
        if n > 0 {
            writeln!(w)?;
        }
        let dates = b.effective.as_ref().map(|(f, t)| format!(", {f} to {t}")).unwrap_or_default();
        writeln!(w, "{} ({}{dates}), edition {}", b.title, b.label, out.edition)?;
        for e in &b.entries {
            writeln!(w)?;
            for (level, t) in e.above.iter().enumerate() {
                writeln!(w, "{}{}", "  ".repeat(level), one_line(t))?;
            }
            for l in &e.lines {
                write_line(w, l, width, expand)?;
            }
        }
        if b.entries.len() < b.total {
            writeln!(w)?;
            writeln!(
                w,
                "{} of {} entries shown (`--limit 0` for all, or more words)",
                b.entries.len(),
                b.total
            )?;
        }
    }
    Ok(())
}

/// `  wandering (chronic)  E11.8 — see also Quillpox`, then a table's cells under it.
fn write_line(w: &mut impl Write, l: &LineOut, width: usize, expand: bool) -> Result<()> {
    let indent = "  ".repeat(l.level);
    let mut text = one_line(&l.title).to_string();
    if let Some(n) = &l.nemod {
        text.push_str(&format!(" {}", one_line(n)));
    }
    let mut codes: Vec<String> = l.code.iter().map(brief).collect();
    codes.extend(l.pcs_codes.iter().map(|c| {
        if c.in_tables { c.code.clone() } else { format!("{} (NOT in the ICD-10-PCS tables)", c.code) }
    }));
    if !codes.is_empty() {
        text = format!("{text}  {}", codes.join(", "));
    }
    if let Some(r) = &l.reference {
        let fault = r.fault.as_ref().map(|f| format!(" ({f})")).unwrap_or_default();
        let said = format!("{} {}{fault}", r.word, one_line(&r.text));
        // A PCS line that is only a reference reads as one.
        text = if l.title.is_empty() {
            format!("{said}{}", text.trim_end())
        } else {
            format!("{text} — {said}")
        };
    }
    writeln!(w, "{indent}{text}")?;
    if !l.cells.is_empty() || expand {
        write_codes(w, &format!("{indent}    "), l.code.as_ref(), &l.cells, width, expand)?;
    }
    Ok(())
}
