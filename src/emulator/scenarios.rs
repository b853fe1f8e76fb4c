//! Situations an organisation can really be in, set up on a running emulator so a test (or the
//! doctor's) can show how mpadmin explains them. They change the state, not the rules: the
//! token endpoint and the admin API then refuse exactly as they would for such an
//! organisation.

use super::certs::OWN_ORGNO;
use super::seed::{ADMIN_CLIENT_ID, ADMIN_KID_CLIENT_ID};
use super::{Emulator, EmulatorError};

impl Emulator {
    /// Take `scopes` off the demo organisation's admin clients, as if Digdir had never
    /// registered them there: a grant asking for one is refused with MP-200 naming it.
    pub fn withdraw_admin_scopes(&self, scopes: &[&str]) -> Result<(), EmulatorError> {
        self.edit_state(|st| {
            for id in [ADMIN_CLIENT_ID, ADMIN_KID_CLIENT_ID] {
                if let Some(client) = st.clients.get_mut(id) {
                    client.scopes.retain(|s| !scopes.contains(&s.as_str()));
                }
            }
        })
    }

    /// Take every prefix away from the demo organisation, as for one Digdir never gave a
    /// prefix: `GET /prefix` answers "does not have any prefixes" and creating a scope is
    /// refused. Scopes made earlier stay.
    pub fn remove_own_prefixes(&self) -> Result<(), EmulatorError> {
        self.edit_state(|st| {
            st.prefixes
                .retain(|_, p| p.owner_orgno.as_deref() != Some(OWN_ORGNO));
        })
    }
}
