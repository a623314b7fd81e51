//! Partners and support cases (issue 19): partner organisations and their staff, applicants
//! that are not cooperatives, and support cases with every step recorded (who, when). The
//! rules of which step follows which are `ketnoi_domain::cases`; a step is stored only if
//! the case is still where the rule was checked (compare-and-set on its status), so two
//! people acting at once cannot both move it.

use crate::{Conn, Db, DbError, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::cases::{ApplicantKind, CaseKind, CreditCase, PartnerKind, Status, Step};

/// A partner organisation: a bank, a microfinance institution, a fund…
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: PartnerKind,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    phone: Option<String>,
    email: Option<String>,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = DbError;
    fn try_from(r: PartnerRow) -> Result<Partner> {
        Ok(Partner {
            kind: PartnerKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("partner kind {}", r.kind)))?,
            id: r.id,
            slug: r.slug,
            name: r.name,
            phone: r.phone,
            email: r.email,
        })
    }
}

/// A partner to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartner {
    pub slug: String,
    pub name: String,
    pub kind: PartnerKind,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub async fn create_partner(conn: Conn<'_>, p: &NewPartner) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO partners (slug, name, kind, phone, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(&p.slug)
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(p.phone.as_deref())
        .bind(p.email.as_deref())
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// Every partner, by name.
pub async fn partners(conn: Conn<'_>) -> Result<Vec<Partner>> {
    let rows: Vec<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, slug, name, kind, phone, email FROM partners ORDER BY name, id")
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Makes `user_id` staff of `partner_id` (again: nothing changes).
pub async fn add_staff(conn: Conn<'_>, partner_id: i64, user_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO partner_staff (partner_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (partner_id, user_id) DO NOTHING")
        .bind(partner_id)
        .bind(user_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The partners `user_id` works for (usually one).
pub async fn partners_of(conn: Conn<'_>, user_id: i64) -> Result<Vec<Partner>> {
    let rows: Vec<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT p.id, p.slug, p.name, p.kind, p.phone, p.email FROM partners p \
         JOIN partner_staff s ON s.partner_id = p.id WHERE s.user_id = $1 ORDER BY p.name, p.id")
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

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

/// Whether `user_id` is staff of any partner.
pub async fn is_staff(conn: Conn<'_>, user_id: i64) -> Result<bool> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM partner_staff WHERE user_id = $1)")
        .bind(user_id)
        .fetch_one(e)
        .await)?)
}

pub async fn partner(conn: Conn<'_>, id: i64) -> Result<Option<Partner>> {
    let row: Option<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, slug, name, kind, phone, email FROM partners WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Ends `user_id`'s work for `partner_id`; whether she was staff.
pub async fn remove_staff(conn: Conn<'_>, partner_id: i64, user_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "DELETE FROM partner_staff WHERE partner_id = $1 AND user_id = $2")
        .bind(partner_id)
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A partner's staff: user id and name.
pub async fn staff(conn: Conn<'_>, partner_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT u.id, u.display_name FROM partner_staff s JOIN users u ON u.id = s.user_id \
         WHERE s.partner_id = $1 ORDER BY u.display_name, u.id")
        .bind(partner_id)
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

/// Cooperatives founded with the Union's support whose founding case ended in `from..=to`:
/// each founded cooperative once, however many cases or edits name it.
pub async fn founded_count(conn: Conn<'_>, from: NaiveDate, to: NaiveDate) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(DISTINCT founded_org_id) FROM support_cases \
         WHERE kind = 'founding' AND status = 'done' AND founded_org_id IS NOT NULL \
           AND done_on >= $1 AND done_on <= $2")
        .bind(from)
        .bind(to)
        .fetch_one(e)
        .await)?)
}

/// Credit by partner over cases created in `from..=to`: referrals, approvals (approved or
/// disbursed), disbursements and the amount disbursed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CreditFigures {
    pub partner_id: i64,
    pub referred: i64,
    pub approved: i64,
    pub disbursed: i64,
    pub disbursed_vnd: i64,
}

pub async fn credit_by_partner(
    conn: Conn<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CreditFigures>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT partner_id, COUNT(*) AS referred, \
           CAST(SUM(CASE WHEN status IN ('approved', 'done') THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
           CAST(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS disbursed, \
           CAST(COALESCE(SUM(CASE WHEN status = 'done' THEN done_amount_vnd ELSE 0 END), 0) AS BIGINT) AS disbursed_vnd \
         FROM support_cases WHERE kind = 'credit' AND partner_id IS NOT NULL \
           AND created_at >= $1 AND created_at <= $2 \
         GROUP BY partner_id ORDER BY partner_id")
        .bind(from)
        .bind(to)
        .fetch_all(e)
        .await)?)
}

// Notices (issue 19): who is told of each step and of late cases, and the marks that make
// each notice go out once (`ketnoi_app::case_notices`).

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

// Figures for the plan

/// The first instant of `day` in Hanoi, in UTC (Hanoi keeps UTC+7 all year).
fn hanoi_midnight(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN)
        - chrono::Duration::minutes(ketnoi_domain::time::HANOI_OFFSET_MINUTES))
    .and_utc()
}

/// Credit cases' figures over a stretch of days: referrals made (and the amount those cases
/// ask for), approvals, declines, and disbursements with the amount disbursed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreditCounts {
    pub referred: i64,
    pub requested_vnd: i64,
    pub approved: i64,
    pub declined: i64,
    pub disbursed: i64,
    pub disbursed_vnd: i64,
}

impl std::ops::AddAssign for CreditCounts {
    fn add_assign(&mut self, o: CreditCounts) {
        self.referred += o.referred;
        self.requested_vnd += o.requested_vnd;
        self.approved += o.approved;
        self.declined += o.declined;
        self.disbursed += o.disbursed;
        self.disbursed_vnd += o.disbursed_vnd;
    }
}

/// Credit figures of a scope and stretch of days, by partner, by ward/commune (the case's;
/// `""` for cases without one), and in all. Each table adds up to the total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditBreakdown {
    /// By partner id, in id order.
    pub by_partner: Vec<(i64, CreditCounts)>,
    /// By ward/commune code, in code order.
    pub by_commune: Vec<(String, CreditCounts)>,
    pub total: CreditCounts,
}

