//! Order notices: who hears of an order's steps, and what they read, in each recipient's own
//! language, by e-mail or, for an account made with a phone, on the phone channel (the
//! store's one rule, `users::User::contact`). They are composed here and written to the
//! outbox in the transaction of the step (see [`crate::orders`]).

use crate::error::Error;
use crate::i18n;
use ketnoi_db::Db;
use ketnoi_db::orders::{Item, Notice, Order};
use ketnoi_domain::Locale;
use ketnoi_domain::Vnd;
use ketnoi_domain::order::Status;

/// Who is told of an order's steps: the buyer and the cooperative's owners and managers (and,
/// for escalations, the officers it granted proxy rights). A cooperative with no one on
/// Ketnoi (most of those the Union registered) is told through its stand-ins, who call it.
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    pub buyer: Vec<(String, Locale)>,
    pub sellers: Vec<(String, Locale)>,
    pub proxies: Vec<(String, Locale)>,
    /// When `sellers` is empty: the officers who call the cooperative instead (see
    /// `ketnoi_db::orgs::stand_in_contacts`).
    pub stand_ins: Vec<(String, Locale)>,
    /// The cooperative's name and phone (national format), for the stand-ins' call.
    pub org_name: String,
    pub org_phone: String,
}

fn contacts(rows: Vec<(String, String)>) -> Vec<(String, Locale)> {
    rows.into_iter()
        .map(|(to, l)| (to, Locale::from_code(&l).unwrap_or_default()))
        .collect()
}

pub async fn recipients(db: &Db, org_id: i64, buyer_id: i64) -> Result<Recipients, Error> {
    let buyer = ketnoi_db::users::find(db.conn(), buyer_id)
        .await?
        .and_then(|u| u.contact().map(|c| (c.to_owned(), u.locale)))
        .into_iter()
        .collect();
    let sellers = contacts(ketnoi_db::orgs::manager_contacts(db.conn(), org_id).await?);
    let stand_ins = if sellers.is_empty() {
        contacts(ketnoi_db::orgs::stand_in_contacts(db.conn(), org_id).await?)
    } else {
        Vec::new()
    };
    let org = ketnoi_db::orgs::find(db.conn(), org_id).await?;
    Ok(Recipients {
        buyer,
        sellers,
        proxies: contacts(ketnoi_db::orgs::proxy_contacts(db.conn(), org_id).await?),
        stand_ins,
        org_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        org_phone: org
            .and_then(|o| o.phone)
            .map(|p| ketnoi_domain::contact::national(&p))
            .unwrap_or_default(),
    })
}

/// A stand-in's notice: the cooperative's name and phone come first (whom to call), then
/// what the cooperative itself would have read.
fn stand_in_notice(
    public_url: &str,
    r: &Recipients,
    to: &(String, Locale),
    order: &Order,
    key: &'static str,
) -> Notice {
    let mut n = notice(public_url, to, order, key);
    let phone = if r.org_phone.is_empty() {
        i18n::t(to.1, "mail-stand-in-no-phone")
    } else {
        r.org_phone.clone()
    };
    let call = i18n::t_args(
        to.1,
        "mail-stand-in-call",
        &[("org", r.org_name.clone()), ("phone", phone)],
    );
    n.subject = format!("[{}] {}", r.org_name, n.subject);
    n.body = format!("{call}\n\n{}", n.body);
    n
}

fn notice(public_url: &str, to: &(String, Locale), order: &Order, key: &'static str) -> Notice {
    let (recipient, locale) = to;
    let args = vec![
        ("code", order.code()),
        ("total", Vnd(order.total).to_string()),
        ("url", format!("{public_url}/orders/{}", order.id)),
    ];
    Notice {
        recipient: recipient.clone(),
        locale: locale.code().to_owned(),
        subject: i18n::t_args(*locale, &format!("{key}-subject"), &args),
        body: i18n::t_args(*locale, &format!("{key}-body"), &args),
    }
}

/// What was ordered, where to and how to reach the buyer, as lines of plain text (the
/// e-mail's details, in the recipient's language).
fn details(locale: Locale, order: &Order, lines: &[Item]) -> String {
    let mut out: Vec<String> = lines
        .iter()
        .map(|i| {
            let unit = i18n::line_unit(locale, i.offer_kind, &i.unit, i.quantity);
            format!(
                "- {} {unit} × {} ({})",
                i.quantity,
                i.title,
                Vnd(i.unit_price.saturating_mul(i.quantity))
            )
        })
        .collect();
    if let Some(day) = order.experience_date {
        out.push(format!(
            "{}: {}",
            i18n::t(locale, "cart-visit-date"),
            day.format("%d/%m/%Y")
        ));
    }
    if let Some(name) = &order.recipient_name {
        out.push(format!("{}: {name}", i18n::t(locale, "order-recipient")));
    }
    if let Some(street) = &order.delivery_street {
        let commune = order
            .delivery_commune
            .as_deref()
            .and_then(ketnoi_domain::admin_units::commune)
            .map(|c| format!(", {}", c.name))
            .unwrap_or_default();
        out.push(format!(
            "{}: {street}{commune}",
            i18n::t(locale, "cart-delivery")
        ));
    }
    if let Some(phone) = &order.contact_phone {
        out.push(format!(
            "{}: {}",
            i18n::t(locale, "cart-phone"),
            ketnoi_domain::contact::national(phone)
        ));
    }
    if let Some(note) = &order.buyer_note {
        out.push(format!("{}: {note}", i18n::t(locale, "cart-note")));
    }
    out.join("\n")
}

