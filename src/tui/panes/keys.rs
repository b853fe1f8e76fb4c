//! Keys pane: the public keys of the client selected in the clients pane — add one from a file
//! (the others are kept), delete one — and, on `o`, every key of every client, soonest expiry
//! first.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::clients::selected_client;
use super::scopes::fields_of;
use super::{EXPIRY_WARN_DAYS, short_time};
use crate::api::models::{Client, Jwk};
use crate::api::types::{ClientId, Kid};
use crate::keys;
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{Effect, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col, num};

const ONE_CLIENT: &[Column] = &[
    col("kid", Constraint::Fill(1)),
    col("alg", Constraint::Length(5)),
    num("size", Constraint::Length(5)),
    col("expires", Constraint::Length(10)),
    num("days", Constraint::Length(5)),
    col("created", Constraint::Length(16)),
];

const ALL_CLIENTS: &[Column] = &[
    col("client", Constraint::Fill(1)),
    col("kid", Constraint::Fill(1)),
    col("expires", Constraint::Length(10)),
    num("days", Constraint::Length(5)),
];

#[derive(Debug, Clone)]
pub struct KeysPane {
    /// Every key of every client, soonest expiry first.
    pub overview: bool,
    pub table: FilterTable,
}

impl Default for KeysPane {
    fn default() -> Self {
        KeysPane {
            overview: false,
            table: FilterTable::new(ONE_CLIENT),
        }
    }
}

fn date(exp: i64) -> String {
    DateTime::from_timestamp(exp, 0).map_or(String::new(), |d| d.format("%Y-%m-%d").to_string())
}

fn now(app: &App) -> DateTime<Utc> {
    DateTime::<Utc>::from(app.now)
}

/// Red when the key runs out within 30 days.
fn expiring(days: Option<i64>) -> bool {
    days.is_some_and(|d| d < EXPIRY_WARN_DAYS)
}

/// The overview's row key: `client_id/kid` (neither contains a `/`).
fn overview_key(client_id: &str, kid: &str) -> String {
    format!("{client_id}/{kid}")
}

pub fn rebuild(app: &mut App) {
    let now = now(app);
    let rows: Vec<Row> = if app.keys.overview {
        app.keys.table.set_columns(ALL_CLIENTS);
        let with_keys: Vec<(&Client, &[Jwk])> = app
            .data
            .clients
            .iter()
            .filter_map(|c| Some((c, app.data.jwks.get(&c.client_id)?.keys.as_slice())))
            .collect();
        keys::expiry_overview(with_keys, now)
            .into_iter()
            .map(|r| {
                let days = r.days_left();
                let row = Row::new(
                    overview_key(&r.client_id, &r.kid),
                    vec![
                        r.client_name,
                        r.kid,
                        r.exp.map_or(String::new(), date),
                        days.map_or(String::new(), |d| d.to_string()),
                    ],
                );
                if expiring(days) {
                    row.cell_tone(2, Tone::Danger).cell_tone(3, Tone::Danger)
                } else {
                    row
                }
            })
            .collect()
    } else {
        app.keys.table.set_columns(ONE_CLIENT);
        match selected_client(app).and_then(|c| app.data.jwks.get(&c.client_id)) {
            Some(jwks) => jwks
                .keys
                .iter()
                .map(|k| {
                    let kid = k.kid.clone().unwrap_or_default();
                    let days = keys::days_left(k, now);
                    let created = k
                        .extra
                        .get("created")
                        .and_then(|v| v.as_str())
                        .or(jwks.created.as_deref());
                    let row = Row::new(
                        kid.clone(),
                        vec![
                            kid,
                            k.alg.clone().unwrap_or_default(),
                            keys::modulus_bits(k).map_or(String::new(), |b| b.to_string()),
                            k.exp.map_or(String::new(), date),
                            days.map_or(String::new(), |d| d.to_string()),
                            short_time(created),
                        ],
                    );
                    if expiring(days) {
                        row.cell_tone(3, Tone::Danger).cell_tone(4, Tone::Danger)
                    } else {
                        row
                    }
                })
                .collect(),
            None => Vec::new(),
        }
    };
    app.keys.table.set_rows(rows);
}

