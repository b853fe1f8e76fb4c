//! The real `mpadmin` binary against an in-process emulator: output, exit codes, the
//! confirmation and read-only gates, and what each command changes on the server.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use mpadmin::api::models::AccessState;
use mpadmin::emulator::{OTHER_ORG_NAME, OTHER_ORGNO, OWN_ORGNO, Seed};
use serde_json::Value;

mod common;

use common::{private, set_mode};

use common::TestEmulator;

struct Fixture {
    emu: TestEmulator,
}

async fn start(seed: Seed) -> Fixture {
    Fixture {
        emu: common::emulator_with(seed).await,
    }
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:?}");
        assert!(self.stderr.is_empty(), "{self:?}");
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// Failed with `code` and exactly one line on stderr.
    fn failed(self, code: i32) -> Run {
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

/// Home, config, data (journal) and state (logs) inside the test's temp dir.
fn isolated_env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("HOME", dir.to_owned()),
        ("XDG_CONFIG_HOME", dir.join("config")),
        ("XDG_DATA_HOME", dir.join("data")),
        ("XDG_STATE_HOME", dir.join("state")),
    ]
}

impl Fixture {
    async fn run(&self, args: &[&str]) -> Run {
        self.run_with(&self.emu.keys_toml(), args).await
    }

    /// Run the binary with `--keys keys`, no terminal on stdin and a clean environment.
    async fn run_with(&self, keys: &Path, args: &[&str]) -> Run {
        self.run_env(keys, &[], args).await
    }

    /// As `run_with`, with the variables `vars` set.
    async fn run_env(&self, keys: &Path, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"));
        cmd.arg("--keys").arg(keys).args(args).stdin(Stdio::null());
        for (k, v) in isolated_env(&self.emu.temp_dir()) {
            cmd.env(k, v);
        }
        cmd.envs(vars.iter().copied());
        let out = cmd.env_remove("MPADMIN_KEYS").output().await.unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A copy of the profiles file with `line` added to the `emulator` profile.
    fn keys_with(&self, line: &str) -> PathBuf {
        self.emu.keys_toml_with("changed.toml", "emulator", line)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_list_as_table_and_json() {
    let f = start(Seed::Demo).await;
    let table = f.run(&["scopes", "list"]).await.ok();
    let mut lines = table.stdout.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("NAME"), "{table:?}");
    assert!(header.contains("VISIBILITY"));
    assert!(table.stdout.contains("difitest:api3 "), "{table:?}");
    assert!(
        !table.stdout.contains("difitest:gammel"),
        "inactive hidden: {table:?}"
    );

    let all = f
        .run(&["--json", "scopes", "list", "--inactive"])
        .await
        .ok()
        .json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"difitest:gammel"), "{names:?}");
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted: {names:?}");

