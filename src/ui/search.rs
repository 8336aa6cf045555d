//! The search pane: the query box, the filters (visible, one key away) and the results.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::Action;
use crate::app::{App, Pane};
use crate::codeset::CodeSet;
use crate::keymap::Layer;

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focused() == Some(Pane::Search);
    // With a record open, say which edition answers and where attached codes go.
    let title = match app.queue.as_ref().and_then(|q| q.open.as_deref()) {
        Some(id) => format!(
            " Search {} · attaching to {} ",
            super::fit(&crate::queue::sanitize_for_terminal(&app.book.edition.name), 20),
            super::fit(&crate::queue::sanitize_for_terminal(id), 20)
        ),
        None => " Search ".to_string(),
    };
    f.render_widget(super::block(app, title, focused), area);
    let parts = crate::layout::search(area);
    let inner = parts.inner;
    if inner.height < 3 {
        return;
    }
    let s = &app.search;
    let w = usize::from(inner.width);

    // Query line.
    let prompt = "> ";
    let room = w.saturating_sub(prompt.len() + 1);
    let q: String = {
        // Keep the end of a long query in view.
        let chars: Vec<char> = s.query.chars().collect();
        chars[chars.len().saturating_sub(room)..].iter().collect()
    };
    // A selected query (entered from another pane) shows that typing replaces it.
    let qstyle = if focused && s.selected { t.selected } else { t.text };
    let qline = Line::from(vec![Span::styled(prompt, t.heading), Span::styled(q.clone(), qstyle)]);
    f.render_widget(qline, parts.query);
    if focused && s.typing {
        let x = inner.x + (prompt.len() + unicode_width::UnicodeWidthStr::width(q.as_str())) as u16;
        f.set_cursor_position(Position::new(x.min(inner.right().saturating_sub(1)), inner.y));
    }

    // Filters: shown with the key that changes them in the focused layer.
    let layer = if s.typing { Layer::Input } else { Layer::Results };
    let key = |a: Action| app.keymap.key_for(layer, a).unwrap_or_default();
    let set = match s.set {
        None => "all".to_string(),
        Some(CodeSet::Icd10cm) => "ICD-10-CM".to_string(),
        Some(CodeSet::Icd10pcs) => "ICD-10-PCS".to_string(),
        // HCPCS changes every quarter: say which one answers.
        Some(CodeSet::Hcpcs) => match app
            .book
            .edition
            .component(crate::codeset::FileKind::Hcpcs)
            .and_then(|c| crate::codeset::hcpcs::quarter_of_version(&c.version))
        {
            Some((y, q)) => format!("HCPCS Q{q} {y}"),
            None => "HCPCS".to_string(),
        },
        Some(CodeSet::Cpt) => "CPT".to_string(),
    };
    let mut filters = Line::from(vec![
        Span::styled(key(Action::CycleSet), t.key),
        Span::styled(" set:", t.dim),
        Span::styled(set, if s.set.is_some() { t.highlight } else { t.text }),
        Span::raw("  "),
        Span::styled(key(Action::ToggleBillable), t.key),
        Span::styled(" billable only:", t.dim),
        Span::styled(
            if s.billable_only { "on" } else { "off" },
            if s.billable_only { t.highlight } else { t.text },
        ),
    ]);
    // The way back to the record the codes go to.
    if app.record_open() {
        filters.push_span(Span::raw("  "));
        filters.push_span(Span::styled(key(Action::ShowQueue), t.key));
        filters.push_span(Span::styled(" record", t.dim));
    }
    // The marker legend only when it fits.
    if filters.width() + 22 <= w {
        filters.push_span(Span::styled("   ● billable ▸ header", t.dim));
    }
    f.render_widget(Paragraph::new(filters), parts.filters);

    let list = parts.results;
    let mut lines: Vec<Line> = Vec::new();
    let empty_query = s.query.trim().is_empty();
    if let Some(err) = &s.error {
        lines.push(Line::styled(super::fit(&format!("search failed: {err}"), w), t.warn));
    } else if s.hits.is_empty() {
        let msg = if empty_query {
            "No recent or favourite codes yet: type words, abbreviations or a code."
        } else {
            "No codes match."
        };
        lines.push(Line::styled(super::fit(msg, w), t.dim));
    } else {
        let height = usize::from(list.height);
        let offset = s.sel.saturating_sub(height.saturating_sub(1));
        // The set column is as wide as its widest label (`HCPCS` whole, not cut to `HCP`).
        // CPT says its licence year (`CPT 2026`), wherever a CPT code is shown.
        let label =
            |set: CodeSet| if set == CodeSet::Cpt { app.book.cpt_label() } else { set.short().to_string() };
        let label_w = s.hits.iter().map(|h| label(h.set).len()).max().unwrap_or(3).max(3);
        for (i, h) in s.hits.iter().enumerate().skip(offset).take(height) {
            let fav = if app.recents.is_favourite(h.set, &h.code) { "★" } else { " " };
            let marker = if h.billable { "●" } else { "▸" };
            let setw = label_w + 1;
            let title_w = w.saturating_sub(1 + 9 + 2 + setw);
            let selected = i == s.sel;
            let base = if selected { t.selected } else { t.text };
            // A code new in the edition in use, or not in it, says so in words.
            let (tag, tag_style) = match app.mark(h.set, &h.code) {
                Some(m @ crate::app::edition::Mark::New) => (format!("{} ", m.tag()), t.highlight),
                Some(m) => (format!("{} ", m.tag()), t.warn),
                // A code that cannot apply to the open record's patient says which rule, in words.
                None => match app.cannot_apply(h) {
                    Some(u) => (format!("{} ", u.tag), t.warn),
                    None => (String::new(), t.text),
                },
            };
            let tag = super::fit(&tag, title_w);
            let title_w = title_w.saturating_sub(unicode_width::UnicodeWidthStr::width(tag.as_str()));
            lines.push(Line::from(vec![
                // Only the star is marked: under NO_COLOR a marked blank would look selected.
                Span::styled(fav, if fav == "★" { base.patch(t.highlight) } else { base }),
                Span::styled(format!("{:<8} ", h.code), if selected { t.selected } else { t.code }),
                Span::styled(format!("{marker} "), if selected { t.selected } else { t.dim }),
                Span::styled(tag, base.patch(tag_style)),
                Span::styled(format!("{:<title_w$}", row_title(&s.hits, i, title_w)), base),
                Span::styled(
                    format!(" {:>label_w$}", label(h.set)),
                    if selected { t.selected } else { t.dim },
                ),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines), list);
    if let Some(h) = s.hits.get(s.sel).filter(|_| parts.title.height > 0) {
        // The whole title of the selected result, where the rows may have elided it.
        let text = Line::from(vec![
            Span::styled(format!("{} ", h.code), t.code),
            Span::styled(crate::queue::sanitize_for_terminal(&h.title), t.text),
        ]);
        // A code found through a book row says where, on the rule above its title.
        let said = app.cannot_apply(h).map(|u| format!("not for this patient: {}", u.reason));
        let rule = match said.as_ref().or(h.via.as_ref()) {
            Some(via) => {
                let via = super::fit(&format!("─ {} ", crate::queue::sanitize_for_terminal(via)), w);
                let rest = w.saturating_sub(unicode_width::UnicodeWidthStr::width(via.as_str()));
                Line::from(vec![Span::styled(via, t.dim), Span::styled("─".repeat(rest), t.border)])
            }
            None => Line::styled("─".repeat(w), t.border),
        };
        let body = Paragraph::new(vec![rule, text]).wrap(Wrap { trim: true });
        f.render_widget(body, parts.title);
    }
}

/// A result's title in `width` columns, elided where it agrees with the rows beside it.
fn row_title(hits: &[crate::search::Hit], i: usize, width: usize) -> String {
    let near: Vec<&str> = [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter_map(|k| hits.get(k))
        .map(|h| h.title.as_str())
        .collect();
    super::elide::elide(&hits[i].title, width, &near)
}
