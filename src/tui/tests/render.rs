//! Screens on ratatui's TestBackend, as insta snapshots (80x24 and a wide terminal).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::*;
use crate::tui::view;

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    t
}

macro_rules! snap {
    ($name:expr, $app:expr, $w:expr, $h:expr) => {{
        let t = draw($app, $w, $h);
        insta::assert_snapshot!($name, t.backend());
        t
    }};
}

#[test]
fn scopes_pane() {
    let mut app = loaded_app();
    snap!("scopes_80x24", &mut app, 80, 24);
    snap!("scopes_wide", &mut app, 160, 30);
    press(&mut app, "it");
    snap!("scopes_public_80x24", &mut app, 80, 24);
}

#[test]
fn empty_and_loading() {
    let mut app = App::new(session(false, Environment::Test), Keymap::default(), now());
    snap!("loading_80x24", &mut app, 80, 24);
    let empty = |load: &Load| match load {
        Load::OwnScopes => Some(Loaded::OwnScopes(Ok(Vec::new()))),
        Load::Clients => Some(Loaded::Clients(Ok(Vec::new()))),
        _ => None,
    };
    let effects = app.update(Action::Start);
    settle_with(&mut app, effects, empty);
    snap!("empty_scopes_80x24", &mut app, 80, 24);
    let effects = press(&mut app, "3");
    settle_with(&mut app, effects, empty);
    snap!("empty_clients_80x24", &mut app, 80, 24);
    press(&mut app, "4");
    snap!("keys_without_client_80x24", &mut app, 80, 24);
}

#[test]
fn long_names_are_cut_not_wrapped() {
    let mut app = loaded_app();
    let mut s = own_scopes()[0].clone();
    s.name = format!("demo:{}", "very/long/subscope/".repeat(8));
    app.data.own_scopes.push(s);
    app.rebuild();
    snap!("long_names_80x24", &mut app, 80, 24);
}

#[test]
fn error_in_status_line() {
    let mut app = loaded_app();
    app.error("GET /scopes: HTTP 403: forbidden (this needs the admin scope idporten:scopes.write on the admin client's token) [correlation id 9f2c]");
    snap!("error_80x24", &mut app, 80, 24);
}

#[test]
fn dialogs() {
    let mut app = loaded_app();
    press(&mut app, "d");
    snap!("confirm_deactivate_80x24", &mut app, 80, 24);
    app.update(code(crossterm::event::KeyCode::Esc));
    press(&mut app, "3d");
    press(&mut app, "Pay");
    snap!("confirm_delete_client_80x24", &mut app, 80, 24);
    app.update(code(crossterm::event::KeyCode::Esc));
    press(&mut app, "1n");
    app.update(code(crossterm::event::KeyCode::Tab));
    press(&mut app, "Bad");
    snap!("new_scope_form_80x24", &mut app, 80, 24);
    snap!("new_scope_form_wide", &mut app, 160, 40);
    app.update(code(crossterm::event::KeyCode::Esc));
    press_settled(&mut app, "2g");
    app.update(Action::Paste("991825827 991825828".into()));
    snap!("grant_form_80x24", &mut app, 80, 24);
    app.update(code(crossterm::event::KeyCode::Esc));
    press(&mut app, "?");
    snap!("help_80x24", &mut app, 80, 24);
}

#[test]
fn access_clients_keys_panes() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    snap!("access_80x24", &mut app, 80, 24);
    press(&mut app, "3");
    snap!("clients_80x24", &mut app, 80, 24);
    snap!("clients_wide", &mut app, 160, 30);
    press(&mut app, "4");
    let t = snap!("keys_80x24", &mut app, 80, 24);
    // The footer names adding and deleting a key, and still ends in help and quit.
    let footer = text_of(&t).lines().nth(23).unwrap().to_owned();
    for hint in ["a add", "d delete", "? help", "q quit"] {
        assert!(footer.contains(hint), "{hint}: {footer}");
    }
    // The key expiring in 10 days is red; the other is not.
    let buf = t.backend().buffer();
    let red_row = (0..24)
        .find(|&y| {
            let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
            line.contains("payroll-old")
        })
        .unwrap();
    let days_x = (0..80u16)
        .rev()
        .find(|&x| buf[(x, red_row)].symbol() == "0" && buf[(x - 1, red_row)].symbol() == "1")
        .unwrap();
    assert_eq!(buf[(days_x, red_row)].fg, Color::Red);
}

