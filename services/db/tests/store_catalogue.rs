//! Store tests for the catalogue: the demo import's listings, managers and badges, imports
//! that save the same rows twice, badges that expire or are not verified, and listings that
//! are hidden or drafts, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::coop;

use ketnoi_db::orgs;
use ketnoi_db::{Db, now};
use ketnoi_domain::role::Scope;

on_both_backends!(
    demo_import_brings_listings_managers_and_verified_badges,
    saving_the_same_rows_twice_changes_nothing,
    expired_and_unverified_badges_do_not_show,
    hidden_and_draft_listings_are_not_public,
    public_listing_counts_follow_every_write,
    public_listing_counts_survive_the_demo_import_and_scaling,
    feed_batches_walk_public_goods_in_id_order_without_gaps,
);

async fn demo_import_brings_listings_managers_and_verified_badges(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let today = ketnoi_domain::time::today_hanoi();
    assert_eq!(
        ketnoi_db::listings::count_public(db.conn()).await.unwrap(),
        400
    );
    let bt = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orgs::managers(db.conn(), bt.id).await.unwrap().len(), 3);
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), bt.id, today)
            .await
            .unwrap(),
        Some(5)
    );
    let l = ketnoi_db::listings::find_by_external_id(db.conn(), "lst-0002")
        .await
        .unwrap()
        .unwrap();
    let offers = ketnoi_db::listings::offers(db.conn(), l.id).await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].tiers.len(), 3);
    assert_eq!(offers[0].tiers[0].price, ketnoi_domain::Vnd(315_000));
    assert_eq!(l.min_price, ketnoi_domain::Vnd(270_000));
}

async fn saving_the_same_rows_twice_changes_nothing(db: &Db) {
    use ketnoi_db::import::{Outcome, save_cooperative};
    let coops = ketnoi_domain::import::demo_cooperatives(include_str!(
        "../../../data/demo/cooperatives.json"
    ))
    .unwrap();
    let listings =
        ketnoi_domain::import::demo_listings(include_str!("../../../data/demo/listings.json"))
            .unwrap();
    for round in 0..2 {
        let mut tx = db.begin().await.unwrap();
        for c in coops.iter().take(5) {
            let (_, outcome) = save_cooperative(&mut tx, c).await.unwrap();
            assert_eq!(
                outcome,
                if round == 0 {
                    Outcome::Created
                } else {
                    Outcome::Unchanged
                }
            );
        }
        for l in listings.iter().filter(|l| {
            coops
                .iter()
                .take(5)
                .any(|c| c.external_id.as_deref() == Some(&l.cooperative))
        }) {
            let outcome = save_listing_by_key(&mut tx, l).await;
            assert_eq!(
                outcome,
                Some(if round == 0 {
                    Outcome::Created
                } else {
                    Outcome::Unchanged
                }),
                "{:?}",
                l.external_id
            );
        }
        tx.commit().await.unwrap();
    }
    let mut changed = coops[0].clone();
    changed.members_total = Some(99);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        save_cooperative(&mut tx, &changed).await.unwrap().1,
        Outcome::Updated
    );
    let mut orphan = listings[0].clone();
    orphan.cooperative = "khong-ton-tai".into();
    assert_eq!(save_listing_by_key(&mut tx, &orphan).await, None);
    tx.commit().await.unwrap();
}

