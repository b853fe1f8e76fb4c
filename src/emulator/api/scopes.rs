//! Scopes an organisation offers: list (own, public), create, update, deactivate; prefixes
//! and delegation sources.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query as Q, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::{
    ApiResult, Problems, Query, SCOPES_READ, SCOPES_WRITE, body, caller, flag, ok, required,
};
use crate::emulator::Shared;
use crate::emulator::errors::ApiFail;
use crate::emulator::state::{StateSnapshot, allows_type, timestamp_now};
use crate::wire::models::{Scope, TokenType, Visibility};
use crate::wire::types::ScopeName;

const ALTINN_ISSUER: &str = "https://tt02.altinn.no/";

pub async fn delegation_sources() -> ApiResult {
    ok(&json!([{
        "name": "altinn",
        "issuer": ALTINN_ISSUER,
        "created": "2020-11-03T11:28:13.826+01:00",
        "last_updated": "2020-11-03T11:28:13.826+01:00",
    }]))
}

/// Public scopes of every organisation (open endpoint).
pub async fn public_scopes(State(sh): State<Arc<Shared>>, Q(q): Q<Query>) -> ApiResult {
    let inactive = flag(&q, "inactive");
    let for_all = flag(&q, "accessible_for_all");
    let itype = q.get("integration_type").map(|t| t.to_lowercase());
    let list: Vec<Scope> = sh.store.read(|st| {
        st.scopes
            .values()
            .filter(|s| s.effective_visibility() == Visibility::Public)
            .filter(|s| inactive || s.active)
            .filter(|s| !for_all || s.accessible_for_all)
            .filter(|s| itype.as_deref().is_none_or(|t| allows_type(s, t)))
            .cloned()
            .collect()
    });
    ok(&list)
}

pub async fn own_scopes(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Q(q): Q<Query>,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_READ)?;
    let inactive = flag(&q, "inactive");
    let only = q.get("scope");
    let list: Vec<Scope> = sh.store.read(|st| {
        st.scopes
            .values()
            .filter(|s| s.owner_orgno.as_deref() == Some(me.orgno.as_str()))
            .filter(|s| inactive || s.active)
            .filter(|s| only.is_none_or(|n| *n == s.name))
            .cloned()
            .collect()
    });
    ok(&list)
}

pub async fn prefixes(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_READ)?;
    let list: Vec<_> = sh.store.read(|st| {
        st.prefixes
            .values()
            .filter(|p| p.owner_orgno.as_deref() == Some(me.orgno.as_str()))
            .cloned()
            .collect()
    });
    if list.is_empty() {
        return Err(ApiFail::not_found(format!(
            "Organization {} does not have any prefixes",
            me.orgno
        )));
    }
    ok(&list)
}

/// The scope named `name`, if `orgno` owns it: 404 when unknown, 403 when someone else's.
pub fn owned<'a>(st: &'a StateSnapshot, orgno: &str, name: &str) -> Result<&'a Scope, ApiFail> {
    let scope = st
        .scope(name)
        .ok_or_else(|| ApiFail::not_found(format!("Scope '{name}' not found")))?;
    if scope.owner_orgno.as_deref() != Some(orgno) {
        return Err(ApiFail::forbidden(format!(
            "Scope '{name}' is not owned by organization {orgno}"
        )));
    }
    Ok(scope)
}

/// Rules for the writable fields, shared by create and update.
fn check_fields(scope: &Scope, problems: &mut Problems) {
    if scope.description.trim().is_empty() {
        problems.add("description", "description is required");
    }
    if let Some(src) = &scope.delegation_source
        && src != ALTINN_ISSUER
    {
        problems.add(
            "delegation_source",
            format!("delegation_source '{src}' is not a known delegation source (see /delegationsources)"),
        );
    }
    if let Some(v) = scope.extra.get(Scope::SUPPORTS_EUROPEAN_BUSINESSES)
        && !v.is_boolean()
    {
        problems.add(
            Scope::SUPPORTS_EUROPEAN_BUSINESSES,
            format!("supports_european_businesses must be true or false (got {v})"),
        );
    }
    if let Some(Visibility::Unknown(v)) = &scope.visibility {
        problems.add(
            "visibility",
            format!("visibility '{v}' must be PUBLIC or PRIVATE"),
        );
    }
}

