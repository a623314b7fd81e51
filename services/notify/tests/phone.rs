//! The phone channel against local stand-ins of eSMS and Zalo ZNS that check every request
//! against the providers' documented formats (method, path, headers, fields and their types,
//! 84… numbers, at most 400 characters, known templates with every parameter) and answer as
//! the providers do, scripted per test: success, an invalid template, rate limits, a provider
//! down for ten minutes; and each way a person may choose to be reached (Zalo first, SMS
//! only, no phone notices), and the product's own jobs queueing a phone-only member's digest,
//! order notice and referral update. Each test runs on SQLite and on PostgreSQL with a fresh database
//! and its own servers on port 0; time is moved forward, never waited for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::users::NewUser;
use ketnoi_db::{Db, now};
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;
use ketnoi_notify::sms::{Sms, SmsConfig};
use ketnoi_notify::zns::{Templates, Zns, ZnsConfig};
use ketnoi_notify::{Channels, Mailbox, Phone, PhoneChannel, callbacks, deliver_due_at};
use ketnoi_test_support::{TempPostgres, TempSqlite};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

const ESMS_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";
const ZNS_PATH: &str = "/message/template";
const API_KEY: &str = "esms-api-key";
const SECRET_KEY: &str = "esms-secret-key";
const TOKEN: &str = "zalo-oa-access-token";
const PHONE: &str = "+84904555560";

/// What a stand-in answers next; `Accept` once the script runs out.
#[derive(Debug, Clone)]
enum Reply {
    Accept,
    /// An HTTP status with an optional `Retry-After` (seconds).
    Http(u16, Option<u64>),
    /// eSMS `CodeResult` or ZNS `error`.
    Code(&'static str),
}

#[derive(Default)]
struct Fake {
    script: Mutex<VecDeque<Reply>>,
    /// While set, every request is answered 503 (the provider is down).
    down: Mutex<bool>,
    /// Requests received (well-formed or not).
    received: Mutex<usize>,
    /// Requests accepted for delivery, once each (a repeated eSMS RequestId is not counted).
    delivered: Mutex<Vec<Value>>,
    violations: Mutex<Vec<String>>,
    request_ids: Mutex<HashSet<String>>,
}

impl Fake {
    fn script(&self, replies: &[Reply]) {
        self.script.lock().unwrap().extend(replies.iter().cloned());
    }
    fn next(&self) -> Reply {
        if *self.down.lock().unwrap() {
            return Reply::Http(503, None);
        }
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Reply::Accept)
    }
    fn violation(&self, v: String) -> Response {
        self.violations.lock().unwrap().push(v.clone());
        (StatusCode::BAD_REQUEST, v).into_response()
    }
    fn received(&self) -> usize {
        *self.received.lock().unwrap()
    }
    fn delivered(&self) -> Vec<Value> {
        self.delivered.lock().unwrap().clone()
    }
    fn assert_no_violations(&self) {
        let v = self.violations.lock().unwrap();
        assert!(v.is_empty(), "requests not in the documented format: {v:?}");
    }
}

fn http_reply(status: u16, retry_after: Option<u64>) -> Response {
    let mut r = (StatusCode::from_u16(status).unwrap(), "unavailable").into_response();
    if let Some(s) = retry_after {
        r.headers_mut().insert(
            "retry-after",
            HeaderValue::from_str(&s.to_string()).unwrap(),
        );
    }
    r
}

fn is_84(phone: &str) -> bool {
    phone.len() == 11
        && phone.starts_with("84")
        && matches!(phone.as_bytes()[2], b'3' | b'5' | b'7' | b'8' | b'9')
        && phone.chars().all(|c| c.is_ascii_digit())
}

fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !ct.starts_with("application/json") {
        return Err(format!("content-type {ct:?}, not application/json"));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err("body is not a JSON object".into()),
    }
}

/// eSMS `SendMultipleMessage_V4_post_json`: every field a string, as documented.
async fn esms(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *fake.received.lock().unwrap() += 1;
    if method != Method::POST || uri.path() != ESMS_PATH {
        return fake.violation(format!("{method} {}", uri.path()));
    }
    let o = match json_body(&headers, &body) {
        Ok(o) => o,
        Err(e) => return fake.violation(e),
    };
    let field = |name: &str| o.get(name).and_then(Value::as_str).map(str::to_owned);
    for name in [
        "ApiKey",
        "SecretKey",
        "Phone",
        "Content",
        "Brandname",
        "SmsType",
        "IsUnicode",
        "RequestId",
    ] {
        if field(name).is_none_or(|v| v.is_empty()) {
            return fake.violation(format!("{name} missing or not a non-empty string"));
        }
    }
    if let Some(v) = o.get("CallbackUrl")
        && !v.as_str().is_some_and(|u| u.starts_with("http"))
    {
        return fake.violation("CallbackUrl is not a URL string".into());
    }
    let phone = field("Phone").unwrap();
    let content = field("Content").unwrap();
    let unicode = field("IsUnicode").unwrap();
    let checks = [
        (field("ApiKey").unwrap() == API_KEY, "ApiKey"),
        (field("SecretKey").unwrap() == SECRET_KEY, "SecretKey"),
        (is_84(&phone), "Phone not in 84… form"),
        (
            content.chars().count() <= 400,
            "Content over 400 characters",
        ),
        (field("SmsType").unwrap() == "2", "SmsType"),
        (
            unicode == "1" || (unicode == "0" && content.is_ascii()),
            "IsUnicode 0 with Vietnamese text",
        ),
    ];
    if let Some((_, what)) = checks.iter().find(|(ok, _)| !ok) {
        return fake.violation((*what).to_owned());
    }
    let request_id = field("RequestId").unwrap();
    let code = match fake.next() {
        Reply::Http(status, retry) => return http_reply(status, retry),
        Reply::Code(code) => code,
        Reply::Accept => {
            if fake.request_ids.lock().unwrap().insert(request_id) {
                fake.delivered.lock().unwrap().push(Value::Object(o));
                "100"
            } else {
                "124"
            }
        }
    };
    axum::Json(json!({"CodeResult": code, "CountRegenerate": 0, "SMSID": "d533459ee42b2b95"}))
        .into_response()
}

