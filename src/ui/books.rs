//! The books pane: a table as a grid (term rows, heading columns) or an index
//! as indented terms, the type-ahead line, and under them the selected line's
//! whole path and what its code is in the tabular (or the codes offered for a header).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::app::books::{Book, short_heading};
use crate::app::{App, Pane};
use crate::codeset::books::Entry;
use crate::codeset::icd10cm::books::{CodeStatus, check_code};

/// A table cell: a space (`!` for a code the tabular lacks) and the code (7 columns for `T39.1X1`, `C50.91-`).
const CELL: u16 = 8;
/// The selection mark before each line (`▶`).
const MARK: usize = 1;
/// The term column keeps at least this width beside the cells (the foot shows the whole path).
const MIN_TERM: u16 = 16;

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let b = &app.books;
    let focused = app.focused() == Some(Pane::Books);
    let title = format!(" {} · {} ", b.book.title(), app.books_edition_label());
    f.render_widget(super::block(app, title, focused), area);
    let a = crate::layout::books(
        area,
        b.offers.as_ref().map_or(0, |o| o.items.len() + usize::from(o.total > o.items.len())),
    );
    let w = usize::from(a.inner.width);

    // The type-ahead line, and the books this edition has (the one shown in brackets).
    let mut books = String::new();
    for bk in Book::ALL.into_iter().filter(|bk| bk.available(&app.book)) {
        let name = bk.name().split(' ').next().unwrap_or_default();
        books.push_str(&if bk == b.book { format!("[{name}]") } else { format!(" {name} ") });
    }
    let find = format!("find {}▏", b.query);
    let room = w.saturating_sub(find.width() + 1);
    let books = if books.width() <= room {
        books
    } else {
        super::fit(&format!("[{}] C-s next", b.book.name()), room)
    };
    let pad = w.saturating_sub(find.width() + books.width());
    f.render_widget(
        Line::from(vec![
            Span::styled("find ", t.heading),
            Span::raw(b.query.clone()),
            Span::raw("▏"),
            Span::raw(" ".repeat(pad)),
            Span::styled(books, t.dim),
        ]),
        a.find,
    );
    if b.rows.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(format!("This edition has no {}.", b.book.title()), t.dim)),
            a.rows,
        );
        return;
    }
    let grid = b.book.grid();
    let cols = if grid {
        crate::layout::grid_columns(a.inner.width, MIN_TERM, CELL, b.columns(), b.col)
    } else {
        0..0
    };
    let term_w = w.saturating_sub(cols.len() * usize::from(CELL));

    // Headings (tables) or how to read the lines (indexes).
    if grid {
        let first = b.headings.first().cloned().unwrap_or_default();
        let more_left = if cols.start > 0 { "◂" } else { "" };
        let mut spans = vec![Span::styled(
            format!("{:<term_w$}", super::fit(&format!("{first} {more_left}"), term_w)),
            t.heading,
        )];
        for c in cols.clone() {
            let h = format!(" {:<7}", short_heading(&b.heading(c)));
            spans.push(Span::styled(h, if c == b.col { t.selected } else { t.heading }));
        }
        if cols.end < b.columns() {
            spans.push(Span::styled("▸", t.heading));
        }
        f.render_widget(Line::from(spans), a.head);
    } else {
        let hint = "- per level · (nonessential) · > see · < back";
        f.render_widget(Line::styled(super::fit(hint, w), t.dim), a.head);
    }

    // The lines of the book round the selected one.
    let height = usize::from(a.rows.height);
    let offset = b.sel.saturating_sub(height / 3).min(b.rows.len().saturating_sub(height));
    let mut lines = Vec::new();
    for (i, line) in b.rows.iter().enumerate().skip(offset).take(height) {
        let Some(r) = b.entry(i) else { continue };
        let sel = i == b.sel;
        // The selection is also a mark, for terminals without colour (NO_COLOR).
        let mark = Span::styled(if sel { "▶" } else { " " }, if sel { t.selected } else { t.dim });
        let level = line.level();
        let indent = if level == 0 { String::new() } else { format!("{} ", "-".repeat(level)) };
        let style = |on| if on { t.selected } else { t.text };
        if grid {
            let room = term_w.saturating_sub(indent.width() + MARK);
            let text = super::elide::elide(&r.display(), room, &[]);
            let text = super::fit(&text, room);
            let mut spans = vec![
                mark,
                Span::styled(indent.clone(), if sel { t.selected } else { t.dim }),
                Span::styled(format!("{text:<room$}"), style(sel)),
            ];
            for c in cols.clone() {
                let on = sel && c == b.col;
                let (text, st, bad) = match r.cells().get(c).cloned().flatten() {
                    None => ("--".to_string(), if on { t.selected } else { t.dim }, false),
                    Some(code) => {
                        let bad = check_code(&app.book.cm, &code).status == CodeStatus::Invalid;
                        (
                            code,
                            if on {
                                t.selected
                            } else if bad {
                                t.warn
                            } else {
                                t.code
                            },
                            bad,
                        )
                    }
                };
                spans.push(Span::styled(if bad { "!" } else { " " }, t.warn));
                spans.push(Span::styled(format!("{text:<7}"), st));
            }
            lines.push(Line::from(spans));
        } else {
            let faulty = r.reference().is_some() && b.reference_fault(i).is_some();
            let mut l = index_line(app, r, &indent, sel, faulty, w.saturating_sub(MARK));
            l.spans.insert(0, mark);
            lines.push(l);
        }
    }
    f.render_widget(Paragraph::new(lines), a.rows);
    foot(app, f, a.foot);
}

