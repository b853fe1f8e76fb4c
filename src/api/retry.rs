//! When a failed call is worth repeating, and after how long.
//!
//! Reads and idempotent writes (PUT, DELETE) are retried on connection errors, 429 and
//! 502/503/504. A POST is retried only when the server cannot have acted on it: the
//! connection was never made, or it answered 429. Anything else surfaces to the caller, who
//! re-reads to learn whether the change happened.

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// First backoff; doubles with each retry, with full jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No connection was made: nothing reached the server.
    ConnectFailed,
    /// The request may have reached the server (timeout, reset mid-way).
    Ambiguous,
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (0-based), or `None` to give up.
    pub fn delay(&self, method: &Method, retry: u32, outcome: Outcome) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let idempotent = matches!(
            *method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        let retryable = match outcome {
            Outcome::ConnectFailed => true,
            Outcome::Ambiguous => idempotent,
            Outcome::Status { status, .. } if status == StatusCode::TOO_MANY_REQUESTS => true,
            Outcome::Status { status, .. } => {
                idempotent
                    && matches!(
                        status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    )
            }
        };
        if !retryable {
            return None;
        }
        if let Outcome::Status {
            retry_after: Some(wait),
            ..
        } = outcome
        {
            // A server asking for longer than we would ever wait gets its error shown instead.
            return (wait <= self.max_delay).then_some(wait);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1 << retry.min(16))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(
            rand::rng().random_range(millis / 2..=millis.max(1)),
        ))
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Outcome {
        Outcome::Status {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
        }
    }

    #[test]
    fn reads_retry_on_gateway_errors_and_give_up_after_max() {
        let p = RetryPolicy::default();
        for code in [502, 503, 504, 429] {
            assert!(p.delay(&Method::GET, 0, status(code)).is_some(), "{code}");
        }
        assert!(p.delay(&Method::GET, 3, status(503)).is_none());
        for code in [400, 401, 403, 404, 409, 500] {
            assert!(p.delay(&Method::GET, 0, status(code)).is_none(), "{code}");
        }
    }

    #[test]
    fn posts_retry_only_when_the_server_cannot_have_acted() {
        let p = RetryPolicy::default();
        assert!(p.delay(&Method::POST, 0, status(503)).is_none());
        assert!(p.delay(&Method::POST, 0, Outcome::Ambiguous).is_none());
        assert!(p.delay(&Method::POST, 0, Outcome::ConnectFailed).is_some());
        assert!(p.delay(&Method::POST, 0, status(429)).is_some());
        assert!(p.delay(&Method::PUT, 0, Outcome::Ambiguous).is_some());
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let p = RetryPolicy::default();
        let ask = |s| Outcome::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(s)),
        };
        assert_eq!(
            p.delay(&Method::GET, 0, ask(2)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay(&Method::GET, 0, ask(600)), None);
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }

    #[test]
    fn backoff_grows_and_stays_under_the_ceiling() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for retry in 0..10 {
            let d = p
                .delay(&Method::GET, retry, Outcome::ConnectFailed)
                .unwrap();
            let ceiling =
                Duration::from_millis(100 * (1 << retry)).min(Duration::from_millis(1000));
            assert!(d <= ceiling && d >= ceiling / 2, "retry {retry}: {d:?}");
        }
    }
}
