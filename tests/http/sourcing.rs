//! Wholesale sourcing (issue 21) over HTTP, on both engines: requests reach exactly the
//! cooperatives a reference filter written here selects; a joint quote assembled by a proxy
//! officer becomes one order per cooperative at the quoted prices; an expired quote cannot be
//! accepted (409, the page kept); strangers get 404.

use ketnoi_db::Db;
use ketnoi_db::listings::Offer;
use ketnoi_db::orgs::{NewOrg, Org};
use ketnoi_domain::catalog::{BadgeKind, BadgeStatus, Months, OfferKind};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, on_both_backends};
use std::collections::BTreeSet;

on_both_backends!(
    each_request_reaches_exactly_the_cooperatives_the_reference_filter_selects,
    a_joint_quote_by_a_proxy_officer_becomes_one_order_per_cooperative,
    an_expired_quote_is_refused_with_the_page_kept,
    a_request_is_hidden_from_those_it_is_not_for,
    a_cooperative_declares_what_it_can_supply_a_month,
);

/// Wards/communes of Hanoi the fixture's cooperatives are in, with their centres.
const PLACES: [(&str, f64, f64); 10] = [
    ("00004", 21.0386, 105.838),
    ("00166", 21.0309, 105.788),
    ("00328", 20.9656, 105.89),
    ("00466", 21.1623, 105.815),
    ("00619", 21.0489, 105.766),
    ("09022", 21.151, 105.733),
    ("09694", 21.12, 105.403),
    ("09886", 20.975, 105.749),
    ("10081", 20.8423, 105.65),
    ("10342", 20.7006, 105.949),
];

/// Great-circle distance in km, written here independently of the product's.
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = p2 - p1;
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().atan2((1.0 - h).sqrt())
}

/// A fixture cooperative as the reference filter reads it.
struct Coop {
    org: Org,
    manager: String,
    place: (f64, f64),
    category: &'static str,
    group: &'static str,
    months: Vec<u32>,
    capacity: Option<i64>,
    stock: Option<i64>,
    certs: Vec<&'static str>,
    stars: Option<i64>,
}

