//! On-behalf-of pane: the registrations through which an ID-porten, API-klient or KRR client
//! acts for other organisations (`b` on such a client in the clients pane; Esc goes back).
//! Add, edit and remove them through the same confirmation and journal as every change.
//! Maskinporten clients have none: Maskinporten delegates through Altinn instead.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::PaneId;
use super::scopes::fields_of;
use crate::api::models::{Client, ClientOnBehalfOf};
use crate::api::types::{ClientId, OrgNumber};
use crate::changes::Change;
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{Effect, Load, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, KEEP, Row, col};

/// At 80 columns the description and the address give way (Enter and the side panel show
/// them), so name and organisation stay readable.
const COLUMNS: &[Column] = &[
    col("onbehalfof", Constraint::Length(14)),
    col("name", Constraint::Fill(1)).drop_at(KEEP, 16),
    col("orgno", Constraint::Length(9)),
    col("organisation", Constraint::Fill(1)).drop_at(2, 16),
    col("client_uri", Constraint::Fill(1)).drop_at(1, 20),
    col("description", Constraint::Fill(1)).drop_at(0, 16),
];

#[derive(Debug, Clone)]
pub struct OnBehalfOfPane {
    /// The client whose registrations the pane shows.
    pub client: Option<ClientId>,
    /// The client whose registrations were asked for last as the clients pane's selection
    /// moved (so each is asked once); cleared when that failed.
    pub asked: Option<String>,
    pub table: FilterTable,
}

impl Default for OnBehalfOfPane {
    fn default() -> Self {
        OnBehalfOfPane {
            client: None,
            asked: None,
            table: FilterTable::new(COLUMNS),
        }
    }
}

/// Why `c` can have no registrations, or `None` when its type allows them.
pub fn refusal(c: &Client) -> Option<String> {
    match &c.integration_type {
        Some(t) if t.allows_onbehalfof() => None,
        t => Some(format!(
            "{} is a {} client: on-behalf-of registrations are only for idporten, api_klient \
             and krr clients (Maskinporten delegates through Altinn)",
            c.client_name,
            t.as_ref().map_or("(no type)", |t| t.as_str())
        )),
    }
}

/// The organisation's name: what the server put on the registration (`organization_name`).
pub fn org_name(o: &ClientOnBehalfOf) -> Option<&str> {
    o.organization_name()
}

/// The registrations held for `id`, if they are the ones last read.
pub fn held<'a>(app: &'a App, id: &str) -> Option<&'a [ClientOnBehalfOf]> {
    app.data
        .onbehalfof
        .as_ref()
        .filter(|(c, _)| c == id)
        .map(|(_, list)| list.as_slice())
}

/// One line for the client's details: its registrations when read, else where to find them.
pub fn summary(app: &App, c: &Client) -> String {
    if refusal(c).is_some() {
        return "none: Maskinporten clients act only for their own organisation".into();
    }
    let key = app.keymap.key(PaneId::Clients, Cmd::OnBehalfOf);
    match held(app, &c.client_id) {
        Some(list) => {
            let names: Vec<String> = list
                .iter()
                .map(|o| match (&o.orgno, org_name(o)) {
                    (Some(n), Some(name)) => format!("{} ({n} {name})", o.onbehalfof),
                    (Some(n), None) => format!("{} ({n})", o.onbehalfof),
                    _ => o.onbehalfof.clone(),
                })
                .collect();
            format!(
                "{}: {} ({key} lists, adds, edits and removes them)",
                list.len(),
                names.join(", ")
            )
        }
        None => format!("{key} lists, adds, edits and removes them"),
    }
}

fn shown_client(app: &App) -> Option<&Client> {
    let id = app.onbehalfof.client.as_ref()?;
    app.data.clients.iter().find(|c| c.client_id == id.as_str())
}

pub fn rebuild(app: &mut App) {
    let id = app.onbehalfof.client.as_ref().map(ClientId::to_string);
    let rows = id
        .as_deref()
        .and_then(|id| held(app, id))
        .unwrap_or_default()
        .iter()
        .map(|o| {
            Row::new(
                o.onbehalfof.clone(),
                vec![
                    o.onbehalfof.clone(),
                    o.name.clone().unwrap_or_default(),
                    o.orgno.clone().unwrap_or_default(),
                    org_name(o).unwrap_or_default().to_owned(),
                    o.uri.clone().unwrap_or_default(),
                    o.description.clone().unwrap_or_default(),
                ],
            )
        })
        .collect();
    app.onbehalfof.table.set_rows(rows);
}

