//! A buyer saves listings to come back to: the heart on the listing's page, the page that
//! lists them, forgetting one; only public listings, only for herself. Both engines.

use ketnoi_domain::catalog::ListingStatus;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(a_buyer_saves_a_listing_sees_it_in_her_list_and_forgets_it);

async fn a_buyer_saves_a_listing_sees_it_in_her_list_and_forgets_it(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let vase = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    let bowl = ketnoi_tests::published_listing(&app, &org, "Bát ăn cơm hoa dây").await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let other = app
        .user("nguoikhac@example.com", PlatformRole::User, None)
        .await;
    let c = app.client_as(&buyer).await;
    let page = format!("/listings/{}", vase.id);
    let action = format!("{page}/favourite");
    assert!(c.get(&page).await.body.contains("♡ Lưu"));
    assert!(
        c.get("/favourites")
            .await
            .body
            .contains("Bạn chưa lưu sản phẩm nào")
    );

    let saved = c.submit(&page, &action, &[("on", "1")]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(saved.location.as_deref(), Some(page.as_str()));
    // Twice is once.
    assert_eq!(c.submit(&page, &action, &[("on", "1")]).await.status, 303);
    assert!(c.get(&page).await.body.contains("♥ Đã lưu"));
    let list = c.get("/favourites").await;
    assert!(list.body.contains("Bình gốm men lam"), "{}", list.body);
    assert!(!list.body.contains("Bát ăn cơm hoa dây"));
    // Hers only.
    let theirs = app.client_as(&other).await.get("/favourites").await;
    assert!(!theirs.body.contains("Bình gốm men lam"));

    // A listing taken off sale leaves her list, and cannot be saved.
    ketnoi_db::listings::set_status(app.db.conn(), bowl.id, ListingStatus::Paused)
        .await
        .unwrap();
    let hidden = format!("/listings/{}/favourite", bowl.id);
    assert_eq!(
        c.submit("/favourites", &hidden, &[("on", "1")])
            .await
            .status,
        404
    );

    let forgot = c.submit(&page, &action, &[("on", "0")]).await;
    assert_eq!(forgot.status, 303);
    assert!(!c.get("/favourites").await.body.contains("Bình gốm men lam"));
    // Without a session, the sign-in page; without the form's token, refused.
    let anonymous = app.client().post_form(&action, &[("on", "1")]).await;
    assert!(
        matches!(anonymous.status, 303 | 403),
        "{}",
        anonymous.status
    );
    let forged = c
        .post_form(&action, &[("on", "1"), ("csrf", "forged")])
        .await;
    assert_eq!(forged.status, 403);
    assert!(!c.get("/favourites").await.body.contains("Bình gốm men lam"));
}
