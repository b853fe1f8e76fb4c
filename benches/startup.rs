//! Start-up of the real `mpadmin` binary (built by `cargo bench`, so optimised) in a
//! pseudo-terminal against an in-process emulator seeded with N = 5 000 scopes (100 000
//! grants, 2 500 clients with keys), measured from spawning the process:
//!
//! - to the first painted frame (the tab bar is on the screen), timed first, from this process
//!   while it is still small and against an emulator in a process of its own (see
//!   `first_frames`), and again from the large process as a check;
//! - to the scopes list (the own-scopes title counts all 5 000);
//! - resident memory once every list has loaded (all 5 000 grant listings served and the
//!   process's RSS unchanged for a second).
//!
//! Then, with N = 200 and 40 ms latency on every request (a real network), the time to the
//! scopes list and until every grant count has been served.
//!
//! - resident memory again once the clients pane has been opened (its lists are read then).
//!
//! Budgets: 10 ms, 60 ms, 30 MB; on the network 200 ms and 1.5 s. The screen is checked after every chunk the
//! terminal receives, so the times are when the bytes arrived, not when someone looked.
//! A plain timed binary: `cargo bench --bench startup`.
#![allow(
    clippy::disallowed_macros,
    reason = "a bench reports its figures on stdout"
)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mpadmin::emulator::Emulator;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

mod support;
use support::{fail, seeded_emulator};

const N: usize = 5_000;
const RUNS: usize = 10;
const ROWS: u16 = 40;
const COLS: u16 = 120;
const WAIT: Duration = Duration::from_secs(60);
const NETWORK_N: usize = 200;
const NETWORK_RUNS: usize = 5;
const NETWORK_LATENCY: Duration = Duration::from_millis(40);

/// When each milestone first showed on the screen.
#[derive(Default)]
struct Seen {
    first_frame: Option<Instant>,
    scopes: Option<Instant>,
}

struct Run {
    first_frame: Duration,
    scopes: Duration,
    /// Until the emulator had served every scope's grant listing (all counts on screen).
    counts: Duration,
    rss_kb: u64,
    /// Once the clients pane has been opened too (2 500 clients, a key each).
    rss_with_clients_kb: u64,
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > WAIT {
            fail("timed out", what);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The UI running in a pseudo-terminal, its screen parsed as it arrives.
struct Ui {
    master: Box<dyn portable_pty::MasterPty + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    pid: u32,
    seen: Arc<Mutex<Seen>>,
    reading: std::thread::JoinHandle<()>,
    started: Instant,
}

impl Ui {
    /// Start `mpadmin --keys KEYS`; `n` is the number of own scopes its title will count.
    fn spawn(keys: &Path, home: &Path, n: usize) -> Ui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap_or_else(|e| fail("open a pty", e));
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mpadmin"));
        cmd.arg("--keys");
        cmd.arg(keys);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
            cmd.env(var, home);
        }
        cmd.env_remove("MPADMIN_KEYS");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut reader = pty
            .master
            .try_clone_reader()
            .unwrap_or_else(|e| fail("pty reader", e));
        let started = Instant::now();
        let child = pty
            .slave
            .spawn_command(cmd)
            .unwrap_or_else(|e| fail("start mpadmin", e));
        drop(pty.slave);
        let pid = child
            .process_id()
            .unwrap_or_else(|| fail("mpadmin", "no process id"));
        let sink = seen.clone();
        let scopes_title = format!("public  {n}");
        let reading = std::thread::spawn(move || {
            let size = |n| NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN);
            let mut parser = vt100::Parser::new(size(ROWS), size(COLS), 0);
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.process(&buf[..n]);
                let now = Instant::now();
                let text = parser.screen().contents();
                let mut seen = sink.lock().unwrap_or_else(|p| p.into_inner());
                if seen.first_frame.is_none() && text.contains("1 Scopes") {
                    seen.first_frame = Some(now);
                }
                if seen.scopes.is_none() && text.contains(&scopes_title) {
                    seen.scopes = Some(now);
                }
            }
        });
        Ui {
            master: pty.master,
            child,
            pid,
            seen,
            reading,
            started,
        }
    }

    fn wait_for(&self, what: &str, milestone: fn(&Seen) -> Option<Instant>) -> Duration {
        let mut at = None;
        wait_until(what, || {
            at = milestone(&self.seen.lock().unwrap_or_else(|p| p.into_inner()));
            at.is_some()
        });
        at.map_or(Duration::MAX, |t| t - self.started)
    }

    fn press(&mut self, keys: &[u8], writer: &mut Option<Box<dyn Write + Send>>) {
        let w = writer.get_or_insert_with(|| {
            self.master
                .take_writer()
                .unwrap_or_else(|e| fail("pty writer", e))
        });
        w.write_all(keys).unwrap_or_else(|e| fail("press a key", e));
    }

    fn quit(mut self, mut writer: Option<Box<dyn Write + Send>>) {
        self.press(b"q", &mut writer);
        self.child
            .wait()
            .unwrap_or_else(|e| fail("mpadmin exit", e));
        drop(writer);
        drop(self.master);
        let _ = self.reading.join();
    }
}

