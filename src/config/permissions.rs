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

fn loose(path: &Path) -> Option<String> {
    loose_mode(path).map(|mode| {
        format!(
            "{} can be read by other users (mode {mode:03o}); fix: chmod 600 {}",
            path.display(),
            path.display()
        )
    })
}

/// The permission bits of `path` when group or others may use it; `None` when only the
/// owner may, when it cannot be read, and always off Unix.
#[cfg(unix)]
pub fn loose_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
pub fn loose_mode(_path: &Path) -> Option<u32> {
    None
}

/// Problem and fix for an unencrypted private key that others may read, which a PROD
/// profile refuses (as ssh does): every local user already holds the production key.
pub fn exposed_key(path: &Path, mode: u32) -> (String, String) {
    (
        format!(
            "{} is not encrypted and other users can read it (mode {mode:03o}); a PROD profile refuses such a key, as ssh does",
            path.display()
        ),
        format!("chmod 600 {}", path.display()),
    )
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
