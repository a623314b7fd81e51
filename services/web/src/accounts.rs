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

/// How long a sign-up link stays usable.
pub const SIGNUP_HOURS: i64 = 24;

/// Starts a sign-up, or says what is wrong with the input, field by field.
///
/// The account is created only when the link sent to the e-mail address or phone is used
/// ([`confirm_sign_up`]). When the address already has an account, its owner gets a message
/// saying so instead. Either way the answer, and the work done before it (the password is
/// hashed in both cases), is the same: the form does not reveal who is registered.
pub async fn sign_up(
    state: &AppState,
    ip: IpAddr,
    display_name: &str,
    login: &str,
    pw: &str,
    locale: Locale,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("display_name", text::display_name(display_name, NAME_MAX));
    let login = parse_login(&mut errors, login);
    check_password(&mut errors, "password", pw);
    let (Some(name), Some(login), true) = (name, login, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if impersonates_staff(state, &name).await? {
        return Err(AppError::Validation(FieldErrors::single(
            "display_name",
            Msg::new("err-name-reserved"),
        )));
    }
    // Counted once the form is valid, so typing mistakes cost nothing; before the hash,
    // so one address cannot fill the hashing queue.
    crate::state::governed(&state.signups_by_ip, &ip)?;
    let hash = password::hash(pw.to_owned()).await?;
    let site = state.config.public_url.trim_end_matches('/');
    let recipient = login.key().to_owned();
    let existing = find_by_login(state, &login).await?;
    let mut tx = state.db.begin().await?;
    let (kind, locale, subject, body) = match existing {
        Some(existing) => {
            let locale = existing.locale;
            let body = crate::i18n::t_args(
                locale,
                "mail-signup-exists-body",
                &[
                    ("name", existing.display_name.clone()),
                    ("signin", format!("{site}/signin")),
                    ("reset", format!("{site}/password/forgot")),
                ],
            );
            let subject = crate::i18n::t(locale, "mail-signup-exists-subject");
            ("signup_exists", locale, subject, body)
        }
        None => {
            let token = session::random_token()?;
            let (email, phone) = match &login {
                Login::Email(e) => (Some(e.as_str().to_owned()), None),
                Login::Phone(p) => (None, Some(p.as_str().to_owned())),
            };
            ketnoi_db::signups::create(
                tx.conn(),
                &session::hash_token(&token),
                &ketnoi_db::signups::Pending {
                    email,
                    phone,
                    display_name: name.clone(),
                    password_hash: hash,
                    locale: locale.code().to_owned(),
                },
                ketnoi_db::now() + Duration::hours(SIGNUP_HOURS),
            )
            .await?;
            let body = crate::i18n::t_args(
                locale,
                "mail-signup-body",
                &[
                    ("name", name),
                    ("link", format!("{site}/signup/confirm?token={token}")),
                    ("hours", SIGNUP_HOURS.to_string()),
                ],
            );
            let subject = crate::i18n::t(locale, "mail-signup-subject");
            ("signup_confirm", locale, subject, body)
        }
    };
    ketnoi_db::outbox::enqueue(
        tx.conn(),
        &ketnoi_db::outbox::NewMessage {
            kind,
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

/// Whether a sign-up link can still be used (the page asks before showing its button).
pub async fn sign_up_link_is_live(state: &AppState, token: &str) -> Result<bool, AppError> {
    if !session::is_well_formed(token) {
        return Ok(false);
    }
    Ok(ketnoi_db::signups::find_live(
        state.db.conn(),
        &session::hash_token(token),
        ketnoi_db::now(),
    )
    .await?
    .is_some())
}

/// Creates the account a sign-up link stands for; the link is used up.
pub async fn confirm_sign_up(state: &AppState, token: &str) -> Result<User, AppError> {
    let invalid = || {
        AppError::Validation(FieldErrors::single(
            "_form",
            Msg::new("err-signup-link-invalid"),
        ))
    };
    if token.is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "token",
            Msg::new("err-required"),
        )));
    }
    if !session::is_well_formed(token) {
        return Err(invalid());
    }
    let mut tx = state.db.begin().await?;
    let Some(p) =
        ketnoi_db::signups::take(tx.conn(), &session::hash_token(token), ketnoi_db::now()).await?
    else {
        return Err(invalid());
    };
    let new = NewUser {
        email: p.email.as_deref(),
        phone: p.phone.as_deref(),
        display_name: &p.display_name,
        password_hash: &p.password_hash,
        locale: Locale::from_code(&p.locale).unwrap_or_default(),
        role: PlatformRole::User,
        officer_commune_code: None,
    };
    let user = match ketnoi_db::users::insert(tx.conn(), &new).await {
        Ok(u) => u,
        // Two links for one address, both opened: the second finds the account made.
        Err(e) if e.unique_index().is_some() => {
            return Err(AppError::Validation(FieldErrors::single(
                "_form",
                Msg::new("err-signup-already-done"),
            )));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(user)
}

/// Names that would pass for the platform or its staff: the Union's administrators and
/// officers by name, and what the platform calls itself.
const RESERVED_NAMES: &[&str] = &[
    "Ketnoi",
    "Kết nối",
    "Admin",
    "Administrator",
    "Quản trị",
    "Quản trị viên",
    "Ban quản trị",
    "Hội LHPN",
    "Hội Liên hiệp Phụ nữ",
    "Hội Liên hiệp Phụ nữ Hà Nội",
];

async fn impersonates_staff(state: &AppState, name: &str) -> Result<bool, AppError> {
    if RESERVED_NAMES.iter().any(|r| text::same_name(r, name)) {
        return Ok(true);
    }
    let staff = ketnoi_db::users::staff_names(state.db.conn()).await?;
    Ok(staff.iter().any(|s| text::same_name(s, name)))
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
