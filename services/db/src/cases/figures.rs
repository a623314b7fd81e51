//! Figures for the plan: credit referred, decided and disbursed by partner and by
//! ward/commune, and cooperatives founded with the Union's support.

use super::*;

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
