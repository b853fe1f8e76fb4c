//! Key sequences -> actions -> effects -> state, with no terminal and no network.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::tui::app::Modal;
use crate::tui::effect::{Area, LoadKind, Mutation};
use crate::tui::keymap::Context;
use crate::tui::panes::PaneId;
use crate::tui::widgets::status::Level;

fn selected(app: &App) -> String {
    app.current_table()
        .selected_row()
        .map(|r| r.key.clone())
        .unwrap_or_default()
}

fn type_text(app: &mut App, s: &str) -> Vec<Effect> {
    press(app, s)
}

fn is_form(app: &App) -> bool {
    matches!(app.modal, Some(Modal::Form(..)))
}

fn form_error(app: &App) -> Option<String> {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.error.clone(),
        _ => None,
    }
}

fn field_error(app: &App, name: &str) -> Option<String> {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.field(name).and_then(|f| f.error.clone()),
        _ => None,
    }
}

#[test]
fn start_loads_everything_and_counts_requests() {
    let mut app = App::new(session(false, Environment::Test), Keymap::default(), now());
    let effects = app.update(Action::Start);
    // The scopes pane's lists; the others are read when first shown.
    let kinds: Vec<LoadKind> = effects.iter().filter_map(load_kind).collect();
    assert_eq!(
        kinds,
        [LoadKind::Token, LoadKind::OwnScopes, LoadKind::Prefixes]
    );
    assert_eq!(app.pending, 3);
    let rest = settle(&mut app, effects);
    assert!(rest.is_empty());
    assert_eq!(app.pending, 0);
    // Inactive scopes are hidden until `i`.
    assert_eq!(app.current_table().total(), 3);
    app.update(key('i'));
    assert_eq!(app.current_table().total(), 4);
    assert_eq!(app.data.grant_counts.len(), 4);
    // Counts only: the grants themselves are read for the scope the access pane shows.
    assert!(app.data.grants.is_none());
    assert!(app.data.jwks.is_empty(), "no clients read yet");
    press_settled(&mut app, "3");
    assert_eq!(app.data.jwks.len(), 2);
}

fn load_kind(e: &Effect) -> Option<LoadKind> {
    match e {
        Effect::Load { load, .. } => Some(load.kind()),
        _ => None,
    }
}

/// A list is read the first time a view that shows it is on screen, and once: the scopes
/// pane never reads the clients, the public view reads the public scopes, the clients pane
/// its lists; `r` re-reads only lists already read.
#[test]
fn each_list_is_read_when_first_shown() {
    let mut app = App::new(session(false, Environment::Test), Keymap::default(), now());
    let start = app.update(Action::Start);
    let after: Vec<LoadKind> = settle_with(&mut app, start, |_| None)
        .iter()
        .filter_map(load_kind)
        .collect();
    assert!(after.is_empty(), "{after:?}");
    for kind in [
        LoadKind::Clients,
        LoadKind::PublicScopes,
        LoadKind::GrantedToUs,
    ] {
        assert!(!app.data.loaded.contains(&kind), "{kind:?} read at start");
    }
    let refresh: Vec<LoadKind> = app.update(key('r')).iter().filter_map(load_kind).collect();
    assert!(
        refresh.contains(&LoadKind::OwnScopes) && !refresh.contains(&LoadKind::Clients),
        "{refresh:?}"
    );
    let public: Vec<LoadKind> = app.update(key('t')).iter().filter_map(load_kind).collect();
    assert_eq!(public, [LoadKind::PublicScopes]);
    let clients: Vec<LoadKind> = app.update(key('3')).iter().filter_map(load_kind).collect();
    assert_eq!(clients, [LoadKind::Clients, LoadKind::GrantedToUs]);
    assert!(
        app.update(key('1'))
            .iter()
            .filter_map(load_kind)
            .next()
            .is_none()
    );
    assert!(
        app.update(key('3'))
            .iter()
            .filter_map(load_kind)
            .next()
            .is_none()
    );

    // Offline on the clients pane, the retry reads that pane's lists; the scopes are read
    // again when next shown.
    let mut app = loaded_app();
    let t0 = app.now;
    press(&mut app, "3");
    let refresh = app.update(key('r'));
    answer_unreachable(&mut app, refresh);
    let retried: Vec<LoadKind> = app
        .update(Action::Tick(t0 + Duration::from_secs(2)))
        .iter()
        .filter_map(load_kind)
        .collect();
    assert_eq!(
        retried,
        [
            LoadKind::Clients,
            LoadKind::GrantedToUs,
            LoadKind::PublicScopes
        ]
    );
    let back: Vec<LoadKind> = app.update(key('1')).iter().filter_map(load_kind).collect();
    assert_eq!(back, [LoadKind::OwnScopes, LoadKind::Prefixes]);
}

#[test]
fn stale_answers_are_dropped() {
    let mut app = loaded_app();
    let first = app.update(key('r'));
    let second = app.update(key('r'));
    let gen_of = |effects: &[Effect]| {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Load {
                    generation,
                    load: Load::OwnScopes,
                } => Some(*generation),
                _ => None,
            })
            .unwrap()
    };
    let (old, new) = (gen_of(&first), gen_of(&second));
    assert!(new > old);
    // The old answer says there are no scopes; it must not win.
    app.update(Action::Loaded {
        generation: old,
        data: Loaded::OwnScopes(Ok(Vec::new())),
    });
    assert_eq!(app.data.own_scopes.len(), 4);
    app.update(Action::Loaded {
        generation: new,
        data: Loaded::OwnScopes(Ok(Vec::new())),
    });
    assert!(app.data.own_scopes.is_empty());
}

#[test]
fn failed_refresh_keeps_data_and_shows_the_error() {
    let mut app = loaded_app();
    let effects = app.update(key('r'));
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::Load {
                generation,
                load: Load::OwnScopes,
            } => Some(*generation),
            _ => None,
        })
        .unwrap();
    app.update(Action::Loaded {
        generation,
        data: Loaded::OwnScopes(Err(
            "GET /scopes: HTTP 503: down [correlation id abc123]".into()
        )),
    });
    assert_eq!(app.data.own_scopes.len(), 4);
    let toast = app.toast.clone().unwrap();
    assert_eq!(toast.level, Level::Error);
    assert!(toast.text.contains("correlation id abc123"));
}

