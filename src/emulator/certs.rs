//! The emulator's key material: a test CA, test business certificates issued by it and the
//! admin client's own key. RSA generation is the slow part of start-up (up to half a second
//! per key on a slow machine), so there are four keys, generated two by two in parallel once
//! per process and shared by every emulator the process starts. The CA key also signs the
//! access tokens; the admin's own key is also the public key of every seeded client.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private, Public};
use openssl::provider::Provider;
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509Ref};

use super::EmulatorError;
use crate::wire::models::Jwk;
use crate::wire::types::OrgNumber;

/// The organisation the emulator's admin client belongs to (the demo organisation).
pub const OWN_ORGNO: &str = "991825827";
pub const OWN_ORG_NAME: &str = "DEMO DIREKTORATET";
/// A second organisation with its own test certificate, for "wrong organisation" (MP-122) tests.
pub const OTHER_ORGNO: &str = "889640782";
pub const OTHER_ORG_NAME: &str = "DEMO ETATEN";

/// Kid of the admin client's own key (`admin-own.key.pem`).
pub const ADMIN_KID: &str = "mpadmin-emulator-admin-key";
/// Kid of the key that signs access tokens (the CA key, published on `/jwk`).
pub const TOKEN_SIGNING_KID: &str = "mpadmin-emulator-signing-key";

const KEY_BITS: u32 = 2048;

/// How the organisation number sits in a certificate subject.
#[derive(Clone, Copy)]
enum OrgField {
    /// `serialNumber=991825827` (classic Buypass/Commfides).
    SerialNumber,
    /// `organizationIdentifier=NTRNO-889640782` (SEID 2.0).
    OrganizationIdentifier,
}

/// One organisation's test business certificate and its private key.
pub struct BusinessCert {
    pub key: PKey<Private>,
    pub cert: X509,
}

/// Everything the emulator signs or trusts with.
pub struct Pki {
    /// Signs the certificates and the access tokens (published on `/jwk`).
    pub ca_key: PKey<Private>,
    pub ca: X509,
    pub business: BusinessCert,
    pub other_org: BusinessCert,
    /// The admin client's own key; seeded clients carry its public half under other kids.
    pub admin_own: PKey<Private>,
}

static PROCESS_PKI: OnceLock<Result<Pki, String>> = OnceLock::new();

/// The process-wide key material (generated on first use).
pub fn pki() -> Result<&'static Pki, EmulatorError> {
    PROCESS_PKI
        .get_or_init(Pki::generate)
        .as_ref()
        .map_err(|e| EmulatorError::Crypto(e.clone()))
}

impl Pki {
    fn generate() -> Result<Pki, String> {
        // Two threads halve the wait on a 2-core machine.
        let [first, second] = std::thread::scope(|s| {
            let spawn = || s.spawn(|| Ok::<_, ErrorStack>([rsa_key()?, rsa_key()?]));
            [spawn(), spawn()].map(|h| match h.join() {
                Ok(keys) => keys.map_err(|e| format!("RSA key generation: {e}")),
                Err(_) => Err("RSA key generation panicked".to_owned()),
            })
        });
        let [ca_key, business_key] = first?;
        let [other_key, admin_own] = second?;
        Self::issue(ca_key, business_key, other_key, admin_own).map_err(|e| e.to_string())
    }

    fn issue(
        ca_key: PKey<Private>,
        business_key: PKey<Private>,
        other_key: PKey<Private>,
        admin_own: PKey<Private>,
    ) -> Result<Pki, ErrorStack> {
        let ca = ca_cert(&ca_key)?;
        let business = BusinessCert {
            cert: business_cert(
                &ca,
                &ca_key,
                &business_key,
                OWN_ORGNO,
                OWN_ORG_NAME,
                OrgField::SerialNumber,
            )?,
            key: business_key,
        };
        let other_org = BusinessCert {
            cert: business_cert(
                &ca,
                &ca_key,
                &other_key,
                OTHER_ORGNO,
                OTHER_ORG_NAME,
                OrgField::OrganizationIdentifier,
            )?,
            key: other_key,
        };
        Ok(Pki {
            ca_key,
            ca,
            business,
            other_org,
            admin_own,
        })
    }

