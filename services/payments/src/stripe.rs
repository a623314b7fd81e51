//! International cards through Stripe (async-stripe), on the platform operator's account:
//! Stripe does not onboard Vietnamese merchants, so the operator collects and each
//! cooperative's share goes on a payout ledger, settled by bank transfer.
//!
//! Amounts are đồng: VND is a zero-decimal currency at Stripe (`amount: 150000` is 150,000 ₫).
//! Every create carries an idempotency key derived from the order, so a retry after a
//! timeout never charges or refunds twice. Responses are decoded into this module's own
//! types (the fields we use), which both Stripe and localstripe satisfy.
//!
//! Webhooks are checked with [`verify_signature`] (Stripe's scheme: `t=…,v1=HMAC-SHA256(secret,
//! "t.body")`, within a tolerance) before anything reads them.

use crate::PaymentError;
use ketnoi_domain::Vnd;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_core::payment_intent::{
    ConfirmPaymentIntent, CreatePaymentIntent, RetrievePaymentIntent, UpdatePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_payment::payment_method::{
    CreatePaymentMethod, CreatePaymentMethodCard, CreatePaymentMethodCardDetailsParams,
    CreatePaymentMethodType,
};
use stripe_types::Currency;

/// The smallest card payment taken: about US$0.50, Stripe's minimum charge.
pub const MIN_AMOUNT: Vnd = Vnd(13_000);
/// The largest amount Stripe accepts in one payment (eight digits).
pub const MAX_AMOUNT: Vnd = Vnd(99_999_999);
/// How old a webhook's signed timestamp may be (Stripe's libraries use 300 s).
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// What the platform needs to take cards. Secrets are never printed.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub publishable_key: String,
    /// Signs webhook deliveries (`whsec_…`).
    pub webhook_secret: String,
    /// The API's base URL, e.g. `https://api.stripe.com/` or a localstripe address.
    pub api_base: Option<String>,
    /// Where the buyer's browser loads Stripe.js from.
    pub js_url: String,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("publishable_key", &self.publishable_key)
            .field("webhook_secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("js_url", &self.js_url)
            .finish()
    }
}

/// A PaymentIntent, as far as we read it.
#[derive(Debug, Clone, Deserialize)]
pub struct Intent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub status: Option<String>,
    pub amount: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentMethodRef {
    pub id: String,
}

/// A webhook event, as far as we read it.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

impl Event {
    /// The PaymentIntent the event is about (`payment_intent.*` events).
    pub fn intent(&self) -> Option<Intent> {
        if self.data.object.get("object")?.as_str()? != "payment_intent" {
            return None;
        }
        serde_json::from_value(self.data.object.clone()).ok()
    }
}

/// Reads a verified webhook body.
pub fn parse_event(payload: &[u8]) -> Result<Event, PaymentError> {
    serde_json::from_slice(payload).map_err(|e| PaymentError::Malformed(e.to_string()))
}

/// Checks `Stripe-Signature` for `payload`: one of its `v1` signatures must be
/// HMAC-SHA256(secret, "t.payload") and `t` within `tolerance` seconds of `now`.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: i64,
    tolerance: i64,
) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let (mut t, mut v1s) = (None::<i64>, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => v1s.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > tolerance {
        return false;
    }
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    v1s.iter()
        .any(|c| hex::decode(c).is_ok_and(|sig| mac.clone().verify_slice(&sig).is_ok()))
}

/// A `Stripe-Signature` header for `payload` signed at `t` (what Stripe sends; for tests).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let sig = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .map(|mut mac| {
            mac.update(t.to_string().as_bytes());
            mac.update(b".");
            mac.update(payload);
            hex::encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    format!("t={t},v1={sig}")
}

/// The Stripe API for the platform's account.
pub struct Stripe {
    client: Client,
    config: StripeConfig,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("config", &self.config)
            .finish()
    }
}

fn stripe_error(e: stripe::StripeError) -> PaymentError {
    match e {
        stripe::StripeError::Stripe(api, status) => PaymentError::Refused(format!(
            "{status}: {}",
            api.message.as_deref().unwrap_or("refused")
        )),
        other => PaymentError::Unavailable(other.to_string()),
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, PaymentError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| PaymentError::Malformed(e.to_string()))
}

impl Stripe {
    pub fn new(config: StripeConfig) -> Result<Stripe, PaymentError> {
        // Both rustls providers are in the graph (see docs/architecture.md): name one for the
        // process before the first TLS client is built, unless the binary already did.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut builder = ClientBuilder::new(&config.secret_key);
        if let Some(base) = &config.api_base {
            builder = builder.url(base);
        }
        let client = builder.build().map_err(stripe_error)?;
        Ok(Stripe { client, config })
    }

    pub fn publishable_key(&self) -> &str {
        &self.config.publishable_key
    }

    pub fn js_url(&self) -> &str {
        &self.config.js_url
    }

