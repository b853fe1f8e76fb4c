use std::fmt;
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
    #[error(
        "profiles file {}: is larger than {} MiB, so not a profiles file (mpadmin reads no more): point --keys or MPADMIN_KEYS at your keys.toml",
        path.display(),
        cap >> 20
    )]
    TooLarge { path: PathBuf, cap: u64 },
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
    /// Every mistake found in the top level and the chosen profile, reported together as a
    /// compiler does, so one run shows everything to fix.
    #[error("profiles file {}: {}", path.display(), list(problems))]
    Problems {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One mistake in the profiles file: where (a profile, or the top level), which field, and
/// what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `None` for the top level of the file.
    pub profile: Option<String>,
    pub field: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.profile {
            Some(p) => write!(f, "profile '{p}', ")?,
            None => f.write_str("top level, ")?,
        }
        write!(
            f,
            "field '{}': {}; fix: {}",
            self.field, self.problem, self.fix
        )
    }
}

/// One problem on the line; several as a numbered list below a count.
fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        _ => {
            let mut out = format!("{} problems:", problems.len());
            for (i, p) in problems.iter().enumerate() {
                out.push_str(&format!("\n  {}. {p}", i + 1));
            }
            out
        }
    }
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
    /// The mistakes found in the file's fields (empty for other errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Problems { problems, .. } => problems,
            _ => &[],
        }
    }

    /// The profile and field of the first problem inside a profile.
    pub fn field(&self) -> Option<(&str, &str)> {
        self.problems()
            .iter()
            .find_map(|p| Some((p.profile.as_deref()?, p.field.as_str())))
    }
}
