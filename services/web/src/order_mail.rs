//! Order e-mails: who hears of an order's steps, and what they read, in each recipient's own
//! language. They are composed here and written to the outbox in the transaction of the step
//! (see [`ketnoi_db::orders::step_notifying`]).

use crate::error::AppError;
use crate::i18n;
use ketnoi_db::Db;
use ketnoi_db::orders::{Notice, Order};
use ketnoi_domain::Locale;
use ketnoi_domain::Vnd;
use ketnoi_domain::order::Status;

/// Who is told of an order's steps: the buyer and the cooperative's owners and managers (and,
/// for escalations, the officers it granted proxy rights).
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    pub buyer: Vec<(String, Locale)>,
    pub sellers: Vec<(String, Locale)>,
    pub proxies: Vec<(String, Locale)>,
}

fn contacts(rows: Vec<(String, String)>) -> Vec<(String, Locale)> {
    rows.into_iter()
        .map(|(email, l)| (email, Locale::from_code(&l).unwrap_or_default()))
        .collect()
}

pub async fn recipients(db: &Db, org_id: i64, buyer_id: i64) -> Result<Recipients, AppError> {
    let buyer = ketnoi_db::users::find(db.conn(), buyer_id)
        .await?
        .and_then(|u| u.email.map(|e| (e, u.locale)))
        .into_iter()
        .collect();
    Ok(Recipients {
        buyer,
        sellers: contacts(ketnoi_db::orgs::manager_contacts(db.conn(), org_id).await?),
        proxies: contacts(ketnoi_db::orgs::proxy_contacts(db.conn(), org_id).await?),
    })
}

fn notice(public_url: &str, to: &(String, Locale), order: &Order, key: &'static str) -> Notice {
    let (email, locale) = to;
    let args = vec![
        ("code", order.code()),
        ("total", Vnd(order.total).to_string()),
        ("url", format!("{public_url}/orders/{}", order.id)),
    ];
    Notice {
        recipient: email.clone(),
        locale: locale.code().to_owned(),
        subject: i18n::t_args(*locale, &format!("{key}-subject"), &args),
        body: i18n::t_args(*locale, &format!("{key}-body"), &args),
    }
}

/// A new order: the cooperative is asked to confirm it; the buyer gets a receipt.
pub fn placed(public_url: &str, r: &Recipients, order: &Order) -> Vec<Notice> {
    let mut out: Vec<Notice> = r
        .sellers
        .iter()
        .map(|to| notice(public_url, to, order, "mail-order-new"))
        .collect();
    out.extend(
        r.buyer
            .iter()
            .map(|to| notice(public_url, to, order, "mail-order-placed")),
    );
    out
}

/// A step: the side that did not take it hears of it.
pub fn stepped(public_url: &str, r: &Recipients, order: &Order, status: Status) -> Vec<Notice> {
    let (to_buyer, to_seller): (Option<&'static str>, Option<&'static str>) = match status {
        Status::Confirmed | Status::AwaitingPayment => (Some("mail-order-confirmed"), None),
        Status::Paid => (Some("mail-order-paid"), Some("mail-order-paid")),
        Status::Shipped => (Some("mail-order-shipped"), None),
        Status::Delivered | Status::Completed | Status::Attended => (None, None),
        Status::Cancelled => (Some("mail-order-cancelled"), Some("mail-order-cancelled")),
        Status::Refunded => (Some("mail-order-refunded"), None),
        Status::Placed | Status::Booked => (None, None),
    };
    let mut out = Vec::new();
    if let Some(key) = to_buyer {
        out.extend(r.buyer.iter().map(|to| notice(public_url, to, order, key)));
    }
    if let Some(key) = to_seller {
        out.extend(
            r.sellers
                .iter()
                .map(|to| notice(public_url, to, order, key)),
        );
    }
    out
}

/// The confirmation timer's reminders: first the cooperative, then its proxy officers.
pub fn reminder(public_url: &str, r: &Recipients, order: &Order, escalate: bool) -> Vec<Notice> {
    if escalate {
        r.proxies
            .iter()
            .map(|to| notice(public_url, to, order, "mail-order-escalated"))
            .collect()
    } else {
        r.sellers
            .iter()
            .map(|to| notice(public_url, to, order, "mail-order-reminder"))
            .collect()
    }
}
