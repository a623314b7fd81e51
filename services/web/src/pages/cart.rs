//! The cart and checkout. A cart spans cooperatives; checkout splits it into one order per
//! cooperative for goods (each paid its own way: VietQR transfer, cash on delivery, or a card
//! through Stripe) and one booking per experience and day, all placed in one transaction.

use super::localized;
use super::{Layout, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Form;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use ketnoi_db::cart::{self, CartLine};
use ketnoi_db::orders::{Line, NewOrder, Unavailable};
use ketnoi_domain::admin_units;
use ketnoi_domain::catalog::OfferKind;
use ketnoi_domain::order::{
    self, CartItem, LineRefused, OrderKind, PaymentMethod, PlannedLine, Terms,
};
use ketnoi_domain::{Vnd, text};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    pub csrf: String,
    pub offer_id: String,
    pub quantity: String,
    /// `YYYY-MM-DD`, experiences only.
    pub date: String,
}

/// How far ahead an experience can be booked.
const BOOKING_HORIZON_DAYS: i64 = 366;

fn parse_quantity(raw: &str) -> Result<i64, Msg> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (1..=order::MAX_LINE_QUANTITY).contains(q))
        .ok_or(Msg::new("err-quantity"))
}

/// A day for a visit: from tomorrow (Hanoi time) to a year ahead.
fn parse_visit_date(raw: &str) -> Result<NaiveDate, Msg> {
    let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| Msg::new("err-visit-date"))?;
    let today = ketnoi_domain::time::today_hanoi();
    let ahead = (day - today).num_days();
    if (1..=BOOKING_HORIZON_DAYS).contains(&ahead) {
        Ok(day)
    } else {
        Err(Msg::new("err-visit-date"))
    }
}

