//! The status line: a spinner while requests are in flight, successes that fade after a few
//! seconds, and errors that stay until the next message or Esc.

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// How long a success message stays.
pub const TOAST_TIME: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    /// Errors have none: they stay.
    pub until: Option<SystemTime>,
}

pub fn spinner(frame: usize) -> &'static str {
    SPINNER[frame % SPINNER.len()]
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    toast: Option<&Toast>,
    pending: usize,
    frame: usize,
    theme: &Theme,
) {
    let mut spans = Vec::new();
    if pending > 0 {
        spans.push(Span::styled(format!("{} ", spinner(frame)), theme.key));
        if toast.is_none() {
            spans.push(Span::styled(
                format!(
                    "{pending} request{} in flight",
                    if pending == 1 { "" } else { "s" }
                ),
                theme.muted,
            ));
        }
    }
    if let Some(t) = toast {
        let style = match t.level {
            Level::Info => theme.muted,
            Level::Ok => theme.ok,
            Level::Error => theme.danger,
        };
        let text = t.text.replace(['\n', '\r'], " ");
        spans.push(Span::styled(text, style));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
        area,
    );
}

/// Lines the status needs at this width: long errors (with a correlation id at the end) wrap
/// onto up to three lines rather than losing their end.
pub fn height(toast: Option<&Toast>, width: u16) -> u16 {
    let len = toast.map_or(0, |t| t.text.chars().count() + 2);
    let width = usize::from(width.max(1));
    len.div_ceil(width).clamp(1, 3) as u16
}
