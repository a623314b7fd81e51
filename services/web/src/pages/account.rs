//! The signed-in user's own page: who they are, the organisations they belong to, and
//! whether they get e-mail digests of unread messages.

use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::Form;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    login: String,
    role: String,
    orgs: Vec<(String, String, String)>,
    /// E-mail digests of unread messages are on.
    digest: bool,
    /// She has an e-mail address (digests go nowhere otherwise).
    has_email: bool,
}

pub async fn show_account(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let orgs = ketnoi_db::orgs::of_user(state.db.conn(), user.id).await?;
    let digest = ketnoi_db::digests::email_digest(state.db.conn(), user.id).await?;
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
        // A platform role worth saying (officer, administrator); everyone else is just herself.
        role: match user.role {
            ketnoi_domain::role::PlatformRole::User => String::new(),
            r => ctx.tr().get(&format!("role-{}", r.as_str())),
        },
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
        digest,
        has_email: user.email.is_some(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NotificationsForm {
    #[serde(default)]
    pub csrf: String,
    /// Checkbox: present when ticked.
    pub digest: Option<String>,
}

/// `POST /account/notifications`: turns e-mail digests on or off.
pub async fn update_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NotificationsForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    ketnoi_db::digests::set_email_digest(state.db.conn(), user.id, form.digest.is_some()).await?;
    Ok(see_other("/account"))
}
