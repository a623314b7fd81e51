//! Pure types and rules of Ketnoi: no IO, no framework. Everything here is safe to call
//! from any layer and is tested without a database.

pub mod admin_units;
pub mod cases;
pub mod catalog;
pub mod contact;
pub mod epcis;
pub mod event;
pub mod feed;
pub mod import;
pub mod listing;
pub mod locale;
pub mod money;
pub mod order;
pub mod org;
pub mod plan;
pub mod progress;
pub mod report;
pub mod role;
pub mod text;
pub mod time;
pub mod trace;
pub mod trade;
pub mod units;

pub use locale::Locale;
pub use money::Vnd;
