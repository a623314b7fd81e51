//! Delivery reports from the phone providers, checked before they are believed.
//!
//! - eSMS reports to our `CallbackUrl` with an HTTP GET whose query carries `RequestId` and
//!   `SendStatus` (5 sent, 4 rejected; 1, 2, 7 still on the way):
//!   <https://developers.esms.vn/en/esms-api/callback-url>. eSMS signs nothing, so the
//!   `RequestId` we send is the outbox id with an HMAC-SHA256 tag keyed by our eSMS secret
//!   key: a report whose tag does not verify is refused.
//! - Zalo signs each Official Account webhook event with `X-ZEvent-Signature: mac=<hex>`, the
//!   SHA-256 of app id + raw body + the body's `timestamp` + the OA secret key (the OA's, not
//!   the application's). A ZNS message received on the phone is the event
//!   `user_received_message`, whose `message.tracking_id` is our outbox id.

use hmac::{KeyInit, Mac};
use ketnoi_db::outbox::Delivery;
use sha2::Digest;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No signature (or, for eSMS, no signed request id): 401.
    #[error("unsigned")]
    Unsigned,
    /// A signature that does not verify: 401.
    #[error("bad signature")]
    BadSignature,
    /// Signed, but not a report we can read: 400.
    #[error("malformed: {0}")]
    Malformed(&'static str),
}

/// Hex characters of the tag in an eSMS `RequestId` (80 bits).
const TAG_HEX: usize = 20;

fn sms_mac(secret: &str, id: i64) -> hmac::Hmac<sha2::Sha256> {
    // A key of any length is accepted by HMAC, so this cannot fail.
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("ketnoi-sms-request:{id}").as_bytes());
    mac
}

/// The `RequestId` of outbox message `id`: `<id>-<tag>`. The same for every attempt, so
/// eSMS recognises a repeat (code 124) instead of sending twice.
pub fn sms_request_id(secret: &str, id: i64) -> String {
    let tag = hex::encode(sms_mac(secret, id).finalize().into_bytes());
    format!("{id}-{}", &tag[..TAG_HEX])
}

/// The outbox id in a `RequestId` whose tag verifies.
pub fn verify_sms_request_id(secret: &str, request_id: &str) -> Result<i64, CallbackError> {
    let (id, tag) = request_id
        .split_once('-')
        .ok_or(CallbackError::BadSignature)?;
    let id: i64 = id.parse().map_err(|_| CallbackError::BadSignature)?;
    let tag = hex::decode(tag).map_err(|_| CallbackError::BadSignature)?;
    if tag.len() * 2 != TAG_HEX {
        return Err(CallbackError::BadSignature);
    }
    sms_mac(secret, id)
        .verify_truncated_left(&tag)
        .map_err(|_| CallbackError::BadSignature)?;
    Ok(id)
}

/// An eSMS report (the GET query's pairs): the message and what became of it, or `None`
/// while it is still on its way.
pub fn sms_report<'a>(
    secret: &str,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Option<(i64, Delivery)>, CallbackError> {
    let mut request_id = None;
    let mut status = None;
    for (k, v) in query {
        match k {
            "RequestId" => request_id = Some(v),
            "SendStatus" => status = Some(v),
            _ => {}
        }
    }
    let id = verify_sms_request_id(secret, request_id.ok_or(CallbackError::Unsigned)?)?;
    let status: i64 = status
        .ok_or(CallbackError::Malformed("SendStatus missing"))?
        .trim()
        .parse()
        .map_err(|_| CallbackError::Malformed("SendStatus is not a number"))?;
    Ok(match status {
        5 => Some((id, Delivery::Delivered)),
        4 => Some((id, Delivery::Failed)),
        _ => None,
    })
}

/// The keys the delivery reports are checked with; a provider without keys has its webhook
/// turned off (404).
#[derive(Clone, Default)]
pub struct Keys {
    /// eSMS's secret key, which signs our `RequestId`s.
    pub sms_secret_key: Option<String>,
    pub zalo: Option<ZaloKeys>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("sms", &self.sms_secret_key.is_some())
            .field("zalo", &self.zalo)
            .finish()
    }
}

/// The keys a ZNS webhook event is checked with.
#[derive(Clone)]
pub struct ZaloKeys {
    pub app_id: String,
    pub oa_secret_key: String,
}

