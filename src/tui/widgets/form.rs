//! A modal form: text fields (tui-input) validated as you type, choices, toggles and a
//! multi-select with its own filter. Tab / Shift-Tab move between fields; Enter submits only
//! when every field is valid; a failed save leaves everything as typed.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{centered, wrapped_lines};
use crate::tui::theme::Theme;

pub type Validator = fn(&str) -> Result<(), String>;

#[derive(Debug, Clone)]
pub enum FieldKind {
    Text {
        input: Input,
        validate: Option<Validator>,
    },
    Choice {
        options: Vec<String>,
        index: usize,
    },
    Toggle(bool),
    Multi {
        options: Vec<String>,
        chosen: Vec<bool>,
        cursor: usize,
        filter: Input,
    },
}

#[derive(Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub error: Option<String>,
    /// A passphrase: drawn as dots, left out of `Debug`.
    pub secret: bool,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Field");
        d.field("name", &self.name).field("error", &self.error);
        if self.secret {
            d.field("kind", &"<redacted>");
        } else {
            d.field("kind", &self.kind);
        }
        d.finish()
    }
}

impl Field {
    pub fn text(
        name: &'static str,
        label: &'static str,
        value: &str,
        v: Option<Validator>,
    ) -> Field {
        let mut f = Field {
            name,
            label,
            kind: FieldKind::Text {
                input: Input::new(value.to_owned()),
                validate: v,
            },
            error: None,
            secret: false,
        };
        f.validate();
        f
    }

    /// A masked text field for a passphrase; what is typed is never drawn.
    pub fn secret(name: &'static str, label: &'static str) -> Field {
        Field {
            secret: true,
            ..Field::text(name, label, "", None)
        }
    }

    pub fn choice(
        name: &'static str,
        label: &'static str,
        options: Vec<String>,
        value: &str,
    ) -> Field {
        let index = options.iter().position(|o| o == value).unwrap_or(0);
        Field {
            name,
            label,
            kind: FieldKind::Choice { options, index },
            error: None,
            secret: false,
        }
    }

    pub fn toggle(name: &'static str, label: &'static str, on: bool) -> Field {
        Field {
            name,
            label,
            kind: FieldKind::Toggle(on),
            error: None,
            secret: false,
        }
    }

    pub fn multi(
        name: &'static str,
        label: &'static str,
        options: Vec<String>,
        chosen: &[String],
    ) -> Field {
        let flags = options.iter().map(|o| chosen.contains(o)).collect();
        Field {
            name,
            label,
            kind: FieldKind::Multi {
                options,
                chosen: flags,
                cursor: 0,
                filter: Input::default(),
            },
            error: None,
            secret: false,
        }
    }

    fn validate(&mut self) {
        if let FieldKind::Text {
            input,
            validate: Some(v),
        } = &self.kind
        {
            self.error = v(input.value()).err();
        }
    }

