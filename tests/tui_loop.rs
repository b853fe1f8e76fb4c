//! The real UI loop (`tui::run_loop`) on ratatui's TestBackend against the emulator: keys go in
//! through a channel, the test waits for text on the screen, and the emulator's state shows
//! that every kind of change the UI sends is one the (strict) server accepts.

mod common;

use std::convert::Infallible;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use mpadmin::api::AdminApi;
use mpadmin::changes::JournalTarget;
use mpadmin::journal::{Journal, Operation};
use mpadmin::tui::app::{App, Session};
use mpadmin::tui::keymap::Keymap;
use mpadmin::tui::{Host, run_loop};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A TestBackend the test can read while the loop draws on it.
#[derive(Clone)]
struct Shared(Arc<Mutex<TestBackend>>);

impl Shared {
    fn text(&self) -> String {
        let b = self.0.lock().unwrap();
        let buf = b.buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

impl Backend for Shared {
    type Error = Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Infallible>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Infallible> {
        self.0.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Infallible> {
        self.0.lock().unwrap().set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Infallible> {
        self.0.lock().unwrap().clear_region(t)
    }
    fn size(&self) -> Result<Size, Infallible> {
        self.0.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Infallible> {
        self.0.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().flush()
    }
}

/// Records what the UI copies; switches among the emulator's profiles.
struct TestHost {
    copies: Arc<Mutex<Vec<String>>>,
    journal: std::path::PathBuf,
    profile: mpadmin::config::Profile,
    keys: std::path::PathBuf,
    /// The names cache; `None`: names off.
    names: Option<std::path::PathBuf>,
}

/// The profiles of the emulator's keys.toml the UI is offered.
const PROFILES: [&str; 2] = ["emulator", "emulator-other-org"];

fn session_of(profile: &mpadmin::config::Profile, api: &AdminApi) -> Session {
    Session {
        profile: profile.name.clone(),
        environment: None,
        read_only: false,
        local: true,
        profiles: PROFILES.map(String::from).to_vec(),
        certificate_expires: mpadmin::tui::certificate_expiry(api),
    }
}

impl Host for TestHost {
    fn copy(&mut self, text: &str) {
        self.copies.lock().unwrap().push(text.to_owned());
    }

    fn connector(&self, profile: &str) -> mpadmin::tui::Connector {
        let (keys, name) = (self.keys.clone(), profile.to_owned());
        Box::new(move || {
            let profile =
                mpadmin::config::load(Some(&keys), Some(&name)).map_err(|e| e.to_string())?;
            let api = mpadmin::api::connect(&profile).map_err(|e| e.to_string())?;
            Ok(mpadmin::tui::Switched {
                session: session_of(&profile, &api),
                api,
                profile: Some(profile),
            })
        })
    }

    fn journal(&self, session: &Session) -> Option<JournalTarget> {
        Some(JournalTarget {
            journal: Journal::at(&self.journal),
            profile: session.profile.clone(),
            environment: session.env_label().to_owned(),
        })
    }

    fn profile(&self, _session: &Session) -> Option<mpadmin::config::Profile> {
        Some(self.profile.clone())
    }

    fn names(&self, _profile: Option<&mpadmin::config::Profile>) -> mpadmin::names::Settings {
        mpadmin::names::Settings {
            on: self.names.is_some(),
            cache: self.names.clone(),
        }
    }

    fn doctor(&self, session: &Session) -> mpadmin::tui::DoctorJob {
        let setup = mpadmin::doctor::Setup {
            in_ui: true,
            ..mpadmin::doctor::Setup::new(
                Some(self.keys.clone()),
                Some(session.profile.clone()),
                Arc::new(NoPasswords),
            )
        };
        Box::pin(async move { mpadmin::doctor::run(&setup).await })
    }
}

/// The UI has nobody to ask; the emulator's profile needs no password.
struct NoPasswords;

impl mpadmin::auth::PasswordSource for NoPasswords {
    fn var(&self, _name: &str) -> Option<mpadmin::auth::Secret> {
        None
    }

    fn prompt(&self, _question: &str) -> Option<io::Result<mpadmin::auth::Secret>> {
        None
    }
}

struct Driver {
    screen: Shared,
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    /// Holds the journal for as long as the UI is driven.
    _journal_dir: tempfile::TempDir,
}

impl Driver {
    async fn wait_for(&self, needle: &str) {
        self.wait_until(&format!("'{needle}'"), |text| text.contains(needle))
            .await;
    }

    /// Wait until the screen satisfies `ok`; `what` names it when it never does.
    async fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let text = self.screen.text();
            if ok(&text) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{what} did not appear; the screen shows:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn press(&self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\r' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
            self.keys.unbounded_send(Ok(ev)).unwrap();
        }
    }

    fn esc(&self) {
        self.key(KeyCode::Esc);
    }

    fn key(&self, code: KeyCode) {
        let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        self.keys.unbounded_send(Ok(ev)).unwrap();
    }

    /// Empty the focused text field (Ctrl-U) and type `text` into it.
    fn replace(&self, text: &str) {
        let ev = Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        self.keys.unbounded_send(Ok(ev)).unwrap();
        self.press(text);
    }
}

/// A running UI loop and what its host recorded.
struct Launched {
    d: Driver,
    /// Yields the final state once the UI quits.
    ui: tokio::task::JoinHandle<io::Result<App>>,
    journal: std::path::PathBuf,
    copies: Arc<Mutex<Vec<String>>>,
}

/// The real loop on a `width` x 40 screen against `emu`'s `emulator` profile, journaling to
/// a file of its own.
fn launch(emu: &common::TestEmulator, width: u16) -> Launched {
    launch_with(emu, width, false)
}

/// As [`launch`], with organisation names looked up (cached beside the journal) when `names`.
fn launch_with(emu: &common::TestEmulator, width: u16, names: bool) -> Launched {
    let journal_dir = tempfile::tempdir().unwrap();
    let journal = journal_dir.path().join("journal.jsonl");
    let copies = Arc::new(Mutex::new(Vec::new()));
    let profile = mpadmin::config::load(Some(&emu.keys_toml()), Some("emulator")).unwrap();
    let api = mpadmin::api::connect(&profile).unwrap();
    let app = App::new(
        session_of(&profile, &api),
        Keymap::default(),
        SystemTime::now(),
    );
    let screen = Shared(Arc::new(Mutex::new(TestBackend::new(width, 40))));
    let mut terminal = Terminal::new(screen.clone()).unwrap();
    let (tx, rx) = mpsc::unbounded();
    let mut host = TestHost {
        copies: copies.clone(),
        journal: journal.clone(),
        profile,
        keys: emu.keys_toml(),
        names: names.then(|| journal_dir.path().join("names-local.json")),
    };
    let ui = tokio::spawn(async move { run_loop(&mut terminal, rx, app, api, &mut host).await });
    Launched {
        d: Driver {
            screen,
            keys: tx,
            _journal_dir: journal_dir,
        },
        ui,
        journal,
        copies,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_change_is_accepted_by_the_emulator() {
    let emu = common::emulator().await;
    let Launched {
        d,
        ui,
        journal,
        copies,
    } = launch(&emu, 120);

    d.wait_for("demo:rapport").await;
    d.wait_for("token ").await;

    // y copies the selected name through the host.
    d.press("y");
    d.wait_for("copied demo:innsyn").await;
    assert_eq!(copies.lock().unwrap().as_slice(), ["demo:innsyn"]);

    // Deactivate, show inactive, reactivate, edit.
    d.press("/tilskudd.read\rd");
    d.wait_for("Deactivate scope").await;
    d.press("y");
    d.wait_for("deactivated scope demo:tilskudd.read").await;
    d.press("i");
    d.wait_for("inactive included").await;
    d.wait_for(" no ").await;
    d.press("a");
    d.wait_for("reactivated scope demo:tilskudd.read").await;
    d.press("e");
    d.wait_for("Edit demo:tilskudd.read").await;
    d.press(" (v2)\r");
    d.wait_for("updated scope demo:tilskudd.read").await;

    // Re-approve a DENIED grant.
    d.press("2");
    d.wait_for("Grants of demo:tilskudd.read").await;
    // The pane reads the scope's grants as it opens.
    d.wait_for("DENIED").await;
    d.press("/DENIED\r");
    let grants_before = emu.state().grants["demo:tilskudd.read"].clone();
    served(&emu, GRANTS_PATH, 1).await;
    emu.reset_path_stats();
    d.press("a");
    d.wait_for("granted demo:tilskudd.read to").await;
    // One grant reads its scope's grants first (the state the journal keeps for undo), sends
    // one PUT and re-reads that one scope's grants: never every scope's.
    assert_eq!(served(&emu, GRANTS_PATH, 2).await.requests, 2);

    // Edit a client.
    d.press("3");
    d.wait_for("rapportering").await;
    d.press("/rapportering\re");
    d.wait_for("Edit rapportering").await;
    d.press(" (edited)\r");
    d.wait_for("updated client").await;

    // :profile with a name the file does not have is refused with a message.
    d.press(":profile nope\r");
    d.wait_for("no profile nope").await;
    d.esc();

    // The journal, from inside the UI.
    d.press(":journal\r");
    d.wait_for("Journal: last 5 of 5 changes").await;
    d.wait_for("LOCAL update client").await;
    d.esc();

    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert_eq!(app.pending, 0, "requests still in flight at quit");
    // Every load and change above shared the session's one admin token.
    assert_eq!(
        emu.token_requests(),
        1,
        "admin token requests in one session"
    );

    let state = emu.state();
    let scope = &state.scopes["demo:tilskudd.read"];
    assert!(scope.active);
    assert!(
        scope.description.ends_with(" (v2)"),
        "{}",
        scope.description
    );
    let grants_after = &state.grants["demo:tilskudd.read"];
    let changed: Vec<_> = grants_after
        .iter()
        .filter(|(org, g)| grants_before[*org].state != g.state)
        .map(|(org, g)| (grants_before[org].state.as_str(), g.state.as_str()))
        .collect();
    assert_eq!(changed, [("DENIED", "APPROVED")]);
    assert!(
        state
            .clients
            .values()
            .any(|c| c.client_name == "rapportering (edited)")
    );

    // Every change is in the journal, in order, with its target.
    let entries = Journal::at(&journal).read().unwrap();
    let ops: Vec<(Operation, &str)> = entries
        .iter()
        .map(|e| (e.operation, e.target.as_str()))
        .collect();
    assert_eq!(ops.len(), 5, "{ops:?}");
    assert_eq!(ops[0], (Operation::ScopeDeactivate, "demo:tilskudd.read"));
    assert_eq!(ops[1], (Operation::ScopeReactivate, "demo:tilskudd.read"));
    assert_eq!(ops[2], (Operation::ScopeUpdate, "demo:tilskudd.read"));
    assert_eq!(ops[3].0, Operation::AccessGrant);
    assert_eq!(ops[4].0, Operation::ClientUpdate);
    assert!(
        entries
            .iter()
            .all(|e| e.result == "ok" && e.environment == "LOCAL")
    );
}

/// Wait until the emulator has served `count` requests to `path` and is serving none.
async fn served(
    emu: &common::TestEmulator,
    path: &str,
    count: u64,
) -> mpadmin::emulator::PathStats {
    let start = Instant::now();
    loop {
        let s = emu.path_stats(path);
        if s.requests >= count && s.in_flight == 0 {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{path}: {count} requests not served: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const GRANTS_PATH: &str = "/api/v1/scopes/access";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_counts_of_all_scopes_load_in_parallel_at_most_eight_at_a_time() {
    let emu = common::emulator_with(mpadmin::emulator::Seed::Size(200)).await;
    // With latency every request is held long enough for the next ones to overlap it, so the
    // peak shows how many the UI keeps going at once.
    emu.faults().set_latency(Duration::from_millis(50));
    let Launched { d, ui, .. } = launch(&emu, 120);
    d.wait_for("Own scopes · i: inactive · t: public  200")
        .await;
    let start_up = served(&emu, GRANTS_PATH, 200).await;
    assert_eq!(start_up.requests, 200, "one grant listing per scope");
    assert!(
        (2..=8).contains(&start_up.peak_in_flight),
        "grant listings in flight at once: {start_up:?}"
    );

    // Opening the access pane reads the selected scope's grants: one more listing.
    emu.reset_path_stats();
    d.press("2");
    d.wait_for("APPROVED").await;
    assert_eq!(served(&emu, GRANTS_PATH, 1).await.requests, 1);

    // Refreshing the scopes counts every scope's grants again, the same way.
    emu.reset_path_stats();
    d.press("1r");
    let refresh = served(&emu, GRANTS_PATH, 200).await;
    assert_eq!(refresh.requests, 200);
    assert!(
        (2..=8).contains(&refresh.peak_in_flight),
        "grant listings in flight at once: {refresh:?}"
    );

    d.press("q");
    ui.await.unwrap().unwrap();
    assert_eq!(emu.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_and_a_lost_server_leave_the_ui_usable_and_it_recovers_by_itself() {
    let emu = common::emulator().await;
    let Launched { d, ui, .. } = launch(&emu, 200);
    d.wait_for("demo:rapport").await;
    // The first load of the clients is done: the fault below is for the refresh.
    d.press("3");
    d.wait_for("uten-nokler").await;

    // Malformed JSON: the status line names the endpoint and shows the first bytes.
    // Exact: the key reads under /clients/ID/jwks of the first load must not take it.
    emu.faults().inject_exact(
        "GET",
        "/api/v1/clients",
        mpadmin::emulator::Fault::MalformedJson,
        1,
    );
    d.press("r");
    d.wait_for("GET /clients: unexpected answer").await;
    d.wait_for("first bytes: {\"name\": \"truncated").await;

    // The server goes away: OFFLINE, the panes still switch, and retries run by themselves.
    emu.faults().set_down(true);
    d.press("1r");
    d.wait_for(" OFFLINE ").await;
    d.press("2");
    d.wait_for("Grants of").await;
    emu.faults().set_down(false);
    d.wait_for("back online").await;
    assert!(!d.screen.text().contains(" OFFLINE "));

    // A change that finds no server says so and goes offline too; nothing was changed.
    d.press("1/tilskudd.read\rd");
    d.wait_for("Deactivate scope").await;
    emu.faults().set_down(true);
    d.press("y");
    d.wait_for("deactivate scope demo:tilskudd.read failed")
        .await;
    d.wait_for(" OFFLINE ").await;
    emu.faults().set_down(false);
    d.wait_for("back online").await;
    assert!(emu.state().scopes["demo:tilskudd.read"].active);

    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert!(app.offline.is_none());
}

const RAPPORTERING: &str = "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a02";
const OLD_KID: &str = "rapportering-2025-12";

fn kids_on(emu: &common::TestEmulator, client: &str) -> Vec<String> {
    emu.state()
        .jwks
        .get(client)
        .map(|j| j.keys.iter().filter_map(|k| k.kid.clone()).collect())
        .unwrap_or_default()
}

/// The new-key form from the top: 2048 bits (fast), `kid_steps` to the right in the kid
/// choice, the private key to `out` with `passphrase` typed twice, which must show masked.
async fn fill_new_key(d: &Driver, kid_steps: usize, out: &std::path::Path, passphrase: &str) {
    d.key(KeyCode::Left);
    d.press("\t");
    for _ in 0..kid_steps {
        d.key(KeyCode::Right);
    }
    d.press("\t\t");
    d.replace(out.to_str().unwrap());
    d.press("\t");
    d.press(passphrase);
    d.press("\t");
    d.press(passphrase);
    let masked = "•".repeat(passphrase.chars().count());
    d.wait_until("both passphrases, masked", |text| {
        text.matches(masked.as_str()).count() == 2
    })
    .await;
    assert!(
        !d.screen.text().contains(passphrase),
        "passphrase on screen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_pane_generates_rotates_with_proof_deletes_or_keeps_the_old_key_and_doctors() {
    let emu = common::emulator().await;
    let Launched {
        d,
        ui,
        journal,
        copies,
    } = launch(&emu, 120);
    let passphrase = "correct horse battery";
    assert_eq!(kids_on(&emu, RAPPORTERING), [OLD_KID]);

    d.press("3");
    d.wait_for("rapportering").await;
    d.press("/rapportering\rK");
    d.wait_for("Keys of rapportering").await;
    d.wait_for(OLD_KID).await;

    // n: a key pair with the thumbprint as kid, encrypted, written where we say.
    let generated = emu.temp_dir().join("generated.key.pem");
    d.press("n");
    d.wait_for("New key pair for rapportering").await;
    fill_new_key(&d, 1, &generated, passphrase).await;
    d.press("\r");
    d.wait_for("generated key").await;
    let kids = kids_on(&emu, RAPPORTERING);
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert_eq!(kids[0], OLD_KID, "the old key is kept beside the new one");
    let thumbprint = kids[1].clone();
    let pem = std::fs::read_to_string(&generated).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&generated).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // R on the old key: generate, upload, prove with a real token, and only then the question.
    let rotated = emu.temp_dir().join("rotated.key.pem");
    // The toast names the new kid too: wait for the keys read again (their count).
    d.wait_for("all clients by expiry  2 ").await;
    d.press(&format!("/{OLD_KID}\rR"));
    d.wait_for(&format!("Rotate key {OLD_KID} of rapportering"))
        .await;
    fill_new_key(&d, 0, &rotated, passphrase).await;
    d.press("\r");
    d.wait_for("Rotation proven").await;
    let kids = kids_on(&emu, RAPPORTERING);
    assert_eq!(kids.len(), 3, "uploaded beside the others: {kids:?}");
    assert!(kids.iter().any(|k| k == OLD_KID), "nothing deleted unasked");
    let new_kid = kids[2].clone();
    assert!(new_kid.starts_with("rapportering-20"), "{new_kid}");
    assert!(
        !d.screen.text().contains(passphrase),
        "passphrase on screen"
    );

    // y: the old key goes, the two new ones stay.
    d.press("y");
    d.wait_for(&format!("removed key {OLD_KID}")).await;
    assert_eq!(
        kids_on(&emu, RAPPORTERING),
        [thumbprint.clone(), new_kid.clone()]
    );

    // t: the token doctor with the new key file reads Maskinporten's real answers.
    let ask_doctor = |kid: &str| {
        d.press("t");
        d.press(rotated.to_str().unwrap());
        d.press("\t");
        d.press(kid);
        d.press("\t\t");
        d.press(passphrase);
        d.press("\r");
    };
    // Esc clears the filter that picked the old key.
    d.esc();
    d.wait_for(&new_kid).await;
    ask_doctor("nope");
    d.wait_for("Token doctor: refused").await;
    d.wait_for(&format!("this key is, as '{new_kid}'")).await;
    d.esc();
    ask_doctor("");
    d.wait_for("Token doctor: token issued").await;
    d.wait_for("demo:rapport").await;
    assert!(
        !d.screen.text().contains(passphrase),
        "passphrase on screen"
    );
    d.esc();

    // R again, on the thumbprint key, and n: the old key is kept and the command shown.
    let again = emu.temp_dir().join("again.key.pem");
    d.press(&format!("/{thumbprint}\rR"));
    d.wait_for(&format!("Rotate key {thumbprint} of rapportering"))
        .await;
    fill_new_key(&d, 0, &again, passphrase).await;
    d.press("\r");
    d.wait_for("Rotation proven").await;
    d.press("n");
    d.wait_for("Kept for now").await;
    d.press("y");
    d.wait_for("copied mpadmin").await;
    assert_eq!(
        copies.lock().unwrap().as_slice(),
        [format!(
            "mpadmin --profile emulator keys remove {RAPPORTERING} {thumbprint}"
        )]
    );
    let kids = kids_on(&emu, RAPPORTERING);
    assert_eq!(kids.len(), 3, "{kids:?}");
    assert_eq!(kids[..2], [thumbprint.clone(), new_kid.clone()]);
    d.esc();

    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert_eq!(app.pending, 0, "requests still in flight at quit");
    let ops: Vec<Operation> = Journal::at(&journal)
        .read()
        .unwrap()
        .iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(
        ops,
        [
            Operation::KeyAdd,
            Operation::KeyAdd,
            Operation::KeyRemove,
            Operation::KeyAdd
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_switch_connects_off_the_ui_thread_and_shows_the_other_organisation() {
    let emu = common::emulator().await;
    let Launched { d, ui, .. } = launch(&emu, 120);
    d.wait_for("org 991825827").await;
    d.wait_for("demo:rapport").await;

    d.press(":profile emulator-other-org\r");
    d.wait_for("profile emulator-other-org").await;
    d.wait_for("org 889640782").await;
    // The other organisation's own scopes, not ours.
    d.wait_for("etaten:").await;
    assert!(!d.screen.text().contains("demo:rapport"));

    // A profile the file does not have is refused before anything is read.
    d.press(":profile nope\r");
    d.wait_for("no profile nope in the profiles file").await;

    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert_eq!(app.session.profile, "emulator-other-org");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_shows_the_checks_and_names_a_missing_admin_scope() {
    let emu = common::emulator().await;
    let Launched { d, ui, .. } = launch(&emu, 160);
    d.wait_for("difitest:").await;
    d.press(":doctor\r");
    d.wait_for("Doctor of profile emulator:").await;
    d.wait_until("no failed check", |t| t.contains(" 0 fail"))
        .await;
    d.wait_for("scopes and grants: read and change").await;
    d.esc();
    emu.withdraw_admin_scopes(&["idporten:scopes.write"])
        .unwrap();
    d.press(":doctor\r");
    d.wait_until("a failed check", |t| {
        t.contains("Doctor of profile emulator:") && !t.contains(" 0 fail")
    })
    .await;
    d.wait_for("idporten:scopes.write is not registered").await;
    d.press("q");
    d.press(":quit\r");
    ui.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_reads_each_list_once_and_no_key_set_when_the_listing_carries_them() {
    let emu = common::emulator_with(mpadmin::emulator::Seed::Size(200)).await;
    let Launched { d, ui, .. } = launch(&emu, 120);
    d.wait_for("Own scopes · i: inactive · t: public  200")
        .await;
    served(&emu, GRANTS_PATH, 200).await;
    // The clients are read when their pane first opens, not at start.
    assert_eq!(emu.path_stats("/api/v1/clients").requests, 0);
    d.press("3");
    d.wait_for("klient-").await;
    d.press("1");
    d.press("3");
    d.press("q");
    ui.await.unwrap().unwrap();
    let got: Vec<(String, u64)> = emu
        .all_path_stats()
        .into_iter()
        .filter(|(p, _)| p != mpadmin::emulator::ALL_PATHS)
        .map(|(p, s)| (p, s.requests))
        .collect();
    let once = |path: &str| got.iter().any(|(p, n)| p == path && *n == 1);
    for path in ["/token", "/api/v1/scopes", "/api/v1/clients"] {
        assert!(once(path), "{path} once: {got:?}");
    }
    assert!(
        !got.iter().any(|(p, _)| p.ends_with("/jwks")),
        "the clients listing carries every key set: {got:?}"
    );
    assert!(got.len() <= 8, "one request per list: {got:?}");
}

/// The organisation whose request for `scope` waits in the emulator.
fn requester(emu: &common::TestEmulator, scope: &str) -> String {
    emu.state().grants[scope]
        .values()
        .find(|g| g.state == mpadmin::api::models::AccessState::Requested)
        .map(|g| g.consumer_orgno.clone())
        .unwrap()
}

/// Wait until no request is in flight (no spinner on the screen).
async fn idle(d: &Driver) {
    d.wait_until("no request in flight", |t| {
        !t.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_approved_in_the_requests_view_is_approved_in_the_emulator() {
    let emu = common::emulator().await;
    let orgno = requester(&emu, "demo:rapport");
    let Launched { d, ui, journal, .. } = launch_with(&emu, 120, true);
    d.wait_for("demo:rapport").await;
    // The demo holds three requests.
    d.wait_for("3 requests").await;
    d.press(":requests");
    d.key(KeyCode::Enter);
    d.wait_for("Requests waiting for an answer").await;
    // Named from the emulator's register, looked up off the UI thread.
    d.wait_for("NORDLYS REGNSKAP AS").await;
    d.press("/NORDLYS");
    d.key(KeyCode::Enter);
    d.press("a");
    d.wait_for("Approve this request?").await;
    d.press("y");
    d.wait_for("approved").await;
    d.wait_for("2 requests").await;
    assert_eq!(
        emu.state().grants["demo:rapport"][&orgno].state,
        mpadmin::api::models::AccessState::Approved
    );
    idle(&d).await;
    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert_eq!(app.pending, 0, "requests still in flight at quit");
    let entries = Journal::at(&journal).read().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.operation == Operation::AccessApprove && e.result == "ok"),
        "{entries:?}"
    );
    // Names found went to the on-disk cache.
    let cache = journal.with_file_name("names-local.json");
    let cached = std::fs::read_to_string(&cache).unwrap();
    assert!(cached.contains("NORDLYS REGNSKAP AS"), "{cached}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_name_lookup_leaves_the_number_alone() {
    let emu = common::emulator().await;
    let orgno = requester(&emu, "demo:rapport");
    let path = format!("/api/v1/organizations/{orgno}");
    emu.faults().always(
        &path,
        mpadmin::emulator::Fault::Status {
            status: 500,
            retry_after: None,
        },
    );
    let Launched { d, ui, .. } = launch_with(&emu, 120, true);
    d.wait_for("3 requests").await;
    d.press(":requests");
    d.key(KeyCode::Enter);
    d.wait_for(&orgno).await;
    // Another number is named: lookups happen, only this one fails.
    d.wait_for("KORALL HELSE AS").await;
    served(&emu, &path, 1).await;
    idle(&d).await;
    let screen = d.screen.text();
    let line = screen.lines().find(|l| l.contains(&orgno)).unwrap();
    assert!(!line.contains("NORDLYS"), "{line}");
    d.press("q");
    let app = ui.await.unwrap().unwrap();
    assert_eq!(app.data.name_of(&orgno), None);
    assert!(app.data.names_pending.is_empty(), "the answer came back");
    // No dialog and no error to dismiss.
    assert!(app.modal.is_none());
    assert!(
        app.toast
            .as_ref()
            .is_none_or(|t| t.level != mpadmin::tui::widgets::status::Level::Error),
        "{:?}",
        app.toast
    );
}

/// Issue 13 §3: the demo ID-porten client's on-behalf-of registrations are added, edited and
/// removed from the UI, each accepted by the (strict) emulator and journaled; a Maskinporten
/// client says why it has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onbehalfof_registrations_are_added_edited_and_removed_from_the_ui() {
    let emu = common::emulator().await;
    let idp = "5e1d0c4b-7a2f-4b8e-9c3d-1f2e3a4b5c60";
    let stored = |key: &str| emu.state().onbehalfof[idp].get(key).cloned();
    let Launched { d, ui, journal, .. } = launch(&emu, 120);
    d.wait_for("token ").await;
    // The clients list is read when its pane first opens.
    d.press("3");
    d.wait_for("rapportering").await;
    d.press("/rapportering\rb");
    d.wait_for("on-behalf-of registrations are only for idporten")
        .await;
    d.esc();
    d.esc();
    d.press("/Min side\rb");
    d.wait_for("On-behalf-of · Min side (innlogging) (idporten)")
        .await;
    d.wait_for("kommune-b").await;

    d.press("n");
    d.wait_for("New on-behalf-of registration").await;
    d.press("kommune-c\tKommune C\t");
    d.press(mpadmin::emulator::OTHER_ORGNO);
    d.press("\thttps://c.example.no/\r");
    // A row, read back from the server: not the form's fields.
    let row = |t: &str, a: &str, b: &str| t.lines().any(|l| l.contains(a) && l.contains(b));
    d.wait_until("the new row", |t| {
        row(t, "kommune-c", mpadmin::emulator::OTHER_ORGNO)
    })
    .await;
    assert!(stored("kommune-c").is_some());

    d.press("/kommune-c\re");
    d.wait_for("Edit on-behalf-of kommune-c").await;
    d.press(" (ny)\r");
    d.wait_until("the edited row", |t| row(t, "kommune-c", "Kommune C (ny)"))
        .await;

    d.press("d");
    d.wait_for("Remove on-behalf-of registration").await;
    d.press("y");
    d.wait_until("the registration gone", |_| stored("kommune-c").is_none())
        .await;
    d.esc();
    d.esc();
    d.wait_for("Clients").await;
    d.press("q");
    ui.await.unwrap().unwrap();

    assert!(stored("kommune-a").is_some() && stored("kommune-b").is_some());
    let ops: Vec<Operation> = Journal::at(&journal)
        .read()
        .unwrap()
        .iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(
        ops,
        [
            Operation::OnBehalfOfAdd,
            Operation::OnBehalfOfUpdate,
            Operation::OnBehalfOfRemove
        ]
    );
}

/// Issue 13 §4: an ID-porten client made in the new-client form is one the strict emulator
/// accepts, with its redirect URIs and auth method as chosen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idporten_client_is_created_from_the_ui() {
    let emu = common::emulator().await;
    let Launched { d, ui, .. } = launch(&emu, 120);
    d.wait_for("token ").await;
    d.press("3");
    d.wait_for("rapportering").await;
    d.press("n");
    d.wait_for("New client").await;
    d.press("Min side 2\tInnlogging\t\t \t\t\thttps://minside2.example.no/cb\r");
    d.wait_for("Min side 2").await;
    d.wait_until("the client stored", |_| {
        emu.state()
            .clients
            .values()
            .any(|c| c.client_name == "Min side 2")
    })
    .await;
    d.press("q");
    ui.await.unwrap().unwrap();
    let state = emu.state();
    let c = state
        .clients
        .values()
        .find(|c| c.client_name == "Min side 2")
        .unwrap();
    assert_eq!(c.integration_type.as_ref().unwrap().as_str(), "idporten");
    assert_eq!(c.uris("redirect_uris"), ["https://minside2.example.no/cb"]);
    assert_eq!(
        c.token_endpoint_auth_method.as_ref().unwrap().as_str(),
        "client_secret_basic"
    );
}
