//! The one executor every change goes through: read what it needs, journal the intent, send,
//! journal the outcome, report. No front sends a mutation any other way.

use std::sync::Mutex;

use serde_json::Value;

use super::change::{Before, Change, scope_name};
use crate::api::{AdminApi, ApiError};
use crate::journal::{Entry, Journal};
use crate::keys;
use crate::wire::models::Jwk;
use crate::wire::types::{ClientId, Kid};

/// Where changes are recorded, and for which profile.
#[derive(Debug, Clone)]
pub struct JournalTarget {
    pub journal: Journal,
    pub profile: String,
    pub environment: String,
}

/// A change that went through.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The journal's id of the change (`None` without a journal).
    pub id: Option<String>,
    pub before: Before,
    /// The server's answer, when it sends the object back.
    pub after: Option<Value>,
    /// For the user: "created scope nav:a", "added key k1 to client x (3 keys now)".
    pub summary: String,
    /// The key of the object made, to select it: a new scope's name, a new client's id.
    pub made: Option<String>,
}

impl Applied {
    /// The server's answer as the object it is (a created scope, an updated client).
    pub fn after_as<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.after.clone()?).ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Refused before anything was sent (a key the registry would refuse, a key set rule).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The key set was replaced, and read back without keys it should hold: another writer
    /// changed it at the same moment.
    #[error(
        "client {client}: key(s) {} missing from the key set read back after it was replaced: another change to the same client's keys raced this one; look at `mpadmin keys list {client}` and upload what is missing",
        kids.join(", ")
    )]
    LostKeys { client: String, kids: Vec<String> },
}

impl ChangeError {
    /// Nothing was sent: a usage error (exit 2) for the CLI.
    pub fn is_refusal(&self) -> bool {
        match self {
            ChangeError::Refused(_) => true,
            ChangeError::Api(e) => e.is_usage(),
            ChangeError::LostKeys { .. } => false,
        }
    }

    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            ChangeError::Refused(_) | ChangeError::LostKeys { .. } => None,
            ChangeError::Api(e) => e.correlation_id(),
        }
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(self, ChangeError::Api(e) if e.is_unreachable())
    }
}

impl From<keys::KeyError> for ChangeError {
    fn from(e: keys::KeyError) -> ChangeError {
        ChangeError::Refused(e.to_string())
    }
}

/// Runs changes against one profile's admin API and journal. Cheap to clone (the API shares
/// its connection pool and token cache).
pub struct Engine {
    api: AdminApi,
    journal: Option<JournalTarget>,
    run: Option<String>,
    /// Journal writes that failed; the change itself stands either way.
    trouble: Mutex<Vec<String>>,
}

impl Clone for Engine {
    fn clone(&self) -> Engine {
        Engine {
            api: self.api.clone(),
            journal: self.journal.clone(),
            run: self.run.clone(),
            trouble: Mutex::new(Vec::new()),
        }
    }
}

impl Engine {
    /// `journal` is `None` when there is none (no data directory, the demo).
    pub fn new(api: AdminApi, journal: Option<JournalTarget>) -> Engine {
        Engine {
            api,
            journal,
            run: None,
            trouble: Mutex::new(Vec::new()),
        }
    }

    /// Every change of this engine is journaled with `run` (one `apply`).
    pub fn with_run(mut self, run: String) -> Engine {
        self.run = Some(run);
        self
    }

    pub fn api(&self) -> &AdminApi {
        &self.api
    }

    pub fn journal(&self) -> Option<&JournalTarget> {
        self.journal.as_ref()
    }

    /// Journal writes that failed since the last call, for the user to hear of once.
    pub fn take_trouble(&self) -> Vec<String> {
        self.trouble
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default()
    }

    /// Read what `change` needs, then apply it.
    pub async fn apply(&self, change: &Change) -> Result<Applied, ChangeError> {
        let before = self.read_before(change).await?;
        self.apply_from(change, before).await
    }

