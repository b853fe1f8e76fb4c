//! What mpadmin does with hostile or broken HTTP answers (issue 14): bodies are read up to a
//! cap, redirects are reported and never followed, each call ends within its deadline, and an
//! empty list body is an error. Servers are the emulator's faults or small hostile servers on
//! 127.0.0.1 port 0.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mpadmin::api::{AdminApi, ApiError};
use mpadmin::emulator::{Fault, Seed};
use mpadmin::net::{API_BODY_CAP, BodyError, read_capped};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

mod common;

use common::TestEmulator;

/// A loopback server that answers every connection with `answer`, counting connections.
struct Hostile {
    port: u16,
    connections: Arc<AtomicUsize>,
}

/// How a hostile server answers one connection (after reading the request head).
#[derive(Clone, Copy)]
enum Answer {
    /// Never a byte: the connection stays open until the client gives up.
    Silent,
    /// A 200 announcing `Content-Length: len`, one byte of it, then silence.
    Announce { len: u64 },
    /// 404, at once.
    NotFound,
    /// A 200 JSON array that never ends; the bytes written go to `written` when the client
    /// hangs up.
    Endless,
}

impl Hostile {
    async fn start(answer: Answer) -> (Hostile, oneshot::Receiver<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let (written_tx, written_rx) = oneshot::channel();
        let count = connections.clone();
        tokio::spawn(async move {
            let mut written_tx = Some(written_tx);
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let tx = written_tx.take();
                tokio::spawn(async move {
                    let written = serve(socket, answer).await;
                    if let Some(tx) = tx {
                        let _ = tx.send(written);
                    }
                });
            }
        });
        (Hostile { port, connections }, written_rx)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Answer one connection; the bytes of body written before the client hung up.
async fn serve(mut socket: TcpStream, answer: Answer) -> usize {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return 0,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    match answer {
        Answer::Silent => {
            // Hold the connection until the client closes it.
            let _ = socket.read(&mut buf).await;
            0
        }
        Answer::Announce { len } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n["
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.read(&mut buf).await;
            0
        }
        Answer::NotFound => {
            let _ = socket
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
            0
        }
        Answer::Endless => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if socket.write_all(head).await.is_err() {
                return 0;
            }
            let item = b"{\"name\":\"endless:scope\"},".repeat(2048);
            let chunk = [
                format!("{:x}\r\n", item.len()).into_bytes(),
                item,
                b"\r\n".to_vec(),
            ]
            .concat();
            let mut written = 0;
            while socket.write_all(&chunk).await.is_ok() {
                written += chunk.len();
            }
            written
        }
    }
}

/// The emulator's profiles file with every `api_base` pointing at `api_base`, and `lines`
/// added to the `emulator` profile.
fn keys_toml(emu: &TestEmulator, name: &str, api_base: Option<&str>, lines: &str) -> PathBuf {
    let mut text = std::fs::read_to_string(emu.keys_toml()).unwrap();
    if let Some(base) = api_base {
        text = text.replace(emu.api_base().as_str(), base);
    }
    let text = text.replace(
        "[profiles.emulator]\n",
        &format!("[profiles.emulator]\n{lines}\n"),
    );
    let path = emu.temp_dir().join(name);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn connect(keys: &Path) -> AdminApi {
    let profile = mpadmin::config::load(Some(keys), Some("emulator")).unwrap();
    mpadmin::api::connect(&profile).unwrap()
}

// ---- body caps ----

/// Without the caps, an endless body would grow memory by hundreds of MB a second until the
/// timeout; these keep that to 3 s.
const SHORT: &str = "request_timeout_secs = 3\ndeadline_secs = 3";

#[tokio::test]
async fn an_endless_list_stops_at_the_cap_with_an_error_naming_it() {
    let emu = common::emulator_with(Seed::Empty).await;
    let (server, written) = Hostile::start(Answer::Endless).await;
    let api = connect(&keys_toml(
        &emu,
        "endless.toml",
        Some(&server.url("/api/v1")),
        SHORT,
    ));
    let started = Instant::now();
    let err = api.own_scopes(false).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /scopes: the answer is larger than 64 MiB, the most mpadmin reads from the admin API; none of it was used"
    );
    // The client stopped reading at the cap and hung up: what the server got out is the cap
    // plus what the sockets buffer, not a stream that went on until a timeout.
    let written = written.await.unwrap();
    assert!(written >= API_BODY_CAP, "{written}");
    assert!(written < API_BODY_CAP + (16 << 20), "{written}");
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn an_endless_token_answer_stops_at_1_mib() {
    let emu = common::emulator_with(Seed::Empty).await;
    emu.faults().inject("/token", Fault::EndlessBody, 1);
    let api = connect(&keys_toml(&emu, "endless.toml", None, SHORT));
    let started = Instant::now();
    let err = api.clients().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("could not get an admin token: token endpoint http://127.0.0.1:")
            && msg.ends_with(
                "/token: the answer is larger than 1 MiB, the most mpadmin reads from a token endpoint"
            ),
        "{msg}"
    );
    // The next token answer is good again.
    api.clients().await.unwrap();
}

