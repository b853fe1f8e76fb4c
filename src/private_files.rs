//! Files and directories only the user may use, whatever the umask: directories are created
//! 0700, files 0600, a file found more open is tightened, and nothing is opened through a
//! symbolic link (another user who can write the directory could point one at `~/.bashrc`).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents, each 0700 (a directory that exists is left as is).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A file opened for appending by [`open_append`].
pub struct Appending {
    pub file: File,
    /// The permission bits it had when group or others could use it (it is 0600 now).
    pub tightened_from: Option<u32>,
}

/// Opens `path` for appending, creating it 0600. Refused when `path` is a symbolic link or
/// not a regular file; an existing file that group or others may use is set to 0600.
pub fn open_append(path: &Path) -> io::Result<Appending> {
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(path).map_err(|e| {
        // O_NOFOLLOW's error (ELOOP on Linux and macOS, EMLINK on FreeBSD) says little.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(
                "is a symbolic link, and mpadmin never writes through one: remove the link (mpadmin then creates the file itself)",
            )
        } else {
            e
        }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(
            "is not a regular file: remove it (mpadmin then creates the file itself)",
        ));
    }
    Ok(Appending {
        tightened_from: tighten(&file, &meta)?,
        file,
    })
}

/// Writes `bytes` as the whole of `path`, 0600: into a new sibling file first, then renamed
/// over it, so a reader never sees half a file and a link at `path` is replaced, not followed.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(unix)]
fn tighten(file: &File, meta: &std::fs::Metadata) -> io::Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(Some(mode))
}

#[cfg(not(unix))]
fn tighten(_file: &File, _meta: &std::fs::Metadata) -> io::Result<Option<u32>> {
    Ok(None)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_created_private_and_loose_ones_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.log");
        assert_eq!(open_append(&new).unwrap().tightened_from, None);
        assert_eq!(mode(&new), 0o600);
        let loose = dir.path().join("loose.log");
        std::fs::write(&loose, "kept\n").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(open_append(&loose).unwrap().tightened_from, Some(0o644));
        assert_eq!(mode(&loose), 0o600);
        assert_eq!(std::fs::read_to_string(&loose).unwrap(), "kept\n");
        assert_eq!(open_append(&loose).unwrap().tightened_from, None);
    }

    #[test]
    fn links_and_other_kinds_of_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "VICTIM ORIGINAL").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = open_append(&link).err().unwrap().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "VICTIM ORIGINAL");
        assert_eq!(mode(&victim), 0o644);
        let err = open_append(dir.path()).err().unwrap().to_string();
        assert!(!err.is_empty());
    }
}
