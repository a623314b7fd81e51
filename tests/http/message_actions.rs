//! What can be done to a message after it is sent: edit (its sender, within 15 minutes),
//! delete (its sender, or an admin of the group), reply, report; and searching one's own
//! conversations. Open pages see edits and deletions live.

use ketnoi_db::Db;
use ketnoi_db::messaging;
use ketnoi_db::users::User;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Client, TestApp, csrf_in, next_frame, on_both_backends};

on_both_backends!(
    a_sender_edits_her_message_within_fifteen_minutes_and_open_pages_see_it,
    a_deleted_message_leaves_a_placeholder_and_only_its_sender_or_an_admin_deletes,
    a_reply_quotes_its_message_and_a_report_is_kept_once,
    search_finds_ones_own_messages_with_or_without_accents,
    a_picture_is_checked_by_content_and_shown_only_to_participants,
);

async fn two(app: &TestApp) -> (User, User, i64) {
    let hoa = app.user("hoa@example.com", PlatformRole::User, None).await;
    let mai = app.user("mai@example.com", PlatformRole::User, None).await;
    let conv = ketnoi_db::network::open_direct(&app.db, hoa.id, mai.id)
        .await
        .unwrap();
    (hoa, mai, conv)
}

async fn say(app: &TestApp, conv: i64, who: &User, text: &str) -> i64 {
    messaging::post(&app.db, conv, who.id, text, None)
        .await
        .unwrap()
        .seq
}

/// Posts `fields` (with the page's CSRF token) to `path` under the conversation.
async fn act(
    client: &Client,
    conv: i64,
    path: &str,
    fields: &[(&str, &str)],
) -> ketnoi_tests::Page {
    let page = client.get(&format!("/conversations/{conv}")).await;
    let csrf = csrf_in(&page.body);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client
        .post_form(&format!("/conversations/{conv}{path}"), &form)
        .await
}

/// Moves a message's sending time `minutes` into the past.
async fn age(app: &TestApp, conv: i64, seq: i64, minutes: i64) {
    let at = ketnoi_db::now() - chrono::Duration::minutes(minutes);
    let sql = "UPDATE messages SET created_at = $1 WHERE conversation_id = $2 AND seq = $3";
    match &app.db {
        Db::Sqlite(p) => ketnoi_db::sqlx::query(sql)
            .bind(at)
            .bind(conv)
            .bind(seq)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => ketnoi_db::sqlx::query(sql)
            .bind(at)
            .bind(conv)
            .bind(seq)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

async fn a_sender_edits_her_message_within_fifteen_minutes_and_open_pages_see_it(app: TestApp) {
    let (hoa, mai, conv) = two(&app).await;
    let seq = say(&app, conv, &hoa, "Hẹn chị thứ bẩy").await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);
    let mut live = mai_c.live(conv, seq).await.expect("live");

    let page = hoa_c.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("data-testid=\"edit-link\""));
    let form = hoa_c
        .get(&format!("/conversations/{conv}/messages/{seq}/edit"))
        .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Hẹn chị thứ bẩy"));
    let res = act(
        &hoa_c,
        conv,
        &format!("/messages/{seq}/edit"),
        &[("body", "Hẹn chị thứ bảy")],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);

    let frame = next_frame(&mut live).await;
    assert_eq!(frame["type"], "update");
    assert_eq!(frame["seq"], seq);
    assert_eq!(frame["body"], "Hẹn chị thứ bảy");
    assert!(frame["edited_at"].is_string());
    let page = mai_c.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("Hẹn chị thứ bảy") && page.body.contains("data-testid=\"edited\""));
    assert!(
        !page.body.contains("data-testid=\"edit-link\""),
        "not hers to edit"
    );

    // Not hers: refused. Empty: refused with the text kept. Too late: refused, text kept.
    let res = act(
        &mai_c,
        conv,
        &format!("/messages/{seq}/edit"),
        &[("body", "x")],
    )
    .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        mai_c
            .get(&format!("/conversations/{conv}/messages/{seq}/edit"))
            .await
            .status,
        403
    );
    let res = act(
        &hoa_c,
        conv,
        &format!("/messages/{seq}/edit"),
        &[("body", "  ")],
    )
    .await;
    assert_eq!(res.status, 422);
    age(&app, conv, seq, 16).await;
    let res = act(
        &hoa_c,
        conv,
        &format!("/messages/{seq}/edit"),
        &[("body", "Sửa muộn")],
    )
    .await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("Sửa muộn") && res.body.contains("15"));
    let stored = messaging::message(app.db.conn(), conv, seq)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "Hẹn chị thứ bảy");
    // Someone outside the conversation: not found.
    let other = app
        .user("ngoai@example.com", PlatformRole::User, None)
        .await;
    let res = act(
        &app.client_as(&other).await,
        conv,
        &format!("/messages/{seq}/edit"),
        &[("body", "x")],
    )
    .await;
    assert_eq!(res.status, 404);
}

