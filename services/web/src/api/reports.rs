//! The plan over JSON (issue 16): a cooperative's periodic reports (its managers and proxy
//! officers: list, read, save or submit), and the plan's progress for an officer's scope,
//! with the pages' rules (an accepted report is frozen: 409; sensitive counts from 1 to 4
//! are "fewer than five" above the ward or commune).

use crate::AppState;
use crate::api::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
    Validation,
};
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::{PathPeriod, Query};
use crate::policy::OrgScope;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use ketnoi_db::reports::Report;
use ketnoi_domain::progress::{self, Tally};
use ketnoi_domain::report::{Action, Figures, Group, Period, Shown};
use ketnoi_domain::role::Scope;
use serde::{Deserialize, Serialize};

/// A report's figures. Counts of people are 0 to 1,000,000; money is whole đồng (profit may
/// be negative). Absent or null: not filled in (a draft may leave anything blank; a
/// submission needs members, women members, workers, women workers and new jobs).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FiguresJson {
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub members_total: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub members_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub workers_total: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub workers_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub chair_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub board_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub director_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub supervisors_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub accountant_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub managers_certified: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub members_vocational: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub members_ecommerce: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub jobs_created: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub charter_capital: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub revenue: Option<i64>,
    #[schema(minimum = -1_000_000_000_000_000_i64, maximum = 1_000_000_000_000_000_i64)]
    pub profit: Option<i64>,
    /// Women workers from poor or near-poor households (a count, never names).
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub poor_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub minority_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub disabled_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub land_women: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub laid_off_women: Option<i64>,
    #[schema(max_length = 4000)]
    pub difficulties: Option<String>,
    #[schema(max_length = 4000)]
    pub needs: Option<String>,
}

impl From<&Figures> for FiguresJson {
    fn from(f: &Figures) -> FiguresJson {
        FiguresJson {
            members_total: f.members_total,
            members_women: f.members_women,
            workers_total: f.workers_total,
            workers_women: f.workers_women,
            chair_women: f.chair_women,
            board_women: f.board_women,
            director_women: f.director_women,
            supervisors_women: f.supervisors_women,
            accountant_women: f.accountant_women,
            managers_certified: f.managers_certified,
            members_vocational: f.members_vocational,
            members_ecommerce: f.members_ecommerce,
            jobs_created: f.jobs_created,
            charter_capital: f.charter_capital,
            revenue: f.revenue,
            profit: f.profit,
            poor_women: f.groups[0],
            minority_women: f.groups[1],
            disabled_women: f.groups[2],
            land_women: f.groups[3],
            laid_off_women: f.groups[4],
            difficulties: f.difficulties.clone(),
            needs: f.needs.clone(),
        }
    }
}

impl FiguresJson {
    /// The figures, their text cleaned (NFC, no control characters) as the pages do.
    fn figures(&self) -> Result<Figures, AppError> {
        let mut e = crate::error::FieldErrors::default();
        let mut text = |field: &str, v: &Option<String>| {
            e.check(
                field,
                ketnoi_domain::text::optional_block(v.as_deref().unwrap_or(""), 4000),
            )
            .flatten()
        };
        let difficulties = text("difficulties", &self.difficulties);
        let needs = text("needs", &self.needs);
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        Ok(Figures {
            members_total: self.members_total,
            members_women: self.members_women,
            workers_total: self.workers_total,
            workers_women: self.workers_women,
            chair_women: self.chair_women,
            board_women: self.board_women,
            director_women: self.director_women,
            supervisors_women: self.supervisors_women,
            accountant_women: self.accountant_women,
            managers_certified: self.managers_certified,
            members_vocational: self.members_vocational,
            members_ecommerce: self.members_ecommerce,
            jobs_created: self.jobs_created,
            charter_capital: self.charter_capital,
            revenue: self.revenue,
            profit: self.profit,
            groups: [
                self.poor_women,
                self.minority_women,
                self.disabled_women,
                self.land_women,
                self.laid_off_women,
            ],
            difficulties,
            needs,
        })
    }
}

