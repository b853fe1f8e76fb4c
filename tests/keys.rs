//! Key tooling: import of every format, private-key refusal, lint rules, generation and the
//! private key file, thumbprints and expiry. Pure functions and temp files only; keys are
//! 2048-bit and few, generated once where possible, to keep the suite fast.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mpadmin::api::models::{Client, Jwk};
use mpadmin::keys::{
    self, ImportedKey, KeyError, KeySize, KeySource, KidChoice, Problem, Protection, Severity,
};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::{X509, X509NameBuilder};

const REFUSAL: &str =
    "this is a private key: upload the public key; mpadmin never sends private keys";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn rsa_key() -> &'static PKey<Private> {
    static KEY: OnceLock<PKey<Private>> = OnceLock::new();
    KEY.get_or_init(|| PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap())
}

fn other_rsa_key() -> &'static PKey<Private> {
    static KEY: OnceLock<PKey<Private>> = OnceLock::new();
    KEY.get_or_init(|| PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap())
}

fn spki_pem() -> Vec<u8> {
    rsa_key().public_key_to_pem().unwrap()
}

fn expected_n_e(key: &PKey<Private>) -> (String, String) {
    let rsa = key.rsa().unwrap();
    (
        URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
        URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
    )
}

fn certificate(key: &PKey<Private>, not_before: i64, not_after: i64) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "mpadmin test")
        .unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(not_before).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(not_after).unwrap())
        .unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn valid_certificate(key: &PKey<Private>) -> X509 {
    let t = now().timestamp();
    certificate(key, t - 86_400, t + 300 * 86_400)
}

fn import_one(name: &str, bytes: &[u8]) -> ImportedKey {
    let mut keys = keys::import(name, bytes).unwrap();
    assert_eq!(keys.len(), 1, "{name}");
    keys.remove(0)
}

fn assert_uploadable(jwk: &Jwk, key: &PKey<Private>) {
    let (n, e) = expected_n_e(key);
    assert_eq!(jwk.kty, "RSA");
    assert_eq!(jwk.n.as_deref(), Some(n.as_str()));
    assert_eq!(jwk.e.as_deref(), Some(e.as_str()));
    assert_eq!(jwk.use_.as_deref(), Some("sig"));
    assert_eq!(jwk.alg.as_deref(), Some("RS256"));
    assert_eq!(jwk.kid, Some(keys::thumbprint(jwk).unwrap()));
    assert!(
        jwk.extra.is_empty(),
        "no x5c or other members: {:?}",
        jwk.extra
    );
}

// ---------- import ----------

#[test]
fn imports_spki_pem_public_key() {
    let key = import_one("pub.pem", &spki_pem());
    assert_eq!(key.source, KeySource::PublicKey);
    assert_uploadable(&key.jwk, rsa_key());
}

#[test]
fn imports_pkcs1_pem_public_key_as_the_same_jwk() {
    let pkcs1 = rsa_key().rsa().unwrap().public_key_to_pem_pkcs1().unwrap();
    assert!(String::from_utf8_lossy(&pkcs1).contains("BEGIN RSA PUBLIC KEY"));
    let key = import_one("pub1.pem", &pkcs1);
    assert_eq!(key.source, KeySource::RsaPublicKey);
    assert_eq!(key.jwk, import_one("pub.pem", &spki_pem()).jwk);
}

#[test]
fn imports_der_public_key_and_der_certificate() {
    let der = rsa_key().public_key_to_der().unwrap();
    assert_uploadable(&import_one("pub.der", &der).jwk, rsa_key());
    let cert = valid_certificate(rsa_key()).to_der().unwrap();
    let key = import_one("cert.cer", &cert);
    assert!(key.certificate().is_some());
    assert_uploadable(&key.jwk, rsa_key());
}

#[test]
fn imports_pem_certificate_with_validity_and_without_x5c() {
    let t = now().timestamp();
    let cert = certificate(rsa_key(), t - 86_400, t + 300 * 86_400);
    let key = import_one("cert.pem", &cert.to_pem().unwrap());
    assert_uploadable(&key.jwk, rsa_key());
    let info = key.certificate().unwrap();
    assert_eq!(info.not_before.timestamp(), t - 86_400);
    assert_eq!(info.not_after.timestamp(), t + 300 * 86_400);
    assert!(info.subject.contains("CN=mpadmin test"), "{}", info.subject);
}

#[test]
fn certificate_chain_uses_the_first_certificate_only() {
    let mut chain = valid_certificate(rsa_key()).to_pem().unwrap();
    chain.extend(valid_certificate(other_rsa_key()).to_pem().unwrap());
    let key = import_one("chain.pem", &chain);
    assert_uploadable(&key.jwk, rsa_key());
}

