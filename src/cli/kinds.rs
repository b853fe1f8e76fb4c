//! `clients create --integration-type ...`: the fields each integration type needs, checked
//! as the server checks them (`wire::kinds`) before anything is sent.

use clap::Args;

use super::commands::CliError;
use crate::api::models::{ApplicationType, Client, IntegrationType, TokenEndpointAuthMethod};
use crate::wire::kinds::{self, CREATABLE, Family, Login};

#[derive(Debug, Args)]
pub struct KindArgs {
    /// maskinporten (default), idporten, ansattporten, api_klient or krr.
    #[arg(long = "integration-type", value_name = "TYPE", value_parser = parse_kind)]
    integration_type: Option<IntegrationType>,
    /// Login types: where ID-porten may send the user back (repeat for several).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Login types: where the user lands after logging out (repeat for several).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Vec<String>,
    /// Login types: web (runs on a server, default), browser (single-page app) or native.
    #[arg(long = "application-type", value_name = "TYPE", value_parser = parse_application)]
    application_type: Option<ApplicationType>,
    /// Login types: web apps private_key_jwt, client_secret_basic or client_secret_post;
    /// browser and native apps none (the default there).
    #[arg(long = "auth-method", value_name = "METHOD", value_parser = parse_method)]
    auth_method: Option<TokenEndpointAuthMethod>,
    /// Login types: also allow the refresh_token grant.
    #[arg(long = "refresh-tokens")]
    refresh_tokens: bool,
}

fn names(list: &[impl AsRef<str>]) -> String {
    list.iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_kind(s: &str) -> Result<IntegrationType, String> {
    let kind = IntegrationType::from(s.trim().to_lowercase());
    if CREATABLE.contains(&kind) {
        return Ok(kind);
    }
    let kinds: Vec<&str> = CREATABLE.iter().map(IntegrationType::as_str).collect();
    Err(match kind {
        IntegrationType::Eformidling | IntegrationType::IdportenSaml2 => format!(
            "{kind} clients are set up by Digdir, not through this API; mpadmin creates {}",
            names(&kinds)
        ),
        _ => format!("use one of {}", names(&kinds)),
    })
}

fn parse_application(s: &str) -> Result<ApplicationType, String> {
    match ApplicationType::from(s.trim().to_lowercase()) {
        ApplicationType::Unknown(_) => Err("use web, browser or native".into()),
        a => Ok(a),
    }
}

fn parse_method(s: &str) -> Result<TokenEndpointAuthMethod, String> {
    match TokenEndpointAuthMethod::from(s.trim().to_lowercase()) {
        TokenEndpointAuthMethod::Unknown(_) => {
            Err("use private_key_jwt, client_secret_basic, client_secret_post or none".into())
        }
        m => Ok(m),
    }
}

/// The flag that sets a member the server checks.
fn flag(field: &str) -> &'static str {
    match field {
        kinds::REDIRECT_URIS => "--redirect-uri",
        kinds::POST_LOGOUT_REDIRECT_URIS => "--post-logout-redirect-uri",
        "token_endpoint_auth_method" => "--auth-method",
        "application_type" => "--application-type",
        _ => "--integration-type",
    }
}

impl KindArgs {
    fn kind(&self) -> IntegrationType {
        self.integration_type
            .clone()
            .unwrap_or(IntegrationType::Maskinporten)
    }

    /// The create body, refused (naming the flag and the fix) where the server would refuse it.
    pub fn client(
        &self,
        name: &str,
        description: &str,
        scopes: Vec<String>,
    ) -> Result<Client, CliError> {
        let kind = self.kind();
        let client = match kind.family() {
            Family::Login => {
                let application_type = self
                    .application_type
                    .clone()
                    .unwrap_or(ApplicationType::Web);
                let allowed = kinds::auth_methods(&application_type);
                let auth_method = match (&self.auth_method, allowed) {
                    (Some(m), _) => m.clone(),
                    (None, [only]) => only.clone(),
                    (None, _) => {
                        return Err(CliError::Usage(format!(
                            "--auth-method is required for a {application_type} {kind} client: \
                             one of {}",
                            names(&allowed.iter().map(|m| m.as_str()).collect::<Vec<_>>())
                        )));
                    }
                };
                Client::new_login(
                    kind.clone(),
                    name,
                    description,
                    scopes,
                    Login {
                        application_type,
                        auth_method,
                        redirect_uris: self.redirect_uris.clone(),
                        post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
                        refresh_tokens: self.refresh_tokens,
                    },
                )
            }
            _ => {
                let login_only = [
                    (!self.redirect_uris.is_empty(), "--redirect-uri"),
                    (
                        !self.post_logout_redirect_uris.is_empty(),
                        "--post-logout-redirect-uri",
                    ),
                    (self.application_type.is_some(), "--application-type"),
                    (self.auth_method.is_some(), "--auth-method"),
                    (self.refresh_tokens, "--refresh-tokens"),
                ];
                if let Some((_, f)) = login_only.iter().find(|(given, _)| *given) {
                    return Err(CliError::Usage(format!(
                        "{f} is for login clients (idporten, ansattporten, api_klient); a {kind} \
                         client uses private_key_jwt and the JWT grant"
                    )));
                }
                Client::new_server_to_server(kind, name, description, scopes)
            }
        };
        if let Some((field, why)) = kinds::problems(&client).into_iter().next() {
            return Err(CliError::Usage(format!("{}: {why}", flag(field))));
        }
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(e: CliError) -> String {
        assert_eq!(e.exit_code(), 2, "{e}");
        e.to_string()
    }

    fn args(kind: &str) -> KindArgs {
        KindArgs {
            integration_type: Some(parse_kind(kind).unwrap()),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            application_type: None,
            auth_method: None,
            refresh_tokens: false,
        }
    }

    #[test]
    fn each_type_asks_for_its_own_flags() {
        let e = usage(args("idporten").client("n", "d", Vec::new()).unwrap_err());
        assert!(e.contains("--auth-method is required"), "{e}");
        let mut a = args("idporten");
        a.auth_method = Some(TokenEndpointAuthMethod::ClientSecretBasic);
        let e = usage(a.client("n", "d", Vec::new()).unwrap_err());
        assert!(e.starts_with("--redirect-uri:"), "{e}");
        a.application_type = Some(ApplicationType::Browser);
        a.redirect_uris = vec!["https://a.example/cb".into()];
        let e = usage(a.client("n", "d", Vec::new()).unwrap_err());
        assert!(e.starts_with("--auth-method:"), "{e}");
        a.auth_method = None;
        let c = a.client("n", "d", Vec::new()).unwrap();
        assert_eq!(
            c.token_endpoint_auth_method,
            Some(TokenEndpointAuthMethod::None)
        );
        let mut krr = args("krr");
        krr.redirect_uris = vec!["https://a.example/cb".into()];
        let e = usage(krr.client("n", "d", Vec::new()).unwrap_err());
        assert!(e.contains("--redirect-uri is for login clients"), "{e}");
        assert!(
            parse_kind("eformidling")
                .unwrap_err()
                .contains("set up by Digdir")
        );
        assert!(
            parse_kind("nope")
                .unwrap_err()
                .contains("maskinporten, idporten")
        );
    }
}