    /// Write the files a user (or a test) signs grants with. Private keys get mode 0600.
    pub fn write_files(&self, dir: &Path, p12_password: &str) -> Result<(), EmulatorError> {
        let crypto = |e: ErrorStack| EmulatorError::Crypto(e.to_string());
        let files: Vec<(&str, Vec<u8>, bool)> = vec![
            ("ca.pem", self.ca.to_pem().map_err(crypto)?, false),
            (
                "business.cert.pem",
                self.business.cert.to_pem().map_err(crypto)?,
                false,
            ),
            (
                "business.key.pem",
                self.business
                    .key
                    .private_key_to_pem_pkcs8()
                    .map_err(crypto)?,
                true,
            ),
            (
                "other-org.cert.pem",
                self.other_org.cert.to_pem().map_err(crypto)?,
                false,
            ),
            (
                "other-org.key.pem",
                self.other_org
                    .key
                    .private_key_to_pem_pkcs8()
                    .map_err(crypto)?,
                true,
            ),
            (
                "admin-own.key.pem",
                self.admin_own.private_key_to_pem_pkcs8().map_err(crypto)?,
                true,
            ),
            (
                "business.p12",
                self.business_p12(p12_password, false)?,
                true,
            ),
            (
                "business-legacy.p12",
                self.business_p12(p12_password, true)?,
                true,
            ),
            ("p12-password.txt", p12_password.as_bytes().to_vec(), true),
        ];
        for (name, bytes, private) in files {
            super::files::write(dir, name, &bytes, private)?;
        }
        Ok(())
    }

    /// The business certificate as PKCS#12: modern (AES-256 + PBKDF2, OpenSSL 3's default) or
    /// legacy (RC2-40 for the certificates, 3DES for the key, SHA-1 MAC), as older tooling writes.
    fn business_p12(&self, password: &str, legacy: bool) -> Result<Vec<u8>, EmulatorError> {
        let crypto = |e: ErrorStack| EmulatorError::Crypto(format!("PKCS#12: {e}"));
        let mut chain = Stack::new().map_err(crypto)?;
        chain.push(self.ca.clone()).map_err(crypto)?;
        let mut builder = Pkcs12::builder();
        builder
            .name("business")
            .pkey(&self.business.key)
            .cert(&self.business.cert)
            .ca(chain);
        if legacy {
            legacy_provider()?;
            builder
                .key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .cert_algorithm(Nid::PBE_WITHSHA1AND40BITRC2_CBC)
                .mac_md(MessageDigest::sha1());
        }
        builder
            .build2(password)
            .and_then(|p| p.to_der())
            .map_err(crypto)
    }
}

/// OpenSSL 3 keeps RC2 in the legacy provider; load it once and keep it loaded.
fn legacy_provider() -> Result<(), EmulatorError> {
    static LEGACY: OnceLock<Result<Provider, String>> = OnceLock::new();
    LEGACY
        .get_or_init(|| Provider::try_load(None, "legacy", true).map_err(|e| e.to_string()))
        .as_ref()
        .map(drop)
        .map_err(|e| {
            EmulatorError::Crypto(format!(
                "cannot load OpenSSL's legacy provider for business-legacy.p12: {e}"
            ))
        })
}

fn rsa_key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(KEY_BITS)?)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn random_serial() -> Result<Asn1Integer, ErrorStack> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false)?;
    bn.to_asn1_integer()
}

fn new_builder(key: &PKey<Private>, valid_days: i64) -> Result<X509Builder, ErrorStack> {
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let serial = random_serial()?;
    b.set_serial_number(&serial)?;
    let now = now_secs();
    // Backdated an hour so a client clock slightly behind still sees a valid certificate.
    let not_before = Asn1Time::from_unix(now - 3600)?;
    let not_after = Asn1Time::from_unix(now + valid_days * 86_400)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    b.set_pubkey(key)?;
    Ok(b)
}

fn ca_cert(key: &PKey<Private>) -> Result<X509, ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "NO")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "mpadmin emulator")?;
    name.append_entry_by_nid(Nid::COMMONNAME, "mpadmin emulator test CA")?;
    let name = name.build();
    let mut b = new_builder(key, 3650)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

