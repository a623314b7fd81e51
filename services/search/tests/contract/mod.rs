//! The contract every [`SearchIndex`] backend passes, written against `&dyn SearchIndex`.
//!
//! Each case starts by clearing the index and loading its own small, hand-made documents,
//! then asserts exact orders and counts. `tests/contract.rs` runs every case on each backend;
//! another test crate can reuse them with `#[path = "contract/mod.rs"] mod contract;`.
//! Add a case: write a `pub async fn name(idx: &dyn SearchIndex)` here and list its name in
//! the `contract_tests!` invocation in `tests/contract.rs`.

#![allow(dead_code)]

use ketnoi_search::{
    DocKey, DocKind, Facets, SearchDoc, SearchIndex, SearchQuery, SearchResults, Sort,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// Publication times are this plus the id, so "newest" is the highest id unless set.
pub const EPOCH: i64 = 1_760_000_000;

pub fn listing(id: i64, title: &str) -> SearchDoc {
    SearchDoc {
        key: Some(DocKey {
            kind: DocKind::Listing,
            id,
        }),
        external_id: Some(format!("lst-{id:04}")),
        title_vi: title.to_owned(),
        org_name: "HTX Thử Nghiệm".to_owned(),
        org_slug: "htx-thu-nghiem".to_owned(),
        offer_kinds: vec!["retail".to_owned()],
        months: 0xFFF,
        published_at: EPOCH + id,
        unit: Some("kg".to_owned()),
        ..SearchDoc::default()
    }
}

pub fn cooperative(id: i64, name: &str) -> SearchDoc {
    SearchDoc {
        key: Some(DocKey {
            kind: DocKind::Cooperative,
            id,
        }),
        title_vi: name.to_owned(),
        org_name: name.to_owned(),
        org_slug: format!("coop-{id}"),
        published_at: EPOCH + id,
        ..SearchDoc::default()
    }
}

pub fn lkey(id: i64) -> DocKey {
    DocKey {
        kind: DocKind::Listing,
        id,
    }
}

pub fn ckey(id: i64) -> DocKey {
    DocKey {
        kind: DocKind::Cooperative,
        id,
    }
}

pub fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 20,
        ..SearchQuery::default()
    }
}

/// Empties the index and loads `docs`.
pub async fn reset(idx: &dyn SearchIndex, docs: Vec<SearchDoc>) {
    idx.clear().await.expect("clear");
    idx.upsert(docs).await.expect("upsert");
}

pub async fn run(idx: &dyn SearchIndex, q: &SearchQuery) -> SearchResults {
    idx.search(q).await.expect("search")
}

/// The hits' keys, in order.
pub async fn keys_for(idx: &dyn SearchIndex, q: &SearchQuery) -> Vec<DocKey> {
    run(idx, q).await.hits.iter().map(|h| h.key).collect()
}

/// The listing ids of the hits for `text`, in order.
pub async fn ids(idx: &dyn SearchIndex, text: &str) -> Vec<i64> {
    keys_for(idx, &query(text))
        .await
        .iter()
        .map(|k| k.id)
        .collect()
}

fn sorted(mut v: Vec<DocKey>) -> Vec<DocKey> {
    v.sort();
    v
}

