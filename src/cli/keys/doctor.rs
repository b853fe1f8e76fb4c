//! `mpadmin token test CLIENT --key FILE`: the token doctor. Signs a grant for another client
//! with one of its keys, asks Maskinporten for a token and shows either what the token holds
//! or why it was refused and the command that fixes it. Rotation uses the same request as
//! its proof.

use std::path::{Path, PathBuf};

use clap::Args;

use super::passphrase;
use crate::api::AdminApi;
use crate::api::models::Client;
use crate::api::types::{ClientId, Kid, ScopeName};
use crate::cli::commands::{CliError, warn};
use crate::cli::output::{Output, fields};
use crate::config::{self, Profile};
use crate::keys::{self, DoctorContext, KeyError, LoadedKey, Refusal, TokenReport, TokenTestError};

#[derive(Debug, Args)]
pub struct TokenTestArgs {
    /// The client to get a token for.
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    /// The client's private key (PEM; encrypted or not).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Key id for the grant header (default: the kid under which this key is registered).
    #[arg(long, value_name = "KID")]
    kid: Option<Kid>,
    /// Scope to ask for (repeat for several; default: the client's scopes).
    #[arg(long = "scope", value_name = "NAME")]
    scopes: Vec<ScopeName>,
    /// Name of an environment variable holding the key file's passphrase (else you are asked).
    #[arg(long, value_name = "NAME")]
    passphrase_env: Option<String>,
}

/// Loads a private key file, asking for its passphrase only when it is encrypted. A file
/// other users may read is warned about, and refused on PROD when it is not encrypted.
pub(super) fn load_key(
    file: &Path,
    passphrase_env: Option<&str>,
    prod: bool,
) -> Result<LoadedKey, CliError> {
    let (loaded, encrypted) = match keys::load_private_key(file, None) {
        Err(KeyError::Passphrase { .. }) => {
            let pass = passphrase::for_existing(file, passphrase_env)?;
            let loaded = keys::load_private_key(file, Some(pass.expose().as_bytes()))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            (loaded, true)
        }
        other => (other.map_err(|e| CliError::Usage(e.to_string()))?, false),
    };
    if let Some(mode) = config::loose_mode(file) {
        if prod && !encrypted {
            let (problem, fix) = config::exposed_key(file, mode);
            return Err(CliError::Usage(format!("--key: {problem}; fix: {fix}")));
        }
        for w in config::loose_permissions([file]) {
            warn(&format!("warning: {w}"));
        }
    }
    Ok(loaded)
}

/// The scopes to ask for: the ones given, else the client's.
pub(super) fn scopes_for(given: &[ScopeName], client: &Client) -> Result<Vec<String>, CliError> {
    let scopes: Vec<String> = if given.is_empty() {
        client.scopes.clone()
    } else {
        given.iter().map(|s| s.to_string()).collect()
    };
    if scopes.is_empty() {
        return Err(CliError::Usage(format!(
            "client {} has no scopes, and a token needs one: give --scope, or add one with `mpadmin clients update {} --add-scope NAME`",
            client.client_id, client.client_id
        )));
    }
    Ok(scopes)
}

pub(crate) async fn token_test(
    api: &AdminApi,
    profile: &Profile,
    args: TokenTestArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let loaded = load_key(&args.key, args.passphrase_env.as_deref(), profile.is_prod())?;
    let client = api.client(&args.client).await?;
    let client_keys = api.jwks(&args.client).await?.keys;
    let scopes = scopes_for(&args.scopes, &client)?;
    let kid = match (&args.kid, keys::registered_kid(&loaded.jwk, &client_keys)) {
        (Some(kid), _) => kid.to_string(),
        (None, Some(kid)) => kid.to_owned(),
        (None, None) => {
            // Ask anyway: Maskinporten's own answer is what the user needs to see.
            out.say(&format!(
                "note: this key is not among client {}'s keys; trying its thumbprint as kid",
                args.client
            ))?;
            loaded.jwk.kid.clone().unwrap_or_default()
        }
    };
    let ctx = DoctorContext {
        profile: &profile.name,
        client_id: args.client.as_str(),
        client_orgno: client.client_orgno.as_deref(),
        client_keys: &client_keys,
        client_scopes: &client.scopes,
        requested_scopes: &scopes,
        kid: &kid,
        signing_key: &loaded.jwk,
    };
    match keys::test_token(profile, &loaded.key, &ctx).await {
        Ok(token) => {
            let report = TokenReport::new(&token, &kid, args.client.as_str());
            out.say(&format!(
                "Maskinporten issued a token for client {} with key {kid}",
                args.client
            ))?;
            out.show(&report, |r| {
                let mut shown = serde_json::to_value(r).unwrap_or_default();
                if let Some(map) = shown.as_object_mut() {
                    map.insert("scopes".into(), r.scopes.join(" ").into());
                }
                fields(&shown)
            })?;
            Ok(())
        }
        Err(TokenTestError::Refused(refusal)) => {
            out.show(&*refusal, Refusal::lines)?;
            Err(CliError::Failed(format!(
                "no token for client {}: {}",
                args.client, refusal.cause
            )))
        }
        Err(TokenTestError::Failed(e)) => Err(e.into()),
    }
}
