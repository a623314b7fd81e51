//! The WebSockets of open pages (a conversation's, the inbox): refused from another site's
//! page, with small buffers; what they carry is served by [`crate::realtime`].

use super::conversation_for;
use crate::context::CurrentUser;
use crate::error::AppError;
use crate::extract::{PathId, Query};
use crate::{AppState, realtime};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;

/// Read and write buffer of a live connection. Pages send nothing but closes and pings, and
/// a frame is one message (at most a few KiB): tungstenite's default of 128 KiB each would
/// cost about 130 KiB per open page (measured: 1.36 GiB for 10,000 connections).
const SOCKET_BUFFER: usize = 4096;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// The last message number the client has.
    #[serde(default)]
    pub after: i64,
}

/// Whether a WebSocket handshake comes from a page of this site: browsers always send
/// `Origin`, so another site's page cannot open a connection with the visitor's cookies.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    host.is_some() && origin_host == host
}

/// A live page's WebSocket upgrade: refused from another site's page; small buffers and
/// frames (pages send nothing but pings and closes).
fn live_upgrade(headers: &HeaderMap, ws: WebSocketUpgrade) -> Result<WebSocketUpgrade, AppError> {
    if !same_origin(headers) {
        return Err(AppError::Forbidden);
    }
    Ok(ws
        .max_message_size(SOCKET_BUFFER)
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER))
}

/// `GET /conversations/live`: the WebSocket of an open inbox page.
pub async fn live_inbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let ws = live_upgrade(&headers, ws)?;
    let (db, hub) = (state.db.clone(), state.hub.clone());
    Ok(ws.on_upgrade(move |socket| realtime::serve_inbox(socket, db, hub, user.id)))
}

/// `GET /conversations/{id}/live?after=n`: the WebSocket of an open conversation page.
pub async fn live(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Query(q): Query<LiveQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let ws = live_upgrade(&headers, ws)?;
    let c = conversation_for(&state, id, user.id).await?;
    let (db, hub) = (state.db.clone(), state.hub.clone());
    let after = q.after.max(0);
    Ok(ws.on_upgrade(move |socket| realtime::serve_socket(socket, db, hub, c.id, after)))
}
