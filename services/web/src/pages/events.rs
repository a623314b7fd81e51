//! Upcoming trade-promotion events: fairs, forums, B2B matchmaking, trainings, study tours.

use super::{Layout, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_domain::Vnd;

pub struct EventView {
    pub name: String,
    pub kind: String,
    pub dates: String,
    pub deadline: Option<String>,
    pub venue: String,
    pub capacity: Option<String>,
    pub fee: String,
    pub organizer: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct EventsPage {
    layout: Layout,
    events: Vec<EventView>,
}

pub async fn list_events(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let t = ctx.tr();
    let today = ketnoi_domain::time::today_hanoi();
    let events = ketnoi_db::events::upcoming(state.db.conn(), today, 100).await?;
    let d = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    render(&EventsPage {
        layout: Layout::titled(&ctx, "events-title"),
        events: events
            .into_iter()
            .map(|e| EventView {
                kind: t.get(&format!("event-{}", e.kind)),
                dates: if e.start_date == e.end_date {
                    d(e.start_date)
                } else {
                    format!("{} – {}", d(e.start_date), d(e.end_date))
                },
                deadline: e.registration_deadline.map(d),
                venue: format!("{}, {}", e.venue_name, e.venue_address),
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
                name: e.name,
                organizer: e.organizer,
                description: e.description,
            })
            .collect(),
    })
}
