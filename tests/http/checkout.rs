//! The cart and checkout over HTTP: a cart across two cooperatives split into one order
//! each, wholesale terms and tiers enforced, experiences within their day's capacity, the
//! order page's steps for each side, VietQR on the order page, order e-mails in the outbox,
//! and the confirmation timer. Both engines.

use ketnoi_db::listings::Offer;
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::{OfferKind, PriceTier};
use ketnoi_domain::order::Status;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, listing_with_offer, on_both_backends};

on_both_backends!(
    a_cart_across_two_cooperatives_becomes_one_order_each,
    wholesale_terms_and_experience_capacity_are_enforced,
    each_side_takes_only_its_own_steps_and_strangers_see_nothing,
    the_confirmation_timer_reminds_escalates_and_cancels,
    an_order_to_a_cooperative_without_an_account_reaches_its_communes_officer,
);

fn offer(kind: OfferKind, price: i64) -> Offer {
    Offer {
        kind,
        price: Vnd(price),
        case_size: None,
        min_order_qty: None,
        duration_hours: None,
        max_group_size: None,
        tiers: vec![],
    }
}

async fn offer_id(app: &TestApp, listing_id: i64) -> String {
    crate::orders::offer_of(app, listing_id).await.to_string()
}

async fn add(c: &Client, offer: &str, quantity: &str, date: &str) -> ketnoi_tests::Page {
    c.submit(
        "/cart",
        "/cart",
        &[("offer_id", offer), ("quantity", quantity), ("date", date)],
    )
    .await
}

/// Checks the cart out to a street in ward 00577 with `phone` and the other `fields` (how
/// each cooperative is paid, a note).
async fn check_out(c: &Client, phone: &str, fields: &[(&str, &str)]) -> ketnoi_tests::Page {
    let mut all = vec![
        ("commune_code", "00577"),
        ("street", "Số 5, ngõ 12"),
        ("phone", phone),
    ];
    all.extend_from_slice(fields);
    c.submit("/cart", "/checkout", &all).await
}

struct Shop {
    buyer: Client,
    coop_a: Client,
    a_vase: i64,
    b_rice: i64,
    org_a: ketnoi_db::orgs::Org,
    org_b: ketnoi_db::orgs::Org,
}

/// Two cooperatives (A takes VietQR transfers, B does not), a buyer, and a manager of A.
async fn shop(app: &TestApp) -> Shop {
    let org_a = app.cooperative("htx-gom-bat-trang", "00577").await;
    let org_b = app.cooperative("htx-gao-soc-son", "00577").await;
    ketnoi_tests::bank_account(app, &org_a, "970436", "0011004455667").await;
    let vase = ketnoi_tests::published_listing(app, &org_a, "Bình gốm men lam").await;
    let rice = listing_with_offer(
        app,
        &org_b,
        "Gạo nếp cái hoa vàng",
        Offer {
            case_size: Some(10),
            min_order_qty: Some(20),
            tiers: vec![
                PriceTier {
                    min_qty: 20,
                    price: Vnd(90_000),
                },
                PriceTier {
                    min_qty: 100,
                    price: Vnd(80_000),
                },
            ],
            ..offer(OfferKind::Wholesale, 95_000)
        },
        Some(1_000),
    )
    .await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org_a, &manager, MemberRole::Manager).await;
    Shop {
        buyer: app.client_as(&buyer).await,
        coop_a: app.client_as(&manager).await,
        a_vase: vase.id,
        b_rice: rice.id,
        org_a,
        org_b,
    }
}

