//! Events for everyone (issue 17): upcoming and past fairs, forums, training courses, study
//! tours and B2B sessions; one event with its tickets, schema.org `Event` JSON-LD and an
//! `.ics` file; registration, the person's tickets (a signed code and its QR code) and
//! cancellation.

use super::{Layout, commune_name, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_db::events::{Event, TicketType};
use ketnoi_db::registrations::{Cancelled, NewRegistration, Refused, Registration};
use ketnoi_domain::event::{Kind, Role, Status, TicketKind, registration_open};
use ketnoi_domain::{Vnd, text};
use serde::Deserialize;

/// An event as lists show it.
pub struct EventView {
    pub id: i64,
    pub name: String,
    pub name_lang: &'static str,
    pub kind: String,
    pub dates: String,
    pub deadline: Option<String>,
    pub venue: String,
    pub online: bool,
    pub capacity: Option<String>,
    pub fee: String,
    pub organizer: String,
    pub description: String,
    pub description_lang: &'static str,
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "15/10/2026" or "15/10/2026 – 19/10/2026".
pub fn dates(e: &Event) -> String {
    if e.start_date == e.end_date {
        day(e.start_date)
    } else {
        format!("{} – {}", day(e.start_date), day(e.end_date))
    }
}

/// Where it is: the venue, its address and ward/commune, or "online".
pub fn venue(e: &Event, ctx: &Ctx) -> String {
    if e.venue_name.is_empty() && e.online_url.is_some() {
        return ctx.tr().get("event-online");
    }
    let mut parts = vec![e.venue_name.clone()];
    if !e.venue_address.is_empty() {
        parts.push(e.venue_address.clone());
    }
    let commune = commune_name(e.venue_commune_code.as_deref());
    if !commune.is_empty() && !e.venue_address.contains(&commune) {
        parts.push(commune);
    }
    parts.retain(|p| !p.is_empty());
    parts.join(", ")
}

/// The language of the name [`Event::name_in`] shows.
pub fn name_lang(e: &Event, ctx: &Ctx) -> &'static str {
    super::localized_lang(ctx.locale, Some(&e.name_en))
}

pub fn view(e: &Event, ctx: &Ctx) -> EventView {
    let t = ctx.tr();
    let lang = |en: &str| super::localized_lang(ctx.locale, Some(en));
    EventView {
        id: e.id,
        name: e.name_in(ctx.locale).to_owned(),
        name_lang: lang(&e.name_en),
        kind: t.get(&format!("event-{}", e.kind)),
        dates: dates(e),
        deadline: e.registration_deadline.map(day),
        venue: venue(e, ctx),
        online: e.online_url.is_some(),
        capacity: e.capacity.map(|c| match e.capacity_unit.as_deref() {
            Some(unit) => format!(
                "{c} {}",
                ketnoi_domain::units::display_count(unit, c, ctx.locale)
            ),
            None => c.to_string(),
        }),
        fee: if e.fee_vnd == 0 {
            t.get("event-free")
        } else {
            Vnd(e.fee_vnd).to_string()
        },
        organizer: e.organizer.clone(),
        description: e.description_in(ctx.locale).to_owned(),
        description_lang: lang(&e.description_en),
    }
}

/// Upcoming events a search matches: every word of the query (folded: case and diacritics
/// ignored; the last word may be the start of one) is a word of the event's names,
/// descriptions, venue or organiser. A few dozen events are coming at any time, so they are
/// matched here rather than indexed.
pub async fn matching(
    state: &AppState,
    ctx: &Ctx,
    query: &str,
    limit: usize,
) -> Result<Vec<EventView>, AppError> {
    let folded = text::fold(query);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .collect();
    let Some((last, rest)) = words.split_last() else {
        return Ok(Vec::new());
    };
    let today = ketnoi_domain::time::today_hanoi();
    let events = ketnoi_db::events::upcoming(state.db.conn(), today, 200).await?;
    Ok(events
        .iter()
        .filter(|e| {
            let hay = text::fold(
                &[
                    e.name.as_str(),
                    &e.name_en,
                    &e.description,
                    &e.description_en,
                    &e.venue_name,
                    &e.venue_address,
                    &e.organizer,
                    &ctx.tr().get(&format!("event-{}", e.kind)),
                ]
                .join(" "),
            );
            let own: Vec<&str> = hay.split(|c: char| !c.is_alphanumeric()).collect();
            rest.iter().all(|w| own.contains(w)) && own.iter().any(|o| o.starts_with(last))
        })
        .take(limit)
        .map(|e| view(e, ctx))
        .collect())
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct EventsPage {
    layout: Layout,
    events: Vec<EventView>,
    past: bool,
    can_create: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub when: String,
}

/// `GET /events`: upcoming events (`?when=past`: past ones).
pub async fn list_events(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let past = q.when == "past";
    let events = if past {
        ketnoi_db::events::past(state.db.conn(), today, 100).await?
    } else {
        ketnoi_db::events::upcoming(state.db.conn(), today, 100).await?
    };
    render(&EventsPage {
        layout: Layout::titled(
            &ctx,
            if past {
                "events-past-title"
            } else {
                "events-title"
            },
        ),
        events: events.iter().map(|e| view(e, &ctx)).collect(),
        past,
        can_create: ctx.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                ketnoi_domain::role::PlatformRole::UnionOfficer
                    | ketnoi_domain::role::PlatformRole::Admin
            )
        }),
    })
}

