//! The headless admin commands (in progress).

use std::process::ExitCode;

use clap::Subcommand;

use super::GlobalArgs;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print where mpadmin looks for its files.
    Paths,
}

pub fn run(_global: &GlobalArgs, _cmd: AdminCommand) -> ExitCode {
    ExitCode::from(2)
}
