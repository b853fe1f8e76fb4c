//! The emulator is as strict as Maskinporten: every grant rule, every admin API status path,
//! the JWKS rules and persistence, over real HTTP on 127.0.0.1.

mod common;

use common::{ALL_ADMIN, Grant, TestEmulator, admin_token, emulator, emulator_with, post_grant};
use mpadmin::api::models::{Client, Scope};
use mpadmin::emulator::{
    ADMIN_CLIENT_ID, ADMIN_KID, ADMIN_KID_CLIENT_ID, Emulator, OTHER_ADMIN_CLIENT_ID, OTHER_ORGNO,
    OWN_ORGNO, Seed,
};
use reqwest::Method;
use serde_json::{Value, json};

/// Admin API calls with a bearer token (or none).
struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    async fn new(emu: &TestEmulator, scopes: &str) -> Api {
        Api {
            http: emu.http().clone(),
            base: emu.api_base().to_string(),
            token: Some(admin_token(emu, scopes).await),
        }
    }

    fn anonymous(emu: &TestEmulator) -> Api {
        Api {
            http: emu.http().clone(),
            base: emu.api_base().to_string(),
            token: None,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("API answers");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        (status, value)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }
}

async fn get(emu: &TestEmulator, url: String) -> reqwest::Result<reqwest::Response> {
    emu.http().get(url).send().await
}

fn mp_code(body: &Value) -> &str {
    body["error_uri"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("")
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn valid_certificate_grant_gets_a_token_for_the_organisation() {
    let emu = emulator().await;
    assert_eq!(emu.token_requests(), 0);
    let (status, body) = post_grant(&emu, &Grant::admin(&emu, ALL_ADMIN).sign()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], ALL_ADMIN);
    assert!(body["expires_in"].as_u64().unwrap() > 60);
    assert_eq!(emu.token_requests(), 1);

    // The access token is a JWT signed by the key published on /jwk.
    let token = body["access_token"].as_str().unwrap();
    let jwks: Value = get(&emu, format!("{}jwk", emu.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    let jwk = josekit::jwk::Jwk::from_bytes(serde_json::to_vec(key).unwrap()).unwrap();
    let verifier = josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap();
    let (claims, header) = josekit::jwt::decode_with_verifier(token, &verifier).unwrap();
    assert_eq!(header.key_id(), key["kid"].as_str());
    let claims = claims.claims_set();
    assert_eq!(claims["iss"], emu.issuer());
    assert_eq!(claims["client_id"], ADMIN_CLIENT_ID);
    assert_eq!(claims["client_amr"], "virksomhetssertifikat");
    assert_eq!(
        claims["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{OWN_ORGNO}")})
    );
}

#[tokio::test]
async fn discovery_document_names_the_endpoints() {
    let emu = emulator_with(Seed::Empty).await;
    let doc: Value = get(
        &emu,
        format!("{}.well-known/oauth-authorization-server", emu.issuer()),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["issuer"], emu.issuer());
    assert!(emu.issuer().ends_with('/'));
    assert_eq!(doc["token_endpoint"], emu.token_endpoint().as_str());
    assert_eq!(doc["jwks_uri"], format!("{}jwk", emu.issuer()));
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "RS384", "RS512"])
    );
    assert!(emu.api_base().as_str().ends_with("/api/v1"));
}

#[tokio::test]
async fn files_and_profiles_are_written() {
    let emu = emulator().await;
    for f in [
        "ca.pem",
        "business.key.pem",
        "business.cert.pem",
        "business.p12",
        "business-legacy.p12",
        "p12-password.txt",
        "other-org.key.pem",
        "other-org.cert.pem",
        "admin-own.key.pem",
        "keys.toml",
    ] {
        assert!(emu.dir().join(f).is_file(), "{f} missing");
    }
    let keys: toml::Value =
        toml::from_str(&std::fs::read_to_string(emu.keys_toml()).unwrap()).unwrap();
    assert_eq!(keys["default_profile"].as_str(), Some("emulator"));
    let p = &keys["profiles"]["emulator"];
    assert_eq!(p["issuer"].as_str(), Some(emu.issuer().as_str()));
    assert_eq!(
        p["token_endpoint"].as_str(),
        Some(emu.token_endpoint().as_str())
    );
    assert_eq!(p["api_base"].as_str(), Some(emu.api_base().as_str()));
    assert_eq!(p["client_id"].as_str(), Some(ADMIN_CLIENT_ID));
    assert_eq!(
        keys["profiles"]["emulator-kid"]["kid"].as_str(),
        Some(ADMIN_KID)
    );
    assert_eq!(
        keys["profiles"]["emulator-p12"]["pkcs12_password_env"].as_str(),
        Some("MPADMIN_EMULATOR_P12_PASSWORD")
    );

    // Both PKCS#12 files open with the password and hold the business certificate.
    let password = emu.p12_password().unwrap();
    let cert =
        openssl::x509::X509::from_pem(&std::fs::read(emu.dir().join("business.cert.pem")).unwrap())
            .unwrap();
    let _legacy = openssl::provider::Provider::try_load(None, "legacy", true).unwrap();
    for f in ["business.p12", "business-legacy.p12"] {
        let p12 =
            openssl::pkcs12::Pkcs12::from_der(&std::fs::read(emu.dir().join(f)).unwrap()).unwrap();
        let parsed = p12.parse2(&password).unwrap();
        assert_eq!(
            parsed.cert.unwrap().to_der().unwrap(),
            cert.to_der().unwrap(),
            "{f}"
        );
        assert!(parsed.pkey.is_some(), "{f}");
        assert!(p12.parse2("wrong password").is_err());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(emu.dir().join("business.key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private key readable by others");
    }
}

#[tokio::test]
async fn kid_signed_grant_gets_a_token() {
    let emu = emulator_with(Seed::Empty).await;
    let g = Grant::kid(
        &emu,
        ADMIN_KID_CLIENT_ID,
        "idporten:dcr.read",
        "admin-own.key.pem",
        ADMIN_KID,
    );
    let (status, body) = post_grant(&emu, &g.sign()).await;
    assert_eq!(status, 200, "{body}");
    let api = Api {
        http: emu.http().clone(),
        base: emu.api_base().to_string(),
        token: body["access_token"].as_str().map(str::to_owned),
    };
    let (status, clients) = api.get("/clients").await;
    assert_eq!(status, 200);
    assert!(
        clients
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["client_id"] == ADMIN_KID_CLIENT_ID)
    );

    // A year later the key has expired: MP-121.
    emu.edit_state(|st| {
        for k in st
            .jwks
            .get_mut(ADMIN_KID_CLIENT_ID)
            .unwrap()
            .keys
            .iter_mut()
        {
            k.exp = Some(chrono::Utc::now().timestamp() - 1);
        }
    })
    .unwrap();
    let g = Grant::kid(
        &emu,
        ADMIN_KID_CLIENT_ID,
        "idporten:dcr.read",
        "admin-own.key.pem",
        ADMIN_KID,
    );
    let (status, body) = post_grant(&emu, &g.sign()).await;
    assert_eq!((status, mp_code(&body)), (400, "MP-121"), "{body}");
}

