//! The checks that need Maskinporten: a real admin token, what its scopes allow in each part
//! of mpadmin, and what the organisation owns.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::Utc;
use futures::StreamExt;

use super::local::Found;
use super::{Check, Report, Status};
use crate::api::types::ClientId;
use crate::api::{AdminApi, ApiError};
use crate::auth::{AccessToken, AuthError, ClientSigner, TokenSource, refused_scopes};
use crate::config::Profile;
use crate::keys::expiry_overview;

/// Keys expiring within this many days get a warning.
const KEY_WARN_DAYS: i64 = 30;
/// Key sets are read this many clients at a time.
const CONCURRENCY: usize = 8;
/// Where admin scopes are asked for.
const DIGDIR: &str = "Digdir (servicedesk@digdir.no)";

/// The admin scopes one part of mpadmin needs.
struct Needs {
    id: &'static str,
    title: &'static str,
    /// Any one of these lets it read.
    read: &'static [&'static str],
    /// This one lets it change things.
    write: &'static str,
    /// The panes and commands this is about, for the message.
    what: &'static str,
}

const SCOPES: Needs = Needs {
    id: "scopes-rights",
    title: "scopes and grants",
    read: crate::wire::admin::SCOPES_READ,
    write: "idporten:scopes.write",
    what: "the Scopes and Access panes and `mpadmin scopes` / `mpadmin access`",
};

const CLIENTS: Needs = Needs {
    id: "clients-rights",
    title: "clients and keys",
    read: crate::wire::admin::DCR_READ,
    write: "idporten:dcr.write",
    what: "the Clients and Keys panes and `mpadmin clients` / `mpadmin keys`",
};

/// Why the token lacks a scope, and who fixes that.
struct Lacks<'a> {
    profile: &'a Profile,
    /// Named by Maskinporten as not registered on the admin client (MP-200).
    unregistered: &'a [String],
}

impl Lacks<'_> {
    fn why_and_fix(&self, scope: &str) -> (String, String) {
        let client = &self.profile.client_id;
        if self.unregistered.iter().any(|s| s == scope) {
            (
                format!("{scope} is not registered on admin client {client}"),
                format!("ask {DIGDIR} to add {scope} to admin client {client}"),
            )
        } else if !self.profile.scopes.iter().any(|s| s == scope) {
            (
                format!("profile {} does not ask for {scope}", self.profile.name),
                format!(
                    "add \"{scope}\" to scopes in profile {} (or remove the scopes line for the defaults)",
                    self.profile.name
                ),
            )
        } else {
            (
                format!("Maskinporten did not grant {scope}"),
                format!("ask {DIGDIR} to add {scope} to admin client {client}"),
            )
        }
    }

    /// A missing scope the profile asked for is a failure; one it leaves out on purpose
    /// only a warning.
    fn status(&self, scope: &str) -> Status {
        if self.profile.scopes.iter().any(|s| s == scope) {
            Status::Fail
        } else {
            Status::Warn
        }
    }
}

pub(super) async fn check(found: Found, read_only: bool, report: &mut Report) {
    let Found {
        profile,
        credentials,
    } = found;
    let Some(credentials) = credentials else {
        let why = "needs the signing material (see above)";
        report.skip("token", "admin token", why);
        report.skip("organisation", "organisation", why);
        return;
    };
    let http = match crate::api::http_client(&profile) {
        Ok(h) => h,
        Err(e) => {
            report.push(Check::from_message(
                "token",
                "admin token",
                Status::Fail,
                &e.to_string(),
            ));
            return;
        }
    };
    let source = |scopes: Vec<String>| -> Result<TokenSource, AuthError> {
        let signer = ClientSigner::for_profile(&profile, &credentials)?;
        Ok(TokenSource::new(
            http.clone(),
            profile.token_endpoint.clone(),
            scopes,
            Box::new(signer),
        ))
    };
    let Some((tokens, token, unregistered)) = token(&profile, source, report).await else {
        report.skip("organisation", "organisation", "needs an admin token");
        return;
    };
    let lacks = Lacks {
        profile: &profile,
        unregistered: &unregistered,
    };
    let granted = token.scopes();
    let can_read_scopes = rights(&SCOPES, granted, read_only, &lacks, report);
    let can_read_clients = rights(&CLIENTS, granted, read_only, &lacks, report);
    let api = AdminApi::new(http.clone(), profile.api_base.clone(), Arc::new(tokens));
    let org = token
        .claims()
        .and_then(|c| c.consumer.orgno())
        .unwrap_or("your organisation")
        .to_owned();
    if can_read_scopes {
        prefixes(&api, &org, report).await;
        scopes(&api, report).await;
    } else {
        let why = format!("needs {}", SCOPES.read.join(" or "));
        report.skip("prefixes", "prefixes", &why);
        report.skip("scopes", "scopes", &why);
    }
    if can_read_clients {
        clients(&api, report).await;
    } else {
        let why = format!("needs {}", CLIENTS.read.join(" or "));
        report.skip("clients", "clients", &why);
        report.skip("keys", "keys", &why);
    }
}