/// The client the selected key belongs to, and the key's kid (either view).
fn selection(app: &App) -> Option<(&Client, Option<String>)> {
    let row = app.keys.table.selected_row().map(|r| r.key.as_str());
    if app.keys.overview {
        let (id, kid) = row?.split_once('/')?;
        let client = app.data.clients.iter().find(|c| c.client_id == id)?;
        Some((client, Some(kid.to_owned())))
    } else {
        Some((selected_client(app)?, row.map(str::to_owned)))
    }
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if cmd == Cmd::ToggleOverview {
        app.keys.overview = !app.keys.overview;
        rebuild(app);
        return Vec::new();
    }
    let Some((client, kid)) = selection(app) else {
        app.error("select a client in the clients pane (3) first");
        return Vec::new();
    };
    let name = client.client_name.clone();
    let key = kid.as_ref().and_then(|kid| {
        app.data
            .jwks
            .get(&client.client_id)
            .and_then(|j| j.keys.iter().find(|k| k.kid.as_ref() == Some(kid)))
            .cloned()
    });
    let others = app
        .data
        .jwks
        .get(&client.client_id)
        .map_or(0, |j| j.keys.len().saturating_sub(1));
    let Ok(id) = client.client_id.parse::<ClientId>() else {
        return Vec::new();
    };
    match cmd {
        Cmd::AddKey => {
            let form = Form::new(
                format!("Add a public key to {name}"),
                vec![Field::text(
                    "path",
                    "file: PEM public key, PEM certificate, JWK or JWKS",
                    "",
                    Some(|s: &str| {
                        if s.trim().is_empty() {
                            Err("type the path of the key file".into())
                        } else {
                            Ok(())
                        }
                    }),
                )],
            );
            app.open_form(form, FormPurpose::AddKey(id));
        }
        Cmd::DeleteKey => {
            let Some(kid) = kid else {
                return Vec::new();
            };
            let Ok(kid) = kid.parse::<Kid>() else {
                app.error(format!(
                    "key id '{kid}' is not valid; it cannot be deleted by id"
                ));
                return Vec::new();
            };
            app.confirm(Confirm::new(
                "Delete key",
                vec![
                    format!("Delete key {kid} of client {name}?"),
                    format!("The other {others} key(s) are kept. Systems signing with this key stop getting tokens."),
                ],
                Mutation::DeleteKey(id, kid),
            ));
        }
        Cmd::Open => {
            if let Some(k) = key {
                let mut lines = fields_of(&k);
                if let Ok(bits) = keys::modulus_bits(&k) {
                    lines.push(("size".into(), format!("{bits} bits")));
                }
                if let (Some(exp), Some(days)) = (k.exp, keys::days_left(&k, now(app))) {
                    lines.push((
                        "expires".into(),
                        format!("{} ({days} days left)", date(exp)),
                    ));
                }
                let title = format!("Key {} of {name}", kid.unwrap_or_default());
                app.modal = Some(Modal::Detail(Overlay::new(title, lines)));
            }
        }
        _ => {}
    }
    Vec::new()
}

pub fn submit(form: &Form, purpose: &FormPurpose) -> Result<Mutation, String> {
    match purpose {
        FormPurpose::AddKey(id) => {
            let path = form.value("path").trim().into();
            Ok(Mutation::AddKey(id.clone(), path))
        }
        _ => Err("not a key form".into()),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let loaded = app.data.loaded.contains(&LoadKind::Jwks);
    let (title, empty) = if app.keys.overview {
        (
            "All keys of all clients, soonest expiry first · o: one client".to_owned(),
            if loaded {
                "no client has keys"
            } else {
                "loading…"
            },
        )
    } else {
        match selected_client(app) {
            Some(c) => (
                format!("Keys of {} · o: all clients by expiry", c.client_name),
                if loaded {
                    "no keys: press a to add a public key"
                } else {
                    "loading…"
                },
            ),
            None => (
                "Keys · o: all clients by expiry".to_owned(),
                "select a client in the clients pane (3) first",
            ),
        }
    };
    app.keys.table.render(f, area, &title, empty, &app.theme);
}
