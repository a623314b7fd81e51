//! Dev-only test harness for Ketnoi: temporary SQLite and PostgreSQL databases,
//! a shared chromedriver with headless Chromium profiles, a local SMTP server (aiosmtpd),
//! a local Stripe API (localstripe), independent checkers on Node.js, and async polling.
//!
//! Depends on no other workspace crate (they use it as a dev-dependency).
//! Services that cannot be found (PostgreSQL, chromedriver/Chromium) make the
//! constructors return `None` after printing a `SKIPPED: ...` line to stderr,
//! unless `KETNOI_REQUIRE_POSTGRES=1` / `KETNOI_REQUIRE_BROWSER=1` is set, in
//! which case they panic. Shared services run under a supervisor shell that
//! stops them and deletes their files when the test process exits.

mod browser;
mod eventually;
mod node;
mod postgres;
mod python;
mod smtp;
mod sqlite;
mod stripe;
mod sys;

pub use browser::{
    BrowserProfile, CHROME_BIN_ENV, CHROMEDRIVER_ENV, REQUIRE_BROWSER_ENV, chromedriver_url,
};
pub use eventually::{eventually, eventually_true};
pub use node::{NodeChecker, REQUIRE_NODE_ENV};
pub use postgres::{PG_BIN_DIR_ENV, REQUIRE_POSTGRES_ENV, TempPostgres};
pub use smtp::{REQUIRE_SMTP_ENV, TempSmtp};
pub use sqlite::TempSqlite;
pub use stripe::{REQUIRE_STRIPE_ENV, TempStripe};
