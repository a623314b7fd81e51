//! A ward/commune's report to the city for a period: the officer's narrative with the unit's
//! figures as they stood when she submitted, the city's decision; which units are due to
//! report; and who still has a report to file, for the deadline reminders (each sent once
//! per period, days before and person).

use crate::{Conn, Db, DbError, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::report::{Action, Period, Refused, State};

#[derive(Debug, Clone, PartialEq)]
pub struct UnitReport {
    pub id: i64,
    pub commune_code: String,
    pub period: Period,
    pub state: State,
    pub narrative: Option<String>,
    /// The unit's figures when submitted (counts only), as JSON.
    pub figures_json: Option<String>,
    /// The city's comment when returned.
    pub comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    commune_code: String,
    period: String,
    state: String,
    narrative: Option<String>,
    figures_json: Option<String>,
    comment: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for UnitReport {
    type Error = DbError;
    fn try_from(r: Row) -> Result<UnitReport> {
        Ok(UnitReport {
            period: crate::reports::stored_period(&r.period)?,
            state: crate::reports::stored_state(&r.state)?,
            id: r.id,
            commune_code: r.commune_code,
            narrative: r.narrative,
            figures_json: r.figures_json,
            comment: r.comment,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            updated_at: r.updated_at,
        })
    }
}

const SELECT: &str = "SELECT id, commune_code, period, state, narrative, figures_json, comment, \
     submitted_at, decided_at, updated_at FROM unit_reports WHERE commune_code = $1 AND period = $2";

pub async fn find(conn: Conn<'_>, commune: &str, period: Period) -> Result<Option<UnitReport>> {
    let row: Option<Row> = on!(conn, e => sqlx::query_as(SELECT)
        .bind(commune)
        .bind(period.to_string())
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Where each unit's report for the period stands (units without one are absent).
pub async fn states(conn: Conn<'_>, period: Period) -> Result<Vec<(String, State)>> {
    let rows: Vec<(String, String)> = on!(conn, e => sqlx::query_as(
        "SELECT commune_code, state FROM unit_reports WHERE period = $1")
        .bind(period.to_string())
        .fetch_all(e)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, s)| State::parse(&s).map(|s| (c, s)))
        .collect())
}

/// The wards/communes expected to report: those with at least one HTX or THT on Ketnoi.
pub async fn units_due(conn: Conn<'_>) -> Result<Vec<String>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT DISTINCT commune_code FROM organisations \
         WHERE kind IN ('htx', 'tht') AND commune_code IS NOT NULL ORDER BY commune_code")
        .fetch_all(e)
        .await)?)
}

async fn audit(
    tx: &mut crate::Tx,
    actor: i64,
    r: &UnitReport,
    action: &str,
    before: Option<&UnitReport>,
) -> Result<()> {
    let json = |r: &UnitReport| {
        serde_json::json!({
            "commune_code": r.commune_code, "period": r.period.to_string(), "state": r.state.as_str(),
            "narrative": r.narrative, "comment": r.comment, "figures": r.figures_json,
        })
        .to_string()
    };
    crate::audit::record(
        tx.conn(),
        &crate::audit::Entry {
            actor_id: Some(actor),
            entity: "unit_report",
            entity_id: r.id.to_string(),
            action,
            before: before.map(json),
            after: Some(json(r)),
            ..Default::default()
        },
    )
    .await
}

