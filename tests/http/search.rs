//! Search over HTTP: the results page without JavaScript, the JSON API, validation, and an
//! edit through the site becoming searchable.

use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::support::eventually;
use ketnoi_tests::{TestApp, on_both_backends};
use std::time::{Duration, Instant};

on_both_backends!(
    the_results_page_finds_vietnamese_with_and_without_diacritics,
    the_api_returns_typed_hits_facets_and_filters,
    bad_search_parameters_are_named,
    an_edit_through_the_site_is_searchable_soon,
    prices_and_places_in_the_words_become_filters_the_page_shows,
    an_empty_index_is_refilled_from_the_tables,
);

/// Waits until the indexer has applied every change so far.
async fn indexed(app: &TestApp) {
    eventually(
        "the search index to catch up",
        Duration::from_secs(30),
        || async {
            let pending =
                ketnoi_db::search_feed::pending(app.db.conn(), ketnoi_db::search_feed::INDEXER)
                    .await
                    .unwrap();
            (pending == 0).then_some(())
        },
    )
    .await
    .unwrap();
}

async fn the_results_page_finds_vietnamese_with_and_without_diacritics(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    indexed(&app).await;
    let c = app.client();
    for q in ["gốm sứ bát tràng", "gom su bat trang"] {
        let page = c.get(&format!("/search?q={q}")).await;
        assert_eq!(page.status, 200, "{q}");
        assert!(page.body.contains("data-testid=\"search-hit\""), "{q}");
        assert!(page.body.contains("Bát Tràng"), "{q}");
        assert!(
            page.body.contains("data-testid=\"facet\""),
            "facets with counts"
        );
    }
    // A cooperative group is called one, and its hit names its commune, not itself again.
    let groups = c
        .get("/search?q=tht+theu+lua+van+phuc&type=cooperative")
        .await;
    assert!(
        groups.body.contains("Tổ hợp tác · Phường Hà Đông"),
        "{}",
        groups.body
    );
    let nothing = c.get("/search?q=zzzxxqq").await;
    assert_eq!(nothing.status, 200);
    assert!(!nothing.body.contains("data-testid=\"search-hit\""));
    assert!(nothing.body.contains("Không tìm thấy kết quả"));
    // The header's search box is on every page.
    assert!(c.get("/").await.body.contains("action=\"/search\""));
}

