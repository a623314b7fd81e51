//! Cooperatives' periodic reports (`ketnoi_domain::report`): one row per version, the latest
//! being the report. Every change goes with its audit entry in one transaction; a change
//! is written only if the report is still in the state it was read in, so two people
//! deciding at once cannot both win. Also the sums the plan's dashboard is computed from.

use crate::{Conn, Db, DbError, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::progress::Tally;
use ketnoi_domain::report::{Action, Figures, Period, Refused, State};

/// One version of a cooperative's report for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: i64,
    pub org_id: i64,
    pub period: Period,
    pub version: i64,
    pub state: State,
    pub figures: Figures,
    /// The officer's comment when she returned it.
    pub comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The figure columns, in [`Figures`]' order; `bind_figures!` binds them in the same order.
macro_rules! figures {
    () => {
        "members_total, members_women, workers_total, workers_women, chair_women, board_women, \
         director_women, supervisors_women, accountant_women, managers_certified, members_vocational, \
         members_ecommerce, jobs_created, charter_capital, revenue, profit, poor_women, minority_women, \
         disabled_women, land_women, laid_off_women, difficulties, needs"
    };
}

macro_rules! select_reports {
    ($rest:literal) => {
        concat!(
            "SELECT id, org_id, period, version, state, comment, submitted_at, decided_at, updated_at, \
             members_total, members_women, workers_total, workers_women, chair_women, board_women, \
             director_women, supervisors_women, accountant_women, managers_certified, members_vocational, \
             members_ecommerce, jobs_created, charter_capital, revenue, profit, poor_women, minority_women, \
             disabled_women, land_women, laid_off_women, difficulties, needs FROM coop_reports ",
            $rest
        )
    };
}

macro_rules! bind_figures {
    ($q:expr, $f:expr) => {{
        let f: &Figures = $f;
        $q.bind(f.members_total)
            .bind(f.members_women)
            .bind(f.workers_total)
            .bind(f.workers_women)
            .bind(f.chair_women)
            .bind(f.board_women)
            .bind(f.director_women)
            .bind(f.supervisors_women)
            .bind(f.accountant_women)
            .bind(f.managers_certified)
            .bind(f.members_vocational)
            .bind(f.members_ecommerce)
            .bind(f.jobs_created)
            .bind(f.charter_capital)
            .bind(f.revenue)
            .bind(f.profit)
            .bind(f.groups[0])
            .bind(f.groups[1])
            .bind(f.groups[2])
            .bind(f.groups[3])
            .bind(f.groups[4])
            .bind(f.difficulties.as_deref())
            .bind(f.needs.as_deref())
    }};
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    period: String,
    version: i64,
    state: String,
    comment: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    members_total: Option<i64>,
    members_women: Option<i64>,
    workers_total: Option<i64>,
    workers_women: Option<i64>,
    chair_women: Option<i64>,
    board_women: Option<i64>,
    director_women: Option<i64>,
    supervisors_women: Option<i64>,
    accountant_women: Option<i64>,
    managers_certified: Option<i64>,
    members_vocational: Option<i64>,
    members_ecommerce: Option<i64>,
    jobs_created: Option<i64>,
    charter_capital: Option<i64>,
    revenue: Option<i64>,
    profit: Option<i64>,
    poor_women: Option<i64>,
    minority_women: Option<i64>,
    disabled_women: Option<i64>,
    land_women: Option<i64>,
    laid_off_women: Option<i64>,
    difficulties: Option<String>,
    needs: Option<String>,
}

impl TryFrom<Row> for Report {
    type Error = DbError;
    fn try_from(r: Row) -> Result<Report> {
        Ok(Report {
            period: stored_period(&r.period)?,
            state: stored_state(&r.state)?,
            id: r.id,
            org_id: r.org_id,
            version: r.version,
            comment: r.comment,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            updated_at: r.updated_at,
            figures: Figures {
                members_total: r.members_total,
                members_women: r.members_women,
                workers_total: r.workers_total,
                workers_women: r.workers_women,
                chair_women: r.chair_women,
                board_women: r.board_women,
                director_women: r.director_women,
                supervisors_women: r.supervisors_women,
                accountant_women: r.accountant_women,
                managers_certified: r.managers_certified,
                members_vocational: r.members_vocational,
                members_ecommerce: r.members_ecommerce,
                jobs_created: r.jobs_created,
                charter_capital: r.charter_capital,
                revenue: r.revenue,
                profit: r.profit,
                groups: [
                    r.poor_women,
                    r.minority_women,
                    r.disabled_women,
                    r.land_women,
                    r.laid_off_women,
                ],
                difficulties: r.difficulties,
                needs: r.needs,
            },
        })
    }
}

/// A period column read back (a value the store did not write is corruption).
pub(crate) fn stored_period(s: &str) -> Result<Period> {
    Period::parse(s).ok_or_else(|| DbError::Corrupt(format!("report period {s}")))
}

/// A state column read back.
pub(crate) fn stored_state(s: &str) -> Result<State> {
    State::parse(s).ok_or_else(|| DbError::Corrupt(format!("report state {s}")))
}

/// A report's figures as the audit log keeps them (counts only: nothing about a person).
pub fn figures_json(f: &Figures) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in f.people() {
        m.insert(k.into(), v.into());
    }
    for (g, v) in ketnoi_domain::report::Group::ALL.iter().zip(f.groups) {
        m.insert(g.field().into(), v.into());
    }
    m.insert("charter_capital".into(), f.charter_capital.into());
    m.insert("revenue".into(), f.revenue.into());
    m.insert("profit".into(), f.profit.into());
    m.insert("difficulties".into(), f.difficulties.clone().into());
    m.insert("needs".into(), f.needs.clone().into());
    serde_json::Value::Object(m)
}

