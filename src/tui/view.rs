//! Drawing the whole screen from the state: header, pane tabs, the pane, status line, footer,
//! and any open dialog on top. Reads `App`, never changes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::app::{App, Modal};
use super::panes::PaneId;
use super::widgets::status;

/// `1 Scopes`-style labels and where each starts on the tab line (for mouse clicks).
fn tabs() -> impl Iterator<Item = (PaneId, String, u16)> {
    let mut x = 0u16;
    PaneId::ALL.into_iter().map(move |p| {
        let label = format!(" {} {} ", p.index() + 1, p.title());
        let start = x;
        x += label.chars().count() as u16 + 1;
        (p, label, start)
    })
}

/// The pane whose tab is at this column of the tab line.
pub fn tab_at(column: u16) -> Option<PaneId> {
    tabs()
        .find(|(_, label, start)| column >= *start && column < start + label.chars().count() as u16)
        .map(|(p, _, _)| p)
}

/// `1h 02m`, `4m 05s`.
fn lifetime(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}

/// The business certificate warns from this many days before it expires (ordering a new one
/// takes weeks).
const CERTIFICATE_WARN_DAYS: u64 = 60;

/// `cert 45d` once the admin's business certificate is within 60 days of expiry.
fn certificate(app: &App, spans: &mut Vec<Span<'static>>) {
    let Some(expires) = app.session.certificate_expires else {
        return;
    };
    let t = &app.theme;
    match expires.duration_since(app.now) {
        Ok(left) => {
            let days = left.as_secs() / 86_400;
            if days < CERTIFICATE_WARN_DAYS {
                spans.push(Span::styled("  cert ", t.muted));
                let style = if days < 14 { t.danger } else { t.warn };
                spans.push(Span::styled(format!("{days}d"), style));
            }
        }
        Err(_) => spans.push(Span::styled("  cert EXPIRED", t.danger)),
    }
}

fn header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let prod = app.session.is_prod();
    let env_style = if prod { t.env_prod } else { t.env_test };
    let mut spans = vec![
        Span::styled(format!(" {} ", app.session.env_label()), env_style),
        Span::styled(" profile ", t.muted),
        Span::styled(app.session.profile.clone(), t.title),
    ];
    if app.session.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " READ-ONLY ",
            t.warn.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    // Early in the line: it must survive a narrow terminal.
    if app.offline.is_some() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " OFFLINE ",
            t.danger.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        let when = match app.offline_retry_secs() {
            Some(secs) => format!(" retry in {secs}s"),
            None => " retrying…".to_owned(),
        };
        spans.push(Span::styled(when, t.muted));
    }
    if let Some(token) = &app.data.token {
        if let Some(org) = &token.org {
            spans.push(Span::styled("  org ", t.muted));
            spans.push(Span::raw(org.clone()));
        }
        let requests: usize = app.data.requests.values().map(Vec::len).sum();
        if requests > 0 {
            let s = if requests == 1 { "" } else { "s" };
            spans.push(Span::styled(format!("  {requests} request{s}"), t.warn));
        }
        if let Some(left) = app.token_secs_left() {
            spans.push(Span::styled("  token ", t.muted));
            let style = if left < 60 { t.warn } else { Style::default() };
            spans.push(Span::styled(lifetime(left), style));
        }
        certificate(app, &mut spans);
        // Last: on a narrow terminal the list is what gets cut.
        let scopes: Vec<&str> = token
            .scopes
            .iter()
            .map(|s| s.strip_prefix("idporten:").unwrap_or(s))
            .collect();
        spans.push(Span::styled("  admin ", t.muted));
        let used: usize = spans.iter().map(Span::width).sum();
        spans.push(Span::raw(fit_words(
            &scopes,
            usize::from(area.width).saturating_sub(used),
        )));
    } else {
        certificate(app, &mut spans);
        if app.pending > 0 {
            spans.push(Span::styled("  signing in…", t.muted));
        }
    }
    let line = Line::from(spans);
    // PROD paints the whole line, so it cannot be missed at a glance.
    let line = if prod { line.style(t.env_prod) } else { line };
    f.render_widget(line, area);
}

/// From this many columns the selected row's details stand beside the table (as k9s and
/// lazygit do) instead of leaving most of a wide screen empty.
pub const SIDE_PANEL_FROM: u16 = 140;

