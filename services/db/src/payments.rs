//! Card payments (one Stripe PaymentIntent per order), the webhook events Stripe sent (stored
//! before they are acted on; a replay finds its id taken), the payout ledger of what the
//! platform owes each cooperative for cards it collected, and bank notifications.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::role::Scope;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CardPayment {
    pub order_id: i64,
    pub intent_id: String,
    pub client_secret: String,
    pub amount: i64,
    pub status: String,
    pub refund_id: Option<String>,
}

pub async fn card_payment(conn: Conn<'_>, order_id: i64) -> Result<Option<CardPayment>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT order_id, intent_id, client_secret, amount, status, refund_id FROM card_payments \
         WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(e)
        .await)?)
}

pub async fn card_payment_by_intent(
    conn: Conn<'_>,
    intent_id: &str,
) -> Result<Option<CardPayment>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT order_id, intent_id, client_secret, amount, status, refund_id FROM card_payments \
         WHERE intent_id = $1")
        .bind(intent_id)
        .fetch_optional(e)
        .await)?)
}

/// Records the order's intent; an intent already recorded for the order wins (the same
/// idempotency key gives the same intent at Stripe anyway). Returns the recorded one.
pub async fn save_card_payment(conn: Conn<'_>, p: &CardPayment) -> Result<()> {
    let now = crate::now();
    on!(conn, e => sqlx::query(
        "INSERT INTO card_payments (order_id, intent_id, client_secret, amount, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (order_id) DO NOTHING")
        .bind(p.order_id)
        .bind(&p.intent_id)
        .bind(&p.client_secret)
        .bind(p.amount)
        .bind(&p.status)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates the intent's status as Stripe reported it; a succeeded payment is not set back by
/// an older event that arrives late.
pub async fn set_card_status(conn: Conn<'_>, intent_id: &str, status: &str) -> Result<()> {
    on!(conn, e => sqlx::query(
        "UPDATE card_payments SET status = $2, updated_at = $3 \
         WHERE intent_id = $1 AND (status <> 'succeeded' OR $2 = 'refunded')")
        .bind(intent_id)
        .bind(status)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_refund(conn: Conn<'_>, order_id: i64, refund_id: &str) -> Result<()> {
    on!(conn, e => sqlx::query(
        "UPDATE card_payments SET refund_id = $2, status = 'refunded', updated_at = $3 WHERE order_id = $1")
        .bind(order_id)
        .bind(refund_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a verified webhook event unless it is already stored. Returns whether this call
/// claimed it for processing: a new event, or one stored earlier whose processing failed.
pub async fn claim_event(
    conn: Conn<'_>,
    id: &str,
    kind: &str,
    intent_id: Option<&str>,
    payload: &str,
) -> Result<bool> {
    let now = crate::now();
    let inserted = on!(conn, e => sqlx::query(
        "INSERT INTO stripe_events (id, kind, intent_id, payload, received_at, processed_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(kind)
        .bind(intent_id)
        .bind(payload)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

/// Claims an event stored earlier whose processing failed (see [`release_event`]).
pub async fn reclaim_event(conn: Conn<'_>, id: &str) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE stripe_events SET processed_at = $2 WHERE id = $1 AND processed_at IS NULL")
        .bind(id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What came of an event.
pub async fn finish_event(conn: Conn<'_>, id: &str, outcome: &str) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE stripe_events SET outcome = $2 WHERE id = $1")
        .bind(id)
        .bind(outcome)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Acting on the event failed: the next delivery (Stripe retries) may claim it again.
pub async fn release_event(conn: Conn<'_>, id: &str) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE stripe_events SET processed_at = NULL WHERE id = $1")
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Events stored for an intent, oldest first: `(id, kind, outcome)`.
pub async fn events_of(
    conn: Conn<'_>,
    intent_id: &str,
) -> Result<Vec<(String, String, Option<String>)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, kind, outcome FROM stripe_events WHERE intent_id = $1 ORDER BY received_at, id")
        .bind(intent_id)
        .fetch_all(e)
        .await)?)
}

/// A line of the payout ledger.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LedgerLine {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub order_id: i64,
    pub order_code: Option<String>,
    pub kind: String,
    /// Đồng; negative for a refund.
    pub amount: i64,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// The ledger of the cooperatives within `scope`, unpaid lines first, newest first within
/// each.
pub async fn ledger(conn: Conn<'_>, scope: &Scope, limit: i64) -> Result<Vec<LedgerLine>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT p.id, p.org_id, g.name AS org_name, p.order_id, o.code AS order_code, p.kind, \
           p.amount, p.created_at, p.paid_at \
         FROM payout_ledger p JOIN organisations g ON g.id = p.org_id JOIN orders o ON o.id = p.order_id \
         WHERE ($2 IS NULL OR g.commune_code = $2) \
         ORDER BY CASE WHEN p.paid_at IS NULL THEN 0 ELSE 1 END, p.id DESC LIMIT $1")
        .bind(limit)
        .bind(scope.commune())
        .fetch_all(e)
        .await)?)
}

/// What the platform owes each cooperative within `scope` now: `(org_id, org name, đồng)`,
/// unpaid lines summed (a refund before payout cancels its sale).
pub async fn owed(conn: Conn<'_>, scope: &Scope) -> Result<Vec<(i64, String, i64)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT p.org_id, g.name, CAST(SUM(p.amount) AS BIGINT) FROM payout_ledger p \
         JOIN organisations g ON g.id = p.org_id WHERE p.paid_at IS NULL \
           AND ($1 IS NULL OR g.commune_code = $1) \
         GROUP BY p.org_id, g.name ORDER BY g.name")
        .bind(scope.commune())
        .fetch_all(e)
        .await)?)
}

/// Marks every unpaid line of the cooperative paid (one bank transfer settles them), by
/// `officer_id`. Returns how many lines.
pub async fn mark_paid(conn: Conn<'_>, org_id: i64, officer_id: i64) -> Result<u64> {
    Ok(on!(conn, e => sqlx::query(
        "UPDATE payout_ledger SET paid_at = $2, paid_by = $3 WHERE org_id = $1 AND paid_at IS NULL")
        .bind(org_id)
        .bind(crate::now())
        .bind(officer_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?)
}

/// Stores a bank notification unless its id is known; returns whether it is new.
pub async fn record_bank_notification(
    conn: Conn<'_>,
    id: &str,
    reference: &str,
    amount: i64,
    order_id: Option<i64>,
    outcome: &str,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO bank_notifications (id, reference, amount, order_id, outcome, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(reference)
        .bind(amount)
        .bind(order_id)
        .bind(outcome)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The order a transfer reference names (`KN000123` anywhere in it).
pub async fn order_by_reference(conn: Conn<'_>, reference: &str) -> Result<Option<i64>> {
    let Some(code) = order_code_in(reference) else {
        return Ok(None);
    };
    Ok(
        on!(conn, e => sqlx::query_scalar("SELECT id FROM orders WHERE code = $1")
        .bind(code)
        .fetch_optional(e)
        .await)?,
    )
}

/// The body of a stored webhook event, as it arrived.
pub async fn event_payload(conn: Conn<'_>, id: &str) -> Result<Option<String>> {
    Ok(
        on!(conn, e => sqlx::query_scalar("SELECT payload FROM stripe_events WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// The first order code (`KN` and six digits, not inside a longer number) in a transfer's
/// reference, as banks pass it on (often with their own words around it).
pub fn order_code_in(reference: &str) -> Option<String> {
    let upper = reference.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    upper.match_indices("KN").find_map(|(at, _)| {
        let digits = bytes.get(at + 2..at + 8)?;
        let after = bytes.get(at + 8);
        (digits.iter().all(u8::is_ascii_digit) && !after.is_some_and(u8::is_ascii_digit))
            .then(|| upper[at..at + 8].to_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_codes_are_found_in_bank_references() {
        use super::order_code_in;
        assert_eq!(
            order_code_in("KN000123 KETNOI").as_deref(),
            Some("KN000123")
        );
        assert_eq!(
            order_code_in("ck kn000123 ketnoi").as_deref(),
            Some("KN000123")
        );
        assert_eq!(order_code_in("BKNX KN000042").as_deref(), Some("KN000042"));
        assert_eq!(order_code_in("KN0001234"), None);
        assert_eq!(order_code_in("KN12"), None);
        assert_eq!(order_code_in("thanh toan"), None);
    }
}
