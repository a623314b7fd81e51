//! A message's actions: editing it (its sender, within the edit window), deleting it (its
//! sender or an admin), reporting it to the moderators.

use super::{MessageForm, ReadForm, conversation_for, message_body, posted_to};
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathId, PathSeq};
use crate::pages::{Layout, render, render_status, see_other};
use crate::{AppState, realtime};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::messaging;
use serde::Deserialize;

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
