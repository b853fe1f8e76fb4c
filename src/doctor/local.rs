//! The checks on this machine: the profiles file, every profile in it, the chosen profile
//! and its signing material.

use std::cell::Cell;

use chrono::Utc;
use openssl::x509::X509KeyUsage;

use super::{Check, Report, Setup, Status};
use crate::auth::{CertificateInfo, Credentials, PasswordSource, Secret};
use crate::config::{self, ConfigError, Profile, Signing};

/// A certificate with fewer days left than this gets a warning.
const CERTIFICATE_WARN_DAYS: i64 = 30;

/// The profile that loaded, and its key material when that opened.
pub(super) struct Found {
    pub profile: Profile,
    pub credentials: Option<Credentials>,
}

pub(super) fn check(setup: &Setup, report: &mut Report) -> Option<Found> {
    let file = profiles_file(setup, report)?;
    let names = file.names();
    if names.is_empty() {
        report.push(
            Check::new(
                "profile",
                "profiles",
                Status::Fail,
                "the file has no [profiles.NAME] tables",
            )
            .fix("add one (keys.example in the mpadmin repository shows every field)"),
        );
        return None;
    }
    for name in &names {
        report.push(match file.profile(Some(name)) {
            Ok(p) => Check::ok("profile", format!("profile {name}"), describe(&p)),
            Err(e) => config_check("profile", format!("profile {name}"), &e),
        });
    }
    let profile = chosen(setup, &file, report)?;
    let credentials = signing(setup, &profile, report);
    if let Some(c) = &credentials {
        certificate(c, report);
    }
    key_files(&profile, report);
    Some(Found {
        profile,
        credentials,
    })
}

fn profiles_file(setup: &Setup, report: &mut Report) -> Option<config::ProfilesFile> {
    let paths = config::paths(setup.keys.as_deref());
    let title = "profiles file";
    let file = match config::open(setup.keys.as_deref()) {
        Ok(file) => file,
        Err(ConfigError::NotFound { path, origin }) => {
            report.push(
                Check::new(
                    "profiles-file",
                    title,
                    Status::Fail,
                    format!("{} ({origin}) does not exist", path.display()),
                )
                .fix(format!(
                    "`{}` writes a starter profile there (keys.example in the mpadmin repository describes every field); `mpadmin --demo` tries mpadmin on a local emulator without one",
                    config::init_command(&path, origin)
                )),
            );
            return None;
        }
        Err(e) => {
            report.push(config_check("profiles-file", title, &e));
            return None;
        }
    };
    report.push(Check::ok(
        "profiles-file",
        title,
        format!("{} ({})", file.path().display(), paths.profiles_origin),
    ));
    report.push(mode_check(
        "profiles-file-mode",
        "profiles file mode",
        &[file.path()],
    ));
    Some(file)
}

/// `ok` when no file can be read by group or others, else `warn` with `chmod 600`.
fn mode_check(id: &'static str, title: &str, files: &[&std::path::Path]) -> Check {
    let loose = config::loose_permissions(files.iter().copied());
    if loose.is_empty() {
        return Check::ok(id, title, "not readable by other users");
    }
    let (problems, fixes): (Vec<String>, Vec<String>) = loose
        .iter()
        .map(|w| match w.split_once("; fix: ") {
            Some((p, f)) => (p.to_owned(), f.to_owned()),
            None => (w.clone(), String::new()),
        })
        .unzip();
    Check::new(id, title, Status::Warn, problems.join("; ")).fix(fixes.join("; "))
}

/// A profiles-file problem as a failed check; inside a profile, the file's path is left out
/// (the title names the profile).
fn config_check(id: &'static str, title: impl Into<String>, e: &ConfigError) -> Check {
    match e {
        ConfigError::Problems { problems, .. } => {
            let (found, fixes): (Vec<String>, Vec<String>) = problems
                .iter()
                .map(|p| {
                    let place = match &p.profile {
                        Some(_) => String::new(),
                        None => "top level, ".to_owned(),
                    };
                    (
                        format!("{place}field '{}': {}", p.field, p.problem),
                        p.fix.clone(),
                    )
                })
                .unzip();
            Check::new(id, title, Status::Fail, found.join("; ")).fix(fixes.join("; "))
        }
        other => Check::from_message(id, title, Status::Fail, &other.to_string()),
    }
}

fn describe(p: &Profile) -> String {
    let place = match p.environment {
        Some(e) => e.label().to_owned(),
        None => format!("issuer {}", p.issuer),
    };
    let signing = match &p.signing {
        Signing::Pkcs12 { path, .. } => format!("PKCS#12 {}", path.display()),
        Signing::PemPair { certificate, .. } => {
            format!("PEM key + certificate {}", certificate.display())
        }
        Signing::OwnKey { kid, .. } => format!("own key, kid {kid}"),
    };
    format!(
        "{place}, admin client {}, signs with {signing}",
        p.client_id
    )
}

