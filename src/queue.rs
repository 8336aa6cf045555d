//! The record queue: encounters read from local files, the coder's work on
//! each (attached codes, status, comments), claims between coders and the
//! edits (checks) run as the coder works.
//!
//! The source files are never written. The coder's work lives in a work
//! folder (see [`store`]) saved atomically on every change with an
//! append-only audit trail. Everything here that touches the disk is meant to
//! be called from the TUI's effect runner, never from `update`; the pure
//! parts ([`work::apply`], [`edits::check`]) are plain functions of values.

pub mod audit;
pub mod claim;
pub mod edits;
pub mod export;
pub mod load;
pub mod record;
pub mod store;
pub mod training;
pub mod work;

pub use load::{LoadError, Loaded, Problem, Severity as ProblemSeverity, load, load_bytes, load_example};
pub use record::{EncounterType, Priority, Record, Sex, Source};
pub use store::{Store, StoreError, WorkLocation};
pub use work::{AttachedCode, CodeKind, Op, OpError, Poa, RecordWork, Status};

/// The example queue shipped in the binary (`examples/queue.jsonl`), so
/// `medcode` can show a queue with no files around. Every record is synthetic.
pub const EXAMPLE_JSONL: &str = include_str!("../examples/queue.jsonl");

/// The name the example queue goes by in messages and in the work folder.
pub const EXAMPLE_NAME: &str = "example-queue.jsonl";

/// A queue opened for work: its records (with the problems found) and the
/// coder's work on them.
#[derive(Debug)]
pub struct Opened {
    pub loaded: Loaded,
    pub store: Store,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Open a queue file or folder for work, or the shipped example queue when
/// `path` is `None`. (The effect the workbench runs at start-up.)
pub fn open(path: Option<&std::path::Path>) -> Result<Opened, OpenError> {
    Ok(match path {
        Some(p) => Opened { loaded: load(p)?, store: Store::open(p)? },
        None => Opened { loaded: load_example(), store: Store::open_example()? },
    })
}

/// Make untrusted text safe to print on a terminal: drops escape sequences
/// (CSI, OSC, DCS and the like, with their parameters) and every C0/C1
/// control character except newline and tab; a carriage return becomes
/// nothing (a lone `\r` could overwrite a line). Printable text is unchanged.
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => skip_escape(&mut chars, false),
            // C1 introducers that start a string or a sequence (8-bit forms).
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            c if c.is_control() => {}
            // Bidirectional overrides can make a note read differently than it is.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>, _nested: bool) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // Two-character sequences (ESC 7, ESC c, ESC ( B ...): drop the next
        // character, and for charset designations the one after.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
            chars.next();
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in `@`..=`~`.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
        // A malformed sequence ends at a non-ASCII or control character.
        if !c.is_ascii() || (c.is_ascii_control() && c != '\u{1b}') {
            break;
        }
    }
}

/// OSC/DCS/APC/PM/SOS: up to BEL or ST (`ESC \` or U+009C).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_escapes_and_controls() {
        assert_eq!(sanitize_for_terminal("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize_for_terminal("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(sanitize_for_terminal("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "xlink");
        assert_eq!(sanitize_for_terminal("bell\u{7} nul\u{0} del\u{7f} cr\r"), "bell nul del cr");
        assert_eq!(sanitize_for_terminal("c1\u{9b}2Jz \u{85}ok"), "c1z ok");
        assert_eq!(sanitize_for_terminal("line1\n\tline2 é 中"), "line1\n\tline2 é 中");
        assert_eq!(sanitize_for_terminal("\u{1b}(Bplain\u{1b}7"), "plain");
        assert_eq!(sanitize_for_terminal("abc\u{202e}def"), "abcdef");
        assert_eq!(sanitize_for_terminal("trailing\u{1b}"), "trailing");
    }
}