pub async fn create_scope(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_WRITE)?;
    let (raw, mut scope): (Map<String, Value>, Scope) = body(&bytes, "Scope")?;
    let mut problems = Problems::new("Scope");
    problems.server_owned(&raw, Scope::SERVER_OWNED);
    if scope.prefix.is_empty() {
        problems.add("prefix", "prefix is required");
    }
    if scope.subscope.is_empty() {
        problems.add("subscope", "subscope is required");
    }
    check_fields(&scope, &mut problems);
    let name = if scope.prefix.is_empty() || scope.subscope.is_empty() {
        None
    } else {
        match ScopeName::for_create(&scope.prefix, &scope.subscope) {
            Ok(n) => Some(n),
            Err(e) => {
                // `for_create` names the part it refused first in its message.
                let field = if e.0.starts_with("prefix") {
                    "prefix"
                } else {
                    "subscope"
                };
                problems.add(field, e.0);
                None
            }
        }
    };
    problems.check()?;
    let Some(name) = name else {
        return Err(ApiFail::bad_request("invalid scope name"));
    };
    let created = sh.store.mutate(|st| {
        if !st.owns_prefix(&me.orgno, &scope.prefix) {
            return Err(ApiFail::forbidden(format!(
                "Prefix '{}' does not belong to organization {}",
                scope.prefix, me.orgno
            )));
        }
        if let Some(existing) = st.scope(name.as_str()) {
            return Err(ApiFail::conflict(if existing.active {
                format!("Scope '{name}' already exists")
            } else {
                format!("Scope '{name}' already exists but is inactive: reactivate it with PUT and \"active\": true")
            }));
        }
        let now = timestamp_now();
        scope.name = name.to_string();
        scope.owner_orgno = Some(me.orgno.clone());
        // An absent `active` is true (the model's default); `false` creates it inactive.
        scope.visibility.get_or_insert(Visibility::Public);
        scope.token_type.get_or_insert(TokenType::SelfContained);
        scope.created = Some(now.clone());
        scope.last_updated = Some(now);
        st.scopes.insert(scope.name.clone(), scope.clone());
        Ok(scope)
    })?;
    ok(&created)
}

pub async fn update_scope(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Q(q): Q<Query>,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_WRITE)?;
    let name = required(&q, "scope")?.to_owned();
    let (raw, sent): (Map<String, Value>, Scope) = body(&bytes, "Scope")?;
    let updated = sh.store.mutate(|st| {
        let current = owned(st, &me.orgno, &name)?.clone();
        let mut problems = Problems::new("Scope");
        problems.server_owned(&raw, Scope::SERVER_OWNED);
        for (field, given, now) in [
            ("prefix", &sent.prefix, &current.prefix),
            ("subscope", &sent.subscope, &current.subscope),
        ] {
            if !given.is_empty() && given != now {
                problems.add(
                    field,
                    format!("{field} cannot be changed (is '{now}', got '{given}')"),
                );
            }
        }
        check_fields(&sent, &mut problems);
        problems.check()?;
        let active = raw
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(current.active);
        let scope = Scope {
            name: current.name.clone(),
            prefix: current.prefix.clone(),
            subscope: current.subscope.clone(),
            active,
            visibility: sent.visibility.clone().or(current.visibility.clone()),
            token_type: sent.token_type.clone().or(current.token_type.clone()),
            owner_orgno: current.owner_orgno.clone(),
            created: current.created.clone(),
            last_updated: Some(timestamp_now()),
            ..sent
        };
        st.scopes.insert(name.clone(), scope.clone());
        Ok(scope)
    })?;
    ok(&updated)
}

pub async fn deactivate_scope(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Q(q): Q<Query>,
) -> ApiResult {
    let me = caller(&sh, &headers, SCOPES_WRITE)?;
    let name = required(&q, "scope")?.to_owned();
    let scope = sh.store.mutate(|st| {
        let mut scope = owned(st, &me.orgno, &name)?.clone();
        scope.active = false;
        scope.last_updated = Some(timestamp_now());
        st.scopes.insert(name.clone(), scope.clone());
        Ok(scope)
    })?;
    ok(&scope)
}
