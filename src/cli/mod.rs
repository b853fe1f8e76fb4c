//! Command line: parse, pick a profile, hand over to the headless commands, the TUI or the
//! emulator. Exit codes: 0 success, 1 API or network error, 2 usage, config or validation error.

mod access;
mod clients;
mod commands;
mod compare;
mod completions;
mod confirm;
mod doctor;
mod estate;
mod init;
mod journal;
mod keyring;
mod keys;
mod kinds;
mod logging;
mod onbehalfof;
mod org;
mod output;
mod scopes;
mod token;

use std::path::PathBuf;

use crate::emulator::Seed;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use commands::AdminCommand;

#[derive(Debug, Parser)]
#[command(
    name = "mpadmin",
    version,
    about = "Administer Maskinporten self-service: scopes, access grants, clients and keys"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Start a local Maskinporten emulator with demo data and open the UI on it.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: seed N scopes, 20N grants and N/2 clients instead of the demo data
    /// (to try mpadmin at the scale of a large organisation).
    #[arg(long, requires = "demo", value_name = "N")]
    pub seed_size: Option<usize>,
    /// With --demo: the emulator puts terminal escape sequences and bidi overrides into every
    /// error answer, to see that mpadmin shows them harmlessly.
    #[arg(long, requires = "demo")]
    pub hostile_errors: bool,
    /// With --demo: the emulator misbehaves on every request under PATH (default /api/v1/):
    /// empty-body, endless-body, redirect, malformed-json or drop-connection. Repeatable.
    #[arg(long = "fault", requires = "demo", value_name = "KIND[@PATH]")]
    pub faults: Vec<crate::emulator::FaultArg>,
    /// With --demo: the emulator holds every request this many milliseconds, as Digdir 10-50
    /// ms away would, to feel the round trips.
    #[arg(long = "latency", requires = "demo", value_name = "MS")]
    pub latency_ms: Option<u64>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Profiles file (default: $MPADMIN_KEYS, else <config dir>/mpadmin/keys.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Profile to use (default: default_profile in the profiles file).
    #[arg(long, global = true, add = clap_complete::engine::ArgValueCompleter::new(completions::profile_names))]
    pub profile: Option<String>,
    /// Print API objects as JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not ask for confirmation before destructive changes.
    #[arg(long, global = true)]
    pub yes: bool,
    /// Refuse every change (also `read_only = true` in the profile).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Show organisation numbers without looking up their names (also `names = false`).
    #[arg(long, global = true)]
    pub no_names: bool,
    /// Log level for the log file (error, warn, info, debug, trace).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local Maskinporten (token endpoint + admin API) for tests and demos.
    Emulator(crate::emulator::EmulatorArgs),
    #[command(flatten)]
    Admin(AdminCommand),
    /// Check everything between you and a working session (profiles file, certificate,
    /// network, clock, admin token and scopes, what your organisation owns), each with the fix.
    /// Exit code 1 when a check fails.
    Doctor,
    /// Write a commented starter profiles file where mpadmin looks for it (never over an
    /// existing file).
    Init,
    /// Print the shell completion script (load it with `source <(mpadmin completions bash)`).
    Completions {
        #[arg(value_enum)]
        shell: completions::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// `mpadmin --demo`: a local emulator with `seed` in a temp dir, and the UI on its profile.
/// The emulator runs on its own runtime, beside the UI's, until the UI ends.
fn demo(
    global: &GlobalArgs,
    seed: Seed,
    hostile_errors: bool,
    faults: &[crate::emulator::FaultArg],
    latency_ms: Option<u64>,
) -> ExitCode {
    let started = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|rt| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let options = crate::emulator::EmulatorOptions {
                seed,
                ..crate::emulator::EmulatorOptions::demo(dir.path())
            };
            let emu = rt
                .block_on(crate::emulator::Emulator::start(options))
                .map_err(|e| e.to_string())?;
            emu.faults().set_hostile_errors(hostile_errors);
            emu.faults().set_from_args(faults);
            if let Some(ms) = latency_ms {
                emu.faults()
                    .set_latency(std::time::Duration::from_millis(ms));
            }
            Ok((rt, dir, emu))
        });
    let (rt, dir, emu) = match started {
        Ok(started) => started,
        Err(e) => {
            crate::text::report(&e);
            return ExitCode::from(2);
        }
    };
    let code = crate::tui::run(crate::tui::Options {
        keys: Some(emu.keys_toml()),
        profile: Some(
            global
                .profile
                .clone()
                .unwrap_or_else(|| "emulator".to_owned()),
        ),
        read_only: global.read_only,
        user_keys: global.keys.clone(),
        journal: Some(dir.path().join("journal.jsonl")),
        no_names: global.no_names,
    });
    rt.block_on(emu.shutdown());
    code
}

