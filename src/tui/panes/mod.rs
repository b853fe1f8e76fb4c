//! The four panes. Each file holds the pane's state, its commands and its drawing.

pub mod access;
pub mod clients;
pub mod keys;
pub mod scopes;

/// Which pane is in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Scopes,
    Access,
    Clients,
    Keys,
}

impl PaneId {
    pub const ALL: [PaneId; 4] = [
        PaneId::Scopes,
        PaneId::Access,
        PaneId::Clients,
        PaneId::Keys,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Scopes => "Scopes",
            PaneId::Access => "Access",
            PaneId::Clients => "Clients",
            PaneId::Keys => "Keys",
        }
    }

    /// Where the pane sits in the tab bar (and which digit jumps to it).
    pub fn index(self) -> usize {
        PaneId::ALL.iter().position(|&p| p == self).unwrap_or(0)
    }

    pub fn next(self) -> PaneId {
        PaneId::ALL[(self.index() + 1) % PaneId::ALL.len()]
    }

    pub fn prev(self) -> PaneId {
        PaneId::ALL[(self.index() + PaneId::ALL.len() - 1) % PaneId::ALL.len()]
    }
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
