//! The steps of a key's life that talk to Maskinporten, shared by `mpadmin keys
//! generate|rotate`, `mpadmin token test` and the keys pane: does a new key fit the client,
//! generate it and upload it beside the others, and get a real token with a key (the token
//! doctor's request and rotation's proof). Unlike the rest of `keys` this part calls the admin
//! API and the token endpoint, so both fronts run the very same checks and requests.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use openssl::pkey::{PKey, Private};
use serde::Serialize;

use super::{DoctorContext, KeyError, KidChoice};
use crate::api::ApiError;
use crate::api::models::{Jwk, TokenErrorBody};
use crate::auth::{AccessToken, AuthError, ClientSigner, GrantHeader, GrantSigner, TokenSource};
use crate::config::Profile;

/// Between proof attempts while Maskinporten has not yet seen a new key (Digdir: 0-2 min).
pub const PROOF_RETRY: Duration = Duration::from_secs(5);

/// Why a new key does not fit on the client. Each front words the way out itself (a CLI
/// flag, a TUI dialog); the facts are the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("the client already has a key '{0}'")]
    KidTaken(String),
    /// Five keys and nothing named to drop; `soonest` is the key expiring first (never the
    /// key being rotated).
    #[error("the client has {count} keys, the most Digdir keeps")]
    Full {
        count: usize,
        soonest: Option<String>,
    },
    #[error(
        "{0} is the key being rotated: it is removed only after the new key is proven; drop another key"
    )]
    DropsRotated(String),
    #[error("{0}")]
    Key(String),
}

/// The kid a choice gives before the key exists (`None` for the thumbprint: known only after).
pub fn planned_kid(choice: &KidChoice) -> Result<Option<String>, KeyError> {
    Ok(match choice {
        KidChoice::Explicit(k) => Some(k.to_string()),
        KidChoice::ClientDate { client_name, date } => {
            Some(super::default_kid(client_name, *date)?.into())
        }
        KidChoice::Thumbprint => None,
    })
}

/// Checks, before anything is generated, that a new key `kid` fits beside `existing` once
/// `drop` is removed, and that `drop` spares `keep` (the key being rotated).
pub fn check_room(
    existing: &[Jwk],
    kid: Option<&str>,
    drop: &[String],
    keep: Option<&str>,
) -> Result<(), RoomError> {
    if let Some(k) = kid
        && !drop.iter().any(|d| d == k)
        && existing.iter().any(|e| e.kid.as_deref() == Some(k))
    {
        return Err(RoomError::KidTaken(k.to_owned()));
    }
    if let Some(d) = drop.iter().find(|d| keep == Some(d.as_str())) {
        return Err(RoomError::DropsRotated(d.clone()));
    }
    if drop.is_empty() && existing.len() >= super::MAX_KEYS_PER_CLIENT {
        let candidates: Vec<Jwk> = existing
            .iter()
            .filter(|k| k.kid.as_deref() != keep)
            .cloned()
            .collect();
        return Err(RoomError::Full {
            count: existing.len(),
            soonest: super::soonest_expiring(&candidates, 1).into_iter().next(),
        });
    }
    let placeholder = Jwk {
        kid: Some(kid.unwrap_or("(new key)").to_owned()),
        ..Jwk::default()
    };
    super::with_key(existing, placeholder, drop)
        .map(|_| ())
        .map_err(|e| RoomError::Key(e.to_string()))
}

/// One token request for `client_id`, signed with `key` under `kid`, at the profile's
/// Maskinporten.
pub async fn request_token(
    profile: &Profile,
    client_id: &str,
    key: &PKey<Private>,
    kid: &str,
    scopes: &[String],
) -> Result<AccessToken, ApiError> {
    let grant = GrantSigner::new(key, GrantHeader::Kid(kid.to_owned()))?;
    let signer = ClientSigner::new(grant, &profile.issuer, client_id, profile.environment);
    let http = crate::api::http_client(profile)?;
    let source = TokenSource::new(
        http,
        profile.token_endpoint.clone(),
        scopes.to_vec(),
        Box::new(signer),
    );
    Ok(source.token().await?)
}

/// What a refused token request said, with the doctor's reading of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    pub status: u16,
    pub error: TokenErrorBody,
    pub cause: String,
    pub fix: String,
}

