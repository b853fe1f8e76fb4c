//! `mpadmin access ...`: who may use our scopes. Grant and revoke take several org numbers:
//! all are validated (by clap) before the first request, then each is applied and reported.

use clap::{Args, Subcommand};
use futures::StreamExt;

use super::commands::{CliError, warn};
use super::confirm::Change;
use super::output::{Output, Table, short_time};
use crate::api::ApiError;
use crate::api::models::{AccessState, ScopeAccess};
use crate::api::types::{OrgNumber, ScopeName};
use crate::changes::{self, Before, ChangeError, Engine};
use crate::names;

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// List the grants of one scope, or everything one organisation has from you.
    List(ListArgs),
    /// Give organisations access to a scope.
    Grant(ChangeArgs),
    /// Take access away (Maskinporten keeps the grant as DENIED).
    Revoke(ChangeArgs),
    /// Every access request (REQUESTED) waiting on your scopes, oldest first.
    Requests,
    /// Say yes to organisations' requests for a scope (the same PUT as a grant).
    Approve(ChangeArgs),
    /// Say no to organisations' requests for a scope (the same DELETE as a revoke).
    Deny(ChangeArgs),
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ListArgs {
    /// Grants of this scope.
    #[arg(long, value_name = "NAME")]
    scope: Option<ScopeName>,
    /// Grants this organisation has on your scopes.
    #[arg(long, value_name = "ORGNO")]
    consumer: Option<OrgNumber>,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Consumer organisation numbers (9 digits each).
    #[arg(value_name = "ORGNO", required = true)]
    orgnos: Vec<OrgNumber>,
    /// The scope (one of your own), e.g. demo:rapport.
    #[arg(long, value_name = "NAME")]
    scope: ScopeName,
}

impl ChangeArgs {
    /// Each org number once, in the order given.
    fn orgnos(&self) -> Vec<OrgNumber> {
        let mut seen = Vec::new();
        for o in &self.orgnos {
            if !seen.contains(o) {
                seen.push(o.clone());
            }
        }
        seen
    }

    fn listed(&self) -> String {
        self.orgnos()
            .iter()
            .map(OrgNumber::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Copy)]
enum Verb {
    Grant,
    Revoke,
    Approve,
    Deny,
}

impl Verb {
    fn change(self, scope: ScopeName, consumer: OrgNumber) -> changes::Change {
        match self {
            Verb::Grant => changes::Change::Grant { scope, consumer },
            Verb::Revoke => changes::Change::Revoke { scope, consumer },
            Verb::Approve => changes::Change::Approve { scope, consumer },
            Verb::Deny => changes::Change::Deny { scope, consumer },
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verb::Grant => "grant",
            Verb::Revoke => "revoke",
            Verb::Approve => "approve",
            Verb::Deny => "deny",
        }
    }
}

impl AccessCommand {
    pub(super) fn change(&self) -> Option<Change> {
        match self {
            AccessCommand::List(_) | AccessCommand::Requests => None,
            AccessCommand::Grant(a) => Some(Change::new(format!(
                "grant {} access to {}",
                a.listed(),
                a.scope
            ))),
            AccessCommand::Revoke(a) => Some(Change::destructive(format!(
                "revoke access to {} for {}",
                a.scope,
                a.listed()
            ))),
            AccessCommand::Approve(a) => Some(Change::new(format!(
                "approve the requests of {} for {}",
                a.listed(),
                a.scope
            ))),
            AccessCommand::Deny(a) => Some(Change::destructive(format!(
                "deny the requests of {} for {}",
                a.listed(),
                a.scope
            ))),
        }
    }

