//! `mpadmin keys ...`: a client's public keys. Digdir only replaces the whole set, so adding
//! and removing read the set, change it and send it all back.

use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use super::commands::CliError;
use super::confirm::Change;
use super::output::{Output, Table, expiry};
use crate::api::AdminApi;
use crate::api::models::Jwk;
use crate::api::types::{ClientId, Kid};

/// Digdir's limit on keys per client.
const MAX_KEYS: usize = 5;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List a client's keys with their expiry.
    List {
        /// Client id.
        #[arg(value_name = "CLIENT")]
        client: ClientId,
    },
    /// Upload a public key (PEM public key, PEM certificate or JWK), keeping the existing keys.
    Add(AddArgs),
    /// Remove one key; the client's other keys are kept.
    Remove {
        /// Client id.
        #[arg(value_name = "CLIENT")]
        client: ClientId,
        /// Key id of the key to remove.
        #[arg(value_name = "KID")]
        kid: Kid,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Client id.
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    /// The public key file.
    #[arg(long, value_name = "PATH")]
    file: PathBuf,
    /// Key id to register the key under (default: the one in the file).
    #[arg(long, value_name = "KID")]
    kid: Option<Kid>,
}

impl KeysCommand {
    pub(super) fn change(&self) -> Option<Change> {
        match self {
            KeysCommand::List { .. } => None,
            KeysCommand::Add(a) => Some(Change::new(format!("add a key to client {}", a.client))),
            KeysCommand::Remove { client, kid } => Some(Change::destructive(format!(
                "remove key {kid} from client {client}"
            ))),
        }
    }

    pub(super) async fn run(self, api: &AdminApi, out: &mut Output) -> Result<(), CliError> {
        match self {
            KeysCommand::List { client } => {
                let jwks = api.jwks(&client).await?;
                out.show(&jwks, |j| table(&j.keys, Utc::now()))?;
            }
            KeysCommand::Add(a) => {
                let key = read_public_key(&a.file, a.kid.as_ref())?;
                let current = api.jwks(&a.client).await?.keys;
                let keys = with_added(current, key, &a.client)?;
                let jwks = api.replace_jwks(&a.client, &keys).await?;
                out.say(&format!(
                    "added key {} to client {} ({} keys now)",
                    keys.last()
                        .and_then(|k| k.kid.as_deref())
                        .unwrap_or_default(),
                    a.client,
                    jwks.keys.len()
                ))?;
                out.show(&jwks, |j| table(&j.keys, Utc::now()))?;
            }
            KeysCommand::Remove { client, kid } => {
                let current = api.jwks(&client).await?.keys;
                let rest = without(current, &kid, &client)?;
                // An empty `keys` array is refused by Digdir: removing the last key is a DELETE.
                if rest.is_empty() {
                    api.delete_jwks(&client).await?;
                } else {
                    api.replace_jwks(&client, &rest).await?;
                }
                out.say(&format!(
                    "removed key {kid} from client {client} ({} keys left)",
                    rest.len()
                ))?;
                if out.json_mode() {
                    out.json(&serde_json::json!({ "keys": rest }))?;
                }
            }
        }
        Ok(())
    }
}

/// Read a public key file into a JWK, refusing private material.
// TODO(h-keys): PEM public keys and certificates come with the key parser in `crate::keys`.
fn read_public_key(path: &Path, kid: Option<&Kid>) -> Result<Jwk, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("--file {}: {e}", path.display())))?;
    let mut jwk: Jwk = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("--file {}: not a JWK ({e})", path.display())))?;
    let private = jwk.private_members();
    if !private.is_empty() {
        return Err(CliError::Usage(format!(
            "--file {}: this is a private key (it has {}); upload only the public key",
            path.display(),
            private.join(", ")
        )));
    }
    if let Some(kid) = kid {
        jwk.kid = Some(kid.to_string());
    }
    Ok(jwk)
}

/// The set to upload: the existing keys (with `use: sig`, which Digdir now requires) plus
/// the new one, checked against what Digdir would refuse.
fn with_added(mut keys: Vec<Jwk>, new: Jwk, client: &ClientId) -> Result<Vec<Jwk>, CliError> {
    let Some(kid) = new.kid.clone() else {
        return Err(CliError::Usage(
            "the key has no kid: give one with --kid".into(),
        ));
    };
    kid.parse::<Kid>()
        .map_err(|e| CliError::Usage(format!("kid in the key file: {e}")))?;
    if keys.iter().any(|k| k.kid.as_deref() == Some(kid.as_str())) {
        return Err(CliError::Usage(format!(
            "client {client} already has a key with kid {kid}: choose another with --kid"
        )));
    }
    if keys.len() >= MAX_KEYS {
        return Err(CliError::Usage(format!(
            "client {client} already has {} keys, the most Digdir allows: remove one first with `mpadmin keys remove {client} KID`",
            keys.len()
        )));
    }
    for k in &mut keys {
        k.use_.get_or_insert_with(|| "sig".to_owned());
    }
    keys.push(new);
    Ok(keys)
}