    /// Checks a webhook delivery's signature at `now` (Unix seconds).
    pub fn verify(&self, payload: &[u8], header: &str, now: i64) -> bool {
        verify_signature(
            payload,
            header,
            &self.config.webhook_secret,
            now,
            SIGNATURE_TOLERANCE_SECS,
        )
    }

    async fn send_as<T: DeserializeOwned>(
        &self,
        req: &impl StripeRequest,
        strategy: Option<RequestStrategy>,
    ) -> Result<T, PaymentError> {
        let mut c = req.build().customize::<miniserde::json::Value>();
        if let Some(s) = strategy {
            c = c.request_strategy(s);
        }
        let value = c.send(&self.client).await.map_err(stripe_error)?;
        serde_json::from_str(&miniserde::json::to_string(&value))
            .map_err(|e| PaymentError::Malformed(e.to_string()))
    }

    /// The PaymentIntent for an order, in VND. Its idempotency key is the order's, so asking
    /// twice gives the same intent at Stripe.
    pub async fn create_intent(
        &self,
        order_id: i64,
        code: &str,
        amount: Vnd,
    ) -> Result<Intent, PaymentError> {
        crate::PaymentProvider::accepts(self, amount)?;
        let req = CreatePaymentIntent::new(amount.0, Currency::VND).metadata(HashMap::from([
            ("order_id".to_owned(), order_id.to_string()),
            ("order_code".to_owned(), code.to_owned()),
        ]));
        self.send_as(
            &req,
            Some(idempotent(&format!("ketnoi-order-{order_id}-intent"))?),
        )
        .await
    }

    pub async fn retrieve(&self, intent_id: &str) -> Result<Intent, PaymentError> {
        self.send_as(&RetrievePaymentIntent::new(intent_id), None)
            .await
    }

    /// Refunds the whole intent; the key makes a retried refund the same refund.
    pub async fn refund(&self, order_id: i64, intent_id: &str) -> Result<Refund, PaymentError> {
        let req = CreateRefund::new().payment_intent(intent_id);
        self.send_as(
            &req,
            Some(idempotent(&format!("ketnoi-order-{order_id}-refund"))?),
        )
        .await
    }

    /// What Stripe.js does in the buyer's browser with a test card: a card payment method
    /// put on the intent, then confirmed. Used by tests and the demo against localstripe.
    pub async fn pay_with_test_card(
        &self,
        intent_id: &str,
        number: &str,
    ) -> Result<Intent, PaymentError> {
        let mut card = CreatePaymentMethodCardDetailsParams::new(12, 2034, number);
        card.cvc = Some("123".to_owned());
        let req = CreatePaymentMethod::new()
            .type_(CreatePaymentMethodType::Card)
            .card(CreatePaymentMethodCard::CardDetailsParams(card));
        let pm: PaymentMethodRef = self.send_as(&req, None).await?;
        let _: Intent = self
            .send_as(
                &UpdatePaymentIntent::new(intent_id).payment_method(pm.id),
                None,
            )
            .await?;
        self.send_as(&ConfirmPaymentIntent::new(intent_id), None)
            .await
    }
}

impl crate::PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }
    fn accepts(&self, amount: Vnd) -> Result<(), PaymentError> {
        if amount < MIN_AMOUNT || amount > MAX_AMOUNT {
            Err(PaymentError::Refused(format!(
                "amount {amount} outside card limits"
            )))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_for_key_body_and_age() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(body, "whsec_test", 1_000);
        assert!(verify_signature(body, &header, "whsec_test", 1_010, 300));
        assert!(!verify_signature(body, &header, "whsec_other", 1_010, 300));
        assert!(!verify_signature(
            br#"{"id":"evt_2"}"#,
            &header,
            "whsec_test",
            1_010,
            300
        ));
        assert!(!verify_signature(body, &header, "whsec_test", 1_400, 300));
        assert!(!verify_signature(body, "v1=abc", "whsec_test", 1_000, 300));
        assert!(!verify_signature(
            body,
            "t=1000,v1=zz",
            "whsec_test",
            1_000,
            300
        ));
        // Several signatures (during a secret's rotation): one good one is enough.
        let both = format!("{header},v1=00ff");
        assert!(verify_signature(body, &both, "whsec_test", 1_000, 300));
    }

    #[test]
    fn events_are_read_for_their_intent() {
        let e = parse_event(
            br#"{"id":"evt_1","type":"payment_intent.succeeded","created":1,
                 "data":{"object":{"object":"payment_intent","id":"pi_1","status":"succeeded",
                 "amount":150000,"currency":"vnd","client_secret":null,"metadata":{"order_id":"7"}}}}"#,
        )
        .unwrap();
        let i = e.intent().unwrap();
        assert_eq!((i.id.as_str(), i.amount), ("pi_1", 150_000));
        assert_eq!(i.metadata.get("order_id").map(String::as_str), Some("7"));
        assert!(parse_event(b"{").is_err());
    }
}
