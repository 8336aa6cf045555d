//! The help overlay, generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::app::App;
use crate::keymap::{Layer, keys_to_string};

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = vec![
        Line::styled(app.book.edition.summary(), t.dim),
        Line::styled("Key map: keymap.json in the config directory overrides these (action names below in brackets).", t.dim),
    ];
    for layer in Layer::ALL {
        let binds = app.keymap.layer(layer);
        if binds.is_empty() {
            continue;
        }
        out.push(Line::raw(""));
        out.push(Line::styled(layer.title(), t.heading));
        for (action, keys) in binds {
            let keys = keys.iter().map(|k| keys_to_string(k)).collect::<Vec<_>>().join(", ");
            let name = serde_json::to_value(action).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), t.key),
                Span::raw(format!("{:<22}", action.describe())),
                Span::styled(format!("[{name}]"), t.dim),
            ]));
        }
    }
    out
}

pub fn draw(app: &App, f: &mut Frame, area: Rect, scroll: u16) {
    let margin = if area.width >= 100 { 8 } else { 1 };
    let r = Rect {
        x: area.x + margin,
        y: area.y + 1,
        width: area.width.saturating_sub(margin * 2),
        height: area.height.saturating_sub(2),
    };
    f.render_widget(Clear, r);
    let block = super::block(app, " Help: keys (Esc closes, j/k scroll) ", true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let all = lines(app);
    let max = all.len().saturating_sub(usize::from(inner.height));
    let scroll = usize::from(scroll).min(max);
    f.render_widget(Paragraph::new(all.into_iter().skip(scroll).collect::<Vec<_>>()), inner);
}
