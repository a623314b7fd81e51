//! Store tests for traceability: trace codes and GTINs, lots with inputs from another
//! cooperative, stamps numbered on across batches, scans that flag a copied stamp, lots
//! shipped on orders and the buyers a recall reaches, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{coop, new_user};

use chrono::NaiveDate;
use ketnoi_db::listings::{self, Draft, Offer};
use ketnoi_db::orders::{self, Line, NewOrder};
use ketnoi_db::trace::{self, NewEvent, NewLot, Refused, Scan};
use ketnoi_db::{Db, orgs, users};
use ketnoi_domain::catalog::{ListingStatus, Months, OfferKind};
use ketnoi_domain::order::{OrderKind, PaymentMethod};

on_both_backends!(
    products_get_numbered_codes_and_unique_gtins,
    a_lot_names_its_inputs_from_another_cooperative,
    stamps_are_numbered_on_across_batches,
    a_stamp_scanned_by_too_many_clients_is_flagged_once,
    a_recall_reaches_every_buyer_of_the_lot_once,
);

fn draft(title: &str) -> Draft {
    Draft {
        title_vi: title.into(),
        title_en: None,
        description_vi: "Mô tả".into(),
        description_en: None,
        category_id: "gao-ngu-coc".into(),
        unit: "kg".into(),
        stock: None,
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![Offer {
            kind: OfferKind::Retail,
            price: ketnoi_domain::Vnd(50_000),
            case_size: None,
            min_order_qty: None,
            duration_hours: None,
            max_group_size: None,
            tiers: vec![],
        }],
    }
}

fn code_of(org: i64, seq: i64) -> Option<String> {
    ketnoi_domain::trace::TraceCode::new(org, seq).map(|c| c.as_str().to_owned())
}

/// A cooperative with one traceable product: `(org id, listing id)`.
async fn product(db: &Db, ext: &str, name: &str, title: &str, gtin: Option<&str>) -> (i64, i64) {
    let org = orgs::upsert(db.conn(), &coop(ext, name)).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let l = listings::create(
        &mut tx,
        org.id,
        None,
        &draft(title),
        ListingStatus::Published,
    )
    .await
    .unwrap();
    trace::enable(&mut tx, l.id, org.id, gtin, code_of)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    (org.id, l.id)
}

fn new_lot(org: i64, listing: i64, code: &str, inputs: Vec<i64>) -> NewLot {
    NewLot {
        listing_id: listing,
        org_id: org,
        code: code.into(),
        produced_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        expires_on: NaiveDate::from_ymd_opt(2027, 3, 1),
        quantity: 500,
        unit: "kg".into(),
        commune_code: Some("00577".into()),
        latitude: None,
        longitude: None,
        note: None,
        created_by: None,
        inputs,
    }
}

async fn lot(db: &Db, l: &NewLot) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = trace::create_lot(&mut tx, l).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    id
}

async fn products_get_numbered_codes_and_unique_gtins(db: &Db) {
    let (org, rice) = product(db, "t-1", "HTX Lúa gạo", "Gạo nếp", Some("08930000000017")).await;
    let mut tx = db.begin().await.unwrap();
    let bran = listings::create(
        &mut tx,
        org,
        None,
        &draft("Cám gạo"),
        ListingStatus::Published,
    )
    .await
    .unwrap();
    // Another product may not take a GTIN already in use; its own number is the next one.
    let refused = trace::enable(&mut tx, bran.id, org, Some("08930000000017"), code_of)
        .await
        .unwrap();
    assert_eq!(refused, Err(Refused::GtinTaken));
    let p = trace::enable(&mut tx, bran.id, org, None, code_of)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(p.seq, 2);
    assert_eq!(p.code, code_of(org, 2).unwrap());
    assert_eq!(p.gtin, None);
    let first = trace::product(db.conn(), rice).await.unwrap().unwrap();
    assert_eq!(first.seq, 1);
    assert_eq!(first.gtin.as_deref(), Some("08930000000017"));
    // Found by GTIN and by code.
    let by_gtin = trace::product_by_key(db.conn(), Some("08930000000017"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_gtin.listing_id, rice);
    let by_code = trace::product_by_key(db.conn(), None, Some(&p.code))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_code.listing_id, bran.id);
    // A second lot with the same code is refused; the same code on another product is not.
    lot(db, &new_lot(org, rice, "L1", vec![])).await;
    let mut tx = db.begin().await.unwrap();
    let again = trace::create_lot(&mut tx, &new_lot(org, rice, "L1", vec![]))
        .await
        .unwrap();
    assert_eq!(again, Err(Refused::LotCodeTaken));
    drop(tx);
    lot(db, &new_lot(org, bran.id, "L1", vec![])).await;
    assert_eq!(trace::products_of(db.conn(), org).await.unwrap().len(), 2);
}

