//! Running the real `mpadmin` binary against a test emulator: no terminal on stdin, its
//! files (config, journal, logs) inside the emulator's temp dir.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use super::TestEmulator;

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:?}");
        assert!(self.stderr.is_empty(), "{self:?}");
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// Failed with `code` and exactly one line on stderr.
    pub fn failed(self, code: i32) -> Run {
        assert_eq!(self.code, code, "{self:?}");
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one line on stderr: {self:?}"
        );
        assert!(self.stderr.starts_with("mpadmin: "), "{self:?}");
        self
    }
}

/// Home, config, data (journal) and state (logs) inside `dir`.
pub fn isolated_env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("HOME", dir.to_owned()),
        ("XDG_CONFIG_HOME", dir.join("config")),
        ("XDG_DATA_HOME", dir.join("data")),
        ("XDG_STATE_HOME", dir.join("state")),
    ]
}

/// `mpadmin --keys KEYS ARGS...` with no terminal and a clean environment.
pub async fn run(emu: &TestEmulator, keys: &Path, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"));
    cmd.arg("--keys").arg(keys).args(args).stdin(Stdio::null());
    for (k, v) in isolated_env(&emu.temp_dir()) {
        cmd.env(k, v);
    }
    let out = cmd.env_remove("MPADMIN_KEYS").output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
