//! What each integration type needs in a client registration, as the self-service backend
//! and its portal check it (the portal's `clients.ts` and `uriValidator.ts` in
//! digdir-camp-2025-react-impl; maskinporten-api.md §4.6): one table for the CLI's and the
//! TUI's checks before sending and for the emulator's 400s.
//!
//! - Server-to-server types (`maskinporten`, `krr`, `eformidling`): `application_type` web,
//!   `private_key_jwt`, the JWT-bearer grant only.
//! - Login types (`idporten`, `ansattporten`, `api_klient`): at least one redirect URI; the
//!   auth methods follow the application type (web: `private_key_jwt`, `client_secret_basic`,
//!   `client_secret_post`; browser and native: `none`); grants `authorization_code`, and
//!   `refresh_token` if wanted; redirect and logout URIs without a fragment, and for web and
//!   browser apps `http(s)` with a host.
//! - Others (`idporten_saml2`, types added later) are listed and kept, not checked.

use serde_json::Value;

use super::models::{
    ApplicationType, Client, IntegrationType, JWT_BEARER_GRANT, TokenEndpointAuthMethod,
};

pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const REFRESH_TOKEN: &str = "refresh_token";
pub const REDIRECT_URIS: &str = "redirect_uris";
pub const POST_LOGOUT_REDIRECT_URIS: &str = "post_logout_redirect_uris";

/// How a client of a type gets its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A JWT grant signed with one of the client's keys, for the organisation itself.
    ServerToServer,
    /// An end user logs in (OpenID Connect): redirect URIs and the authorization code grant.
    Login,
    /// Not described here well enough to check.
    Other,
}

impl IntegrationType {
    pub fn family(&self) -> Family {
        match self {
            IntegrationType::Maskinporten | IntegrationType::Krr | IntegrationType::Eformidling => {
                Family::ServerToServer
            }
            IntegrationType::Idporten
            | IntegrationType::Ansattporten
            | IntegrationType::ApiKlient => Family::Login,
            IntegrationType::IdportenSaml2 | IntegrationType::Unknown(_) => Family::Other,
        }
    }
}

impl IntegrationType {
    /// The short form a narrow column shows (the README lists them); a type not known here
    /// stays whole.
    pub fn short(&self) -> &str {
        match self {
            IntegrationType::Maskinporten => "mp",
            IntegrationType::Idporten => "idp",
            IntegrationType::Ansattporten => "ansatt",
            IntegrationType::ApiKlient => "api",
            IntegrationType::Krr => "krr",
            IntegrationType::Eformidling => "eform",
            IntegrationType::IdportenSaml2 => "saml2",
            IntegrationType::Unknown(s) => s,
        }
    }
}

/// `maskinporten,idporten` as `mp,idp`: each type of a comma-separated list in its short
/// form; other words (`any`) as they are.
pub fn short_list(text: &str) -> String {
    text.split(',')
        .map(|t| {
            IntegrationType::from(t.trim().to_owned())
                .short()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The types mpadmin creates. `eformidling` clients Digdir sets up itself (the portal offers
/// none), and `idporten_saml2` needs SAML metadata the API has no fields for.
pub const CREATABLE: &[IntegrationType] = &[
    IntegrationType::Maskinporten,
    IntegrationType::Idporten,
    IntegrationType::Ansattporten,
    IntegrationType::ApiKlient,
    IntegrationType::Krr,
];

/// The token endpoint auth methods a login client of `app` may use: a secret or a key only
/// where the client runs on a server.
pub fn auth_methods(app: &ApplicationType) -> &'static [TokenEndpointAuthMethod] {
    match app {
        ApplicationType::Web => &[
            TokenEndpointAuthMethod::PrivateKeyJwt,
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
        ],
        ApplicationType::Browser | ApplicationType::Native => &[TokenEndpointAuthMethod::None],
        ApplicationType::Unknown(_) => &[],
    }
}

/// A redirect or logout URI as the portal takes it for `app`.
pub fn check_uri(uri: &str, app: &ApplicationType) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("'{uri}' is not a URI ({e})"))?;
    if parsed.fragment().is_some() {
        return Err(format!(
            "'{uri}' has a fragment (#...), which is not allowed"
        ));
    }
    let web = matches!(app, ApplicationType::Web | ApplicationType::Browser);
    let http = matches!(parsed.scheme(), "http" | "https");
    if web && !http {
        return Err(format!(
            "'{uri}': a {app} application needs an http or https address"
        ));
    }
    if http && parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{uri}' has no host"));
    }
    Ok(())
}

