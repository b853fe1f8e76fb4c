//! Digdir's two error formats: the token endpoint's OAuth body with an MP code, and the admin
//! API's `ApiErrorResponse` with field errors and a correlation id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::wire::models::{ApiErrorBody, FieldError, TokenErrorBody};

/// 32 lower-case hex digits, the shape of Digdir's trace and correlation ids.
pub fn hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A refused token request.
#[derive(Debug)]
pub struct TokenFail {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub code: Option<&'static str>,
}

impl TokenFail {
    pub fn new(
        error: &'static str,
        code: Option<&'static str>,
        description: impl Into<String>,
    ) -> Self {
        let status = if error == "forbidden" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        TokenFail {
            status,
            error,
            description: description.into(),
            code,
        }
    }

    /// `invalid_grant` with an MP code.
    pub fn grant(code: &'static str, description: impl Into<String>) -> Self {
        Self::new("invalid_grant", Some(code), description)
    }

    pub fn body(&self, issuer: &str) -> TokenErrorBody {
        TokenErrorBody {
            error: self.error.to_owned(),
            error_description: Some(format!("{} (trace_id: {})", self.description, hex_id())),
            error_uri: self.code.map(|c| format!("{issuer}errors/{c}")),
        }
    }
}

/// A refused admin API request; becomes the §4.8 body.
#[derive(Debug, Clone)]
pub struct ApiFail {
    pub status: StatusCode,
    pub object: &'static str,
    pub errors: Vec<(Option<String>, String)>,
}

impl ApiFail {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiFail {
            status,
            object: "Request",
            errors: vec![(None, message.into())],
        }
    }

    /// A 400 naming the field that is wrong.
    pub fn field(object: &'static str, field: &str, message: impl Into<String>) -> Self {
        ApiFail {
            status: StatusCode::BAD_REQUEST,
            object,
            errors: vec![(Some(field.to_owned()), message.into())],
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn body(&self) -> ApiErrorBody {
        let joined = self
            .errors
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        ApiErrorBody {
            status: Some(self.status.as_u16()),
            timestamp: Some(super::state::timestamp_now()),
            correlation_id: Some(hex_id()),
            errors: self
                .errors
                .iter()
                .map(|(field, msg)| FieldError {
                    error_message: msg.clone(),
                    is_field_error: field.is_some(),
                    object_name: Some(self.object.to_owned()),
                    field_identifier: field.clone(),
                })
                .collect(),
            error: Some(joined.clone()),
            error_description: Some(joined),
        }
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        resp
    }
}