#[test]
fn prod_header_is_unmissable() {
    let mut app = app_with(session(true, Environment::Prod));
    let t = snap!("prod_read_only_80x24", &mut app, 80, 24);
    let buf = t.backend().buffer();
    for x in [0u16, 40, 79] {
        assert_eq!(buf[(x, 0)].bg, Color::Red, "column {x}");
    }
    let test = draw(&mut loaded_app(), 80, 24);
    assert_ne!(test.backend().buffer()[(40, 0)].bg, Color::Red);
}

/// The header and the typed-name guard follow the profile's endpoints, not only its label.
#[test]
fn a_production_issuer_paints_the_header_red_without_the_label() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["key.pem", "cert.pem"] {
        std::fs::write(dir.path().join(f), "x").unwrap();
    }
    let text = "[profiles.p]\nissuer = \"https://maskinporten.no/\"\n\
                api_base = \"http://127.0.0.1:1/api/v1\"\nclient_id = \"c\"\n\
                private_key = \"key.pem\"\ncertificate = \"cert.pem\"\n";
    let file = crate::config::ProfilesFile::parse(&dir.path().join("keys.toml"), text).unwrap();
    let profile = file.profile(None).unwrap();
    let mut app = app_with(crate::tui::session_for(&profile, &file, false, None));
    assert!(app.session.is_prod());
    let t = draw(&mut app, 80, 24);
    assert_eq!(t.backend().buffer()[(40, 0)].bg, Color::Red);
}

