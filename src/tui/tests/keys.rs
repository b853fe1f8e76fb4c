//! The key life in the UI: generate, rotate (with the old key asked about only after the
//! proof), the token doctor, the five-key dialog and the certificate warning in the header.
//! Key sequences -> effects and state, and the new dialogs as snapshots.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::api::models::{Jwk, TokenErrorBody};
use crate::api::types::ClientId;
use crate::keys::{KeySize, KidChoice, Refusal, TokenReport};
use crate::tui::app::Modal;
use crate::tui::effect::{
    Area, Doctored, KeyRequest, Mutation, Passphrase, RotateRequest, Rotated, TokenTestRequest,
};
use crate::tui::panes::PaneId;
use crate::tui::view;
use crate::tui::widgets::status::Level;

const PAYROLL: &str = "6b1e2b7c-0000-4000-8000-000000000001";

fn payroll() -> ClientId {
    PAYROLL.parse().unwrap()
}

fn tab(app: &mut App, times: usize) {
    for _ in 0..times {
        app.update(code(KeyCode::Tab));
    }
}

fn enter(app: &mut App) -> Vec<Effect> {
    app.update(code(KeyCode::Enter))
}

fn form_error(app: &App) -> Option<String> {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.error.clone(),
        _ => None,
    }
}

fn form_title(app: &App) -> String {
    match &app.modal {
        Some(Modal::Form(f, _)) => f.title.clone(),
        other => panic!("no form: {other:?}"),
    }
}

fn keys_pane() -> App {
    let mut app = loaded_app();
    press(&mut app, "3K");
    app
}

/// Passphrase and its repetition (fields 5 and 6 of the new-key form, from the top).
fn type_passphrase(app: &mut App, first: &str, again: &str) {
    tab(app, 4);
    press(app, first);
    tab(app, 1);
    press(app, again);
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    t
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    format!("{}", draw(app, w, h).backend())
}

fn report() -> TokenReport {
    TokenReport {
        client_id: PAYROLL.into(),
        kid: "payroll-2026-11-18".into(),
        consumer_orgno: Some("991825827".into()),
        client_amr: Some("private_key_jwt".into()),
        scopes: vec!["demo:api/read".into()],
        expires_at: "2026-11-18T17:13:20Z".into(),
    }
}

fn refusal() -> Refusal {
    Refusal {
        status: 400,
        error: TokenErrorBody {
            error: "invalid_scope".into(),
            error_description: Some("Scope demo:x not on client".into()),
            error_uri: Some("https://test.maskinporten.no/errors/MP-200".into()),
        },
        cause: "the client does not have scope demo:x".into(),
        fix: format!("add it: `mpadmin clients update {PAYROLL} --add-scope demo:x`"),
    }
}

#[test]
fn generate_asks_for_a_passphrase_twice_and_sends_the_request() {
    let mut app = keys_pane();
    press(&mut app, "n");
    assert_eq!(form_title(&app), "New key pair for Payroll");
    // Encrypted by default: without a passphrase nothing is sent.
    assert!(enter(&mut app).is_empty());
    assert!(form_error(&app).unwrap().contains("type a passphrase"));
    type_passphrase(&mut app, "s3cret", "s3cret-x");
    assert!(enter(&mut app).is_empty());
    assert_eq!(form_error(&app).unwrap(), "the two passphrases differ");
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    // The passphrase is never in a debug print of the state.
    assert!(!format!("{:?}", app.modal).contains("s3cret"));
    let effects = enter(&mut app);
    assert!(!format!("{effects:?}").contains("s3cret"));
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::GenerateKey(Box::new(KeyRequest {
            client: payroll(),
            size: KeySize::Rsa3072,
            kid: KidChoice::Explicit("payroll-2026-11-18".parse().unwrap()),
            out: "payroll-2026-11-18.key.pem".into(),
            passphrase: Some(Passphrase::new("s3cret".into())),
            drop: Vec::new(),
        }))]
    );
    assert_eq!(app.pending, 1);
    // Done: the form closes and the keys are read again.
    let effects = app.update(Action::Mutated {
        area: Area::Keys,
        result: Ok("generated key payroll-2026-11-18".into()),
        select: None,
    });
    assert!(app.modal.is_none());
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Load {
            load: Load::Jwks(_),
            ..
        }
    )));
}

