//! The admin scopes of the self-service API and what each one allows (maskinporten-api.md
//! §3): one table for the client's refusals before sending, the UI's disabled keys and the
//! emulator's checks. Each constant lists the scopes any one of which is enough.

/// Read own scopes and their grants.
pub const SCOPES_READ: &[&str] = &["idporten:scopes.read", "idporten:scopes.write"];
/// Create, change and deactivate scopes; grant and revoke access.
pub const SCOPES_WRITE: &[&str] = &["idporten:scopes.write"];
/// Read own clients and their keys (changing them implies reading them).
pub const DCR_READ: &[&str] = &[
    "idporten:dcr.read",
    "idporten:dcr.modify",
    "idporten:dcr.write",
];
/// Change an existing client and its keys: `dcr.modify` allows this, but not creating or
/// deleting a client.
pub const DCR_MODIFY: &[&str] = &["idporten:dcr.modify", "idporten:dcr.write"];
/// Add, change and remove a client's on-behalf-of registrations.
pub const ONBEHALFOF_WRITE: &[&str] = &["idporten:dcr/onbehalfof:write", "idporten:dcr.write"];
/// Create and delete clients.
pub const DCR_WRITE: &[&str] = &["idporten:dcr.write"];
/// Create and manage clients for customer organisations (`client_orgno` = the customer):
/// the server sets `supplier_orgno` to ours, and only clients with our number there may be
/// changed.
pub const DCR_SUPPLIER: &[&str] = &["idporten:dcr.supplier"];

/// Whether a token with `granted` works as a supplier for customer organisations.
pub fn is_supplier(granted: &[String]) -> bool {
    missing(DCR_SUPPLIER, granted).is_none()
}

/// Why a client supplied by `supplier` may not be changed by organisation `ours` (the
/// `idporten:dcr.supplier` rule); `None` when it may.
pub fn not_our_supply(
    id: &str,
    supplier: Option<&str>,
    owner: Option<&str>,
    ours: &str,
) -> Option<String> {
    let supplier = supplier.filter(|s| !s.is_empty() && *s != ours)?;
    Some(format!(
        "client {id} (of organisation {}) has supplier_orgno {supplier}, not ours ({ours}): \
         only that supplier may change it, its keys or delete it",
        owner.unwrap_or("?")
    ))
}

/// The scope to ask for when `granted` holds none of `needs`: the one that allows the most
/// (the last), `None` when one is there.
pub fn missing(needs: &'static [&'static str], granted: &[String]) -> Option<&'static str> {
    if needs.iter().any(|n| granted.iter().any(|g| g == n)) {
        return None;
    }
    needs.last().copied()
}

/// Why a change is refused before it is sent: the scope, and who can add it.
pub fn refusal(what: &str, scope: &str) -> String {
    format!(
        "{what} needs the admin scope {scope}, which this session's admin token does not have: \
         add it to the profile's `scopes` if the admin client has it, else ask Digdir \
         (servicedesk@digdir.no) to add it to the admin client"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modify_allows_changing_clients_but_not_creating_them() {
        let modify = vec![
            "idporten:dcr.read".to_owned(),
            "idporten:dcr.modify".to_owned(),
        ];
        assert_eq!(missing(DCR_MODIFY, &modify), None);
        assert_eq!(missing(DCR_READ, &modify), None);
        assert_eq!(missing(DCR_WRITE, &modify), Some("idporten:dcr.write"));
        assert_eq!(
            missing(SCOPES_WRITE, &modify),
            Some("idporten:scopes.write")
        );
        let write = vec!["idporten:dcr.write".to_owned()];
        assert_eq!(missing(DCR_MODIFY, &write), None);
        assert!(!is_supplier(&write));
    }

    #[test]
    fn only_the_supplier_in_supplier_orgno_may_change_a_client() {
        let why = not_our_supply("c1", Some("921456794"), Some("810079193"), "921456786");
        let why = why.unwrap();
        assert!(
            why.contains("921456794") && why.contains("921456786"),
            "{why}"
        );
        assert_eq!(
            not_our_supply("c1", Some("921456786"), None, "921456786"),
            None
        );
        assert_eq!(
            not_our_supply("c1", None, Some("921456786"), "921456786"),
            None
        );
    }
}
