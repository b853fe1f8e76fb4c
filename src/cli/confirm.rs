//! The one gate every change passes: `--read-only` / `read_only = true` refuse it, and a
//! destructive change, or any change on a PROD profile, needs `--yes` or a "y" typed at a
//! terminal.

use std::io::{self, BufRead, IsTerminal, Write};

use super::commands::CliError;

/// A change a command is about to make, described for the prompt and for refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// "deactivate scope nav:a", "revoke access to nav:a for 991825827".
    pub what: String,
    /// Deactivations, revocations and deletions ask first.
    pub destructive: bool,
}

impl Change {
    pub fn new(what: impl Into<String>) -> Change {
        Change {
            what: what.into(),
            destructive: false,
        }
    }

    pub fn destructive(what: impl Into<String>) -> Change {
        Change {
            what: what.into(),
            destructive: true,
        }
    }
}

/// Why changes are refused, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    Off,
    Flag,
    Profile,
}

/// Let `change` through, or say why not. `prod`: the profile talks to production.
/// `terminal` is whether a person can answer (stdin and stderr both a terminal); `ask` is
/// only called then.
pub fn check(
    change: &Change,
    read_only: ReadOnly,
    prod: bool,
    yes: bool,
    terminal: bool,
    ask: impl FnOnce(&str) -> io::Result<bool>,
) -> Result<(), CliError> {
    refuse_read_only(&change.what, read_only)?;
    if !(change.destructive || prod) || yes {
        return Ok(());
    }
    let on = if prod { " on PROD" } else { "" };
    if !terminal {
        return Err(CliError::Usage(format!(
            "refusing to {}{on} without confirmation: add --yes",
            change.what
        )));
    }
    if ask(&format!("{}{on}? [y/N] ", capitalise(&change.what)))? {
        Ok(())
    } else {
        Err(CliError::Failed("cancelled; nothing was changed".into()))
    }
}

/// Refuse to do `what` when changes are off.
pub fn refuse_read_only(what: &str, read_only: ReadOnly) -> Result<(), CliError> {
    match read_only {
        ReadOnly::Off => Ok(()),
        ReadOnly::Flag => Err(CliError::Usage(format!(
            "refusing to {what}: --read-only was given"
        ))),
        ReadOnly::Profile => Err(CliError::Usage(format!(
            "refusing to {what}: the profile has read_only = true (use another profile to make changes)"
        ))),
    }
}

/// Whether a person sits at this process: stdin to answer, stderr to see the question.
pub fn is_terminal() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Ask on stderr, read the answer from stdin.
pub fn ask_terminal(question: &str) -> io::Result<bool> {
    ask(question, &mut io::stdin().lock(), &mut io::stderr())
}

/// Ask on stderr, return the line typed on stdin (trimmed; empty at end of input).
pub fn ask_line_terminal(question: &str) -> io::Result<String> {
    ask_line(question, &mut io::stdin().lock(), &mut io::stderr())
}

fn ask_line(
    question: &str,
    input: &mut impl BufRead,
    prompt: &mut impl Write,
) -> io::Result<String> {
    // The question can quote arguments pasted from elsewhere.
    write!(prompt, "{}", crate::text::clean(question))?;
    prompt.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Only "y" or "yes" (any case) confirms; anything else, or end of input, declines.
fn ask(question: &str, input: &mut impl BufRead, prompt: &mut impl Write) -> io::Result<bool> {
    let line = ask_line(question, input, prompt)?;
    Ok(matches!(line.to_lowercase().as_str(), "y" | "yes"))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn never(_: &str) -> io::Result<bool> {
        panic!("must not ask")
    }

    #[test]
    fn read_only_refuses_every_change_even_with_yes() {
        for change in [
            Change::new("create scope nav:a"),
            Change::destructive("deactivate scope nav:a"),
        ] {
            let err = check(&change, ReadOnly::Flag, false, true, true, never).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains("--read-only"), "{err}");
            let err = check(&change, ReadOnly::Profile, false, true, true, never).unwrap_err();
            assert!(err.to_string().contains("read_only = true"), "{err}");
        }
    }

    #[test]
    fn plain_changes_and_yes_pass_without_asking() {
        check(
            &Change::new("create scope nav:a"),
            ReadOnly::Off,
            false,
            false,
            false,
            never,
        )
        .unwrap();
        check(
            &Change::destructive("deactivate scope nav:a"),
            ReadOnly::Off,
            false,
            true,
            false,
            never,
        )
        .unwrap();
    }

    #[test]
    fn on_prod_every_change_needs_confirmation() {
        let create = Change::new("create scope nav:a");
        let err = check(&create, ReadOnly::Off, true, false, false, never).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "refusing to create scope nav:a on PROD without confirmation: add --yes"
        );
        check(&create, ReadOnly::Off, true, true, false, never).unwrap();
        let mut asked = String::new();
        check(&create, ReadOnly::Off, true, false, true, |q| {
            asked = q.to_owned();
            Ok(true)
        })
        .unwrap();
        assert_eq!(asked, "Create scope nav:a on PROD? [y/N] ");
    }

    #[test]
    fn destructive_without_terminal_says_add_yes() {
        let err = check(
            &Change::destructive("deactivate scope nav:a"),
            ReadOnly::Off,
            false,
            false,
            false,
            never,
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "refusing to deactivate scope nav:a without confirmation: add --yes"
        );
    }

    #[test]
    fn destructive_on_terminal_asks() {
        let change = Change::destructive("deactivate scope nav:a");
        let mut asked = String::new();
        check(&change, ReadOnly::Off, false, false, true, |q| {
            asked = q.to_owned();
            Ok(true)
        })
        .unwrap();
        assert_eq!(asked, "Deactivate scope nav:a? [y/N] ");
        let err = check(&change, ReadOnly::Off, false, false, true, |_| Ok(false)).unwrap_err();
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn only_yes_confirms() {
        for (input, want) in [
            ("y\n", true),
            ("YES\n", true),
            ("n\n", false),
            ("\n", false),
            ("", false),
            ("yeah\n", false),
        ] {
            let mut prompt = Vec::new();
            let got = ask("Go? ", &mut Cursor::new(input), &mut prompt).unwrap();
            assert_eq!(got, want, "{input:?}");
            assert_eq!(prompt, b"Go? ");
        }
    }
}
