//! Command line: parse, pick a profile, hand over to the headless commands, the TUI or the
//! emulator. Exit codes: 0 success, 1 API or network error, 2 usage, config or validation error.

mod access;
mod clients;
mod commands;
mod completions;
mod confirm;
mod doctor;
mod init;
mod journal;
mod keyring;
mod keys;
mod logging;
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
    let log_dir = crate::config::paths(cli.global.keys.as_deref()).log_dir();
    if let Err(e) = logging::init(cli.global.log_level.as_deref(), log_dir.as_deref()) {
        eprintln!("mpadmin: {e}");
        return ExitCode::from(2);
    }
    match cli.command {
        None => {
            let seed = cli.seed_size.map_or(Seed::Demo, Seed::Size);
            crate::tui::run(&cli.global, cli.demo.then_some(seed))
        }
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
