//! Ketnoi's use cases: one function per action a person or a job takes. Each opens its own
//! transaction and writes its audit and outbox rows inside it, so pages, the JSON API, the
//! command line and the worker share one copy of every rule. Nothing here knows HTTP.

pub mod b2b;
pub mod case_notices;
pub mod cases;
pub mod config;
pub mod digest;
pub mod error;
pub mod events;
pub mod i18n;
pub mod imports;
pub mod listings;
pub mod order_mail;
pub mod order_timer;
pub mod orders;
pub mod password;
pub mod payments;
pub mod plan_reminders;
pub mod progress;
pub mod reports;
pub mod search_feed;
pub mod sourcing;
pub mod throttle;
pub mod trace;
pub mod wholesale;

pub use error::{Error, FieldErrors, Msg, Result};