#[test]
fn imports_jwk_as_written() {
    let (n, e) = expected_n_e(rsa_key());
    let text = format!(r#"{{"kty":"RSA","kid":"my-key","n":"{n}","e":"{e}","exp":1900000000}}"#);
    let key = import_one("key.json", text.as_bytes());
    assert_eq!(key.source, KeySource::Jwk);
    assert_eq!(key.jwk.kid.as_deref(), Some("my-key"));
    assert_eq!(key.jwk.exp, Some(1_900_000_000));
    // Not filled in on import, so lint can say what the file lacks ...
    assert_eq!(key.jwk.use_, None);
    // ... and filled on request.
    let filled = keys::with_defaults(key.jwk).unwrap();
    assert_eq!(filled.use_.as_deref(), Some("sig"));
    assert_eq!(filled.alg.as_deref(), Some("RS256"));
    assert_eq!(filled.kid.as_deref(), Some("my-key"));
}

#[test]
fn imports_every_key_of_a_jwks() {
    let a = import_one("a", &spki_pem()).jwk;
    let b = import_one("b", &other_rsa_key().public_key_to_pem().unwrap()).jwk;
    let jwks = serde_json::json!({ "keys": [a, b] }).to_string();
    let keys = keys::import("set.json", jwks.as_bytes()).unwrap();
    assert_eq!(
        keys.into_iter().map(|k| k.jwk).collect::<Vec<_>>(),
        vec![a, b]
    );
}

#[test]
fn non_rsa_key_is_refused_with_reason() {
    let ec = EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap();
    let pem = PKey::from_ec_key(ec).unwrap().public_key_to_pem().unwrap();
    let err = keys::import("ec.pem", &pem).unwrap_err().to_string();
    assert!(err.starts_with("ec.pem: "), "{err}");
    assert!(
        err.contains("an EC key; Maskinporten takes RSA keys only"),
        "{err}"
    );
}

// ---------- private material ----------

fn assert_private_refused(name: &str, bytes: &[u8], secret: &str) {
    let err = keys::import(name, bytes).unwrap_err();
    assert!(
        matches!(err, KeyError::PrivateMaterial { .. }),
        "{name}: {err}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{name}: {REFUSAL}")), "{msg}");
    assert!(
        !msg.contains(secret),
        "{name}: the message leaks key material"
    );
}

fn private_d() -> String {
    URL_SAFE_NO_PAD.encode(rsa_key().rsa().unwrap().d().to_vec())
}

#[test]
fn pem_private_keys_are_refused_in_every_form() {
    let key = rsa_key();
    let rsa = key.rsa().unwrap();
    let pkcs8 = key.private_key_to_pem_pkcs8().unwrap();
    let pkcs8_enc = key
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"pw")
        .unwrap();
    let pkcs1 = rsa.private_key_to_pem().unwrap();
    let pkcs1_enc = rsa
        .private_key_to_pem_passphrase(Cipher::aes_128_cbc(), b"pw")
        .unwrap();
    let secret = String::from_utf8_lossy(&pkcs8)
        .lines()
        .nth(2)
        .unwrap()
        .to_owned();
    for (name, pem) in [
        ("pkcs8.pem", pkcs8.clone()),
        ("pkcs8-enc.pem", pkcs8_enc),
        ("pkcs1.pem", pkcs1),
        ("pkcs1-enc.pem", pkcs1_enc),
    ] {
        assert_private_refused(name, &pem, &secret);
    }
    // A key bundled with its certificate is refused too: the file itself is the problem.
    let mut bundle = valid_certificate(key).to_pem().unwrap();
    bundle.extend(&pkcs8);
    assert_private_refused("bundle.pem", &bundle, &secret);
}

#[test]
fn der_private_key_and_pkcs12_are_refused() {
    let key = rsa_key();
    let der = key.private_key_to_pkcs8().unwrap();
    assert_private_refused("key.der", &der, &private_d());
    let cert = valid_certificate(key);
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .name("x")
        .pkey(key)
        .cert(&cert)
        .build2("pw")
        .unwrap()
        .to_der()
        .unwrap();
    let err = keys::import("business.p12", &p12).unwrap_err().to_string();
    assert!(err.contains(REFUSAL) && err.contains("-nokeys"), "{err}");
}

#[test]
fn private_jwk_and_jwks_member_are_refused() {
    let d = private_d();
    let mut jwk = serde_json::to_value(import_one("p", &spki_pem()).jwk).unwrap();
    jwk["d"] = d.clone().into();
    assert_private_refused("priv.json", jwk.to_string().as_bytes(), &d);
    let public =
        serde_json::to_value(import_one("o", &other_rsa_key().public_key_to_pem().unwrap()).jwk)
            .unwrap();
    let set = serde_json::json!({ "keys": [public, jwk] }).to_string();
    let err = keys::import("set.json", set.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("key #2") && err.contains(" d"), "{err}");
    assert!(!err.contains(&d));
}

// ---------- bad input ----------

#[test]
fn garbage_names_the_file_and_what_was_expected() {
    let truncated = &spki_pem()[..60];
    for (name, bytes) in [
        ("empty.pem", &b""[..]),
        ("notes.txt", &b"hello world"[..]),
        ("bad.json", &b"{\"kty\": "[..]),
        ("bin.der", &[0u8, 1, 2, 0xff, 0xfe][..]),
        ("trunc.pem", truncated),
        (
            "badbody.pem",
            &b"-----BEGIN PUBLIC KEY-----\n@@@\n-----END PUBLIC KEY-----\n"[..],
        ),
        (
            "junk.pem",
            &b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"[..],
        ),
        ("num.json", &b"42"[..]),
        ("keys.json", &b"{\"keys\": 3}"[..]),
        ("kty.json", &b"{\"kty\": 3}"[..]),
    ] {
        let err = keys::import(name, bytes).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{name}: ")), "{err}");
    }
    let err = keys::import("x.bin", &[7u8; 100]).unwrap_err().to_string();
    assert!(err.contains("expected a PEM public key"), "{err}");
}

#[test]
fn missing_file_is_a_read_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.pem");
    let err = keys::import_file(&path).unwrap_err().to_string();
    assert!(err.contains("nope.pem"), "{err}");
}

