//! Fault injection for reliability tests: answer the next requests (or every request under a
//! path) with an error status (optionally with `Retry-After`), a dropped connection, malformed
//! JSON, an empty body, a body that never ends or a redirect (also after carrying the request
//! out), take the whole server down, add latency to every request, or skew the emulator's
//! clock, or put terminal escape sequences into every error answer. Tests flip these switches through `Emulator::faults()`; `mpadmin emulator --fault`
//! and `mpadmin --demo --fault` set standing ones;
//! `--hostile-errors` the escape sequences.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::Shared;
use super::errors::ApiFail;

/// One injected misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a Digdir error body; `retry_after` seconds if set.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Start a response and break the connection before the body is complete.
    DropConnection,
    /// 200 with a body that is not valid JSON.
    MalformedJson,
    /// 200 with an empty body (no JSON value at all).
    EmptyBody,
    /// 200 with a JSON array that never ends: sent until the client hangs up.
    EndlessBody,
    /// 307 to `location` (another origin, say), as a hijacked or misconfigured server would.
    Redirect { location: String },
    /// Carry the request out (the change is made), then answer with the inner fault instead
    /// of the real answer: a gateway timing out or a connection dropping after the server
    /// acted, the case where a client cannot know whether its POST happened.
    AfterApplying(Box<Fault>),
}

/// `--fault KIND[@PATH]` of `mpadmin emulator` and `mpadmin --demo`: a standing fault for
/// every request under PATH (default `/api/v1/`, the whole admin API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultArg {
    pub path: String,
    pub fault: Fault,
}

/// The fault names `--fault` takes.
const FAULT_KINDS: &str = "empty-body, endless-body, redirect, malformed-json, drop-connection";

impl std::str::FromStr for FaultArg {
    type Err = String;

    fn from_str(arg: &str) -> Result<FaultArg, String> {
        let (kind, path) = arg.split_once('@').unwrap_or((arg, "/api/v1/"));
        if !path.starts_with('/') {
            return Err(format!(
                "the path in '{arg}' must start with /, e.g. empty-body@/api/v1/scopes"
            ));
        }
        let fault = match kind {
            "empty-body" => Fault::EmptyBody,
            "endless-body" => Fault::EndlessBody,
            // Another origin on loopback where nothing listens.
            "redirect" => Fault::Redirect {
                location: format!("http://127.0.0.1:1{path}"),
            },
            "malformed-json" => Fault::MalformedJson,
            "drop-connection" => Fault::DropConnection,
            _ => {
                return Err(format!(
                    "unknown fault '{kind}': use one of {FAULT_KINDS}, optionally followed by @PATH"
                ));
            }
        };
        Ok(FaultArg {
            path: path.to_owned(),
            fault,
        })
    }
}

#[derive(Debug)]
struct Planned {
    fault: Fault,
    /// Only requests whose path starts with this (e.g. `/api/v1/scopes`, `/token`).
    path_prefix: String,
    /// The path must be `path_prefix` itself: a list endpoint without the per-item reads
    /// under it (`/api/v1/clients` but not `/api/v1/clients/ID/jwks`).
    exact: bool,
    /// Only requests with this method (`POST`), when set.
    method: Option<String>,
}

/// A change to the state made just after a request was answered: another admin's write
/// landing between two of the client's requests.
type Edit = Box<dyn FnOnce(&mut super::state::StateSnapshot) + Send>;

#[derive(Default)]
struct Settings {
    queue: VecDeque<Planned>,
    /// For every request they match, once the queue has nothing for it.
    standing: Vec<Planned>,
    latency: Duration,
    /// Every request has its connection dropped: the server is gone.
    down: bool,
    clock_skew: i64,
    empty_jwks_not_found: bool,
    /// Client answers leave out their key set, as answers before the backend's
    /// `ClientResponse` carried `jwks` did.
    clients_without_keys: bool,
    no_single_key_endpoints: bool,
    hostile_errors: bool,
    /// Bumped by `expire_tokens`; a token issued in an older epoch is expired.
    token_epoch: u64,
    /// Epoch each access token (by `jti`) was issued in.
    token_epochs: HashMap<String, u64>,
    /// Edits to run once after the next request matching (method, exact path).
    after: Vec<(String, String, Edit)>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("queue", &self.queue)
            .field("down", &self.down)
            .field("after", &self.after.len())
            .finish_non_exhaustive()
    }
}

