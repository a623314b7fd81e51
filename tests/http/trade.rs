//! Trade buyers (issue 21) over HTTP: tax codes checked on the forms, verification by the
//! officers whose scope covers the buyer, the "Verified business" badge, and a cooperative's
//! wholesale prices shown to verified trade buyers only, on pages, in the API and in the
//! cart. Both engines.

use ketnoi_db::listings::Offer;
use ketnoi_db::orgs::{NewOrg, Org};
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::{ListingStatus, Months, OfferKind, PriceTier};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, form_fields, on_both_backends};

on_both_backends!(
    a_tax_code_with_a_wrong_check_digit_is_refused_and_a_branch_accepted,
    changing_a_buyers_tax_code_is_checked_and_clears_its_verification,
    only_officers_covering_the_buyer_verify_it_and_the_badge_shows,
    restricted_wholesale_prices_show_to_verified_buyers_only,
    the_cart_refuses_restricted_wholesale_offers_to_others,
);

/// Valid: `0101234565` (its check digit is 5); `0101234566` differs in the check digit only.
const TAX_OK: &str = "0101234565";
const TAX_BAD_DIGIT: &str = "0101234566";

/// A hotel buying for its kitchen, in ward 00577, with `tax` as its tax code, owned by `owner`.
async fn hotel(app: &TestApp, owner: &ketnoi_db::users::User, tax: Option<&str>) -> Org {
    let org = ketnoi_db::orgs::upsert(
        app.db.conn(),
        &NewOrg {
            slug: "khach-san-hoa-sen".into(),
            kind: Some(OrgKind::Buyer),
            buyer_type: Some(BuyerType::Horeca),
            name: "Khách sạn Hoa Sen".into(),
            commune_code: Some("00577".into()),
            province_code: "01".into(),
            profile: ketnoi_db::orgs::Profile {
                tax_code: tax.map(str::to_owned),
                ..ketnoi_db::orgs::Profile::default()
            },
            ..NewOrg::default()
        },
    )
    .await
    .unwrap();
    app.member(&org, owner, MemberRole::Owner).await;
    org
}

async fn verified_at(app: &TestApp, slug: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    ketnoi_db::orgs::find_by_slug(app.db.conn(), slug)
        .await
        .unwrap()
        .unwrap()
        .tax_verified_at
}

async fn a_tax_code_with_a_wrong_check_digit_is_refused_and_a_branch_accepted(app: TestApp) {
    let u = app.user("mua@example.com", PlatformRole::User, None).await;
    let c = app.client_as(&u).await;
    let fields = |tax: &'static str| {
        vec![
            ("kind", "buyer"),
            ("buyer_type", "horeca"),
            ("name", "Khách sạn Hoa Sen"),
            ("tax_code", tax),
        ]
    };
    let refused = c.submit("/orgs/new", "/orgs", &fields(TAX_BAD_DIGIT)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("chữ số kiểm tra"),
        "the check-digit message beside the field: {}",
        refused.body
    );
    assert!(refused.body.contains("data-testid=\"error-tax_code\""));
    assert!(
        refused.body.contains(&format!("value=\"{TAX_BAD_DIGIT}\"")),
        "the input is kept"
    );
    let short = c.submit("/orgs/new", "/orgs", &fields("01012345")).await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("10 chữ số, hoặc 13"), "{}", short.body);
    let no_branch = c
        .submit("/orgs/new", "/orgs", &fields("0101234565-000"))
        .await;
    assert_eq!(no_branch.status, 422);
    assert!(
        no_branch.body.contains("từ 001 đến 999"),
        "{}",
        no_branch.body
    );
    assert_eq!(
        ketnoi_db::orgs::count(app.db.conn(), Some(OrgKind::Buyer))
            .await
            .unwrap(),
        0,
        "nothing written"
    );
    let english = app.client_as(&u).await;
    english.set_cookie(ketnoi_web::session::LANG_COOKIE, "en");
    let refused_en = english
        .submit("/orgs/new", "/orgs", &fields(TAX_BAD_DIGIT))
        .await;
    assert!(
        refused_en
            .body
            .contains("check digit (the 10th) does not match"),
        "{}",
        refused_en.body
    );

    let made = c
        .submit("/orgs/new", "/orgs", &fields("0101 234 565 001"))
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let org = ketnoi_db::orgs::find_by_slug(app.db.conn(), "khach-san-hoa-sen")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.profile.tax_code.as_deref(), Some("0101234565-001"));
    assert_eq!(org.tax_verified_at, None);
}

