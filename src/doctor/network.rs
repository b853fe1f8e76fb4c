//! The checks between this machine and the environment: each host's name resolves, each
//! endpoint answers (TLS included), and this computer's clock agrees with the token
//! endpoint's.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use futures::future::BoxFuture;
use url::{Host, Url};

use super::{Check, Report, Status};
use crate::auth::{ALLOWED_CLOCK_SKEW, clock_skew, skew_words};
use crate::config::Profile;

/// How long a probe may take: a doctor that hangs for the profile's 30 s helps nobody.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Name resolution, so a test can make a name fail without asking a real DNS server.
pub trait Resolve: Send + Sync {
    fn lookup(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// The system's resolver (what the HTTP client uses too).
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn lookup(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move {
            tokio::net::lookup_host((host.as_str(), port))
                .await
                .map(Iterator::collect)
        })
    }
}

pub(super) async fn check(profile: &Profile, resolver: &dyn Resolve, report: &mut Report) {
    let endpoints = [
        ("token endpoint", &profile.token_endpoint),
        ("admin API", &profile.api_base),
    ];
    let mut resolved: HashMap<String, bool> = HashMap::new();
    for (_, url) in endpoints {
        let host = url.host_str().unwrap_or_default().to_owned();
        if resolved.contains_key(&host) {
            continue;
        }
        let check = dns(url, resolver).await;
        resolved.insert(host, check.status == Status::Ok);
        report.push(check);
    }
    // The profile's own timeouts, shortened to the probe's.
    let probe = Profile {
        connect_timeout: profile.connect_timeout.min(PROBE_TIMEOUT),
        request_timeout: profile.request_timeout.min(PROBE_TIMEOUT),
        ..profile.clone()
    };
    let http = match crate::api::http_client(&probe) {
        Ok(http) => http,
        Err(e) => {
            report.push(Check::from_message(
                "reach",
                "endpoints",
                Status::Fail,
                &e.to_string(),
            ));
            report.skip("clock", "clock", "no server could be asked");
            return;
        }
    };
    let mut dates = Vec::new();
    for (title, url) in endpoints {
        if resolved.get(url.host_str().unwrap_or_default()) == Some(&false) {
            report.skip("reach", title, "its host name does not resolve");
            continue;
        }
        let (check, date) = reach(&http, title, url).await;
        report.push(check);
        dates.extend(date);
    }
    report.push(clock(dates.first().copied()));
}

async fn dns(url: &Url, resolver: &dyn Resolve) -> Check {
    let port = url.port_or_known_default().unwrap_or(443);
    let (host, title) = match url.host() {
        Some(Host::Domain(d)) => (d.to_owned(), format!("DNS {d}")),
        Some(Host::Ipv4(ip)) => {
            return Check::ok(
                "dns",
                format!("DNS {ip}"),
                "an IP address: nothing to look up",
            );
        }
        Some(Host::Ipv6(ip)) => {
            return Check::ok(
                "dns",
                format!("DNS {ip}"),
                "an IP address: nothing to look up",
            );
        }
        None => return Check::new("dns", "DNS", Status::Fail, format!("{url} has no host")),
    };
    let fix = "check the host name in the profile, and this machine's network (DNS, VPN)";
    match tokio::time::timeout(PROBE_TIMEOUT, resolver.lookup(host, port)).await {
        Ok(Ok(addrs)) => match addrs.first() {
            Some(first) => Check::ok(
                "dns",
                title,
                format!("resolves to {} ({} addresses)", first.ip(), addrs.len()),
            ),
            None => Check::new("dns", title, Status::Fail, "resolves to no address").fix(fix),
        },
        Ok(Err(e)) => {
            Check::new("dns", title, Status::Fail, format!("does not resolve: {e}")).fix(fix)
        }
        Err(_) => Check::new(
            "dns",
            title,
            Status::Fail,
            format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
        )
        .fix(fix),
    }
}

/// One request to `url`: any HTTP answer means the connection (and TLS) works. Returns the
/// skew read from the answer's `Date`.
async fn reach(http: &reqwest::Client, title: &str, url: &Url) -> (Check, Option<i64>) {
    let started = Instant::now();
    match http.get(url.clone()).send().await {
        Ok(resp) => {
            let skew = clock_skew(resp.headers().get(reqwest::header::DATE), SystemTime::now());
            let how = if url.scheme() == "https" {
                "TLS ok"
            } else {
                "plain HTTP on this machine"
            };
            let detail = format!(
                "{url} answers (HTTP {}, {how}, {} ms)",
                resp.status().as_u16(),
                started.elapsed().as_millis()
            );
            (Check::ok("reach", title, detail), skew)
        }
        Err(e) => {
            let why = crate::wire::text::transport_message(&e);
            let fix = if why.to_ascii_lowercase().contains("certificate") {
                "the server's certificate is not trusted here: if your network inspects TLS, set ca_certificate in the profile to its CA (PEM)"
            } else if e.is_timeout() {
                "nothing answered in time: a firewall may drop the traffic; try from another network, or set HTTPS_PROXY if you must use a proxy"
            } else {
                "check this machine's network, VPN or proxy (HTTPS_PROXY), and the URL in the profile"
            };
            let check = Check::new("reach", title, Status::Fail, format!("{url}: {why}")).fix(fix);
            (check, None)
        }
    }
}

fn clock(skew: Option<i64>) -> Check {
    let title = "clock";
    let Some(skew) = skew else {
        return Check::new(
            "clock",
            title,
            Status::Skip,
            "no server answered with its time",
        );
    };
    let fix = "synchronise this computer's clock (Linux: timedatectl set-ntp true; macOS and Windows: set the time automatically in the date and time settings)";
    if skew.abs() > ALLOWED_CLOCK_SKEW {
        Check::new(
            "clock",
            title,
            Status::Fail,
            format!(
                "{}: Maskinporten refuses grants beyond {ALLOWED_CLOCK_SKEW} s",
                skew_words(skew)
            ),
        )
        .fix(fix)
    } else if skew.abs() > ALLOWED_CLOCK_SKEW / 2 {
        Check::new(
            "clock",
            title,
            Status::Warn,
            format!(
                "{}: close to the {ALLOWED_CLOCK_SKEW} s Maskinporten allows",
                skew_words(skew)
            ),
        )
        .fix(fix)
    } else {
        Check::ok(
            "clock",
            title,
            format!("within {} s of the server's", skew.abs().max(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_limits() {
        assert_eq!(clock(Some(0)).status, Status::Ok);
        assert_eq!(clock(Some(-5)).status, Status::Ok);
        assert_eq!(clock(Some(8)).status, Status::Warn);
        let far = clock(Some(-90));
        assert_eq!(far.status, Status::Fail);
        assert!(far.detail.contains("90 s behind"), "{}", far.detail);
        assert_eq!(clock(None).status, Status::Skip);
    }
}
