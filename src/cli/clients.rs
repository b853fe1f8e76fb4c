//! `mpadmin clients ...`: list, show, create, update, delete client registrations.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::commands::CliError;
use super::confirm::Change;
use super::output::{Output, Table, fields, yes_no};
use crate::api::models::{Client, Jwk};
use crate::api::types::{ClientId, OrgNumber, ScopeName};
use crate::changes::{self, Before, Engine};

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List your organisation's clients (and, for a supplier, those it supplies).
    List(ListArgs),
    /// Show every field of a client and its keys.
    Show {
        /// Client id (a UUID).
        #[arg(value_name = "ID")]
        id: ClientId,
    },
    /// Register a client: Maskinporten (private_key_jwt, JWT-bearer grant) unless
    /// --integration-type names another, with the fields that type needs.
    Create(CreateArgs),
    /// Change a client's name, description or scopes; what you do not give is kept.
    Update(UpdateArgs),
    /// Delete a client.
    Delete {
        /// Client id (a UUID).
        #[arg(value_name = "ID")]
        id: ClientId,
    },
    /// On-behalf-of registrations of an ID-porten, API-klient or KRR client.
    #[command(subcommand)]
    Onbehalfof(super::onbehalfof::OnBehalfOfCommand),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the clients of this customer organisation (nine digits, MOD11-checked).
    #[arg(long, value_name = "ORGNO")]
    customer: Option<OrgNumber>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Display name of the client.
    #[arg(long)]
    name: String,
    /// What the client is for (Digdir asks for one).
    #[arg(long, value_name = "TEXT")]
    description: String,
    /// A scope the client may ask for (repeat for several).
    #[arg(long = "scope", value_name = "NAME")]
    scopes: Vec<ScopeName>,
    #[command(flatten)]
    kind: super::kinds::KindArgs,
    /// As a supplier (`idporten:dcr.supplier`): the customer organisation the client is for
    /// (its `client_orgno`; the server sets `supplier_orgno` to yours).
    #[arg(long, value_name = "ORGNO")]
    customer: Option<OrgNumber>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Client id (a UUID).
    #[arg(value_name = "ID")]
    id: ClientId,
    /// New display name.
    #[arg(long)]
    name: Option<String>,
    /// New description.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Replace the client's scopes with these (repeat for several).
    #[arg(long = "scope", value_name = "NAME", conflicts_with_all = ["add_scopes", "remove_scopes"])]
    scopes: Vec<ScopeName>,
    /// Add a scope, keeping the others.
    #[arg(long = "add-scope", value_name = "NAME")]
    add_scopes: Vec<ScopeName>,
    /// Remove a scope, keeping the others.
    #[arg(long = "remove-scope", value_name = "NAME")]
    remove_scopes: Vec<ScopeName>,
}

fn non_empty(flag: &str, value: &str) -> Result<(), CliError> {
    if value.trim().is_empty() {
        return Err(CliError::Usage(format!("{flag} must not be empty")));
    }
    Ok(())
}

fn scope_names(scopes: &[ScopeName]) -> Vec<String> {
    scopes.iter().map(|s| s.as_str().to_owned()).collect()
}

impl UpdateArgs {
    fn validate(&self) -> Result<(), CliError> {
        if self.name.is_none()
            && self.description.is_none()
            && self.scopes.is_empty()
            && self.add_scopes.is_empty()
            && self.remove_scopes.is_empty()
        {
            return Err(CliError::Usage(
                "nothing to change: give --name, --description, --scope, --add-scope or --remove-scope".into(),
            ));
        }
        if let Some(n) = &self.name {
            non_empty("--name", n)?;
        }
        if let Some(d) = &self.description {
            non_empty("--description", d)?;
        }
        Ok(())
    }

    /// The client as it will be PUT back: what the server returned, changed where asked.
    fn apply(self, mut client: Client) -> Result<Client, CliError> {
        if let Some(n) = self.name {
            client.client_name = n;
        }
        if let Some(d) = self.description {
            client.description = d;
        }
        if !self.scopes.is_empty() {
            client.scopes = scope_names(&self.scopes);
        }
        for s in scope_names(&self.add_scopes) {
            if !client.scopes.contains(&s) {
                client.scopes.push(s);
            }
        }
        for s in &self.remove_scopes {
            if !client.scopes.iter().any(|c| c == s.as_str()) {
                return Err(CliError::Usage(format!(
                    "--remove-scope: client {} does not have scope {s}",
                    self.id
                )));
            }
            client.scopes.retain(|c| c != s.as_str());
        }
        Ok(client)
    }
}

