//! A B2B session for its organiser (issue 17): the slots and tables, who takes part and
//! what they asked for, the scheduler (with the greedy baseline and the bound beside it),
//! publishing the schedule, and the report of meetings held, follow-ups and deals by
//! cooperative (XLSX).

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use crate::pages::events::{find_event, manages};
use crate::pages::{CsrfForm, Layout, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::b2b::{Meeting, Session};
use ketnoi_db::events::Event;
use ketnoi_db::users::User;
use ketnoi_domain::Vnd;
use ketnoi_domain::event::Kind;
use ketnoi_sheets::{Cell, Sheet};
use serde::Deserialize;

async fn managed_b2b(state: &AppState, user: &User, id: i64) -> Result<Event, AppError> {
    let e = find_event(state, id).await?;
    if !manages(user, &e) {
        return Err(AppError::Forbidden);
    }
    if Kind::parse(&e.kind) != Some(Kind::B2b) {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

/// One cooperative's line of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportLine {
    pub cooperative: String,
    pub meetings: i64,
    pub held: i64,
    pub follow_ups: i64,
    pub deals: i64,
    pub value: i64,
}

/// Meetings held, follow-ups and deals by cooperative. A meeting counts as held when either
/// side recorded an outcome other than "no show"; its result is the better of the two
/// sides' (a deal over a follow-up), its value the larger estimate.
pub fn report(meetings: &[Meeting]) -> Vec<ReportLine> {
    let mut lines: Vec<ReportLine> = Vec::new();
    for m in meetings.iter().filter(|m| m.slot.is_some()) {
        let name = m
            .cooperative_org
            .clone()
            .unwrap_or_else(|| m.cooperative_name.clone());
        let i = match lines.iter().position(|l| l.cooperative == name) {
            Some(i) => i,
            None => {
                lines.push(ReportLine {
                    cooperative: name,
                    ..Default::default()
                });
                lines.len() - 1
            }
        };
        let rank = |o: &Option<String>| match o.as_deref() {
            Some("deal") => 3,
            Some("follow_up") => 2,
            Some("no_interest") => 1,
            _ => 0,
        };
        let best = rank(&m.buyer_outcome).max(rank(&m.cooperative_outcome));
        let l = &mut lines[i];
        l.meetings += 1;
        if best > 0 {
            l.held += 1;
        }
        match best {
            3 => {
                l.deals += 1;
                l.value += m
                    .buyer_value
                    .unwrap_or(0)
                    .max(m.cooperative_value.unwrap_or(0));
            }
            2 => l.follow_ups += 1,
            _ => {}
        }
    }
    lines.sort_by_cached_key(|l| ketnoi_domain::text::vietnamese_sort_key(&l.cooperative));
    lines
}

/// A placed meeting as the organiser's schedule lists it.
pub struct PlacedView {
    pub when: String,
    pub table: i64,
    pub buyer: String,
    pub cooperative: String,
}

#[derive(Template)]
#[template(path = "union/b2b.html")]
struct B2bAdminPage {
    layout: Layout,
    id: i64,
    event_name: String,
    form: SessionForm,
    errors: FieldErrors,
    has_session: bool,
    scheduled: bool,
    published: bool,
    buyers: usize,
    cooperatives: usize,
    requested: usize,
    accepted: usize,
    run: Option<RunQuery>,
    placed: Vec<PlacedView>,
    unplaced: usize,
    lines: Vec<(ReportLine, String)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    pub csrf: String,
    pub first_slot: String,
    pub slot_minutes: String,
    pub slots: String,
    pub tables: String,
}

/// What the last run of the scheduler did (carried in the redirect's query).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RunQuery {
    pub placed: String,
    pub greedy: String,
    pub bound: String,
    pub accepted: String,
    pub ms: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    e: &Event,
    form: Option<SessionForm>,
    errors: FieldErrors,
    run: Option<RunQuery>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let session = ketnoi_db::b2b::session(state.db.conn(), e.id).await?;
    let profiles = ketnoi_db::b2b::profiles(state.db.conn(), e.id).await?;
    let meetings = ketnoi_db::b2b::meetings(state.db.conn(), e.id).await?;
    let form = form.unwrap_or_else(|| match &session {
        Some(s) => SessionForm {
            first_slot: s.first_slot.clone(),
            slot_minutes: s.slot_minutes.to_string(),
            slots: s.slots.to_string(),
            tables: s.tables.to_string(),
            ..Default::default()
        },
        None => SessionForm {
            first_slot: "09:00".into(),
            slot_minutes: "20".into(),
            slots: "12".into(),
            tables: "20".into(),
            ..Default::default()
        },
    });
    let mut placed: Vec<&Meeting> = meetings.iter().filter(|m| m.slot.is_some()).collect();
    placed.sort_by_key(|m| (m.slot, m.table_no));
    let placed_views = match &session {
        Some(s) => placed
            .iter()
            .map(|m| {
                let (a, b) = s.slot_times(m.slot.unwrap_or(0));
                PlacedView {
                    when: format!("{a}–{b}"),
                    table: m.table_no.unwrap_or(0),
                    buyer: m.buyer_org.clone().unwrap_or(m.buyer_name.clone()),
                    cooperative: m
                        .cooperative_org
                        .clone()
                        .unwrap_or(m.cooperative_name.clone()),
                }
            })
            .collect(),
        None => Vec::new(),
    };
    let accepted = meetings.iter().filter(|m| m.status == "accepted").count();
    render_status(
        status,
        &B2bAdminPage {
            layout: Layout::titled(ctx, "b2b-admin-title"),
            id: e.id,
            event_name: e.name_in(ctx.locale).to_owned(),
            form,
            errors,
            has_session: session.is_some(),
            scheduled: session.as_ref().is_some_and(|s| s.scheduled_at.is_some()),
            published: session.as_ref().is_some_and(|s| s.published_at.is_some()),
            buyers: profiles.iter().filter(|p| p.side == "buyer").count(),
            cooperatives: profiles.iter().filter(|p| p.side == "cooperative").count(),
            requested: meetings.iter().filter(|m| m.status == "requested").count(),
            accepted,
            run,
            unplaced: accepted.saturating_sub(placed_views.len()),
            placed: placed_views,
            lines: report(&meetings)
                .into_iter()
                .map(|l| {
                    let v = Vnd(l.value).to_string();
                    (l, v)
                })
                .collect(),
        },
    )
}

/// `GET /union/events/{id}/b2b`: the organiser's view of the session.
pub async fn show_b2b(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Query(run): Query<RunQuery>,
) -> Result<Response, AppError> {
    let e = managed_b2b(&state, &user, id).await?;
    let run = (!run.placed.is_empty()).then_some(run);
    page(
        &state,
        &ctx,
        &e,
        None,
        FieldErrors::default(),
        run,
        StatusCode::OK,
    )
    .await
}

fn bounded(e: &mut FieldErrors, field: &str, raw: &str, lo: i64, hi: i64) -> Option<i64> {
    match raw.trim().parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => Some(n),
        _ => {
            e.add(field, Msg::new("err-event-number"));
            None
        }
    }
}

