//! Getting an admin access token: credentials -> signed JWT-bearer grant -> token endpoint.

mod token;

pub use token::{AccessToken, AuthError, SignGrant, TokenSource};