/// `POST /cart`: puts so many of an offer in the cart (a line already there grows).
pub async fn add_to_cart(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<AddForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let offer_id = offer_id(&form.offer_id)?;
    let (listing_id, kind) = cart::orderable_offer(state.db.conn(), offer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if kind == OfferKind::Wholesale && !wholesale_allowed(&state, user.id, listing_id).await? {
        return Err(AppError::Validation(FieldErrors::single(
            "_form",
            Msg::new("trade-err-cart-verified-only"),
        )));
    }
    let mut e = FieldErrors::default();
    let quantity = e.check("quantity", parse_quantity(&form.quantity));
    let date = if kind == OfferKind::Experience {
        e.check("date", parse_visit_date(&form.date))
            .map(|d| d.to_string())
    } else {
        Some(String::new())
    };
    let (Some(quantity), Some(date)) = (quantity, date) else {
        return Err(AppError::Validation(e));
    };
    cart::add(state.db.conn(), user.id, offer_id, &date, quantity).await?;
    Ok(see_other("/cart"))
}

/// Whether `user_id` may order the wholesale offers of the listing's cooperative: those of a
/// cooperative that shows them to verified trade buyers only are for them (and its own
/// managers) alone, as its listing page shows.
async fn wholesale_allowed(
    state: &AppState,
    user_id: i64,
    listing_id: i64,
) -> Result<bool, AppError> {
    let listing = ketnoi_db::listings::find(state.db.conn(), listing_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = ketnoi_db::orgs::find(state.db.conn(), listing.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ketnoi_app::wholesale::prices_visible(
        state.db.conn(),
        Some(user_id),
        org.id,
        org.wholesale_verified_only,
    )
    .await?)
}

/// The cart lines whose wholesale prices `user_id` may not see (the cooperative shows them to
/// verified trade buyers only): keyed as line problems, each with its message.
async fn hidden_lines(
    state: &AppState,
    user_id: i64,
    lines: &[CartLine],
) -> Result<BTreeMap<(i64, String), Msg>, AppError> {
    let mut hidden = BTreeMap::new();
    for l in lines {
        let priced = ketnoi_app::wholesale::offer_priced(
            l.offer.kind,
            ketnoi_app::wholesale::prices_visible(
                state.db.conn(),
                Some(user_id),
                l.org_id,
                l.wholesale_verified_only,
            )
            .await?,
        );
        if !priced {
            hidden.insert(
                (l.offer_id, l.experience_date.clone()),
                Msg::new("trade-err-cart-verified-only"),
            );
        }
    }
    Ok(hidden)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LineForm {
    pub csrf: String,
    pub offer_id: String,
    pub date: String,
    pub quantity: String,
    /// The line's "remove" button: the line goes, whatever the quantity says.
    pub remove: String,
}

/// `POST /cart/lines`: changes a line's quantity; 0, or the "remove" button, removes it.
pub async fn update_line(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<LineForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let offer_id = offer_id(&form.offer_id)?;
    let quantity = match form.quantity.trim() {
        _ if !form.remove.is_empty() => 0,
        "0" => 0,
        q => parse_quantity(q)
            .map_err(|m| AppError::Validation(FieldErrors::single("quantity", m)))?,
    };
    let date = form.date.trim();
    if !date.is_empty() && NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
        return Err(AppError::NotFound);
    }
    if !cart::set_quantity(state.db.conn(), user.id, offer_id, date, quantity).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/cart"))
}

/// A cart line as the page shows it.
pub struct LineView {
    pub offer_id: i64,
    pub listing_id: i64,
    pub date: String,
    pub title: String,
    pub kind: String,
    pub quantity: i64,
    pub unit: String,
    pub unit_price: String,
    pub line_total: String,
    /// Why this line cannot be ordered as it is (shown by the line; checkout waits).
    pub problem: Option<String>,
    /// The quantity input's step (a wholesale case).
    pub step: i64,
}

/// One cooperative's part of the cart.
pub struct GroupView {
    pub org_id: i64,
    pub org_name: String,
    pub org_slug: String,
    pub lines: Vec<LineView>,
    pub total: Vnd,
    /// Goods lines (delivered, paid as chosen); experiences are paid at the visit.
    pub has_goods: bool,
    /// The cooperative has a bank account for VietQR transfers.
    pub viet_qr: bool,
    pub payment: String,
}

#[derive(Debug, Default, Clone)]
pub struct CheckoutValues {
    /// Who receives the goods (her own name unless she orders for someone).
    pub recipient: String,
    pub commune_code: String,
    pub street: String,
    pub phone: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "cart/show.html")]
struct CartPage {
    layout: Layout,
    groups: Vec<GroupView>,
    total: String,
    ready: bool,
    stripe: bool,
    any_goods: bool,
    form: CheckoutValues,
    errors: FieldErrors,
    communes: &'static [admin_units::Commune],
}

/// The cart's lines as the checkout plan reads them (see [`order::plan`]), in the same order.
fn cart_items(lines: &[CartLine]) -> Vec<CartItem<'_>> {
    lines
        .iter()
        .map(|l| CartItem {
            org_id: l.org_id,
            offer_id: l.offer_id,
            quantity: l.quantity,
            experience_date: NaiveDate::parse_from_str(&l.experience_date, "%Y-%m-%d").ok(),
            terms: Terms::from(&l.offer),
        })
        .collect()
}