/// `clients show`: the client and its keys.
#[derive(Serialize)]
struct ClientWithKeys {
    client: Client,
    keys: Vec<Jwk>,
}

impl ClientsCommand {
    /// Checks that need no server, run before anything is sent.
    pub(super) fn validate(&self) -> Result<(), CliError> {
        match self {
            ClientsCommand::Create(a) => {
                non_empty("--name", &a.name)?;
                non_empty("--description", &a.description)?;
                a.kind
                    .client(&a.name, &a.description, scope_names(&a.scopes))
                    .map(drop)
            }
            ClientsCommand::Update(a) => a.validate(),
            ClientsCommand::Onbehalfof(c) => c.validate(),
            _ => Ok(()),
        }
    }

    pub(super) fn change(&self) -> Option<Change> {
        match self {
            ClientsCommand::List(_) | ClientsCommand::Show { .. } => None,
            ClientsCommand::Create(a) => Some(Change::new(match &a.customer {
                Some(c) => format!("create client '{}' for customer {c}", a.name),
                None => format!("create client '{}'", a.name),
            })),
            ClientsCommand::Update(a) => Some(Change::new(format!("update client {}", a.id))),
            ClientsCommand::Delete { id } => {
                Some(Change::destructive(format!("delete client {id}")))
            }
            ClientsCommand::Onbehalfof(c) => c.change(),
        }
    }

    pub(super) async fn run(
        self,
        engine: &Engine,
        names: &crate::names::Settings,
        out: &mut Output,
    ) -> Result<(), CliError> {
        let api = engine.api();
        match self {
            ClientsCommand::List(a) => list(engine, names, a, out).await?,
            ClientsCommand::Show { id } => {
                let client = api.client(&id).await?;
                let keys = api.jwks(&id).await?.keys;
                out.show(&ClientWithKeys { client, keys }, |c| {
                    format!(
                        "{}\nKeys ({}):\n{}",
                        fields(&c.client),
                        c.keys.len(),
                        super::keys::table(&c.keys, chrono::Utc::now())
                    )
                })?;
            }
            ClientsCommand::Create(a) => {
                let mut client = a
                    .kind
                    .client(&a.name, &a.description, scope_names(&a.scopes))?;
                client.client_orgno = a.customer.as_ref().map(ToString::to_string);
                let change = changes::Change::CreateClient {
                    client: Box::new(client),
                };
                let created: Client = engine.apply(&change).await?.after_as().unwrap_or_default();
                if let Some(c) = &a.customer {
                    out.say(&format!(
                        "for customer {}",
                        customer_label(api, names, c).await
                    ))?;
                }
                out.say(&format!(
                    "created client {} ({}); add a key with `mpadmin keys add {} --file PUBLIC_KEY`",
                    created.client_id, created.client_name, created.client_id
                ))?;
                out.show(&created, fields)?;
            }
            ClientsCommand::Update(a) => {
                let id = a.id.clone();
                let current = api.client(&id).await?;
                let change = changes::Change::UpdateClient {
                    id: id.clone(),
                    client: Box::new(a.apply(current.clone())?),
                };
                let applied = engine
                    .apply_from(&change, Before::Client(Box::new(current)))
                    .await?;
                out.say(&applied.summary)?;
                out.show(&applied.after_as::<Client>().unwrap_or_default(), fields)?;
            }
            ClientsCommand::Delete { id } => {
                engine
                    .apply(&changes::Change::DeleteClient { id: id.clone() })
                    .await?;
                out.say(&format!("deleted client {id}"))?;
                if out.json_mode() {
                    out.json(&serde_json::json!({ "deleted": id }))?;
                }
            }
            ClientsCommand::Onbehalfof(c) => c.run(engine, out).await?,
        }
        Ok(())
    }
}

/// "921456786 NAME" (the number alone when no name is known).
async fn customer_label(
    api: &crate::api::AdminApi,
    names: &crate::names::Settings,
    orgno: &OrgNumber,
) -> String {
    let found = crate::names::resolve(api, names, [orgno.clone()]).await;
    match crate::names::known(&found, orgno.as_str()) {
        Some(name) => format!("{orgno} {name}"),
        None => orgno.to_string(),
    }
}

