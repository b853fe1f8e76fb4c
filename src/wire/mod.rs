//! The wire vocabulary: the API's models and the identifiers parsed at the edge, shared by
//! `api`, `auth`, the change engine, the fronts and the emulator (one definition), so no
//! layer has to reach up into another for a type.

pub mod admin;
pub mod kinds;
pub mod models;
mod open;
pub mod text;
pub mod types;
