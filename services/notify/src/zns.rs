//! Zalo Notification Service (ZNS) template messages: `POST
//! https://business.openapi.zalo.me/message/template` with the Official Account's token in
//! the `access_token` header and a JSON body of `phone` (84…), `template_id`,
//! `template_data` ({parameter: value}, every parameter of the approved template) and
//! `tracking_id` (our outbox id, which Zalo's delivery event echoes). Zalo answers
//! `{"error": 0, "message": "Success", "data": {"msg_id": …}}`, or a negative `error` from
//! the table at <https://zalo.cloud/zns/guidelines/handle-error-code>, which
//! [`classify`] sorts into try-again, not-on-Zalo (SMS may carry it) and give-up.
//!
//! Templates are registered with Zalo, so their ids and parameters are configuration
//! ([`Templates`]); see docs/operations.md, "Phone channel".

use crate::{ChannelError, SendFuture, forms, phone_84};
use ketnoi_db::outbox::Message;
use std::collections::{BTreeMap, HashMap};

const PROVIDER: &str = "zns";

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("ZNS_TEMPLATES is not a JSON object of kind → template: {0}")]
    Json(#[from] serde_json::Error),
    #[error("ZNS_TEMPLATES file {0}: {1}")]
    File(String, std::io::Error),
    #[error("ZNS_TEMPLATES has no template for the message kind {0:?}")]
    Missing(String),
    #[error(
        "ZNS_TEMPLATES, kind {kind:?}, parameter {param:?}: unknown source {source_text:?} (subject, body, link, id, each with an optional :N limit, or =text; a |fallback after it)"
    )]
    Source {
        kind: String,
        param: String,
        source_text: String,
    },
    #[error("ZNS_TEMPLATES, kind {0:?}: a template needs a template_id and at least one parameter")]
    Empty(String),
}

/// Where a template parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Subject(Option<usize>),
    Body(Option<usize>),
    Link,
    Id,
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    name: String,
    source: Source,
    /// Used when the source gives nothing (a message without a link).
    fallback: Option<String>,
}

/// One approved template: its id and how each of its parameters is filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: String,
    params: Vec<Param>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    template_id: serde_json::Value,
    params: BTreeMap<String, String>,
}

/// The template of each message kind, from `ZNS_TEMPLATES`: a file path or inline JSON
/// `{"<kind>": {"template_id": "123456", "params": {"<name>": "<source>", …}}, …}` where a
/// source is `subject`, `body`, `link` (the body's first URL), `id` (the message id) or
/// `=<text>`, optionally limited to N characters (`body:120`, cut on a word boundary) and
/// followed by `|<text>` used when it is empty (`link|https://ketnoi.vn`).
#[derive(Debug, Clone, Default)]
pub struct Templates(HashMap<String, Template>);

impl Templates {
    /// Inline JSON (starts with `{`) or the path of a JSON file. Every kind the product sends
    /// ([`forms::PHONE_FORMS`]) must have a template.
    pub fn load(value: &str) -> Result<Templates, TemplateError> {
        let value = value.trim();
        if value.starts_with('{') {
            Templates::parse(value)
        } else {
            let text = std::fs::read_to_string(value)
                .map_err(|e| TemplateError::File(value.to_owned(), e))?;
            Templates::parse(&text)
        }
    }

