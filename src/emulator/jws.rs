//! Compact JWS (RFC 7515) the way Maskinporten uses it: RSA signatures (RS256/384/512) over
//! `base64url(header).base64url(claims)`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKeyRef, Private};
use openssl::sign::{Signer, Verifier};
use serde::Serialize;
use serde_json::{Map, Value};

/// The digest of a supported `alg`.
pub fn digest(alg: &str) -> Option<MessageDigest> {
    match alg {
        "RS256" => Some(MessageDigest::sha256()),
        "RS384" => Some(MessageDigest::sha384()),
        "RS512" => Some(MessageDigest::sha512()),
        _ => None,
    }
}

/// A compact JWS split into its parts; nothing is trusted until `verify` says so.
pub struct Jws<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

fn decode_part(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `None` unless the token is three base64url parts with JSON objects in the first two.
pub fn parse(token: &str) -> Option<Jws<'_>> {
    let (signing_input, sig) = token.rsplit_once('.')?;
    let (h, c) = signing_input.split_once('.')?;
    Some(Jws {
        header: decode_part(h)?,
        claims: decode_part(c)?,
        signing_input,
        signature: URL_SAFE_NO_PAD.decode(sig).ok()?,
    })
}

impl Jws<'_> {
    pub fn verify<T: HasPublic>(&self, md: MessageDigest, key: &PKeyRef<T>) -> bool {
        Verifier::new(md, key)
            .and_then(|mut v| {
                v.update(self.signing_input.as_bytes())?;
                v.verify(&self.signature)
            })
            .unwrap_or(false)
    }
}

fn b64_json<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_vec(value)
        .map(|b| URL_SAFE_NO_PAD.encode(b))
        .map_err(|e| e.to_string())
}

/// A compact RS256 JWS of `header` and `claims`.
pub fn sign_rs256<H: Serialize, C: Serialize>(
    header: &H,
    claims: &C,
    key: &PKeyRef<Private>,
) -> Result<String, String> {
    let input = format!("{}.{}", b64_json(header)?, b64_json(claims)?);
    let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(|e| e.to_string())?;
    signer.update(input.as_bytes()).map_err(|e| e.to_string())?;
    let signature = signer.sign_to_vec().map_err(|e| e.to_string())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_never_panics(token in ".{0,200}") {
            let _ = parse(&token);
        }

        #[test]
        fn parse_never_panics_on_jws_shaped_input(
            h in proptest::collection::vec(any::<u8>(), 0..64),
            c in proptest::collection::vec(any::<u8>(), 0..64),
            sig in "[A-Za-z0-9_-]{0,40}",
        ) {
            let token = format!("{}.{}.{sig}", URL_SAFE_NO_PAD.encode(h), URL_SAFE_NO_PAD.encode(c));
            let _ = parse(&token);
        }
    }

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let key = &crate::emulator::certs::pki().unwrap().ca_key;
        let token = sign_rs256(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"a": 1}),
            key,
        )
        .unwrap();
        let jws = parse(&token).unwrap();
        assert_eq!(jws.claims["a"], 1);
        assert!(jws.verify(MessageDigest::sha256(), key));
        let (input, _) = token.rsplit_once('.').unwrap();
        let other = sign_rs256(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"a": 2}),
            key,
        )
        .unwrap();
        let forged = format!("{input}.{}", other.rsplit_once('.').unwrap().1);
        assert!(!parse(&forged).unwrap().verify(MessageDigest::sha256(), key));
    }
}
