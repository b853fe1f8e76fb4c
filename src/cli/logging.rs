//! Logging goes to a file in the state dir, never to the screen: the TUI owns the terminal
//! and CLI output must stay parseable. Off unless `--log-level` or `$MPADMIN_LOG` asks.

use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Read when `--log-level` is not given.
pub const LOG_ENV: &str = "MPADMIN_LOG";

const LEVELS: &str = "off, error, warn, info, debug or trace";

/// The level asked for, if any; an unknown level is a usage error naming the flag.
fn level(flag: Option<&str>, env: Option<String>) -> Result<Option<LevelFilter>, String> {
    let (source, value) = match (flag, env) {
        (Some(v), _) => ("--log-level", v.to_owned()),
        (None, Some(v)) if !v.is_empty() => (LOG_ENV, v),
        _ => return Ok(None),
    };
    value
        .parse::<LevelFilter>()
        .map(Some)
        .map_err(|_| format!("{source}: '{value}' is not a log level: write {LEVELS}"))
}

/// Start logging to `<dir>/mpadmin.<date>.log` (daily files, a week kept), or do nothing
/// when no level was asked for.
pub fn init(flag: Option<&str>, dir: Option<&Path>) -> Result<(), String> {
    let Some(level) = level(flag, std::env::var(LOG_ENV).ok())? else {
        return Ok(());
    };
    if level == LevelFilter::OFF {
        return Ok(());
    }
    let Some(dir) = dir else {
        return Err("logging: this system has no state directory to write logs to".into());
    };
    // The appender would create it too, but complains on stderr first when pruning old files.
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("logging: cannot create {}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("mpadmin")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)
        .map_err(|e| format!("logging: cannot write logs to {}: {e}", dir.display()))?;
    // Only our own crate: the HTTP stack logs headers at trace level, and those carry the
    // bearer token.
    let filter = EnvFilter::new(format!("mpadmin={level}"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(appender)
        .with_ansi(false)
        .try_init()
        .map_err(|e| format!("logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_and_bad_levels_name_their_source() {
        assert_eq!(level(None, None), Ok(None));
        assert_eq!(level(None, Some(String::new())), Ok(None));
        assert_eq!(
            level(Some("debug"), Some("trace".into())),
            Ok(Some(LevelFilter::DEBUG))
        );
        assert_eq!(
            level(None, Some("warn".into())),
            Ok(Some(LevelFilter::WARN))
        );
        let err = level(Some("loud"), None).unwrap_err();
        assert!(err.starts_with("--log-level: 'loud'"), "{err}");
        let err = level(None, Some("loud".into())).unwrap_err();
        assert!(err.starts_with("MPADMIN_LOG: 'loud'"), "{err}");
    }
}
