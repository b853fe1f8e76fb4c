//! What the commands print: API objects as JSON (`--json`), otherwise aligned tables and
//! `field  value` lists. Everything written to stdout passes through `Output`, which cleans it
//! (`crate::text`), so a scope description or a partner's kid cannot move the cursor, set the
//! clipboard or reorder a line, whichever command prints it.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::text;
pub(super) use crate::text::clean;

/// Where the commands write their results (stdout); messages and errors go to stderr.
pub struct Output {
    json: bool,
    out: Box<dyn Write>,
}

impl Output {
    pub fn stdout(json: bool) -> Output {
        Output {
            json,
            out: Box::new(io::stdout().lock()),
        }
    }

    pub fn json_mode(&self) -> bool {
        self.json
    }

    /// Pretty JSON of an API object (or a list of them).
    /// Written as it is serialised (5 000 scopes are some megabytes of text, never held
    /// whole), in large writes rather than one per line.
    pub fn json<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, TerminalSafe::new(&mut self.out));
        serde_json::to_writer_pretty(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// A line for people; nothing in `--json` mode, where stdout must stay parseable.
    pub fn say(&mut self, line: &str) -> io::Result<()> {
        if self.json {
            return Ok(());
        }
        writeln!(self.out, "{}", clean(line))
    }

    /// Human text already laid out (a table, a field list, a report).
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text::clean_lines(text).as_bytes())
    }

    /// `value` as JSON, or as the human form `human` makes of it.
    pub fn show<T: Serialize>(
        &mut self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> io::Result<()> {
        if self.json {
            self.json(value)
        } else {
            self.text(&human(value))
        }
    }
}

/// serde_json escapes C0 controls but writes DEL, C1 controls, bidi overrides and other
/// invisible characters as they are. Outside strings pretty JSON holds only ASCII punctuation,
/// spaces and line breaks, so each such character sits in a string, where `\uXXXX` stands
/// for the same character: the value is unchanged, the terminal sees no control. A writer, so
/// JSON passes through as it is made; a character split between two writes waits for its end.
struct TerminalSafe<W: Write> {
    inner: W,
    partial: Vec<u8>,
}

impl<W: Write> TerminalSafe<W> {
    fn new(inner: W) -> Self {
        TerminalSafe {
            inner,
            partial: Vec::new(),
        }
    }
}

/// Printable ASCII and line breaks: nearly all of any JSON, passed through without decoding.
fn plain_ascii(b: u8) -> bool {
    b == b'\n' || (0x20..0x7f).contains(&b)
}

