//! Seed data: the admin clients every emulator has, a realistic demo organisation, and a
//! generated organisation of any size for benchmarks.

use serde_json::{Map, Value};

use super::EmulatorError;
use super::certs::{self, ADMIN_KID, OTHER_ORG_NAME, OTHER_ORGNO, OWN_ORG_NAME, OWN_ORGNO, Pki};
use super::state::{StateSnapshot, now_secs, timestamp_now};
use super::token::ADMIN_SCOPES;
use crate::wire::admin::DCR_SUPPLIER;
use crate::wire::models::{
    AccessState, Client, ClientOnBehalfOf, IntegrationType, Jwk, Jwks, Scope, ScopeAccess,
    ScopePrefix, TokenEndpointAuthMethod, TokenType, Visibility,
};
use crate::wire::types::orgno_check_digit;

/// What the emulator holds at start (when no state file exists yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// A realistic organisation: two prefixes, a dozen scopes, ~40 grants, six clients.
    Demo,
    /// Only the admin clients and the organisation's prefixes.
    Empty,
    /// `n` scopes, `20 n` grants, `n / 2` clients with a key each (benchmarks).
    Size(usize),
}

/// The admin client whose grants are signed with the business certificate (`x5c`).
pub const ADMIN_CLIENT_ID: &str = "0b7c9a3e-2f41-4c6d-8e5a-3d2f1a9b7c01";
/// The admin client with a registered key (`admin-own.key.pem`, kid `ADMIN_KID`).
pub const ADMIN_KID_CLIENT_ID: &str = "0b7c9a3e-2f41-4c6d-8e5a-3d2f1a9b7c02";
/// An admin client of the other organisation (signs with `other-org.*.pem`).
pub const OTHER_ADMIN_CLIENT_ID: &str = "0b7c9a3e-2f41-4c6d-8e5a-3d2f1a9b7c03";
/// An admin client of the demo organisation that Digdir gave `dcr.modify` but not
/// `dcr.write` or `scopes.write`: it may change clients and keys, not create or delete them.
pub const MODIFY_ADMIN_CLIENT_ID: &str = "0b7c9a3e-2f41-4c6d-8e5a-3d2f1a9b7c04";
/// The admin scopes of that client.
pub const MODIFY_ADMIN_SCOPES: &[&str] = &[
    "idporten:scopes.read",
    "idporten:dcr.read",
    "idporten:dcr.modify",
];
/// A system vendor's admin client: Digdir gave it `idporten:dcr.supplier`, so it creates and
/// manages clients for its customers. It signs with the admin's own key (kid `ADMIN_KID`).
pub const SUPPLIER_ADMIN_CLIENT_ID: &str = "0b7c9a3e-2f41-4c6d-8e5a-3d2f1a9b7c05";
/// The admin scopes of that client.
pub const SUPPLIER_ADMIN_SCOPES: &[&str] = &[
    "idporten:scopes.read",
    "idporten:dcr.read",
    "idporten:dcr.write",
    "idporten:dcr.supplier",
];
/// The vendor organisation of the supplier admin client.
pub const SUPPLIER_ORGNO: &str = "921456786";
pub const SUPPLIER_ORG_NAME: &str = "SYSTEMLEVERANDØREN AS";
/// Another vendor, whose supplied clients the supplier sees but may not change.
pub const OTHER_SUPPLIER_ORGNO: &str = "921456794";
pub const OTHER_SUPPLIER_ORG_NAME: &str = "KONKURRENT IT AS";
/// The prefixes the demo organisation owns.
pub const OWN_PREFIXES: [&str; 2] = ["difitest", "demo"];
/// The other organisation's prefix.
pub const OTHER_PREFIX: &str = "etaten";
/// Lifetime of admin access tokens, seconds.
const ADMIN_TOKEN_LIFETIME: u32 = 600;

const DAY: i64 = 86_400;

/// Organisations of the seed, with the prefix each owns.
const ORGS: &[(&str, &str, &str)] = &[
    (OWN_ORGNO, OWN_ORG_NAME, "difitest"),
    (OWN_ORGNO, OWN_ORG_NAME, "demo"),
    (OTHER_ORGNO, OTHER_ORG_NAME, OTHER_PREFIX),
    ("974761076", "SKATTEETATEN", "skatteetaten"),
    ("974760673", "REGISTERENHETEN I BRØNNØYSUND", "brreg"),
    ("983887457", "KS-KOMMUNESEKTORENS ORGANISASJON", "ks"),
];

