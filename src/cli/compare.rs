//! `mpadmin compare --with PROFILE`: what differs between two profiles of one organisation
//! (test and prod, say) in the scope definitions and client settings an admin promotes from
//! one to the other. Grants are environment-specific: they are listed apart, for information.

use std::collections::{BTreeMap, BTreeSet};

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use super::GlobalArgs;
use super::commands::{CliError, load_profile, warn};
use super::output::Output;
use crate::api::AdminApi;
use crate::api::models::{AccessState, Client, Scope};
use crate::api::types::ScopeName;
use crate::text::clean;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The profile to compare the chosen one (--profile) with, e.g. prod.
    #[arg(long, value_name = "PROFILE")]
    with: String,
}

/// Members the server owns or that name an object rather than describe it: never a
/// difference worth promoting.
const SCOPE_OWNED: &[&str] = &[
    "name",
    "prefix",
    "subscope",
    "owner_orgno",
    "created",
    "last_updated",
];
const CLIENT_OWNED: &[&str] = &[
    "client_id",
    "client_orgno",
    "supplier_orgno",
    "created",
    "last_updated",
    "jwks",
    "jwks_uri",
    "client_secret",
    "onbehalfof",
];

/// One field that differs: its value in each profile (`null` where missing).
#[derive(Debug, Serialize, PartialEq)]
pub struct FieldDiff {
    field: String,
    left: Value,
    right: Value,
}

/// An object of one kind, compared by its key (scope name, client name).
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Compared {
    OnlyLeft { key: String },
    OnlyRight { key: String },
    Differs { key: String, fields: Vec<FieldDiff> },
}

/// Consumers of one scope approved in one profile and not in the other.
#[derive(Debug, Serialize, PartialEq)]
pub struct GrantsApart {
    scope: String,
    only_left: Vec<String>,
    only_right: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    left: String,
    right: String,
    scopes: Vec<Compared>,
    clients: Vec<Compared>,
    grants: Vec<GrantsApart>,
}

pub async fn run(
    global: &GlobalArgs,
    left_api: &AdminApi,
    left: &str,
    args: CompareArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let right_profile = load_profile(&GlobalArgs {
        profile: Some(args.with.clone()),
        ..global.clone()
    })?;
    if right_profile.name == left {
        return Err(CliError::Usage(format!(
            "--with {}: that is the profile being compared; name the other one",
            args.with
        )));
    }
    let right_api = crate::api::connect(&right_profile)?;
    let (l, r) = tokio::try_join!(Estate::read(left_api), Estate::read(&right_api))?;
    if l.org != r.org {
        warn(&format!(
            "warning: profile {left} is organisation {} but {} is {}: compare profiles of one organisation",
            l.org.as_deref().unwrap_or("?"),
            right_profile.name,
            r.org.as_deref().unwrap_or("?")
        ));
    }
    let report = Report {
        left: left.to_owned(),
        right: right_profile.name.clone(),
        scopes: compare(&l.scopes, &r.scopes, SCOPE_OWNED),
        clients: compare(&l.clients, &r.clients, CLIENT_OWNED),
        grants: grants_apart(&l.grants, &r.grants),
    };
    out.show(&report, human)?;
    Ok(())
}

/// What one profile sees: its scopes and clients as JSON objects by key, and the approved
/// consumers of each scope both have.
struct Estate {
    org: Option<String>,
    scopes: BTreeMap<String, Value>,
    clients: BTreeMap<String, Value>,
    grants: BTreeMap<String, BTreeSet<String>>,
}

impl Estate {
    async fn read(api: &AdminApi) -> Result<Estate, CliError> {
        use futures::{StreamExt, TryStreamExt};
        let token = api
            .tokens()
            .token()
            .await
            .map_err(crate::api::ApiError::from)?;
        let org = token
            .claims()
            .and_then(|c| c.consumer.orgno().map(str::to_owned));
        let (scopes, clients) = tokio::try_join!(api.own_scopes(true), api.clients())?;
        let names: Vec<ScopeName> = scopes.iter().filter_map(|s| s.name.parse().ok()).collect();
        let grants = futures::stream::iter(names)
            .map(|n| async move {
                let rows = api.scope_access(&n).await?;
                let approved = rows
                    .into_iter()
                    .filter(|r| r.state == AccessState::Approved)
                    .map(|r| r.consumer_orgno)
                    .collect::<BTreeSet<_>>();
                Ok::<_, crate::api::ApiError>((String::from(n), approved))
            })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        Ok(Estate {
            org,
            scopes: by_key(&scopes, |s: &Scope| s.name.clone()),
            clients: by_key(&clients, client_key),
            grants,
        })
    }
}

/// Clients have different ids in each environment: they are matched by name.
fn client_key(c: &Client) -> String {
    if c.client_name.trim().is_empty() {
        c.client_id.clone()
    } else {
        c.client_name.clone()
    }
}

