//! Deadline reminders for the plan's reports: 30, 7 and 1 days before each period's
//! deadline, cooperatives that have not submitted their report and ward/commune officers
//! whose unit has not, are reminded once each, by e-mail (or on the phone channel for
//! accounts made with a phone). The worker calls [`enqueue_due`] every hour with today's
//! date in Hanoi; each reminder is recorded in the same transaction as its outbox message,
//! so a restarted worker sends nothing twice, and a stage missed while the worker was down
//! is replaced by the next one rather than sent late.

use crate::i18n;
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::unit_reports::{self, Due};
use ketnoi_db::{Db, Result};
use ketnoi_domain::Locale;
use ketnoi_domain::report::{Deadlines, Period};

/// Days before a deadline when reminders go out.
pub const DAYS_BEFORE: [i64; 3] = [30, 7, 1];

/// The reminder stage `today` is in for a deadline: the nearest of 30, 7 and 1 days before
/// it already reached, until the deadline itself; `None` before the first and after it.
pub fn stage(today: chrono::NaiveDate, deadline: chrono::NaiveDate) -> Option<i64> {
    let left = (deadline - today).num_days();
    if left < 0 {
        return None;
    }
    DAYS_BEFORE.iter().rev().copied().find(|d| left <= *d)
}

/// Queues the reminders due on `today`; returns how many messages.
pub async fn enqueue_due(
    db: &Db,
    today: chrono::NaiveDate,
    deadlines: &Deadlines,
    public_url: &str,
) -> Result<usize> {
    let mut queued = 0;
    let base = public_url.trim_end_matches('/');
    for period in Period::until(today) {
        let deadline = period.deadline(deadlines);
        let Some(days) = stage(today, deadline) else {
            continue;
        };
        let coops = unit_reports::coops_due(db.conn(), period).await?;
        let officers = unit_reports::officers_due(db.conn(), period).await?;
        for (people, officer) in [(coops, false), (officers, true)] {
            for person in people.chunk_by(|a, b| a.user_id == b.user_id) {
                let Some(first) = person.first() else {
                    continue;
                };
                let locale = Locale::from_code(&first.locale).unwrap_or_default();
                // The subject says the days really left (a stage reached late says fewer).
                let left = (deadline - today).num_days();
                let (subject, body) =
                    compose(locale, base, period, deadline, left, person, officer);
                let mut tx = db.begin().await?;
                if !unit_reports::mark_reminded(tx.conn(), period, days, first.user_id).await? {
                    continue;
                }
                outbox::enqueue(
                    tx.conn(),
                    &NewMessage {
                        kind: "plan_reminder",
                        recipient: &first.contact,
                        locale: locale.code(),
                        subject: &subject,
                        body: &body,
                    },
                )
                .await?;
                tx.commit().await?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}

fn compose(
    locale: Locale,
    base: &str,
    period: Period,
    deadline: chrono::NaiveDate,
    days: i64,
    person: &[Due],
    officer: bool,
) -> (String, String) {
    let name = i18n::t_args(
        locale,
        period.label_key(),
        &[("year", period.year.to_string())],
    );
    let date = deadline.format("%d/%m/%Y").to_string();
    let subject = i18n::t_args(
        locale,
        "remind-subject",
        &[("period", name.clone()), ("days", days.to_string())],
    );
    let mut body = i18n::t_args(
        locale,
        if officer {
            "remind-intro-officer"
        } else {
            "remind-intro"
        },
        &[("period", name), ("date", date)],
    );
    body.push_str("\n\n");
    for d in person {
        match &d.slug {
            Some(slug) => body.push_str(&format!(
                "{}\n  {base}/orgs/{slug}/reports/{period}\n",
                d.what
            )),
            None => body.push_str(&format!(
                "  {base}/union/plan/unit-report?period={period}\n"
            )),
        }
    }
    body.push('\n');
    body.push_str(&i18n::t(locale, "remind-footer"));
    body.push('\n');
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_is_the_nearest_reached_of_30_7_and_1_days_before() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let deadline = d(6, 15);
        assert_eq!(stage(d(5, 15), deadline), None, "31 days before");
        assert_eq!(stage(d(5, 16), deadline), Some(30));
        assert_eq!(stage(d(6, 7), deadline), Some(30));
        assert_eq!(stage(d(6, 8), deadline), Some(7));
        assert_eq!(stage(d(6, 14), deadline), Some(1));
        assert_eq!(stage(d(6, 15), deadline), Some(1), "the day itself");
        assert_eq!(
            stage(d(6, 16), deadline),
            None,
            "late: no reminder, listed as late"
        );
    }
}
