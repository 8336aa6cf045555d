//! Layered key bindings with descriptions. Defaults live here; a user file
//! (`keymap.json` in the config directory) overrides only the keys it names.
//!
//! ```json
//! { "results": { "x": "toggle_favourite", "g g": "top" }, "global": { "f2": "help" } }
//! ```
//! A value of `null` removes a default binding.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

use crate::action::Action;

/// One key with its modifiers, as the key map file writes it (`ctrl-n`, `G`, `enter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// The key codes medcode binds, ordered so help lists are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

impl Key {
    pub const fn plain(c: char) -> Key {
        Key { code: KeyCodeOrd::Char(c), ctrl: false, alt: false }
    }
    pub const fn ctrl(c: char) -> Key {
        Key { code: KeyCodeOrd::Char(c), ctrl: true, alt: false }
    }
    pub const fn code(code: KeyCodeOrd) -> Key {
        Key { code, ctrl: false, alt: false }
    }

    /// From a terminal event; `None` for keys medcode never binds.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            // Shift is already in the character (`G`), so it is not a modifier here.
            KeyCode::Char(c) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    /// A text character typed without Ctrl or Alt.
    pub fn text(&self) -> Option<char> {
        match self.code {
            KeyCodeOrd::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl std::str::FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && (lower.starts_with("ctrl-") || lower.starts_with("c-")) {
                ctrl = true;
                rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
            } else if rest.len() > 1 && (lower.starts_with("alt-") || lower.starts_with("m-")) {
                alt = true;
                rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" => KeyCodeOrd::Tab,
                "backtab" | "shift-tab" => KeyCodeOrd::BackTab,
                "backspace" | "bs" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "pageup" | "pgup" => KeyCodeOrd::PageUp,
                "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
                "space" => KeyCodeOrd::Char(' '),
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                    KeyCodeOrd::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key `{s}`")),
            },
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("S-Tab"),
            KeyCodeOrd::Backspace => f.write_str("BS"),
            KeyCodeOrd::Delete => f.write_str("Del"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
            KeyCodeOrd::PageUp => f.write_str("PgUp"),
            KeyCodeOrd::PageDown => f.write_str("PgDn"),
        }
    }
}

/// A sequence of keys (`g g`).
pub type Keys = Vec<Key>;

pub fn keys_to_string(keys: &[Key]) -> String {
    keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ")
}

fn parse_keys(s: &str) -> Result<Keys, String> {
    let keys = s.split_whitespace().map(str::parse).collect::<Result<Vec<Key>, _>>()?;
    if keys.is_empty() { Err("empty key".to_string()) } else { Ok(keys) }
}

/// Where a binding applies. Lookups go from the focused layer to `common` (not
/// while typing in the search box) to `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Global,
    /// Every pane except the search box.
    Common,
    Input,
    Results,
    Detail,
    Tree,
    Pcs,
    Help,
    Queue,
    Record,
}

impl Layer {
    pub const ALL: [Layer; 10] = [
        Layer::Global,
        Layer::Common,
        Layer::Input,
        Layer::Results,
        Layer::Detail,
        Layer::Tree,
        Layer::Pcs,
        Layer::Help,
        Layer::Queue,
        Layer::Record,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Layer::Global => "Everywhere",
            Layer::Common => "Outside the search box",
            Layer::Input => "Search box",
            Layer::Results => "Results",
            Layer::Detail => "Detail",
            Layer::Tree => "Tree",
            Layer::Pcs => "PCS builder",
            Layer::Help => "Help",
            Layer::Queue => "Queue",
            Layer::Record => "Record",
        }
    }
}

/// What a key press resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The keys so far begin a longer binding (`g` of `g g`).
    Pending,
    None,
}

#[derive(Debug, Clone, Default)]
pub struct KeyMap {
    layers: HashMap<Layer, BTreeMap<Keys, Action>>,
}

