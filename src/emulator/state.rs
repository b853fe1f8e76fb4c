//! The emulator's data (scopes, grants, clients, keys) behind one lock, and its optional
//! persistence: the whole state as JSON, written atomically after every change.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::EmulatorError;
use super::errors::ApiFail;
use super::files;
use crate::wire::models::{Client, ClientOnBehalfOf, Jwk, Jwks, Scope, ScopeAccess, ScopePrefix};

/// Digdir's timestamp pattern `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`, e.g. `2025-07-02T10:30:00.000+01:00`.
pub fn timestamp_now() -> String {
    chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// May a client of integration type `itype` use this scope (no list = any type).
pub fn allows_type(scope: &Scope, itype: &str) -> bool {
    scope.allowed_integration_types.is_empty()
        || scope
            .allowed_integration_types
            .iter()
            .any(|a| a.as_str().eq_ignore_ascii_case(itype))
}

/// Everything the emulator knows; also the persisted file format and what tests assert on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// Organisation names by number (for prefixes and display).
    #[serde(default)]
    pub organizations: BTreeMap<String, String>,
    /// Prefixes by name.
    #[serde(default)]
    pub prefixes: BTreeMap<String, ScopePrefix>,
    /// Scopes by name, inactive ones included.
    #[serde(default)]
    pub scopes: BTreeMap<String, Scope>,
    /// Access grants: scope name -> consumer orgno -> row (revoked rows stay, DENIED).
    #[serde(default)]
    pub grants: BTreeMap<String, BTreeMap<String, ScopeAccess>>,
    /// Clients by id, deleted (inactive) ones included.
    #[serde(default)]
    pub clients: BTreeMap<String, Client>,
    /// Key sets by client id (absent = no keys).
    #[serde(default)]
    pub jwks: BTreeMap<String, Jwks>,
    /// On-behalf-of registrations: client id -> `onbehalfof` -> registration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub onbehalfof: BTreeMap<String, BTreeMap<String, ClientOnBehalfOf>>,
}

impl StateSnapshot {
    pub fn scope(&self, name: &str) -> Option<&Scope> {
        self.scopes.get(name)
    }

    pub fn grant(&self, scope: &str, consumer: &str) -> Option<&ScopeAccess> {
        self.grants.get(scope)?.get(consumer)
    }

    pub fn all_grants(&self) -> impl Iterator<Item = &ScopeAccess> {
        self.grants.values().flat_map(BTreeMap::values)
    }

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.get(id)
    }

    /// The keys of a client (empty when it has none).
    pub fn keys(&self, client_id: &str) -> &[Jwk] {
        self.jwks.get(client_id).map_or(&[], |j| j.keys.as_slice())
    }

    /// Active clients of one organisation.
    pub fn clients_of<'a>(&'a self, orgno: &'a str) -> impl Iterator<Item = &'a Client> + 'a {
        self.clients
            .values()
            .filter(move |c| c.active && c.client_orgno.as_deref() == Some(orgno))
    }

    pub fn owns_prefix(&self, orgno: &str, prefix: &str) -> bool {
        self.prefixes
            .get(prefix)
            .is_some_and(|p| p.active && p.owner_orgno.as_deref() == Some(orgno))
    }

    /// May `orgno` use this scope on its clients: its own, granted APPROVED, or open to all.
    pub fn may_use(&self, orgno: &str, scope: &Scope) -> bool {
        scope.owner_orgno.as_deref() == Some(orgno)
            || scope.accessible_for_all
            || self
                .grant(&scope.name, orgno)
                .is_some_and(|g| g.state == crate::wire::models::AccessState::Approved)
    }
}

/// The state plus what must never be persisted (replay protection).
pub struct Store {
    inner: Mutex<Inner>,
    file: Option<PathBuf>,
}

struct Inner {
    data: StateSnapshot,
    /// Grant `jti`s already used, with the grant's `exp` (forgotten once past).
    used_jti: HashMap<String, i64>,
}

impl Store {
    /// Keep `data` in memory and, when a file is given, on disk from now on. Temp files a
    /// killed run left beside the state file are removed.
    pub fn new(data: StateSnapshot, file: Option<PathBuf>) -> Result<Store, EmulatorError> {
        if let Some(path) = &file {
            let (dir, name) = dir_and_name(path);
            files::remove_stale_temps(dir, &name);
            persist(path, &data)?;
        }
        Ok(Store {
            inner: Mutex::new(Inner {
                data,
                used_jti: HashMap::new(),
            }),
            file,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked mid-change leaves data we still serve rather than wedge.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read<R>(&self, f: impl FnOnce(&StateSnapshot) -> R) -> R {
        f(&self.lock().data)
    }

    /// Apply a change; on success the state file (if any) is rewritten before answering.
    /// `f` validates before it changes anything, so an `Err` leaves the state untouched.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut StateSnapshot) -> Result<R, ApiFail>,
    ) -> Result<R, ApiFail> {
        self.apply(f, |e| {
            ApiFail::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        })
    }

    /// A change that cannot be refused (tests setting up a situation).
    pub fn edit<R>(&self, f: impl FnOnce(&mut StateSnapshot) -> R) -> Result<R, EmulatorError> {
        self.apply(|st| Ok(f(st)), |e| e)
    }

    fn apply<R, E>(
        &self,
        f: impl FnOnce(&mut StateSnapshot) -> Result<R, E>,
        write_failed: impl FnOnce(EmulatorError) -> E,
    ) -> Result<R, E> {
        let mut inner = self.lock();
        let out = f(&mut inner.data)?;
        if let Some(path) = &self.file {
            persist(path, &inner.data).map_err(write_failed)?;
        }
        Ok(out)
    }

    /// Remember a grant's `jti`; false when it was used before.
    pub fn use_jti(&self, jti: &str, exp: i64) -> bool {
        let mut inner = self.lock();
        let now = now_secs();
        inner.used_jti.retain(|_, e| *e + 60 >= now);
        inner.used_jti.insert(jti.to_owned(), exp).is_none()
    }

    pub fn snapshot(&self) -> StateSnapshot {
        self.lock().data.clone()
    }
}

/// The state in `file` when it exists, else `seed()`.
pub fn load_or(
    file: Option<&Path>,
    seed: impl FnOnce() -> Result<StateSnapshot, EmulatorError>,
) -> Result<StateSnapshot, EmulatorError> {
    match file {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path).map_err(|source| EmulatorError::Io {
                path: path.to_owned(),
                source,
            })?;
            serde_json::from_slice(&bytes).map_err(|e| EmulatorError::State {
                path: path.to_owned(),
                reason: e.to_string(),
            })
        }
        _ => seed(),
    }
}

/// Temp file in the same directory + rename: a crash leaves the old or the new state, never half.
fn persist(path: &Path, data: &StateSnapshot) -> Result<(), EmulatorError> {
    let io = |source| EmulatorError::Io {
        path: path.to_owned(),
        source,
    };
    let (dir, name) = dir_and_name(path);
    let bytes = serde_json::to_vec(data).map_err(|e| EmulatorError::State {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    // Named after the state file, so a start can tell its own leftovers from other files.
    let mut tmp = files::temp_in(dir, &name).map_err(io)?;
    std::io::Write::write_all(&mut tmp, &bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// The directory the state file is in and its file name.
fn dir_and_name(path: &Path) -> (&Path, String) {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "state".to_owned(), |n| n.to_string_lossy().into_owned());
    (dir, name)
}
