//! A local Maskinporten: token endpoint (validates grants as strictly as the real one), the
//! self-service admin API, discovery, a generated test CA with business certificates, and
//! in-memory state with optional file persistence. Used by `mpadmin --demo`,
//! `mpadmin emulator` and every test.

mod api;
mod certs;
mod errors;
mod faults;
mod seed;
mod state;
mod token;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::{get, post};
use rand::Rng;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

pub use certs::{ADMIN_KID, OTHER_ORGNO, OWN_ORGNO};
pub use faults::{Fault, Faults};
pub use seed::{
    ADMIN_CLIENT_ID, ADMIN_KID_CLIENT_ID, OTHER_ADMIN_CLIENT_ID, OTHER_PREFIX, OWN_PREFIXES, Seed,
    orgnos,
};
pub use state::StateSnapshot;
pub use token::{ADMIN_SCOPES, MAX_GRANT_LIFETIME, MAX_SKEW};

/// Env var the `emulator-p12*` profiles read the PKCS#12 password from.
pub const P12_PASSWORD_ENV: &str = "MPADMIN_EMULATOR_P12_PASSWORD";
/// File in the emulator dir holding the PKCS#12 password.
pub const P12_PASSWORD_FILE: &str = "p12-password.txt";
/// Scopes the generated profiles ask for.
const PROFILE_SCOPES: [&str; 3] = [
    "idporten:scopes.write",
    "idporten:dcr.read",
    "idporten:dcr.write",
];

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot listen on 127.0.0.1:{port}: {source} (is another emulator running? try --port 0)"
    )]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {}: {reason} (move it away to start from the seed)", path.display())]
    State { path: PathBuf, reason: String },
    #[error("generating test certificates: {0}")]
    Crypto(String),
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where the CA, certificates, PKCS#12 files and `keys.toml` are written (created if missing).
    pub dir: PathBuf,
    /// Persist the state here (loaded at start when it exists).
    pub state_file: Option<PathBuf>,
    pub seed: Seed,
}

