//! The emulator is as strict as Maskinporten: every grant rule, every admin API status path,
//! the JWKS rules and persistence, over real HTTP on 127.0.0.1.

mod common;

use common::{ALL_ADMIN, Grant, admin_token, emulator, emulator_with, post_grant};
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
    async fn new(emu: &Emulator, scopes: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: emu.api_base().to_string(),
            token: Some(admin_token(emu, scopes).await),
        }
    }

    fn anonymous(emu: &Emulator) -> Api {
        Api {
            http: reqwest::Client::new(),
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
    let jwks: Value = reqwest::get(format!("{}jwk", emu.issuer()))
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
    let doc: Value = reqwest::get(format!(
        "{}.well-known/oauth-authorization-server",
        emu.issuer()
    ))
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
        http: reqwest::Client::new(),
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
    assert_eq!(
        clients
            .iter()
            .filter(|c| c["integration_type"] == "maskinporten")
            .count(),
        clients.len()
    );
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

/// A self-signed certificate for org 991825827 that does not chain to the emulator's CA.
fn foreign_certificate() -> (Vec<u8>, String) {
    use openssl::{asn1::Asn1Time, hash::MessageDigest, nid::Nid, pkey::PKey, rsa::Rsa, x509};
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
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
    (
        key.private_key_to_pem_pkcs8().unwrap(),
        base64::engine::general_purpose::STANDARD.encode(der),
    )
}

#[tokio::test]
async fn every_grant_rule_is_enforced_with_its_mp_code() {
    let emu = emulator().await;
    let now = chrono::Utc::now().timestamp();
    let ok = || Grant::admin(&emu, "idporten:dcr.read");
    let other_key = std::fs::read(emu.dir().join("other-org.key.pem")).unwrap();
    let (foreign_key, foreign_x5c) = foreign_certificate();

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
    g.key_pem = foreign_key;
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
    let http = reqwest::Client::new();
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
