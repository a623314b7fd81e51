//! The middleware stack, in one place. Layers run outermost first for requests, innermost
//! first for responses.

use crate::AppState;
use crate::context::context;
use crate::page_cache::page_cache;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Largest request body accepted (forms and JSON).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest upload form: up to 10 photos of at most 10 MiB would not fit, so photos are
/// added a few at a time; this is the size of one upload request.
pub const UPLOAD_LIMIT: usize = 25 * 1024 * 1024;
/// Webhook deliveries (Stripe's events run to tens of KiB; a refused one would be retried
/// and refused again).
pub const WEBHOOK_LIMIT: usize = 1024 * 1024;

/// The pages' Content-Security-Policy: everything from the site itself, and the base map's
/// tiles when one is configured (`MAP_TILES_URL`; its origin was checked to be a plain host).
fn content_security_policy(state: &AppState) -> HeaderValue {
    const OWN: &str = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    match &state.config.map_tiles {
        Some(t) => HeaderValue::from_str(&OWN.replace(
            "img-src 'self' data:",
            &format!("img-src 'self' data: {}", t.origin),
        ))
        .unwrap_or(HeaderValue::from_static(OWN)),
        None => HeaderValue::from_static(OWN),
    }
}

pub fn stack(app: Router<AppState>, state: AppState) -> Router<AppState> {
    let csp = content_security_policy(&state);
    let layers = ServiceBuilder::new()
        // 1. Every request gets an id (kept if a trusted proxy set one) ...
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // 2. ... which every log line of the request carries ...
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
            }),
        )
        // 3. ... and the response returns.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // 4. A panic becomes a 500, never a dropped connection.
        .layer(CatchPanicLayer::new())
        // 4b. Bodies go compressed (brotli at quality 4, or gzip) to a client that asks:
        //     pages, CSS, JavaScript, JSON and SVG; not images already compressed, nor
        //     live event streams, nor bodies too small to gain (the layer's predicate).
        .layer(CompressionLayer::new().br(true).gzip(true))
        // 5. Slow clients and handlers do not hold a worker forever.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // 6. Pages must not be framed or sniffed.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // 7. Bodies are small: forms and JSON.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // 8. Session, language and CSRF anchor; errors rendered in the visitor's language.
        .layer(axum::middleware::from_fn_with_state(state.clone(), context))
        // 9. Public pages for anonymous visitors from memory; writes invalidate them.
        .layer(axum::middleware::from_fn_with_state(state, page_cache));
    app.layer(layers)
}
