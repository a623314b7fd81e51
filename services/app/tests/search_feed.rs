//! The search change log and the indexer, on SQLite and PostgreSQL, with the real tantivy
//! index: every write is logged in its own transaction, and applying the log makes the index
//! hold exactly the public documents the database holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The store tests' fresh databases and `on_both_backends!`, shared rather than copied.
#[path = "../../db/tests/common/mod.rs"]
mod common;

use ketnoi_app::search_feed::{self as feed, INDEXER};
use ketnoi_db::search_feed;
use ketnoi_db::{Db, listings, orgs};
use ketnoi_domain::catalog::ListingStatus;
use ketnoi_search::tantivy_index::TantivyIndex;
use ketnoi_search::{DocKey, DocKind, SearchIndex, SearchQuery};
use std::collections::BTreeSet;

on_both_backends!(
    every_catalogue_write_is_logged_in_its_own_transaction,
    applying_the_log_makes_the_index_hold_what_the_database_holds,
    a_rebuild_starts_from_the_log_position_it_read,
    expired_badges_are_queued_for_the_day_they_expired,
);

async fn expired_badges_are_queued_for_the_day_they_expired(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let expiring: Vec<chrono::NaiveDate> = {
        let mut v = Vec::new();
        for o in orgs::list(db.conn(), None, 1000, 0).await.unwrap() {
            for b in ketnoi_db::badges::of_org(db.conn(), o.id).await.unwrap() {
                if b.status == ketnoi_domain::catalog::BadgeStatus::Verified {
                    v.extend(b.expires_on);
                }
            }
        }
        v
    };
    let day = *expiring
        .first()
        .expect("the demo has badges with an expiry date");
    let on_that_day = expiring.iter().filter(|d| **d == day).count() as u64;
    let before = search_feed::last_change(db.conn()).await.unwrap();
    let n = search_feed::log_expired_badges(db.conn(), day, day + chrono::Days::new(1))
        .await
        .unwrap();
    assert_eq!(n, on_that_day);
    assert_eq!(
        search_feed::changes_after(db.conn(), before, 1000)
            .await
            .unwrap()
            .len() as u64,
        n
    );
}

async fn logged(db: &Db) -> Vec<(String, i64)> {
    search_feed::changes_after(db.conn(), 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.entity_id))
        .collect()
}

async fn every_catalogue_write_is_logged_in_its_own_transaction(db: &Db) {
    assert!(logged(db).await.is_empty());
    ketnoi_db::demo::import(db).await.unwrap();
    let log = logged(db).await;
    let coop = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    assert!(log.contains(&("cooperative".into(), coop.id)));
    let listing = listings::of_org(db.conn(), coop.id).await.unwrap()[0].clone();
    assert!(log.contains(&("listing".into(), listing.id)));

    // A change that rolls back leaves nothing in the log.
    let before = search_feed::last_change(db.conn()).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    listings::set_hidden(tx.conn(), listing.id, Some("Sai thông tin"), None)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(search_feed::last_change(db.conn()).await.unwrap(), before);

    // One that commits is logged once, after everything before it.
    listings::set_hidden(db.conn(), listing.id, Some("Sai thông tin"), None)
        .await
        .unwrap();
    let after = search_feed::changes_after(db.conn(), before, 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        (after[0].kind.as_str(), after[0].entity_id),
        ("listing", listing.id)
    );
}

async fn catch_up(db: &Db, index: &dyn SearchIndex) {
    let today = ketnoi_domain::time::today_hanoi();
    while feed::sync(db, index, INDEXER, 500, today).await.unwrap() > 0 {}
}

async fn index_keys(index: &dyn SearchIndex) -> BTreeSet<DocKey> {
    index.keys().await.unwrap().into_iter().collect()
}

async fn db_keys(db: &Db) -> BTreeSet<DocKey> {
    feed::all_keys(db.conn())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn applying_the_log_makes_the_index_hold_what_the_database_holds(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let index = TantivyIndex::in_memory().unwrap();
    catch_up(db, &index).await;
    let keys = db_keys(db).await;
    assert_eq!(
        keys.iter()
            .filter(|k| k.kind == DocKind::Cooperative)
            .count(),
        60
    );
    assert_eq!(
        keys.iter().filter(|k| k.kind == DocKind::Listing).count(),
        400
    );
    assert_eq!(index_keys(&index).await, keys);
    assert_eq!(
        search_feed::position(db.conn(), INDEXER).await.unwrap(),
        search_feed::last_change(db.conn()).await.unwrap()
    );

    // Hiding and pausing remove listings; an edit of a cooperative's name reaches its
    // listings' documents.
    let coop = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    let own = listings::of_org(db.conn(), coop.id).await.unwrap();
    listings::set_hidden(db.conn(), own[0].id, Some("Ảnh không đúng"), None)
        .await
        .unwrap();
    listings::set_status(db.conn(), own[1].id, ListingStatus::Paused)
        .await
        .unwrap();
    let mut renamed = orgs::NewOrg::from(&coop);
    renamed.name = "HTX Gốm Men Lam Bát Tràng Mới".into();
    orgs::update(db.conn(), coop.id, &renamed).await.unwrap();
    catch_up(db, &index).await;
    let now = index_keys(&index).await;
    assert_eq!(now, db_keys(db).await);
    for gone in [own[0].id, own[1].id] {
        assert!(!now.contains(&DocKey {
            kind: DocKind::Listing,
            id: gone
        }));
    }
    let hits = index
        .search(&SearchQuery {
            text: "Men Lam Bát Tràng Mới".into(),
            kind: Some(DocKind::Listing),
            limit: 100,
            ..SearchQuery::default()
        })
        .await
        .unwrap();
    assert!(
        hits.hits
            .iter()
            .any(|h| h.key.id == own[2].id && h.org_name == renamed.name),
        "the listing's document carries the new name"
    );

    // The applied log is pruned; nothing is left to apply.
    assert!(search_feed::prune(db.conn()).await.unwrap() > 0);
    assert!(
        search_feed::changes_after(db.conn(), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_rebuild_starts_from_the_log_position_it_read(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let index = TantivyIndex::in_memory().unwrap();
    let mut seen = Vec::new();
    let total = feed::rebuild(
        db,
        &index,
        INDEXER,
        ketnoi_domain::time::today_hanoi(),
        |d, t| seen.push((d, t)),
    )
    .await
    .unwrap();
    assert_eq!(total, 460);
    assert_eq!(seen.first(), Some(&(0, 460)));
    assert_eq!(seen.last(), Some(&(460, 460)));
    assert_eq!(index_keys(&index).await, db_keys(db).await);
    assert_eq!(
        search_feed::position(db.conn(), INDEXER).await.unwrap(),
        search_feed::last_change(db.conn()).await.unwrap(),
        "nothing before the rebuild is applied again"
    );
}
