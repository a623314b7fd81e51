//! The signed-in user's own page: who they are, the organisations they belong to, whether
//! they get digests of unread messages and, with a phone on the account, how messages to it
//! reach them (Zalo first, SMS only, or no phone notices).

use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, Msg};
use crate::extract::Form;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_domain::contact::PhoneChannel;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    login: String,
    role: String,
    orgs: Vec<(String, String, String)>,
    /// Digests of unread messages are on.
    digest: bool,
    /// She has an e-mail address: digests and notices go there, not to her phone.
    has_email: bool,
    /// Her phone as people read it, when the account has one.
    phone: Option<String>,
    /// How messages to her phone reach her ([`PhoneChannel::as_str`]).
    phone_channel: &'static str,
    phone_channels: [&'static str; 3],
}

pub async fn show_account(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let orgs = ketnoi_db::orgs::of_user(state.db.conn(), user.id).await?;
    let digest = ketnoi_db::digests::email_digest(state.db.conn(), user.id).await?;
    let phone_channel = match &user.phone {
        Some(p) => ketnoi_db::outbox::phone_channel(state.db.conn(), p).await?,
        None => PhoneChannel::default(),
    };
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
        phone: user.phone.as_deref().map(ketnoi_domain::contact::national),
        phone_channel: phone_channel.as_str(),
        phone_channels: PhoneChannel::ALL.map(PhoneChannel::as_str),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NotificationsForm {
    #[serde(default)]
    pub csrf: String,
    /// Checkbox: present when ticked.
    pub digest: Option<String>,
    /// How messages to her phone reach her: `zalo`, `sms` or `off` (accounts with a phone).
    pub phone: Option<String>,
}

/// `POST /account/notifications`: turns digests on or off and, for an account with a phone,
/// records how messages to it reach her.
pub async fn update_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NotificationsForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let phone_channel = match (&user.phone, form.phone.as_deref()) {
        (Some(phone), Some(way)) => Some((
            phone,
            PhoneChannel::parse(way).ok_or(AppError::BadRequest(Msg::new("err-invalid-choice")))?,
        )),
        _ => None,
    };
    ketnoi_db::digests::set_email_digest(state.db.conn(), user.id, form.digest.is_some()).await?;
    if let Some((phone, way)) = phone_channel {
        ketnoi_db::outbox::set_phone_channel(&state.db, user.id, phone, way).await?;
    }
    Ok(see_other("/account"))
}