/// `count` valid organisation numbers (MOD11), the same on every run.
pub fn orgnos(count: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    let mut stem: u32 = 81_000_000;
    while out.len() < count {
        stem += 7_919;
        let digits: Vec<u32> = format!("{stem:08}")
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .collect();
        let mut first8 = [0u32; 8];
        first8.copy_from_slice(&digits[..8]);
        if let Some(check) = orgno_check_digit(&first8) {
            out.push(format!("{stem:08}{check}"));
        }
    }
    out
}

struct Builder {
    st: StateSnapshot,
    now: String,
}

impl Builder {
    fn new() -> Builder {
        let now = timestamp_now();
        let mut st = StateSnapshot::default();
        for (orgno, name, prefix) in ORGS {
            st.organizations.insert((*orgno).into(), (*name).into());
            st.prefixes.insert(
                (*prefix).into(),
                ScopePrefix {
                    prefix: (*prefix).into(),
                    owner_orgno: Some((*orgno).into()),
                    organization_name: Some((*name).into()),
                    active: true,
                    created: Some(now.clone()),
                    last_updated: Some(now.clone()),
                    extra: Map::new(),
                },
            );
        }
        for (orgno, name) in [
            (SUPPLIER_ORGNO, SUPPLIER_ORG_NAME),
            (OTHER_SUPPLIER_ORGNO, OTHER_SUPPLIER_ORG_NAME),
        ] {
            st.organizations.insert(orgno.into(), name.into());
        }
        Builder { st, now }
    }

    fn scope(&mut self, owner: &str, name: &str, description: &str) -> &mut Scope {
        let (prefix, subscope) = name.split_once(':').unwrap_or((name, ""));
        let scope = Scope {
            name: name.into(),
            prefix: prefix.into(),
            subscope: subscope.into(),
            description: description.into(),
            visibility: Some(Visibility::Public),
            token_type: Some(TokenType::SelfContained),
            allowed_integration_types: vec![IntegrationType::Maskinporten],
            at_max_age: Some(1200),
            owner_orgno: Some(owner.into()),
            created: Some(self.now.clone()),
            last_updated: Some(self.now.clone()),
            ..Scope::default()
        };
        self.st.scopes.entry(name.to_owned()).or_insert(scope)
    }

    /// A consumer's request made `days_ago`, waiting for an answer.
    fn request(&mut self, scope: &str, consumer: &str, days_ago: i64) {
        self.grant(scope, consumer, AccessState::Requested);
        let when = chrono::DateTime::from_timestamp(now_secs() - days_ago * DAY, 0).map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                .to_string()
        });
        if let Some(row) = self
            .st
            .grants
            .get_mut(scope)
            .and_then(|m| m.get_mut(consumer))
        {
            row.created.clone_from(&when);
            row.last_updated = when;
        }
    }

    fn grant(&mut self, scope: &str, consumer: &str, state: AccessState) {
        let owner = self
            .st
            .scopes
            .get(scope)
            .and_then(|s| s.owner_orgno.clone());
        self.st.grants.entry(scope.to_owned()).or_default().insert(
            consumer.to_owned(),
            ScopeAccess {
                scope: scope.into(),
                consumer_orgno: consumer.into(),
                owner_orgno: owner,
                state,
                created: Some(self.now.clone()),
                last_updated: Some(self.now.clone()),
                extra: Map::new(),
            },
        );
    }

    fn client(
        &mut self,
        id: &str,
        orgno: &str,
        name: &str,
        description: &str,
        scopes: &[&str],
    ) -> &mut Client {
        let mut c = Client::new_maskinporten(
            name,
            description,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
        );
        c.client_id = id.into();
        c.client_orgno = Some(orgno.into());
        c.created = Some(self.now.clone());
        c.last_updated = Some(self.now.clone());
        self.st.clients.insert(id.to_owned(), c);
        self.st
            .clients
            .get_mut(id)
            .unwrap_or_else(|| unreachable!("just inserted"))
    }

    fn keys(&mut self, client_id: &str, keys: Vec<Jwk>) {
        self.st.jwks.insert(
            client_id.to_owned(),
            Jwks {
                keys,
                created: Some(self.now.clone()),
                last_updated: Some(self.now.clone()),
                extra: Map::new(),
            },
        );
    }
}

