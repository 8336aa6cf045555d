//! The books inside the mock exam (book mode): the workbench's own [`App`]
//! in book mode (the search off; the index and tables, the tabular and its
//! notes), drawn full screen over the question. Each step it takes (a book
//! entry or table row opened, a tabular code opened) joins the path of the
//! question on screen; Esc comes back to the question, the clock running all
//! along. No I/O here but [`Books::for_terminal`], which loads them.

use std::sync::Arc;

use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{Action, Effect, Mock};
use crate::app::{App, Effect as AppEffect, Pane};

/// The books, kept between openings: they open where the trainee left them.
pub struct Books {
    pub app: App,
}

impl Books {
    /// `app` in book mode, on the books.
    pub fn new(mut app: App) -> Books {
        app.enter_book_mode();
        Books { app }
    }

    /// The books of `book` (the mock's own edition), with the user's key map and colours.
    pub fn for_terminal(book: Arc<crate::codeset::Codebook>) -> Result<Books> {
        let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
        let mut books = Books::new(crate::tui::terminal_app(book, (cols, rows))?);
        books.resize(cols, rows);
        Ok(books)
    }

    /// The books leave the last row to the mock's countdown.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.app.resize(cols, rows.saturating_sub(1));
    }

    /// Open over the question on screen (after [`Action::OpenBooks`]).
    pub fn open(&mut self, m: &mut Mock) -> Vec<Effect> {
        let effects = self.app.update(crate::action::Action::ShowBooks);
        let message = format!("Books for question {}: Esc back to it (the clock runs)", m.current + 1);
        self.app.message = self.app.message.take().or(Some(message));
        self.steps(m, effects)
    }

    /// A key while the books are open: Esc (or the books' own quit) comes
    /// back to the question, from wherever in the books, once the help or a
    /// code's offers it would close first are gone; Ctrl-c saves and leaves
    /// as on the question; every other key is the books'.
    pub fn key(&mut self, m: &mut Mock, ev: &KeyEvent) -> Vec<Effect> {
        if ev.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if ev.modifiers.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('c') {
            return m.update(Action::Quit);
        }
        let offers = self.app.pane == Pane::Books && self.app.books.offers.is_some();
        if ev.code == KeyCode::Esc && self.app.help.is_none() && !offers {
            return self.close(m);
        }
        let effects = self.app.handle_key(ev);
        if self.app.quit {
            self.app.quit = false;
            return self.close(m);
        }
        self.steps(m, effects)
    }

    fn close(&mut self, m: &mut Mock) -> Vec<Effect> {
        let read = self.app.book_mode_leave();
        let mut effects = self.steps(m, read);
        effects.extend(m.update(Action::CloseBooks));
        effects
    }

    /// The books' steps go on the question's path; searches and recents are not run.
    fn steps(&mut self, m: &mut Mock, effects: Vec<AppEffect>) -> Vec<Effect> {
        let mut out = Vec::new();
        for e in effects {
            if let AppEffect::BookStep(text) = e {
                out.extend(m.record_step(text));
            }
        }
        out.dedup();
        out
    }
}