#[test]
fn navigation_keys_move_the_selection() {
    let mut app = loaded_app();
    assert_eq!(selected(&app), "demo:api/read");
    press(&mut app, "j");
    assert_eq!(selected(&app), "demo:private");
    app.update(code(KeyCode::Down));
    assert_eq!(selected(&app), "demo:open");
    app.update(code(KeyCode::Down));
    assert_eq!(selected(&app), "demo:open");
    press(&mut app, "k");
    assert_eq!(selected(&app), "demo:private");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    assert_eq!(selected(&app), "demo:open");
    press(&mut app, "g");
    assert_eq!(selected(&app), "demo:api/read");
    app.update(code(KeyCode::PageDown));
    assert_eq!(selected(&app), "demo:open");
    app.update(code(KeyCode::PageUp));
    assert_eq!(selected(&app), "demo:api/read");
}

#[test]
fn panes_switch_with_tab_backtab_and_numbers() {
    let mut app = loaded_app();
    app.update(code(KeyCode::Tab));
    assert_eq!(app.pane, PaneId::Access);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.pane, PaneId::Scopes);
    for (c, p) in [
        ('3', PaneId::Clients),
        ('4', PaneId::Keys),
        ('2', PaneId::Access),
        ('1', PaneId::Scopes),
    ] {
        app.update(key(c));
        assert_eq!(app.pane, p);
    }
    // Esc goes back from keys to clients.
    app.update(key('4'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.pane, PaneId::Clients);
}

#[test]
fn filter_as_you_type_and_esc_clears() {
    let mut app = loaded_app();
    press(&mut app, "/priv");
    assert_eq!(app.current_table().shown(), 1);
    assert_eq!(selected(&app), "demo:private");
    // While filtering, letters are text, not commands.
    assert!(app.modal.is_none());
    app.update(code(KeyCode::Esc));
    assert_eq!(app.current_table().shown(), 3);
    assert!(!app.current_table().filtering());
    // Enter keeps the filter; then Esc clears it.
    press(&mut app, "/open");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.current_table().shown(), 1);
    press(&mut app, "j");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.current_table().shown(), 3);
}

#[test]
fn sort_cycles_columns() {
    let mut app = loaded_app();
    press(&mut app, "s");
    assert_eq!(app.current_table().sort_column(), Some(0));
    press(&mut app, "g");
    assert_eq!(selected(&app), "demo:api/read");
    press(&mut app, "s");
    assert_eq!(app.current_table().sort_column(), Some(1));
    press(&mut app, "g");
    // visibility: PRIVATE < PUBLIC
    assert_eq!(selected(&app), "demo:private");
}

#[test]
fn new_scope_validates_as_you_type_and_keeps_input_on_failure() {
    let mut app = loaded_app();
    press(&mut app, "n");
    assert!(is_form(&app));
    // prefix is a choice of our prefixes; Tab to subscope.
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "Bad");
    assert!(
        field_error(&app, "subscope")
            .unwrap()
            .contains("lower case")
    );
    // Enter with an invalid field does not submit.
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    for _ in 0..3 {
        app.update(code(KeyCode::Backspace));
    }
    type_text(&mut app, "api/v2.write");
    assert_eq!(field_error(&app, "subscope"), None);
    // description is required
    assert!(field_error(&app, "description").is_some());
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "Write v2");
    let effects = app.update(code(KeyCode::Enter));
    let m = mutations(&effects);
    match m.as_slice() {
        [Mutation::CreateScope(s)] => {
            assert_eq!(s.prefix, "demo");
            assert_eq!(s.subscope, "api/v2.write");
            assert_eq!(s.description, "Write v2");
            // Asked for active, so the create body leaves `active` to Digdir.
            assert!(s.active);
            assert_eq!(s.create_body().unwrap().get("active"), None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.pending, 1);
    // The server refuses: the form stays, with what was typed and the server's message.
    let effects = app.update(Action::Mutated {
        area: Area::Scopes,
        result: Err(
            "create scope demo:api/v2.write failed: HTTP 409: exists [correlation id c-1]".into(),
        ),
        select: None,
    });
    assert!(is_form(&app));
    assert!(form_error(&app).unwrap().contains("correlation id c-1"));
    match &app.modal {
        Some(Modal::Form(f, _)) => assert_eq!(f.value("subscope"), "api/v2.write"),
        _ => unreachable!(),
    }
    // ... and what the server holds is read again.
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Load {
            load: Load::OwnScopes,
            ..
        }
    )));
    // Second try succeeds: the form closes, a toast says so, data is re-read.
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(mutations(&effects).len(), 1);
    let effects = app.update(Action::Mutated {
        area: Area::Scopes,
        result: Ok("created scope demo:api/v2.write".into()),
        select: Some("demo:api/v2.write".into()),
    });
    assert!(app.modal.is_none());
    assert_eq!(app.toast.as_ref().unwrap().level, Level::Ok);
    assert!(!effects.is_empty());
    assert!(effects.iter().all(|e| matches!(e, Effect::Load { .. })));
}

#[test]
fn prefix_choice_offers_only_our_prefixes() {
    let mut app = loaded_app();
    press(&mut app, "n");
    app.update(code(KeyCode::Right));
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "x");
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "d");
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::CreateScope(s)] => assert_eq!(s.prefix, "demo2"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn edit_scope_keeps_unshown_fields() {
    let mut app = loaded_app();
    press(&mut app, "e");
    assert!(is_form(&app));
    // description is the first field of the edit form
    type_text(&mut app, " (v1)");
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::UpdateScope(n, s)] => {
            assert_eq!(n.as_str(), "demo:api/read");
            assert_eq!(s.description, "Read the API (v1)");
            assert_eq!(s.owner_orgno.as_deref(), Some("991825827"));
            assert_eq!(s.subscope, "api/read");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deactivate_asks_with_grant_count_and_needs_y() {
    let mut app = loaded_app();
    press(&mut app, "d");
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no confirmation");
    };
    assert!(c.lines.iter().any(|l| l.contains("It has 2 active grant")));
    // Enter alone does nothing; the dialog starts on "no".
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert!(app.modal.is_some());
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::DeactivateScope("demo:api/read".parse().unwrap())]
    );
    assert!(app.modal.is_none());
}

