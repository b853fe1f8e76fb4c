//! Typed Maskinporten self-service admin API.

mod client;
mod connect;
mod error;
mod retry;

// The wire vocabulary is the API's too: `api::models::Scope` reads as it always did.
pub use crate::wire::{models, types};

pub use client::{AdminApi, PublicScopeQuery};
pub use connect::{Prepared, connect, connect_with, http_client, prepare};
pub use error::ApiError;
pub use retry::RetryPolicy;