async fn changing_a_buyers_tax_code_is_checked_and_clears_its_verification(app: TestApp) {
    let owner = app.user("mua@example.com", PlatformRole::User, None).await;
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let org = hotel(&app, &owner, Some(TAX_OK)).await;
    assert!(
        ketnoi_db::trade_buyers::verify(app.db.conn(), org.id, admin.id)
            .await
            .unwrap()
    );
    let c = app.client_as(&owner).await;
    let form = c.get("/orgs/khach-san-hoa-sen/profile").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("data-testid=\"trade-badge\""));
    let action = "/orgs/khach-san-hoa-sen/profile";
    let mut fields = form_fields(&form.body, action);
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.retain(|(name, _)| name != k);
        fields.push((k.to_owned(), v.to_owned()));
    };
    // Saving it unchanged (a buyer needs no story) keeps the verification.
    let same: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = c.post_form(action, &same).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(verified_at(&app, &org.slug).await.is_some());

    set(&mut fields, "tax_code", TAX_BAD_DIGIT);
    let bad: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = c.post_form(action, &bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("chữ số kiểm tra"));
    assert!(
        verified_at(&app, &org.slug).await.is_some(),
        "nothing written"
    );

    set(&mut fields, "tax_code", "0108765438");
    let new: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let changed = c.post_form(action, &new).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let after = ketnoi_db::orgs::find_by_slug(app.db.conn(), &org.slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.profile.tax_code.as_deref(), Some("0108765438"));
    assert_eq!(after.tax_verified_at, None, "a new code is verified again");
}

