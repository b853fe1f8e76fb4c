//! `mpadmin org ORGNO...`: who an organisation number is.

use clap::Args;
use serde::Serialize;

use super::commands::CliError;
use super::output::{Output, Table};
use crate::api::AdminApi;
use crate::api::types::OrgNumber;
use crate::names::{self, Name};

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// Organisation numbers (9 digits each).
    #[arg(value_name = "ORGNO", required = true)]
    orgnos: Vec<OrgNumber>,
}

/// One answer; `name` is null for a number the register does not know.
#[derive(Debug, Serialize)]
struct Answer<'a> {
    orgnr: &'a str,
    name: Option<&'a str>,
}

/// Asks even with `--no-names` (asking is the command), through the same cache.
pub(super) async fn run(
    api: &AdminApi,
    settings: &names::Settings,
    args: OrgArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let settings = names::Settings {
        on: true,
        ..settings.clone()
    };
    let found = names::resolve(api, &settings, args.orgnos.iter().cloned()).await;
    let answers: Vec<Answer> = args
        .orgnos
        .iter()
        .map(|o| Answer {
            orgnr: o.as_str(),
            name: names::known(&found, o.as_str()),
        })
        .collect();
    out.show(&answers, |answers| {
        let mut t = Table::new(&["ORGNO", "NAME"]);
        for a in answers {
            let name = match found.get(a.orgnr) {
                Some(Name::Known(n)) => n.clone(),
                Some(Name::Unknown) => names::UNKNOWN.to_owned(),
                None => "(lookup failed)".to_owned(),
            };
            t.row(vec![a.orgnr.to_owned(), name]);
        }
        t.render()
    })?;
    let missing: Vec<&str> = answers
        .iter()
        .filter(|a| a.name.is_none())
        .map(|a| a.orgnr)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CliError::Failed(format!(
        "no name for {} of {} organisation numbers: {} (unknown to the register, or the lookup failed; see the log)",
        missing.len(),
        answers.len(),
        missing.join(", ")
    )))
}