/// The parameters of the templates registered with the stand-in Zalo.
fn zns_templates() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("100004", &["title", "content", "link"][..]),
        ("100005", &["title", "content", "link"][..]),
        ("100006", &["title", "content", "link"][..]),
        ("100001", &["title", "link"][..]),
    ])
}

/// ZNS `POST /message/template` with the `access_token` header.
async fn zns(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *fake.received.lock().unwrap() += 1;
    if method != Method::POST || uri.path() != ZNS_PATH {
        return fake.violation(format!("{method} {}", uri.path()));
    }
    if headers.get("access_token").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
        return fake.violation("access_token header missing or wrong".into());
    }
    let o = match json_body(&headers, &body) {
        Ok(o) => o,
        Err(e) => return fake.violation(e),
    };
    let Some(phone) = o.get("phone").and_then(Value::as_str) else {
        return fake.violation("phone is not a string".into());
    };
    if !is_84(phone) {
        return fake.violation(format!("phone not in 84… form ({} digits)", phone.len()));
    }
    let Some(template_id) = o.get("template_id").and_then(Value::as_str) else {
        return fake.violation("template_id is not a string".into());
    };
    if !o
        .get("tracking_id")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty() && t.len() <= 48)
    {
        return fake.violation("tracking_id is not a string of 1 to 48 characters".into());
    }
    let Some(data) = o.get("template_data").and_then(Value::as_object) else {
        return fake.violation("template_data is not an object".into());
    };
    let reply = fake.next();
    let templates = zns_templates();
    let Some(params) = templates.get(template_id) else {
        // An unknown template is Zalo's -109, as the script may also say.
        return axum::Json(json!({"error": -109, "message": "Template ID invalid"}))
            .into_response();
    };
    let given: BTreeMap<&str, &Value> = data.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let names: Vec<&str> = given.keys().copied().collect();
    let mut wanted = params.to_vec();
    wanted.sort_unstable();
    if names != wanted {
        return fake.violation(format!(
            "template_data {names:?}, template wants {wanted:?}"
        ));
    }
    if let Some((k, _)) = given.iter().find(|(_, v)| {
        !v.as_str()
            .is_some_and(|s| !s.is_empty() && s.chars().count() <= 400)
    }) {
        return fake.violation(format!(
            "parameter {k} is not a string of 1 to 400 characters"
        ));
    }
    match reply {
        Reply::Http(status, retry) => http_reply(status, retry),
        Reply::Code(code) => {
            axum::Json(json!({"error": code.parse::<i64>().unwrap(), "message": "scripted"}))
                .into_response()
        }
        Reply::Accept => {
            fake.delivered.lock().unwrap().push(Value::Object(o));
            axum::Json(json!({
                "error": 0,
                "message": "Success",
                "data": {"msg_id": "a1b2c3", "sent_time": "1733550000000",
                         "quota": {"dailyQuota": "500", "remainingQuota": "499"}}
            }))
            .into_response()
        }
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

async fn esms_server() -> (Arc<Fake>, SmsConfig) {
    let fake = Arc::new(Fake::default());
    let addr = serve(Router::new().fallback(esms).with_state(fake.clone())).await;
    let config = SmsConfig {
        url: format!("http://{addr}{ESMS_PATH}"),
        api_key: API_KEY.into(),
        secret_key: SECRET_KEY.into(),
        brandname: "KETNOI".into(),
        sms_type: "2".into(),
        callback_url: Some("https://ketnoi.example/webhooks/sms".into()),
    };
    (fake, config)
}

/// Every kind on a template the stand-in knows; `order` on `order_template`.
fn templates(order_template: &str) -> Templates {
    let mut specs = serde_json::Map::new();
    for kind in ketnoi_notify::forms::kinds() {
        let (id, params) = match kind {
            "signup_confirm" | "password_reset" => {
                ("100001", json!({"title": "subject:100", "link": "link"}))
            }
            "order" => (
                order_template,
                json!({"title": "subject:100", "content": "body:200", "link": "link|https://ketnoi.example/orders"}),
            ),
            "digest" => (
                "100004",
                json!({"title": "subject:100", "content": "body:200", "link": "link|https://ketnoi.example/messages"}),
            ),
            _ => (
                "100006",
                json!({"title": "subject:100", "content": "body:200", "link": "link|https://ketnoi.example"}),
            ),
        };
        specs.insert(kind.into(), json!({"template_id": id, "params": params}));
    }
    Templates::parse(&Value::Object(specs).to_string()).unwrap()
}

async fn zns_server(order_template: &str) -> (Arc<Fake>, ZnsConfig) {
    let fake = Arc::new(Fake::default());
    let addr = serve(Router::new().fallback(zns).with_state(fake.clone())).await;
    let config = ZnsConfig {
        url: format!("http://{addr}{ZNS_PATH}"),
        access_token: TOKEN.into(),
        templates: templates(order_template),
    };
    (fake, config)
}

fn channels(zns: Option<ZnsConfig>, sms: Option<SmsConfig>, mail: &std::path::Path) -> Channels {
    Channels {
        email: Arc::new(Mailbox(mail.to_path_buf())),
        phone: Arc::new(Phone {
            zns: zns.map(|c| Zns::new(c).unwrap()),
            sms: sms.map(|c| Sms::new(c).unwrap()),
        }),
    }
}

async fn enqueue(db: &Db, kind: &str, subject: &str, body: &str) -> i64 {
    outbox::enqueue(
        db.conn(),
        &NewMessage {
            kind,
            recipient: PHONE,
            locale: "vi",
            subject,
            body,
        },
    )
    .await
    .unwrap()
}

async fn admin(db: &Db, email: &str) {
    ketnoi_db::users::insert(
        db.conn(),
        &NewUser {
            email: Some(email),
            phone: None,
            display_name: "Quản trị viên",
            password_hash: "$argon2id$fake",
            locale: Locale::Vi,
            role: PlatformRole::Admin,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap();
}

async fn standing(db: &Db, id: i64) -> outbox::Standing {
    outbox::standing(db.conn(), id).await.unwrap().unwrap()
}

const ORDER_BODY: &str = "Chào chị Lan,\n\nHợp tác xã Chè Tân Cương đã xác nhận đơn hàng #42 của chị: 2 hộp chè móc câu, 1 túi chè búp. Hàng sẽ được giao trong 3 ngày. Xem chi tiết và theo dõi đơn tại https://ketnoi.example/orders/42 nhé.\n\nNếu chị cần đổi địa chỉ giao hàng, hãy nhắn cho hợp tác xã qua trang đơn hàng. Hợp tác xã sẽ gọi điện cho chị trước khi giao. Cảm ơn chị đã ủng hộ sản phẩm của phụ nữ Thái Nguyên và Hà Nội. Chúc chị một ngày tốt lành!";

async fn an_order_notice_reaches_a_phone_by_sms_in_84_form_within_400_characters(db: &Db) {
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(None, Some(sms), mail.path());
    let id = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    esms.assert_no_violations();
    let sent = esms.delivered();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["Phone"], "84904555560");
    let content = sent[0]["Content"].as_str().unwrap();
    assert!(
        content.chars().count() <= 400 && content.contains('…'),
        "{content}"
    );
    assert!(
        content.ends_with("https://ketnoi.example/orders/42"),
        "{content}"
    );
    assert_eq!(sent[0]["IsUnicode"], "1");
    let request_id = sent[0]["RequestId"].as_str().unwrap();
    assert_eq!(
        callbacks::verify_sms_request_id(SECRET_KEY, request_id),
        Ok(id)
    );
    assert!(standing(db, id).await.sent_at.is_some());
    // The delivery report eSMS sends back is recorded on the message.
    let report =
        callbacks::sms_report(SECRET_KEY, [("RequestId", request_id), ("SendStatus", "5")])
            .unwrap()
            .unwrap();
    assert!(
        outbox::record_delivery(db.conn(), report.0, report.1, now())
            .await
            .unwrap()
    );
    assert_eq!(
        standing(db, id).await.delivery.as_deref(),
        Some("delivered")
    );
}

async fn digest_order_and_event_notices_reach_a_phone_through_zns_templates(db: &Db) {
    let (zalo, zns) = zns_server("100005").await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), None, mail.path());
    let digest = enqueue(
        db,
        "digest",
        "3 tin nhắn chưa đọc",
        "Chị có 3 tin nhắn mới. Đọc tại https://ketnoi.example/messages",
    )
    .await;
    let order = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    let event = enqueue(
        db,
        "event_confirmed",
        "Đã đăng ký: Hội chợ OCOP",
        "Chị đã có chỗ tại Hội chợ OCOP. Vé: https://ketnoi.example/my/tickets/5",
    )
    .await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 3);
    zalo.assert_no_violations();
    let sent = zalo.delivered();
    let by_tracking: BTreeMap<String, &Value> = sent
        .iter()
        .map(|r| (r["tracking_id"].as_str().unwrap().to_owned(), r))
        .collect();
    assert_eq!(by_tracking[&digest.to_string()]["template_id"], "100004");
    let o = by_tracking[&order.to_string()];
    assert_eq!(o["template_id"], "100005");
    assert_eq!(o["phone"], "84904555560");
    assert_eq!(
        o["template_data"]["link"],
        "https://ketnoi.example/orders/42"
    );
    assert_eq!(o["template_data"]["title"], "Đơn hàng #42 đã được xác nhận");
    assert!(
        o["template_data"]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count()
            <= 200
    );
    assert_eq!(
        by_tracking[&event.to_string()]["template_data"]["link"],
        "https://ketnoi.example/my/tickets/5"
    );
    for id in [digest, order, event] {
        assert!(standing(db, id).await.sent_at.is_some());
    }
}

