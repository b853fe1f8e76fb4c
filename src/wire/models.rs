//! The wire format of the self-service admin API and the token endpoint, shared by the client
//! and the emulator (one definition). Unknown fields are kept in `extra` so a PUT sends back
//! what a GET returned; enums keep values they do not know in an `Unknown` arm.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::open::open_deserialize;

/// A string enum with an `Unknown` arm, so a value Digdir adds later never breaks a listing.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            Unknown(String),
        }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => $name::$variant,)+
                    _ => $name::Unknown(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Who can see a scope: PUBLIC ones are listed on `/scopes/all`.
    Visibility { Public = "PUBLIC", Private = "PRIVATE", Internal = "INTERNAL" }
);
string_enum!(TokenType { SelfContained = "SELF_CONTAINED", Opaque = "OPAQUE" });
string_enum!(
    /// State of an access grant; only APPROVED gives access. Revoking leaves a DENIED row.
    AccessState { Requested = "REQUESTED", Approved = "APPROVED", Denied = "DENIED" }
);
string_enum!(IntegrationType {
    Maskinporten = "maskinporten",
    ApiKlient = "api_klient",
    Idporten = "idporten",
    Ansattporten = "ansattporten",
    Krr = "krr",
    Eformidling = "eformidling",
    IdportenSaml2 = "idporten_saml2",
});
string_enum!(ApplicationType { Web = "web", Browser = "browser", Native = "native" });
string_enum!(TokenEndpointAuthMethod {
    PrivateKeyJwt = "private_key_jwt",
    ClientSecretBasic = "client_secret_basic",
    ClientSecretPost = "client_secret_post",
    None = "none",
});

pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFor {
    Create,
    Update,
}

/// A request body from a model as read: its members and the unknown ones the server sent,
/// minus `server_owned`. A create says `active` only to ask for an inactive object (the
/// server's default is active); an update always says it.
fn request_body(
    model: &impl Serialize,
    server_owned: &[&str],
    active: bool,
    purpose: BodyFor,
) -> Result<Value, serde_json::Error> {
    let mut map = match serde_json::to_value(model)? {
        Value::Object(map) => map,
        _ => {
            return Err(serde::ser::Error::custom(
                "a request body must be a JSON object",
            ));
        }
    };
    map.retain(|k, _| !server_owned.contains(&k.as_str()));
    if purpose == BodyFor::Create && active {
        map.remove("active");
    } else {
        map.insert("active".to_owned(), Value::Bool(active));
    }
    Ok(Value::Object(map))
}

/// A scope ("Scope_ScopeExternal"). Create with `prefix`, `subscope`, `description`; the server
/// fills in `name`, `owner_orgno`, `created`, `last_updated`. What a create or an update sends
/// is `create_body` / `update_body`, never the model as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scope {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub prefix: String,
    pub subscope: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_description: Option<String>,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<TokenType>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_integration_types: Vec<IntegrationType>,
    pub accessible_for_all: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_max_age: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_max_lifetime: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_user_consent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_user_authentication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_pseudonymous_tokens: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_orgno: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Fields live `/scopes/all` answers carry that the older docs lack (peers-2.md §3). They stay
/// in `extra`, so a scope read and written back keeps them exactly as the server sent them.
impl Scope {
    pub const SUPPORTS_EUROPEAN_BUSINESSES: &'static str = "supports_european_businesses";

    /// Protected by Digdir (a scope the owner cannot change freely).
    pub fn protected(&self) -> Option<bool> {
        self.extra.get("protected").and_then(Value::as_bool)
    }

    /// EU businesses with an eSeal may use the scope (digdir/roadmap #502).
    pub fn supports_european_businesses(&self) -> Option<bool> {
        self.extra
            .get(Self::SUPPORTS_EUROPEAN_BUSINESSES)
            .and_then(Value::as_bool)
    }

    pub fn set_supports_european_businesses(&mut self, on: bool) {
        self.extra
            .insert(Self::SUPPORTS_EUROPEAN_BUSINESSES.into(), Value::Bool(on));
    }

