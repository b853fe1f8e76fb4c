//! The planner: an estate file and the live state in, the ordered changes that make the live
//! state what the file says out, each with the state it starts from. Only what the file
//! writes is compared; removals happen only where the file prunes and claims.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::file::{ClientEntry, Estate, Field, KeyEntry, Spec, client_spec, scope_spec};
use super::live::Live;
use crate::changes::{Before, Change, Touched};
use crate::keys;
use crate::wire::models::{AccessState, Client, Jwk, Scope, ScopeAccess};
use crate::wire::types::{ClientId, Kid, ScopeName};

/// One field a change sets: `old -> new` in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A planned change and what it starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub change: Change,
    pub before: Before,
    /// The fields it sets (creations: every field written; updates: those that differ).
    pub fields: Vec<FieldChange>,
    /// A key of a client this plan creates: the entry's name. Its id is known once created.
    pub new_client: Option<String>,
    /// The plan's first change to its object, so `before` is the live state; later changes
    /// to the same object start from what the earlier ones leave.
    pub first: bool,
}

/// `+`, `~` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    Add,
    Change,
    Remove,
}

impl Symbol {
    pub fn as_str(self) -> &'static str {
        match self {
            Symbol::Add => "+",
            Symbol::Change => "~",
            Symbol::Remove => "-",
        }
    }
}

impl Item {
    pub fn symbol(&self) -> Symbol {
        match (&self.change, self.change.symbol()) {
            // New material under the same kid: the key is replaced, not added.
            (Change::AddKey { jwk, replaces, .. }, _) if replaces.as_slice() == [kid_of(jwk)] => {
                Symbol::Change
            }
            (_, '+') => Symbol::Add,
            (_, '~') => Symbol::Change,
            _ => Symbol::Remove,
        }
    }

    /// To add, to change, to remove: a key added in place of others also removes those.
    pub fn counts(&self) -> [usize; 3] {
        match (&self.change, self.symbol()) {
            (Change::AddKey { replaces, .. }, Symbol::Add) => [1, 0, replaces.len()],
            (_, Symbol::Add) => [1, 0, 0],
            (_, Symbol::Change) => [0, 1, 0],
            (_, Symbol::Remove) => [0, 0, 1],
        }
    }

    /// The line the plan shows: the change's own description, but a key of a client still
    /// to be created is named by the client's name.
    pub fn describe(&self) -> String {
        match (&self.change, &self.new_client) {
            (Change::AddKey { jwk, .. }, Some(name)) => {
                format!("add key {} to the new client '{name}'", kid_of(jwk))
            }
            (Change::AddKey { client, jwk, .. }, None) if self.symbol() == Symbol::Change => {
                format!(
                    "replace key {} of client {client} (new key material)",
                    kid_of(jwk)
                )
            }
            (change, _) => change.describe(),
        }
    }
}

fn kid_of(jwk: &Jwk) -> String {
    jwk.kid.clone().unwrap_or_default()
}

/// Where a change goes in the plan: scopes made and changed, grants, clients, keys added,
/// then what takes away: keys removed, revocations, deactivations, deletions last, so
/// nothing is removed while what replaces it is still missing.
pub fn phase(change: &Change) -> u8 {
    match change {
        Change::CreateScope { .. }
        | Change::UpdateScope { .. }
        | Change::ReactivateScope { .. } => 0,
        Change::Grant { .. } | Change::Approve { .. } => 1,
        Change::CreateClient { .. }
        | Change::UpdateClient { .. }
        | Change::AddOnBehalfOf { .. }
        | Change::UpdateOnBehalfOf { .. } => 2,
        Change::AddKey { .. } => 3,
        Change::RemoveKey { .. } | Change::RemoveOnBehalfOf { .. } => 4,
        Change::Revoke { .. } | Change::Deny { .. } => 5,
        Change::DeactivateScope { .. } => 6,
        Change::DeleteClient { .. } => 7,
    }
}

/// What one object a change acts on is, so the first change to each can be found.
fn object(change: &Change) -> String {
    match change.touches() {
        Touched::Scopes => format!("scope {}", change.target()),
        Touched::Grants(_) => format!("grant {}", change.target()),
        Touched::Clients => format!("client {}", change.target()),
        Touched::Keys(id) => format!("keys {id}"),
    }
}

