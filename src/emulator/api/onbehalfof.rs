//! On-behalf-of registrations of a client (`/clients/{id}/onbehalfof`): only on client types
//! that act for other organisations, never on Maskinporten clients, and not on a client that
//! uses a scope with a `delegation_source` (Altinn delegation is Maskinporten's own way).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::clients::{changeable_client, own_client};
use super::{ApiResult, DCR_READ, Problems, body, caller, empty, ok};
use crate::emulator::Shared;
use crate::emulator::errors::ApiFail;
use crate::emulator::state::{StateSnapshot, timestamp_now};
use crate::wire::admin::ONBEHALFOF_WRITE;
use crate::wire::models::{Client, ClientOnBehalfOf};
use crate::wire::types::OrgNumber;

/// The caller's client `id` (one it may change), refused when its type cannot have registrations or one of its
/// scopes is delegated through Altinn.
fn host<'a>(st: &'a StateSnapshot, orgno: &str, id: &str) -> Result<&'a Client, ApiFail> {
    let client = changeable_client(st, orgno, id)?;
    let itype = client.integration_type.as_ref();
    if !itype.is_some_and(|t| t.allows_onbehalfof()) {
        return Err(ApiFail::bad_request(format!(
            "Client '{id}' is of integration_type {}: on-behalf-of registrations are only \
             allowed on idporten, api_klient and krr clients",
            itype.map_or("(none)", |t| t.as_str())
        )));
    }
    if let Some(s) = client
        .scopes
        .iter()
        .filter_map(|s| st.scope(s))
        .find(|s| s.delegation_source.is_some())
    {
        return Err(ApiFail::bad_request(format!(
            "Client '{id}' uses scope '{}', which has a delegation_source: such scopes cannot \
             be used through on-behalf-of registrations",
            s.name
        )));
    }
    Ok(client)
}

/// As the backend answers it: with the organisation's name from the registry (SP-OAS
/// `organization_name`), never one the caller sent.
fn named(st: &StateSnapshot, mut o: ClientOnBehalfOf) -> ClientOnBehalfOf {
    o.extra.remove(ClientOnBehalfOf::ORGANIZATION_NAME);
    if let Some(name) = o.orgno.as_deref().and_then(|n| st.organizations.get(n)) {
        o.extra.insert(
            ClientOnBehalfOf::ORGANIZATION_NAME.to_owned(),
            serde_json::Value::String(name.clone()),
        );
    }
    o
}

fn check(
    raw: &serde_json::Map<String, serde_json::Value>,
    o: &ClientOnBehalfOf,
) -> Result<(), ApiFail> {
    let mut problems = Problems::new("ClientOnBehalfOf");
    problems.server_owned(raw, ClientOnBehalfOf::SERVER_OWNED);
    if o.onbehalfof.is_empty()
        || !o
            .onbehalfof
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        problems.add(
            "onbehalfof",
            "onbehalfof is required: letters, digits, '-', '_' and '.' only",
        );
    }
    if o.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        problems.add("name", "name is required");
    }
    match o.orgno.as_deref() {
        None => problems.add("orgno", "orgno is required"),
        Some(n) => {
            if let Err(e) = n.parse::<OrgNumber>() {
                problems.add("orgno", e.to_string());
            }
        }
    }
    problems.check()
}

pub async fn list(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let list = sh.store.read(|st| {
        own_client(st, &me.orgno, &id)?;
        Ok::<_, ApiFail>(
            st.onbehalfof
                .get(&id)
                .map(|m| m.values().map(|o| named(st, o.clone())).collect::<Vec<_>>())
                .unwrap_or_default(),
        )
    })?;
    ok(&list)
}

pub async fn get_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, obo)): Path<(String, String)>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let one = sh.store.read(|st| {
        own_client(st, &me.orgno, &id)?;
        registration(st, &id, &obo).map(|o| named(st, o.clone()))
    })?;
    ok(&one)
}

fn registration<'a>(
    st: &'a StateSnapshot,
    id: &str,
    obo: &str,
) -> Result<&'a ClientOnBehalfOf, ApiFail> {
    st.onbehalfof
        .get(id)
        .and_then(|m| m.get(obo))
        .ok_or_else(|| {
            ApiFail::not_found(format!(
                "On-behalf-of registration '{obo}' of client '{id}' not found"
            ))
        })
}

pub async fn create(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, ONBEHALFOF_WRITE)?;
    let (raw, mut o): (_, ClientOnBehalfOf) = body(&bytes, "ClientOnBehalfOf")?;
    let made = sh.store.mutate(|st| {
        host(st, &me.orgno, &id)?;
        check(&raw, &o)?;
        if registration(st, &id, &o.onbehalfof).is_ok() {
            return Err(ApiFail::conflict(format!(
                "Client '{id}' already has an on-behalf-of registration '{}'",
                o.onbehalfof
            )));
        }
        let now = timestamp_now();
        o.created = Some(now.clone());
        o.last_updated = Some(now);
        o.extra.remove(ClientOnBehalfOf::ORGANIZATION_NAME);
        st.onbehalfof
            .entry(id.clone())
            .or_default()
            .insert(o.onbehalfof.clone(), o.clone());
        Ok(named(st, o))
    })?;
    ok(&made)
}

pub async fn update(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, obo)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, ONBEHALFOF_WRITE)?;
    let (raw, mut o): (_, ClientOnBehalfOf) = body(&bytes, "ClientOnBehalfOf")?;
    let updated = sh.store.mutate(|st| {
        host(st, &me.orgno, &id)?;
        let current = registration(st, &id, &obo)?.clone();
        if o.onbehalfof.is_empty() {
            o.onbehalfof.clone_from(&obo);
        }
        if o.onbehalfof != obo {
            return Err(ApiFail::field(
                "ClientOnBehalfOf",
                "onbehalfof",
                format!(
                    "onbehalfof '{}' does not match the path ('{obo}'); it cannot be changed",
                    o.onbehalfof
                ),
            ));
        }
        check(&raw, &o)?;
        o.created = current.created;
        o.last_updated = Some(timestamp_now());
        o.extra.remove(ClientOnBehalfOf::ORGANIZATION_NAME);
        st.onbehalfof
            .entry(id.clone())
            .or_default()
            .insert(obo.clone(), o.clone());
        Ok(named(st, o))
    })?;
    ok(&updated)
}

/// "statuskode 200, og tom body".
pub async fn delete_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, obo)): Path<(String, String)>,
) -> ApiResult {
    let me = caller(&sh, &headers, ONBEHALFOF_WRITE)?;
    sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        registration(st, &id, &obo)?;
        if let Some(m) = st.onbehalfof.get_mut(&id) {
            m.remove(&obo);
        }
        Ok(())
    })?;
    empty()
}
