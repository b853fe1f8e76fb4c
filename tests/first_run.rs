//! The first minutes of a new user, with the real binary: no profiles file yet (every entry
//! point says where it goes and what to do), `mpadmin init`, `mpadmin doctor`, shell
//! completion and the man page.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mpadmin::emulator::Seed;

/// A home of its own: the default profiles file is `<dir>/config/mpadmin/keys.toml`.
fn mpadmin(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpadmin"));
    cmd.args(args)
        .stdin(Stdio::null())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("MPADMIN_KEYS")
        .env_remove("MPADMIN_COMPLETE");
    cmd
}

fn run(home: &Path, args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = mpadmin(home, args).output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn default_keys(home: &Path) -> PathBuf {
    home.join("config/mpadmin/keys.toml")
}

#[test]
fn without_a_profiles_file_the_ui_and_every_command_say_where_and_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let expected = default_keys(home.path());
    for args in [&[][..], &["scopes", "list"], &["token"]] {
        let (code, stdout, stderr) = run(home.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        for needle in [
            expected.to_str().unwrap(),
            "`mpadmin init`",
            "keys.example",
            "mpadmin --demo",
        ] {
            assert!(stderr.contains(needle), "{args:?} lacks {needle}: {stderr}");
        }
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    let (code, stdout, _) = run(home.path(), &["paths"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("missing: `mpadmin init`"), "{stdout}");
}

#[test]
fn init_writes_a_private_starter_once_and_doctor_says_what_to_fill_in() {
    let home = tempfile::tempdir().unwrap();
    let keys = default_keys(home.path());
    let (code, stdout, stderr) = run(home.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(keys.to_str().unwrap()), "{stdout}");
    let text = std::fs::read_to_string(&keys).unwrap();
    assert!(text.contains("environment = \"test\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir = std::fs::metadata(keys.parent().unwrap()).unwrap();
        assert_eq!(dir.permissions().mode() & 0o077, 0, "config dir is private");
    }
    // Never over an existing file, whatever it holds.
    std::fs::write(&keys, "# mine\n").unwrap();
    let (code, _, stderr) = run(home.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), "# mine\n");

    std::fs::write(&keys, text).unwrap();
    let (code, stdout, _) = run(home.path(), &["doctor"]);
    assert_eq!(code, 1, "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("profile test"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.starts_with("fail") && line.contains("field 'pkcs12'"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_exits_0_when_all_is_well_and_1_when_a_check_fails() {
    let emu = common::emulator_with(Seed::Empty).await;
    let home = emu.temp_dir();
    let keys = emu.keys_toml();
    let keys = keys.to_str().unwrap();
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let (home, keys) = (home.clone(), keys.to_owned());
        move || run(&home, &["--keys", &keys, "--json", "doctor"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["profile"], "emulator");
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{stdout}");

    emu.faults().set_clock_skew(-120);
    let (code, stdout, _) = tokio::task::spawn_blocking({
        let keys = keys.to_owned();
        move || run(&home, &["--keys", &keys, "doctor"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stdout}");
    let clock = stdout.lines().find(|l| l.contains(" clock ")).unwrap();
    assert!(
        clock.starts_with("fail") && clock.contains("120 s ahead"),
        "{clock}"
    );
    assert!(stdout.contains("fix: synchronise"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("skip"),
        "summary last: {stdout}"
    );
}

#[test]
fn the_bash_completion_script_loads_and_completes_profiles() {
    let bash_present = Command::new("bash").arg("--version").output().is_ok();
    assert!(bash_present, "bash is needed for this test");
    let emu_dir = tempfile::tempdir().unwrap();
    let keys = emu_dir.path().join("keys.toml");
    std::fs::write(
        &keys,
        "default_profile = \"test\"\n[profiles.test]\n[profiles.prod-a]\n[profiles.prod-b]\n",
    )
    .unwrap();
    let exe = env!("CARGO_BIN_EXE_mpadmin");
    let script = format!(
        "set -e; source <('{exe}' completions bash); \
         COMP_WORDS=(mpadmin --profile prod); COMP_CWORD=2; \
         _clap_complete_mpadmin mpadmin prod mpadmin; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("MPADMIN_KEYS", &keys)
        .env_remove("MPADMIN_COMPLETE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["prod-a", "prod-b"]);
}

#[test]
fn completions_for_other_shells_and_the_man_page_print() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["zsh", "fish", "powershell"] {
        let (code, stdout, stderr) = run(home.path(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("MPADMIN_COMPLETE"), "{shell}: {stdout}");
    }
    let (code, _, stderr) = run(home.path(), &["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, stdout, _) = run(home.path(), &["man"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(".TH mpadmin"),
        "{}",
        &stdout[..200.min(stdout.len())]
    );
}

#[test]
fn help_names_no_issue_numbers() {
    let home = tempfile::tempdir().unwrap();
    let (_, stdout, _) = run(home.path(), &["--help"]);
    assert!(stdout.contains("--seed-size"), "{stdout}");
    let numbered = stdout
        .to_lowercase()
        .match_indices("issue ")
        .any(|(i, m)| stdout[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(!numbered, "{stdout}");
}
