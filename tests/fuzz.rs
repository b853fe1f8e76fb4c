//! Property tests: random input to every parser of data from outside (the admin API's JSON,
//! key files, PKCS#12 files and their passwords, command-line values). Each must answer with
//! a value or an error, never a panic. The profiles file has its own in `tests/config.rs`,
//! raw key bytes theirs in `tests/keys.rs`. Case counts are kept small enough to run in
//! seconds.

use std::path::Path;
use std::sync::OnceLock;

use mpadmin::api::models::{
    AccessTokenClaims, ApiErrorBody, Client, ClientOnBehalfOf, DelegationSource, Jwk, Jwks, Scope,
    ScopeAccess, ScopePrefix, TokenErrorBody, TokenResponse,
};
use mpadmin::api::types::{ClientId, Kid, OrgNumber, ScopeName};
use mpadmin::auth::{Credentials, PasswordSource, Secret};
use mpadmin::config::{Profile, Signing};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Field names the models know, so random objects often get past the first field.
const FIELDS: &[&str] = &[
    "name",
    "prefix",
    "subscope",
    "description",
    "visibility",
    "active",
    "at_max_age",
    "allowed_integration_types",
    "accessible_for_all",
    "state",
    "scope",
    "consumer_orgno",
    "owner_orgno",
    "created",
    "last_updated",
    "client_id",
    "client_name",
    "scopes",
    "integration_type",
    "application_type",
    "token_endpoint_auth_method",
    "keys",
    "kty",
    "kid",
    "use",
    "alg",
    "n",
    "e",
    "d",
    "exp",
    "x5c",
    "error",
    "error_description",
    "errors",
    "correlation_id",
    "status",
    "access_token",
    "expires_in",
    "token_type",
    "consumer",
    "iss",
    "authority",
    "ID",
    "orgno",
    "issuer",
    "onbehalfof",
];

/// Any JSON value, objects mostly keyed by the models' field names.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Short fractions: serde_json may round a long one's last digit on the way back.
        any::<i32>().prop_map(|i| Value::from(f64::from(i) / 8.0)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::String("RSA".into())),
        Just(Value::String("991825827".into())),
        Just(Value::String("APPROVED".into())),
        Just(Value::String("2026-11-22T10:00:00Z".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(FIELDS).prop_map(str::to_owned),
                        1 => "\\PC{0,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Decode `text` as `T`; what decodes must encode again and decode to the same value.
fn decodes<T>(text: &[u8]) -> Result<(), TestCaseError>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(text) {
        let again = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: T = serde_json::from_slice(&again).map_err(|e| {
            TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&again)))
        })?;
        prop_assert_eq!(back, value);
    }
    Ok(())
}

