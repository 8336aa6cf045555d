//! The record queue pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Pane};

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let focused = app.pane == Pane::Queue && app.help.is_none();
    let block = super::block(app, " Queue ", focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let text = vec![Line::styled("The record queue is not part of this build yet.", app.theme.dim)];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
}
