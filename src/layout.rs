//! Screen geometry: where every pane and its parts go for a terminal size.
//! `ui` draws into these rectangles and `app` pages and scrolls by them, so
//! a border or a line added in one place moves both (no height is written
//! twice).

use ratatui::layout::Rect;

/// From this width the detail sits beside the other panes.
pub const WIDE: u16 = 120;

/// Where each part goes for the terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// The focused pane (narrow) or the pane beside the detail (wide).
    pub main: Rect,
    pub detail: Rect,
    pub status: Rect,
    pub wide: bool,
    /// With a record open: the record view, the search and the detail.
    pub with_record: WithRecord,
}

/// Where the panes go while a record is open. Narrow: each fills the body.
/// Wide and tall (120x40): the record across the top, the search (at least
/// as wide as at 80 columns) and the detail side by side under it. Wide but
/// short: the record beside the search, no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithRecord {
    pub record: Rect,
    pub search: Rect,
    /// `None` when the detail does not fit beside the search.
    pub detail: Option<Rect>,
}

/// From this height a wide screen stacks the record over the search and detail.
pub const TALL: u16 = 36;

/// The screen for a terminal of `size` (columns, rows).
pub fn screen(size: (u16, u16)) -> Areas {
    let (w, h) = size;
    let header = Rect::new(0, 0, w, 1.min(h));
    let status = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let body = Rect::new(0, 1.min(h), w, h.saturating_sub(2));
    if w >= WIDE {
        let left = (w * 11 / 20).max(60);
        let main = Rect::new(0, body.y, left, body.height);
        let detail = Rect::new(left, body.y, w - left, body.height);
        let with_record = if h >= TALL {
            let top = body.height / 2;
            let search_w = (w * 2 / 3).max(80);
            let y = body.y + top;
            WithRecord {
                record: Rect { height: top, ..body },
                search: Rect::new(0, y, search_w, body.height - top),
                detail: Some(Rect::new(search_w, y, w - search_w, body.height - top)),
            }
        } else {
            WithRecord { record: main, search: detail, detail: None }
        };
        Areas { header, main, detail, status, wide: true, with_record }
    } else {
        let with_record = WithRecord { record: body, search: body, detail: None };
        Areas { header, main: body, detail: body, status, wide: false, with_record }
    }
}

impl Areas {
    /// Where the search pane goes (`record_open`: a record is open).
    pub fn search(&self, record_open: bool) -> Rect {
        if record_open { self.with_record.search } else { self.main }
    }

    /// Where the detail pane goes.
    pub fn detail(&self, record_open: bool) -> Rect {
        if record_open { self.with_record.detail.unwrap_or(self.detail) } else { self.detail }
    }
}

/// Inside a pane's border (every pane has one, one cell wide).
pub fn inner(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// The search pane: the query line, the filters line, the results and,
/// under them, the selected result's whole title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchAreas {
    pub inner: Rect,
    pub query: Rect,
    pub filters: Rect,
    pub results: Rect,
    /// The selected result's title, wrapped (empty when the pane is too short).
    pub title: Rect,
}

/// Line `k` of `inner` (empty past its end).
fn line_of(inner: Rect, k: u16) -> Rect {
    Rect { y: inner.y + k.min(inner.height), height: 1.min(inner.height.saturating_sub(k)), ..inner }
}

/// Lines under the results for the selected title: a rule, then the title wrapped on two.
pub const TITLE_LINES: u16 = 3;

pub fn search(area: Rect) -> SearchAreas {
    let inner = inner(area);
    let line = |k: u16| line_of(inner, k);
    let list = inner.height.saturating_sub(2);
    // Only when the list keeps a useful height.
    let title_h = if list >= TITLE_LINES + 4 { TITLE_LINES } else { 0 };
    let results = Rect { y: inner.y + 2.min(inner.height), height: list - title_h, ..inner };
    SearchAreas {
        inner,
        query: line(0),
        filters: line(1),
        results,
        title: Rect { y: results.bottom(), height: title_h, ..inner },
    }
}

/// The queue list: two lines of counts and filters, then a row per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueAreas {
    pub inner: Rect,
    pub counts: Rect,
    pub rows: Rect,
}

pub fn queue_list(area: Rect) -> QueueAreas {
    let inner = inner(area);
    QueueAreas {
        inner,
        counts: Rect { height: 2.min(inner.height), ..inner },
        rows: Rect { y: inner.y + 2.min(inner.height), height: inner.height.saturating_sub(2), ..inner },
    }
}

/// Lines for edits under a record's codes (the last says how many more there are).
pub const EDIT_LINES: usize = 4;

/// Lines the edits take under the codes: up to [`EDIT_LINES`], plus the first one's rule line.
pub fn edit_lines(edits: usize) -> usize {
    edits.min(EDIT_LINES) + usize::from(edits > 0)
}

/// What the record view must make room for below the documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordShape {
    pub codes: usize,
    /// The codes assigned upstream, on a line of their own.
    pub upstream: bool,
    /// Lines the edits take (see `ui::queue`).
    pub edit_lines: usize,
    /// The coder's hold/query/comment line.
    pub summary: bool,
    /// A prompt or find line at the bottom.
    pub bottom: bool,
}