/// The offer an add-to-cart or cart-line form names (an unknown one is not found).
fn offer_id(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

fn refused_msg(r: LineRefused) -> Msg {
    match r {
        LineRefused::BadQuantity => Msg::new("err-quantity"),
        LineRefused::BelowMinimum(n) => Msg {
            key: "err-below-minimum",
            args: vec![("n", n.to_string())],
        },
        LineRefused::NotWholeCases(n) => Msg {
            key: "err-whole-cases",
            args: vec![("n", n.to_string())],
        },
        LineRefused::GroupTooLarge(n) => Msg {
            key: "err-group-too-large",
            args: vec![("n", n.to_string())],
        },
    }
}

async fn cart_page(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    form: CheckoutValues,
    payments: &BTreeMap<String, String>,
    errors: FieldErrors,
    line_problems: &BTreeMap<(i64, String), Msg>,
) -> Result<(CartPage, Vec<CartLine>), AppError> {
    let lines = cart::lines(state.db.conn(), user_id).await?;
    let hidden = hidden_lines(state, user_id, &lines).await?;
    let items = cart_items(&lines);
    // A line whose price she may not see counts in no total (it cannot be ordered either).
    let shown: Vec<CartItem<'_>> = lines
        .iter()
        .zip(&items)
        .filter(|(l, _)| !hidden.contains_key(&(l.offer_id, l.experience_date.clone())))
        .map(|(_, i)| *i)
        .collect();
    let plan = order::plan(&shown);
    let mut groups: Vec<GroupView> = Vec::new();
    let mut ready = !lines.is_empty();
    for (l, item) in lines.iter().zip(&items) {
        let priced = PlannedLine::of(item);
        let mut problem = match (priced.refused, l.available) {
            (_, false) => Some(Msg::new("err-no-longer-offered")),
            (Some(r), _) => Some(refused_msg(r)),
            (None, true) => match l.stock {
                Some(s) if l.offer.kind != OfferKind::Experience && s < l.quantity => Some(Msg {
                    key: "err-only-left",
                    args: vec![("n", s.to_string())],
                }),
                _ => None,
            },
        };
        let key = (l.offer_id, l.experience_date.clone());
        if let Some(p) = line_problems.get(&key) {
            problem = Some(p.clone());
        }
        let price_hidden = hidden.contains_key(&key);
        if let Some(p) = hidden.get(&key) {
            problem = Some(p.clone());
        }
        ready &= problem.is_none();
        let view = LineView {
            offer_id: l.offer_id,
            listing_id: l.listing_id,
            date: l.experience_date.clone(),
            title: localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
            kind: ctx.tr().get(&format!("offer-{}", l.offer.kind.as_str())),
            quantity: l.quantity,
            unit: ctx.tr().line_unit(l.offer.kind, &l.unit, l.quantity),
            unit_price: if price_hidden {
                "—".into()
            } else {
                Vnd(priced.unit_price).to_string()
            },
            line_total: if price_hidden {
                "—".into()
            } else {
                Vnd(priced.total()).to_string()
            },
            problem: problem.map(|m| m.render(ctx.locale)),
            step: l
                .offer
                .case_size
                .filter(|c| *c > 1 && l.offer.kind == OfferKind::Wholesale)
                .unwrap_or(1),
        };
        match groups.last_mut().filter(|g| g.org_id == l.org_id) {
            Some(g) => g.lines.push(view),
            None => groups.push(GroupView {
                org_id: l.org_id,
                org_name: l.org_name.clone(),
                org_slug: l.org_slug.clone(),
                lines: vec![view],
                // Both from the plan, below.
                total: Vnd(0),
                has_goods: false,
                viet_qr: false,
                payment: payments
                    .get(&format!("pay_{}", l.org_id))
                    .cloned()
                    .unwrap_or_default(),
            }),
        }
    }
    for g in &mut groups {
        g.total = Vnd(plan
            .of_org(g.org_id)
            .fold(0i64, |sum, o| sum.saturating_add(o.shown_total())));
        g.has_goods = plan.goods_of(g.org_id).is_some();
        g.viet_qr = ketnoi_app::payments::offers_viet_qr(state.db.conn(), g.org_id).await?;
        if g.payment.is_empty() {
            let default = if g.viet_qr {
                PaymentMethod::VietQr
            } else {
                PaymentMethod::Cod
            };
            g.payment = default.as_str().into();
        }
    }
    let any_goods = groups.iter().any(|g| g.has_goods);
    let grand = plan
        .orders
        .iter()
        .fold(0i64, |sum, o| sum.saturating_add(o.shown_total()));
    let page = CartPage {
        layout: Layout::titled(ctx, "cart-title"),
        groups,
        total: Vnd(grand).to_string(),
        ready,
        stripe: state.payments.stripe.is_some(),
        any_goods,
        form,
        errors,
        communes: admin_units::hanoi_communes_by_name(),
    };
    Ok((page, lines))
}

/// `GET /cart`: the cart, grouped by cooperative, with the checkout form.
pub async fn show_cart(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    // The address she last had goods delivered to (her phone on her account otherwise).
    let last = ketnoi_db::orders::last_delivery(state.db.conn(), user.id).await?;
    let form = match last {
        Some((commune_code, street, phone, recipient)) => CheckoutValues {
            recipient: recipient.unwrap_or_else(|| user.display_name.clone()),
            commune_code,
            street,
            phone: phone
                .as_deref()
                .or(user.phone.as_deref())
                .map(ketnoi_domain::contact::national)
                .unwrap_or_default(),
            ..CheckoutValues::default()
        },
        None => CheckoutValues {
            recipient: user.display_name.clone(),
            phone: user
                .phone
                .as_deref()
                .map(ketnoi_domain::contact::national)
                .unwrap_or_default(),
            ..CheckoutValues::default()
        },
    };
    let (page, _) = cart_page(
        &state,
        &ctx,
        user.id,
        form,
        &BTreeMap::new(),
        FieldErrors::default(),
        &BTreeMap::new(),
    )
    .await?;
    render(&page)
}

/// `POST /checkout`: the whole cart becomes orders (one per cooperative for goods, one per
/// booking for experiences), or nothing does and the cart shows why.
pub async fn checkout(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    ctx.require_csrf(&state, field("csrf"))?;
    let values = CheckoutValues {
        recipient: field("recipient").to_owned(),
        commune_code: field("commune_code").trim().to_owned(),
        street: field("street").to_owned(),
        phone: field("phone").to_owned(),
        note: field("note").to_owned(),
    };
    let lines = cart::lines(state.db.conn(), user.id).await?;
    if lines.is_empty() {
        return Ok(see_other("/cart"));
    }
    let hidden = hidden_lines(&state, user.id, &lines).await?;
    if !hidden.is_empty() {
        let mut e = FieldErrors::default();
        e.add("_form", Msg::new("trade-err-cart-verified-only"));
        return invalid_cart(&state, &ctx, user.id, values, &fields, e, &hidden).await;
    }
    let items = cart_items(&lines);
    let plan = order::plan(&items);
    let any_goods = plan.orders.iter().any(|o| o.kind == OrderKind::Goods);
    let mut e = FieldErrors::default();
    // A missing phone is asked for; a wrong one is called wrong.
    let phone = e
        .check(
            "phone",
            if values.phone.trim().is_empty() {
                Err(Msg::new("err-phone-required"))
            } else {
                ketnoi_domain::contact::Phone::parse(&values.phone)
                    .map_err(|_| Msg::new("err-phone-invalid"))
            },
        )
        .map(|p| p.as_str().to_owned());
    let note = e
        .check("note", text::optional_block(&values.note, 1000))
        .flatten();
    // Her own name needs no saying: only someone else's is kept.
    let recipient = e
        .check("recipient", text::optional_line(&values.recipient, 100))
        .flatten()
        .filter(|r| !text::same_name(r, &user.display_name));
    let (mut commune, mut street) = (None, None);
    if any_goods {
        commune = e.check(
            "commune_code",
            admin_units::commune(&values.commune_code)
                .map(|c| c.code.clone())
                .ok_or(Msg::new(if values.commune_code.trim().is_empty() {
                    "err-commune-required"
                } else {
                    "err-invalid-choice"
                })),
        );
        street = e.check("street", text::required_line(&values.street, 200));
    }
    // How each cooperative's goods are paid.
    let mut payment_of: BTreeMap<i64, PaymentMethod> = BTreeMap::new();
    for goods in plan.orders.iter().filter(|o| o.kind == OrderKind::Goods) {
        let key = format!("pay_{}", goods.org_id);
        let method =
            PaymentMethod::parse(field(&key)).filter(|m| state.payments.provider(*m).is_some());
        let method = match method {
            Some(PaymentMethod::VietQr)
                if !ketnoi_app::payments::offers_viet_qr(state.db.conn(), goods.org_id).await? =>
            {
                None
            }
            m => m,
        };
        let Some(method) = method else {
            e.add(&key, Msg::new("err-invalid-choice"));
            continue;
        };
        // The cooperative's goods total, as the store will price it; the way to pay must
        // take it (a card has a minimum and a maximum).
        let accepted = state
            .payments
            .provider(method)
            .map(|p| p.accepts(Vnd(goods.total)));
        match accepted {
            Some(Ok(())) => {
                payment_of.insert(goods.org_id, method);
            }
            _ => e.add(&key, Msg::new("err-payment-amount")),
        }
    }
    if !e.is_empty() {
        return invalid_cart(&state, &ctx, user.id, values, &fields, e, &BTreeMap::new()).await;
    }
    // One order per cooperative for goods; one per experience line (its own day).
    let order_lines: Vec<Vec<Line>> = plan
        .orders
        .iter()
        .map(|o| {
            o.lines
                .iter()
                .map(|l| Line::of(l.offer_id, l.quantity))
                .collect()
        })
        .collect();
    let orders_to_place: Vec<NewOrder<'_>> = plan
        .orders
        .iter()
        .zip(&order_lines)
        .map(|(o, lines)| {
            let goods = o.kind == OrderKind::Goods;
            let payment = match o.kind {
                OrderKind::Goods => payment_of
                    .get(&o.org_id)
                    .copied()
                    .unwrap_or(PaymentMethod::Cod),
                // Experiences are paid at the visit.
                OrderKind::Experience => PaymentMethod::Cod,
            };
            NewOrder {
                buyer_id: user.id,
                org_id: o.org_id,
                kind: o.kind,
                payment,
                lines,
                experience_date: o.experience_date,
                delivery_commune: commune.as_deref().filter(|_| goods),
                delivery_street: street.as_deref().filter(|_| goods),
                contact_phone: phone.as_deref(),
                buyer_note: note.as_deref(),
                recipient_name: recipient.as_deref().filter(|_| goods),
                quote_id: None,
            }
        })
        .collect();
    let url = &state.config.public_url;
    match ketnoi_app::orders::checkout(&state.db, url, user.id, &orders_to_place).await? {
        Ok(placed) => {
            let to = match placed.as_slice() {
                [one] => format!("/orders/{}", one.id),
                _ => "/orders?placed=1".into(),
            };
            Ok(see_other(&to))
        }
        Err(Unavailable::CartChanged)
            if cart::lines(state.db.conn(), user.id).await?.is_empty() =>
        {
            // The same checkout submitted twice: the first placed the orders.
            Ok(see_other("/orders"))
        }
        Err(why) => {
            let mut problems = BTreeMap::new();
            let (offer, msg) = match why {
                Unavailable::OutOfStock { listing_id } => {
                    let left = ketnoi_db::listings::find(state.db.conn(), listing_id)
                        .await?
                        .and_then(|l| l.stock)
                        .unwrap_or(0);
                    let offer = lines
                        .iter()
                        .find(|l| l.listing_id == listing_id)
                        .map(|l| l.offer_id);
                    (
                        offer,
                        Msg {
                            key: "err-only-left",
                            args: vec![("n", left.to_string())],
                        },
                    )
                }
                Unavailable::NotOrderable { offer_id } => {
                    (Some(offer_id), Msg::new("err-no-longer-offered"))
                }
                Unavailable::Terms { offer_id, refused } => (Some(offer_id), refused_msg(refused)),
                Unavailable::Full { offer_id, left } => (
                    Some(offer_id),
                    Msg {
                        key: "err-places-left",
                        args: vec![("n", left.to_string())],
                    },
                ),
                Unavailable::Empty | Unavailable::CartChanged => (None, Msg::new("err-cart-empty")),
            };
            for l in lines.iter().filter(|l| Some(l.offer_id) == offer) {
                problems.insert((l.offer_id, l.experience_date.clone()), msg.clone());
            }
            let mut e = FieldErrors::default();
            e.add("_form", Msg::new("err-cart-changed"));
            invalid_cart(&state, &ctx, user.id, values, &fields, e, &problems).await
        }
    }
}

async fn invalid_cart(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    values: CheckoutValues,
    fields: &BTreeMap<String, String>,
    e: FieldErrors,
    problems: &BTreeMap<(i64, String), Msg>,
) -> Result<Response, AppError> {
    let (page, _) = cart_page(state, ctx, user_id, values, fields, e, problems).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
