//! The headless admin commands: arguments are validated by clap into the types of
//! `api::types`, then the profile is loaded, every change passes the one gate in `confirm`,
//! and the command runs against `AdminApi`. Exit codes: 0 success, 1 API or network error,
//! 2 usage, profile or validation error; always with one line on stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::confirm::{self, Change, ReadOnly};
use super::output::{Output, fields};
use super::{GlobalArgs, access, clients, estate, keyring, keys, scopes, token};
use crate::api::ApiError;
use crate::changes::{ChangeError, Engine, JournalTarget};
use crate::config::{self, Profile};
use crate::journal::Journal;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print where mpadmin looks for its files.
    Paths,
    /// Get an admin token and show its scopes and expiry (the token itself only with --show).
    Token(token::TokenArgs),
    /// The scopes your organisation offers.
    #[command(subcommand)]
    Scopes(scopes::ScopesCommand),
    /// Which organisations may use your scopes.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Your organisation's client registrations.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// The public keys (JWKS) of a client.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The local record of every change mpadmin made (newest at the bottom).
    Journal(super::journal::JournalArgs),
    /// The PKCS#12 password in the OS keychain (profiles with pkcs12_password_keyring).
    #[command(subcommand)]
    Keyring(keyring::KeyringCommand),
    /// What differs between this profile and another of the same organisation (test and
    /// prod): scope definitions and client settings; grants listed apart.
    Compare(super::compare::CompareArgs),
    /// Write the organisation's live estate as an estate file (TOML) to review and edit.
    Export(estate::ExportArgs),
    /// Show what `apply` would change to make the live estate what an estate file says.
    Plan(estate::PlanArgs),
    /// Make the live estate what an estate file (or a saved plan) says.
    Apply(estate::ApplyArgs),
    /// The names of organisations by number (exit code 1 when one is unknown).
    Org(super::org::OrgArgs),
}

impl AdminCommand {
    /// Checks of the arguments that clap's types cannot express; nothing is sent before them.
    fn validate(&self) -> Result<(), CliError> {
        match self {
            AdminCommand::Scopes(c) => c.validate(),
            AdminCommand::Clients(c) => c.validate(),
            _ => Ok(()),
        }
    }

    /// The change this command makes, if any: what the read-only gate and the confirmation
    /// prompt talk about.
    fn change(&self) -> Option<Change> {
        match self {
            AdminCommand::Paths
            | AdminCommand::Token(_)
            | AdminCommand::Journal(_)
            | AdminCommand::Keyring(_)
            | AdminCommand::Compare(_)
            | AdminCommand::Export(_)
            | AdminCommand::Plan(_)
            | AdminCommand::Apply(_)
            | AdminCommand::Org(_) => None,
            AdminCommand::Scopes(c) => c.change(),
            AdminCommand::Access(c) => c.change(),
            AdminCommand::Clients(c) => c.change(),
            AdminCommand::Keys(c) => c.change(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments, profile or input file: nothing was sent.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The command ran and (part of) it failed, e.g. some of several grants.
    #[error("{0}")]
    Failed(String),
    #[error("could not write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Api(e) if e.is_usage() => 2,
            CliError::Api(_) | CliError::Failed(_) | CliError::Output(_) => 1,
        }
    }
}

impl From<ChangeError> for CliError {
    fn from(e: ChangeError) -> CliError {
        match e {
            ChangeError::Refused(m) => CliError::Usage(m),
            ChangeError::Api(e) => CliError::Api(e),
            lost @ ChangeError::LostKeys { .. } => CliError::Failed(lost.to_string()),
        }
    }
}

impl From<crate::api::types::InvalidValue> for CliError {
    fn from(e: crate::api::types::InvalidValue) -> CliError {
        CliError::Usage(e.0)
    }
}

/// A command line clap refused, on one line like every other error (clap's own layout
/// spreads it over several, with the usage).
pub(super) fn usage_error(clap_message: &str) {
    warn(clap_message.trim_start().trim_start_matches("error: "));
}

/// Print a problem that does not end the command (one of several grants failed); every
/// message on stderr goes this way, cleaned of what a server or file could slip in.
pub(super) use crate::text::report as warn;

pub fn run(global: &GlobalArgs, cmd: AdminCommand) -> ExitCode {
    // Read by cron and CI: 2 means "changes", so every error is 1 there.
    let detailed = matches!(&cmd, AdminCommand::Plan(a) if a.detailed_exitcode());
    finish(execute(global, cmd), detailed)
}

/// The exit code of a command's result, its error on stderr.
pub(super) fn exit(result: Result<(), CliError>) -> ExitCode {
    finish(result.map(|()| 0), false)
}

fn finish(result: Result<u8, CliError>, detailed: bool) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`mpadmin ... | head`): there is nobody to tell.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            let code = if detailed { 1 } else { e.exit_code() };
            tracing::warn!(exit = code, "{e}");
            warn(&e.to_string());
            ExitCode::from(code)
        }
    }
}

