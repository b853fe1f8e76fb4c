//! Logging goes to a file in the state dir, never to the screen: the TUI owns the terminal
//! and CLI output must stay parseable. Off unless `--log-level` or `$MPADMIN_LOG` asks.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::private_files;

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
    private_files::create_dir(dir)
        .map_err(|e| format!("logging: cannot create {}: {e}", dir.display()))?;
    let files = DailyFiles::open(dir)
        .map_err(|e| format!("logging: cannot write logs to {}: {e}", dir.display()))?;
    // Only our own crate: the HTTP stack logs headers at trace level, and those carry the
    // bearer token.
    let filter = EnvFilter::new(format!("mpadmin={level}"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(files)
        .with_ansi(false)
        .try_init()
        .map_err(|e| format!("logging: {e}"))
}

/// How many daily files are kept.
const KEEP: usize = 7;

/// Daily files `mpadmin.<yyyy-mm-dd>.log` (UTC), each created 0600 and never opened through
/// a symbolic link (`private_files`), whatever the umask; the newest [`KEEP`] are kept.
struct DailyFiles {
    dir: PathBuf,
    /// The day being written and its file.
    current: Mutex<(String, File)>,
}

impl DailyFiles {
    /// Opens today's file at once, so a directory that cannot take logs is reported at start.
    fn open(dir: &Path) -> io::Result<DailyFiles> {
        let day = today();
        let file = open_day(dir, &day)?;
        prune(dir);
        Ok(DailyFiles {
            dir: dir.to_owned(),
            current: Mutex::new((day, file)),
        })
    }
}

impl Write for &DailyFiles {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let day = today();
        if current.0 != day {
            *current = (day.clone(), open_day(&self.dir, &day)?);
            prune(&self.dir);
        }
        current.1.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.1.flush()
    }
}

impl<'a> MakeWriter<'a> for DailyFiles {
    type Writer = &'a DailyFiles;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn open_day(dir: &Path, day: &str) -> io::Result<File> {
    private_files::open_append(&dir.join(format!("mpadmin.{day}.log"))).map(|a| a.file)
}

/// Deletes all but the newest [`KEEP`] log files; other files in the directory are left alone.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut logs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_log_name)
        })
        .collect();
    // The date in the name sorts oldest first.
    logs.sort();
    let excess = logs.len().saturating_sub(KEEP);
    for old in &logs[..excess] {
        let _ = std::fs::remove_file(old);
    }
}

fn is_log_name(name: &str) -> bool {
    name.strip_prefix("mpadmin.")
        .and_then(|n| n.strip_suffix(".log"))
        .is_some_and(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok())
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

    #[test]
    fn a_week_of_logs_is_kept_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let names = (1..=9).map(|d| format!("mpadmin.2026-01-0{d}.log"));
        for name in names.chain(["notes.txt".into(), "mpadmin.x.log".into()]) {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let files = DailyFiles::open(dir.path()).unwrap();
        (&files).write_all(b"line\n").unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let today = format!("mpadmin.{}.log", today());
        assert!(left.contains(&today), "{left:?}");
        assert!(
            !left.contains(&"mpadmin.2026-01-03.log".to_owned()),
            "{left:?}"
        );
        assert!(
            left.contains(&"mpadmin.2026-01-04.log".to_owned()),
            "{left:?}"
        );
        assert!(
            left.contains(&"notes.txt".to_owned()) && left.contains(&"mpadmin.x.log".to_owned())
        );
        assert_eq!(left.len(), KEEP + 2, "{left:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(today)).unwrap(),
            "line\n"
        );
    }
}