#[test]
fn import_file_reads_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pub.pem");
    std::fs::write(&path, spki_pem()).unwrap();
    let keys = keys::import_file(&path).unwrap();
    assert_uploadable(&keys[0].jwk, rsa_key());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    #[test]
    fn import_never_panics_on_random_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let _ = keys::import("fuzz", &bytes);
    }

    #[test]
    fn import_never_panics_on_mangled_pem(cut in 0usize..450, flip in 0usize..450) {
        let mut pem = spki_pem();
        if flip < pem.len() { pem[flip] ^= 0x20; }
        pem.truncate(cut.max(1));
        let _ = keys::import("fuzz.pem", &pem);
    }
}

// ---------- thumbprint ----------

#[test]
fn thumbprint_matches_rfc7638_section_3_1() {
    let jwk: Jwk = serde_json::from_str(r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#).unwrap();
    assert_eq!(
        keys::thumbprint(&jwk).unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

// ---------- lint ----------

fn good() -> Jwk {
    import_one("pub.pem", &spki_pem()).jwk
}

fn existing_key(kid: &str, exp: i64) -> Jwk {
    // Distinct but well-formed material: the other key, renamed.
    let mut jwk = import_one("o", &other_rsa_key().public_key_to_pem().unwrap()).jwk;
    jwk.kid = Some(kid.to_owned());
    jwk.exp = Some(exp);
    jwk
}

fn problems(candidate: impl Into<ImportedKey>, existing: &[Jwk]) -> Vec<(Severity, Problem)> {
    keys::lint(&candidate.into(), existing, now())
        .into_iter()
        .map(|f| (f.severity, f.problem))
        .collect()
}

#[test]
fn good_key_has_no_findings() {
    assert_eq!(
        problems(good(), &[existing_key("old", 1_900_000_000)]),
        vec![]
    );
}

#[test]
fn lint_private_members_refused() {
    let mut jwk = good();
    jwk.extra.insert("d".into(), private_d().into());
    jwk.extra.insert("qi".into(), "x".into());
    let found = keys::lint(&jwk.into(), &[], now());
    assert_eq!(found[0].severity, Severity::Refuse);
    assert_eq!(
        found[0].problem,
        Problem::PrivateMembers(vec!["d".into(), "qi".into()])
    );
    let text = found[0].to_string();
    assert!(
        text.contains(REFUSAL) && !text.contains(&private_d()),
        "{text}"
    );
}

#[test]
fn lint_small_rsa_refused() {
    let small = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
    let jwk = import_one("small.pem", &small.public_key_to_pem().unwrap()).jwk;
    assert_eq!(
        problems(jwk, &[]),
        vec![(Severity::Refuse, Problem::TooSmall { bits: 1024 })]
    );
}

#[test]
fn lint_use_and_alg() {
    let mut jwk = good();
    jwk.use_ = None;
    jwk.alg = None;
    assert_eq!(
        problems(jwk.clone(), &[]),
        vec![
            (Severity::Warn, Problem::UseMissing),
            (Severity::Warn, Problem::AlgMissing)
        ]
    );
    jwk.use_ = Some("enc".into());
    jwk.alg = Some("ES256".into());
    assert_eq!(
        problems(jwk.clone(), &[]),
        vec![
            (Severity::Refuse, Problem::UseWrong("enc".into())),
            (Severity::Refuse, Problem::AlgWrong("ES256".into()))
        ]
    );
    jwk.use_ = Some("sig".into());
    jwk.alg = Some("RS512".into());
    assert_eq!(problems(jwk, &[]), vec![]);
}

#[test]
fn lint_refuses_rs384_which_the_key_registry_does_not_take() {
    let mut jwk = good();
    jwk.alg = Some("RS384".into());
    let found = keys::lint(&jwk.into(), &[], now());
    assert_eq!(
        found
            .iter()
            .map(|f| (f.severity, f.problem.clone()))
            .collect::<Vec<_>>(),
        vec![(Severity::Refuse, Problem::AlgWrong("RS384".into()))]
    );
    let text = found[0].to_string();
    assert!(
        text.contains("RS256 or RS512") && text.contains("\"alg\": \"RS256\""),
        "says why and the fix: {text}"
    );
}

#[test]
fn lint_kty() {
    let mut jwk = good();
    jwk.kty = String::new();
    assert_eq!(
        problems(jwk.clone(), &[]),
        vec![(Severity::Refuse, Problem::KtyMissing)]
    );
    jwk.kty = "EC".into();
    assert_eq!(
        problems(jwk.clone(), &[]),
        vec![(Severity::Refuse, Problem::KtyWrong("EC".into()))]
    );
    jwk.kty = "RSA".into();
    jwk.n = None;
    let found = problems(jwk, &[]);
    assert!(
        matches!(&found[..], [(Severity::Refuse, Problem::Malformed(m))] if m.contains("'n'")),
        "{found:?}"
    );
}

#[test]
fn lint_kid_missing_and_bad_characters() {
    let mut jwk = good();
    let tp = keys::thumbprint(&jwk).unwrap();
    jwk.kid = None;
    assert_eq!(
        problems(jwk.clone(), &[]),
        vec![(
            Severity::Warn,
            Problem::KidMissing {
                suggested: Some(tp)
            }
        )]
    );
    jwk.kid = Some("my key/1".into());
    let found = problems(jwk, &[]);
    assert!(
        matches!(&found[..], [(Severity::Refuse, Problem::KidInvalid(m))] if m.contains("' '")),
        "{found:?}"
    );
}

#[test]
fn lint_kid_already_on_client() {
    let exp = now().timestamp() + 100 * 86_400;
    let mut jwk = good();
    jwk.kid = Some("old".into());
    assert_eq!(
        problems(jwk.clone(), &[existing_key("old", exp)]),
        vec![(
            Severity::Refuse,
            Problem::KidTaken {
                kid: "old".into(),
                same_key: false
            }
        )]
    );
    // The very same key under the same kid: nothing to upload.
    let mut same = good();
    same.kid = Some("old".into());
    same.exp = Some(exp);
    assert_eq!(
        problems(jwk.clone(), &[same.clone()]),
        vec![(
            Severity::Refuse,
            Problem::KidTaken {
                kid: "old".into(),
                same_key: true
            }
        )]
    );
    // The same key under another kid: a warning.
    jwk.kid = Some("new".into());
    assert_eq!(
        problems(jwk, &[same]),
        vec![(Severity::Warn, Problem::KeyPresent { kid: "old".into() })]
    );
}

#[test]
fn lint_sixth_key_offers_the_soonest_expiring_one() {
    let t = now().timestamp();
    let mut five: Vec<Jwk> = (0..5)
        .map(|i| existing_key(&format!("k{i}"), t + (50 - i) * 86_400))
        .collect();
    five[2].exp = None;
    let found = keys::lint(&good().into(), &five, now());
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].problem,
        Problem::TooManyKeys {
            existing: 5,
            drop: vec!["k4".into()]
        }
    );
    assert_eq!(found[0].severity, Severity::Refuse);
    assert!(
        found[0].to_string().contains("remove 'k4' first"),
        "{}",
        found[0]
    );
    // Four keys leave room.
    assert_eq!(problems(good(), &five[..4]), vec![]);
    // Six already (older data): two must go.
    five.push(existing_key("k5", t + 86_400));
    assert_eq!(
        problems(good(), &five),
        vec![(
            Severity::Refuse,
            Problem::TooManyKeys {
                existing: 6,
                drop: vec!["k5".into(), "k4".into()]
            }
        )]
    );
}

#[test]
fn lint_certificate_validity() {
    let t = now().timestamp();
    let expired = certificate(rsa_key(), t - 400 * 86_400, t - 86_400);
    let found = problems(import_one("old.pem", &expired.to_pem().unwrap()), &[]);
    assert!(
        matches!(&found[..], [(Severity::Refuse, Problem::CertificateExpired { not_after })] if not_after.timestamp() == t - 86_400),
        "{found:?}"
    );
    let future = certificate(rsa_key(), t + 86_400, t + 400 * 86_400);
    let found = problems(import_one("new.pem", &future.to_pem().unwrap()), &[]);
    assert!(
        matches!(
            &found[..],
            [(Severity::Warn, Problem::CertificateNotYetValid { .. })]
        ),
        "{found:?}"
    );
}

#[test]
fn lint_exp_in_past_and_x5c() {
    let mut jwk = good();
    jwk.exp = Some(now().timestamp() - 1);
    jwk.extra.insert("x5c".into(), serde_json::json!(["AAAA"]));
    assert_eq!(
        problems(jwk, &[]),
        vec![
            (
                Severity::Refuse,
                Problem::ExpInPast {
                    exp: now().timestamp() - 1
                }
            ),
            (Severity::Warn, Problem::X5cPresent)
        ]
    );
}

#[test]
fn lint_lists_refusals_before_warnings_one_per_problem() {
    let mut jwk = good();
    jwk.use_ = None;
    jwk.kid = Some("bad kid".into());
    jwk.alg = Some("none".into());
    let found = keys::lint(&jwk.into(), &[], now());
    let severities: Vec<Severity> = found.iter().map(|f| f.severity).collect();
    assert_eq!(
        severities,
        vec![Severity::Refuse, Severity::Refuse, Severity::Warn]
    );
    assert_eq!(keys::refusals(&found).count(), 2);
    assert!(found[0].to_string().starts_with("refused: "));
    assert!(found[2].to_string().starts_with("warning: "));
}

// ---------- generate and load ----------

#[test]
fn generate_writes_encrypted_pkcs8_with_mode_0600_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("client.key.pem");
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let generated = keys::generate(
        KeySize::Rsa2048,
        KidChoice::ClientDate {
            client_name: "Min klient".into(),
            date,
        },
        &out,
        Protection::Passphrase(b"correct horse"),
    )
    .unwrap();
    assert_eq!(generated.private_key_file, out);
    assert_eq!(generated.jwk.kid.as_deref(), Some("min-klient-2026-11-22"));
    assert_eq!(keys::modulus_bits(&generated.jwk).unwrap(), 2048);
    assert!(generated.jwk.private_members().is_empty());
    assert_eq!(problems(generated.jwk.clone(), &[]), vec![]);

    let pem = std::fs::read_to_string(&out).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{pem:.40}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Without or with the wrong passphrase it does not load; with it, it is the same key.
    assert!(matches!(
        keys::load_private_key(&out, None),
        Err(KeyError::Passphrase { .. })
    ));
    assert!(matches!(
        keys::load_private_key(&out, Some(b"wrong")),
        Err(KeyError::Passphrase { .. })
    ));
    let loaded = keys::load_private_key(&out, Some(b"correct horse")).unwrap();
    assert_eq!(loaded.jwk.n, generated.jwk.n);
    assert!(!format!("{loaded:?}").contains("PRIVATE"));

    // The private key file itself is never importable as an upload.
    assert!(matches!(
        keys::import_file(&out),
        Err(KeyError::PrivateMaterial { .. })
    ));

    // A second generate to the same path is refused and leaves the file alone.
    let err = keys::generate(
        KeySize::Rsa2048,
        KidChoice::Thumbprint,
        &out,
        Protection::Unencrypted,
    )
    .unwrap_err();
    assert!(matches!(err, KeyError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), pem);
}

