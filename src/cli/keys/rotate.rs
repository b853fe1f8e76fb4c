//! `mpadmin keys rotate CLIENT --out FILE`: no-downtime key rotation. The new key is
//! uploaded beside the old ones, proven with a real token, and only then is the old key
//! offered for removal. A failed proof removes nothing.

use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::doctor;
use super::{NewKeyArgs, new_key, usage};
use crate::api::types::{ClientId, Kid, ScopeName};
use crate::changes::{self, Engine};
use crate::cli::commands::CliError;
use crate::cli::confirm::{self, Change};
use crate::cli::output::Output;
use crate::config::Profile;
use crate::keys::{self, DoctorContext, Refusal, TokenReport, TokenTestError};

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Client id.
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    #[command(flatten)]
    key: NewKeyArgs,
    /// The key being replaced (default: the client's key that expires soonest).
    #[arg(long, value_name = "KID")]
    replace: Option<Kid>,
    /// Scope for the proof token (repeat for several; default: the client's scopes).
    #[arg(long = "scope", value_name = "NAME")]
    scopes: Vec<ScopeName>,
    /// Remove the old key as soon as the new one is proven, without asking.
    #[arg(long)]
    delete_old: bool,
    /// Seconds to keep retrying the proof while Maskinporten does not know the new key yet.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    wait: u64,
}

impl RotateArgs {
    pub(super) fn change(&self) -> Change {
        let what = format!("rotate a key of client {}", self.client);
        match (&self.key.drop, self.delete_old) {
            (Some(drop), _) => {
                Change::destructive(format!("{what}, removing key {drop} to make room"))
            }
            (None, true) => Change::destructive(format!(
                "{what} and remove the old key once the new one works"
            )),
            (None, false) => Change::new(what),
        }
    }
}

#[derive(Debug, Serialize)]
struct RotationReport {
    client_id: String,
    new_kid: String,
    private_key_file: String,
    old_kid: Option<String>,
    proof: Option<TokenReport>,
    refusal: Option<Refusal>,
    old_removed: bool,
}

pub(super) async fn run(
    engine: &Engine,
    profile: &Profile,
    args: RotateArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let api = engine.api();
    let client = api.client(&args.client).await?;
    let existing = api.jwks(&args.client).await?.keys;
    let old = match &args.replace {
        Some(kid) => {
            keys::without_key(&existing, kid.as_str()).map_err(usage)?;
            Some(kid.to_string())
        }
        None => keys::soonest_expiring(&existing, 1).into_iter().next(),
    };
    let scopes = doctor::scopes_for(&args.scopes, &client)?;

    let made = new_key(engine, &client, &existing, &args.key, old.as_deref()).await?;
    let new_kid = made.jwk.kid.clone().unwrap_or_default();
    out.say(&format!(
        "uploaded new key {new_kid} beside {} ({} keys now); private key in {}",
        old.as_deref()
            .map_or("no old key".to_owned(), |k| format!("old key {k}")),
        made.uploaded.len(),
        args.key.out.display()
    ))?;

    let loaded = keys::load_private_key(
        &args.key.out,
        made.passphrase.as_ref().map(|p| p.expose().as_bytes()),
    )
    .map_err(usage)?;
    let mut report = RotationReport {
        client_id: args.client.to_string(),
        new_kid: new_kid.clone(),
        private_key_file: args.key.out.display().to_string(),
        old_kid: old.clone(),
        proof: None,
        refusal: None,
        old_removed: false,
    };
    let ctx = DoctorContext {
        profile: &profile.name,
        client_id: args.client.as_str(),
        client_orgno: client.client_orgno.as_deref(),
        client_keys: &made.uploaded,
        client_scopes: &client.scopes,
        requested_scopes: &scopes,
        kid: &new_kid,
        signing_key: &loaded.jwk,
    };
    let proof = keys::prove(
        profile,
        &loaded.key,
        &ctx,
        Duration::from_secs(args.wait),
        || {
            // The CLI's output is best effort here; the proof itself decides the outcome.
            let _ = out.say("Maskinporten does not know the new key yet; trying again shortly");
        },
    )
    .await;

    match proof {
        Ok(token) => {
            out.say(&format!(
                "proof: Maskinporten issued a token signed with {new_kid}"
            ))?;
            report.proof = Some(TokenReport::new(&token, &new_kid, args.client.as_str()));
            if let Some(old_kid) = &old {
                report.old_removed = remove_old(engine, profile, &args, old_kid, out).await?;
            }
            if out.json_mode() {
                out.json(&report)?;
            }
            Ok(())
        }
        Err(TokenTestError::Failed(e)) => Err(CliError::Failed(format!(
            "could not prove the new key {new_kid}, so no key was removed: {e}"
        ))),
        Err(TokenTestError::Refused(refusal)) => {
            let kept = old.as_deref().map_or(String::new(), |k| {
                format!("old key {k} is still on the client; ")
            });
            if out.json_mode() {
                report.refusal = Some(*refusal);
                out.json(&report)?;
            } else {
                out.text(&refusal.lines())?;
                out.say(&format!(
                    "nothing was deleted: {kept}the new key {new_kid} is uploaded beside it \
                     (remove it with `mpadmin --profile {p} keys remove {c} {new_kid}`, or fix \
                     the cause and check it with \
                     `mpadmin --profile {p} token test {c} --key {} --kid {new_kid}`)",
                    args.key.out.display(),
                    p = profile.name,
                    c = args.client,
                ))?;
            }
            Err(CliError::Failed(format!(
                "the new key {new_kid} was not proven, so no key was removed"
            )))
        }
    }
}

/// Removes the old key when asked to (`--delete-old`, or "y" at the prompt); otherwise says
/// how to do it later, naming the profile (the default one may be another environment).
/// Returns whether it was removed.
async fn remove_old(
    engine: &Engine,
    profile: &Profile,
    args: &RotateArgs,
    old: &str,
    out: &mut Output,
) -> Result<bool, CliError> {
    let later = format!(
        "mpadmin --profile {} keys remove {} {old}",
        profile.name, args.client
    );
    let now = args.delete_old
        || (!out.json_mode()
            && confirm::is_terminal()
            && confirm::ask_terminal(&format!(
                "Remove the old key {old} now? Systems still signing with it stop getting tokens. [y/N] "
            ))?);
    if !now {
        out.say(&format!(
            "the old key {old} is kept; once every system uses the new key, remove it: `{later}`"
        ))?;
        return Ok(false);
    }
    // The engine re-reads the set: it may have changed since the upload.
    let change = changes::Change::RemoveKey {
        client: args.client.clone(),
        kid: old
            .parse()
            .map_err(|e: crate::api::types::InvalidValue| CliError::Usage(e.0))?,
    };
    engine.apply(&change).await?;
    out.say(&format!("removed the old key {old}"))?;
    Ok(true)
}
