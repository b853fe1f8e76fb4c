//! Changing a client's key set. Digdir only replaces the whole set, so every change is "the
//! current keys, changed": old keys are sent back with their `exp` (so they keep it) and with
//! `use: sig`, which Digdir has required since 2025 even of keys uploaded before. An old key
//! with an `alg` the admin API no longer takes (RS384) stops the change, naming the key.

use super::KeyError;
use super::lint::{MAX_KEYS_PER_CLIENT, UPLOAD_ALGS};
use crate::api::models::Jwk;

fn kid_of(k: &Jwk) -> &str {
    k.kid.as_deref().unwrap_or_default()
}

fn kids(keys: &[Jwk]) -> String {
    let kids: Vec<&str> = keys.iter().map(kid_of).collect();
    if kids.is_empty() {
        "it has no keys".to_owned()
    } else {
        format!("its keys are {}", kids.join(", "))
    }
}

/// The kept keys as they are sent back. A key whose `alg` the admin API no longer takes
/// (RS384, from before its key type allowed only RS256 and RS512) is refused by name rather
/// than dropped or changed: dropping it would lock out the systems signing with it, and
/// changing its `alg` would change what they must sign with, both without a word.
fn patched(keys: impl IntoIterator<Item = Jwk>) -> Result<Vec<Jwk>, KeyError> {
    let keys: Vec<Jwk> = keys
        .into_iter()
        .map(|mut k| {
            k.use_.get_or_insert_with(|| "sig".to_owned());
            k
        })
        .collect();
    let stale: Vec<String> = keys
        .iter()
        .filter(|k| k.alg.as_deref().is_some_and(|a| !UPLOAD_ALGS.contains(&a)))
        .map(|k| format!("'{}' ({})", kid_of(k), k.alg.as_deref().unwrap_or_default()))
        .collect();
    if !stale.is_empty() {
        return Err(KeyError::Invalid(format!(
            "the client's key {} has an alg Digdir's admin API no longer accepts (it takes \
             RS256 or RS512), and every key change sends the whole set back, so the change \
             would be refused: remove that key first (`mpadmin keys remove CLIENT KID`; systems \
             signing with it then stop getting tokens) and upload its replacement with alg RS256",
            stale.join(", ")
        )));
    }
    Ok(keys)
}

/// The set to upload: `existing` without the keys named in `drop`, plus `new`. Refuses a
/// duplicate kid, an unknown kid in `drop` and more than five keys.
pub fn with_key(existing: &[Jwk], new: Jwk, drop: &[String]) -> Result<Vec<Jwk>, KeyError> {
    if let Some(missing) = drop
        .iter()
        .find(|d| !existing.iter().any(|k| kid_of(k) == d.as_str()))
    {
        return Err(KeyError::Invalid(format!(
            "the client has no key '{missing}' to remove; {}",
            kids(existing)
        )));
    }
    let kept: Vec<Jwk> = existing
        .iter()
        .filter(|k| !drop.iter().any(|d| d == kid_of(k)))
        .cloned()
        .collect();
    let new_kid = kid_of(&new);
    if kept.iter().any(|k| kid_of(k) == new_kid) {
        return Err(KeyError::Invalid(format!(
            "the client already has a key with kid '{new_kid}': choose another kid"
        )));
    }
    if kept.len() >= MAX_KEYS_PER_CLIENT {
        return Err(KeyError::Invalid(format!(
            "the client would have {} keys and Digdir keeps at most {MAX_KEYS_PER_CLIENT}: remove one first",
            kept.len() + 1
        )));
    }
    let mut set = patched(kept)?;
    set.push(new);
    Ok(set)
}

/// The set without the key `kid`, or an error naming the kids the client has.
pub fn without_key(existing: &[Jwk], kid: &str) -> Result<Vec<Jwk>, KeyError> {
    if !existing.iter().any(|k| kid_of(k) == kid) {
        return Err(KeyError::Invalid(format!(
            "the client has no key '{kid}'; {}",
            kids(existing)
        )));
    }
    patched(existing.iter().filter(|k| kid_of(k) != kid).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            exp: Some(1_900_000_000),
            ..Jwk::default()
        }
    }

    fn kid_list(keys: &[Jwk]) -> Vec<&str> {
        keys.iter().map(kid_of).collect()
    }

    #[test]
    fn adds_beside_old_keys_keeping_exp_and_patching_use() {
        let set = with_key(&[key("a")], key("b"), &[]).unwrap();
        assert_eq!(kid_list(&set), ["a", "b"]);
        assert_eq!(set[0].use_.as_deref(), Some("sig"));
        assert_eq!(set[0].exp, Some(1_900_000_000));
    }

    #[test]
    fn fifth_key_fits_sixth_needs_a_drop() {
        let four: Vec<Jwk> = (0..4).map(|i| key(&format!("k{i}"))).collect();
        assert_eq!(with_key(&four, key("new"), &[]).unwrap().len(), 5);
        let five: Vec<Jwk> = (0..5).map(|i| key(&format!("k{i}"))).collect();
        let err = with_key(&five, key("new"), &[]).unwrap_err().to_string();
        assert!(err.contains("6 keys"), "{err}");
        let set = with_key(&five, key("new"), &["k2".into()]).unwrap();
        assert_eq!(kid_list(&set), ["k0", "k1", "k3", "k4", "new"]);
    }

    #[test]
    fn refuses_duplicate_kid_and_unknown_drop() {
        let err = with_key(&[key("a")], key("a"), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("already has a key with kid 'a'"), "{err}");
        // Dropping the old key of the same kid makes room for its replacement.
        assert_eq!(
            with_key(&[key("a")], key("a"), &["a".into()])
                .unwrap()
                .len(),
            1
        );
        let err = with_key(&[key("a")], key("b"), &["z".into()])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the client has no key 'z' to remove; its keys are a");
    }

    #[test]
    fn an_old_rs384_key_is_named_not_resent_or_dropped() {
        let mut old = key("legacy");
        old.alg = Some("RS384".into());
        let mut fine = key("a");
        fine.alg = Some("RS256".into());
        for err in [
            with_key(&[fine.clone(), old.clone()], key("new"), &[]).unwrap_err(),
            without_key(&[fine.clone(), old.clone(), key("b")], "b").unwrap_err(),
        ] {
            let err = err.to_string();
            assert!(err.contains("'legacy' (RS384)"), "{err}");
            assert!(err.contains("mpadmin keys remove"), "{err}");
        }
        // Removing the RS384 key itself is the way out.
        assert_eq!(
            kid_list(&without_key(&[fine, old], "legacy").unwrap()),
            ["a"]
        );
        // Dropping it in the same change works too.
        let mut old = key("legacy");
        old.alg = Some("RS384".into());
        assert_eq!(
            kid_list(&with_key(&[old], key("new"), &["legacy".into()]).unwrap()),
            ["new"]
        );
    }

    #[test]
    fn without_key_keeps_the_others() {
        let rest = without_key(&[key("a"), key("b")], "a").unwrap();
        assert_eq!(kid_list(&rest), ["b"]);
        let err = without_key(&[], "a").unwrap_err().to_string();
        assert_eq!(err, "the client has no key 'a'; it has no keys");
    }
}
