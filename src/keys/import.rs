//! Reading a public key file: PEM public key (SPKI or PKCS#1), certificate (PEM or DER), JWK or
//! JWKS. Private material in any form is refused before anything else is looked at.

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use openssl::asn1::Asn1TimeRef;
use openssl::pkey::{Id, PKey, Public};
use openssl::rsa::Rsa;
use openssl::x509::X509;
use serde_json::Value;

use super::KeyError;
use super::pem;
use super::rsa::jwk_from_rsa;
use crate::api::models::{Jwk, PRIVATE_JWK_MEMBERS};

/// No key file comes near this; a bigger one is the wrong file, so it is not read into memory.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

const EXPECTED: &str = "expected a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY), \
                        a certificate (PEM or DER), a JWK or a JWKS (JSON)";

const PUBLIC_KEY_HINT: &str = "give the public key instead: `openssl pkey -in FILE -pubout`, \
                               or the certificate";

/// The certificate a key came from, kept so `lint` can check its validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo), PEM or DER.
    PublicKey,
    /// `BEGIN RSA PUBLIC KEY` (PKCS#1), PEM or DER.
    RsaPublicKey,
    /// Only the certificate's public key is used: the JWK gets no `x5c`, because Digdir would
    /// then pin the client to that one certificate and check its revocation with Buypass or
    /// Commfides, which fails for any certificate they did not issue. Its validity period is
    /// kept here for `lint`.
    Certificate(CertificateInfo),
    /// A JWK or a member of a JWKS, kept exactly as written (see `with_defaults`).
    Jwk,
}

/// A public key read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedKey {
    pub jwk: Jwk,
    pub source: KeySource,
}

impl ImportedKey {
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        match &self.source {
            KeySource::Certificate(info) => Some(info),
            _ => None,
        }
    }
}

impl From<Jwk> for ImportedKey {
    fn from(jwk: Jwk) -> Self {
        ImportedKey {
            jwk,
            source: KeySource::Jwk,
        }
    }
}

/// Reads and imports a key file; errors name the path.
pub fn import_file(path: &Path) -> Result<Vec<ImportedKey>, KeyError> {
    let read_err = |source| KeyError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    import(&path.display().to_string(), &bytes)
}

/// The one public key a file to upload must hold, with `kid` if given and `use`, `alg` and a
/// missing kid filled in (`with_defaults`), as every front uploads it.
pub fn read_one_key(
    path: &Path,
    kid: Option<&crate::wire::types::Kid>,
) -> Result<ImportedKey, KeyError> {
    let mut found = import_file(path)?;
    if found.len() != 1 {
        return Err(KeyError::Unreadable {
            file: path.display().to_string(),
            message: format!(
                "holds {} keys; give a file with exactly one (save the one you want on its own)",
                found.len()
            ),
        });
    }
    let mut imported = found.remove(0);
    if let Some(kid) = kid {
        imported.jwk.kid = Some(kid.to_string());
    }
    imported.jwk = super::with_defaults(imported.jwk)?;
    Ok(imported)
}

/// Imports the public key(s) in `bytes`; `file` names the source in error messages. PEM and
/// DER keys and certificates give one key (of a certificate chain, the first certificate, as
/// chains list the leaf first); a JWKS gives all its keys. PEM and certificate keys get `use`
/// sig, `alg` RS256 and their RFC 7638 thumbprint as kid.
pub fn import(file: &str, bytes: &[u8]) -> Result<Vec<ImportedKey>, KeyError> {
    let unreadable = |message: String| KeyError::Unreadable {
        file: file.to_owned(),
        message,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "larger than 1 MiB, so not a key file; {EXPECTED}"
        )));
    }
    let keys = match std::str::from_utf8(bytes) {
        Ok(text) => import_text(file, text.trim_start_matches('\u{feff}').trim()),
        Err(_) => import_der(file, bytes),
    }?;
    if keys.is_empty() {
        return Err(unreadable(format!("holds no keys; {EXPECTED}")));
    }
    Ok(keys)
}

fn private(file: &str, hint: impl Into<String>) -> KeyError {
    KeyError::PrivateMaterial {
        file: file.to_owned(),
        hint: hint.into(),
    }
}