async fn an_invalid_template_is_reported_to_administrators_and_not_retried(db: &Db) {
    admin(db, "quantri@ketnoi.example").await;
    admin(db, "quantri2@ketnoi.example").await;
    // The order template is not registered with the stand-in Zalo: it answers -109.
    let (zalo, zns) = zns_server("999999").await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), None, mail.path());
    let id = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    let t0 = now();
    assert_eq!(deliver_due_at(db, &ch, t0).await.unwrap(), 0);
    zalo.assert_no_violations();
    let s = standing(db, id).await;
    assert!(s.failed_at.is_some() && s.sent_at.is_none());
    assert!(s.last_error.as_deref().unwrap().contains("-109"), "{s:?}");
    for to in ["quantri@ketnoi.example", "quantri2@ketnoi.example"] {
        let notices = outbox::for_recipient(db.conn(), to).await.unwrap();
        assert_eq!(notices.len(), 1, "one notice to {to}");
        assert_eq!(notices[0].kind, "delivery_failed");
        assert!(notices[0].body.contains(&format!("#{id}")) && notices[0].body.contains("-109"));
        assert!(!notices[0].body.contains("904") && !notices[0].body.contains("Tân Cương"));
    }
    // A day later the notices have gone out by e-mail; Zalo is never asked again.
    deliver_due_at(db, &ch, t0 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(zalo.received(), 1);
    assert!(std::fs::read_dir(mail.path()).unwrap().count() == 2);
}

