//! The workbench state and its transitions. `update` changes the state and
//! returns the effects for the loop to run (search, save); it does no I/O and
//! never touches the terminal, so scripted key sequences test it.

pub mod book_mode;
pub mod books;
pub mod detail;
pub mod edit_view;
pub mod edition;
pub mod pcs;
pub mod queue;
pub mod recents;
pub mod record_doc;
pub mod search;
pub mod tree;

use std::sync::Arc;

use chrono::NaiveDate;
use crossterm::event::KeyEvent;

use crate::action::Action;
use crate::codeset::{CodeSet, Codebook, NodeId};
use crate::keymap::{Key, KeyMap, Layer, Lookup};
use crate::search::Query;
use crate::theme::Theme;
pub use pcs::PcsState;
pub use recents::{Recents, Used};
pub use search::SearchState;

/// What the loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run this query and hand the hits to [`App::set_hits`].
    Search(Query),
    /// Save the recent and favourite codes.
    SaveRecents,
    /// Apply an operation to a record's work and save it (the store does both).
    Queue { record: String, op: crate::queue::Op },
    /// Claim a record opened for work, so another coder sees it is taken.
    Claim(String),
    /// Give the claim back when the record is closed.
    Release(String),
    /// Take a record over from the coder who holds it (audited).
    TakeOver(String),
    /// Load an edition a record is coded against, then [`App::edition_loaded`].
    LoadEdition(String),
    /// Refresh the claim's heartbeat, so it is not judged stale while the coder works.
    Heartbeat(String),
    /// A step through the books with no queue to audit it on (book mode
    /// inside the mock exam, which keeps it with the question on screen).
    BookStep(String),
}

/// The panes. At 80 columns one fills the screen; from 120 the detail sits beside the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Search,
    Detail,
    Tree,
    Pcs,
    Queue,
    /// The index and the tables (`books`).
    Books,
}

impl Pane {
    pub const TABS: [Pane; 6] = [Pane::Search, Pane::Detail, Pane::Tree, Pane::Books, Pane::Pcs, Pane::Queue];
    pub fn title(self) -> &'static str {
        match self {
            Pane::Search => "Search",
            Pane::Detail => "Detail",
            Pane::Tree => "Tree",
            Pane::Pcs => "PCS builder",
            Pane::Queue => "Queue",
            Pane::Books => "Books",
        }
    }
}

/// What the detail pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Cm(NodeId),
    /// A complete or partial ICD-10-PCS code.
    Pcs(String),
    /// An HCPCS Level II code or modifier, or a CPT code: a list, no hierarchy.
    Flat(CodeSet, String),
}

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    /// Visited targets; `bool` marks a preview (a result under the cursor) that the next preview replaces.
    pub history: Vec<(Target, bool)>,
    pub pos: usize,
    pub link: Option<usize>,
    pub scroll: u16,
}

impl DetailState {
    pub fn current(&self) -> Option<&Target> {
        self.history.get(self.pos).map(|(t, _)| t)
    }

    fn show(&mut self, target: Target, preview: bool) {
        if self.current() == Some(&target) {
            if !preview && let Some(e) = self.history.get_mut(self.pos) {
                e.1 = false;
            }
            return;
        }
        if !self.history.is_empty() {
            let replace = self.history[self.pos].1;
            self.history.truncate(self.pos + 1);
            if replace {
                self.history.pop();
            }
        }
        self.history.push((target, preview));
        self.pos = self.history.len() - 1;
        self.link = None;
        self.scroll = 0;
    }
}

pub struct App {
    /// The code sets search, detail, tree and PCS builder use: the open
    /// record's edition once loaded, else `home` (see [`App::follow_record_edition`]).
    pub book: Arc<Codebook>,
    /// The workbench's own edition (`--edition`, else the default).
    pub home: Arc<Codebook>,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub today: NaiveDate,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub pane: Pane,
    /// The pane beside the detail in the wide layout (never `Detail`).
    pub left: Pane,
    pub help: Option<u16>,
    pub pending: Vec<Key>,
    pub search: SearchState,
    pub detail: DetailState,
    pub tree: tree::TreeState,
    pub pcs: PcsState,
    /// The index and tables pane.
    pub books: books::BooksState,
    /// Book mode (`--book`): the search off, each step through the books audited.
    pub book_mode: Option<book_mode::BookMode>,
    pub recents: Recents,
    pub queue: Option<queue::QueueState>,
    /// The pane beside an open record in the wide layout (search, detail, tree or PCS).
    pub side: Pane,
    /// One line for the status bar (a key map error, "saved", ...).
    pub message: Option<String>,
    pub quit: bool,
    /// The last change asked of the store left an undo entry (dropped if it is refused).
    pub(crate) undo_pending: bool,
}

