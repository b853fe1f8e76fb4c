//! `AdminApi` against the emulator over loopback HTTP: every endpoint's happy path, the
//! 400/401/403/404/409 answers, and one admin token for many calls.

use std::path::Path;
use std::sync::OnceLock;

use base64::Engine;
use mpadmin::api::models::{AccessState, Client, Jwk, Scope, Visibility};
use mpadmin::api::types::{ClientId, Kid, OrgNumber, ScopeName};
use mpadmin::api::{AdminApi, ApiError, PublicScopeQuery};
use mpadmin::emulator::{Fault, OTHER_ORGNO, OWN_ORGNO, Seed};
use reqwest::StatusCode;

mod common;

use common::TestEmulator;

struct Fixture {
    emu: TestEmulator,
    api: AdminApi,
}

async fn start(seed: Seed) -> Fixture {
    let emu = common::emulator_with(seed).await;
    let api = connect(&emu.keys_toml(), "emulator");
    Fixture { emu, api }
}

fn connect(keys: &Path, profile: &str) -> AdminApi {
    let profile = mpadmin::config::load(Some(keys), Some(profile)).unwrap();
    mpadmin::api::connect(&profile).unwrap()
}

fn scope_name(s: &str) -> ScopeName {
    s.parse().unwrap()
}

fn orgno(s: &str) -> OrgNumber {
    s.parse().unwrap()
}

fn client_id(s: &str) -> ClientId {
    s.parse().unwrap()
}

/// A fresh 2048-bit RSA public JWK (generated once per test binary, renamed per use).
fn rsa_jwk(kid: &str) -> Jwk {
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    let (n, e) = KEY.get_or_init(|| {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let b64 = |b: &openssl::bn::BigNumRef| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.to_vec())
        };
        (b64(rsa.n()), b64(rsa.e()))
    });
    Jwk {
        kty: "RSA".into(),
        kid: Some(kid.into()),
        alg: Some("RS256".into()),
        use_: Some("sig".into()),
        n: Some(n.clone()),
        e: Some(e.clone()),
        ..Jwk::default()
    }
}

fn new_scope(subscope: &str) -> Scope {
    Scope {
        prefix: "difitest".into(),
        subscope: subscope.into(),
        description: "made by a test".into(),
        allowed_integration_types: vec![mpadmin::api::models::IntegrationType::Maskinporten],
        ..Scope::default()
    }
}

fn status(e: &ApiError) -> StatusCode {
    e.status()
        .unwrap_or_else(|| panic!("not an HTTP error: {e}"))
}

#[tokio::test]
async fn scope_lifecycle_keeps_unknown_fields() {
    let f = start(Seed::Empty).await;
    let name = scope_name("difitest:orders.read");

    let created = f.api.create_scope(&new_scope("orders.read")).await.unwrap();
    assert_eq!(created.name, name.as_str());
    assert_eq!(created.owner_orgno.as_deref(), Some(OWN_ORGNO));
    assert!(created.active);

    let own = f.api.own_scopes(false).await.unwrap();
    assert!(own.iter().any(|s| s.name == name.as_str()));

    // PUT sends back what GET returned, changed; a field we do not know survives.
    let mut fetched = f.api.scope(&name).await.unwrap();
    fetched.description = "changed".into();
    fetched.visibility = Some(Visibility::Private);
    fetched
        .extra
        .insert("description#en".into(), "Read orders".into());
    let updated = f.api.update_scope(&name, &fetched).await.unwrap();
    assert_eq!(updated.description, "changed");
    let again = f.api.scope(&name).await.unwrap();
    assert_eq!(again.visibility, Some(Visibility::Private));
    assert_eq!(again.extra["description#en"], "Read orders");
    assert_eq!(
        f.emu.state().scope(name.as_str()).unwrap().description,
        "changed"
    );

    let deactivated = f.api.deactivate_scope(&name).await.unwrap();
    assert!(!deactivated.active);
    assert!(
        !f.api
            .own_scopes(false)
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == name.as_str()),
        "inactive scopes are hidden by default"
    );
    let with_inactive = f.api.own_scopes(true).await.unwrap();
    assert!(
        with_inactive
            .iter()
            .any(|s| s.name == name.as_str() && !s.active)
    );

    // Re-creating a deactivated scope is a conflict; PUT with active = true reactivates.
    let err = f
        .api
        .create_scope(&new_scope("orders.read"))
        .await
        .unwrap_err();
    assert_eq!(status(&err), StatusCode::CONFLICT, "{err}");
    let mut back = f.api.scope(&name).await.unwrap();
    back.active = true;
    assert!(f.api.update_scope(&name, &back).await.unwrap().active);
}

