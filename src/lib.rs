//! mpadmin: administer Maskinporten self-service from the keyboard.
//!
//! Layers point one way: `tui`, `cli` -> `changes` (and `doctor`, the read-only checks) ->
//! `api` -> `auth` -> `config`, with the wire vocabulary (`wire`) a leaf they all use.
//! `emulator` stands apart and shares only `wire`. `net` (capped bodies, refused redirects)
//! is a leaf under `api` and `auth`; `text` (what may reach the terminal) is a leaf every
//! front uses.

pub mod api;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod emulator;
pub mod estate;
pub mod journal;
pub mod keys;
pub mod names;
pub mod net;
pub mod private_files;
pub mod text;
pub mod tui;
pub mod wire;
