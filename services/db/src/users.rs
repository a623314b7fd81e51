//! Accounts: who can sign in, with which identifier, in which language and platform role.

use crate::{Conn, DbError, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;

#[derive(Debug, Clone, sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: Option<String>,
    phone: Option<String>,
    display_name: String,
    password_hash: String,
    locale: String,
    platform_role: String,
    officer_commune_code: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    pub locale: Locale,
    pub role: PlatformRole,
    /// For a Union officer: the ward/commune they act for; `None` means the whole city.
    pub officer_commune_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Where the product writes to her: her e-mail, else her phone (the rule the store's
    /// queries write as `contact!`).
    pub fn contact(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone.as_deref())
    }

    /// The part of the city this person acts for as a Union officer or administrator.
    pub fn scope(&self) -> Option<ketnoi_domain::role::Scope> {
        ketnoi_domain::role::Scope::of(self.role, self.officer_commune_code.as_deref())
    }
}

/// `SELECT <every user column> FROM users <rest>`, as one literal for sqlx.
macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT id, email, phone, display_name, password_hash, locale, platform_role, officer_commune_code, created_at FROM users ",
            $rest
        )
    };
}

impl TryFrom<UserRow> for User {
    type Error = DbError;
    fn try_from(r: UserRow) -> Result<User> {
        Ok(User {
            id: r.id,
            email: r.email,
            phone: r.phone,
            display_name: r.display_name,
            password_hash: r.password_hash,
            locale: Locale::from_code(&r.locale).unwrap_or_default(),
            role: PlatformRole::parse(&r.platform_role)
                .ok_or_else(|| DbError::Corrupt(format!("platform_role {}", r.platform_role)))?,
            officer_commune_code: r.officer_commune_code,
            created_at: r.created_at,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub locale: Locale,
    pub role: PlatformRole,
    pub officer_commune_code: Option<&'a str>,
}

pub async fn insert(conn: Conn<'_>, u: &NewUser<'_>) -> Result<User> {
    let now = crate::now();
    let row: UserRow = on!(conn, e => sqlx::query_as(
        "INSERT INTO users (email, phone, display_name, password_hash, locale, platform_role, officer_commune_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         RETURNING id, email, phone, display_name, password_hash, locale, platform_role, officer_commune_code, created_at")
        .bind(u.email)
        .bind(u.phone)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(u.locale.code())
        .bind(u.role.as_str())
        .bind(u.officer_commune_code)
        .bind(now)
        .fetch_one(e)
        .await)?;
    row.try_into()
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<User>> {
    let row: Option<UserRow> = on!(conn, e => sqlx::query_as(
        select_users!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

pub async fn find_by_email(conn: Conn<'_>, email: &str) -> Result<Option<User>> {
    let row: Option<UserRow> = on!(conn, e => sqlx::query_as(
        select_users!("WHERE email = $1"))
        .bind(email)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// The display names of administrators and Union officers: names nobody else may take.
pub async fn staff_names(conn: Conn<'_>) -> Result<Vec<String>> {
    let names: Vec<(String,)> = on!(conn, e => sqlx::query_as(
        "SELECT display_name FROM users WHERE platform_role IN ('admin', 'union_officer')")
        .fetch_all(e)
        .await)?;
    Ok(names.into_iter().map(|(n,)| n).collect())
}

pub async fn find_by_phone(conn: Conn<'_>, phone: &str) -> Result<Option<User>> {
    let row: Option<UserRow> = on!(conn, e => sqlx::query_as(
        select_users!("WHERE phone = $1"))
        .bind(phone)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

pub async fn list(conn: Conn<'_>, limit: i64, offset: i64) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = on!(conn, e => sqlx::query_as(
        select_users!("ORDER BY id LIMIT $1 OFFSET $2"))
        .bind(limit)
        .bind(offset)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub async fn set_locale(conn: Conn<'_>, id: i64, locale: Locale) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale.code())
        .bind(crate::now())
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_password_hash(conn: Conn<'_>, id: i64, password_hash: &str) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(crate::now())
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_role(
    conn: Conn<'_>,
    id: i64,
    role: PlatformRole,
    officer_commune_code: Option<&str>,
) -> Result<bool> {
    let done = on!(conn, e => sqlx::query(
        "UPDATE users SET platform_role = $1, officer_commune_code = $2, updated_at = $3 WHERE id = $4")
        .bind(role.as_str())
        .bind(officer_commune_code)
        .bind(crate::now())
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn count(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(e).await)?)
}

/// The user of a live session (by the hash of its token), in one query: every request
/// with a session cookie asks this.
pub async fn find_by_session(
    conn: Conn<'_>,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>> {
    let row: Option<UserRow> = on!(conn, e => sqlx::query_as(
        "SELECT u.id, u.email, u.phone, u.display_name, u.password_hash, u.locale, u.platform_role, u.officer_commune_code, u.created_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > $2")
        .bind(session_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// What the header of a signed-in page needs about its visitor: see
/// [`find_by_session_with_unread`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub user: User,
    /// Unread messages over the user's conversations.
    pub unread: i64,
    /// Whether the user belongs to any organisation or holds any proxy grant: when not, a
    /// page need not ask for her rights over the cooperative it shows (she has none).
    pub acts_for_orgs: bool,
    /// Whether the user is staff of a partner organisation (a bank, a fund…): the partner
    /// desk's link and routes.
    pub partner_staff: bool,
}

/// [`find_by_session`], the user's unread messages over their conversations (the same
/// sum as [`crate::messaging::unread_total`]) and whether she acts for any organisation, in
/// one query: what every page a signed-in person views needs, for one round trip.
pub async fn find_by_session_with_unread(
    conn: Conn<'_>,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        unread: Option<i64>,
        acts_for_orgs: bool,
        partner_staff: bool,
    }
    // The conversations `messaging` calls participating: those the user is a member of and
    // those of a cooperative they own or manage; each half reads its own index.
    let row: Option<Row> = on!(conn, e => sqlx::query_as(
        "SELECT u.id, u.email, u.phone, u.display_name, u.password_hash, u.locale, u.platform_role, u.officer_commune_code, u.created_at, \
           (SELECT CAST(SUM(c.last_seq - COALESCE(cm.last_read_seq, 0)) AS BIGINT) \
            FROM conversations c \
            LEFT JOIN conversation_members cm ON cm.conversation_id = c.id AND cm.user_id = u.id \
            WHERE c.id IN (SELECT p.conversation_id FROM conversation_members p WHERE p.user_id = u.id \
                           UNION SELECT oc.id FROM conversations oc JOIN memberships m ON m.org_id = oc.org_id \
                           WHERE m.user_id = u.id AND m.role IN ('owner', 'manager'))) AS unread, \
           (EXISTS (SELECT 1 FROM memberships a WHERE a.user_id = u.id) \
            OR EXISTS (SELECT 1 FROM proxy_grants g WHERE g.officer_id = u.id)) AS acts_for_orgs, \
           EXISTS (SELECT 1 FROM partner_staff ps WHERE ps.user_id = u.id) AS partner_staff \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > $2")
        .bind(session_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?;
    row.map(|r| {
        Ok(SessionUser {
            user: r.user.try_into()?,
            unread: r.unread.unwrap_or(0),
            acts_for_orgs: r.acts_for_orgs,
            partner_staff: r.partner_staff,
        })
    })
    .transpose()
}