    /// Text of a text field, the chosen option of a choice.
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text { input, .. } => input.value().to_owned(),
            FieldKind::Choice { options, index } => {
                options.get(*index).cloned().unwrap_or_default()
            }
            FieldKind::Toggle(b) => b.to_string(),
            FieldKind::Multi { .. } => self.values().join(" "),
        }
    }

    pub fn is_on(&self) -> bool {
        matches!(self.kind, FieldKind::Toggle(true))
    }

    /// The chosen options of a multi-select.
    pub fn values(&self) -> Vec<String> {
        match &self.kind {
            FieldKind::Multi {
                options, chosen, ..
            } => options
                .iter()
                .zip(chosen)
                .filter(|(_, c)| **c)
                .map(|(o, _)| o.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    fn height(&self) -> u16 {
        match self.kind {
            FieldKind::Multi { .. } => 7,
            _ => 3,
        }
    }
}

/// A checklist option's box (`[x]` when chosen) and its style (highlighted under the cursor).
fn option_look(
    chosen: &[bool],
    i: usize,
    on_cursor: bool,
    theme: &Theme,
) -> (&'static str, ratatui::style::Style) {
    let mark = if chosen.get(i).copied().unwrap_or(false) {
        "[x]"
    } else {
        "[ ]"
    };
    let style = if on_cursor {
        theme.selected
    } else {
        ratatui::style::Style::default()
    };
    (mark, style)
}

fn visible_options<'a>(options: &'a [String], filter: &Input) -> Vec<(usize, &'a String)> {
    let needle = filter.value().to_lowercase();
    options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.to_lowercase().contains(&needle))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The server's answer to the last save, shown above the fields.
    pub error: Option<String>,
    pub submitting: bool,
    /// Lines under the fields that the app keeps up to date as they are typed (the names of
    /// the organisations in a grant dialog); `true` draws one as a warning.
    pub notes: Vec<(String, bool)>,
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Stay,
    Submit,
    Cancel,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Form {
        Form {
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            submitting: false,
            notes: Vec::new(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn value(&self, name: &str) -> String {
        self.field(name).map(Field::value).unwrap_or_default()
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        if self.submitting {
            // Input waits while the save is in flight; Esc still closes.
            return if key.code == KeyCode::Esc {
                FormOutcome::Cancel
            } else {
                FormOutcome::Stay
            };
        }
        let n = self.fields.len();
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Tab => self.focus = (self.focus + 1) % n.max(1),
            KeyCode::BackTab => self.focus = (self.focus + n.max(1) - 1) % n.max(1),
            KeyCode::Enter => {
                return match self.fields.iter().position(|f| f.error.is_some()) {
                    Some(bad) => {
                        self.focus = bad;
                        FormOutcome::Stay
                    }
                    None => FormOutcome::Submit,
                };
            }
            _ => {
                if let Some(field) = self.fields.get_mut(self.focus) {
                    let moved = field_key(field, key);
                    if !moved {
                        match key.code {
                            KeyCode::Down => self.focus = (self.focus + 1).min(n.saturating_sub(1)),
                            KeyCode::Up => self.focus = self.focus.saturating_sub(1),
                            _ => {}
                        }
                    }
                }
            }
        }
        FormOutcome::Stay
    }

    /// Pasted text goes into the focused text field; line breaks become spaces.
    pub fn paste(&mut self, text: &str) {
        if let Some(field) = self.fields.get_mut(self.focus)
            && let FieldKind::Text { input, .. } = &mut field.kind
        {
            let clean: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let mut value = input.value().to_owned();
            let at = value
                .char_indices()
                .nth(input.cursor())
                .map_or(value.len(), |(i, _)| i);
            value.insert_str(at, &clean);
            let cursor = input.cursor() + clean.chars().count();
            *input = Input::new(value).with_cursor(cursor);
            field.validate();
        }
    }

    /// The fields to draw in `height` lines: a window that always holds the focused field.
    fn window(&self, height: u16) -> (usize, usize) {
        let mut start = 0;
        loop {
            let mut used = 0;
            let mut end = start;
            while end < self.fields.len() && used + self.fields[end].height() <= height {
                used += self.fields[end].height();
                end += 1;
            }
            if self.focus < end || start >= self.focus {
                return (start, end.max(start + 1).min(self.fields.len()));
            }
            start += 1;
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        const WIDTH: u16 = 72;
        // The focused field's problem is spelled out in full under the fields: on the field's
        // border it would be cut at the dialog's width, just where the fix is named.
        let focused_error = self
            .fields
            .get(self.focus)
            .and_then(|f| f.error.as_deref())
            .filter(|_| !self.submitting);
        // A long title (a rotation of a thumbprint kid) widens the dialog instead of being cut.
        let width = WIDTH
            .max(u16::try_from(self.title.chars().count() + 4).unwrap_or(u16::MAX))
            .min(area.width);
        let error_lines = focused_error.map_or(0, |e| wrapped_lines(e, width.saturating_sub(2)));
        let body: u16 = self.fields.iter().map(Field::height).sum();
        let form_error = self
            .error
            .as_deref()
            .map_or(0, |e| wrapped_lines(e, width.saturating_sub(2)));
        let notes = u16::try_from(self.notes.len()).unwrap_or(u16::MAX);
        let extra = form_error + error_lines + notes;
        if body + extra + 2 > area.height {
            return self.render_compact(f, area, focused_error, theme);
        }
        let area = centered(area, width, body + extra + 2);
        f.render_widget(Clear, area);
        let room = area.height.saturating_sub(2 + extra);
        let (first, last) = self.window(room);
        let hint = self.hint(first, last);
        let block = Block::bordered()
            .border_style(theme.border_focus)
            .title(Span::styled(format!(" {} ", self.title), theme.title))
            .title_bottom(Line::styled(hint, theme.muted));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let mut constraints: Vec<Constraint> = Vec::new();
        if self.error.is_some() {
            constraints.push(Constraint::Length(form_error));
        }
        for (i, field) in self.fields.iter().enumerate().take(last).skip(first) {
            constraints.push(Constraint::Length(field.height()));
            if i == self.focus {
                constraints.push(Constraint::Length(error_lines));
            }
        }
        constraints.push(Constraint::Length(notes));
        constraints.push(Constraint::Fill(1));
        let areas = Layout::vertical(constraints).split(inner);
        let mut slots = areas.iter().copied();
        if let Some(err) = &self.error
            && let Some(a) = slots.next()
        {
            f.render_widget(
                Paragraph::new(err.as_str())
                    .style(theme.danger)
                    .wrap(Wrap { trim: true }),
                a,
            );
        }
        for (i, field) in self.fields.iter().enumerate().take(last).skip(first) {
            let Some(a) = slots.next() else { break };
            render_field(f, field, a, i == self.focus && !self.submitting, theme);
            if i == self.focus
                && let Some(a) = slots.next()
                && let Some(err) = focused_error
            {
                f.render_widget(
                    Paragraph::new(err)
                        .style(theme.error_field)
                        .wrap(Wrap { trim: true }),
                    a,
                );
            }
        }
        if let Some(a) = slots.next() {
            f.render_widget(self.notes_paragraph(theme), a);
        }
    }

    /// The notes under the fields (names of typed organisation numbers), warnings in colour.
    fn notes_paragraph(&self, theme: &Theme) -> Paragraph<'_> {
        let lines: Vec<Line> = self
            .notes
            .iter()
            .map(|(text, warn)| {
                Line::styled(
                    format!(" {text}"),
                    if *warn { theme.warn } else { theme.muted },
                )
            })
            .collect();
        Paragraph::new(lines)
    }
}

/// Columns a compact two-column form needs before it uses two.
const TWO_COLUMNS_FROM: u16 = 96;

impl Form {
    fn hint(&self, first: usize, last: usize) -> String {
        let mut hint = if self.submitting {
            " saving… ".to_owned()
        } else {
            " Tab next · Enter save · Esc cancel ".to_owned()
        };
        if first > 0 || last < self.fields.len() {
            hint.push_str(&format!(
                "· fields {}-{} of {} ",
                first + 1,
                last,
                self.fields.len()
            ));
        }
        hint
    }

    /// A form taller than the screen in boxes: one line per field (label, value), or, when
    /// the screen is wide, a label line over a value line in two columns. Only when even that
    /// does not fit does a window of the fields scroll.
    fn render_compact(
        &self,
        f: &mut Frame,
        area: Rect,
        focused_error: Option<&str>,
        theme: &Theme,
    ) {
        let n = self.fields.len();
        let two = area.width >= TWO_COLUMNS_FROM;
        let width = if two {
            area.width.saturating_sub(2).min(120)
        } else {
            area.width.min(76)
        };
        let text_width = width.saturating_sub(2);
        let form_error = self
            .error
            .as_deref()
            .map_or(0, |e| wrapped_lines(e, text_width));
        let error_lines = focused_error.map_or(0, |e| wrapped_lines(e, text_width));
        let notes = u16::try_from(self.notes.len()).unwrap_or(u16::MAX);
        let extra = form_error + error_lines + notes;
        let per_column = if two { n.div_ceil(2) } else { n };
        let row_height: u16 = if two { 2 } else { 1 };
        let wanted = u16::try_from(per_column)
            .unwrap_or(u16::MAX)
            .saturating_mul(row_height);
        let area = centered(area, width, wanted + extra + 2);
        f.render_widget(Clear, area);
        let room = usize::from(area.height.saturating_sub(2 + extra) / row_height).max(1);
        // Rows of fields shown: all of them, or a window holding the focused one.
        let focus_row = if two {
            self.focus % per_column
        } else {
            self.focus
        };
        let start = focus_row
            .saturating_sub(room - 1)
            .min(per_column.saturating_sub(room));
        let rows = start..(start + room).min(per_column);
        let (first, last) = if two { (0, n) } else { (rows.start, rows.end) };
        let hint = if two && rows.len() < per_column {
            self.hint(rows.start, rows.end)
        } else {
            self.hint(first, last)
        };
        let block = Block::bordered()
            .border_style(theme.border_focus)
            .title(Span::styled(format!(" {} ", self.title), theme.title))
            .title_bottom(Line::styled(hint, theme.muted));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [err_area, fields_area, field_err_area, notes_area] = Layout::vertical([
            Constraint::Length(form_error),
            Constraint::Fill(1),
            Constraint::Length(error_lines),
            Constraint::Length(notes),
        ])
        .areas(inner);
        f.render_widget(self.notes_paragraph(theme), notes_area);
        if let Some(err) = &self.error {
            f.render_widget(
                Paragraph::new(err.as_str())
                    .style(theme.danger)
                    .wrap(Wrap { trim: true }),
                err_area,
            );
        }
        if let Some(err) = focused_error {
            f.render_widget(
                Paragraph::new(err)
                    .style(theme.error_field)
                    .wrap(Wrap { trim: true }),
                field_err_area,
            );
        }
        let columns: Vec<Rect> = if two {
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)])
                .spacing(2)
                .split(fields_area)
                .to_vec()
        } else {
            vec![fields_area]
        };
        let label_width = self
            .fields
            .iter()
            .map(|f| f.label.chars().count() + 3)
            .max()
            .unwrap_or(0)
            .min(usize::from(fields_area.width).saturating_sub(24));
        for (i, field) in self.fields.iter().enumerate() {
            let (column, row) = if two {
                (i / per_column, i % per_column)
            } else {
                (0, i)
            };
            if !rows.contains(&row) {
                continue;
            }
            let Some(col) = columns.get(column) else {
                continue;
            };
            let y = col.y + u16::try_from(row - rows.start).unwrap_or(0) * row_height;
            let focused = i == self.focus && !self.submitting;
            let label_style = match (&field.error, focused) {
                (Some(_), _) => theme.error_field,
                (None, true) => theme.border_focus.patch(theme.title),
                (None, false) => theme.muted,
            };
            let mark = if focused { "› " } else { "  " };
            let label = format!("{mark}{}", field.label);
            let (value_area, label_area) = if two {
                (
                    Rect::new(col.x + 2, y + 1, col.width.saturating_sub(2), 1),
                    Rect::new(col.x, y, col.width, 1),
                )
            } else {
                let lw = u16::try_from(label_width).unwrap_or(0);
                (
                    Rect::new(col.x + lw, y, col.width.saturating_sub(lw), 1),
                    Rect::new(col.x, y, lw, 1),
                )
            };
            f.render_widget(Line::styled(label, label_style), label_area);
            render_value(f, field, value_area, focused, theme);
        }
    }
}

