//! B2B sessions (issue 17): the organiser runs the scheduler over the accepted meeting
//! requests and publishes the schedule; each participant is told her agenda.

use crate::i18n;
use ketnoi_db::b2b::{self, Meeting, Profile, Session};
use ketnoi_db::events::Event;
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::{Db, Result};
use ketnoi_matchmaking::{Problem, Request};

/// What a run of the scheduler did, to show the organiser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Accepted requests between participants with profiles.
    pub accepted: usize,
    pub placed: usize,
    /// What the greedy baseline places on the same requests.
    pub greedy: usize,
    /// No schedule can place more.
    pub bound: usize,
    pub millis: u128,
}

/// The scheduler's problem for a session: buyers, then cooperatives, as participants; the
/// accepted meetings as requests (in the order they were asked).
pub fn problem(
    session: &Session,
    profiles: &[Profile],
    meetings: &[Meeting],
) -> (Problem, Vec<i64>) {
    let index = |id: i64| profiles.iter().position(|p| p.registration_id == id);
    let mut ids = Vec::new();
    let mut requests = Vec::new();
    for m in meetings.iter().filter(|m| m.status == "accepted") {
        if let (Some(a), Some(b)) = (index(m.buyer_id), index(m.cooperative_id)) {
            requests.push(Request { a, b, priority: 0 });
            ids.push(m.id);
        }
    }
    let mask = u64::try_from(session.all_slots()).unwrap_or(u64::MAX);
    let problem = Problem {
        slots: u8::try_from(session.slots.clamp(1, 64)).unwrap_or(64),
        tables: u32::try_from(session.tables.max(1)).unwrap_or(u32::MAX),
        availability: profiles
            .iter()
            .map(|p| u64::try_from(p.availability).unwrap_or(0) & mask)
            .collect(),
        requests,
    };
    (problem, ids)
}

/// Places the accepted meetings into slots and tables and stores the schedule (not yet
/// published). `None` when the event has no session.
pub async fn run_scheduler(db: &Db, event_id: i64) -> Result<Option<Run>> {
    let Some(session) = b2b::session(db.conn(), event_id).await? else {
        return Ok(None);
    };
    let profiles = b2b::profiles(db.conn(), event_id).await?;
    let meetings = b2b::meetings(db.conn(), event_id).await?;
    let (problem, ids) = problem(&session, &profiles, &meetings);
    let started = std::time::Instant::now();
    let solved = tokio::task::spawn_blocking(move || {
        let s = ketnoi_matchmaking::schedule(&problem);
        let g = ketnoi_matchmaking::greedy(&problem);
        let b = ketnoi_matchmaking::upper_bound(&problem);
        (s, g, b)
    })
    .await
    .map_err(|e| ketnoi_db::DbError::Corrupt(format!("scheduler: {e}")))?;
    let millis = started.elapsed().as_millis();
    let (Ok(s), Ok(g), Ok(bound)) = solved else {
        return Err(ketnoi_db::DbError::Corrupt(
            "scheduler refused the session".into(),
        ));
    };
    let placed: Vec<(i64, i64, i64)> = s
        .placements
        .iter()
        .filter_map(|p| Some((*ids.get(p.request)?, i64::from(p.slot), i64::from(p.table))))
        .collect();
    let mut tx = db.begin().await?;
    b2b::store_schedule(&mut tx, event_id, &placed).await?;
    tx.commit().await?;
    Ok(Some(Run {
        accepted: ids.len(),
        placed: placed.len(),
        greedy: g.placed(),
        bound,
        millis,
    }))
}

/// Publishes the stored schedule and queues each participant's agenda, in one transaction.
pub async fn publish(db: &Db, event: &Event, public_url: &str) -> Result<bool> {
    let Some(session) = b2b::session(db.conn(), event.id).await? else {
        return Ok(false);
    };
    let profiles = b2b::profiles(db.conn(), event.id).await?;
    let meetings = b2b::meetings(db.conn(), event.id).await?;
    let mut tx = db.begin().await?;
    if !b2b::publish(tx.conn(), event.id).await? {
        return Ok(false);
    }
    let base = public_url.trim_end_matches('/');
    for p in &profiles {
        let mine: Vec<&Meeting> = meetings
            .iter()
            .filter(|m| {
                m.slot.is_some()
                    && (m.buyer_id == p.registration_id || m.cooperative_id == p.registration_id)
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let Some(user) = ketnoi_db::users::find(tx.conn(), p.user_id).await? else {
            continue;
        };
        let Some(recipient) = user.contact().map(str::to_owned) else {
            continue;
        };
        let locale = user.locale;
        let mut lines = Vec::new();
        let mut sorted = mine.clone();
        sorted.sort_by_key(|m| m.slot);
        for m in sorted {
            let (start, end) = session.slot_times(m.slot.unwrap_or(0));
            let other = if m.buyer_id == p.registration_id {
                m.cooperative_org
                    .clone()
                    .unwrap_or(m.cooperative_name.clone())
            } else {
                m.buyer_org.clone().unwrap_or(m.buyer_name.clone())
            };
            lines.push(i18n::t_args(
                locale,
                "b2b-mail-line",
                &[
                    ("start", start),
                    ("end", end),
                    ("table", m.table_no.unwrap_or(0).to_string()),
                    ("other", other),
                ],
            ));
        }
        let args = [
            ("event", event.name_in(locale).to_owned()),
            ("date", event.start_date.format("%d/%m/%Y").to_string()),
            ("link", format!("{base}/events/{}/b2b", event.id)),
            ("agenda", lines.join("\n")),
        ];
        let subject = i18n::t_args(locale, "b2b-mail-subject", &args);
        let body = i18n::t_args(locale, "b2b-mail-body", &args);
        outbox::enqueue(
            tx.conn(),
            &NewMessage {
                kind: "b2b_agenda",
                recipient: &recipient,
                locale: locale.code(),
                subject: &subject,
                body: &body,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
