//! Liveness and readiness for load balancers and orchestrators.

use crate::AppState;
use crate::error::AppError;
use axum::extract::State;

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can do its job: the database takes a write, a SQLite file is still the one
/// the server opened, the data directory's disk has room (see [`crate::storage`]), and the
/// search index answers (Meilisearch's health).
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    if let Err(e) = state.storage.check(&state.db, &state.config.storage).await {
        tracing::warn!(problem = %e, "not ready");
        return Err(AppError::StorageUnavailable);
    }
    if let Err(e) = state.search.health().await {
        tracing::warn!(problem = %e, "not ready: search");
        return Err(AppError::SearchUnavailable);
    }
    Ok("ready")
}
