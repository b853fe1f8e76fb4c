//! Applying a plan through the change engine, in the plan's order. It stops at the first
//! change that fails and reports what was applied, what failed and what was not attempted;
//! applying the file again plans only what is still missing, so it converges.
//!
//! Grants and revocations of one phase are independent of each other and go eight at a
//! time; once one fails, those in flight finish and no new one starts.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;

use super::live::{self, PARALLEL};
use super::plan::{Item, Plan, phase};
use crate::api::ApiError;
use crate::changes::{Before, Change, Engine};
use crate::wire::types::{ClientId, ScopeName};

/// A change that failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub change: String,
    /// Digdir's message (with its correlation id), or why it was refused before sending.
    pub message: String,
    pub correlation_id: Option<String>,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// What each applied change did, in the order they were done.
    pub applied: Vec<String>,
    pub failed: Vec<Failure>,
    /// Changes not sent because an earlier one failed.
    pub not_attempted: Vec<String>,
}

/// One change done, as it happens (for progress lines).
pub enum Event<'a> {
    /// The change as the plan describes it, and what the server did.
    Applied {
        change: &'a str,
        summary: &'a str,
    },
    Failed(&'a Failure),
}

fn parallel(change: &Change) -> bool {
    matches!(change, Change::Grant { .. } | Change::Revoke { .. })
}

