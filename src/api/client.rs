use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::error::{ApiError, Tries};
use super::models::{
    ApiErrorBody, Client, ClientOnBehalfOf, DelegationSource, Jwk, Jwks, Organization, Scope,
    ScopeAccess, ScopePrefix,
};
use super::retry::{Outcome, RetryPolicy, parse_retry_after};
use super::types::{ClientId, Kid, OrgNumber, ScopeName};
use crate::auth::TokenSource;
use crate::config::Profile;
use crate::net::{API_BODY_CAP, BodyError, read_capped, redirect_target};
use crate::wire::text::snippet;

use crate::wire::admin::{
    DCR_MODIFY, DCR_READ, DCR_WRITE, ONBEHALFOF_WRITE, SCOPES_READ, SCOPES_WRITE,
};

/// Filters of the open `/scopes/all` listing.
#[derive(Debug, Clone, Default)]
pub struct PublicScopeQuery {
    pub accessible_for_all: bool,
    pub integration_type: Option<String>,
    pub include_inactive: bool,
}

/// One async method per endpoint of the self-service admin API. Cheap to clone: the HTTP
/// connection pool and the token cache are shared.
#[derive(Clone)]
pub struct AdminApi {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<TokenSource>,
    retry: RetryPolicy,
    /// One call, all its attempts and the waits between them included, ends within this.
    deadline: Duration,
}

struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    bytes: Vec<u8>,
}

enum Failed {
    Transport(Outcome, ApiError),
    Final(ApiError),
}

/// A failed attempt worth retrying, kept for the error in case no retry fits in the deadline.
enum Last {
    Answer(Answer),
    Error(ApiError),
}

/// One request, described before it is sent.
struct Op {
    method: Method,
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    /// The admin scopes any one of which this operation needs; `None` for open endpoints
    /// (no token sent).
    needs: Option<&'static [&'static str]>,
}

impl Op {
    fn new(method: Method, segments: &[&str], needs: Option<&'static [&'static str]>) -> Op {
        Op {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            needs,
        }
    }

    fn query(mut self, key: &'static str, value: impl Into<String>) -> Op {
        self.query.push((key, value.into()));
        self
    }

    fn method_str(&self) -> &'static str {
        match self.method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            _ => "HTTP",
        }
    }

    /// `/scopes/access/991825827?scope=...`, for messages.
    fn endpoint(&self) -> String {
        let mut s = format!("/{}", self.segments.join("/"));
        for (i, (k, v)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(&format!("{k}={v}"));
        }
        s
    }
}

/// `base` + encoded path segments + encoded query (`:` -> `%3A`, `/` -> `%2F`): scope names
/// contain both, and an unencoded `..` in a segment could turn a revoke into a scope delete.
fn build_url(base: &Url, op: &Op) -> Url {
    let mut url = base.clone();
    // A base with a path ("/api/v1") always takes segments; the profile loader only accepts
    // http(s) URLs, which are never `cannot_be_a_base`.
    if let Ok(mut segs) = url.path_segments_mut() {
        segs.pop_if_empty();
        for s in &op.segments {
            segs.push(s);
        }
    }
    if !op.query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in &op.query {
            q.append_pair(k, v);
        }
    }
    url
}

impl AdminApi {
    /// `base` is the API root including `/api/v1`, e.g. `https://api.test.samarbeid.digdir.no/api/v1`.
    pub fn new(http: reqwest::Client, base: Url, tokens: Arc<TokenSource>) -> AdminApi {
        AdminApi {
            http,
            base,
            tokens,
            retry: RetryPolicy::default(),
            deadline: Profile::DEFAULT_REQUEST_TIMEOUT * Profile::DEFAULT_DEADLINE_FACTOR,
        }
    }

    /// Replace the retry policy (tests use millisecond backoffs).
    pub fn with_retry(mut self, retry: RetryPolicy) -> AdminApi {
        self.retry = retry;
        self
    }

