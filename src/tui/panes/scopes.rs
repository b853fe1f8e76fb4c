//! Scopes pane: our own scopes (with grant counts), the public scopes of every organisation on
//! a second tab, the scope form, deactivation and reactivation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::short_time;
use crate::api::models::{IntegrationType, Scope, TokenType, Visibility};
use crate::api::types::ScopeName;
use crate::tui::app::{App, FormPurpose, Modal};
use crate::tui::effect::{Effect, LoadKind, Mutation};
use crate::tui::keymap::Cmd;
use crate::tui::panes::PaneId;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::help::Overlay;
use crate::tui::widgets::table::{Column, FilterTable, Row, Tone, col, num};

const OWN: &[Column] = &[
    col("name", Constraint::Fill(3)).keep_end(),
    col("visible", Constraint::Length(8)),
    col("active", Constraint::Length(6)),
    col("all", Constraint::Length(3)),
    col("types", Constraint::Fill(1)).abbreviated(crate::wire::kinds::short_list),
    num("grants", Constraint::Length(6)),
    // Requests waiting for an answer, beside the grants they may become.
    num("req", Constraint::Length(3)),
    col("last updated", Constraint::Length(16)),
];

const PUBLIC: &[Column] = &[
    col("name", Constraint::Fill(3)).keep_end(),
    col("owner", Constraint::Length(9)),
    col("all", Constraint::Length(3)),
    col("types", Constraint::Fill(1)).abbreviated(crate::wire::kinds::short_list),
    col("description", Constraint::Fill(2)),
];

#[derive(Debug, Clone)]
pub struct ScopesPane {
    /// The second tab: public scopes of all organisations (read-only).
    pub public: bool,
    pub show_inactive: bool,
    own: FilterTable,
    all: FilterTable,
}

impl Default for ScopesPane {
    fn default() -> Self {
        ScopesPane {
            public: false,
            show_inactive: false,
            own: FilterTable::new(OWN),
            all: FilterTable::new(PUBLIC),
        }
    }
}

impl ScopesPane {
    pub fn table(&self) -> &FilterTable {
        if self.public { &self.all } else { &self.own }
    }

    pub fn table_mut(&mut self) -> &mut FilterTable {
        if self.public {
            &mut self.all
        } else {
            &mut self.own
        }
    }

    pub fn own_table(&self) -> &FilterTable {
        &self.own
    }

    pub fn own_table_mut(&mut self) -> &mut FilterTable {
        &mut self.own
    }

    /// The scope selected on the own tab (what the access pane shows).
    pub fn selected_own(&self) -> Option<&str> {
        self.own.selected_row().map(|r| r.key.as_str())
    }
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { String::new() }
}

fn types(s: &Scope) -> String {
    crate::wire::text::integration_types(&s.allowed_integration_types, ",")
}

/// Grants that give access now (`None` until counted).
pub fn approved_count(app: &App, scope: &str) -> Option<usize> {
    app.data.grant_counts.get(scope).copied()
}

pub fn rebuild(app: &mut App) {
    let show_inactive = app.scopes.show_inactive;
    let own: Vec<Row> = app
        .data
        .own_scopes
        .iter()
        .filter(|s| s.active || show_inactive)
        .map(|s| {
            let grants = approved_count(app, &s.name).map_or(String::new(), |n| n.to_string());
            let requests = app
                .data
                .requests
                .get(&s.name)
                .filter(|r| !r.is_empty())
                .map_or(String::new(), |r| r.len().to_string());
            let row = Row::new(
                s.name.clone(),
                vec![
                    s.name.clone(),
                    s.effective_visibility().to_string(),
                    if s.active { "yes".into() } else { "no".into() },
                    yes(s.accessible_for_all),
                    types(s),
                    grants,
                    requests.clone(),
                    short_time(s.last_updated.as_deref()),
                ],
            );
            let row = if requests.is_empty() {
                row
            } else {
                row.cell_tone(6, Tone::Warn)
            };
            if s.active { row } else { row.tone(Tone::Muted) }
        })
        .collect();
    app.scopes.own.set_rows(own);
    let public: Vec<Row> = app
        .data
        .public_scopes
        .iter()
        .map(|s| {
            Row::new(
                s.name.clone(),
                vec![
                    s.name.clone(),
                    s.owner_orgno.clone().unwrap_or_default(),
                    yes(s.accessible_for_all),
                    types(s),
                    s.description.clone(),
                ],
            )
        })
        .collect();
    app.scopes.all.set_rows(public);
}

