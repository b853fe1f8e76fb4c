//! Reading one profile out of the profiles file and checking every field.
//!
//! The file is read as a plain TOML table and each field is taken out by hand rather than
//! through `#[serde(deny_unknown_fields)]`: serde's messages name neither the profile nor a
//! fix, and a password typed into the file must be refused without echoing it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::{Table, Value};
use url::{Host, Url};

use super::error::{ConfigError, Problem};
use super::locate::resolve_path;
use super::{Environment, Profile, Signing};

/// Every field a profile may hold (also the order `keys.example` documents them in).
pub const PROFILE_FIELDS: [&str; 19] = [
    "environment",
    "issuer",
    "token_endpoint",
    "api_base",
    "client_id",
    "scopes",
    "pkcs12",
    "pkcs12_password_env",
    "pkcs12_password_keyring",
    "pkcs12_alias",
    "private_key",
    "certificate",
    "kid",
    "ca_certificate",
    "read_only",
    "names",
    "connect_timeout_secs",
    "request_timeout_secs",
    "deadline_secs",
];

/// Allowed `connect_timeout_secs`: a handshake slower than a minute is a dead server.
const CONNECT_TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 1..=60;
/// Allowed `request_timeout_secs`: long enough for a slow listing, short enough that a hung
/// request is noticed.
const REQUEST_TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 1..=600;
/// Allowed `deadline_secs`: up to two of the longest request timeouts.
const DEADLINE_RANGE: std::ops::RangeInclusive<i64> = 1..=1200;

/// Hosts whose issuer string is known; for these a missing trailing slash is a mistake.
const MASKINPORTEN_HOSTS: [&str; 2] = ["maskinporten.no", "test.maskinporten.no"];

/// Digdir's production hosts. A profile that talks to one of them is PROD whatever its
/// `environment` says: the guards must not hang on a label that can be left out or wrong.
const PRODUCTION_HOSTS: [&str; 2] = ["maskinporten.no", "api.samarbeid.digdir.no"];

/// The parsed profiles file: its default and its profile tables, not yet checked.
pub struct ProfilesFile {
    path: PathBuf,
    default_profile: Option<String>,
    profiles: Table,
    /// Mistakes at the top level; reported together with those of whichever profile is used.
    problems: Vec<Problem>,
}

impl ProfilesFile {
    /// Only TOML that does not parse fails here; mistakes at the top level wait for
    /// [`ProfilesFile::profile`], which reports them together with the profile's own.
    pub fn parse(path: &Path, text: &str) -> Result<ProfilesFile, ConfigError> {
        let mut top: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax {
                path: path.to_path_buf(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        let mut problems = Vec::new();
        let mut problem = |field: &str, problem: &str, fix: &str| {
            problems.push(Problem {
                profile: None,
                field: field.to_owned(),
                problem: problem.to_owned(),
                fix: fix.to_owned(),
            })
        };
        let default_profile = match top.remove("default_profile") {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                problem(
                    "default_profile",
                    "must be a string",
                    "write default_profile = \"NAME\"",
                );
                None
            }
        };
        let profiles = match top.remove("profiles") {
            None => Table::new(),
            Some(Value::Table(t)) => t,
            Some(_) => {
                problem(
                    "profiles",
                    "must be a table of profiles",
                    "write each profile as a [profiles.NAME] section",
                );
                Table::new()
            }
        };
        for key in top.keys() {
            problem(
                key,
                "unknown top-level field: only default_profile and [profiles.NAME] tables belong at the top",
                "move it into a profile or remove it",
            );
        }
        Ok(ProfilesFile {
            path: path.to_path_buf(),
            default_profile,
            profiles,
            problems,
        })
    }

    /// Where the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    pub fn default_profile(&self) -> Option<&str> {
        self.default_profile.as_deref()
    }

