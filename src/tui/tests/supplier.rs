//! Supplier mode in the TUI: clients grouped by customer, `n` asks for the customer first,
//! the expiry overview grouped by customer, another supplier's client refused before sending.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::*;
use crate::tui::app::Modal;
use crate::tui::effect::Mutation;
use crate::tui::view;

const OURS: &str = "921456786";
const OTHER_SUPPLIER: &str = "921456794";
const CUSTOMER_A: &str = "810079193";
const CUSTOMER_B: &str = "810158387";

fn client(id: u8, name: &str, orgno: &str, supplier: Option<&str>) -> Client {
    serde_json::from_value(json!({
        "client_id": format!("6b1e2b7c-0000-4000-8000-00000000010{id}"),
        "client_name": name, "description": "d", "integration_type": "maskinporten",
        "scopes": [], "client_orgno": orgno, "supplier_orgno": supplier,
    }))
    .unwrap()
}

fn key_expiring(kid: &str, days: i64) -> Jwks {
    serde_json::from_value(json!({"keys":[
        {"kty":"RSA","kid":kid,"alg":"RS256","use":"sig","n":"wAAA","e":"AQAB","exp":epoch(days)}
    ]}))
    .unwrap()
}

/// A supplier's session: customers B and A (two clients), and our own client another
/// supplier made.
fn supplier_app() -> App {
    let mut app = loaded_app();
    if let Some(t) = app.data.token.as_mut() {
        t.scopes = vec![
            "idporten:dcr.read".into(),
            "idporten:dcr.write".into(),
            "idporten:dcr.supplier".into(),
        ];
        t.org = Some(OURS.into());
    }
    app.data.clients = vec![
        client(1, "bilag", CUSTOMER_B, Some(OURS)),
        client(2, "lonn", CUSTOMER_A, Some(OURS)),
        client(3, "arkiv", CUSTOMER_A, Some(OURS)),
        client(4, "lonnssystem", OURS, Some(OTHER_SUPPLIER)),
    ];
    app.data.jwks.clear();
    for (i, kid, days) in [(1, "b", 5), (2, "l", 90), (3, "a", 40), (4, "x", 20)] {
        app.data.jwks.insert(
            format!("6b1e2b7c-0000-4000-8000-00000000010{i}"),
            key_expiring(kid, days),
        );
    }
    app.rebuild();
    press(&mut app, "3");
    app
}

/// The first cell of every row shown, top to bottom, headings included.
fn first_cells(app: &mut App) -> Vec<String> {
    app.current_table()
        .shown_rows()
        .map(|r| r.cells[0].clone())
        .collect()
}

/// The first cell of the selected row (empty when none is).
fn selected_cell(app: &App) -> String {
    app.current_table()
        .selected_row()
        .map(|r| r.cells[0].clone())
        .unwrap_or_default()
}

fn select(app: &mut App, name: &str) {
    let table = app.current_table_mut();
    table.top();
    for _ in 0..table.shown() {
        if table.selected_row().is_some_and(|r| r.cells[0] == name) {
            return;
        }
        table.move_by(1, 100);
    }
    panic!("no client {name}");
}

/// `m` as a confirmed dialog would send it, through the app's one gate.
fn confirmed(app: &mut App, m: Mutation) -> Vec<Effect> {
    let c = crate::tui::widgets::confirm::Confirm::new("t", vec![], m);
    app.modal = Some(Modal::Confirm(Box::new(c)));
    press(app, "y")
}

