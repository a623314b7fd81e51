//! Browser tests in headless Chromium through chromedriver: what a person does with a
//! phone-sized window, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::support::{BrowserProfile, chromedriver_url, eventually};
use ketnoi_tests::{PASSWORD, TestApp, on_both_backends};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// A browser session on the app, closed when the test ends.
struct Browser {
    c: Client,
    base: String,
    _profile: BrowserProfile,
}

impl Browser {
    /// `None` when no browser is installed (and KETNOI_REQUIRE_BROWSER is not set).
    async fn open(app: &TestApp) -> Option<Browser> {
        let driver = chromedriver_url()?;
        let profile = BrowserProfile::new();
        let mut caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&profile.capabilities_json()).expect("capabilities");
        // A phone set to Vietnamese, like most of the people this is for.
        if let Some(options) = caps
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.as_object_mut())
        {
            options.insert(
                "prefs".into(),
                serde_json::json!({"intl": {"accept_languages": "vi-VN,vi"}}),
            );
            if let Some(args) = options.get_mut("args").and_then(|a| a.as_array_mut()) {
                args.push("--lang=vi-VN".into());
            }
        }
        let c = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver)
            .await
            .expect("a Chromium session");
        Some(Browser {
            c,
            base: app.url.clone(),
            _profile: profile,
        })
    }

    async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap();
    }

    async fn fill(&self, name: &str, value: &str) {
        let input = self
            .c
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Waits until the page's path (and query) is `want`.
    async fn wait_for_path(&self, want: &str) {
        let c = &self.c;
        eventually(
            &format!("the browser to reach {want}"),
            WAIT,
            || async move {
                let url = c.current_url().await.ok()?;
                let here = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_owned(),
                };
                (here == want).then_some(())
            },
        )
        .await
        .unwrap();
    }

    async fn wait_for_lang(&self, lang: &str) {
        let c = &self.c;
        eventually(&format!("the page in {lang}"), WAIT, || async move {
            let html = c.find(Locator::Css("html")).await.ok()?;
            (html.attr("lang").await.ok()?? == lang).then_some(())
        })
        .await
        .unwrap();
    }

    async fn close(self) {
        self.c.close().await.unwrap();
    }
}

on_both_backends!(
    a_person_signs_up_signs_out_and_signs_in_again,
    sign_up_mistakes_are_shown_beside_the_fields,
    the_language_switch_changes_and_remembers_the_language,
    a_forgotten_password_is_reset_from_the_emailed_link,
);

async fn a_person_signs_up_signs_out_and_signs_in_again(app: TestApp) {
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/").await;
    b.click("a[href=\"/signup\"]").await;
    b.wait_for_path("/signup").await;
    b.fill("display_name", "Trần Thị Mai").await;
    b.fill("login", "mai@example.com").await;
    b.fill("password", PASSWORD).await;
    b.click("[data-testid=submit]").await;
    b.wait_for_path("/account").await;
    assert!(
        b.text("[data-testid=account-heading]")
            .await
            .contains("Trần Thị Mai")
    );

    b.click("[data-testid=signout]").await;
    b.wait_for_path("/").await;
    assert_eq!(b.text("a[href=\"/signin\"]").await, "Đăng nhập");

    b.click("a[href=\"/signin\"]").await;
    b.wait_for_path("/signin").await;
    b.fill("login", "mai@example.com").await;
    b.fill("password", PASSWORD).await;
    b.click("[data-testid=submit]").await;
    b.wait_for_path("/").await;
    assert_eq!(b.text("[data-testid=account-link]").await, "Trần Thị Mai");
    b.close().await;
}

async fn sign_up_mistakes_are_shown_beside_the_fields(app: TestApp) {
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/signup").await;
    b.fill("display_name", "Mai").await;
    b.fill("login", "mai@").await;
    b.fill("password", "ngắn").await;
    b.click("[data-testid=submit]").await;
    assert!(
        b.text("[data-testid=error-login]")
            .await
            .contains("số di động Việt Nam")
    );
    assert!(
        b.text("[data-testid=error-password]")
            .await
            .contains("ít nhất 8 ký tự")
    );
    let kept =
        b.c.find(Locator::Css("[name=display_name]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("Mai"),
        "what was typed is still there"
    );
    b.close().await;
}

async fn the_language_switch_changes_and_remembers_the_language(app: TestApp) {
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/orgs").await;
    b.wait_for_lang("vi").await;
    b.click("[data-testid=lang-en]").await;
    b.wait_for_lang("en").await;
    b.wait_for_path("/orgs").await;
    assert_eq!(b.text("a[href=\"/signin\"]").await, "Sign in");
    b.goto("/signup").await;
    b.wait_for_lang("en").await;
    assert_eq!(b.text("h1").await, "Create an account");
    b.click("[data-testid=lang-vi]").await;
    b.wait_for_lang("vi").await;
    assert_eq!(b.text("h1").await, "Đăng ký tài khoản");
    b.close().await;
}

async fn a_forgotten_password_is_reset_from_the_emailed_link(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/signin").await;
    b.click("a[href=\"/password/forgot\"]").await;
    b.wait_for_path("/password/forgot").await;
    b.fill("login", "lan@example.com").await;
    b.click("[data-testid=submit]").await;
    assert!(
        b.text("[data-testid=notice]")
            .await
            .contains("đã gửi đường dẫn")
    );

    let mail = ketnoi_db::outbox::for_recipient(app.db.conn(), "lan@example.com")
        .await
        .unwrap();
    let body = &mail.first().expect("a reset message in the outbox").body;
    let start = body.find("/password/reset?token=").unwrap();
    let link = body[start..].split_whitespace().next().unwrap();
    b.goto(link).await;
    b.fill("password", "mật-khẩu-mới-2").await;
    b.click("[data-testid=submit]").await;
    b.wait_for_path("/signin?notice=password-reset").await;
    assert!(
        b.text("[data-testid=notice]")
            .await
            .contains("Đã đổi mật khẩu")
    );
    b.fill("login", "lan@example.com").await;
    b.fill("password", "mật-khẩu-mới-2").await;
    b.click("[data-testid=submit]").await;
    b.wait_for_path("/").await;
    assert!(
        b.c.find(Locator::Css("[data-testid=account-link]"))
            .await
            .is_ok()
    );
    b.close().await;
}
