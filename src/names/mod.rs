//! Organisation names for the nine-digit numbers the API speaks in: from the access rows when
//! the server sent them, else from a cache on disk (per environment, thirty days), else from
//! the open `GET /organizations/{orgnr}`, at most eight at a time. A lookup that fails leaves
//! the number as it is: a name is a help, never a reason to stop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::api::AdminApi;
use crate::config::Profile;
use crate::wire::models::ScopeAccess;
use crate::wire::types::OrgNumber;

/// How long a cached name is believed (organisations rarely rename).
pub const TTL_SECS: i64 = 30 * 86_400;
/// Lookups in flight at once: enough for a screenful, few enough not to hammer Digdir.
pub const PARALLEL: usize = 8;
/// What the UI shows for a number the register does not know.
pub const UNKNOWN: &str = "unknown organisation";

/// What is known about one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    Known(String),
    /// The register answered that it has no such organisation.
    Unknown,
}

/// Names by organisation number. A number that is absent could not be looked up (or was not
/// asked for).
pub type Names = BTreeMap<String, Name>;

/// The name to show for `orgnr`, if any.
pub fn known<'a>(names: &'a Names, orgnr: &str) -> Option<&'a str> {
    match names.get(orgnr) {
        Some(Name::Known(n)) => Some(n),
        _ => None,
    }
}

/// The names the server put on access rows (`consumer_organization_name`).
pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a ScopeAccess>) -> Names {
    rows.into_iter()
        .filter_map(|r| {
            let name = crate::text::clean(r.consumer_name()?);
            Some((r.consumer_orgno.clone(), Name::Known(name)))
        })
        .collect()
}

/// Whether names are looked up, and where they are cached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub on: bool,
    pub cache: Option<PathBuf>,
}

impl Settings {
    /// `--no-names` or the profile's `names = false` turn lookups off.
    pub fn of(profile: &Profile, keys: Option<&Path>, no_names: bool) -> Settings {
        Settings {
            on: profile.names && !no_names,
            cache: crate::config::paths(keys).names_cache(profile.environment_label()),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    #[serde(default)]
    names: BTreeMap<String, Cached>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    name: String,
    /// Unix seconds when it was looked up.
    fetched: i64,
}

/// The on-disk cache of one environment.
pub struct Cache {
    path: PathBuf,
    file: CacheFile,
}

impl Cache {
    /// Reads the cache; a missing or unreadable one is an empty one (logged at debug).
    pub fn load(path: PathBuf) -> Cache {
        let file = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::debug!(path = %path.display(), error = %e, "name cache unreadable, starting afresh");
                CacheFile::default()
            }),
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::debug!(path = %path.display(), error = %e, "name cache unreadable");
                }
                CacheFile::default()
            }
        };
        Cache { path, file }
    }

    /// The cached name of `orgnr` if it is younger than the time to live.
    pub fn fresh(&self, orgnr: &str, now: i64) -> Option<&str> {
        self.file
            .names
            .get(orgnr)
            .filter(|c| now - c.fetched < TTL_SECS)
            .map(|c| c.name.as_str())
    }

    fn insert(&mut self, orgnr: String, name: String, now: i64) {
        self.file.names.insert(orgnr, Cached { name, fetched: now });
    }

    /// Writes the cache (0600); a failure is logged at debug and otherwise ignored.
    fn save(&mut self, now: i64) {
        self.file.names.retain(|_, c| now - c.fetched < TTL_SECS);
        let written = self
            .path
            .parent()
            .map_or(Ok(()), crate::private_files::create_dir)
            .and_then(|()| {
                let bytes = serde_json::to_vec_pretty(&self.file).map_err(std::io::Error::other)?;
                crate::private_files::replace(&self.path, &bytes)
            });
        if let Err(e) = written {
            tracing::debug!(path = %self.path.display(), error = %e, "name cache not written");
        }
    }
}

/// Looks up the names of `wanted` (nothing when names are off): cached ones first, the rest
/// from the API, at most [`PARALLEL`] at a time; names found are written back. Numbers whose
/// lookup failed are absent from the answer.
pub async fn resolve(
    api: &AdminApi,
    settings: &Settings,
    wanted: impl IntoIterator<Item = OrgNumber>,
) -> Names {
    if !settings.on {
        return Names::new();
    }
    let cache = settings.cache.as_deref();
    let wanted: BTreeSet<OrgNumber> = wanted.into_iter().collect();
    let now = chrono::Utc::now().timestamp();
    let mut cache = cache.map(|p| Cache::load(p.to_owned()));
    let mut names = Names::new();
    let mut missing = Vec::new();
    for orgnr in wanted {
        match cache.as_ref().and_then(|c| c.fresh(orgnr.as_str(), now)) {
            Some(name) => {
                names.insert(orgnr.to_string(), Name::Known(name.to_owned()));
            }
            None => missing.push(orgnr),
        }
    }
    if missing.is_empty() {
        return names;
    }
    let found: Vec<(OrgNumber, Option<Name>)> = futures::stream::iter(missing)
        .map(|orgnr| async move {
            let answer = match api.organization(&orgnr).await {
                Ok(Some(org)) => Some(Name::Known(crate::text::clean(&org.name))),
                Ok(None) => Some(Name::Unknown),
                Err(e) => {
                    tracing::debug!(%orgnr, error = %e, "organisation name lookup failed");
                    None
                }
            };
            (orgnr, answer)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut learned = false;
    for (orgnr, answer) in found {
        let Some(answer) = answer else { continue };
        if let (Some(cache), Name::Known(name)) = (cache.as_mut(), &answer) {
            cache.insert(orgnr.to_string(), name.clone(), now);
            learned = true;
        }
        names.insert(orgnr.to_string(), answer);
    }
    if let (Some(cache), true) = (cache.as_mut(), learned) {
        cache.save(now);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_name_expires_after_thirty_days() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names-test.json");
        let mut cache = Cache::load(path.clone());
        cache.insert("974760673".into(), "BRREG".into(), 1_000);
        cache.save(1_000);
        let again = Cache::load(path);
        assert_eq!(
            again.fresh("974760673", 1_000 + TTL_SECS - 1),
            Some("BRREG")
        );
        assert_eq!(again.fresh("974760673", 1_000 + TTL_SECS), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("names-test.json");
        let mut cache = Cache::load(path.clone());
        cache.insert("974760673".into(), "BRREG".into(), 1_000);
        cache.save(1_000);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_garbled_cache_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names-test.json");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(Cache::load(path).fresh("974760673", 0), None);
    }
}
