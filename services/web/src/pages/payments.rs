//! Money: the card page (Stripe.js confirms the order's PaymentIntent in the buyer's browser),
//! Stripe's webhook (verified, stored, then acted on: a replay or a late event changes
//! nothing), card refunds, the bank-notification endpoint for VietQR transfers, and the
//! payout ledger officers settle by bank transfer.

use super::orders::{order_for, take_step};
use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_db::orders::{self, Order};
use ketnoi_db::payments::{self, CardPayment};
use ketnoi_db::users::User;
use ketnoi_domain::Vnd;
use ketnoi_domain::order::{Actor, PaymentMethod, Status, Step};
use ketnoi_payments::PaymentError;
use ketnoi_payments::stripe::Stripe;
use serde::Deserialize;

fn stripe(state: &AppState) -> Result<&Stripe, AppError> {
    state.payments.stripe.as_ref().ok_or(AppError::NotFound)
}

fn payment_error(e: PaymentError) -> AppError {
    tracing::warn!(error = %e, "payment provider");
    match e {
        PaymentError::Refused(_) => AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("err-payment-refused"),
        )),
        PaymentError::Unavailable(_) | PaymentError::Malformed(_) => AppError::Unavailable,
    }
}

/// The order's PaymentIntent: the one recorded, or a new one (idempotent at Stripe).
async fn intent_for(state: &AppState, order: &Order) -> Result<CardPayment, AppError> {
    if let Some(p) = payments::card_payment(state.db.conn(), order.id).await? {
        return Ok(p);
    }
    let intent = stripe(state)?
        .create_intent(order.id, &order.code(), Vnd(order.total))
        .await
        .map_err(payment_error)?;
    let p = CardPayment {
        order_id: order.id,
        intent_id: intent.id,
        client_secret: intent.client_secret.unwrap_or_default(),
        amount: intent.amount,
        status: intent.status,
        refund_id: None,
    };
    payments::save_card_payment(state.db.conn(), &p).await?;
    payments::card_payment(state.db.conn(), order.id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "orders/card.html")]
struct CardPage {
    layout: Layout,
    id: i64,
    code: String,
    total: String,
    js_url: String,
    publishable_key: String,
    client_secret: String,
}

