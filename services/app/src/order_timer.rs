//! The confirmation timer: an order its cooperative has not confirmed reminds the
//! cooperative, then the officers it granted proxy rights, then cancels itself (its stock
//! back on the shelf). Run by the worker every minute; each step happens once, whichever
//! worker gets there first.

use crate::config::ConfirmTimer;
use crate::error::Error;
use crate::order_mail;
use chrono::{DateTime, Utc};
use ketnoi_db::Db;
use ketnoi_db::orders;
use ketnoi_domain::order::{Actor, Step};

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub reminded: usize,
    pub escalated: usize,
    pub cancelled: usize,
}

/// The timer's next step for one order.
#[derive(Debug, Clone, Copy)]
enum Due {
    Remind,
    Escalate,
    Cancel,
}

/// One pass of the timer at `now`.
pub async fn run_due(
    db: &Db,
    public_url: &str,
    timer: &ConfirmTimer,
    now: DateTime<Utc>,
) -> Result<Pass, Error> {
    let mut pass = Pass::default();
    let due = orders::unconfirmed(db.conn(), now - timer.remind_after, 500).await?;
    for (order, reminded, escalated) in due {
        let age = now - order.created_at;
        let due = if age >= timer.cancel_after {
            Due::Cancel
        } else if age >= timer.escalate_after && escalated.is_none() {
            Due::Escalate
        } else if reminded.is_none() {
            Due::Remind
        } else {
            // Reminded, not yet time for the next step: nothing to look up.
            continue;
        };
        let r = order_mail::recipients(db, order.org_id, order.buyer_id).await?;
        match due {
            Due::Cancel => {
                let done = crate::orders::step(
                    db,
                    public_url,
                    order.id,
                    Step::Cancel,
                    Actor::System,
                    None,
                )
                .await?;
                if done.is_ok() {
                    pass.cancelled += 1;
                }
            }
            Due::Escalate | Due::Remind => {
                let escalate = matches!(due, Due::Escalate);
                let notices = order_mail::reminder(public_url, &r, &order, escalate);
                if orders::remind(db, order.id, escalate, &notices).await? {
                    if escalate {
                        pass.escalated += 1;
                    } else {
                        pass.reminded += 1;
                    }
                }
            }
        }
    }
    Ok(pass)
}
