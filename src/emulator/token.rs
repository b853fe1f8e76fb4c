//! The Maskinporten side: `POST /token` (JWT-bearer grants, validated rule by rule like the
//! real service, refused with its MP codes), the discovery document and `/jwk`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::hash::MessageDigest;
use openssl::x509::X509;
use serde_json::{Map, Value, json};

use super::Shared;
use super::certs::{self, TOKEN_SIGNING_KID};
use super::errors::{TokenFail, hex_id};
use super::jws::{self, Jws};
use super::state::{StateSnapshot, allows_type};
use crate::wire::models::{
    AccessTokenClaims, Client, IntegrationType, JWT_BEARER_GRANT, OrgClaim, TokenResponse,
};

/// The admin API's own scopes: Digdir puts them on admin clients by hand; they are not in the
/// scope registry and need no access grant.
pub const ADMIN_SCOPES: &[&str] = &[
    "idporten:scopes.read",
    "idporten:scopes.write",
    "idporten:dcr.read",
    "idporten:dcr.write",
    "idporten:dcr.modify",
    "idporten:dcr.supplier",
];

/// Seconds a grant's `iat` may differ from the server clock.
pub const MAX_SKEW: i64 = 10;
/// Longest grant lifetime (`exp - iat`).
pub const MAX_GRANT_LIFETIME: i64 = 120;
/// Access-token lifetime when neither client nor scope sets one.
const DEFAULT_TOKEN_LIFETIME: u32 = 120;

/// Claims a grant may carry; anything else is refused like the real service does.
const KNOWN_CLAIMS: &[&str] = &[
    "aud",
    "iss",
    "scope",
    "iat",
    "exp",
    "jti",
    "nbf",
    "sub",
    "resource",
    "pid",
    "consumer_org",
    "authorization_details",
    "iss_onbehalfof",
];

const INVALID_ASSERTION: &str = "Invalid assertion. Client authentication failed.";

pub async fn token_endpoint(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    sh.token_requests.fetch_add(1, Ordering::Relaxed);
    match issue(&sh, &body) {
        Ok(resp) => (StatusCode::OK, Json(resp)).into_response(),
        Err(fail) => {
            tracing::debug!(code = ?fail.code, "token request refused: {}", fail.description);
            (fail.status, Json(fail.body(&sh.issuer))).into_response()
        }
    }
}

pub async fn discovery(State(sh): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "issuer": sh.issuer,
        "token_endpoint": format!("{}token", sh.issuer),
        "jwks_uri": format!("{}jwk", sh.issuer),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "grant_types_supported": [JWT_BEARER_GRANT],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
        "authorization_details_types_supported": ["urn:altinn:systemuser", "urn:altinn:consent"],
    }))
}