#[test]
fn generate_unencrypted_only_when_asked_and_kid_choices() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plain.pem");
    let kid: mpadmin::api::types::Kid = "explicit-1".parse().unwrap();
    let generated = keys::generate(
        KeySize::Rsa2048,
        KidChoice::Explicit(kid),
        &out,
        Protection::Unencrypted,
    )
    .unwrap();
    assert_eq!(generated.jwk.kid.as_deref(), Some("explicit-1"));
    let pem = std::fs::read_to_string(&out).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let loaded = keys::load_private_key(&out, None).unwrap();
    assert_eq!(loaded.jwk.n, generated.jwk.n);
    // The loaded key's kid is its thumbprint, for matching against the client's keys.
    assert_eq!(
        loaded.jwk.kid,
        Some(keys::thumbprint(&generated.jwk).unwrap())
    );
}

#[test]
fn generate_with_thumbprint_kid_and_empty_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("empty-pass.pem");
    let err = keys::generate(
        KeySize::Rsa2048,
        KidChoice::Thumbprint,
        &out,
        Protection::Passphrase(b""),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--unencrypted"), "{err}");
    assert!(
        !out.exists(),
        "nothing is written when generation is refused"
    );
}

#[test]
fn load_private_key_rejects_public_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("pub.pem");
    std::fs::write(&public, spki_pem()).unwrap();
    let err = keys::load_private_key(&public, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a PEM private key"), "{err}");
    let legacy = dir.path().join("legacy.pem");
    std::fs::write(
        &legacy,
        rsa_key()
            .rsa()
            .unwrap()
            .private_key_to_pem_passphrase(Cipher::aes_128_cbc(), b"pw")
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        keys::load_private_key(&legacy, None),
        Err(KeyError::Passphrase { .. })
    ));
    let loaded = keys::load_private_key(&legacy, Some(b"pw")).unwrap();
    assert_eq!(loaded.jwk.n, good().n);
    assert!(keys::load_private_key(&dir.path().join("missing.pem"), None).is_err());
}