async fn the_api_returns_typed_hits_facets_and_filters(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    indexed(&app).await;
    let c = app.client();
    let all = c.get("/api/v1/search?q=mat%20ong&limit=5").await;
    assert_eq!(all.status, 200, "{}", all.body);
    let all = all.json();
    let hits = all["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    for h in hits {
        assert!(["listing", "cooperative"].contains(&h["type"].as_str().unwrap()));
        assert!(h["id"].as_i64().is_some());
        assert!(
            h["external_id"].as_str().is_some(),
            "demo records keep their dataset id"
        );
    }
    assert!(all["total"].as_u64().unwrap() >= hits.len() as u64);
    assert!(!all["facets"]["type"].as_array().unwrap().is_empty());
    let bare = c
        .get("/api/v1/search?q=mat%20ong&limit=5&facets=0")
        .await
        .json();
    assert_eq!(bare["hits"], all["hits"], "the same hits");
    assert!(
        bare["facets"]["type"].as_array().unwrap().is_empty(),
        "no counts asked for"
    );

    let coops = c
        .get("/api/v1/search?q=gom%20su&type=cooperative")
        .await
        .json();
    let coop_hits = coops["hits"].as_array().unwrap();
    assert!(!coop_hits.is_empty());
    assert!(coop_hits.iter().all(|h| h["type"] == "cooperative"));
    assert!(
        coop_hits
            .iter()
            .all(|h| h["url"].as_str().unwrap().starts_with("/orgs/"))
    );

    let wholesale = c
        .get("/api/v1/search?q=gao&kind=wholesale&sort=price_asc&limit=50")
        .await
        .json();
    let prices: Vec<i64> = wholesale["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["min_price_vnd"].as_i64().unwrap())
        .collect();
    assert!(!prices.is_empty());
    assert!(
        prices.windows(2).all(|w| w[0] <= w[1]),
        "cheapest first: {prices:?}"
    );
    for h in wholesale["hits"].as_array().unwrap() {
        let id = h["id"].as_i64().unwrap();
        let offers = ketnoi_db::listings::offers(app.db.conn(), id)
            .await
            .unwrap();
        assert!(
            offers.iter().any(|o| o.kind.as_str() == "wholesale"),
            "{id} sells wholesale"
        );
    }
}

async fn bad_search_parameters_are_named(app: TestApp) {
    let c = app.client();
    let bad = c
        .get("/api/v1/search?q=a&stars=9&sort=distance&limit=1000&type=shop&facets=2")
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let body = bad.body;
    for field in ["stars", "lat", "limit", "type", "facets"] {
        assert!(
            body.contains(&format!("\"{field}\"")),
            "{field} named in {body}"
        );
    }
    let long = "a".repeat(201);
    assert_eq!(c.get(&format!("/api/v1/search?q={long}")).await.status, 422);
    let page = c.get("/search?price_min=500&price_max=100").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Giá đến phải lớn hơn hoặc bằng giá từ"));
}

async fn an_edit_through_the_site_is_searchable_soon(app: TestApp) {
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Owner).await;
    let c = app.client_as(&manager).await;
    let new = format!("/orgs/{}/listings/new", org.slug);
    let action = format!("/orgs/{}/listings", org.slug);
    let created = c.submit(&new, &action, crate::manage::WHOLESALE).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let edit = created.location.unwrap();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    let published = c
        .submit(&edit, &format!("{edit}/status"), &[("status", "published")])
        .await;
    assert_eq!(published.status, 303);
    let started = Instant::now();
    let anonymous = app.client();
    eventually(
        "the new listing to be found",
        Duration::from_secs(10),
        || async {
            let r = anonymous
                .get("/api/v1/search?q=khan%20lua%20van%20phuc")
                .await
                .json();
            r["hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["id"] == id)
                .then_some(())
        },
    )
    .await
    .unwrap();
    eprintln!(
        "searchable {} ms after publishing",
        started.elapsed().as_millis()
    );
}

/// "dưới 100k" and "sỉ" typed in the box filter the results, the page says how it read
/// them and offers the words as typed; a query the catalogue has nothing for finds nothing
/// (the relevance floor) and says so.
async fn prices_and_places_in_the_words_become_filters_the_page_shows(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    indexed(&app).await;
    let c = app.client();
    let cheap = c
        .get("/api/v1/search?q=g%E1%BA%A1o%20d%C6%B0%E1%BB%9Bi%2050k&limit=50")
        .await;
    assert_eq!(cheap.status, 200, "{}", cheap.body);
    let cheap = cheap.json();
    let hits = cheap["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{cheap}");
    for h in hits {
        let price = h["min_price_vnd"].as_i64().unwrap();
        assert!(price <= 50_000, "{h}");
    }
    // The same words as typed: "dưới 50k" is text, and more (dearer) rice is found.
    let typed = c
        .get("/api/v1/search?q=g%E1%BA%A1o%20d%C6%B0%E1%BB%9Bi%2050k&limit=50&exact=1")
        .await
        .json();
    assert!(
        typed["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["min_price_vnd"].as_i64().is_some()),
    );
    let page = c
        .get("/search?q=g%E1%BA%A1o+s%E1%BB%89+d%C6%B0%E1%BB%9Bi+50k")
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("data-testid=\"search-understood\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("dưới 50k") && page.body.contains("sỉ"));
    assert!(page.body.contains("exact=1"));
    let english = c.get("/search?q=rice+under+50k").await;
    assert!(english.body.contains("under 50k"));
    // Few matches for every condition: the page goes on with near ones, under a heading
    // that says they miss some condition.
    let short = c
        .get("/search?q=g%E1%BB%91m+s%E1%BB%A9+OCOP+5+sao+d%C6%B0%E1%BB%9Bi+200k")
        .await;
    assert_eq!(short.status, 200);
    assert!(
        short.body.contains("data-testid=\"search-near-title\"")
            && short.body.contains("data-testid=\"search-near-hit\""),
        "{}",
        short.body
    );
    assert!(short.body.contains("Gần đúng với điều bạn tìm"));
    // Nothing in the catalogue: nothing found, and the page says so.
    // ("máy giặt" is not among them: care instructions say "không giặt máy".)
    for q in [
        "%C4%91i%E1%BB%87n+tho%E1%BA%A1i+samsung",
        "laptop",
        "tivi+sony",
    ] {
        let none = c.get(&format!("/search?q={q}")).await;
        assert_eq!(none.status, 200);
        assert!(
            !none.body.contains("data-testid=\"search-hit\"")
                && !none.body.contains("data-testid=\"search-near-hit\""),
            "{q}: {}",
            none.body
        );
        assert!(none.body.contains("data-testid=\"search-empty\""), "{q}");
    }
}

/// A new or replaced index (another schema version, a deleted directory) is rebuilt from
/// the tables: the change log only has what changed since the indexer's position.
async fn an_empty_index_is_refilled_from_the_tables(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    indexed(&app).await;
    let today = ketnoi_domain::time::today_hanoi();
    let fresh = ketnoi_search::TantivyIndex::in_memory().unwrap();
    use ketnoi_search::SearchIndex as _;
    assert_eq!(fresh.count().await.unwrap(), Some(0));
    // The indexer's position is past the start (the app's index has been fed).
    let at = ketnoi_db::search_feed::position(app.db.conn(), ketnoi_db::search_feed::INDEXER)
        .await
        .unwrap();
    assert!(at > 0);
    ketnoi_app::search_feed::refill_if_empty(&app.db, &fresh, today)
        .await
        .unwrap();
    let mut expected = ketnoi_app::search_feed::all_keys(app.db.conn())
        .await
        .unwrap();
    let mut keys = fresh.keys().await.unwrap();
    expected.sort();
    keys.sort();
    assert!(!keys.is_empty());
    assert_eq!(keys, expected);
    // A filled index is left alone.
    ketnoi_app::search_feed::refill_if_empty(&app.db, &fresh, today)
        .await
        .unwrap();
    assert_eq!(fresh.count().await.unwrap(), Some(keys.len() as u64));
}