/// The admin's own public key under another kid, expiring in `days`.
fn demo_key(template: &Jwk, kid: &str, days: i64) -> Jwk {
    Jwk {
        kid: Some(kid.to_owned()),
        exp: Some(now_secs() + days * DAY),
        ..template.clone()
    }
}

/// The seeded state for `seed` (the admin clients come from `ensure_admin_clients`).
pub fn build(seed: Seed, pki: &Pki) -> Result<StateSnapshot, EmulatorError> {
    let mut b = Builder::new();
    let template = certs::public_jwk(&pki.admin_own, "demo")?;
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(&mut b, &template),
        Seed::Size(n) => sized(&mut b, &template, n),
    }
    Ok(b.st)
}

/// Put the admin clients (and the admin key under its kid) in place: after loading a state
/// file too, since the key material is new on every start.
pub fn ensure_admin_clients(st: &mut StateSnapshot, pki: &Pki) -> Result<(), EmulatorError> {
    let now = timestamp_now();
    // Digdir adds dcr.supplier to vendors' admin clients only.
    let admin = |id: &str, orgno: &str, name: &str| {
        let mut c = Client::new_maskinporten(
            name,
            "Admin client for the self-service API (registered by Digdir)",
            ADMIN_SCOPES
                .iter()
                .filter(|s| !DCR_SUPPLIER.contains(s))
                .map(|s| (*s).to_owned())
                .collect(),
        );
        c.client_id = id.into();
        c.client_orgno = Some(orgno.into());
        c.access_token_lifetime = Some(ADMIN_TOKEN_LIFETIME);
        c.created = Some(now.clone());
        c.last_updated = Some(now.clone());
        c
    };
    st.clients.insert(
        ADMIN_CLIENT_ID.into(),
        admin(
            ADMIN_CLIENT_ID,
            OWN_ORGNO,
            "mpadmin emulator admin (certificate)",
        ),
    );
    st.clients.insert(
        ADMIN_KID_CLIENT_ID.into(),
        admin(
            ADMIN_KID_CLIENT_ID,
            OWN_ORGNO,
            "mpadmin emulator admin (own key)",
        ),
    );
    st.clients.insert(
        OTHER_ADMIN_CLIENT_ID.into(),
        admin(
            OTHER_ADMIN_CLIENT_ID,
            OTHER_ORGNO,
            "other organisation admin",
        ),
    );
    let mut modify = admin(
        MODIFY_ADMIN_CLIENT_ID,
        OWN_ORGNO,
        "mpadmin emulator admin (change clients only)",
    );
    modify.scopes = MODIFY_ADMIN_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    st.clients.insert(MODIFY_ADMIN_CLIENT_ID.into(), modify);
    let mut supplier = admin(
        SUPPLIER_ADMIN_CLIENT_ID,
        SUPPLIER_ORGNO,
        "leverandør admin (dcr.supplier)",
    );
    supplier.scopes = SUPPLIER_ADMIN_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    st.clients.insert(SUPPLIER_ADMIN_CLIENT_ID.into(), supplier);
    st.jwks.remove(ADMIN_CLIENT_ID);
    st.jwks.remove(OTHER_ADMIN_CLIENT_ID);
    st.jwks.remove(MODIFY_ADMIN_CLIENT_ID);
    let mut key = certs::public_jwk(&pki.admin_own, ADMIN_KID)?;
    key.exp = Some(now_secs() + 365 * DAY);
    let set = Jwks {
        keys: vec![key],
        created: Some(now.clone()),
        last_updated: Some(now),
        extra: Map::new(),
    };
    st.jwks.insert(SUPPLIER_ADMIN_CLIENT_ID.into(), set.clone());
    st.jwks.insert(ADMIN_KID_CLIENT_ID.into(), set);
    Ok(())
}

/// The fields live `/scopes/all` answers carry beyond the documented ones (peers-2.md §3):
/// a protected scope open to EU businesses with an eSeal, described in English and Nynorsk.
fn live_fields(s: &mut Scope) {
    for (k, v) in [
        ("protected", Value::Bool(true)),
        ("supports_european_businesses", Value::Bool(true)),
        (
            "description#en",
            Value::String("Test API for demo consumers".into()),
        ),
        (
            "long_description#nn",
            Value::String("Test-API for demokonsumentar.".into()),
        ),
    ] {
        s.extra.insert(k.into(), v);
    }
}

