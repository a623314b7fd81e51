//! `ketnoi_search::search`: what the text means, and the near matches completing a short
//! first page (on the embedded index; the near tiers are plain searches, so any backend
//! that passes the contract does the same).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_search::{DocKey, DocKind, SearchDoc, SearchIndex, SearchQuery, TantivyIndex};

fn vase(id: i64, title: &str, stars: u8, price: i64) -> SearchDoc {
    SearchDoc {
        key: Some(DocKey {
            kind: DocKind::Listing,
            id,
        }),
        title_vi: title.to_owned(),
        org_name: "HTX Thử Nghiệm".to_owned(),
        org_slug: "htx-thu-nghiem".to_owned(),
        offer_kinds: vec!["retail".to_owned()],
        ocop_stars: stars,
        min_price: Some(price),
        months: 0xFFF,
        published_at: 1_760_000_000 + id,
        ..SearchDoc::default()
    }
}

async fn index() -> TantivyIndex {
    let idx = TantivyIndex::in_memory().unwrap();
    idx.upsert(vec![
        vase(1, "Bình gốm men lam", 5, 150_000),
        vase(2, "Bình gốm men rạn", 4, 150_000),
        vase(3, "Bình gốm hoa sen", 0, 150_000),
        vase(4, "Bình gốm vẽ tay", 5, 300_000),
        vase(5, "Bình gốm cỡ lớn", 0, 300_000),
        vase(6, "Khăn lụa tơ tằm", 5, 100_000),
        SearchDoc {
            key: Some(DocKey {
                kind: DocKind::Cooperative,
                id: 7,
            }),
            title_vi: "HTX Gốm Bát Tràng".to_owned(),
            org_name: "HTX Gốm Bát Tràng".to_owned(),
            org_slug: "htx-gom".to_owned(),
            ocop_stars: 5,
            ..SearchDoc::default()
        },
    ])
    .await
    .unwrap();
    idx
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 20,
        near: true,
        ..SearchQuery::default()
    }
}

fn ids(hits: &[ketnoi_search::Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.key.id).collect()
}

#[tokio::test]
async fn a_short_page_is_completed_by_near_matches_nearest_first() {
    let idx = index().await;
    let a = ketnoi_search::search(&idx, &query("gốm OCOP 5 sao dưới 200k"))
        .await
        .unwrap();
    assert_eq!(ids(&a.results.hits), [1]);
    assert_eq!(a.results.total, 1, "near matches are not counted");
    let near = ids(&a.near);
    // The 4-star one (the rating widened to any OCOP) first; then those missing one
    // condition (no stars; too dear); then the one missing both. Never the silk (the text
    // does not match) nor the cooperative (a price asks for products).
    assert_eq!(near[0], 2, "{near:?}");
    let mut one_missing = near[1..3].to_vec();
    one_missing.sort_unstable();
    assert_eq!(one_missing, [3, 4], "{near:?}");
    assert_eq!(near[3..], [5], "{near:?}");
}

#[tokio::test]
async fn a_filter_set_by_the_shopper_is_never_relaxed() {
    let idx = index().await;
    let mut q = query("gốm OCOP 5 sao");
    q.price_max = Some(200_000);
    let a = ketnoi_search::search(&idx, &q).await.unwrap();
    assert_eq!(ids(&a.results.hits), [1]);
    let mut near = ids(&a.near);
    near.sort_unstable();
    // Only the stars, read from the text, are relaxed: the price holds.
    assert_eq!(near, [2, 3], "{:?}", a.near);
}

#[tokio::test]
async fn full_pages_later_pages_and_plain_words_get_no_near_matches() {
    let idx = index().await;
    let mut small = query("gốm OCOP 5 sao dưới 200k");
    small.limit = 1;
    let a = ketnoi_search::search(&idx, &small).await.unwrap();
    assert_eq!(ids(&a.results.hits), [1]);
    assert!(a.near.is_empty(), "a full page: {:?}", a.near);

    let mut later = query("gốm OCOP 5 sao dưới 200k");
    later.offset = 20;
    let a = ketnoi_search::search(&idx, &later).await.unwrap();
    assert!(a.near.is_empty(), "a later page: {:?}", a.near);

    let a = ketnoi_search::search(&idx, &query("bình gốm"))
        .await
        .unwrap();
    assert!(a.near.is_empty(), "nothing understood: {:?}", a.near);

    let unasked = SearchQuery {
        near: false,
        ..query("gốm OCOP 5 sao dưới 200k")
    };
    let a = ketnoi_search::search(&idx, &unasked).await.unwrap();
    assert_eq!(ids(&a.results.hits), [1]);
    assert!(a.near.is_empty(), "not asked for: {:?}", a.near);
}

