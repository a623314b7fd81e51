//! CSRF protection for forms: the token is an HMAC of a random per-browser cookie under the
//! server's secret, so a page on another site can neither read nor forge it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], anchor: &str) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    m.update(b"ketnoi-csrf-v1:");
    m.update(anchor.as_bytes());
    Some(m)
}

/// The token forms carry for the browser holding `anchor`.
pub fn token(secret: &[u8], anchor: &str) -> String {
    mac(secret, anchor)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a submitted token in constant time.
pub fn verify(secret: &[u8], anchor: &str, submitted: &str) -> bool {
    let Ok(bytes) = hex::decode(submitted) else {
        return false;
    };
    mac(secret, anchor).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_verifies_only_for_its_anchor_and_secret() {
        let t = token(b"secret", "anchor-a");
        assert!(verify(b"secret", "anchor-a", &t));
        assert!(!verify(b"secret", "anchor-b", &t));
        assert!(!verify(b"other", "anchor-a", &t));
        assert!(!verify(b"secret", "anchor-a", "not hex"));
        assert!(!verify(b"secret", "anchor-a", ""));
    }
}
