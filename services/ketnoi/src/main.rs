//! The `ketnoi` program: serve the site, run background jobs, migrate, seed, manage users,
//! import and export spreadsheets, back up and restore.

mod backup;
mod config;
mod demo;
mod demo_sourcing;
mod imports;
mod search;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::Config;
use ketnoi_db::Db;
use std::time::Duration;
use tokio::net::TcpListener;

/// mimalloc rather than the system allocator: a signed-in page spent a tenth of the
/// machine's time in glibc's malloc and free (perf, issue 14); see docs/architecture.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ketnoi",
    version,
    about = "Ketnoi: women-managed cooperatives of Hanoi, connected."
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web site and the API (and run background jobs unless --no-worker).
    Serve {
        /// Load the demo dataset if the database has no organisations yet.
        #[arg(long)]
        demo: bool,
        /// Do not run background jobs in this process (run `ketnoi worker` instead).
        #[arg(long)]
        no_worker: bool,
    },
    /// Run background jobs (outbox delivery; search indexing when the index is on a
    /// Meilisearch server) until stopped.
    Worker,
    /// Rebuild the search index from the database, with a progress bar.
    Reindex,
    /// Measure search quality: index the demo dataset in a throwaway database and print
    /// nDCG@10 and recall@10 per query type of the relevance set.
    SearchEval {
        /// Also print each query's scores.
        #[arg(long)]
        verbose: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The fictional demo dataset with demo accounts.
        #[arg(long)]
        demo: bool,
        /// Copy demo listings until there are this many published listings (for benchmarks).
        #[arg(long)]
        listings: Option<usize>,
        /// Add fictional cooperatives with eight periods of reports until there are this
        /// many HTX/THT (the plan dashboard's benchmark).
        #[arg(long)]
        plan_cooperatives: Option<usize>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import cooperatives or listings from a CSV or Excel (.xlsx) file. Every row is checked
    /// first; a file with errors imports nothing unless --skip-invalid. Running the same file
    /// again changes nothing.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: imports::KindArg,
        /// The .csv or .xlsx file (read by content, not by name).
        file: std::path::PathBuf,
        /// Import the valid rows and skip the rows with errors.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Export the directory's cooperatives or listings as CSV or Excel (.xlsx).
    Export {
        /// What to export.
        #[arg(value_enum)]
        kind: imports::KindArg,
        #[arg(long, value_enum, default_value = "csv")]
        format: imports::FormatArg,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// Back up the database and the local media directory into DIR (a new or empty
    /// directory) while the server runs: a consistent snapshot (SQLite `VACUUM INTO`,
    /// PostgreSQL `pg_dump --format=custom`), media, and a manifest with checksums. The
    /// search index is not included (`restore` rebuilds it).
    Backup {
        /// Directory to write the backup into; must not exist or be empty.
        dir: std::path::PathBuf,
        /// Directory holding pg_dump [default: PATH, then /usr/lib/postgresql/<newest>/bin].
        #[arg(long, env = "PG_BIN_DIR")]
        pg_bin_dir: Option<std::path::PathBuf>,
    },
    /// Restore a backup made by `ketnoi backup` into the configured database and media
    /// directory (stop the server first), then rebuild the search index. Checks the
    /// manifest's checksum first; refuses a database that already holds data unless --force.
    Restore {
        /// The backup directory (with manifest.json).
        dir: std::path::PathBuf,
        /// Replace the data already in the database.
        #[arg(long)]
        force: bool,
        /// Directory holding pg_restore [default: PATH, then /usr/lib/postgresql/<newest>/bin].
        #[arg(long, env = "PG_BIN_DIR")]
        pg_bin_dir: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from KETNOI_PASSWORD or standard input.
    Create {
        /// E-mail address or Vietnamese mobile number.
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// user, union-officer or admin.
        #[arg(long, default_value = "user")]
        role: String,
        /// For a Union officer: ward/commune code; omit for city-wide.
        #[arg(long)]
        commune: Option<String>,
    },
}

/// How often the worker looks for unread messages to put into e-mail digests.
const DIGEST_EVERY: Duration = Duration::from_secs(60);

/// The worker's jobs until `stop` turns true: the outbox every 2 s; e-mail digests of unread
/// messages, the orders' confirmation timer and the plan's report reminders every minute.
fn spawn_jobs(
    db: &ketnoi_db::Db,
    config: &Config,
    public_url: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut rx = stop.clone();
    let outbox = tokio::spawn(ketnoi_notify::run(
        db.clone(),
        config.channels()?,
        Duration::from_secs(2),
        async move {
            let _ = rx.wait_for(|s| *s).await;
        },
    ));
    let delay = Duration::from_secs(config.digest_delay_minutes.saturating_mul(60));
    let timer = config.confirm_timer()?;
    let deadlines = config.report_deadlines()?;
    let db = db.clone();
    let mut rx = stop;
    let digests = tokio::spawn(async move {
        loop {
            match ketnoi_app::digest::enqueue_due(&db, &public_url, delay).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "digests queued"),
                Err(e) => tracing::error!(error = %e, "digests failed"),
            }
            let now = chrono::Utc::now();
            match ketnoi_app::order_timer::run_due(&db, &public_url, &timer, now).await {
                Ok(p) if p == ketnoi_app::order_timer::Pass::default() => {}
                Ok(p) => tracing::info!(
                    reminded = p.reminded,
                    escalated = p.escalated,
                    cancelled = p.cancelled,
                    "order timer"
                ),
                Err(e) => tracing::error!(error = %e, "order timer failed"),
            }
            match ketnoi_app::case_notices::run_due(&db, &public_url, now).await {
                Ok(p) if p == ketnoi_app::case_notices::Pass::default() => {}
                Ok(p) => tracing::info!(
                    steps = p.steps,
                    reminded = p.reminded,
                    escalated = p.escalated,
                    messages = p.messages,
                    "case notices"
                ),
                Err(e) => tracing::error!(error = %e, "case notices failed"),
            }
            let today = ketnoi_domain::time::today_hanoi();
            match ketnoi_app::plan_reminders::enqueue_due(&db, today, &deadlines, &public_url).await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "report reminders queued"),
                Err(e) => tracing::error!(error = %e, "report reminders failed"),
            }
            tokio::select! {
                _ = rx.wait_for(|s| *s) => return,
                _ = tokio::time::sleep(DIGEST_EVERY) => {}
            }
        }
    });
    Ok(tokio::spawn(async move {
        let _ = outbox.await;
        let _ = digests.await;
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // object_store's S3 client uses rustls; name its crypto provider once for the process.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    config::init_tracing(&cli.config);
    match cli.command {
        Command::Serve { demo, no_worker } => serve(&cli.config, demo, !no_worker).await,
        Command::Worker => {
            let db = cli.config.database().await?;
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            // An embedded index belongs to the process that serves it: only a search
            // server's index is fed from here.
            let indexer = if cli.config.search_is_embedded() {
                None
            } else {
                let index = cli.config.search_index().await?;
                Some(tokio::spawn(ketnoi_app::search_feed::follow(
                    db.clone(),
                    index,
                    INDEX_EVERY,
                    stop_rx,
                )))
            };
            let public_url = cli.config.site_url();
            let jobs = spawn_jobs(&db, &cli.config, public_url, stop_tx.subscribe())?;
            shutdown_signal().await;
            let _ = stop_tx.send(true);
            let _ = jobs.await;
            if let Some(i) = indexer {
                let _ = i.await;
            }
            db.close().await;
            Ok(())
        }
        Command::SearchEval { verbose } => search::eval(&cli.config, verbose).await,
        Command::Reindex => {
            let db = cli.config.database().await?;
            let index = cli.config.search_index().await?;
            let result = search::reindex(&db, &*index).await;
            db.close().await;
            result
        }
        Command::Migrate => {
            let db = cli.config.database().await?;
            db.close().await;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            demo,
            listings,
            plan_cooperatives,
        } => {
            anyhow::ensure!(demo, "nothing to seed: pass --demo");
            let db = cli.config.database().await?;
            demo::seed(&db, &cli.config.site_url()).await?;
            if let Some(n) = listings {
                let added = ketnoi_db::demo::scale_listings(&db, n).await?;
                tracing::info!(added, total = n, "demo listings copied");
            }
            if let Some(n) = plan_cooperatives {
                let added = ketnoi_db::demo::scale_plan(&db, n).await?;
                tracing::info!(added, total = n, "plan cooperatives and reports added");
            }
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    login,
                    name,
                    role,
                    commune,
                },
        } => {
            let db = cli.config.database().await?;
            let password = match std::env::var("KETNOI_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from stdin")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            demo::create_user(&db, &login, &name, &password, &role, commune.as_deref()).await
        }
        Command::Import {
            kind,
            file,
            skip_invalid,
        } => {
            let db = cli.config.database().await?;
            let result = imports::import(&db, kind.into(), &file, skip_invalid).await;
            db.close().await;
            result
        }
        Command::Backup { dir, pg_bin_dir } => {
            backup::backup(&cli.config, &dir, pg_bin_dir.as_deref()).await
        }
        Command::Restore {
            dir,
            force,
            pg_bin_dir,
        } => backup::restore(&cli.config, &dir, force, pg_bin_dir.as_deref()).await,
        Command::Export {
            kind,
            format,
            output,
        } => {
            let db = cli.config.database().await?;
            let result = imports::export(&db, kind.into(), format.into(), output.as_deref()).await;
            db.close().await;
            result
        }
    }
}

async fn serve(config: &Config, demo: bool, worker: bool) -> anyhow::Result<()> {
    let fd_limit = ketnoi_web::raise_fd_limit();
    let connections = config.connections(fd_limit)?;
    let db: Db = config.database().await?;
    if demo && ketnoi_db::orgs::count(db.conn(), None).await? == 0 {
        demo::seed(&db, &config.site_url()).await?;
    }
    let app_config = config.app_config()?;
    let public_url = app_config.public_url.clone();
    // The embedded index is always fed by this process; a search server's only when this
    // process runs the worker.
    let index = config
        .open_search_index(config.search_is_embedded() || worker)
        .await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // A search server's answers are kept here by the indexer's position (the embedded index
    // keeps its own, by commit).
    let index: std::sync::Arc<dyn ketnoi_search::SearchIndex> =
        if config.search_is_embedded() || config.search_cache_entries == 0 {
            index
        } else {
            let answers = std::sync::Arc::new(ketnoi_search::answers::Answers::new(
                index,
                config.search_cache_entries,
            ));
            tokio::spawn(ketnoi_app::search_feed::publish_position(
                db.clone(),
                answers.clone(),
                std::time::Duration::from_secs(1),
                stop_rx.clone(),
            ));
            answers
        };
    let state = ketnoi_web::AppState::new(db.clone(), config.media()?, index.clone(), app_config);
    let listener = TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    tracing::info!(
        address = %listener.local_addr()?,
        %public_url,
        max_connections = connections.max_connections,
        header_timeout_s = connections.header_timeout.as_secs(),
        idle_timeout_s = connections.idle_timeout.as_secs(),
        "serving"
    );
    // The embedded index is fed here even with --no-worker: no other process can write it.
    let indexer = (worker || config.search_is_embedded()).then(|| {
        tokio::spawn(ketnoi_app::search_feed::follow(
            db.clone(),
            index,
            INDEX_EVERY,
            stop_rx.clone(),
        ))
    });
    let jobs = if worker {
        Some(spawn_jobs(
            &db,
            config,
            public_url.clone(),
            stop_rx.clone(),
        )?)
    } else {
        None
    };
    ketnoi_web::serve_with(listener, state, connections, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await?;
    if let Some(j) = jobs {
        let _ = j.await;
    }
    if let Some(i) = indexer {
        let _ = i.await;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// How often the indexer looks for changes once it is caught up: an edit is searchable
/// within about this long plus one batch.
const INDEX_EVERY: Duration = Duration::from_millis(200);
