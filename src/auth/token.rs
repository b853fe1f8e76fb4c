use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;
use url::Url;

use super::credentials::CertificateInfo;
use crate::net::{BodyError, TOKEN_BODY_CAP, read_capped, redirect_target};
use crate::wire::models::{AccessTokenClaims, TokenErrorBody, TokenResponse};

/// Renew this long before the token runs out, so a request never leaves with a token that
/// expires on the way.
const RENEW_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The profile or its files are wrong; the message names the profile, field and fix.
    #[error("{0}")]
    Config(String),
    #[error("could not sign the grant: {0}")]
    Sign(String),
    #[error("token endpoint {endpoint}: {}", crate::wire::text::transport_message(.source))]
    Transport {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },
    /// Maskinporten refused the grant. `hint` is a likely cause and fix for the MP code.
    #[error("{}", token_error_message(*.status, .body, .hint))]
    Refused {
        status: u16,
        body: TokenErrorBody,
        hint: Option<String>,
    },
    /// A 3xx answer: never followed, so the signed grant goes to `token_endpoint` only.
    #[error(
        "token endpoint {endpoint}: HTTP {status} redirect to {location} refused: mpadmin sends the grant to the configured endpoint only; check token_endpoint in the profile"
    )]
    Redirect {
        endpoint: String,
        status: u16,
        /// Cleaned for display (see `net::redirect_target`).
        location: String,
    },
    #[error(
        "token endpoint {endpoint}: the answer is larger than {}, the most mpadmin reads from a token endpoint",
        crate::net::size(*.cap)
    )]
    TooLarge { endpoint: String, cap: usize },
    #[error("token endpoint {endpoint}: unexpected answer ({reason}); first bytes: {snippet}")]
    Decode {
        endpoint: String,
        reason: String,
        snippet: String,
    },
}

fn token_error_message(status: u16, body: &TokenErrorBody, hint: &Option<String>) -> String {
    let mut s = format!(
        "Maskinporten refused the grant (HTTP {status}, {}",
        body.error
    );
    if let Some(code) = body.mp_code() {
        s.push_str(&format!(", {code}"));
    }
    s.push(')');
    if let Some(d) = &body.error_description {
        s.push_str(&format!(": {d}"));
    }
    if let Some(h) = hint {
        s.push_str(&format!("\n  likely cause: {h}"));
    }
    s
}

impl AuthError {
    pub fn is_config(&self) -> bool {
        matches!(self, AuthError::Config(_))
    }
}

/// Makes a fresh signed JWT-bearer grant (a new `jti` each time) for the given scopes.
pub trait SignGrant: Send + Sync {
    fn sign(&self, scopes: &[String]) -> Result<String, AuthError>;

    /// A likely cause and fix for a refusal, given the MP code and description.
    fn diagnose(&self, _body: &TokenErrorBody) -> Option<String> {
        None
    }

    /// The business certificate the grants carry, if any (expiry and org number for display).
    fn certificate(&self) -> Option<&CertificateInfo> {
        None
    }
}