    /// Translated texts (`description#en`, `long_description#nn`, ...) as
    /// (`description (en)`, text), sorted.
    pub fn translations(&self) -> Vec<(String, String)> {
        self.extra
            .iter()
            .filter_map(|(k, v)| {
                let (field, lang) = k.split_once('#')?;
                Some((format!("{field} ({lang})"), v.as_str()?.to_owned()))
            })
            .collect()
    }
}

/// A new scope is active, as Digdir makes it; `Default` must agree, or every scope built from
/// it would ask to be created inactive.
impl Default for Scope {
    fn default() -> Self {
        Scope {
            name: String::new(),
            prefix: String::new(),
            subscope: String::new(),
            description: String::new(),
            long_description: None,
            active: true,
            visibility: None,
            token_type: None,
            allowed_integration_types: Vec::new(),
            accessible_for_all: false,
            at_max_age: None,
            authorization_max_lifetime: None,
            delegation_source: None,
            requires_user_consent: None,
            requires_user_authentication: None,
            requires_pseudonymous_tokens: None,
            owner_orgno: None,
            created: None,
            last_updated: None,
            extra: Map::new(),
        }
    }
}

impl Scope {
    /// Members of a scope the server sets; no create or update body carries them.
    pub const SERVER_OWNED: &'static [&'static str] =
        &["name", "owner_orgno", "created", "last_updated"];

    /// The body of `POST /scopes`.
    pub fn create_body(&self) -> Result<Value, serde_json::Error> {
        request_body(self, Self::SERVER_OWNED, self.active, BodyFor::Create)
    }

    /// The body of `PUT /scopes?scope=`: `active` always, as reactivation needs it.
    pub fn update_body(&self) -> Result<Value, serde_json::Error> {
        request_body(self, Self::SERVER_OWNED, self.active, BodyFor::Update)
    }

    /// Visibility as Digdir applies it when none is set.
    pub fn effective_visibility(&self) -> Visibility {
        self.visibility.clone().unwrap_or(Visibility::Public)
    }
}

/// One access grant ("ScopeAccess"): consumer `consumer_orgno` may use `scope`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ScopeAccess {
    pub scope: String,
    pub consumer_orgno: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_orgno: Option<String>,
    pub state: AccessState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn unknown_state() -> AccessState {
    AccessState::Unknown(String::new())
}

impl Default for AccessState {
    fn default() -> Self {
        unknown_state()
    }
}

/// A client registration as read ("ClientResponse"); what a create or an update sends is
/// `create_body` / `update_body` ("AddClientRequest" / "UpdateClientRequest"). Fields only
/// ID-porten clients use (redirect URIs, logout, ...) ride along in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_id: String,
    pub client_name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<IntegrationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<ApplicationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_orgno: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_orgno: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime: Option<u32>,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A new client is active, as Digdir makes it; `Default` must agree (an inactive client is
/// never synchronised to Maskinporten).
impl Default for Client {
    fn default() -> Self {
        Client {
            client_id: String::new(),
            client_name: String::new(),
            description: String::new(),
            integration_type: None,
            application_type: None,
            token_endpoint_auth_method: None,
            grant_types: Vec::new(),
            scopes: Vec::new(),
            client_orgno: None,
            supplier_orgno: None,
            access_token_lifetime: None,
            active: true,
            created: None,
            last_updated: None,
            extra: Map::new(),
        }
    }
}

impl Client {
    /// Members of a "ClientResponse" that its request types do not have: timestamps, the
    /// on-behalf-of registrations and the key set (each has its own endpoints), and the
    /// secret, which "kan ikke settes direkte" and must never be echoed back.
    pub const SERVER_OWNED: &'static [&'static str] = &[
        "created",
        "last_updated",
        "onbehalfof",
        "jwks",
        "jwks_uri",
        "client_secret",
    ];

    /// The key set the answer carried (the backend's `ClientResponse` embeds `jwks`), so a
    /// listing of clients can give every key without a request per client. `None` when the
    /// answer had none, or one that does not read as a key set: then ask `/jwks`. Taken out
    /// of the client, so a UI holding thousands of clients holds each key once.
    pub fn take_embedded_keys(&mut self) -> Option<Vec<Jwk>> {
        let jwks = self.extra.remove("jwks")?;
        serde_json::from_value::<Jwks>(jwks).ok().map(|j| j.keys)
    }

    /// The body of `POST /clients`.
    pub fn create_body(&self) -> Result<Value, serde_json::Error> {
        request_body(self, Self::SERVER_OWNED, self.active, BodyFor::Create)
    }

    /// The body of `PUT /clients/{id}`.
    pub fn update_body(&self) -> Result<Value, serde_json::Error> {
        request_body(self, Self::SERVER_OWNED, self.active, BodyFor::Update)
    }

    /// The create body of a Maskinporten client: `private_key_jwt`, jwt-bearer grant only.
    pub fn new_maskinporten(name: &str, description: &str, scopes: Vec<String>) -> Client {
        Client::new_server_to_server(IntegrationType::Maskinporten, name, description, scopes)
    }
}

