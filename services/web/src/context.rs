//! Who is asking and in which language: the per-request context every handler can extract,
//! built once by [`context`] middleware, which also renders errors in that language.

use crate::error::{AppError, ErrorEnvelope, Rendered};
use crate::session::{self, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
use crate::{AppState, csrf, pages};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use ketnoi_db::users::{SessionUser, User};
use ketnoi_domain::Locale;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: Option<Arc<User>>,
    pub locale: Locale,
    /// Token to embed in every form of this response.
    pub csrf_token: String,
    csrf_anchor: String,
    /// Hash of the live session token, when signed in.
    pub session_hash: Option<String>,
    /// Path and query of this request, for "come back here" links.
    pub path: String,
    pub request_id: Option<String>,
    pub client_ip: IpAddr,
    pub is_api: bool,
    /// Unread messages over the user's conversations, for the header (pages only).
    pub unread_messages: i64,
    /// False only when the session's query found the user belongs to no organisation and
    /// holds no proxy grant: a page may then skip asking for her rights over one.
    pub acts_for_orgs: bool,
    /// Staff of a partner organisation, for the header's link to the partner desk (pages
    /// only; the partner routes check it again in the policy).
    pub partner_staff: bool,
}

impl Ctx {
    pub fn verify_csrf(&self, state: &AppState, submitted: &str) -> bool {
        csrf::verify(
            state.config.secret_key.expose(),
            &self.csrf_anchor,
            submitted,
        )
    }
    /// [`Ctx::verify_csrf`] as a guard: a wrong token is [`AppError::Csrf`] (403, "the form
    /// has expired").
    pub fn require_csrf(&self, state: &AppState, submitted: &str) -> Result<(), AppError> {
        if self.verify_csrf(state, submitted) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
    pub fn tr(&self) -> crate::i18n::Tr {
        crate::i18n::Tr {
            locale: self.locale,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("context middleware not installed")))
    }
}

/// The signed-in user; anonymous visitors get sign-in (pages) or 401 (API).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Arc<User>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        ctx.user.map(CurrentUser).ok_or(AppError::Unauthorized)
    }
}

fn client_ip(state: &AppState, req: &Request) -> IpAddr {
    if state.config.trust_proxy
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

fn negotiate(headers: &HeaderMap, jar: &CookieJar, user: Option<&User>) -> Locale {
    jar.get(LANG_COOKIE)
        .and_then(|c| Locale::from_code(c.value()))
        .or(user.map(|u| u.locale))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// Resolves the session, language and CSRF anchor, runs the handler, then renders any
/// error it returned as HTML or JSON.
pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let is_api = req.uri().path().starts_with("/api/");
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut set_cookies = Vec::new();
    // The header's unread count and whether she acts for an organisation, on pages only
    // (not the API, assets or live connections), read with the session in the same query:
    // a form post that comes back with its errors shows the same header as the form did.
    let wants_unread = !is_api
        && !path.starts_with("/static/")
        && !path.starts_with("/media/")
        && !req.uri().path().ends_with("/live");

    let mut bad_cookie = false;
    let mut user = None;
    let mut session_hash = None;
    let mut unread_messages = 0;
    let mut acts_for_orgs = false;
    let mut partner_staff = false;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        if !session::is_well_formed(c.value()) {
            bad_cookie = true;
            set_cookies.push(session::removal(SESSION_COOKIE));
        } else {
            let hash = session::hash_token(c.value());
            match load_user(&state, &hash, wants_unread).await {
                Ok(Some(found)) => {
                    user = Some(Arc::new(found.user));
                    unread_messages = found.unread;
                    acts_for_orgs = found.acts_for_orgs;
                    partner_staff = found.partner_staff;
                    session_hash = Some(hash);
                }
                Ok(None) => set_cookies.push(session::removal(SESSION_COOKIE)),
                Err(e) => {
                    let locale = negotiate(req.headers(), &jar, None);
                    let e = storage_explains(&state, e).await;
                    return render_error(e, locale, is_api, request_id, &path, None);
                }
            }
        }
    }

    let locale = negotiate(req.headers(), &jar, user.as_deref());
    let csrf_anchor = match jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()) {
        Some(v) if session::is_well_formed(&v) => v,
        _ => match session::random_token() {
            Ok(v) => {
                set_cookies.push(session::cookie(&state, CSRF_COOKIE, v.clone(), 365));
                v
            }
            Err(e) => return render_error(e, locale, is_api, request_id, &path, None),
        },
    };
    let ctx = Ctx {
        unread_messages,
        acts_for_orgs,
        partner_staff,
        user,
        locale,
        csrf_token: csrf::token(state.config.secret_key.expose(), &csrf_anchor),
        csrf_anchor,
        session_hash,
        path: path.clone(),
        request_id: request_id.clone(),
        client_ip: client_ip(&state, &req),
        is_api,
    };

    let changes_state = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    // Every answer refused here is rendered for this visitor, in her language.
    let refuse =
        |e: AppError| render_error(e, locale, is_api, request_id.clone(), &path, Some(&ctx));
    let mut res = if changes_state && !state.storage.is_healthy() {
        refuse(AppError::StorageUnavailable)
    } else if bad_cookie {
        refuse(AppError::BadRequest(crate::error::Msg::new(
            "err-bad-cookie",
        )))
    } else {
        req.extensions_mut().insert(ctx.clone());
        let res = next.run(req).await;
        let failed = res
            .extensions()
            .get::<Rendered>()
            .is_some_and(|Rendered(e)| matches!(**e, AppError::Internal(_)));
        if failed && storage_failing(&state).await {
            refuse(AppError::StorageUnavailable)
        } else {
            finish(res, &ctx)
        }
    };
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The session's user and, when `with_unread`, their unread messages (else 0): one query.
/// An internal error may be the storage failing (the database file deleted, the disk full):
/// checked at once, so the visitor is told her change was not kept (503) rather than shown
/// a server error, and writes are refused from then on without waiting for the next check.
async fn storage_explains(state: &AppState, e: AppError) -> AppError {
    if matches!(e, AppError::Internal(_)) && storage_failing(state).await {
        return AppError::StorageUnavailable;
    }
    e
}

