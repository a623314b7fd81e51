//! Training records in an officer's scope (issue 17): the list, and a form for a training
//! held elsewhere (a course of another organisation, a certificate earned). Attendance at a
//! Ketnoi training course is recorded at its check-in; sheets are imported at
//! `/union/imports`. The plan's training indicators count these records.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, Query};
use crate::pages::{Layout, SavedQuery, form_errors, parse_day, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::training::{NewTraining, Source, TrainingRecord};
use ketnoi_db::users::User;
use ketnoi_domain::event::{Role, Topic};
use ketnoi_domain::text;
use serde::Deserialize;

/// A record as the list shows it.
pub struct RecordView {
    pub person: String,
    pub org: String,
    pub role: String,
    pub topic: String,
    pub hours: i64,
    pub held_on: String,
    pub certificate: String,
    pub provider: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "union/training.html")]
struct TrainingPage {
    layout: Layout,
    records: Vec<RecordView>,
    form: TrainingForm,
    errors: FieldErrors,
    roles: Vec<(&'static str, String)>,
    topics: Vec<(&'static str, String)>,
    orgs: Vec<(String, String)>,
    saved: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrainingForm {
    pub csrf: String,
    pub person_name: String,
    pub org: String,
    pub role: String,
    pub topic: String,
    pub hours: String,
    pub held_on: String,
    pub certificate_no: String,
    pub provider: String,
}

fn view(r: &TrainingRecord, ctx: &Ctx) -> RecordView {
    let t = ctx.tr();
    RecordView {
        person: r.person_name.clone(),
        org: r.org_name.clone().unwrap_or_default(),
        role: t.get(&format!("training-role-{}", r.role)),
        topic: t.get(&format!("training-topic-{}", r.topic)),
        hours: r.hours,
        held_on: r.held_on.format("%d/%m/%Y").to_string(),
        certificate: r.certificate_no.clone().unwrap_or_default(),
        provider: r.provider.clone(),
        source: t.get(&format!("training-source-{}", r.source)),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    form: TrainingForm,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let scope = user.scope().ok_or(AppError::Forbidden)?;
    let records =
        ketnoi_db::training::list(state.db.conn(), user.officer_commune_code.as_deref(), 300)
            .await?;
    let orgs = ketnoi_db::orgs::cooperatives_in(state.db.conn(), &scope, 2000)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.name))
        .collect();
    render_status(
        status,
        &TrainingPage {
            layout: Layout::titled(ctx, "training-title"),
            records: records.iter().map(|r| view(r, ctx)).collect(),
            form,
            errors,
            roles: Role::ALL
                .iter()
                .map(|r| (r.as_str(), t.get(&format!("training-role-{}", r.as_str()))))
                .collect(),
            topics: Topic::ALL
                .iter()
                .map(|x| (x.as_str(), t.get(&format!("training-topic-{}", x.as_str()))))
                .collect(),
            orgs,
            saved,
        },
    )
}

/// `GET /union/training`: the records in her scope and the form for a new one.
pub async fn show_training(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let form = TrainingForm {
        held_on: ketnoi_domain::time::today_hanoi()
            .format("%Y-%m-%d")
            .to_string(),
        ..Default::default()
    };
    let saved = !q.saved.is_empty();
    page(
        &state,
        &ctx,
        &user,
        form,
        FieldErrors::default(),
        saved,
        StatusCode::OK,
    )
    .await
}

async fn validate(
    state: &AppState,
    user: &User,
    f: &TrainingForm,
) -> Result<Result<NewTraining, FieldErrors>, AppError> {
    let mut e = FieldErrors::default();
    let name = e.check(
        "person_name",
        text::display_name(&f.person_name, 120).map_err(|_| Msg::new("err-event-name")),
    );
    let scope = user.scope().ok_or(AppError::Forbidden)?;
    let org = match f.org.trim() {
        "" => None,
        slug => match ketnoi_db::orgs::find_by_slug(state.db.conn(), slug).await? {
            Some(o) if scope.covers(o.commune_code.as_deref()) => Some(o),
            _ => {
                e.add("org", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let role = e.check(
        "role",
        Role::parse(&f.role).ok_or(Msg::new("err-invalid-choice")),
    );
    if role.is_some_and(|r| r != Role::Officer) && org.is_none() && f.org.trim().is_empty() {
        e.add("org", Msg::new("err-training-org"));
    }
    let topic = e.check(
        "topic",
        Topic::parse(&f.topic).ok_or(Msg::new("err-invalid-choice")),
    );
    let hours = match f.hours.trim().parse::<i64>() {
        Ok(h) if (1..=2000).contains(&h) => Some(h),
        _ => {
            e.add("hours", Msg::new("err-event-number"));
            None
        }
    };
    let held_on = e.check("held_on", parse_day(f.held_on.trim()));
    if held_on.is_some_and(|d| d > ketnoi_domain::time::today_hanoi()) {
        e.add("held_on", Msg::new("err-training-future"));
    }
    let certificate_no = e
        .check(
            "certificate_no",
            text::optional_line(&f.certificate_no, 60).map_err(Msg::from),
        )
        .flatten();
    let provider = e.check(
        "provider",
        text::required_line(&f.provider, 200).map_err(Msg::from),
    );
    Ok(match (name, role, topic, hours, held_on, provider) {
        (Some(name), Some(role), Some(topic), Some(hours), Some(held_on), Some(provider))
            if e.is_empty() =>
        {
            Ok(NewTraining {
                person_name: name,
                user_id: None,
                commune_code: match &org {
                    Some(o) => o.commune_code.clone(),
                    None => user.officer_commune_code.clone(),
                },
                org_id: org.map(|o| o.id),
                role,
                topic,
                hours,
                held_on,
                certificate_no,
                provider,
                event_id: None,
                registration_id: None,
            })
        }
        _ => Err(e),
    })
}

/// `POST /union/training`: keeps a record of a training held elsewhere.
pub async fn create_training(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<TrainingForm>,
) -> Result<Response, AppError> {
    let result = match ctx.require_csrf(&state, &form.csrf) {
        Err(e) => Err(e),
        Ok(()) => validate(&state, &user, &form)
            .await?
            .map_err(AppError::Validation),
    };
    match result {
        Ok(t) => {
            ketnoi_db::training::record(state.db.conn(), &t, Source::Entered, Some(user.id))
                .await?;
            Ok(see_other("/union/training?saved=1"))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            page(&state, &ctx, &user, form, errors, false, status).await
        }
    }
}
