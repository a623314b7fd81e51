//! Orders in the store: never oversold under concurrency, steps that follow the state
//! machine with a timeline, and stock back on cancellation. Both engines.

use ketnoi_db::orders::{self, Line, NewOrder, Unavailable};
use ketnoi_domain::order::{Actor, OrderKind, PaymentMethod, Refused, Status, Step};
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{TestApp, on_both_backends};

/// The site the order e-mails link to.
const SITE: &str = "https://ketnoi.test";

on_both_backends!(
    two_hundred_orders_for_fifty_units_leave_exactly_fifty_accepted,
    concurrent_orders_taking_the_same_listings_in_opposite_orders_all_go_through,
    a_checkout_submitted_twice_places_its_orders_once,
    an_order_steps_through_its_life_and_a_cancellation_gives_the_stock_back,
);

/// The listing's first offer (what a cart line names).
pub async fn offer_of(app: &TestApp, listing_id: i64) -> i64 {
    ketnoi_db::listings::offers_with_ids(app.db.conn(), listing_id)
        .await
        .unwrap()[0]
        .0
}

async fn stock(app: &TestApp, listing_id: i64) -> Option<i64> {
    ketnoi_db::listings::find(app.db.conn(), listing_id)
        .await
        .unwrap()
        .unwrap()
        .stock
}

