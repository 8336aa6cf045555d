//! The help overlay, generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::App;
use crate::keymap::{Layer, keys_to_string};

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = vec![
        Line::styled(app.book.edition.summary(), t.dim),
        Line::styled(
            "Key map: keymap.json in the config directory overrides these (action names below in brackets).",
            t.dim,
        ),
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
            let name = serde_json::to_value(action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
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
    let margin = if area.width >= 100 { 8 } else { 0 };
    let r = Rect { x: area.x + margin, width: area.width.saturating_sub(margin * 2), ..area };
    f.render_widget(Clear, r);
    // The keys that really close and scroll the help, from the key map.
    let key = |a: crate::action::Action| app.keymap.key_for(Layer::Help, a).unwrap_or_default();
    use crate::action::Action as A;
    let title = format!(
        " Help: keys ({} closes, {}/{} scroll, {}/{} page) ",
        key(A::Cancel),
        key(A::MoveUp),
        key(A::MoveDown),
        key(A::PageUp),
        key(A::PageDown)
    );
    let block = super::block(app, title, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let lines = lines(app);
    // Wrapped lines are few (the two intro lines): the unwrapped count bounds the scroll well enough.
    let max = (lines.len() + 2).saturating_sub(usize::from(inner.height));
    let all = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = usize::from(scroll).min(max) as u16;
    f.render_widget(all.scroll((scroll, 0)), inner);
}
