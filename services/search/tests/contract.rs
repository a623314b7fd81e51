//! Runs the backend contract (`tests/contract/mod.rs`) on every backend: tantivy in memory,
//! tantivy on disk, and Meilisearch when `MEILISEARCH_URL` is set (see [`meili`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "contract/mod.rs"]
mod contract;

use ketnoi_search::{SearchIndex, TantivyIndex};

/// Contract cases that the Meilisearch backend does not meet by design (see
/// `ketnoi_search::meili`): its `meilisearch::*` variants say so and pass.
const MEILI_UNSUPPORTED: &[(&str, &str)] = &[];

/// HOOK for the Meilisearch backend: with `MEILISEARCH_URL` set (`MEILISEARCH_KEY`
/// optional), a fresh index for this case (the tests run in parallel and each clears its
/// index), deleted by the caller when the case passes. Without the URL: `None` and a line
/// saying the case was skipped, or a failure when `KETNOI_REQUIRE_MEILISEARCH=1`.
async fn meili(case: &str) -> Option<ketnoi_search::meili::MeiliIndex> {
    let Some(url) = std::env::var("MEILISEARCH_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("KETNOI_REQUIRE_MEILISEARCH").as_deref() != Ok("1"),
            "KETNOI_REQUIRE_MEILISEARCH=1 but MEILISEARCH_URL is not set"
        );
        eprintln!("meilisearch::{case}: skipped (MEILISEARCH_URL is not set)");
        return None;
    };
    if let Some((_, why)) = MEILI_UNSUPPORTED.iter().find(|(c, _)| *c == case) {
        eprintln!("meilisearch::{case}: skipped, not supported: {why}");
        return None;
    }
    let key = std::env::var("MEILISEARCH_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("ketnoi_test_{}_{nanos}_{case}", std::process::id());
    let idx = ketnoi_search::meili::MeiliIndex::connect(&url, key.as_deref(), &name)
        .await
        .unwrap_or_else(|e| panic!("meilisearch at {url}: {e}"));
    Some(idx)
}

macro_rules! contract_tests {
    ($($case:ident),* $(,)?) => {
        mod tantivy_in_memory {
            $(
                #[tokio::test]
                async fn $case() {
                    let idx = ketnoi_search::TantivyIndex::in_memory().unwrap();
                    crate::contract::$case(&idx).await;
                }
            )*
        }

        // As `serve` runs it: on disk, answers cached per index generation.
        mod tantivy_on_disk {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let idx = ketnoi_search::TantivyIndex::open(dir.path())
                        .unwrap()
                        .with_result_cache(1_000);
                    crate::contract::$case(&idx).await;
                }
            )*
        }

        mod meilisearch {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(idx) = crate::meili(stringify!($case)).await {
                        crate::contract::$case(&idx).await;
                        idx.delete_index().await.unwrap();
                    }
                }
            )*
        }
    };
}

contract_tests!(
    upsert_replace_delete_clear,
    queued_writes_then_optimize,
    diacritics_optional,
    d_and_dd,
    exact_diacritics_rank_first,
    phrase_ranks_above_scattered_words,
    all_words_first_then_most,
    relevance_floor,
    descriptions_are_searched,
    prefix_search_as_you_type,
    tone_marks_while_typing,
    typos_on_short_syllables,
    english_and_synonyms,
    english_stemming,
    filters,
    facets,
    sorting,
    total_and_paging,
    did_you_mean,
);

/// The on-disk index survives a reopen, and an index of another schema version is rebuilt
/// empty.
#[tokio::test]
async fn tantivy_reopen_and_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = TantivyIndex::open(dir.path()).unwrap();
        contract::reset(&idx, vec![contract::listing(1, "Gốm sứ Bát Tràng")]).await;
    }
    {
        let idx = TantivyIndex::open(dir.path()).unwrap();
        assert_eq!(idx.keys().await.unwrap(), vec![contract::lkey(1)]);
        assert_eq!(contract::ids(&idx, "gom su").await, vec![1]);
    }
    let version = dir.path().join("schema_version");
    assert_eq!(
        std::fs::read_to_string(&version).unwrap().trim(),
        ketnoi_search::tantivy_index::SCHEMA_VERSION.to_string()
    );
    std::fs::write(&version, "0\n").unwrap();
    let idx = TantivyIndex::open(dir.path()).unwrap();
    assert!(idx.keys().await.unwrap().is_empty());
    contract::reset(&idx, vec![contract::listing(2, "Khăn lụa")]).await;
    assert_eq!(idx.keys().await.unwrap(), vec![contract::lkey(2)]);
}

