//! The terminal UI. Elm-shaped: terminal events become `Action`s, `App::update` turns them into
//! state and `Effect`s, the runner does the effects on tokio and answers with more `Action`s,
//! and `view::render` draws the state. The loop is generic over the backend and the input
//! stream, so tests drive the real loop on ratatui's `TestBackend`.

pub mod action;
pub mod app;
pub mod effect;
pub mod keymap;
pub mod panes;
pub mod plan_view;
pub mod supplier;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

use std::io;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event, EventStream};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use std::path::PathBuf;

use crate::api::{self, AdminApi};
use crate::changes::JournalTarget;
use crate::config::{self, Profile};
use action::Action;
use app::{App, Session};
use effect::{Effect, Runner};
use keymap::Keymap;

/// How often the clock ticks (spinner frames, toast expiry, token countdown).
const TICK: Duration = Duration::from_millis(100);

/// What the loop needs from the world outside the terminal.
pub trait Host {
    /// Put text on the clipboard.
    fn copy(&mut self, text: &str);
    /// How to connect to another profile (`:profile NAME`). The loop runs it on a blocking
    /// thread: it reads the profiles file and the key material and loads the system's root
    /// certificates, too slow for the thread that draws and reads keys.
    fn connector(&self, profile: &str) -> Connector;
    /// Where the changes made in `session` are recorded, if anywhere.
    fn journal(&self, session: &Session) -> Option<JournalTarget>;
    /// The profile behind `session`: its issuer and token endpoint are where the token
    /// doctor and rotation's proof ask for tokens of other clients.
    fn profile(&self, session: &Session) -> Option<Profile>;
    /// The checks of `:doctor` on `session`'s profile; the loop runs them on tokio.
    fn doctor(&self, session: &Session) -> DoctorJob;
    /// Whether organisation names are looked up with `profile`, and where they are cached
    /// (the default: never).
    fn names(&self, _profile: Option<&Profile>) -> crate::names::Settings {
        crate::names::Settings::default()
    }
}

pub type Connector = Box<dyn FnOnce() -> Result<Switched, String> + Send>;

pub type DoctorJob = futures::future::BoxFuture<'static, crate::doctor::Report>;

/// A profile connected to by a [`Connector`].
pub struct Switched {
    pub session: Session,
    pub api: AdminApi,
    /// As [`Host::profile`] would answer for `session`.
    pub profile: Option<Profile>,
}

fn to_action(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => Some(Action::Key(k)),
        Event::Mouse(m) => Some(Action::Mouse(m)),
        Event::Paste(s) => Some(Action::Paste(s)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// Run the UI until the user quits or the input ends. Returns the final state (for tests).
pub async fn run_loop<B, S, H>(
    terminal: &mut Terminal<B>,
    mut events: S,
    mut app: App,
    api: AdminApi,
    host: &mut H,
) -> Result<App, io::Error>
where
    B: Backend,
    H: Host,
    B::Error: std::error::Error + Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let io_err = |e: B::Error| io::Error::other(e);
    let (mut tx, mut rx) = mpsc::unbounded_channel();
    let profile = host.profile(&app.session);
    let names = host.names(profile.as_ref());
    app.names_on = names.on;
    let mut runner =
        Runner::new(api, tx.clone(), host.journal(&app.session), profile).with_names(names);
    let size = terminal.size().map_err(io_err)?;
    let mut effects = app.update(Action::Resize(size.width, size.height));
    effects.extend(app.update(Action::Start));
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The profile being connected to; a newer `:profile` replaces it.
    let mut switching: Option<tokio::task::JoinHandle<Result<Switched, String>>> = None;
    loop {
        for e in effects.drain(..) {
            match e {
                Effect::Copy(text) => host.copy(&text),
                Effect::SwitchProfile(name) => {
                    switching = Some(tokio::task::spawn_blocking(host.connector(&name)));
                }
                Effect::Doctor => {
                    let (job, tx) = (host.doctor(&app.session), tx.clone());
                    tokio::spawn(async move {
                        let _ = tx.send(Action::Doctor(Box::new(job.await)));
                    });
                }
                other => runner.spawn(other),
            }
        }
        if app.quit {
            break;
        }
        // Draw only when something changed and no answer is waiting to change it again.
        if app.dirty && rx.is_empty() {
            terminal.draw(|f| view::render(&app, f)).map_err(io_err)?;
            app.dirty = false;
        }
        tokio::select! {
            biased;
            Some(action) = rx.recv() => effects = app.update(action),
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if let Some(a) = to_action(ev) {
                        effects = app.update(a);
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = tick.tick() => effects = app.update(Action::Tick(SystemTime::now())),
            done = async {
                match switching.as_mut() {
                    Some(job) => job.await,
                    None => std::future::pending().await,
                }
            }, if switching.is_some() =>
            {
                switching = None;
                match done {
                    Ok(Ok(sw)) => {
                        // A fresh channel: answers still on their way for the old profile
                        // land in the dropped receiver instead of the new state.
                        (tx, rx) = mpsc::unbounded_channel();
                        let names = host.names(sw.profile.as_ref());
                        runner = Runner::new(sw.api, tx.clone(), host.journal(&sw.session), sw.profile)
                            .with_names(names.clone());
                        app.reset(sw.session);
                        app.names_on = names.on;
                        effects = app.update(Action::Start);
                    }
                    Ok(Err(msg)) => app.error(msg),
                    Err(e) => app.error(format!("connecting to the profile failed: {e}")),
                }
                app.dirty = true;
            }
        }
    }
    drop(tx);
    Ok(app)
}

/// Paint the UI as it stands before any answer (header, tabs, empty pane) at once; `run_loop`
/// then draws only what changed.
fn first_frame<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), io::Error>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let size = terminal.size().map_err(io::Error::other)?;
    app.size = (size.width, size.height);
    terminal
        .draw(|f| view::render(app, f))
        .map_err(io::Error::other)?;
    Ok(())
}

