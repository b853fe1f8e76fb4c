//! End to end: the real `mpadmin` binary in a pseudo-terminal against the emulator. Keys go in
//! as a user types them; every step waits for text on the screen (never a fixed sleep); at the
//! end the emulator's state must hold exactly the changes made.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;
// Generous because it only bounds a failure: on a loaded 2-core CI machine the demo's
// start-up (key generation, emulator, first token) has taken over 30 s.
const WAIT: Duration = Duration::from_secs(90);

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Screen {
    /// Start mpadmin with `home` as its home, config, data and state directory, so nothing
    /// of the user's is read or written.
    fn spawn(home: &std::path::Path, args: &[&str]) -> Screen {
        Screen::spawn_with(home, args, &[])
    }

    /// As `spawn`, with `env` set too.
    fn spawn_with(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Screen {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mpadmin"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env("HOME", home);
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
            cmd.env(var, home);
        }
        cmd.env_remove("MPADMIN_KEYS");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("start mpadmin");
        drop(pty.slave);
        let rows = NonZeroU16::new(ROWS).unwrap();
        let cols = NonZeroU16::new(COLS).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let sink = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().expect("pty writer");
        Screen {
            parser,
            writer,
            child,
            master: pty.master,
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Wait until the screen shows `needle`; fail with the screen when it never does.
    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(needle) {
                return;
            }
            if start.elapsed() > WAIT {
                panic!("'{needle}' did not appear; the screen shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait until `row` of the screen shows `needle`.
    fn wait_for_row(&self, row: u16, needle: &str) {
        let start = Instant::now();
        loop {
            let line = {
                let p = self.parser.lock().unwrap();
                let (_, cols) = p.screen().size();
                p.screen().contents_between(row, 0, row, cols.get())
            };
            if line.contains(needle) {
                return;
            }
            if start.elapsed() > WAIT {
                panic!(
                    "row {row} never showed '{needle}'; the screen shows:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn resize(&mut self, rows: u16, cols: u16) {
        self.parser.lock().unwrap().screen_mut().set_size(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
        );
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Quit with `q` and check the program left the terminal as it found it.
    fn quit(&mut self) {
        self.keys("q");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "mpadmin exited with {status:?}");
        self.assert_restored();
    }

    /// Send `signal` (`TERM`, `HUP`, `INT`, `QUIT`) to mpadmin; it must exit with 128 + the signal's number
    /// and leave the terminal as it found it.
    fn signal(&mut self, signal: &str, number: u32) {
        let pid = self.child.process_id().expect("mpadmin's pid");
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {pid}");
        let status = self.child.wait().unwrap();
        assert_eq!(status.exit_code(), 128 + number, "after SIG{signal}");
        self.assert_restored();
    }

    /// Raw mode off (the line discipline echoes again), alternate screen left, cursor shown,
    /// mouse and bracketed paste off.
    fn assert_restored(&mut self) {
        // The reader thread may still be draining the last bytes.
        let start = Instant::now();
        loop {
            let restored = {
                let p = self.parser.lock().unwrap();
                let sc = p.screen();
                !sc.alternate_screen()
                    && !sc.hide_cursor()
                    && sc.mouse_protocol_mode() == vt100::MouseProtocolMode::None
                    && !sc.bracketed_paste()
            } && self.line_mode() != Some(false);
            if restored {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "terminal not restored (raw mode, alternate screen, hidden cursor, mouse or paste mode left on)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the pty is in line mode (canonical input with echo, as a shell expects it);
    /// `false` in raw mode; `None` where the pty's settings cannot be read.
    fn line_mode(&self) -> Option<bool> {
        // The flags' Debug output names them; this spares a dependency on nix's types.
        let flags = format!("{:?}", self.master.get_termios()?.local_flags);
        Some(flags.contains("ICANON") && flags.contains("ECHO"))
    }

    fn keys(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

fn public_key_file(dir: &std::path::Path) -> std::path::PathBuf {
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let pem = rsa.public_key_to_pem().unwrap();
    let path = dir.join("e2e-public.pem");
    std::fs::write(&path, pem).unwrap();
    path
}

#[test]
fn create_grant_revoke_client_key_round_trip() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(common::emulator());
    let before = emu.state();
    let key_file = public_key_file(&emu.temp_dir());
    let keys_toml = emu.keys_toml();
    let home = tempfile::tempdir().unwrap();
    let mut s = Screen::spawn(
        home.path(),
        &[
            "--keys",
            keys_toml.to_str().unwrap(),
            "--profile",
            "emulator",
        ],
    );

    // Loaded: scopes, and the token's lifetime in the header.
    s.wait_for("demo:rapport");
    s.wait_for("token ");

    // A new scope.
    s.keys("n");
    s.wait_for("New scope");
    s.keys("\te2e/orders.read\tOrders for the e2e test\r");
    s.wait_for("created scope demo:e2e/orders.read");

    // Grant it to two organisations, then revoke one.
    s.keys("/e2e/orders\r2");
    s.wait_for("Grants of demo:e2e/orders.read");
    s.keys("g");
    s.wait_for("Grant demo:e2e/orders.read");
    s.keys("974760673 889640782\r");
    s.wait_for("granted demo:e2e/orders.read to 974760673, 889640782");
    // The toast names the org too: wait for the re-read table (its count), or `x` may land on
    // a table that is still empty.
    s.wait_for("Grants of demo:e2e/orders.read  2 ");
    s.keys("/889640782\rx");
    // The organisation's name follows the number once its lookup has come back.
    s.wait_for("Revoke demo:e2e/orders.read from organisation 889640782");
    s.keys("y");
    s.wait_for("revoked access to demo:e2e/orders.read for 889640782");
    s.wait_for("DENIED");

    // A client with that scope.
    s.keys("3n");
    s.wait_for("New client");
    s.keys("e2e-client\tClient made by the e2e test\te2e/orders");
    s.wait_for("[ ] demo:e2e/orders.read");
    s.keys(" \r");
    s.wait_for("created client e2e-client");

    // Add a key to it, then delete it.
    s.keys("/e2e-client\rK");
    s.wait_for("Keys of e2e-client");
    s.keys("a");
    s.wait_for("Add a public key to e2e-client");
    s.keys(&format!("{}\r", key_file.display()));
    s.wait_for("added key");
    s.wait_for("RS256");
    s.keys("d");
    s.wait_for("Delete key");
    s.keys("y");
    s.wait_for("removed key");
    s.wait_for("no keys: n generates a key pair");

    s.quit();

    // Exactly these changes, nothing else.
    let after = emu.state();
    let new_scopes: Vec<_> = after
        .scopes
        .keys()
        .filter(|k| !before.scopes.contains_key(*k))
        .collect();
    assert_eq!(new_scopes, ["demo:e2e/orders.read"]);
    let scope = &after.scopes["demo:e2e/orders.read"];
    assert_eq!(scope.description, "Orders for the e2e test");
    assert!(scope.active);
    for (name, s) in &before.scopes {
        assert_eq!(&after.scopes[name], s, "scope {name} changed");
    }

    let grants = &after.grants["demo:e2e/orders.read"];
    assert_eq!(grants.len(), 2);
    assert_eq!(grants["974760673"].state.as_str(), "APPROVED");
    assert_eq!(grants["889640782"].state.as_str(), "DENIED");
    for (name, g) in &before.grants {
        assert_eq!(after.grants.get(name), Some(g), "grants of {name} changed");
    }

    let new_clients: Vec<_> = after
        .clients
        .values()
        .filter(|c| !before.clients.contains_key(&c.client_id))
        .collect();
    assert_eq!(new_clients.len(), 1);
    let client = new_clients[0];
    assert_eq!(client.client_name, "e2e-client");
    assert_eq!(client.scopes, ["demo:e2e/orders.read"]);
    for (id, c) in &before.clients {
        assert_eq!(&after.clients[id], c, "client {id} changed");
    }
    assert!(
        after
            .jwks
            .get(&client.client_id)
            .is_none_or(|j| j.keys.is_empty()),
        "the key was not deleted"
    );
    for (id, j) in &before.jwks {
        assert_eq!(after.jwks.get(id), Some(j), "keys of {id} changed");
    }

    // ... and the journal in the data dir says so.
    let journal = mpadmin::journal::Journal::at(home.path().join("mpadmin").join("journal.jsonl"));
    let ops: Vec<String> = journal
        .read()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e.operation.label(), e.target))
        .collect();
    let id = &client.client_id;
    assert_eq!(
        ops[..4],
        [
            "create scope demo:e2e/orders.read".to_owned(),
            "grant access demo:e2e/orders.read -> 974760673".to_owned(),
            "grant access demo:e2e/orders.read -> 889640782".to_owned(),
            "revoke access demo:e2e/orders.read -> 889640782".to_owned(),
        ]
    );
    assert_eq!(ops[4], format!("create client {id}"));
    assert!(ops[5].starts_with(&format!("add key {id}/")), "{ops:?}");
    assert!(ops[6].starts_with(&format!("remove key {id}/")), "{ops:?}");
    assert_eq!(ops.len(), 7);
}

#[test]
fn demo_starts_its_own_emulator_and_redraws_on_resize() {
    let home = tempfile::tempdir().unwrap();
    let mut s = Screen::spawn(home.path(), &["--demo"]);
    s.wait_for("LOCAL");
    s.wait_for("profile emulator");
    s.wait_for("demo:rapport");
    s.wait_for_row(ROWS - 1, "q quit");
    s.resize(24, 80);
    s.wait_for_row(23, "q quit");
    s.wait_for_row(0, "LOCAL");
    s.quit();
    // The demo changes nothing real, so it keeps no journal.
    assert!(!home.path().join("mpadmin").join("journal.jsonl").exists());
}

#[test]
fn every_stopping_signal_restores_the_terminal() {
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2), ("QUIT", 3)] {
        let home = tempfile::tempdir().unwrap();
        let mut s = Screen::spawn(home.path(), &["--demo"]);
        s.wait_for("demo:rapport");
        assert_eq!(s.line_mode(), Some(false), "the UI runs in raw mode");
        s.signal(signal, number);
    }
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let home = tempfile::tempdir().unwrap();
    let mut s = Screen::spawn_with(
        home.path(),
        &["--demo"],
        &[("MPADMIN_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    let status = s.child.wait().unwrap();
    assert_eq!(status.exit_code(), 101, "a Rust panic");
    s.assert_restored();
    // The message lands on the normal screen, where it stays readable.
    let start = Instant::now();
    while !s.text().contains("MPADMIN_TEST_PANIC is set") {
        assert!(start.elapsed() < WAIT, "no panic message: {}", s.text());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_profiles_file_other_users_may_read_is_warned_about_in_the_status_line() {
    use std::os::unix::fs::PermissionsExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(common::emulator());
    let keys_toml = emu.keys_toml();
    std::fs::set_permissions(&keys_toml, std::fs::Permissions::from_mode(0o644)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut s = Screen::spawn(home.path(), &["--keys", keys_toml.to_str().unwrap()]);
    s.wait_for("can be read by other users (mode 644)");
    s.wait_for("demo:rapport");
    s.quit();
}

#[test]
fn a_journal_other_users_may_read_is_tightened_and_said_in_the_status_line() {
    use std::os::unix::fs::PermissionsExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(common::emulator());
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("mpadmin").join("journal.jsonl");
    std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
    std::fs::write(&journal, "").unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let keys_toml = emu.keys_toml();
    let mut s = Screen::spawn(home.path(), &["--keys", keys_toml.to_str().unwrap()]);
    s.wait_for("could be read by other users (mode 644)");
    s.wait_for("demo:rapport");
    s.quit();
    let mode = std::fs::metadata(&journal).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Signing material is read while the first frame is drawn; when it is wrong, the terminal is
/// restored before the message, which names the field and the fix on the normal screen.
#[test]
fn a_certificate_that_is_not_the_keys_is_reported_on_the_normal_screen() {
    use std::os::unix::fs::PermissionsExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(common::emulator());
    let keys_toml = emu.keys_toml();
    let text = std::fs::read_to_string(&keys_toml).unwrap();
    let own_cert = emu.dir().join("business.cert.pem");
    let other_cert = emu.dir().join("other-org.cert.pem");
    let wrong = text.replacen(
        &format!("certificate = \"{}\"", own_cert.display()),
        &format!("certificate = \"{}\"", other_cert.display()),
        1,
    );
    assert_ne!(
        wrong, text,
        "the first profile names the business certificate"
    );
    std::fs::write(&keys_toml, wrong).unwrap();
    std::fs::set_permissions(&keys_toml, std::fs::Permissions::from_mode(0o600)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut s = Screen::spawn(
        home.path(),
        &[
            "--keys",
            keys_toml.to_str().unwrap(),
            "--profile",
            "emulator",
        ],
    );
    let status = s.child.wait().unwrap();
    assert_eq!(status.exit_code(), 2, "a usage error: {}", s.text());
    s.assert_restored();
    let start = Instant::now();
    while !s.text().contains("does not belong to the private key") {
        assert!(start.elapsed() < WAIT, "no message: {}", s.text());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(s.text().contains("field 'certificate'"), "{}", s.text());
}
