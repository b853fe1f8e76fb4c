//! Supplier mode (`idporten:dcr.supplier`): a vendor creates and manages clients for its
//! customers; the server sets `supplier_orgno` to the vendor, and only clients with our number
//! there may be changed. The emulator's rules over HTTP, then mpadmin refusing before sending.

mod common;

use common::bin::run;
use common::{Grant, TestEmulator, post_grant};
use mpadmin::emulator::{
    ADMIN_KID, OTHER_SUPPLIER_ORGNO, OWN_ORGNO, SUPPLIER_ADMIN_CLIENT_ID, SUPPLIER_ORGNO,
};
use reqwest::Method;
use serde_json::{Value, json};

const SUPPLIER_SCOPES: &str = "idporten:dcr.read idporten:dcr.write idporten:dcr.supplier";

/// The supplier's admin API, as raw HTTP.
struct Supplier<'a> {
    emu: &'a TestEmulator,
    token: String,
}

impl<'a> Supplier<'a> {
    async fn new(emu: &'a TestEmulator, scopes: &str) -> Supplier<'a> {
        let grant = Grant::kid(
            emu,
            SUPPLIER_ADMIN_CLIENT_ID,
            scopes,
            "admin-own.key.pem",
            ADMIN_KID,
        );
        let (status, body) = post_grant(emu, &grant.sign()).await;
        assert_eq!(status, 200, "supplier token: {body}");
        Supplier {
            emu,
            token: body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.emu.api_base());
        let mut req = self
            .emu
            .http()
            .request(method, url)
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }
}

fn new_client(orgno: &str) -> Value {
    json!({
        "integration_type": "maskinporten",
        "client_name": "ny-for-kunde",
        "description": "Made by the vendor",
        "scopes": ["difitest:statistikk"],
        "client_orgno": orgno,
    })
}

/// The demo's first customer (a supplier client's `client_orgno`).
fn customer(emu: &TestEmulator) -> String {
    let id = emu.client_id_named("regnskap-bilag");
    emu.state().clients[&id].client_orgno.clone().unwrap()
}

fn description(body: &Value) -> String {
    body.to_string()
}

#[tokio::test]
async fn a_supplier_creates_for_a_customer_and_the_server_sets_supplier_orgno() {
    let emu = common::emulator().await;
    let api = Supplier::new(&emu, SUPPLIER_SCOPES).await;
    let customer = customer(&emu);
    let (status, body) = api
        .call(Method::POST, "/clients", Some(new_client(&customer)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_orgno"], customer.as_str());
    assert_eq!(body["supplier_orgno"], SUPPLIER_ORGNO);

    let (status, body) = api
        .call(Method::POST, "/clients", Some(new_client("123456789")))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(description(&body).contains("client_orgno"), "{body}");
}

#[tokio::test]
async fn without_dcr_supplier_a_client_for_another_organisation_is_forbidden() {
    let emu = common::emulator().await;
    let api = Supplier::new(&emu, "idporten:dcr.read idporten:dcr.write").await;
    let (status, body) = api
        .call(Method::POST, "/clients", Some(new_client(&customer(&emu))))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        description(&body).contains("idporten:dcr.supplier"),
        "{body}"
    );
}

#[tokio::test]
async fn a_supplier_lists_its_own_and_its_supplied_clients_only() {
    let emu = common::emulator().await;
    let api = Supplier::new(&emu, SUPPLIER_SCOPES).await;
    let (status, body) = api.call(Method::GET, "/clients", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_name"].as_str().unwrap())
        .collect();
    for name in ["regnskap-bilag", "fakturering", "lonnssystem"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(
        !names.contains(&"byggesak"),
        "another vendor's client for a customer is not ours to see: {names:?}"
    );
    assert!(!names.contains(&"saksbehandling"), "{names:?}");
    let customers: std::collections::BTreeSet<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["supplier_orgno"] == SUPPLIER_ORGNO)
        .map(|c| c["client_orgno"].as_str().unwrap())
        .collect();
    assert!((4..=6).contains(&customers.len()), "{customers:?}");
}

#[tokio::test]
async fn another_suppliers_client_cannot_be_changed_deleted_or_given_keys() {
    let emu = common::emulator().await;
    let api = Supplier::new(&emu, SUPPLIER_SCOPES).await;
    let id = emu.client_id_named("lonnssystem");
    let before = emu.state().clients[&id].clone();
    assert_eq!(before.supplier_orgno.as_deref(), Some(OTHER_SUPPLIER_ORGNO));
    let path = format!("/clients/{id}");
    let (status, body) = api.call(Method::GET, &path, None).await;
    assert_eq!(status, 200, "visible: {body}");

    let update = json!({
        "client_name": "lonnssystem",
        "description": "changed",
        "scopes": ["difitest:statistikk"],
    });
    let jwks = format!("{path}/jwks");
    let mut keys = serde_json::to_value(emu.state().keys(&id)).unwrap();
    keys[0]["kid"] = json!("replacement");
    let key = format!("{path}/jwks/lonnssystem-1");
    for (method, path, body) in [
        (Method::PUT, path.as_str(), Some(update)),
        (Method::DELETE, path.as_str(), None),
        (Method::POST, jwks.as_str(), Some(json!({ "keys": keys }))),
        (Method::DELETE, jwks.as_str(), None),
        (Method::DELETE, key.as_str(), None),
    ] {
        let (status, answer) = api.call(method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert!(answer["correlation_id"].is_string(), "{answer}");
        let text = description(&answer);
        assert!(
            text.contains(OTHER_SUPPLIER_ORGNO) && text.contains("supplier_orgno"),
            "{text}"
        );
    }
    let after = emu.state();
    assert_eq!(after.clients[&id], before, "unchanged");
    assert_eq!(after.keys(&id).len(), 1, "keys unchanged");
}

#[tokio::test]
async fn a_supplier_changes_the_clients_it_supplies() {
    let emu = common::emulator().await;
    let api = Supplier::new(&emu, SUPPLIER_SCOPES).await;
    let id = emu.client_id_named("fakturering");
    let update = json!({
        "client_name": "fakturering",
        "description": "changed by the vendor",
        "scopes": ["difitest:statistikk"],
    });
    let (status, body) = api
        .call(Method::PUT, &format!("/clients/{id}"), Some(update))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["supplier_orgno"], SUPPLIER_ORGNO);
    let (status, _) = api
        .call(Method::DELETE, &format!("/clients/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert!(!emu.state().clients[&id].active);
    assert_ne!(
        emu.state().clients[&id].client_orgno.as_deref(),
        Some(OWN_ORGNO)
    );
}

fn cli<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--profile", "emulator-supplier", "--yes"];
    all.extend_from_slice(args);
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_create_and_list_for_a_customer_from_the_command_line() {
    let emu = common::emulator().await;
    let keys = emu.keys_toml();
    let customer = customer(&emu);
    let created = run(
        &emu,
        &keys,
        &cli(&[
            "clients",
            "create",
            "--customer",
            &customer,
            "--name",
            "ny-for-kunde",
            "--description",
            "Laget av leverandøren",
            "--scope",
            "difitest:statistikk",
        ]),
    )
    .await
    .ok();
    assert!(
        created.stdout.contains("NORDLYS REGNSKAP AS"),
        "the customer's name: {created:?}"
    );
    let id = emu.client_id_named("ny-for-kunde");
    let made = emu.state().clients[&id].clone();
    assert_eq!(made.client_orgno.as_deref(), Some(customer.as_str()));
    assert_eq!(made.supplier_orgno.as_deref(), Some(SUPPLIER_ORGNO));

    let listed = run(
        &emu,
        &keys,
        &cli(&["--json", "clients", "list", "--customer", &customer]),
    )
    .await
    .ok();
    let names: Vec<String> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["ny-for-kunde", "regnskap-bilag", "regnskap-lonn"]);

    let human = run(
        &emu,
        &keys,
        &cli(&["clients", "list", "--customer", &customer]),
    )
    .await
    .ok();
    assert!(human.stdout.contains("NORDLYS REGNSKAP AS"), "{human:?}");

    let before = emu.path_stats("/api/v1/clients").requests;
    let typo = run(
        &emu,
        &keys,
        &cli(&["clients", "list", "--customer", "810079194"]),
    )
    .await
    .failed(2);
    assert!(
        typo.stderr.contains("--customer") && typo.stderr.contains("MOD11"),
        "{typo:?}"
    );
    assert_eq!(emu.path_stats("/api/v1/clients").requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expiring_groups_by_customer_soonest_first() {
    let emu = common::emulator().await;
    let keys = emu.keys_toml();
    let out = run(
        &emu,
        &keys,
        &cli(&["--json", "keys", "expiring", "--days", "1"]),
    )
    .await;
    let groups = out.json();
    let groups = groups.as_array().unwrap();
    let soonest: Vec<i64> = groups
        .iter()
        .map(|g| g["keys"][0]["days_left"].as_i64().unwrap())
        .collect();
    assert!(
        soonest.is_sorted(),
        "customers by their soonest key: {soonest:?}"
    );
    for g in groups {
        let days: Vec<i64> = g["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["days_left"].as_i64().unwrap())
            .collect();
        assert!(days.is_sorted(), "{g}");
    }
    let orgnos: Vec<&str> = groups
        .iter()
        .map(|g| g["customer_orgno"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = orgnos.iter().collect();
    assert_eq!(
        unique.len(),
        orgnos.len(),
        "one group per customer: {orgnos:?}"
    );
    assert!(
        groups
            .iter()
            .any(|g| g["customer_name"] == "BERGLUND TRANSPORT AS")
    );

    let human = run(&emu, &keys, &cli(&["keys", "expiring", "--days", "1"])).await;
    let first = human.stdout.lines().nth(1).unwrap_or_default().to_owned();
    assert!(first.contains("BERGLUND TRANSPORT AS"), "{human:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_to_another_suppliers_client_are_refused_before_sending() {
    let emu = common::emulator().await;
    let keys = emu.keys_toml();
    let id = emu.client_id_named("lonnssystem");
    let client_path = format!("/api/v1/clients/{id}");
    let key_path = format!("{client_path}/jwks/lonnssystem-1");
    let update = run(
        &emu,
        &keys,
        &cli(&["clients", "update", &id, "--description", "Endret"]),
    )
    .await
    .failed(2);
    assert!(
        update.stderr.contains(OTHER_SUPPLIER_ORGNO) && update.stderr.contains(SUPPLIER_ORGNO),
        "both numbers named: {update:?}"
    );
    let removed = run(&emu, &keys, &cli(&["keys", "remove", &id, "lonnssystem-1"]))
        .await
        .failed(2);
    assert!(removed.stderr.contains("supplier_orgno"), "{removed:?}");
    let deleted = run(&emu, &keys, &cli(&["clients", "delete", &id]))
        .await
        .failed(2);
    assert!(deleted.stderr.contains(OTHER_SUPPLIER_ORGNO), "{deleted:?}");
    assert!(
        emu.last_body("PUT", &client_path).is_none(),
        "no update sent"
    );
    assert_eq!(emu.path_stats(&key_path).requests, 0, "no key removal sent");
    let st = emu.state();
    assert!(st.clients[&id].active && st.clients[&id].description != "Endret");
    assert_eq!(st.keys(&id).len(), 1);
}

/// The engine itself refuses (the TUI goes through it too), with the request never sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_refuses_an_update_of_another_suppliers_client_without_a_request() {
    use mpadmin::changes::{Before, Change, Engine};
    let emu = common::emulator().await;
    let profile = mpadmin::config::load(Some(&emu.keys_toml()), Some("emulator-supplier")).unwrap();
    let engine = Engine::new(mpadmin::api::connect(&profile).unwrap(), None);
    let id = emu.client_id_named("lonnssystem");
    let mut client = emu.state().clients[&id].clone();
    client.description = "Endret".into();
    let path = format!("/api/v1/clients/{id}");
    let change = Change::UpdateClient {
        id: id.parse().unwrap(),
        client: Box::new(client.clone()),
    };
    let err = engine
        .apply_from(&change, Before::Client(Box::new(client)))
        .await
        .unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert!(err.to_string().contains(OTHER_SUPPLIER_ORGNO), "{err}");
    assert_eq!(
        emu.path_stats(&path).requests,
        0,
        "nothing reached the emulator"
    );
    assert_eq!(
        engine.supplier().await.unwrap().as_deref(),
        Some(SUPPLIER_ORGNO)
    );
}

#[tokio::test]
async fn on_behalf_of_writes_on_another_suppliers_client_are_forbidden() {
    let emu = common::emulator().await;
    let id = emu.client_id_named("lonnssystem");
    // An ID-porten client (on-behalf-of registrations allowed) another vendor supplied to us.
    emu.edit_state(|st| {
        let c = st.clients.get_mut(&id).unwrap();
        c.integration_type = Some(mpadmin::api::models::IntegrationType::Idporten);
        c.scopes.clear();
    })
    .unwrap();
    let api = Supplier::new(
        &emu,
        "idporten:dcr.read idporten:dcr.write idporten:dcr.supplier",
    )
    .await;
    let reg = json!({"onbehalfof": "kunde-a", "name": "Kunde A", "orgno": customer(&emu)});
    let path = format!("/clients/{id}/onbehalfof");
    let (status, body) = api.call(Method::POST, &path, Some(reg)).await;
    assert_eq!(status, 403, "{body}");
    assert!(description(&body).contains(OTHER_SUPPLIER_ORGNO), "{body}");
    assert!(emu.state().onbehalfof.get(&id).is_none_or(|r| r.is_empty()));
}
