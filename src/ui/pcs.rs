//! The ICD-10-PCS builder: the code so far, then only the valid next values.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Pane};

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focused() == Some(Pane::Pcs);
    let block = super::block(app, " ICD-10-PCS builder ", focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let prefix = &app.pcs.prefix;
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    let blanks = "_".repeat(7usize.saturating_sub(prefix.len()));
    lines.push(Line::from(vec![
        Span::styled("Code ", t.dim),
        Span::styled(prefix.clone(), t.code),
        Span::styled(blanks, t.dim),
    ]));
    // The characters chosen so far, each with its axis and label.
    let chosen = app.book.pcs.explain(prefix);
    for c in &chosen {
        let axis = super::fit(&c.axis, 14);
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", c.pos), t.dim),
            Span::styled(format!("{axis:<14} "), t.dim),
            Span::styled(format!("{} ", c.ch), t.code),
            Span::styled(super::fit(&c.label, w.saturating_sub(20)), t.text),
        ]));
    }
    let choices = app.pcs_choices();
    if prefix.len() == 7 {
        if let Some(title) = app.book.pcs.title(prefix) {
            lines.push(Line::styled(super::fit(&title.text, w), t.text));
            if title.composed {
                lines.push(Line::styled("(composed from axis labels)", t.composed));
            }
        }
        let done = if app.record_open() {
            "Complete: Enter attaches it to the record, Backspace steps back."
        } else {
            "Complete. Backspace steps back."
        };
        lines.push(Line::styled(done, t.dim));
    } else if choices.is_empty() {
        lines.push(Line::styled("No ICD-10-PCS tables in this edition.", t.dim));
    } else {
        lines.push(Line::from(vec![
            Span::styled(format!("Character {}: ", prefix.len() + 1), t.dim),
            Span::styled(choices[0].axis.clone(), t.heading),
            Span::styled(format!("  ({} valid)", choices.len()), t.dim),
        ]));
        let height = usize::from(inner.height).saturating_sub(lines.len());
        let offset = app.pcs.sel.saturating_sub(height.saturating_sub(1));
        for (i, c) in choices.iter().enumerate().skip(offset).take(height) {
            let sel = i == app.pcs.sel;
            // The value's definition (root operation, approach, device) beside its label.
            let def = app
                .book
                .pcs
                .explain(&format!("{prefix}{}", c.ch))
                .pop()
                .and_then(|x| x.definition.or(x.explanation))
                .map(|d| format!(" — {}", crate::queue::sanitize_for_terminal(&d)))
                .unwrap_or_default();
            let room = w.saturating_sub(4);
            let label = super::fit(&c.label, room);
            let def =
                super::fit(&def, room.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str())));
            let pad = room.saturating_sub(
                unicode_width::UnicodeWidthStr::width(label.as_str())
                    + unicode_width::UnicodeWidthStr::width(def.as_str()),
            );
            lines.push(Line::from(vec![
                Span::styled(format!(" {}  ", c.ch), if sel { t.selected } else { t.code }),
                Span::styled(label, if sel { t.selected } else { t.text }),
                Span::styled(format!("{def}{}", " ".repeat(pad)), if sel { t.selected } else { t.dim }),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
