//! The profiles file (`keys.toml`): where it is, what a profile holds, and checking it.

use std::path::PathBuf;

use url::Url;

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
    /// `password_env`, else a no-echo prompt.
    Pkcs12 {
        path: PathBuf,
        password_env: Option<String>,
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
}

impl Profile {
    pub const DEFAULT_SCOPES: [&'static str; 3] = [
        "idporten:scopes.write",
        "idporten:dcr.read",
        "idporten:dcr.write",
    ];

    pub fn is_prod(&self) -> bool {
        self.environment == Some(Environment::Prod)
    }
}
