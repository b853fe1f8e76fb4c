use std::path::PathBuf;

use super::locate::Origin;

/// A problem with the profiles file. Every message says where (file, profile, field) and what
/// to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "profiles file {} ({origin}) does not exist: `{}` writes a starter profile there (keys.example in the mpadmin repository describes every field), or point --keys at another file; `mpadmin --demo` tries mpadmin on a local emulator without one",
        path.display(),
        init_command(path, *origin)
    )]
    NotFound { path: PathBuf, origin: Origin },
    #[error(
        "no profiles file: pass --keys FILE or set MPADMIN_KEYS (this system has no config directory); `mpadmin --demo` tries mpadmin on a local emulator without one"
    )]
    NoConfigDir,
    #[error("profiles file {}: cannot read it: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("profiles file {}: not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error(
        "profiles file {}: no profile chosen: pass --profile NAME or set default_profile = \"NAME\" at the top of the file{}",
        path.display(),
        available_list(available)
    )]
    NoProfileChosen {
        path: PathBuf,
        available: Vec<String>,
    },
    #[error(
        "profiles file {}: there is no profile '{name}'{}{}: add a [profiles.{name}] table or choose another with --profile",
        path.display(),
        if *from_default { " (named by default_profile)" } else { "" },
        available_list(available)
    )]
    UnknownProfile {
        path: PathBuf,
        name: String,
        /// The name came from `default_profile`, not `--profile`.
        from_default: bool,
        available: Vec<String>,
    },
    /// A top-level key that is not `default_profile` or `profiles`.
    #[error(
        "profiles file {}: unknown top-level field '{key}': only default_profile and [profiles.NAME] tables belong at the top; move it into a profile or remove it",
        path.display()
    )]
    UnknownTopLevel { path: PathBuf, key: String },
    /// Something wrong inside one profile.
    #[error("profiles file {}: profile '{profile}', field '{field}': {problem}; fix: {fix}", path.display())]
    Field {
        path: PathBuf,
        profile: String,
        field: String,
        problem: String,
        fix: String,
    },
}

/// The `mpadmin init` that writes the starter file to `path` (chosen by `origin`).
pub fn init_command(path: &std::path::Path, origin: Origin) -> String {
    match origin {
        Origin::Flag => format!("mpadmin --keys {} init", path.display()),
        Origin::Env | Origin::Default => "mpadmin init".to_owned(),
    }
}

fn available_list(names: &[String]) -> String {
    if names.is_empty() {
        " (the file has no [profiles.NAME] tables yet)".to_owned()
    } else {
        format!(" (profiles in the file: {})", names.join(", "))
    }
}

impl ConfigError {
    /// The profile and field the problem is in, when it is inside a profile.
    pub fn field(&self) -> Option<(&str, &str)> {
        match self {
            ConfigError::Field { profile, field, .. } => Some((profile, field)),
            _ => None,
        }
    }
}