#[tokio::test]
async fn a_content_length_above_the_cap_is_refused_before_reading() {
    let emu = common::emulator_with(Seed::Empty).await;
    let (server, _) = Hostile::start(Answer::Announce {
        len: API_BODY_CAP as u64 + 1,
    })
    .await;
    let api = connect(&keys_toml(
        &emu,
        "big.toml",
        Some(&server.url("/api/v1")),
        SHORT,
    ));
    let started = Instant::now();
    let err = api.clients().await.unwrap_err();
    // The server sends one byte of the body and then nothing: only refusing the announced
    // length at once ends this with the cap's error rather than the deadline's.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("larger than 64 MiB"), "{err}");
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_not() {
    let body = vec![b'x'; 3000];
    let app = axum::Router::new()
        .route(
            "/fixed",
            axum::routing::get({
                let body = body.clone();
                move || async move { body }
            }),
        )
        .route(
            "/chunked",
            axum::routing::get({
                let body = body.clone();
                move || async move {
                    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                        body.chunks(700).map(|c| Ok(c.to_vec())).collect();
                    axum::body::Body::from_stream(futures::stream::iter(chunks))
                }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    for path in ["/fixed", "/chunked"] {
        let get = || http.get(format!("{base}{path}")).send();
        let resp = get().await.unwrap();
        assert_eq!(
            resp.content_length().is_some(),
            path == "/fixed",
            "{path} has the intended framing"
        );
        assert_eq!(read_capped(resp, 3000).await.unwrap(), body, "{path}");
        let over = read_capped(get().await.unwrap(), 2999).await;
        assert!(matches!(over, Err(BodyError::TooLarge)), "{path}: {over:?}");
    }
}

// ---- redirects ----

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_reported_and_the_grant_stays_home() {
    let emu = common::emulator_with(Seed::Empty).await;
    let (elsewhere, _) = Hostile::start(Answer::NotFound).await;
    let location = elsewhere.url("/token");
    emu.faults().inject(
        "/token",
        Fault::Redirect {
            location: location.clone(),
        },
        1,
    );
    let api = connect(&emu.keys_toml());
    let err = api.clients().await.unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "/token: HTTP 307 redirect to {location} refused: mpadmin sends the grant to the configured endpoint only; check token_endpoint in the profile"
        )),
        "{err}"
    );
    assert_eq!(
        elsewhere.connections(),
        0,
        "the grant went to the redirect target"
    );
}

#[tokio::test]
async fn a_redirect_from_the_admin_api_is_reported_not_followed() {
    let emu = common::emulator_with(Seed::Empty).await;
    let (elsewhere, _) = Hostile::start(Answer::NotFound).await;
    // A Location with a bidi override: shown percent-encoded, so it cannot reorder the line.
    emu.faults().inject(
        "/api/v1/clients",
        Fault::Redirect {
            location: format!("{}/x\u{202e}y", elsewhere.url("/api/v1/clients")),
        },
        1,
    );
    let api = connect(&emu.keys_toml());
    let err = api.clients().await.unwrap_err();
    assert!(matches!(err, ApiError::Redirect { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "GET /clients: HTTP 307 redirect to {}/x%E2%80%AEy refused: mpadmin follows no redirects; check api_base in the profile",
            elsewhere.url("/api/v1/clients")
        )
    );
    assert_eq!(elsewhere.connections(), 0);
}

// ---- the deadline of a call ----

#[tokio::test]
async fn a_silent_server_gets_one_deadline_not_four_timeouts() {
    let emu = common::emulator_with(Seed::Empty).await;
    let (silent, _) = Hostile::start(Answer::Silent).await;
    let keys = keys_toml(
        &emu,
        "silent.toml",
        Some(&silent.url("/api/v1")),
        "request_timeout_secs = 1\ndeadline_secs = 2",
    );
    let api = connect(&keys);
    let started = Instant::now();
    let err = api.clients().await.unwrap_err();
    let elapsed = started.elapsed();
    // Without the deadline: four 1 s timeouts plus backoff, about 4.5 s.
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_millis(3000),
        "{elapsed:?}"
    );
    let msg = err.to_string();
    let attempts = silent.connections();
    assert_eq!(
        attempts, 2,
        "one timeout, one retry cut by the deadline: {msg}"
    );
    assert!(
        msg.starts_with(
            "GET /clients: no complete answer before the deadline; gave up after 2 attempts in 2."
        ) && msg.ends_with(" s (deadline_secs = 2 in the profile)"),
        "{msg}"
    );
    assert!(err.is_unreachable(), "the TUI goes offline: {msg}");
}

#[tokio::test]
async fn a_post_cut_by_the_deadline_is_read_back() {
    let emu = common::emulator_with(Seed::Empty).await;
    let keys = keys_toml(
        &emu,
        "slow.toml",
        None,
        "request_timeout_secs = 2\ndeadline_secs = 2",
    );
    let api = connect(&keys);
    // Every request takes 1.2 s: the token, then the POST, which the deadline (2 s after the
    // call began) cuts while it is on its way; the read-back is a call of its own.
    emu.faults().set_latency(Duration::from_millis(1200));
    let scope: mpadmin::api::models::Scope = serde_json::from_value(serde_json::json!({
        "prefix": "difitest", "subscope": "late", "description": "d"
    }))
    .unwrap();
    let err = api.create_scope(&scope).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "POST /scopes: no complete answer before the deadline; gave up after 1 attempt in 2."
        ) && msg.ends_with(
            "the scope difitest:late was not created (read back after the failure); safe to retry"
        ),
        "{msg}"
    );
    assert!(emu.state().scope("difitest:late").is_none());
}