    let public = f.run(&["--json", "scopes", "list", "--public"]).await.ok();
    let public = public.json();
    let owners: Vec<&str> = public
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["owner_orgno"].as_str())
        .collect();
    assert!(
        owners.iter().any(|o| *o != OWN_ORGNO),
        "other organisations' scopes too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_create_show_update_delete() {
    let f = start(Seed::Empty).await;
    let name = "difitest:orders.read";
    let created = f
        .run(&[
            "--json",
            "scopes",
            "create",
            "--prefix",
            "difitest",
            "--subscope",
            "orders.read",
            "--description",
            "Read orders",
            "--at-max-age",
            "300",
            "--visibility",
            "private",
        ])
        .await
        .ok();
    assert_eq!(created.json()["name"], name);
    let stored = f.emu.state().scope(name).cloned().unwrap();
    assert_eq!(stored.at_max_age, Some(300));
    assert_eq!(stored.allowed_integration_types.len(), 1);

    f.run(&["access", "grant", OTHER_ORGNO, "--scope", name])
        .await
        .ok();
    let shown = f.run(&["scopes", "show", name]).await.ok();
    assert!(shown.stdout.contains("Read orders"), "{shown:?}");
    assert!(shown.stdout.contains("Grants (1):"), "{shown:?}");
    assert!(shown.stdout.contains(OTHER_ORGNO), "{shown:?}");
    let shown = f.run(&["--json", "scopes", "show", name]).await.ok().json();
    assert_eq!(shown["scope"]["name"], name);
    assert_eq!(shown["grants"][0]["consumer_orgno"], OTHER_ORGNO);

    // Only the given field changes.
    let updated = f
        .run(&["scopes", "update", name, "--description", "Read all orders"])
        .await
        .ok();
    assert!(
        updated
            .stdout
            .starts_with(&format!("updated scope {name}\n")),
        "{updated:?}"
    );
    let after = f.emu.state().scope(name).cloned().unwrap();
    assert_eq!(after.description, "Read all orders");
    let unknown = f
        .run(&["scopes", "update", name, "--delegation-source", "nope"])
        .await
        .failed(2);
    assert!(unknown.stderr.contains("known: altinn"), "{unknown:?}");
    assert_eq!(after.at_max_age, Some(300));
    assert_eq!(after.visibility, stored.visibility);

    // Every scope field flag reaches the server.
    f.run(&[
        "scopes",
        "update",
        name,
        "--long-description",
        "All orders, read only",
        "--delegation-source",
        "altinn",
        "--accessible-for-all",
        "--allowed-integration-type",
        "maskinporten,idporten",
    ])
    .await
    .ok();
    let after = f.emu.state().scope(name).cloned().unwrap();
    assert_eq!(
        after.long_description.as_deref(),
        Some("All orders, read only")
    );
    assert_eq!(
        after.delegation_source.as_deref(),
        Some("https://tt02.altinn.no/"),
        "the name is resolved to the issuer Digdir stores"
    );
    assert!(after.accessible_for_all);
    assert_eq!(after.allowed_integration_types.len(), 2);
    assert_eq!(after.description, "Read all orders");

    // Deleting needs --yes when nobody can be asked.
    let refused = f.run(&["scopes", "delete", name]).await.failed(2);
    assert!(refused.stderr.contains("add --yes"), "{refused:?}");
    assert!(f.emu.state().scope(name).unwrap().active);
    f.run(&["scopes", "delete", name, "--yes"]).await.ok();
    assert!(!f.emu.state().scope(name).unwrap().active);
    f.run(&["scopes", "update", name, "--reactivate"])
        .await
        .ok();
    assert!(f.emu.state().scope(name).unwrap().active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_and_revoke_several_organisations() {
    let f = start(Seed::Empty).await;
    let name = "difitest:shared";
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "shared",
        "--description",
        "d",
    ])
    .await
    .ok();

    // One bad org number: nothing is sent at all.
    let before = f.emu.token_requests();
    let bad = f
        .run(&["access", "grant", OTHER_ORGNO, "974761077", "--scope", name])
        .await
        .failed(2);
    assert!(
        bad.stderr.contains("974761077") && bad.stderr.contains("MOD11"),
        "{bad:?}"
    );
    assert_eq!(
        f.emu.token_requests(),
        before,
        "no request before validation"
    );
    assert!(f.emu.state().grant(name, OTHER_ORGNO).is_none());

    let granted = f
        .run(&["access", "grant", OTHER_ORGNO, "974761076", "--scope", name])
        .await
        .ok();
    assert_eq!(
        granted.stdout.lines().count(),
        2,
        "one line per org: {granted:?}"
    );
    for org in [OTHER_ORGNO, "974761076"] {
        assert_eq!(
            f.emu.state().grant(name, org).unwrap().state,
            AccessState::Approved
        );
    }
    let list = f
        .run(&["--json", "access", "list", "--scope", name])
        .await
        .ok()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let list = f
        .run(&["access", "list", "--consumer", "974761076"])
        .await
        .ok();
    assert!(list.stdout.contains(name), "{list:?}");

    f.run(&["access", "revoke", "974761076", "--scope", name, "--yes"])
        .await
        .ok();
    assert_eq!(
        f.emu.state().grant(name, "974761076").unwrap().state,
        AccessState::Denied
    );
    assert_eq!(
        f.emu.state().grant(name, OTHER_ORGNO).unwrap().state,
        AccessState::Approved
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_on_a_scope_that_is_not_ours_stops_before_any_change() {
    let f = start(Seed::Demo).await;
    // A scope of another organisation: its grants cannot be read, so nothing is sent.
    let run = f
        .run(&[
            "access",
            "grant",
            OTHER_ORGNO,
            "974761076",
            "--scope",
            "etaten:nope",
        ])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line naming the scope: {run:?}");
    assert!(
        lines[0].contains("etaten:nope") && lines[0].contains("HTTP 404"),
        "{run:?}"
    );
    assert_eq!(
        f.emu.path_stats("/api/v1/scopes/access/974761076").requests,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_shows_what_differs_between_test_and_prod() {
    let f = start(Seed::Demo).await;
    let prod = common::emulator().await;
    // The prod emulator's default profile, added to the test fixture's file as "prod".
    let prod_text = std::fs::read_to_string(prod.keys_toml()).unwrap();
    let section = prod_text
        .split("[profiles.")
        .find(|s| s.starts_with("emulator]"))
        .unwrap()
        .replacen("emulator]", "[profiles.prod]", 1);
    let test_text = std::fs::read_to_string(f.emu.keys_toml()).unwrap();
    let keys = f.emu.temp_dir().join("both.toml");
    std::fs::write(&keys, format!("{test_text}\n{section}")).unwrap();
    set_mode(&keys, 0o600);

    let same = f.run_with(&keys, &["compare", "--with", "prod"]).await.ok();
    assert!(
        same.stdout.contains("Scope definitions: the same"),
        "{same:?}"
    );
    assert!(
        same.stdout
            .contains("Client settings (matched by name): the same"),
        "{same:?}"
    );

    prod.edit_state(|s| {
        s.scopes.get_mut("demo:rapport").unwrap().description = "prod wording".into();
        s.grants
            .get_mut("demo:rapport")
            .unwrap()
            .remove(OTHER_ORGNO);
    })
    .unwrap();
    let differs = f.run_with(&keys, &["compare", "--with", "prod"]).await.ok();
    assert!(differs.stdout.contains("~ demo:rapport"), "{differs:?}");
    assert!(differs.stdout.contains("\"prod wording\""), "{differs:?}");
    assert!(
        differs
            .stdout
            .contains(&format!("only in emulator: {OTHER_ORGNO}")),
        "{differs:?}"
    );
    let json = f
        .run_with(&keys, &["--json", "compare", "--with", "prod"])
        .await
        .ok();
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["scopes"][0]["fields"][0]["field"], "description");
    assert_eq!(v["right"], "prod");
    f.run_with(&keys, &["compare", "--with", "emulator"])
        .await
        .failed(2);
}

/// The ID of the newest change in the fixture's journal, as `journal undo` takes it.
fn last_change_id(f: &Fixture) -> String {
    let path = f.emu.temp_dir().join("data/mpadmin/journal.jsonl");
    let entries = mpadmin::journal::Journal::at(path).read().unwrap();
    entries.last().unwrap().short_id().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_undo_takes_back_a_revoke_and_a_scope_update() {
    let f = start(Seed::Demo).await;
    let scope = "demo:rapport";
    f.run(&["access", "revoke", OTHER_ORGNO, "--scope", scope, "--yes"])
        .await
        .ok();
    assert_eq!(
        f.emu.state().grant(scope, OTHER_ORGNO).unwrap().state,
        AccessState::Denied
    );
    // Undo asks like any change: without a terminal it needs --yes only when destructive;
    // a grant is not, so it goes through.
    let undone = f.run(&["journal", "undo", &last_change_id(&f)]).await.ok();
    assert!(
        undone
            .stdout
            .contains(&format!("+ grant {OTHER_ORGNO} access to {scope}")),
        "{undone:?}"
    );
    assert_eq!(
        f.emu.state().grant(scope, OTHER_ORGNO).unwrap().state,
        AccessState::Approved
    );

    let old = f.emu.state().scope(scope).unwrap().description.clone();
    f.run(&[
        "scopes",
        "update",
        scope,
        "--description",
        "changed by mistake",
    ])
    .await
    .ok();
    f.run(&["journal", "undo", &last_change_id(&f)]).await.ok();
    assert_eq!(f.emu.state().scope(scope).unwrap().description, old);

    // The journal lists the undo as a change of its own, with its ID.
    let listed = f.run(&["journal"]).await.ok();
    assert!(listed.stdout.starts_with("ID"), "{listed:?}");
    assert!(
        f.run(&["journal", "undo", "nosuchid"])
            .await
            .failed(2)
            .stderr
            .contains("no change with ID"),
    );
}

/// The journal is written ahead: a grant whose process is interrupted while the request is
/// out is still in the journal, as "outcome unknown", not missing.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_interrupted_in_flight_is_journaled_as_outcome_unknown() {
    let f = start(Seed::Demo).await;
    // Every answer takes long enough to interrupt the PUT once its intent is on disk.
    f.emu
        .faults()
        .set_latency(std::time::Duration::from_secs(2));
    let journal_path = f.emu.temp_dir().join("data/mpadmin/journal.jsonl");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mpadmin"));
    cmd.arg("--keys")
        .arg(f.emu.keys_toml())
        .args(["access", "grant", "974761076", "--scope", "demo:rapport"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("MPADMIN_KEYS");
    for (k, v) in isolated_env(&f.emu.temp_dir()) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&journal_path).is_ok_and(|j| j.contains("\"intent\"")) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no intent journaled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let pid = child.id().unwrap() as i32;
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "{status:?}");

    let entries = mpadmin::journal::Journal::at(&journal_path).read().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0].operation,
        mpadmin::journal::Operation::AccessGrant
    );
    assert_eq!(entries[0].result, mpadmin::journal::OUTCOME_UNKNOWN);
    let shown = f.run(&["journal"]).await.ok();
    assert!(shown.stdout.contains("outcome unknown"), "{shown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_changes_but_not_reads() {
    let f = start(Seed::Empty).await;
    let create = [
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "ro",
        "--description",
        "d",
    ];
    let mut args = vec!["--read-only"];
    args.extend(create);
    let refused = f.run(&args).await.failed(2);
    assert!(refused.stderr.contains("--read-only"), "{refused:?}");

    let keys = f.keys_with("read_only = true");
    let refused = f.run_with(&keys, &create).await.failed(2);
    assert!(refused.stderr.contains("read_only"), "{refused:?}");
    let refused = f
        .run_with(&keys, &["scopes", "delete", "difitest:x", "--yes"])
        .await
        .failed(2);
    assert!(refused.stderr.contains("read_only"), "{refused:?}");
    assert!(f.emu.state().scope("difitest:ro").is_none());
    assert_eq!(f.emu.token_requests(), 0, "refused before any request");

    f.run_with(&keys, &["scopes", "list"]).await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_and_keys() {
    let f = start(Seed::Empty).await;
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "sync",
        "--description",
        "d",
    ])
    .await
    .ok();
    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "sync-job",
            "--description",
            "Nightly sync",
            "--scope",
            "difitest:sync",
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap().to_owned();
    assert_eq!(f.emu.state().client(&id).unwrap().scopes, ["difitest:sync"]);

    let list = f.run(&["clients", "list"]).await.ok();
    assert!(
        list.stdout.contains(&id) && list.stdout.contains("sync-job"),
        "{list:?}"
    );
    f.run(&["clients", "update", &id, "--name", "sync-job-2"])
        .await
        .ok();
    let client = f.emu.state().client(&id).cloned().unwrap();
    assert_eq!(client.client_name, "sync-job-2");
    assert_eq!(client.description, "Nightly sync");

    // Keys: add two (JWK files), remove one, the other stays.
    for kid in ["first", "second"] {
        let file = f.emu.temp_dir().join(format!("{kid}.json"));
        std::fs::write(&file, public_jwk_json()).unwrap();
        let added = f
            .run(&[
                "keys",
                "add",
                &id,
                "--file",
                file.to_str().unwrap(),
                "--kid",
                kid,
            ])
            .await
            .ok();
        assert!(added.stdout.contains(kid), "{added:?}");
    }
    let kids: Vec<String> = f
        .emu
        .state()
        .keys(&id)
        .iter()
        .filter_map(|k| k.kid.clone())
        .collect();
    assert_eq!(kids, ["first", "second"]);
    let listed = f.run(&["keys", "list", &id]).await.ok();
    assert!(listed.stdout.starts_with("KID"), "{listed:?}");
    assert!(listed.stdout.contains("2048"), "{listed:?}");

    let shown = f.run(&["clients", "show", &id]).await.ok();
    assert!(shown.stdout.contains("Keys (2):"), "{shown:?}");

    let dup = f.emu.temp_dir().join("first.json");
    let refused = f
        .run(&[
            "keys",
            "add",
            &id,
            "--file",
            dup.to_str().unwrap(),
            "--kid",
            "first",
        ])
        .await
        .failed(2);
    assert!(
        refused
            .stderr
            .contains("already on the client as kid 'first'"),
        "{refused:?}"
    );

    f.run(&["keys", "remove", &id, "first"]).await.failed(2);
    f.run(&["keys", "remove", &id, "first", "--yes"]).await.ok();
    let kids: Vec<String> = f
        .emu
        .state()
        .keys(&id)
        .iter()
        .filter_map(|k| k.kid.clone())
        .collect();
    assert_eq!(kids, ["second"]);
    f.run(&["keys", "remove", &id, "second", "--yes"])
        .await
        .ok();
    assert!(f.emu.state().keys(&id).is_empty());

    // The last removal is undone from the journal: the public key goes up again.
    let last = last_change_id(&f);
    let undone = f.run(&["journal", "undo", &last, "--yes"]).await.ok();
    assert!(undone.stdout.contains("+ add key second"), "{undone:?}");
    assert!(
        undone
            .stdout
            .contains("Plan: 1 to add, 0 to change, 0 to remove."),
        "{undone:?}"
    );
    let kids: Vec<String> = f
        .emu
        .state()
        .keys(&id)
        .iter()
        .filter_map(|k| k.kid.clone())
        .collect();
    assert_eq!(kids, ["second"]);

    f.run(&["clients", "delete", &id]).await.failed(2);
    f.run(&["clients", "delete", &id, "--yes"]).await.ok();
    assert!(!f.emu.state().client(&id).is_some_and(|c| c.active));
    // A deleted client cannot come back: undo says why and sends nothing.
    let refused = f
        .run(&["journal", "undo", &last_change_id(&f), "--yes"])
        .await
        .failed(2);
    assert!(refused.stderr.contains("new client_id"), "{refused:?}");
}

/// What creates and updates send, as the emulator received it: a create leaves `active` to
/// Digdir (an inactive client is never synchronised to Maskinporten), and an update carries
/// the request type's members only, never what the server owns, never a secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_update_bodies_carry_only_the_request_types_members() {
    let f = start(Seed::Empty).await;
    let name = "difitest:sync";
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "sync",
        "--description",
        "d",
    ])
    .await
    .ok();
    let sent = f.emu.last_body("POST", "/api/v1/scopes").unwrap();
    assert_eq!(sent.get("active"), None, "{sent}");
    assert!(f.emu.state().scope(name).unwrap().active);

    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "sync-job",
            "--description",
            "Nightly sync",
            "--scope",
            name,
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap().to_owned();
    let sent = f.emu.last_body("POST", "/api/v1/clients").unwrap();
    assert_eq!(sent.get("active"), None, "{sent}");
    assert!(f.emu.state().client(&id).unwrap().active);

    // Members Digdir returns that no request type has, and one it may add later.
    f.emu
        .edit_state(|st| {
            let c = st.clients.get_mut(&id).unwrap();
            for (k, v) in [
                (
                    "onbehalfof",
                    serde_json::json!([{"onbehalfof": "x", "uri": "https://x.example"}]),
                ),
                ("jwks", serde_json::json!({"keys": []})),
                ("jwks_uri", serde_json::json!(format!("/clients/{id}/jwks"))),
                ("client_secret", serde_json::json!("s3cret-from-get")),
                ("logo_uri", serde_json::json!("https://logo.example")),
            ] {
                c.extra.insert(k.to_owned(), v);
            }
        })
        .unwrap();
    f.run(&["clients", "update", &id, "--name", "sync-job-2"])
        .await
        .ok();
    let sent = f
        .emu
        .last_body("PUT", &format!("/api/v1/clients/{id}"))
        .unwrap();
    for owned in mpadmin::api::models::Client::SERVER_OWNED {
        assert_eq!(sent.get(*owned), None, "{owned} sent: {sent}");
    }
    assert!(!sent.to_string().contains("s3cret"), "{sent}");
    assert_eq!(sent["client_name"], "sync-job-2");
    assert_eq!(
        sent["logo_uri"], "https://logo.example",
        "unknown members go back"
    );

    f.run(&["scopes", "update", name, "--description", "e"])
        .await
        .ok();
    let sent = f.emu.last_body("PUT", "/api/v1/scopes").unwrap();
    for owned in mpadmin::api::models::Scope::SERVER_OWNED {
        assert_eq!(sent.get(*owned), None, "{owned} sent: {sent}");
    }
    assert_eq!(
        (
            &sent["prefix"],
            &sent["subscope"],
            &sent["description"],
            &sent["active"]
        ),
        (
            &Value::from("difitest"),
            &Value::from("sync"),
            &Value::from("e"),
            &Value::from(true)
        )
    );
}

