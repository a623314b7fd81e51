//! Malformed input on every state-changing route: wrong content types, invalid UTF-8, wrong
//! CSRF tokens, wrong JSON types, missing fields, over-long text and bodies. Always a 4xx
//! (or a normal answer), never a 500.

use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Client, TestApp, on_both_backends};
use ketnoi_web::routes::ROUTES;
use serde_json::json;

on_both_backends!(
    form_routes_refuse_wrong_csrf_tokens,
    form_routes_answer_malformed_bodies_with_4xx,
    invalid_utf8_in_a_form_is_a_field_error,
    api_routes_answer_malformed_json_with_field_errors,
    over_long_bodies_are_refused,
    malformed_query_strings_are_4xx,
);

const FIELDS: [&str; 12] = [
    "display_name",
    "login",
    "password",
    "name",
    "street",
    "description",
    "role",
    "lang",
    "token",
    "commune_code",
    "kind",
    "next",
];

async fn admin(app: &TestApp) -> Client {
    let org = app.cooperative("htx-thu", "00577").await;
    let a = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    app.member(&org, &a, ketnoi_domain::role::MemberRole::Owner)
        .await;
    app.client_as(&a).await
}

fn concrete(path: &str) -> String {
    path.replace("{slug}", "htx-thu")
        .replace("{user_id}", "1")
        .replace("{id}", "1")
        .replace("{seq}", "1")
        .replace("{period}", "2026-h1")
}

/// Multipart bodies for upload routes: a boundary, the token, and a small text file.
fn multipart_body(token: &str) -> (String, Vec<u8>) {
    let b = "XyZboundary42";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nlistings\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nx,y\r\n--{b}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
}

fn is_upload(path: &str) -> bool {
    ROUTES.iter().any(|r| r.upload && concrete(r.path) == path)
}

fn form_routes() -> impl Iterator<Item = String> {
    ROUTES
        .iter()
        .filter(|r| {
            r.method == "post" && !r.path.starts_with("/api/") && !r.path.starts_with("/webhooks/")
        })
        .map(|r| concrete(r.path))
}

async fn form_routes_refuse_wrong_csrf_tokens(app: TestApp) {
    let c = admin(&app).await;
    c.known_csrf();
    for path in form_routes() {
        for token in ["", "deadbeef", "zz", &"a".repeat(64)] {
            let (content_type, body) = if is_upload(&path) {
                multipart_body(token)
            } else {
                (
                    "application/x-www-form-urlencoded".to_owned(),
                    format!("csrf={token}&lang=en&name=x&login=a%40b.cd&password=12345678&display_name=x").into_bytes(),
                )
            };
            let r = c.request("POST", &path, Some(&content_type), body).await;
            assert_eq!(r.status, 403, "{path} with csrf {token:?}: {}", r.body);
            assert!(
                r.body.contains("Biểu mẫu đã hết hạn"),
                "{path}: the page says why"
            );
        }
    }
    assert_eq!(
        ketnoi_db::users::count(app.db.conn()).await.unwrap(),
        1,
        "nothing was created"
    );
}

async fn form_routes_answer_malformed_bodies_with_4xx(app: TestApp) {
    let admin_client = admin(&app).await;
    let token = admin_client.known_csrf();
    let admin_user = ketnoi_db::users::find_by_email(app.db.conn(), "admin@example.com")
        .await
        .unwrap()
        .unwrap();
    let long = "ậ".repeat(2_000);
    let mut bodies: Vec<(String, Option<&str>, Vec<u8>)> = vec![
        (
            "wrong content type".into(),
            Some("text/plain"),
            format!("csrf={token}").into_bytes(),
        ),
        (
            "json to a form".into(),
            Some("application/json"),
            b"{\"csrf\":1}".to_vec(),
        ),
        (
            "no content type".into(),
            None,
            format!("csrf={token}").into_bytes(),
        ),
        (
            "only the token".into(),
            Some("application/x-www-form-urlencoded"),
            format!("csrf={token}").into_bytes(),
        ),
        (
            "broken percent".into(),
            Some("application/x-www-form-urlencoded"),
            format!("csrf={token}&name=%E0%A4%A&login=%").into_bytes(),
        ),
        (
            "repeated fields".into(),
            Some("application/x-www-form-urlencoded"),
            format!("csrf={token}&csrf={token}&name=a&name=b").into_bytes(),
        ),
    ];
    let every_field_long = FIELDS
        .iter()
        .map(|f| format!("{f}={long}"))
        .collect::<Vec<_>>()
        .join("&");
    bodies.push((
        "over-long fields".into(),
        Some("application/x-www-form-urlencoded"),
        format!("csrf={token}&{every_field_long}").into_bytes(),
    ));
    for path in form_routes() {
        for (what, ct, body) in &bodies {
            // A fresh session each time: sign-out ends the one it is sent with.
            let c = app.client_as(&admin_user).await;
            c.known_csrf();
            let r = c.request("POST", &path, *ct, body.clone()).await;
            assert!(
                r.status < 500,
                "{path} with {what}: {} {}",
                r.status,
                r.body
            );
            // Sign-out takes nothing but the token, so extra fields do not stop it.
            let lenient = ["only the token", "repeated fields", "broken percent"]
                .contains(&what.as_str())
                || (path == "/signout" && what == "over-long fields");
            if !lenient {
                assert!(
                    (400..500).contains(&r.status),
                    "{path} with {what}: {} {}",
                    r.status,
                    r.body
                );
            }
        }
    }
}

