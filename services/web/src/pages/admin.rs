//! Platform administration: people and their platform roles.

use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::users::User;
use ketnoi_domain::admin_units;
use ketnoi_domain::role::PlatformRole;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    communes: &'static [admin_units::Commune],
}

pub async fn list_users(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&UsersPage {
        layout: Layout::titled(&ctx, "admin-users-title"),
        users: ketnoi_db::users::list(state.db.conn(), 500, 0).await?,
        communes: admin_units::hanoi_communes_by_name(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    csrf: String,
    role: String,
    commune_code: String,
}

pub async fn update_role(
    State(state): State<AppState>,
    ctx: Ctx,
    PathId(user_id): PathId,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let mut e = FieldErrors::default();
    let role = e.check(
        "role",
        PlatformRole::parse(&form.role).ok_or(Msg::new("err-invalid-choice")),
    );
    let commune = match form.commune_code.as_str() {
        "" => None,
        c => e.check(
            "commune_code",
            admin_units::commune(c)
                .map(|c| c.code.as_str())
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let Some(role) = role.filter(|_| e.is_empty()) else {
        return Err(AppError::Validation(e));
    };
    let commune = if role == PlatformRole::UnionOfficer {
        commune
    } else {
        None
    };
    if !ketnoi_db::users::set_role(state.db.conn(), user_id, role, commune).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/users"))
}
