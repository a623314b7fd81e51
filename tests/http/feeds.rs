//! Product feeds (issue 21) over HTTP, on both engines: the Google XML read by an
//! independent parser (roxmltree), the TSV and CSV by the `csv` crate; every item carries
//! the attributes its format requires; a wholesale price a cooperative keeps for verified
//! buyers is in no feed; a cooperative's feed holds its listings only; a matching
//! `If-None-Match` is a 304 until the catalogue changes; a feed of several batches.

use ketnoi_db::listings::Offer;
use ketnoi_db::orgs::Org;
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::OfferKind;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, listing_with_offer, on_both_backends};
use std::collections::{BTreeMap, BTreeSet};

on_both_backends!(
    the_google_xml_is_well_formed_and_every_item_has_googles_required_attributes,
    the_tsv_and_csv_feeds_have_their_headers_and_the_same_items,
    a_wholesale_price_kept_for_verified_buyers_is_in_no_feed,
    a_cooperatives_feed_has_only_its_listings_and_unknown_names_are_not_found,
    a_matching_etag_is_answered_304_until_the_catalogue_changes,
    a_feed_longer_than_a_batch_has_every_item_once,
    managers_find_their_feeds_on_the_dashboard_in_both_languages,
);

const G: &str = "http://base.google.com/ns/1.0";
const TITLE: &str = "Bát \"men lam\" <vẽ tay> & bền, bộ 2 chiếc";

fn offer(kind: OfferKind, price: i64) -> Offer {
    Offer {
        kind,
        price: Vnd(price),
        case_size: None,
        min_order_qty: (kind == OfferKind::Wholesale).then_some(20),
        duration_hours: (kind == OfferKind::Experience).then_some(2),
        max_group_size: (kind == OfferKind::Experience).then_some(10),
        tiers: vec![],
    }
}