/// A public JWK as the API takes and returns it. Any other member (e.g. `x5c`, or private
/// members a careless upload carries) stays in `extra`, where the key lint can see it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Expiry, epoch seconds (Digdir caps it at one year after upload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Members that only a private JWK has (RFC 7518 6.3.2, 6.4.1).
pub const PRIVATE_JWK_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

impl Jwk {
    pub fn private_members(&self) -> Vec<&str> {
        PRIVATE_JWK_MEMBERS
            .iter()
            .copied()
            .filter(|m| self.extra.contains_key(*m))
            .collect()
    }
}

/// Per-key timestamps the backend's `JsonWebKey` carries (SP-OAS); older answers lack them,
/// so they live in `extra` and go back to the server as they came.
impl Jwk {
    pub fn created(&self) -> Option<&str> {
        self.extra.get("created").and_then(Value::as_str)
    }

    pub fn last_updated(&self) -> Option<&str> {
        self.extra.get("last_updated").and_then(Value::as_str)
    }
}

/// A client's key set. An empty set may arrive as `{}`, `{"keys":[]}` or a 404: all mean none.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An issuer scopes can take delegations from. The generated spec ("DelegationSource") spells
/// the timestamp `lastUpdated`, the docs and stored answers `last_updated`: both are read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DelegationSource {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(
        default,
        alias = "lastUpdated",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScopePrefix {
    #[serde(default)]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_orgno: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An on-behalf-of registration ("ClientOnBehalfOf"). The generated spec names its address
/// `uri`; the swagger example copies and older clients `client_uri`: both are read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClientOnBehalfOf {
    #[serde(default)]
    pub onbehalfof: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orgno: Option<String>,
    #[serde(default, alias = "client_uri", skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ClientOnBehalfOf {
    /// What the server sets itself; a POST or PUT never sends them back.
    pub const SERVER_OWNED: &'static [&'static str] = &["created", "last_updated"];

    /// The body of `POST /clients/{id}/onbehalfof` and `PUT .../onbehalfof/{onbehalfof}`.
    pub fn request_body(&self) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        if let Value::Object(map) = &mut value {
            map.retain(|k, _| !Self::SERVER_OWNED.contains(&k.as_str()));
        }
        Ok(value)
    }
}

/// The organisation's name, which the backend's `ClientOnBehalfOf` carries (SP-OAS) and older
/// answers lack: in `extra`, so it goes back as it came.
impl ClientOnBehalfOf {
    pub const ORGANIZATION_NAME: &'static str = "organization_name";

    pub fn organization_name(&self) -> Option<&str> {
        self.extra
            .get(Self::ORGANIZATION_NAME)
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
    }
}

impl IntegrationType {
    /// Clients of these types act for other organisations through on-behalf-of
    /// registrations; Maskinporten clients never do (delegation there goes through Altinn).
    pub fn allows_onbehalfof(&self) -> bool {
        matches!(
            self,
            IntegrationType::Idporten | IntegrationType::ApiKlient | IntegrationType::Krr
        )
    }
}

/// The admin API's error body ("ApiErrorResponse").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ApiErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    #[serde(default)]
    pub error_message: String,
    #[serde(default)]
    pub is_field_error: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_identifier: Option<String>,
}

/// The token endpoint's success answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    pub expires_in: u64,
    #[serde(default)]
    pub scope: String,
}