fn import_text(file: &str, text: &str) -> Result<Vec<ImportedKey>, KeyError> {
    let unreadable = |message: String| KeyError::Unreadable {
        file: file.to_owned(),
        message,
    };
    if text.starts_with('{') || text.starts_with('[') {
        return import_json(file, text);
    }
    if text.contains("-----BEGIN ") {
        return import_pem(file, text);
    }
    if text.starts_with("PuTTY-User-Key-File") {
        return Err(private(file, PUBLIC_KEY_HINT));
    }
    if text.starts_with("ssh-") {
        return Err(unreadable(format!(
            "an OpenSSH public key; convert it with `ssh-keygen -e -m PKCS8 -f {file}` \
             and import the result"
        )));
    }
    if text.is_empty() {
        return Err(unreadable(format!("is empty; {EXPECTED}")));
    }
    Err(unreadable(format!(
        "not a key file mpadmin can read; {EXPECTED}"
    )))
}

fn import_pem(file: &str, text: &str) -> Result<Vec<ImportedKey>, KeyError> {
    let unreadable = |message: String| KeyError::Unreadable {
        file: file.to_owned(),
        message,
    };
    let blocks = pem::blocks(text).map_err(unreadable)?;
    // Refuse before decoding anything, whatever else the file holds.
    if blocks.iter().any(|b| b.label.contains("PRIVATE KEY")) {
        return Err(private(file, PUBLIC_KEY_HINT));
    }
    let mut keys = Vec::new();
    let mut have_certificate = false;
    for block in &blocks {
        let der = || block.der().map_err(unreadable);
        match block.label.as_str() {
            "PUBLIC KEY" => keys.push(spki(file, &der()?)?),
            "RSA PUBLIC KEY" => keys.push(pkcs1(file, &der()?)?),
            "CERTIFICATE" | "X509 CERTIFICATE" if !have_certificate => {
                have_certificate = true;
                keys.push(certificate(file, &der()?)?);
            }
            "CERTIFICATE" | "X509 CERTIFICATE" => {}
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                return Err(unreadable(
                    "a certificate signing request: import the certificate issued for it, \
                     or the public key"
                        .to_owned(),
                ));
            }
            other => {
                return Err(unreadable(format!("holds a '{other}' block; {EXPECTED}")));
            }
        }
    }
    Ok(keys)
}

fn import_der(file: &str, der: &[u8]) -> Result<Vec<ImportedKey>, KeyError> {
    if openssl::pkcs12::Pkcs12::from_der(der).is_ok() {
        return Err(private(
            file,
            format!(
                "a PKCS#12 keystore; export its certificate: `openssl pkcs12 -in {file} -nokeys -out cert.pem`"
            ),
        ));
    }
    if PKey::private_key_from_der(der).is_ok() {
        return Err(private(file, PUBLIC_KEY_HINT));
    }
    if X509::from_der(der).is_ok() {
        return certificate(file, der).map(|k| vec![k]);
    }
    if PKey::public_key_from_der(der).is_ok() {
        return spki(file, der).map(|k| vec![k]);
    }
    if Rsa::public_key_from_der_pkcs1(der).is_ok() {
        return pkcs1(file, der).map(|k| vec![k]);
    }
    Err(KeyError::Unreadable {
        file: file.to_owned(),
        message: format!("binary data that is not a DER key or certificate; {EXPECTED}"),
    })
}

fn rsa_of(file: &str, what: &str, key: &PKey<Public>) -> Result<Rsa<Public>, KeyError> {
    key.rsa().map_err(|_| KeyError::Unreadable {
        file: file.to_owned(),
        message: format!(
            "the {what} holds {} key; Maskinporten takes RSA keys only",
            key_kind(key.id())
        ),
    })
}

fn key_kind(id: Id) -> &'static str {
    match id {
        Id::EC => "an EC",
        Id::ED25519 | Id::ED448 => "an EdDSA",
        Id::DSA => "a DSA",
        Id::DH => "a DH",
        _ => "a non-RSA",
    }
}

fn malformed(file: &str, what: &str) -> KeyError {
    KeyError::Unreadable {
        file: file.to_owned(),
        message: format!("the {what} is malformed (its DER does not parse)"),
    }
}

fn spki(file: &str, der: &[u8]) -> Result<ImportedKey, KeyError> {
    let key = PKey::public_key_from_der(der).map_err(|_| malformed(file, "public key"))?;
    let rsa = rsa_of(file, "public key", &key)?;
    Ok(ImportedKey {
        jwk: jwk_from_rsa(&rsa)?,
        source: KeySource::PublicKey,
    })
}

