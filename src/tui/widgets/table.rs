//! A table that filters as you type, sorts by a chosen column and draws only the rows that fit.
//! Rows are built once when data arrives (not per frame); the filtered, sorted view is a list of
//! indices recomputed only when the data, the filter or the sort changes.

use std::cmp::Ordering;

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row as TRow, Table as TTable, TableState};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::tui::theme::Theme;

/// How a row stands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Muted,
    Warn,
    Danger,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What `y` copies and what keeps the selection across refreshes (a name or id).
    pub key: String,
    pub cells: Vec<String>,
    pub tone: Tone,
    /// Per-cell tone override (e.g. a red "days left").
    pub cell_tones: Vec<(usize, Tone)>,
    /// A group's heading: its first cell is drawn across the whole row.
    pub span: bool,
    /// Heads the rows after it (up to the next heading); never selected, so every command
    /// acts on a row of data.
    pub heading: bool,
    haystack: String,
}

impl Row {
    pub fn new(key: impl Into<String>, cells: Vec<String>) -> Row {
        let haystack = cells.join("\u{1}").to_lowercase();
        Row {
            key: key.into(),
            cells,
            tone: Tone::Normal,
            cell_tones: Vec::new(),
            span: false,
            heading: false,
            haystack,
        }
    }

    pub fn tone(mut self, tone: Tone) -> Row {
        self.tone = tone;
        self
    }

    /// Draw the first cell across every column (a group heading).
    pub fn spanning(mut self) -> Row {
        self.span = true;
        self
    }

    /// A spanning row that heads the rows after it and is never selected.
    pub fn heading(self) -> Row {
        let mut row = self.spanning();
        row.heading = true;
        row
    }

    /// What the filter looks for in this row instead of its cells (a heading's own words,
    /// without the count it shows).
    pub fn matched_by(mut self, text: &str) -> Row {
        self.haystack = text.to_lowercase();
        self
    }

    pub fn cell_tone(mut self, col: usize, tone: Tone) -> Row {
        self.cell_tones.push((col, tone));
        self
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    /// Sorted as a number when the cells parse as one.
    pub numeric: bool,
    /// Too long a cell loses its middle, not its end: scope names and kids of one family
    /// differ at the end (`…/dokumenter.read` and `…/dokumenter.write`).
    pub keep_end: bool,
    /// When the columns do not fit, the lowest priority goes first, whole; `KEEP` never goes.
    pub priority: u8,
    /// Narrower than this the column says nothing useful: it is dropped instead.
    pub min: u16,
    /// A cell too long for its column is shown in this shorter form (integration types).
    pub abbreviate: Option<fn(&str) -> String>,
}

/// The priority of a column that is never dropped.
pub const KEEP: u8 = u8::MAX;

/// The narrowest a constraint lets a column become.
const fn min_of(width: Constraint) -> u16 {
    match width {
        Constraint::Length(n) | Constraint::Min(n) | Constraint::Max(n) => n,
        _ => 1,
    }
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column {
        title,
        width,
        numeric: false,
        keep_end: false,
        priority: KEEP,
        min: min_of(width),
        abbreviate: None,
    }
}

pub const fn num(title: &'static str, width: Constraint) -> Column {
    Column {
        numeric: true,
        ..col(title, width)
    }
}

impl Column {
    pub const fn keep_end(mut self) -> Column {
        self.keep_end = true;
        self
    }

    pub const fn abbreviated(mut self, short: fn(&str) -> String) -> Column {
        self.abbreviate = Some(short);
        self
    }

    /// Dropped whole, lowest priority first, when the table is too narrow for every column
    /// at its `min` width.
    pub const fn drop_at(mut self, priority: u8, min: u16) -> Column {
        self.priority = priority;
        self.min = min;
        self
    }
}

/// The columns shown in `width` cells (one space between columns): all of them when their
/// minimum widths fit, else without the lowest-priority ones (the rightmost of equals first),
/// so no column is squeezed to a sliver.
pub fn fitting(columns: &[Column], width: u16) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..columns.len()).collect();
    let need = |kept: &[usize]| -> usize {
        kept.iter()
            .map(|&i| usize::from(columns[i].min))
            .sum::<usize>()
            + kept.len().saturating_sub(1)
    };
    while need(&kept) > usize::from(width) {
        let victim = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].priority != KEEP)
            .min_by_key(|(pos, i)| (columns[**i].priority, std::cmp::Reverse(*pos)))
            .map(|(pos, _)| pos);
        match victim {
            Some(pos) => {
                kept.remove(pos);
            }
            None => break,
        }
    }
    kept
}

