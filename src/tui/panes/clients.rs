//! Clients pane: our client registrations with key counts and the soonest key expiry; create,
//! edit and delete (typing the client name to confirm); rotate the soonest-expiring key, the
//! token doctor and the expiry overview of all keys start here too.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::EXPIRY_WARN_DAYS;
use super::PaneId;
use super::scopes::fields_of;
use crate::api::models::{
    AccessState, ApplicationType, Client, IntegrationType, TokenEndpointAuthMethod,
};
use crate::api::types::ClientId;
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{Effect, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col, num};
use crate::wire::kinds::{self, CREATABLE, Family, Login};

/// At 80 columns the client id (in the details, the side panel and what `y` copies) gives
/// way first, then the scopes; name, type, keys and expiry always stay. The type column is as
/// wide as the longest known integration type, so every type shows whole.
const COLUMNS: &[Column] = &[
    col("name", Constraint::Min(14)),
    col("client_id", Constraint::Length(36)).drop_at(1, 36),
    col("type", Constraint::Length(TYPE_WIDTH)),
    col("scopes", Constraint::Fill(1)).drop_at(2, 12),
    num("keys", Constraint::Length(4)),
    num("expiry", Constraint::Length(6)),
];

/// `idporten_saml2`, the longest integration type the API documents.
const TYPE_WIDTH: u16 = 14;

#[derive(Debug, Clone)]
pub struct ClientsPane {
    pub table: FilterTable,
}

impl Default for ClientsPane {
    fn default() -> Self {
        ClientsPane {
            table: FilterTable::new(COLUMNS),
        }
    }
}

impl ClientsPane {
    pub fn selected_id(&self) -> Option<&str> {
        self.table.selected_row().map(|r| r.key.as_str())
    }
}

pub fn rebuild(app: &mut App) {
    let now = chrono::DateTime::<chrono::Utc>::from(app.now);
    let row_of = |c: &Client| {
        let keys = app.data.jwks.get(&c.client_id);
        let soonest = keys.and_then(|j| {
            j.keys
                .iter()
                .filter_map(|k| crate::keys::days_left(k, now))
                .min()
        });
        let mut row = Row::new(
            c.client_id.clone(),
            vec![
                c.client_name.clone(),
                c.client_id.clone(),
                c.integration_type
                    .as_ref()
                    .map_or(String::new(), |t| t.to_string()),
                c.scopes.join(" "),
                keys.map_or(String::new(), |j| j.keys.len().to_string()),
                soonest.map_or(String::new(), |d| format!("{d}d")),
            ],
        );
        if soonest.is_some_and(|d| d < EXPIRY_WARN_DAYS) {
            row = row.cell_tone(5, Tone::Danger);
        }
        if !c.active || crate::tui::supplier::refusal_for(app, c).is_some() {
            row = row.tone(Tone::Muted);
        }
        row
    };
    let rows: Vec<Row> = if crate::tui::supplier::ours(app).is_some() {
        let clients = &app.data.clients;
        let mut counts = std::collections::HashMap::new();
        for c in clients {
            *counts.entry(c.client_orgno.as_deref()).or_insert(0) += 1;
        }
        let group = crate::tui::supplier::grouped(clients);
        group
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Some(c) => Some(row_of(c)),
                None => {
                    let first = group.get(i + 1).copied().flatten()?;
                    let orgno = first.client_orgno.as_deref();
                    let count = counts.get(&orgno).copied().unwrap_or(0);
                    let header = crate::tui::supplier::header;
                    Some(header(app, orgno.unwrap_or(""), count, COLUMNS.len()))
                }
            })
            .collect()
    } else {
        app.data.clients.iter().map(row_of).collect()
    };
    app.clients.table.set_rows(rows);
}

pub fn selected_client(app: &App) -> Option<&Client> {
    let id = app.clients.selected_id()?;
    app.data.clients.iter().find(|c| c.client_id == id)
}

