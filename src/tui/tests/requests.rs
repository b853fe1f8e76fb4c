//! Organisation names and access requests: the grant dialog's live names, approve and deny of
//! one request and of marked ones, the `/` filter on names, and the screens that show them.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::api::types::{OrgNumber, ScopeName};
use crate::changes::Change;
use crate::tui::app::Modal;
use crate::tui::effect::Mutation;
use crate::tui::view;

const API: &str = "demo:api/read";

fn org(s: &str) -> OrgNumber {
    s.parse().unwrap()
}

fn scope(s: &str) -> ScopeName {
    s.parse().unwrap()
}

/// The lookups among `effects`.
fn lookups(effects: &[Effect]) -> Vec<Vec<OrgNumber>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LookupNames(asked) => Some(asked.clone()),
            _ => None,
        })
        .collect()
}

fn notes(app: &App) -> Vec<(String, bool)> {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.notes.clone(),
        other => panic!("no form: {other:?}"),
    }
}

fn confirm_lines(app: &App) -> Vec<String> {
    match &app.modal {
        Some(Modal::Confirm(c)) => c.lines.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

fn backspaces(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update(code(KeyCode::Backspace));
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The loaded app with two requests on demo:api/read (one older) and one on demo:private,
/// as the grant-count load and the scope's grants would bring them.
fn with_requests() -> App {
    let mut app = loaded_app();
    let rest = press_settled(&mut app, "2");
    assert!(rest.is_empty(), "{rest:?}");
    let mut old = access(API, "910000004", "REQUESTED");
    old.created = Some("2025-12-01T09:00:00.000+01:00".into());
    let new = access(API, "974761076", "REQUESTED");
    let private = access("demo:private", "987654309", "REQUESTED");
    app.data
        .requests
        .insert(API.into(), vec![old.clone(), new.clone()]);
    app.data
        .requests
        .insert("demo:private".into(), vec![private.clone()]);
    let mut grants = grants_of(API);
    grants.extend([old, new]);
    app.data.grants = Some((API.into(), grants));
    app.rebuild();
    // As after a load: the new numbers' names are looked up.
    let rest = settle(
        &mut app,
        vec![Effect::LookupNames(vec![
            org("910000004"),
            org("974761076"),
            org("987654309"),
        ])],
    );
    assert!(rest.is_empty(), "{rest:?}");
    app
}

/// Type `line` on the command line and press Enter; returns the effects, loads answered.
fn command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut effects = press_settled(app, &format!(":{line}"));
    let entered = app.update(code(KeyCode::Enter));
    effects.extend(settle(app, entered));
    effects
}

#[test]
fn the_grant_dialog_names_each_valid_number_and_a_late_answer_names_no_other() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    press(&mut app, "g");
    // Eight digits: not a number yet, nothing asked.
    assert!(lookups(&press(&mut app, "97476107")).is_empty());
    let first = lookups(&press(&mut app, "6"));
    assert_eq!(first, vec![vec![org("974761076")]]);
    assert_eq!(notes(&app), vec![("974761076  …".to_owned(), false)]);
    // Corrected before the answer came: the new number is asked for.
    backspaces(&mut app, 9);
    let second = lookups(&press(&mut app, "910000004"));
    assert_eq!(second, vec![vec![org("910000004")]]);
    app.update(names_answer(&second[0]));
    assert_eq!(
        notes(&app),
        vec![("910000004  TESTBEDRIFT AS".to_owned(), false)]
    );
    // The first lookup's answer arrives late: it names its own number, not the one typed.
    app.update(names_answer(&first[0]));
    assert_eq!(
        notes(&app),
        vec![("910000004  TESTBEDRIFT AS".to_owned(), false)]
    );
    // A number already known is not asked again; several numbers, one line each.
    let again = lookups(&press(&mut app, " 974761076"));
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(
        notes(&app),
        vec![
            ("910000004  TESTBEDRIFT AS".to_owned(), false),
            ("974761076  SKATTEETATEN".to_owned(), false),
        ]
    );
}

#[test]
fn saving_a_grant_to_an_unknown_organisation_asks_once_more() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    press(&mut app, "g");
    let asked = lookups(&press(&mut app, "910000012"));
    app.update(names_answer(&asked[0]));
    assert_eq!(
        notes(&app),
        vec![("910000012  unknown organisation".to_owned(), true)]
    );
    let effects = app.update(code(KeyCode::Enter));
    assert!(mutations(&effects).is_empty(), "{effects:?}");
    let lines = confirm_lines(&app);
    assert!(lines[0].contains("910000012"), "{lines:?}");
    // No: back to the form as typed.
    press(&mut app, "n");
    assert_eq!(notes(&app).len(), 1);
    app.update(code(KeyCode::Enter));
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Grant(scope(API), vec![org("910000012")])]
    );
}

