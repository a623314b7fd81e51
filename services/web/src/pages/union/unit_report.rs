//! A ward/commune's report to the city for a period: her officer assembles it from the
//! accepted cooperative reports and support records (the unit's figures, kept as they stood
//! when she submits), adds her narrative and submits it; the city's officers accept it or
//! return it with a comment. Only her own unit's; deciding is the city's.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, Query};
use crate::pages::reports::{self, PeriodView, group_thousands};
use crate::pages::{Layout, commune_name, form_errors, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::reports::TallyQuery;
use ketnoi_db::unit_reports::UnitReport;
use ketnoi_domain::progress::Tally;
use ketnoi_domain::report::{Action, Period, State as RState};
use ketnoi_domain::role::Scope;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UnitReportForm {
    pub csrf: String,
    pub period: String,
    pub unit: String,
    /// `save`, `submit` (the unit's officer); `return`, `accept` (the city).
    pub action: String,
    pub narrative: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "union/unit_report.html")]
struct UnitReportPage {
    layout: Layout,
    unit: String,
    period: PeriodView,
    /// Figures: (label, value), as submitted or (before) as they stand.
    figures: Vec<(String, String)>,
    narrative: String,
    comment: String,
    /// The city's comment on a returned report.
    returned_comment: String,
    may_file: bool,
    may_decide: bool,
    errors: FieldErrors,
}

/// The unit and period a request is about, and what the officer may do there.
struct Target {
    unit: String,
    period: Period,
    /// Her own ward/commune (she files); otherwise the city (it decides).
    own: bool,
}

fn target(scope: &Scope, period: &str, unit: &str, state: &AppState) -> Result<Target, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let period = Period::chosen(period, today, &state.config.report_deadlines);
    match scope {
        Scope::Commune(c) => {
            if !unit.is_empty() && unit != c {
                return Err(AppError::Forbidden);
            }
            Ok(Target {
                unit: c.clone(),
                period,
                own: true,
            })
        }
        Scope::City => {
            let c = ketnoi_domain::admin_units::commune(unit.trim()).ok_or(AppError::NotFound)?;
            Ok(Target {
                unit: c.code.clone(),
                period,
                own: false,
            })
        }
    }
}

/// The unit's figures for the period now (what a submission keeps).
async fn unit_tally(state: &AppState, t: &Target) -> Result<Tally, AppError> {
    let register = ketnoi_db::plan::register(&state.db).await?;
    let q = TallyQuery {
        period: t.period,
        phase_start: register.phase_start(t.period),
        commune: Some(t.unit.clone()),
        sector: None,
        kind: None,
    };
    Ok(state.tallies.total(&state.db, &q).await?)
}

fn figure_rows(t: &Tally, tr: &crate::i18n::Tr) -> Vec<(String, String)> {
    [
        ("xlsx-htx", t.htx),
        ("xlsx-tht", t.tht),
        ("xlsx-htx-supported", t.htx_supported),
        ("xlsx-tht-supported", t.tht_supported),
        ("xlsx-accepted", t.reports_accepted),
        ("rf-members_total", t.members),
        ("rf-workers_women", t.workers_women),
        ("rf-jobs_created", t.jobs_created),
        ("rf-revenue", t.revenue),
    ]
    .iter()
    .map(|(k, v)| (tr.get(k), group_thousands(*v)))
    .collect()
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    t: &Target,
    form: UnitReportForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tr = ctx.tr();
    let report: Option<UnitReport> =
        ketnoi_db::unit_reports::find(state.db.conn(), &t.unit, t.period).await?;
    let rstate = report.as_ref().map(|r| r.state);
    let open = matches!(rstate, None | Some(RState::Draft | RState::Returned));
    // Submitted figures as they were; before that, as they stand.
    let snapshot: Option<Tally> = report
        .as_ref()
        .filter(|r| r.state != RState::Draft)
        .and_then(|r| r.figures_json.as_deref())
        .and_then(|j| serde_json::from_str(j).ok());
    let tally = match snapshot {
        Some(s) => s,
        None => unit_tally(state, t).await?,
    };
    let unit_name = commune_name(Some(&t.unit));
    render_status(
        status,
        &UnitReportPage {
            layout: Layout::new(ctx, format!("{}: {unit_name}", tr.get("unit-report-title"))),
            unit: t.unit.clone(),
            period: reports::period_view(t.period, rstate, &state.config.report_deadlines, &tr),
            figures: figure_rows(&tally, &tr),
            narrative: if form.narrative.is_empty() {
                report
                    .as_ref()
                    .and_then(|r| r.narrative.clone())
                    .unwrap_or_default()
            } else {
                form.narrative
            },
            comment: form.comment,
            returned_comment: report
                .as_ref()
                .filter(|r| r.state == RState::Returned)
                .and_then(|r| r.comment.clone())
                .unwrap_or_default(),
            may_file: t.own && open,
            may_decide: !t.own && rstate == Some(RState::Submitted),
            errors,
        },
    )
}

/// `GET /union/plan/unit-report?period=…[&unit=…]`.
pub async fn show_unit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<UnitReportForm>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let t = target(&scope, &q.period, &q.unit, &state)?;
    page(
        &state,
        &ctx,
        &t,
        UnitReportForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /union/plan/unit-report`: her officer saves or submits it; the city decides.
pub async fn file_unit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<UnitReportForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let scope = crate::policy::officer_scope(&user)?;
    let t = target(&scope, &form.period, &form.unit, &state)?;
    let action = match form.action.as_str() {
        "save" => Action::Save,
        "submit" => Action::Submit,
        "return" => Action::Return,
        "accept" => Action::Accept,
        _ => return Err(AppError::BadRequest(Msg::new("err-invalid-choice"))),
    };
    // Her ward or commune files its report; the city decides on it.
    let filing = matches!(action, Action::Save | Action::Submit);
    if filing != t.own {
        return Err(AppError::Forbidden);
    }
    let text = |field: &str, raw: &str| {
        ketnoi_domain::text::optional_block(raw, 8000)
            .map_err(|e| AppError::Validation(FieldErrors::single(field, Msg::from(e))))
    };
    let result = async {
        if t.own {
            let narrative = text("narrative", &form.narrative)?;
            if action == Action::Submit && narrative.is_none() {
                return Err(AppError::Validation(FieldErrors::single(
                    "narrative",
                    Msg::new("err-unit-report-narrative"),
                )));
            }
            let figures = serde_json::to_string(&unit_tally(&state, &t).await?)
                .map_err(AppError::internal)?;
            ketnoi_db::unit_reports::file(
                &state.db,
                &t.unit,
                t.period,
                narrative.as_deref(),
                &figures,
                action,
                user.id,
            )
            .await?
        } else {
            let comment = text("comment", &form.comment)?;
            if action == Action::Return && comment.is_none() {
                return Err(AppError::Validation(FieldErrors::single(
                    "comment",
                    Msg::new("err-report-comment"),
                )));
            }
            ketnoi_db::unit_reports::decide(
                &state.db,
                &t.unit,
                t.period,
                action,
                comment.as_deref(),
                user.id,
            )
            .await?
        }
        .map_err(|r| AppError::Conflict(FieldErrors::single("_form", Msg::new(r.key()))))
    }
    .await;
    match result {
        Ok(_) if t.own => Ok(see_other(&format!(
            "/union/plan/unit-report?period={}&saved=1",
            t.period
        ))),
        Ok(_) => Ok(see_other(&format!("/union/plan?period={}", t.period))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            page(&state, &ctx, &t, form, errors, status).await
        }
    }
}
