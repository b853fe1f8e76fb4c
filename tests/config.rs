//! The profiles file and the signing material it names: every problem names the profile, the
//! field and the fix; good profiles load with the documented defaults.

#[path = "auth_support/mod.rs"]
mod auth_support;

use std::path::{Path, PathBuf};

use auth_support::{P12_PASSWORD, TestPasswords, material, material_dir, write, write_p12};
use mpadmin::auth::{Credentials, GrantHeader, PasswordSource, signer_with};
use mpadmin::config::{self, ConfigError, Environment, Profile, Signing};

const PW_ENV: &str = "MPADMIN_TEST_P12_PASSWORD";

fn keys_file(dir: &Path, body: &str) -> PathBuf {
    write(dir, "keys.toml", body.as_bytes())
}

fn load(dir: &Path, body: &str) -> Result<Profile, ConfigError> {
    config::load(Some(&keys_file(dir, body)), Some("p"))
}

/// A `[profiles.p]` with test environment and client_id, plus `extra` lines.
fn profile(extra: &str) -> String {
    format!("[profiles.p]\nenvironment = \"test\"\nclient_id = \"admin-1\"\n{extra}\n")
}

fn pem_pair() -> &'static str {
    "private_key = \"key.pem\"\ncertificate = \"cert.pem\""
}

#[track_caller]
fn assert_names(msg: &str, field: &str, fix: &str) {
    assert!(msg.contains("profile 'p'"), "no profile in: {msg}");
    assert!(
        msg.contains(&format!("field '{field}'")),
        "no field {field} in: {msg}"
    );
    assert!(msg.contains("fix: "), "no fix in: {msg}");
    assert!(msg.contains(fix), "fix should mention {fix:?}: {msg}");
}

#[test]
fn every_profile_problem_names_profile_field_and_fix() {
    let dir = material_dir();
    let cases: &[(&str, &str, &str)] = &[
        ("clientid = \"x\"\n", "clientid", "did you mean 'client_id'"),
        (
            "pkcs12 = \"business.p12\"\nprivate_key = \"key.pem\"",
            "pkcs12",
            "keep exactly one",
        ),
        ("", "pkcs12", "private_key + certificate"),
        ("private_key = \"key.pem\"", "private_key", "kid ="),
        (
            "certificate = \"cert.pem\"",
            "certificate",
            "add private_key",
        ),
        (
            "private_key = \"key.pem\"\ncertificate = \"cert.pem\"\nkid = \"k\"",
            "kid",
            "keep exactly one",
        ),
        (
            "pkcs12_alias = \"a\"\nkid = \"k\"",
            "pkcs12_alias",
            "set pkcs12",
        ),
        ("pkcs12 = \"missing.p12\"", "pkcs12", "correct the path"),
        (
            "issuer = \"not a url\"\npkcs12 = \"business.p12\"",
            "issuer",
            "full URL",
        ),
        (
            "api_base = \"http://api.example.org/api/v1\"\npkcs12 = \"business.p12\"",
            "api_base",
            "https://",
        ),
        (
            "token_endpoint = \"ftp://127.0.0.1/token\"\npkcs12 = \"business.p12\"",
            "token_endpoint",
            "https://",
        ),
        (
            "issuer = \"https://test.maskinporten.no\"\npkcs12 = \"business.p12\"",
            "issuer",
            "\"https://test.maskinporten.no/\"",
        ),
        (
            "scopes = \"idporten:dcr.read\"\npkcs12 = \"business.p12\"",
            "scopes",
            "scopes = [",
        ),
        (
            "scopes = []\npkcs12 = \"business.p12\"",
            "scopes",
            "scopes = [",
        ),
        (
            "read_only = \"yes\"\npkcs12 = \"business.p12\"",
            "read_only",
            "read_only = true",
        ),
        (
            "ca_certificate = \"nope.pem\"\npkcs12 = \"business.p12\"",
            "ca_certificate",
            "path",
        ),
    ];
    for (extra, field, fix) in cases {
        let err = load(dir.path(), &profile(extra)).expect_err(extra);
        assert_eq!(err.field().map(|f| f.1), Some(*field), "{err}");
        assert_names(&err.to_string(), field, fix);
    }
    let staging = profile(pem_pair()).replace("\"test\"", "\"staging\"");
    let err = load(dir.path(), &staging).unwrap_err();
    assert_names(&err.to_string(), "environment", "environment = \"test\"");
    let err = load(
        dir.path(),
        "[profiles.p]\nenvironment = \"test\"\npkcs12 = \"business.p12\"",
    )
    .unwrap_err();
    assert_names(&err.to_string(), "client_id", "client_id = ");
    let err = load(
        dir.path(),
        "[profiles.p]\nclient_id = \"c\"\npkcs12 = \"business.p12\"",
    )
    .unwrap_err();
    assert_names(&err.to_string(), "issuer", "environment = \"test\"");
}