impl Client {
    /// A list of URIs the model keeps in `extra` (`redirect_uris`, ...); empty when absent.
    pub fn uris(&self, member: &str) -> Vec<String> {
        self.extra
            .get(member)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn set_uris(&mut self, member: &str, uris: Vec<String>) {
        self.extra.insert(
            member.to_owned(),
            Value::Array(uris.into_iter().map(Value::String).collect()),
        );
    }

    /// The create body of a server-to-server client of `kind` (maskinporten, krr).
    pub fn new_server_to_server(
        kind: IntegrationType,
        name: &str,
        description: &str,
        scopes: Vec<String>,
    ) -> Client {
        Client {
            client_name: name.to_owned(),
            description: description.to_owned(),
            integration_type: Some(kind),
            application_type: Some(ApplicationType::Web),
            token_endpoint_auth_method: Some(TokenEndpointAuthMethod::PrivateKeyJwt),
            grant_types: vec![JWT_BEARER_GRANT.to_owned()],
            scopes,
            ..Client::default()
        }
    }

    /// The create body of a login client of `kind` (idporten, ansattporten, api_klient).
    pub fn new_login(
        kind: IntegrationType,
        name: &str,
        description: &str,
        scopes: Vec<String>,
        login: Login,
    ) -> Client {
        let mut grant_types = vec![AUTHORIZATION_CODE.to_owned()];
        if login.refresh_tokens {
            grant_types.push(REFRESH_TOKEN.to_owned());
        }
        let mut c = Client {
            client_name: name.to_owned(),
            description: description.to_owned(),
            integration_type: Some(kind),
            application_type: Some(login.application_type),
            token_endpoint_auth_method: Some(login.auth_method),
            grant_types,
            scopes,
            ..Client::default()
        };
        c.set_uris(REDIRECT_URIS, login.redirect_uris);
        if !login.post_logout_redirect_uris.is_empty() {
            c.set_uris(POST_LOGOUT_REDIRECT_URIS, login.post_logout_redirect_uris);
        }
        c
    }
}

/// What a login client needs besides a name, a description and scopes.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    pub application_type: ApplicationType,
    pub auth_method: TokenEndpointAuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub refresh_tokens: bool,
}

/// Every rule of `c`'s integration type it breaks, as (field, message). A client without a
/// type, or of a type not described here, breaks none of these.
pub fn problems(c: &Client) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(kind) = &c.integration_type else {
        return out;
    };
    let method = c.token_endpoint_auth_method.as_ref();
    match kind.family() {
        Family::ServerToServer => {
            if let Some(m) = method.filter(|m| **m != TokenEndpointAuthMethod::PrivateKeyJwt) {
                out.push((
                    "token_endpoint_auth_method",
                    format!("{kind} clients must use private_key_jwt, not {m}"),
                ));
            }
            if c.grant_types.iter().any(|g| g != JWT_BEARER_GRANT) {
                out.push((
                    "grant_types",
                    format!("{kind} clients may only have the grant type {JWT_BEARER_GRANT}"),
                ));
            }
            if let Some(a) = c
                .application_type
                .as_ref()
                .filter(|a| **a != ApplicationType::Web)
            {
                out.push((
                    "application_type",
                    format!("{kind} clients are web applications, not {a}"),
                ));
            }
        }
        Family::Login => login_problems(c, kind, &mut out),
        Family::Other => {}
    }
    out
}

