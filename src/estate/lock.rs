//! One apply at a time per organisation and environment on this machine: a lock file made
//! with `create_new` holding the process id, removed when the apply ends. A lock left by a
//! process that no longer runs (killed, crashed) is taken over, and the user is told.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another apply for this organisation is running (process {pid}, lock file {}): wait for it to finish; if no such process runs, delete the file",
        path.display()
    )]
    Held { path: PathBuf, pid: String },
    #[error("cannot make the apply lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `apply-<organisation>-<environment>.lock`, with anything but letters, digits, `.`, `-`
/// and `_` replaced.
pub fn file_name(organization: &str, environment: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("apply-{}-{}.lock", clean(organization), clean(environment))
}

/// Whether process `pid` runs. Where this cannot be told, it is taken to run: a lock is
/// never taken from a live apply.
fn running(pid: &str) -> bool {
    let Ok(pid) = pid.trim().parse::<u32>() else {
        // Not written by mpadmin, or torn: nobody holds it.
        return false;
    };
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Take the lock `name` in `dir`. The `String` says a stale lock was taken over.
pub fn acquire(dir: &Path, name: &str) -> Result<(Lock, Option<String>), LockError> {
    let path = dir.join(name);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut note = None;
    loop {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(mut file) => {
                writeln!(file, "{}", std::process::id()).map_err(io)?;
                return Ok((Lock { path }, note));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && note.is_none() => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                let pid = pid.lines().next().unwrap_or_default().trim().to_owned();
                if running(&pid) {
                    return Err(LockError::Held { path, pid });
                }
                std::fs::remove_file(&path).or_else(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(io(e))
                    }
                })?;
                note = Some(format!(
                    "took over the apply lock {}: process {} that held it no longer runs",
                    path.display(),
                    if pid.is_empty() { "(unknown)" } else { &pid }
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Someone else took it between our removal and our creation.
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(LockError::Held {
                    pid: pid.trim().to_owned(),
                    path,
                });
            }
            Err(e) => return Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, note) = acquire(dir.path(), "apply-x.lock").unwrap();
        assert!(note.is_none());
        let held = acquire(dir.path(), "apply-x.lock").unwrap_err();
        assert!(
            held.to_string().contains(&std::process::id().to_string()),
            "{held}"
        );
        drop(lock);
        assert!(!dir.path().join("apply-x.lock").exists());
        acquire(dir.path(), "apply-x.lock").unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lock_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        std::fs::write(dir.path().join("apply-x.lock"), format!("{dead}\n")).unwrap();
        let (_lock, note) = acquire(dir.path(), "apply-x.lock").unwrap();
        let note = note.unwrap();
        assert!(note.contains(&format!("process {dead}")), "{note}");
        let now = std::fs::read_to_string(dir.path().join("apply-x.lock")).unwrap();
        assert_eq!(now.trim(), std::process::id().to_string());
    }

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(file_name("991825827", "PROD"), "apply-991825827-prod.lock");
        assert_eq!(file_name("../x", "a b"), "apply-.._x-a_b.lock");
    }
}
