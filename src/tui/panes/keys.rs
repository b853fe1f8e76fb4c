//! Keys pane: the public keys of the client selected in the clients pane — generate a key pair,
//! rotate a key (generate, upload, prove with a real token, then ask about the old key), test
//! a key file with the token doctor, add one from a file (the others are kept), delete one —
//! and, on `o`, every key of every client, soonest expiry first.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::clients::selected_client;
use super::scopes::fields_of;
use super::{EXPIRY_WARN_DAYS, PaneId, short_time};
use crate::api::models::{Client, Jwk};
use crate::api::types::{ClientId, Kid, ScopeName};
use crate::keys::{self, KeyError, KeySize, KidChoice, RoomError};
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{
    Doctored, Effect, KeyRequest, LoadKind, Mutation, Passphrase, RotateRequest, Rotated,
    TokenTestRequest,
};
use crate::tui::keymap::Cmd;
use crate::tui::widgets::confirm::{Confirm, Later};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col, num};

const ONE_CLIENT: &[Column] = &[
    col("kid", Constraint::Fill(1)).keep_end(),
    col("alg", Constraint::Length(5)),
    num("size", Constraint::Length(5)),
    col("expires", Constraint::Length(10)),
    num("days", Constraint::Length(5)),
    col("created", Constraint::Length(16)),
];

/// For a server that dates each key: the same, and when each key last changed.
const ONE_CLIENT_DATED: &[Column] = &[
    col("kid", Constraint::Fill(1)).keep_end(),
    col("alg", Constraint::Length(5)),
    num("size", Constraint::Length(5)),
    col("expires", Constraint::Length(10)),
    num("days", Constraint::Length(5)),
    col("created", Constraint::Length(16)),
    col("updated", Constraint::Length(16)),
];