impl App {
    pub fn new(book: Arc<Codebook>, keymap: KeyMap, theme: Theme, today: NaiveDate, size: (u16, u16)) -> App {
        App {
            home: book.clone(),
            book,
            keymap,
            theme,
            today,
            size,
            pane: Pane::Search,
            left: Pane::Search,
            help: None,
            pending: Vec::new(),
            search: SearchState { typing: true, ..SearchState::default() },
            detail: DetailState::default(),
            tree: tree::TreeState::default(),
            pcs: PcsState::default(),
            books: books::BooksState::default(),
            book_mode: None,
            recents: Recents::default(),
            queue: None,
            side: Pane::Search,
            message: None,
            quit: false,
            undo_pending: false,
        }
    }

    pub fn wide(&self) -> bool {
        self.size.0 >= crate::layout::WIDE
    }

    /// The pane that has the keyboard, as the view draws it (`None` while help covers the screen).
    pub fn focused(&self) -> Option<Pane> {
        self.help.is_none().then_some(self.pane)
    }

    /// A text box has the keyboard: the search box, a prompt, the tree's type-ahead.
    pub fn typing(&self) -> bool {
        match self.focused() {
            Some(Pane::Search) => self.search.typing,
            Some(Pane::Queue) => self.queue.as_ref().is_some_and(|q| q.prompt.is_some()),
            Some(Pane::Tree) => self.tree.typeahead.is_some(),
            // The books pane is always a type-ahead: letters find a term.
            Some(Pane::Books) => true,
            _ => false,
        }
    }

    /// The key layer of the focused pane.
    pub fn layer(&self) -> Layer {
        if self.help.is_some() {
            return Layer::Help;
        }
        match self.pane {
            Pane::Search if self.search.typing => Layer::Input,
            Pane::Search => Layer::Results,
            Pane::Detail => Layer::Detail,
            Pane::Tree => Layer::Tree,
            Pane::Pcs => Layer::Pcs,
            Pane::Queue if self.record_open() => Layer::Record,
            Pane::Queue => Layer::Queue,
            Pane::Books => Layer::Books,
        }
    }

    pub fn record_open(&self) -> bool {
        self.queue.as_ref().is_some_and(|q| q.open.is_some())
    }

    /// The queue list or a record is on screen (other coders' changes matter).
    pub fn queue_shown(&self) -> bool {
        self.queue.is_some() && (self.pane == Pane::Queue || self.left == Pane::Queue)
    }

    /// The first effects to run: fill the empty-query list.
    pub fn start(&mut self) -> Vec<Effect> {
        self.refresh_query()
    }