/// The token endpoint's error answer: `error_uri` ends in the MP code (`.../errors/MP-200`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

impl TokenErrorBody {
    /// `MP-200` from `https://test.maskinporten.no/errors/MP-200`.
    pub fn mp_code(&self) -> Option<&str> {
        let code = self.error_uri.as_deref()?.rsplit('/').next()?;
        code.starts_with("MP-").then_some(code)
    }
}

/// `{ "authority": "iso6523-actorid-upis", "ID": "0192:<orgno>" }`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrgClaim {
    #[serde(default)]
    pub authority: String,
    #[serde(rename = "ID", default)]
    pub id: String,
}

impl OrgClaim {
    pub const AUTHORITY: &'static str = "iso6523-actorid-upis";

    pub fn for_orgno(orgno: &str) -> OrgClaim {
        OrgClaim {
            authority: Self::AUTHORITY.to_owned(),
            id: format!("0192:{orgno}"),
        }
    }

    /// The organisation number in `0192:<orgno>`.
    pub fn orgno(&self) -> Option<&str> {
        self.id.strip_prefix("0192:")
    }
}

/// Claims of a Maskinporten access token (a JWT; decoded for display, never trusted).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    #[serde(default)]
    pub iss: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_amr: Option<String>,
    #[serde(default)]
    pub consumer: OrgClaim,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<OrgClaim>,
    #[serde(default)]
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default)]
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
    #[serde(default)]
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Value>,
}

/// `GET /organizations/{orgnr}` (open): an organisation's name as Digdir (or, behind it,
/// Brønnøysundregistrene) knows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub orgnr: String,
    #[serde(default)]
    pub name: String,
}

