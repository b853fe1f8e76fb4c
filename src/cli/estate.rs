//! `mpadmin export`, `plan` and `apply`: the organisation's estate as code (`crate::estate`).
//!
//! A bad estate file is refused (exit 2) before the profile is even opened; `apply` on a
//! read-only profile is refused before anything is sent; `plan --detailed-exitcode` exits 2
//! when the live estate differs from the file, which is what a drift check from cron reads.

use std::io;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::GlobalArgs;
use super::commands::{CliError, engine, environment, load_profile, read_only, runtime, warn};
use super::confirm;
use super::output::Output;
use crate::changes::Engine;
use crate::config::{self, Profile};
use crate::estate::{self, Estate, Event, Kinds, Made, Origin, Plan, Saved};

/// A kind of object `export --only` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    Scopes,
    /// The approved and denied consumers of each scope.
    Access,
    Clients,
    Keys,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only these kinds, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    only: Vec<Only>,
    /// Write the file here instead of to stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The estate file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: PathBuf,
    /// Also save the plan (JSON) for `mpadmin apply PLAN`.
    #[arg(long, value_name = "PLAN")]
    out: Option<PathBuf>,
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on any error (drift checks).
    #[arg(long)]
    detailed_exitcode: bool,
}

impl PlanArgs {
    pub fn detailed_exitcode(&self) -> bool {
        self.detailed_exitcode
    }
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ApplyArgs {
    /// The estate file: plan it, show the plan, ask, apply.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    /// A plan saved by `plan --out`: applied only if nothing it touches changed since.
    #[arg(value_name = "PLAN")]
    plan: Option<PathBuf>,
}

fn kinds(only: &[Only]) -> Kinds {
    if only.is_empty() {
        return Kinds::ALL;
    }
    Kinds {
        scopes: only.contains(&Only::Scopes),
        access: only.contains(&Only::Access),
        clients: only.contains(&Only::Clients),
        keys: only.contains(&Only::Keys),
    }
}

fn read_estate(path: &Path) -> Result<Estate, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "cannot read the estate file {}: {e}",
            path.display()
        ))
    })?;
    estate::parse(&path.display().to_string(), &text).map_err(|e| CliError::Usage(e.to_string()))
}

fn read_saved(path: &Path) -> Result<Saved, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read the plan {}: {e}", path.display())))?;
    let saved: Saved = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a plan saved by `mpadmin plan --out` ({e}); to apply an estate file, give it with -f",
            path.display()
        ))
    })?;
    if saved.mpadmin_plan != estate::PLAN_FORMAT {
        return Err(CliError::Usage(format!(
            "{} was saved in plan format {}, this mpadmin reads format {}: run plan again",
            path.display(),
            saved.mpadmin_plan,
            estate::PLAN_FORMAT
        )));
    }
    Ok(saved)
}

/// Replace `path` whole (a reader never sees half a file).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |e: &dyn std::fmt::Display| {
        CliError::Usage(format!("cannot write {}: {e}", path.display()))
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    io::Write::write_all(&mut tmp, bytes).map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// A warning for each way the file says it describes another organisation or environment.
fn origin_warnings(estate: &Estate, org: Option<&str>, env: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(file), Some(org)) = (&estate.organization, org)
        && file.as_str() != org
    {
        out.push(format!(
            "the file describes organisation {file}, but the profile acts for {org}"
        ));
    }
    if let Some(file) = &estate.environment
        && !file.eq_ignore_ascii_case(env)
    {
        out.push(format!(
            "the file was exported from the {file} environment, but the profile talks to {env}"
        ));
    }
    out
}

async fn make_plan(
    engine: &Engine,
    file: &Path,
    estate: &Estate,
    profile: &Profile,
    org: Option<&str>,
) -> Result<Plan, CliError> {
    for w in origin_warnings(estate, org, environment(profile)) {
        warn(&format!("warning: {w}"));
    }
    let live = estate::read_for(engine.api(), estate).await?;
    estate::plan(estate, &live, &profile.client_id).map_err(|errors| {
        let more = match errors.len() {
            1 => String::new(),
            2 => " (and 1 more problem)".to_owned(),
            n => format!(" (and {} more problems)", n - 1),
        };
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        CliError::Usage(format!(
            "{} {first}{more}; nothing was changed",
            file.display()
        ))
    })
}

