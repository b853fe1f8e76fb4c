//! What the benches that talk to the emulator share.

use mpadmin::emulator::{Emulator, EmulatorOptions, Seed};
use tempfile::TempDir;
use tokio::runtime::Runtime;

pub fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("{what}: {e}")
}

/// An emulator seeded with `scopes` scopes (20 grants each, a client with keys per two) on
/// a 2-worker runtime, as on the 2-core machine the budgets are for. Keep the `TempDir`:
/// the emulator's certificates and `keys.toml` live in it.
pub fn seeded_emulator(scopes: usize) -> (Runtime, TempDir, Emulator) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail("tokio runtime", e));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let emu = rt
        .block_on(Emulator::start(EmulatorOptions {
            seed: Seed::Size(scopes),
            ..EmulatorOptions::demo(dir.path())
        }))
        .unwrap_or_else(|e| fail("emulator", e));
    (rt, dir, emu)
}
