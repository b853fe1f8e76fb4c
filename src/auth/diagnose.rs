//! One line of likely cause and fix for each way Maskinporten refuses a grant. Codes come
//! from `error_uri` (`.../errors/MP-200`); errors without a code are recognised by their
//! description.

use crate::config::Environment;
use crate::wire::models::TokenErrorBody;
use crate::wire::types::OrgNumber;

/// What the grant was made of, to make the hint concrete.
#[derive(Debug, Clone, Copy)]
pub struct GrantContext<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// `Some` when the grant named a registered key instead of carrying a certificate.
    pub kid: Option<&'a str>,
    pub environment: Option<Environment>,
    /// The organisation number in the business certificate, when there is one.
    pub certificate_org: Option<&'a OrgNumber>,
}

/// A likely cause and fix for a refused grant, or `None` when the refusal is not one we know.
pub fn diagnose(body: &TokenErrorBody, ctx: &GrantContext<'_>) -> Option<String> {
    let desc = body.error_description.as_deref().unwrap_or("");
    let lower = desc.to_ascii_lowercase();
    let env = match ctx.environment {
        Some(e) => e.label(),
        None => "this environment",
    };
    let client = ctx.client_id;
    let code = body.mp_code().or_else(|| code_from_text(&lower))?;
    let hint = match code {
        "MP-100" => format!(
            "Maskinporten ({env}) does not know client_id '{client}': check client_id, and that the admin client was registered in {env} (test and production clients are separate)"
        ),
        "MP-110" => format!(
            "the grant's aud '{}' is not this Maskinporten's issuer: set environment, or issuer to exactly https://test.maskinporten.no/ or https://maskinporten.no/ (trailing slash included)",
            ctx.issuer
        ),
        "MP-120" => format!(
            "Maskinporten ({env}) does not accept the certificate: TEST takes only test business certificates and PROD only real ones; check also that it is not expired or revoked"
        ),
        "MP-121" => format!(
            "the key {} registered on client '{client}' has expired (keys live at most a year): register a new key on the admin client and point the profile at it",
            ctx.kid.map(|k| format!("'{k}'")).unwrap_or_default()
        ),
        "MP-122" => format!(
            "the certificate's organisation{} does not own client '{client}': sign with your own organisation's business certificate, or use the admin client registered for the certificate's organisation",
            ctx.certificate_org
                .map(|o| format!(" ({o})"))
                .unwrap_or_default()
        ),
        "MP-123" => "the x5c header is not an array of base64 DER certificates: the certificate file is probably damaged; export it again from the .p12".to_owned(),
        "MP-124" => match ctx.kid {
            Some(kid) => format!(
                "the signature does not verify with the key registered as '{kid}': private_key is not the key registered under that kid"
            ),
            None => "the signature does not verify with the certificate: the private key and the certificate do not belong together, or the certificate is for the other environment".to_owned(),
        },
        "MP-130" if lower.contains("lifetime") => "the grant lives longer than Maskinporten allows: exp may be at most 120 s after iat".to_owned(),
        "MP-130" | "clock" => "this computer's clock differs from Maskinporten's by more than 10 seconds: synchronise it (e.g. timedatectl set-ntp true) and try again".to_owned(),
        "MP-012" => "the same grant (jti) was sent twice: try again; if it repeats, something replays requests between you and Maskinporten".to_owned(),
        "MP-011" => "Maskinporten could not read the grant: check issuer and client_id for stray characters".to_owned(),
        "MP-200" => {
            let scopes = scopes_in(desc).unwrap_or_else(|| "some requested scopes".to_owned());
            format!(
                "{scopes} not registered on admin client '{client}': ask Digdir (servicedesk@digdir.no) to add them to the admin client, or remove them from scopes in the profile"
            )
        }
        "MP-201" => "a requested scope does not allow the maskinporten integration type: remove it from scopes, or ask its owner to allow maskinporten".to_owned(),
        "MP-250" => "your organisation has not been granted this scope: ask the scope's owner (for idporten:* admin scopes, Digdir) to grant your organisation number".to_owned(),
        "MP-251" => "the consumer has not delegated the scope to you in Altinn: ask the consumer to delegate it".to_owned(),
        "kid" => format!(
            "client '{client}' has no key with kid '{}' in {env}: check client_id and kid (the kid must be registered on this very client)",
            ctx.kid.unwrap_or("?")
        ),
        "needs-kid" => format!(
            "client '{client}' has registered keys, so it must sign with one of them: use private_key + kid in the profile instead of the certificate"
        ),
        _ => return None,
    };
    Some(hint)
}

