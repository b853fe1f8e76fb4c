//! The CLI as the user runs it: whole processes of the real `mpadmin` binary (built by
//! `cargo bench`, so optimised), timed from spawn to exit, against an in-process emulator
//! seeded with N = 5 000 scopes:
//!
//! - `mpadmin --version`: the floor, a process that starts and exits;
//! - `mpadmin token`: profile, key, one signed grant, one `POST /token`;
//! - `mpadmin --json scopes list`: the token and one `GET /scopes` of 5 000 scopes, streamed
//!   to stdout (the bytes are counted so a run that printed nothing is not timed as fast).
//!
//! Targets (issue 16): `token` under 15 ms, `--json scopes list` within 3x a curl GET with a
//! ready token (about 50 ms). A plain timed binary: `cargo bench --bench cli`.
#![allow(
    clippy::disallowed_macros,
    reason = "a bench reports its figures on stdout"
)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{fail, seeded_emulator};

const N: usize = 5_000;
const RUNS: usize = 20;

/// One run of `mpadmin args`: the time from spawn to exit and the bytes it wrote.
fn run_once(keys: &Path, home: &Path, args: &[&str]) -> (Duration, usize) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpadmin"));
    cmd.arg("--keys").arg(keys).args(args);
    cmd.env("HOME", home).env_remove("MPADMIN_KEYS");
    for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
        cmd.env(var, home);
    }
    cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
    let started = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| fail("start mpadmin", e));
    let took = started.elapsed();
    if !out.status.success() {
        fail(&format!("mpadmin {args:?}"), out.status);
    }
    (took, out.stdout.len())
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let (_rt, _dir, emu) = seeded_emulator(N);
    let home = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let keys = emu.keys_toml();
    let cases: [(&str, &[&str], &str); 3] = [
        ("cli_version", &["--version"], "the process floor"),
        ("cli_token", &["token"], "target 15 ms"),
        (
            "cli_scopes_list_json_5000",
            &["--json", "scopes", "list"],
            "target 50 ms",
        ),
    ];
    println!("load average before: {}", load_average());
    for (name, args, target) in cases {
        // One run first, untimed: the page cache and the emulator's first token.
        let (_, bytes) = run_once(&keys, home.path(), args);
        let ms = (0..RUNS)
            .map(|_| run_once(&keys, home.path(), args).0.as_secs_f64() * 1e3)
            .collect();
        let (m, lo, hi) = median(ms);
        println!(
            "{name}: median {m:.1} ms (min {lo:.1}, max {hi:.1}) over {RUNS} runs, \
             {bytes} bytes out; {target}"
        );
    }
    println!("load average after: {}", load_average());
}
