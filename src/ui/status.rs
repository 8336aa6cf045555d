//! The status bar: a message, or the keys that matter in the focused pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::action::Action as A;
use crate::app::App;
use crate::keymap::Layer;

/// The actions worth a place on the status bar, per layer, most useful first.
pub fn actions(layer: Layer) -> &'static [A] {
    match layer {
        Layer::Input => {
            &[A::MoveDown, A::Open, A::CycleSet, A::ToggleBillable, A::Help, A::Quit, A::Cancel, A::FocusNext]
        }
        Layer::Results => &[
            A::MoveDown,
            A::Open,
            A::FocusSearch,
            A::Attach,
            A::ToggleFavourite,
            A::RevealInTree,
            A::CycleSet,
            A::ToggleBillable,
            A::Help,
            A::Quit,
        ],
        Layer::Detail => &[
            A::NextLink,
            A::Open,
            A::Back,
            A::Forward,
            A::RevealInTree,
            A::ToggleFavourite,
            A::FocusNext,
            A::Help,
            A::Quit,
        ],
        Layer::Tree => &[
            A::MoveDown,
            A::Expand,
            A::Collapse,
            A::Parent,
            A::NextSibling,
            A::TypeAhead,
            A::Open,
            A::Help,
            A::Quit,
        ],
        Layer::Pcs => &[A::MoveDown, A::Open, A::StepBack, A::FocusNext, A::FocusSearch, A::Help, A::Quit],
        Layer::Help => &[A::MoveDown, A::Cancel],
        Layer::Queue => &[A::MoveDown, A::Open, A::CycleStatus, A::FocusSearch, A::Help, A::Quit],
        Layer::Record => &[
            A::FocusNext,
            A::FindInDoc,
            A::NextCode,
            A::RemoveCode,
            A::CodeUp,
            A::CyclePoa,
            A::MarkDone,
            A::Hold,
            A::QueryProvider,
            A::Comment,
            A::NextRecord,
            A::Cancel,
            A::Help,
        ],
        Layer::Common | Layer::Global => &[A::FocusSearch, A::Help, A::Quit],
    }
}

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    if let Some(msg) = &app.message {
        f.render_widget(Line::styled(super::fit(msg, usize::from(area.width)), t.warn), area);
        return;
    }
    let layer = app.layer();
    let mut spans = Vec::new();
    let mut used = 0usize;
    let room = usize::from(area.width);
    if layer == Layer::Pcs {
        let hint = "type a value ";
        used += hint.len();
        spans.push(Span::styled(hint, t.dim));
    }
    for a in actions(layer) {
        if *a == A::Attach && !app.record_open() {
            continue;
        }
        let Some(k) = app.keymap.key_for(layer, *a) else { continue };
        let piece = unicode_width::UnicodeWidthStr::width(k.as_str()) + a.describe().len() + 3;
        if used + piece > room {
            break;
        }
        used += piece;
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {}  ", a.describe()), t.dim));
    }
    f.render_widget(Line::from(spans), area);
}