/// A cached answer is never older than the index: the same query after each change (edit,
/// delete, clear) sees it, and a repeated query gets the same answer.
#[tokio::test]
async fn tantivy_result_cache_follows_the_index() {
    let idx = TantivyIndex::in_memory().unwrap().with_result_cache(100);
    contract::reset(&idx, vec![contract::listing(1, "Gốm sứ Bát Tràng")]).await;
    let q = contract::query("gom su");
    let first = idx.search(&q).await.unwrap();
    assert_eq!(first.total, 1);
    assert_eq!(idx.search(&q).await.unwrap(), first);
    idx.upsert(vec![contract::listing(2, "Bình gốm sứ men lam")])
        .await
        .unwrap();
    assert_eq!(contract::ids(&idx, "gom su").await.len(), 2);
    idx.upsert(vec![contract::listing(1, "Khăn lụa tơ tằm")])
        .await
        .unwrap();
    assert_eq!(contract::ids(&idx, "gom su").await, vec![2]);
    idx.delete(vec![contract::lkey(2)]).await.unwrap();
    assert!(contract::ids(&idx, "gom su").await.is_empty());
    idx.clear().await.unwrap();
    assert!(contract::ids(&idx, "khan lua").await.is_empty());
}

/// Equal scores rank the newest first, whether the query has score-only clauses (exact
/// diacritics: the tie-break happens in the rescoring pass) or not.
#[tokio::test]
async fn tantivy_equal_scores_rank_newest_first() {
    let idx = TantivyIndex::in_memory().unwrap();
    let mut docs = Vec::new();
    for (id, published) in [(1, 30), (2, 10), (3, 50), (4, 20)] {
        let mut d = contract::listing(id, "Mật ong hoa nhãn");
        d.published_at = contract::EPOCH + published;
        docs.push(d);
    }
    contract::reset(&idx, docs).await;
    for text in ["mật ong", "mat ong", "mat ong "] {
        assert_eq!(
            contract::ids(&idx, text).await,
            vec![3, 1, 4, 2],
            "{text:?}"
        );
    }
}

/// Many searches at once (more than the search threads: some wait their turn, some run
/// their segments one after the other) give the same answers as each alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tantivy_concurrent_searches_answer_as_alone() {
    let idx = std::sync::Arc::new(TantivyIndex::in_memory().unwrap());
    let titles = [
        "Gốm sứ Bát Tràng",
        "Mật ong hoa nhãn",
        "Khăn lụa tơ tằm",
        "Trà sen Tây Hồ",
    ];
    let mut docs = Vec::new();
    for id in 1..=200 {
        docs.push(contract::listing(id, titles[id as usize % titles.len()]));
    }
    contract::reset(idx.as_ref(), docs).await;
    let texts = ["gom su", "mat ong", "khan lua", "tra sen", "lụa", "mat"];
    let mut alone = Vec::new();
    for text in texts {
        alone.push(idx.search(&contract::query(text)).await.unwrap());
    }
    assert!(alone.iter().all(|r| r.total > 0));
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..48 {
        let idx = std::sync::Arc::clone(&idx);
        let at = round % texts.len();
        tasks.spawn(async move { (at, idx.search(&contract::query(texts[at])).await.unwrap()) });
    }
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        let (at, got) = done.unwrap();
        assert_eq!(got, alone[at], "{:?}", texts[at]);
        answered += 1;
    }
    assert_eq!(answered, 48);
}

/// Works without a Tokio runtime too (blocking calls run inline).
#[test]
fn tantivy_without_runtime() {
    let idx = TantivyIndex::in_memory().unwrap();
    let fut = idx.upsert(vec![contract::listing(1, "Mật ong hoa nhãn")]);
    futures_lite_block_on(fut).unwrap();
    let q = contract::query("mat ong");
    let got = futures_lite_block_on(idx.search(&q)).unwrap();
    assert_eq!(got.total, 1);
}

/// A minimal executor for futures that never wait (ours run inline without a runtime).
fn futures_lite_block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
