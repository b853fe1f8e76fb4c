//! The token doctor's brain: from a token endpoint refusal and what we know about the client,
//! the likely cause and the concrete command that fixes it. Pure, so every diagnosis is
//! tested without a network.

use chrono::DateTime;

use super::rsa::same_key;
use crate::api::models::{Jwk, TokenErrorBody};

/// What the doctor knew when it asked for the token.
#[derive(Debug, Clone)]
pub struct DoctorContext<'a> {
    /// The profile the fixes run on: without `--profile` a command copied from a prod
    /// session would run on the default (often test) profile.
    pub profile: &'a str,
    pub client_id: &'a str,
    /// The client's owner (`client_orgno`), when the admin API told us.
    pub client_orgno: Option<&'a str>,
    /// The keys registered on the client.
    pub client_keys: &'a [Jwk],
    /// The scopes registered on the client.
    pub client_scopes: &'a [String],
    pub requested_scopes: &'a [String],
    /// The kid put in the grant header.
    pub kid: &'a str,
    /// The public half of the key the grant was signed with.
    pub signing_key: &'a Jwk,
}

/// Likely cause and the fix, each one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub cause: String,
    pub fix: String,
}

fn diag(cause: impl Into<String>, fix: impl Into<String>) -> Diagnosis {
    Diagnosis {
        cause: cause.into(),
        fix: fix.into(),
    }
}

impl DoctorContext<'_> {
    fn kids(&self) -> String {
        let kids: Vec<&str> = self
            .client_keys
            .iter()
            .filter_map(|k| k.kid.as_deref())
            .collect();
        if kids.is_empty() {
            "the client has no keys".to_owned()
        } else {
            format!("the client's kids are {}", kids.join(", "))
        }
    }

    /// The kid under which the signing key is registered, if it is.
    fn registered_as(&self) -> Option<&str> {
        self.client_keys
            .iter()
            .find(|k| same_key(k, self.signing_key))
            .and_then(|k| k.kid.as_deref())
    }

    fn registered_key(&self) -> Option<&Jwk> {
        self.client_keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(self.kid))
    }

    /// A command for this profile, as the admin would type it.
    fn ours(&self, args: &str) -> String {
        format!("`mpadmin --profile {} {args}`", self.profile)
    }

    fn add_key_fix(&self) -> String {
        format!(
            "upload its public key: {}",
            self.ours(&format!(
                "keys add {} --file PUBLIC_KEY_FILE",
                self.client_id
            ))
        )
    }

    fn scopes_not_on_client(&self) -> Vec<&str> {
        self.requested_scopes
            .iter()
            .filter(|s| !self.client_scopes.contains(s))
            .map(String::as_str)
            .collect()
    }

    /// Scopes named in the error text, else all requested ones.
    fn scopes_in(&self, text: &str) -> Vec<&str> {
        let named: Vec<&str> = self
            .requested_scopes
            .iter()
            .filter(|s| text.contains(s.as_str()))
            .map(String::as_str)
            .collect();
        if named.is_empty() {
            self.requested_scopes.iter().map(String::as_str).collect()
        } else {
            named
        }
    }
}