async fn a_rate_limited_sms_is_retried_after_its_retry_after_and_delivered_once(db: &Db) {
    let (esms, sms) = esms_server().await;
    esms.script(&[Reply::Http(429, Some(120))]);
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(None, Some(sms), mail.path());
    let id = enqueue(
        db,
        "password_reset",
        "Đặt lại mật khẩu",
        "Mở https://ketnoi.example/reset?token=abc trong 2 giờ.",
    )
    .await;
    let t0 = now();
    assert_eq!(deliver_due_at(db, &ch, t0).await.unwrap(), 0);
    let s = standing(db, id).await;
    assert!(s.failed_at.is_none() && s.sent_at.is_none());
    assert!(
        s.next_attempt_at >= t0 + Duration::seconds(120),
        "Retry-After honoured: {s:?}"
    );
    // Not due yet after the 30 s backoff alone.
    assert_eq!(
        deliver_due_at(db, &ch, t0 + Duration::seconds(60))
            .await
            .unwrap(),
        0
    );
    assert_eq!(esms.received(), 1);
    assert_eq!(deliver_due_at(db, &ch, s.next_attempt_at).await.unwrap(), 1);
    assert_eq!(
        deliver_due_at(db, &ch, t0 + Duration::hours(2))
            .await
            .unwrap(),
        0
    );
    esms.assert_no_violations();
    assert_eq!(esms.delivered().len(), 1, "delivered exactly once");
    assert_eq!(esms.received(), 2);
}

async fn a_zalo_try_later_answer_is_retried_with_backoff_and_delivered_once(db: &Db) {
    let (zalo, zns) = zns_server("100005").await;
    zalo.script(&[Reply::Code("-100"), Reply::Http(429, None)]);
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), None, mail.path());
    let id = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    let t0 = now();
    deliver_due_at(db, &ch, t0).await.unwrap();
    let first = standing(db, id).await;
    assert_eq!(first.next_attempt_at, t0 + Duration::seconds(30));
    deliver_due_at(db, &ch, first.next_attempt_at)
        .await
        .unwrap();
    let second = standing(db, id).await;
    assert_eq!(
        second.next_attempt_at,
        first.next_attempt_at + Duration::seconds(60),
        "the backoff doubles"
    );
    assert_eq!(
        deliver_due_at(db, &ch, second.next_attempt_at)
            .await
            .unwrap(),
        1
    );
    zalo.assert_no_violations();
    assert_eq!(zalo.delivered().len(), 1);
    assert_eq!(standing(db, id).await.attempts, 3);
}

async fn nothing_is_lost_while_the_provider_is_down_for_ten_minutes(db: &Db) {
    let (esms, sms) = esms_server().await;
    *esms.down.lock().unwrap() = true;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(None, Some(sms), mail.path());
    let ids = [
        enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await,
        enqueue(
            db,
            "digest",
            "3 tin nhắn chưa đọc",
            "Đọc tại https://ketnoi.example/messages",
        )
        .await,
    ];
    let t0 = now();
    let mut t = t0;
    while t < t0 + Duration::minutes(10) {
        assert_eq!(deliver_due_at(db, &ch, t).await.unwrap(), 0);
        let s = standing(db, ids[0]).await;
        assert!(
            s.failed_at.is_none() && s.next_attempt_at > t,
            "kept and rescheduled: {s:?}"
        );
        t = s.next_attempt_at;
    }
    assert!(esms.received() >= 8, "retried while down");
    for id in ids {
        let s = standing(db, id).await;
        assert!(s.failed_at.is_none() && s.sent_at.is_none(), "kept: {s:?}");
    }
    *esms.down.lock().unwrap() = false;
    assert_eq!(deliver_due_at(db, &ch, t).await.unwrap(), 2);
    assert_eq!(
        deliver_due_at(db, &ch, t + Duration::hours(2))
            .await
            .unwrap(),
        0
    );
    esms.assert_no_violations();
    assert_eq!(esms.delivered().len(), 2, "each delivered once");
}

