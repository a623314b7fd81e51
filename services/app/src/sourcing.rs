//! Wholesale sourcing (issue 21): a trade buyer's request for quotation is checked, matched
//! to cooperatives (category or words through the search index, certifications in force,
//! season, capacity, distance: the rules of `ketnoi_domain::trade`) and the matched
//! cooperatives are told, all in the posting transaction; quotes (alone or joint) are
//! checked and stored, the buyer told; an accepted quote becomes one order per cooperative
//! at the quoted prices through the orders' own placing (stock, timeline, payments).

use crate::error::{Error, FieldErrors, Msg, Result};
use crate::i18n;
use crate::order_mail;
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_db::Db;
use ketnoi_db::orders::{self as order_store, Line, NewOrder, Order, Unavailable};
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::sourcing::{self as store, NewQuote, NewRfq, Quote, Rfq};
use ketnoi_domain::Locale;
use ketnoi_domain::Vnd;
use ketnoi_domain::admin_units;
use ketnoi_domain::catalog::{self, Months};
use ketnoi_domain::order::{OrderKind, PaymentMethod};
use ketnoi_domain::trade::{
    self, AcceptRefused, Need, QuoteRefused, Recurrence, Share, Supplier, Supply, Visibility,
};
use ketnoi_search::{DocKind, SearchIndex, SearchQuery};
use std::collections::BTreeMap;

/// Outbox kinds: a request reached a cooperative; a quote reached the buyer.
pub const RFQ_NOTICE: &str = "rfq";
pub const QUOTE_NOTICE: &str = "quote";

/// How many listings a search for a request's words may bring to matching.
const WORD_MATCHES: usize = 500;

/// The request form as typed.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct RfqForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub words: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub target_price: String,
    #[serde(default)]
    pub delivery_commune: String,
    #[serde(default)]
    pub deliver_from: String,
    #[serde(default)]
    pub deliver_until: String,
    #[serde(default)]
    pub recurrence: String,
    #[serde(default)]
    pub cert_vietgap: String,
    #[serde(default)]
    pub cert_huu_co: String,
    #[serde(default)]
    pub min_ocop_stars: String,
    #[serde(default)]
    pub max_distance_km: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub visibility: String,
}

fn date(e: &mut FieldErrors, field: &str, raw: &str, required: bool) -> Option<NaiveDate> {
    match raw.trim() {
        "" if required => {
            e.add(field, Msg::new("err-required"));
            None
        }
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                e.add(field, Msg::new("rfq-err-date"));
                None
            }
        },
    }
}

fn number(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    match digits.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            e.add(field, Msg::new("rfq-err-number"));
            None
        }
    }
}