/// `b` in the clients pane: the selected client's registrations, read afresh; refused with the
/// reason on a client whose type has none.
pub fn open(app: &mut App, c: &Client) -> Vec<Effect> {
    if let Some(why) = refusal(c) {
        app.error(why);
        return Vec::new();
    }
    let Ok(id) = c.client_id.parse::<ClientId>() else {
        return Vec::new();
    };
    if app.onbehalfof.client.as_ref() != Some(&id) {
        app.onbehalfof.table.clear_filter();
        app.onbehalfof.table.top();
    }
    app.onbehalfof.client = Some(id.clone());
    app.onbehalfof.asked = Some(id.to_string());
    app.pane = PaneId::OnBehalfOf;
    rebuild(app);
    vec![app.load(Load::OnBehalfOf(id))]
}

/// As the clients pane's selection lands on a client that can have registrations, they are
/// read (once per client), so its details list them.
pub fn follow_selection(app: &mut App) -> Option<Effect> {
    if app.pane != PaneId::Clients || app.modal.is_some() {
        return None;
    }
    let c = super::clients::selected_client(app)?;
    if refusal(c).is_some()
        || held(app, &c.client_id).is_some()
        || app.onbehalfof.asked.as_deref() == Some(c.client_id.as_str())
    {
        return None;
    }
    let id = c.client_id.parse::<ClientId>().ok()?;
    app.onbehalfof.asked = Some(id.to_string());
    Some(app.load(Load::OnBehalfOf(id)))
}

fn selected(app: &App) -> Option<(ClientId, ClientOnBehalfOf)> {
    let id = app.onbehalfof.client.clone()?;
    let key = app.onbehalfof.table.selected_row()?.key.clone();
    let o = held(app, id.as_str())?
        .iter()
        .find(|o| o.onbehalfof == key)?
        .clone();
    Some((id, o))
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::Open => {
            if let Some((_, o)) = selected(app) {
                let title = format!("on-behalf-of {}", o.onbehalfof);
                app.modal = Some(Modal::Detail(Overlay::new(title, fields_of(&o))));
            }
        }
        Cmd::AddOnBehalfOf => {
            let Some(id) = app.onbehalfof.client.clone() else {
                return Vec::new();
            };
            let form = form(
                &format!("New on-behalf-of registration of {}", client_label(app)),
                &ClientOnBehalfOf::default(),
                true,
            );
            app.open_form(form, FormPurpose::AddOnBehalfOf(id));
        }
        Cmd::EditOnBehalfOf => {
            let Some((id, o)) = selected(app) else {
                return Vec::new();
            };
            let named = org_name(&o).map_or(String::new(), |n| format!(" ({n})"));
            let title = format!("Edit on-behalf-of {}{named}", o.onbehalfof);
            let form = form(&title, &o, false);
            app.open_form(form, FormPurpose::EditOnBehalfOf(id, o.onbehalfof));
        }
        Cmd::RemoveOnBehalfOf => {
            let Some((id, o)) = selected(app) else {
                return Vec::new();
            };
            let org = match (o.orgno.as_deref(), org_name(&o)) {
                (Some(n), Some(name)) => format!("{n} {name}"),
                (Some(n), None) => n.to_owned(),
                _ => "its organisation".to_owned(),
            };
            app.confirm(Confirm::new(
                "Remove on-behalf-of registration",
                vec![
                    format!(
                        "Remove {} ({}) from {}?",
                        o.onbehalfof,
                        o.name.as_deref().unwrap_or(""),
                        client_label(app)
                    ),
                    format!("The client then no longer acts on behalf of {org}."),
                ],
                Mutation::Apply(Box::new(Change::RemoveOnBehalfOf {
                    client: id,
                    onbehalfof: o.onbehalfof,
                })),
            ));
        }
        _ => {}
    }
    Vec::new()
}

fn client_label(app: &App) -> String {
    match shown_client(app) {
        Some(c) => c.client_name.clone(),
        None => app
            .onbehalfof
            .client
            .as_ref()
            .map(ClientId::to_string)
            .unwrap_or_default(),
    }
}

/// As the server (and `mpadmin clients onbehalfof add`) takes it.
fn check_id(s: &str) -> Result<(), String> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("required: letters, digits, '-', '_' and '.' only".into());
    }
    Ok(())
}

fn required(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("required".into())
    } else {
        Ok(())
    }
}

fn check_orgno(s: &str) -> Result<(), String> {
    s.trim()
        .parse::<OrgNumber>()
        .map(drop)
        .map_err(|e| e.to_string())
}

