//! File modes whatever the umask: directories mpadmin creates are 0700 and its files 0600,
//! also under umask 000. The umask is per process, so every test here takes `UMASK` first:
//! the tests of this binary run one at a time, and no other test binary is affected.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use mpadmin::journal::{Entry, Journal, Operation};

static UMASK: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    UMASK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `f` with the process umask at `mask`, restored afterwards (also when `f` panics).
fn with_umask<R>(mask: libc::mode_t, f: impl FnOnce() -> R) -> R {
    let _serial = serial();
    // SAFETY: umask only swaps the process's file mode mask; `UMASK` keeps this binary's
    // other tests from creating files meanwhile.
    let old = unsafe { libc::umask(mask) };
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    result.unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// The permission bits in octal, as `ls -l` and chmod say them.
fn mode(path: &Path) -> String {
    format!(
        "{:o}",
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    )
}

#[test]
fn the_journal_and_its_directories_are_private_under_umask_000() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let journal = Journal::at(data.join("mpadmin/journal.jsonl"));
    with_umask(0, || {
        journal
            .append(&Entry::new("p", "TEST", Operation::ScopeCreate, "a:b"))
            .unwrap();
    });
    assert_eq!(mode(&data), "700");
    assert_eq!(mode(&data.join("mpadmin")), "700");
    assert_eq!(mode(journal.path()), "600");
}

#[test]
fn log_files_and_their_directories_are_private_under_umask_000() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    // The binary under umask 000: an error is logged at warn level.
    let out = Command::new("sh")
        .args(["-c", "umask 000; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_mpadmin"))
        .args(["--log-level", "debug", "--keys"])
        .arg(tmp.path().join("missing.toml"))
        .args(["scopes", "list"])
        .env("HOME", tmp.path())
        .env("XDG_STATE_HOME", &state)
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .env_remove("MPADMIN_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let logs = state.join("mpadmin/logs");
    let files: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("missing.toml"),
        "the error was logged"
    );
    assert_eq!(mode(&files[0]), "600", "{}", files[0].display());
    for dir in [&state, &state.join("mpadmin"), &logs] {
        assert_eq!(mode(dir), "700", "{}", dir.display());
    }
}

#[test]
fn the_emulator_dir_is_private_and_its_certificates_not_writable_under_umask_000() {
    use mpadmin::emulator::{Emulator, EmulatorOptions};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("emu");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = with_umask(0, || {
        rt.block_on(Emulator::start(EmulatorOptions::demo(&dir)))
    });
    rt.block_on(emu.unwrap().shutdown());
    assert_eq!(mode(&dir), "700");
    for (file, want) in [
        ("ca.pem", "644"),
        ("business.cert.pem", "644"),
        ("business.key.pem", "600"),
        ("keys.toml", "600"),
        ("p12-password.txt", "600"),
    ] {
        assert_eq!(mode(&dir.join(file)), want, "{file}");
    }
}
