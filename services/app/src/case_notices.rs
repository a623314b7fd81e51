//! Notices of support cases (issue 19). The worker calls [`run_due`] every minute; it tells
//! the people concerned of each step taken (a request to its ward's officers, a referral to
//! the partner's staff and the applicant, a decision to the applicant and the officer who
//! referred it, a withdrawal to the applicant, the partner and the officers), reminds
//! whoever's turn it is once when the case's deadline has passed, and tells the city's
//! officers once when it is late by a further `allowed_days`. Each notice is in its reader's
//! language, by e-mail or, for an account made with a phone (or an applicant known only by
//! her phone), on the phone channel, and links to the case's page. A partner with no staff on
//! Ketnoi is told at its own e-mail, else its own number when that is a mobile (an office's
//! landline cannot take an SMS), else not at all. A step is marked told, and a case reminded or
//! escalated, in the same transaction as its outbox messages: nothing goes out twice,
//! whatever restarts, and `take_step` stays free of mail.

use crate::i18n;
use chrono::{DateTime, Duration, Utc};
use ketnoi_db::cases::{self, Case, Contact, LateCase, Partner, UntoldStep};
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::{Db, Result};
use ketnoi_domain::cases::{CaseKind, Status, Step};
use ketnoi_domain::{Locale, Vnd};
use std::collections::{HashMap, HashSet};

/// The outbox kind of a step's notice.
pub const CASE_UPDATE: &str = "case_update";
/// The outbox kind of a reminder or an escalation.
pub const CASE_REMINDER: &str = "case_reminder";

/// Steps read in one pass (the rest wait for the next minute).
const STEPS_PER_PASS: i64 = 500;
/// Late cases read in one pass.
const LATE_PER_PASS: i64 = 500;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Steps told (each once, whether or not anyone was there to tell).
    pub steps: usize,
    pub reminded: usize,
    pub escalated: usize,
    /// Outbox messages queued.
    pub messages: usize,
}

/// In which capacity someone reads a notice: officers and partners are told of a possible
/// second loan, the applicant is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Applicant,
    Officer,
    Partner,
}

/// One message to queue.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    kind: &'static str,
    recipient: String,
    locale: Locale,
    subject: String,
    body: String,
}

/// What a notice says of its case, in any language.
struct About<'a> {
    case: &'a Case,
    applicant: String,
    partner: String,
    url: String,
}

impl About<'_> {
    fn args(&self, locale: Locale, status: Status) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.case.id.to_string()),
            ("kind", kind_words(locale, self.case.kind)),
            ("status", status_words(locale, status)),
            ("state", status.as_str().to_owned()),
            ("applicant", self.applicant.clone()),
            ("partner", self.partner.clone()),
            ("url", self.url.clone()),
        ]
    }
}

/// The case's kind in words ("vay vốn").
fn kind_words(locale: Locale, kind: CaseKind) -> String {
    i18n::t_args(
        locale,
        "case-notice-kind",
        &[("kind", kind.as_str().to_owned())],
    )
}

/// Where the case stands, in words ("đã chuyển đối tác").
fn status_words(locale: Locale, status: Status) -> String {
    i18n::t_args(
        locale,
        "case-notice-status",
        &[("status", status.as_str().to_owned())],
    )
}

/// The body around its first paragraph: the duplicate-lending note for officers and partners
/// when the referral was flagged (never naming the other partner or an amount), the case's
/// link, the footer.
fn body(locale: Locale, about: &About<'_>, reader: Reader, first: String) -> String {
    let mut body = first;
    if about.case.duplicate_flag && reader != Reader::Applicant {
        body.push_str("\n\n");
        body.push_str(&i18n::t(locale, "case-notice-duplicate"));
    }
    body.push_str("\n\n");
    body.push_str(&i18n::t_args(
        locale,
        "case-notice-link",
        &[("url", about.url.clone())],
    ));
    body.push_str("\n\n");
    body.push_str(&i18n::t(locale, "case-notice-footer"));
    body.push('\n');
    body
}

