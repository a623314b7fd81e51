//! A B2B session for its participants (issue 17): what she offers and seeks and when she is
//! free, the other side's participants to ask for a meeting, the requests she received
//! (accept or decline), her agenda once the organiser publishes the schedule (page and
//! `.ics`), and each meeting's outcome.

use super::{Layout, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use crate::pages::events::find_event;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::b2b::{Meeting, Profile, Session};
use ketnoi_db::events::Event;
use ketnoi_db::registrations::Registration;
use ketnoi_db::users::User;
use ketnoi_domain::event::{Kind, Status};
use ketnoi_domain::text;
use serde::Deserialize;

/// One slot as the availability checkboxes show it.
pub struct SlotView {
    pub index: i64,
    pub label: String,
    pub free: bool,
}

/// A participant of the other side.
pub struct PartnerView {
    pub id: i64,
    pub name: String,
    pub org: String,
    pub offers: String,
    pub seeks: String,
    /// Already asked (either way).
    pub asked: bool,
}

/// One of her meetings.
pub struct MeetingView {
    pub id: i64,
    pub other: String,
    pub status: String,
    pub status_key: String,
    pub incoming: bool,
    pub message: String,
    pub when: String,
    pub table: String,
    pub outcome: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "events/b2b.html")]
struct B2bPage {
    layout: Layout,
    event_id: i64,
    event_name: String,
    dates: String,
    session: bool,
    published: bool,
    registered: bool,
    profile: Option<ProfileForm>,
    form: ProfileForm,
    slots: Vec<SlotView>,
    partners: Vec<PartnerView>,
    meetings: Vec<MeetingView>,
    agenda: Vec<MeetingView>,
    outcomes: Vec<(&'static str, String)>,
    errors: FieldErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub csrf: String,
    pub side: String,
    pub offers: String,
    pub seeks: String,
    /// Slots she is free in, comma-separated (the checkboxes post `slot_3=on`; see
    /// [`read_slots`]).
    #[serde(skip)]
    pub free: Vec<i64>,
}

const OUTCOMES: [&str; 4] = ["no_show", "no_interest", "follow_up", "deal"];

async fn her_registration(
    state: &AppState,
    user: &User,
    e: &Event,
) -> Result<Option<Registration>, AppError> {
    Ok(
        ketnoi_db::registrations::live_for(state.db.conn(), e.id, user.id)
            .await?
            .filter(|r| r.status() == Some(Status::Confirmed)),
    )
}

async fn b2b_event(state: &AppState, id: i64) -> Result<Event, AppError> {
    let e = find_event(state, id).await?;
    if Kind::parse(&e.kind) != Some(Kind::B2b) {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

fn slot_label(s: &Session, i: i64) -> String {
    let (a, b) = s.slot_times(i);
    format!("{a}–{b}")
}

fn meeting_view(ctx: &Ctx, m: &Meeting, me: i64, session: Option<&Session>) -> MeetingView {
    let t = ctx.tr();
    let buyer = m.buyer_id == me;
    let other = if buyer {
        match &m.cooperative_org {
            Some(o) => format!("{o} ({})", m.cooperative_name),
            None => m.cooperative_name.clone(),
        }
    } else {
        match &m.buyer_org {
            Some(o) => format!("{o} ({})", m.buyer_name),
            None => m.buyer_name.clone(),
        }
    };
    let (outcome, value) = if buyer {
        (m.buyer_outcome.clone(), m.buyer_value)
    } else {
        (m.cooperative_outcome.clone(), m.cooperative_value)
    };
    MeetingView {
        id: m.id,
        other,
        status: t.get(&format!("b2b-status-{}", m.status)),
        status_key: m.status.clone(),
        incoming: m.requested_by != me,
        message: m.message.clone().unwrap_or_default(),
        when: match (m.slot, session) {
            (Some(s), Some(session)) => slot_label(session, s),
            _ => String::new(),
        },
        table: m.table_no.map(|t| t.to_string()).unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
        value: value.map(|v| v.to_string()).unwrap_or_default(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    e: &Event,
    form: Option<ProfileForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let reg = her_registration(state, user, e).await?;
    let session = ketnoi_db::b2b::session(state.db.conn(), e.id).await?;
    let mine = match &reg {
        Some(r) => ketnoi_db::b2b::profile(state.db.conn(), r.id).await?,
        None => None,
    };
    let profile = mine.as_ref().map(|p| ProfileForm {
        side: p.side.clone(),
        offers: p.offers.clone(),
        seeks: p.seeks.clone(),
        free: (0..64).filter(|s| p.availability & (1 << s) != 0).collect(),
        ..Default::default()
    });
    let form = form.or(profile.clone()).unwrap_or_else(|| ProfileForm {
        free: (0..64).collect(),
        ..Default::default()
    });
    let slots = match &session {
        Some(s) => (0..s.slots)
            .map(|i| SlotView {
                index: i,
                label: slot_label(s, i),
                free: form.free.contains(&i),
            })
            .collect(),
        None => Vec::new(),
    };
    let (partners, meetings) = match (&reg, &mine) {
        (Some(r), Some(p)) => {
            let all: Vec<Profile> = ketnoi_db::b2b::profiles(state.db.conn(), e.id).await?;
            let mut meetings = ketnoi_db::b2b::meetings_of(state.db.conn(), r.id).await?;
            let partners = all
                .iter()
                .filter(|o| o.side != p.side)
                .map(|o| PartnerView {
                    id: o.registration_id,
                    name: o.name.clone(),
                    org: o.org_name.clone().unwrap_or_default(),
                    offers: o.offers.clone(),
                    seeks: o.seeks.clone(),
                    asked: meetings.iter().any(|m| {
                        m.buyer_id == o.registration_id || m.cooperative_id == o.registration_id
                    }),
                })
                .collect();
            meetings.sort_by_key(|m| (m.slot.is_none(), m.slot, m.id));
            (partners, meetings)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let published = session.as_ref().is_some_and(|s| s.published_at.is_some());
    let me = reg.as_ref().map_or(0, |r| r.id);
    let views: Vec<MeetingView> = meetings
        .iter()
        .map(|m| meeting_view(ctx, m, me, session.as_ref()))
        .collect();
    let agenda = if published {
        meetings
            .iter()
            .filter(|m| m.slot.is_some())
            .map(|m| meeting_view(ctx, m, me, session.as_ref()))
            .collect()
    } else {
        Vec::new()
    };
    render_status(
        status,
        &B2bPage {
            layout: Layout::titled(ctx, "b2b-title"),
            event_id: e.id,
            event_name: e.name_in(ctx.locale).to_owned(),
            dates: crate::pages::events::dates(e),
            session: session.is_some(),
            published,
            registered: reg.is_some(),
            profile,
            form,
            slots,
            partners,
            meetings: views,
            agenda,
            outcomes: OUTCOMES
                .iter()
                .map(|o| (*o, t.get(&format!("b2b-outcome-{o}"))))
                .collect(),
            errors,
        },
    )
}

/// `GET /events/{id}/b2b`: her B2B page.
pub async fn show_b2b(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let e = b2b_event(&state, id).await?;
    page(
        &state,
        &ctx,
        &user,
        &e,
        None,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The form from its posted pairs: the slots ticked come as `slot_0=on&slot_5=on`.
fn read_profile(pairs: Vec<(String, String)>) -> ProfileForm {
    let mut f = ProfileForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => f.csrf = v,
            "side" => f.side = v,
            "offers" => f.offers = v,
            "seeks" => f.seeks = v,
            _ => {
                if let Some(n) = k.strip_prefix("slot_").and_then(|n| n.parse::<i64>().ok())
                    && (0..64).contains(&n)
                {
                    f.free.push(n);
                }
            }
        }
    }
    f
}

/// `POST /events/{id}/b2b/profile`: what she offers and seeks, and when she is free.
pub async fn save_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = read_profile(pairs);
    ctx.require_csrf(&state, &form.csrf)?;
    let e = b2b_event(&state, id).await?;
    let Some(reg) = her_registration(&state, &user, &e).await? else {
        return Err(AppError::Forbidden);
    };
    let Some(session) = ketnoi_db::b2b::session(state.db.conn(), e.id).await? else {
        return Err(AppError::NotFound);
    };
    let mut errors = FieldErrors::default();
    if !matches!(form.side.as_str(), "buyer" | "cooperative") {
        errors.add("side", Msg::new("err-invalid-choice"));
    }
    if form.side == "cooperative" && reg.org_id.is_none() {
        errors.add("side", Msg::new("b2b-err-cooperative"));
    }
    let offers = errors
        .check(
            "offers",
            text::optional_block(&form.offers, 1000).map_err(Msg::from),
        )
        .flatten();
    let seeks = errors
        .check(
            "seeks",
            text::optional_block(&form.seeks, 1000).map_err(Msg::from),
        )
        .flatten();
    if offers.is_none() && seeks.is_none() && errors.is_empty() {
        errors.add("offers", Msg::new("b2b-err-offers"));
    }
    let availability: i64 = form
        .free
        .iter()
        .filter(|s| **s < session.slots)
        .fold(0, |acc, s| acc | (1 << s));
    if availability == 0 {
        errors.add("slots", Msg::new("b2b-err-slots"));
    }
    if !errors.is_empty() {
        return page(
            &state,
            &ctx,
            &user,
            &e,
            Some(form),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    ketnoi_db::b2b::save_profile(
        state.db.conn(),
        reg.id,
        e.id,
        &form.side,
        &offers.unwrap_or_default(),
        &seeks.unwrap_or_default(),
        availability,
    )
    .await?;
    Ok(see_other(&format!("/events/{id}/b2b")))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    pub csrf: String,
    pub with: String,
    pub message: String,
}

/// `POST /events/{id}/b2b/requests`: asks a participant of the other side for a meeting.
pub async fn request_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = b2b_event(&state, id).await?;
    let Some(reg) = her_registration(&state, &user, &e).await? else {
        return Err(AppError::Forbidden);
    };
    let Some(me) = ketnoi_db::b2b::profile(state.db.conn(), reg.id).await? else {
        return Err(AppError::Forbidden);
    };
    let other = match form.with.trim().parse::<i64>() {
        Ok(o) => ketnoi_db::b2b::profile(state.db.conn(), o).await?,
        Err(_) => None,
    }
    .filter(|o| o.event_id == e.id && o.side != me.side)
    .ok_or(AppError::BadRequest(Msg::new("err-invalid-choice")))?;
    let message = text::optional_block(&form.message, 500)
        .map_err(|err| AppError::BadRequest(Msg::from(err)))?;
    let (buyer, coop) = if me.side == "buyer" {
        (me.registration_id, other.registration_id)
    } else {
        (other.registration_id, me.registration_id)
    };
    ketnoi_db::b2b::request(
        state.db.conn(),
        e.id,
        buyer,
        coop,
        me.registration_id,
        message.as_deref(),
    )
    .await?;
    Ok(see_other(&format!("/events/{id}/b2b")))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub csrf: String,
    pub decision: String,
}

async fn her_meeting(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(Meeting, Registration), AppError> {
    let m = ketnoi_db::b2b::meeting(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = b2b_event(state, m.event_id).await?;
    let reg = her_registration(state, user, &e)
        .await?
        .filter(|r| r.id == m.buyer_id || r.id == m.cooperative_id)
        .ok_or(AppError::NotFound)?;
    Ok((m, reg))
}

/// `POST /b2b/meetings/{id}/answer`: the other side accepts or declines.
pub async fn answer_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (m, reg) = her_meeting(&state, &user, id).await?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest(Msg::new("err-invalid-choice"))),
    };
    if !ketnoi_db::b2b::answer(state.db.conn(), m.id, reg.id, accept).await? {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("b2b-err-answered"),
        )));
    }
    Ok(see_other(&format!("/events/{}/b2b", m.event_id)))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    pub csrf: String,
    pub outcome: String,
    pub value: String,
}

/// `POST /b2b/meetings/{id}/outcome`: how her meeting went.
pub async fn record_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<OutcomeForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (m, reg) = her_meeting(&state, &user, id).await?;
    if !OUTCOMES.contains(&form.outcome.as_str()) {
        return Err(AppError::BadRequest(Msg::new("b2b-err-outcome")));
    }
    let digits: String = form.value.chars().filter(char::is_ascii_digit).collect();
    let value = match (form.outcome.as_str(), digits.as_str()) {
        ("deal", "") => None,
        ("deal", d) => Some(
            d.parse::<i64>()
                .ok()
                .filter(|v| *v <= 1_000_000_000_000)
                .ok_or(AppError::BadRequest(Msg::new("err-event-number")))?,
        ),
        _ => None,
    };
    if !ketnoi_db::b2b::record_outcome(state.db.conn(), m.id, reg.id, &form.outcome, value).await? {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("b2b-err-not-held"),
        )));
    }
    Ok(see_other(&format!("/events/{}/b2b", m.event_id)))
}