fn strs(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

// ---------------------------------------------------------------------------------------
// Writes

pub async fn upsert_replace_delete_clear(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Bình gốm men lam Bát Tràng"),
            listing(2, "Khăn lụa tơ tằm Vạn Phúc"),
            cooperative(1, "HTX Gốm sứ Men Lam"),
        ],
    )
    .await;
    assert_eq!(
        idx.keys().await.expect("keys"),
        vec![lkey(1), lkey(2), ckey(1)]
    );
    assert_eq!(ids(idx, "khan lua").await, vec![2]);

    // Replace by key: the old text no longer matches, the new one does.
    idx.upsert(vec![listing(1, "Nón lá làng Chuông")])
        .await
        .expect("upsert");
    assert_eq!(
        idx.keys().await.expect("keys"),
        vec![lkey(1), lkey(2), ckey(1)]
    );
    assert_eq!(ids(idx, "non la").await, vec![1]);
    let gom = keys_for(idx, &query("bình gốm")).await;
    assert!(!gom.contains(&lkey(1)), "{gom:?}");
    let hit = &run(idx, &query("nón lá")).await.hits[0];
    assert_eq!(hit.title_vi, "Nón lá làng Chuông");
    assert_eq!(hit.external_id.as_deref(), Some("lst-0001"));
    assert_eq!(hit.org_slug, "htx-thu-nghiem");
    assert_eq!(hit.unit.as_deref(), Some("kg"));

    // Delete: unknown keys are ignored; a cooperative with the same id is another document.
    idx.delete(vec![lkey(2), lkey(99)]).await.expect("delete");
    assert_eq!(idx.keys().await.expect("keys"), vec![lkey(1), ckey(1)]);
    assert!(ids(idx, "khan lua").await.is_empty());
    idx.delete(vec![ckey(1)]).await.expect("delete");
    assert_eq!(idx.keys().await.expect("keys"), vec![lkey(1)]);

    // Batches with the same key twice keep the last one.
    idx.upsert(vec![
        listing(5, "Chè xanh Thái"),
        listing(5, "Trà sen Tây Hồ"),
    ])
    .await
    .expect("upsert");
    assert_eq!(ids(idx, "tra sen").await, vec![5]);
    assert!(ids(idx, "che xanh").await.is_empty());

    idx.clear().await.expect("clear");
    assert!(idx.keys().await.expect("keys").is_empty());
    assert_eq!(run(idx, &query("")).await.total, 0);
}

// ---------------------------------------------------------------------------------------
// Vietnamese text

/// A bulk rebuild's queued writes are all searchable once `optimize` returns.
pub async fn queued_writes_then_optimize(idx: &dyn SearchIndex) {
    idx.clear().await.expect("clear");
    for batch in 0..3 {
        let docs = (1..=1_500)
            .map(|i| {
                listing(
                    batch * 1_500 + i,
                    &format!("Giỏ mây mẫu {}", batch * 1_500 + i),
                )
            })
            .collect();
        idx.upsert_queued(docs).await.expect("queue");
    }
    // A document queued again replaces the first, queued before it.
    idx.upsert_queued(vec![listing(7, "Nón lá Chuông")])
        .await
        .expect("queue");
    idx.optimize().await.expect("optimize");
    assert_eq!(idx.keys().await.expect("keys").len(), 4_500);
    assert_eq!(run(idx, &query("giỏ mây")).await.total, 4_499);
    assert_eq!(ids(idx, "nón lá").await, vec![7]);
    // Writes after the rebuild are searchable as they return, as always.
    idx.upsert(vec![listing(4_501, "Nón lá Chuông mới")])
        .await
        .expect("upsert");
    assert_eq!(sorted_ids(ids(idx, "nón lá").await), vec![7, 4_501]);
}

pub async fn diacritics_optional(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Bình hoa gốm sứ Bát Tràng men lam"),
            listing(2, "Khăn lụa tơ tằm Vạn Phúc"),
            listing(3, "Gạo nếp cái hoa vàng"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "gom su bat trang").await, vec![1]);
    assert_eq!(ids(idx, "Gốm sứ Bát Tràng").await, vec![1]);
    assert_eq!(ids(idx, "GỐM SỨ BÁT TRÀNG").await, vec![1]);
    // Decomposed (NFD) input is normalised.
    assert_eq!(
        ids(idx, "go\u{302}\u{301}m su\u{31b}\u{301}").await,
        vec![1]
    );
    assert_eq!(ids(idx, "gao nep cai hoa vang").await, vec![3]);
    assert_eq!(ids(idx, "lụa tơ tằm").await, vec![2]);
}

pub async fn d_and_dd(idx: &dyn SearchIndex) {
    let mut nfd = listing(3, "");
    nfd.title_vi = "Đe\u{300}n lồng phố cổ".to_owned(); // "Đèn" decomposed
    reset(
        idx,
        vec![
            listing(1, "Đậu phụ làng Mơ"),
            listing(2, "Miến dong Cự Đà"),
            nfd,
        ],
    )
    .await;
    assert_eq!(ids(idx, "dau phu").await, vec![1]);
    assert_eq!(ids(idx, "đậu phụ").await, vec![1]);
    assert_eq!(ids(idx, "mien dong cu da").await, vec![2]);
    assert_eq!(ids(idx, "Cự Đà").await, vec![2]);
    assert_eq!(ids(idx, "đèn lồng").await, vec![3]);
    assert_eq!(ids(idx, "den long").await, vec![3]);
}

