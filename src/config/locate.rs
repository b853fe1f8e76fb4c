//! Where mpadmin keeps its files.
//!
//! Directories come from the `directories` crate's `BaseDirs` with `mpadmin` appended, so the
//! profiles file is literally `<config dir>/mpadmin/keys.toml` on every OS (on Linux
//! `$XDG_CONFIG_HOME/mpadmin/keys.toml`, usually `~/.config/mpadmin/keys.toml`).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use directories::BaseDirs;

/// The environment variable naming the profiles file when `--keys` is not given.
pub const KEYS_ENV: &str = "MPADMIN_KEYS";
const APP_DIR: &str = "mpadmin";

/// How the profiles file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--keys FILE`
    Flag,
    /// `$MPADMIN_KEYS`
    Env,
    /// `<config dir>/mpadmin/keys.toml`
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Flag => "from --keys",
            Origin::Env => "from $MPADMIN_KEYS",
            Origin::Default => "the default location",
        })
    }
}

/// Every file and directory mpadmin reads or writes, for `mpadmin paths`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The profiles file (`keys.toml`), `None` when the system has no config directory and
    /// neither `--keys` nor `$MPADMIN_KEYS` is given.
    pub profiles: Option<PathBuf>,
    pub profiles_origin: Origin,
    /// TUI settings (key remapping), beside the profiles file.
    pub tui_config: Option<PathBuf>,
    /// Where the journal of changes lives.
    pub data_dir: Option<PathBuf>,
    /// Where log files go.
    pub state_dir: Option<PathBuf>,
    /// Where organisation names are cached.
    pub cache_dir: Option<PathBuf>,
}

impl Paths {
    /// The journal file inside the data dir.
    pub fn journal(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("journal.jsonl"))
    }

    /// The cache of organisation names of one environment (`TEST`, `PROD`, `custom`).
    pub fn names_cache(&self, environment: &str) -> Option<PathBuf> {
        self.cache_dir
            .as_ref()
            .map(|d| d.join(format!("names-{}.json", environment.to_lowercase())))
    }

    /// The log directory inside the state dir.
    pub fn log_dir(&self) -> Option<PathBuf> {
        self.state_dir.as_ref().map(|d| d.join("logs"))
    }
}

/// Where mpadmin looks, given `--keys` (if any) and the process environment.
pub fn paths(keys: Option<&Path>) -> Paths {
    let base = BaseDirs::new();
    let (profiles, profiles_origin) = choose_profiles_file(
        keys,
        std::env::var_os(KEYS_ENV),
        base.as_ref().map(|b| b.config_dir().join(APP_DIR)),
    );
    let tui_config = profiles
        .as_ref()
        .map(|p| p.parent().unwrap_or(Path::new(".")).join("config.toml"));
    Paths {
        profiles,
        profiles_origin,
        tui_config,
        data_dir: base.as_ref().map(|b| b.data_dir().join(APP_DIR)),
        // Only Linux has a state dir; elsewhere logs go beside the (local) data.
        state_dir: base.as_ref().map(|b| {
            b.state_dir()
                .unwrap_or_else(|| b.data_local_dir())
                .join(APP_DIR)
        }),
        cache_dir: base.as_ref().map(|b| b.cache_dir().join(APP_DIR)),
    }
}

/// `--keys` beats `$MPADMIN_KEYS` beats `<config dir>/keys.toml`. An empty env var counts as
/// unset, so `MPADMIN_KEYS= mpadmin ...` falls back to the default.
pub fn choose_profiles_file(
    flag: Option<&Path>,
    env: Option<OsString>,
    config_dir: Option<PathBuf>,
) -> (Option<PathBuf>, Origin) {
    if let Some(p) = flag {
        return (Some(p.to_path_buf()), Origin::Flag);
    }
    if let Some(p) = env.filter(|v| !v.is_empty()) {
        return (Some(PathBuf::from(p)), Origin::Env);
    }
    (config_dir.map(|d| d.join("keys.toml")), Origin::Default)
}

/// `~` and `~/...` become the home directory; a relative path is taken from `base` (the
/// directory of the profiles file), so a profile works whatever the current directory is.
pub fn resolve_path(raw: &str, base: &Path) -> PathBuf {
    let home = || BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let expanded = if raw == "~" {
        home().unwrap_or_else(|| PathBuf::from(raw))
    } else if let Some(rest) = raw.strip_prefix("~/") {
        match home() {
            Some(h) => h.join(rest),
            None => PathBuf::from(raw),
        }
    } else {
        PathBuf::from(raw)
    };
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_default() {
        let flag = Path::new("/a/keys.toml");
        let env = Some(OsString::from("/b/keys.toml"));
        let dir = Some(PathBuf::from("/c/mpadmin"));
        assert_eq!(
            choose_profiles_file(Some(flag), env.clone(), dir.clone()),
            (Some(flag.to_path_buf()), Origin::Flag)
        );
        assert_eq!(
            choose_profiles_file(None, env, dir.clone()),
            (Some(PathBuf::from("/b/keys.toml")), Origin::Env)
        );
        assert_eq!(
            choose_profiles_file(None, Some(OsString::new()), dir),
            (Some(PathBuf::from("/c/mpadmin/keys.toml")), Origin::Default)
        );
        assert_eq!(
            choose_profiles_file(None, None, None),
            (None, Origin::Default)
        );
    }

    #[test]
    fn relative_paths_resolve_against_the_profiles_dir() {
        let base = Path::new("/etc/mp");
        assert_eq!(
            resolve_path("certs/a.p12", base),
            PathBuf::from("/etc/mp/certs/a.p12")
        );
        assert_eq!(
            resolve_path("/abs/a.p12", base),
            PathBuf::from("/abs/a.p12")
        );
        // A file literally named "~x" is not a home reference.
        assert_eq!(resolve_path("~x", base), PathBuf::from("/etc/mp/~x"));
    }
}
