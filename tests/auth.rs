//! Admin tokens from the emulator over loopback HTTP: every kind of signing material, every
//! refusal the emulator knows (with its MP code and our hint), token reuse.

#[path = "auth_support/mod.rs"]
mod auth_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_support::{TestPasswords, material_dir};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mpadmin::api::models::{Client, IntegrationType, Scope, TokenErrorBody};
use mpadmin::api::types::{ClientId, OrgNumber, ScopeName};
use mpadmin::api::{self, AdminApi};
use mpadmin::auth::{AuthError, GrantHeader, GrantSigner, SignGrant, TokenSource, signer_with};
use mpadmin::config::{self, Profile, Signing};
use mpadmin::emulator::{
    ADMIN_CLIENT_ID, ADMIN_KID, ADMIN_KID_CLIENT_ID, Emulator, EmulatorOptions, OTHER_ORGNO,
    OTHER_PREFIX, OWN_ORGNO, P12_PASSWORD_ENV, Seed,
};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::{Value, json};

struct Env {
    emu: Emulator,
    /// One client for every token source: building one loads the system's CA roots.
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(EmulatorOptions {
        port: 0,
        dir: dir.path().to_path_buf(),
        state_file: None,
        seed: Seed::Empty,
    })
    .await
    .unwrap();
    Env {
        emu,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Env {
    fn profile(&self, name: &str) -> Profile {
        config::load(Some(&self.emu.keys_toml()), Some(name)).unwrap()
    }

    fn passwords(&self) -> TestPasswords {
        TestPasswords::with_var(P12_PASSWORD_ENV, &self.emu.p12_password().unwrap())
    }

    fn connect(&self, profile: &Profile) -> AdminApi {
        api::connect_with(profile, &self.passwords()).unwrap()
    }

    fn file(&self, name: &str) -> std::path::PathBuf {
        self.emu.dir().join(name)
    }

    /// A token source for `profile` whose grants come from `sign` (diagnosed as `profile`'s).
    fn source(
        &self,
        profile: &Profile,
        sign: impl Fn(&[String]) -> String + Send + Sync + 'static,
    ) -> TokenSource {
        let diagnose = signer_with(profile, &self.passwords()).unwrap();
        TokenSource::new(
            self.http.clone(),
            profile.token_endpoint.clone(),
            profile.scopes.clone(),
            Box::new(Custom {
                sign: Box::new(sign),
                diagnose,
            }),
        )
    }

    /// The refusal for `profile` (signed normally) as the user sees it.
    async fn refusal(&self, profile: &Profile) -> (TokenErrorBody, String) {
        let signer = signer_with(profile, &self.passwords()).unwrap();
        refusal_of(TokenSource::new(
            self.http.clone(),
            profile.token_endpoint.clone(),
            profile.scopes.clone(),
            signer,
        ))
        .await
    }
}

async fn refusal_of(source: TokenSource) -> (TokenErrorBody, String) {
    match source.token().await {
        Err(e @ AuthError::Refused { .. }) => {
            let shown = e.to_string();
            let AuthError::Refused { body, .. } = e else {
                unreachable!()
            };
            (body, shown)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Makes the grant a test wants, for the scopes asked.
type GrantFn = Box<dyn Fn(&[String]) -> String + Send + Sync>;

/// Signs whatever the test wants, explains refusals like the real profile signer.
struct Custom {
    sign: GrantFn,
    diagnose: Box<dyn SignGrant>,
}

impl SignGrant for Custom {
    fn sign(&self, scopes: &[String]) -> Result<String, AuthError> {
        Ok((self.sign)(scopes))
    }

    fn diagnose(&self, body: &TokenErrorBody) -> Option<String> {
        self.diagnose.diagnose(body)
    }
}

fn read_key(path: &std::path::Path) -> PKey<Private> {
    PKey::private_key_from_pem(&std::fs::read(path).unwrap()).unwrap()
}

fn read_cert(path: &std::path::Path) -> X509 {
    X509::from_pem(&std::fs::read(path).unwrap()).unwrap()
}

/// A grant built by hand, for shapes our signer never makes.
fn raw_jwt(key: &PKey<Private>, header: Value, claims: Value) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let input = format!("{}.{}", enc(&header), enc(&claims));
    let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), key).unwrap();
    s.update(input.as_bytes()).unwrap();
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(s.sign_to_vec().unwrap())
    )
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn token_with_each_kind_of_signing_material() {
    let env = start().await;
    for (name, amr, client) in [
        ("emulator", "virksomhetssertifikat", ADMIN_CLIENT_ID),
        ("emulator-p12", "virksomhetssertifikat", ADMIN_CLIENT_ID),
        (
            "emulator-p12-legacy",
            "virksomhetssertifikat",
            ADMIN_CLIENT_ID,
        ),
        ("emulator-kid", "private_key_jwt", ADMIN_KID_CLIENT_ID),
    ] {
        let profile = env.profile(name);
        let api = env.connect(&profile);
        api.own_scopes(false)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let token = api.tokens().token().await.unwrap();
        let claims = token.claims().unwrap();
        assert_eq!(claims.client_amr.as_deref(), Some(amr), "{name}");
        assert_eq!(claims.client_id, client, "{name}");
        assert_eq!(claims.consumer.orgno(), Some(OWN_ORGNO), "{name}");
        for s in &profile.scopes {
            assert!(token.scopes().contains(s), "{name}: {s} not granted");
        }
        assert!(
            !format!("{token:?}").contains(token.bearer()),
            "token in Debug"
        );
        let cert = api.tokens().certificate();
        if amr == "private_key_jwt" {
            assert!(cert.is_none(), "{name}");
        } else {
            let cert = cert.unwrap_or_else(|| panic!("{name}: no certificate info"));
            assert_eq!(
                cert.org_number.as_ref().map(|o| o.as_str()),
                Some(OWN_ORGNO)
            );
        }
    }
}

#[tokio::test]
async fn one_token_for_many_calls_and_one_renewal_for_concurrent_callers() {
    let env = start().await;
    let api = env.connect(&env.profile("emulator"));
    // Eight callers at once before any token exists: one token request between them.
    let calls = (0..8).map(|_| api.own_scopes(false));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    for _ in 0..5 {
        api.clients().await.unwrap();
    }
    assert_eq!(api.tokens().requests_made(), 1);
    assert_eq!(env.emu.token_requests(), 1);

    // After invalidation (what a 401 does) concurrent callers again share one renewal.
    api.tokens().invalidate().await;
    let tokens: Arc<TokenSource> = api.tokens().clone();
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let t = tokens.clone();
            tokio::spawn(async move { t.token().await.map(|t| t.bearer().to_owned()) })
        })
        .collect();
    let mut bearers = Vec::new();
    for h in handles {
        bearers.push(h.await.unwrap().unwrap());
    }
    bearers.dedup();
    assert_eq!(bearers.len(), 1, "all callers got the same renewed token");
    assert_eq!(env.emu.token_requests(), 2);
}