pub async fn exact_diacritics_rank_first(idx: &dyn SearchIndex) {
    // The honey is the oldest and has the longest title: only the exact match lifts it.
    reset(
        idx,
        vec![
            listing(1, "Mật ong hoa nhãn nguyên chất Hưng Yên"),
            listing(2, "Mặt nạ nghệ"),
            listing(3, "Chiếu mát"),
        ],
    )
    .await;
    let mat = ids(idx, "mật").await;
    assert_eq!(mat.len(), 3, "{mat:?}");
    assert_eq!(mat[0], 1, "{mat:?}");
    assert_eq!(ids(idx, "mặt").await[0], 2);
    assert_eq!(ids(idx, "mát").await[0], 3);
    assert_eq!(run(idx, &query("mat")).await.total, 3);
    assert_eq!(ids(idx, "mật ong").await, vec![1]);
}

pub async fn phrase_ranks_above_scattered_words(idx: &dyn SearchIndex) {
    // The scattered title is shorter and newer: only the phrase boost puts 1 first.
    reset(
        idx,
        vec![
            listing(1, "Khăn lụa tơ tằm Vạn Phúc"),
            listing(2, "Tơ lụa tằm xanh"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "lụa tơ tằm").await, vec![1, 2]);
    assert_eq!(ids(idx, "lua to tam").await, vec![1, 2]);
    reset(
        idx,
        vec![
            listing(1, "Sản phẩm của hợp tác xã Phú Nghĩa"),
            listing(2, "Xã Hợp Thanh: tác phẩm"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "hợp tác xã").await, vec![1, 2]);
}

pub async fn all_words_first_then_most(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Gốm sứ men lam"),
            listing(2, "Lụa Vạn Phúc"),
            listing(3, "Tranh gốm vẽ lụa"),
        ],
    )
    .await;
    // The document with every word first, then those with one of them.
    let both = ids(idx, "gốm lụa").await;
    assert_eq!(both.len(), 3, "{both:?}");
    assert_eq!(both[0], 3, "{both:?}");
    // None has every word: the most first; "lụa" alone is less than half of what the query
    // asks (the relevance floor).
    assert_eq!(ids(idx, "gốm sứ lụa").await, vec![1]);
}

/// A query whose telling words match nothing finds nothing, even when a common word of it
/// (here "máy", folded "may", which "mây" shares) matches many documents.
pub async fn relevance_floor(idx: &dyn SearchIndex) {
    let crafts: Vec<SearchDoc> = (1..=12)
        .map(|i| listing(i, &format!("Giỏ mây tre đan mẫu {i}")))
        .chain([
            listing(13, "Nón lá làng Chuông"),
            listing(14, "Gạo nếp cái hoa vàng"),
        ])
        .collect();
    reset(idx, crafts).await;
    for q in ["máy giặt ", "may giat ", "điện thoại samsung ", "tủ lạnh "] {
        let found = run(idx, &query(q)).await;
        assert_eq!((found.total, found.hits.len()), (0, 0), "{q}: {found:?}");
    }
    // A word the listing lacks ("ngon") does not lose it.
    assert_eq!(ids(idx, "gạo nếp ngon ").await, vec![14]);
    assert_eq!(ids(idx, "nón lá đẹp ").await, vec![13]);
}

pub async fn descriptions_are_searched(idx: &dyn SearchIndex) {
    let mut vase = listing(1, "Bình hoa men rạn");
    vase.body_vi = "Làm từ đất sét trắng, nung ở 1.200 độ.".to_owned();
    let mut scarf = listing(2, "Khăn vuông");
    scarf.body_en = Some("Woven from mulberry silk by hand.".to_owned());
    reset(idx, vec![vase, scarf, listing(3, "Đất sét nặn cho trẻ em")]).await;
    // Only descriptions mention these.
    assert_eq!(ids(idx, "nung").await, vec![1]);
    assert_eq!(ids(idx, "mulberry").await, vec![2]);
    // A title match ranks first.
    assert_eq!(ids(idx, "đất sét").await[0], 3);
}