async fn a_deleted_message_leaves_a_placeholder_and_only_its_sender_or_an_admin_deletes(
    app: TestApp,
) {
    let (hoa, mai, conv) = two(&app).await;
    let seq = say(&app, conv, &hoa, "Số tài khoản của em là 0123").await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);
    let res = act(&mai_c, conv, &format!("/messages/{seq}/delete"), &[]).await;
    assert_eq!(res.status, 403, "not hers");
    let mut live = mai_c.live(conv, seq).await.expect("live");
    let res = act(&hoa_c, conv, &format!("/messages/{seq}/delete"), &[]).await;
    assert_eq!(res.status, 303);
    let frame = next_frame(&mut live).await;
    assert_eq!(frame["type"], "update");
    assert_eq!(frame["body"], "");
    assert!(frame["deleted_at"].is_string());
    let page = mai_c.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("data-testid=\"deleted\""));
    assert!(!page.body.contains("0123"), "the text is gone");
    let res = act(&hoa_c, conv, &format!("/messages/{seq}/delete"), &[]).await;
    assert_eq!(res.status, 404, "already deleted");

    // In a group, its admin may delete a member's message.
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let group = ketnoi_db::network::create_group(&app.db, officer.id, "Nhóm", None)
        .await
        .unwrap();
    ketnoi_db::network::join_group(&app.db, group, hoa.id, 10)
        .await
        .unwrap();
    ketnoi_db::network::join_group(&app.db, group, mai.id, 10)
        .await
        .unwrap();
    let seq = say(&app, group, &hoa, "Quảng cáo").await;
    assert_eq!(
        act(&mai_c, group, &format!("/messages/{seq}/delete"), &[])
            .await
            .status,
        403
    );
    let officer_c = app.client_as(&officer).await;
    assert_eq!(
        act(&officer_c, group, &format!("/messages/{seq}/delete"), &[])
            .await
            .status,
        303
    );
}

async fn a_reply_quotes_its_message_and_a_report_is_kept_once(app: TestApp) {
    let (hoa, mai, conv) = two(&app).await;
    let first = say(&app, conv, &hoa, "Chị lấy bao nhiêu hộp trà?").await;
    let mai_c = app.client_as(&mai).await;
    let page = mai_c
        .get(&format!("/conversations/{conv}?reply={first}"))
        .await;
    assert!(page.body.contains("data-testid=\"replying-to\""));
    let res = mai_c
        .post_form(
            &format!("/conversations/{conv}/messages"),
            &[
                ("csrf", &csrf_in(&page.body)),
                ("body", "Hai mươi hộp"),
                ("reply_to", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let latest = messaging::latest(app.db.conn(), conv, 10).await.unwrap();
    let reply = latest.last().unwrap();
    assert_eq!(reply.reply_to_seq, Some(first));
    assert_eq!(
        reply.reply_body.as_deref(),
        Some("Chị lấy bao nhiêu hộp trà?")
    );
    let page = mai_c.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("class=\"reply-quote\""));
    // A reply to a message that does not exist answers nothing.
    let seq = messaging::post(&app.db, conv, mai.id, "?", Some(99))
        .await
        .unwrap();
    assert_eq!(seq.reply_to_seq, None);

    // Mai reports Hoa's message; twice counts once; her own message cannot be reported.
    for _ in 0..2 {
        let res = act(
            &mai_c,
            conv,
            &format!("/messages/{first}/report"),
            &[("reason", "Lừa đảo")],
        )
        .await;
        assert_eq!(res.status, 303);
    }
    let reports = messaging::reports(app.db.conn(), 10).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].reason, "Lừa đảo");
    assert_eq!(reports[0].body, "Chị lấy bao nhiêu hộp trà?");
    let res = act(
        &mai_c,
        conv,
        &format!("/messages/{}/report", reply.seq),
        &[],
    )
    .await;
    assert_eq!(res.status, 404);
    // Officers moderate: they see the reported message; members do not see the list.
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let page = app.client_as(&officer).await.get("/union/reports").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Lừa đảo") && page.body.contains("Chị lấy bao nhiêu hộp trà?"));
    assert_eq!(mai_c.get("/union/reports").await.status, 403);
}