// ---------- expiry ----------

#[test]
fn days_left_floors_and_goes_negative() {
    let mut jwk = good();
    let t = now().timestamp();
    jwk.exp = Some(t + 30 * 86_400 - 1);
    assert_eq!(keys::days_left(&jwk, now()), Some(29));
    jwk.exp = Some(t + 3600);
    assert_eq!(keys::days_left(&jwk, now()), Some(0));
    jwk.exp = Some(t - 3600);
    assert_eq!(keys::days_left(&jwk, now()), Some(-1));
    jwk.exp = None;
    assert_eq!(keys::days_left(&jwk, now()), None);
}

#[test]
fn expiry_overview_sorts_all_clients_keys_by_expiry() {
    let t = now().timestamp();
    let client = |id: &str| Client {
        client_id: id.into(),
        client_name: format!("name-{id}"),
        ..Client::default()
    };
    let a = client("a");
    let b = client("b");
    let a_keys = vec![existing_key("a-late", t + 200 * 86_400), {
        let mut k = existing_key("a-none", 0);
        k.exp = None;
        k
    }];
    let b_keys = vec![
        existing_key("b-soon", t + 10 * 86_400),
        existing_key("b-gone", t - 86_400),
    ];
    let rows = keys::expiry_overview([(&a, a_keys.as_slice()), (&b, b_keys.as_slice())], now());
    let order: Vec<&str> = rows.iter().map(|r| r.kid.as_str()).collect();
    assert_eq!(order, vec!["b-gone", "b-soon", "a-late", "a-none"]);
    assert_eq!(rows[0].client_id, "b");
    assert_eq!(rows[1].days_left(), Some(10));
    assert_eq!(rows[3].days_left(), None);
    let within_30: Vec<&str> = rows
        .iter()
        .filter(|r| r.expires_within(30))
        .map(|r| r.kid.as_str())
        .collect();
    assert_eq!(within_30, vec!["b-gone", "b-soon"]);
    assert!(!rows[2].expires_within(199) && rows[2].expires_within(200));
}

// ---------- CLI against the emulator: generate, rotate, 5-key path, expiry, token doctor ----------

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::TestEmulator;

const SAKSBEHANDLING: &str = "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a01";
const RAPPORTERING: &str = "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a02";
const PASSPHRASE_ENV: &str = "MPADMIN_TEST_KEY_PASSPHRASE";

/// Runs the real binary against the emulator's `emulator` profile, off the runtime thread so
/// the in-process emulator keeps serving.
async fn mpadmin(emu: &TestEmulator, args: &[&str]) -> Output {
    mpadmin_with(emu, emu.keys_toml(), args).await
}

