//! Loading the signing material a profile names: a PKCS#12 business certificate (modern or
//! legacy encryption), a PEM key + PEM certificate, or a PEM key + kid.
//!
//! Limit of the OpenSSL PKCS#12 API: `PKCS12_parse` returns the *first* private key of the
//! file and every certificate. A file with several keys (Buypass/Commfides put an
//! authentication and a non-repudiation entry in one file) therefore works when the key we
//! need comes first; otherwise the error says so and how to export the right entry to PEM.
//! Certificates are matched to the key by public key, never by position.

use std::fmt;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::provider::Provider;
use openssl::x509::{X509, X509KeyUsage, X509NameRef, X509Ref};

use super::grant::GrantHeader;
use super::secret::Secret;
use super::token::AuthError;
use crate::config::{Profile, Signing};
use crate::wire::types::OrgNumber;

/// Where passwords come from. The CLI uses [`SystemPasswords`]; the TUI and tests supply
/// their own (a dialog, a fixed value).
pub trait PasswordSource {
    /// The value of the environment variable `name`, when it is set.
    fn var(&self, name: &str) -> Option<Secret>;
    /// Ask the user without echo; `None` when there is nobody to ask.
    fn prompt(&self, question: &str) -> Option<std::io::Result<Secret>>;
    /// The password stored in the OS keychain under `service` / `account`; `Ok(None)` when
    /// there is none (and by default: a source without a keychain).
    fn keychain(&self, _service: &str, _account: &str) -> Result<Option<Secret>, String> {
        Ok(None)
    }
}

/// Environment variables, and a no-echo prompt when stdin is a terminal.
pub struct SystemPasswords;

impl PasswordSource for SystemPasswords {
    fn var(&self, name: &str) -> Option<Secret> {
        std::env::var(name).ok().map(Secret::new)
    }

    fn prompt(&self, question: &str) -> Option<std::io::Result<Secret>> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        Some(rpassword::prompt_password(question).map(Secret::new))
    }

    fn keychain(&self, service: &str, account: &str) -> Result<Option<Secret>, String> {
        super::keychain::get(service, account)
    }
}

/// What the TUI header and `mpadmin token` show about the business certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// From the subject's serialNumber or organizationIdentifier (`NTRNO-991825827`).
    pub org_number: Option<OrgNumber>,
}

impl CertificateInfo {
    pub fn from_x509(cert: &X509Ref) -> CertificateInfo {
        CertificateInfo {
            subject: name_line(cert.subject_name()),
            issuer: name_line(cert.issuer_name()),
            not_before: asn1_to_utc(cert.not_before()).unwrap_or_default(),
            not_after: asn1_to_utc(cert.not_after()).unwrap_or_default(),
            org_number: org_number(cert.subject_name()),
        }
    }

    /// Whole days until it expires (negative once expired).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }
}

/// A loaded key and how the grant names it. The key never appears in `Debug` output.
pub struct Credentials {
    key: PKey<Private>,
    header: GrantHeader,
    certificate: Option<CertificateInfo>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &"<redacted>")
            .field("header", &self.header)
            .field("certificate", &self.certificate)
            .finish()
    }
}

impl Credentials {
    /// Open the profile's signing material, checking password, key/certificate match and
    /// validity dates. Errors name the profile, the field and the fix.
    pub fn load(
        profile: &Profile,
        passwords: &dyn PasswordSource,
    ) -> Result<Credentials, AuthError> {
        let fail = Failure { profile };
        let (key, header) = match &profile.signing {
            Signing::Pkcs12 {
                path,
                password_env,
                password_keyring,
                alias,
            } => {
                let password = fail.p12_password(
                    path,
                    password_env.as_deref(),
                    password_keyring.as_deref(),
                    passwords,
                )?;
                let (key, cert) = fail.open_pkcs12(path, &password, alias.as_deref())?;
                (key, GrantHeader::X5c(vec![cert]))
            }
            Signing::PemPair {
                private_key,
                certificate,
            } => {
                let key = fail.pem_key(private_key, passwords)?;
                let cert = fail.pem_certificate(certificate, &key)?;
                (key, GrantHeader::X5c(vec![cert]))
            }
            Signing::OwnKey { private_key, kid } => (
                fail.pem_key(private_key, passwords)?,
                GrantHeader::Kid(kid.clone()),
            ),
        };
        let certificate = match header.leaf() {
            Some(leaf) => {
                fail.check_dates(leaf)?;
                Some(CertificateInfo::from_x509(leaf))
            }
            None => None,
        };
        Ok(Credentials {
            key,
            header,
            certificate,
        })
    }