async fn a_provider_that_cannot_be_reached_is_retried(db: &Db) {
    // A port nobody listens on: connection refused.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (_, mut sms) = esms_server().await;
    sms.url = format!("http://{closed}{ESMS_PATH}");
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(None, Some(sms), mail.path());
    let id = enqueue(db, "order", "Đơn hàng", ORDER_BODY).await;
    deliver_due_at(db, &ch, now()).await.unwrap();
    let s = standing(db, id).await;
    assert!(
        s.failed_at.is_none() && s.sent_at.is_none() && s.attempts == 1,
        "{s:?}"
    );
}

async fn someone_not_on_zalo_gets_an_sms_instead(db: &Db) {
    let (zalo, zns) = zns_server("100005").await;
    zalo.script(&[Reply::Code("-118")]);
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), Some(sms), mail.path());
    let id = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    zalo.assert_no_violations();
    esms.assert_no_violations();
    assert_eq!((zalo.delivered().len(), esms.delivered().len()), (0, 1));
    assert!(standing(db, id).await.sent_at.is_some());
}

async fn an_opted_out_number_gets_nothing_and_nobody_is_alarmed(db: &Db) {
    admin(db, "quantri@ketnoi.example").await;
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(None, Some(sms), mail.path());
    ketnoi_notify::opt_out(db, "0904 555 560").await.unwrap();
    ketnoi_notify::opt_out(db, "+84 904 555 560").await.unwrap();
    let id = enqueue(db, "order", "Đơn hàng", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 0);
    assert_eq!(esms.received(), 0);
    let s = standing(db, id).await;
    assert!(s.failed_at.is_some());
    assert!(
        outbox::for_recipient(db.conn(), "quantri@ketnoi.example")
            .await
            .unwrap()
            .is_empty()
    );
}

const SITE: &str = "https://ketnoi.example";

