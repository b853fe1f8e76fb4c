//! Client registrations of the caller's organisation: list, get, create, update, delete.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::{
    ApiResult, DCR_MODIFY, DCR_READ, DCR_SUPPLIER, DCR_WRITE, Problems, body, caller, empty, ok,
};
use crate::emulator::Shared;
use crate::emulator::errors::ApiFail;
use crate::emulator::state::{StateSnapshot, allows_type, timestamp_now};
use crate::emulator::token::ADMIN_SCOPES;
use crate::wire::kinds::{self, Family};
use crate::wire::models::{
    ApplicationType, Client, IntegrationType, JWT_BEARER_GRANT, TokenEndpointAuthMethod,
};

/// Whether `orgno` sees `client`: its own, or one it supplies to a customer.
fn visible_to(client: &Client, orgno: &str) -> bool {
    client.active
        && (client.client_orgno.as_deref() == Some(orgno)
            || client.supplier_orgno.as_deref() == Some(orgno))
}

/// The active client `id` `orgno` sees: 404 when unknown or deleted, 403 when someone else's.
pub fn own_client<'a>(st: &'a StateSnapshot, orgno: &str, id: &str) -> Result<&'a Client, ApiFail> {
    let client = st
        .client(id)
        .filter(|c| c.active)
        .ok_or_else(|| ApiFail::not_found(format!("Client '{id}' not found")))?;
    if !visible_to(client, orgno) {
        return Err(ApiFail::forbidden(format!(
            "Client '{id}' does not belong to organization {orgno}"
        )));
    }
    Ok(client)
}

/// `own_client`, and one `orgno` may change: a client with a `supplier_orgno` belongs, for
/// changes, to that supplier alone (the `idporten:dcr.supplier` rule), even for its customer.
pub fn changeable_client<'a>(
    st: &'a StateSnapshot,
    orgno: &str,
    id: &str,
) -> Result<&'a Client, ApiFail> {
    let client = own_client(st, orgno, id)?;
    match client.supplier_orgno.as_deref() {
        Some(supplier) if !supplier.is_empty() && supplier != orgno => {
            Err(ApiFail::forbidden(format!(
                "Client '{id}' has supplier_orgno {supplier}: only clients with your organization {orgno} as supplier_orgno may be changed"
            )))
        }
        _ => Ok(client),
    }
}

/// A client as the backend's `ClientResponse`: with its key set (`{"keys": [...]}`, empty
/// when it has none) unless `embed` is off.
fn response(st: &StateSnapshot, c: &Client, embed: bool) -> Client {
    let mut c = c.clone();
    if embed {
        let keys = serde_json::json!({ "keys": st.keys(&c.client_id) });
        c.extra.insert("jwks".to_owned(), keys);
    }
    c
}

pub async fn list(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let embed = !sh.faults.clients_without_keys();
    let list: Vec<Client> = sh.store.read(|st| {
        st.clients
            .values()
            .filter(|c| visible_to(c, &me.orgno))
            .map(|c| response(st, c, embed))
            .collect()
    });
    ok(&list)
}

pub async fn get_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let embed = !sh.faults.clients_without_keys();
    let client = sh
        .store
        .read(|st| own_client(st, &me.orgno, &id).map(|c| response(st, c, embed)))?;
    ok(&client)
}

/// Every rule of a client body: required fields, Maskinporten's auth method and grant type,
/// and scopes the organisation may use with this integration type. Admin scopes only Digdir
/// adds, so they pass only when the client already had them (`before`).
fn check(
    st: &StateSnapshot,
    orgno: &str,
    c: &mut Client,
    before: &[String],
    problems: &mut Problems,
) {
    if c.client_name.trim().is_empty() {
        problems.add("client_name", "client_name is required");
    }
    if c.description.trim().is_empty() {
        problems.add("description", "description is required");
    }
    let itype = match &c.integration_type {
        None => {
            problems.add(
                "integration_type",
                "integration_type is required (e.g. maskinporten)",
            );
            return;
        }
        Some(IntegrationType::Unknown(t)) => {
            problems.add(
                "integration_type",
                format!("integration_type '{t}' is not known"),
            );
            return;
        }
        Some(t) => t.clone(),
    };
    // What a server-to-server client leaves out, the server fills in.
    if itype.family() == Family::ServerToServer {
        c.token_endpoint_auth_method
            .get_or_insert(TokenEndpointAuthMethod::PrivateKeyJwt);
        if c.grant_types.is_empty() {
            c.grant_types.push(JWT_BEARER_GRANT.to_owned());
        }
        c.application_type.get_or_insert(ApplicationType::Web);
    }
    for (field, message) in kinds::problems(c) {
        problems.add(field, message);
    }
    for name in &c.scopes {
        let msg = if ADMIN_SCOPES.contains(&name.as_str()) {
            (!before.contains(name)).then(|| format!("scope '{name}' can only be added by Digdir"))
        } else {
            match st.scope(name) {
                None => Some(format!("scope '{name}' does not exist")),
                Some(s) if !s.active => Some(format!("scope '{name}' is inactive")),
                Some(s) if !st.may_use(orgno, s) => Some(format!(
                    "organization {orgno} has no access to scope '{name}' (ask its owner {} for a grant)",
                    s.owner_orgno.as_deref().unwrap_or("?")
                )),
                Some(s) if !allows_type(s, itype.as_str()) => Some(format!(
                    "scope '{name}' is not allowed for integration_type {itype}"
                )),
                Some(_) => None,
            }
        };
        if let Some(m) = msg {
            problems.add("scopes", m);
        }
    }
}

