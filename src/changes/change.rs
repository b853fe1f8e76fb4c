//! Every mutation mpadmin makes, as a value: what it is, how it reads in one line, what it
//! must read first, what it touches, and how it is undone.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::journal::Operation;
use crate::wire::models::{AccessState, Client, ClientOnBehalfOf, Jwk, Scope, ScopeAccess};
use crate::wire::types::{ClientId, Kid, OrgNumber, ScopeName};

/// One change on the server. The CLI, the TUI, `apply` and `undo` all build these and hand
/// them to the one `Engine`, so each is described, confirmed, journaled and undone alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    CreateScope {
        scope: Box<Scope>,
    },
    /// `scope` is the whole object as it should be afterwards.
    UpdateScope {
        name: ScopeName,
        scope: Box<Scope>,
    },
    DeactivateScope {
        name: ScopeName,
    },
    /// A PUT with `active: true` (a POST of a deactivated scope is a 409).
    ReactivateScope {
        name: ScopeName,
        scope: Box<Scope>,
    },
    /// Also re-approval of a DENIED row.
    Grant {
        scope: ScopeName,
        consumer: OrgNumber,
    },
    Revoke {
        scope: ScopeName,
        consumer: OrgNumber,
    },
    /// The answer yes to a consumer's REQUESTED row: the same PUT as a grant, journaled as
    /// what the admin meant.
    Approve {
        scope: ScopeName,
        consumer: OrgNumber,
    },
    /// The answer no to a REQUESTED row: the same DELETE as a revoke.
    Deny {
        scope: ScopeName,
        consumer: OrgNumber,
    },
    CreateClient {
        client: Box<Client>,
    },
    /// `client` is the whole registration as it should be afterwards.
    UpdateClient {
        id: ClientId,
        client: Box<Client>,
    },
    DeleteClient {
        id: ClientId,
    },
    /// Upload one public key beside the client's others; `replaces` are removed in the same
    /// upload (a rotation that must make room under the five-key limit).
    AddKey {
        client: ClientId,
        jwk: Box<Jwk>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        replaces: Vec<String>,
    },
    RemoveKey {
        client: ClientId,
        kid: Kid,
    },
    /// A new on-behalf-of registration; its `onbehalfof` id is chosen by the admin.
    AddOnBehalfOf {
        client: ClientId,
        registration: Box<ClientOnBehalfOf>,
    },
    /// `registration` is the whole registration as it should be afterwards.
    UpdateOnBehalfOf {
        client: ClientId,
        registration: Box<ClientOnBehalfOf>,
    },
    RemoveOnBehalfOf {
        client: ClientId,
        onbehalfof: String,
    },
}

/// The live state a change starts from, read just before it is sent (or known from a plan).
/// It is journaled with the intent as the plain API object, so undo knows what to go back to
/// and a person reading the journal sees what they would see in the API.
#[derive(Debug, Clone, PartialEq)]
pub enum Before {
    /// Nothing to read: a creation.
    Nothing,
    Scope(Box<Scope>),
    /// The consumer's row on the scope, if it has one.
    Access(Option<Box<ScopeAccess>>),
    Client(Box<Client>),
    Keys(Vec<Jwk>),
    OnBehalfOf(Box<ClientOnBehalfOf>),
}

impl Before {
    /// The journal's `before`: the API object, or nothing.
    pub fn to_value(&self) -> Option<Value> {
        match self {
            Before::Nothing | Before::Access(None) => None,
            Before::Scope(s) => serde_json::to_value(s).ok(),
            Before::Access(Some(row)) => serde_json::to_value(row).ok(),
            Before::Client(c) => serde_json::to_value(c).ok(),
            Before::Keys(k) => serde_json::to_value(k).ok(),
            Before::OnBehalfOf(o) => serde_json::to_value(o).ok(),
        }
    }

