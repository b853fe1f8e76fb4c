//! `mpadmin keys ...`: a client's public keys. Digdir only replaces the whole set, so adding
//! and removing read the set, change it and send it all back.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use super::commands::{CliError, warn};
use super::confirm::Change;
use super::output::{Output, Table, epoch_date};
use crate::api::AdminApi;
use crate::api::models::Jwk;
use crate::api::types::{ClientId, Kid};
use crate::keys;

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
                let imported = read_key(&a.file, a.kid.as_ref())?;
                let current = api.jwks(&a.client).await?.keys;
                let key = checked(imported, &a.file, &current)?;
                let kid = key.kid.clone().unwrap_or_default();
                let set = keys::with_key(&current, key, &[]).map_err(key_set_error(&a.client))?;
                let jwks = api.replace_jwks(&a.client, &set).await?;
                out.say(&format!(
                    "added key {kid} to client {} ({} keys now)",
                    a.client,
                    jwks.keys.len()
                ))?;
                out.show(&jwks, |j| table(&j.keys, Utc::now()))?;
            }
            KeysCommand::Remove { client, kid } => {
                let current = api.jwks(&client).await?.keys;
                let rest =
                    keys::without_key(&current, kid.as_str()).map_err(key_set_error(&client))?;
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

/// The one key in `path`, with `kid` if given and `use`/`alg`/kid filled in where missing.
/// Read before any request, so a wrong file costs nothing.
fn read_key(path: &Path, kid: Option<&Kid>) -> Result<keys::ImportedKey, CliError> {
    let usage = |e: keys::KeyError| CliError::Usage(format!("--file: {e}"));
    let mut found = keys::import_file(path).map_err(usage)?;
    if found.len() != 1 {
        return Err(CliError::Usage(format!(
            "--file {}: holds {} keys; give a file with exactly one",
            path.display(),
            found.len()
        )));
    }
    let mut imported = found.remove(0);
    if let Some(kid) = kid {
        imported.jwk.kid = Some(kid.to_string());
    }
    imported.jwk = keys::with_defaults(imported.jwk).map_err(usage)?;
    Ok(imported)
}

/// Lint the key against the client's keys: refusals stop the upload, warnings are printed.
fn checked(imported: keys::ImportedKey, path: &Path, existing: &[Jwk]) -> Result<Jwk, CliError> {
    let findings = keys::lint(&imported, existing, Utc::now());
    let refused: Vec<String> = keys::refusals(&findings).map(ToString::to_string).collect();
    if !refused.is_empty() {
        return Err(CliError::Usage(format!(
            "--file {}: {}",
            path.display(),
            refused.join("; ")
        )));
    }
    for f in &findings {
        warn(&f.to_string());
    }
    Ok(imported.jwk)
}

fn key_set_error(client: &ClientId) -> impl Fn(keys::KeyError) -> CliError {
    let client = client.clone();
    move |e| CliError::Failed(format!("client {client}: {e}"))
}

/// Keys as a table (also used by `clients show`), soonest expiry first.
pub(super) fn table(keys: &[Jwk], now: DateTime<Utc>) -> String {
    let mut sorted: Vec<&Jwk> = keys.iter().collect();
    sorted.sort_by_key(|k| k.exp.unwrap_or(i64::MAX));
    let mut t = Table::new(&["KID", "TYPE", "ALG", "BITS", "USE", "EXPIRES", "DAYS LEFT"]);
    for k in sorted {
        t.row(vec![
            k.kid.clone().unwrap_or_default(),
            k.kty.clone(),
            k.alg.clone().unwrap_or_default(),
            keys::modulus_bits(k)
                .map(|b| b.to_string())
                .unwrap_or_default(),
            k.use_.clone().unwrap_or_default(),
            k.exp.map(epoch_date).unwrap_or_default(),
            keys::days_left(k, now)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

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

    fn write(dir: &tempfile::TempDir, name: &str, jwk: &Jwk) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string(jwk).unwrap()).unwrap();
        path
    }

    #[test]
    fn a_key_file_gets_the_kid_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let mut k = key("in-file");
        k.alg = None;
        let path = write(&dir, "k.json", &k);
        let jwk = read_key(&path, Some(&"given".parse().unwrap()))
            .unwrap()
            .jwk;
        assert_eq!(jwk.kid.as_deref(), Some("given"));
        assert_eq!(jwk.use_.as_deref(), Some("sig"));
        assert_eq!(jwk.alg.as_deref(), Some("RS256"));
        let jwk = read_key(&path, None).unwrap().jwk;
        assert_eq!(jwk.kid.as_deref(), Some("in-file"));
    }

    #[test]
    fn refusals_are_usage_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "k.json", &key("a"));
        let err = checked(read_key(&path, None).unwrap(), &path, &[key("a")]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("--file "), "{err}");
        assert!(err.to_string().contains("'a'"), "{err}");

        let mut private = key("p");
        private.extra.insert("d".into(), "c2VjcmV0".into());
        let path = write(&dir, "p.json", &private);
        let err = read_key(&path, None).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        assert!(!err.to_string().contains("c2VjcmV0"));

        let err = read_key(&dir.path().join("missing"), None).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("--file: "), "{err}");
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