/// Scopes a client of ours may hold: granted to us, open to all, or our own.
pub fn usable_scopes(app: &App) -> Vec<String> {
    let mut out: Vec<String> = app
        .data
        .granted_to_us
        .iter()
        .filter(|a| a.state == AccessState::Approved)
        .map(|a| a.scope.clone())
        .chain(
            app.data
                .public_scopes
                .iter()
                .filter(|s| s.accessible_for_all && s.active)
                .map(|s| s.name.clone()),
        )
        .chain(
            app.data
                .own_scopes
                .iter()
                .filter(|s| s.active)
                .map(|s| s.name.clone()),
        )
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::ToggleOverview => return super::keys::show(app, true),
        Cmd::OnBehalfOf => {
            if let Some(c) = selected_client(app).cloned() {
                return super::onbehalfof::open(app, &c);
            }
        }
        Cmd::RotateKey => {
            let Some(c) = selected_client(app).cloned() else {
                return Vec::new();
            };
            super::keys::start_rotation(app, &c, None);
        }
        Cmd::TokenTest => {
            if let Some(c) = selected_client(app).cloned() {
                super::keys::open_token_test(app, &c);
            }
        }
        Cmd::Open => {
            if let Some(c) = selected_client(app) {
                let mut lines = fields_of(c);
                if let Some(j) = app.data.jwks.get(&c.client_id) {
                    lines.push(("keys".into(), j.keys.len().to_string()));
                }
                lines.push(("on-behalf-of".into(), super::onbehalfof::summary(app, c)));
                let title = format!("{} ({})", c.client_name, c.client_id);
                app.modal = Some(Modal::Detail(Overlay::new(title, lines)));
            }
        }
        Cmd::NewClient => {
            let mut form = client_form(app, "New client", &Client::default());
            form.fields.extend(kind_fields());
            if crate::tui::supplier::ours(app).is_some() {
                form.fields
                    .insert(0, crate::tui::supplier::customer_field());
            }
            app.open_form(form, FormPurpose::NewClient);
        }
        Cmd::EditClient => {
            let Some(c) = selected_client(app).cloned() else {
                return Vec::new();
            };
            if let Some(why) = crate::tui::supplier::refusal_for(app, &c) {
                app.error(why);
                return Vec::new();
            }
            let Ok(id) = c.client_id.parse::<ClientId>() else {
                return Vec::new();
            };
            let form = client_form(app, &format!("Edit {}", c.client_name), &c);
            app.open_form(form, FormPurpose::EditClient(id));
        }
        Cmd::DeleteClient => {
            let Some(c) = selected_client(app).cloned() else {
                return Vec::new();
            };
            if let Some(why) = crate::tui::supplier::refusal_for(app, &c) {
                app.error(why);
                return Vec::new();
            }
            let Ok(id) = c.client_id.parse::<ClientId>() else {
                return Vec::new();
            };
            let keys = app.data.jwks.get(&c.client_id).map_or(0, |j| j.keys.len());
            let expect = if c.client_name.trim().is_empty() {
                c.client_id.clone()
            } else {
                c.client_name.clone()
            };
            app.confirm(
                Confirm::new(
                    "Delete client",
                    vec![
                        format!("Delete client {} ({id})?", c.client_name),
                        format!(
                            "It holds {} scope(s) and {keys} key(s); systems using it stop getting tokens.",
                            c.scopes.len()
                        ),
                    ],
                    Mutation::DeleteClient(id),
                )
                .typed(expect),
            );
        }
        _ => {}
    }
    Vec::new()
}

fn required(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("required".into())
    } else {
        Ok(())
    }
}

fn client_form(app: &App, title: &str, c: &Client) -> Form {
    let mut options = usable_scopes(app);
    // Keep scopes the client already has, even ones we may no longer grant, so an edit does
    // not drop them silently.
    for s in &c.scopes {
        if !options.contains(s) {
            options.push(s.clone());
        }
    }
    Form::new(
        title,
        vec![
            Field::text("name", "name", &c.client_name, Some(required)),
            Field::text("description", "description", &c.description, Some(required)),
            Field::multi(
                "scopes",
                "scopes (granted to us, open to all, or our own)",
                options,
                &c.scopes,
            ),
        ],
    )
}

