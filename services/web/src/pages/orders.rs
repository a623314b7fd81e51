//! Orders as both sides see them: the buyer's list, a cooperative's list, one order with its
//! lines, payment (the VietQR code to scan, or the card form) and timeline, and the steps
//! each side may take. Every step goes through the domain state machine, which also decides
//! which buttons a page shows.

use super::{Layout, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnoi_db::orders::{self, Listed, Order};
use ketnoi_db::users::User;
use ketnoi_domain::order::{self as rules, Actor, PaymentMethod, Status, Step};

use ketnoi_domain::time::{format_hanoi, format_hanoi_short};
use ketnoi_domain::{Vnd, text};
use ketnoi_payments::vietqr;
use serde::Deserialize;

/// The order and who the user is to it.
pub async fn order_for(state: &AppState, user: &User, id: i64) -> Result<(Order, Actor), AppError> {
    let order = orders::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = crate::policy::order_viewer(state, user, &order).await?;
    Ok((order, actor))
}

/// A row of an order list.
pub struct OrderRow {
    pub id: i64,
    pub code: String,
    pub party: String,
    pub status: String,
    pub status_key: String,
    pub total: String,
    pub placed: String,
    pub payment: String,
    /// What was ordered: the first line's title as ordered (in Vietnamese) ...
    pub first_item: String,
    /// ... and "+ 2 more" when there are more lines (empty otherwise).
    pub more_items: String,
}

fn row(ctx: &Ctx, l: &Listed, party: &str) -> OrderRow {
    let t = ctx.tr();
    OrderRow {
        id: l.order.id,
        code: l.order.code(),
        party: party.to_owned(),
        status: t.get(&format!("order-status-{}", l.order.status.as_str())),
        status_key: l.order.status.as_str().to_owned(),
        total: Vnd(l.order.total).to_string(),
        placed: format_hanoi_short(l.order.created_at),
        payment: t.get(&format!("payment-{}", l.order.payment.as_str())),
        first_item: l.first_item.clone(),
        more_items: if l.item_count > 1 {
            t.with("orders-more-items", "n", &(l.item_count - 1).to_string())
        } else {
            String::new()
        },
    }
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    rows: Vec<OrderRow>,
    placed: bool,
    seller: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub placed: String,
}

/// `GET /orders`: the buyer's orders.
pub async fn list_orders(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let rows = orders::of_buyer(state.db.conn(), user.id, 200).await?;
    render(&ListPage {
        layout: Layout::titled(&ctx, "orders-title"),
        heading: ctx.tr().get("orders-title"),
        rows: rows.iter().map(|l| row(&ctx, l, &l.org_name)).collect(),
        placed: q.placed == "1",
        seller: false,
    })
}

/// `GET /orgs/{slug}/orders`: the cooperative's orders.
pub async fn list_org_orders(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    let rows = orders::of_org(state.db.conn(), scope.org.id, 200).await?;
    let heading = ctx.tr().with("org-orders-title", "org", &scope.org.name);
    render(&ListPage {
        layout: Layout::new(&ctx, heading.clone()),
        heading,
        rows: rows.iter().map(|l| row(&ctx, l, &l.buyer_name)).collect(),
        placed: false,
        seller: true,
    })
}

pub struct ItemView {
    pub title: String,
    pub listing_id: i64,
    pub quantity: i64,
    pub unit: String,
    pub unit_price: String,
    pub total: String,
}

pub struct EventView {
    pub status: String,
    pub actor: String,
    pub at: String,
}

/// What the page shows to pay by transfer.
pub struct QrView {
    pub svg: String,
    /// The bank's short name and its legal name (in Vietnamese).
    pub bank: (String, String),
    pub account: String,
    pub account_name: String,
    pub amount: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    code: String,
    org_name: String,
    org_slug: String,
    buyer_name: String,
    /// The verified trade buyer she buys for: (its name, its tax code).
    buyer_business: Option<(String, String)>,
    status: String,
    status_key: String,
    payment: String,
    total: String,
    items: Vec<ItemView>,
    delivery: String,
    /// Whom the goods are for, when the buyer named someone else.
    recipient: String,
    phone: String,
    note: String,
    visit_date: String,
    timeline: Vec<EventView>,
    /// Steps this viewer may take now: `(step, label)`.
    actions: Vec<(String, String)>,
    qr: Option<QrView>,
    /// Pay by card (the buyer, when the order awaits a card payment).
    card: bool,
    is_buyer: bool,
    /// What happens next, said to whoever is looking (empty once nothing is waiting).
    next: String,
    errors: FieldErrors,
    /// The cooperative ships: for each traceable line, the lots it may ship from.
    ship_lots: Vec<ShipLine>,
    /// The lots the lines were shipped from: `(product, lot code, trace page)`.
    shipped: Vec<(String, String, String)>,
}

/// A traceable line the cooperative is about to ship, and the product's lots to pick from.
pub struct ShipLine {
    pub item_id: i64,
    pub title: String,
    pub lots: Vec<(i64, String)>,
}

/// Lots offered per line when shipping, at most (the newest).
const SHIP_LOT_CHOICES: i64 = 30;

async fn ship_lines(
    state: &AppState,
    order: &Order,
    items: &[orders::Item],
) -> Result<Vec<ShipLine>, AppError> {
    let mut out = Vec::new();
    for (item_id, listing_id) in
        ketnoi_db::trace::traceable_lines(state.db.conn(), order.id).await?
    {
        let lots: Vec<(i64, String)> =
            ketnoi_db::trace::lots_of_listing(state.db.conn(), listing_id, SHIP_LOT_CHOICES)
                .await?
                .into_iter()
                .filter(|l| !l.is_recalled())
                .map(|l| {
                    (
                        l.id,
                        format!("{} · {}", l.code, l.produced_on.format("%d/%m/%Y")),
                    )
                })
                .collect();
        if lots.is_empty() {
            continue;
        }
        let title = items
            .iter()
            .find(|i| i.listing_id == listing_id)
            .map(|i| i.title.clone())
            .unwrap_or_default();
        out.push(ShipLine {
            item_id,
            title,
            lots,
        });
    }
    Ok(out)
}

fn actor_label(ctx: &Ctx, actor: &str) -> String {
    ctx.tr().get(&format!("order-actor-{actor}"))
}

/// The reference a transfer for this order carries: its code, so the cooperative can match
/// the money to the order on her bank statement.
pub fn transfer_reference(order: &Order) -> String {
    vietqr::reference(&format!("{} Ketnoi", order.code()))
}

/// The VietQR payload of a transfer for the order, with the account it goes to and its
/// reference; `None` when the cooperative takes no transfers (or its account cannot be
/// encoded).
async fn qr_payload(
    state: &AppState,
    order: &Order,
) -> Result<Option<(String, ketnoi_db::orgs::BankAccount, String)>, AppError> {
    let Some(account) =
        ketnoi_app::payments::viet_qr_account(state.db.conn(), order.org_id).await?
    else {
        return Ok(None);
    };
    let reference = transfer_reference(order);
    let transfer = vietqr::Transfer {
        bin: &account.bin,
        account: &account.account,
        amount: order.total,
        reference: &reference,
    };
    Ok(vietqr::payload(&transfer)
        .ok()
        .map(|payload| (payload, account, reference)))
}

/// Whether the order page shows its VietQR code: a transfer it is waiting for.
fn shows_qr(order: &Order) -> bool {
    let f = order.facts();
    f.status == Status::AwaitingPayment && f.payment == PaymentMethod::VietQr
}

async fn qr_for(state: &AppState, order: &Order) -> Result<Option<QrView>, AppError> {
    let Some((payload, account, reference)) = qr_payload(state, order).await? else {
        return Ok(None);
    };
    let svg = vietqr::svg(&payload).map_err(|e| AppError::Internal(anyhow::anyhow!("qr: {e}")))?;
    Ok(Some(QrView {
        svg,
        bank: vietqr::bank(&account.bin)
            .map(|b| (b.short_name.clone(), b.name.clone()))
            .unwrap_or_default(),
        account: account.account,
        account_name: account.account_name,
        amount: Vnd(order.total).to_string(),
        reference,
    }))
}

/// What happens next with an order waiting on someone, in words for the person looking:
/// the buyer learns what the cooperative does and when she pays; the cooperative what to do.
/// `stand_in`: the cooperative has no one on Ketnoi, so the Union calls it (a waiting
/// order's buyer is told so, whatever the payment).
fn next_step(
    ctx: &Ctx,
    status: Status,
    payment: PaymentMethod,
    actor: Actor,
    stand_in: bool,
) -> String {
    if stand_in && actor == Actor::Buyer && matches!(status, Status::Placed | Status::Booked) {
        return ctx.tr().get("order-next-buyer-stand-in");
    }
    let who = match actor {
        Actor::Buyer => "buyer",
        Actor::Cooperative | Actor::Proxy => "seller",
        Actor::System => return String::new(),
    };
    let key = match (status, payment) {
        (Status::Placed | Status::Booked, PaymentMethod::VietQr) => "waiting-viet_qr",
        (Status::Placed | Status::Booked, PaymentMethod::Stripe) => "waiting-stripe",
        (Status::Placed | Status::Booked, PaymentMethod::Cod) => "waiting-cod",
        (Status::AwaitingPayment, _) => "awaiting-payment",
        _ => return String::new(),
    };
    ctx.tr().get(&format!("order-next-{who}-{key}"))
}

/// The order page, answered with `status` (409 after a refused step).
async fn order_page(
    state: &AppState,
    ctx: &Ctx,
    order: &Order,
    actor: Actor,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let f = order.facts();
    let org = ketnoi_db::orgs::find(state.db.conn(), order.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let buyer = ketnoi_db::users::find(state.db.conn(), order.buyer_id).await?;
    let buyer_business = ketnoi_db::trade_buyers::verified_org_of(state.db.conn(), order.buyer_id)
        .await?
        .map(|o| (o.name, o.profile.tax_code.unwrap_or_default()));
    let items = orders::items(state.db.conn(), order.id).await?;
    let timeline = orders::timeline(state.db.conn(), order.id).await?;
    let shipped = ketnoi_db::trace::shipped_on(state.db.conn(), order.id).await?;
    let shipped = {
        let mut v = Vec::new();
        for s in shipped {
            if let Some(lot) = ketnoi_db::trace::lot(state.db.conn(), s.lot_id).await? {
                v.push((
                    lot.title_vi.clone(),
                    lot.code.clone(),
                    crate::pages::trace::path_of(&lot),
                ));
            }
        }
        v
    };
    let mut actions = Vec::new();
    for step in Step::ALL {
        // Marking a card payment paid is Stripe's webhook's; refunding a card goes through
        // Stripe too, offered only when Stripe is configured.
        let offered = match (step, f.payment) {
            (Step::Refund, PaymentMethod::Stripe) => state.payments.stripe.is_some(),
            _ => true,
        };
        if offered && rules::next(f, step, actor).is_ok() {
            actions.push((
                step.as_str().to_owned(),
                t.get(&format!("order-step-{}", step.as_str())),
            ));
        }
    }
    let awaiting = f.status == Status::AwaitingPayment;
    let qr = if shows_qr(order) {
        qr_for(state, order).await?
    } else {
        None
    };
    let delivery = match (&order.delivery_street, &order.delivery_commune) {
        (Some(s), c) => {
            let commune = super::commune_name(c.as_deref());
            if commune.is_empty() {
                s.clone()
            } else {
                format!("{s}, {commune}")
            }
        }
        _ => String::new(),
    };
    let page = ShowPage {
        layout: Layout::new(ctx, t.with("order-title", "code", &order.code())),
        id: order.id,
        code: order.code(),
        org_name: org.name.clone(),
        org_slug: org.slug.clone(),
        buyer_name: buyer.map(|b| b.display_name).unwrap_or_default(),
        buyer_business,
        status: t.get(&format!("order-status-{}", order.status.as_str())),
        status_key: order.status.as_str().to_owned(),
        payment: t.get(&format!("payment-{}", order.payment.as_str())),
        total: Vnd(order.total).to_string(),
        items: items
            .iter()
            .map(|i| ItemView {
                title: i.title.clone(),
                listing_id: i.listing_id,
                quantity: i.quantity,
                unit: t.line_unit(i.offer_kind, &i.unit, i.quantity),
                unit_price: Vnd(i.unit_price).to_string(),
                total: Vnd(i.unit_price.saturating_mul(i.quantity)).to_string(),
            })
            .collect(),
        delivery,
        recipient: order.recipient_name.clone().unwrap_or_default(),
        phone: order
            .contact_phone
            .as_deref()
            .and_then(|p| ketnoi_domain::contact::Phone::parse(p).ok())
            .map(|p| p.national())
            .unwrap_or_default(),
        note: order.buyer_note.clone().unwrap_or_default(),
        visit_date: order
            .experience_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        timeline: timeline
            .iter()
            .map(|e| EventView {
                status: t.get(&format!("order-status-{}", e.status)),
                actor: actor_label(ctx, &e.actor),
                at: format_hanoi(e.at),
            })
            .collect(),
        actions,
        qr,
        card: awaiting
            && f.payment == PaymentMethod::Stripe
            && actor == Actor::Buyer
            && state.payments.stripe.is_some(),
        is_buyer: actor == Actor::Buyer,
        next: next_step(
            ctx,
            f.status,
            f.payment,
            actor,
            !ketnoi_db::orgs::has_managers(state.db.conn(), org.id).await?,
        ),
        errors,
        ship_lots: if rules::next(f, Step::Ship, actor).is_ok() {
            ship_lines(state, order, &items).await?
        } else {
            Vec::new()
        },
        shipped,
    };
    render_status(status, &page)
}

/// `GET /orders/{id}`: one order, for its buyer, its cooperative, or a proxy officer.
pub async fn show_order(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (order, actor) = order_for(&state, &user, id).await?;
    order_page(
        &state,
        &ctx,
        &order,
        actor,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `GET /orders/{id}/vietqr.png`: the order's VietQR code as an image to save (a phone
/// cannot scan its own screen; banking apps scan codes from the photo library). For the
/// order's buyer and cooperative, while the page shows the code.
pub async fn download_vietqr(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (order, _) = order_for(&state, &user, id).await?;
    if !shows_qr(&order) {
        return Err(AppError::NotFound);
    }
    let (payload, _, _) = qr_payload(&state, &order)
        .await?
        .ok_or(AppError::NotFound)?;
    let png = vietqr::png(&payload).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let file = format!("attachment; filename=\"vietqr-{}.png\"", order.code());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/png".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, file),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        png,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub csrf: String,
    pub step: String,
}

/// Takes a step with its e-mails, as `actor` (`user_id` is `None` for the system).
pub async fn take_step(
    state: &AppState,
    order: &Order,
    step: Step,
    actor: Actor,
    user_id: Option<i64>,
) -> Result<Result<Status, rules::Refused>, AppError> {
    let url = &state.config.public_url;
    Ok(ketnoi_app::orders::step(&state.db, url, order.id, step, actor, user_id).await?)
}

/// `POST /orders/{id}/steps`: confirm, mark paid, ship, deliver, complete, cancel, refund.
pub async fn step_order(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = StepForm {
        csrf: field("csrf"),
        step: field("step"),
    };
    ctx.require_csrf(&state, &form.csrf)?;
    let (order, actor) = order_for(&state, &user, id).await?;
    let Some(step) = Step::parse(&form.step) else {
        return Err(AppError::Validation(FieldErrors::single(
            "step",
            Msg::new("err-invalid-choice"),
        )));
    };
    let f = order.facts();
    if let Err(refused) = rules::next(f, step, actor) {
        return refused_page(&state, &ctx, &order, actor, refused).await;
    }
    if step == Step::Refund && f.payment == PaymentMethod::Stripe {
        // The money goes back through Stripe first; the order follows.
        crate::pages::payments::refund_card(&state, &order).await?;
    }
    // The lots each traceable line ships from (`lot_{item}`), checked against the line's
    // own product before the step is taken.
    let mut lots = Vec::new();
    if step == Step::Ship {
        let lines = ketnoi_db::trace::traceable_lines(state.db.conn(), order.id).await?;
        for (item, listing) in lines {
            let raw = field(&format!("lot_{item}"));
            if raw.trim().is_empty() {
                continue;
            }
            let lot = match raw.trim().parse::<i64>() {
                Ok(lot_id) => ketnoi_db::trace::lot(state.db.conn(), lot_id).await?,
                Err(_) => None,
            };
            match lot {
                Some(l) if l.listing_id == listing && !l.is_recalled() => lots.push((item, l.id)),
                _ => {
                    return Err(AppError::Validation(FieldErrors::single(
                        "_form",
                        Msg::new("err-invalid-choice"),
                    )));
                }
            }
        }
    }
    match take_step(&state, &order, step, actor, Some(user.id)).await? {
        Ok(_) => {
            if !lots.is_empty() {
                let ed = ketnoi_app::listings::Editor {
                    org_id: order.org_id,
                    actor_id: Some(user.id),
                    on_behalf_of: (actor == Actor::Proxy).then_some(order.org_id),
                };
                ketnoi_app::trace::ship_lots(&state.db, &ed, order.id, &lots).await?;
            }
            Ok(see_other(&format!("/orders/{id}")))
        }
        Err(refused) => refused_page(&state, &ctx, &order, actor, refused).await,
    }
}

async fn refused_page(
    state: &AppState,
    ctx: &Ctx,
    order: &Order,
    actor: Actor,
    refused: rules::Refused,
) -> Result<Response, AppError> {
    // Someone else may have moved the order meanwhile: show it as it is now.
    let current = orders::find(state.db.conn(), order.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = match refused {
        rules::Refused::NotNow => "err-order-step-not-now",
        rules::Refused::NotYours => "err-order-step-not-yours",
    };
    order_page(
        state,
        ctx,
        &current,
        actor,
        FieldErrors::single("_form", Msg::new(key)),
        StatusCode::CONFLICT,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InquiryForm {
    pub csrf: String,
    pub body: String,
}

/// `POST /orders/{id}/inquiry`: a question about the order, in its own thread with the
/// cooperative (opened on the first question, linked from the order page).
pub async fn ask_about_order(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<InquiryForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (order, actor) = order_for(&state, &user, id).await?;
    // The cooperative's side answers in the thread the buyer opened; only she opens one.
    if order.conversation_id.is_none() && actor != Actor::Buyer {
        return Err(AppError::NotFound);
    }
    let conversation = ketnoi_app::orders::conversation(
        &state.db,
        order.id,
        order.buyer_id,
        order.org_id,
        order.conversation_id,
        ctx.locale,
    )
    .await?;
    let body = text::optional_block(&form.body, 2000)
        .map_err(|e| AppError::Validation(FieldErrors::single("body", e)))?;
    if let Some(body) = body {
        crate::pages::messages::post_as(&state, conversation, user.id, &body).await?;
    }
    Ok(see_other(&format!("/conversations/{conversation}")))
}

#[derive(Template)]
#[template(path = "manage/bank.html")]
struct BankPage {
    layout: Layout,
    slug: String,
    banks: &'static [vietqr::Bank],
    bin: String,
    account: String,
    account_name: String,
    errors: FieldErrors,
    saved: bool,
}

/// `GET /orgs/{slug}/bank`: the account the cooperative's VietQR codes pay into.
pub async fn edit_bank(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let current = ketnoi_db::orgs::bank_account(state.db.conn(), scope.org.id).await?;
    let (bin, account, account_name) = current
        .map(|b| (b.bin, b.account, b.account_name))
        .unwrap_or_default();
    render(&BankPage {
        layout: Layout::titled(&ctx, "bank-title"),
        slug: scope.org.slug.clone(),
        banks: vietqr::banks(),
        bin,
        account,
        account_name,
        errors: FieldErrors::default(),
        saved: q.placed == "1",
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BankForm {
    pub csrf: String,
    pub bin: String,
    pub account: String,
    pub account_name: String,
}

/// `POST /orgs/{slug}/bank`: sets the account (or clears it, with every field empty).
pub async fn update_bank(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(f): Form<BankForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &f.csrf)?;
    let account: String = f.account.chars().filter(|c| !c.is_whitespace()).collect();
    let mut e = FieldErrors::default();
    let clearing = f.bin.trim().is_empty() && account.is_empty();
    if !clearing {
        if vietqr::bank(f.bin.trim()).is_none() {
            e.add("bin", Msg::new("err-invalid-choice"));
        }
        if account.is_empty()
            || account.len() > vietqr::MAX_ACCOUNT_CHARS
            || !account.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            e.add("account", Msg::new("err-bank-account"));
        }
    }
    let name = e
        .check("account_name", text::optional_line(&f.account_name, 100))
        .flatten()
        .unwrap_or_default();
    if !e.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &BankPage {
                layout: Layout::titled(&ctx, "bank-title"),
                slug: scope.org.slug.clone(),
                banks: vietqr::banks(),
                bin: f.bin,
                account,
                account_name: f.account_name,
                errors: e,
                saved: false,
            },
        );
    }
    let bank = (!clearing).then(|| ketnoi_db::orgs::BankAccount {
        bin: f.bin.trim().to_owned(),
        account,
        account_name: vietqr::reference(&name),
    });
    ketnoi_db::orgs::set_bank_account(state.db.conn(), scope.org.id, bank.as_ref()).await?;
    Ok(see_other(&format!(
        "/orgs/{}/bank?placed=1",
        scope.org.slug
    )))
}