/// A key map file that cannot be used; the defaults stay in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message} (using the default keys)")]
pub struct KeyMapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl KeyMap {
    pub fn defaults() -> KeyMap {
        use Action as A;
        use KeyCodeOrd as K;
        let mut m = KeyMap::default();
        let c = Key::code;
        let p = Key::plain;
        let ctrl = Key::ctrl;
        let alt = |code| Key { code, ctrl: false, alt: true };
        for (k, a) in [
            (vec![ctrl('c')], A::Quit),
            (vec![c(K::F(1))], A::Help),
            (vec![c(K::Tab)], A::FocusNext),
            (vec![c(K::BackTab)], A::FocusPrev),
            (vec![alt(K::Left)], A::Back),
            (vec![alt(K::Right)], A::Forward),
            (vec![ctrl('t')], A::ShowTree),
            (vec![ctrl('b')], A::ShowPcs),
            (vec![ctrl('f')], A::ShowSearch),
            (vec![ctrl('q')], A::ShowQueue),
            (vec![c(K::Up)], A::MoveUp),
            (vec![c(K::Down)], A::MoveDown),
            (vec![ctrl('p')], A::MoveUp),
            (vec![ctrl('n')], A::MoveDown),
            (vec![c(K::PageUp)], A::PageUp),
            (vec![c(K::PageDown)], A::PageDown),
            (vec![c(K::Enter)], A::Open),
            (vec![c(K::Esc)], A::Cancel),
        ] {
            m.bind(Layer::Global, k, a);
        }
        for (k, a) in [
            (vec![p('q')], A::Quit),
            (vec![p('?')], A::Help),
            (vec![p('/')], A::FocusSearch),
            (vec![p('s')], A::ShowSearch),
            (vec![p('d')], A::ShowDetail),
            (vec![p('t')], A::ShowTree),
            (vec![p('b')], A::ShowPcs),
            (vec![p('Q')], A::ShowQueue),
            (vec![p('k')], A::MoveUp),
            (vec![p('j')], A::MoveDown),
            (vec![p('g'), p('g')], A::Top),
            (vec![p('G')], A::Bottom),
            (vec![c(K::Home)], A::Top),
            (vec![c(K::End)], A::Bottom),
            (vec![ctrl('u')], A::PageUp),
            (vec![ctrl('d')], A::PageDown),
            (vec![p('[')], A::Back),
            (vec![p(']')], A::Forward),
            (vec![p('f')], A::ToggleFavourite),
            (vec![p('r')], A::RevealInTree),
            (vec![p('c')], A::CycleSet),
            (vec![p('B')], A::ToggleBillable),
        ] {
            m.bind(Layer::Common, k, a);
        }
        for (k, a) in [
            (vec![c(K::Backspace)], A::DeleteChar),
            (vec![ctrl('w')], A::DeleteWord),
            (vec![ctrl('h')], A::DeleteChar),
            (vec![ctrl('u')], A::ClearQuery),
            (vec![ctrl('s')], A::CycleSet),
            (vec![ctrl('o')], A::ToggleBillable),
            (vec![ctrl('r')], A::RevealInTree),
            (vec![ctrl('g')], A::ToggleFavourite),
        ] {
            m.bind(Layer::Input, k, a);
        }
        for (k, a) in [(vec![p('l')], A::Open), (vec![p('i')], A::FocusSearch)] {
            m.bind(Layer::Results, k, a);
        }
        for (k, a) in [
            (vec![p('n')], A::NextLink),
            (vec![p('N')], A::PrevLink),
            (vec![c(K::Right)], A::NextLink),
            (vec![c(K::Left)], A::PrevLink),
            (vec![p('h')], A::Back),
            (vec![p('l')], A::Forward),
            (vec![c(K::Backspace)], A::Back),
        ] {
            m.bind(Layer::Detail, k, a);
        }
        for (k, a) in [
            (vec![p('h')], A::Collapse),
            (vec![c(K::Left)], A::Collapse),
            (vec![p('l')], A::Expand),
            (vec![c(K::Right)], A::Expand),
            (vec![p('p')], A::Parent),
            (vec![p('J')], A::NextSibling),
            (vec![p('K')], A::PrevSibling),
            (vec![p('i')], A::TypeAhead),
            (vec![p('o')], A::ShowDetail),
        ] {
            m.bind(Layer::Tree, k, a);
        }
        for (k, a) in [
            (vec![c(K::Backspace)], A::StepBack),
            (vec![p('h')], A::StepBack),
            (vec![c(K::Left)], A::StepBack),
            (vec![p('l')], A::Open),
            (vec![c(K::Right)], A::Open),
        ] {
            m.bind(Layer::Pcs, k, a);
        }
        for (k, a) in [(vec![p('q')], A::Cancel), (vec![p('?')], A::Cancel)] {
            m.bind(Layer::Help, k, a);
        }
        m.bind(Layer::Input, vec![ctrl('a')], A::Attach);
        m.bind(Layer::Results, vec![p('a')], A::Attach);
        m.bind(Layer::Detail, vec![p('a')], A::Attach);
        m.bind(Layer::Queue, vec![p('F')], A::CycleStatus);
        m.bind(Layer::Queue, vec![p('S')], A::SortQueue);
        m.bind(Layer::Queue, vec![p('l')], A::Open);
        for (k, a) in [
            (vec![p('J')], A::NextCode),
            (vec![p('K')], A::PrevCode),
            (vec![p('x')], A::RemoveCode),
            (vec![p('+')], A::CodeUp),
            (vec![p('-')], A::CodeDown),
            (vec![p('P')], A::CyclePoa),
            (vec![p('m')], A::Comment),
            (vec![p('H')], A::Hold),
            (vec![p('y')], A::QueryProvider),
            (vec![p('D')], A::MarkDone),
            (vec![p('>')], A::NextRecord),
            (vec![p('T')], A::TakeOver),
            (vec![p('E')], A::CycleEdition),
            (vec![p('f')], A::FindInDoc),
            (vec![ctrl('f')], A::FindInDoc),
            (vec![p('n')], A::FindNext),
            (vec![p('N')], A::FindPrev),
            (vec![p('e')], A::NextEdit),
            (vec![p('o')], A::NextOffer),
            (vec![p('R')], A::UseOffer),
        ] {
            m.bind(Layer::Record, k, a);
        }
        m
    }

