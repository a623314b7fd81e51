//! Announcement channels: a Union officer writes to the cooperative leaders of her scope
//! (her ward/commune, or the whole city); each recipient reads and confirms; the officer sees
//! who has read and who has confirmed, and a summary such as "87/120 đã đọc, 64 đã xác nhận".
//! Recipients read announcements on the ordinary conversation page.

use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathId};
use crate::i18n;
use crate::pages::{Layout, render, render_status, see_other};
use crate::{AppState, realtime};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::messaging;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "union/announcements.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    recipients: usize,
    form: AnnouncementForm,
    title_errors: Vec<String>,
    body_errors: Vec<String>,
}

/// "read/total đã đọc, confirmed đã xác nhận" for the last announcement of a channel.
fn summary(locale: ketnoi_domain::Locale, t: messaging::Tally) -> String {
    i18n::t_args(
        locale,
        "ann-summary",
        &[
            ("read", t.read.to_string()),
            ("total", t.total.to_string()),
            ("confirmed", t.confirmed.to_string()),
        ],
    )
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    user: &ketnoi_db::users::User,
    form: AnnouncementForm,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let rows = messaging::announcements_by(state.db.conn(), user.id)
        .await?
        .into_iter()
        .map(|c| Row {
            id: c.id,
            title: c.title.unwrap_or_default(),
            summary: summary(ctx.locale, c.tally),
        })
        .collect();
    let recipients =
        messaging::cooperative_leaders(state.db.conn(), &crate::policy::officer_scope(user)?)
            .await?
            .len();
    Ok(ListPage {
        layout: Layout::titled(ctx, "ann-title"),
        rows,
        recipients,
        title_errors: errors.for_field("title", ctx.locale),
        body_errors: errors.for_field("body", ctx.locale),
        form,
    })
}

/// `GET /union/announcements`
pub async fn list_announcements(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let page = list_page(
        &state,
        &ctx,
        &user,
        AnnouncementForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

/// `POST /union/announcements`: a new channel to every cooperative leader in the officer's
/// scope, with its first announcement.
pub async fn create_announcement(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<AnnouncementForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        ketnoi_domain::text::required_line(&form.title, 200),
    );
    let body = errors.check("body", crate::pages::messages::message_text(&form.body));
    let (Some(title), Some(body)) = (title, body) else {
        let page = list_page(&state, &ctx, &user, form, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let recipients: Vec<i64> =
        messaging::cooperative_leaders(state.db.conn(), &crate::policy::officer_scope(&user)?)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
    let id = messaging::create_announcement(&state.db, user.id, &title, &recipients).await?;
    let m = messaging::post(&state.db, id, user.id, &body, None).await?;
    realtime::stored(&state.db, &state.hub, &m);
    Ok(see_other(&format!("/union/announcements/{id}")))
}

pub struct ReceiptRow {
    pub name: String,
    pub read: bool,
    pub confirmed: String,
}

#[derive(Template)]
#[template(path = "union/announcement.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    summary: String,
    receipts: Vec<ReceiptRow>,
}

/// `GET /union/announcements/{id}`: who has read and confirmed the latest announcement.
pub async fn show_announcement(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let c = messaging::get(state.db.conn(), id)
        .await?
        .filter(messaging::Conversation::is_announcement)
        .ok_or(AppError::NotFound)?;
    if !messaging::is_admin(state.db.conn(), c.id, user.id).await? {
        return Err(AppError::NotFound);
    }
    let receipts = messaging::receipts(state.db.conn(), c.id, c.last_seq).await?;
    let title = c.title.clone().unwrap_or_default();
    render(&ShowPage {
        layout: Layout::new(&ctx, title),
        id: c.id,
        summary: summary(ctx.locale, messaging::Tally::of(&receipts)),
        receipts: receipts
            .into_iter()
            .map(|r| ReceiptRow {
                name: r.display_name,
                read: r.read,
                confirmed: r
                    .confirmed_at
                    .map(ketnoi_domain::time::format_hanoi)
                    .unwrap_or_default(),
            })
            .collect(),
    })
}
