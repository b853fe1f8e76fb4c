//! Warn when files holding secrets can be read by other users.

use std::path::Path;

use super::{Profile, Signing};

impl Profile {
    /// The files of this profile that hold secret material (the key or the PKCS#12 file).
    pub fn secret_files(&self) -> Vec<&Path> {
        match &self.signing {
            Signing::Pkcs12 { path, .. } => vec![path],
            Signing::PemPair { private_key, .. } | Signing::OwnKey { private_key, .. } => {
                vec![private_key]
            }
        }
    }
}

/// One warning (with the fix) per file that group or others may read or write. The profiles
/// file counts too: it names the key files and client ids. Always empty off Unix.
pub fn loose_permissions<'a>(files: impl IntoIterator<Item = &'a Path>) -> Vec<String> {
    files.into_iter().filter_map(loose).collect()
}

#[cfg(unix)]
fn loose(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} can be read by other users (mode {:03o}); fix: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn loose(_path: &Path) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn group_or_world_readable_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open.pem");
        let closed = dir.path().join("closed.pem");
        for (p, mode) in [(&open, 0o644), (&closed, 0o600)] {
            std::fs::write(p, "x").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let w = loose_permissions([open.as_path(), closed.as_path(), Path::new("/no/such")]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("open.pem") && w[0].contains("644") && w[0].contains("chmod 600"));
    }
}
