//! The city plan's register (issue 16): the eleven targets with both horizons as the plan
//! sets them, the phases' budgets, and administrators' corrections, audited, kept across a
//! restart, refused clearly when mistyped.

use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(
    the_register_holds_the_plans_eleven_targets,
    an_admin_corrects_a_target_and_the_change_is_audited_and_kept,
    an_officer_records_support_and_the_home_page_counts_what_is_in_force,
);

/// The plan's table (project brief, "The plan's targets"), written here independently of
/// `data/plan.json`: the English name's start, the 2025 target, the 2030 target.
const PLAN: [(&str, Option<&str>, Option<&str>); 11] = [
    (
        "Women-managed cooperatives (HTX)",
        Some("≥ 30"),
        Some("≥ 45"),
    ),
    (
        "Women-managed cooperative groups (THT)",
        Some("≥ 40"),
        Some("≥ 80"),
    ),
    (
        "Stable jobs for members and women workers in HTX",
        Some("≥ 600"),
        Some("≥ 900"),
    ),
    (
        "Stable jobs for women workers in THT",
        Some("≥ 400"),
        Some("≥ 800"),
    ),
    ("New women-managed HTX founded", Some("6"), Some("15")),
    (
        "Women managers trained in governance",
        Some("100%"),
        Some("100%"),
    ),
    (
        "Supported HTX helped with brand, trademark, traceability",
        Some("100%"),
        None,
    ),
    ("Union officers trained", Some("100%"), Some("100%")),
    (
        "Members given vocational or technical training",
        None,
        Some("≥ 50%"),
    ),
    (
        "Women managers certified as director, accountant or controller",
        None,
        Some("≥ 30%"),
    ),
    ("Members trained in e-commerce", None, Some("> 50%")),
];

async fn the_register_holds_the_plans_eleven_targets(app: TestApp) {
    let api = app.client().get("/api/v1/plan/indicators").await;
    assert_eq!(api.status, 200, "{}", api.body);
    let list = api.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), PLAN.len());
    for (got, (name, by_2025, by_2030)) in list.iter().zip(PLAN) {
        assert!(got["name_en"].as_str().unwrap().starts_with(name), "{got}");
        assert_eq!(got["target_2025"]["label"].as_str(), by_2025, "{got}");
        assert_eq!(got["target_2030"]["label"].as_str(), by_2030, "{got}");
        assert!(!got["method_vi"].as_str().unwrap().is_empty());
        assert!(!got["method_en"].as_str().unwrap().is_empty());
    }
    let page = app.client().get("/plan").await;
    assert_eq!(page.status, 200);
    for budget in ["7.081.000.000 ₫", "16.612.000.000 ₫", "23.693.000.000 ₫"] {
        assert!(page.body.contains(budget), "{budget}");
    }
    assert_eq!(page.body.matches("class=\"card indicator\"").count(), 11);
    assert!(
        !page.body.contains("data-testid=\"plan-form-"),
        "no forms for visitors"
    );
}

