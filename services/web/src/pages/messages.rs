//! Conversations: a buyer's inquiry from a listing page, the inbox, a conversation's page
//! (which works by posting the form and reloading, and becomes live with `chat.js`), and the
//! live connection itself (see [`crate::realtime`]).
//!
//! Who may see a conversation is decided here, per conversation, by
//! [`messaging::can_access`]: its members and the owners and managers of its cooperative.
//! Anyone else gets "not found", so ids reveal nothing.

use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathId};
use crate::extract::{PathSeq, Query};
use crate::pages::directory::localized;
use crate::pages::{Layout, render, render_status, see_other};
use crate::{AppState, realtime};
use askama::Template;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use ketnoi_db::messaging::{self, Conversation, Message};
use ketnoi_db::network;
use ketnoi_db::{listings, orgs};
use ketnoi_domain::text::TextError;
use serde::Deserialize;

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Read and write buffer of a live connection. Pages send nothing but closes and pings, and
/// a frame is one message (at most a few KiB): tungstenite's default of 128 KiB each would
/// cost about 130 KiB per open page (measured: 1.36 GiB for 10,000 connections).
const SOCKET_BUFFER: usize = 4096;
/// Messages a conversation's page shows (older ones are not paged yet).
const PAGE_MESSAGES: i64 = 100;

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

/// A message as the page shows it.
pub struct MessageView {
    pub seq: i64,
    pub sender: String,
    pub mine: bool,
    pub body: String,
    pub time: String,
    pub edited: bool,
    pub deleted: bool,
    /// The start of the message it answers.
    pub reply: Option<(i64, String)>,
    pub can_edit: bool,
    pub can_delete: bool,
    /// A picture is attached.
    pub picture: bool,
}

/// Characters of a replied-to message shown above the reply.
const QUOTE_CHARS: usize = 80;

fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// `moderator`: the viewer administers the conversation (may delete anyone's message).
fn view(m: &Message, me: i64, moderator: bool, now: DateTime<Utc>) -> MessageView {
    let mine = m.sender_id == Some(me);
    let deleted = m.deleted_at.is_some();
    MessageView {
        seq: m.seq,
        sender: m.sender_name.clone().unwrap_or_default(),
        mine,
        body: m.body.clone(),
        time: ketnoi_domain::time::format_hanoi_short(m.created_at),
        edited: m.edited_at.is_some(),
        deleted,
        reply: m
            .reply_to_seq
            .map(|seq| (seq, m.reply_body.as_deref().map(quote).unwrap_or_default())),
        can_edit: m.editable_by(me, now).is_ok(),
        picture: m.attachment.is_some(),
        can_delete: m.deletable_by(me, moderator).is_ok(),
    }
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
            Refused::TooMany => AppError::TooManyRequests,
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

/// `POST /listings/{id}/inquiry`: opens (or reopens) the buyer's conversation with the
/// listing's cooperative, with the question as its first message.
pub async fn create_inquiry(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(listing_id): PathId,
    Form(form): Form<MessageForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let listing = listings::find(state.db.conn(), listing_id)
        .await?
        .filter(|l| l.is_public())
        .ok_or(AppError::NotFound)?;
    let body = message_body(&form.body).map_err(AppError::Validation)?;
    let id = messaging::open_inquiry(&state.db, user.id, listing.org_id, Some(listing.id)).await?;
    let c = conversation_for(&state, id, user.id).await?;
    post_checked(&state, &c, user.id, &body, None).await?;
    Ok(see_other(&format!("/conversations/{id}")))
}

pub struct InboxRow {
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub unread: i64,
    pub time: String,
}

#[derive(Template)]
#[template(path = "messages/inbox.html")]
struct InboxPage {
    layout: Layout,
    rows: Vec<InboxRow>,
}

/// `GET /conversations`: the signed-in user's conversations, most recent first.
pub async fn show_inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let rows = messaging::inbox(state.db.conn(), user.id)
        .await?
        .into_iter()
        .map(|e| {
            let c = &e.conversation;
            let mine = c.created_by == Some(user.id);
            let title = c
                .title
                .clone()
                .or_else(|| e.peer_name.clone())
                .or_else(|| e.listing_title.clone())
                .or_else(|| e.org_name.clone())
                .unwrap_or_else(|| t.get("msg-conversation"));
            let subtitle = match (&e.org_name, &e.buyer_name) {
                (Some(org), Some(buyer)) if !mine => format!("{buyer} → {org}"),
                (Some(org), _) => org.clone(),
                _ => String::new(),
            };
            InboxRow {
                id: c.id,
                title,
                subtitle,
                unread: e.unread.max(0),
                time: c
                    .last_message_at
                    .map(ketnoi_domain::time::format_hanoi)
                    .unwrap_or_default(),
            }
        })
        .collect();
    render(&InboxPage {
        layout: Layout::titled(&ctx, "msg-inbox-title"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "messages/show.html")]
struct ConversationPage {
    layout: Layout,
    id: i64,
    heading: String,
    listing: Option<(i64, String)>,
    org: Option<(String, String)>,
    messages: Vec<MessageView>,
    last_seq: i64,
    draft: String,
    errors: Vec<String>,
    /// The user may post here (in an announcement channel, only its senders).
    can_post: bool,
    /// An announcement channel the user receives: each message can be confirmed.
    confirmable: bool,
    /// The messages this user has confirmed.
    confirmed: Vec<i64>,
    /// A group's members: `(user id, name, role)`.
    members: Vec<(i64, String, String)>,
    /// The user is an admin of this group or channel.
    is_admin: bool,
    /// The other person of a one-to-one conversation, whom this user may block: `(user id,
    /// name, already blocked)`.
    counterpart: Option<(i64, String, bool)>,
    /// The message the reply form answers (`?reply=seq`): `(seq, start of its text)`.
    reply_to: Option<(i64, String)>,
    /// Who is looking (live messages get their action links from it).
    viewer_id: i64,
}

async fn conversation_page(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    c: &Conversation,
    draft: String,
    errors: Vec<String>,
    reply_to: i64,
) -> Result<ConversationPage, AppError> {
    let (messages, org, listing) = tokio::try_join!(
        messaging::latest(state.db.conn(), c.id, PAGE_MESSAGES),
        async {
            match c.org_id {
                Some(id) => orgs::find(state.db.conn(), id).await,
                None => Ok(None),
            }
        },
        async {
            match c.listing_id {
                Some(id) => listings::find(state.db.conn(), id).await,
                None => Ok(None),
            }
        },
    )?;
    let listing = listing.map(|l| {
        let title = localized(ctx.locale, &l.title_vi, l.title_en.as_deref());
        (l.id, title)
    });
    let announcement = c.is_announcement();
    let now = ketnoi_db::now();
    let is_admin = messaging::is_admin(state.db.conn(), c.id, user_id).await?;
    let confirmed = if announcement && !is_admin {
        messaging::confirmed_seqs(state.db.conn(), c.id, user_id).await?
    } else {
        Vec::new()
    };
    let members = match c.kind.as_str() {
        "group" | "direct" => network::members_of(state.db.conn(), c.id).await?,
        _ => Vec::new(),
    };
    let other = match c.kind.as_str() {
        "direct" => members
            .iter()
            .find(|m| m.0 != user_id)
            .map(|m| (m.0, m.1.clone())),
        // The cooperative's side of an inquiry may block the buyer.
        "inquiry" if c.created_by != Some(user_id) => match c.created_by {
            Some(buyer) => ketnoi_db::users::find(state.db.conn(), buyer)
                .await?
                .map(|u| (u.id, u.display_name)),
            None => None,
        },
        _ => None,
    };
    let counterpart = match other {
        Some((id, name)) => {
            let blocked = network::has_blocked(state.db.conn(), user_id, id).await?;
            Some((id, name, blocked))
        }
        None => None,
    };
    let heading = c
        .title
        .clone()
        .or_else(|| {
            (c.kind == "direct")
                .then(|| other_name(&counterpart))
                .flatten()
        })
        .or_else(|| listing.as_ref().map(|(_, t)| t.clone()))
        .or_else(|| org.as_ref().map(|o| o.name.clone()))
        .unwrap_or_else(|| ctx.tr().get("msg-conversation"));
    Ok(ConversationPage {
        layout: Layout::new(ctx, heading.clone()),
        viewer_id: user_id,
        id: c.id,
        heading,
        listing,
        org: org.map(|o| (o.slug, o.name)),
        reply_to: messages
            .iter()
            .find(|m| m.seq == reply_to && m.deleted_at.is_none())
            .map(|m| (m.seq, quote(&m.body))),
        messages: messages
            .iter()
            .map(|m| view(m, user_id, is_admin, now))
            .collect(),
        last_seq: c.last_seq,
        draft,
        errors,
        can_post: !announcement || is_admin,
        confirmable: announcement && !is_admin,
        confirmed,
        members: if c.kind == "group" {
            members
        } else {
            Vec::new()
        },
        is_admin,
        counterpart,
    })
}

fn other_name(counterpart: &Option<(i64, String, bool)>) -> Option<String> {
    counterpart.as_ref().map(|c| c.1.clone())
}

/// What the person had typed, to give back with the page.
struct Draft {
    text: String,
    reply_to: i64,
}

/// The conversation's page again, with `errors` and the draft as typed, under `status`.
async fn page_again(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    c: &Conversation,
    draft: Draft,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page =
        conversation_page(state, ctx, user_id, c, draft.text, errors, draft.reply_to).await?;
    render_status(status, &page)
}

/// Whether `user_id` may post in `c`: anyone taking part, except in an announcement
/// channel, where only its senders (admins) write.
async fn may_post(state: &AppState, c: &Conversation, user_id: i64) -> Result<bool, AppError> {
    Ok(!c.is_announcement() || messaging::is_admin(state.db.conn(), c.id, user_id).await?)
}

/// `POST /conversations/{id}/confirm`: a recipient confirms an announcement (`seq`).
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<ReadForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    if !c.is_announcement() || !(1..=c.last_seq).contains(&form.seq) {
        return Err(AppError::NotFound);
    }
    messaging::confirm(state.db.conn(), c.id, form.seq, user.id).await?;
    messaging::mark_read(state.db.conn(), c.id, user.id, form.seq).await?;
    Ok(see_other(&format!("/conversations/{}#m{}", c.id, form.seq)))
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// Answer this message (the reply form quotes it).
    #[serde(default)]
    pub reply: i64,
}

/// `GET /conversations/{id}`: the messages, the reply form; marks them read.
pub async fn show_conversation(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let c = conversation_for(&state, id, user.id).await?;
    let page = conversation_page(
        &state,
        &ctx,
        user.id,
        &c,
        String::new(),
        Vec::new(),
        q.reply,
    )
    .await?;
    messaging::mark_read(state.db.conn(), c.id, user.id, c.last_seq).await?;
    render(&page)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `POST /conversations/{id}/messages`: stores the message, then answers (so the sender's
/// acknowledgement always follows the commit). Without JavaScript: back to the page; with
/// it (`Accept: application/json`): the stored message.
pub async fn post_message(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    headers: HeaderMap,
    Form(form): Form<MessageForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    if !may_post(&state, &c, user.id).await? {
        return Err(AppError::Forbidden);
    }
    let json = wants_json(&headers);
    let body = match message_body(&form.body) {
        Ok(b) => b,
        Err(errors) if json => return Err(AppError::Validation(errors)),
        Err(errors) => {
            // Nothing is lost: the page comes back with the text as typed.
            let messages = errors.for_field("body", ctx.locale);
            let again = Draft {
                text: form.body,
                reply_to: form.reply_to,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page_again(&state, &ctx, user.id, &c, again, messages, status).await;
        }
    };
    let reply_to = (form.reply_to > 0).then_some(form.reply_to);
    let m = match post_checked(&state, &c, user.id, &body, reply_to).await {
        Ok(m) => m,
        Err(Refused::Error(e)) => return Err(e),
        Err(refused) if json => return Err(refused.into()),
        // Nothing is lost here either: the page says why, with the text as typed.
        Err(refused) => {
            let (status, key) = refused.explained();
            let messages = vec![ctx.tr().get(key)];
            let again = Draft {
                text: form.body,
                reply_to: form.reply_to,
            };
            return page_again(&state, &ctx, user.id, &c, again, messages, status).await;
        }
    };
    if json {
        // The same frame a live page receives (with the time as shown in Hanoi).
        let headers = [(header::CONTENT_TYPE, "application/json")];
        return Ok((StatusCode::CREATED, headers, realtime::frame(&m)).into_response());
    }
    Ok(see_other(&format!("/conversations/{}#m{}", c.id, m.seq)))
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub seq: i64,
}

/// `POST /conversations/{id}/read`: the open page has shown messages up to `seq`.
pub async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<ReadForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    messaging::mark_read(
        state.db.conn(),
        c.id,
        user.id,
        form.seq.clamp(0, c.last_seq),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

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

// -- a message's actions: edit, delete, report ----------------------------------------------

#[derive(Template)]
#[template(path = "messages/edit.html")]
struct EditPage {
    layout: Layout,
    id: i64,
    seq: i64,
    draft: String,
    errors: Vec<String>,
}

fn edit_page(ctx: &Ctx, id: i64, seq: i64, draft: String, errors: Vec<String>) -> EditPage {
    EditPage {
        layout: Layout::titled(ctx, "msg-edit-title"),
        id,
        seq,
        draft,
        errors,
    }
}

/// Why an action on a message was refused, as an error page (or JSON).
fn refusal(r: messaging::Refusal) -> AppError {
    match r {
        messaging::Refusal::NotFound => AppError::NotFound,
        messaging::Refusal::NotYours => AppError::Forbidden,
        messaging::Refusal::TooLate => AppError::Conflict(FieldErrors::single(
            "body",
            crate::error::Msg::new("msg-too-late"),
        )),
    }
}

/// `GET /conversations/{id}/messages/{seq}/edit`: the sender's own message in a form, within
/// the edit window.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    PathSeq(seq): PathSeq,
) -> Result<Response, AppError> {
    let c = conversation_for(&state, id, user.id).await?;
    let m = messaging::message(state.db.conn(), c.id, seq)
        .await?
        .ok_or(AppError::NotFound)?;
    m.editable_by(user.id, ketnoi_db::now()).map_err(refusal)?;
    render(&edit_page(&ctx, c.id, seq, m.body, Vec::new()))
}

/// `POST /conversations/{id}/messages/{seq}/edit`: saves the new text; open pages show it.
pub async fn edit_message(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    PathSeq(seq): PathSeq,
    Form(form): Form<MessageForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    let body = match message_body(&form.body) {
        Ok(b) => b,
        Err(errors) => {
            let messages = errors.for_field("body", ctx.locale);
            let page = edit_page(&ctx, c.id, seq, form.body, messages);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match messaging::edit(&state.db, c.id, seq, user.id, &body).await? {
        Ok(m) => {
            realtime::stored(&state.db, &state.hub, &m);
            Ok(see_other(&format!("/conversations/{}#m{seq}", c.id)))
        }
        Err(messaging::Refusal::TooLate) => {
            // Nothing is lost: the text comes back with the reason.
            let page = edit_page(
                &ctx,
                c.id,
                seq,
                form.body,
                vec![ctx.tr().get("msg-too-late")],
            );
            render_status(StatusCode::CONFLICT, &page)
        }
        Err(r) => Err(refusal(r)),
    }
}

/// `POST /conversations/{id}/messages/{seq}/delete`: by its sender, or an admin of the
/// group or channel. The text is erased; open pages show the placeholder.
pub async fn delete_message(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    PathSeq(seq): PathSeq,
    Form(form): Form<ReadForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    let moderator = messaging::is_admin(state.db.conn(), c.id, user.id).await?;
    match messaging::delete(&state.db, c.id, seq, user.id, moderator).await? {
        Ok(m) => {
            realtime::stored(&state.db, &state.hub, &m);
            Ok(see_other(&format!("/conversations/{}#m{seq}", c.id)))
        }
        Err(r) => Err(refusal(r)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /conversations/{id}/messages/{seq}/report`: someone taking part reports a message
/// to the moderators (once).
pub async fn report_message(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    PathSeq(seq): PathSeq,
    Form(form): Form<ReportForm>,
) -> Result<Response, AppError> {
    let c = posted_to(&state, &ctx, &form.csrf, id, user.id).await?;
    let reason = ketnoi_domain::text::optional_line(&form.reason, 300)
        .map_err(|e| AppError::Validation(FieldErrors::single("reason", e)))?
        .unwrap_or_default();
    messaging::message(state.db.conn(), c.id, seq)
        .await?
        .filter(|m| m.sender_id != Some(user.id))
        .ok_or(AppError::NotFound)?;
    messaging::report(state.db.conn(), c.id, seq, user.id, &reason).await?;
    Ok(see_other(&format!(
        "/conversations/{}?reported={seq}#m{seq}",
        c.id
    )))
}

// -- search ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

pub struct FoundView {
    pub conversation_id: i64,
    pub seq: i64,
    pub title: String,
    pub sender: String,
    pub body: String,
    pub time: String,
}

#[derive(Template)]
#[template(path = "messages/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    found: Vec<FoundView>,
    errors: Vec<String>,
}

/// Messages shown for one search.
const SEARCH_LIMIT: i64 = 50;

/// `GET /conversations/search?q=`: the user's own conversations' messages containing the
/// words, with or without diacritics.
pub async fn search_messages(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let (text, errors) = match ketnoi_domain::text::optional_line(&q.q, 100) {
        Ok(t) => (t.unwrap_or_default(), Vec::new()),
        Err(e) => (
            String::new(),
            vec![crate::error::Msg::from(e).render(ctx.locale)],
        ),
    };
    let found = if text.chars().count() >= 2 {
        messaging::search(state.db.conn(), user.id, &text, SEARCH_LIMIT)
            .await?
            .into_iter()
            .map(|f| FoundView {
                conversation_id: f.message.conversation_id,
                seq: f.message.seq,
                title: f
                    .conversation_title
                    .unwrap_or_else(|| ctx.tr().get("msg-conversation")),
                sender: f.message.sender_name.unwrap_or_default(),
                body: f.message.body,
                time: ketnoi_domain::time::format_hanoi_short(f.message.created_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&SearchPage {
        layout: Layout::titled(&ctx, "msg-search-title"),
        q: q.q,
        found,
        errors,
    })
}

// -- pictures ----------------------------------------------------------------------------------

/// Where a message's picture is kept: under `msg/`, which `/media` never serves, so only
/// [`show_attachment`] (participants only) hands it out.
fn attachment_path(file: &str, thumb: bool) -> String {
    match (thumb, file.split_once('.')) {
        (true, Some((key, _))) => format!("msg/{key}-{}.jpg", ketnoi_media::THUMB_SIZES[0]),
        _ => format!("msg/{file}"),
    }
}

/// `POST /conversations/{id}/attachments` (multipart: `photo`, optional `caption`): a
/// picture, checked by its content (not its name), re-encoded without EXIF, at most
/// `ATTACHMENT_MAX_MB`. A refused picture brings the page back with the caption kept.
pub async fn post_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    mp: crate::extract::Multipart,
) -> Result<Response, AppError> {
    let up = crate::uploads::read(mp).await?;
    let c = posted_to(&state, &ctx, up.field("csrf"), id, user.id).await?;
    if !may_post(&state, &c, user.id).await? {
        return Err(AppError::Forbidden);
    }
    let caption = up.field("caption").to_owned();
    let user_id = user.id;
    let refuse = |message: String, status: StatusCode| {
        let again = Draft {
            text: caption.clone(),
            reply_to: 0,
        };
        page_again(&state, &ctx, user_id, &c, again, vec![message], status)
    };
    let caption_text = match ketnoi_domain::text::optional_block(&caption, MAX_MESSAGE_CHARS) {
        Ok(t) => t.unwrap_or_default(),
        Err(e) => {
            let message = crate::error::Msg::from(e).render(ctx.locale);
            return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    // Before any decoding or storing: a blocked or too hasty sender costs nothing more.
    match may_send(&state, &c, user.id).await {
        Ok(()) => {}
        Err(Refused::Error(e)) => return Err(e),
        Err(refused) => {
            let (status, key) = refused.explained();
            return refuse(ctx.tr().get(key), status).await;
        }
    }
    let Some((_, _, bytes)) = up.files.into_iter().find(|(name, _, _)| name == "photo") else {
        return refuse(
            ctx.tr().get("msg-photo-required"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let limits = ketnoi_media::Limits {
        max_bytes: state.config.attachment_max_bytes,
        ..ketnoi_media::Limits::default()
    };
    let processed =
        match tokio::task::spawn_blocking(move || ketnoi_media::process_image(&bytes, &limits))
            .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                let message = crate::uploads::media_error_msg(&e).render(ctx.locale);
                return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            Err(e) => return Err(AppError::internal(anyhow::anyhow!("image task: {e}"))),
        };
    let file = format!("{}.{}", processed.key, processed.extension);
    let media_error =
        |e: ketnoi_media::MediaError| AppError::internal(anyhow::anyhow!("media store: {e}"));
    // The small version first: once the picture is visible, its thumbnail is too.
    if let Some(thumb) = processed
        .thumbs
        .iter()
        .find(|t| t.size == ketnoi_media::THUMB_SIZES[0])
    {
        state
            .media
            .put(&attachment_path(&file, true), thumb.bytes.clone())
            .await
            .map_err(media_error)?;
    }
    state
        .media
        .put(&attachment_path(&file, false), processed.original.clone())
        .await
        .map_err(media_error)?;
    let m = messaging::post_picture(&state.db, c.id, user.id, &caption_text, &file).await?;
    realtime::stored(&state.db, &state.hub, &m);
    Ok(see_other(&format!("/conversations/{}#m{}", c.id, m.seq)))
}

#[derive(Debug, Default, Deserialize)]
pub struct AttachmentQuery {
    /// `1`: the small version.
    #[serde(default)]
    pub thumb: u8,
}

/// `GET /conversations/{id}/attachments/{seq}`: a message's picture, to participants only.
pub async fn show_attachment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    PathSeq(seq): PathSeq,
    Query(q): Query<AttachmentQuery>,
) -> Result<Response, AppError> {
    let c = conversation_for(&state, id, user.id).await?;
    let file = messaging::message(state.db.conn(), c.id, seq)
        .await?
        .and_then(|m| m.attachment)
        .ok_or(AppError::NotFound)?;
    let path = attachment_path(&file, q.thumb == 1);
    // The bytes never change (content-addressed), but only this person may keep them.
    crate::pages::media::stored(&state, &path, "private, max-age=86400").await
}
