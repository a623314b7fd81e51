//! Liveness and readiness for load balancers and orchestrators.

use crate::AppState;
use crate::error::AppError;
use axum::extract::State;

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can do its job: the database takes a write, a SQLite file is still the one
/// the server opened, and the data directory's disk has room (see [`crate::storage`]).
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    match state.storage.check(&state.db, &state.config.storage).await {
        Ok(()) => Ok("ready"),
        Err(e) => {
            tracing::warn!(problem = %e, "not ready");
            Err(AppError::StorageUnavailable)
        }
    }
}