/// The ordered changes, and what the person should know beside them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub items: Vec<Item>,
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn counts(&self) -> [usize; 3] {
        self.items.iter().fold([0; 3], |mut acc, i| {
            for (a, c) in acc.iter_mut().zip(i.counts()) {
                *a += c;
            }
            acc
        })
    }

    /// Put the items in phase order (stable: within a phase, file order) and mark the first
    /// change of each object.
    fn order(&mut self) {
        self.items.sort_by_key(|i| phase(&i.change));
        let mut seen = HashSet::new();
        for i in &mut self.items {
            let key = match &i.new_client {
                Some(name) => format!("new client {name}"),
                None => object(&i.change),
            };
            i.first = seen.insert(key);
        }
    }
}

/// Why a file cannot be planned: what, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct PlanError {
    pub line: Option<usize>,
    pub message: String,
}

fn error(line: usize, message: String) -> PlanError {
    PlanError {
        line: Some(line),
        message,
    }
}

/// A key id for a client not created yet; `Item::new_client` names it, and apply puts the
/// real id in before sending.
pub const PENDING_CLIENT: &str = "new-client";

/// The changes that make `live` what `estate` says. `own_client` is the client this
/// profile signs in with: it is never deleted.
pub fn plan(estate: &Estate, live: &Live, own_client: &str) -> Result<Plan, Vec<PlanError>> {
    let mut p = Planner {
        estate,
        live,
        plan: Plan::default(),
        errors: Vec::new(),
    };
    p.scopes();
    p.clients(own_client);
    if !p.errors.is_empty() {
        p.errors.sort_by_key(|e| e.line);
        return Err(p.errors);
    }
    p.plan.order();
    Ok(p.plan)
}

struct Planner<'a> {
    estate: &'a Estate,
    live: &'a Live,
    plan: Plan,
    errors: Vec<PlanError>,
}

/// Whether two values of a field are the same setting: lists as sets, null as empty.
fn same(spec: &Spec, a: &Value, b: &Value) -> bool {
    fn norm(v: &Value, set: bool) -> Value {
        match v {
            Value::String(s) if s.is_empty() => Value::Null,
            Value::Array(items) if set => {
                let mut items = items.clone();
                items.sort_by_key(|v| v.to_string());
                items.dedup();
                if items.is_empty() {
                    Value::Null
                } else {
                    Value::Array(items)
                }
            }
            other => other.clone(),
        }
    }
    norm(a, spec.kind.is_set()) == norm(b, spec.kind.is_set())
}

/// `object` with the written `fields` set (all but `skip`); the fields that changed.
fn merge<T: Serialize + DeserializeOwned>(
    object: &T,
    fields: &[Field],
    spec: fn(&str) -> Option<&'static Spec>,
    skip: &[&str],
) -> Result<(T, Vec<FieldChange>), String> {
    let mut map = match serde_json::to_value(object) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut changed = Vec::new();
    for f in fields.iter().filter(|f| !skip.contains(&f.name)) {
        let Some(spec) = spec(f.name).filter(|s| !s.immutable) else {
            continue;
        };
        let old = map.get(f.name).cloned().unwrap_or(Value::Null);
        if same(spec, &old, &f.value) {
            continue;
        }
        changed.push(FieldChange {
            field: f.name.to_owned(),
            old,
            new: f.value.clone(),
        });
        if f.value.is_null() {
            map.remove(f.name);
        } else {
            map.insert(f.name.to_owned(), f.value.clone());
        }
    }
    let merged = serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())?;
    Ok((merged, changed))
}

fn same_key(file: &Jwk, live: &Jwk) -> bool {
    let written = |f: &Option<String>, l: &Option<String>| f.is_none() || f == l;
    file.kty == live.kty
        && file.n == live.n
        && file.e == live.e
        && written(&file.alg, &live.alg)
        && written(&file.use_, &live.use_)
}