impl EmulatorOptions {
    /// Random port, demo data, no persistence.
    pub fn demo(dir: impl Into<PathBuf>) -> EmulatorOptions {
        EmulatorOptions {
            port: 0,
            dir: dir.into(),
            state_file: None,
            seed: Seed::Demo,
        }
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT/` (trailing slash: the grant's `aud` must equal it).
    issuer: String,
    pki: &'static certs::Pki,
    store: state::Store,
    token_requests: AtomicU64,
    faults: Faults,
}

impl Shared {
    /// The emulator's clock (epoch seconds), skewed when a test asks for it.
    fn now(&self) -> i64 {
        state::now_secs() + self.faults.clock_skew()
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    dir: PathBuf,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("issuer", &self.shared.issuer)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Generate (or reuse, within this process) the key material, write the files, bind
    /// 127.0.0.1 and serve on the current tokio runtime.
    pub async fn start(opts: EmulatorOptions) -> Result<Emulator, EmulatorError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| EmulatorError::Io { path, source }
        };
        std::fs::create_dir_all(&opts.dir).map_err(io(&opts.dir))?;
        let dir = std::fs::canonicalize(&opts.dir).map_err(io(&opts.dir))?;
        let pki = tokio::task::spawn_blocking(certs::pki)
            .await
            .map_err(|e| EmulatorError::Crypto(e.to_string()))??;
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        pki.write_files(&dir, &password)?;

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .map_err(|source| EmulatorError::Bind {
                port: opts.port,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                port: opts.port,
                source,
            })?;
        let issuer = format!("http://{addr}/");
        write_keys_toml(&dir, &issuer)?;

        let mut data = state::load_or(opts.state_file.as_deref(), || seed::build(opts.seed, pki))?;
        // A loaded state carries admin keys from an earlier run's key material.
        seed::ensure_admin_clients(&mut data, pki)?;
        let store = state::Store::new(data, opts.state_file.clone())?;

        let shared = Arc::new(Shared {
            issuer,
            pki,
            store,
            token_requests: AtomicU64::new(0),
            faults: Faults::default(),
        });
        let app = router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("emulator server stopped: {e}");
            }
        });
        tracing::info!(issuer = %shared.issuer, "emulator started");
        Ok(Emulator {
            addr,
            dir,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`, with the trailing slash a grant's `aud` must carry.
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token_endpoint(&self) -> Url {
        self.url("token")
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn api_base(&self) -> Url {
        self.url("api/v1")
    }

    fn url(&self, path: &str) -> Url {
        // The issuer is built from a socket address, always a valid base URL.
        Url::parse(&format!("{}{path}", self.shared.issuer))
            .unwrap_or_else(|_| unreachable!("issuer is a valid http URL"))
    }

    /// The profiles file; its `emulator` profile works as is.
    pub fn keys_toml(&self) -> PathBuf {
        self.dir.join("keys.toml")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PKCS#12 password (also in `p12-password.txt`).
    pub fn p12_password(&self) -> Result<String, EmulatorError> {
        let path = self.dir.join(P12_PASSWORD_FILE);
        std::fs::read_to_string(&path).map_err(|source| EmulatorError::Io { path, source })
    }

    /// Token requests received (answered or refused).
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// A copy of the current state, for assertions.
    pub fn state(&self) -> StateSnapshot {
        self.shared.store.snapshot()
    }

    /// Fault injection switches (status codes, latency, dropped connections, ...).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Stop serving and wait until the server has closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/token", post(token::token_endpoint))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::discovery),
        )
        .route("/jwk", get(token::jwk))
        .nest("/api/v1", api::router())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .with_state(shared)
}

#[derive(Serialize)]
struct KeysFile {
    default_profile: &'static str,
    profiles: std::collections::BTreeMap<&'static str, ProfileOut>,
}

#[derive(Serialize)]
struct ProfileOut {
    issuer: String,
    token_endpoint: String,
    api_base: String,
    client_id: &'static str,
    scopes: [&'static str; 3],
    #[serde(skip_serializing_if = "Option::is_none")]
    pkcs12: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pkcs12_password_env: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_key: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'static str>,
}

/// `keys.toml` with one profile per way of signing: PEM pair (`emulator`, the default),
/// PKCS#12 modern and legacy, own key with kid, and the other organisation's certificate.
fn write_keys_toml(dir: &Path, issuer: &str) -> Result<(), EmulatorError> {
    let base = |client_id| ProfileOut {
        issuer: issuer.to_owned(),
        token_endpoint: format!("{issuer}token"),
        api_base: format!("{issuer}api/v1"),
        client_id,
        scopes: PROFILE_SCOPES,
        pkcs12: None,
        pkcs12_password_env: None,
        private_key: None,
        certificate: None,
        kid: None,
    };
    let pem = |client_id, key: &str, cert: &str| ProfileOut {
        private_key: Some(dir.join(key)),
        certificate: Some(dir.join(cert)),
        ..base(client_id)
    };
    let p12 = |file: &str| ProfileOut {
        pkcs12: Some(dir.join(file)),
        pkcs12_password_env: Some(P12_PASSWORD_ENV),
        ..base(ADMIN_CLIENT_ID)
    };
    let profiles = [
        (
            "emulator",
            pem(ADMIN_CLIENT_ID, "business.key.pem", "business.cert.pem"),
        ),
        ("emulator-p12", p12("business.p12")),
        ("emulator-p12-legacy", p12("business-legacy.p12")),
        (
            "emulator-kid",
            ProfileOut {
                private_key: Some(dir.join("admin-own.key.pem")),
                kid: Some(ADMIN_KID),
                ..base(ADMIN_KID_CLIENT_ID)
            },
        ),
        (
            "emulator-other-org",
            pem(
                OTHER_ADMIN_CLIENT_ID,
                "other-org.key.pem",
                "other-org.cert.pem",
            ),
        ),
    ];
    let file = KeysFile {
        default_profile: "emulator",
        profiles: profiles.into_iter().collect(),
    };
    let text = toml::to_string(&file).map_err(|e| EmulatorError::Io {
        path: dir.join("keys.toml"),
        source: std::io::Error::other(e),
    })?;
    let header = "# Written by `mpadmin emulator`: profiles for the local test Maskinporten.\n\
                  # The p12 profiles read the password from $MPADMIN_EMULATOR_P12_PASSWORD\n\
                  # (the password is in p12-password.txt beside this file).\n\n";
    let path = dir.join("keys.toml");
    certs::write_file(&path, format!("{header}{text}").as_bytes(), true)
        .map_err(|source| EmulatorError::Io { path, source })
}

/// `--seed` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedArg {
    Demo,
    Empty,
}

/// `mpadmin emulator [--port N] [--dir DIR] [--state FILE] [--seed demo|empty] [--seed-size N]`
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 5740)]
    pub port: u16,
    /// Directory for the test CA, certificates, PKCS#12 files and keys.toml.
    #[arg(long, value_name = "DIR", default_value = "emu")]
    pub dir: PathBuf,
    /// Keep the state in this JSON file across restarts.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Start data when there is no state file yet.
    #[arg(long, value_enum, default_value_t = SeedArg::Demo)]
    pub seed: SeedArg,
    /// Instead of --seed: N scopes, 20 N grants and N/2 clients with keys (benchmarks).
    #[arg(long, value_name = "N", conflicts_with = "seed")]
    pub seed_size: Option<usize>,
}

impl EmulatorArgs {
    fn options(&self) -> EmulatorOptions {
        let seed = match (self.seed_size, self.seed) {
            (Some(n), _) => Seed::Size(n),
            (None, SeedArg::Demo) => Seed::Demo,
            (None, SeedArg::Empty) => Seed::Empty,
        };
        EmulatorOptions {
            port: self.port,
            dir: self.dir.clone(),
            state_file: self.state.clone(),
            seed,
        }
    }
}

/// `mpadmin emulator`: start, print where everything is, serve until Ctrl-C.
pub fn run_command(args: EmulatorArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mpadmin emulator: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async {
        let emu = match Emulator::start(args.options()).await {
            Ok(emu) => emu,
            Err(e) => {
                eprintln!("mpadmin emulator: {e}");
                return ExitCode::from(1);
            }
        };
        let dir = emu.dir().display().to_string();
        println!("Maskinporten emulator on {}", emu.addr());
        println!("  issuer          {}", emu.issuer());
        println!("  token endpoint  {}", emu.token_endpoint());
        println!("  admin API base  {}", emu.api_base());
        println!("  profiles        {}", emu.keys_toml().display());
        if let Some(state) = &args.state {
            println!("  state file      {}", state.display());
        }
        println!();
        println!("Try:");
        println!(
            "  mpadmin --keys {} --profile emulator scopes list",
            emu.keys_toml().display()
        );
        println!(
            "  export {P12_PASSWORD_ENV}=$(cat {dir}/{P12_PASSWORD_FILE})   # for the emulator-p12 profiles"
        );
        println!();
        println!("Ctrl-C stops.");
        let _ = tokio::signal::ctrl_c().await;
        emu.shutdown().await;
        ExitCode::SUCCESS
    })
}
