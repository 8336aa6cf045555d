//! The detail pane: title, breadcrumb, notes in force by kind, children, PCS characters.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::detail::{SegKind, doc};
use crate::app::{App, Pane};

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focused() == Some(Pane::Detail);
    let d = &app.detail;
    let title = if d.history.len() > 1 {
        format!(" Detail [{}/{}] ", d.pos + 1, d.history.len())
    } else {
        " Detail ".to_string()
    };
    let block = super::block(app, title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let model = doc(app, inner.width);
    let lines: Vec<Line> = model
        .lines
        .iter()
        .skip(usize::from(d.scroll))
        .take(usize::from(inner.height))
        .map(|segs| {
            Line::from(
                segs.iter()
                    .map(|s| {
                        let style = match s.kind {
                            SegKind::Text => t.text,
                            SegKind::Dim => t.dim,
                            SegKind::Code => t.code,
                            SegKind::Heading => t.heading,
                            SegKind::Title => t.text.add_modifier(ratatui::style::Modifier::BOLD),
                            SegKind::Warn => t.warn,
                            SegKind::Composed => t.composed,
                            SegKind::Link(i) if d.link == Some(i) => t.link_selected,
                            SegKind::Link(_) => t.link,
                        };
                        Span::styled(s.text.clone(), style)
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
