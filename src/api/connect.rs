//! The one place a profile becomes an [`AdminApi`]: HTTP client (timeouts, extra CA, TLS 1.2
//! or later, no redirects), signer, token source and the deadline of each call.

use std::sync::Arc;

use super::{AdminApi, ApiError};
use url::Url;

use crate::auth::{
    AuthError, CertificateInfo, PasswordSource, SignGrant, SystemPasswords, TokenSource,
    signer_with,
};
use crate::config::Profile;

/// An admin API client for `profile`, with the p12 password from the environment or a
/// terminal prompt. No request is made yet; the first call fetches the token.
pub fn connect(profile: &Profile) -> Result<AdminApi, ApiError> {
    connect_with(profile, &SystemPasswords)
}

/// As [`connect`], with passwords from `passwords` (a TUI dialog, a test).
pub fn connect_with(
    profile: &Profile,
    passwords: &dyn PasswordSource,
) -> Result<AdminApi, ApiError> {
    prepare(profile, passwords)?.build()
}

/// A profile checked and its credentials loaded (everything that can fail on the user's
/// input), short of the HTTP client: building that loads the system's root certificates,
/// some 40-80 ms, which the UI spends painting its first frame instead.
pub struct Prepared {
    http: reqwest::ClientBuilder,
    signer: Box<dyn SignGrant>,
    token_endpoint: Url,
    scopes: Vec<String>,
    api_base: Url,
    deadline: std::time::Duration,
    profile: String,
}

/// Read the profile's CA file and credentials (prompting for a p12 password if need be).
pub fn prepare(profile: &Profile, passwords: &dyn PasswordSource) -> Result<Prepared, ApiError> {
    Ok(Prepared {
        http: http_builder(profile)?,
        signer: signer_with(profile, passwords)?,
        token_endpoint: profile.token_endpoint.clone(),
        scopes: profile.scopes.clone(),
        api_base: profile.api_base.clone(),
        deadline: profile.deadline,
        profile: profile.name.clone(),
    })
}

impl Prepared {
    /// The business certificate the grants will carry, if any.
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.signer.certificate()
    }

    /// Build the HTTP client (slow, see [`Prepared`]) and the API on it.
    pub fn build(self) -> Result<AdminApi, ApiError> {
        let http = build_client(self.http, &self.profile)?;
        let tokens = TokenSource::new(http.clone(), self.token_endpoint, self.scopes, self.signer);
        Ok(AdminApi::new(http, self.api_base, Arc::new(tokens)).with_deadline(self.deadline))
    }
}

/// The HTTP client for a profile's token endpoint and API: system roots plus the profile's
/// `ca_certificate`, TLS 1.2 or later, no redirects, and the profile's timeouts (10 s to
/// connect, 30 s per request unless set).
pub fn http_client(profile: &Profile) -> Result<reqwest::Client, ApiError> {
    build_client(http_builder(profile)?, &profile.name)
}

fn config_error(profile: &str, problem: String, fix: &str) -> ApiError {
    ApiError::Auth(AuthError::Config(format!(
        "profile '{profile}', field 'ca_certificate': {problem}; fix: {fix}"
    )))
}

fn http_builder(profile: &Profile) -> Result<reqwest::ClientBuilder, ApiError> {
    let config_error = |problem, fix| config_error(&profile.name, problem, fix);
    let mut builder = reqwest::Client::builder()
        .connect_timeout(profile.connect_timeout)
        .timeout(profile.request_timeout)
        // Neither Maskinporten nor the admin API redirects: a redirect would carry the signed
        // grant or the token to wherever the answer points. Callers report it instead.
        .redirect(reqwest::redirect::Policy::none())
        // Stated here rather than left to the TLS library's and the system's defaults.
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .user_agent(concat!("mpadmin/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &profile.ca_certificate {
        let pem = std::fs::read(path).map_err(|e| {
            config_error(
                format!("cannot read {}: {e}", path.display()),
                "check the path and that you may read the file",
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                config_error(
                    format!("{} holds no PEM certificate", path.display()),
                    "point ca_certificate at a PEM file (-----BEGIN CERTIFICATE-----)",
                )
            })?;
        builder = builder.tls_certs_merge(certs);
    }
    Ok(builder)
}

fn build_client(
    builder: reqwest::ClientBuilder,
    profile: &str,
) -> Result<reqwest::Client, ApiError> {
    builder.build().map_err(|e| {
        config_error(
            profile,
            format!("the HTTPS client could not be set up: {e}"),
            "check that ca_certificate is a valid CA certificate",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let url = |u: &str| Url::parse(u).unwrap();
        Profile {
            name: "p".into(),
            environment: None,
            issuer: "https://mp.example/".into(),
            token_endpoint: url("https://mp.example/token"),
            api_base: url("https://api.example/api/v1"),
            client_id: "c".into(),
            scopes: vec![],
            signing: crate::config::Signing::OwnKey {
                private_key: "k.pem".into(),
                kid: "k".into(),
            },
            ca_certificate: None,
            read_only: true,
            names: true,
            connect_timeout: Profile::DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Profile::DEFAULT_REQUEST_TIMEOUT,
            deadline: Profile::DEFAULT_REQUEST_TIMEOUT * Profile::DEFAULT_DEADLINE_FACTOR,
        }
    }

    /// reqwest shows neither setting anywhere but in the builder's `Debug`; this fails when
    /// either line is lost.
    #[test]
    fn the_client_wants_tls_1_2_and_follows_no_redirect() {
        let shown = format!("{:?}", http_builder(&profile()).unwrap());
        let tls = format!("tls_version_min: {:?}", reqwest::tls::Version::TLS_1_2);
        assert!(shown.contains(&tls), "{shown}");
        let none = format!("redirect_policy: {:?}", reqwest::redirect::Policy::none());
        assert!(shown.contains(&none), "{shown}");
    }
}
