//! Per-path request counts and the most requests a path had in flight at once, so tests can
//! check how a client spreads its calls (e.g. grants fetched in parallel, but bounded); and
//! the last body each method and path received, so tests can check what a client sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::errors::ApiFail;

/// Larger bodies are refused (axum's own default limit for a `Bytes` body).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// The pseudo-path whose stats count every request, whatever its path: its peak is the most
/// requests a client had in flight at once anywhere.
pub const ALL: &str = "*";

/// What one path (without the query) has seen since the emulator started or was reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PathStats {
    /// Requests that arrived, answered or not yet.
    pub requests: u64,
    /// Requests being served right now.
    pub in_flight: usize,
    /// The most that were being served at the same time.
    pub peak_in_flight: usize,
}

#[derive(Debug, Default)]
pub struct Stats {
    paths: Mutex<HashMap<String, PathStats>>,
    /// Last non-empty body by (method, path).
    bodies: Mutex<HashMap<(String, String), Bytes>>,
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, PathStats>> {
        self.paths.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_bodies(&self) -> MutexGuard<'_, HashMap<(String, String), Bytes>> {
        self.bodies.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last body `method` requests to `path` carried, as sent.
    pub fn last_body(&self, method: &str, path: &str) -> Option<Bytes> {
        self.lock_bodies()
            .get(&(method.to_owned(), path.to_owned()))
            .cloned()
    }

    pub fn of(&self, path: &str) -> PathStats {
        self.lock().get(path).copied().unwrap_or_default()
    }

    /// Forget counts, peaks and bodies; requests still in flight stay counted as in flight.
    pub fn reset(&self) {
        self.lock_bodies().clear();
        for s in self.lock().values_mut() {
            *s = PathStats {
                in_flight: s.in_flight,
                ..PathStats::default()
            };
        }
    }

    /// Every path with what it saw, sorted by path; [`ALL`] sums them all.
    pub fn all(&self) -> Vec<(String, PathStats)> {
        let mut all: Vec<_> = self
            .lock()
            .iter()
            .filter(|(_, s)| s.requests > 0)
            .map(|(p, s)| (p.clone(), *s))
            .collect();
        all.sort();
        all
    }

    fn enter(&self, path: &str) {
        let mut paths = self.lock();
        for key in [path, ALL] {
            let s = paths.entry(key.to_owned()).or_default();
            s.requests += 1;
            s.in_flight += 1;
            s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
        }
    }

    fn leave(&self, path: &str) {
        let mut paths = self.lock();
        for key in [path, ALL] {
            if let Some(s) = paths.get_mut(key) {
                s.in_flight = s.in_flight.saturating_sub(1);
            }
        }
    }
}

/// Leaves the path when dropped, so a request whose connection is cut still stops counting.
struct InFlight {
    shared: Arc<Shared>,
    path: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.stats.leave(&self.path);
    }
}

pub async fn track(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    sh.stats.enter(&path);
    let _guard = InFlight {
        shared: sh.clone(),
        path: path.clone(),
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return ApiFail::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request body could not be read: {e}"),
            )
            .into_response();
        }
    };
    if !bytes.is_empty() {
        sh.stats.lock_bodies().insert((method, path), bytes.clone());
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
