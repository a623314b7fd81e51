//! Who is told of each step of a case and of late cases, and the marks that make each
//! notice go out once (`ketnoi_app::case_notices`).

use super::*;

/// Someone to tell: where the product writes to her (`contact!`: her e-mail address, else
/// the phone her account was made with), and her language.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Contact {
    /// `None`: an applicant without an account, known by the phone she gave.
    pub user_id: Option<i64>,
    pub contact: String,
    pub locale: String,
}

/// A step no one has been told of yet.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UntoldStep {
    pub id: i64,
    pub case_id: i64,
    /// `open` or a [`Step`]'s name.
    pub step: String,
    /// The case's status after the step.
    pub status: String,
    pub partner_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub note: Option<String>,
    pub amount_vnd: Option<i64>,
    pub at: DateTime<Utc>,
    /// The case's status before the step (`None` for `open`).
    pub before: Option<String>,
    /// The officer who referred the case last, up to this step.
    pub referred_by: Option<i64>,
    /// The partner that referral went to.
    pub referred_to: Option<i64>,
}

/// The oldest steps not yet told, at most `limit`.
pub async fn untold_steps(conn: Conn<'_>, limit: i64) -> Result<Vec<UntoldStep>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT s.id, s.case_id, s.step, s.status, s.partner_id, s.actor_id, s.note, s.amount_vnd, s.at, \
           (SELECT p.status FROM support_case_steps p WHERE p.case_id = s.case_id AND p.id < s.id \
             ORDER BY p.id DESC LIMIT 1) AS before, \
           (SELECT r.actor_id FROM support_case_steps r WHERE r.case_id = s.case_id AND r.id <= s.id \
             AND r.step = 'refer' ORDER BY r.id DESC LIMIT 1) AS referred_by, \
           (SELECT r.partner_id FROM support_case_steps r WHERE r.case_id = s.case_id AND r.id <= s.id \
             AND r.step = 'refer' ORDER BY r.id DESC LIMIT 1) AS referred_to \
         FROM support_case_steps s WHERE s.notified_at IS NULL ORDER BY s.id LIMIT $1")
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// Records that step `step_id` was told; false when it already was (another worker's pass).
pub async fn mark_step_told(conn: Conn<'_>, step_id: i64, at: DateTime<Utc>) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE support_case_steps SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL")
        .bind(step_id)
        .bind(at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The applicant's name: the cooperative's, or the applicant's own.
pub async fn applicant_name(conn: Conn<'_>, applicant: Applicant) -> Result<Option<String>> {
    Ok(match applicant {
        Applicant::Org(id) => on!(conn, e => sqlx::query_scalar(
            "SELECT name FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(e)
            .await)?,
        Applicant::Other(id) => on!(conn, e => sqlx::query_scalar(
            "SELECT name FROM applicants WHERE id = $1")
            .bind(id)
            .fetch_optional(e)
            .await)?,
    })
}

/// Who answers for the applicant: a cooperative's owners and managers; another applicant's
/// account, or without one the phone she gave (as written; `user_id` is `None` then).
pub async fn applicant_contacts(conn: Conn<'_>, applicant: Applicant) -> Result<Vec<Contact>> {
    Ok(match applicant {
        Applicant::Org(id) => on!(conn, e => sqlx::query_as(concat!(
            "SELECT u.id AS user_id, ", contact!("u"), " AS contact, u.locale \
             FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 AND m.role IN ('owner', 'manager') ORDER BY u.id"))
            .bind(id)
            .fetch_all(e)
            .await)?,
        Applicant::Other(id) => on!(conn, e => sqlx::query_as(concat!(
            "SELECT u.id AS user_id, COALESCE(", contact!("u"), ", a.phone) AS contact, \
               COALESCE(u.locale, 'vi') AS locale \
             FROM applicants a LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.id = $1 AND COALESCE(", contact!("u"), ", a.phone) IS NOT NULL"))
            .bind(id)
            .fetch_all(e)
            .await)?,
    })
}

/// The staff of a partner.
pub async fn staff_contacts(conn: Conn<'_>, partner_id: i64) -> Result<Vec<Contact>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT u.id AS user_id, ", contact!("u"), " AS contact, u.locale \
         FROM partner_staff s JOIN users u ON u.id = s.user_id WHERE s.partner_id = $1 ORDER BY u.id"))
        .bind(partner_id)
        .fetch_all(e)
        .await)?)
}

/// The Union officers of a ward/commune; without any (or without a commune), the city's
/// (officers with no ward or commune of their own).
pub async fn officer_contacts(conn: Conn<'_>, commune_code: Option<&str>) -> Result<Vec<Contact>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: i64,
        contact: String,
        locale: String,
        city: bool,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(concat!(
        "SELECT id AS user_id, ", contact!(), " AS contact, locale, \
           officer_commune_code IS NULL AS city \
         FROM users WHERE platform_role = 'union_officer' \
           AND (officer_commune_code = $1 OR officer_commune_code IS NULL) ORDER BY id"))
        .bind(commune_code)
        .fetch_all(e)
        .await)?;
    let local = rows.iter().any(|r| !r.city);
    Ok(rows
        .into_iter()
        .filter(|r| r.city != local)
        .map(|r| Contact {
            user_id: Some(r.user_id),
            contact: r.contact,
            locale: r.locale,
        })
        .collect())
}

/// The city's Union officers (no ward or commune of their own).
pub async fn city_officer_contacts(conn: Conn<'_>) -> Result<Vec<Contact>> {
    officer_contacts(conn, None).await
}

/// One user as someone to tell.
pub async fn user_contact(conn: Conn<'_>, user_id: i64) -> Result<Option<Contact>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT id AS user_id, ", contact!(), " AS contact, locale FROM users WHERE id = $1"))
        .bind(user_id)
        .fetch_optional(e)
        .await)?)
}

