//! A client's key set: get, replace (POST and PUT), delete all; one key: get, add or
//! replace (PUT), delete. Keys are public
//! RSA signing keys (>= 2048 bits, `use: sig`, `alg` RS256 or RS512), at most five, each valid
//! at most a year.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::clients::{changeable_client, own_client};
use super::{ApiResult, DCR_MODIFY, DCR_READ, Problems, caller, empty, ok};
use crate::emulator::Shared;
use crate::emulator::certs::jwk_public_key;
use crate::emulator::errors::ApiFail;
use crate::emulator::state::{now_secs, timestamp_now};
use crate::wire::models::{Jwk, Jwks};
use crate::wire::types::Kid;

pub const MAX_KEYS: usize = 5;
pub const MIN_RSA_BITS: u32 = 2048;
/// A key lives at most this long after it is posted.
pub const MAX_KEY_LIFETIME: i64 = 365 * 86_400;

pub async fn get_set(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_READ)?;
    let set = sh.store.read(|st| {
        own_client(st, &me.orgno, &id)?;
        Ok::<_, ApiFail>(st.jwks.get(&id).filter(|j| !j.keys.is_empty()).cloned())
    })?;
    match set {
        Some(set) => ok(&set),
        None if sh.faults.empty_jwks_not_found() => Err(ApiFail::not_found(format!(
            "Client '{id}' does not have any keys"
        ))),
        // Digdir answers a client without keys with an empty object.
        None => ok(&json!({})),
    }
}

/// Check one uploaded key; problems are reported under `<under><member>` (`keys[i].`, or
/// nothing for a key sent alone).
fn check_key(
    under: &str,
    key: &Jwk,
    seen: &mut HashSet<String>,
    now: i64,
    problems: &mut Problems,
) {
    let at = |m: &str| format!("{under}{m}");
    if key.kty != "RSA" {
        problems.add(&at("kty"), format!("kty must be RSA (got '{}')", key.kty));
    }
    if key.use_.as_deref() != Some("sig") {
        problems.add(&at("use"), "use is required and must be 'sig'");
    }
    let private = key.private_members();
    if !private.is_empty() {
        problems.add(
            &at("d"),
            format!(
                "the key contains private key material ({}): upload only the public key",
                private.join(", ")
            ),
        );
    }
    match key.kid.as_deref() {
        None | Some("") => problems.add(&at("kid"), "kid is required"),
        Some(kid) => {
            if let Err(e) = kid.parse::<Kid>() {
                problems.add(&at("kid"), e.0);
            } else if !seen.insert(kid.to_owned()) {
                problems.add(
                    &at("kid"),
                    format!("kid '{kid}' is used by more than one key in the set"),
                );
            }
        }
    }
    // The admin API's JsonWebKey allows RS256 and RS512 only, although the token endpoint
    // takes RS384 grants too.
    if let Some(alg) = key.alg.as_deref()
        && !matches!(alg, "RS256" | "RS512")
    {
        problems.add(
            &at("alg"),
            format!("alg '{alg}' is not supported for a client key: use RS256 or RS512"),
        );
    }
    if key.kty == "RSA" {
        match jwk_public_key(key) {
            Err(e) => problems.add(&at("n"), format!("not a usable RSA public key: {e}")),
            Ok(pk) if pk.bits() < MIN_RSA_BITS => problems.add(
                &at("n"),
                format!(
                    "the RSA key has {} bits; at least {MIN_RSA_BITS} are required",
                    pk.bits()
                ),
            ),
            Ok(_) => {}
        }
    }
    if key.exp.is_some_and(|e| e <= now) {
        problems.add(&at("exp"), "exp is in the past");
    }
}

/// POST and PUT both replace the whole set.
pub async fn replace(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_MODIFY)?;
    let raw: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiFail::field(
            "Jwks",
            "body",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    let Some(list) = raw.get("keys").and_then(Value::as_array) else {
        return Err(ApiFail::field(
            "Jwks",
            "keys",
            "the body must be {\"keys\": [ ...JWK... ]}",
        ));
    };
    let mut problems = Problems::new("Jwks");
    let mut keys = Vec::with_capacity(list.len());
    for (i, k) in list.iter().enumerate() {
        match serde_json::from_value::<Jwk>(k.clone()) {
            Ok(jwk) => keys.push(jwk),
            Err(e) => problems.add(&format!("keys[{i}]"), format!("not a JWK: {e}")),
        }
    }
    problems.check()?;
    if keys.is_empty() {
        return Err(ApiFail::field(
            "Jwks",
            "keys",
            format!("keys must not be empty: to remove every key, DELETE /clients/{id}/jwks"),
        ));
    }
    if keys.len() > MAX_KEYS {
        return Err(ApiFail::field(
            "Jwks",
            "keys",
            format!(
                "a client can have at most {MAX_KEYS} keys (got {})",
                keys.len()
            ),
        ));
    }
    let now = now_secs();
    let mut problems = Problems::new("Jwks");
    let mut seen = HashSet::new();
    for (i, k) in keys.iter().enumerate() {
        check_key(&format!("keys[{i}]."), k, &mut seen, now, &mut problems);
    }
    problems.check()?;
    let set = sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        let previous = st.jwks.get(&id);
        let cap = now + MAX_KEY_LIFETIME;
        for key in &mut keys {
            stamp(key, previous.map_or(&[], |p| p.keys.as_slice()), cap);
        }
        let set = Jwks {
            keys,
            created: previous
                .and_then(|p| p.created.clone())
                .or_else(|| Some(timestamp_now())),
            last_updated: Some(timestamp_now()),
            extra: Map::new(),
        };
        st.jwks.insert(id.clone(), set.clone());
        Ok(set)
    })?;
    ok(&set)
}

