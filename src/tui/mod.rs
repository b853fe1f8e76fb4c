//! The terminal UI (in progress).

use std::process::ExitCode;

use crate::cli::GlobalArgs;

pub fn run(_global: &GlobalArgs, _demo: bool) -> ExitCode {
    ExitCode::from(2)
}
