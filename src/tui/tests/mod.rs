//! `update` and `render` without a terminal: fixtures answer the app's loads, keys go in,
//! effects and state come out; screens are drawn on ratatui's TestBackend.

mod keys;
mod kinds;
mod onbehalfof;
mod render;
mod requests;
mod supplier;
mod update;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::action::Action;
use super::app::{App, Session};
use super::effect::{Counted, Effect, Load, Loaded, TokenInfo};
use super::keymap::Keymap;
use crate::api::models::{Client, Jwks, Scope, ScopeAccess, ScopePrefix};
use crate::config::Environment;

/// 2026-11-18T16:53:20Z: a fixed clock keeps snapshots stable.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

fn epoch(days: i64) -> i64 {
    1_795_000_000 + days * 86_400 + 3_600
}

pub fn session(read_only: bool, env: Environment) -> Session {
    Session {
        profile: "demo".into(),
        environment: Some(env),
        read_only,
        local: false,
        profiles: vec!["demo".into(), "prod".into()],
        certificate_expires: None,
    }
}

fn scope(v: serde_json::Value) -> Scope {
    serde_json::from_value(v).unwrap()
}

pub fn own_scopes() -> Vec<Scope> {
    vec![
        scope(
            json!({"name":"demo:api/read","prefix":"demo","subscope":"api/read","description":"Read the API","visibility":"PUBLIC","allowed_integration_types":["maskinporten"],"active":true,"owner_orgno":"991825827","last_updated":"2026-10-01T10:00:00.000+02:00"}),
        ),
        scope(
            json!({"name":"demo:private","prefix":"demo","subscope":"private","description":"Private","visibility":"PRIVATE","active":true,"owner_orgno":"991825827","last_updated":"2026-09-01T10:00:00.000+02:00"}),
        ),
        scope(
            json!({"name":"demo:old","prefix":"demo","subscope":"old","description":"Old","visibility":"PUBLIC","active":false,"owner_orgno":"991825827","last_updated":"2025-01-01T10:00:00.000+02:00"}),
        ),
        scope(
            json!({"name":"demo:open","prefix":"demo","subscope":"open","description":"Open to all","visibility":"PUBLIC","accessible_for_all":true,"active":true,"owner_orgno":"991825827","last_updated":"2026-08-01T10:00:00.000+02:00"}),
        ),
    ]
}

pub fn access(scope: &str, org: &str, state: &str) -> ScopeAccess {
    let mut a: ScopeAccess = serde_json::from_value(json!({"scope":scope,"consumer_orgno":org,"owner_orgno":"991825827","state":state,"created":"2026-01-02T03:04:05.000+01:00","last_updated":"2026-02-02T03:04:05.000+01:00"})).unwrap();
    // Digdir names the consumer at times; the access pane shows a name column only then.
    if org == "974760673" && scope == "demo:api/read" {
        a.extra.insert(
            "consumer_organization_name".into(),
            json!("REGISTERENHETEN I BRØNNØYSUND"),
        );
    }
    a
}

pub fn grants_of(name: &str) -> Vec<ScopeAccess> {
    match name {
        "demo:api/read" => vec![
            access(name, "974760673", "APPROVED"),
            access(name, "889640782", "APPROVED"),
            access(name, "123456785", "DENIED"),
        ],
        "demo:private" => vec![access(name, "974760673", "APPROVED")],
        _ => Vec::new(),
    }
}

pub fn public_scopes() -> Vec<Scope> {
    vec![
        scope(
            json!({"name":"nav:pensjon/v3/alderspensjon","prefix":"nav","subscope":"pensjon/v3/alderspensjon","description":"Alderspensjon","owner_orgno":"889640782","active":true}),
        ),
        scope(
            json!({"name":"skatt:open","prefix":"skatt","subscope":"open","description":"Open","owner_orgno":"974761076","accessible_for_all":true,"active":true}),
        ),
    ]
}

pub fn clients() -> Vec<Client> {
    vec![
        serde_json::from_value(json!({"client_id":"6b1e2b7c-0000-4000-8000-000000000001","client_name":"Payroll","description":"Payroll system","integration_type":"maskinporten","scopes":["demo:api/read","nav:pensjon/v3/alderspensjon"]})).unwrap(),
        serde_json::from_value(json!({"client_id":"6b1e2b7c-0000-4000-8000-000000000002","client_name":"Empty","description":"No keys","integration_type":"maskinporten","scopes":[]})).unwrap(),
    ]
}

pub fn jwks_of(id: &str) -> Jwks {
    // n of 2049 bits would be overkill here; 256 bytes with a high first byte = 2048 bits.
    let n = format!("{}{}", "w", "A".repeat(341));
    if id.ends_with('1') {
        serde_json::from_value(json!({"keys":[
            {"kty":"RSA","kid":"payroll-2026","alg":"RS256","use":"sig","n":n,"e":"AQAB","exp":epoch(200)},
            {"kty":"RSA","kid":"payroll-old","alg":"RS256","use":"sig","n":n,"e":"AQAB","exp":epoch(10)}
        ],"created":"2026-01-01T00:00:00.000Z"}))
        .unwrap()
    } else {
        Jwks::default()
    }
}

