//! `mpadmin access ...`: who may use our scopes. Grant and revoke take several org numbers:
//! all are validated (by clap) before the first request, then each is applied and reported.

use clap::{Args, Subcommand};

use super::commands::{CliError, warn};
use super::confirm::Change;
use super::output::{Output, Table, short_time};
use crate::api::ApiError;
use crate::api::models::ScopeAccess;
use crate::api::types::{OrgNumber, ScopeName};
use crate::changes::{self, Before, ChangeError, Engine};

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// List the grants of one scope, or everything one organisation has from you.
    List(ListArgs),
    /// Give organisations access to a scope.
    Grant(ChangeArgs),
    /// Take access away (Maskinporten keeps the grant as DENIED).
    Revoke(ChangeArgs),
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
}

impl AccessCommand {
    pub(super) fn change(&self) -> Option<Change> {
        match self {
            AccessCommand::List(_) => None,
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
        }
    }

    pub(super) async fn run(self, engine: &Engine, out: &mut Output) -> Result<(), CliError> {
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
                out.show(&grants, |g| table(g))?;
                Ok(())
            }
            AccessCommand::Grant(a) => apply(engine, out, &a, Verb::Grant).await,
            AccessCommand::Revoke(a) => apply(engine, out, &a, Verb::Revoke).await,
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
        let (scope, consumer) = (args.scope.clone(), org.clone());
        let change = match verb {
            Verb::Grant => changes::Change::Grant { scope, consumer },
            Verb::Revoke => changes::Change::Revoke { scope, consumer },
        };
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
    let verb = match verb {
        Verb::Grant => "grant",
        Verb::Revoke => "revoke",
    };
    Err(CliError::Failed(format!(
        "could not {verb} for {} of {} organisations: {}",
        failed.len(),
        orgnos.len(),
        failed.join(", ")
    )))
}

/// Grants as a table (also used by `scopes show`).
pub(super) fn table(grants: &[ScopeAccess]) -> String {
    let mut t = Table::new(&["SCOPE", "CONSUMER", "STATE", "CREATED", "UPDATED"]);
    for g in grants {
        t.row(vec![
            g.scope.clone(),
            g.consumer_orgno.clone(),
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
    use crate::api::models::AccessState;

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
        assert_eq!(
            table(&[g]),
            "SCOPE  CONSUMER   STATE   CREATED           UPDATED\n\
             nav:a  889640782  DENIED  2025-07-02 10:30\n"
        );
    }
}
