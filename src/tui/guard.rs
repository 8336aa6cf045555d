//! The terminal guard: raw mode and the alternate screen on entry, put back
//! on drop, on panic and on the signals that end the workbench.

use std::io;

use anyhow::{Context, Result};
use crossterm::event;
use crossterm::terminal::EndSynchronizedUpdate;
use crossterm::{cursor, execute, terminal};

/// Put the terminal back: raw mode off, main screen, cursor shown, paste and mouse off.
pub fn restore_terminal() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        event::DisableBracketedPaste,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

/// Restores the terminal when dropped, whatever the way out.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> Result<TerminalGuard> {
        // The hook restores before the message, so the message is readable.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            hook(info);
        }));
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let guard = TerminalGuard;
        execute!(io::stdout(), terminal::EnterAlternateScreen, event::EnableBracketedPaste, cursor::Hide)
            .context("entering the alternate screen")?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Who gives the claims back when a signal ends the workbench.
pub(super) type OnSignal = std::sync::Arc<std::sync::Mutex<Option<crate::queue::store::Releaser>>>;

/// SIGTERM, SIGHUP (a dropped SSH link), SIGINT and SIGQUIT give back the
/// claims of this session, restore the terminal and exit. Work is saved as it
/// happens, so there is nothing else to do.
pub(super) fn watch_signals(on_signal: OnSignal) -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])
        .context("installing signal handlers")?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            if let Ok(guard) = on_signal.lock()
                && let Some(releaser) = guard.as_ref()
            {
                let _ = releaser.release_all();
            }
            restore_terminal();
            std::process::exit(128 + sig);
        }
    })?;
    Ok(())
}
