//! The width text output is wrapped to, and the wrapping, written once for
//! every subcommand that prints prose (`show`, `table`, `index-lookup`).
//!
//! The width is `--width N`, else `COLUMNS` when it is set to a number, else
//! the terminal's width when stdout is a terminal, else 80. No line printed
//! is wider than it (in display columns): a line too long breaks at spaces
//! and goes on under its own text (under a `Label:     ` column or a `- `
//! bullet when it has one), a word too long for the width breaks anywhere.

use std::io::{IsTerminal, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The narrowest width honoured (a narrower one is taken as this).
pub const MIN_WIDTH: usize = 20;

/// The width to wrap to: `--width`, `COLUMNS`, the terminal, 80.
pub fn resolve(flag: Option<usize>) -> usize {
    let columns =
        std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| *c > 0);
    let terminal = || {
        std::io::stdout()
            .is_terminal()
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(w, _)| usize::from(w))
            .filter(|w| *w > 0)
    };
    flag.or(columns).or_else(terminal).unwrap_or(80).max(MIN_WIDTH)
}

/// Print `out` to stdout as JSON (never wrapped), or as the text `text`
/// writes, wrapped to the width ([`resolve`] of `flag`).
pub fn print<T: serde::Serialize>(
    json: bool,
    flag: Option<usize>,
    out: &T,
    text: impl FnOnce(&mut Wrapping<&mut std::io::StdoutLock<'static>>, usize) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        // As an io::Error, so that a closed pipe is not reported as a failure.
        serde_json::to_writer_pretty(&mut stdout, out).map_err(std::io::Error::from)?;
        writeln!(stdout)?;
    } else {
        let width = resolve(flag);
        let mut w = Wrapping::new(&mut stdout, Some(width));
        text(&mut w, width)?;
        w.flush()?;
    }
    Ok(())
}

/// Display columns of `s`.
pub fn columns(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Where the continuation lines of `line` start: under the text after its
/// indent, a `- ` bullet, or a `Label:   ` column (two spaces or more after a colon).
fn hang(line: &str, width: usize) -> usize {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    // Display columns after the indent where the text goes on.
    let extra = if let Some(bullet) = ["- ", "▶ ", "* "].iter().find(|b| rest.starts_with(**b)) {
        columns(bullet)
    } else if let Some(colon) = rest.find(":  ")
        && !rest[..colon].contains("  ")
    {
        let after = &rest[colon + 1..];
        columns(&rest[..colon + 1]) + (after.len() - after.trim_start_matches(' ').len())
    } else {
        2
    };
    let h = columns(&line[..indent]) + extra;
    // Keep room for text: never hang deeper than half the width.
    h.min(width / 2)
}

/// `line` broken into lines of at most `width` columns.
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let width = width.max(MIN_WIDTH);
    if columns(line) <= width {
        return vec![line.to_string()];
    }
    let pad = " ".repeat(hang(line, width));
    let mut out: Vec<String> = Vec::new();
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut cur = line[..indent].to_string();
    let mut cur_w = columns(&cur);
    let mut fresh = true; // nothing but the indent on the current line yet
    for word in line[indent..].split(' ') {
        let w = columns(word);
        let sep = usize::from(!fresh);
        if cur_w + sep + w <= width {
            if !fresh {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + w;
            fresh = false;
            continue;
        }
        if !fresh {
            out.push(std::mem::take(&mut cur));
            cur = pad.clone();
            cur_w = columns(&pad);
        }
        // A word longer than the room breaks anywhere.
        for c in word.chars() {
            let cw = UnicodeWidthChar::width(c).unwrap_or(0);
            if cur_w + cw > width && cur_w > columns(&pad) {
                out.push(std::mem::take(&mut cur));
                cur = pad.clone();
                cur_w = columns(&pad);
            }
            cur.push(c);
            cur_w += cw;
        }
        fresh = false;
    }
    if !fresh || out.is_empty() {
        out.push(cur.trim_end().to_string());
    }
    out
}

/// Every line of `text` wrapped to `width` (a final newline kept).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b.strip_suffix('\r').unwrap_or(b), "\n"),
            None => (line, ""),
        };
        let lines = wrap_line(body, width);
        let n = lines.len();
        for (i, l) in lines.into_iter().enumerate() {
            out.push_str(&l);
            if i + 1 < n {
                out.push('\n');
            }
        }
        out.push_str(nl);
    }
    out
}

/// A writer that wraps every line written through it to a width (`None`: passes text through, for JSON).
pub struct Wrapping<W: Write> {
    inner: W,
    width: Option<usize>,
    pending: Vec<u8>,
}

impl<W: Write> Wrapping<W> {
    pub fn new(inner: W, width: Option<usize>) -> Self {
        Wrapping { inner, width, pending: Vec::new() }
    }

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        match self.width {
            Some(w) => self.inner.write_all(wrap(&String::from_utf8_lossy(&chunk), w).as_bytes()),
            None => self.inner.write_all(&chunk),
        }
    }
}

impl<W: Write> Write for Wrapping<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|b| *b == b'\n') {
            self.emit(last + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.pending.len();
        self.emit(n)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Wrapping<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_under_their_own_text() {
        let line = "Status:    header, not billable: 12 billable codes below; code to one of them, always";
        let got = wrap(line, 40);
        assert!(got.lines().all(|l| columns(l) <= 40), "{got}");
        let lines: Vec<&str> = got.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines[1].starts_with("           ") && !lines[1].starts_with("            "), "{got}");
        let bullet = "    - Use additional code to identify stage of chronic kidney disease (N18.1-N18.6)";
        let got = wrap(bullet, 40);
        assert!(got.lines().skip(1).all(|l| l.starts_with("      ") && columns(l) <= 40), "{got}");
        // Words survive whole: the text read back is the text written.
        let words: Vec<&str> = got.split_whitespace().collect();
        assert_eq!(words, bullet.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn a_word_wider_than_the_width_breaks_and_wide_characters_count_twice() {
        let got = wrap(&"x".repeat(50), 20);
        assert_eq!(got.lines().map(columns).collect::<Vec<_>>(), [20, 20, 14]);
        let got = wrap(&"漢字 ".repeat(12), 20);
        assert!(got.lines().all(|l| columns(l) <= 20), "{got}");
        assert_eq!(wrap("short\n\nlines\n", 20), "short\n\nlines\n");
    }

    #[test]
    fn the_flag_wins_and_the_width_has_a_floor() {
        assert_eq!(resolve(Some(100)), 100);
        assert_eq!(resolve(Some(3)), MIN_WIDTH);
    }

    #[test]
    fn the_writer_wraps_whole_lines_however_they_arrive() {
        let mut buf = Vec::new();
        {
            let mut w = Wrapping::new(&mut buf, Some(20));
            write!(w, "one two three ").unwrap();
            writeln!(w, "four five six seven").unwrap();
            write!(w, "tail").unwrap();
        }
        assert_eq!(String::from_utf8(buf).unwrap(), "one two three four\n  five six seven\ntail");
    }
}