impl std::fmt::Debug for ZaloKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloKeys")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// `X-ZEvent-Signature` of a body, as Zalo computes it (`mac=` and lowercase hex).
pub fn zalo_signature(keys: &ZaloKeys, body: &[u8], timestamp: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(keys.app_id.as_bytes());
    h.update(body);
    h.update(timestamp.as_bytes());
    h.update(keys.oa_secret_key.as_bytes());
    format!("mac={}", hex::encode(h.finalize()))
}

#[derive(serde::Deserialize)]
struct ZaloEvent {
    event_name: String,
    timestamp: serde_json::Value,
    #[serde(default)]
    message: Option<ZaloMessage>,
}

#[derive(serde::Deserialize)]
struct ZaloMessage {
    #[serde(default)]
    tracking_id: Option<serde_json::Value>,
}

fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A Zalo webhook event: verified, then the outbox message it reports delivered, if it is a
/// ZNS delivery of ours (other events are `None`).
pub fn zns_event(
    keys: &ZaloKeys,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Option<(i64, Delivery)>, CallbackError> {
    let signature = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(CallbackError::Unsigned)?;
    let event: ZaloEvent =
        serde_json::from_slice(body).map_err(|_| CallbackError::Malformed("not a Zalo event"))?;
    let timestamp =
        text_of(&event.timestamp).ok_or(CallbackError::Malformed("timestamp missing"))?;
    let expected = zalo_signature(keys, body, &timestamp);
    let given = signature.to_ascii_lowercase();
    let given = if given.starts_with("mac=") {
        given
    } else {
        format!("mac={given}")
    };
    if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(CallbackError::BadSignature);
    }
    if event.event_name != "user_received_message" {
        return Ok(None);
    }
    let tracking = event
        .message
        .and_then(|m| m.tracking_id)
        .as_ref()
        .and_then(text_of)
        .ok_or(CallbackError::Malformed("tracking_id missing"))?;
    let id: i64 = tracking
        .parse()
        .map_err(|_| CallbackError::Malformed("tracking_id is not ours"))?;
    Ok(Some((id, Delivery::Delivered)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sms_request_id_verifies_only_with_its_key_and_id() {
        let rid = sms_request_id("secret-one", 42);
        assert_eq!(verify_sms_request_id("secret-one", &rid), Ok(42));
        assert_eq!(
            verify_sms_request_id("secret-two", &rid),
            Err(CallbackError::BadSignature)
        );
        let forged = rid.replacen("42-", "43-", 1);
        assert_eq!(
            verify_sms_request_id("secret-one", &forged),
            Err(CallbackError::BadSignature)
        );
        assert_eq!(
            verify_sms_request_id("secret-one", "42"),
            Err(CallbackError::BadSignature)
        );
    }

    #[test]
    fn an_sms_report_says_delivered_failed_or_not_yet() {
        let rid = sms_request_id("k", 7);
        let report = |status: &'static str| {
            sms_report(
                "k",
                [
                    ("SMSID", "abc"),
                    ("RequestId", rid.as_str()),
                    ("SendStatus", status),
                ],
            )
        };
        assert_eq!(report("5"), Ok(Some((7, Delivery::Delivered))));
        assert_eq!(report("4"), Ok(Some((7, Delivery::Failed))));
        assert_eq!(report("7"), Ok(None));
        assert!(matches!(report("x"), Err(CallbackError::Malformed(_))));
        assert_eq!(
            sms_report("k", [("SendStatus", "5")]),
            Err(CallbackError::Unsigned)
        );
    }

    #[test]
    fn a_zalo_event_is_believed_only_with_its_signature() {
        let keys = ZaloKeys {
            app_id: "1234".into(),
            oa_secret_key: "oa-secret".into(),
        };
        let body = br#"{"event_name":"user_received_message","app_id":"1234","timestamp":"1733550000000","message":{"msg_id":"m1","tracking_id":"15","delivery_time":"1733550000000"}}"#;
        let sig = zalo_signature(&keys, body, "1733550000000");
        assert_eq!(
            zns_event(&keys, Some(&sig), body),
            Ok(Some((15, Delivery::Delivered)))
        );
        assert_eq!(zns_event(&keys, None, body), Err(CallbackError::Unsigned));
        let other = ZaloKeys {
            oa_secret_key: "other".into(),
            ..keys.clone()
        };
        assert_eq!(
            zns_event(
                &keys,
                Some(&zalo_signature(&other, body, "1733550000000")),
                body
            ),
            Err(CallbackError::BadSignature)
        );
        assert!(matches!(
            zns_event(&keys, Some(&sig), b"not json"),
            Err(CallbackError::Malformed(_))
        ));
    }
}
