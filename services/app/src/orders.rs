//! Placing and stepping orders: each use case owns its transaction, in which the orders,
//! their stock, their timeline and their e-mails are written together or not at all.

use crate::error::Error;
use crate::order_mail::{self, Recipients};
use ketnoi_db::Db;
use ketnoi_db::orders::{self as store, NewOrder, Order, Unavailable};
use ketnoi_domain::order::{Actor, Refused, Status, Step};
use std::collections::BTreeMap;

/// A whole checkout (see [`ketnoi_db::orders::checkout_in`]): every order placed and its
/// lines taken out of the cart, with the cooperatives' new-order notices and the buyer's
/// receipt, in one transaction; or nothing, and why.
pub async fn checkout(
    db: &Db,
    public_url: &str,
    buyer_id: i64,
    orders: &[NewOrder<'_>],
) -> Result<Result<Vec<Order>, Unavailable>, Error> {
    let mut recipients: BTreeMap<i64, Recipients> = BTreeMap::new();
    for o in orders {
        if let std::collections::btree_map::Entry::Vacant(slot) = recipients.entry(o.org_id) {
            slot.insert(order_mail::recipients(db, o.org_id, buyer_id).await?);
        }
    }
    let mut tx = db.begin().await?;
    let placed = match store::checkout_in(&mut tx, buyer_id, orders).await? {
        Ok(placed) => placed,
        Err(why) => return Ok(Err(why)),
    };
    for o in &placed {
        let lines = store::items(tx.conn(), o.id).await?;
        let notices = recipients
            .get(&o.org_id)
            .map(|r| order_mail::placed(public_url, r, o, &lines))
            .unwrap_or_default();
        for n in &notices {
            store::enqueue_notice(tx.conn(), n).await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(placed))
}

/// Takes `step` on an order as `actor` (`actor_id` is `None` for the system), with the
/// e-mails the step sends, in one transaction. Returns the new status, or why not.
pub async fn step(
    db: &Db,
    public_url: &str,
    order_id: i64,
    step: Step,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<Result<Status, Refused>, Error> {
    let order = store::find(db.conn(), order_id)
        .await?
        .ok_or(Error::NotFound)?;
    let recipients = order_mail::recipients(db, order.org_id, order.buyer_id).await?;
    let mut tx = db.begin().await?;
    let (order, to) = match store::step_in(&mut tx, order_id, step, actor, actor_id).await? {
        Ok(done) => done,
        Err(refused) => return Ok(Err(refused)),
    };
    for n in order_mail::stepped(public_url, &recipients, &order, to) {
        store::enqueue_notice(tx.conn(), &n).await?;
    }
    tx.commit().await?;
    Ok(Ok(to))
}
