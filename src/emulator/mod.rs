//! A local Maskinporten: token endpoint (validates grants as strictly as the real one), the
//! self-service admin API, discovery, a generated test CA with business certificates, and
//! in-memory state with optional file persistence. Used by `mpadmin --demo`,
//! `mpadmin emulator` and every test.

mod api;
mod certs;
mod errors;
mod faults;
mod files;
mod jws;
mod profiles;
mod scenarios;
mod seed;
mod state;
mod stats;
mod token;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::{get, post};
use rand::Rng;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

pub use certs::{ADMIN_KID, OTHER_ORG_NAME, OTHER_ORGNO, OWN_ORGNO};
pub use faults::{Fault, FaultArg, Faults, HOSTILE_TEXT};
pub use seed::{
    ADMIN_CLIENT_ID, ADMIN_KID_CLIENT_ID, OTHER_ADMIN_CLIENT_ID, OTHER_PREFIX,
    OTHER_SUPPLIER_ORGNO, OWN_PREFIXES, SUPPLIER_ADMIN_CLIENT_ID, SUPPLIER_ORG_NAME,
    SUPPLIER_ORGNO, Seed, orgnos,
};
pub use state::StateSnapshot;
pub use stats::{ALL as ALL_PATHS, PathStats};
pub use token::{ADMIN_SCOPES, MAX_GRANT_LIFETIME, MAX_SKEW};

/// Env var the `emulator-p12*` profiles read the PKCS#12 password from.
pub const P12_PASSWORD_ENV: &str = "MPADMIN_EMULATOR_P12_PASSWORD";
/// File in the emulator dir holding the PKCS#12 password.
pub const P12_PASSWORD_FILE: &str = "p12-password.txt";

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
    #[error("emulator dir {}: {problem}; fix: {fix}", dir.display())]
    Dir {
        dir: PathBuf,
        problem: String,
        fix: String,
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
    /// Where the CA, certificates, PKCS#12 files and `keys.toml` are written: created if
    /// missing; an existing directory must be empty or one the emulator made.
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
    stats: stats::Stats,
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
        let dir = files::claim(&opts.dir)?;
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
        profiles::write_keys_toml(&dir, &issuer)?;

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
            stats: stats::Stats::default(),
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

    /// Requests that reached the token endpoint, answered or refused (an injected fault
    /// answers before the endpoint and is not counted).
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Requests to `path` (e.g. `/api/v1/scopes/access`, no query) and the most of them the
    /// emulator was serving at once, injected latency included.
    pub fn path_stats(&self, path: &str) -> PathStats {
        self.shared.stats.of(path)
    }

    /// What every path that had requests since the start (or the last reset) saw, sorted by
    /// path, with `*` ([`ALL_PATHS`]) for all of them together.
    pub fn all_path_stats(&self) -> Vec<(String, PathStats)> {
        self.shared.stats.all()
    }

    /// The JSON body of the last `method` request to `path` (e.g. `"POST"`,
    /// `/api/v1/clients`), as the client sent it; `None` when there was none or it was not JSON.
    pub fn last_body(&self, method: &str, path: &str) -> Option<serde_json::Value> {
        let bytes = self.shared.stats.last_body(method, path)?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Start counting `path_stats` (and recording `last_body`) afresh.
    pub fn reset_path_stats(&self) {
        self.shared.stats.reset();
    }

    /// A copy of the current state, for assertions.
    pub fn state(&self) -> StateSnapshot {
        self.shared.store.snapshot()
    }

    /// Change the state directly (persisted like any change), for tests that need what the
    /// API refuses to create: a key that has expired, a REQUESTED grant, ...
    pub fn edit_state<R>(
        &self,
        f: impl FnOnce(&mut StateSnapshot) -> R,
    ) -> Result<R, EmulatorError> {
        self.shared.store.edit(f)
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
        // Outermost, so a request counts as in flight while injected latency holds it.
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            stats::track,
        ))
        .with_state(shared)
}

/// `--seed` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedArg {
    Demo,
    Empty,
}

/// `mpadmin emulator [--port N] [--dir DIR] [--state FILE] [--seed demo|empty] [--seed-size N]
/// [--fault KIND[@PATH]]...`
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 5740)]
    pub port: u16,
    /// Directory for the test CA, certificates, PKCS#12 files and keys.toml: a new or empty
    /// one, or one the emulator made before (it rewrites its files there on every start).
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
    /// Put terminal escape sequences and bidi overrides into every error answer, to see that
    /// clients show them harmlessly.
    #[arg(long)]
    pub hostile_errors: bool,
    /// Misbehave on every request under PATH (default /api/v1/): empty-body, endless-body,
    /// redirect, malformed-json or drop-connection. Repeatable.
    #[arg(long = "fault", value_name = "KIND[@PATH]")]
    pub faults: Vec<FaultArg>,
    /// Hold every request this many milliseconds, as a server 10-50 ms away would.
    #[arg(long = "latency", value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Play a server without the single-key endpoints (GET/PUT/DELETE
    /// /clients/{id}/jwks/{kid} answer 404), so clients fall back to replacing the set.
    #[arg(long)]
    pub no_single_key: bool,
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
#[allow(
    clippy::disallowed_macros,
    reason = "prints only its own addresses and the paths it was given; the emulator stands apart from the fronts"
)]
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
        emu.faults().set_hostile_errors(args.hostile_errors);
        emu.faults().set_from_args(&args.faults);
        if let Some(ms) = args.latency_ms {
            emu.faults().set_latency(std::time::Duration::from_millis(ms));
        }
        emu.faults().set_no_single_key_endpoints(args.no_single_key);
        let dir = emu.dir().display().to_string();
        println!("Maskinporten emulator on {}", emu.addr());
        println!("  issuer          {}", emu.issuer());
        println!("  token endpoint  {}", emu.token_endpoint());
        println!("  admin API base  {}", emu.api_base());
        println!("  profiles        {}", emu.keys_toml().display());
        if let Some(state) = &args.state {
            println!("  state file      {}", state.display());
        }
        for f in &args.faults {
            println!("  fault           {:?} on {}", f.fault, f.path);
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
        let code = match stop_signal().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mpadmin emulator: cannot wait for Ctrl-C: {e}");
                ExitCode::from(1)
            }
        };
        emu.shutdown().await;
        code
    })
}

/// Ctrl-C, or SIGTERM from a script or service manager.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
