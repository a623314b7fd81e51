//! A stamp scanned from more distinct phones than the threshold is flagged for its cooperative.

use super::*;
use ketnoi_test_support::eventually_true;

mod a_stamp_scanned_from_too_many_clients_is_flagged_for_its_cooperative {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        super::copied(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::copied(Backend::Postgres).await;
    }
}

async fn copied(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.stamp_copy = ketnoi_app::trace::CopyRule {
            threshold: 3,
            window: Duration::from_secs(3600),
        };
    })
    .await
    else {
        return;
    };
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, "").await;
    let code = trace_code(&c).await;
    let l = lot(&c, "C1", &[]).await;
    stamps(&c, l, 5).await;
    let stamp = |serial: &str| format!("/t/{code}/10/C1/21/{serial}");
    let visitor = app.client();
    // Stamp 000002 copied onto other packs: five different phones scan it.
    for n in 1..=5 {
        let agent = format!("Mozilla/5.0 (Linux; Android 14; Phone {n}) Zalo/24.{n}");
        let page = visitor
            .get_with(&stamp("000002"), &[("user-agent", &agent)])
            .await;
        assert_eq!(page.status, 200);
    }
    // Stamp 000003 scanned ten times by its one buyer.
    let buyer_phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1) Safari/604.1";
    for _ in 0..10 {
        let page = visitor
            .get_with(&stamp("000003"), &[("user-agent", buyer_phone)])
            .await;
        assert_eq!(page.status, 200);
    }
    // The link set is not a scan.
    visitor
        .get_with(&format!("{}?linkType=linkset", stamp("000004")), &[])
        .await;

    let home = c.path("/trace");
    let (manager, path) = (&c.manager, home.as_str());
    eventually_true(
        "the cooperative sees the copied stamp",
        Duration::from_secs(10),
        || async move {
            manager
                .get(path)
                .await
                .body
                .contains("data-testid=\"copy-flag\"")
        },
    )
    .await
    .unwrap();
    let page = c.manager.get(&home).await;
    assert_eq!(count_of(&page.body, "copy-flag"), 1, "{}", page.body);
    let flag = page
        .body
        .split("data-testid=\"copy-flag\"")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .unwrap();
    assert!(flag.contains("000002") && flag.contains("C1"), "{flag}");
    assert!(flag.contains("5 thiết bị khác nhau"), "{flag}");
    assert!(
        flag.contains(&format!("/orgs/htx-banh-com/lots/{l}")),
        "{flag}"
    );
    // Whoever scans it next is warned.
    let next = visitor.get(&stamp("000002")).await;
    assert_eq!(next.status, 200);
    assert!(
        next.body.contains("data-testid=\"trace-copied\""),
        "{}",
        next.body
    );

    // One phone, ten scans: counted, not flagged.
    let db = &app.db;
    eventually_true(
        "the ten scans of 000003 are counted",
        Duration::from_secs(10),
        || async move {
            ketnoi_db::trace::stamp(db.conn(), l, "000003")
                .await
                .unwrap()
                .is_some_and(|s| s.scans == 10)
        },
    )
    .await
    .unwrap();
    let s3 = ketnoi_db::trace::stamp(app.db.conn(), l, "000003")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s3.flagged_at, None);
    let own = visitor
        .get_with(&stamp("000003"), &[("user-agent", buyer_phone)])
        .await;
    assert!(!own.body.contains("data-testid=\"trace-copied\""));
    assert_eq!(text_of(&own.body, "trace-scans"), "10 lượt quét trước đây");
    let s4 = ketnoi_db::trace::stamp(app.db.conn(), l, "000004")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s4.scans, 0, "asking for links is not a scan");
    let page = c.manager.get(&home).await;
    assert_eq!(count_of(&page.body, "copy-flag"), 1, "{}", page.body);
}