/// A real token with the profile's scopes. When Maskinporten refuses scopes that are not on
/// the admin client (MP-200), that is the failure reported, and the rest is checked with a
/// token of the scopes it does allow. Returns the source, its token and the refused scopes.
async fn token(
    profile: &Profile,
    source: impl Fn(Vec<String>) -> Result<TokenSource, AuthError>,
    report: &mut Report,
) -> Option<(TokenSource, AccessToken, Vec<String>)> {
    let title = "admin token";
    let fail = |e: &AuthError| Check::from_message("token", title, Status::Fail, &e.to_string());
    let first = match source(profile.scopes.clone()) {
        Ok(s) => s,
        Err(e) => {
            report.push(fail(&e));
            return None;
        }
    };
    let refused = match first.token().await {
        Ok(t) => {
            report.push(Check::ok("token", title, token_detail(&t)));
            return Some((first, t, Vec::new()));
        }
        Err(e) => {
            let refused = match &e {
                AuthError::Refused { body, .. } => refused_scopes(body),
                _ => Vec::new(),
            };
            report.push(fail(&e));
            refused
        }
    };
    let rest: Vec<String> = profile
        .scopes
        .iter()
        .filter(|s| !refused.contains(s))
        .cloned()
        .collect();
    if refused.is_empty() || rest.is_empty() {
        return None;
    }
    let second = source(rest).ok()?;
    match second.token().await {
        Ok(t) => {
            report.push(Check::new(
                "token",
                "admin token without them",
                Status::Ok,
                token_detail(&t),
            ));
            Some((second, t, refused))
        }
        Err(e) => {
            report.push(Check::from_message(
                "token",
                "admin token without them",
                Status::Fail,
                &e.to_string(),
            ));
            None
        }
    }
}

fn token_detail(t: &AccessToken) -> String {
    let org = t
        .claims()
        .and_then(|c| c.consumer.orgno())
        .map(|o| format!(" for organisation {o}"))
        .unwrap_or_default();
    let secs = t
        .expires_at()
        .duration_since(SystemTime::now())
        .map_or(0, |d| d.as_secs());
    format!(
        "granted {}{org}, valid for {secs} s",
        if t.scopes().is_empty() {
            "no scopes".to_owned()
        } else {
            t.scopes().join(" ")
        }
    )
}

/// The line for one part of mpadmin; true when the token may read there.
fn rights(
    needs: &Needs,
    granted: &[String],
    read_only: bool,
    lacks: &Lacks<'_>,
    report: &mut Report,
) -> bool {
    let has = |s: &str| granted.iter().any(|g| g == s);
    let can_read = needs.read.iter().any(|s| has(s));
    let can_write = has(needs.write);
    let check = if can_read && can_write {
        Check::ok(
            needs.id,
            needs.title,
            format!("read and change ({})", needs.write),
        )
    } else if can_read && read_only {
        Check::ok(
            needs.id,
            needs.title,
            "read (the profile or --read-only refuses changes anyway)",
        )
    } else if can_read {
        let (why, fix) = lacks.why_and_fix(needs.write);
        Check::new(
            needs.id,
            needs.title,
            lacks.status(needs.write),
            format!(
                "read only: {why}, so every change in {} is refused (HTTP 401/403)",
                needs.what
            ),
        )
        .fix(fix)
    } else {
        // The write scope reads too, so asking for it fixes both.
        let (why, fix) = lacks.why_and_fix(needs.write);
        let status = needs
            .read
            .iter()
            .map(|s| lacks.status(s))
            .min_by_key(|s| *s != Status::Fail)
            .unwrap_or(Status::Fail);
        Check::new(
            needs.id,
            needs.title,
            status,
            format!(
                "neither {}: {why}, so {} stay empty and refuse changes (HTTP 401/403)",
                needs.read.join(" nor "),
                needs.what
            ),
        )
        .fix(fix)
    };
    report.push(check);
    can_read
}