#[tokio::test]
async fn read_endpoints_answer_for_the_demo_organisation() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;

    let (s, own) = api.get("/scopes").await;
    assert_eq!(s, 200);
    let own_names = names(&own);
    assert!(own_names.contains(&"difitest:eksempel/v1/dokumenter.read"));
    assert!(
        own_names.contains(&"difitest:intern"),
        "PRIVATE own scopes are listed to the owner"
    );
    assert!(
        !own_names.contains(&"difitest:gammel"),
        "inactive hidden by default"
    );
    assert!(!own_names.iter().any(|n| n.starts_with("etaten:")));
    let (_, with_inactive) = api.get("/scopes?inactive=true").await;
    assert!(names(&with_inactive).contains(&"difitest:gammel"));
    let (_, one) = api
        .get("/scopes?scope=difitest%3Aeksempel%2Fv1%2Fdokumenter.read&inactive=true")
        .await;
    assert_eq!(names(&one), ["difitest:eksempel/v1/dokumenter.read"]);

    let (s, public) = Api::anonymous(&emu).get("/scopes/all").await;
    assert_eq!(s, 200, "open endpoint");
    let public_names = names(&public);
    assert!(public_names.contains(&"etaten:register.read"));
    assert!(public_names.contains(&"difitest:api3"));
    assert!(
        !public_names.contains(&"difitest:intern"),
        "PRIVATE is not public"
    );
    assert!(!public_names.contains(&"skatteetaten:inntekt"));
    let (_, for_all) = Api::anonymous(&emu)
        .get("/scopes/all?accessible_for_all=true")
        .await;
    assert!(
        for_all
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["accessible_for_all"] == true)
    );
    assert!(names(&for_all).contains(&"ks:fiks"));

    let (s, sources) = Api::anonymous(&emu).get("/delegationsources").await;
    assert_eq!(s, 200);
    assert_eq!(sources[0]["issuer"], "https://tt02.altinn.no/");

    let (s, prefixes) = api.get("/prefix").await;
    assert_eq!(s, 200);
    let mut p: Vec<&str> = prefixes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["prefix"].as_str().unwrap())
        .collect();
    p.sort();
    assert_eq!(p, ["demo", "difitest"]);

    let (s, acl) = api.get("/scopes/access?scope=difitest%3Aapi3").await;
    assert_eq!(s, 200);
    let acl = acl.as_array().unwrap();
    assert!(acl.len() >= 7);
    assert!(
        acl.iter().any(|a| a["state"] == "DENIED"),
        "revoked rows are listed"
    );
    assert!(
        acl.iter()
            .all(|a| a["scope"] == "difitest:api3" && a["owner_orgno"] == OWN_ORGNO)
    );

    let (s, by_consumer) = api
        .get(&format!("/scopes/access?consumer_orgno={OTHER_ORGNO}"))
        .await;
    assert_eq!(s, 200);
    let scopes: Vec<&str> = by_consumer
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["scope"].as_str().unwrap())
        .collect();
    assert!(
        scopes.contains(&"difitest:api3") && scopes.contains(&"demo:rapport"),
        "{scopes:?}"
    );

    let (s, to_us) = api.get("/scopes/access/all").await;
    assert_eq!(s, 200);
    let to_us: Vec<&str> = to_us
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["scope"].as_str().unwrap())
        .collect();
    assert!(to_us.contains(&"etaten:register.read"));
    assert!(
        !to_us.contains(&"brreg:enhetsregisteret/roller.read"),
        "DENIED is not granted"
    );

    let (s, clients) = api.get("/clients").await;
    assert_eq!(s, 200);
    let clients = clients.as_array().unwrap();
    // Maskinporten clients and one ID-porten client with on-behalf-of registrations.
    let maskinporten = clients
        .iter()
        .filter(|c| c["integration_type"] == "maskinporten")
        .count();
    assert_eq!(maskinporten + 1, clients.len());
    assert!(clients.iter().any(|c| c["integration_type"] == "idporten"));
    assert!(clients.len() >= 6);
    assert!(clients.iter().all(|c| c["client_orgno"] == OWN_ORGNO));
    let id = clients
        .iter()
        .find(|c| c["client_name"] == "saksbehandling")
        .unwrap()["client_id"]
        .as_str()
        .unwrap();
    let (s, one) = api.get(&format!("/clients/{id}")).await;
    assert_eq!(
        (s, one["client_name"].as_str()),
        (200, Some("saksbehandling"))
    );
    let (s, jwks) = api.get(&format!("/clients/{id}/jwks")).await;
    assert_eq!(s, 200);
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
    let (s, obo) = api.get(&format!("/clients/{id}/onbehalfof")).await;
    assert_eq!((s, obo), (200, json!([])));

    // One key of the demo expires within 30 days.
    let soon = emu
        .state()
        .jwks
        .values()
        .flat_map(|j| &j.keys)
        .filter(|k| k.exp.unwrap() < chrono::Utc::now().timestamp() + 30 * 86_400)
        .count();
    assert!(soon >= 1);
    assert!(emu.state().all_grants().count() >= 40);
    let _ = OTHER_ADMIN_CLIENT_ID;
}

/// A self-signed certificate for org 991825827 (x5c entry) that does not chain to the
/// emulator's CA, on an existing key (key generation is slow).
fn foreign_certificate(key_pem: &[u8]) -> String {
    use openssl::{asn1::Asn1Time, hash::MessageDigest, nid::Nid, pkey::PKey, x509};
    let key = PKey::private_key_from_pem(key_pem).unwrap();
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "FOREIGN")
        .unwrap();
    name.append_entry_by_nid(Nid::SERIALNUMBER, OWN_ORGNO)
        .unwrap();
    let name = name.build();
    let mut b = x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let der = b.build().to_der().unwrap();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(der)
}

