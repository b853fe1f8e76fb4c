//! Getting an admin access token: credentials -> signed JWT-bearer grant -> token endpoint.

mod credentials;
mod diagnose;
mod grant;
pub mod keychain;
mod secret;
mod token;

pub use credentials::{CertificateInfo, Credentials, PasswordSource, SystemPasswords};
pub use diagnose::{GrantContext, diagnose};
pub use grant::{
    ClientSigner, GRANT_LIFETIME, GrantHeader, GrantSigner, sign_grant, signer_for, signer_with,
};
pub use secret::Secret;
pub use token::{AccessToken, AuthError, SignGrant, TokenSource, decode_claims};