fn demo(b: &mut Builder, template: &Jwk) {
    let own = OWN_ORGNO;
    b.scope(own, "difitest:api3", "Testing API for demo consumers");
    b.scope(own, "difitest:api3.read", "Read access to the test API");
    let s = b.scope(
        own,
        "difitest:eksempel/v1/dokumenter.read",
        "Read documents (versioned API)",
    );
    s.long_description =
        Some("Gives **read** access to the document archive, API version 1.".into());
    b.scope(
        own,
        "difitest:eksempel/v1/dokumenter.write",
        "Write documents (versioned API)",
    );
    let s = b.scope(own, "difitest:statistikk", "Open statistics for everyone");
    s.accessible_for_all = true;
    let s = b.scope(
        own,
        "difitest:intern",
        "Internal reporting (not listed publicly)",
    );
    s.visibility = Some(Visibility::Private);
    let s = b.scope(own, "difitest:gammel", "Retired API, kept for reference");
    s.active = false;
    b.scope(own, "difitest:kontakt.read", "Contact information lookup");
    let s = b.scope(own, "demo:tilskudd.read", "Read grant applications");
    s.delegation_source = Some("https://tt02.altinn.no/".into());
    b.scope(own, "demo:tilskudd.write", "Submit grant applications");
    b.scope(own, "demo:rapport", "Quarterly reports");
    let s = b.scope(
        own,
        "demo:innsyn",
        "Public insight API (all integration types)",
    );
    s.allowed_integration_types.clear();
    s.extra.insert(
        "description#en".into(),
        Value::String("Public insight API".into()),
    );
    live_fields(b.scope(own, "difitest:api3", ""));

    // Other organisations' scopes: for /scopes/all, and some granted to us.
    b.scope(OTHER_ORGNO, "etaten:register.read", "Look up the register");
    b.scope(OTHER_ORGNO, "etaten:register.write", "Update the register");
    b.scope("974761076", "skatteetaten:mvameldinger", "VAT returns");
    let s = b.scope("974761076", "skatteetaten:inntekt", "Income data (private)");
    s.visibility = Some(Visibility::Private);
    b.scope(
        "974760673",
        "brreg:enhetsregisteret/roller.read",
        "Roles in the entity register",
    );
    let s = b.scope("983887457", "ks:fiks", "KS FIKS platform");
    s.accessible_for_all = true;
    b.grant("etaten:register.read", own, AccessState::Approved);
    b.grant("skatteetaten:mvameldinger", own, AccessState::Approved);
    b.grant("skatteetaten:inntekt", own, AccessState::Approved);
    b.grant(
        "brreg:enhetsregisteret/roller.read",
        own,
        AccessState::Denied,
    );
    b.grant("etaten:register.write", own, AccessState::Requested);

    // ~40 grants of our scopes, every fifth revoked.
    let granted = [
        "difitest:api3",
        "difitest:api3.read",
        "difitest:eksempel/v1/dokumenter.read",
        "difitest:intern",
        "demo:tilskudd.read",
        "demo:rapport",
    ];
    let consumers = orgnos(14);
    for (orgno, name) in consumers.iter().zip(DEMO_CONSUMER_NAMES) {
        b.st.organizations.insert(orgno.clone(), name.into());
    }
    let mut n = 0;
    for (i, scope) in granted.iter().enumerate() {
        for consumer in consumers.iter().skip(i).take(7) {
            let state = if n % 5 == 4 {
                AccessState::Denied
            } else {
                AccessState::Approved
            };
            b.grant(scope, consumer, state);
            n += 1;
        }
    }
    b.grant("difitest:api3", OTHER_ORGNO, AccessState::Approved);
    b.grant("difitest:gammel", OTHER_ORGNO, AccessState::Approved);
    b.grant("demo:rapport", OTHER_ORGNO, AccessState::Approved);
    // Requests waiting for an answer, the oldest first.
    b.request("difitest:kontakt.read", &consumers[3], 9);
    b.request("difitest:api3", &consumers[10], 4);
    b.request("demo:rapport", &consumers[0], 1);

    let clients: [(&str, &str, &str, &[&str]); 6] = [
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a01",
            "saksbehandling",
            "Case handling system, fetches VAT returns",
            &["skatteetaten:mvameldinger", "etaten:register.read"],
        ),
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a02",
            "rapportering",
            "Quarterly reporting job",
            &["demo:rapport", "difitest:statistikk"],
        ),
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a03",
            "integrasjonstest",
            "Integration tests of our own API",
            &["difitest:api3", "difitest:api3.read"],
        ),
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a04",
            "fiks-klient",
            "Uses the KS FIKS platform",
            &["ks:fiks"],
        ),
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a05",
            "dokumentarkiv",
            "Archive sync",
            &[
                "difitest:eksempel/v1/dokumenter.read",
                "difitest:eksempel/v1/dokumenter.write",
            ],
        ),
        (
            "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a06",
            "uten-nokler",
            "New client, no keys yet",
            &["difitest:kontakt.read"],
        ),
    ];
    for (id, name, description, scopes) in clients {
        b.client(id, own, name, description, scopes);
    }
    let [c1, c2, c3, _, c5, _] = clients.map(|c| c.0);
    b.keys(
        c1,
        vec![
            demo_key(template, "saksbehandling-2026-01", 40),
            demo_key(template, "saksbehandling-2026-06", 200),
            demo_key(template, "saksbehandling-2026-11", 360),
        ],
    );
    b.keys(c2, vec![demo_key(template, "rapportering-2025-12", 12)]);
    b.keys(c3, vec![demo_key(template, "integrasjonstest", 300)]);
    b.keys(
        c5,
        vec![
            demo_key(template, "dokumentarkiv-a", 150),
            demo_key(template, "dokumentarkiv-b", 330),
        ],
    );
    demo_idporten(b);
    demo_supplier(b, template, &consumers[..5]);
}

