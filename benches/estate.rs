//! The estate as code at organisation scale: the real `mpadmin` binary (built by `cargo
//! bench`, so optimised) against an in-process emulator seeded with N = 1 000 scopes
//! (20 000 grants, 500 clients with a key each), three runs of each:
//!
//! - `export` of everything: wall time and peak RSS (budgets 3 s, 100 MB);
//! - `plan -f` of that export (No changes): wall time and peak RSS (3 s, 100 MB);
//! - `apply -f --yes` of 1 000 grants, one new consumer on every scope (10 s).
//!
//! Peak RSS is the child's `ru_maxrss` from `wait4`. A plain timed binary:
//! `cargo bench --bench estate`.
#![allow(
    clippy::disallowed_macros,
    reason = "a bench reports its figures on stdout"
)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{fail, seeded_emulator};

const N: usize = 1_000;
const RUNS: usize = 3;
/// Consumers the seed never grants to: one per apply run, so each run adds 1 000 grants.
const NEW_CONSUMERS: [&str; RUNS] = ["974761076", "889640782", "974760673"];

struct Measured {
    wall: Duration,
    peak_rss_kb: u64,
}

/// Run mpadmin with `args`, stdout to `out`; its wall time and peak RSS.
fn measure(keys: &Path, home: &Path, out: &Path, args: &[&str]) -> Measured {
    let stdout = std::fs::File::create(out).unwrap_or_else(|e| fail("stdout file", e));
    let started = Instant::now();
    // Reaped by `wait4` below, which also gives its peak RSS (`Child::wait` would not).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_mpadmin"))
        .arg("--keys")
        .arg(keys)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_DATA_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env_remove("MPADMIN_KEYS")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| fail("start mpadmin", e));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and `pid` is our own unwaited child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        fail("mpadmin", format!("{args:?} failed (status {status})"));
    }
    Measured {
        wall,
        // Kilobytes on Linux.
        peak_rss_kb: usage.ru_maxrss as u64,
    }
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn report(name: &str, runs: &[Measured], budget_s: f64, rss: bool) {
    let (m, lo, hi) = median(runs.iter().map(|r| r.wall.as_secs_f64()).collect());
    println!("{name}: median {m:.2} s (min {lo:.2}, max {hi:.2}); budget {budget_s} s");
    if rss {
        let (m, lo, hi) = median(runs.iter().map(|r| r.peak_rss_kb as f64 / 1024.0).collect());
        println!("{name}_peak_rss: median {m:.1} MB (min {lo:.1}, max {hi:.1}); budget 100 MB");
    }
}

fn main() {
    let (_rt, dir, emu) = seeded_emulator(N);
    let keys = emu.keys_toml();
    let home = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let file = dir.path().join("estate.toml");
    let out = dir.path().join("stdout.txt");
    let file_arg = file.to_str().unwrap_or_else(|| fail("path", "not UTF-8"));

    let export: Vec<Measured> = (0..RUNS)
        .map(|i| {
            let m = measure(&keys, home.path(), &out, &["export", "--out", file_arg]);
            println!(
                "export run {i}: {:.2} s, peak RSS {:.1} MB",
                m.wall.as_secs_f64(),
                m.peak_rss_kb as f64 / 1024.0
            );
            m
        })
        .collect();
    let size = std::fs::metadata(&file).map_or(0, |m| m.len());
    println!("estate file: {:.1} MB", size as f64 / 1e6);

    let plan: Vec<Measured> = (0..RUNS)
        .map(|i| {
            let m = measure(&keys, home.path(), &out, &["plan", "-f", file_arg]);
            let shown = std::fs::read_to_string(&out).unwrap_or_default();
            if !shown.contains("No changes.") {
                fail("plan of the export", shown);
            }
            println!(
                "plan run {i}: {:.2} s, peak RSS {:.1} MB",
                m.wall.as_secs_f64(),
                m.peak_rss_kb as f64 / 1024.0
            );
            m
        })
        .collect();

    let names: Vec<String> = emu.state().scopes.keys().cloned().collect();
    let apply: Vec<Measured> = NEW_CONSUMERS
        .iter()
        .enumerate()
        .map(|(i, consumer)| {
            let mut text = String::with_capacity(names.len() * 64);
            for name in &names {
                text.push_str(&format!(
                    "[scope.\"{name}\"]\napproved = [\"{consumer}\"]\n"
                ));
            }
            let grants = dir.path().join(format!("grants-{i}.toml"));
            std::fs::write(&grants, text).unwrap_or_else(|e| fail("write", e));
            let grants = grants.to_str().unwrap_or_else(|| fail("path", "not UTF-8"));
            let m = measure(&keys, home.path(), &out, &["apply", "-f", grants, "--yes"]);
            let shown = std::fs::read_to_string(&out).unwrap_or_default();
            if !shown.contains(&format!("Apply complete: {N} change(s) applied.")) {
                fail("apply", shown);
            }
            println!(
                "apply run {i}: {:.2} s for {N} grants, peak RSS {:.1} MB",
                m.wall.as_secs_f64(),
                m.peak_rss_kb as f64 / 1024.0
            );
            m
        })
        .collect();

    report("estate_export_1000", &export, 3.0, true);
    report("estate_plan_1000", &plan, 3.0, true);
    report("estate_apply_1000_grants", &apply, 10.0, false);
}
