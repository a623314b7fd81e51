//! Ketnoi over HTTP: one route map ([`routes`]), HTML pages and a JSON API over the same
//! state, extractors that validate before any SQL, one error type rendered two ways, and the
//! authorisation policy in one module.

pub mod accounts;
pub mod api;
pub mod config;
mod context;
pub mod csrf;
mod error;
mod extract;
mod middleware;
pub mod page_cache;
pub mod pages;
pub mod policy;
pub mod realtime;
pub mod routes;
pub mod session;
mod state;
mod uploads;
pub mod webhooks;

// Use cases the pages call, under the names the pages have always used.
use ketnoi_app::{i18n, imports, password};

pub use config::AppConfig;
pub use error::{AppError, FieldErrors};
pub use state::AppState;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the app on an already-bound listener until `shutdown` completes, then lets
/// requests in flight finish. Tests bind port 0 and pass the listener in.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = routes::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