    /// Read back what `to_value` wrote for `change`.
    pub fn from_value(change: &Change, value: Option<&Value>) -> Result<Before, NoInverse> {
        fn parse<T: serde::de::DeserializeOwned>(v: Option<&Value>) -> Result<T, NoInverse> {
            let v = v.ok_or_else(|| NoInverse("the journal recorded no state before it".into()))?;
            serde_json::from_value(v.clone())
                .map_err(|e| NoInverse(format!("the state recorded before it cannot be read: {e}")))
        }
        Ok(match change {
            Change::CreateScope { .. }
            | Change::CreateClient { .. }
            | Change::AddOnBehalfOf { .. } => Before::Nothing,
            Change::UpdateScope { .. }
            | Change::DeactivateScope { .. }
            | Change::ReactivateScope { .. } => Before::Scope(Box::new(parse(value)?)),
            Change::Grant { .. }
            | Change::Revoke { .. }
            | Change::Approve { .. }
            | Change::Deny { .. } => match value {
                None | Some(Value::Null) => Before::Access(None),
                v => Before::Access(Some(Box::new(parse(v)?))),
            },
            Change::UpdateClient { .. } | Change::DeleteClient { .. } => {
                Before::Client(Box::new(parse(value)?))
            }
            Change::AddKey { .. } | Change::RemoveKey { .. } => Before::Keys(parse(value)?),
            Change::UpdateOnBehalfOf { .. } | Change::RemoveOnBehalfOf { .. } => {
                Before::OnBehalfOf(Box::new(parse(value)?))
            }
        })
    }
}

/// What a change touches, so a front re-reads exactly that afterwards and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Touched {
    Scopes,
    Grants(ScopeName),
    Clients,
    Keys(ClientId),
}

/// Why a change has no inverse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoInverse(pub String);