impl Refusal {
    /// `Maskinporten refused the token (HTTP 400, invalid_scope, MP-200): ...`.
    pub fn headline(&self) -> String {
        let code = self
            .error
            .mp_code()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        format!(
            "Maskinporten refused the token (HTTP {}, {}{code}): {}",
            self.status,
            self.error.error,
            self.error.error_description.as_deref().unwrap_or("")
        )
    }

    pub fn lines(&self) -> String {
        format!(
            "{}\n  likely cause: {}\n  fix: {}\n",
            self.headline(),
            self.cause,
            self.fix
        )
    }

    /// Maskinporten has not seen the key yet (a fresh upload takes up to two minutes).
    fn not_seen_yet(&self) -> bool {
        self.error
            .error_description
            .as_deref()
            .is_some_and(|d| d.contains("Unknown key identifier"))
    }
}

/// A token request that brought no token.
#[derive(Debug, thiserror::Error)]
pub enum TokenTestError {
    /// Maskinporten answered no, and the doctor says why.
    #[error("{}", .0.headline())]
    Refused(Box<Refusal>),
    /// No answer to read (network, configuration).
    #[error(transparent)]
    Failed(#[from] ApiError),
}

/// Asks for a token as the doctor does, reading a refusal with `diagnose`.
pub async fn test_token(
    profile: &Profile,
    key: &PKey<Private>,
    ctx: &DoctorContext<'_>,
) -> Result<AccessToken, TokenTestError> {
    match request_token(profile, ctx.client_id, key, ctx.kid, ctx.requested_scopes).await {
        Ok(token) => Ok(token),
        Err(ApiError::Auth(AuthError::Refused { status, body, .. })) => {
            let d = super::diagnose(&body, ctx);
            Err(TokenTestError::Refused(Box::new(Refusal {
                status,
                error: body,
                cause: d.cause,
                fix: d.fix,
            })))
        }
        Err(other) => Err(other.into()),
    }
}

/// Rotation's proof: a real token with the new key. While Maskinporten answers "unknown kid"
/// (it has not seen the upload yet) it tries again every `PROOF_RETRY` until `wait` is over,
/// calling `on_retry` before each wait.
pub async fn prove(
    profile: &Profile,
    key: &PKey<Private>,
    ctx: &DoctorContext<'_>,
    wait: Duration,
    mut on_retry: impl FnMut(),
) -> Result<AccessToken, TokenTestError> {
    let deadline = Instant::now() + wait;
    loop {
        match test_token(profile, key, ctx).await {
            Err(TokenTestError::Refused(r))
                if r.not_seen_yet() && Instant::now() + PROOF_RETRY < deadline =>
            {
                on_retry();
                tokio::time::sleep(PROOF_RETRY).await;
            }
            other => return other,
        }
    }
}

/// What the doctor shows of a token: its claims, never the token itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenReport {
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

/// The kid under which `key` is registered on the client, if it is.
pub fn registered_kid<'a>(key: &Jwk, client_keys: &'a [Jwk]) -> Option<&'a str> {
    let thumbprint = super::thumbprint(key).ok()?;
    client_keys
        .iter()
        .find(|k| super::thumbprint(k).ok().as_ref() == Some(&thumbprint))
        .and_then(|k| k.kid.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, exp: i64) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            exp: Some(exp),
            ..Jwk::default()
        }
    }

    #[test]
    fn room_for_a_new_key() {
        let five: Vec<Jwk> = (0..5).map(|i| key(&format!("k{i}"), 100 - i)).collect();
        assert_eq!(
            check_room(&five[..1], Some("k0"), &[], None),
            Err(RoomError::KidTaken("k0".into()))
        );
        assert_eq!(check_room(&five[..4], Some("new"), &[], None), Ok(()));
        // Full: the soonest-expiring key is offered, but never the one being rotated.
        assert_eq!(
            check_room(&five, Some("new"), &[], None),
            Err(RoomError::Full {
                count: 5,
                soonest: Some("k4".into())
            })
        );
        assert_eq!(
            check_room(&five, Some("new"), &[], Some("k4")),
            Err(RoomError::Full {
                count: 5,
                soonest: Some("k3".into())
            })
        );
        assert_eq!(
            check_room(&five, Some("new"), &["k4".into()], Some("k4")),
            Err(RoomError::DropsRotated("k4".into()))
        );
        assert_eq!(check_room(&five, None, &["k2".into()], Some("k4")), Ok(()));
        assert!(matches!(
            check_room(&five, None, &["zz".into()], None),
            Err(RoomError::Key(m)) if m.contains("no key 'zz'")
        ));
    }
}
