//! Who calls the admin API: the organisation and admin scopes of a bearer token this
//! emulator issued.

use axum::http::{HeaderMap, header};
use openssl::hash::MessageDigest;
use serde_json::Value;

use crate::emulator::Shared;
use crate::emulator::certs::TOKEN_SIGNING_KID;
use crate::emulator::errors::ApiFail;
use crate::emulator::jws;
use crate::wire::models::AccessTokenClaims;

/// The caller of the admin API.
pub struct Caller {
    pub orgno: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// 403 unless the token carries one of `any_of`.
    pub fn require(&self, any_of: &[&str]) -> Result<(), ApiFail> {
        if any_of.iter().any(|s| self.scopes.iter().any(|t| t == s)) {
            return Ok(());
        }
        Err(ApiFail::forbidden(format!(
            "Insufficient scope: this operation needs {} (the token has: {})",
            any_of.join(" or "),
            if self.scopes.is_empty() {
                "none".to_owned()
            } else {
                self.scopes.join(" ")
            }
        )))
    }
}

/// The caller, if `Authorization: Bearer` holds a token of this emulator (signature, issuer)
/// that has not expired and carries one of `any_of`.
pub fn caller(sh: &Shared, headers: &HeaderMap, any_of: &[&str]) -> Result<Caller, ApiFail> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            ApiFail::unauthorized(
                "Full authentication is required: send Authorization: Bearer <access token>",
            )
        })?;
    let invalid = || ApiFail::unauthorized("Invalid access token: not issued by this Maskinporten");
    let jws = jws::parse(token.trim()).ok_or_else(invalid)?;
    if jws.header.get("kid").and_then(Value::as_str) != Some(TOKEN_SIGNING_KID)
        || !jws.verify(MessageDigest::sha256(), &sh.pki.ca_key)
    {
        return Err(invalid());
    }
    let claims: AccessTokenClaims =
        serde_json::from_value(Value::Object(jws.claims)).map_err(|_| invalid())?;
    if claims.iss != sh.issuer {
        return Err(invalid());
    }
    if claims.exp <= sh.now() || sh.faults.token_expired_early(&claims.jti) {
        return Err(ApiFail::unauthorized(
            "Invalid access token: the token has expired",
        ));
    }
    let caller = Caller {
        orgno: claims.consumer.orgno().ok_or_else(invalid)?.to_owned(),
        scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
    };
    caller.require(any_of)?;
    Ok(caller)
}