    /// Whether `load` should run while the terminal is still the user's: it may ask for a
    /// password there (a PKCS#12 file whose password is not in its environment variable, an
    /// encrypted PEM key), or the key file cannot be read, whose error belongs on the normal
    /// screen. Reads at most the key file; OpenSSL is not started.
    pub fn wants_terminal(profile: &Profile, passwords: &dyn PasswordSource) -> bool {
        match &profile.signing {
            Signing::Pkcs12 { password_env, .. } => password_env
                .as_deref()
                .is_none_or(|name| passwords.var(name).is_none()),
            Signing::PemPair { private_key, .. } | Signing::OwnKey { private_key, .. } => {
                std::fs::read(private_key).map_or(true, |pem| {
                    // "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (legacy).
                    pem.windows(b"ENCRYPTED".len()).any(|w| w == b"ENCRYPTED")
                })
            }
        }
    }

    pub fn key(&self) -> &PKey<Private> {
        &self.key
    }

    pub fn header(&self) -> &GrantHeader {
        &self.header
    }

    /// The business certificate, when signing with one (`None` for kid profiles).
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.certificate.as_ref()
    }
}

/// Builds the profile/field/fix errors of one profile.
struct Failure<'a> {
    profile: &'a Profile,
}

/// The legacy provider (RC2-40, 3DES PBE) stays loaded for the whole process once needed:
/// dropping the `Provider` would unload it while OpenSSL may still use its algorithms.
static LEGACY_PROVIDER: OnceLock<Result<Provider, String>> = OnceLock::new();

fn legacy_provider() -> Result<(), String> {
    LEGACY_PROVIDER
        .get_or_init(|| Provider::try_load(None, "legacy", true).map_err(|e| e.to_string()))
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
}

fn is_mac_failure(e: &ErrorStack) -> bool {
    e.errors()
        .iter()
        .any(|e| e.reason().is_some_and(|r| r.contains("mac verify failure")))
}

