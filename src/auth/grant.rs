//! The JWT-bearer grant (RFC 7523) as Maskinporten wants it: header `alg` RS256 plus either
//! `x5c` (standard-base64 DER, leaf first) or `kid`; claims exactly aud, iss, scope, iat,
//! exp (iat + 120 s) and a fresh UUID v4 jti.

use std::fmt;
use std::time::{Duration, SystemTime};

use josekit::jws::alg::rsassa::RsassaJwsSigner;
use josekit::jws::{JwsHeader, RS256};
use josekit::jwt::{self, JwtPayload};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::Value;

use super::credentials::{CertificateInfo, Credentials, PasswordSource, SystemPasswords};
use super::diagnose::{GrantContext, diagnose};
use super::token::{AuthError, SignGrant};
use crate::config::{Environment, Profile};
use crate::wire::models::TokenErrorBody;

/// Maskinporten refuses grants that live longer than this (exp - iat).
pub const GRANT_LIFETIME: Duration = Duration::from_secs(120);

/// How the grant tells Maskinporten which key signed it.
#[derive(Clone)]
pub enum GrantHeader {
    /// The business certificate (chain, leaf first) in `x5c`.
    X5c(Vec<X509>),
    /// A key registered on the client, by its `kid`.
    Kid(String),
}

impl GrantHeader {
    /// The business certificate (first in `x5c`), if the grant carries one.
    pub fn leaf(&self) -> Option<&X509> {
        match self {
            GrantHeader::X5c(chain) => chain.first(),
            GrantHeader::Kid(_) => None,
        }
    }
}

impl fmt::Debug for GrantHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantHeader::X5c(chain) => {
                let subjects: Vec<String> = chain
                    .iter()
                    .map(|c| CertificateInfo::from_x509(c).subject)
                    .collect();
                f.debug_tuple("X5c").field(&subjects).finish()
            }
            GrantHeader::Kid(kid) => f.debug_tuple("Kid").field(kid).finish(),
        }
    }
}

/// A key made ready to sign grants; build once, sign many.
pub struct GrantSigner {
    signer: RsassaJwsSigner,
    header: GrantHeader,
}

impl fmt::Debug for GrantSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantSigner")
            .field("key", &"<redacted>")
            .field("header", &self.header)
            .finish()
    }
}

impl GrantSigner {
    pub fn new(key: &PKey<Private>, header: GrantHeader) -> Result<GrantSigner, AuthError> {
        let sign_err = |e: &dyn fmt::Display| AuthError::Sign(e.to_string());
        let mut der = key.private_key_to_der().map_err(|e| sign_err(&e))?;
        let signer = RS256.signer_from_der(&der).map_err(|e| sign_err(&e));
        der.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&der);
        Ok(GrantSigner {
            signer: signer?,
            header,
        })
    }

    pub fn header(&self) -> &GrantHeader {
        &self.header
    }

    /// A fresh grant: `aud` = `issuer` exactly as given, `iss` = `client_id`, `scope` = the
    /// scopes joined by spaces, `iat` = now, `exp` = now + 120 s, `jti` = a new UUID v4.
    pub fn sign(
        &self,
        issuer: &str,
        client_id: &str,
        scopes: &[String],
    ) -> Result<String, AuthError> {
        self.sign_at(SystemTime::now(), issuer, client_id, scopes)
    }

    /// As [`sign`](Self::sign), issued at `iat` (for clock-skew tests and diagnostics).
    pub fn sign_at(
        &self,
        iat: SystemTime,
        issuer: &str,
        client_id: &str,
        scopes: &[String],
    ) -> Result<String, AuthError> {
        let mut header = JwsHeader::new();
        header.set_algorithm("RS256");
        match &self.header {
            GrantHeader::X5c(chain) => {
                let ders = chain
                    .iter()
                    .map(|c| c.to_der())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| AuthError::Sign(e.to_string()))?;
                header.set_x509_certificate_chain(&ders);
            }
            GrantHeader::Kid(kid) => header.set_key_id(kid.clone()),
        }
        // Whole seconds as JSON integers: josekit's set_issued_at/set_expires_at write floats
        // (1700000000.0), which strict NumericDate parsers refuse.
        let iat = iat
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut payload = JwtPayload::new();
        payload.set_audience(vec![issuer]);
        payload.set_issuer(client_id);
        let claims = [
            ("scope", Value::String(scopes.join(" "))),
            ("iat", Value::from(iat)),
            ("exp", Value::from(iat + GRANT_LIFETIME.as_secs())),
        ];
        for (name, value) in claims {
            payload
                .set_claim(name, Some(value))
                .map_err(|e| AuthError::Sign(e.to_string()))?;
        }
        payload.set_jwt_id(uuid::Uuid::new_v4().to_string());
        jwt::encode_with_signer(&payload, &header, &self.signer)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }
}

