//! The PKCS#12 password in the OS keychain (Linux kernel keyutils, macOS Keychain, Windows
//! Credential Manager), as an alternative to an environment variable. One entry per profile:
//! service from `pkcs12_password_keyring`, account = the profile's name.

use super::Secret;

/// The stored password; `Ok(None)` when nothing is stored under that name.
pub fn get(service: &str, account: &str) -> Result<Option<Secret>, String> {
    match entry(service, account)?.get_password() {
        Ok(pw) => Ok(Some(Secret::new(pw))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(service, account, &e)),
    }
}

/// Store (or replace) the password.
pub fn set(service: &str, account: &str, password: &Secret) -> Result<(), String> {
    entry(service, account)?
        .set_password(password.expose())
        .map_err(|e| match e {
            // What keyutils answers where there is no keyring to store into.
            keyring::Error::NoEntry => describe(
                service,
                account,
                &e,
            ) + "; the keychain could not store it (on Linux: no kernel keyring for this session, as in many containers)",
            e => describe(service, account, &e),
        })
}

/// Remove the password; `Ok(false)` when there was none.
pub fn delete(service: &str, account: &str) -> Result<bool, String> {
    match entry(service, account)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(describe(service, account, &e)),
    }
}

fn entry(service: &str, account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(service, account).map_err(|e| describe(service, account, &e))
}

/// keyring's errors never hold the secret; they may hold platform detail worth showing.
fn describe(service: &str, account: &str, e: &keyring::Error) -> String {
    format!("OS keychain (service '{service}', account '{account}'): {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keyring's mock store: every entry starts empty and forgets when dropped, so this
    /// checks the mapping of its answers, not persistence.
    #[test]
    fn answers_of_the_store_are_mapped() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        assert!(matches!(get("mpadmin-test", "p"), Ok(None)));
        assert_eq!(set("mpadmin-test", "p", &Secret::new("pw".into())), Ok(()));
        assert_eq!(delete("mpadmin-test", "p"), Ok(false));

        let msg = describe(
            "svc",
            "acct",
            &keyring::Error::NoStorageAccess(std::io::Error::other("locked").into()),
        );
        assert!(
            msg.contains("service 'svc', account 'acct'") && msg.contains("locked"),
            "{msg}"
        );
    }
}
