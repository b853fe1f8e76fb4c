//! Text for error messages: about the wire, shared by the token endpoint (auth) and the admin
//! API client (api), and the "did you mean" of every file mpadmin reads.

/// What went wrong on the wire, in words: reqwest's own message only says "error sending
/// request", the useful part (refused, timed out, reset) is further down the source chain.
pub fn transport_message(e: &reqwest::Error) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        source = s.source();
    }
    let detail = if causes.is_empty() {
        String::new()
    } else {
        format!(" ({})", causes.join(": "))
    };
    if e.is_timeout() {
        format!(
            "no answer in time{detail}; the limits are connect_timeout_secs and request_timeout_secs in the profile"
        )
    } else if e.is_connect() {
        format!("could not connect{detail}; nothing was sent")
    } else {
        format!("the connection broke{detail}")
    }
}

/// The first bytes of an unexpected body, printable, for error messages.
pub fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
    let mut s = crate::text::clean(&text);
    if bytes.len() > 120 {
        s.push('…');
    }
    if s.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        s
    }
}

/// A scope's integration types for people. An empty list lets every type use the scope, and
/// every front says so with the same word.
pub fn integration_types(types: &[crate::wire::models::IntegrationType], sep: &str) -> String {
    if types.is_empty() {
        return "any".to_owned();
    }
    types
        .iter()
        .map(crate::wire::models::IntegrationType::as_str)
        .collect::<Vec<_>>()
        .join(sep)
}

/// The candidate one or two edits away from `key` (the nearest), for "did you mean".
pub fn closest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_is_at_most_two_edits_away() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            closest("descripton", ["description", "active"]),
            Some("description")
        );
        assert_eq!(closest("colour", ["description", "active"]), None);
    }
}