/// `text` in `width` columns, its middle replaced by `…` when it does not fit.
fn cut_middle(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let len = text.chars().count();
    if len <= width {
        return text.into();
    }
    let Some(room) = width.checked_sub(1) else {
        return "".into();
    };
    let head = room / 2;
    let tail = room - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(len - tail));
    out.into()
}

/// Rows of chrome around the body: top border, column header, bottom border.
pub const CHROME: u16 = 3;

#[derive(Debug, Clone)]
pub struct FilterTable {
    columns: &'static [Column],
    rows: Vec<Row>,
    view: Vec<usize>,
    selected: usize,
    offset: usize,
    filter: Input,
    filtering: bool,
    sort: Option<usize>,
    /// Rows that are not headings: in all, and in the view (the counts in the title).
    items: usize,
    items_shown: usize,
}

impl FilterTable {
    pub fn new(columns: &'static [Column]) -> FilterTable {
        FilterTable {
            columns,
            rows: Vec::new(),
            view: Vec::new(),
            selected: 0,
            offset: 0,
            filter: Input::default(),
            filtering: false,
            sort: None,
            items: 0,
            items_shown: 0,
        }
    }

    /// Switch to another set of columns (the access pane's two views); rows follow separately.
    pub fn set_columns(&mut self, columns: &'static [Column]) {
        if !std::ptr::eq(self.columns, columns) {
            self.columns = columns;
            self.sort = None;
        }
    }