/// Answer one load from the fixtures.
pub fn answer(load: &Load) -> Loaded {
    match load {
        Load::Token => Loaded::Token(Ok(TokenInfo {
            scopes: vec![
                "idporten:scopes.write".into(),
                "idporten:dcr.read".into(),
                "idporten:dcr.write".into(),
            ],
            expires_at: now() + Duration::from_secs(118),
            org: Some("991825827".into()),
        })),
        Load::Prefixes => Loaded::Prefixes(Ok(vec![
            serde_json::from_value::<ScopePrefix>(json!({"prefix":"demo"})).unwrap(),
            serde_json::from_value::<ScopePrefix>(json!({"prefix":"demo2"})).unwrap(),
        ])),
        Load::OwnScopes => Loaded::OwnScopes(Ok(own_scopes())),
        Load::PublicScopes => Loaded::PublicScopes(Ok(public_scopes())),
        Load::GrantCounts(names) => Loaded::GrantCounts(
            names
                .iter()
                .map(|n| (n.to_string(), Ok(Counted::of(&grants_of(n.as_str())))))
                .collect(),
        ),
        Load::Grants(name) => Loaded::Grants(name.to_string(), Ok(grants_of(name.as_str()))),
        Load::Consumer(org) => {
            let all: Vec<ScopeAccess> = own_scopes()
                .iter()
                .flat_map(|s| grants_of(&s.name))
                .filter(|a| a.consumer_orgno == org.as_str())
                .collect();
            Loaded::Consumer(org.clone(), Ok(all))
        }
        Load::GrantedToUs => Loaded::GrantedToUs(Ok(vec![access(
            "nav:pensjon/v3/alderspensjon",
            "991825827",
            "APPROVED",
        )])),
        Load::Clients => Loaded::Clients(Ok(clients())),
        Load::Jwks(ids) => Loaded::Jwks(
            ids.iter()
                .map(|id| (id.to_string(), Ok(jwks_of(id.as_str()))))
                .collect(),
        ),
        Load::OnBehalfOf(id) => Loaded::OnBehalfOf(
            id.to_string(),
            Ok(onbehalfof::registrations_of(id.as_str())),
        ),
    }
}

/// The register's answer for one number: a few are named, 123456785 is unknown, and
/// 987654309 cannot be looked up (no answer).
pub fn register(org: &str) -> Option<crate::names::Name> {
    use crate::names::Name;
    Some(match org {
        "974760673" => Name::Known("REGISTERENHETEN I BRØNNØYSUND".into()),
        "889640782" => Name::Known("ARBEIDS- OG VELFERDSETATEN".into()),
        "974761076" => Name::Known("SKATTEETATEN".into()),
        "910000004" => Name::Known("TESTBEDRIFT AS".into()),
        "987654309" => return None,
        _ => Name::Unknown,
    })
}

/// The `Action::Names` answering a lookup of `asked` from [`register`].
pub fn names_answer(asked: &[crate::api::types::OrgNumber]) -> Action {
    Action::Names {
        asked: asked.to_vec(),
        found: asked
            .iter()
            .filter_map(|o| Some((o.to_string(), register(o.as_str())?)))
            .collect(),
    }
}

/// Answer every load and name lookup among `effects` (and those their answers cause);
/// return the rest.
pub fn settle(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    settle_with(app, effects, |_| None)
}

/// As `settle`, with `answer_with`'s answer where it has one and the fixtures' elsewhere.
pub fn settle_with(
    app: &mut App,
    effects: Vec<Effect>,
    answer_with: impl Fn(&Load) -> Option<Loaded>,
) -> Vec<Effect> {
    let mut queue = effects;
    let mut rest = Vec::new();
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            match e {
                Effect::Load { generation, load } => {
                    let data = answer_with(&load).unwrap_or_else(|| answer(&load));
                    next.extend(app.update(Action::Loaded { generation, data }));
                }
                Effect::LookupNames(asked) => next.extend(app.update(names_answer(&asked))),
                other => rest.push(other),
            }
        }
        queue = next;
    }
    rest
}

pub fn app_with(session: Session) -> App {
    let mut app = App::new(session, Keymap::default(), now());
    let start = app.update(Action::Start);
    let rest = settle(&mut app, start);
    assert!(rest.is_empty());
    // Every list, as after a visit to the clients pane (lists are read when first shown).
    for pane in ["3", "1"] {
        let rest = press_settled(&mut app, pane);
        assert!(rest.is_empty());
    }
    app
}

pub fn loaded_app() -> App {
    app_with(session(false, Environment::Test))
}

pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Press keys; collect every effect.
pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| app.update(key(c))).collect()
}

/// Press `keys`, answering the loads they cause as they go (the access pane reads the
/// selected scope's grants when it opens); returns the other effects.
pub fn press_settled(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| {
            let effects = app.update(key(c));
            settle(app, effects)
        })
        .collect()
}

pub fn mutations(effects: &[Effect]) -> Vec<&super::effect::Mutation> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Mutate(m) => Some(m),
            _ => None,
        })
        .collect()
}
