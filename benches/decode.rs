//! Decoding the start-up lists of an organisation with 5 000 scopes and 2 500 clients (a key
//! each): the JSON the UI parses before the scopes pane can show (issue 16).

use criterion::{Criterion, criterion_group, criterion_main};
use mpadmin::api::models::{Client, Scope};

const SCOPES: usize = 5_000;
const CLIENTS: usize = 2_500;

fn scopes_json() -> String {
    let one = |i: usize| {
        format!(
            r#"{{"name":"demo:last/s{i:06}.read","prefix":"demo","subscope":"last/s{i:06}.read","description":"Generated scope number {i}","active":true,"visibility":"PUBLIC","token_type":"SELF_CONTAINED","allowed_integration_types":["maskinporten"],"accessible_for_all":false,"at_max_age":1200,"owner_orgno":"991825827","created":"2026-11-29T03:03:48.752+00:00","last_updated":"2026-11-29T03:03:48.752+00:00"}}"#
        )
    };
    format!("[{}]", (0..SCOPES).map(one).collect::<Vec<_>>().join(","))
}

fn clients_json() -> String {
    let n = "nlRyZ94nDJvdjrzUyVL6NDut-FS9VAa6QicJduyAQUF27XY_3AE5pLkzrnebtLZMYWOE3ev2kDOxWba-u1udUzg3O0xLWa9wtCjwONinjErN3ldC-kdG_5i16eYmzkytPvNM_8jreLpGXcKfAzj1kYKS6jwoQaEtPCUrSTWhxhqY3kbq1l1LKJ_gROeD3wCJD5qgxYQem2_R7ACS5nKY7XK04imSFe5FWOocJQdyNBm2_qXteNJ_X39GXBO9sXZLbMrewaUuXGNqHbxr1dPvzSwegaPYKGgbt9vgWJue0UyXHPBOEK60xqh6P6fd5mOs395PRYLftnhlaCj53tya0w";
    let one = |i: usize| {
        format!(
            r#"{{"client_id":"00000000-0000-4000-8000-{i:012}","client_name":"klient-{i:05}","description":"Generated client number {i}","integration_type":"maskinporten","application_type":"web","token_endpoint_auth_method":"private_key_jwt","grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],"scopes":["difitest:last/s{i:06}.read","demo:last/s{i:06}.read"],"client_orgno":"991825827","active":true,"created":"2026-11-29T03:03:48.752+00:00","last_updated":"2026-11-29T03:03:48.752+00:00","jwks":{{"keys":[{{"kty":"RSA","kid":"klient-{i:05}-key","alg":"RS256","use":"sig","n":"{n}","e":"AQAB","exp":1798513428}}]}}}}"#
        )
    };
    format!("[{}]", (0..CLIENTS).map(one).collect::<Vec<_>>().join(","))
}

fn decode(c: &mut Criterion) {
    let scopes = scopes_json();
    let clients = clients_json();
    c.bench_function("decode_5000_scopes", |b| {
        b.iter(|| serde_json::from_str::<Vec<Scope>>(&scopes).map(|v| v.len()))
    });
    c.bench_function("decode_2500_clients_with_keys", |b| {
        b.iter(|| {
            serde_json::from_str::<Vec<Client>>(&clients).map(|mut v| {
                v.iter_mut()
                    .map(|c| c.take_embedded_keys().map_or(0, |k| k.len()))
                    .sum::<usize>()
            })
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = decode
}
criterion_main!(benches);