    /// Refuse, before anything is sent, a change the admin token's scopes do not allow
    /// (`dcr.modify` changes clients and keys but creates and deletes none), instead of a 403
    /// after the fact. The token is the one the requests use, from the cache.
    async fn allowed(&self, change: &Change) -> Result<(), ChangeError> {
        let token = self.api.tokens().token().await.map_err(ApiError::from)?;
        // A token that names no scopes tells nothing; the server decides.
        if token.scopes().is_empty() {
            return Ok(());
        }
        match crate::wire::admin::missing(change.needs(), token.scopes()) {
            None => Ok(()),
            Some(scope) => Err(ChangeError::Refused(crate::wire::admin::refusal(
                &change.describe(),
                scope,
            ))),
        }
    }

    /// Our organisation number when the admin token makes this session a supplier's
    /// (`idporten:dcr.supplier`), else `None`.
    pub async fn supplier(&self) -> Result<Option<String>, ApiError> {
        let token = self.api.tokens().token().await?;
        if !crate::wire::admin::is_supplier(token.scopes()) {
            return Ok(None);
        }
        Ok(token
            .claims()
            .and_then(|c| c.consumer.orgno())
            .map(str::to_owned))
    }

    /// Refuse, before anything is sent, what the `idporten:dcr.supplier` rules do not allow:
    /// a client for another organisation without that scope, and, in supplier mode, a change
    /// to a client another supplier made (its `supplier_orgno` is not ours). Key and
    /// on-behalf-of changes read the client for it (supplier mode only).
    async fn supplier_rule(&self, change: &Change, before: &Before) -> Result<(), ChangeError> {
        use crate::wire::admin::{DCR_SUPPLIER, is_supplier, missing, not_our_supply, refusal};
        let token = self.api.tokens().token().await.map_err(ApiError::from)?;
        let Some(ours) = token.claims().and_then(|c| c.consumer.orgno()) else {
            return Ok(());
        };
        if let Change::CreateClient { client } = change
            && client.client_orgno.as_deref().is_some_and(|o| o != ours)
            && !token.scopes().is_empty()
            && let Some(scope) = missing(DCR_SUPPLIER, token.scopes())
        {
            let what = format!(
                "{} for organisation {}",
                change.describe(),
                client.client_orgno.as_deref().unwrap_or("")
            );
            return Err(ChangeError::Refused(refusal(&what, scope)));
        }
        let Some(id) = change.altered_client() else {
            return Ok(());
        };
        if !is_supplier(token.scopes()) {
            return Ok(());
        }
        let client = match before {
            Before::Client(c) => (**c).clone(),
            _ => self.api.client(id).await?,
        };
        match not_our_supply(
            id.as_str(),
            client.supplier_orgno.as_deref(),
            client.client_orgno.as_deref(),
            ours,
        ) {
            Some(reason) => Err(ChangeError::Refused(format!(
                "{}: refused before sending: {reason}",
                change.describe()
            ))),
            None => Ok(()),
        }
    }

    /// The live state `change` starts from.
    pub async fn read_before(&self, change: &Change) -> Result<Before, ApiError> {
        let api = &self.api;
        Ok(match change {
            Change::CreateScope { .. }
            | Change::CreateClient { .. }
            | Change::AddOnBehalfOf { .. } => Before::Nothing,
            Change::UpdateScope { name, .. }
            | Change::DeactivateScope { name }
            | Change::ReactivateScope { name, .. } => {
                Before::Scope(Box::new(api.scope(name).await?))
            }
            Change::Grant { scope, consumer }
            | Change::Revoke { scope, consumer }
            | Change::Approve { scope, consumer }
            | Change::Deny { scope, consumer } => {
                let rows = api.scope_access(scope).await?;
                Before::Access(
                    rows.into_iter()
                        .find(|r| r.consumer_orgno == consumer.as_str())
                        .map(Box::new),
                )
            }
            Change::UpdateClient { id, .. } | Change::DeleteClient { id } => {
                Before::Client(Box::new(api.client(id).await?))
            }
            Change::AddKey { client, .. } | Change::RemoveKey { client, .. } => {
                Before::Keys(api.jwks(client).await?.keys)
            }
            Change::UpdateOnBehalfOf {
                client,
                registration,
            } => Before::OnBehalfOf(Box::new(
                api.onbehalfof_one(client, &registration.onbehalfof).await?,
            )),
            Change::RemoveOnBehalfOf { client, onbehalfof } => {
                Before::OnBehalfOf(Box::new(api.onbehalfof_one(client, onbehalfof).await?))
            }
        })
    }

