//! Black-box tests over real TCP: each runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod api;
mod authorization;
mod b2b;
mod bank;
mod case_figures;
mod cases;
mod catalogue;
mod checkout;
mod connections;
mod digests;
mod events;
mod favourites;
mod feeds;
mod imports;
mod listing_rules;
mod malformed;
mod manage;
mod message_actions;
mod messaging;
mod network;
mod orders;
mod page_cache;
mod phone_prefs;
mod plan;
mod reports;
mod scope;
mod search;
mod shell;
mod storage;
mod stripe;
mod trace;
mod training;
mod unchanged;
