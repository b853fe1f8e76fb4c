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

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::{ConfigError, init_command};
pub use locate::{KEYS_ENV, Origin, Paths, choose_profiles_file, paths, resolve_path};
pub use parse::{PROFILE_FIELDS, ProfilesFile};
pub use permissions::loose_permissions;

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

/// The profiles file, parsed but with no profile checked yet (for listing profile names).
pub fn open(keys: Option<&Path>) -> Result<ProfilesFile, ConfigError> {
    let where_ = paths(keys);
    let path = where_.profiles.ok_or(ConfigError::NoConfigDir)?;
    let text = std::fs::read_to_string(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ConfigError::NotFound {
                path: path.clone(),
                origin: where_.profiles_origin,
            }
        } else {
            ConfigError::Read {
                path: path.clone(),
                source,
            }
        }
    })?;
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
    /// `None` when issuer, token endpoint and API base were all set by hand.
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
    /// TCP + TLS handshake limit (`connect_timeout_secs`).
    pub connect_timeout: Duration,
    /// Limit for one request, end to end (`request_timeout_secs`).
    pub request_timeout: Duration,
}

impl Profile {
    pub const DEFAULT_SCOPES: [&'static str; 3] = [
        "idporten:scopes.write",
        "idporten:dcr.read",
        "idporten:dcr.write",
    ];

    /// A server that does not answer the TCP/TLS handshake within this is treated as down.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// No single request may take longer than this, end to end.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

    pub fn is_prod(&self) -> bool {
        self.environment == Some(Environment::Prod)
    }
}
