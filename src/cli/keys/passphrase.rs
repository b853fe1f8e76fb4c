//! Secrets for private key files: from the environment variable the user names, or typed
//! at the terminal without echo. Never from a command-line argument, never printed.

use std::path::Path;

use super::NewKeyArgs;
use crate::auth::Secret;
use crate::cli::commands::CliError;
use crate::cli::confirm;

fn from_env(name: &str) -> Result<Secret, CliError> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        _ => Err(CliError::Usage(format!(
            "--passphrase-env {name}: the environment variable {name} is not set or empty"
        ))),
    }
}

fn prompt(question: &str) -> Result<Secret, CliError> {
    rpassword::prompt_password(question)
        .map(Secret::new)
        .map_err(|e| CliError::Usage(format!("could not read the passphrase: {e}")))
}

/// The passphrase that will encrypt a new private key, or `None` for `--unencrypted`.
pub(super) fn for_new_key(args: &NewKeyArgs) -> Result<Option<Secret>, CliError> {
    if args.unencrypted {
        return Ok(None);
    }
    if let Some(name) = &args.passphrase_env {
        return from_env(name).map(Some);
    }
    if !confirm::is_terminal() {
        return Err(CliError::Usage(
            "the new private key needs a passphrase: give --passphrase-env NAME (an environment variable holding it), or --unencrypted".into(),
        ));
    }
    let first = prompt(&format!(
        "Secret for the new private key {}: ",
        args.out.display()
    ))?;
    if first.expose().is_empty() {
        return Err(CliError::Usage(
            "the passphrase is empty: type one, or give --unencrypted".into(),
        ));
    }
    let again = prompt("The same passphrase again: ")?;
    if first.expose() != again.expose() {
        return Err(CliError::Usage(
            "the two passphrases differ; nothing was written".into(),
        ));
    }
    Ok(Some(first))
}

/// The passphrase of an existing, encrypted private key file.
pub(super) fn for_existing(file: &Path, env: Option<&str>) -> Result<Secret, CliError> {
    if let Some(name) = env {
        return from_env(name);
    }
    if !confirm::is_terminal() {
        return Err(CliError::Usage(format!(
            "{} is encrypted: give --passphrase-env NAME (an environment variable holding its passphrase)",
            file.display()
        )));
    }
    prompt(&format!("Secret for {}: ", file.display()))
}