pub(super) fn export(
    global: &GlobalArgs,
    args: ExportArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let kinds = kinds(&args.only);
    let profile = load_profile(global)?;
    runtime()?.block_on(async {
        let engine = engine(global, &profile)?;
        let organization = estate::organisation(engine.api()).await?;
        let live = estate::read_all(engine.api(), kinds).await?;
        let origin = Origin {
            organization,
            environment: environment(&profile).to_owned(),
            at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        let text = estate::export(&live, kinds, &origin);
        match &args.out {
            None => out.text(&text)?,
            Some(path) => {
                write_file(path, text.as_bytes())?;
                let grants: usize = live.grants.values().map(Vec::len).sum();
                let keys: usize = live.keys.values().map(Vec::len).sum();
                out.say(&format!(
                    "wrote {}: {} scopes, {grants} grant rows, {} clients, {keys} keys",
                    path.display(),
                    live.scopes.len(),
                    live.clients.len()
                ))?;
            }
        }
        Ok(())
    })
}

fn made<'a>(file: &'a str, profile: &'a Profile, org: Option<&'a str>) -> Made<'a> {
    Made {
        file,
        profile: &profile.name,
        api_base: profile.api_base.as_str(),
        organization: org,
        environment: environment(profile),
    }
}

pub(super) fn plan(global: &GlobalArgs, args: PlanArgs, out: &mut Output) -> Result<u8, CliError> {
    let estate = read_estate(&args.file)?;
    let profile = load_profile(global)?;
    runtime()?.block_on(async {
        let engine = engine(global, &profile)?;
        let org = estate::organisation(engine.api()).await?;
        let plan = make_plan(&engine, &args.file, &estate, &profile, org.as_deref()).await?;
        let file = args.file.display().to_string();
        let saved = Saved::new(&plan, &made(&file, &profile, org.as_deref()));
        if let Some(path) = &args.out {
            let json = serde_json::to_vec_pretty(&saved)
                .map_err(|e| CliError::Failed(format!("could not write the plan: {e}")))?;
            write_file(path, &json)?;
        }
        if out.json_mode() {
            out.json(&saved)?;
        } else {
            out.text(&estate::text(&plan))?;
        }
        Ok(if args.detailed_exitcode && !plan.items.is_empty() {
            2
        } else {
            0
        })
    })
}

/// Where a plan to apply comes from.
enum Source {
    File(PathBuf, Estate),
    Saved(PathBuf, Saved),
}

pub(super) fn apply(
    global: &GlobalArgs,
    args: ApplyArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let source = match (args.file, args.plan) {
        (Some(f), _) => {
            let estate = read_estate(&f)?;
            Source::File(f, estate)
        }
        (None, Some(p)) => {
            let saved = read_saved(&p)?;
            Source::Saved(p, saved)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give an estate file with -f FILE, or a saved plan".into(),
            ));
        }
    };
    let profile = load_profile(global)?;
    confirm::refuse_read_only("apply changes", read_only(global, &profile))?;
    runtime()?.block_on(async {
        let engine = engine(global, &profile)?.with_run(uuid::Uuid::new_v4().to_string());
        let org = estate::organisation(engine.api()).await?;
        // Held from planning to the last change, so no other apply interleaves.
        let _lock = lock(global, org.as_deref(), environment(&profile))?;
        let plan = match &source {
            Source::File(path, estate) => {
                make_plan(&engine, path, estate, &profile, org.as_deref()).await?
            }
            Source::Saved(path, saved) => {
                saved_plan(&engine, path, saved, &profile, org.as_deref()).await?
            }
        };
        if !out.json_mode() {
            out.text(&estate::text(&plan))?;
        }
        if plan.items.is_empty() {
            if out.json_mode() {
                out.json(&estate::Report::default())?;
            }
            return Ok(());
        }
        confirm_apply(
            plan.items.len(),
            profile.is_prod(),
            org.as_deref(),
            global.yes,
            confirm::is_terminal(),
            confirm::ask_line_terminal,
        )?;
        let report = estate::apply(&engine, &plan, |event| {
            // The apply goes on whatever happens to stdout: stopping halfway would be worse.
            let _ = match event {
                Event::Applied { summary, .. } => out.say(summary),
                Event::Failed(f) => out.say(&format!("failed: {}: {}", f.change, f.message)),
            };
        })
        .await;
        for trouble in engine.take_trouble() {
            warn(&trouble);
        }
        finish(&report, out)
    })
}

/// Refuse a saved plan made elsewhere or gone stale; else its plan.
async fn saved_plan(
    engine: &Engine,
    path: &Path,
    saved: &Saved,
    profile: &Profile,
    org: Option<&str>,
) -> Result<Plan, CliError> {
    if saved.api_base != profile.api_base.as_str() || saved.organization.as_deref() != org {
        return Err(CliError::Usage(format!(
            "{} was made for organisation {} at {}, but profile {} acts for {} at {}: run plan with this profile",
            path.display(),
            saved.organization.as_deref().unwrap_or("(unknown)"),
            saved.api_base,
            profile.name,
            org.unwrap_or("(unknown)"),
            profile.api_base
        )));
    }
    let plan = saved.plan().map_err(|e| {
        CliError::Usage(format!(
            "{}: a change in the plan cannot be read: {e}",
            path.display()
        ))
    })?;
    let changed = estate::changed_since(engine, &plan).await?;
    if let Some(first) = changed.first() {
        return Err(CliError::Failed(format!(
            "the saved plan {} is stale: {} object(s) changed on the server since it was made (first: {}); nothing was applied: run plan again",
            path.display(),
            changed.len(),
            first
        )));
    }
    Ok(plan)
}

