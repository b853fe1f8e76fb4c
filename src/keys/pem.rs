//! A PEM scanner (RFC 7468) that reports the label of every block before decoding any, so
//! private keys can be recognised and refused whatever their form or encryption.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub(crate) struct Block {
    pub label: String,
    body: String,
}

impl Block {
    pub fn der(&self) -> Result<Vec<u8>, String> {
        STANDARD
            .decode(&self.body)
            .map_err(|_| format!("the {} block is not valid base64", self.label))
    }
}

/// Every `-----BEGIN X-----` .. `-----END X-----` block in `text`, in order. Text outside
/// blocks is ignored (OpenSSL writes a human-readable dump before certificates).
pub(crate) fn blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut found = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            // RFC 1421 headers (Proc-Type, DEK-Info) of legacy encrypted keys are not base64.
            if !line.contains(':') {
                body.push_str(line);
            }
        }
        if !closed {
            return Err(format!("the {label} block has no '{end}' line"));
        }
        found.push(Block {
            label: label.to_owned(),
            body,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_and_skips_headers_and_prose() {
        let text = "Certificate:\n  Data: ...\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n\
                    -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let found = blocks(text).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].label, "CERTIFICATE");
        assert_eq!(found[0].der().unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(found[1].label, "RSA PRIVATE KEY");
        assert_eq!(found[1].der().unwrap(), vec![0, 0, 0]);
    }

    #[test]
    fn unterminated_block_is_an_error() {
        let err = blocks("-----BEGIN PUBLIC KEY-----\nAAAA\n").err().unwrap();
        assert!(err.contains("-----END PUBLIC KEY-----"));
    }
}
