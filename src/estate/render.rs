//! A plan for people (Terraform's symbols, each field `old -> new`, the summary line) and for
//! bots and `apply PLAN` (JSON: the changes with the state each starts from).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::plan::{FieldChange, Item, Plan};
use crate::changes::{Before, Change, NoInverse};

/// Server text in a terminal or a TOML comment: control characters become spaces.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_owned(),
        Value::String(s) => super::export::quote(&printable(s)),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `Plan: 1 to add, 2 to change, 0 to remove.`, or `No changes.` for an empty plan.
pub fn summary(counts: [usize; 3]) -> String {
    if counts == [0; 3] {
        return "No changes. The live estate matches the file.".to_owned();
    }
    let [add, change, remove] = counts;
    format!("Plan: {add} to add, {change} to change, {remove} to remove.")
}

/// The plan as people read it.
pub fn text(plan: &Plan) -> String {
    let (items, warnings) = (&plan.items, &plan.warnings);
    let mut out = String::new();
    for w in warnings {
        let _ = writeln!(out, "warning: {}", printable(w));
    }
    if !warnings.is_empty() {
        out.push('\n');
    }
    if !items.is_empty() {
        out.push_str(
            "mpadmin will make these changes (+ add, ~ change, - remove), in this order:\n\n",
        );
    }
    for item in items {
        let _ = writeln!(
            out,
            "  {} {}",
            item.symbol().as_str(),
            printable(&item.describe())
        );
        let create = matches!(
            item.change,
            Change::CreateScope { .. } | Change::CreateClient { .. }
        );
        for f in &item.fields {
            if create {
                let _ = writeln!(out, "      {}: {}", f.field, value(&f.new));
            } else {
                let _ = writeln!(
                    out,
                    "      {}: {} -> {}",
                    f.field,
                    value(&f.old),
                    value(&f.new)
                );
            }
        }
    }
    if !items.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary(plan.counts()));
    out
}

/// The version of the saved plan format.
pub const FORMAT: u32 = 1;

/// A plan as `plan --json` prints it and `plan --out` saves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    /// The format's version: a plan from another version of mpadmin is refused.
    pub mpadmin_plan: u32,
    /// When it was made (RFC 3339).
    pub created: String,
    /// The estate file it was made from.
    pub file: String,
    pub profile: String,
    /// The admin API it was read from: it applies there only.
    pub api_base: String,
    pub organization: Option<String>,
    pub environment: String,
    pub summary: Summary,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub changes: Vec<SavedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub remove: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedItem {
    /// `+`, `~` or `-`.
    pub symbol: String,
    pub describe: String,
    pub change: Change,
    /// The object as it was read (`null`: none).
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_client: Option<String>,
    pub first: bool,
}

/// Where and when a plan was made, for its JSON.
pub struct Made<'a> {
    pub file: &'a str,
    pub profile: &'a str,
    pub api_base: &'a str,
    pub organization: Option<&'a str>,
    pub environment: &'a str,
}

impl Saved {
    pub fn new(plan: &Plan, made: &Made<'_>) -> Saved {
        let [add, change, remove] = plan.counts();
        Saved {
            mpadmin_plan: FORMAT,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            file: made.file.to_owned(),
            profile: made.profile.to_owned(),
            api_base: made.api_base.to_owned(),
            organization: made.organization.map(str::to_owned),
            environment: made.environment.to_owned(),
            summary: Summary {
                add,
                change,
                remove,
            },
            warnings: plan.warnings.clone(),
            changes: plan
                .items
                .iter()
                .map(|i| SavedItem {
                    symbol: i.symbol().as_str().to_owned(),
                    describe: i.describe(),
                    change: i.change.clone(),
                    before: i.before.to_value(),
                    fields: i.fields.clone(),
                    new_client: i.new_client.clone(),
                    first: i.first,
                })
                .collect(),
        }
    }

    /// The plan back, each change with the state it starts from.
    pub fn plan(&self) -> Result<Plan, NoInverse> {
        let items = self
            .changes
            .iter()
            .map(|s| {
                Ok(Item {
                    before: Before::from_value(&s.change, s.before.as_ref())?,
                    change: s.change.clone(),
                    fields: s.fields.clone(),
                    new_client: s.new_client.clone(),
                    first: s.first,
                })
            })
            .collect::<Result<_, NoInverse>>()?;
        Ok(Plan {
            items,
            warnings: self.warnings.clone(),
        })
    }
}
