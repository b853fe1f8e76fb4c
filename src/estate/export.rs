//! Writing the live estate as an estate file a person can read and review: every field the
//! API lets the owner set, each scope's consumers one per line, each client's public keys.
//! Reading the file back and planning it against the same server gives "No changes.".

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::file::{CLIENT_FIELDS, Kind, SCOPE_FIELDS, Spec};
use super::live::Live;
use crate::wire::models::{AccessState, Client, Jwk, Scope, ScopeAccess};
use crate::wire::types::{Kid, ScopeName};

/// Which kinds of object to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub scopes: bool,
    /// The approved and denied consumers of each scope.
    pub access: bool,
    pub clients: bool,
    pub keys: bool,
}

impl Kinds {
    pub const ALL: Kinds = Kinds {
        scopes: true,
        access: true,
        clients: true,
        keys: true,
    };
}

/// Where the estate was read from, for the file's header.
#[derive(Debug, Clone)]
pub struct Origin {
    pub organization: Option<String>,
    /// `TEST`, `PROD` or `custom`.
    pub environment: String,
    /// When, as people read it.
    pub at: String,
}

/// `s` as a TOML basic string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value of the API as a TOML value (strings, booleans, numbers and lists of them).
fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// Whether the file may hold `v` for `spec` (a value mpadmin does not know is written as a
/// comment and left unmanaged, so the file still reads).
fn fits(spec: &Spec, v: &Value) -> bool {
    let known =
        |f: fn() -> Vec<&'static str>, s: &Value| s.as_str().is_some_and(|s| f().contains(&s));
    match (spec.kind, v) {
        (Kind::Text, Value::String(_)) | (Kind::Bool, Value::Bool(_)) => true,
        (Kind::Required, Value::String(s)) => !s.trim().is_empty(),
        (Kind::Seconds, Value::Number(n)) => n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
        (Kind::Enum(f), s) => known(f, s),
        (Kind::EnumSet(f), Value::Array(items)) => items.iter().all(|s| known(f, s)),
        (Kind::ScopeSet, Value::Array(items)) => items
            .iter()
            .all(|s| s.as_str().is_some_and(|s| s.parse::<ScopeName>().is_ok())),
        (Kind::TextSet, Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}

/// `name = value` for each field of `object` in `specs` that it has, skipping `skip`.
fn fields(out: &mut String, object: &Value, specs: &[Spec], skip: &[&str]) {
    let empty = Value::Array(Vec::new());
    for spec in specs.iter().filter(|s| !skip.contains(&s.name)) {
        let v = match object.get(spec.name) {
            // The API leaves an empty list out; written, "any integration type" is managed.
            None | Some(Value::Null) if spec.kind.is_set() => &empty,
            None | Some(Value::Null) => continue,
            Some(v) => v,
        };
        if fits(spec, v) {
            let _ = writeln!(out, "{} = {}", spec.name, toml_value(v));
        } else {
            let _ = writeln!(
                out,
                "# {} = {}  (a value mpadmin does not know: left unmanaged)",
                spec.name,
                toml_value(v)
            );
        }
    }
}

/// The estate file for `live`.
pub fn render(live: &Live, kinds: Kinds, origin: &Origin) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let org = origin.organization.as_deref().unwrap_or("(unknown)");
    let _ = write!(
        out,
        "# The estate of organisation {org} ({} environment), exported by mpadmin {} on {}.\n\
         # Only what this file writes is managed: a field or object left out keeps its live\n\
         # value. `mpadmin plan -f FILE` shows what `mpadmin apply -f FILE` would change.\n",
        origin.environment,
        env!("CARGO_PKG_VERSION"),
        origin.at
    );
    if let Some(o) = &origin.organization {
        let _ = writeln!(out, "organization = {}", quote(o));
    }
    let _ = writeln!(out, "environment = {}", quote(&origin.environment));
    let mut scopes: Vec<&Scope> = live.scopes.iter().collect();
    scopes.sort_by(|a, b| a.name.cmp(&b.name));
    let clients = client_keys(&live.clients);
    header(&mut out, kinds, &scopes, &clients);
    if kinds.scopes || kinds.access {
        for s in &scopes {
            scope(&mut out, s, live.grants.get(&s.name), kinds);
        }
    }
    if kinds.clients || kinds.keys {
        for (key, c) in &clients {
            client(&mut out, key, c, live.keys.get(&c.client_id), kinds);
        }
    }
    out
}

/// The prune switches, off, with what the file claims should they be turned on.
fn header(out: &mut String, kinds: Kinds, scopes: &[&Scope], clients: &[(String, &Client)]) {
    if kinds.scopes {
        let mut prefixes: Vec<&str> = scopes.iter().map(|s| s.prefix.as_str()).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let _ = write!(
            out,
            "\n[scopes]\n\
             # prune = true deactivates active scopes under these prefixes that this file does not list.\n\
             prune = false\n\
             prefixes = {}\n",
            toml_value(&Value::from(prefixes))
        );
    }
    if kinds.access {
        out.push_str(
            "\n[grants]\n\
             # prune = true revokes APPROVED grants, on scopes that list `approved`, of consumers not listed.\n\
             prune = false\n",
        );
    }
    if kinds.clients {
        let _ = writeln!(
            out,
            "\n[clients]\n\
             # prune = true deletes clients with these names (a trailing * matches any ending)\n\
             # that this file does not list.\n\
             prune = false\n\
             names = ["
        );
        let mut names: Vec<&str> = clients
            .iter()
            .map(|(_, c)| c.client_name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            let _ = writeln!(out, "  {},", quote(n));
        }
        out.push_str("]\n");
    }
    if kinds.keys {
        out.push_str(
            "\n[keys]\n\
             # prune = true removes keys, of clients that list keys, that this file does not list.\n\
             prune = false\n",
        );
    }
}

fn scope(out: &mut String, s: &Scope, grants: Option<&Vec<ScopeAccess>>, kinds: Kinds) {
    let _ = writeln!(out, "\n[scope.{}]", quote(&s.name));
    if kinds.scopes {
        let object = serde_json::to_value(s).unwrap_or(Value::Null);
        // The name (the table's key) holds them.
        fields(out, &object, SCOPE_FIELDS, &["prefix", "subscope"]);
    }
    if !kinds.access {
        return;
    }
    let mut rows: Vec<&ScopeAccess> = grants.map(|g| g.iter().collect()).unwrap_or_default();
    rows.sort_by(|a, b| a.consumer_orgno.cmp(&b.consumer_orgno));
    consumers(
        out,
        "approved",
        rows.iter().filter(|r| r.state == AccessState::Approved),
    );
    consumers(
        out,
        "denied",
        rows.iter().filter(|r| r.state == AccessState::Denied),
    );
    for r in rows
        .iter()
        .filter(|r| !matches!(r.state, AccessState::Approved | AccessState::Denied))
    {
        let _ = writeln!(
            out,
            "# {} is {} (not managed here: approve or deny it by listing it above)",
            r.consumer_orgno, r.state
        );
    }
}

/// `approved = [ ... ]`, one consumer a line, with the organisation's name when the row
/// carries it.
fn consumers<'a>(out: &mut String, list: &str, rows: impl Iterator<Item = &'a &'a ScopeAccess>) {
    let _ = write!(out, "{list} = [");
    let mut any = false;
    for r in rows {
        if !any {
            out.push('\n');
            any = true;
        }
        let _ = write!(out, "  {},", quote(&r.consumer_orgno));
        match r
            .extra
            .get("consumer_organization_name")
            .and_then(Value::as_str)
        {
            Some(name) => {
                let _ = writeln!(out, "  # {}", super::render::printable(name));
            }
            None => out.push('\n'),
        }
    }
    out.push_str("]\n");
}

