//! Supplier mode (the admin token carries `idporten:dcr.supplier`): clients grouped by the
//! customer organisation they are for, a new client asks for its customer first, and a change
//! to a client another supplier made is refused here, with the reason, before it is sent.

use super::app::App;
use super::effect::Mutation;
use super::widgets::form::Field;
use super::widgets::table::Row;
use crate::api::models::Client;
use crate::wire::types::OrgNumber;

/// Our organisation number when this session is a supplier's, else `None`.
pub fn ours(app: &App) -> Option<&str> {
    let token = app.data.token.as_ref()?;
    if !crate::wire::admin::is_supplier(&token.scopes) {
        return None;
    }
    token.org.as_deref()
}

/// Why `client` is not ours to change (supplier mode only).
pub fn refusal_for(app: &App, client: &Client) -> Option<String> {
    crate::wire::admin::not_our_supply(
        &client.client_id,
        client.supplier_orgno.as_deref(),
        client.client_orgno.as_deref(),
        ours(app)?,
    )
}

/// Why `m` would be refused by the server's supplier rule, known from the listed clients.
pub fn refusal(app: &App, m: &Mutation) -> Option<String> {
    let id = m.client()?;
    let client = app.data.clients.iter().find(|c| c.client_id == id)?;
    refusal_for(app, client).map(|why| format!("refused to {}: {why}", m.describe()))
}

/// "810079193 NAME" for a group header; the number alone until its name is known.
pub fn customer_label(app: &App, orgno: &str) -> String {
    if ours(app) == Some(orgno) {
        return format!("{orgno} (our own organisation)");
    }
    match app.data.name_of(orgno) {
        Some(name) => format!("{orgno} {name}"),
        None => orgno.to_owned(),
    }
}

/// `clients` in the order the pane shows them in supplier mode: by customer organisation,
/// then name; `None` for a customer's header row before its first client.
pub fn grouped(clients: &[Client]) -> Vec<Option<&Client>> {
    let mut sorted: Vec<&Client> = clients.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.client_orgno, &a.client_name, &a.client_id).cmp(&(
            &b.client_orgno,
            &b.client_name,
            &b.client_id,
        ))
    });
    let mut out = Vec::with_capacity(sorted.len() * 2);
    for (i, c) in sorted.iter().enumerate() {
        if i == 0 || sorted[i - 1].client_orgno != c.client_orgno {
            out.push(None);
        }
        out.push(Some(*c));
    }
    out
}

/// A group heading row: the customer in the first cell, the other `cells` blank; never
/// selected, so no command acts on it. The filter finds it by the customer's number and name
/// (not by the count), and then shows all of its clients.
pub fn header(app: &App, orgno: &str, count: usize, cells: usize) -> Row {
    let label = customer_label(app, orgno);
    let mut v = vec![String::new(); cells.max(1)];
    v[0] = format!("▾ {label} · {count}");
    Row::new("", v).heading().matched_by(&label)
}

/// The new-client form's first field in supplier mode: the customer's organisation number.
pub fn customer_field() -> Field {
    Field::text(
        "customer",
        "customer (organisation number)",
        "",
        Some(|v| {
            v.trim()
                .parse::<OrgNumber>()
                .map(|_| ())
                .map_err(|e| e.to_string())
        }),
    )
}