fn by_key<T: Serialize>(items: &[T], key: impl Fn(&T) -> String) -> BTreeMap<String, Value> {
    items
        .iter()
        .filter_map(|i| Some((key(i), serde_json::to_value(i).ok()?)))
        .collect()
}

fn compare(
    left: &BTreeMap<String, Value>,
    right: &BTreeMap<String, Value>,
    owned: &[&str],
) -> Vec<Compared> {
    let keys: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (left.get(key), right.get(key)) {
            (Some(_), None) => Some(Compared::OnlyLeft { key: key.clone() }),
            (None, Some(_)) => Some(Compared::OnlyRight { key: key.clone() }),
            (Some(l), Some(r)) => {
                let fields = field_diffs(l, r, owned);
                (!fields.is_empty()).then(|| Compared::Differs {
                    key: key.clone(),
                    fields,
                })
            }
            (None, None) => None,
        })
        .collect()
}

fn field_diffs(left: &Value, right: &Value, owned: &[&str]) -> Vec<FieldDiff> {
    let empty = serde_json::Map::new();
    let l = left.as_object().unwrap_or(&empty);
    let r = right.as_object().unwrap_or(&empty);
    let fields: BTreeSet<&String> = l.keys().chain(r.keys()).collect();
    fields
        .into_iter()
        .filter(|f| !owned.contains(&f.as_str()))
        .filter_map(|f| {
            let (a, b) = (
                l.get(f).cloned().unwrap_or(Value::Null),
                r.get(f).cloned().unwrap_or(Value::Null),
            );
            (a != b).then(|| FieldDiff {
                field: f.clone(),
                left: a,
                right: b,
            })
        })
        .collect()
}

fn grants_apart(
    left: &BTreeMap<String, BTreeSet<String>>,
    right: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<GrantsApart> {
    left.iter()
        .filter_map(|(scope, l)| {
            let r = right.get(scope)?;
            let only_left: Vec<String> = l.difference(r).cloned().collect();
            let only_right: Vec<String> = r.difference(l).cloned().collect();
            (!only_left.is_empty() || !only_right.is_empty()).then(|| GrantsApart {
                scope: scope.clone(),
                only_left,
                only_right,
            })
        })
        .collect()
}

fn human(r: &Report) -> String {
    let mut s = format!("Comparing {} (<) with {} (>)\n", r.left, r.right);
    for (title, items) in [
        ("Scope definitions", &r.scopes),
        ("Client settings (matched by name)", &r.clients),
    ] {
        s.push_str(&format!("\n{title}: "));
        if items.is_empty() {
            s.push_str("the same\n");
            continue;
        }
        s.push_str(&format!("{} differ\n", items.len()));
        for item in items.iter() {
            match item {
                Compared::OnlyLeft { key } => {
                    s.push_str(&format!("  < {}  (only in {})\n", clean(key), r.left));
                }
                Compared::OnlyRight { key } => {
                    s.push_str(&format!("  > {}  (only in {})\n", clean(key), r.right));
                }
                Compared::Differs { key, fields } => {
                    s.push_str(&format!("  ~ {}\n", clean(key)));
                    for f in fields {
                        s.push_str(&format!(
                            "      {}: {} | {}\n",
                            f.field,
                            clean(&f.left.to_string()),
                            clean(&f.right.to_string())
                        ));
                    }
                }
            }
        }
    }
    s.push_str("\nGrants (environment-specific, for information): ");
    if r.grants.is_empty() {
        s.push_str("the same on the scopes both have\n");
    } else {
        s.push('\n');
        for g in &r.grants {
            s.push_str(&format!("  {}\n", clean(&g.scope)));
            if !g.only_left.is_empty() {
                s.push_str(&format!(
                    "      only in {}: {}\n",
                    r.left,
                    g.only_left.join(", ")
                ));
            }
            if !g.only_right.is_empty() {
                s.push_str(&format!(
                    "      only in {}: {}\n",
                    r.right,
                    g.only_right.join(", ")
                ));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_owned_fields_never_count_as_differences() {
        let l = json!({"name": "a:b", "created": "1", "description": "x", "at_max_age": 60});
        let r = json!({"name": "a:b", "created": "2", "description": "y"});
        let diffs = field_diffs(&l, &r, SCOPE_OWNED);
        let fields: Vec<&str> = diffs.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["at_max_age", "description"]);
        assert_eq!(diffs[0].right, Value::Null);
    }

    #[test]
    fn objects_are_matched_by_key_and_reported_by_side() {
        let mut l = BTreeMap::new();
        let mut r = BTreeMap::new();
        l.insert("same".to_owned(), json!({"d": 1}));
        r.insert("same".to_owned(), json!({"d": 1}));
        l.insert("left".to_owned(), json!({}));
        r.insert("right".to_owned(), json!({}));
        assert_eq!(
            compare(&l, &r, &[]),
            [
                Compared::OnlyLeft { key: "left".into() },
                Compared::OnlyRight {
                    key: "right".into()
                }
            ]
        );
    }
}
