//! The palette: 16 colours by default (they follow the coder's terminal
//! scheme), truecolor when `COLORTERM` says so, and only bold/reverse/underline
//! under `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    NoColor,
    Ansi16,
    TrueColor,
}

impl ColorMode {
    /// From the environment: `NO_COLOR` (any non-empty value) wins, then `COLORTERM`.
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>) -> ColorMode {
        if no_color.is_some_and(|v| !v.is_empty()) {
            ColorMode::NoColor
        } else if colorterm
            .is_some_and(|v| v.eq_ignore_ascii_case("truecolor") || v.eq_ignore_ascii_case("24bit"))
        {
            ColorMode::TrueColor
        } else {
            ColorMode::Ansi16
        }
    }

    pub fn from_env() -> ColorMode {
        let no_color = std::env::var("NO_COLOR").ok();
        let colorterm = std::env::var("COLORTERM").ok();
        ColorMode::detect(no_color.as_deref(), colorterm.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mode: ColorMode,
    pub text: Style,
    pub dim: Style,
    pub code: Style,
    pub header_code: Style,
    pub heading: Style,
    pub selected: Style,
    pub border: Style,
    pub border_focused: Style,
    pub link: Style,
    pub link_selected: Style,
    pub warn: Style,
    pub key: Style,
    pub tab_active: Style,
    pub highlight: Style,
    /// Matches of the find box in a record's documentation, and the current one.
    pub found: Style,
    pub found_current: Style,
    pub composed: Style,
}

impl Theme {
    pub fn new(mode: ColorMode) -> Theme {
        let b = Style::default().add_modifier(Modifier::BOLD);
        let r = Style::default().add_modifier(Modifier::REVERSED);
        let u = Style::default().add_modifier(Modifier::UNDERLINED);
        let plain = Style::default();
        match mode {
            ColorMode::NoColor => Theme {
                mode,
                text: plain,
                dim: plain,
                code: b,
                header_code: plain,
                heading: b,
                selected: r,
                border: plain,
                border_focused: b,
                link: u,
                link_selected: r,
                warn: b,
                key: b,
                tab_active: r,
                // Reverse is the selection's alone: search words are underlined.
                highlight: u.add_modifier(Modifier::BOLD),
                found: u.add_modifier(Modifier::BOLD | Modifier::ITALIC),
                found_current: r.add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
                composed: u,
            },
            ColorMode::Ansi16 | ColorMode::TrueColor => {
                let (accent, code, warn, dim, link) = if mode == ColorMode::TrueColor {
                    (
                        Color::Rgb(0x5f, 0xaf, 0xd7),
                        Color::Rgb(0x87, 0xd7, 0x87),
                        Color::Rgb(0xff, 0xaf, 0x5f),
                        Color::Rgb(0x8a, 0x8a, 0x8a),
                        Color::Rgb(0x87, 0xaf, 0xff),
                    )
                } else {
                    (Color::Cyan, Color::Green, Color::Yellow, Color::DarkGray, Color::Blue)
                };
                Theme {
                    mode,
                    text: plain,
                    dim: Style::default().fg(dim),
                    code: Style::default().fg(code).add_modifier(Modifier::BOLD),
                    header_code: Style::default().fg(dim),
                    heading: Style::default().fg(accent).add_modifier(Modifier::BOLD),
                    selected: r,
                    border: Style::default().fg(dim),
                    border_focused: Style::default().fg(accent),
                    link: Style::default().fg(link).add_modifier(Modifier::UNDERLINED),
                    link_selected: r.fg(link),
                    warn: Style::default().fg(warn).add_modifier(Modifier::BOLD),
                    key: Style::default().fg(accent).add_modifier(Modifier::BOLD),
                    tab_active: r.fg(accent),
                    highlight: Style::default().fg(warn).add_modifier(Modifier::BOLD),
                    found: Style::default().fg(Color::Black).bg(accent),
                    found_current: Style::default().fg(Color::Black).bg(warn).add_modifier(Modifier::BOLD),
                    composed: Style::default().fg(dim).add_modifier(Modifier::ITALIC),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_colorterm_enables_truecolor() {
        assert_eq!(ColorMode::detect(Some("1"), Some("truecolor")), ColorMode::NoColor);
        assert_eq!(ColorMode::detect(Some(""), Some("truecolor")), ColorMode::TrueColor);
        assert_eq!(ColorMode::detect(None, Some("24bit")), ColorMode::TrueColor);
        assert_eq!(ColorMode::detect(None, None), ColorMode::Ansi16);
        let t = Theme::new(ColorMode::NoColor);
        assert_eq!(t.code.fg, None);
        assert_eq!(t.selected.add_modifier, Modifier::REVERSED);
        // Nothing but the selection is reversed, and the search words look unlike the find matches.
        for s in [t.highlight, t.found, t.link, t.key, t.code, t.warn, t.heading] {
            assert!(!s.add_modifier.contains(Modifier::REVERSED), "{s:?}");
        }
        assert_ne!(t.highlight, t.found);
    }
}
