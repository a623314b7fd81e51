//! The plan's dashboard for Union officers: each indicator's value for her scope and a
//! period against its target pro-rated to the period's end, the wards/communes (city) or the
//! cooperatives (a ward/commune) with where their reports stand, drill-down from the city to a
//! unit to a cooperative's report, where the officer returns or accepts it; and the city's and
//! units' figures as XLSX and CSV. Sensitive counts from 1 to 4 show as "<5" above the ward
//! officer (to the city, in the city's exports).

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathPeriod, Query};
use crate::i18n::Tr;
use crate::pages::reports::{self, SectionView, VersionView, group_thousands};
use crate::pages::{Layout, commune_name, form_errors, render, render_status, see_other};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_db::reports::{Grouping, TallyQuery, Writer};
use ketnoi_domain::Locale;
use ketnoi_domain::plan::Register;
use ketnoi_domain::progress::{self, Standing, Tally};
use ketnoi_domain::report::{Action, Group, Period, Shown, State as RState};
use ketnoi_domain::role::Scope;
use ketnoi_sheets::{Cell, Sheet};
use serde::Deserialize;

/// The dashboard's filters, as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgressQuery {
    pub period: String,
    /// A ward/commune's code (the city's officers only; others see their own).
    pub unit: String,
    pub sector: String,
    /// `htx` or `tht`.
    pub kind: String,
    /// `xlsx` or `csv` (exports only).
    pub format: String,
}

/// The filters as understood: anything unknown is dropped, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Filters {
    period: Period,
    unit: Option<String>,
    sector: Option<String>,
    kind: Option<String>,
    /// Counts shown exactly (her own ward/commune), or small ones as "<5" (the city).
    exact: bool,
}

fn filters(q: &ProgressQuery, scope: &Scope, state: &AppState) -> Filters {
    let today = ketnoi_domain::time::today_hanoi();
    Filters {
        period: Period::chosen(&q.period, today, &state.config.report_deadlines),
        unit: unit_of(scope, &q.unit),
        sector: ketnoi_domain::catalog::sectors()
            .iter()
            .find(|s| s.id == q.sector)
            .map(|s| s.id.clone()),
        kind: matches!(q.kind.as_str(), "htx" | "tht").then(|| q.kind.clone()),
        exact: matches!(scope, Scope::Commune(_)),
    }
}

/// The ward/commune an officer's view is about: hers, or (the city's officers) the one
/// asked for, or none (the whole city).
pub(crate) fn unit_of(scope: &Scope, asked: &str) -> Option<String> {
    match scope {
        Scope::Commune(c) => Some(c.clone()),
        Scope::City => ketnoi_domain::admin_units::commune(asked.trim()).map(|c| c.code.clone()),
    }
}

fn tally_query(f: &Filters, register: &Register) -> TallyQuery {
    TallyQuery {
        period: f.period,
        phase_start: register.phase_start(f.period),
        commune: f.unit.clone(),
        sector: f.sector.clone(),
        kind: f.kind.clone(),
    }
}

/// An indicator's line on the dashboard.
pub struct IndicatorRow {
    pub id: String,
    pub name: String,
    pub method: String,
    pub value: String,
    /// The pro-rated target for the period (the city's), or empty.
    pub due: String,
    /// The phase's own target.
    pub target: String,
    pub standing: &'static str,
    pub standing_label: String,
    /// Whether Ketnoi measures it yet (training records come later).
    pub measured: bool,
}