/// An RS384 key on the server (the admin API no longer takes one) stops a key change that
/// would send it back, by name, before anything is sent; removing it is the way out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rs384_key_on_the_client_is_named_not_resent() {
    let f = start(Seed::Empty).await;
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "sync",
        "--description",
        "d",
    ])
    .await
    .ok();
    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "job",
            "--description",
            "d",
            "--scope",
            "difitest:sync",
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap().to_owned();
    let jwks_path = format!("/api/v1/clients/{id}/jwks");
    for kid in ["legacy", "current"] {
        let file = f.emu.temp_dir().join(format!("{kid}.json"));
        std::fs::write(&file, public_jwk_json()).unwrap();
        f.run(&[
            "keys",
            "add",
            &id,
            "--file",
            file.to_str().unwrap(),
            "--kid",
            kid,
        ])
        .await
        .ok();
    }
    f.emu
        .edit_state(|st| {
            let set = st.jwks.get_mut(&id).unwrap();
            set.keys[0].alg = Some("RS384".into());
        })
        .unwrap();
    f.emu.reset_path_stats();

    let file = f.emu.temp_dir().join("new.json");
    std::fs::write(&file, public_jwk_json()).unwrap();
    let refused = f
        .run(&[
            "keys",
            "add",
            &id,
            "--file",
            file.to_str().unwrap(),
            "--kid",
            "new",
        ])
        .await
        .failed(2); // refused before sending: a usage error
    assert!(refused.stderr.contains("'legacy' (RS384)"), "{refused:?}");
    assert!(refused.stderr.contains("keys remove"), "{refused:?}");
    assert_eq!(f.emu.last_body("POST", &jwks_path), None, "nothing sent");
    let refused = f
        .run(&["keys", "remove", &id, "current", "--yes"])
        .await
        .failed(2);
    assert!(refused.stderr.contains("'legacy' (RS384)"), "{refused:?}");
    assert_eq!(f.emu.last_body("POST", &jwks_path), None, "nothing sent");

    f.run(&["keys", "remove", &id, "legacy", "--yes"])
        .await
        .ok();
    f.run(&[
        "keys",
        "add",
        &id,
        "--file",
        file.to_str().unwrap(),
        "--kid",
        "new",
    ])
    .await
    .ok();
    let kids: Vec<String> = f
        .emu
        .state()
        .keys(&id)
        .iter()
        .filter_map(|k| k.kid.clone())
        .collect();
    assert_eq!(kids, ["current", "new"]);

    // A key file with alg RS384 is refused by the lint, before any upload.
    let rs384 = f.emu.temp_dir().join("rs384.json");
    let mut jwk: Value = serde_json::from_str(&public_jwk_json()).unwrap();
    jwk["alg"] = "RS384".into();
    std::fs::write(&rs384, jwk.to_string()).unwrap();
    f.emu.reset_path_stats();
    let refused = f
        .run(&[
            "keys",
            "add",
            &id,
            "--file",
            rs384.to_str().unwrap(),
            "--kid",
            "r",
        ])
        .await
        .failed(2);
    assert!(refused.stderr.contains("RS256 or RS512"), "{refused:?}");
    assert_eq!(f.emu.last_body("POST", &jwks_path), None, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_shows_scopes_and_hides_the_token_unless_asked() {
    let f = start(Seed::Empty).await;
    let info = f.run(&["--json", "token"]).await.ok().json();
    assert!(
        info["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "idporten:scopes.write")
    );
    assert!(info["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(info["consumer_orgno"], OWN_ORGNO);
    assert!(info.get("access_token").is_none());
    let human = f.run(&["token"]).await.ok();
    assert!(human.stdout.contains("idporten:dcr.read"), "{human:?}");
    assert!(
        !human.stdout.contains("eyJ"),
        "no JWT without --show: {human:?}"
    );
    let shown = f.run(&["--json", "token", "--show"]).await.ok().json();
    assert!(shown["access_token"].as_str().unwrap().starts_with("eyJ"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_one_token_and_api_errors_exit_1() {
    let f = start(Seed::Demo).await;
    // `scopes show` makes two API calls with one token.
    f.run(&["scopes", "show", "difitest:api3"]).await.ok();
    assert_eq!(f.emu.token_requests(), 1);

    let missing = f
        .run(&["scopes", "show", "difitest:nothing"])
        .await
        .failed(1);
    assert!(missing.stderr.contains("HTTP 404"), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_profile_errors_exit_2() {
    let f = start(Seed::Empty).await;
    let run = f
        .run(&["--profile", "nope", "scopes", "list"])
        .await
        .failed(2);
    assert!(run.stderr.contains("nope"), "{run:?}");
    let run = f.run(&["scopes", "update", "difitest:x"]).await.failed(2);
    assert!(run.stderr.contains("nothing to change"), "{run:?}");
    let run = f
        .run(&["keys", "add", "c1", "--file", "/does/not/exist"])
        .await
        .failed(2);
    assert!(run.stderr.contains("--file"), "{run:?}");
    let run = f
        .run(&[
            "scopes",
            "create",
            "--prefix",
            "difitest",
            "--subscope",
            "Bad",
            "--description",
            "d",
        ])
        .await
        .failed(2);
    assert!(run.stderr.contains("--subscope"), "{run:?}");
    let run = f.run(&["scopes", "frob"]).await.failed(2);
    assert!(run.stderr.contains("'frob'"), "{run:?}");
    let run = f
        .run(&["access", "grant", "--scope", "difitest:x"])
        .await
        .failed(2);
    assert!(run.stderr.contains("<ORGNO>"), "{run:?}");
    assert_eq!(f.emu.token_requests(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_names_the_profiles_file() {
    let f = start(Seed::Empty).await;
    let run = f.run(&["paths"]).await.ok();
    assert!(
        run.stdout.contains(f.emu.keys_toml().to_str().unwrap()),
        "{run:?}"
    );
}

/// A 2048-bit RSA public JWK, as a file would hold it (no kid: `--kid` names it).
fn public_jwk_json() -> String {
    use base64::Engine;
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let b64 = |b: &openssl::bn::BigNumRef| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.to_vec())
    };
    serde_json::json!({"kty": "RSA", "alg": "RS256", "use": "sig", "n": b64(rsa.n()), "e": b64(rsa.e())}).to_string()
}

/// Run the binary in a pseudo-terminal, answer its one question (a confirmation ending in
/// `[y/N] `) with `answer`, and return its exit code and everything it wrote to the terminal.
fn run_in_terminal(home: &Path, keys: &Path, args: &[&str], answer: &str) -> (u32, String) {
    run_in_terminal_until(home, keys, args, "[y/N] ", answer, Typing::Shown)
}

/// How the question is answered: a confirmation is typed as is, a secret only once the
/// program has switched echo off.
#[derive(PartialEq)]
enum Typing {
    Shown,
    Hidden,
}

/// As `run_in_terminal`, for a question ending in `question_end`.
fn run_in_terminal_until(
    home: &Path,
    keys: &Path,
    args: &[&str],
    question_end: &str,
    answer: &str,
    typing: Typing,
) -> (u32, String) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mpadmin"));
    cmd.arg("--keys");
    cmd.arg(keys);
    cmd.args(args);
    cmd.env_remove("MPADMIN_KEYS");
    for (k, v) in isolated_env(home) {
        cmd.env(k, v);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();

    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains(question_end) {
        let n = reader.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "ended before asking: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    // The prompt is printed before echo is switched off: an answer typed in between would
    // be echoed by the terminal, not by mpadmin.
    let asked = std::time::Instant::now();
    while typing == Typing::Hidden
        && pair
            .master
            .get_termios()
            .expect("the terminal's settings")
            .local_flags
            .bits()
            & libc::ECHO
            != 0
    {
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(30),
            "echo never went off"
        );
        std::thread::yield_now();
    }
    writer.write_all(answer.as_bytes()).unwrap();
    writer.flush().unwrap();
    // Until the child closes the terminal (EOF, or EIO on Linux).
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let status = child.wait().unwrap();
    (
        status.exit_code(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_is_asked_before_destructive_changes() {
    let f = start(Seed::Empty).await;
    let name = "difitest:asked";
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "asked",
        "--description",
        "d",
    ])
    .await
    .ok();
    let keys = f.emu.keys_toml();
    let home = f.emu.temp_dir();
    let args = ["scopes", "delete", name];

    let (code, screen) = {
        let (home, keys) = (home.clone(), keys.clone());
        tokio::task::spawn_blocking(move || run_in_terminal(&home, &keys, &args, "n\n"))
            .await
            .unwrap()
    };
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains(&format!("Deactivate scope {name}? [y/N]")),
        "{screen}"
    );
    assert!(
        screen.contains("cancelled; nothing was changed"),
        "{screen}"
    );
    assert!(f.emu.state().scope(name).unwrap().active);

    let (code, screen) =
        tokio::task::spawn_blocking(move || run_in_terminal(&home, &keys, &args, "y\n"))
            .await
            .unwrap();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(&format!("deactivated scope {name}")),
        "{screen}"
    );
    assert!(!f.emu.state().scope(name).unwrap().active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_add_takes_pem_public_keys_and_certificates() {
    let f = start(Seed::Empty).await;
    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "pem",
            "--description",
            "PEM keys",
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap().to_owned();

    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let public = f.emu.temp_dir().join("public.pem");
    std::fs::write(&public, rsa.public_key_to_pem().unwrap()).unwrap();
    let private = f.emu.temp_dir().join("private.pem");
    std::fs::write(&private, rsa.private_key_to_pem().unwrap()).unwrap();
    let cert = f.emu.dir().join("business.cert.pem");

    let refused = f
        .run(&["keys", "add", &id, "--file", private.to_str().unwrap()])
        .await
        .failed(2);
    assert!(refused.stderr.contains("private key"), "{refused:?}");

    f.run(&[
        "keys",
        "add",
        &id,
        "--file",
        public.to_str().unwrap(),
        "--kid",
        "pem-1",
    ])
    .await
    .ok();
    // Without --kid, a certificate's key is named by its RFC 7638 thumbprint.
    let added = f
        .run(&[
            "--json",
            "keys",
            "add",
            &id,
            "--file",
            cert.to_str().unwrap(),
        ])
        .await
        .ok()
        .json();
    let keys = f.emu.state().keys(&id).to_vec();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].kid.as_deref(), Some("pem-1"));
    let thumbprint = mpadmin::keys::thumbprint(&keys[1]).unwrap();
    assert_eq!(keys[1].kid.as_deref(), Some(thumbprint.as_str()));
    assert_eq!(added["keys"].as_array().unwrap().len(), 2);
    assert!(keys.iter().all(|k| k.private_members().is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_go_to_the_state_dir_and_never_hold_the_token() {
    let f = start(Seed::Empty).await;
    let shown = f
        .run(&["--log-level", "trace", "--json", "token", "--show"])
        .await
        .ok()
        .json();
    let token = shown["access_token"].as_str().unwrap().to_owned();
    f.run(&[
        "--log-level",
        "trace",
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "logged",
        "--description",
        "d",
    ])
    .await
    .ok();
    f.run(&["--log-level", "trace", "scopes", "show", "difitest:nothing"])
        .await
        .failed(1);

    let dir = f.emu.temp_dir().join("state/mpadmin/logs");
    let mut log = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        log.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(
        log.contains("about to create scope difitest:logged"),
        "{log}"
    );
    assert!(log.contains("HTTP 404"), "{log}");
    assert!(
        !log.contains(&token),
        "the access token leaked into the log"
    );
    let key = std::fs::read_to_string(f.emu.dir().join("business.key.pem")).unwrap();
    let key_body = key.lines().nth(1).unwrap();
    assert!(!log.contains(key_body), "key material leaked into the log");

    let bad = f
        .run(&["--log-level", "loud", "scopes", "list"])
        .await
        .failed(2);
    assert!(bad.stderr.contains("--log-level"), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_sent_is_journaled_refusals_included() {
    use mpadmin::journal::{Journal, Operation};

    let f = start(Seed::Empty).await;
    let name = "difitest:journaled";
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "journaled",
        "--description",
        "first",
    ])
    .await
    .ok();
    f.run(&["scopes", "update", name, "--description", "second"])
        .await
        .ok();
    f.run(&["access", "grant", OTHER_ORGNO, "--scope", name])
        .await
        .ok();
    f.run(&["access", "revoke", OTHER_ORGNO, "--scope", name, "--yes"])
        .await
        .ok();
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "journaled",
        "--description",
        "again",
    ])
    .await
    .failed(1);
    // Refused before anything was sent: not a change, not journaled.
    f.run(&["--read-only", "scopes", "delete", name, "--yes"])
        .await
        .failed(2);
    f.run(&["scopes", "delete", name]).await.failed(2);

    let journal = Journal::at(f.emu.temp_dir().join("data/mpadmin/journal.jsonl"));
    let entries = journal.read().unwrap();
    let ops: Vec<(Operation, &str)> = entries
        .iter()
        .map(|e| (e.operation, e.target.as_str()))
        .collect();
    let grant_target = format!("{name} -> {OTHER_ORGNO}");
    assert_eq!(
        ops,
        [
            (Operation::ScopeCreate, name),
            (Operation::ScopeUpdate, name),
            (Operation::AccessGrant, grant_target.as_str()),
            (Operation::AccessRevoke, grant_target.as_str()),
            (Operation::ScopeCreate, name),
        ]
    );
    assert!(
        entries[..4]
            .iter()
            .all(|e| e.result == "ok" && e.profile == "emulator")
    );
    assert_eq!(entries[1].before.as_ref().unwrap()["description"], "first");
    assert_eq!(entries[1].after.as_ref().unwrap()["description"], "second");
    assert_eq!(entries[3].after.as_ref().unwrap()["state"], "DENIED");
    assert!(entries[4].result.contains("HTTP 409"), "{:?}", entries[4]);
    assert!(entries[4].correlation_id.is_some(), "{:?}", entries[4]);

    // `mpadmin journal` reads the same record back, latest at the bottom.
    let table = f.run(&["journal", "--last", "2"]).await.ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header and two rows: {table:?}");
    assert!(lines[1].contains("revoke access"), "{table:?}");
    assert!(
        lines[2].contains("create scope") && lines[2].contains("HTTP 409"),
        "{table:?}"
    );
    let failed = f.run(&["--json", "journal", "--failed"]).await.ok().json();
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed}");
    assert_eq!(
        failed[0]["correlation_id"],
        entries[4].correlation_id.clone().unwrap().as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_prod_profile_every_change_needs_yes() {
    let f = start(Seed::Empty).await;
    // The emulator's endpoints, labelled production.
    let keys = f.keys_with(r#"environment = "prod""#);
    let create = [
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "prod",
        "--description",
        "d",
    ];
    let refused = f.run_with(&keys, &create).await.failed(2);
    assert!(
        refused
            .stderr
            .contains("on PROD without confirmation: add --yes"),
        "{refused:?}"
    );
    assert!(f.emu.state().scope("difitest:prod").is_none());
    f.run_with(&keys, &["scopes", "list"]).await.ok();

    let mut confirmed = create.to_vec();
    confirmed.push("--yes");
    f.run_with(&keys, &confirmed).await.ok();
    assert!(f.emu.state().scope("difitest:prod").is_some());
}

/// A journal others may read is set to 600 and said once on stderr; a journal that is a
/// symbolic link is refused before the change is sent, and its target left alone.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loose_journal_is_tightened_and_a_linked_one_stops_the_change() {
    use std::os::unix::fs::PermissionsExt;
    let f = start(Seed::Empty).await;
    let journal = f.emu.temp_dir().join("data/mpadmin/journal.jsonl");
    std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
    std::fs::write(&journal, "").unwrap();
    set_mode(&journal, 0o644);
    let create = |sub: &'static str| {
        [
            "scopes",
            "create",
            "--prefix",
            "difitest",
            "--subscope",
            sub,
            "--description",
            "d",
        ]
    };
    let run = f.run(&create("one")).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        run.stderr
            .contains("journal.jsonl could be read by other users (mode 644)"),
        "{run:?}"
    );
    let mode = std::fs::metadata(&journal).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    f.run(&create("two")).await.ok();
    // Two changes, each an intent line and an outcome line (the journal is written ahead).
    assert_eq!(
        mpadmin::journal::Journal::at(&journal)
            .read()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        4
    );

    let victim = f.emu.temp_dir().join("victim");
    std::fs::write(&victim, "VICTIM ORIGINAL").unwrap();
    std::fs::remove_file(&journal).unwrap();
    std::os::unix::fs::symlink(&victim, &journal).unwrap();
    let refused = f.run(&create("three")).await.failed(2);
    assert!(
        refused
            .stderr
            .contains("refusing to create scope difitest:three")
            && refused.stderr.contains("symbolic link"),
        "{refused:?}"
    );
    assert!(f.emu.state().scope("difitest:three").is_none());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "VICTIM ORIGINAL");
}

/// A profile aimed at production Maskinporten is PROD without `environment = "prod"`: the
/// guard holds before anything is sent (the token endpoint stays the emulator's, unasked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_issuer_makes_a_profile_prod_whatever_its_label() {
    let f = start(Seed::Empty).await;
    let text = std::fs::read_to_string(f.emu.keys_toml()).unwrap();
    let prod_issuer = text.replace(
        &format!("issuer = \"{}\"", f.emu.issuer()),
        "issuer = \"https://maskinporten.no/\"",
    );
    assert_ne!(text, prod_issuer);
    let keys = f.emu.temp_dir().join("prod-issuer.toml");
    std::fs::write(&keys, &prod_issuer).unwrap();
    private(&keys);
    let create = [
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "p",
        "--description",
        "d",
    ];
    let refused = f.run_with(&keys, &create).await.failed(2);
    assert!(
        refused
            .stderr
            .contains("on PROD without confirmation: add --yes"),
        "{refused:?}"
    );

    let labelled_test = prod_issuer.replace(
        "[profiles.emulator]\n",
        "[profiles.emulator]\nenvironment = \"test\"\n",
    );
    std::fs::write(&keys, labelled_test).unwrap();
    let refused = f.run_with(&keys, &create).await.failed(2);
    assert!(
        refused.stderr.contains("field 'environment'")
            && refused
                .stderr
                .contains("issuer = \"https://maskinporten.no/\"")
            && refused.stderr.contains("environment = \"prod\""),
        "{refused:?}"
    );
    assert_eq!(f.emu.token_requests(), 0, "nothing was sent");
    assert!(f.emu.state().scope("difitest:p").is_none());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_other_users_may_read_are_warned_about() {
    let f = start(Seed::Empty).await;
    let keys = f.keys_with("# opened up");
    set_mode(&keys, 0o644);
    let run = f.run_with(&keys, &["scopes", "list"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        run.stderr.starts_with("mpadmin: warning: ")
            && run
                .stderr
                .contains("changed.toml can be read by other users (mode 644)")
            && run.stderr.contains("chmod 600"),
        "{run:?}"
    );

    // The private key of the profile too; a private profiles file is not mentioned.
    private(&keys);
    let key = f.emu.dir().join("business.key.pem");
    set_mode(&key, 0o640);
    let run = f.run_with(&keys, &["scopes", "list"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("business.key.pem can be read by other users (mode 640)"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("changed.toml"), "{run:?}");
    private(&key);
    f.run_with(&keys, &["scopes", "list"]).await.ok();
}

/// The base64 lines of a PEM document (what would betray the key if it leaked).
fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 40)
        .map(str::to_owned)
        .collect()
}

/// Where a JWT (`eyJ...` `.` `eyJ...` `.`) starts in `text`, if anywhere: a token or a signed
/// grant, whichever it is.
fn find_jwt(text: &str) -> Option<usize> {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").map(|(i, _)| i).find(|&i| {
        let rest = &text[i..];
        let end = rest.find(|c| !b64(c)).unwrap_or(rest.len());
        rest[end..].starts_with(".eyJ")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_or_private_key_reaches_logs_journal_or_output() {
    use mpadmin::emulator::P12_PASSWORD_ENV;

    let f = start(Seed::Empty).await;
    let keys = f.emu.keys_toml();
    let dir = f.emu.temp_dir();
    let password = f.emu.p12_password().unwrap();
    let passphrase = "e2e passphrase: correct horse battery staple";
    let vars = [
        (P12_PASSWORD_ENV, password.as_str()),
        ("E2E_PASSPHRASE", passphrase),
    ];
    let public = dir.join("partner.pub.pem");
    let partner = openssl::rsa::Rsa::generate(2048).unwrap();
    std::fs::write(&public, partner.public_key_to_pem().unwrap()).unwrap();
    let new_key = dir.join("generated.key.pem");

    let mut outputs = Vec::new();
    let mut run = async |args: &[&str]| {
        let mut all = vec!["--profile", "emulator-p12", "--log-level", "trace"];
        all.extend_from_slice(args);
        let r = f.run_env(&keys, &vars, &all).await;
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        outputs.push(format!("{}\n{}", r.stdout, r.stderr));
        r
    };
    run(&["token"]).await;
    run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "secrets",
        "--description",
        "d",
    ])
    .await;
    run(&[
        "access",
        "grant",
        OTHER_ORGNO,
        "--scope",
        "difitest:secrets",
    ])
    .await;
    let created = run(&[
        "--json",
        "clients",
        "create",
        "--name",
        "secrets-job",
        "--description",
        "d",
        "--scope",
        "difitest:secrets",
    ])
    .await
    .json();
    let id = created["client_id"].as_str().unwrap().to_owned();
    run(&[
        "keys",
        "add",
        &id,
        "--file",
        public.to_str().unwrap(),
        "--kid",
        "partner",
    ])
    .await;
    run(&[
        "keys",
        "generate",
        &id,
        "--out",
        new_key.to_str().unwrap(),
        "--bits",
        "2048",
        "--kid",
        "generated",
        "--passphrase-env",
        "E2E_PASSPHRASE",
    ])
    .await;
    assert_eq!(f.emu.state().keys(&id).len(), 2);
    // The token, shown on purpose: its stdout is the one place it may be.
    let shown = run(&["--json", "token", "--show"]).await;
    outputs.pop();
    outputs.push(shown.stderr.clone());
    let token = shown.json()["access_token"].as_str().unwrap().to_owned();

    let mut places: Vec<(String, String)> = outputs
        .into_iter()
        .enumerate()
        .map(|(i, o)| (format!("output of run {i}"), o))
        .collect();
    let logs = dir.join("state/mpadmin/logs");
    for entry in std::fs::read_dir(&logs).unwrap() {
        let path = entry.unwrap().path();
        places.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    let journal = dir.join("data/mpadmin/journal.jsonl");
    places.push(("journal".into(), std::fs::read_to_string(&journal).unwrap()));
    let log_text: String = places.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        log_text.contains("about to create scope difitest:secrets"),
        "trace logging ran"
    );
    assert!(
        places.last().unwrap().1.contains("secrets-job"),
        "journal written"
    );

    // The business key (from the p12 itself), and the generated key both as written and opened.
    let p12 = openssl::pkcs12::Pkcs12::from_der(
        &std::fs::read(f.emu.dir().join("business.p12")).unwrap(),
    )
    .unwrap()
    .parse2(&password)
    .unwrap();
    let business =
        String::from_utf8(p12.pkey.unwrap().private_key_to_pem_pkcs8().unwrap()).unwrap();
    let written = std::fs::read_to_string(&new_key).unwrap();
    let opened = openssl::pkey::PKey::private_key_from_pem_passphrase(
        written.as_bytes(),
        passphrase.as_bytes(),
    )
    .unwrap()
    .private_key_to_pem_pkcs8()
    .unwrap();
    let mut secrets = vec![
        ("the p12 password".to_owned(), password.trim().to_owned()),
        ("the key passphrase".to_owned(), passphrase.to_owned()),
        ("the access token".to_owned(), token.clone()),
    ];
    for (what, pem) in [
        ("business key", business),
        ("generated key file", written),
        ("generated key", String::from_utf8(opened).unwrap()),
    ] {
        let lines = pem_body_lines(&pem);
        assert!(lines.len() > 10, "{what}");
        secrets.extend(
            lines
                .into_iter()
                .map(|l| (format!("a line of the {what}"), l)),
        );
    }
    for (place, text) in &places {
        for (what, secret) in &secrets {
            assert!(!text.contains(secret.as_str()), "{what} is in {place}");
        }
        assert_eq!(find_jwt(text), None, "a JWT is in {place}");
    }
    assert_eq!(
        find_jwt(&format!("x {token} y")),
        Some(2),
        "the JWT finder finds tokens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyring_set_checks_profile_terminal_and_password_before_storing() {
    let f = start(Seed::Empty).await;
    // Not a keychain profile: the field to add is named.
    let run = f.run(&["keyring", "set", "emulator"]).await.failed(2);
    assert!(
        run.stderr.contains("field 'pkcs12_password_keyring'")
            && run.stderr.contains("[profiles.emulator]"),
        "{run:?}"
    );
    let keys = f.emu.keys_toml_with(
        "keychain.toml",
        "emulator-p12",
        "pkcs12_password_keyring = \"mpadmin-test\"",
    );
    // No terminal to type on.
    let run = f
        .run_with(&keys, &["keyring", "set", "emulator-p12"])
        .await
        .failed(2);
    assert!(run.stderr.contains("needs a terminal"), "{run:?}");
    // A password that does not open the file is refused; nothing reaches the keychain.
    let home = f.emu.temp_dir();
    let (code, screen) = tokio::task::spawn_blocking(move || {
        run_in_terminal_until(
            &home,
            &keys,
            &["keyring", "set", "emulator-p12"],
            "(profile emulator-p12): ",
            "not-the-password\r",
            Typing::Hidden,
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("does not open") && screen.contains("nothing was stored"),
        "{screen}"
    );
    assert!(!screen.contains("not-the-password"), "echoed: {screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_server_data_and_lost_answers_are_explained() {
    use mpadmin::emulator::Fault;

    let f = start(Seed::Empty).await;
    f.emu
        .faults()
        .inject_method("GET", "/api/v1/clients", Fault::MalformedJson, 1);
    let run = f.run(&["clients", "list"]).await.failed(1);
    assert!(
        run.stderr.contains("GET /clients: unexpected answer")
            && run.stderr.contains("first bytes: {\"name\": \"truncated"),
        "{run:?}"
    );

    // The connection breaks before the server acts: the user learns it is safe to retry.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/scopes", Fault::DropConnection, 1);
    let create = [
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "flaky",
        "--description",
        "d",
    ];
    let run = f.run(&create).await.failed(1);
    assert!(
        run.stderr.contains(
            "the scope difitest:flaky was not created (read back after the failure); safe to retry"
        ),
        "{run:?}"
    );
    // After the server acted: the command succeeds with what the server holds.
    f.emu.faults().inject_method(
        "POST",
        "/api/v1/scopes",
        Fault::AfterApplying(Box::new(Fault::DropConnection)),
        1,
    );
    f.run(&create).await.ok();
    assert!(f.emu.state().scope("difitest:flaky").is_some());
}

/// Nothing a terminal would act on: no ESC, BEL, C1 CSI, bidi override or isolate, zero-width
/// space.
fn inert(text: &str) -> bool {
    !text.contains([
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{202c}', '\u{2066}', '\u{200b}',
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_server_errors_never_reach_the_terminal() {
    use mpadmin::emulator::Fault;

    let f = start(Seed::Demo).await;
    f.emu.faults().set_hostile_errors(true);
    let fault = || Fault::Status {
        status: 400,
        retry_after: None,
    };

    // The admin API's error body: error, error_description, errorMessage, correlation_id.
    f.emu
        .faults()
        .inject_method("GET", "/api/v1/scopes", fault(), 1);
    let run = f.run(&["scopes", "list"]).await.failed(1);
    assert!(inert(&run.stderr), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 400: Injected fault")
            && run.stderr.contains("correlation id ")
            && run.stderr.contains(r"\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}")
            && run.stderr.contains(r"\u{202e}txt.exe"),
        "the text stays readable, the escapes visible: {}",
        run.stderr
    );

    // The token endpoint's error body.
    f.emu.faults().inject("/token", fault(), 1);
    let run = f.run(&["token"]).await.failed(1);
    assert!(inert(&run.stderr), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("Injected fault") && run.stderr.contains(r"\u{1b}]0;PWNED-TITLE"),
        "{}",
        run.stderr
    );

    // A refused change: its message is journaled as the server sent it, and read back clean.
    f.emu
        .faults()
        .inject_method("POST", "/api/v1/scopes", fault(), 1);
    let run = f
        .run(&[
            "scopes",
            "create",
            "--prefix",
            "difitest",
            "--subscope",
            "hostile",
            "--description",
            "d",
        ])
        .await;
    assert_ne!(run.code, 0, "{run:?}");
    assert!(inert(&run.stderr), "{:?}", run.stderr);
    let journal = f.run(&["journal"]).await.ok();
    assert!(journal.stdout.contains("difitest:hostile"), "{journal:?}");
    assert!(
        inert(&journal.stdout) && journal.stdout.contains(r"\u{1b}[2J"),
        "{}",
        journal.stdout
    );
    // JSON keeps the exact text (escaped as \uXXXX) and stays parseable.
    let json = f.run(&["--json", "journal"]).await.ok();
    assert!(inert(&json.stdout), "{:?}", json.stdout);
    let last = json.json().as_array().unwrap().last().unwrap().clone();
    assert!(
        last["result"]
            .as_str()
            .unwrap()
            .contains(mpadmin::emulator::HOSTILE_TEXT.trim()),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partners_key_file_cannot_run_escape_sequences() {
    let f = start(Seed::Empty).await;
    let mut jwk: Value = serde_json::from_str(&public_jwk_json()).unwrap();
    jwk["kid"] = "p\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}]0;PWNED\u{7}\u{202e}".into();
    let file = f.emu.temp_dir().join("partner.jwk");
    std::fs::write(&file, jwk.to_string()).unwrap();
    let file = file.to_str().unwrap();

    let lint = f.run(&["keys", "lint", file]).await.failed(1);
    assert!(inert(&lint.stdout) && inert(&lint.stderr), "{lint:?}");
    assert!(
        lint.stdout
            .contains(r"key p\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}]0;PWNED\u{7}\u{202e} ("),
        "{lint:?}"
    );
    assert!(
        lint.stdout.contains(r"has '\u{1b}'"),
        "the refusal names the character: {lint:?}"
    );

    let json = f.run(&["--json", "keys", "lint", file]).await;
    assert!(inert(&json.stdout), "{json:?}");
    assert_eq!(
        json.json()[0]["kid"],
        jwk["kid"],
        "JSON keeps the exact kid"
    );

    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "partner",
            "--description",
            "d",
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap();
    let add = f
        .run(&["--yes", "keys", "add", id, "--file", file])
        .await
        .failed(2);
    assert!(inert(&add.stderr), "{add:?}");
    assert!(add.stderr.contains(r"p\u{1b}]52;c;"), "{add:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_overrides_in_names_are_shown_not_obeyed() {
    let f = start(Seed::Empty).await;
    // Reads as `oktxt.exe` where the terminal obeys the override.
    let name = "ok\u{202e}exe.txt\u{2066}\u{200b}";
    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            name,
            "--description",
            "d\u{1b}[2J",
        ])
        .await
        .ok();
    assert!(inert(&created.stdout), "{created:?}");
    let created = created.json();
    assert_eq!(created["client_name"], name, "JSON keeps the exact name");
    let id = created["client_id"].as_str().unwrap();

    for args in [
        &["clients", "list"][..],
        &["clients", "show", id],
        &["journal"],
    ] {
        let run = f.run(args).await.ok();
        assert!(inert(&run.stdout), "{args:?}: {}", run.stdout);
        if args[0] == "clients" {
            assert!(
                run.stdout.contains(r"ok\u{202e}exe.txt\u{2066}\u{200b}"),
                "{args:?}: {}",
                run.stdout
            );
        }
    }
}

#[tokio::test]
async fn live_scope_fields_are_shown_and_the_eu_flag_is_set_and_kept() {
    let f = start(Seed::Demo).await;
    let shown = f.run(&["scopes", "show", "difitest:api3"]).await.ok();
    for text in [
        "protected",
        "supports_european_businesses",
        "description (en)",
        "Test API for demo consumers",
        "long_description (nn)",
    ] {
        assert!(shown.stdout.contains(text), "{text}: {shown:?}");
    }
    let json = f
        .run(&["--json", "scopes", "show", "difitest:api3"])
        .await
        .ok()
        .json();
    assert_eq!(
        json["scope"]["description#en"],
        "Test API for demo consumers"
    );

    let name = "difitest:eu.read";
    f.run(&[
        "scopes",
        "create",
        "--prefix",
        "difitest",
        "--subscope",
        "eu.read",
        "--description",
        "For EU businesses",
        "--supports-european-businesses",
    ])
    .await
    .ok();
    let stored = f.emu.state().scope(name).cloned().unwrap();
    assert_eq!(stored.supports_european_businesses(), Some(true));
    f.run(&[
        "scopes",
        "update",
        name,
        "--supports-european-businesses=false",
    ])
    .await
    .ok();
    let stored = f.emu.state().scope(name).cloned().unwrap();
    assert_eq!(stored.supports_european_businesses(), Some(false));
    // An update of another field keeps the translations the server sent.
    f.run(&["scopes", "update", "difitest:api3", "--at-max-age", "600"])
        .await
        .ok();
    let kept = f.emu.state().scope("difitest:api3").cloned().unwrap();
    assert_eq!(
        kept.extra["long_description#nn"],
        "Test-API for demokonsumentar."
    );
    assert_eq!(kept.protected(), Some(true));
}

/// `mpadmin org`: names from the registry, the second run from the cache (no request), an
/// unknown number exits 1; a failing lookup leaves the number without a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_names_come_from_the_registry_then_from_the_cache() {
    let f = start(Seed::Demo).await;
    let path = "/api/v1/organizations/974760673";
    let first = f.run(&["org", "974760673"]).await.ok();
    assert!(
        first.stdout.contains("REGISTERENHETEN I BRØNNØYSUND"),
        "{first:?}"
    );
    assert_eq!(f.emu.path_stats(path).requests, 1);
    let again = f.run(&["org", "974760673"]).await.ok();
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(
        f.emu.path_stats(path).requests,
        1,
        "a cached name is not asked for again"
    );

    // Valid MOD11, not in the register.
    let unknown = f.run(&["org", "974760673", "923456783"]).await.failed(1);
    assert!(
        unknown.stdout.contains("923456783  unknown organisation"),
        "{unknown:?}"
    );
    assert!(unknown.stderr.contains("923456783"), "{unknown:?}");

    // A lookup that fails: no name, exit 1, nothing cached.
    let other = "/api/v1/organizations/974761076";
    f.emu.faults().inject(
        other,
        mpadmin::emulator::Fault::Status {
            status: 500,
            retry_after: None,
        },
        10,
    );
    let failed = f.run(&["org", "974761076"]).await;
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stdout.contains("(lookup failed)"), "{failed:?}");
    f.emu.faults().clear();
    let json = f.run(&["--json", "org", "974761076"]).await.ok().json();
    assert_eq!(json[0]["name"], "SKATTEETATEN");
}

/// Access tables name the consumers; `--json` keeps the API objects; `--no-names` asks nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_list_names_consumers_unless_told_not_to() {
    let f = start(Seed::Demo).await;
    let table = f
        .run(&["access", "list", "--scope", "demo:rapport"])
        .await
        .ok();
    assert!(table.stdout.lines().next().unwrap().contains("NAME"));
    assert!(table.stdout.contains(OTHER_ORG_NAME), "{table:?}");
    let json = f
        .run(&["--json", "access", "list", "--scope", "demo:rapport"])
        .await
        .ok()
        .json();
    assert!(json[0].get("name").is_none(), "{json}");
    let path = format!("/api/v1/organizations/{OTHER_ORGNO}");
    let asked = f.emu.path_stats(&path).requests;
    let f2 = start(Seed::Demo).await;
    let bare = f2
        .run(&["--no-names", "access", "list", "--scope", "demo:rapport"])
        .await
        .ok();
    assert!(!bare.stdout.contains(OTHER_ORG_NAME), "{bare:?}");
    assert_eq!(f2.emu.path_stats(&path).requests, 0);
    assert_eq!(asked, 1);
}

/// `access requests` lists the demo's waiting requests oldest first with names; approve and
/// deny answer them and the journal says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_requests_are_listed_approved_and_denied() {
    let f = start(Seed::Demo).await;
    let listed = f.run(&["access", "requests"]).await.ok();
    let rows: Vec<&str> = listed.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{listed:?}");
    assert!(rows[0].starts_with("difitest:kontakt.read"), "{listed:?}");
    assert!(rows[2].starts_with("demo:rapport"), "{listed:?}");
    assert!(rows.iter().all(|r| r.contains("REQUESTED")));
    let json = f.run(&["--json", "access", "requests"]).await.ok().json();
    let first = json[0]["consumer_orgno"].as_str().unwrap().to_owned();
    let second = json[1]["consumer_orgno"].as_str().unwrap().to_owned();
    assert!(rows[0].contains(&first), "{listed:?}");

    let approved = f
        .run(&[
            "access",
            "approve",
            &first,
            "--scope",
            "difitest:kontakt.read",
        ])
        .await
        .ok();
    assert!(approved.stdout.contains("approved"), "{approved:?}");
    assert_eq!(
        f.emu
            .state()
            .grant("difitest:kontakt.read", &first)
            .unwrap()
            .state,
        AccessState::Approved
    );
    let denied = f
        .run(&[
            "access",
            "deny",
            &second,
            "--scope",
            "difitest:api3",
            "--yes",
        ])
        .await
        .ok();
    assert!(denied.stdout.contains("denied"), "{denied:?}");
    assert_eq!(
        f.emu.state().grant("difitest:api3", &second).unwrap().state,
        AccessState::Denied
    );
    let left = f.run(&["--json", "access", "requests"]).await.ok().json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    let journal = f.run(&["journal"]).await.ok();
    assert!(journal.stdout.contains("approve request"), "{journal:?}");
    assert!(journal.stdout.contains("deny request"), "{journal:?}");
}

/// The README and keys.example say how names and requests work.
#[test]
fn readme_documents_names_and_requests() {
    let readme = include_str!("../README.md");
    for needle in [
        "mpadmin org ",
        "mpadmin access requests",
        "mpadmin access approve",
        "mpadmin access deny",
        "--no-names",
        "names-<environment>.json",
    ] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
    assert!(include_str!("../keys.example").contains("# names = true"));
}

/// On-behalf-of registrations: add, update, list, remove on an ID-porten client, each step
/// journaled; refused on a Maskinporten client, for a client with a delegated scope, and for
/// a bad organisation number before anything is sent.
#[tokio::test]
async fn onbehalfof_registrations_follow_the_servers_rules() {
    let f = start(Seed::Demo).await;
    let idp = "5e1d0c4b-7a2f-4b8e-9c3d-1f2e3a4b5c60";
    let list = f
        .run(&["--json", "clients", "onbehalfof", "list", idp])
        .await
        .ok()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    // The table names each organisation as the server does.
    let table = f
        .run(&["clients", "onbehalfof", "list", idp])
        .await
        .ok()
        .stdout;
    let registry = f.emu.state().organizations.clone();
    for o in list.as_array().unwrap() {
        let name = &registry[o["orgno"].as_str().unwrap()];
        assert!(table.contains(name.as_str()), "{name}: {table}");
    }
    assert!(table.starts_with("ONBEHALFOF"), "{table}");

    f.run(&[
        "clients",
        "onbehalfof",
        "add",
        idp,
        "kommune-c",
        "--name",
        "Kommune C",
        "--orgno",
        OTHER_ORGNO,
        "--client-uri",
        "https://c.example.no/",
    ])
    .await
    .ok();
    let stored = || {
        f.emu
            .state()
            .onbehalfof
            .get(idp)
            .cloned()
            .unwrap_or_default()
    };
    let c = stored().get("kommune-c").cloned().unwrap();
    assert_eq!(c.orgno.as_deref(), Some(OTHER_ORGNO));
    assert_eq!(c.uri.as_deref(), Some("https://c.example.no/"));

    f.run(&[
        "clients",
        "onbehalfof",
        "update",
        idp,
        "kommune-c",
        "--description",
        "Min side",
    ])
    .await
    .ok();
    let c = stored().get("kommune-c").cloned().unwrap();
    assert_eq!(c.description.as_deref(), Some("Min side"));
    assert_eq!(c.name.as_deref(), Some("Kommune C"), "kept");
    let body = f
        .emu
        .last_body(
            "PUT",
            &format!("/api/v1/clients/{idp}/onbehalfof/kommune-c"),
        )
        .unwrap();
    assert!(body.get("created").is_none(), "server-owned sent: {body}");

    f.run(&["--yes", "clients", "onbehalfof", "remove", idp, "kommune-c"])
        .await
        .ok();
    assert!(!stored().contains_key("kommune-c"));
    f.run(&["--yes", "journal", "undo", &last_change_id(&f)])
        .await
        .ok();
    let back = stored().get("kommune-c").cloned().unwrap();
    assert_eq!(
        back.description.as_deref(),
        Some("Min side"),
        "undo adds it back"
    );
    let path = f.emu.temp_dir().join("data/mpadmin/journal.jsonl");
    let ops: Vec<_> = mpadmin::journal::Journal::at(path)
        .read()
        .unwrap()
        .iter()
        .map(|e| e.operation)
        .collect();
    for op in [
        mpadmin::journal::Operation::OnBehalfOfAdd,
        mpadmin::journal::Operation::OnBehalfOfUpdate,
        mpadmin::journal::Operation::OnBehalfOfRemove,
    ] {
        assert!(ops.contains(&op), "{op:?} journaled: {ops:?}");
    }

    // A bad orgno never leaves the machine.
    let posts = f
        .emu
        .path_stats(&format!("/api/v1/clients/{idp}/onbehalfof"));
    let bad = f
        .run(&[
            "clients",
            "onbehalfof",
            "add",
            idp,
            "x",
            "--name",
            "X",
            "--orgno",
            "991825828",
        ])
        .await
        .failed(2);
    assert!(bad.stderr.contains("MOD11"), "{bad:?}");
    assert_eq!(
        f.emu
            .path_stats(&format!("/api/v1/clients/{idp}/onbehalfof")),
        posts
    );

    // Not on a Maskinporten client.
    let mp = f
        .emu
        .state()
        .clients
        .values()
        .find(|c| {
            c.active
                && c.client_orgno.as_deref() == Some(OWN_ORGNO)
                && c.integration_type == Some(mpadmin::api::models::IntegrationType::Maskinporten)
        })
        .unwrap()
        .client_id
        .clone();
    let refused = f
        .run(&[
            "clients",
            "onbehalfof",
            "add",
            &mp,
            "x",
            "--name",
            "X",
            "--orgno",
            OTHER_ORGNO,
        ])
        .await;
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        refused.stderr.contains("integration_type maskinporten"),
        "{refused:?}"
    );

    // Not through a client that uses a scope with a delegation_source.
    f.emu
        .edit_state(|st| {
            let s = st.scopes.values_mut().next().unwrap();
            s.delegation_source = Some("https://tt02.altinn.no/".into());
            let name = s.name.clone();
            st.clients.get_mut(idp).unwrap().scopes.push(name);
        })
        .unwrap();
    let refused = f
        .run(&[
            "clients",
            "onbehalfof",
            "add",
            idp,
            "y",
            "--name",
            "Y",
            "--orgno",
            OTHER_ORGNO,
        ])
        .await;
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(refused.stderr.contains("delegation_source"), "{refused:?}");
}

/// Issue 13 §4: `clients create --integration-type` builds each type's body with the fields it
/// needs, refuses (exit 2, naming the flag, nothing sent) what the server would refuse, and
/// lists every type.
#[tokio::test]
async fn clients_of_other_integration_types_are_created_with_their_fields() {
    let f = start(Seed::Demo).await;
    let created = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "Min side 2",
            "--description",
            "Innlogging",
            "--integration-type",
            "idporten",
            "--auth-method",
            "client_secret_basic",
            "--redirect-uri",
            "https://minside.example.no/cb",
            "--post-logout-redirect-uri",
            "https://minside.example.no/",
            "--refresh-tokens",
        ])
        .await
        .ok()
        .json();
    let id = created["client_id"].as_str().unwrap().to_owned();
    let stored = serde_json::to_value(f.emu.state().client(&id).unwrap()).unwrap();
    assert_eq!(stored["integration_type"], "idporten");
    assert_eq!(stored["application_type"], "web");
    assert_eq!(stored["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(
        stored["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        stored["redirect_uris"],
        serde_json::json!(["https://minside.example.no/cb"])
    );
    assert_eq!(
        stored["post_logout_redirect_uris"],
        serde_json::json!(["https://minside.example.no/"])
    );
    let krr = f
        .run(&[
            "--json",
            "clients",
            "create",
            "--name",
            "KRR",
            "--description",
            "Oppslag",
            "--integration-type",
            "krr",
        ])
        .await
        .ok()
        .json();
    assert_eq!(krr["token_endpoint_auth_method"], "private_key_jwt");
    let list = f.run(&["clients", "list"]).await.ok().stdout;
    for kind in [" idporten ", " krr ", " maskinporten "] {
        assert!(list.contains(kind), "{kind}: {list}");
    }

    f.emu.reset_path_stats();
    let base = [
        "clients",
        "create",
        "--name",
        "x",
        "--description",
        "d",
        "--integration-type",
    ];
    for (extra, says) in [
        (
            &["idporten", "--auth-method", "client_secret_post"][..],
            "--redirect-uri",
        ),
        (
            &[
                "api_klient",
                "--application-type",
                "browser",
                "--auth-method",
                "client_secret_basic",
                "--redirect-uri",
                "https://a.example/cb",
            ][..],
            "--auth-method: a browser application cannot use client_secret_basic",
        ),
        (
            &[
                "ansattporten",
                "--auth-method",
                "private_key_jwt",
                "--redirect-uri",
                "https://a.example/cb#top",
            ][..],
            "--redirect-uri: 'https://a.example/cb#top' has a fragment",
        ),
        (
            &["krr", "--redirect-uri", "https://a.example/cb"][..],
            "--redirect-uri is for login clients",
        ),
        (&["eformidling"][..], "set up by Digdir"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let run = f.run(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{says}: {run:?}");
    }
    assert_eq!(
        f.emu.path_stats("/api/v1/clients").requests,
        0,
        "nothing was sent"
    );
}

/// Issue 13 §4: an update of a client that is not a Maskinporten one sends back every member
/// it read; the server's copy differs only in what was asked and its timestamp.
#[tokio::test]
async fn updating_an_idporten_client_keeps_every_field_it_has() {
    let f = start(Seed::Demo).await;
    let idp = "5e1d0c4b-7a2f-4b8e-9c3d-1f2e3a4b5c60";
    let before = serde_json::to_value(f.emu.state().client(idp).unwrap()).unwrap();
    f.run(&["clients", "update", idp, "--name", "Min side (ny)"])
        .await
        .ok();
    let mut after = serde_json::to_value(f.emu.state().client(idp).unwrap()).unwrap();
    assert_eq!(after["client_name"], "Min side (ny)");
    assert_ne!(after["last_updated"], before["last_updated"]);
    after["client_name"] = before["client_name"].clone();
    after["last_updated"] = before["last_updated"].clone();
    assert_eq!(after, before, "only the name and the timestamp changed");
    assert_eq!(before["integration_type"], "idporten");
    assert!(before["redirect_uris"].is_array(), "{before}");
}
