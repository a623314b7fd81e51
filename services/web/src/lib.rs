//! Ketnoi over HTTP: one route map ([`routes`]), HTML pages and a JSON API over the same
//! state, extractors that validate before any SQL, one error type rendered two ways, and the
//! authorisation policy in one module.

pub mod accounts;
pub mod api;
mod chart;
pub mod config;
mod context;
pub mod csrf;
mod error;
mod extract;
pub mod map;
mod middleware;
pub mod page_cache;
pub mod pages;
pub mod policy;
pub mod realtime;
pub mod routes;
mod server;
pub mod session;
mod state;
pub mod storage;
mod uploads;
pub mod webhooks;

// Use cases the pages call, under the names the pages have always used.
use ketnoi_app::{i18n, imports, password};

pub use config::AppConfig;
pub use error::{AppError, FieldErrors};
pub use server::{ConnectionConfig, default_max_connections, raise_fd_limit};
pub use state::AppState;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the app on an already-bound listener until `shutdown` completes, then lets
/// requests in flight finish. Tests bind port 0 and pass the listener in. Connections get
/// the default timeouts and limit ([`ConnectionConfig::default`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, ConnectionConfig::default(), shutdown).await
}

/// [`serve`] with connection timeouts and limit of its own. Also watches the storage (see
/// [`storage`]) while it serves.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    connections: ConnectionConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(e) = state.storage.record(&state.db).await {
        tracing::error!(problem = %e, "storage check at start failed");
    }
    let (stop_watch, watch_stopped) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(storage::watch(state.clone(), watch_stopped));
    let app = routes::router(state);
    let result = server::run(listener, app, connections, shutdown).await;
    let _ = stop_watch.send(true);
    let _ = watcher.await;
    result
}
