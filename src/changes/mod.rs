//! The change engine: every mutation of the estate as a `Change` value, and the one `Engine`
//! that reads what a change needs, journals it ahead, sends it and reports. The CLI, the TUI,
//! `apply` and `undo` all go through it, so they cannot drift apart.

mod change;
mod engine;
mod keygen;
mod undo;

pub use change::{Before, Change, NoInverse, Touched, scope_name};
pub use engine::{Applied, ChangeError, Engine, JournalTarget};
pub use keygen::{NewKey, NewKeyError, generate_and_upload};
pub use undo::{find, undo};
