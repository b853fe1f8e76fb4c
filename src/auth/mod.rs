//! Getting an admin access token: credentials -> signed JWT-bearer grant -> token endpoint.

mod credentials;
mod diagnose;
mod grant;
pub mod keychain;
mod secret;
mod token;

pub use credentials::{CertificateInfo, Credentials, PasswordSource, SystemPasswords};
pub use diagnose::{GrantContext, diagnose, refused_scopes};
pub use grant::{
    ClientSigner, GRANT_LIFETIME, GrantHeader, GrantSigner, sign_grant, signer_for, signer_with,
};
pub use secret::Secret;
pub use token::{
    ALLOWED_CLOCK_SKEW, AccessToken, AuthError, SignGrant, TokenSource, clock_skew, decode_claims,
    skew_words,
};
