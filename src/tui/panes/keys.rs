//! Keys pane: the public keys of the client selected in the clients pane. Add one from a file
//! (the others are kept), delete one.

use base64::Engine;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::clients::selected_client;
use super::scopes::fields_of;
use super::{EXPIRY_WARN_DAYS, days_left, short_time};
use crate::api::models::Jwk;
use crate::api::types::{ClientId, Kid};
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{Effect, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col, num};

const COLUMNS: &[Column] = &[
    col("kid", Constraint::Fill(1)),
    col("alg", Constraint::Length(5)),
    num("size", Constraint::Length(5)),
    col("expires", Constraint::Length(10)),
    num("days", Constraint::Length(5)),
    col("created", Constraint::Length(16)),
];

#[derive(Debug, Clone)]
pub struct KeysPane {
    pub table: FilterTable,
}

impl Default for KeysPane {
    fn default() -> Self {
        KeysPane {
            table: FilterTable::new(COLUMNS),
        }
    }
}

/// RSA modulus size in bits, from the base64url `n`.
pub fn key_bits(k: &Jwk) -> Option<usize> {
    let n = k.n.as_deref()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .ok()?;
    let lead = bytes.iter().take_while(|b| **b == 0).count();
    let rest = &bytes[lead..];
    let first = *rest.first()?;
    Some((rest.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

fn date(exp: i64) -> String {
    chrono::DateTime::from_timestamp(exp, 0)
        .map_or(String::new(), |d| d.format("%Y-%m-%d").to_string())
}

pub fn rebuild(app: &mut App) {
    let now = app.now;
    let rows: Vec<Row> = match selected_client(app).and_then(|c| app.data.jwks.get(&c.client_id)) {
        Some(jwks) => jwks
            .keys
            .iter()
            .map(|k| {
                let kid = k.kid.clone().unwrap_or_default();
                let days = k.exp.map(|e| days_left(e, now));
                let created = k
                    .extra
                    .get("created")
                    .and_then(|v| v.as_str())
                    .or(jwks.created.as_deref());
                let mut row = Row::new(
                    kid.clone(),
                    vec![
                        kid,
                        k.alg.clone().unwrap_or_default(),
                        key_bits(k).map_or(String::new(), |b| b.to_string()),
                        k.exp.map_or(String::new(), date),
                        days.map_or(String::new(), |d| d.to_string()),
                        short_time(created),
                    ],
                );
                if days.is_some_and(|d| d < EXPIRY_WARN_DAYS) {
                    row = row.cell_tone(3, Tone::Danger).cell_tone(4, Tone::Danger);
                }
                row
            })
            .collect(),
        None => Vec::new(),
    };
    app.keys.table.set_rows(rows);
}

fn client_id(app: &App) -> Option<(ClientId, String)> {
    let c = selected_client(app)?;
    Some((c.client_id.parse().ok()?, c.client_name.clone()))
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let Some((id, name)) = client_id(app) else {
        app.error("select a client in the clients pane (3) first");
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
            let Some(kid) = app.keys.table.selected_row().map(|r| r.key.clone()) else {
                return Vec::new();
            };
            let Ok(kid) = kid.parse::<Kid>() else {
                app.error(format!(
                    "key id '{kid}' is not valid; it cannot be deleted by id"
                ));
                return Vec::new();
            };
            let others = app.keys.table.total().saturating_sub(1);
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
            let kid = app.keys.table.selected_row().map(|r| r.key.clone());
            let key = app
                .data
                .jwks
                .get(id.as_str())
                .and_then(|j| j.keys.iter().find(|k| k.kid == kid));
            if let Some(k) = key {
                let mut lines = fields_of(k);
                if let Some(bits) = key_bits(k) {
                    lines.push(("size".into(), format!("{bits} bits")));
                }
                if let Some(exp) = k.exp {
                    lines.push((
                        "expires".into(),
                        format!("{} ({} days left)", date(exp), days_left(exp, app.now)),
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
    let (title, empty) = match selected_client(app) {
        Some(c) => (
            format!("Keys of {} · a: add · d: delete", c.client_name),
            if app.data.loaded.contains(&LoadKind::Jwks) {
                "no keys: press a to add a public key"
            } else {
                "loading…"
            },
        ),
        None => (
            "Keys".to_owned(),
            "select a client in the clients pane (3) first",
        ),
    };
    app.keys.table.render(f, area, &title, empty, &app.theme);
}
