//! The public catalogue on the demo data: directory, map, profiles, listings, categories.

use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(
    directory_lists_and_filters_cooperatives,
    profile_shows_verified_badges_managers_listings_and_json_ld,
    listing_page_shows_prices_tiers_stars_and_product_json_ld,
    category_and_listing_pages_page_through_the_catalogue,
    buyers_and_unpublished_listings_are_not_public,
    pages_stay_under_60_kb,
    demo_events_are_listed_soonest_first,
    a_profile_pages_through_its_listings_thirty_at_a_time,
    a_cooperative_without_coordinates_stands_at_its_communes_centre_on_the_map,
    the_catalogue_sorts_by_price_either_way,
);

/// `/listings` sorts by price, cheapest or dearest first, and keeps the sort when paging.
async fn the_catalogue_sorts_by_price_either_way(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let c = app.client();
    let prices = |body: &str| -> Vec<i64> {
        body.split("class=\"price\">")
            .skip(1)
            .filter_map(|p| p.split(" ₫").next())
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let cheap = c.get("/listings?sort=price_asc").await;
    assert_eq!(cheap.status, 200);
    let up = prices(&cheap.body);
    assert!(up.len() >= 10, "{up:?}");
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "{up:?}");
    assert!(
        cheap.body.contains("sort=price_asc&amp;page=2"),
        "paging keeps the sort"
    );
    let dear = c.get("/listings?sort=price_desc").await;
    let down = prices(&dear.body);
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "{down:?}");
    assert!(down[0] > up[0]);
    assert_eq!(c.get("/listings?sort=cheapest").await.status, 422);
}

