//! `keys.toml` for a running emulator: one profile per way of signing, so every credential
//! kind the tool supports can be tried against it as is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::certs::ADMIN_KID;
use super::files;
use super::seed::{
    ADMIN_CLIENT_ID, ADMIN_KID_CLIENT_ID, MODIFY_ADMIN_CLIENT_ID, MODIFY_ADMIN_SCOPES,
    OTHER_ADMIN_CLIENT_ID, SUPPLIER_ADMIN_CLIENT_ID, SUPPLIER_ADMIN_SCOPES,
};
use super::{EmulatorError, P12_PASSWORD_ENV};

/// The first line of every `keys.toml` the emulator writes.
const WRITTEN_BY: &str =
    "# Written by `mpadmin emulator`: profiles for the local test Maskinporten.";

/// Scopes the generated profiles ask for.
const PROFILE_SCOPES: &[&str] = &[
    "idporten:scopes.write",
    "idporten:dcr.read",
    "idporten:dcr.write",
];

#[derive(Serialize)]
struct KeysFile {
    default_profile: &'static str,
    profiles: BTreeMap<&'static str, ProfileOut>,
}

#[derive(Serialize)]
struct ProfileOut {
    issuer: String,
    token_endpoint: String,
    api_base: String,
    client_id: &'static str,
    scopes: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    pkcs12: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pkcs12_password_env: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_key: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'static str>,
}

/// `keys.toml` with one profile per way of signing: PEM pair (`emulator`, the default),
/// PKCS#12 modern and legacy, own key with kid, a `dcr.modify`-only admin, a supplier's
/// admin (`dcr.supplier`) and the other organisation's certificate.
pub fn write_keys_toml(dir: &Path, issuer: &str) -> Result<(), EmulatorError> {
    let base = |client_id| ProfileOut {
        issuer: issuer.to_owned(),
        token_endpoint: format!("{issuer}token"),
        api_base: format!("{issuer}api/v1"),
        client_id,
        scopes: PROFILE_SCOPES,
        pkcs12: None,
        pkcs12_password_env: None,
        private_key: None,
        certificate: None,
        kid: None,
    };
    let pem = |client_id, key: &str, cert: &str| ProfileOut {
        private_key: Some(dir.join(key)),
        certificate: Some(dir.join(cert)),
        ..base(client_id)
    };
    let p12 = |file: &str| ProfileOut {
        pkcs12: Some(dir.join(file)),
        pkcs12_password_env: Some(P12_PASSWORD_ENV),
        ..base(ADMIN_CLIENT_ID)
    };
    let profiles = [
        (
            "emulator",
            pem(ADMIN_CLIENT_ID, "business.key.pem", "business.cert.pem"),
        ),
        ("emulator-p12", p12("business.p12")),
        ("emulator-p12-legacy", p12("business-legacy.p12")),
        (
            "emulator-kid",
            ProfileOut {
                private_key: Some(dir.join("admin-own.key.pem")),
                kid: Some(ADMIN_KID),
                ..base(ADMIN_KID_CLIENT_ID)
            },
        ),
        (
            "emulator-modify",
            ProfileOut {
                scopes: MODIFY_ADMIN_SCOPES,
                ..pem(
                    MODIFY_ADMIN_CLIENT_ID,
                    "business.key.pem",
                    "business.cert.pem",
                )
            },
        ),
        (
            "emulator-supplier",
            ProfileOut {
                private_key: Some(dir.join("admin-own.key.pem")),
                kid: Some(ADMIN_KID),
                scopes: SUPPLIER_ADMIN_SCOPES,
                ..base(SUPPLIER_ADMIN_CLIENT_ID)
            },
        ),
        (
            "emulator-other-org",
            pem(
                OTHER_ADMIN_CLIENT_ID,
                "other-org.key.pem",
                "other-org.cert.pem",
            ),
        ),
    ];
    let file = KeysFile {
        default_profile: "emulator",
        profiles: profiles.into_iter().collect(),
    };
    let text = toml::to_string(&file).map_err(|e| EmulatorError::Io {
        path: dir.join("keys.toml"),
        source: std::io::Error::other(e),
    })?;
    let header = "# The p12 profiles read the password from $MPADMIN_EMULATOR_P12_PASSWORD\n\
                  # (the password is in p12-password.txt beside this file).\n\n";
    let path = dir.join("keys.toml");
    // Someone's own profiles file copied in here is not ours to replace.
    if let Ok(existing) = std::fs::read(&path)
        && !existing.starts_with(WRITTEN_BY.as_bytes())
    {
        return Err(EmulatorError::Dir {
            dir: dir.to_owned(),
            problem: "keys.toml in it was not written by `mpadmin emulator`".into(),
            fix: format!(
                "move {} elsewhere, or give --dir a new directory",
                path.display()
            ),
        });
    }
    files::write(
        dir,
        "keys.toml",
        format!("{WRITTEN_BY}\n{header}{text}").as_bytes(),
        true,
    )
}