/// Checks the storage now (the background check runs only every few seconds).
async fn storage_failing(state: &AppState) -> bool {
    state
        .storage
        .check(&state.db, &state.config.storage)
        .await
        .is_err()
}

async fn load_user(
    state: &AppState,
    hash: &str,
    with_unread: bool,
) -> Result<Option<SessionUser>, AppError> {
    let (conn, now) = (state.db.conn(), ketnoi_db::now());
    Ok(if with_unread {
        ketnoi_db::users::find_by_session_with_unread(conn, hash, now).await?
    } else {
        ketnoi_db::users::find_by_session(conn, hash, now)
            .await?
            .map(|user| SessionUser {
                user,
                unread: 0,
                // Not asked: assume she may, so nothing is skipped.
                acts_for_orgs: true,
                partner_staff: false,
            })
    })
}

/// Turns an error response (ours, or a bare status from the router) into a rendered one.
fn finish(res: Response, ctx: &Ctx) -> Response {
    let err = match res.extensions().get::<Rendered>() {
        Some(Rendered(e)) => e.clone(),
        None if res.status().is_client_error() || res.status().is_server_error() => {
            if res.headers().contains_key(header::CONTENT_TYPE) {
                return res;
            }
            Arc::new(match res.status() {
                StatusCode::NOT_FOUND => AppError::NotFound,
                StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
                StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
                    AppError::Unavailable
                }
                s if s.is_client_error() => {
                    AppError::BadRequest(crate::error::Msg::new("err-bad-request"))
                }
                _ => AppError::internal(anyhow::anyhow!("unrendered status {}", res.status())),
            })
        }
        None => return res,
    };
    let (parts, _) = res.into_parts();
    let mut rendered = render_arc(
        &err,
        ctx.locale,
        ctx.is_api,
        ctx.request_id.clone(),
        &ctx.path,
        Some(ctx),
    );
    for (name, value) in parts.headers.iter() {
        if name == header::SET_COOKIE || name == header::ALLOW || name == header::RETRY_AFTER {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}

fn render_error(
    err: AppError,
    locale: Locale,
    is_api: bool,
    request_id: Option<String>,
    path: &str,
    ctx: Option<&Ctx>,
) -> Response {
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    render_arc(&Arc::new(err), locale, is_api, request_id, path, ctx)
}

fn render_arc(
    err: &Arc<AppError>,
    locale: Locale,
    is_api: bool,
    request_id: Option<String>,
    path: &str,
    ctx: Option<&Ctx>,
) -> Response {
    let mut res = render_body(err, locale, is_api, request_id, path, ctx);
    if let Some(secs) = err.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

fn render_body(
    err: &Arc<AppError>,
    locale: Locale,
    is_api: bool,
    request_id: Option<String>,
    path: &str,
    ctx: Option<&Ctx>,
) -> Response {
    let status = err.status();
    if is_api {
        return (
            status,
            axum::Json(ErrorEnvelope::new(err, locale, request_id)),
        )
            .into_response();
    }
    if matches!(**err, AppError::Unauthorized) {
        let target = format!(
            "/signin?next={}",
            percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
        );
        return (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
    }
    pages::error::render(err, locale, request_id, ctx)
}
