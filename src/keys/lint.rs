//! Checks a key before it is uploaded: one finding per problem, each saying what is wrong and
//! how to fix it. Refusals are what Digdir would reject (or what would lock the client out);
//! warnings are worth reading but harmless.

use std::fmt;

use chrono::{DateTime, Utc};

use super::ImportedKey;
use super::rsa::{modulus_bits, same_key, thumbprint};
use crate::api::models::Jwk;
use crate::api::types::Kid;

/// Most keys Digdir keeps on one client.
pub const MAX_KEYS_PER_CLIENT: usize = 5;
/// Smallest RSA modulus Digdir accepts.
pub const MIN_RSA_BITS: usize = 2048;
/// What the admin API's "JsonWebKey" takes. The token endpoint also accepts RS384 grants,
/// but the key registry refuses an RS384 key.
pub const UPLOAD_ALGS: &[&str] = &["RS256", "RS512"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Harmless or filled in on upload (`with_defaults`); worth reading.
    Warn,
    /// Do not upload: Digdir rejects it, or it would not work.
    Refuse,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warn => "warning",
            Severity::Refuse => "refused",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    PrivateMembers(Vec<String>),
    KtyMissing,
    KtyWrong(String),
    /// `n`/`e` missing or not base64url; the text says which.
    Malformed(String),
    TooSmall {
        bits: usize,
    },
    UseMissing,
    UseWrong(String),
    AlgMissing,
    AlgWrong(String),
    /// No kid; `suggested` is the thumbprint `with_defaults` would use.
    KidMissing {
        suggested: Option<String>,
    },
    KidInvalid(String),
    /// The kid is already on the client; `same_key` when it is even the same key.
    KidTaken {
        kid: String,
        same_key: bool,
    },
    /// The same public key is already on the client under another kid.
    KeyPresent {
        kid: String,
    },
    /// Uploading would make more than five keys; `drop` lists the kids expiring soonest, as
    /// many as must go to make room.
    TooManyKeys {
        existing: usize,
        drop: Vec<String>,
    },
    ExpInPast {
        exp: i64,
    },
    CertificateExpired {
        not_after: DateTime<Utc>,
    },
    CertificateNotYetValid {
        not_before: DateTime<Utc>,
    },
    /// `x5c` pins the client to that exact certificate.
    X5cPresent,
}

