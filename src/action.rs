//! Everything the coder can ask the workbench to do. The serde names
//! (`move_down`, `toggle_billable`, ...) are the vocabulary of the key map file.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    /// Close an overlay, leave the search box for the results, or go back a level.
    Cancel,
    FocusNext,
    FocusPrev,
    /// Put the cursor in the search box.
    FocusSearch,
    ShowSearch,
    ShowDetail,
    ShowTree,
    ShowPcs,
    ShowQueue,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Open the selection: the detail of a result, follow a link, expand a tree node, pick a PCS value.
    Open,
    /// Tree: collapse, or go to the parent when collapsed.
    Collapse,
    Expand,
    Parent,
    NextSibling,
    PrevSibling,
    /// Tree: start typing a code or words to jump to.
    TypeAhead,
    Back,
    Forward,
    NextLink,
    PrevLink,
    /// Cycle the code set filter: all, ICD-10-CM, ICD-10-PCS.
    CycleSet,
    ToggleBillable,
    ToggleFavourite,
    /// Show the selected code in the hierarchy browser.
    RevealInTree,
    ClearQuery,
    DeleteChar,
    DeleteWord,
    /// PCS builder: remove the last character.
    StepBack,
    /// PCS builder: clear every chosen character.
    ResetPcs,
    /// Attach the selected code to the open record (diagnosis for ICD-10-CM, procedure for PCS).
    Attach,
    NextCode,
    PrevCode,
    RemoveCode,
    CodeUp,
    CodeDown,
    /// Inpatient: cycle the present-on-admission indicator of the selected code.
    CyclePoa,
    /// Inpatient: set the selected code's POA to Y, N, U, W, 1 (exempt), or clear it.
    PoaY,
    PoaN,
    PoaU,
    PoaW,
    PoaExempt,
    PoaClear,
    /// Undo the last change to the open record (applied as its inverse, so audited).
    Undo,
    /// Record: reopen a record marked done (audited).
    Reopen,
    /// Open a record by its id or its number in the queue.
    GoToRecord,
    Comment,
    Hold,
    QueryProvider,
    MarkDone,
    NextRecord,
    /// Record: take the record over from the coder who holds it.
    TakeOver,
    /// Record: find words in the documentation.
    FindInDoc,
    FindNext,
    FindPrev,
    /// Record: code it against another edition (by date of service, then each installed one).
    CycleEdition,
    /// Queue: cycle the status filter.
    CycleStatus,
    /// Queue: order the list by file, priority, due date.
    SortQueue,
    /// Record: the modifiers of the selected procedure line (a prompt).
    SetModifiers,
    /// Record: the units of the selected procedure line (a prompt).
    SetUnits,
    /// Record: the diagnosis pointers (A-L) of the selected procedure line (a prompt).
    SetPointers,
    /// Record: select the next edit (every edit is reachable this way).
    NextEdit,
    /// Record: select the next code the selected edit suggests.
    NextOffer,
    /// Record: attach the suggested code in place of the code the edit is about.
    UseOffer,
    /// The index and tables pane.
    ShowBooks,
    /// Books: the next book the edition has (Drug table, Neoplasm table, indexes, PCS index).
    CycleBook,
    /// Books: the next column of a table (in an index: follow the reference).
    NextColumn,
    /// Books: the previous column of a table (in an index: back).
    PrevColumn,
    /// Books: follow the line's `see`, `see also` or `see category`.
    FollowRef,
}

impl Action {
    /// What the action does, for the help screen and the status bar.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Cancel => "back / close",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::FocusSearch => "search",
            Action::ShowSearch => "search pane",
            Action::ShowDetail => "detail pane",
            Action::ShowTree => "tree",
            Action::ShowPcs => "PCS builder",
            Action::ShowQueue => "queue",
            Action::MoveUp => "up",
            Action::MoveDown => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Collapse => "collapse",
            Action::Expand => "expand",
            Action::Parent => "parent",
            Action::NextSibling => "next sibling",
            Action::PrevSibling => "previous sibling",
            Action::TypeAhead => "jump to code/words",
            Action::Back => "back",
            Action::Forward => "forward",
            Action::NextLink => "next linked code",
            Action::PrevLink => "previous linked code",
            Action::CycleSet => "set filter",
            Action::ToggleBillable => "billable only",
            Action::ToggleFavourite => "favourite",
            Action::RevealInTree => "show in tree",
            Action::ClearQuery => "clear query",
            Action::DeleteChar => "delete char",
            Action::DeleteWord => "delete word",
            Action::StepBack => "step back",
            Action::ResetPcs => "restart",
            Action::Attach => "attach to record",
            Action::NextCode => "next code",
            Action::PrevCode => "previous code",
            Action::RemoveCode => "remove code",
            Action::CodeUp => "move code up",
            Action::CodeDown => "move code down",
            Action::CyclePoa => "POA: cycle",
            Action::PoaY => "POA Y: present at admission",
            Action::PoaN => "POA N: not present",
            Action::PoaU => "POA U: documentation insufficient",
            Action::PoaW => "POA W: clinically undetermined",
            Action::PoaExempt => "POA 1: exempt",
            Action::PoaClear => "POA: clear",
            Action::Undo => "undo last change",
            Action::Reopen => "reopen (done)",
            Action::GoToRecord => "go to record",
            Action::Comment => "comment",
            Action::Hold => "hold",
            Action::QueryProvider => "query provider",
            Action::MarkDone => "done",
            Action::NextRecord => "next record to code",
            Action::TakeOver => "take over from its holder",
            Action::FindInDoc => "find in note",
            Action::FindNext => "next match",
            Action::FindPrev => "previous match",
            Action::CycleEdition => "edition: by date / choose",
            Action::CycleStatus => "status filter",
            Action::SortQueue => "sort by priority/due",
            Action::SetModifiers => "line: modifiers",
            Action::SetUnits => "line: units",
            Action::SetPointers => "line: diagnosis pointers",
            Action::NextEdit => "next edit",
            Action::NextOffer => "next suggested code",
            Action::UseOffer => "use suggested code",
            Action::ShowBooks => "index and tables",
            Action::CycleBook => "next book",
            Action::NextColumn => "next column / follow",
            Action::PrevColumn => "previous column / back",
            Action::FollowRef => "follow see / see also",
        }
    }
}
