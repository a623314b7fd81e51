//! Signed deliveries from outside services: Stripe's events (verified, stored, then acted on:
//! a replay or a late event changes nothing) and a bank's notices of VietQR transfers. They
//! are not pages: no session, no CSRF token (each sender signs its body), plain-text answers.

use crate::AppState;
use crate::error::AppError;
use crate::pages::orders::take_step;
use crate::pages::payments::refund_card;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_db::{orders, payments};
use ketnoi_domain::order::{Actor, PaymentMethod, Status, Step};
use serde::Deserialize;

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
                Err(_) if order.status == Status::Cancelled => {
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
        o.payment == PaymentMethod::VietQr
            && o.status == Status::AwaitingPayment
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