/// The vendor's clients for five customers (some with two), keys expiring from next week to
/// next year, and one client of its own that another vendor supplied (visible, not ours to
/// change), plus one that vendor supplied to a customer (not visible to us).
fn demo_supplier(b: &mut Builder, template: &Jwk, customers: &[String]) {
    // (id tail, customer, another supplier, name, scopes, days each key has left)
    type Supplied<'a> = (
        &'a str,
        usize,
        Option<&'a str>,
        &'a str,
        &'a [&'a str],
        &'a [i64],
    );
    let supplied: [Supplied<'_>; 8] = [
        (
            "6a2c",
            0,
            None,
            "regnskap-bilag",
            &["difitest:statistikk"],
            &[9, 190],
        ),
        ("6a2d", 0, None, "regnskap-lonn", &["ks:fiks"], &[120]),
        (
            "6a2e",
            1,
            None,
            "sak-arkiv",
            &["ks:fiks", "difitest:statistikk"],
            &[34],
        ),
        (
            "6a2f",
            2,
            None,
            "flate-rapport",
            &["difitest:statistikk"],
            &[3, 300],
        ),
        (
            "6a30",
            3,
            None,
            "fangstdagbok",
            &["difitest:statistikk"],
            &[75],
        ),
        ("6a31", 3, None, "kvoteoversikt", &["ks:fiks"], &[]),
        (
            "6a32",
            4,
            None,
            "fakturering",
            &["difitest:statistikk"],
            &[250],
        ),
        (
            "6a33",
            1,
            Some(OTHER_SUPPLIER_ORGNO),
            "byggesak",
            &["ks:fiks"],
            &[60],
        ),
    ];
    for (tail, customer, supplier, name, scopes, days) in supplied {
        let id = format!("7c1e4d2a-8b3f-4a6c-9d5e-0f1a2b3c{tail}");
        let c = b.client(
            &id,
            &customers[customer],
            name,
            &format!("{name}, run by the vendor for its customer"),
            scopes,
        );
        c.supplier_orgno = Some(supplier.unwrap_or(SUPPLIER_ORGNO).to_owned());
        if !days.is_empty() {
            let keys = days
                .iter()
                .enumerate()
                .map(|(i, d)| demo_key(template, &format!("{name}-{}", i + 1), *d))
                .collect();
            b.keys(&id, keys);
        }
    }
    let id = "7c1e4d2a-8b3f-4a6c-9d5e-0f1a2b3c6a40";
    let c = b.client(
        id,
        SUPPLIER_ORGNO,
        "lonnssystem",
        "Our own payroll, supplied to us by another vendor",
        &["difitest:statistikk"],
    );
    c.supplier_orgno = Some(OTHER_SUPPLIER_ORGNO.to_owned());
    b.keys(id, vec![demo_key(template, "lonnssystem-1", 20)]);
}