/// `POST /union/events/{id}/b2b/session`: the slots and tables.
pub async fn save_session(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<SessionForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed_b2b(&state, &user, id).await?;
    let mut errors = FieldErrors::default();
    let first = match chrono::NaiveTime::parse_from_str(form.first_slot.trim(), "%H:%M") {
        Ok(t) => Some(t.format("%H:%M").to_string()),
        Err(_) => {
            errors.add("first_slot", Msg::new("b2b-err-time"));
            None
        }
    };
    let minutes = bounded(&mut errors, "slot_minutes", &form.slot_minutes, 5, 240);
    let slots = bounded(&mut errors, "slots", &form.slots, 1, 64);
    let tables = bounded(&mut errors, "tables", &form.tables, 1, 1000);
    match (first, minutes, slots, tables) {
        (Some(first_slot), Some(slot_minutes), Some(slots), Some(tables)) if errors.is_empty() => {
            let mut tx = state.db.begin().await?;
            ketnoi_db::b2b::set_session(
                &mut tx,
                &Session {
                    event_id: e.id,
                    first_slot,
                    slot_minutes,
                    slots,
                    tables,
                    scheduled_at: None,
                    published_at: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(see_other(&format!("/union/events/{id}/b2b")))
        }
        _ => {
            page(
                &state,
                &ctx,
                &e,
                Some(form),
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /union/events/{id}/b2b/schedule`: runs the scheduler over the accepted requests.
pub async fn run_schedule(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed_b2b(&state, &user, id).await?;
    let Some(run) = ketnoi_app::b2b::run_scheduler(&state.db, e.id).await? else {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("b2b-no-session"),
        )));
    };
    Ok(see_other(&format!(
        "/union/events/{id}/b2b?placed={}&greedy={}&bound={}&accepted={}&ms={}",
        run.placed, run.greedy, run.bound, run.accepted, run.millis
    )))
}

/// `POST /union/events/{id}/b2b/publish`: participants see their agendas and are told.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed_b2b(&state, &user, id).await?;
    if !ketnoi_app::b2b::publish(&state.db, &e, &state.config.public_url).await? {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("b2b-err-not-scheduled"),
        )));
    }
    Ok(see_other(&format!("/union/events/{id}/b2b")))
}

/// `GET /union/events/{id}/b2b/report.xlsx`: the report as a workbook.
pub async fn export_report(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let e = managed_b2b(&state, &user, id).await?;
    let t = ctx.tr();
    let meetings = ketnoi_db::b2b::meetings(state.db.conn(), e.id).await?;
    let lines = report(&meetings);
    let mut rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.cooperative.clone()),
                Cell::Number(l.meetings),
                Cell::Number(l.held),
                Cell::Number(l.follow_ups),
                Cell::Number(l.deals),
                Cell::Number(l.value),
            ]
        })
        .collect();
    let sum = |f: fn(&ReportLine) -> i64| lines.iter().map(f).sum::<i64>();
    rows.push(vec![
        Cell::Text(t.get("b2b-report-total")),
        Cell::Number(sum(|l| l.meetings)),
        Cell::Number(sum(|l| l.held)),
        Cell::Number(sum(|l| l.follow_ups)),
        Cell::Number(sum(|l| l.deals)),
        Cell::Number(sum(|l| l.value)),
    ]);
    let sheet = Sheet {
        name: "B2B".into(),
        headers: [
            "event-org",
            "b2b-report-meetings",
            "b2b-report-held",
            "b2b-report-follow-ups",
            "b2b-report-deals",
            "b2b-report-value",
        ]
        .iter()
        .map(|k| t.get(k))
        .collect(),
        rows,
    };
    let _slot = state
        .export_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let bytes = tokio::task::spawn_blocking(move || ketnoi_sheets::write_workbook(&[sheet], true))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(crate::pages::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("ketnoi-b2b-{}.xlsx", e.id),
        bytes,
    ))
}