/// `clients list`: by name; for a supplier, by customer (with its name) and then name.
async fn list(
    engine: &Engine,
    names: &crate::names::Settings,
    args: ListArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let api = engine.api();
    let mut clients = api.clients().await?;
    if let Some(c) = &args.customer {
        clients.retain(|x| x.client_orgno.as_deref() == Some(c.as_str()));
        out.say(&format!(
            "clients of customer {} ({})",
            customer_label(api, names, c).await,
            clients.len()
        ))?;
    }
    let supplier = engine.supplier().await?.is_some();
    clients.sort_by(|a, b| {
        let key = |c: &Client| {
            (
                supplier.then(|| c.client_orgno.clone()),
                c.client_name.clone(),
                c.client_id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    if !supplier || out.json_mode() {
        return Ok(out.show(&clients, |c| table(c))?);
    }
    let orgnos = clients
        .iter()
        .filter_map(|c| c.client_orgno.as_deref()?.parse::<OrgNumber>().ok());
    let found = crate::names::resolve(api, names, orgnos).await;
    out.show(&clients, |c| customer_table(c, &found))?;
    Ok(())
}

/// A supplier's list: who each client is for and who supplied it.
fn customer_table(clients: &[Client], names: &crate::names::Names) -> String {
    let mut t = Table::new(&["CUSTOMER", "NAME", "CLIENT ID", "CLIENT", "SUPPLIER"]);
    for c in clients {
        let orgno = c.client_orgno.clone().unwrap_or_default();
        t.row(vec![
            orgno.clone(),
            crate::names::known(names, &orgno)
                .unwrap_or_default()
                .to_owned(),
            c.client_id.clone(),
            c.client_name.clone(),
            c.supplier_orgno.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}

fn table(clients: &[Client]) -> String {
    let mut t = Table::new(&["CLIENT ID", "NAME", "TYPE", "ACTIVE", "SCOPES"]);
    for c in clients {
        t.row(vec![
            c.client_id.clone(),
            c.client_name.clone(),
            c.integration_type
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            yes_no(c.active),
            c.scopes.join(", "),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn update_args(args: &[&str]) -> Result<UpdateArgs, clap::Error> {
        let argv = ["mpadmin", "clients", "update", "c1"]
            .iter()
            .chain(args)
            .copied();
        match Cli::try_parse_from(argv)?.command {
            Some(crate::cli::Command::Admin(crate::cli::AdminCommand::Clients(
                ClientsCommand::Update(a),
            ))) => Ok(a),
            other => panic!("{other:?}"),
        }
    }

    fn stored() -> Client {
        serde_json::from_str(
            r#"{"client_id":"c1","client_name":"old","description":"d","integration_type":"maskinporten",
                "scopes":["nav:a","nav:b"],"redirect_uris":[],"client_orgno":"991825827"}"#,
        )
        .unwrap()
    }

    #[test]
    fn update_keeps_what_was_not_given() {
        let c = update_args(&[
            "--name",
            "new",
            "--add-scope",
            "nav:c",
            "--add-scope",
            "nav:a",
            "--remove-scope",
            "nav:b",
        ])
        .unwrap()
        .apply(stored())
        .unwrap();
        assert_eq!(c.client_name, "new");
        assert_eq!(c.description, "d");
        assert_eq!(c.scopes, vec!["nav:a", "nav:c"]);
        assert!(c.extra.contains_key("redirect_uris"));
        assert_eq!(c.client_orgno.as_deref(), Some("991825827"));
    }

    #[test]
    fn update_scope_replaces_and_excludes_add_remove() {
        let c = update_args(&["--scope", "nav:x"])
            .unwrap()
            .apply(stored())
            .unwrap();
        assert_eq!(c.scopes, vec!["nav:x"]);
        assert!(update_args(&["--scope", "nav:x", "--add-scope", "nav:y"]).is_err());
    }

    #[test]
    fn update_refuses_nothing_and_unknown_removals() {
        assert_eq!(
            update_args(&[])
                .unwrap()
                .validate()
                .unwrap_err()
                .exit_code(),
            2
        );
        let err = update_args(&["--remove-scope", "nav:zz"])
            .unwrap()
            .apply(stored())
            .unwrap_err();
        assert!(err.to_string().contains("--remove-scope"), "{err}");
        let err = update_args(&["--name", ""])
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("--name"), "{err}");
    }

    #[test]
    fn client_table() {
        assert_eq!(
            table(&[stored()]),
            "CLIENT ID  NAME  TYPE          ACTIVE  SCOPES\n\
             c1         old   maskinporten  yes     nav:a, nav:b\n"
        );
    }
}
