//! Key expiry: Digdir gives every key an `exp` at most a year after upload, and an expired key
//! stops token issuance (MP-121), so the soonest expiry across all clients matters most.

use chrono::{DateTime, Utc};

use crate::api::models::{Client, Jwk};

const DAY: i64 = 86_400;

/// Whole days until the key expires (negative once expired, 0 on its last day), or `None`
/// when it carries no `exp`.
pub fn days_left(jwk: &Jwk, now: DateTime<Utc>) -> Option<i64> {
    jwk.exp.map(|exp| (exp - now.timestamp()).div_euclid(DAY))
}

/// One key of one client, for the expiry overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryRow {
    pub client_id: String,
    pub client_name: String,
    pub kid: String,
    pub exp: Option<i64>,
    /// Seconds from the overview's `now` to `exp`.
    pub seconds_left: Option<i64>,
}

impl ExpiryRow {
    pub fn days_left(&self) -> Option<i64> {
        self.seconds_left.map(|s| s.div_euclid(DAY))
    }

    /// Expires within `days` days of the overview's `now` (or has expired already).
    pub fn expires_within(&self, days: i64) -> bool {
        self.seconds_left
            .is_some_and(|s| s <= days.saturating_mul(DAY))
    }
}

/// Every key of every client, soonest expiry first; keys without `exp` last. Ties are ordered
/// by client name and kid so the table is stable between refreshes.
pub fn expiry_overview<'a>(
    clients: impl IntoIterator<Item = (&'a Client, &'a [Jwk])>,
    now: DateTime<Utc>,
) -> Vec<ExpiryRow> {
    let mut rows: Vec<ExpiryRow> = clients
        .into_iter()
        .flat_map(|(client, keys)| {
            keys.iter().map(move |key| ExpiryRow {
                client_id: client.client_id.clone(),
                client_name: client.client_name.clone(),
                kid: key.kid.clone().unwrap_or_default(),
                exp: key.exp,
                seconds_left: key.exp.map(|exp| exp - now.timestamp()),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.exp.is_none(), a.exp, &a.client_name, &a.kid).cmp(&(
            b.exp.is_none(),
            b.exp,
            &b.client_name,
            &b.kid,
        ))
    });
    rows
}