fn lock(
    global: &GlobalArgs,
    org: Option<&str>,
    env: &str,
) -> Result<Option<estate::Lock>, CliError> {
    let Some(dir) = config::paths(global.keys.as_deref()).data_dir else {
        warn("warning: no data directory on this system: this apply runs without a lock");
        return Ok(None);
    };
    let name = estate::lock_name(org.unwrap_or("unknown"), env);
    let (lock, note) =
        estate::lock(&dir.join("locks"), &name).map_err(|e| CliError::Failed(e.to_string()))?;
    if let Some(note) = note {
        warn(&format!("warning: {note}"));
    }
    Ok(Some(lock))
}

/// `--yes`, or a person who says so: `y` at the prompt, or on PROD the organisation number.
fn confirm_apply(
    count: usize,
    prod: bool,
    org: Option<&str>,
    yes: bool,
    terminal: bool,
    ask: impl FnOnce(&str) -> io::Result<String>,
) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let changes = if count == 1 {
        "1 change".to_owned()
    } else {
        format!("{count} changes")
    };
    let on = if prod { " on PROD" } else { "" };
    if !terminal {
        return Err(CliError::Usage(format!(
            "refusing to apply {changes}{on} without confirmation: add --yes"
        )));
    }
    let confirmed = if prod {
        // Typing the number, not pressing y, is what makes a person look at which org it is.
        let org = org.unwrap_or("PROD");
        ask(&format!("Type {org} to apply {changes} on PROD: "))? == org
    } else {
        let answer = ask(&format!("Apply {changes}? [y/N] "))?;
        matches!(answer.to_lowercase().as_str(), "y" | "yes")
    };
    if confirmed {
        Ok(())
    } else {
        Err(CliError::Failed("cancelled; nothing was changed".into()))
    }
}

fn finish(report: &estate::Report, out: &mut Output) -> Result<(), CliError> {
    if out.json_mode() {
        out.json(report)?;
    } else if !report.not_attempted.is_empty() {
        out.say(&format!("not attempted ({}):", report.not_attempted.len()))?;
        for d in &report.not_attempted {
            out.say(&format!("  {d}"))?;
        }
    }
    if report.failed.is_empty() {
        out.say(&format!(
            "Apply complete: {} change(s) applied.",
            report.applied.len()
        ))?;
        return Ok(());
    }
    let first = &report.failed[0];
    Err(CliError::Failed(format!(
        "apply stopped at '{}': {}; {} applied, {} failed, {} not attempted; fix the cause and run apply again (it plans only what is still missing)",
        first.change,
        first.message,
        report.applied.len(),
        report.failed.len(),
        report.not_attempted.len()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> io::Result<String> {
        panic!("must not ask")
    }

    #[test]
    fn apply_needs_yes_or_a_person() {
        confirm_apply(3, true, Some("991825827"), true, false, never).unwrap();
        let err = confirm_apply(3, false, None, false, false, never).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "refusing to apply 3 changes without confirmation: add --yes"
        );
        let err = confirm_apply(1, true, Some("991825827"), false, false, never).unwrap_err();
        assert!(err.to_string().contains("1 change on PROD"), "{err}");
    }

    #[test]
    fn on_prod_the_organisation_number_must_be_typed() {
        let mut asked = String::new();
        confirm_apply(2, true, Some("991825827"), false, true, |q| {
            asked = q.to_owned();
            Ok("991825827".into())
        })
        .unwrap();
        assert_eq!(asked, "Type 991825827 to apply 2 changes on PROD: ");
        let err =
            confirm_apply(2, true, Some("991825827"), false, true, |_| Ok("y".into())).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        confirm_apply(2, false, None, false, true, |_| Ok("Y".into())).unwrap();
        assert!(confirm_apply(2, false, None, false, true, |_| Ok(String::new())).is_err());
    }

    #[test]
    fn the_file_s_origin_is_checked() {
        let estate = estate::parse(
            "f",
            "organization = \"991825827\"\nenvironment = \"TEST\"\n",
        )
        .unwrap();
        assert!(origin_warnings(&estate, Some("991825827"), "TEST").is_empty());
        let w = origin_warnings(&estate, Some("889640782"), "PROD");
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("organisation 991825827"), "{w:?}");
        assert!(w[1].contains("TEST environment"), "{w:?}");
    }

    #[test]
    fn only_picks_kinds() {
        assert_eq!(kinds(&[]), Kinds::ALL);
        let k = kinds(&[Only::Access, Only::Keys]);
        assert!(!k.scopes && k.access && !k.clients && k.keys);
    }
}