/// Gives a listing a photo (a media row and its first place).
async fn photo(app: &TestApp, listing_id: i64) {
    let key = format!("{:064x}", listing_id + 0xabc);
    ketnoi_db::media::record(
        app.db.conn(),
        &ketnoi_db::media::Media {
            storage_key: key.clone(),
            content_type: "image/jpeg".into(),
            width: Some(800),
            height: Some(600),
            byte_size: 1000,
            org_id: None,
        },
    )
    .await
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    ketnoi_db::listings::set_photos(&mut tx, listing_id, &[key])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn sql(app: &TestApp, statement: &'static str, id: i64) {
    ketnoi_db::on!(app.db.conn(), e => ketnoi_db::sqlx::query(statement).bind(id).execute(e).await.map(|r| r.rows_affected()))
        .unwrap();
}

/// Two cooperatives: `gom` shows wholesale prices to all, `lua` to verified buyers only.
struct Shop {
    gom: Org,
    lua: Org,
    /// Retail 150,000 ₫, made to order, a title with markup characters.
    retail: i64,
    /// Retail, none left, with a GTIN.
    sold_out: i64,
    /// `gom`'s wholesale-only listing (90,000 ₫): open to all.
    open_wholesale: i64,
    /// `lua`'s retail 80,000 ₫ and wholesale 60,000 ₫ listing.
    lua_both: i64,
    /// `lua`'s wholesale-only listing (61,000 ₫).
    lua_wholesale: i64,
    /// Never in a feed: no photo, an experience, hidden by an officer.
    left_out: Vec<i64>,
}

async fn shop(app: &TestApp) -> Shop {
    let gom = app.cooperative("htx-gom", "00577").await;
    let lua = app.cooperative("htx-lua", "00577").await;
    sql(
        app,
        "UPDATE organisations SET wholesale_verified_only = TRUE WHERE id = $1",
        lua.id,
    )
    .await;
    let listing = |org: &Org, title: &str, o: Offer, stock: Option<i64>| {
        let (org, title) = (org.clone(), title.to_owned());
        async move { listing_with_offer(app, &org, &title, o, stock).await.id }
    };
    let retail = listing(&gom, TITLE, offer(OfferKind::Retail, 150_000), None).await;
    let sold_out = listing(&gom, "Lọ hoa", offer(OfferKind::Retail, 200_000), Some(0)).await;
    let open_wholesale = listing(&gom, "Chén sỉ", offer(OfferKind::Wholesale, 90_000), None).await;
    let no_photo = listing(&gom, "Đĩa", offer(OfferKind::Retail, 50_000), None).await;
    let experience = listing(&gom, "Lớp vẽ", offer(OfferKind::Experience, 300_000), None).await;
    let hidden = listing(&gom, "Ấm", offer(OfferKind::Retail, 70_000), None).await;
    let lua_wholesale = listing(&lua, "Lụa sỉ", offer(OfferKind::Wholesale, 61_000), None).await;
    let lua_both = {
        let l = listing_with_offer(
            app,
            &lua,
            "Khăn lụa",
            offer(OfferKind::Retail, 80_000),
            Some(5),
        )
        .await;
        let mut tx = app.db.begin().await.unwrap();
        let mut draft = ketnoi_db::listings::current_draft(&mut tx, &l)
            .await
            .unwrap();
        draft.offers.push(offer(OfferKind::Wholesale, 60_000));
        ketnoi_db::listings::update(&mut tx, l.id, &draft)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        l.id
    };
    for id in [
        retail,
        sold_out,
        open_wholesale,
        experience,
        hidden,
        lua_wholesale,
        lua_both,
    ] {
        photo(app, id).await;
    }
    ketnoi_db::listings::set_hidden(app.db.conn(), hidden, Some("ảnh sai"), None)
        .await
        .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    ketnoi_db::trace::enable(&mut tx, sold_out, gom.id, Some("08930000000019"), |_, _| {
        Some("KN0000001000011".into())
    })
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    Shop {
        gom,
        lua,
        retail,
        sold_out,
        open_wholesale,
        lua_both,
        lua_wholesale,
        left_out: vec![no_photo, experience, hidden],
    }
}

fn kn(id: i64) -> String {
    format!("KN-{id}")
}

/// The items of a Google XML feed: attribute name (without `g:`) → text, checking on the way
/// that the document is RSS 2.0 and each attribute is in Google's namespace.
fn xml_items(body: &str) -> Vec<BTreeMap<String, String>> {
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = rss
        .children()
        .find(|n| n.has_tag_name("channel"))
        .expect("a channel");
    for required in ["title", "link", "description"] {
        assert!(
            channel.children().any(|n| n.has_tag_name(required)),
            "channel {required}"
        );
    }
    channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            item.children()
                .filter(|n| n.is_element())
                .map(|n| {
                    assert_eq!(n.tag_name().namespace(), Some(G), "{:?}", n.tag_name());
                    (
                        n.tag_name().name().to_owned(),
                        n.text().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

/// Every item has what Google requires, in Google's values; the items by id.
fn checked_google(
    items: Vec<BTreeMap<String, String>>,
    base: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut by_id = BTreeMap::new();
    for item in items {
        for required in [
            "id",
            "title",
            "description",
            "link",
            "image_link",
            "availability",
            "price",
            "brand",
            "condition",
        ] {
            assert!(
                item.get(required).is_some_and(|v| !v.is_empty()),
                "{required} missing: {item:?}"
            );
        }
        assert!(
            item.contains_key("gtin") != item.contains_key("identifier_exists"),
            "{item:?}"
        );
        check_values(&item, base, &["in_stock", "out_of_stock"]);
        by_id.insert(item["id"].clone(), item);
    }
    by_id
}

fn check_values(item: &BTreeMap<String, String>, base: &str, availability: &[&str]) {
    let price = &item["price"];
    let number = price
        .strip_suffix(" VND")
        .unwrap_or_else(|| panic!("{price}"));
    assert!(
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
        "{price}"
    );
    assert!(
        availability.contains(&item["availability"].as_str()),
        "{item:?}"
    );
    assert_eq!(item["condition"], "new");
    let id = item["id"].strip_prefix("KN-").unwrap();
    assert_eq!(item["link"], format!("{base}/listings/{id}"));
    assert!(
        item["image_link"].starts_with(&format!("{base}/media/img/"))
            && item["image_link"].ends_with("-800.jpg"),
        "{item:?}"
    );
}

async fn feed(c: &Client, path: &str, content_type: &str) -> String {
    let page = c.get(path).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    assert_eq!(page.content_type, content_type, "{path}");
    page.body
}

async fn google(c: &Client, path: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let body = feed(c, path, "application/xml; charset=utf-8").await;
    checked_google(xml_items(&body), &c.base)
}

async fn the_google_xml_is_well_formed_and_every_item_has_googles_required_attributes(
    app: TestApp,
) {
    let s = shop(&app).await;
    let c = app.client();
    let items = google(&c, "/feeds/google.xml").await;
    let ids: BTreeSet<&str> = items.keys().map(String::as_str).collect();
    let want = [s.retail, s.sold_out, s.open_wholesale, s.lua_both].map(kn);
    assert_eq!(ids, want.iter().map(String::as_str).collect());
    for id in &s.left_out {
        assert!(!items.contains_key(&kn(*id)), "{id}");
    }
    let retail = &items[&kn(s.retail)];
    assert_eq!(
        retail["title"], TITLE,
        "markup characters read back as written"
    );
    assert_eq!(retail["price"], "150000 VND");
    assert_eq!(retail["availability"], "in_stock");
    assert_eq!(retail["brand"], "HTX htx-gom");
    assert_eq!(retail["identifier_exists"], "no");
    let sold_out = &items[&kn(s.sold_out)];
    assert_eq!(sold_out["availability"], "out_of_stock");
    assert_eq!(sold_out["gtin"], "08930000000019");
    assert_eq!(items[&kn(s.open_wholesale)]["price"], "90000 VND");
    // The item's page and picture addresses are the site's own.
    let page = c.get(&format!("/listings/{}", s.retail)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("vẽ tay"));
}

/// The rows of a text feed as column → value, its header checked.
fn rows(body: &str, delimiter: u8, header: &[&str]) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(delimiter == b',')
        .from_reader(body.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(head, header);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), header.len());
            head.iter()
                .cloned()
                .zip(rec.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

const TSV_HEADER: [&str; 11] = [
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
    "brand",
    "gtin",
    "identifier_exists",
    "condition",
];
const META_HEADER: [&str; 10] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "gtin",
];

async fn the_tsv_and_csv_feeds_have_their_headers_and_the_same_items(app: TestApp) {
    let s = shop(&app).await;
    let c = app.client();
    let xml: BTreeSet<String> = google(&c, "/feeds/google.xml").await.into_keys().collect();

    let tsv = feed(
        &c,
        "/feeds/google.tsv",
        "text/tab-separated-values; charset=utf-8",
    )
    .await;
    let tsv = rows(&tsv, b'\t', &TSV_HEADER);
    for row in &tsv {
        for required in ["id", "title", "description", "link", "image_link", "brand"] {
            assert!(!row[required].is_empty(), "{required}: {row:?}");
        }
        check_values(row, &c.base, &["in_stock", "out_of_stock"]);
        let gtin = !row["gtin"].is_empty();
        assert_eq!(row["identifier_exists"], if gtin { "yes" } else { "no" });
    }
    assert_eq!(
        tsv.iter().map(|r| r["id"].clone()).collect::<BTreeSet<_>>(),
        xml
    );

    let csv = feed(&c, "/feeds/meta.csv", "text/csv; charset=utf-8").await;
    let meta = rows(&csv, b',', &META_HEADER);
    for row in &meta {
        for required in ["id", "title", "description", "link", "image_link", "brand"] {
            assert!(!row[required].is_empty(), "{required}: {row:?}");
        }
        check_values(row, &c.base, &["in stock", "out of stock"]);
    }
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> =
        meta.iter().map(|r| (r["id"].as_str(), r)).collect();
    assert_eq!(
        by_id
            .keys()
            .map(|k| (*k).to_owned())
            .collect::<BTreeSet<_>>(),
        xml
    );
    let retail = by_id[kn(s.retail).as_str()];
    assert_eq!(retail["title"], TITLE);
    assert_eq!(retail["price"], "150000 VND");
    assert_eq!(retail["gtin"], "");
    let sold_out = by_id[kn(s.sold_out).as_str()];
    assert_eq!(sold_out["availability"], "out of stock");
    assert_eq!(sold_out["gtin"], "08930000000019");
}

async fn a_wholesale_price_kept_for_verified_buyers_is_in_no_feed(app: TestApp) {
    let s = shop(&app).await;
    let c = app.client();
    for (file, content_type) in [
        ("google.xml", "application/xml; charset=utf-8"),
        ("google.tsv", "text/tab-separated-values; charset=utf-8"),
        ("meta.csv", "text/csv; charset=utf-8"),
    ] {
        for path in [
            format!("/feeds/{file}"),
            format!("/orgs/{}/feeds/{file}", s.lua.slug),
        ] {
            let body = feed(&c, &path, content_type).await;
            // Its retail price shows; neither wholesale price, nor its wholesale-only listing.
            assert!(body.contains("80000 VND"), "{path}: {body}");
            assert!(!body.contains("60000"), "{path}: {body}");
            assert!(!body.contains("61000"), "{path}: {body}");
            assert!(!body.contains(&kn(s.lua_wholesale)), "{path}: {body}");
        }
    }
    // When the cooperative opens its wholesale prices to all, its wholesale-only listing
    // shows with its wholesale price.
    sql(
        &app,
        "UPDATE organisations SET wholesale_verified_only = FALSE WHERE id = $1",
        s.lua.id,
    )
    .await;
    let items = google(&c, &format!("/orgs/{}/feeds/google.xml", s.lua.slug)).await;
    assert_eq!(items[&kn(s.lua_wholesale)]["price"], "61000 VND");
    assert_eq!(items[&kn(s.lua_both)]["price"], "80000 VND");
}

async fn a_cooperatives_feed_has_only_its_listings_and_unknown_names_are_not_found(app: TestApp) {
    let s = shop(&app).await;
    let c = app.client();
    let gom = google(&c, &format!("/orgs/{}/feeds/google.xml", s.gom.slug)).await;
    assert_eq!(
        gom.keys().cloned().collect::<BTreeSet<_>>(),
        [s.retail, s.sold_out, s.open_wholesale]
            .map(kn)
            .into_iter()
            .collect()
    );
    assert!(gom.values().all(|i| i["brand"] == s.gom.name));
    let lua = feed(
        &c,
        &format!("/orgs/{}/feeds/meta.csv", s.lua.slug),
        "text/csv; charset=utf-8",
    )
    .await;
    let lua = rows(&lua, b',', &META_HEADER);
    assert_eq!(
        lua.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
        vec![kn(s.lua_both)]
    );
    // A buyer is not a cooperative: it has no feed.
    let buyer = ketnoi_db::orgs::upsert(
        app.db.conn(),
        &ketnoi_db::orgs::NewOrg {
            slug: "cong-ty-mua".into(),
            kind: Some(ketnoi_domain::org::OrgKind::Buyer),
            name: "Công ty".into(),
            province_code: "01".into(),
            ..ketnoi_db::orgs::NewOrg::default()
        },
    )
    .await
    .unwrap();
    for path in [
        "/orgs/khong-co/feeds/google.xml".to_owned(),
        format!("/orgs/{}/feeds/google.xml", buyer.slug),
        format!("/orgs/{}/feeds/google.json", s.gom.slug),
        "/feeds/google.json".into(),
        "/feeds/meta.tsv".into(),
        "/feeds/".into(),
        "/orgs/HTX/feeds/google.xml".into(),
    ] {
        assert_eq!(c.get(&path).await.status, 404, "{path}");
    }
}

async fn a_matching_etag_is_answered_304_until_the_catalogue_changes(app: TestApp) {
    let s = shop(&app).await;
    let c = app.client();
    for path in [
        "/feeds/google.xml".to_owned(),
        "/feeds/meta.csv".into(),
        format!("/orgs/{}/feeds/google.tsv", s.gom.slug),
    ] {
        let first = c.get(&path).await;
        assert_eq!(first.status, 200);
        assert_eq!(first.header("cache-control"), Some("public, max-age=300"));
        let etag = first.header("etag").expect("an ETag").to_owned();
        let again = c.get_with(&path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert_eq!(again.body, "");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let other = c
            .get_with(&path, &[("if-none-match", "W/\"kn-feed-0-0-0\"")])
            .await;
        assert_eq!(other.status, 200, "{path}");
        assert_eq!(other.body, first.body);
    }
    let path = "/feeds/google.xml";
    let before = c.get(path).await;
    let etag = before.header("etag").unwrap().to_owned();
    ketnoi_db::listings::set_hidden(app.db.conn(), s.retail, Some("sai giá"), None)
        .await
        .unwrap();
    let after = c.get_with(path, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    assert!(!checked_google(xml_items(&after.body), &c.base).contains_key(&kn(s.retail)));
    // A GTIN given later is a change too.
    let etag = after.header("etag").unwrap().to_owned();
    let mut tx = app.db.begin().await.unwrap();
    ketnoi_db::trace::enable(&mut tx, s.open_wholesale, s.gom.id, None, |_, _| {
        Some("KN0000001000028".into())
    })
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    ketnoi_db::trace::enable(
        &mut tx,
        s.open_wholesale,
        s.gom.id,
        Some("08930000000026"),
        |_, _| Some("KN0000001000028".into()),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let gtin = c.get_with(path, &[("if-none-match", &etag)]).await;
    assert_eq!(gtin.status, 200);
    assert_eq!(
        checked_google(xml_items(&gtin.body), &c.base)[&kn(s.open_wholesale)]["gtin"],
        "08930000000026"
    );
}

/// 1,000 listings without a photo (a whole batch with no item) and then 1,205 with one: the
/// feed reads past the empty batch and across batches, and holds each item once.
async fn a_feed_longer_than_a_batch_has_every_item_once(app: TestApp) {
    use ketnoi_domain::catalog::{ListingStatus, Months};
    let org = app.cooperative("htx-nhieu", "00577").await;
    let key = format!("{:064x}", 7);
    ketnoi_db::media::record(
        app.db.conn(),
        &ketnoi_db::media::Media {
            storage_key: key.clone(),
            content_type: "image/jpeg".into(),
            width: None,
            height: None,
            byte_size: 1,
            org_id: None,
        },
    )
    .await
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let mut with_photo = BTreeSet::new();
    for n in 0..2205 {
        let draft = ketnoi_db::listings::Draft {
            title_vi: format!("Sản phẩm {n}"),
            title_en: None,
            description_vi: "Mô tả".into(),
            description_en: None,
            category_id: "gom-su".into(),
            unit: "chiếc".into(),
            stock: None,
            months: Months::ALL,
            origin_commune_code: None,
            certifications: vec![],
            ocop_claim: None,
            offers: vec![offer(OfferKind::Retail, 1000 + n)],
        };
        let l =
            ketnoi_db::listings::create(&mut tx, org.id, None, &draft, ListingStatus::Published)
                .await
                .unwrap();
        if n >= 1000 {
            ketnoi_db::listings::set_photos(&mut tx, l.id, std::slice::from_ref(&key))
                .await
                .unwrap();
            with_photo.insert(kn(l.id));
        }
    }
    tx.commit().await.unwrap();
    let c = app.client();
    let body = feed(&c, "/feeds/google.xml", "application/xml; charset=utf-8").await;
    let items = xml_items(&body);
    assert_eq!(items.len(), 1205);
    let ids: BTreeSet<String> = items.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(ids, with_photo);
    let body = feed(&c, "/feeds/meta.csv", "text/csv; charset=utf-8").await;
    let meta = rows(&body, b',', &META_HEADER);
    assert_eq!(meta.len(), 1205);
    assert_eq!(
        meta.iter()
            .map(|r| r["id"].clone())
            .collect::<BTreeSet<_>>(),
        with_photo
    );
}

async fn managers_find_their_feeds_on_the_dashboard_in_both_languages(app: TestApp) {
    let s = shop(&app).await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&s.gom, &manager, MemberRole::Manager).await;
    let c = app.client_as(&manager).await;
    let path = format!("/orgs/{}/manage", s.gom.slug);
    let vi = c.get(&path).await;
    assert_eq!(vi.status, 200);
    assert!(vi.body.contains("Nguồn dữ liệu sản phẩm"), "{}", vi.body);
    for file in ["google.xml", "google.tsv", "meta.csv"] {
        let url = format!("{}/orgs/{}/feeds/{file}", app.url, s.gom.slug);
        assert!(vi.body.contains(&format!("href=\"{url}\"")), "{url}");
        // The link it shows is the feed.
        let fetched = c.http.get(&url).send().await.unwrap();
        assert_eq!(fetched.status(), 200);
    }
    c.set_cookie(ketnoi_web::session::LANG_COOKIE, "en");
    let en = c.get(&path).await;
    assert!(en.body.contains("Product feeds"), "{}", en.body);
    assert!(en.body.contains("Meta: Facebook, Instagram (CSV sheet)"));
}