async fn only_officers_covering_the_buyer_verify_it_and_the_badge_shows(app: TestApp) {
    let owner = app.user("mua@example.com", PlatformRole::User, None).await;
    let org = hotel(&app, &owner, Some(TAX_OK)).await;
    let coop = app.cooperative("htx-gom", "00577").await;
    let elsewhere = app
        .user(
            "xa-khac@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    let here = app
        .user(
            "xa-nay@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let verify = format!("/union/trade-buyers/{}/verify", org.slug);
    let unverify = format!("/union/trade-buyers/{}/unverify", org.slug);

    // Another ward's officer neither sees nor verifies it.
    let other = app.client_as(&elsewhere).await;
    let list = other.get("/union/trade-buyers").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(!list.body.contains("Khách sạn Hoa Sen"));
    let token = other.known_csrf();
    let refused = other.post_form(&verify, &[("csrf", &token)]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(verified_at(&app, &org.slug).await.is_none());

    // The owner's page shows the code waiting, not the badge.
    let buyer = app.client_as(&owner).await;
    let page = buyer.get("/orgs/khach-san-hoa-sen").await;
    assert!(page.body.contains("data-testid=\"trade-unverified\""));
    assert!(!page.body.contains("data-testid=\"trade-badge\""));

    // Her ward's officer finds it on the list, linked from her start page, and verifies it.
    let officer = app.client_as(&here).await;
    assert!(
        officer
            .get("/union")
            .await
            .body
            .contains("href=\"/union/trade-buyers\"")
    );
    let list = officer.get("/union/trade-buyers").await;
    assert!(list.body.contains("Khách sạn Hoa Sen"), "{}", list.body);
    assert!(list.body.contains(TAX_OK));
    let no_token = officer.post_form(&verify, &[("csrf", "wrong")]).await;
    assert_eq!(no_token.status, 403);
    assert!(verified_at(&app, &org.slug).await.is_none());
    let done = officer.submit("/union/trade-buyers", &verify, &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(verified_at(&app, &org.slug).await.is_some());
    assert!(
        ketnoi_db::orgs::verified_trade_buyer(app.db.conn(), owner.id)
            .await
            .unwrap()
    );
    let audit = ketnoi_db::audit::for_org(app.db.conn(), org.id, 10)
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "verify"), "{audit:?}");

    let page = buyer.get("/orgs/khach-san-hoa-sen").await;
    assert!(
        page.body.contains("data-testid=\"trade-badge\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Doanh nghiệp đã xác minh"));

    // Only buyers are verified here: a cooperative's slug is not found.
    let not_buyer = officer
        .submit(
            "/union/trade-buyers",
            &format!("/union/trade-buyers/{}/verify", coop.slug),
            &[],
        )
        .await;
    assert_eq!(not_buyer.status, 404);

    // An administrator withdraws and gives it again.
    let a = app.client_as(&admin).await;
    let withdrawn = a.submit("/union/trade-buyers", &unverify, &[]).await;
    assert_eq!(withdrawn.status, 303);
    assert!(verified_at(&app, &org.slug).await.is_none());
    assert!(
        !ketnoi_db::orgs::verified_trade_buyer(app.db.conn(), owner.id)
            .await
            .unwrap()
    );
    let again = a.submit("/union/trade-buyers", &verify, &[]).await;
    assert_eq!(again.status, 303);
    assert!(verified_at(&app, &org.slug).await.is_some());
}

/// Retail at 250,000 ₫ and wholesale at 93,000 ₫ (81,000 ₫ from 100): the retail offer's id
/// and the wholesale one's.
struct Shop {
    coop: Org,
    listing: i64,
    retail: i64,
    wholesale: i64,
    manager: ketnoi_db::users::User,
}

async fn shop(app: &TestApp) -> Shop {
    let coop = app.cooperative("htx-gao-soc-son", "00577").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&coop, &manager, MemberRole::Manager).await;
    let plain = |kind, price| Offer {
        kind,
        price: Vnd(price),
        case_size: None,
        min_order_qty: None,
        duration_hours: None,
        max_group_size: None,
        tiers: vec![],
    };
    let draft = ketnoi_db::listings::Draft {
        title_vi: "Gạo nếp cái hoa vàng".into(),
        title_en: None,
        description_vi: "Gạo nếp thơm của Sóc Sơn.".into(),
        description_en: None,
        category_id: "gom-su".into(),
        unit: "kg".into(),
        stock: Some(5_000),
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![
            plain(OfferKind::Retail, 250_000),
            Offer {
                min_order_qty: Some(20),
                tiers: vec![
                    PriceTier {
                        min_qty: 20,
                        price: Vnd(93_000),
                    },
                    PriceTier {
                        min_qty: 100,
                        price: Vnd(81_000),
                    },
                ],
                ..plain(OfferKind::Wholesale, 93_000)
            },
        ],
    };
    let mut tx = app.db.begin().await.unwrap();
    let listing =
        ketnoi_db::listings::create(&mut tx, coop.id, None, &draft, ListingStatus::Published)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let offers = ketnoi_db::listings::offers_with_ids(app.db.conn(), listing.id)
        .await
        .unwrap();
    let id_of = |k| offers.iter().find(|(_, o)| o.kind == k).unwrap().0;
    Shop {
        retail: id_of(OfferKind::Retail),
        wholesale: id_of(OfferKind::Wholesale),
        listing: listing.id,
        coop,
        manager,
    }
}

/// The cooperative's manager ticks the choice on her profile form.
async fn restrict(app: &TestApp, s: &Shop) {
    let c = app.client_as(&s.manager).await;
    let action = format!("/orgs/{}/profile", s.coop.slug);
    let form = c.get(&action).await;
    assert!(
        form.body
            .contains("Chỉ hiện giá sỉ cho người mua doanh nghiệp đã xác minh")
    );
    let mut fields = form_fields(&form.body, &action);
    fields.retain(|(k, _)| k != "story_vi" && k != "wholesale_verified_only");
    fields.push(("story_vi".into(), "Hợp tác xã trồng lúa nếp.".into()));
    fields.push(("wholesale_verified_only".into(), "on".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = c.post_form(&action, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let org = ketnoi_db::orgs::find(app.db.conn(), s.coop.id)
        .await
        .unwrap()
        .unwrap();
    assert!(org.wholesale_verified_only);
    let again = c.get(&action).await;
    assert!(
        again
            .body
            .contains("name=\"wholesale_verified_only\" value=\"on\" checked"),
        "the box stays ticked"
    );
}

/// What `c` is shown of the wholesale offer: (its price on the page, its price in the API).
async fn sees_wholesale(c: &Client, s: &Shop) -> (bool, bool) {
    let page = c.get(&format!("/listings/{}", s.listing)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("250.000 ₫"),
        "the retail price always shows"
    );
    let on_page = page.body.contains("93.000") || page.body.contains("93000");
    assert_eq!(
        on_page,
        page.body.contains("81.000"),
        "tiers go with the price"
    );
    assert_eq!(
        !on_page,
        page.body.contains("data-testid=\"wholesale-hidden\""),
        "a hidden price says why"
    );
    let api = c
        .get(&format!("/api/v1/listings/{}", s.listing))
        .await
        .json();
    let offers = api["offers"].as_array().unwrap();
    let retail = offers.iter().find(|o| o["kind"] == "retail").unwrap();
    assert_eq!(retail["price_vnd"], 250_000);
    let wholesale = offers.iter().find(|o| o["kind"] == "wholesale").unwrap();
    let in_api = wholesale.get("price_vnd").is_some();
    assert_eq!(in_api, wholesale.get("price_tiers").is_some());
    assert_eq!(wholesale["prices_for_verified_buyers"], !in_api);
    if in_api {
        assert_eq!(wholesale["price_vnd"], 93_000);
        assert_eq!(wholesale["price_tiers"][1]["price"], 81_000);
    }
    (on_page, in_api)
}

async fn restricted_wholesale_prices_show_to_verified_buyers_only(app: TestApp) {
    let s = shop(&app).await;
    let plain = app
        .user("khach@example.com", PlatformRole::User, None)
        .await;
    let unverified = app.user("chua@example.com", PlatformRole::User, None).await;
    let verified = app.user("mua@example.com", PlatformRole::User, None).await;
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    // A hotel with a tax code nobody verified yet, and a shop with a verified one.
    let hotel_org = hotel(&app, &unverified, Some("0108765438")).await;
    let verified_org = ketnoi_db::orgs::upsert(
        app.db.conn(),
        &NewOrg {
            slug: "sieu-thi-xanh".into(),
            kind: Some(OrgKind::Buyer),
            buyer_type: Some(BuyerType::Retailer),
            name: "Siêu thị Xanh".into(),
            province_code: "01".into(),
            profile: ketnoi_db::orgs::Profile {
                tax_code: Some(TAX_OK.into()),
                ..ketnoi_db::orgs::Profile::default()
            },
            ..NewOrg::default()
        },
    )
    .await
    .unwrap();
    app.member(&verified_org, &verified, MemberRole::Member)
        .await;
    assert!(
        ketnoi_db::trade_buyers::verify(app.db.conn(), verified_org.id, admin.id)
            .await
            .unwrap()
    );
    assert!(hotel_org.tax_verified_at.is_none());

    // Before the cooperative chooses, everyone sees every price.
    assert_eq!(sees_wholesale(&app.client(), &s).await, (true, true));
    restrict(&app, &s).await;

    assert_eq!(sees_wholesale(&app.client(), &s).await, (false, false));
    let plain_c = app.client_as(&plain).await;
    assert_eq!(sees_wholesale(&plain_c, &s).await, (false, false));
    let unverified_c = app.client_as(&unverified).await;
    assert_eq!(sees_wholesale(&unverified_c, &s).await, (false, false));
    let verified_c = app.client_as(&verified).await;
    assert_eq!(sees_wholesale(&verified_c, &s).await, (true, true));
    let manager_c = app.client_as(&s.manager).await;
    assert_eq!(sees_wholesale(&manager_c, &s).await, (true, true));

    // Cards and the listing API's "from" price are the retail price, for everyone.
    let cards = app.client().get("/listings").await;
    assert!(cards.body.contains("250.000 ₫"), "{}", cards.body);
    assert!(!cards.body.contains("81.000"));
    let list = verified_c.get("/api/v1/listings").await.json();
    let item = &list["items"][0];
    assert_eq!(item["id"], s.listing);
    assert_eq!(item["min_price_vnd"], 250_000);
}

async fn the_cart_refuses_restricted_wholesale_offers_to_others(app: TestApp) {
    let s = shop(&app).await;
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let buyer = app.user("mua@example.com", PlatformRole::User, None).await;
    let org = hotel(&app, &buyer, Some(TAX_OK)).await;
    let c = app.client_as(&buyer).await;
    let wholesale = s.wholesale.to_string();
    let page = format!("/listings/{}", s.listing);
    let add = |qty: &'static str| {
        let (c, page, wholesale) = (c.clone(), page.clone(), wholesale.clone());
        async move {
            c.submit(
                &page,
                "/cart",
                &[("offer_id", wholesale.as_str()), ("quantity", qty)],
            )
            .await
        }
    };
    // Unrestricted: in the cart it goes.
    assert_eq!(add("20").await.status, 303);
    restrict(&app, &s).await;

    // Restricted and not verified: refused, and the line already there cannot be checked out.
    let refused = add("20").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("chỉ dành cho người mua doanh nghiệp đã xác minh")
    );
    let cart = c.get("/cart").await;
    assert!(!cart.body.contains("93.000"), "{}", cart.body);
    assert!(
        cart.body
            .contains("chỉ dành cho người mua doanh nghiệp đã xác minh")
    );
    let pay = format!("pay_{}", s.coop.id);
    let check_out = || {
        let (c, pay) = (c.clone(), pay.clone());
        async move {
            c.submit(
                "/cart",
                "/checkout",
                &[
                    ("commune_code", "00577"),
                    ("street", "Số 5, ngõ 12"),
                    ("phone", "0912345678"),
                    (pay.as_str(), "cod"),
                ],
            )
            .await
        }
    };
    let out = check_out().await;
    assert_eq!(out.status, 422, "{}", out.body);
    assert!(
        ketnoi_db::orders::of_buyer(app.db.conn(), buyer.id, 10)
            .await
            .unwrap()
            .is_empty(),
        "no order placed"
    );
    // Her retail purchases are not held up by it.
    let retail = s.retail.to_string();
    let plain = c
        .submit(
            &page,
            "/cart",
            &[("offer_id", retail.as_str()), ("quantity", "1")],
        )
        .await;
    assert_eq!(plain.status, 303, "{}", plain.body);

    // Verified: the same offer goes in and out.
    assert!(
        ketnoi_db::trade_buyers::verify(app.db.conn(), org.id, admin.id)
            .await
            .unwrap()
    );
    assert_eq!(add("20").await.status, 303);
    let cart = c.get("/cart").await;
    assert!(cart.body.contains("93.000"), "{}", cart.body);
    let placed = check_out().await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    assert_eq!(
        ketnoi_db::orders::of_buyer(app.db.conn(), buyer.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
