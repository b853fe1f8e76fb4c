//! `mpadmin keyring set|delete PROFILE`: the PKCS#12 password in the OS keychain, for
//! profiles with `pkcs12_password_keyring`. The password is typed without echo and must open
//! the profile's PKCS#12 file before it is stored.

use std::io::IsTerminal;

use clap::Subcommand;

use super::GlobalArgs;
use super::commands::CliError;
use super::output::Output;
use crate::auth::{Credentials, PasswordSource, Secret, keychain};
use crate::config::{self, Profile, Signing};

#[derive(Debug, Subcommand)]
pub enum KeyringCommand {
    /// Store the PKCS#12 password of PROFILE (typed without echo, checked against the file).
    Set { profile: String },
    /// Remove the stored password of PROFILE.
    Delete { profile: String },
}

/// Only the password just typed: no variable, no keychain.
struct Typed(Secret);

impl PasswordSource for Typed {
    fn var(&self, _name: &str) -> Option<Secret> {
        None
    }

    fn prompt(&self, _question: &str) -> Option<std::io::Result<Secret>> {
        Some(Ok(Secret::new(self.0.expose().to_owned())))
    }
}

impl KeyringCommand {
    /// Runs without the network: it touches only the profiles file, the PKCS#12 file and the
    /// keychain.
    pub fn run(self, global: &GlobalArgs, out: &mut Output) -> Result<(), CliError> {
        let name = match &self {
            KeyringCommand::Set { profile } | KeyringCommand::Delete { profile } => profile,
        };
        let profile = config::load(global.keys.as_deref(), Some(name))
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let (path, service) = keyring_service(&profile)?;
        let account = profile.name.clone();
        let message = match self {
            KeyringCommand::Set { .. } => {
                if !std::io::stdin().is_terminal() {
                    return Err(CliError::Usage(
                        "keyring set reads the password without echo and needs a terminal".into(),
                    ));
                }
                let question = format!(
                    "PKCS#12 password for {} (profile {account}): ",
                    path.display()
                );
                let password = rpassword::prompt_password(question)
                    .map(Secret::new)
                    .map_err(|e| CliError::Usage(format!("could not read the password: {e}")))?;
                // A wrong password is refused here rather than found out at the next command.
                Credentials::load(&profile, &Typed(Secret::new(password.expose().to_owned())))
                    .map_err(|e| CliError::Usage(format!("{e}; nothing was stored")))?;
                keychain::set(service, &account, &password).map_err(CliError::Failed)?;
                format!(
                    "stored the PKCS#12 password of profile {account} in the OS keychain (service '{service}', account '{account}')"
                )
            }
            KeyringCommand::Delete { .. } => {
                if keychain::delete(service, &account).map_err(CliError::Failed)? {
                    format!("removed the password of profile {account} from the OS keychain")
                } else {
                    format!(
                        "the OS keychain held no password for profile {account} (service '{service}')"
                    )
                }
            }
        };
        out.say(&message)?;
        Ok(())
    }
}

/// The PKCS#12 file and keychain service of a profile that uses the keychain.
fn keyring_service(profile: &Profile) -> Result<(&std::path::Path, &str), CliError> {
    match &profile.signing {
        Signing::Pkcs12 {
            path,
            password_keyring: Some(service),
            ..
        } => Ok((path, service)),
        _ => Err(CliError::Usage(format!(
            "profile '{}', field 'pkcs12_password_keyring': is not set (only a pkcs12 profile keeps its password in the keychain); fix: add pkcs12_password_keyring = \"mpadmin\" to [profiles.{}]",
            profile.name, profile.name
        ))),
    }
}