/// Where the parts of the record view go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordAreas {
    pub inner: Rect,
    /// The patient line at the top.
    pub head: Rect,
    /// The documentation text (its bottom rule is below it).
    pub text: Rect,
    pub codes: Rect,
    /// The prompt or find line, when there is one.
    pub bottom: Option<Rect>,
}

pub fn record(area: Rect, shape: RecordShape) -> RecordAreas {
    let inner = inner(area);
    let codes_h = (shape.codes.max(1)
        + 1
        + usize::from(shape.upstream)
        + shape.edit_lines
        + usize::from(shape.summary)) as u16;
    let bottom_h = u16::from(shape.bottom);
    let doc_h = inner.height.saturating_sub(1 + codes_h + bottom_h).max(3);
    let doc = Rect { y: inner.y + 1, height: doc_h, ..inner };
    let codes =
        Rect { y: doc.bottom(), height: codes_h.min(inner.bottom().saturating_sub(doc.bottom())), ..inner };
    RecordAreas {
        inner,
        head: Rect { height: 1.min(inner.height), ..inner },
        text: Rect { height: doc_h.saturating_sub(1), ..doc },
        codes,
        bottom: (bottom_h > 0).then(|| Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner }),
    }
}

/// The books pane: the find line, the column headings (tables) or the book
/// line (indexes), the terms, and under them the selected line's whole path and
/// what its code is, or the codes offered for a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookAreas {
    pub inner: Rect,
    pub find: Rect,
    pub head: Rect,
    pub rows: Rect,
    pub foot: Rect,
}

/// Lines under the terms: the path on two, the code on one (more for offered codes).
pub const BOOK_FOOT: u16 = 3;

/// `offers`: codes offered for a header (each a line, plus one saying why).
pub fn books(area: Rect, offers: usize) -> BookAreas {
    let inner = inner(area);
    let line = |k: u16| line_of(inner, k);
    let list = inner.height.saturating_sub(2);
    let want = if offers > 0 { (offers as u16 + 2).max(BOOK_FOOT) } else { BOOK_FOOT };
    // The terms keep at least 4 lines.
    let foot_h = want.min(list.saturating_sub(4));
    let rows = Rect { y: inner.y + 2.min(inner.height), height: list - foot_h, ..inner };
    BookAreas {
        inner,
        find: line(0),
        head: line(1),
        rows,
        foot: Rect { y: rows.bottom(), height: foot_h, ..inner },
    }
}

/// The columns of a table that fit beside a term column of at least `min_term`
/// (each `cell` wide), as a window over `total` columns that holds `cursor`.
pub fn grid_columns(
    width: u16,
    min_term: u16,
    cell: u16,
    total: usize,
    cursor: usize,
) -> std::ops::Range<usize> {
    let fit = usize::from(width.saturating_sub(min_term) / cell.max(1)).clamp(1, total.max(1));
    let start = cursor.saturating_sub(fit - 1).min(total.saturating_sub(fit));
    start..(start + fit).min(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_tile_the_screen() {
        let a = screen((80, 24));
        assert!(!a.wide);
        assert_eq!((a.header.height, a.main.height, a.status.y), (1, 22, 23));
        let s = search(a.main);
        assert_eq!((s.query.y, s.filters.y, s.results.y, s.results.height), (2, 3, 4, 15));
        assert_eq!((s.title.y, s.title.bottom()), (19, 22));
        assert_eq!(queue_list(a.main).rows.height, 18);
        let w = screen((120, 40));
        assert!(w.wide && w.main.right() == w.detail.x && w.detail.right() == 120);
        // With a record open at 120x40 the search is as wide as at 80 columns, the detail beside it.
        let r = w.with_record;
        assert_eq!((r.record.width, r.search.width, r.search.y), (120, 80, r.record.bottom()));
        assert_eq!(r.detail.map(|d| (d.x, d.right())), Some((80, 120)));
        assert!(screen((120, 30)).with_record.detail.is_none());
        let r = record(
            a.main,
            RecordShape { codes: 2, upstream: false, edit_lines: 3, summary: true, bottom: true },
        );
        assert_eq!(r.head.y, 2);
        assert_eq!(r.text.y, 3);
        assert_eq!(r.codes.bottom() + 1, r.bottom.expect("prompt").bottom());
        assert_eq!(r.codes.height, 2 + 1 + 3 + 1);
    }

    #[test]
    fn a_table_shows_every_column_at_80_and_a_window_round_the_cursor_when_narrower() {
        let b = books(screen((80, 24)).main, 0);
        assert_eq!((b.find.y, b.head.y, b.rows.y, b.rows.height, b.foot.height), (2, 3, 4, 15, 3));
        assert_eq!(grid_columns(b.inner.width, 16, 8, 6, 0), 0..6);
        assert_eq!(grid_columns(64, 16, 8, 6, 0), 0..6);
        assert_eq!(grid_columns(50, 16, 8, 6, 0), 0..4);
        assert_eq!(grid_columns(50, 16, 8, 6, 5), 2..6);
        assert_eq!(books(screen((80, 24)).main, 3).foot.height, 5);
    }

    #[test]
    fn a_tiny_terminal_gives_empty_parts_not_a_panic() {
        for size in [(0, 0), (1, 1), (10, 3), (20, 4)] {
            let a = screen(size);
            let _ = (
                search(a.main),
                queue_list(a.main),
                record(a.main, RecordShape::default()),
                books(a.main, 3),
            );
        }
    }
}
