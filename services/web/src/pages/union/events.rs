//! Events run by Union officers (issue 17): create and change them, see who registered,
//! allocate exhibitors' booths, and check people in at the door. A ward/commune officer runs
//! her ward's events; city officers and administrators run all of them.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use crate::pages::events::{find_event, manages, site};
use crate::pages::{Layout, form_errors, parse_day, render, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use ketnoi_app::events::Desk;
use ketnoi_db::events::{Event, NewTicketType};
use ketnoi_db::users::User;
use ketnoi_domain::admin_units;
use ketnoi_domain::event::{Audience, Kind, Status, TicketKind, Topic};
use ketnoi_domain::text;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventForm {
    pub csrf: String,
    pub kind: String,
    pub name: String,
    pub name_en: String,
    pub description: String,
    pub description_en: String,
    pub start_date: String,
    pub end_date: String,
    pub registration_opens: String,
    pub registration_deadline: String,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_commune: String,
    pub latitude: String,
    pub longitude: String,
    pub online_url: String,
    /// One checkbox each (`audience_buyers=on`): whom the event is for.
    pub audience_cooperatives: String,
    pub audience_buyers: String,
    pub audience_network: String,
    pub audience_public: String,
    pub organizer: String,
    pub partners: String,
    pub training_topic: String,
    pub training_hours: String,
    pub visitor_name: String,
    pub visitor_quota: String,
    pub visitor_price: String,
    pub exhibitor_quota: String,
    pub exhibitor_price: String,
}

#[derive(Template)]
#[template(path = "union/event_form.html")]
struct EventFormPage {
    layout: Layout,
    action: String,
    form: EventForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, String)>,
    audiences: Vec<(&'static str, String, bool)>,
    topics: Vec<(&'static str, String)>,
    communes: &'static [admin_units::Commune],
}

struct Valid {
    event: Event,
    visitor: Option<NewTicketType>,
    exhibitor: Option<NewTicketType>,
}

impl EventForm {
    /// Whether the form's checkbox for `a` is ticked.
    pub fn audience(&self, a: Audience) -> bool {
        !match a {
            Audience::Cooperatives => &self.audience_cooperatives,
            Audience::Buyers => &self.audience_buyers,
            Audience::Network => &self.audience_network,
            Audience::Public => &self.audience_public,
        }
        .is_empty()
    }

    fn tick(&mut self, stored: &str) {
        for a in ketnoi_domain::event::parse_audience(stored) {
            let on = "on".to_owned();
            match a {
                Audience::Cooperatives => self.audience_cooperatives = on,
                Audience::Buyers => self.audience_buyers = on,
                Audience::Network => self.audience_network = on,
                Audience::Public => self.audience_public = on,
            }
        }
    }
}

fn day(e: &mut FieldErrors, field: &str, raw: &str, required: bool) -> Option<NaiveDate> {
    match raw.trim() {
        "" => {
            if required {
                e.add(field, Msg::new("err-required"));
            }
            None
        }
        d => e.check(field, parse_day(d)),
    }
}

fn number(e: &mut FieldErrors, field: &str, raw: &str, min: i64, max: i64) -> Option<i64> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}' | 'đ'))
        .collect();
    if digits.trim().is_empty() {
        return None;
    }
    match digits.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            e.add(field, Msg::new("err-event-number"));
            None
        }
    }
}