/// The exit code of a command that succeeded (`plan --detailed-exitcode`: 2 when there are
/// changes), or why it failed.
fn execute(global: &GlobalArgs, cmd: AdminCommand) -> Result<u8, CliError> {
    let mut out = Output::stdout(global.json);
    let cmd = match cmd {
        AdminCommand::Paths => return paths(global, &mut out).map(|()| 0),
        AdminCommand::Journal(args) => {
            return match &args.action {
                Some(super::journal::JournalAction::Undo { id }) => {
                    super::journal::undo(global, id, &mut out)
                }
                None => super::journal::run(global.keys.as_deref(), &args, &mut out),
            }
            .map(|()| 0);
        }
        AdminCommand::Keyring(c) => return c.run(global, &mut out).map(|()| 0),
        AdminCommand::Keys(c) if c.offline() => return c.run_offline(&mut out).map(|()| 0),
        AdminCommand::Export(a) => return estate::export(global, a, &mut out).map(|()| 0),
        AdminCommand::Plan(a) => return estate::plan(global, a, &mut out),
        AdminCommand::Apply(a) => return estate::apply(global, a, &mut out).map(|()| 0),
        other => other,
    };
    cmd.validate()?;
    let profile = load_profile(global)?;
    let journal = config::paths(global.keys.as_deref())
        .journal()
        .map(Journal::at);
    if let Some(change) = cmd.change() {
        // A journal that cannot be written is found before anything is sent.
        if let Some(journal) = &journal {
            match journal.prepare() {
                Ok(note) => note.iter().for_each(|n| warn(&format!("warning: {n}"))),
                Err(e) => {
                    return Err(CliError::Usage(format!(
                        "refusing to {}: the change could not be recorded: {e}",
                        change.what
                    )));
                }
            }
        }
        gate(global, &profile, &change)?;
    }
    let names = crate::names::Settings::of(&profile, global.keys.as_deref(), global.no_names);
    runtime()?.block_on(async {
        let engine = engine(global, &profile)?;
        let result = match cmd {
            // Answered above, without a profile or the network.
            AdminCommand::Paths
            | AdminCommand::Journal(_)
            | AdminCommand::Keyring(_)
            | AdminCommand::Export(_)
            | AdminCommand::Plan(_)
            | AdminCommand::Apply(_) => Ok(()),
            AdminCommand::Token(args) => token::run(engine.api(), &profile, args, &mut out).await,
            AdminCommand::Scopes(c) => c.run(&engine, &names, &mut out).await,
            AdminCommand::Access(c) => c.run(&engine, &names, &mut out).await,
            AdminCommand::Org(a) => super::org::run(engine.api(), &names, a, &mut out).await,
            AdminCommand::Clients(c) => c.run(&engine, &names, &mut out).await,
            AdminCommand::Keys(c) => c.run(&engine, &profile, &names, &mut out).await,
            AdminCommand::Compare(a) => {
                super::compare::run(global, engine.api(), &profile.name, a, &mut out).await
            }
        };
        report_trouble(&engine);
        result.map(|()| 0)
    })
}

