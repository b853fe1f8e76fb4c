//! Key pairs made here: the private key goes only to the file the user names (PKCS#8 PEM,
//! encrypted unless explicitly not, mode 0600, never over an existing file); the caller gets
//! the public JWK to upload.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;

use super::KeyError;
use super::rsa::jwk_from_rsa;
use crate::api::models::Jwk;
use crate::api::types::Kid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeySize {
    Rsa2048,
    #[default]
    Rsa3072,
    Rsa4096,
}

impl KeySize {
    pub fn bits(self) -> u32 {
        match self {
            KeySize::Rsa2048 => 2048,
            KeySize::Rsa3072 => 3072,
            KeySize::Rsa4096 => 4096,
        }
    }
}

impl TryFrom<u32> for KeySize {
    type Error = KeyError;
    fn try_from(bits: u32) -> Result<Self, KeyError> {
        match bits {
            2048 => Ok(KeySize::Rsa2048),
            3072 => Ok(KeySize::Rsa3072),
            4096 => Ok(KeySize::Rsa4096),
            other => Err(KeyError::Invalid(format!(
                "--bits {other}: choose 2048, 3072 (the default) or 4096"
            ))),
        }
    }
}

impl FromStr for KeySize {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| {
                KeyError::Invalid(format!(
                    "--bits '{s}': choose 2048, 3072 (the default) or 4096"
                ))
            })
            .and_then(KeySize::try_from)
    }
}

/// How the new key is named on the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KidChoice {
    Explicit(Kid),
    /// `<client name>-<yyyy-mm-dd>` (see `default_kid`).
    ClientDate {
        client_name: String,
        date: NaiveDate,
    },
    /// The RFC 7638 thumbprint of the new key.
    Thumbprint,
}

/// How the private key file is protected. There is no default on purpose: an unencrypted
/// key file must be asked for by name.
pub enum Protection<'a> {
    Passphrase(&'a [u8]),
    Unencrypted,
}

impl fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protection::Passphrase(_) => "Passphrase(<hidden>)",
            Protection::Unencrypted => "Unencrypted",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedKey {
    /// The public key to upload: `use` sig, `alg` RS256, the chosen kid.
    pub jwk: Jwk,
    /// Where the private key was written.
    pub private_key_file: PathBuf,
}

/// `<client name>-<yyyy-mm-dd>` with the name cut down to kid characters: lower case, `æøå`
/// spelled out, anything else a single `-`.
pub fn default_kid(client_name: &str, date: NaiveDate) -> Result<Kid, KeyError> {
    let mut name = String::new();
    for c in client_name.trim().to_lowercase().chars() {
        match c {
            'æ' => name.push_str("ae"),
            'ø' => name.push('o'),
            'å' => name.push('a'),
            c if c.is_ascii_alphanumeric() || c == '.' || c == '_' => name.push(c),
            _ if name.ends_with('-') || name.is_empty() => {}
            _ => name.push('-'),
        }
    }
    // Room for "-yyyy-mm-dd" within the 200-character limit of a kid.
    name.truncate(180);
    let name = name.trim_matches('-');
    let name = if name.is_empty() { "key" } else { name };
    format!("{name}-{}", date.format("%Y-%m-%d"))
        .parse()
        .map_err(|e: crate::api::types::InvalidValue| KeyError::Invalid(e.to_string()))
}

/// Generates an RSA key pair, writes the private key to `out` and returns the public JWK.
/// Nothing is written when anything before the write fails; a failed write removes the
/// half-written file.
pub fn generate(
    size: KeySize,
    kid: KidChoice,
    out: &Path,
    protection: Protection<'_>,
) -> Result<GeneratedKey, KeyError> {
    if let Protection::Passphrase(p) = protection
        && p.is_empty()
    {
        return Err(KeyError::Invalid(
            "the passphrase is empty: give one, or ask for an unencrypted key file explicitly (--unencrypted)"
                .to_owned(),
        ));
    }
    let rsa = Rsa::generate(size.bits()).map_err(KeyError::crypto("generate an RSA key"))?;
    let mut jwk = jwk_from_rsa(&rsa)?;
    match kid {
        KidChoice::Explicit(kid) => jwk.kid = Some(kid.into()),
        KidChoice::ClientDate { client_name, date } => {
            jwk.kid = Some(default_kid(&client_name, date)?.into())
        }
        KidChoice::Thumbprint => {}
    }
    let key = PKey::from_rsa(rsa).map_err(KeyError::crypto("wrap the RSA key"))?;
    let pem = match protection {
        Protection::Passphrase(p) => key
            .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), p)
            .map_err(KeyError::crypto("encrypt the private key"))?,
        Protection::Unencrypted => key
            .private_key_to_pem_pkcs8()
            .map_err(KeyError::crypto("encode the private key"))?,
    };
    write_new_private_file(out, &pem)?;
    Ok(GeneratedKey {
        jwk,
        private_key_file: out.to_owned(),
    })
}