#[derive(sqlx::FromRow)]
struct CreditRow {
    partner_id: i64,
    commune_code: Option<String>,
    referred: i64,
    requested_vnd: i64,
    approved: i64,
    declined: i64,
    disbursed: i64,
    disbursed_vnd: i64,
}

/// Credit cases within `scope` (the case's ward/commune) over the Hanoi days `from..=to`:
/// a referral, approval or decline counts on the day of its step (a step counted once per
/// case and partner, however often it was recorded), with the partner the case was with at
/// that step, so a case declined by one lender and referred to another counts for each;
/// a disbursement counts on its `done_on`, with its amount.
pub async fn credit_figures(
    conn: Conn<'_>,
    scope: &ketnoi_domain::role::Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CreditBreakdown> {
    let after_to = to
        .checked_add_days(chrono::Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    let rows: Vec<CreditRow> = on!(conn, e => sqlx::query_as(
        "SELECT e.partner_id, c.commune_code, \
           CAST(SUM(CASE WHEN e.what = 'refer' THEN 1 ELSE 0 END) AS BIGINT) AS referred, \
           CAST(COALESCE(SUM(CASE WHEN e.what = 'refer' THEN c.amount_vnd ELSE 0 END), 0) AS BIGINT) AS requested_vnd, \
           CAST(SUM(CASE WHEN e.what = 'approve' THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
           CAST(SUM(CASE WHEN e.what = 'decline' THEN 1 ELSE 0 END) AS BIGINT) AS declined, \
           CAST(SUM(CASE WHEN e.what = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS disbursed, \
           CAST(COALESCE(SUM(CASE WHEN e.what = 'done' THEN c.done_amount_vnd ELSE 0 END), 0) AS BIGINT) AS disbursed_vnd \
         FROM ( \
           SELECT DISTINCT s.case_id, s.step AS what, \
             CASE WHEN s.step = 'refer' THEN s.partner_id ELSE \
               (SELECT r.partner_id FROM support_case_steps r \
                WHERE r.case_id = s.case_id AND r.step = 'refer' AND r.id < s.id ORDER BY r.id DESC LIMIT 1) \
             END AS partner_id \
           FROM support_case_steps s \
           WHERE s.step IN ('refer', 'approve', 'decline') AND s.at >= $1 AND s.at < $2 \
           UNION ALL \
           SELECT id, 'done', partner_id FROM support_cases \
           WHERE kind = 'credit' AND status = 'done' AND done_on >= $3 AND done_on <= $4 \
         ) e JOIN support_cases c ON c.id = e.case_id \
         WHERE c.kind = 'credit' AND e.partner_id IS NOT NULL AND ($5 IS NULL OR c.commune_code = $5) \
         GROUP BY e.partner_id, c.commune_code")
        .bind(hanoi_midnight(from))
        .bind(hanoi_midnight(after_to))
        .bind(from)
        .bind(to)
        .bind(scope.commune())
        .fetch_all(e)
        .await)?;
    let mut out = CreditBreakdown::default();
    for r in rows {
        let counts = CreditCounts {
            referred: r.referred,
            requested_vnd: r.requested_vnd,
            approved: r.approved,
            declined: r.declined,
            disbursed: r.disbursed,
            disbursed_vnd: r.disbursed_vnd,
        };
        let commune = r.commune_code.unwrap_or_default();
        match out.by_partner.iter_mut().find(|(p, _)| *p == r.partner_id) {
            Some((_, c)) => *c += counts,
            None => out.by_partner.push((r.partner_id, counts)),
        }
        match out.by_commune.iter_mut().find(|(c, _)| *c == commune) {
            Some((_, c)) => *c += counts,
            None => out.by_commune.push((commune, counts)),
        }
        out.total += counts;
    }
    out.by_partner.sort_by_key(|(p, _)| *p);
    out.by_commune.sort_by(|(a, _), (b, _)| a.cmp(b));
    Ok(out)
}

/// Cooperatives founded with the Union's support on the days `from..=to`, HTX and THT,
/// within `scope` (the cooperative's ward/commune): by the rule of the plan's figure
/// (`reports::tallies`), a founding support record that began then, or a founding case
/// that ended then naming it; each cooperative once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Founded {
    pub htx: i64,
    pub tht: i64,
}

pub async fn founded_in(
    conn: Conn<'_>,
    scope: &ketnoi_domain::role::Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Founded> {
    let rows: Vec<(String, i64)> = on!(conn, e => sqlx::query_as(
        "SELECT o.kind, COUNT(*) FROM organisations o \
         WHERE o.kind IN ('htx', 'tht') AND ($3 IS NULL OR o.commune_code = $3) \
           AND (EXISTS (SELECT 1 FROM support_records s WHERE s.org_id = o.id AND s.kind = 'founding' \
                  AND s.since >= $1 AND s.since <= $2) \
             OR EXISTS (SELECT 1 FROM support_cases c WHERE c.founded_org_id = o.id AND c.kind = 'founding' \
                  AND c.status = 'done' AND c.done_on >= $1 AND c.done_on <= $2)) \
         GROUP BY o.kind")
        .bind(from)
        .bind(to)
        .bind(scope.commune())
        .fetch_all(e)
        .await)?;
    let count = |k: &str| {
        rows.iter()
            .find(|(kind, _)| kind == k)
            .map_or(0, |(_, n)| *n)
    };
    Ok(Founded {
        htx: count("htx"),
        tht: count("tht"),
    })
}