/// Whether every endpoint this run may talk to is plain HTTP on this machine: `--demo`, or
/// the chosen profile of a command, or every profile of the file for the UI (which can switch
/// to any of them). A file that does not load says no; the command then reports it.
fn plain_http_only(cli: &Cli) -> bool {
    let keys = cli.global.keys.as_deref();
    let plain = |p: &crate::config::Profile| !p.needs_tls();
    match &cli.command {
        None if cli.demo => true,
        None => crate::config::open(keys).is_ok_and(|file| {
            file.names()
                .iter()
                .all(|name| file.profile(Some(name)).is_ok_and(|p| plain(&p)))
        }),
        Some(Command::Admin(_) | Command::Doctor) => {
            crate::config::load(keys, cli.global.profile.as_deref()).is_ok_and(|p| plain(&p))
        }
        Some(_) => false,
    }
}

pub fn main() -> ExitCode {
    completions::complete_if_asked();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if e.use_stderr()
                && e.kind() != clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            commands::usage_error(&e.to_string());
            return ExitCode::from(2);
        }
        // --help, --version, and a command group without its subcommand (shows the help).
        Err(e) => e.exit(),
    };
    if plain_http_only(&cli) {
        // SAFETY: nothing has started a thread yet: logging, tokio and the UI come below.
        unsafe { crate::net::skip_root_certificates() };
    }
    let log_dir = crate::config::paths(cli.global.keys.as_deref()).log_dir();
    if let Err(e) = logging::init(cli.global.log_level.as_deref(), log_dir.as_deref()) {
        commands::warn(&e.to_string());
        return ExitCode::from(2);
    }
    match cli.command {
        None if cli.demo => demo(
            &cli.global,
            cli.seed_size.map_or(Seed::Demo, Seed::Size),
            cli.hostile_errors,
            &cli.faults,
            cli.latency_ms,
        ),
        None => crate::tui::run(crate::tui::Options {
            keys: cli.global.keys.clone(),
            profile: cli.global.profile.clone(),
            read_only: cli.global.read_only,
            user_keys: cli.global.keys.clone(),
            journal: crate::config::paths(cli.global.keys.as_deref()).journal(),
            no_names: cli.global.no_names,
        }),
        Some(Command::Emulator(args)) => crate::emulator::run_command(args),
        Some(Command::Admin(cmd)) => commands::run(&cli.global, cmd),
        Some(Command::Doctor) => doctor::run(&cli.global),
        Some(Command::Init) => {
            commands::exit(init::run(&cli.global, &mut output::Output::stdout(false)))
        }
        Some(Command::Completions { shell }) => {
            commands::exit(completions::script(shell, &mut std::io::stdout().lock()))
        }
        Some(Command::Man) => commands::exit(completions::man(&mut std::io::stdout().lock())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, base: &str) -> String {
        format!(
            "[profiles.{name}]\nclient_id = \"c\"\nissuer = \"{base}/\"\ntoken_endpoint = \"{base}/token\"\napi_base = \"{base}/api/v1\"\nprivate_key = \"k.pem\"\nkid = \"k\"\n"
        )
    }

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("mpadmin").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn root_certificates_are_skipped_only_when_no_endpoint_is_https() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k.pem"), "").unwrap();
        let keys = dir.path().join("keys.toml");
        let local = profile("local", "http://127.0.0.1:5740");
        let test = profile("test", "https://test.maskinporten.no");
        std::fs::write(&keys, format!("{local}\n{test}")).unwrap();
        let k = keys.to_str().unwrap();
        assert!(crate::config::load(Some(&keys), Some("test")).is_ok_and(|p| p.needs_tls()));
        assert!(plain_http_only(&cli(&["--demo"])));
        assert!(plain_http_only(&cli(&[
            "--keys",
            k,
            "--profile",
            "local",
            "token"
        ])));
        assert!(!plain_http_only(&cli(&[
            "--keys",
            k,
            "--profile",
            "test",
            "token"
        ])));
        // The UI may switch to any profile of the file.
        assert!(!plain_http_only(&cli(&["--keys", k, "--profile", "local"])));
        std::fs::write(&keys, &local).unwrap();
        assert!(plain_http_only(&cli(&["--keys", k])));
        // A file that does not load: the command reports it, with the roots as usual.
        std::fs::write(&keys, "not toml [").unwrap();
        assert!(!plain_http_only(&cli(&["--keys", k, "token"])));
    }
}