/// The keymap with the user's `config.toml` (beside the profiles file) applied; the defaults
/// when there is no such file.
pub fn load_keymap(config_file: Option<&std::path::Path>) -> Result<Keymap, String> {
    let Some(path) = config_file else {
        return Ok(Keymap::default());
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Keymap::from_config(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Keymap::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Passwords from the environment or the OS keychain only: while the UI owns the terminal
/// there is nobody to prompt, so `:profile` to a p12 profile needs one of them.
struct EnvOnly;

impl crate::auth::PasswordSource for EnvOnly {
    fn var(&self, name: &str) -> Option<crate::auth::Secret> {
        crate::auth::SystemPasswords.var(name)
    }

    fn prompt(&self, _question: &str) -> Option<io::Result<crate::auth::Secret>> {
        None
    }

    fn keychain(
        &self,
        service: &str,
        account: &str,
    ) -> Result<Option<crate::auth::Secret>, String> {
        crate::auth::SystemPasswords.keychain(service, account)
    }
}

/// The profiles file and flags the UI was started with.
struct RealHost {
    keys: Option<PathBuf>,
    read_only: bool,
    /// `None` when the system has no data dir.
    journal: Option<PathBuf>,
    /// `--no-names`.
    no_names: bool,
}

impl Host for RealHost {
    fn copy(&mut self, text: &str) {
        terminal::copy_to_clipboard(text);
    }

    fn connector(&self, profile: &str) -> Connector {
        let (keys, read_only, name) = (self.keys.clone(), self.read_only, profile.to_owned());
        Box::new(move || {
            let file = config::open(keys.as_deref()).map_err(|e| e.to_string())?;
            let profile = file.profile(Some(&name)).map_err(|e| e.to_string())?;
            let api = api::connect_with(&profile, &EnvOnly).map_err(|e| e.to_string())?;
            let expires = certificate_expiry(&api);
            Ok(Switched {
                session: session_for(&profile, &file, read_only, expires),
                api,
                profile: Some(profile),
            })
        })
    }

    fn journal(&self, session: &Session) -> Option<JournalTarget> {
        Some(JournalTarget {
            journal: crate::journal::Journal::at(self.journal.clone()?),
            profile: session.profile.clone(),
            environment: session.env_label().to_owned(),
        })
    }

    fn profile(&self, session: &Session) -> Option<Profile> {
        let file = config::open(self.keys.as_deref()).ok()?;
        file.profile(Some(&session.profile)).ok()
    }

    fn doctor(&self, session: &Session) -> DoctorJob {
        let setup = crate::doctor::Setup {
            read_only: self.read_only,
            in_ui: true,
            ..crate::doctor::Setup::new(
                self.keys.clone(),
                Some(session.profile.clone()),
                std::sync::Arc::new(EnvOnly),
            )
        };
        Box::pin(async move { crate::doctor::run(&setup).await })
    }

    fn names(&self, profile: Option<&Profile>) -> crate::names::Settings {
        profile.map_or_else(crate::names::Settings::default, |p| {
            crate::names::Settings::of(p, self.keys.as_deref(), self.no_names)
        })
    }
}

fn session_for(
    profile: &Profile,
    file: &config::ProfilesFile,
    read_only: bool,
    certificate_expires: Option<SystemTime>,
) -> Session {
    Session {
        profile: profile.name.clone(),
        environment: profile.environment,
        read_only: read_only || profile.read_only,
        local: is_loopback(&profile.api_base),
        profiles: file.names(),
        certificate_expires,
    }
}

/// When the business certificate the admin signs with runs out (`None` when it signs with
/// its own key): read once when the profile is opened, so the header needs no I/O.
pub fn certificate_expiry(api: &AdminApi) -> Option<SystemTime> {
    expiry_of(api.tokens().certificate())
}

fn expiry_of(certificate: Option<&crate::auth::CertificateInfo>) -> Option<SystemTime> {
    certificate.map(|c| SystemTime::from(c.not_after))
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// What the UI is started with: the front door (`cli`) decides, the UI does not know flags.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The profiles file to open (`None`: `$MPADMIN_KEYS`, then the config dir).
    pub keys: Option<PathBuf>,
    pub profile: Option<String>,
    /// Refuse every change (`--read-only`).
    pub read_only: bool,
    /// The profiles file the *user* named, which places their `config.toml` (differs from
    /// `keys` in `--demo`, whose profiles file is temporary).
    pub user_keys: Option<PathBuf>,
    /// The journal of changes (`--demo` keeps its own beside the emulator, never the user's).
    pub journal: Option<PathBuf>,
    /// Look up no organisation names (`--no-names`).
    pub no_names: bool,
}

/// `mpadmin` without a subcommand (and `mpadmin --demo`, once its emulator runs).
pub fn run(options: Options) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            crate::text::report(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(start(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Setup(e)) => {
            crate::text::report(&e);
            ExitCode::from(2)
        }
        Err(Failure::Terminal(e)) => {
            crate::text::report(&format!("terminal: {e}"));
            ExitCode::from(1)
        }
        // The shell convention for "ended by signal N".
        Err(Failure::Signal(n)) => ExitCode::from(128 + n),
    }
}

enum Failure {
    /// Profile, credentials or config.toml: before the terminal is touched.
    Setup(String),
    Terminal(io::Error),
    /// SIGTERM, SIGHUP, SIGINT or SIGQUIT ended the UI (the terminal was restored first).
    Signal(u8),
}

async fn start(options: Options) -> Result<(), Failure> {
    let setup = |e: &dyn std::fmt::Display| Failure::Setup(e.to_string());
    // What fails on bad input is said on a normal screen: the profiles file before the
    // terminal is taken, the signing material (read after the first frame) once it is given back.
    let file = config::open(options.keys.as_deref()).map_err(|e| setup(&e))?;
    let profile = file
        .profile(options.profile.as_deref())
        .map_err(|e| setup(&e))?;
    // Reading the signing material (OpenSSL's start, two parses of the key: ~3 ms) and
    // building the HTTP client (the system's root certificates) wait for the first frame,
    // unless reading may ask for a password: that needs the terminal first.
    let early = if crate::auth::Credentials::wants_terminal(&profile, &crate::auth::SystemPasswords)
    {
        Some(api::prepare(&profile, &crate::auth::SystemPasswords).map_err(|e| setup(&e))?)
    } else {
        None
    };
    // The user's own settings and journal, also in --demo (whose profiles file is temporary).
    let paths = config::paths(options.user_keys.as_deref());
    let keymap = load_keymap(paths.tui_config.as_deref()).map_err(|e| setup(&e))?;
    let session = session_for(&profile, &file, options.read_only, None);
    let mut app = App::new(session, keymap, SystemTime::now());
    app.theme = theme::Theme::from_env();
    let journal = options.journal.clone();
    let mut warnings = config::permission_warnings(&file, &profile);
    // Said once, here: a journal others could read is tightened, a linked one refused.
    match journal
        .as_ref()
        .map(|j| crate::journal::Journal::at(j).prepare())
    {
        Some(Ok(Some(note))) => warnings.push(note),
        Some(Err(e)) => warnings.push(format!("changes cannot be recorded: {e}")),
        Some(Ok(None)) | None => {}
    }
    if !warnings.is_empty() {
        app.error(format!("warning: {}", warnings.join("; ")));
    }
    let mut host = RealHost {
        keys: options.keys,
        read_only: options.read_only,
        journal: options.journal,
        no_names: options.no_names,
    };
    let stop = terminal::stop_signal().map_err(Failure::Terminal)?;
    let mut guard = terminal::init().map_err(Failure::Terminal)?;
    first_frame(&mut guard.terminal, &mut app).map_err(Failure::Terminal)?;
    // Started once the frame is out: on a busy machine the two shared the CPU.
    let later = profile.clone();
    let api = tokio::task::spawn_blocking(move || {
        let prepared = match early {
            Some(p) => p,
            None => api::prepare(&later, &EnvOnly)?,
        };
        let expires = expiry_of(prepared.certificate());
        prepared.build().map(|api| (api, expires))
    });
    // Debug builds only: lets the PTY test watch a panic restore the terminal (nothing a
    // user can type makes mpadmin panic).
    #[cfg(debug_assertions)]
    if std::env::var_os("MPADMIN_TEST_PANIC").is_some() {
        panic!("MPADMIN_TEST_PANIC is set");
    }
    let built = match api.await {
        Ok(built) => built.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let api = match built {
        Ok((api, expires)) => {
            app.session.certificate_expires = expires;
            api
        }
        Err(e) => {
            // Restore the terminal first, so the message lands on a normal screen.
            drop(guard);
            return Err(Failure::Setup(e));
        }
    };
    let result = tokio::select! {
        r = run_loop(&mut guard.terminal, EventStream::new(), app, api, &mut host) => {
            r.map(drop).map_err(Failure::Terminal)
        }
        n = stop => Err(Failure::Signal(n)),
    };
    drop(guard);
    result
}

#[cfg(test)]
mod tests;
