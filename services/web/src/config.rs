//! Settings the web layer needs. The binary reads them from the environment.

pub use ketnoi_app::config::ConfirmTimer;
use std::fmt;

/// A secret that never shows itself in logs or debug output.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
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
    /// Failed-or-not sign-in attempts allowed per account per minute, and their burst.
    pub signin_per_account_per_minute: u32,
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
    /// When an unconfirmed order reminds its cooperative, then its proxy officers, then
    /// cancels itself.
    pub confirm_timer: ConfirmTimer,
    /// What the storage check looks at (see [`crate::storage`]).
    pub storage: crate::storage::StorageConfig,
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
            signin_per_account_per_minute: 5,
            signin_per_ip_per_minute: 30,
            trust_proxy: false,
            page_cache_ttl: std::time::Duration::from_secs(10),
            messages_per_minute: 30,
            group_max_members: 2000,
            attachment_max_bytes: 5 * 1024 * 1024,
            stripe: None,
            bank_webhook_secret: None,
            confirm_timer: ConfirmTimer::default(),
            storage: crate::storage::StorageConfig::default(),
        }
    }
}