impl Change {
    /// One line, the same in the CLI's prompt, the TUI's status line, the plan and the journal.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateScope { scope } => format!("create scope {}", scope_name(scope)),
            Change::UpdateScope { name, .. } => format!("update scope {name}"),
            Change::DeactivateScope { name } => format!("deactivate scope {name}"),
            Change::ReactivateScope { name, .. } => format!("reactivate scope {name}"),
            Change::Grant { scope, consumer } => format!("grant {consumer} access to {scope}"),
            Change::Revoke { scope, consumer } => {
                format!("revoke access to {scope} for {consumer}")
            }
            Change::Approve { scope, consumer } => {
                format!("approve {consumer}'s request for {scope}")
            }
            Change::Deny { scope, consumer } => format!("deny {consumer}'s request for {scope}"),
            Change::CreateClient { client } => format!("create client '{}'", client.client_name),
            Change::UpdateClient { id, .. } => format!("update client {id}"),
            Change::DeleteClient { id } => format!("delete client {id}"),
            Change::AddKey {
                client,
                jwk,
                replaces,
            } => {
                let kid = jwk.kid.as_deref().unwrap_or("(thumbprint)");
                if replaces.is_empty() {
                    format!("add key {kid} to client {client}")
                } else {
                    format!(
                        "add key {kid} to client {client}, removing {}",
                        replaces.join(", ")
                    )
                }
            }
            Change::RemoveKey { client, kid } => format!("remove key {kid} from client {client}"),
            Change::AddOnBehalfOf {
                client,
                registration,
            } => format!(
                "add on-behalf-of {} ({}) to client {client}",
                registration.onbehalfof,
                registration.orgno.as_deref().unwrap_or("no orgno")
            ),
            Change::UpdateOnBehalfOf {
                client,
                registration,
            } => format!(
                "update on-behalf-of {} of client {client}",
                registration.onbehalfof
            ),
            Change::RemoveOnBehalfOf { client, onbehalfof } => {
                format!("remove on-behalf-of {onbehalfof} from client {client}")
            }
        }
    }

    /// Terraform's symbol: `+` adds (create, grant, add key), `~` changes, `-` takes away
    /// (revoke, deactivate, delete, remove key).
    pub fn symbol(&self) -> char {
        match self {
            Change::CreateScope { .. }
            | Change::Grant { .. }
            | Change::Approve { .. }
            | Change::CreateClient { .. }
            | Change::AddKey { .. }
            | Change::AddOnBehalfOf { .. } => '+',
            Change::UpdateScope { .. }
            | Change::ReactivateScope { .. }
            | Change::UpdateClient { .. }
            | Change::UpdateOnBehalfOf { .. } => '~',
            Change::DeactivateScope { .. }
            | Change::Revoke { .. }
            | Change::Deny { .. }
            | Change::DeleteClient { .. }
            | Change::RemoveKey { .. }
            | Change::RemoveOnBehalfOf { .. } => '-',
        }
    }

    /// Takes something away: revocations, deactivations, deletions, removed keys. These ask
    /// for confirmation even outside PROD.
    pub fn is_destructive(&self) -> bool {
        match self {
            Change::DeactivateScope { .. }
            | Change::Revoke { .. }
            | Change::Deny { .. }
            | Change::DeleteClient { .. }
            | Change::RemoveKey { .. }
            | Change::RemoveOnBehalfOf { .. } => true,
            Change::AddKey { replaces, .. } => !replaces.is_empty(),
            _ => false,
        }
    }

    /// The admin scopes any one of which lets this change through.
    pub fn needs(&self) -> &'static [&'static str] {
        use crate::wire::admin::{DCR_MODIFY, DCR_WRITE, ONBEHALFOF_WRITE, SCOPES_WRITE};
        match self {
            Change::CreateScope { .. }
            | Change::UpdateScope { .. }
            | Change::DeactivateScope { .. }
            | Change::ReactivateScope { .. }
            | Change::Grant { .. }
            | Change::Revoke { .. }
            | Change::Approve { .. }
            | Change::Deny { .. } => SCOPES_WRITE,
            Change::CreateClient { .. } | Change::DeleteClient { .. } => DCR_WRITE,
            Change::UpdateClient { .. } | Change::AddKey { .. } | Change::RemoveKey { .. } => {
                DCR_MODIFY
            }
            Change::AddOnBehalfOf { .. }
            | Change::UpdateOnBehalfOf { .. }
            | Change::RemoveOnBehalfOf { .. } => ONBEHALFOF_WRITE,
        }
    }

    /// The existing client this change alters (its registration, keys or on-behalf-of
    /// registrations), for the supplier rule.
    pub fn altered_client(&self) -> Option<&ClientId> {
        match self {
            Change::UpdateClient { id, .. } | Change::DeleteClient { id } => Some(id),
            Change::AddKey { client, .. }
            | Change::RemoveKey { client, .. }
            | Change::AddOnBehalfOf { client, .. }
            | Change::UpdateOnBehalfOf { client, .. }
            | Change::RemoveOnBehalfOf { client, .. } => Some(client),
            _ => None,
        }
    }

    pub fn operation(&self) -> Operation {
        match self {
            Change::CreateScope { .. } => Operation::ScopeCreate,
            Change::UpdateScope { .. } => Operation::ScopeUpdate,
            Change::DeactivateScope { .. } => Operation::ScopeDeactivate,
            Change::ReactivateScope { .. } => Operation::ScopeReactivate,
            Change::Grant { .. } => Operation::AccessGrant,
            Change::Revoke { .. } => Operation::AccessRevoke,
            Change::Approve { .. } => Operation::AccessApprove,
            Change::Deny { .. } => Operation::AccessDeny,
            Change::CreateClient { .. } => Operation::ClientCreate,
            Change::UpdateClient { .. } => Operation::ClientUpdate,
            Change::DeleteClient { .. } => Operation::ClientDelete,
            Change::AddKey { .. } => Operation::KeyAdd,
            Change::RemoveKey { .. } => Operation::KeyRemove,
            Change::AddOnBehalfOf { .. } => Operation::OnBehalfOfAdd,
            Change::UpdateOnBehalfOf { .. } => Operation::OnBehalfOfUpdate,
            Change::RemoveOnBehalfOf { .. } => Operation::OnBehalfOfRemove,
        }
    }

    /// The journal's target: a scope name, `scope -> orgno`, a client id, `client/kid`.
    pub fn target(&self) -> String {
        match self {
            Change::CreateScope { scope } => scope_name(scope),
            Change::UpdateScope { name, .. }
            | Change::DeactivateScope { name }
            | Change::ReactivateScope { name, .. } => name.to_string(),
            Change::Grant { scope, consumer }
            | Change::Revoke { scope, consumer }
            | Change::Approve { scope, consumer }
            | Change::Deny { scope, consumer } => format!("{scope} -> {consumer}"),
            Change::CreateClient { client } => client.client_name.clone(),
            Change::UpdateClient { id, .. } | Change::DeleteClient { id } => id.to_string(),
            Change::AddKey { client, jwk, .. } => {
                format!("{client}/{}", jwk.kid.as_deref().unwrap_or_default())
            }
            Change::RemoveKey { client, kid } => format!("{client}/{kid}"),
            Change::AddOnBehalfOf {
                client,
                registration,
            }
            | Change::UpdateOnBehalfOf {
                client,
                registration,
            } => format!("{client}::{}", registration.onbehalfof),
            Change::RemoveOnBehalfOf { client, onbehalfof } => format!("{client}::{onbehalfof}"),
        }
    }

    pub fn touches(&self) -> Touched {
        match self {
            Change::CreateScope { .. }
            | Change::UpdateScope { .. }
            | Change::DeactivateScope { .. }
            | Change::ReactivateScope { .. } => Touched::Scopes,
            Change::Grant { scope, .. }
            | Change::Revoke { scope, .. }
            | Change::Approve { scope, .. }
            | Change::Deny { scope, .. } => Touched::Grants(scope.clone()),
            // The registrations are part of what a client's details show.
            Change::CreateClient { .. }
            | Change::UpdateClient { .. }
            | Change::DeleteClient { .. }
            | Change::AddOnBehalfOf { .. }
            | Change::UpdateOnBehalfOf { .. }
            | Change::RemoveOnBehalfOf { .. } => Touched::Clients,
            Change::AddKey { client, .. } | Change::RemoveKey { client, .. } => {
                Touched::Keys(client.clone())
            }
        }
    }

    /// The change that takes this one back, given the state `before` it ran and what the
    /// server answered (`after`, for the id of a created client).
    pub fn inverse(
        &self,
        before: &Before,
        after: Option<&serde_json::Value>,
    ) -> Result<Change, NoInverse> {
        let mismatch = || {
            NoInverse(format!(
                "the state recorded before '{}' is not of the kind it needs",
                self.describe()
            ))
        };
        match (self, before) {
            // Maskinporten has no way to delete a scope: deactivating is the way back.
            (Change::CreateScope { scope }, _) => Ok(Change::DeactivateScope {
                name: scope_name(scope).parse().map_err(|_| mismatch())?,
            }),
            (Change::UpdateScope { name, .. }, Before::Scope(old)) => Ok(Change::UpdateScope {
                name: name.clone(),
                scope: old.clone(),
            }),
            (Change::DeactivateScope { name }, Before::Scope(old)) => {
                if !old.active {
                    return Err(NoInverse(format!(
                        "scope {name} was already inactive: the deactivation changed nothing"
                    )));
                }
                Ok(Change::ReactivateScope {
                    name: name.clone(),
                    scope: old.clone(),
                })
            }
            (Change::ReactivateScope { name, .. }, _) => {
                Ok(Change::DeactivateScope { name: name.clone() })
            }
            (Change::Grant { scope, consumer }, Before::Access(row)) => {
                if row
                    .as_ref()
                    .is_some_and(|r| r.state == AccessState::Approved)
                {
                    return Err(NoInverse(format!(
                        "{consumer} already had access to {scope}: the grant changed nothing"
                    )));
                }
                Ok(Change::Revoke {
                    scope: scope.clone(),
                    consumer: consumer.clone(),
                })
            }
            (Change::Revoke { scope, consumer }, Before::Access(row)) => {
                if row
                    .as_ref()
                    .is_none_or(|r| r.state != AccessState::Approved)
                {
                    return Err(NoInverse(format!(
                        "{consumer} had no access to {scope}: the revoke changed nothing"
                    )));
                }
                Ok(Change::Grant {
                    scope: scope.clone(),
                    consumer: consumer.clone(),
                })
            }
            // A request cannot be made to wait again: the way back from an answer is the
            // other answer.
            (Change::Approve { scope, consumer }, _) => Ok(Change::Revoke {
                scope: scope.clone(),
                consumer: consumer.clone(),
            }),
            (Change::Deny { scope, consumer }, _) => Ok(Change::Grant {
                scope: scope.clone(),
                consumer: consumer.clone(),
            }),
            (Change::CreateClient { client }, _) => {
                let id = after
                    .and_then(|a| a.get("client_id"))
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| {
                        NoInverse(format!(
                            "the journal has no client id for the creation of '{}' (did it fail?)",
                            client.client_name
                        ))
                    })?;
                Ok(Change::DeleteClient {
                    id: id.parse().map_err(|_| mismatch())?,
                })
            }
            (Change::UpdateClient { id, .. }, Before::Client(old)) => Ok(Change::UpdateClient {
                id: id.clone(),
                client: old.clone(),
            }),
            (Change::DeleteClient { id }, _) => Err(NoInverse(format!(
                "client {id} was deleted: Digdir gives a new client a new client_id, so every \
                 integration that used {id} would still be broken; create a new client instead"
            ))),
            (Change::AddKey { client, jwk, .. }, Before::Keys(old)) => {
                let kid = jwk.kid.as_deref().unwrap_or_default();
                if old.iter().any(|k| k.kid.as_deref() == Some(kid)) {
                    return Err(NoInverse(format!(
                        "client {client} had a key {kid} before: removing it would not restore \
                         the old one"
                    )));
                }
                Ok(Change::RemoveKey {
                    client: client.clone(),
                    kid: kid.parse().map_err(|_| mismatch())?,
                })
            }
            (Change::RemoveKey { client, kid }, Before::Keys(old)) => {
                let jwk = old
                    .iter()
                    .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                    .ok_or_else(|| {
                        NoInverse(format!(
                            "the journal holds no public key {kid} of client {client} to upload again"
                        ))
                    })?;
                Ok(Change::AddKey {
                    client: client.clone(),
                    jwk: Box::new(jwk.clone()),
                    replaces: Vec::new(),
                })
            }
            (
                Change::AddOnBehalfOf {
                    client,
                    registration,
                },
                _,
            ) => Ok(Change::RemoveOnBehalfOf {
                client: client.clone(),
                onbehalfof: registration.onbehalfof.clone(),
            }),
            (Change::UpdateOnBehalfOf { client, .. }, Before::OnBehalfOf(old)) => {
                Ok(Change::UpdateOnBehalfOf {
                    client: client.clone(),
                    registration: old.clone(),
                })
            }
            (Change::RemoveOnBehalfOf { client, .. }, Before::OnBehalfOf(old)) => {
                Ok(Change::AddOnBehalfOf {
                    client: client.clone(),
                    registration: old.clone(),
                })
            }
            _ => Err(mismatch()),
        }
    }
}

