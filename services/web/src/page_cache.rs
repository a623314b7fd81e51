//! A short-lived cache of the public catalogue pages as anonymous visitors see them.
//!
//! The directory, profiles, listings, categories and events read the same rows for every
//! visitor who is not signed in, so their HTML is kept for [`AppConfig::page_cache_ttl`]
//! (10 s by default) and served from memory. What makes it safe:
//!
//! - **Only anonymous `GET`s of catalogue paths** ([`CACHED_PREFIXES`]) are cached, and only
//!   `200 text/html` answers that set no cookie. Signed-in visitors, the API, forms and
//!   errors always run the handler.
//! - **The key is the language and the whole path with its query.** Memory is bounded by
//!   bytes ([`MAX_BYTES`]); rarely used pages are evicted first.
//! - **The CSRF token is not cached.** A page is stored with its token replaced by a
//!   marker, and the marker is replaced by the visitor's own token when served.
//! - **Writes invalidate.** Every successful state-changing request (`POST`, `PUT`, `PATCH`,
//!   `DELETE` answered below 400), and every finished import, moves the cache to a new
//!   generation, so this instance never serves a page older than its last write. Writes
//!   on *other* instances, by the command line, and badges that expire show within the TTL.
//! - **One render per page.** When many visitors ask for the same missing page at once,
//!   one request renders it and the others wait for that result.
//!
//! [`AppConfig::page_cache_ttl`]: crate::AppConfig::page_cache_ttl

use crate::AppState;
use crate::context::Ctx;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ketnoi_domain::Locale;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Paths whose anonymous `GET` answers are cached (the path itself or below it).
pub const CACHED_PREFIXES: &[&str] = &["/orgs", "/listings", "/categories", "/events"];

/// At most this much HTML is kept.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Stands for the visitor's CSRF token in a stored page.
const CSRF_MARKER: &str = "__ketnoi_csrf_token__";

/// Larger pages are sent but not kept (none comes near it; the target is 60 KB).
const MAX_PAGE: usize = 512 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    locale: Locale,
    path: String,
}

/// The cache. Cheap to share: it lives in the app state.
pub struct PageCache {
    pages: Option<moka::future::Cache<Key, Bytes>>,
    generation: AtomicU64,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("enabled", &self.pages.is_some())
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish()
    }
}

impl PageCache {
    /// A cache keeping pages for `ttl`; a zero `ttl` turns it off.
    pub fn new(ttl: Duration) -> PageCache {
        let pages = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(MAX_BYTES)
                .weigher(|k: &Key, v: &Bytes| {
                    u32::try_from(k.path.len() + v.len()).unwrap_or(u32::MAX)
                })
                .build()
        });
        PageCache {
            pages,
            generation: AtomicU64::new(0),
        }
    }

    /// Forgets every cached page (they become unreachable and age out).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The generation: it moves on every write this instance takes, so anything keyed by it
    /// (the trace pages' read model too) is never older than the last write.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn key(&self, ctx: &Ctx) -> Key {
        Key {
            generation: self.generation.load(Ordering::Acquire),
            locale: ctx.locale,
            path: ctx.path.clone(),
        }
    }
}

fn is_cached_path(path: &str) -> bool {
    CACHED_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn is_write(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// An answer that may be stored: a full page, the same for every anonymous visitor.
fn storable(res: &Response) -> bool {
    res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
}

/// Says whether a cacheable page came from memory (`hit`) or was rendered (`miss`).
pub const X_CACHE: &str = "x-cache";

fn page(body: &Bytes, csrf: &str, hit: bool) -> Response {
    let html = String::from_utf8_lossy(body).replace(CSRF_MARKER, csrf);
    let mut res = (StatusCode::OK, Body::from(html)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        X_CACHE,
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    res
}

/// Why a request did not get a stored page: the rendered answer could not be stored
/// (the renderer keeps it), or the renderer failed to read its body.
struct NotStored(std::sync::Mutex<Option<Response>>);

/// Middleware: serves and fills the cache; inside [`crate::context::context`], whose
/// [`Ctx`] it reads, and outside routing and authorisation.
pub async fn page_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    if is_write(req.method()) {
        let res = next.run(req).await;
        if res.status().as_u16() < 400 {
            cache.invalidate();
        }
        return res;
    }
    let ctx = req.extensions().get::<Ctx>().cloned();
    let (Some(pages), Some(ctx)) = (&cache.pages, ctx) else {
        return next.run(req).await;
    };
    if req.method() != Method::GET
        || ctx.user.is_some()
        || ctx.is_api
        || !is_cached_path(req.uri().path())
    {
        return next.run(req).await;
    }

    let key = cache.key(&ctx);
    // The handler runs at most once per key at a time: `try_get_with` runs only one of the
    // waiting renderers. `slot` tells whether ours ran, and keeps the request if it did not.
    let mut slot = Some((req, next));
    let rendered = pages
        .try_get_with(key, async {
            let Some((req, next)) = slot.take() else {
                return Err(NotStored(std::sync::Mutex::new(None)));
            };
            let res = next.run(req).await;
            if !storable(&res) {
                return Err(NotStored(std::sync::Mutex::new(Some(res))));
            }
            let (parts, body) = res.into_parts();
            match axum::body::to_bytes(body, usize::MAX).await {
                Ok(b) if b.len() <= MAX_PAGE => {
                    let html = String::from_utf8_lossy(&b).replace(&ctx.csrf_token, CSRF_MARKER);
                    Ok(Bytes::from(html))
                }
                Ok(b) => Err(NotStored(std::sync::Mutex::new(Some(
                    Response::from_parts(parts, Body::from(b)),
                )))),
                Err(e) => {
                    tracing::error!(error = %e, "could not read a rendered page");
                    Err(NotStored(std::sync::Mutex::new(None)))
                }
            }
        })
        .await;
    match rendered {
        // `slot` is empty when this request rendered the page itself.
        Ok(body) => page(&body, &ctx.csrf_token, slot.is_some()),
        Err(not_stored) => match slot {
            // Another request rendered, and its page could not be stored: render our own.
            Some((req, next)) => next.run(req).await,
            // Ours rendered and cannot be stored: send it as it is.
            None => not_stored
                .0
                .lock()
                .ok()
                .and_then(|mut r| r.take())
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_catalogue_paths_are_cached() {
        for p in [
            "/orgs",
            "/orgs/map",
            "/orgs/htx-a",
            "/listings/12",
            "/categories/thu-cong",
            "/events",
        ] {
            assert!(is_cached_path(p), "{p}");
        }
        for p in [
            "/",
            "/orgsx",
            "/signin",
            "/account",
            "/api/v1/listings",
            "/union",
            "/media/img/a",
        ] {
            assert!(!is_cached_path(p), "{p}");
        }
    }
}