/// Like a compiler: one run lists every mistake of the top level and the profile, each with
/// its profile (or the top level), field and fix.
#[test]
fn every_problem_of_the_file_is_reported_in_one_run() {
    let dir = material_dir();
    let text = "default_profile = 3\ncolour = \"red\"\n\
                [profiles.p]\nenvironment = \"staging\"\nclientid = \"x\"\nscopes = \"a\"\n\
                read_only = \"yes\"\nconnect_timeout_secs = 0\nprivate_key = \"missing.pem\"\n\
                kid = \"has space\"\n";
    let err = load(dir.path(), text).unwrap_err().to_string();
    let expected = [
        "top level, field 'default_profile'",
        "top level, field 'colour'",
        "profile 'p', field 'clientid'",
        "profile 'p', field 'environment'",
        "profile 'p', field 'client_id'",
        "profile 'p', field 'scopes'",
        "profile 'p', field 'read_only'",
        "profile 'p', field 'connect_timeout_secs'",
        "profile 'p', field 'private_key'",
        "profile 'p', field 'kid'",
    ];
    for want in expected {
        assert!(err.contains(want), "{want} missing from: {err}");
    }
    assert!(
        err.contains(&format!("{} problems:", expected.len())),
        "{err}"
    );
    let listed: Vec<&str> = err.lines().skip(1).collect();
    assert_eq!(listed.len(), expected.len(), "{err}");
    assert!(listed.iter().all(|l| l.contains("; fix: ")), "{err}");
    // Fields that follow from a broken one (issuer and api_base from environment) are not
    // reported twice.
    assert!(!err.contains("field 'issuer'"), "{err}");
}

#[test]
fn passwords_in_the_file_are_refused_without_being_repeated() {
    let dir = material_dir();
    for line in [
        "pkcs12_password = \"Sup3r-S3cret\"",
        "password = \"Sup3r-S3cret\"",
        "pkcs12_password_env = \"Sup3r-S3cret\"",
    ] {
        let err = load(
            dir.path(),
            &profile(&format!("pkcs12 = \"business.p12\"\n{line}")),
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("Sup3r-S3cret"), "password echoed: {err}");
        assert!(
            err.contains("profile 'p'") && err.contains("environment variable"),
            "{err}"
        );
    }
}