fn indicator_rows(
    register: &Register,
    period: Period,
    tally: &Tally,
    city: bool,
    t: &Tr,
) -> Vec<IndicatorRow> {
    let en = t.locale == Locale::En;
    register
        .indicators
        .iter()
        .map(|ind| {
            let value = progress::value(&ind.id, tally);
            let due = progress::target_for(register, ind, period);
            let horizon = if period.year <= 2025 {
                ind.target_2025
            } else {
                ind.target_2030
            };
            // Targets are the city's: a ward or commune is not held to them alone.
            let standing = if city {
                progress::standing(register, ind, period, value)
            } else {
                Standing::NoTarget
            };
            IndicatorRow {
                id: ind.id.clone(),
                name: if en { &ind.name_en } else { &ind.name_vi }.clone(),
                method: if en { &ind.method_en } else { &ind.method_vi }.clone(),
                value: match value {
                    progress::Value::NotMeasured => t.get("progress-not-measured"),
                    v => progress::label(ind, v),
                },
                due: due
                    .filter(|_| city)
                    .map(|d| d.label(ind.measure))
                    .unwrap_or_default(),
                target: horizon.map(|d| d.label(ind.measure)).unwrap_or_default(),
                measured: value != progress::Value::NotMeasured,
                standing: standing.as_str(),
                standing_label: t.get(&format!("progress-{}", standing.as_str())),
            }
        })
        .collect()
}

/// A ward/commune's line in the city's table.
pub struct UnitRow {
    pub code: String,
    /// Where the unit's own report to the city stands.
    pub report: String,
    pub report_code: &'static str,
    pub name: String,
    pub coops: i64,
    pub supported: i64,
    pub accepted: i64,
    pub workers_women: String,
    pub members: String,
}

/// A cooperative's line in a ward/commune's table.
pub struct CoopRow {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub state_code: &'static str,
    pub workers_women: String,
    pub members: String,
}

/// A period for the filter's choices.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "union/progress.html")]
struct ProgressPage {
    layout: Layout,
    scope_name: String,
    is_city: bool,
    unit: String,
    period_code: String,
    period_name: String,
    periods: Vec<Choice>,
    sectors: Vec<Choice>,
    kinds: Vec<Choice>,
    indicators: Vec<IndicatorRow>,
    /// Trends over the periods up to the one shown, as SVG.
    charts: Vec<String>,
    groups: Vec<(String, String)>,
    units: Vec<UnitRow>,
    units_without: usize,
    /// Wards/communes past the deadline without a submitted report: (code, name).
    late: Vec<(String, String)>,
    deadline: String,
    /// Where her own unit's report stands (a ward/commune's officer).
    unit_report: Option<reports::PeriodView>,
    coops: Vec<CoopRow>,
    /// Cooperatives' reports submitted and waiting for the officer (a unit's view).
    waiting: usize,
    accepted: i64,
    coop_count: i64,
    export_query: String,
}