    /// The profile named `name`, else `default_profile`, else the only profile in the file;
    /// every problem of the top level and of that profile at once.
    pub fn profile(&self, requested: Option<&str>) -> Result<Profile, ConfigError> {
        let problems = |mut found: Vec<Problem>| {
            found.splice(0..0, self.problems.iter().cloned());
            ConfigError::Problems {
                path: self.path.clone(),
                problems: found,
            }
        };
        let only = (self.profiles.len() == 1)
            .then(|| self.profiles.keys().next().map(String::as_str))
            .flatten();
        let Some(name) = requested.or(self.default_profile.as_deref()).or(only) else {
            // A misspelt default_profile explains this better than "no profile chosen".
            if !self.problems.is_empty() {
                return Err(problems(Vec::new()));
            }
            return Err(ConfigError::NoProfileChosen {
                path: self.path.clone(),
                available: self.names(),
            });
        };
        let Some(value) = self.profiles.get(name) else {
            if !self.problems.is_empty() {
                return Err(problems(Vec::new()));
            }
            return Err(ConfigError::UnknownProfile {
                path: self.path.clone(),
                name: name.to_owned(),
                from_default: requested.is_none(),
                available: self.names(),
            });
        };
        let fields = Fields {
            path: &self.path,
            profile: name,
            problems: RefCell::new(Vec::new()),
        };
        let checked = match value {
            Value::Table(table) => fields.profile(table),
            _ => Err(fields.error(
                name,
                "is not a table",
                &format!("write the profile as a [profiles.{name}] section"),
            )),
        };
        let found = fields.problems.into_inner();
        match checked {
            Ok(profile) if found.is_empty() && self.problems.is_empty() => Ok(profile),
            _ => Err(problems(found)),
        }
    }
}

/// A problem was found and recorded in [`Fields::problems`]; the value it concerns is unknown.
#[derive(Debug, Clone, Copy)]
struct Reported;

/// Field access for one profile. Every problem is recorded rather than returned at once, so
/// that one run reports all of them, each with file, profile, field and fix.
struct Fields<'a> {
    path: &'a Path,
    profile: &'a str,
    problems: RefCell<Vec<Problem>>,
}