fn pkcs1(file: &str, der: &[u8]) -> Result<ImportedKey, KeyError> {
    let rsa = Rsa::public_key_from_der_pkcs1(der).map_err(|_| malformed(file, "RSA public key"))?;
    Ok(ImportedKey {
        jwk: jwk_from_rsa(&rsa)?,
        source: KeySource::RsaPublicKey,
    })
}

fn certificate(file: &str, der: &[u8]) -> Result<ImportedKey, KeyError> {
    let cert = X509::from_der(der).map_err(|_| malformed(file, "certificate"))?;
    let key = cert
        .public_key()
        .map_err(|_| malformed(file, "certificate's public key"))?;
    let info = CertificateInfo {
        subject: subject(&cert),
        not_before: asn1_to_utc(cert.not_before())
            .ok_or_else(|| malformed(file, "certificate's notBefore"))?,
        not_after: asn1_to_utc(cert.not_after())
            .ok_or_else(|| malformed(file, "certificate's notAfter"))?,
    };
    let rsa = rsa_of(file, "certificate", &key)?;
    Ok(ImportedKey {
        jwk: jwk_from_rsa(&rsa)?,
        source: KeySource::Certificate(info),
    })
}

fn subject(cert: &X509) -> String {
    cert.subject_name()
        .entries()
        .map(|e| {
            let name = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn asn1_to_utc(time: &Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(time).ok()?;
    DateTime::from_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs), 0)
}

fn import_json(file: &str, text: &str) -> Result<Vec<ImportedKey>, KeyError> {
    let unreadable = |message: String| KeyError::Unreadable {
        file: file.to_owned(),
        message,
    };
    // Parsed untyped first: syntax errors never echo values, and private members are found
    // before any typed conversion could quote them.
    let value: Value = serde_json::from_str(text)
        .map_err(|e| unreadable(format!("is not valid JSON ({e}); {EXPECTED}")))?;
    let entries = match value {
        Value::Object(ref obj) if obj.contains_key("keys") => match obj.get("keys") {
            Some(Value::Array(keys)) => keys.clone(),
            _ => return Err(unreadable("'keys' must be an array of JWKs".to_owned())),
        },
        Value::Object(ref obj) if obj.contains_key("kty") => vec![value],
        Value::Object(_) => {
            return Err(unreadable(format!(
                "a JSON object with neither 'kty' (a JWK) nor 'keys' (a JWKS); {EXPECTED}"
            )));
        }
        Value::Array(keys) => keys,
        _ => {
            return Err(unreadable(format!(
                "JSON that is not an object; {EXPECTED}"
            )));
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        let Value::Object(obj) = entry else {
            return Err(unreadable(format!("key #{} is not a JSON object", i + 1)));
        };
        let members: Vec<&str> = PRIVATE_JWK_MEMBERS
            .iter()
            .copied()
            .filter(|m| obj.contains_key(*m))
            .collect();
        if !members.is_empty() {
            return Err(private(
                file,
                format!(
                    "key #{} has private members {}; remove them to keep the public JWK",
                    i + 1,
                    members.join(", ")
                ),
            ));
        }
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            serde_json::from_value::<Jwk>(entry)
                .map(ImportedKey::from)
                .map_err(|e| unreadable(format!("key #{} is not a valid JWK: {e}", i + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_pem_labels_are_refused_without_decoding() {
        for label in [
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
        ] {
            let text = format!("-----BEGIN {label}-----\n!!!\n-----END {label}-----\n");
            let err = import("k.pem", text.as_bytes()).unwrap_err();
            assert!(matches!(err, KeyError::PrivateMaterial { .. }), "{label}");
            assert!(err.to_string().starts_with("k.pem: this is a private key"));
        }
    }

    #[test]
    fn json_without_kty_or_keys_names_what_was_expected() {
        let err = import("x.json", br#"{"hello":1}"#).unwrap_err().to_string();
        assert!(err.starts_with("x.json: "), "{err}");
        assert!(err.contains("'kty'"), "{err}");
    }

    #[test]
    fn empty_jwks_is_an_error() {
        let err = import("x.json", br#"{"keys":[]}"#).unwrap_err().to_string();
        assert!(err.contains("holds no keys"), "{err}");
    }

    #[test]
    fn ssh_public_key_gets_conversion_hint() {
        let err = import("id.pub", b"ssh-rsa AAAAB3Nza user@host")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ssh-keygen -e -m PKCS8"), "{err}");
    }
}
