//! The confirmation timer: an order its cooperative has not confirmed reminds the
//! cooperative, then the officers it granted proxy rights, then cancels itself (its stock
//! back on the shelf). Run by the worker every minute; each step happens once, whichever
//! worker gets there first.

use crate::config::ConfirmTimer;
use crate::error::AppError;
use crate::order_mail;
use chrono::{DateTime, Utc};
use ketnoi_db::Db;
use ketnoi_db::orders;
use ketnoi_domain::order::{Actor, Status, Step};

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub reminded: usize,
    pub escalated: usize,
    pub cancelled: usize,
}

/// One pass of the timer at `now`.
pub async fn run_due(
    db: &Db,
    public_url: &str,
    timer: &ConfirmTimer,
    now: DateTime<Utc>,
) -> Result<Pass, AppError> {
    let mut pass = Pass::default();
    let due = orders::unconfirmed(db.conn(), now - timer.remind_after, 500).await?;
    for (order, reminded, escalated) in due {
        let age = now - order.created_at;
        let r = order_mail::recipients(db, order.org_id, order.buyer_id).await?;
        if age >= timer.cancel_after {
            let notices = |o: &orders::Order, s: Status| order_mail::stepped(public_url, &r, o, s);
            let done =
                orders::step_notifying(db, order.id, Step::Cancel, Actor::System, None, &notices)
                    .await?;
            if done.is_ok() {
                pass.cancelled += 1;
            }
        } else if age >= timer.escalate_after && escalated.is_none() {
            let notices = order_mail::reminder(public_url, &r, &order, true);
            if orders::remind(db, order.id, true, &notices).await? {
                pass.escalated += 1;
            }
        } else if reminded.is_none() {
            let notices = order_mail::reminder(public_url, &r, &order, false);
            if orders::remind(db, order.id, false, &notices).await? {
                pass.reminded += 1;
            }
        }
    }
    Ok(pass)
}