#[tokio::test]
async fn every_grant_rule_is_enforced_with_its_mp_code() {
    let emu = emulator().await;
    let now = chrono::Utc::now().timestamp();
    let ok = || Grant::admin(&emu, "idporten:dcr.read");
    let other_key = std::fs::read(emu.dir().join("other-org.key.pem")).unwrap();
    let foreign_x5c = foreign_certificate(&other_key);

    type Case = (&'static str, Grant, u16, &'static str, &'static str);
    let mut cases: Vec<Case> = Vec::new();
    let mut g = ok();
    g.claims
        .insert("aud".into(), json!(emu.token_endpoint().as_str()));
    cases.push(("aud = token endpoint", g, 400, "MP-110", "aud"));
    let mut g = ok();
    g.claims
        .insert("aud".into(), json!(emu.issuer().trim_end_matches('/')));
    cases.push(("aud without trailing slash", g, 400, "MP-110", "aud"));
    let mut g = ok();
    g.claims.insert("aud".into(), json!([emu.issuer()]));
    cases.push(("aud as array", g, 400, "MP-110", "aud"));
    let mut g = ok();
    g.claims.insert("iss".into(), json!("no-such-client"));
    cases.push(("unknown client", g, 400, "MP-100", "Client not found"));
    let mut g = ok();
    g.header.insert("x5c".into(), json!([foreign_x5c]));
    g.key_pem = other_key.clone();
    cases.push((
        "certificate of another CA",
        g,
        400,
        "MP-120",
        "invalid certificate",
    ));
    let mut g = Grant::x5c(
        &emu,
        ADMIN_CLIENT_ID,
        "idporten:dcr.read",
        "other-org.key.pem",
        "other-org.cert.pem",
    );
    g.key_pem = other_key.clone();
    cases.push((
        "certificate of another organisation",
        g,
        400,
        "MP-122",
        "Does not match certificate orgno",
    ));
    let mut g = ok();
    let x5c = g.header["x5c"][0].clone();
    g.header.insert("x5c".into(), x5c);
    cases.push(("x5c as a string", g, 400, "MP-123", "x5c"));
    let mut g = ok();
    g.header.insert("x5c".into(), json!([42]));
    cases.push(("x5c entry not a string", g, 400, "MP-123", "x5c"));
    let mut g = ok();
    g.key_pem = other_key;
    cases.push(("signed with the wrong key", g, 400, "MP-124", "signature"));
    let mut g = ok();
    g.claims.insert("exp".into(), json!(now + 300));
    cases.push(("exp - iat over 120 s", g, 400, "MP-130", "120"));
    let mut g = ok();
    g.claims.insert("iat".into(), json!(now - 200));
    g.claims.insert("exp".into(), json!(now - 80));
    cases.push(("expired grant", g, 400, "MP-130", "expired"));
    let mut g = ok();
    g.claims.insert("iat".into(), json!(now + 60));
    g.claims.insert("exp".into(), json!(now + 120));
    cases.push((
        "iat in the future",
        g,
        400,
        "MP-130",
        "Issue time is after now",
    ));
    let mut g = ok();
    g.header.insert("kid".into(), json!(ADMIN_KID));
    cases.push(("both kid and x5c", g, 400, "MP-011", "exactly one"));
    let mut g = ok();
    g.header.insert("alg".into(), json!("HS256"));
    cases.push(("HMAC alg", g, 400, "MP-011", "alg"));
    let mut g = ok();
    g.claims.insert("favourite_colour".into(), json!("blue"));
    cases.push(("unknown claim", g, 400, "MP-011", "Unknown claim"));
    let g = Grant::admin(&emu, "idporten:dcr.read difitest:api3");
    cases.push(("scope not on the client", g, 400, "MP-200", "difitest:api3"));
    let g = Grant::kid(
        &emu,
        ADMIN_KID_CLIENT_ID,
        "idporten:dcr.read",
        "admin-own.key.pem",
        "no-such-kid",
    );
    cases.push((
        "unknown kid",
        g,
        400,
        "",
        "Unknown key identifier (kid) for client",
    ));
    let g = Grant::x5c(
        &emu,
        ADMIN_KID_CLIENT_ID,
        "idporten:dcr.read",
        "business.key.pem",
        "business.cert.pem",
    );
    cases.push((
        "x5c for a client with keys",
        g,
        400,
        "",
        "requires pre-registered jwk",
    ));

    for (what, grant, status, code, text) in cases {
        let (s, body) = post_grant(&emu, &grant.sign()).await;
        assert_eq!(s, status, "{what}: {body}");
        assert_eq!(mp_code(&body), code, "{what}: {body}");
        let desc = body["error_description"].as_str().unwrap();
        assert!(desc.contains(text), "{what}: {desc}");
        assert!(desc.contains("(trace_id: "), "{what}: {desc}");
        if !code.is_empty() {
            assert_eq!(
                body["error_uri"],
                format!("{}errors/{code}", emu.issuer()),
                "{what}"
            );
        }
    }

    // The clock-skew message says how far off the clock is.
    let mut g = ok();
    let now = chrono::Utc::now().timestamp();
    g.claims.insert("iat".into(), json!(now + 45));
    g.claims.insert("exp".into(), json!(now + 100));
    let (_, body) = post_grant(&emu, &g.sign()).await;
    let desc = body["error_description"].as_str().unwrap();
    let ahead: i64 = desc
        .split("iat is ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no offset in {desc}"));
    assert!((43..=45).contains(&ahead), "{desc}");

    // A grant is single-use.
    let grant = ok().sign();
    assert_eq!(post_grant(&emu, &grant).await.0, 200);
    let (s, body) = post_grant(&emu, &grant).await;
    assert_eq!((s, mp_code(&body)), (400, "MP-012"), "{body}");

    // Malformed requests.
    let http = emu.http().clone();
    let resp = http
        .post(emu.token_endpoint())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let (s, body) = post_grant(&emu, "not.a.jwt").await;
    assert_eq!((s, mp_code(&body)), (400, "MP-011"), "{body}");
}

/// `v` without the members `fields`, as a request built from a GET answer must send it.
fn without(v: &Value, fields: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(map) = v.as_object_mut() {
        map.retain(|k, _| !fields.contains(&k.as_str()));
    }
    v
}

fn field_errors(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["fieldIdentifier"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The §4.8 error body: status, timestamp, 32-hex correlation id, errors, description.
fn assert_error_body(body: &Value, status: u16) {
    assert_eq!(body["status"], status, "{body}");
    let corr = body["correlation_id"].as_str().unwrap();
    assert!(
        corr.len() == 32 && corr.chars().all(|c| c.is_ascii_hexdigit()),
        "{corr}"
    );
    let ts = body["timestamp"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%.3f%:z").is_ok(),
        "{ts}"
    );
    assert!(!body["error_description"].as_str().unwrap().is_empty());
    assert!(!body["errors"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn admin_api_refuses_missing_tokens_and_scopes() {
    let emu = emulator().await;
    let resp = get(&emu, format!("{}/scopes", emu.api_base()))
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let (s, body) = Api::anonymous(&emu).get("/scopes").await;
    assert_eq!(s, 401);
    assert_error_body(&body, 401);
    let garbage = Api {
        token: Some("eyJhbGciOiJub25lIn0.e30.".into()),
        ..Api::anonymous(&emu)
    };
    assert_eq!(garbage.get("/clients").await.0, 401);

    // A token of another emulator (another issuer) is not accepted.
    let other = emulator_with(Seed::Empty).await;
    let foreign = Api {
        token: Some(admin_token(&other, "idporten:dcr.read").await),
        ..Api::anonymous(&emu)
    };
    assert_eq!(foreign.get("/clients").await.0, 401);

    let reader = Api::new(&emu, "idporten:dcr.read").await;
    let (s, body) = reader
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "x", "description": "d"})),
        )
        .await;
    assert_eq!(s, 403);
    assert_error_body(&body, 403);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("idporten:scopes.write"),
        "{body}"
    );
    assert_eq!(
        reader.get("/scopes").await.0,
        403,
        "scope reads need a scopes scope"
    );
    assert_eq!(reader.get("/clients").await.0, 200);
    assert_eq!(
        reader
            .call(Method::POST, "/clients", Some(json!({})))
            .await
            .0,
        403
    );
    let scope_reader = Api::new(&emu, "idporten:scopes.read").await;
    assert_eq!(scope_reader.get("/scopes").await.0, 200);
    assert_eq!(scope_reader.get("/clients").await.0, 403);
    assert_eq!(scope_reader.get("/scopes/access/all").await.0, 403);
    assert_eq!(
        scope_reader
            .call(Method::DELETE, "/scopes?scope=difitest%3Aapi3", None)
            .await
            .0,
        403
    );

    let api = Api::new(&emu, ALL_ADMIN).await;
    let (s, body) = api.get("/clients/no-such-client").await;
    assert_eq!(s, 404);
    assert_error_body(&body, 404);
    assert_eq!(api.get("/no/such/endpoint").await.0, 404);
}

