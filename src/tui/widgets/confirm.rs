//! Confirmation of a destructive change. It names the object and the environment, starts on
//! "no" (Enter alone does nothing), and needs `y` — or, for the worst cases, the object's name
//! typed out.

use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::form::Form;
use super::{centered, wrapped_lines};
use crate::tui::app::FormPurpose;
use crate::tui::effect::Mutation;
use crate::tui::theme::Theme;

#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// When set, the user must type exactly this and press Enter.
    pub expect: Option<String>,
    pub typed: Input,
    pub mutation: Mutation,
    /// The form that asked for this change, shown again when the dialog closes.
    pub back: Option<(Box<Form>, FormPurpose)>,
    /// Declining is not the end: how to do it later, shown (and copyable) instead.
    pub later: Option<Later>,
}

/// What to do later when a dialog is declined: why, and the exact command.
#[derive(Debug, Clone, PartialEq)]
pub struct Later {
    pub why: String,
    pub command: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Stay,
    Yes,
    No,
}

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<String>, mutation: Mutation) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            expect: None,
            typed: Input::default(),
            mutation,
            back: None,
            later: None,
        }
    }

    pub fn typed(mut self, expect: impl Into<String>) -> Confirm {
        self.expect = Some(expect.into());
        self
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> ConfirmOutcome {
        if key.code == KeyCode::Esc {
            return ConfirmOutcome::No;
        }
        match &self.expect {
            Some(expect) => {
                if key.code == KeyCode::Enter {
                    return if self.typed.value() == expect {
                        ConfirmOutcome::Yes
                    } else {
                        ConfirmOutcome::Stay
                    };
                }
                self.typed.handle_event(&Event::Key(key));
                ConfirmOutcome::Stay
            }
            None => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => ConfirmOutcome::Yes,
                KeyCode::Char('n') | KeyCode::Char('N') => ConfirmOutcome::No,
                _ => ConfirmOutcome::Stay,
            },
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, env: &str, theme: &Theme) {
        let mut text: Vec<Line> = self.lines.iter().map(|l| Line::raw(l.as_str())).collect();
        text.push(Line::raw(""));
        text.push(Line::from(vec![
            Span::styled("environment: ", theme.muted),
            Span::styled(env.to_owned(), theme.warn),
        ]));
        text.push(Line::raw(""));
        match &self.expect {
            Some(expect) => {
                text.push(Line::from(vec![
                    Span::raw("Type "),
                    Span::styled(expect.clone(), theme.key),
                    Span::raw(" and press Enter to confirm, Esc to cancel:"),
                ]));
                text.push(Line::from(vec![
                    Span::styled("> ", theme.key),
                    Span::raw(self.typed.value().to_owned()),
                ]));
            }
            None => text.push(Line::from(vec![
                Span::styled("y", theme.key),
                Span::raw(" confirm   "),
                Span::styled("n/Esc", theme.key),
                Span::raw(" cancel"),
            ])),
        }
        let width = area.width.min(70);
        // Long lines (a thumbprint kid, a proof) wrap: count the rows they take, so the line
        // saying which key confirms is never cut off below the box.
        let rows = text
            .iter()
            .map(|l| wrapped_lines(&l.to_string(), width.saturating_sub(2)))
            .fold(0, u16::saturating_add);
        let area = centered(area, width, rows.saturating_add(2));
        f.render_widget(Clear, area);
        let block = Block::bordered()
            .border_style(theme.danger)
            .title(Span::styled(format!(" {} ", self.title), theme.danger));
        let inner = block.inner(area);
        f.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
            area,
        );
        if self.expect.is_some() {
            let x = inner.x + 2 + self.typed.visual_cursor() as u16;
            f.set_cursor_position(Position::new(
                x.min(inner.right().saturating_sub(1)),
                inner.bottom().saturating_sub(1),
            ));
        }
    }
}
