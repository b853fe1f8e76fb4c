use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use super::models::ApiErrorBody;
use crate::auth::AuthError;
use crate::wire::text::transport_message;

/// How often a call was tried before it gave up, and for how long; kept on the error when
/// there was more than one attempt or the deadline ended them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    pub attempts: u32,
    pub elapsed: Duration,
    /// The profile's `deadline_secs`, when the deadline is what stopped the call.
    pub deadline: Option<Duration>,
}

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(
            f,
            "gave up after {} attempt{plural} in {:.1} s",
            self.attempts,
            self.elapsed.as_secs_f64()
        )?;
        match self.deadline {
            Some(d) => write!(f, " (deadline_secs = {} in the profile)", d.as_secs()),
            None => Ok(()),
        }
    }
}

fn tries_note(tries: &Option<Tries>) -> String {
    tries.map(|t| format!("; {t}")).unwrap_or_default()
}

/// What went wrong talking to the admin API. Digdir's error body is kept whole so the user
/// sees `error_description` and the `correlation_id` to quote to Digdir's service desk.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(#[from] crate::api::types::InvalidValue),
    #[error("could not get an admin token: {0}")]
    Auth(#[from] AuthError),
    #[error("{method} {endpoint}: {}{}", transport_message(.source), tries_note(.tries))]
    Transport {
        method: &'static str,
        endpoint: String,
        #[source]
        source: reqwest::Error,
        tries: Option<Tries>,
    },
    #[error("{method} {endpoint}: {}{}", http_message(*.status, .body, .needs_scope), tries_note(.tries))]
    Http {
        method: &'static str,
        endpoint: String,
        status: StatusCode,
        body: Box<ApiErrorBody>,
        /// For 401/403: the admin scope this operation needs.
        needs_scope: Option<&'static [&'static str]>,
        tries: Option<Tries>,
    },
    /// The call's deadline (`deadline_secs`) passed during an attempt.
    #[error("{method} {endpoint}: no complete answer before the deadline; {tries}")]
    Deadline {
        method: &'static str,
        endpoint: String,
        tries: Tries,
        /// The request had left (or was leaving) when the deadline passed.
        sent: bool,
    },
    /// A 3xx answer: never followed, so a request (and its token) goes to `api_base` only.
    #[error(
        "{method} {endpoint}: HTTP {} redirect to {location} refused: mpadmin follows no redirects; check api_base in the profile",
        .status.as_u16()
    )]
    Redirect {
        method: &'static str,
        endpoint: String,
        status: StatusCode,
        /// Cleaned for display (see `net::redirect_target`).
        location: String,
    },
    #[error(
        "{method} {endpoint}: the answer is larger than {}, the most mpadmin reads from the admin API; none of it was used",
        crate::net::size(*.cap)
    )]
    TooLarge {
        method: &'static str,
        endpoint: String,
        cap: usize,
    },
    /// A POST failed so that the server may have acted on it (the connection broke after
    /// sending, a timeout, a gateway's 502/504), and reading back showed it did not, or could
    /// not tell. `verdict` says which, for the user.
    #[error("{source}; {verdict}")]
    Unsettled {
        source: Box<ApiError>,
        verdict: String,
        /// Reading back proved the change was not made.
        not_applied: bool,
    },
    #[error("{method} {endpoint}: unexpected answer ({reason}); first bytes: {snippet}")]
    Decode {
        method: &'static str,
        endpoint: String,
        reason: String,
        snippet: String,
    },
}

fn http_message(
    status: StatusCode,
    body: &ApiErrorBody,
    needs_scope: &Option<&'static [&'static str]>,
) -> String {
    let mut out = format!("HTTP {}", status.as_u16());
    let desc = body
        .error_description
        .as_deref()
        .or(body.error.as_deref())
        .map(|d| d.trim_start_matches(", ").trim())
        .filter(|d| !d.is_empty());
    if let Some(desc) = desc {
        out.push_str(&format!(": {desc}"));
    }
    let fields: Vec<String> = body
        .errors
        .iter()
        .filter(|e| e.is_field_error)
        .map(|e| match &e.field_identifier {
            Some(f) => format!("{f}: {}", e.error_message),
            None => e.error_message.clone(),
        })
        .collect();
    if !fields.is_empty() && desc.is_none() {
        out.push_str(&format!(": {}", fields.join("; ")));
    }
    if let Some(scopes) = needs_scope {
        out.push_str(&format!(
            " (this needs the admin scope {} on the admin client's token)",
            scopes.join(" or ")
        ));
    }
    if let Some(id) = &body.correlation_id {
        out.push_str(&format!(" [correlation id {id}]"));
    }
    out
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn body(&self) -> Option<&ApiErrorBody> {
        match self {
            ApiError::Http { body, .. } => Some(body),
            _ => None,
        }
    }

    pub fn correlation_id(&self) -> Option<&str> {
        self.body().and_then(|b| b.correlation_id.as_deref())
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// `self` with `tries` noted, when the call was tried more than once or ran out of time
    /// (errors that end a call at once carry no note).
    pub(super) fn tried(mut self, tries: Tries) -> ApiError {
        if (tries.attempts > 1 || tries.deadline.is_some())
            && let ApiError::Transport { tries: t, .. } | ApiError::Http { tries: t, .. } =
                &mut self
        {
            *t = Some(tries);
        }
        self
    }

    /// A failure after which a non-idempotent request may or may not have been carried out:
    /// the request left (not a connect failure) and no real answer came back.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            ApiError::Transport { source, .. } => !source.is_connect(),
            ApiError::Deadline { sent, .. } => *sent,
            ApiError::Http { status, .. } => {
                matches!(
                    *status,
                    StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT
                )
            }
            _ => false,
        }
    }

    /// The server could not be reached or did not answer (as opposed to answering with an
    /// error): the TUI goes offline and tries again by itself.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ApiError::Transport { .. }
                | ApiError::Deadline { .. }
                | ApiError::Auth(AuthError::Transport { .. })
        )
    }

    /// Bad input or configuration (exit code 2) rather than a failed call (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, ApiError::Invalid(_)) || matches!(self, ApiError::Auth(e) if e.is_config())
    }
}