pub async fn create(State(sh): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let me = caller(&sh, &headers, DCR_WRITE)?;
    let (raw, mut client): (_, Client) = body(&bytes, "Client")?;
    let customer = client
        .client_orgno
        .clone()
        .filter(|o| !o.is_empty() && *o != me.orgno);
    if let Some(c) = &customer {
        me.require(DCR_SUPPLIER).map_err(|_| {
            ApiFail::forbidden(format!(
                "client_orgno {c} is not your organization {}: creating clients for others needs idporten:dcr.supplier",
                me.orgno
            ))
        })?;
        if c.parse::<crate::wire::types::OrgNumber>().is_err() {
            return Err(ApiFail::field(
                "Client",
                "client_orgno",
                format!("client_orgno '{c}' is not a valid organization number (9 digits, MOD11)"),
            ));
        }
    }
    let created = sh.store.mutate(|st| {
        let mut problems = Problems::new("Client");
        problems.server_owned(&raw, Client::SERVER_OWNED);
        let owner = customer.clone().unwrap_or_else(|| me.orgno.clone());
        check(st, &owner, &mut client, &[], &mut problems);
        problems.check()?;
        let now = timestamp_now();
        client.client_id = uuid::Uuid::new_v4().to_string();
        client.client_orgno = Some(owner);
        client.supplier_orgno = customer.map(|_| me.orgno.clone());
        // An absent `active` is true (the model's default); `false` makes a client Digdir
        // never synchronises to Maskinporten, which here means it gets no tokens and is not
        // listed.
        client.created = Some(now.clone());
        client.last_updated = Some(now);
        st.clients.insert(client.client_id.clone(), client.clone());
        Ok(client)
    })?;
    ok(&created)
}

pub async fn update(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_MODIFY)?;
    let (raw, mut client): (_, Client) = body(&bytes, "Client")?;
    let updated = sh.store.mutate(|st| {
        let current = changeable_client(st, &me.orgno, &id)?.clone();
        let mut problems = Problems::new("Client");
        problems.server_owned(&raw, Client::SERVER_OWNED);
        if !client.client_id.is_empty() && client.client_id != id {
            problems.add(
                "client_id",
                format!(
                    "client_id '{}' does not match the path ('{id}')",
                    client.client_id
                ),
            );
        }
        if client
            .client_orgno
            .as_deref()
            .is_some_and(|o| Some(o) != current.client_orgno.as_deref())
        {
            problems.add("client_orgno", "client_orgno cannot be changed");
        }
        if let Some(t) = &client.integration_type
            && Some(t) != current.integration_type.as_ref()
        {
            problems.add(
                "integration_type",
                format!(
                    "integration_type cannot be changed (is {}, got {t})",
                    current
                        .integration_type
                        .as_ref()
                        .map_or("none", |i| i.as_str())
                ),
            );
        }
        client.integration_type = current.integration_type.clone();
        let owner = current.client_orgno.clone().unwrap_or_default();
        check(st, &owner, &mut client, &current.scopes, &mut problems);
        problems.check()?;
        client.client_id = current.client_id.clone();
        client.client_orgno = current.client_orgno.clone();
        client.supplier_orgno = current.supplier_orgno.clone();
        client.created = current.created.clone();
        client.last_updated = Some(timestamp_now());
        st.clients.insert(id.clone(), client.clone());
        Ok(client)
    })?;
    ok(&updated)
}

/// DELETE deactivates: the client is gone from listings and can no longer get tokens.
pub async fn delete_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_WRITE)?;
    sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        if let Some(c) = st.clients.get_mut(&id) {
            c.active = false;
            c.last_updated = Some(timestamp_now());
        }
        Ok(())
    })?;
    empty()
}
