//! The HTML error page, and the fallback for unknown URLs.

use super::Layout;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::{self, Tr};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ketnoi_domain::Locale;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
    fields: Vec<(String, Vec<String>)>,
    request_id: Option<String>,
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub(crate) fn render(
    err: &Arc<AppError>,
    locale: Locale,
    request_id: Option<String>,
    ctx: Option<&Ctx>,
) -> Response {
    let (title_key, _) = err.message_keys();
    let title = i18n::t(locale, title_key);
    let layout = match ctx {
        Some(ctx) => Layout {
            title: title.clone(),
            ..Layout::new(ctx, title)
        },
        None => Layout {
            t: Tr { locale },
            title,
            user_name: None,
            is_admin: false,
            is_officer: false,
            csrf: String::new(),
            path: "/".to_owned(),
            unread: 0,
            acts_for_orgs: false,
            is_partner: false,
            title_lang: "",
        },
    };
    let message = err.message(locale);
    let fields = err
        .fields()
        .map(|f| {
            f.0.keys()
                .map(|k| (k.clone(), f.for_field(k, locale)))
                .collect()
        })
        .unwrap_or_default();
    let page = ErrorPage {
        layout,
        status: err.status().as_u16(),
        message,
        fields,
        request_id,
    };
    match page.render() {
        Ok(html) => (err.status(), Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response()
        }
    }
}