fn login_problems(c: &Client, kind: &IntegrationType, out: &mut Vec<(&'static str, String)>) {
    let app = c.application_type.clone().unwrap_or(ApplicationType::Web);
    let allowed = auth_methods(&app);
    if allowed.is_empty() {
        out.push((
            "application_type",
            format!("application_type '{app}' is not known: use web, browser or native"),
        ));
    }
    match c.token_endpoint_auth_method.as_ref() {
        None => out.push((
            "token_endpoint_auth_method",
            format!("token_endpoint_auth_method is required for {kind} clients"),
        )),
        Some(m) if !allowed.is_empty() && !allowed.contains(m) => out.push((
            "token_endpoint_auth_method",
            format!(
                "a {app} application cannot use {m}: use {}",
                allowed
                    .iter()
                    .map(TokenEndpointAuthMethod::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        Some(_) => {}
    }
    if !c.grant_types.iter().any(|g| g == AUTHORIZATION_CODE) {
        out.push((
            "grant_types",
            format!("{kind} clients need the grant type {AUTHORIZATION_CODE}"),
        ));
    }
    if let Some(g) = c
        .grant_types
        .iter()
        .find(|g| !matches!(g.as_str(), AUTHORIZATION_CODE | REFRESH_TOKEN))
    {
        out.push((
            "grant_types",
            format!("{kind} clients may have {AUTHORIZATION_CODE} and {REFRESH_TOKEN}, not {g}"),
        ));
    }
    let redirects = c.uris(REDIRECT_URIS);
    if redirects.is_empty() {
        out.push((
            REDIRECT_URIS,
            format!("{kind} clients need at least one redirect URI"),
        ));
    }
    for (member, uris) in [
        (REDIRECT_URIS, redirects),
        (POST_LOGOUT_REDIRECT_URIS, c.uris(POST_LOGOUT_REDIRECT_URIS)),
    ] {
        for u in uris {
            if let Err(e) = check_uri(&u, &app) {
                out.push((member, e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(app: ApplicationType, method: TokenEndpointAuthMethod, uris: &[&str]) -> Client {
        Client::new_login(
            IntegrationType::Idporten,
            "n",
            "d",
            vec!["openid".into()],
            Login {
                application_type: app,
                auth_method: method,
                redirect_uris: uris.iter().map(|u| (*u).to_owned()).collect(),
                post_logout_redirect_uris: Vec::new(),
                refresh_tokens: true,
            },
        )
    }

    fn fields(c: &Client) -> Vec<&'static str> {
        problems(c).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_login_client_needs_a_redirect_uri_and_a_method_its_application_type_allows() {
        use ApplicationType::{Browser, Native, Web};
        use TokenEndpointAuthMethod::{ClientSecretBasic, None as NoAuth, PrivateKeyJwt};
        let ok = login(Web, ClientSecretBasic, &["https://a.example/cb"]);
        assert_eq!(fields(&ok), Vec::<&str>::new());
        assert_eq!(ok.grant_types, [AUTHORIZATION_CODE, REFRESH_TOKEN]);
        assert_eq!(fields(&login(Web, ClientSecretBasic, &[])), [REDIRECT_URIS]);
        assert_eq!(
            fields(&login(Browser, PrivateKeyJwt, &["https://a.example/cb"])),
            ["token_endpoint_auth_method"]
        );
        assert_eq!(
            fields(&login(Browser, NoAuth, &["https://a.example/cb"])),
            Vec::<&str>::new()
        );
        assert_eq!(
            fields(&login(Web, NoAuth, &["https://a.example/cb"])),
            ["token_endpoint_auth_method"]
        );
        // A native app may use its own scheme; web apps may not, and no URI has a fragment.
        assert!(fields(&login(Native, NoAuth, &["no.app:/cb"])).is_empty());
        assert_eq!(
            fields(&login(Web, ClientSecretBasic, &["no.app:/cb"])),
            [REDIRECT_URIS]
        );
        assert_eq!(
            fields(&login(Web, ClientSecretBasic, &["https://a.example/cb#x"])),
            [REDIRECT_URIS]
        );
        assert_eq!(
            fields(&login(Web, ClientSecretBasic, &["a.example/cb"])),
            [REDIRECT_URIS]
        );
    }

    #[test]
    fn short_forms_of_type_lists() {
        assert_eq!(short_list("maskinporten,idporten"), "mp,idp");
        assert_eq!(short_list("any"), "any");
        assert_eq!(short_list("krr,future_type"), "krr,future_type");
    }

    #[test]
    fn server_to_server_types_take_only_the_key_and_the_jwt_grant() {
        let krr = Client::new_server_to_server(IntegrationType::Krr, "n", "d", Vec::new());
        assert!(problems(&krr).is_empty());
        let mut bad = krr.clone();
        bad.token_endpoint_auth_method = Some(TokenEndpointAuthMethod::ClientSecretBasic);
        bad.grant_types = vec![AUTHORIZATION_CODE.into()];
        assert_eq!(fields(&bad), ["token_endpoint_auth_method", "grant_types"]);
        // Types not described here are kept as they are.
        let mut saml = krr;
        saml.integration_type = Some(IntegrationType::IdportenSaml2);
        saml.grant_types = vec!["whatever".into()];
        assert!(problems(&saml).is_empty());
    }
}
