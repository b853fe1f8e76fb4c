//! Read-only overlays: the `?` key list and the detail view of one object. Both scroll.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, wrapped_lines};
use crate::tui::theme::Theme;

/// A titled list of (label, value) lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub title: String,
    pub lines: Vec<(String, String)>,
    pub scroll: u16,
}

impl Overlay {
    pub fn new(title: impl Into<String>, lines: Vec<(String, String)>) -> Overlay {
        Overlay {
            title: title.into(),
            lines,
            scroll: 0,
        }
    }

    /// False when the key closes the overlay.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        let last = self.lines.len().saturating_sub(1) as u16;
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
                return false;
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll = (self.scroll + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = (self.scroll + 10).min(last),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => self.scroll = 0,
            KeyCode::End | KeyCode::Char('G') => self.scroll = last,
            _ => {}
        }
        true
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let label_w = self
            .lines
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(28);
        let lines: Vec<Line> = self
            .lines
            .iter()
            .map(|(l, v)| {
                if l.is_empty() {
                    Line::styled(v.clone(), theme.title)
                } else {
                    Line::from(vec![
                        Span::styled(format!("{l:<label_w$}  "), theme.key),
                        Span::raw(v.clone()),
                    ])
                }
            })
            .collect();
        let width = area.width.saturating_sub(4).max(20);
        // Long values wrap: count the lines they take, so nothing is cut below the box.
        let text_h: u16 = self
            .lines
            .iter()
            .map(|(l, v)| {
                let label = if l.is_empty() { 0 } else { label_w + 2 };
                let line = format!("{}{v}", "x".repeat(label));
                wrapped_lines(&line, width.saturating_sub(2))
            })
            .fold(0, u16::saturating_add);
        let h = text_h.saturating_add(2).max(5);
        let area = centered(area, width, h);
        f.render_widget(Clear, area);
        let block = Block::bordered()
            .border_style(theme.border_focus)
            .title(Span::styled(format!(" {} ", self.title), theme.title))
            .title_bottom(Line::styled(" ↑↓ scroll · Esc close ", theme.muted));
        f.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            area,
        );
    }
}
