//! Every change the CLI sends goes into the local journal (`mpadmin paths` shows where),
//! whether Digdir accepted it or not, with the correlation id of a refusal.

use serde::Serialize;

use super::commands::warn;
use crate::api::ApiError;
use crate::config::Profile;
use crate::journal::{Entry, Journal, Operation};

pub struct Recorder {
    journal: Option<Journal>,
    profile: String,
    environment: String,
}

impl Recorder {
    /// `journal` is `None` when the system has no data directory; changes then go unrecorded.
    pub fn new(profile: &Profile, journal: Option<Journal>) -> Recorder {
        Recorder {
            journal,
            profile: profile.name.clone(),
            environment: profile
                .environment
                .map_or("custom", |e| e.label())
                .to_owned(),
        }
    }

    /// An entry for `operation` on `target`; add `.before(..)` when the old value is known.
    pub fn entry(&self, operation: Operation, target: impl Into<String>) -> Entry {
        Entry::new(&self.profile, &self.environment, operation, target)
    }

    /// Append `entry` with the result of the call. A journal that cannot be written is
    /// reported; the change itself stands either way.
    pub fn append<T: Serialize>(&self, entry: Entry, result: &Result<T, ApiError>) {
        let Some(journal) = &self.journal else {
            return;
        };
        let mut entry = entry.outcome(result);
        if let Ok(value) = result
            && serde_json::to_value(value).is_ok_and(|v| !v.is_null())
        {
            entry = entry.after(value);
        }
        if let Err(e) = journal.append(&entry) {
            warn(&format!("could not record the change in the journal: {e}"));
        }
    }
}