#[test]
fn reactivate_an_inactive_scope() {
    let mut app = loaded_app();
    press(&mut app, "i");
    app.current_table_mut().select_key("demo:old");
    let effects = press(&mut app, "a");
    match mutations(&effects).as_slice() {
        [Mutation::ReactivateScope(n, s)] => {
            assert_eq!(n.as_str(), "demo:old");
            assert!(s.active);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn public_tab_is_read_only() {
    let mut app = loaded_app();
    press(&mut app, "t");
    assert_eq!(app.current_table().total(), 2);
    assert!(press(&mut app, "n").is_empty());
    assert!(app.modal.is_none());
    assert_eq!(app.toast.as_ref().unwrap().level, Level::Error);
    // Enter shows the detail.
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.modal, Some(Modal::Detail(_))));
}

#[test]
fn scope_detail_lists_fields_and_grants() {
    let mut app = loaded_app();
    // The grants are read when the detail opens, and fill it in when they arrive.
    let effects = app.update(code(KeyCode::Enter));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("no detail");
    };
    assert!(o.lines.iter().any(|(_, b)| b.contains("loading")));
    assert!(settle(&mut app, effects).is_empty());
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("no detail");
    };
    let text: Vec<String> = o.lines.iter().map(|(a, b)| format!("{a} {b}")).collect();
    assert!(text.iter().any(|l| l.contains("owner_orgno 991825827")));
    assert!(text.iter().any(|l| l.contains("974760673 APPROVED")));
    assert!(text.iter().any(|l| l.contains("123456785 DENIED")));
    app.update(code(KeyCode::Esc));
    assert!(app.modal.is_none());
}

#[test]
fn grant_several_pasted_org_numbers_with_mod11_check() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    assert_eq!(app.current_table().total(), 3);
    press(&mut app, "g");
    assert!(is_form(&app));
    app.update(Action::Paste("991825827\n991825828".into()));
    let err = field_error(&app, "orgs").unwrap();
    assert!(err.contains("991825828") && err.contains("MOD11"), "{err}");
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    app.update(code(KeyCode::Backspace));
    type_text(&mut app, "7, 312345674");
    // 312345674 is not valid either
    assert!(field_error(&app, "orgs").is_some());
    for _ in 0..11 {
        app.update(code(KeyCode::Backspace));
    }
    type_text(&mut app, " 889640782");
    assert_eq!(field_error(&app, "orgs"), None);
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::Grant(s, orgs)] => {
            assert_eq!(s.as_str(), "demo:api/read");
            let orgs: Vec<&str> = orgs.iter().map(|o| o.as_str()).collect();
            assert_eq!(orgs, vec!["991825827", "889640782"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoke_confirmation_names_org_and_scope() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    press(&mut app, "j"); // 889640782
    press(&mut app, "x");
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no confirmation");
    };
    assert!(c.lines[0].contains("demo:api/read") && c.lines[0].contains("889640782"));
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Revoke(
            "demo:api/read".parse().unwrap(),
            "889640782".parse().unwrap()
        )]
    );
    // `d` revokes too.
    press(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
}

#[test]
fn reapprove_a_denied_row() {
    let mut app = loaded_app();
    press_settled(&mut app, "2");
    app.current_table_mut().select_key("123456785");
    let effects = press(&mut app, "a");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::Grant(
            "demo:api/read".parse().unwrap(),
            vec!["123456785".parse().unwrap()]
        )]
    );
    // An approved row needs no re-approval.
    app.current_table_mut().select_key("974760673");
    assert!(mutations(&press(&mut app, "a")).is_empty());
}

#[test]
fn access_follows_the_selected_scope_and_reverse_view() {
    let mut app = loaded_app();
    press(&mut app, "j"); // demo:private
    press_settled(&mut app, "2");
    assert_eq!(app.current_table().total(), 1);
    // Enter on a grant: everything that org has from us.
    let effects = app.update(code(KeyCode::Enter));
    let rest = settle(&mut app, effects);
    assert!(rest.is_empty());
    assert!(app.access.is_consumer_view());
    assert_eq!(app.current_table().total(), 2);
    app.update(code(KeyCode::Esc));
    assert!(!app.access.is_consumer_view());
    assert_eq!(app.current_table().total(), 1);
}

#[test]
fn command_line_org_and_completion() {
    let mut app = loaded_app();
    press(&mut app, ":cl");
    app.update(code(KeyCode::Tab));
    match &app.modal {
        Some(Modal::Command { input, .. }) => assert_eq!(input.value(), "clients"),
        _ => panic!("no command line"),
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::Clients);
    assert!(app.modal.is_none());

    let mut effects = press(&mut app, ":org 889640782");
    effects.extend(app.update(code(KeyCode::Enter)));
    assert_eq!(app.pane, PaneId::Access);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Load {
            load: Load::Consumer(_),
            ..
        }
    )));
    settle(&mut app, effects);
    assert_eq!(app.current_table().total(), 1);

    // A bad org number is refused with the reason, and the line stays open.
    press(&mut app, ":org 123");
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.modal, Some(Modal::Command { .. })));
    assert!(app.toast.as_ref().unwrap().text.contains("9 digits"));
    app.update(code(KeyCode::Esc));

    press(&mut app, ":profile prod");
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::SwitchProfile("prod".into())]);
    press(&mut app, ":profile nope");
    assert!(app.update(code(KeyCode::Enter)).is_empty());
}