#[tokio::test]
async fn open_endpoints_and_prefixes() {
    let f = start(Seed::Demo).await;
    let public = f
        .api
        .public_scopes(&PublicScopeQuery::default())
        .await
        .unwrap();
    assert!(public.iter().any(|s| s.name == "difitest:api3"));
    assert!(
        !public.iter().any(|s| s.name == "difitest:intern"),
        "PRIVATE scopes are not public"
    );
    let for_all = f
        .api
        .public_scopes(&PublicScopeQuery {
            accessible_for_all: true,
            ..PublicScopeQuery::default()
        })
        .await
        .unwrap();
    assert!(!for_all.is_empty());
    assert!(for_all.iter().all(|s| s.accessible_for_all));

    let prefixes = f.api.prefixes().await.unwrap();
    let mut own: Vec<&str> = prefixes.iter().map(|p| p.prefix.as_str()).collect();
    own.sort_unstable();
    assert_eq!(own, ["demo", "difitest"]);
    let sources = f.api.delegation_sources().await.unwrap();
    assert!(sources.iter().any(|d| d.name == "altinn"), "{sources:?}");
}

#[tokio::test]
async fn access_grants_revokes_and_both_listings() {
    let f = start(Seed::Empty).await;
    let name = scope_name("difitest:orders");
    f.api.create_scope(&new_scope("orders")).await.unwrap();
    let consumer = orgno("974761076");

    let granted = f.api.grant(&name, &consumer).await.unwrap();
    assert_eq!(granted.state, AccessState::Approved);
    assert_eq!(granted.consumer_orgno, consumer.as_str());
    f.api.grant(&name, &orgno(OTHER_ORGNO)).await.unwrap();

    let per_scope = f.api.scope_access(&name).await.unwrap();
    assert_eq!(per_scope.len(), 2);
    let per_consumer = f.api.consumer_access(&consumer).await.unwrap();
    assert_eq!(per_consumer.len(), 1);
    assert_eq!(per_consumer[0].scope, name.as_str());

    let revoked = f.api.revoke(&name, &consumer).await.unwrap();
    assert_eq!(revoked.state, AccessState::Denied);
    assert_eq!(
        f.emu
            .state()
            .grant(name.as_str(), consumer.as_str())
            .unwrap()
            .state,
        AccessState::Denied
    );
}

#[tokio::test]
async fn granted_to_us_lists_what_others_gave_us() {
    let f = start(Seed::Demo).await;
    let ours = f.api.granted_to_us().await.unwrap();
    assert!(!ours.is_empty());
    assert!(ours.iter().all(|g| g.consumer_orgno == OWN_ORGNO));
}