#[test]
fn a_known_organisation_is_granted_without_a_second_question() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    press(&mut app, "g");
    let asked = lookups(&press(&mut app, "974761076"));
    app.update(names_answer(&asked[0]));
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Grant(scope(API), vec![org("974761076")])]
    );
}

#[test]
fn names_off_looks_nothing_up_and_uses_the_servers_names() {
    let mut app = App::new(
        session(false, crate::config::Environment::Test),
        Keymap::default(),
        now(),
    );
    app.names_on = false;
    let start = app.update(Action::Start);
    let mut queue = start;
    let mut seen = Vec::new();
    // Answer the loads by hand: `settle` would answer lookups too.
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            match e {
                Effect::Load { generation, load } => next.extend(app.update(Action::Loaded {
                    generation,
                    data: answer(&load),
                })),
                other => seen.push(other),
            }
        }
        queue = next;
    }
    let opened = press(&mut app, "2");
    settle(&mut app, opened.clone());
    assert!(lookups(&seen).is_empty() && lookups(&opened).is_empty());
    assert_eq!(
        app.data.name_of("974760673"),
        Some("REGISTERENHETEN I BRØNNØYSUND")
    );
    assert_eq!(app.data.name_of("889640782"), None);
    press(&mut app, "g");
    assert!(lookups(&press(&mut app, "974761076")).is_empty());
    assert!(notes(&app).is_empty());
}

#[test]
fn a_failed_lookup_leaves_the_number_alone_without_a_dialog() {
    let mut app = with_requests();
    command(&mut app, "requests");
    let row = app
        .current_table()
        .selected_row()
        .map(|r| r.cells.clone())
        .unwrap();
    // 987654309's lookup got no answer (see `register`): no name, no dialog, no error.
    assert!(app.data.name_of("987654309").is_none());
    assert!(app.modal.is_none());
    let t = text(&screen(&mut app, 80, 24));
    let line = t.lines().find(|l| l.contains("987654309")).unwrap();
    assert!(line.contains("demo:private"), "{line}\n{row:?}");
    assert!(!t.contains("unknown organisation"), "{t}");
}

#[test]
fn the_filter_matches_organisation_names() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    // 889640782's name was looked up (not sent by the server).
    press(&mut app, "/velferd");
    assert_eq!(app.current_table().shown(), 1);
    assert_eq!(
        app.current_table().selected_row().map(|r| r.key.as_str()),
        Some("889640782")
    );
}

#[test]
fn the_revoke_confirmation_names_the_organisation() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    app.current_table_mut().select_key("889640782");
    press(&mut app, "x");
    let lines = confirm_lines(&app);
    assert!(
        lines[0].contains("889640782 (ARBEIDS- OG VELFERDSETATEN)"),
        "{lines:?}"
    );
}

#[test]
fn a_approves_and_x_denies_the_selected_request() {
    let mut app = with_requests();
    app.current_table_mut().select_key("910000004");
    press(&mut app, "a");
    let lines = confirm_lines(&app);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("910000004 (TESTBEDRIFT AS)")),
        "{lines:?}"
    );
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Changes(vec![Change::Approve {
            scope: scope(API),
            consumer: org("910000004"),
        }])]
    );
    app.current_table_mut().select_key("974761076");
    press(&mut app, "x");
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Changes(vec![Change::Deny {
            scope: scope(API),
            consumer: org("974761076"),
        }])]
    );
    // An approved row is still revoked with x, not denied.
    app.current_table_mut().select_key("889640782");
    press(&mut app, "x");
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Revoke(scope(API), org("889640782"))]
    );
}

#[test]
fn space_marks_requests_and_approve_or_deny_takes_every_marked_one() {
    let mut app = with_requests();
    // Only requests are marked.
    app.current_table_mut().select_key("889640782");
    press(&mut app, " ");
    assert!(app.access.marked.is_empty());
    app.current_table_mut().select_key("910000004");
    press(&mut app, " "); // marks it and moves to the next row, the other request
    press(&mut app, " ");
    assert_eq!(app.access.marked.len(), 2);
    // The selection is on neither: the marks decide.
    app.current_table_mut().select_key("974760673");
    press(&mut app, "a");
    assert!(confirm_lines(&app)[0].contains("these 2 requests"));
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Changes(vec![
            Change::Approve {
                scope: scope(API),
                consumer: org("910000004"),
            },
            Change::Approve {
                scope: scope(API),
                consumer: org("974761076"),
            },
        ])]
    );
    // The org view of another organisation holds none of the marks: its title says none.
    command(&mut app, "org 889640782");
    let t = text(&screen(&mut app, 80, 24));
    assert!(!t.contains("marked"), "{t}");
}

