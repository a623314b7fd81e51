//! How messages to someone's phone reach her, chosen on her account page: Zalo first (the
//! default), SMS only, or no phone notices; saved, shown back in Vietnamese and in English,
//! refused without the form's token or with a choice that does not exist, and offered only to
//! accounts with a phone.

use ketnoi_db::outbox;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::contact::PhoneChannel;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Client, TestApp, csrf_in, on_both_backends};

on_both_backends!(
    a_leader_with_only_a_phone_chooses_how_her_phone_messages_reach_her,
    the_phone_choice_is_offered_only_to_accounts_with_a_phone,
);

const PHONE: &str = "+84904555560";

async fn channel(app: &TestApp) -> PhoneChannel {
    outbox::phone_channel(app.db.conn(), PHONE).await.unwrap()
}

/// Posts the account page's notifications form with the page's token.
async fn save(c: &Client, fields: &[(&str, &str)]) -> u16 {
    let page = c.get("/account").await;
    let csrf = csrf_in(&page.body);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let r = c.post_form("/account/notifications", &all).await;
    if r.status == 303 {
        assert_eq!(r.location.as_deref(), Some("/account"));
    }
    r.status
}

fn checked(body: &str, testid: &str) -> bool {
    body.contains(&format!("data-testid=\"{testid}\" checked"))
}

async fn a_leader_with_only_a_phone_chooses_how_her_phone_messages_reach_her(app: TestApp) {
    let lan = app.user("0904 555 560", PlatformRole::User, None).await;
    let c = app.client_as(&lan).await;

    // Zalo first until she says otherwise; her digest comes by text message.
    let page = c.get("/account").await;
    assert_eq!(page.status, 200);
    for text in [
        "Thông báo qua số điện thoại 0904 555 560",
        "Qua Zalo (ZNS); nếu Zalo không gửi được thì nhắn SMS",
        "Chỉ nhắn SMS",
        "Không nhận thông báo qua điện thoại",
        "Những tin chị tự yêu cầu (xác nhận đăng ký, đặt lại mật khẩu) vẫn được gửi.",
        "Nhắn tin tóm tắt cho tôi khi tôi có tin nhắn chưa đọc",
    ] {
        assert!(page.body.contains(text), "{text:?} in {}", page.body);
    }
    assert!(checked(&page.body, "phone-zalo") && checked(&page.body, "digest"));
    assert!(!checked(&page.body, "phone-sms") && !checked(&page.body, "phone-off"));
    assert_eq!(channel(&app).await, PhoneChannel::Zalo);

    // A form without the page's token changes nothing.
    let refused = c
        .post_form(
            "/account/notifications",
            &[("csrf", "00ff"), ("digest", "on"), ("phone", "off")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(channel(&app).await, PhoneChannel::Zalo);
    // Nor does a choice the form does not offer.
    assert_eq!(save(&c, &[("digest", "on"), ("phone", "fax")]).await, 400);
    assert_eq!(channel(&app).await, PhoneChannel::Zalo);

    // SMS only: saved and shown.
    assert_eq!(save(&c, &[("digest", "on"), ("phone", "sms")]).await, 303);
    assert_eq!(channel(&app).await, PhoneChannel::Sms);
    let page = c.get("/account").await;
    assert!(checked(&page.body, "phone-sms") && !checked(&page.body, "phone-zalo"));

    // In English: no phone notices, and no digest either.
    c.submit("/account", "/lang", &[("lang", "en"), ("next", "/account")])
        .await;
    let page = c.get("/account").await;
    for text in [
        "Notifications to my phone 0904 555 560",
        "By Zalo (ZNS); by SMS when Zalo cannot reach me",
        "SMS only",
        "No notifications to my phone",
        "What you ask for yourself (sign-up confirmation, password reset) still comes.",
        "Text me a digest when I have unread messages",
    ] {
        assert!(page.body.contains(text), "{text:?} in {}", page.body);
    }
    assert!(checked(&page.body, "phone-sms"));
    assert_eq!(save(&c, &[("phone", "off")]).await, 303);
    assert_eq!(channel(&app).await, PhoneChannel::Off);
    let page = c.get("/account").await;
    assert!(checked(&page.body, "phone-off") && !checked(&page.body, "digest"));
    assert!(
        !ketnoi_db::digests::email_digest(app.db.conn(), lan.id)
            .await
            .unwrap()
    );

    // On again, Zalo first: the opt-out is lifted.
    assert_eq!(save(&c, &[("digest", "on"), ("phone", "zalo")]).await, 303);
    assert_eq!(channel(&app).await, PhoneChannel::Zalo);
    let page = c.get("/account").await;
    assert!(checked(&page.body, "phone-zalo") && checked(&page.body, "digest"));
}

async fn the_phone_choice_is_offered_only_to_accounts_with_a_phone(app: TestApp) {
    // E-mail only: the digest box, no phone choice.
    let hoa = app.user("hoa@example.com", PlatformRole::User, None).await;
    let page = app.client_as(&hoa).await.get("/account").await;
    assert!(page.body.contains("data-testid=\"notifications-form\""));
    assert!(
        page.body
            .contains("Gửi thư tóm tắt khi tôi có tin nhắn chưa đọc")
    );
    assert!(!page.body.contains("data-testid=\"phone-channel\""));

    // E-mail and phone: notices go by e-mail, and she is told the choice is for her phone.
    let mai = ketnoi_db::users::insert(
        app.db.conn(),
        &NewUser {
            email: Some("mai@example.com"),
            phone: Some(PHONE),
            display_name: "Trần Thị Mai",
            password_hash: "x",
            locale: Locale::Vi,
            role: PlatformRole::User,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap();
    let c = app.client_as(&mai).await;
    let page = c.get("/account").await;
    assert!(page.body.contains("data-testid=\"phone-channel\""));
    assert!(
        page.body
            .contains("Thông báo của chị được gửi qua e-mail; lựa chọn này dùng cho những tin gửi tới số điện thoại.")
    );
    assert_eq!(save(&c, &[("digest", "on"), ("phone", "sms")]).await, 303);
    assert_eq!(channel(&app).await, PhoneChannel::Sms);
}