fn api_fail(id: &'static str, title: &str, e: &ApiError) -> Check {
    Check::new(id, title, Status::Fail, e.to_string())
}

async fn prefixes(api: &AdminApi, org: &str, report: &mut Report) {
    report.push(match api.prefixes().await {
        Ok(p) if p.is_empty() => Check::new(
            "prefixes",
            "prefixes",
            Status::Warn,
            "you own no prefix, so you cannot create scopes",
        )
        .fix(format!("ask {DIGDIR} for a prefix for {org}")),
        Ok(p) => Check::ok(
            "prefixes",
            "prefixes",
            p.iter()
                .map(|p| p.prefix.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Err(e) => api_fail("prefixes", "prefixes", &e),
    });
}

async fn scopes(api: &AdminApi, report: &mut Report) {
    report.push(match api.own_scopes(true).await {
        Ok(s) => {
            let active = s.iter().filter(|s| s.active).count();
            Check::ok(
                "scopes",
                "scopes",
                format!("{active} active, {} inactive", s.len() - active),
            )
        }
        Err(e) => api_fail("scopes", "scopes", &e),
    });
}

async fn clients(api: &AdminApi, report: &mut Report) {
    let clients = match api.clients().await {
        Ok(c) => c,
        Err(e) => {
            report.push(api_fail("clients", "clients", &e));
            report.skip("keys", "keys", "needs the list of clients");
            return;
        }
    };
    report.push(Check::ok(
        "clients",
        "clients",
        format!("{} clients", clients.len()),
    ));
    // Owned ids and API handles: the futures must not borrow the list they run beside.
    let ids: Vec<Option<ClientId>> = clients.iter().map(|c| c.client_id.parse().ok()).collect();
    let sets: Vec<_> = futures::stream::iter(ids)
        .map(|id| {
            let api = api.clone();
            async move {
                match id {
                    Some(id) => api.jwks(&id).await.map(|j| j.keys),
                    // An id the API gave that mpadmin cannot address has no keys to look at.
                    None => Ok(Vec::new()),
                }
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut keys = Vec::with_capacity(sets.len());
    for (client, set) in clients.iter().zip(sets) {
        match set {
            Ok(set) => keys.push((client, set)),
            Err(e) => {
                report.push(api_fail("keys", "keys", &e));
                return;
            }
        }
    }
    let rows = expiry_overview(keys.iter().map(|(c, k)| (*c, k.as_slice())), Utc::now());
    let soon: Vec<_> = rows
        .iter()
        .filter(|r| r.expires_within(KEY_WARN_DAYS))
        .collect();
    if soon.is_empty() {
        report.push(Check::ok(
            "keys",
            "keys",
            format!(
                "{} keys, none expires within {KEY_WARN_DAYS} days",
                rows.len()
            ),
        ));
        return;
    }
    const NAMED: usize = 5;
    let mut named: Vec<String> = soon
        .iter()
        .take(NAMED)
        .map(|r| {
            let when = match r.days_left() {
                Some(d) if d < 0 => format!("expired {} days ago", -d),
                Some(d) => format!("in {d} days"),
                None => String::new(),
            };
            format!("{} ({}) key {} {when}", r.client_name, r.client_id, r.kid)
        })
        .collect();
    if soon.len() > NAMED {
        named.push(format!("and {} more", soon.len() - NAMED));
    }
    report.push(
        Check::new(
            "keys",
            "keys",
            Status::Warn,
            format!(
                "{} of {} keys expire within {KEY_WARN_DAYS} days: {}",
                soon.len(),
                rows.len(),
                named.join("; ")
            ),
        )
        .fix("rotate each with `mpadmin keys rotate CLIENT --out FILE` (`mpadmin keys list CLIENT` shows them)"),
    );
}