/// A step's notice to one reader.
fn step_notice(
    about: &About<'_>,
    step: &UntoldStep,
    what: Told,
    status: Status,
    to: &Contact,
    reader: Reader,
) -> Notice {
    let locale = Locale::from_code(&to.locale).unwrap_or_default();
    let mut args = about.args(locale, status);
    args.push(("reason", step.note.clone().unwrap_or_default()));
    args.push((
        "amount",
        step.amount_vnd
            .map(|a| Vnd(a).to_string())
            .unwrap_or_default(),
    ));
    args.push((
        "days",
        status.allowed_days().unwrap_or_default().to_string(),
    ));
    let key = match (what, reader) {
        (Told::Open, _) => "case-notice-open",
        (Told::Step(Step::Refer), Reader::Partner) => "case-notice-refer-partner",
        (Told::Step(Step::Refer), _) => "case-notice-refer-applicant",
        (Told::Step(Step::Receive), _) => "case-notice-receive",
        (Told::Step(Step::Approve), _) => "case-notice-approve",
        (Told::Step(Step::Decline), _) => "case-notice-decline",
        (Told::Step(Step::Complete), _) if step.amount_vnd.is_some() => "case-notice-disbursed",
        (Told::Step(Step::Complete), _) => "case-notice-complete",
        (Told::Step(Step::Withdraw), Reader::Applicant) => "case-notice-withdraw-applicant",
        (Told::Step(Step::Withdraw), _) => "case-notice-withdraw",
    };
    let first = i18n::t_args(locale, key, &args);
    Notice {
        kind: CASE_UPDATE,
        recipient: to.contact.clone(),
        locale,
        subject: i18n::t_args(locale, "case-notice-subject", &args),
        body: body(locale, about, reader, first),
    }
}

/// A late case's reminder (to whoever's turn it is) or escalation (to the city's officers).
fn late_notice(
    about: &About<'_>,
    escalate: bool,
    now: DateTime<Utc>,
    to: &Contact,
    reader: Reader,
) -> Notice {
    let locale = Locale::from_code(&to.locale).unwrap_or_default();
    let case = about.case;
    let due = case.due_at.unwrap_or(now);
    let mut args = about.args(locale, case.status);
    args.push(("date", ketnoi_domain::time::format_hanoi_date(due)));
    args.push(("days", (now - due).num_days().max(1).to_string()));
    let waiting = i18n::t_args(locale, "case-notice-waiting", &args);
    args.push(("waiting", waiting));
    let commune = case
        .commune_code
        .as_deref()
        .and_then(ketnoi_domain::admin_units::commune)
        .map(|c| c.name.to_string())
        .unwrap_or_else(|| i18n::t(locale, "case-notice-no-commune"));
    args.push(("commune", commune));
    let (subject, first) = if escalate {
        ("case-notice-escalate-subject", "case-notice-escalate")
    } else {
        ("case-notice-remind-subject", "case-notice-remind")
    };
    let first = i18n::t_args(locale, first, &args);
    Notice {
        kind: CASE_REMINDER,
        recipient: to.contact.clone(),
        locale,
        subject: i18n::t_args(locale, subject, &args),
        body: body(locale, about, reader, first),
    }
}

/// What a step row says was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    Open,
    Step(Step),
}

/// A phone given by an applicant without an account, in the form the outbox sends to
/// (`+84…`); `None` when it is not a Vietnamese mobile number.
fn reachable(mut c: Contact) -> Option<Contact> {
    if c.user_id.is_some() {
        return Some(c);
    }
    let phone = ketnoi_domain::contact::Phone::parse(&c.contact).ok()?;
    c.contact = phone.as_str().to_owned();
    Some(c)
}

/// Everyone the applicant is reached through, as [`reachable`] keeps them.
async fn applicant(db: &Db, case: &Case) -> Result<Vec<Contact>> {
    let all = cases::applicant_contacts(db.conn(), case.applicant).await?;
    let n = all.len();
    let kept: Vec<Contact> = all.into_iter().filter_map(reachable).collect();
    if kept.len() < n {
        tracing::warn!(
            case = case.id,
            "an applicant's phone is not a mobile number; she is not told"
        );
    }
    Ok(kept)
}

