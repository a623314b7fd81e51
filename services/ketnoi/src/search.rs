//! `ketnoi reindex`: rebuilds the search index from the database with a progress bar.

use indicatif::{ProgressBar, ProgressStyle};
use ketnoi_app::search_feed;
use ketnoi_db::Db;
use ketnoi_search::SearchIndex;
use std::io::Write;
use std::time::Instant;

pub async fn reindex(db: &Db, index: &dyn SearchIndex) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")?
            .progress_chars("=> "),
    );
    bar.set_message("Đang lập chỉ mục / indexing");
    let started = Instant::now();
    let total = search_feed::rebuild(
        db,
        index,
        search_feed::INDEXER,
        ketnoi_domain::time::today_hanoi(),
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        documents = total,
        seconds = format!("{secs:.1}"),
        per_second = format!("{:.0}", total as f64 / secs.max(0.001)),
        "search index rebuilt"
    );
    Ok(())
}

/// `ketnoi search-eval`: loads the demo dataset into a throwaway SQLite database, indexes it
/// into a fresh index of the configured kind (in memory for tantivy; a temporary index on the
/// server for Meilisearch), runs every query of the relevance set
/// (`data/search/relevance.json`) and prints nDCG@10 and recall@10 per query type.
pub async fn eval(config: &crate::config::Config, verbose: bool) -> anyhow::Result<()> {
    use ketnoi_search::eval;
    let set = eval::parse(eval::RELEVANCE_JSON)?;
    let problems = set.problems();
    anyhow::ensure!(
        problems.is_empty(),
        "relevance set: {}",
        problems.join("; ")
    );
    let dir = std::env::temp_dir().join(format!("ketnoi-search-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = if config.search_is_embedded() {
        let index = ketnoi_search::tantivy_index::TantivyIndex::in_memory()?;
        eval_in(&dir, &set, &index, verbose).await
    } else {
        let name = format!("ketnoi_eval_{}", std::process::id());
        let index = ketnoi_search::meili::MeiliIndex::connect(
            &config.search_url,
            config.meilisearch_key.as_deref(),
            &name,
        )
        .await?;
        let r = eval_in(&dir, &set, &index, verbose).await;
        if let Err(e) = index.delete_index().await {
            tracing::warn!(error = %e, index = name, "could not delete the evaluation index");
        }
        r
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn eval_in(
    dir: &std::path::Path,
    set: &ketnoi_search::eval::RelevanceSet,
    index: &dyn SearchIndex,
    verbose: bool,
) -> anyhow::Result<()> {
    use ketnoi_search::eval;
    let db = Db::connect_and_migrate(&format!("sqlite:{}", dir.join("eval.db").display())).await?;
    crate::demo::seed(&db).await?;
    search_feed::rebuild(
        &db,
        index,
        search_feed::INDEXER,
        ketnoi_domain::time::today_hanoi(),
        |_, _| {},
    )
    .await?;
    db.close().await;
    let mut scores = Vec::new();
    let mut out = String::new();
    for q in &set.queries {
        let query = q.query(eval::K);
        let hits = index.search(&query).await?.hits;
        let ranked: Vec<String> = hits.into_iter().filter_map(|h| h.external_id).collect();
        let (ndcg, recall) = q.score(&ranked, eval::K);
        if verbose {
            out.push_str(&format!(
                "{:<5} {:<14} nDCG {ndcg:.3} recall {recall:.3}  {}\n",
                q.id, q.r#type, q.q
            ));
        }
        scores.push((q.r#type.clone(), ndcg, recall));
    }
    out.push_str(&eval::summarize(&scores).table());
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}