#[test]
fn generate_size_kid_choices_and_explicit_unencrypted() {
    let mut app = keys_pane();
    press(&mut app, "n");
    app.update(code(KeyCode::Right)); // 4096
    tab(&mut app, 1);
    app.update(code(KeyCode::Right)); // thumbprint
    tab(&mut app, 5);
    press(&mut app, " "); // unencrypted
    let effects = enter(&mut app);
    let [Mutation::GenerateKey(req)] = mutations(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (req.size, &req.kid, &req.passphrase),
        (KeySize::Rsa4096, &KidChoice::Thumbprint, &None)
    );

    // A typed kid is checked as you type and needed when chosen.
    let mut app = keys_pane();
    press(&mut app, "n");
    tab(&mut app, 1);
    app.update(code(KeyCode::Right));
    app.update(code(KeyCode::Right)); // typed below
    tab(&mut app, 5);
    press(&mut app, " ");
    assert!(enter(&mut app).is_empty());
    assert!(form_error(&app).unwrap().contains("type the kid"));
    app.update(code(KeyCode::BackTab));
    app.update(code(KeyCode::BackTab));
    app.update(code(KeyCode::BackTab));
    app.update(code(KeyCode::BackTab));
    press(&mut app, "bad kid!");
    let Some(Modal::Form(f, _)) = &app.modal else {
        panic!()
    };
    assert!(f.field("typed_kid").unwrap().error.is_some());
    for _ in 0..5 {
        app.update(code(KeyCode::Backspace));
    }
    press(&mut app, "-1");
    let effects = enter(&mut app);
    let [Mutation::GenerateKey(req)] = mutations(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(req.kid, KidChoice::Explicit("bad-1".parse().unwrap()));

    // Unencrypted with a passphrase typed is contradictory: refused, not guessed.
    let mut app = keys_pane();
    press(&mut app, "n");
    type_passphrase(&mut app, "x", "x");
    tab(&mut app, 1);
    press(&mut app, " ");
    assert!(enter(&mut app).is_empty());
    assert!(form_error(&app).unwrap().contains("clear one of the two"));
}

fn five_keys(app: &mut App) {
    let keys: Vec<Jwk> = (0..5)
        .map(|i| Jwk {
            kty: "RSA".into(),
            kid: Some(format!("k{i}")),
            exp: Some(2_000_000_000 - i64::from(i) * 86_400),
            ..Jwk::default()
        })
        .collect();
    app.data.jwks.get_mut(PAYROLL).unwrap().keys = keys;
    app.rebuild();
}

#[test]
fn five_keys_offer_to_drop_the_soonest_expiring_one_in_the_same_upload() {
    let mut app = keys_pane();
    five_keys(&mut app);
    press(&mut app, "n");
    tab(&mut app, 6);
    press(&mut app, " ");
    assert!(enter(&mut app).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no five-key dialog: {:?}", app.modal);
    };
    assert_eq!(c.title, "Five keys");
    assert!(c.lines[1].contains("Delete key k4"), "{:?}", c.lines);
    insta::assert_snapshot!("five_keys_80x24", draw(&mut app, 80, 24).backend());
    // Esc: back in the form, as typed.
    app.update(code(KeyCode::Esc));
    assert!(matches!(app.modal, Some(Modal::Form(..))));
    enter(&mut app);
    let effects = press(&mut app, "y");
    let [Mutation::GenerateKey(req)] = mutations(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(req.drop, ["k4"]);
    assert!(matches!(&app.modal, Some(Modal::Form(f, _)) if f.submitting));

    // Rotating k4 itself: the dialog offers the next one, never the key being rotated.
    let mut app = keys_pane();
    five_keys(&mut app);
    app.keys.table.select_key("k4");
    press(&mut app, "R");
    assert_eq!(form_title(&app), "Rotate key k4 of Payroll");
    tab(&mut app, 6);
    press(&mut app, " ");
    enter(&mut app);
    let effects = press(&mut app, "y");
    let [Mutation::RotateKey(r)] = mutations(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (r.key.drop.as_slice(), r.old.as_deref()),
        (&["k3".to_owned()][..], Some("k4"))
    );
}

fn rotate_payroll_old(app: &mut App) -> Vec<Effect> {
    app.keys.table.select_key("payroll-old");
    press(app, "R");
    assert_eq!(form_title(app), "Rotate key payroll-old of Payroll");
    tab(app, 6);
    press(app, " ");
    enter(app)
}

#[test]
fn rotation_asks_about_the_old_key_only_after_the_proof() {
    let mut app = keys_pane();
    let effects = rotate_payroll_old(&mut app);
    let [Mutation::RotateKey(r)] = mutations(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        **r,
        RotateRequest {
            key: KeyRequest {
                client: payroll(),
                size: KeySize::Rsa3072,
                kid: KidChoice::Explicit("payroll-2026-11-18".parse().unwrap()),
                out: "payroll-2026-11-18.key.pem".into(),
                passphrase: None,
                drop: Vec::new(),
            },
            old: Some("payroll-old".into()),
            scopes: vec![
                "demo:api/read".into(),
                "nav:pensjon/v3/alderspensjon".into()
            ],
        }
    );
    assert_eq!(app.pending, 1);
    let effects = app.update(Action::Rotated(Rotated::Proven {
        client: payroll(),
        new_kid: "payroll-2026-11-18".into(),
        old: Some("payroll-old".into()),
        report: report(),
    }));
    // The rotation is answered; only the re-read of the keys is on its way.
    assert_eq!(app.pending, effects.len());
    assert!(mutations(&effects).is_empty(), "nothing deleted unasked");
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Load {
            load: Load::Jwks(_),
            ..
        }
    )));
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no question about the old key: {:?}", app.modal);
    };
    assert_eq!(
        c.mutation,
        Mutation::DeleteKey(payroll(), "payroll-old".parse().unwrap())
    );
    insta::assert_snapshot!("rotation_proven_80x24", draw(&mut app, 80, 24).backend());

    // Later: the exact command, copied with y; nothing deleted.
    let effects = press(&mut app, "n");
    assert!(effects.is_empty());
    let command = format!("mpadmin --profile demo keys remove {PAYROLL} payroll-old");
    assert!(matches!(&app.modal, Some(Modal::Copyable { text, .. }) if *text == command));
    insta::assert_snapshot!("rotation_later_80x24", draw(&mut app, 80, 24).backend());
    assert_eq!(press(&mut app, "y"), vec![Effect::Copy(command)]);
    app.update(code(KeyCode::Esc));
    assert!(app.modal.is_none());

    // Now: y deletes the old key (a change like any other: journaled, guarded).
    let mut app = keys_pane();
    rotate_payroll_old(&mut app);
    app.update(Action::Rotated(Rotated::Proven {
        client: payroll(),
        new_kid: "payroll-2026-11-18".into(),
        old: Some("payroll-old".into()),
        report: report(),
    }));
    let effects = press(&mut app, "y");
    assert_eq!(
        mutations(&effects),
        vec![&Mutation::DeleteKey(
            payroll(),
            "payroll-old".parse().unwrap()
        )]
    );
}