fn validate(f: &EventForm, user: &User) -> Result<Valid, FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        Kind::parse(&f.kind).ok_or(Msg::new("err-invalid-choice")),
    );
    let name = e.check("name", text::required_line(&f.name, 200).map_err(Msg::from));
    let name_en = e
        .check(
            "name_en",
            text::optional_line(&f.name_en, 200).map_err(Msg::from),
        )
        .flatten();
    let description = e.check(
        "description",
        text::optional_block(&f.description, 5000)
            .map_err(Msg::from)
            .and_then(|d| d.ok_or(Msg::new("err-required"))),
    );
    let description_en = e
        .check(
            "description_en",
            text::optional_block(&f.description_en, 5000).map_err(Msg::from),
        )
        .flatten();
    let start = day(&mut e, "start_date", &f.start_date, true);
    let end = day(&mut e, "end_date", &f.end_date, false).or(start);
    if let (Some(s), Some(x)) = (start, end)
        && x < s
    {
        e.add("end_date", Msg::new("err-event-end"));
    }
    let opens = day(&mut e, "registration_opens", &f.registration_opens, false);
    let deadline = day(
        &mut e,
        "registration_deadline",
        &f.registration_deadline,
        false,
    );
    if let (Some(o), Some(d)) = (opens, deadline)
        && d < o
    {
        e.add("registration_deadline", Msg::new("err-event-deadline"));
    }
    if let (Some(d), Some(x)) = (deadline, end)
        && d > x
    {
        e.add(
            "registration_deadline",
            Msg::new("err-event-deadline-after"),
        );
    }
    let venue_name = e
        .check(
            "venue_name",
            text::optional_line(&f.venue_name, 200).map_err(Msg::from),
        )
        .flatten();
    let venue_address = e
        .check(
            "venue_address",
            text::optional_line(&f.venue_address, 300).map_err(Msg::from),
        )
        .flatten();
    let commune = match f.venue_commune.trim() {
        "" => None,
        c => match admin_units::commune(c) {
            Some(c) => Some(c.code.clone()),
            None => {
                e.add("venue_commune", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let online_url = match f.online_url.trim() {
        "" => None,
        u if (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 500
            && !u.chars().any(char::is_whitespace) =>
        {
            Some(u.to_owned())
        }
        _ => {
            e.add("online_url", Msg::new("err-event-link"));
            None
        }
    };
    if venue_name.is_none() && online_url.is_none() {
        e.add("venue_name", Msg::new("err-event-where"));
    }
    let coordinate = |e: &mut FieldErrors, field: &str, raw: &str, lo: f64, hi: f64| match raw
        .trim()
        .replace(',', ".")
        .as_str()
    {
        "" => None,
        v => match v.parse::<f64>() {
            Ok(x) if (lo..=hi).contains(&x) => Some(x),
            _ => {
                e.add(field, Msg::new("err-event-point"));
                None
            }
        },
    };
    // Hà Nội and around it: a point outside is a typing mistake.
    let latitude = coordinate(&mut e, "latitude", &f.latitude, 20.5, 21.5);
    let longitude = coordinate(&mut e, "longitude", &f.longitude, 105.2, 106.1);
    if latitude.is_some() != longitude.is_some() {
        e.add("longitude", Msg::new("err-event-point"));
    }
    let audience: Vec<Audience> = Audience::ALL
        .iter()
        .copied()
        .filter(|a| f.audience(*a))
        .collect();
    let organizer = e.check(
        "organizer",
        text::required_line(&f.organizer, 200).map_err(Msg::from),
    );
    let partners = e
        .check(
            "partners",
            text::optional_line(&f.partners, 500).map_err(Msg::from),
        )
        .flatten();
    let training = kind == Some(Kind::Training);
    let topic = match (training, f.training_topic.trim()) {
        (false, _) => None,
        (true, t) => e.check(
            "training_topic",
            Topic::parse(t).ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let hours = if training {
        let h = number(&mut e, "training_hours", &f.training_hours, 1, 2000);
        if h.is_none() && f.training_hours.trim().is_empty() {
            e.add("training_hours", Msg::new("err-required"));
        }
        h
    } else {
        None
    };
    let visitor_quota = number(&mut e, "visitor_quota", &f.visitor_quota, 1, 100_000);
    let visitor_price =
        number(&mut e, "visitor_price", &f.visitor_price, 0, 100_000_000).unwrap_or(0);
    let exhibitor_quota = number(&mut e, "exhibitor_quota", &f.exhibitor_quota, 1, 10_000);
    let exhibitor_price = number(
        &mut e,
        "exhibitor_price",
        &f.exhibitor_price,
        0,
        1_000_000_000,
    )
    .unwrap_or(0);
    let visitor_name = e
        .check(
            "visitor_name",
            text::optional_line(&f.visitor_name, 100).map_err(Msg::from),
        )
        .flatten();
    match (kind, name, description, start, end, organizer) {
        (Some(kind), Some(name), Some(description), Some(start), Some(end), Some(organizer))
            if e.is_empty() =>
        {
            let event = Event {
                name,
                name_en: name_en.unwrap_or_default(),
                kind: kind.as_str().to_owned(),
                start_date: start,
                end_date: end,
                registration_opens: opens,
                registration_deadline: deadline,
                venue_name: venue_name.unwrap_or_default(),
                venue_address: venue_address.unwrap_or_default(),
                venue_commune_code: commune,
                province_code: "01".to_owned(),
                latitude,
                longitude,
                online_url,
                audience: ketnoi_domain::event::audience_list(&audience),
                capacity: visitor_quota,
                capacity_unit: None,
                fee_vnd: visitor_price,
                categories: String::new(),
                organizer,
                partners: partners.unwrap_or_default(),
                description,
                description_en: description_en.unwrap_or_default(),
                scope_commune_code: user.officer_commune_code.clone(),
                created_by: Some(user.id),
                training_topic: topic.map(|t| t.as_str().to_owned()),
                training_hours: hours,
                ..Default::default()
            };
            Ok(Valid {
                event,
                visitor: visitor_quota.map(|quota| NewTicketType {
                    kind: TicketKind::Visitor,
                    name_vi: visitor_name
                        .clone()
                        .unwrap_or_else(|| "Vé tham dự".to_owned()),
                    name_en: if visitor_name.is_some() {
                        String::new()
                    } else {
                        "Admission".to_owned()
                    },
                    quota,
                    price_vnd: visitor_price,
                }),
                exhibitor: exhibitor_quota.map(|quota| NewTicketType {
                    kind: TicketKind::Exhibitor,
                    name_vi: "Gian hàng hợp tác xã".to_owned(),
                    name_en: "Cooperative booth".to_owned(),
                    quota,
                    price_vnd: exhibitor_price,
                }),
            })
        }
        _ => Err(e),
    }
}

fn form_page(
    ctx: &Ctx,
    action: String,
    title: &str,
    form: EventForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let audiences = Audience::ALL
        .iter()
        .map(|a| {
            (
                a.as_str(),
                t.get(&format!("event-audience-{}", a.as_str())),
                form.audience(*a),
            )
        })
        .collect();
    render_status(
        status,
        &EventFormPage {
            layout: Layout::titled(ctx, title),
            action,
            form,
            errors,
            kinds: Kind::ALL
                .iter()
                .map(|k| (k.as_str(), t.get(&format!("event-{}", k.as_str()))))
                .collect(),
            audiences,
            topics: Topic::ALL
                .iter()
                .map(|x| (x.as_str(), t.get(&format!("training-topic-{}", x.as_str()))))
                .collect(),
            communes: admin_units::hanoi_communes_by_name(),
        },
    )
}

/// `GET /union/events/new`: the form for a new event.
pub async fn new_event(ctx: Ctx, CurrentUser(user): CurrentUser) -> Result<Response, AppError> {
    let form = EventForm {
        kind: "training".into(),
        audience_cooperatives: "on".into(),
        venue_commune: user.officer_commune_code.clone().unwrap_or_default(),
        organizer: ctx.tr().get("event-default-organizer"),
        ..Default::default()
    };
    form_page(
        &ctx,
        "/union/events".into(),
        "event-new-title",
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /union/events`: creates the event and its ticket types.
pub async fn create_event(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    let result = ctx
        .require_csrf(&state, &form.csrf)
        .and_then(|()| validate(&form, &user).map_err(AppError::Validation));
    match result {
        Ok(v) => {
            let mut tx = state.db.begin().await?;
            let id = ketnoi_db::events::create(tx.conn(), &v.event).await?;
            for (i, t) in [v.visitor, v.exhibitor].into_iter().flatten().enumerate() {
                ketnoi_db::events::add_ticket_type(
                    tx.conn(),
                    id,
                    &t,
                    i64::try_from(i).unwrap_or(0),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(see_other(&format!("/union/events/{id}?saved=1")))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            form_page(
                &ctx,
                "/union/events".into(),
                "event-new-title",
                form,
                errors,
                status,
            )
        }
    }
}

async fn managed(state: &AppState, user: &User, id: i64) -> Result<Event, AppError> {
    let e = find_event(state, id).await?;
    if manages(user, &e) {
        Ok(e)
    } else {
        Err(AppError::Forbidden)
    }
}

fn text_of(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `GET /union/events/{id}/edit`: the event's form, filled in.
pub async fn edit_event(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let e = managed(&state, &user, id).await?;
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    let visitor = tickets
        .iter()
        .find(|t| t.kind == TicketKind::Visitor.as_str());
    let exhibitor = tickets
        .iter()
        .find(|t| t.kind == TicketKind::Exhibitor.as_str());
    let form = EventForm {
        kind: e.kind.clone(),
        name: e.name.clone(),
        name_en: e.name_en.clone(),
        description: e.description.clone(),
        description_en: e.description_en.clone(),
        start_date: text_of(Some(e.start_date)),
        end_date: text_of(Some(e.end_date)),
        registration_opens: text_of(e.registration_opens),
        registration_deadline: text_of(e.registration_deadline),
        venue_name: e.venue_name.clone(),
        venue_address: e.venue_address.clone(),
        venue_commune: e.venue_commune_code.clone().unwrap_or_default(),
        latitude: e.latitude.map(|x| x.to_string()).unwrap_or_default(),
        longitude: e.longitude.map(|x| x.to_string()).unwrap_or_default(),
        online_url: e.online_url.clone().unwrap_or_default(),
        organizer: e.organizer.clone(),
        partners: e.partners.clone(),
        training_topic: e.training_topic.clone().unwrap_or_default(),
        training_hours: e.training_hours.map(|h| h.to_string()).unwrap_or_default(),
        visitor_name: visitor.map(|t| t.name_vi.clone()).unwrap_or_default(),
        visitor_quota: visitor.map(|t| t.quota.to_string()).unwrap_or_default(),
        visitor_price: visitor.map(|t| t.price_vnd.to_string()).unwrap_or_default(),
        exhibitor_quota: exhibitor.map(|t| t.quota.to_string()).unwrap_or_default(),
        exhibitor_price: exhibitor
            .map(|t| t.price_vnd.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    let mut form = form;
    form.tick(&e.audience);
    form_page(
        &ctx,
        format!("/union/events/{id}"),
        "event-edit-title",
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /union/events/{id}`: saves the changes. A quota below the places already taken is
/// refused beside its field.
pub async fn update_event(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed(&state, &user, id).await?;
    let action = format!("/union/events/{id}");
    let result = validate(&form, &user).map_err(AppError::Validation);
    let v = match result {
        Ok(v) => v,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            return form_page(&ctx, action, "event-edit-title", form, errors, status);
        }
    };
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    let mut tx = state.db.begin().await?;
    // The scope and the creator stay the event's own.
    let event = Event {
        scope_commune_code: e.scope_commune_code.clone(),
        created_by: e.created_by,
        ..v.event
    };
    ketnoi_db::events::update(tx.conn(), e.id, &event).await?;
    let mut errors = FieldErrors::default();
    for (field, kind, new) in [
        ("visitor_quota", TicketKind::Visitor, v.visitor),
        ("exhibitor_quota", TicketKind::Exhibitor, v.exhibitor),
    ] {
        let Some(new) = new else { continue };
        match tickets.iter().find(|t| t.kind == kind.as_str()) {
            Some(old) => {
                let new = NewTicketType {
                    name_en: if new.name_vi == old.name_vi {
                        old.name_en.clone()
                    } else {
                        new.name_en
                    },
                    ..new
                };
                if !ketnoi_db::events::update_ticket_type(tx.conn(), old.id, e.id, &new).await? {
                    errors.add(field, Msg::new("err-event-quota-taken"));
                }
            }
            None => {
                ketnoi_db::events::add_ticket_type(
                    tx.conn(),
                    e.id,
                    &new,
                    i64::try_from(tickets.len()).unwrap_or(0),
                )
                .await?;
            }
        }
    }
    if !errors.is_empty() {
        drop(tx);
        return form_page(
            &ctx,
            action,
            "event-edit-title",
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // A larger quota frees places: the people waiting get them.
    for t in ketnoi_db::events::ticket_types(tx.conn(), e.id).await? {
        for _ in 0..t.left() {
            match ketnoi_db::registrations::promote_next(&mut tx, t.id).await? {
                Some(p) => {
                    ketnoi_app::events::tell_promoted(&mut tx, &event, &p, site(&state)).await?
                }
                None => break,
            }
        }
    }
    tx.commit().await?;
    Ok(see_other(&format!("/union/events/{id}?saved=1")))
}

/// A registration as the organiser sees it.
pub struct RegistrationRow {
    pub id: i64,
    pub name: String,
    pub org: String,
    pub ticket: String,
    pub status: String,
    pub status_key: &'static str,
    pub exhibitor: bool,
    pub booth_request: String,
    pub booth: String,
    pub checked_in: Option<String>,
}

#[derive(Template)]
#[template(path = "union/event.html")]
struct EventAdminPage {
    layout: Layout,
    id: i64,
    dates: String,
    confirmed: i64,
    waitlisted: i64,
    checked_in: i64,
    rows: Vec<RegistrationRow>,
    saved: bool,
    b2b: bool,
}

/// `GET /union/events/{id}`: who registered, the waiting list, booths, check-ins.
pub async fn show_event(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    crate::extract::Query(q): crate::extract::Query<crate::pages::SavedQuery>,
) -> Result<Response, AppError> {
    let e = managed(&state, &user, id).await?;
    let t = ctx.tr();
    let tickets = ketnoi_db::events::ticket_types(state.db.conn(), e.id).await?;
    let regs = ketnoi_db::registrations::of_event(state.db.conn(), e.id).await?;
    let (confirmed, waitlisted, checked_in) =
        ketnoi_db::registrations::counts(state.db.conn(), e.id).await?;
    let mut rows = Vec::with_capacity(regs.len());
    for r in regs {
        let ticket = tickets.iter().find(|x| x.id == r.ticket_type_id);
        let org = match r.org_id {
            Some(o) => ketnoi_db::orgs::find(state.db.conn(), o)
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let status = r.status().unwrap_or(Status::Cancelled);
        rows.push(RegistrationRow {
            id: r.id,
            name: r.attendee_name.clone(),
            org,
            ticket: ticket
                .map(|x| x.name_in(ctx.locale).to_owned())
                .unwrap_or_default(),
            status: t.get(&format!("registration-{}", status.as_str())),
            status_key: status.as_str(),
            exhibitor: ticket.is_some_and(|x| x.kind == TicketKind::Exhibitor.as_str()),
            booth_request: r.booth_request.clone().unwrap_or_default(),
            booth: r.booth.clone().unwrap_or_default(),
            checked_in: r.checked_in_at.map(ketnoi_domain::time::format_hanoi),
        });
    }
    render(&EventAdminPage {
        layout: Layout::content_titled(
            &ctx,
            e.name_in(ctx.locale).to_owned(),
            crate::pages::events::name_lang(&e, &ctx),
        ),
        id: e.id,
        dates: crate::pages::events::dates(&e),
        confirmed,
        waitlisted,
        checked_in,
        rows,
        saved: !q.saved.is_empty(),
        b2b: Kind::parse(&e.kind) == Some(Kind::B2b),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BoothForm {
    pub csrf: String,
    pub registration: String,
    pub booth: String,
}

/// `POST /union/events/{id}/booths`: allocates an exhibitor's booth.
pub async fn allocate_booth(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<BoothForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed(&state, &user, id).await?;
    let reg: i64 = form
        .registration
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest(Msg::new("err-invalid-choice")))?;
    let booth =
        text::optional_line(&form.booth, 40).map_err(|e| AppError::BadRequest(Msg::from(e)))?;
    if !ketnoi_db::registrations::set_booth(state.db.conn(), reg, e.id, booth.as_deref()).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/union/events/{id}?saved=1")))
}

#[derive(Template)]
#[template(path = "union/checkin.html")]
struct CheckInPage {
    layout: Layout,
    id: i64,
    event: String,
    event_lang: &'static str,
    outcome: Option<Outcome>,
    code: String,
    checked_in: i64,
    confirmed: i64,
}

/// What the desk shows after a code.
pub struct Outcome {
    pub kind: &'static str,
    pub message: String,
    pub name: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckInForm {
    pub csrf: String,
    pub code: String,
}

async fn desk_page(
    state: &AppState,
    ctx: &Ctx,
    e: &Event,
    outcome: Option<Outcome>,
    code: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (confirmed, _, checked_in) =
        ketnoi_db::registrations::counts(state.db.conn(), e.id).await?;
    render_status(
        status,
        &CheckInPage {
            layout: Layout::titled(ctx, "checkin-title"),
            id: e.id,
            event: e.name_in(ctx.locale).to_owned(),
            event_lang: crate::pages::events::name_lang(e, ctx),
            outcome,
            code,
            checked_in,
            confirmed,
        },
    )
}

/// `GET /union/events/{id}/checkin`: the door: type a code (or scan it, where the phone's
/// browser can).
pub async fn show_checkin(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let e = managed(&state, &user, id).await?;
    desk_page(&state, &ctx, &e, None, String::new(), StatusCode::OK).await
}

/// `POST /union/events/{id}/checkin`: checks the code's holder in.
pub async fn check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CheckInForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let e = managed(&state, &user, id).await?;
    let t = ctx.tr();
    let desk = ketnoi_app::events::check_in(
        &state.db,
        state.config.secret_key.expose(),
        &e,
        &form.code,
        user.id,
    )
    .await?;
    let (outcome, status) = match desk {
        Desk::Welcome(r) => {
            let fee = ketnoi_db::events::ticket_types(state.db.conn(), e.id)
                .await?
                .into_iter()
                .find(|x| x.id == r.ticket_type_id && x.price_vnd > 0)
                .map(|x| {
                    t.with(
                        "checkin-collect",
                        "fee",
                        &ketnoi_domain::Vnd(x.price_vnd).to_string(),
                    )
                });
            let booth = r.booth.map(|b| format!("{}: {b}", t.get("ticket-booth")));
            (
                Outcome {
                    kind: "ok",
                    message: t.get("checkin-welcome"),
                    name: r.attendee_name,
                    detail: [fee, booth]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                },
                StatusCode::OK,
            )
        }
        Desk::Again(r) => (
            Outcome {
                kind: "again",
                message: t.get("checkin-again"),
                name: r.attendee_name,
                detail: ketnoi_app::i18n::t_args(
                    ctx.locale,
                    "checkin-first",
                    &[
                        (
                            "time",
                            r.checked_in_at
                                .map(ketnoi_domain::time::format_hanoi)
                                .unwrap_or_default(),
                        ),
                        ("officer", r.checked_in_by_name.unwrap_or_default()),
                    ],
                ),
            },
            StatusCode::CONFLICT,
        ),
        Desk::NoPlace(r) => (
            Outcome {
                kind: "refused",
                message: t.get(if r.status() == Some(Status::Waitlisted) {
                    "checkin-waitlisted"
                } else {
                    "checkin-cancelled"
                }),
                name: r.attendee_name,
                detail: String::new(),
            },
            StatusCode::CONFLICT,
        ),
        Desk::OtherEvent => (
            Outcome {
                kind: "refused",
                message: t.get("checkin-other-event"),
                name: String::new(),
                detail: String::new(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Desk::Forged => (
            Outcome {
                kind: "refused",
                message: t.get("checkin-forged"),
                name: String::new(),
                detail: String::new(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    desk_page(&state, &ctx, &e, Some(outcome), String::new(), status).await
}