/// Who answers for a partner about case `case_id`: its staff; with no staff on Ketnoi, the
/// partner's own e-mail, else its own number when that is a mobile; else no one (logged
/// with the case's id only).
async fn staff(
    db: &Db,
    partners: &Partners,
    partner: Option<i64>,
    case_id: i64,
) -> Result<Vec<Contact>> {
    let Some(p) = partner else {
        return Ok(Vec::new());
    };
    let staff = cases::staff_contacts(db.conn(), p).await?;
    if !staff.is_empty() {
        return Ok(staff);
    }
    let own = partners.get(&p).and_then(partner_contact);
    if own.is_none() {
        tracing::warn!(
            case = case_id,
            "a partner with no staff on Ketnoi has no e-mail or mobile number; it is not told"
        );
    }
    Ok(own.into_iter().collect())
}

/// A partner's own address: its e-mail, else its phone in the form the outbox sends to
/// (`+84…`) when that is a mobile number.
fn partner_contact(p: &Partner) -> Option<Contact> {
    let email = p
        .email
        .as_deref()
        .and_then(|e| ketnoi_domain::contact::Email::parse(e).ok())
        .map(|e| e.as_str().to_owned());
    let mobile = || {
        p.phone
            .as_deref()
            .and_then(|n| ketnoi_domain::contact::Phone::parse(n).ok())
            .map(|n| n.as_str().to_owned())
    };
    Some(Contact {
        user_id: None,
        contact: email.or_else(mobile)?,
        locale: Locale::Vi.code().to_owned(),
    })
}

/// The partners by id, read once a pass (a short list).
type Partners = HashMap<i64, Partner>;

