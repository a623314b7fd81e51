//! The language switch: remembered in a cookie, and on the account when signed in.

use super::see_other;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, Msg};
use crate::extract::Form;
use crate::session::{self, LANG_COOKIE};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use ketnoi_domain::Locale;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LangForm {
    csrf: String,
    lang: String,
    next: String,
}

pub async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LangForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let Some(locale) = Locale::from_code(&form.lang) else {
        return Err(AppError::Validation(crate::FieldErrors::single(
            "lang",
            Msg::new("err-invalid-choice"),
        )));
    };
    if let Some(user) = &ctx.user {
        ketnoi_db::users::set_locale(state.db.conn(), user.id, locale).await?;
    }
    let mut res = see_other(&super::local_path(&form.next));
    let cookie = session::cookie(&state, LANG_COOKIE, locale.code().to_owned(), 365);
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
