//! The default bindings, as data: one row per key, so a key bound twice in one
//! layer is a test failure rather than a silent overwrite. No default takes a
//! terminal multiplexer's prefix (`Ctrl-b` tmux, `Ctrl-a` GNU screen).

use super::Layer;
use crate::action::Action as A;

use Layer::{Books, Common, Detail, Global, Help, Input, Pcs, Queue, Record, Results, Tree};

/// (layer, keys as the key map file writes them, action).
pub const DEFAULTS: &[(Layer, &str, A)] = &[
    (Global, "ctrl-c", A::Quit),
    (Global, "f1", A::Help),
    (Global, "tab", A::FocusNext),
    (Global, "backtab", A::FocusPrev),
    (Global, "alt-left", A::Back),
    (Global, "alt-right", A::Forward),
    (Global, "ctrl-t", A::ShowTree),
    (Global, "ctrl-x", A::ShowPcs),
    (Global, "ctrl-f", A::ShowSearch),
    (Global, "ctrl-q", A::ShowQueue),
    (Global, "ctrl-k", A::ShowBooks),
    (Global, "up", A::MoveUp),
    (Global, "down", A::MoveDown),
    (Global, "ctrl-p", A::MoveUp),
    (Global, "ctrl-n", A::MoveDown),
    (Global, "pageup", A::PageUp),
    (Global, "pagedown", A::PageDown),
    (Global, "enter", A::Open),
    (Global, "esc", A::Cancel),
    (Global, "ctrl-z", A::Undo),
    (Common, "q", A::Quit),
    (Common, "?", A::Help),
    (Common, "/", A::FocusSearch),
    (Common, "s", A::ShowSearch),
    (Common, "d", A::ShowDetail),
    (Common, "t", A::ShowTree),
    (Common, "b", A::ShowPcs),
    (Common, "Q", A::ShowQueue),
    (Common, "I", A::ShowBooks),
    (Common, "k", A::MoveUp),
    (Common, "j", A::MoveDown),
    (Common, "g g", A::Top),
    (Common, "G", A::Bottom),
    (Common, "home", A::Top),
    (Common, "end", A::Bottom),
    (Common, "ctrl-u", A::PageUp),
    (Common, "ctrl-d", A::PageDown),
    (Common, "[", A::Back),
    (Common, "]", A::Forward),
    (Common, "f", A::ToggleFavourite),
    (Common, "r", A::RevealInTree),
    (Common, "c", A::CycleSet),
    (Common, "B", A::ToggleBillable),
    (Common, "u", A::Undo),
    (Common, ":", A::GoToRecord),
    (Input, "backspace", A::DeleteChar),
    (Input, "ctrl-w", A::DeleteWord),
    (Input, "ctrl-h", A::DeleteChar),
    (Input, "ctrl-u", A::ClearQuery),
    (Input, "ctrl-s", A::CycleSet),
    (Input, "ctrl-o", A::ToggleBillable),
    (Input, "ctrl-r", A::RevealInTree),
    (Input, "ctrl-g", A::ToggleFavourite),
    (Input, "ctrl-e", A::Attach),
    (Results, "l", A::Open),
    (Results, "i", A::FocusSearch),
    (Results, "a", A::Attach),
    (Detail, "n", A::NextLink),
    (Detail, "N", A::PrevLink),
    (Detail, "right", A::NextLink),
    (Detail, "left", A::PrevLink),
    (Detail, "h", A::Back),
    (Detail, "l", A::Forward),
    (Detail, "backspace", A::Back),
    (Detail, "a", A::Attach),
    (Tree, "h", A::Collapse),
    (Tree, "left", A::Collapse),
    (Tree, "l", A::Expand),
    (Tree, "right", A::Expand),
    (Tree, "p", A::Parent),
    (Tree, "J", A::NextSibling),
    (Tree, "K", A::PrevSibling),
    (Tree, "i", A::TypeAhead),
    (Tree, "o", A::ShowDetail),
    (Pcs, "backspace", A::StepBack),
    (Pcs, "ctrl-u", A::ResetPcs),
    (Pcs, "h", A::StepBack),
    (Pcs, "left", A::StepBack),
    (Pcs, "l", A::Open),
    (Pcs, "right", A::Open),
    (Help, "q", A::Cancel),
    (Help, "?", A::Cancel),
    (Queue, "F", A::CycleStatus),
    (Queue, "l", A::Open),
    (Queue, "g", A::GoToRecord),
    (Queue, ">", A::NextRecord),
    (Queue, "S", A::SortQueue),
    (Record, "J", A::NextCode),
    (Record, "K", A::PrevCode),
    (Record, "x", A::RemoveCode),
    (Record, "+", A::CodeUp),
    (Record, "-", A::CodeDown),
    (Record, "Y", A::PoaY),
    (Record, "N", A::PoaN),
    (Record, "U", A::PoaU),
    (Record, "W", A::PoaW),
    (Record, "1", A::PoaExempt),
    (Record, "0", A::PoaClear),
    (Record, "P", A::CyclePoa),
    (Record, "m", A::Comment),
    (Record, "M", A::SetModifiers),
    (Record, "#", A::SetUnits),
    (Record, "L", A::SetPointers),
    (Record, "H", A::Hold),
    (Record, "y", A::QueryProvider),
    (Record, "D", A::MarkDone),
    (Record, "R", A::Reopen),
    (Record, ">", A::NextRecord),
    (Record, "T", A::TakeOver),
    (Record, "E", A::CycleEdition),
    (Record, "e", A::NextEdit),
    (Record, "o", A::NextOffer),
    (Record, "A", A::UseOffer),
    (Record, "f", A::FindInDoc),
    (Record, "ctrl-f", A::FindInDoc),
    (Record, "n", A::FindNext),
    (Record, "p", A::FindPrev),
    (Books, "backspace", A::DeleteChar),
    (Books, "ctrl-h", A::DeleteChar),
    (Books, "ctrl-w", A::DeleteWord),
    (Books, "ctrl-u", A::ClearQuery),
    (Books, "right", A::NextColumn),
    (Books, "left", A::PrevColumn),
    (Books, ">", A::FollowRef),
    (Books, "<", A::Back),
    (Books, "[", A::Back),
    (Books, "]", A::Forward),
    (Books, "ctrl-e", A::Attach),
    (Books, "ctrl-s", A::CycleBook),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::keymap::{Key, parse_keys};

    #[test]
    fn every_default_parses_and_no_key_is_bound_twice_in_a_layer() {
        let mut seen = BTreeSet::new();
        for (layer, keys, action) in DEFAULTS {
            let parsed = parse_keys(keys).unwrap_or_else(|e| panic!("{keys}: {e}"));
            assert!(seen.insert((*layer, parsed)), "`{keys}` bound twice in {layer:?} (last: {action:?})");
        }
    }

    #[test]
    fn no_default_takes_a_multiplexer_prefix() {
        for (layer, keys, action) in DEFAULTS {
            let parsed = parse_keys(keys).unwrap_or_default();
            for prefix in [Key::ctrl('a'), Key::ctrl('b')] {
                assert!(!parsed.contains(&prefix), "{layer:?} `{keys}` ({action:?}) is a multiplexer prefix");
            }
        }
    }
}