#[tokio::test]
async fn client_lifecycle_with_keys() {
    let f = start(Seed::Empty).await;
    let scope = scope_name("difitest:sync");
    f.api.create_scope(&new_scope("sync")).await.unwrap();

    let created = f
        .api
        .create_client(&Client::new_maskinporten(
            "sync-job",
            "Nightly sync",
            vec![scope.to_string()],
        ))
        .await
        .unwrap();
    let id = client_id(&created.client_id);
    assert_eq!(created.client_orgno.as_deref(), Some(OWN_ORGNO));
    assert!(
        f.api
            .clients()
            .await
            .unwrap()
            .iter()
            .any(|c| c.client_id == created.client_id)
    );

    let mut fetched = f.api.client(&id).await.unwrap();
    fetched.client_name = "sync-job-2".into();
    let updated = f.api.update_client(&id, &fetched).await.unwrap();
    assert_eq!(updated.client_name, "sync-job-2");
    assert_eq!(updated.scopes, vec![scope.to_string()]);

    assert!(
        f.api.jwks(&id).await.unwrap().keys.is_empty(),
        "a new client has no keys"
    );
    let set = f
        .api
        .replace_jwks(&id, &[rsa_jwk("a"), rsa_jwk("b")])
        .await
        .unwrap();
    assert_eq!(set.keys.len(), 2);
    assert!(
        set.keys.iter().all(|k| k.exp.is_some()),
        "Digdir sets an expiry"
    );
    f.api
        .delete_jwk(&id, &"a".parse::<Kid>().unwrap())
        .await
        .unwrap();
    let left = f.api.jwks(&id).await.unwrap();
    assert_eq!(left.keys.len(), 1);
    assert_eq!(left.keys[0].kid.as_deref(), Some("b"));
    f.api.delete_jwks(&id).await.unwrap();
    assert!(f.api.jwks(&id).await.unwrap().keys.is_empty());

    assert!(f.api.onbehalfof(&id).await.unwrap().is_empty());

    f.api.delete_client(&id).await.unwrap();
    assert!(
        !f.api
            .clients()
            .await
            .unwrap()
            .iter()
            .any(|c| c.client_id == created.client_id)
    );
}

#[tokio::test]
async fn refusals_keep_digdirs_message() {
    let f = start(Seed::Empty).await;

    // 404: an unknown client, and a scope we do not own.
    let unknown = client_id("7d5a3c1e-0000-4000-8000-000000000000");
    let err = f.api.client(&unknown).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::NOT_FOUND, "{err}");
    let err = f.api.jwks(&unknown).await.unwrap_err();
    assert_eq!(
        status(&err),
        StatusCode::NOT_FOUND,
        "no keys must not hide an unknown client: {err}"
    );
    let err = f
        .api
        .scope(&scope_name("difitest:nothing"))
        .await
        .unwrap_err();
    assert_eq!(status(&err), StatusCode::NOT_FOUND, "{err}");

    // 409: the same scope twice.
    f.api.create_scope(&new_scope("twice")).await.unwrap();
    let err = f.api.create_scope(&new_scope("twice")).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::CONFLICT, "{err}");
    assert!(err.correlation_id().is_some(), "{err}");

    // 400: a key without `use`, and a sixth key.
    let client = f
        .api
        .create_client(&Client::new_maskinporten("k", "keys", Vec::new()))
        .await
        .unwrap();
    let id = client_id(&client.client_id);
    let mut no_use = rsa_jwk("no-use");
    no_use.use_ = None;
    let err = f.api.replace_jwks(&id, &[no_use]).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::BAD_REQUEST, "{err}");
    assert!(err.to_string().contains("HTTP 400"), "{err}");
    let six: Vec<Jwk> = (0..6).map(|i| rsa_jwk(&format!("k{i}"))).collect();
    let err = f.api.replace_jwks(&id, &six).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::BAD_REQUEST, "{err}");
    assert!(f.emu.state().keys(id.as_str()).is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_missing_admin_scope_is_a_403_that_names_it() {
    let f = start(Seed::Empty).await;
    let text = std::fs::read_to_string(f.emu.keys_toml()).unwrap();
    // The same admin client, asking only for read access.
    let narrowed = text.replace(
        r#"scopes = ["idporten:scopes.write", "idporten:dcr.read", "idporten:dcr.write"]"#,
        r#"scopes = ["idporten:dcr.read"]"#,
    );
    assert_ne!(
        text, narrowed,
        "the generated profile lists the three admin scopes"
    );
    let keys = f.emu.dir().join("narrow.toml");
    std::fs::write(&keys, narrowed).unwrap();
    let api = connect(&keys, "emulator");

    api.clients().await.unwrap();
    let err = api.create_scope(&new_scope("nope")).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::FORBIDDEN, "{err}");
    assert!(err.to_string().contains("idporten:scopes.write"), "{err}");
    assert!(f.emu.state().scope("difitest:nope").is_none());
}

