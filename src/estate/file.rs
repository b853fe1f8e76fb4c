//! What an estate file says, once read: the organisation it describes, what may be pruned,
//! and the scopes and clients it manages, each field with the line it was written on.

use serde_json::Value;

use crate::wire::models::{
    ApplicationType, IntegrationType, Jwk, TokenEndpointAuthMethod, TokenType, Visibility,
};
use crate::wire::types::{ClientId, OrgNumber, ScopeName};

/// A whole estate file.
#[derive(Debug, Clone, Default)]
pub struct Estate {
    /// The organisation the file describes (`organization = "..."`).
    pub organization: Option<OrgNumber>,
    /// The environment it was exported from (`TEST`, `PROD` or `custom`).
    pub environment: Option<String>,
    pub scopes: Prune,
    pub grants: Prune,
    pub clients: Prune,
    pub keys: Prune,
    /// `[scope."NAME"]` entries, in file order.
    pub scope: Vec<ScopeEntry>,
    /// `[client."NAME or ID"]` entries, in file order.
    pub client: Vec<ClientEntry>,
}

/// `[scopes]`, `[grants]`, `[clients]`, `[keys]`: whether what the file does not list is
/// removed, and within what.
#[derive(Debug, Clone, Default)]
pub struct Prune {
    pub on: bool,
    /// The line of `prune = true`.
    pub line: usize,
    /// What the file claims: scope prefixes (`[scopes] prefixes`) or client names
    /// (`[clients] names`, a trailing `*` matching any ending). Unused for grants and keys,
    /// which are claimed by the scope or client entry they belong to.
    pub claims: Vec<String>,
}

impl Prune {
    /// Whether `name` is within the claims (`prefix:` for scopes, a pattern for clients).
    pub fn claims_name(&self, name: &str) -> bool {
        self.claims.iter().any(|c| match c.strip_suffix('*') {
            Some(start) => name.starts_with(start),
            None => c == name,
        })
    }
}

/// One managed field as written: the API's name and value (already checked and made
/// canonical: enum values upper/lower-cased as the API writes them, `""` as null).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub value: Value,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct ScopeEntry {
    pub name: ScopeName,
    pub line: usize,
    /// Every API field written, immutable ones (`prefix`, `subscope`) included.
    pub fields: Vec<Field>,
    /// No plan may deactivate it or revoke its grants.
    pub protect: bool,
    /// `approved = [...]`: these consumers must have access (`None`: grants not managed).
    pub approved: Option<Vec<Consumer>>,
    /// `denied = [...]`: these must not.
    pub denied: Option<Vec<Consumer>>,
}

impl ScopeEntry {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub orgno: OrgNumber,
    /// Written as `{ orgno = "...", protect = true }`: never revoked.
    pub protect: bool,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct ClientEntry {
    /// The table's key: a client name or a client id.
    pub key: String,
    pub line: usize,
    /// `client_id = "..."`: the entry is this client, whatever its name.
    pub client_id: Option<ClientId>,
    /// Every API field written but `client_id` (`client_name` included when written).
    pub fields: Vec<Field>,
    /// No plan may delete it or remove its keys.
    pub protect: bool,
    /// `[[client."...".keys]]`: the public keys it must have (`None`: keys not managed).
    pub keys: Option<Vec<KeyEntry>>,
}

impl ClientEntry {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The name a new client gets: `client_name` when written, else the key.
    pub fn name(&self) -> &str {
        self.field("client_name")
            .and_then(|f| f.value.as_str())
            .unwrap_or(&self.key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyEntry {
    /// A public key with a kid (checked: no private members).
    pub jwk: Jwk,
    pub line: usize,
}

/// How a field's value is written and checked.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string; `""` removes the field.
    Text,
    /// A string that may not be empty.
    Required,
    Bool,
    /// Whole seconds, 0 or more.
    Seconds,
    /// One of the values the function lists (matched without regard to case).
    Enum(fn() -> Vec<&'static str>),
    /// A list of those; order does not matter.
    EnumSet(fn() -> Vec<&'static str>),
    /// A list of scope names; order does not matter.
    ScopeSet,
    /// A list of strings; order does not matter.
    TextSet,
}

impl Kind {
    /// Lists compare as sets: the API does not keep their order.
    pub fn is_set(self) -> bool {
        matches!(self, Kind::EnumSet(_) | Kind::ScopeSet | Kind::TextSet)
    }
}

/// A field the file may manage.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    /// Set when the object is created and never after: a difference is an error.
    pub immutable: bool,
}

const fn spec(name: &'static str, kind: Kind) -> Spec {
    Spec {
        name,
        kind,
        immutable: false,
    }
}

fn visibilities() -> Vec<&'static str> {
    Visibility::KNOWN.iter().map(Visibility::as_str).collect()
}

fn token_types() -> Vec<&'static str> {
    TokenType::KNOWN.iter().map(TokenType::as_str).collect()
}

fn integration_types() -> Vec<&'static str> {
    IntegrationType::KNOWN
        .iter()
        .map(IntegrationType::as_str)
        .collect()
}

fn application_types() -> Vec<&'static str> {
    ApplicationType::KNOWN
        .iter()
        .map(ApplicationType::as_str)
        .collect()
}