/// Refusals that come without `error_uri`, told apart by their text.
fn code_from_text(lower: &str) -> Option<&'static str> {
    if lower.contains("issue time is after now") || lower.contains("jwt is expired") {
        Some("clock")
    } else if lower.contains("unknown key identifier") {
        Some("kid")
    } else if lower.contains("pre-registered jwk") {
        Some("needs-kid")
    } else if lower.contains("used before") {
        Some("MP-012")
    } else if lower.contains("invalid jwt claim aud") {
        Some("MP-110")
    } else if lower.contains("expired key") {
        Some("MP-121")
    } else if lower.contains("does not match certificate orgno") {
        Some("MP-122")
    } else if lower.contains("invalid scopes for client") {
        Some("MP-200")
    } else if lower.contains("client not found") {
        Some("MP-100")
    } else {
        None
    }
}

/// `Token request contains invalid scopes for client, a:b c:d (trace_id: ...)` -> "a:b c:d".
fn listed_scopes(desc: &str) -> Option<&str> {
    let rest = desc.split_once("client, ")?.1;
    let scopes = rest.split(" (").next()?.trim();
    (!scopes.is_empty()).then_some(scopes)
}

/// The scopes an MP-200 refusal names as not registered on the client (empty for any other
/// refusal).
pub fn refused_scopes(body: &TokenErrorBody) -> Vec<String> {
    let desc = body.error_description.as_deref().unwrap_or("");
    let mp200 = body.mp_code() == Some("MP-200")
        || code_from_text(&desc.to_ascii_lowercase()) == Some("MP-200");
    match listed_scopes(desc).filter(|_| mp200) {
        Some(list) => list
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    }
}

/// "a:b c:d are" / "a:b is", for the hint.
fn scopes_in(desc: &str) -> Option<String> {
    let scopes = listed_scopes(desc)?;
    let verb = if scopes.contains([' ', ',']) {
        "are"
    } else {
        "is"
    };
    Some(format!("{scopes} {verb}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GrantContext<'static> {
        GrantContext {
            issuer: "https://test.maskinporten.no/",
            client_id: "admin-1",
            kid: None,
            environment: Some(Environment::Test),
            certificate_org: None,
        }
    }

    fn body(uri: Option<&str>, desc: &str) -> TokenErrorBody {
        TokenErrorBody {
            error: "invalid_grant".into(),
            error_description: Some(desc.into()),
            error_uri: uri.map(Into::into),
        }
    }

    #[test]
    fn scope_hint_names_the_scope() {
        let b = body(
            Some("https://test.maskinporten.no/errors/MP-200"),
            "Token request contains invalid scopes for client, idporten:dcr.write (trace_id: ab12)",
        );
        let hint = diagnose(&b, &ctx()).unwrap();
        assert!(
            hint.starts_with("idporten:dcr.write is not registered on admin client 'admin-1'"),
            "{hint}"
        );
        assert!(hint.contains("servicedesk@digdir.no"));
        assert_eq!(refused_scopes(&b), ["idporten:dcr.write"]);
        let two = body(
            Some("https://test.maskinporten.no/errors/MP-200"),
            "Token request contains invalid scopes for client, a:b, c:d",
        );
        assert_eq!(refused_scopes(&two), ["a:b", "c:d"]);
        assert!(refused_scopes(&body(None, "Issue time is after now")).is_empty());
    }

    #[test]
    fn text_only_refusals() {
        let h = diagnose(&body(None, "Issue time is after now"), &ctx()).unwrap();
        assert!(h.contains("clock"), "{h}");
        let h = diagnose(
            &body(None, "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client."),
            &ctx(),
        )
        .unwrap();
        assert!(h.contains("check client_id and kid"), "{h}");
        assert!(diagnose(&body(None, "something new"), &ctx()).is_none());
    }
}
