//! `mpadmin journal`: the local record of changes, read back. Needs no profile and no network,
//! so it works when the service or the credentials do not.

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::commands::{self, CliError};
use super::confirm::Change;
use super::output::{Output, Table, short_time};
use crate::changes;
use crate::config;
use crate::journal::{Entry, Journal};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub action: Option<JournalAction>,
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
        "ID",
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
            e.short_id().to_owned(),
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

#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// Take a change back: apply its inverse (a revoke for a grant, the old fields for an
    /// update, a removed key uploaded again), through the profile that made it.
    Undo {
        /// The change's ID as `mpadmin journal` shows it (8 characters are enough).
        id: String,
    },
}

/// `mpadmin journal undo ID`: shows the inverse as a one-line plan, asks as any change does,
/// and applies it through the engine (which journals the undo like any other change).
pub fn undo(global: &GlobalArgs, id: &str, out: &mut Output) -> Result<(), CliError> {
    let path = config::paths(global.keys.as_deref())
        .journal()
        .ok_or_else(|| {
            CliError::Usage("no data directory on this system, so there is no journal".into())
        })?;
    let entries = Journal::at(&path)
        .read()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let entry = changes::find(&entries, id).map_err(CliError::Usage)?;
    let inverse = changes::undo(entry)
        .map_err(|e| CliError::Usage(format!("cannot undo {}: {e}", entry.short_id())))?;
    if let Some(asked) = &global.profile
        && asked != &entry.profile
    {
        return Err(CliError::Usage(format!(
            "change {} was made with profile '{}', not '{asked}': undo it with --profile {}",
            entry.short_id(),
            entry.profile,
            entry.profile
        )));
    }
    let global = GlobalArgs {
        profile: Some(entry.profile.clone()),
        ..global.clone()
    };
    let profile = commands::load_profile(&global)?;
    out.say(&format!(
        "Undo {} ({} {}):\n  {} {}\n{}",
        entry.short_id(),
        entry.operation.label(),
        crate::text::clean(&entry.target),
        inverse.symbol(),
        inverse.describe(),
        crate::estate::summary(match inverse.symbol() {
            '+' => [1, 0, 0],
            '~' => [0, 1, 0],
            _ => [0, 0, 1],
        })
    ))?;
    let gate = if inverse.is_destructive() {
        Change::destructive(inverse.describe())
    } else {
        Change::new(inverse.describe())
    };
    commands::gate(&global, &profile, &gate)?;
    commands::runtime()?.block_on(async {
        let engine = commands::engine(&global, &profile)?;
        let result = engine.apply(&inverse).await;
        commands::report_trouble(&engine);
        let applied = result?;
        out.say(&format!("undone: {}", applied.summary))?;
        if out.json_mode() {
            out.json(&serde_json::json!({
                "undone": entry.id,
                "change": inverse,
                "after": applied.after,
            }))?;
        }
        Ok::<(), CliError>(())
    })?;
    Ok(())
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
            action: None,
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
