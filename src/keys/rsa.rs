//! RSA public keys as JWKs: conversion from OpenSSL, the RFC 7638 thumbprint, modulus size.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::pkey::HasPublic;
use openssl::rsa::RsaRef;
use serde_json::Map;

use super::KeyError;
use crate::api::models::Jwk;

pub(crate) const SIG: &str = "sig";
pub(crate) const RS256: &str = "RS256";

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Big-endian integer member (`n`, `e`) of a JWK without leading zero bytes. Some encoders
/// keep the sign byte; stripping it makes thumbprints and size checks agree with Digdir's.
fn integer_member(jwk: &Jwk, name: &str, value: Option<&String>) -> Result<Vec<u8>, KeyError> {
    let text = value.ok_or_else(|| {
        KeyError::Invalid(format!(
            "{}: the RSA key has no '{name}' member",
            describe(jwk)
        ))
    })?;
    // Tolerate padding: some converters emit it although RFC 7518 forbids it.
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| {
            KeyError::Invalid(format!(
                "{}: '{name}' is not base64url (RFC 7518 uses the URL-safe alphabet without padding)",
                describe(jwk)
            ))
        })?;
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    if start == bytes.len() {
        return Err(KeyError::Invalid(format!(
            "{}: '{name}' is zero",
            describe(jwk)
        )));
    }
    Ok(bytes[start..].to_vec())
}

fn describe(jwk: &Jwk) -> String {
    match &jwk.kid {
        Some(kid) => format!("key '{kid}'"),
        None => "key without kid".to_owned(),
    }
}

fn require_rsa(jwk: &Jwk) -> Result<(), KeyError> {
    if jwk.kty == "RSA" {
        Ok(())
    } else {
        Err(KeyError::Invalid(format!(
            "{}: kty is '{}', Maskinporten takes RSA keys only",
            describe(jwk),
            jwk.kty
        )))
    }
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of an RSA JWK: the hash of exactly
/// `{"e":..,"kty":"RSA","n":..}`, so `kid`, `use`, `alg` and `exp` do not change it.
pub fn thumbprint(jwk: &Jwk) -> Result<String, KeyError> {
    require_rsa(jwk)?;
    let n = b64url(&integer_member(jwk, "n", jwk.n.as_ref())?);
    let e = b64url(&integer_member(jwk, "e", jwk.e.as_ref())?);
    // Members in lexicographic order, no whitespace (RFC 7638 §3.3); base64url needs no escaping.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    Ok(b64url(&openssl::sha::sha256(canonical.as_bytes())))
}

/// Size of the RSA modulus in bits.
pub fn modulus_bits(jwk: &Jwk) -> Result<usize, KeyError> {
    require_rsa(jwk)?;
    let n = integer_member(jwk, "n", jwk.n.as_ref())?;
    // integer_member guarantees a non-zero first byte.
    Ok(n.len() * 8 - n[0].leading_zeros() as usize)
}

/// The public JWK of an RSA key, ready to upload: `use` sig, `alg` RS256, kid = thumbprint.
pub(crate) fn jwk_from_rsa<T: HasPublic>(rsa: &RsaRef<T>) -> Result<Jwk, KeyError> {
    let mut jwk = Jwk {
        kty: "RSA".to_owned(),
        kid: None,
        alg: Some(RS256.to_owned()),
        use_: Some(SIG.to_owned()),
        n: Some(b64url(&rsa.n().to_vec())),
        e: Some(b64url(&rsa.e().to_vec())),
        exp: None,
        extra: Map::new(),
    };
    jwk.kid = Some(thumbprint(&jwk)?);
    Ok(jwk)
}

/// Fills what Digdir requires and a hand-written JWK often lacks: `use` sig, `alg` RS256 and,
/// without a kid, the thumbprint as kid. Values that are present but wrong are left for
/// `lint` to refuse, never silently changed.
pub fn with_defaults(mut jwk: Jwk) -> Result<Jwk, KeyError> {
    if jwk.use_.is_none() {
        jwk.use_ = Some(SIG.to_owned());
    }
    if jwk.alg.is_none() {
        jwk.alg = Some(RS256.to_owned());
    }
    if jwk.kid.is_none() {
        jwk.kid = Some(thumbprint(&jwk)?);
    }
    Ok(jwk)
}

/// Whether two JWKs hold the same public key, whatever their kid or metadata.
pub(crate) fn same_key(a: &Jwk, b: &Jwk) -> bool {
    matches!((thumbprint(a), thumbprint(b)), (Ok(x), Ok(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of RFC 7638 §3.1, whose thumbprint the RFC gives.
    fn rfc7638_key() -> Jwk {
        serde_json::from_str(
            r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
        )
        .unwrap()
    }

    #[test]
    fn thumbprint_matches_rfc7638_example() {
        assert_eq!(
            thumbprint(&rfc7638_key()).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn thumbprint_ignores_leading_zero_and_metadata() {
        let mut padded = rfc7638_key();
        let n = URL_SAFE_NO_PAD.decode(padded.n.as_ref().unwrap()).unwrap();
        let mut with_zero = vec![0u8];
        with_zero.extend(n);
        padded.n = Some(b64url(&with_zero));
        padded.kid = Some("other".into());
        padded.exp = Some(1);
        assert_eq!(
            thumbprint(&padded).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn modulus_bits_of_rfc_key_is_2048() {
        assert_eq!(modulus_bits(&rfc7638_key()).unwrap(), 2048);
    }

    #[test]
    fn thumbprint_refuses_non_rsa_and_bad_base64() {
        let mut ec = rfc7638_key();
        ec.kty = "EC".into();
        assert!(thumbprint(&ec).unwrap_err().to_string().contains("RSA"));
        let mut bad = rfc7638_key();
        bad.n = Some("not base64!".into());
        assert!(
            thumbprint(&bad)
                .unwrap_err()
                .to_string()
                .contains("base64url")
        );
    }

    #[test]
    fn with_defaults_fills_only_missing_members() {
        let mut jwk = rfc7638_key();
        jwk.kid = None;
        jwk.alg = Some("RS512".into());
        let filled = with_defaults(jwk).unwrap();
        assert_eq!(filled.use_.as_deref(), Some("sig"));
        assert_eq!(filled.alg.as_deref(), Some("RS512"));
        assert_eq!(
            filled.kid.as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }
}