/// Every model the admin API and the token endpoint answer with.
fn every_model(text: &[u8]) -> Result<(), TestCaseError> {
    decodes::<Scope>(text)?;
    decodes::<Vec<Scope>>(text)?;
    decodes::<ScopeAccess>(text)?;
    decodes::<Vec<ScopeAccess>>(text)?;
    decodes::<Client>(text)?;
    decodes::<Vec<Client>>(text)?;
    decodes::<Jwk>(text)?;
    decodes::<Jwks>(text)?;
    decodes::<DelegationSource>(text)?;
    decodes::<ScopePrefix>(text)?;
    decodes::<ClientOnBehalfOf>(text)?;
    decodes::<ApiErrorBody>(text)?;
    decodes::<TokenResponse>(text)?;
    decodes::<TokenErrorBody>(text)?;
    decodes::<AccessTokenClaims>(text)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn api_models_take_any_json(value in json()) {
        every_model(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn api_models_take_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        every_model(&bytes)?;
    }

    /// JWK / JWKS / certificate import of JSON-shaped and random documents.
    #[test]
    fn key_import_takes_any_json(value in json()) {
        let text = serde_json::to_vec(&value).unwrap();
        let _ = mpadmin::keys::import("fuzz.json", &text);
        let _ = mpadmin::keys::import("fuzz.jwks", &serde_json::to_vec(&serde_json::json!({"keys": [value]})).unwrap());
    }

    /// Command-line and API values: what parses is what it claims to be, and parses again.
    #[test]
    fn identifiers_parse_or_refuse(s in "\\PC{0,40}", digits in "[0-9]{0,12}") {
        for s in [s.as_str(), digits.as_str()] {
            if let Ok(org) = s.parse::<OrgNumber>() {
                prop_assert!(org.as_str().len() == 9 && org.as_str().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(org.as_str().parse::<OrgNumber>().ok(), Some(org.clone()));
            }
            if let Ok(name) = s.parse::<ScopeName>() {
                prop_assert!(name.as_str().contains(':'));
                prop_assert_eq!(name.as_str().parse::<ScopeName>().ok(), Some(name.clone()));
            }
            if let Ok(kid) = s.parse::<Kid>() {
                prop_assert_eq!(kid.as_str().parse::<Kid>().ok(), Some(kid.clone()));
            }
            if let Ok(id) = s.parse::<ClientId>() {
                prop_assert_eq!(id.as_str().parse::<ClientId>().ok(), Some(id.clone()));
            }
        }
    }
}

/// A password source with one variable.
struct Password(String);

impl PasswordSource for Password {
    fn var(&self, name: &str) -> Option<Secret> {
        (name == "FUZZ_P12").then(|| Secret::new(self.0.clone()))
    }

    fn prompt(&self, _question: &str) -> Option<std::io::Result<Secret>> {
        None
    }
}

fn p12_profile(path: &Path) -> Profile {
    Profile {
        name: "fuzz".into(),
        environment: None,
        issuer: "http://127.0.0.1:1/".into(),
        token_endpoint: "http://127.0.0.1:1/token".parse().unwrap(),
        api_base: "http://127.0.0.1:1/api/v1".parse().unwrap(),
        client_id: "c".into(),
        scopes: vec!["idporten:dcr.read".into()],
        signing: Signing::Pkcs12 {
            path: path.to_owned(),
            password_env: Some("FUZZ_P12".into()),
            password_keyring: None,
            alias: None,
        },
        ca_certificate: None,
        read_only: true,
        names: true,
        connect_timeout: Profile::DEFAULT_CONNECT_TIMEOUT,
        request_timeout: Profile::DEFAULT_REQUEST_TIMEOUT,
        deadline: Profile::DEFAULT_REQUEST_TIMEOUT * Profile::DEFAULT_DEADLINE_FACTOR,
    }
}

/// A real PKCS#12 file (password "right") of a fresh key and certificate.
fn real_p12() -> &'static [u8] {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    DER.get_or_init(|| {
        use openssl::{asn1::Asn1Time, hash::MessageDigest, pkey::PKey, rsa::Rsa, x509};
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "fuzz").unwrap();
        let name = name.build();
        let mut cert = x509::X509Builder::new().unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        let cert = cert.build();
        openssl::pkcs12::Pkcs12::builder()
            .name("fuzz")
            .pkey(&key)
            .cert(&cert)
            .build2("right")
            .unwrap()
            .to_der()
            .unwrap()
    })
}

proptest! {
    // Each case runs OpenSSL's PKCS#12 parser (with its key derivation): fewer cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Random bytes with a random password, and the real file with a wrong one: an error
    /// that names the field and never repeats the password.
    #[test]
    fn pkcs12_takes_any_bytes_and_any_password(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        password in "\\PC{4,24}",
    ) {
        prop_assume!(password != "right");
        let dir = tempfile::tempdir().unwrap();
        for (file, content) in [("random.p12", bytes.as_slice()), ("real.p12", real_p12())] {
            let path = dir.path().join(file);
            std::fs::write(&path, content).unwrap();
            let err = Credentials::load(&p12_profile(&path), &Password(password.clone()))
                .err()
                .ok_or_else(|| TestCaseError::fail(format!("{file} opened")))?
                .to_string();
            prop_assert!(err.contains("field 'pkcs12"), "{}", err);
            prop_assert!(!err.contains(&password), "the password is in: {}", err);
        }
    }
}