/// A text value on one line, scrolled to keep the cursor in view (a secret as dots), with the
/// terminal's cursor on it when focused.
fn render_text(
    f: &mut Frame,
    secret: bool,
    input: &Input,
    area: Rect,
    style: ratatui::style::Style,
    focused: bool,
) {
    let scroll = input.visual_scroll(usize::from(area.width.max(1)));
    let shown = if secret {
        "•".repeat(input.value().chars().count())
    } else {
        input.value().to_owned()
    };
    f.render_widget(
        Paragraph::new(shown)
            .style(style)
            .scroll((0, scroll as u16)),
        area,
    );
    if focused {
        let x = area.x + (input.visual_cursor().saturating_sub(scroll)) as u16;
        f.set_cursor_position(Position::new(x.min(area.right()), area.y));
    }
}

/// A field's value on one line (the compact form).
fn render_value(f: &mut Frame, field: &Field, area: Rect, focused: bool, theme: &Theme) {
    match &field.kind {
        FieldKind::Text { input, .. } => {
            let style = if focused {
                theme.selected
            } else {
                ratatui::style::Style::default()
            };
            render_text(f, field.secret, input, area, style, focused);
        }
        FieldKind::Multi {
            options,
            chosen,
            cursor,
            filter,
        } => {
            let visible = visible_options(options, filter);
            let mut spans = Vec::new();
            if !filter.value().is_empty() {
                spans.push(Span::styled(format!("/{} ", filter.value()), theme.muted));
            }
            // From the cursor's option on when focused, so it is always in sight.
            let skip = if focused { *cursor } else { 0 };
            if skip > 0 {
                spans.push(Span::styled("… ", theme.muted));
            }
            for (pos, (i, o)) in visible.iter().enumerate().skip(skip) {
                let (mark, style) = option_look(chosen, *i, focused && pos == *cursor, theme);
                spans.push(Span::styled(format!("{mark}{o}"), style));
                spans.push(Span::raw(" "));
            }
            f.render_widget(Line::from(spans), area);
        }
        FieldKind::Choice { .. } | FieldKind::Toggle(_) => {
            render_field_line(f, field, area, focused, theme);
        }
    }
}

