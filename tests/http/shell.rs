//! The web shell: health, home page, languages, error pages, cookies.

use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(
    health_and_readiness_answer,
    home_is_vietnamese_by_default_and_lists_demo_cooperatives,
    accept_language_english_gets_english,
    language_switch_is_remembered_by_cookie_and_on_the_account,
    unknown_pages_get_a_localised_html_404,
    a_malformed_session_cookie_is_an_error_and_is_removed,
    an_unknown_session_is_anonymous,
    every_response_carries_a_request_id,
    responses_are_compressed_for_clients_that_ask,
    every_page_links_about_terms_and_privacy_in_its_language,
);

/// The footer of every page links the about (with contact), terms and privacy pages, which
/// answer in the visitor's language.
async fn every_page_links_about_terms_and_privacy_in_its_language(app: TestApp) {
    let vi = app.client();
    let home = vi.get("/").await;
    for link in [
        "href=\"/about\"",
        "href=\"/about#contact\"",
        "href=\"/terms\"",
        "href=\"/privacy\"",
    ] {
        assert!(home.body.contains(link), "{link}");
    }
    let en = app.client_accepting("en-GB,en");
    for (path, vi_words, en_words) in [
        ("/about", "Ai làm gì", "Who does what"),
        ("/terms", "Đơn hàng và thanh toán", "Orders and payment"),
        (
            "/privacy",
            "Nghị định 13/2023/NĐ-CP",
            "Decree 13/2023/NĐ-CP",
        ),
    ] {
        let v = vi.get(path).await;
        assert_eq!(v.status, 200, "{path}");
        assert!(v.body.contains(vi_words), "{path}");
        let e = en.get(path).await;
        assert_eq!(e.status, 200, "{path}");
        assert!(
            e.body.contains(en_words) && !e.body.contains(vi_words),
            "{path}"
        );
    }
}

async fn health_and_readiness_answer(app: TestApp) {
    let c = app.client();
    let h = c.get("/healthz").await;
    assert_eq!((h.status, h.body.as_str()), (200, "ok"));
    assert_eq!(c.get("/readyz").await.status, 200);
    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.content_type.starts_with("text/css"));
}

async fn home_is_vietnamese_by_default_and_lists_demo_cooperatives(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let home = app.client().get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<html lang=\"vi\">"));
    assert!(
        home.body
            .contains("Kết nối hợp tác xã do phụ nữ quản lý ở Hà Nội")
    );
    assert!(
        home.body.contains("<strong>45</strong> hợp tác xã"),
        "{}",
        home.body
    );
    let list = app.client().get("/orgs?kind=htx").await;
    assert!(list.body.contains("HTX Gốm sứ Men Lam Bát Tràng") || list.body.contains("/orgs/htx-"));
    let profile = app.client().get("/orgs/htx-gom-su-men-lam-bat-trang").await;
    assert_eq!(profile.status, 200);
    assert!(profile.body.contains("Xã Bát Tràng"));
    assert!(
        profile.body.contains("Huyện Gia Lâm"),
        "legacy district shown as a hint"
    );
    assert!(profile.body.contains("0904 555 560"));
}

async fn accept_language_english_gets_english(app: TestApp) {
    let page = app
        .client()
        .get_with("/", &[("accept-language", "en-GB,en;q=0.9,vi;q=0.5")])
        .await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(
        page.body
            .contains("Connecting women-managed cooperatives in Hanoi")
    );
    let vi = app
        .client()
        .get_with("/", &[("accept-language", "fr,vi;q=0.3")])
        .await;
    assert!(vi.body.contains("<html lang=\"vi\">"));
}