pub async fn jwk(State(sh): State<Arc<Shared>>) -> Response {
    match certs::public_jwk(&sh.pki.ca_key, TOKEN_SIGNING_KID) {
        Ok(k) => Json(json!({ "keys": [k] })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn invalid_request(msg: impl Into<String>) -> TokenFail {
    TokenFail::new("invalid_request", Some("MP-011"), msg)
}

/// How the grant proves who signed it.
enum Proof {
    Kid(String),
    X5c(X509),
}

fn read_proof(header: &Map<String, Value>) -> Result<Proof, TokenFail> {
    match (header.get("kid"), header.get("x5c")) {
        (Some(_), Some(_)) | (None, None) => Err(invalid_request(
            "Invalid assertion. The JWT header must have exactly one of 'kid' and 'x5c'",
        )),
        (Some(kid), None) => kid
            .as_str()
            .map(|k| Proof::Kid(k.to_owned()))
            .ok_or_else(|| invalid_request("Invalid assertion. JWT header kid must be a string")),
        (None, Some(x5c)) => {
            let bad =
                |why: &str| TokenFail::grant("MP-123", format!("Invalid JWT header x5c: {why}"));
            let list = x5c.as_array().ok_or_else(|| {
                bad("must be a JSON array of base64 DER certificates, not a string")
            })?;
            let first = list
                .first()
                .ok_or_else(|| bad("the array is empty"))?
                .as_str()
                .ok_or_else(|| bad("each entry must be a string"))?;
            let der = STANDARD
                .decode(first)
                .map_err(|_| bad("entries must be standard base64 (not base64url) DER"))?;
            X509::from_der(&der)
                .map(Proof::X5c)
                .map_err(|_| bad("the first entry is not a DER certificate"))
        }
    }
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<i64, TokenFail> {
    claims.get(name).and_then(Value::as_i64).ok_or_else(|| {
        invalid_request(format!(
            "Invalid assertion. Claim '{name}' must be a NumericDate (whole seconds)"
        ))
    })
}

fn check_times(claims: &Map<String, Value>, now: i64) -> Result<i64, TokenFail> {
    let iat = int_claim(claims, "iat")?;
    let exp = int_claim(claims, "exp")?;
    let expired = |m: String| TokenFail::grant("MP-130", m);
    if exp - iat > MAX_GRANT_LIFETIME {
        return Err(expired(format!(
            "Invalid assertion. JWT lifetime exp - iat is {} s; at most {MAX_GRANT_LIFETIME} s is allowed",
            exp - iat
        )));
    }
    if iat > now + MAX_SKEW {
        return Err(expired(format!(
            "Invalid assertion. Issue time is after now: iat is {} s ahead of the server clock (allowed skew {MAX_SKEW} s); check the system clock",
            iat - now
        )));
    }
    if exp <= now {
        return Err(expired(format!(
            "JWT is expired: exp was {} s ago",
            now - exp
        )));
    }
    if iat < now - MAX_SKEW {
        return Err(expired(format!(
            "JWT is expired: iat is {} s behind the server clock (allowed skew {MAX_SKEW} s); sign the grant right before sending it and check the system clock",
            now - iat
        )));
    }
    Ok(exp)
}

/// Validate a token request and, when every rule holds, issue an access token.
fn issue(sh: &Shared, body: &[u8]) -> Result<TokenResponse, TokenFail> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if field("grant_type") != Some(JWT_BEARER_GRANT) {
        return Err(TokenFail::new(
            "unsupported_grant_type",
            None,
            format!("grant_type must be {JWT_BEARER_GRANT}"),
        ));
    }
    let assertion = field("assertion").ok_or_else(|| {
        invalid_request("Invalid assertion. The 'assertion' parameter is missing")
    })?;
    let jws = jws::parse(assertion).ok_or_else(|| {
        invalid_request("Invalid assertion. Invalid parameter value: not a signed JWT (header.claims.signature)")
    })?;
    let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or("");
    let md = jws::digest(alg).ok_or_else(|| {
        invalid_request(format!(
            "Invalid assertion. JWT alg '{alg}' is not supported; use RS256, RS384 or RS512"
        ))
    })?;
    let proof = read_proof(&jws.header)?;
    let claims = &jws.claims;
    if let Some(unknown) = claims.keys().find(|k| !KNOWN_CLAIMS.contains(&k.as_str())) {
        return Err(invalid_request(format!(
            "Invalid assertion. Unknown claim '{unknown}'"
        )));
    }
    match claims.get("aud") {
        Some(Value::String(aud)) if *aud == sh.issuer => {}
        Some(Value::String(aud)) => {
            return Err(TokenFail::grant(
                "MP-110",
                format!(
                    "{INVALID_ASSERTION} Invalid JWT claim aud: '{aud}' is not this Maskinporten's issuer '{}'",
                    sh.issuer
                ),
            ));
        }
        _ => {
            return Err(TokenFail::grant(
                "MP-110",
                format!(
                    "{INVALID_ASSERTION} Invalid JWT claim aud: must be the single string '{}'",
                    sh.issuer
                ),
            ));
        }
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let (client, keys) = sh
        .store
        .read(|st| (st.client(iss).cloned(), st.keys(iss).to_vec()));
    let client = client.as_ref().filter(|c| c.active).ok_or_else(|| {
        TokenFail::grant(
            "MP-100",
            format!("{INVALID_ASSERTION} Client not found: '{iss}'"),
        )
    })?;
    let now = sh.now();
    let exp = check_times(claims, now)?;
    let client_amr = check_signer(sh, &jws, md, proof, client, &keys, now)?;
    if let Some(jti) = claims.get("jti") {
        let jti = jti
            .as_str()
            .ok_or_else(|| invalid_request("Invalid assertion. Claim 'jti' must be a string"))?;
        if !sh.store.use_jti(jti, exp) {
            return Err(TokenFail::grant("MP-012", "Grant is used before"));
        }
    }
    let requested: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let lifetime = sh.store.read(|st| check_scopes(st, client, &requested))?;
    sign_access_token(sh, client, &requested, client_amr, lifetime, now)
}

/// Check the key or certificate that signed the grant; returns the `client_amr`.
fn check_signer(
    sh: &Shared,
    jws: &Jws<'_>,
    md: MessageDigest,
    proof: Proof,
    client: &Client,
    keys: &[crate::wire::models::Jwk],
    now: i64,
) -> Result<&'static str, TokenFail> {
    match proof {
        Proof::Kid(kid) => {
            let key = keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                .ok_or_else(|| {
                    TokenFail::new(
                        "invalid_grant",
                        None,
                        format!(
                            "{INVALID_ASSERTION} Unknown key identifier (kid) for client: '{kid}'"
                        ),
                    )
                })?;
            if key.exp.is_some_and(|e| e <= now) {
                return Err(TokenFail::grant(
                    "MP-121",
                    format!("{INVALID_ASSERTION} Expired key."),
                ));
            }
            let public = certs::jwk_public_key(key).map_err(|e| {
                TokenFail::grant(
                    "MP-124",
                    format!("Invalid JWT signature: registered key is unusable: {e}"),
                )
            })?;
            if !jws.verify(md, &public) {
                return Err(TokenFail::grant("MP-124", "Invalid JWT signature"));
            }
            Ok("private_key_jwt")
        }
        Proof::X5c(cert) => {
            if !keys.is_empty() {
                return Err(TokenFail::new(
                    "invalid_grant",
                    None,
                    format!(
                        "{INVALID_ASSERTION} Invalid JWT. The client requires pre-registered jwk and no key identifier (kid) provided"
                    ),
                ));
            }
            check_chain(sh, &cert, now)?;
            let public = cert.public_key().map_err(|_| {
                TokenFail::grant(
                    "MP-120",
                    format!("{INVALID_ASSERTION} The JWT is signed with an invalid certificate."),
                )
            })?;
            if !jws.verify(md, &public) {
                return Err(TokenFail::grant("MP-124", "Invalid JWT signature"));
            }
            let cert_org = certs::certificate_orgno(&cert);
            let owner = client.client_orgno.as_deref().unwrap_or("");
            if cert_org.as_ref().map(|o| o.as_str()) != Some(owner) {
                return Err(TokenFail::grant(
                    "MP-122",
                    format!(
                        "Invalid JWT. Invalid organization number for client. Does not match certificate orgno (certificate: {}, client owner: {owner})",
                        cert_org.as_ref().map_or("none", |o| o.as_str())
                    ),
                ));
            }
            Ok("virksomhetssertifikat")
        }
    }
}

/// The certificate must be issued by the emulator's test CA and be within its validity.
fn check_chain(sh: &Shared, cert: &X509, now: i64) -> Result<(), TokenFail> {
    let invalid = |why: &str| {
        TokenFail::grant(
            "MP-120",
            format!("{INVALID_ASSERTION} The JWT is signed with an invalid certificate: {why}"),
        )
    };
    let ca_key = sh
        .pki
        .ca
        .public_key()
        .map_err(|_| invalid("the test CA is unusable"))?;
    let issued_by_ca = cert.issuer_name().to_der().ok() == sh.pki.ca.subject_name().to_der().ok()
        && cert.verify(&ca_key).unwrap_or(false);
    if !issued_by_ca {
        return Err(invalid(
            "it is not issued by this environment's CA (a production or unknown certificate?)",
        ));
    }
    let now_asn1 =
        openssl::asn1::Asn1Time::from_unix(now).map_err(|_| invalid("clock out of range"))?;
    if cert.not_before() > now_asn1 {
        return Err(invalid("it is not valid yet"));
    }
    if cert.not_after() < now_asn1 {
        return Err(invalid("it has expired"));
    }
    Ok(())
}

/// Requested scopes against the client and the scope registry; returns the token lifetime.
fn check_scopes(
    st: &StateSnapshot,
    client: &Client,
    requested: &[String],
) -> Result<u32, TokenFail> {
    if requested.is_empty() {
        return Err(TokenFail::new(
            "invalid_scope",
            Some("MP-200"),
            "Token request contains no scope",
        ));
    }
    let missing: Vec<&str> = requested
        .iter()
        .filter(|s| !client.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(TokenFail::new(
            "invalid_scope",
            Some("MP-200"),
            format!(
                "Token request contains invalid scopes for client, {}",
                missing.join(", ")
            ),
        ));
    }
    let orgno = client.client_orgno.as_deref().unwrap_or("");
    let itype = client
        .integration_type
        .clone()
        .unwrap_or(IntegrationType::Maskinporten);
    let mut lifetime = client
        .access_token_lifetime
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_TOKEN_LIFETIME);
    for name in requested {
        if ADMIN_SCOPES.contains(&name.as_str()) {
            continue;
        }
        let scope = st.scope(name).filter(|s| s.active).ok_or_else(|| {
            TokenFail::new(
                "invalid_scope",
                Some("MP-200"),
                format!("Token request contains invalid scopes for client, {name} (the scope does not exist or is inactive)"),
            )
        })?;
        if !allows_type(scope, itype.as_str()) {
            return Err(TokenFail::new(
                "invalid_scope",
                Some("MP-201"),
                format!("Token request contains scopes not allowed for {itype}, {name}"),
            ));
        }
        if !st.may_use(orgno, scope) {
            return Err(TokenFail::new(
                "forbidden",
                Some("MP-250"),
                format!("Consumer has not been granted access to the scope {name}"),
            ));
        }
        if let Some(max) = scope.at_max_age.filter(|m| *m > 0) {
            lifetime = lifetime.min(max);
        }
    }
    Ok(lifetime)
}

fn sign_access_token(
    sh: &Shared,
    client: &Client,
    scopes: &[String],
    client_amr: &str,
    lifetime: u32,
    now: i64,
) -> Result<TokenResponse, TokenFail> {
    let claims = AccessTokenClaims {
        iss: sh.issuer.clone(),
        client_id: client.client_id.clone(),
        client_amr: Some(client_amr.to_owned()),
        consumer: OrgClaim::for_orgno(client.client_orgno.as_deref().unwrap_or("")),
        supplier: None,
        scope: scopes.join(" "),
        token_type: Some("Bearer".into()),
        exp: now + i64::from(lifetime),
        iat: now,
        jti: hex_id(),
        aud: Some(Value::String("unspecified".into())),
    };
    let server_error = |e: String| TokenFail {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: "server_error",
        description: e,
        code: None,
    };
    let header = json!({ "kid": TOKEN_SIGNING_KID, "alg": "RS256" });
    let access_token = jws::sign_rs256(&header, &claims, &sh.pki.ca_key).map_err(server_error)?;
    sh.faults.token_issued(&claims.jti);
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: u64::from(lifetime),
        scope: scopes.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::{Faults, Seed, seed, state::Store};
    use proptest::prelude::*;
    use std::sync::atomic::AtomicU64;

    fn shared() -> Shared {
        let pki = certs::pki().unwrap();
        let mut data = seed::build(Seed::Demo, pki).unwrap();
        seed::ensure_admin_clients(&mut data, pki).unwrap();
        Shared {
            issuer: "http://127.0.0.1:1/".into(),
            pki,
            store: Store::new(data, None).unwrap(),
            token_requests: AtomicU64::new(0),
            faults: Faults::default(),
            stats: Default::default(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any request body is refused with a 4xx OAuth error, never a panic or a token.
        #[test]
        fn random_requests_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let sh = shared();
            let fail = issue(&sh, &bytes).unwrap_err();
            prop_assert!(fail.status.is_client_error());
        }

        #[test]
        fn random_assertions_are_refused(assertion in "[A-Za-z0-9_.-]{0,300}") {
            let sh = shared();
            let body = format!("grant_type={}&assertion={assertion}", url::form_urlencoded::byte_serialize(JWT_BEARER_GRANT.as_bytes()).collect::<String>());
            let fail = issue(&sh, body.as_bytes()).unwrap_err();
            prop_assert!(fail.status.is_client_error());
        }
    }
}
