//! mpadmin: administer Maskinporten self-service from the keyboard.
//!
//! Layers point one way: `tui`, `cli` -> `changes` (and `doctor`, the read-only checks) ->
//! `api` -> `auth` -> `config`, with the wire vocabulary (`wire`) a leaf they all use. `emulator` stands apart and shares only
//! `wire`.

pub mod api;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod emulator;
pub mod journal;
pub mod keys;
pub mod tui;
pub mod wire;
