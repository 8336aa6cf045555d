//! The terminal side of the workbench: the event source and the loop (block
//! on one event, drain the rest, search once, draw once inside a synchronized
//! update). The terminal guard is in `guard`, the effect runner in `runner`.

mod guard;
mod runner;

use guard::{OnSignal, watch_signals};
pub use guard::{TerminalGuard, restore_terminal};
pub use runner::{LOOK_EVERY, Runner};

use std::io::{self, BufWriter, Stdout, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{self, Event};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, terminal};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};

use crate::app::recents::Recents;
use crate::app::{App, Effect};
use crate::keymap::KeyMap;
use crate::search::Search;
use crate::theme::{ColorMode, Theme};

/// What `medcode` with no subcommand was given.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub edition: Option<String>,
    pub index: Option<PathBuf>,
    pub queue: Option<PathBuf>,
    /// The queue's work is the trainee's practice work (`--practice`).
    pub practice: bool,
    /// Book mode: the search off, each step through the books audited (`--book`).
    pub book: bool,
}

/// Where input comes from: the terminal, or a script in tests.
pub trait EventSource {
    /// Wait for the next event, at most `timeout` when given (`None` back: it passed).
    fn next(&mut self, timeout: Option<Duration>) -> io::Result<Option<Event>>;
    /// An event already waiting, without blocking.
    fn ready(&mut self) -> io::Result<Option<Event>>;
}

pub struct Crossterm;

