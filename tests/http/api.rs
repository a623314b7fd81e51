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

/// Item 12 of the hardening review: the document says which errors each operation can give,
/// which fields default, the bounds of every number, and the allowed statuses and categories.
#[test]
fn openapi_document_documents_errors_defaults_bounds_and_enums() {
    use ketnoi_web::policy::Access;
    use serde_json::Value;

    let doc = serde_json::to_value(ketnoi_web::api::openapi::document()).unwrap();
    let mut problems = Vec::new();

    // Errors: a JSON body can be malformed (400), of another type (415), too large (413)
    // or invalid (422); a route behind a session answers 401 without one.
    for r in ketnoi_web::routes::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
    {
        let op = &doc["paths"][r.path][r.method];
        let has = |status: &str| op["responses"][status].is_object();
        let name = format!("{} {}", r.method, r.path);
        if op["requestBody"].is_object() {
            for status in ["400", "413", "415", "422"] {
                if !has(status) {
                    problems.push(format!("{name}: JSON body but no {status} answer"));
                }
            }
        }
        if r.access != Access::Public {
            if !has("401") {
                problems.push(format!("{name}: needs a session but no 401 answer"));
            }
            if !op["security"].is_array() {
                problems.push(format!("{name}: needs a session but names no security"));
            }
        }
    }
    for path in ["/api/v1/accounts", "/api/v1/session"] {
        for status in ["429", "503"] {
            let r = &doc["paths"][path]["post"]["responses"][status];
            let r = match r["$ref"].as_str() {
                Some(to) => &doc["components"]["responses"][to.rsplit('/').next().unwrap()],
                None => r,
            };
            if !r["headers"]["Retry-After"].is_object() {
                problems.push(format!("POST {path}: no {status} with Retry-After"));
            }
        }
    }

    // Every number has both bounds; every status and category is one of a list.
    fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
        match v["$ref"].as_str() {
            Some(to) => resolve(
                doc,
                &doc["components"]["schemas"][to.rsplit('/').next().unwrap()],
            ),
            None => v,
        }
    }
    fn is_enum(doc: &Value, v: &Value) -> bool {
        let v = resolve(doc, v);
        if v["enum"].is_array()
            || v["oneOf"]
                .as_array()
                .is_some_and(|o| o.iter().all(|s| s["const"].is_string()))
        {
            return true;
        }
        // Option<Enum>: one of null or the enum.
        let alternatives = v["oneOf"].as_array().or(v["anyOf"].as_array());
        alternatives.is_some_and(|alts| {
            alts.iter().any(|a| is_enum(doc, a))
                && alts.iter().all(|a| a["type"] == "null" || is_enum(doc, a))
        })
    }
    fn walk(doc: &Value, at: &str, v: &Value, problems: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let types: Vec<&str> = match &o.get("type") {
                    Some(Value::String(t)) => vec![t.as_str()],
                    Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if let Some(Value::String(to)) = o.get("$ref") {
                    let name = to.rsplit('/').next().unwrap_or_default();
                    let kind = if to.contains("/responses/") {
                        "responses"
                    } else {
                        "schemas"
                    };
                    if doc["components"][kind][name].is_null() {
                        problems.push(format!("{at}: {to} points nowhere"));
                    }
                }
                if types.iter().any(|t| *t == "integer" || *t == "number")
                    && !(o.contains_key("minimum") && o.contains_key("maximum"))
                {
                    problems.push(format!("{at}: a number without both bounds"));
                }
                if let Some(Value::Object(props)) = o.get("properties") {
                    for (name, p) in props {
                        // (Facet counts by category are a list, not a category.)
                        if (name == "status" || name == "category")
                            && resolve(doc, p)["type"] != "array"
                            && !is_enum(doc, p)
                        {
                            problems.push(format!("{at}.{name}: not an enum"));
                        }
                    }
                }
                if o.get("in").is_some_and(|i| i == "query")
                    && o.get("name")
                        .is_some_and(|n| n == "category" || n == "status")
                    && !is_enum(doc, &o["schema"])
                {
                    problems.push(format!("{at}: query parameter not an enum"));
                }
                for (k, child) in o {
                    walk(doc, &format!("{at}.{k}"), child, problems);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(doc, &format!("{at}[{i}]"), child, problems);
                }
            }
            _ => {}
        }
    }
    walk(&doc, "", &doc, &mut problems);

    // A field of a request body the server defaults is not required, and says its default.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(body) = op["requestBody"]["content"]["application/json"]["schema"].as_object()
            else {
                continue;
            };
            let mut todo = vec![resolve(&doc, &Value::Object(body.clone())).clone()];
            while let Some(schema) = todo.pop() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (name, p) in schema["properties"].as_object().into_iter().flatten() {
                    if !required.contains(&name.as_str()) && p.get("default").is_none() {
                        problems.push(format!(
                            "{method} {path}: {name} defaults but says not to what"
                        ));
                    }
                    for nested in [p, &p["items"]] {
                        let r = resolve(&doc, nested);
                        if r["properties"].is_object() {
                            todo.push(r.clone());
                        }
                    }
                }
            }
        }
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
