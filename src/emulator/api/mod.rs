//! The self-service admin API under `/api/v1`: routing and what every handler needs
//! (the caller from the bearer token, query flags, JSON bodies parsed into the wire models).

mod access;
mod auth;
mod clients;
mod jwks;
mod onbehalfof;
mod organizations;
mod scopes;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Shared;
use super::errors::ApiFail;
pub use auth::caller;

pub type ApiResult = Result<Response, ApiFail>;
pub type Query = HashMap<String, String>;

pub use crate::wire::admin::{
    DCR_MODIFY, DCR_READ, DCR_SUPPLIER, DCR_WRITE, SCOPES_READ, SCOPES_WRITE,
};

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/scopes/all", get(scopes::public_scopes))
        .route(
            "/scopes",
            get(scopes::own_scopes)
                .post(scopes::create_scope)
                .put(scopes::update_scope)
                .delete(scopes::deactivate_scope),
        )
        .route("/prefix", get(scopes::prefixes))
        .route("/delegationsources", get(scopes::delegation_sources))
        .route("/scopes/access", get(access::list))
        .route("/scopes/access/all", get(access::granted_to_us))
        .route(
            "/scopes/access/{orgno}",
            put(access::grant).delete(access::revoke),
        )
        .route("/clients", get(clients::list).post(clients::create))
        .route(
            "/clients/{id}",
            get(clients::get_one)
                .put(clients::update)
                .delete(clients::delete_one),
        )
        .route(
            "/clients/{id}/jwks",
            get(jwks::get_set)
                .post(jwks::replace)
                .put(jwks::replace)
                .delete(jwks::delete_all),
        )
        .route(
            "/clients/{id}/jwks/{kid}",
            get(jwks::get_one)
                .put(jwks::put_one)
                .delete(jwks::delete_one),
        )
        .route(
            "/clients/{id}/onbehalfof",
            get(onbehalfof::list).post(onbehalfof::create),
        )
        .route(
            "/clients/{id}/onbehalfof/{onbehalfof}",
            get(onbehalfof::get_one)
                .put(onbehalfof::update)
                .delete(onbehalfof::delete_one),
        )
        .route("/organizations/{orgnr}", get(organizations::lookup))
}

pub async fn not_found(method: Method, uri: Uri) -> ApiFail {
    ApiFail::not_found(format!("No endpoint {method} {}", uri.path()))
}

/// `?inactive=true` and friends (Digdir's docs also write `TRUE`).
pub fn flag(q: &Query, name: &str) -> bool {
    q.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A required query parameter.
pub fn required<'a>(q: &'a Query, name: &str) -> Result<&'a str, ApiFail> {
    q.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiFail::bad_request(format!("Query parameter '{name}' is required")))
}

/// A JSON body as the raw object (to see which fields were sent) and as the model.
pub fn body<T: DeserializeOwned>(
    bytes: &[u8],
    object: &'static str,
) -> Result<(serde_json::Map<String, Value>, T), ApiFail> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiFail::field(
            object,
            "body",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ApiFail::field(
            object,
            "body",
            "The request body must be a JSON object",
        ));
    };
    let model = serde_path_to_error::deserialize(Value::Object(map.clone())).map_err(|e| {
        let field = e.path().to_string();
        ApiFail::field(object, &field, format!("{field}: {}", e.inner()))
    })?;
    Ok((map, model))
}

/// 200 with a JSON body.
pub fn ok<T: serde::Serialize>(value: &T) -> ApiResult {
    Ok(axum::Json(value).into_response())
}

/// 200 with an empty body (DELETE of clients and keys).
pub fn empty() -> ApiResult {
    Ok(StatusCode::OK.into_response())
}

/// Collects field errors so one answer lists every problem of a body.
pub struct Problems {
    object: &'static str,
    errors: Vec<(Option<String>, String)>,
}

impl Problems {
    pub fn new(object: &'static str) -> Problems {
        Problems {
            object,
            errors: Vec::new(),
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((Some(field.to_owned()), message.into()));
    }

    /// One problem per member of `raw` in `server_owned`: the request types have no such
    /// member, so a body carrying one was built from a GET answer and is refused.
    pub fn server_owned(&mut self, raw: &serde_json::Map<String, Value>, server_owned: &[&str]) {
        for field in server_owned.iter().filter(|f| raw.contains_key(**f)) {
            self.add(
                field,
                format!("{field} is set by the server and must not be sent in a request"),
            );
        }
    }

    /// A 400 listing every problem, or `Ok` when there were none.
    pub fn check(self) -> Result<(), ApiFail> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(ApiFail {
            status: StatusCode::BAD_REQUEST,
            object: self.object,
            errors: self.errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::models::{Client, Scope};
    use proptest::prelude::*;

    proptest! {
        /// Any bytes as a request body give a model or a 400 naming a field, never a panic.
        #[test]
        fn bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Err(e) = body::<Scope>(&bytes, "Scope") {
                prop_assert_eq!(e.status, StatusCode::BAD_REQUEST);
                prop_assert!(e.errors.iter().all(|(f, _)| f.is_some()));
            }
            let _ = body::<Client>(&bytes, "Client");
        }
    }

    #[test]
    fn mistyped_fields_are_named() {
        let e =
            body::<Scope>(br#"{"prefix":"a","accessible_for_all":"yes"}"#, "Scope").unwrap_err();
        assert_eq!(e.errors[0].0.as_deref(), Some("accessible_for_all"));
        let e = body::<Scope>(b"[1,2]", "Scope").unwrap_err();
        assert_eq!(e.errors[0].0.as_deref(), Some("body"));
    }
}
