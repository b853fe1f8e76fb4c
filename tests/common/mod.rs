//! Shared test fixture: a local Maskinporten emulator on 127.0.0.1 (random port) with its
//! certificates and `keys.toml` in a temp dir that lives as long as the handle.
//!
//! ```ignore
//! mod common;
//! let emu = common::emulator().await;          // demo data
//! let keys = emu.keys_toml();                  // profile "emulator" works as is
//! ```
//!
//! The server runs on the test's tokio runtime: a test that blocks its thread (e.g. waits
//! for a child process that talks to the emulator) needs
//! `#[tokio::test(flavor = "multi_thread")]` or `spawn_blocking`.
#![allow(dead_code)] // each test crate uses a different part of the fixture

pub mod bin;

use std::ops::Deref;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jws::{JwsSigner, RS256};
use mpadmin::emulator::{Emulator, EmulatorOptions, Seed};
use serde_json::{Map, Value, json};

/// A running emulator and the temp dir holding its files.
pub struct TestEmulator {
    emu: Option<Emulator>,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Deref for TestEmulator {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        self.emu
            .as_ref()
            .expect("emulator is running until shutdown")
    }
}

impl TestEmulator {
    /// The id of the client named `name` (the first such).
    pub fn client_id_named(&self, name: &str) -> String {
        self.state()
            .clients
            .values()
            .find(|c| c.client_name == name)
            .map(|c| c.client_id.clone())
            .unwrap()
    }

    /// Stop the server (the dir stays until the handle is dropped).
    pub async fn shutdown(&mut self) {
        if let Some(emu) = self.emu.take() {
            emu.shutdown().await;
        }
    }

    pub fn temp_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// A copy of the profiles file, named `file`, with `line` added to profile `profile`;
    /// readable by the owner only, as mpadmin wants it.
    pub fn keys_toml_with(&self, file: &str, profile: &str, line: &str) -> PathBuf {
        let text = std::fs::read_to_string(self.keys_toml()).expect("keys.toml");
        let section = format!("[profiles.{profile}]\n");
        let changed = text.replace(&section, &format!("{section}{line}\n"));
        assert_ne!(text, changed, "no profile {profile}");
        let path = self.dir().join(file);
        std::fs::write(&path, changed).expect("write the profiles file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
        }
        path
    }

    /// One HTTP client per emulator: building a client loads the system root certificates,
    /// which costs tens of milliseconds each time.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// Only the owner may read `path` (mpadmin warns about anything more open).
pub fn private(path: &std::path::Path) {
    set_mode(path, 0o600);
}

pub fn set_mode(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// An emulator with the demo data.
pub async fn emulator() -> TestEmulator {
    emulator_with(Seed::Demo).await
}

/// An emulator with the given seed.
pub async fn emulator_with(seed: Seed) -> TestEmulator {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = EmulatorOptions {
        seed,
        ..EmulatorOptions::demo(dir.path().join("emu"))
    };
    start(opts, dir).await
}

/// An emulator persisting to `state_file` (loaded when it exists); certificates in a fresh
/// temp dir, so two of these in a row behave like a restart.
pub async fn emulator_with_state(state_file: PathBuf) -> TestEmulator {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = EmulatorOptions {
        state_file: Some(state_file),
        ..EmulatorOptions::demo(dir.path().join("emu"))
    };
    start(opts, dir).await
}

async fn start(opts: EmulatorOptions, dir: tempfile::TempDir) -> TestEmulator {
    let emu = Emulator::start(opts).await.expect("emulator starts");
    TestEmulator {
        emu: Some(emu),
        dir,
        http: reqwest::Client::new(),
    }
}

/// A JWT-bearer grant built field by field, so tests can break any rule on purpose.
#[derive(Clone)]
pub struct Grant {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// PEM private key the grant is signed with.
    pub key_pem: Vec<u8>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("json! object"),
    }
}

impl Grant {
    fn base(emu: &Emulator, client_id: &str, scopes: &str, key_file: &str) -> Grant {
        let iat = now();
        Grant {
            header: object(json!({ "alg": "RS256" })),
            claims: object(json!({
                "aud": emu.issuer(),
                "iss": client_id,
                "scope": scopes,
                "iat": iat,
                "exp": iat + 120,
                "jti": uuid::Uuid::new_v4().to_string(),
            })),
            key_pem: std::fs::read(emu.dir().join(key_file)).expect("key file"),
        }
    }

    /// Signed with a business certificate from the emulator dir (`x5c` = [cert]).
    pub fn x5c(
        emu: &Emulator,
        client_id: &str,
        scopes: &str,
        key_file: &str,
        cert_file: &str,
    ) -> Grant {
        let pem = std::fs::read(emu.dir().join(cert_file)).expect("cert file");
        let cert = openssl::x509::X509::from_pem(&pem).expect("cert PEM");
        let mut g = Grant::base(emu, client_id, scopes, key_file);
        g.header.insert(
            "x5c".into(),
            json!([STANDARD.encode(cert.to_der().expect("DER"))]),
        );
        g
    }

    /// The demo organisation's admin client with its business certificate.
    pub fn admin(emu: &Emulator, scopes: &str) -> Grant {
        Grant::x5c(
            emu,
            mpadmin::emulator::ADMIN_CLIENT_ID,
            scopes,
            "business.key.pem",
            "business.cert.pem",
        )
    }

    /// Signed with a registered key (`kid` header).
    pub fn kid(emu: &Emulator, client_id: &str, scopes: &str, key_file: &str, kid: &str) -> Grant {
        let mut g = Grant::base(emu, client_id, scopes, key_file);
        g.header.insert("kid".into(), json!(kid));
        g
    }

    pub fn sign(&self) -> String {
        let enc =
            |m: &Map<String, Value>| URL_SAFE_NO_PAD.encode(serde_json::to_vec(m).expect("json"));
        let input = format!("{}.{}", enc(&self.header), enc(&self.claims));
        let signer = RS256.signer_from_pem(&self.key_pem).expect("RSA key");
        let sig = signer.sign(input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// POST a grant to the token endpoint: (status, JSON body).
pub async fn post_grant(emu: &TestEmulator, assertion: &str) -> (u16, Value) {
    let resp = emu
        .http()
        .post(emu.token_endpoint())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

/// An admin access token of the demo organisation with `scopes`.
pub async fn admin_token(emu: &TestEmulator, scopes: &str) -> String {
    let (status, body) = post_grant(emu, &Grant::admin(emu, scopes).sign()).await;
    assert_eq!(status, 200, "admin token: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Every admin scope.
pub const ALL_ADMIN: &str =
    "idporten:scopes.read idporten:scopes.write idporten:dcr.read idporten:dcr.write";
