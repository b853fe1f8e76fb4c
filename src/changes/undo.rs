//! Undo: the inverse of a journaled change, built from the state the journal recorded before
//! it ran, for the CLI's `journal undo` and the TUI's journal view alike.

use super::change::{Before, Change, NoInverse};
use crate::journal::Entry;

/// The change that takes `entry` back, or why there is none.
pub fn undo(entry: &Entry) -> Result<Change, NoInverse> {
    let what = format!("{} {}", entry.operation.label(), entry.target);
    let Some(recorded) = &entry.change else {
        return Err(NoInverse(format!(
            "{what} was journaled before changes were recorded whole, so it cannot be undone"
        )));
    };
    if !entry.is_ok() {
        return Err(NoInverse(
            if entry.result.starts_with(crate::journal::OUTCOME_UNKNOWN) {
                format!(
                    "the outcome of '{what}' is unknown: check the server, then change it by hand"
                )
            } else {
                format!("'{what}' failed, so there is nothing to undo")
            },
        ));
    }
    let change: Change = serde_json::from_value(recorded.clone()).map_err(|e| {
        NoInverse(format!(
            "the journal's record of '{what}' cannot be read: {e}"
        ))
    })?;
    let before = Before::from_value(&change, entry.before.as_ref())?;
    change.inverse(&before, entry.after.as_ref())
}

/// The entry `id` names: a whole id or a prefix of one (as `journal` shows, 8 characters)
/// that only one entry has.
pub fn find<'a>(entries: &'a [Entry], id: &str) -> Result<&'a Entry, String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("give the ID of a change as `mpadmin journal` shows it".into());
    }
    let mut hits = entries
        .iter()
        .filter(|e| e.id.as_deref().is_some_and(|e| e.starts_with(id)));
    match (hits.next(), hits.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(format!(
            "no change with ID {id} in the journal (`mpadmin journal` lists them)"
        )),
        (Some(_), Some(_)) => Err(format!(
            "more than one change has an ID starting with {id}: give more of it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Entry, Operation};

    fn grant_entry(result: &str) -> Entry {
        let change = serde_json::json!({"op": "grant", "scope": "nav:a", "consumer": "991825827"});
        let mut e = Entry::new("p", "TEST", Operation::AccessGrant, "nav:a -> 991825827")
            .intent(change, None);
        e.result = result.into();
        e
    }

    #[test]
    fn a_journaled_grant_is_undone_by_a_revoke() {
        let undo = undo(&grant_entry("ok")).unwrap();
        assert_eq!(undo.describe(), "revoke access to nav:a for 991825827");
    }

    #[test]
    fn failed_unknown_and_old_entries_are_refused_with_the_reason() {
        assert!(
            undo(&grant_entry("HTTP 400"))
                .unwrap_err()
                .0
                .contains("failed")
        );
        let unknown = grant_entry(crate::journal::OUTCOME_UNKNOWN);
        assert!(undo(&unknown).unwrap_err().0.contains("unknown"));
        let old = Entry::new("p", "TEST", Operation::AccessGrant, "nav:a -> 991825827");
        assert!(undo(&old).unwrap_err().0.contains("cannot be undone"));
    }

    #[test]
    fn ids_are_found_by_a_unique_prefix() {
        let a = grant_entry("ok");
        let b = grant_entry("ok");
        let entries = vec![a.clone(), b];
        let id = a.id.clone().unwrap();
        assert_eq!(find(&entries, &id[..8]).unwrap().id, a.id);
        assert!(find(&entries, "").is_err());
        assert!(find(&entries, "zzzz").unwrap_err().contains("no change"));
    }
}