#[tokio::test]
async fn a_category_the_words_name_ranks_first_and_filters_nothing() {
    let idx = TantivyIndex::in_memory().unwrap();
    let filed = |id: i64, title: &str, category: &str, group: &str| SearchDoc {
        category_id: Some(category.to_owned()),
        category_group: Some(group.to_owned()),
        ..vase(id, title, 0, 100_000)
    };
    idx.upsert(vec![
        filed(1, "Bình gốm vẽ hoa hồng", "gom-su", "thu-cong"),
        filed(2, "Lan hồ điệp trắng", "hoa-tuoi", "hoa-cay-canh"),
    ])
    .await
    .unwrap();
    // "hoa" is in the vase's title, and only in the orchid's category name ("Hoa & cây
    // cảnh"): without the preference the title wins.
    let plain = idx.search(&query("hoa")).await.unwrap();
    assert_eq!(ids(&plain.hits), [1, 2]);
    let a = ketnoi_search::search(&idx, &query("hoa")).await.unwrap();
    assert_eq!(ids(&a.results.hits), [2, 1]);
    assert!(a.understood.consumed.is_empty(), "a hint, not a filter");
}

#[tokio::test]
async fn one_word_of_two_in_a_description_alone_is_not_a_match() {
    let idx = TantivyIndex::in_memory().unwrap();
    let described = |id: i64, title: &str, body: &str| SearchDoc {
        body_vi: body.to_owned(),
        ..vase(id, title, 0, 100_000)
    };
    idx.upsert(vec![
        described(1, "Khăn lụa tơ tằm", "Giặt tay nhẹ nhàng bằng nước lạnh."),
        described(2, "Bình gốm men lam", "Dùng được trong máy rửa bát."),
        described(3, "Nón lá bài thơ", "Che nắng che mưa."),
    ])
    .await
    .unwrap();
    let found = |text: &'static str| {
        let idx = &idx;
        async move { ids(&idx.search(&query(text)).await.unwrap().hits) }
    };
    // A washing machine: each description has one of the two words, no title has either.
    assert_eq!(found("máy giặt").await, Vec::<i64>::new());
    // Every word, in the description: found.
    assert_eq!(found("giặt tay").await, [1]);
    // One word in the title, the other in the description: found.
    assert_eq!(found("khăn giặt").await, [1]);
}

#[tokio::test]
async fn a_place_read_as_a_filter_still_ranks_the_listings_naming_it_first() {
    let idx = TantivyIndex::in_memory().unwrap();
    let made_in = |id: i64, title: &str| SearchDoc {
        commune_code: Some("00577".to_owned()), // Xã Bát Tràng
        ..vase(id, title, 0, 100_000)
    };
    idx.upsert(vec![
        made_in(1, "Bình gốm Bát Tràng men lam"),
        made_in(2, "Bình gốm men lam"),
        vase(3, "Bình gốm men lam cỡ nhỏ", 0, 100_000),
    ])
    .await
    .unwrap();
    let a = ketnoi_search::search(&idx, &query("bình gốm Bát Tràng"))
        .await
        .unwrap();
    assert_eq!(a.understood.place_phrases(), ["Bát Tràng"]);
    // Both are made there (the filter); the one saying so comes first although it is the
    // older of the two (newest first breaks ties).
    assert_eq!(ids(&a.results.hits), [1, 2]);
}

#[tokio::test]
async fn corrections_need_a_word_typed_right_to_stand_on() {
    let idx = TantivyIndex::in_memory().unwrap();
    let milk = SearchDoc {
        org_name: "HTX Sữa Tươi Mây Trắng".to_owned(),
        body_vi: "Giao hàng bằng xe lạnh hằng ngày.".to_owned(),
        ..vase(1, "Sữa tươi thanh trùng", 0, 30_000)
    };
    // Delivery by van is in many descriptions: "xe" tells little apart.
    let filler = (2..=9).map(|id| SearchDoc {
        body_vi: "Giao tận nơi bằng xe tải.".to_owned(),
        ..vase(id, "Bình gốm men lam", 0, 100_000)
    });
    idx.upsert(std::iter::once(milk).chain(filler).collect())
        .await
        .unwrap();
    let found = |text: &'static str| {
        let idx = &idx;
        async move { ids(&idx.search(&query(text)).await.unwrap().hits) }
    };
    // Repairing motorbikes: "sửa" and "máy" only match other words ("Sữa", "Mây") once
    // their marks are dropped, and "xe" is in a description.
    assert_eq!(found("sửa xe máy").await, Vec::<i64>::new());
    // Typed without marks, the same words are the milk's.
    assert_eq!(found("sua tuoi may trang").await, [1]);
}
