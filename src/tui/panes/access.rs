//! Access pane: the grants of the scope selected in the scopes pane, or (reverse view)
//! everything one org number has from us. Grant several org numbers at once, revoke, and
//! re-approve a DENIED row.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use std::collections::BTreeSet;

use super::short_time;
use crate::api::models::{AccessState, ScopeAccess};
use crate::api::types::{OrgNumber, ScopeName};
use crate::changes::Change;
use crate::names::Name;
use crate::tui::app::{App, Data, FormPurpose, Modal};
use crate::tui::effect::{Effect, Load, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::panes::PaneId;
use crate::tui::panes::scopes::ScopesPane;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col};

const BY_SCOPE: &[Column] = &[
    col("", Constraint::Length(1)),
    col("consumer", Constraint::Length(9)),
    col("name", Constraint::Fill(1)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

/// Names off (`--no-names`) and none on the rows.
const BY_SCOPE_NO_NAMES: &[Column] = &[
    col("", Constraint::Length(1)),
    col("consumer", Constraint::Length(9)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

/// One organisation's rows: its name is in the title, not on every row.
const BY_CONSUMER: &[Column] = &[
    col("", Constraint::Length(1)),
    col("scope", Constraint::Fill(1)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

const REQUESTS: &[Column] = &[
    col("", Constraint::Length(1)),
    col("scope", Constraint::Fill(1)),
    col("consumer", Constraint::Length(9)),
    col("name", Constraint::Fill(1)),
    col("requested", Constraint::Length(16)),
];

/// What the marks column shows on a marked row.
const MARK: &str = "•";

#[derive(Debug, Clone)]
pub struct AccessPane {
    /// The reverse view's org number; `None` shows the selected scope's grants.
    consumer: Option<OrgNumber>,
    /// `:requests`: every REQUESTED row of every own scope (over either other view).
    pub requests_view: bool,
    /// Requests marked with Space as (scope, org): approve and deny act on all of them.
    pub marked: BTreeSet<(String, String)>,
    pub table: FilterTable,
}

impl Default for AccessPane {
    fn default() -> Self {
        AccessPane {
            consumer: None,
            requests_view: false,
            marked: BTreeSet::new(),
            table: FilterTable::new(BY_SCOPE),
        }
    }
}

impl AccessPane {
    pub fn is_consumer_view(&self) -> bool {
        self.consumer.is_some()
    }

    pub fn leave_consumer(&mut self) {
        self.consumer = None;
    }

    pub fn leave_requests(&mut self) {
        self.requests_view = false;
        self.table.clear_filter();
    }
}

fn tone(state: &AccessState) -> Tone {
    match state {
        AccessState::Approved => Tone::Normal,
        AccessState::Requested => Tone::Warn,
        _ => Tone::Muted,
    }
}

/// The name to show beside `orgnr` ("" when not known).
fn name_cell(data: &Data, orgnr: &str) -> String {
    data.name_of(orgnr).unwrap_or_default().to_owned()
}

/// `974760673 (REGISTERENHETEN I BRØNNØYSUND)`, or the number alone.
pub fn org_with_name(data: &Data, orgnr: &str) -> String {
    match data.name_of(orgnr) {
        Some(name) => format!("{orgnr} ({name})"),
        None => orgnr.to_owned(),
    }
}

fn mark_cell(app: &App, a: &ScopeAccess) -> String {
    let marked = app
        .access
        .marked
        .contains(&(a.scope.clone(), a.consumer_orgno.clone()));
    if marked { MARK.into() } else { String::new() }
}

/// The rows the pane shows now, with the key each row is selected by.
fn view_rows(app: &App) -> Vec<(String, &ScopeAccess)> {
    if app.access.requests_view {
        return app
            .data
            .all_requests()
            .into_iter()
            .map(|a| (format!("{} {}", a.scope, a.consumer_orgno), a))
            .collect();
    }
    match &app.access.consumer {
        Some(_) => app
            .data
            .consumer
            .iter()
            .flat_map(|(_, g)| g)
            .map(|a| (a.scope.clone(), a))
            .collect(),
        None => shown_grants(&app.scopes, &app.data)
            .unwrap_or_default()
            .iter()
            .map(|a| (a.consumer_orgno.clone(), a))
            .collect(),
    }
}

pub fn rebuild(app: &mut App) {
    // Marks stay on requests only: an approved or denied row drops its mark.
    let waiting: BTreeSet<(String, String)> = app
        .data
        .requests
        .values()
        .flatten()
        .map(|a| (a.scope.clone(), a.consumer_orgno.clone()))
        .collect();
    app.access.marked.retain(|k| waiting.contains(k));
    let named = app.names_on
        || app.access.requests_view
        || view_rows(app)
            .iter()
            .any(|(_, a)| a.consumer_name().is_some());
    let columns = if app.access.requests_view {
        REQUESTS
    } else if app.access.consumer.is_some() {
        BY_CONSUMER
    } else if named {
        BY_SCOPE
    } else {
        BY_SCOPE_NO_NAMES
    };
    let rows: Vec<Row> = view_rows(app)
        .into_iter()
        .map(|(key, a)| {
            let mut cells = vec![mark_cell(app, a)];
            if app.access.requests_view {
                cells.extend([
                    a.scope.clone(),
                    a.consumer_orgno.clone(),
                    name_cell(&app.data, &a.consumer_orgno),
                    short_time(a.created.as_deref()),
                ]);
            } else {
                if app.access.consumer.is_some() {
                    cells.push(a.scope.clone());
                } else {
                    cells.push(a.consumer_orgno.clone());
                    if named {
                        cells.push(name_cell(&app.data, &a.consumer_orgno));
                    }
                }
                cells.extend([
                    a.state.to_string(),
                    short_time(a.created.as_deref()),
                    short_time(a.last_updated.as_deref()),
                ]);
            }
            Row::new(key, cells).tone(tone(&a.state))
        })
        .collect();
    app.access.table.set_columns(columns);
    app.access.table.set_rows(rows);
}

/// The grants of the scope selected in the scopes pane, once read (`None` while loading).
fn shown_grants<'a>(scopes: &ScopesPane, data: &'a Data) -> Option<&'a [ScopeAccess]> {
    let scope = scopes.selected_own()?;
    match &data.grants {
        Some((name, grants)) if name == scope => Some(grants),
        _ => None,
    }
}

/// The reverse view for one org number (`:org N`, or Enter on a grant).
pub fn show_consumer(app: &mut App, org: OrgNumber) -> Vec<Effect> {
    app.pane = PaneId::Access;
    app.access.requests_view = false;
    app.access.consumer = Some(org.clone());
    if app.data.consumer.as_ref().is_some_and(|(o, _)| *o != org) {
        app.data.consumer = None;
    }
    app.access.table.clear_filter();
    rebuild(app);
    let mut out = vec![app.load(Load::Consumer(org.clone()))];
    out.extend(app.names_effect(vec![org]));
    out
}

/// `:requests`: every request of every own scope, oldest first (read with the grant counts).
pub fn show_requests(app: &mut App) -> Vec<Effect> {
    app.pane = PaneId::Access;
    app.access.requests_view = true;
    app.access.table.clear_filter();
    rebuild(app);
    Vec::new()
}

/// (scope, org, state) of the row with `key`, whichever view.
fn target(app: &App, key: &str) -> Option<(ScopeName, OrgNumber, AccessState)> {
    let (_, a) = view_rows(app).into_iter().find(|(k, _)| k == key)?;
    Some((
        a.scope.parse().ok()?,
        a.consumer_orgno.parse().ok()?,
        a.state.clone(),
    ))
}

/// (scope, org, state) of the selected row, whichever view.
fn selected(app: &App) -> Option<(ScopeName, OrgNumber, AccessState)> {
    target(app, &app.access.table.selected_row()?.key)
}

/// The marked requests this view shows, as (scope, org).
fn marked_here(app: &App) -> Vec<(ScopeName, OrgNumber)> {
    view_rows(app)
        .into_iter()
        .filter(|(_, a)| a.state == AccessState::Requested)
        .filter(|(_, a)| {
            app.access
                .marked
                .contains(&(a.scope.clone(), a.consumer_orgno.clone()))
        })
        .filter_map(|(_, a)| Some((a.scope.parse().ok()?, a.consumer_orgno.parse().ok()?)))
        .collect()
}

/// Ask, then approve (or deny) the requests `rows`, through the engine as one change each.
fn answer_requests(app: &mut App, rows: Vec<(ScopeName, OrgNumber)>, approve: bool) {
    const LISTED: usize = 8;
    let (title, verb) = if approve {
        ("Approve requests", "Approve")
    } else {
        ("Deny requests", "Deny")
    };
    let mut lines = vec![match rows.len() {
        1 => format!("{verb} this request?"),
        n => format!("{verb} these {n} requests?"),
    }];
    lines.extend(
        rows.iter()
            .take(LISTED)
            .map(|(scope, org)| format!("  {scope}  {}", org_with_name(&app.data, org.as_str()))),
    );
    if rows.len() > LISTED {
        lines.push(format!("  and {} more", rows.len() - LISTED));
    }
    lines.push(if approve {
        "Their clients can then get tokens with the scope.".into()
    } else {
        "They get no access; a later grant can still give it.".into()
    });
    let changes = rows
        .into_iter()
        .map(|(scope, consumer)| {
            if approve {
                Change::Approve { scope, consumer }
            } else {
                Change::Deny { scope, consumer }
            }
        })
        .collect();
    app.confirm(Confirm::new(title, lines, Mutation::Changes(changes)));
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::Grant => {
            let Some(scope) = app
                .scopes
                .selected_own()
                .and_then(|s| s.parse::<ScopeName>().ok())
            else {
                app.error("select one of your scopes in the scopes pane (1) first");
                return Vec::new();
            };
            if app.access.consumer.is_some() || app.access.requests_view {
                app.error("Esc back to the scope's grants to grant it to more organisations");
                return Vec::new();
            }
            let form = Form::new(
                format!("Grant {scope}"),
                vec![Field::text(
                    "orgs",
                    "org numbers (type or paste several)",
                    "",
                    Some(check_orgs),
                )],
            );
            app.open_form(form, FormPurpose::Grant(scope));
        }
        Cmd::Mark => {
            let Some((scope, org, state)) = selected(app) else {
                return Vec::new();
            };
            if state != AccessState::Requested {
                app.info("only requests are marked (for approve and deny)");
                return Vec::new();
            }
            let k = (scope.to_string(), org.to_string());
            if !app.access.marked.remove(&k) {
                app.access.marked.insert(k);
            }
            let page = app.page();
            app.access.table.move_by(1, page);
            rebuild(app);
        }
        Cmd::Revoke => {
            let marked = marked_here(app);
            if !marked.is_empty() {
                answer_requests(app, marked, false);
                return Vec::new();
            }
            let Some((scope, org, state)) = selected(app) else {
                return Vec::new();
            };
            match state {
                AccessState::Requested => answer_requests(app, vec![(scope, org)], false),
                AccessState::Denied => app.info(format!(
                    "{org} has no access to {scope} (DENIED); {} re-approves",
                    app.keymap.key(PaneId::Access, Cmd::Reapprove)
                )),
                _ => {
                    let who = org_with_name(&app.data, org.as_str());
                    app.confirm(Confirm::new(
                        "Revoke access",
                        vec![
                            format!("Revoke {scope} from organisation {who}?"),
                            "Its clients stop getting tokens with this scope.".into(),
                        ],
                        Mutation::Revoke(scope, org),
                    ));
                }
            }
        }
        Cmd::Reapprove => {
            let marked = marked_here(app);
            if !marked.is_empty() {
                answer_requests(app, marked, true);
                return Vec::new();
            }
            let Some((scope, org, state)) = selected(app) else {
                return Vec::new();
            };
            match state {
                AccessState::Requested => answer_requests(app, vec![(scope, org)], true),
                AccessState::Approved => app.info(format!("{org} already has {scope}")),
                _ => {
                    app.info(format!("approving {scope} for {org}…"));
                    return vec![Effect::Mutate(Mutation::Grant(scope, vec![org]))];
                }
            }
        }
        Cmd::Open => {
            if app.access.consumer.is_none()
                && let Some((_, org, _)) = selected(app)
            {
                return show_consumer(app, org);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The names of the organisation numbers typed into a form (the grant dialog; a supplier's
/// customer in the new-client form), kept up to date as they are typed: each valid number's name,
/// `unknown organisation` (a warning), or an ellipsis while it is looked up. Returns the
/// lookups still needed. Shown by number, so a late answer never names another number.
pub fn typed_org_names(app: &mut App) -> Vec<Effect> {
    // The grant dialog's numbers, and a supplier's customer in the new-client form.
    let field = match &app.modal {
        Some(Modal::Form(_, FormPurpose::Grant(_))) => "orgs",
        Some(Modal::Form(form, FormPurpose::NewClient)) if form.field("customer").is_some() => {
            "customer"
        }
        _ => return Vec::new(),
    };
    let Some(Modal::Form(form, _)) = &app.modal else {
        return Vec::new();
    };
    let typed: Vec<OrgNumber> = form
        .value(field)
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter_map(|w| w.parse().ok())
        .collect();
    let lookups = app.names_effect(typed.clone());
    let notes: Vec<(String, bool)> = if app.names_on {
        typed
            .iter()
            .filter_map(|o| match app.data.names.get(o.as_str()) {
                Some(Name::Known(n)) => Some((format!("{o}  {n}"), false)),
                Some(Name::Unknown) => Some((format!("{o}  {}", crate::names::UNKNOWN), true)),
                None if app.data.names_pending.contains(o.as_str()) => {
                    Some((format!("{o}  …"), false))
                }
                None => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    if let Some(Modal::Form(form, _)) = &mut app.modal
        && form.notes != notes
    {
        form.notes = notes;
        app.dirty = true;
    }
    lookups.into_iter().collect()
}

/// Before a grant to numbers the register does not know, one more question: a typo that
/// passes the MOD11 check names another organisation, or none.
pub fn ask_unknown(app: &App, m: &Mutation) -> Option<Confirm> {
    let Mutation::Grant(scope, orgs) = m else {
        return None;
    };
    let unknown: Vec<&str> = orgs
        .iter()
        .map(OrgNumber::as_str)
        .filter(|o| matches!(app.data.names.get(*o), Some(Name::Unknown)))
        .collect();
    if unknown.is_empty() {
        return None;
    }
    Some(Confirm::new(
        "Unknown organisation",
        vec![
            format!("The register knows no organisation {}.", unknown.join(", ")),
            format!("Grant {scope} anyway?"),
        ],
        m.clone(),
    ))
}

/// Org numbers typed or pasted as a list.
pub fn parse_orgs(s: &str) -> Result<Vec<OrgNumber>, String> {
    let mut out: Vec<OrgNumber> = Vec::new();
    for word in s.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if word.is_empty() {
            continue;
        }
        let org: OrgNumber = word
            .parse()
            .map_err(|e: crate::api::types::InvalidValue| e.0)?;
        if !out.contains(&org) {
            out.push(org);
        }
    }
    if out.is_empty() {
        return Err("type at least one org number".into());
    }
    Ok(out)
}

fn check_orgs(s: &str) -> Result<(), String> {
    parse_orgs(s).map(drop)
}

pub fn submit(
    form: &crate::tui::widgets::form::Form,
    purpose: &FormPurpose,
) -> Result<Mutation, String> {
    match purpose {
        FormPurpose::Grant(scope) => Ok(Mutation::Grant(
            scope.clone(),
            parse_orgs(&form.value("orgs"))?,
        )),
        _ => Err("not a grant form".into()),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    // Marks on rows of another view do not count here (approve and deny leave them be).
    let marked = match marked_here(app).len() {
        0 => String::new(),
        n => format!(" · {n} marked"),
    };
    if app.access.requests_view {
        let title = format!(
            "Requests waiting for an answer{marked} · {} approve {} deny · Esc: back",
            app.keymap.key(PaneId::Access, Cmd::Reapprove),
            app.keymap.key(PaneId::Access, Cmd::Revoke)
        );
        let empty = app
            .data
            .no_rows(&[LoadKind::GrantCounts], "no requests wait for an answer");
        app.access.table.render(f, area, &title, &empty, &app.theme);
        return;
    }
    match &app.access.consumer {
        Some(org) => {
            let who = org_with_name(&app.data, org.as_str());
            let title = format!("Everything {who} has from us{marked} · Esc: back");
            let empty = if app.data.consumer.is_some() {
                "this organisation has no grants from us".into()
            } else {
                app.data.unread(&[LoadKind::Consumer])
            };
            app.access.table.render(f, area, &title, &empty, &app.theme);
        }
        None => {
            let (title, empty) = match app.scopes.selected_own() {
                Some(s) => (
                    format!("Grants of {s}{marked}"),
                    if shown_grants(&app.scopes, &app.data).is_some() {
                        format!(
                            "no grants: press {} to grant org numbers",
                            app.keymap.key(PaneId::Access, Cmd::Grant)
                        )
                        .into()
                    } else {
                        app.data.unread(&[LoadKind::Grants])
                    },
                ),
                None => (
                    "Grants".to_owned(),
                    app.data.no_rows(
                        &[LoadKind::OwnScopes],
                        "select a scope in the scopes pane (1), or :org 991825827",
                    ),
                ),
            };
            app.access.table.render(f, area, &title, &empty, &app.theme);
        }
    }
}

pub const PANE: super::Pane = super::Pane {
    title: "Access",
    refresh: || crate::tui::effect::Area::Access,
    command,
    render,
    table: |app| &app.access.table,
    table_mut: |app| &mut app.access.table,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_list_from_paste() {
        let orgs = parse_orgs("991825827, 974760673\n991825827;").unwrap();
        assert_eq!(orgs.len(), 2);
        let e = parse_orgs("991825827 991825828").unwrap_err();
        assert!(e.contains("991825828") && e.contains("MOD11"), "{e}");
        assert!(parse_orgs("  ").is_err());
    }
}