fn choices(items: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// `GET /union/plan`: the dashboard of the officer's scope (the city may pick a unit).
pub async fn show_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let f = filters(&q, &scope, &state);
    let t = ctx.tr();
    let register = ketnoi_db::plan::register(&state.db).await?;
    let tq = tally_query(&f, &register);
    let revision = state.tallies.revision(&state.db).await?;
    let by_unit = state
        .tallies
        .get(&state.db, revision, &tq, Grouping::Unit)
        .await?;
    let tally: Tally = by_unit.iter().map(|(_, t)| *t).sum();
    let charts = trend_charts(&state, &f, &register, revision, &t).await?;
    let shown = |n: i64| Shown::of(n, f.exact).to_string();
    let (mut units, mut coops) = (Vec::new(), Vec::new());
    let unit_states = ketnoi_db::unit_reports::states(state.db.conn(), f.period).await?;
    let unit_state = |code: &str| unit_states.iter().find(|(c, _)| c == code).map(|(_, s)| *s);
    let deadline = f.period.deadline(&state.config.report_deadlines);
    let today = ketnoi_domain::time::today_hanoi();
    let mut late = Vec::new();
    if f.unit.is_none() && today > deadline {
        for code in ketnoi_db::unit_reports::units_due(state.db.conn()).await? {
            if ketnoi_domain::report::is_late(today, deadline, unit_state(&code)) {
                late.push((code.clone(), commune_name(Some(&code))));
            }
        }
        late.sort_by_cached_key(|(_, n)| ketnoi_domain::text::vietnamese_sort_key(n));
    }
    if let Some(unit) = &f.unit {
        let sums = state
            .tallies
            .get(&state.db, revision, &tq, Grouping::Org)
            .await?;
        let standings =
            ketnoi_db::reports::standings(state.db.conn(), Some(unit), f.period).await?;
        for s in standings {
            let Some((_, sum)) = sums.iter().find(|(slug, _)| *slug == s.slug) else {
                continue; // Filtered out by sector or kind.
            };
            coops.push(CoopRow {
                kind: s.kind.to_uppercase(),
                state: reports::state_name(s.state(), &t),
                state_code: s.state().map_or("none", RState::as_str),
                workers_women: group_thousands(sum.workers_women),
                members: group_thousands(sum.members),
                slug: s.slug,
                name: s.name,
            });
        }
    } else {
        // Units with no cooperative (only officers, or the city's own officers) have no row.
        for (code, u) in by_unit.iter().filter(|(_, u)| u.htx + u.tht > 0) {
            let rs = unit_state(code);
            units.push(UnitRow {
                report: reports::state_name(rs, &t),
                report_code: rs.map_or("none", RState::as_str),
                name: commune_name(Some(code)),
                code: code.clone(),
                coops: u.htx + u.tht,
                supported: u.htx_supported + u.tht_supported,
                accepted: u.reports_accepted,
                workers_women: group_thousands(u.workers_women),
                members: group_thousands(u.members),
            });
        }
        units.sort_by_cached_key(|u| ketnoi_domain::text::vietnamese_sort_key(&u.name));
    }
    let units_without = ketnoi_domain::admin_units::hanoi_communes()
        .len()
        .saturating_sub(units.len());
    let is_city = matches!(scope, Scope::City) && f.unit.is_none();
    let en = t.locale == Locale::En;
    let export_query = serde_urlencoded::to_string([
        ("period", f.period.to_string()),
        ("unit", f.unit.clone().unwrap_or_default()),
        ("sector", f.sector.clone().unwrap_or_default()),
        ("kind", f.kind.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    render(&ProgressPage {
        layout: Layout::titled(&ctx, "progress-title"),
        scope_name: match &f.unit {
            Some(c) => commune_name(Some(c)),
            None => t.get("progress-city"),
        },
        is_city: matches!(scope, Scope::City),
        unit: f.unit.clone().unwrap_or_default(),
        period_code: f.period.to_string(),
        period_name: reports::period_name(f.period, &t),
        periods: choices(
            Period::until(today)
                .into_iter()
                .rev()
                .map(|p| (p.to_string(), reports::period_name(p, &t))),
            &f.period.to_string(),
        ),
        sectors: choices(
            std::iter::once((String::new(), t.get("progress-all-sectors"))).chain(
                ketnoi_domain::catalog::sectors().iter().map(|s| {
                    (
                        s.id.clone(),
                        if en { &s.name_en } else { &s.name_vi }.clone(),
                    )
                }),
            ),
            f.sector.as_deref().unwrap_or(""),
        ),
        kinds: choices(
            [
                (String::new(), t.get("progress-all-kinds")),
                ("htx".into(), "HTX".into()),
                ("tht".into(), "THT".into()),
            ],
            f.kind.as_deref().unwrap_or(""),
        ),
        indicators: indicator_rows(&register, f.period, &tally, is_city, &t),
        charts,
        groups: Group::ALL
            .iter()
            .zip(tally.groups)
            .map(|(g, n)| (t.get(&format!("rf-{}", g.field())), shown(n)))
            .collect(),
        units,
        units_without,
        late,
        deadline: reports::day(deadline),
        unit_report: match &scope {
            Scope::Commune(c) => Some(reports::period_view(
                f.period,
                unit_state(c),
                &state.config.report_deadlines,
                &t,
            )),
            Scope::City => None,
        },
        waiting: coops
            .iter()
            .filter(|c| c.state_code == RState::Submitted.as_str())
            .count(),
        coops,
        accepted: tally.reports_accepted,
        coop_count: tally.htx + tally.tht,
        export_query,
    })
}

/// The trends up to the period shown: supported HTX and THT (with the city's pro-rated HTX
/// target), and women in stable work in them.
async fn trend_charts(
    state: &AppState,
    f: &Filters,
    register: &Register,
    revision: i64,
    t: &Tr,
) -> Result<Vec<String>, AppError> {
    let periods: Vec<Period> = Period::until(f.period.end())
        .into_iter()
        .filter(|p| *p <= f.period)
        .collect();
    let mut tallies = Vec::with_capacity(periods.len());
    for p in &periods {
        let q = tally_query(
            &Filters {
                period: *p,
                ..f.clone()
            },
            register,
        );
        let sums = state
            .tallies
            .get(&state.db, revision, &q, Grouping::Unit)
            .await?;
        tallies.push(sums.iter().map(|(_, t)| *t).sum::<Tally>());
    }
    let names: Vec<String> = periods
        .iter()
        .map(|p| {
            t.with(
                &format!("{}-short", p.label_key()),
                "year",
                &p.year.to_string(),
            )
        })
        .collect();
    let series = |key: &str, pick: fn(&Tally) -> i64| crate::chart::Series {
        label: t.get(key),
        values: tallies.iter().map(|x| Some(pick(x))).collect(),
        target: false,
    };
    let mut supported = vec![
        series("xlsx-htx-supported", |x| x.htx_supported),
        series("xlsx-tht-supported", |x| x.tht_supported),
    ];
    if f.unit.is_none()
        && let Some(ind) = register.indicators.iter().find(|i| i.id == "htx-supported")
    {
        supported.push(crate::chart::Series {
            label: t.get("progress-chart-htx-target"),
            values: periods
                .iter()
                .map(|p| progress::target_for(register, ind, *p).map(|x| x.value))
                .collect(),
            target: true,
        });
    }
    let jobs = [
        series("progress-chart-jobs-htx", |x| x.htx_jobs),
        series("progress-chart-jobs-tht", |x| x.tht_jobs),
    ];
    Ok([
        crate::chart::lines(&t.get("progress-chart-supported"), &names, &supported),
        crate::chart::lines(&t.get("progress-chart-jobs"), &names, &jobs),
    ]
    .into_iter()
    .flatten()
    .collect())
}

#[derive(Template)]
#[template(path = "union/coop_report.html")]
struct CoopReportPage {
    layout: Layout,
    org_name: String,
    org_slug: String,
    period: reports::PeriodView,
    decidable: bool,
    editable: bool,
    comment: String,
    sections: Vec<SectionView>,
    versions: Vec<VersionView>,
    errors: FieldErrors,
    back: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub csrf: String,
    /// `return` or `accept`.
    pub action: String,
    pub comment: String,
}

async fn coop_report_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    period: Period,
    form: DecisionForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let all = ketnoi_db::reports::versions(state.db.conn(), scope.org.id, period).await?;
    // Drafts are the cooperative's own until submitted.
    let visible: Vec<_> = all
        .iter()
        .filter(|r| r.state != RState::Draft)
        .cloned()
        .collect();
    let latest = visible.first();
    let exact = ctx
        .user
        .as_deref()
        .and_then(|u| u.officer_commune_code.as_deref())
        .is_some();
    render_status(
        status,
        &CoopReportPage {
            layout: Layout::new(
                ctx,
                format!(
                    "{}: {}",
                    t.get("report-title"),
                    reports::period_name(period, &t)
                ),
            ),
            org_name: scope.org.name.clone(),
            org_slug: scope.org.slug.clone(),
            period: reports::period_view(
                period,
                all.first().map(|r| r.state),
                &state.config.report_deadlines,
                &t,
            ),
            decidable: latest.is_some_and(|r| r.state == RState::Submitted),
            editable: false,
            comment: form.comment,
            sections: latest
                .map(|r| reports::shown(&r.figures, exact, &t))
                .unwrap_or_default(),
            versions: reports::versions(&visible, &t),
            errors,
            back: format!(
                "/union/plan?period={period}&unit={}",
                scope.org.commune_code.clone().unwrap_or_default()
            ),
        },
    )
}

/// `GET /union/plan/{slug}/{period}`: a cooperative's report as submitted, with its versions.
pub async fn show_coop_report(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
) -> Result<Response, AppError> {
    coop_report_page(
        &state,
        &ctx,
        &scope,
        period,
        DecisionForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /union/plan/{slug}/{period}/decision`: the officer returns the submitted report
/// with a comment, or accepts it.
pub async fn decide_report(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let action = match form.action.as_str() {
        "accept" => Action::Accept,
        "return" => Action::Return,
        _ => {
            return Err(AppError::BadRequest(crate::error::Msg::new(
                "err-invalid-choice",
            )));
        }
    };
    let latest = ketnoi_db::reports::latest(state.db.conn(), scope.org.id, period)
        .await?
        .ok_or(AppError::NotFound)?;
    let w = Writer {
        org_id: scope.org.id,
        actor_id: Some(user.id),
        on_behalf_of: None,
    };
    match ketnoi_app::reports::decide(&state.db, &w, latest.id, action, &form.comment).await {
        Ok(_) => Ok(see_other(&format!(
            "/union/plan?period={period}&unit={}",
            scope.org.commune_code.clone().unwrap_or_default()
        ))),
        Err(e) => {
            let (status, errors) = form_errors(AppError::from(e))?;
            coop_report_page(&state, &ctx, &scope, period, form, errors, status).await
        }
    }
}

/// The export's sheets: the indicators, then per section one row per ward/commune (all 126
/// when the city exports, hers when a ward/commune does) and a total row.
fn workbook(register: &Register, f: &Filters, by_unit: &[(String, Tally)], t: &Tr) -> Vec<Sheet> {
    let units: Vec<(String, String)> = match &f.unit {
        Some(c) => vec![(c.clone(), commune_name(Some(c)))],
        None => ketnoi_domain::admin_units::hanoi_communes()
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
    };
    let tally_of = |code: &str| {
        by_unit
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, t)| *t)
            .unwrap_or_default()
    };
    let total: Tally = by_unit.iter().map(|(_, t)| *t).sum();
    let num = Cell::Number;
    let masked = |n: i64| match Shown::of(n, f.exact) {
        Shown::Exact(n) => Cell::Number(n),
        Shown::FewerThanFive => Cell::Text("<5".into()),
    };
    let section = |name: &str, cols: &[&str], row: &dyn Fn(&Tally) -> Vec<Cell>| {
        let mut headers = vec![t.get("xlsx-code"), t.get("xlsx-unit")];
        headers.extend(cols.iter().map(|c| t.get(c)));
        let mut rows: Vec<Vec<Cell>> = units
            .iter()
            .map(|(code, name)| {
                let mut r = vec![Cell::Text(code.clone()), Cell::Text(name.clone())];
                r.extend(row(&tally_of(code)));
                r
            })
            .collect();
        let mut last = vec![Cell::Empty, Cell::Text(t.get("xlsx-total"))];
        last.extend(row(&total));
        rows.push(last);
        Sheet {
            name: t.get(name),
            headers,
            rows,
        }
    };
    let mut indicators = Sheet {
        name: t.get("xlsx-sheet-indicators"),
        headers: [
            "xlsx-indicator",
            "xlsx-value",
            "xlsx-due",
            "xlsx-target",
            "xlsx-standing",
        ]
        .iter()
        .map(|k| t.get(k))
        .collect(),
        rows: Vec::new(),
    };
    let city = f.unit.is_none();
    for row in indicator_rows(register, f.period, &total, city, t) {
        let ind = register.indicators.iter().find(|i| i.id == row.id);
        let value = ind
            .map(|i| progress::value(&i.id, &total))
            .and_then(progress::Value::number);
        indicators.rows.push(vec![
            Cell::Text(row.name),
            value.map_or(Cell::Empty, Cell::Number),
            Cell::Text(row.due),
            Cell::Text(row.target),
            Cell::Text(row.standing_label),
        ]);
    }
    vec![
        indicators,
        section(
            "xlsx-sheet-people",
            &[
                "xlsx-htx",
                "xlsx-tht",
                "xlsx-htx-supported",
                "xlsx-tht-supported",
                "xlsx-accepted",
                "rf-members_total",
                "rf-members_women",
                "rf-workers_total",
                "rf-workers_women",
                "xlsx-women-managers",
                "rf-managers_certified",
                "rf-members_vocational",
                "rf-members_ecommerce",
                "rf-jobs_created",
            ],
            &|u: &Tally| {
                vec![
                    num(u.htx),
                    num(u.tht),
                    num(u.htx_supported),
                    num(u.tht_supported),
                    num(u.reports_accepted),
                    num(u.members),
                    num(u.members_women),
                    num(u.workers),
                    num(u.workers_women),
                    num(u.women_managers),
                    num(u.managers_certified),
                    num(u.members_vocational),
                    num(u.members_ecommerce),
                    num(u.jobs_created),
                ]
            },
        ),
        section(
            "xlsx-sheet-money",
            &["rf-charter_capital", "rf-revenue", "rf-profit"],
            &|u: &Tally| vec![num(u.charter_capital), num(u.revenue), num(u.profit)],
        ),
        section(
            "xlsx-sheet-groups",
            &[
                "rf-poor_women",
                "rf-minority_women",
                "rf-disabled_women",
                "rf-land_women",
                "rf-laid_off_women",
            ],
            &|u: &Tally| u.groups.iter().map(|n| masked(*n)).collect(),
        ),
    ]
}

/// `GET /union/plan/export?format=xlsx|csv&period=…`: the scope's report as a workbook (one
/// sheet per section) or as CSV (the sections side by side, one row per unit and a total).
pub async fn export_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let f = filters(&q, &scope, &state);
    let t = ctx.tr();
    let register = ketnoi_db::plan::register(&state.db).await?;
    let revision = state.tallies.revision(&state.db).await?;
    let by_unit = state
        .tallies
        .get(
            &state.db,
            revision,
            &tally_query(&f, &register),
            Grouping::Unit,
        )
        .await?;
    let sheets = workbook(&register, &f, &by_unit, &t);
    let csv = q.format == "csv";
    // Off the async workers, one workbook per core at a time: 126 rows take milliseconds,
    // but a workbook is CPU work and many at once must not starve the pages.
    let _slot = state
        .export_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let bytes = tokio::task::spawn_blocking(move || {
        if csv {
            Ok(csv_of(&sheets))
        } else {
            ketnoi_sheets::write_workbook(&sheets, true)
        }
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    let name = format!(
        "ketnoi-bao-cao-{}-{}.{}",
        f.unit.as_deref().unwrap_or("ha-noi"),
        f.period,
        if csv { "csv" } else { "xlsx" }
    );
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// The unit sections side by side (the code and name once), as one CSV table.
fn csv_of(sheets: &[Sheet]) -> Vec<u8> {
    let text = |c: &Cell| match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Empty => String::new(),
    };
    let sections = sheets.get(1..).unwrap_or_default();
    let mut headers: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let skip = if i == 0 { 0 } else { 2 };
        headers.extend(s.headers.iter().skip(skip).cloned());
        for (r, row) in s.rows.iter().enumerate() {
            if rows.len() <= r {
                rows.push(Vec::new());
            }
            if let Some(line) = rows.get_mut(r) {
                line.extend(row.iter().skip(skip).map(text));
            }
        }
    }
    ketnoi_sheets::write_csv(&ketnoi_sheets::Table::new(headers, rows))
}