#[test]
fn clients_create_with_usable_scopes() {
    let mut app = loaded_app();
    press(&mut app, "3");
    press(&mut app, "n");
    let Some(Modal::Form(f, _)) = &app.modal else {
        panic!("no form");
    };
    let Some(crate::tui::widgets::form::FieldKind::Multi { options, .. }) =
        f.field("scopes").map(|f| &f.kind)
    else {
        panic!("no scope picker");
    };
    // Granted to us, open to all, and our own active ones — not our inactive one.
    for s in [
        "nav:pensjon/v3/alderspensjon",
        "skatt:open",
        "demo:api/read",
        "demo:open",
    ] {
        assert!(options.contains(&s.to_owned()), "{s} missing: {options:?}");
    }
    assert!(!options.contains(&"demo:old".to_owned()));
    type_text(&mut app, "Billing");
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "Billing system");
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "demo:api");
    app.update(key(' '));
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::CreateClient(c)] => {
            assert_eq!(c.client_name, "Billing");
            assert_eq!(c.scopes, vec!["demo:api/read".to_owned()]);
            assert_eq!(
                c.token_endpoint_auth_method.as_ref().unwrap().as_str(),
                "private_key_jwt"
            );
            // An inactive client is never synchronised to Maskinporten.
            assert!(c.active);
            assert_eq!(c.create_body().unwrap().get("active"), None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete_client_needs_the_name_typed() {
    let mut app = loaded_app();
    press(&mut app, "3");
    press(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    // `y` is not enough here: it is typed into the box.
    assert!(press(&mut app, "y").is_empty());
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    app.update(code(KeyCode::Backspace));
    type_text(&mut app, "Payrol");
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    type_text(&mut app, "l");
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::DeleteClient(
            "6b1e2b7c-0000-4000-8000-000000000001".parse().unwrap()
        )]
    );
}

#[test]
fn edit_client_sends_the_whole_client() {
    let mut app = loaded_app();
    press(&mut app, "3");
    press(&mut app, "e");
    type_text(&mut app, " 2");
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::UpdateClient(id, c)] => {
            assert!(id.as_str().ends_with('1'));
            assert_eq!(c.client_name, "Payroll 2");
            assert_eq!(c.scopes.len(), 2);
            assert!(c.integration_type.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_pane_add_and_delete() {
    let mut app = loaded_app();
    press(&mut app, "3");
    press(&mut app, "K");
    assert_eq!(app.pane, PaneId::Keys);
    assert_eq!(app.current_table().total(), 2);
    press(&mut app, "j");
    press(&mut app, "d");
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no confirmation");
    };
    assert!(c.lines[1].contains("other 1 key"));
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::DeleteKey(
            "6b1e2b7c-0000-4000-8000-000000000001".parse().unwrap(),
            "payroll-old".parse().unwrap()
        )]
    );
    press(&mut app, "a");
    type_text(&mut app, "/tmp/new.pem");
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::AddKey(
            "6b1e2b7c-0000-4000-8000-000000000001".parse().unwrap(),
            "/tmp/new.pem".into()
        )]
    );
    // After the change, the keys are read again.
    let effects = app.update(Action::Mutated {
        area: Area::Keys,
        result: Ok("added".into()),
        select: None,
    });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Load {
            load: Load::Jwks(_),
            ..
        }
    )));
}

#[test]
fn read_only_refuses_every_mutating_key() {
    let mut app = app_with(session(true, Environment::Prod));
    let bindings: Vec<(PaneId, Vec<KeyEvent>, &str)> = app
        .keymap
        .mutating()
        .map(|b| {
            let Context::Pane(p) = b.context else {
                panic!("mutating global binding {}", b.name)
            };
            let keys = b
                .keys
                .iter()
                .map(|k| {
                    // Build the event the spec matches.
                    let s = k.to_string();
                    let c = s.chars().next().unwrap();
                    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
                })
                .collect();
            (p, keys, b.name)
        })
        .collect();
    assert!(bindings.len() >= 10);
    for (pane, keys, name) in bindings {
        for k in keys {
            app.modal = None;
            app.update(key(char::from(b'1' + pane.index() as u8)));
            if pane == PaneId::Scopes {
                // Reactivate needs an inactive row to get as far as a change.
                app.scopes.show_inactive = true;
                app.rebuild();
            }
            let effects = app.update(Action::Key(k));
            assert!(mutations(&effects).is_empty(), "{name} was not refused");
            assert!(app.modal.is_none(), "{name} opened a dialog");
            assert_eq!(app.toast.as_ref().unwrap().level, Level::Error, "{name}");
            assert!(app.toast.as_ref().unwrap().text.contains("read-only"));
        }
    }
}

#[test]
fn read_only_guard_stops_every_mutation_that_gets_through() {
    // Even a change that reaches `admit` some other way (a dialog opened before the switch)
    // is refused there.
    let mut app = loaded_app();
    press(&mut app, "d");
    app.session.read_only = true;
    let effects = press(&mut app, "y");
    assert!(mutations(&effects).is_empty());
    assert!(app.toast.as_ref().unwrap().text.contains("read-only"));
    assert_eq!(app.pending, 0);

    let mut app = loaded_app();
    press(&mut app, "3");
    press(&mut app, "n");
    type_text(&mut app, "x");
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "y");
    app.session.read_only = true;
    let effects = app.update(code(KeyCode::Enter));
    assert!(mutations(&effects).is_empty());
    assert!(form_error(&app).unwrap().contains("read-only"));
}

#[test]
fn ctrl_c_quits_from_anywhere_and_q_from_the_top() {
    let mut app = loaded_app();
    press(&mut app, "n");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
    let mut app = loaded_app();
    press(&mut app, "/q");
    assert!(!app.quit, "q inside the filter is text");
    app.update(code(KeyCode::Esc));
    press(&mut app, "q");
    assert!(app.quit);
}

#[test]
fn copy_selected_name() {
    let mut app = loaded_app();
    let effects = press(&mut app, "y");
    assert_eq!(effects, vec![Effect::Copy("demo:api/read".into())]);
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut app = loaded_app();
    let click = |row, column| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(click(5, 10));
    assert_eq!(selected(&app), "demo:private");
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected(&app), "demo:open");
    // A click on the tab line switches pane.
    app.update(click(1, 24));
    assert_eq!(app.pane, PaneId::Clients);
}

