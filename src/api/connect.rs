//! The one place a profile becomes an [`AdminApi`]: HTTP client (timeouts, extra CA), signer
//! and token source.

use std::sync::Arc;

use super::{AdminApi, ApiError};
use crate::auth::{AuthError, PasswordSource, SystemPasswords, TokenSource, signer_with};
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
    let http = http_client(profile)?;
    let signer = signer_with(profile, passwords)?;
    let tokens = TokenSource::new(
        http.clone(),
        profile.token_endpoint.clone(),
        profile.scopes.clone(),
        signer,
    );
    Ok(AdminApi::new(
        http,
        profile.api_base.clone(),
        Arc::new(tokens),
    ))
}

/// The HTTP client for a profile's token endpoint and API: system roots plus the profile's
/// `ca_certificate`, and the profile's timeouts (10 s to connect, 30 s per request unless set).
pub fn http_client(profile: &Profile) -> Result<reqwest::Client, ApiError> {
    let config_error = |problem: String, fix: &str| {
        ApiError::Auth(AuthError::Config(format!(
            "profile '{}', field 'ca_certificate': {problem}; fix: {fix}",
            profile.name
        )))
    };
    let mut builder = reqwest::Client::builder()
        .connect_timeout(profile.connect_timeout)
        .timeout(profile.request_timeout)
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
    builder.build().map_err(|e| {
        config_error(
            format!("the HTTPS client could not be set up: {e}"),
            "check that ca_certificate is a valid CA certificate",
        )
    })
}