async fn language_switch_is_remembered_by_cookie_and_on_the_account(app: TestApp) {
    let anon = app.client();
    let r = anon
        .submit("/orgs", "/lang", &[("lang", "en"), ("next", "/orgs")])
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/orgs")));
    assert!(
        anon.get("/orgs").await.body.contains("<html lang=\"en\">"),
        "the cookie keeps English"
    );

    let user = app
        .user(
            "lan@example.com",
            ketnoi_domain::role::PlatformRole::User,
            None,
        )
        .await;
    let signed_in = app.client_as(&user).await;
    signed_in
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let stored = ketnoi_db::users::find(app.db.conn(), user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.locale,
        ketnoi_domain::Locale::En,
        "the choice is saved on the account"
    );
    let elsewhere = app.client_as(&user).await;
    assert!(
        elsewhere.get("/").await.body.contains("<html lang=\"en\">"),
        "another device gets the saved language"
    );

    let bad = anon
        .submit(
            "/",
            "/lang",
            &[("lang", "fr"), ("next", "https://evil.example/")],
        )
        .await;
    assert_eq!(bad.status, 422);
}

async fn unknown_pages_get_a_localised_html_404(app: TestApp) {
    let page = app.client().get("/khong-co").await;
    assert_eq!(page.status, 404);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("Không tìm thấy"));
    let api = app.client().get("/api/v1/khong-co").await;
    assert_eq!(api.status, 404);
    assert_eq!(api.json()["error"]["code"], "not_found");
    let org = app.client().get("/orgs/NOT_A_SLUG").await;
    assert_eq!(org.status, 404);
    let wrong_method = app.client().request("PUT", "/signin", None, vec![]).await;
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.body.contains("Phương thức"));
}

async fn a_malformed_session_cookie_is_an_error_and_is_removed(app: TestApp) {
    let c = app.client();
    c.set_cookie("kn_session", "not-a-token");
    let page = c.get("/").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Cookie phiên không hợp lệ"));
    assert_eq!(c.get("/").await.status, 200, "the bad cookie was removed");
}

async fn an_unknown_session_is_anonymous(app: TestApp) {
    let c = app.client();
    c.set_cookie("kn_session", &ketnoi_web::session::random_token().unwrap());
    let page = c.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("href=\"/signin\""));
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let res = app
        .client()
        .http
        .get(format!("{}/", app.url))
        .send()
        .await
        .unwrap();
    let id = res
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(id.is_some_and(|id| id.len() >= 32));
    let err = app.client().get("/api/v1/orgs/khong-co").await;
    assert!(
        err.json()["error"]["request_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
}

/// Pages, CSS and JSON go brotli- or gzip-compressed to a client that asks (and plain to one
/// that does not); what arrives decodes to the same bytes (pages: to a whole page, as their
/// forms' tokens may differ from one request to the next).
async fn responses_are_compressed_for_clients_that_ask(app: TestApp) {
    use std::io::Read;
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let c = app.client();
    for path in ["/", "/orgs", "/static/app.css", "/api/v1/cooperatives"] {
        let fetch = |encoding: Option<&'static str>| {
            let req = c.http.get(c.url(path));
            async move {
                let req = match encoding {
                    Some(e) => req.header("accept-encoding", e),
                    None => req,
                };
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 200, "{path}");
                let coding = res
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_owned());
                (coding, res.bytes().await.unwrap().to_vec())
            }
        };
        let (plain_coding, plain) = fetch(None).await;
        assert_eq!(
            plain_coding, None,
            "{path}: compressed for a client that did not ask"
        );
        let (coding, brotli) = fetch(Some("br")).await;
        assert_eq!(coding.as_deref(), Some("br"), "{path}");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(brotli.as_slice(), 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        same(&decoded, &plain, path);
        assert!(
            brotli.len() * 2 < plain.len(),
            "{path}: {} of {}",
            brotli.len(),
            plain.len()
        );
        let (coding, gzip) = fetch(Some("gzip")).await;
        assert_eq!(coding.as_deref(), Some("gzip"), "{path}");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(gzip.as_slice())
            .read_to_end(&mut decoded)
            .unwrap();
        same(&decoded, &plain, path);
    }
}

fn same(decoded: &[u8], plain: &[u8], path: &str) {
    if path.starts_with("/static/") || path.starts_with("/api/") {
        assert_eq!(decoded, plain, "{path}");
    } else {
        let page = String::from_utf8(decoded.to_vec()).unwrap();
        assert!(
            page.starts_with("<!doctype html>") && page.trim_end().ends_with("</html>"),
            "{path}: {page}"
        );
    }
}