/// One version of a cooperative's report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportJson {
    /// `2026-h1` (six-monthly) or `2026-y` (annual).
    #[schema(example = "2026-h1")]
    pub period: String,
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub version: i64,
    /// `draft`, `submitted`, `returned` or `accepted`.
    #[schema(example = "submitted")]
    pub state: &'static str,
    /// The officer's comment when she returned it.
    pub comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub figures: FiguresJson,
}

fn report_json(r: &Report) -> ReportJson {
    ReportJson {
        period: r.period.to_string(),
        version: r.version,
        state: r.state.as_str(),
        comment: r.comment.clone(),
        submitted_at: r.submitted_at,
        decided_at: r.decided_at,
        figures: FiguresJson::from(&r.figures),
    }
}

use crate::pages::manage::{cooperative, report_writer};

/// The cooperative's reports: the latest version for each period, the latest period first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/reports", tag = "plan",
    params(("slug" = String, Path, description = "the cooperative's slug")),
    security(("session" = [])),
    responses((status = 200, body = [ReportJson]), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound)))]
pub async fn list_reports(
    State(state): State<AppState>,
    scope: OrgScope,
) -> Result<Json<Vec<ReportJson>>, AppError> {
    cooperative(&scope)?;
    let all = ketnoi_db::reports::of_org(state.db.conn(), scope.org.id).await?;
    Ok(Json(all.iter().map(report_json).collect()))
}

/// The cooperative's report for a period (its latest version).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/reports/{period}", tag = "plan",
    params(("slug" = String, Path, description = "the cooperative's slug"),
           ("period" = String, Path, pattern = "^[0-9]{4}-(h1|y)$", description = "`2026-h1` or `2026-y`")),
    security(("session" = [])),
    responses((status = 200, body = ReportJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound)))]
pub async fn show_report(
    State(state): State<AppState>,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
) -> Result<Json<ReportJson>, AppError> {
    cooperative(&scope)?;
    let r = ketnoi_db::reports::latest(state.db.conn(), scope.org.id, period)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(report_json(&r)))
}

/// What to do with the figures sent.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FileInput {
    /// `save` (a draft) or `submit` (to the ward or commune's officer).
    #[schema(required = true, example = "submit", pattern = "^(save|submit)$")]
    pub action: String,
    pub figures: FiguresJson,
}

/// Saves or submits the cooperative's report for a period. 409 once it is accepted (a
/// correction starts from its page) or while it waits for the officer.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/reports/{period}", tag = "plan", request_body = FileInput,
    params(("slug" = String, Path, description = "the cooperative's slug"),
           ("period" = String, Path, pattern = "^[0-9]{4}-(h1|y)$", description = "`2026-h1` or `2026-y`")),
    security(("session" = [])),
    responses((status = 200, body = ReportJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound), (status = 409, response = Conflict),
              (status = 413, response = PayloadTooLarge), (status = 415, response = UnsupportedMediaType),
              (status = 422, response = Validation)))]
pub async fn file_report(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
    crate::extract::Json(input): crate::extract::Json<FileInput>,
) -> Result<Json<ReportJson>, AppError> {
    cooperative(&scope)?;
    let action = match input.action.as_str() {
        "save" => Action::Save,
        "submit" => Action::Submit,
        _ => {
            return Err(AppError::Validation(crate::error::FieldErrors::single(
                "action",
                crate::error::Msg::new("err-invalid-choice"),
            )));
        }
    };
    let figures = input.figures.figures()?;
    let w = report_writer(&ctx, &scope);
    let r = ketnoi_app::reports::file(&state.db, &w, period, &figures, action).await?;
    Ok(Json(report_json(&r)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// `2026-h1` or `2026-y`; the latest period past its deadline by default.
    #[param(pattern = "^[0-9]{4}-(h1|y)$")]
    pub period: String,
    /// A ward/commune's code (the city's officers; others always get their own).
    #[param(pattern = "^[0-9]{5}$")]
    pub unit: String,
}

/// A count of women in a sensitive group: exact, or only "fewer than five".
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupCountJson {
    /// `poor_women`, `minority_women`, `disabled_women`, `land_women`, `laid_off_women`.
    pub group: &'static str,
    /// The count, absent when it is 1 to 4 and shown above the ward or commune.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub count: Option<i64>,
    pub fewer_than_five: bool,
}

/// An indicator's value for the scope and period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorProgressJson {
    #[schema(example = "htx-supported")]
    pub id: String,
    /// A count, or a share in whole percent; absent when not measured or a share of nothing.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub value: Option<i64>,
    /// The city's target pro-rated to the period's end (city scope only).
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub due: Option<i64>,
    /// `on-track`, `behind`, `no-target` or `unknown`.
    pub standing: &'static str,
}

/// The plan's progress for a scope and period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgressJson {
    pub period: String,
    /// The ward/commune, or absent for the whole city.
    pub unit: Option<String>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub cooperatives: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub reports_accepted: i64,
    pub indicators: Vec<IndicatorProgressJson>,
    pub groups: Vec<GroupCountJson>,
    pub cases: CaseFiguresJson,
}