    pub fn bind(&mut self, layer: Layer, keys: Keys, action: Action) {
        self.layers.entry(layer).or_default().insert(keys, action);
    }

    pub fn unbind(&mut self, layer: Layer, keys: &Keys) {
        if let Some(l) = self.layers.get_mut(&layer) {
            l.remove(keys);
        }
    }

    /// The layers consulted for a focused layer, most specific first.
    pub fn chain(layer: Layer) -> Vec<Layer> {
        match layer {
            Layer::Global => vec![Layer::Global],
            Layer::Input | Layer::Help => vec![layer, Layer::Global],
            other => vec![other, Layer::Common, Layer::Global],
        }
    }

    /// Resolve the keys pressed so far in a layer.
    pub fn lookup(&self, layer: Layer, keys: &[Key]) -> Lookup {
        for l in Self::chain(layer) {
            let Some(map) = self.layers.get(&l) else { continue };
            if let Some(a) = map.get(keys) {
                return Lookup::Action(*a);
            }
            if map.keys().any(|k| k.len() > keys.len() && k.starts_with(keys)) {
                return Lookup::Pending;
            }
        }
        Lookup::None
    }

    /// The bindings of one layer only, grouped by action (for help).
    pub fn layer(&self, layer: Layer) -> Vec<(Action, Vec<Keys>)> {
        let mut by_action: Vec<(Action, Vec<Keys>)> = Vec::new();
        if let Some(map) = self.layers.get(&layer) {
            for (keys, action) in map {
                match by_action.iter_mut().find(|(a, _)| a == action) {
                    Some((_, ks)) => ks.push(keys.clone()),
                    None => by_action.push((*action, vec![keys.clone()])),
                }
            }
        }
        by_action
    }

    /// The first key that does `action` in a focused layer (for the status bar).
    pub fn key_for(&self, layer: Layer, action: Action) -> Option<String> {
        for l in Self::chain(layer) {
            if let Some(map) = self.layers.get(&l) {
                // Prefer a single key, and a plain character over a named key.
                let mut best: Option<&Keys> = None;
                for (k, a) in map {
                    if *a == action && best.is_none_or(|b| (k.len(), k[0].ctrl) < (b.len(), b[0].ctrl)) {
                        best = Some(k);
                    }
                }
                if let Some(k) = best {
                    return Some(keys_to_string(k));
                }
            }
        }
        None
    }

