//! Values parsed at the edge and trusted inside: an `OrgNumber`, `ScopeName`, `Kid` or
//! `ClientId` that exists is valid, so no request is ever sent with a malformed one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a value typed by the user (or read from a file) was refused. The message says what
/// is wrong and how to write it instead; the caller adds which field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

fn invalid(msg: impl Into<String>) -> InvalidValue {
    InvalidValue(msg.into())
}

macro_rules! validated_string {
    ($(#[$meta:meta])* $name:ident, $parse:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                $parse(s).map(|()| $name(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                $parse(&s).map(|()| $name(s))
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated_string!(
    /// A Norwegian organisation number: 9 digits, the last a MOD11 check digit.
    OrgNumber,
    check_orgno
);
validated_string!(
    /// A scope name `prefix:subscope`, e.g. `nav:pensjon/v3/alderspensjon`.
    ScopeName,
    check_scope_name
);
validated_string!(
    /// A JWK key id: letters, digits, `.`, `_`, `-`.
    Kid,
    check_kid
);
validated_string!(
    /// A client id as Digdir issues them (UUIDs, or legacy names like `oidc_svv_api2`).
    ClientId,
    check_client_id
);

impl OrgNumber {
    /// The organisation number in a business certificate's subject: `serialNumber` holds it
    /// bare (`991825827`), SEID 2.0 `organizationIdentifier` as `NTRNO-991825827`.
    pub fn from_certificate_field(value: &str) -> Option<OrgNumber> {
        value.strip_prefix("NTRNO-").unwrap_or(value).parse().ok()
    }
}

const ORGNO_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// The MOD11 check digit for the first eight digits, or `None` when no digit can make the
/// number valid (remainder 1).
pub fn orgno_check_digit(first8: &[u32; 8]) -> Option<u32> {
    let sum: u32 = first8.iter().zip(ORGNO_WEIGHTS).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d),
    }
}

fn check_orgno(s: &str) -> Result<(), InvalidValue> {
    if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "'{s}' is not an organisation number: write exactly 9 digits, e.g. 991825827"
        )));
    }
    let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut first8 = [0u32; 8];
    first8.copy_from_slice(&digits[..8]);
    match orgno_check_digit(&first8) {
        Some(d) if d == digits[8] => Ok(()),
        _ => Err(invalid(format!(
            "'{s}' fails the MOD11 check digit: check the number for a typo"
        ))),
    }
}

/// Characters of a scope segment. Digdir documents no subscope grammar; real scopes use
/// lower-case letters, digits and `æøå`, with `-` and `_` in a few legacy names, so those are
/// accepted when *naming* an existing scope. `ScopeName::for_create` is stricter.
fn scope_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, 'æ' | 'ø' | 'å' | '-' | '_')
}

fn check_segments(
    what: &str,
    s: &str,
    seps: &[char],
    char_ok: fn(char) -> bool,
) -> Result<(), InvalidValue> {
    if s.is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    if let Some(c) = s.chars().find(|c| !char_ok(*c) && !seps.contains(c)) {
        let hint = if c.is_uppercase() {
            "use lower case".to_owned()
        } else if c.is_whitespace() {
            "remove the space".to_owned()
        } else {
            format!("'{c}' is not allowed")
        };
        return Err(invalid(format!("{what} '{s}' has '{c}': {hint}")));
    }
    let mut prev_sep = true;
    for c in s.chars() {
        let is_sep = seps.contains(&c);
        if is_sep && prev_sep {
            return Err(invalid(format!(
                "{what} '{s}' has an empty part: a separator ({}) must stand between letters or digits",
                seps.iter().collect::<String>()
            )));
        }
        prev_sep = is_sep;
    }
    if prev_sep {
        return Err(invalid(format!("{what} '{s}' ends with a separator")));
    }
    Ok(())
}

fn check_scope_name(s: &str) -> Result<(), InvalidValue> {
    let Some((prefix, subscope)) = s.split_once(':') else {
        return Err(invalid(format!(
            "'{s}' is not a scope name: write prefix:subscope, e.g. difitest:api3"
        )));
    };
    if s.len() > 255 {
        return Err(invalid(format!(
            "scope name '{s}' is longer than 255 characters"
        )));
    }
    check_segments("prefix", prefix, &[], scope_char)?;
    check_segments("subscope", subscope, &['/', '.', ':'], scope_char)
}

fn strict_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, 'æ' | 'ø' | 'å')
}

impl ScopeName {
    /// A new scope: segments of `[a-z0-9æøå]` joined by `/`, `.` or `:` (section 4.9 of the
    /// API notes; Altinn's published regex has no `-` or `_`).
    pub fn for_create(prefix: &str, subscope: &str) -> Result<ScopeName, InvalidValue> {
        check_segments("prefix", prefix, &[], strict_char)?;
        check_segments("subscope", subscope, &['/', '.', ':'], strict_char)?;
        format!("{prefix}:{subscope}").parse()
    }