#[test]
fn tick_expires_success_but_not_errors_and_spins() {
    let mut app = loaded_app();
    app.ok("saved");
    app.update(Action::Tick(now() + Duration::from_secs(10)));
    assert!(app.toast.is_none());
    app.error("broken");
    app.update(Action::Tick(now() + Duration::from_secs(100)));
    assert!(app.toast.is_some());
    let effects = app.update(key('r'));
    assert!(app.pending > 0 && !effects.is_empty());
    let spin = app.spin;
    app.update(Action::Tick(now() + Duration::from_secs(101)));
    assert_eq!(app.spin, spin + 1);
    assert_eq!(app.token_secs_left(), Some(17));
}

#[test]
fn help_lists_the_panes_keys_from_the_keymap() {
    let mut app = loaded_app();
    press_settled(&mut app, "2?");
    let Some(Modal::Help(o)) = &app.modal else {
        panic!("no help");
    };
    assert!(
        o.lines
            .iter()
            .any(|(k, h)| k == "g/+" && h.contains("grant"))
    );
    assert!(o.lines.iter().any(|(k, _)| k == "x/d"));
    assert!(!o.lines.iter().any(|(_, h)| h.contains("new scope")));
    press(&mut app, "?");
    assert!(app.modal.is_none());
}

fn grant_loads(effects: &[Effect]) -> Vec<&Load> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { load, .. } => Some(load),
            _ => None,
        })
        .filter(|l| matches!(l, Load::Grants(_) | Load::GrantCounts(_)))
        .collect()
}

#[test]
fn the_access_pane_reads_only_the_shown_scopes_grants() {
    let mut app = loaded_app();
    let opened = press(&mut app, "2");
    assert_eq!(
        grant_loads(&opened),
        [&Load::Grants("demo:api/read".parse().unwrap())]
    );
    settle(&mut app, opened);
    assert_eq!(app.current_table().total(), 3);
    // Back and forth on the same scope: nothing to read again.
    assert!(grant_loads(&press(&mut app, "12")).is_empty());
    // Refresh: every scope's count, and the shown scope's grants.
    let refreshed = press(&mut app, "r");
    let loads = grant_loads(&refreshed);
    assert_eq!(loads.len(), 2, "{loads:?}");
    assert!(matches!(loads[0], Load::GrantCounts(names) if names.len() == 4));
    assert_eq!(loads[1], &Load::Grants("demo:api/read".parse().unwrap()));
    // Another scope selected: its grants are read when the pane opens.
    press(&mut app, "1j");
    assert_eq!(
        grant_loads(&press(&mut app, "2")),
        [&Load::Grants("demo:private".parse().unwrap())]
    );
}

#[test]
fn loads_that_failed_for_some_scopes_keep_the_others() {
    let mut app = loaded_app();
    let effects = app.update(Action::Mutated {
        area: Area::Access,
        result: Ok("granted".into()),
        select: None,
    });
    let Some(Effect::Load { generation, .. }) = effects.iter().find(|e| {
        matches!(
            e,
            Effect::Load {
                load: Load::GrantCounts(_),
                ..
            }
        )
    }) else {
        panic!("grant counts not re-read");
    };
    app.update(Action::Loaded {
        generation: *generation,
        data: Loaded::GrantCounts(vec![
            (
                "demo:api/read".into(),
                Err("HTTP 500 [correlation id z]".into()),
            ),
            (
                "demo:private".into(),
                Ok(crate::tui::effect::Counted {
                    approved: 0,
                    requests: Vec::new(),
                }),
            ),
        ]),
    });
    assert_eq!(app.data.grant_counts["demo:api/read"], 2);
    assert_eq!(app.data.grant_counts["demo:private"], 0);
    assert!(app.data.failed[&LoadKind::GrantCounts].contains("correlation id z"));
    assert!(
        app.toast
            .as_ref()
            .unwrap()
            .text
            .contains("correlation id z")
    );
}

#[test]
fn token_is_asked_again_when_it_nears_expiry() {
    let mut app = loaded_app();
    assert!(
        app.update(Action::Tick(now() + Duration::from_secs(60)))
            .is_empty()
    );
    let effects = app.update(Action::Tick(now() + Duration::from_secs(100)));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Load {
            load: Load::Token,
            ..
        }]
    ));
    // Once, not on every tick while the answer is on its way.
    assert!(
        app.update(Action::Tick(now() + Duration::from_secs(101)))
            .is_empty()
    );
    settle(&mut app, effects);
    assert_eq!(app.pending, 0);
}

#[test]
fn key_detail_shows_size_and_expiry() {
    let mut app = loaded_app();
    press(&mut app, "3K");
    app.update(code(KeyCode::Enter));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("no detail");
    };
    assert!(o.lines.iter().any(|(k, v)| k == "size" && v == "2048 bits"));
    assert!(
        o.lines
            .iter()
            .any(|(k, v)| k == "expires" && v.contains("200 days left"))
    );
}

#[test]
fn keymap_comes_from_config_toml_beside_the_profiles_file() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("config.toml");
    assert!(crate::tui::load_keymap(Some(&profiles)).is_ok());
    std::fs::write(
        dir.path().join("config.toml"),
        "[keys]\nrefresh = [\"F5\"]\n",
    )
    .unwrap();
    let err = crate::tui::load_keymap(Some(&profiles)).err().unwrap();
    assert!(err.contains("config.toml") && err.contains("F5"), "{err}");
    std::fs::write(
        dir.path().join("config.toml"),
        "[keys]\nrefresh = [\"f5\"]\n",
    )
    .unwrap();
    let map = crate::tui::load_keymap(Some(&profiles)).unwrap();
    let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(
        map.lookup(PaneId::Scopes, &f5).map(|b| b.cmd),
        Some(crate::tui::keymap::Cmd::Refresh)
    );
}

