//! Typed Maskinporten self-service admin API.

mod client;
mod connect;
mod error;
pub(crate) use error::{snippet, transport_message};
pub mod models;
mod retry;
pub mod types;

pub use client::{AdminApi, PublicScopeQuery};
pub use connect::{Prepared, connect, connect_with, http_client, prepare};
pub use error::ApiError;
pub use retry::RetryPolicy;