    /// Translate one key press through the key map and apply it.
    pub fn handle_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        let effects = self.key_effects(ev);
        self.refuse_held(effects)
    }

    fn key_effects(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        if ev.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        let Some(key) = Key::from_event(ev) else { return Vec::new() };
        if self.help.is_none() {
            if self.pane == Pane::Queue && self.queue.as_ref().is_some_and(|q| q.prompt.is_some()) {
                return self.prompt_key(key);
            }
            if self.tree.typeahead.is_some() && self.pane == Pane::Tree {
                return self.typeahead_key(key);
            }
            // The books pane: a term's letters are type-ahead, never commands.
            if self.pane == Pane::Books
                && let Some(c) = key.text().filter(|c| books::is_term_char(*c))
            {
                self.pending.clear();
                return self.books_type(c);
            }
            // PCS values are letters and digits, typed in either case: a valid one is a
            // value, the builder's own keys (h, l) come next, any other is never a command.
            if self.pane == Pane::Pcs
                && let Some(c) = key.text().filter(char::is_ascii_alphanumeric)
            {
                self.pending.clear();
                let v = c.to_ascii_uppercase();
                if self.pcs_choices().iter().any(|n| n.ch == v) {
                    return self.pcs_push(v);
                }
                if let Some(a) = self.keymap.lookup_only(Layer::Pcs, &[key]) {
                    return self.update(a);
                }
                self.message = Some(format!("no value {v} for character {} here", self.pcs.prefix.len() + 1));
                return Vec::new();
            }
        }
        self.pending.push(key);
        match self.keymap.lookup(self.layer(), &self.pending) {
            Lookup::Action(a) => {
                self.pending.clear();
                self.update(a)
            }
            Lookup::Pending => Vec::new(),
            Lookup::None => {
                let first = self.pending.len() > 1;
                self.pending.clear();
                if first {
                    // An unfinished sequence followed by another key: try that key alone.
                    return self.handle_key(ev);
                }
                match key.text() {
                    Some(c) if self.layer() == Layer::Input => self.type_text(std::iter::once(c)),
                    // In the results a letter that is no command goes to the box they come from.
                    Some(c) if self.layer() == Layer::Results && !c.is_whitespace() => {
                        self.type_text(std::iter::once(c))
                    }
                    Some(c) => {
                        self.message = Some(format!("{c} does nothing here (F1 lists the keys)"));
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            }
        }
    }

    /// Paste: text into the search box.
    pub fn paste(&mut self, text: &str) -> Vec<Effect> {
        if self.pane != Pane::Search {
            return Vec::new();
        }
        self.type_text(text.chars())
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
        if self.wide() && self.pane != Pane::Detail {
            self.left = self.pane;
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.message = None;
        let mut effects = self.update_inner(action);
        effects.extend(self.book_mode_step());
        self.follow_record_edition();
        if self.pane != Pane::Queue {
            self.side = self.pane;
        }
        effects
    }

    fn update_inner(&mut self, action: Action) -> Vec<Effect> {
        use Action as A;
        // A selected query is cleared by Backspace and kept by every other key.
        if std::mem::take(&mut self.search.selected) && action == A::DeleteChar {
            self.search.query.clear();
            return self.refresh_query();
        }
        if let Some(effects) = self.queue_action(action) {
            return effects;
        }
        if let Some(effects) = self.books_action(action) {
            return effects;
        }
        match action {
            A::Quit => return self.quit(),
            A::Help => self.help = if self.help.is_some() { None } else { Some(0) },
            A::Cancel => return self.cancel(),
            A::FocusNext | A::FocusPrev if self.record_open() => {
                // Record, search, detail, round again.
                let order = [Pane::Queue, Pane::Search, Pane::Detail];
                let i = order.iter().position(|p| *p == self.pane).unwrap_or(0);
                let step = if action == A::FocusNext { 1 } else { order.len() - 1 };
                let next = order[(i + step) % order.len()];
                match next {
                    Pane::Detail => self.pane = next,
                    // Letters typed after Tab are a search, never commands.
                    Pane::Search => self.enter_search(),
                    _ => self.focus(next),
                }
            }
            A::FocusNext | A::FocusPrev => {
                self.pane = if self.pane == Pane::Detail { self.left } else { Pane::Detail };
            }
            A::FocusSearch | A::ShowSearch => self.enter_search(),
            A::ShowDetail => self.focus(Pane::Detail),
            A::ShowTree => {
                self.focus(Pane::Tree);
                if self.tree.sel.is_none() {
                    self.tree.sel = tree::roots(&self.book).first().copied();
                }
                self.preview_tree();
            }
            A::ShowPcs => {
                self.focus(Pane::Pcs);
                self.preview_pcs();
            }
            A::ShowQueue => self.focus(Pane::Queue),
            A::MoveUp => self.move_by(-1),
            A::MoveDown => self.move_by(1),
            A::PageUp => self.move_by(-(self.page() as i64)),
            A::PageDown => self.move_by(self.page() as i64),
            A::Top => self.move_by(i64::MIN / 2),
            A::Bottom => self.move_by(i64::MAX / 2),
            A::Open => return self.open(),
            A::Collapse => self.tree_collapse(),
            A::Expand => self.tree_expand(),
            A::Parent => self.tree_parent(),
            A::NextSibling => self.tree_sibling(1),
            A::PrevSibling => self.tree_sibling(-1),
            A::TypeAhead => {
                if self.pane == Pane::Tree {
                    self.tree.typeahead = Some(String::new());
                }
            }
            A::Back => {
                if self.detail.pos > 0 {
                    self.detail.pos -= 1;
                    self.detail.link = None;
                    self.detail.scroll = 0;
                }
            }
            A::Forward => {
                if self.detail.pos + 1 < self.detail.history.len() {
                    self.detail.pos += 1;
                    self.detail.link = None;
                    self.detail.scroll = 0;
                }
            }
            A::NextLink => self.cycle_link(1),
            A::PrevLink => self.cycle_link(-1),
            A::CycleSet => {
                self.search.set = match self.search.set {
                    None => Some(CodeSet::Icd10cm),
                    Some(CodeSet::Icd10cm) => Some(CodeSet::Icd10pcs),
                    Some(CodeSet::Icd10pcs) => Some(CodeSet::Hcpcs),
                    // CPT is offered only when the user's file is imported.
                    Some(CodeSet::Hcpcs) if self.book.cpt.is_some() => Some(CodeSet::Cpt),
                    Some(CodeSet::Hcpcs) | Some(CodeSet::Cpt) => None,
                };
                self.message =
                    Some(format!("set filter: {}", self.search.set.map_or("all code sets", |s| s.short())));
                return self.refresh_query();
            }
            A::ToggleBillable => {
                self.search.billable_only = !self.search.billable_only;
                self.message = Some(
                    if self.search.billable_only {
                        "billable codes only"
                    } else {
                        "billable and header codes"
                    }
                    .into(),
                );
                return self.refresh_query();
            }
            A::ToggleFavourite => return self.toggle_favourite(),
            A::RevealInTree => self.reveal_selected(),
            A::ClearQuery => {
                self.search.query.clear();
                return self.refresh_query();
            }
            A::DeleteChar => {
                self.search.query.pop();
                return self.refresh_query();
            }
            A::DeleteWord => {
                let trimmed = self.search.query.trim_end().len();
                self.search.query.truncate(trimmed);
                let cut = self.search.query.rfind(' ').map_or(0, |i| i + 1);
                self.search.query.truncate(cut);
                return self.refresh_query();
            }
            A::StepBack => {
                self.pcs.prefix.pop();
                self.pcs.sel = 0;
                self.preview_pcs();
            }
            A::ResetPcs => {
                self.pcs.prefix.clear();
                self.pcs.sel = 0;
                self.preview_pcs();
                self.message = Some("PCS builder: started again".into());
            }
            A::Attach => return self.attach(),
            A::Undo => return self.undo(),
            A::GoToRecord => {
                let Some(q) = self.queue.as_mut() else {
                    self.message = Some("no queue is open".into());
                    return Vec::new();
                };
                q.prompt = Some(queue::Prompt { kind: queue::PromptKind::GoTo, text: String::new() });
                self.focus(Pane::Queue);
            }
            A::NextCode
            | A::PrevCode
            | A::RemoveCode
            | A::CodeUp
            | A::CodeDown
            | A::CyclePoa
            | A::PoaY
            | A::PoaN
            | A::PoaU
            | A::PoaW
            | A::PoaExempt
            | A::PoaClear
            | A::Reopen
            | A::Comment
            | A::Hold
            | A::QueryProvider
            | A::MarkDone
            | A::NextRecord
            | A::TakeOver
            | A::FindInDoc
            | A::FindNext
            | A::FindPrev
            | A::CycleEdition
            | A::CycleStatus
            | A::SortQueue
            | A::SetModifiers
            | A::SetUnits
            | A::SetPointers
            | A::NextEdit
            | A::NextOffer
            | A::UseOffer
            | A::CycleBook
            | A::NextColumn
            | A::PrevColumn
            | A::FollowRef => {}
            A::ShowBooks => self.show_books(),
        }
        Vec::new()
    }

    /// Time to refresh the claim on the open record (the loop calls this every
    /// `queue::claim::HEARTBEAT_EVERY` while a record is open).
    pub fn heartbeat(&mut self) -> Vec<Effect> {
        self.queue.as_ref().and_then(|q| q.open.clone()).map(Effect::Heartbeat).into_iter().collect()
    }

    /// Leave the workbench, giving back the claim on the open record.
    pub fn quit(&mut self) -> Vec<Effect> {
        self.quit = true;
        self.queue.as_ref().and_then(|q| q.open.clone()).map(Effect::Release).into_iter().collect()
    }

    fn focus(&mut self, pane: Pane) {
        self.pane = pane;
        if pane != Pane::Detail {
            self.left = pane;
        }
        self.help = None;
    }

    fn cancel(&mut self) -> Vec<Effect> {
        if self.help.is_some() {
            self.help = None;
        } else if self.pane == Pane::Search && self.search.typing {
            self.search.typing = false;
        } else if self.pane == Pane::Search && self.record_open() {
            self.focus(Pane::Queue);
        } else if self.pane == Pane::Detail {
            self.pane = self.left;
        } else if self.pane == Pane::Queue
            && let Some(q) = self.queue.as_mut()
            && q.open.is_some()
            && !q.find.is_empty()
        {
            // Esc first clears a find, then closes the record.
            q.find.clear();
            q.find_sel = 0;
        } else if self.pane == Pane::Queue
            && let Some(q) = self.queue.as_mut()
            && let Some(id) = q.open.take()
        {
            return vec![Effect::Release(id)];
        } else if self.pane != Pane::Search {
            self.focus(Pane::Search);
        }
        Vec::new()
    }

    /// Rows a page moves: the height of the results list.
    fn page(&self) -> usize {
        usize::from(
            crate::layout::search(crate::layout::screen(self.size).search(self.record_open())).results.height,
        )
        .max(1)
    }

    fn move_by(&mut self, delta: i64) {
        if let Some(scroll) = self.help.as_mut() {
            *scroll = (i64::from(*scroll) + delta).clamp(0, 500) as u16;
            return;
        }
        let clamp = |cur: usize, len: usize| -> usize {
            if len == 0 { 0 } else { (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize }
        };
        match self.pane {
            Pane::Search => {
                self.search.sel = clamp(self.search.sel, self.search.hits.len());
                self.preview_hit();
            }
            Pane::Detail => {
                // The last page ends with the last line.
                let height = usize::from(
                    crate::layout::inner(crate::layout::screen(self.size).detail(self.record_open())).height,
                );
                let max = detail::doc(self, self.detail_width()).lines.len().saturating_sub(height);
                self.detail.scroll =
                    clamp(usize::from(self.detail.scroll), max + 1).min(u16::MAX as usize) as u16;
            }
            Pane::Tree => {
                let rows = self.tree.rows(&self.book);
                let cur = self.tree.sel.and_then(|s| rows.iter().position(|r| r.0 == s)).unwrap_or(0);
                self.tree.sel = rows.get(clamp(cur, rows.len())).map(|r| r.0);
                self.preview_tree();
            }
            Pane::Pcs => {
                self.pcs.sel = clamp(self.pcs.sel, self.pcs_choices().len());
            }
            Pane::Queue => {}
            Pane::Books => self.books_move(delta),
        }
    }

    /// Columns the detail text wraps at.
    pub fn detail_width(&self) -> u16 {
        crate::layout::inner(crate::layout::screen(self.size).detail(self.record_open())).width.max(20)
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.pane {
            Pane::Search => {
                let Some(hit) = self.search.hits.get(self.search.sel).cloned() else { return Vec::new() };
                let Some(target) = self.target_of(hit.set, &hit.code) else {
                    self.message = Some(format!("{} is not in this edition", hit.code));
                    return Vec::new();
                };
                self.detail.show(target, false);
                self.pane = Pane::Detail;
                self.recents.touch(Used { set: hit.set, code: hit.code });
                vec![Effect::SaveRecents]
            }
            Pane::Detail => {
                let links = detail::doc(self, self.detail_width()).links;
                if let Some(t) = self.detail.link.and_then(|i| links.get(i)).map(|l| l.target.clone()) {
                    self.detail.show(t, false);
                }
                Vec::new()
            }
            Pane::Tree => {
                self.tree_open();
                Vec::new()
            }
            Pane::Pcs => {
                let choices = self.pcs_choices();
                match choices.get(self.pcs.sel) {
                    Some(n) => self.pcs_push(n.ch),
                    // Enter on a finished code attaches it to the open record.
                    None if self.pcs.prefix.len() == 7 && self.record_open() => self.attach(),
                    None => Vec::new(),
                }
            }
            Pane::Queue => Vec::new(),
            Pane::Books => self.books_open(),
        }
    }

    fn target_of(&self, set: CodeSet, code: &str) -> Option<Target> {
        match set {
            CodeSet::Icd10cm => self.book.cm.get(code).map(Target::Cm),
            CodeSet::Icd10pcs => {
                let key = crate::codeset::normalize(code);
                self.book.pcs.is_prefix(&key).then_some(Target::Pcs(key))
            }
            CodeSet::Hcpcs => {
                let key = crate::codeset::normalize(code);
                (self.book.hcpcs.get(&key).is_some() || self.book.hcpcs.modifier(&key).is_some())
                    .then_some(Target::Flat(CodeSet::Hcpcs, key))
            }
            CodeSet::Cpt => {
                let key = crate::codeset::normalize(code);
                self.book.cpt_code(&key).is_some().then_some(Target::Flat(CodeSet::Cpt, key))
            }
        }
    }

    fn preview_hit(&mut self) {
        if let Some(hit) = self.search.hits.get(self.search.sel)
            && let Some(t) = self.target_of(hit.set, &hit.code)
        {
            self.detail.show(t, true);
        }
    }

    fn cycle_link(&mut self, delta: i64) {
        let doc = detail::doc(self, self.detail_width());
        if doc.links.is_empty() {
            self.detail.link = None;
            return;
        }
        let n = doc.links.len() as i64;
        let next = match self.detail.link {
            None if delta > 0 => 0,
            None => n - 1,
            Some(i) => (i as i64 + delta).rem_euclid(n),
        } as usize;
        self.detail.link = Some(next);
        // Keep the link on screen.
        let line = doc.links[next].line as u16;
        let height =
            crate::layout::inner(crate::layout::screen(self.size).detail(self.record_open())).height.max(1);
        if line < self.detail.scroll || line >= self.detail.scroll + height {
            self.detail.scroll = line.saturating_sub(height / 2);
        }
    }

    /// A detail target as printed (`E11.22`, `0DTJ4ZZ`).
    pub fn detail_target_code(&self, t: &Target) -> String {
        match t {
            Target::Cm(id) => self.book.cm.node(*id).code.clone(),
            Target::Pcs(p) | Target::Flat(_, p) => p.clone(),
        }
    }

    /// The code under the cursor of the focused pane (for favourites and reveal).
    fn selected(&self) -> Option<(CodeSet, String)> {
        let from_target = |t: &Target| match t {
            Target::Cm(id) => (CodeSet::Icd10cm, self.book.cm.node(*id).code.clone()),
            Target::Pcs(p) => (CodeSet::Icd10pcs, p.clone()),
            Target::Flat(set, code) => (*set, code.clone()),
        };
        match self.pane {
            Pane::Search => self.search.hits.get(self.search.sel).map(|h| (h.set, h.code.clone())),
            Pane::Tree => self.tree.sel.and_then(|n| tree::code_of(&self.book, n)),
            Pane::Pcs => (!self.pcs.prefix.is_empty()).then(|| (CodeSet::Icd10pcs, self.pcs.prefix.clone())),
            Pane::Queue => None,
            Pane::Books => self.books_selected(),
            Pane::Detail => self.detail.current().map(from_target),
        }
    }

    fn toggle_favourite(&mut self) -> Vec<Effect> {
        let Some((set, code)) = self.selected() else { return Vec::new() };
        let on = self.recents.toggle_favourite(Used { set, code: code.clone() });
        self.message =
            Some(format!("{code} {}", if on { "added to favourites" } else { "removed from favourites" }));
        let mut effects = vec![Effect::SaveRecents];
        if self.search.query.trim().is_empty() {
            effects.extend(self.refresh_query());
        }
        effects
    }

    fn reveal_selected(&mut self) {
        let Some((set, code)) = self.selected() else { return };
        match (set, tree::node_of(&self.book, set, &code)) {
            (CodeSet::Icd10cm | CodeSet::Hcpcs | CodeSet::Cpt, Some(node)) => {
                self.tree.reveal(&self.book, node);
                self.focus(Pane::Tree);
                self.preview_tree();
            }
            (CodeSet::Icd10pcs, _) => {
                // The PCS "tree" is the builder.
                self.pcs.prefix = code;
                self.pcs.sel = 0;
                self.focus(Pane::Pcs);
                self.preview_pcs();
            }
            _ => self.message = Some(format!("{code} is not in the tree")),
        }
    }
}

mod queue_update;

#[cfg(test)]
pub(crate) mod tests;
