//! Card payments end to end against localstripe: the PaymentIntent in VND for the order's
//! total, Stripe.js's confirmation (done here through the API, as the browser would), the
//! signed webhook marking the order paid and putting the sale on the payout ledger, a replayed
//! and a late event changing nothing, a forged one refused, and a refund through Stripe.

use ketnoi_domain::order::Status;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_payments::stripe::{StripeConfig, sign};
use ketnoi_tests::support::{TempStripe, eventually};
use ketnoi_tests::{Backend, TestApp};
use std::time::Duration;

const WEBHOOK_SECRET: &str = "whsec_ketnoi_test";

#[tokio::test]
async fn a_card_payment_runs_end_to_end_with_webhooks_and_a_refund_sqlite() {
    card_payment(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_card_payment_runs_end_to_end_with_webhooks_and_a_refund_postgres() {
    card_payment(Backend::Postgres).await;
}

async fn card_payment(backend: Backend) {
    let Some(stripe) = TempStripe::new() else {
        return;
    };
    let api = stripe.url();
    let js = stripe.js_url();
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.stripe = Some(StripeConfig {
            secret_key: "sk_test_ketnoi".into(),
            publishable_key: "pk_test_ketnoi".into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            api_base: Some(api.clone()),
            js_url: js,
        });
    })
    .await
    else {
        return;
    };
    // localstripe delivers its events to the app, signed with the webhook secret.
    let http = reqwest::Client::new();
    let registered = http
        .post(format!("{api}_config/webhooks/ketnoi"))
        .form(&[
            ("url", format!("{}/webhooks/stripe", app.url)),
            ("secret", WEBHOOK_SECRET.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());

    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let scarf = ketnoi_tests::published_listing(&app, &org, "Khăn lụa Vạn Phúc").await;
    let buyer = app
        .user("buyer@example.com", PlatformRole::User, None)
        .await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Manager).await;
    let b = app.client_as(&buyer).await;
    let coop = app.client_as(&manager).await;
    let offer = crate::orders::offer_of(&app, scarf.id).await.to_string();
    b.submit("/cart", "/cart", &[("offer_id", &offer), ("quantity", "3")])
        .await;
    let cart = b.get("/cart").await;
    assert!(cart.body.contains("data-testid=\"pay-stripe\""));
    let placed = pay_by_card(&b, org.id).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let path = placed.header("location").unwrap().to_owned();
    let order_id: i64 = path.trim_start_matches("/orders/").parse().unwrap();
    // No card payment before the cooperative confirms (stock and delivery are hers to
    // confirm): starting one goes back to the order, and nothing is created at Stripe.
    let early = b.submit(&path, &format!("{path}/card"), &[]).await;
    assert_eq!(early.header("location"), Some(path.as_str()));
    assert!(
        ketnoi_db::payments::card_payment(app.db.conn(), order_id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(b.get(&format!("{path}/card")).await.status, 303);
    assert_eq!(
        coop.submit(&path, &format!("{path}/steps"), &[("step", "confirm")])
            .await
            .status,
        303
    );
    let page = b.get(&path).await;
    assert!(page.body.contains("data-testid=\"pay-card\""));
    let started = b.submit(&path, &format!("{path}/card"), &[]).await;
    assert_eq!(
        started.header("location"),
        Some(format!("{path}/card").as_str())
    );
    let card = b.get(&format!("{path}/card")).await;
    assert_eq!(card.status, 200, "{}", card.body);
    let intent = ketnoi_db::payments::card_payment(app.db.conn(), order_id)
        .await
        .unwrap()
        .unwrap();
    assert!(card.body.contains(&intent.client_secret));
    assert!(
        card.header("content-security-policy")
            .unwrap()
            .contains("127.0.0.1")
    );
    // VND is zero-decimal: 3 × 250,000 ₫ is amount 750000.
    assert_eq!(intent.amount, 750_000);
    // Starting again reuses the intent.
    b.submit(&path, &format!("{path}/card"), &[]).await;
    let again = ketnoi_db::payments::card_payment(app.db.conn(), order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.intent_id, intent.intent_id);
    let remote = app
        .state
        .payments
        .stripe
        .as_ref()
        .unwrap()
        .retrieve(&intent.intent_id)
        .await
        .unwrap();
    assert_eq!(
        (remote.amount, remote.currency.as_deref()),
        (750_000, Some("vnd"))
    );

    // The buyer's card, as Stripe.js would confirm it.
    let paid = app
        .state
        .payments
        .stripe
        .as_ref()
        .unwrap()
        .pay_with_test_card(&intent.intent_id, "4242424242424242")
        .await
        .unwrap();
    assert_eq!(paid.status, "succeeded");
    let db = app.db.clone();
    eventually(
        "the webhook to mark the order paid",
        Duration::from_secs(20),
        || {
            let db = db.clone();
            async move {
                let o = ketnoi_db::orders::find(db.conn(), order_id).await.ok()??;
                (o.status == Status::Paid).then_some(())
            }
        },
    )
    .await
    .unwrap();
    let events = ketnoi_db::payments::events_of(app.db.conn(), &intent.intent_id)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1, "payment_intent.succeeded");
    assert_eq!(events[0].2.as_deref(), Some("paid"));
    let timeline = ketnoi_db::orders::timeline(app.db.conn(), order_id)
        .await
        .unwrap();
    assert_eq!(timeline.last().unwrap().actor, "system");
    let ledger = ketnoi_db::payments::ledger(app.db.conn(), &ketnoi_domain::role::Scope::City, 10)
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].kind.as_str(), ledger[0].amount),
        ("sale", 750_000)
    );

    // The same event delivered again (Stripe retries): acknowledged, nothing happens twice.
    let payload: String = stored_payload(&app, &events[0].0).await;
    let post = |body: String, signature: String| {
        let (http, url) = (http.clone(), format!("{}/webhooks/stripe", app.url));
        async move {
            http.post(url)
                .header("stripe-signature", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let now = chrono::Utc::now().timestamp();
    let replay = post(
        payload.clone(),
        sign(payload.as_bytes(), WEBHOOK_SECRET, now),
    )
    .await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.text().await.unwrap(), "already received");
    let timeline_after = ketnoi_db::orders::timeline(app.db.conn(), order_id)
        .await
        .unwrap();
    assert_eq!(timeline_after.len(), timeline.len());
    assert_eq!(
        ketnoi_db::payments::ledger(app.db.conn(), &ketnoi_domain::role::Scope::City, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // A forged or stale signature is refused before anything is read.
    let forged = post(
        payload.clone(),
        sign(payload.as_bytes(), "whsec_wrong", now),
    )
    .await;
    assert_eq!(forged.status(), 400);
    let stale = post(
        payload.clone(),
        sign(payload.as_bytes(), WEBHOOK_SECRET, now - 3600),
    )
    .await;
    assert_eq!(stale.status(), 400);
    assert_eq!(
        post("{".into(), sign(b"{", WEBHOOK_SECRET, now))
            .await
            .status(),
        400
    );
    // A late failure event for the same intent (out of order) changes nothing.
    let late = payload
        .replacen(&events[0].0, "evt_late_failure", 1)
        .replacen(
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            1,
        );
    let r = post(late.clone(), sign(late.as_bytes(), WEBHOOK_SECRET, now)).await;
    assert_eq!(r.status(), 200);
    let o = ketnoi_db::orders::find(app.db.conn(), order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, Status::Paid);

    // The cooperative refunds: the money goes back through Stripe, the order and the ledger
    // follow.
    let refunded = coop
        .submit(&path, &format!("{path}/steps"), &[("step", "refund")])
        .await;
    assert_eq!(refunded.status, 303, "{}", refunded.body);
    let o = ketnoi_db::orders::find(app.db.conn(), order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, Status::Refunded);
    let p = ketnoi_db::payments::card_payment(app.db.conn(), order_id)
        .await
        .unwrap()
        .unwrap();
    assert!(p.refund_id.as_deref().is_some_and(|r| r.starts_with("re_")));
    let refunds: serde_json::Value = http
        .get(format!(
            "{api}v1/refunds?payment_intent={}",
            intent.intent_id
        ))
        .bearer_auth("sk_test_ketnoi")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        refunds["data"].as_array().map(Vec::len),
        Some(1),
        "{refunds}"
    );
    assert_eq!(refunds["data"][0]["amount"], 750_000);
    let again = coop
        .submit(&path, &format!("{path}/steps"), &[("step", "refund")])
        .await;
    assert_eq!(again.status, 409, "a second refund is refused");
    let ledger = ketnoi_db::payments::ledger(app.db.conn(), &ketnoi_domain::role::Scope::City, 10)
        .await
        .unwrap();
    let total: i64 = ledger.iter().map(|l| l.amount).sum();
    assert_eq!((ledger.len(), total), (2, 0));

    // An officer settles the ledger: nothing is owed after the refund; marking it paid
    // closes the lines.
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let officer = app.client_as(&officer).await;
    ketnoi_tests::bank_account(&app, &org, "970415", "108002345678").await;
    let payouts = officer.get("/union/payouts").await;
    assert_eq!(payouts.status, 200);
    // Where to send the money is on the page.
    assert!(payouts.body.contains("108002345678"), "{}", payouts.body);
    assert_eq!(
        payouts.body.matches("data-testid=\"ledger-row\"").count(),
        2
    );
    let settled = officer
        .submit(
            "/union/payouts",
            &format!("/union/payouts/{}/paid", org.id),
            &[],
        )
        .await;
    assert_eq!(settled.status, 303);
    assert!(
        ketnoi_db::payments::owed(app.db.conn(), &ketnoi_domain::role::Scope::City)
            .await
            .unwrap()
            .is_empty()
    );

    // Below a card's minimum (about US$0.50), the card is refused at checkout.
    let sweet = ketnoi_tests::listing_with_offer(
        &app,
        &org,
        "Kẹo lạc",
        ketnoi_db::listings::Offer {
            kind: ketnoi_domain::catalog::OfferKind::Retail,
            price: ketnoi_domain::Vnd(5_000),
            case_size: None,
            min_order_qty: None,
            duration_hours: None,
            max_group_size: None,
            tiers: vec![],
        },
        None,
    )
    .await;
    let sweet_offer = crate::orders::offer_of(&app, sweet.id).await.to_string();
    b.submit(
        "/cart",
        "/cart",
        &[("offer_id", &sweet_offer), ("quantity", "2")],
    )
    .await;
    let small = pay_by_card(&b, org.id).await;
    assert_eq!(small.status, 422);
    assert!(small.body.contains("13.000"), "{}", small.body);
    b.submit(
        "/cart",
        "/cart/lines",
        &[("offer_id", &sweet_offer), ("quantity", "0")],
    )
    .await;

    // A card payment that succeeds after the order was cancelled goes straight back.
    b.submit("/cart", "/cart", &[("offer_id", &offer), ("quantity", "1")])
        .await;
    let placed = pay_by_card(&b, org.id).await;
    let path = placed.header("location").unwrap().to_owned();
    let second: i64 = path.trim_start_matches("/orders/").parse().unwrap();
    coop.submit(&path, &format!("{path}/steps"), &[("step", "confirm")])
        .await;
    b.submit(&path, &format!("{path}/card"), &[]).await;
    assert_eq!(b.get(&format!("{path}/card")).await.status, 200);
    let intent = ketnoi_db::payments::card_payment(app.db.conn(), second)
        .await
        .unwrap()
        .unwrap();
    let cancelled = b
        .submit(&path, &format!("{path}/steps"), &[("step", "cancel")])
        .await;
    assert_eq!(cancelled.status, 303);
    app.state
        .payments
        .stripe
        .as_ref()
        .unwrap()
        .pay_with_test_card(&intent.intent_id, "4242424242424242")
        .await
        .unwrap();
    eventually(
        "the late payment to be refunded",
        Duration::from_secs(20),
        || {
            let db = db.clone();
            async move {
                let p = ketnoi_db::payments::card_payment(db.conn(), second)
                    .await
                    .ok()??;
                p.refund_id.map(|_| ())
            }
        },
    )
    .await
    .unwrap();
    let o = ketnoi_db::orders::find(app.db.conn(), second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, Status::Cancelled);
    let events = ketnoi_db::payments::events_of(app.db.conn(), &intent.intent_id)
        .await
        .unwrap();
    assert_eq!(
        events[0].2.as_deref(),
        Some("refunded: the order was cancelled")
    );
    assert!(
        ketnoi_db::payments::owed(app.db.conn(), &ketnoi_domain::role::Scope::City)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Checks the cart out to be paid by card.
async fn pay_by_card(b: &ketnoi_tests::Client, org_id: i64) -> ketnoi_tests::Page {
    let pay = format!("pay_{org_id}");
    b.submit(
        "/cart",
        "/checkout",
        &[
            (pay.as_str(), "stripe"),
            ("commune_code", "00577"),
            ("street", "12 Hàng Gai"),
            ("phone", "0912345678"),
        ],
    )
    .await
}

async fn stored_payload(app: &TestApp, event_id: &str) -> String {
    ketnoi_db::payments::event_payload(app.db.conn(), event_id)
        .await
        .unwrap()
        .unwrap()
}
