//! Command line: parse, pick a profile, hand over to the headless commands, the TUI or the
//! emulator.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