#[test]
fn read_only_is_said_once() {
    let mut app = app_with(session(true, Environment::Prod));
    let wide = draw(&mut app, 200, 24);
    let header: String = (0..200)
        .map(|x| wide.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert_eq!(header.matches("READ-ONLY").count(), 1, "{header}");
}

#[test]
fn tiny_terminals_never_panic() {
    let mut app = loaded_app();
    let states: [&str; 8] = ["", "?", "n", "d", "3d", "2g", "4a", ":o"];
    for keys in states {
        app.modal = None;
        press(&mut app, keys);
        for (w, h) in [(1, 1), (2, 3), (10, 4), (20, 6), (40, 10), (79, 23)] {
            draw(&mut app, w, h);
        }
    }
}

#[test]
fn prod_asks_for_the_name() {
    let mut app = app_with(session(false, Environment::Prod));
    press_settled(&mut app, "2");
    app.current_table_mut().select_key("123456785");
    press(&mut app, "a");
    press(&mut app, "demo:api");
    snap!("prod_confirm_80x24", &mut app, 80, 24);
}

#[test]
fn offline_shows_in_the_header_with_the_retry_countdown() {
    let mut app = loaded_app();
    app.update(Action::Reach(false));
    let t = draw(&mut app, 80, 24);
    let header: String = (0..80)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert!(header.contains(" OFFLINE  retry in 2s"), "{header}");
    app.update(Action::Reach(true));
    let t = draw(&mut app, 80, 24);
    let header: String = (0..80)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert!(!header.contains("OFFLINE"), "{header}");
}

/// Titles and empty states name the keys the user bound, not the defaults.
#[test]
fn hints_follow_remapped_keys() {
    let keys = "[keys]\nnew_scope = [\"+\"]\ntoggle_public = [\"f2\"]\n";
    let map = Keymap::from_config(keys).unwrap();
    let mut app = App::new(session(false, Environment::Test), map, now());
    let effects = app.update(Action::Start);
    settle_with(&mut app, effects, |load| match load {
        Load::OwnScopes => Some(Loaded::OwnScopes(Ok(Vec::new()))),
        _ => None,
    });
    let shown = screen(&mut app);
    assert!(
        shown.contains("no scopes yet: press + to create one"),
        "{shown}"
    );
    assert!(shown.contains("F2: public"), "{shown}");
    assert!(!shown.contains("press n"), "{shown}");
}

fn screen(app: &mut App) -> String {
    format!("{}", draw(app, 100, 24).backend())
}

/// A pane says "none" only after a load that succeeded: beside a failed one it shows the
/// error, while one is on its way "loading…".
#[test]
fn a_failed_load_is_never_drawn_as_an_empty_list() {
    const ERR: &str = "GET /scopes: HTTP 400: bad gateway page";
    let mut app = App::new(session(false, Environment::Test), Keymap::default(), now());
    let failing = |load: &Load| match load {
        Load::OwnScopes => Some(Loaded::OwnScopes(Err(ERR.into()))),
        Load::PublicScopes => Some(Loaded::PublicScopes(Err(ERR.into()))),
        Load::Clients => Some(Loaded::Clients(Err(ERR.into()))),
        Load::Prefixes => Some(Loaded::Prefixes(Err(ERR.into()))),
        _ => None,
    };
    let effects = app.update(Action::Start);
    settle_with(&mut app, effects, failing);
    let unread = format!("could not read this (r tries again): {ERR}");
    let scopes = snap!("failed_scopes_80x24", &mut app, 80, 24);
    assert!(!format!("{}", scopes.backend()).contains("no scopes yet"));
    for (keys, empty) in [
        ("1", "no scopes yet"),
        ("t", "no public scopes"),
        ("t2", "select a scope"),
        ("3", "no clients"),
        ("4", "select a client"),
        ("o", "no client has keys"),
    ] {
        let effects = press(&mut app, keys);
        settle_with(&mut app, effects, failing);
        let text = screen(&mut app);
        assert!(!text.contains(empty), "after {keys:?}: {text}");
        assert!(text.contains(&unread[..60]), "after {keys:?}: {text}");
    }
    press(&mut app, "o1n");
    let toast = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(
        toast.contains("could not read your scope prefixes") && toast.contains(ERR),
        "not 'owns no prefix': {toast}"
    );

    // Asked again: loading, not the old error; answered empty: now it is true.
    let again = press(&mut app, "r");
    assert!(screen(&mut app).contains("loading…"));
    for e in again {
        if let Effect::Load { generation, load } = e {
            let data = match load {
                Load::OwnScopes => Loaded::OwnScopes(Ok(Vec::new())),
                other => answer(&other),
            };
            app.update(Action::Loaded { generation, data });
        }
    }
    assert!(screen(&mut app).contains("no scopes yet: press n to create one"));
}

/// The keys of one client that could not be read are not "no keys".
#[test]
fn keys_that_could_not_be_read_are_not_no_keys() {
    let mut app = App::new(session(false, Environment::Test), Keymap::default(), now());
    let mut queue = app.update(Action::Start);
    // The clients pane reads the clients (and their keys) when it opens.
    queue.extend(app.update(key('3')));
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            if let Effect::Load { generation, load } = e {
                let data = match load {
                    Load::Jwks(ids) => Loaded::Jwks(
                        ids.iter()
                            .map(|id| {
                                (
                                    id.to_string(),
                                    Err(format!("GET /clients/{id}/jwks: HTTP 502")),
                                )
                            })
                            .collect(),
                    ),
                    other => answer(&other),
                };
                next.extend(app.update(Action::Loaded { generation, data }));
            }
        }
        queue = next;
    }
    press(&mut app, "4");
    let text = screen(&mut app);
    assert!(!text.contains("no keys"), "{text}");
    assert!(
        text.contains("could not read this (r tries again): GET /clients/"),
        "{text}"
    );
}

fn text_of(t: &Terminal<TestBackend>) -> String {
    format!("{}", t.backend())
}

/// The scope form keeps the header (the environment) in sight and shows every field at once
/// at 80x24 and 100x30 (two columns when wide), and beside it at 160x48 the side panel.
#[test]
fn the_scope_form_fits_below_the_header_without_scrolling() {
    for (w, h) in [(80, 24), (100, 30), (160, 48)] {
        let mut app = loaded_app();
        press(&mut app, "e");
        let t = snap!(format!("edit_scope_form_{w}x{h}"), &mut app, w, h);
        let shown = text_of(&t);
        let first = shown.lines().next().unwrap();
        assert!(
            first.contains("TEST") && first.contains("profile demo"),
            "{shown}"
        );
        assert!(
            !shown.contains("fields 1-"),
            "no scrolling at {w}x{h}: {shown}"
        );
        for label in [
            "description",
            "EU businesses with an eSeal",
            "pseudonymous tokens",
            "token type",
        ] {
            assert!(shown.contains(label), "{label} at {w}x{h}: {shown}");
        }
        if w == 100 {
            // Two columns: the last field stands beside one of the first column's.
            let row_of = |s: &str| shown.lines().position(|l| l.contains(s)).unwrap();
            assert_eq!(
                row_of("pseudonymous tokens"),
                row_of("EU businesses"),
                "{shown}"
            );
        }
    }
}

