//! mpadmin: administer Maskinporten self-service from the keyboard.
//!
//! Layers point one way: `tui`, `cli` -> `api` -> `auth` -> `config`.
//! `emulator` stands apart and shares only `api::models` / `api::types`; `net` (capped
//! bodies, refused redirects) is a leaf under `api` and `auth`.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod journal;
pub mod keys;
pub mod net;
pub mod tui;