/// Apply `plan` with `engine` (give it a run id: every change is journaled with it).
pub async fn apply(engine: &Engine, plan: &Plan, mut on: impl FnMut(Event<'_>)) -> Report {
    let mut report = Report::default();
    let mut made: HashMap<String, ClientId> = HashMap::new();
    let items = plan.items.as_slice();
    let mut at = 0;
    while at < items.len() {
        if !report.failed.is_empty() {
            report
                .not_attempted
                .extend(items[at..].iter().map(Item::describe));
            break;
        }
        let item = &items[at];
        if parallel(&item.change) {
            let p = phase(&item.change);
            let run = items[at..]
                .iter()
                .take_while(|i| parallel(&i.change) && phase(&i.change) == p)
                .count();
            batch(engine, &items[at..at + run], &mut report, &mut on).await;
            at += run;
        } else {
            one(engine, item, &mut made, &mut report, &mut on).await;
            at += 1;
        }
    }
    report
}

fn failure(item: &Item, e: &crate::changes::ChangeError) -> Failure {
    Failure {
        change: item.describe(),
        message: e.to_string(),
        correlation_id: e.correlation_id().map(str::to_owned),
    }
}

async fn one(
    engine: &Engine,
    item: &Item,
    made: &mut HashMap<String, ClientId>,
    report: &mut Report,
    on: &mut impl FnMut(Event<'_>),
) {
    // A key of a client created above goes to the id the server gave it.
    let change = match (&item.change, &item.new_client) {
        (Change::AddKey { jwk, replaces, .. }, Some(name)) => match made.get(name) {
            Some(id) => Change::AddKey {
                client: id.clone(),
                jwk: jwk.clone(),
                replaces: replaces.clone(),
            },
            None => {
                report.not_attempted.push(item.describe());
                return;
            }
        },
        (change, _) => change.clone(),
    };
    match engine.apply_from(&change, item.before.clone()).await {
        Ok(applied) => {
            if let (Change::CreateClient { .. }, Some(name), Some(id)) = (
                &change,
                &item.new_client,
                applied.made.as_deref().and_then(|m| m.parse().ok()),
            ) {
                made.insert(name.clone(), id);
            }
            on(Event::Applied {
                change: &item.describe(),
                summary: &applied.summary,
            });
            report.applied.push(applied.summary);
        }
        Err(e) => {
            let f = failure(item, &e);
            on(Event::Failed(&f));
            report.failed.push(f);
        }
    }
}

async fn batch(
    engine: &Engine,
    items: &[Item],
    report: &mut Report,
    on: &mut impl FnMut(Event<'_>),
) {
    let stop = AtomicBool::new(false);
    let stop = &stop;
    // Owned items: a stream of borrowed ones makes the future too general for `Send`, which
    // the TUI needs to run an apply on tokio's threads.
    let mut done = stream::iter(items.iter().cloned())
        .map(|item: Item| async move {
            if stop.load(Ordering::Relaxed) {
                return (item, None);
            }
            let result = engine.apply_from(&item.change, item.before.clone()).await;
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            (item, Some(result))
        })
        .buffer_unordered(PARALLEL);
    while let Some((item, result)) = done.next().await {
        match result {
            None => report.not_attempted.push(item.describe()),
            Some(Ok(applied)) => {
                on(Event::Applied {
                    change: &item.describe(),
                    summary: &applied.summary,
                });
                report.applied.push(applied.summary);
            }
            Some(Err(e)) => {
                let f = failure(&item, &e);
                on(Event::Failed(&f));
                report.failed.push(f);
            }
        }
    }
}

/// The state an object is in now, for comparing with what a saved plan recorded; `None`
/// when it is gone.
async fn now(engine: &Engine, change: &Change) -> Result<Option<Before>, ApiError> {
    let read = match change {
        // A scope the plan creates must still not exist.
        Change::CreateScope { scope } => {
            match crate::changes::scope_name(scope).parse::<ScopeName>() {
                Ok(name) => engine
                    .api()
                    .scope(&name)
                    .await
                    .map(|s| Before::Scope(Box::new(s))),
                Err(_) => Ok(Before::Nothing),
            }
        }
        other => engine.read_before(other).await,
    };
    match read {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.is_not_found() && matches!(change, Change::CreateScope { .. }) => {
            Ok(Some(Before::Nothing))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The changes of a saved plan whose object changed on the server since the plan was made
/// (each object's first change is compared: later ones start from what it leaves). Only
/// reads are sent.
pub async fn changed_since(engine: &Engine, plan: &Plan) -> Result<Vec<String>, ApiError> {
    let firsts: Vec<&Item> = plan
        .items
        .iter()
        .filter(|i| i.first && !matches!(i.change, Change::AddKey { .. } if i.new_client.is_some()))
        .collect();
    let api = engine.api();
    // Grants on a scope the plan creates have no rows to read: the scope's own check (it
    // must still not exist) covers them.
    let created: BTreeSet<String> = firsts
        .iter()
        .filter_map(|i| match &i.change {
            Change::CreateScope { scope } => Some(crate::changes::scope_name(scope)),
            _ => None,
        })
        .collect();
    let grant_scopes: BTreeSet<ScopeName> = firsts
        .iter()
        .filter_map(|i| match &i.change {
            Change::Grant { scope, .. } | Change::Revoke { scope, .. }
                if !created.contains(scope.as_str()) =>
            {
                Some(scope.clone())
            }
            _ => None,
        })
        .collect();
    let rows = live::grants(api, grant_scopes.into_iter().collect()).await?;
    let clients = if firsts
        .iter()
        .any(|i| matches!(i.change, Change::CreateClient { .. }))
    {
        live::clients(api).await?
    } else {
        Vec::new()
    };
    let others: Vec<(&Item, Option<Before>)> = stream::iter(firsts.iter().filter(|i| {
        !matches!(
            i.change,
            Change::Grant { .. } | Change::Revoke { .. } | Change::CreateClient { .. }
        )
    }))
    .map(|i| async move { now(engine, &i.change).await.map(|b| (*i, b)) })
    .buffer_unordered(PARALLEL)
    .try_collect()
    .await?;
    let mut changed = Vec::new();
    for i in &firsts {
        let differs = match &i.change {
            Change::Grant { scope, consumer } | Change::Revoke { scope, consumer } => {
                let row = rows
                    .get(scope.as_str())
                    .and_then(|r| r.iter().find(|r| r.consumer_orgno == consumer.as_str()));
                Before::Access(row.cloned().map(Box::new)) != i.before
            }
            Change::CreateClient { client } => {
                clients.iter().any(|c| c.client_name == client.client_name)
            }
            _ => others
                .iter()
                .find(|(o, _)| std::ptr::eq(*o, *i))
                .is_none_or(|(_, now)| now.as_ref() != Some(&i.before)),
        };
        if differs {
            changed.push(i.describe());
        }
    }
    Ok(changed)
}
