//! `mpadmin clients onbehalfof ...`: the on-behalf-of registrations of an ID-porten,
//! API-klient or KRR client (Maskinporten clients have none).

use clap::{Args, Subcommand};

use super::commands::CliError;
use super::confirm::Change;
use super::output::{Output, Table};
use crate::api::models::ClientOnBehalfOf;
use crate::api::types::{ClientId, OrgNumber};
use crate::changes::{self, Before, Engine};

#[derive(Debug, Subcommand)]
pub enum OnBehalfOfCommand {
    /// List a client's on-behalf-of registrations.
    List {
        /// Client id.
        #[arg(value_name = "CLIENT")]
        client: ClientId,
    },
    /// Register an organisation the client acts on behalf of.
    Add(AddArgs),
    /// Change a registration's name, organisation number, address or description; what you
    /// do not give is kept.
    Update(UpdateArgs),
    /// Remove a registration.
    Remove {
        #[arg(value_name = "CLIENT")]
        client: ClientId,
        /// The registration's id (its `onbehalfof`).
        #[arg(value_name = "ONBEHALFOF")]
        onbehalfof: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    /// The registration's id, chosen by you (letters, digits, '-', '_', '.').
    #[arg(value_name = "ONBEHALFOF")]
    onbehalfof: String,
    /// The name end users see.
    #[arg(long)]
    name: String,
    /// The organisation acted for (9 digits, MOD11).
    #[arg(long)]
    orgno: OrgNumber,
    /// The organisation's service address.
    #[arg(long = "client-uri", value_name = "URI")]
    client_uri: Option<String>,
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[arg(value_name = "CLIENT")]
    client: ClientId,
    #[arg(value_name = "ONBEHALFOF")]
    onbehalfof: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    orgno: Option<OrgNumber>,
    #[arg(long = "client-uri", value_name = "URI")]
    client_uri: Option<String>,
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
}

/// The registration id the server accepts; checked here so a typo is not sent.
fn check_id(id: &str) -> Result<(), CliError> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(CliError::Usage(format!(
            "ONBEHALFOF '{id}': use letters, digits, '-', '_' and '.' only"
        )));
    }
    Ok(())
}

fn non_empty(flag: &str, value: Option<&str>) -> Result<(), CliError> {
    if value.is_some_and(|v| v.trim().is_empty()) {
        return Err(CliError::Usage(format!("{flag} must not be empty")));
    }
    Ok(())
}

impl OnBehalfOfCommand {
    pub(super) fn validate(&self) -> Result<(), CliError> {
        match self {
            OnBehalfOfCommand::Add(a) => {
                check_id(&a.onbehalfof)?;
                non_empty("--name", Some(&a.name))
            }
            OnBehalfOfCommand::Update(a) => {
                if a.name.is_none()
                    && a.orgno.is_none()
                    && a.client_uri.is_none()
                    && a.description.is_none()
                {
                    return Err(CliError::Usage(
                        "nothing to change: give --name, --orgno, --client-uri or --description"
                            .into(),
                    ));
                }
                non_empty("--name", a.name.as_deref())
            }
            _ => Ok(()),
        }
    }

    pub(super) fn change(&self) -> Option<Change> {
        match self {
            OnBehalfOfCommand::List { .. } => None,
            OnBehalfOfCommand::Add(a) => Some(Change::new(format!(
                "add on-behalf-of {} to client {}",
                a.onbehalfof, a.client
            ))),
            OnBehalfOfCommand::Update(a) => Some(Change::new(format!(
                "update on-behalf-of {} of client {}",
                a.onbehalfof, a.client
            ))),
            OnBehalfOfCommand::Remove { client, onbehalfof } => Some(Change::destructive(format!(
                "remove on-behalf-of {onbehalfof} from client {client}"
            ))),
        }
    }

    pub(super) async fn run(self, engine: &Engine, out: &mut Output) -> Result<(), CliError> {
        let api = engine.api();
        match self {
            OnBehalfOfCommand::List { client } => {
                let list = api.onbehalfof(&client).await?;
                out.show(&list, |l| table(l))?;
            }
            OnBehalfOfCommand::Add(a) => {
                let registration = ClientOnBehalfOf {
                    onbehalfof: a.onbehalfof,
                    name: Some(a.name),
                    orgno: Some(a.orgno.to_string()),
                    uri: a.client_uri,
                    description: a.description,
                    ..ClientOnBehalfOf::default()
                };
                let applied = engine
                    .apply(&changes::Change::AddOnBehalfOf {
                        client: a.client,
                        registration: Box::new(registration),
                    })
                    .await?;
                out.say(&applied.summary)?;
                if let Some(o) = applied.after_as::<ClientOnBehalfOf>() {
                    out.show(&o, |o| table(std::slice::from_ref(o)))?;
                }
            }
            OnBehalfOfCommand::Update(a) => {
                let current = api.onbehalfof_one(&a.client, &a.onbehalfof).await?;
                let mut next = current.clone();
                next.created = None;
                next.last_updated = None;
                // The server names the organisation itself; the old name may be wrong now.
                next.extra.remove(ClientOnBehalfOf::ORGANIZATION_NAME);
                if let Some(n) = a.name {
                    next.name = Some(n);
                }
                if let Some(o) = a.orgno {
                    next.orgno = Some(o.to_string());
                }
                if let Some(u) = a.client_uri {
                    next.uri = Some(u);
                }
                if let Some(d) = a.description {
                    next.description = Some(d);
                }
                let applied = engine
                    .apply_from(
                        &changes::Change::UpdateOnBehalfOf {
                            client: a.client,
                            registration: Box::new(next),
                        },
                        Before::OnBehalfOf(Box::new(current)),
                    )
                    .await?;
                out.say(&applied.summary)?;
                if let Some(o) = applied.after_as::<ClientOnBehalfOf>() {
                    out.show(&o, |o| table(std::slice::from_ref(o)))?;
                }
            }
            OnBehalfOfCommand::Remove { client, onbehalfof } => {
                let applied = engine
                    .apply(&changes::Change::RemoveOnBehalfOf {
                        client: client.clone(),
                        onbehalfof: onbehalfof.clone(),
                    })
                    .await?;
                out.say(&applied.summary)?;
                if out.json_mode() {
                    out.json(&serde_json::json!({ "removed": onbehalfof, "client": client }))?;
                }
            }
        }
        Ok(())
    }
}

pub fn table(list: &[ClientOnBehalfOf]) -> String {
    let mut t = Table::new(&[
        "ONBEHALFOF",
        "NAME",
        "ORGNO",
        "ORGANISATION",
        "CLIENT URI",
        "DESCRIPTION",
    ]);
    for o in list {
        t.row(vec![
            o.onbehalfof.clone(),
            o.name.clone().unwrap_or_default(),
            o.orgno.clone().unwrap_or_default(),
            o.organization_name().unwrap_or_default().to_owned(),
            o.uri.clone().unwrap_or_default(),
            o.description.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}
