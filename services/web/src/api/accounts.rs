//! Accounts and sessions over JSON. Requests must be `application/json`, which a page on
//! another site cannot send without a CORS preflight, so cookie sessions are safe here
//! without a CSRF token.

use crate::api::openapi::{
    BadRequest, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable, UnsupportedMediaType,
    Validation,
};
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::Json;
use crate::pages::auth::with_cookie;
use crate::session::{self, SESSION_COOKIE};
use crate::{AppState, accounts};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;
use serde::{Deserialize, Serialize};

/// Missing fields read as empty, so every missing field is reported at once.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SignUpRequest {
    #[schema(required = true)]
    pub display_name: String,
    /// E-mail address or Vietnamese mobile number.
    #[schema(required = true)]
    pub login: String,
    #[schema(required = true)]
    pub password: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SignInRequest {
    #[schema(required = true)]
    pub login: String,
    #[schema(required = true)]
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    /// E.164, e.g. `+84904555560`.
    pub phone: Option<String>,
    pub locale: Locale,
    pub role: PlatformRole,
    pub officer_commune_code: Option<String>,
}

impl From<&ketnoi_db::users::User> for MeJson {
    fn from(u: &ketnoi_db::users::User) -> MeJson {
        MeJson {
            id: u.id,
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            locale: u.locale,
            role: u.role,
            officer_commune_code: u.officer_commune_code.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConfirmRequest {
    /// The `token` of the link sent by `POST /api/v1/accounts`.
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignUpAccepted {
    pub status: SignUpStatus,
}

/// What happened to a sign-up.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignUpStatus {
    /// A link went to the e-mail address or phone, or, when it already has an account, a
    /// message saying so.
    ConfirmationSent,
}

/// Starts a sign-up: sends a link to the e-mail address or phone that creates the account
/// (`POST /api/v1/accounts/confirm`). The answer is the same whether or not the address is
/// already registered.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUpRequest,
    responses((status = 202, body = SignUpAccepted, description = "A link was sent to the address (or, when it already has an account, a message saying so)."),
              (status = 400, response = BadRequest), (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation),
              (status = 429, response = TooManyRequests), (status = 503, response = Unavailable)))]
pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<SignUpRequest>,
) -> Result<Response, AppError> {
    accounts::sign_up(
        &state,
        ctx.client_ip,
        &req.display_name,
        &req.login,
        &req.password,
        ctx.locale,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(SignUpAccepted {
            status: SignUpStatus::ConfirmationSent,
        }),
    )
        .into_response())
}

/// Creates the account a sign-up link stands for and signs it in (session cookie).
#[utoipa::path(post, path = "/api/v1/accounts/confirm", tag = "accounts", request_body = ConfirmRequest,
    responses((status = 201, body = MeJson), (status = 400, response = BadRequest),
              (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation)))]
pub async fn confirm_account(
    State(state): State<AppState>,
    Json(req): Json<ConfirmRequest>,
) -> Result<Response, AppError> {
    let user = accounts::confirm_sign_up(&state, &req.token).await?;
    let cookie = session::start(&state, user.id).await?;
    Ok(with_cookie(
        (StatusCode::CREATED, axum::Json(MeJson::from(&user))).into_response(),
        &cookie,
    ))
}

/// Signs in (session cookie). Rate-limited per account and per IP.
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", request_body = SignInRequest,
    responses((status = 200, body = MeJson), (status = 400, response = BadRequest),
              (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation),
              (status = 429, response = TooManyRequests), (status = 503, response = Unavailable)))]
pub async fn create_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<SignInRequest>,
) -> Result<Response, AppError> {
    let user = accounts::sign_in(&state, ctx.client_ip, &req.login, &req.password).await?;
    let cookie = session::start(&state, user.id).await?;
    Ok(with_cookie(
        axum::Json(MeJson::from(&user)).into_response(),
        &cookie,
    ))
}

/// Signs out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts",
    security(("session" = [])),
    responses((status = 204, description = "Signed out; the session cookie is removed."),
              (status = 400, response = BadRequest), (status = 401, response = Unauthorized)))]
pub async fn delete_session(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(hash) = &ctx.session_hash {
        ketnoi_db::sessions::delete(state.db.conn(), hash).await?;
    }
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &session::removal(SESSION_COOKIE),
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("session" = [])),
    responses((status = 200, body = MeJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized)))]
pub async fn show_me(CurrentUser(user): CurrentUser) -> axum::Json<MeJson> {
    axum::Json(MeJson::from(&*user))
}