/// Support cases over the period's days: credit cases of the scope's ward/commune (referrals,
/// approvals and declines on the day of their step, disbursements on their day), and the
/// cooperatives of the scope founded with the Union's support (each once). Money is whole
/// đồng.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseFiguresJson {
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_referred: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_requested_vnd: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_approved: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_declined: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_disbursed: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub credit_disbursed_vnd: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub founded_htx: i64,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub founded_tht: i64,
}

/// The plan's indicators for the officer's scope (the city's officers may pick a unit).
#[utoipa::path(get, path = "/api/v1/plan/progress", tag = "plan", params(ProgressQuery),
    security(("session" = [])),
    responses((status = 200, body = ProgressJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
pub async fn show_progress(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<ProgressJson>, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let today = ketnoi_domain::time::today_hanoi();
    let period = Period::chosen(&q.period, today, &state.config.report_deadlines);
    let unit = crate::pages::union::plan::unit_of(&scope, &q.unit);
    let register = ketnoi_db::plan::register(&state.db).await?;
    let tq = ketnoi_db::reports::TallyQuery {
        period,
        phase_start: register.phase_start(period),
        commune: unit.clone(),
        sector: None,
        kind: None,
    };
    let tally: Tally = state.tallies.total(&state.db, &tq).await?;
    let case_scope = unit.clone().map_or(Scope::City, Scope::Commune);
    let (from, to) = (period.start(), period.end());
    let credit = ketnoi_db::cases::credit_figures(state.db.conn(), &case_scope, from, to)
        .await?
        .total;
    let founded = ketnoi_db::cases::founded_in(state.db.conn(), &case_scope, from, to).await?;
    let city = unit.is_none();
    let exact = matches!(scope, Scope::Commune(_));
    Ok(Json(ProgressJson {
        period: period.to_string(),
        cooperatives: tally.htx + tally.tht,
        reports_accepted: tally.reports_accepted,
        indicators: register
            .indicators
            .iter()
            .map(|ind| {
                let value = progress::value(&ind.id, &tally);
                IndicatorProgressJson {
                    id: ind.id.clone(),
                    value: value.number(),
                    due: progress::target_for(&register, ind, period)
                        .filter(|_| city)
                        .map(|t| t.value),
                    standing: if city {
                        progress::standing(&register, ind, period, value).as_str()
                    } else {
                        "no-target"
                    },
                }
            })
            .collect(),
        groups: Group::ALL
            .iter()
            .zip(tally.groups)
            .map(|(g, n)| match Shown::of(n, exact) {
                Shown::Exact(n) => GroupCountJson {
                    group: g.field(),
                    count: Some(n),
                    fewer_than_five: false,
                },
                Shown::FewerThanFive => GroupCountJson {
                    group: g.field(),
                    count: None,
                    fewer_than_five: true,
                },
            })
            .collect(),
        cases: CaseFiguresJson {
            credit_referred: credit.referred,
            credit_requested_vnd: credit.requested_vnd,
            credit_approved: credit.approved,
            credit_declined: credit.declined,
            credit_disbursed: credit.disbursed,
            credit_disbursed_vnd: credit.disbursed_vnd,
            founded_htx: founded.htx,
            founded_tht: founded.tht,
        },
        unit,
    }))
}