    /// New rows; the selection stays on the same key when it is still there.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let key = self.selected_row().map(|r| r.key.clone());
        self.rows = rows;
        self.items = self.rows.iter().filter(|r| !r.heading).count();
        self.refresh_view();
        if let Some(key) = key {
            self.select_key(&key);
        }
    }

    /// Every row's key, those on screen first (from the top row down), then the rows scrolled
    /// past, then those the filter hides: the order in which their data is worth fetching.
    pub fn keys_nearest_first(&self) -> Vec<&str> {
        let offset = self.offset.min(self.view.len());
        let mut shown = vec![false; self.rows.len()];
        let mut keys = Vec::with_capacity(self.rows.len());
        for &i in self.view[offset..].iter().chain(&self.view[..offset]) {
            shown[i] = true;
            keys.push(self.rows[i].key.as_str());
        }
        keys.extend(
            self.rows
                .iter()
                .zip(shown)
                .filter(|(_, shown)| !shown)
                .map(|(r, _)| r.key.as_str()),
        );
        keys
    }

    pub fn select_key(&mut self, key: &str) -> bool {
        let hit = |&i: &usize| !self.rows[i].heading && self.rows[i].key == key;
        match self.view.iter().position(hit) {
            Some(pos) => {
                self.selected = pos;
                true
            }
            None => false,
        }
    }

    #[cfg(test)]
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn shown(&self) -> usize {
        self.view.len()
    }

    pub fn columns(&self) -> &'static [Column] {
        self.columns
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.view
            .get(self.selected)
            .map(|&i| &self.rows[i])
            .filter(|r| !r.heading)
    }

    #[cfg(test)]
    pub fn shown_rows(&self) -> impl Iterator<Item = &Row> {
        self.view.iter().map(|&i| &self.rows[i])
    }

    fn is_heading(&self, pos: usize) -> bool {
        self.view.get(pos).is_some_and(|&i| self.rows[i].heading)
    }

    /// Off a heading onto the nearest row of data, looking `forward` (down) first.
    fn settle(&mut self, forward: bool) {
        let at = self.selected;
        let data = |&p: &usize| !self.is_heading(p);
        let found = if forward {
            (at..self.view.len())
                .find(data)
                .or_else(|| (0..at).rev().find(data))
        } else {
            (0..=at)
                .rev()
                .find(data)
                .or_else(|| (at + 1..self.view.len()).find(data))
        };
        if let Some(p) = found {
            self.selected = p;
        }
    }

    pub fn filtering(&self) -> bool {
        self.filtering
    }

    pub fn filter_text(&self) -> &str {
        self.filter.value()
    }

    #[cfg(test)]
    pub fn sort_column(&self) -> Option<usize> {
        self.sort
    }

    pub fn start_filter(&mut self) {
        self.filtering = true;
    }

    /// Keys while the filter box is open. Enter keeps the filter and leaves the box; Esc clears.
    pub fn filter_key(&mut self, key: KeyEvent) {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => self.clear_filter(),
            _ => {
                if self.filter.handle_event(&Event::Key(key)).is_some() {
                    self.refresh_view();
                }
            }
        }
    }

    /// Pasted text goes into the open filter box (trimmed; inner line breaks become spaces).
    pub fn paste(&mut self, text: &str) {
        let clean: String = text
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.filter = Input::new(format!("{}{clean}", self.filter.value()));
        self.refresh_view();
    }

    pub fn clear_filter(&mut self) {
        self.filtering = false;
        if !self.filter.value().is_empty() {
            self.filter.reset();
            self.refresh_view();
        }
    }

    /// No sort -> first column -> second ... -> no sort.
    pub fn cycle_sort(&mut self) {
        self.sort = match self.sort {
            None => Some(0),
            Some(c) if c + 1 < self.columns.len() => Some(c + 1),
            Some(_) => None,
        };
        let key = self.selected_row().map(|r| r.key.clone());
        self.refresh_view();
        if let Some(key) = key {
            self.select_key(&key);
        }
    }

    fn refresh_view(&mut self) {
        let needle = self.filter.value().to_lowercase();
        let hit = |r: &Row| needle.is_empty() || r.haystack.contains(&needle);
        // A row shows when it or its group's heading matches; a heading shows above the first
        // row of its group that does (every heading while there is no filter).
        self.view = Vec::with_capacity(self.rows.len());
        let mut heading: Option<usize> = None;
        let mut heading_hit = false;
        for (i, r) in self.rows.iter().enumerate() {
            if r.heading {
                heading_hit = hit(r);
                heading = if needle.is_empty() {
                    self.view.push(i);
                    None
                } else {
                    Some(i)
                };
            } else if heading_hit || hit(r) {
                self.view.extend(heading.take());
                self.view.push(i);
            }
        }
        if let Some(c) = self.sort {
            let numeric = self.columns.get(c).is_some_and(|c| c.numeric);
            let rows = &self.rows;
            // Within each group: a heading stays on top of its own rows.
            for group in self.view.split_mut(|&i| rows[i].heading) {
                group.sort_by(|&a, &b| {
                    let (x, y) = (cell(&rows[a], c), cell(&rows[b], c));
                    compare(x, y, numeric)
                });
            }
        }
        self.items_shown = self.view.iter().filter(|&&i| !self.rows[i].heading).count();
        self.selected = self.selected.min(self.view.len().saturating_sub(1));
        self.settle(true);
        self.offset = self.offset.min(self.selected);
    }

    pub fn move_by(&mut self, delta: isize, page: usize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.settle(delta >= 0);
        self.keep_visible(page);
    }

    pub fn top(&mut self) {
        self.selected = 0;
        self.offset = 0;
        self.settle(true);
    }

    pub fn bottom(&mut self, page: usize) {
        self.selected = self.view.len().saturating_sub(1);
        self.settle(false);
        self.keep_visible(page);
    }

    /// Select the row at a body line (mouse click); false when the line holds no row, or a
    /// heading.
    pub fn click(&mut self, line: usize, page: usize) -> bool {
        let offset = self.visible_offset(page);
        let idx = offset + line;
        if idx < self.view.len() && !self.is_heading(idx) {
            self.selected = idx;
            self.offset = offset;
            true
        } else {
            false
        }
    }

    /// Mouse wheel: moves the selection so the view follows it.
    pub fn scroll(&mut self, delta: isize, page: usize) {
        self.move_by(delta, page);
    }

    fn keep_visible(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
            // Scrolling up onto a group's first row brings its heading into view too.
            if page > 1 && self.selected > 0 && self.is_heading(self.selected - 1) {
                self.offset -= 1;
            }
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    /// The first row drawn in a body of `page` lines: the stored offset, moved just enough to
    /// show the selection (the terminal may have been resized since `update` last ran).
    fn visible_offset(&self, page: usize) -> usize {
        let page = page.max(1);
        let mut offset = self.offset.min(self.view.len().saturating_sub(1));
        if self.selected < offset {
            offset = self.selected;
        } else if self.selected >= offset + page {
            offset = self.selected + 1 - page;
        }
        offset
    }

    /// Draw the visible window only. `title` is the pane's; counts and filter are added.
    pub fn render(&self, f: &mut Frame, area: Rect, title: &str, empty: &str, theme: &Theme) {
        let page = usize::from(area.height.saturating_sub(CHROME));
        let offset = self.visible_offset(page);
        let end = (offset + page).min(self.view.len());
        let tone_style = |t: Tone| match t {
            Tone::Normal => Style::default(),
            Tone::Muted => theme.muted,
            Tone::Warn => theme.warn,
            Tone::Danger => theme.danger,
        };
        let inner = Rect::new(0, 0, area.width.saturating_sub(2), 1);
        let shown = fitting(self.columns, inner.width);
        let widths: Vec<Constraint> = shown.iter().map(|&i| self.columns[i].width).collect();
        // As the table will lay them out (no selection symbol; one space between columns),
        // so a cut cell ends exactly at its column's edge.
        let laid_out = Layout::horizontal(widths.iter().copied())
            .flex(Flex::Start)
            .spacing(1)
            .split(inner);
        let rows = self.view[offset..end].iter().map(|&i| {
            let r = &self.rows[i];
            let cells = shown.iter().enumerate().map(|(pos, &c)| {
                let text = r.cells.get(c).map_or("", String::as_str);
                let tone = r
                    .cell_tones
                    .iter()
                    .find(|(ci, _)| *ci == c)
                    .map(|(_, t)| *t);
                let text = match (self.columns.get(c), laid_out.get(pos)) {
                    (Some(column), Some(rect)) if column.keep_end => {
                        cut_middle(text, usize::from(rect.width))
                    }
                    (
                        Some(Column {
                            abbreviate: Some(short),
                            ..
                        }),
                        Some(rect),
                    ) if text.chars().count() > usize::from(rect.width) => short(text).into(),
                    _ => text.into(),
                };
                match tone {
                    Some(t) => Cell::from(text).style(tone_style(t)),
                    None => Cell::from(text),
                }
            });
            TRow::new(cells).style(tone_style(r.tone))
        });
        let header = TRow::new(shown.iter().map(|&i| {
            let mark = if self.sort == Some(i) { "▲" } else { "" };
            Cell::from(format!("{}{mark}", self.columns[i].title))
        }))
        .style(theme.header);
        let count = if self.items_shown == self.items {
            format!(" {} ", self.items)
        } else {
            format!(" {} of {} ", self.items_shown, self.items)
        };
        let mut block = Block::bordered()
            .border_style(theme.border_focus)
            .title(Line::from(vec![
                Span::styled(format!(" {title} "), theme.title),
                Span::styled(count, theme.muted),
            ]));
        if self.filtering || !self.filter.value().is_empty() {
            block = block.title_bottom(Line::from(vec![
                Span::styled(" /", theme.key),
                Span::raw(format!("{} ", self.filter.value())),
            ]));
        }
        let table = TTable::new(rows, widths)
            .header(header)
            .block(block)
            .row_highlight_style(theme.selected);
        let mut state = TableState::default();
        if self.selected_row().is_some() {
            state.select(Some(self.selected - offset));
        }
        f.render_stateful_widget(table, area, &mut state);
        // Group headings over the cells the table drew for them: below the border and the
        // column titles, above the bottom border.
        for (line, &i) in self.view[offset..end].iter().enumerate() {
            let r = &self.rows[i];
            let y = area.y.saturating_add(2).saturating_add(line as u16);
            if !r.span || y >= area.bottom().saturating_sub(1) || area.width < 3 {
                continue;
            }
            let rect = Rect::new(area.x + 1, y, area.width - 2, 1);
            let style = if offset + line == self.selected && !r.heading {
                theme.selected
            } else {
                theme.header.patch(tone_style(r.tone))
            };
            f.buffer_mut().set_style(rect, style);
            f.render_widget(Line::styled(cell(r, 0).to_owned(), style), rect);
        }
        if self.view.is_empty() && area.height > CHROME && area.width > 4 {
            let msg = if self.rows.is_empty() {
                empty
            } else {
                "no rows match the filter (Esc clears it)"
            };
            let inner = Rect::new(area.x + 2, area.y + 2, area.width - 4, 1);
            f.render_widget(Line::styled(msg, theme.muted), inner);
        }
        if self.filtering {
            let x = area.x + 3 + self.filter.visual_cursor() as u16;
            f.set_cursor_position(Position::new(
                x.min(area.right().saturating_sub(2)),
                area.bottom().saturating_sub(1),
            ));
        }
    }
}