/// An access token. Its value never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct AccessToken {
    value: Arc<str>,
    expires_at: SystemTime,
    scopes: Vec<String>,
    claims: Option<AccessTokenClaims>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl AccessToken {
    pub fn bearer(&self) -> &str {
        &self.value
    }

    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Scopes Maskinporten granted (from the response's `scope`).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The token's claims when it is a JWT (Maskinporten's are); decoded, not verified.
    pub fn claims(&self) -> Option<&AccessTokenClaims> {
        self.claims.as_ref()
    }

    fn fresh(&self, now: SystemTime) -> bool {
        now + RENEW_MARGIN < self.expires_at
    }
}

/// Decode a JWT's payload without verifying it (for display only).
pub fn decode_claims(jwt: &str) -> Option<AccessTokenClaims> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// How far (seconds) a grant's `iat` may be from Maskinporten's clock before it is refused.
pub const ALLOWED_CLOCK_SKEW: i64 = 10;

/// Seconds this computer's clock is ahead of the server's (negative: behind), from the
/// response's `Date` header (whole seconds, so only differences of a few seconds mean anything).
pub fn clock_skew(date: Option<&reqwest::header::HeaderValue>, now: SystemTime) -> Option<i64> {
    let server = chrono::DateTime::parse_from_rfc2822(date?.to_str().ok()?).ok()?;
    let local = chrono::DateTime::<chrono::Utc>::from(now);
    Some((local - server.to_utc()).num_seconds())
}

/// Maskinporten allows 10 s; say so once the clocks are further apart than that.
fn skew_note(skew: Option<i64>) -> Option<String> {
    let s = skew.filter(|s| s.abs() > ALLOWED_CLOCK_SKEW)?;
    Some(format!(
        "{}; Maskinporten allows {ALLOWED_CLOCK_SKEW} s",
        skew_words(s)
    ))
}

/// "this computer's clock is 90 s ahead of the token endpoint's".
pub fn skew_words(skew: i64) -> String {
    let dir = if skew > 0 { "ahead of" } else { "behind" };
    format!(
        "this computer's clock is {} s {dir} the token endpoint's",
        skew.abs()
    )
}

/// One admin token per profile per process: reused until 30 s before it expires; callers that
/// ask at the same time share one renewal.
pub struct TokenSource {
    http: reqwest::Client,
    endpoint: Url,
    scopes: Vec<String>,
    signer: Box<dyn SignGrant>,
    cached: Mutex<Option<AccessToken>>,
    requests: AtomicU64,
}

impl TokenSource {
    pub fn new(
        http: reqwest::Client,
        endpoint: Url,
        scopes: Vec<String>,
        signer: Box<dyn SignGrant>,
    ) -> TokenSource {
        TokenSource {
            http,
            endpoint,
            scopes,
            signer,
            cached: Mutex::new(None),
            requests: AtomicU64::new(0),
        }
    }

    /// How many times this source has called the token endpoint.
    pub fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The business certificate behind the grants (`None` when signing with a kid).
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.signer.certificate()
    }

    /// A valid token, from the cache when it has one.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        // Holding the lock across the request is what makes concurrent callers share it.
        let mut cached = self.cached.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| t.fresh(SystemTime::now())) {
            return Ok(t.clone());
        }
        let token = self.fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forget the cached token (the server said 401): the next call gets a new one.
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let assertion = self.signer.sign(&self.scopes)?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let transport = |source| AuthError::Transport {
            endpoint: self.endpoint.to_string(),
            source,
        };
        let resp = self
            .http
            .post(self.endpoint.clone())
            .form(&[
                ("grant_type", crate::wire::models::JWT_BEARER_GRANT),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        if let Some(location) = redirect_target(&resp) {
            return Err(AuthError::Redirect {
                endpoint: self.endpoint.to_string(),
                status: status.as_u16(),
                location,
            });
        }
        let skew = clock_skew(resp.headers().get(reqwest::header::DATE), SystemTime::now());
        let bytes = read_capped(resp, TOKEN_BODY_CAP)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => AuthError::TooLarge {
                    endpoint: self.endpoint.to_string(),
                    cap: TOKEN_BODY_CAP,
                },
                BodyError::Transport(source) => transport(source),
            })?;
        let snippet = || crate::wire::text::snippet(&bytes);
        if !status.is_success() {
            let body: TokenErrorBody =
                serde_json::from_slice(&bytes).map_err(|e| AuthError::Decode {
                    endpoint: self.endpoint.to_string(),
                    reason: format!("HTTP {status}, {e}"),
                    snippet: snippet(),
                })?;
            let hint = match (self.signer.diagnose(&body), skew_note(skew)) {
                (Some(h), Some(n)) => Some(format!("{h} ({n})")),
                (h, n) => h.or(n),
            };
            return Err(AuthError::Refused {
                status: status.as_u16(),
                body,
                hint,
            });
        }
        let resp: TokenResponse =
            serde_json::from_slice(&bytes).map_err(|e| AuthError::Decode {
                endpoint: self.endpoint.to_string(),
                reason: e.to_string(),
                snippet: "(token response withheld)".to_owned(),
            })?;
        let claims = decode_claims(&resp.access_token);
        Ok(AccessToken {
            expires_at: SystemTime::now() + Duration::from_secs(resp.expires_in),
            scopes: resp.scope.split_whitespace().map(str::to_owned).collect(),
            value: Arc::from(resp.access_token),
            claims,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_from_date_header() {
        let date = reqwest::header::HeaderValue::from_static("Sun, 22 Nov 2026 22:00:00 GMT");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_384_800 + 42);
        assert_eq!(clock_skew(Some(&date), now), Some(42));
        assert!(skew_note(Some(42)).unwrap().contains("42 s ahead of"));
        assert!(skew_note(Some(-30)).unwrap().contains("30 s behind"));
        assert_eq!(skew_note(Some(3)), None);
        assert_eq!(clock_skew(None, now), None);
    }
}