/// `prefix:subscope`: a scope being created has no `name` from the server yet.
pub fn scope_name(scope: &Scope) -> String {
    if scope.name.is_empty() {
        format!("{}:{}", scope.prefix, scope.subscope)
    } else {
        scope.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(active: bool) -> Scope {
        Scope {
            name: "nav:a".into(),
            prefix: "nav".into(),
            subscope: "a".into(),
            description: "old".into(),
            active,
            ..Scope::default()
        }
    }

    fn row(state: AccessState) -> Before {
        Before::Access(Some(Box::new(ScopeAccess {
            scope: "nav:a".into(),
            consumer_orgno: "991825827".into(),
            state,
            ..ScopeAccess::default()
        })))
    }

    fn grant() -> Change {
        Change::Grant {
            scope: "nav:a".parse().unwrap(),
            consumer: "991825827".parse().unwrap(),
        }
    }

    #[test]
    fn a_grant_is_undone_by_a_revoke_unless_access_was_there_already() {
        let undo = grant().inverse(&Before::Access(None), None).unwrap();
        assert_eq!(undo.describe(), "revoke access to nav:a for 991825827");
        assert_eq!(
            grant()
                .inverse(&row(AccessState::Denied), None)
                .unwrap()
                .operation(),
            Operation::AccessRevoke
        );
        let err = grant()
            .inverse(&row(AccessState::Approved), None)
            .unwrap_err();
        assert!(err.0.contains("changed nothing"), "{err}");
    }

    #[test]
    fn a_revoke_is_undone_by_a_grant() {
        let revoke = grant().inverse(&Before::Access(None), None).unwrap();
        let back = revoke.inverse(&row(AccessState::Approved), None).unwrap();
        assert_eq!(back, grant());
    }

    #[test]
    fn a_deactivation_is_undone_by_reactivating_the_old_scope() {
        let name: ScopeName = "nav:a".parse().unwrap();
        let c = Change::DeactivateScope { name: name.clone() };
        let undo = c
            .inverse(&Before::Scope(Box::new(scope(true))), None)
            .unwrap();
        assert_eq!(
            undo,
            Change::ReactivateScope {
                name,
                scope: Box::new(scope(true))
            }
        );
        assert!(
            c.inverse(&Before::Scope(Box::new(scope(false))), None)
                .is_err()
        );
    }

    #[test]
    fn an_update_goes_back_to_the_recorded_fields() {
        let mut new = scope(true);
        new.description = "new".into();
        let c = Change::UpdateScope {
            name: "nav:a".parse().unwrap(),
            scope: Box::new(new),
        };
        match c
            .inverse(&Before::Scope(Box::new(scope(true))), None)
            .unwrap()
        {
            Change::UpdateScope { scope, .. } => assert_eq!(scope.description, "old"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deleted_client_cannot_be_undone_and_says_why() {
        let c = Change::DeleteClient {
            id: "abc".parse().unwrap(),
        };
        let err = c.inverse(&Before::Nothing, None).unwrap_err();
        assert!(err.0.contains("new client_id"), "{err}");
    }

    #[test]
    fn a_removed_key_is_uploaded_again_from_its_recorded_public_jwk() {
        let jwk = Jwk {
            kty: "RSA".into(),
            kid: Some("k1".into()),
            ..Jwk::default()
        };
        let c = Change::RemoveKey {
            client: "abc".parse().unwrap(),
            kid: "k1".parse().unwrap(),
        };
        match c.inverse(&Before::Keys(vec![jwk.clone()]), None).unwrap() {
            Change::AddKey { jwk: back, .. } => assert_eq!(*back, jwk),
            other => panic!("{other:?}"),
        }
    }

    fn registration(name: &str) -> ClientOnBehalfOf {
        ClientOnBehalfOf {
            onbehalfof: "kommune-a".into(),
            name: Some(name.into()),
            orgno: Some("991825827".into()),
            created: Some("2026-01-01T00:00:00.000Z".into()),
            ..ClientOnBehalfOf::default()
        }
    }

    #[test]
    fn on_behalf_of_changes_undo_each_other_from_the_recorded_registration() {
        let client: ClientId = "abc".parse().unwrap();
        let add = Change::AddOnBehalfOf {
            client: client.clone(),
            registration: Box::new(registration("A")),
        };
        let remove = add.inverse(&Before::Nothing, None).unwrap();
        assert_eq!(
            remove,
            Change::RemoveOnBehalfOf {
                client: client.clone(),
                onbehalfof: "kommune-a".into()
            }
        );
        assert!(remove.is_destructive());
        let old = Before::OnBehalfOf(Box::new(registration("A")));
        assert_eq!(remove.inverse(&old, None).unwrap(), add);
        let update = Change::UpdateOnBehalfOf {
            client,
            registration: Box::new(registration("B")),
        };
        match update.inverse(&old, None).unwrap() {
            Change::UpdateOnBehalfOf { registration, .. } => {
                assert_eq!(registration.name.as_deref(), Some("A"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            update.describe(),
            "update on-behalf-of kommune-a of client abc"
        );
        assert!(update.inverse(&Before::Nothing, None).is_err());
    }

    #[test]
    fn on_behalf_of_changes_and_their_before_round_trip_through_the_journal() {
        let c = Change::RemoveOnBehalfOf {
            client: "abc".parse().unwrap(),
            onbehalfof: "kommune-a".into(),
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["op"], "remove_on_behalf_of");
        assert_eq!(serde_json::from_value::<Change>(v).unwrap(), c);
        let before = Before::OnBehalfOf(Box::new(registration("A")));
        let read = Before::from_value(&c, before.to_value().as_ref()).unwrap();
        assert_eq!(read, before);
    }

    #[test]
    fn answers_to_requests_say_so_and_round_trip_through_the_journal() {
        let (scope, consumer): (ScopeName, OrgNumber) =
            ("nav:a".parse().unwrap(), "991825827".parse().unwrap());
        let approve = Change::Approve {
            scope: scope.clone(),
            consumer: consumer.clone(),
        };
        let deny = Change::Deny { scope, consumer };
        assert_eq!(approve.describe(), "approve 991825827's request for nav:a");
        assert_eq!(deny.describe(), "deny 991825827's request for nav:a");
        assert_eq!(approve.operation(), Operation::AccessApprove);
        assert_eq!(deny.operation(), Operation::AccessDeny);
        assert!(deny.is_destructive() && !approve.is_destructive());
        for c in [&approve, &deny] {
            let v = serde_json::to_value(c).unwrap();
            assert_eq!(&serde_json::from_value::<Change>(v).unwrap(), c);
        }
        assert_eq!(serde_json::to_value(&approve).unwrap()["op"], "approve");
        let undo = deny.inverse(&row(AccessState::Requested), None).unwrap();
        assert_eq!(undo.operation(), Operation::AccessGrant);
    }

    #[test]
    fn changes_round_trip_through_json_as_the_journal_keeps_them() {
        let c = grant();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["op"], "grant");
        assert_eq!(serde_json::from_value::<Change>(v).unwrap(), c);
    }
}
