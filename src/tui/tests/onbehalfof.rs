//! On-behalf-of registrations in the TUI (issue 13 §3): listed for the client types that have
//! them, added, edited and removed through the change engine; refused, with the reason, on a
//! Maskinporten client and when the token lacks the admin scope.

use crossterm::event::KeyCode;
use serde_json::json;

use super::*;
use crate::api::models::ClientOnBehalfOf;
use crate::changes::Change;
use crate::tui::app::Modal;
use crate::tui::effect::Mutation;
use crate::tui::panes::PaneId;

pub const IDPORTEN: &str = "5e1d0c4b-0000-4000-8000-000000000003";

pub fn registrations_of(id: &str) -> Vec<ClientOnBehalfOf> {
    if id != IDPORTEN {
        return Vec::new();
    }
    serde_json::from_value(json!([
        {"onbehalfof": "kommune-a", "name": "Eksempel kommune A", "orgno": "974760673",
         "organization_name": "REGISTERENHETEN I BRØNNØYSUND", "client_uri": "https://a.example.no/",
         "description": "Min side for A"},
        {"onbehalfof": "kommune-b", "name": "Eksempel kommune B", "orgno": "889640782",
         "client_uri": "https://b.example.no/"}
    ]))
    .unwrap()
}

/// The fixtures' clients and an ID-porten one, which the clients pane selects.
fn with_idporten(scopes: &[&str]) -> App {
    let mut app = loaded_app();
    if let Some(t) = &mut app.data.token {
        t.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
    }
    app.data.clients.push(
        serde_json::from_value(json!({
            "client_id": IDPORTEN, "client_name": "Min side (innlogging)", "description": "d",
            "integration_type": "idporten", "scopes": ["openid"],
            "redirect_uris": ["https://minside.example.no/callback"]
        }))
        .unwrap(),
    );
    app.rebuild();
    press(&mut app, "3");
    app.clients.table.select_key(IDPORTEN);
    app
}

const ALL: &[&str] = &["idporten:dcr.read", "idporten:dcr.write"];

fn the_change(effects: &[Effect]) -> Change {
    match mutations(effects).as_slice() {
        [Mutation::Apply(c)] => (**c).clone(),
        other => panic!("{other:?}"),
    }
}

fn ctrl_u(app: &mut App) {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
}

#[test]
fn a_maskinporten_client_offers_no_registrations_and_says_why() {
    let mut app = with_idporten(ALL);
    app.clients
        .table
        .select_key("6b1e2b7c-0000-4000-8000-000000000001");
    let effects = press(&mut app, "b");
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.pane, PaneId::Clients);
    let toast = app.toast.as_ref().unwrap().text.clone();
    assert!(
        toast.contains("maskinporten client") && toast.contains("idporten, api_klient and krr"),
        "{toast}"
    );
    // Its details say so too.
    app.update(code(KeyCode::Enter));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("{:?}", app.modal)
    };
    assert!(
        o.lines
            .iter()
            .any(|(k, v)| k == "on-behalf-of" && v.starts_with("none")),
        "{:?}",
        o.lines
    );
}

#[test]
fn an_idporten_clients_registrations_are_read_as_an_effect_and_listed_with_names() {
    let mut app = with_idporten(ALL);
    // Selecting the client reads its registrations (no I/O in update: an effect).
    let effects = app.update(Action::Tick(now()));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Load { load: Load::OnBehalfOf(id), .. } if id.as_str() == IDPORTEN)),
        "{effects:?}"
    );
    settle(&mut app, effects);
    app.update(code(KeyCode::Enter));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("{:?}", app.modal)
    };
    let line = &o.lines.iter().find(|(k, _)| k == "on-behalf-of").unwrap().1;
    assert!(
        line.starts_with("2: kommune-a (974760673 REGISTERENHETEN I BRØNNØYSUND), kommune-b"),
        "{line}"
    );
    app.update(code(KeyCode::Esc));
    let effects = press(&mut app, "b");
    assert_eq!(app.pane, PaneId::OnBehalfOf);
    settle(&mut app, effects);
    let rows: Vec<Vec<String>> = (0..2)
        .map(|i| {
            app.onbehalfof
                .table
                .move_by(if i == 0 { -5 } else { 1 }, 10);
            app.onbehalfof.table.selected_row().unwrap().cells.clone()
        })
        .collect();
    assert_eq!(
        rows[0],
        [
            "kommune-a",
            "Eksempel kommune A",
            "974760673",
            "REGISTERENHETEN I BRØNNØYSUND",
            "https://a.example.no/",
            "Min side for A"
        ]
    );
    assert_eq!(rows[1][3], "", "no name known for 889640782");
    // Esc goes back to the clients.
    app.update(code(KeyCode::Esc));
    assert_eq!(app.pane, PaneId::Clients);
}

