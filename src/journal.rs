//! An append-only local record of every change mpadmin makes (JSON Lines in the data dir).
//!
//! Each entry is one `write` of one line to a file opened in append mode, then synced, so a
//! crash can at worst leave a torn *last* line; readers skip such a line and keep the rest.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::private_files;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    ScopeCreate,
    ScopeUpdate,
    ScopeDeactivate,
    ScopeReactivate,
    AccessGrant,
    AccessRevoke,
    ClientCreate,
    ClientUpdate,
    ClientDelete,
    KeyAdd,
    KeyRemove,
}

impl Operation {
    pub fn label(self) -> &'static str {
        match self {
            Operation::ScopeCreate => "create scope",
            Operation::ScopeUpdate => "update scope",
            Operation::ScopeDeactivate => "deactivate scope",
            Operation::ScopeReactivate => "reactivate scope",
            Operation::AccessGrant => "grant access",
            Operation::AccessRevoke => "revoke access",
            Operation::ClientCreate => "create client",
            Operation::ClientUpdate => "update client",
            Operation::ClientDelete => "delete client",
            Operation::KeyAdd => "add key",
            Operation::KeyRemove => "remove key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    pub profile: String,
    pub environment: String,
    pub operation: Operation,
    /// What was changed: a scope name, `scope -> orgno`, a client id, `client/kid`.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// `ok`, or the error message.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// Members that may carry a secret in an API object (a client secret of a non-Maskinporten
/// client, private JWK members of a careless upload); they never reach the journal.
const SECRET_MEMBERS: &[&str] = &["client_secret", "d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn scrub(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for m in SECRET_MEMBERS {
                map.remove(*m);
            }
            map.values_mut().for_each(scrub);
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

impl Entry {
    pub fn new(
        profile: &str,
        environment: &str,
        operation: Operation,
        target: impl Into<String>,
    ) -> Entry {
        Entry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            profile: profile.to_owned(),
            environment: environment.to_owned(),
            operation,
            target: target.into(),
            before: None,
            after: None,
            result: "ok".to_owned(),
            correlation_id: None,
        }
    }

    pub fn before(mut self, value: &impl Serialize) -> Entry {
        self.before = serde_json::to_value(value).ok().map(|mut v| {
            scrub(&mut v);
            v
        });
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Entry {
        self.after = serde_json::to_value(value).ok().map(|mut v| {
            scrub(&mut v);
            v
        });
        self
    }

    /// Record the outcome of the API call.
    pub fn outcome<T>(mut self, result: &Result<T, crate::api::ApiError>) -> Entry {
        if let Err(e) = result {
            self.result = e.to_string();
            self.correlation_id = e.correlation_id().map(str::to_owned);
        }
        self
    }
}

#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("journal {path}: {source}")]
pub struct JournalError {
    path: PathBuf,
    #[source]
    source: io::Error,
}

impl Journal {
    pub fn at(path: impl Into<PathBuf>) -> Journal {
        Journal { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let err = |source| JournalError {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(entry).map_err(|e| err(io::Error::other(e)))?;
        line.push(b'\n');
        if let Some(dir) = self.path.parent() {
            private_files::create_dir(dir).map_err(err)?;
        }
        // A journal made more open after `prepare` is tightened here too, without a word:
        // there is no one to tell in the middle of a change.
        let mut file = private_files::open_append(&self.path).map_err(err)?.file;
        // A torn last line from an earlier crash must not swallow this entry.
        if file.metadata().map_err(err)?.len() > 0 && !ends_with_newline(&self.path).map_err(err)? {
            line.insert(0, b'\n');
        }
        file.write_all(&line).map_err(err)?;
        file.sync_data().map_err(err)
    }

    /// Check the journal before a change is made, so that a journal that cannot be written is
    /// known before anything is sent: refuses a symbolic link or other non-file, and sets a
    /// journal that group or others may read to 0600. Returns what to tell the user when it
    /// did. A journal not there yet is left for the first `append` to create.
    pub fn prepare(&self) -> Result<Option<String>, JournalError> {
        if let Err(e) = std::fs::symlink_metadata(&self.path) {
            return match e.kind() {
                io::ErrorKind::NotFound => Ok(None),
                _ => Err(JournalError {
                    path: self.path.clone(),
                    source: e,
                }),
            };
        }
        let opened = private_files::open_append(&self.path).map_err(|source| JournalError {
            path: self.path.clone(),
            source,
        })?;
        Ok(opened.tightened_from.map(|mode| {
            format!(
                "journal {} could be read by other users (mode {mode:03o}); it is 600 now",
                self.path.display()
            )
        }))
    }

    /// Every readable entry, oldest first; lines that do not parse (a torn write) are skipped.
    pub fn read(&self) -> Result<Vec<Entry>, JournalError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(JournalError {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        Ok(BufReader::new(file)
            .split(b'\n')
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_slice(&line).ok())
            .collect())
    }
}

fn ends_with_newline(path: &Path) -> io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;

    use super::*;

    fn entry(target: &str) -> Entry {
        Entry::new("test", "TEST", Operation::AccessGrant, target)
    }

    #[test]
    fn appends_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("sub/journal.jsonl"));
        j.append(&entry("a")).unwrap();
        j.append(&entry("b")).unwrap();
        let got: Vec<String> = j.read().unwrap().into_iter().map(|e| e.target).collect();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn a_torn_last_line_loses_nothing_before_or_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let j = Journal::at(&path);
        j.append(&entry("a")).unwrap();
        // Simulate a crash half-way through writing the next entry.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"time":"2026-11-22T10:00:00.000Z","prof"#)
            .unwrap();
        j.append(&entry("c")).unwrap();
        let got: Vec<String> = j.read().unwrap().into_iter().map(|e| e.target).collect();
        assert_eq!(got, ["a", "c"]);
    }

    #[test]
    fn secrets_are_scrubbed_from_before_and_after() {
        let v = serde_json::json!({"client_id": "x", "client_secret": "hunter2", "keys": [{"kid": "k", "d": "private"}]});
        let e = entry("x").before(&v).after(&v);
        let text = serde_json::to_string(&e).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("private"),
            "{text}"
        );
        assert!(text.contains("\"kid\":\"k\""));
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_journal_is_tightened_once_and_a_linked_one_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("journal.jsonl"));
        assert_eq!(j.prepare().unwrap(), None, "nothing there yet");
        assert!(!j.path().exists(), "prepare creates nothing");
        j.append(&entry("a")).unwrap();
        std::fs::set_permissions(j.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let note = j.prepare().unwrap().unwrap();
        assert!(note.contains("mode 644") && note.contains("600"), "{note}");
        let mode = std::fs::metadata(j.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(j.prepare().unwrap(), None, "said once");

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "VICTIM ORIGINAL").unwrap();
        let linked = Journal::at(dir.path().join("linked.jsonl"));
        std::os::unix::fs::symlink(&victim, linked.path()).unwrap();
        let err = linked.prepare().unwrap_err().to_string();
        assert!(
            err.contains("linked.jsonl") && err.contains("symbolic link"),
            "{err}"
        );
        let err = linked.append(&entry("b")).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "VICTIM ORIGINAL");
    }

    #[cfg(unix)]
    #[test]
    fn journal_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("journal.jsonl"));
        j.append(&entry("a")).unwrap();
        let mode = std::fs::metadata(j.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
}
