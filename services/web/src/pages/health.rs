//! Liveness and readiness for load balancers and orchestrators.

use crate::AppState;
use crate::error::AppError;
use axum::extract::State;

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can do its job: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    match state.db.ping().await {
        Ok(()) => Ok("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            Err(AppError::Unavailable)
        }
    }
}