impl<W: Write> TerminalSafe<W> {
    /// `text` with every character a terminal might act on written as JSON's `\uXXXX`.
    fn escape(&mut self, text: &str) -> io::Result<()> {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if text::is_plain(c) {
                out.push(c);
            } else {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let joined;
        let mut rest = if self.partial.is_empty() {
            buf
        } else {
            self.partial.extend_from_slice(buf);
            joined = std::mem::take(&mut self.partial);
            &joined[..]
        };
        while !rest.is_empty() {
            let plain = rest.iter().position(|&b| !plain_ascii(b));
            let (run, after) = rest.split_at(plain.unwrap_or(rest.len()));
            self.inner.write_all(run)?;
            // The bytes up to the next plain ASCII one: whole characters, as a multi-byte
            // character has no ASCII byte in it, except one cut off at the end of the write.
            let other = after
                .iter()
                .position(|&b| plain_ascii(b))
                .unwrap_or(after.len());
            let (text, cut) = match std::str::from_utf8(&after[..other]) {
                Ok(text) => (text, 0),
                // serde_json writes UTF-8 only; an error here is a character cut off at the end.
                Err(e) if e.error_len().is_none() && other == after.len() => {
                    let end = e.valid_up_to();
                    (
                        std::str::from_utf8(&after[..end]).unwrap_or_default(),
                        other - end,
                    )
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            };
            self.escape(text)?;
            if cut > 0 {
                self.partial = after[other - cut..].to_vec();
                break;
            }
            rest = &after[other..];
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A table with a header row; columns are as wide as their widest cell.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| clean(c)).collect());
    }

    /// Columns separated by two spaces, no trailing blanks, one line per row.
    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// One JSON value as a table cell: strings bare, arrays comma-separated, null empty.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Every field of an API object, one per line (`name  value`), unknown fields included.
pub fn fields<T: Serialize>(value: &T) -> String {
    let mut table = Table::new(&["FIELD", "VALUE"]);
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => {
            for (k, v) in &map {
                table.row(vec![k.clone(), cell(v)]);
            }
        }
        Ok(other) => table.row(vec![String::new(), cell(&other)]),
        Err(e) => table.row(vec!["error".into(), e.to_string()]),
    }
    // The header row of a field list says nothing; drop it.
    let rendered = table.render();
    rendered
        .split_once('\n')
        .map_or(String::new(), |(_, rest)| rest.to_owned())
}

/// `2025-07-02T10:30:00.000+02:00` -> `2025-07-02 10:30` (the API's timestamps, shortened).
pub fn short_time(ts: Option<&str>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    ts.chars()
        .take(16)
        .map(|c| if c == 'T' { ' ' } else { c })
        .collect()
}

pub fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Epoch seconds (a key's `exp`) as a UTC date.
pub fn epoch_date(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map_or_else(|| secs.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// Cut long text to `max` characters for a table cell.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_aligns_columns_and_trims_line_ends() {
        let mut t = Table::new(&["NAME", "STATE"]);
        t.row(vec!["nav:a".into(), "APPROVED".into()]);
        t.row(vec!["nav:pensjon/v3".into(), String::new()]);
        assert_eq!(
            t.render(),
            "NAME            STATE\nnav:a           APPROVED\nnav:pensjon/v3\n"
        );
    }

    #[test]
    fn table_counts_characters_not_bytes() {
        let mut t = Table::new(&["A", "B"]);
        t.row(vec!["æøå".into(), "x".into()]);
        t.row(vec!["abcd".into(), "y".into()]);
        assert_eq!(t.render(), "A     B\næøå   x\nabcd  y\n");
    }

    #[test]
    fn server_text_cannot_inject_escape_sequences() {
        let mut t = Table::new(&["D"]);
        t.row(vec!["evil\u{1b}[2Jtext\nmore".into()]);
        let r = t.render();
        assert!(!r.contains('\u{1b}'));
        assert!(r.contains("evil\\u{1b}[2Jtext more"), "{r}");
    }

    #[test]
    fn bidi_overrides_are_shown_in_tables_and_columns_stay_aligned() {
        // `ok<RLO>exe.txt` would read as `oktxt.exe`.
        let mut t = Table::new(&["NAME", "ID"]);
        t.row(vec!["ok\u{202e}exe.txt".into(), "1".into()]);
        t.row(vec!["z\u{200b}".into(), "2".into()]);
        assert_eq!(
            t.render(),
            "NAME               ID\nok\\u{202e}exe.txt  1\nz\\u{200b}          2\n"
        );
    }

    fn written(f: impl FnOnce(&mut Output) -> io::Result<()>, json: bool) -> String {
        let buf = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.borrow_mut().write(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Output {
            json,
            out: Box::new(Shared(buf.clone())),
        };
        f(&mut out).unwrap();
        String::from_utf8(buf.borrow().clone()).unwrap()
    }

    #[test]
    fn every_text_written_is_cleaned() {
        let hostile = "key p\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{202e}x\n  refused\n";
        let text = written(|o| o.text(hostile), false);
        assert_eq!(
            text,
            "key p\\u{1b}]52;c;ZWNobyBwd25lZA==\\u{7}\\u{202e}x\n  refused\n"
        );
        let shown = written(|o| o.show(&1, |_| hostile.to_owned()), false);
        assert_eq!(shown, text);
        let said = written(|o| o.say("a\u{1b}[2Jb"), false);
        assert_eq!(said, "a\\u{1b}[2Jb\n");
    }

    #[test]
    fn a_character_split_between_writes_is_escaped_whole() {
        let mut out = Vec::new();
        let mut w = TerminalSafe::new(&mut out);
        let bidi = "a\u{202e}b".as_bytes();
        // U+202E is three bytes; the first write ends inside it.
        w.write_all(&bidi[..2]).unwrap();
        w.write_all(&bidi[2..]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r"a\u202eb");
    }

    #[test]
    fn json_stays_valid_and_equal_with_no_control_or_bidi_character_raw() {
        let value = json!({
            "name": "ok\u{202e}exe\u{1b}]0;t\u{7}\u{7f}\u{9b}\u{2066}\u{2028}\u{e0041}",
            "plain": "æøå \\ \"q\"",
        });
        let out = written(|o| o.json(&value), true);
        assert!(
            out.chars().all(|c| c == '\n' || crate::text::is_plain(c)),
            "{out}"
        );
        assert!(
            out.contains(r"ok\u202eexe\u001b]0;t\u0007\u007f\u009b\u2066\u2028\udb40\udc41"),
            "{out}"
        );
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn fields_lists_unknown_members_too() {
        let v = json!({"name": "nav:a", "allowed_integration_types": ["maskinporten", "krr"], "description#en": "english", "at_max_age": null});
        let f = fields(&v);
        assert_eq!(
            f,
            "name                       nav:a\nallowed_integration_types  maskinporten, krr\ndescription#en             english\nat_max_age\n"
        );
    }

    #[test]
    fn times_and_expiry() {
        assert_eq!(
            short_time(Some("2025-07-02T10:30:00.000+02:00")),
            "2025-07-02 10:30"
        );
        assert_eq!(short_time(None), "");
        assert_eq!(epoch_date(1_700_000_000 + 10 * 86_400), "2023-11-24");
        assert_eq!(epoch_date(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
