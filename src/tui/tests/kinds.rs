//! Clients of every integration type in the TUI (issue 13 §4): the new-client form creates
//! login clients with their fields, checked as the server checks them before anything is sent.

use crossterm::event::KeyCode;

use super::*;
use crate::tui::app::Modal;
use crate::tui::effect::Mutation;

/// The new-client form, filled in up to its integration type (`steps` presses of Space on it).
fn new_client(steps: usize) -> App {
    let mut app = loaded_app();
    press(&mut app, "3n");
    press(&mut app, "Min side");
    app.update(code(KeyCode::Tab));
    press(&mut app, "Innlogging");
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Tab));
    for _ in 0..steps {
        press(&mut app, " ");
    }
    app
}

fn tab_and_type(app: &mut App, tabs: usize, text: &str) {
    for _ in 0..tabs {
        app.update(code(KeyCode::Tab));
    }
    press(app, text);
}

fn form_error(app: &App) -> String {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.error.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    }
}

fn created(effects: &[Effect]) -> serde_json::Value {
    match mutations(effects).as_slice() {
        [Mutation::CreateClient(c)] => serde_json::to_value(&**c).unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_idporten_client_is_created_with_its_redirect_uris_and_auth_method() {
    let mut app = new_client(1);
    // application type web, auth method client_secret_basic (the first two choices).
    tab_and_type(
        &mut app,
        3,
        "https://minside.example.no/cb https://minside.example.no/cb2",
    );
    tab_and_type(&mut app, 1, "https://minside.example.no/");
    tab_and_type(&mut app, 1, " ");
    let body = created(&app.update(code(KeyCode::Enter)));
    assert_eq!(body["integration_type"], "idporten");
    assert_eq!(body["application_type"], "web");
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(
        body["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        body["redirect_uris"],
        serde_json::json!([
            "https://minside.example.no/cb",
            "https://minside.example.no/cb2"
        ])
    );
    assert_eq!(
        body["post_logout_redirect_uris"],
        serde_json::json!(["https://minside.example.no/"])
    );
}

#[test]
fn the_form_refuses_what_the_server_would_naming_the_field() {
    // idporten without a redirect URI.
    let mut app = new_client(1);
    assert!(mutations(&app.update(code(KeyCode::Enter))).is_empty());
    assert!(
        form_error(&app).starts_with("redirect_uris:"),
        "{}",
        form_error(&app)
    );
    // A browser app with a secret.
    let mut app = new_client(1);
    tab_and_type(&mut app, 1, " ");
    tab_and_type(&mut app, 2, "https://spa.example.no/cb");
    assert!(mutations(&app.update(code(KeyCode::Enter))).is_empty());
    assert!(
        form_error(&app).contains("a browser application cannot use client_secret_basic"),
        "{}",
        form_error(&app)
    );
    // A Maskinporten client with a redirect URI typed in: said, not dropped.
    let mut app = new_client(0);
    tab_and_type(&mut app, 3, "https://a.example/cb");
    assert!(mutations(&app.update(code(KeyCode::Enter))).is_empty());
    assert!(form_error(&app).starts_with("redirect_uris: only login clients"));
    // Untouched, the form still makes a Maskinporten client.
    let body = created(&new_client(0).update(code(KeyCode::Enter)));
    assert_eq!(body["integration_type"], "maskinporten");
    assert_eq!(body["token_endpoint_auth_method"], "private_key_jwt");
    assert!(body.get("redirect_uris").is_none(), "{body}");
}

#[test]
fn new_client_form_at_80x24_and_160x48() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = new_client(1);
        app.update(Action::Resize(w, h));
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| crate::tui::view::render(&app, f)).unwrap();
        insta::assert_snapshot!(format!("new_client_form_{w}x{h}"), t.backend());
    }
}

/// Issue 13 §4: editing a client of another type changes what the form shows and sends back
/// every member it does not (redirect URIs, auth method, grants).
#[test]
fn editing_an_idporten_client_keeps_its_other_fields() {
    let mut app = loaded_app();
    let idp: crate::api::models::Client = serde_json::from_value(serde_json::json!({
        "client_id": "5e1d0c4b-0000-4000-8000-000000000003", "client_name": "Min side",
        "description": "d", "integration_type": "idporten", "application_type": "web",
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"], "scopes": [],
        "redirect_uris": ["https://minside.example.no/cb"], "sso_disabled": true
    }))
    .unwrap();
    app.data.clients.push(idp.clone());
    app.rebuild();
    press(&mut app, "3");
    app.clients.table.select_key(&idp.client_id);
    press(&mut app, "e");
    press(&mut app, " 2");
    let effects = app.update(code(KeyCode::Enter));
    let sent = match mutations(&effects).as_slice() {
        [Mutation::UpdateClient(_, c)] => serde_json::to_value(&**c).unwrap(),
        other => panic!("{other:?}"),
    };
    let mut expected = serde_json::to_value(&idp).unwrap();
    expected["client_name"] = "Min side 2".into();
    assert_eq!(sent, expected);
}
