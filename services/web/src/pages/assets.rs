//! Static assets, compiled into the binary so one file is the whole deployment.

use axum::http::header;
use axum::response::IntoResponse;

static APP_CSS: &str = include_str!("../../../../web/static/app.css");

static SEARCH_JS: &str = include_str!("../../../../web/static/search.js");
static CHAT_JS: &str = include_str!("../../../../web/static/chat.js");
static CARD_JS: &str = include_str!("../../../../web/static/card.js");
static SHARE_JS: &str = include_str!("../../../../web/static/share.js");
static PICK_JS: &str = include_str!("../../../../web/static/pick.js");
static SCAN_JS: &str = include_str!("../../../../web/static/scan.js");

/// The place picker on the cooperative's profile form.
pub async fn pick_script() -> impl IntoResponse {
    script(PICK_JS)
}

/// The check-in desk's camera scanner, where the browser can read QR codes.
pub async fn scan_script() -> impl IntoResponse {
    script(SCAN_JS)
}

/// The share button's use of the phone's share sheet.
pub async fn share_script() -> impl IntoResponse {
    script(SHARE_JS)
}

/// The card page's Stripe.js glue.
pub async fn card_script() -> impl IntoResponse {
    script(CARD_JS)
}

/// The conversation page's live updates.
pub async fn chat_script() -> impl IntoResponse {
    script(CHAT_JS)
}

pub async fn search_script() -> impl IntoResponse {
    script(SEARCH_JS)
}

/// A script of ours, cached for an hour.
fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}