#[test]
fn edit_never_changes_what_the_form_does_not_know() {
    let mut app = loaded_app();
    let s = &mut app.data.own_scopes[0];
    s.visibility = Some(crate::api::models::Visibility::Internal);
    s.allowed_integration_types = vec!["future_type".to_owned().into()];
    app.rebuild();
    press(&mut app, "e");
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::UpdateScope(_, s)] => {
            assert_eq!(s.visibility.as_ref().unwrap().as_str(), "INTERNAL");
            assert_eq!(s.allowed_integration_types[0].as_str(), "future_type");
            // Flags the scope did not have are not added.
            assert_eq!(s.requires_user_consent, None);
            assert_eq!(s.token_type.as_ref().unwrap().as_str(), "SELF_CONTAINED");
        }
        other => panic!("{other:?}"),
    }
}

fn type_and_enter(app: &mut App, s: &str) -> Vec<Effect> {
    let mut effects = press(app, s);
    effects.extend(app.update(code(KeyCode::Enter)));
    effects
}

#[test]
fn prod_changes_need_the_name_typed_whatever_asks() {
    let mut app = app_with(session(false, Environment::Prod));
    // A dialog that takes `y` elsewhere takes the scope's name on PROD.
    press(&mut app, "d");
    assert!(press(&mut app, "y").is_empty());
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    app.update(code(KeyCode::Backspace));
    let effects = type_and_enter(&mut app, "demo:api/read");
    assert_eq!(mutations(&effects).len(), 1);
    assert!(app.modal.is_none());

    // A change with no dialog of its own (re-approve) gets one.
    press_settled(&mut app, "2");
    app.current_table_mut().select_key("123456785");
    assert!(mutations(&press(&mut app, "a")).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no PROD confirmation");
    };
    assert_eq!(c.expect.as_deref(), Some("demo:api/read"));
    let effects = type_and_enter(&mut app, "demo:api/read");
    assert!(matches!(
        mutations(&effects).as_slice(),
        [Mutation::Grant(..)]
    ));
    assert_eq!(app.pending, 2);
}

#[test]
fn prod_confirmation_of_a_form_returns_to_the_form() {
    let mut app = app_with(session(false, Environment::Prod));
    press(&mut app, "3n");
    type_text(&mut app, "Billing");
    app.update(code(KeyCode::Tab));
    type_text(&mut app, "Billing system");
    assert!(mutations(&app.update(code(KeyCode::Enter))).is_empty());
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    // Esc: back in the form, nothing lost.
    app.update(code(KeyCode::Esc));
    match &app.modal {
        Some(Modal::Form(f, _)) => assert_eq!(f.value("name"), "Billing"),
        other => panic!("{other:?}"),
    }
    app.update(code(KeyCode::Enter));
    let effects = type_and_enter(&mut app, "Billing");
    assert!(matches!(
        mutations(&effects).as_slice(),
        [Mutation::CreateClient(_)]
    ));
    // The server refuses: the form is there with the message.
    app.update(Action::Mutated {
        area: Area::Clients,
        result: Err("create client Billing failed: HTTP 400: bad scope [correlation id q]".into()),
        select: None,
    });
    assert!(form_error(&app).unwrap().contains("correlation id q"));
}

#[test]
fn expiry_overview_lists_all_keys_soonest_first_and_acts_on_the_row() {
    let mut app = loaded_app();
    press(&mut app, "3j4o");
    // The selected client (Empty) has no keys, the overview shows everyone's.
    assert_eq!(app.current_table().total(), 2);
    assert_eq!(
        selected(&app),
        "6b1e2b7c-0000-4000-8000-000000000001/payroll-old"
    );
    press(&mut app, "d");
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::DeleteKey(
            "6b1e2b7c-0000-4000-8000-000000000001".parse().unwrap(),
            "payroll-old".parse().unwrap()
        )]
    );
    press(&mut app, "o");
    assert_eq!(app.current_table().total(), 0);
}

#[test]
fn what_was_created_is_selected_when_it_shows_up() {
    let mut app = loaded_app();
    press(&mut app, "/priv");
    app.update(code(KeyCode::Enter));
    let effects = app.update(Action::Mutated {
        area: Area::Scopes,
        result: Ok("created scope demo:open".into()),
        select: Some("demo:open".into()),
    });
    settle(&mut app, effects);
    // The filter that hid it is cleared.
    assert_eq!(app.current_table().shown(), 3);
    assert_eq!(selected(&app), "demo:open");
}

#[test]
fn paste_into_the_filter() {
    let mut app = loaded_app();
    press(&mut app, "/");
    app.update(Action::Paste("private\n".into()));
    assert_eq!(app.current_table().shown(), 1);
    // Without an open filter box a paste does nothing.
    app.update(code(KeyCode::Esc));
    app.update(Action::Paste("open".into()));
    assert_eq!(app.current_table().shown(), 3);
}

#[test]
fn journal_command_reads_and_shows_newest_first() {
    use crate::journal::{Entry, Operation};
    let mut app = loaded_app();
    let mut effects = press(&mut app, ":journal");
    effects.extend(app.update(code(KeyCode::Enter)));
    assert_eq!(effects, vec![Effect::ReadJournal]);
    assert_eq!(app.pending, 1);
    let old = Entry::new("demo", "TEST", Operation::ScopeCreate, "demo:a");
    let mut new = Entry::new(
        "demo",
        "TEST",
        Operation::AccessGrant,
        "demo:a -> 991825827",
    );
    new.result = "HTTP 400 [correlation id k]".into();
    app.update(Action::Journal(Ok(vec![old, new])));
    assert_eq!(app.pending, 0);
    let Some(Modal::Journal { overlay: o, .. }) = &app.modal else {
        panic!("no journal");
    };
    assert!(
        o.lines[0]
            .1
            .contains("grant access demo:a -> 991825827 — FAILED")
    );
    assert!(o.lines[1].1.contains("create scope demo:a"));
    app.update(code(KeyCode::Esc));
    app.update(Action::Journal(Err("no journal here".into())));
    assert_eq!(app.toast.as_ref().unwrap().level, Level::Error);
}

