//! Storage failures are seen (issue 14, item 10): `/readyz` is not ready and changes are
//! refused with 503 while the database file is gone or the disk is (configured as) full,
//! instead of being accepted and lost; reading pages keeps working.

use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Backend, PASSWORD, TestApp, on_both_backends};
use std::time::Duration;

/// Posts the sign-in form (a change: it writes a session) until the answer is a 503, for at
/// most `within`; returns that answer.
async fn eventually_refused(c: &ketnoi_tests::Client, within: Duration) -> ketnoi_tests::Page {
    let form = c.get("/signin").await;
    let token = ketnoi_tests::csrf_in(&form.body);
    ketnoi_tests::support::eventually("a change refused with 503", within, || async {
        let page = c
            .post_form(
                "/signin",
                &[
                    ("csrf", token.as_str()),
                    ("login", "lan@example.com"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert!(page.status < 500 || page.status == 503, "{}", page.status);
        (page.status == 503).then_some(page)
    })
    .await
    .unwrap()
}

fn assert_refusal_explained(page: &ketnoi_tests::Page) {
    assert!(
        page.header("retry-after").is_some(),
        "no Retry-After on the refusal"
    );
    assert!(
        page.body.contains("Chưa lưu được thay đổi"),
        "the refusal is not explained in Vietnamese: {}",
        page.body
    );
}

#[tokio::test]
async fn a_deleted_database_file_makes_the_server_unready_and_refuse_changes() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.user("lan@example.com", PlatformRole::User, None).await;
    let c = app.client();
    assert_eq!(c.get("/readyz").await.status, 200);

    std::fs::remove_file(app.sqlite_path().unwrap()).unwrap();

    // The background check notices without anyone asking /readyz (it runs every 5 s).
    let refused = eventually_refused(&c, Duration::from_secs(15)).await;
    assert_refusal_explained(&refused);
    let api = c
        .post_json(
            "/api/v1/session",
            serde_json::json!({"login": "lan@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(api.status, 503, "{}", api.body);
    assert_eq!(api.json()["error"]["code"], "storage_unavailable");

    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    // Liveness still answers; a page that reads answers from the connections still open to
    // the old file, or, when it needs a new one (which finds an empty file), says the
    // storage is unavailable: never a server error.
    let anonymous = app.client();
    assert_eq!(anonymous.get("/healthz").await.status, 200);
    let page = c.get("/signin").await;
    assert!(matches!(page.status, 200 | 503), "{}", page.status);
}

on_both_backends!(too_little_free_disk_space_makes_the_server_unready_and_refuse_changes);

async fn too_little_free_disk_space_makes_the_server_unready_and_refuse_changes(app: TestApp) {
    assert_eq!(app.client().get("/readyz").await.status, 200);
    let data = tempfile::tempdir().unwrap();
    let full = TestApp::spawn_with(
        if app.sqlite_path().is_some() {
            Backend::Sqlite
        } else {
            Backend::Postgres
        },
        |config| {
            config.storage.data_dir = Some(data.path().to_owned());
            // More free space than any disk has.
            config.storage.min_free_bytes = u64::MAX;
        },
    )
    .await
    .unwrap();
    full.user("lan@example.com", PlatformRole::User, None).await;
    let c = full.client();
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    let refused = eventually_refused(&c, Duration::from_secs(15)).await;
    assert_refusal_explained(&refused);
    assert_eq!(c.get("/signin").await.status, 200);
}
