//! Forgotten passwords: ask for a link, then set a new password with it.

use super::form_errors;
use super::{Layout, render, render_status, see_other};
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Query};
use crate::{AppState, accounts};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    layout: Layout,
    login: String,
    sent: bool,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    csrf: String,
    login: String,
}

pub async fn show_forgot(ctx: Ctx) -> Result<Response, AppError> {
    render(&ForgotPage {
        layout: Layout::titled(&ctx, "forgot-title"),
        login: String::new(),
        sent: false,
        errors: FieldErrors::default(),
    })
}

pub async fn request_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let result = if ctx.verify_csrf(&state, &form.csrf) {
        accounts::request_reset(&state, &form.login).await
    } else {
        Err(AppError::Csrf)
    };
    let (status, errors, sent) = match result {
        Ok(()) => (axum::http::StatusCode::OK, FieldErrors::default(), true),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            (status, errors, false)
        }
    };
    render_status(
        status,
        &ForgotPage {
            layout: Layout::titled(&ctx, "forgot-title"),
            login: form.login,
            sent,
            errors,
        },
    )
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    layout: Layout,
    token: String,
    live: bool,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetQuery {
    pub token: String,
}

/// A link's `?token=`.
pub type TokenQuery = ResetQuery;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    csrf: String,
    token: String,
    password: String,
}

pub async fn show_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ResetQuery>,
) -> Result<Response, AppError> {
    let live = accounts::reset_token_is_live(&state, &q.token).await?;
    render(&ResetPage {
        layout: Layout::titled(&ctx, "reset-title"),
        token: q.token,
        live,
        errors: FieldErrors::default(),
    })
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let result = if ctx.verify_csrf(&state, &form.csrf) {
        accounts::reset_password(&state, &form.token, &form.password).await
    } else {
        Err(AppError::Csrf)
    };
    match result {
        Ok(()) => Ok(see_other("/signin?notice=password-reset")),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            render_status(
                status,
                &ResetPage {
                    layout: Layout::titled(&ctx, "reset-title"),
                    token: form.token,
                    live: true,
                    errors,
                },
            )
        }
    }
}