#[tokio::test]
async fn scope_lifecycle_follows_digdir_rules() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let create = json!({
        "prefix": "difitest", "subscope": "ny/tjeneste.read", "description": "A new scope",
        "allowed_integration_types": ["maskinporten"], "future_field": {"kept": true}
    });
    let (s, scope) = api
        .call(Method::POST, "/scopes", Some(create.clone()))
        .await;
    assert_eq!(s, 200, "{scope}");
    assert_eq!(scope["name"], "difitest:ny/tjeneste.read");
    assert_eq!(scope["owner_orgno"], OWN_ORGNO);
    assert_eq!(scope["active"], true);
    assert_eq!(
        scope["future_field"],
        json!({"kept": true}),
        "unknown fields are stored and echoed"
    );
    assert!(scope["created"].is_string());

    let (s, body) = api
        .call(Method::POST, "/scopes", Some(create.clone()))
        .await;
    assert_eq!(s, 409, "{body}");
    assert_error_body(&body, 409);

    let q = "/scopes?scope=difitest%3Any%2Ftjeneste.read";
    let (s, gone) = api.call(Method::DELETE, q, None).await;
    assert_eq!((s, gone["active"].clone()), (200, json!(false)));
    assert!(!names(&api.get("/scopes").await.1).contains(&"difitest:ny/tjeneste.read"));
    let (s, _) = api.call(Method::POST, "/scopes", Some(create)).await;
    assert_eq!(s, 409, "re-POST of a deactivated scope does not reactivate");
    assert!(
        !emu.state()
            .scope("difitest:ny/tjeneste.read")
            .unwrap()
            .active
    );

    let mut put = gone.clone();
    put["active"] = json!(true);
    put["description"] = json!("Changed");
    // The GET answer as is carries what the server owns: refused, each member named.
    let (s, body) = api.call(Method::PUT, q, Some(put.clone())).await;
    assert_eq!(
        (s, field_errors(&body)),
        (
            400,
            Scope::SERVER_OWNED.iter().map(|f| f.to_string()).collect()
        ),
        "{body}"
    );
    let put = without(&put, Scope::SERVER_OWNED);
    let (s, back) = api.call(Method::PUT, q, Some(put.clone())).await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(
        (back["active"].clone(), back["description"].clone()),
        (json!(true), json!("Changed"))
    );
    assert_eq!(back["future_field"], json!({"kept": true}));

    let mut renamed = put.clone();
    renamed["subscope"] = json!("annet");
    let (s, body) = api.call(Method::PUT, q, Some(renamed)).await;
    assert_eq!(s, 400);
    assert_eq!(field_errors(&body), ["subscope"]);

    // Asked for inactive, created inactive (Digdir's default is active).
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "hvilende", "description": "d", "active": false})),
        )
        .await;
    assert_eq!((s, body["active"].clone()), (200, json!(false)), "{body}");
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "eid", "description": "d", "owner_orgno": OTHER_ORGNO})),
        )
        .await;
    assert_eq!(
        (s, field_errors(&body)),
        (400, vec!["owner_orgno".to_owned()])
    );
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "Bad_Name", "description": "d"})),
        )
        .await;
    assert_eq!(s, 400);
    assert_error_body(&body, 400);
    assert_eq!(field_errors(&body), ["subscope"]);
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "ok", "description": "d", "at_max_age": "lang"})),
        )
        .await;
    assert_eq!(
        (s, field_errors(&body)),
        (400, vec!["at_max_age".to_owned()]),
        "{body}"
    );
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "ok"})),
        )
        .await;
    assert_eq!(
        (s, field_errors(&body)),
        (400, vec!["description".to_owned()])
    );
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "etaten", "subscope": "mine", "description": "d"})),
        )
        .await;
    assert_eq!(s, 403, "prefix of another organisation: {body}");
    let (s, _) = api
        .call(
            Method::PUT,
            "/scopes?scope=etaten%3Aregister.read",
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(s, 403, "another organisation's scope");
    let (s, _) = api
        .call(Method::DELETE, "/scopes?scope=difitest%3Afinnes.ikke", None)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn grants_are_revoked_to_denied_and_reapproved() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let consumer = "974760673";
    let path =
        format!("/scopes/access/{consumer}?scope=difitest%3Aeksempel%2Fv1%2Fdokumenter.write");
    let (s, row) = api.call(Method::PUT, &path, None).await;
    assert_eq!(s, 200, "{row}");
    assert_eq!(row["state"], "APPROVED");
    assert_eq!(row["consumer_orgno"], consumer);
    let (s, row) = api.call(Method::DELETE, &path, None).await;
    assert_eq!((s, row["state"].as_str()), (200, Some("DENIED")));
    let state = emu.state();
    let kept = state
        .grant("difitest:eksempel/v1/dokumenter.write", consumer)
        .unwrap();
    assert_eq!(
        kept.state,
        mpadmin::api::models::AccessState::Denied,
        "the row stays"
    );
    let (s, row) = api.call(Method::PUT, &path, None).await;
    assert_eq!((s, row["state"].as_str()), (200, Some("APPROVED")));

    let (s, body) = api
        .call(
            Method::PUT,
            "/scopes/access/974760674?scope=difitest%3Aapi3",
            None,
        )
        .await;
    assert_eq!(s, 400, "MOD11 fails: {body}");
    assert_eq!(field_errors(&body), ["consumer_orgno"]);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("MOD11")
    );
    let (s, _) = api
        .call(
            Method::PUT,
            "/scopes/access/974760673?scope=etaten%3Aregister.read",
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = api
        .call(
            Method::DELETE,
            "/scopes/access/983887457?scope=difitest%3Astatistikk",
            None,
        )
        .await;
    assert_eq!(s, 404, "no such grant");
    let (s, _) = api
        .call(Method::PUT, "/scopes/access/974760673", None)
        .await;
    assert_eq!(s, 400, "scope is required");
}

