//! Layered key bindings: lookup from the focused layer outwards, the defaults
//! (`keymap/defaults.rs`), and a user file (`keymap.json` in the config
//! directory) that overrides only the keys it names.
//!
//! ```json
//! { "results": { "x": "toggle_favourite", "g g": "top" }, "global": { "f2": "help" } }
//! ```
//! A value of `null` removes a default binding.

mod defaults;
mod key;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::action::Action;
pub use key::{Key, KeyCodeOrd, Keys, keys_to_string, parse_keys};

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
    /// The index and tables pane (a type-ahead: letters are text).
    Books,
}

impl Layer {
    pub const ALL: [Layer; 11] = [
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
        Layer::Books,
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
            Layer::Books => "Index and tables",
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
        let mut m = KeyMap::default();
        for (layer, keys, action) in defaults::DEFAULTS {
            // Every row parses: `defaults::tests` pins it.
            if let Ok(keys) = parse_keys(keys) {
                m.bind(*layer, keys, *action);
            }
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
            Layer::Input | Layer::Help | Layer::Books => vec![layer, Layer::Global],
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

    /// A single binding of this layer alone, without the layers it falls back to.
    pub fn lookup_only(&self, layer: Layer, keys: &[Key]) -> Option<Action> {
        self.layers.get(&layer).and_then(|m| m.get(keys)).copied()
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