#[tokio::test]
async fn a_401_renews_the_token_once_then_reports() {
    let f = start(Seed::Empty).await;
    f.api.clients().await.unwrap();
    assert_eq!(f.api.tokens().requests_made(), 1);

    // One 401: renewed and repeated, the caller never sees it.
    f.emu.faults().inject(
        "/api/v1/clients",
        Fault::Status {
            status: 401,
            retry_after: None,
        },
        1,
    );
    f.api.clients().await.unwrap();
    assert_eq!(f.api.tokens().requests_made(), 2);

    // Two in a row: reported, with the scope the call needs.
    f.emu.faults().inject(
        "/api/v1/clients",
        Fault::Status {
            status: 401,
            retry_after: None,
        },
        2,
    );
    let err = f.api.clients().await.unwrap_err();
    assert_eq!(status(&err), StatusCode::UNAUTHORIZED, "{err}");
    assert!(err.to_string().contains("idporten:dcr.read"), "{err}");
    assert_eq!(f.api.tokens().requests_made(), 3);
}

#[tokio::test]
async fn many_calls_share_one_token() {
    let f = start(Seed::Demo).await;
    let before = f.emu.token_requests();
    let api = f.api.clone();
    let (a, b, c) = tokio::join!(api.own_scopes(false), api.clients(), api.prefixes());
    a.unwrap();
    b.unwrap();
    c.unwrap();
    for _ in 0..5 {
        f.api
            .scope_access(&scope_name("difitest:api3"))
            .await
            .unwrap();
    }
    assert_eq!(f.api.tokens().requests_made(), 1);
    assert_eq!(f.emu.token_requests() - before, 1);
}

// ---- faults: retries, ambiguous POSTs, bad data, timeouts, clock skew ----

/// Millisecond backoffs: the retry counts are under test, not the waiting.
fn fast(api: AdminApi) -> AdminApi {
    api.with_retry(mpadmin::api::RetryPolicy {
        max_retries: 3,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
    })
}

fn status_fault(status: u16) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
    }
}

#[tokio::test]
async fn reads_are_retried_at_most_three_times_and_posts_not_at_all() {
    let f = start(Seed::Empty).await;
    let api = fast(f.api.clone());
    api.clients().await.unwrap();

    for code in [502, 503, 504] {
        f.emu
            .faults()
            .inject("/api/v1/clients", status_fault(code), 2);
        api.clients().await.unwrap();
        assert_eq!(f.emu.faults().pending(), 0, "{code}");
    }
    f.emu.faults().inject(
        "/api/v1/clients",
        Fault::Status {
            status: 429,
            retry_after: Some(0),
        },
        1,
    );
    api.clients().await.unwrap();
    f.emu
        .faults()
        .inject("/api/v1/clients", Fault::DropConnection, 3);
    api.clients().await.unwrap();

    // Four failures: the first try and three retries, then the error.
    f.emu
        .faults()
        .inject("/api/v1/clients", status_fault(503), 5);
    let err = api.clients().await.unwrap_err();
    assert_eq!(status(&err), StatusCode::SERVICE_UNAVAILABLE, "{err}");
    assert_eq!(f.emu.faults().pending(), 1);
    f.emu.faults().clear();

    // A POST answered 503 is not repeated: exactly one fault used, nothing created.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/scopes", status_fault(503), 2);
    let err = api.create_scope(&new_scope("once")).await.unwrap_err();
    assert_eq!(status(&err), StatusCode::SERVICE_UNAVAILABLE, "{err}");
    assert_eq!(f.emu.faults().pending(), 1);
    assert!(f.emu.state().scope("difitest:once").is_none());
}