/// The set without `kid`, or an error naming the kids the client has.
fn without(keys: Vec<Jwk>, kid: &Kid, client: &ClientId) -> Result<Vec<Jwk>, CliError> {
    if !keys.iter().any(|k| k.kid.as_deref() == Some(kid.as_str())) {
        let kids: Vec<&str> = keys.iter().filter_map(|k| k.kid.as_deref()).collect();
        let has = if kids.is_empty() {
            "it has no keys".to_owned()
        } else {
            format!("its keys are {}", kids.join(", "))
        };
        return Err(CliError::Failed(format!(
            "client {client} has no key {kid}; {has}"
        )));
    }
    Ok(keys
        .into_iter()
        .filter(|k| k.kid.as_deref() != Some(kid.as_str()))
        .map(|mut k| {
            k.use_.get_or_insert_with(|| "sig".to_owned());
            k
        })
        .collect())
}

/// RSA modulus size in bits, from the JWK's base64url `n`.
fn rsa_bits(key: &Jwk) -> Option<usize> {
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key.n.as_deref()?.trim_end_matches('='))
        .ok()?;
    let first = n.iter().position(|b| *b != 0)?;
    Some((n.len() - first) * 8 - n[first].leading_zeros() as usize)
}

/// Keys as a table (also used by `clients show`), soonest expiry first.
pub(super) fn table(keys: &[Jwk], now: DateTime<Utc>) -> String {
    let mut sorted: Vec<&Jwk> = keys.iter().collect();
    sorted.sort_by_key(|k| k.exp.unwrap_or(i64::MAX));
    let mut t = Table::new(&["KID", "TYPE", "ALG", "BITS", "USE", "EXPIRES", "DAYS LEFT"]);
    for k in sorted {
        let (date, days) = match k.exp {
            Some(exp) => {
                let (date, days) = expiry(exp, now);
                (date, days.to_string())
            }
            None => (String::new(), String::new()),
        };
        t.row(vec![
            k.kid.clone().unwrap_or_default(),
            k.kty.clone(),
            k.alg.clone().unwrap_or_default(),
            rsa_bits(k).map(|b| b.to_string()).unwrap_or_default(),
            k.use_.clone().unwrap_or_default(),
            date,
            days,
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            alg: Some("RS256".into()),
            // 2048-bit modulus: 256 bytes, top bit set.
            n: Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xc1; 256])),
            e: Some("AQAB".into()),
            ..Jwk::default()
        }
    }

    fn client() -> ClientId {
        "c1".parse().unwrap()
    }

    #[test]
    fn adding_keeps_old_keys_and_marks_them_sig() {
        let keys = with_added(vec![key("a")], key("b"), &client()).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, ["a", "b"]);
        assert_eq!(keys[0].use_.as_deref(), Some("sig"));
    }

    #[test]
    fn adding_refuses_duplicates_a_sixth_key_and_missing_kid() {
        let err = with_added(vec![key("a")], key("a"), &client()).unwrap_err();
        assert!(
            err.to_string().contains("already has a key with kid a"),
            "{err}"
        );
        let five: Vec<Jwk> = (0..5).map(|i| key(&format!("k{i}"))).collect();
        let err = with_added(five, key("b"), &client()).unwrap_err();
        assert!(err.to_string().contains("already has 5 keys"), "{err}");
        let mut no_kid = key("x");
        no_kid.kid = None;
        let err = with_added(Vec::new(), no_kid, &client()).unwrap_err();
        assert!(err.to_string().contains("--kid"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn removing_keeps_the_others_and_names_kids_when_missing() {
        let rest = without(vec![key("a"), key("b")], &"a".parse().unwrap(), &client()).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].kid.as_deref(), Some("b"));
        let err = without(vec![key("a"), key("b")], &"z".parse().unwrap(), &client()).unwrap_err();
        assert_eq!(err.to_string(), "client c1 has no key z; its keys are a, b");
    }

    #[test]
    fn private_jwk_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(
            &path,
            r#"{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB","d":"secret"}"#,
        )
        .unwrap();
        let err = read_public_key(&path, None).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        assert!(!err.to_string().contains("secret"));
        let err = read_public_key(&dir.path().join("missing"), None).unwrap_err();
        assert!(err.to_string().starts_with("--file "), "{err}");
    }

    #[test]
    fn key_table_sorts_by_expiry_and_counts_bits() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let mut late = key("late");
        late.exp = Some(1_700_000_000 + 300 * 86_400);
        let mut soon = key("soon");
        soon.exp = Some(1_700_000_000 + 20 * 86_400);
        soon.use_ = Some("sig".into());
        assert_eq!(
            table(&[late, soon], now),
            "KID   TYPE  ALG    BITS  USE  EXPIRES     DAYS LEFT\n\
             soon  RSA   RS256  2048  sig  2023-12-04  20\n\
             late  RSA   RS256  2048       2024-09-09  300\n"
        );
    }
}
