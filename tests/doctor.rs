//! `doctor::run` against the emulator: every check passes on a working setup, and each is
//! turned to fail (or warn) by the situation it is there to catch.

mod auth_support;
mod common;

use common::{private, set_mode};

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use auth_support::{TestPasswords, material, write_cert, write_key};
use futures::future::BoxFuture;
use mpadmin::doctor::{self, Check, Report, Resolve, Setup, Status, SystemResolver};
use mpadmin::emulator::{ADMIN_CLIENT_ID, Emulator, P12_PASSWORD_ENV, Seed};

fn setup(keys: &Path, profile: Option<&str>) -> Setup {
    Setup::new(
        Some(keys.to_owned()),
        profile.map(str::to_owned),
        Arc::new(TestPasswords::default()),
    )
}

fn check<'a>(r: &'a Report, id: &str) -> &'a Check {
    r.get(id).unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

fn status(r: &Report, id: &str) -> Status {
    check(r, id).status
}

fn all<'a>(r: &'a Report, id: &str) -> Vec<&'a Check> {
    r.checks.iter().filter(|c| c.id == id).collect()
}

/// A profiles file `name` in `dir` holding `body`, readable by the owner only.
fn profiles_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    private(&path);
    path
}

/// Profile lines for `emu`'s endpoints and admin client, signing with `key` + `cert`.
fn emulator_profile(emu: &Emulator, key: &Path, cert: &Path, scopes: &str) -> String {
    format!(
        "issuer = \"{}\"\ntoken_endpoint = \"{}\"\napi_base = \"{}\"\nclient_id = \"{ADMIN_CLIENT_ID}\"\nscopes = {scopes}\nprivate_key = \"{}\"\ncertificate = \"{}\"\n",
        emu.issuer(),
        emu.token_endpoint(),
        emu.api_base(),
        key.display(),
        cert.display()
    )
}

const ALL_SCOPES: &str = r#"["idporten:scopes.write", "idporten:dcr.read", "idporten:dcr.write"]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_passes_against_a_working_emulator_in_order() {
    let emu = common::emulator_with(Seed::Empty).await;
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    for c in &r.checks {
        assert_eq!(c.status, Status::Ok, "{c:#?}");
    }
    assert!(r.passed());
    assert_eq!(r.profile.as_deref(), Some("emulator"));
    let mut ids: Vec<&str> = r.checks.iter().map(|c| c.id).collect();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "profiles-file",
            "profiles-file-mode",
            "profile",
            "chosen-profile",
            "signing",
            "certificate",
            "key-usage",
            "certificate-org",
            "key-file-mode",
            "dns",
            "reach",
            "clock",
            "token",
            "scopes-rights",
            "clients-rights",
            "prefixes",
            "scopes",
            "clients",
            "keys",
        ]
    );
    assert_eq!(all(&r, "profile").len(), 7, "one line per profile");
    assert_eq!(all(&r, "reach").len(), 2, "token endpoint and admin API");
    assert!(
        check(&r, "token")
            .detail
            .contains("for organisation 991825827")
    );
    assert_eq!(check(&r, "certificate-org").detail, "991825827");
}

#[tokio::test]
async fn without_a_profiles_file_it_says_init_and_demo() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("nowhere/keys.toml");
    let r = doctor::run(&setup(&keys, None)).await;
    let file = check(&r, "profiles-file");
    assert_eq!(file.status, Status::Fail);
    assert!(file.detail.contains("does not exist"), "{file:?}");
    let fix = file.fix.as_deref().unwrap();
    assert!(
        fix.contains("mpadmin --keys") && fix.contains(" init"),
        "{fix}"
    );
    assert!(
        fix.contains("mpadmin --demo") && fix.contains("keys.example"),
        "{fix}"
    );
    assert!(
        r.checks[1..].iter().all(|c| c.status == Status::Skip),
        "{r:#?}"
    );
    assert!(!r.passed());
}