/// The first frame alone, timed from this process while it is small: once it holds the seeded
/// emulator (hundreds of MB), forking it for the pseudo-terminal cost milliseconds that are
/// the harness's, not mpadmin's. The emulator runs as a process of its own meanwhile.
fn first_frames(home: &Path) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let mut emulator = std::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"))
        .args(["emulator", "--port", "0", "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail("start the emulator", e));
    let keys = dir.path().join("keys.toml");
    wait_until("the emulator's profiles", || keys.exists());
    let frames = (0..RUNS)
        .map(|_| {
            let ui = Ui::spawn(&keys, home, 0);
            let frame = ui.wait_for("the first frame", |s| s.first_frame);
            ui.quit(None);
            frame
        })
        .collect();
    let _ = emulator.kill();
    let _ = emulator.wait();
    frames
}

fn run_once(emu: &Emulator, home: &Path, n: usize) -> Run {
    emu.reset_path_stats();
    let mut ui = Ui::spawn(&emu.keys_toml(), home, n);
    let first_frame = ui.wait_for("the first frame", |s| s.first_frame);
    let scopes = ui.wait_for("the scopes list", |s| s.scopes);
    wait_until("every grant listing", || {
        let s = emu.path_stats("/api/v1/scopes/access");
        s.requests >= n as u64 && s.in_flight == 0
    });
    let counts = ui.started.elapsed();
    let pid = ui.pid;
    let steady = || {
        let mut last = (0, Instant::now());
        wait_until("a steady RSS", || {
            std::thread::sleep(Duration::from_millis(100));
            let now = rss_kb(pid).unwrap_or(0);
            if now != last.0 {
                last = (now, Instant::now());
            }
            last.1.elapsed() >= Duration::from_secs(1)
        });
        last.0
    };
    let rss_kb = steady();
    // The clients pane reads the clients (with their keys) when it first opens.
    let mut writer = None;
    ui.press(b"3", &mut writer);
    wait_until("the clients listing", || {
        let s = emu.path_stats("/api/v1/clients");
        s.requests >= 1 && s.in_flight == 0
    });
    let rss_with_clients_kb = steady();
    // The emulator serves from the runtime's worker threads meanwhile.
    ui.quit(writer);
    Run {
        first_frame,
        scopes,
        counts,
        rss_kb,
        rss_with_clients_kb,
    }
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let home = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let frames: Vec<f64> = first_frames(home.path())
        .iter()
        .map(|d| d.as_secs_f64() * 1e3)
        .collect();
    let (rt, dir, emu) = seeded_emulator(N);
    let runs: Vec<Run> = (0..RUNS)
        .map(|i| {
            let r = run_once(&emu, home.path(), N);
            println!(
                "run {i}: first frame {:.1} ms, scopes list {:.1} ms, RSS {:.1} MB, with the clients pane {:.1} MB",
                r.first_frame.as_secs_f64() * 1e3,
                r.scopes.as_secs_f64() * 1e3,
                r.rss_kb as f64 / 1024.0,
                r.rss_with_clients_kb as f64 / 1024.0
            );
            r
        })
        .collect();
    drop((emu, dir, rt));
    let ms = |runs: &[Run], f: fn(&Run) -> Duration| {
        median(runs.iter().map(|r| f(r).as_secs_f64() * 1e3).collect())
    };
    let (m, lo, hi) = median(frames);
    println!("startup_first_frame: median {m:.1} ms (min {lo:.1}, max {hi:.1}); budget 10 ms");
    let (m, lo, hi) = ms(&runs, |r| r.first_frame);
    println!(
        "startup_first_frame_spawned_by_a_large_process: median {m:.1} ms (min {lo:.1}, max {hi:.1})"
    );
    let (m, lo, hi) = ms(&runs, |r| r.scopes);
    println!("startup_scopes_list_5000: median {m:.1} ms (min {lo:.1}, max {hi:.1}); budget 60 ms");
    let (m, lo, hi) = median(runs.iter().map(|r| r.rss_kb as f64 / 1024.0).collect());
    println!("rss_5000_loaded: median {m:.1} MB (min {lo:.1}, max {hi:.1}); budget 30 MB");
    let (m, lo, hi) = median(
        runs.iter()
            .map(|r| r.rss_with_clients_kb as f64 / 1024.0)
            .collect(),
    );
    println!("rss_5000_and_clients_pane: median {m:.1} MB (min {lo:.1}, max {hi:.1})");

    // A real network: Digdir is 10-50 ms away, so every request waits 40 ms here.
    let (_rt, _dir, emu) = seeded_emulator(NETWORK_N);
    emu.faults().set_latency(NETWORK_LATENCY);
    let runs: Vec<Run> = (0..NETWORK_RUNS)
        .map(|_| run_once(&emu, home.path(), NETWORK_N))
        .collect();
    let (m, lo, hi) = ms(&runs, |r| r.scopes);
    println!(
        "network_scopes_list_200_at_40ms: median {m:.1} ms (min {lo:.1}, max {hi:.1}); budget 200 ms"
    );
    let (m, lo, hi) = ms(&runs, |r| r.counts);
    println!(
        "network_grant_counts_200_at_40ms: median {m:.1} ms (min {lo:.1}, max {hi:.1}); budget 1500 ms"
    );
}