async fn a_lot_names_its_inputs_from_another_cooperative(db: &Db) {
    let (rice_org, rice) = product(db, "t-2", "HTX Lúa gạo", "Gạo nếp", None).await;
    let (bean_org, bean) = product(db, "t-3", "HTX Đậu xanh", "Đậu xanh", None).await;
    let (cake_org, cake) = product(db, "t-4", "HTX Bánh chưng", "Bánh chưng", None).await;
    let r = lot(db, &new_lot(rice_org, rice, "R1", vec![])).await;
    let b = lot(db, &new_lot(bean_org, bean, "B1", vec![])).await;
    let c = lot(db, &new_lot(cake_org, cake, "C1", vec![r, b])).await;
    let inputs = trace::inputs(db.conn(), c).await.unwrap();
    assert_eq!(
        inputs
            .iter()
            .map(|l| (l.id, l.org_name.as_str()))
            .collect::<Vec<_>>(),
        vec![(r, "HTX Lúa gạo"), (b, "HTX Đậu xanh")]
    );
    assert_eq!(trace::outputs(db.conn(), r).await.unwrap()[0].id, c);
    // A lot is found by its product's code and its own.
    let code = code_of(cake_org, 1).unwrap();
    let found = trace::lot_by_key(db.conn(), None, Some(&code), "C1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, c);
    assert!(
        trace::lot_by_key(db.conn(), None, Some(&code), "C2")
            .await
            .unwrap()
            .is_none()
    );
    // An input that does not exist refuses the lot.
    let mut tx = db.begin().await.unwrap();
    let bad = trace::create_lot(&mut tx, &new_lot(cake_org, cake, "C2", vec![999_999]))
        .await
        .unwrap();
    assert_eq!(bad, Err(Refused::BadInput));
    drop(tx);
    // Steps come back in the order they happened, whatever the order recorded.
    for (step, day) in [("packing", 3), ("transforming", 2)] {
        trace::record_event(
            db.conn(),
            &NewEvent {
                lot_id: c,
                step: step.into(),
                occurred_at: NaiveDate::from_ymd_opt(2026, 3, day)
                    .unwrap()
                    .and_hms_opt(1, 0, 0)
                    .unwrap()
                    .and_utc(),
                offset_minutes: 420,
                commune_code: None,
                place: Some("Xưởng".into()),
                quantity: None,
                note: None,
                order_id: None,
                recorded_by: None,
            },
        )
        .await
        .unwrap();
    }
    let steps: Vec<String> = trace::events_of(db.conn(), c)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(steps, vec!["transforming", "packing"]);
    assert_eq!(
        trace::events_of_org(db.conn(), cake_org)
            .await
            .unwrap()
            .len(),
        2
    );
    // The public page's one statement reads the same lot, steps and inputs, and the stamp
    // its link names when the lot has it.
    let mut tx = db.begin().await.unwrap();
    trace::create_stamps(&mut tx, c, 3).await.unwrap();
    tx.commit().await.unwrap();
    let page = trace::public_lot(db.conn(), None, Some(&code), "C1", Some("000002"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.lot, trace::lot(db.conn(), c).await.unwrap().unwrap());
    assert_eq!(page.events, trace::events_of(db.conn(), c).await.unwrap());
    assert_eq!(
        page.inputs
            .iter()
            .map(|i| (i.code.as_str(), i.org_name.as_str(), i.title_vi.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("R1", "HTX Lúa gạo", "Gạo nếp"),
            ("B1", "HTX Đậu xanh", "Đậu xanh")
        ]
    );
    assert_eq!(page.inputs[0].product_code, code_of(rice_org, 1).unwrap());
    assert_eq!(
        page.stamp,
        trace::stamp(db.conn(), c, "000002").await.unwrap()
    );
    assert!(page.stamp.is_some());
    assert!(page.badges.is_empty());
    for serial in [None, Some("000004")] {
        let page = trace::public_lot(db.conn(), None, Some(&code), "C1", serial)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.stamp, None);
    }
    // A lot without steps or inputs reads empty lists on both engines.
    let rice_code = code_of(rice_org, 1).unwrap();
    let bare = trace::public_lot(db.conn(), None, Some(&rice_code), "R1", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (bare.lot.id, bare.events.len(), bare.inputs.len()),
        (r, 0, 0)
    );
    assert!(
        trace::public_lot(db.conn(), None, Some(&code), "C9", None)
            .await
            .unwrap()
            .is_none()
    );
}

async fn stamps_are_numbered_on_across_batches(db: &Db) {
    let (org, rice) = product(db, "t-5", "HTX Lúa gạo", "Gạo nếp", None).await;
    let l = lot(db, &new_lot(org, rice, "S1", vec![])).await;
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        trace::create_stamps(&mut tx, l, 2_500).await.unwrap(),
        Some((1, 2_500))
    );
    assert_eq!(
        trace::create_stamps(&mut tx, l, 10).await.unwrap(),
        Some((2_501, 2_510))
    );
    assert_eq!(
        trace::create_stamps(&mut tx, 999_999, 10).await.unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert_eq!(
        trace::lot(db.conn(), l).await.unwrap().unwrap().stamps,
        2_510
    );
    let some = trace::stamps(db.conn(), l, 2_499, 2_502).await.unwrap();
    assert_eq!(
        some.iter().map(|s| s.serial.as_str()).collect::<Vec<_>>(),
        vec!["002499", "002500", "002501", "002502"]
    );
    assert!(
        trace::stamp(db.conn(), l, "002510")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        trace::stamp(db.conn(), l, "002511")
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_stamp_scanned_by_too_many_clients_is_flagged_once(db: &Db) {
    let (org, rice) = product(db, "t-6", "HTX Lúa gạo", "Gạo nếp", None).await;
    let l = lot(db, &new_lot(org, rice, "F1", vec![])).await;
    let mut tx = db.begin().await.unwrap();
    trace::create_stamps(&mut tx, l, 2).await.unwrap();
    tx.commit().await.unwrap();
    let at = ketnoi_db::now();
    let scan = |serial: &str, client: String| Scan {
        lot_id: l,
        serial: serial.into(),
        client,
        network: Some("10.1.0.0/16".into()),
        at,
    };
    let window = chrono::Duration::hours(24);
    // The same client ten times is one client; three clients are not more than three.
    let same: Vec<Scan> = (0..10).map(|_| scan("000001", "a".into())).collect();
    assert!(
        trace::record_scans(db, &same, 3, window)
            .await
            .unwrap()
            .is_empty()
    );
    // Ten scans from one client within a minute are one row of the log, counting ten.
    let log = trace::scan_log(db.conn(), l, "000001").await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (log[0].0.as_str(), log[0].1.as_deref(), log[0].3),
        ("a", Some("10.1.0.0/16"), 10)
    );
    let few: Vec<Scan> = ["b", "c"]
        .iter()
        .map(|c| scan("000001", (*c).into()))
        .collect();
    assert!(
        trace::record_scans(db, &few, 3, window)
            .await
            .unwrap()
            .is_empty()
    );
    // A fourth client flags it; more scans do not flag it again.
    let flagged = trace::record_scans(db, &[scan("000001", "d".into())], 3, window)
        .await
        .unwrap();
    assert_eq!(flagged, vec![(l, "000001".to_owned())]);
    assert!(
        trace::record_scans(db, &[scan("000001", "e".into())], 3, window)
            .await
            .unwrap()
            .is_empty()
    );
    // Scans of a stamp that does not exist are dropped; the other stamp is untouched.
    assert!(
        trace::record_scans(db, &[scan("999999", "z".into())], 3, window)
            .await
            .unwrap()
            .is_empty()
    );
    let s = trace::stamp(db.conn(), l, "000001").await.unwrap().unwrap();
    assert_eq!(s.scans, 14);
    assert!(s.flagged_at.is_some());
    // The log counts every scan: the 14, in a row per client.
    let log = trace::scan_log(db.conn(), l, "000001").await.unwrap();
    assert_eq!(log.iter().map(|r| r.3).sum::<i64>(), 14);
    assert_eq!(log.len(), 5);
    assert_eq!(
        trace::stamp(db.conn(), l, "000002")
            .await
            .unwrap()
            .unwrap()
            .scans,
        0
    );
    let flags = trace::flagged(db.conn(), org, 10).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!((flags[0].serial.as_str(), flags[0].clients), ("000001", 5));
}

async fn a_recall_reaches_every_buyer_of_the_lot_once(db: &Db) {
    let (org, rice) = product(db, "t-7", "HTX Lúa gạo", "Gạo nếp", None).await;
    let shipped = lot(db, &new_lot(org, rice, "R7", vec![])).await;
    let other = lot(db, &new_lot(org, rice, "R8", vec![])).await;
    let offer = listings::offers_with_ids(db.conn(), rice).await.unwrap()[0].0;
    let mut buyers = Vec::new();
    for i in 0..3 {
        let email = format!("mua{i}@example.com");
        buyers.push(
            users::insert(db.conn(), &new_user(Some(&email), None))
                .await
                .unwrap()
                .id,
        );
    }
    // Buyer 0 orders twice; buyer 2's order ships from the other lot.
    let mut orders_of = Vec::new();
    for (buyer, from) in [
        (buyers[0], shipped),
        (buyers[0], shipped),
        (buyers[1], shipped),
        (buyers[2], other),
    ] {
        let o = orders::place(
            db,
            &NewOrder {
                buyer_id: buyer,
                org_id: org,
                kind: OrderKind::Goods,
                payment: PaymentMethod::Cod,
                lines: &[Line::of(offer, 2)],
                experience_date: None,
                delivery_commune: Some("00577"),
                delivery_street: Some("1 Đường Làng"),
                contact_phone: Some("0912345678"),
                buyer_note: None,
                recipient_name: None,
                quote_id: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
        let lines = trace::traceable_lines(db.conn(), o.id).await.unwrap();
        assert_eq!(lines.len(), 1);
        assert!(trace::ship_from(db.conn(), lines[0].0, from).await.unwrap());
        assert!(!trace::ship_from(db.conn(), lines[0].0, from).await.unwrap());
        orders_of.push(o.id);
    }
    let recipients = trace::recipients(db.conn(), shipped).await.unwrap();
    assert_eq!(
        recipients
            .iter()
            .map(|r| (r.order_id, r.buyer_id))
            .collect::<Vec<_>>(),
        vec![
            (orders_of[0], buyers[0]),
            (orders_of[1], buyers[0]),
            (orders_of[2], buyers[1])
        ]
    );
    assert_eq!(
        trace::shipped_on(db.conn(), orders_of[3]).await.unwrap()[0].lot_id,
        other
    );
    assert!(trace::recall(db.conn(), shipped, "Ẩm mốc").await.unwrap());
    assert!(!trace::recall(db.conn(), shipped, "Ẩm mốc").await.unwrap());
    assert!(
        trace::lot(db.conn(), shipped)
            .await
            .unwrap()
            .unwrap()
            .is_recalled()
    );
    assert!(
        trace::note_recall_notice(db.conn(), shipped, buyers[0], None)
            .await
            .unwrap()
    );
    assert!(
        !trace::note_recall_notice(db.conn(), shipped, buyers[0], None)
            .await
            .unwrap()
    );
    assert_eq!(trace::recall_notices(db.conn(), shipped).await.unwrap(), 1);
}
