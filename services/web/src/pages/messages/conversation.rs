//! A conversation as its pages show it: the inbox, a buyer's inquiry, a conversation's page
//! (with the message a reply answers), posting a message, confirming an announcement, and
//! marking messages read.

use super::{
    MessageForm, ReadForm, Refused, conversation_for, message_body, post_checked, posted_to,
};
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::{Form, PathId, Query};
use crate::pages::localized;
use crate::pages::{Layout, render, render_status, see_other};
use crate::{AppState, realtime};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use ketnoi_db::messaging::{self, Conversation, Message};
use ketnoi_db::network;
use ketnoi_db::{listings, orgs};
use serde::Deserialize;

/// Messages a conversation's page shows (older ones are not paged yet).
const PAGE_MESSAGES: i64 = 100;

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
                // An announcement says whose it is.
                (None, Some(by)) if c.is_announcement() => {
                    t.with("msg-announcement-by", "name", by)
                }
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
pub(super) struct Draft {
    pub(super) text: String,
    pub(super) reply_to: i64,
}

/// The conversation's page again, with `errors` and the draft as typed, under `status`.
pub(super) async fn page_again(
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
pub(super) async fn may_post(
    state: &AppState,
    c: &Conversation,
    user_id: i64,
) -> Result<bool, AppError> {
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
    let mut page = conversation_page(
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
    // The header counts what is still unread once she has this conversation in front of
    // her (the count the request started with included it).
    if ctx.unread_messages > 0 {
        page.layout.unread = messaging::unread_total(state.db.conn(), user.id).await?;
    }
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
