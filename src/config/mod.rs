//! The profiles file (`keys.toml`): where it is, what a profile holds, and checking it.
//!
//! `load` finds the file (`--keys`, else `$MPADMIN_KEYS`, else `<config dir>/mpadmin/keys.toml`),
//! picks the profile and checks every field: URLs (https, or http to loopback only), paths
//! (`~` expanded, relative to the file, must exist), exactly one kind of signing material.
//! Opening the key material itself (passwords, key/certificate match, expiry) is
//! `auth::credentials`' job; its messages name the profile and field the same way.

mod error;
mod locate;
mod parse;
mod permissions;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::{ConfigError, Problem, init_command};
pub use locate::{KEYS_ENV, Origin, Paths, choose_profiles_file, paths, resolve_path};
pub use parse::{PROFILE_FIELDS, ProfilesFile};
pub use permissions::{exposed_key, loose_mode, loose_permissions};

/// The checked profile `profile` (else `default_profile`, else the file's only profile) from
/// the profiles file chosen by `keys` / `$MPADMIN_KEYS` / the default location.
pub fn load(keys: Option<&Path>, profile: Option<&str>) -> Result<Profile, ConfigError> {
    open(keys)?.profile(profile)
}

/// The checked profile as [`load`] gives it, with a warning (and the fix) for each of the
/// profiles file and the profile's key files that other users may read.
pub fn load_warned(
    keys: Option<&Path>,
    profile: Option<&str>,
) -> Result<(Profile, Vec<String>), ConfigError> {
    let file = open(keys)?;
    let profile = file.profile(profile)?;
    let warnings = permission_warnings(&file, &profile);
    Ok((profile, warnings))
}

/// A warning for each of `file` and `profile`'s key files that group or others may read.
pub fn permission_warnings(file: &ProfilesFile, profile: &Profile) -> Vec<String> {
    loose_permissions(std::iter::once(file.path()).chain(profile.secret_files()))
}

/// The most a profiles file may hold. Read through `take`, so `--keys /dev/zero` or a pipe
/// that never ends stops here instead of filling the memory.
pub const MAX_PROFILES_FILE_BYTES: u64 = 1024 * 1024;

/// The profiles file, parsed but with no profile checked yet (for listing profile names).
pub fn open(keys: Option<&Path>) -> Result<ProfilesFile, ConfigError> {
    let where_ = paths(keys);
    let path = where_.profiles.ok_or(ConfigError::NoConfigDir)?;
    let read = |source| ConfigError::Read {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::open(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ConfigError::NotFound {
                path: path.clone(),
                origin: where_.profiles_origin,
            }
        } else {
            read(source)
        }
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_PROFILES_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read)?;
    if bytes.len() as u64 > MAX_PROFILES_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.clone(),
            cap: MAX_PROFILES_FILE_BYTES,
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| read(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    ProfilesFile::parse(&path, &text)
}

/// Which Maskinporten a profile talks to. Sets issuer, token endpoint and API base unless the
/// profile overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Test,
    Prod,
}

impl Environment {
    pub fn issuer(self) -> &'static str {
        match self {
            Environment::Test => "https://test.maskinporten.no/",
            Environment::Prod => "https://maskinporten.no/",
        }
    }

    pub fn api_base(self) -> &'static str {
        match self {
            Environment::Test => "https://api.test.samarbeid.digdir.no/api/v1",
            Environment::Prod => "https://api.samarbeid.digdir.no/api/v1",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Environment::Test => "TEST",
            Environment::Prod => "PROD",
        }
    }
}

/// How the admin client signs its grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signing {
    /// Business certificate in a PKCS#12 file; the password comes from the env var named
    /// `password_env`, else the OS keychain under the service `password_keyring` (account:
    /// the profile's name), else a no-echo prompt.
    Pkcs12 {
        path: PathBuf,
        password_env: Option<String>,
        password_keyring: Option<String>,
        alias: Option<String>,
    },
    /// Business certificate as PEM key + PEM certificate (chain); `x5c` header.
    PemPair {
        private_key: PathBuf,
        certificate: PathBuf,
    },
    /// Own key registered on the admin client; `kid` header instead of `x5c`.
    OwnKey { private_key: PathBuf, kid: String },
}

/// A checked profile: every URL parsed and allowed, every path expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// `Prod` when `environment = "prod"` or any endpoint is on a production Digdir host,
    /// whatever the label says; `None` when the endpoints were set by hand and none is.
    pub environment: Option<Environment>,
    /// The exact `aud` of the grant, trailing slash included.
    pub issuer: String,
    pub token_endpoint: Url,
    pub api_base: Url,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub signing: Signing,
    pub ca_certificate: Option<PathBuf>,
    pub read_only: bool,
    /// Look up organisation names (`names = false` keeps every number a number).
    pub names: bool,
    /// TCP + TLS handshake limit (`connect_timeout_secs`).
    pub connect_timeout: Duration,
    /// Limit for one attempt of a request, end to end (`request_timeout_secs`).
    pub request_timeout: Duration,
    /// Limit for one call with all its attempts and waits between them (`deadline_secs`).
    pub deadline: Duration,
}

impl Profile {
    pub const DEFAULT_SCOPES: [&'static str; 3] = [
        "idporten:scopes.write",
        "idporten:dcr.read",
        "idporten:dcr.write",
    ];

    /// A server that does not answer the TCP/TLS handshake within this is treated as down.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// No single attempt of a request may take longer than this, end to end.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Without `deadline_secs`, a call gets this many request timeouts in all: room for a
    /// retry after one attempt timed out, not for four.
    pub const DEFAULT_DEADLINE_FACTOR: u32 = 2;

    /// Talks to production: every PROD guard (CLI confirmation, TUI header and typed name)
    /// asks this, decided once when the profile was read.
    pub fn is_prod(&self) -> bool {
        self.environment == Some(Environment::Prod)
    }

    /// Whether the token endpoint or the admin API is HTTPS (anything else is plain HTTP on
    /// this machine, the only place the profiles file allows it).
    pub fn needs_tls(&self) -> bool {
        [&self.token_endpoint, &self.api_base]
            .iter()
            .any(|u| u.scheme() != "http")
    }

    /// `TEST`, `PROD`, or `custom` for a profile that sets its endpoints by hand: the label
    /// the journal, estate files and plans carry.
    pub fn environment_label(&self) -> &'static str {
        self.environment.map_or("custom", |e| e.label())
    }
}