async fn user(
    db: &Db,
    email: Option<&str>,
    phone: Option<&str>,
    display_name: &str,
    role: PlatformRole,
) -> i64 {
    ketnoi_db::users::insert(
        db.conn(),
        &NewUser {
            email,
            phone,
            display_name,
            password_hash: "$argon2id$fake",
            locale: Locale::Vi,
            role,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap()
    .id
}

/// A leader of the women's network whose account was made with her phone number only, the
/// owner of a cooperative with tea on sale; a buyer (by e-mail) who has written to the
/// cooperative; the city's Union officer; a bank with no staff on Ketnoi.
struct Network {
    org: i64,
    offer: i64,
    buyer: i64,
    officer: i64,
    bank: i64,
    conversation: i64,
}

async fn phone_only_network_member(db: &Db) -> Network {
    let officer = user(
        db,
        Some("canbo@ketnoi.example"),
        None,
        "Cán bộ Hội",
        PlatformRole::UnionOfficer,
    )
    .await;
    let member = user(db, None, Some(PHONE), "Nguyễn Thị Lan", PlatformRole::User).await;
    let org = ketnoi_db::orgs::upsert(
        db.conn(),
        &ketnoi_db::orgs::NewOrg {
            slug: "htx-che-tan-cuong".into(),
            kind: Some(ketnoi_domain::org::OrgKind::Htx),
            name: "HTX Chè Tân Cương".into(),
            commune_code: Some("00577".into()),
            province_code: "01".into(),
            ..ketnoi_db::orgs::NewOrg::default()
        },
    )
    .await
    .unwrap()
    .id;
    ketnoi_db::orgs::add_member(
        db.conn(),
        org,
        member,
        ketnoi_domain::role::MemberRole::Owner,
    )
    .await
    .unwrap();
    let profile = ketnoi_db::network::Profile {
        intro: None,
        show_phone: false,
        show_email: false,
    };
    ketnoi_db::network::request_join(db.conn(), member, org, profile)
        .await
        .unwrap();
    let city = ketnoi_domain::role::Scope::City;
    assert!(
        ketnoi_db::network::decide(db.conn(), member, officer, &city, true)
            .await
            .unwrap()
    );
    assert!(
        ketnoi_db::network::is_member(db.conn(), member)
            .await
            .unwrap()
    );
    let mut tx = db.begin().await.unwrap();
    let tea = ketnoi_db::listings::create(
        &mut tx,
        org,
        None,
        &ketnoi_db::listings::Draft {
            title_vi: "Chè móc câu Tân Cương".into(),
            title_en: None,
            description_vi: "Chè búp hái tay.".into(),
            description_en: None,
            category_id: "tra-do-uong".into(),
            unit: "hộp".into(),
            stock: None,
            months: ketnoi_domain::catalog::Months::ALL,
            origin_commune_code: Some("00577".into()),
            certifications: vec![],
            ocop_claim: None,
            offers: vec![ketnoi_db::listings::Offer {
                kind: ketnoi_domain::catalog::OfferKind::Retail,
                price: ketnoi_domain::Vnd(120_000),
                case_size: None,
                min_order_qty: None,
                duration_hours: None,
                max_group_size: None,
                tiers: vec![],
            }],
        },
        ketnoi_domain::catalog::ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let offer = ketnoi_db::listings::offers_with_ids(db.conn(), tea.id)
        .await
        .unwrap()[0]
        .0;
    let buyer = user(
        db,
        Some("mua@example.com"),
        None,
        "Trần Thị Hà",
        PlatformRole::User,
    )
    .await;
    let bank = ketnoi_db::cases::create_partner(
        db.conn(),
        &ketnoi_db::cases::NewPartner {
            slug: "agribank".into(),
            name: "Agribank".into(),
            kind: ketnoi_domain::cases::PartnerKind::Bank,
            phone: None,
            email: None,
        },
    )
    .await
    .unwrap();
    let conversation = ketnoi_db::messaging::open_inquiry(db, buyer, org, Some(tea.id))
        .await
        .unwrap();
    Network {
        org,
        offer,
        buyer,
        officer,
        bank,
        conversation,
    }
}

/// What the product itself queues for her in one round: the buyer writes and she leaves it
/// unread (the digest job), the buyer orders her tea (checkout: the new-order notice), and
/// the officer refers a credit case of her cooperative to the bank (the case notices job).
/// Returns her messages (id and the link each must end with): digest, order, referral.
async fn her_round(db: &Db, n: &Network) -> Vec<(i64, String)> {
    ketnoi_db::messaging::post(
        db,
        n.conversation,
        n.buyer,
        "Chị ơi, chè móc câu còn hàng không ạ?",
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        ketnoi_app::digest::enqueue_due(db, SITE, std::time::Duration::ZERO)
            .await
            .unwrap(),
        1,
        "her digest"
    );
    ketnoi_db::cart::add(db.conn(), n.buyer, n.offer, "", 2)
        .await
        .unwrap();
    let lines = [ketnoi_db::orders::Line::of(n.offer, 2)];
    let placed = ketnoi_app::orders::checkout(
        db,
        SITE,
        n.buyer,
        &[ketnoi_db::orders::NewOrder {
            buyer_id: n.buyer,
            org_id: n.org,
            kind: ketnoi_domain::order::OrderKind::Goods,
            payment: ketnoi_domain::order::PaymentMethod::Cod,
            lines: &lines,
            experience_date: None,
            delivery_commune: Some("00577"),
            delivery_street: Some("Số 5, ngõ 12"),
            contact_phone: Some("0912345678"),
            buyer_note: None,
            recipient_name: None,
            quote_id: None,
        }],
    )
    .await
    .unwrap()
    .unwrap();
    let at = now();
    let mut tx = db.begin().await.unwrap();
    let case = ketnoi_db::cases::open(
        &mut tx,
        &ketnoi_db::cases::NewCase {
            kind: ketnoi_domain::cases::CaseKind::Credit,
            applicant: ketnoi_db::cases::Applicant::Org(n.org),
            commune_code: Some("00577".into()),
            amount_vnd: Some(50_000_000),
            purpose: Some("Mua máy sao chè".into()),
            term_months: Some(24),
            opened_by: None,
            due_at: None,
            at,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ketnoi_app::cases::take_step(
        db,
        case,
        &ketnoi_app::cases::Who::Officer {
            user_id: n.officer,
            scope: ketnoi_domain::role::Scope::City,
        },
        ketnoi_domain::cases::Step::Refer,
        &ketnoi_app::cases::StepInput {
            partner_id: Some(n.bank),
            ..ketnoi_app::cases::StepInput::default()
        },
        at,
    )
    .await
    .unwrap();
    ketnoi_app::case_notices::run_due(db, SITE, at)
        .await
        .unwrap();

    let mut mine = outbox::for_recipient(db.conn(), PHONE).await.unwrap();
    mine.retain(|m| m.sent_at.is_none());
    mine.reverse();
    let kinds: Vec<&str> = mine.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["digest", "order", "case_update"],
        "queued for her phone"
    );
    let links = [
        format!("{SITE}/conversations/{}", n.conversation),
        format!("{SITE}/orders/{}", placed[0].id),
        format!("{SITE}/cases/{case}"),
    ];
    mine.iter().map(|m| m.id).zip(links).collect()
}

/// Nothing meant for her went to the mailbox (the buyer's receipt and the officer's notice
/// of the new case do, as e-mail).
fn none_in_mailbox_for_her(mail: &std::path::Path) {
    for f in std::fs::read_dir(mail).into_iter().flatten() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(PHONE), "{text}");
    }
}

async fn a_phone_only_network_member_gets_her_digest_order_and_case_notices_by_sms_and_by_zns(
    db: &Db,
) {
    let network = phone_only_network_member(db).await;
    let mail = tempfile::tempdir().unwrap();

    // By SMS: each message once, in 84… form, within 400 characters, its link whole.
    let (esms, sms) = esms_server().await;
    let by_sms = channels(None, Some(sms), mail.path());
    let ids = her_round(db, &network).await;
    deliver_due_at(db, &by_sms, now()).await.unwrap();
    esms.assert_no_violations();
    let sent = esms.delivered();
    assert_eq!(sent.len(), 3);
    for (i, (id, link)) in ids.iter().enumerate() {
        let request_id = sent[i]["RequestId"].as_str().unwrap();
        assert_eq!(
            callbacks::verify_sms_request_id(SECRET_KEY, request_id),
            Ok(*id)
        );
        assert_eq!(sent[i]["Phone"], "84904555560");
        let content = sent[i]["Content"].as_str().unwrap();
        assert!(
            content.chars().count() <= 400 && content.ends_with(link.as_str()),
            "{content}"
        );
        assert!(standing(db, *id).await.sent_at.is_some());
    }
    let digest = sent[0]["Content"].as_str().unwrap();
    assert!(
        digest.starts_with("Ketnoi: 1 tin nhắn chưa đọc https://"),
        "the digest's subject and link: {digest}"
    );
    let order = sent[1]["Content"].as_str().unwrap();
    assert!(
        order.starts_with("Đơn hàng mới KN") && order.contains("2 hộp × Chè móc câu Tân Cương"),
        "{order}"
    );
    let case = sent[2]["Content"].as_str().unwrap();
    assert!(
        case.contains("(vay vốn): đã chuyển đối tác: Hồ sơ đề nghị") && case.contains("Agribank"),
        "{case}"
    );

    // By Zalo ZNS: the next round's three on their templates, each with its link.
    let (zalo, zns) = zns_server("100005").await;
    let by_zns = channels(Some(zns), None, mail.path());
    let ids = her_round(db, &network).await;
    deliver_due_at(db, &by_zns, now()).await.unwrap();
    zalo.assert_no_violations();
    let sent = zalo.delivered();
    assert_eq!(sent.len(), 3);
    let by_tracking: BTreeMap<String, &Value> = sent
        .iter()
        .map(|r| (r["tracking_id"].as_str().unwrap().to_owned(), r))
        .collect();
    for ((id, link), template) in ids.iter().zip(["100004", "100005", "100006"]) {
        let r = by_tracking[&id.to_string()];
        assert_eq!(r["phone"], "84904555560");
        assert_eq!(r["template_id"], template);
        assert_eq!(r["template_data"]["link"], link.as_str());
        assert!(standing(db, *id).await.sent_at.is_some());
    }
    let case = by_tracking[&ids[2].0.to_string()];
    assert!(
        case["template_data"]["title"]
            .as_str()
            .unwrap()
            .ends_with("(vay vốn): đã chuyển đối tác"),
        "{case}"
    );
    assert!(
        !case["template_data"]["content"]
            .as_str()
            .unwrap()
            .contains("https://"),
        "the link is its own parameter"
    );
    // Nothing of hers went to the mailbox, nothing is sent twice.
    none_in_mailbox_for_her(mail.path());
    assert_eq!(
        deliver_due_at(db, &by_zns, now() + Duration::hours(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!((esms.received(), zalo.received()), (3, 3));
}

/// An account made with the phone [`PHONE`], her way of being reached set as on her account
/// page.
async fn her_account(db: &Db, way: Option<PhoneChannel>) -> i64 {
    let her = user(db, None, Some(PHONE), "Nguyễn Thị Lan", PlatformRole::User).await;
    if let Some(way) = way {
        outbox::set_phone_channel(db, her, PHONE, way)
            .await
            .unwrap();
    }
    her
}

async fn zalo_first_is_the_default_and_sms_reaches_her_when_zalo_cannot(db: &Db) {
    her_account(db, None).await;
    assert_eq!(
        outbox::phone_channel(db.conn(), PHONE).await.unwrap(),
        PhoneChannel::Zalo
    );
    let (zalo, zns) = zns_server("100005").await;
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), Some(sms), mail.path());
    let by_zalo = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    assert_eq!((zalo.delivered().len(), esms.received()), (1, 0));
    // Not on Zalo (-118): the SMS carries it.
    zalo.script(&[Reply::Code("-118")]);
    let by_sms = enqueue(db, "order", "Đơn hàng #43 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    zalo.assert_no_violations();
    esms.assert_no_violations();
    assert_eq!((zalo.delivered().len(), esms.delivered().len()), (1, 1));
    for id in [by_zalo, by_sms] {
        assert!(standing(db, id).await.sent_at.is_some());
    }
}

async fn someone_who_chose_sms_only_is_never_sent_a_zalo_message(db: &Db) {
    let her = her_account(db, Some(PhoneChannel::Sms)).await;
    assert_eq!(
        outbox::phone_channel(db.conn(), PHONE).await.unwrap(),
        PhoneChannel::Sms
    );
    let (zalo, zns) = zns_server("100005").await;
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), Some(sms), mail.path());
    let ids = [
        enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await,
        enqueue(
            db,
            "digest",
            "Ketnoi: 3 tin nhắn chưa đọc",
            "Đọc tại https://ketnoi.example/conversations/9",
        )
        .await,
        enqueue(
            db,
            "password_reset",
            "Đặt lại mật khẩu",
            "Mở https://ketnoi.example/reset?token=abc trong 2 giờ.",
        )
        .await,
    ];
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 3);
    esms.assert_no_violations();
    assert_eq!(zalo.received(), 0, "Zalo is never asked");
    let sent = esms.delivered();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r["Phone"] == "84904555560"));
    for id in ids {
        assert!(standing(db, id).await.sent_at.is_some());
    }
    // She changes her mind: Zalo first again.
    outbox::set_phone_channel(db, her, PHONE, PhoneChannel::Zalo)
        .await
        .unwrap();
    enqueue(db, "order", "Đơn hàng #43 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    assert_eq!((zalo.delivered().len(), esms.received()), (1, 3));
}

