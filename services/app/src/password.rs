//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 passes), off the async threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// A real hash of a random password: verifying against it when the account does not exist
/// makes "unknown account" take as long as "wrong password".
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"ketnoi-timing-equaliser")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await?
}

/// Checks `password` against a stored PHC string; `None` runs a dummy check and fails.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = super::hash("mật khẩu dài".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            super::verify("mật khẩu dài".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!super::verify("mat khau dai".into(), Some(h)).await.unwrap());
        assert!(!super::verify("anything".into(), None).await.unwrap());
    }
}
