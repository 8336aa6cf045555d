//! The mock exam's terminal loop: block on a key for at most the time to the
//! next second of the countdown, apply it and whatever else is waiting, tick
//! the clock, save when `update` says so, and draw only when the screen
//! changes (a key, or the countdown's second).

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::books::Books;
use super::{Action, Clock, Effect, Mock, Timer, clock_text};
use crate::tui::TerminalGuard;

/// A key as the key map names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Left,
    Right,
    Enter,
    Esc,
    Backspace,
}

/// The mock exam's key bindings, with what each does (the key hint line says the same).
pub const KEYS: &[(Key, Action, &str)] = &[
    (Key::Char('a'), Action::Answer('A'), "answer A"),
    (Key::Char('b'), Action::Answer('B'), "answer B"),
    (Key::Char('c'), Action::Answer('C'), "answer C"),
    (Key::Char('d'), Action::Answer('D'), "answer D"),
    (Key::Char('n'), Action::Next, "next question"),
    (Key::Right, Action::Next, "next question"),
    (Key::Char('p'), Action::Prev, "previous question"),
    (Key::Left, Action::Prev, "previous question"),
    (Key::Char('f'), Action::ToggleFlag, "flag or unflag for review"),
    (Key::Char('F'), Action::NextFlagged, "next flagged question"),
    (Key::Char('u'), Action::NextUnanswered, "next unanswered question"),
    (Key::Char('g'), Action::GoTo, "go to a question by number"),
    (Key::Char('s'), Action::Submit, "submit (asks first)"),
    (Key::Char('i'), Action::OpenBooks, "open the books (book mode; Ctrl-k too), Esc comes back"),
    (Key::Char('y'), Action::Confirm, "yes, submit"),
    (Key::Enter, Action::Enter, "go to the number typed"),
    (Key::Backspace, Action::Backspace, "delete a digit"),
    (Key::Esc, Action::Cancel, "cancel"),
    (Key::Char('q'), Action::Quit, "save and leave (the session resumes)"),
];

/// The action of a key press, digits included.
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            // The workbench's books key.
            KeyCode::Char('k') => Some(Action::OpenBooks),
            _ => None,
        };
    }
    let k = match key.code {
        KeyCode::Char(c) if c.is_ascii_digit() => return Some(Action::Digit(c as u8 - b'0')),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    };
    KEYS.iter().find(|(b, _, _)| *b == k).map(|(_, a, _)| *a)
}

/// Run the session on the terminal until the trainee leaves; `books` open
/// over the question in book mode.
pub fn run(m: &mut Mock, mut books: Option<Books>, path: &Path, clock: &dyn Clock) -> Result<()> {
    let guard = TerminalGuard::enter()?;
    watch_signals()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout())).context("opening the terminal")?;
    let mut timer = Timer::new(clock);
    let mut shown_second = u64::MAX;
    let mut dirty = true;
    loop {
        let second = if m.submitted { 0 } else { m.remaining_ms() / 1000 };
        if dirty || second != shown_second {
            shown_second = second;
            crossterm::execute!(io::stdout(), BeginSynchronizedUpdate)?;
            terminal.draw(|f| super::draw::draw(m, books.as_ref().map(|b| &b.app), f))?;
            crossterm::execute!(io::stdout(), EndSynchronizedUpdate)?;
            io::stdout().flush()?;
            dirty = false;
        }
        // Wake for the countdown's next second (not at all once submitted).
        let wait = if m.submitted {
            Duration::from_secs(3600)
        } else {
            Duration::from_millis(1000 - m.remaining_ms() % 1000 + 5)
        };
        let mut keys = Vec::new();
        if event::poll(wait)? {
            loop {
                match event::read()? {
                    Event::Key(k) => keys.push(k),
                    Event::Resize(w, h) => {
                        if let Some(b) = books.as_mut() {
                            b.resize(w, h);
                        }
                        dirty = true;
                    }
                    _ => {}
                }
                if !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        // The clock first, so a step through the books is timed up to its key.
        let mut effects = m.update(timer.tick());
        dirty |= !keys.is_empty();
        for k in &keys {
            effects.extend(match books.as_mut() {
                Some(b) if m.books_open => b.key(m, k),
                _ => {
                    let Some(a) = action_for(k) else { continue };
                    let mut e = m.update(a);
                    if m.books_open
                        && let Some(b) = books.as_mut()
                    {
                        e.extend(b.open(m));
                    }
                    e
                }
            });
        }
        for e in effects {
            match e {
                Effect::Save => {
                    if let Err(err) = m.save(path) {
                        m.message = Some(format!("could not save: {err:#}"));
                    }
                    dirty = true;
                }
                Effect::Quit => {
                    drop(terminal);
                    drop(guard);
                    return Ok(());
                }
            }
        }
    }
}

/// SIGTERM, SIGHUP, SIGINT and SIGQUIT put the terminal back and exit; the
/// session was saved at the last answer or flag, and every [`super::SAVE_EVERY`].
fn watch_signals() -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])
        .context("installing signal handlers")?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            crate::tui::restore_terminal();
            std::process::exit(128 + sig);
        }
    })?;
    Ok(())
}

/// What the trainee sees when a session starts again.
pub fn resumed_message(m: &Mock) -> String {
    format!("Resumed: {} answered, {} flagged, {} used.", m.answered(), m.flagged(), clock_text(m.elapsed_ms))
}