#[tokio::test]
async fn every_refusal_shows_its_code_and_a_hint() {
    let env = start().await;
    let base = env.profile("emulator");
    let kid_profile = env.profile("emulator-kid");
    let business_key = read_key(&env.file("business.key.pem"));
    let business_cert = read_cert(&env.file("business.cert.pem"));
    let issuer = env.emu.issuer();

    // (what, profile signed normally, MP code or None, words the hint must contain)
    let mut cases: Vec<(&str, Profile, Option<&str>, String)> = Vec::new();

    let mut p = base.clone();
    p.client_id = "no-such-client".into();
    cases.push((
        "unknown client",
        p,
        Some("MP-100"),
        "does not know client_id 'no-such-client'".into(),
    ));

    let mut p = base.clone();
    p.issuer = "https://test.maskinporten.no/".into();
    cases.push((
        "wrong aud",
        p,
        Some("MP-110"),
        "is not this Maskinporten's issuer".into(),
    ));

    let foreign = material_dir();
    let mut p = base.clone();
    p.signing = Signing::PemPair {
        private_key: foreign.path().join("key.pem"),
        certificate: foreign.path().join("cert.pem"),
    };
    cases.push((
        "certificate from another CA",
        p,
        Some("MP-120"),
        "does not accept the certificate".into(),
    ));

    let mut p = base.clone();
    p.signing = Signing::PemPair {
        private_key: env.file("other-org.key.pem"),
        certificate: env.file("other-org.cert.pem"),
    };
    cases.push((
        "other organisation's certificate",
        p,
        Some("MP-122"),
        format!("organisation ({OTHER_ORGNO}) does not own client"),
    ));

    let mut p = kid_profile.clone();
    p.signing = Signing::OwnKey {
        private_key: env.file("business.key.pem"),
        kid: ADMIN_KID.into(),
    };
    cases.push((
        "wrong key for the kid",
        p,
        Some("MP-124"),
        "not the key registered under that kid".into(),
    ));

    let mut p = kid_profile.clone();
    p.signing = Signing::OwnKey {
        private_key: env.file("admin-own.key.pem"),
        kid: "wrong-kid".into(),
    };
    cases.push(("unknown kid", p, None, "no key with kid 'wrong-kid'".into()));

    let mut p = kid_profile.clone();
    p.signing = base.signing.clone();
    cases.push((
        "certificate for a client with keys",
        p,
        None,
        "must sign with one of them".into(),
    ));

    let mut p = base.clone();
    p.scopes = vec![
        "idporten:scopes.write".into(),
        "difitest:not.on.admin".into(),
    ];
    cases.push((
        "scope not on the admin client",
        p,
        Some("MP-200"),
        "difitest:not.on.admin is not registered on admin client".into(),
    ));

    for (what, profile, code, hint) in cases {
        let (body, shown) = env.refusal(&profile).await;
        assert_eq!(body.mp_code(), code, "{what}: {shown}");
        if let Some(code) = code {
            assert!(shown.contains(code), "{what}: code not shown: {shown}");
        }
        assert!(shown.contains("likely cause: "), "{what}: no hint: {shown}");
        assert!(
            shown.contains(&hint),
            "{what}: hint should say {hint:?}: {shown}"
        );
        if let Some(d) = &body.error_description {
            assert!(shown.contains(d.as_str()), "{what}: description not shown");
        }
    }

    // Grants our signer never makes, built by hand.
    let scopes = base.scopes.clone();
    let signer = |key: PKey<Private>, header: GrantHeader| GrantSigner::new(&key, header).unwrap();
    let at = |offset: i64| {
        let now = now_secs() as i64 + offset;
        SystemTime::UNIX_EPOCH + Duration::from_secs(now as u64)
    };
    let other_key = read_key(&env.file("other-org.key.pem"));
    let bad_sig = signer(other_key, GrantHeader::X5c(vec![business_cert.clone()]));
    let good = signer(
        business_key.clone(),
        GrantHeader::X5c(vec![business_cert.clone()]),
    );
    let good = Arc::new(good);
    let (iss, cid) = (issuer.clone(), base.client_id.clone());

    let custom: Vec<(&str, GrantFn, &str, &str)> = vec![
        (
            "signature by another key",
            {
                let (iss, cid) = (iss.clone(), cid.clone());
                Box::new(move |s| bad_sig.sign(&iss, &cid, s).unwrap())
            },
            "MP-124",
            "do not belong together",
        ),
        (
            "iat in the future",
            {
                let (iss, cid, g) = (iss.clone(), cid.clone(), good.clone());
                Box::new(move |s| g.sign_at(at(60), &iss, &cid, s).unwrap())
            },
            "MP-130",
            "clock",
        ),
        (
            "grant already expired",
            {
                let (iss, cid, g) = (iss.clone(), cid.clone(), good.clone());
                Box::new(move |s| g.sign_at(at(-300), &iss, &cid, s).unwrap())
            },
            "MP-130",
            "clock",
        ),
        (
            "x5c as a string",
            {
                let (iss, cid, k) = (iss.clone(), cid.clone(), business_key.clone());
                let der = STANDARD.encode(business_cert.to_der().unwrap());
                Box::new(move |s| {
                    let now = now_secs();
                    raw_jwt(
                        &k,
                        json!({"alg": "RS256", "x5c": der}),
                        json!({
                    "aud": iss, "iss": cid, "scope": s.join(" "), "iat": now, "exp": now + 120,
                    "jti": uuid::Uuid::new_v4().to_string()}),
                    )
                })
            },
            "MP-123",
            "x5c header",
        ),
        (
            "grant lives too long",
            {
                let (iss, cid, k) = (iss.clone(), cid.clone(), business_key.clone());
                let der = STANDARD.encode(business_cert.to_der().unwrap());
                Box::new(move |s| {
                    let now = now_secs();
                    raw_jwt(
                        &k,
                        json!({"alg": "RS256", "x5c": [der]}),
                        json!({
                    "aud": iss, "iss": cid, "scope": s.join(" "), "iat": now, "exp": now + 600,
                    "jti": uuid::Uuid::new_v4().to_string()}),
                    )
                })
            },
            "MP-130",
            "at most 120 s",
        ),
        (
            "unknown claim",
            {
                let (iss, cid, k) = (iss.clone(), cid.clone(), business_key.clone());
                let der = STANDARD.encode(business_cert.to_der().unwrap());
                Box::new(move |s| {
                    let now = now_secs();
                    raw_jwt(
                        &k,
                        json!({"alg": "RS256", "x5c": [der]}),
                        json!({
                    "aud": iss, "iss": cid, "scope": s.join(" "), "iat": now, "exp": now + 120,
                    "jti": uuid::Uuid::new_v4().to_string(), "colour": "blue"}),
                    )
                })
            },
            "MP-011",
            "could not read the grant",
        ),
    ];
    for (what, sign, code, hint) in custom {
        let source = env.source(&base, sign);
        let (body, shown) = refusal_of(source).await;
        assert_eq!(body.mp_code(), Some(code), "{what}: {shown}");
        assert!(
            shown.contains(code) && shown.contains("likely cause: "),
            "{what}: {shown}"
        );
        assert!(
            shown.contains(hint),
            "{what}: hint should say {hint:?}: {shown}"
        );
    }

    // The same grant twice: the second is refused as reused.
    let once = good.sign(&issuer, &base.client_id, &scopes).unwrap();
    let source = env.source(&base, move |_| once.clone());
    source.token().await.unwrap();
    source.invalidate().await;
    let (body, shown) = refusal_of(source).await;
    assert_eq!(body.mp_code(), Some("MP-012"), "{shown}");
    assert!(shown.contains("sent twice"), "{shown}");
}

