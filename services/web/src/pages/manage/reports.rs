//! The cooperative's periodic reports to the Union: the periods with their deadlines and
//! states, and the report form (save as draft, submit; read-only once submitted; an
//! accepted report is corrected as a new version).

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathPeriod, Query};
use crate::pages::reports::{self, PeriodView, ReportForm, SectionView, VersionView};
use crate::pages::{CsrfForm, Layout, SavedQuery, form_errors, render, render_status, see_other};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::reports::Writer;
use ketnoi_domain::report::{Action, Period, State as RState};

#[derive(Template)]
#[template(path = "manage/reports.html")]
struct ReportsPage {
    layout: Layout,
    org_name: String,
    org_slug: String,
    periods: Vec<PeriodView>,
}

/// `GET /orgs/{slug}/reports`: every period, the latest first, with its deadline and state.
pub async fn list_reports(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    cooperative(&scope)?;
    let t = ctx.tr();
    let filed = ketnoi_db::reports::of_org(state.db.conn(), scope.org.id).await?;
    let today = ketnoi_domain::time::today_hanoi();
    let periods = Period::until(today)
        .into_iter()
        .rev()
        .map(|p| {
            let s = filed.iter().find(|r| r.period == p).map(|r| r.state);
            reports::period_view(p, s, &state.config.report_deadlines, &t)
        })
        .collect();
    render(&ReportsPage {
        layout: Layout::titled(&ctx, "reports-title"),
        org_name: scope.org.name.clone(),
        org_slug: scope.org.slug.clone(),
        periods,
    })
}

#[derive(Template)]
#[template(path = "manage/report.html")]
struct ReportPage {
    layout: Layout,
    org_name: String,
    org_slug: String,
    period: PeriodView,
    /// The officer's comment on a returned report.
    comment: String,
    editable: bool,
    correctable: bool,
    sections: Vec<SectionView>,
    errors: FieldErrors,
    versions: Vec<VersionView>,
    saved: bool,
}

/// What the report page shows besides the stored report: the form as typed (after a
/// mistake), its errors, "saved", and the status to answer with.
struct Outcome {
    form: Option<ReportForm>,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
}

impl Outcome {
    fn plain(saved: bool) -> Outcome {
        Outcome {
            form: None,
            errors: FieldErrors::default(),
            saved,
            status: StatusCode::OK,
        }
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    period: Period,
    o: Outcome,
) -> Result<Response, AppError> {
    let Outcome {
        form,
        errors,
        saved,
        status,
    } = o;
    let t = ctx.tr();
    let all = ketnoi_db::reports::versions(state.db.conn(), scope.org.id, period).await?;
    let latest = all.first();
    let rstate = latest.map(|r| r.state);
    // A refused change (409: submitted or accepted meanwhile) shows what she typed, as a
    // form, under the refusal, so nothing is lost.
    let refused_form = status == StatusCode::CONFLICT && form.is_some();
    let editable = refused_form || matches!(rstate, None | Some(RState::Draft | RState::Returned));
    let sections = match (editable, &form, latest) {
        (true, Some(f), _) => reports::editable(f, &errors, &t),
        (true, None, Some(r)) => reports::editable(&ReportForm::of(&r.figures), &errors, &t),
        (true, None, None) => reports::editable(&ReportForm::default(), &errors, &t),
        // Her own report: every count exactly.
        (false, _, Some(r)) => reports::shown(&r.figures, true, &t),
        (false, _, None) => Vec::new(),
    };
    render_status(
        status,
        &ReportPage {
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
            period: reports::period_view(period, rstate, &state.config.report_deadlines, &t),
            comment: latest
                .filter(|r| r.state == RState::Returned)
                .and_then(|r| r.comment.clone())
                .unwrap_or_default(),
            editable,
            correctable: rstate == Some(RState::Accepted),
            sections,
            errors,
            versions: if all.len() > 1 || rstate.is_some_and(|s| s != RState::Draft) || refused_form
            {
                reports::versions(&all, &t)
            } else {
                Vec::new()
            },
            saved,
        },
    )
}

/// `GET /orgs/{slug}/reports/{period}`: the report, as a form while it may be changed.
pub async fn show_report(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    cooperative(&scope)?;
    let saved = !q.saved.is_empty();
    page(&state, &ctx, &scope, period, Outcome::plain(saved)).await
}

/// Only cooperatives (HTX, THT) report to the Union; for anyone else there is no such page.
pub(crate) fn cooperative(scope: &OrgScope) -> Result<(), AppError> {
    if scope.org.kind.is_cooperative() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Who writes a cooperative's report from its pages or the API.
pub(crate) fn report_writer(ctx: &Ctx, scope: &OrgScope) -> Writer {
    let e = crate::pages::manage::editor(ctx, scope);
    Writer {
        org_id: e.org_id,
        actor_id: e.actor_id,
        on_behalf_of: e.on_behalf_of,
    }
}

/// `POST /orgs/{slug}/reports/{period}`: saves (`action=save`) or submits the figures;
/// mistakes and refusals (409 once accepted) come back with everything typed kept.
pub async fn file_report(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
    Form(form): Form<ReportForm>,
) -> Result<Response, AppError> {
    let action = if form.action == "submit" {
        Action::Submit
    } else {
        Action::Save
    };
    let result = match ctx
        .require_csrf(&state, &form.csrf)
        .and(cooperative(&scope))
    {
        Err(e) => Err(e),
        Ok(()) => match form.figures() {
            Err(e) => Err(AppError::Validation(e)),
            Ok(f) => ketnoi_app::reports::file(
                &state.db,
                &report_writer(&ctx, &scope),
                period,
                &f,
                action,
            )
            .await
            .map_err(AppError::from),
        },
    };
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/orgs/{}/reports/{period}?saved=1",
            scope.org.slug
        ))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            let o = Outcome {
                form: Some(form),
                errors,
                saved: false,
                status,
            };
            page(&state, &ctx, &scope, period, o).await
        }
    }
}

/// `POST /orgs/{slug}/reports/{period}/correction`: a new draft version of an accepted report.
pub async fn correct_report(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathPeriod(period): PathPeriod,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    cooperative(&scope)?;
    match ketnoi_app::reports::correct(&state.db, &report_writer(&ctx, &scope), period).await {
        Ok(_) => Ok(see_other(&format!(
            "/orgs/{}/reports/{period}",
            scope.org.slug
        ))),
        Err(ketnoi_app::Error::Db(ketnoi_db::DbError::NotFound)) => Err(AppError::NotFound),
        Err(e) => {
            let (status, errors) = form_errors(AppError::from(e))?;
            let o = Outcome {
                form: None,
                errors,
                saved: false,
                status,
            };
            page(&state, &ctx, &scope, period, o).await
        }
    }
}
