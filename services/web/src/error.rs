//! One error type for every handler. Its response carries the error itself; the context
//! middleware renders it as an HTML page or as the JSON envelope, in the visitor's language.
//! Causes of internal errors are logged with the request id and never shown.

use crate::i18n;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnoi_domain::Locale;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use ketnoi_app::error::{FieldErrors, Msg};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request")]
    BadRequest(Msg),
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// The form's CSRF token is missing or wrong (a stale page, or another site posting).
    #[error("csrf token rejected")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict")]
    Conflict(FieldErrors),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("validation failed")]
    Validation(FieldErrors),
    /// This client asked too often; it may try again after `retry_after` seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("service unavailable")]
    Unavailable,
    /// The server is at capacity for this kind of work (password hashing, image decoding);
    /// try again after `retry_after` seconds.
    #[error("server busy")]
    Busy { retry_after: u64 },
    /// The storage cannot keep a change right now (database file gone, disk full): the
    /// request is refused rather than accepted and lost.
    #[error("storage unavailable")]
    StorageUnavailable,
    /// The search service cannot be reached (Meilisearch down): the rest of the site works.
    #[error("search unavailable")]
    SearchUnavailable,
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

/// What a page says to wait when the search service is down.
pub const SEARCH_RETRY_AFTER_SECONDS: u64 = 30;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable
            | AppError::Busy { .. }
            | AppError::StorageUnavailable
            | AppError::SearchUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for the API envelope.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Validation(_) => "validation",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Unavailable => "unavailable",
            AppError::Busy { .. } => "busy",
            AppError::StorageUnavailable => "storage_unavailable",
            AppError::SearchUnavailable => "search_unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The Fluent keys of the title and explanation shown to people.
    pub fn message_keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::BadRequest(_) => ("err-bad-request-title", "err-bad-request"),
            AppError::Unauthorized => ("err-unauthorized-title", "err-unauthorized"),
            AppError::Forbidden => ("err-forbidden-title", "err-forbidden"),
            AppError::Csrf => ("err-forbidden-title", "err-csrf"),
            AppError::NotFound => ("err-not-found-title", "err-not-found"),
            AppError::MethodNotAllowed => ("err-method-title", "err-method"),
            AppError::Conflict(_) => ("err-conflict-title", "err-conflict"),
            AppError::PayloadTooLarge => ("err-too-large-title", "err-too-large"),
            AppError::UnsupportedMediaType => ("err-media-type-title", "err-media-type"),
            AppError::Validation(_) => ("err-validation-title", "err-validation"),
            AppError::TooManyRequests { .. } => ("err-rate-title", "err-rate"),
            AppError::Unavailable => ("err-unavailable-title", "err-unavailable"),
            AppError::Busy { .. } => ("err-unavailable-title", "err-busy"),
            AppError::StorageUnavailable => ("err-unavailable-title", "err-storage-unavailable"),
            AppError::SearchUnavailable => ("err-unavailable-title", "err-search-unavailable"),
            AppError::Internal(_) => ("err-internal-title", "err-internal"),
        }
    }

    /// Seconds to wait before trying again, sent as `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } | AppError::Busy { retry_after } => {
                Some(*retry_after)
            }
            AppError::StorageUnavailable => Some(crate::storage::RETRY_AFTER_SECONDS),
            AppError::SearchUnavailable => Some(SEARCH_RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    /// A refusal that asks to come back after `wait` (rounded up to whole seconds, at least 1).
    pub fn too_many(wait: std::time::Duration) -> AppError {
        AppError::TooManyRequests {
            retry_after: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(f) | AppError::Conflict(f) => Some(f),
            _ => None,
        }
    }

    /// The explanation shown to people, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::BadRequest(m) => m.render(locale),
            AppError::TooManyRequests { retry_after } => rate_msg(*retry_after).render(locale),
            other => i18n::t(locale, other.message_keys().1),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }
}

/// "Wait N seconds" (or minutes, for long waits).
pub fn rate_msg(retry_after: u64) -> Msg {
    if retry_after >= 120 {
        Msg {
            key: "err-rate-minutes",
            args: vec![("minutes", retry_after.div_ceil(60).to_string())],
        }
    } else {
        Msg {
            key: "err-rate-seconds",
            args: vec![("seconds", retry_after.to_string())],
        }
    }
}

impl From<ketnoi_db::DbError> for AppError {
    fn from(e: ketnoi_db::DbError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<ketnoi_app::Error> for AppError {
    fn from(e: ketnoi_app::Error) -> Self {
        use ketnoi_app::Error as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Forbidden => AppError::Forbidden,
            E::Validation(f) => AppError::Validation(f),
            E::Conflict(f) => AppError::Conflict(f),
            E::Db(e) => AppError::Internal(e.into()),
            E::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<ketnoi_app::password::Error> for AppError {
    fn from(e: ketnoi_app::password::Error) -> Self {
        use ketnoi_app::password::Error as E;
        match e {
            E::Busy => AppError::Busy {
                retry_after: E::RETRY_AFTER_SECS,
            },
            E::Internal(cause) => AppError::Internal(anyhow::anyhow!(cause)),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// The error travels inside the response to the middleware that knows how to render it.
#[derive(Clone)]
pub(crate) struct Rendered(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut res = self.status().into_response();
        if let Some(secs) = self.retry_after() {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res.extensions_mut().insert(Rendered(Arc::new(self)));
        res
    }
}

/// The JSON error envelope, the same for every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `validation`, `not_found`.
    pub code: String,
    /// Explanation in the request's language.
    pub message: String,
    /// Messages per field, in the request's language.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Vec<FieldMessage>>,
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub code: String,
    pub message: String,
}

impl ErrorEnvelope {
    pub fn new(err: &AppError, locale: Locale, request_id: Option<String>) -> ErrorEnvelope {
        let message = err.message(locale);
        let fields = err
            .fields()
            .map(|f| {
                f.0.iter()
                    .map(|(k, msgs)| {
                        let list = msgs
                            .iter()
                            .map(|m| FieldMessage {
                                code: m.key.to_owned(),
                                message: m.render(locale),
                            })
                            .collect();
                        (k.clone(), list)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ErrorEnvelope {
            error: ErrorBody {
                code: err.code().to_owned(),
                message,
                fields,
                request_id,
            },
        }
    }
}
