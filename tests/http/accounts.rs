//! Sign-up, sign-in, sign-out, password reset and rate limits through the HTML forms.

use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{PASSWORD, TestApp, on_both_backends};
use std::net::{IpAddr, Ipv4Addr};

on_both_backends!(
    sign_up_signs_in_and_sign_out_signs_out,
    sign_up_by_mobile_number_normalises_it,
    sign_up_errors_are_shown_by_their_fields_and_input_is_kept,
    a_taken_login_gets_the_same_answer_and_its_owner_a_message,
    sign_in_with_a_wrong_password_says_so_without_saying_which,
    sign_in_returns_to_where_the_user_was_going,
    wrong_passwords_slow_one_address_down_without_locking_the_owner_out,
    sign_ups_from_one_address_are_limited_and_others_still_get_in,
    names_that_pass_for_staff_or_hide_characters_are_refused,
    password_reset_sets_a_new_password_once_and_ends_sessions,
    password_reset_does_not_reveal_accounts,
    a_form_with_a_wrong_csrf_token_is_refused_and_keeps_input,
    signing_in_keeps_the_language_the_visitor_was_reading,
);

async fn sign_up_signs_in_and_sign_out_signs_out(app: TestApp) {
    let c = app.client();
    let sent = c
        .submit(
            "/signup",
            "/signup",
            &[
                ("display_name", "Nguyễn Thị Lan"),
                ("login", "Lan@Example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Gần xong rồi"), "{}", sent.body);
    assert_eq!(
        ketnoi_db::users::count(app.db.conn()).await.unwrap(),
        0,
        "no account before the link is opened"
    );
    let link = app.sign_up_link("lan@example.com").await;
    let page = c.get(&link).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        ketnoi_db::users::count(app.db.conn()).await.unwrap(),
        0,
        "opening the link (as a mail scanner would) creates nothing"
    );
    let token = link.split("token=").nth(1).unwrap();
    let r = c
        .submit(&link, "/signup/confirm", &[("token", token)])
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/account")),
        "{}",
        r.body
    );
    let account = c.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Nguyễn Thị Lan"));
    assert!(
        account.body.contains("lan@example.com"),
        "e-mail stored lower-case"
    );
    let user = ketnoi_db::users::find_by_email(app.db.conn(), "lan@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    let again = app
        .client()
        .submit(&link, "/signup/confirm", &[("token", token)])
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again.body.contains("đã được dùng"), "a link works once");

    let out = c.submit("/account", "/signout", &[]).await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/")));
    let after = c.get("/account").await;
    assert_eq!(after.status, 303);
    assert!(after.location.unwrap().starts_with("/signin?next="));

    let back = c
        .submit(
            "/signin",
            "/signin",
            &[
                ("login", "LAN@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(
        (back.status, back.location.as_deref()),
        (303, Some("/account"))
    );
}

async fn sign_up_by_mobile_number_normalises_it(app: TestApp) {
    let c = app.client();
    let r = app
        .sign_up(
            &c,
            &[
                ("display_name", "Lan"),
                ("login", "0912 345 678"),
                ("password", PASSWORD),
            ],
            "+84912345678",
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        ketnoi_db::users::find_by_phone(app.db.conn(), "+84912345678")
            .await
            .unwrap()
            .is_some()
    );
    let other = app.client();
    let again = other
        .submit(
            "/signin",
            "/signin",
            &[("login", "+84 912 345 678"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 303);
}

async fn sign_up_errors_are_shown_by_their_fields_and_input_is_kept(app: TestApp) {
    let c = app.client();
    let long_name = "Đ".repeat(101);
    let r = c
        .submit(
            "/signup",
            "/signup",
            &[
                ("display_name", &long_name),
                ("login", "lan@"),
                ("password", "ngắn"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("data-testid=\"error-display_name\""));
    assert!(r.body.contains("Tối đa 100 ký tự."));
    assert!(
        r.body
            .contains("Hãy nhập thư điện tử hoặc số di động Việt Nam")
    );
    assert!(r.body.contains("Mật khẩu cần ít nhất 8 ký tự."));
    assert!(
        r.body.contains("value=\"lan@\""),
        "what the user typed is kept"
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert_eq!(ketnoi_db::users::count(app.db.conn()).await.unwrap(), 0);
}

async fn a_taken_login_gets_the_same_answer_and_its_owner_a_message(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let app = &app;
    let attempt = |login: &'static str| async move {
        let form = app
            .client()
            .submit(
                "/signup",
                "/signup",
                &[
                    ("display_name", "Lan Hai"),
                    ("login", login),
                    ("password", PASSWORD),
                ],
            )
            .await;
        let api = app
            .client()
            .post_json(
                "/api/v1/accounts",
                serde_json::json!({"display_name": "Lan Hai", "login": login, "password": PASSWORD}),
            )
            .await;
        (form, api)
    };
    let (taken_form, taken_api) = attempt("lan@example.com").await;
    let (new_form, new_api) = attempt("mai@example.com").await;
    assert_eq!((taken_form.status, new_form.status), (200, 200));
    let notice = |body: &str| {
        body.split("data-testid=\"notice\">")
            .nth(1)
            .map(str::to_owned)
    };
    assert!(notice(&taken_form.body).is_some());
    assert_eq!(notice(&taken_form.body), notice(&new_form.body));
    assert_eq!((taken_api.status, new_api.status), (202, 202));
    assert_eq!(taken_api.body, new_api.body);
    // The owner is told someone tried; no second account, no link to make one.
    let to_owner = ketnoi_db::outbox::for_recipient(app.db.conn(), "lan@example.com")
        .await
        .unwrap();
    assert_eq!(to_owner.len(), 2);
    assert!(to_owner.iter().all(|m| m.kind == "signup_exists"));
    assert!(to_owner[0].body.contains("/password/forgot"));
    assert!(!to_owner[0].body.contains("/signup/confirm"));
    assert_eq!(ketnoi_db::users::count(app.db.conn()).await.unwrap(), 1);
}

async fn sign_in_with_a_wrong_password_says_so_without_saying_which(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let wrong_pw = app
        .client()
        .submit(
            "/signin",
            "/signin",
            &[("login", "lan@example.com"), ("password", "sai-mat-khau")],
        )
        .await;
    let no_user = app
        .client()
        .submit(
            "/signin",
            "/signin",
            &[("login", "mai@example.com"), ("password", "sai-mat-khau")],
        )
        .await;
    assert_eq!(wrong_pw.status, 422);
    assert_eq!(no_user.status, 422);
    let msg = "Thông tin đăng nhập hoặc mật khẩu không đúng.";
    assert!(wrong_pw.body.contains(msg) && no_user.body.contains(msg));
    assert!(wrong_pw.body.contains("value=\"lan@example.com\""));
}

async fn sign_in_returns_to_where_the_user_was_going(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let c = app.client();
    let gate = c.get("/orgs/new").await;
    assert_eq!(gate.status, 303);
    let to = gate.location.unwrap();
    assert_eq!(to, "/signin?next=%2Forgs%2Fnew");
    let r = c
        .submit(
            &to,
            "/signin",
            &[
                ("login", "lan@example.com"),
                ("password", PASSWORD),
                ("next", "/orgs/new"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/orgs/new"));
    let evil = c
        .submit(
            "/signin",
            "/signin",
            &[
                ("login", "lan@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(evil.location.as_deref(), Some("/"));
}

const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 66));
const OWNER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 77));

async fn wrong_passwords_slow_one_address_down_without_locking_the_owner_out(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let attacker = app.client_from(ATTACKER);
    let mut refused_with_a_wait = 0;
    for _ in 0..50 {
        let r = attacker
            .submit(
                "/signin",
                "/signin",
                &[("login", "lan@example.com"), ("password", "sai-mat-khau")],
            )
            .await;
        match r.status {
            422 => {}
            429 => {
                refused_with_a_wait += 1;
                assert!(r.body.contains("Bạn đã thử quá nhiều lần"), "{}", r.body);
            }
            other => panic!("{other}: {}", r.body),
        }
    }
    assert!(refused_with_a_wait >= 40, "{refused_with_a_wait}");
    // The attacker's address must wait, even with the right password...
    let api = attacker
        .post_json(
            "/api/v1/session",
            serde_json::json!({"login": "lan@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(api.status, 429, "{}", api.body);
    assert_eq!(api.json()["error"]["code"], "too_many_requests");
    let wait: u64 = api.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1);
    // ... while the owner, from her own address, signs in at once.
    let owner = app.client_from(OWNER);
    let r = owner
        .submit(
            "/signin",
            "/signin",
            &[("login", "lan@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let api = app
        .client_from(OWNER)
        .post_json(
            "/api/v1/session",
            serde_json::json!({"login": "lan@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
}

async fn sign_ups_from_one_address_are_limited_and_others_still_get_in(app: TestApp) {
    let flood = app.client_from(ATTACKER);
    let answers = futures::future::join_all((0..40).map(|i| {
        flood.post_json(
            "/api/v1/accounts",
            serde_json::json!({
                "display_name": "Khách",
                "login": format!("khach{i}@example.com"),
                "password": PASSWORD,
            }),
        )
    }))
    .await;
    let created = answers.iter().filter(|r| r.status == 202).count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|r| r.status == 429 || r.status == 503)
        .collect();
    assert_eq!(created + refused.len(), 40);
    assert!(created <= 5, "{created} created from one address at once");
    for r in &refused {
        let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!(wait >= 1, "{}", r.body);
    }
    let other = app
        .client_from(OWNER)
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({
                "display_name": "Lan",
                "login": "lan@example.com",
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(other.status, 202, "{}", other.body);
}

async fn names_that_pass_for_staff_or_hide_characters_are_refused(app: TestApp) {
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let c = app.client();
    let sign_up = |name: String, login: &'static str| {
        c.post_json(
            "/api/v1/accounts",
            serde_json::json!({"display_name": name, "login": login, "password": PASSWORD}),
        )
    };
    let refused = [
        // The administrator's name, as is and with other case and spacing.
        (admin.display_name.clone(), "err-name-reserved"),
        (
            admin.display_name.to_uppercase().replace(' ', "  "),
            "err-name-reserved",
        ),
        ("Quan tri vien".to_owned(), "err-name-reserved"),
        // The same with a zero-width space, or reversed by a right-to-left override.
        (
            admin.display_name.replacen(' ', " \u{200B}", 1),
            "err-control-chars",
        ),
        (
            format!("\u{202E}{}", admin.display_name),
            "err-control-chars",
        ),
    ];
    for (name, code) in refused {
        let r = sign_up(name.clone(), "gia@example.com").await;
        assert_eq!(r.status, 422, "{name:?}: {}", r.body);
        assert_eq!(
            r.json()["error"]["fields"]["display_name"][0]["code"],
            code,
            "{name:?}"
        );
    }
    let ok = sign_up("Nguyễn Thị Hoa".to_owned(), "hoa@example.com").await;
    assert_eq!(ok.status, 202, "{}", ok.body);
}

fn reset_link(body: &str) -> String {
    let start = body
        .find("/password/reset?token=")
        .expect("a reset link in the message");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn password_reset_sets_a_new_password_once_and_ends_sessions(app: TestApp) {
    let user = app.user("lan@example.com", PlatformRole::User, None).await;
    let old_session = app.client_as(&user).await;
    assert_eq!(old_session.get("/account").await.status, 200);

    let c = app.client();
    let r = c
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("login", "lan@example.com")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("data-testid=\"notice\""));
    let mail = ketnoi_db::outbox::for_recipient(app.db.conn(), "lan@example.com")
        .await
        .unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "Đặt lại mật khẩu Ketnoi");
    let link = reset_link(&mail[0].body);

    let form = c.get(&link).await;
    assert!(form.body.contains("name=\"token\""));
    let token = link.split("token=").nth(1).unwrap();
    let short = c
        .submit(
            &link,
            "/password/reset",
            &[("token", token), ("password", "ngắn")],
        )
        .await;
    assert_eq!(short.status, 422);
    let done = c
        .submit(
            &link,
            "/password/reset",
            &[("token", token), ("password", "mật-khẩu-mới-2")],
        )
        .await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/signin?notice=password-reset"))
    );

    assert_eq!(
        old_session.get("/account").await.status,
        303,
        "old sessions are ended"
    );
    let again = c
        .submit(
            &link,
            "/password/reset",
            &[("token", token), ("password", "mật-khẩu-khác-3")],
        )
        .await;
    assert_eq!(again.status, 422, "a token works once");
    assert!(
        c.get(&link)
            .await
            .body
            .contains("không hợp lệ hoặc đã hết hạn")
    );
    let signin = app
        .client()
        .submit(
            "/signin",
            "/signin",
            &[("login", "lan@example.com"), ("password", "mật-khẩu-mới-2")],
        )
        .await;
    assert_eq!(signin.status, 303);
}

async fn password_reset_does_not_reveal_accounts(app: TestApp) {
    let r = app
        .client()
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("login", "khongai@example.com")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("data-testid=\"notice\""));
    assert!(
        ketnoi_db::outbox::for_recipient(app.db.conn(), "khongai@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_form_with_a_wrong_csrf_token_is_refused_and_keeps_input(app: TestApp) {
    let c = app.client();
    c.get("/signup").await;
    let r = c
        .post_form(
            "/signup",
            &[
                ("csrf", "00ff"),
                ("display_name", "Lan"),
                ("login", "lan@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Biểu mẫu đã hết hạn"));
    assert!(r.body.contains("value=\"lan@example.com\""));
    assert_eq!(ketnoi_db::users::count(app.db.conn()).await.unwrap(), 0);
}

/// An English browser signing in to an account stored as Vietnamese stays in English (the
/// pages switched to Vietnamese on sign-in); the account's own language, for e-mails, is left
/// alone. A Vietnamese browser signing in to the same account reads Vietnamese.
async fn signing_in_keeps_the_language_the_visitor_was_reading(app: TestApp) {
    let u = app.user("lan@example.com", PlatformRole::User, None).await;
    assert_eq!(u.locale, ketnoi_domain::Locale::Vi);
    let english = app.client_accepting("en-US,en;q=0.9");
    let form = english.get("/signin").await;
    assert!(form.body.contains("<html lang=\"en\""), "{}", form.body);
    let signed_in = english
        .submit(
            "/signin",
            "/signin",
            &[
                ("login", "lan@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    for path in ["/account", "/orgs", "/"] {
        let page = english.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains("<html lang=\"en\""),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains("Sign out"), "{path}");
    }
    let stored = ketnoi_db::users::find(app.db.conn(), u.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.locale,
        ketnoi_domain::Locale::Vi,
        "e-mails stay in her language"
    );

    let vietnamese = app.client_accepting("vi-VN,vi;q=0.9");
    let signed_in = vietnamese
        .submit(
            "/signin",
            "/signin",
            &[
                ("login", "lan@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303);
    let page = vietnamese.get("/account").await;
    assert!(page.body.contains("<html lang=\"vi\""), "{}", page.body);
}
