//! `GET /organizations/{orgnr}`: open, answered from the emulator's small registry.

use std::sync::Arc;

use axum::extract::{Path, State};

use super::{ApiResult, ok};
use crate::emulator::Shared;
use crate::emulator::errors::ApiFail;
use crate::wire::models::Organization;
use crate::wire::types::OrgNumber;

pub async fn lookup(State(sh): State<Arc<Shared>>, Path(orgnr): Path<String>) -> ApiResult {
    let orgnr: OrgNumber = orgnr
        .parse()
        .map_err(|e: crate::wire::types::InvalidValue| {
            ApiFail::field("Organization", "orgnr", e.0)
        })?;
    let name = sh
        .store
        .read(|st| st.organizations.get(orgnr.as_str()).cloned());
    match name {
        Some(name) => ok(&Organization {
            orgnr: orgnr.to_string(),
            name,
        }),
        None => Err(ApiFail::not_found(format!(
            "Fant ingen organisasjon med organisasjonsnummer {orgnr}"
        ))),
    }
}
