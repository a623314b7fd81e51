//! Body extractors that turn every malformed input into a 4xx with field errors: wrong
//! content type, bodies over the limit, invalid UTF-8, wrong types and missing fields.

use crate::error::{AppError, FieldErrors, Msg};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

fn content_type_is(req: &Request, expected: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

/// The body, if it has the expected content type and fits the body limit.
async fn body_of_type<S: Send + Sync>(
    req: Request,
    state: &S,
    content_type: &str,
) -> Result<Bytes, AppError> {
    if !content_type_is(&req, content_type) {
        return Err(AppError::UnsupportedMediaType);
    }
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(Msg::new("err-bad-request"))
        }
    })
}

/// An `application/x-www-form-urlencoded` body. Form structs should take every field as a
/// `String` with `#[serde(default)]` and validate in the handler, so users see field errors.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_of_type(req, state, "application/x-www-form-urlencoded").await?;
        let mut errors = FieldErrors::default();
        for pair in bytes.split(|b| *b == b'&') {
            let mut kv = pair.splitn(2, |b| *b == b'=');
            let key = decode(kv.next().unwrap_or_default());
            let value = decode(kv.next().unwrap_or_default());
            match (key, value) {
                (Ok(_), Ok(_)) => {}
                (Ok(k), Err(())) => errors.add(&k, Msg::new("err-encoding")),
                (Err(()), _) => errors.add("_form", Msg::new("err-encoding")),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|e| {
            AppError::Validation(FieldErrors::single("_form", serde_msg(&e.to_string())))
        })
    }
}

fn decode(raw: &[u8]) -> Result<String, ()> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&plus)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ())
}

fn serde_msg(detail: &str) -> Msg {
    Msg {
        key: "err-invalid-value",
        args: vec![("detail", detail.chars().take(200).collect())],
    }
}

/// A JSON body. Type errors and missing fields come back as field errors naming the field.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_of_type(req, state, "application/json").await?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(Json(v)),
            Err(e) => {
                let inner = e.inner();
                if inner.is_syntax() || inner.is_eof() {
                    return Err(AppError::BadRequest(Msg::new("err-json-syntax")));
                }
                let message = inner.to_string();
                let path = e.path().to_string();
                let field = if let Some(rest) = message.strip_prefix("missing field `") {
                    rest.split('`').next().unwrap_or("_body").to_owned()
                } else if path == "." {
                    "_body".to_owned()
                } else {
                    path
                };
                let msg = if message.starts_with("missing field") {
                    Msg::new("err-required")
                } else {
                    serde_msg(message.split(" at line").next().unwrap_or(&message))
                };
                Err(AppError::Validation(FieldErrors::single(&field, msg)))
            }
        }
    }
}

/// A numeric id from the path; anything else is a 404, not a 400 or 500.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_number(parts, state, |k| k.ends_with("id"))
            .await
            .map(PathId)
    }
}

/// The `{user_id}` of a path that also has an `{id}`; anything else is a 404.
#[derive(Debug, Clone, Copy)]
pub struct PathUserId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathUserId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_number(parts, state, |k| k == "user_id")
            .await
            .map(PathUserId)
    }
}

/// A message's number (`{seq}`) in the path; anything else is a 404.
#[derive(Debug, Clone, Copy)]
pub struct PathSeq(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathSeq {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_number(parts, state, |k| k == "seq").await.map(PathSeq)
    }
}

/// A reporting period (`2026-h1`, `2026-y`) of the plan's years up to this one, in the path;
/// anything else is a 404.
#[derive(Debug, Clone, Copy)]
pub struct PathPeriod(pub ketnoi_domain::report::Period);

impl<S: Send + Sync> FromRequestParts<S> for PathPeriod {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        params
            .iter()
            .find(|(k, _)| *k == "period")
            .and_then(|(_, v)| ketnoi_domain::report::Period::parse(v))
            // Nobody reports on a year that has not begun.
            .filter(|p| p.year <= chrono::Datelike::year(&ketnoi_domain::time::today_hanoi()))
            .map(PathPeriod)
            .ok_or(AppError::NotFound)
    }
}

/// The positive number in the path parameter `wanted` picks.
async fn path_number<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    wanted: impl Fn(&str) -> bool,
) -> Result<i64, AppError> {
    let params = axum::extract::RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    params
        .iter()
        .find(|(k, _)| wanted(k))
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or(AppError::NotFound)
}

/// A slug from the path: lower-case ASCII letters, digits and dashes, at most 120 long.
#[derive(Debug, Clone)]
pub struct PathSlug(pub String);

pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 120
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl<S: Send + Sync> FromRequestParts<S> for PathSlug {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        params
            .iter()
            .find(|(k, _)| *k == "slug")
            .map(|(_, v)| v.to_owned())
            .filter(|v| valid_slug(v))
            .map(PathSlug)
            .ok_or(AppError::NotFound)
    }
}

/// Query strings that do not parse are a 400 with the reason, never a 500.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q).map(Query).map_err(|e| {
            AppError::Validation(FieldErrors::single("_query", serde_msg(&e.to_string())))
        })
    }
}

/// A `multipart/form-data` body (uploads); anything else is a 415, a broken one a 400.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "multipart/form-data") {
            return Err(AppError::UnsupportedMediaType);
        }
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|_| AppError::BadRequest(Msg::new("err-bad-request")))
    }
}