pub async fn delete_all(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let me = caller(&sh, &headers, DCR_MODIFY)?;
    sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        st.jwks.remove(&id);
        Ok(())
    })?;
    empty()
}

/// What the server sets on a key it stores: re-posting a key (same kid and modulus) keeps
/// its expiry and `created` (uploading again must not extend a key); a new one gets at most a
/// year and `created` now. Timestamps sent by the client are never taken.
fn stamp(key: &mut Jwk, previous: &[Jwk], cap: i64) {
    let old = previous
        .iter()
        .find(|old| old.kid == key.kid && old.n == key.n && old.e == key.e);
    key.exp = Some(
        old.and_then(|o| o.exp)
            .unwrap_or_else(|| key.exp.map_or(cap, |e| e.min(cap))),
    );
    let created = old
        .and_then(|o| o.extra.get("created").cloned())
        .unwrap_or_else(|| Value::String(timestamp_now()));
    let last_updated = old
        .and_then(|o| o.extra.get("last_updated").cloned())
        .unwrap_or_else(|| Value::String(timestamp_now()));
    key.extra.insert("created".into(), created);
    key.extra.insert("last_updated".into(), last_updated);
}

/// The single-key endpoints, unless the emulator plays a server without them (404, as for
/// any unknown path).
fn single_key_endpoint(sh: &Shared, method: &str, id: &str, kid: &str) -> Result<(), ApiFail> {
    if sh.faults.no_single_key_endpoints() {
        return Err(ApiFail::not_found(format!(
            "No endpoint {method} /api/v1/clients/{id}/jwks/{kid}"
        )));
    }
    Ok(())
}

pub async fn get_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, kid)): Path<(String, String)>,
) -> ApiResult {
    single_key_endpoint(&sh, "GET", &id, &kid)?;
    let me = caller(&sh, &headers, DCR_READ)?;
    let key = sh.store.read(|st| {
        own_client(st, &me.orgno, &id)?;
        st.keys(&id)
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str()))
            .cloned()
            .ok_or_else(|| ApiFail::not_found(format!("Client '{id}' has no key with kid '{kid}'")))
    })?;
    ok(&key)
}

/// Add the key `kid`, or replace the key of that kid: one `JsonWebKey`, checked as each key
/// of a set is, within the five-key limit. The client's other keys stay as they are.
pub async fn put_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, kid)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    single_key_endpoint(&sh, "PUT", &id, &kid)?;
    let me = caller(&sh, &headers, DCR_MODIFY)?;
    let (_, mut key): (_, Jwk) = super::body(&bytes, "JsonWebKey")?;
    let mut problems = Problems::new("JsonWebKey");
    if key.kid.as_deref().is_some_and(|k| k != kid) {
        problems.add(
            "kid",
            format!(
                "kid '{}' in the body differs from '{kid}' in the path",
                key.kid.as_deref().unwrap_or_default()
            ),
        );
    }
    key.kid = Some(kid.clone());
    let now = now_secs();
    check_key("", &key, &mut HashSet::new(), now, &mut problems);
    problems.check()?;
    let key = sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        let previous = st.keys(&id).to_vec();
        let others = previous.iter().filter(|k| k.kid != key.kid).count();
        if others + 1 > MAX_KEYS {
            return Err(ApiFail::field(
                "JsonWebKey",
                "kid",
                format!("a client can have at most {MAX_KEYS} keys: it has {others} others"),
            ));
        }
        stamp(&mut key, &previous, now + MAX_KEY_LIFETIME);
        if previous.iter().any(|k| k.kid == key.kid) {
            key.extra
                .insert("last_updated".into(), Value::String(timestamp_now()));
        }
        let set = st.jwks.entry(id.clone()).or_insert_with(|| Jwks {
            created: Some(timestamp_now()),
            ..Jwks::default()
        });
        set.keys.retain(|k| k.kid != key.kid);
        set.keys.push(key.clone());
        set.last_updated = Some(timestamp_now());
        Ok(key)
    })?;
    ok(&key)
}

pub async fn delete_one(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((id, kid)): Path<(String, String)>,
) -> ApiResult {
    single_key_endpoint(&sh, "DELETE", &id, &kid)?;
    let me = caller(&sh, &headers, DCR_MODIFY)?;
    sh.store.mutate(|st| {
        changeable_client(st, &me.orgno, &id)?;
        let not_found = || ApiFail::not_found(format!("Client '{id}' has no key with kid '{kid}'"));
        let set = st.jwks.get_mut(&id).ok_or_else(not_found)?;
        let before = set.keys.len();
        set.keys.retain(|k| k.kid.as_deref() != Some(kid.as_str()));
        if set.keys.len() == before {
            return Err(not_found());
        }
        set.last_updated = Some(timestamp_now());
        if set.keys.is_empty() {
            st.jwks.remove(&id);
        }
        Ok(())
    })?;
    empty()
}
