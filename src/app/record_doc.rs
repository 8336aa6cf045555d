//! A record's documentation as the record view shows it: wrapped into rows
//! (so the view and `update` agree on which row a word is on), and the
//! matches of the find box.

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

/// One screen row: a byte range of the (sanitized) documentation.
pub type Row = Range<usize>;

/// Wrap at `width` columns, at spaces where possible; a word longer than a row is cut.
pub fn wrap(doc: &str, width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut base = 0;
    for line in doc.split('\n') {
        let mut start = 0;
        let mut used = 0;
        // Byte just after the last space of the row being filled.
        let mut after_space = None;
        for (i, c) in line.char_indices() {
            let w = if c == '\t' { 1 } else { c.width().unwrap_or(0) };
            if used + w > width && i > start {
                if c == ' ' {
                    // The space that overflows ends the row and is not shown.
                    rows.push(base + start..base + i);
                    start = i + 1;
                    used = 0;
                    after_space = None;
                    continue;
                }
                let cut = after_space.filter(|s| *s > start).unwrap_or(i);
                rows.push(base + start..base + cut);
                start = cut;
                used = line[start..i].chars().map(|c| c.width().unwrap_or(1)).sum();
                after_space = None;
            }
            used += w;
            if c == ' ' {
                after_space = Some(i + 1);
            }
        }
        rows.push(base + start..base + line.len());
        base += line.len() + 1;
    }
    rows
}

/// Where `needle` occurs in `doc`, ignoring ASCII case (byte ranges, in order, not overlapping).
pub fn find(doc: &str, needle: &str) -> Vec<Range<usize>> {
    let needle = needle.trim();
    if needle.is_empty() {
        return Vec::new();
    }
    let hay = doc.as_bytes();
    let pat = needle.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + pat.len() <= hay.len() {
        if hay[i..i + pat.len()].eq_ignore_ascii_case(pat) && doc.is_char_boundary(i) {
            out.push(i..i + pat.len());
            i += pat.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The row holding byte `at`.
pub fn row_of(rows: &[Row], at: usize) -> usize {
    rows.iter()
        .position(|r| at < r.end || (at == r.end && r.is_empty()))
        .unwrap_or(rows.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(doc: &'a str, rows: &[Row]) -> Vec<&'a str> {
        rows.iter().map(|r| &doc[r.clone()]).collect()
    }

    #[test]
    fn wraps_at_spaces_keeps_blank_lines_and_cuts_long_words() {
        let doc = "Chest pain since morning\n\nabcdefghijkl";
        let rows = wrap(doc, 10);
        assert_eq!(texts(doc, &rows), ["Chest pain", "since ", "morning", "", "abcdefghij", "kl"]);
    }

    #[test]
    fn find_ignores_case_and_maps_to_rows() {
        let doc = "Pain in chest.\nCHEST x-ray clear; chest wall tender";
        let m = find(doc, "chest");
        assert_eq!(m.len(), 3);
        let rows = wrap(doc, 12);
        assert_eq!(texts(doc, &rows[..3]), ["Pain in ", "chest.", "CHEST x-ray "]);
        assert_eq!(row_of(&rows, m[0].start), 1);
        assert_eq!(row_of(&rows, m[1].start), 2);
        assert!(row_of(&rows, m[2].start) > 2);
        assert!(find(doc, "  ").is_empty());
        assert!(find(doc, "absent").is_empty());
    }
}
