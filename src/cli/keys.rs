//! `mpadmin keys ...`: a client's public keys. Digdir only replaces the whole set, so adding
//! and removing read the set, change it and send it all back. Reading key files, lint,
//! generation and expiry come from `crate::keys`; rotation and the token doctor live in the
//! submodules.

mod doctor;
mod passphrase;
mod rotate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use super::commands::{CliError, warn};
use super::confirm::Change;
use super::output::{Output, Table, epoch_date};
use crate::api::AdminApi;
use crate::api::models::{Client, Jwk, Jwks};
use crate::api::types::{ClientId, Kid, OrgNumber};
use crate::changes::{self, Before, Engine};
use crate::config::Profile;
use crate::keys::{self, KeyError, KeySize, KidChoice, RoomError};

pub use doctor::TokenTestArgs;
pub(super) use doctor::token_test;

/// How many clients' key sets `keys expiring` fetches at a time.
const CONCURRENT_FETCHES: usize = 8;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List a client's keys with their expiry.
    List {
        /// Client id.
        #[arg(value_name = "CLIENT")]
        client: ClientId,
    },
    /// Upload a public key (PEM public key, certificate, JWK), keeping the existing keys.
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
    /// Make a new RSA key pair: the private key goes to --out, the public key to the client.
    Generate(GenerateArgs),
    /// Check a public key file (PEM, certificate, JWK, JWKS) before uploading it.
    Lint(LintArgs),
    /// All keys of all clients, soonest expiry first; exit 1 when any expires within --days.
    Expiring(ExpiringArgs),
    /// Replace a key: generate, upload beside the old one, prove it with a real token, and
    /// only then remove the old key.
    Rotate(rotate::RotateArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Client id.
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    /// The public key file: PEM public key, certificate (PEM or DER) or JWK.
    #[arg(long, value_name = "PATH")]
    file: PathBuf,
    /// Key id to register the key under (default: the file's, else its RFC 7638 thumbprint).
    #[arg(long, value_name = "KID")]
    kid: Option<Kid>,
}

/// What a new key looks like and where its private half goes (`generate` and `rotate`).
#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// File for the new private key: created with mode 0600, never overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// RSA key size: 2048, 3072 or 4096.
    #[arg(long, value_name = "BITS", default_value = "3072")]
    bits: KeySize,
    /// Key id (default: <client name>-<yyyy-mm-dd>).
    #[arg(long, value_name = "KID", conflicts_with = "thumbprint_kid")]
    kid: Option<Kid>,
    /// Use the key's RFC 7638 thumbprint as its key id.
    #[arg(long)]
    thumbprint_kid: bool,
    /// Write the private key unencrypted (by default a passphrase protects it).
    #[arg(long, conflicts_with = "passphrase_env")]
    unencrypted: bool,
    /// Name of an environment variable holding the passphrase (else you are asked).
    #[arg(long, value_name = "NAME")]
    passphrase_env: Option<String>,
    /// When the client already has five keys: the key to remove to make room.
    #[arg(long, value_name = "KID")]
    drop: Option<Kid>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Client id.
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    #[command(flatten)]
    key: NewKeyArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The key file to check.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Also check against this client's current keys (kid taken, five-key limit).
    #[arg(long, value_name = "CLIENT")]
    client: Option<ClientId>,
}

#[derive(Debug, Args)]
pub struct ExpiringArgs {
    /// Exit 1 when any key expires within this many days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    days: i64,
}

impl KeysCommand {
    pub(super) fn change(&self) -> Option<Change> {
        match self {
            KeysCommand::List { .. } | KeysCommand::Lint(_) | KeysCommand::Expiring(_) => None,
            KeysCommand::Add(a) => Some(Change::new(format!("add a key to client {}", a.client))),
            KeysCommand::Remove { client, kid } => Some(Change::destructive(format!(
                "remove key {kid} from client {client}"
            ))),
            KeysCommand::Generate(g) => Some(match &g.key.drop {
                Some(drop) => Change::destructive(format!(
                    "generate a key for client {} and remove key {drop} to make room",
                    g.client
                )),
                None => Change::new(format!("generate and upload a key for client {}", g.client)),
            }),
            KeysCommand::Rotate(r) => Some(r.change()),
        }
    }