/// As `mpadmin`, with another profiles file.
async fn mpadmin_with(emu: &TestEmulator, keys_toml: PathBuf, args: &[&str]) -> Output {
    let (data, state) = (emu.temp_dir().join("data"), emu.temp_dir().join("state"));
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"))
            .arg("--keys")
            .arg(keys_toml)
            .args(["--profile", "emulator"])
            .args(&args)
            .env(PASSPHRASE_ENV, "correct horse battery")
            // The journal and logs of these runs stay in the test's temp dir.
            .env("XDG_DATA_HOME", &data)
            .env("XDG_STATE_HOME", &state)
            .env_remove("MPADMIN_KEYS")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn kids_on(emu: &TestEmulator, client: &str) -> Vec<String> {
    emu.state()
        .jwks
        .get(client)
        .map(|j| j.keys.iter().filter_map(|k| k.kid.clone()).collect())
        .unwrap_or_default()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The private key behind the demo clients' keys (the emulator reuses its own-key admin key).
fn demo_key_file(emu: &TestEmulator) -> PathBuf {
    emu.dir().join("admin-own.key.pem")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_generate_uploads_beside_old_keys_and_never_overwrites() {
    let emu = common::emulator().await;
    let out = emu.temp_dir().join("new.key.pem");
    let before = kids_on(&emu, RAPPORTERING);
    let o = mpadmin(
        &emu,
        &[
            "keys",
            "generate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--kid",
            "rapportering-new",
            "--passphrase-env",
            PASSPHRASE_ENV,
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let mut want = before.clone();
    want.push("rapportering-new".into());
    assert_eq!(kids_on(&emu, RAPPORTERING), want);
    let pem = std::fs::read_to_string(&out).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // Same --out again: refused before anything is generated or uploaded.
    let o = mpadmin(
        &emu,
        &[
            "keys",
            "generate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--kid",
            "rapportering-other",
            "--unencrypted",
        ],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
    assert_eq!(kids_on(&emu, RAPPORTERING), want);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), pem);

    // Without a passphrase source and no terminal: refused, nothing written.
    let plain = emu.temp_dir().join("plain.key.pem");
    let o = mpadmin(
        &emu,
        &[
            "keys",
            "generate",
            RAPPORTERING,
            "--out",
            path_str(&plain),
            "--bits",
            "2048",
        ],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--unencrypted"), "{}", stderr(&o));
    assert!(!plain.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_rotation_proves_the_new_key_then_removes_the_old_one() {
    let emu = common::emulator().await;
    let out = emu.temp_dir().join("rot.key.pem");
    assert_eq!(kids_on(&emu, RAPPORTERING), ["rapportering-2025-12"]);
    let o = mpadmin(
        &emu,
        &[
            "--yes",
            "keys",
            "rotate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--unencrypted",
            "--kid",
            "rapportering-2026",
            "--delete-old",
        ],
    )
    .await;
    let text = stdout(&o);
    assert_eq!(code(&o), 0, "{text}{}", stderr(&o));
    assert!(
        text.contains("proof: Maskinporten issued a token signed with rapportering-2026"),
        "{text}"
    );
    assert!(
        text.contains("removed the old key rapportering-2025-12"),
        "{text}"
    );
    assert_eq!(kids_on(&emu, RAPPORTERING), ["rapportering-2026"]);

    // The doctor agrees: the new key gets a token, found by its material without --kid.
    let o = mpadmin(
        &emu,
        &["token", "test", RAPPORTERING, "--key", path_str(&out)],
    )
    .await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("rapportering-2026"), "{}", stdout(&o));
    assert!(stdout(&o).contains("991825827"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_rotation_without_delete_old_keeps_it_and_prints_the_command() {
    let emu = common::emulator().await;
    let out = emu.temp_dir().join("rot.key.pem");
    let o = mpadmin(
        &emu,
        &[
            "keys",
            "rotate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--passphrase-env",
            PASSPHRASE_ENV,
            "--kid",
            "rapportering-2026",
        ],
    )
    .await;
    let text = stdout(&o);
    assert_eq!(code(&o), 0, "{text}{}", stderr(&o));
    assert!(
        text.contains(&format!(
            "`mpadmin --profile emulator keys remove {RAPPORTERING} rapportering-2025-12`"
        )),
        "{text}"
    );
    assert_eq!(
        kids_on(&emu, RAPPORTERING),
        ["rapportering-2025-12", "rapportering-2026"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_rotation_whose_proof_fails_deletes_nothing() {
    let emu = common::emulator().await;
    let out = emu.temp_dir().join("rot.key.pem");
    // A scope the client does not have: the proof is refused (MP-200).
    let o = mpadmin(
        &emu,
        &[
            "--yes",
            "keys",
            "rotate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--unencrypted",
            "--kid",
            "rapportering-2026",
            "--delete-old",
            "--scope",
            "difitest:api3",
        ],
    )
    .await;
    let text = stdout(&o);
    assert_eq!(code(&o), 1, "{text}{}", stderr(&o));
    assert!(text.contains("MP-200"), "{text}");
    assert!(
        text.contains(&format!(
            "mpadmin --profile emulator clients update {RAPPORTERING} --add-scope difitest:api3"
        )),
        "{text}"
    );
    assert!(text.contains("nothing was deleted"), "{text}");
    assert!(
        text.contains(&format!(
            "`mpadmin --profile emulator keys remove {RAPPORTERING} rapportering-2026`"
        )),
        "{text}"
    );
    assert!(stderr(&o).contains("no key was removed"), "{}", stderr(&o));
    assert_eq!(
        kids_on(&emu, RAPPORTERING),
        ["rapportering-2025-12", "rapportering-2026"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_five_key_limit_needs_a_drop_and_never_drops_the_rotated_key() {
    let emu = common::emulator().await;
    // saksbehandling has three keys; two more make five.
    for kid in ["s4", "s5"] {
        let out = emu.temp_dir().join(format!("{kid}.pem"));
        let o = mpadmin(
            &emu,
            &[
                "keys",
                "generate",
                SAKSBEHANDLING,
                "--out",
                path_str(&out),
                "--bits",
                "2048",
                "--kid",
                kid,
                "--unencrypted",
            ],
        )
        .await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert_eq!(kids_on(&emu, SAKSBEHANDLING).len(), 5);
    let sixth = emu.temp_dir().join("s6.pem");
    let args = |extra: &'static [&'static str]| {
        let mut a = vec![
            "--yes",
            "keys",
            "generate",
            SAKSBEHANDLING,
            "--out",
            path_str(&sixth),
            "--bits",
            "2048",
            "--kid",
            "s6",
            "--unencrypted",
        ];
        a.extend_from_slice(extra);
        a
    };
    let o = mpadmin(&emu, &args(&[])).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--drop saksbehandling-2026-01"),
        "suggests the soonest expiring key: {}",
        stderr(&o)
    );
    assert!(!sixth.exists(), "nothing generated before the check");

    // keys add of a sixth key is refused by lint with the exact remove command.
    let public = emu.temp_dir().join("pub.pem");
    std::fs::write(&public, other_rsa_key().public_key_to_pem().unwrap()).unwrap();
    let o = mpadmin(
        &emu,
        &["keys", "add", SAKSBEHANDLING, "--file", path_str(&public)],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "mpadmin keys remove {SAKSBEHANDLING} saksbehandling-2026-01"
        )),
        "{}",
        stderr(&o)
    );

    // Rotating the soonest key with five present: --drop may not name the key being rotated.
    let rot = emu.temp_dir().join("rot.pem");
    let o = mpadmin(
        &emu,
        &[
            "--yes",
            "keys",
            "rotate",
            SAKSBEHANDLING,
            "--out",
            path_str(&rot),
            "--bits",
            "2048",
            "--unencrypted",
            "--kid",
            "s-new",
            "--drop",
            "saksbehandling-2026-01",
        ],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is the key being rotated"),
        "{}",
        stderr(&o)
    );
    // Dropping another key makes room; the rotated key stays until the proof.
    let o = mpadmin(
        &emu,
        &[
            "--yes",
            "keys",
            "rotate",
            SAKSBEHANDLING,
            "--out",
            path_str(&rot),
            "--bits",
            "2048",
            "--unencrypted",
            "--kid",
            "s-new",
            "--drop",
            "s4",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let kids = kids_on(&emu, SAKSBEHANDLING);
    assert_eq!(kids.len(), 5);
    assert!(
        kids.contains(&"saksbehandling-2026-01".to_owned()) && !kids.contains(&"s4".to_owned()),
        "{kids:?}"
    );
    assert!(kids.contains(&"s-new".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_expiring_sorts_all_keys_and_exits_1_within_the_window() {
    let emu = common::emulator().await;
    let o = mpadmin(&emu, &["--json", "keys", "expiring", "--days", "30"]).await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let days: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["days_left"].as_i64())
        .collect();
    assert!(days.len() >= 7, "{rows:?}");
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "sorted: {days:?}");
    assert_eq!(rows[0]["kid"], "rapportering-2025-12");
    assert_eq!(rows[0]["within"], true);
    assert_eq!(rows[1]["within"], false);
    assert!(
        stderr(&o).contains("1 key(s) expire within 30 days"),
        "{}",
        stderr(&o)
    );

    let o = mpadmin(&emu, &["keys", "expiring", "--days", "5"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(first.contains("rapportering-2025-12"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_lint_works_offline_and_exits_by_severity() {
    let dir = tempfile::tempdir().unwrap();
    let lint = |file: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"))
            .args(["--keys", "/nonexistent/keys.toml", "keys", "lint"])
            .arg(file)
            .output()
            .unwrap()
    };
    let good = dir.path().join("good.pem");
    std::fs::write(&good, spki_pem()).unwrap();
    let o = lint(&good);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: ready to upload"), "{}", stdout(&o));

    let small = dir.path().join("small.pem");
    let key = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
    std::fs::write(&small, key.public_key_to_pem().unwrap()).unwrap();
    let o = lint(&small);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("refused: the RSA key has 1024 bits"),
        "{}",
        stdout(&o)
    );

    let private = dir.path().join("private.pem");
    std::fs::write(&private, rsa_key().private_key_to_pem_pkcs8().unwrap()).unwrap();
    let o = lint(&private);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains(REFUSAL), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_add_certificate_uploads_public_key_under_its_thumbprint() {
    let emu = common::emulator().await;
    let cert = emu.temp_dir().join("cert.pem");
    let now = Utc::now().timestamp();
    std::fs::write(
        &cert,
        certificate(other_rsa_key(), now - 86_400, now + 300 * 86_400)
            .to_pem()
            .unwrap(),
    )
    .unwrap();
    let o = mpadmin(
        &emu,
        &["keys", "add", RAPPORTERING, "--file", path_str(&cert)],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tp = keys::thumbprint(&import_one("c", &other_rsa_key().public_key_to_pem().unwrap()).jwk)
        .unwrap();
    assert_eq!(
        kids_on(&emu, RAPPORTERING),
        ["rapportering-2025-12".to_owned(), tp]
    );
    let uploaded = &emu.state().jwks[RAPPORTERING].keys[1];
    assert!(!uploaded.extra.contains_key("x5c"));
    assert_eq!(uploaded.use_.as_deref(), Some("sig"));
}

// ---------- token doctor diagnoses ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_unknown_kid_points_at_the_registered_kid() {
    let emu = common::emulator().await;
    let key = demo_key_file(&emu);
    let o = mpadmin(
        &emu,
        &[
            "token",
            "test",
            RAPPORTERING,
            "--key",
            path_str(&key),
            "--kid",
            "nope",
        ],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("fix: use --kid rapportering-2025-12"),
        "{}",
        stdout(&o)
    );

    // A key the client does not have: its kids and the add command.
    let stranger = emu.temp_dir().join("stranger.pem");
    std::fs::write(
        &stranger,
        other_rsa_key().private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let o = mpadmin(
        &emu,
        &["token", "test", RAPPORTERING, "--key", path_str(&stranger)],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("the client's kids are rapportering-2025-12"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "mpadmin --profile emulator keys add {RAPPORTERING}"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_scope_not_on_client_says_add_it() {
    let emu = common::emulator().await;
    let key = demo_key_file(&emu);
    let o = mpadmin(
        &emu,
        &[
            "token",
            "test",
            RAPPORTERING,
            "--key",
            path_str(&key),
            "--scope",
            "difitest:api3",
        ],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "mpadmin --profile emulator clients update {RAPPORTERING} --add-scope difitest:api3"
        )),
        "{}",
        stdout(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_consumer_not_granted_says_ask_the_prefix_owner() {
    let emu = common::emulator().await;
    // The owner of etaten: revokes our access to a scope saksbehandling uses.
    let other = common::Grant::x5c(
        &emu,
        mpadmin::emulator::OTHER_ADMIN_CLIENT_ID,
        common::ALL_ADMIN,
        "other-org.key.pem",
        "other-org.cert.pem",
    );
    let (status, body) = common::post_grant(&emu, &other.sign()).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let resp = reqwest::Client::new()
        .delete(format!(
            "{}/scopes/access/{}?scope=etaten:register.read",
            emu.api_base(),
            mpadmin::emulator::OWN_ORGNO
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());

    let key = demo_key_file(&emu);
    let o = mpadmin(
        &emu,
        &[
            "token",
            "test",
            SAKSBEHANDLING,
            "--key",
            path_str(&key),
            "--scope",
            "etaten:register.read",
        ],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("MP-250"), "{text}");
    assert!(
        text.contains("ask the owner of prefix 'etaten' to grant it: they run `mpadmin access grant 991825827 --scope etaten:register.read`"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_expired_key_says_rotate() {
    // Digdir lets keys run out; the API refuses a past exp, so start from a saved state
    // in which rapportering's key has already expired.
    let seeded = common::emulator().await;
    let mut snapshot = seeded.state();
    snapshot.jwks.get_mut(RAPPORTERING).unwrap().keys[0].exp = Some(Utc::now().timestamp() - 60);
    let state_file = seeded.temp_dir().join("state.json");
    std::fs::write(&state_file, serde_json::to_vec(&snapshot).unwrap()).unwrap();
    let emu = common::emulator_with_state(state_file).await;

    let key = demo_key_file(&seeded);
    let o = mpadmin(
        &emu,
        &["token", "test", RAPPORTERING, "--key", path_str(&key)],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("MP-121"), "{text}");
    assert!(
        text.contains("key 'rapportering-2025-12' expired on"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "mpadmin --profile emulator keys rotate {RAPPORTERING}"
        )),
        "{text}"
    );
}

/// `token test --key FILE` checks FILE as the profile's own key is checked: a warning when
/// other users may read it, a refusal on PROD when it is also unencrypted (nothing sent).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_key_other_users_may_read_is_warned_about_and_refused_on_prod() {
    use std::os::unix::fs::PermissionsExt;
    let emu = common::emulator().await;
    let open = emu.temp_dir().join("open.pem");
    std::fs::copy(demo_key_file(&emu), &open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = ["token", "test", RAPPORTERING, "--key", path_str(&open)];

    let o = mpadmin(&emu, &args).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("open.pem can be read by other users (mode 644); fix: chmod 600"),
        "{}",
        stderr(&o)
    );

    let prod = emu.keys_toml_with("prod.toml", "emulator", "environment = \"prod\"");
    let requests = emu.token_requests();
    let o = mpadmin_with(&emu, prod, &args).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--key: ")
            && stderr(&o)
                .contains("open.pem is not encrypted and other users can read it (mode 644)")
            && stderr(&o).contains("fix: chmod 600"),
        "{}",
        stderr(&o)
    );
    assert_eq!(emu.token_requests(), requests, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_wrong_key_for_kid_names_the_right_kid() {
    let emu = common::emulator().await;
    // rapportering's key is the demo key; sign with it but name the kid of another key on
    // the same client.
    let out = emu.temp_dir().join("second.pem");
    let o = mpadmin(
        &emu,
        &[
            "keys",
            "generate",
            RAPPORTERING,
            "--out",
            path_str(&out),
            "--bits",
            "2048",
            "--kid",
            "second",
            "--unencrypted",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let key = demo_key_file(&emu);
    let o = mpadmin(
        &emu,
        &[
            "token",
            "test",
            RAPPORTERING,
            "--key",
            path_str(&key),
            "--kid",
            "second",
        ],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("MP-124"), "{text}");
    assert!(
        text.contains("fix: use --kid rapportering-2025-12"),
        "{text}"
    );
}