impl Planner<'_> {
    fn push(&mut self, change: Change, before: Before, fields: Vec<FieldChange>) {
        self.plan.items.push(Item {
            change,
            before,
            fields,
            new_client: None,
            first: false,
        });
    }

    fn scopes(&mut self) {
        let estate = self.estate;
        let listed: HashSet<&str> = estate.scope.iter().map(|e| e.name.as_str()).collect();
        for entry in &estate.scope {
            let live = self.live.scope(entry.name.as_str());
            let what = format!("scope {}", entry.name);
            // Immutable fields are compared with the name the entry is keyed by, which is
            // also the live scope's.
            for f in entry
                .fields
                .iter()
                .filter(|f| scope_spec(f.name).is_some_and(|s| s.immutable))
            {
                let now = if f.name == "prefix" {
                    entry.name.prefix()
                } else {
                    entry.name.subscope()
                };
                if f.value.as_str() != Some(now) {
                    self.errors.push(error(
                        f.line,
                        format!(
                            "{what}: {} cannot be changed (it is '{now}', the file says {}): a scope with another name is a new scope; add it as its own [scope.\"...\"] entry and set active = false on this one",
                            f.name, f.value
                        ),
                    ));
                }
            }
            let active = entry.field("active").and_then(|f| f.value.as_bool());
            match live {
                Some(scope) => self.scope_update(entry, scope, active, &what),
                None => self.scope_create(entry, active, &what),
            }
            self.grants(entry, live.is_some(), &what);
        }
        if estate.scopes.on {
            for s in self.live.scopes.iter().filter(|s| {
                s.active
                    && !listed.contains(s.name.as_str())
                    && estate.scopes.claims.contains(&s.prefix)
            }) {
                match s.name.parse::<ScopeName>() {
                    Ok(name) => self.push(
                        Change::DeactivateScope { name },
                        Before::Scope(Box::new(s.clone())),
                        Vec::new(),
                    ),
                    Err(e) => self.plan.warnings.push(format!(
                        "scope '{}' is not pruned: its name cannot be sent ({e})",
                        s.name
                    )),
                }
            }
        }
    }

    fn scope_update(
        &mut self,
        entry: &super::file::ScopeEntry,
        scope: &Scope,
        active: Option<bool>,
        what: &str,
    ) {
        let (merged, mut fields) = match merge(scope, &entry.fields, scope_spec, &["active"]) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(error(entry.line, format!("{what}: {e}")));
                return;
            }
        };
        let name = entry.name.clone();
        let before = Before::Scope(Box::new(scope.clone()));
        match (scope.active, active) {
            (false, Some(true)) => {
                fields.push(FieldChange {
                    field: "active".into(),
                    old: Value::Bool(false),
                    new: Value::Bool(true),
                });
                self.push(
                    Change::ReactivateScope {
                        name,
                        scope: Box::new(merged),
                    },
                    before,
                    fields,
                );
            }
            (true, Some(false)) => {
                if entry.protect {
                    self.errors.push(error(
                        entry.field("active").map_or(entry.line, |f| f.line),
                        format!("{what} is protected (protect = true): no plan deactivates it; remove protect = true first if it must go"),
                    ));
                    return;
                }
                let mut deactivate_from = before;
                if !fields.is_empty() {
                    let updated = Before::Scope(Box::new(merged.clone()));
                    self.push(
                        Change::UpdateScope {
                            name: name.clone(),
                            scope: Box::new(merged),
                        },
                        deactivate_from,
                        fields,
                    );
                    deactivate_from = updated;
                }
                self.push(
                    Change::DeactivateScope { name },
                    deactivate_from,
                    Vec::new(),
                );
            }
            _ if !fields.is_empty() => self.push(
                Change::UpdateScope {
                    name,
                    scope: Box::new(merged),
                },
                before,
                fields,
            ),
            _ => {}
        }
    }

    fn scope_create(&mut self, entry: &super::file::ScopeEntry, active: Option<bool>, what: &str) {
        if active == Some(false) {
            self.errors.push(error(
                entry.line,
                format!("{what} does not exist, and the file says active = false: remove the entry, or set active = true to create it"),
            ));
            return;
        }
        if entry.field("description").is_none() {
            self.errors.push(error(
                entry.line,
                format!("{what} does not exist yet: write its description to create it"),
            ));
            return;
        }
        if let Err(e) = ScopeName::for_create(entry.name.prefix(), entry.name.subscope()) {
            self.errors.push(error(
                entry.line,
                format!("{what} does not exist yet and cannot be created with this name: {e}; new scopes use lower-case letters, digits and æøå, parts joined by /, . or :"),
            ));
            return;
        }
        let blank = Scope {
            prefix: entry.name.prefix().to_owned(),
            subscope: entry.name.subscope().to_owned(),
            active: true,
            ..Scope::default()
        };
        match merge(&blank, &entry.fields, scope_spec, &["active"]) {
            Ok((scope, fields)) => self.push(
                Change::CreateScope {
                    scope: Box::new(scope),
                },
                Before::Nothing,
                fields,
            ),
            Err(e) => self.errors.push(error(entry.line, format!("{what}: {e}"))),
        }
    }

    fn grants(&mut self, entry: &super::file::ScopeEntry, exists: bool, what: &str) {
        if entry.approved.is_none() && entry.denied.is_none() {
            return;
        }
        let rows: &[ScopeAccess] = if exists {
            self.live
                .grants
                .get(entry.name.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default()
        } else {
            &[]
        };
        let row = |orgno: &str| rows.iter().find(|r| r.consumer_orgno == orgno);
        let before = |r: Option<&ScopeAccess>| Before::Access(r.cloned().map(Box::new));
        let approved = entry.approved.as_deref().unwrap_or_default();
        let denied = entry.denied.as_deref().unwrap_or_default();
        for c in approved {
            let r = row(c.orgno.as_str());
            if r.is_none_or(|r| r.state != AccessState::Approved) {
                self.push(
                    Change::Grant {
                        scope: entry.name.clone(),
                        consumer: c.orgno.clone(),
                    },
                    before(r),
                    Vec::new(),
                );
            }
        }
        let mut revoke = Vec::new();
        for c in denied {
            if let Some(r) = row(c.orgno.as_str())
                && matches!(r.state, AccessState::Approved | AccessState::Requested)
            {
                revoke.push((c.orgno.clone(), c.line, c.protect, r));
            }
        }
        if self.estate.grants.on && entry.approved.is_some() {
            for r in rows.iter().filter(|r| {
                r.state == AccessState::Approved
                    && !approved
                        .iter()
                        .any(|c| c.orgno.as_str() == r.consumer_orgno)
                    && !denied.iter().any(|c| c.orgno.as_str() == r.consumer_orgno)
            }) {
                match r.consumer_orgno.parse() {
                    Ok(orgno) => revoke.push((orgno, self.estate.grants.line, false, r)),
                    Err(e) => self.plan.warnings.push(format!(
                        "{what}: the grant of '{}' is not pruned: its organisation number cannot be sent ({e})",
                        r.consumer_orgno
                    )),
                }
            }
        }
        for (consumer, line, protected, r) in revoke {
            if entry.protect || protected {
                let whose = if entry.protect {
                    what.to_owned()
                } else {
                    format!("the grant of {consumer} on {}", entry.name)
                };
                self.errors.push(error(
                    line,
                    format!("{whose} is protected (protect = true): no plan revokes access to it, but this file would revoke {consumer}; list {consumer} under approved, or remove protect = true first"),
                ));
                continue;
            }
            self.push(
                Change::Revoke {
                    scope: entry.name.clone(),
                    consumer,
                },
                before(Some(r)),
                Vec::new(),
            );
        }
    }

    fn clients(&mut self, own_client: &str) {
        let live = &self.live.clients;
        let mut matched: HashMap<&str, usize> = HashMap::new();
        for entry in &self.estate.client {
            let found = match match_client(entry, live) {
                Ok(found) => found,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            if let Some(c) = found {
                if let Some(line) = matched.insert(c.client_id.as_str(), entry.line) {
                    self.errors.push(error(
                        entry.line,
                        format!(
                            "client {} is also the entry on line {line}: one client, one entry",
                            c.client_id
                        ),
                    ));
                    continue;
                }
                self.client_update(entry, c);
            } else {
                self.client_create(entry);
            }
        }
        let prune = &self.estate.clients;
        if !prune.on {
            return;
        }
        for c in live.iter().filter(|c| {
            !matched.contains_key(c.client_id.as_str()) && prune.claims_name(&c.client_name)
        }) {
            if c.client_id == own_client {
                self.plan.warnings.push(format!(
                    "client '{}' ({}) is not deleted: this profile signs in with it",
                    c.client_name, c.client_id
                ));
                continue;
            }
            match c.client_id.parse::<ClientId>() {
                Ok(id) => self.push(
                    Change::DeleteClient { id },
                    Before::Client(Box::new(c.clone())),
                    Vec::new(),
                ),
                Err(e) => self.plan.warnings.push(format!(
                    "client '{}' is not pruned: its id cannot be sent ({e})",
                    c.client_name
                )),
            }
        }
    }

    fn client_update(&mut self, entry: &ClientEntry, c: &Client) {
        let what = format!("client '{}' ({})", c.client_name, c.client_id);
        if let Some(f) = entry.field("integration_type")
            && c.integration_type.as_ref().map(|t| t.as_str()) != f.value.as_str()
        {
            let now = c.integration_type.as_ref().map_or("none", |t| t.as_str());
            self.errors.push(error(
                f.line,
                format!("{what}: integration_type cannot be changed (it is {now}, the file says {}): register a new client for the other integration type", f.value),
            ));
            return;
        }
        let id = match c.client_id.parse::<ClientId>() {
            Ok(id) => id,
            Err(e) => {
                self.errors.push(error(
                    entry.line,
                    format!("{what}: its id cannot be sent ({e})"),
                ));
                return;
            }
        };
        match merge(c, &entry.fields, client_spec, &[]) {
            Ok((merged, fields)) if !fields.is_empty() => self.push(
                Change::UpdateClient {
                    id: id.clone(),
                    client: Box::new(merged),
                },
                Before::Client(Box::new(c.clone())),
                fields,
            ),
            Ok(_) => {}
            Err(e) => self.errors.push(error(entry.line, format!("{what}: {e}"))),
        }
        if let Some(want) = &entry.keys {
            let live_keys = self
                .live
                .keys
                .get(&c.client_id)
                .cloned()
                .unwrap_or_default();
            self.keys(entry, &id, &live_keys, want, None);
        }
    }

    fn client_create(&mut self, entry: &ClientEntry) {
        let what = format!("client '{}'", entry.key);
        if let Some(id) = &entry.client_id {
            self.errors.push(error(
                entry.line,
                format!("{what}: there is no client {id} in the organisation: remove client_id to create a new client (Digdir gives it a new id)"),
            ));
            return;
        }
        let Some(description) = entry.field("description").and_then(|f| f.value.as_str()) else {
            self.errors.push(error(
                entry.line,
                format!(
                    "{what} does not exist yet: write its description (and scopes) to create it"
                ),
            ));
            return;
        };
        let blank = Client::new_maskinporten(entry.name(), description, Vec::new());
        match merge(&blank, &entry.fields, client_spec, &[]) {
            Ok((client, _)) => {
                let object = serde_json::to_value(&client).unwrap_or(Value::Null);
                let fields = entry
                    .fields
                    .iter()
                    .map(|f| FieldChange {
                        field: f.name.to_owned(),
                        old: Value::Null,
                        new: object.get(f.name).cloned().unwrap_or(Value::Null),
                    })
                    .collect();
                self.plan.items.push(Item {
                    change: Change::CreateClient {
                        client: Box::new(client),
                    },
                    before: Before::Nothing,
                    fields,
                    // Its keys are sent to the id it gets.
                    new_client: Some(entry.key.clone()),
                    first: false,
                });
            }
            Err(e) => {
                self.errors.push(error(entry.line, format!("{what}: {e}")));
                return;
            }
        }
        if let Some(want) = &entry.keys {
            match PENDING_CLIENT.parse::<ClientId>() {
                Ok(pending) => self.keys(entry, &pending, &[], want, Some(entry.key.clone())),
                Err(e) => self.errors.push(error(entry.line, e.0)),
            }
        }
    }

    /// The key changes of one client, each starting from the set the one before leaves.
    fn keys(
        &mut self,
        entry: &ClientEntry,
        id: &ClientId,
        live: &[Jwk],
        want: &[KeyEntry],
        new_client: Option<String>,
    ) {
        let what = format!("client '{}'", entry.key);
        let mut adds: Vec<(Jwk, Vec<String>, usize)> = Vec::new();
        for k in want {
            let kid = kid_of(&k.jwk);
            match live.iter().find(|l| l.kid.as_deref() == Some(kid.as_str())) {
                None => adds.push((k.jwk.clone(), Vec::new(), k.line)),
                Some(l) if !same_key(&k.jwk, l) => adds.push((k.jwk.clone(), vec![kid], k.line)),
                Some(_) => {}
            }
        }
        let mut removals: Vec<Kid> = Vec::new();
        if self.estate.keys.on {
            for l in live {
                let kid = l.kid.as_deref().unwrap_or_default();
                if want.iter().any(|k| k.jwk.kid.as_deref() == Some(kid)) {
                    continue;
                }
                if entry.protect {
                    self.errors.push(error(
                        self.estate.keys.line,
                        format!("{what} is protected (protect = true): no plan removes its keys, but this file would remove key {kid}; list it under the client's keys, or remove protect = true first"),
                    ));
                    continue;
                }
                match kid.parse::<Kid>() {
                    Ok(kid) => removals.push(kid),
                    Err(e) => self.plan.warnings.push(format!(
                        "{what}: a key is not pruned: its kid cannot be sent ({e})"
                    )),
                }
            }
        }
        // Digdir keeps five keys: a new key beyond that takes the place of one going anyway.
        let mut count = live.len();
        for (_, replaces, line) in adds.iter_mut().filter(|(_, r, _)| r.is_empty()) {
            if count < keys::MAX_KEYS_PER_CLIENT {
                count += 1;
            } else if let Some(kid) = removals.pop() {
                replaces.push(kid.to_string());
            } else {
                self.errors.push(error(
                    *line,
                    format!("{what} would have more than {} keys, the most Digdir keeps: remove one from the file, or set prune = true under [keys] so that keys the file does not list make room", keys::MAX_KEYS_PER_CLIENT),
                ));
                return;
            }
        }
        let mut set = live.to_vec();
        let now = chrono::Utc::now();
        for (jwk, replaces, line) in adds {
            let before = Before::Keys(set.clone());
            // Refused here with the file's line rather than by the engine halfway through.
            let kept: Vec<Jwk> = set
                .iter()
                .filter(|k| !replaces.iter().any(|r| k.kid.as_ref() == Some(r)))
                .cloned()
                .collect();
            let refused: Vec<String> = keys::refusals(&keys::lint(&jwk.clone().into(), &kept, now))
                .map(ToString::to_string)
                .collect();
            if !refused.is_empty() {
                let kid = kid_of(&jwk);
                self.errors.push(error(
                    line,
                    format!("{what}, key {kid}: {}", refused.join("; ")),
                ));
                return;
            }
            match keys::with_defaults(jwk.clone()).and_then(|j| keys::with_key(&set, j, &replaces))
            {
                Ok(next) => set = next,
                Err(e) => {
                    self.errors.push(error(line, format!("{what}: {e}")));
                    return;
                }
            }
            self.plan.items.push(Item {
                change: Change::AddKey {
                    client: id.clone(),
                    jwk: Box::new(jwk),
                    replaces,
                },
                before,
                fields: Vec::new(),
                new_client: new_client.clone(),
                first: false,
            });
        }
        for kid in removals {
            let before = Before::Keys(set.clone());
            match keys::without_key(&set, kid.as_str()) {
                Ok(next) => set = next,
                Err(e) => {
                    self.errors.push(error(entry.line, format!("{what}: {e}")));
                    return;
                }
            }
            self.push(
                Change::RemoveKey {
                    client: id.clone(),
                    kid,
                },
                before,
                Vec::new(),
            );
        }
    }
}

/// The live client an entry is: by `client_id`, else the key as an id, else the key as a
/// name, else `client_name` (a client renamed by an earlier apply); `None` when there is
/// none yet.
pub fn match_client<'c>(
    entry: &ClientEntry,
    live: &'c [Client],
) -> Result<Option<&'c Client>, PlanError> {
    if let Some(id) = &entry.client_id {
        return Ok(live.iter().find(|c| c.client_id == id.as_str()));
    }
    if let Some(c) = live.iter().find(|c| c.client_id == entry.key) {
        return Ok(Some(c));
    }
    for name in [entry.key.as_str(), entry.name()] {
        let named: Vec<&Client> = live.iter().filter(|c| c.client_name == name).collect();
        match named.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one)),
            many => {
                return Err(error(
                    entry.line,
                    format!(
                        "{} clients are named '{name}' ({}): key this entry by the client_id of the one it means",
                        many.len(),
                        many.iter()
                            .map(|c| c.client_id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estate::parse::parse;
    use crate::wire::models::Visibility;

    fn live_scope(name: &str) -> Scope {
        let (prefix, subscope) = name.split_once(':').unwrap();
        Scope {
            name: name.into(),
            prefix: prefix.into(),
            subscope: subscope.into(),
            description: "d".into(),
            active: true,
            visibility: Some(Visibility::Public),
            last_updated: Some("t0".into()),
            ..Scope::default()
        }
    }

    fn row(scope: &str, orgno: &str, state: AccessState) -> ScopeAccess {
        ScopeAccess {
            scope: scope.into(),
            consumer_orgno: orgno.into(),
            state,
            ..ScopeAccess::default()
        }
    }

    fn client(id: &str, name: &str) -> Client {
        let mut c = Client::new_maskinporten(name, "d", vec!["difitest:a".into()]);
        c.client_id = id.into();
        c
    }

    fn live() -> Live {
        let mut live = Live {
            scopes: vec![
                live_scope("difitest:a"),
                live_scope("difitest:b"),
                live_scope("demo:c"),
            ],
            clients: vec![client("id-1", "one"), client("id-2", "two")],
            ..Live::default()
        };
        live.grants.insert(
            "difitest:a".into(),
            vec![
                row("difitest:a", "889640782", AccessState::Approved),
                row("difitest:a", "974761076", AccessState::Approved),
            ],
        );
        live
    }

    fn planned(text: &str) -> Result<Plan, Vec<PlanError>> {
        plan(&parse("f", text).unwrap(), &live(), "admin")
    }

    fn describe(p: &Plan) -> Vec<String> {
        p.items
            .iter()
            .map(|i| format!("{} {}", i.symbol().as_str(), i.describe()))
            .collect()
    }

    #[test]
    fn only_written_fields_are_compared() {
        let p = planned("[scope.\"difitest:a\"]\ndescription = \"d\"\n").unwrap();
        assert!(p.items.is_empty(), "{:?}", describe(&p));
        let p = planned("[scope.\"difitest:a\"]\nat_max_age = 300\n").unwrap();
        assert_eq!(describe(&p), ["~ update scope difitest:a"]);
        assert_eq!(
            p.items[0].fields,
            [FieldChange {
                field: "at_max_age".into(),
                old: Value::Null,
                new: Value::from(300)
            }]
        );
        let Change::UpdateScope { scope, .. } = &p.items[0].change else {
            panic!()
        };
        assert_eq!(scope.description, "d", "the rest is kept");
        assert_eq!(scope.at_max_age, Some(300));
        assert!(p.items[0].first);
    }

    #[test]
    fn changes_come_in_safe_order() {
        let p = planned(
            r#"
[scopes]
prune = true
prefixes = ["difitest"]
[grants]
prune = true
[scope."difitest:a"]
approved = ["889640782", "991825827"]
[scope."difitest:new"]
description = "new"
[client."one"]
description = "changed"
[client."three"]
description = "new client"
[[client."three".keys]]
kid = "k1"
kty = "RSA"
n = "AQAB"
e = "AQAB"
"#,
        );
        // The key is not a real RSA key: the planner refuses it as the engine would.
        let errors = p.unwrap_err();
        assert!(errors[0].message.contains("client 'three'"), "{errors:?}");

        let p = planned(
            r#"
[scopes]
prune = true
prefixes = ["difitest"]
[grants]
prune = true
[scope."difitest:a"]
approved = ["889640782", "991825827"]
[scope."difitest:new"]
description = "new"
[client."one"]
description = "changed"
[client."three"]
description = "new client"
"#,
        )
        .unwrap();
        assert_eq!(
            describe(&p),
            [
                "+ create scope difitest:new",
                "+ grant 991825827 access to difitest:a",
                "~ update client id-1",
                "+ create client 'three'",
                "- revoke access to difitest:a for 974761076",
                "- deactivate scope difitest:b",
            ]
        );
        assert_eq!(p.counts(), [3, 1, 2]);
        let phases: Vec<u8> = p.items.iter().map(|i| phase(&i.change)).collect();
        assert!(phases.windows(2).all(|w| w[0] <= w[1]), "{phases:?}");
    }

    #[test]
    fn prune_is_off_unless_asked_and_stays_within_claims() {
        let p = planned("[scope.\"difitest:a\"]\napproved = [\"889640782\"]\n").unwrap();
        assert!(p.items.is_empty(), "no prune: {:?}", describe(&p));
        let p = planned("[scopes]\nprune = true\nprefixes = [\"demo\"]\n").unwrap();
        assert_eq!(describe(&p), ["- deactivate scope demo:c"]);
        let p = planned("[clients]\nprune = true\nnames = [\"t*\", \"admin-name\"]\n").unwrap();
        assert_eq!(describe(&p), ["- delete client id-2"]);
    }

    #[test]
    fn protect_blocks_removals() {
        let e = planned("[scope.\"difitest:a\"]\nprotect = true\nactive = false\n").unwrap_err();
        assert!(e[0].message.contains("protected"), "{e:?}");
        assert_eq!(e[0].line, Some(3));
        let e = planned(
            "[grants]\nprune = true\n[scope.\"difitest:a\"]\nprotect = true\napproved = [\"889640782\"]\n",
        )
        .unwrap_err();
        assert!(e[0].message.contains("would revoke 974761076"), "{e:?}");
        let e = planned(
            "[scope.\"difitest:a\"]\ndenied = [{ orgno = \"889640782\", protect = true }]\n",
        )
        .unwrap_err();
        assert!(e[0].message.contains("the grant of 889640782"), "{e:?}");
    }

    #[test]
    fn immutable_fields_are_errors_not_replacements() {
        let e = planned("[scope.\"difitest:a\"]\nsubscope = \"other\"\n").unwrap_err();
        assert!(e[0].message.contains("subscope cannot be changed"), "{e:?}");
        let e = planned("[client.\"one\"]\nintegration_type = \"idporten\"\n").unwrap_err();
        assert!(
            e[0].message.contains("integration_type cannot be changed"),
            "{e:?}"
        );
    }

    #[test]
    fn the_own_admin_client_is_never_pruned() {
        let estate = parse("f", "[clients]\nprune = true\nnames = [\"*\"]\n").unwrap();
        let p = plan(&estate, &live(), "id-1").unwrap();
        assert_eq!(describe(&p), ["- delete client id-2"]);
        assert!(
            p.warnings[0].contains("signs in with it"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_deactivation_after_an_update_starts_from_the_update() {
        let p =
            planned("[scope.\"difitest:a\"]\nactive = false\ndescription = \"last\"\n").unwrap();
        assert_eq!(
            describe(&p),
            ["~ update scope difitest:a", "- deactivate scope difitest:a"]
        );
        assert!(p.items[0].first && !p.items[1].first);
        let Before::Scope(s) = &p.items[1].before else {
            panic!()
        };
        assert_eq!(s.description, "last");
    }

    #[test]
    fn a_client_is_renamed_by_its_entry_and_stays_matched() {
        let p = planned("[client.\"one\"]\nclient_name = \"uno\"\n").unwrap();
        assert_eq!(describe(&p), ["~ update client id-1"]);
        let mut renamed = live();
        renamed.clients[0].client_name = "uno".into();
        let e = parse("f", "[client.\"one\"]\nclient_name = \"uno\"\n").unwrap();
        assert!(plan(&e, &renamed, "admin").unwrap().items.is_empty());
    }

    fn rsa_jwk(kid: &str) -> Jwk {
        use base64::Engine;
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let b64 = |b: &openssl::bn::BigNumRef| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.to_vec())
        };
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            alg: Some("RS256".into()),
            use_: Some("sig".into()),
            n: Some(b64(rsa.n())),
            e: Some(b64(rsa.e())),
            ..Jwk::default()
        }
    }

    fn key_toml(jwk: &Jwk) -> String {
        format!(
            "[[client.\"one\".keys]]\nkid = \"{}\"\nkty = \"RSA\"\nn = \"{}\"\ne = \"{}\"\n",
            jwk.kid.as_deref().unwrap(),
            jwk.n.as_deref().unwrap(),
            jwk.e.as_deref().unwrap()
        )
    }

    #[test]
    fn keys_are_replaced_added_and_pruned_within_five() {
        let (a, b) = (rsa_jwk("k1"), rsa_jwk("k1"));
        let mut live = live();
        let with = |kid: &str| Jwk {
            kid: Some(kid.into()),
            ..a.clone()
        };
        live.keys.insert(
            "id-1".into(),
            vec![with("k1"), with("k2"), with("k3"), with("k4"), with("k5")],
        );
        // k1 gets new material; k2..k5 stay.
        let mut text: String = [b.clone(), with("k2"), with("k3"), with("k4"), with("k5")]
            .iter()
            .map(key_toml)
            .collect();
        let p = plan(&parse("f", &text).unwrap(), &live, "admin").unwrap();
        assert_eq!(
            describe(&p),
            ["~ replace key k1 of client id-1 (new key material)"]
        );
        assert_eq!(p.counts(), [0, 1, 0]);

        // A sixth key takes the place of one the file no longer lists, in one upload.
        text = [with("k2"), with("k3"), with("k4"), with("k5"), with("k6")]
            .iter()
            .map(key_toml)
            .collect();
        let no_prune = plan(&parse("f", &text).unwrap(), &live, "admin").unwrap_err();
        assert!(
            no_prune[0].message.contains("more than 5 keys"),
            "{no_prune:?}"
        );
        let p = plan(
            &parse("f", &format!("[keys]\nprune = true\n{text}")).unwrap(),
            &live,
            "admin",
        )
        .unwrap();
        assert_eq!(describe(&p), ["+ add key k6 to client id-1, removing k1"]);
        assert_eq!(p.counts(), [1, 0, 1]);
        assert_eq!(p.items[0].before, Before::Keys(live.keys["id-1"].clone()));
    }

    #[test]
    fn lists_compare_as_sets() {
        let p = planned("[client.\"one\"]\nscopes = [\"difitest:a\"]\ngrant_types = [\"urn:ietf:params:oauth:grant-type:jwt-bearer\"]\n").unwrap();
        assert!(p.items.is_empty(), "{:?}", describe(&p));
        let e = parse("f", "[client.\"one\"]\nscopes = []\n").unwrap();
        let p = plan(&e, &live(), "admin").unwrap();
        assert_eq!(p.items[0].fields[0].new, serde_json::json!([]));
    }
}
