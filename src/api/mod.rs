//! Typed Maskinporten self-service admin API.

mod client;
mod error;
pub(crate) use error::snippet;
pub mod models;
pub mod types;

pub use client::{AdminApi, PublicScopeQuery};
pub use error::ApiError;
