//! Proxy grants: the owner lets a Union officer manage the cooperative on its behalf.

use super::*;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use crate::pages::CsrfForm;
use crate::pages::{render_status, see_other};
use crate::policy::OrgScope;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::orgs::{self};
use ketnoi_domain::contact::Login;
use ketnoi_domain::role::PlatformRole;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProxyForm {
    csrf: String,
    login: String,
}

pub async fn grant_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ProxyForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let officer = match Login::parse(&form.login) {
        Ok(Login::Email(m)) => ketnoi_db::users::find_by_email(state.db.conn(), m.as_str()).await?,
        Ok(Login::Phone(p)) => ketnoi_db::users::find_by_phone(state.db.conn(), p.as_str()).await?,
        Err(_) => None,
    }
    .filter(|u| u.role == PlatformRole::UnionOfficer);
    let Some(officer) = officer else {
        let page = dashboard_page(
            &state,
            &ctx,
            &scope,
            BadgeForm::default(),
            form.login,
            FieldErrors::single("proxy_login", Msg::new("err-not-an-officer")),
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let by = ctx.user.as_ref().map(|u| u.id).unwrap_or_default();
    orgs::grant_proxy(state.db.conn(), scope.org.id, officer.id, by).await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "proxy",
            id: officer.id.to_string(),
            action: "grant",
            before: None,
            after: Some(officer.display_name.clone()),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}

pub async fn revoke_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(user_id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !orgs::revoke_proxy(state.db.conn(), scope.org.id, user_id).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "proxy",
            id: user_id.to_string(),
            action: "revoke",
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}