#[test]
fn rotation_whose_proof_fails_deletes_nothing_and_says_why() {
    let mut app = keys_pane();
    rotate_payroll_old(&mut app);
    let effects = app.update(Action::Rotated(Rotated::NotProven {
        client: payroll(),
        new_kid: "payroll-2026-11-18".into(),
        old: Some("payroll-old".into()),
        file: "payroll-2026-11-18.key.pem".into(),
        reason: refusal().headline(),
        refusal: Some(Box::new(refusal())),
    }));
    assert!(mutations(&effects).is_empty());
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(o.title, "Rotation not proven: nothing deleted");
    let text = format!("{:?}", o.lines);
    assert!(
        text.contains("MP-200") && text.contains("--add-scope demo:x"),
        "{text}"
    );
    assert!(text.contains("payroll-old"), "{text}");
    assert_eq!(app.toast.as_ref().unwrap().level, Level::Error);
    insta::assert_snapshot!(
        "rotation_not_proven_80x24",
        draw(&mut app, 80, 24).backend()
    );

    // Stopped before the upload (a file in the way): the form stays, with the reason.
    let mut app = keys_pane();
    rotate_payroll_old(&mut app);
    app.update(Action::Rotated(Rotated::Failed(
        "rotate: payroll-2026-11-18.key.pem already exists".into(),
    )));
    assert!(form_error(&app).unwrap().contains("already exists"));
}