/// A case past its deadline, and whether it was reminded and escalated since its last step.
#[derive(Debug, Clone, PartialEq)]
pub struct LateCase {
    pub case: Case,
    pub reminded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

/// Cases whose deadline passed by `now` and that are not yet both reminded and escalated,
/// the most overdue first, at most `limit`.
pub async fn late(conn: Conn<'_>, now: DateTime<Utc>, limit: i64) -> Result<Vec<LateCase>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        case: CaseRow,
        reminded_at: Option<DateTime<Utc>>,
        escalated_at: Option<DateTime<Utc>>,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT id, kind, org_id, applicant_id, commune_code, status, partner_id, amount_vnd, purpose, \
           term_months, duplicate_flag, decision_reason, done_amount_vnd, done_on, founded_org_id, \
           conversation_id, opened_by, due_at, created_at, updated_at, reminded_at, escalated_at \
         FROM support_cases \
         WHERE due_at IS NOT NULL AND due_at <= $1 AND (reminded_at IS NULL OR escalated_at IS NULL) \
           AND status IN ('requested', 'referred', 'received', 'approved') \
         ORDER BY due_at, id LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(LateCase {
                case: r.case.try_into()?,
                reminded_at: r.reminded_at,
                escalated_at: r.escalated_at,
            })
        })
        .collect()
}

/// Records the reminder of a case still at `status` and late at `now`; false when it was
/// already reminded or has moved on since it was read.
pub async fn mark_reminded(
    conn: Conn<'_>,
    case_id: i64,
    status: Status,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE support_cases SET reminded_at = $3 \
         WHERE id = $1 AND status = $2 AND reminded_at IS NULL AND due_at <= $3")
        .bind(case_id)
        .bind(status.as_str())
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the escalation of a case still at `status` whose deadline was at or before
/// `due_by`; false when it was already escalated or has moved on since it was read.
pub async fn mark_escalated(
    conn: Conn<'_>,
    case_id: i64,
    status: Status,
    due_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE support_cases SET escalated_at = $4 \
         WHERE id = $1 AND status = $2 AND escalated_at IS NULL AND due_at <= $3")
        .bind(case_id)
        .bind(status.as_str())
        .bind(due_by)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
