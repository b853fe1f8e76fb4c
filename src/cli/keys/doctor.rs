//! `mpadmin token test CLIENT --key FILE`: the token doctor. Signs a grant for another client
//! with one of its keys, asks Maskinporten for a token and shows either what the token holds
//! or why it was refused and the command that fixes it. Rotation uses the same request as
//! its proof.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use openssl::pkey::{PKey, Private};
use serde::Serialize;

use super::passphrase;
use crate::api::AdminApi;
use crate::api::models::{Client, Jwk, TokenErrorBody};
use crate::api::types::{ClientId, Kid, ScopeName};
use crate::auth::{AccessToken, AuthError, ClientSigner, GrantHeader, GrantSigner, TokenSource};
use crate::cli::commands::CliError;
use crate::cli::output::{Output, fields};
use crate::config::Profile;
use crate::keys::{self, DoctorContext, KeyError, LoadedKey};

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

/// One token request for `client_id`, signed with `key` under `kid`, at the profile's
/// Maskinporten.
pub(super) async fn request_token(
    profile: &Profile,
    client_id: &str,
    key: &PKey<Private>,
    kid: &str,
    scopes: &[String],
) -> Result<AccessToken, CliError> {
    let grant = GrantSigner::new(key, GrantHeader::Kid(kid.to_owned()))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let signer = ClientSigner::new(grant, &profile.issuer, client_id, profile.environment);
    let http = crate::api::http_client(profile)?;
    let source = TokenSource::new(
        http,
        profile.token_endpoint.clone(),
        scopes.to_vec(),
        Box::new(signer),
    );
    source
        .token()
        .await
        .map_err(|e| CliError::Api(crate::api::ApiError::from(e)))
}

/// What a refused token request said, with the doctor's reading of it.
#[derive(Debug, Serialize)]
pub(super) struct Refusal {
    pub status: u16,
    pub error: TokenErrorBody,
    pub cause: String,
    pub fix: String,
}

impl Refusal {
    pub fn lines(&self) -> String {
        let code = self
            .error
            .mp_code()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        format!(
            "Maskinporten refused the token (HTTP {}, {}{code}): {}\n  likely cause: {}\n  fix: {}\n",
            self.status,
            self.error.error,
            self.error.error_description.as_deref().unwrap_or(""),
            self.cause,
            self.fix
        )
    }
}

/// The refusal inside `err`, diagnosed; other errors (network, config) are passed on.
pub(super) fn refusal(err: CliError, ctx: &DoctorContext<'_>) -> Result<Refusal, CliError> {
    match err {
        CliError::Api(crate::api::ApiError::Auth(AuthError::Refused { status, body, .. })) => {
            let d = keys::diagnose(&body, ctx);
            Ok(Refusal {
                status,
                error: body,
                cause: d.cause,
                fix: d.fix,
            })
        }
        other => Err(other),
    }
}

/// What the doctor shows of a token: never the token itself.
#[derive(Debug, Serialize)]
pub(super) struct TokenReport {
    pub client_id: String,
    pub kid: String,
    pub consumer_orgno: Option<String>,
    pub client_amr: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: String,
}

impl TokenReport {
    pub fn new(token: &AccessToken, kid: &str, client_id: &str) -> TokenReport {
        let claims = token.claims();
        TokenReport {
            client_id: claims
                .map(|c| c.client_id.clone())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| client_id.to_owned()),
            kid: kid.to_owned(),
            consumer_orgno: claims.and_then(|c| c.consumer.orgno()).map(str::to_owned),
            client_amr: claims.and_then(|c| c.client_amr.clone()),
            scopes: token.scopes().to_vec(),
            expires_at: DateTime::<Utc>::from(token.expires_at())
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// Loads a private key file, asking for its passphrase only when it is encrypted.
pub(super) fn load_key(file: &Path, passphrase_env: Option<&str>) -> Result<LoadedKey, CliError> {
    match keys::load_private_key(file, None) {
        Err(KeyError::Passphrase { .. }) => {
            let pass = passphrase::for_existing(file, passphrase_env)?;
            keys::load_private_key(file, Some(pass.expose().as_bytes()))
                .map_err(|e| CliError::Usage(e.to_string()))
        }
        other => other.map_err(|e| CliError::Usage(e.to_string())),
    }
}

/// The kid under which `key` is registered on the client, if it is.
pub(super) fn registered_kid<'a>(key: &Jwk, client_keys: &'a [Jwk]) -> Option<&'a str> {
    let thumbprint = keys::thumbprint(key).ok()?;
    client_keys
        .iter()
        .find(|k| keys::thumbprint(k).ok().as_ref() == Some(&thumbprint))
        .and_then(|k| k.kid.as_deref())
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
    let loaded = load_key(&args.key, args.passphrase_env.as_deref())?;
    let client = api.client(&args.client).await?;
    let client_keys = api.jwks(&args.client).await?.keys;
    let scopes = scopes_for(&args.scopes, &client)?;
    let kid = match (&args.kid, registered_kid(&loaded.jwk, &client_keys)) {
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
    let result = request_token(profile, args.client.as_str(), &loaded.key, &kid, &scopes).await;
    match result {
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
        Err(err) => {
            let ctx = DoctorContext {
                client_id: args.client.as_str(),
                client_orgno: client.client_orgno.as_deref(),
                client_keys: &client_keys,
                client_scopes: &client.scopes,
                requested_scopes: &scopes,
                kid: &kid,
                signing_key: &loaded.jwk,
            };
            let refusal = refusal(err, &ctx)?;
            out.show(&refusal, Refusal::lines)?;
            Err(CliError::Failed(format!(
                "no token for client {}: {}",
                args.client, refusal.cause
            )))
        }
    }
}
