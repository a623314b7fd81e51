//! Signed deliveries from outside services: Stripe's events (verified, stored, then acted on:
//! a replay or a late event changes nothing), a bank's notices of VietQR transfers, and the
//! phone providers' delivery reports (Zalo ZNS, eSMS). They are not pages: no session, no
//! CSRF token (each sender signs its body), plain-text answers.

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

/// An unverifiable or unreadable delivery report: 401 unsigned or badly signed, 400 signed
/// but unreadable, so the provider's retries stop for a report that can never be accepted.
fn callback_refusal(e: ketnoi_notify::callbacks::CallbackError) -> Response {
    use ketnoi_notify::callbacks::CallbackError;
    match e {
        CallbackError::Unsigned => webhook_answer(StatusCode::UNAUTHORIZED, "unsigned"),
        CallbackError::BadSignature => webhook_answer(StatusCode::UNAUTHORIZED, "bad signature"),
        CallbackError::Malformed(_) => webhook_answer(StatusCode::BAD_REQUEST, "unreadable report"),
    }
}

/// `POST /webhooks/zns`: Zalo's Official Account events, signed with `X-ZEvent-Signature`;
/// a ZNS message received on the phone (`user_received_message`) marks its outbox message
/// delivered. Other events are acknowledged and ignored.
pub async fn zns_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(keys) = state.config.phone_callbacks.zalo.as_ref() else {
        return Err(AppError::NotFound);
    };
    let signature = headers
        .get("x-zevent-signature")
        .and_then(|v| v.to_str().ok());
    match ketnoi_notify::callbacks::zns_event(keys, signature, &body) {
        Ok(Some((id, delivery))) => {
            ketnoi_db::outbox::record_delivery(state.db.conn(), id, delivery, ketnoi_db::now())
                .await?;
            Ok(webhook_answer(StatusCode::OK, "ok"))
        }
        Ok(None) => Ok(webhook_answer(StatusCode::OK, "ignored")),
        Err(e) => Ok(callback_refusal(e)),
    }
}

/// `GET /webhooks/sms`: eSMS's delivery reports, a query string with our signed `RequestId`
/// and `SendStatus` (eSMS calls back with GET). Reports of messages still on their way are
/// acknowledged and change nothing.
pub async fn sms_webhook(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let Some(secret) = state.config.phone_callbacks.sms_secret_key.as_deref() else {
        return Err(AppError::NotFound);
    };
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let report = ketnoi_notify::callbacks::sms_report(
        secret,
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    match report {
        Ok(Some((id, delivery))) => {
            ketnoi_db::outbox::record_delivery(state.db.conn(), id, delivery, ketnoi_db::now())
                .await?;
            Ok(webhook_answer(StatusCode::OK, "ok"))
        }
        Ok(None) => Ok(webhook_answer(StatusCode::OK, "pending")),
        Err(e) => Ok(callback_refusal(e)),
    }
}