async fn sms_only_without_an_sms_gateway_is_given_up_and_reported(db: &Db) {
    admin(db, "quantri@ketnoi.example").await;
    her_account(db, Some(PhoneChannel::Sms)).await;
    let (zalo, zns) = zns_server("100005").await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), None, mail.path());
    let id = enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 0);
    assert_eq!(zalo.received(), 0, "not by Zalo, which she refused");
    let s = standing(db, id).await;
    assert!(
        s.failed_at.is_some() && s.last_error.as_deref().unwrap().contains("SMS only"),
        "{s:?}"
    );
    let report = outbox::for_recipient(db.conn(), "quantri@ketnoi.example")
        .await
        .unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].kind, "delivery_failed");
}

async fn someone_who_turned_phone_notices_off_gets_only_what_she_asked_for(db: &Db) {
    admin(db, "quantri@ketnoi.example").await;
    let her = her_account(db, Some(PhoneChannel::Off)).await;
    assert_eq!(
        outbox::phone_channel(db.conn(), PHONE).await.unwrap(),
        PhoneChannel::Off
    );
    let (zalo, zns) = zns_server("100005").await;
    let (esms, sms) = esms_server().await;
    let mail = tempfile::tempdir().unwrap();
    let ch = channels(Some(zns), Some(sms), mail.path());
    let notices = [
        enqueue(db, "order", "Đơn hàng #42 đã được xác nhận", ORDER_BODY).await,
        enqueue(
            db,
            "digest",
            "Ketnoi: 3 tin nhắn chưa đọc",
            "Đọc tại https://ketnoi.example/conversations/9",
        )
        .await,
        enqueue(
            db,
            "case_update",
            "Hồ sơ hỗ trợ #7 (vay vốn): đã chuyển đối tác",
            "Xem hồ sơ: https://ketnoi.example/cases/7",
        )
        .await,
    ];
    let asked = enqueue(
        db,
        "password_reset",
        "Đặt lại mật khẩu",
        "Mở https://ketnoi.example/reset?token=abc trong 2 giờ.",
    )
    .await;
    let t0 = now();
    assert_eq!(deliver_due_at(db, &ch, t0).await.unwrap(), 1);
    // The reset link she asked for comes, by Zalo as usual.
    zalo.assert_no_violations();
    assert_eq!(zalo.delivered().len(), 1);
    assert_eq!(zalo.delivered()[0]["tracking_id"], asked.to_string());
    assert!(standing(db, asked).await.sent_at.is_some());
    // The notices are done with, not sent, and say why; nobody is alarmed.
    for id in notices {
        let s = standing(db, id).await;
        assert!(s.sent_at.is_none() && s.failed_at.is_some(), "{s:?}");
        assert_eq!(s.last_error.as_deref(), Some(ketnoi_notify::TURNED_OFF));
        assert_eq!(s.attempts, 1);
    }
    assert!(
        outbox::for_recipient(db.conn(), "quantri@ketnoi.example")
            .await
            .unwrap()
            .is_empty()
    );
    // Never tried again.
    assert_eq!(
        deliver_due_at(db, &ch, t0 + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!((zalo.received(), esms.received()), (1, 0));
    // She turns them on again (SMS only): the next notice comes; the skipped ones do not.
    outbox::set_phone_channel(db, her, PHONE, PhoneChannel::Sms)
        .await
        .unwrap();
    let next = enqueue(db, "order", "Đơn hàng #43 đã được xác nhận", ORDER_BODY).await;
    assert_eq!(deliver_due_at(db, &ch, now()).await.unwrap(), 1);
    assert_eq!((zalo.received(), esms.delivered().len()), (1, 1));
    assert!(standing(db, next).await.sent_at.is_some());
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let t = super::TempSqlite::new();
                let db = super::Db::connect_and_migrate(&t.url).await.unwrap();
                super::$name(&db).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = super::TempPostgres::new() {
                    let db = super::Db::connect_and_migrate(&t.url).await.unwrap();
                    super::$name(&db).await;
                }
            }
        }
    )*};
}

on_both_backends!(
    an_order_notice_reaches_a_phone_by_sms_in_84_form_within_400_characters,
    digest_order_and_event_notices_reach_a_phone_through_zns_templates,
    an_invalid_template_is_reported_to_administrators_and_not_retried,
    a_rate_limited_sms_is_retried_after_its_retry_after_and_delivered_once,
    a_zalo_try_later_answer_is_retried_with_backoff_and_delivered_once,
    nothing_is_lost_while_the_provider_is_down_for_ten_minutes,
    a_provider_that_cannot_be_reached_is_retried,
    someone_not_on_zalo_gets_an_sms_instead,
    an_opted_out_number_gets_nothing_and_nobody_is_alarmed,
    a_phone_only_network_member_gets_her_digest_order_and_case_notices_by_sms_and_by_zns,
    zalo_first_is_the_default_and_sms_reaches_her_when_zalo_cannot,
    someone_who_chose_sms_only_is_never_sent_a_zalo_message,
    sms_only_without_an_sms_gateway_is_given_up_and_reported,
    someone_who_turned_phone_notices_off_gets_only_what_she_asked_for,
);