#[test]
fn the_requests_view_lists_every_scopes_requests_oldest_first_and_denies_the_marked() {
    let mut app = with_requests();
    let rest = command(&mut app, "requests");
    assert!(rest.is_empty(), "{rest:?}");
    assert!(app.access.requests_view);
    let keys: Vec<String> = (0..3)
        .map(|i| {
            app.current_table_mut().top();
            app.current_table_mut().move_by(i, 20);
            app.current_table().selected_row().unwrap().key.clone()
        })
        .collect();
    assert_eq!(
        keys,
        [
            "demo:api/read 910000004",
            "demo:api/read 974761076",
            "demo:private 987654309"
        ]
    );
    app.current_table_mut().top();
    press(&mut app, "j ");
    press(&mut app, " ");
    let effects = press(&mut app, "xy");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Changes(vec![
            Change::Deny {
                scope: scope(API),
                consumer: org("974761076"),
            },
            Change::Deny {
                scope: scope("demo:private"),
                consumer: org("987654309"),
            },
        ])]
    );
    // Requests of two scopes: every count is read again afterwards.
    assert_eq!(
        mutations(&effects)[0].area(),
        crate::tui::effect::Area::Access
    );
    app.update(code(KeyCode::Esc));
    assert!(!app.access.requests_view);
}

#[test]
fn approve_and_deny_need_scopes_write() {
    let mut app = with_requests();
    if let Some(t) = app.data.token.as_mut() {
        t.scopes = vec!["idporten:dcr.read".into(), "idporten:dcr.write".into()];
    }
    app.current_table_mut().select_key("910000004");
    for k in ["a", "x", " a"] {
        let effects = press(&mut app, k);
        assert!(mutations(&effects).is_empty());
        assert!(app.modal.is_none(), "{k}");
        let msg = app
            .toast
            .as_ref()
            .map(|t| t.text.clone())
            .unwrap_or_default();
        assert!(msg.contains("idporten:scopes.write"), "{k}: {msg}");
    }
}

#[test]
fn requests_and_names_on_screen_at_80x24() {
    let mut app = with_requests();
    press(&mut app, "1");
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("requests_scopes_80x24", t.backend());
    let s = text(&t);
    assert!(s.lines().next().unwrap().contains("3 requests"), "{s}");
    let api = s.lines().find(|l| l.contains("demo:api/read")).unwrap();
    assert!(api.contains(" 2 ") && api.contains(" 2 "), "{api}");
    press(&mut app, "2");
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("requests_access_80x24", t.backend());
    let s = text(&t);
    assert!(s.contains("ARBEIDS- OG VELFERDSET"), "{s}");
    command(&mut app, "requests");
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("requests_view_80x24", t.backend());
    assert!(text(&t).contains("TESTBEDRIFT AS"));
    app.update(code(KeyCode::Esc));
    command(&mut app, "org 889640782");
    let s = text(&screen(&mut app, 80, 24));
    assert!(
        s.contains("Everything 889640782 (ARBEIDS- OG VELFERDSETATEN) has from us"),
        "{s}"
    );
}

#[test]
fn the_grant_dialog_shows_names_at_80x24() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    press(&mut app, "g");
    for n in ["974761076 ", "910000012"] {
        let asked = lookups(&press(&mut app, n));
        if let Some(a) = asked.first() {
            app.update(names_answer(a));
        }
    }
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("grant_dialog_names_80x24", t.backend());
    let s = text(&t);
    assert!(s.contains("974761076  SKATTEETATEN"), "{s}");
    assert!(s.contains("910000012  unknown organisation"), "{s}");
    // The unknown one in warning colour.
    let buf = t.backend().buffer();
    let (x, y) = (0..buf.area.height)
        .find_map(|y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            line.find("unknown organisation")
                .map(|i| (line[..i].chars().count() as u16, y))
        })
        .unwrap();
    assert_eq!(buf[(x, y)].fg, app.theme.warn.fg.unwrap());
}

/// `--no-names` and the profile's `names = false` reach the UI: its host then looks nothing up.
#[test]
fn no_names_and_the_profile_setting_turn_the_uis_lookups_off() {
    use crate::tui::Host;
    let dir = tempfile::tempdir().unwrap();
    for f in ["key.pem", "cert.pem"] {
        std::fs::write(dir.path().join(f), "x").unwrap();
    }
    let profile = |names: &str| {
        let text = format!(
            "[profiles.p]\nissuer = \"https://test.maskinporten.no/\"\n\
             api_base = \"http://127.0.0.1:1/api/v1\"\nclient_id = \"c\"\n\
             private_key = \"key.pem\"\ncertificate = \"cert.pem\"\n{names}"
        );
        let file =
            crate::config::ProfilesFile::parse(&dir.path().join("keys.toml"), &text).unwrap();
        file.profile(None).unwrap()
    };
    let host = |no_names: bool| crate::tui::RealHost {
        keys: None,
        read_only: false,
        journal: None,
        no_names,
    };
    let on = profile("");
    assert!(host(false).names(Some(&on)).on);
    assert!(!host(true).names(Some(&on)).on);
    assert!(!host(false).names(Some(&profile("names = false\n"))).on);
    assert!(!host(false).names(None).on);
}
