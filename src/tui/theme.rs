//! Semantic colours. Backgrounds are left to the terminal (light and dark both work); with
//! `NO_COLOR` set only bold/reverse remain, except that PROD keeps its warning.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone)]
pub struct Theme {
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    pub muted: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub danger: Style,
    pub env_test: Style,
    /// Unmissable, also without colour: reversed bold.
    pub env_prod: Style,
    pub key: Style,
    pub error_field: Style,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        if !color {
            let plain = Style::default();
            return Theme {
                title: plain.add_modifier(Modifier::BOLD),
                border: plain,
                border_focus: plain.add_modifier(Modifier::BOLD),
                header: plain.add_modifier(Modifier::BOLD),
                muted: plain.add_modifier(Modifier::DIM),
                selected: plain.add_modifier(Modifier::REVERSED),
                ok: plain,
                warn: plain.add_modifier(Modifier::BOLD),
                danger: plain.add_modifier(Modifier::BOLD),
                env_test: plain.add_modifier(Modifier::BOLD),
                env_prod: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
                key: plain.add_modifier(Modifier::BOLD),
                error_field: plain.add_modifier(Modifier::BOLD),
            };
        }
        Theme {
            title: Style::default().add_modifier(Modifier::BOLD),
            border: Style::default().fg(Color::DarkGray),
            border_focus: Style::default().fg(Color::Cyan),
            header: Style::default().add_modifier(Modifier::BOLD),
            muted: Style::default().fg(Color::DarkGray),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            ok: Style::default().fg(Color::Green),
            warn: Style::default().fg(Color::Yellow),
            danger: Style::default().fg(Color::Red),
            env_test: Style::default()
                .fg(Color::Black)
                .bg(Color::Green)
                .add_modifier(Modifier::BOLD),
            env_prod: Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            key: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            error_field: Style::default().fg(Color::Red),
        }
    }

    /// Colour unless `NO_COLOR` is set (https://no-color.org).
    pub fn from_env() -> Theme {
        Theme::new(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(true)
    }
}
