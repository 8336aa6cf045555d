//! Text safety, written once: everything read from records, release files,
//! zip entry names and claim files is untrusted, and passes through here
//! before it reaches a terminal (the workbench, stdout or stderr).
//!
//! The sanitizer drops escape sequences (CSI, OSC, DCS, APC, PM, SOS, in
//! their 7-bit and 8-bit forms, with their parameters), every other C0/C1
//! control character except newline and tab, and the bidirectional controls
//! that make text read differently than it is stored.

use std::borrow::Cow;

/// Make untrusted text safe to print on a terminal: escape sequences and
/// control characters dropped (newline and tab kept; a carriage return is
/// dropped, as a lone `\r` could overwrite a line), bidi controls dropped.
/// Printable text is unchanged.
pub fn sanitize_for_terminal(text: &str) -> String {
    sanitize(text).into_owned()
}

/// [`sanitize_for_terminal`] without a copy when the text is already clean
/// (the common case: release files hold hundreds of thousands of titles).
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !needs_cleaning(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers that start a sequence or a string (8-bit forms).
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Sanitized and on one line: tabs and line breaks become spaces (a TSV
/// field, a label, a title in a list).
pub fn one_line(text: &str) -> Cow<'_, str> {
    match sanitize(text) {
        Cow::Borrowed(s) if !s.contains(['\n', '\t']) => Cow::Borrowed(s),
        s => Cow::Owned(s.replace(['\n', '\t'], " ")),
    }
}

/// Bidirectional formatting characters: embeddings and overrides
/// (U+202A..U+202E), isolates (U+2066..U+2069) and the marks (U+200E,
/// U+200F, U+061C). An override can make `ABC-1` display as `1-CBA`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Whether `text` holds anything [`sanitize`] would change. A byte scan: every
/// character it cares about is a control byte or starts with 0xC2 (C1),
/// 0xD8 (U+061C) or 0xE2 (U+20xx) in UTF-8.
fn needs_cleaning(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|&b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2) {
        return false;
    }
    text.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // Charset designations and the like (ESC ( B): two characters follow.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
            chars.next();
        }
        // Two-character sequences (ESC 7, ESC c).
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

/// An error chain as one line for a terminal: `outer: inner: cause`, each
/// cause once (an error whose message already ends with its source's is not
/// repeated), sanitized (errors quote file names and entry names).
pub fn error_message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    one_line(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_dropped() {
        assert_eq!(sanitize_for_terminal("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize_for_terminal("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(sanitize_for_terminal("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "xlink");
        assert_eq!(sanitize_for_terminal("bell\u{7} nul\u{0} del\u{7f} cr\r"), "bell nul del cr");
        assert_eq!(sanitize_for_terminal("c1\u{9b}2Jz \u{85}ok"), "c1z ok");
        assert_eq!(sanitize_for_terminal("line1\n\tline2 é 中"), "line1\n\tline2 é 中");
        assert_eq!(sanitize_for_terminal("\u{1b}(Bplain\u{1b}7"), "plain");
        assert_eq!(sanitize_for_terminal("trailing\u{1b}"), "trailing");
    }

    #[test]
    fn every_string_sequence_is_dropped_whole() {
        // OSC 52 (clipboard), DCS, SOS, PM, APC; 7-bit and 8-bit, ended by BEL or ST.
        for seq in [
            "\u{1b}]52;c;aGVsbG8=\u{7}",
            "\u{1b}P1$tx\u{1b}\\",
            "\u{1b}Xsos\u{1b}\\",
            "\u{1b}^pm\u{1b}\\",
            "\u{1b}_apc\u{1b}\\",
            "\u{9d}0;title\u{9c}",
            "\u{90}dcs\u{9c}",
            "\u{98}sos\u{9c}",
            "\u{9e}pm\u{9c}",
            "\u{9f}apc\u{9c}",
            "\u{9b}?1049h",
        ] {
            assert_eq!(sanitize_for_terminal(&format!("a{seq}b")), "ab", "{seq:?}");
        }
    }

    #[test]
    fn bidi_controls_are_dropped() {
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}']
            .into_iter()
            .chain(['\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}'])
        {
            assert_eq!(sanitize_for_terminal(&format!("abc{c}def")), "abcdef", "{c:?}");
            assert!(is_bidi_control(c));
        }
        // Right-to-left text itself is kept.
        assert_eq!(sanitize_for_terminal("مرحبا עברית"), "مرحبا עברית");
    }

    #[test]
    fn clean_text_is_borrowed_and_one_line_joins_lines() {
        assert!(matches!(sanitize("Type 2 diabetes mellitus, é – ≥"), Cow::Borrowed(_)));
        assert_eq!(one_line("a\tb\nc\u{1b}[2Jd"), "a b cd");
        assert!(matches!(one_line("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_error_chain_names_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("{path}: {source}")]
        struct Embeds {
            path: String,
            source: std::io::Error,
        }
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err =
            anyhow::Error::new(Embeds { path: "/q/\u{1b}]0;x\u{7}w".into(), source: io }).context("saving");
        assert_eq!(error_message(&err), "saving: /q/w: No such file");
    }
}
