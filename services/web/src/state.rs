//! The state every handler shares: a cheap clone around one `Arc`.

use crate::config::AppConfig;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ketnoi_db::Db;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    /// Search over listings and cooperatives (tantivy or Meilisearch).
    pub search: Arc<dyn ketnoi_search::SearchIndex>,
    /// Uploaded images and documents.
    pub media: ketnoi_media::MediaStore,
    pub config: AppConfig,
    /// Public pages as anonymous visitors see them.
    pub page_cache: crate::page_cache::PageCache,
    /// The plan's computed tallies, kept while nothing they count changes.
    pub tallies: ketnoi_app::progress::Tallies,
    /// Password-reset requests per account key (normalised e-mail or phone).
    pub resets_by_account: DefaultKeyedRateLimiter<String>,
    /// Failed sign-ins per (client address, account): progressive waits, no lockout.
    pub signin_throttle: ketnoi_app::throttle::SignInThrottle,
    /// Sign-ups per client IP.
    pub signups_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Requests carrying uploads per client IP.
    pub uploads_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Picture decoding within a memory budget.
    pub decoders: ketnoi_media::DecodePool,
    /// Workbooks being written at once (the plan's exports): one per core; more wait.
    pub export_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// Sign-in attempts per client IP.
    pub signin_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Messages posted per user.
    pub messages_by_user: DefaultKeyedRateLimiter<i64>,
    /// Live delivery of new messages to the open pages of this process.
    pub hub: Arc<crate::realtime::Hub>,
    pub payments: Payments,
    /// Whether the storage keeps writes (see [`crate::storage`]).
    pub storage: crate::storage::StorageHealth,
    /// Counts stamp scans off the request path.
    pub scans: ketnoi_app::trace::ScanRecorder,
    /// The trace pages' lots and stamp counts in memory (see `ketnoi_app::trace::TraceModel`).
    pub trace_model: ketnoi_app::trace::TraceModel,
}

/// The ways to pay this deployment offers: transfer and cash always, cards when Stripe is
/// configured.
pub struct Payments {
    pub stripe: Option<ketnoi_payments::stripe::Stripe>,
    viet_qr: ketnoi_payments::VietQrTransfer,
    cash: ketnoi_payments::CashOnDelivery,
}

impl Payments {
    /// The provider behind a way to pay, if this deployment offers it.
    pub fn provider(
        &self,
        method: ketnoi_domain::order::PaymentMethod,
    ) -> Option<&dyn ketnoi_payments::PaymentProvider> {
        use ketnoi_domain::order::PaymentMethod;
        match method {
            PaymentMethod::VietQr => Some(&self.viet_qr),
            PaymentMethod::Cod => Some(&self.cash),
            PaymentMethod::Stripe => self
                .stripe
                .as_ref()
                .map(|s| s as &dyn ketnoi_payments::PaymentProvider),
        }
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// `n` per hour, at most `burst` at once.
fn per_hour_burst(n: u32, burst: u32) -> Quota {
    let n = n.max(1);
    let burst = NonZeroU32::new(burst.clamp(1, n)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(std::time::Duration::from_secs(3600) / n)
        .map_or_else(|| per_minute(n), |q| q.allow_burst(burst))
}

/// Counts one request of `key` against `limiter`; beyond it, a 429 saying how long to wait.
pub fn governed<K>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), crate::error::AppError>
where
    K: std::hash::Hash + Eq + Clone,
{
    use governor::clock::{Clock, DefaultClock};
    limiter.check_key(key).map_err(|not_until| {
        crate::error::AppError::too_many(not_until.wait_time_from(DefaultClock::default().now()))
    })
}

impl AppState {
    pub fn new(
        db: Db,
        media: ketnoi_media::MediaStore,
        search: Arc<dyn ketnoi_search::SearchIndex>,
        config: AppConfig,
    ) -> AppState {
        let hub = Arc::new(crate::realtime::Hub::default());
        if matches!(db, Db::Postgres(_))
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(crate::realtime::listen(db.clone(), Arc::clone(&hub)));
        }
        let stripe = config.stripe.clone().and_then(|c| {
            ketnoi_payments::stripe::Stripe::new(c)
                .inspect_err(|e| tracing::error!(error = %e, "stripe is configured but unusable"))
                .ok()
        });
        let trace_model = ketnoi_app::trace::TraceModel::default();
        AppState(Arc::new(Inner {
            payments: Payments {
                stripe,
                viet_qr: ketnoi_payments::VietQrTransfer,
                cash: ketnoi_payments::CashOnDelivery,
            },
            hub,
            scans: ketnoi_app::trace::ScanRecorder::spawn(
                db.clone(),
                config.stamp_copy,
                trace_model.counts(),
            ),
            trace_model,
            storage: crate::storage::StorageHealth::default(),
            messages_by_user: RateLimiter::keyed(per_minute(config.messages_per_minute)),
            search,
            media,
            resets_by_account: RateLimiter::keyed(per_minute(config.resets_per_account_per_minute)),
            signin_throttle: ketnoi_app::throttle::SignInThrottle::new(config.signin_free_failures),
            signups_by_ip: RateLimiter::keyed(per_hour_burst(config.signups_per_ip_per_hour, 5)),
            uploads_by_ip: RateLimiter::keyed(per_minute(config.uploads_per_ip_per_minute)),
            decoders: ketnoi_media::DecodePool::new(config.image_decode_budget_mib, 16),
            export_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
            signin_by_ip: RateLimiter::keyed(per_minute(config.signin_per_ip_per_minute)),
            page_cache: crate::page_cache::PageCache::new(config.page_cache_ttl),
            tallies: ketnoi_app::progress::Tallies::default(),
            db,
            config,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