/// Keys cannot be uploaded already expired, so the key is registered with a future `exp`,
/// aged in the persisted state file, and the emulator restarted from that file.
#[tokio::test]
async fn expired_registered_key_says_register_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let opts = EmulatorOptions {
        port: 0,
        dir: dir.path().join("emu"),
        state_file: Some(state.clone()),
        seed: Seed::Empty,
    };
    let first = Emulator::start(opts.clone()).await.unwrap();
    let keys_toml = first.keys_toml();
    let load = |name: &str| config::load(Some(&keys_toml), Some(name)).unwrap();
    let admin = api::connect(&load("emulator")).unwrap();
    let client = admin
        .create_client(&Client::new_maskinporten(
            "aging",
            "key expiry test",
            vec![],
        ))
        .await
        .unwrap();
    let id: ClientId = client.client_id.parse().unwrap();
    let kid_client: ClientId = ADMIN_KID_CLIENT_ID.parse().unwrap();
    let mut jwk = admin.jwks(&kid_client).await.unwrap().keys.remove(0);
    jwk.kid = Some("aging-key".into());
    jwk.exp = Some(now_secs() as i64 + 3600);
    admin.replace_jwks(&id, &[jwk]).await.unwrap();
    first.shutdown().await;

    let mut data: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(
        age_key(&mut data, "aging-key"),
        1,
        "the key is in the state file once"
    );
    std::fs::write(&state, serde_json::to_vec(&data).unwrap()).unwrap();
    let second = Emulator::start(opts).await.unwrap();

    let mut profile = config::load(Some(&second.keys_toml()), Some("emulator-kid")).unwrap();
    profile.client_id = client.client_id.clone();
    if let Signing::OwnKey { kid, .. } = &mut profile.signing {
        *kid = "aging-key".into();
    }
    let signer = signer_with(&profile, &TestPasswords::default()).unwrap();
    let (body, shown) = refusal_of(TokenSource::new(
        reqwest::Client::new(),
        profile.token_endpoint.clone(),
        profile.scopes.clone(),
        signer,
    ))
    .await;
    assert_eq!(body.mp_code(), Some("MP-121"), "{shown}");
    assert!(
        shown.contains("'aging-key'") && shown.contains("register a new key"),
        "{shown}"
    );
}

