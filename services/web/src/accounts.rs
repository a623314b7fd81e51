//! Signing up, signing in and resetting passwords; shared by the pages and the JSON API so
//! both apply the same rules, limits and messages.

use crate::error::{AppError, FieldErrors, Msg};
use crate::{AppState, password, session};
use chrono::Duration;
use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::contact::Login;
use ketnoi_domain::role::PlatformRole;
use ketnoi_domain::text;
use std::net::IpAddr;

pub const NAME_MAX: usize = 100;
pub const LOGIN_MAX: usize = 254;
pub const RESET_HOURS: i64 = 1;

fn check_password(errors: &mut FieldErrors, field: &str, pw: &str) {
    let n = pw.chars().count();
    if n < password::MIN_LEN {
        errors.add(
            field,
            Msg {
                key: "err-password-short",
                args: vec![("min", password::MIN_LEN.to_string())],
            },
        );
    } else if n > password::MAX_LEN {
        errors.add(
            field,
            Msg {
                key: "err-too-long",
                args: vec![("max", password::MAX_LEN.to_string())],
            },
        );
    }
}

fn parse_login(errors: &mut FieldErrors, raw: &str) -> Option<Login> {
    let cleaned = errors.check("login", text::required_line(raw, LOGIN_MAX))?;
    errors.check(
        "login",
        Login::parse(&cleaned).map_err(|_| Msg::new("err-login-invalid")),
    )
}

/// Creates an account, or says what is wrong with the input, field by field.
pub async fn sign_up(
    state: &AppState,
    ip: IpAddr,
    display_name: &str,
    login: &str,
    pw: &str,
    locale: Locale,
) -> Result<User, AppError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("display_name", text::required_line(display_name, NAME_MAX));
    let login = parse_login(&mut errors, login);
    check_password(&mut errors, "password", pw);
    let (Some(name), Some(login), true) = (name, login, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    // Counted once the form is valid, so typing mistakes cost nothing; before the hash,
    // so one address cannot fill the hashing queue.
    crate::state::governed(&state.signups_by_ip, &ip)?;
    let hash = password::hash(pw.to_owned()).await?;
    let (email, phone) = match &login {
        Login::Email(e) => (Some(e.as_str()), None),
        Login::Phone(p) => (None, Some(p.as_str())),
    };
    let new = NewUser {
        email,
        phone,
        display_name: &name,
        password_hash: &hash,
        locale,
        role: PlatformRole::User,
        officer_commune_code: None,
    };
    match ketnoi_db::users::insert(state.db.conn(), &new).await {
        Ok(u) => Ok(u),
        Err(e) if e.unique_index().is_some() => Err(AppError::Conflict(FieldErrors::single(
            "login",
            Msg::new("err-login-taken"),
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn find_by_login(state: &AppState, login: &Login) -> Result<Option<User>, AppError> {
    Ok(match login {
        Login::Email(e) => ketnoi_db::users::find_by_email(state.db.conn(), e.as_str()).await?,
        Login::Phone(p) => ketnoi_db::users::find_by_phone(state.db.conn(), p.as_str()).await?,
    })
}

/// Checks credentials under the per-IP and per-account limits. Wrong login and wrong
/// password get the same answer, in the same time.
pub async fn sign_in(
    state: &AppState,
    ip: IpAddr,
    login: &str,
    pw: &str,
) -> Result<User, AppError> {
    crate::state::governed(&state.signin_by_ip, &ip)?;
    let mut errors = FieldErrors::default();
    let login = parse_login(&mut errors, login);
    if pw.is_empty() {
        errors.add("password", Msg::new("err-required"));
    } else if pw.chars().count() > password::MAX_LEN {
        errors.add(
            "password",
            Msg {
                key: "err-too-long",
                args: vec![("max", password::MAX_LEN.to_string())],
            },
        );
    }
    let (Some(login), true) = (login, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let account = login.key();
    state
        .signin_throttle
        .check(ip, account)
        .map_err(AppError::too_many)?;
    let user = find_by_login(state, &login).await?;
    let ok = password::verify(
        pw.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    match user {
        Some(u) if ok => {
            state.signin_throttle.succeeded(ip, account);
            Ok(u)
        }
        _ => {
            state.signin_throttle.failed(ip, account);
            Err(AppError::Validation(FieldErrors::single(
                "_form",
                Msg::new("err-signin-failed"),
            )))
        }
    }
}

/// Queues a reset link when the account exists. The caller shows the same answer either
/// way, so the form does not reveal who has an account.
pub async fn request_reset(state: &AppState, login: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let Some(login) = parse_login(&mut errors, login) else {
        return Err(AppError::Validation(errors));
    };
    crate::state::governed(&state.resets_by_account, &login.key().to_owned())?;
    let Some(user) = find_by_login(state, &login).await? else {
        return Ok(());
    };
    let token = session::random_token()?;
    let link = format!(
        "{}/password/reset?token={token}",
        state.config.public_url.trim_end_matches('/')
    );
    // The message goes out in the language the account chose, not the one of this page.
    let locale = user.locale;
    let subject = crate::i18n::t(locale, "mail-reset-subject");
    let body = crate::i18n::t_args(
        locale,
        "mail-reset-body",
        &[
            ("name", user.display_name.clone()),
            ("link", link),
            ("hours", RESET_HOURS.to_string()),
        ],
    );
    let recipient = user
        .email
        .clone()
        .or(user.phone.clone())
        .unwrap_or_default();
    let mut tx = state.db.begin().await?;
    ketnoi_db::password_resets::create(
        tx.conn(),
        &session::hash_token(&token),
        user.id,
        ketnoi_db::now() + Duration::hours(RESET_HOURS),
    )
    .await?;
    ketnoi_db::outbox::enqueue(
        tx.conn(),
        &ketnoi_db::outbox::NewMessage {
            kind: "password_reset",
            recipient: &recipient,
            locale: locale.code(),
            subject: &subject,
            body: &body,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_token_is_live(state: &AppState, token: &str) -> Result<bool, AppError> {
    if !session::is_well_formed(token) {
        return Ok(false);
    }
    Ok(ketnoi_db::password_resets::is_live(
        state.db.conn(),
        &session::hash_token(token),
        ketnoi_db::now(),
    )
    .await?)
}

/// Sets a new password with a live token, uses the token up and ends every session.
pub async fn reset_password(state: &AppState, token: &str, pw: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    check_password(&mut errors, "password", pw);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if !session::is_well_formed(token) {
        return Err(AppError::Validation(FieldErrors::single(
            "_form",
            Msg::new("err-reset-invalid"),
        )));
    }
    let hash = password::hash(pw.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    let Some(user_id) = ketnoi_db::password_resets::consume(
        tx.conn(),
        &session::hash_token(token),
        ketnoi_db::now(),
    )
    .await?
    else {
        return Err(AppError::Validation(FieldErrors::single(
            "_form",
            Msg::new("err-reset-invalid"),
        )));
    };
    ketnoi_db::users::set_password_hash(tx.conn(), user_id, &hash).await?;
    ketnoi_db::sessions::delete_for_user(tx.conn(), user_id).await?;
    tx.commit().await?;
    Ok(())
}
