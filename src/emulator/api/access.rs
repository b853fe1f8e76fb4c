//! Access grants: who may use our scopes (grant, revoke, list) and what others granted us.

use std::sync::Arc;

use axum::extract::{Path, Query as Q, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::scopes::owned;
use super::{ApiResult, DCR_READ, Query, SCOPES_READ, SCOPES_WRITE, caller, flag, ok, required};
use crate::emulator::Shared;
use crate::emulator::errors::ApiFail;
use crate::emulator::state::{allows_type, timestamp_now};
use crate::wire::models::{AccessState, ScopeAccess};
use crate::wire::types::OrgNumber;

fn orgno(value: &str) -> Result<OrgNumber, ApiFail> {
    value
        .parse()
        .map_err(|e: crate::wire::types::InvalidValue| {
            ApiFail::field("ScopeAccess", "consumer_orgno", e.0)
        })
}

/// `?scope=` (rows of one of our scopes, DENIED included) and/or `?consumer_orgno=`.
pub async fn list(State(sh): State<Arc<Shared>>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_READ)?;
    let consumer = q.get("consumer_orgno").map(|c| orgno(c)).transpose()?;
    let wanted = |a: &&ScopeAccess| {
        consumer
            .as_ref()
            .is_none_or(|c| a.consumer_orgno == c.as_str())
    };
    let rows: Vec<ScopeAccess> = sh.store.read(|st| match q.get("scope") {
        Some(name) => {
            owned(st, &me.orgno, name)?;
            Ok(st
                .grants
                .get(name.as_str())
                .into_iter()
                .flat_map(|m| m.values())
                .filter(wanted)
                .cloned()
                .collect())
        }
        None => Ok(st
            .scopes
            .values()
            .filter(|s| s.owner_orgno.as_deref() == Some(me.orgno.as_str()))
            .filter_map(|s| st.grants.get(&s.name))
            .flat_map(|m| m.values())
            .filter(wanted)
            .cloned()
            .collect()),
    })?;
    ok(&rows)
}

/// PUT: the consumer gets (or gets back) APPROVED access.
pub async fn grant(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(consumer): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_WRITE)?;
    let consumer = orgno(&consumer)?;
    let name = required(&q, "scope")?.to_owned();
    let row = sh.store.mutate(|st| {
        let owner = owned(st, &me.orgno, &name)?.owner_orgno.clone();
        let now = timestamp_now();
        let row = st
            .grants
            .entry(name.clone())
            .or_default()
            .entry(consumer.to_string())
            .or_insert_with(|| ScopeAccess {
                scope: name.clone(),
                consumer_orgno: consumer.to_string(),
                owner_orgno: owner,
                created: Some(now.clone()),
                ..ScopeAccess::default()
            });
        row.state = AccessState::Approved;
        row.last_updated = Some(now);
        Ok(row.clone())
    })?;
    ok(&row)
}

/// DELETE: the row stays, DENIED.
pub async fn revoke(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(consumer): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_WRITE)?;
    let consumer = orgno(&consumer)?;
    let name = required(&q, "scope")?.to_owned();
    let row = sh.store.mutate(|st| {
        owned(st, &me.orgno, &name)?;
        let row = st
            .grants
            .get_mut(&name)
            .and_then(|m| m.get_mut(consumer.as_str()))
            .ok_or_else(|| {
                ApiFail::not_found(format!(
                    "Organization {consumer} has no access to scope '{name}'"
                ))
            })?;
        if row.state != AccessState::Denied {
            row.state = AccessState::Denied;
            row.last_updated = Some(timestamp_now());
        }
        Ok(row.clone())
    })?;
    ok(&row)
}

/// Scopes other organisations granted to the caller (APPROVED; all rows with `inactive=true`),
/// with the scope's description, active flag and integration types alongside.
pub async fn granted_to_us(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Q(q): Q<Query>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let inactive = flag(&q, "inactive");
    let itype = q.get("integration_type").map(|t| t.to_lowercase());
    let rows: Vec<ScopeAccess> = sh.store.read(|st| {
        st.all_grants()
            .filter(|g| g.consumer_orgno == me.orgno)
            .filter(|g| inactive || g.state == AccessState::Approved)
            .filter_map(|g| {
                let scope = st.scope(&g.scope)?;
                if !inactive && !scope.active {
                    return None;
                }
                if itype.as_deref().is_some_and(|t| !allows_type(scope, t)) {
                    return None;
                }
                let mut row = g.clone();
                row.extra.insert(
                    "description".into(),
                    Value::String(scope.description.clone()),
                );
                row.extra.insert("active".into(), Value::Bool(scope.active));
                row.extra.insert(
                    "allowed_integration_types".into(),
                    serde_json::to_value(&scope.allowed_integration_types).unwrap_or(Value::Null),
                );
                Some(row)
            })
            .collect()
    });
    ok(&rows)
}