fn cell(r: &Row, c: usize) -> &str {
    r.cells.get(c).map_or("", String::as_str)
}

fn compare(a: &str, b: &str, numeric: bool) -> Ordering {
    if numeric {
        // A unit after the number ("8d" in the clients' expiry) does not make it text.
        let number = |s: &str| {
            s.trim()
                .trim_end_matches(char::is_alphabetic)
                .parse::<f64>()
        };
        match (number(a), number(b)) {
            (Ok(x), Ok(y)) => return x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            // Blank cells (no value) sort last.
            (Ok(_), Err(_)) => return Ordering::Less,
            (Err(_), Ok(_)) => return Ordering::Greater,
            _ => {}
        }
    }
    a.to_lowercase().cmp(&b.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    const COLS: &[Column] = &[
        col("name", Constraint::Fill(1)),
        num("n", Constraint::Length(4)),
    ];

    fn table(n: usize) -> FilterTable {
        let mut t = FilterTable::new(COLS);
        t.set_rows(
            (0..n)
                .map(|i| {
                    Row::new(
                        format!("k{i}"),
                        vec![format!("row {i}"), format!("{}", n - i)],
                    )
                })
                .collect(),
        );
        t
    }

    fn type_str(t: &mut FilterTable, s: &str) {
        for c in s.chars() {
            t.filter_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    /// Two groups: heading A over rows a1 a2, heading B over b1.
    fn grouped() -> FilterTable {
        let mut t = FilterTable::new(COLS);
        let head = |name: &str| Row::new("", vec![format!("group {name}"), String::new()]);
        let row = |key: &str, n: &str| Row::new(key, vec![format!("row {key}"), n.into()]);
        t.set_rows(vec![
            head("A").heading(),
            row("a1", "2"),
            row("a2", "1"),
            head("B").heading(),
            row("b1", "3"),
        ]);
        t
    }

    fn selected(t: &FilterTable) -> &str {
        t.selected_row().map_or("", |r| r.key.as_str())
    }

    #[test]
    fn headings_are_never_selected() {
        let mut t = grouped();
        assert_eq!(selected(&t), "a1", "the first row of data, not the heading");
        t.move_by(1, 10);
        t.move_by(1, 10);
        assert_eq!(selected(&t), "b1", "down steps over heading B");
        t.move_by(-1, 10);
        assert_eq!(selected(&t), "a2", "up steps over heading B");
        t.move_by(-5, 10);
        assert_eq!(
            selected(&t),
            "a1",
            "heading A above the top stops the selection"
        );
        t.bottom(10);
        assert_eq!(selected(&t), "b1");
        t.top();
        assert_eq!(
            (selected(&t), t.offset),
            ("a1", 0),
            "the top heading stays in view"
        );
        t.move_by(10, 2);
        assert_eq!(selected(&t), "b1");
        t.move_by(-3, 2);
        assert_eq!(
            (selected(&t), t.offset),
            ("a1", 0),
            "paging up shows the heading"
        );
        assert!(!t.click(3, 10), "a click on a heading selects nothing");
        assert_eq!(selected(&t), "a1");
        assert!(t.click(4, 10));
        assert_eq!(selected(&t), "b1");
        assert!(!t.select_key(""), "a heading's key selects nothing");
        // Headings are not counted as rows in the title.
        assert_eq!((t.items, t.items_shown), (3, 3));
        // A table of headings only has no selection at all.
        let mut only = FilterTable::new(COLS);
        only.set_rows(vec![Row::new("", vec!["h".into()]).heading()]);
        assert!(only.selected_row().is_none());
    }

    #[test]
    fn sorting_sorts_within_each_group_under_its_heading() {
        let mut t = grouped();
        t.cycle_sort();
        t.cycle_sort(); // n, numeric
        let keys: Vec<&str> = t.shown_rows().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(keys, ["group A", "row a2", "row a1", "group B", "row b1"]);
        t.cycle_sort(); // off: the rows' own order again
        let keys: Vec<&str> = t.shown_rows().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(keys, ["group A", "row a1", "row a2", "group B", "row b1"]);
    }

    #[test]
    fn a_filter_keeps_the_heading_of_matching_rows_and_a_matching_heading_its_rows() {
        let mut t = grouped();
        let shown = |t: &FilterTable| -> Vec<String> {
            t.shown_rows().map(|r| r.cells[0].clone()).collect()
        };
        t.start_filter();
        type_str(&mut t, "a2");
        assert_eq!(shown(&t), ["group A", "row a2"]);
        assert_eq!(selected(&t), "a2");
        assert_eq!((t.items, t.items_shown), (3, 1));
        t.clear_filter();
        type_str(&mut t, "group b");
        assert_eq!(
            shown(&t),
            ["group B", "row b1"],
            "heading B matches its rows"
        );
        t.clear_filter();
        type_str(&mut t, "nothing");
        assert!(shown(&t).is_empty(), "no heading without rows");
        // A heading matched by other words than it shows.
        let mut t = FilterTable::new(COLS);
        t.set_rows(vec![
            Row::new("", vec!["group 1".into()])
                .heading()
                .matched_by("alpha"),
            Row::new("x", vec!["row x".into()]),
        ]);
        t.start_filter();
        type_str(&mut t, "alpha");
        assert_eq!(shown(&t), ["group 1", "row x"]);
        t.clear_filter();
        type_str(&mut t, "1");
        assert!(shown(&t).is_empty(), "{:?}", shown(&t));
    }

    #[test]
    fn numbers_with_a_unit_sort_as_numbers() {
        assert_eq!(compare("8d", "40d", true), Ordering::Less);
        assert_eq!(compare("119d", "8d", true), Ordering::Greater);
        assert_eq!(compare("8d", "", true), Ordering::Less, "blank last");
        assert_eq!(
            compare("8d", "40d", false),
            Ordering::Greater,
            "text columns as text"
        );
    }

    #[test]
    fn filter_narrows_and_esc_clears() {
        let mut t = table(30);
        t.start_filter();
        type_str(&mut t, "row 2");
        assert_eq!(t.shown(), 11); // row 2, row 20..29
        t.filter_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(t.shown(), 30);
        assert!(!t.filtering());
    }

    #[test]
    fn numeric_sort_and_selection_kept() {
        let mut t = table(12);
        t.move_by(3, 5);
        assert_eq!(t.selected_row().unwrap().key, "k3");
        t.cycle_sort(); // name
        t.cycle_sort(); // n, numeric: k11 (1) first
        assert_eq!(t.view[0], 11);
        assert_eq!(t.selected_row().unwrap().key, "k3");
    }

    #[test]
    fn paging_keeps_selection_visible() {
        let mut t = table(100);
        t.move_by(25, 10);
        assert_eq!(t.offset, 16);
        t.bottom(10);
        assert_eq!((t.selected, t.offset), (99, 90));
        t.top();
        assert_eq!((t.selected, t.offset), (0, 0));
        assert!(t.click(3, 10));
        assert_eq!(t.selected, 3);
        assert!(!table(2).click(5, 10));
    }

    #[test]
    fn refresh_keeps_selected_key() {
        let mut t = table(5);
        t.move_by(2, 5);
        let mut rows: Vec<Row> = (0..5)
            .rev()
            .map(|i| Row::new(format!("k{i}"), vec![format!("row {i}"), "1".into()]))
            .collect();
        rows.push(Row::new("new", vec!["new".into(), "1".into()]));
        t.set_rows(rows);
        assert_eq!(t.selected_row().unwrap().key, "k2");
    }

    #[test]
    fn columns_that_do_not_fit_are_dropped_whole_lowest_priority_first() {
        const WIDE: &[Column] = &[
            col("name", Constraint::Min(10)),
            col("id", Constraint::Length(36)).drop_at(1, 36),
            col("scopes", Constraint::Fill(1)).drop_at(2, 12),
            num("n", Constraint::Length(4)),
        ];
        // 10 + 36 + 12 + 4 and three spaces.
        assert_eq!(fitting(WIDE, 65), [0, 1, 2, 3]);
        assert_eq!(fitting(WIDE, 64), [0, 2, 3]);
        assert_eq!(fitting(WIDE, 28), [0, 2, 3]);
        assert_eq!(fitting(WIDE, 27), [0, 3]);
        // Columns that are always kept stay, however narrow.
        assert_eq!(fitting(WIDE, 5), [0, 3]);
    }

    #[test]
    fn cut_middle_keeps_both_ends() {
        let name = "difitest:eksempel/v1/dokumenter.read";
        assert_eq!(cut_middle(name, 40), name);
        assert_eq!(cut_middle(name, 25), "difitest:eks…umenter.read");
        assert_eq!(cut_middle(name, 25).chars().count(), 25);
        assert_eq!(cut_middle(name, 1), "…");
        assert_eq!(cut_middle(name, 0), "");
    }
}