/// Keys for one field; true when the field used the key.
fn field_key(field: &mut Field, key: KeyEvent) -> bool {
    match &mut field.kind {
        FieldKind::Text { input, .. } => {
            let used = input.handle_event(&Event::Key(key)).is_some();
            if used {
                field.validate();
            }
            used
        }
        FieldKind::Choice { options, index } => {
            let n = options.len().max(1);
            match key.code {
                KeyCode::Right | KeyCode::Char(' ') => *index = (*index + 1) % n,
                KeyCode::Left => *index = (*index + n - 1) % n,
                _ => return false,
            }
            true
        }
        FieldKind::Toggle(on) => match key.code {
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => {
                *on = !*on;
                true
            }
            _ => false,
        },
        FieldKind::Multi {
            options,
            chosen,
            cursor,
            filter,
        } => {
            let visible = visible_options(options, filter);
            match key.code {
                KeyCode::Down if *cursor + 1 < visible.len() => *cursor += 1,
                KeyCode::Up if *cursor > 0 => *cursor -= 1,
                KeyCode::Char(' ') if key.modifiers == KeyModifiers::NONE => {
                    if let Some((i, _)) = visible.get(*cursor)
                        && let Some(c) = chosen.get_mut(*i)
                    {
                        *c = !*c;
                    }
                }
                KeyCode::Up | KeyCode::Down => return false,
                _ => {
                    if filter.handle_event(&Event::Key(key)).is_none() {
                        return false;
                    }
                    *cursor = 0;
                }
            }
            true
        }
    }
}