/// A cooperative whose profile gives no coordinates is on the map all the same, at its
/// ward's or commune's centre.
async fn a_cooperative_without_coordinates_stands_at_its_communes_centre_on_the_map(app: TestApp) {
    let org = app.cooperative("htx-chua-co-toa-do", "00577").await;
    assert_eq!((org.profile.lat, org.profile.lon), (None, None));
    let map = app.client().get("/orgs/map").await;
    assert_eq!(map.status, 200);
    let pin = map
        .body
        .split("<a href=\"/orgs/htx-chua-co-toa-do\" class=\"pin\">")
        .nth(1)
        .expect("a pin on the map");
    let num = |text: &str, key: &str| -> f64 {
        text.split(key)
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    // Longitude is linear across a Mercator map: the pin stands at Bát Tràng's centre.
    let bounds: Vec<f64> = map
        .body
        .split("data-bounds=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let lon = bounds[1] + num(pin, "cx=\"") / 100.0 * (bounds[3] - bounds[1]);
    let centre = ketnoi_domain::admin_units::commune("00577").unwrap();
    assert!((lon - centre.lon).abs() < 0.002, "{lon} vs {}", centre.lon);
}

async fn a_profile_pages_through_its_listings_thirty_at_a_time(app: TestApp) {
    let org = app.cooperative("htx-nhieu-hang", "00004").await;
    for i in 0..31 {
        ketnoi_tests::published_listing(&app, &org, &format!("Sản phẩm số {i}")).await;
    }
    let c = app.client();
    let cards = |body: &str| body.matches("class=\"card listing").count();
    let first = c.get("/orgs/htx-nhieu-hang").await;
    assert_eq!(first.status, 200);
    assert_eq!(cards(&first.body), 30, "{}", first.body);
    assert!(
        first
            .body
            .contains("href=\"/orgs/htx-nhieu-hang?page=2#listings\" rel=\"next\"")
    );
    let second = c.get("/orgs/htx-nhieu-hang?page=2").await;
    assert_eq!(cards(&second.body), 1);
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
    assert_eq!(c.get("/orgs/htx-nhieu-hang?page=abc").await.status, 422);
}

async fn demo_events_are_listed_soonest_first(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    assert_eq!(ketnoi_db::events::count(app.db.conn()).await.unwrap(), 12);
    ketnoi_db::demo::import(&app.db).await.unwrap();
    assert_eq!(
        ketnoi_db::events::count(app.db.conn()).await.unwrap(),
        12,
        "importing twice changes nothing"
    );
    let page = app.client().get("/events").await;
    assert_eq!(page.status, 200);
    let today = ketnoi_domain::time::today_hanoi();
    let upcoming = ketnoi_db::events::upcoming(app.db.conn(), today, 100)
        .await
        .unwrap();
    assert_eq!(
        page.body.matches("data-testid=\"event\"").count(),
        upcoming.len()
    );
    assert!(
        upcoming
            .windows(2)
            .all(|w| w[0].start_date <= w[1].start_date)
    );
}

async fn directory_lists_and_filters_cooperatives(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let c = app.client();
    let all = c.get("/orgs").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body.matches("class=\"card org-card\"").count(), 30);
    assert!(all.body.contains("rel=\"next\""));
    let bt = c.get("/orgs?commune=00577").await;
    assert!(bt.body.contains("HTX Gốm sứ Men Lam Bát Tràng"));
    assert!(
        !bt.body
            .contains("href=\"/orgs/htx-bo-sua-doi-co-suoi-hai\""),
        "only Bát Tràng"
    );
    let five = c.get("/orgs?stars=5").await;
    assert!(five.body.contains("OCOP ★★★★★"));
    let map = c.get("/orgs/map?kind=htx").await;
    assert_eq!(map.status, 200);
    // A pin per HTX, or a numbered circle for those of one ward or commune that stand
    // together (it opens that place's map, keeping the filter).
    let svg = map.body.split("</svg>").next().unwrap();
    let singles = svg.matches("class=\"pin\"").count();
    let grouped: usize = svg
        .split("class=\"count\" text-anchor=\"middle\">")
        .skip(1)
        .filter_map(|t| t.split('<').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(singles + grouped, 45, "every HTX once: {svg}");
    assert!(grouped > 0, "Bát Tràng's potteries stand together");
    assert!(
        svg.contains("href=\"/orgs/map?kind=htx&amp;commune=00577\""),
        "{svg}"
    );
    assert_eq!(
        svg.matches("<circle").count() - singles - svg.matches("class=\"pin group\"").count(),
        126,
        "and every ward's and commune's centre behind them"
    );
    assert_eq!(
        map.body.matches("<li><a href=\"/orgs/").count(),
        45,
        "all in the list"
    );
    // Bát Tràng's map: its cooperatives apart, each a link to its profile.
    let bat_trang = c.get("/orgs/map?kind=htx&commune=00577").await;
    assert_eq!(bat_trang.status, 200);
    let svg = bat_trang.body.split("</svg>").next().unwrap();
    assert!(!svg.contains("pin group"), "{svg}");
    assert!(
        svg.contains("<a href=\"/orgs/htx-gom-su-men-lam-bat-trang\" class=\"pin\">"),
        "{svg}"
    );
    // Sorted by how much each has on sale: the counts go down.
    let busiest = c.get("/orgs?sort=listings").await;
    assert_eq!(busiest.status, 200);
    let counts: Vec<i64> = busiest
        .body
        .split("class=\"card org-card\"")
        .skip(1)
        .filter_map(|card| {
            card.split("<span class=\"place\">")
                .nth(3)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
        })
        .collect();
    assert_eq!(counts.len(), 30, "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(
        busiest.body.contains("sort=listings&amp;page=2"),
        "paging keeps the sort"
    );
    assert_eq!(c.get("/orgs?sort=biggest").await.status, 422);
    let bad = c.get("/orgs?stars=9&sector=xyz").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("stars") && bad.body.contains("sector"));
}

