//! Partners and support cases (issue 19): partner organisations and their staff, applicants
//! that are not cooperatives, and support cases with every step recorded (who, when). The
//! rules of which step follows which are `ketnoi_domain::cases`; a step is stored only if
//! the case is still where the rule was checked (compare-and-set on its status), so two
//! people acting at once cannot both move it.

use crate::{Conn, Db, DbError, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::cases::{ApplicantKind, CaseKind, CreditCase, PartnerKind, Status, Step};

/// An applicant that is not a cooperative.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub user_id: Option<i64>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub registered_by: Option<i64>,
}

pub async fn create_applicant(conn: Conn<'_>, a: &NewApplicant) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO applicants (kind, name, user_id, phone, commune_code, registered_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(a.kind.as_str())
        .bind(&a.name)
        .bind(a.user_id)
        .bind(a.phone.as_deref())
        .bind(a.commune_code.as_deref())
        .bind(a.registered_by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// Who a case is for: a cooperative or another applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicant {
    Org(i64),
    Other(i64),
}

impl Applicant {
    fn org(self) -> Option<i64> {
        match self {
            Applicant::Org(id) => Some(id),
            Applicant::Other(_) => None,
        }
    }
    fn other(self) -> Option<i64> {
        match self {
            Applicant::Org(_) => None,
            Applicant::Other(id) => Some(id),
        }
    }
}

/// A support case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: i64,
    pub kind: CaseKind,
    pub applicant: Applicant,
    pub commune_code: Option<String>,
    pub status: Status,
    pub partner_id: Option<i64>,
    pub amount_vnd: Option<i64>,
    pub purpose: Option<String>,
    pub term_months: Option<i64>,
    pub duplicate_flag: bool,
    pub decision_reason: Option<String>,
    pub done_amount_vnd: Option<i64>,
    pub done_on: Option<NaiveDate>,
    pub founded_org_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub opened_by: Option<i64>,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    kind: String,
    org_id: Option<i64>,
    applicant_id: Option<i64>,
    commune_code: Option<String>,
    status: String,
    partner_id: Option<i64>,
    amount_vnd: Option<i64>,
    purpose: Option<String>,
    term_months: Option<i64>,
    duplicate_flag: bool,
    decision_reason: Option<String>,
    done_amount_vnd: Option<i64>,
    done_on: Option<NaiveDate>,
    founded_org_id: Option<i64>,
    conversation_id: Option<i64>,
    opened_by: Option<i64>,
    due_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<CaseRow> for Case {
    type Error = DbError;
    fn try_from(r: CaseRow) -> Result<Case> {
        let applicant = match (r.org_id, r.applicant_id) {
            (Some(o), None) => Applicant::Org(o),
            (None, Some(a)) => Applicant::Other(a),
            _ => return Err(DbError::Corrupt(format!("case {} applicant", r.id))),
        };
        Ok(Case {
            kind: CaseKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("case kind {}", r.kind)))?,
            status: Status::parse(&r.status)
                .ok_or_else(|| DbError::Corrupt(format!("case status {}", r.status)))?,
            applicant,
            id: r.id,
            commune_code: r.commune_code,
            partner_id: r.partner_id,
            amount_vnd: r.amount_vnd,
            purpose: r.purpose,
            term_months: r.term_months,
            duplicate_flag: r.duplicate_flag,
            decision_reason: r.decision_reason,
            done_amount_vnd: r.done_amount_vnd,
            done_on: r.done_on,
            founded_org_id: r.founded_org_id,
            conversation_id: r.conversation_id,
            opened_by: r.opened_by,
            due_at: r.due_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! select_cases {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, org_id, applicant_id, commune_code, status, partner_id, amount_vnd, purpose, \
               term_months, duplicate_flag, decision_reason, done_amount_vnd, done_on, founded_org_id, \
               conversation_id, opened_by, due_at, created_at, updated_at FROM support_cases ",
            $rest
        )
    };
}

/// A case to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub kind: CaseKind,
    pub applicant: Applicant,
    pub commune_code: Option<String>,
    pub amount_vnd: Option<i64>,
    pub purpose: Option<String>,
    pub term_months: Option<i64>,
    pub opened_by: Option<i64>,
    pub due_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// Opens a case (`requested`) with its first step, in the caller's transaction.
pub async fn open(tx: &mut Tx, c: &NewCase) -> Result<i64> {
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO support_cases (kind, org_id, applicant_id, commune_code, status, amount_vnd, purpose, \
           term_months, opened_by, due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, $8, $9, $10, $10) RETURNING id")
        .bind(c.kind.as_str())
        .bind(c.applicant.org())
        .bind(c.applicant.other())
        .bind(c.commune_code.as_deref())
        .bind(c.amount_vnd)
        .bind(c.purpose.as_deref())
        .bind(c.term_months)
        .bind(c.opened_by)
        .bind(c.due_at)
        .bind(c.at)
        .fetch_one(e)
        .await)?;
    insert_step(
        tx,
        id,
        "open",
        Status::Requested,
        None,
        c.opened_by,
        None,
        c.amount_vnd,
        c.at,
    )
    .await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut Tx,
    case_id: i64,
    step: &str,
    status: Status,
    partner_id: Option<i64>,
    actor_id: Option<i64>,
    note: Option<&str>,
    amount_vnd: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO support_case_steps (case_id, step, status, partner_id, actor_id, note, amount_vnd, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(case_id)
        .bind(step)
        .bind(status.as_str())
        .bind(partner_id)
        .bind(actor_id)
        .bind(note)
        .bind(amount_vnd)
        .bind(at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn case(conn: Conn<'_>, id: i64) -> Result<Option<Case>> {
    let row: Option<CaseRow> = on!(conn, e => sqlx::query_as(select_cases!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// A partner's cases, those waiting for her first, then the newest.
pub async fn of_partner(conn: Conn<'_>, partner_id: i64, limit: i64) -> Result<Vec<Case>> {
    let rows: Vec<CaseRow> = on!(conn, e => sqlx::query_as(select_cases!(
        "WHERE partner_id = $1 ORDER BY CASE WHEN status IN ('referred', 'received', 'approved') THEN 0 ELSE 1 END, \
         updated_at DESC, id DESC LIMIT $2"))
        .bind(partner_id)
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// An applicant's cases, newest first.
pub async fn of_applicant(conn: Conn<'_>, applicant: Applicant) -> Result<Vec<Case>> {
    let rows: Vec<CaseRow> = on!(conn, e => sqlx::query_as(select_cases!(
        "WHERE org_id = $1 OR applicant_id = $2 ORDER BY created_at DESC, id DESC"))
        .bind(applicant.org())
        .bind(applicant.other())
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The applicant's other credit cases, as duplicate lending sees them.
pub async fn other_credit_cases(conn: Conn<'_>, case: &Case) -> Result<Vec<CreditCase>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        partner_id: Option<i64>,
        status: String,
        done_on: Option<NaiveDate>,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT id, partner_id, status, done_on FROM support_cases \
         WHERE kind = 'credit' AND id <> $1 AND (org_id = $2 OR applicant_id = $3)")
        .bind(case.id)
        .bind(case.applicant.org())
        .bind(case.applicant.other())
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(CreditCase {
                case_id: r.id,
                partner_id: r.partner_id,
                status: Status::parse(&r.status)
                    .ok_or_else(|| DbError::Corrupt(format!("case status {}", r.status)))?,
                done_on: r.done_on,
            })
        })
        .collect()
}

/// A step checked by `ketnoi_domain::cases::next`, to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    pub case_id: i64,
    /// Where the case was when the rule was checked.
    pub from: Status,
    pub step: Step,
    pub to: Status,
    pub actor_id: Option<i64>,
    /// Refer: the partner it goes to.
    pub partner_id: Option<i64>,
    /// Refer: whether it would lend twice.
    pub duplicate_flag: Option<bool>,
    /// Decline: why; any step: a note.
    pub note: Option<&'a str>,
    /// Complete: the amount disbursed.
    pub amount_vnd: Option<i64>,
    pub done_on: Option<NaiveDate>,
    /// Complete, founding: the cooperative registered.
    pub founded_org_id: Option<i64>,
    /// When the next one should act (None: nobody's turn).
    pub due_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// Stores `c` if the case is still at `c.from`; false if someone moved it first (nothing is
/// stored then).
pub async fn apply(tx: &mut Tx, c: &Change<'_>) -> Result<bool> {
    let moved = on!(tx.conn(), e => sqlx::query(
        "UPDATE support_cases SET status = $3, \
           partner_id = COALESCE($4, partner_id), \
           duplicate_flag = COALESCE($5, duplicate_flag), \
           decision_reason = CASE WHEN $3 = 'declined' THEN $6 WHEN $3 = 'referred' THEN NULL ELSE decision_reason END, \
           done_amount_vnd = CASE WHEN $3 = 'done' THEN $7 ELSE done_amount_vnd END, \
           done_on = CASE WHEN $3 = 'done' THEN $8 ELSE done_on END, \
           founded_org_id = COALESCE($9, founded_org_id), \
           due_at = $10, reminded_at = NULL, escalated_at = NULL, updated_at = $11 \
         WHERE id = $1 AND status = $2")
        .bind(c.case_id)
        .bind(c.from.as_str())
        .bind(c.to.as_str())
        .bind(c.partner_id)
        .bind(c.duplicate_flag)
        .bind(c.note)
        .bind(c.amount_vnd)
        .bind(c.done_on)
        .bind(c.founded_org_id)
        .bind(c.due_at)
        .bind(c.at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if moved == 0 {
        return Ok(false);
    }
    insert_step(
        tx,
        c.case_id,
        c.step.as_str(),
        c.to,
        c.partner_id,
        c.actor_id,
        c.note,
        c.amount_vnd,
        c.at,
    )
    .await?;
    Ok(true)
}

/// A step of a case, as its timeline shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseStep {
    pub step: String,
    pub status: String,
    pub partner_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    pub amount_vnd: Option<i64>,
    pub at: DateTime<Utc>,
}

/// A case's steps in the order they were taken.
pub async fn steps(conn: Conn<'_>, case_id: i64) -> Result<Vec<CaseStep>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT s.step, s.status, s.partner_id, s.actor_id, u.display_name AS actor_name, s.note, s.amount_vnd, s.at \
         FROM support_case_steps s LEFT JOIN users u ON u.id = s.actor_id WHERE s.case_id = $1 ORDER BY s.id")
        .bind(case_id)
        .fetch_all(e)
        .await)?)
}

/// An applicant that is not a cooperative, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherApplicant {
    pub id: i64,
    pub kind: ApplicantKind,
    pub name: String,
    pub user_id: Option<i64>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ApplicantRow {
    id: i64,
    kind: String,
    name: String,
    user_id: Option<i64>,
    phone: Option<String>,
    commune_code: Option<String>,
}

impl TryFrom<ApplicantRow> for OtherApplicant {
    type Error = DbError;
    fn try_from(r: ApplicantRow) -> Result<OtherApplicant> {
        Ok(OtherApplicant {
            kind: ApplicantKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("applicant kind {}", r.kind)))?,
            id: r.id,
            name: r.name,
            user_id: r.user_id,
            phone: r.phone,
            commune_code: r.commune_code,
        })
    }
}

pub async fn applicant(conn: Conn<'_>, id: i64) -> Result<Option<OtherApplicant>> {
    let row: Option<ApplicantRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, kind, name, user_id, phone, commune_code FROM applicants WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// The applicant records that are `user_id` herself (her household business, the business
/// she is starting), oldest first.
pub async fn applicants_of_user(conn: Conn<'_>, user_id: i64) -> Result<Vec<OtherApplicant>> {
    let rows: Vec<ApplicantRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, kind, name, user_id, phone, commune_code FROM applicants WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The cases `user_id` applied for: those of the cooperatives she owns or manages and those
/// of her own applicant records, newest first.
pub async fn of_user(conn: Conn<'_>, user_id: i64) -> Result<Vec<Case>> {
    let rows: Vec<CaseRow> = on!(conn, e => sqlx::query_as(select_cases!(
        "WHERE org_id IN (SELECT org_id FROM memberships WHERE user_id = $1 AND role IN ('owner', 'manager')) \
            OR applicant_id IN (SELECT id FROM applicants WHERE user_id = $1) \
         ORDER BY created_at DESC, id DESC LIMIT 200"))
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The cases in a ward/commune (`None`: the whole city), waiting ones first (the oldest
/// deadline first), then the others newest first; `status` narrows to one status.
pub async fn in_scope(
    conn: Conn<'_>,
    commune_code: Option<&str>,
    status: Option<Status>,
    limit: i64,
) -> Result<Vec<Case>> {
    let rows: Vec<CaseRow> = on!(conn, e => sqlx::query_as(select_cases!(
        "WHERE ($1 IS NULL OR commune_code = $1) AND ($2 IS NULL OR status = $2) \
         ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, updated_at DESC, id DESC LIMIT $3"))
        .bind(commune_code)
        .bind(status.map(Status::as_str))
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The case's conversation (the existing messaging: an inquiry-kind thread titled `title`,
/// with the applicant cooperative's owners and managers taking part through `org_id`), made
/// the first time someone asks for it; `members` join it (again: nothing changes). Two
/// people asking at once get the same one.
pub async fn conversation(
    db: &Db,
    case: &Case,
    title: &str,
    created_by: i64,
    members: &[i64],
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let bound: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT conversation_id FROM support_cases WHERE id = $1")
        .bind(case.id)
        .fetch_optional(e)
        .await)?
    .flatten();
    let now = crate::now();
    let id = match bound {
        Some(id) => id,
        None => {
            let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
                "INSERT INTO conversations (kind, title, org_id, listing_id, created_by, last_seq, created_at) \
                 VALUES ('inquiry', $1, $2, NULL, $3, 0, $4) RETURNING id")
                .bind(title)
                .bind(case.applicant.org())
                .bind(created_by)
                .bind(now)
                .fetch_one(e)
                .await)?;
            let set = on!(tx.conn(), e => sqlx::query(
                "UPDATE support_cases SET conversation_id = $2 WHERE id = $1 AND conversation_id IS NULL")
                .bind(case.id)
                .bind(id)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            if set == 0 {
                // Someone bound one between our read and write: use hers.
                drop(tx);
                return Box::pin(conversation(db, case, title, created_by, members)).await;
            }
            id
        }
    };
    for user in members {
        crate::messaging::add_member(tx.conn(), id, *user, "member", now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

mod figures;
mod notices;
mod partners;

pub use figures::*;
pub use notices::*;
pub use partners::*;
