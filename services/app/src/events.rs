//! Event use cases (issue 17): registering (a place or the waiting list), cancelling (the
//! place goes to the first person waiting, who is told), signed ticket codes and check-in.
//! Each owns its transaction and the outbox rows it causes.

use crate::i18n;
use hmac::{Hmac, KeyInit, Mac};
use ketnoi_db::events::Event;
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::registrations::{self, Cancelled, CheckIn, NewRegistration, Refused, Registration};
use ketnoi_db::training::{self, NewTraining, Source};
use ketnoi_db::{Db, Result};
use ketnoi_domain::Locale;
use ketnoi_domain::event::{Kind, Role, Status, Topic};
use sha2::Sha256;

/// Hex digits of the signature in a ticket code (48 bits: a guess is one in 2⁴⁸).
const SIGNATURE_LEN: usize = 12;

/// The MAC of a ticket: the event and the registration under the server's secret.
fn mac(secret: &[u8], event_id: i64, registration_id: i64) -> Option<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    m.update(format!("ketnoi-ticket-v1:{event_id}:{registration_id}").as_bytes());
    Some(m)
}

fn signature(secret: &[u8], event_id: i64, registration_id: i64) -> String {
    let Some(m) = mac(secret, event_id, registration_id) else {
        return String::new();
    };
    let mut hex = hex::encode_upper(m.finalize().into_bytes());
    hex.truncate(SIGNATURE_LEN);
    hex
}

/// The code a ticket carries, shown as text and as a QR code: `KN-<registration>-<signature>`.
pub fn ticket_code(secret: &[u8], event_id: i64, registration_id: i64) -> String {
    format!(
        "KN-{registration_id}-{}",
        signature(secret, event_id, registration_id)
    )
}

/// Reads a typed or scanned code (spaces and case do not matter): the registration it
/// names and its signature, if it has the shape of one.
pub fn parse_code(raw: &str) -> Option<(i64, String)> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = code.strip_prefix("KN-")?;
    let (id, sig) = rest.split_once('-')?;
    let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
    (sig.len() == SIGNATURE_LEN && sig.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| (id, sig.to_owned()))
}

fn signature_holds(secret: &[u8], event_id: i64, registration_id: i64, sig: &str) -> bool {
    let (Ok(tag), Some(m)) = (hex::decode(sig), mac(secret, event_id, registration_id)) else {
        return false;
    };
    // The MAC crate's own constant-time comparison of the code's leading bytes.
    m.verify_truncated_left(&tag).is_ok()
}

/// Where messages point and what signs ticket codes.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub public_url: &'a str,
    pub secret: &'a [u8],
}

/// Registers a person: a place if one is left, else the waiting list. Her confirmation (or
/// her place in the queue) is queued for her in the same transaction.
pub async fn register(
    db: &Db,
    event: &Event,
    r: &NewRegistration,
    site: Site<'_>,
) -> Result<std::result::Result<Registration, Refused>> {
    let mut tx = db.begin().await?;
    let reg = match registrations::register(&mut tx, r).await? {
        Ok(reg) => reg,
        Err(refused) => return Ok(Err(refused)),
    };
    notify(&mut tx, event, &reg, site, false).await?;
    tx.commit().await?;
    Ok(Ok(reg))
}

