//! The Union's support of a cooperative, recorded by an officer within her scope: what kind,
//! since and until when. What the plan's indicators and the home page count as supported.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, Query};
use crate::pages::{Layout, SavedQuery, form_errors, render_status, see_other};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use ketnoi_db::support::{NewSupport, SupportRecord};
use ketnoi_domain::plan::SupportKind;
use ketnoi_domain::text;
use serde::Deserialize;

/// A record as the page shows it.
pub struct RecordView {
    pub kind: String,
    pub period: String,
    pub in_force: bool,
    pub note: String,
    pub recorded_by: String,
}

#[derive(Template)]
#[template(path = "union/support.html")]
struct SupportPage {
    layout: Layout,
    org_name: String,
    org_slug: String,
    records: Vec<RecordView>,
    kinds: Vec<(&'static str, String)>,
    form: SupportForm,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SupportForm {
    pub csrf: String,
    pub kind: String,
    pub since: String,
    pub until: String,
    pub note: String,
}

fn date(e: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    match raw.trim() {
        "" => None,
        d => e.check(
            field,
            crate::pages::parse_day(d).and_then(|d| {
                if (2000..=2100).contains(&chrono::Datelike::year(&d)) {
                    Ok(d)
                } else {
                    Err(Msg::new("err-date-invalid"))
                }
            }),
        ),
    }
}

fn validate(f: &SupportForm, org_id: i64) -> Result<NewSupport, FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        SupportKind::parse(&f.kind).ok_or(Msg::new("err-invalid-choice")),
    );
    let since = date(&mut e, "since", &f.since);
    if f.since.trim().is_empty() {
        e.add("since", Msg::new("err-support-since"));
    }
    let until = date(&mut e, "until", &f.until);
    if let (Some(s), Some(u)) = (since, until)
        && u < s
    {
        e.add("until", Msg::new("err-support-until"));
    }
    let note = e
        .check("note", text::optional_block(&f.note, 2000))
        .flatten();
    match (kind, since) {
        (Some(kind), Some(since)) if e.is_empty() => Ok(NewSupport {
            org_id,
            kind,
            since,
            until,
            note,
        }),
        _ => Err(e),
    }
}

fn view(r: &SupportRecord, ctx: &Ctx, today: NaiveDate) -> RecordView {
    let t = ctx.tr();
    let day = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    RecordView {
        kind: t.get(&format!("support-kind-{}", r.kind.as_str())),
        period: match r.until {
            Some(u) => format!("{} – {}", day(r.since), day(u)),
            None => t.with("support-since", "date", &day(r.since)),
        },
        in_force: r.is_in_force(today),
        note: r.note.clone().unwrap_or_default(),
        recorded_by: r.recorded_by.clone().unwrap_or_default(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    form: SupportForm,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let records = ketnoi_db::support::of_org(state.db.conn(), scope.org.id).await?;
    let t = ctx.tr();
    render_status(
        status,
        &SupportPage {
            layout: Layout::titled(ctx, "support-title"),
            org_name: scope.org.name.clone(),
            org_slug: scope.org.slug.clone(),
            records: records.iter().map(|r| view(r, ctx, today)).collect(),
            kinds: SupportKind::ALL
                .iter()
                .map(|k| (k.as_str(), t.get(&format!("support-kind-{}", k.as_str()))))
                .collect(),
            form,
            errors,
            saved,
        },
    )
}

/// `GET /union/support/{slug}`: the cooperative's support records and the form for a new one.
pub async fn show_support(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let form = SupportForm {
        since: ketnoi_domain::time::today_hanoi()
            .format("%Y-%m-%d")
            .to_string(),
        ..Default::default()
    };
    let saved = !q.saved.is_empty();
    page(
        &state,
        &ctx,
        &scope,
        form,
        FieldErrors::default(),
        saved,
        StatusCode::OK,
    )
    .await
}

/// `POST /union/support/{slug}`: records support; mistakes are shown with the form kept.
pub async fn create_support(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    scope: OrgScope,
    Form(form): Form<SupportForm>,
) -> Result<Response, AppError> {
    let result = match ctx.require_csrf(&state, &form.csrf) {
        Err(e) => Err(e),
        Ok(()) => validate(&form, scope.org.id).map_err(AppError::Validation),
    };
    match result {
        Ok(s) => {
            ketnoi_db::support::record(&state.db, &s, user.id).await?;
            Ok(see_other(&format!(
                "/union/support/{}?saved=1",
                scope.org.slug
            )))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            page(&state, &ctx, &scope, form, errors, false, status).await
        }
    }
}
