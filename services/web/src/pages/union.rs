//! The Union officer's start page: the cooperatives in their scope.

use super::home::OrgCard;
use super::{Layout, render};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_domain::admin_units;

#[derive(Template)]
#[template(path = "union/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    scope: String,
    cards: Vec<OrgCard>,
}

pub async fn show_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let commune = user.officer_commune_code.as_deref();
    let orgs = ketnoi_db::orgs::cooperatives_in(state.db.conn(), commune, 200).await?;
    let scope = match commune.and_then(admin_units::commune) {
        Some(c) => c.name.clone(),
        None => ctx.tr().get("union-scope-city"),
    };
    render(&DashboardPage {
        layout: Layout::titled(&ctx, "union-title"),
        scope,
        cards: orgs.iter().map(OrgCard::new).collect(),
    })
}