const ALL_CLIENTS: &[Column] = &[
    col("client", Constraint::Fill(1)),
    col("kid", Constraint::Fill(1)).keep_end(),
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
        let overview = keys::expiry_overview(with_keys, now);
        // Supplier mode: each customer's keys together, the soonest customer first.
        let supplier = crate::tui::supplier::ours(app).is_some();
        let overview = if supplier {
            keys::by_customer(overview)
        } else {
            overview
        };
        let mut rows = Vec::with_capacity(overview.len());
        for (i, r) in overview.iter().enumerate() {
            if supplier && (i == 0 || overview[i - 1].client_orgno != r.client_orgno) {
                let orgno = r.client_orgno.as_deref().unwrap_or("");
                let count = overview[i..]
                    .iter()
                    .take_while(|x| x.client_orgno == r.client_orgno)
                    .count();
                rows.push(crate::tui::supplier::header(
                    app,
                    orgno,
                    count,
                    ALL_CLIENTS.len(),
                ));
            }
            let days = r.days_left();
            let row = Row::new(
                overview_key(&r.client_id, &r.kid),
                vec![
                    r.client_name.clone(),
                    r.kid.clone(),
                    r.exp.map_or(String::new(), date),
                    days.map_or(String::new(), |d| d.to_string()),
                ],
            );
            rows.push(if expiring(days) {
                row.cell_tone(2, Tone::Danger).cell_tone(3, Tone::Danger)
            } else {
                row
            });
        }
        rows
    } else {
        let jwks = selected_client(app).and_then(|c| app.data.jwks.get(&c.client_id));
        let dated = jwks.is_some_and(|j| j.keys.iter().any(|k| k.last_updated().is_some()));
        app.keys
            .table
            .set_columns(if dated { ONE_CLIENT_DATED } else { ONE_CLIENT });
        match jwks {
            Some(jwks) => jwks
                .keys
                .iter()
                .map(|k| {
                    let kid = k.kid.clone().unwrap_or_default();
                    let days = keys::days_left(k, now);
                    // Per-key timestamps where the server sends them, else the set's.
                    let created = k.created().or(jwks.created.as_deref());
                    let mut cells = vec![
                        kid.clone(),
                        k.alg.clone().unwrap_or_default(),
                        keys::modulus_bits(k).map_or(String::new(), |b| b.to_string()),
                        k.exp.map_or(String::new(), date),
                        days.map_or(String::new(), |d| d.to_string()),
                        short_time(created),
                    ];
                    if dated {
                        cells.push(short_time(k.last_updated()));
                    }
                    let row = Row::new(kid, cells);
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

/// The keys pane in front, with every client's keys (`overview`) or the selected client's.
pub fn show(app: &mut App, overview: bool) -> Vec<Effect> {
    app.keys.overview = overview;
    app.switch(PaneId::Keys)
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if cmd == Cmd::ToggleOverview {
        return show(app, !app.keys.overview);
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
        Cmd::GenerateKey => {
            let client = client.clone();
            open_new_key(app, &client, None);
        }
        Cmd::RotateKey => {
            let client = client.clone();
            start_rotation(app, &client, kid);
        }
        Cmd::TokenTest => {
            let client = client.clone();
            open_token_test(app, &client);
        }
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

/// Rotation of `old`, or else of the client's key that expires first.
pub fn start_rotation(app: &mut App, client: &Client, old: Option<String>) {
    let soonest = || {
        let keys = &app.data.jwks.get(&client.client_id)?.keys;
        keys::soonest_expiring(keys, 1).into_iter().next()
    };
    match old.or_else(soonest) {
        Some(old) => open_new_key(app, client, Some(old)),
        None => app.error(format!(
            "{} has no key to rotate: generate its first key with n in the keys pane",
            client_name(client)
        )),
    }
}

fn client_name(client: &Client) -> &str {
    if client.client_name.trim().is_empty() {
        &client.client_id
    } else {
        &client.client_name
    }
}

const KID_THUMBPRINT: &str = "RFC 7638 thumbprint";
const KID_TYPED: &str = "typed below";

fn kid_valid(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(());
    }
    s.parse::<Kid>().map(|_| ()).map_err(|e| e.to_string())
}

fn required(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("required".into())
    } else {
        Ok(())
    }
}

fn scopes_valid(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("a token needs at least one scope (one the client has)".into());
    }
    for word in s.split_whitespace() {
        word.parse::<ScopeName>()
            .map_err(|e| format!("{word}: {e}"))?;
    }
    Ok(())
}

/// `<client name>-<yyyy-mm-dd>`, with `-2`, `-3`… when the client has that kid already (a
/// second key the same day, as when a rotation follows a generate), so the offered kid is one
/// the upload takes.
fn free_default_kid(app: &App, client: &Client) -> String {
    let base = keys::default_kid(client_name(client), now(app).date_naive())
        .map(String::from)
        .unwrap_or_else(|_| "key".into());
    let taken = |kid: &str| {
        app.data
            .jwks
            .get(&client.client_id)
            .is_some_and(|j| j.keys.iter().any(|k| k.kid.as_deref() == Some(kid)))
    };
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|kid| !taken(kid))
        .unwrap_or(base)
}

/// The form for a new key pair; with `old`, the start of a rotation of that key.
pub fn open_new_key(app: &mut App, client: &Client, old: Option<String>) {
    let Ok(id) = client.client_id.parse::<ClientId>() else {
        app.error(format!("client id '{}' is not valid", client.client_id));
        return;
    };
    let default_kid = free_default_kid(app, client);
    let mut fields = vec![
        Field::choice(
            "bits",
            "RSA key size",
            vec!["2048".into(), "3072".into(), "4096".into()],
            "3072",
        ),
        Field::choice(
            "kid",
            "key id (kid)",
            vec![default_kid.clone(), KID_THUMBPRINT.into(), KID_TYPED.into()],
            &default_kid,
        ),
        Field::text("typed_kid", "kid, when 'typed below'", "", Some(kid_valid)),
        Field::text(
            "out",
            "private key file (mode 0600, never overwritten)",
            &format!("{default_kid}.key.pem"),
            Some(required),
        ),
        Field::secret("passphrase", "passphrase for the private key file"),
        Field::secret("again", "the same passphrase again"),
        Field::toggle(
            "unencrypted",
            "write the private key unencrypted instead",
            false,
        ),
    ];
    let name = client_name(client).to_owned();
    let (title, purpose) = match old {
        Some(old) => {
            fields.push(Field::text(
                "scopes",
                "scopes for the proof token",
                &client.scopes.join(" "),
                Some(scopes_valid),
            ));
            (
                format!("Rotate key {old} of {name}"),
                FormPurpose::RotateKey { client: id, old },
            )
        }
        None => (
            format!("New key pair for {name}"),
            FormPurpose::GenerateKey(id),
        ),
    };
    app.open_form(Form::new(title, fields), purpose);
}

/// The token doctor's form: which key file, which kid and scopes (the client's, to start).
pub fn open_token_test(app: &mut App, client: &Client) {
    let Ok(id) = client.client_id.parse::<ClientId>() else {
        app.error(format!("client id '{}' is not valid", client.client_id));
        return;
    };
    let form = Form::new(
        format!("Token doctor: {}", client_name(client)),
        vec![
            Field::text(
                "key_file",
                "the client's private key file (PEM)",
                "",
                Some(required),
            ),
            Field::text(
                "kid",
                "kid (empty: the kid this key is registered under)",
                "",
                Some(kid_valid),
            ),
            Field::text(
                "scopes",
                "scopes to ask for",
                &client.scopes.join(" "),
                Some(scopes_valid),
            ),
            Field::secret(
                "passphrase",
                "passphrase (only if the key file is encrypted)",
            ),
        ],
    );
    app.open_form(form, FormPurpose::TokenTest(id));
}

fn optional_passphrase(form: &Form) -> Option<Passphrase> {
    let p = form.value("passphrase");
    (!p.is_empty()).then(|| Passphrase::new(p))
}

fn scopes_of(form: &Form) -> Vec<String> {
    form.value("scopes")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// What the new-key form asks for, checked as far as it can be without the server.
fn key_request(form: &Form, id: &ClientId) -> Result<KeyRequest, String> {
    let size: KeySize = form
        .value("bits")
        .parse()
        .map_err(|e: KeyError| e.to_string())?;
    let kid = match form.value("kid").as_str() {
        KID_THUMBPRINT => KidChoice::Thumbprint,
        KID_TYPED => {
            let typed = form.value("typed_kid");
            if typed.trim().is_empty() {
                return Err("type the kid, or choose another key id".into());
            }
            KidChoice::Explicit(
                typed
                    .trim()
                    .parse()
                    .map_err(|e: crate::api::types::InvalidValue| e.to_string())?,
            )
        }
        // The offered `<client name>-<date>` kid, exactly as the form shows it.
        offered => KidChoice::Explicit(
            offered
                .parse()
                .map_err(|e: crate::api::types::InvalidValue| e.to_string())?,
        ),
    };
    let pass = form.value("passphrase");
    let passphrase = if form.field("unencrypted").is_some_and(|f| f.is_on()) {
        if !pass.is_empty() {
            return Err(
                "a passphrase is typed but 'unencrypted' is on: clear one of the two".into(),
            );
        }
        None
    } else {
        if pass.is_empty() {
            return Err(
                "type a passphrase for the private key file (twice), or switch on 'unencrypted'"
                    .into(),
            );
        }
        if pass != form.value("again") {
            return Err("the two passphrases differ".into());
        }
        Some(Passphrase::new(pass))
    };
    Ok(KeyRequest {
        client: id.clone(),
        size,
        kid,
        out: form.value("out").trim().into(),
        passphrase,
        drop: Vec::new(),
    })
}

/// Submit of the new-key, rotation and doctor forms. A client with five keys gets a dialog
/// offering to drop the soonest-expiring one (never the key being rotated) in the same upload.
pub fn submit_form(app: &mut App, mut form: Box<Form>, purpose: FormPurpose) -> Vec<Effect> {
    let built = match &purpose {
        FormPurpose::TokenTest(id) => Ok(Some(Effect::TokenTest(Box::new(TokenTestRequest {
            client: id.clone(),
            key_file: form.value("key_file").trim().into(),
            kid: Some(form.value("kid").trim().to_owned()).filter(|k| !k.is_empty()),
            scopes: scopes_of(&form),
            passphrase: optional_passphrase(&form),
        })))),
        FormPurpose::GenerateKey(id) | FormPurpose::RotateKey { client: id, .. } => {
            key_request(&form, id).and_then(|req| new_key_effect(app, req, &purpose, &form))
        }
        _ => Err("not a key form".into()),
    };
    match built {
        Ok(Some(effect)) => {
            form.submitting = true;
            form.error = None;
            app.modal = Some(Modal::Form(form, purpose));
            vec![effect]
        }
        // A dialog asks first (five keys); the form waits underneath it.
        Ok(None) => {
            if let Some(Modal::Confirm(c)) = &mut app.modal {
                c.back = Some((form, purpose));
            }
            Vec::new()
        }
        Err(e) => {
            form.error = Some(e);
            app.modal = Some(Modal::Form(form, purpose));
            Vec::new()
        }
    }
}

/// The change a new-key form asks for, or `None` when a five-key dialog now asks first.
fn new_key_effect(
    app: &mut App,
    req: KeyRequest,
    purpose: &FormPurpose,
    form: &Form,
) -> Result<Option<Effect>, String> {
    let old = match purpose {
        FormPurpose::RotateKey { old, .. } => Some(old.clone()),
        _ => None,
    };
    let change = |req: KeyRequest| match &old {
        Some(old) => Mutation::RotateKey(Box::new(RotateRequest {
            key: req,
            old: Some(old.clone()),
            scopes: scopes_of(form),
        })),
        None => Mutation::GenerateKey(Box::new(req)),
    };
    let existing = app
        .data
        .jwks
        .get(req.client.as_str())
        .map(|j| j.keys.clone())
        .unwrap_or_default();
    let planned = keys::planned_kid(&req.kid).map_err(|e| e.to_string())?;
    match keys::check_room(&existing, planned.as_deref(), &[], old.as_deref()) {
        Ok(()) => Ok(Some(Effect::Mutate(change(req)))),
        Err(RoomError::Full {
            count,
            soonest: Some(drop),
        }) => {
            let when = existing
                .iter()
                .find(|k| k.kid.as_deref() == Some(drop.as_str()))
                .and_then(|k| k.exp)
                .map_or(String::new(), |e| format!(", expires {}", date(e)));
            let lines = vec![
                format!("The client has {count} keys, the most Digdir keeps."),
                format!(
                    "Delete key {drop}{when} (the soonest to expire) in the same upload to make room?"
                ),
                "Systems still signing with that key stop getting tokens.".into(),
            ];
            let req = KeyRequest {
                drop: vec![drop],
                ..req
            };
            app.confirm(Confirm::new("Five keys", lines, change(req)));
            Ok(None)
        }
        Err(RoomError::Full {
            count,
            soonest: None,
        }) => Err(format!(
            "the client has {count} keys, the most Digdir keeps: delete one first (d)"
        )),
        Err(RoomError::KidTaken(k)) => Err(format!(
            "the client already has a key '{k}': choose another kid, or the thumbprint"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// The form that sent a request, when it is still open and waiting: closed on an answer, or
/// given the error to show.
fn waiting_form(app: &mut App) -> Option<&mut Form> {
    match &mut app.modal {
        Some(Modal::Form(form, _)) if form.submitting => Some(form),
        _ => None,
    }
}

fn failed(app: &mut App, e: String) {
    if let Some(form) = waiting_form(app) {
        form.submitting = false;
        form.error = Some(e.clone());
    }
    app.error(e);
}

fn close_waiting_form(app: &mut App) {
    if waiting_form(app).is_some() {
        app.modal = None;
    }
}

fn claims(report: &keys::TokenReport) -> Vec<(String, String)> {
    vec![
        ("client".into(), report.client_id.clone()),
        ("kid".into(), report.kid.clone()),
        (
            "consumer".into(),
            report.consumer_orgno.clone().unwrap_or_default(),
        ),
        ("scope".into(), report.scopes.join(" ")),
        ("expires".into(), report.expires_at.clone()),
    ]
}

fn refusal_lines(r: &keys::Refusal) -> Vec<(String, String)> {
    vec![
        ("answer".into(), r.headline()),
        ("likely cause".into(), r.cause.clone()),
        ("fix".into(), r.fix.clone()),
    ]
}

/// A command to run later, on this UI's profile: without `--profile` it would run on the
/// default profile, which may be another environment.
fn cli(app: &App, args: &str) -> String {
    format!("mpadmin --profile {} {args}", app.session.profile)
}

/// A rotation came back. Proven: ask about the old key (declining shows the command for
/// later). Not proven: nothing was deleted, and why.
pub fn rotated(app: &mut App, outcome: Rotated) {
    match outcome {
        Rotated::Proven {
            client,
            new_kid,
            old,
            report,
        } => {
            close_waiting_form(app);
            app.ok(format!("new key {new_kid} proven with a real token"));
            let Some(Ok(old_kid)) = old.as_deref().map(str::parse::<Kid>) else {
                return;
            };
            let proof = format!(
                "Proven: Maskinporten issued a token signed with {new_kid} (scope {}, expires {}).",
                report.scopes.join(" "),
                report.expires_at
            );
            let mut c = Confirm::new(
                "Rotation proven",
                vec![
                    proof,
                    format!(
                        "Delete the old key {old_kid} now? Systems still signing with it stop getting tokens."
                    ),
                    "n/Esc keeps it and shows the command to remove it later.".into(),
                ],
                Mutation::DeleteKey(client.clone(), old_kid.clone()),
            );
            c.later = Some(Later {
                why: format!(
                    "The old key {old_kid} stays until every system signs with {new_kid}; then remove it:"
                ),
                command: cli(app, &format!("keys remove {client} {old_kid}")),
            });
            app.confirm(c);
        }
        Rotated::NotProven {
            client,
            new_kid,
            old,
            file,
            reason,
            refusal,
        } => {
            close_waiting_form(app);
            let mut lines = vec![(
                String::new(),
                "The new key got no token, so nothing was deleted.".to_owned(),
            )];
            match &refusal {
                Some(r) => lines.extend(refusal_lines(r)),
                None => lines.push(("reason".into(), reason)),
            }
            lines.push((
                "new key".into(),
                format!(
                    "{new_kid} is uploaded beside {}; private key in {}",
                    old.as_deref().unwrap_or("the other keys"),
                    file.display()
                ),
            ));
            lines.push((
                "test again".into(),
                format!(
                    "t, or {}",
                    cli(
                        app,
                        &format!(
                            "token test {client} --key {} --kid {new_kid}",
                            file.display()
                        )
                    )
                ),
            ));
            lines.push((
                "or remove it".into(),
                cli(app, &format!("keys remove {client} {new_kid}")),
            ));
            app.modal = Some(Modal::Detail(Overlay::new(
                "Rotation not proven: nothing deleted",
                lines,
            )));
            app.error(format!("new key {new_kid} not proven; nothing was deleted"));
        }
        Rotated::Failed(e) => failed(app, e),
    }
}

/// The token doctor's answer, as an overlay: the token's claims, or the refusal read.
pub fn doctored(app: &mut App, answer: Result<Doctored, String>) {
    let doctored = match answer {
        Ok(d) => d,
        Err(e) => return failed(app, format!("token doctor: {e}")),
    };
    close_waiting_form(app);
    let (title, lines) = match doctored {
        Doctored::Issued {
            report,
            unregistered,
        } => {
            let mut lines = vec![(String::new(), "Maskinporten issued a token.".to_owned())];
            lines.extend(claims(&report));
            if unregistered {
                lines.push((
                    "note".into(),
                    "this key is not among the client's keys; its thumbprint was used as kid"
                        .into(),
                ));
            }
            app.ok(format!("token issued for {}", report.client_id));
            ("Token doctor: token issued", lines)
        }
        Doctored::Refused(r) => {
            app.error(format!("no token: {}", r.cause));
            ("Token doctor: refused", refusal_lines(&r))
        }
    };
    app.modal = Some(Modal::Detail(Overlay::new(title, lines)));
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
    // The keys follow the client list: its failure leaves them unread too.
    let lists = [LoadKind::Clients, LoadKind::Jwks];
    let key = |cmd| app.keymap.key(PaneId::Keys, cmd);
    let overview = key(Cmd::ToggleOverview);
    let (title, empty) = if app.keys.overview {
        (
            if crate::tui::supplier::ours(app).is_some() {
                format!("All keys by customer, soonest first · {overview}: one client")
            } else {
                format!("All keys of all clients, soonest expiry first · {overview}: one client")
            },
            app.data.no_rows(&lists, "no client has keys"),
        )
    } else {
        match selected_client(app) {
            Some(c) => (
                format!(
                    "Keys of {} · {overview}: all clients by expiry",
                    c.client_name
                ),
                if app.data.jwks.contains_key(&c.client_id) {
                    format!(
                        "no keys: {} generates a key pair, {} adds a public key from a file",
                        key(Cmd::GenerateKey),
                        key(Cmd::AddKey)
                    )
                    .into()
                } else {
                    app.data.unread(&lists)
                },
            ),
            None => (
                format!("Keys · {overview}: all clients by expiry"),
                app.data.no_rows(
                    &[LoadKind::Clients],
                    format!(
                        "select a client in the clients pane ({}) first",
                        key(Cmd::Pane(PaneId::Clients))
                    ),
                ),
            ),
        }
    };
    app.keys.table.render(f, area, &title, &empty, &app.theme);
}

pub const PANE: super::Pane = super::Pane {
    title: "Keys",
    refresh: || crate::tui::effect::Area::Keys,
    command,
    render,
    table: |app| &app.keys.table,
    table_mut: |app| &mut app.keys.table,
};