/// An ID-porten login client acting for two municipalities through on-behalf-of
/// registrations, so the other integration types and their registrations can be tried.
fn demo_idporten(b: &mut Builder) {
    let id = "5e1d0c4b-7a2f-4b8e-9c3d-1f2e3a4b5c60";
    let c = b.client(
        id,
        OWN_ORGNO,
        "Min side (innlogging)",
        "ID-porten login for the citizen portal",
        &[],
    );
    c.integration_type = Some(IntegrationType::Idporten);
    c.token_endpoint_auth_method = Some(TokenEndpointAuthMethod::ClientSecretBasic);
    c.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
    c.extra.insert(
        "redirect_uris".into(),
        serde_json::json!(["https://minside.example.no/callback"]),
    );
    c.extra.insert(
        "post_logout_redirect_uris".into(),
        serde_json::json!(["https://minside.example.no/"]),
    );
    let orgs = orgnos(2);
    let mut regs = std::collections::BTreeMap::new();
    for (key, name, orgno) in [
        ("kommune-a", "Eksempel kommune A", &orgs[0]),
        ("kommune-b", "Eksempel kommune B", &orgs[1]),
    ] {
        regs.insert(
            key.to_owned(),
            ClientOnBehalfOf {
                onbehalfof: key.to_owned(),
                name: Some(name.to_owned()),
                orgno: Some(orgno.clone()),
                uri: Some(format!("https://{key}.example.no/")),
                description: Some(format!("Min side for {name}")),
                created: Some(b.now.clone()),
                last_updated: Some(b.now.clone()),
                extra: Map::new(),
            },
        );
    }
    b.st.onbehalfof.insert(id.to_owned(), regs);
}

/// Names of the demo's fourteen consumers (made up; the registry of the emulator only).
const DEMO_CONSUMER_NAMES: [&str; 14] = [
    "NORDLYS REGNSKAP AS",
    "FJORDVIK KOMMUNE",
    "BERGLUND TRANSPORT AS",
    "HAVGAP FISKERI AS",
    "SOLBERG OG DATTER ANS",
    "VESTRE LØNN AS",
    "TINDEN BARNEHAGE SA",
    "ELVEKANT ARKITEKTER AS",
    "MYRBAKKEN LANDBRUK",
    "ISBRE SYSTEMER AS",
    "KORALL HELSE AS",
    "LYNGHEIM BORETTSLAG",
    "SKARVEN REVISJON AS",
    "ØSTLI ENERGI AS",
];

