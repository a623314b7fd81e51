//! SMS through eSMS.vn's brandname gateway (`SendMultipleMessage_V4_post_json`), documented
//! at <https://developers.esms.vn/en/esms-api/send-sms-api/send-otp-customer-care-message>:
//! a JSON POST of `ApiKey`, `SecretKey`, `Phone`, `Content`, `Brandname`, `SmsType` ("2":
//! customer care), `IsUnicode`, `RequestId`, `CallbackUrl`, all strings; the answer's
//! `CodeResult` "100" means accepted (codes:
//! <https://developers.esms.vn/en/esms-api/table-of-error-codes>). Delivery reports come back
//! to `CallbackUrl` as an HTTP GET (<https://developers.esms.vn/en/esms-api/callback-url>)
//! carrying our `RequestId`, which is the outbox id signed with the secret key, so a report
//! nobody signed is refused.

use crate::{ChannelError, SendFuture, forms, phone_84};
use ketnoi_db::outbox::Message;

const PROVIDER: &str = "esms";

/// eSMS credentials and sender (the brandname is registered with eSMS beforehand).
#[derive(Clone)]
pub struct SmsConfig {
    /// The endpoint: `https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/`.
    pub url: String,
    pub api_key: String,
    pub secret_key: String,
    pub brandname: String,
    /// eSMS message type: "2" (customer care, needs a brandname) unless told otherwise.
    pub sms_type: String,
    /// Where eSMS reports deliveries (`<PUBLIC_URL>/webhooks/sms`); none: no reports.
    pub callback_url: Option<String>,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("brandname", &self.brandname)
            .finish_non_exhaustive()
    }
}

pub struct Sms {
    config: SmsConfig,
    http: reqwest::Client,
}

impl Sms {
    pub fn new(config: SmsConfig) -> Result<Sms, ChannelError> {
        Ok(Sms {
            config,
            http: crate::http_client()?,
        })
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Request<'a> {
    api_key: &'a str,
    secret_key: &'a str,
    phone: &'a str,
    content: &'a str,
    brandname: &'a str,
    sms_type: &'a str,
    is_unicode: &'a str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(rename = "CodeResult")]
    code_result: serde_json::Value,
    #[serde(rename = "ErrorMessage", default)]
    error_message: Option<String>,
}

impl crate::Channel for Sms {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let phone = phone_84(PROVIDER, &m.recipient)?;
            let content = forms::sms_text(m);
            let request_id = crate::callbacks::sms_request_id(&self.config.secret_key, m.id);
            let body = Request {
                api_key: &self.config.api_key,
                secret_key: &self.config.secret_key,
                phone: &phone,
                content: &content,
                brandname: &self.config.brandname,
                sms_type: &self.config.sms_type,
                is_unicode: if content.is_ascii() { "0" } else { "1" },
                request_id: &request_id,
                callback_url: self.config.callback_url.as_deref(),
            };
            let answer = self
                .http
                .post(&self.config.url)
                .json(&body)
                .send()
                .await
                .map_err(|e| crate::transport_error(PROVIDER, e))?;
            let answer: Answer = crate::read_answer(PROVIDER, answer).await?;
            let code = match &answer.code_result {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            classify(&code, answer.error_message.as_deref())
        })
    }
}

/// What eSMS's `CodeResult` means for the message.
fn classify(code: &str, message: Option<&str>) -> Result<(), ChannelError> {
    let detail = || {
        format!(
            "CodeResult {code}: {}",
            crate::cut_detail(message.unwrap_or("(no message)"))
        )
    };
    match code {
        // 124: this RequestId was accepted before (an earlier attempt's answer was lost).
        "100" | "124" => Ok(()),
        // Account-wide problems an operator fixes (keys, price list, balance, IP allow-list):
        // the outbox keeps the messages until then.
        "101" | "102" | "103" | "140" => Err(ChannelError::Transient {
            provider: PROVIDER,
            detail: detail(),
            retry_after: None,
        }),
        // The number is blocked, malformed, or on a network the brandname is not registered on.
        "99" | "108" | "177" => Err(ChannelError::Unreachable {
            provider: PROVIDER,
            detail: detail(),
        }),
        // 104 unknown brandname, 118 unsupported type, 146 text does not match a registered
        // customer-care template, and anything undocumented: a retry cannot change them.
        _ => Err(ChannelError::Permanent {
            provider: PROVIDER,
            detail: detail(),
        }),
    }
}