    /// Apply `change` from a state already known (read by a plan): intent to the journal,
    /// the request, the outcome to the journal.
    pub async fn apply_from(
        &self,
        change: &Change,
        before: Before,
    ) -> Result<Applied, ChangeError> {
        self.allowed(change).await?;
        self.supplier_rule(change, &before).await?;
        let request = Request::prepare(change, &before)?;
        tracing::info!(change = %change.describe(), "sending");
        let intent = self.intent(change, &before).await;
        let id = intent.as_ref().and_then(|e| e.id.clone());
        let result = request.send(&self.api, change).await;
        let after = match &result {
            Ok(sent) => sent.after.clone(),
            Err(_) => None,
        };
        if let Some(intent) = intent {
            let mut line = intent.outcome(match &result {
                Ok(_) => Ok(after.as_ref()),
                Err(e) => Err((outcome_text(e), e.correlation_id().map(str::to_owned))),
            });
            // A new client is known by the id the server gave it from now on.
            if let (Change::CreateClient { .. }, Ok(Sent { made: Some(id), .. })) =
                (change, &result)
            {
                line.target = id.clone();
            }
            self.append(line).await;
        }
        let sent = result?;
        Ok(Applied {
            id,
            before,
            after,
            summary: sent.summary,
            made: sent.made,
        })
    }

    async fn intent(&self, change: &Change, before: &Before) -> Option<Entry> {
        let t = self.journal.as_ref()?;
        let mut entry = Entry::new(
            &t.profile,
            &t.environment,
            change.operation(),
            change.target(),
        );
        if let Some(value) = before.to_value() {
            entry = entry.before(&value);
        }
        let entry = entry.intent(
            serde_json::to_value(change).unwrap_or(Value::Null),
            self.run.as_deref(),
        );
        self.append(entry.clone()).await.then_some(entry)
    }

    /// Append off the async threads (the journal syncs each line to disk); false if it failed.
    async fn append(&self, entry: Entry) -> bool {
        let Some(t) = &self.journal else {
            return false;
        };
        let journal = t.journal.clone();
        let written = tokio::task::spawn_blocking(move || journal.append(&entry))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        match written {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("journal: {e}");
                if let Ok(mut t) = self.trouble.lock() {
                    t.push(format!("could not record the change in the journal: {e}"));
                }
                false
            }
        }
    }
}

/// The journal's result for a failed request: an answer that may have been lost is not a
/// refusal, and says so.
fn outcome_text(e: &ChangeError) -> String {
    match e {
        ChangeError::Api(ApiError::Unsettled {
            not_applied: false, ..
        }) => format!("{}: {e}", crate::journal::OUTCOME_UNKNOWN),
        other => other.to_string(),
    }
}

/// What a change sends, worked out before the intent is journaled, so a refusal costs
/// nothing and leaves no entry.
enum Request {
    Plain,
    /// The key set as it should be afterwards (the new key last, for an addition). Sent one
    /// key at a time where the server can; else as a whole (read-modify-replace; an empty set
    /// is a DELETE).
    KeySet(Vec<Jwk>),
}

struct Sent {
    after: Option<Value>,
    summary: String,
    made: Option<String>,
}

impl Sent {
    fn of(after: &impl serde::Serialize, summary: String) -> Sent {
        Sent {
            after: serde_json::to_value(after).ok(),
            summary,
            made: None,
        }
    }
}