fn opened(scopes: &[&str]) -> App {
    let mut app = with_idporten(scopes);
    let effects = press(&mut app, "b");
    settle(&mut app, effects);
    assert_eq!(app.pane, PaneId::OnBehalfOf);
    app
}

#[test]
fn add_edit_and_remove_go_through_the_change_engine() {
    let mut app = opened(ALL);
    // Add: the form checks the id and the organisation number before anything is sent.
    press(&mut app, "n");
    assert!(matches!(app.modal, Some(Modal::Form(..))));
    press(&mut app, "kommune c");
    app.update(code(KeyCode::Enter));
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!()
    };
    assert!(
        form.fields[0]
            .error
            .as_deref()
            .unwrap()
            .contains("letters, digits")
    );
    ctrl_u(&mut app);
    press(&mut app, "kommune-c");
    app.update(code(KeyCode::Tab));
    press(&mut app, "Eksempel kommune C");
    app.update(code(KeyCode::Tab));
    press(&mut app, "974760674");
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!()
    };
    assert!(form.fields[2].error.is_some(), "MOD11 fails");
    ctrl_u(&mut app);
    press(&mut app, "974760673");
    app.update(code(KeyCode::Tab));
    press(&mut app, "https://c.example.no/");
    let effects = app.update(code(KeyCode::Enter));
    match the_change(&effects) {
        Change::AddOnBehalfOf {
            client,
            registration,
        } => {
            assert_eq!(client.as_str(), IDPORTEN);
            assert_eq!(registration.onbehalfof, "kommune-c");
            assert_eq!(registration.name.as_deref(), Some("Eksempel kommune C"));
            assert_eq!(registration.orgno.as_deref(), Some("974760673"));
            assert_eq!(registration.uri.as_deref(), Some("https://c.example.no/"));
            assert_eq!(registration.description, None);
        }
        other => panic!("{other:?}"),
    }
    // The change re-reads the registrations shown.
    let after = app.update(Action::Mutated {
        area: crate::tui::effect::Area::Clients,
        result: Ok("added".into()),
        select: None,
    });
    assert!(
        after.iter().any(|e| matches!(
            e,
            Effect::Load {
                load: Load::OnBehalfOf(_),
                ..
            }
        )),
        "{after:?}"
    );
    settle(&mut app, after);

    // Edit: what is not changed is kept; the server's organisation name is not sent back.
    app.onbehalfof.table.select_key("kommune-a");
    press(&mut app, "e");
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!()
    };
    assert!(form.title.contains("REGISTERENHETEN"), "{}", form.title);
    press(&mut app, " (ny)");
    let effects = app.update(code(KeyCode::Enter));
    match the_change(&effects) {
        Change::UpdateOnBehalfOf {
            client,
            registration,
        } => {
            assert_eq!(client.as_str(), IDPORTEN);
            assert_eq!(registration.onbehalfof, "kommune-a");
            assert_eq!(
                registration.name.as_deref(),
                Some("Eksempel kommune A (ny)")
            );
            assert_eq!(registration.description.as_deref(), Some("Min side for A"));
            assert_eq!(registration.organization_name(), None);
        }
        other => panic!("{other:?}"),
    }
    app.modal = None;

    // Remove: a confirmation first.
    app.onbehalfof.table.select_key("kommune-b");
    assert!(press(&mut app, "d").is_empty());
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    let effects = press(&mut app, "y");
    assert_eq!(
        the_change(&effects),
        Change::RemoveOnBehalfOf {
            client: IDPORTEN.parse().unwrap(),
            onbehalfof: "kommune-b".into()
        }
    );
}

#[test]
fn without_the_admin_scope_the_keys_are_off_and_say_which_scope() {
    let mut app = opened(&["idporten:dcr.read"]);
    for k in ["n", "e", "d"] {
        let effects = press(&mut app, k);
        assert!(effects.is_empty() && app.modal.is_none(), "{k}");
        let toast = app.toast.as_ref().unwrap().text.clone();
        assert!(toast.contains("needs the admin scope idporten:"), "{toast}");
    }
    // The scope made for it is enough.
    let mut app = opened(&["idporten:dcr.read", "idporten:dcr/onbehalfof:write"]);
    press(&mut app, "n");
    assert!(matches!(app.modal, Some(Modal::Form(..))));
}

#[test]
fn read_only_refuses_the_registration_keys() {
    let mut app = app_with(session(true, Environment::Test));
    app.data.clients.push(
        serde_json::from_value(json!({
            "client_id": IDPORTEN, "client_name": "Min side", "description": "d",
            "integration_type": "idporten"
        }))
        .unwrap(),
    );
    app.rebuild();
    press(&mut app, "3");
    app.clients.table.select_key(IDPORTEN);
    let effects = press(&mut app, "b");
    settle(&mut app, effects);
    assert!(press(&mut app, "n").is_empty());
    assert!(app.modal.is_none());
}
