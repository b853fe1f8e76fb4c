//! Local Maskinporten emulator (in progress).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {}

pub fn run_command(_args: EmulatorArgs) -> ExitCode {
    ExitCode::from(2)
}
