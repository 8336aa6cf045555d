//! Fitting a long title into a narrow row without losing what tells it
//! apart: code titles share their start with their neighbours
//! (`Displaced fracture of base of neck of right femur, initial encounter
//! for ...`) and differ at the end (`closed fracture` / `open fracture type
//! I or II`), so the middle goes, never the end.

use unicode_width::UnicodeWidthChar;

/// `title` in `width` columns: whole when it fits, else its first words, ` … `
/// and as much of its end as fits, the end always holding the part that
/// differs from the most similar of `neighbours` (when that part alone is too
/// wide, its start is shown after `…`).
pub fn elide(title: &str, width: usize, neighbours: &[&str]) -> String {
    let chars: Vec<(char, usize)> = title.chars().map(|c| (c, c.width().unwrap_or(0))).collect();
    let total: usize = chars.iter().map(|c| c.1).sum();
    if total <= width {
        return title.to_string();
    }
    // Where this title stops agreeing with its most similar neighbour, at a word start.
    let common = neighbours
        .iter()
        .map(|n| title.chars().zip(n.chars()).take_while(|(a, b)| a == b).count())
        .max()
        .unwrap_or(0);
    let differs = chars[..common.min(chars.len())].iter().rposition(|c| c.0 == ' ').map_or(0, |i| i + 1);
    let cols = |r: std::ops::Range<usize>| chars[r].iter().map(|c| c.1).sum::<usize>();
    const GAP: &str = " … ";
    // No neighbour shares its start: nothing in particular must stay, only the start and the end.
    let (distinct, keep_from) =
        if differs == 0 { (0, chars.len()) } else { (cols(differs..chars.len()), differs) };
    if distinct + 1 > width {
        let rest: String = chars[differs..].iter().map(|c| c.0).collect();
        return super::fit(&format!("…{rest}"), width);
    }
    let head_room = (width / 3).min(width.saturating_sub(distinct + GAP.len()));
    let mut head = 0;
    let mut used = 0;
    while head < chars.len() && used + chars[head].1 <= head_room {
        used += chars[head].1;
        head += 1;
    }
    // Cut the head at a word end when it has one.
    if let Some(space) = chars[..head].iter().rposition(|c| c.0 == ' ')
        && space > 0
        && head < chars.len()
        && chars[head].0 != ' '
    {
        head = space;
    }
    let head_text: String = chars[..head].iter().map(|c| c.0).collect::<String>().trim_end().to_string();
    let gap = if head_text.is_empty() { "…" } else { GAP };
    let room =
        width.saturating_sub(unicode_width::UnicodeWidthStr::width(head_text.as_str()) + gap.chars().count());
    // The longest end that fits, starting at a word when it can.
    let mut start = chars.len();
    let mut tail = 0;
    while start > head && tail + chars[start - 1].1 <= room {
        start -= 1;
        tail += chars[start].1;
    }
    if start > 0
        && chars[start - 1].0 != ' '
        && let Some(k) = chars[start..keep_from.max(start)].iter().position(|c| c.0 == ' ')
    {
        start += k + 1;
    }
    let tail_text: String = chars[start..].iter().map(|c| c.0).collect();
    format!("{head_text}{gap}{tail_text}")
}

#[cfg(test)]
mod tests {
    use super::elide;
    use unicode_width::UnicodeWidthStr;

    const A: &str =
        "Displaced fracture of base of neck of right femur, initial encounter for closed fracture";
    const B: &str =
        "Displaced fracture of base of neck of right femur, initial encounter for open fracture type I or II";
    const C: &str = "Displaced fracture of base of neck of right femur, initial encounter for open fracture type IIIA, IIIB, or IIIC";

    #[test]
    fn a_title_that_fits_is_left_whole() {
        assert_eq!(elide("Essential (primary) hypertension", 40, &[]), "Essential (primary) hypertension");
    }

    #[test]
    fn neighbours_keep_their_distinguishing_ends() {
        let rows = [elide(A, 48, &[B]), elide(B, 48, &[A, C]), elide(C, 48, &[B])];
        for r in &rows {
            assert!(r.width() <= 48, "{r}");
            assert!(r.starts_with("Displaced"), "{r}");
            assert!(r.contains(" … "), "{r}");
        }
        assert!(rows[0].ends_with("closed fracture"), "{}", rows[0]);
        assert!(rows[1].ends_with("open fracture type I or II"), "{}", rows[1]);
        assert!(rows[2].ends_with("type IIIA, IIIB, or IIIC"), "{}", rows[2]);
        assert!(rows[0] != rows[1] && rows[1] != rows[2]);
    }

    #[test]
    fn cemented_and_uncemented_stay_visible() {
        let cem = "Replacement of Right Hip Joint with Metal on Polyethylene Synthetic Substitute, Cemented, Open Approach";
        let unc = "Replacement of Right Hip Joint with Metal on Polyethylene Synthetic Substitute, Uncemented, Open Approach";
        let (a, b) = (elide(cem, 50, &[unc]), elide(unc, 50, &[cem]));
        assert!(a.ends_with("Cemented, Open Approach") && !a.contains("Uncemented"), "{a}");
        assert!(b.ends_with("Uncemented, Open Approach"), "{b}");
    }

    #[test]
    fn a_difference_wider_than_the_row_shows_its_start() {
        let r = elide(C, 20, &[B]);
        assert_eq!(r.width(), 20, "{r}");
        assert!(r.starts_with("…IIIA"), "{r}");
    }

    #[test]
    fn alone_a_title_keeps_its_start_and_end() {
        let r = elide(A, 40, &[]);
        assert!(r.width() <= 40 && r.starts_with("Displaced") && r.ends_with("closed fracture"), "{r}");
    }
}
