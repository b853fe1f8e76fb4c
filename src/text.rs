//! Text from outside (servers, proxies, key files) made safe for a terminal. A server's error
//! description or a partner's `kid` can hold escape sequences that set the clipboard (OSC 52),
//! the window title or clear the screen, and bidirectional overrides that make one name read as
//! another. Everything the fronts print passes through here; the TUI's own drawing (ratatui)
//! drops such characters itself.

use std::fmt::Write as _;
use std::io::Write as _;

/// What a character would do if printed raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    /// A line break or tab inside one value: a space keeps the words apart.
    Space,
    /// A control character (ESC, BEL, CSI, ...) or an invisible format character (bidi
    /// overrides and isolates, zero-width characters): shown as `\u{..}`, so the reader sees
    /// that it is there and what it is, and the terminal does not act on it.
    Hidden,
}

fn kind(c: char) -> Kind {
    match c {
        // Printable ASCII first: almost every character shown is one.
        ' '..='~' => Kind::Plain,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Kind::Space,
        c if c.is_control() || is_format(c) => Kind::Hidden,
        _ => Kind::Plain,
    }
}

/// Unicode general category Cf (format characters), as of Unicode 16. The standard library
/// has no query for it and the table is short; it changes rarely, and only by additions.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

fn is_format(c: char) -> bool {
    let c = u32::from(c);
    FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Whether `c` is printed as it is by [`clean`].
pub fn is_plain(c: char) -> bool {
    kind(c) == Kind::Plain
}

/// One line of text: line breaks and tabs become spaces, other control and format characters
/// become `\u{1b}`-style escapes. Table cells, field values and messages go through this.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match kind(c) {
            Kind::Plain => out.push(c),
            Kind::Space => out.push(' '),
            Kind::Hidden => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// As [`clean`] for text laid out in lines (a table, a report): the line breaks stay.
pub fn clean_lines(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

/// Messages stay on one line (a token refusal adds its likely cause on a second one).
pub fn one_line(msg: &str) -> String {
    let mut out = String::new();
    for line in msg.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        out.push_str(line);
    }
    out
}

/// The one way mpadmin tells the user something on stderr: `mpadmin: ` and the message on one
/// clean line. A write that fails has nowhere left to be reported.
pub fn report(msg: &str) {
    let line = format!("mpadmin: {}\n", clean(&one_line(msg)));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        let hostile =
            "desc\u{1b}]0;TITLE\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}end\u{9b}2J\u{7f}";
        let c = clean(hostile);
        assert_eq!(
            c,
            "desc\\u{1b}]0;TITLE\\u{7}\\u{1b}[2J\\u{1b}]52;c;ZWNobyBwd25lZA==\\u{7}end\\u{9b}2J\\u{7f}"
        );
        assert!(c.chars().all(|ch| !ch.is_control()));
    }

    #[test]
    fn bidi_and_invisible_characters_are_shown() {
        // `ok<RLO>exe.txt` reads as `oktxt.exe`; zero-width and isolate characters hide.
        assert_eq!(clean("ok\u{202e}exe.txt"), "ok\\u{202e}exe.txt");
        assert_eq!(
            clean("a\u{200b}b\u{2066}c\u{2069}\u{feff}\u{e0041}"),
            "a\\u{200b}b\\u{2066}c\\u{2069}\\u{feff}\\u{e0041}"
        );
        for c in ['\u{200e}', '\u{200f}', '\u{061c}', '\u{202a}', '\u{2067}'] {
            assert!(!is_plain(c), "{c:?}");
        }
    }

    #[test]
    fn line_breaks_become_spaces_in_a_line_and_stay_in_lines() {
        assert_eq!(clean("a\nb\tc\r\u{2028}d"), "a b c  d");
        assert_eq!(clean_lines("a\u{1b}\nb\n"), "a\\u{1b}\nb\n");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let s = "Tilgang for NAV: æøå ÆØÅ, عربي, 日本語, emoji 🙂, 'quotes' \"and\" \\";
        assert_eq!(clean(s), s);
        assert_eq!(clean_lines(s), s);
    }

    #[test]
    fn messages_are_one_line() {
        assert_eq!(
            one_line("Maskinporten refused the grant\n  likely cause: wrong aud\n"),
            "Maskinporten refused the grant; likely cause: wrong aud"
        );
        assert_eq!(
            one_line(
                "the following required arguments were not provided:\n  <ORGNO>...\n\nUsage: x"
            ),
            "the following required arguments were not provided: <ORGNO>...; Usage: x"
        );
    }
}