async fn sql(app: &TestApp, sql: &'static str, a: i64, b: chrono::DateTime<chrono::Utc>) {
    match &app.db {
        Db::Sqlite(p) => ketnoi_db::sqlx::query(sql)
            .bind(a)
            .bind(b)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => ketnoi_db::sqlx::query(sql)
            .bind(a)
            .bind(b)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

async fn badge(
    app: &TestApp,
    org: &Org,
    kind: BadgeKind,
    stars: Option<i64>,
    expired: bool,
    verified: bool,
) {
    let today = ketnoi_domain::time::today_hanoi();
    let expires = if expired {
        today - chrono::Duration::days(1)
    } else {
        today + chrono::Duration::days(365)
    };
    let b = ketnoi_db::badges::submit(
        app.db.conn(),
        &ketnoi_db::badges::Claim {
            org_id: org.id,
            kind: Some(kind),
            stars,
            expires_on: Some(expires),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    let status = if verified {
        BadgeStatus::Verified
    } else {
        BadgeStatus::Rejected
    };
    ketnoi_db::badges::decide(
        app.db.conn(),
        b.id,
        status,
        None,
        None,
        "test",
        ketnoi_db::now(),
    )
    .await
    .unwrap();
}

/// A published goods listing with a wholesale offer.
async fn goods(
    app: &TestApp,
    org: &Org,
    title: &str,
    category: &str,
    months: &[u32],
    stock: Option<i64>,
) -> ketnoi_db::listings::Listing {
    let draft = ketnoi_db::listings::Draft {
        title_vi: title.into(),
        title_en: None,
        description_vi: "Hàng của hợp tác xã".into(),
        description_en: None,
        category_id: category.into(),
        unit: "kg".into(),
        stock,
        months: if months.is_empty() {
            Months::ALL
        } else {
            Months::from_list(months)
        },
        origin_commune_code: None,
        certifications: vec![],
        ocop_claim: None,
        offers: vec![Offer {
            kind: OfferKind::Wholesale,
            price: ketnoi_domain::Vnd(20_000),
            case_size: Some(10),
            min_order_qty: Some(100),
            duration_hours: None,
            max_group_size: None,
            tiers: vec![],
        }],
    };
    let mut tx = app.db.begin().await.unwrap();
    let l = ketnoi_db::listings::create(
        &mut tx,
        org.id,
        None,
        &draft,
        ketnoi_domain::catalog::ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    l
}

/// A buyer organisation (a hotel) and its manager, signed in.
async fn hotel(app: &TestApp, login: &str) -> (Org, Client) {
    let org = ketnoi_db::orgs::upsert(
        app.db.conn(),
        &NewOrg {
            slug: format!("hotel-{}", login.split('@').next().unwrap_or("x")),
            kind: Some(OrgKind::Buyer),
            buyer_type: Some(BuyerType::Horeca),
            name: "Khách sạn Hồ Tây".into(),
            commune_code: Some("00004".into()),
            province_code: "01".into(),
            ..NewOrg::default()
        },
    )
    .await
    .unwrap();
    let user = app.user(login, PlatformRole::User, None).await;
    app.member(&org, &user, MemberRole::Owner).await;
    (org.clone(), app.client_as(&user).await)
}

/// Posts a request through the form; its id.
async fn post_rfq(c: &Client, fields: &[(&str, &str)]) -> i64 {
    let page = c.submit("/rfqs/new", "/rfqs", fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.unwrap();
    to.trim_start_matches("/rfqs/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The recipients of the unsent `rfq` notices about request `id`.
async fn told(app: &TestApp, id: i64) -> BTreeSet<String> {
    let far = ketnoi_db::now() + chrono::Duration::days(3650);
    ketnoi_db::outbox::due(app.db.conn(), far, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "rfq" && m.body.contains(&format!("/rfqs/{id}")))
        .map(|m| m.recipient)
        .collect()
}

/// A day `years` after this year's, `mm-dd` (the fixture's dates stay ahead of the clock).
fn day(years: i32, md: &str) -> String {
    use chrono::Datelike;
    format!("{}-{md}", ketnoi_domain::time::today_hanoi().year() + years)
}

/// A day `days` from today.
fn in_days(days: i64) -> String {
    (ketnoi_domain::time::today_hanoi() + chrono::Duration::days(days)).to_string()
}

struct Req {
    category: &'static str,
    quantity: i64,
    recurrence: &'static str,
    from: String,
    until: String,
    months: Vec<u32>,
    certs: Vec<&'static str>,
    min_stars: Option<i64>,
    place: Option<usize>,
    max_km: Option<f64>,
}

/// The reference filter: which fixture cooperatives a request must reach.
fn reference(r: &Req, c: &Coop) -> bool {
    let category = c.category == r.category || c.group == r.category;
    let season = r.months.iter().all(|m| c.months.contains(m));
    let per_month = if r.recurrence == "weekly" { 5 } else { 1 };
    let enough = match (c.capacity, c.stock) {
        (Some(cap), _) => cap >= r.quantity * per_month,
        (None, Some(stock)) => stock >= r.quantity,
        (None, None) => true,
    };
    let certified = r.certs.iter().all(|x| c.certs.contains(x));
    let stars = r.min_stars.is_none_or(|m| c.stars.is_some_and(|s| s >= m));
    let near = match (r.place, r.max_km) {
        (Some(p), Some(max)) => km(c.place, (PLACES[p].1, PLACES[p].2)) <= max,
        _ => true,
    };
    category && season && enough && certified && stars && near
}

async fn each_request_reaches_exactly_the_cooperatives_the_reference_filter_selects(app: TestApp) {
    let cats: [(&str, &str); 3] = [
        ("gao-ngu-coc", "thuc-pham"),
        ("rau-cu-qua", "thuc-pham"),
        ("gom-su", "thu-cong"),
    ];
    let seasons: [Vec<u32>; 3] = [(1..=12).collect(), vec![5, 6, 7], vec![11, 12, 1]];
    let mut coops = Vec::new();
    for i in 0..30usize {
        let place = PLACES[(i * 7) % PLACES.len()];
        let org = app.cooperative(&format!("htx-{i}"), place.0).await;
        let manager = format!("coop{i}@example.com");
        let user = app.user(&manager, PlatformRole::User, None).await;
        app.member(&org, &user, MemberRole::Manager).await;
        let (category, group) = cats[i % 3];
        let months = seasons[(i / 2) % 3].clone();
        let (capacity, stock) = match i % 5 {
            4 => (None, Some(60)),
            _ if i % 4 == 3 => (Some(100), None),
            _ => (Some(10_000), None),
        };
        let listing = goods(&app, &org, &format!("Hàng {i}"), category, &months, stock).await;
        ketnoi_db::sourcing::set_monthly_capacity(app.db.conn(), listing.id, capacity)
            .await
            .unwrap();
        let mut certs = Vec::new();
        if i % 2 == 0 {
            let expired = i % 8 == 0;
            badge(&app, &org, BadgeKind::Vietgap, None, expired, true).await;
            if !expired {
                certs.push("vietgap");
            }
        }
        if i % 3 == 1 || i % 4 == 0 {
            badge(&app, &org, BadgeKind::Organic, None, false, true).await;
            certs.push("huu_co");
        }
        if i % 7 == 1 {
            // Rejected: no certification in force.
            badge(&app, &org, BadgeKind::Vietgap, None, false, false).await;
        }
        let stars = (i % 5 == 0 || i % 5 == 2).then_some(3 + (i as i64 % 3));
        if let Some(s) = stars {
            badge(&app, &org, BadgeKind::Ocop, Some(s), false, true).await;
            certs.push("ocop");
        }
        coops.push(Coop {
            org,
            manager,
            place: (place.1, place.2),
            category,
            group,
            months,
            capacity,
            stock,
            certs,
            stars,
        });
    }
    let (_, buyer) = hotel(&app, "bep@khachsan.example").await;
    let requests = [
        Req {
            category: "gao-ngu-coc",
            quantity: 50,
            recurrence: "once",
            from: day(1, "06-10"),
            until: String::new(),
            months: vec![6],
            certs: vec!["vietgap"],
            min_stars: None,
            place: Some(0),
            max_km: Some(20.0),
        },
        Req {
            category: "thuc-pham",
            quantity: 40,
            recurrence: "weekly",
            from: day(1, "12-20"),
            until: day(2, "01-20"),
            months: vec![12, 1],
            certs: vec![],
            min_stars: None,
            place: None,
            max_km: None,
        },
        Req {
            category: "rau-cu-qua",
            quantity: 50,
            recurrence: "once",
            from: day(1, "06-01"),
            until: String::new(),
            months: vec![6],
            certs: vec!["huu_co"],
            min_stars: None,
            place: Some(1),
            max_km: Some(40.0),
        },
        Req {
            category: "gom-su",
            quantity: 80,
            recurrence: "monthly",
            from: day(1, "06-15"),
            until: String::new(),
            months: vec![6],
            certs: vec!["ocop"],
            min_stars: Some(4),
            place: None,
            max_km: None,
        },
        Req {
            category: "gao-ngu-coc",
            quantity: 100,
            recurrence: "once",
            from: day(1, "12-28"),
            until: String::new(),
            months: vec![12],
            certs: vec!["vietgap", "huu_co"],
            min_stars: None,
            place: Some(2),
            max_km: Some(60.0),
        },
    ];
    let mut sizes = Vec::new();
    let deadline = in_days(7);
    for (n, r) in requests.iter().enumerate() {
        let quantity = r.quantity.to_string();
        let stars = r.min_stars.map(|s| s.to_string()).unwrap_or_default();
        let distance = r.max_km.map(|k| (k as i64).to_string()).unwrap_or_default();
        let place = r.place.map(|p| PLACES[p].0).unwrap_or_default();
        let mut fields = vec![
            ("title", "Yêu cầu thử"),
            ("category", r.category),
            ("quantity", quantity.as_str()),
            ("unit", "kg"),
            ("recurrence", r.recurrence),
            ("deliver_from", r.from.as_str()),
            ("deliver_until", r.until.as_str()),
            ("delivery_commune", place),
            ("max_distance_km", distance.as_str()),
            ("min_ocop_stars", stars.as_str()),
            ("deadline", deadline.as_str()),
            ("visibility", "public"),
        ];
        if r.certs.contains(&"vietgap") {
            fields.push(("cert_vietgap", "1"));
        }
        if r.certs.contains(&"huu_co") {
            fields.push(("cert_huu_co", "1"));
        }
        let id = post_rfq(&buyer, &fields).await;
        let expected: BTreeSet<String> = coops
            .iter()
            .filter(|c| reference(r, c))
            .map(|c| c.manager.clone())
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < 30,
            "request {n}: the fixture selects {}",
            expected.len()
        );
        assert_eq!(told(&app, id).await, expected, "request {n}");
        let reached: BTreeSet<i64> = ketnoi_db::sourcing::recipients(app.db.conn(), id)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.org_id)
            .collect();
        let expected_orgs: BTreeSet<i64> = coops
            .iter()
            .filter(|c| reference(r, c))
            .map(|c| c.org.id)
            .collect();
        assert_eq!(reached, expected_orgs, "request {n}");
        let page = buyer.get(&format!("/rfqs/{id}")).await;
        assert!(
            page.body.contains(&format!("{} ", expected.len())),
            "the buyer sees how many were told"
        );
        sizes.push(expected.len());
    }
    // The fixture is not trivial: the requests reach different numbers of cooperatives.
    assert!(
        sizes.iter().collect::<BTreeSet<_>>().len() >= 3,
        "{sizes:?}"
    );
}

/// Three cooperatives with rice, an officer each granted proxy rights, and a hotel.
async fn three_rice_cooperatives(app: &TestApp) -> (Vec<(Org, i64, Client)>, Client, Client) {
    let officer = app
        .user(
            "canbo@hoi.example",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let mut coops = Vec::new();
    for (i, commune) in ["00577", "00004", "00166"].into_iter().enumerate() {
        let org = app.cooperative(&format!("lua-{i}"), commune).await;
        let manager = app
            .user(&format!("lua{i}@example.com"), PlatformRole::User, None)
            .await;
        app.member(&org, &manager, MemberRole::Owner).await;
        ketnoi_db::orgs::grant_proxy(app.db.conn(), org.id, officer.id, manager.id)
            .await
            .unwrap();
        let listing = goods(
            app,
            &org,
            &format!("Gạo tám thơm {i}"),
            "gao-ngu-coc",
            &[],
            Some(1_000),
        )
        .await;
        coops.push((org, listing.id, app.client_as(&manager).await));
    }
    let (_, buyer) = hotel(app, "mua@khachsan.example").await;
    (coops, app.client_as(&officer).await, buyer)
}

fn rice_request() -> Vec<(&'static str, String)> {
    vec![
        ("title", "Gạo cho bếp khách sạn".into()),
        ("category", "gao-ngu-coc".into()),
        ("quantity", "900".into()),
        ("unit", "kg".into()),
        ("recurrence", "once".into()),
        ("deliver_from", in_days(30)),
        ("deadline", in_days(10)),
        ("visibility", "public".into()),
    ]
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn a_joint_quote_by_a_proxy_officer_becomes_one_order_per_cooperative(app: TestApp) {
    let (coops, officer, buyer) = three_rice_cooperatives(&app).await;
    let id = post_rfq(&buyer, &as_refs(&rice_request())).await;
    let page = officer.get(&format!("/rfqs/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("data-testid=\"quote-form\""),
        "{}",
        page.body
    );
    let prices = [20_000i64, 21_000, 22_000];
    let mut fields: Vec<(String, String)> = vec![
        ("lead".into(), coops[1].0.id.to_string()),
        ("valid_until".into(), in_days(20)),
        ("note".into(), "Ba hợp tác xã cùng giao".into()),
    ];
    for ((org, listing, _), price) in coops.iter().zip(prices) {
        fields.push((format!("listing_{}", org.id), listing.to_string()));
        fields.push((format!("qty_{}", org.id), "300".into()));
        fields.push((format!("price_{}", org.id), price.to_string()));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sent = officer
        .submit(&format!("/rfqs/{id}"), &format!("/rfqs/{id}/quotes"), &refs)
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let quotes = ketnoi_db::sourcing::quotes_of(app.db.conn(), id)
        .await
        .unwrap();
    assert_eq!(quotes.len(), 1);
    let quote = &quotes[0];
    assert!(quote.by_proxy && quote.is_joint());
    assert_eq!(quote.lead_org_id, coops[1].0.id, "the chosen lead leads");
    // The buyer sees it, with its shares, and accepts.
    let page = buyer.get(&format!("/rfqs/{id}")).await;
    assert!(page.body.contains("data-testid=\"joint\""));
    assert_eq!(page.body.matches("data-testid=\"quote-share\"").count(), 3);
    let accepted = buyer
        .submit(
            &format!("/rfqs/{id}"),
            &format!("/quotes/{}/accept", quote.id),
            &[("payment", "cod"), ("street", "1 Thanh Niên")],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let orders = ketnoi_db::sourcing::orders_of_quote(app.db.conn(), quote.id)
        .await
        .unwrap();
    assert_eq!(orders.len(), 3, "one order per cooperative");
    for ((org, listing, client), price) in coops.iter().zip(prices) {
        let (order_id, _, code) = orders.iter().find(|o| o.1 == org.id).unwrap().clone();
        let items = ketnoi_db::orders::items(app.db.conn(), order_id)
            .await
            .unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            (items[0].quantity, items[0].unit_price),
            (300, price),
            "the quoted price"
        );
        let l = ketnoi_db::listings::find(app.db.conn(), *listing)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.stock, Some(700), "the stock was taken");
        // Each cooperative sees its own order.
        let mine = client.get(&format!("/orgs/{}/orders", org.slug)).await;
        assert!(mine.body.contains(&code), "{} sees {code}", org.slug);
        // … paid as any order is: cash on delivery after confirmation.
        let o = ketnoi_db::orders::find(app.db.conn(), order_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.payment, ketnoi_domain::order::PaymentMethod::Cod);
    }
    let rfq = ketnoi_db::sourcing::rfq(app.db.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rfq.status, ketnoi_domain::trade::RfqStatus::Awarded);
    // Accepting again: the request moved on, nothing more is placed.
    let again = buyer
        .submit(
            &format!("/rfqs/{id}"),
            &format!("/quotes/{}/accept", quote.id),
            &[("payment", "cod")],
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        ketnoi_db::sourcing::orders_of_quote(app.db.conn(), quote.id)
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn an_expired_quote_is_refused_with_the_page_kept(app: TestApp) {
    let (coops, _, buyer) = three_rice_cooperatives(&app).await;
    let id = post_rfq(&buyer, &as_refs(&rice_request())).await;
    let (org, listing, seller) = &coops[0];
    let sent = seller
        .submit(
            &format!("/rfqs/{id}"),
            &format!("/rfqs/{id}/quotes"),
            &[
                (
                    format!("listing_{}", org.id).as_str(),
                    listing.to_string().as_str(),
                ),
                (format!("qty_{}", org.id).as_str(), "900"),
                (format!("price_{}", org.id).as_str(), "19.500"),
                ("valid_until", in_days(20).as_str()),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let quote = ketnoi_db::sourcing::quotes_of(app.db.conn(), id)
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(quote.shares[0].unit_price, 19_500);
    // Its validity passes.
    sql(
        &app,
        "UPDATE quotes SET valid_until = $2 WHERE id = $1",
        quote.id,
        ketnoi_db::now() - chrono::Duration::minutes(1),
    )
    .await;
    let page = buyer
        .submit(
            &format!("/rfqs/{id}"),
            &format!("/quotes/{}/accept", quote.id),
            &[("payment", "cod")],
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(
        page.body.contains("Gạo cho bếp khách sạn"),
        "the request's page is kept"
    );
    assert!(
        page.body.contains("hết hiệu lực"),
        "it says why: {}",
        page.body
    );
    assert!(
        ketnoi_db::sourcing::orders_of_quote(app.db.conn(), quote.id)
            .await
            .unwrap()
            .is_empty()
    );
    let l = ketnoi_db::listings::find(app.db.conn(), *listing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.stock, Some(1_000), "no stock taken");
    let rfq = ketnoi_db::sourcing::rfq(app.db.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rfq.status, ketnoi_domain::trade::RfqStatus::Open);
}

async fn a_request_is_hidden_from_those_it_is_not_for(app: TestApp) {
    let (coops, _, buyer) = three_rice_cooperatives(&app).await;
    let mut fields = rice_request();
    fields.retain(|(k, _)| *k != "visibility");
    fields.push(("visibility", "invited".into()));
    fields.push(("cert_huu_co", "1".into()));
    let id = post_rfq(&buyer, &as_refs(&fields)).await;
    // None of them is certified organic: the invited-only request reached nobody.
    assert!(told(&app, id).await.is_empty());
    let stranger = app
        .user("khach@example.com", PlatformRole::User, None)
        .await;
    let stranger = app.client_as(&stranger).await;
    for c in [&stranger, &coops[0].2] {
        assert_eq!(c.get(&format!("/rfqs/{id}")).await.status, 404);
    }
    let posted = coops[0]
        .2
        .post_form(
            &format!("/rfqs/{id}/quotes"),
            &[("csrf", coops[0].2.known_csrf().as_str())],
        )
        .await;
    assert_eq!(posted.status, 404);
    // A wrong form comes back with its messages and the typed text kept.
    let page = buyer
        .submit(
            "/rfqs/new",
            "/rfqs",
            &[
                ("title", "Rau sạch"),
                ("quantity", "nhiều"),
                ("unit", "kg"),
                ("recurrence", "once"),
                ("deliver_from", in_days(30).as_str()),
                ("deadline", "2020-01-01"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("value=\"Rau sạch\""));
    for field in ["quantity", "deadline", "category"] {
        assert!(
            page.body
                .contains(&format!("data-testid=\"error-{field}\"")),
            "{field}"
        );
    }
}

async fn a_cooperative_declares_what_it_can_supply_a_month(app: TestApp) {
    let (coops, _, buyer) = three_rice_cooperatives(&app).await;
    let (org, listing, owner) = &coops[0];
    let page_path = format!("/orgs/{}/listings/{listing}", org.slug);
    let action = format!("{page_path}/capacity");
    let saved = owner
        .submit(&page_path, &action, &[("capacity", "1.500")])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let l = ketnoi_db::listings::find(app.db.conn(), *listing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.monthly_capacity, Some(1_500));
    assert!(owner.get(&page_path).await.body.contains("value=\"1500\""));
    let wrong = owner
        .submit(&page_path, &action, &[("capacity", "nhiều")])
        .await;
    assert_eq!(wrong.status, 422);
    // A weekly request of 400 kg needs 2,000 a month: this cooperative is no longer told
    // (its stock of 1,000 no longer decides once it declared a capacity); the others are.
    let mut fields = rice_request();
    for (k, v) in fields.iter_mut() {
        match *k {
            "quantity" => *v = "400".into(),
            "recurrence" => *v = "weekly".into(),
            _ => {}
        }
    }
    let id = post_rfq(&buyer, &as_refs(&fields)).await;
    let reached: Vec<i64> = ketnoi_db::sourcing::recipients(app.db.conn(), id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.org_id)
        .collect();
    assert!(!reached.contains(&org.id));
    assert_eq!(reached.len(), 2);
    // A buyer cannot touch a cooperative's listing.
    let foreign = buyer
        .post_form(
            &action,
            &[("csrf", buyer.known_csrf().as_str()), ("capacity", "9")],
        )
        .await;
    assert_eq!(foreign.status, 403);
}
