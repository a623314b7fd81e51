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

/// The order's own conversation with its cooperative: the one it has, or a new one titled
/// with its code (in `locale`) and kept on the order, so that the buyer's questions, the
/// cooperative's answers and any recall notice about the order land in one thread.
pub async fn conversation(
    db: &Db,
    order_id: i64,
    buyer_id: i64,
    org_id: i64,
    existing: Option<i64>,
    locale: ketnoi_domain::Locale,
) -> ketnoi_db::Result<i64> {
    if let Some(c) = existing {
        return Ok(c);
    }
    let title = crate::i18n::t_args(
        locale,
        "order-thread-title",
        &[("code", ketnoi_domain::order::order_code(order_id))],
    );
    let c = ketnoi_db::messaging::open_order_thread(db, buyer_id, org_id, &title).await?;
    store::set_conversation(db.conn(), order_id, c).await?;
    Ok(c)
}
