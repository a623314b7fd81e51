//! A buyer's saved listings: the heart on a listing's page, and the page that lists them.

use super::listings::ListingCardView;
use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::{Form, PathId};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::listings::{self, Filter};
use serde::Deserialize;

/// At most this many saved listings are shown (newest first).
const SHOWN: i64 = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SaveForm {
    pub csrf: String,
    /// `1` saves, anything else forgets.
    pub on: String,
}

/// `POST /listings/{id}/favourite`: saves or forgets a public listing, then back to it.
pub async fn save_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<SaveForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let listing = listings::find(state.db.conn(), id)
        .await?
        .filter(|l| l.is_public())
        .ok_or(AppError::NotFound)?;
    ketnoi_db::favourites::set(state.db.conn(), user.id, listing.id, form.on == "1").await?;
    Ok(see_other(&format!("/listings/{}", listing.id)))
}

#[derive(Template)]
#[template(path = "favourites.html")]
struct FavouritesPage {
    layout: Layout,
    cards: Vec<ListingCardView>,
}

/// `GET /favourites`: her saved listings that are still on sale, newest first.
pub async fn list_favourites(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let filter = Filter {
        favourite_of: Some(user.id),
        ..Filter::default()
    };
    let today = ketnoi_domain::time::today_hanoi();
    let cards = listings::public_cards(state.db.conn(), &filter, today, SHOWN, 0).await?;
    render(&FavouritesPage {
        layout: Layout::titled(&ctx, "fav-title"),
        cards: cards
            .iter()
            .map(|c| ListingCardView::new(c, &ctx))
            .collect(),
    })
}