impl Fields<'_> {
    fn error(&self, field: &str, problem: &str, fix: &str) -> Reported {
        self.problems.borrow_mut().push(Problem {
            profile: Some(self.profile.to_owned()),
            field: field.to_owned(),
            problem: problem.to_owned(),
            fix: fix.to_owned(),
        });
        Reported
    }

    fn string(&self, t: &Table, field: &str) -> Result<Option<String>, Reported> {
        match t.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(Value::String(_)) => Err(self.error(
                field,
                "is empty",
                &format!("give {field} a value or remove the line"),
            )),
            Some(_) => Err(self.error(
                field,
                "must be a string",
                &format!("write {field} = \"...\" (with quotes)"),
            )),
        }
    }

    /// A file path field: `~` expanded, relative to the profiles file, and the file must exist.
    fn file(&self, t: &Table, field: &str) -> Result<Option<PathBuf>, Reported> {
        let Some(raw) = self.string(t, field)? else {
            return Ok(None);
        };
        let base = self.path.parent().unwrap_or(Path::new("."));
        let path = resolve_path(&raw, base);
        if !path.is_file() {
            return Err(self.error(
                field,
                &format!("file {} does not exist", path.display()),
                "correct the path (~ is your home directory; relative paths start at the profiles file's directory)",
            ));
        }
        Ok(Some(path))
    }

    /// `true` or `false`, or `default` when the field is absent.
    fn boolean(&self, t: &Table, field: &str, default: bool) -> Result<bool, Reported> {
        match t.get(field) {
            None => Ok(default),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.error(
                field,
                "must be true or false",
                &format!("write {field} = true or {field} = false (without quotes)"),
            )),
        }
    }

    /// A whole number of seconds within `range`, or `default` when the field is absent.
    fn seconds(
        &self,
        t: &Table,
        field: &str,
        range: std::ops::RangeInclusive<i64>,
        default: Duration,
    ) -> Result<Duration, Reported> {
        let (lo, hi) = (range.start(), range.end());
        let fix = format!(
            "write {field} = N with N a whole number of seconds from {lo} to {hi} (without quotes), or remove the line for the default {}",
            default.as_secs()
        );
        match t.get(field) {
            None => Ok(default),
            Some(Value::Integer(n)) if range.contains(n) => {
                Ok(Duration::from_secs(n.unsigned_abs()))
            }
            Some(Value::Integer(n)) => {
                Err(self.error(field, &format!("{n} is outside {lo}..={hi} seconds"), &fix))
            }
            Some(_) => Err(self.error(field, "must be a whole number of seconds", &fix)),
        }
    }

    /// `deadline_secs`, by default twice the request timeout. One shorter than the request
    /// timeout would cut every slow attempt short and make that timeout a dead letter.
    fn deadline(&self, t: &Table, request_timeout: Duration) -> Result<Duration, Reported> {
        let default = request_timeout * Profile::DEFAULT_DEADLINE_FACTOR;
        let deadline = self.seconds(t, "deadline_secs", DEADLINE_RANGE, default)?;
        if deadline < request_timeout {
            let (d, r) = (deadline.as_secs(), request_timeout.as_secs());
            return Err(self.error(
                "deadline_secs",
                &format!("{d} is shorter than request_timeout_secs ({r})"),
                &format!(
                    "write deadline_secs = N with N at least {r}, or lower request_timeout_secs"
                ),
            ));
        }
        Ok(deadline)
    }

    fn url(&self, t: &Table, field: &str) -> Result<Option<(String, Url)>, Reported> {
        let Some(raw) = self.string(t, field)? else {
            return Ok(None);
        };
        let url = check_url(&raw).map_err(|(problem, fix)| self.error(field, &problem, &fix))?;
        Ok(Some((raw, url)))
    }

    /// Each field the profile may not hold, with a "did you mean" for typos.
    fn reject_unknown(&self, t: &Table) {
        for key in t.keys().filter(|k| !PROFILE_FIELDS.contains(&k.as_str())) {
            let lower = key.to_ascii_lowercase();
            if ["password", "passphrase", "secret", "pin"]
                .iter()
                .any(|w| lower.contains(w))
            {
                self.error(
                    key,
                    "passwords are never read from the profiles file",
                    "delete this line, put the password in an environment variable and set pkcs12_password_env = \"THAT_VARIABLE\" (or let mpadmin prompt for it)",
                );
                continue;
            }
            let hint = closest_field(key)
                .map(|f| format!(" (did you mean '{f}'?)"))
                .unwrap_or_default();
            self.error(
                key,
                "is not a profile field",
                &format!(
                    "remove it or correct the spelling{hint}; the fields are: {}",
                    PROFILE_FIELDS.join(", ")
                ),
            );
        }
    }

    fn environment(&self, t: &Table) -> Result<Option<Environment>, Reported> {
        match self.string(t, "environment")?.as_deref() {
            None => Ok(None),
            Some("test") => Ok(Some(Environment::Test)),
            Some("prod") => Ok(Some(Environment::Prod)),
            Some(other) => Err(self.error(
                "environment",
                &format!("'{other}' is not an environment"),
                "write environment = \"test\" or environment = \"prod\"",
            )),
        }
    }

    /// Every field is checked even after a problem, so that the whole profile is reported at
    /// once; a field whose value depends on a broken one is left unreported.
    fn profile(&self, t: &Table) -> Result<Profile, Reported> {
        self.reject_unknown(t);
        let environment = self.environment(t);
        let from_environment = |field: &str| match environment {
            Ok(Some(env)) => Ok(env),
            Ok(None) => Err(self.error(
                field,
                "is missing",
                &format!("set environment = \"test\" or \"prod\", or set {field} yourself"),
            )),
            Err(r) => Err(r),
        };
        let issuer = match self.url(t, "issuer") {
            Ok(Some((raw, url))) => self.check_issuer(raw, &url),
            Ok(None) => from_environment("issuer").map(|env| env.issuer().to_owned()),
            Err(r) => Err(r),
        };
        let token_endpoint = match (self.url(t, "token_endpoint"), &issuer) {
            (Ok(Some((_, url))), _) => Ok(url),
            (Ok(None), Ok(issuer)) => {
                let joined = format!("{}token", with_slash(issuer));
                check_url(&joined).map_err(|(problem, fix)| self.error("issuer", &problem, &fix))
            }
            (Err(r), _) | (Ok(None), &Err(r)) => Err(r),
        };
        let api_base = match self.url(t, "api_base") {
            Ok(Some((_, url))) => Ok(url),
            Ok(None) => from_environment("api_base").and_then(|env| {
                check_url(env.api_base())
                    .map_err(|(problem, fix)| self.error("api_base", &problem, &fix))
            }),
            Err(r) => Err(r),
        };
        let environment = environment.and_then(|env| {
            self.production_check(
                env,
                issuer.as_deref().ok(),
                token_endpoint.as_ref().ok(),
                api_base.as_ref().ok(),
            )
        });
        let client_id = self.string(t, "client_id").and_then(|id| {
            id.ok_or_else(|| {
                self.error(
                    "client_id",
                    "is missing",
                    "set client_id = \"...\" to the admin client's id (Digdir gives it when they register the admin client)",
                )
            })
        });
        let scopes = self.scopes(t);
        let signing = self.signing(t);
        let ca_certificate = self.file(t, "ca_certificate");
        let connect_timeout = self.seconds(
            t,
            "connect_timeout_secs",
            CONNECT_TIMEOUT_RANGE,
            Profile::DEFAULT_CONNECT_TIMEOUT,
        );
        let request_timeout = self.seconds(
            t,
            "request_timeout_secs",
            REQUEST_TIMEOUT_RANGE,
            Profile::DEFAULT_REQUEST_TIMEOUT,
        );
        let deadline = request_timeout.and_then(|r| self.deadline(t, r));
        let read_only = self.boolean(t, "read_only", false);
        let names = self.boolean(t, "names", true);
        Ok(Profile {
            name: self.profile.to_owned(),
            environment: environment?,
            issuer: issuer?,
            token_endpoint: token_endpoint?,
            api_base: api_base?,
            client_id: client_id?,
            scopes: scopes?,
            signing: signing?,
            ca_certificate: ca_certificate?,
            connect_timeout: connect_timeout?,
            request_timeout: request_timeout?,
            deadline: deadline?,
            read_only: read_only?,
            names: names?,
        })
    }

    /// The environment the profile really talks to: PROD when any endpoint is a production
    /// host, and a production endpoint under `environment = "test"` is a mistake to fix.
    fn production_check(
        &self,
        environment: Option<Environment>,
        issuer: Option<&str>,
        token_endpoint: Option<&Url>,
        api_base: Option<&Url>,
    ) -> Result<Option<Environment>, Reported> {
        let issuer = issuer.and_then(|i| Url::parse(i).ok());
        let endpoints = [
            (
                "issuer",
                issuer.as_ref(),
                Environment::Test.issuer().to_owned(),
            ),
            (
                "token_endpoint",
                token_endpoint,
                format!("{}token", Environment::Test.issuer()),
            ),
            (
                "api_base",
                api_base,
                Environment::Test.api_base().to_owned(),
            ),
        ];
        let Some((field, Some(url), test_url)) = endpoints
            .into_iter()
            .find(|(_, url, _)| url.is_some_and(is_production))
        else {
            return Ok(environment);
        };
        if environment == Some(Environment::Test) {
            return Err(self.error(
                "environment",
                &format!(
                    "environment = \"test\" but {field} = \"{url}\" is production Maskinporten"
                ),
                &format!(
                    "write environment = \"prod\" if this profile is for production, else set {field} = \"{test_url}\" (or remove {field} for the test default)"
                ),
            ));
        }
        Ok(Some(Environment::Prod))
    }

    /// The issuer is the grant's `aud` and Maskinporten compares it byte for byte, so it is
    /// used exactly as written; only the known Maskinporten issuers are checked for the
    /// trailing slash that is part of them (without it: MP-110).
    fn check_issuer(&self, raw: String, url: &Url) -> Result<String, Reported> {
        let known = url
            .host_str()
            .is_some_and(|h| MASKINPORTEN_HOSTS.contains(&h));
        if known && !raw.ends_with('/') {
            return Err(self.error(
                "issuer",
                &format!("'{raw}' lacks the trailing slash that is part of Maskinporten's issuer"),
                &format!(
                    "write issuer = \"{raw}/\" (the grant's aud must equal the issuer exactly, else MP-110)"
                ),
            ));
        }
        Ok(raw)
    }

    fn scopes(&self, t: &Table) -> Result<Vec<String>, Reported> {
        let fix = "write scopes = [\"idporten:scopes.write\", \"idporten:dcr.read\", \"idporten:dcr.write\"] or remove the line for these defaults";
        let Some(value) = t.get("scopes") else {
            return Ok(Profile::DEFAULT_SCOPES.map(str::to_owned).to_vec());
        };
        let Value::Array(items) = value else {
            return Err(self.error("scopes", "must be an array of strings", fix));
        };
        let mut scopes = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) if !s.is_empty() && !s.contains(char::is_whitespace) => {
                    scopes.push(s.clone())
                }
                _ => {
                    return Err(self.error("scopes", &format!("{item} is not a scope name"), fix));
                }
            }
        }
        if scopes.is_empty() {
            return Err(self.error("scopes", "is empty", fix));
        }
        Ok(scopes)
    }

    fn signing(&self, t: &Table) -> Result<Signing, Reported> {
        let choose = "keep exactly one: pkcs12 (+ pkcs12_password_env), or private_key + certificate, or private_key + kid";
        let has = |f: &str| t.contains_key(f);
        if has("pkcs12") {
            let conflict = ["private_key", "certificate", "kid"]
                .into_iter()
                .find(|f| has(f))
                .map(|other| {
                    self.error(
                        "pkcs12",
                        &format!("both pkcs12 and {other} are set"),
                        choose,
                    )
                });
            let password_env = self.string(t, "pkcs12_password_env").and_then(|name| {
                if let Some(name) = &name {
                    check_env_name(name).map_err(|problem| {
                        self.error(
                            "pkcs12_password_env",
                            problem,
                            "write the NAME of an environment variable that holds the password, e.g. pkcs12_password_env = \"MPADMIN_P12_PASSWORD\", and never the password itself",
                        )
                    })?;
                }
                Ok(name)
            });
            let password_keyring = self.string(t, "pkcs12_password_keyring").and_then(|s| {
                if s.as_deref().is_some_and(|s| {
                    s.len() > 64 || s.chars().any(|c| c.is_whitespace() || c.is_control())
                }) {
                    return Err(self.error(
                        "pkcs12_password_keyring",
                        "is not a keychain service name (at most 64 characters, no spaces); the value is not shown in case it is a password",
                        "write the service name the password is stored under, e.g. pkcs12_password_keyring = \"mpadmin\", and store it with `mpadmin keyring set PROFILE`",
                    ));
                }
                Ok(s)
            });
            let path = self.file(t, "pkcs12");
            let alias = self.string(t, "pkcs12_alias");
            if let Some(r) = conflict {
                return Err(r);
            }
            return Ok(Signing::Pkcs12 {
                path: path?.unwrap_or_default(),
                password_env: password_env?,
                password_keyring: password_keyring?,
                alias: alias?,
            });
        }
        for f in [
            "pkcs12_password_env",
            "pkcs12_password_keyring",
            "pkcs12_alias",
        ]
        .into_iter()
        .filter(|f| has(f))
        {
            self.error(
                f,
                "belongs to pkcs12, which is not set",
                "set pkcs12 = \"path/to/business-certificate.p12\" or remove this line",
            );
        }
        let key = has("private_key").then(|| self.file(t, "private_key"));
        let certificate = has("certificate").then(|| self.file(t, "certificate"));
        let kid = has("kid").then(|| self.kid(t));
        match (key, certificate, kid) {
            (Some(_), Some(_), Some(_)) => {
                Err(self.error("kid", "both certificate and kid are set", choose))
            }
            (Some(key), Some(certificate), None) => Ok(Signing::PemPair {
                private_key: key?.unwrap_or_default(),
                certificate: certificate?.unwrap_or_default(),
            }),
            (Some(key), None, Some(kid)) => Ok(Signing::OwnKey {
                private_key: key?.unwrap_or_default(),
                kid: kid?,
            }),
            (Some(_), None, None) => Err(self.error(
                "private_key",
                "has neither certificate nor kid beside it",
                "add certificate = \"business-cert.pem\" (business certificate, x5c) or kid = \"...\" (the key's id registered on the admin client)",
            )),
            (None, certificate, kid) if certificate.is_some() || kid.is_some() => Err(self.error(
                if certificate.is_some() {
                    "certificate"
                } else {
                    "kid"
                },
                "needs private_key beside it",
                "add private_key = \"path/to/key.pem\" (PEM private key)",
            )),
            (None, _, _) => Err(self.error(
                "pkcs12",
                "the profile has no signing material",
                "set pkcs12 = \"business-certificate.p12\" + pkcs12_password_env, or private_key + certificate, or private_key + kid",
            )),
        }
    }

    fn kid(&self, t: &Table) -> Result<String, Reported> {
        let kid = self.string(t, "kid")?.unwrap_or_default();
        if kid.contains(char::is_whitespace) {
            return Err(self.error(
                "kid",
                "contains spaces",
                "copy the kid exactly as it is registered on the admin client",
            ));
        }
        Ok(kid)
    }
}

