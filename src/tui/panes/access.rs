//! Access pane: the grants of the scope selected in the scopes pane, or (reverse view)
//! everything one org number has from us. Grant several org numbers at once, revoke, and
//! re-approve a DENIED row.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::short_time;
use crate::api::models::{AccessState, ScopeAccess};
use crate::api::types::{OrgNumber, ScopeName};
use crate::tui::app::{App, Data, FormPurpose};
use crate::tui::effect::{Effect, Load, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::panes::PaneId;
use crate::tui::panes::scopes::ScopesPane;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col};

const BY_SCOPE: &[Column] = &[
    col("consumer", Constraint::Length(9)),
    col("name", Constraint::Fill(1)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

/// When no grant carries an organisation name (Digdir sends them only at times).
const BY_SCOPE_NO_NAMES: &[Column] = &[
    col("consumer", Constraint::Length(9)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

const BY_CONSUMER: &[Column] = &[
    col("scope", Constraint::Fill(1)),
    col("state", Constraint::Length(9)),
    col("created", Constraint::Length(16)),
    col("last updated", Constraint::Length(16)),
];

#[derive(Debug, Clone)]
pub struct AccessPane {
    /// The reverse view's org number; `None` shows the selected scope's grants.
    consumer: Option<OrgNumber>,
    pub table: FilterTable,
}

impl Default for AccessPane {
    fn default() -> Self {
        AccessPane {
            consumer: None,
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
}

fn tone(state: &AccessState) -> Tone {
    match state {
        AccessState::Approved => Tone::Normal,
        AccessState::Requested => Tone::Warn,
        _ => Tone::Muted,
    }
}

fn consumer_name(a: &ScopeAccess) -> String {
    a.extra
        .get("consumer_organization_name")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned()
}

pub fn rebuild(app: &mut App) {
    let rows: Vec<Row> = match &app.access.consumer {
        Some(_) => {
            app.access.table.set_columns(BY_CONSUMER);
            app.data
                .consumer
                .iter()
                .flat_map(|(_, g)| g)
                .map(|a| {
                    Row::new(
                        a.scope.clone(),
                        vec![
                            a.scope.clone(),
                            a.state.to_string(),
                            short_time(a.created.as_deref()),
                            short_time(a.last_updated.as_deref()),
                        ],
                    )
                    .tone(tone(&a.state))
                })
                .collect()
        }
        None => {
            let grants = shown_grants(&app.scopes, &app.data).unwrap_or_default();
            let named = grants.iter().any(|a| !consumer_name(a).is_empty());
            app.access
                .table
                .set_columns(if named { BY_SCOPE } else { BY_SCOPE_NO_NAMES });
            grants
                .iter()
                .map(|a| {
                    let mut cells = vec![a.consumer_orgno.clone()];
                    if named {
                        cells.push(consumer_name(a));
                    }
                    cells.extend([
                        a.state.to_string(),
                        short_time(a.created.as_deref()),
                        short_time(a.last_updated.as_deref()),
                    ]);
                    Row::new(a.consumer_orgno.clone(), cells).tone(tone(&a.state))
                })
                .collect()
        }
    };
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
    app.access.consumer = Some(org.clone());
    if app.data.consumer.as_ref().is_some_and(|(o, _)| *o != org) {
        app.data.consumer = None;
    }
    app.access.table.clear_filter();
    rebuild(app);
    vec![app.load(Load::Consumer(org))]
}

/// (scope, org, state) of the selected row, whichever view.
fn selected(app: &App) -> Option<(ScopeName, OrgNumber, AccessState)> {
    let key = app.access.table.selected_row()?.key.clone();
    match &app.access.consumer {
        Some(org) => {
            let (_, grants) = app.data.consumer.as_ref()?;
            let a = grants.iter().find(|a| a.scope == key)?;
            Some((a.scope.parse().ok()?, org.clone(), a.state.clone()))
        }
        None => {
            let scope = app.scopes.selected_own()?;
            let a = shown_grants(&app.scopes, &app.data)?
                .iter()
                .find(|a| a.consumer_orgno == key)?;
            Some((scope.parse().ok()?, key.parse().ok()?, a.state.clone()))
        }
    }
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
            if app.access.consumer.is_some() {
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
        Cmd::Revoke => {
            let Some((scope, org, state)) = selected(app) else {
                return Vec::new();
            };
            if state == AccessState::Denied {
                app.info(format!(
                    "{org} has no access to {scope} (DENIED); a re-approves"
                ));
                return Vec::new();
            }
            app.confirm(Confirm::new(
                "Revoke access",
                vec![
                    format!("Revoke {scope} from organisation {org}?"),
                    "Its clients stop getting tokens with this scope.".into(),
                ],
                Mutation::Revoke(scope, org),
            ));
        }
        Cmd::Reapprove => {
            let Some((scope, org, state)) = selected(app) else {
                return Vec::new();
            };
            if state == AccessState::Approved {
                app.info(format!("{org} already has {scope}"));
                return Vec::new();
            }
            app.info(format!("approving {scope} for {org}…"));
            return vec![Effect::Mutate(Mutation::Grant(scope, vec![org]))];
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
    match &app.access.consumer {
        Some(org) => {
            let title = format!("Everything {org} has from us · Esc: back");
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
                    format!("Grants of {s}"),
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