/// A ticket type as the event page shows it.
pub struct TicketView {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub left: i64,
    pub quota: i64,
    pub exhibitor: bool,
    pub paid: bool,
}

fn ticket_view(t: &TicketType, ctx: &Ctx) -> TicketView {
    TicketView {
        id: t.id,
        name: t.name_in(ctx.locale).to_owned(),
        price: if t.price_vnd == 0 {
            ctx.tr().get("event-free")
        } else {
            Vnd(t.price_vnd).to_string()
        },
        left: t.left(),
        quota: t.quota,
        exhibitor: t.kind == TicketKind::Exhibitor.as_str(),
        paid: t.price_vnd > 0,
    }
}

/// Her registration as the event page and her tickets show it.
pub struct MineView {
    pub id: i64,
    pub waitlisted: bool,
    pub position: Option<i64>,
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct EventPage {
    layout: Layout,
    event: EventView,
    json_ld: String,
    tickets: Vec<TicketView>,
    has_exhibitor: bool,
    has_paid: bool,
    open: bool,
    signed_in: bool,
    mine: Option<MineView>,
    orgs: Vec<(String, String)>,
    roles: Vec<(&'static str, String)>,
    training: bool,
    b2b: bool,
    can_manage: bool,
    partners: String,
    audience: String,
    online_url: String,
    map: Option<(f64, f64)>,
    form: RegisterForm,
    errors: FieldErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    pub csrf: String,
    pub ticket: String,
    pub attendee_name: String,
    pub org: String,
    pub role: String,
    pub booth_request: String,
}

fn json_ld(e: &Event, tickets: &[TicketType], url: &str) -> String {
    let location = match (&e.online_url, e.venue_name.is_empty()) {
        (Some(link), true) => serde_json::json!({"@type": "VirtualLocation", "url": link}),
        _ => {
            let mut place = serde_json::json!({
                "@type": "Place",
                "name": e.venue_name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": e.venue_address,
                    "addressLocality": commune_name(e.venue_commune_code.as_deref()),
                    "addressRegion": "Hà Nội",
                    "addressCountry": "VN",
                },
            });
            if let (Some(lat), Some(lon)) = (e.latitude, e.longitude) {
                place["geo"] = serde_json::json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
            }
            place
        }
    };
    let mode = match (&e.online_url, e.venue_name.is_empty()) {
        (Some(_), true) => "https://schema.org/OnlineEventAttendanceMode",
        (Some(_), false) => "https://schema.org/MixedEventAttendanceMode",
        (None, _) => "https://schema.org/OfflineEventAttendanceMode",
    };
    let offers: Vec<serde_json::Value> = tickets
        .iter()
        .map(|t| {
            serde_json::json!({
                "@type": "Offer",
                "name": t.name_vi,
                "price": t.price_vnd,
                "priceCurrency": "VND",
                "availability": if t.left() > 0 { "https://schema.org/InStock" } else { "https://schema.org/SoldOut" },
                "url": url,
            })
        })
        .collect();
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.name,
        "description": e.description,
        "startDate": e.start_date.to_string(),
        "endDate": e.end_date.to_string(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": mode,
        "location": location,
        "organizer": {"@type": "Organization", "name": e.organizer},
        "offers": offers,
        "url": url,
    });
    super::directory::script_json(&ld)
}