    /// Commands that need no profile and no network.
    pub(super) fn offline(&self) -> bool {
        matches!(self, KeysCommand::Lint(LintArgs { client: None, .. }))
    }

    pub(super) fn run_offline(self, out: &mut Output) -> Result<(), CliError> {
        match self {
            KeysCommand::Lint(l) => lint_file(&l.file, &[], out),
            _ => Err(CliError::Usage("this command needs a profile".into())),
        }
    }

    pub(super) async fn run(
        self,
        engine: &Engine,
        profile: &Profile,
        names: &crate::names::Settings,
        out: &mut Output,
    ) -> Result<(), CliError> {
        let api = engine.api();
        match self {
            KeysCommand::List { client } => {
                let jwks = api.jwks(&client).await?;
                out.show(&jwks, |j| table(&j.keys, Utc::now()))?;
            }
            KeysCommand::Add(a) => {
                let imported = read_key(&a.file, a.kid.as_ref())?;
                let current = api.jwks(&a.client).await?.keys;
                let key = checked(imported, &a.file, &a.client, &current)?;
                let change = changes::Change::AddKey {
                    client: a.client.clone(),
                    jwk: Box::new(key),
                    replaces: Vec::new(),
                };
                let applied = engine.apply_from(&change, Before::Keys(current)).await?;
                let jwks: Jwks = applied.after_as().unwrap_or_default();
                out.say(&applied.summary)?;
                out.show(&jwks, |j| table(&j.keys, Utc::now()))?;
            }
            KeysCommand::Remove { client, kid } => {
                let change = changes::Change::RemoveKey { client, kid };
                let applied = engine.apply(&change).await?;
                out.say(&applied.summary)?;
                if out.json_mode() {
                    out.json(&applied.after)?;
                }
            }
            KeysCommand::Generate(g) => {
                let client = api.client(&g.client).await?;
                let existing = api.jwks(&g.client).await?.keys;
                let made = new_key(engine, &client, &existing, &g.key, None).await?;
                out.say(&format!(
                    "generated key {} ({} bits) for client {}; private key in {}",
                    made.jwk.kid.as_deref().unwrap_or_default(),
                    g.key.bits.bits(),
                    g.client,
                    g.key.out.display()
                ))?;
                out.show(&made.uploaded, |keys| table(keys, Utc::now()))?;
            }
            KeysCommand::Lint(l) => {
                let existing = match &l.client {
                    Some(c) => api.jwks(c).await?.keys,
                    None => Vec::new(),
                };
                lint_file(&l.file, &existing, out)?;
            }
            KeysCommand::Expiring(e) => expiring(engine, names, e.days, out).await?,
            KeysCommand::Rotate(r) => rotate::run(engine, profile, r, out).await?,
        }
        Ok(())
    }
}

fn usage(e: KeyError) -> CliError {
    CliError::Usage(e.to_string())
}

/// The one key in `path`, ready to upload. Read before any request, so a wrong file costs
/// nothing.
fn read_key(path: &Path, kid: Option<&Kid>) -> Result<keys::ImportedKey, CliError> {
    keys::read_one_key(path, kid).map_err(|e| CliError::Usage(format!("--file: {e}")))
}