async fn profile_shows_verified_badges_managers_listings_and_json_ld(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let p = app.client().get("/orgs/htx-gom-su-men-lam-bat-trang").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Do phụ nữ quản lý"));
    // The verifier's name is content: marked Vietnamese, which English pages need.
    assert!(p.body.contains(
        "<span lang=\"vi\">Hội LHPN Thành phố Hà Nội (dữ liệu mẫu)</span> xác minh ngày 15/01/2026"
    ));
    assert!(p.body.contains("Vũ Thị Oanh"));
    // A phone's first moves: call, Zalo, share (the link to copy without JavaScript).
    let actions = p
        .body
        .split("data-testid=\"profile-actions\"")
        .nth(1)
        .and_then(|a| a.split("</div>").next())
        .expect("the profile's actions");
    assert!(actions.contains("href=\"tel:"), "{actions}");
    assert!(actions.contains("readonly value=\"http"), "{actions}");
    assert!(p.body.contains("<meta property=\"og:url\" content=\"http"));
    assert!(p.body.contains("Chủ tịch HĐQT"));
    assert!(p.body.contains("\"@type\":\"Organization\""));
    assert!(p.body.contains("property=\"og:title\""));
    assert!(p.body.contains("/listings/"), "its listings are shown");
    assert!(
        !p.body.contains("data-testid=\"manage\""),
        "no manage link for visitors"
    );
}

async fn listing_page_shows_prices_tiers_stars_and_product_json_ld(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let l = ketnoi_db::listings::find_by_external_id(app.db.conn(), "lst-0002")
        .await
        .unwrap()
        .unwrap();
    let page = app.client().get(&format!("/listings/{}", l.id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("315.000 ₫ / bộ"),
        "prices in Vietnamese format"
    );
    assert!(page.body.contains("270.000 ₫"));
    assert!(page.body.contains("data-testid=\"tiers\""));
    assert!(page.body.contains("\"@type\":\"Product\""));
    assert!(page.body.contains("\"priceCurrency\":\"VND\""));
    let starred = ketnoi_db::listings::public_cards(
        app.db.conn(),
        &ketnoi_db::listings::Filter::default(),
        ketnoi_domain::time::today_hanoi(),
        400,
        0,
    )
    .await
    .unwrap()
    .into_iter()
    .find(|c| c.ocop_stars.is_some())
    .expect("some demo listing has a verified OCOP badge");
    let page = app.client().get(&format!("/listings/{}", starred.id)).await;
    assert!(page.body.contains("data-testid=\"ocop-stars\""));
    let en = app
        .client()
        .get_with(&format!("/listings/{}", l.id), &[("accept-language", "en")])
        .await;
    assert!(en.body.contains("Corporate gift tea sets with logo"));
}

async fn category_and_listing_pages_page_through_the_catalogue(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let c = app.client();
    let all = c.get("/listings").await;
    assert_eq!(all.body.matches("class=\"card listing\"").count(), 30);
    let group = c.get("/categories/thu-cong").await;
    assert_eq!(group.status, 200);
    assert!(
        group.body.contains("href=\"/categories/gom-su\""),
        "a group links its subcategories"
    );
    let leaf = c.get("/categories/gom-su?kind=wholesale").await;
    assert_eq!(leaf.status, 200);
    assert_eq!(c.get("/categories/khong-co").await.status, 404);
    assert_eq!(c.get("/listings?kind=bogus").await.status, 422);
}

async fn buyers_and_unpublished_listings_are_not_public(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    assert_eq!(
        app.client()
            .get("/orgs/buyer-01-nguyen-thu-ha")
            .await
            .status,
        404
    );
    let l = ketnoi_db::listings::find_by_external_id(app.db.conn(), "lst-0001")
        .await
        .unwrap()
        .unwrap();
    ketnoi_db::listings::set_status(
        app.db.conn(),
        l.id,
        ketnoi_domain::catalog::ListingStatus::Paused,
    )
    .await
    .unwrap();
    assert_eq!(
        app.client()
            .get(&format!("/listings/{}", l.id))
            .await
            .status,
        404
    );
    assert_eq!(
        app.client().get("/api/v1/listings/lst-0001").await.status,
        404
    );
}

async fn pages_stay_under_60_kb(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let l = ketnoi_db::listings::find_by_external_id(app.db.conn(), "lst-0002")
        .await
        .unwrap()
        .unwrap();
    let c = app.client();
    for path in [
        "/",
        "/orgs",
        "/orgs/map",
        "/orgs/htx-gom-su-men-lam-bat-trang",
        &format!("/listings/{}", l.id),
        "/listings",
        "/categories/thu-cong",
    ] {
        let p = c.get(path).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(
            p.body.len() <= 60 * 1024,
            "{path} is {} bytes",
            p.body.len()
        );
    }
}