    /// Apply a user file's text over these bindings. On error nothing is applied.
    pub fn apply_user(&mut self, text: &str, file: &str) -> Result<(), KeyMapError> {
        let parsed: BTreeMap<Layer, BTreeMap<String, Option<Action>>> =
            serde_json::from_str(text).map_err(|e| KeyMapError {
                file: file.to_string(),
                line: e.line(),
                message: e.to_string().split(" at line").next().unwrap_or_default().to_string(),
            })?;
        let mut next = self.clone();
        for (layer, binds) in parsed {
            for (keys, action) in binds {
                let parsed_keys = parse_keys(&keys).map_err(|message| KeyMapError {
                    file: file.to_string(),
                    line: line_of(text, &format!("\"{keys}\"")),
                    message: format!("in layer `{}`: {message}", serde_name(layer)),
                })?;
                match action {
                    Some(a) => {
                        // A new binding replaces any default on the same keys in this layer.
                        next.bind(layer, parsed_keys, a)
                    }
                    None => next.unbind(layer, &parsed_keys),
                }
            }
        }
        *self = next;
        Ok(())
    }

    /// Defaults overridden by `keymap.json` in `dir` when there is one.
    pub fn load(dir: &Path) -> (KeyMap, Option<KeyMapError>) {
        let mut map = KeyMap::defaults();
        let path = dir.join("keymap.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (map, None),
            Err(e) => {
                let err = KeyMapError {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!("cannot read: {e}"),
                };
                return (map, Some(err));
            }
        };
        let err = map.apply_user(&text, &path.display().to_string()).err();
        (map, err)
    }
}

fn serde_name(layer: Layer) -> String {
    serde_json::to_value(layer).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// 1-based line of the first occurrence of `needle`, 0 when absent.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(0, |i| text[..i].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_as_the_file_writes_them() {
        assert_eq!("ctrl-n".parse::<Key>(), Ok(Key::ctrl('n')));
        assert_eq!("G".parse::<Key>(), Ok(Key::plain('G')));
        assert_eq!("enter".parse::<Key>(), Ok(Key::code(KeyCodeOrd::Enter)));
        assert_eq!("f1".parse::<Key>(), Ok(Key::code(KeyCodeOrd::F(1))));
        assert!("ctrl-nope".parse::<Key>().is_err());
        assert_eq!(parse_keys("g g"), Ok(vec![Key::plain('g'), Key::plain('g')]));
    }

    #[test]
    fn layers_fall_back_to_common_then_global_but_not_while_typing() {
        let m = KeyMap::defaults();
        assert_eq!(m.lookup(Layer::Results, &[Key::plain('j')]), Lookup::Action(Action::MoveDown));
        assert_eq!(m.lookup(Layer::Input, &[Key::plain('j')]), Lookup::None);
        assert_eq!(m.lookup(Layer::Input, &[Key::ctrl('n')]), Lookup::Action(Action::MoveDown));
        assert_eq!(m.lookup(Layer::Tree, &[Key::plain('g')]), Lookup::Pending);
        assert_eq!(m.lookup(Layer::Tree, &[Key::plain('g'), Key::plain('g')]), Lookup::Action(Action::Top));
    }

    #[test]
    fn user_file_overrides_only_what_it_names() {
        let mut m = KeyMap::defaults();
        m.apply_user(r#"{ "results": { "x": "toggle_favourite", "j": null } }"#, "keymap.json").unwrap();
        assert_eq!(m.lookup(Layer::Results, &[Key::plain('x')]), Lookup::Action(Action::ToggleFavourite));
        // `j` removed from results, but the common binding still applies.
        assert_eq!(m.lookup(Layer::Results, &[Key::plain('j')]), Lookup::Action(Action::MoveDown));
        assert_eq!(m.lookup(Layer::Results, &[Key::plain('k')]), Lookup::Action(Action::MoveUp));
    }

    #[test]
    fn bad_file_names_file_and_line_and_keeps_defaults() {
        let mut m = KeyMap::defaults();
        let text = "{\n  \"tree\": {\n    \"j\": \"move_down\",\n    \"ctrl-zz\": \"top\"\n  }\n}";
        let err = m.apply_user(text, "/home/c/keymap.json").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("/home/c/keymap.json", 4));
        assert!(err.to_string().contains("unknown key `ctrl-zz`"), "{err}");
        let err = m.apply_user("{\n \"tree\": { \"j\": \"fly\" }\n}", "k.json").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("fly"), "{}", err.message);
        assert_eq!(m.lookup(Layer::Tree, &[Key::plain('j')]), Lookup::Action(Action::MoveDown));
    }
}
