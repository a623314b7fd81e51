//! Searching the messages of one's own conversations.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::Query;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::messaging;
use serde::Deserialize;

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