/// The switches. Cheap to share; every method takes effect for the next request.
#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<Settings>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next `times` requests under `path_prefix` get `fault` (queued after earlier ones).
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.plan(None, path_prefix, false, fault, times);
    }

    /// As [`inject`](Self::inject), for requests with `method` only (a POST, not the reads
    /// around it).
    pub fn inject_method(&self, method: &str, path_prefix: &str, fault: Fault, times: usize) {
        self.plan(Some(method), path_prefix, false, fault, times);
    }

    /// As [`inject_method`](Self::inject_method), for exactly `path` and nothing under it.
    pub fn inject_exact(&self, method: &str, path: &str, fault: Fault, times: usize) {
        self.plan(Some(method), path, true, fault, times);
    }

    /// Every request under `path_prefix` gets `fault`, until [`clear`](Self::clear).
    pub fn always(&self, path_prefix: &str, fault: Fault) {
        let planned = Planned::new(None, path_prefix, false, fault);
        self.lock().standing.push(planned);
    }

    /// The standing faults of `--fault` arguments.
    pub fn set_from_args(&self, args: &[FaultArg]) {
        for a in args {
            self.always(&a.path, a.fault.clone());
        }
    }

    fn plan(
        &self,
        method: Option<&str>,
        path_prefix: &str,
        exact: bool,
        fault: Fault,
        times: usize,
    ) {
        let mut s = self.lock();
        for _ in 0..times {
            s.queue
                .push_back(Planned::new(method, path_prefix, exact, fault.clone()));
        }
    }

    /// Delay every request by `latency` (zero turns it off).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Drop the connection of every request until switched off again, as a server that went
    /// away (queued faults wait meanwhile).
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Run the emulator's clock `seconds` ahead of the system clock (negative: behind), as
    /// a server with a wrong clock would: grants look issued in the past or the future.
    pub fn set_clock_skew(&self, seconds: i64) {
        self.lock().clock_skew = seconds;
    }

    pub fn clock_skew(&self) -> i64 {
        self.lock().clock_skew
    }

    /// Answer `GET .../jwks` of a client without keys with 404 instead of `{}` (sources
    /// disagree on which one Digdir sends; clients must take both as "no keys").
    pub fn set_empty_jwks_not_found(&self, on: bool) {
        self.lock().empty_jwks_not_found = on;
    }

    pub fn empty_jwks_not_found(&self) -> bool {
        self.lock().empty_jwks_not_found
    }

    /// Leave the key set (`jwks`) out of `GET /clients` and `GET /clients/{id}`, so a client
    /// must read each client's `/jwks` (the backend's `ClientResponse` embeds it; older
    /// answers may not).
    pub fn set_clients_without_keys(&self, on: bool) {
        self.lock().clients_without_keys = on;
    }

    pub fn clients_without_keys(&self) -> bool {
        self.lock().clients_without_keys
    }

    /// Play a server without `GET/PUT/DELETE .../jwks/{kid}` (404 for each, as for any
    /// unknown path), as the one the older docs describe.
    pub fn set_no_single_key_endpoints(&self, on: bool) {
        self.lock().no_single_key_endpoints = on;
    }

    pub fn no_single_key_endpoints(&self) -> bool {
        self.lock().no_single_key_endpoints
    }

    /// Change the state once, right after the next `method` request to exactly `path` has
    /// been carried out and before its answer goes back: a concurrent writer.
    pub fn edit_after(
        &self,
        method: &str,
        path: &str,
        edit: impl FnOnce(&mut super::state::StateSnapshot) + Send + 'static,
    ) {
        self.lock()
            .after
            .push((method.to_ascii_uppercase(), path.to_owned(), Box::new(edit)));
    }

    fn take_edit(&self, method: &str, path: &str) -> Option<Edit> {
        let mut s = self.lock();
        let i = s
            .after
            .iter()
            .position(|(m, p, _)| m == method && p == path)?;
        Some(s.after.remove(i).2)
    }

    /// Put escape sequences (window title, clipboard write, clear screen, colour) and bidi
    /// overrides into the text of every error answer: `error`, `error_description`, each
    /// `errors[].errorMessage` and `correlation_id`, after their own text, as a hostile proxy
    /// or a server echoing what others wrote could. What a client shows of it must be inert.
    pub fn set_hostile_errors(&self, on: bool) {
        self.lock().hostile_errors = on;
    }

    fn hostile_errors(&self) -> bool {
        self.lock().hostile_errors
    }

    /// Treat every access token issued so far as expired (401), as if its lifetime ran out:
    /// for testing renewal mid-session without waiting or skewing the grant clock.
    pub fn expire_tokens(&self) {
        self.lock().token_epoch += 1;
    }

    pub(crate) fn token_issued(&self, jti: &str) {
        let mut s = self.lock();
        let epoch = s.token_epoch;
        s.token_epochs.insert(jti.to_owned(), epoch);
    }

    pub(crate) fn token_expired_early(&self, jti: &str) -> bool {
        let s = self.lock();
        s.token_epochs.get(jti).is_some_and(|e| *e < s.token_epoch)
    }

    /// Forget every switch: queued and standing faults, latency, clock skew, the JWKS 404.
    pub fn clear(&self) {
        let mut s = self.lock();
        let epochs = std::mem::take(&mut s.token_epochs);
        let epoch = s.token_epoch;
        *s = Settings::default();
        // Tokens expired by `expire_tokens` stay expired.
        s.token_epochs = epochs;
        s.token_epoch = epoch;
    }

    /// Faults still queued.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }

    fn take(&self, method: &str, path: &str) -> (Duration, Option<Fault>) {
        let mut s = self.lock();
        if s.down {
            return (s.latency, Some(Fault::DropConnection));
        }
        let pos = s.queue.iter().position(|p| p.matches(method, path));
        let fault = match pos.and_then(|i| s.queue.remove(i)) {
            Some(p) => Some(p.fault),
            None => s
                .standing
                .iter()
                .find(|p| p.matches(method, path))
                .map(|p| p.fault.clone()),
        };
        (s.latency, fault)
    }
}