/// The latest version of a cooperative's report for a period.
pub async fn latest(conn: Conn<'_>, org_id: i64, period: Period) -> Result<Option<Report>> {
    let row: Option<Row> = on!(conn, e => sqlx::query_as(select_reports!(
        "WHERE org_id = $1 AND period = $2 ORDER BY version DESC LIMIT 1"))
        .bind(org_id)
        .bind(period.to_string())
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Every version of a cooperative's report for a period, the latest first.
pub async fn versions(conn: Conn<'_>, org_id: i64, period: Period) -> Result<Vec<Report>> {
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(select_reports!(
        "WHERE org_id = $1 AND period = $2 ORDER BY version DESC"))
        .bind(org_id)
        .bind(period.to_string())
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The latest version of each of a cooperative's reports, the latest period first.
pub async fn of_org(conn: Conn<'_>, org_id: i64) -> Result<Vec<Report>> {
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(select_reports!(
        "r WHERE org_id = $1 AND version = (SELECT MAX(r2.version) FROM coop_reports r2 \
           WHERE r2.org_id = r.org_id AND r2.period = r.period) ORDER BY period DESC"))
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Who changes a report: the cooperative's manager, or an officer (for it, in proxy mode,
/// or deciding on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    pub org_id: i64,
    /// `None` for the system (the demo, imports from the command line).
    pub actor_id: Option<i64>,
    pub on_behalf_of: Option<i64>,
}

async fn audit(
    tx: &mut crate::Tx,
    w: &Writer,
    report: &Report,
    action: &str,
    before: Option<&Report>,
) -> Result<()> {
    let json = |r: &Report| {
        serde_json::json!({
            "period": r.period.to_string(), "version": r.version, "state": r.state.as_str(),
            "comment": r.comment, "figures": figures_json(&r.figures),
        })
        .to_string()
    };
    crate::audit::record(
        tx.conn(),
        &crate::audit::Entry {
            org_id: Some(w.org_id),
            actor_id: w.actor_id,
            on_behalf_of: w.on_behalf_of,
            entity: "coop_report",
            entity_id: report.id.to_string(),
            action,
            before: before.map(json),
            after: Some(json(report)),
        },
    )
    .await
}

pub(crate) async fn insert(
    tx: &mut crate::Tx,
    w: &Writer,
    period: Period,
    version: i64,
    state: State,
    f: &Figures,
) -> Result<Report> {
    let now = crate::now();
    let submitted = (state != State::Draft).then_some(now);
    let id: i64 = on!(tx.conn(), e => bind_figures!(sqlx::query_scalar(concat!(
        "INSERT INTO coop_reports (org_id, period, version, state, updated_by, submitted_at, created_at, updated_at, ",
        figures!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30) \
         RETURNING id"))
        .bind(w.org_id)
        .bind(period.to_string())
        .bind(version)
        .bind(state.as_str())
        .bind(w.actor_id)
        .bind(submitted)
        .bind(now), f)
        .fetch_one(e)
        .await)?;
    find(tx.conn(), id).await?.ok_or(DbError::NotFound)
}

/// The demo's returned reports carry their officer's comment.
pub(crate) async fn set_comment(tx: &mut crate::Tx, id: i64, comment: &str) -> Result<()> {
    on!(tx.conn(), e => sqlx::query("UPDATE coop_reports SET comment = $1 WHERE id = $2")
        .bind(comment)
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One report by its id (any version).
pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Report>> {
    let row: Option<Row> = on!(conn, e => sqlx::query_as(select_reports!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// The cooperative saves (`Action::Save`) or submits (`Action::Submit`) her figures for a
/// period: the first save makes version 1, later ones change the latest version while it is
/// a draft or returned. The figures must have passed `Figures::validate` already.
pub async fn file(
    db: &Db,
    w: &Writer,
    period: Period,
    figures: &Figures,
    action: Action,
) -> Result<Result<Report, Refused>> {
    let mut tx = db.begin().await?;
    let before = latest(tx.conn(), w.org_id, period).await?;
    let report = match &before {
        None => {
            let state = match State::Draft.after(action) {
                Ok(s) => s,
                Err(r) => return Ok(Err(r)),
            };
            match insert(&mut tx, w, period, 1, state, figures).await {
                Ok(r) => r,
                Err(DbError::Unique { .. }) => return Ok(Err(Refused::Changed)),
                Err(e) => return Err(e),
            }
        }
        Some(old) => {
            let state = match old.state.after(action) {
                Ok(s) => s,
                Err(r) => return Ok(Err(r)),
            };
            let now = crate::now();
            let n = on!(tx.conn(), e => bind_figures!(sqlx::query(concat!(
                "UPDATE coop_reports SET (",
                figures!(),
                ") = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23), \
                 state = $24, updated_by = $25, updated_at = $26, \
                 submitted_at = CASE WHEN $24 = 'submitted' THEN $26 ELSE submitted_at END \
                 WHERE id = $27 AND state = $28")), figures)
                .bind(state.as_str())
                .bind(w.actor_id)
                .bind(now)
                .bind(old.id)
                .bind(old.state.as_str())
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            if n != 1 {
                return Ok(Err(Refused::Changed));
            }
            find(tx.conn(), old.id).await?.ok_or(DbError::NotFound)?
        }
    };
    let what = if action == Action::Submit {
        "submit"
    } else {
        "save"
    };
    audit(&mut tx, w, &report, what, before.as_ref()).await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// The officer returns (with a comment) or accepts the latest version of a report.
pub async fn decide(
    db: &Db,
    w: &Writer,
    id: i64,
    action: Action,
    comment: Option<&str>,
) -> Result<Result<Report, Refused>> {
    let mut tx = db.begin().await?;
    let Some(old) = find(tx.conn(), id).await? else {
        return Err(DbError::NotFound);
    };
    let state = match old.state.after(action) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let n = on!(tx.conn(), e => sqlx::query(
        "UPDATE coop_reports SET state = $1, comment = $2, decided_by = $3, decided_at = $4, updated_at = $4 \
         WHERE id = $5 AND state = $6 AND org_id = $7")
        .bind(state.as_str())
        .bind(comment)
        .bind(w.actor_id)
        .bind(crate::now())
        .bind(id)
        .bind(old.state.as_str())
        .bind(w.org_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(Err(Refused::Changed));
    }
    let report = find(tx.conn(), id).await?.ok_or(DbError::NotFound)?;
    let what = if state == State::Accepted {
        "accept"
    } else {
        "return"
    };
    audit(&mut tx, w, &report, what, Some(&old)).await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// Starts a correction of an accepted report: a new draft version with the accepted
/// figures, which stay counted (and kept) until the correction is accepted in turn.
pub async fn correct(db: &Db, w: &Writer, period: Period) -> Result<Result<Report, Refused>> {
    let mut tx = db.begin().await?;
    let Some(old) = latest(tx.conn(), w.org_id, period).await? else {
        return Err(DbError::NotFound);
    };
    if old.state != State::Accepted {
        // Only an accepted report is corrected; anything else is still open to change.
        return Ok(Err(Refused::NotSubmitted));
    }
    let report = match insert(
        &mut tx,
        w,
        period,
        old.version + 1,
        State::Draft,
        &old.figures,
    )
    .await
    {
        Ok(r) => r,
        Err(DbError::Unique { .. }) => return Ok(Err(Refused::Changed)),
        Err(e) => return Err(e),
    };
    audit(&mut tx, w, &report, "correct", Some(&old)).await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// What an import did to a cooperative's report for a period.
#[derive(Debug, Clone, PartialEq)]
pub enum Imported {
    /// No report yet: the figures are version 1, accepted (the Union's own records).
    Created(Box<Report>),
    /// The accepted figures differ: a new accepted version; the old one is kept.
    Corrected {
        before: Box<Report>,
        after: Box<Report>,
    },
    /// The same figures are already accepted.
    Unchanged,
    /// The cooperative's own report for the period is open (draft, submitted or returned):
    /// an import does not overwrite her work.
    InProgress(State),
}

/// Imports figures as accepted, in the caller's transaction (the import's).
pub async fn import(
    tx: &mut crate::Tx,
    w: &Writer,
    period: Period,
    figures: &Figures,
) -> Result<Imported> {
    let Some(old) = latest(tx.conn(), w.org_id, period).await? else {
        let r = insert(tx, w, period, 1, State::Accepted, figures).await?;
        return Ok(Imported::Created(Box::new(r)));
    };
    if old.state != State::Accepted {
        return Ok(Imported::InProgress(old.state));
    }
    if old.figures == *figures {
        return Ok(Imported::Unchanged);
    }
    let r = insert(tx, w, period, old.version + 1, State::Accepted, figures).await?;
    Ok(Imported::Corrected {
        before: Box::new(old),
        after: Box::new(r),
    })
}

/// The latest accepted figures of every cooperative in a ward/commune (`None`: the city),
/// by cooperative and period (for the reports export).
pub async fn accepted_in(conn: Conn<'_>, commune: Option<&str>) -> Result<Vec<(String, Report)>> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        key: String,
        #[sqlx(flatten)]
        row: Row,
    }
    let rows: Vec<Keyed> = on!(conn, e => sqlx::query_as(
        "SELECT COALESCE(o.external_id, o.registration_no, o.slug) AS key, r.id, r.org_id, r.period, r.version, r.state, r.comment, \
           r.submitted_at, r.decided_at, r.updated_at, r.members_total, r.members_women, r.workers_total, r.workers_women, \
           r.chair_women, r.board_women, r.director_women, r.supervisors_women, r.accountant_women, r.managers_certified, \
           r.members_vocational, r.members_ecommerce, r.jobs_created, r.charter_capital, r.revenue, r.profit, r.poor_women, \
           r.minority_women, r.disabled_women, r.land_women, r.laid_off_women, r.difficulties, r.needs \
         FROM coop_reports r JOIN organisations o ON o.id = r.org_id \
         WHERE r.state = 'accepted' AND ($1 IS NULL OR o.commune_code = $1) \
           AND NOT EXISTS (SELECT 1 FROM coop_reports r2 WHERE r2.org_id = r.org_id AND r2.period = r.period \
             AND r2.state = 'accepted' AND r2.version > r.version) \
         ORDER BY o.name, o.id, r.period")
        .bind(commune)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|k| Ok((k.key, Report::try_from(k.row)?)))
        .collect()
}

/// A cooperative in an officer's list, with where its report for the period stands.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Standing {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub commune_code: Option<String>,
    pub report_id: Option<i64>,
    pub version: Option<i64>,
    pub state: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl Standing {
    pub fn state(&self) -> Option<State> {
        self.state.as_deref().and_then(State::parse)
    }
}

/// The cooperatives of a ward/commune (`None`: the city) and where each one's report for the
/// period stands: submitted ones first (they wait for the officer), then by name.
pub async fn standings(
    conn: Conn<'_>,
    commune: Option<&str>,
    period: Period,
) -> Result<Vec<Standing>> {
    let mut rows: Vec<Standing> = on!(conn, e => sqlx::query_as(
        "SELECT o.id AS org_id, o.slug, o.name, o.kind, o.commune_code, r.id AS report_id, r.version, r.state, r.submitted_at \
         FROM organisations o LEFT JOIN coop_reports r ON r.org_id = o.id AND r.period = $1 \
           AND r.version = (SELECT MAX(r2.version) FROM coop_reports r2 WHERE r2.org_id = o.id AND r2.period = $1) \
         WHERE o.kind IN ('htx', 'tht') AND ($2 IS NULL OR o.commune_code = $2)")
        .bind(period.to_string())
        .bind(commune)
        .fetch_all(e)
        .await)?;
    let rank = |s: &Standing| match s.state() {
        Some(State::Submitted) => 0,
        Some(State::Returned) => 1,
        Some(State::Draft) => 2,
        None => 3,
        Some(State::Accepted) => 4,
    };
    rows.sort_by_cached_key(|s| {
        (
            rank(s),
            ketnoi_domain::text::vietnamese_sort_key(&s.name),
            s.org_id,
        )
    });
    Ok(rows)
}

/// Which cooperatives a tally counts, and for which period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TallyQuery {
    pub period: Period,
    /// The first day of the plan's phase the period is in ("founded in the phase").
    pub phase_start: NaiveDate,
    /// One ward/commune, or the city.
    pub commune: Option<String>,
    pub sector: Option<String>,
    /// `htx` or `tht`, or both.
    pub kind: Option<String>,
}

/// What a tally is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// Each ward/commune (its code; cooperatives without one under `""`).
    Unit,
    /// Each cooperative (its slug).
    Org,
}

#[derive(sqlx::FromRow)]
struct TallyRow {
    key: Option<String>,
    htx: i64,
    tht: i64,
    htx_supported: i64,
    tht_supported: i64,
    htx_founded: i64,
    htx_brand: i64,
    htx_jobs: i64,
    tht_jobs: i64,
    reports_accepted: i64,
    members: i64,
    members_women: i64,
    workers: i64,
    workers_women: i64,
    women_managers: i64,
    managers_certified: i64,
    managers_trained: i64,
    members_vocational: i64,
    members_ecommerce: i64,
    jobs_created: i64,
    charter_capital: i64,
    revenue: i64,
    profit: i64,
    poor_women: i64,
    minority_women: i64,
    disabled_women: i64,
    land_women: i64,
    laid_off_women: i64,
}

/// The number that changes with anything a tally is computed from (triggers bump it on every
/// write to organisations, reports, support records and training records, and on a support
/// case's end): tallies computed under one number stay right until it changes.
pub async fn revision(conn: Conn<'_>) -> Result<i64> {
    Ok(
        on!(conn, e => sqlx::query_scalar("SELECT revision FROM plan_revision WHERE id = 1")
        .fetch_one(e)
        .await)?,
    )
}

/// The tally statement grouped by `$key` (a column of the inner select).
macro_rules! tally_sql {
    ($key:literal) => {
        concat!("SELECT ", $key, " AS key, \
           CAST(COALESCE(SUM(CASE WHEN x.kind = 'htx' THEN 1 ELSE 0 END), 0) AS BIGINT) AS htx, CAST(COALESCE(SUM(CASE WHEN x.kind = 'tht' THEN 1 ELSE 0 END), 0) AS BIGINT) AS tht, CAST(COALESCE(SUM(CASE WHEN x.kind = 'htx' THEN x.sup ELSE 0 END), 0) AS BIGINT) AS htx_supported, CAST(COALESCE(SUM(CASE WHEN x.kind = 'tht' THEN x.sup ELSE 0 END), 0) AS BIGINT) AS tht_supported, \
           CAST(COALESCE(SUM(CASE WHEN x.kind = 'htx' THEN x.founded ELSE 0 END), 0) AS BIGINT) AS htx_founded, CAST(COALESCE(SUM(CASE WHEN x.kind = 'htx' THEN x.brand ELSE 0 END), 0) AS BIGINT) AS htx_brand, CAST(COALESCE(SUM(CASE WHEN x.kind = 'htx' AND x.sup = 1 THEN COALESCE(x.workers_women, 0) ELSE 0 END), 0) AS BIGINT) AS htx_jobs, CAST(COALESCE(SUM(CASE WHEN x.kind = 'tht' AND x.sup = 1 THEN COALESCE(x.workers_women, 0) ELSE 0 END), 0) AS BIGINT) AS tht_jobs, \
           CAST(COUNT(x.report_id) AS BIGINT) AS reports_accepted, \
           CAST(COALESCE(SUM(x.members_total), 0) AS BIGINT) AS members, CAST(COALESCE(SUM(x.members_women), 0) AS BIGINT) AS members_women, CAST(COALESCE(SUM(x.workers_total), 0) AS BIGINT) AS workers, CAST(COALESCE(SUM(x.workers_women), 0) AS BIGINT) AS workers_women, \
           CAST(COALESCE(SUM(CASE WHEN x.report_id IS NULL THEN 0 ELSE x.managers END), 0) AS BIGINT) AS women_managers, CAST(COALESCE(SUM(x.managers_certified), 0) AS BIGINT) AS managers_certified, CAST(COALESCE(SUM(CASE WHEN x.report_id IS NULL THEN 0 WHEN x.trained < x.managers THEN x.trained ELSE x.managers END), 0) AS BIGINT) AS managers_trained, CAST(COALESCE(SUM(x.members_vocational), 0) AS BIGINT) AS members_vocational, \
           CAST(COALESCE(SUM(x.members_ecommerce), 0) AS BIGINT) AS members_ecommerce, CAST(COALESCE(SUM(x.jobs_created), 0) AS BIGINT) AS jobs_created, CAST(COALESCE(SUM(x.charter_capital), 0) AS BIGINT) AS charter_capital, \
           CAST(COALESCE(SUM(x.revenue), 0) AS BIGINT) AS revenue, CAST(COALESCE(SUM(x.profit), 0) AS BIGINT) AS profit, CAST(COALESCE(SUM(x.poor_women), 0) AS BIGINT) AS poor_women, CAST(COALESCE(SUM(x.minority_women), 0) AS BIGINT) AS minority_women, \
           CAST(COALESCE(SUM(x.disabled_women), 0) AS BIGINT) AS disabled_women, CAST(COALESCE(SUM(x.land_women), 0) AS BIGINT) AS land_women, CAST(COALESCE(SUM(x.laid_off_women), 0) AS BIGINT) AS laid_off_women \
         FROM ( \
           SELECT o.slug, o.commune_code, o.kind, r.id AS report_id, \
             COALESCE(s.sup, 0) AS sup, COALESCE(s.brand, 0) AS brand, \
             CASE WHEN COALESCE(s.founded, 0) = 1 OR EXISTS (SELECT 1 FROM support_cases fc \
               WHERE fc.founded_org_id = o.id AND fc.kind = 'founding' AND fc.status = 'done' \
                 AND fc.done_on >= $3 AND fc.done_on <= $2) THEN 1 ELSE 0 END AS founded, \
             COALESCE(tr.trained, 0) AS trained, \
             r.members_total, r.members_women, r.workers_total, r.workers_women, \
             COALESCE(r.chair_women, 0) + COALESCE(r.board_women, 0) + COALESCE(r.director_women, 0) \
               + COALESCE(r.supervisors_women, 0) + COALESCE(r.accountant_women, 0) AS managers, \
             r.managers_certified, r.members_vocational, r.members_ecommerce, r.jobs_created, \
             r.charter_capital, r.revenue, r.profit, r.poor_women, r.minority_women, \
             r.disabled_women, r.land_women, r.laid_off_women \
           FROM organisations o \
           LEFT JOIN ( \
             SELECT org_id, \
               MAX(CASE WHEN since <= $2 AND (until IS NULL OR until >= $1) THEN 1 ELSE 0 END) AS sup, \
               MAX(CASE WHEN kind IN ('brand', 'traceability', 'distribution') AND since <= $2 \
                 AND (until IS NULL OR until >= $1) THEN 1 ELSE 0 END) AS brand, \
               MAX(CASE WHEN kind = 'founding' AND since >= $3 AND since <= $2 THEN 1 ELSE 0 END) AS founded \
             FROM support_records GROUP BY org_id \
           ) s ON s.org_id = o.id \
           LEFT JOIN ( \
             SELECT org_id, COUNT(DISTINCT person_key) AS trained FROM training_records \
             WHERE topic = 'governance' AND role IN ('chair', 'director', 'board', 'supervisor', 'accountant') AND held_on <= $2 \
             GROUP BY org_id \
           ) tr ON tr.org_id = o.id \
           LEFT JOIN coop_reports r ON r.org_id = o.id AND r.period = $4 AND r.state = 'accepted' \
             AND NOT EXISTS (SELECT 1 FROM coop_reports r2 WHERE r2.org_id = o.id AND r2.period = $4 \
               AND r2.state = 'accepted' AND r2.version > r.version) \
           WHERE o.kind IN ('htx', 'tht') AND ($5 IS NULL OR o.commune_code = $5) \
             AND ($6 IS NULL OR o.sector = $6) AND ($7 IS NULL OR o.kind = $7) \
         ) x GROUP BY ", $key, "")
    };
}

/// The plan's sums for a period, grouped by ward/commune or by cooperative, in one
/// statement (the same text on both engines). A cooperative counts its latest *accepted*
/// version: a correction under way does not take its figures away. It counts as founded with
/// support in the phase once, whether a founding support record began then, or one or more
/// founding cases ended then naming it, or both.
pub async fn tallies(conn: Conn<'_>, q: &TallyQuery, by: Grouping) -> Result<Vec<(String, Tally)>> {
    let sql = match by {
        Grouping::Unit => tally_sql!("x.commune_code"),
        Grouping::Org => tally_sql!("x.slug"),
    };
    let rows: Vec<TallyRow> = on!(conn, e => sqlx::query_as(sql)
        .bind(q.period.start())
        .bind(q.period.end())
        .bind(q.phase_start)
        .bind(q.period.to_string())
        .bind(q.commune.as_deref())
        .bind(q.sector.as_deref())
        .bind(q.kind.as_deref())
        .fetch_all(e)
        .await)?;
    let out: Vec<(String, Tally)> = rows
        .into_iter()
        .map(|r| {
            (
                r.key.unwrap_or_default(),
                Tally {
                    htx: r.htx,
                    tht: r.tht,
                    htx_supported: r.htx_supported,
                    tht_supported: r.tht_supported,
                    htx_founded: r.htx_founded,
                    htx_brand: r.htx_brand,
                    htx_jobs: r.htx_jobs,
                    tht_jobs: r.tht_jobs,
                    reports_accepted: r.reports_accepted,
                    members: r.members,
                    members_women: r.members_women,
                    workers: r.workers,
                    workers_women: r.workers_women,
                    women_managers: r.women_managers,
                    managers_certified: r.managers_certified,
                    managers_trained: r.managers_trained,
                    members_vocational: r.members_vocational,
                    members_ecommerce: r.members_ecommerce,
                    jobs_created: r.jobs_created,
                    charter_capital: r.charter_capital,
                    revenue: r.revenue,
                    profit: r.profit,
                    officers: 0,
                    officers_trained: 0,
                    groups: [
                        r.poor_women,
                        r.minority_women,
                        r.disabled_women,
                        r.land_women,
                        r.laid_off_women,
                    ],
                },
            )
        })
        .collect();
    Ok(out)
}

/// Adds the Union officers, and how many of them hold a training record by the period's
/// end, to tallies grouped by unit: each officer where she works, her ward/commune, or the
/// city (the key "").
pub async fn add_officers(
    conn: Conn<'_>,
    q: &TallyQuery,
    out: &mut Vec<(String, Tally)>,
) -> Result<()> {
    // Union officers count where they work: their ward/commune, or the city ("").
    let officers: Vec<(String, i64, i64)> = on!(conn, e => sqlx::query_as(
            "SELECT COALESCE(u.officer_commune_code, '') AS key, CAST(COUNT(*) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM training_records t WHERE t.user_id = u.id AND t.held_on <= $2) \
                 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM users u WHERE u.platform_role = 'union_officer' AND ($1 IS NULL OR u.officer_commune_code = $1) \
             GROUP BY COALESCE(u.officer_commune_code, '')")
            .bind(q.commune.as_deref())
            .bind(q.period.end())
            .fetch_all(e)
            .await)?;
    for (key, n, trained) in officers {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, t)) => {
                t.officers = n;
                t.officers_trained = trained;
            }
            None => out.push((
                key,
                Tally {
                    officers: n,
                    officers_trained: trained,
                    ..Tally::default()
                },
            )),
        }
    }
    Ok(())
}