impl Problem {
    pub fn severity(&self) -> Severity {
        match self {
            Problem::UseMissing
            | Problem::AlgMissing
            | Problem::KidMissing { .. }
            | Problem::KeyPresent { .. }
            | Problem::CertificateNotYetValid { .. }
            | Problem::X5cPresent => Severity::Warn,
            _ => Severity::Refuse,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::PrivateMembers(m) => write!(
                f,
                "{}: remove the private members {} and upload only the public part",
                super::PRIVATE_KEY_REFUSAL,
                m.join(", ")
            ),
            Problem::KtyMissing => {
                f.write_str("'kty' is missing: Maskinporten takes RSA keys, set \"kty\": \"RSA\"")
            }
            Problem::KtyWrong(kty) => write!(
                f,
                "'kty' is '{kty}': Maskinporten takes RSA keys only; generate one with `mpadmin keys generate`"
            ),
            Problem::Malformed(msg) => f.write_str(msg),
            Problem::TooSmall { bits } => write!(
                f,
                "the RSA key has {bits} bits: Digdir requires at least {MIN_RSA_BITS}; generate a 3072-bit key"
            ),
            Problem::UseMissing => {
                f.write_str("'use' is missing: Digdir requires \"use\": \"sig\" (keys add sets it)")
            }
            Problem::UseWrong(u) => write!(
                f,
                "'use' is '{u}': Maskinporten keys sign grants, set \"use\": \"sig\""
            ),
            Problem::AlgMissing => f.write_str(
                "'alg' is missing: Digdir requires it (keys add sets \"alg\": \"RS256\")",
            ),
            Problem::AlgWrong(a) if a == "RS384" => f.write_str(
                "'alg' is 'RS384': Digdir's admin API takes keys with RS256 or RS512 only (the \
                 token endpoint accepts RS384 grants, the key registry does not); set \
                 \"alg\": \"RS256\"",
            ),
            Problem::AlgWrong(a) => write!(f, "'alg' is '{a}': use RS256 (or RS512)"),
            Problem::KidMissing {
                suggested: Some(tp),
            } => write!(
                f,
                "'kid' is missing: keys add uses the key's RFC 7638 thumbprint '{tp}', or give --kid"
            ),
            Problem::KidMissing { suggested: None } => f.write_str("'kid' is missing: give --kid"),
            Problem::KidInvalid(msg) => write!(f, "{msg}"),
            Problem::KidTaken {
                kid,
                same_key: true,
            } => write!(
                f,
                "this key is already on the client as kid '{kid}'; nothing to upload"
            ),
            Problem::KidTaken {
                kid,
                same_key: false,
            } => write!(
                f,
                "kid '{kid}' is already on the client for another key: choose another kid (--kid)"
            ),
            Problem::KeyPresent { kid } => write!(
                f,
                "the same public key is already on the client as kid '{kid}'"
            ),
            Problem::TooManyKeys { existing, drop } => {
                write!(
                    f,
                    "the client has {existing} keys and Digdir keeps at most {MAX_KEYS_PER_CLIENT}"
                )?;
                match drop.as_slice() {
                    [] => f.write_str(": remove one first"),
                    [one] => write!(f, ": remove '{one}' first (it expires soonest)"),
                    many => write!(
                        f,
                        ": remove {} first (they expire soonest)",
                        many.iter()
                            .map(|k| format!("'{k}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
            Problem::ExpInPast { exp } => write!(
                f,
                "'exp' ({}) is in the past: remove 'exp' and Digdir sets one year from upload",
                fmt_epoch(*exp)
            ),
            Problem::CertificateExpired { not_after } => write!(
                f,
                "the certificate expired on {}: use a current certificate or its public key",
                not_after.format("%Y-%m-%d")
            ),
            Problem::CertificateNotYetValid { not_before } => write!(
                f,
                "the certificate is not valid until {}; the key still works, but check the file",
                not_before.format("%Y-%m-%d %H:%M UTC")
            ),
            Problem::X5cPresent => f.write_str(
                "'x5c' is present: Digdir then pins the client to that certificate and checks its \
                 revocation with Buypass/Commfides; remove 'x5c' unless that is what you want",
            ),
        }
    }
}

fn fmt_epoch(exp: i64) -> String {
    DateTime::from_timestamp(exp, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| exp.to_string())
}

/// One problem with its severity, ready to print as `severity: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.problem)
    }
}

/// Every problem with uploading `candidate` beside the client's `existing` keys, as of `now`.
/// Refusals come first. An empty list means the key is good to go.
pub fn lint(candidate: &ImportedKey, existing: &[Jwk], now: DateTime<Utc>) -> Vec<Finding> {
    let jwk = &candidate.jwk;
    let mut problems = Vec::new();

    let private = jwk.private_members();
    if !private.is_empty() {
        problems.push(Problem::PrivateMembers(
            private.into_iter().map(str::to_owned).collect(),
        ));
    }
    match jwk.kty.as_str() {
        "" => problems.push(Problem::KtyMissing),
        "RSA" => match modulus_bits(jwk).and_then(|bits| thumbprint(jwk).map(|_| bits)) {
            Ok(bits) if bits < MIN_RSA_BITS => problems.push(Problem::TooSmall { bits }),
            Ok(_) => {}
            Err(e) => problems.push(Problem::Malformed(e.to_string())),
        },
        other => problems.push(Problem::KtyWrong(other.to_owned())),
    }
    match jwk.use_.as_deref() {
        None => problems.push(Problem::UseMissing),
        Some("sig") => {}
        Some(other) => problems.push(Problem::UseWrong(other.to_owned())),
    }
    match jwk.alg.as_deref() {
        None => problems.push(Problem::AlgMissing),
        Some(alg) if UPLOAD_ALGS.contains(&alg) => {}
        Some(other) => problems.push(Problem::AlgWrong(other.to_owned())),
    }
    lint_kid(jwk, existing, &mut problems);
    if let Some(exp) = jwk.exp
        && exp <= now.timestamp()
    {
        problems.push(Problem::ExpInPast { exp });
    }
    if jwk.extra.contains_key("x5c") {
        problems.push(Problem::X5cPresent);
    }
    if let Some(cert) = candidate.certificate() {
        if cert.not_after <= now {
            problems.push(Problem::CertificateExpired {
                not_after: cert.not_after,
            });
        } else if cert.not_before > now {
            problems.push(Problem::CertificateNotYetValid {
                not_before: cert.not_before,
            });
        }
    }
    let replaced = jwk
        .kid
        .as_ref()
        .is_some_and(|kid| existing.iter().any(|k| k.kid.as_ref() == Some(kid)));
    if !replaced && existing.len() >= MAX_KEYS_PER_CLIENT {
        problems.push(Problem::TooManyKeys {
            existing: existing.len(),
            drop: soonest_expiring(existing, existing.len() + 1 - MAX_KEYS_PER_CLIENT),
        });
    }

    let mut findings: Vec<Finding> = problems
        .into_iter()
        .map(|problem| Finding {
            severity: problem.severity(),
            problem,
        })
        .collect();
    // Stable: within a severity the order above (most fundamental first) is kept.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

fn lint_kid(jwk: &Jwk, existing: &[Jwk], problems: &mut Vec<Problem>) {
    let Some(kid) = &jwk.kid else {
        problems.push(Problem::KidMissing {
            suggested: thumbprint(jwk).ok(),
        });
        return;
    };
    if let Err(e) = kid.parse::<Kid>() {
        problems.push(Problem::KidInvalid(e.to_string()));
    }
    if let Some(taken) = existing.iter().find(|k| k.kid.as_ref() == Some(kid)) {
        problems.push(Problem::KidTaken {
            kid: kid.clone(),
            same_key: same_key(jwk, taken),
        });
    } else if let Some(twin) = existing.iter().find(|k| same_key(jwk, k)) {
        problems.push(Problem::KeyPresent {
            kid: twin.kid.clone().unwrap_or_default(),
        });
    }
}

/// Kids of the `count` keys that expire first; keys without `exp` count as expiring last.
pub fn soonest_expiring(existing: &[Jwk], count: usize) -> Vec<String> {
    let mut by_expiry: Vec<&Jwk> = existing.iter().collect();
    by_expiry.sort_by_key(|k| (k.exp.unwrap_or(i64::MAX), k.kid.clone()));
    by_expiry
        .into_iter()
        .take(count)
        .map(|k| k.kid.clone().unwrap_or_default())
        .collect()
}

/// The findings that forbid the upload.
pub fn refusals(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(|f| f.severity == Severity::Refuse)
}