fn origin(url: &str) -> String {
    let rest = url.split_once("://");
    match rest {
        Some((scheme, r)) => {
            let host = r.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

/// The order, when its buyer may pay it by card now.
async fn payable(state: &AppState, user: &User, id: i64) -> Result<Option<Order>, AppError> {
    let (order, actor) = order_for(state, user, id).await?;
    let ok = actor == Actor::Buyer
        && order.payment() == Some(PaymentMethod::Stripe)
        && order.status() == Some(Status::AwaitingPayment);
    Ok(ok.then_some(order))
}

/// `POST /orders/{id}/card`: the buyer starts paying by card: the order's PaymentIntent is
/// created (once; Stripe's idempotency key is the order's), then the card form.
pub async fn start_card(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<PaidForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    stripe(&state)?;
    match payable(&state, &user, id).await? {
        Some(order) => {
            intent_for(&state, &order).await?;
            Ok(see_other(&format!("/orders/{id}/card")))
        }
        None => Ok(see_other(&format!("/orders/{id}"))),
    }
}

/// `GET /orders/{id}/card`: the card form for the order's PaymentIntent (made by
/// [`start_card`]; without one, back to the order).
pub async fn show_card(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let s = stripe(&state)?;
    let Some(order) = payable(&state, &user, id).await? else {
        return Ok(see_other(&format!("/orders/{id}")));
    };
    let Some(p) = payments::card_payment(state.db.conn(), order.id).await? else {
        return Ok(see_other(&format!("/orders/{id}")));
    };
    let page = CardPage {
        layout: Layout::new(&ctx, ctx.tr().with("order-title", "code", &order.code())),
        id,
        code: order.code(),
        total: Vnd(order.total).to_string(),
        js_url: s.js_url().to_owned(),
        publishable_key: s.publishable_key().to_owned(),
        client_secret: p.client_secret,
    };
    let mut response = render(&page)?;
    // Stripe.js runs here: its script, frames and API calls are allowed on this page only.
    let js = origin(s.js_url());
    let csp = format!(
        "default-src 'self'; script-src 'self' {js}; frame-src {js} https://hooks.stripe.com; \
         connect-src 'self' {js} https://api.stripe.com; img-src 'self' data: https://*.stripe.com; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Gives a card payment back through Stripe (before the order is marked refunded).
pub async fn refund_card(state: &AppState, order: &Order) -> Result<(), AppError> {
    let p = payments::card_payment(state.db.conn(), order.id)
        .await?
        .ok_or(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("err-payment-refused"),
        )))?;
    if p.refund_id.is_some() {
        return Ok(());
    }
    let refund = stripe(state)?
        .refund(order.id, &p.intent_id)
        .await
        .map_err(payment_error)?;
    payments::set_refund(state.db.conn(), order.id, &refund.id).await?;
    Ok(())
}

fn webhook_answer(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// `POST /webhooks/stripe`: Stripe's signed events. The signature is checked, the event stored
/// (its id is the key: a replay finds it and stops), then acted on through the order state
/// machine (a late or repeated event finds the order already moved and changes nothing).
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(s) = state.payments.stripe.as_ref() else {
        return Err(AppError::NotFound);
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !s.verify(&body, signature, chrono::Utc::now().timestamp()) {
        return Ok(webhook_answer(StatusCode::BAD_REQUEST, "bad signature"));
    }
    let Ok(event) = ketnoi_payments::stripe::parse_event(&body) else {
        return Ok(webhook_answer(StatusCode::BAD_REQUEST, "unreadable event"));
    };
    let intent = event.intent();
    let payload = String::from_utf8_lossy(&body);
    let claimed = payments::claim_event(
        state.db.conn(),
        &event.id,
        &event.kind,
        intent.as_ref().map(|i| i.id.as_str()),
        &payload,
    )
    .await?
        || payments::reclaim_event(state.db.conn(), &event.id).await?;
    if !claimed {
        return Ok(webhook_answer(StatusCode::OK, "already received"));
    }
    match act_on(&state, &event.kind, intent).await {
        Ok(outcome) => {
            payments::finish_event(state.db.conn(), &event.id, outcome).await?;
            Ok(webhook_answer(StatusCode::OK, "ok"))
        }
        Err(e) => {
            // Stripe delivers again later; the next delivery may claim the event.
            payments::release_event(state.db.conn(), &event.id).await?;
            Err(e)
        }
    }
}

async fn act_on(
    state: &AppState,
    kind: &str,
    intent: Option<ketnoi_payments::stripe::Intent>,
) -> Result<&'static str, AppError> {
    let Some(intent) = intent else {
        return Ok("ignored: not about a payment");
    };
    let Some(p) = payments::card_payment_by_intent(state.db.conn(), &intent.id).await? else {
        return Ok("ignored: unknown payment");
    };
    let Some(order) = orders::find(state.db.conn(), p.order_id).await? else {
        return Ok("ignored: unknown order");
    };
    match kind {
        "payment_intent.succeeded" => {
            if intent.amount != order.total {
                tracing::error!(
                    order = order.id,
                    paid = intent.amount,
                    total = order.total,
                    "card amount differs from the order"
                );
                return Ok("held: amount differs from the order");
            }
            payments::set_card_status(state.db.conn(), &intent.id, "succeeded").await?;
            match take_step(state, &order, Step::MarkPaid, Actor::System, None).await? {
                Ok(_) => Ok("paid"),
                Err(_) if order.status() == Some(Status::Cancelled) => {
                    // Paid after the order was cancelled: the money goes straight back.
                    refund_card(state, &order).await?;
                    Ok("refunded: the order was cancelled")
                }
                Err(_) => Ok("no change: already past payment"),
            }
        }
        "payment_intent.payment_failed" => {
            payments::set_card_status(state.db.conn(), &intent.id, "failed").await?;
            Ok("failed")
        }
        _ => Ok("ignored"),
    }
}

#[derive(Debug, Deserialize)]
pub struct BankNotification {
    /// The bank's id for the transaction (a repeat is recognised by it).
    pub id: String,
    pub reference: String,
    /// Đồng.
    pub amount: i64,
}

/// `POST /webhooks/bank`: a bank's notice of an incoming transfer, for when a bank
/// integration is added. Signed as `X-Ketnoi-Signature: hex(HMAC-SHA256(secret, body))`. A
/// transfer whose reference names an order awaiting a VietQR payment, for its whole amount,
/// marks it paid (as the system); anything else is stored for the cooperative to check.
pub async fn bank_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    use hmac::{Hmac, KeyInit, Mac};
    let Some(secret) = state.config.bank_webhook_secret.as_ref() else {
        return Err(AppError::NotFound);
    };
    let given = headers
        .get("x-ketnoi-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| hex::decode(v.trim()).ok())
        .unwrap_or_default();
    let verified = Hmac::<sha2::Sha256>::new_from_slice(secret.expose())
        .map(|mut mac| {
            mac.update(&body);
            mac.verify_slice(&given).is_ok()
        })
        .unwrap_or(false);
    if !verified {
        return Ok(webhook_answer(StatusCode::BAD_REQUEST, "bad signature"));
    }
    let Ok(n) = serde_json::from_slice::<BankNotification>(&body) else {
        return Ok(webhook_answer(
            StatusCode::BAD_REQUEST,
            "unreadable notification",
        ));
    };
    if n.id.is_empty() || n.id.len() > 100 || n.reference.len() > 200 {
        return Ok(webhook_answer(
            StatusCode::BAD_REQUEST,
            "unreadable notification",
        ));
    }
    let order_id = payments::order_by_reference(state.db.conn(), &n.reference).await?;
    let order = match order_id {
        Some(id) => orders::find(state.db.conn(), id).await?,
        None => None,
    };
    let matches = order.as_ref().is_some_and(|o| {
        o.payment() == Some(PaymentMethod::VietQr)
            && o.status() == Some(Status::AwaitingPayment)
            && o.total == n.amount
    });
    let outcome = if matches { "paid" } else { "unmatched" };
    if !payments::record_bank_notification(
        state.db.conn(),
        &n.id,
        &n.reference,
        n.amount,
        order_id,
        outcome,
    )
    .await?
    {
        return Ok(webhook_answer(StatusCode::OK, "already received"));
    }
    if let (true, Some(order)) = (matches, order) {
        let _ = take_step(&state, &order, Step::MarkPaid, Actor::System, None).await?;
    }
    Ok(webhook_answer(StatusCode::OK, "ok"))
}

pub struct OwedRow {
    pub org_id: i64,
    pub org_name: String,
    pub amount: String,
    /// Where to transfer it: bank, account number, holder (empty when the cooperative has
    /// not given an account yet).
    pub bank: String,
}

pub struct LedgerRow {
    pub org_name: String,
    pub order_id: i64,
    pub order_code: String,
    pub kind: String,
    pub amount: String,
    pub at: String,
    pub paid: String,
}

#[derive(Template)]
#[template(path = "union/payouts.html")]
struct PayoutsPage {
    layout: Layout,
    owed: Vec<OwedRow>,
    lines: Vec<LedgerRow>,
}

/// `GET /union/payouts`: what the platform owes each cooperative for card payments, and the
/// ledger behind it.
pub async fn show_payouts(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let scope = crate::policy::officer_scope(&user)?;
    let lines = payments::ledger(state.db.conn(), &scope, 500).await?;
    let mut owed = Vec::new();
    for (org_id, org_name, amount) in payments::owed(state.db.conn(), &scope).await? {
        let bank = ketnoi_db::orgs::bank_account(state.db.conn(), org_id)
            .await?
            .map(|b| {
                let bank = ketnoi_payments::vietqr::bank(&b.bin)
                    .map(|k| k.short_name.clone())
                    .unwrap_or(b.bin);
                format!("{bank} · {} · {}", b.account, b.account_name)
            })
            .unwrap_or_default();
        owed.push(OwedRow {
            org_id,
            org_name,
            amount: Vnd(amount).to_string(),
            bank,
        });
    }
    render(&PayoutsPage {
        layout: Layout::titled(&ctx, "payouts-title"),
        owed,
        lines: lines
            .into_iter()
            .map(|l| LedgerRow {
                org_name: l.org_name,
                order_id: l.order_id,
                order_code: l.order_code.unwrap_or_default(),
                kind: t.get(&format!("ledger-{}", l.kind)),
                amount: Vnd(l.amount).to_string(),
                at: ketnoi_domain::time::format_hanoi_short(l.created_at),
                paid: l
                    .paid_at
                    .map(ketnoi_domain::time::format_hanoi_short)
                    .unwrap_or_default(),
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaidForm {
    pub csrf: String,
}

/// `POST /union/payouts/{id}/paid`: the officer transferred what cooperative `{id}` was owed.
pub async fn mark_payout_paid(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(org_id): PathId,
    Form(form): Form<PaidForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let org = ketnoi_db::orgs::find(state.db.conn(), org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::policy::covers(&crate::policy::officer_scope(&user)?, &org) {
        return Err(AppError::NotFound);
    }
    payments::mark_paid(state.db.conn(), org_id, user.id).await?;
    Ok(see_other("/union/payouts"))
}
