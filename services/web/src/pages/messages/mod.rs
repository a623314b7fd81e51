//! Conversations: a buyer's inquiry from a listing page, the inbox, a conversation's page
//! (which works by posting the form and reloading, and becomes live with `chat.js`), and the
//! live connection itself (see [`crate::realtime`]).
//!
//! Who may see a conversation is decided per conversation by
//! [`ketnoi_db::messaging::get_for`] (its `participating!` rule): its members and the owners
//! and managers of its cooperative. Anyone else gets "not found", so ids reveal nothing.
//!
//! This file holds what the parts share (the message form, checking a message's text,
//! finding the conversation for its participant, storing a message within the limits); the
//! handlers live in `conversation` (the inbox, a conversation's page, posting, inquiries),
//! `actions` (edit, delete, report), `live` (the WebSockets), `search` and `attachments`
//! (pictures), and are re-exported here.

mod actions;
mod attachments;
mod conversation;
mod live;
mod search;

pub use actions::{ReportForm, delete_message, edit_form, edit_message, report_message};
pub use attachments::{AttachmentQuery, post_attachment, show_attachment};
pub use conversation::{
    InboxRow, MessageView, ShowQuery, confirm, create_inquiry, mark_read, post_message,
    show_conversation, show_inbox,
};
pub use live::{LiveQuery, live, live_inbox};
pub use search::{FoundView, SearchQuery, search_messages};

use crate::context::Ctx;
use crate::error::{AppError, FieldErrors};
use crate::{AppState, realtime};
use axum::http::StatusCode;
use ketnoi_db::messaging::{self, Conversation, Message};
use ketnoi_db::network;
use ketnoi_domain::text::TextError;
use serde::Deserialize;

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub body: String,
    /// The message this one answers (0: none).
    #[serde(default)]
    pub reply_to: i64,
}

/// Checks a message's text (a message, an announcement): NFC, trimmed, not empty, at most
/// [`MAX_MESSAGE_CHARS`].
pub(crate) fn message_text(raw: &str) -> Result<String, TextError> {
    ketnoi_domain::text::optional_block(raw, MAX_MESSAGE_CHARS)?.ok_or(TextError::Required)
}

fn message_body(raw: &str) -> Result<String, FieldErrors> {
    message_text(raw).map_err(|e| FieldErrors::single("body", e))
}

/// The conversation, if `user_id` takes part in it; otherwise "not found".
async fn conversation_for(
    state: &AppState,
    id: i64,
    user_id: i64,
) -> Result<Conversation, AppError> {
    messaging::get_for(state.db.conn(), id, user_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A form post about a conversation: the CSRF token checked, then the conversation, if
/// `user_id` takes part in it.
async fn posted_to(
    state: &AppState,
    ctx: &Ctx,
    csrf: &str,
    id: i64,
    user_id: i64,
) -> Result<Conversation, AppError> {
    ctx.require_csrf(state, csrf)?;
    conversation_for(state, id, user_id).await
}

/// Why a message was not stored.
enum Refused {
    /// Over the rate limit.
    TooMany,
    /// The other side of a one-to-one conversation has blocked the sender.
    Blocked,
    Error(AppError),
}

impl Refused {
    /// The status and the message a page shows for a refusal.
    fn explained(&self) -> (StatusCode, &'static str) {
        match self {
            Refused::Blocked => (StatusCode::FORBIDDEN, "msg-blocked"),
            Refused::TooMany => (StatusCode::TOO_MANY_REQUESTS, "msg-too-many"),
            Refused::Error(e) => (e.status(), "err-bad-request"),
        }
    }
}

impl From<ketnoi_db::DbError> for Refused {
    fn from(e: ketnoi_db::DbError) -> Refused {
        Refused::Error(e.into())
    }
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> AppError {
        match r {
            Refused::TooMany => AppError::TooManyRequests { retry_after: 60 },
            Refused::Blocked => AppError::Forbidden,
            Refused::Error(e) => e,
        }
    }
}

/// Whether `user_id` may send a message to `c` now: not blocked by the other side, within
/// the rate limit (which this counts against).
async fn may_send(state: &AppState, c: &Conversation, user_id: i64) -> Result<(), Refused> {
    if network::blocked_in(state.db.conn(), c, user_id).await? {
        return Err(Refused::Blocked);
    }
    if state.messages_by_user.check_key(&user_id).is_err() {
        return Err(Refused::TooMany);
    }
    Ok(())
}

/// Stores a message from `user_id`, within the rate limit and unless the other side has
/// blocked her, and hands it to live pages.
async fn post_checked(
    state: &AppState,
    c: &Conversation,
    user_id: i64,
    body: &str,
    reply_to: Option<i64>,
) -> Result<Message, Refused> {
    may_send(state, c, user_id).await?;
    let m = messaging::post(&state.db, c.id, user_id, body, reply_to).await?;
    realtime::stored(&state.db, &state.hub, &m);
    Ok(m)
}

/// Posts `body` as `user_id` in the conversation, checked like any message (she takes part,
/// nobody blocked, within the rate limit).
pub async fn post_as(
    state: &AppState,
    conversation_id: i64,
    user_id: i64,
    body: &str,
) -> Result<(), AppError> {
    let c = conversation_for(state, conversation_id, user_id).await?;
    post_checked(state, &c, user_id, body, None).await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub seq: i64,
}