pub async fn prefix_search_as_you_type(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Bộ ấm chén gốm sứ"),
            listing(2, "Gốm men lam"),
            listing(3, "Sen khô Tây Hồ"),
            listing(4, "Khăn lụa vân"),
        ],
    )
    .await;
    // Every word first; documents with some of them after.
    let gom_s = ids(idx, "gom s").await;
    assert_eq!(gom_s[0], 1, "{gom_s:?}");
    assert!(!gom_s.contains(&4), "{gom_s:?}");
    assert_eq!(ids(idx, "khăn l").await[0], 4);
    let titles: Vec<String> = idx
        .suggest("gom s", 5)
        .await
        .expect("suggest")
        .into_iter()
        .map(|h| h.title_vi)
        .collect();
    assert_eq!(titles, vec!["Bộ ấm chén gốm sứ".to_owned()]);
    let suggest_gom: Vec<i64> = idx
        .suggest("gố", 5)
        .await
        .expect("suggest")
        .iter()
        .map(|h| h.key.id)
        .collect();
    assert_eq!(sorted_ids(suggest_gom), vec![1, 2]);
    assert!(idx.suggest("", 5).await.expect("suggest").is_empty());
    assert_eq!(idx.suggest("g", 1).await.expect("suggest").len(), 1);
}

/// One syllable typed with its tone mark: the words it begins first ("gốm"), not those its
/// folded form matches whole ("gỗ" is "go" too).
pub async fn tone_marks_while_typing(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Hộp gỗ sơn mài"),
            listing(2, "Gốm men lam"),
            listing(3, "Khay gỗ"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "gố").await[0], 2);
    let go = ids(idx, "gỗ").await;
    assert_eq!(sorted_ids(go[..2].to_vec()), vec![1, 3], "{go:?}");
}

fn sorted_ids(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

pub async fn typos_on_short_syllables(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Gốm sứ Bát Tràng"),
            listing(2, "Lụa tơ tằm Vạn Phúc"),
            listing(3, "Bánh chưng gấc"),
            listing(4, "Mật ong rừng"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "bat trag").await, vec![1]); // dropped letter
    assert_eq!(ids(idx, "gom xu bat trag").await, vec![1]); // s/x and dropped letter
    assert_eq!(ids(idx, "lau to tam").await, vec![2]); // transposition
    assert_eq!(ids(idx, "lụa tơ tăm").await, vec![2]); // wrong mark
    assert_eq!(ids(idx, "mat ogn").await, vec![4]); // transposition
    assert_eq!(ids(idx, "banh chungg").await, vec![3]); // doubled letter
}

// ---------------------------------------------------------------------------------------
// English and categories

pub async fn english_and_synonyms(idx: &dyn SearchIndex) {
    let mut painting = listing(4, "Tranh sơn mài phố cổ");
    painting.title_en = Some("Old quarter lacquer painting".to_owned());
    let mut gift = listing(7, "Quà tặng Tết");
    gift.title_en = Some("Hand-painted silk scarf".to_owned());
    let mut vase = listing(2, "Bình hoa men rạn");
    vase.category_id = Some("gom-su".to_owned());
    vase.category_group = Some("thu-cong".to_owned());
    reset(
        idx,
        vec![
            listing(1, "Khăn lụa tơ tằm thêu tay"),
            vase,
            listing(3, "Xôi gấc mâm cỗ"),
            painting,
            listing(5, "Mật ong hoa nhãn"),
            listing(6, "Khoai lang mật"),
            gift,
        ],
    )
    .await;
    // Synonyms: no English on these documents.
    assert_eq!(ids(idx, "silk scarf").await[0], 1);
    assert_eq!(sorted_ids(ids(idx, "silk scarf").await), vec![1, 7]);
    assert_eq!(ids(idx, "sticky rice").await, vec![3]);
    assert_eq!(ids(idx, "honey").await, vec![5]);
    assert_eq!(ids(idx, "lacquer").await, vec![4]);
    assert_eq!(ids(idx, "hand painted").await, vec![7]);
    // Category names, both languages.
    assert_eq!(ids(idx, "gốm sứ").await, vec![2]);
    assert_eq!(ids(idx, "ceramics").await, vec![2]);
    assert_eq!(ids(idx, "ceramic vase").await, vec![2]);
}

// ---------------------------------------------------------------------------------------
// Filters, facets, sorting, paging