fn toast(app: &App) -> String {
    app.toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

#[test]
fn the_clients_pane_groups_clients_under_a_row_per_customer() {
    let mut app = supplier_app();
    assert_eq!(
        first_cells(&mut app),
        [
            format!("▾ {CUSTOMER_A} · 2"),
            "arkiv".into(),
            "lonn".into(),
            format!("▾ {CUSTOMER_B} · 1"),
            "bilag".into(),
            format!("▾ {OURS} (our own organisation) · 1"),
            "lonnssystem".into(),
        ]
    );
    // Outside supplier mode the list is as before: no header rows.
    let mut plain = loaded_app();
    press(&mut plain, "3");
    assert_eq!(first_cells(&mut plain), ["Payroll", "Empty"]);
}

#[test]
fn another_suppliers_client_is_refused_in_the_ui_before_anything_is_sent() {
    let mut app = supplier_app();
    select(&mut app, "lonnssystem");
    let effects = press(&mut app, "e");
    assert!(effects.is_empty());
    assert!(
        app.modal.is_none(),
        "no form for a client we may not change"
    );
    let msg = toast(&app);
    assert!(msg.contains(OTHER_SUPPLIER) && msg.contains(OURS), "{msg}");
    let effects = press(&mut app, "d");
    assert!(effects.is_empty() && app.modal.is_none());
    // Whatever asks (a key removal from the keys pane, an undo), the gate refuses it.
    let id = "6b1e2b7c-0000-4000-8000-000000000104".parse().unwrap();
    let out = confirmed(&mut app, Mutation::DeleteKey(id, "x".parse().unwrap()));
    assert!(mutations(&out).is_empty(), "{out:?}");
    assert!(toast(&app).contains("supplier_orgno"), "{}", toast(&app));
    // Our own supply may be changed.
    select(&mut app, "bilag");
    press(&mut app, "e");
    assert!(matches!(app.modal, Some(Modal::Form(..))));
}

#[test]
fn n_asks_for_the_customer_first_and_checks_mod11() {
    let mut app = supplier_app();
    press(&mut app, "n");
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!("a form");
    };
    assert_eq!(form.fields[0].name, "customer");
    press(&mut app, "810079194");
    let effects = app.update(code(KeyCode::Enter));
    assert!(mutations(&effects).is_empty(), "a MOD11 typo is not sent");
    app.modal = None;

    press(&mut app, "n");
    press(&mut app, CUSTOMER_A);
    app.update(code(KeyCode::Tab));
    press(&mut app, "ny");
    app.update(code(KeyCode::Tab));
    press(&mut app, "for kunden");
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::CreateClient(c)] => {
            assert_eq!(c.client_orgno.as_deref(), Some(CUSTOMER_A));
            assert_eq!(c.client_name, "ny");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_expiry_overview_groups_keys_by_customer_soonest_first() {
    let mut app = supplier_app();
    press(&mut app, "o");
    let cells = first_cells(&mut app);
    assert_eq!(
        cells,
        [
            format!("▾ {CUSTOMER_B} · 1"),
            "bilag".into(),
            format!("▾ {OURS} (our own organisation) · 1"),
            "lonnssystem".into(),
            format!("▾ {CUSTOMER_A} · 2"),
            "arkiv".into(),
            "lonn".into(),
        ]
    );
}

#[test]
fn supplier_clients_pane_80x24() {
    let mut app = supplier_app();
    app.update(Action::Resize(80, 24));
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view::render(&app, f)).unwrap();
    insta::assert_snapshot!("supplier_clients_80x24", t.backend());
}

/// The clients listing in supplier mode asks for the customers' names, and each customer's
/// heading row carries its name once it is known.
#[test]
fn customers_are_looked_up_and_named_in_their_heading_rows() {
    use crate::names::Name;
    let mut app = supplier_app();
    let Effect::Load { generation, .. } = app.load(Load::Clients) else {
        panic!("a load");
    };
    let data = Loaded::Clients(Ok(app.data.clients.clone()));
    let effects = app.update(Action::Loaded { generation, data });
    let asked = effects
        .iter()
        .find_map(|e| match e {
            Effect::LookupNames(asked) => Some(asked.clone()),
            _ => None,
        })
        .expect("a name lookup");
    let asked_for: Vec<&str> = asked.iter().map(|o| o.as_str()).collect();
    assert!(
        asked_for.contains(&CUSTOMER_A) && asked_for.contains(&CUSTOMER_B),
        "{asked_for:?}"
    );
    let found = [(CUSTOMER_A.to_owned(), Name::Known("KUNDE A AS".into()))]
        .into_iter()
        .collect();
    app.update(Action::Names { asked, found });
    let cells = first_cells(&mut app);
    assert!(
        cells.contains(&format!("▾ {CUSTOMER_A} KUNDE A AS · 2")),
        "{cells:?}"
    );
    assert!(cells.contains(&format!("▾ {CUSTOMER_B} · 1")), "{cells:?}");
}

/// The customer's number in the new-client form is named as it is typed, as in the grant dialog.
#[test]
fn the_customer_typed_into_the_new_client_form_is_named() {
    let mut app = supplier_app();
    press(&mut app, "n");
    let effects = press(&mut app, "974760673");
    let asked = effects
        .iter()
        .find_map(|e| match e {
            Effect::LookupNames(asked) => Some(asked.clone()),
            _ => None,
        })
        .expect("a name lookup for the customer");
    app.update(names_answer(&asked));
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!("the new-client form");
    };
    assert_eq!(
        form.notes,
        [("974760673  REGISTERENHETEN I BRØNNØYSUND".to_owned(), false)]
    );
}