#[tokio::test]
async fn an_ambiguous_post_is_read_back_to_tell_whether_it_happened() {
    let f = start(Seed::Empty).await;
    let api = fast(f.api.clone());
    let applied_then_dropped = Fault::AfterApplying(Box::new(Fault::DropConnection));

    // Scope: made, answer lost -> the read-back scope is the result.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/scopes", applied_then_dropped.clone(), 1);
    let made = api.create_scope(&new_scope("lost")).await.unwrap();
    assert_eq!(made.name, "difitest:lost");
    assert!(f.emu.state().scope("difitest:lost").is_some());
    // Not made (dropped before it reached the handler): said so, and safe to retry.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/scopes", Fault::DropConnection, 1);
    let err = api.create_scope(&new_scope("never")).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("the scope difitest:never was not created") && msg.contains("safe to retry"),
        "{msg}"
    );
    assert!(msg.starts_with("POST /scopes"), "{msg}");
    assert!(matches!(
        err,
        ApiError::Unsettled {
            not_applied: true,
            ..
        }
    ));
    assert!(f.emu.state().scope("difitest:never").is_none());
    api.create_scope(&new_scope("never")).await.unwrap();

    // Client: a gateway 504 after the server made it -> exactly one client, the result.
    f.emu.faults().inject_method(
        "POST",
        "/api/v1/clients",
        Fault::AfterApplying(Box::new(status_fault(504))),
        1,
    );
    let client = Client::new_maskinporten("lost-job", "d", vec!["difitest:lost".into()]);
    let made = api.create_client(&client).await.unwrap();
    let named: Vec<_> = api
        .clients()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.client_name == "lost-job")
        .collect();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].client_id, made.client_id);
    // A 504 before anything was made: not created, one namesake still.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/clients", status_fault(504), 1);
    let err = api.create_client(&client).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the client 'lost-job' was not created"),
        "{err}"
    );
    assert_eq!(
        api.clients()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.client_name == "lost-job")
            .count(),
        1
    );

    // Keys: the set is compared by kid.
    let id = client_id(&made.client_id);
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/clients/", applied_then_dropped, 1);
    let set = api.replace_jwks(&id, &[rsa_jwk("k1")]).await.unwrap();
    assert_eq!(set.keys.len(), 1);
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/clients/", Fault::DropConnection, 1);
    let err = api
        .replace_jwks(&id, &[rsa_jwk("k1"), rsa_jwk("k2")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("was not replaced"), "{err}");
    assert_eq!(f.emu.state().keys(&made.client_id).len(), 1);
}

#[tokio::test]
async fn malformed_json_names_the_endpoint_and_shows_the_first_bytes() {
    let f = start(Seed::Empty).await;
    f.emu
        .faults()
        .inject("/api/v1/clients", Fault::MalformedJson, 1);
    let err = f.api.clients().await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("GET /clients: unexpected answer"), "{msg}");
    assert!(msg.contains("first bytes: {\"name\": \"truncated"), "{msg}");
    // The next answer is good again.
    f.api.clients().await.unwrap();
}

#[tokio::test]
async fn the_request_timeout_comes_from_the_profile() {
    let f = start(Seed::Empty).await;
    let keys = f
        .emu
        .keys_toml_with("timeout.toml", "emulator", "request_timeout_secs = 1");
    let api = connect(&keys, "emulator");
    f.emu
        .faults()
        .set_latency(std::time::Duration::from_secs(20));
    let started = std::time::Instant::now();
    let err = api.clients().await.unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("no answer in time"), "{err}");
    assert!(err.is_unreachable(), "{err}");
}

#[tokio::test]
async fn a_grant_from_the_future_says_how_far_the_clock_is_off() {
    let f = start(Seed::Empty).await;
    // The server's clock runs 90 s behind ours: our fresh grant is issued in its future.
    f.emu.faults().set_clock_skew(-90);
    let err = f.api.clients().await.unwrap_err().to_string();
    assert!(err.contains("MP-130"), "{err}");
    let off = err
        .split("this computer's clock is ")
        .nth(1)
        .and_then(|rest| rest.split(" s ahead of").next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("no skew in: {err}"));
    assert!((89..=91).contains(&off), "{err}");
    assert!(err.contains("clock"), "{err}");
}

// ---- Keys one at a time (PUT/DELETE /clients/{id}/jwks/{kid}) and the fallback ----

/// A new own client holding keys `kids`, and an engine without a journal.
async fn client_with_keys(f: &Fixture, kids: &[&str]) -> (ClientId, mpadmin::changes::Engine) {
    let made = f
        .api
        .create_client(&Client::new_maskinporten("k", "keys", Vec::new()))
        .await
        .unwrap();
    let id = client_id(&made.client_id);
    let keys: Vec<Jwk> = kids.iter().map(|k| rsa_jwk(k)).collect();
    if !keys.is_empty() {
        f.api.replace_jwks(&id, &keys).await.unwrap();
    }
    (id, mpadmin::changes::Engine::new(f.api.clone(), None))
}