#[tokio::test]
async fn every_profile_that_does_not_load_is_named_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let keys = profiles_file(
        dir.path(),
        "keys.toml",
        "default_profile = \"a\"\n\
         [profiles.a]\nenvironment = \"test\"\nclient_id = \"x\"\npkcs12 = \"missing.p12\"\n\
         [profiles.b]\nenvironment = \"staging\"\nclient_id = \"y\"\n",
    );
    let r = doctor::run(&setup(&keys, None)).await;
    let profiles = all(&r, "profile");
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0].title, "profile a");
    assert_eq!(profiles[0].status, Status::Fail);
    assert!(
        profiles[0].detail.starts_with("field 'pkcs12'"),
        "{profiles:?}"
    );
    assert!(
        profiles[1].detail.starts_with("field 'environment'"),
        "{profiles:?}"
    );
    assert!(profiles[1].fix.as_deref().unwrap().contains("\"test\""));
    assert_eq!(status(&r, "chosen-profile"), Status::Fail);
    assert_eq!(status(&r, "token"), Status::Skip);

    let bad_toml = profiles_file(dir.path(), "broken.toml", "[profiles.a\n");
    let r = doctor::run(&setup(&bad_toml, None)).await;
    assert_eq!(status(&r, "profiles-file"), Status::Fail);
    assert!(check(&r, "profiles-file").detail.contains("not valid TOML"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_other_users_may_read_are_warned_about() {
    let emu = common::emulator_with(Seed::Empty).await;
    let keys = emu.keys_toml_with("loose.toml", "emulator", "read_only = false");
    set_mode(&keys, 0o644);
    set_mode(&emu.dir().join("business.key.pem"), 0o640);
    let r = doctor::run(&setup(&keys, None)).await;
    let file = check(&r, "profiles-file-mode");
    assert_eq!(file.status, Status::Warn);
    assert!(file.detail.contains("644"), "{file:?}");
    assert!(file.fix.as_deref().unwrap().starts_with("chmod 600"));
    let key = check(&r, "key-file-mode");
    assert_eq!(key.status, Status::Warn);
    assert!(key.detail.contains("business.key.pem"), "{key:?}");
    assert!(r.passed(), "warnings only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_material_that_does_not_open_fails_and_stops_the_token() {
    let emu = common::emulator_with(Seed::Empty).await;
    let d = emu.dir();
    let body = emulator_profile(
        &emu,
        &d.join("other-org.key.pem"),
        &d.join("business.cert.pem"),
        ALL_SCOPES,
    );
    let keys = profiles_file(d, "mismatch.toml", &format!("[profiles.m]\n{body}"));
    let r = doctor::run(&setup(&keys, None)).await;
    let signing = check(&r, "signing");
    assert_eq!(signing.status, Status::Fail);
    assert!(signing.detail.contains("does not belong"), "{signing:?}");
    assert!(signing.fix.is_some());
    assert_eq!(status(&r, "token"), Status::Skip);
    // The endpoints are checked all the same.
    assert_eq!(status(&r, "reach"), Status::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_expiry_key_usage_and_organisation_number() {
    let emu = common::emulator_with(Seed::Empty).await;
    let m = material();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = write_key(d, "key.pem", &m.key);
    private(&key);
    let certs = [
        (
            "soon",
            m.ca.issue(&m.key, "TEST ORG AS soon", -300, 10, true),
        ),
        ("nonrep", m.non_repudiation.clone()),
        (
            "noorg",
            m.ca.issue_for(&m.key, "TEST ORG AS", None, -1, 365, true),
        ),
    ];
    let mut body = String::new();
    for (name, cert) in &certs {
        let cert = write_cert(d, &format!("{name}.pem"), cert);
        body.push_str(&format!(
            "[profiles.{name}]\n{}",
            emulator_profile(&emu, &key, &cert, ALL_SCOPES)
        ));
    }
    let keys = profiles_file(d, "keys.toml", &body);

    let r = doctor::run(&setup(&keys, Some("soon"))).await;
    let cert = check(&r, "certificate");
    assert_eq!(cert.status, Status::Warn, "{cert:?}");
    assert!(cert.detail.contains("days left"), "{cert:?}");
    assert!(cert.fix.as_deref().unwrap().contains("order a new"));
    assert_eq!(status(&r, "key-usage"), Status::Ok);
    assert_eq!(status(&r, "certificate-org"), Status::Ok);

    let r = doctor::run(&setup(&keys, Some("nonrep"))).await;
    let usage = check(&r, "key-usage");
    assert_eq!(usage.status, Status::Fail, "{usage:?}");
    assert!(usage.detail.contains("digitalSignature"));

    let r = doctor::run(&setup(&keys, Some("noorg"))).await;
    let org = check(&r, "certificate-org");
    assert_eq!(org.status, Status::Fail, "{org:?}");
    assert!(
        org.fix
            .as_deref()
            .unwrap()
            .contains("virksomhetssertifikat")
    );
}

/// The system's resolver, except for one name that does not exist.
struct NoSuchHost(&'static str);

impl Resolve for NoSuchHost {
    fn lookup(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        if host == self.0 {
            Box::pin(async { Err(io::Error::new(io::ErrorKind::NotFound, "no such host")) })
        } else {
            SystemResolver.lookup(host, port)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_name_that_does_not_resolve_fails_and_skips_its_endpoints() {
    let emu = common::emulator_with(Seed::Empty).await;
    let d = emu.dir();
    let port = emu.addr().port();
    let keys = profiles_file(
        d,
        "localhost.toml",
        &format!(
            "[profiles.l]\nissuer = \"http://localhost:{port}/\"\napi_base = \"http://localhost:{port}/api/v1\"\nclient_id = \"{ADMIN_CLIENT_ID}\"\nprivate_key = \"{}\"\ncertificate = \"{}\"\n",
            d.join("business.key.pem").display(),
            d.join("business.cert.pem").display()
        ),
    );
    let r = doctor::run(&setup(&keys, None)).await;
    let dns = check(&r, "dns");
    assert_eq!(
        (dns.title.as_str(), dns.status),
        ("DNS localhost", Status::Ok),
        "{dns:?}"
    );
    assert!(all(&r, "reach").iter().all(|c| c.status == Status::Ok));

    let broken = Setup {
        resolver: Arc::new(NoSuchHost("localhost")),
        ..setup(&keys, None)
    };
    let r = doctor::run(&broken).await;
    let dns = check(&r, "dns");
    assert_eq!(dns.status, Status::Fail, "{dns:?}");
    assert!(dns.detail.contains("no such host"), "{dns:?}");
    assert!(dns.fix.is_some());
    assert!(all(&r, "reach").iter().all(|c| c.status == Status::Skip));
    assert_eq!(status(&r, "clock"), Status::Skip);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_gone_fails_reach_and_token() {
    let mut emu = common::emulator_with(Seed::Empty).await;
    let keys = emu.keys_toml();
    emu.shutdown().await;
    let r = doctor::run(&setup(&keys, None)).await;
    let reach = all(&r, "reach");
    assert_eq!(reach.len(), 2);
    for c in reach {
        assert_eq!(c.status, Status::Fail, "{c:?}");
        assert!(c.detail.contains("could not connect"), "{c:?}");
    }
    assert_eq!(status(&r, "clock"), Status::Skip);
    assert_eq!(status(&r, "token"), Status::Fail);
    assert!(!r.passed());
}

/// A TLS server on 127.0.0.1 whose certificate no system trusts; it never gets to HTTP.
fn untrusted_tls_server() -> u16 {
    use openssl::ssl::{SslAcceptor, SslMethod};
    let m = material();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor.set_private_key(&m.key).unwrap();
    acceptor.set_certificate(&m.cert).unwrap();
    let acceptor = acceptor.build();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // The client gives up during the handshake; the next one may come.
            let _ = acceptor.accept(stream);
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_tls_certificate_fails_with_the_ca_certificate_fix() {
    let emu = common::emulator_with(Seed::Empty).await;
    let d = emu.dir();
    let port = untrusted_tls_server();
    let keys = profiles_file(
        d,
        "tls.toml",
        &format!(
            "[profiles.t]\nissuer = \"https://127.0.0.1:{port}/\"\napi_base = \"https://127.0.0.1:{port}/api/v1\"\nclient_id = \"{ADMIN_CLIENT_ID}\"\nprivate_key = \"{}\"\ncertificate = \"{}\"\n",
            d.join("business.key.pem").display(),
            d.join("business.cert.pem").display()
        ),
    );
    let r = doctor::run(&setup(&keys, None)).await;
    for c in all(&r, "reach") {
        assert_eq!(c.status, Status::Fail, "{c:?}");
        assert!(
            c.fix.as_deref().unwrap().contains("ca_certificate"),
            "{c:?}"
        );
    }
    assert_eq!(status(&r, "token"), Status::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_beyond_ten_seconds_fails_and_a_close_one_warns() {
    let emu = common::emulator_with(Seed::Empty).await;
    emu.faults().set_clock_skew(60);
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    let clock = check(&r, "clock");
    assert_eq!(clock.status, Status::Fail, "{clock:?}");
    assert!(clock.detail.contains("behind"), "{clock:?}");
    assert!(clock.fix.as_deref().unwrap().contains("timedatectl"));
    let token = check(&r, "token");
    assert_eq!(token.status, Status::Fail);
    assert!(token.detail.contains("MP-130"), "{token:?}");

    emu.faults().set_clock_skew(-8);
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    assert_eq!(status(&r, "clock"), Status::Warn, "{r:#?}");
    assert_eq!(status(&r, "token"), Status::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_admin_scope_is_named_with_who_to_ask() {
    let emu = common::emulator_with(Seed::Empty).await;
    emu.withdraw_admin_scopes(&["idporten:scopes.write"])
        .unwrap();
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    let tokens = all(&r, "token");
    assert_eq!(tokens.len(), 2, "{tokens:#?}");
    assert_eq!(tokens[0].status, Status::Fail);
    assert!(tokens[0].detail.contains("MP-200"), "{tokens:?}");
    assert!(
        tokens[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("servicedesk@digdir.no")
    );
    assert_eq!(
        tokens[1].status,
        Status::Ok,
        "the rest is checked without it"
    );
    let scopes = check(&r, "scopes-rights");
    assert_eq!(scopes.status, Status::Fail, "{scopes:?}");
    assert!(
        scopes
            .detail
            .contains("idporten:scopes.write is not registered on admin client"),
        "{scopes:?}"
    );
    assert!(scopes.detail.contains("401/403"));
    assert!(
        scopes
            .fix
            .as_deref()
            .unwrap()
            .contains("servicedesk@digdir.no")
    );
    assert_eq!(status(&r, "clients-rights"), Status::Ok);
    assert_eq!(status(&r, "prefixes"), Status::Skip);
    assert_eq!(status(&r, "clients"), Status::Ok);
    assert!(!r.passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_the_profile_leaves_out_warns_unless_read_only() {
    let emu = common::emulator_with(Seed::Empty).await;
    let d = emu.dir();
    let body = emulator_profile(
        &emu,
        &d.join("business.key.pem"),
        &d.join("business.cert.pem"),
        r#"["idporten:scopes.write", "idporten:dcr.read"]"#,
    );
    let keys = profiles_file(d, "partial.toml", &format!("[profiles.p]\n{body}"));
    let r = doctor::run(&setup(&keys, None)).await;
    let clients = check(&r, "clients-rights");
    assert_eq!(clients.status, Status::Warn, "{clients:?}");
    assert!(
        clients
            .detail
            .contains("does not ask for idporten:dcr.write")
    );
    assert!(
        clients
            .fix
            .as_deref()
            .unwrap()
            .contains("add \"idporten:dcr.write\"")
    );
    assert!(r.passed());

    let read_only = Setup {
        read_only: true,
        ..setup(&keys, None)
    };
    let r = doctor::run(&read_only).await;
    assert_eq!(status(&r, "clients-rights"), Status::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owning_no_prefix_warns_that_no_scope_can_be_created() {
    let emu = common::emulator_with(Seed::Empty).await;
    emu.remove_own_prefixes().unwrap();
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    let prefixes = check(&r, "prefixes");
    assert_eq!(prefixes.status, Status::Warn, "{prefixes:?}");
    assert_eq!(
        prefixes.detail,
        "you own no prefix, so you cannot create scopes"
    );
    assert!(prefixes.fix.as_deref().unwrap().contains("991825827"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expiring_within_thirty_days_are_named() {
    let emu = common::emulator().await;
    let r = doctor::run(&setup(&emu.keys_toml(), None)).await;
    let keys = check(&r, "keys");
    assert_eq!(keys.status, Status::Warn, "{keys:?}");
    assert!(keys.detail.contains("rapportering-2025-12"), "{keys:?}");
    assert!(keys.fix.as_deref().unwrap().contains("mpadmin keys rotate"));
    assert!(check(&r, "scopes").detail.contains("active"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_only_a_prompt_could_give_is_skipped_in_the_ui_and_fails_elsewhere() {
    let emu = common::emulator_with(Seed::Empty).await;
    let keys = emu.keys_toml();
    let r = doctor::run(&setup(&keys, Some("emulator-p12"))).await;
    let signing = check(&r, "signing");
    assert_eq!(signing.status, Status::Fail, "{signing:?}");
    assert!(signing.detail.contains(P12_PASSWORD_ENV), "{signing:?}");

    let ui = Setup {
        in_ui: true,
        ..setup(&keys, Some("emulator-p12"))
    };
    let r = doctor::run(&ui).await;
    let signing = check(&r, "signing");
    assert_eq!(signing.status, Status::Skip, "{signing:?}");
    assert!(
        signing
            .fix
            .as_deref()
            .unwrap()
            .contains("mpadmin keyring set emulator-p12")
    );

    let with_password = Setup {
        passwords: Arc::new(TestPasswords::with_var(
            P12_PASSWORD_ENV,
            &emu.p12_password().unwrap(),
        )),
        ..setup(&keys, Some("emulator-p12"))
    };
    let r = doctor::run(&with_password).await;
    assert_eq!(status(&r, "signing"), Status::Ok);
    assert!(r.passed(), "{r:#?}");
}