/// A long refusal (a private key offered for upload) wraps inside the form instead of being
/// cut at its edge.
#[test]
fn a_long_refusal_wraps_inside_the_dialog() {
    let mut app = loaded_app();
    press(&mut app, "e");
    let path = "/home/me/keys/payroll.pem";
    let message = format!(
        "{path}: {}. Make the public key with `openssl pkey -in {path} -pubout -out /home/me/keys/payroll.pub.pem` and add that file instead",
        crate::keys::PRIVATE_KEY_REFUSAL
    );
    if let Some(crate::tui::app::Modal::Form(form, _)) = &mut app.modal {
        form.error = Some(message.clone());
    }
    let shown = text_of(&draw(&mut app, 80, 24));
    assert!(shown.contains("add that file instead"), "{shown}");
}

/// Wide screens show the selected row's details beside the table; for a scope, its grants
/// with names, read through the access pane's load.
#[test]
fn a_wide_screen_shows_the_selected_scope_and_its_grants_beside_the_table() {
    let mut app = loaded_app();
    let effects = app.update(Action::Resize(160, 48));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Load { load: Load::Grants(n), .. } if n.as_str() == "demo:api/read")),
        "{effects:?}"
    );
    settle(&mut app, effects);
    let t = snap!("scopes_side_panel_160x48", &mut app, 160, 48);
    let shown = text_of(&t);
    assert!(shown.contains("Access grants (3)"), "{shown}");
    assert!(shown.contains("REGISTERENHETEN I BRØNNØYSUND"), "{shown}");
    // Not at 100 columns.
    let narrow = text_of(&draw(&mut app, 100, 30));
    assert!(!narrow.contains("Access grants ("), "{narrow}");
}

/// Clients of every kind the API returns, beside the fixtures' two Maskinporten ones.
fn with_other_kinds(app: &mut App) {
    for (id, name, kind) in [
        (
            "5e1d0c4b-0000-4000-8000-000000000003",
            "Min side (innlogging)",
            "idporten",
        ),
        (
            "5e1d0c4b-0000-4000-8000-000000000004",
            "Kontaktregister",
            "krr",
        ),
        (
            "5e1d0c4b-0000-4000-8000-000000000005",
            "Gammel SAML",
            "idporten_saml2",
        ),
    ] {
        app.data.clients.push(
            serde_json::from_value(serde_json::json!({
                "client_id": id, "client_name": name, "description": "d",
                "integration_type": kind, "scopes": ["openid", "profile"]
            }))
            .unwrap(),
        );
    }
    app.rebuild();
}

/// Issue 12 §5: at 80 columns the client id gives way whole, so the scopes keep room and every
/// integration type shows whole; from 100 columns every column is there.
#[test]
fn clients_columns_are_dropped_whole_by_priority() {
    for (w, h) in [(80, 24), (100, 30), (160, 48)] {
        let mut app = loaded_app();
        with_other_kinds(&mut app);
        press(&mut app, "3");
        let t = snap!(format!("clients_columns_{w}x{h}"), &mut app, w, h);
        let table: String = text_of(&t)
            .lines()
            .skip(2)
            .take(8)
            .map(|l| {
                l.chars()
                    .take(if w >= 140 { 96 } else { w.into() })
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        for kind in ["maskinporten", "idporten", "krr", "idporten_saml2"] {
            assert!(table.contains(&format!(" {kind} ")), "{w}: {kind}\n{table}");
        }
        assert!(table.contains("scopes"), "{w}\n{table}");
        assert!(table.contains("demo:api/read"), "{w}\n{table}");
        let ids = table.contains("6b1e2b7c-0000-4000-8000-000000000001");
        assert_eq!(ids, w >= 100, "{w}: client ids\n{table}");
        assert!(!table.contains("maskinpo "), "{w}\n{table}");
    }
}

/// Issue 12 §5: a scope's integration types show whole where they fit, else in their short
/// form (`mp`), never cut (`maskinpo`).
#[test]
fn integration_types_show_whole_or_in_their_short_form() {
    let mut app = loaded_app();
    let narrow = text_of(&draw(&mut app, 80, 24));
    assert!(narrow.contains(" mp "), "{narrow}");
    assert!(!narrow.contains("maskinpo "), "{narrow}");
    let wide = text_of(&draw(&mut app, 160, 30));
    assert!(wide.contains(" maskinporten "), "{wide}");
}
