//! Everything between the user and a working session, checked in order: the profiles file,
//! the chosen profile's signing material, the environment's endpoints and clock, a real admin
//! token and what it allows, and what the organisation owns. Each check is one line, `ok`,
//! `warn` or `fail` with the fix; `skip` when an earlier failure leaves nothing to check.
//! `mpadmin doctor` and the UI's `:doctor` show this same list.

mod local;
mod network;
mod session;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::auth::PasswordSource;
pub use network::{Resolve, SystemResolver};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// Not checked: an earlier check failed, or the check does not apply.
    Skip,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable name for scripts and tests (`profiles-file`, `clock`, `token`, ...); a check
    /// made once per profile or endpoint repeats it.
    pub id: &'static str,
    /// What was checked, for people: `profile test`, `DNS test.maskinporten.no`.
    pub title: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(
        id: &'static str,
        title: impl Into<String>,
        status: Status,
        detail: impl Into<String>,
    ) -> Check {
        Check {
            id,
            title: title.into(),
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn ok(id: &'static str, title: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::new(id, title, Status::Ok, detail)
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    /// A message in the `problem; fix: what to do` shape of profile and credential errors
    /// (or `problem\n  likely cause: ...` of a refused grant), with the fix on its own.
    fn from_message(
        id: &'static str,
        title: impl Into<String>,
        status: Status,
        message: &str,
    ) -> Check {
        let split = message
            .rsplit_once("; fix: ")
            .or_else(|| message.split_once("\n  likely cause: "));
        match split {
            Some((problem, fix)) => Check::new(id, title, status, problem.trim()).fix(fix.trim()),
            None => Check::new(id, title, status, message.trim()),
        }
    }
}

/// Every check made, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The profile checked, once one was chosen.
    pub profile: Option<String>,
    pub checks: Vec<Check>,
}

impl Report {
    /// No check failed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.count(Status::Fail) == 0
    }

    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// `14 ok, 1 warn, 0 fail, 3 skip`.
    pub fn summary(&self) -> String {
        [Status::Ok, Status::Warn, Status::Fail, Status::Skip]
            .iter()
            .map(|s| format!("{} {}", self.count(*s), s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The first check with this id.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    fn skip(&mut self, id: &'static str, title: &str, why: &str) {
        self.push(Check::new(id, title, Status::Skip, why));
    }
}

/// What to check and how to ask for passwords.
#[derive(Clone)]
pub struct Setup {
    /// `--keys`, else `$MPADMIN_KEYS`, else the default location.
    pub keys: Option<PathBuf>,
    /// `--profile`, else `default_profile`, else the file's only profile.
    pub profile: Option<String>,
    /// `--read-only`: a token without write scopes is then no problem.
    pub read_only: bool,
    pub passwords: Arc<dyn PasswordSource + Send + Sync>,
    /// Running inside the UI, which cannot prompt: a password that only a prompt could give
    /// makes the signing check `skip`, not `fail`.
    pub in_ui: bool,
    pub resolver: Arc<dyn Resolve>,
}

impl Setup {
    pub fn new(
        keys: Option<PathBuf>,
        profile: Option<String>,
        passwords: Arc<dyn PasswordSource + Send + Sync>,
    ) -> Setup {
        Setup {
            keys,
            profile,
            read_only: false,
            passwords,
            in_ui: false,
            resolver: Arc::new(SystemResolver),
        }
    }
}

/// Run every check. Never fails: what goes wrong is a line of the report.
pub async fn run(setup: &Setup) -> Report {
    let mut report = Report::default();
    // Reading files and opening the key material blocks (and may prompt).
    let local = {
        let setup = setup.clone();
        tokio::task::spawn_blocking(move || {
            let mut report = Report::default();
            let found = local::check(&setup, &mut report);
            (report, found)
        })
        .await
    };
    let found = match local {
        Ok((local, found)) => {
            report = local;
            found
        }
        Err(e) => {
            report.push(Check::new(
                "profiles-file",
                "profiles file",
                Status::Fail,
                format!("the check stopped: {e}"),
            ));
            None
        }
    };
    let Some(found) = found else {
        let why = "needs a profile that loads (see above)";
        report.skip("reach", "endpoints", why);
        report.skip("token", "admin token", why);
        report.skip("organisation", "organisation", why);
        return report;
    };
    report.profile = Some(found.profile.name.clone());
    network::check(&found.profile, setup.resolver.as_ref(), &mut report).await;
    let read_only = setup.read_only || found.profile.read_only;
    session::check(found, read_only, &mut report).await;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_into_problem_and_fix() {
        let c = Check::from_message(
            "signing",
            "signing material",
            Status::Fail,
            "profile 'p', field 'pkcs12': wrong password; fix: check it",
        );
        assert_eq!(c.detail, "profile 'p', field 'pkcs12': wrong password");
        assert_eq!(c.fix.as_deref(), Some("check it"));
        let c = Check::from_message(
            "token",
            "admin token",
            Status::Fail,
            "refused (MP-130)\n  likely cause: the clock; fix it",
        );
        assert_eq!(c.detail, "refused (MP-130)");
        assert_eq!(c.fix.as_deref(), Some("the clock; fix it"));
    }

    #[test]
    fn a_report_passes_unless_a_check_failed() {
        let mut r = Report::default();
        r.push(Check::ok("a", "a", "fine"));
        r.push(Check::new("b", "b", Status::Warn, "hm"));
        assert!(r.passed());
        r.push(Check::new("c", "c", Status::Fail, "no"));
        assert!(!r.passed());
        assert_eq!(r.summary(), "1 ok, 1 warn, 1 fail, 0 skip");
    }
}
