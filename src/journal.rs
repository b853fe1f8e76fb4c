//! An append-only local record of every change mpadmin makes (JSON Lines in the data dir).
//!
//! Each entry is one `write` of one line to a file opened in append mode, then synced, so a
//! crash can at worst leave a torn *last* line; readers skip such a line and keep the rest.
//!
//! The journal is written ahead: a change's *intent* (what, on what, the state before) is
//! appended before the request goes out, and its *outcome* after the answer. A change whose
//! process died in between (Ctrl-C, kill, a lost answer) therefore still shows, as "outcome
//! unknown", instead of being applied on the server and missing here.

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
    AccessApprove,
    AccessDeny,
    ClientCreate,
    ClientUpdate,
    ClientDelete,
    KeyAdd,
    KeyRemove,
    OnBehalfOfAdd,
    OnBehalfOfUpdate,
    OnBehalfOfRemove,
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
            Operation::AccessApprove => "approve request",
            Operation::AccessDeny => "deny request",
            Operation::ClientCreate => "create client",
            Operation::ClientUpdate => "update client",
            Operation::ClientDelete => "delete client",
            Operation::KeyAdd => "add key",
            Operation::KeyRemove => "remove key",
            Operation::OnBehalfOfAdd => "add on-behalf-of",
            Operation::OnBehalfOfUpdate => "update on-behalf-of",
            Operation::OnBehalfOfRemove => "remove on-behalf-of",
        }
    }
}

/// Which half of a written-ahead change a line is. Lines from before the journal was written
/// ahead have none: they are whole entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Intent,
    Outcome,
}

/// `result` of an intent whose outcome never reached the journal.
pub const OUTCOME_UNKNOWN: &str = "outcome unknown: the request was sent but its answer was never recorded (interrupted?); check the server";
/// `result` of an intent line as written, until its outcome follows.
const PENDING: &str = "pending";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Names the change for `journal undo` (a UUID; its first 8 characters are shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Shared by every change of one `apply` run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The change itself, as the change engine describes it (what undo inverts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Value>,
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
            id: None,
            run: None,
            phase: None,
            change: None,
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

    /// The intent half of a change about to be sent: `outcome` is appended after the answer.
    pub fn intent(mut self, change: Value, run: Option<&str>) -> Entry {
        self.id = Some(uuid::Uuid::new_v4().to_string());
        self.run = run.map(str::to_owned);
        self.phase = Some(Phase::Intent);
        self.change = Some(change);
        self.result = PENDING.to_owned();
        self
    }

    /// The outcome line of this intent: `result` is "ok" or the error.
    pub fn outcome(
        &self,
        result: Result<Option<&impl Serialize>, (String, Option<String>)>,
    ) -> Entry {
        let mut out = Entry::new(
            &self.profile,
            &self.environment,
            self.operation,
            self.target.clone(),
        );
        out.id = self.id.clone();
        out.run = self.run.clone();
        out.phase = Some(Phase::Outcome);
        match result {
            Ok(after) => {
                if let Some(after) = after {
                    out = out.after(after);
                }
            }
            Err((message, correlation_id)) => {
                out.result = message;
                out.correlation_id = correlation_id;
            }
        }
        out
    }

    pub fn is_ok(&self) -> bool {
        self.result == "ok"
    }

    /// The id as shown and as typed for `journal undo`.
    pub fn short_id(&self) -> &str {
        self.id.as_deref().map_or("", |id| &id[..id.len().min(8)])
    }
}

/// Folds each outcome line into its intent, in the order the intents were written; an intent
/// with no outcome gets `OUTCOME_UNKNOWN`.
fn merge(lines: Vec<Entry>) -> Vec<Entry> {
    let mut merged: Vec<Entry> = Vec::with_capacity(lines.len());
    let mut open: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for line in lines {
        match (line.phase, &line.id) {
            (Some(Phase::Outcome), Some(id)) => {
                if let Some(&at) = open.get(id) {
                    let e = &mut merged[at];
                    e.target = line.target;
                    e.result = line.result;
                    e.correlation_id = line.correlation_id;
                    if line.after.is_some() {
                        e.after = line.after;
                    }
                    e.phase = None;
                    open.remove(id);
                }
            }
            (Some(Phase::Intent), Some(id)) => {
                open.insert(id.clone(), merged.len());
                merged.push(line);
            }
            _ => merged.push(line),
        }
    }
    for at in open.into_values() {
        merged[at].result = OUTCOME_UNKNOWN.to_owned();
        merged[at].phase = None;
    }
    merged
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

    /// Every readable change, oldest first, each intent merged with its outcome; lines that do
    /// not parse (a torn write) are skipped.
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
        Ok(merge(
            BufReader::new(file)
                .split(b'\n')
                .map_while(Result::ok)
                .filter_map(|line| serde_json::from_slice(&line).ok())
                .collect(),
        ))
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

    #[test]
    fn an_intent_and_its_outcome_read_as_one_change() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("journal.jsonl"));
        let intent = entry("a").intent(serde_json::json!({"op": "grant"}), Some("run-1"));
        j.append(&intent).unwrap();
        j.append(&entry("other")).unwrap();
        let after = serde_json::json!({"state": "APPROVED"});
        j.append(&intent.outcome(Ok(Some(&after)))).unwrap();
        let got = j.read().unwrap();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].target, "a");
        assert!(got[0].is_ok(), "{:?}", got[0]);
        assert_eq!(got[0].after.as_ref().unwrap()["state"], "APPROVED");
        assert_eq!(got[0].run.as_deref(), Some("run-1"));
        assert_eq!(got[0].short_id().len(), 8);
    }

    #[test]
    fn an_intent_without_outcome_reads_as_outcome_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("journal.jsonl"));
        let intent = entry("a").intent(serde_json::json!({"op": "grant"}), None);
        j.append(&intent).unwrap();
        let failed = entry("b").intent(serde_json::json!({"op": "grant"}), None);
        j.append(&failed).unwrap();
        j.append(&failed.outcome(Err::<Option<&Value>, _>((
            "HTTP 400".into(),
            Some("c1".into()),
        ))))
        .unwrap();
        let got = j.read().unwrap();
        assert_eq!(got[0].result, OUTCOME_UNKNOWN);
        assert_eq!(got[1].result, "HTTP 400");
        assert_eq!(got[1].correlation_id.as_deref(), Some("c1"));
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
