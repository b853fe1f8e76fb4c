//! What the admin token's scopes allow: a profile whose admin client has `dcr.modify` (and
//! not `dcr.write` or `scopes.write`) changes clients and keys but creates and deletes none,
//! and mpadmin refuses the rest before sending, naming the scope.

mod common;

use common::bin::run;

const MODIFY: &str = "emulator-modify";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modify_only_profile_changes_clients_and_keys_but_creates_and_deletes_none() {
    let emu = common::emulator().await;
    let keys = emu.keys_toml();
    let id = emu.client_id_named("rapportering");
    let cli = |args: &'static [&'static str]| {
        let mut all = vec!["--profile", MODIFY, "--yes"];
        all.extend_from_slice(args);
        all
    };

    let created = run(
        &emu,
        &keys,
        &cli(&[
            "clients",
            "create",
            "--name",
            "ny",
            "--description",
            "Ny klient",
        ]),
    )
    .await
    .failed(2);
    assert!(created.stderr.contains("idporten:dcr.write"), "{created:?}");
    assert!(
        created.stderr.contains("servicedesk@digdir.no"),
        "{created:?}"
    );
    assert_eq!(
        emu.path_stats("/api/v1/clients").requests,
        0,
        "nothing sent"
    );

    let deleted = run(
        &emu,
        &keys,
        &["--profile", MODIFY, "--yes", "clients", "delete", &id],
    )
    .await
    .failed(2);
    assert!(deleted.stderr.contains("idporten:dcr.write"), "{deleted:?}");
    assert!(emu.state().clients[&id].active, "still there");

    let grant = run(
        &emu,
        &keys,
        &cli(&["access", "grant", "--scope", "demo:rapport", "974760673"]),
    )
    .await
    .failed(2);
    assert!(grant.stderr.contains("idporten:scopes.write"), "{grant:?}");

    run(
        &emu,
        &keys,
        &[
            "--profile",
            MODIFY,
            "--yes",
            "clients",
            "update",
            &id,
            "--description",
            "Endret",
        ],
    )
    .await
    .ok();
    assert_eq!(emu.state().clients[&id].description, "Endret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_refuses_creating_a_client_with_dcr_modify_alone() {
    let emu = common::emulator().await;
    let profile = mpadmin::config::load(Some(&emu.keys_toml()), Some(MODIFY)).unwrap();
    let api = mpadmin::api::connect(&profile).unwrap();
    let client = mpadmin::api::models::Client::new_maskinporten("ny", "Ny klient", vec![]);
    let err = api.create_client(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403), "{err}");
    // Reading and changing are allowed.
    let id = emu.client_id_named("rapportering");
    let mut c = api.client(&id.parse().unwrap()).await.unwrap();
    c.description = "Endret".into();
    api.update_client(&id.parse().unwrap(), &c).await.unwrap();
}