/// Sign one grant with `key` (for one-off grants such as a token test of another client).
pub fn sign_grant(
    key: &PKey<Private>,
    header: GrantHeader,
    issuer: &str,
    client_id: &str,
    scopes: &[String],
) -> Result<String, AuthError> {
    GrantSigner::new(key, header)?.sign(issuer, client_id, scopes)
}

/// Signs the grants of one client (the profile's admin client, or any client in a token test)
/// and explains their refusals. Use it as a [`TokenSource`](super::TokenSource)'s signer to get
/// a real token or a refusal with its hint.
pub struct ClientSigner {
    grant: GrantSigner,
    issuer: String,
    client_id: String,
    environment: Option<Environment>,
    certificate: Option<CertificateInfo>,
}

impl fmt::Debug for ClientSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSigner")
            .field("grant", &self.grant)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl ClientSigner {
    /// The admin client of `profile`, signing with the profile's credentials.
    pub fn for_profile(
        profile: &Profile,
        credentials: &Credentials,
    ) -> Result<ClientSigner, AuthError> {
        Ok(ClientSigner {
            grant: GrantSigner::new(credentials.key(), credentials.header().clone())?,
            issuer: profile.issuer.clone(),
            client_id: profile.client_id.clone(),
            environment: profile.environment,
            certificate: credentials.certificate().cloned(),
        })
    }

    /// Any client: `grant` signs, `issuer` is the aud (from the admin profile, so the same
    /// Maskinporten), `client_id` the client to get a token for.
    pub fn new(
        grant: GrantSigner,
        issuer: &str,
        client_id: &str,
        environment: Option<Environment>,
    ) -> ClientSigner {
        ClientSigner {
            grant,
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            environment,
            certificate: None,
        }
    }

    fn context(&self) -> GrantContext<'_> {
        GrantContext {
            issuer: &self.issuer,
            client_id: &self.client_id,
            kid: match self.grant.header() {
                GrantHeader::Kid(k) => Some(k),
                GrantHeader::X5c(_) => None,
            },
            environment: self.environment,
            certificate_org: self
                .certificate
                .as_ref()
                .and_then(|c| c.org_number.as_ref()),
        }
    }
}

impl SignGrant for ClientSigner {
    fn sign(&self, scopes: &[String]) -> Result<String, AuthError> {
        self.grant.sign(&self.issuer, &self.client_id, scopes)
    }

    fn diagnose(&self, body: &TokenErrorBody) -> Option<String> {
        diagnose(body, &self.context())
    }

    fn certificate(&self) -> Option<&CertificateInfo> {
        self.certificate.as_ref()
    }
}

/// The signer for a profile, asking for passwords from the environment or the terminal.
pub fn signer_for(profile: &Profile) -> Result<Box<dyn SignGrant>, AuthError> {
    signer_with(profile, &SystemPasswords)
}

