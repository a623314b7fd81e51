//! The JSON API: accounts, organisations with their external ids, reference data, OpenAPI.

use ketnoi_tests::{PASSWORD, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(
    api_sign_up_sign_in_me_and_sign_out,
    api_lists_organisations_with_external_ids,
    api_errors_share_one_envelope_in_the_request_language,
    reference_data_lists_126_communes_and_34_provinces,
    openapi_document_describes_every_api_route,
    organisations_can_be_created_and_members_managed,
);

async fn api_sign_up_sign_in_me_and_sign_out(app: TestApp) {
    let c = app.client();
    let r = c
        .post_json(
            "/api/v1/accounts",
            json!({"display_name": "Lan", "login": "0912345678", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["status"], "confirmation_sent");
    assert_eq!(c.get("/api/v1/me").await.status, 401, "not signed in yet");
    let link = app.sign_up_link("+84912345678").await;
    let token = link.split("token=").nth(1).unwrap();
    let r = c
        .post_json("/api/v1/accounts/confirm", json!({ "token": token }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["phone"], "+84912345678");
    let reused = app
        .client()
        .post_json("/api/v1/accounts/confirm", json!({ "token": token }))
        .await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.json()["display_name"], "Lan");
    assert_eq!(me.json()["locale"], "vi");
    let out = c.request("DELETE", "/api/v1/session", None, vec![]).await;
    assert_eq!(out.status, 204);
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    let back = c
        .post_json(
            "/api/v1/session",
            json!({"login": "0912 345 678", "password": PASSWORD}),
        )
        .await;
    assert_eq!(back.status, 200);
    assert_eq!(c.get("/api/v1/me").await.status, 200);
}

async fn api_lists_organisations_with_external_ids(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let c = app.client();
    let page = c.get("/api/v1/cooperatives?kind=htx").await.json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    assert_eq!(page["has_next"], true);
    assert!(items.iter().all(|o| o["kind"] == "htx"));
    let second = c.get("/api/v1/cooperatives?kind=htx&page=2").await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 15);
    assert_eq!(second["has_next"], false);
    for id in ["htx-gom-su-men-lam-bat-trang", &items[0]["id"].to_string()] {
        let one = c.get(&format!("/api/v1/cooperatives/{id}")).await;
        assert_eq!(one.status, 200, "{id}");
        assert!(one.json()["external_id"].is_string());
    }
    let bt = c
        .get("/api/v1/cooperatives/htx-gom-su-men-lam-bat-trang")
        .await
        .json();
    assert_eq!(bt["commune_code"], "00577");
    assert_eq!(bt["women_managers"].as_array().unwrap().len(), 3);
    assert!(
        bt["badges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["kind"] == "women_managed")
    );
    let bad = c.get("/api/v1/cooperatives?kind=bank&page=0").await;
    assert_eq!(bad.status, 422);
    let fields = &bad.json()["error"]["fields"];
    assert!(fields["kind"].is_array() && fields["page"].is_array());
    assert_eq!(
        c.get("/api/v1/cooperatives/buyer-01-nguyen-thu-ha")
            .await
            .status,
        404,
        "buyers are not cooperatives"
    );

    let listings = c.get("/api/v1/listings?kind=wholesale").await.json();
    assert_eq!(listings["items"].as_array().unwrap().len(), 30);
    let by_ext = c.get("/api/v1/listings/lst-0002").await.json();
    assert_eq!(by_ext["external_id"], "lst-0002");
    assert_eq!(
        by_ext["offers"][0]["price_tiers"].as_array().unwrap().len(),
        3
    );
    let by_id = c
        .get(&format!("/api/v1/listings/{}", by_ext["id"]))
        .await
        .json();
    assert_eq!(by_id["external_id"], "lst-0002");
    assert_eq!(c.get("/api/v1/listings/lst-9999").await.status, 404);
    assert_eq!(
        c.get("/api/v1/listings?category=khong-co").await.status,
        422
    );
}

async fn api_errors_share_one_envelope_in_the_request_language(app: TestApp) {
    let c = app.client();
    let vi = c
        .post_json(
            "/api/v1/accounts",
            json!({"display_name": "", "login": "x", "password": "1"}),
        )
        .await;
    assert_eq!(vi.status, 422);
    let body = vi.json();
    assert_eq!(body["error"]["code"], "validation");
    assert_eq!(
        body["error"]["fields"]["display_name"][0]["code"],
        "err-required"
    );
    assert_eq!(
        body["error"]["fields"]["display_name"][0]["message"],
        "Vui lòng nhập thông tin này."
    );
    let en = c
        .http
        .post(c.url("/api/v1/accounts"))
        .header("accept-language", "en")
        .json(&json!({"display_name": "", "login": "x", "password": "1"}))
        .send()
        .await
        .unwrap();
    let en: serde_json::Value = en.json().await.unwrap();
    assert_eq!(
        en["error"]["fields"]["display_name"][0]["message"],
        "Please fill this in."
    );
}

async fn reference_data_lists_126_communes_and_34_provinces(app: TestApp) {
    let c = app.client();
    let communes = c.get("/api/v1/communes").await.json();
    assert_eq!(communes.as_array().unwrap().len(), 126);
    assert!(
        communes
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "00577" && x["name"] == "Xã Bát Tràng")
    );
    assert_eq!(
        c.get("/api/v1/provinces")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        34
    );
}

async fn openapi_document_describes_every_api_route(app: TestApp) {
    let doc = app.client().get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for r in ketnoi_web::routes::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
    {
        let op = &doc["paths"][r.path][r.method];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
}

async fn organisations_can_be_created_and_members_managed(app: TestApp) {
    use ketnoi_domain::role::PlatformRole;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    let other = app.user("0987654321", PlatformRole::User, None).await;
    let c = app.client_as(&owner).await;
    let bad = c
        .submit(
            "/orgs/new",
            "/orgs",
            &[("kind", "htx"), ("name", ""), ("commune_code", "99999")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("data-testid=\"error-name\""));
    let r = c
        .submit(
            "/orgs/new",
            "/orgs",
            &[
                ("kind", "htx"),
                ("name", "HTX Lụa Vạn Phúc Xanh"),
                ("commune_code", "00577"),
                ("phone", "0904 555 111"),
                ("description", "Dệt lụa."),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/orgs/htx-lua-van-phuc-xanh")),
        "{}",
        r.body
    );
    let dup = c
        .submit(
            "/orgs/new",
            "/orgs",
            &[
                ("kind", "htx"),
                ("name", "HTX Lụa Vạn Phúc Xanh"),
                ("commune_code", "00577"),
            ],
        )
        .await;
    assert_eq!(
        dup.location.as_deref(),
        Some("/orgs/htx-lua-van-phuc-xanh-2"),
        "a taken slug gets a number"
    );
    let add = c
        .submit(
            "/orgs/htx-lua-van-phuc-xanh/members",
            "/orgs/htx-lua-van-phuc-xanh/members",
            &[("login", "0987 654 321"), ("role", "manager")],
        )
        .await;
    assert_eq!(add.status, 303, "{}", add.body);
    let members = app
        .client_as(&other)
        .await
        .get("/api/v1/orgs/htx-lua-van-phuc-xanh/members")
        .await
        .json();
    assert_eq!(members.as_array().unwrap().len(), 2);
    let manager = app.client_as(&other).await;
    let cannot = manager
        .submit(
            "/orgs/htx-lua-van-phuc-xanh/members",
            &format!("/orgs/htx-lua-van-phuc-xanh/members/{}/remove", owner.id),
            &[],
        )
        .await;
    assert_eq!(
        cannot.status, 403,
        "managers cannot remove people; owners can"
    );
    let last = c
        .submit(
            "/orgs/htx-lua-van-phuc-xanh/members",
            &format!("/orgs/htx-lua-van-phuc-xanh/members/{}/remove", owner.id),
            &[],
        )
        .await;
    assert_eq!(last.status, 409, "the last owner stays");
    let removed = c
        .submit(
            "/orgs/htx-lua-van-phuc-xanh/members",
            &format!("/orgs/htx-lua-van-phuc-xanh/members/{}/remove", other.id),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
}