impl Request {
    fn prepare(change: &Change, before: &Before) -> Result<Request, ChangeError> {
        let keys_before = || match before {
            Before::Keys(k) => Ok(k.as_slice()),
            _ => Err(ChangeError::Refused(format!(
                "{}: the client's key set was not read first",
                change.describe()
            ))),
        };
        Ok(match change {
            Change::AddKey { jwk, replaces, .. } => {
                let existing = keys_before()?;
                let jwk = keys::with_defaults((**jwk).clone())?;
                let kept: Vec<Jwk> = existing
                    .iter()
                    .filter(|k| !replaces.iter().any(|r| k.kid.as_ref() == Some(r)))
                    .cloned()
                    .collect();
                let findings = keys::lint(&jwk.clone().into(), &kept, chrono::Utc::now());
                let refused: Vec<String> =
                    keys::refusals(&findings).map(ToString::to_string).collect();
                if !refused.is_empty() {
                    return Err(ChangeError::Refused(format!(
                        "{}: {}",
                        change.describe(),
                        refused.join("; ")
                    )));
                }
                Request::KeySet(keys::with_key(existing, jwk, replaces)?)
            }
            Change::RemoveKey { kid, .. } => {
                Request::KeySet(keys::without_key(keys_before()?, kid.as_str())?)
            }
            _ => Request::Plain,
        })
    }

    async fn send(self, api: &AdminApi, change: &Change) -> Result<Sent, ChangeError> {
        Ok(match (change, self) {
            (Change::CreateScope { scope }, _) => {
                let made = api.create_scope(scope).await?;
                let mut sent = Sent::of(&made, format!("created scope {}", scope_name(&made)));
                sent.made = Some(scope_name(&made));
                sent
            }
            (Change::UpdateScope { name, scope }, _) => {
                let s = api.update_scope(name, scope).await?;
                Sent::of(&s, format!("updated scope {name}"))
            }
            (Change::DeactivateScope { name }, _) => {
                let s = api.deactivate_scope(name).await?;
                Sent::of(&s, format!("deactivated scope {name}"))
            }
            (Change::ReactivateScope { name, scope }, _) => {
                let mut scope = (**scope).clone();
                scope.active = true;
                let s = api.update_scope(name, &scope).await?;
                Sent::of(&s, format!("reactivated scope {name}"))
            }
            (Change::Grant { scope, consumer }, _) => {
                let a = api.grant(scope, consumer).await?;
                Sent::of(&a, format!("granted {consumer} access to {scope}"))
            }
            (Change::Revoke { scope, consumer }, _) => {
                let a = api.revoke(scope, consumer).await?;
                Sent::of(&a, format!("revoked access to {scope} for {consumer}"))
            }
            (Change::Approve { scope, consumer }, _) => {
                let a = api.grant(scope, consumer).await?;
                Sent::of(&a, format!("approved {consumer}'s request for {scope}"))
            }
            (Change::Deny { scope, consumer }, _) => {
                let a = api.revoke(scope, consumer).await?;
                Sent::of(&a, format!("denied {consumer}'s request for {scope}"))
            }
            (Change::CreateClient { client }, _) => {
                let c = api.create_client(client).await?;
                let mut sent = Sent::of(
                    &c,
                    format!("created client {} ({})", c.client_name, c.client_id),
                );
                sent.made = Some(c.client_id.clone());
                sent
            }
            (Change::UpdateClient { id, client }, _) => {
                let c = api.update_client(id, client).await?;
                Sent::of(&c, format!("updated client {id}"))
            }
            (Change::DeleteClient { id }, _) => {
                api.delete_client(id).await?;
                Sent {
                    after: None,
                    summary: format!("deleted client {id}"),
                    made: None,
                }
            }
            (
                Change::AddKey {
                    client, replaces, ..
                },
                Request::KeySet(set),
            ) => {
                let new = set.last().cloned().unwrap_or_default();
                let kid = new.kid.clone().unwrap_or_default();
                let how = if key_at_a_time(api, client, &new, replaces, set.len()).await? {
                    "one key at a time"
                } else {
                    replace_checked(api, client, &set).await?;
                    "the whole set replaced: this server has no single-key endpoint"
                };
                let mut sent = Sent {
                    after: serde_json::to_value(serde_json::json!({ "keys": set })).ok(),
                    summary: format!(
                        "added key {kid} to client {client} ({} keys now; {how})",
                        set.len()
                    ),
                    made: None,
                };
                sent.made = Some(kid);
                sent
            }
            (Change::RemoveKey { client, kid }, Request::KeySet(rest)) => {
                if !api.delete_jwk(client, kid).await? {
                    replace_checked(api, client, &rest).await?;
                }
                Sent {
                    after: serde_json::to_value(serde_json::json!({ "keys": rest })).ok(),
                    summary: format!(
                        "removed key {kid} from client {client} ({} keys left)",
                        rest.len()
                    ),
                    made: None,
                }
            }
            (
                Change::AddOnBehalfOf {
                    client,
                    registration,
                },
                _,
            ) => {
                let o = api.add_onbehalfof(client, registration).await?;
                let mut sent = Sent::of(
                    &o,
                    format!("added on-behalf-of {} to client {client}", o.onbehalfof),
                );
                sent.made = Some(o.onbehalfof.clone());
                sent
            }
            (
                Change::UpdateOnBehalfOf {
                    client,
                    registration,
                },
                _,
            ) => {
                let o = api.update_onbehalfof(client, registration).await?;
                Sent::of(
                    &o,
                    format!("updated on-behalf-of {} of client {client}", o.onbehalfof),
                )
            }
            (Change::RemoveOnBehalfOf { client, onbehalfof }, _) => {
                api.remove_onbehalfof(client, onbehalfof).await?;
                Sent {
                    after: None,
                    summary: format!("removed on-behalf-of {onbehalfof} from client {client}"),
                    made: None,
                }
            }
            (Change::AddKey { .. } | Change::RemoveKey { .. }, Request::Plain) => {
                unreachable_request(change)?
            }
        })
    }
}