fn selected_scope(app: &App) -> Option<&Scope> {
    let name = app.scopes.table().selected_row()?.key.as_str();
    let list = if app.scopes.public {
        &app.data.public_scopes
    } else {
        &app.data.own_scopes
    };
    list.iter().find(|s| s.name == name)
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if app.scopes.public
        && matches!(
            cmd,
            Cmd::NewScope | Cmd::EditScope | Cmd::Deactivate | Cmd::Reactivate
        )
    {
        let own = app.keymap.key(PaneId::Scopes, Cmd::ToggleTab);
        app.error(format!(
            "public scopes of other organisations are read-only: press {own} for your own scopes"
        ));
        return Vec::new();
    }
    match cmd {
        Cmd::ToggleTab => {
            app.scopes.public = !app.scopes.public;
        }
        Cmd::ToggleInactive => {
            app.scopes.show_inactive = !app.scopes.show_inactive;
            rebuild(app);
            app.info(if app.scopes.show_inactive {
                "showing inactive scopes"
            } else {
                "hiding inactive scopes"
            });
        }
        Cmd::Open => return open_detail(app),
        Cmd::NewScope => new_form(app),
        Cmd::EditScope => {
            if let Some(s) = selected_scope(app).cloned() {
                edit_form(app, &s);
            }
        }
        Cmd::Deactivate => {
            let Some(s) = selected_scope(app).cloned() else {
                return Vec::new();
            };
            let Ok(name) = s.name.parse::<ScopeName>() else {
                return Vec::new();
            };
            if !s.active {
                app.info(format!("{name} is already inactive (a reactivates it)"));
                return Vec::new();
            }
            let grants = approved_count(app, &s.name)
                .map_or("an unknown number of".to_owned(), |n| n.to_string());
            app.confirm(Confirm::new(
                "Deactivate scope",
                vec![
                    format!("Deactivate {name}?"),
                    format!("It has {grants} active grant(s). While inactive, no client gets tokens for it;"),
                    "the grants are kept and come back on reactivation.".into(),
                ],
                Mutation::DeactivateScope(name),
            ));
        }
        Cmd::Reactivate => {
            let Some(mut s) = selected_scope(app).cloned() else {
                return Vec::new();
            };
            let Ok(name) = s.name.parse::<ScopeName>() else {
                return Vec::new();
            };
            if s.active {
                app.info(format!("{name} is active"));
                return Vec::new();
            }
            s.active = true;
            app.info(format!("reactivating {name}…"));
            return vec![Effect::Mutate(Mutation::ReactivateScope(name, Box::new(s)))];
        }
        _ => {}
    }
    Vec::new()
}

/// The selected scope's fields and, for our own, its grants (read first when the access pane
/// holds another scope's; the detail fills in when they arrive).
fn open_detail(app: &mut App) -> Vec<Effect> {
    let Some(s) = selected_scope(app).cloned() else {
        return Vec::new();
    };
    let mut lines = fields_of(&s);
    let mut load = None;
    if !app.scopes.public {
        lines.push((String::new(), String::new()));
        let held = app.data.grants.as_ref().filter(|(n, _)| *n == s.name);
        match held.map(|(_, g)| g) {
            Some(grants) if !grants.is_empty() => {
                lines.push((String::new(), format!("Access grants ({})", grants.len())));
                for g in grants {
                    lines.push((
                        g.consumer_orgno.clone(),
                        format!("{}  since {}", g.state, short_time(g.created.as_deref())),
                    ));
                }
            }
            Some(_) => lines.push((String::new(), "No access grants".into())),
            None => {
                lines.push((String::new(), "Access grants: loading…".into()));
                load = app.grants_of_scope(s.name.clone(), false);
            }
        }
    }
    app.modal = Some(Modal::Detail(Overlay::new(s.name.clone(), lines)));
    load.into_iter().collect()
}

/// A scope's grants came: fill in its detail if that is still open.
pub fn grants_arrived(app: &mut App) {
    let Some((name, _)) = &app.data.grants else {
        return;
    };
    let waiting = matches!(&app.modal, Some(Modal::Detail(o)) if o.title == *name)
        && app.pane == PaneId::Scopes
        && !app.scopes.public
        && app.scopes.selected_own() == Some(name.as_str());
    if waiting {
        open_detail(app);
    }
}