impl EventSource for Crossterm {
    fn next(&mut self, timeout: Option<Duration>) -> io::Result<Option<Event>> {
        match timeout {
            None => event::read().map(Some),
            Some(t) => {
                if event::poll(t)? {
                    event::read().map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    }
    fn ready(&mut self) -> io::Result<Option<Event>> {
        if event::poll(Duration::ZERO)? { event::read().map(Some) } else { Ok(None) }
    }
}

type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Draw one frame inside a synchronized update, so the terminal shows it whole.
/// `full` (the benchmark's baseline) clears the screen and writes every cell
/// instead of only the cells that changed.
fn draw<B: Backend + Write>(term: &mut Terminal<B>, app: &App, full: bool) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    if full {
        let size = term.size()?;
        let mut off = Terminal::new(ratatui::backend::TestBackend::new(size.width, size.height))?;
        let frame = off.draw(|f| crate::ui::draw(app, f))?;
        let buf = frame.buffer.clone();
        let backend = term.backend_mut();
        crossterm::queue!(backend, terminal::Clear(terminal::ClearType::All))?;
        let width = usize::from(buf.area.width.max(1));
        backend
            .draw(buf.content.iter().enumerate().map(|(i, c)| ((i % width) as u16, (i / width) as u16, c)))?;
        Backend::flush(backend)?;
    } else {
        term.draw(|f| crate::ui::draw(app, f))?;
    }
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

fn recents_path() -> Result<PathBuf> {
    Ok(crate::paths::data_dir()?.join("recent.json"))
}

/// An [`App`] for this terminal: the user's key map (a bad key map file is
/// the status message), colours as the environment asks, today's date.
pub fn terminal_app(book: Arc<crate::codeset::Codebook>, size: (u16, u16)) -> Result<App> {
    let (keymap, keymap_err) = KeyMap::load(&crate::paths::config_dir()?);
    let theme = Theme::new(ColorMode::from_env());
    let mut app = App::new(book, keymap, theme, chrono::Local::now().date_naive(), size);
    app.message = keymap_err.map(|e| e.to_string());
    Ok(app)
}

/// Open the workbench.
pub fn run(opts: Options) -> Result<()> {
    // Resolve the edition before touching the terminal, so a bad name is a plain error.
    let located = crate::codeset::catalog::locate(opts.edition.as_deref())?;
    let full_redraw = std::env::var_os("MEDCODE_FULL_REDRAW").is_some_and(|v| v != "0");
    let recents_file = recents_path()?;
    let (recents, recents_err) = match Recents::load(&recents_file) {
        Ok(r) => (r, None),
        Err(e) => (Recents::default(), Some(format!("{e:#} (starting with no recent codes)"))),
    };

    // Messages about the compiled model go to the status line, not over the screen.
    crate::codeset::compiled::set_quiet(true);
    let guard = TerminalGuard::enter()?;
    let on_signal = OnSignal::default();
    watch_signals(on_signal.clone())?;
    let mut term: Term =
        Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(1 << 16, io::stdout())))?;
    let size = term.size()?;

    // A first frame straight away; the code sets load on another thread while the index opens.
    loading_frame(&mut term, "Loading the code sets…")?;
    let (book, search) = std::thread::scope(|scope| {
        let book = scope.spawn(|| located.load());
        let search = open_search(&located, &opts, &mut term);
        let book = book.join().map_err(|_| anyhow::anyhow!("loading the code sets panicked"))?;
        Ok::<_, anyhow::Error>((book?, search))
    })?;
    let book = Arc::new(book);
    let (search, search_note): (Box<dyn Search>, Option<String>) = match search {
        Ok((engine, note)) => (Box::new(engine), note),
        Err(e) => (
            Box::new(crate::search::fallback::ScanSearch::new(&book)?),
            Some(format!("search index unavailable ({e:#}); using a plain title scan")),
        ),
    };

    let mut app = terminal_app(book, (size.width, size.height))?;
    app.recents = recents;
    let model_note = crate::codeset::compiled::take_notes().pop();
    app.message = app.message.take().or(recents_err).or(search_note).or(model_note);
    if opts.book {
        app.enter_book_mode();
        app.message = app.message.take().or(Some(crate::app::book_mode::SEARCH_OFF.to_string()));
    }
    if opts.practice {
        let note = "Practice: your work on this queue is kept apart from production (docs/practice.md)";
        app.message = app.message.take().or(Some(note.to_string()));
    }
    // The queue: the file given, or the shipped example. Its work is saved on every change.
    let mut store = match crate::queue::open_for(opts.queue.as_deref(), opts.practice) {
        Ok(mut opened) => {
            if let Ok(mut slot) = on_signal.lock() {
                *slot = Some(opened.store.releaser());
            }
            let notice = opened.store.take_notice();
            let read_only = opened.store.read_only().map(|why| format!("read-only: {why}"));
            if let Some(note) = read_only.or(notice) {
                app.message = Some(note);
            }
            // Records are coded against the edition of their date of service,
            // unless an edition was named for the whole session.
            let editions = if opts.edition.is_some() {
                Vec::new()
            } else {
                crate::codeset::catalog::list_editions().unwrap_or_default()
            };
            app.queue = Some(crate::app::queue::QueueState {
                editions,
                name: opened.loaded.name.clone(),
                problems: opened.loaded.invalid_count(),
                records: opened.loaded.records,
                work: opened.store.all().clone(),
                ..Default::default()
            });
            if opts.queue.is_some() {
                app.pane = crate::app::Pane::Queue;
                app.left = crate::app::Pane::Queue;
            }
            Some(opened.store)
        }
        Err(e) => {
            app.message = Some(format!("queue not opened: {e}"));
            None
        }
    };
    let effects = app.start();
    let mut runner = Runner::new(search.as_ref(), &recents_file, store.as_mut());
    runner.edition_search = Some(crate::search::editions::EditionEngines::new(opts.index.clone()));
    let result = run_loop(&mut term, &mut app, &mut runner, &mut Crossterm, effects, full_redraw);
    drop(term);
    drop(guard);
    result
}

fn loading_frame(term: &mut Term, text: &str) -> Result<()> {
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| f.render_widget(ratatui::text::Line::raw(text.to_string()), f.area()))?;
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// The tantivy index of the edition, built first (with a progress display) when
/// it is missing or stale. A note for the status bar when something was off.
fn open_search(
    located: &crate::codeset::catalog::Located,
    opts: &Options,
    term: &mut Term,
) -> Result<(crate::search::Engine, Option<String>)> {
    use crate::search::{Engine, Opened};
    let dir = crate::search::index_dir(opts.index.as_deref(), &located.edition.name)?;
    let mut last = (String::new(), usize::MAX);
    let mut progress = |p: crate::search::Progress| {
        // Redraw only when the stage or the tenth changes: a build reports every code.
        let tenth = (p.done * 10).checked_div(p.total).unwrap_or(0);
        if p.stage != last.0 || tenth != last.1 {
            last = (p.stage.to_string(), tenth);
            let text = if p.total > 0 {
                format!(
                    "Building the search index (first run): {} {}/{} ({}%)",
                    p.stage,
                    p.done,
                    p.total,
                    tenth * 10
                )
            } else {
                format!("Building the search index (first run): {}", p.stage)
            };
            let _ = loading_frame(term, &text);
        }
    };
    let (engine, opened) = Engine::open_or_build(
        &dir,
        &located.edition,
        &mut || located.load().context("loading the code sets for the index"),
        false,
        &mut progress,
    )?;
    let note = match opened {
        Opened::Ready => None,
        Opened::Built(why) => Some(format!("search index built in {} ({why})", dir.display())),
        Opened::UsedStale(why) => Some(format!("using a stale search index: {why}")),
    };
    Ok((engine, note))
}

/// The loop, generic over the terminal and the event source so tests can drive it.
pub fn run_loop<B: Backend + Write>(
    term: &mut Terminal<B>,
    app: &mut App,
    runner: &mut Runner<'_>,
    events: &mut dyn EventSource,
    first: Vec<Effect>,
    full_redraw: bool,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    runner.run(app, first);
    draw(term, app, full_redraw)?;
    while !app.quit {
        // While a claim is held, wake up in time to refresh its heartbeat, and
        // while the queue shows, to pick up other coders' changes; otherwise block.
        let beat = app.record_open().then(|| runner.beat_every.saturating_sub(runner.last_beat.elapsed()));
        let look = app.queue_shown().then(|| runner.look_every.saturating_sub(runner.last_look.elapsed()));
        let build = runner.building().then_some(Duration::from_millis(250));
        let timeout = [beat, look, build].into_iter().flatten().min();
        let mut effects = Vec::new();
        let mut dirty = match events.next(timeout)? {
            Some(ev) => apply(app, ev, &mut effects),
            None => false,
        };
        while !app.quit
            && let Some(ev) = events.ready()?
        {
            dirty |= apply(app, ev, &mut effects);
        }
        dirty |= !effects.is_empty();
        // The first load of another edition can take seconds (its model is built): say so on
        // screen first, or a coder types into a screen that has not moved since the last key.
        if let Some(name) = effects.iter().find_map(|e| match e {
            Effect::LoadEdition(name) => Some(name.clone()),
            _ => None,
        }) {
            let before = app.message.replace(format!("loading the code sets of {name}…"));
            draw(term, app, full_redraw)?;
            app.message = before;
        }
        runner.run(app, effects);
        if !app.quit && app.record_open() && runner.last_beat.elapsed() >= runner.beat_every {
            // The heartbeat changes nothing on screen unless it fails.
            let before = app.message.clone();
            let beat = app.heartbeat();
            runner.run(app, beat);
            dirty |= app.message != before;
        }
        dirty |= runner.collect_builds(app);
        if !app.quit && app.queue_shown() && runner.last_look.elapsed() >= runner.look_every {
            dirty |= runner.refresh(app);
        }
        if dirty && !app.quit {
            draw(term, app, full_redraw)?;
        }
    }
    Ok(())
}

/// Apply one event; whether the screen may have changed.
fn apply(app: &mut App, ev: Event, effects: &mut Vec<Effect>) -> bool {
    match ev {
        Event::Key(k) => {
            effects.extend(app.handle_key(&k));
            true
        }
        Event::Paste(text) => {
            effects.extend(app.paste(&text));
            true
        }
        Event::Resize(w, h) => {
            app.resize(w, h);
            true
        }
        // Mouse moves, focus changes: nothing to draw.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};

    use super::*;
    use crate::app::tests::{FakeSearch, app, fake_hits, with_queue};

    /// The bytes the terminal was sent, shared with the event source.
    #[derive(Clone, Default)]
    struct Screen(Rc<RefCell<Vec<u8>>>);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Scripted events; `None` is a wait that timed out. Notes each wait's
    /// timeout and how many bytes had been drawn by then.
    struct Script {
        events: VecDeque<Option<Event>>,
        screen: Screen,
        waits: Vec<(Option<Duration>, usize)>,
    }

    impl Script {
        fn new(screen: &Screen, events: impl IntoIterator<Item = Option<Event>>) -> Script {
            Script { events: events.into_iter().collect(), screen: screen.clone(), waits: Vec::new() }
        }
    }

    impl EventSource for Script {
        fn next(&mut self, timeout: Option<Duration>) -> io::Result<Option<Event>> {
            self.waits.push((timeout, self.screen.0.borrow().len()));
            Ok(self.events.pop_front().flatten())
        }
        fn ready(&mut self) -> io::Result<Option<Event>> {
            Ok(None)
        }
    }

    /// An 80x24 terminal drawing into `screen`.
    fn terminal(screen: &Screen) -> Terminal<CrosstermBackend<Screen>> {
        let viewport = Viewport::Fixed(Rect::new(0, 0, 80, 24));
        Terminal::with_options(CrosstermBackend::new(screen.clone()), TerminalOptions { viewport }).unwrap()
    }

    fn key(c: KeyCode, m: KeyModifiers) -> Option<Event> {
        Some(Event::Key(KeyEvent::new(c, m)))
    }

    fn claim_of(store: &crate::queue::Store, id: &str) -> Option<crate::queue::claim::Claim> {
        store.holder(id).unwrap()
    }

    #[test]
    fn loading_another_edition_is_on_screen_before_the_load_runs() {
        // The workbench on FY2027; the first record (April 2026) needs FY2026.
        let fy2027 =
            Arc::new(crate::codeset::shipped::load_edition(crate::codeset::shipped::FY2027).unwrap());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut a = App::new(fy2027, KeyMap::defaults(), Theme::new(ColorMode::NoColor), today, (80, 24));
        with_queue(&mut a);
        a.queue.as_mut().unwrap().editions = crate::codeset::shipped::editions();
        let screen = Screen::default();
        let mut term = terminal(&screen);
        let mut script = Script::new(
            &screen,
            [
                key(KeyCode::Char('q'), KeyModifiers::CONTROL),
                key(KeyCode::Enter, KeyModifiers::NONE),
                key(KeyCode::Char('q'), KeyModifiers::NONE),
            ],
        );
        let search = FakeSearch(fake_hits());
        let tmp = tempfile::tempdir().unwrap();
        let recents = tmp.path().join("recent.json");
        let mut runner = Runner::new(&search, &recents, None);
        // The load fails at once (no files touched): what matters is what was drawn before it.
        runner.editions = Some(Err("not in this test".into()));
        run_loop(&mut term, &mut a, &mut runner, &mut script, Vec::new(), false).unwrap();

        let drawn = String::from_utf8_lossy(&screen.0.borrow()).into_owned();
        // A frame of its own, before the frame drawn after the (failed) load.
        let loading =
            drawn.find("loading the code sets of fy2026-shipped…").expect("the loading line was drawn");
        assert!(drawn[loading..].contains("\x1b[?2026h"), "the screen is drawn again after the load");
        assert!(!a.queue.as_ref().unwrap().books.contains_key("fy2026-shipped"));
    }

    #[test]
    fn an_open_record_heartbeats_its_claim_without_drawing_and_quit_releases_it() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = crate::queue::Store::open_in(&tmp.path().join("work"), "example").unwrap();
        let mut a = app((80, 24));
        with_queue(&mut a);
        let id = a.queue.as_ref().unwrap().records[0].id.clone();
        let screen = Screen::default();
        let mut term = terminal(&screen);
        let mut script = Script::new(
            &screen,
            [
                key(KeyCode::Char('q'), KeyModifiers::CONTROL),
                key(KeyCode::Enter, KeyModifiers::NONE),
                None,
                None,
                key(KeyCode::Char('q'), KeyModifiers::NONE),
            ],
        );
        let search = FakeSearch(fake_hits());
        let recents = tmp.path().join("recent.json");
        let mut runner = Runner::new(&search, &recents, Some(&mut store));
        // Every wait is due, so each timeout refreshes the heartbeat.
        runner.beat_every = Duration::ZERO;
        run_loop(&mut term, &mut a, &mut runner, &mut script, Vec::new(), false).unwrap();

        let timeouts: Vec<Option<Duration>> = script.waits.iter().map(|w| w.0).collect();
        assert_eq!(timeouts[0], None, "no queue on screen: block without a timeout");
        assert!(
            timeouts[1..].iter().all(Option::is_some),
            "the queue shown, then a claim held: wake up to look and to refresh it {timeouts:?}"
        );
        // The two timed-out waits (3rd and 4th) drew nothing.
        assert_eq!(script.waits[2].1, script.waits[3].1);
        assert_eq!(script.waits[3].1, script.waits[4].1);
        assert!(a.quit);
        assert!(claim_of(&store, &id).is_none(), "quit gave the claim back");
    }

    #[test]
    fn a_heartbeat_refreshes_the_claim_file() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = crate::queue::Store::open_in(&tmp.path().join("work"), "example").unwrap();
        let mut a = app((80, 24));
        with_queue(&mut a);
        let search = FakeSearch(fake_hits());
        let recents = tmp.path().join("recent.json");
        let id = a.queue.as_ref().unwrap().records[0].id.clone();
        let effects = crate::app::tests::keys(&mut a, &search, "<C-q><Enter>");
        let mut runner = Runner::new(&search, &recents, Some(&mut store));
        runner.run(&mut a, effects);
        let before = runner.store.as_deref().map(|s| claim_of(s, &id).unwrap()).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let beat = a.heartbeat();
        assert_eq!(beat, vec![Effect::Heartbeat(id.clone())]);
        runner.run(&mut a, beat);
        let after = runner.store.as_deref().map(|s| claim_of(s, &id).unwrap()).unwrap();
        assert!(after.heartbeat > before.heartbeat, "{before:?} -> {after:?}");
        assert_eq!(after.since, before.since);
        assert_eq!(a.message, None, "a heartbeat that works says nothing");
    }