fn sized(b: &mut Builder, template: &Jwk, n: usize) {
    let consumers = orgnos(1000);
    for (i, orgno) in consumers.iter().enumerate() {
        b.st.organizations
            .insert(orgno.clone(), format!("GENERERT ORGANISASJON {i:04} AS"));
    }
    let prefixes = OWN_PREFIXES;
    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{}:last/s{i:06}.read", prefixes[i % 2]);
        let s = b.scope(OWN_ORGNO, &name, &format!("Generated scope number {i}"));
        if i % 10 == 9 {
            s.visibility = Some(Visibility::Private);
        }
        names.push(name);
    }
    for (i, name) in names.iter().enumerate() {
        for j in 0..20 {
            let consumer = &consumers[(i * 7 + j * 31) % consumers.len()];
            let state = if j % 10 == 9 {
                AccessState::Denied
            } else {
                AccessState::Approved
            };
            b.grant(name, consumer, state);
        }
    }
    for i in 0..n / 2 {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let scopes: Vec<&str> = names
            .iter()
            .skip(i % n.max(1))
            .take(2)
            .map(String::as_str)
            .collect();
        b.client(
            &id,
            OWN_ORGNO,
            &format!("klient-{i:05}"),
            &format!("Generated client number {i}"),
            &scopes,
        );
        b.keys(
            &id,
            vec![demo_key(
                template,
                &format!("klient-{i:05}-key"),
                30 + (i as i64 * 37) % 330,
            )],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::types::{OrgNumber, ScopeName};

    #[test]
    fn generated_orgnos_pass_mod11_and_are_distinct() {
        let list = orgnos(500);
        assert!(list.iter().all(|o| o.parse::<OrgNumber>().is_ok()));
        let unique: std::collections::BTreeSet<_> = list.iter().collect();
        assert_eq!(unique.len(), list.len());
    }

    /// `--seed-size N`: N scopes, 20N grants, N/2 clients each with keys (the scale of a large organisation).
    #[test]
    fn sized_seed_has_the_promised_counts() {
        let pki = certs::pki().unwrap();
        let st = build(Seed::Size(40), pki).unwrap();
        assert_eq!(st.scopes.len(), 40);
        assert_eq!(
            st.grants
                .values()
                .map(std::collections::BTreeMap::len)
                .sum::<usize>(),
            800
        );
        assert_eq!(st.clients.len(), 20);
        assert!(
            st.all_grants()
                .all(|g| st.organizations.contains_key(&g.consumer_orgno))
        );
        assert!(
            st.clients
                .keys()
                .all(|id| st.jwks.get(id).is_some_and(|k| !k.keys.is_empty()))
        );
    }

    /// The seeds obey the rules the API enforces, so nothing in them is unreachable by hand.
    #[test]
    fn seeds_are_consistent() {
        let pki = certs::pki().unwrap();
        for seed in [Seed::Demo, Seed::Size(30)] {
            let st = build(seed, pki).unwrap();
            for (name, scope) in &st.scopes {
                assert_eq!(name, &scope.name);
                assert!(name.parse::<ScopeName>().is_ok(), "{name}");
                assert!(st.prefixes.contains_key(&scope.prefix), "{name}");
            }
            for g in st.all_grants() {
                assert!(g.consumer_orgno.parse::<OrgNumber>().is_ok(), "{g:?}");
                assert!(st.scopes.contains_key(&g.scope), "{g:?}");
            }
            for c in st.clients.values() {
                let orgno = c.client_orgno.as_deref().unwrap();
                for s in &c.scopes {
                    let scope = st
                        .scope(s)
                        .unwrap_or_else(|| panic!("{s} of {}", c.client_name));
                    assert!(
                        scope.active && st.may_use(orgno, scope),
                        "{s} of {}",
                        c.client_name
                    );
                }
                let keys = st.keys(&c.client_id);
                assert!(keys.len() <= 5);
                assert!(keys.iter().all(|k| k.exp.is_some()));
            }
        }
    }

    #[test]
    fn demo_has_what_the_issue_promises() {
        let st = build(Seed::Demo, certs::pki().unwrap()).unwrap();
        let own: Vec<_> = st
            .scopes
            .values()
            .filter(|s| s.owner_orgno.as_deref() == Some(OWN_ORGNO))
            .collect();
        assert!(own.len() >= 12);
        assert!(own.iter().any(|s| s.subscope.contains('/')));
        assert!(own.iter().any(|s| !s.active));
        assert!(
            own.iter()
                .any(|s| s.visibility == Some(Visibility::Private))
        );
        assert!(own.iter().any(|s| s.accessible_for_all));
        let own_grants = st
            .all_grants()
            .filter(|g| g.owner_orgno.as_deref() == Some(OWN_ORGNO))
            .count();
        assert!((35..=50).contains(&own_grants), "{own_grants}");
        assert!(st.all_grants().any(|g| g.state == AccessState::Denied));
        let requests = st
            .all_grants()
            .filter(|g| g.owner_orgno.as_deref() == Some(OWN_ORGNO))
            .filter(|g| g.state == AccessState::Requested)
            .count();
        assert_eq!(requests, 3);
        assert!(
            st.all_grants()
                .all(|g| st.organizations.contains_key(&g.consumer_orgno)),
            "every consumer of the demo has a name"
        );
        let mp = Some(IntegrationType::Maskinporten);
        let (maskinporten, other): (Vec<_>, Vec<_>) = st
            .clients_of(OWN_ORGNO)
            .partition(|c| c.integration_type == mp);
        assert_eq!(maskinporten.len(), 6);
        assert!(other.iter().any(|c| {
            c.integration_type == Some(IntegrationType::Idporten)
                && st
                    .onbehalfof
                    .get(&c.client_id)
                    .is_some_and(|r| r.len() == 2)
        }));
        assert!(st.jwks.values().any(|j| j.keys.len() >= 3));
    }
}
