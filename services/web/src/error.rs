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
    #[error("too many requests")]
    TooManyRequests,
    #[error("service unavailable")]
    Unavailable,
    /// The storage cannot keep a change right now (database file gone, disk full): the
    /// request is refused rather than accepted and lost.
    #[error("storage unavailable")]
    StorageUnavailable,
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

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
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable | AppError::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
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
            AppError::TooManyRequests => "too_many_requests",
            AppError::Unavailable => "unavailable",
            AppError::StorageUnavailable => "storage_unavailable",
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
            AppError::TooManyRequests => ("err-rate-title", "err-rate"),
            AppError::Unavailable => ("err-unavailable-title", "err-unavailable"),
            AppError::StorageUnavailable => ("err-unavailable-title", "err-storage-unavailable"),
            AppError::Internal(_) => ("err-internal-title", "err-internal"),
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
            other => i18n::t(locale, other.message_keys().1),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
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
        if matches!(self, AppError::StorageUnavailable) {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(crate::storage::RETRY_AFTER_SECONDS),
            );
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
