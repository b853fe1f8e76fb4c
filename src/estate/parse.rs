//! Reading an estate file. Every problem names its line, the field and the fix, and all of
//! them are found before anything is read from the server: a file that does not read is
//! never half applied.
//!
//! The file is walked as toml's spanned document rather than through serde structs: serde's
//! messages name neither the scope nor a fix, and cannot say "did you mean".

use std::ops::Range;

use serde_json::{Number, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::file::{
    CLIENT_FIELDS, CLIENT_KEYS, ClientEntry, Consumer, Estate, Field, KEY_MEMBERS, KeyEntry, Kind,
    Prune, SCOPE_FIELDS, SCOPE_KEYS, ScopeEntry, Spec, client_spec, scope_spec,
};
use crate::keys::MAX_KEYS_PER_CLIENT;
use crate::wire::models::{Jwk, PRIVATE_JWK_MEMBERS};
use crate::wire::text::closest;
use crate::wire::types::{ClientId, Kid, OrgNumber, ScopeName};

const TOP_KEYS: &[&str] = &[
    "organization",
    "environment",
    "scopes",
    "grants",
    "clients",
    "keys",
    "scope",
    "client",
];

/// The first problem of a file (by line), and how many more there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}{}", more_text(*.more))]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub message: String,
    pub more: usize,
}

fn more_text(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more problem)".to_owned(),
        n => format!(" (and {n} more problems)"),
    }
}

type Item<'i> = Spanned<DeValue<'i>>;

/// Walks the document, collecting every problem with its line.
struct Reader {
    line_starts: Vec<usize>,
    problems: Vec<(usize, String)>,
}

/// Read `text` (the file named `file` in messages).
pub fn parse(file: &str, text: &str) -> Result<Estate, FileError> {
    let mut r = Reader {
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        problems: Vec::new(),
    };
    let estate = match DeTable::parse(text) {
        Ok(doc) => r.estate(doc.get_ref()),
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            r.problem(
                at,
                format!(
                    "{}: this is not valid TOML",
                    e.message().trim_end().trim_end_matches('.')
                ),
            );
            Estate::default()
        }
    };
    r.problems.sort_by_key(|(line, _)| *line);
    let more = r.problems.len().saturating_sub(1);
    match r.problems.into_iter().next() {
        None => Ok(estate),
        Some((line, message)) => Err(FileError {
            file: file.to_owned(),
            line,
            message,
            more,
        }),
    }
}