#[test]
fn u_in_the_journal_undoes_the_top_change_after_confirmation() {
    use crate::journal::{Entry, Operation};
    let mut app = loaded_app();
    let change = serde_json::json!({"op": "revoke", "scope": "demo:a", "consumer": "991825827"});
    let mut revoke = Entry::new(
        "demo",
        "TEST",
        Operation::AccessRevoke,
        "demo:a -> 991825827",
    )
    .intent(change, None);
    revoke.before = Some(serde_json::json!({
        "scope": "demo:a", "consumer_orgno": "991825827", "state": "APPROVED"
    }));
    revoke.result = "ok".into();
    let mut failed = Entry::new("demo", "TEST", Operation::ScopeCreate, "demo:b");
    failed.result = "HTTP 409".into();
    app.update(Action::Journal(Ok(vec![revoke, failed])));

    // The top line failed: nothing to undo, and the user is told why.
    assert!(app.update(code(KeyCode::Char('u'))).is_empty());
    assert!(app.toast.as_ref().unwrap().text.contains("cannot undo"));
    assert!(matches!(app.modal, Some(Modal::Journal { .. })));

    // The next line is the revoke: its inverse is a grant, asked for first.
    app.update(code(KeyCode::Down));
    assert!(app.update(code(KeyCode::Char('u'))).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no confirmation: {:?}", app.modal.is_some());
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("+ grant 991825827 access to demo:a"))
    );
    let effects = app.update(code(KeyCode::Char('y')));
    let grant = crate::changes::Change::Grant {
        scope: "demo:a".parse().unwrap(),
        consumer: "991825827".parse().unwrap(),
    };
    assert_eq!(
        effects,
        vec![Effect::Mutate(Mutation::Apply(Box::new(grant)))]
    );
}

#[test]
fn plan_view_shows_grouped_changes_applies_on_a_and_marks_each_row() {
    use crate::changes::{Before, Change};
    use crate::estate::{Item, Plan};
    let mut app = loaded_app();
    let mut effects = press(&mut app, ":plan estate.toml");
    effects.extend(app.update(code(KeyCode::Enter)));
    assert_eq!(effects, vec![Effect::Plan("estate.toml".into())]);
    let grant = Change::Grant {
        scope: "demo:a".parse().unwrap(),
        consumer: "991825827".parse().unwrap(),
    };
    let item = Item {
        change: grant.clone(),
        before: Before::Access(None),
        fields: Vec::new(),
        new_client: None,
        first: true,
    };
    let plan = Plan {
        items: vec![item],
        warnings: Vec::new(),
    };
    app.update(Action::Planned("estate.toml".into(), Ok(plan.clone())));
    let Some(Modal::Plan(view)) = &app.modal else {
        panic!("no plan view");
    };
    let text: Vec<String> = view
        .overlay
        .lines
        .iter()
        .map(|(l, v)| format!("{l} {v}"))
        .collect();
    assert!(text.iter().any(|l| l.contains("Grants (1)")), "{text:?}");
    assert!(
        text.iter()
            .any(|l| l.starts_with("+ grant 991825827 access to demo:a")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|l| l.contains("Plan: 1 to add, 0 to change, 0 to remove."))
    );
    assert!(
        view.overlay.title.contains("A: apply"),
        "{}",
        view.overlay.title
    );

    let effects = app.update(code(KeyCode::Char('A')));
    assert_eq!(
        effects,
        vec![Effect::Mutate(Mutation::ApplyPlan(Box::new(plan)))]
    );
    app.update(Action::PlanStep(grant.describe(), Ok(())));
    let Some(Modal::Plan(view)) = &app.modal else {
        panic!("the plan view stays while it applies");
    };
    assert!(view.overlay.lines.iter().any(|(_, v)| v.contains("[done]")));
}

#[test]
fn a_read_only_profile_refuses_to_apply_a_plan() {
    use crate::estate::Plan;
    let mut app = app_with(session(true, Environment::Test));
    let plan = Plan {
        items: vec![crate::estate::Item {
            change: crate::changes::Change::DeactivateScope {
                name: "demo:a".parse().unwrap(),
            },
            before: crate::changes::Before::Nothing,
            fields: Vec::new(),
            new_client: None,
            first: true,
        }],
        warnings: Vec::new(),
    };
    app.update(Action::Planned("f".into(), Ok(plan)));
    assert!(app.update(code(KeyCode::Char('A'))).is_empty());
}

#[test]
fn undo_outside_the_journal_points_to_it() {
    let mut app = loaded_app();
    assert!(app.update(code(KeyCode::Char('u'))).is_empty());
    assert!(app.toast.as_ref().unwrap().text.contains(":journal"));
}

/// The loads among `effects`.
fn loads(effects: &[Effect]) -> Vec<Load> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { load, .. } => Some(load.clone()),
            _ => None,
        })
        .collect()
}

/// Answer every load among `effects` as a server out of reach would.
fn answer_unreachable(app: &mut App, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::Load { generation, load } = e {
            app.update(Action::Reach(false));
            let data = match load {
                Load::OwnScopes => Loaded::OwnScopes(Err(
                    "GET /scopes: could not connect (connection refused); nothing was sent".into(),
                )),
                other => answer(&other),
            };
            app.update(Action::Loaded { generation, data });
        }
    }
}

