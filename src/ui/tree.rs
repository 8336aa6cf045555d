//! The ICD-10-CM hierarchy browser.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Pane};
use crate::codeset::icd10cm::CmKind;

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focused() == Some(Pane::Tree);
    let block = super::block(app, " Tree · ICD-10-CM ", focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cm = &app.book.cm;
    let mut list = inner;
    if let Some(text) = &app.tree.typeahead {
        list.height = list.height.saturating_sub(1);
        let line =
            Line::from(vec![Span::styled("jump to: ", t.heading), Span::raw(text.clone()), Span::raw("▏")]);
        f.render_widget(line, Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner });
    }
    if cm.nodes.is_empty() {
        f.render_widget(Paragraph::new(Line::styled("No ICD-10-CM tabular in this edition.", t.dim)), list);
        return;
    }
    let rows = app.tree.rows(cm);
    let height = usize::from(list.height);
    let sel = app.tree.sel.and_then(|s| rows.iter().position(|r| r.0 == s)).unwrap_or(0);
    let offset = sel.saturating_sub(height / 2).min(rows.len().saturating_sub(height));
    let w = usize::from(list.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (id, depth))| {
            let n = cm.node(*id);
            let open = if n.children.is_empty() {
                if n.billable { "● " } else { "  " }
            } else if app.tree.expanded.contains(id) {
                "▾ "
            } else {
                "▸ "
            };
            let indent = "  ".repeat(usize::from(*depth));
            let code = if n.kind == CmKind::Chapter { format!("Ch {}", n.code) } else { n.code.clone() };
            let selected = i == sel;
            let head = format!("{indent}{open}{code} ");
            let room = w.saturating_sub(unicode_width::UnicodeWidthStr::width(head.as_str()));
            let title = format!("{:<room$}", super::fit(&n.title, room));
            Line::from(vec![
                Span::styled(format!("{indent}{open}"), if selected { t.selected } else { t.dim }),
                Span::styled(format!("{code} "), if selected { t.selected } else { t.code }),
                Span::styled(title, if selected { t.selected } else { t.text }),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}