impl Failure<'_> {
    fn error(&self, field: &str, problem: impl fmt::Display, fix: impl fmt::Display) -> AuthError {
        AuthError::Config(format!(
            "profile '{}', field '{field}': {problem}; fix: {fix}",
            self.profile.name
        ))
    }

    fn read(&self, field: &str, path: &Path) -> Result<Vec<u8>, AuthError> {
        std::fs::read(path).map_err(|e| {
            self.error(
                field,
                format_args!("cannot read {}: {e}", path.display()),
                "check the path and that you may read the file",
            )
        })
    }

    /// The environment variable, else the keychain, else a prompt.
    fn p12_password(
        &self,
        path: &Path,
        env: Option<&str>,
        keyring: Option<&str>,
        passwords: &dyn PasswordSource,
    ) -> Result<Secret, AuthError> {
        if let Some(pw) = env.and_then(|name| passwords.var(name)) {
            return Ok(pw);
        }
        if let Some(service) = keyring {
            let account = &self.profile.name;
            match passwords.keychain(service, account) {
                Ok(Some(pw)) => return Ok(pw),
                Ok(None) => {}
                Err(e) => {
                    return Err(self.error(
                        "pkcs12_password_keyring",
                        format_args!("could not read the password: {e}"),
                        "unlock the keychain, or set the environment variable named by pkcs12_password_env",
                    ));
                }
            }
        }
        let question = format!(
            "Password for {} (profile {}): ",
            path.display(),
            self.profile.name
        );
        match passwords.prompt(&question) {
            Some(Ok(pw)) => Ok(pw),
            Some(Err(e)) => Err(self.error(
                "pkcs12_password_env",
                format_args!("could not read the password from the terminal: {e}"),
                "set the environment variable named by pkcs12_password_env instead",
            )),
            None => Err(match (env, keyring) {
                (_, Some(service)) => self.error(
                    "pkcs12_password_keyring",
                    format_args!(
                        "the OS keychain holds no password for profile '{}' (service '{service}'){} and there is no terminal to ask on",
                        self.profile.name,
                        env.map(|n| format!(", {n} is not set")).unwrap_or_default()
                    ),
                    format_args!("store it with `mpadmin keyring set {}`", self.profile.name),
                ),
                (Some(name), None) => self.error(
                    "pkcs12_password_env",
                    format_args!("environment variable {name} is not set and there is no terminal to ask on"),
                    format_args!("export {name}=<the PKCS#12 password> before running mpadmin"),
                ),
                (None, None) => self.error(
                    "pkcs12_password_env",
                    "is not set and there is no terminal to ask for the password on",
                    "set pkcs12_password_env = \"MPADMIN_P12_PASSWORD\" in the profile and export MPADMIN_P12_PASSWORD",
                ),
            }),
        }
    }

    fn open_pkcs12(
        &self,
        path: &Path,
        password: &Secret,
        alias: Option<&str>,
    ) -> Result<(PKey<Private>, X509), AuthError> {
        let der = self.read("pkcs12", path)?;
        let p12 = Pkcs12::from_der(&der).map_err(|_| {
            self.error(
                "pkcs12",
                format_args!("{} is not a PKCS#12 (.p12/.pfx) file", path.display()),
                "point pkcs12 at the .p12 file from Buypass or Commfides; for PEM files use private_key + certificate",
            )
        })?;
        let wrong_password = || {
            self.error(
                "pkcs12_password_env",
                format_args!("the password does not open {}", path.display()),
                "check the password (the one delivered with the certificate); set it in the environment variable named by pkcs12_password_env",
            )
        };
        let parsed = match p12.parse2(password.expose()) {
            Ok(p) => p,
            Err(e) if is_mac_failure(&e) => return Err(wrong_password()),
            // Old RC2-40 / 3DES encryption needs OpenSSL 3's legacy provider.
            Err(first) => {
                let legacy = legacy_provider();
                match p12.parse2(password.expose()) {
                    Ok(p) => p,
                    Err(e) if is_mac_failure(&e) => return Err(wrong_password()),
                    Err(e) => {
                        let why = match legacy {
                            Ok(()) => format!("{e}"),
                            Err(load) => format!(
                                "{first}; the OpenSSL legacy provider for old encryption could not be loaded: {load}"
                            ),
                        };
                        return Err(self.error(
                            "pkcs12",
                            format_args!("cannot decrypt {}: {why}", path.display()),
                            "re-export it with modern encryption: openssl pkcs12 -legacy -in old.p12 -nodes | openssl pkcs12 -export -out new.p12",
                        ));
                    }
                }
            }
        };
        let Some(key) = parsed.pkey else {
            return Err(self.error(
                "pkcs12",
                format_args!("{} holds no private key", path.display()),
                "export the certificate again together with its private key, or use the .p12 file Buypass/Commfides delivered",
            ));
        };
        let certs: Vec<X509> = parsed
            .cert
            .into_iter()
            .chain(parsed.ca.into_iter().flatten())
            .collect();
        self.check_rsa("pkcs12", &key)?;
        let matches_key = |c: &X509| c.public_key().is_ok_and(|p| p.public_eq(&key));
        let label = |c: &X509Ref| {
            c.alias()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .unwrap_or_else(|| name_line(c.subject_name()))
        };
        let export_fix = format!(
            "export the entry you need to PEM (openssl pkcs12 -in {} -nodes [-legacy]) and use private_key + certificate",
            path.display()
        );
        if let Some(alias) = alias {
            let Some(chosen) = certs.iter().find(|c| c.alias() == Some(alias.as_bytes())) else {
                let names: Vec<String> = certs.iter().map(|c| label(c)).collect();
                return Err(self.error(
                    "pkcs12_alias",
                    format_args!(
                        "{} has no entry named '{alias}' (entries: {})",
                        path.display(),
                        names.join(", ")
                    ),
                    "write one of these names, or remove pkcs12_alias",
                ));
            };
            if !matches_key(chosen) {
                return Err(self.error(
                    "pkcs12_alias",
                    format_args!(
                        "entry '{alias}' is not the first private key in {} and OpenSSL reads only the first",
                        path.display()
                    ),
                    export_fix,
                ));
            }
            return Ok((key, chosen.clone()));
        }
        let Some(leaf) = certs.iter().find(|c| matches_key(c)) else {
            return Err(self.error(
                "pkcs12",
                format_args!(
                    "no certificate in {} belongs to its private key",
                    path.display()
                ),
                export_fix,
            ));
        };
        // Buypass/Commfides files can hold a non-repudiation entry beside the authentication
        // one; only a digitalSignature key may sign the grant.
        let signs = |c: &X509Ref| {
            c.key_usage()
                .is_none_or(|u| u.contains(X509KeyUsage::DIGITAL_SIGNATURE))
        };
        if !signs(leaf) {
            let other = certs
                .iter()
                .find(|c| signs(c) && !matches_key(c))
                .map(|c| format!(" (entry '{}' is the signing one)", label(c)))
                .unwrap_or_default();
            return Err(self.error(
                "pkcs12",
                format_args!(
                    "the key in {} belongs to '{}', a certificate without the digitalSignature key usage{other}",
                    path.display(),
                    label(leaf)
                ),
                export_fix,
            ));
        }
        Ok((key, leaf.clone()))
    }

    /// A PEM private key. An encrypted key is decrypted with a prompted password; OpenSSL's
    /// own terminal prompt is never used (it would break the TUI).
    fn pem_key(
        &self,
        path: &Path,
        passwords: &dyn PasswordSource,
    ) -> Result<PKey<Private>, AuthError> {
        let pem = self.read("private_key", path)?;
        let mut encrypted = false;
        let plain = PKey::private_key_from_pem_callback(&pem, |_| {
            encrypted = true;
            Ok(0)
        });
        let key = match plain {
            Ok(k) => {
                if self.profile.is_prod()
                    && let Some(mode) = crate::config::loose_mode(path)
                {
                    let (problem, fix) = crate::config::exposed_key(path, mode);
                    return Err(self.error("private_key", problem, fix));
                }
                k
            }
            Err(_) if encrypted => {
                let question = format!(
                    "Passphrase for {} (profile {}): ",
                    path.display(),
                    self.profile.name
                );
                let pass = match passwords.prompt(&question) {
                    Some(Ok(p)) => p,
                    _ => {
                        return Err(self.error(
                            "private_key",
                            format_args!(
                                "{} is encrypted and there is no terminal to ask for its passphrase",
                                path.display()
                            ),
                            "run mpadmin in a terminal, or keep an unencrypted copy readable only by you (chmod 600)",
                        ));
                    }
                };
                PKey::private_key_from_pem_passphrase(&pem, pass.expose().as_bytes()).map_err(
                    |_| {
                        self.error(
                            "private_key",
                            format_args!("the passphrase does not decrypt {}", path.display()),
                            "type the passphrase the key was encrypted with",
                        )
                    },
                )?
            }
            Err(_) => {
                return Err(self.error(
                    "private_key",
                    format_args!("{} is not a PEM private key", path.display()),
                    "point private_key at a file starting with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY)",
                ));
            }
        };
        self.check_rsa("private_key", &key)?;
        Ok(key)
    }

    fn check_rsa(&self, field: &str, key: &PKey<Private>) -> Result<(), AuthError> {
        if key.id() != Id::RSA {
            return Err(self.error(
                field,
                "the private key is not an RSA key",
                "use an RSA key (the grant is signed RS256)",
            ));
        }
        if key.bits() < 2048 {
            return Err(self.error(
                field,
                format_args!("the RSA key has {} bits", key.bits()),
                "use a key of at least 2048 bits",
            ));
        }
        Ok(())
    }

    /// The PEM certificate (file may hold a chain) whose public key is `key`'s.
    fn pem_certificate(&self, path: &Path, key: &PKey<Private>) -> Result<X509, AuthError> {
        let pem = self.read("certificate", path)?;
        let certs = X509::stack_from_pem(&pem).unwrap_or_default();
        if certs.is_empty() {
            return Err(self.error(
                "certificate",
                format_args!("{} holds no PEM certificate", path.display()),
                "point certificate at a file starting with -----BEGIN CERTIFICATE-----",
            ));
        }
        certs
            .into_iter()
            .find(|c| c.public_key().is_ok_and(|p| p.public_eq(key)))
            .ok_or_else(|| {
                self.error(
                    "certificate",
                    format_args!(
                        "{} does not belong to the private key {}",
                        path.display(),
                        match &self.profile.signing {
                            Signing::PemPair { private_key, .. } =>
                                private_key.display().to_string(),
                            _ => String::new(),
                        }
                    ),
                    "use the certificate that was issued for this key (openssl x509 -noout -pubkey and openssl pkey -pubout must print the same key)",
                )
            })
    }

    fn check_dates(&self, cert: &X509Ref) -> Result<(), AuthError> {
        let field = match self.profile.signing {
            Signing::Pkcs12 { .. } => "pkcs12",
            _ => "certificate",
        };
        let info = CertificateInfo::from_x509(cert);
        let now = Utc::now();
        if info.not_after < now {
            return Err(self.error(
                field,
                format_args!(
                    "the business certificate ({}) expired on {}",
                    info.subject,
                    info.not_after.format("%Y-%m-%d")
                ),
                "order a new business certificate from Buypass or Commfides (a test certificate for TEST) and point the profile at it",
            ));
        }
        if info.not_before > now {
            return Err(self.error(
                field,
                format_args!(
                    "the business certificate ({}) is not valid until {}",
                    info.subject,
                    info.not_before.format("%Y-%m-%d %H:%M UTC")
                ),
                "check this computer's clock, or wait until the certificate becomes valid",
            ));
        }
        Ok(())
    }
}

fn asn1_to_utc(t: &Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    DateTime::from_timestamp(i64::from(d.days) * 86_400 + i64::from(d.secs), 0)
}

fn name_line(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Norwegian business certificates carry the organisation number in serialNumber (SEID 1)
/// or organizationIdentifier as `NTRNO-<orgno>` (SEID 2).
fn org_number(name: &X509NameRef) -> Option<OrgNumber> {
    name.entries()
        .filter(|e| {
            let nid = e.object().nid();
            nid == Nid::SERIALNUMBER
                || nid
                    .short_name()
                    .is_ok_and(|n| n == "organizationIdentifier")
        })
        .filter_map(|e| e.data().to_string().ok())
        .find_map(|s| OrgNumber::from_certificate_field(&s))
}