fn add_key(id: &ClientId, kid: &str, replaces: &[&str]) -> mpadmin::changes::Change {
    mpadmin::changes::Change::AddKey {
        client: id.clone(),
        jwk: Box::new(rsa_jwk(kid)),
        replaces: replaces.iter().map(|r| (*r).to_owned()).collect(),
    }
}

async fn kids_of(f: &Fixture, id: &ClientId) -> Vec<String> {
    let mut k: Vec<String> = f
        .api
        .jwks(id)
        .await
        .unwrap()
        .keys
        .into_iter()
        .filter_map(|k| k.kid)
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn adding_a_key_puts_it_alone_and_keeps_a_key_another_admin_added_meanwhile() {
    let f = start(Seed::Demo).await;
    let (id, engine) = client_with_keys(&f, &["a"]).await;
    let set_path = format!("/api/v1/clients/{id}/jwks");
    // Another admin adds "theirs" right after this change read the set: a whole-set upload
    // built from that read would drop it.
    f.emu.faults().edit_after("GET", &set_path, {
        let id = id.to_string();
        move |st| st.jwks.get_mut(&id).unwrap().keys.push(rsa_jwk("theirs"))
    });
    f.emu.reset_path_stats();
    let applied = engine.apply(&add_key(&id, "b", &[])).await.unwrap();
    assert!(
        applied.summary.contains("one key at a time"),
        "{}",
        applied.summary
    );
    assert_eq!(
        f.emu.last_body("POST", &set_path),
        None,
        "no whole-set upload"
    );
    assert_eq!(
        f.emu.last_body("PUT", &format!("{set_path}/b")).unwrap()["kid"],
        "b"
    );
    assert_eq!(kids_of(&f, &id).await, ["a", "b", "theirs"]);
    let stored = f.emu.state().jwks[id.as_str()].keys.clone();
    let b = stored
        .iter()
        .find(|k| k.kid.as_deref() == Some("b"))
        .unwrap();
    assert!(b.created().is_some() && b.last_updated().is_some(), "{b:?}");

    // Removing one key is a DELETE of that key alone.
    let remove = mpadmin::changes::Change::RemoveKey {
        client: id.clone(),
        kid: "a".parse().unwrap(),
    };
    engine.apply(&remove).await.unwrap();
    assert_eq!(f.emu.path_stats(&format!("{set_path}/a")).requests, 1);
    assert_eq!(f.emu.last_body("POST", &set_path), None);
    assert_eq!(kids_of(&f, &id).await, ["b", "theirs"]);
}

#[tokio::test]
async fn a_rotation_on_a_full_set_removes_the_old_key_first_then_puts_the_new_one() {
    let f = start(Seed::Demo).await;
    let (id, engine) = client_with_keys(&f, &["k1", "k2", "k3", "k4", "k5"]).await;
    engine.apply(&add_key(&id, "k6", &["k1"])).await.unwrap();
    assert_eq!(kids_of(&f, &id).await, ["k2", "k3", "k4", "k5", "k6"]);
    let set_path = format!("/api/v1/clients/{id}/jwks");
    assert_eq!(
        f.emu.last_body("POST", &set_path).unwrap()["keys"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "only the setup replaced the set"
    );
}

#[tokio::test]
async fn without_single_key_endpoints_keys_are_added_and_removed_by_replacing_the_set() {
    let f = start(Seed::Demo).await;
    let (id, engine) = client_with_keys(&f, &["a"]).await;
    f.emu.faults().set_no_single_key_endpoints(true);
    let set_path = format!("/api/v1/clients/{id}/jwks");
    f.emu.reset_path_stats();
    let applied = engine.apply(&add_key(&id, "b", &[])).await.unwrap();
    assert!(
        applied.summary.contains("whole set replaced"),
        "{}",
        applied.summary
    );
    assert_eq!(
        f.emu.path_stats(&format!("{set_path}/b")).requests,
        1,
        "tried first"
    );
    assert_eq!(
        f.emu.last_body("POST", &set_path).unwrap()["keys"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(kids_of(&f, &id).await, ["a", "b"]);

    let remove = mpadmin::changes::Change::RemoveKey {
        client: id.clone(),
        kid: "a".parse().unwrap(),
    };
    engine.apply(&remove).await.unwrap();
    assert_eq!(kids_of(&f, &id).await, ["b"]);
}

#[tokio::test]
async fn a_405_for_the_single_key_path_also_falls_back() {
    let f = start(Seed::Demo).await;
    let (id, engine) = client_with_keys(&f, &["a"]).await;
    let set_path = format!("/api/v1/clients/{id}/jwks");
    f.emu.faults().inject_exact(
        "PUT",
        &format!("{set_path}/b"),
        Fault::Status {
            status: 405,
            retry_after: None,
        },
        1,
    );
    engine.apply(&add_key(&id, "b", &[])).await.unwrap();
    assert!(f.emu.last_body("POST", &set_path).is_some());
    assert_eq!(kids_of(&f, &id).await, ["a", "b"]);
}

#[tokio::test]
async fn the_fallback_fails_loudly_naming_a_key_a_concurrent_writer_removed() {
    let f = start(Seed::Demo).await;
    let (id, engine) = client_with_keys(&f, &["a", "b"]).await;
    f.emu.faults().set_no_single_key_endpoints(true);
    let set_path = format!("/api/v1/clients/{id}/jwks");
    // Another admin's own whole-set upload lands right after this one, without "a".
    f.emu.faults().edit_after("POST", &set_path, {
        let id = id.to_string();
        move |st| {
            st.jwks
                .get_mut(&id)
                .unwrap()
                .keys
                .retain(|k| k.kid.as_deref() != Some("a"))
        }
    });
    let err = engine.apply(&add_key(&id, "c", &[])).await.unwrap_err();
    assert!(
        matches!(&err, mpadmin::changes::ChangeError::LostKeys { kids, .. } if kids == &["a"]),
        "{err}"
    );
    assert!(err.to_string().contains("key(s) a missing"), "{err}");
}

#[tokio::test]
async fn a_single_key_404_for_a_missing_client_is_about_the_client() {
    let f = start(Seed::Demo).await;
    let err = f
        .api
        .put_jwk(&client_id("no-such-client"), &rsa_jwk("a"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("/clients/no-such-client"), "{err}");
}

#[tokio::test]
async fn the_single_key_endpoints_check_keys_and_scopes_as_the_set_does() {
    let f = start(Seed::Demo).await;
    let (id, _) = client_with_keys(&f, &["k1", "k2", "k3", "k4", "k5"]).await;
    let http = reqwest::Client::new();
    let url = |kid: &str| format!("{}/clients/{id}/jwks/{kid}", f.emu.api_base());
    let write = common::admin_token(&f.emu, common::ALL_ADMIN).await;
    let put = async |token: &str, kid: &str, body: serde_json::Value| {
        let r = http
            .put(url(kid))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let sixth = serde_json::to_value(rsa_jwk("k6")).unwrap();
    let (s, body) = put(&write, "k6", sixth.clone()).await;
    assert_eq!(s, 400, "a sixth key: {body}");
    assert!(body.contains("at most 5"), "{body}");
    let mut private = serde_json::to_value(rsa_jwk("k1")).unwrap();
    private["d"] = "secret".into();
    let (s, body) = put(&write, "k1", private).await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("private key material"), "{body}");
    let (s, body) = put(
        &write,
        "other",
        serde_json::to_value(rsa_jwk("k1")).unwrap(),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("differs"), "{body}");
    let read_only = common::admin_token(&f.emu, "idporten:dcr.read").await;
    let (s, _) = put(
        &read_only,
        "k1",
        serde_json::to_value(rsa_jwk("k1")).unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    let modify = common::admin_token(&f.emu, "idporten:dcr.modify").await;
    let (s, body) = put(&modify, "k1", serde_json::to_value(rsa_jwk("k1")).unwrap()).await;
    assert_eq!(s, 200, "replacing k1 with dcr.modify: {body}");
    let r = http
        .get(url("k1"))
        .bearer_auth(&write)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = http
        .delete(url("k9"))
        .bearer_auth(&write)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