fn auth_methods() -> Vec<&'static str> {
    TokenEndpointAuthMethod::KNOWN
        .iter()
        .map(TokenEndpointAuthMethod::as_str)
        .collect()
}

/// Every scope field the API lets an owner set, in the order export writes them.
pub const SCOPE_FIELDS: &[Spec] = &[
    Spec {
        immutable: true,
        ..spec("prefix", Kind::Required)
    },
    Spec {
        immutable: true,
        ..spec("subscope", Kind::Required)
    },
    spec("description", Kind::Required),
    spec("long_description", Kind::Text),
    spec("active", Kind::Bool),
    spec("visibility", Kind::Enum(visibilities)),
    spec("token_type", Kind::Enum(token_types)),
    spec(
        "allowed_integration_types",
        Kind::EnumSet(integration_types),
    ),
    spec("accessible_for_all", Kind::Bool),
    spec("at_max_age", Kind::Seconds),
    spec("authorization_max_lifetime", Kind::Seconds),
    spec("delegation_source", Kind::Text),
    spec("requires_user_consent", Kind::Bool),
    spec("requires_user_authentication", Kind::Bool),
    spec("requires_pseudonymous_tokens", Kind::Bool),
];

/// Keys of a scope entry that are not API fields.
pub const SCOPE_KEYS: &[&str] = &["protect", "approved", "denied"];

/// Every client field the API lets an owner set, in the order export writes them.
pub const CLIENT_FIELDS: &[Spec] = &[
    spec("client_name", Kind::Required),
    spec("description", Kind::Required),
    Spec {
        immutable: true,
        ..spec("integration_type", Kind::Enum(integration_types))
    },
    spec("application_type", Kind::Enum(application_types)),
    spec("token_endpoint_auth_method", Kind::Enum(auth_methods)),
    spec("grant_types", Kind::TextSet),
    spec("scopes", Kind::ScopeSet),
    spec("access_token_lifetime", Kind::Seconds),
];

/// Keys of a client entry that are not API fields (`client_id` names the client).
pub const CLIENT_KEYS: &[&str] = &["client_id", "protect", "keys"];

/// Members of a key entry: the public JWK.
pub const KEY_MEMBERS: &[&str] = &["kid", "kty", "alg", "use", "n", "e"];

pub fn scope_spec(name: &str) -> Option<&'static Spec> {
    SCOPE_FIELDS.iter().find(|s| s.name == name)
}

pub fn client_spec(name: &str) -> Option<&'static Spec> {
    CLIENT_FIELDS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_claims_match_names_and_trailing_stars() {
        let p = Prune {
            on: true,
            line: 1,
            claims: vec!["orders-*".into(), "rapportering".into()],
        };
        assert!(p.claims_name("orders-nightly"));
        assert!(p.claims_name("rapportering"));
        assert!(!p.claims_name("rapportering-2"));
        assert!(!p.claims_name("other"));
    }
}
