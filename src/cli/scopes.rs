//! `mpadmin scopes ...`: list, show, create, update, deactivate.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::commands::CliError;
use super::confirm::Change;
use super::output::{Output, Table, fields, short_time, truncate, yes_no};
use crate::api::models::{IntegrationType, Scope, ScopeAccess, Visibility};
use crate::api::types::ScopeName;
use crate::api::{AdminApi, PublicScopeQuery};
use crate::changes::{self, Before, Engine};

#[derive(Debug, Subcommand)]
pub enum ScopesCommand {
    /// List your organisation's scopes (or every public scope with --public).
    List(ListArgs),
    /// Show every field of a scope and its access grants.
    Show {
        /// Scope name, e.g. nav:pensjon/v3.
        #[arg(value_name = "NAME")]
        name: ScopeName,
    },
    /// Create a scope under a prefix your organisation owns.
    Create(CreateArgs),
    /// Change a scope: fields you do not give keep their value.
    Update(UpdateArgs),
    /// Deactivate a scope (Maskinporten keeps it and its grants, inactive).
    Delete {
        /// Scope name, e.g. nav:pensjon/v3.
        #[arg(value_name = "NAME")]
        name: ScopeName,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include deactivated scopes.
    #[arg(long)]
    inactive: bool,
    /// The public scopes of every organisation (/scopes/all) instead of your own.
    #[arg(long)]
    public: bool,
}

/// The writable fields besides name and description, shared by create and update.
#[derive(Debug, Args)]
pub struct ScopeFields {
    /// PUBLIC (listed for everyone), PRIVATE or INTERNAL.
    #[arg(long, value_name = "VISIBILITY", value_parser = parse_visibility)]
    visibility: Option<Visibility>,
    /// Client integration types that may use the scope (repeat, or separate with commas);
    /// `scopes create` uses maskinporten when none is given.
    #[arg(
        long = "allowed-integration-type",
        value_name = "TYPE",
        value_delimiter = ',',
        value_parser = parse_integration_type
    )]
    allowed_integration_types: Vec<IntegrationType>,
    /// Every organisation may use the scope without a grant (`=false` turns it off).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    accessible_for_all: Option<bool>,
    /// EU businesses with an eSeal may use the scope (`=false` turns it off).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    supports_european_businesses: Option<bool>,
    /// Longest lifetime in seconds of an access token with this scope.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    at_max_age: Option<u32>,
    /// Longer description shown to consumers ("" removes it).
    #[arg(long, value_name = "TEXT")]
    long_description: Option<String>,
    /// Delegation source for scopes consumers delegate to suppliers: its name (altinn) or
    /// issuer URL, see /delegationsources ("" removes it).
    #[arg(long, value_name = "NAME")]
    delegation_source: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A prefix your organisation owns, e.g. nav.
    #[arg(long)]
    prefix: String,
    /// The part after the colon: lower-case letters, digits and æøå, joined by / . or :
    #[arg(long)]
    subscope: String,
    /// What the scope gives access to.
    #[arg(long, value_name = "TEXT")]
    description: String,
    #[command(flatten)]
    fields: ScopeFields,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Scope name, e.g. nav:pensjon/v3.
    #[arg(value_name = "NAME")]
    name: ScopeName,
    /// What the scope gives access to.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Make a deactivated scope active again.
    #[arg(long)]
    reactivate: bool,
    #[command(flatten)]
    fields: ScopeFields,
}

fn parse_visibility(s: &str) -> Result<Visibility, String> {
    Visibility::KNOWN
        .iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s))
        .cloned()
        .ok_or_else(|| "write PUBLIC, PRIVATE or INTERNAL".to_owned())
}

fn parse_integration_type(s: &str) -> Result<IntegrationType, String> {
    IntegrationType::KNOWN
        .iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = IntegrationType::KNOWN.iter().map(|t| t.as_str()).collect();
            format!("write one of {}", known.join(", "))
        })
}