    pub fn prefix(&self) -> &str {
        self.0.split_once(':').map_or("", |(p, _)| p)
    }

    pub fn subscope(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, s)| s)
    }
}

fn check_kid(s: &str) -> Result<(), InvalidValue> {
    if s.is_empty() || s.len() > 200 {
        return Err(invalid("key id (kid) must be 1 to 200 characters"));
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        Some(c) => Err(invalid(format!(
            "key id '{s}' has '{c}': use letters, digits, '.', '_' and '-' only"
        ))),
        None => Ok(()),
    }
}

fn check_client_id(s: &str) -> Result<(), InvalidValue> {
    if s.is_empty() || s.len() > 200 {
        return Err(invalid("client id must be 1 to 200 characters"));
    }
    if s == "." || s == ".." {
        return Err(invalid(format!("'{s}' is not a client id")));
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        Some(c) => Err(invalid(format!(
            "client id '{s}' has '{c}': client ids are UUIDs or names of letters, digits, '.', '_', '-'"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orgno_accepts_valid_and_rejects_bad_check_digit() {
        assert!("991825827".parse::<OrgNumber>().is_ok());
        assert!("889640782".parse::<OrgNumber>().is_ok());
        let err = "991825828".parse::<OrgNumber>().unwrap_err();
        assert!(err.0.contains("MOD11"), "{err}");
        let err = "99182582".parse::<OrgNumber>().unwrap_err();
        assert!(err.0.contains("9 digits"), "{err}");
        assert!("99182582a".parse::<OrgNumber>().is_err());
        assert!("..".parse::<OrgNumber>().is_err());
        assert_eq!(
            OrgNumber::from_certificate_field("NTRNO-991825827")
                .unwrap()
                .as_str(),
            "991825827"
        );
        assert!(OrgNumber::from_certificate_field("NTRNO-12").is_none());
    }

    #[test]
    fn orgno_check_digit_remainder_one_has_no_valid_number() {
        // Every 8-digit stem either yields a digit or None; None stems never validate.
        let stem = [0, 0, 0, 0, 0, 0, 1, 0]; // sum 3 -> 11-3 = 8
        assert_eq!(orgno_check_digit(&stem), Some(8));
        let stem = [0, 0, 0, 0, 0, 0, 0, 5]; // sum 10 -> 11-10 = 1
        assert_eq!(orgno_check_digit(&stem), Some(1));
        let stem = [0, 0, 0, 0, 0, 0, 0, 6]; // sum 12 -> 12%11=1 -> 10 -> invalid
        assert_eq!(orgno_check_digit(&stem), None);
    }

    #[test]
    fn scope_names() {
        for ok in [
            "difitest:api3",
            "nav:pensjon/v3/alderspensjon",
            "altinn:serviceowner/instances.read",
            "krr:global/kontaktinformasjon.read",
            "skatt:mva-melding",
        ] {
            assert!(ok.parse::<ScopeName>().is_ok(), "{ok}");
        }
        for bad in [
            "noprefix", ":x", "a:", "a:b//c", "a:b.", "A:b", "a:b c", "a:B",
        ] {
            assert!(bad.parse::<ScopeName>().is_err(), "{bad}");
        }
        let s: ScopeName = "nav:pensjon/v3".parse().unwrap();
        assert_eq!((s.prefix(), s.subscope()), ("nav", "pensjon/v3"));
        assert!(ScopeName::for_create("nav", "mva-melding").is_err());
        assert!(ScopeName::for_create("nav", "pensjon/v3.read").is_ok());
        let err = "nav:Pensjon".parse::<ScopeName>().unwrap_err();
        assert!(err.0.contains("lower case"), "{err}");
    }

    #[test]
    fn kids_and_client_ids() {
        assert!("my-client-2026-11-22".parse::<Kid>().is_ok());
        assert!("bad kid".parse::<Kid>().is_err());
        assert!("".parse::<Kid>().is_err());
        assert!(
            "238259d7-f0ab-4bd5-b253-0f0159375096"
                .parse::<ClientId>()
                .is_ok()
        );
        assert!("oidc_svv_api2".parse::<ClientId>().is_ok());
        assert!("../scopes".parse::<ClientId>().is_err());
        assert!("..".parse::<ClientId>().is_err());
    }

    #[test]
    fn serde_rejects_invalid() {
        assert!(serde_json::from_str::<OrgNumber>("\"991825827\"").is_ok());
        assert!(serde_json::from_str::<OrgNumber>("\"123\"").is_err());
    }
}
