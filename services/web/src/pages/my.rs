//! "My cooperative": the home of a cooperative's owner or manager, one tap from every page
//! (the header's link) and where she lands when she signs in. With one cooperative it is
//! that cooperative's dashboard (waiting orders first); with several, a choice of them.

use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::orgs::Org;
use ketnoi_domain::role::MemberRole;

/// The cooperatives (HTX and THT) a user owns or manages, by name.
pub async fn managed_cooperatives(state: &AppState, user_id: i64) -> Result<Vec<Org>, AppError> {
    Ok(ketnoi_db::orgs::of_user(state.db.conn(), user_id)
        .await?
        .into_iter()
        .filter(|(o, role)| {
            o.kind.is_cooperative() && matches!(role, MemberRole::Owner | MemberRole::Manager)
        })
        .map(|(o, _)| o)
        .collect())
}

/// One cooperative to choose, with its orders waiting for confirmation.
pub struct Choice {
    pub slug: String,
    pub name: String,
    pub waiting: i64,
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    layout: Layout,
    choices: Vec<Choice>,
}

pub async fn show_my(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let coops = managed_cooperatives(&state, user.id).await?;
    match coops.as_slice() {
        [] => Ok(see_other("/account")),
        [one] => Ok(see_other(&format!("/orgs/{}/manage", one.slug))),
        many => {
            let mut choices = Vec::with_capacity(many.len());
            for o in many {
                choices.push(Choice {
                    slug: o.slug.clone(),
                    name: o.name.clone(),
                    waiting: ketnoi_db::orders::unconfirmed_count(state.db.conn(), o.id).await?,
                });
            }
            render(&MyPage {
                layout: Layout::titled(&ctx, "my-title"),
                choices,
            })
        }
    }
}
