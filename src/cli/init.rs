//! `mpadmin init`: a commented starter profiles file where mpadmin looks for one, readable by
//! the owner only, never over an existing file.

use std::io::Write;
use std::path::Path;

use super::GlobalArgs;
use super::commands::CliError;
use super::output::Output;
use crate::config;

/// One TEST profile with the business certificate as delivered; `mpadmin doctor` then says
/// what is still to fill in.
const STARTER: &str = r#"# mpadmin profiles file, written by `mpadmin init`. Fill in the two values marked FILL IN,
# then run `mpadmin doctor`: it checks this file, the certificate, the network and a real
# token, and says what to fix. keys.example in the mpadmin repository describes every field
# (PEM files, a key registered with a kid, a PROD profile).
#
# Passwords never go in this file: the PKCS#12 password is read from the environment
# variable named below, else the OS keychain (`mpadmin keyring set test`), else asked for.

default_profile = "test"

[profiles.test]
# Digdir's test environment (https://test.maskinporten.no/). Use "prod" only in a profile of
# its own: every change there is confirmed by name.
environment = "test"

# FILL IN: the id of the admin client Digdir (servicedesk@digdir.no) registered for your
# organisation; it carries the admin scopes.
client_id = "00000000-0000-0000-0000-000000000000"

# Admin scopes to ask for; these are the defaults. Each must be registered on the admin
# client (else Maskinporten answers MP-200).
scopes = ["idporten:scopes.write", "idporten:dcr.read", "idporten:dcr.write"]

# FILL IN: your TEST business certificate (.p12/.pfx from Buypass or Commfides). ~/ is your
# home directory; a relative path starts at this file's directory.
pkcs12 = "~/certs/test-business-certificate.p12"

# The NAME of the environment variable holding the PKCS#12 password (not the password).
pkcs12_password_env = "MPADMIN_P12_PASSWORD"
"#;

pub fn run(global: &GlobalArgs, out: &mut Output) -> Result<(), CliError> {
    let paths = config::paths(global.keys.as_deref());
    let Some(path) = paths.profiles else {
        return Err(CliError::Usage(
            "this system has no config directory: run `mpadmin --keys FILE init` to choose where the profiles file goes".into(),
        ));
    };
    write_new(&path, STARTER)?;
    out.say(&format!(
        "wrote {} ({}): fill in client_id and pkcs12, then run `mpadmin doctor`",
        path.display(),
        paths.profiles_origin
    ))?;
    Ok(())
}

/// Create `path` (and its directory) with `text`, mode 0600; refuse when it exists.
fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::Usage(format!("cannot {what} {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| fail("create the directory of", e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "{} exists already and mpadmin init never overwrites it: edit it, and run `mpadmin doctor` to see what is missing",
                path.display()
            ))
        } else {
            fail("create", e)
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", e))
}

/// The config directory holds key paths and client ids: only its owner needs to list it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_parses_and_names_the_fields_left_to_fill_in() {
        let file = config::ProfilesFile::parse(Path::new("/x/keys.toml"), STARTER).unwrap();
        assert_eq!(file.names(), ["test"]);
        assert_eq!(file.default_profile(), Some("test"));
        // The certificate is not there yet: that is the first thing the profile says.
        let e = file.profile(None).unwrap_err();
        assert_eq!(e.field(), Some(("test", "pkcs12")), "{e}");
    }
}