/// The one gate every change passes: read-only refuses it, PROD and destructive changes ask.
pub(super) fn gate(
    global: &GlobalArgs,
    profile: &Profile,
    change: &Change,
) -> Result<(), CliError> {
    tracing::info!(profile = %profile.name, "about to {}", change.what);
    confirm::check(
        change,
        read_only(global, profile),
        profile.is_prod(),
        global.yes,
        confirm::is_terminal(),
        confirm::ask_terminal,
    )
}

/// Why changes are refused, if they are: `--read-only`, or the profile's `read_only`.
pub(super) fn read_only(global: &GlobalArgs, profile: &Profile) -> ReadOnly {
    if global.read_only {
        ReadOnly::Flag
    } else if profile.read_only {
        ReadOnly::Profile
    } else {
        ReadOnly::Off
    }
}

/// The CLI's runtime: one thread; requests still overlap where a command asks for it.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("could not start the async runtime: {e}")))
}

/// `TEST`, `PROD`, or `custom` for a profile that sets its endpoints by hand.
pub(super) fn environment(profile: &Profile) -> &'static str {
    profile.environment_label()
}

/// The change engine on `profile`'s API, journaling to the data dir when there is one.
pub(super) fn engine(global: &GlobalArgs, profile: &Profile) -> Result<Engine, CliError> {
    let api = crate::api::connect(profile)?;
    let journal = config::paths(global.keys.as_deref())
        .journal()
        .map(|path| JournalTarget {
            journal: Journal::at(path),
            profile: profile.name.clone(),
            environment: environment(profile).to_owned(),
        });
    Ok(Engine::new(api, journal))
}

/// A journal that cannot be written is reported; the changes themselves stand.
pub(super) fn report_trouble(engine: &Engine) {
    for trouble in engine.take_trouble() {
        warn(&trouble);
    }
}

/// `mpadmin paths`: every file and directory mpadmin uses, and whether the profiles file
/// exists yet. Needs no profile, so it works on a fresh machine.
fn paths(global: &GlobalArgs, out: &mut Output) -> Result<(), CliError> {
    let p = config::paths(global.keys.as_deref());
    let show = |path: Option<PathBuf>| path.map(|p| p.display().to_string());
    let profiles = match &p.profiles {
        Some(path) if path.exists() => format!("{} ({})", path.display(), p.profiles_origin),
        Some(path) => format!(
            "{} ({}; missing: `mpadmin init` writes a starter profile there, or try `mpadmin --demo`)",
            path.display(),
            p.profiles_origin
        ),
        None => "no config directory on this system: give --keys FILE or set MPADMIN_KEYS".into(),
    };
    let json = serde_json::json!({
        "profiles": show(p.profiles.clone()),
        "profiles_from": p.profiles_origin.to_string(),
        "profiles_exists": p.profiles.as_ref().is_some_and(|f| f.exists()),
        "tui_config": show(p.tui_config.clone()),
        "journal": show(p.journal()),
        "logs": show(p.log_dir()),
        "names": show(p.names_cache("<environment>")),
    });
    out.show(&json, |_| {
        fields(&serde_json::json!({
            "profiles": profiles,
            "tui config": show(p.tui_config.clone()),
            "journal": show(p.journal()),
            "logs": show(p.log_dir()),
            "names cache": show(p.names_cache("<environment>")),
        }))
    })?;
    Ok(())
}

