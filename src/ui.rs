//! Pure drawing: reads the [`App`], writes a frame. One function per pane in `ui/`.

pub mod books;
pub mod detail;
pub mod elide;
pub mod help;
pub mod pcs;
pub mod queue;
pub mod search;
pub mod status;
pub mod tree;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::app::{App, Pane};
use crate::codeset::CodeSet;

pub fn draw(app: &App, f: &mut Frame) {
    let a = crate::layout::screen(app.size);
    if a.main.height < 3 || a.main.width < 20 {
        f.render_widget(ratatui::widgets::Paragraph::new("medcode: terminal too small"), f.area());
        return;
    }
    header(app, f, a.header);
    if a.wide && app.record_open() {
        // The record with the search (or what the coder opened from it) and, when it fits, the detail.
        let r = a.with_record;
        pane(app, f, Pane::Queue, r.record);
        let side = if app.pane == Pane::Queue { app.side } else { app.pane };
        match r.detail {
            Some(d) => {
                pane(app, f, if side == Pane::Detail { Pane::Search } else { side }, r.search);
                detail::draw(app, f, d);
            }
            None => pane(app, f, side, r.search),
        }
    } else if a.wide {
        pane(app, f, app.left, a.main);
        detail::draw(app, f, a.detail);
    } else {
        pane(app, f, app.pane, a.main);
    }
    status::draw(app, f, a.status);
    if let Some(scroll) = app.help {
        let body = Rect { x: 0, y: a.main.y, width: app.size.0, height: a.main.height };
        help::draw(app, f, body, scroll);
    }
}

fn pane(app: &App, f: &mut Frame, pane: Pane, area: Rect) {
    match pane {
        Pane::Search => search::draw(app, f, area),
        Pane::Detail => detail::draw(app, f, area),
        Pane::Tree => tree::draw(app, f, area),
        Pane::Pcs => pcs::draw(app, f, area),
        Pane::Queue => queue::draw(app, f, area),
        Pane::Books => books::draw(app, f, area),
    }
}

/// A bordered block, highlighted when its pane has the focus.
/// A pane's frame; the focused one is marked `▶` before its title, so focus shows without colour.
pub fn block<'a>(app: &App, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let mut title = title.into();
    if focused {
        title.spans.insert(0, Span::styled("▶", app.theme.border_focused));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { app.theme.border_focused } else { app.theme.border })
        .title(title)
}

/// The edition in force for display, and whether it is out of date today.
pub fn edition_text(app: &App, room: usize) -> (String, bool) {
    let ed = &app.book.edition;
    let stale = CodeSet::ICD10.iter().any(|s| ed.effective(*s).is_some() && !ed.is_in_force(*s, app.today));
    let span = |s: CodeSet| ed.effective(s).map(|(a, b)| format!("{a}..{b}"));
    let warn = if stale { format!(" ⚠ not in force on {}", app.today) } else { String::new() };
    let (_, to) = ed.effective(CodeSet::Icd10cm).unwrap_or((app.today, app.today));
    let short_warn = if !stale {
        String::new()
    } else if app.today > to {
        format!(" ⚠ ended {to}")
    } else {
        " ⚠ not in force".to_string()
    };
    let candidates = [
        format!(
            "{}: ICD-10-CM {} · PCS {}{warn}",
            ed.name,
            span(CodeSet::Icd10cm).unwrap_or_default(),
            span(CodeSet::Icd10pcs).unwrap_or_default()
        ),
        format!("{} CM {}{warn}", ed.name, span(CodeSet::Icd10cm).unwrap_or_default()),
        format!("{}{short_warn}", ed.name),
        format!("{}{}", ed.name, if stale { " ⚠" } else { "" }),
        // However narrow, a stale edition is never silent.
        if stale { format!("⚠{}", short_warn.trim_start_matches(" ⚠")) } else { String::new() },
        if stale { "⚠".to_string() } else { String::new() },
    ];
    let text = candidates
        .iter()
        .find(|c| unicode_width::UnicodeWidthStr::width(c.as_str()) <= room)
        .cloned()
        .unwrap_or_default();
    (text, stale)
}

fn header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    for p in Pane::TABS.iter() {
        let active = *p == app.pane || (app.wide() && *p == app.left && app.pane == Pane::Detail);
        let label = format!(" {} ", short_title(*p, app.size.0));
        used += label.chars().count();
        spans.push(Span::styled(
            label,
            if *p == app.pane {
                t.tab_active
            } else if active {
                t.heading
            } else {
                t.dim
            },
        ));
    }
    let room = usize::from(area.width).saturating_sub(used + 1);
    let (ed, stale) = edition_text(app, room);
    let pad = room.saturating_sub(unicode_width::UnicodeWidthStr::width(ed.as_str()));
    spans.push(Span::raw(" ".repeat(pad + 1)));
    spans.push(Span::styled(ed, if stale { t.warn } else { t.dim }));
    f.render_widget(Line::from(spans), area);
}

fn short_title(p: Pane, width: u16) -> &'static str {
    if width >= 100 {
        return p.title();
    }
    // Under 60 columns the tabs give their room to the edition and its warning.
    if width < 60 {
        return match p {
            Pane::Search => "S",
            Pane::Detail => "D",
            Pane::Tree => "T",
            Pane::Pcs => "P",
            Pane::Queue => "Q",
            Pane::Books => "B",
        };
    }
    match p {
        Pane::Pcs => "PCS",
        other => other.title(),
    }
}

/// Cut `text` to `width` columns, with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

pub fn style_if(cond: bool, on: Style, off: Style) -> Style {
    if cond { on } else { off }
}

#[cfg(test)]
mod tests;
