//! Reading the live estate: the scopes and clients in one listing each, then the grants of
//! each scope and the keys of each client, eight requests at a time (the API has no bulk
//! read, and one after another would take minutes for a thousand scopes).

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt, stream};

use crate::api::{AdminApi, ApiError};
use crate::wire::models::{Client, Jwk, Scope, ScopeAccess};
use crate::wire::types::{ClientId, ScopeName};

/// How many listings are in flight at once.
pub const PARALLEL: usize = 8;

/// What the server holds, as far as it was read.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Every scope the organisation owns, inactive ones included.
    pub scopes: Vec<Scope>,
    /// Grant rows by scope name, for the scopes whose grants were read.
    pub grants: HashMap<String, Vec<ScopeAccess>>,
    /// The organisation's active clients.
    pub clients: Vec<Client>,
    /// Keys by client id, for the clients whose keys were read.
    pub keys: HashMap<String, Vec<Jwk>>,
}

impl Live {
    pub fn scope(&self, name: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| s.name == name)
    }
}

/// The organisation's scopes, inactive ones included.
pub async fn scopes(api: &AdminApi) -> Result<Vec<Scope>, ApiError> {
    api.own_scopes(true).await
}

/// The organisation's clients; deleted ones are left out.
pub async fn clients(api: &AdminApi) -> Result<Vec<Client>, ApiError> {
    let mut list = api.clients().await?;
    list.retain(|c| c.active);
    Ok(list)
}

/// The grant rows of each scope in `names`.
pub async fn grants(
    api: &AdminApi,
    names: Vec<ScopeName>,
) -> Result<HashMap<String, Vec<ScopeAccess>>, ApiError> {
    stream::iter(names)
        .map(|name| async move {
            let rows = api.scope_access(&name).await?;
            Ok::<_, ApiError>((name.to_string(), rows))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

/// The keys of each client in `ids`.
pub async fn keys(
    api: &AdminApi,
    ids: Vec<ClientId>,
) -> Result<HashMap<String, Vec<Jwk>>, ApiError> {
    stream::iter(ids)
        .map(|id| async move {
            let set = api.jwks(&id).await?;
            Ok::<_, ApiError>((id.to_string(), set.keys))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

/// Scope names of `scopes` that can be asked for (a malformed name from the server is
/// skipped rather than sent).
pub fn names(scopes: &[Scope]) -> Vec<ScopeName> {
    scopes.iter().filter_map(|s| s.name.parse().ok()).collect()
}

/// Client ids of `clients` that can be asked for.
pub fn ids(clients: &[Client]) -> Vec<ClientId> {
    clients
        .iter()
        .filter_map(|c| c.client_id.parse().ok())
        .collect()
}
