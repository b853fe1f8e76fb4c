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
    /// The organisation the client belongs to (a supplier's customer).
    pub client_orgno: Option<String>,
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
                client_orgno: client.client_orgno.clone(),
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

/// `rows` (as `expiry_overview` orders them) grouped by the client's organisation, for a
/// supplier: the customer whose key expires soonest first, each customer's keys soonest first.
pub fn by_customer(rows: Vec<ExpiryRow>) -> Vec<ExpiryRow> {
    let mut rank: std::collections::HashMap<Option<String>, usize> = Default::default();
    for r in &rows {
        let next = rank.len();
        rank.entry(r.client_orgno.clone()).or_insert(next);
    }
    let mut rows = rows;
    // A stable sort keeps each group's soonest-first order.
    rows.sort_by_key(|r| rank.get(&r.client_orgno).copied().unwrap_or(usize::MAX));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: &str, orgno: &str) -> Client {
        Client {
            client_id: id.into(),
            client_name: id.into(),
            client_orgno: Some(orgno.into()),
            ..Client::default()
        }
    }

    fn key(kid: &str, exp: i64) -> Jwk {
        Jwk {
            kid: Some(kid.into()),
            exp: Some(exp),
            ..Jwk::default()
        }
    }

    #[test]
    fn by_customer_puts_the_soonest_customer_first_and_keeps_each_group_soonest_first() {
        let (a, b) = (client("a", "111"), client("b", "222"));
        let (ka, kb) = (
            vec![key("a1", 30), key("a2", 10)],
            vec![key("b1", 5), key("b2", 50)],
        );
        let rows = by_customer(expiry_overview(
            [(&a, ka.as_slice()), (&b, kb.as_slice())],
            DateTime::from_timestamp(0, 0).unwrap(),
        ));
        let kids: Vec<&str> = rows.iter().map(|r| r.kid.as_str()).collect();
        assert_eq!(kids, ["b1", "b2", "a2", "a1"]);
    }
}
