//! The organisation's estate as code: an estate file (TOML) says what scopes, grants,
//! clients and keys should be; `export` writes the live estate as one, the planner turns a
//! file and the live state into ordered `Change`s (each with the state it starts from), and
//! `apply` runs them through the change engine. What the file does not write is left alone.

mod apply;
mod export;
mod file;
mod live;
mod lock;
mod parse;
mod plan;
mod render;

pub use apply::{Event, Failure, Report, apply, changed_since};
pub use export::{Kinds, Origin, quote, render as export};
pub use file::{ClientEntry, Estate, Prune, ScopeEntry};
pub use live::{Live, PARALLEL};
pub use lock::{Lock, LockError, acquire as lock, file_name as lock_name};
pub use parse::{FileError, parse};
pub use plan::{FieldChange, Item, Plan, PlanError, Symbol, match_client, phase, plan};
pub use render::{FORMAT as PLAN_FORMAT, Made, Saved, printable, summary, text};

use crate::api::{AdminApi, ApiError};
use crate::wire::models::{Client, Scope};
use crate::wire::types::{ClientId, ScopeName};

/// The live estate `estate` needs for a plan: the scopes and clients, the grants of the
/// scopes whose consumers it lists, the keys of the clients whose keys it lists.
pub async fn read_for(api: &AdminApi, estate: &Estate) -> Result<Live, ApiError> {
    let want_scopes = !estate.scope.is_empty() || estate.scopes.on;
    let want_clients = !estate.client.is_empty() || estate.clients.on;
    let (scopes, clients) = lists(api, want_scopes, want_clients).await?;
    let grant_scopes = estate
        .scope
        .iter()
        .filter(|e| e.approved.is_some() || e.denied.is_some())
        .filter(|e| scopes.iter().any(|s| s.name == e.name.as_str()))
        .map(|e| e.name.clone())
        .collect();
    // An entry that matches no client or several is the planner's to report.
    let key_clients = estate
        .client
        .iter()
        .filter(|e| e.keys.is_some())
        .filter_map(|e| match_client(e, &clients).ok().flatten())
        .filter_map(|c| c.client_id.parse().ok())
        .collect();
    with_details(api, scopes, clients, grant_scopes, key_clients).await
}

/// The whole live estate of the kinds `kinds`, for export.
pub async fn read_all(api: &AdminApi, kinds: Kinds) -> Result<Live, ApiError> {
    let (scopes, clients) = lists(
        api,
        kinds.scopes || kinds.access,
        kinds.clients || kinds.keys,
    )
    .await?;
    let grant_scopes = if kinds.access {
        live::names(&scopes)
    } else {
        Vec::new()
    };
    let key_clients = if kinds.keys {
        live::ids(&clients)
    } else {
        Vec::new()
    };
    with_details(api, scopes, clients, grant_scopes, key_clients).await
}

/// The scope and client lists, each only when wanted, both at once.
async fn lists(
    api: &AdminApi,
    scopes: bool,
    clients: bool,
) -> Result<(Vec<Scope>, Vec<Client>), ApiError> {
    futures::try_join!(
        async {
            if scopes {
                live::scopes(api).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if clients {
                live::clients(api).await
            } else {
                Ok(Vec::new())
            }
        }
    )
}

/// The lists with the grants of `grant_scopes` and the keys of `key_clients` read beside.
async fn with_details(
    api: &AdminApi,
    scopes: Vec<Scope>,
    clients: Vec<Client>,
    grant_scopes: Vec<ScopeName>,
    key_clients: Vec<ClientId>,
) -> Result<Live, ApiError> {
    let (grants, keys) = futures::try_join!(
        live::grants(api, grant_scopes),
        live::keys(api, key_clients)
    )?;
    Ok(Live {
        scopes,
        grants,
        clients,
        keys,
    })
}

/// The organisation the profile acts for: the admin token's consumer, else the business
/// certificate's organisation number.
pub async fn organisation(api: &AdminApi) -> Result<Option<String>, ApiError> {
    let tokens = api.tokens();
    let token = tokens.token().await.map_err(ApiError::from)?;
    Ok(token
        .claims()
        .and_then(|c| c.consumer.orgno())
        .map(str::to_owned)
        .or_else(|| {
            tokens
                .certificate()
                .and_then(|c| c.org_number.as_ref())
                .map(ToString::to_string)
        }))
}
