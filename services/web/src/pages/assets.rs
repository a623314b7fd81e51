//! Static assets, compiled into the binary so one file is the whole deployment.

use axum::http::header;
use axum::response::IntoResponse;

static APP_CSS: &str = include_str!("../../../../web/static/app.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}