pub fn submit(app: &App, form: &Form, purpose: &FormPurpose) -> Result<Mutation, String> {
    let name = form.value("name").trim().to_owned();
    let description = form.value("description").trim().to_owned();
    let scopes = form.field("scopes").map(|f| f.values()).unwrap_or_default();
    match purpose {
        FormPurpose::NewClient => {
            let mut c = new_client(form, &name, &description, scopes)?;
            // Supplier mode: the customer the client is for.
            if form.field("customer").is_some() {
                c.client_orgno = Some(form.value("customer").trim().to_owned());
            }
            Ok(Mutation::CreateClient(Box::new(c)))
        }
        FormPurpose::EditClient(id) => {
            let mut c = app
                .data
                .clients
                .iter()
                .find(|c| c.client_id == id.as_str())
                .cloned()
                .ok_or_else(|| format!("client {id} is no longer in the list: press r"))?;
            c.client_name = name;
            c.description = description;
            c.scopes = scopes;
            Ok(Mutation::UpdateClient(id.clone(), Box::new(c)))
        }
        _ => Err("not a client form".into()),
    }
}

/// The new-client form's last fields: the integration type, then what login types need.
fn kind_fields() -> Vec<Field> {
    let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let kinds: Vec<&str> = CREATABLE.iter().map(IntegrationType::as_str).collect();
    vec![
        Field::choice(
            "integration_type",
            "integration type (Space/←→)",
            names(&kinds),
            IntegrationType::Maskinporten.as_str(),
        ),
        Field::choice(
            "application_type",
            "application type (login types)",
            names(&["web", "browser", "native"]),
            "web",
        ),
        Field::choice(
            "auth_method",
            "auth method (login; browser/native: none)",
            names(&[
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "none",
            ]),
            "client_secret_basic",
        ),
        Field::text(
            "redirect_uris",
            "redirect URIs (login types; spaces between)",
            "",
            None,
        ),
        Field::text(
            "post_logout_redirect_uris",
            "post-logout redirect URIs (login types)",
            "",
            None,
        ),
        Field::toggle("refresh_tokens", "refresh tokens too (login types)", false),
    ]
}

/// The create body of the type chosen, refused (naming the field) where the server would
/// refuse it, and where a login field was filled in for a type that would drop it.
fn new_client(
    form: &Form,
    name: &str,
    description: &str,
    scopes: Vec<String>,
) -> Result<Client, String> {
    let kind = match form.field("integration_type") {
        Some(f) => IntegrationType::from(f.value()),
        None => IntegrationType::Maskinporten,
    };
    let words = |field: &str| -> Vec<String> {
        form.value(field)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let client = if kind.family() == Family::Login {
        Client::new_login(
            kind,
            name,
            description,
            scopes,
            Login {
                application_type: ApplicationType::from(form.value("application_type")),
                auth_method: TokenEndpointAuthMethod::from(form.value("auth_method")),
                redirect_uris: words(kinds::REDIRECT_URIS),
                post_logout_redirect_uris: words(kinds::POST_LOGOUT_REDIRECT_URIS),
                refresh_tokens: form.field("refresh_tokens").is_some_and(|f| f.is_on()),
            },
        )
    } else {
        let filled = [kinds::REDIRECT_URIS, kinds::POST_LOGOUT_REDIRECT_URIS]
            .into_iter()
            .find(|f| !words(f).is_empty())
            .or_else(|| {
                form.field("refresh_tokens")
                    .is_some_and(|f| f.is_on())
                    .then_some("refresh_tokens")
            });
        if let Some(field) = filled {
            return Err(format!(
                "{field}: only login clients (idporten, ansattporten, api_klient) have it;                  clear it or choose a login type"
            ));
        }
        Client::new_server_to_server(kind, name, description, scopes)
    };
    match kinds::problems(&client).into_iter().next() {
        Some((field, why)) => Err(format!("{field}: {why}")),
        None => Ok(client),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let key = |cmd| app.keymap.key(PaneId::Clients, cmd);
    let empty = app.data.no_rows(
        &[LoadKind::Clients],
        format!("no clients: press {} to create one", key(Cmd::NewClient)),
    );
    let title = format!("Clients · {}: keys", key(Cmd::Pane(PaneId::Keys)));
    app.clients
        .table
        .render(f, area, &title, &empty, &app.theme);
}

pub const PANE: super::Pane = super::Pane {
    title: "Clients",
    refresh: || crate::tui::effect::Area::Clients,
    command,
    render,
    table: |app| &app.clients.table,
    table_mut: |app| &mut app.clients.table,
};