/// Cancels a registration; a freed place goes to the first person waiting, whose e-mail
/// (or message to her phone) is queued in the same transaction.
pub async fn cancel(
    db: &Db,
    event: &Event,
    registration_id: i64,
    site: Site<'_>,
) -> Result<Cancelled> {
    let mut tx = db.begin().await?;
    let done = registrations::cancel(&mut tx, registration_id).await?;
    if let Cancelled::Done {
        promoted: Some(p), ..
    } = &done
    {
        notify(&mut tx, event, p, site, true).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Tells a person she got a place that freed up (in the caller's transaction).
pub async fn tell_promoted(
    tx: &mut ketnoi_db::Tx,
    event: &Event,
    reg: &Registration,
    site: Site<'_>,
) -> Result<()> {
    notify(tx, event, reg, site, true).await
}

async fn notify(
    tx: &mut ketnoi_db::Tx,
    event: &Event,
    reg: &Registration,
    site: Site<'_>,
    promoted: bool,
) -> Result<()> {
    let Some(user) = ketnoi_db::users::find(tx.conn(), reg.user_id).await? else {
        return Ok(());
    };
    let Some(recipient) = user.contact().map(str::to_owned) else {
        return Ok(());
    };
    let locale = user.locale;
    let (kind, subject, body) = compose(locale, event, reg, site, promoted);
    outbox::enqueue(
        tx.conn(),
        &NewMessage {
            kind,
            recipient: &recipient,
            locale: locale.code(),
            subject: &subject,
            body: &body,
        },
    )
    .await?;
    Ok(())
}

fn compose(
    locale: Locale,
    event: &Event,
    reg: &Registration,
    site: Site<'_>,
    promoted: bool,
) -> (&'static str, String, String) {
    let base = site.public_url.trim_end_matches('/');
    let name = event.name_in(locale).to_owned();
    let dates = if event.start_date == event.end_date {
        event.start_date.format("%d/%m/%Y").to_string()
    } else {
        format!(
            "{} – {}",
            event.start_date.format("%d/%m/%Y"),
            event.end_date.format("%d/%m/%Y")
        )
    };
    let args = [
        ("event", name),
        ("dates", dates),
        ("venue", event.venue_name.clone()),
        ("link", format!("{base}/my/tickets/{}", reg.id)),
        ("code", ticket_code(site.secret, event.id, reg.id)),
    ];
    let (kind, key) = match (promoted, reg.status()) {
        (true, _) => ("event_promoted", "event-mail-promoted"),
        (false, Some(Status::Waitlisted)) => ("event_waitlisted", "event-mail-waitlisted"),
        _ => ("event_confirmed", "event-mail-confirmed"),
    };
    let subject = i18n::t_args(locale, &format!("{key}-subject"), &args);
    let body = i18n::t_args(locale, &format!("{key}-body"), &args);
    (kind, subject, body)
}

/// What the check-in desk sees after a code.
#[derive(Debug, Clone, PartialEq)]
pub enum Desk {
    /// Not a ticket of Ketnoi: the shape is wrong or the signature does not hold.
    Forged,
    /// A genuine ticket for another event.
    OtherEvent,
    /// Checked in now.
    Welcome(Registration),
    /// Checked in before: when and by whom.
    Again(Registration),
    /// On the waiting list or cancelled.
    NoPlace(Registration),
}

/// Checks in the holder of `raw` at `event`. At a training course her attendance becomes a
/// training record, in the same transaction.
pub async fn check_in(
    db: &Db,
    secret: &[u8],
    event: &Event,
    raw: &str,
    officer: i64,
) -> Result<Desk> {
    let Some((id, sig)) = parse_code(raw) else {
        return Ok(Desk::Forged);
    };
    let Some(reg) = registrations::find(db.conn(), id).await? else {
        return Ok(Desk::Forged);
    };
    if !signature_holds(secret, reg.event_id, reg.id, &sig) {
        return Ok(Desk::Forged);
    }
    if reg.event_id != event.id {
        return Ok(Desk::OtherEvent);
    }
    let mut tx = db.begin().await?;
    let Some(outcome) = registrations::check_in(&mut tx, id, officer).await? else {
        return Ok(Desk::Forged);
    };
    let desk = match outcome {
        CheckIn::Done(reg) => {
            attendance_record(&mut tx, event, &reg).await?;
            Desk::Welcome(reg)
        }
        CheckIn::Already(reg) => Desk::Again(reg),
        CheckIn::NotConfirmed(reg) => Desk::NoPlace(reg),
    };
    tx.commit().await?;
    Ok(desk)
}

async fn attendance_record(
    tx: &mut ketnoi_db::Tx,
    event: &Event,
    reg: &Registration,
) -> Result<()> {
    if Kind::parse(&event.kind) != Some(Kind::Training) {
        return Ok(());
    }
    let (Some(topic), Some(hours)) = (
        event.training_topic.as_deref().and_then(Topic::parse),
        event.training_hours.filter(|h| *h > 0),
    ) else {
        return Ok(());
    };
    let user = ketnoi_db::users::find(tx.conn(), reg.user_id).await?;
    let role = reg.role.as_deref().and_then(Role::parse).unwrap_or(
        if user
            .as_ref()
            .is_some_and(|u| u.role == ketnoi_domain::role::PlatformRole::UnionOfficer)
        {
            Role::Officer
        } else {
            Role::Member
        },
    );
    let commune_code = match reg.org_id {
        Some(org) => ketnoi_db::orgs::find(tx.conn(), org)
            .await?
            .and_then(|o| o.commune_code),
        None => user.and_then(|u| u.officer_commune_code),
    };
    training::record(
        tx.conn(),
        &NewTraining {
            person_name: reg.attendee_name.clone(),
            user_id: Some(reg.user_id),
            org_id: reg.org_id,
            role,
            topic,
            hours,
            held_on: event.start_date,
            certificate_no: None,
            provider: event.organizer.clone(),
            event_id: Some(event.id),
            registration_id: Some(reg.id),
            commune_code,
        },
        Source::Event,
        None,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_holds_only_for_its_registration_event_and_secret() {
        let code = ticket_code(b"secret", 4, 17);
        let (id, sig) = parse_code(&code).unwrap_or_default();
        assert_eq!(id, 17);
        assert!(signature_holds(b"secret", 4, 17, &sig));
        assert!(!signature_holds(b"secret", 5, 17, &sig));
        assert!(!signature_holds(b"other", 4, 17, &sig));
        // Typed in lower case with spaces: the same code.
        let typed = format!(" {} ", code.to_lowercase().replace('-', " - "));
        assert_eq!(parse_code(&typed), Some((17, sig.clone())));
        // Any one character changed: refused by shape or by signature.
        for i in 0..code.len() {
            let mut bytes = code.clone().into_bytes();
            bytes[i] = if bytes[i] == b'7' { b'8' } else { b'7' };
            let changed = String::from_utf8(bytes).unwrap_or_default();
            if changed == code {
                continue;
            }
            let held = parse_code(&changed)
                .is_some_and(|(id, sig)| signature_holds(b"secret", 4, id, &sig));
            assert!(!held, "{changed} was accepted");
        }
        assert_eq!(parse_code("KN-0-ABCDEFABCDEF"), None);
        assert_eq!(parse_code("hello"), None);
    }
}