/// `GET /events/{id}/b2b/agenda.ics`: her published meetings for a calendar.
pub async fn agenda_ics(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    use icalendar::{Component, EventLike};
    let e = b2b_event(&state, id).await?;
    let reg = her_registration(&state, &user, &e)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = ketnoi_db::b2b::session(state.db.conn(), e.id)
        .await?
        .filter(|s| s.published_at.is_some())
        .ok_or(AppError::NotFound)?;
    let meetings = ketnoi_db::b2b::meetings_of(state.db.conn(), reg.id).await?;
    let mut cal = icalendar::Calendar::new();
    cal.name(&e.name);
    let hanoi = ketnoi_domain::time::hanoi();
    for m in meetings.iter().filter(|m| m.slot.is_some()) {
        let (start, end) = session.slot_times(m.slot.unwrap_or(0));
        let at = |hm: &str| {
            chrono::NaiveTime::parse_from_str(hm, "%H:%M")
                .ok()
                .and_then(|t| e.start_date.and_time(t).and_local_timezone(hanoi).single())
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let (Some(s), Some(x)) = (at(&start), at(&end)) else {
            continue;
        };
        let other = if m.buyer_id == reg.id {
            m.cooperative_org
                .clone()
                .unwrap_or(m.cooperative_name.clone())
        } else {
            m.buyer_org.clone().unwrap_or(m.buyer_name.clone())
        };
        let mut ev = icalendar::Event::new();
        ev.uid(&format!("b2b-{}-{}@ketnoi", m.id, reg.id))
            .summary(&format!("B2B: {other}"))
            .location(&format!(
                "{} · Bàn {}",
                e.venue_name,
                m.table_no.unwrap_or(0)
            ))
            .starts(s)
            .ends(x);
        cal.push(ev.done());
    }
    Ok(super::attachment(
        "text/calendar; charset=utf-8",
        &format!("ketnoi-b2b-{}.ics", e.id),
        cal.done().to_string(),
    ))
}