/// A new order: the cooperative is asked to confirm it (with what, where to and whom to
/// call); the buyer gets a receipt with the same details.
pub fn placed(public_url: &str, r: &Recipients, order: &Order, lines: &[Item]) -> Vec<Notice> {
    let with_details = |to: &(String, Locale), key| {
        let mut n = notice(public_url, to, order, key);
        n.body = format!("{}\n\n{}", n.body, details(to.1, order, lines));
        n
    };
    let mut out: Vec<Notice> = r
        .sellers
        .iter()
        .map(|to| with_details(to, "mail-order-new"))
        .collect();
    out.extend(r.stand_ins.iter().map(|to| {
        let mut n = stand_in_notice(public_url, r, to, order, "mail-order-new");
        n.body = format!("{}\n\n{}", n.body, details(to.1, order, lines));
        n
    }));
    let placed = if r.sellers.is_empty() {
        "mail-order-placed-stand-in"
    } else {
        "mail-order-placed"
    };
    out.extend(r.buyer.iter().map(|to| with_details(to, placed)));
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
        out.extend(
            r.stand_ins
                .iter()
                .map(|to| stand_in_notice(public_url, r, to, order, key)),
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
            .chain(
                r.stand_ins
                    .iter()
                    .map(|to| stand_in_notice(public_url, r, to, order, "mail-order-reminder")),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ketnoi_domain::catalog::OfferKind;
    use ketnoi_domain::order::{OrderKind, PaymentMethod};

    fn order() -> Order {
        Order {
            id: 7,
            code: Some("KN000007".into()),
            buyer_id: 1,
            org_id: 2,
            kind: OrderKind::Goods,
            payment: PaymentMethod::Cod,
            status: Status::Placed,
            total: 500_000,
            delivery_commune: Some("00577".into()),
            delivery_street: Some("Số 5, ngõ 12".into()),
            contact_phone: Some("+84912345678".into()),
            experience_date: None,
            buyer_note: Some("Giao giờ hành chính".into()),
            recipient_name: Some("Nguyễn Thị Mai".into()),
            conversation_id: None,
            confirmed_at: None,
            created_at: chrono::Utc::now(),
        }
    }

    /// A line of `quantity` vases at `unit_price`.
    fn vases(quantity: i64, unit_price: i64) -> Item {
        Item {
            listing_id: 1,
            offer_id: Some(1),
            offer_kind: OfferKind::Retail,
            title: "Bình gốm men lam".into(),
            unit: "chiếc".into(),
            quantity,
            unit_price,
        }
    }

    #[test]
    fn a_new_order_mail_says_what_where_and_whom_to_call() {
        let lines = [vases(2, 250_000)];
        let r = Recipients {
            buyer: vec![("mua@example.com".into(), Locale::En)],
            sellers: vec![("htx@example.com".into(), Locale::Vi)],
            ..Recipients::default()
        };
        let mails = placed("https://ketnoi.vn", &r, &order(), &lines);
        assert_eq!(mails.len(), 2);
        let to_seller = &mails[0];
        assert_eq!(to_seller.recipient, "htx@example.com");
        assert!(to_seller.subject.contains("KN000007"));
        for part in [
            "2 chiếc × Bình gốm men lam (500.000 ₫)",
            "Người nhận: Nguyễn Thị Mai",
            "Số 5, ngõ 12, Xã Bát Tràng",
            "0912 345 678",
            "Giao giờ hành chính",
            "https://ketnoi.vn/orders/7",
        ] {
            assert!(
                to_seller.body.contains(part),
                "{part:?} in {}",
                to_seller.body
            );
        }
        // The buyer reads hers in English.
        assert!(
            mails[1].body.contains("Delivery: Số 5"),
            "{}",
            mails[1].body
        );
    }

    /// A cooperative with no one on Ketnoi: its stand-in officer reads whom to call first,
    /// then the order; the buyer is told the Union will call the cooperative.
    #[test]
    fn a_cooperative_without_an_account_is_told_through_its_stand_ins() {
        let lines = [vases(1, 500_000)];
        let r = Recipients {
            buyer: vec![("mua@example.com".into(), Locale::Vi)],
            stand_ins: vec![("canbo@example.com".into(), Locale::Vi)],
            org_name: "HTX Gốm Bát Tràng".into(),
            org_phone: "0904 555 560".into(),
            ..Recipients::default()
        };
        let mails = placed("https://ketnoi.vn", &r, &order(), &lines);
        assert_eq!(mails.len(), 2);
        let officer = &mails[0];
        assert_eq!(officer.recipient, "canbo@example.com");
        assert!(
            officer.subject.starts_with("[HTX Gốm Bát Tràng] "),
            "{}",
            officer.subject
        );
        assert!(
            officer
                .body
                .starts_with("HTX Gốm Bát Tràng chưa dùng Ketnoi")
                && officer.body.contains("0904 555 560")
                && officer.body.contains("1 chiếc × Bình gốm men lam"),
            "{}",
            officer.body
        );
        assert!(mails[1].body.contains("Hội LHPN"), "{}", mails[1].body);
        // Its cancellation reaches the stand-in too, and the reminder.
        let cancelled = stepped("https://ketnoi.vn", &r, &order(), Status::Cancelled);
        assert!(cancelled.iter().any(|n| n.recipient == "canbo@example.com"));
        let reminded = reminder("https://ketnoi.vn", &r, &order(), false);
        assert_eq!(reminded.len(), 1);
    }
}