/// Each client with the key its entry gets: its name when no other client has it, else its
/// client id. Sorted by key.
fn client_keys(clients: &[Client]) -> Vec<(String, &Client)> {
    let mut named: HashMap<&str, usize> = HashMap::new();
    for c in clients {
        *named.entry(c.client_name.as_str()).or_default() += 1;
    }
    let mut out: Vec<(String, &Client)> = clients
        .iter()
        .map(|c| {
            let unique = named.get(c.client_name.as_str()) == Some(&1);
            let by_name = unique && !c.client_name.trim().is_empty();
            (
                if by_name {
                    c.client_name.clone()
                } else {
                    c.client_id.clone()
                },
                c,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn client(out: &mut String, key: &str, c: &Client, keys: Option<&Vec<Jwk>>, kinds: Kinds) {
    let _ = writeln!(out, "\n[client.{}]", quote(key));
    let by_id = key == c.client_id;
    if by_id {
        let _ = writeln!(out, "client_id = {}", quote(&c.client_id));
    } else {
        let _ = writeln!(out, "# client_id {}", c.client_id);
    }
    if kinds.clients {
        let object = serde_json::to_value(c).unwrap_or(Value::Null);
        // Keyed by name, the name is the key; keyed by id, it is a field.
        let skip: &[&str] = if by_id { &[] } else { &["client_name"] };
        fields(out, &object, CLIENT_FIELDS, skip);
    }
    if !kinds.keys {
        return;
    }
    let keys = keys.map(Vec::as_slice).unwrap_or_default();
    if keys.is_empty() {
        out.push_str("keys = []\n");
    }
    for k in keys {
        key_table(out, key, k);
    }
}

fn key_table(out: &mut String, client: &str, k: &Jwk) {
    let Some(kid) = k.kid.as_deref().filter(|kid| kid.parse::<Kid>().is_ok()) else {
        let _ = writeln!(
            out,
            "# a key without a usable kid is not written (kid {:?})",
            k.kid.as_deref().unwrap_or_default()
        );
        return;
    };
    let _ = writeln!(out, "\n[[client.{}.keys]]", quote(client));
    let expires = k
        .exp
        .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
        .map(|t| format!("  # expires {}", t.format("%Y-%m-%d")))
        .unwrap_or_default();
    let _ = writeln!(out, "kid = {}{expires}", quote(kid));
    let _ = writeln!(out, "kty = {}", quote(&k.kty));
    for (member, value) in [("alg", &k.alg), ("use", &k.use_), ("e", &k.e), ("n", &k.n)] {
        if let Some(v) = value {
            let _ = writeln!(out, "{member} = {}", quote(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_toml_needs() {
        assert_eq!(quote("a\"b\\c\nd\u{7f}"), "\"a\\\"b\\\\c\\nd\\u007F\"");
        let parsed: toml::Table = format!("x = {}", quote("a\"b\\c\nd\u{7f}é"))
            .parse()
            .unwrap();
        assert_eq!(parsed["x"].as_str(), Some("a\"b\\c\nd\u{7f}é"));
    }

    fn awkward_live() -> Live {
        use crate::wire::models::Visibility;
        let scope = Scope {
            name: "difitest:a".into(),
            prefix: "difitest".into(),
            subscope: "a".into(),
            description: "say \"hi\"\nthere".into(),
            active: true,
            visibility: Some(Visibility::Unknown("SECRETIVE".into())),
            at_max_age: Some(300),
            ..Scope::default()
        };
        let row = |orgno: &str, state: AccessState| ScopeAccess {
            scope: "difitest:a".into(),
            consumer_orgno: orgno.into(),
            state,
            ..ScopeAccess::default()
        };
        let mut named = row("889640782", AccessState::Approved);
        named.extra.insert(
            "consumer_organization_name".into(),
            Value::String("NAV\nIKT".into()),
        );
        let mut twin = Client::new_maskinporten("twin", "d", vec!["difitest:a".into()]);
        twin.client_id = "id-1".into();
        let mut other = twin.clone();
        other.client_id = "id-2".into();
        let key = Jwk {
            kty: "RSA".into(),
            kid: Some("k1".into()),
            alg: Some("RS256".into()),
            use_: Some("sig".into()),
            n: Some("AQAB".into()),
            e: Some("AQAB".into()),
            exp: Some(1_900_000_000),
            ..Jwk::default()
        };
        let mut live = Live {
            scopes: vec![scope],
            clients: vec![twin, other],
            ..Live::default()
        };
        live.grants.insert(
            "difitest:a".into(),
            vec![
                named,
                row("974761076", AccessState::Denied),
                row("974760673", AccessState::Requested),
            ],
        );
        live.keys.insert("id-1".into(), vec![key]);
        live
    }

    #[test]
    fn an_export_reads_back_and_plans_no_changes() {
        let live = awkward_live();
        let origin = Origin {
            organization: Some("991825827".into()),
            environment: "TEST".into(),
            at: "now".into(),
        };
        let text = render(&live, Kinds::ALL, &origin);
        assert!(text.contains("  \"889640782\",  # NAV IKT\n"), "{text}");
        assert!(text.contains("# visibility = \"SECRETIVE\""), "{text}");
        assert!(text.contains("# 974760673 is REQUESTED"), "{text}");
        assert!(
            text.contains("[client.\"id-1\"]\nclient_id = \"id-1\"\nclient_name = \"twin\""),
            "{text}"
        );
        assert!(
            text.contains("kid = \"k1\"  # expires 2030-03-17"),
            "{text}"
        );
        let estate = super::super::parse("estate.toml", &text).unwrap();
        assert_eq!(
            estate.organization.as_ref().map(|o| o.as_str()),
            Some("991825827")
        );
        let plan = super::super::plan(&estate, &live, "admin").unwrap();
        assert!(plan.items.is_empty(), "{:?}", plan.items);
    }

    #[test]
    fn clients_sharing_a_name_are_keyed_by_id() {
        let c = |id: &str, name: &str| Client {
            client_id: id.into(),
            client_name: name.into(),
            ..Client::default()
        };
        let list = [c("id-1", "a"), c("id-2", "a"), c("id-3", "b")];
        let keys: Vec<String> = client_keys(&list).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "id-1", "id-2"]);
    }
}