/// The profile; a warning on stderr for each of its files that other users may read.
pub(super) fn load_profile(global: &GlobalArgs) -> Result<Profile, CliError> {
    let (profile, warnings) =
        config::load_warned(global.keys.as_deref(), global.profile.as_deref())
            .map_err(|e| CliError::Usage(e.to_string()))?;
    for w in warnings {
        warn(&format!("warning: {w}"));
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mpadmin").chain(args.iter().copied()))
    }

    fn admin(args: &[&str]) -> AdminCommand {
        match parse(args).unwrap().command {
            Some(crate::cli::Command::Admin(c)) => c,
            other => panic!("not an admin command: {other:?}"),
        }
    }

    #[test]
    fn bad_values_are_refused_by_name_before_anything_runs() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["access", "grant", "991825827", "123", "--scope", "nav:a"],
                "<ORGNO>",
            ),
            (
                &["access", "grant", "991825827", "--scope", "nav"],
                "--scope",
            ),
            (&["access", "list", "--consumer", "991825828"], "--consumer"),
            (&["keys", "remove", "client-1", "bad kid"], "<KID>"),
            (&["keys", "list", "../scopes"], "<CLIENT>"),
            (
                &[
                    "clients",
                    "create",
                    "--name",
                    "n",
                    "--description",
                    "d",
                    "--scope",
                    "Nav:a",
                ],
                "--scope",
            ),
            (
                &["scopes", "update", "nav:a", "--visibility", "secret"],
                "--visibility",
            ),
            (
                &[
                    "scopes",
                    "update",
                    "nav:a",
                    "--allowed-integration-type",
                    "bogus",
                ],
                "--allowed-integration-type",
            ),
        ];
        for (args, arg) in cases {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            let msg = err.to_string();
            assert!(msg.contains(arg), "{args:?}: {msg}");
        }
    }

    #[test]
    fn access_list_needs_exactly_one_of_scope_or_consumer() {
        assert!(parse(&["access", "list"]).is_err());
        assert!(
            parse(&[
                "access",
                "list",
                "--scope",
                "nav:a",
                "--consumer",
                "991825827"
            ])
            .is_err()
        );
        assert!(parse(&["access", "list", "--consumer", "991825827"]).is_ok());
    }

    #[test]
    fn every_change_is_described_and_destructive_ones_are_marked() {
        type Case<'a> = (&'a [&'a str], Option<(&'a str, bool)>);
        let cases: &[Case] = &[
            (&["scopes", "list"], None),
            (&["scopes", "show", "nav:a"], None),
            (&["token"], None),
            (
                &[
                    "scopes",
                    "create",
                    "--prefix",
                    "nav",
                    "--subscope",
                    "a",
                    "--description",
                    "d",
                ],
                Some(("create scope nav:a", false)),
            ),
            (
                &["scopes", "update", "nav:a", "--description", "d"],
                Some(("update scope nav:a", false)),
            ),
            (
                &["scopes", "delete", "nav:a"],
                Some(("deactivate scope nav:a", true)),
            ),
            (
                &["access", "grant", "991825827", "--scope", "nav:a"],
                Some(("grant 991825827 access to nav:a", false)),
            ),
            (
                &[
                    "access",
                    "revoke",
                    "991825827",
                    "889640782",
                    "--scope",
                    "nav:a",
                ],
                Some(("revoke access to nav:a for 991825827, 889640782", true)),
            ),
            (&["clients", "list"], None),
            (
                &["clients", "create", "--name", "n", "--description", "d"],
                Some(("create client 'n'", false)),
            ),
            (
                &["clients", "update", "c1", "--name", "m"],
                Some(("update client c1", false)),
            ),
            (
                &["clients", "delete", "c1"],
                Some(("delete client c1", true)),
            ),
            (&["keys", "list", "c1"], None),
            (
                &["keys", "add", "c1", "--file", "k.pem"],
                Some(("add a key to client c1", false)),
            ),
            (
                &["keys", "remove", "c1", "kid-1"],
                Some(("remove key kid-1 from client c1", true)),
            ),
        ];
        for (args, want) in cases {
            let got = admin(args).change();
            let want = want.map(|(what, destructive)| Change {
                what: what.to_owned(),
                destructive,
            });
            assert_eq!(got, want, "{args:?}");
        }
    }

    #[test]
    fn exit_codes() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        assert_eq!(CliError::Failed("x".into()).exit_code(), 1);
        let invalid = ApiError::Invalid(crate::api::types::InvalidValue("x".into()));
        assert_eq!(CliError::Api(invalid).exit_code(), 2);
    }
}