#[test]
fn file_level_problems_say_what_to_do() {
    let dir = material_dir();
    let missing = dir.path().join("nowhere.toml");
    let err = config::load(Some(&missing), None).unwrap_err().to_string();
    assert!(
        err.contains("nowhere.toml") && err.contains("from --keys"),
        "{err}"
    );
    assert!(err.contains("keys.example"), "{err}");

    let err = load(dir.path(), "[profiles.p\n").unwrap_err().to_string();
    assert!(
        err.contains("not valid TOML") && err.contains("line 1"),
        "{err}"
    );

    let err = load(
        dir.path(),
        &format!("colour = \"red\"\n{}", profile(pem_pair())),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("top level, field 'colour': unknown top-level field"),
        "{err}"
    );

    let two = format!(
        "{}{}",
        profile(pem_pair()),
        profile(pem_pair()).replace("profiles.p]", "profiles.q]")
    );
    let path = keys_file(dir.path(), &two);
    let err = config::load(Some(&path), None).unwrap_err().to_string();
    assert!(
        err.contains("--profile NAME") && err.contains("default_profile"),
        "{err}"
    );
    assert!(err.contains("p, q"), "{err}");
    let err = config::load(Some(&path), Some("prod"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no profile 'prod'") && err.contains("[profiles.prod]"),
        "{err}"
    );

    let bad_default = format!("default_profile = \"gone\"\n{two}");
    let path = keys_file(dir.path(), &bad_default);
    let err = config::load(Some(&path), None).unwrap_err().to_string();
    assert!(
        err.contains("no profile 'gone' (named by default_profile)"),
        "{err}"
    );

    let with_default = format!("default_profile = \"q\"\n{two}");
    let path = keys_file(dir.path(), &with_default);
    assert_eq!(config::load(Some(&path), None).unwrap().name, "q");
    assert_eq!(config::load(Some(&path), Some("p")).unwrap().name, "p");
}

/// Read with a cap: a huge file or an endless device is refused after 1 MiB, quickly.
#[test]
fn a_profiles_file_over_1_mib_is_refused_naming_the_file_and_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    // Valid TOML all the way, so only the size can be the complaint.
    let mut big = profile(pem_pair());
    while big.len() <= 2 << 20 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let path = keys_file(dir.path(), &big);
    let mut files = vec![path];
    if cfg!(unix) {
        files.push(PathBuf::from("/dev/zero"));
    }
    for path in files {
        let started = std::time::Instant::now();
        let err = config::open(Some(&path)).err().unwrap().to_string();
        assert!(
            err.contains(&path.display().to_string()) && err.contains("1 MiB"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}

#[test]
fn environment_sets_endpoints_and_fields_override_them() {
    let dir = material_dir();
    let p = load(dir.path(), &profile(pem_pair())).unwrap();
    assert_eq!(p.environment, Some(Environment::Test));
    assert_eq!(p.issuer, "https://test.maskinporten.no/");
    assert_eq!(
        p.token_endpoint.as_str(),
        "https://test.maskinporten.no/token"
    );
    assert_eq!(
        p.api_base.as_str(),
        "https://api.test.samarbeid.digdir.no/api/v1"
    );
    assert_eq!(p.scopes, Profile::DEFAULT_SCOPES.map(String::from).to_vec());
    assert!(!p.read_only && !p.is_prod());
    assert_eq!(
        p.signing,
        Signing::PemPair {
            private_key: dir.path().join("key.pem"),
            certificate: dir.path().join("cert.pem"),
        }
    );

    let prod = load(
        dir.path(),
        &profile(pem_pair()).replace("\"test\"", "\"prod\""),
    )
    .unwrap();
    assert_eq!(prod.issuer, "https://maskinporten.no/");
    assert_eq!(
        prod.token_endpoint.as_str(),
        "https://maskinporten.no/token"
    );
    assert_eq!(
        prod.api_base.as_str(),
        "https://api.samarbeid.digdir.no/api/v1"
    );
    assert!(prod.is_prod());

    // Loopback http is fine; the issuer is kept byte for byte (it is the grant's aud).
    let local = load(
        dir.path(),
        &format!(
            "[profiles.p]\nissuer = \"http://127.0.0.1:4000/\"\napi_base = \"http://localhost:4000/api/v1\"\n\
             client_id = \"c\"\nscopes = [\"a:b\"]\nread_only = true\nca_certificate = \"ca.pem\"\n{}",
            pem_pair()
        ),
    )
    .unwrap();
    assert_eq!(local.environment, None);
    assert_eq!(local.issuer, "http://127.0.0.1:4000/");
    assert_eq!(local.token_endpoint.as_str(), "http://127.0.0.1:4000/token");
    assert_eq!(local.scopes, ["a:b"]);
    assert!(local.read_only);
    assert_eq!(local.ca_certificate, Some(dir.path().join("ca.pem")));
    let v6 = load(
        dir.path(),
        &profile(&format!(
            "token_endpoint = \"http://[::1]:9/t\"\n{}",
            pem_pair()
        )),
    )
    .unwrap();
    assert_eq!(v6.token_endpoint.as_str(), "http://[::1]:9/t");
    assert_eq!(
        v6.issuer, "https://test.maskinporten.no/",
        "environment still sets the rest"
    );
}

#[test]
fn production_endpoints_make_a_profile_prod_whatever_its_label_says() {
    let dir = material_dir();
    let custom = |lines: &str| {
        load(
            dir.path(),
            &format!("[profiles.p]\nclient_id = \"c\"\n{lines}\n{}", pem_pair()),
        )
    };
    let loopback =
        "token_endpoint = \"http://127.0.0.1:1/token\"\napi_base = \"http://127.0.0.1:1/api/v1\"";
    for lines in [
        format!("issuer = \"https://maskinporten.no/\"\n{loopback}"),
        "issuer = \"http://127.0.0.1:1/\"\napi_base = \"https://api.samarbeid.digdir.no/api/v1\"".to_owned(),
        "issuer = \"http://127.0.0.1:1/\"\ntoken_endpoint = \"https://MASKINPORTEN.NO./token\"\napi_base = \"http://127.0.0.1:1/api/v1\"".to_owned(),
    ] {
        let p = custom(&lines).unwrap_or_else(|e| panic!("{lines}: {e}"));
        assert!(p.is_prod(), "{lines}");
        assert_eq!(p.environment, Some(Environment::Prod), "{lines}");
    }
    // The test hosts and look-alikes are not production.
    for issuer in [
        "https://test.maskinporten.no/",
        "https://maskinporten.no.example.org/",
        "https://api.test.samarbeid.digdir.no/",
    ] {
        let lines = format!(
            "issuer = \"{issuer}\"\napi_base = \"https://api.test.samarbeid.digdir.no/api/v1\""
        );
        let p = custom(&lines).unwrap();
        assert!(!p.is_prod(), "{lines}");
    }
    // Labelled test, talking to production: refused, naming both fields and the fix.
    for (field, line) in [
        ("issuer", "issuer = \"https://maskinporten.no/\""),
        (
            "api_base",
            "api_base = \"https://api.samarbeid.digdir.no/api/v1\"",
        ),
        (
            "token_endpoint",
            "token_endpoint = \"https://maskinporten.no/token\"",
        ),
    ] {
        let err = load(dir.path(), &profile(&format!("{line}\n{}", pem_pair())))
            .unwrap_err()
            .to_string();
        assert_names(&err, "environment", "environment = \"prod\"");
        assert!(err.contains(&format!("{field} = \"")), "{err}");
        assert!(err.contains("test"), "{err}");
    }
}

#[test]
fn paths_expand_tilde_and_resolve_against_the_profiles_file() {
    let dir = material_dir();
    // Relative to the profiles file, not to the current directory.
    let sub = dir.path().join("conf");
    std::fs::create_dir(&sub).unwrap();
    let p = load(&sub, &profile("private_key = \"../key.pem\"\nkid = \"k1\"")).unwrap();
    assert_eq!(
        p.signing,
        Signing::OwnKey {
            private_key: sub.join("../key.pem"),
            kid: "k1".into()
        }
    );
    let home = directories::BaseDirs::new()
        .unwrap()
        .home_dir()
        .to_path_buf();
    let err = load(
        dir.path(),
        &profile("pkcs12 = \"~/mpadmin-no-such-dir/x.p12\""),
    )
    .unwrap_err()
    .to_string();
    let expanded = home.join("mpadmin-no-such-dir/x.p12");
    assert!(err.contains(&expanded.display().to_string()), "{err}");
}

#[test]
fn paths_lists_profiles_file_and_the_tui_config_beside_it() {
    let p = config::paths(Some(Path::new("/etc/mp/keys.toml")));
    assert_eq!(p.profiles, Some(PathBuf::from("/etc/mp/keys.toml")));
    assert_eq!(p.profiles_origin, config::Origin::Flag);
    assert_eq!(p.tui_config, Some(PathBuf::from("/etc/mp/config.toml")));
    if let Some(data) = &p.data_dir {
        assert!(data.ends_with("mpadmin"));
        assert_eq!(p.journal(), Some(data.join("journal.jsonl")));
    }
}

// --- opening the signing material -----------------------------------------------------

fn p12_profile(dir: &Path, file: &str, extra: &str) -> Profile {
    load(
        dir,
        &profile(&format!(
            "pkcs12 = \"{file}\"\npkcs12_password_env = \"{PW_ENV}\"\n{extra}"
        )),
    )
    .unwrap()
}

fn good_password() -> TestPasswords {
    TestPasswords::with_var(PW_ENV, P12_PASSWORD)
}

fn open(profile: &Profile, pw: &dyn PasswordSource) -> Result<Credentials, String> {
    Credentials::load(profile, pw).map_err(|e| e.to_string())
}

#[test]
fn good_material_of_each_kind_opens() {
    let dir = material_dir();
    let m = material();
    let c = open(
        &p12_profile(dir.path(), "business.p12", ""),
        &good_password(),
    )
    .unwrap();
    let info = c.certificate().unwrap();
    assert_eq!(
        info.org_number.as_ref().map(|o| o.as_str()),
        Some("991825827")
    );
    assert!(info.days_left(chrono::Utc::now()) >= 363);
    assert!(c.key().public_eq(&m.key));
    assert!(
        matches!(c.header(), GrantHeader::X5c(chain) if chain.len() == 1 && chain[0].to_der().unwrap() == m.cert.to_der().unwrap())
    );

    let c = open(
        &load(dir.path(), &profile(pem_pair())).unwrap(),
        &TestPasswords::default(),
    )
    .unwrap();
    assert_eq!(c.certificate().unwrap().subject, info.subject);

    let kid = load(
        dir.path(),
        &profile("private_key = \"key.pem\"\nkid = \"admin-key-1\""),
    )
    .unwrap();
    let c = open(&kid, &TestPasswords::default()).unwrap();
    assert!(c.certificate().is_none());
    assert!(matches!(c.header(), GrantHeader::Kid(k) if k == "admin-key-1"));

    // A chain file: the certificate that matches the key is used, wherever it sits.
    let chain = [m.ca.cert.to_pem().unwrap(), m.cert.to_pem().unwrap()].concat();
    write(dir.path(), "chain.pem", &chain);
    let p = load(
        dir.path(),
        &profile("private_key = \"key.pem\"\ncertificate = \"chain.pem\""),
    )
    .unwrap();
    assert!(
        matches!(open(&p, &TestPasswords::default()).unwrap().header(),
        GrantHeader::X5c(c) if c[0].to_der().unwrap() == m.cert.to_der().unwrap())
    );

    // Nothing secret in Debug output.
    let shown = format!("{:?}", open(&p, &TestPasswords::default()).unwrap());
    assert!(
        shown.contains("<redacted>") && !shown.contains("PRIVATE"),
        "{shown}"
    );
}

#[test]
fn password_comes_from_the_env_var_else_the_keychain_else_the_terminal() {
    let dir = material_dir();
    let p = p12_profile(
        dir.path(),
        "business.p12",
        "pkcs12_password_keyring = \"mpadmin\"",
    );
    let stored = |pw: &str| TestPasswords {
        keychain: [(("mpadmin".to_owned(), "p".to_owned()), pw.to_owned())].into(),
        ..TestPasswords::default()
    };
    assert!(open(&p, &stored(P12_PASSWORD)).is_ok(), "from the keychain");
    // The variable wins over the keychain.
    let both = TestPasswords {
        vars: [(PW_ENV.to_owned(), P12_PASSWORD.to_owned())].into(),
        ..stored("stale")
    };
    assert!(open(&p, &both).is_ok());
    let err = open(&p, &stored("stale")).unwrap_err();
    assert!(err.contains("does not open"), "{err}");
    assert!(!err.contains("stale"), "the password is not shown: {err}");
    // Nothing anywhere and no terminal: the fix is `mpadmin keyring set`.
    let err = open(&p, &TestPasswords::default()).unwrap_err();
    assert_names(&err, "pkcs12_password_keyring", "mpadmin keyring set p");
    assert!(err.contains(&format!("{PW_ENV} is not set")), "{err}");

    // The field belongs to pkcs12 and is a service name.
    let err = load(
        dir.path(),
        &profile(&format!("pkcs12_password_keyring = \"x\"\n{}", pem_pair())),
    )
    .unwrap_err();
    assert_names(&err.to_string(), "pkcs12_password_keyring", "pkcs12 = ");
    let err = load(
        dir.path(),
        &profile("pkcs12 = \"business.p12\"\npkcs12_password_keyring = \"my secret pw\""),
    )
    .unwrap_err();
    assert_names(
        &err.to_string(),
        "pkcs12_password_keyring",
        "mpadmin keyring set",
    );
    assert!(!err.to_string().contains("my secret pw"), "{err}");
}

#[test]
fn password_comes_from_the_env_var_else_the_terminal() {
    let dir = material_dir();
    let p = p12_profile(dir.path(), "business.p12", "");
    let prompted = TestPasswords {
        terminal: Some(P12_PASSWORD.into()),
        ..TestPasswords::default()
    };
    assert!(open(&p, &prompted).is_ok(), "falls back to the prompt");

    let err = open(&p, &TestPasswords::default()).unwrap_err();
    assert_names(&err, "pkcs12_password_env", &format!("export {PW_ENV}="));
    assert!(err.contains("not set"), "{err}");

    let err = open(&p, &TestPasswords::with_var(PW_ENV, "wrong")).unwrap_err();
    assert_names(&err, "pkcs12_password_env", "check the password");
    assert!(
        err.contains("does not open") && err.contains("business.p12"),
        "{err}"
    );
    assert!(!err.contains("wrong"), "password echoed: {err}");
}

#[test]
fn bad_material_names_profile_field_and_fix() {
    let dir = material_dir();
    let m = material();
    let d = dir.path();
    write_p12(d, "certonly.p12", None, &m.cert, "auth", &[], false);
    write_p12(
        d,
        "expired.p12",
        Some(&m.key),
        &m.expired,
        "auth",
        &[],
        false,
    );
    write_p12(
        d,
        "nonrep.p12",
        Some(&m.key),
        &m.non_repudiation,
        "sign",
        &[&m.other_signing],
        false,
    );
    write(d, "garbage.p12", b"not a p12");
    let pw = good_password();
    let none = TestPasswords::default();

    let err = open(&p12_profile(d, "certonly.p12", ""), &pw).unwrap_err();
    assert_names(&err, "pkcs12", "with its private key");
    assert!(err.contains("holds no private key"), "{err}");

    let err = open(&p12_profile(d, "garbage.p12", ""), &pw).unwrap_err();
    assert_names(&err, "pkcs12", "private_key + certificate");

    let err = open(&p12_profile(d, "expired.p12", ""), &pw).unwrap_err();
    assert_names(&err, "pkcs12", "order a new business certificate");
    assert!(err.contains("expired on"), "{err}");

    let err = open(&p12_profile(d, "nonrep.p12", ""), &pw).unwrap_err();
    assert_names(&err, "pkcs12", "openssl pkcs12 -in");
    assert!(
        err.contains("digitalSignature") && err.contains("'sign'"),
        "{err}"
    );
    // Choosing the entry explicitly is the user's call.
    assert!(
        open(
            &p12_profile(d, "nonrep.p12", "pkcs12_alias = \"sign\""),
            &pw
        )
        .is_ok()
    );
    let err = open(
        &p12_profile(d, "nonrep.p12", "pkcs12_alias = \"auth\""),
        &pw,
    )
    .unwrap_err();
    assert_names(&err, "pkcs12_alias", "one of these names");
    assert!(err.contains("sign"), "lists the entries: {err}");

    let mismatch = load(
        d,
        &profile("private_key = \"other.pem\"\ncertificate = \"cert.pem\""),
    )
    .unwrap();
    let err = open(&mismatch, &none).unwrap_err();
    assert_names(&err, "certificate", "issued for this key");
    assert!(err.contains("does not belong to the private key"), "{err}");

    let expired = load(
        d,
        &profile("private_key = \"key.pem\"\ncertificate = \"expired.pem\""),
    )
    .unwrap();
    let err = open(&expired, &none).unwrap_err();
    assert_names(&err, "certificate", "order a new business certificate");

    let future = load(
        d,
        &profile("private_key = \"key.pem\"\ncertificate = \"future.pem\""),
    )
    .unwrap();
    let err = open(&future, &none).unwrap_err();
    assert_names(&err, "certificate", "clock");
    assert!(err.contains("not valid until"), "{err}");

    let not_a_key = load(d, &profile("private_key = \"cert.pem\"\nkid = \"k\"")).unwrap();
    assert_names(
        &open(&not_a_key, &none).unwrap_err(),
        "private_key",
        "BEGIN PRIVATE KEY",
    );

    // signer_with reports the same errors (it is what api::connect uses).
    let err = signer_with(&expired, &none).err().unwrap().to_string();
    assert_names(&err, "certificate", "order a new business certificate");
}

#[test]
fn encrypted_pem_key_asks_for_its_passphrase() {
    let dir = material_dir();
    let m = material();
    let pem = m
        .key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pass phrase")
        .unwrap();
    write(dir.path(), "enc.pem", &pem);
    let p = load(
        dir.path(),
        &profile("private_key = \"enc.pem\"\ncertificate = \"cert.pem\""),
    )
    .unwrap();
    let err = open(&p, &TestPasswords::default()).unwrap_err();
    assert_names(&err, "private_key", "terminal");
    let answer = |s: &str| TestPasswords {
        terminal: Some(s.into()),
        ..TestPasswords::default()
    };
    assert!(open(&p, &answer("pass phrase")).is_ok());
    assert_names(
        &open(&p, &answer("nope")).unwrap_err(),
        "private_key",
        "passphrase",
    );
}

/// As ssh does: on PROD an unencrypted key other users may read is refused (with the chmod),
/// elsewhere it only draws the warning; an encrypted one is not refused.
#[cfg(unix)]
#[test]
fn prod_refuses_an_unencrypted_private_key_other_users_may_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = material_dir();
    let m = material();
    let enc = m
        .key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pass phrase")
        .unwrap();
    write(dir.path(), "enc.pem", &enc);
    let chmod = |file: &str, mode: u32| {
        std::fs::set_permissions(dir.path().join(file), std::fs::Permissions::from_mode(mode))
            .unwrap()
    };
    let on = |env: &str, key: &str| {
        load(
            dir.path(),
            &profile(&format!(
                "private_key = \"{key}\"\ncertificate = \"cert.pem\""
            ))
            .replace("\"test\"", &format!("\"{env}\"")),
        )
        .unwrap()
    };
    let answer = TestPasswords {
        terminal: Some("pass phrase".into()),
        ..TestPasswords::default()
    };
    chmod("key.pem", 0o644);
    chmod("enc.pem", 0o644);
    let err = open(&on("prod", "key.pem"), &answer).unwrap_err();
    assert_names(&err, "private_key", "chmod 600");
    assert!(err.contains("mode 644") && err.contains("PROD"), "{err}");
    assert!(open(&on("test", "key.pem"), &answer).is_ok());
    assert!(open(&on("prod", "enc.pem"), &answer).is_ok());
    chmod("key.pem", 0o600);
    assert!(open(&on("prod", "key.pem"), &answer).is_ok());
}

/// The legacy p12 must open in a process that has not loaded OpenSSL's legacy provider yet,
/// so the check runs in a child process of this test binary.
#[test]
fn legacy_p12_opens_by_loading_the_legacy_provider() {
    let dir = material_dir();
    let m = material();
    write_p12(
        dir.path(),
        "legacy.p12",
        Some(&m.key),
        &m.cert,
        "auth",
        &[],
        true,
    );
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "legacy_child", "--nocapture", "--test-threads=1"])
        .env("MPADMIN_LEGACY_CHILD_DIR", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
    assert!(text.contains("LEGACY-CHILD-RAN"), "{text}");
}

#[test]
#[allow(
    clippy::disallowed_macros,
    reason = "the parent test reads this child's stdout"
)]
fn legacy_child() {
    let Some(dir) = std::env::var_os("MPADMIN_LEGACY_CHILD_DIR") else {
        return; // only meaningful inside legacy_p12_opens_by_loading_the_legacy_provider
    };
    let dir = PathBuf::from(dir);
    let der = std::fs::read(dir.join("legacy.p12")).unwrap();
    let raw = openssl::pkcs12::Pkcs12::from_der(&der).unwrap();
    // Debian's OpenSSL 3 needs the legacy provider for RC2-40; a system whose openssl.cnf
    // activates it already opens the file either way.
    if raw.parse2(P12_PASSWORD).is_ok() {
        println!("note: this OpenSSL opens RC2-40 without loading the legacy provider");
    }
    let p = p12_profile(&dir, "legacy.p12", "");
    let c = open(&p, &good_password()).unwrap();
    assert!(c.key().public_eq(&material_key_from(&dir)));
    // Wrong password still says so, not "cannot decrypt".
    let err = open(&p, &TestPasswords::with_var(PW_ENV, "wrong")).unwrap_err();
    assert!(err.contains("does not open"), "{err}");
    println!("LEGACY-CHILD-RAN");
}

