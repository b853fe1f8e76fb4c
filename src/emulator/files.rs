//! The emulator's files on disk. It writes only into a directory that was empty or that it
//! made itself (marked by [`MARKER`]), never through a symbolic link and never over a file
//! it did not write: `--dir ~/.config/mpadmin` must not replace a real profiles file, and a
//! shared directory must not let another user redirect a private key. Each file is a temp
//! file renamed into place, so a reader never sees half a file and a kill leaves at worst a
//! temp file that the next start removes.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::EmulatorError;

/// The file that marks a directory as the emulator's.
pub const MARKER: &str = ".mpadmin-emulator";

/// Characters tempfile puts between the prefix and the suffix.
const TEMP_RANDOM_LEN: usize = 6;

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> EmulatorError + '_ {
    move |source| EmulatorError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Makes `dir` the emulator's: created 0700 when missing; an existing one must belong to
/// this user, be closed to others' writes, and be empty or carry [`MARKER`]. Removes temp
/// files an earlier, killed run left. Returns the canonical path.
pub fn claim(dir: &Path) -> Result<PathBuf, EmulatorError> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))?;
    let dir = fs::canonicalize(dir).map_err(io_error(dir))?;
    let refuse = |problem: String, fix: &str| EmulatorError::Dir {
        dir: dir.clone(),
        problem,
        fix: fix.to_owned(),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(&dir).map_err(io_error(&dir))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return Err(refuse(
                "belongs to another user".into(),
                "give --dir a directory of your own",
            ));
        }
        if meta.mode() & 0o002 != 0 {
            return Err(refuse(
                format!(
                    "every user may write to it (mode {:03o})",
                    meta.mode() & 0o777
                ),
                "chmod 700 it, or give --dir a new directory",
            ));
        }
    }
    let marker = dir.join(MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(m) if m.is_file() => {
            remove_stale_temps(&dir, MARKER);
            return Ok(dir);
        }
        Ok(_) => {
            return Err(refuse(
                format!("{MARKER} in it is not a file the emulator wrote"),
                "give --dir a new or empty directory",
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&marker)(e)),
    }
    if fs::read_dir(&dir).map_err(io_error(&dir))?.next().is_some() {
        return Err(refuse(
            format!("is not empty and was not made by `mpadmin emulator` (it has no {MARKER})"),
            "give --dir a new or empty directory: the emulator writes only there or into a directory it made, so that it never replaces a file of yours",
        ));
    }
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(&marker)
        .and_then(|mut f| {
            f.write_all(b"Made by `mpadmin emulator`, which rewrites the files in this directory on every start.\n")
        })
        .map_err(io_error(&marker))?;
    Ok(dir)
}

/// Puts `bytes` at `dir/name` (0600 when `private`, else 0644, whatever the umask) by
/// renaming a temp file over it. A symbolic link or anything but a regular file at that
/// name is refused.
pub fn write(dir: &Path, name: &str, bytes: &[u8], private: bool) -> Result<(), EmulatorError> {
    let path = dir.join(name);
    match fs::symlink_metadata(&path) {
        Ok(m) if !m.is_file() => {
            return Err(EmulatorError::Dir {
                dir: dir.to_owned(),
                problem: format!(
                    "{name} in it is a symbolic link or not a regular file, and the emulator never writes through one"
                ),
                fix: format!("remove {}", path.display()),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&path)(e)),
    }
    let mut tmp = temp_in(dir, MARKER).map_err(io_error(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private { 0o600 } else { 0o644 };
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_error(&path))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes).map_err(io_error(&path))?;
    tmp.as_file().sync_all().map_err(io_error(&path))?;
    tmp.persist(&path).map_err(|e| io_error(&path)(e.error))?;
    Ok(())
}

/// A new temp file in `dir`, named `.<stem>.XXXXXX.tmp` (created 0600, never over anything).
pub fn temp_in(dir: &Path, stem: &str) -> io::Result<NamedTempFile> {
    let stem = stem.trim_start_matches('.');
    tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".tmp")
        .rand_bytes(TEMP_RANDOM_LEN)
        .tempfile_in(dir)
}

/// Deletes the temp files [`temp_in`] named for `stem` in `dir` (left by a killed run); any
/// other file is left alone.
pub fn remove_stale_temps(dir: &Path, stem: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let is_ours = name.to_str().is_some_and(|n| is_temp_name(n, stem));
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn is_temp_name(name: &str, stem: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_prefix(stem.trim_start_matches('.')))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(".tmp"))
        .is_some_and(|r| r.len() == TEMP_RANDOM_LEN && r.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_our_own_temp_files_match() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temp_in(dir.path(), "state.json").unwrap();
        let name = tmp.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert!(is_temp_name(&name, "state.json"), "{name}");
        for other in [
            ".tmpAbC123",
            ".state.json.AbC12.tmp",
            ".state.json.AbC12!.tmp",
            ".other.json.AbC123.tmp",
            "state.json",
        ] {
            assert!(!is_temp_name(other, "state.json"), "{other}");
        }
    }
}