async fn expired_and_unverified_badges_do_not_show(db: &Db) {
    use ketnoi_domain::catalog::{BadgeKind, BadgeStatus};
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let claim = |stars, expires| ketnoi_db::badges::Claim {
        org_id: org.id,
        kind: Some(BadgeKind::Ocop),
        stars: Some(stars),
        expires_on: expires,
        ..Default::default()
    };
    let pending = ketnoi_db::badges::submit(db.conn(), &claim(5, None), None)
        .await
        .unwrap();
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), org.id, today)
            .await
            .unwrap(),
        None
    );
    let expired = ketnoi_db::badges::submit(
        db.conn(),
        &claim(4, chrono::NaiveDate::from_ymd_opt(2026, 11, 25)),
        None,
    )
    .await
    .unwrap();
    let valid = ketnoi_db::badges::submit(
        db.conn(),
        &claim(3, chrono::NaiveDate::from_ymd_opt(2026, 11, 26)),
        None,
    )
    .await
    .unwrap();
    for b in [&expired, &valid] {
        assert!(
            ketnoi_db::badges::decide(
                db.conn(),
                b.id,
                BadgeStatus::Verified,
                None,
                None,
                "Hội LHPN",
                now()
            )
            .await
            .unwrap()
        );
    }
    assert!(
        !ketnoi_db::badges::decide(
            db.conn(),
            valid.id,
            BadgeStatus::Rejected,
            Some("x"),
            None,
            "Hội LHPN",
            now()
        )
        .await
        .unwrap(),
        "decided once"
    );
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), org.id, today)
            .await
            .unwrap(),
        Some(3)
    );
    let pending_list = ketnoi_db::badges::pending(db.conn(), &Scope::Commune("00577".into()), 10)
        .await
        .unwrap();
    assert_eq!(
        pending_list
            .iter()
            .map(|(b, _, _)| b.id)
            .collect::<Vec<_>>(),
        vec![pending.id]
    );
    assert!(
        ketnoi_db::badges::pending(db.conn(), &Scope::Commune("00004".into()), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn draft(title: &str) -> ketnoi_db::listings::Draft {
    use ketnoi_domain::catalog::{Months, OfferKind, PriceTier};
    ketnoi_db::listings::Draft {
        title_vi: title.into(),
        title_en: None,
        description_vi: "Mô tả".into(),
        description_en: None,
        category_id: "gom-su".into(),
        unit: "bộ".into(),
        stock: None,
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![ketnoi_db::listings::Offer {
            kind: OfferKind::Wholesale,
            price: ketnoi_domain::Vnd(300_000),
            case_size: Some(6),
            min_order_qty: Some(30),
            duration_hours: None,
            max_group_size: None,
            tiers: vec![
                PriceTier {
                    min_qty: 30,
                    price: ketnoi_domain::Vnd(300_000),
                },
                PriceTier {
                    min_qty: 100,
                    price: ketnoi_domain::Vnd(280_000),
                },
            ],
        }],
    }
}

async fn hidden_and_draft_listings_are_not_public(db: &Db) {
    use ketnoi_db::listings::{self, Filter};
    use ketnoi_domain::catalog::ListingStatus;
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = listings::create(
        &mut tx,
        org.id,
        None,
        &draft("Bộ ấm chén"),
        ListingStatus::Draft,
    )
    .await
    .unwrap();
    let b = listings::create(
        &mut tx,
        org.id,
        None,
        &draft("Bình hoa"),
        ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let today = ketnoi_domain::time::today_hanoi();
    let public = |f: Filter| async move {
        listings::public_cards(db.conn(), &f, today, 10, 0)
            .await
            .unwrap()
    };
    assert_eq!(
        public(Filter::default())
            .await
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![b.id]
    );
    assert!(
        listings::set_status(db.conn(), a.id, ListingStatus::Published)
            .await
            .unwrap()
    );
    assert!(
        listings::find(db.conn(), a.id)
            .await
            .unwrap()
            .unwrap()
            .published_at
            .is_some()
    );
    assert!(
        listings::set_hidden(db.conn(), b.id, Some("Ảnh không đúng sản phẩm"), None)
            .await
            .unwrap()
    );
    assert_eq!(
        public(Filter::default())
            .await
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![a.id]
    );
    assert_eq!(
        public(Filter {
            group: Some("thu-cong".into()),
            ..Filter::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        public(Filter {
            category: Some("tra-do-uong".into()),
            ..Filter::default()
        })
        .await
        .len(),
        0
    );
    assert_eq!(
        public(Filter {
            kind: Some(ketnoi_domain::catalog::OfferKind::Retail),
            ..Filter::default()
        })
        .await
        .len(),
        0
    );
    let mut tx = db.begin().await.unwrap();
    listings::set_photos(&mut tx, a.id, &["k1".into(), "k2".into()])
        .await
        .unwrap_err();
    drop(tx);
    ketnoi_db::media::record(
        db.conn(),
        &ketnoi_db::media::Media {
            storage_key: "k1".into(),
            content_type: "image/jpeg".into(),
            width: Some(1),
            height: Some(1),
            byte_size: 1,
            org_id: Some(org.id),
        },
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    listings::set_photos(&mut tx, a.id, &["k1".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        public(Filter::default()).await[0].photo.as_deref(),
        Some("k1")
    );
    let mut tx = db.begin().await.unwrap();
    let current = listings::current_draft(
        &mut tx,
        &listings::find(db.conn(), a.id).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        current,
        draft("Bộ ấm chén"),
        "offers and tiers read back as written"
    );
}

/// Saves a listing row into the cooperative it names; `None` when there is no such
/// cooperative (what the importer reports as an unknown cooperative).
async fn save_listing_by_key(
    tx: &mut ketnoi_db::Tx,
    r: &ketnoi_domain::catalog::ListingRecord,
) -> Option<ketnoi_db::import::Outcome> {
    let org = ketnoi_db::import::cooperative_by_key(tx, &r.cooperative)
        .await
        .unwrap()?;
    Some(
        ketnoi_db::import::save_listing(tx, &org, r)
            .await
            .unwrap()
            .1,
    )
}

/// Writes the store has no function for: moving a listing to another organisation and
/// deleting one, on either engine.
async fn move_listing(db: &Db, id: i64, org_id: i64) {
    let sql = "UPDATE listings SET org_id = $1 WHERE id = $2";
    match db {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(org_id)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(org_id)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

async fn delete_listing(db: &Db, id: i64) {
    let sql = "DELETE FROM listings WHERE id = $1";
    match db {
        Db::Sqlite(p) => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

/// The directory's listing count of every cooperative, checked against the public listings
/// themselves (the count is kept by the writes; the cards are read from the listings).
async fn directory_counts(db: &Db) -> std::collections::BTreeMap<i64, i64> {
    let today = ketnoi_domain::time::today_hanoi();
    let cards = orgs::directory(db.conn(), &orgs::DirectoryFilter::default(), today, 1000, 0)
        .await
        .unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for c in cards {
        let filter = ketnoi_db::listings::Filter {
            org_id: Some(c.id),
            ..Default::default()
        };
        let public = ketnoi_db::listings::public_cards(db.conn(), &filter, today, 100_000, 0)
            .await
            .unwrap()
            .len() as i64;
        assert_eq!(c.listing_count, public, "{}", c.slug);
        counts.insert(c.id, c.listing_count);
    }
    counts
}

async fn public_listing_counts_follow_every_write(db: &Db) {
    use ketnoi_db::listings;
    use ketnoi_domain::catalog::ListingStatus;
    let a = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let b = orgs::upsert(db.conn(), &coop("x-2", "HTX Mây tre Phú Vinh"))
        .await
        .unwrap();
    let count = |id: i64| async move { directory_counts(db).await.get(&id).copied() };
    assert_eq!((count(a.id).await, count(b.id).await), (Some(0), Some(0)));

    // Created as a draft, then published: counted from publication.
    let mut tx = db.begin().await.unwrap();
    let one = listings::create(
        &mut tx,
        a.id,
        None,
        &draft("Bộ ấm chén"),
        ListingStatus::Draft,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(a.id).await, Some(0), "a draft is not public");
    let mut tx = db.begin().await.unwrap();
    let two = listings::create(
        &mut tx,
        a.id,
        None,
        &draft("Bình hoa"),
        ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(a.id).await, Some(1));
    assert!(
        listings::set_status(db.conn(), one.id, ListingStatus::Published)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(2));
    assert!(
        listings::set_status(db.conn(), one.id, ListingStatus::Published)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(2), "publishing twice counts once");

    // Paused, archived, hidden: out; shown again: back.
    assert!(
        listings::set_status(db.conn(), one.id, ListingStatus::Paused)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(1));
    assert!(
        listings::set_hidden(db.conn(), two.id, Some("Ảnh sai"), None)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(0));
    assert!(
        listings::set_status(db.conn(), two.id, ListingStatus::Archived)
            .await
            .unwrap()
    );
    assert!(
        listings::set_status(db.conn(), two.id, ListingStatus::Published)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(0), "still hidden");
    assert!(
        listings::set_hidden(db.conn(), two.id, None, None)
            .await
            .unwrap()
    );
    assert_eq!(count(a.id).await, Some(1));

    // Editing what a listing says changes no count; a rolled-back creation leaves none.
    let mut tx = db.begin().await.unwrap();
    listings::update(&mut tx, two.id, &draft("Bình hoa men rạn"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(a.id).await, Some(1));
    let mut tx = db.begin().await.unwrap();
    listings::create(&mut tx, a.id, None, &draft("Đĩa"), ListingStatus::Published)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(count(a.id).await, Some(1), "rolled back");

    // Imported rows are published: counted once, and not again when imported unchanged.
    let records =
        ketnoi_domain::import::demo_listings(include_str!("../../../data/demo/listings.json"))
            .unwrap();
    for round in 0..2 {
        let mut tx = db.begin().await.unwrap();
        for r in records.iter().take(3) {
            ketnoi_db::import::save_listing(&mut tx, &b, r)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(count(b.id).await, Some(3), "round {round}");
    }

    // Moved to another cooperative, deleted: the counts follow.
    move_listing(db, two.id, b.id).await;
    assert_eq!((count(a.id).await, count(b.id).await), (Some(0), Some(4)));
    move_listing(db, one.id, a.id).await;
    assert_eq!(
        (count(a.id).await, count(b.id).await),
        (Some(0), Some(4)),
        "paused"
    );
    delete_listing(db, two.id).await;
    assert_eq!((count(a.id).await, count(b.id).await), (Some(0), Some(3)));
    delete_listing(db, one.id).await;
    assert_eq!((count(a.id).await, count(b.id).await), (Some(0), Some(3)));
}

async fn public_listing_counts_survive_the_demo_import_and_scaling(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let counts = directory_counts(db).await;
    assert_eq!(counts.values().sum::<i64>(), 400);
    ketnoi_db::demo::scale_listings(db, 1000).await.unwrap();
    let counts = directory_counts(db).await;
    assert_eq!(counts.values().sum::<i64>(), 1000);
}

/// The product feeds read the catalogue in batches after the last id: batches of 7 give
/// exactly what one batch of everything gives, in id order, only goods (no experience), and
/// a cooperative's own feed only its listings. The catalogue version moves on a write.
async fn feed_batches_walk_public_goods_in_id_order_without_gaps(db: &Db) {
    use ketnoi_db::feeds;
    use ketnoi_domain::catalog::OfferKind;
    ketnoi_db::demo::import(db).await.unwrap();
    let all = feeds::batch(db.conn(), None, 0, 100_000).await.unwrap();
    let mut walked = Vec::new();
    let mut after = 0;
    loop {
        let batch = feeds::batch(db.conn(), None, after, 7).await.unwrap();
        let Some(last) = batch.last() else { break };
        assert!(batch.len() <= 7);
        after = last.id;
        walked.extend(batch);
    }
    assert_eq!(walked, all);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    // The demo has experiences (workshops, tours): none is in a feed, every good is.
    let mut experiences = 0;
    for id in 1..=400 {
        let Some(l) = ketnoi_db::listings::find(db.conn(), id).await.unwrap() else {
            continue;
        };
        let offers = ketnoi_db::listings::offers(db.conn(), id).await.unwrap();
        let experience = l.category_id.is_empty()
            || ketnoi_domain::catalog::group_of(&l.category_id) == "trai-nghiem"
            || offers.iter().any(|o| o.kind == OfferKind::Experience);
        experiences += usize::from(experience);
        assert_eq!(
            all.iter().any(|f| f.id == id),
            l.is_public() && !experience,
            "listing {id}"
        );
    }
    assert!(
        experiences > 0 && all.len() > 100,
        "{experiences} {}",
        all.len()
    );

    let bt = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    let own = feeds::batch(db.conn(), Some(bt.id), 0, 100_000)
        .await
        .unwrap();
    assert!(!own.is_empty() && own.len() < all.len());
    for f in &own {
        let l = ketnoi_db::listings::find(db.conn(), f.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.org_id, bt.id);
        assert_eq!(f.org_name, bt.name);
    }

    let before = feeds::catalogue_version(db.conn()).await.unwrap();
    assert!(before > 0);
    ketnoi_db::listings::set_hidden(db.conn(), own[0].id, Some("ảnh sai"), None)
        .await
        .unwrap();
    let hidden = feeds::catalogue_version(db.conn()).await.unwrap();
    assert!(hidden > before);
    assert!(
        !feeds::batch(db.conn(), Some(bt.id), 0, 100_000)
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == own[0].id)
    );
    // A GTIN given to a listing (traceability) is a change of the listing too.
    let mut tx = db.begin().await.unwrap();
    ketnoi_db::trace::enable(&mut tx, own[1].id, bt.id, Some("08930000000019"), |_, _| {
        Some("KN0000001000011".into())
    })
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    assert!(feeds::catalogue_version(db.conn()).await.unwrap() > hidden);
    let gtin = feeds::batch(db.conn(), Some(bt.id), own[1].id - 1, 1)
        .await
        .unwrap();
    assert_eq!(gtin[0].gtin.as_deref(), Some("08930000000019"));
    // A pruned log keeps the version: the consumers' positions hold it.
    let last = ketnoi_db::search_feed::last_change(db.conn())
        .await
        .unwrap();
    ketnoi_db::search_feed::set_position(db.conn(), ketnoi_db::search_feed::INDEXER, last)
        .await
        .unwrap();
    ketnoi_db::search_feed::prune(db.conn()).await.unwrap();
    assert_eq!(
        ketnoi_db::search_feed::last_change(db.conn())
            .await
            .unwrap(),
        0
    );
    assert_eq!(feeds::catalogue_version(db.conn()).await.unwrap(), last);
}