#[test]
fn offline_the_ui_stays_usable_and_retries_with_growing_waits_until_the_server_is_back() {
    let mut app = loaded_app();
    let t0 = app.now;
    let refresh = app.update(key('r'));
    answer_unreachable(&mut app, refresh);
    assert!(app.offline.is_some());
    assert_eq!(app.offline_retry_secs(), Some(2));
    // The data read before stays, the error is shown, and the UI still answers keys.
    assert_eq!(app.data.own_scopes.len(), 4);
    assert!(
        app.toast
            .as_ref()
            .unwrap()
            .text
            .contains("could not connect")
    );
    app.update(key('3'));
    assert_eq!(app.pane, PaneId::Clients);
    app.update(key('1'));

    // Nothing is retried before the wait is over; then every list is read again, once.
    let tick = |app: &mut App, secs: u64| {
        app.update(Action::Tick(t0 + std::time::Duration::from_secs(secs)))
    };
    assert!(tick(&mut app, 1).is_empty());
    let round = tick(&mut app, 2);
    // The list on screen probes; the others follow its answer.
    assert!(loads(&round).contains(&Load::OwnScopes), "{round:?}");
    assert_eq!(app.offline_retry_secs(), None, "retrying");
    assert!(tick(&mut app, 3).is_empty(), "one round at a time");

    // Still down: the next wait is twice as long.
    answer_unreachable(&mut app, round);
    assert_eq!(app.offline.as_ref().unwrap().attempt, 1);
    assert_eq!(app.offline_retry_secs(), Some(4));
    assert!(tick(&mut app, 6).is_empty());
    let round = tick(&mut app, 7);
    assert!(!round.is_empty());

    // The server answers: online again, and the answers are used.
    app.update(Action::Reach(true));
    assert!(app.offline.is_none());
    assert!(app.toast.as_ref().unwrap().text.contains("back online"));
    let rest = settle(&mut app, round);
    assert!(rest.is_empty());
    assert_eq!(app.data.own_scopes.len(), 4);
    let later = tick(&mut app, 100);
    assert!(
        !loads(&later).contains(&Load::OwnScopes),
        "no retries once online: {later:?}"
    );
}

#[test]
fn an_http_error_is_an_answer_not_offline() {
    let mut app = loaded_app();
    app.update(Action::Reach(true));
    assert!(app.offline.is_none());
    let dirty_before = {
        app.dirty = false;
        app.update(Action::Reach(true));
        app.dirty
    };
    assert!(!dirty_before, "an answer while online redraws nothing");
}

#[test]
fn grant_counts_are_asked_for_the_rows_on_screen_first() {
    let mut app = loaded_app();
    press(&mut app, "/open");
    app.update(code(KeyCode::Enter));
    assert_eq!(selected(&app), "demo:open");
    let effects = press(&mut app, "r");
    let own = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Load {
                generation,
                load: Load::OwnScopes,
            } => Some(generation),
            _ => None,
        })
        .expect("a refresh reads the own scopes");
    let next = app.update(Action::Loaded {
        generation: own,
        data: Loaded::OwnScopes(Ok(own_scopes())),
    });
    let names: Vec<String> = next
        .iter()
        .find_map(|e| match e {
            Effect::Load {
                load: Load::GrantCounts(names),
                ..
            } => Some(names.iter().map(|n| n.as_str().to_owned()).collect()),
            _ => None,
        })
        .expect("grant counts follow the scope list");
    // The one row the filter shows comes first; the rows it hides are still counted.
    assert_eq!(names[0], "demo:open");
    assert_eq!(names.len(), own_scopes().len(), "{names:?}");
}

#[test]
fn key_sets_in_the_clients_listing_need_no_request_of_their_own() {
    let mut app = loaded_app();
    let mut clients = clients();
    for c in &mut clients {
        c.extra.insert(
            "jwks".into(),
            json!({"keys": [{"kty": "RSA", "kid": format!("{}-key", c.client_name), "use": "sig", "alg": "RS256", "n": "AQAB", "e": "AQAB"}]}),
        );
    }
    let Effect::Load { generation, .. } = app.load(Load::Clients) else {
        panic!("a load")
    };
    let next = app.update(Action::Loaded {
        generation,
        data: Loaded::Clients(Ok(clients.clone())),
    });
    assert!(
        !next.iter().any(|e| matches!(
            e,
            Effect::Load {
                load: Load::Jwks(_),
                ..
            }
        )),
        "{next:?}"
    );
    for c in &clients {
        let kid = &app.data.jwks[&c.client_id].keys[0].kid;
        assert_eq!(
            kid.as_deref(),
            Some(format!("{}-key", c.client_name).as_str())
        );
    }
}

#[test]
fn keys_the_token_has_no_scope_for_are_refused_with_the_scope_named() {
    let mut app = loaded_app();
    if let Some(t) = app.data.token.as_mut() {
        t.scopes = vec!["idporten:dcr.read".into(), "idporten:dcr.modify".into()];
    }
    press(&mut app, "3");
    let effects = press(&mut app, "n");
    assert!(effects.is_empty());
    assert!(
        !is_form(&app),
        "no form for a client this token may not create"
    );
    let msg = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(msg.contains("idporten:dcr.write"), "{msg}");
    // dcr.modify changes a client.
    press(&mut app, "e");
    assert!(is_form(&app));
    app.update(code(KeyCode::Esc));
    // Grants need scopes.write.
    press(&mut app, "1");
    press(&mut app, "2");
    press(&mut app, "g");
    let msg = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(msg.contains("idporten:scopes.write"), "{msg}");
}

#[test]
fn the_scope_form_sets_eu_businesses_and_details_show_live_fields() {
    let mut app = loaded_app();
    let s = &mut app.data.own_scopes[0];
    s.extra.insert("protected".into(), serde_json::json!(true));
    s.extra
        .insert("description#en".into(), serde_json::json!("Read it"));
    app.rebuild();
    press(&mut app, "e");
    // description, long description, visibility, types, for all, then the EU toggle.
    for _ in 0..5 {
        app.update(code(KeyCode::Tab));
    }
    app.update(code(KeyCode::Char(' ')));
    let effects = app.update(code(KeyCode::Enter));
    match mutations(&effects).as_slice() {
        [Mutation::UpdateScope(_, s)] => {
            assert_eq!(s.supports_european_businesses(), Some(true));
            assert_eq!(s.protected(), Some(true), "kept as the server sent it");
            assert_eq!(s.extra["description#en"], "Read it");
        }
        other => panic!("{other:?}"),
    }
    app.modal = None;
    app.update(code(KeyCode::Enter));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("no detail");
    };
    let has = |label: &str, value: &str| o.lines.iter().any(|(l, v)| l == label && v == value);
    assert!(has("description (en)", "Read it"), "{:?}", o.lines);
    assert!(has("protected", "true"), "{:?}", o.lines);
}