/// Add `new` with `PUT .../jwks/{kid}` and remove `replaces` one by one, so keys another
/// admin adds meanwhile stay. When the set is full, the old keys go first to make room.
/// `Ok(false)`: the server has no single-key endpoint (nothing was changed; a rotation finds
/// that out on its first request).
async fn key_at_a_time(
    api: &AdminApi,
    client: &ClientId,
    new: &Jwk,
    replaces: &[String],
    after: usize,
) -> Result<bool, ApiError> {
    let room_first = after + replaces.len() > keys::MAX_KEYS_PER_CLIENT;
    let mut first = true;
    if room_first {
        for old in replaces {
            if !api.delete_jwk(client, &kid(old)?).await? && first {
                return Ok(false);
            }
            first = false;
        }
    }
    if api.put_jwk(client, new).await?.is_none() && first {
        return Ok(false);
    }
    if !room_first {
        for old in replaces {
            api.delete_jwk(client, &kid(old)?).await?;
        }
    }
    Ok(true)
}

fn kid(s: &str) -> Result<Kid, ApiError> {
    s.parse::<Kid>().map_err(ApiError::Invalid)
}

/// Today's read-modify-replace for a server without single-key endpoints, then the set read
/// back: every key `set` holds must be there, or another writer's replace crossed this one
/// (an empty set is a DELETE: Digdir refuses an empty `keys` array).
async fn replace_checked(
    api: &AdminApi,
    client: &ClientId,
    set: &[Jwk],
) -> Result<(), ChangeError> {
    if set.is_empty() {
        api.delete_jwks(client).await?;
        return Ok(());
    }
    api.replace_jwks(client, set).await?;
    let now = api.jwks(client).await?;
    let lost: Vec<String> = set
        .iter()
        .filter_map(|k| k.kid.clone())
        .filter(|kid| !now.keys.iter().any(|k| k.kid.as_ref() == Some(kid)))
        .collect();
    if lost.is_empty() {
        Ok(())
    } else {
        Err(ChangeError::LostKeys {
            client: client.to_string(),
            kids: lost,
        })
    }
}

/// `prepare` makes a key set for every key change; this guards the match, not the data.
fn unreachable_request(change: &Change) -> Result<Sent, ApiError> {
    Err(ApiError::Invalid(crate::wire::types::InvalidValue(
        format!("{}: no key set was prepared", change.describe()),
    )))
}