/// `""` means "remove the field".
fn optional_text(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl ScopeFields {
    /// Digdir stores a delegation source by issuer URL; people know it by name.
    async fn resolve_delegation_source(&mut self, api: &AdminApi) -> Result<(), CliError> {
        let Some(given) = self.delegation_source.as_mut() else {
            return Ok(());
        };
        if given.is_empty() || given.contains("://") {
            return Ok(());
        }
        let sources = api.delegation_sources().await?;
        match sources.iter().find(|d| d.name.eq_ignore_ascii_case(given)) {
            Some(d) => {
                *given = d.issuer.clone();
                Ok(())
            }
            None => {
                let known: Vec<&str> = sources.iter().map(|d| d.name.as_str()).collect();
                Err(CliError::Usage(format!(
                    "--delegation-source: no delegation source is named '{given}'; known: {}",
                    known.join(", ")
                )))
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.visibility.is_none()
            && self.allowed_integration_types.is_empty()
            && self.accessible_for_all.is_none()
            && self.at_max_age.is_none()
            && self.long_description.is_none()
            && self.delegation_source.is_none()
            && self.supports_european_businesses.is_none()
    }

    /// Set what was given; every other field, unknown ones included, stays as it was.
    fn apply(self, scope: &mut Scope) {
        if let Some(v) = self.visibility {
            scope.visibility = Some(v);
        }
        if !self.allowed_integration_types.is_empty() {
            scope.allowed_integration_types = self.allowed_integration_types;
        }
        if let Some(b) = self.accessible_for_all {
            scope.accessible_for_all = b;
        }
        if let Some(n) = self.at_max_age {
            scope.at_max_age = Some(n);
        }
        if let Some(on) = self.supports_european_businesses {
            scope.set_supports_european_businesses(on);
        }
        if let Some(t) = self.long_description {
            scope.long_description = optional_text(t);
        }
        if let Some(d) = self.delegation_source {
            scope.delegation_source = optional_text(d);
        }
    }
}

fn non_empty_description(d: &str) -> Result<(), CliError> {
    if d.trim().is_empty() {
        return Err(CliError::Usage(
            "--description must not be empty: say what the scope gives access to".into(),
        ));
    }
    Ok(())
}

impl UpdateArgs {
    fn validate(&self) -> Result<(), CliError> {
        if self.description.is_none() && !self.reactivate && self.fields.is_empty() {
            return Err(CliError::Usage(
                "nothing to change: give at least one field to set (see `mpadmin scopes update --help`)".into(),
            ));
        }
        self.description
            .as_deref()
            .map_or(Ok(()), non_empty_description)
    }

    /// The scope as it will be PUT back: what the server returned, changed where asked.
    fn apply(self, mut scope: Scope) -> Scope {
        if let Some(d) = self.description {
            scope.description = d;
        }
        if self.reactivate {
            scope.active = true;
        }
        self.fields.apply(&mut scope);
        scope
    }
}

impl CreateArgs {
    fn validate(&self) -> Result<(), CliError> {
        ScopeName::for_create(&self.prefix, &self.subscope)
            .map_err(|e| CliError::Usage(format!("--prefix/--subscope: {e}")))?;
        non_empty_description(&self.description)
    }

    fn into_scope(self) -> Scope {
        let mut scope = Scope {
            prefix: self.prefix,
            subscope: self.subscope,
            description: self.description,
            allowed_integration_types: vec![IntegrationType::Maskinporten],
            ..Scope::default()
        };
        self.fields.apply(&mut scope);
        scope
    }
}

/// `scopes show`: the scope and who has access to it.
#[derive(Serialize)]
struct ScopeWithGrants {
    scope: Scope,
    grants: Vec<ScopeAccess>,
}

impl ScopesCommand {
    /// Checks that need no server, run before anything is sent.
    pub(super) fn validate(&self) -> Result<(), CliError> {
        match self {
            ScopesCommand::Create(a) => a.validate(),
            ScopesCommand::Update(a) => a.validate(),
            _ => Ok(()),
        }
    }

    pub(super) fn change(&self) -> Option<Change> {
        match self {
            ScopesCommand::List(_) | ScopesCommand::Show { .. } => None,
            ScopesCommand::Create(a) => Some(Change::new(format!(
                "create scope {}:{}",
                a.prefix, a.subscope
            ))),
            ScopesCommand::Update(a) => Some(Change::new(format!("update scope {}", a.name))),
            ScopesCommand::Delete { name } => {
                Some(Change::destructive(format!("deactivate scope {name}")))
            }
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
            ScopesCommand::List(a) => {
                let mut scopes = if a.public {
                    api.public_scopes(&PublicScopeQuery {
                        include_inactive: a.inactive,
                        ..PublicScopeQuery::default()
                    })
                    .await?
                } else {
                    api.own_scopes(a.inactive).await?
                };
                scopes.sort_by(|x, y| x.name.cmp(&y.name));
                out.show(&scopes, |s| {
                    if a.public {
                        public_table(s)
                    } else {
                        own_table(s)
                    }
                })?;
            }
            ScopesCommand::Show { name } => {
                let scope = api.scope(&name).await?;
                let grants = api.scope_access(&name).await?;
                let known = super::access::named(engine, names, &grants, out).await;
                out.show(&ScopeWithGrants { scope, grants }, |s| {
                    format!(
                        "{}\nGrants ({}):\n{}",
                        scope_fields(&s.scope),
                        s.grants.len(),
                        super::access::table(&s.grants, &known)
                    )
                })?;
            }
            ScopesCommand::Create(mut a) => {
                a.fields.resolve_delegation_source(api).await?;
                let scope = Box::new(a.into_scope());
                let applied = engine
                    .apply(&changes::Change::CreateScope { scope })
                    .await?;
                out.say(&applied.summary)?;
                out.show(
                    &applied.after_as::<Scope>().unwrap_or_default(),
                    scope_fields,
                )?;
            }
            ScopesCommand::Update(mut a) => {
                a.fields.resolve_delegation_source(api).await?;
                let name = a.name.clone();
                let current = api.scope(&name).await?;
                let reactivate = a.reactivate && !current.active;
                let scope = Box::new(a.apply(current.clone()));
                let change = if reactivate {
                    changes::Change::ReactivateScope { name, scope }
                } else {
                    changes::Change::UpdateScope { name, scope }
                };
                let applied = engine
                    .apply_from(&change, Before::Scope(Box::new(current)))
                    .await?;
                out.say(&applied.summary)?;
                out.show(
                    &applied.after_as::<Scope>().unwrap_or_default(),
                    scope_fields,
                )?;
            }
            ScopesCommand::Delete { name } => {
                let change = changes::Change::DeactivateScope { name: name.clone() };
                let scope = engine.apply(&change).await?.after_as::<Scope>();
                out.say(&format!(
                    "deactivated scope {name}; its grants are kept (reactivate with `mpadmin scopes update {name} --reactivate`)"
                ))?;
                if out.json_mode() {
                    out.json(&scope)?;
                }
            }
        }
        Ok(())
    }
}

fn types(scope: &Scope) -> String {
    crate::wire::text::integration_types(&scope.allowed_integration_types, ", ")
}

/// Every field of a scope, the integration types in the words of the tables (an empty list
/// is left out of the JSON, but "any" is worth a line).
fn scope_fields(scope: &Scope) -> String {
    let mut value = serde_json::to_value(scope).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("allowed_integration_types".into(), types(scope).into());
        // Translated texts arrive as `description#en`: say it in words.
        map.retain(|k, _| !k.contains('#'));
        for (label, text) in scope.translations() {
            map.insert(label, text.into());
        }
    }
    fields(&value)
}

fn own_table(scopes: &[Scope]) -> String {
    let mut t = Table::new(&[
        "NAME",
        "VISIBILITY",
        "ACTIVE",
        "FOR ALL",
        "INTEGRATION TYPES",
        "UPDATED",
    ]);
    for s in scopes {
        t.row(vec![
            s.name.clone(),
            s.effective_visibility().to_string(),
            yes_no(s.active),
            yes_no(s.accessible_for_all),
            types(s),
            short_time(s.last_updated.as_deref()),
        ]);
    }
    t.render()
}

fn public_table(scopes: &[Scope]) -> String {
    let mut t = Table::new(&[
        "NAME",
        "OWNER",
        "FOR ALL",
        "INTEGRATION TYPES",
        "DESCRIPTION",
    ]);
    for s in scopes {
        t.row(vec![
            s.name.clone(),
            s.owner_orgno.clone().unwrap_or_default(),
            yes_no(s.accessible_for_all),
            types(s),
            truncate(&s.description, 60),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    #[test]
    fn no_integration_types_reads_any_as_in_the_ui() {
        let scope = Scope {
            name: "nav:a".into(),
            allowed_integration_types: Vec::new(),
            ..Scope::default()
        };
        let table = own_table(std::slice::from_ref(&scope));
        assert!(
            table
                .lines()
                .nth(1)
                .unwrap()
                .split_whitespace()
                .any(|w| w == "any"),
            "{table}"
        );
        let shown = scope_fields(&scope);
        assert!(
            shown
                .lines()
                .any(|l| l.starts_with("allowed_integration_types") && l.ends_with(" any")),
            "{shown}"
        );
        let two = Scope {
            allowed_integration_types: vec![IntegrationType::Maskinporten, IntegrationType::Krr],
            ..scope
        };
        assert!(public_table(&[two]).contains("maskinporten, krr"));
    }

    fn update_args(args: &[&str]) -> UpdateArgs {
        let argv = ["mpadmin", "scopes", "update", "nav:a"]
            .iter()
            .chain(args)
            .copied();
        match Cli::try_parse_from(argv).unwrap().command {
            Some(crate::cli::Command::Admin(crate::cli::AdminCommand::Scopes(
                ScopesCommand::Update(a),
            ))) => a,
            other => panic!("{other:?}"),
        }
    }

    fn stored() -> Scope {
        serde_json::from_str(
            r#"{"name":"nav:a","prefix":"nav","subscope":"a","description":"old","active":false,
                "visibility":"PRIVATE","allowed_integration_types":["maskinporten","krr"],
                "accessible_for_all":true,"at_max_age":300,"long_description":"long",
                "delegation_source":"altinn","owner_orgno":"991825827","description#en":"english"}"#,
        )
        .unwrap()
    }

    #[test]
    fn update_changes_only_what_was_given_and_keeps_unknown_fields() {
        let args = update_args(&["--description", "new", "--accessible-for-all=false"]);
        args.validate().unwrap();
        let updated = args.apply(stored());
        let mut want = stored();
        want.description = "new".into();
        want.accessible_for_all = false;
        assert_eq!(updated, want);
        assert_eq!(updated.extra["description#en"], "english");
    }

    #[test]
    fn update_sets_every_field() {
        let updated = update_args(&[
            "--visibility",
            "public",
            "--allowed-integration-type",
            "maskinporten,idporten",
            "--at-max-age",
            "120",
            "--long-description",
            "",
            "--delegation-source",
            "",
            "--reactivate",
        ])
        .apply(stored());
        assert_eq!(updated.visibility, Some(Visibility::Public));
        assert_eq!(
            updated.allowed_integration_types,
            vec![IntegrationType::Maskinporten, IntegrationType::Idporten]
        );
        assert_eq!(updated.at_max_age, Some(120));
        assert_eq!(updated.long_description, None);
        assert_eq!(updated.delegation_source, None);
        assert!(updated.active);
        assert!(updated.accessible_for_all, "not given, so kept");
    }

    #[test]
    fn update_with_nothing_to_change_is_a_usage_error() {
        let err = update_args(&[]).validate().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = update_args(&["--description", " "]).validate().unwrap_err();
        assert!(err.to_string().contains("--description"), "{err}");
    }

    #[test]
    fn create_validates_the_new_name_strictly() {
        let args = |prefix: &str, subscope: &str| CreateArgs {
            prefix: prefix.into(),
            subscope: subscope.into(),
            description: "d".into(),
            fields: ScopeFields {
                visibility: None,
                allowed_integration_types: Vec::new(),
                accessible_for_all: Some(true),
                at_max_age: None,
                long_description: None,
                delegation_source: None,
                supports_european_businesses: None,
            },
        };
        let ok = args("nav", "pensjon/v3.read");
        ok.validate().unwrap();
        let scope = ok.into_scope();
        assert_eq!(
            scope.allowed_integration_types,
            vec![IntegrationType::Maskinporten]
        );
        assert!(scope.accessible_for_all);
        assert!(scope.name.is_empty(), "the server names it");
        let err = args("nav", "mva-melding").validate().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().starts_with("--prefix/--subscope: subscope"),
            "{err}"
        );
        let err = args("Nav", "a").validate().unwrap_err();
        assert!(err.to_string().contains("prefix 'Nav'"), "{err}");
    }

    #[test]
    fn own_table_shows_defaults_and_types() {
        let mut s = stored();
        s.visibility = None;
        s.last_updated = Some("2025-07-02T10:30:00.000+02:00".into());
        let t = own_table(&[s]);
        assert_eq!(
            t,
            "NAME   VISIBILITY  ACTIVE  FOR ALL  INTEGRATION TYPES  UPDATED\n\
             nav:a  PUBLIC      no      yes      maskinporten, krr  2025-07-02 10:30\n"
        );
    }
}