fn render_field(f: &mut Frame, field: &Field, area: Rect, focused: bool, theme: &Theme) {
    let border = match (&field.error, focused) {
        (Some(_), _) => theme.error_field,
        (None, true) => theme.border_focus,
        (None, false) => theme.border,
    };
    let mut block = Block::bordered()
        .border_style(border)
        .title(Line::raw(format!(" {} ", field.label)));
    // Another field's error sits on that field's bottom border, so the form shows what is
    // left to fix; the focused field's error is written out in full below the fields.
    if let Some(e) = field.error.as_ref().filter(|_| !focused) {
        block = block.title_bottom(Line::styled(format!(" {e} "), theme.error_field));
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    match &field.kind {
        FieldKind::Text { input, .. } => {
            render_text(
                f,
                field.secret,
                input,
                inner,
                ratatui::style::Style::default(),
                focused,
            );
        }
        FieldKind::Choice { .. } | FieldKind::Toggle(_) => {
            render_field_line(f, field, inner, focused, theme);
        }
        FieldKind::Multi {
            options,
            chosen,
            cursor,
            filter,
        } => {
            let visible = visible_options(options, filter);
            let n_chosen = chosen.iter().filter(|c| **c).count();
            let head = Line::from(vec![
                Span::styled("filter: ", theme.muted),
                Span::raw(filter.value().to_owned()),
                Span::styled(
                    format!("   {n_chosen} chosen · ↑↓ move · Space pick"),
                    theme.muted,
                ),
            ]);
            let rows = usize::from(inner.height.saturating_sub(1));
            let start = cursor.saturating_sub(rows.saturating_sub(1));
            let mut lines = vec![head];
            for (pos, (i, o)) in visible.iter().enumerate().skip(start).take(rows) {
                let (mark, style) = option_look(chosen, *i, focused && pos == *cursor, theme);
                lines.push(Line::styled(format!("{mark} {o}"), style));
            }
            f.render_widget(Paragraph::new(lines), inner);
        }
    }
}

/// A choice or a toggle: one line in either layout.
fn render_field_line(f: &mut Frame, field: &Field, area: Rect, focused: bool, theme: &Theme) {
    let line = match &field.kind {
        FieldKind::Choice { options, index } => Line::from(vec![
            Span::styled("‹ ", theme.muted),
            Span::raw(options.get(*index).map_or("", String::as_str).to_owned()),
            Span::styled(" ›", theme.muted),
            Span::styled(if focused { "  ←/→ to change" } else { "" }, theme.muted),
        ]),
        FieldKind::Toggle(on) => Line::from(vec![
            Span::raw(if *on { "[x] yes" } else { "[ ] no" }),
            Span::styled(if focused { "  Space to change" } else { "" }, theme.muted),
        ]),
        FieldKind::Text { .. } | FieldKind::Multi { .. } => Line::default(),
    };
    f.render_widget(line, area);
}
