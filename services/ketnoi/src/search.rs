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
/// once into a fresh index of the configured kind (in memory for tantivy; a temporary index
/// on the server for Meilisearch), runs every query of both judged sets — the hand-judged
/// `data/search/relevance.json` and `data/search/generated.json`, generated from the
/// catalogue's attributes — and prints nDCG@10 and recall@10 per query type, one table per
/// set.
pub async fn eval(config: &crate::config::Config, verbose: bool) -> anyhow::Result<()> {
    use ketnoi_search::eval;
    let sets = [
        JudgedSet {
            title: "Hand-judged set (data/search/relevance.json)",
            set: eval::parse(eval::RELEVANCE_JSON)?,
            types: &eval::TYPES,
        },
        JudgedSet {
            title: "Generated set (data/search/generated.json)",
            set: eval::parse(eval::GENERATED_JSON)?,
            types: &eval::GENERATED_TYPES,
        },
    ];
    for s in &sets {
        let problems = s.set.problems_with(s.types);
        anyhow::ensure!(problems.is_empty(), "{}: {}", s.title, problems.join("; "));
    }
    let dir = std::env::temp_dir().join(format!("ketnoi-search-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = if config.search_is_embedded() {
        let index = ketnoi_search::tantivy_index::TantivyIndex::in_memory()?;
        eval_in(&dir, &sets, &index, verbose).await
    } else {
        let name = format!("ketnoi_eval_{}", std::process::id());
        let index = ketnoi_search::meili::MeiliIndex::connect(
            &config.search_url,
            config.meilisearch_key.as_deref(),
            &name,
        )
        .await?;
        let r = eval_in(&dir, &sets, &index, verbose).await;
        if let Err(e) = index.delete_index().await {
            tracing::warn!(error = %e, index = name, "could not delete the evaluation index");
        }
        r
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// One judged set to score: its heading, its queries and the type order of its table.
struct JudgedSet {
    title: &'static str,
    set: ketnoi_search::eval::RelevanceSet,
    types: &'static [&'static str],
}

/// Seeds and indexes the demo data once, then scores every set against the same index.
async fn eval_in(
    dir: &std::path::Path,
    sets: &[JudgedSet],
    index: &dyn SearchIndex,
    verbose: bool,
) -> anyhow::Result<()> {
    use ketnoi_search::eval;
    let db = Db::connect_and_migrate(&format!("sqlite:{}", dir.join("eval.db").display())).await?;
    crate::demo::seed(&db, "http://localhost").await?;
    search_feed::rebuild(
        &db,
        index,
        search_feed::INDEXER,
        ketnoi_domain::time::today_hanoi(),
        |_, _| {},
    )
    .await?;
    db.close().await;
    let mut out = String::new();
    for (i, s) in sets.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}\n\n", s.title));
        let mut scores = Vec::new();
        for q in &s.set.queries {
            let query = ketnoi_search::SearchQuery {
                near: true,
                ..q.query(eval::K)
            };
            // What the page shows: the results, then the near matches completing it.
            let answer = ketnoi_search::search(index, &query).await?;
            let hits = answer.results.hits.into_iter().chain(answer.near);
            // A hit without an external id (none in the demo data) still counts, as an
            // unjudged document: an out-of-catalogue query must get no hit at all.
            let ranked: Vec<String> = hits
                .into_iter()
                .map(|h| {
                    h.external_id
                        .unwrap_or_else(|| format!("({:?} {})", h.key.kind, h.key.id))
                })
                .collect();
            let (ndcg, recall) = q.score(&ranked, eval::K);
            if verbose {
                out.push_str(&format!(
                    "{:<5} {:<16} nDCG {ndcg:.3} recall {recall:.3}  {}\n",
                    q.id, q.r#type, q.q
                ));
            }
            scores.push((q.r#type.clone(), ndcg, recall));
        }
        if verbose {
            out.push('\n');
        }
        out.push_str(&eval::summarize(&scores).table_ordered(s.types));
    }
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}