/// Heading rows are not clients: the selection never rests on one, however it moves, so `e`,
/// `d`, `K`, `b` and Enter always act on a client.
#[test]
fn the_selection_never_rests_on_a_customer_heading() {
    let mut app = supplier_app();
    assert_eq!(
        selected_cell(&app),
        "arkiv",
        "the first client, not its heading"
    );
    let mut walked = vec![selected_cell(&app)];
    for _ in 0..6 {
        press(&mut app, "j");
        walked.push(selected_cell(&app));
    }
    assert_eq!(
        walked,
        [
            "arkiv",
            "lonn",
            "bilag",
            "lonnssystem",
            "lonnssystem",
            "lonnssystem",
            "lonnssystem"
        ]
    );
    for _ in 0..6 {
        app.update(code(KeyCode::Up));
        assert!(!selected_cell(&app).is_empty(), "up stopped on a heading");
    }
    assert_eq!(selected_cell(&app), "arkiv");
    app.update(code(KeyCode::End));
    assert_eq!(selected_cell(&app), "lonnssystem");
    app.update(code(KeyCode::PageUp));
    assert_eq!(selected_cell(&app), "arkiv");
    app.update(code(KeyCode::PageDown));
    assert_eq!(selected_cell(&app), "lonnssystem");
    app.update(code(KeyCode::Home));
    assert_eq!(selected_cell(&app), "arkiv");
    // A click on heading B's line (the fourth body line) leaves the selection where it is.
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 4 + 3,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected_cell(&app), "arkiv");
    // Enter opens the client under the top heading.
    app.update(code(KeyCode::Enter));
    assert!(
        matches!(&app.modal, Some(Modal::Detail(o)) if o.title.starts_with("arkiv")),
        "{:?}",
        app.modal.is_some()
    );
}

/// Sorting by a column sorts each customer's clients among themselves; every heading stays on
/// top of its own group.
#[test]
fn sorting_keeps_each_customers_clients_under_its_heading() {
    let mut app = supplier_app();
    // lonn's key now runs out before arkiv's (8 days against 40: as text "8d" would come
    // after "40d").
    app.data.jwks.insert(
        "6b1e2b7c-0000-4000-8000-000000000102".into(),
        key_expiring("l", 8),
    );
    app.rebuild();
    select(&mut app, "lonn");
    press(&mut app, "ssssss"); // name, client_id, type, scopes, keys, expiry
    assert_eq!(app.current_table().sort_column(), Some(5));
    assert_eq!(
        first_cells(&mut app),
        [
            format!("▾ {CUSTOMER_A} · 2"),
            "lonn".into(),
            "arkiv".into(),
            format!("▾ {CUSTOMER_B} · 1"),
            "bilag".into(),
            format!("▾ {OURS} (our own organisation) · 1"),
            "lonnssystem".into(),
        ]
    );
    assert_eq!(
        selected_cell(&app),
        "lonn",
        "the selection stays on its client"
    );
}

/// A filter keeps the heading above its customer's matching clients, hides a heading whose
/// clients are all filtered out, and the customer's number or name matches all its clients.
#[test]
fn a_filter_keeps_customer_headings_and_matches_customers_by_number_and_name() {
    let mut app = supplier_app();
    app.data.names.insert(
        CUSTOMER_B.to_owned(),
        crate::names::Name::Known("KUNDE B AS".into()),
    );
    app.rebuild();
    press(&mut app, "/bilag");
    assert_eq!(
        first_cells(&mut app),
        [format!("▾ {CUSTOMER_B} KUNDE B AS · 1"), "bilag".into()]
    );
    assert_eq!(selected_cell(&app), "bilag");
    app.update(code(KeyCode::Esc));
    press(&mut app, &format!("/{CUSTOMER_A}"));
    assert_eq!(
        first_cells(&mut app),
        [format!("▾ {CUSTOMER_A} · 2"), "arkiv".into(), "lonn".into()]
    );
    app.update(code(KeyCode::Esc));
    press(&mut app, "/kunde b");
    assert_eq!(
        first_cells(&mut app),
        [format!("▾ {CUSTOMER_B} KUNDE B AS · 1"), "bilag".into()]
    );
    app.update(code(KeyCode::Esc));
    press(&mut app, "/lonn");
    assert_eq!(
        first_cells(&mut app),
        [
            format!("▾ {CUSTOMER_A} · 2"),
            "lonn".into(),
            format!("▾ {OURS} (our own organisation) · 1"),
            "lonnssystem".into(),
        ]
    );
}