/// Checks a request as typed on `today` (Hanoi); what it says about the buyer is the caller's.
pub fn check_rfq(
    f: &RfqForm,
    buyer_org_id: i64,
    created_by: i64,
    today: NaiveDate,
) -> std::result::Result<NewRfq, FieldErrors> {
    use ketnoi_domain::text;
    let mut e = FieldErrors::default();
    let title = e.check("title", text::required_line(&f.title, 160));
    let words = e
        .check("words", text::optional_line(&f.words, 200))
        .flatten()
        .unwrap_or_default();
    let category = match f.category.trim() {
        "" => None,
        c => match catalog::category(c) {
            Some(known) => Some(known.id.clone()),
            None => {
                e.add("category", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    if f.category.trim().is_empty() && words.is_empty() {
        e.add("category", Msg::new("rfq-err-what"));
    }
    let quantity = number(&mut e, "quantity", &f.quantity, 1..=100_000_000);
    let unit = match f.unit.trim() {
        u if catalog::UNITS.contains(&u) => Some(u.to_owned()),
        _ => {
            e.add("unit", Msg::new("err-invalid-choice"));
            None
        }
    };
    let target_price = match f.target_price.trim() {
        "" => None,
        raw => match Vnd::parse(raw) {
            Some(Vnd(p)) => Some(p),
            None => {
                e.add("target_price", Msg::new("rfq-err-number"));
                None
            }
        },
    };
    let commune = match f.delivery_commune.trim() {
        "" => None,
        c => match admin_units::commune(c) {
            Some(known) => Some(known.code.clone()),
            None => {
                e.add("delivery_commune", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let from = date(&mut e, "deliver_from", &f.deliver_from, true);
    let until = date(&mut e, "deliver_until", &f.deliver_until, false);
    let deadline = date(&mut e, "deadline", &f.deadline, true);
    if deadline.is_some_and(|d| d < today) {
        e.add("deadline", Msg::new("rfq-err-past"));
    }
    if let (Some(from), Some(deadline)) = (from, deadline)
        && from < deadline
    {
        e.add("deliver_from", Msg::new("rfq-err-before-deadline"));
    }
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        e.add("deliver_until", Msg::new("rfq-err-until"));
    }
    let recurrence = Recurrence::parse(f.recurrence.trim()).or_else(|| {
        e.add("recurrence", Msg::new("err-invalid-choice"));
        None
    });
    let mut certifications = Vec::new();
    if !f.cert_vietgap.is_empty() {
        certifications.push("vietgap".to_owned());
    }
    if !f.cert_huu_co.is_empty() {
        certifications.push("huu_co".to_owned());
    }
    let min_ocop_stars = match f.min_ocop_stars.trim() {
        "" => None,
        raw => number(&mut e, "min_ocop_stars", raw, 3..=5),
    };
    if min_ocop_stars.is_some() {
        certifications.push("ocop".to_owned());
    }
    let max_distance_km = match f.max_distance_km.trim() {
        "" => None,
        raw => number(&mut e, "max_distance_km", raw, 1..=2_000),
    };
    if max_distance_km.is_some() && commune.is_none() && !e.0.contains_key("delivery_commune") {
        e.add("max_distance_km", Msg::new("rfq-err-distance-place"));
    }
    let visibility = Visibility::parse(f.visibility.trim()).or_else(|| {
        e.add("visibility", Msg::new("err-invalid-choice"));
        None
    });
    match (
        title, quantity, unit, from, deadline, recurrence, visibility,
    ) {
        (Some(title), Some(quantity), Some(unit), Some(from), Some(deadline), Some(r), Some(v))
            if e.is_empty() =>
        {
            Ok(NewRfq {
                buyer_org_id,
                created_by,
                title,
                category_id: category,
                words,
                quantity,
                unit,
                target_price,
                delivery_province_code: "01".into(),
                delivery_commune_code: commune,
                deliver_from: from,
                deliver_until: until,
                recurrence: r,
                certifications,
                min_ocop_stars,
                max_distance_km,
                deadline,
                visibility: v,
            })
        }
        _ => Err(e),
    }
}

/// Where a request is delivered, for distances: its ward/commune's centre.
fn delivery_place(r: &NewRfq) -> Option<(f64, f64)> {
    r.delivery_commune_code
        .as_deref()
        .and_then(admin_units::commune)
        .map(|c| (c.lat, c.lon))
}

/// What matching reads of a request.
pub fn need_of(r: &NewRfq) -> Need {
    Need {
        category: r.category_id.clone(),
        quantity: r.quantity,
        recurrence: r.recurrence,
        months: trade::months_between(r.deliver_from, r.deliver_until),
        certifications: r.certifications.clone(),
        min_ocop_stars: r.min_ocop_stars,
        place: delivery_place(r),
        max_distance_km: r.max_distance_km,
    }
}

/// The cooperatives a request reaches, by id, with their distance (km, rounded) when both
/// places are known. With a category, its listings are the candidates; without one, the
/// listings a search for its words finds (none without an index: the demo seeding).
pub async fn matching(
    db: &Db,
    search: Option<&dyn SearchIndex>,
    r: &NewRfq,
    today: NaiveDate,
) -> Result<Vec<(i64, Option<i64>)>> {
    let ids: Vec<i64> =
        if let (None, false, Some(search)) = (&r.category_id, r.words.is_empty(), search) {
            let q = SearchQuery {
                text: r.words.clone(),
                kind: Some(DocKind::Listing),
                skip_facets: true,
                limit: WORD_MATCHES,
                ..SearchQuery::default()
            };
            let found = ketnoi_search::search(search, &q).await.map_err(|e| {
                Error::Internal(anyhow::anyhow!("search for a request's words: {e}"))
            })?;
            found
                .results
                .hits
                .iter()
                .filter(|h| h.key.kind == DocKind::Listing)
                .map(|h| h.key.id)
                .collect()
        } else {
            Vec::new()
        };
    let supply = store::supply(db.conn(), r.category_id.as_deref(), &ids).await?;
    let need = need_of(r);
    let mut fitting: BTreeMap<i64, Option<(f64, f64)>> = BTreeMap::new();
    for row in &supply {
        let s = Supply {
            category_id: row.category_id.clone(),
            category_group: row.category_group.clone(),
            months: Months(row.months),
            stock: row.stock,
            monthly_capacity: row.monthly_capacity,
        };
        if trade::supply_fits(&need, &s) {
            let place = match (row.lat, row.lon) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                _ => row
                    .commune_code
                    .as_deref()
                    .and_then(admin_units::commune)
                    .map(|c| (c.lat, c.lon)),
            };
            fitting.insert(row.org_id, place);
        }
    }
    let orgs: Vec<i64> = fitting.keys().copied().collect();
    let certs = store::certifications_in_force(db.conn(), &orgs, today).await?;
    Ok(fitting
        .into_iter()
        .filter_map(|(org, place)| {
            let (held, stars) = certs.get(&org).cloned().unwrap_or_default();
            let supplier = Supplier {
                place,
                certifications: held,
                ocop_stars: stars,
            };
            trade::supplier_qualifies(&need, &supplier).then(|| {
                let km = place
                    .zip(need.place)
                    .map(|(a, b)| trade::distance_km(a, b).round() as i64);
                (org, km)
            })
        })
        .collect())
}

/// Writes a notice to the people of a cooperative: its owners and managers, else the
/// officers it granted proxy rights.
async fn tell_cooperative(
    tx: &mut ketnoi_db::Tx,
    db: &Db,
    org_id: i64,
    kind: &str,
    compose: &(dyn Fn(Locale) -> (String, String) + Sync),
) -> Result<()> {
    let mut to = ketnoi_db::orgs::manager_contacts(db.conn(), org_id).await?;
    if to.is_empty() {
        to = ketnoi_db::orgs::proxy_contacts(db.conn(), org_id).await?;
    }
    for (recipient, locale) in to {
        let (subject, body) = compose(Locale::from_code(&locale).unwrap_or_default());
        outbox::enqueue(
            tx.conn(),
            &NewMessage {
                kind,
                recipient: &recipient,
                locale: &locale,
                subject: &subject,
                body: &body,
            },
        )
        .await?;
    }
    Ok(())
}

/// Posts a request: stored, matched, and each matched cooperative told, in one transaction.
/// Returns its id and how many cooperatives it reached.
pub async fn post(
    db: &Db,
    search: Option<&dyn SearchIndex>,
    public_url: &str,
    r: &NewRfq,
    today: NaiveDate,
) -> Result<(i64, usize)> {
    let matched = matching(db, search, r, today).await?;
    let mut tx = db.begin().await?;
    let id = store::create_rfq(tx.conn(), r).await?;
    let rows: Vec<(i64, &'static str, Option<i64>)> = matched
        .iter()
        .map(|(org, km)| (*org, "matched", *km))
        .collect();
    store::add_recipients(&mut tx, id, &rows).await?;
    let link = format!("{}/rfqs/{id}", public_url.trim_end_matches('/'));
    for (org, _) in &matched {
        let compose = |l: Locale| {
            let args = [
                ("title", r.title.clone()),
                (
                    "quantity",
                    ketnoi_domain::units::display_count(&r.unit, r.quantity, l),
                ),
                ("from", r.deliver_from.format("%d/%m/%Y").to_string()),
                ("deadline", r.deadline.format("%d/%m/%Y").to_string()),
                ("link", link.clone()),
            ];
            (
                i18n::t_args(l, "rfq-mail-subject", &args),
                i18n::t_args(l, "rfq-mail-body", &args),
            )
        };
        tell_cooperative(&mut tx, db, *org, RFQ_NOTICE, &compose).await?;
    }
    tx.commit().await?;
    Ok((id, matched.len()))
}

/// One cooperative's part as typed on the quote form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareForm {
    pub org_id: i64,
    pub listing: String,
    pub quantity: String,
    pub unit_price: String,
}

/// Checks a quote's shares against what each cooperative may quote (`listings` of each
/// share's cooperative: its published goods listings) and its validity.
pub fn check_shares(
    shares: &[ShareForm],
    quotable: &BTreeMap<i64, Vec<i64>>,
    valid_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> std::result::Result<(Vec<Share>, DateTime<Utc>), FieldErrors> {
    let mut e = FieldErrors::default();
    let mut out = Vec::new();
    for s in shares {
        if s.quantity.trim().is_empty() && s.unit_price.trim().is_empty() {
            continue;
        }
        let q_field = format!("qty_{}", s.org_id);
        let p_field = format!("price_{}", s.org_id);
        let l_field = format!("listing_{}", s.org_id);
        let quantity = number(&mut e, &q_field, &s.quantity, 1..=100_000_000);
        let price = Vnd::parse(&s.unit_price).map(|v| v.0).or_else(|| {
            e.add(&p_field, Msg::new("rfq-err-number"));
            None
        });
        let listing = s
            .listing
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| quotable.get(&s.org_id).is_some_and(|ls| ls.contains(id)))
            .or_else(|| {
                e.add(&l_field, Msg::new("err-invalid-choice"));
                None
            });
        if let (Some(quantity), Some(unit_price), Some(listing_id)) = (quantity, price, listing) {
            out.push(Share {
                org_id: s.org_id,
                listing_id,
                quantity,
                unit_price,
            });
        }
    }
    let Some(valid_until) = valid_until else {
        e.add("valid_until", Msg::new("rfq-err-date"));
        return Err(e);
    };
    if !e.is_empty() {
        return Err(e);
    }
    match trade::check_quote(&out, valid_until, now) {
        Ok(()) => Ok((out, valid_until)),
        Err(QuoteRefused::Empty) => Err(FieldErrors::single("_form", Msg::new("quote-err-empty"))),
        Err(QuoteRefused::SameCooperativeTwice) => {
            Err(FieldErrors::single("_form", Msg::new("quote-err-twice")))
        }
        Err(QuoteRefused::ValidityPast) => {
            Err(FieldErrors::single("valid_until", Msg::new("rfq-err-past")))
        }
    }
}

/// Stores a quote and tells the buyer's people, in one transaction.
pub async fn submit_quote(db: &Db, public_url: &str, rfq: &Rfq, q: &NewQuote) -> Result<i64> {
    let buyers = ketnoi_db::orgs::manager_contacts(db.conn(), rfq.new.buyer_org_id).await?;
    let mut tx = db.begin().await?;
    let id = store::create_quote(&mut tx, q).await?;
    let link = format!("{}/rfqs/{}", public_url.trim_end_matches('/'), rfq.id);
    let total: i64 = q
        .shares
        .iter()
        .map(|s| s.quantity.saturating_mul(s.unit_price))
        .sum();
    for (recipient, locale) in buyers {
        let l = Locale::from_code(&locale).unwrap_or_default();
        let args = [
            ("title", rfq.new.title.clone()),
            ("count", q.shares.len().to_string()),
            ("total", Vnd(total).to_string()),
            ("link", link.clone()),
        ];
        outbox::enqueue(
            tx.conn(),
            &NewMessage {
                kind: QUOTE_NOTICE,
                recipient: &recipient,
                locale: &locale,
                subject: &i18n::t_args(l, "quote-mail-subject", &args),
                body: &i18n::t_args(l, "quote-mail-body", &args),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

fn refused(why: AcceptRefused) -> Error {
    let key = match why {
        AcceptRefused::Expired => "quote-err-expired",
        AcceptRefused::RequestNotOpen => "quote-err-request-closed",
        AcceptRefused::NotOpen => "quote-err-not-open",
    };
    Error::Conflict(FieldErrors::single("_form", Msg::new(key)))
}

/// What accepting needs of the buyer beyond the quote.
#[derive(Debug, Clone)]
pub struct Acceptance<'a> {
    pub buyer_id: i64,
    pub payment: PaymentMethod,
    pub contact_phone: Option<&'a str>,
    pub delivery_street: Option<&'a str>,
}

/// Accepts a quote: if it is still open and valid and its request open, one order per
/// cooperative at the quoted prices is placed (stock taken, each cooperative and the buyer
/// told), the quote marked accepted and the request awarded, all in one transaction; else
/// a conflict saying why (nothing written).
pub async fn accept(
    db: &Db,
    public_url: &str,
    rfq: &Rfq,
    quote: &Quote,
    a: &Acceptance<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Order>> {
    trade::may_accept(quote.status == "open", quote.valid_until, rfq.status, now)
        .map_err(refused)?;
    let mut offers = Vec::with_capacity(quote.shares.len());
    for s in &quote.shares {
        let offer = store::goods_offer_of(db.conn(), s.listing_id)
            .await?
            .ok_or_else(|| unavailable_msg(&s.title))?;
        offers.push([Line {
            offer_id: offer,
            quantity: s.quantity,
            agreed_price: Some(s.unit_price),
        }]);
    }
    let note = format!("{} · #{}", rfq.new.title, quote.id);
    let orders: Vec<NewOrder<'_>> = quote
        .shares
        .iter()
        .zip(&offers)
        .map(|(s, lines)| NewOrder {
            buyer_id: a.buyer_id,
            org_id: s.org_id,
            kind: OrderKind::Goods,
            payment: a.payment,
            lines,
            experience_date: None,
            delivery_commune: rfq.new.delivery_commune_code.as_deref(),
            delivery_street: a.delivery_street,
            contact_phone: a.contact_phone,
            buyer_note: Some(note.as_str()),
            recipient_name: None,
            quote_id: Some(quote.id),
        })
        .collect();
    let mut recipients = BTreeMap::new();
    for s in &quote.shares {
        recipients.insert(
            s.org_id,
            order_mail::recipients(db, s.org_id, a.buyer_id).await?,
        );
    }
    let mut tx = db.begin().await?;
    if !store::mark_accepted(&mut tx, quote.id, rfq.id, a.buyer_id, now).await? {
        drop(tx);
        // Someone (or the clock) moved it since it was read: say where it is now.
        let q = store::quote(db.conn(), quote.id)
            .await?
            .ok_or(Error::NotFound)?;
        let r = store::rfq(db.conn(), rfq.id)
            .await?
            .ok_or(Error::NotFound)?;
        let why = trade::may_accept(q.status == "open", q.valid_until, r.status, now)
            .err()
            .unwrap_or(AcceptRefused::NotOpen);
        return Err(refused(why));
    }
    let placed = match order_store::place_all_in(&mut tx, &orders).await? {
        Ok(placed) => placed,
        Err(why) => {
            drop(tx);
            let title = match why {
                Unavailable::OutOfStock { listing_id } => quote
                    .shares
                    .iter()
                    .find(|s| s.listing_id == listing_id)
                    .map(|s| s.title.clone()),
                _ => None,
            };
            return Err(unavailable_msg(&title.unwrap_or_default()));
        }
    };
    for o in &placed {
        let lines = order_store::items(tx.conn(), o.id).await?;
        let notices = recipients
            .get(&o.org_id)
            .map(|r| order_mail::placed(public_url, r, o, &lines))
            .unwrap_or_default();
        for n in &notices {
            order_store::enqueue_notice(tx.conn(), n).await?;
        }
    }
    tx.commit().await?;
    Ok(placed)
}

fn unavailable_msg(title: &str) -> Error {
    Error::Conflict(FieldErrors::single(
        "_form",
        Msg {
            key: "quote-err-unavailable",
            args: vec![("title", title.to_owned())],
        },
    ))
}

/// Who someone is to a request: the one rule every request and quote route asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// An owner or manager of the buyer organisation: sees every quote, accepts one.
    Buyer,
    /// She acts for these cooperatives (as owner, manager or proxy officer), each of which
    /// the request reached, or any of hers when the request is public: she quotes for them
    /// and sees their quotes only.
    Supplier(Vec<store::Acting>),
    /// A plain member of the buyer organisation, or an administrator: reads, changes nothing.
    Observer,
}

/// Decides [`Side`] for `user_id` (`is_admin`: a platform administrator); `None`: the
/// request is not hers to know of (the routes answer 404).
pub async fn side_of(db: &Db, user_id: i64, is_admin: bool, rfq: &Rfq) -> Result<Option<Side>> {
    use ketnoi_domain::role::MemberRole;
    let membership = ketnoi_db::orgs::of_user(db.conn(), user_id)
        .await?
        .into_iter()
        .find(|(o, _)| o.id == rfq.new.buyer_org_id)
        .map(|(_, role)| role);
    match membership {
        Some(MemberRole::Owner | MemberRole::Manager) => return Ok(Some(Side::Buyer)),
        Some(MemberRole::Member) => return Ok(Some(Side::Observer)),
        None => {}
    }
    let reached: Vec<i64> = store::recipients(db.conn(), rfq.id)
        .await?
        .into_iter()
        .map(|r| r.org_id)
        .collect();
    let public = rfq.new.visibility == Visibility::Public;
    let acting: Vec<store::Acting> = store::acts_for(db.conn(), user_id)
        .await?
        .into_iter()
        .filter(|a| public || reached.contains(&a.org_id))
        .collect();
    if !acting.is_empty() {
        return Ok(Some(Side::Supplier(acting)));
    }
    Ok(is_admin.then_some(Side::Observer))
}