fn material_key_from(dir: &Path) -> openssl::pkey::PKey<openssl::pkey::Private> {
    openssl::pkey::PKey::private_key_from_pem(&std::fs::read(dir.join("key.pem")).unwrap()).unwrap()
}

#[test]
fn timeouts_default_to_10_and_30_seconds_and_are_checked() {
    use std::time::Duration;
    let dir = material_dir();
    let p = load(dir.path(), &profile(pem_pair())).unwrap();
    assert_eq!(p.connect_timeout, Duration::from_secs(10));
    assert_eq!(p.request_timeout, Duration::from_secs(30));
    let p = load(
        dir.path(),
        &profile(&format!(
            "connect_timeout_secs = 3\nrequest_timeout_secs = 120\n{}",
            pem_pair()
        )),
    )
    .unwrap();
    assert_eq!(p.connect_timeout, Duration::from_secs(3));
    assert_eq!(p.request_timeout, Duration::from_secs(120));
    for (line, field, problem) in [
        (
            "connect_timeout_secs = 0",
            "connect_timeout_secs",
            "outside 1..=60",
        ),
        (
            "connect_timeout_secs = 61",
            "connect_timeout_secs",
            "outside 1..=60",
        ),
        (
            "request_timeout_secs = -5",
            "request_timeout_secs",
            "outside 1..=600",
        ),
        (
            "request_timeout_secs = 601",
            "request_timeout_secs",
            "outside 1..=600",
        ),
        (
            "request_timeout_secs = \"30\"",
            "request_timeout_secs",
            "whole number",
        ),
        (
            "connect_timeout_secs = 2.5",
            "connect_timeout_secs",
            "whole number",
        ),
    ] {
        let err = load(dir.path(), &profile(&format!("{line}\n{}", pem_pair()))).unwrap_err();
        assert_names(&err.to_string(), field, &format!("{field} = N"));
        assert!(err.to_string().contains(problem), "{line}: {err}");
    }
}

