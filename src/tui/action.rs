//! Everything that can happen to the UI: a user's input, the clock, and the answer to a
//! request. `App::update` takes these one at a time.

use std::time::SystemTime;

use crossterm::event::{KeyEvent, MouseEvent};

use super::effect::{Area, Doctored, Loaded, Rotated};

#[derive(Debug)]
pub enum Action {
    /// Ask for everything the screens show (first frame, and after switching profile).
    Start,
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved: expires toasts, turns the spinner, counts the token down.
    Tick(SystemTime),
    /// Whether the server answered a load at all (an HTTP error is an answer; a timeout or
    /// a refused connection is not). Sent just before that load's `Loaded`; `false` also
    /// before a `Mutated` that found no server.
    Reach(bool),
    /// A load came back. `generation` is the one the request was sent with; an answer to a
    /// request that a newer one replaced is dropped.
    Loaded {
        generation: u64,
        data: Loaded,
    },
    /// A change came back: `Ok` carries the message for the status line. `select` names the
    /// row to select once the lists are read again (a created scope's name, a client's id).
    Mutated {
        area: Area,
        result: Result<String, String>,
        select: Option<String>,
    },
    /// A plan of the estate file named, or why there is none.
    Planned(String, Result<crate::estate::Plan, String>),
    /// One change of a plan being applied ended: its description, and the refusal.
    PlanStep(String, Result<(), String>),
    /// `:export` ended.
    Exported(Result<String, String>),
    /// The journal of changes, oldest first.
    Journal(Result<Vec<crate::journal::Entry>, String>),
    /// A rotation came back: proven (ask about the old key), not proven, or failed.
    Rotated(Rotated),
    /// The token doctor's answer; `Err` when it could not ask (key file, network).
    TokenTested(Result<Doctored, String>),
    /// The checks `:doctor` asked for.
    Doctor(Box<crate::doctor::Report>),
    /// Names looked up for `asked`; a number absent from `found` could not be looked up.
    Names {
        asked: Vec<crate::api::types::OrgNumber>,
        found: crate::names::Names,
    },
}
