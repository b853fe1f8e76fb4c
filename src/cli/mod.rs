//! Command line: parse, pick a profile, hand over to the headless commands, the TUI or the
//! emulator. Exit codes: 0 success, 1 API or network error, 2 usage, config or validation error.

mod access;
mod clients;
mod commands;
mod confirm;
mod journal;
mod keyring;
mod keys;
mod logging;
mod output;
mod record;
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
    /// (organisation-scale trials, issue 6).
    #[arg(long, requires = "demo", value_name = "N")]
    pub seed_size: Option<usize>,
    /// With --demo: the emulator misbehaves on every request under PATH (default /api/v1/):
    /// empty-body, endless-body, redirect, malformed-json or drop-connection. Repeatable.
    #[arg(long = "fault", requires = "demo", value_name = "KIND[@PATH]")]
    pub faults: Vec<crate::emulator::FaultArg>,
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
    #[arg(long, global = true)]
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
}

pub fn main() -> ExitCode {
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
    let log_dir = crate::config::paths(cli.global.keys.as_deref()).log_dir();
    if let Err(e) = logging::init(cli.global.log_level.as_deref(), log_dir.as_deref()) {
        eprintln!("mpadmin: {e}");
        return ExitCode::from(2);
    }
    match cli.command {
        None => {
            let seed = cli.seed_size.map_or(Seed::Demo, Seed::Size);
            let demo = cli.demo.then_some(crate::tui::Demo {
                seed,
                faults: cli.faults,
            });
            crate::tui::run(&cli.global, demo)
        }
        Some(Command::Emulator(args)) => crate::emulator::run_command(args),
        Some(Command::Admin(cmd)) => commands::run(&cli.global, cmd),
    }
}