/// What a TOML value is, for "expected X, found Y".
fn found(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// `"..."` as TOML writes it, for messages.
fn quoted(s: &str) -> String {
    super::export::quote(s)
}

impl Reader {
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|s| *s <= offset)
    }

    fn problem(&mut self, offset: usize, message: String) {
        let line = self.line(offset);
        self.problems.push((line, message));
    }

    fn at(&mut self, span: Range<usize>, message: String) {
        self.problem(span.start, message);
    }

    /// `key` is not one of `known`: say so, with the nearest one.
    fn unknown(&mut self, span: Range<usize>, what: &str, key: &str, known: &[&str]) {
        let fix = match closest(key, known.iter().copied()) {
            Some(k) => format!("did you mean '{k}'?"),
            None => format!("remove it; {what} takes {}", known.join(", ")),
        };
        self.at(span, format!("'{key}' is not a field of {what}: {fix}"));
    }

    fn estate(&mut self, doc: &DeTable<'_>) -> Estate {
        let mut estate = Estate::default();
        for (key, value) in doc {
            let span = key.span();
            match key.get_ref().as_ref() {
                "organization" => {
                    if let Some(s) =
                        self.string(value, "organization", "organization = \"991825827\"")
                    {
                        match s.parse::<OrgNumber>() {
                            Ok(o) => estate.organization = Some(o),
                            Err(e) => self.at(value.span(), format!("organization: {e}")),
                        }
                    }
                }
                "environment" => {
                    estate.environment = self.string(value, "environment", "environment = \"TEST\"")
                }
                "scopes" => estate.scopes = self.prune(value, "scopes", Some("prefixes")),
                "grants" => estate.grants = self.prune(value, "grants", None),
                "clients" => estate.clients = self.prune(value, "clients", Some("names")),
                "keys" => estate.keys = self.prune(value, "keys", None),
                "scope" => {
                    if let Some(t) = self.table(value, "scope", "[scope.\"prefix:subscope\"]") {
                        for (name, entry) in t {
                            if let Some(e) = self.scope(name, entry) {
                                estate.scope.push(e);
                            }
                        }
                    }
                }
                "client" => {
                    if let Some(t) = self.table(value, "client", "[client.\"name\"]") {
                        for (name, entry) in t {
                            if let Some(e) = self.client(name, entry) {
                                estate.client.push(e);
                            }
                        }
                    }
                }
                other => self.unknown(span, "the estate file", other, TOP_KEYS),
            }
        }
        estate.scope.sort_by_key(|e| e.line);
        estate.client.sort_by_key(|e| e.line);
        self.check_claims(&estate);
        estate
    }

    fn check_claims(&mut self, estate: &Estate) {
        for (kind, prune, claim) in [
            ("scopes", &estate.scopes, "prefixes = [\"yourprefix\"]"),
            ("clients", &estate.clients, "names = [\"orders-*\"]"),
        ] {
            if prune.on && prune.claims.is_empty() {
                let line = prune.line;
                self.problems.push((
                    line,
                    format!(
                        "[{kind}] prune = true claims nothing: add {claim} under [{kind}] to say which {kind} this file may remove"
                    ),
                ));
            }
        }
    }

    fn string(&mut self, v: &Item<'_>, field: &str, example: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let f = found(other);
                self.at(
                    v.span(),
                    format!("{field}: expected a string, found {f}: write {example}"),
                );
                None
            }
        }
    }

    fn bool(&mut self, v: &Item<'_>, field: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let f = found(other);
                self.at(
                    v.span(),
                    format!("{field}: expected true or false, found {f}: write {field} = true"),
                );
                None
            }
        }
    }

    fn table<'a, 'i>(
        &mut self,
        v: &'a Item<'i>,
        field: &str,
        example: &str,
    ) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let f = found(other);
                self.at(
                    v.span(),
                    format!("{field}: expected a table, found {f}: write {example}"),
                );
                None
            }
        }
    }

    fn strings(&mut self, v: &Item<'_>, field: &str) -> Option<Vec<(String, Range<usize>)>> {
        let DeValue::Array(items) = v.get_ref() else {
            let f = found(v.get_ref());
            self.at(
                v.span(),
                format!(
                    "{field}: expected a list of strings, found {f}: write {field} = [\"a\", \"b\"]"
                ),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => {
                    let f = found(other);
                    self.at(
                        item.span(),
                        format!("{field}: every item must be a string, found {f}"),
                    );
                }
            }
        }
        Some(out)
    }

    fn prune(&mut self, v: &Item<'_>, kind: &str, claims: Option<&str>) -> Prune {
        let mut prune = Prune::default();
        let Some(t) = self.table(v, kind, &format!("[{kind}] with prune = true")) else {
            return prune;
        };
        let mut known = vec!["prune"];
        known.extend(claims);
        for (key, value) in t {
            match key.get_ref().as_ref() {
                "prune" => {
                    prune.on = self.bool(value, "prune").unwrap_or(false);
                    prune.line = self.line(key.span().start);
                }
                k if Some(k) == claims => {
                    for (claim, span) in self.strings(value, k).unwrap_or_default() {
                        if claim.is_empty() || claim == "*" && kind == "scopes" {
                            self.at(span, format!("[{kind}] {k}: '{claim}' claims nothing; write a scope prefix such as \"difitest\""));
                        } else {
                            prune.claims.push(claim);
                        }
                    }
                }
                other => self.unknown(key.span(), &format!("[{kind}]"), other, &known),
            }
        }
        prune
    }

    fn scope(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        v: &Item<'_>,
    ) -> Option<ScopeEntry> {
        let raw = key.get_ref().as_ref();
        let line = self.line(key.span().start);
        let name = match raw.parse::<ScopeName>() {
            Ok(n) => Some(n),
            Err(e) => {
                self.at(
                    key.span(),
                    format!("[scope.{}]: {e}; scope names are prefix:subscope in lower case, e.g. difitest:api3", quoted(raw)),
                );
                None
            }
        };
        let what = format!("scope {}", quoted(raw));
        let t = self.table(
            v,
            &what,
            &format!("[scope.{}] with its fields below", quoted(raw)),
        )?;
        let mut entry = ScopeEntry {
            name: name.clone()?,
            line,
            fields: Vec::new(),
            protect: false,
            approved: None,
            denied: None,
        };
        let known: Vec<&str> = SCOPE_FIELDS
            .iter()
            .map(|s| s.name)
            .chain(SCOPE_KEYS.iter().copied())
            .collect();
        for (k, value) in t {
            let field = k.get_ref().as_ref();
            match field {
                "protect" => {
                    entry.protect = self
                        .bool(value, &format!("{what}, protect"))
                        .unwrap_or(false)
                }
                "approved" => entry.approved = Some(self.consumers(value, &what, "approved")),
                "denied" => entry.denied = Some(self.consumers(value, &what, "denied")),
                _ => match scope_spec(field) {
                    Some(spec) => {
                        if let Some(f) = self.field(spec, value, &what) {
                            entry.fields.push(f);
                        }
                    }
                    None => self.unknown(k.span(), &what, field, &known),
                },
            }
        }
        if let (Some(a), Some(d)) = (&entry.approved, &entry.denied) {
            for c in d.iter().filter(|c| a.iter().any(|x| x.orgno == c.orgno)) {
                self.problems.push((
                    c.line,
                    format!(
                        "{what}: {} is both approved and denied: keep it in one list",
                        c.orgno
                    ),
                ));
            }
        }
        Some(entry)
    }

    fn consumers(&mut self, v: &Item<'_>, what: &str, list: &str) -> Vec<Consumer> {
        let field = format!("{what}, {list}");
        let DeValue::Array(items) = v.get_ref() else {
            let f = found(v.get_ref());
            self.at(
                v.span(),
                format!("{field}: expected a list of organisation numbers, found {f}: write {list} = [\"991825827\"]"),
            );
            return Vec::new();
        };
        let mut out: Vec<Consumer> = Vec::with_capacity(items.len());
        for item in items.iter() {
            let line = self.line(item.span().start);
            let (raw, protect) = match item.get_ref() {
                DeValue::String(s) => (s.to_string(), false),
                DeValue::Table(t) => match self.protected_consumer(t, &field, item.span()) {
                    Some(c) => c,
                    None => continue,
                },
                other => {
                    let f = found(other);
                    self.at(
                        item.span(),
                        format!("{field}: expected an organisation number such as \"991825827\", found {f}"),
                    );
                    continue;
                }
            };
            match raw.parse::<OrgNumber>() {
                Ok(orgno) if out.iter().any(|c| c.orgno == orgno) => self.at(
                    item.span(),
                    format!("{field}: {orgno} is listed twice: remove one"),
                ),
                Ok(orgno) => out.push(Consumer {
                    orgno,
                    protect,
                    line,
                }),
                Err(e) => self.at(item.span(), format!("{field}: {e}")),
            }
        }
        out
    }

    /// `{ orgno = "...", protect = true }`
    fn protected_consumer(
        &mut self,
        t: &DeTable<'_>,
        field: &str,
        span: Range<usize>,
    ) -> Option<(String, bool)> {
        let mut orgno = None;
        let mut protect = false;
        for (k, v) in t {
            match k.get_ref().as_ref() {
                "orgno" => {
                    orgno = self.string(v, &format!("{field}, orgno"), "orgno = \"991825827\"")
                }
                "protect" => protect = self.bool(v, &format!("{field}, protect")).unwrap_or(false),
                other => self.unknown(k.span(), field, other, &["orgno", "protect"]),
            }
        }
        if orgno.is_none() {
            self.at(
                span,
                format!("{field}: an item written as a table needs orgno: write {{ orgno = \"991825827\", protect = true }}"),
            );
        }
        Some((orgno?, protect))
    }

    fn client(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        v: &Item<'_>,
    ) -> Option<ClientEntry> {
        let raw = key.get_ref().as_ref();
        let what = format!("client {}", quoted(raw));
        if raw.trim().is_empty() {
            self.at(key.span(), "[client.\"\"]: a client entry is keyed by its name or client_id; write [client.\"orders-job\"]".into());
            return None;
        }
        let t = self.table(
            v,
            &what,
            &format!("[client.{}] with its fields below", quoted(raw)),
        )?;
        let mut entry = ClientEntry {
            key: raw.to_owned(),
            line: self.line(key.span().start),
            client_id: None,
            fields: Vec::new(),
            protect: false,
            keys: None,
        };
        let known: Vec<&str> = CLIENT_FIELDS
            .iter()
            .map(|s| s.name)
            .chain(CLIENT_KEYS.iter().copied())
            .collect();
        for (k, value) in t {
            let field = k.get_ref().as_ref();
            match field {
                "protect" => {
                    entry.protect = self
                        .bool(value, &format!("{what}, protect"))
                        .unwrap_or(false)
                }
                "client_id" => {
                    let s = self.string(
                        value,
                        &format!("{what}, client_id"),
                        "client_id = \"238259d7-f0ab-4bd5-b253-0f0159375096\"",
                    );
                    match s.map(|s| s.parse::<ClientId>()) {
                        Some(Ok(id)) => entry.client_id = Some(id),
                        Some(Err(e)) => self.at(value.span(), format!("{what}, client_id: {e}")),
                        None => {}
                    }
                }
                "keys" => entry.keys = Some(self.keys(value, &what)),
                _ => match client_spec(field) {
                    Some(spec) => {
                        if let Some(f) = self.field(spec, value, &what) {
                            entry.fields.push(f);
                        }
                    }
                    None => self.unknown(k.span(), &what, field, &known),
                },
            }
        }
        Some(entry)
    }

    fn keys(&mut self, v: &Item<'_>, what: &str) -> Vec<KeyEntry> {
        let field = format!("{what}, keys");
        let DeValue::Array(items) = v.get_ref() else {
            let f = found(v.get_ref());
            self.at(
                v.span(),
                format!("{field}: expected a list of public keys, found {f}: write each as [[client.\"name\".keys]] with kid, kty, n, e"),
            );
            return Vec::new();
        };
        if items.len() > MAX_KEYS_PER_CLIENT {
            self.at(
                v.span(),
                format!("{field}: {} keys listed, Digdir keeps at most {MAX_KEYS_PER_CLIENT}: remove the oldest", items.len()),
            );
        }
        let mut out: Vec<KeyEntry> = Vec::with_capacity(items.len());
        for item in items.iter() {
            let DeValue::Table(t) = item.get_ref() else {
                let f = found(item.get_ref());
                self.at(
                    item.span(),
                    format!("{field}: every key is a table (kid, kty, n, e), found {f}"),
                );
                continue;
            };
            if let Some(key) = self.key(t, &field, item.span()) {
                if out.iter().any(|k| k.jwk.kid == key.jwk.kid) {
                    self.at(
                        item.span(),
                        format!(
                            "{field}: kid '{}' is listed twice: every key needs its own kid",
                            key.jwk.kid.as_deref().unwrap_or_default()
                        ),
                    );
                } else {
                    out.push(key);
                }
            }
        }
        out
    }

    fn key(&mut self, t: &DeTable<'_>, field: &str, span: Range<usize>) -> Option<KeyEntry> {
        let mut jwk = Jwk::default();
        let mut ok = true;
        for (k, v) in t {
            let member = k.get_ref().as_ref();
            if PRIVATE_JWK_MEMBERS.contains(&member) {
                self.at(
                    k.span(),
                    format!("{field}: '{member}' is private key material: delete it; the estate file holds public keys only, and the private key belongs with the client that signs"),
                );
                ok = false;
                continue;
            }
            if member == "exp" {
                self.at(
                    k.span(),
                    format!("{field}: exp is set by Digdir when a key is uploaded (at most a year ahead): remove it"),
                );
                ok = false;
                continue;
            }
            if !KEY_MEMBERS.contains(&member) {
                self.unknown(k.span(), field, member, KEY_MEMBERS);
                ok = false;
                continue;
            }
            let Some(s) = self.string(
                v,
                &format!("{field}, {member}"),
                &format!("{member} = \"...\""),
            ) else {
                ok = false;
                continue;
            };
            match member {
                "kid" => match s.parse::<Kid>() {
                    Ok(_) => jwk.kid = Some(s),
                    Err(e) => {
                        self.at(v.span(), format!("{field}, kid: {e}"));
                        ok = false;
                    }
                },
                "kty" => jwk.kty = s,
                "alg" => jwk.alg = Some(s),
                "use" => jwk.use_ = Some(s),
                "n" => jwk.n = Some(s),
                _ => jwk.e = Some(s),
            }
        }
        for (member, present) in [
            ("kid", jwk.kid.is_some()),
            ("kty", !jwk.kty.is_empty()),
            ("n", jwk.n.is_some()),
            ("e", jwk.e.is_some()),
        ] {
            if !present && ok {
                self.at(
                    span.clone(),
                    format!("{field}: a key needs {member}: write the public JWK's kid, kty, n and e (export writes them)"),
                );
                ok = false;
            }
        }
        ok.then(|| KeyEntry {
            jwk,
            line: self.line(span.start),
        })
    }

    /// A field's value, checked against its kind and made canonical.
    fn field(&mut self, spec: &Spec, v: &Item<'_>, what: &str) -> Option<Field> {
        let name = spec.name;
        let field = format!("{what}, {name}");
        let line = self.line(v.span().start);
        let value = match spec.kind {
            Kind::Text | Kind::Required => {
                let s = self.string(v, &field, &format!("{name} = \"...\""))?;
                if s.trim().is_empty() {
                    if matches!(spec.kind, Kind::Required) {
                        self.at(
                            v.span(),
                            format!("{field}: may not be empty: write {name} = \"...\""),
                        );
                        return None;
                    }
                    Value::Null
                } else {
                    Value::String(s)
                }
            }
            Kind::Bool => Value::Bool(self.bool(v, &field)?),
            Kind::Seconds => match v.get_ref() {
                DeValue::Integer(i) => {
                    match u32::try_from(i64::from_str_radix(i.as_str(), i.radix()).unwrap_or(-1)) {
                        Ok(n) => Value::Number(Number::from(n)),
                        Err(_) => {
                            self.at(v.span(), format!("{field}: {i} is not a number of seconds: write 0 or more, e.g. {name} = 300"));
                            return None;
                        }
                    }
                }
                other => {
                    let f = found(other);
                    self.at(
                        v.span(),
                        format!("{field}: expected whole seconds, found {f}: write {name} = 300"),
                    );
                    return None;
                }
            },
            Kind::Enum(known) => {
                let s = self.string(v, &field, &format!("{name} = \"{}\"", known()[0]))?;
                Value::String(self.one_of(&s, known, &field, v.span())?)
            }
            Kind::EnumSet(known) => {
                let mut out = Vec::new();
                for (s, span) in self.strings(v, &field)? {
                    out.push(Value::String(self.one_of(&s, known, &field, span)?));
                }
                Value::Array(out)
            }
            Kind::ScopeSet => {
                let mut out = Vec::new();
                for (s, span) in self.strings(v, &field)? {
                    match s.parse::<ScopeName>() {
                        Ok(_) => out.push(Value::String(s)),
                        Err(e) => self.at(span, format!("{field}: {e}")),
                    }
                }
                Value::Array(out)
            }
            Kind::TextSet => Value::Array(
                self.strings(v, &field)?
                    .into_iter()
                    .map(|(s, _)| Value::String(s))
                    .collect(),
            ),
        };
        Some(Field { name, value, line })
    }

    fn one_of(
        &mut self,
        s: &str,
        known: fn() -> Vec<&'static str>,
        field: &str,
        span: Range<usize>,
    ) -> Option<String> {
        let known = known();
        if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(s)) {
            return Some((*k).to_owned());
        }
        self.at(
            span,
            format!(
                "{field}: '{s}' is not one of {}: write one of them",
                known.join(", ")
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> FileError {
        parse("estate.toml", text).unwrap_err()
    }

    #[test]
    fn a_good_file_reads_with_lines() {
        let e = parse(
            "estate.toml",
            r#"organization = "991825827"
environment = "TEST"

[scopes]
prune = true
prefixes = ["difitest"]

[scope."difitest:api3"]
description = "Test API"
visibility = "public"
allowed_integration_types = ["Maskinporten"]
at_max_age = 300
approved = [
  "889640782",
  { orgno = "974761076", protect = true },
]

[client."orders"]
description = "Orders job"
scopes = ["difitest:api3"]

[[client."orders".keys]]
kid = "orders-1"
kty = "RSA"
n = "abc"
e = "AQAB"
"#,
        )
        .unwrap();
        assert_eq!(e.organization.unwrap().as_str(), "991825827");
        assert!(e.scopes.on && e.scopes.claims == ["difitest"]);
        let s = &e.scope[0];
        assert_eq!(s.line, 8);
        assert_eq!(s.field("visibility").unwrap().value, "PUBLIC");
        assert_eq!(s.field("at_max_age").unwrap().line, 12);
        assert_eq!(
            s.field("allowed_integration_types").unwrap().value,
            serde_json::json!(["maskinporten"])
        );
        let approved = s.approved.as_ref().unwrap();
        assert_eq!(approved.len(), 2);
        assert!(!approved[0].protect && approved[1].protect);
        assert_eq!(approved[1].line, 15);
        let c = &e.client[0];
        assert_eq!((c.key.as_str(), c.line), ("orders", 18));
        let keys = c.keys.as_ref().unwrap();
        assert_eq!(keys[0].jwk.kid.as_deref(), Some("orders-1"));
        assert_eq!(keys[0].line, 22);
    }

    #[test]
    fn unknown_fields_get_did_you_mean_and_their_line() {
        let e = err("[scope.\"difitest:a\"]\ndescription = \"d\"\ndescripton = \"x\"\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("'descripton'"), "{e}");
        assert!(e.message.contains("did you mean 'description'?"), "{e}");
        assert_eq!(
            e.to_string(),
            "estate.toml line 3: 'descripton' is not a field of scope \"difitest:a\": did you mean 'description'?"
        );
        let e = err("organisation = \"991825827\"\n");
        assert!(e.message.contains("did you mean 'organization'?"), "{e}");
        let e = err("[scope.\"difitest:a\"]\ncolour = 1\n");
        assert!(e.message.contains("remove it; scope"), "{e}");
    }

    #[test]
    fn org_numbers_are_checked_with_mod11() {
        let e =
            err("[scope.\"difitest:a\"]\napproved = [\n  \"991825827\",\n  \"991825828\",\n]\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("approved"), "{e}");
        assert!(e.message.contains("MOD11"), "{e}");
        let e = err("organization = \"12345\"\n");
        assert!(e.message.contains("9 digits"), "{e}");
        let e =
            err("[scope.\"difitest:a\"]\napproved = [\"991825827\"]\ndenied = [\"991825827\"]\n");
        assert!(e.message.contains("both approved and denied"), "{e}");
    }

    #[test]
    fn scope_names_follow_the_rules() {
        let e = err("\n[scope.\"Difitest:a\"]\ndescription = \"d\"\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("use lower case"), "{e}");
        let e = err("[scope.\"difitest\"]\n");
        assert!(e.message.contains("prefix:subscope"), "{e}");
        let e = err("[client.\"c\"]\nscopes = [\"nav:a b\"]\n");
        assert!(e.message.contains("remove the space"), "{e}");
    }

    #[test]
    fn values_are_checked_by_kind() {
        let e = err("[scope.\"difitest:a\"]\nat_max_age = \"300\"\n");
        assert!(
            e.message.contains("expected whole seconds, found a string"),
            "{e}"
        );
        let e = err("[scope.\"difitest:a\"]\nat_max_age = -1\n");
        assert!(e.message.contains("write 0 or more"), "{e}");
        let e = err("[scope.\"difitest:a\"]\nvisibility = \"SECRET\"\n");
        assert!(e.message.contains("PUBLIC, PRIVATE, INTERNAL"), "{e}");
        let e = err("[scope.\"difitest:a\"]\ndescription = \"\"\n");
        assert!(e.message.contains("may not be empty"), "{e}");
    }

    #[test]
    fn private_key_material_and_exp_are_refused() {
        let e = err(
            "[[client.\"c\".keys]]\nkid = \"k\"\nkty = \"RSA\"\nn = \"x\"\ne = \"AQAB\"\nd = \"secret\"\n",
        );
        assert_eq!(e.line, 6);
        assert!(e.message.contains("private key material"), "{e}");
        assert!(
            !e.message.contains("secret"),
            "the value is never echoed: {e}"
        );
        let e = err(
            "[[client.\"c\".keys]]\nkid = \"k\"\nkty = \"RSA\"\nn = \"x\"\ne = \"AQAB\"\nexp = 1\n",
        );
        assert!(e.message.contains("set by Digdir"), "{e}");
    }

    proptest::proptest! {
        /// Any text, and any mix of the file's own keys and values, reads or is refused
        /// with a line inside the file: never a panic.
        #[test]
        fn any_text_reads_or_names_a_line(text in "\\PC{0,200}") {
            if let Err(e) = parse("f", &text) {
                proptest::prop_assert!(e.line >= 1 && e.line <= text.split('\n').count(), "{e}");
            }
        }

        #[test]
        fn any_estate_shaped_text_reads_or_names_a_line(
            lines in proptest::collection::vec(
                proptest::sample::select(vec![
                    "[scope.\"difitest:a\"]", "[scope.\"x\"]", "[client.\"c\"]",
                    "[[client.\"c\".keys]]", "[scopes]", "[grants]", "[clients]",
                    "prune = true", "prefixes = [\"difitest\"]", "names = [\"*\"]",
                    "description = \"d\"", "active = false", "at_max_age = -5",
                    "approved = [\"991825827\", { orgno = \"889640782\", protect = true }]",
                    "denied = [\"991825827\"]", "protect = true", "kid = \"k\"",
                    "d = \"secret\"", "scopes = [\"Nav:a\"]", "visibility = 3",
                    "keys = []", "client_id = \"../x\"", "organization = \"991825828\"",
                ]),
                0..12,
            )
        ) {
            let text = lines.join("\n");
            if let Err(e) = parse("f", &text) {
                proptest::prop_assert!(e.line >= 1 && e.line <= text.split('\n').count(), "{e}");
            }
        }
    }

    #[test]
    fn prune_needs_claims_and_syntax_errors_have_lines() {
        let e = err("[scopes]\nprune = true\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("prefixes"), "{e}");
        let e = err("[scope.\"difitest:a\"]\ndescription = \"d\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not valid TOML"), "{e}");
        let e = err("[scope.\"difitest:a\"]\nactive = 1\nat_max_age = \"x\"\n");
        assert_eq!(e.line, 2);
        assert!(e.to_string().ends_with("(and 1 more problem)"), "{e}");
    }
}
