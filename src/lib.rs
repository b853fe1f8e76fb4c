//! mpadmin: administer Maskinporten self-service from the keyboard.
//!
//! Layers point one way: `tui`, `cli` -> `api` -> `auth` -> `config`.
//! `emulator` stands apart and shares only `api::models` / `api::types`.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod journal;
pub mod keys;
pub mod private_files;
pub mod tui;