#[test]
fn rotation_from_the_clients_pane_takes_the_soonest_expiring_key() {
    let mut app = loaded_app();
    press(&mut app, "3R");
    assert_eq!(form_title(&app), "Rotate key payroll-old of Payroll");
    app.update(code(KeyCode::Esc));
    press(&mut app, "j");
    assert!(press(&mut app, "R").is_empty());
    assert!(app.modal.is_none());
    assert!(
        app.toast
            .as_ref()
            .unwrap()
            .text
            .contains("no key to rotate")
    );
}

#[test]
fn token_doctor_from_a_client_shows_claims_or_the_refusal() {
    let mut app = loaded_app();
    press(&mut app, "3t");
    assert_eq!(form_title(&app), "Token doctor: Payroll");
    insta::assert_snapshot!("token_doctor_form_80x24", draw(&mut app, 80, 24).backend());
    assert!(enter(&mut app).is_empty(), "a key file is needed");
    press(&mut app, "/tmp/payroll.pem");
    let effects = enter(&mut app);
    assert_eq!(
        effects,
        vec![Effect::TokenTest(Box::new(TokenTestRequest {
            client: payroll(),
            key_file: "/tmp/payroll.pem".into(),
            kid: None,
            scopes: vec![
                "demo:api/read".into(),
                "nav:pensjon/v3/alderspensjon".into()
            ],
            passphrase: None,
        }))]
    );
    assert_eq!(app.pending, 1);
    app.update(Action::TokenTested(Ok(Doctored::Issued {
        report: report(),
        unregistered: false,
    })));
    assert_eq!(app.pending, 0);
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(o.title, "Token doctor: token issued");
    assert!(o.lines.contains(&("consumer".into(), "991825827".into())));
    insta::assert_snapshot!(
        "token_doctor_issued_80x24",
        draw(&mut app, 80, 24).backend()
    );
    insta::assert_snapshot!(
        "token_doctor_issued_wide",
        draw(&mut app, 160, 30).backend()
    );

    // Refused: the MP error with cause and fix.
    let mut app = keys_pane();
    press(&mut app, "t");
    press(&mut app, "/tmp/payroll.pem");
    tab(&mut app, 3);
    press(&mut app, "pw");
    let effects = enter(&mut app);
    let [Effect::TokenTest(req)] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(req.passphrase, Some(Passphrase::new("pw".into())));
    app.update(Action::TokenTested(Ok(Doctored::Refused(Box::new(
        refusal(),
    )))));
    let Some(Modal::Detail(o)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(o.title, "Token doctor: refused");
    assert!(
        o.lines
            .iter()
            .any(|(l, v)| l == "fix" && v.contains("--add-scope"))
    );
    insta::assert_snapshot!(
        "token_doctor_refused_80x24",
        draw(&mut app, 80, 24).backend()
    );

    // It could not ask (wrong passphrase): the form stays with the reason.
    let mut app = keys_pane();
    press(&mut app, "t");
    press(&mut app, "/tmp/payroll.pem");
    enter(&mut app);
    app.update(Action::TokenTested(Err(
        "/tmp/payroll.pem: the private key is encrypted: give its passphrase".into(),
    )));
    assert!(form_error(&app).unwrap().contains("give its passphrase"));
}

#[test]
fn token_doctor_works_on_a_read_only_profile() {
    // It changes nothing, so read-only does not stop it.
    let mut app = app_with(session(true, Environment::Test));
    press(&mut app, "3t");
    press(&mut app, "/tmp/k.pem");
    let effects = enter(&mut app);
    assert!(matches!(effects[..], [Effect::TokenTest(_)]));
}

#[test]
fn prod_key_changes_need_the_client_name_typed() {
    let mut app = app_with(session(false, Environment::Prod));
    press(&mut app, "3K");
    press(&mut app, "n");
    tab(&mut app, 6);
    press(&mut app, " ");
    assert!(mutations(&enter(&mut app)).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(c.expect.as_deref(), Some("Payroll"));
    press(&mut app, "Payroll");
    let effects = enter(&mut app);
    assert!(matches!(
        mutations(&effects)[..],
        [Mutation::GenerateKey(_)]
    ));

    // The old key's deletion after a proven rotation, too.
    let mut app = app_with(session(false, Environment::Prod));
    press(&mut app, "3K");
    app.update(Action::Rotated(Rotated::Proven {
        client: payroll(),
        new_kid: "n".into(),
        old: Some("payroll-old".into()),
        report: report(),
    }));
    assert!(press(&mut app, "y").is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(c.expect.as_deref(), Some("Payroll"));
}

#[test]
fn key_forms_snapshots() {
    let mut app = keys_pane();
    press(&mut app, "n");
    insta::assert_snapshot!("generate_form_80x24", draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("generate_form_wide", draw(&mut app, 160, 40).backend());
    type_passphrase(&mut app, "hunter2", "hunter2");
    let text = screen(&mut app, 160, 40);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("•••••••"), "{text}");
    app.update(code(KeyCode::Esc));
    app.keys.table.select_key("payroll-old");
    press(&mut app, "R");
    insta::assert_snapshot!("rotate_form_wide", draw(&mut app, 160, 40).backend());
}

#[test]
fn header_warns_of_the_business_certificate_under_60_days() {
    let mut s = session(false, Environment::Test);
    s.certificate_expires = Some(now() + Duration::from_secs(20 * 86_400 + 60));
    let mut app = app_with(s);
    insta::assert_snapshot!(
        "certificate_20_days_80x24",
        draw(&mut app, 80, 24).backend()
    );
    let header = |app: &mut App| screen(app, 160, 24).lines().next().unwrap().to_owned();
    assert!(header(&mut app).contains("cert 20d"));
    app.session.certificate_expires = Some(now() + Duration::from_secs(61 * 86_400));
    assert!(!header(&mut app).contains("cert"));
    app.session.certificate_expires = Some(now() - Duration::from_secs(60));
    assert!(header(&mut app).contains("cert EXPIRED"));
    // Own-key profiles have no certificate to warn about.
    app.session.certificate_expires = None;
    assert!(!header(&mut app).contains("cert"));
}

/// Every row of the current table, by row key, in the order shown (walks the selection
/// down; it ends on the first row).
fn row_keys(app: &mut App) -> Vec<String> {
    let t = app.current_table_mut();
    t.top();
    let mut keys = Vec::new();
    for _ in 0..t.shown() {
        keys.extend(t.selected_row().map(|r| r.key.clone()));
        t.move_by(1, 100);
    }
    t.top();
    keys
}

#[test]
fn expiry_overview_from_the_clients_pane_and_the_command_line() {
    let mut app = loaded_app();
    // A key on a second client, expiring between Payroll's two: the overview interleaves them.
    let empty = "6b1e2b7c-0000-4000-8000-000000000002";
    let n = format!("{}{}", "w", "A".repeat(341));
    let exp = 1_795_000_000 + 100 * 86_400 + 3_600;
    app.data.jwks.insert(
        empty.into(),
        serde_json::from_value(serde_json::json!({"keys":[
            {"kty":"RSA","kid":"empty-2026","alg":"RS256","use":"sig","n":n,"e":"AQAB","exp":exp}
        ]}))
        .unwrap(),
    );
    app.rebuild();

    // `o` in the clients pane opens the keys pane on the overview, soonest expiry first.
    press(&mut app, "3o");
    assert_eq!(app.pane, PaneId::Keys);
    assert!(app.keys.overview);
    assert_eq!(
        row_keys(&mut app),
        [
            format!("{PAYROLL}/payroll-old"),
            format!("{empty}/empty-2026"),
            format!("{PAYROLL}/payroll-2026"),
        ]
    );
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("o by expiry"), "the footer names it:\n{text}");
    insta::assert_snapshot!("expiry_overview_80x24", draw(&mut app, 80, 24).backend());

    // Esc leaves the overview: `K` then shows the selected client's keys again.
    app.update(code(KeyCode::Esc));
    assert_eq!(app.pane, PaneId::Clients);
    press(&mut app, "K");
    assert!(!app.keys.overview);
    assert_eq!(row_keys(&mut app), ["payroll-2026", "payroll-old"]);

    // `:expiring` from anywhere, `:keys` back to one client.
    press(&mut app, "1:expiring");
    app.update(code(KeyCode::Enter));
    assert_eq!((app.pane, app.keys.overview), (PaneId::Keys, true));
    assert_eq!(app.current_table().total(), 3);
    press(&mut app, ":keys");
    app.update(code(KeyCode::Enter));
    assert_eq!((app.pane, app.keys.overview), (PaneId::Keys, false));

    // Help lists it in both panes.
    for pane in ["3", "4"] {
        press(&mut app, pane);
        press(&mut app, "?");
        let Some(Modal::Help(o)) = &app.modal else {
            panic!("no help");
        };
        assert!(
            o.lines
                .iter()
                .any(|(k, h)| k == "o" && h.contains("soonest expiry first")),
            "{pane}: {:?}",
            o.lines
        );
        assert!(o.lines.iter().any(|(k, _)| k == ":expiring"));
        app.update(code(KeyCode::Esc));
    }
}

#[test]
fn prod_rotation_and_key_deletion_need_the_client_name_typed() {
    let mut app = app_with(session(false, Environment::Prod));
    press(&mut app, "3K");
    assert!(mutations(&rotate_payroll_old(&mut app)).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(c.expect.as_deref(), Some("Payroll"));
    assert!(
        mutations(&press(&mut app, "y")).is_empty(),
        "y is not enough"
    );
    app.update(code(KeyCode::Backspace));
    press(&mut app, "Payroll");
    assert!(matches!(
        mutations(&enter(&mut app))[..],
        [Mutation::RotateKey(_)]
    ));

    let mut app = app_with(session(false, Environment::Prod));
    press(&mut app, "3K");
    app.keys.table.select_key("payroll-old");
    assert!(mutations(&press(&mut app, "dy")).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(c.expect.as_deref(), Some("Payroll"));
    app.update(code(KeyCode::Backspace));
    press(&mut app, "Payroll");
    assert_eq!(
        mutations(&enter(&mut app)),
        vec![&Mutation::DeleteKey(
            payroll(),
            "payroll-old".parse().unwrap()
        )]
    );
}

#[test]
fn a_second_key_the_same_day_is_offered_a_free_kid_and_file() {
    let mut app = keys_pane();
    let mut jwks = jwks_of(PAYROLL);
    let mut today = jwks.keys[0].clone();
    today.kid = Some("payroll-2026-11-18".into());
    jwks.keys.push(today);
    app.data.jwks.insert(PAYROLL.into(), jwks);
    app.rebuild();
    app.keys.table.select_key("payroll-old");
    press(&mut app, "R");
    let Some(Modal::Form(form, _)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(form.value("kid"), "payroll-2026-11-18-2");
    assert_eq!(form.value("out"), "payroll-2026-11-18-2.key.pem");
    tab(&mut app, 6);
    press(&mut app, " ");
    let effects = enter(&mut app);
    let [Mutation::RotateKey(r)] = mutations(&effects)[..] else {
        panic!("{effects:?} {:?}", form_error(&app));
    };
    assert_eq!(
        r.key.kid,
        KidChoice::Explicit("payroll-2026-11-18-2".parse().unwrap())
    );
}

#[test]
fn the_proof_dialog_keeps_its_keys_line_with_a_long_thumbprint_kid() {
    let mut app = keys_pane();
    let thumbprint = "cqRvL1eoRfg-L7jrYBKjgo6IwSmFir2Prji96N84LPA";
    app.update(Action::Rotated(Rotated::Proven {
        client: payroll(),
        new_kid: thumbprint.into(),
        old: Some("payroll-old".into()),
        report: TokenReport {
            kid: thumbprint.into(),
            scopes: vec![
                "demo:api/read".into(),
                "nav:pensjon/v3/alderspensjon".into(),
            ],
            ..report()
        },
    }));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen(&mut app, w, h);
        assert!(text.contains("y confirm"), "{w}x{h}:\n{text}");
    }
}

#[test]
fn key_rows_show_their_own_created_and_updated_when_the_server_sends_them() {
    let mut app = keys_pane();
    let before = screen(&mut app, 100, 30);
    assert!(!before.contains("updated"), "{before}");
    let jwks = app.data.jwks.get_mut(PAYROLL).unwrap();
    for k in &mut jwks.keys {
        k.extra
            .insert("created".into(), "2026-03-04T05:06:07.000+01:00".into());
        k.extra.insert(
            "last_updated".into(),
            "2026-07-08T09:10:11.000+02:00".into(),
        );
    }
    app.rebuild();
    let after = screen(&mut app, 100, 30);
    assert!(after.contains("updated"), "{after}");
    assert!(after.contains("2026-03-04"), "{after}");
    assert!(after.contains("2026-07-08"), "{after}");
}