async fn an_admin_corrects_a_target_and_the_change_is_audited_and_kept(app: TestApp) {
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let c = app.client_as(&admin).await;
    let form_page = "/admin/plan";
    let edit = c.get(form_page).await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.body.matches("data-testid=\"plan-form-").count(), 11);
    let method_vi = "Số HTX có hồ sơ hỗ trợ còn hiệu lực.";
    let method_en = "HTX with a support record in force.";
    let fields = |t2025: &'static str, t2030: &'static str| {
        [
            ("target_2025", t2025),
            ("target_2030", t2030),
            ("method_vi", method_vi),
            ("method_en", method_en),
        ]
    };
    let audit = || async {
        ketnoi_db::audit::for_entity(app.db.conn(), "plan_indicator", "htx-supported", 10)
            .await
            .unwrap()
    };

    // Mistyped: refused beside the field, what was typed kept, nothing stored.
    let bad = c
        .submit(
            form_page,
            "/admin/plan/htx-supported",
            &fields("≥ 30", "nhiều"),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("data-testid=\"error-target_2030\""),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"nhiều\""));
    let over = c
        .submit(
            form_page,
            "/admin/plan/managers-trained",
            &[
                ("target_2025", "120%"),
                ("target_2030", "100%"),
                ("method_vi", "x"),
                ("method_en", "x"),
            ],
        )
        .await;
    assert_eq!(over.status, 422);
    assert!(over.body.contains("Tỷ lệ không thể lớn hơn 100%"));
    assert!(audit().await.is_empty());

    // Corrected: stored, shown, audited with before and after.
    let ok = c
        .submit(
            form_page,
            "/admin/plan/htx-supported",
            &fields("≥ 30", "≥ 50"),
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let back = c.get(ok.location.as_deref().unwrap()).await;
    assert!(back.body.contains("data-testid=\"saved\""));
    let api = app.client().get("/api/v1/plan/indicators").await.json();
    assert_eq!(api[0]["target_2030"]["label"], "≥ 50");
    assert_eq!(api[0]["method_en"], method_en);
    let log = audit().await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].actor_name.as_deref(),
        Some(admin.display_name.as_str())
    );
    assert!(log[0].before_json.as_deref().unwrap().contains("≥ 45"));
    assert!(log[0].after_json.as_deref().unwrap().contains("≥ 50"));

    // Saved again unchanged: nothing new in the log.
    c.submit(
        form_page,
        "/admin/plan/htx-supported",
        &fields("≥ 30", "≥ 50"),
    )
    .await;
    assert_eq!(audit().await.len(), 1);

    // The next start fills the register from the shipped file again: the correction stays.
    app.db.migrate().await.unwrap();
    let api = app.client().get("/api/v1/plan/indicators").await.json();
    assert_eq!(api[0]["target_2030"]["label"], "≥ 50");
    assert_eq!(api.as_array().unwrap().len(), 11);

    // No such indicator: 404.
    let missing = c
        .submit(
            form_page,
            "/admin/plan/no-such-indicator",
            &fields("1", "2"),
        )
        .await;
    assert_eq!(missing.status, 404);
}

/// "Supported" is support recorded by the Union and in force today: the home page says how
/// many, in words; a cooperative listed but not supported, or whose support ended, does not
/// count. The officer's mistakes are shown beside the fields with what she typed kept.
async fn an_officer_records_support_and_the_home_page_counts_what_is_in_force(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let ended = app.cooperative("htx-da-xong", "00577").await;
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let c = app.client_as(&officer).await;
    let home = c.get("/").await;
    assert!(
        home.body.contains("Trong đó 0 hợp tác xã và 0 tổ hợp tác"),
        "{}",
        home.body
    );

    let page = format!("/union/support/{}", org.slug);
    assert!(
        c.get("/union")
            .await
            .body
            .contains(&format!("href=\"{page}\""))
    );
    let backwards = c
        .submit(
            &page,
            &page,
            &[
                ("kind", "consolidation"),
                ("since", "2024-03-01"),
                ("until", "2023-12-31"),
                ("note", "Hỗ trợ củng cố bộ máy"),
            ],
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body.contains("data-testid=\"error-until\""));
    assert!(
        backwards.body.contains("Hỗ trợ củng cố bộ máy"),
        "the note is kept"
    );
    let unknown = c
        .submit(
            &page,
            &page,
            &[("kind", "tien-mat"), ("since", "2024-03-01")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("data-testid=\"error-kind\""));

    let ok = c
        .submit(
            &page,
            &page,
            &[
                ("kind", "consolidation"),
                ("since", "01/03/2024"),
                ("note", "Hỗ trợ củng cố bộ máy"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let shown = c.get(ok.location.as_deref().unwrap()).await;
    assert!(shown.body.contains("data-testid=\"saved\""));
    assert!(shown.body.contains("từ 01/03/2024"), "{}", shown.body);
    assert!(shown.body.contains("đang hỗ trợ"));
    let ended_page = format!("/union/support/{}", ended.slug);
    let ok = c
        .submit(
            &ended_page,
            &ended_page,
            &[
                ("kind", "brand"),
                ("since", "2023-06-01"),
                ("until", "2024-06-01"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    let home = c.get("/").await;
    assert!(
        home.body.contains("Trong đó 1 hợp tác xã và 0 tổ hợp tác"),
        "{}",
        home.body
    );
    let log = ketnoi_db::audit::for_org(app.db.conn(), org.id, 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].entity.as_str(), log[0].action.as_str()),
        ("support", "create")
    );
}