async fn two_hundred_orders_for_fifty_units_leave_exactly_fifty_accepted(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    assert_eq!(stock(&app, listing.id).await, Some(50));
    let mut buyers = Vec::new();
    for i in 0..20 {
        buyers.push(
            app.user(&format!("mua{i}@example.com"), PlatformRole::User, None)
                .await
                .id,
        );
    }
    let offer_id = offer_of(&app, listing.id).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let (db, buyer, org_id) = (app.db.clone(), buyers[n % 20], org.id);
        tasks.spawn(async move {
            let lines = [Line::of(offer_id, 1)];
            let order = ketnoi_tests::goods_order(buyer, org_id, PaymentMethod::Cod, &lines);
            orders::place(&db, &order).await
        });
    }
    let (mut accepted, mut refused) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        match done.unwrap().unwrap() {
            Ok(o) => {
                assert_eq!(o.total, 250_000);
                accepted += 1;
            }
            Err(Unavailable::OutOfStock { listing_id }) => {
                assert_eq!(listing_id, listing.id);
                refused += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((accepted, refused), (50, 150));
    assert_eq!(stock(&app, listing.id).await, Some(0));
}

async fn an_order_steps_through_its_life_and_a_cancellation_gives_the_stock_back(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let vase = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    let cup = ketnoi_tests::published_listing(&app, &org, "Chén trà").await;
    let buyer = app.user("mua@example.com", PlatformRole::User, None).await;
    let (vase_offer, cup_offer) = (offer_of(&app, vase.id).await, offer_of(&app, cup.id).await);
    let line = |offer_id, quantity| Line::of(offer_id, quantity);
    let items = [line(vase_offer, 3), line(cup_offer, 2)];
    let new = NewOrder {
        buyer_id: buyer.id,
        org_id: org.id,
        kind: OrderKind::Goods,
        payment: PaymentMethod::VietQr,
        lines: &items,
        experience_date: None,
        delivery_commune: Some("00577"),
        delivery_street: None,
        contact_phone: None,
        buyer_note: None,
        recipient_name: None,
        quote_id: None,
    };
    let placed = orders::place(&app.db, &new).await.unwrap().unwrap();
    assert_eq!(placed.total, 5 * 250_000);
    assert_eq!(placed.code, Some(format!("KN{:06}", placed.id)));
    assert_eq!(placed.status, Status::Placed);
    assert_eq!(stock(&app, vase.id).await, Some(47));

    // Too many of one line: nothing is taken from the other either.
    let greedy_items = [line(cup_offer, 1), line(vase_offer, 48)];
    let greedy = NewOrder {
        lines: &greedy_items,
        ..new.clone()
    };
    assert_eq!(
        orders::place(&app.db, &greedy).await.unwrap(),
        Err(Unavailable::OutOfStock {
            listing_id: vase.id
        })
    );
    assert_eq!(stock(&app, cup.id).await, Some(48));
    // Another cooperative's listing, or nothing at all: refused.
    let other = app.cooperative("htx-khac", "00577").await;
    let foreign = NewOrder {
        org_id: other.id,
        ..new.clone()
    };
    assert_eq!(
        orders::place(&app.db, &foreign).await.unwrap(),
        Err(Unavailable::NotOrderable {
            offer_id: vase_offer
        })
    );
    assert_eq!(
        orders::place(
            &app.db,
            &NewOrder {
                lines: &[],
                ..new.clone()
            }
        )
        .await
        .unwrap(),
        Err(Unavailable::Empty)
    );

    let step = |s, a| ketnoi_app::orders::step(&app.db, SITE, placed.id, s, a, None);
    assert_eq!(
        step(Step::Confirm, Actor::Buyer).await.unwrap(),
        Err(Refused::NotYours)
    );
    assert_eq!(
        step(Step::Confirm, Actor::Cooperative).await.unwrap(),
        Ok(Status::AwaitingPayment)
    );
    assert_eq!(
        step(Step::Ship, Actor::Cooperative).await.unwrap(),
        Err(Refused::NotNow)
    );
    assert_eq!(
        step(Step::MarkPaid, Actor::Cooperative).await.unwrap(),
        Ok(Status::Paid)
    );
    assert_eq!(
        step(Step::Cancel, Actor::Buyer).await.unwrap(),
        Err(Refused::NotNow)
    );
    let timeline = orders::timeline(app.db.conn(), placed.id).await.unwrap();
    let statuses: Vec<&str> = timeline.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(statuses, ["placed", "awaiting_payment", "paid"]);
    assert_eq!(timeline[1].actor, "cooperative");
    assert_eq!(timeline[1].step.as_deref(), Some("confirm"));

    // A second order is cancelled before payment: its stock comes back.
    let second = orders::place(&app.db, &new).await.unwrap().unwrap();
    assert_eq!(stock(&app, vase.id).await, Some(44));
    let cancelled = ketnoi_app::orders::step(
        &app.db,
        SITE,
        second.id,
        Step::Cancel,
        Actor::Buyer,
        Some(buyer.id),
    )
    .await
    .unwrap();
    assert_eq!(cancelled, Ok(Status::Cancelled));
    assert_eq!(stock(&app, vase.id).await, Some(47));
    assert_eq!(stock(&app, cup.id).await, Some(48));
    // Cancelled is final.
    let again =
        ketnoi_app::orders::step(&app.db, SITE, second.id, Step::Cancel, Actor::Buyer, None)
            .await
            .unwrap();
    assert_eq!(again, Err(Refused::NotNow));
    assert_eq!(stock(&app, vase.id).await, Some(47), "not given back twice");
}

/// Buyers whose carts hold the same two listings, listed in opposite orders, check out at
/// once: the rows are locked in one order (by id), so nobody waits on anybody in a cycle and
/// every order goes through (on PostgreSQL a lock cycle would abort one as a deadlock).
async fn concurrent_orders_taking_the_same_listings_in_opposite_orders_all_go_through(
    app: TestApp,
) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let vase = ketnoi_tests::published_listing(&app, &org, "Bình gốm").await;
    let cup = ketnoi_tests::published_listing(&app, &org, "Chén trà").await;
    let (a, b) = (offer_of(&app, vase.id).await, offer_of(&app, cup.id).await);
    let mut buyers = Vec::new();
    for i in 0..40 {
        let id = app
            .user(&format!("mua{i}@example.com"), PlatformRole::User, None)
            .await
            .id;
        for offer in [a, b] {
            ketnoi_db::cart::add(app.db.conn(), id, offer, "", 1)
                .await
                .unwrap();
        }
        buyers.push(id);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (n, buyer) in buyers.into_iter().enumerate() {
        let (db, org_id) = (app.db.clone(), org.id);
        tasks.spawn(async move {
            let line = |offer_id| Line::of(offer_id, 1);
            let lines = if n % 2 == 0 {
                [line(a), line(b)]
            } else {
                [line(b), line(a)]
            };
            let order = ketnoi_tests::goods_order(buyer, org_id, PaymentMethod::Cod, &lines);
            ketnoi_app::orders::checkout(&db, SITE, buyer, &[order]).await
        });
    }
    let mut placed = 0;
    while let Some(done) = tasks.join_next().await {
        let result = done.unwrap();
        assert!(
            matches!(result, Ok(Ok(_))),
            "every checkout goes through: {result:?}"
        );
        placed += 1;
    }
    assert_eq!(placed, 40);
    assert_eq!(stock(&app, vase.id).await, Some(10));
    assert_eq!(stock(&app, cup.id).await, Some(10));
}

/// The same checkout twice (a double click, a retried request): the first takes its lines out
/// of the cart and places the order; the second finds them gone and places nothing. A line
/// that was not part of the checkout stays in the cart.
async fn a_checkout_submitted_twice_places_its_orders_once(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let vase = ketnoi_tests::published_listing(&app, &org, "Bình gốm").await;
    let cup = ketnoi_tests::published_listing(&app, &org, "Chén trà").await;
    let (a, b) = (offer_of(&app, vase.id).await, offer_of(&app, cup.id).await);
    let buyer = app.user("mua@example.com", PlatformRole::User, None).await;
    ketnoi_db::cart::add(app.db.conn(), buyer.id, a, "", 2)
        .await
        .unwrap();
    ketnoi_db::cart::add(app.db.conn(), buyer.id, b, "", 1)
        .await
        .unwrap();
    let lines = [Line::of(a, 2)];
    let order = ketnoi_tests::goods_order(buyer.id, org.id, PaymentMethod::Cod, &lines);
    let orders_list = std::slice::from_ref(&order);
    let first = ketnoi_app::orders::checkout(&app.db, SITE, buyer.id, orders_list)
        .await
        .unwrap();
    assert!(first.is_ok());
    let second = ketnoi_app::orders::checkout(&app.db, SITE, buyer.id, orders_list)
        .await
        .unwrap();
    assert_eq!(second.err(), Some(Unavailable::CartChanged));
    assert_eq!(
        orders::of_buyer(app.db.conn(), buyer.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(stock(&app, vase.id).await, Some(48));
    let left = ketnoi_db::cart::lines(app.db.conn(), buyer.id)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].offer_id, b);
    // A line whose quantity changed since the page was shown is not ordered either.
    ketnoi_db::cart::set_quantity(app.db.conn(), buyer.id, b, "", 3)
        .await
        .unwrap();
    let stale = [Line::of(b, 1)];
    let stale_order = NewOrder {
        lines: &stale,
        ..order.clone()
    };
    let r =
        ketnoi_app::orders::checkout(&app.db, SITE, buyer.id, std::slice::from_ref(&stale_order))
            .await
            .unwrap();
    assert_eq!(r.err(), Some(Unavailable::CartChanged));
    assert_eq!(stock(&app, cup.id).await, Some(50));
}