fn business_cert(
    ca: &X509,
    ca_key: &PKey<Private>,
    key: &PKey<Private>,
    orgno: &str,
    org_name: &str,
    field: OrgField,
) -> Result<X509, ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "NO")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, org_name)?;
    name.append_entry_by_nid(Nid::COMMONNAME, &format!("{org_name} TEST"))?;
    match field {
        OrgField::SerialNumber => name.append_entry_by_nid(Nid::SERIALNUMBER, orgno)?,
        OrgField::OrganizationIdentifier => {
            name.append_entry_by_text("organizationIdentifier", &format!("NTRNO-{orgno}"))?
        }
    }
    let mut b = new_builder(key, 730)?;
    b.set_subject_name(&name.build())?;
    b.set_issuer_name(ca.subject_name())?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
    b.sign(ca_key, MessageDigest::sha256())?;
    Ok(b.build())
}

/// The organisation number in a certificate subject (`serialNumber`, or SEID 2.0
/// `organizationIdentifier` = `NTRNO-<orgno>`).
pub fn certificate_orgno(cert: &X509Ref) -> Option<OrgNumber> {
    cert.subject_name().entries().find_map(|e| {
        let nid = e.object().nid();
        let is_org_field = nid == Nid::SERIALNUMBER
            || e.object().to_string() == "organizationIdentifier"
            || nid
                .short_name()
                .is_ok_and(|n| n == "organizationIdentifier");
        if !is_org_field {
            return None;
        }
        let value = e.data().to_string().ok()?;
        OrgNumber::from_certificate_field(&value)
    })
}

/// The public JWK (`kty`, `use`, `alg`, `kid`, `n`, `e`) of an RSA key.
pub fn public_jwk<T: openssl::pkey::HasPublic>(
    key: &PKey<T>,
    kid: &str,
) -> Result<Jwk, EmulatorError> {
    let rsa = key
        .rsa()
        .map_err(|e| EmulatorError::Crypto(format!("not an RSA key: {e}")))?;
    Ok(Jwk {
        kty: "RSA".into(),
        kid: Some(kid.into()),
        alg: Some("RS256".into()),
        use_: Some("sig".into()),
        n: Some(URL_SAFE_NO_PAD.encode(rsa.n().to_vec())),
        e: Some(URL_SAFE_NO_PAD.encode(rsa.e().to_vec())),
        exp: None,
        extra: Default::default(),
    })
}

/// The RSA public key of a JWK, or why it is not one.
pub fn jwk_public_key(jwk: &Jwk) -> Result<PKey<Public>, String> {
    let decode = |field: &str, v: &Option<String>| -> Result<BigNum, String> {
        let s = v
            .as_deref()
            .ok_or_else(|| format!("'{field}' is missing"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| format!("'{field}' is not base64url"))?;
        BigNum::from_slice(&bytes).map_err(|e| e.to_string())
    };
    let rsa = Rsa::from_public_components(decode("n", &jwk.n)?, decode("e", &jwk.e)?)
        .map_err(|e| e.to_string())?;
    PKey::from_rsa(rsa).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_carry_the_orgno_and_chain_to_the_ca() {
        let pki = pki().unwrap();
        assert_eq!(
            certificate_orgno(&pki.business.cert).unwrap().as_str(),
            OWN_ORGNO
        );
        assert_eq!(
            certificate_orgno(&pki.other_org.cert).unwrap().as_str(),
            OTHER_ORGNO
        );
        let ca_pub = pki.ca.public_key().unwrap();
        assert!(pki.business.cert.verify(&ca_pub).unwrap());
        assert!(
            !pki.business
                .cert
                .verify(&pki.business.cert.public_key().unwrap())
                .unwrap()
        );
    }

    #[test]
    fn jwk_round_trip() {
        let pki = pki().unwrap();
        let jwk = public_jwk(&pki.admin_own, ADMIN_KID).unwrap();
        let back = jwk_public_key(&jwk).unwrap();
        assert!(back.public_eq(&pki.admin_own));
    }
}
