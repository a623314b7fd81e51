//! Settings the web layer needs. The binary reads them from the environment.

pub use ketnoi_app::config::ConfirmTimer;
use std::fmt;

/// A secret that never shows itself in logs or debug output.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

/// Why a configured secret was refused. Says which setting, never the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WeakSecret {
    #[error("{name} must be at least {min} characters, without spaces around it")]
    TooShort { name: &'static str, min: usize },
    #[error(
        "{name} is too predictable (repeated or few different characters); use a random value, e.g. `openssl rand -hex 32`"
    )]
    Predictable { name: &'static str },
}

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// A secret from configuration, refused when shorter than `min_chars` or when its
    /// characters carry less than `min_bits` by their frequencies (32 identical characters
    /// carry none; 32 random hex digits about 118).
    pub fn checked(
        name: &'static str,
        value: &str,
        min_chars: usize,
        min_bits: f64,
    ) -> Result<Secret, WeakSecret> {
        let n = value.chars().count();
        if n < min_chars || value.trim() != value {
            return Err(WeakSecret::TooShort {
                name,
                min: min_chars,
            });
        }
        let mut counts = std::collections::HashMap::new();
        for c in value.chars() {
            *counts.entry(c).or_insert(0usize) += 1;
        }
        let len = n as f64;
        let bits: f64 = counts
            .values()
            .map(|&k| {
                let p = k as f64 / len;
                -p * p.log2() * len
            })
            .sum();
        if counts.len() < 8 || bits < min_bits {
            return Err(WeakSecret::Predictable { name });
        }
        Ok(Secret(value.as_bytes().to_vec()))
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secrets_are_refused_with_the_setting_named() {
        let check = |v: &str| Secret::checked("SECRET_KEY", v, 32, 96.0).map(|_| ());
        assert_eq!(
            check(&"a".repeat(32)),
            Err(WeakSecret::Predictable { name: "SECRET_KEY" })
        );
        assert_eq!(
            check(&" ".repeat(40)),
            Err(WeakSecret::TooShort {
                name: "SECRET_KEY",
                min: 32
            })
        );
        assert!(check(&"ab".repeat(20)).is_err());
        assert!(check("3f9c1a7e5b2d8046c1e9a3b7f5d2e8064a1c9e7b3f5d2a80").is_ok());
        assert!(check("test-secret-key-0123456789abcdef0123456789").is_ok());
        let msg = check(&"x".repeat(40)).unwrap_err().to_string();
        assert!(msg.contains("SECRET_KEY") && !msg.contains("xxxx"), "{msg}");
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where users reach the site, e.g. `https://ketnoi.vn`; used in links sent by e-mail.
    pub public_url: String,
    /// Signs CSRF tokens.
    pub secret_key: Secret,
    /// Failed sign-ins per (client address, account) pair before each further failure
    /// doubles the wait ([`ketnoi_app::throttle`]).
    pub signin_free_failures: u32,
    /// Password-reset requests allowed per account per minute.
    pub resets_per_account_per_minute: u32,
    /// Sign-ups allowed per client address per hour (at most 5 at once).
    pub signups_per_ip_per_hour: u32,
    /// Uploads (requests carrying pictures or documents) per client address per minute.
    pub uploads_per_ip_per_minute: u32,
    /// Memory, in MiB, that pictures being decoded may hold together; a picture waits for
    /// room (at most 16 wait, the others get 503). Also bounds the largest picture accepted.
    pub image_decode_budget_mib: u32,
    /// Sign-in attempts allowed per client IP per minute.
    pub signin_per_ip_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// How long anonymous visitors may be served a stored public page; zero turns the
    /// page cache off (see [`crate::page_cache`]).
    pub page_cache_ttl: std::time::Duration,
    /// Messages one user may post per minute (all conversations together).
    pub messages_per_minute: u32,
    /// Most members a network group may have.
    pub group_max_members: i64,
    /// Largest picture a message may carry, in bytes.
    pub attachment_max_bytes: usize,
    /// Card payments through Stripe; `None` offers no card option.
    pub stripe: Option<ketnoi_payments::stripe::StripeConfig>,
    /// Signs bank notifications (`POST /webhooks/bank`); `None` turns the endpoint off.
    pub bank_webhook_secret: Option<Secret>,
    /// Check the phone providers' delivery reports (`/webhooks/zns`, `/webhooks/sms`); a
    /// provider without keys has its endpoint off.
    pub phone_callbacks: ketnoi_notify::callbacks::Keys,
    /// When an unconfirmed order reminds its cooperative, then its proxy officers, then
    /// cancels itself.
    pub confirm_timer: ConfirmTimer,
    /// What the storage check looks at (see [`crate::storage`]).
    pub storage: crate::storage::StorageConfig,
    /// A base map under the directory's map and the place picker; `None` draws every
    /// ward's and commune's centre instead (no request leaves the site).
    pub map_tiles: Option<crate::map::TileSource>,
    /// When the cooperatives' six-monthly and annual reports are due.
    pub report_deadlines: ketnoi_domain::report::Deadlines,
    /// A stamp scanned by more distinct clients than `threshold` within `window` is flagged
    /// as possibly copied (see [`ketnoi_app::trace::ScanRecorder`]).
    pub stamp_copy: ketnoi_app::trace::CopyRule,
}

impl AppConfig {
    /// Cookies get `Secure` when the site is served over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// A configuration for tests and local runs.
    pub fn local(public_url: String, secret_key: Secret) -> AppConfig {
        AppConfig {
            public_url,
            secret_key,
            signin_free_failures: 5,
            resets_per_account_per_minute: 5,
            signups_per_ip_per_hour: 20,
            uploads_per_ip_per_minute: 30,
            image_decode_budget_mib: 192,
            signin_per_ip_per_minute: 30,
            trust_proxy: false,
            page_cache_ttl: std::time::Duration::from_secs(10),
            messages_per_minute: 30,
            group_max_members: 2000,
            attachment_max_bytes: 5 * 1024 * 1024,
            stripe: None,
            bank_webhook_secret: None,
            phone_callbacks: ketnoi_notify::callbacks::Keys::default(),
            confirm_timer: ConfirmTimer::default(),
            storage: crate::storage::StorageConfig::default(),
            map_tiles: None,
            report_deadlines: ketnoi_domain::report::Deadlines::default(),
            stamp_copy: ketnoi_app::trace::CopyRule::default(),
        }
    }
}
