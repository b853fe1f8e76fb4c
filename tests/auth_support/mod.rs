//! Test credentials made on the fly with OpenSSL: a CA, business certificates (with an
//! organisation number, chosen key usage and dates), PEM files and PKCS#12 files with modern
//! or legacy encryption, and profiles files pointing at them.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use mpadmin::auth::{PasswordSource, Secret};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509, X509Name};

pub const ORGNO: &str = "991825827";
pub const P12_PASSWORD: &str = "correct horse battery";

pub fn rsa(bits: u32) -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn time(days_from_now: i64) -> Asn1Time {
    Asn1Time::from_unix(unix_now() + days_from_now * 86_400).unwrap()
}

pub struct Ca {
    pub key: PKey<Private>,
    pub cert: X509,
}

impl Ca {
    pub fn new() -> Ca {
        let key = rsa(2048);
        let mut name = X509Name::builder().unwrap();
        name.append_entry_by_text("CN", "mpadmin test CA").unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(1).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&time(-1)).unwrap();
        b.set_not_after(&time(3650)).unwrap();
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        Ca {
            key,
            cert: b.build(),
        }
    }

    /// A business certificate for `key`: serialNumber = orgno, valid from/to days from now.
    pub fn issue(
        &self,
        key: &PKey<Private>,
        cn: &str,
        valid_from: i64,
        valid_to: i64,
        signing: bool,
    ) -> X509 {
        self.issue_for(key, cn, Some(ORGNO), valid_from, valid_to, signing)
    }

    /// As [`issue`](Self::issue), with `orgno` in serialNumber (none: no serialNumber).
    pub fn issue_for(
        &self,
        key: &PKey<Private>,
        cn: &str,
        orgno: Option<&str>,
        valid_from: i64,
        valid_to: i64,
        signing: bool,
    ) -> X509 {
        let mut name = X509Name::builder().unwrap();
        name.append_entry_by_text("C", "NO").unwrap();
        name.append_entry_by_text("O", "TEST ORG AS").unwrap();
        if let Some(orgno) = orgno {
            name.append_entry_by_nid(Nid::SERIALNUMBER, orgno).unwrap();
        }
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        let serial = BigNum::from_u32(rand_u32()).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(self.cert.subject_name()).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&time(valid_from)).unwrap();
        b.set_not_after(&time(valid_to)).unwrap();
        let usage = if signing {
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()
        } else {
            KeyUsage::new().critical().non_repudiation().build()
        };
        b.append_extension(usage.unwrap()).unwrap();
        b.sign(&self.key, MessageDigest::sha256()).unwrap();
        b.build()
    }
}

fn rand_u32() -> u32 {
    let mut buf = [0u8; 4];
    openssl::rand::rand_bytes(&mut buf).unwrap();
    u32::from_le_bytes(buf) >> 1
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn write_key(dir: &Path, name: &str, key: &PKey<Private>) -> PathBuf {
    write(dir, name, &key.private_key_to_pem_pkcs8().unwrap())
}

pub fn write_cert(dir: &Path, name: &str, cert: &X509) -> PathBuf {
    write(dir, name, &cert.to_pem().unwrap())
}

/// One friendly-named entry per (key, cert), plus extra certificates; `legacy` uses
/// pbeWithSHA1And40BitRC2-CBC for the certificates and 3DES for the key, SHA-1 MAC.
pub fn write_p12(
    dir: &Path,
    name: &str,
    key: Option<&PKey<Private>>,
    cert: &X509,
    alias: &str,
    extra: &[&X509],
    legacy: bool,
) -> PathBuf {
    let mut b = Pkcs12::builder();
    b.name(alias);
    if let Some(key) = key {
        b.pkey(key);
    }
    b.cert(cert);
    if !extra.is_empty() {
        let mut st = Stack::new().unwrap();
        for c in extra {
            st.push((*c).clone()).unwrap();
        }
        b.ca(st);
    }
    if legacy {
        load_legacy();
        b.key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC);
        b.cert_algorithm(Nid::PBE_WITHSHA1AND40BITRC2_CBC);
        b.mac_md(MessageDigest::sha1());
    }
    let p12 = b.build2(P12_PASSWORD).unwrap();
    write(dir, name, &p12.to_der().unwrap())
}

/// Building a legacy file needs the provider too; mpadmin loads it by itself when reading.
fn load_legacy() {
    static P: std::sync::OnceLock<openssl::provider::Provider> = std::sync::OnceLock::new();
    P.get_or_init(|| openssl::provider::Provider::try_load(None, "legacy", true).unwrap());
}

/// Passwords from a map; `prompt` answers only when a terminal answer was given.
#[derive(Default)]
pub struct TestPasswords {
    pub vars: HashMap<String, String>,
    pub terminal: Option<String>,
    /// (service, account) -> password, standing in for the OS keychain.
    pub keychain: HashMap<(String, String), String>,
}

impl TestPasswords {
    pub fn with_var(name: &str, value: &str) -> TestPasswords {
        TestPasswords {
            vars: HashMap::from([(name.to_owned(), value.to_owned())]),
            ..TestPasswords::default()
        }
    }
}

impl PasswordSource for TestPasswords {
    fn var(&self, name: &str) -> Option<Secret> {
        self.vars.get(name).cloned().map(Secret::new)
    }

    fn prompt(&self, _question: &str) -> Option<std::io::Result<Secret>> {
        self.terminal.clone().map(|p| Ok(Secret::new(p)))
    }

    fn keychain(&self, service: &str, account: &str) -> Result<Option<Secret>, String> {
        Ok(self
            .keychain
            .get(&(service.to_owned(), account.to_owned()))
            .cloned()
            .map(Secret::new))
    }
}

/// Keys and certificates made once per test binary (RSA generation is the slow part).
pub struct Material {
    pub ca: Ca,
    pub key: PKey<Private>,
    pub cert: X509,
    pub other_key: PKey<Private>,
    pub expired: X509,
    pub future: X509,
    pub non_repudiation: X509,
    pub other_signing: X509,
}

pub fn material() -> &'static Material {
    static M: std::sync::OnceLock<Material> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let ca = Ca::new();
        let key = rsa(2048);
        let other_key = rsa(2048);
        Material {
            cert: ca.issue(&key, "TEST ORG AS auth", -1, 365, true),
            expired: ca.issue(&key, "TEST ORG AS old", -400, -2, true),
            future: ca.issue(&key, "TEST ORG AS next", 3, 400, true),
            non_repudiation: ca.issue(&key, "TEST ORG AS nonrep", -1, 365, false),
            other_signing: ca.issue(&other_key, "TEST ORG AS other auth", -1, 365, true),
            key,
            other_key,
            ca,
        }
    })
}

/// The usual files in a fresh temp dir: key.pem, cert.pem, other.pem (another key),
/// expired.pem, future.pem, business.p12 (modern), ca.pem.
pub fn material_dir() -> tempfile::TempDir {
    let m = material();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_key(d, "key.pem", &m.key);
    write_key(d, "other.pem", &m.other_key);
    write_cert(d, "cert.pem", &m.cert);
    write_cert(d, "expired.pem", &m.expired);
    write_cert(d, "future.pem", &m.future);
    write_cert(d, "ca.pem", &m.ca.cert);
    write_p12(d, "business.p12", Some(&m.key), &m.cert, "auth", &[], false);
    dir
}
