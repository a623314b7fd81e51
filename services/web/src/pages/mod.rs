//! HTML pages. Each page is an askama struct beside its handler; every page embeds a
//! [`Layout`] for the shared header, language switch and footer.

pub mod account;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod b2b;
pub mod cart;
pub mod cases;
pub mod directory;
pub mod error;
pub mod events;
pub mod favourites;
pub mod feeds;
pub mod health;
pub mod home;
pub mod info;
pub mod lang;
pub mod listings;
pub mod manage;
pub mod media;
pub mod messages;
pub mod my;
pub mod network;
pub mod orders;
pub mod orgs;
pub mod password;
pub mod payments;
pub mod plan;
pub mod reports;
pub mod search;
pub mod sourcing;
pub mod trace;
pub mod union;

use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use ketnoi_domain::role::PlatformRole;

// ----- helpers every page uses -----

/// Picks the text in the visitor's language, falling back to Vietnamese.
pub fn localized(locale: ketnoi_domain::Locale, vi: &str, en: Option<&str>) -> String {
    match (locale, en) {
        (ketnoi_domain::Locale::En, Some(en)) if !en.is_empty() => en.to_owned(),
        _ => vi.to_owned(),
    }
}

/// The language of what [`localized`] shows for the same arguments, for the `lang` attribute
/// of the element that holds it: an English page showing content that has no English
/// version marks it Vietnamese (screen readers then read it as Vietnamese).
pub fn localized_lang(locale: ketnoi_domain::Locale, en: Option<&str>) -> &'static str {
    match (locale, en) {
        (ketnoi_domain::Locale::En, Some(en)) if !en.is_empty() => "en",
        _ => "vi",
    }
}

/// The name of a ward/commune by its code (empty when unknown).
pub fn commune_name(code: Option<&str>) -> String {
    code.and_then(ketnoi_domain::admin_units::commune)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// The errors a form shows beside its fields; anything else becomes an error page.
/// A day as forms take it: `2026-12-31` (a date field) or `31/12/2026` (typed by hand).
pub fn parse_day(raw: &str) -> Result<chrono::NaiveDate, crate::error::Msg> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .map_err(|_| crate::error::Msg::new("err-date-invalid"))
}

/// `?saved=…` on a page a form sends back to: say that it was saved.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: String,
}

pub fn form_errors(err: AppError) -> Result<(StatusCode, crate::error::FieldErrors), AppError> {
    let status = err.status();
    match err {
        AppError::Validation(f) | AppError::Conflict(f) => Ok((status, f)),
        AppError::Csrf => Ok((
            status,
            crate::error::FieldErrors::single("_form", crate::error::Msg::new("err-csrf")),
        )),
        AppError::TooManyRequests { retry_after } => Ok((
            status,
            crate::error::FieldErrors::single("_form", crate::error::rate_msg(retry_after)),
        )),
        AppError::Busy { .. } => Ok((
            status,
            crate::error::FieldErrors::single("_form", crate::error::Msg::new("err-busy")),
        )),
        other => Err(other),
    }
}

/// A file to download: its type, its name as saved, and no caching by shared caches.
pub fn attachment(
    content_type: &str,
    file_name: &str,
    body: impl axum::response::IntoResponse,
) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        body,
    )
        .into_response()
}

/// A form that carries nothing but its CSRF token: a button that acts (sign out, remove a
/// member, mark a payout transferred, start paying by card).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub t: Tr,
    pub title: String,
    pub user_name: Option<String>,
    pub is_admin: bool,
    pub is_officer: bool,
    pub csrf: String,
    /// Where the language switch returns to.
    pub path: String,
    /// Unread messages, shown beside "Tin nhắn".
    pub unread: i64,
    /// The header links to "My cooperative" (`/my`): she may own or manage one.
    pub acts_for_orgs: bool,
    /// The header links to the partner desk (`/partner`).
    pub is_partner: bool,
    /// The title's language when it is content in another language than the page's (an
    /// event's Vietnamese name on an English page): `lang` on `<title>` and the heading.
    pub title_lang: &'static str,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: String) -> Layout {
        let role = ctx.user.as_ref().map(|u| u.role);
        Layout {
            t: ctx.tr(),
            title,
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
            is_admin: role == Some(PlatformRole::Admin),
            is_officer: matches!(role, Some(PlatformRole::UnionOfficer | PlatformRole::Admin)),
            csrf: ctx.csrf_token.clone(),
            path: ctx.path.clone(),
            unread: ctx.unread_messages,
            acts_for_orgs: ctx.user.is_some() && ctx.acts_for_orgs,
            is_partner: ctx.user.is_some() && ctx.partner_staff,
            title_lang: "",
        }
    }

    /// A page titled by content: `lang` says the title's language when it differs from the
    /// page's.
    pub fn content_titled(ctx: &Ctx, title: String, lang: &'static str) -> Layout {
        Layout {
            title_lang: if lang == ctx.locale.code() { "" } else { lang },
            ..Layout::new(ctx, title)
        }
    }
    pub fn titled(ctx: &Ctx, key: &str) -> Layout {
        Layout::new(ctx, ctx.tr().get(key))
    }
}

pub fn render(page: &impl Template) -> Result<Response, AppError> {
    render_status(StatusCode::OK, page)
}

pub fn render_status(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    Ok((status, Html(page.render()?)).into_response())
}

/// Rows per page of every paged list, pages and API alike.
pub const PAGE_SIZE: i64 = 30;

/// `(limit, offset)` for a 1-based page: one row more than a page, to tell whether a next
/// page exists without counting.
pub fn page_window(page: i64) -> (i64, i64) {
    (PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
}

/// Cuts the extra row [`page_window`] fetched and says whether there was one.
pub fn split_page<T>(mut rows: Vec<T>) -> (Vec<T>, bool) {
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    (rows, has_next)
}

/// A 303 to `to`, the answer to a successful form post.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// A "come back to" target from user input: only paths on this site.
pub fn local_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if ok { next.to_owned() } else { "/".to_owned() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path("/orgs?kind=htx"), "/orgs?kind=htx");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "orgs",
            "/a\nb",
        ] {
            assert_eq!(super::local_path(bad), "/", "{bad}");
        }
    }
}