    pub fn parse(json: &str) -> Result<Templates, TemplateError> {
        let specs: BTreeMap<String, Spec> = serde_json::from_str(json)?;
        let mut templates = HashMap::new();
        for (kind, spec) in specs {
            let id = match &spec.template_id {
                serde_json::Value::String(s) => s.trim().to_owned(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            if id.is_empty() || spec.params.is_empty() {
                return Err(TemplateError::Empty(kind));
            }
            let mut params = Vec::new();
            for (name, text) in spec.params {
                let (source, fallback) = match text.split_once('|') {
                    Some((s, f)) => (s, Some(f.to_owned())),
                    None => (text.as_str(), None),
                };
                let source = parse_source(source).ok_or_else(|| TemplateError::Source {
                    kind: kind.clone(),
                    param: name.clone(),
                    source_text: text.clone(),
                })?;
                params.push(Param {
                    name,
                    source,
                    fallback,
                });
            }
            templates.insert(kind, Template { id, params });
        }
        for kind in forms::kinds() {
            if !templates.contains_key(kind) {
                return Err(TemplateError::Missing(kind.to_owned()));
            }
        }
        Ok(Templates(templates))
    }

    pub fn get(&self, kind: &str) -> Option<&Template> {
        self.0.get(kind)
    }

    /// The template id and `template_data` of a message.
    pub fn fill(&self, m: &Message) -> Option<(&str, BTreeMap<String, String>)> {
        let t = self.0.get(&m.kind)?;
        let data = t
            .params
            .iter()
            .map(|p| {
                let value = match &p.source {
                    Source::Subject(n) => limit(&forms::one_line(&m.subject), *n),
                    Source::Body(n) => {
                        let body = match forms::first_link(&m.body) {
                            Some(l) if p_has_link(t) => m.body.replace(l, ""),
                            _ => m.body.clone(),
                        };
                        limit(&forms::one_line(&body), *n)
                    }
                    Source::Link => forms::first_link(&m.body).unwrap_or_default().to_owned(),
                    Source::Id => m.id.to_string(),
                    Source::Text(s) => s.clone(),
                };
                let value = match (&p.fallback, value.is_empty()) {
                    (Some(f), true) => f.clone(),
                    _ => value,
                };
                (p.name.clone(), value)
            })
            .collect();
        Some((t.id.as_str(), data))
    }
}

/// A template with a link parameter shows the link on its button: the body text need not.
fn p_has_link(t: &Template) -> bool {
    t.params.iter().any(|p| p.source == Source::Link)
}

fn limit(s: &str, n: Option<usize>) -> String {
    forms::cut(s, n.unwrap_or(forms::SMS_MAX_CHARS))
}

fn parse_source(s: &str) -> Option<Source> {
    if let Some(text) = s.strip_prefix('=') {
        return Some(Source::Text(text.to_owned()));
    }
    let (name, n) = match s.trim().split_once(':') {
        Some((name, n)) => (
            name,
            Some(n.trim().parse::<usize>().ok().filter(|n| *n > 0)?),
        ),
        None => (s.trim(), None),
    };
    match (name, n) {
        ("subject", n) => Some(Source::Subject(n)),
        ("body", n) => Some(Source::Body(n)),
        ("link", None) => Some(Source::Link),
        ("id", None) => Some(Source::Id),
        _ => None,
    }
}

/// The ZNS endpoint, token and templates.
#[derive(Clone)]
pub struct ZnsConfig {
    /// `https://business.openapi.zalo.me/message/template`.
    pub url: String,
    pub access_token: String,
    pub templates: Templates,
}

impl std::fmt::Debug for ZnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZnsConfig")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

pub struct Zns {
    config: ZnsConfig,
    http: reqwest::Client,
}

impl Zns {
    pub fn new(config: ZnsConfig) -> Result<Zns, ChannelError> {
        Ok(Zns {
            config,
            http: crate::http_client()?,
        })
    }
}

#[derive(serde::Serialize)]
struct Request<'a> {
    phone: &'a str,
    template_id: &'a str,
    template_data: BTreeMap<String, String>,
    tracking_id: String,
}

#[derive(serde::Deserialize)]
struct Answer {
    error: i64,
    #[serde(default)]
    message: Option<String>,
}

impl crate::Channel for Zns {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let phone = phone_84(PROVIDER, &m.recipient)?;
            let Some((template_id, template_data)) = self.config.templates.fill(m) else {
                return Err(ChannelError::Unreachable {
                    provider: PROVIDER,
                    detail: format!("no template for kind {}", m.kind),
                });
            };
            let body = Request {
                phone: &phone,
                template_id,
                template_data,
                tracking_id: m.id.to_string(),
            };
            let answer = self
                .http
                .post(&self.config.url)
                .header("access_token", &self.config.access_token)
                .json(&body)
                .send()
                .await
                .map_err(|e| crate::transport_error(PROVIDER, e))?;
            let answer: Answer = crate::read_answer(PROVIDER, answer).await?;
            classify(answer.error, answer.message.as_deref())
        })
    }
}