fn chosen(setup: &Setup, file: &config::ProfilesFile, report: &mut Report) -> Option<Profile> {
    let title = "chosen profile";
    match file.profile(setup.profile.as_deref()) {
        Ok(p) => {
            let why = if setup.in_ui {
                "the profile of this session"
            } else if setup.profile.is_some() {
                "from --profile"
            } else if file.default_profile().is_some() {
                "from default_profile"
            } else {
                "the file's only profile"
            };
            report.push(Check::ok(
                "chosen-profile",
                title,
                format!("{} ({why})", p.name),
            ));
            Some(p)
        }
        Err(ConfigError::Problems { problems, .. })
            if problems.iter().any(|p| p.profile.is_some()) =>
        {
            let profile = problems
                .iter()
                .find_map(|p| p.profile.as_deref())
                .unwrap_or_default();
            report.push(
                Check::new(
                    "chosen-profile",
                    title,
                    Status::Fail,
                    format!("profile {profile} does not load"),
                )
                .fix(format!(
                    "correct the field named in the line for profile {profile}"
                )),
            );
            None
        }
        Err(e) => {
            report.push(config_check("chosen-profile", title, &e));
            None
        }
    }
}

/// A password source that notes whether a prompt was asked for.
struct Watched<'a> {
    inner: &'a dyn PasswordSource,
    prompted: Cell<bool>,
}

impl PasswordSource for Watched<'_> {
    fn var(&self, name: &str) -> Option<Secret> {
        self.inner.var(name)
    }

    fn prompt(&self, question: &str) -> Option<std::io::Result<Secret>> {
        self.prompted.set(true);
        self.inner.prompt(question)
    }

    fn keychain(&self, service: &str, account: &str) -> Result<Option<Secret>, String> {
        self.inner.keychain(service, account)
    }
}

fn signing(setup: &Setup, profile: &Profile, report: &mut Report) -> Option<Credentials> {
    let title = "signing material";
    let watched = Watched {
        inner: setup.passwords.as_ref(),
        prompted: Cell::new(false),
    };
    match Credentials::load(profile, &watched) {
        Ok(c) => {
            let what = match &profile.signing {
                Signing::Pkcs12 { path, .. } => format!("{} opens", path.display()),
                Signing::PemPair {
                    private_key,
                    certificate,
                } => format!(
                    "{} opens and belongs to {}",
                    private_key.display(),
                    certificate.display()
                ),
                Signing::OwnKey { private_key, kid } => {
                    format!("{} opens (registered as kid {kid})", private_key.display())
                }
            };
            report.push(Check::ok("signing", title, what));
            Some(c)
        }
        Err(_) if watched.prompted.get() && setup.in_ui => {
            report.push(
                Check::new(
                    "signing",
                    title,
                    Status::Skip,
                    "needs a password typed at a prompt, which the UI cannot show",
                )
                .fix(format!(
                    "run `mpadmin doctor --profile {}` in a terminal, or keep the password in the OS keychain (`mpadmin keyring set {}`)",
                    profile.name, profile.name
                )),
            );
            None
        }
        Err(e) => {
            report.push(Check::from_message(
                "signing",
                title,
                Status::Fail,
                &e.to_string(),
            ));
            None
        }
    }
}

/// Validity, key usage and organisation number of the business certificate.
fn certificate(credentials: &Credentials, report: &mut Report) {
    let Some(leaf) = credentials.header().leaf() else {
        report.push(Check::new(
            "certificate",
            "certificate",
            Status::Skip,
            "the grant names a registered key (kid) and carries no certificate",
        ));
        return;
    };
    let info = CertificateInfo::from_x509(leaf);
    let days = info.days_left(Utc::now());
    let until = info.not_after.format("%Y-%m-%d");
    let detail = format!(
        "{}, issued by {}, valid until {until} ({days} days left)",
        info.subject, info.issuer
    );
    report.push(if days < CERTIFICATE_WARN_DAYS {
        Check::new("certificate", "certificate", Status::Warn, detail).fix(format!(
            "order a new business certificate from Buypass or Commfides before {until} and point the profile at it"
        ))
    } else {
        Check::ok("certificate", "certificate", detail)
    });
    report.push(match leaf.key_usage() {
        None => Check::ok("key-usage", "key usage", "not restricted"),
        Some(u) if u.contains(X509KeyUsage::DIGITAL_SIGNATURE) => {
            Check::ok("key-usage", "key usage", "digitalSignature")
        }
        Some(_) => Check::new(
            "key-usage",
            "key usage",
            Status::Fail,
            "the certificate does not allow digitalSignature: it is the non-repudiation (signing of documents) certificate, not the authentication one",
        )
        .fix("use the authentication certificate delivered with it (the one whose key usage includes digitalSignature)"),
    });
    report.push(match &info.org_number {
        Some(org) => Check::ok("certificate-org", "organisation number", org.as_str()),
        None => Check::new(
            "certificate-org",
            "organisation number",
            Status::Fail,
            "the certificate's subject has no organisation number (serialNumber or organizationIdentifier NTRNO-...)",
        )
        .fix("sign with a Norwegian business certificate (virksomhetssertifikat) from Buypass or Commfides"),
    });
}

fn key_files(profile: &Profile, report: &mut Report) {
    report.push(mode_check(
        "key-file-mode",
        "key file mode",
        &profile.secret_files(),
    ));
}
