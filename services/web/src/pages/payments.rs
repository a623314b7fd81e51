//! Paying by card: the card page (Stripe.js confirms the order's PaymentIntent in the buyer's
//! browser) and card refunds. Stripe's and the bank's webhooks are in `crate::webhooks`, the
//! payout ledger in `pages::union::payouts`.

use super::CsrfForm;
use super::orders::order_for;
use super::{Layout, render, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use ketnoi_db::orders::Order;
use ketnoi_db::payments::{self, CardPayment};
use ketnoi_db::users::User;
use ketnoi_domain::Vnd;
use ketnoi_domain::order::{Actor, PaymentMethod, Status};
use ketnoi_payments::PaymentError;
use ketnoi_payments::stripe::Stripe;

pub(crate) fn stripe(state: &AppState) -> Result<&Stripe, AppError> {
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
        && order.payment == PaymentMethod::Stripe
        && order.status == Status::AwaitingPayment;
    Ok(ok.then_some(order))
}

/// `POST /orders/{id}/card`: the buyer starts paying by card: the order's PaymentIntent is
/// created (once; Stripe's idempotency key is the order's), then the card form.
pub async fn start_card(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CsrfForm>,
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