/// The signer for a profile, with passwords from `passwords` (a TUI dialog, a test).
pub fn signer_with(
    profile: &Profile,
    passwords: &dyn PasswordSource,
) -> Result<Box<dyn SignGrant>, AuthError> {
    let credentials = Credentials::load(profile, passwords)?;
    Ok(Box::new(ClientSigner::for_profile(profile, &credentials)?))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use openssl::hash::MessageDigest;
    use openssl::rsa::Rsa;
    use openssl::sign::Verifier;
    use openssl::x509::X509Name;
    use serde_json::{Map, Value};

    use super::*;

    fn key() -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
    }

    fn self_signed(key: &PKey<Private>) -> X509 {
        let mut name = X509Name::builder().unwrap();
        name.append_entry_by_text("CN", "grant test").unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(key, MessageDigest::sha256()).unwrap();
        b.build()
    }

    fn part(jwt: &str, i: usize) -> Map<String, Value> {
        let bytes = URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn scopes() -> Vec<String> {
        vec!["idporten:scopes.write".into(), "idporten:dcr.read".into()]
    }

    #[test]
    fn x5c_grant_has_exactly_the_maskinporten_claims() {
        let key = key();
        let cert = self_signed(&key);
        let issuer = "https://test.maskinporten.no/";
        let jwt = sign_grant(
            &key,
            GrantHeader::X5c(vec![cert.clone()]),
            issuer,
            "client-1",
            &scopes(),
        )
        .unwrap();

        let header = part(&jwt, 0);
        let mut keys: Vec<&str> = header.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["alg", "x5c"], "no typ, no kid beside x5c");
        assert_eq!(header["alg"], "RS256");
        let x5c = header["x5c"].as_array().expect("x5c is an array");
        assert_eq!(x5c.len(), 1);
        // Standard base64 (may hold + and /), not base64url.
        let der = STANDARD.decode(x5c[0].as_str().unwrap()).unwrap();
        assert_eq!(der, cert.to_der().unwrap());

        let claims = part(&jwt, 1);
        let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["aud", "exp", "iat", "iss", "jti", "scope"]);
        assert_eq!(claims["aud"], issuer, "aud is a single string, slash kept");
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["scope"], "idporten:scopes.write idporten:dcr.read");
        let iat = claims["iat"].as_u64().unwrap();
        assert_eq!(claims["exp"].as_u64().unwrap() - iat, 120);
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(iat <= now && now - iat < 5);
        let jti = uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
        assert_eq!(jti.get_version_num(), 4);

        // The signature verifies with the certificate's key.
        let (signed, sig) = jwt.rsplit_once('.').unwrap();
        let public = cert.public_key().unwrap();
        let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        v.update(signed.as_bytes()).unwrap();
        assert!(v.verify(&URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap());
    }

    #[test]
    fn kid_grant_names_the_key_and_carries_no_certificate() {
        let signer = GrantSigner::new(&key(), GrantHeader::Kid("my-key-2026".into())).unwrap();
        let a = signer
            .sign("https://maskinporten.no/", "c", &scopes())
            .unwrap();
        let b = signer
            .sign("https://maskinporten.no/", "c", &scopes())
            .unwrap();
        let header = part(&a, 0);
        let mut keys: Vec<&str> = header.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["alg", "kid"]);
        assert_eq!(header["kid"], "my-key-2026");
        assert_eq!(header["alg"], "RS256");
        assert_ne!(
            part(&a, 1)["jti"],
            part(&b, 1)["jti"],
            "every grant gets a fresh jti"
        );
    }

    #[test]
    fn sign_at_sets_iat() {
        let signer = GrantSigner::new(&key(), GrantHeader::Kid("k".into())).unwrap();
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_900);
        let claims = part(
            &signer.sign_at(at, "https://x/", "c", &scopes()).unwrap(),
            1,
        );
        assert_eq!(claims["iat"], 1_700_000_000u64);
        assert_eq!(claims["exp"], 1_700_000_120u64);
    }

    #[test]
    fn debug_output_hides_the_key() {
        let signer = GrantSigner::new(&key(), GrantHeader::Kid("k".into())).unwrap();
        let shown = format!("{signer:?}");
        assert!(
            shown.contains("<redacted>") && !shown.contains("PRIVATE"),
            "{shown}"
        );
    }
}