/// What a ZNS `error` code means for the message. Codes -100 to -112 are as the table at
/// <https://zalo.cloud/zns/guidelines/handle-error-code> lists them; the later ones follow the
/// same table's order (-114 user inactive or refusing, -115 out of quota, -118 no Zalo
/// account, -119 account cannot receive ZNS, -124 access token invalid, -133 outside the
/// allowed sending hours, -139 the user refused ZNS, -144 the OA's daily quota).
pub fn classify(error: i64, message: Option<&str>) -> Result<(), ChannelError> {
    let detail = || {
        format!(
            "error {error}: {}",
            crate::cut_detail(message.unwrap_or("(no message)"))
        )
    };
    match error {
        0 => Ok(()),
        // "Try again later", quota and token expiry: nothing is wrong with the message.
        -100 | -115 | -124 | -133 | -144 => Err(ChannelError::Transient {
            provider: PROVIDER,
            detail: detail(),
            retry_after: None,
        }),
        // The person is not on Zalo or does not take ZNS: an SMS may reach her.
        -110 | -114 | -118 | -119 | -139 => Err(ChannelError::Unreachable {
            provider: PROVIDER,
            detail: detail(),
        }),
        // -108 invalid phone, -109 invalid template id, -111/-112 template data empty or
        // rejected, -101…-107 the application itself, and anything undocumented.
        _ => Err(ChannelError::Permanent {
            provider: PROVIDER,
            detail: detail(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind(spec: &str) -> String {
        let entries: Vec<String> = forms::kinds().map(|k| format!("\"{k}\": {spec}")).collect();
        format!("{{{}}}", entries.join(","))
    }

    #[test]
    fn a_template_is_filled_from_the_message() {
        let t = Templates::parse(&every_kind(
            r#"{"template_id": 231245, "params": {"title": "subject:20", "content": "body:40", "link": "link|https://ketnoi.vn", "code": "id"}}"#,
        ))
        .expect("templates");
        let m = Message {
            id: 9,
            kind: "order".into(),
            recipient: "+84904555560".into(),
            locale: "vi".into(),
            subject: "Đơn hàng #9 đã được xác nhận".into(),
            body: "Hợp tác xã đã xác nhận đơn hàng của chị. Xem https://ketnoi.vn/orders/9 nhé."
                .into(),
            attempts: 0,
            created_at: chrono::Utc::now(),
            sent_at: None,
        };
        let (id, data) = t.fill(&m).expect("order template");
        assert_eq!(id, "231245");
        assert_eq!(data["title"], "Đơn hàng #9 đã được…");
        assert_eq!(data["link"], "https://ketnoi.vn/orders/9");
        assert_eq!(data["code"], "9");
        assert!(data["content"].chars().count() <= 40);
        assert!(!data["content"].contains("https://"));
        let no_link = Message {
            body: "Không có liên kết".into(),
            ..m
        };
        assert_eq!(
            t.fill(&no_link).expect("filled").1["link"],
            "https://ketnoi.vn"
        );
    }

    #[test]
    fn templates_missing_a_kind_or_with_an_unknown_source_are_refused() {
        assert!(matches!(
            Templates::parse(r#"{"order": {"template_id": "1", "params": {"t": "subject"}}}"#),
            Err(TemplateError::Missing(_))
        ));
        assert!(matches!(
            Templates::parse(&every_kind(
                r#"{"template_id": "1", "params": {"t": "sender"}}"#
            )),
            Err(TemplateError::Source { .. })
        ));
        assert!(matches!(
            Templates::parse(&every_kind(
                r#"{"template_id": "", "params": {"t": "subject"}}"#
            )),
            Err(TemplateError::Empty(_))
        ));
    }

    #[test]
    fn the_shipped_example_templates_cover_every_kind() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/zns-templates.example.json");
        Templates::load(path).expect("the example parses and covers every kind");
    }

    #[test]
    fn zns_codes_are_sorted_into_retry_fallback_and_give_up() {
        assert!(classify(0, None).is_ok());
        assert!(matches!(
            classify(-100, None),
            Err(ChannelError::Transient { .. })
        ));
        assert!(matches!(
            classify(-118, None),
            Err(ChannelError::Unreachable { .. })
        ));
        assert!(matches!(
            classify(-109, None),
            Err(ChannelError::Permanent { .. })
        ));
        assert!(matches!(
            classify(-9999, None),
            Err(ChannelError::Permanent { .. })
        ));
    }
}