/// Five documents with every filterable attribute varied.
pub fn catalogue() -> Vec<SearchDoc> {
    let mut l1 = listing(1, "Bình gốm men lam");
    l1.category_id = Some("gom-su".into());
    l1.category_group = Some("thu-cong".into());
    l1.commune_code = Some("00577".into());
    l1.ocop_stars = 5;
    l1.min_price = Some(300_000);
    l1.women_managed = true;
    l1.lat = Some(20.9972);
    l1.lon = Some(105.9165);
    l1.published_at = EPOCH + 30;

    let mut l2 = listing(2, "Khăn lụa tơ tằm");
    l2.category_id = Some("lua-det-theu".into());
    l2.category_group = Some("thu-cong".into());
    l2.offer_kinds = vec!["retail".into(), "wholesale".into()];
    l2.commune_code = Some("09700".into());
    l2.ocop_stars = 4;
    l2.certifications = vec!["ocop".into()];
    l2.min_price = Some(150_000);
    l2.min_order_qty = Some(50);
    l2.months = 0b111; // January to March
    l2.lat = Some(20.9800);
    l2.lon = Some(105.7700);
    l2.published_at = EPOCH + 10;

    let mut l3 = listing(3, "Gạo nếp cái hoa vàng");
    l3.category_id = Some("gao-ngu-coc".into());
    l3.category_group = Some("thuc-pham".into());
    l3.offer_kinds = vec!["wholesale".into()];
    l3.commune_code = Some("00577".into());
    l3.ocop_stars = 3;
    l3.certifications = vec!["vietgap".into(), "huu_co".into()];
    l3.min_price = Some(25_000);
    l3.min_order_qty = Some(10);
    l3.months = 0b11 << 8; // September, October
    l3.women_managed = true;
    l3.lat = Some(21.2500);
    l3.lon = Some(105.8500);
    l3.published_at = EPOCH + 50;

    let mut l4 = listing(4, "Lớp học làm gốm cuối tuần");
    l4.category_id = Some("workshop".into());
    l4.category_group = Some("trai-nghiem".into());
    l4.offer_kinds = vec!["experience".into()];
    l4.commune_code = Some("00466".into());
    l4.women_managed = true;
    l4.published_at = EPOCH + 40;

    let mut c1 = cooperative(1, "HTX Gốm sứ Men Lam Bát Tràng");
    c1.commune_code = Some("00577".into());
    c1.ocop_stars = 5;
    c1.certifications = vec!["ocop".into()];
    c1.women_managed = true;
    c1.published_at = EPOCH + 20;

    vec![l1, l2, l3, l4, c1]
}

/// English plurals and verb forms find their stems ("paintings" → painting, "scarves" →
/// scarf, by the shared synonyms' English side too).
pub async fn english_stemming(idx: &dyn SearchIndex) {
    let mut painting = listing(4, "Tranh sơn mài phố cổ");
    painting.title_en = Some("Old quarter lacquer painting".to_owned());
    let mut gift = listing(7, "Quà tặng Tết");
    gift.title_en = Some("Hand-painted silk scarf".to_owned());
    reset(
        idx,
        vec![listing(1, "Khăn lụa tơ tằm thêu tay"), painting, gift],
    )
    .await;
    assert_eq!(ids(idx, "quarter paintings").await, vec![4]);
    assert_eq!(sorted_ids(ids(idx, "scarves").await), vec![1, 7]);
}

