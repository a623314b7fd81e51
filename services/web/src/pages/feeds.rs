//! Product feeds for shopping platforms (issue 21): every cooperative's goods, or one
//! cooperative's, as Google Merchant Center XML or TSV and as a Meta catalogue CSV.
//!
//! A feed is streamed: the store is read a batch at a time ([`feeds::BATCH`] listings after
//! the last id) only when the client has taken the previous batch, so memory stays the same
//! for any catalogue and a slow reader holds no database connection between batches. The
//! `ETag` is the catalogue's version ([`feeds::catalogue_version`]): a platform that fetches
//! again with `If-None-Match` gets a 304 until a listing, an offer, a photo, a GTIN or a
//! cooperative changes. A database error mid-stream is logged and ends the connection
//! without the closing bytes, so a reader never takes a cut feed for a whole one.

use crate::AppState;
use crate::error::AppError;
use crate::extract::PathSlug;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_app::i18n::{t, t_args};
use ketnoi_db::{Db, feeds, orgs};
use ketnoi_domain::Locale;
use ketnoi_domain::feed::{self, Channel, Format, Item};

/// Platforms fetch a feed a few times a day; five minutes spares repeated fetches without
/// showing a change late for long.
const CACHE_CONTROL: &str = "public, max-age=300";

/// `/feeds/{file}`: the goods of every cooperative.
pub async fn show_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let format = Format::from_file(&file).ok_or(AppError::NotFound)?;
    let title = t(Locale::Vi, "feeds-channel-title");
    answer(&state, &headers, format, None, title).await
}

/// `/orgs/{slug}/feeds/{file}`: the goods of one cooperative.
pub async fn show_org_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathSlug(slug): PathSlug,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let format = Format::from_file(&file).ok_or(AppError::NotFound)?;
    let org = orgs::find_by_slug(state.db.conn(), &slug)
        .await?
        .filter(|o| o.kind.is_cooperative())
        .ok_or(AppError::NotFound)?;
    let title = t_args(Locale::Vi, "feeds-channel-org", &[("name", org.name)]);
    answer(&state, &headers, format, Some(org.id), title).await
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
    org_id: Option<i64>,
    title: String,
) -> Result<Response, AppError> {
    let site = state.config.public_url.trim_end_matches('/').to_owned();
    let version = feeds::catalogue_version(state.db.conn()).await?;
    let etag = etag(version, &site);
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, CACHE_CONTROL.to_owned()),
    ];
    if matches_etag(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let head = feed::head(
        format,
        &Channel {
            title: &title,
            link: &site,
            description: &t(Locale::Vi, "feeds-channel-description"),
        },
    )
    .map_err(AppError::internal)?;
    let stream = items(Walk {
        db: state.db.clone(),
        org_id,
        format,
        site,
        head: Some(head),
        after: Some(0),
    });
    let mut res = (cache, Body::from_stream(stream)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(res)
}

/// A weak tag (the body may be sent compressed): the feed's text revision, the catalogue's
/// version and the public address its links are under.
fn etag(version: i64, site: &str) -> String {
    use sha2::Digest;
    let site = sha2::Sha256::digest(site.as_bytes());
    format!(
        "W/\"kn-feed-{}-{version}-{}\"",
        feed::FORMAT_REVISION,
        hex::encode(&site[..4])
    )
}

/// Whether `If-None-Match` names this tag (compared weakly, as RFC 9110 asks for it) or is
/// `*`.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// Where a feed being sent has got to.
struct Walk {
    db: Db,
    org_id: Option<i64>,
    format: Format,
    site: String,
    /// The prologue or header row, until sent.
    head: Option<Vec<u8>>,
    /// The last listing id sent; `None` once the closing bytes are.
    after: Option<i64>,
}

/// The feed's bytes: the head, then one chunk per batch that holds an item, then the tail.
fn items(walk: Walk) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::try_unfold(walk, |mut w| async move {
        if let Some(head) = w.head.take() {
            return Ok(Some((Bytes::from(head), w)));
        }
        // A batch whose listings all lack a photo writes nothing; read on rather than send an
        // empty chunk.
        while let Some(after) = w.after {
            let rows = feeds::batch(w.db.conn(), w.org_id, after, feeds::BATCH)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, after, "product feed: reading a batch failed");
                    std::io::Error::other(e)
                })?;
            let mut out = Vec::with_capacity(rows.len() * 900);
            let items: Vec<Item> = rows.iter().filter_map(|l| Item::of(l, &w.site)).collect();
            feed::write_items(w.format, &items, &mut out)?;
            w.after = rows.last().map(|l| l.id);
            if (rows.len() as i64) < feeds::BATCH {
                out.extend_from_slice(feed::tail(w.format));
                w.after = None;
            }
            if !out.is_empty() {
                return Ok(Some((Bytes::from(out), w)));
            }
        }
        Ok(None)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        h
    }

    #[test]
    fn if_none_match_is_compared_weakly_among_several_tags() {
        let tag = etag(12, "https://ketnoi.example");
        assert!(tag.starts_with("W/\"kn-feed-"));
        assert!(matches_etag(&with(&tag), &tag));
        assert!(matches_etag(&with(tag.trim_start_matches("W/")), &tag));
        assert!(matches_etag(&with(&format!("\"x\", {tag}")), &tag));
        assert!(matches_etag(&with("*"), &tag));
        assert!(!matches_etag(&HeaderMap::new(), &tag));
        assert!(!matches_etag(
            &with(&etag(13, "https://ketnoi.example")),
            &tag
        ));
        assert!(!matches_etag(
            &with(&etag(12, "https://other.example")),
            &tag
        ));
    }
}