fn check_uri(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("https://") || s.starts_with("http://") {
        Ok(())
    } else {
        Err("an address starting with https:// (or empty)".into())
    }
}

fn form(title: &str, o: &ClientOnBehalfOf, new: bool) -> Form {
    let mut fields = Vec::new();
    if new {
        fields.push(Field::text(
            "onbehalfof",
            "onbehalfof (an id you choose: letters, digits, - _ .)",
            &o.onbehalfof,
            Some(check_id),
        ));
    }
    fields.extend([
        Field::text(
            "name",
            "name (shown to users at login)",
            o.name.as_deref().unwrap_or(""),
            Some(required),
        ),
        Field::text(
            "orgno",
            "orgno (the organisation acted for, 9 digits)",
            o.orgno.as_deref().unwrap_or(""),
            Some(check_orgno),
        ),
        Field::text(
            "client_uri",
            "client_uri (the organisation's service address)",
            o.uri.as_deref().unwrap_or(""),
            Some(check_uri),
        ),
        Field::text(
            "description",
            "description",
            o.description.as_deref().unwrap_or(""),
            None,
        ),
    ]);
    Form::new(title, fields)
}

fn optional(s: String) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

pub fn submit(app: &App, form: &Form, purpose: &FormPurpose) -> Result<Mutation, String> {
    let fill = |o: &mut ClientOnBehalfOf| -> Result<(), String> {
        o.name = optional(form.value("name"));
        let orgno = check_orgno(&form.value("orgno"))
            .map(|()| form.value("orgno").trim().to_owned())
            .map_err(|e| format!("orgno: {e}"))?;
        o.orgno = Some(orgno);
        o.uri = optional(form.value("client_uri"));
        o.description = optional(form.value("description"));
        Ok(())
    };
    match purpose {
        FormPurpose::AddOnBehalfOf(client) => {
            let mut o = ClientOnBehalfOf {
                onbehalfof: form.value("onbehalfof").trim().to_owned(),
                ..ClientOnBehalfOf::default()
            };
            fill(&mut o)?;
            Ok(Mutation::Apply(Box::new(Change::AddOnBehalfOf {
                client: client.clone(),
                registration: Box::new(o),
            })))
        }
        FormPurpose::EditOnBehalfOf(client, key) => {
            let mut o = held(app, client.as_str())
                .and_then(|l| l.iter().find(|o| o.onbehalfof == *key))
                .cloned()
                .ok_or_else(|| format!("{key} is no longer in the list: press r"))?;
            fill(&mut o)?;
            // The server names the organisation itself; what it named before may be wrong now.
            o.extra.remove(ClientOnBehalfOf::ORGANIZATION_NAME);
            Ok(Mutation::Apply(Box::new(Change::UpdateOnBehalfOf {
                client: client.clone(),
                registration: Box::new(o),
            })))
        }
        _ => Err("not an on-behalf-of form".into()),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let key = |cmd| app.keymap.key(PaneId::OnBehalfOf, cmd);
    let empty = match shown_client(app) {
        Some(c) => match refusal(c) {
            Some(why) => why,
            None => format!(
                "no on-behalf-of registrations: press {} to add one",
                key(Cmd::AddOnBehalfOf)
            ),
        },
        None => format!(
            "no client chosen: select an idporten, api_klient or krr client in the clients \
             pane and press {}",
            app.keymap.key(PaneId::Clients, Cmd::OnBehalfOf)
        ),
    };
    let id = app.onbehalfof.client.as_ref().map(ClientId::as_str);
    // What was read for another client says nothing about this one.
    let empty = match id.and_then(|id| held(app, id)) {
        Some(_) => app.data.no_rows(&[LoadKind::OnBehalfOf], empty),
        None if id.is_some() => app.data.unread(&[LoadKind::OnBehalfOf]),
        None => empty.into(),
    };
    let kind = shown_client(app)
        .and_then(|c| c.integration_type.as_ref())
        .map_or(String::new(), |t| format!(" ({t})"));
    let title = format!(
        "On-behalf-of · {}{kind} · {}: clients",
        client_label(app),
        key(Cmd::Back)
    );
    app.onbehalfof
        .table
        .render(f, area, &title, &empty, &app.theme);
}

pub const PANE: super::Pane = super::Pane {
    title: "On-behalf-of",
    refresh: || crate::tui::effect::Area::Clients,
    command,
    render,
    table: |app| &app.onbehalfof.table,
    table_mut: |app| &mut app.onbehalfof.table,
};
