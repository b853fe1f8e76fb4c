//! Typed Maskinporten self-service admin API.

mod client;
mod error;
pub(crate) use error::snippet;
pub mod models;
mod retry;
pub mod types;

pub use client::{AdminApi, PublicScopeQuery};
pub use error::ApiError;
pub use retry::RetryPolicy;