impl ScopeAccess {
    /// `consumer_organization_name` when the server sent it (not every deployment does).
    pub fn consumer_name(&self) -> Option<&str> {
        self.extra
            .get("consumer_organization_name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
    }

    /// `owner_organization_name` when the server sent it.
    pub fn owner_name(&self) -> Option<&str> {
        self.extra
            .get("owner_organization_name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
    }
}

// Read without serde's flatten, which buffered every object first (see `wire::open`).
open_deserialize!(Scope {
    "name" => name,
    "prefix" => prefix,
    "subscope" => subscope,
    "description" => description,
    "long_description" => long_description,
    "active" => active,
    "visibility" => visibility,
    "token_type" => token_type,
    "allowed_integration_types" => allowed_integration_types,
    "accessible_for_all" => accessible_for_all,
    "at_max_age" => at_max_age,
    "authorization_max_lifetime" => authorization_max_lifetime,
    "delegation_source" => delegation_source,
    "requires_user_consent" => requires_user_consent,
    "requires_user_authentication" => requires_user_authentication,
    "requires_pseudonymous_tokens" => requires_pseudonymous_tokens,
    "owner_orgno" => owner_orgno,
    "created" => created,
    "last_updated" => last_updated,
});

open_deserialize!(ScopeAccess {
    "scope" => scope,
    "consumer_orgno" => consumer_orgno,
    "owner_orgno" => owner_orgno,
    "state" => state,
    "created" => created,
    "last_updated" => last_updated,
});

open_deserialize!(Client {
    "client_id" => client_id,
    "client_name" => client_name,
    "description" => description,
    "integration_type" => integration_type,
    "application_type" => application_type,
    "token_endpoint_auth_method" => token_endpoint_auth_method,
    "grant_types" => grant_types,
    "scopes" => scopes,
    "client_orgno" => client_orgno,
    "supplier_orgno" => supplier_orgno,
    "access_token_lifetime" => access_token_lifetime,
    "active" => active,
    "created" => created,
    "last_updated" => last_updated,
});

open_deserialize!(Jwk {
    "kty" => kty,
    "kid" => kid,
    "alg" => alg,
    "use" => use_,
    "n" => n,
    "e" => e,
    "exp" => exp,
});

open_deserialize!(Jwks {
    "keys" => keys,
    "created" => created,
    "last_updated" => last_updated,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_round_trip_keeps_unknown_fields() {
        let json = r#"{"name":"altinn:serviceowner","prefix":"altinn","subscope":"serviceowner","description":"d","visibility":"SECRETIVE","token_type":"SELF_CONTAINED","at_max_age":1000,"accessible_for_all":false,"allowed_integration_types":["maskinporten","future_type"],"owner_orgno":"991825827","active":true,"description#en":"english","protected":true}"#;
        let s: Scope = serde_json::from_str(json).unwrap();
        assert_eq!(s.visibility, Some(Visibility::Unknown("SECRETIVE".into())));
        assert_eq!(
            s.allowed_integration_types[1],
            IntegrationType::Unknown("future_type".into())
        );
        assert_eq!(s.extra["description#en"], "english");
        let back: Value = serde_json::to_value(&s).unwrap();
        let orig: Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn live_scope_fields_are_read_from_what_the_server_sent() {
        let json = r#"{"name":"a:b","prefix":"a","subscope":"b","description":"d","protected":true,"supports_european_businesses":false,"description#en":"english","long_description#nn":"nynorsk"}"#;
        let mut s: Scope = serde_json::from_str(json).unwrap();
        assert_eq!(s.protected(), Some(true));
        assert_eq!(s.supports_european_businesses(), Some(false));
        assert_eq!(
            s.translations(),
            [
                ("description (en)".to_owned(), "english".to_owned()),
                ("long_description (nn)".to_owned(), "nynorsk".to_owned())
            ]
        );
        s.set_supports_european_businesses(true);
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["supports_european_businesses"], true);
        assert_eq!(back["long_description#nn"], "nynorsk");
        assert_eq!(Scope::default().protected(), None);
    }

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    #[test]
    fn create_bodies_leave_active_to_the_server_unless_inactive_is_asked() {
        let client = Client::new_maskinporten("job", "d", vec!["a:b".into()]);
        assert!(client.active);
        let body = client.create_body().unwrap();
        assert_eq!(body.get("active"), None, "{body}");
        let scope = Scope {
            prefix: "a".into(),
            subscope: "b".into(),
            description: "d".into(),
            ..Scope::default()
        };
        assert!(scope.active);
        let body = scope.create_body().unwrap();
        assert_eq!(body.get("active"), None, "{body}");
        let inactive = Scope {
            active: false,
            ..scope
        };
        assert_eq!(inactive.create_body().unwrap()["active"], false);
        // An update always says, so a PUT never leaves it to a default.
        assert_eq!(inactive.update_body().unwrap()["active"], false);
        assert_eq!(client.update_body().unwrap()["active"], true);
    }

    #[test]
    fn client_update_body_has_only_update_request_members() {
        // A "ClientResponse" with every member the generated spec lists, plus one it does not.
        let read: Client = serde_json::from_value(serde_json::json!({
            "client_id": "c1", "client_name": "n", "client_orgno": "991825827",
            "supplier_orgno": "889640782", "description": "d", "active": true,
            "created": "2025-01-01T00:00:00.000+01:00", "last_updated": "2025-01-02T00:00:00.000+01:00",
            "application_type": "web", "integration_type": "maskinporten", "scopes": ["a:b"],
            "grant_types": [JWT_BEARER_GRANT], "token_endpoint_auth_method": "private_key_jwt",
            "refresh_token_lifetime": 600, "refresh_token_usage": "ONETIME",
            "access_token_lifetime": 120, "authorization_lifetime": 7200,
            "onbehalfof": [{"onbehalfof": "x", "uri": "https://x.example"}],
            "client_secret": "s3cret", "jwks": {"keys": []}, "jwks_uri": "/clients/c1/jwks",
            "logo_uri": "https://logo.example", "redirect_uris": [], "post_logout_redirect_uris": [],
            "frontchannel_logout_session_required": false, "frontchannel_logout_uri": "",
            "sso_disabled": false, "code_challenge_method": "S256",
            "future_member": 1
        }))
        .unwrap();
        let body = read.update_body().unwrap();
        // "UpdateClientRequest" of selvbetjening-api's generated spec, and the unknown member.
        assert_eq!(
            keys(&body),
            [
                "access_token_lifetime",
                "active",
                "application_type",
                "authorization_lifetime",
                "client_id",
                "client_name",
                "client_orgno",
                "code_challenge_method",
                "description",
                "frontchannel_logout_session_required",
                "frontchannel_logout_uri",
                "future_member",
                "grant_types",
                "integration_type",
                "logo_uri",
                "post_logout_redirect_uris",
                "redirect_uris",
                "refresh_token_lifetime",
                "refresh_token_usage",
                "scopes",
                "sso_disabled",
                "supplier_orgno",
                "token_endpoint_auth_method",
            ]
        );
        assert!(!body.to_string().contains("s3cret"));
        let create = read.create_body().unwrap();
        for owned in Client::SERVER_OWNED {
            assert_eq!(create.get(*owned), None, "{owned}");
        }
    }

    #[test]
    fn scope_update_body_has_no_server_set_members() {
        let read: Scope = serde_json::from_value(serde_json::json!({
            "name": "a:b", "prefix": "a", "subscope": "b", "description": "d",
            "long_description": "l", "active": true, "visibility": "PUBLIC",
            "token_type": "SELF_CONTAINED", "allowed_integration_types": ["maskinporten"],
            "accessible_for_all": false, "at_max_age": 60, "authorization_max_lifetime": 60,
            "delegation_source": "https://tt02.altinn.no/", "requires_user_consent": false,
            "requires_user_authentication": false, "requires_pseudonymous_tokens": false,
            "owner_orgno": "991825827", "created": "2025-01-01T00:00:00.000+01:00",
            "last_updated": "2025-01-02T00:00:00.000+01:00",
            "enforced_aud_for_access_token": "https://aud.example", "description#en": "english"
        }))
        .unwrap();
        for body in [read.update_body().unwrap(), read.create_body().unwrap()] {
            for owned in Scope::SERVER_OWNED {
                assert_eq!(body.get(*owned), None, "{owned} in {body}");
            }
            assert_eq!(body["prefix"], "a");
            assert_eq!(body["subscope"], "b");
            assert_eq!(body["description#en"], "english", "unknown members go back");
            assert_eq!(body["enforced_aud_for_access_token"], "https://aud.example");
        }
    }

    #[test]
    fn onbehalfof_uri_and_delegation_source_timestamp_in_both_spellings() {
        for member in ["uri", "client_uri"] {
            let o: ClientOnBehalfOf = serde_json::from_value(serde_json::json!({
                "onbehalfof": "x", member: "https://x.example"
            }))
            .unwrap();
            assert_eq!(o.uri.as_deref(), Some("https://x.example"), "{member}");
            assert!(o.extra.is_empty(), "{member}");
        }
        for member in ["lastUpdated", "last_updated"] {
            let d: DelegationSource = serde_json::from_value(serde_json::json!({
                "name": "altinn", "issuer": "https://tt02.altinn.no/",
                member: "2020-11-03T11:28:13.826+01:00"
            }))
            .unwrap();
            assert_eq!(
                d.last_updated.as_deref(),
                Some("2020-11-03T11:28:13.826+01:00"),
                "{member}"
            );
            assert!(d.extra.is_empty(), "{member}");
        }
    }

    #[test]
    fn jwks_empty_forms() {
        assert!(serde_json::from_str::<Jwks>("{}").unwrap().keys.is_empty());
        assert!(
            serde_json::from_str::<Jwks>(r#"{"keys":[]}"#)
                .unwrap()
                .keys
                .is_empty()
        );
    }

    #[test]
    fn jwk_private_members_are_seen() {
        let k: Jwk =
            serde_json::from_str(r#"{"kty":"RSA","use":"sig","n":"x","e":"AQAB","d":"secret"}"#)
                .unwrap();
        assert_eq!(k.private_members(), vec!["d"]);
        assert_eq!(k.use_.as_deref(), Some("sig"));
    }

    #[test]
    fn mp_code_from_error_uri() {
        let e = TokenErrorBody {
            error: "invalid_scope".into(),
            error_description: None,
            error_uri: Some("https://test.maskinporten.no/errors/MP-200".into()),
        };
        assert_eq!(e.mp_code(), Some("MP-200"));
    }
}