async fn client_id_named(api: &Api, name: &str) -> String {
    let (_, list) = api.get("/clients").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_name"] == name)
        .unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn client_lifecycle_and_validation() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let body = json!({
        "client_name": "ny-klient", "description": "Fetches registers",
        "integration_type": "maskinporten", "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
        "scopes": ["etaten:register.read", "ks:fiks", "difitest:api3"],
        "x_custom": 7
    });
    let (s, created) = api.call(Method::POST, "/clients", Some(body.clone())).await;
    assert_eq!(s, 200, "{created}");
    let id = created["client_id"].as_str().unwrap().to_owned();
    assert_eq!(created["client_orgno"], OWN_ORGNO);
    assert_eq!(created["x_custom"], 7);

    for (scopes, why) in [
        (json!(["skatteetaten:finnes.ikke"]), "does not exist"),
        (
            json!(["brreg:enhetsregisteret/roller.read"]),
            "DENIED grant",
        ),
        (json!(["etaten:register.write"]), "REQUESTED only"),
        (json!(["difitest:gammel"]), "inactive"),
        (json!(["idporten:dcr.write"]), "admin scope"),
    ] {
        let mut b = body.clone();
        b["scopes"] = scopes;
        let (s, err) = api.call(Method::POST, "/clients", Some(b)).await;
        assert_eq!(s, 400, "{why}: {err}");
        assert_eq!(field_errors(&err), ["scopes"], "{why}");
    }
    // Asked for inactive, created inactive: never synchronised, so no tokens and not listed.
    let mut b = body.clone();
    b["client_name"] = json!("hvilende");
    b["active"] = json!(false);
    let (s, dormant) = api.call(Method::POST, "/clients", Some(b)).await;
    assert_eq!(
        (s, dormant["active"].clone()),
        (200, json!(false)),
        "{dormant}"
    );
    assert!(
        !emu.state()
            .client(dormant["client_id"].as_str().unwrap())
            .unwrap()
            .active
    );
    let mut b = body.clone();
    b["token_endpoint_auth_method"] = json!("client_secret_basic");
    assert_eq!(api.call(Method::POST, "/clients", Some(b)).await.0, 400);
    let mut b = body.clone();
    b["client_orgno"] = json!(OTHER_ORGNO);
    assert_eq!(api.call(Method::POST, "/clients", Some(b)).await.0, 403);

    // Members of a "ClientResponse" the update type lacks are refused by name.
    let mut upd = created.clone();
    upd["client_secret"] = json!("echoed");
    upd["onbehalfof"] = json!([]);
    let (s, err) = api
        .call(Method::PUT, &format!("/clients/{id}"), Some(upd))
        .await;
    assert_eq!(
        (s, field_errors(&err)),
        (
            400,
            ["created", "last_updated", "onbehalfof", "client_secret"]
                .map(String::from)
                .to_vec()
        ),
        "{err}"
    );
    let created_at = created["created"].clone();
    let created = without(&created, Client::SERVER_OWNED);
    let mut upd = created.clone();
    upd["integration_type"] = json!("idporten");
    let (s, err) = api
        .call(Method::PUT, &format!("/clients/{id}"), Some(upd))
        .await;
    assert_eq!(
        (s, field_errors(&err)),
        (400, vec!["integration_type".to_owned()])
    );
    let mut upd = created.clone();
    upd["client_name"] = json!("omdøpt");
    upd["scopes"] = json!(["ks:fiks"]);
    let (s, updated) = api
        .call(Method::PUT, &format!("/clients/{id}"), Some(upd))
        .await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(
        (updated["client_name"].as_str(), updated["scopes"].clone()),
        (Some("omdøpt"), json!(["ks:fiks"]))
    );
    assert_eq!(updated["created"], created_at);

    // An admin client keeps the scopes Digdir gave it when it is edited.
    let (_, admin) = api.get(&format!("/clients/{ADMIN_CLIENT_ID}")).await;
    let mut admin_upd = without(&admin, Client::SERVER_OWNED);
    admin_upd["description"] = json!("Edited by us");
    let (s, body) = api
        .call(
            Method::PUT,
            &format!("/clients/{ADMIN_CLIENT_ID}"),
            Some(admin_upd),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["scopes"], admin["scopes"]);

    // Another organisation sees none of it.
    let other = Api {
        token: Some({
            let g = Grant::x5c(
                &emu,
                OTHER_ADMIN_CLIENT_ID,
                ALL_ADMIN,
                "other-org.key.pem",
                "other-org.cert.pem",
            );
            let (s, b) = post_grant(&emu, &g.sign()).await;
            assert_eq!(s, 200, "{b}");
            b["access_token"].as_str().unwrap().to_owned()
        }),
        ..Api::anonymous(&emu)
    };
    assert_eq!(other.get(&format!("/clients/{id}")).await.0, 403);
    assert!(
        !other
            .get("/clients")
            .await
            .1
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["client_id"] == id.as_str())
    );
    assert_eq!(
        other
            .call(Method::DELETE, &format!("/clients/{id}"), None)
            .await
            .0,
        403
    );

    let (s, _) = api
        .call(Method::DELETE, &format!("/clients/{id}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(api.get(&format!("/clients/{id}")).await.0, 404);
    assert!(
        !emu.state().client(&id).unwrap().active,
        "deactivated, not purged"
    );
}

/// A fresh key (only for sizes that generate fast; 2048-bit keys come from the emulator dir).
fn rsa_jwk(bits: u32, kid: &str) -> Value {
    jwk_of(&openssl::rsa::Rsa::generate(bits).unwrap(), kid)
}

/// The public JWK of an RSA key, as an upload body carries it.
fn jwk_of<T: openssl::pkey::HasPublic>(rsa: &openssl::rsa::RsaRef<T>, kid: &str) -> Value {
    use base64::Engine;
    let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": b64(rsa.n().to_vec()), "e": b64(rsa.e().to_vec())})
}

#[tokio::test]
async fn jwks_rules() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let id = client_id_named(&api, "uten-nokler").await;
    let path = format!("/clients/{id}/jwks");
    assert_eq!(
        api.get(&path).await,
        (200, json!({})),
        "no keys: empty object"
    );

    let template = public_jwk_of(&emu, "business.key.pem", "k");
    let key = |kid: &str| {
        let mut k = template.clone();
        k["kid"] = json!(kid);
        k
    };
    let now = chrono::Utc::now().timestamp();
    let mut short = key("kort");
    short["exp"] = json!(now + 10 * 86_400);
    let mut long = key("lang");
    long["exp"] = json!(now + 3 * 365 * 86_400);
    let (s, set) = api
        .call(Method::POST, &path, Some(json!({"keys": [short, long]})))
        .await;
    assert_eq!(s, 200, "{set}");
    let exp = |set: &Value, kid: &str| {
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap()["exp"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(exp(&set, "kort"), now + 10 * 86_400);
    let cap = exp(&set, "lang") - now;
    assert!(
        (365 * 86_400 - 5..=365 * 86_400 + 5).contains(&cap),
        "capped at a year: {cap}"
    );

    // Re-posting keeps the expiry of known keys; POST replaces the set.
    let mut renewed = key("kort");
    renewed["exp"] = json!(now + 300 * 86_400);
    let (s, set2) = api
        .call(
            Method::PUT,
            &path,
            Some(json!({"keys": [renewed, key("ny")]})),
        )
        .await;
    assert_eq!(s, 200, "{set2}");
    assert_eq!(
        exp(&set2, "kort"),
        now + 10 * 86_400,
        "existing key keeps its exp"
    );
    assert_eq!(
        set2["keys"].as_array().unwrap().len(),
        2,
        "lang is gone: the set was replaced"
    );

    let six: Vec<Value> = (0..6).map(|i| key(&format!("k{i}"))).collect();
    let bad_cases = [
        (json!({"keys": []}), "keys", "empty set"),
        (json!({"keys": six}), "keys", "six keys"),
        (
            json!({"keys": [rsa_jwk(1024, "small")]}),
            "keys[0].n",
            "1024-bit",
        ),
        (
            json!({"keys": [{"kty": "EC", "use": "sig", "kid": "ec", "crv": "P-256"}]}),
            "keys[0].kty",
            "EC key",
        ),
        (
            json!({"keys": [key("a"), key("a")]}),
            "keys[1].kid",
            "duplicate kid",
        ),
        (
            json!({"keys": [{"kty": "RSA", "kid": "x", "n": template["n"], "e": "AQAB"}]}),
            "keys[0].use",
            "no use",
        ),
        (
            json!({"keys": [{"kty": "RSA", "use": "sig", "n": template["n"], "e": "AQAB"}]}),
            "keys[0].kid",
            "no kid",
        ),
        (
            json!({"keys": [{"kty": "RSA", "use": "sig", "kid": "p", "n": template["n"], "e": "AQAB", "d": "c2VjcmV0"}]}),
            "keys[0].d",
            "private member",
        ),
        (
            json!({"keys": [{"kty": "RSA", "use": "sig", "kid": "bad kid", "n": template["n"], "e": "AQAB"}]}),
            "keys[0].kid",
            "kid characters",
        ),
        (
            json!({"keys": [key("a"), {"kty": "RSA", "use": "sig", "alg": "RS384", "kid": "rs384", "n": template["n"], "e": "AQAB"}]}),
            "keys[1].alg",
            "RS384: the admin API's JsonWebKey takes RS256 and RS512 only",
        ),
    ];
    for (body, field, why) in bad_cases {
        let (s, err) = api.call(Method::POST, &path, Some(body)).await;
        assert_eq!(s, 400, "{why}: {err}");
        assert!(
            field_errors(&err).contains(&field.to_owned()),
            "{why}: {err}"
        );
    }
    assert_eq!(
        api.get(&path).await.1["keys"].as_array().unwrap().len(),
        2,
        "refused uploads change nothing"
    );

    assert_eq!(
        api.call(Method::DELETE, &format!("{path}/finnes-ikke"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        api.call(Method::DELETE, &format!("{path}/ny"), None)
            .await
            .0,
        200
    );
    assert_eq!(api.get(&path).await.1["keys"].as_array().unwrap().len(), 1);
    assert_eq!(api.call(Method::DELETE, &path, None).await.0, 200);
    assert_eq!(api.get(&path).await, (200, json!({})));
    emu.faults().set_empty_jwks_not_found(true);
    assert_eq!(
        api.get(&path).await.0,
        404,
        "the other answer Digdir may give"
    );
    assert_eq!(api.get("/clients/no-such/jwks").await.0, 404);
}

/// The public JWK of a PEM private key in the emulator dir.
fn public_jwk_of(emu: &Emulator, key_file: &str, kid: &str) -> Value {
    let pem = std::fs::read(emu.dir().join(key_file)).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&pem).unwrap();
    jwk_of(&key.rsa().unwrap(), kid)
}

async fn token_for(emu: &TestEmulator, client: &str, kid: &str, scope: &str) -> (u16, Value) {
    post_grant(
        emu,
        &Grant::kid(emu, client, scope, "admin-own.key.pem", kid).sign(),
    )
    .await
}

#[tokio::test]
async fn token_follows_scope_access_and_integration_types() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let id = client_id_named(&api, "integrasjonstest").await;
    let (s, _) = api
        .call(
            Method::POST,
            &format!("/clients/{id}/jwks"),
            Some(json!({"keys": [public_jwk_of(&emu, "admin-own.key.pem", "proof")]})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, body) = token_for(&emu, &id, "proof", "difitest:api3 difitest:api3.read").await;
    assert_eq!(s, 200, "{body}");

    // The scope stops allowing Maskinporten clients: MP-201.
    let (_, scope) = api.get("/scopes?scope=difitest%3Aapi3.read").await;
    let mut scope = without(&scope[0], Scope::SERVER_OWNED);
    scope["allowed_integration_types"] = json!(["idporten"]);
    assert_eq!(
        api.call(
            Method::PUT,
            "/scopes?scope=difitest%3Aapi3.read",
            Some(scope)
        )
        .await
        .0,
        200
    );
    let (s, body) = token_for(&emu, &id, "proof", "difitest:api3.read").await;
    assert_eq!(
        (s, mp_code(&body), body["error"].as_str()),
        (400, "MP-201", Some("invalid_scope")),
        "{body}"
    );

    // An inactive scope gives no tokens.
    assert_eq!(
        api.call(Method::DELETE, "/scopes?scope=difitest%3Aapi3", None)
            .await
            .0,
        200
    );
    let (s, body) = token_for(&emu, &id, "proof", "difitest:api3").await;
    assert_eq!((s, mp_code(&body)), (400, "MP-200"), "{body}");

    // Another organisation's client loses access when we revoke its grant: MP-250, 403.
    let other = Api {
        token: Some({
            let g = Grant::x5c(
                &emu,
                OTHER_ADMIN_CLIENT_ID,
                ALL_ADMIN,
                "other-org.key.pem",
                "other-org.cert.pem",
            );
            post_grant(&emu, &g.sign()).await.1["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }),
        ..Api::anonymous(&emu)
    };
    let (s, c) = other
        .call(Method::POST, "/clients", Some(json!({"client_name": "rapportleser", "description": "reads reports", "integration_type": "maskinporten", "scopes": ["demo:rapport"]})))
        .await;
    assert_eq!(s, 200, "{c}");
    let other_id = c["client_id"].as_str().unwrap();
    let jwk = public_jwk_of(&emu, "admin-own.key.pem", "other-proof");
    assert_eq!(
        other
            .call(
                Method::POST,
                &format!("/clients/{other_id}/jwks"),
                Some(json!({"keys": [jwk]}))
            )
            .await
            .0,
        200
    );
    let (s, body) = token_for(&emu, other_id, "other-proof", "demo:rapport").await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = api
        .call(
            Method::DELETE,
            &format!("/scopes/access/{OTHER_ORGNO}?scope=demo%3Arapport"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, body) = token_for(&emu, other_id, "other-proof", "demo:rapport").await;
    assert_eq!(
        (s, mp_code(&body), body["error"].as_str()),
        (403, "MP-250", Some("forbidden")),
        "{body}"
    );
}

#[tokio::test]
async fn state_survives_a_restart_and_expired_keys_are_refused() {
    let files = tempfile::tempdir().unwrap();
    let state_file = files.path().join("state.json");
    let mut emu = common::emulator_with_state(state_file.clone()).await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let (s, _) = api
        .call(
            Method::POST,
            "/scopes",
            Some(
                json!({"prefix": "demo", "subscope": "varig", "description": "Survives restarts"}),
            ),
        )
        .await;
    assert_eq!(s, 200);
    let id = client_id_named(&api, "integrasjonstest").await;
    let jwk = public_jwk_of(&emu, "admin-own.key.pem", "gammel");
    assert_eq!(
        api.call(
            Method::POST,
            &format!("/clients/{id}/jwks"),
            Some(json!({"keys": [jwk]}))
        )
        .await
        .0,
        200
    );
    let before = emu.state();
    emu.shutdown().await;

    // Written atomically: only the state file is left, and it parses.
    let leftovers: Vec<_> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["state.json"]);
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    assert!(saved["scopes"]["demo:varig"].is_object());

    // Age the key past its expiry, as a year would.
    saved["jwks"][&id]["keys"][0]["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    std::fs::write(&state_file, serde_json::to_vec(&saved).unwrap()).unwrap();

    let emu = common::emulator_with_state(state_file.clone()).await;
    let after = emu.state();
    assert_eq!(after.scope("demo:varig"), before.scope("demo:varig"));
    assert_eq!(after.all_grants().count(), before.all_grants().count());
    assert_eq!(after.clients.len(), before.clients.len());
    let (s, body) = token_for(&emu, &id, "gammel", "difitest:api3").await;
    assert_eq!((s, mp_code(&body)), (400, "MP-121"), "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Expired key")
    );
    // The admin clients work with the new key material.
    let api = Api::new(&emu, ALL_ADMIN).await;
    assert!(names(&api.get("/scopes").await.1).contains(&"demo:varig"));
}

/// A killed run leaves its temp file beside the state file (full state size); the next
/// start removes such files and only those.
#[tokio::test]
async fn a_start_removes_the_temp_files_a_killed_run_left_beside_the_state_file() {
    let files = tempfile::tempdir().unwrap();
    let state_file = files.path().join("state.json");
    let leftover = files.path().join(".state.json.Ab3dE9.tmp");
    std::fs::write(&leftover, "{\"scopes\":").unwrap();
    let others = [".tmpAb3dE9", ".other.json.Ab3dE9.tmp", "notes.txt"];
    for other in others {
        std::fs::write(files.path().join(other), "keep").unwrap();
    }
    let _emu = common::emulator_with_state(state_file.clone()).await;
    assert!(!leftover.exists(), "leftover temp file still there");
    let mut left: Vec<String> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".other.json.Ab3dE9.tmp",
            ".tmpAb3dE9",
            "notes.txt",
            "state.json"
        ]
    );
}

/// `--dir` takes a new or empty directory, or one the emulator made; a hand-written
/// keys.toml, a link or a file it did not write is never replaced.
#[cfg(unix)]
#[tokio::test]
async fn the_emulator_dir_must_be_new_empty_or_its_own() {
    use mpadmin::emulator::EmulatorOptions;
    let start = |dir: std::path::PathBuf| Emulator::start(EmulatorOptions::demo(dir));
    let tmp = tempfile::tempdir().unwrap();

    // Someone's profiles directory: refused, the file untouched.
    let config = tmp.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let own = "[profiles.prod]\nenvironment = \"prod\"\n";
    std::fs::write(config.join("keys.toml"), own).unwrap();
    let err = start(config.clone()).await.unwrap_err().to_string();
    assert!(
        err.contains(&config.display().to_string())
            && err.contains("not empty")
            && err.contains("fix: give --dir a new or empty directory"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(config.join("keys.toml")).unwrap(),
        own
    );
    assert_eq!(
        std::fs::read_dir(&config).unwrap().count(),
        1,
        "nothing written"
    );

    // An empty directory becomes the emulator's, and it may start there again.
    let emu_dir = tmp.path().join("emu");
    std::fs::create_dir(&emu_dir).unwrap();
    start(emu_dir.clone()).await.unwrap().shutdown().await;
    assert!(emu_dir.join(".mpadmin-emulator").is_file());
    start(emu_dir.clone()).await.unwrap().shutdown().await;

    // A link planted in it is not written through.
    let precious = tmp.path().join("precious.txt");
    std::fs::write(&precious, "precious").unwrap();
    std::fs::remove_file(emu_dir.join("business.key.pem")).unwrap();
    std::os::unix::fs::symlink(&precious, emu_dir.join("business.key.pem")).unwrap();
    let err = start(emu_dir.clone()).await.unwrap_err().to_string();
    assert!(
        err.contains("business.key.pem") && err.contains("symbolic link"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "precious");
    std::fs::remove_file(emu_dir.join("business.key.pem")).unwrap();

    // Nor is a keys.toml it did not write.
    std::fs::write(emu_dir.join("keys.toml"), own).unwrap();
    let err = start(emu_dir.clone()).await.unwrap_err().to_string();
    assert!(
        err.contains("keys.toml") && err.contains("not written by `mpadmin emulator`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(emu_dir.join("keys.toml")).unwrap(),
        own
    );
}

#[tokio::test]
async fn size_and_empty_seeds() {
    let emu = emulator_with(Seed::Size(10)).await;
    let st = emu.state();
    assert_eq!(st.scopes.len(), 10);
    assert_eq!(st.all_grants().count(), 200);
    let own_clients = st
        .clients_of(OWN_ORGNO)
        .filter(|c| !c.scopes.iter().any(|s| s.starts_with("idporten:")))
        .count();
    assert_eq!(own_clients, 5);
    assert_eq!(
        st.jwks.values().filter(|j| !j.keys.is_empty()).count(),
        5 + 2,
        "one key per client + the own-key and supplier admin clients' keys"
    );
    let api = Api::new(&emu, ALL_ADMIN).await;
    assert_eq!(api.get("/scopes").await.1.as_array().unwrap().len(), 10);

    let empty = emulator_with(Seed::Empty).await;
    let st = empty.state();
    assert!(st.scopes.is_empty() && st.grants.is_empty());
    assert_eq!(
        st.clients.len(),
        5,
        "only the admin clients (certificate, own key, other org, modify-only, supplier)"
    );
    let api = Api::new(&empty, ALL_ADMIN).await;
    assert_eq!(api.get("/scopes").await, (200, json!([])));
    let (s, _) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "first", "description": "d"})),
        )
        .await;
    assert_eq!(s, 200, "the organisation keeps its prefixes");
}

#[tokio::test]
async fn injected_faults() {
    use mpadmin::emulator::Fault;
    let emu = emulator_with(Seed::Empty).await;
    let anon = Api::anonymous(&emu);
    emu.faults().inject(
        "/api/v1/scopes/all",
        Fault::Status {
            status: 503,
            retry_after: Some(2),
        },
        1,
    );
    let resp = get(&emu, format!("{}/scopes/all", emu.api_base()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_eq!(
        anon.get("/scopes/all").await.0,
        200,
        "only the next request"
    );

    emu.faults()
        .inject("/api/v1/delegationsources", Fault::MalformedJson, 1);
    let body = get(&emu, format!("{}/delegationsources", emu.api_base()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&body).is_err());

    emu.faults().inject("/api/v1/", Fault::DropConnection, 1);
    let broken = async {
        get(&emu, format!("{}/scopes/all", emu.api_base()))
            .await?
            .bytes()
            .await
    };
    assert!(broken.await.is_err());
    assert_eq!(emu.faults().pending(), 0);

    // Exact: the list's fault waits past the reads under it.
    emu.faults()
        .inject_exact("GET", "/api/v1/scopes", Fault::MalformedJson, 1);
    assert_eq!(anon.get("/scopes/all").await.0, 200);
    assert_eq!(
        emu.faults().pending(),
        1,
        "a path under it does not take it"
    );
    let body = get(&emu, format!("{}/scopes", emu.api_base()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");

    // A server clock 60 s behind sees a fresh grant issued in the future.
    emu.faults().set_clock_skew(-60);
    let (s, body) = post_grant(&emu, &Grant::admin(&emu, "idporten:dcr.read").sign()).await;
    assert_eq!((s, mp_code(&body)), (400, "MP-130"), "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Issue time is after now")
    );
    emu.faults().clear();
    let (s, _) = post_grant(&emu, &Grant::admin(&emu, "idporten:dcr.read").sign()).await;
    assert_eq!(s, 200);

    // Tokens can be expired on demand: 401, and a fresh token works.
    let api = Api::new(&emu, "idporten:dcr.read").await;
    assert_eq!(api.get("/clients").await.0, 200);
    emu.faults().expire_tokens();
    let (s, body) = api.get("/clients").await;
    assert_eq!(s, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(
        Api::new(&emu, "idporten:dcr.read")
            .await
            .get("/clients")
            .await
            .0,
        200
    );

    emu.faults()
        .set_latency(std::time::Duration::from_millis(50));
    let t = std::time::Instant::now();
    assert_eq!(anon.get("/delegationsources").await.0, 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(50));
}

/// Signs fresh grants from a template (the auth module's signers are tested elsewhere).
struct TemplateSigner(Grant);

impl mpadmin::auth::SignGrant for TemplateSigner {
    fn sign(&self, scopes: &[String]) -> Result<String, mpadmin::auth::AuthError> {
        let mut g = self.0.clone();
        let now = chrono::Utc::now().timestamp();
        g.claims.insert("scope".into(), json!(scopes.join(" ")));
        g.claims.insert("iat".into(), json!(now));
        g.claims.insert("exp".into(), json!(now + 120));
        g.claims
            .insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        Ok(g.sign())
    }
}

/// The typed client and the emulator agree on every endpoint, with one token for all calls.
#[tokio::test]
async fn the_typed_api_client_works_against_the_emulator() {
    use mpadmin::api::models::{AccessState, Client, Jwk, Scope};
    use mpadmin::api::types::{ClientId, Kid, OrgNumber, ScopeName};
    use mpadmin::api::{AdminApi, PublicScopeQuery};
    use std::sync::Arc;

    let emu = emulator().await;
    let http = emu.http().clone();
    let scopes: Vec<String> = ALL_ADMIN.split(' ').map(str::to_owned).collect();
    let signer = TemplateSigner(Grant::admin(&emu, ALL_ADMIN));
    let tokens = Arc::new(mpadmin::auth::TokenSource::new(
        http.clone(),
        emu.token_endpoint(),
        scopes,
        Box::new(signer),
    ));
    let api = AdminApi::new(http, emu.api_base(), tokens);

    let public = api
        .public_scopes(&PublicScopeQuery::default())
        .await
        .unwrap();
    assert!(public.iter().any(|s| s.name == "etaten:register.read"));
    let open = api
        .public_scopes(&PublicScopeQuery {
            accessible_for_all: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(open.iter().all(|s| s.accessible_for_all) && !open.is_empty());
    let own = api.own_scopes(false).await.unwrap();
    assert!(own.iter().all(|s| s.active));
    assert!(api.own_scopes(true).await.unwrap().len() > own.len());
    let slash: ScopeName = "difitest:eksempel/v1/dokumenter.read".parse().unwrap();
    assert_eq!(api.scope(&slash).await.unwrap().name, slash.as_str());
    assert_eq!(api.prefixes().await.unwrap().len(), 2);
    assert_eq!(api.delegation_sources().await.unwrap()[0].name, "altinn");

    let new = Scope {
        prefix: "demo".into(),
        subscope: "klient/test.read".into(),
        description: "Made by the typed client".into(),
        ..Scope::default()
    };
    let created = api.create_scope(&new).await.unwrap();
    let name: ScopeName = created.name.parse().unwrap();
    let mut changed = created.clone();
    changed.description = "Changed".into();
    assert_eq!(
        api.update_scope(&name, &changed).await.unwrap().description,
        "Changed"
    );
    assert!(!api.deactivate_scope(&name).await.unwrap().active);
    changed.active = true;
    assert!(api.update_scope(&name, &changed).await.unwrap().active);

    let consumer: OrgNumber = "974760673".parse().unwrap();
    assert_eq!(
        api.grant(&name, &consumer).await.unwrap().state,
        AccessState::Approved
    );
    assert_eq!(api.scope_access(&name).await.unwrap().len(), 1);
    assert!(
        api.consumer_access(&consumer)
            .await
            .unwrap()
            .iter()
            .any(|a| a.scope == name.as_str())
    );
    assert_eq!(
        api.revoke(&name, &consumer).await.unwrap().state,
        AccessState::Denied
    );
    assert!(
        api.granted_to_us()
            .await
            .unwrap()
            .iter()
            .any(|a| a.scope == "etaten:register.read")
    );

    let clients = api.clients().await.unwrap();
    assert!(clients.len() >= 6);
    let c = Client::new_maskinporten(
        "typed",
        "Made by the typed client",
        vec![name.to_string(), "ks:fiks".into()],
    );
    let created = api.create_client(&c).await.unwrap();
    let id: ClientId = created.client_id.parse().unwrap();
    assert_eq!(api.client(&id).await.unwrap().client_name, "typed");
    let mut upd = created.clone();
    upd.description = "Updated".into();
    assert_eq!(
        api.update_client(&id, &upd).await.unwrap().description,
        "Updated"
    );
    assert!(api.jwks(&id).await.unwrap().keys.is_empty());
    let key: Jwk =
        serde_json::from_value(public_jwk_of(&emu, "business.key.pem", "typed-1")).unwrap();
    let mut key2 = key.clone();
    key2.kid = Some("typed-2".into());
    assert_eq!(
        api.replace_jwks(&id, &[key, key2])
            .await
            .unwrap()
            .keys
            .len(),
        2
    );
    api.delete_jwk(&id, &"typed-1".parse::<Kid>().unwrap())
        .await
        .unwrap();
    assert_eq!(api.jwks(&id).await.unwrap().keys.len(), 1);
    api.delete_jwks(&id).await.unwrap();
    assert!(api.jwks(&id).await.unwrap().keys.is_empty());
    assert!(api.onbehalfof(&id).await.unwrap().is_empty());
    api.delete_client(&id).await.unwrap();
    let err = api.client(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");

    assert_eq!(emu.token_requests(), 1, "one token for the whole session");
}

/// `mpadmin emulator` prints where it listens, serves, keeps its state file, and stops on SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn the_emulator_command_serves_until_terminated() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"))
        .args(["emulator", "--port", "0", "--seed", "empty", "--dir"])
        .arg(dir.path().join("emu"))
        .arg("--state")
        .arg(&state)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut issuer = None;
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(i) = line.trim().strip_prefix("issuer") {
            issuer = Some(i.trim().to_owned());
        }
        let done = line.starts_with("Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let issuer = issuer.unwrap_or_else(|| panic!("no issuer in:\n{text}"));
    assert!(
        issuer.starts_with("http://127.0.0.1:") && issuer.ends_with('/'),
        "{issuer}"
    );
    assert!(text.contains(&format!("{issuer}token")), "{text}");
    assert!(text.contains(&format!("{issuer}api/v1")), "{text}");
    assert!(text.contains("--profile emulator scopes list"), "{text}");

    let doc: Value = reqwest::get(format!("{issuer}.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], issuer.as_str());
    assert!(state.is_file(), "state written at start");

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn an_organisation_without_a_prefix_or_an_admin_scope_is_refused_like_the_real_one() {
    let emu = common::emulator_with(Seed::Empty).await;
    let api = Api::new(&emu, common::ALL_ADMIN).await;
    emu.remove_own_prefixes().unwrap();
    let (s, body) = api.get("/prefix").await;
    assert_eq!(s, 404, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("does not have any prefixes")
    );
    let (s, body) = api
        .call(
            Method::POST,
            "/scopes",
            Some(json!({"prefix": "difitest", "subscope": "x", "description": "d"})),
        )
        .await;
    assert_eq!(s, 403, "no longer its prefix: {body}");

    emu.withdraw_admin_scopes(&["idporten:dcr.write"]).unwrap();
    let grant = common::Grant::admin(&emu, "idporten:dcr.read idporten:dcr.write").sign();
    let (s, body) = common::post_grant(&emu, &grant).await;
    assert_eq!(s, 400, "{body}");
    assert!(body["error_uri"].as_str().unwrap().ends_with("MP-200"));
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("for client, idporten:dcr.write")
    );
    let grant = common::Grant::admin(&emu, "idporten:dcr.read").sign();
    assert_eq!(common::post_grant(&emu, &grant).await.0, 200);
}

/// The demo's ID-porten client (two on-behalf-of registrations).
const IDPORTEN_CLIENT: &str = "5e1d0c4b-7a2f-4b8e-9c3d-1f2e3a4b5c60";

/// SP-OAS: a `ClientOnBehalfOf` answer carries the organisation's name. The emulator takes it
/// from its registry and never keeps one the caller sent.
#[tokio::test]
async fn onbehalfof_answers_name_the_organisation_from_the_registry() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let path = format!("/clients/{IDPORTEN_CLIENT}/onbehalfof");
    let (s, list) = api.get(&path).await;
    assert_eq!(s, 200, "{list}");
    let registry = emu.state().organizations.clone();
    for o in list.as_array().unwrap() {
        let orgno = o["orgno"].as_str().unwrap();
        assert_eq!(o["organization_name"], registry[orgno], "{o}");
    }
    let mut a = list[0].clone();
    a["organization_name"] = json!("NOT THE NAME");
    let a = without(&a, &["created", "last_updated"]);
    let key = a["onbehalfof"].as_str().unwrap().to_owned();
    let (s, put) = api
        .call(Method::PUT, &format!("{path}/{key}"), Some(a.clone()))
        .await;
    assert_eq!(s, 200, "{put}");
    assert_eq!(put["organization_name"], list[0]["organization_name"]);
    let stored = emu.state().onbehalfof[IDPORTEN_CLIENT][&key].clone();
    assert_eq!(stored.organization_name(), None, "not stored: {stored:?}");
}

/// Issue 13 §4: each integration type's fields are checked as the backend's portal checks
/// them, with a Digdir-style 400 naming the field; a valid client of each creatable type is
/// stored as sent.
#[tokio::test]
async fn clients_of_every_type_are_checked_by_their_types_rules() {
    let emu = emulator().await;
    let api = Api::new(&emu, ALL_ADMIN).await;
    let login = json!({
        "client_name": "Min side", "description": "Innlogging",
        "integration_type": "idporten", "application_type": "web",
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uris": ["https://minside.example.no/callback"],
        "post_logout_redirect_uris": ["https://minside.example.no/"],
        "scopes": []
    });
    for kind in ["idporten", "ansattporten", "api_klient"] {
        let mut b = login.clone();
        b["integration_type"] = json!(kind);
        let (s, made) = api.call(Method::POST, "/clients", Some(b)).await;
        assert_eq!(s, 200, "{kind}: {made}");
        let stored = emu
            .state()
            .client(made["client_id"].as_str().unwrap())
            .cloned();
        let stored = serde_json::to_value(stored.unwrap()).unwrap();
        for member in ["redirect_uris", "post_logout_redirect_uris", "grant_types"] {
            assert_eq!(stored[member], login[member], "{kind} {member}");
        }
    }
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut b = login.clone();
        edit(&mut b);
        b
    };
    for (body, field) in [
        (bad(&|b| b["redirect_uris"] = json!([])), "redirect_uris"),
        (
            bad(&|b| b["redirect_uris"] = json!(["https://a.example/cb#frag"])),
            "redirect_uris",
        ),
        (
            bad(&|b| b["post_logout_redirect_uris"] = json!(["minside.example.no"])),
            "post_logout_redirect_uris",
        ),
        (
            bad(&|b| b["application_type"] = json!("browser")),
            "token_endpoint_auth_method",
        ),
        (
            bad(&|b| b["grant_types"] = json!(["refresh_token"])),
            "grant_types",
        ),
        (
            bad(&|b| {
                b["integration_type"] = json!("krr");
                b.as_object_mut().unwrap().remove("redirect_uris");
                b.as_object_mut()
                    .unwrap()
                    .remove("post_logout_redirect_uris");
            }),
            "token_endpoint_auth_method",
        ),
    ] {
        let (s, err) = api.call(Method::POST, "/clients", Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {err}");
        assert_error_body(&err, 400);
        assert!(
            field_errors(&err).contains(&field.to_owned()),
            "{field}: {err}"
        );
    }
    // A browser app without a secret, and a KRR client as Maskinporten's, are fine.
    let spa = bad(&|b| {
        b["application_type"] = json!("browser");
        b["token_endpoint_auth_method"] = json!("none");
    });
    assert_eq!(api.call(Method::POST, "/clients", Some(spa)).await.0, 200);
    let krr = json!({"client_name": "KRR-oppslag", "description": "Kontaktinfo",
        "integration_type": "krr", "scopes": []});
    let (s, made) = api.call(Method::POST, "/clients", Some(krr)).await;
    assert_eq!(s, 200, "{made}");
    assert_eq!(made["token_endpoint_auth_method"], "private_key_jwt");
}
