//! Ketnoi's storage. One [`Db`] wraps a SQLite or a PostgreSQL pool, chosen at run time from
//! the URL. Each query is written once, in SQL that both engines accept (`$N` placeholders,
//! `RETURNING`, `ON CONFLICT`), and the [`on!`] macro runs it on whichever typed pool or
//! transaction is at hand. Transactions belong to the caller.

mod error;
mod filter;
mod pool;

/// Where the product writes to a person: her e-mail address, else the phone number her
/// account was made with (E.164). Every query that picks whom to tell (digests, order
/// notices, plan reminders, support-case notices, administrators) uses this one rule:
/// `contact!("u")` is `COALESCE(u.email, u.phone)` for the `users` row aliased `u`, and
/// `contact!()` the same on an unaliased `users`. [`users::User::contact`] is the same rule
/// on a user already read.
macro_rules! contact {
    () => {
        "COALESCE(email, phone)"
    };
    ($u:literal) => {
        concat!("COALESCE(", $u, ".email, ", $u, ".phone)")
    };
}

pub mod audit;
pub mod b2b;
pub mod badges;
pub mod cart;
pub mod cases;
pub mod demo;
pub mod digests;
pub mod events;
pub mod favourites;
pub mod feeds;
pub mod health;
pub mod import;
pub mod import_jobs;
pub mod listings;
pub mod media;
pub mod messaging;
pub mod network;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod password_resets;
pub mod payments;
pub mod plan;
pub mod registrations;
pub mod reports;
pub mod search_feed;
pub mod sessions;
pub mod signups;
pub mod sourcing;
pub mod support;
pub mod trace;
pub mod trade_buyers;
pub mod training;
pub mod unit_reports;
pub mod users;

pub use error::{DbError, Result};
pub use pool::{Backend, Conn, Db, Lease, Tx, now};
pub use sqlx;
