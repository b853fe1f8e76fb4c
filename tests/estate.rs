//! The estate as code with the real binary against the emulator: export, plan, apply, saved
//! plans, drift exit codes, and every guard (bad files, prune, protect, PROD, read-only,
//! the lock, a refusal halfway).

use std::path::PathBuf;
use std::time::Duration;

use mpadmin::api::models::AccessState;
use mpadmin::emulator::{Fault, OTHER_ORGNO, Seed};
use mpadmin::journal::{Journal, Operation};

mod common;

use common::TestEmulator;
use common::bin::Run;

const RAPPORTERING: &str = "3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a02";
const SKATT: &str = "974761076";

struct Fixture {
    emu: TestEmulator,
}

async fn start(seed: Seed) -> Fixture {
    Fixture {
        emu: common::emulator_with(seed).await,
    }
}

impl Fixture {
    async fn run(&self, args: &[&str]) -> Run {
        common::bin::run(&self.emu, &self.emu.keys_toml(), args).await
    }

    fn path(&self, name: &str) -> PathBuf {
        self.emu.temp_dir().join(name)
    }

    /// Write `text` as the file `name`; its path as an argument.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// `export --out estate.toml`: the file's text.
    async fn export(&self) -> String {
        let path = self.path("estate.toml");
        self.run(&["export", "--out", path.to_str().unwrap()])
            .await
            .ok();
        std::fs::read_to_string(path).unwrap()
    }

    fn journal(&self) -> Vec<mpadmin::journal::Entry> {
        Journal::at(self.path("data/mpadmin/journal.jsonl"))
            .read()
            .unwrap()
    }

    fn approved(&self, scope: &str) -> usize {
        self.emu.state().grants.get(scope).map_or(0, |g| {
            g.values()
                .filter(|r| r.state == AccessState::Approved)
                .count()
        })
    }
}

/// `text` with the first `from` after `section` replaced by `to`.
fn edit(text: &str, section: &str, from: &str, to: &str) -> String {
    let at = text.find(section).unwrap_or_else(|| panic!("no {section}"));
    let rel = text[at..]
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} after {section}"));
    let mut out = text.to_owned();
    out.replace_range(at + rel..at + rel + from.len(), to);
    out
}

