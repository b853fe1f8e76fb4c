//! The panes. Each file holds the pane's state, its commands and its drawing, and ends with
//! its `PANE` entry: adding a pane is its file, a `PaneId` variant and the line that maps the
//! variant to the file's `PANE`.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::App;
use super::effect::{Area, Effect};
use super::keymap::Cmd;
use super::widgets::table::FilterTable;

pub mod access;
pub mod clients;
pub mod keys;
pub mod onbehalfof;
pub mod scopes;

/// Which pane is in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Scopes,
    Access,
    Clients,
    Keys,
    /// The on-behalf-of registrations of one client: reached from the clients pane, so it
    /// has no tab of its own.
    OnBehalfOf,
}

impl PaneId {
    pub const ALL: [PaneId; 4] = [
        PaneId::Scopes,
        PaneId::Access,
        PaneId::Clients,
        PaneId::Keys,
    ];

    /// The pane's entry points.
    pub fn pane(self) -> &'static Pane {
        match self {
            PaneId::Scopes => &scopes::PANE,
            PaneId::Access => &access::PANE,
            PaneId::Clients => &clients::PANE,
            PaneId::Keys => &keys::PANE,
            PaneId::OnBehalfOf => &onbehalfof::PANE,
        }
    }

    pub fn title(self) -> &'static str {
        self.pane().title
    }

    /// The tab that stands for the pane: its own, or the one it was reached from.
    pub fn tab(self) -> PaneId {
        match self {
            PaneId::OnBehalfOf => PaneId::Clients,
            p => p,
        }
    }

    /// Where the pane sits in the tab bar (and which digit jumps to it).
    pub fn index(self) -> usize {
        PaneId::ALL
            .iter()
            .position(|&p| p == self.tab())
            .unwrap_or(0)
    }

    pub fn next(self) -> PaneId {
        PaneId::ALL[(self.index() + 1) % PaneId::ALL.len()]
    }

    pub fn prev(self) -> PaneId {
        PaneId::ALL[(self.index() + PaneId::ALL.len() - 1) % PaneId::ALL.len()]
    }
}

/// What every pane offers `App` and the view: one table of entry points, so neither matches
/// on which pane is in front.
pub struct Pane {
    pub title: &'static str,
    /// What `r` re-reads.
    pub refresh: fn() -> Area,
    /// A key the pane handles (global keys are `App`'s).
    pub command: fn(&mut App, Cmd) -> Vec<Effect>,
    pub render: fn(&App, &mut Frame, Rect),
    /// The table the movement, filter and sort keys act on.
    pub table: fn(&App) -> &FilterTable,
    pub table_mut: fn(&mut App) -> &mut FilterTable,
}

/// `2026-11-22T10:53:56.301+01:00` -> `2026-11-22 10:53`: enough to read, narrow enough for 80
/// columns.
pub fn short_time(ts: Option<&str>) -> String {
    match ts {
        Some(t) if t.len() >= 16 => format!("{} {}", &t[..10], &t[11..16]),
        Some(t) => t.to_owned(),
        None => String::new(),
    }
}

/// Keys under this many days are shown in red.
pub const EXPIRY_WARN_DAYS: i64 = 30;
