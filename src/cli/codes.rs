//! `medcode codes`: every code with its title, for scripts.
//!
//! `tsv` lines are `code<TAB>title<TAB>billable`, billable `1` or `0`, no header
//! line; ICD-10-CM codes are written with the dot (`E11.9`), ICD-10-PCS codes
//! as they are (`0DTJ4ZZ`). `jsonl` lines are
//! `{"set":"icd10cm","code":"E11.9","title":"...","billable":true}`.
//! ICD-10-CM lists categories, subcategories, codes and 7th-character
//! extensions in tabular order (no chapters or blocks); ICD-10-PCS lists the
//! complete codes, every one billable; HCPCS Level II lists its codes with
//! their long descriptions, billable unless terminated (modifiers are in
//! `medcode show`). Without `--set`, ICD-10-CM, ICD-10-PCS, then HCPCS.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::Globals;
use crate::codeset::{CmKind, CodeSet};
use crate::text::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CodesFormat {
    Tsv,
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this code set: icd10cm, icd10pcs or hcpcs (default: all).
    #[arg(long, value_parser = super::parse_set)]
    pub set: Option<CodeSet>,
    /// Only billable codes (valid for claims); headers are left out.
    #[arg(long)]
    pub billable: bool,
    /// tsv: `code<TAB>title<TAB>billable` with billable 1 or 0, no header line;
    /// jsonl: one `{"set","code","title","billable"}` object a line.
    #[arg(long, value_enum, default_value_t = CodesFormat::Tsv)]
    pub format: CodesFormat,
}

#[derive(Serialize)]
struct Line<'a> {
    set: CodeSet,
    code: &'a str,
    title: &'a str,
    billable: bool,
}

fn line(out: &mut impl Write, format: CodesFormat, l: &Line) -> io::Result<()> {
    match format {
        CodesFormat::Tsv => writeln!(out, "{}\t{}\t{}", l.code, one_line(l.title), u8::from(l.billable)),
        CodesFormat::Jsonl => {
            serde_json::to_writer(&mut *out, l)?;
            out.write_all(b"\n")
        }
    }
}

pub fn run(args: Args, globals: &Globals) -> Result<ExitCode> {
    let book = super::show::open_codebook(globals)?;
    if io::stderr().is_terminal() {
        eprintln!("medcode: codes from {}", book.edition.summary());
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let wants = |set| args.set.is_none_or(|s| s == set);
    if wants(CodeSet::Icd10cm) {
        let cm = &book.cm;
        for id in cm.walk() {
            let n = cm.node(id);
            if matches!(n.kind, CmKind::Chapter | CmKind::Block) || (args.billable && !n.billable) {
                continue;
            }
            let l = Line { set: CodeSet::Icd10cm, code: &n.code, title: &n.title, billable: n.billable };
            line(&mut out, args.format, &l)?;
        }
    }
    if wants(CodeSet::Icd10pcs) {
        let pcs = &book.pcs;
        for code in &pcs.codes {
            let title = pcs.title(code).map(|t| t.text).unwrap_or_default();
            let l = Line { set: CodeSet::Icd10pcs, code, title: &title, billable: true };
            line(&mut out, args.format, &l)?;
        }
    }
    if wants(CodeSet::Hcpcs) {
        for c in &book.hcpcs.codes {
            let billable = c.terminated.is_none();
            if args.billable && !billable {
                continue;
            }
            let l = Line { set: CodeSet::Hcpcs, code: &c.code, title: &c.long, billable };
            line(&mut out, args.format, &l)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