#[test]
fn deadline_defaults_to_two_request_timeouts_and_is_never_shorter_than_one() {
    use std::time::Duration;
    let dir = material_dir();
    let with = |line: &str| load(dir.path(), &profile(&format!("{line}\n{}", pem_pair())));
    assert_eq!(with("").unwrap().deadline, Duration::from_secs(60));
    assert_eq!(
        with("request_timeout_secs = 100").unwrap().deadline,
        Duration::from_secs(200)
    );
    assert_eq!(
        with("deadline_secs = 45").unwrap().deadline,
        Duration::from_secs(45)
    );
    let err = with("deadline_secs = 10").unwrap_err().to_string();
    assert_names(
        &err,
        "deadline_secs",
        "deadline_secs = N with N at least 30",
    );
    assert!(
        err.contains("10 is shorter than request_timeout_secs (30)"),
        "{err}"
    );
    let err = with("deadline_secs = 1201").unwrap_err().to_string();
    assert_names(&err, "deadline_secs", "deadline_secs = N");
    assert!(err.contains("outside 1..=1200"), "{err}");
}

#[test]
fn keys_example_documents_every_field_and_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys.example");
    let text = std::fs::read_to_string(&path).unwrap();
    for field in config::PROFILE_FIELDS.iter().chain(&["default_profile"]) {
        assert!(
            text.contains(&format!("{field} =")),
            "keys.example lacks {field}"
        );
    }
    let file = config::ProfilesFile::parse(&path, &text).unwrap();
    assert_eq!(file.default_profile(), Some("test"));
    // Every example profile is complete: the only complaints are that its files are not here.
    for name in file.names() {
        let err = file.profile(Some(&name)).unwrap_err();
        assert!(!err.problems().is_empty(), "{name}: {err}");
        for p in err.problems() {
            assert!(
                ["pkcs12", "private_key", "certificate", "ca_certificate"]
                    .contains(&p.field.as_str()),
                "{name}: {err}"
            );
            assert!(p.problem.contains("does not exist"), "{name}: {err}");
        }
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Any text as a profiles file: an error or a profile, never a panic.
        #[test]
        fn on_any_profiles_file(text in "\\PC{0,200}") {
            let path = Path::new("/nonexistent/keys.toml");
            if let Ok(file) = config::ProfilesFile::parse(path, &text) {
                let _ = file.profile(None);
            }
        }

        /// Field values of the wrong kind or shape are reported, not panicked on.
        #[test]
        fn on_any_field_value(field in proptest::sample::select(config::PROFILE_FIELDS.to_vec()),
                              value in prop_oneof![
                                  "\\PC{0,30}".prop_map(|s| format!("{s:?}")),
                                  any::<i64>().prop_map(|i| i.to_string()),
                                  Just("[1, \"a\"]".to_owned()),
                                  Just("{ a = 1 }".to_owned()),
                                  Just("true".to_owned()),
                              ]) {
            let text = format!("[profiles.p]\n{field} = {value}\n");
            let file = config::ProfilesFile::parse(Path::new("/nonexistent/keys.toml"), &text);
            if let Ok(file) = file {
                let _ = file.profile(Some("p"));
            }
        }

    }

    proptest! {
        // Each case writes files and runs OpenSSL's parsers three times: fewer cases.
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Random bytes as PKCS#12, PEM key or certificate: an error naming the field.
        #[test]
        fn on_any_key_material(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), "x.bin", &bytes);
            write(dir.path(), "cert.pem", &material().cert.to_pem().unwrap());
            for extra in [
                format!("pkcs12 = \"x.bin\"\npkcs12_password_env = \"{PW_ENV}\""),
                "private_key = \"x.bin\"\ncertificate = \"cert.pem\"".to_owned(),
                "private_key = \"x.bin\"\nkid = \"k\"".to_owned(),
            ] {
                let p = load(dir.path(), &profile(&extra)).unwrap();
                let err = open(&p, &good_password()).unwrap_err();
                prop_assert!(err.contains("profile 'p', field '"), "{}", err);
            }
        }
    }
}