impl Planned {
    fn new(method: Option<&str>, path_prefix: &str, exact: bool, fault: Fault) -> Planned {
        Planned {
            fault,
            path_prefix: path_prefix.to_owned(),
            exact,
            method: method.map(str::to_ascii_uppercase),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let on_path = if self.exact {
            path == self.path_prefix
        } else {
            path.starts_with(&self.path_prefix)
        };
        on_path && self.method.as_deref().is_none_or(|m| m == method)
    }
}

pub async fn inject(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let (latency, fault) = sh.faults.take(req.method().as_str(), req.uri().path());
    let edit = sh.faults.take_edit(req.method().as_str(), req.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut resp = match fault {
        None => {
            let resp = next.run(req).await;
            if let Some(edit) = edit
                && let Err(e) = sh.store.edit(edit)
            {
                tracing::error!("emulator: a test's edit after a request failed: {e}");
            }
            resp
        }
        Some(Fault::AfterApplying(inner)) => {
            drop(next.run(req).await);
            answer(*inner)
        }
        Some(other) => answer(other),
    };
    if sh.faults.hostile_errors()
        && (resp.status().is_client_error() || resp.status().is_server_error())
    {
        resp = hostile(resp).await;
    }
    // A server with a wrong clock also dates its answers wrongly; clients read the skew there.
    let skew = sh.faults.clock_skew();
    if skew != 0 {
        let at = chrono::Utc::now() + chrono::Duration::seconds(skew);
        if let Ok(v) = HeaderValue::from_str(&at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()) {
            resp.headers_mut().insert(header::DATE, v);
        }
    }
    resp
}

/// What `set_hostile_errors` adds to each text: OSC 0 (window title), OSC 52 (clipboard:
/// `echo pwned`), CSI 2J (clear screen), colour, a right-to-left override and isolate, a
/// zero-width space, and a C1 CSI.
pub const HOSTILE_TEXT: &str = " \u{1b}]0;PWNED-TITLE\u{7}\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J\u{1b}[31mRED\u{1b}[0m \u{202e}txt.exe\u{202c} \u{2066}\u{200b}\u{2069}\u{9b}2J";

/// `resp` with `HOSTILE_TEXT` added to the strings of its JSON error body; other bodies are
/// left alone.
async fn hostile(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let spoil = |v: &mut serde_json::Value| {
        if let serde_json::Value::String(s) = v {
            s.push_str(HOSTILE_TEXT);
        }
    };
    for field in ["error", "error_description", "correlation_id"] {
        if let Some(v) = json.get_mut(field) {
            spoil(v);
        }
    }
    if let Some(serde_json::Value::Array(errors)) = json.get_mut("errors") {
        for e in errors {
            if let Some(v) = e.get_mut("errorMessage") {
                spoil(v);
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json.to_string()))
}

/// The response standing in for the real one.
fn answer(fault: Fault) -> Response {
    match fault {
        // Nested `AfterApplying`: the request has been carried out once already.
        Fault::AfterApplying(inner) => answer(*inner),
        Fault::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = ApiFail::new(status, "Injected fault").into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"name\": \"truncated",
        )
            .into_response(),
        Fault::EmptyBody => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "",
        )
            .into_response(),
        Fault::EndlessBody => {
            // Each chunk is produced only when the last one went out, and the stream is dropped
            // when the client hangs up: the emulator holds one chunk at a time, and stops.
            let item: &'static [u8] =
                b"{\"name\":\"endless:scope\",\"description\":\"never ends\"},";
            let chunk = axum::body::Bytes::from(item.repeat(1024));
            let stream = futures::stream::once(async { Ok(axum::body::Bytes::from_static(b"[")) })
                .chain(futures::stream::repeat(chunk).map(Ok::<_, Infallible>));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Fault::Redirect { location } => match HeaderValue::from_str(&location) {
            Ok(to) => (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Fault::DropConnection => {
            // A body that fails after promising more bytes makes the server abort the connection.
            let stream = futures::stream::iter([
                Ok(axum::body::Bytes::from_static(b"[{\"name\":")),
                Err(std::io::Error::other("injected connection drop")),
            ]);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, "4096")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_arguments_name_a_kind_and_maybe_a_path() {
        let arg = |s: &str| s.parse::<FaultArg>();
        assert_eq!(
            arg("empty-body@/api/v1/scopes"),
            Ok(FaultArg {
                path: "/api/v1/scopes".into(),
                fault: Fault::EmptyBody
            })
        );
        assert_eq!(arg("endless-body").map(|a| a.path), Ok("/api/v1/".into()));
        assert_eq!(
            arg("redirect@/token").map(|a| a.fault),
            Ok(Fault::Redirect {
                location: "http://127.0.0.1:1/token".into()
            })
        );
        assert!(arg("endless").unwrap_err().contains("endless-body"));
        assert!(
            arg("empty-body@api")
                .unwrap_err()
                .contains("must start with /")
        );
    }
}
