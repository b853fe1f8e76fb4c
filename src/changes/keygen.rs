//! Making a new key pair for a client and uploading its public half: the one path
//! `mpadmin keys generate|rotate` and the keys pane share.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Before, Change, ChangeError, Engine};
use crate::auth::Secret;
use crate::keys::{self, KeyError, KeySize, KidChoice, Protection};
use crate::wire::models::{Jwk, Jwks};
use crate::wire::types::ClientId;

/// A key to make.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub size: KeySize,
    pub kid: KidChoice,
    /// The private key file: created with mode 0600, never over an existing file.
    pub out: PathBuf,
    /// `None` writes the private key unencrypted, which the caller must have been asked for.
    pub passphrase: Option<Arc<Secret>>,
    /// Kids removed in the same upload, to make room.
    pub drop: Vec<String>,
}

/// Why generating and uploading a key failed.
#[derive(Debug, thiserror::Error)]
pub enum NewKeyError {
    /// Nothing was written or sent.
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "the new key was not uploaded, so {} was removed again; nothing changed: {source}",
        file.display()
    )]
    NotUploaded { file: PathBuf, source: ChangeError },
}

/// Generates the key pair off the async threads (RSA generation takes a while), writes the
/// private half to `new.out`, and uploads the public key beside `existing` minus `new.drop`
/// as one `AddKey` change through the engine. A failed upload removes the private key file
/// again: a key nobody can use is only a liability. Returns the new public key and the
/// client's key set afterwards.
pub async fn generate_and_upload(
    engine: &Engine,
    id: &ClientId,
    existing: &[Jwk],
    new: &NewKey,
) -> Result<(Jwk, Jwks), NewKeyError> {
    let (size, kid, out, passphrase) = (
        new.size,
        new.kid.clone(),
        new.out.clone(),
        new.passphrase.clone(),
    );
    let made = tokio::task::spawn_blocking(move || {
        let protection = match &passphrase {
            Some(p) => Protection::Passphrase(p.expose().as_bytes()),
            None => Protection::Unencrypted,
        };
        keys::generate(size, kid, &out, protection)
    })
    .await
    .map_err(|e| KeyError::Invalid(format!("key generation stopped: {e}")))??;
    let change = Change::AddKey {
        client: id.clone(),
        jwk: Box::new(made.jwk.clone()),
        replaces: new.drop.clone(),
    };
    let result = engine
        .apply_from(&change, Before::Keys(existing.to_vec()))
        .await;
    match result {
        Ok(applied) => Ok((made.jwk, applied.after_as().unwrap_or_default())),
        Err(source) => {
            let _ = std::fs::remove_file(&made.private_key_file);
            Err(NewKeyError::NotUploaded {
                file: made.private_key_file,
                source,
            })
        }
    }
}