/// The ward officer saves or submits her unit's report; `figures_json` is the unit's
/// figures now (kept as submitted).
pub async fn file(
    db: &Db,
    commune: &str,
    period: Period,
    narrative: Option<&str>,
    figures_json: &str,
    action: Action,
    by: i64,
) -> Result<Result<UnitReport, Refused>> {
    let mut tx = db.begin().await?;
    let before = find(tx.conn(), commune, period).await?;
    let from = before.as_ref().map_or(State::Draft, |r| r.state);
    let state = match from.after(action) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let now = crate::now();
    let submitted = (state == State::Submitted).then_some(now);
    let n = match &before {
        None => on!(tx.conn(), e => sqlx::query(
            "INSERT INTO unit_reports (commune_code, period, state, narrative, figures_json, updated_by, submitted_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
            .bind(commune)
            .bind(period.to_string())
            .bind(state.as_str())
            .bind(narrative)
            .bind(figures_json)
            .bind(by)
            .bind(submitted)
            .bind(now)
            .execute(e)
            .await
            .map(|r| r.rows_affected())),
        Some(old) => on!(tx.conn(), e => sqlx::query(
            "UPDATE unit_reports SET state = $1, narrative = $2, figures_json = $3, updated_by = $4, \
             submitted_at = COALESCE($5, submitted_at), updated_at = $6 WHERE id = $7 AND state = $8")
            .bind(state.as_str())
            .bind(narrative)
            .bind(figures_json)
            .bind(by)
            .bind(submitted)
            .bind(now)
            .bind(old.id)
            .bind(old.state.as_str())
            .execute(e)
            .await
            .map(|r| r.rows_affected())),
    };
    match n.map_err(DbError::from) {
        Ok(1) => {}
        Ok(_) | Err(DbError::Unique { .. }) => return Ok(Err(Refused::Changed)),
        Err(e) => return Err(e),
    }
    let report = find(tx.conn(), commune, period)
        .await?
        .ok_or(DbError::NotFound)?;
    let what = if action == Action::Submit {
        "submit"
    } else {
        "save"
    };
    audit(&mut tx, by, &report, what, before.as_ref()).await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// The city returns (with a comment) or accepts a unit's submitted report.
pub async fn decide(
    db: &Db,
    commune: &str,
    period: Period,
    action: Action,
    comment: Option<&str>,
    by: i64,
) -> Result<Result<UnitReport, Refused>> {
    let mut tx = db.begin().await?;
    let Some(old) = find(tx.conn(), commune, period).await? else {
        return Ok(Err(Refused::NotSubmitted));
    };
    let state = match old.state.after(action) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let n = on!(tx.conn(), e => sqlx::query(
        "UPDATE unit_reports SET state = $1, comment = $2, decided_by = $3, decided_at = $4, updated_at = $4 \
         WHERE id = $5 AND state = $6")
        .bind(state.as_str())
        .bind(comment)
        .bind(by)
        .bind(crate::now())
        .bind(old.id)
        .bind(old.state.as_str())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(Err(Refused::Changed));
    }
    let report = find(tx.conn(), commune, period)
        .await?
        .ok_or(DbError::NotFound)?;
    let what = if state == State::Accepted {
        "accept"
    } else {
        "return"
    };
    audit(&mut tx, by, &report, what, Some(&old)).await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// A unit's report as the demo has it (no audit: nobody wrote it).
pub(crate) async fn insert(
    tx: &mut crate::Tx,
    commune: &str,
    period: Period,
    state: State,
    narrative: &str,
    figures_json: &str,
) -> Result<()> {
    let now = crate::now();
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO unit_reports (commune_code, period, state, narrative, figures_json, submitted_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6) ON CONFLICT DO NOTHING")
        .bind(commune)
        .bind(period.to_string())
        .bind(state.as_str())
        .bind(narrative)
        .bind(figures_json)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Someone with a report still to file for a period: the managers of a cooperative whose
/// report is not submitted, or the officer of a ward/commune whose unit report is not.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Due {
    pub user_id: i64,
    /// Her e-mail, or her phone when she signed up by phone.
    pub contact: String,
    pub locale: String,
    /// The cooperative's name and slug, or the ward/commune's code (officers).
    pub what: String,
    pub slug: Option<String>,
}

/// Owners and managers of cooperatives whose report for `period` is not yet submitted.
pub async fn coops_due(conn: Conn<'_>, period: Period) -> Result<Vec<Due>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT u.id AS user_id, ", contact!("u"), " AS contact, u.locale, o.name AS what, o.slug \
         FROM organisations o JOIN memberships m ON m.org_id = o.id AND m.role IN ('owner', 'manager') \
         JOIN users u ON u.id = m.user_id \
         WHERE o.kind IN ('htx', 'tht') AND ", contact!("u"), " IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM coop_reports r WHERE r.org_id = o.id AND r.period = $1 \
             AND r.state IN ('submitted', 'accepted')) \
         ORDER BY u.id, o.id"))
        .bind(period.to_string())
        .fetch_all(e)
        .await)?)
}

/// Ward/commune officers whose unit (with cooperatives) has not submitted its report.
pub async fn officers_due(conn: Conn<'_>, period: Period) -> Result<Vec<Due>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT u.id AS user_id, ", contact!("u"), " AS contact, u.locale, \
           u.officer_commune_code AS what, CAST(NULL AS TEXT) AS slug \
         FROM users u WHERE u.platform_role = 'union_officer' AND u.officer_commune_code IS NOT NULL \
           AND ", contact!("u"), " IS NOT NULL \
           AND EXISTS (SELECT 1 FROM organisations o WHERE o.commune_code = u.officer_commune_code \
             AND o.kind IN ('htx', 'tht')) \
           AND NOT EXISTS (SELECT 1 FROM unit_reports r WHERE r.commune_code = u.officer_commune_code \
             AND r.period = $1 AND r.state IN ('submitted', 'accepted')) \
         ORDER BY u.id"))
        .bind(period.to_string())
        .fetch_all(e)
        .await)?)
}

/// Records that `user` was reminded `days_before` the period's deadline; false when she
/// already was (nothing is sent twice, whatever restarts in between).
pub async fn mark_reminded(
    conn: Conn<'_>,
    period: Period,
    days_before: i64,
    user: i64,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO plan_reminders (period, days_before, user_id, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING")
        .bind(period.to_string())
        .bind(days_before)
        .bind(user)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