fn write_new_private_file(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_owned(),
            }
        } else {
            KeyError::Write {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    if let Err(source) = file.write_all(contents).and_then(|()| file.sync_all()) {
        drop(file);
        // We created it a moment ago (create_new), so removing it loses nothing of the user's.
        let _ = std::fs::remove_file(path);
        return Err(KeyError::Write {
            path: path.to_owned(),
            source,
        });
    }
    Ok(())
}

/// A private key read back from a file, with its public JWK (kid = thumbprint; match it
/// against the client's keys to find the registered kid).
pub struct LoadedKey {
    pub key: PKey<Private>,
    pub jwk: Jwk,
}

impl fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedKey")
            .field("key", &"<private>")
            .field("jwk", &self.jwk)
            .finish()
    }
}

/// Loads an RSA private key from a PEM file (PKCS#8 encrypted or not, or PKCS#1). Without a
/// passphrase an encrypted file fails with `KeyError::Passphrase`; OpenSSL is never allowed
/// to prompt on the terminal itself.
pub fn load_private_key(path: &Path, passphrase: Option<&[u8]>) -> Result<LoadedKey, KeyError> {
    let pem = std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let unreadable = |message: &str| KeyError::Unreadable {
        file: path.display().to_string(),
        message: message.to_owned(),
    };
    let text = String::from_utf8_lossy(&pem);
    if !text.contains("PRIVATE KEY-----") {
        return Err(unreadable(
            "not a PEM private key (expected BEGIN PRIVATE KEY, BEGIN ENCRYPTED PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
        ));
    }
    // PKCS#8 says "BEGIN ENCRYPTED PRIVATE KEY", legacy PEM "Proc-Type: 4,ENCRYPTED".
    let encrypted = text.contains("ENCRYPTED");
    let key = PKey::private_key_from_pem_callback(&pem, |buf| match passphrase {
        Some(p) if p.len() <= buf.len() => {
            buf[..p.len()].copy_from_slice(p);
            Ok(p.len())
        }
        _ => Err(openssl::error::ErrorStack::get()),
    })
    .map_err(|_| {
        if encrypted {
            KeyError::Passphrase {
                path: path.to_owned(),
            }
        } else {
            unreadable("the private key is malformed")
        }
    })?;
    let rsa = key
        .rsa()
        .map_err(|_| unreadable("not an RSA key; Maskinporten takes RSA keys only"))?;
    Ok(LoadedKey {
        jwk: jwk_from_rsa(&rsa)?,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn default_kid_sanitises_client_name() {
        assert_eq!(
            default_kid("Skatteetaten – Årsoppgjør (prod)", day())
                .unwrap()
                .as_str(),
            "skatteetaten-arsoppgjor-prod-2026-11-22"
        );
        assert_eq!(default_kid("  ", day()).unwrap().as_str(), "key-2026-11-22");
        assert_eq!(
            default_kid("a.b_c", day()).unwrap().as_str(),
            "a.b_c-2026-11-22"
        );
        assert!(default_kid(&"x".repeat(500), day()).unwrap().as_str().len() <= 200);
    }

    #[test]
    fn key_size_parses_only_supported_sizes() {
        assert_eq!("4096".parse::<KeySize>().unwrap(), KeySize::Rsa4096);
        assert_eq!(KeySize::default().bits(), 3072);
        assert!(
            "1024"
                .parse::<KeySize>()
                .unwrap_err()
                .to_string()
                .contains("2048, 3072")
        );
        assert!("big".parse::<KeySize>().is_err());
    }

    #[test]
    fn protection_debug_hides_passphrase() {
        assert!(!format!("{:?}", Protection::Passphrase(b"hunter2")).contains("hunter2"));
    }
}