async fn partners(db: &Db) -> Result<Partners> {
    Ok(cases::partners(db.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

async fn about<'a>(
    db: &Db,
    base: &str,
    partners: &Partners,
    case: &'a Case,
    partner: Option<i64>,
) -> Result<About<'a>> {
    let applicant = cases::applicant_name(db.conn(), case.applicant)
        .await?
        .unwrap_or_default();
    Ok(About {
        case,
        applicant,
        partner: partner
            .and_then(|p| partners.get(&p))
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        url: format!("{base}/cases/{}", case.id),
    })
}

/// Who hears of `step`, and as whom: each address once, never the one who took the step.
async fn step_readers(
    db: &Db,
    partners: &Partners,
    case: &Case,
    step: &UntoldStep,
    what: Told,
) -> Result<Vec<(Contact, Reader)>> {
    let commune = case.commune_code.as_deref();
    let tag = |v: Vec<Contact>, r: Reader| v.into_iter().map(move |c| (c, r));
    let mut readers: Vec<(Contact, Reader)> = Vec::new();
    match what {
        Told::Open => readers.extend(tag(
            cases::officer_contacts(db.conn(), commune).await?,
            Reader::Officer,
        )),
        Told::Step(Step::Refer) => {
            let to = staff(db, partners, step.partner_id, case.id).await?;
            readers.extend(tag(to, Reader::Partner));
            readers.extend(tag(applicant(db, case).await?, Reader::Applicant));
        }
        Told::Step(Step::Receive | Step::Approve | Step::Decline | Step::Complete) => {
            readers.extend(tag(applicant(db, case).await?, Reader::Applicant));
            if let Some(officer) = step.referred_by {
                let c = cases::user_contact(db.conn(), officer).await?;
                readers.extend(tag(c.into_iter().collect(), Reader::Officer));
            }
        }
        Told::Step(Step::Withdraw) => {
            // The applicant hears of it when an officer withdrew it (or, of a cooperative's
            // case, its other owners and managers when one of them did).
            readers.extend(tag(applicant(db, case).await?, Reader::Applicant));
            if step.before.as_deref() == Some(Status::Referred.as_str()) {
                let to = staff(db, partners, step.referred_to, case.id).await?;
                readers.extend(tag(to, Reader::Partner));
            }
            readers.extend(tag(
                cases::officer_contacts(db.conn(), commune).await?,
                Reader::Officer,
            ));
        }
    }
    let mut seen = HashSet::new();
    readers.retain(|(c, _)| {
        (c.user_id.is_none() || c.user_id != step.actor_id) && seen.insert(c.contact.clone())
    });
    Ok(readers)
}

/// Tells of the steps not yet told; returns (steps, messages).
async fn tell_steps(
    db: &Db,
    base: &str,
    partners: &Partners,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    let (mut told, mut queued) = (0, 0);
    for step in cases::untold_steps(db.conn(), STEPS_PER_PASS).await? {
        let what = match step.step.as_str() {
            "open" => Some(Told::Open),
            s => Step::parse(s).map(Told::Step),
        };
        let case = cases::case(db.conn(), step.case_id).await?;
        let (Some(what), Some(status), Some(case)) = (what, Status::parse(&step.status), case)
        else {
            // Unreadable: marked told with nothing sent, so it cannot block the queue.
            tracing::warn!(step = step.id, "a case step that cannot be told; skipped");
            cases::mark_step_told(db.conn(), step.id, now).await?;
            continue;
        };
        let partner = match what {
            Told::Step(Step::Refer) => step.partner_id,
            _ => step.referred_to,
        };
        let about = about(db, base, partners, &case, partner).await?;
        let notices: Vec<Notice> = step_readers(db, partners, &case, &step, what)
            .await?
            .iter()
            .map(|(to, reader)| step_notice(&about, &step, what, status, to, *reader))
            .collect();
        let mut tx = db.begin().await?;
        if !cases::mark_step_told(tx.conn(), step.id, now).await? {
            continue;
        }
        queued += enqueue(&mut tx, &notices).await?;
        tx.commit().await?;
        told += 1;
    }
    Ok((told, queued))
}

async fn enqueue(tx: &mut ketnoi_db::Tx, notices: &[Notice]) -> Result<usize> {
    for n in notices {
        outbox::enqueue(
            tx.conn(),
            &NewMessage {
                kind: n.kind,
                recipient: &n.recipient,
                locale: n.locale.code(),
                subject: &n.subject,
                body: &n.body,
            },
        )
        .await?;
    }
    Ok(notices.len())
}

/// How late past its deadline a case at `status` is escalated: its allowed days once more.
pub fn escalation_delay(status: Status) -> Option<Duration> {
    let days = i64::try_from(status.allowed_days()?).ok()?;
    Duration::try_days(days)
}

/// Reminds and escalates late cases; returns (reminded, escalated, messages).
async fn chase_late(
    db: &Db,
    base: &str,
    partners: &Partners,
    now: DateTime<Utc>,
) -> Result<(usize, usize, usize)> {
    let (mut reminded, mut escalated, mut queued) = (0, 0, 0);
    for LateCase {
        case,
        reminded_at,
        escalated_at,
    } in cases::late(db.conn(), now, LATE_PER_PASS).await?
    {
        let Some(due) = case.due_at else { continue };
        let about = about(db, base, partners, &case, case.partner_id).await?;
        if reminded_at.is_none() {
            let readers = if case.status == Status::Requested {
                cases::officer_contacts(db.conn(), case.commune_code.as_deref())
                    .await?
                    .into_iter()
                    .map(|c| (c, Reader::Officer))
                    .collect::<Vec<_>>()
            } else {
                staff(db, partners, case.partner_id, case.id)
                    .await?
                    .into_iter()
                    .map(|c| (c, Reader::Partner))
                    .collect()
            };
            let notices: Vec<Notice> = readers
                .iter()
                .map(|(to, r)| late_notice(&about, false, now, to, *r))
                .collect();
            let mut tx = db.begin().await?;
            if cases::mark_reminded(tx.conn(), case.id, case.status, now).await? {
                queued += enqueue(&mut tx, &notices).await?;
                tx.commit().await?;
                reminded += 1;
            }
        }
        // Escalated once the deadline is at or before `due_by`.
        let due_by = escalation_delay(case.status).and_then(|d| now.checked_sub_signed(d));
        if escalated_at.is_none()
            && let Some(due_by) = due_by.filter(|d| due <= *d)
        {
            let notices: Vec<Notice> = cases::city_officer_contacts(db.conn())
                .await?
                .iter()
                .map(|to| late_notice(&about, true, now, to, Reader::Officer))
                .collect();
            let mut tx = db.begin().await?;
            if cases::mark_escalated(tx.conn(), case.id, case.status, due_by, now).await? {
                queued += enqueue(&mut tx, &notices).await?;
                tx.commit().await?;
                escalated += 1;
            }
        }
    }
    Ok((reminded, escalated, queued))
}

/// One pass at `now`: tells of new steps, then reminds and escalates late cases.
pub async fn run_due(db: &Db, public_url: &str, now: DateTime<Utc>) -> Result<Pass> {
    let base = public_url.trim_end_matches('/');
    let partners = partners(db).await?;
    let (steps, told) = tell_steps(db, base, &partners, now).await?;
    let (reminded, escalated, chased) = chase_late(db, base, &partners, now).await?;
    Ok(Pass {
        steps,
        reminded,
        escalated,
        messages: told + chased,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(duplicate_flag: bool) -> Case {
        let at = chrono::Utc::now();
        Case {
            id: 12,
            kind: CaseKind::Credit,
            applicant: cases::Applicant::Org(3),
            commune_code: Some("00577".into()),
            status: Status::Referred,
            partner_id: Some(1),
            amount_vnd: Some(100_000_000),
            purpose: None,
            term_months: Some(24),
            duplicate_flag,
            decision_reason: None,
            done_amount_vnd: None,
            done_on: None,
            founded_org_id: None,
            conversation_id: None,
            opened_by: None,
            due_at: Some(at),
            created_at: at,
            updated_at: at,
        }
    }

    fn refer_step() -> UntoldStep {
        UntoldStep {
            id: 2,
            case_id: 12,
            step: "refer".into(),
            status: "referred".into(),
            partner_id: Some(1),
            actor_id: Some(5),
            note: None,
            amount_vnd: None,
            at: chrono::Utc::now(),
            before: Some("requested".into()),
            referred_by: Some(5),
            referred_to: Some(1),
        }
    }

    fn to(locale: &str) -> Contact {
        Contact {
            user_id: Some(9),
            contact: "x@example.com".into(),
            locale: locale.into(),
        }
    }

    #[test]
    fn a_referral_names_kind_status_partner_and_link_and_flags_a_second_loan_to_the_partner_only() {
        let c = case(true);
        let about = About {
            case: &c,
            applicant: "HTX Gạo".into(),
            partner: "Agribank".into(),
            url: "https://ketnoi.example/cases/12".into(),
        };
        let what = Told::Step(Step::Refer);
        let partner = step_notice(
            &about,
            &refer_step(),
            what,
            Status::Referred,
            &to("vi"),
            Reader::Partner,
        );
        assert!(partner.subject.contains("#12"), "{}", partner.subject);
        assert!(partner.subject.contains("vay vốn"), "{}", partner.subject);
        assert!(
            partner.subject.contains("đã chuyển đối tác"),
            "{}",
            partner.subject
        );
        for part in [
            "Agribank",
            "HTX Gạo",
            "https://ketnoi.example/cases/12",
            "đối tác khác",
        ] {
            assert!(partner.body.contains(part), "{part:?} in {}", partner.body);
        }
        let applicant = step_notice(
            &about,
            &refer_step(),
            what,
            Status::Referred,
            &to("en"),
            Reader::Applicant,
        );
        assert!(
            applicant.subject.contains("credit"),
            "{}",
            applicant.subject
        );
        assert!(
            !applicant.body.contains("another partner"),
            "{}",
            applicant.body
        );
        assert!(applicant.body.contains("https://ketnoi.example/cases/12"));
    }

    #[test]
    fn a_case_escalates_after_its_allowed_days_once_more() {
        assert_eq!(escalation_delay(Status::Referred), Some(Duration::days(3)));
        assert_eq!(escalation_delay(Status::Approved), Some(Duration::days(15)));
        assert_eq!(escalation_delay(Status::Done), None);
    }
}