pub async fn filters(idx: &dyn SearchIndex) {
    reset(idx, catalogue()).await;
    let all = |f: fn(&mut SearchQuery)| {
        let mut q = query("");
        f(&mut q);
        q
    };
    let check = async |q: SearchQuery, expected: Vec<DocKey>| {
        let got = run(idx, &q).await;
        assert_eq!(got.total, expected.len() as u64, "{q:?}");
        assert_eq!(
            sorted(got.hits.iter().map(|h| h.key).collect()),
            sorted(expected),
            "{q:?}"
        );
    };
    check(
        all(|_| {}),
        vec![lkey(1), lkey(2), lkey(3), lkey(4), ckey(1)],
    )
    .await;
    check(
        all(|q| q.kind = Some(DocKind::Listing)),
        vec![lkey(1), lkey(2), lkey(3), lkey(4)],
    )
    .await;
    check(all(|q| q.kind = Some(DocKind::Cooperative)), vec![ckey(1)]).await;
    check(
        all(|q| q.offer_kind = Some("wholesale".into())),
        vec![lkey(2), lkey(3)],
    )
    .await;
    check(
        all(|q| q.offer_kind = Some("experience".into())),
        vec![lkey(4)],
    )
    .await;
    check(
        all(|q| q.category = Some("thu-cong".into())),
        vec![lkey(1), lkey(2)],
    )
    .await;
    check(all(|q| q.category = Some("gom-su".into())), vec![lkey(1)]).await;
    check(
        all(|q| q.commune_code = Some("00577".into())),
        vec![lkey(1), lkey(3), ckey(1)],
    )
    .await;
    check(
        all(|q| q.min_stars = Some(4)),
        vec![lkey(1), lkey(2), ckey(1)],
    )
    .await;
    check(all(|q| q.min_stars = Some(5)), vec![lkey(1), ckey(1)]).await;
    check(
        all(|q| q.certification = Some("vietgap".into())),
        vec![lkey(3)],
    )
    .await;
    check(
        all(|q| q.certification = Some("ocop".into())),
        vec![lkey(2), ckey(1)],
    )
    .await;
    check(all(|q| q.price_min = Some(100_000)), vec![lkey(1), lkey(2)]).await;
    check(all(|q| q.price_max = Some(100_000)), vec![lkey(3)]).await;
    check(
        all(|q| {
            q.price_min = Some(150_000);
            q.price_max = Some(299_999);
        }),
        vec![lkey(2)],
    )
    .await;
    check(all(|q| q.max_min_order = Some(20)), vec![lkey(3)]).await;
    check(all(|q| q.max_min_order = Some(50)), vec![lkey(2), lkey(3)]).await;
    check(
        all(|q| q.in_season = Some(2)),
        vec![lkey(1), lkey(2), lkey(4)],
    )
    .await;
    check(
        all(|q| q.in_season = Some(9)),
        vec![lkey(1), lkey(3), lkey(4)],
    )
    .await;
    check(
        all(|q| q.women_managed = true),
        vec![lkey(1), lkey(3), lkey(4), ckey(1)],
    )
    .await;
    check(
        all(|q| {
            q.kind = Some(DocKind::Listing);
            q.women_managed = true;
            q.commune_code = Some("00577".into());
        }),
        vec![lkey(1), lkey(3)],
    )
    .await;
    // Filters with text.
    let mut q = query("gốm");
    check(q.clone(), vec![lkey(1), lkey(4), ckey(1)]).await;
    q.kind = Some(DocKind::Cooperative);
    check(q, vec![ckey(1)]).await;
    let mut q = query("gao");
    q.offer_kind = Some("retail".into());
    check(q, vec![]).await;
}

pub async fn facets(idx: &dyn SearchIndex) {
    reset(idx, catalogue()).await;
    let got = run(idx, &query("")).await;
    assert_eq!(
        got.facets,
        Facets {
            kind: strs(&[("listing", 4), ("cooperative", 1)]),
            offer_kind: strs(&[("retail", 2), ("wholesale", 2), ("experience", 1)]),
            category: strs(&[("thu-cong", 2), ("thuc-pham", 1), ("trai-nghiem", 1)]),
            commune: strs(&[("00577", 3), ("00466", 1), ("09700", 1)]),
            stars: vec![(5, 2), (3, 1), (4, 1)],
            certification: strs(&[("ocop", 2), ("huu_co", 1), ("vietgap", 1)]),
            women_managed: 4,
        }
    );
    // Facets count every match, not only the page; they follow filters and text.
    let mut q = query("gốm");
    q.limit = 1;
    let got = run(idx, &q).await;
    assert_eq!((got.total, got.hits.len()), (3, 1));
    assert_eq!(got.facets.kind, strs(&[("listing", 2), ("cooperative", 1)]));
    assert_eq!(got.facets.commune, strs(&[("00577", 2), ("00466", 1)]));
    assert_eq!(got.facets.stars, vec![(5, 2)]);
    assert_eq!(got.facets.women_managed, 3);
    let mut q = query("");
    q.kind = Some(DocKind::Listing);
    q.offer_kind = Some("wholesale".into());
    let got = run(idx, &q).await;
    assert_eq!(
        got.facets.offer_kind,
        strs(&[("wholesale", 2), ("retail", 1)])
    );
    assert_eq!(
        got.facets.category,
        strs(&[("thu-cong", 1), ("thuc-pham", 1)])
    );
    assert_eq!(got.facets.women_managed, 1);
}