/// `http://` only towards this machine; anything that leaves it must be https.
fn check_url(raw: &str) -> Result<Url, (String, String)> {
    let url = Url::parse(raw).map_err(|e| {
        (
            format!("'{raw}' is not a URL ({e})"),
            "write a full URL such as https://test.maskinporten.no/".to_owned(),
        )
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if url.host().is_some_and(|h| is_loopback(&h)) => Ok(url),
        "http" => Err((
            format!("'{raw}' uses http:// towards another machine"),
            "use https:// (plain http is accepted only for 127.0.0.1, ::1 and localhost)"
                .to_owned(),
        )),
        other => Err((
            format!("'{raw}' has scheme '{other}'"),
            "use an https:// URL".to_owned(),
        )),
    }
}

/// On one of Digdir's production hosts (exactly; the test hosts are other names).
fn is_production(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| PRODUCTION_HOSTS.contains(&h.trim_end_matches('.')))
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    }
}

/// The value must be a variable name; anything else is most likely the password itself, so
/// the message never repeats it.
fn check_env_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(
            "is not an environment variable name (letters, digits and _ only); the value is not shown in case it is a password",
        )
    }
}

/// The known field one or two edits away, for "did you mean".
fn closest_field(key: &str) -> Option<&'static str> {
    crate::wire::text::closest(key, PROFILE_FIELDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rule() {
        for ok in [
            "https://example.org/",
            "http://127.0.0.1:8080/",
            "http://127.9.9.9/",
            "http://[::1]:3000/token",
            "http://localhost:1/",
            "http://LOCALHOST/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.org/",
            "http://128.0.0.1/",
            "http://localhost.example.org/",
            "http://[::2]/",
            "ftp://localhost/",
            "not a url",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest_field("clientid"), Some("client_id"));
        assert_eq!(closest_field("pkcs"), Some("pkcs12"));
        assert_eq!(closest_field("colour"), None);
        assert_eq!(closest_field("scope"), Some("scopes"));
    }

    #[test]
    fn env_names() {
        assert!(check_env_name("MPADMIN_P12").is_ok());
        assert!(check_env_name("_x1").is_ok());
        assert!(check_env_name("hunter2!").is_err());
        assert!(check_env_name("1ABC").is_err());
    }
}
