//! Pictures in messages: posting one (checked by its content and re-encoded), and handing it
//! out to the conversation's participants only.

use super::conversation::{Draft, may_post, page_again};
use super::{MAX_MESSAGE_CHARS, Refused, conversation_for, may_send, posted_to};
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::{PathId, PathSeq, Query};
use crate::pages::see_other;
use crate::{AppState, realtime};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::messaging;
use serde::Deserialize;

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
    let up = crate::uploads::read(&state, &ctx, mp).await?;
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
    let processed = match state.decoders.process_image(bytes, limits).await {
        Ok(p) => p,
        Err(ketnoi_media::MediaError::Busy) => return Err(crate::uploads::busy()),
        Err(e) => {
            let message = crate::uploads::media_error_msg(&e).render(ctx.locale);
            return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
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