/// Every field of a wire object as label/value lines, unknown ones included.
pub fn fields_of<T: serde::Serialize>(v: &T) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(v) else {
        return Vec::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            // Translated texts arrive as `description#en`: say it in words.
            let label = match k.split_once('#') {
                Some((field, lang)) => format!("{field} ({lang})"),
                None => k,
            };
            (label, text)
        })
        .collect()
}

fn check_subscope(s: &str) -> Result<(), String> {
    ScopeName::for_create("x", s)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn required(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("required".into())
    } else {
        Ok(())
    }
}

fn seconds(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Ok(());
    }
    s.trim()
        .parse::<u32>()
        .map(drop)
        .map_err(|_| "whole seconds, e.g. 120 (empty = default)".into())
}

fn opt_u32(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

fn opt_text(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn visibility_options() -> Vec<String> {
    vec!["PUBLIC".into(), "PRIVATE".into()]
}

fn type_options() -> Vec<String> {
    IntegrationType::KNOWN
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect()
}

/// The fields both forms share (the mutable ones).
fn mutable_fields(s: &Scope) -> Vec<Field> {
    let chosen: Vec<String> = s
        .allowed_integration_types
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    // Values this version does not know stay choosable, so an edit never changes them silently.
    let mut types = type_options();
    types.extend(
        chosen
            .iter()
            .filter(|c| !types.contains(c))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let mut visibilities = visibility_options();
    let current = s.effective_visibility().as_str().to_owned();
    if !visibilities.contains(&current) {
        visibilities.push(current.clone());
    }
    let token_type = s
        .token_type
        .clone()
        .unwrap_or(TokenType::SelfContained)
        .as_str()
        .to_owned();
    let mut token_types: Vec<String> = TokenType::KNOWN
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    if !token_types.contains(&token_type) {
        token_types.push(token_type.clone());
    }
    let num = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        Field::text("description", "description", &s.description, Some(required)),
        Field::text(
            "long_description",
            "long description (Markdown, optional)",
            s.long_description.as_deref().unwrap_or(""),
            None,
        ),
        Field::choice("visibility", "visibility", visibilities, &current),
        Field::multi(
            "types",
            "allowed integration types (none = any)",
            types,
            &chosen,
        ),
        Field::toggle(
            "all",
            "accessible for all organisations",
            s.accessible_for_all,
        ),
        Field::toggle(
            "eu",
            "EU businesses with an eSeal may use it",
            s.supports_european_businesses().unwrap_or(false),
        ),
        Field::text(
            "at_max_age",
            "token max age, seconds",
            &num(s.at_max_age),
            Some(seconds),
        ),
        Field::text(
            "auth_max",
            "authorization max lifetime, seconds",
            &num(s.authorization_max_lifetime),
            Some(seconds),
        ),
        Field::text(
            "delegation_source",
            "delegation source (issuer URL, optional)",
            s.delegation_source.as_deref().unwrap_or(""),
            None,
        ),
        Field::choice("token_type", "token type", token_types, &token_type),
        Field::toggle(
            "consent",
            "requires user consent (ID-porten only)",
            s.requires_user_consent.unwrap_or(false),
        ),
        Field::toggle(
            "user_auth",
            "requires user authentication (ID-porten only)",
            s.requires_user_authentication.unwrap_or(false),
        ),
        Field::toggle(
            "pseudonymous",
            "pseudonymous tokens, no pid (ID-porten only)",
            s.requires_pseudonymous_tokens.unwrap_or(false),
        ),
    ]
}

/// A flag the form shows as off stays absent when it was absent, so a PUT does not add
/// fields the scope never had.
fn flag(form: &Form, name: &str, before: Option<bool>) -> Option<bool> {
    let on = form.field(name).is_some_and(|f| f.is_on());
    match before {
        None if !on => None,
        _ => Some(on),
    }
}

/// Prefixes we own: from `/prefix`, else those of our scopes.
fn our_prefixes(app: &App) -> Vec<String> {
    let mut p: Vec<String> = app
        .data
        .prefixes
        .iter()
        .filter(|p| p.active)
        .map(|p| p.prefix.clone())
        .collect();
    if p.is_empty() {
        p = app
            .data
            .own_scopes
            .iter()
            .map(|s| s.prefix.clone())
            .collect();
    }
    p.sort();
    p.dedup();
    p
}

fn new_form(app: &mut App) {
    let prefixes = our_prefixes(app);
    if prefixes.is_empty() {
        let why = match app.data.failed.get(&LoadKind::Prefixes) {
            Some(e) => format!("could not read your scope prefixes (r tries again): {e}"),
            None if app.data.loaded.contains(&LoadKind::Prefixes) => {
                "your organisation owns no scope prefix: ask Digdir for one".to_owned()
            }
            None => "prefixes are still loading; try again in a moment".to_owned(),
        };
        app.error(why);
        return;
    }
    let first = prefixes[0].clone();
    let mut fields = vec![
        Field::choice("prefix", "prefix (ours)", prefixes, &first),
        Field::text(
            "subscope",
            "subscope, e.g. api/v1.read",
            "",
            Some(check_subscope),
        ),
    ];
    fields.extend(mutable_fields(&Scope::default()));
    app.open_form(Form::new("New scope", fields), FormPurpose::NewScope);
}

fn edit_form(app: &mut App, s: &Scope) {
    let Ok(name) = s.name.parse::<ScopeName>() else {
        return;
    };
    app.open_form(
        Form::new(format!("Edit {name}"), mutable_fields(s)),
        FormPurpose::EditScope(name),
    );
}

/// The scope the form describes, on top of `base` (which keeps fields the form does not show).
fn apply(form: &Form, mut s: Scope) -> Scope {
    s.description = form.value("description").trim().to_owned();
    s.long_description = opt_text(form.value("long_description"));
    s.visibility = Some(Visibility::from(form.value("visibility")));
    s.allowed_integration_types = form
        .field("types")
        .map(|f| f.values().into_iter().map(IntegrationType::from).collect())
        .unwrap_or_default();
    s.accessible_for_all = form.field("all").is_some_and(|f| f.is_on());
    if let Some(on) = flag(form, "eu", s.supports_european_businesses()) {
        s.set_supports_european_businesses(on);
    }
    s.at_max_age = opt_u32(&form.value("at_max_age"));
    s.authorization_max_lifetime = opt_u32(&form.value("auth_max"));
    s.delegation_source = opt_text(form.value("delegation_source"));
    s.token_type = Some(TokenType::from(form.value("token_type")));
    s.requires_user_consent = flag(form, "consent", s.requires_user_consent);
    s.requires_user_authentication = flag(form, "user_auth", s.requires_user_authentication);
    s.requires_pseudonymous_tokens = flag(form, "pseudonymous", s.requires_pseudonymous_tokens);
    s
}

pub fn submit(app: &App, form: &Form, purpose: &FormPurpose) -> Result<Mutation, String> {
    match purpose {
        FormPurpose::NewScope => {
            let prefix = form.value("prefix");
            let subscope = form.value("subscope");
            ScopeName::for_create(&prefix, &subscope).map_err(|e| e.to_string())?;
            let base = Scope {
                prefix,
                subscope,
                ..Scope::default()
            };
            Ok(Mutation::CreateScope(Box::new(apply(form, base))))
        }
        FormPurpose::EditScope(name) => {
            let base = app
                .data
                .own_scopes
                .iter()
                .find(|s| s.name == name.as_str())
                .cloned()
                .ok_or_else(|| format!("{name} is no longer in the list: press r to refresh"))?;
            Ok(Mutation::UpdateScope(
                name.clone(),
                Box::new(apply(form, base)),
            ))
        }
        _ => Err("not a scope form".into()),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let key = |cmd| app.keymap.key(PaneId::Scopes, cmd);
    if app.scopes.public {
        let empty = app
            .data
            .no_rows(&[LoadKind::PublicScopes], "no public scopes");
        let title = format!(
            "Public scopes of all organisations (read-only) · {}: own",
            key(Cmd::ToggleTab)
        );
        app.scopes.all.render(f, area, &title, &empty, theme);
    } else {
        let title = if app.scopes.show_inactive {
            format!(
                "Own scopes, inactive included · {}: public",
                key(Cmd::ToggleTab)
            )
        } else {
            format!(
                "Own scopes · {}: inactive · {}: public",
                key(Cmd::ToggleInactive),
                key(Cmd::ToggleTab)
            )
        };
        let empty = app.data.no_rows(
            &[LoadKind::OwnScopes],
            format!("no scopes yet: press {} to create one", key(Cmd::NewScope)),
        );
        app.scopes.own.render(f, area, &title, &empty, theme);
    }
}

pub const PANE: super::Pane = super::Pane {
    title: "Scopes",
    refresh: || crate::tui::effect::Area::Scopes,
    command,
    render,
    table: |app| app.scopes.table(),
    table_mut: |app| app.scopes.table_mut(),
};