/// The selected row, every column of it, and for an own scope its grants (loaded as the
/// selection moves; see `App::side_panel_loads`).
fn side_panel(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let table = app.current_table();
    let Some(row) = table.selected_row() else {
        let block = Block::bordered().border_style(t.border).title(" Details ");
        f.render_widget(
            Paragraph::new("nothing selected")
                .style(t.muted)
                .block(block),
            area,
        );
        return;
    };
    let mut lines: Vec<Line> = table
        .columns()
        .iter()
        .zip(&row.cells)
        .filter(|(_, v)| !v.is_empty())
        .map(|(c, v)| {
            Line::from(vec![
                Span::styled(format!("{:<12} ", c.title), t.muted),
                Span::raw(v.clone()),
            ])
        })
        .collect();
    if app.pane == PaneId::Scopes && !app.scopes.public {
        lines.push(Line::raw(""));
        match app.data.grants.as_ref().filter(|(n, _)| *n == row.key) {
            Some((_, grants)) if grants.is_empty() => {
                lines.push(Line::styled("No access grants", t.muted));
            }
            Some((_, grants)) => {
                lines.push(Line::styled(
                    format!("Access grants ({})", grants.len()),
                    t.title,
                ));
                for g in grants {
                    let name = app.data.name_of(&g.consumer_orgno).unwrap_or_default();
                    lines.push(Line::from(vec![
                        Span::raw(format!("{} ", g.consumer_orgno)),
                        Span::styled(format!("{:<9} ", g.state.to_string()), t.muted),
                        Span::raw(name.to_owned()),
                    ]));
                }
            }
            None => lines.push(Line::styled("Access grants: loading…", t.muted)),
        }
    }
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(format!(" {} ", row.key), t.title));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// `words` joined by spaces within `width` columns: whole words only, and `+N` for those
/// left out (a word cut in half reads as another scope).
fn fit_words(words: &[&str], width: usize) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        let left = words.len() - i - 1;
        let more = if left == 0 {
            0
        } else {
            format!(" +{left}").len()
        };
        let sep = usize::from(!out.is_empty());
        if out.chars().count() + sep + w.chars().count() + more > width {
            let rest = format!("+{}", words.len() - i);
            if out.is_empty() {
                return rest;
            }
            return format!("{out} {rest}");
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn tab_line(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (p, label, _) in tabs() {
        let style = if p == app.pane.tab() {
            t.selected.patch(t.title)
        } else {
            t.muted
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Line::from(spans), area);
}

fn footer(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut push = |k: String, what: &str| {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::raw(format!(" {what}  ")));
    };
    match &app.modal {
        Some(Modal::Command { hints, .. }) => {
            for h in hints.iter().take(8) {
                push(String::new(), h);
            }
            push("Tab".into(), "complete");
            push("Enter".into(), "run");
        }
        Some(_) => {}
        None if app.current_table().filtering() => {
            push("type".into(), "to filter");
            push("Enter".into(), "keep");
            push("Esc".into(), "clear");
        }
        None => {
            for b in app.keymap.footer(app.pane) {
                let label = b.keys.first().map(ToString::to_string).unwrap_or_default();
                let what = b.footer.unwrap_or(b.help);
                // Changes are off in read-only mode and on the public scopes tab.
                let off =
                    app.session.read_only || (app.pane == PaneId::Scopes && app.scopes.public);
                if (b.mutating && off) || app.lacks(b.cmd).is_some() {
                    // Shown, but switched off: the key exists and does nothing here.
                    push(String::new(), &format!("({label} {what})"));
                } else {
                    push(label, what);
                }
            }
        }
    }
    f.render_widget(Line::from(spans), area);
}

pub fn render(app: &App, f: &mut Frame) {
    let [head, tab, body, stat, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(status::height(app.toast.as_ref(), f.area().width)),
        Constraint::Length(1),
    ])
    .areas(f.area());
    header(app, f, head);
    tab_line(app, f, tab);
    if body.width >= SIDE_PANEL_FROM {
        let [main, side] =
            Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        (app.pane.pane().render)(app, f, main);
        side_panel(app, f, side);
    } else {
        (app.pane.pane().render)(app, f, body);
    }
    if let Some(Modal::Command { input, .. }) = &app.modal {
        let line = Line::from(vec![
            Span::styled(":", app.theme.key),
            Span::raw(input.value().to_owned()),
        ]);
        f.render_widget(line, stat);
        f.set_cursor_position(Position::new(
            stat.x + 1 + input.visual_cursor() as u16,
            stat.y,
        ));
    } else {
        status::render(
            f,
            stat,
            app.toast.as_ref(),
            app.pending,
            app.spin,
            &app.theme,
        );
    }
    footer(app, f, foot);
    let screen = f.area();
    match &app.modal {
        Some(Modal::Help(o))
        | Some(Modal::Detail(o))
        | Some(Modal::Copyable { overlay: o, .. }) => o.render(f, screen, &app.theme),
        Some(Modal::Journal { overlay, .. }) => overlay.render(f, screen, &app.theme),
        Some(Modal::Plan(view)) => view.overlay.render(f, screen, &app.theme),
        Some(Modal::Confirm(c)) => {
            let env = format!(
                "{} (profile {})",
                app.session.env_label(),
                app.session.profile
            );
            c.render(f, screen, &env, &app.theme);
        }
        // Below the header: the environment stays in sight while a form is filled in.
        Some(Modal::Form(form, _)) => {
            let below = Rect {
                y: screen.y + 1,
                height: screen.height.saturating_sub(1),
                ..screen
            };
            form.render(f, below, &app.theme);
        }
        Some(Modal::Command { .. }) | None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_positions() {
        assert_eq!(tab_at(0), Some(PaneId::Scopes));
        assert_eq!(tab_at(11), Some(PaneId::Access));
        assert_eq!(tab_at(200), None);
        assert_eq!(lifetime(3725), "1h 02m");
        assert_eq!(lifetime(65), "1m 05s");
    }

    #[test]
    fn admin_scopes_are_dropped_whole_with_a_count() {
        let w = ["scopes.write", "dcr.read", "dcr.write"];
        assert_eq!(fit_words(&w, 80), "scopes.write dcr.read dcr.write");
        assert_eq!(fit_words(&w, 25), "scopes.write dcr.read +1");
        assert_eq!(fit_words(&w, 16), "scopes.write +2");
        assert_eq!(fit_words(&w, 5), "+3");
    }
}
