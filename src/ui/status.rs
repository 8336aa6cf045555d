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
        Layer::Input => &[
            A::MoveDown,
            A::Open,
            A::Attach,
            A::CycleSet,
            A::ToggleBillable,
            A::Help,
            A::Quit,
            A::Cancel,
            A::FocusNext,
        ],
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
        Layer::Pcs => {
            &[A::MoveDown, A::Open, A::StepBack, A::ResetPcs, A::FocusNext, A::FocusSearch, A::Help, A::Quit]
        }
        Layer::Help => &[A::MoveDown, A::Cancel],
        Layer::Queue => &[
            A::MoveDown,
            A::Open,
            A::GoToRecord,
            A::NextRecord,
            A::CycleStatus,
            A::SortQueue,
            A::Help,
            A::Quit,
        ],
        Layer::Record => &[
            A::FocusNext,
            A::FindInDoc,
            A::NextCode,
            A::RemoveCode,
            A::CodeUp,
            A::PoaY,
            A::SetModifiers,
            A::SetUnits,
            A::SetPointers,
            A::MarkDone,
            A::Undo,
            A::Reopen,
            A::Hold,
            A::QueryProvider,
            A::Comment,
            A::NextRecord,
            A::Cancel,
            A::Help,
        ],
        Layer::Books => {
            &[A::Open, A::Attach, A::NextColumn, A::FollowRef, A::Back, A::CycleBook, A::Cancel, A::Help]
        }
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
    if layer == Layer::Record {
        record_keys(app, f, area);
        return;
    }
    // Help is always shown, last: its room is kept before the others are placed.
    let help = app.keymap.key_for(layer, A::Help);
    let room = room.saturating_sub(help.as_ref().map_or(0, |k| k.len() + A::Help.describe().len() + 1));
    for a in actions(layer) {
        if (*a == A::Attach && !app.record_open()) || *a == A::Help {
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
    if let Some(k) = help {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {}", A::Help.describe()), t.dim));
    }
    f.render_widget(Line::from(spans), area);
}

/// The record view has many keys: short labels, pairs on one key group, help always last.
fn record_keys(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let inpatient = app.queue.as_ref().is_none_or(|q| q.inpatient());
    let poa: (&[A], &str) = if inpatient {
        (&[A::PoaY, A::PoaN, A::PoaU, A::PoaW, A::PoaExempt], "POA")
    } else {
        (&[A::SetModifiers, A::SetUnits, A::SetPointers], "mod/units/ptr")
    };
    let groups: [(&[A], &str); 13] = [
        (&[A::FindInDoc], "find"),
        (&[A::NextEdit], "edits"),
        (&[A::NextCode, A::PrevCode], "select"),
        (&[A::RemoveCode], "remove"),
        (&[A::CodeUp, A::CodeDown], "order"),
        poa,
        (&[A::MarkDone], "done"),
        (&[A::Undo], "undo"),
        (&[A::Hold], "hold"),
        (&[A::QueryProvider], "query"),
        (&[A::Comment], "comment"),
        (&[A::NextRecord], "next"),
        (&[A::FocusNext], "search"),
    ];
    let key = |a: A| app.keymap.key_for(Layer::Record, a);
    let help = key(A::Help).map(|k| (k, "help"));
    let room =
        usize::from(area.width).saturating_sub(help.as_ref().map_or(0, |(k, d)| k.len() + d.len() + 1));
    let mut spans = Vec::new();
    let mut used = 0;
    for (actions, label) in groups {
        let keys: Vec<String> = actions.iter().filter_map(|a| key(*a)).collect();
        if keys.is_empty() {
            continue;
        }
        let k = keys.join("/");
        let piece = unicode_width::UnicodeWidthStr::width(k.as_str()) + label.len() + 2;
        if used + piece > room {
            break;
        }
        used += piece;
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {label} "), t.dim));
    }
    if let Some((k, d)) = help {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {d}"), t.dim));
    }
    f.render_widget(Line::from(spans), area);
}