/// The plan's change lines (`  + ...`, `  ~ ...`, `  - ...`).
fn changes(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| ["  + ", "  ~ ", "  - "].iter().any(|s| l.starts_with(s)))
        .map(str::trim)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_plan_has_no_changes() {
    let f = start(Seed::Demo).await;
    let text = f.export().await;
    assert!(text.contains("organization = \"991825827\""), "{text}");
    assert!(text.contains("[scope.\"difitest:api3\"]"), "{text}");
    assert!(
        text.contains("[scope.\"difitest:gammel\"]\ndescription"),
        "{text}"
    );
    assert!(
        text.contains("active = false"),
        "inactive scopes too: {text}"
    );
    assert!(text.contains(&format!("  \"{OTHER_ORGNO}\",\n")), "{text}");
    assert!(
        text.contains("[[client.\"saksbehandling\".keys]]"),
        "{text}"
    );
    assert!(
        text.contains("integration_type = \"maskinporten\""),
        "{text}"
    );
    assert!(!text.contains("\nd = "), "public keys only: {text}");
    let file = f.path("estate.toml");
    let file = file.to_str().unwrap();

    let plan = f.run(&["plan", "-f", file]).await.ok();
    assert_eq!(
        plan.stdout.trim_end().lines().last(),
        Some("No changes. The live estate matches the file."),
        "{plan:?}"
    );
    f.run(&["plan", "-f", file, "--detailed-exitcode"])
        .await
        .ok();
    let json = f.run(&["--json", "plan", "-f", file]).await.ok().json();
    assert_eq!(
        json["summary"],
        serde_json::json!({"add": 0, "change": 0, "remove": 0})
    );
    assert_eq!(json["changes"], serde_json::json!([]));

    // Only some kinds: still a file that plans clean.
    let only = f
        .run(&["export", "--only", "access,keys"])
        .await
        .ok()
        .stdout;
    assert!(!only.contains("description = "), "{only}");
    assert!(only.contains("approved = ["), "{only}");
    let file = f.write("only.toml", &only);
    let plan = f.run(&["plan", "-f", &file]).await.ok();
    assert!(changes(&plan).is_empty(), "{plan:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_reads_grants_eight_at_a_time() {
    let f = start(Seed::Size(40)).await;
    f.emu.faults().set_latency(Duration::from_millis(20));
    f.run(&["export", "--only", "access"]).await.ok();
    let stats = f.emu.path_stats("/api/v1/scopes/access");
    assert_eq!(stats.requests, 40, "one listing per scope");
    assert!(
        (2..=8).contains(&stats.peak_in_flight),
        "{}",
        stats.peak_in_flight
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_file_plans_exactly_the_edit_and_apply_makes_it_so() {
    let f = start(Seed::Demo).await;
    let text = f.export().await;
    let text = edit(
        &text,
        "[scope.\"demo:rapport\"]",
        "description = \"Quarterly reports\"",
        "description = \"Quarterly reports (v2)\"",
    );
    let text = edit(
        &text,
        "[scope.\"demo:rapport\"]",
        "approved = [\n",
        &format!("approved = [\n  \"{SKATT}\",\n"),
    );
    let file = f.write("edited.toml", &text);

    let plan = f.run(&["plan", "-f", &file]).await.ok();
    assert_eq!(
        changes(&plan),
        [
            "~ update scope demo:rapport",
            "+ grant 974761076 access to demo:rapport"
        ],
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .contains("      description: \"Quarterly reports\" -> \"Quarterly reports (v2)\"\n"),
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .ends_with("\nPlan: 1 to add, 1 to change, 0 to remove.\n"),
        "{plan:?}"
    );
    let drift = f.run(&["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!((drift.code, drift.stderr.as_str()), (2, ""), "{drift:?}");
    assert!(f.journal().is_empty(), "plan changes nothing");

    let applied = f.run(&["apply", "-f", &file, "--yes"]).await.ok();
    assert!(
        applied
            .stdout
            .contains("Apply complete: 2 change(s) applied."),
        "{applied:?}"
    );
    let st = f.emu.state();
    assert_eq!(
        st.scope("demo:rapport").unwrap().description,
        "Quarterly reports (v2)"
    );
    assert_eq!(
        st.grant("demo:rapport", SKATT).unwrap().state,
        AccessState::Approved
    );
    let journal = f.journal();
    assert_eq!(journal.len(), 2);
    assert!(journal[0].run.is_some() && journal[0].run == journal[1].run);

    let again = f
        .run(&["plan", "-f", &file, "--detailed-exitcode"])
        .await
        .ok();
    assert!(again.stdout.contains("No changes."), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_halfway_stops_the_apply_and_the_next_apply_converges() {
    let f = start(Seed::Demo).await;
    let text = f.export().await;
    let rapport = "[scope.\"demo:rapport\"]";
    let text = edit(
        &text,
        rapport,
        "Quarterly reports\"",
        "Quarterly reports, edited\"",
    );
    let text = edit(
        &text,
        "[scope.\"difitest:api3\"]",
        "description = \"",
        "description = \"Edited: ",
    );
    let text = edit(
        &text,
        "[client.\"rapportering\"]",
        "description = \"",
        "description = \"Edited: ",
    );
    let text = edit(&text, rapport, &format!("  \"{OTHER_ORGNO}\",\n"), "");
    let text = edit(
        &text,
        rapport,
        "denied = [\n",
        &format!("denied = [\n  \"{OTHER_ORGNO}\",\n"),
    );
    let text = edit(
        &text,
        "[scope.\"difitest:kontakt.read\"]",
        "active = true",
        "active = false",
    );
    let file = f.write("edited.toml", &text);
    let plan = f.run(&["plan", "-f", &file]).await.ok();
    let want = [
        "~ update scope demo:rapport",
        "~ update scope difitest:api3",
        "~ update client 3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a02",
        "- revoke access to demo:rapport for 889640782",
        "- deactivate scope difitest:kontakt.read",
    ];
    assert_eq!(changes(&plan), want, "{plan:?}");

    // The third change is refused.
    f.emu.faults().inject_exact(
        "PUT",
        &format!("/api/v1/clients/{RAPPORTERING}"),
        Fault::Status {
            status: 400,
            retry_after: None,
        },
        1,
    );
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.failed(1);
    assert!(
        run.stdout.contains("updated scope demo:rapport\n"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("updated scope difitest:api3\n"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains(&format!("failed: update client {RAPPORTERING}: ")),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(
            "not attempted (2):\n  revoke access to demo:rapport for 889640782\n  deactivate scope difitest:kontakt.read\n"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains(&format!("apply stopped at 'update client {RAPPORTERING}'")),
        "{run:?}"
    );
    assert!(run.stderr.contains("correlation id"), "{run:?}");
    assert!(
        run.stderr.contains("2 applied, 1 failed, 2 not attempted"),
        "{run:?}"
    );
    let st = f.emu.state();
    assert!(
        st.scope("demo:rapport")
            .unwrap()
            .description
            .contains("edited")
    );
    assert!(
        st.scope("difitest:api3")
            .unwrap()
            .description
            .starts_with("Edited")
    );
    assert!(
        !st.client(RAPPORTERING)
            .unwrap()
            .description
            .starts_with("Edited")
    );
    assert_eq!(
        st.grant("demo:rapport", OTHER_ORGNO).unwrap().state,
        AccessState::Approved
    );
    assert!(st.scope("difitest:kontakt.read").unwrap().active);

    let journal = f.journal();
    let ops: Vec<Operation> = journal.iter().map(|e| e.operation).collect();
    assert_eq!(
        ops,
        [
            Operation::ScopeUpdate,
            Operation::ScopeUpdate,
            Operation::ClientUpdate
        ]
    );
    let run_id = journal[0].run.clone();
    assert!(run_id.is_some() && journal.iter().all(|e| e.run == run_id));
    assert!(journal[0].is_ok() && journal[1].is_ok() && !journal[2].is_ok());
    assert!(journal[2].correlation_id.is_some(), "{:?}", journal[2]);

    // The same file again: only what is missing.
    let second = f.run(&["apply", "-f", &file, "--yes"]).await.ok();
    assert_eq!(changes(&second), want[2..], "{second:?}");
    let st = f.emu.state();
    assert!(
        st.client(RAPPORTERING)
            .unwrap()
            .description
            .starts_with("Edited")
    );
    assert_eq!(
        st.grant("demo:rapport", OTHER_ORGNO).unwrap().state,
        AccessState::Denied
    );
    assert!(!st.scope("difitest:kontakt.read").unwrap().active);
    let journal = f.journal();
    assert_eq!(journal.len(), 6);
    assert!(journal[3].run.is_some() && journal[3].run != run_id);
    f.run(&["plan", "-f", &file, "--detailed-exitcode"])
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_applies_only_while_nothing_it_touches_changed() {
    let f = start(Seed::Demo).await;
    let text = f.export().await;
    let text = edit(
        &text,
        "[scope.\"demo:rapport\"]",
        "approved = [\n",
        &format!("approved = [\n  \"{SKATT}\",\n"),
    );
    let text = edit(
        &text,
        "[scope.\"difitest:api3\"]",
        "description = \"",
        "description = \"Planned: ",
    );
    let file = f.write("edited.toml", &text);
    let saved = f.path("plan.json").display().to_string();
    f.run(&["plan", "-f", &file, "--out", &saved]).await.ok();

    // Someone changes a scope the plan touches.
    f.run(&[
        "scopes",
        "update",
        "difitest:api3",
        "--description",
        "Changed elsewhere",
    ])
    .await
    .ok();
    f.emu.reset_path_stats();
    let run = f.run(&["apply", &saved, "--yes"]).await.failed(1);
    assert!(run.stderr.contains("is stale"), "{run:?}");
    assert!(run.stderr.contains("nothing was applied"), "{run:?}");
    let grant_path = format!("/api/v1/scopes/access/{SKATT}");
    assert_eq!(f.emu.path_stats(&grant_path).requests, 0, "nothing sent");
    let st = f.emu.state();
    assert_eq!(
        st.scope("difitest:api3").unwrap().description,
        "Changed elsewhere"
    );
    assert!(st.grant("demo:rapport", SKATT).is_none());
    assert_eq!(f.journal().len(), 1, "only the change made elsewhere");

    // A fresh plan applies as saved.
    f.run(&["plan", "-f", &file, "--out", &saved]).await.ok();
    let applied = f.run(&["apply", &saved, "--yes"]).await.ok();
    assert!(
        applied
            .stdout
            .contains("Apply complete: 2 change(s) applied."),
        "{applied:?}"
    );
    assert!(
        f.emu
            .state()
            .scope("difitest:api3")
            .unwrap()
            .description
            .starts_with("Planned: ")
    );

    // Not a plan, or a plan for another profile: refused before anything is sent.
    f.run(&["apply", &file, "--yes"]).await.failed(2);
    let other = f.emu.keys_toml_with("other.toml", "emulator-other-org", "");
    let run = common::bin::run(
        &f.emu,
        &other,
        &["--profile", "emulator-other-org", "apply", &saved, "--yes"],
    )
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("run plan with this profile"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_pruned_unless_asked_and_only_within_claims() {
    let f = start(Seed::Demo).await;
    let api3 = "[scope.\"difitest:api3\"]\napproved = [\"889640782\"]\n";
    let file = f.write("small.toml", api3);
    let plan = f.run(&["plan", "-f", &file]).await.ok();
    assert!(changes(&plan).is_empty(), "{plan:?}");

    let approved = f.approved("difitest:api3");
    let file = f.write("grants.toml", &format!("[grants]\nprune = true\n{api3}"));
    let plan = f.run(&["plan", "-f", &file]).await.ok();
    let lines = changes(&plan);
    assert_eq!(lines.len(), approved - 1, "{plan:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("- revoke access to difitest:api3 for "))
    );
    assert!(!lines.iter().any(|l| l.ends_with(OTHER_ORGNO)), "{plan:?}");

    let file = f.write(
        "scopes.toml",
        &format!("[scopes]\nprune = true\nprefixes = [\"demo\"]\n{api3}"),
    );
    let plan = f.run(&["plan", "-f", &file]).await.ok();
    let lines = changes(&plan);
    let active_demo = f
        .emu
        .state()
        .scopes
        .values()
        .filter(|s| s.active && s.prefix == "demo" && s.owner_orgno.as_deref() == Some("991825827"))
        .count();
    assert_eq!(lines.len(), active_demo, "{plan:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("- deactivate scope demo:")),
        "{plan:?}"
    );

    f.run(&["apply", "-f", &file, "--yes"]).await.ok();
    let st = f.emu.state();
    assert!(!st.scope("demo:rapport").unwrap().active);
    assert!(
        st.scope("difitest:intern").unwrap().active,
        "outside the claims"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_blocks_every_removal_of_what_it_guards() {
    let f = start(Seed::Demo).await;
    let approved = f.approved("difitest:api3");
    let file = f.write(
        "protected.toml",
        "[grants]\nprune = true\n[scope.\"difitest:api3\"]\nprotect = true\napproved = [\"889640782\"]\n",
    );
    let run = f.run(&["plan", "-f", &file]).await.failed(2);
    assert!(
        run.stderr.contains("is protected (protect = true)"),
        "{run:?}"
    );
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.failed(2);
    assert!(run.stderr.contains("nothing was changed"), "{run:?}");
    assert_eq!(f.approved("difitest:api3"), approved);

    let file = f.write(
        "deactivate.toml",
        "[scope.\"difitest:api3\"]\nprotect = true\nactive = false\n",
    );
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.failed(2);
    assert!(run.stderr.contains("line 3:"), "{run:?}");
    assert!(f.emu.state().scope("difitest:api3").unwrap().active);
    assert!(f.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_and_prod_gates() {
    let f = start(Seed::Demo).await;
    let file = f.write(
        "grant.toml",
        &format!("[scope.\"demo:rapport\"]\napproved = [\"{SKATT}\"]\n"),
    );
    let run = f
        .run(&["--read-only", "apply", "-f", &file, "--yes"])
        .await
        .failed(2);
    assert!(run.stderr.contains("--read-only"), "{run:?}");
    let ro = f
        .emu
        .keys_toml_with("ro.toml", "emulator", "read_only = true");
    let run = common::bin::run(&f.emu, &ro, &["apply", "-f", &file, "--yes"])
        .await
        .failed(2);
    assert!(run.stderr.contains("read_only = true"), "{run:?}");
    assert_eq!(
        f.emu.token_requests(),
        0,
        "refused before anything was sent"
    );
    // Reads stay allowed.
    common::bin::run(&f.emu, &ro, &["plan", "-f", &file])
        .await
        .ok();

    let prod = f
        .emu
        .keys_toml_with("prod.toml", "emulator", "environment = \"prod\"");
    let run = common::bin::run(&f.emu, &prod, &["apply", "-f", &file])
        .await
        .failed(2);
    assert!(
        run.stderr
            .contains("refusing to apply 1 change on PROD without confirmation: add --yes"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("+ grant 974761076 access to demo:rapport"),
        "the plan is shown: {run:?}"
    );
    assert!(f.emu.state().grant("demo:rapport", SKATT).is_none());
    common::bin::run(&f.emu, &prod, &["apply", "-f", &file, "--yes"])
        .await
        .ok();
    assert!(f.emu.state().grant("demo:rapport", SKATT).is_some());

    // Without a terminal every apply asks for --yes, PROD or not.
    let file = f.write(
        "grant2.toml",
        &format!("[scope.\"demo:innsyn\"]\napproved = [\"{SKATT}\"]\n"),
    );
    let run = f.run(&["apply", "-f", &file]).await.failed(2);
    assert!(run.stderr.contains("add --yes"), "{run:?}");
    assert!(f.emu.state().grant("demo:innsyn", SKATT).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_exits_2_before_anything_is_sent() {
    let f = start(Seed::Demo).await;
    let cases = [
        (
            "[scope.\"difitest:api3\"]\ndescription = \"x\"\ndescripton = \"y\"\n",
            "line 3: 'descripton' is not a field of scope \"difitest:api3\": did you mean 'description'?",
        ),
        (
            "[scope.\"difitest:api3\"]\napproved = [\n  \"991825828\",\n]\n",
            "line 3: scope \"difitest:api3\", approved: '991825828' fails the MOD11 check digit",
        ),
        (
            "[scope.\"difitest:Api3\"]\ndescription = \"x\"\n",
            "line 1: [scope.\"difitest:Api3\"]: subscope 'Api3' has 'A': use lower case",
        ),
        ("[scope.\"difitest:api3\"\n", "line 1: "),
    ];
    for (text, want) in cases {
        let file = f.write("bad.toml", text);
        for args in [
            vec!["plan", "-f", &file],
            vec!["apply", "-f", &file, "--yes"],
        ] {
            let run = f.run(&args).await.failed(2);
            assert!(run.stderr.contains(want), "{want}: {run:?}");
            assert!(run.stderr.contains("bad.toml"), "{run:?}");
        }
        // Drift checks read 1 as "broken", never 2 ("changes").
        let run = f
            .run(&["plan", "-f", &file, "--detailed-exitcode"])
            .await
            .failed(1);
        assert!(run.stderr.contains(want), "{run:?}");
    }
    assert_eq!(
        f.emu.token_requests(),
        0,
        "nothing was read from the server"
    );
    assert_eq!(f.emu.path_stats("/api/v1/scopes").requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immutable_fields_that_differ_are_errors() {
    let f = start(Seed::Demo).await;
    let file = f.write(
        "sub.toml",
        "[scope.\"difitest:api3\"]\nsubscope = \"api4\"\n",
    );
    let run = f.run(&["plan", "-f", &file]).await.failed(2);
    assert!(
        run.stderr
            .contains("line 2: scope difitest:api3: subscope cannot be changed"),
        "{run:?}"
    );
    let file = f.write(
        "itype.toml",
        "[client.\"rapportering\"]\nintegration_type = \"idporten\"\n",
    );
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.failed(2);
    assert!(
        run.stderr
            .contains("integration_type cannot be changed (it is maskinporten"),
        "{run:?}"
    );
    assert!(f.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_applied_eight_at_a_time() {
    let f = start(Seed::Size(40)).await;
    let mut text = String::new();
    for name in f.emu.state().scopes.keys().filter(|n| n.contains(":last/")) {
        text.push_str(&format!("[scope.\"{name}\"]\napproved = [\"{SKATT}\"]\n"));
    }
    let file = f.write("grants.toml", &text);
    f.emu.faults().set_latency(Duration::from_millis(20));
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.ok();
    assert!(
        run.stdout.contains("Apply complete: 40 change(s) applied."),
        "{run:?}"
    );
    let stats = f.emu.path_stats(&format!("/api/v1/scopes/access/{SKATT}"));
    assert_eq!(stats.requests, 40);
    assert!(
        (2..=8).contains(&stats.peak_in_flight),
        "{}",
        stats.peak_in_flight
    );
    let st = f.emu.state();
    assert_eq!(
        st.all_grants()
            .filter(|g| g.consumer_orgno == SKATT)
            .count(),
        40
    );
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_apply_at_a_time_and_a_dead_holder_s_lock_is_taken_over() {
    let f = start(Seed::Demo).await;
    let file = f.write(
        "grant.toml",
        &format!("[scope.\"demo:rapport\"]\napproved = [\"{SKATT}\"]\n"),
    );
    let locks = f.path("data/mpadmin/locks");
    std::fs::create_dir_all(&locks).unwrap();
    let lock = locks.join("apply-991825827-custom.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.failed(1);
    assert!(
        run.stderr
            .contains("another apply for this organisation is running"),
        "{run:?}"
    );
    assert!(f.emu.state().grant("demo:rapport", SKATT).is_none());

    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(&lock, format!("{pid}\n")).unwrap();
    let run = f.run(&["apply", "-f", &file, "--yes"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("took over the apply lock"), "{run:?}");
    assert!(run.stderr.contains(&format!("process {pid}")), "{run:?}");
    assert!(f.emu.state().grant("demo:rapport", SKATT).is_some());
    assert!(!lock.exists(), "removed when the apply ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_gets_its_keys_in_the_same_apply() {
    let f = start(Seed::Demo).await;
    let template = f.emu.state().keys("3f0b8e2a-1c4d-4e5f-9a6b-7c8d9e0f1a03")[0].clone();
    let text = format!(
        "[client.\"nytt-system\"]\ndescription = \"New system\"\nscopes = [\"difitest:api3\"]\n\n\
         [[client.\"nytt-system\".keys]]\nkid = \"nytt-1\"\nkty = \"RSA\"\ne = \"{}\"\nn = \"{}\"\n",
        template.e.unwrap(),
        template.n.unwrap()
    );
    let file = f.write("client.toml", &text);
    let run = f.run(&["apply", "-f", &file, "--yes"]).await.ok();
    assert_eq!(
        changes(&run),
        [
            "+ create client 'nytt-system'",
            "+ add key nytt-1 to the new client 'nytt-system'"
        ],
        "{run:?}"
    );
    let st = f.emu.state();
    let c = st
        .clients
        .values()
        .find(|c| c.client_name == "nytt-system" && c.active)
        .unwrap();
    assert_eq!(c.scopes, ["difitest:api3"]);
    assert_eq!(st.keys(&c.client_id)[0].kid.as_deref(), Some("nytt-1"));
    f.run(&["plan", "-f", &file, "--detailed-exitcode"])
        .await
        .ok();
}