    /// Replace the deadline of each call (the profile's `deadline_secs`).
    pub fn with_deadline(mut self, deadline: Duration) -> AdminApi {
        self.deadline = deadline;
        self
    }

    pub fn tokens(&self) -> &Arc<TokenSource> {
        &self.tokens
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// One attempt. `Ok` carries any HTTP answer; `Err` a failure before one arrived. `sent`
    /// turns true as the request leaves, for a caller that cuts the attempt short.
    async fn attempt(
        &self,
        op: &Op,
        body: Option<&serde_json::Value>,
        sent: &AtomicBool,
    ) -> Result<Answer, Failed> {
        let mut req = self
            .http
            .request(op.method.clone(), build_url(&self.base, op))
            .header("Accept", "application/json");
        if op.needs.is_some() {
            let token = self
                .tokens
                .token()
                .await
                .map_err(|e| Failed::Final(e.into()))?;
            req = req.bearer_auth(token.bearer());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let transport = |source: reqwest::Error| {
            let outcome = if source.is_connect() {
                Outcome::ConnectFailed
            } else {
                Outcome::Ambiguous
            };
            Failed::Transport(
                outcome,
                ApiError::Transport {
                    method: op.method_str(),
                    endpoint: op.endpoint(),
                    source,
                    tries: None,
                },
            )
        };
        sent.store(true, Ordering::Relaxed);
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        if let Some(location) = redirect_target(&resp) {
            return Err(Failed::Final(ApiError::Redirect {
                method: op.method_str(),
                endpoint: op.endpoint(),
                status,
                location,
            }));
        }
        let retry_after = parse_retry_after(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = read_capped(resp, API_BODY_CAP).await.map_err(|e| match e {
            BodyError::TooLarge => Failed::Final(ApiError::TooLarge {
                method: op.method_str(),
                endpoint: op.endpoint(),
                cap: API_BODY_CAP,
            }),
            BodyError::Transport(source) => transport(source),
        })?;
        Ok(Answer {
            status,
            retry_after,
            bytes,
        })
    }

    /// Send with retries (see `retry`), renewing the token once when the server says 401,
    /// all within the deadline: an attempt still running when it passes is cut off, and no
    /// retry starts whose wait would end after it.
    async fn send(&self, op: &Op, body: Option<&serde_json::Value>) -> Result<Vec<u8>, ApiError> {
        let started = Instant::now();
        let deadline = started + self.deadline;
        let tries = |attempts, out_of_time: bool| Tries {
            attempts,
            elapsed: started.elapsed(),
            deadline: out_of_time.then_some(self.deadline),
        };
        let mut attempts = 0;
        let mut retries = 0;
        let mut renewed = false;
        let (answer, out_of_time) = loop {
            attempts += 1;
            let sent = AtomicBool::new(false);
            let Ok(result) = tokio::time::timeout_at(deadline, self.attempt(op, body, &sent)).await
            else {
                return Err(ApiError::Deadline {
                    method: op.method_str(),
                    endpoint: op.endpoint(),
                    tries: tries(attempts, true),
                    sent: sent.load(Ordering::Relaxed),
                });
            };
            let (wait, last) = match result {
                Ok(answer)
                    if answer.status == StatusCode::UNAUTHORIZED
                        && op.needs.is_some()
                        && !renewed =>
                {
                    renewed = true;
                    self.tokens.invalidate().await;
                    continue;
                }
                Ok(answer) if answer.status.is_success() => break (answer, false),
                Ok(answer) => {
                    let outcome = Outcome::Status {
                        status: answer.status,
                        retry_after: answer.retry_after,
                    };
                    match self.retry.delay(&op.method, retries, outcome) {
                        Some(wait) => (wait, Last::Answer(answer)),
                        None => break (answer, false),
                    }
                }
                Err(Failed::Final(e)) => return Err(e),
                Err(Failed::Transport(outcome, e)) => {
                    match self.retry.delay(&op.method, retries, outcome) {
                        Some(wait) => (wait, Last::Error(e)),
                        None => return Err(e.tried(tries(attempts, false))),
                    }
                }
            };
            if Instant::now() + wait >= deadline {
                match last {
                    Last::Answer(answer) => break (answer, true),
                    Last::Error(e) => return Err(e.tried(tries(attempts, true))),
                }
            }
            tracing::debug!(endpoint = %op.endpoint(), retry = retries + 1, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            retries += 1;
        };
        let Answer { status, bytes, .. } = answer;
        if status.is_success() {
            return Ok(bytes);
        }
        let body: ApiErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|_| ApiErrorBody {
            status: Some(status.as_u16()),
            error_description: (!bytes.is_empty()).then(|| snippet(&bytes)),
            ..ApiErrorBody::default()
        });
        let needs_scope = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            .then_some(op.needs)
            .flatten();
        Err(ApiError::Http {
            method: op.method_str(),
            endpoint: op.endpoint(),
            status,
            body: Box::new(body),
            needs_scope,
            tries: None,
        }
        .tried(tries(attempts, out_of_time)))
    }

    fn decode<T: DeserializeOwned>(op: &Op, bytes: &[u8]) -> Result<T, ApiError> {
        serde_json::from_slice(bytes).map_err(|e| ApiError::Decode {
            method: op.method_str(),
            endpoint: op.endpoint(),
            reason: e.to_string(),
            snippet: snippet(bytes),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        op: Op,
        body: Option<serde_json::Value>,
    ) -> Result<T, ApiError> {
        let bytes = self.send(&op, body.as_ref()).await?;
        Self::decode(&op, &bytes)
    }

    /// A list endpoint; Digdir answers "... does not have any ..." instead of `[]` at times.
    /// An empty body is no list at all (a proxy or server that lost the answer), so it is an
    /// error like any other malformed answer, not "nothing here".
    async fn list<T: DeserializeOwned>(&self, op: Op) -> Result<Vec<T>, ApiError> {
        match self.send(&op, None).await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Err(ApiError::Decode {
                method: op.method_str(),
                endpoint: op.endpoint(),
                reason: "an empty body where a JSON array belongs".to_owned(),
                snippet: snippet(&bytes),
            }),
            Ok(bytes) => Self::decode(&op, &bytes),
            Err(e)
                if e.body()
                    .and_then(|b| b.error_description.as_deref())
                    .is_some_and(|d| d.contains("does not have any")) =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    fn json<T: Serialize>(op: &Op, value: &T) -> Result<serde_json::Value, ApiError> {
        Self::encoded(op, serde_json::to_value(value))
    }

    fn encoded(
        op: &Op,
        body: Result<serde_json::Value, serde_json::Error>,
    ) -> Result<serde_json::Value, ApiError> {
        body.map_err(|e| ApiError::Decode {
            method: op.method_str(),
            endpoint: op.endpoint(),
            reason: format!("could not encode the request: {e}"),
            snippet: String::new(),
        })
    }

    // ---- Scopes (API providers) ----

    /// Public scopes of every organisation (open endpoint).
    pub async fn public_scopes(&self, q: &PublicScopeQuery) -> Result<Vec<Scope>, ApiError> {
        let mut op = Op::new(Method::GET, &["scopes", "all"], None);
        if q.accessible_for_all {
            op = op.query("accessible_for_all", "true");
        }
        if let Some(t) = &q.integration_type {
            op = op.query("integration_type", t.clone());
        }
        if q.include_inactive {
            op = op.query("inactive", "true");
        }
        self.list(op).await
    }

    /// Scopes our organisation owns.
    pub async fn own_scopes(&self, include_inactive: bool) -> Result<Vec<Scope>, ApiError> {
        let mut op = Op::new(Method::GET, &["scopes"], Some(SCOPES_READ));
        if include_inactive {
            op = op.query("inactive", "true");
        }
        self.list(op).await
    }

    /// One of our scopes (inactive ones included).
    pub async fn scope(&self, name: &ScopeName) -> Result<Scope, ApiError> {
        let op = Op::new(Method::GET, &["scopes"], Some(SCOPES_READ))
            .query("scope", name.as_str())
            .query("inactive", "true");
        let bytes = self.send(&op, None).await?;
        // Documented as one scope, typed as an array by others: accept both.
        let found = match serde_json::from_slice::<Vec<Scope>>(&bytes) {
            Ok(list) => list.into_iter().find(|s| s.name == name.as_str()),
            Err(_) => Some(Self::decode::<Scope>(&op, &bytes)?),
        };
        found.ok_or_else(|| ApiError::Http {
            method: "GET",
            endpoint: op.endpoint(),
            status: StatusCode::NOT_FOUND,
            body: Box::new(ApiErrorBody {
                error_description: Some(format!("your organisation owns no scope named {name}")),
                ..ApiErrorBody::default()
            }),
            needs_scope: None,
            tries: None,
        })
    }

    /// A POST is never repeated blindly (see `retry`); after an ambiguous failure the scope
    /// is read back: there now means the POST was carried out.
    pub async fn create_scope(&self, scope: &Scope) -> Result<Scope, ApiError> {
        let op = Op::new(Method::POST, &["scopes"], Some(SCOPES_WRITE));
        let body = Self::encoded(&op, scope.create_body())?;
        let name = format!("{}:{}", scope.prefix, scope.subscope);
        let result = self.call(op, Some(body)).await;
        settle(
            result,
            &format!("the scope {name}"),
            "created",
            async || {
                let Ok(parsed) = name.parse::<ScopeName>() else {
                    return Ok(None);
                };
                match self.scope(&parsed).await {
                    Ok(found) => Ok(Some(found)),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }

    /// PUT the scope back (last write wins) without what the server owns; `active: true`
    /// reactivates.
    pub async fn update_scope(&self, name: &ScopeName, scope: &Scope) -> Result<Scope, ApiError> {
        let op =
            Op::new(Method::PUT, &["scopes"], Some(SCOPES_WRITE)).query("scope", name.as_str());
        let body = Self::encoded(&op, scope.update_body())?;
        self.call(op, Some(body)).await
    }

    /// DELETE deactivates; the scope and its grants stay, inactive.
    pub async fn deactivate_scope(&self, name: &ScopeName) -> Result<Scope, ApiError> {
        let op =
            Op::new(Method::DELETE, &["scopes"], Some(SCOPES_WRITE)).query("scope", name.as_str());
        self.call(op, None).await
    }

    pub async fn prefixes(&self) -> Result<Vec<ScopePrefix>, ApiError> {
        self.list(Op::new(Method::GET, &["prefix"], Some(SCOPES_READ)))
            .await
    }

    pub async fn delegation_sources(&self) -> Result<Vec<DelegationSource>, ApiError> {
        self.list(Op::new(Method::GET, &["delegationsources"], None))
            .await
    }

    /// An organisation's name (open endpoint). `None`: the register knows no such number.
    pub async fn organization(&self, orgnr: &OrgNumber) -> Result<Option<Organization>, ApiError> {
        let op = Op::new(Method::GET, &["organizations", orgnr.as_str()], None);
        match self.call(op, None).await {
            Ok(org) => Ok(Some(org)),
            Err(ApiError::Http { status, .. }) if status == StatusCode::NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---- Access grants ----

    pub async fn scope_access(&self, scope: &ScopeName) -> Result<Vec<ScopeAccess>, ApiError> {
        self.list(
            Op::new(Method::GET, &["scopes", "access"], Some(SCOPES_READ))
                .query("scope", scope.as_str()),
        )
        .await
    }

    /// Everything one consumer has from us.
    pub async fn consumer_access(
        &self,
        consumer: &OrgNumber,
    ) -> Result<Vec<ScopeAccess>, ApiError> {
        self.list(
            Op::new(Method::GET, &["scopes", "access"], Some(SCOPES_READ))
                .query("consumer_orgno", consumer.as_str()),
        )
        .await
    }

    pub async fn grant(
        &self,
        scope: &ScopeName,
        consumer: &OrgNumber,
    ) -> Result<ScopeAccess, ApiError> {
        let op = Op::new(
            Method::PUT,
            &["scopes", "access", consumer.as_str()],
            Some(SCOPES_WRITE),
        )
        .query("scope", scope.as_str());
        self.call(op, None).await
    }

    pub async fn revoke(
        &self,
        scope: &ScopeName,
        consumer: &OrgNumber,
    ) -> Result<ScopeAccess, ApiError> {
        let op = Op::new(
            Method::DELETE,
            &["scopes", "access", consumer.as_str()],
            Some(SCOPES_WRITE),
        )
        .query("scope", scope.as_str());
        self.call(op, None).await
    }

    /// Scopes other organisations have granted to us.
    pub async fn granted_to_us(&self) -> Result<Vec<ScopeAccess>, ApiError> {
        self.list(Op::new(
            Method::GET,
            &["scopes", "access", "all"],
            Some(DCR_READ),
        ))
        .await
    }

    // ---- Clients (API consumers) ----

    pub async fn clients(&self) -> Result<Vec<Client>, ApiError> {
        self.list(Op::new(Method::GET, &["clients"], Some(DCR_READ)))
            .await
    }

    pub async fn client(&self, id: &ClientId) -> Result<Client, ApiError> {
        self.call(
            Op::new(Method::GET, &["clients", id.as_str()], Some(DCR_READ)),
            None,
        )
        .await
    }

    /// As `create_scope`; the server picks the id, so the clients of that name are listed
    /// first and a new id among them afterwards means the POST was carried out.
    pub async fn create_client(&self, client: &Client) -> Result<Client, ApiError> {
        let op = Op::new(Method::POST, &["clients"], Some(DCR_WRITE));
        let body = Self::encoded(&op, client.create_body())?;
        let namesakes = |list: Vec<Client>| -> Vec<Client> {
            list.into_iter()
                .filter(|c| c.client_name == client.client_name)
                .collect()
        };
        // Without this list an ambiguous failure can only be reported as such.
        let before: Result<Vec<String>, ApiError> = self
            .clients()
            .await
            .map(|list| namesakes(list).into_iter().map(|c| c.client_id).collect());
        let result = self.call(op, Some(body)).await;
        let what = format!("the client '{}'", client.client_name);
        settle(result, &what, "created", async move || {
            let before = before?;
            let after = namesakes(self.clients().await?);
            Ok(after.into_iter().find(|c| !before.contains(&c.client_id)))
        })
        .await
    }

    /// PUT the client back as an "UpdateClientRequest": no timestamps, on-behalf-of
    /// registrations, keys or secret, whatever the GET returned.
    pub async fn update_client(&self, id: &ClientId, client: &Client) -> Result<Client, ApiError> {
        let op = Op::new(Method::PUT, &["clients", id.as_str()], Some(DCR_MODIFY));
        let body = Self::encoded(&op, client.update_body())?;
        self.call(op, Some(body)).await
    }

    pub async fn delete_client(&self, id: &ClientId) -> Result<(), ApiError> {
        self.send(
            &Op::new(Method::DELETE, &["clients", id.as_str()], Some(DCR_WRITE)),
            None,
        )
        .await
        .map(drop)
    }

    /// The client's keys; `{}`, `{"keys":[]}` and 404 all mean none.
    pub async fn jwks(&self, id: &ClientId) -> Result<Jwks, ApiError> {
        let op = Op::new(
            Method::GET,
            &["clients", id.as_str(), "jwks"],
            Some(DCR_READ),
        );
        match self.send(&op, None).await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Jwks::default()),
            Ok(bytes) => Self::decode(&op, &bytes),
            Err(e) if e.is_not_found() => {
                // A 404 for the client itself must not pass as "no keys".
                self.client(id).await?;
                Ok(Jwks::default())
            }
            Err(e) => Err(e),
        }
    }

    /// Replace the whole key set (Digdir has no "add one key"): callers pass old + new.
    /// After an ambiguous failure the set is read back: the kids sent, and only those, mean
    /// the POST was carried out.
    pub async fn replace_jwks(&self, id: &ClientId, keys: &[Jwk]) -> Result<Jwks, ApiError> {
        let op = Op::new(
            Method::POST,
            &["clients", id.as_str(), "jwks"],
            Some(DCR_MODIFY),
        );
        let body = Self::json(&op, &serde_json::json!({ "keys": keys }))?;
        let result = self.call(op, Some(body)).await;
        let what = format!("the key set of client {id}");
        settle(result, &what, "replaced", async || {
            let kids = |keys: &[Jwk]| {
                let mut k: Vec<Option<String>> = keys.iter().map(|k| k.kid.clone()).collect();
                k.sort();
                k
            };
            let now = self.jwks(id).await?;
            Ok((kids(&now.keys) == kids(keys)).then_some(now))
        })
        .await
    }

    /// Remove every key (an empty `keys` array is not accepted by Digdir).
    pub async fn delete_jwks(&self, id: &ClientId) -> Result<(), ApiError> {
        self.send(
            &Op::new(
                Method::DELETE,
                &["clients", id.as_str(), "jwks"],
                Some(DCR_MODIFY),
            ),
            None,
        )
        .await
        .map(drop)
    }

    /// Add or replace the key `kid` alone (`PUT /clients/{id}/jwks/{kid}`), leaving the
    /// client's other keys as they are. `Ok(None)`: this server has no such endpoint.
    pub async fn put_jwk(&self, id: &ClientId, jwk: &Jwk) -> Result<Option<Jwk>, ApiError> {
        let kid = jwk.kid.as_deref().unwrap_or_default();
        let op = Op::new(
            Method::PUT,
            &["clients", id.as_str(), "jwks", kid],
            Some(DCR_MODIFY),
        );
        let body = Self::json(&op, jwk)?;
        match self.call(op, Some(body)).await {
            Ok(key) => Ok(Some(key)),
            Err(e) => self.no_single_key_endpoint(id, e).await.map(|()| None),
        }
    }

    /// Remove the key `kid` alone. `Ok(false)`: this server has no such endpoint.
    pub async fn delete_jwk(&self, id: &ClientId, kid: &Kid) -> Result<bool, ApiError> {
        let op = Op::new(
            Method::DELETE,
            &["clients", id.as_str(), "jwks", kid.as_str()],
            Some(DCR_MODIFY),
        );
        match self.send(&op, None).await {
            Ok(_) => Ok(true),
            Err(e) => self.no_single_key_endpoint(id, e).await.map(|()| false),
        }
    }

    /// `Ok` when `e` says the single-key path does not exist on this server (405, or 404
    /// while the client itself is there); otherwise the error to report: a 404 for a client
    /// that is gone is about the client, not the endpoint.
    async fn no_single_key_endpoint(&self, id: &ClientId, e: ApiError) -> Result<(), ApiError> {
        match e.status() {
            Some(StatusCode::METHOD_NOT_ALLOWED) => Ok(()),
            Some(StatusCode::NOT_FOUND) => {
                self.client(id).await?;
                Ok(())
            }
            _ => Err(e),
        }
    }

    pub async fn onbehalfof(&self, id: &ClientId) -> Result<Vec<ClientOnBehalfOf>, ApiError> {
        self.list(Op::new(
            Method::GET,
            &["clients", id.as_str(), "onbehalfof"],
            Some(DCR_READ),
        ))
        .await
    }

    pub async fn onbehalfof_one(
        &self,
        id: &ClientId,
        onbehalfof: &str,
    ) -> Result<ClientOnBehalfOf, ApiError> {
        self.call(
            Op::new(
                Method::GET,
                &["clients", id.as_str(), "onbehalfof", onbehalfof],
                Some(DCR_READ),
            ),
            None,
        )
        .await
    }

    /// As `create_client`: after an ambiguous failure the registration is looked up by its
    /// id, which the caller chose.
    pub async fn add_onbehalfof(
        &self,
        id: &ClientId,
        registration: &ClientOnBehalfOf,
    ) -> Result<ClientOnBehalfOf, ApiError> {
        let op = Op::new(
            Method::POST,
            &["clients", id.as_str(), "onbehalfof"],
            Some(ONBEHALFOF_WRITE),
        );
        let body = Self::encoded(&op, registration.request_body())?;
        let result = self.call(op, Some(body)).await;
        let what = format!("the on-behalf-of registration {}", registration.onbehalfof);
        settle(result, &what, "added", async move || {
            Ok(self
                .onbehalfof(id)
                .await?
                .into_iter()
                .find(|o| o.onbehalfof == registration.onbehalfof))
        })
        .await
    }

    pub async fn update_onbehalfof(
        &self,
        id: &ClientId,
        registration: &ClientOnBehalfOf,
    ) -> Result<ClientOnBehalfOf, ApiError> {
        let op = Op::new(
            Method::PUT,
            &[
                "clients",
                id.as_str(),
                "onbehalfof",
                &registration.onbehalfof,
            ],
            Some(ONBEHALFOF_WRITE),
        );
        let body = Self::encoded(&op, registration.request_body())?;
        self.call(op, Some(body)).await
    }

    /// Digdir answers "statuskode 200, og tom body".
    pub async fn remove_onbehalfof(&self, id: &ClientId, onbehalfof: &str) -> Result<(), ApiError> {
        self.send(
            &Op::new(
                Method::DELETE,
                &["clients", id.as_str(), "onbehalfof", onbehalfof],
                Some(ONBEHALFOF_WRITE),
            ),
            None,
        )
        .await
        .map(drop)
    }
}

/// The result of a POST, made definite: after an ambiguous failure `read_back` says what the
/// server now holds (`Some`: the change is there). A change that happened is a success (and
/// logged as recovered); one that did not is an error saying it is safe to retry.
async fn settle<T>(
    result: Result<T, ApiError>,
    what: &str,
    done: &str,
    read_back: impl AsyncFnOnce() -> Result<Option<T>, ApiError>,
) -> Result<T, ApiError> {
    let source = match result {
        Err(e) if e.is_ambiguous() => e,
        other => return other,
    };
    tracing::warn!(error = %source, "ambiguous failure; reading back {what}");
    let (verdict, not_applied) = match read_back().await {
        Ok(Some(value)) => {
            tracing::warn!("{what} was {done} although the answer was lost");
            return Ok(value);
        }
        Ok(None) => (
            format!("{what} was not {done} (read back after the failure); safe to retry"),
            true,
        ),
        Err(e) => (
            format!(
                "{what} may or may not have been {done}: reading it back failed too ({e}); look before retrying"
            ),
            false,
        ),
    };
    Err(ApiError::Unsettled {
        source: Box::new(source),
        verdict,
        not_applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_path_are_encoded() {
        let op = Op::new(
            Method::PUT,
            &["scopes", "access", "991825827"],
            Some(SCOPES_WRITE),
        )
        .query("scope", "nav:a/b&c");
        for base in [
            "https://api.test.samarbeid.digdir.no/api/v1",
            "https://api.test.samarbeid.digdir.no/api/v1/",
        ] {
            let url = build_url(&Url::parse(base).unwrap(), &op);
            assert_eq!(
                url.as_str(),
                "https://api.test.samarbeid.digdir.no/api/v1/scopes/access/991825827?scope=nav%3Aa%2Fb%26c"
            );
        }
        assert_eq!(op.endpoint(), "/scopes/access/991825827?scope=nav:a/b&c");
    }
}
