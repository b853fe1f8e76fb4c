//! JWK tooling shared by the TUI and the CLI: turn a public key file into the `Jwk` the admin
//! API takes, lint it against the client's current keys, generate a key pair, compute the
//! RFC 7638 thumbprint and read key expiry. Apart from `lifecycle` (the generate-and-upload
//! and token steps both fronts share), no network: every function here is pure or touches
//! only the files the caller names.
//!
//! Private key material never becomes a `Jwk`: importing refuses it, so nothing built here can
//! carry a private key to the API.

mod doctor;
mod expiry;
mod generate;
mod import;
mod keyset;
mod lifecycle;
mod lint;
mod pem;
mod rsa;

pub use doctor::{Diagnosis, DoctorContext, diagnose};
pub use expiry::{ExpiryRow, by_customer, days_left, expiry_overview};
pub use generate::{
    GeneratedKey, KeySize, KidChoice, LoadedKey, Protection, default_kid, generate,
    load_private_key,
};
pub use import::{CertificateInfo, ImportedKey, KeySource, import, import_file, read_one_key};
pub use keyset::{with_key, without_key};
pub use lifecycle::{
    PROOF_RETRY, Refusal, RoomError, TokenReport, TokenTestError, check_room, planned_kid, prove,
    registered_kid, request_token, test_token,
};
pub use lint::{
    Finding, MAX_KEYS_PER_CLIENT, MIN_RSA_BITS, Problem, Severity, lint, refusals, soonest_expiring,
};
pub use rsa::{modulus_bits, thumbprint, with_defaults};

use std::path::PathBuf;

/// The refusal every caller shows when a file holds private material.
pub const PRIVATE_KEY_REFUSAL: &str =
    "this is a private key: upload the public key; mpadmin never sends private keys";

/// Why a key file or key operation failed. Messages name the file and the fix; they never
/// contain key material or passphrases.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: {PRIVATE_KEY_REFUSAL} ({hint})")]
    PrivateMaterial { file: String, hint: String },

    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{} already exists: mpadmin never overwrites a key file; choose another output file",
        path.display()
    )]
    Exists { path: PathBuf },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{}: the private key is encrypted: give its passphrase (a wrong passphrase gives this error too)",
        path.display()
    )]
    Passphrase { path: PathBuf },

    #[error("{0}")]
    Invalid(String),

    #[error("OpenSSL failed to {what}: {source}")]
    Crypto {
        what: &'static str,
        source: openssl::error::ErrorStack,
    },
}

impl KeyError {
    fn crypto(what: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> KeyError {
        move |source| KeyError::Crypto { what, source }
    }
}
