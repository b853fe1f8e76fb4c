//! HTTP answers as the token source and the admin API both take them: bodies read up to a
//! cap, redirects reported instead of followed. A leaf: it knows reqwest, nothing of mpadmin.

use reqwest::header::LOCATION;
use reqwest::{Response, Url};

/// Building a client that can speak HTTPS makes OpenSSL read the system's whole root
/// certificate bundle, twice (its default verify paths, then native-tls's probe of the same
/// file): 40-75 ms on the project's machine, most of what a short command takes. A run that
/// talks only plain HTTP on this machine (the emulator, `--demo`) has no use for them, so it
/// points `SSL_CERT_FILE`, which both read, at an empty file and nothing is read.
///
/// # Safety
/// Writes the environment: call it before any other thread exists (one reading the
/// environment meanwhile would race with the write).
pub unsafe fn skip_root_certificates() {
    #[cfg(unix)]
    // SAFETY: the caller guarantees no other thread runs yet.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", "/dev/null");
    }
}

/// The most read from the token endpoint: a token answer is a few kB.
pub const TOKEN_BODY_CAP: usize = 1 << 20;
/// The most read from the admin API in one answer: far above the largest real listing (a
/// 50 MB scopes array still fits), far below what would hurt the machine.
pub const API_BODY_CAP: usize = 64 << 20;

/// Why a body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the cap (announced by Content-Length, or counted while reading).
    TooLarge,
    /// The connection broke or timed out while reading.
    Transport(reqwest::Error),
}

/// The whole body, unless it is longer than `cap`: then reading stops at the cap (or before
/// the first byte, when Content-Length says so already), so memory stays bounded whatever the
/// server sends.
pub async fn read_capped(mut resp: Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    let announced = resp.content_length();
    if announced.is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(announced.map_or(0, |n| n as usize));
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if chunk.len() > cap - body.len() {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `64 MiB`, `1 MiB`, `512 KiB`: a cap, for messages.
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Where a redirect answer points, cleaned for the error that replaces following it; `None`
/// when the answer is not a redirect with a `Location`.
pub fn redirect_target(resp: &Response) -> Option<String> {
    if !resp.status().is_redirection() {
        return None;
    }
    let raw = resp.headers().get(LOCATION)?;
    Some(shown_location(
        resp.url(),
        &String::from_utf8_lossy(raw.as_bytes()),
    ))
}

/// A `Location` as safe to print: resolved against the request's URL, without credentials,
/// with control and bidi characters percent-encoded (the URL parser does that), at most 200
/// characters. Text that is no URL is not shown at all.
fn shown_location(request: &Url, raw: &str) -> String {
    let Ok(mut url) = request.join(raw) else {
        return "(a Location that is not a URL)".to_owned();
    };
    // Only fails for URLs that cannot have credentials, which then have none.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    shorten(url.as_str(), 200)
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_read_as_units() {
        assert_eq!(size(API_BODY_CAP), "64 MiB");
        assert_eq!(size(TOKEN_BODY_CAP), "1 MiB");
        assert_eq!(size(512 << 10), "512 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }

    #[test]
    fn a_location_is_resolved_and_cleaned_before_it_is_shown() {
        let request = Url::parse("https://api.example/api/v1/scopes").unwrap();
        let shown = |raw| shown_location(&request, raw);
        assert_eq!(shown("/elsewhere"), "https://api.example/elsewhere");
        assert_eq!(
            shown("http://user:secret@evil.example/t?x=1"),
            "http://evil.example/t?x=1"
        );
        assert_eq!(
            shown("http://evil.example/a\u{202e}b\u{1b}[2J"),
            "http://evil.example/a%E2%80%AEb%1B[2J"
        );
        assert_eq!(
            shown("http://[bad\u{1b}]2J"),
            "(a Location that is not a URL)"
        );
        assert_eq!(shown(&format!("/{}", "a".repeat(300))).chars().count(), 201);
    }

    #[test]
    fn long_text_loses_its_end() {
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("åbc", 3), "åbc");
    }
}
