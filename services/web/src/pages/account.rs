//! The signed-in user's own page: who they are and the organisations they belong to.

use super::{Layout, render};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    login: String,
    role: String,
    orgs: Vec<(String, String, String)>,
}

pub async fn show_account(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let orgs = ketnoi_db::orgs::of_user(state.db.conn(), user.id).await?;
    let login = user
        .email
        .clone()
        .or_else(|| {
            user.phone
                .as_deref()
                .and_then(|p| ketnoi_domain::contact::Phone::parse(p).ok())
                .map(|p| p.national())
        })
        .unwrap_or_default();
    render(&AccountPage {
        layout: Layout::titled(&ctx, "account-title"),
        login,
        role: ctx.tr().get(&format!("role-{}", user.role.as_str())),
        orgs: orgs
            .into_iter()
            .map(|(o, r)| {
                (
                    o.slug,
                    o.name,
                    ctx.tr().get(&format!("member-role-{}", r.as_str())),
                )
            })
            .collect(),
    })
}
