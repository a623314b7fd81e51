//! E-mail digests of unread messages, delivered through a real SMTP server (aiosmtpd,
//! started by the harness) and read back from its mailbox: one digest per person, in her
//! language, never twice for the same messages, not for what she has read, not when she has
//! turned digests off, and retried when the SMTP server is away.

use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_notify::{Channels, Smtp};
use ketnoi_test_support::TempSmtp;
use ketnoi_tests::{TestApp, csrf_in, on_both_backends};
use std::sync::Arc;
use std::time::Duration;

on_both_backends!(
    unread_messages_reach_the_mailbox_as_one_digest_in_each_language,
    a_digest_waits_for_the_delay_and_for_smtp,
);

const SITE: &str = "https://ketnoi.test";

fn channels(smtp_url: &str, dir: &std::path::Path) -> Channels {
    let mut channels = Channels::mailbox(dir.to_owned());
    channels.email = Arc::new(Smtp::new(smtp_url, "Ketnoi <no-reply@ketnoi.vn>").unwrap());
    channels
}

/// Queues due digests (no delay) and delivers the outbox; returns (queued, sent).
async fn digest_now(app: &TestApp, channels: &Channels) -> (usize, usize) {
    let queued = ketnoi_app::digest::enqueue_due(&app.db, SITE, Duration::ZERO)
        .await
        .unwrap();
    let sent = ketnoi_notify::deliver_due(&app.db, channels).await.unwrap();
    (queued, sent)
}

/// (to, subject, text body) of a raw message.
fn read(raw: &str) -> (String, String, String) {
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    (header("To"), header("Subject"), mail.get_body().unwrap())
}

async fn english_user(app: &TestApp, email: &str) -> User {
    ketnoi_db::users::insert(
        app.db.conn(),
        &NewUser {
            email: Some(email),
            phone: None,
            display_name: "Jane Buyer",
            password_hash: "x",
            locale: Locale::En,
            role: PlatformRole::User,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap()
}

async fn unread_messages_reach_the_mailbox_as_one_digest_in_each_language(app: TestApp) {
    let Some(smtp) = TempSmtp::new() else {
        return;
    };
    let mailbox = tempfile::tempdir().unwrap();
    let channels = channels(&smtp.url(), mailbox.path());
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Khăn lụa tơ tằm").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Manager).await;
    let buyer = english_user(&app, "jane@example.com").await;

    // Jane asks; the manager has not read it: one digest, for the manager only, in Vietnamese.
    let conv = ketnoi_db::messaging::open_inquiry(&app.db, buyer.id, org.id, Some(listing.id))
        .await
        .unwrap();
    ketnoi_db::messaging::post(&app.db, conv, buyer.id, "Khăn này có màu xanh không?", None)
        .await
        .unwrap();
    assert_eq!(digest_now(&app, &channels).await, (1, 1));
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    let (to, subject, body) = read(&got[0]);
    assert_eq!(to, "quanly@example.com");
    assert_eq!(subject, "Ketnoi: 1 tin nhắn chưa đọc");
    assert!(body.contains("Khăn lụa tơ tằm: 1 tin mới"), "{body}");
    assert!(
        body.contains("Jane Buyer: “Khăn này có màu xanh không?”"),
        "{body}"
    );
    assert!(
        body.contains(&format!("{SITE}/conversations/{conv}")),
        "{body}"
    );
    assert!(body.contains(&format!("{SITE}/account")), "{body}");
    // Never twice for the same message.
    assert_eq!(digest_now(&app, &channels).await, (0, 0));

    // The manager answers twice: Jane's digest is in English and counts both.
    ketnoi_db::messaging::post(&app.db, conv, manager.id, "Dạ có ạ.", None)
        .await
        .unwrap();
    ketnoi_db::messaging::post(&app.db, conv, manager.id, "Màu xanh ngọc.", None)
        .await
        .unwrap();
    assert_eq!(digest_now(&app, &channels).await, (1, 1));
    let got = smtp.messages();
    let (to, subject, body) = read(&got[1]);
    assert_eq!(to, "jane@example.com");
    assert_eq!(subject, "Ketnoi: 2 unread messages");
    assert!(body.contains("Khăn lụa tơ tằm: 2 new"), "{body}");
    assert!(body.contains("Màu xanh ngọc."), "{body}");

    // What she has read is not in a digest.
    ketnoi_db::messaging::post(&app.db, conv, manager.id, "Chị cần mấy chiếc?", None)
        .await
        .unwrap();
    let jane = app.client_as(&buyer).await;
    assert_eq!(
        jane.get(&format!("/conversations/{conv}")).await.status,
        200
    );
    assert_eq!(digest_now(&app, &channels).await, (0, 0));

    // Turned off on her account page: nothing; turned on again: the next one comes.
    let page = jane.get("/account").await;
    assert!(
        page.body.contains("data-testid=\"digest\" checked"),
        "on by default"
    );
    let off = jane
        .post_form("/account/notifications", &[("csrf", &csrf_in(&page.body))])
        .await;
    assert_eq!(off.status, 303);
    assert!(
        !jane
            .get("/account")
            .await
            .body
            .contains("data-testid=\"digest\" checked")
    );
    ketnoi_db::messaging::post(&app.db, conv, manager.id, "Chị ơi?", None)
        .await
        .unwrap();
    assert_eq!(digest_now(&app, &channels).await, (0, 0));
    let page = jane.get("/account").await;
    let on = jane
        .post_form(
            "/account/notifications",
            &[("csrf", &csrf_in(&page.body)), ("digest", "on")],
        )
        .await;
    assert_eq!(on.status, 303);
    assert_eq!(digest_now(&app, &channels).await, (1, 1));
    assert_eq!(smtp.messages().len(), 3);
}

async fn a_digest_waits_for_the_delay_and_for_smtp(app: TestApp) {
    let Some(smtp) = TempSmtp::new() else {
        return;
    };
    let mailbox = tempfile::tempdir().unwrap();
    let a = app.user("hoa@example.com", PlatformRole::User, None).await;
    let b = app.user("mai@example.com", PlatformRole::User, None).await;
    let conv = ketnoi_db::network::open_direct(&app.db, a.id, b.id)
        .await
        .unwrap();
    ketnoi_db::messaging::post(&app.db, conv, a.id, "Chào chị", None)
        .await
        .unwrap();
    // Fifteen minutes have not passed.
    let queued = ketnoi_app::digest::enqueue_due(&app.db, SITE, Duration::from_secs(15 * 60))
        .await
        .unwrap();
    assert_eq!(queued, 0);

    // The SMTP server is away: the digest stays queued, with a later attempt planned.
    let away = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        channels(&format!("smtp://127.0.0.1:{port}"), mailbox.path())
    };
    assert_eq!(digest_now(&app, &away).await, (1, 0));
    let queued = ketnoi_db::outbox::for_recipient(app.db.conn(), "mai@example.com")
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].attempts, 1);
    assert!(queued[0].sent_at.is_none());
    // Not due again at once (backoff), so a working server gets nothing yet.
    let working = channels(&smtp.url(), mailbox.path());
    assert_eq!(
        ketnoi_notify::deliver_due(&app.db, &working).await.unwrap(),
        0
    );
    assert!(smtp.messages().is_empty());
}