async fn search_finds_ones_own_messages_with_or_without_accents(app: TestApp) {
    let (hoa, mai, conv) = two(&app).await;
    say(&app, conv, &hoa, "Giá gạo nếp cái hoa vàng 50% rẻ hơn").await;
    let deleted = say(&app, conv, &hoa, "Gạo nếp bán hết rồi").await;
    messaging::delete(&app.db, conv, deleted, hoa.id, false)
        .await
        .unwrap()
        .unwrap();
    // A conversation Mai is not part of.
    let lan = app.user("lan@example.com", PlatformRole::User, None).await;
    let other = ketnoi_db::network::open_direct(&app.db, hoa.id, lan.id)
        .await
        .unwrap();
    say(&app, other, &hoa, "Gạo nếp cho chị Lan").await;

    let mai_c = app.client_as(&mai).await;
    for q in ["gạo nếp", "GAO NEP", "gao nep cai"] {
        let page = mai_c
            .get(&format!("/conversations/search?q={}", q.replace(' ', "+")))
            .await;
        assert_eq!(page.status, 200);
        assert_eq!(
            page.body.matches("data-testid=\"found-message\"").count(),
            1,
            "{q}: {}",
            page.body
        );
        assert!(page.body.contains("Giá gạo nếp cái hoa vàng"));
        assert!(!page.body.contains("chị Lan") && !page.body.contains("bán hết"));
    }
    // `%` is a character, not a wildcard.
    let page = mai_c.get("/conversations/search?q=50%25").await;
    assert_eq!(
        page.body.matches("data-testid=\"found-message\"").count(),
        1
    );
    let page = mai_c.get("/conversations/search?q=g%25p").await;
    assert!(
        page.body.contains("data-testid=\"no-results\""),
        "g%p would match as a wildcard"
    );
    // Hoa finds both of hers.
    let page = app
        .client_as(&hoa)
        .await
        .get("/conversations/search?q=gao+nep")
        .await;
    assert_eq!(
        page.body.matches("data-testid=\"found-message\"").count(),
        2
    );
}

async fn a_picture_is_checked_by_content_and_shown_only_to_participants(app: TestApp) {
    use crate::manage::{jpeg, upload};
    let (hoa, mai, conv) = two(&app).await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);
    let page = format!("/conversations/{conv}");
    let action = format!("/conversations/{conv}/attachments");
    let mut live = mai_c.live(conv, 0).await.expect("live");

    // Not a picture (whatever its name says): refused, the caption kept, nothing stored.
    let res = upload(
        &hoa_c,
        &page,
        &action,
        vec![("photo", "anh.jpg", b"%PDF-1.4 not a picture".to_vec())],
        &[("caption", "Mẫu khăn mới")],
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("Mẫu khăn mới"));
    assert!(
        messaging::latest(app.db.conn(), conv, 5)
            .await
            .unwrap()
            .is_empty()
    );
    // Over the size limit (5 MiB by default): refused.
    let res = upload(
        &hoa_c,
        &page,
        &action,
        vec![("photo", "to.jpg", vec![0xFF; 6 * 1024 * 1024])],
        &[],
    )
    .await;
    assert_eq!(res.status, 422);

    let res = upload(
        &hoa_c,
        &page,
        &action,
        vec![("photo", "khan.jpg", jpeg(640, 480, 200))],
        &[("caption", "Mẫu khăn mới")],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let frame = next_frame(&mut live).await;
    assert_eq!(frame["body"], "Mẫu khăn mới");
    let seq = frame["seq"].as_i64().unwrap();
    assert!(frame["attachment"].as_str().unwrap().ends_with(".jpg"));
    let shown = mai_c.get(&page).await;
    assert!(shown.body.contains("data-testid=\"attachment\""));
    for path in [
        format!("/conversations/{conv}/attachments/{seq}"),
        format!("/conversations/{conv}/attachments/{seq}?thumb=1"),
    ] {
        let res = mai_c.http.get(mai_c.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("private")
        );
        let bytes = res.bytes().await.unwrap();
        assert!(
            image::load_from_memory(&bytes).is_ok(),
            "{path} is a picture"
        );
    }
    // Outsiders: not found; the public media route does not serve it either.
    let other = app
        .user("ngoai@example.com", PlatformRole::User, None)
        .await;
    let other_c = app.client_as(&other).await;
    let res = other_c
        .get(&format!("/conversations/{conv}/attachments/{seq}"))
        .await;
    assert_eq!(res.status, 404);
    let file = frame["attachment"].as_str().unwrap();
    assert_eq!(other_c.get(&format!("/media/msg/{file}")).await.status, 404);
    assert_eq!(other_c.get(&format!("/media/img/{file}")).await.status, 404);
}
