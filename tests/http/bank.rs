//! The bank-notification endpoint (for when a bank integration is added): an HMAC-signed
//! notice of a transfer whose reference names an order awaiting its VietQR payment, for the
//! whole amount, marks the order paid; a repeat, a wrong amount or a forged signature
//! changes nothing.

use ketnoi_domain::order::{Actor, PaymentMethod, Status, Step};
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Backend, TestApp};
use ketnoi_web::config::Secret;

/// The site the order e-mails link to.
const SITE: &str = "https://ketnoi.test";

const SECRET: &[u8] = b"bank-notification-secret-for-tests";

#[tokio::test]
async fn a_signed_bank_notification_marks_a_vietqr_order_paid_once_sqlite() {
    bank_notification(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_signed_bank_notification_marks_a_vietqr_order_paid_once_postgres() {
    bank_notification(Backend::Postgres).await;
}

fn signed(body: &str, key: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn bank_notification(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.bank_webhook_secret = Some(Secret::new(SECRET.to_vec()));
    })
    .await
    else {
        return;
    };
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let vase = ketnoi_tests::published_listing(&app, &org, "Bình gốm").await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let offer_id = crate::orders::offer_of(&app, vase.id).await;
    let lines = [ketnoi_db::orders::Line::of(offer_id, 2)];
    let order = ketnoi_db::orders::place(
        &app.db,
        &ketnoi_tests::goods_order(buyer.id, org.id, PaymentMethod::VietQr, &lines),
    )
    .await
    .unwrap()
    .unwrap();
    let http = reqwest::Client::new();
    let post = |body: String, signature: String| {
        let (http, url) = (http.clone(), format!("{}/webhooks/bank", app.url));
        async move {
            http.post(url)
                .header("x-ketnoi-signature", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let status = || async {
        ketnoi_db::orders::find(app.db.conn(), order.id)
            .await
            .unwrap()
            .unwrap()
            .status
    };
    let notice = |id: &str, amount: i64| {
        format!(
            r#"{{"id":"{id}","reference":"CT {} KETNOI 123","amount":{amount}}}"#,
            order.code()
        )
    };
    // Before the cooperative confirms, the order is not awaiting payment: stored, unmatched.
    let early = notice("tx-0", 500_000);
    assert_eq!(
        post(early.clone(), signed(&early, SECRET)).await.status(),
        200
    );
    assert_eq!(status().await, Status::Placed);
    ketnoi_app::orders::step(
        &app.db,
        SITE,
        order.id,
        Step::Confirm,
        Actor::Cooperative,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    // Forged, or unreadable: refused.
    let good = notice("tx-1", 500_000);
    assert_eq!(
        post(good.clone(), signed(&good, b"wrong")).await.status(),
        400
    );
    assert_eq!(post(good.clone(), "zz".into()).await.status(), 400);
    assert_eq!(post("{".into(), signed("{", SECRET)).await.status(), 400);
    assert_eq!(status().await, Status::AwaitingPayment);
    // Too little money: stored for the cooperative to look at, the order waits.
    let short = notice("tx-2", 400_000);
    assert_eq!(
        post(short.clone(), signed(&short, SECRET)).await.status(),
        200
    );
    assert_eq!(status().await, Status::AwaitingPayment);
    // The whole amount: paid, by the system.
    let r = post(good.clone(), signed(&good, SECRET)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(status().await, Status::Paid);
    let timeline = ketnoi_db::orders::timeline(app.db.conn(), order.id)
        .await
        .unwrap();
    assert_eq!(timeline.last().unwrap().actor, "system");
    // The same notice again: acknowledged, nothing more happens.
    let again = post(good.clone(), signed(&good, SECRET)).await;
    assert_eq!(again.text().await.unwrap(), "already received");
    let after = ketnoi_db::orders::timeline(app.db.conn(), order.id)
        .await
        .unwrap();
    assert_eq!(after.len(), timeline.len());
}
