//! Wholesale sourcing in the browser (issue 21): a hotel's buyer posts a request for rice
//! from her phone; a Union officer acting for two cooperatives answers with one joint quote;
//! the buyer accepts it; each cooperative finds its own order.

use super::{Browser, texts};
use fantoccini::Locator;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::TestApp;

pub async fn a_hotel_buys_rice_from_a_joint_quote_assembled_by_a_proxy_officer(app: TestApp) {
    let officer = app
        .user(
            "canbo@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let mut coops = Vec::new();
    for (slug, commune, login) in [
        ("htx-gao-soc-son", "00577", "socson@example.com"),
        ("htx-gao-dan-phuong", "00619", "danphuong@example.com"),
    ] {
        let org = app.cooperative(slug, commune).await;
        let owner = app.user(login, PlatformRole::User, None).await;
        app.member(&org, &owner, MemberRole::Owner).await;
        ketnoi_db::orgs::grant_proxy(app.db.conn(), org.id, officer.id, owner.id)
            .await
            .unwrap();
        let draft = ketnoi_db::listings::Draft {
            title_vi: format!("Gạo bắc hương {slug}"),
            title_en: None,
            description_vi: "Gạo mùa mới, xay xát trong tuần".into(),
            description_en: None,
            category_id: "gao-ngu-coc".into(),
            unit: "kg".into(),
            stock: Some(2_000),
            months: ketnoi_domain::catalog::Months::ALL,
            origin_commune_code: None,
            certifications: vec![],
            ocop_claim: None,
            offers: vec![ketnoi_db::listings::Offer {
                kind: ketnoi_domain::catalog::OfferKind::Retail,
                price: ketnoi_domain::Vnd(25_000),
                case_size: None,
                min_order_qty: None,
                duration_hours: None,
                max_group_size: None,
                tiers: vec![],
            }],
        };
        let mut tx = app.db.begin().await.unwrap();
        ketnoi_db::listings::create(
            &mut tx,
            org.id,
            None,
            &draft,
            ketnoi_domain::catalog::ListingStatus::Published,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        coops.push((org, login));
    }
    let hotel = ketnoi_db::orgs::upsert(
        app.db.conn(),
        &ketnoi_db::orgs::NewOrg {
            slug: "khach-san-ho-tay".into(),
            kind: Some(ketnoi_domain::org::OrgKind::Buyer),
            buyer_type: Some(ketnoi_domain::org::BuyerType::Horeca),
            name: "Khách sạn Hồ Tây".into(),
            province_code: "01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let chef = app
        .user("bep@khachsan.example", PlatformRole::User, None)
        .await;
    app.member(&hotel, &chef, MemberRole::Owner).await;

    let Some(buyer) = Browser::open(&app).await else {
        return;
    };
    let Some(desk) = Browser::open(&app).await else {
        return;
    };
    // The buyer posts her request from the header's link.
    buyer.sign_in("bep@khachsan.example").await;
    buyer.click("[data-testid=rfqs-link]").await;
    buyer.wait_for_path("/rfqs").await;
    buyer.click("[data-testid=new-rfq]").await;
    buyer.wait_for_path("/rfqs/new").await;
    buyer.fill("title", "Gạo cho bếp khách sạn").await;
    buyer.select("category", "gao-ngu-coc").await;
    buyer.fill("quantity", "600").await;
    buyer.click("[data-testid=post-rfq]").await;
    buyer.wait_for_text("[data-testid=rfq-notified]", "2").await;
    let rfq_path = buyer.c.current_url().await.unwrap().path().to_owned();

    // The officer finds it among the requests for the cooperatives she acts for and quotes
    // for both, Đan Phượng leading.
    desk.sign_in("canbo@example.com").await;
    desk.goto("/rfqs").await;
    desk.click(&format!("[data-testid=rfqs-for-you] a[href='{rfq_path}']"))
        .await;
    desk.wait_for_path(&rfq_path).await;
    for ((org, _), (qty, price)) in coops.iter().zip([("400", "18000"), ("200", "19000")]) {
        desk.fill(&format!("qty_{}", org.id), qty).await;
        desk.fill(&format!("price_{}", org.id), price).await;
    }
    desk.click(&format!("input[name=lead][value='{}']", coops[1].0.id))
        .await;
    desk.click("[data-testid=send-quote]").await;
    desk.wait_for_text("[data-testid=saved]", "").await;
    assert_eq!(
        texts(&desk, "[data-testid=quote-share]").await.len(),
        2,
        "the officer sees the joint quote she sent"
    );

    // The buyer compares and accepts, paying on delivery.
    buyer.goto(&rfq_path).await;
    buyer.wait_for_text("[data-testid=joint]", "2").await;
    assert!(
        buyer
            .text("[data-testid=quote-total]")
            .await
            .contains("11.000.000")
    );
    buyer.click("[data-testid=quote] details.ask summary").await;
    buyer.select("payment", "cod").await;
    buyer.click("[data-testid=accept-quote]").await;
    buyer.wait_for_path("/orders?placed=1").await;
    let quote = ketnoi_db::sourcing::quotes_of(
        app.db.conn(),
        rfq_path.trim_start_matches("/rfqs/").parse().unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    let orders = ketnoi_db::sourcing::orders_of_quote(app.db.conn(), quote.id)
        .await
        .unwrap();
    assert_eq!(orders.len(), 2);
    desk.sign_out().await;

    // Each cooperative's owner sees her own order, at the quoted price.
    for ((org, login), want) in coops.iter().zip(["7.200.000", "3.800.000"]) {
        desk.sign_in(login).await;
        desk.goto(&format!("/orgs/{}/orders", org.slug)).await;
        let code = &orders.iter().find(|o| o.1 == org.id).unwrap().2;
        desk.c
            .find(Locator::LinkText(code))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(desk.text("[data-testid=order-total]").await.contains(want));
        desk.sign_out().await;
    }
    buyer.close().await;
    desk.close().await;
}
