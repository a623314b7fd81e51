//! Scope and bad input: another cooperative cannot touch a lot; mistakes are said beside
//! their field; a lot's steps follow its making.

use super::*;

on_both_backends!(
    bad_lot_step_and_stamp_input_is_refused_beside_its_field,
    a_lot_recorded_after_it_was_made_begins_with_its_making,
    a_step_dated_before_its_lot_was_made_is_refused,
);

#[tokio::test]
async fn another_cooperatives_manager_cannot_touch_the_lot() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let a = coop(&app, "htx-lua-gao", "Gạo nếp cái hoa vàng").await;
    let b = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&a, "").await;
    traceable(&b, "").await;
    let l = lot(&a, "R1", &[]).await;
    stamps(&a, l, 3).await;
    let b_page = b.manager.get(&b.path("/trace")).await;
    let csrf = csrf_in(&b_page.body);
    let gets = ["", "/stamps.pdf", "/epcis.jsonld"];
    let posts: [(&str, &[(&str, &str)]); 3] = [
        (
            "/steps",
            &[("step", "packing"), ("occurred_at", "2026-11-21T08:30")],
        ),
        ("/stamps", &[("count", "5")]),
        ("/recall", &[("reason", "Giả mạo")]),
    ];
    // Under her own cooperative's address, another's lot does not exist.
    for rest in gets {
        let path = b.lot_path(l, rest);
        assert_eq!(b.manager.get(&path).await.status, 404, "{path}");
    }
    for (rest, fields) in posts {
        let path = b.lot_path(l, rest);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        assert_eq!(b.manager.post_form(&path, &all).await.status, 404, "{path}");
    }
    // Under the other cooperative's address: not hers.
    for rest in gets {
        let path = a.lot_path(l, rest);
        assert_eq!(b.manager.get(&path).await.status, 403, "{path}");
    }
    for rest in [
        "/trace",
        "/trace/lots.csv",
        "/trace/epcis.jsonld",
        "/lots/new",
    ] {
        let path = a.path(rest);
        assert_eq!(b.manager.get(&path).await.status, 403, "{path}");
    }
    for (rest, fields) in posts {
        let path = a.lot_path(l, rest);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        assert_eq!(b.manager.post_form(&path, &all).await.status, 403, "{path}");
    }
    // Nor can she make the other's listing hers, or make a lot of it.
    let listing = a.listing.to_string();
    let enabled = b
        .manager
        .post_form(
            &b.path("/trace/products"),
            &[("csrf", &csrf), ("listing_id", &listing), ("gtin", "")],
        )
        .await;
    assert_eq!(enabled.status, 422, "{}", enabled.body);
    let made = post_lot(&b, &[("product", &listing), ("code", "X1")]).await;
    assert_eq!(made.status, 422, "{}", made.body);
    assert!(made.body.contains("data-testid=\"form-error\"") || made.body.contains("has-error"));
    // Anonymous visitors are sent to sign in.
    let anonymous = app.client();
    let signin = anonymous.get(&a.lot_path(l, "")).await;
    assert!(matches!(signin.status, 303 | 401), "{}", signin.status);

    // Without the CSRF token, or with a forged one, a post is refused before anything else,
    // even by the lot's own manager.
    for (rest, fields) in posts {
        for client in [&a.manager, &b.manager] {
            for token in [None, Some("forged")] {
                let path = a.lot_path(l, rest);
                let mut all: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
                all.extend_from_slice(fields);
                assert_eq!(client.post_form(&path, &all).await.status, 403, "{path}");
                let path = b.lot_path(l, rest);
                assert_eq!(client.post_form(&path, &all).await.status, 403, "{path}");
            }
        }
    }
    for path in [a.path("/lots"), a.path("/trace/products")] {
        let refused = a
            .manager
            .post_form(
                &path,
                &[
                    ("listing_id", &listing),
                    ("product", &listing),
                    ("code", "X2"),
                    ("produced_on", "2026-11-20"),
                    ("quantity", "5"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{path}");
    }
    // Nothing changed.
    let now = ketnoi_db::trace::lot(app.db.conn(), l)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, "active");
    assert_eq!(now.stamps, 3);
    let steps = ketnoi_db::trace::events_of(app.db.conn(), l).await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(
        ketnoi_db::trace::lots_of(app.db.conn(), a.org.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        ketnoi_db::trace::lots_of(app.db.conn(), b.org.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn bad_lot_step_and_stamp_input_is_refused_beside_its_field(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, "").await;
    let code = trace_code(&c).await;
    let lot_code_message = "Mã lô gồm 1 đến 20 ký tự";
    for bad in ["L 01", "LÔ-01", "BÁNH", "", "..", "L0123456789012345678901"] {
        let refused = post_lot(&c, &[("code", bad)]).await;
        assert_eq!(refused.status, 422, "{bad:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-code").contains(lot_code_message),
            "{bad:?}: {}",
            refused.body
        );
    }
    let expiry = post_lot(&c, &[("expires_on", &day(-18))]).await;
    assert_eq!(expiry.status, 422, "{}", expiry.body);
    assert!(
        text_of(&expiry.body, "error-expires_on").contains("Hạn sử dụng phải sau ngày sản xuất"),
        "{}",
        expiry.body
    );
    let future = post_lot(&c, &[("produced_on", "2099-01-01")]).await;
    assert_eq!(future.status, 422);
    assert!(future.body.contains("data-testid=\"error-produced_on\""));
    for quantity in ["0", "-5", "nhiều", ""] {
        let refused = post_lot(&c, &[("quantity", quantity)]).await;
        assert_eq!(refused.status, 422, "{quantity:?}");
        assert!(refused.body.contains("data-testid=\"error-quantity\""));
    }
    let unknown = format!("{}/t/{code}/10/KHONG-CO", app.url);
    for link in [unknown.as_str(), "https://example.com/khong-phai-tem"] {
        let refused = post_lot(&c, &[("input_links", link)]).await;
        assert_eq!(refused.status, 422, "{link}: {}", refused.body);
        let said = text_of(&refused.body, "error-input_links");
        assert!(
            said.contains("Không tìm thấy lô hàng của đường dẫn") && said.contains(link),
            "{link}: {said}"
        );
        assert!(refused.body.contains(link), "what she pasted is kept");
    }
    let unknown_input = post_lot(&c, &[("input", "999999")]).await;
    assert_eq!(unknown_input.status, 422);
    let not_a_number = post_lot(&c, &[("input", "R1")]).await;
    assert_eq!(not_a_number.status, 422);
    // None of these made a lot; a good one is made, once per code.
    assert!(
        ketnoi_db::trace::lots_of(app.db.conn(), c.org.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let l = lot(&c, "L-2026.11_01", &[]).await;
    let twice = post_lot(&c, &[("code", "L-2026.11_01")]).await;
    assert_eq!(twice.status, 422);
    assert!(text_of(&twice.body, "error-code").contains("đã có lô mang mã này"));

    // Steps.
    for at in [
        "hôm qua",
        "2026-11-21",
        "21/11/2026 08:30",
        "2026-13-01T08:30",
        "",
    ] {
        let refused = post_step(
            &c,
            l,
            &[("step", "packing"), ("occurred_at", at), ("place", "")],
        )
        .await;
        assert_eq!(refused.status, 422, "{at:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-occurred_at").contains("Nhập ngày và giờ"),
            "{at:?}: {}",
            refused.body
        );
    }
    for step in ["commissioning", "eating", ""] {
        let refused = post_step(
            &c,
            l,
            &[
                ("step", step),
                ("occurred_at", &format!("{}T08:30", day(-16))),
            ],
        )
        .await;
        assert_eq!(refused.status, 422, "{step:?}");
    }
    let later = post_step(
        &c,
        l,
        &[("step", "packing"), ("occurred_at", "2099-01-01T08:30")],
    )
    .await;
    assert_eq!(later.status, 422);
    // Stamps.
    for count in ["0", "100001", "-1", "mười", ""] {
        let refused = post_stamps(&c, l, count).await;
        assert_eq!(refused.status, 422, "{count:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-count").contains("Số tem từ 1 đến 100000"),
            "{count:?}: {}",
            refused.body
        );
    }
    // A recall needs its reason.
    let no_reason = c
        .manager
        .submit(
            &c.lot_path(l, ""),
            &c.lot_path(l, "/recall"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(no_reason.body.contains("data-testid=\"error-reason\""));
    let now = ketnoi_db::trace::lot(app.db.conn(), l)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.stamps, now.status.as_str()), (0, "active"));
    assert_eq!(
        ketnoi_db::trace::events_of(app.db.conn(), l)
            .await
            .unwrap()
            .len(),
        1
    );
    // Malformed ids in paths: not found or bad request, never a 500.
    for path in [
        c.path("/lots/abc"),
        c.path("/lots/-1"),
        c.path("/lots/99999999999999999999"),
        format!("/api/v1/lots/{}", "x"),
    ] {
        let status = c.manager.get(&path).await.status;
        assert!(matches!(status, 400 | 404), "{path}: {status}");
    }
}

/// The first step a visitor reads on a lot's public page.
async fn first_public_step(app: &TestApp, path: &str) -> String {
    let page = app.client().get(path).await;
    assert_eq!(page.status, 200, "{path}");
    text_of(&page.body, "trace-step")
        .split(" · ")
        .next()
        .unwrap()
        .to_owned()
}

/// A cooperative often enters a lot after she made it, with the steps it went through
/// since: the lot's story still begins with its making (commissioning), on the trace page, in
/// the API and in EPCIS, not with processing dated before the lot existed. Whether she made
/// it days ago or this morning.
async fn a_lot_recorded_after_it_was_made_begins_with_its_making(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    // Made 17 days ago, entered today, processed the day after it was made, packed the next.
    let l = lot(&c, "C1", &[]).await;
    let (processed, packed) = (format!("{}T08:30", day(-16)), format!("{}T10:00", day(-15)));
    step(&c, l, "transforming", &processed, "Xưởng bánh", "").await;
    step(&c, l, "packing", &packed, "", "").await;
    assert_eq!(
        first_public_step(&app, &gtin_path("C1", None)).await,
        "Tạo lô, gán mã",
        "the trace page shows the lot processed before it was made"
    );
    let json = app.client().get(&format!("/api/v1/lots/{l}")).await.json();
    assert_eq!(json["steps"][0]["step"], "commissioning", "{json}");
    let doc = app
        .client()
        .get(&format!("/api/v1/lots/{l}/epcis"))
        .await
        .json();
    let list = events(&doc);
    assert_eq!(
        (list[0]["type"].as_str(), list[0]["action"].as_str()),
        (Some("ObjectEvent"), Some("ADD")),
        "EPCIS: commissioned after its transformation: {doc}"
    );

    // Made this morning, processed at midnight, entered later in the day.
    let today = day(0);
    let l2 = lot(&c, "C2", &[("produced_on", &today)]).await;
    step(&c, l2, "transforming", &format!("{today}T00:00"), "", "").await;
    assert_eq!(
        first_public_step(&app, &gtin_path("C2", None)).await,
        "Tạo lô, gán mã",
        "a lot made today is shown processed before it was made"
    );
}

/// A step dated before the day its lot was made is a typing mistake: refused beside the
/// time, nothing recorded.
async fn a_step_dated_before_its_lot_was_made_is_refused(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let l = lot(&c, "C1", &[]).await;
    let before = post_step(
        &c,
        l,
        &[
            ("step", "packing"),
            ("occurred_at", &format!("{}T08:30", day(-36))),
        ],
    )
    .await;
    assert_eq!(before.status, 422, "a step 19 days before the lot was made");
    assert!(before.body.contains("data-testid=\"error-occurred_at\""));
    let steps = ketnoi_db::trace::events_of(app.db.conn(), l).await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
}
