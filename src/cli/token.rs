//! `mpadmin token`: get an admin token and say what it allows and how long it lives. The
//! token itself is a secret and is printed only with `--show`.

use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::commands::CliError;
use super::output::{Output, fields};
use crate::api::AdminApi;
use crate::auth::AccessToken;
use crate::config::Profile;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TokenArgs {
    /// Also print the access token (a secret: keep it out of logs, tickets and chats).
    #[arg(long)]
    show: bool,
    #[command(subcommand)]
    command: Option<TokenCommand>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Token doctor: get a token for CLIENT signed with one of its keys, and explain a refusal.
    Test(super::keys::TokenTestArgs),
}

/// What `token` prints. No `Debug`: it may hold the token.
#[derive(Serialize)]
struct TokenInfo {
    profile: String,
    token_endpoint: String,
    client_id: String,
    consumer_orgno: Option<String>,
    scopes: Vec<String>,
    expires_at: String,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
}

fn info(profile: &Profile, token: &AccessToken, show: bool, now: SystemTime) -> TokenInfo {
    let claims = token.claims();
    let expires_in = token
        .expires_at()
        .duration_since(now)
        .map_or(0, |d| d.as_secs());
    TokenInfo {
        profile: profile.name.clone(),
        token_endpoint: profile.token_endpoint.to_string(),
        client_id: claims
            .map(|c| c.client_id.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| profile.client_id.clone()),
        consumer_orgno: claims.and_then(|c| c.consumer.orgno()).map(str::to_owned),
        scopes: token.scopes().to_vec(),
        expires_at: DateTime::<Utc>::from(token.expires_at())
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        expires_in,
        access_token: show.then(|| token.bearer().to_owned()),
    }
}

pub(super) async fn run(
    api: &AdminApi,
    profile: &Profile,
    args: TokenArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    if let Some(TokenCommand::Test(test)) = args.command {
        return super::keys::token_test(api, profile, test, out).await;
    }
    let token = api
        .tokens()
        .token()
        .await
        .map_err(crate::api::ApiError::from)?;
    let info = info(profile, &token, args.show, SystemTime::now());
    out.show(&info, |i| {
        let mut shown = serde_json::to_value(i).unwrap_or_default();
        if let Some(map) = shown.as_object_mut() {
            map.insert("scopes".into(), i.scopes.join(" ").into());
            map.insert("expires_in".into(), format!("{} s", i.expires_in).into());
        }
        fields(&shown)
    })?;
    Ok(())
}
