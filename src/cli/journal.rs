//! `mpadmin journal`: the local record of changes, read back. Needs no profile and no network,
//! so it works when the service or the credentials do not.

use clap::Args;

use super::commands::CliError;
use super::output::{Output, Table, short_time};
use crate::config;
use crate::journal::{Entry, Journal};

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Show the latest N changes (0 shows all).
    #[arg(long, short = 'n', default_value_t = 50, value_name = "N")]
    pub last: usize,
    /// Only changes made with this profile.
    #[arg(long = "of-profile", value_name = "PROFILE")]
    pub of_profile: Option<String>,
    /// Only failed changes.
    #[arg(long)]
    pub failed: bool,
}

pub fn run(
    keys: Option<&std::path::Path>,
    args: &JournalArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let path = config::paths(keys).journal().ok_or_else(|| {
        CliError::Usage("no data directory on this system, so there is no journal".into())
    })?;
    let journal = Journal::at(&path);
    let entries = journal
        .read()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let shown = select(entries, args);
    if out.json_mode() {
        return Ok(out.json(&shown)?);
    }
    if shown.is_empty() {
        out.say(&format!("no changes recorded in {}", path.display()))?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "TIME",
        "PROFILE",
        "ENV",
        "OPERATION",
        "TARGET",
        "RESULT",
        "CORRELATION ID",
    ]);
    for e in &shown {
        table.row(vec![
            short_time(Some(&e.time)),
            e.profile.clone(),
            e.environment.clone(),
            e.operation.label().to_owned(),
            e.target.clone(),
            e.result.clone(),
            e.correlation_id.clone().unwrap_or_default(),
        ]);
    }
    Ok(out.text(&table.render())?)
}

/// The entries the flags ask for, oldest first (like a log: the latest change is at the bottom).
fn select(entries: Vec<Entry>, args: &JournalArgs) -> Vec<Entry> {
    let kept: Vec<Entry> = entries
        .into_iter()
        .filter(|e| args.of_profile.as_ref().is_none_or(|p| &e.profile == p))
        .filter(|e| !args.failed || e.result != "ok")
        .collect();
    let skip = match args.last {
        0 => 0,
        n => kept.len().saturating_sub(n),
    };
    kept.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Operation;

    fn entry(profile: &str, target: &str, result: &str) -> Entry {
        let mut e = Entry::new(profile, "test", Operation::AccessGrant, target);
        e.result = result.into();
        e
    }

    fn args(last: usize, of_profile: Option<&str>, failed: bool) -> JournalArgs {
        JournalArgs {
            last,
            of_profile: of_profile.map(str::to_owned),
            failed,
        }
    }

    #[test]
    fn keeps_the_latest_n_in_order_after_filtering() {
        let all = vec![
            entry("a", "1", "ok"),
            entry("b", "2", "ok"),
            entry("a", "3", "HTTP 409"),
            entry("a", "4", "ok"),
        ];
        let targets = |v: Vec<Entry>| v.into_iter().map(|e| e.target).collect::<Vec<_>>();
        assert_eq!(
            targets(select(all.clone(), &args(2, None, false))),
            ["3", "4"]
        );
        assert_eq!(
            targets(select(all.clone(), &args(0, Some("a"), false))),
            ["1", "3", "4"]
        );
        assert_eq!(targets(select(all.clone(), &args(0, None, true))), ["3"]);
        assert_eq!(targets(select(all, &args(9, Some("b"), false))), ["2"]);
    }
}