pub async fn sorting(idx: &dyn SearchIndex) {
    reset(idx, catalogue()).await;
    let sorted_by = async |sort: Sort| {
        let mut q = query("");
        q.sort = sort;
        keys_for(idx, &q).await
    };
    // Documents without the sort value come last, in any order.
    let check = |got: Vec<DocKey>, head: Vec<DocKey>, tail: Vec<DocKey>| {
        assert_eq!(got.len(), head.len() + tail.len(), "{got:?}");
        assert_eq!(got[..head.len()], head[..], "{got:?}");
        assert_eq!(sorted(got[head.len()..].to_vec()), sorted(tail), "{got:?}");
    };
    check(
        sorted_by(Sort::PriceAsc).await,
        vec![lkey(3), lkey(2), lkey(1)],
        vec![lkey(4), ckey(1)],
    );
    check(
        sorted_by(Sort::PriceDesc).await,
        vec![lkey(1), lkey(2), lkey(3)],
        vec![lkey(4), ckey(1)],
    );
    assert_eq!(
        sorted_by(Sort::Newest).await,
        vec![lkey(3), lkey(4), lkey(1), ckey(1), lkey(2)]
    );
    // From Bát Tràng: Bát Tràng, Vạn Phúc (~15 km), Sóc Sơn (~30 km).
    check(
        sorted_by(Sort::Distance {
            lat: 20.9971,
            lon: 105.9165,
        })
        .await,
        vec![lkey(1), lkey(2), lkey(3)],
        vec![lkey(4), ckey(1)],
    );
    // From Sóc Sơn the order turns around.
    check(
        sorted_by(Sort::Distance {
            lat: 21.25,
            lon: 105.85,
        })
        .await,
        vec![lkey(3), lkey(1), lkey(2)],
        vec![lkey(4), ckey(1)],
    );
    // Relevance is the default; equal scores: newest first.
    reset(
        idx,
        vec![
            listing(1, "Gạo tám thơm"),
            listing(2, "Gạo tám thơm"),
            listing(3, "Gạo tám thơm"),
        ],
    )
    .await;
    assert_eq!(ids(idx, "gạo tám").await, vec![3, 2, 1]);
    let mut q = query("gạo");
    q.sort = Sort::PriceAsc;
    assert_eq!(run(idx, &q).await.total, 3);
}

pub async fn total_and_paging(idx: &dyn SearchIndex) {
    let mut docs: Vec<SearchDoc> = (1..=120)
        .map(|i| listing(i, &format!("Rau cải ngọt lô {i}")))
        .collect();
    docs.push(listing(500, "Bánh chưng gấc"));
    reset(idx, docs).await;
    let page = async |offset: usize, limit: usize| {
        let mut q = query("rau cai");
        q.sort = Sort::Newest;
        q.offset = offset;
        q.limit = limit;
        let got = run(idx, &q).await;
        (
            got.total,
            got.hits.iter().map(|h| h.key.id).collect::<Vec<_>>(),
        )
    };
    assert_eq!(page(0, 10).await, (120, (111..=120).rev().collect()));
    assert_eq!(page(10, 5).await, (120, (106..=110).rev().collect()));
    assert_eq!(page(115, 10).await, (120, (1..=5).rev().collect()));
    assert_eq!(page(200, 10).await, (120, vec![]));
    // Limits are capped at 100.
    let (total, hits) = page(0, 1000).await;
    assert_eq!((total, hits.len()), (120, 100));
    // Everything, no text.
    assert_eq!(run(idx, &query("")).await.total, 121);
}

pub async fn did_you_mean(idx: &dyn SearchIndex) {
    reset(
        idx,
        vec![
            listing(1, "Gốm sứ Bát Tràng"),
            listing(2, "Bình gốm men lam"),
            listing(3, "Khăn lụa tơ tằm"),
        ],
    )
    .await;
    // Too far for typo tolerance (two edits per word): nothing matches, a correction does.
    let got = run(idx, &query("ghomm suuu")).await;
    assert_eq!(got.total, 0);
    assert!(got.hits.is_empty());
    assert_eq!(got.suggestion.as_deref(), Some("gom su"));
    assert_eq!(ids(idx, "gom su").await, vec![1]);
    // No suggestion when something matched, or when nothing close exists.
    assert_eq!(run(idx, &query("gom su")).await.suggestion, None);
    let got = run(idx, &query("xyzxyz")).await;
    assert_eq!((got.total, got.suggestion), (0, None));
    // The suggestion must match under the same filters.
    let mut q = query("ghomm suuu");
    q.kind = Some(DocKind::Cooperative);
    assert_eq!(run(idx, &q).await.suggestion, None);
}