#[tokio::test]
async fn retries_that_run_out_say_how_many_attempts_there_were() {
    let emu = common::emulator_with(Seed::Empty).await;
    let api = connect(&emu.keys_toml()).with_retry(mpadmin::api::RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    });
    emu.faults().inject(
        "/api/v1/clients",
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        4,
    );
    let err = api.clients().await.unwrap_err();
    assert_eq!(err.status(), Some(reqwest::StatusCode::SERVICE_UNAVAILABLE));
    let msg = err.to_string();
    assert!(msg.contains("; gave up after 4 attempts in 0."), "{msg}");
    assert!(!msg.contains("deadline"), "{msg}");
}

// ---- the binary: empty bodies and memory ----

struct Run {
    code: i32,
    stderr: String,
    wall: Duration,
    /// Peak resident memory of the process, kB.
    max_rss_kb: i64,
}

/// Run the real binary on `keys` with a private HOME, stdin and stdout closed, and measure
/// its peak memory (wait4's rusage: the child's own, not this test process's).
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its rusage"
)]
async fn run(home: &Path, keys: &Path, args: &[&str]) -> Run {
    let (home, keys) = (home.to_owned(), keys.to_owned());
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let started = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"))
            .arg("--keys")
            .arg(&keys)
            .args(&args)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("MPADMIN_KEYS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let mut status = 0;
        // SAFETY: rusage is plain data; the pid is our child, not yet reaped.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = child.id() as libc::pid_t;
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(reaped, pid);
        Run {
            code: if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            },
            stderr,
            wall: started.elapsed(),
            max_rss_kb: usage.ru_maxrss,
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_list_body_exits_1_naming_the_endpoint() {
    let emu = common::emulator_with(Seed::Demo).await;
    emu.faults().always("/api/v1/scopes", Fault::EmptyBody);
    let r = run(&emu.temp_dir(), &emu.keys_toml(), &["scopes", "list"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "mpadmin: GET /scopes: unexpected answer (an empty body where a JSON array belongs); first bytes: (empty body)\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_leaves_memory_bounded_and_exits_1_at_once() {
    let emu = common::emulator_with(Seed::Empty).await;
    emu.faults().always("/api/v1/scopes", Fault::EndlessBody);
    let keys = keys_toml(&emu, "endless.toml", None, SHORT);
    let r = run(&emu.temp_dir(), &keys, &["scopes", "list"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    // This message, not the deadline's, says the cap ended it within the 3 s.
    assert!(
        r.stderr
            .contains("GET /scopes: the answer is larger than 64 MiB"),
        "{}",
        r.stderr
    );
    assert!(r.wall < Duration::from_secs(5), "{:?}", r.wall);
    // 64 MiB of body and the process itself (about 20 MB); the endless stream without a cap
    // grows by hundreds of MB a second.
    assert!(r.max_rss_kb < 192 * 1024, "peak RSS {} kB", r.max_rss_kb);
}