    pub(super) async fn run(
        self,
        engine: &Engine,
        names: &names::Settings,
        out: &mut Output,
    ) -> Result<(), CliError> {
        let api = engine.api();
        match self {
            AccessCommand::List(a) => {
                let mut grants = match (&a.scope, &a.consumer) {
                    (Some(scope), _) => api.scope_access(scope).await?,
                    (None, Some(consumer)) => api.consumer_access(consumer).await?,
                    (None, None) => {
                        return Err(CliError::Usage(
                            "give --scope NAME or --consumer ORGNO".into(),
                        ));
                    }
                };
                grants.sort_by(|x, y| {
                    (&x.scope, &x.consumer_orgno).cmp(&(&y.scope, &y.consumer_orgno))
                });
                let known = named(engine, names, &grants, out).await;
                out.show(&grants, |g| table(g, &known))?;
                Ok(())
            }
            AccessCommand::Requests => {
                let requests = requests(engine).await?;
                let known = named(engine, names, &requests, out).await;
                out.show(&requests, |r| table(r, &known))?;
                Ok(())
            }
            AccessCommand::Grant(a) => apply(engine, out, &a, Verb::Grant).await,
            AccessCommand::Revoke(a) => apply(engine, out, &a, Verb::Revoke).await,
            AccessCommand::Approve(a) => apply(engine, out, &a, Verb::Approve).await,
            AccessCommand::Deny(a) => apply(engine, out, &a, Verb::Deny).await,
        }
    }
}

/// Apply to each org in turn. A refusal for one org (HTTP error) is reported and the rest go
/// on; a failure that is not about the org (token, network) stops at once. The scope's grants
/// are read once, as the state every change starts from.
async fn apply(
    engine: &Engine,
    out: &mut Output,
    args: &ChangeArgs,
    verb: Verb,
) -> Result<(), CliError> {
    let orgnos = args.orgnos();
    let rows = engine.api().scope_access(&args.scope).await?;
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for org in &orgnos {
        let change = verb.change(args.scope.clone(), org.clone());
        let row = rows.iter().find(|r| r.consumer_orgno == org.as_str());
        let before = Before::Access(row.cloned().map(Box::new));
        let result = engine
            .apply_from(&change, before)
            .await
            .map(|a| a.after_as::<ScopeAccess>().unwrap_or_default());
        match result {
            Ok(access) => {
                out.say(&match verb {
                    Verb::Grant => {
                        format!("granted {org} access to {} ({})", args.scope, access.state)
                    }
                    Verb::Revoke => format!(
                        "revoked access to {} for {org} ({})",
                        args.scope, access.state
                    ),
                    Verb::Approve => format!(
                        "approved {org}'s request for {} ({})",
                        args.scope, access.state
                    ),
                    Verb::Deny => format!(
                        "denied {org}'s request for {} ({})",
                        args.scope, access.state
                    ),
                })?;
                done.push(access);
            }
            Err(ChangeError::Api(e @ ApiError::Http { .. })) => {
                warn(&format!("{org}: {e}"));
                failed.push(org.as_str());
            }
            Err(e) => {
                if out.json_mode() {
                    out.json(&done)?;
                }
                return Err(e.into());
            }
        }
    }
    if out.json_mode() {
        out.json(&done)?;
    }
    if failed.is_empty() {
        return Ok(());
    }
    Err(CliError::Failed(format!(
        "could not {} for {} of {} organisations: {}",
        verb.word(),
        failed.len(),
        orgnos.len(),
        failed.join(", ")
    )))
}

/// Every REQUESTED row of every scope of ours, oldest first: one read per scope, eight at a
/// time (the API has no list of requests).
async fn requests(engine: &Engine) -> Result<Vec<ScopeAccess>, CliError> {
    let api = engine.api();
    let scopes: Vec<ScopeName> = api
        .own_scopes(false)
        .await?
        .iter()
        .filter_map(|s| s.name.parse().ok())
        .collect();
    let answers: Vec<Result<Vec<ScopeAccess>, ApiError>> = futures::stream::iter(scopes)
        .map(|scope| async move { api.scope_access(&scope).await })
        .buffer_unordered(names::PARALLEL)
        .collect()
        .await;
    let mut requests = Vec::new();
    for rows in answers {
        requests.extend(
            rows?
                .into_iter()
                .filter(|r| r.state == AccessState::Requested),
        );
    }
    requests.sort_by_cached_key(|r| {
        (
            r.created
                .as_deref()
                .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok()),
            r.scope.clone(),
            r.consumer_orgno.clone(),
        )
    });
    Ok(requests)
}

/// Names of the consumers on `rows`: the server's own first, then looked up (not for
/// `--json`, which prints the API objects as they are).
pub(super) async fn named(
    engine: &Engine,
    settings: &names::Settings,
    rows: &[ScopeAccess],
    out: &Output,
) -> names::Names {
    if out.json_mode() {
        return names::Names::new();
    }
    let mut known = names::from_rows(rows);
    let wanted: Vec<OrgNumber> = rows
        .iter()
        .filter(|r| !known.contains_key(&r.consumer_orgno))
        .filter_map(|r| r.consumer_orgno.parse().ok())
        .collect();
    known.extend(names::resolve(engine.api(), settings, wanted).await);
    known
}

/// Grants as a table (also used by `scopes show`), with each consumer's name when known.
pub(super) fn table(grants: &[ScopeAccess], known: &names::Names) -> String {
    let mut t = Table::new(&["SCOPE", "CONSUMER", "NAME", "STATE", "CREATED", "UPDATED"]);
    for g in grants {
        t.row(vec![
            g.scope.clone(),
            g.consumer_orgno.clone(),
            names::known(known, &g.consumer_orgno)
                .unwrap_or_default()
                .to_owned(),
            g.state.to_string(),
            short_time(g.created.as_deref()),
            short_time(g.last_updated.as_deref()),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_org_numbers_are_applied_once() {
        let a = ChangeArgs {
            orgnos: ["991825827", "889640782", "991825827"]
                .iter()
                .map(|s| s.parse().unwrap())
                .collect(),
            scope: "nav:a".parse().unwrap(),
        };
        assert_eq!(a.listed(), "991825827, 889640782");
    }

    #[test]
    fn grant_table() {
        let g = ScopeAccess {
            scope: "nav:a".into(),
            consumer_orgno: "889640782".into(),
            state: AccessState::Denied,
            created: Some("2025-07-02T10:30:00.000+02:00".into()),
            ..ScopeAccess::default()
        };
        let known =
            names::Names::from([("889640782".to_owned(), names::Name::Known("NAV".to_owned()))]);
        assert_eq!(
            table(&[g], &known),
            "SCOPE  CONSUMER   NAME  STATE   CREATED           UPDATED\n\
             nav:a  889640782  NAV   DENIED  2025-07-02 10:30\n"
        );
    }
}
