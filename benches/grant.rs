//! Signing one JWT-bearer grant with an RS256 2048-bit key (reported, no budget; issue 6).

use criterion::{Criterion, criterion_group, criterion_main};
use mpadmin::auth::{GrantHeader, GrantSigner};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;

fn sign(c: &mut Criterion) {
    let key = match Rsa::generate(2048).and_then(PKey::from_rsa) {
        Ok(k) => k,
        Err(e) => panic!("generate key: {e}"),
    };
    let signer = match GrantSigner::new(&key, GrantHeader::Kid("bench".into())) {
        Ok(s) => s,
        Err(e) => panic!("signer: {e}"),
    };
    let scopes = vec![
        "idporten:dcr.read".to_owned(),
        "idporten:scopes.write".to_owned(),
    ];
    c.bench_function("grant_sign_rs256_2048", |b| {
        b.iter(|| signer.sign("https://test.maskinporten.no/", "bench-client", &scopes))
    });
}

criterion_group!(benches, sign);
criterion_main!(benches);
