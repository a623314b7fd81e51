//! The public page cache: anonymous visitors are served stored pages, each with its own
//! CSRF token; a write through the site shows at once; signed-in visitors always get a
//! freshly rendered page.

use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{TestApp, csrf_in, on_both_backends};

on_both_backends!(
    a_stored_page_carries_each_visitors_own_csrf_token,
    a_write_through_the_site_shows_at_once,
    signed_in_visitors_and_errors_are_never_stored,
    each_language_has_its_own_stored_page,
);

const PROFILE: &str = "/orgs/htx-lua-van-phuc";

async fn a_stored_page_carries_each_visitors_own_csrf_token(app: TestApp) {
    app.cooperative("htx-lua-van-phuc", "00577").await;
    let (a, b) = (app.client(), app.client());
    let first = a.get(PROFILE).await;
    assert_eq!((first.status, first.header("x-cache")), (200, Some("miss")));
    let second = b.get(PROFILE).await;
    assert_eq!(
        (second.status, second.header("x-cache")),
        (200, Some("hit"))
    );
    let (ta, tb) = (csrf_in(&first.body), csrf_in(&second.body));
    assert_ne!(ta, tb, "each browser has its own token");
    assert!(!second.body.contains(&ta), "no other visitor's token");
    assert!(!second.body.contains("__ketnoi_csrf_token__"));
    // The token in the stored page works for the visitor it was served to.
    let switched = b
        .post_form(
            "/lang",
            &[("csrf", tb.as_str()), ("lang", "en"), ("next", PROFILE)],
        )
        .await;
    assert_eq!(switched.status, 303, "{}", switched.body);
    let wrong = b
        .post_form(
            "/lang",
            &[("csrf", ta.as_str()), ("lang", "vi"), ("next", PROFILE)],
        )
        .await;
    assert_eq!(wrong.status, 403);
}

async fn a_write_through_the_site_shows_at_once(app: TestApp) {
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Owner).await;
    let visitor = app.client();
    assert_eq!(visitor.get(PROFILE).await.header("x-cache"), Some("miss"));
    let before = visitor.get(PROFILE).await;
    assert_eq!(before.header("x-cache"), Some("hit"));
    assert!(!before.body.contains("Dệt lụa từ năm 1990."));
    let edit = format!("{PROFILE}/profile");
    let saved = app
        .client_as(&manager)
        .await
        .submit(
            &edit,
            &edit,
            &[
                ("name", "HTX Lụa Vạn Phúc"),
                ("commune_code", "00577"),
                ("story_vi", "Dệt lụa từ năm 1990."),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let after = visitor.get(PROFILE).await;
    assert_eq!(
        after.header("x-cache"),
        Some("miss"),
        "the write emptied the cache"
    );
    assert!(after.body.contains("Dệt lụa từ năm 1990."));
}

async fn signed_in_visitors_and_errors_are_never_stored(app: TestApp) {
    app.cooperative("htx-lua-van-phuc", "00577").await;
    let user = app.user("mua@example.com", PlatformRole::User, None).await;
    let signed_in = app.client_as(&user).await;
    for _ in 0..2 {
        let p = signed_in.get(PROFILE).await;
        assert_eq!((p.status, p.header("x-cache")), (200, None));
        assert!(p.body.contains(&user.display_name), "their own header");
    }
    let anonymous = app.client().get(PROFILE).await;
    assert_eq!(
        anonymous.header("x-cache"),
        Some("miss"),
        "nothing stored for them"
    );
    assert!(!anonymous.body.contains(&user.display_name));
    for _ in 0..2 {
        let missing = app.client().get("/orgs/khong-co").await;
        assert_eq!((missing.status, missing.header("x-cache")), (404, None));
        let bad = app.client().get("/orgs?stars=9").await;
        assert_eq!((bad.status, bad.header("x-cache")), (422, None));
    }
    // Pages outside the catalogue are not stored either.
    let home = app.client().get("/").await;
    assert_eq!((home.status, home.header("x-cache")), (200, None));
}

async fn each_language_has_its_own_stored_page(app: TestApp) {
    app.cooperative("htx-lua-van-phuc", "00577").await;
    let vi = app.client().get("/orgs").await;
    let en = app
        .client()
        .get_with("/orgs", &[("accept-language", "en-GB,en;q=0.9")])
        .await;
    assert_eq!(
        (vi.header("x-cache"), en.header("x-cache")),
        (Some("miss"), Some("miss"))
    );
    assert!(vi.body.contains("<html lang=\"vi\">"));
    assert!(en.body.contains("<html lang=\"en\">"));
    let en_again = app
        .client()
        .get_with("/orgs", &[("accept-language", "en")])
        .await;
    assert_eq!(en_again.header("x-cache"), Some("hit"));
    assert!(en_again.body.contains("<html lang=\"en\">"));
}
