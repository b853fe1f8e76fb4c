//! The request budget of each user action (README, "Request budget"): what every command sends,
//! counted per path by the emulator, so the table in the README stays true.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::TestEmulator;
use common::bin::run;
use mpadmin::api::types::ScopeName;
use mpadmin::emulator::{ALL_PATHS, OWN_ORGNO, Seed};
use mpadmin::tui::action::Action;
use mpadmin::tui::effect::{Effect, Load, Loaded, Runner};

/// Requests per path since the last reset, the total under `*`.
fn requests(emu: &TestEmulator) -> BTreeMap<String, u64> {
    emu.all_path_stats()
        .into_iter()
        .map(|(path, s)| (path, s.requests))
        .collect()
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    let mut map: BTreeMap<String, u64> = pairs.iter().map(|(p, n)| ((*p).to_owned(), *n)).collect();
    map.insert(ALL_PATHS.to_owned(), pairs.iter().map(|(_, n)| n).sum());
    map
}

/// `mpadmin --profile emulator ARGS...`, which must succeed; then the requests it made.
async fn counted(emu: &TestEmulator, args: &[&str]) -> BTreeMap<String, u64> {
    emu.reset_path_stats();
    let mut all = vec!["--profile", "emulator", "--yes"];
    all.extend_from_slice(args);
    let out = run(emu, &emu.keys_toml(), &all).await;
    assert_eq!(out.code, 0, "{out:?}");
    requests(emu)
}

const SCOPES: &str = "/api/v1/scopes";
const GRANTS: &str = "/api/v1/scopes/access";
const CLIENTS: &str = "/api/v1/clients";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_command_sends_what_the_readme_budget_says() {
    let emu = common::emulator().await;
    assert_eq!(counted(&emu, &["token"]).await, expect(&[("/token", 1)]));
    assert_eq!(
        counted(&emu, &["--json", "scopes", "list"]).await,
        expect(&[("/token", 1), (SCOPES, 1)])
    );
    let grant = format!("{GRANTS}/974760673");
    assert_eq!(
        counted(
            &emu,
            &["access", "grant", "--scope", "demo:rapport", "974760673"]
        )
        .await,
        expect(&[("/token", 1), (GRANTS, 1), (grant.as_str(), 1)]),
        "a grant reads the scope's grants once (the journal's before), then one PUT"
    );
    assert_eq!(
        counted(
            &emu,
            &["access", "revoke", "--scope", "demo:rapport", "974760673"]
        )
        .await,
        expect(&[("/token", 1), (GRANTS, 1), (grant.as_str(), 1)]),
        "a revoke reads the scope's grants once, then one DELETE"
    );
    // Every client's keys come with the listing: one request in all.
    assert_eq!(
        counted(&emu, &["--json", "keys", "expiring", "--days", "0"]).await,
        expect(&[("/token", 1), (CLIENTS, 1)])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_upload_reads_the_set_once_and_puts_the_key_alone() {
    let emu = common::emulator().await;
    let client = emu
        .state()
        .clients
        .values()
        .find(|c| c.client_name == "rapportering")
        .map(|c| c.client_id.clone())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("new.pub.pem");
    let key = openssl::rsa::Rsa::generate(2048).unwrap();
    std::fs::write(&public, key.public_key_to_pem().unwrap()).unwrap();
    let jwks = format!("{CLIENTS}/{client}/jwks");
    let got = counted(
        &emu,
        &[
            "keys",
            "add",
            &client,
            "--file",
            public.to_str().unwrap(),
            "--kid",
            "budget-1",
        ],
    )
    .await;
    let one = format!("{jwks}/budget-1");
    assert_eq!(
        got,
        expect(&[("/token", 1), (jwks.as_str(), 1), (one.as_str(), 1)]),
        "one read of the set (the journal's before, the lint) and one PUT of the key alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_keys_in_the_listing_keys_expiring_reads_each_client_at_most_eight_at_a_time() {
    let emu = common::emulator_with(Seed::Size(60)).await;
    emu.faults().set_clients_without_keys(true);
    // Latency holds each request long enough for the next ones to overlap it.
    emu.faults().set_latency(Duration::from_millis(20));
    let got = counted(&emu, &["--json", "keys", "expiring", "--days", "0"]).await;
    let clients = emu.state().clients_of(OWN_ORGNO).count() as u64;
    let jwks: u64 = got
        .iter()
        .filter(|(p, _)| p.ends_with("/jwks"))
        .map(|(_, n)| n)
        .sum();
    assert!(clients >= 20, "{clients}");
    assert_eq!(jwks, clients, "one key set per client: {got:?}");
    assert_eq!(got[CLIENTS], 1);
    let peak = emu.path_stats(ALL_PATHS).peak_in_flight;
    assert!((2..=8).contains(&peak), "in flight at once: {peak}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_counts_of_the_rows_on_screen_are_reported_before_the_rest() {
    let emu = common::emulator_with(Seed::Size(200)).await;
    let profile = mpadmin::config::load(Some(&emu.keys_toml()), Some("emulator")).unwrap();
    let api = mpadmin::api::connect(&profile).unwrap();
    let names: Vec<ScopeName> = api
        .own_scopes(false)
        .await
        .unwrap()
        .iter()
        .map(|s| s.name.parse().unwrap())
        .collect();
    assert!(names.len() > 100, "{}", names.len());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(api, tx, None, None);
    emu.reset_path_stats();
    runner.spawn(Effect::Load {
        generation: 7,
        load: Load::GrantCounts(names.clone()),
    });
    let mut parts = Vec::new();
    while parts.len() < 2 {
        match rx.recv().await.unwrap() {
            Action::Loaded {
                generation: 7,
                data: Loaded::GrantCounts(counts),
            } => {
                let mut got: Vec<String> = counts.into_iter().map(|(n, _)| n).collect();
                got.sort();
                parts.push(got);
            }
            Action::Reach(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut first: Vec<String> = names[..parts[0].len()]
        .iter()
        .map(|n| n.as_str().to_owned())
        .collect();
    first.sort();
    assert!(
        parts[0].len() < names.len() / 2,
        "a first part: {}",
        parts[0].len()
    );
    assert_eq!(
        parts[0], first,
        "the first names (the rows on screen) come first"
    );
    assert_eq!(parts[0].len() + parts[1].len(), names.len());
    let stats = emu.path_stats(GRANTS);
    assert_eq!(stats.requests, names.len() as u64);
    assert!(stats.peak_in_flight <= 8, "{stats:?}");
}