    #[test]
    fn the_open_list_shows_another_coders_claim_and_status_when_it_looks() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("work");
        let mut mine = crate::queue::Store::open_in(&dir, "example").unwrap();
        let mut theirs = crate::queue::Store::open_in(&dir, "example").unwrap();
        theirs.set_user("ana");
        let mut a = app((80, 24));
        with_queue(&mut a);
        a.pane = crate::app::Pane::Queue;
        let search = FakeSearch(fake_hits());
        let recents = tmp.path().join("recent.json");
        let mut runner = Runner::new(&search, &recents, Some(&mut mine));
        assert!(!runner.refresh(&mut a), "nothing changed: nothing to draw");

        theirs.claim("IP-1002", false).unwrap();
        theirs.apply("IP-1003", &crate::queue::Op::Hold { reason: "path".into() }, 0).unwrap();
        assert!(runner.refresh(&mut a), "the list is drawn again");
        let q = a.queue.as_ref().unwrap();
        assert!(q.claims.get("IP-1002").is_some_and(|who| who.starts_with("ana")), "{:?}", q.claims);
        assert_eq!(q.status("IP-1003"), crate::queue::Status::OnHold);
        let mut term = Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        term.draw(|f| crate::ui::draw(&a, f)).unwrap();
        let shown = format!("{}", term.backend());
        assert!(shown.contains("open by ana"), "{shown}");
        let row = shown.lines().find(|l| l.contains("IP-1003")).unwrap_or_default();
        assert!(row.contains("on hold"), "{shown}");

        theirs.release("IP-1002").unwrap();
        assert!(runner.refresh(&mut a), "a released claim is drawn too");
        assert!(a.queue.as_ref().unwrap().claims.is_empty());
    }
}