/// The order e-mails waiting in the outbox for `who`.
async fn order_mails_to(app: &TestApp, who: &str) -> Vec<ketnoi_db::outbox::Message> {
    ketnoi_db::outbox::due(app.db.conn(), chrono::Utc::now(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "order" && m.recipient == who)
        .collect()
}

async fn orders_of(app: &TestApp, buyer: &str) -> Vec<ketnoi_db::orders::Listed> {
    let u = ketnoi_db::users::find_by_email(app.db.conn(), buyer)
        .await
        .unwrap()
        .unwrap();
    ketnoi_db::orders::of_buyer(app.db.conn(), u.id, 50)
        .await
        .unwrap()
}

async fn a_cart_across_two_cooperatives_becomes_one_order_each(app: TestApp) {
    let s = shop(&app).await;
    let vase = offer_id(&app, s.a_vase).await;
    let rice = offer_id(&app, s.b_rice).await;
    assert_eq!(add(&s.buyer, &vase, "2", "").await.status, 303);
    assert_eq!(add(&s.buyer, &rice, "100", "").await.status, 303);
    let cart = s.buyer.get("/cart").await;
    assert_eq!(cart.status, 200);
    assert_eq!(cart.body.matches("data-testid=\"cart-group\"").count(), 2);
    // 2 × 250,000 and 100 × 80,000 (the 100+ tier): 8,500,000 ₫.
    assert!(cart.body.contains("8.500.000"), "{}", cart.body);
    // B has no bank account: no VietQR choice for it.
    assert_eq!(cart.body.matches("data-testid=\"pay-viet_qr\"").count(), 1);

    // A missing phone: nothing is ordered and the cart is kept.
    let pay_a = format!("pay_{}", s.org_a.id);
    let pay_b = format!("pay_{}", s.org_b.id);
    let bad = check_out(&s.buyer, "12", &[(&pay_a, "viet_qr"), (&pay_b, "cod")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("field-error"));
    // The page that comes back has the buyer's own header (no cooperative's links).
    assert!(bad.body.contains("data-testid=\"orders-link\""));
    assert!(
        !bad.body.contains("data-testid=\"my-link\""),
        "{}",
        bad.body
    );
    assert!(orders_of(&app, "nguoimua@example.com").await.is_empty());
    // VietQR for a cooperative without an account is refused too.
    let no_bank = check_out(
        &s.buyer,
        "0912345678",
        &[(&pay_a, "cod"), (&pay_b, "viet_qr")],
    )
    .await;
    assert_eq!(no_bank.status, 422);

    let placed = check_out(
        &s.buyer,
        "0912345678",
        &[
            (&pay_a, "viet_qr"),
            (&pay_b, "cod"),
            ("note", "Giao giờ hành chính"),
        ],
    )
    .await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    assert_eq!(placed.header("location"), Some("/orders?placed=1"));
    let orders = orders_of(&app, "nguoimua@example.com").await;
    assert_eq!(orders.len(), 2);
    let a = orders
        .iter()
        .find(|o| o.order.org_id == s.org_a.id)
        .unwrap();
    let b = orders
        .iter()
        .find(|o| o.order.org_id == s.org_b.id)
        .unwrap();
    assert_eq!(
        (a.order.total, a.order.payment.as_str()),
        (500_000, "viet_qr")
    );
    assert_eq!(
        (b.order.total, b.order.payment.as_str()),
        (8_000_000, "cod")
    );
    assert_eq!(a.order.contact_phone.as_deref(), Some("+84912345678"));
    assert_eq!(a.order.delivery_street.as_deref(), Some("Số 5, ngõ 12"));
    let cart = s.buyer.get("/cart").await;
    assert!(cart.body.contains("data-testid=\"cart-empty\""));
    let stock = ketnoi_db::listings::find(app.db.conn(), s.a_vase)
        .await
        .unwrap()
        .unwrap()
        .stock;
    assert_eq!(stock, Some(48));
    // The cooperative's manager and the buyer are told, in the outbox.
    assert_eq!(order_mails_to(&app, "quanly@example.com").await.len(), 1);
    assert_eq!(order_mails_to(&app, "nguoimua@example.com").await.len(), 2);
    let list = s.buyer.get("/orders?placed=1").await;
    assert_eq!(list.body.matches("data-testid=\"order-row\"").count(), 2);
    // Each row says what was ordered.
    assert!(
        list.body
            .contains("<span lang=\"vi\">Bình gốm men lam</span>"),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("<span lang=\"vi\">Gạo nếp cái hoa vàng</span>")
    );
    let dashboard = s.coop_a.get("/orgs/htx-gom-bat-trang/manage").await;
    assert!(
        dashboard.body.contains("data-testid=\"unconfirmed\">1<"),
        "{}",
        dashboard.body
    );
    let org_list = s.coop_a.get("/orgs/htx-gom-bat-trang/orders").await;
    assert_eq!(
        org_list.body.matches("data-testid=\"order-row\"").count(),
        1
    );
}

async fn wholesale_terms_and_experience_capacity_are_enforced(app: TestApp) {
    let s = shop(&app).await;
    let rice = offer_id(&app, s.b_rice).await;
    add(&s.buyer, &rice, "25", "").await;
    let cart = s.buyer.get("/cart").await;
    assert!(cart.body.contains("data-testid=\"line-problem\""));
    assert!(!cart.body.contains("data-testid=\"place-order\""));
    // Checking out anyway is refused by the store, and the cart stays.
    let pay_b = format!("pay_{}", s.org_b.id);
    let refused = check_out(&s.buyer, "0912345678", &[(&pay_b, "cod")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("data-testid=\"line-problem\""));
    // 25 + 5 = 30: whole cases of 10, above the minimum of 20: the 90,000 tier.
    add(&s.buyer, &rice, "5", "").await;
    let cart = s.buyer.get("/cart").await;
    assert!(
        !cart.body.contains("data-testid=\"line-problem\""),
        "{}",
        cart.body
    );
    assert!(cart.body.contains("2.700.000"));
    assert_eq!(add(&s.buyer, &rice, "0", "").await.status, 422);
    assert_eq!(add(&s.buyer, &rice, "abc", "").await.status, 422);
    assert_eq!(add(&s.buyer, "999999", "1", "").await.status, 404);

    // An experience for 10 people a day.
    let visit = listing_with_offer(
        &app,
        &s.org_a,
        "Trải nghiệm làm gốm",
        Offer {
            max_group_size: Some(10),
            duration_hours: Some(3),
            ..offer(OfferKind::Experience, 150_000)
        },
        None,
    )
    .await;
    let visit_offer = offer_id(&app, visit.id).await;
    let day = (ketnoi_domain::time::today_hanoi() + chrono::Duration::days(7)).to_string();
    assert_eq!(
        add(&s.buyer, &visit_offer, "6", "").await.status,
        422,
        "a date is needed"
    );
    assert_eq!(
        add(&s.buyer, &visit_offer, "6", "2001-01-01").await.status,
        422
    );
    assert_eq!(add(&s.buyer, &visit_offer, "6", &day).await.status, 303);
    let other = app
        .user("khach@example.com", PlatformRole::User, None)
        .await;
    let other = app.client_as(&other).await;
    assert_eq!(add(&other, &visit_offer, "6", &day).await.status, 303);
    let checkout = |c: Client| async move { check_out(&c, "0987654321", &[]).await };
    // The buyer's cart also holds the rice: pay it on delivery.
    let placed = check_out(&s.buyer, "0912345678", &[(&pay_b, "cod")]).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    // Six of ten places are taken: six more do not fit, and nothing is booked.
    let full = checkout(other.clone()).await;
    assert_eq!(full.status, 422);
    assert!(
        full.body.contains("data-testid=\"line-problem\""),
        "{}",
        full.body
    );
    let u = ketnoi_db::users::find_by_email(app.db.conn(), "khach@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        ketnoi_db::orders::of_buyer(app.db.conn(), u.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    other
        .submit(
            "/cart",
            "/cart/lines",
            &[
                ("offer_id", &visit_offer),
                ("date", &day),
                ("quantity", "4"),
            ],
        )
        .await;
    assert_eq!(checkout(other.clone()).await.status, 303);
    let booked = ketnoi_db::orders::of_buyer(app.db.conn(), u.id, 10)
        .await
        .unwrap();
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].order.status, Status::Booked);
    assert_eq!(booked[0].order.total, 600_000);
}

async fn each_side_takes_only_its_own_steps_and_strangers_see_nothing(app: TestApp) {
    let s = shop(&app).await;
    let vase = offer_id(&app, s.a_vase).await;
    add(&s.buyer, &vase, "2", "").await;
    let pay_a = format!("pay_{}", s.org_a.id);
    let placed = check_out(&s.buyer, "0912345678", &[(&pay_a, "viet_qr")]).await;
    let path = placed.header("location").unwrap().to_owned();
    assert!(path.starts_with("/orders/"), "{path}");
    let step = |c: &Client, step: &'static str| {
        let (c, path) = (c.clone(), path.clone());
        async move {
            c.submit(&path, &format!("{path}/steps"), &[("step", step)])
                .await
        }
    };
    // Each side is told what happens next, in its own words.
    let seen_by_buyer = s.buyer.get(&path).await.body;
    assert!(
        seen_by_buyer.contains("mã VietQR sẽ hiện ở trang này")
            && seen_by_buyer.contains("Chưa cần chuyển tiền"),
        "{seen_by_buyer}"
    );
    let seen_by_coop = s.coop_a.get(&path).await.body;
    assert!(
        seen_by_coop.contains("Người mua đang chờ bạn xác nhận")
            && seen_by_coop.contains("Nhắn người mua về đơn này")
            && !seen_by_coop.contains("Câu hỏi của bạn"),
        "{seen_by_coop}"
    );
    // The buyer cannot confirm; the cooperative can.
    assert_eq!(step(&s.buyer, "confirm").await.status, 409);
    assert_eq!(step(&s.coop_a, "confirm").await.status, 303);
    // Her confirmation time now shows on the cooperative's profile (a minute at most here).
    let profile = app.client().get("/orgs/htx-gom-bat-trang").await;
    assert!(
        profile.body.contains("data-testid=\"confirms-in\">1 phút"),
        "{}",
        profile.body
    );
    // Awaiting the transfer: the cooperative is told to watch for the money ...
    let seen_by_coop = s.coop_a.get(&path).await.body;
    assert!(
        seen_by_coop.contains("Mã VietQR người mua dùng để chuyển khoản")
            && seen_by_coop.contains("Đã nhận tiền"),
        "{seen_by_coop}"
    );
    // ... and the buyer sees the VietQR code for the exact amount.
    let page = s.buyer.get(&path).await;
    assert!(
        page.body.contains("data-testid=\"vietqr\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains("500.000"));
    let order = orders_of(&app, "nguoimua@example.com")
        .await
        .remove(0)
        .order;
    assert!(page.body.contains(&format!("{} KETNOI", order.code())));
    // She can save the code, to scan it in her banking app; a stranger cannot fetch it.
    let qr = format!("{path}/vietqr.png");
    assert!(page.body.contains(&format!("href=\"{qr}\" download")));
    let png = s.buyer.get(&qr).await;
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert!(
        png.header("content-disposition")
            .is_some_and(|d| d.contains(&format!("vietqr-{}.png", order.code())))
    );
    assert!(png.body.contains("PNG"), "a PNG signature");
    let stranger = app
        .user("nguoila@example.com", PlatformRole::User, None)
        .await;
    assert_eq!(app.client_as(&stranger).await.get(&qr).await.status, 404);
    // Only the cooperative marks the money received.
    assert_eq!(step(&s.buyer, "mark_paid").await.status, 409);
    assert_eq!(step(&s.coop_a, "mark_paid").await.status, 303);
    assert_eq!(step(&s.coop_a, "mark_paid").await.status, 409, "not twice");
    assert_eq!(s.buyer.get(&qr).await.status, 404, "paid: no code to save");
    assert_eq!(step(&s.coop_a, "ship").await.status, 303);
    assert_eq!(step(&s.buyer, "deliver").await.status, 303);
    assert_eq!(step(&s.buyer, "complete").await.status, 303);
    let page = s.coop_a.get(&path).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("data-testid=\"timeline-entry\"").count(),
        6,
        "placed, awaiting payment, paid, shipped, delivered, completed"
    );
    assert!(page.body.contains("Hoàn tất"));
    // The same order over the JSON API, for the buyer's own systems; nobody else's.
    let id = path.trim_start_matches("/orders/");
    let json = s.buyer.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(json.status, 200, "{}", json.body);
    let json = json.json();
    assert_eq!(json["status"], "completed");
    assert_eq!(json["total_vnd"], 500_000);
    assert_eq!(json["lines"][0]["quantity"], 2);
    assert_eq!(json["timeline"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["timeline"][1]["actor"], "cooperative");
    let mine = s.buyer.get("/api/v1/orders").await.json();
    assert_eq!(mine["orders"].as_array().map(Vec::len), Some(1));
    // A bogus step is a field error; a stranger (even a member of another cooperative)
    // finds no such order.
    assert_eq!(step(&s.coop_a, "fly").await.status, 422);
    let stranger = app.user("la@example.com", PlatformRole::User, None).await;
    let stranger = app.client_as(&stranger).await;
    assert_eq!(stranger.get(&path).await.status, 404);
    let theirs = stranger.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(theirs.status, 404);
    assert_eq!(theirs.json()["error"]["code"], "not_found");
    assert_eq!(
        stranger.get("/api/v1/orders").await.json()["orders"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let token = stranger.known_csrf();
    let r = stranger
        .post_form(
            &format!("{path}/steps"),
            &[("csrf", &token), ("step", "cancel")],
        )
        .await;
    assert_eq!(r.status, 404);
    // Order questions go to the order's own thread with the cooperative.
    let asked = s
        .buyer
        .submit(
            &path,
            &format!("{path}/inquiry"),
            &[("body", "Khi nào giao ạ?")],
        )
        .await;
    assert_eq!(asked.status, 303);
    let thread = asked.header("location").unwrap().to_owned();
    let seen = s.coop_a.get(&thread).await;
    assert_eq!(seen.status, 200);
    assert!(seen.body.contains("Khi nào giao ạ?"));
}

async fn the_confirmation_timer_reminds_escalates_and_cancels(app: TestApp) {
    use ketnoi_app::order_timer::{Pass, run_due};
    let s = shop(&app).await;
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    ketnoi_db::orgs::grant_proxy(app.db.conn(), s.org_a.id, officer.id, officer.id)
        .await
        .unwrap();
    let vase = offer_id(&app, s.a_vase).await;
    add(&s.buyer, &vase, "3", "").await;
    let pay_a = format!("pay_{}", s.org_a.id);
    check_out(&s.buyer, "0912345678", &[(&pay_a, "cod")]).await;
    let timer = ketnoi_app::config::ConfirmTimer::default();
    let placed = chrono::Utc::now();
    let at = |h: i64| placed + chrono::Duration::hours(h) + chrono::Duration::minutes(1);
    let url = &app.url;
    assert_eq!(
        run_due(&app.db, url, &timer, at(1)).await.unwrap(),
        Pass::default()
    );
    let reminded = Pass {
        reminded: 1,
        ..Pass::default()
    };
    assert_eq!(
        run_due(&app.db, url, &timer, at(12)).await.unwrap(),
        reminded
    );
    assert_eq!(
        run_due(&app.db, url, &timer, at(13)).await.unwrap(),
        Pass::default()
    );
    let escalated = Pass {
        escalated: 1,
        ..Pass::default()
    };
    assert_eq!(
        run_due(&app.db, url, &timer, at(24)).await.unwrap(),
        escalated
    );
    let cancelled = Pass {
        cancelled: 1,
        ..Pass::default()
    };
    assert_eq!(
        run_due(&app.db, url, &timer, at(48)).await.unwrap(),
        cancelled
    );
    assert_eq!(
        run_due(&app.db, url, &timer, at(49)).await.unwrap(),
        Pass::default()
    );
    let order = orders_of(&app, "nguoimua@example.com")
        .await
        .remove(0)
        .order;
    assert_eq!(order.status, Status::Cancelled);
    let stock = ketnoi_db::listings::find(app.db.conn(), s.a_vase)
        .await
        .unwrap()
        .unwrap()
        .stock;
    assert_eq!(stock, Some(50), "the stock is back");
    let timeline = ketnoi_db::orders::timeline(app.db.conn(), order.id)
        .await
        .unwrap();
    assert_eq!(timeline.last().unwrap().actor, "system");
    let due = ketnoi_db::outbox::due(app.db.conn(), chrono::Utc::now(), 50)
        .await
        .unwrap();
    let subjects: Vec<(&str, &str)> = due
        .iter()
        .map(|m| (m.recipient.as_str(), m.subject.as_str()))
        .collect();
    assert!(
        subjects
            .iter()
            .any(|(r, s)| *r == "quanly@example.com" && s.starts_with("Nhắc")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|(r, _)| *r == "canbo@example.com"),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|(r, s)| *r == "nguoimua@example.com" && s.contains("hủy")),
        "{subjects:?}"
    );
    assert_eq!(
        ketnoi_db::orders::median_confirmation(app.db.conn(), s.org_a.id)
            .await
            .unwrap(),
        None,
        "a cancelled order was never confirmed"
    );

    // The officer the cooperative granted proxy rights confirms for it: recorded as such,
    // and the timer leaves a confirmed order alone.
    add(&s.buyer, &vase, "1", "").await;
    let placed = check_out(&s.buyer, "0912345678", &[(&pay_a, "cod")]).await;
    let path = placed.header("location").unwrap().to_owned();
    let officer = app.client_as(&officer).await;
    let confirmed = officer
        .submit(&path, &format!("{path}/steps"), &[("step", "confirm")])
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let second = orders_of(&app, "nguoimua@example.com")
        .await
        .remove(0)
        .order;
    assert_eq!(second.status, Status::Confirmed);
    let timeline = ketnoi_db::orders::timeline(app.db.conn(), second.id)
        .await
        .unwrap();
    assert_eq!(timeline.last().unwrap().actor, "proxy");
    let later = chrono::Utc::now() + chrono::Duration::hours(100);
    assert_eq!(
        run_due(&app.db, url, &timer, later).await.unwrap(),
        Pass::default()
    );
    assert!(
        ketnoi_db::orders::median_confirmation(app.db.conn(), s.org_a.id)
            .await
            .unwrap()
            .is_some()
    );
}

/// Most cooperatives the Union registered have no one on Ketnoi: the listing page says how
/// such a one answers; its orders go to the Union's officer of its commune (not to the city's,
/// who would hear only without her), who reads whom to call first; the buyer is told.
async fn an_order_to_a_cooperative_without_an_account_reaches_its_communes_officer(app: TestApp) {
    let s = shop(&app).await;
    app.user(
        "canbo.xa@example.com",
        PlatformRole::UnionOfficer,
        Some("00577"),
    )
    .await;
    app.user("canbo.tp@example.com", PlatformRole::UnionOfficer, None)
        .await;
    // The header offers the cart to buyers, not to the cooperative's people at work.
    assert!(
        s.buyer
            .get("/")
            .await
            .body
            .contains("data-testid=\"cart-link\"")
    );
    assert!(
        !s.coop_a
            .get("/")
            .await
            .body
            .contains("data-testid=\"cart-link\"")
    );
    let page = s.buyer.get(&format!("/listings/{}", s.b_rice)).await;
    assert!(
        page.body.contains("Hợp tác xã chưa dùng Ketnoi"),
        "{}",
        page.body
    );
    let answered = s.buyer.get(&format!("/listings/{}", s.a_vase)).await;
    assert!(
        answered
            .body
            .contains("Hợp tác xã trả lời đơn hàng và tin nhắn trên Ketnoi.")
    );

    let rice = offer_id(&app, s.b_rice).await;
    assert_eq!(add(&s.buyer, &rice, "100", "").await.status, 303);
    let pay_b = format!("pay_{}", s.org_b.id);
    // She orders for her mother.
    let placed = check_out(
        &s.buyer,
        "0912345678",
        &[(&pay_b, "cod"), ("recipient", "Nguyễn Thị Mai")],
    )
    .await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let officer = order_mails_to(&app, "canbo.xa@example.com").await;
    assert_eq!(officer.len(), 1, "{officer:?}");
    assert!(
        officer[0].body.contains("chưa dùng Ketnoi")
            && officer[0].body.contains("Gạo nếp")
            && officer[0].body.contains("Người nhận: Nguyễn Thị Mai"),
        "{}",
        officer[0].body
    );
    assert!(
        order_mails_to(&app, "canbo.tp@example.com")
            .await
            .is_empty(),
        "the nearest officers only"
    );
    let order = orders_of(&app, "nguoimua@example.com")
        .await
        .remove(0)
        .order;
    let shown = s.buyer.get(&format!("/orders/{}", order.id)).await;
    assert!(
        shown
            .body
            .contains("Hội LHPN đã được báo và sẽ gọi hợp tác xã"),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains("data-testid=\"order-recipient\">Nguyễn Thị Mai<")
    );
    // Her next checkout starts from the address, phone and recipient she gave.
    assert_eq!(add(&s.buyer, &rice, "100", "").await.status, 303);
    let cart = s.buyer.get("/cart").await;
    for filled in [
        "value=\"Số 5, ngõ 12\"",
        "value=\"00577\" selected",
        "value=\"0912 345 678\"",
        "value=\"Nguyễn Thị Mai\"",
    ] {
        assert!(cart.body.contains(filled), "{filled}: {}", cart.body);
    }
    // A line goes with its own button, whatever its quantity says.
    let removed = s
        .buyer
        .submit(
            "/cart",
            "/cart/lines",
            &[
                ("offer_id", rice.as_str()),
                ("date", ""),
                ("quantity", "100"),
                ("remove", "1"),
            ],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert!(
        s.buyer
            .get("/cart")
            .await
            .body
            .contains("data-testid=\"cart-empty\"")
    );
}