/// An index line: indent, title, (nonessential modifiers), code, reference
/// (`!` after a code the tabular lacks and after a dangling or cyclic reference).
fn index_line<'a>(app: &App, r: Entry<'_>, indent: &str, sel: bool, faulty: bool, w: usize) -> Line<'a> {
    let t = &app.theme;
    let mut tail = String::new();
    if !r.codes().is_empty() {
        tail.push_str(&format!(" {}", r.codes().join(", ")));
    }
    let bad = if app.books.book == Book::Pcs {
        r.codes().iter().any(|c| !app.book.pcs.is_prefix(&crate::codeset::normalize(c)))
    } else {
        r.codes().first().is_some_and(|c| check_code(&app.book.cm, c).status == CodeStatus::Invalid)
    };
    if bad {
        tail.push('!');
    }
    // A PCS line that is only a reference (`Appendectomy` > `see Excision, Appendix 0DBJ`) reads as one.
    let flag = if faulty { "!" } else { "" };
    let (own, reference) = match r.reference() {
        Some((word, text)) if r.title().is_empty() => (format!("{word} {text}{flag}"), String::new()),
        Some((word, text)) => (r.title().to_string(), format!(" — {word} {text}{flag}")),
        None => (r.title().to_string(), String::new()),
    };
    let head_w = indent.width();
    let title_room = w.saturating_sub(head_w + tail.width() + reference.width().min(w / 2));
    let title = super::elide::elide(&own, title_room, &[]);
    let nemod = r.nemod().map(|n| format!(" {n}")).unwrap_or_default();
    let nemod = super::fit(&nemod, title_room.saturating_sub(title.width()));
    let reference =
        super::fit(&reference, w.saturating_sub(head_w + title.width() + nemod.width() + tail.width()));
    let used = head_w + title.width() + nemod.width() + tail.width() + reference.width();
    let on = |s| if sel { t.selected } else { s };
    Line::from(vec![
        Span::styled(indent.to_string(), on(t.dim)),
        Span::styled(title, on(t.text)),
        Span::styled(nemod, on(t.dim)),
        Span::styled(tail, on(if bad { t.warn } else { t.code })),
        Span::styled(reference, on(t.heading)),
        Span::styled(" ".repeat(w.saturating_sub(used)), on(t.text)),
    ])
}

/// Under the terms: the offered codes, or the whole path and what its code is.
fn foot(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let b = &app.books;
    let w = usize::from(area.width);
    if area.height == 0 {
        return;
    }
    if let Some(o) = &b.offers {
        let mut lines = vec![Line::styled(
            super::fit(&format!("{}: {} · Enter opens, C-e attaches, Esc closes", o.code, o.reason), w),
            t.heading,
        )];
        for (i, item) in o.items.iter().enumerate() {
            let on = i == o.sel;
            let text = format!(" {:<9}{}", item.code, item.title);
            let text = super::fit(&text, w);
            lines.push(Line::styled(format!("{text:<w$}"), if on { t.selected } else { t.text }));
        }
        if o.total > o.items.len() {
            lines.push(Line::styled(format!(" … {} more under {}", o.total - o.items.len(), o.code), t.dim));
        }
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let path = b.path_text(b.sel);
    let path_area = Rect { height: area.height.saturating_sub(1), ..area };
    f.render_widget(Paragraph::new(Line::styled(path, t.text)).wrap(Wrap { trim: true }), path_area);
    let Some(row) = b.row() else { return };
    let what = if b.book.grid() {
        let heading = b.heading(b.col);
        match b.code() {
            None => format!("{heading}: -- not applicable"),
            Some(code) => format!("{heading}: {code} · {}", check_code(&app.book.cm, code).verdict()),
        }
    } else if let (Some((w, r)), Some(fault)) = (row.reference(), b.reference_fault(b.sel)) {
        format!("{w} {r} · {fault}")
    } else if b.book == Book::Pcs {
        match (row.codes().first(), row.reference()) {
            (Some(c), _) => format!("{c}: Enter opens the builder at this table"),
            (None, Some((w, r))) => format!("{w} {r} · > follows"),
            (None, None) => "subterms below".to_string(),
        }
    } else {
        match (b.code(), row.reference()) {
            (Some(c), _) => format!("{c} · {}", check_code(&app.book.cm, c).verdict()),
            (None, Some((w, r))) => format!("{w} {r} · > follows, < back"),
            (None, None) => "subterms below".to_string(),
        }
    };
    let line = Rect { y: area.bottom() - 1, height: 1, ..area };
    f.render_widget(Line::styled(super::fit(&what, w), t.dim), line);
}