async fn invalid_utf8_in_a_form_is_a_field_error(app: TestApp) {
    let c = app.client();
    let token = c.known_csrf();
    let body =
        format!("csrf={token}&display_name=%FF%FE&login=lan%40example.com&password=12345678")
            .into_bytes();
    let r = c
        .request(
            "POST",
            "/signup",
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("display_name"));
    assert!(r.body.contains("UTF-8"));
    let mut raw = format!("csrf={token}&display_name=").into_bytes();
    raw.extend_from_slice(&[0xC3, 0x28]);
    let r = c
        .request(
            "POST",
            "/signup",
            Some("application/x-www-form-urlencoded"),
            raw,
        )
        .await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert_eq!(ketnoi_db::users::count(app.db.conn()).await.unwrap(), 0);
}

async fn api_routes_answer_malformed_json_with_field_errors(app: TestApp) {
    let c = admin(&app).await;
    let org = ketnoi_db::orgs::find_by_slug(app.db.conn(), "htx-thu")
        .await
        .unwrap()
        .unwrap();
    let created = c
        .post_json(
            "/api/v1/orgs/htx-thu/listings",
            json!({"title_vi": "Bát", "description_vi": "Bát gốm", "category": "gom-su", "unit": "bộ",
                   "offers": [{"kind": "retail", "price_vnd": 100000}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let listing_id = created.json()["id"].to_string();
    assert_eq!(
        ketnoi_db::listings::of_org(app.db.conn(), org.id)
            .await
            .unwrap()
            .len(),
        1
    );
    let writes: Vec<(String, String)> = ROUTES
        .iter()
        .filter(|r| matches!(r.method, "post" | "put") && r.path.starts_with("/api/"))
        .map(|r| {
            (
                r.method.to_uppercase(),
                concrete(r.path).replace("/1", &format!("/{listing_id}")),
            )
        })
        .collect();
    assert!(writes.len() >= 5);
    let send = |method: &str, path: &str, body: Vec<u8>, ct: &str| {
        let (m, p, ct) = (method.to_owned(), path.to_owned(), ct.to_owned());
        let c = c.clone();
        async move { c.request(&m, &p, Some(&ct), body).await }
    };
    for (method, path) in &writes {
        let wrong = json!({"display_name": 7, "login": ["x"], "password": {"a": 1}, "title_vi": 7, "offers": "x", "status": 5});
        let r = send(
            method,
            path,
            wrong.to_string().into_bytes(),
            "application/json",
        )
        .await;
        assert_eq!(r.status, 422, "{method} {path}: {}", r.body);
        assert!(
            r.json()["error"]["fields"]
                .as_object()
                .is_some_and(|f| !f.is_empty())
        );
        let missing = send(method, path, b"{}".to_vec(), "application/json").await;
        assert_eq!(missing.status, 422, "{method} {path}: {}", missing.body);
        let fields = missing.json()["error"]["fields"].clone();
        assert!(
            fields.as_object().is_some_and(|f| !f.is_empty()),
            "{path}: the missing fields are named"
        );
        if path.ends_with("/accounts") || path.ends_with("/session") {
            assert_eq!(fields["login"][0]["code"], "err-required", "{path}");
        }
        if path.ends_with("/accounts/confirm") {
            assert_eq!(fields["token"][0]["code"], "err-required", "{path}");
        }
        let syntax = send(method, path, b"{\"login\":".to_vec(), "application/json").await;
        assert_eq!(syntax.status, 400, "{path}");
        assert_eq!(syntax.json()["error"]["code"], "bad_request");
        let utf8 = send(
            method,
            path,
            b"{\"login\":\"\xff\xfe\",\"password\":\"x\"}".to_vec(),
            "application/json",
        )
        .await;
        assert!((400..500).contains(&utf8.status), "{path}: {}", utf8.status);
        assert!(utf8.json()["error"]["code"].is_string());
        let form = send(
            method,
            path,
            b"login=x".to_vec(),
            "application/x-www-form-urlencoded",
        )
        .await;
        assert_eq!(form.status, 415, "{path}");
        assert_eq!(form.json()["error"]["code"], "unsupported_media_type");
        let long = json!({"display_name": "x".repeat(500), "login": "a".repeat(300), "password": "p".repeat(200), "title_vi": "t".repeat(300), "status": "s".repeat(300)});
        let r = send(
            method,
            path,
            long.to_string().into_bytes(),
            "application/json",
        )
        .await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
    }
    assert_eq!(
        ketnoi_db::listings::of_org(app.db.conn(), org.id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing else was created"
    );
}

async fn over_long_bodies_are_refused(app: TestApp) {
    let c = app.client();
    let token = c.known_csrf();
    let huge = format!("csrf={token}&display_name={}", "a".repeat(200_000));
    let r = c
        .request(
            "POST",
            "/signup",
            Some("application/x-www-form-urlencoded"),
            huge.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("quá lớn"));
    let api = c
        .post_json(
            "/api/v1/accounts",
            json!({"display_name": "a".repeat(200_000)}),
        )
        .await;
    assert_eq!(api.status, 413);
    assert_eq!(api.json()["error"]["code"], "payload_too_large");
}

async fn malformed_query_strings_are_4xx(app: TestApp) {
    let c = app.client();
    for q in [
        "/orgs?page=abc",
        "/orgs?page=-1",
        "/orgs?kind=%FF",
        "/api/v1/orgs?page=99999999999999999999",
        "/password/reset?token=%FF%FE",
        "/signin?next=%FF",
    ] {
        let r = c.get(q).await;
        assert!(r.status < 500, "{q}: {}", r.status);
    }
    assert_eq!(c.get("/orgs?page=abc").await.status, 422);
}
