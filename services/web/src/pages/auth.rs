//! Sign up, sign in and sign out.

use super::CsrfForm;
use super::form_errors;
use super::{Layout, local_path, render, render_status, see_other};
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Query};
use crate::session::{self, LANG_COOKIE, SESSION_COOKIE};
use crate::{AppState, accounts};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignUpPage {
    layout: Layout,
    display_name: String,
    login: String,
    /// The link has been sent: the page says where to look instead of showing the form.
    sent: bool,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "auth/signup_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    token: String,
    live: bool,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf: String,
    token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignUpForm {
    csrf: String,
    display_name: String,
    login: String,
    password: String,
}

pub fn with_cookie(mut res: Response, cookie: &Cookie<'_>) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Signing in keeps the language the person was reading (her switch, or her browser's):
/// without this, an account stored as Vietnamese turned an English visitor's pages
/// Vietnamese the moment she signed in. The account's own language (for e-mails) changes
/// only through the switch.
fn keeping_language(state: &AppState, ctx: &Ctx, res: Response) -> Response {
    let lang = session::cookie(state, LANG_COOKIE, ctx.locale.code().to_owned(), 365);
    with_cookie(res, &lang)
}

pub async fn show_signup(ctx: Ctx) -> Result<Response, AppError> {
    render(&SignUpPage {
        layout: Layout::titled(&ctx, "signup-title"),
        display_name: String::new(),
        login: String::new(),
        sent: false,
        errors: FieldErrors::default(),
    })
}

pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let result = if ctx.verify_csrf(&state, &form.csrf) {
        accounts::sign_up(
            &state,
            ctx.client_ip,
            &form.display_name,
            &form.login,
            &form.password,
            ctx.locale,
        )
        .await
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
        &SignUpPage {
            layout: Layout::titled(&ctx, "signup-title"),
            display_name: form.display_name,
            login: form.login,
            sent,
            errors,
        },
    )
}

/// The page a sign-up link opens: one button, so that a mail scanner following the link
/// does not create the account.
pub async fn show_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::pages::password::TokenQuery>,
) -> Result<Response, AppError> {
    let live = accounts::sign_up_link_is_live(&state, &q.token).await?;
    render(&ConfirmPage {
        layout: Layout::titled(&ctx, "signup-confirm-title"),
        token: q.token,
        live,
        errors: FieldErrors::default(),
    })
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let result = if ctx.verify_csrf(&state, &form.csrf) {
        accounts::confirm_sign_up(&state, &form.token).await
    } else {
        Err(AppError::Csrf)
    };
    match result {
        Ok(user) => {
            let cookie = session::start(&state, user.id).await?;
            Ok(keeping_language(
                &state,
                &ctx,
                with_cookie(see_other("/account"), &cookie),
            ))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            render_status(
                status,
                &ConfirmPage {
                    layout: Layout::titled(&ctx, "signup-confirm-title"),
                    token: form.token,
                    live: false,
                    errors,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "auth/signin.html")]
struct SignInPage {
    layout: Layout,
    login: String,
    next: String,
    notice: Option<String>,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInQuery {
    next: String,
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    csrf: String,
    login: String,
    password: String,
    next: String,
}

pub async fn show_signin(ctx: Ctx, Query(q): Query<SignInQuery>) -> Result<Response, AppError> {
    let notice = match q.notice.as_str() {
        "password-reset" => Some(ctx.tr().get("notice-password-reset")),
        _ => None,
    };
    render(&SignInPage {
        layout: Layout::titled(&ctx, "signin-title"),
        login: String::new(),
        next: local_path(&q.next),
        notice,
        errors: FieldErrors::default(),
    })
}

pub async fn create_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let result = if ctx.verify_csrf(&state, &form.csrf) {
        accounts::sign_in(&state, ctx.client_ip, &form.login, &form.password).await
    } else {
        Err(AppError::Csrf)
    };
    match result {
        Ok(user) => {
            let cookie = session::start(&state, user.id).await?;
            // Going nowhere in particular, a cooperative's owner or manager lands on her
            // cooperative's page (its waiting orders first), not the public home.
            let mut next = local_path(&form.next);
            if next == "/"
                && !super::my::managed_cooperatives(&state, user.id)
                    .await?
                    .is_empty()
            {
                next = "/my".to_owned();
            }
            Ok(keeping_language(
                &state,
                &ctx,
                with_cookie(see_other(&next), &cookie),
            ))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            render_status(
                status,
                &SignInPage {
                    layout: Layout::titled(&ctx, "signin-title"),
                    login: form.login,
                    next: local_path(&form.next),
                    notice: None,
                    errors,
                },
            )
        }
    }
}

pub async fn delete_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if let Some(hash) = &ctx.session_hash {
        ketnoi_db::sessions::delete(state.db.conn(), hash).await?;
    }
    Ok(with_cookie(
        see_other("/"),
        &session::removal(SESSION_COOKIE),
    ))
}