/// Set `exp` an hour in the past on every JSON object with this kid; returns how many.
fn age_key(v: &mut Value, kid: &str) -> usize {
    match v {
        Value::Object(m) if m.get("kid").and_then(Value::as_str) == Some(kid) => {
            m.insert("exp".into(), json!(now_secs() as i64 - 3600));
            1
        }
        Value::Object(m) => m.values_mut().map(|v| age_key(v, kid)).sum(),
        Value::Array(a) => a.iter_mut().map(|v| age_key(v, kid)).sum(),
        _ => 0,
    }
}

#[tokio::test]
async fn wrong_p12_password_and_bad_ca_file_are_usage_errors_naming_the_field() {
    let env = start().await;
    let profile = env.profile("emulator-p12");
    let wrong = TestPasswords::with_var(P12_PASSWORD_ENV, "not the password");
    let err = api::connect_with(&profile, &wrong).err().unwrap();
    assert!(err.is_usage(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("profile 'emulator-p12', field 'pkcs12_password_env'")
            && msg.contains("does not open"),
        "{msg}"
    );
    assert!(!msg.contains("not the password"), "password echoed: {msg}");

    let unset = TestPasswords::default();
    let msg = api::connect_with(&profile, &unset)
        .err()
        .unwrap()
        .to_string();
    assert!(
        msg.contains(&format!("export {P12_PASSWORD_ENV}=")),
        "{msg}"
    );

    let mut with_ca = env.profile("emulator");
    let junk = env.file("junk-ca.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    with_ca.ca_certificate = Some(junk);
    let err = api::connect(&with_ca).err().unwrap();
    assert!(
        err.is_usage() && err.to_string().contains("field 'ca_certificate'"),
        "{err}"
    );

    // A real CA file is accepted (the emulator's own).
    let mut with_ca = env.profile("emulator");
    with_ca.ca_certificate = Some(env.file("ca.pem"));
    api::connect(&with_ca)
        .unwrap()
        .own_scopes(false)
        .await
        .unwrap();
}

/// Scope rules, on a client of ours that signs with a registered key: a scope that later
/// stops allowing maskinporten (MP-201), and another organisation's scope whose grant to us is
/// revoked after the client got it (MP-250). Each rule holds when the client is saved, so the
/// scopes change afterwards.
#[tokio::test]
async fn scope_rules_show_their_code_and_hint() {
    let env = start().await;
    let own = env.connect(&env.profile("emulator"));
    let other = env.connect(&env.profile("emulator-other-org"));
    let new_scope = |prefix: &str, subscope: &str| Scope {
        prefix: prefix.into(),
        subscope: subscope.into(),
        description: "auth test".into(),
        ..Scope::default()
    };
    let api_only: ScopeName = "difitest:later.api".parse().unwrap();
    let theirs: ScopeName = format!("{OTHER_PREFIX}:shared").parse().unwrap();
    let us: OrgNumber = OWN_ORGNO.parse().unwrap();
    own.create_scope(&new_scope("difitest", "later.api"))
        .await
        .unwrap();
    other
        .create_scope(&new_scope(OTHER_PREFIX, "shared"))
        .await
        .unwrap();
    other.grant(&theirs, &us).await.unwrap();

    let client = own
        .create_client(&Client::new_maskinporten(
            "scope rules",
            "auth test",
            vec![api_only.to_string(), theirs.to_string()],
        ))
        .await
        .unwrap();
    let id: ClientId = client.client_id.parse().unwrap();
    let kid_client: ClientId = ADMIN_KID_CLIENT_ID.parse().unwrap();
    let mut jwk = own.jwks(&kid_client).await.unwrap().keys.remove(0);
    jwk.kid = Some("rules-key".into());
    jwk.exp = None;
    own.replace_jwks(&id, &[jwk]).await.unwrap();

    let mut changed = own.scope(&api_only).await.unwrap();
    changed.allowed_integration_types = vec![IntegrationType::ApiKlient];
    own.update_scope(&api_only, &changed).await.unwrap();
    other.revoke(&theirs, &us).await.unwrap();

    for (scope, code, hint) in [
        (
            &api_only,
            "MP-201",
            "does not allow the maskinporten integration type",
        ),
        (&theirs, "MP-250", "has not been granted this scope"),
    ] {
        let mut p = env.profile("emulator-kid");
        p.client_id = client.client_id.clone();
        if let Signing::OwnKey { kid, .. } = &mut p.signing {
            *kid = "rules-key".into();
        }
        p.scopes = vec![scope.to_string()];
        let (body, shown) = env.refusal(&p).await;
        assert_eq!(body.mp_code(), Some(code), "{shown}");
        assert!(shown.contains(hint), "{scope}: {shown}");
    }
}

/// Everything logged at trace level while a p12 profile gets a token and calls the API, plus
/// the errors and Debug output a user might paste: no password, token or key material.
#[tokio::test]
async fn secrets_stay_out_of_logs_errors_and_debug_output() {
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let env = start().await;
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let password = env.emu.p12_password().unwrap();
    let profile = env.profile("emulator-p12");
    let api = env.connect(&profile);
    api.own_scopes(false).await.unwrap();
    let token = api.tokens().token().await.unwrap();
    let refused = api::connect_with(
        &profile,
        &TestPasswords::with_var(P12_PASSWORD_ENV, &format!("{password}x")),
    )
    .err()
    .unwrap();
    let credentials = mpadmin::auth::Credentials::load(&profile, &env.passwords()).unwrap();
    tracing::info!(?token, ?credentials, ?profile, "end of scenario");

    let key_pem = std::fs::read_to_string(env.file("business.key.pem")).unwrap();
    let key_body: String = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("end of scenario"), "the capture works");
    let shown = [
        log,
        format!("{refused} {refused:?}"),
        format!("{token:?} {credentials:?} {profile:?}"),
    ];
    for text in shown {
        assert!(!text.contains(&password), "password leaked: {text}");
        assert!(
            !text.contains(token.bearer()),
            "access token leaked: {text}"
        );
        for chunk in key_body.as_bytes().chunks(40) {
            let chunk = std::str::from_utf8(chunk).unwrap();
            assert!(!text.contains(chunk), "key material leaked: {text}");
        }
    }
}

/// The UI reads signing material after its first frame unless reading it may ask on the
/// terminal (or fails to read the key file, whose error belongs on the normal screen).
#[tokio::test]
async fn only_material_that_may_ask_for_a_password_is_read_before_the_ui_starts() {
    use mpadmin::auth::Credentials;
    let env = start().await;
    let none = TestPasswords::default();
    assert!(!Credentials::wants_terminal(
        &env.profile("emulator"),
        &none
    ));
    assert!(!Credentials::wants_terminal(
        &env.profile("emulator-kid"),
        &none
    ));
    let p12 = env.profile("emulator-p12");
    assert!(!Credentials::wants_terminal(&p12, &env.passwords()));
    assert!(
        Credentials::wants_terminal(&p12, &none),
        "no password in the environment"
    );

    let mut encrypted = env.profile("emulator");
    let path = env.file("encrypted.key.pem");
    let key = read_key(&env.file("business.key.pem"));
    let pem = key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"secret")
        .unwrap();
    std::fs::write(&path, pem).unwrap();
    encrypted.signing = mpadmin::config::Signing::PemPair {
        private_key: path,
        certificate: env.file("business.cert.pem"),
    };
    assert!(Credentials::wants_terminal(&encrypted, &none));
    encrypted.signing = mpadmin::config::Signing::PemPair {
        private_key: env.file("no-such.key.pem"),
        certificate: env.file("business.cert.pem"),
    };
    assert!(Credentials::wants_terminal(&encrypted, &none), "unreadable");
}
