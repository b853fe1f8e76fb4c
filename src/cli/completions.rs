//! Shell completion and the man page.
//!
//! Completion uses clap_complete's dynamic engine: the script `mpadmin completions SHELL`
//! prints only registers a function that calls mpadmin back (with `MPADMIN_COMPLETE` set) for
//! the candidates, so subcommands, flags and values always match the binary, and `--profile`
//! completes the profile names of the profiles file. The engine is behind clap_complete's
//! `unstable-dynamic` feature: its script and the binary must come from the same build, which
//! is why the README loads the script afresh in each new shell instead of saving it.

use std::ffi::OsStr;
use std::io::Write;

use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{CompleteEnv, Shells};

use super::Cli;
use super::commands::CliError;
use crate::config;

/// Set by the completion scripts when they ask mpadmin for candidates.
const COMPLETE_ENV: &str = "MPADMIN_COMPLETE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Elvish => "elvish",
        }
    }
}

/// When a completion script called: print the candidates and exit. Otherwise return.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_ENV)
        .complete();
}

/// `mpadmin completions SHELL`: the script that registers the completion function.
pub fn script(shell: Shell, out: &mut dyn Write) -> Result<(), CliError> {
    let shells = Shells::builtins();
    let completer = shells
        .completer(shell.name())
        .ok_or_else(|| CliError::Failed(format!("no completion for {}", shell.name())))?;
    // The script calls this very binary back, wherever it was started from.
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "mpadmin".to_owned());
    completer.write_registration(COMPLETE_ENV, "mpadmin", "mpadmin", &me, out)?;
    Ok(())
}

/// `mpadmin man`: the man page (roff) of the whole command line.
pub fn man(out: &mut dyn Write) -> Result<(), CliError> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(())
}

/// `--profile` candidates: the profile names in the profiles file (`$MPADMIN_KEYS` or the
/// default location; a `--keys` on the same command line is not seen by the completer).
pub fn profile_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    config::open(None)
        .map(|f| f.names())
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.starts_with(typed))
        .map(CompletionCandidate::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_that_calls_mpadmin_back() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Powershell,
            Shell::Elvish,
        ] {
            let mut buf = Vec::new();
            script(shell, &mut buf).unwrap();
            let text = String::from_utf8(buf).unwrap();
            assert!(text.contains(COMPLETE_ENV), "{shell:?}: {text}");
        }
    }

    #[test]
    fn the_man_page_names_the_commands() {
        let mut buf = Vec::new();
        man(&mut buf).unwrap();
        let page = String::from_utf8(buf).unwrap();
        assert!(page.starts_with(".ie"), "{}", &page[..40]);
        for word in ["mpadmin", "doctor", "scopes", "completions"] {
            assert!(page.contains(word), "{word}");
        }
    }
}