/// Lint the key against the client's keys: refusals stop the upload, warnings are printed.
fn checked(
    imported: keys::ImportedKey,
    path: &Path,
    client: &ClientId,
    existing: &[Jwk],
) -> Result<Jwk, CliError> {
    let findings = keys::lint(&imported, existing, Utc::now());
    let refused: Vec<String> = keys::refusals(&findings)
        .map(|f| match &f.problem {
            // The exact command, so the next step is a copy-paste.
            keys::Problem::TooManyKeys { drop, .. } if !drop.is_empty() => {
                format!("{f} (`mpadmin keys remove {client} {}`)", drop[0])
            }
            _ => f.to_string(),
        })
        .collect();
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

/// The id of a client the server listed, checked like any other id before it is used.
fn client_id_of(client: &Client) -> Result<ClientId, CliError> {
    client.client_id.parse().map_err(|e| {
        CliError::Failed(format!(
            "the server listed a client whose id cannot be used: {e}"
        ))
    })
}

/// A new key made and uploaded: its public JWK and the client's key set afterwards.
pub(super) struct Made {
    pub jwk: Jwk,
    pub uploaded: Vec<Jwk>,
    /// The passphrase that protects the private key file, to load it again for the proof.
    pub passphrase: Option<Arc<crate::auth::Secret>>,
}

/// Generates a key per `args` and uploads it beside `existing`. Everything that can be
/// checked is checked before the private key file is written; if the upload fails, the file
/// (which nothing uses) is removed again.
pub(super) async fn new_key(
    engine: &Engine,
    client: &Client,
    existing: &[Jwk],
    args: &NewKeyArgs,
    keep: Option<&str>,
) -> Result<Made, CliError> {
    let id = client_id_of(client)?;
    let kid = if args.thumbprint_kid {
        KidChoice::Thumbprint
    } else if let Some(kid) = &args.kid {
        KidChoice::Explicit(kid.clone())
    } else {
        let name = if client.client_name.trim().is_empty() {
            &client.client_id
        } else {
            &client.client_name
        };
        KidChoice::ClientDate {
            client_name: name.clone(),
            date: Utc::now().date_naive(),
        }
    };
    let planned_kid = keys::planned_kid(&kid).map_err(usage)?;
    let drop: Vec<String> = args.drop.iter().map(|k| k.to_string()).collect();
    keys::check_room(existing, planned_kid.as_deref(), &drop, keep).map_err(|e| match e {
        RoomError::KidTaken(k) => CliError::Usage(format!(
            "client {id} already has a key '{k}': give another --kid, or --thumbprint-kid"
        )),
        RoomError::Full { count, soonest } => CliError::Usage(format!(
            "client {id} has {count} keys, the most Digdir keeps: make room with --drop KID{}",
            soonest
                .map(|k| format!(" (e.g. --drop {k}, which expires soonest)"))
                .unwrap_or_default()
        )),
        RoomError::DropsRotated(_) => CliError::Usage(format!("--drop {e}")),
        RoomError::Key(m) => CliError::Usage(m),
    })?;

    let passphrase = passphrase::for_new_key(args)?.map(Arc::new);
    let spec = changes::NewKey {
        size: args.bits,
        kid,
        out: args.out.clone(),
        passphrase: passphrase.clone(),
        drop,
    };
    let (jwk, jwks) = changes::generate_and_upload(engine, &id, existing, &spec)
        .await
        .map_err(|e| match e {
            changes::NewKeyError::Key(k) => usage(k),
            not_uploaded => CliError::Failed(not_uploaded.to_string()),
        })?;
    Ok(Made {
        jwk,
        uploaded: jwks.keys,
        passphrase,
    })
}

#[derive(Debug, Serialize)]
struct LintReport {
    file: String,
    kid: Option<String>,
    thumbprint: Option<String>,
    bits: Option<usize>,
    findings: Vec<LintLine>,
}

#[derive(Debug, Serialize)]
struct LintLine {
    severity: String,
    message: String,
}

fn lint_file(file: &std::path::Path, existing: &[Jwk], out: &mut Output) -> Result<(), CliError> {
    let found = keys::import_file(file).map_err(usage)?;
    let now = Utc::now();
    let mut refused = 0;
    let mut reports = Vec::new();
    for key in &found {
        let findings = keys::lint(key, existing, now);
        refused += keys::refusals(&findings).count();
        reports.push(LintReport {
            file: file.display().to_string(),
            kid: key.jwk.kid.clone(),
            thumbprint: keys::thumbprint(&key.jwk).ok(),
            bits: keys::modulus_bits(&key.jwk).ok(),
            findings: findings
                .iter()
                .map(|f| LintLine {
                    severity: f.severity.to_string(),
                    message: f.problem.to_string(),
                })
                .collect(),
        });
    }
    out.show(&reports, |reports| {
        let mut text = String::new();
        for r in reports {
            text.push_str(&format!(
                "key {} ({} bits, thumbprint {})\n",
                r.kid.as_deref().unwrap_or("without kid"),
                r.bits.map_or("?".to_owned(), |b| b.to_string()),
                r.thumbprint.as_deref().unwrap_or("?")
            ));
            if r.findings.is_empty() {
                text.push_str("  ok: ready to upload\n");
            }
            for f in &r.findings {
                text.push_str(&format!("  {}: {}\n", f.severity, f.message));
            }
        }
        text
    })?;
    if refused > 0 {
        return Err(CliError::Failed(format!(
            "{}: {refused} problem(s) refuse the upload",
            file.display()
        )));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct ExpiringRow {
    client_id: String,
    client_name: String,
    kid: String,
    expires: Option<String>,
    days_left: Option<i64>,
    within: bool,
}

/// A supplier's customer and its keys, soonest first (`keys expiring --json` in supplier mode).
#[derive(Debug, Serialize)]
struct CustomerKeys {
    customer_orgno: Option<String>,
    customer_name: Option<String>,
    keys: Vec<ExpiringRow>,
}

async fn expiring(
    engine: &Engine,
    names: &crate::names::Settings,
    days: i64,
    out: &mut Output,
) -> Result<(), CliError> {
    let api = engine.api();
    let clients = api.clients().await?;
    let key_sets: Vec<(Client, Vec<Jwk>)> = futures::stream::iter(clients)
        .map(|mut client| async move {
            // One request in all when the listing carries the keys; else one per client.
            let keys = match client.take_embedded_keys() {
                Some(keys) => keys,
                None => api.jwks(&client_id_of(&client)?).await?.keys,
            };
            Ok::<_, CliError>((client, keys))
        })
        .buffered(CONCURRENT_FETCHES)
        .try_collect()
        .await?;
    let now = Utc::now();
    let overview = keys::expiry_overview(key_sets.iter().map(|(c, k)| (c, k.as_slice())), now);
    let row = |r: keys::ExpiryRow| ExpiringRow {
        within: r.expires_within(days),
        days_left: r.days_left(),
        expires: r.exp.map(epoch_date),
        client_id: r.client_id,
        client_name: r.client_name,
        kid: r.kid,
    };
    let soon = overview.iter().filter(|r| r.expires_within(days)).count();
    let within = |r: &ExpiringRow| {
        if r.within {
            format!("<= {days} days")
        } else {
            String::new()
        }
    };
    if engine.supplier().await?.is_some() {
        let groups = customer_groups(api, names, keys::by_customer(overview), row).await;
        out.show(&groups, |groups| {
            let mut t = Table::new(&["CUSTOMER", "DAYS LEFT", "EXPIRES", "CLIENT", "KID", ""]);
            for g in groups {
                let who = match (&g.customer_orgno, &g.customer_name) {
                    (Some(o), Some(n)) => format!("{o} {n}"),
                    (Some(o), None) => o.clone(),
                    _ => String::new(),
                };
                for (i, r) in g.keys.iter().enumerate() {
                    t.row(vec![
                        if i == 0 { who.clone() } else { String::new() },
                        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
                        r.expires.clone().unwrap_or_default(),
                        r.client_name.clone(),
                        r.kid.clone(),
                        within(r),
                    ]);
                }
            }
            t.render()
        })?;
    } else {
        let rows: Vec<ExpiringRow> = overview.into_iter().map(row).collect();
        out.show(&rows, |rows| {
            let mut t = Table::new(&["DAYS LEFT", "EXPIRES", "CLIENT", "CLIENT ID", "KID", ""]);
            for r in rows {
                t.row(vec![
                    r.days_left.map(|d| d.to_string()).unwrap_or_default(),
                    r.expires.clone().unwrap_or_default(),
                    r.client_name.clone(),
                    r.client_id.clone(),
                    r.kid.clone(),
                    within(r),
                ]);
            }
            t.render()
        })?;
    }
    if soon > 0 {
        return Err(CliError::Failed(format!(
            "{soon} key(s) expire within {days} days: rotate them with `mpadmin keys rotate CLIENT --out FILE`"
        )));
    }
    out.say(&format!("no key expires within {days} days"))?;
    Ok(())
}

/// Rows already grouped by customer (`keys::by_customer`), as one entry per customer with its
/// name when known.
async fn customer_groups(
    api: &AdminApi,
    names: &crate::names::Settings,
    rows: Vec<keys::ExpiryRow>,
    row: impl Fn(keys::ExpiryRow) -> ExpiringRow,
) -> Vec<CustomerKeys> {
    let orgnos = rows
        .iter()
        .filter_map(|r| r.client_orgno.as_deref()?.parse::<OrgNumber>().ok());
    let found = crate::names::resolve(api, names, orgnos).await;
    let mut groups: Vec<CustomerKeys> = Vec::new();
    for r in rows {
        if groups
            .last()
            .is_none_or(|g| g.customer_orgno != r.client_orgno)
        {
            groups.push(CustomerKeys {
                customer_name: r
                    .client_orgno
                    .as_deref()
                    .and_then(|o| crate::names::known(&found, o))
                    .map(str::to_owned),
                customer_orgno: r.client_orgno.clone(),
                keys: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.keys.push(row(r));
        }
    }
    groups
}

/// Keys as a table (also used by `clients show`), soonest expiry first.
pub(super) fn table(keys: &[Jwk], now: DateTime<Utc>) -> String {
    let mut sorted: Vec<&Jwk> = keys.iter().collect();
    sorted.sort_by_key(|k| k.exp.unwrap_or(i64::MAX));
    // Servers that send per-key timestamps get their columns; older answers have none.
    let stamped = keys
        .iter()
        .any(|k| k.created().is_some() || k.last_updated().is_some());
    let mut head = vec!["KID", "TYPE", "ALG", "BITS", "USE", "EXPIRES", "DAYS LEFT"];
    if stamped {
        head.extend(["CREATED", "UPDATED"]);
    }
    let mut t = Table::new(&head);
    for k in sorted {
        let mut row = vec![
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
        ];
        if stamped {
            row.push(k.created().unwrap_or_default().to_owned());
            row.push(k.last_updated().unwrap_or_default().to_owned());
        }
        t.row(row);
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
        let err = checked(
            read_key(&path, None).unwrap(),
            &path,
            &"c1".parse().unwrap(),
            &[key("a")],
        )
        .unwrap_err();
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
    fn key_table_shows_per_key_timestamps_when_the_server_sends_them() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let plain = table(&[key("a")], now);
        assert!(!plain.contains("CREATED"), "{plain}");
        let mut stamped = key("b");
        stamped
            .extra
            .insert("created".into(), "2025-01-02T03:04:05.000+01:00".into());
        stamped.extra.insert(
            "last_updated".into(),
            "2025-02-03T04:05:06.000+01:00".into(),
        );
        let t = table(&[key("a"), stamped], now);
        assert!(t.contains("CREATED") && t.contains("UPDATED"), "{t}");
        assert!(t.contains("2025-01-02T03:04:05.000+01:00"), "{t}");
        assert!(t.contains("2025-02-03T04:05:06.000+01:00"), "{t}");
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

    fn keys_command(args: &[&str]) -> KeysCommand {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(
            ["mpadmin", "keys"].into_iter().chain(args.iter().copied()),
        )
        .unwrap();
        match cli.command {
            Some(crate::cli::Command::Admin(crate::cli::AdminCommand::Keys(k))) => k,
            other => panic!("not a keys command: {other:?}"),
        }
    }

    #[test]
    fn only_lint_without_client_runs_offline() {
        assert!(keys_command(&["lint", "k.pem"]).offline());
        assert!(!keys_command(&["lint", "k.pem", "--client", "c1"]).offline());
        assert!(!keys_command(&["expiring"]).offline());
    }

    #[test]
    fn removing_a_key_in_generate_or_rotate_is_a_destructive_change() {
        let change = |args: &[&str]| keys_command(args).change().unwrap();
        let plain = change(&["generate", "c1", "--out", "k.pem"]);
        assert!(!plain.destructive, "{plain:?}");
        let dropping = change(&["generate", "c1", "--out", "k.pem", "--drop", "old"]);
        assert!(dropping.destructive && dropping.what.contains("remove key old"));
        assert!(!change(&["rotate", "c1", "--out", "k.pem"]).destructive);
        assert!(change(&["rotate", "c1", "--out", "k.pem", "--delete-old"]).destructive);
        assert!(
            keys_command(&["expiring", "--days", "7"])
                .change()
                .is_none()
        );
    }

    #[test]
    fn bits_and_unencrypted_are_checked_by_the_parser() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            crate::cli::Cli::try_parse_from(
                ["mpadmin", "keys", "generate", "c1", "--out", "k.pem"]
                    .into_iter()
                    .chain(args.iter().copied()),
            )
        };
        assert!(parse(&["--bits", "1024"]).is_err());
        assert!(parse(&["--bits", "4096"]).is_ok());
        assert!(parse(&["--unencrypted", "--passphrase-env", "X"]).is_err());
        assert!(parse(&["--kid", "a", "--thumbprint-kid"]).is_err());
    }
}