/// Likely cause and fix for a refused token request. Matches Digdir's MP code first, then
/// the description (some refusals carry no code).
pub fn diagnose(body: &TokenErrorBody, ctx: &DoctorContext<'_>) -> Diagnosis {
    let text = body.error_description.as_deref().unwrap_or_default();
    let client = ctx.client_id;
    match body.mp_code() {
        Some("MP-121") => {
            let when = ctx
                .registered_key()
                .and_then(|k| k.exp)
                .and_then(|e| DateTime::from_timestamp(e, 0))
                .map(|t| format!(" on {}", t.format("%Y-%m-%d")))
                .unwrap_or_default();
            diag(
                format!(
                    "key '{}' expired{when} (Digdir keys live at most a year)",
                    ctx.kid
                ),
                format!(
                    "rotate it: {}",
                    ctx.ours(&format!("keys rotate {client} --out NEW_KEY_FILE"))
                ),
            )
        }
        Some("MP-124") => match (ctx.registered_key().is_some(), ctx.registered_as()) {
            (true, Some(other)) => diag(
                format!(
                    "the key file is registered as kid '{other}', not '{}'",
                    ctx.kid
                ),
                format!("use --kid {other}"),
            ),
            (true, None) => diag(
                format!(
                    "the key file is not the key registered as '{}' (signature does not verify)",
                    ctx.kid
                ),
                format!(
                    "use the private key that belongs to '{}', or {}",
                    ctx.kid,
                    ctx.add_key_fix()
                ),
            ),
            _ => diag(
                "the signature does not verify",
                "check that the key file is the private key of a key on the client",
            ),
        },
        Some("MP-200") => {
            let missing = ctx.scopes_not_on_client();
            if missing.is_empty() {
                diag(
                    format!("a requested scope does not exist or is inactive: {text}"),
                    format!(
                        "check the scope name with {}, or ask its owner to reactivate it",
                        ctx.ours("scopes show NAME")
                    ),
                )
            } else {
                let flags: Vec<String> =
                    missing.iter().map(|s| format!("--add-scope {s}")).collect();
                diag(
                    format!("scope {} is not on client {client}", missing.join(", ")),
                    format!(
                        "add it: {}",
                        ctx.ours(&format!("clients update {client} {}", flags.join(" ")))
                    ),
                )
            }
        }
        Some("MP-201") => diag(
            format!(
                "scope {} does not allow this client's integration type",
                ctx.scopes_in(text).join(", ")
            ),
            "ask the scope's owner to allow the client's integration type (maskinporten) on it",
        ),
        Some("MP-250") | Some("MP-251") => {
            let scopes = ctx.scopes_in(text);
            let org = ctx.client_orgno.unwrap_or("YOUR_ORGNO");
            let owners: Vec<&str> = scopes
                .iter()
                .filter_map(|s| s.split_once(':').map(|(p, _)| p))
                .collect();
            diag(
                format!(
                    "organisation {org} has not been granted access to {}",
                    scopes.join(", ")
                ),
                format!(
                    "ask the owner of prefix '{}' to grant it: they run `mpadmin access grant {org} --scope {}`",
                    owners.join("', '"),
                    scopes.first().copied().unwrap_or("SCOPE")
                ),
            )
        }
        Some("MP-100") => diag(
            format!("client '{client}' is unknown to this Maskinporten"),
            "check the client id and that the profile points at the client's environment (test or prod)",
        ),
        Some("MP-110") => diag(
            "the grant's aud is not this Maskinporten's issuer",
            "set the profile's issuer exactly (with the trailing slash), e.g. https://test.maskinporten.no/",
        ),
        Some("MP-130") => diag(
            "the grant is expired on arrival: this machine's clock is off",
            "synchronise the clock (NTP) and try again",
        ),
        Some("MP-012") => diag(
            "the grant's jti was used before",
            "try again: mpadmin makes a fresh jti for every grant",
        ),
        Some("MP-120") | Some("MP-122") | Some("MP-123") => diag(
            "the certificate in the grant was refused",
            "this client uses registered keys: sign with --key and --kid instead of a certificate",
        ),
        _ if text.contains("Unknown key identifier") => match ctx.registered_as() {
            Some(kid) => diag(
                format!(
                    "kid '{}' is not on client {client}; this key is, as '{kid}'",
                    ctx.kid
                ),
                format!("use --kid {kid}"),
            ),
            None => diag(
                format!(
                    "kid '{}' is not on client {client} ({}); a wrong client id gives this too",
                    ctx.kid,
                    ctx.kids()
                ),
                ctx.add_key_fix(),
            ),
        },
        _ if text.contains("requires pre-registered jwk") => diag(
            "the client has registered keys, so the grant must name one by kid",
            format!("give --kid ({})", ctx.kids()),
        ),
        _ if text.contains("Issue time") => diag(
            "the grant was issued in the future: this machine's clock is ahead",
            "synchronise the clock (NTP) and try again",
        ),
        _ => diag(
            format!("Maskinporten refused the grant ({})", body.error),
            "read Digdir's message above; https://docs.digdir.no lists the MP codes",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(kid: &str, n: &str, exp: Option<i64>) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            n: Some(n.into()),
            e: Some("AQAB".into()),
            exp,
            ..Jwk::default()
        }
    }

    fn err(code: Option<&str>, text: &str) -> TokenErrorBody {
        TokenErrorBody {
            error: "invalid_grant".into(),
            error_description: Some(text.into()),
            error_uri: code.map(|c| format!("https://test.maskinporten.no/errors/{c}")),
        }
    }

    struct Fixture {
        keys: Vec<Jwk>,
        scopes: Vec<String>,
        requested: Vec<String>,
        signing: Jwk,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                keys: vec![
                    jwk("old", "AQID", Some(1_800_000_000)),
                    jwk("new", "BAUG", None),
                ],
                scopes: vec!["acme:read".into()],
                requested: vec!["acme:read".into(), "other:data".into()],
                signing: jwk("whatever", "BAUG", None),
            }
        }

        fn ctx<'a>(&'a self, kid: &'a str) -> DoctorContext<'a> {
            DoctorContext {
                profile: "prod",
                client_id: "c1",
                client_orgno: Some("991825827"),
                client_keys: &self.keys,
                client_scopes: &self.scopes,
                requested_scopes: &self.requested,
                kid,
                signing_key: &self.signing,
            }
        }
    }

    #[test]
    fn unknown_kid_points_at_the_registered_kid_or_lists_kids() {
        let f = Fixture::new();
        let body = err(
            None,
            "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client: 'typo'",
        );
        let d = diagnose(&body, &f.ctx("typo"));
        assert_eq!(d.fix, "use --kid new");
        let mut g = Fixture::new();
        g.signing = jwk("x", "CQkJ", None);
        let d = diagnose(&body, &g.ctx("typo"));
        assert!(d.cause.contains("the client's kids are old, new"), "{d:?}");
        assert!(
            d.fix.contains("mpadmin --profile prod keys add c1"),
            "{d:?}"
        );
    }

    #[test]
    fn scope_not_on_client_says_add_it() {
        let f = Fixture::new();
        let d = diagnose(
            &err(
                Some("MP-200"),
                "Token request contains invalid scopes for client, other:data",
            ),
            &f.ctx("new"),
        );
        assert_eq!(
            d.fix,
            "add it: `mpadmin --profile prod clients update c1 --add-scope other:data`"
        );
    }

    #[test]
    fn consumer_not_granted_says_ask_the_prefix_owner() {
        let f = Fixture::new();
        let d = diagnose(
            &err(
                Some("MP-250"),
                "Consumer has not been granted access to the scope other:data",
            ),
            &f.ctx("new"),
        );
        assert!(
            d.cause.contains("991825827") && d.cause.contains("other:data"),
            "{d:?}"
        );
        assert_eq!(
            d.fix,
            "ask the owner of prefix 'other' to grant it: they run `mpadmin access grant 991825827 --scope other:data`"
        );
    }

    #[test]
    fn expired_key_says_rotate() {
        let f = Fixture::new();
        let d = diagnose(&err(Some("MP-121"), "Expired key."), &f.ctx("old"));
        assert!(d.cause.contains("'old' expired on 2027-01-15"), "{d:?}");
        assert!(
            d.fix.contains("mpadmin --profile prod keys rotate c1"),
            "{d:?}"
        );
    }

    #[test]
    fn bad_signature_names_the_kid_the_file_belongs_to() {
        let f = Fixture::new();
        let d = diagnose(&err(Some("MP-124"), "Invalid JWT signature"), &f.ctx("old"));
        assert_eq!(d.fix, "use --kid new");
    }

    #[test]
    fn other_codes_name_their_cause() {
        let f = Fixture::new();
        let cases = [
            (
                Some("MP-201"),
                "scopes not allowed for maskinporten, acme:read",
                "acme:read does not allow",
            ),
            (
                Some("MP-100"),
                "Client not found",
                "unknown to this Maskinporten",
            ),
            (Some("MP-110"), "Invalid JWT claim aud", "issuer"),
            (Some("MP-130"), "JWT is expired", "clock"),
            (None, "Issue time is after now", "clock is ahead"),
            (
                None,
                "The client requires pre-registered jwk and no key identifier (kid) provided",
                "by kid",
            ),
        ];
        for (code, text, want) in cases {
            let d = diagnose(&err(code, text), &f.ctx("new"));
            assert!(
                d.cause.contains(want) || d.fix.contains(want),
                "{code:?}: {d:?}"
            );
        }
    }

    #[test]
    fn unknown_error_falls_back_to_digdirs_message() {
        let f = Fixture::new();
        let d = diagnose(&err(None, "something new"), &f.ctx("old"));
        assert!(d.cause.contains("invalid_grant"), "{d:?}");
    }
}