/// Whether this person runs the event: an administrator, a city officer, or the officer of
/// the ward/commune it belongs to.
pub fn manages(user: &ketnoi_db::users::User, e: &Event) -> bool {
    use ketnoi_domain::role::PlatformRole;
    match user.role {
        PlatformRole::Admin => true,
        PlatformRole::UnionOfficer => match &user.officer_commune_code {
            None => true,
            Some(mine) => e.scope_commune_code.as_deref() == Some(mine.as_str()),
        },
        PlatformRole::User => false,
    }
}

/// The site's address and ticket-signing key, for the event use cases.
pub fn site(state: &AppState) -> ketnoi_app::events::Site<'_> {
    ketnoi_app::events::Site {
        public_url: &state.config.public_url,
        secret: state.config.secret_key.expose(),
    }
}

pub async fn find_event(state: &AppState, id: i64) -> Result<Event, AppError> {
    ketnoi_db::events::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn event_page(
    state: &AppState,
    ctx: &Ctx,
    e: &Event,
    form: RegisterForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    let today = ketnoi_domain::time::today_hanoi();
    let url = format!(
        "{}/events/{}",
        state.config.public_url.trim_end_matches('/'),
        e.id
    );
    let (mine, orgs) = match &ctx.user {
        Some(u) => {
            let mine = match ketnoi_db::registrations::live_for(state.db.conn(), e.id, u.id).await?
            {
                Some(r) => Some(MineView {
                    id: r.id,
                    waitlisted: r.status() == Some(Status::Waitlisted),
                    position: ketnoi_db::registrations::queue_position(state.db.conn(), &r).await?,
                }),
                None => None,
            };
            let orgs = ketnoi_db::orgs::of_user(state.db.conn(), u.id)
                .await?
                .into_iter()
                .map(|(o, _)| (o.slug, o.name))
                .collect();
            (mine, orgs)
        }
        None => (None, Vec::new()),
    };
    let form = RegisterForm {
        attendee_name: if form.attendee_name.is_empty() {
            ctx.user
                .as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default()
        } else {
            form.attendee_name
        },
        ..form
    };
    render_status(
        status,
        &EventPage {
            layout: Layout::content_titled(
                ctx,
                e.name_in(ctx.locale).to_owned(),
                name_lang(e, ctx),
            ),
            event: view(e, ctx),
            json_ld: json_ld(e, &tickets, &url),
            open: registration_open(
                today,
                e.registration_opens,
                e.registration_deadline,
                e.end_date,
            ) && !tickets.is_empty(),
            has_exhibitor: tickets
                .iter()
                .any(|x| x.kind == TicketKind::Exhibitor.as_str()),
            has_paid: tickets.iter().any(|x| x.price_vnd > 0),
            tickets: tickets.iter().map(|x| ticket_view(x, ctx)).collect(),
            signed_in: ctx.user.is_some(),
            mine,
            orgs,
            roles: Role::ALL
                .iter()
                .map(|r| (r.as_str(), t.get(&format!("training-role-{}", r.as_str()))))
                .collect(),
            training: Kind::parse(&e.kind) == Some(Kind::Training),
            b2b: Kind::parse(&e.kind) == Some(Kind::B2b),
            can_manage: ctx.user.as_ref().is_some_and(|u| manages(u, e)),
            partners: e.partners.clone(),
            audience: ketnoi_domain::event::parse_audience(&e.audience)
                .iter()
                .map(|a| t.get(&format!("event-audience-{}", a.as_str())))
                .collect::<Vec<_>>()
                .join(", "),
            online_url: e.online_url.clone().unwrap_or_default(),
            map: e.latitude.zip(e.longitude),
            form,
            errors,
        },
    )
}

/// `GET /events/{id}`: one event, its tickets and the registration form.
pub async fn show_event(
    State(state): State<AppState>,
    ctx: Ctx,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let e = find_event(&state, id).await?;
    event_page(
        &state,
        &ctx,
        &e,
        RegisterForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `GET /events/{id}/event.ics`: the event for a calendar.
pub async fn event_ics(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    use icalendar::{Component, EventLike};
    let e = find_event(&state, id).await?;
    let url = format!(
        "{}/events/{}",
        state.config.public_url.trim_end_matches('/'),
        e.id
    );
    let host = url
        .split("//")
        .nth(1)
        .and_then(|h| h.split('/').next())
        .unwrap_or("ketnoi");
    let mut ev = icalendar::Event::new();
    ev.uid(&format!("event-{}@{host}", e.id))
        .summary(&e.name)
        .description(&format!("{}\n\n{url}", e.description))
        .location(&[e.venue_name.as_str(), e.venue_address.as_str()].join(", "))
        .url(&url)
        .starts(e.start_date)
        .ends(e.end_date + chrono::Days::new(1));
    let cal = icalendar::Calendar::new()
        .name(&e.name)
        .push(ev.done())
        .done();
    Ok(super::attachment(
        "text/calendar; charset=utf-8",
        &format!("ketnoi-event-{}.ics", e.id),
        cal.to_string(),
    ))
}

fn validate(
    f: &RegisterForm,
    e: &Event,
    tickets: &[TicketType],
    orgs: &[(ketnoi_db::orgs::Org, ketnoi_domain::role::MemberRole)],
    user_id: i64,
) -> Result<NewRegistration, FieldErrors> {
    let mut errs = FieldErrors::default();
    let ticket = f
        .ticket
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| tickets.iter().find(|t| t.id == id))
        .or_else(|| (tickets.len() == 1).then(|| &tickets[0]));
    if ticket.is_none() {
        errs.add("ticket", Msg::new("err-event-ticket"));
    }
    let name = errs.check(
        "attendee_name",
        text::display_name(&f.attendee_name, 120).map_err(|_| Msg::new("err-event-name")),
    );
    let org = match f.org.trim() {
        "" => None,
        slug => match orgs.iter().find(|(o, _)| o.slug == slug) {
            Some((o, _)) => Some(o.id),
            None => {
                errs.add("org", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let role = match f.role.trim() {
        "" => None,
        r => match Role::parse(r) {
            Some(r) => Some(r.as_str().to_owned()),
            None => {
                errs.add("role", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let exhibitor = ticket.is_some_and(|t| t.kind == TicketKind::Exhibitor.as_str());
    // A booth is booked for a cooperative by someone who runs it, not by any member.
    let runs_it = orgs.iter().any(|(o, role)| {
        Some(o.id) == org
            && matches!(
                role,
                ketnoi_domain::role::MemberRole::Owner | ketnoi_domain::role::MemberRole::Manager
            )
    });
    if exhibitor && !runs_it && !errs.0.contains_key("org") {
        errs.add("org", Msg::new("err-event-exhibitor-org"));
    }
    let booth_request = errs
        .check("booth_request", text::optional_block(&f.booth_request, 500))
        .flatten();
    match (ticket, name) {
        (Some(t), Some(name)) if errs.is_empty() => Ok(NewRegistration {
            event_id: e.id,
            ticket_type_id: t.id,
            user_id,
            org_id: org,
            attendee_name: name,
            role,
            booth_request: if exhibitor { booth_request } else { None },
        }),
        _ => Err(errs),
    }
}

/// `POST /events/{id}/registrations`: a place, or the waiting list when the tickets are gone.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = find_event(&state, id).await?;
    let today = ketnoi_domain::time::today_hanoi();
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    let refuse = |key: &'static str| {
        let mut errs = FieldErrors::default();
        errs.add("_form", Msg::new(key));
        errs
    };
    if !registration_open(
        today,
        e.registration_opens,
        e.registration_deadline,
        e.end_date,
    ) {
        let errs = refuse("err-event-closed");
        return event_page(&state, &ctx, &e, form, errs, StatusCode::CONFLICT).await;
    }
    let orgs = ketnoi_db::orgs::of_user(state.db.conn(), user.id).await?;
    let new = match validate(&form, &e, &tickets, &orgs, user.id) {
        Ok(n) => n,
        Err(errs) => {
            return event_page(
                &state,
                &ctx,
                &e,
                form,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match ketnoi_app::events::register(&state.db, &e, &new, site(&state)).await? {
        Ok(reg) => Ok(see_other(&format!("/my/tickets/{}", reg.id))),
        Err(Refused::AlreadyRegistered) => {
            let errs = refuse("err-event-already");
            event_page(&state, &ctx, &e, form, errs, StatusCode::CONFLICT).await
        }
        Err(Refused::NoSuchTicket) => {
            let mut errs = FieldErrors::default();
            errs.add("ticket", Msg::new("err-event-ticket"));
            event_page(
                &state,
                &ctx,
                &e,
                form,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// One of her tickets.
pub struct TicketRow {
    pub id: i64,
    pub event_id: i64,
    pub event: String,
    pub event_lang: &'static str,
    pub dates: String,
    pub venue: String,
    pub status: String,
    pub status_key: &'static str,
    pub position: Option<i64>,
    pub code: String,
    pub ticket: String,
    /// The fee she pays at the door, for a paid ticket ("" when free).
    pub fee: String,
    pub booth: String,
    pub checked_in: Option<String>,
    pub past: bool,
}

async fn ticket_row(
    state: &AppState,
    ctx: &Ctx,
    r: &Registration,
    e: &Event,
) -> Result<TicketRow, AppError> {
    let t = ctx.tr();
    let status = r.status().unwrap_or(Status::Cancelled);
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    Ok(TicketRow {
        id: r.id,
        event_id: e.id,
        event: e.name_in(ctx.locale).to_owned(),
        event_lang: name_lang(e, ctx),
        dates: dates(e),
        venue: venue(e, ctx),
        status: t.get(&format!("registration-{}", status.as_str())),
        status_key: status.as_str(),
        position: ketnoi_db::registrations::queue_position(state.db.conn(), r).await?,
        code: ketnoi_app::events::ticket_code(state.config.secret_key.expose(), e.id, r.id),
        ticket: tickets
            .iter()
            .find(|x| x.id == r.ticket_type_id)
            .map(|x| x.name_in(ctx.locale).to_owned())
            .unwrap_or_default(),
        fee: tickets
            .iter()
            .find(|x| x.id == r.ticket_type_id && x.price_vnd > 0)
            .map(|x| Vnd(x.price_vnd).to_string())
            .unwrap_or_default(),
        booth: r.booth.clone().unwrap_or_default(),
        checked_in: r.checked_in_at.map(ketnoi_domain::time::format_hanoi),
        past: e.end_date < ketnoi_domain::time::today_hanoi(),
    })
}

#[derive(Template)]
#[template(path = "events/tickets.html")]
struct TicketsPage {
    layout: Layout,
    tickets: Vec<TicketRow>,
}

/// `GET /my/tickets`: her registrations.
pub async fn list_tickets(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let regs = ketnoi_db::registrations::of_user(state.db.conn(), user.id).await?;
    let mut tickets = Vec::with_capacity(regs.len());
    for r in &regs {
        if let Some(e) = ketnoi_db::events::find(state.db.conn(), r.event_id).await? {
            tickets.push(ticket_row(&state, &ctx, r, &e).await?);
        }
    }
    render(&TicketsPage {
        layout: Layout::titled(&ctx, "tickets-title"),
        tickets,
    })
}

#[derive(Template)]
#[template(path = "events/ticket.html")]
struct TicketPage {
    layout: Layout,
    t: TicketRow,
}

async fn own_registration(
    state: &AppState,
    user: &ketnoi_db::users::User,
    id: i64,
) -> Result<(Registration, Event), AppError> {
    let r = ketnoi_db::registrations::find(state.db.conn(), id)
        .await?
        .filter(|r| r.user_id == user.id)
        .ok_or(AppError::NotFound)?;
    let e = find_event(state, r.event_id).await?;
    Ok((r, e))
}

/// `GET /my/tickets/{id}`: one ticket with its code and QR code.
pub async fn show_ticket(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (r, e) = own_registration(&state, &user, id).await?;
    render(&TicketPage {
        layout: Layout::titled(&ctx, "ticket-title"),
        t: ticket_row(&state, &ctx, &r, &e).await?,
    })
}

/// `GET /my/tickets/{id}/qr.png`: the ticket's code as a QR code (what the page shows and
/// a phone can save).
pub async fn ticket_qr(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (r, e) = own_registration(&state, &user, id).await?;
    if r.status() != Some(Status::Confirmed) {
        return Err(AppError::NotFound);
    }
    let code = ketnoi_app::events::ticket_code(state.config.secret_key.expose(), e.id, r.id);
    let png = ketnoi_payments::vietqr::png(&code).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        png,
    )
        .into_response())
}

/// `POST /my/tickets/{id}/cancel`: gives the place up (to the first person waiting).
pub async fn cancel_ticket(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<super::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (r, e) = own_registration(&state, &user, id).await?;
    match ketnoi_app::events::cancel(&state.db, &e, r.id, site(&state)).await? {
        Cancelled::Done { .. } | Cancelled::Already => {
            Ok(see_other(&format!("/my/tickets/{}", r.id)))
        }
    }
}
