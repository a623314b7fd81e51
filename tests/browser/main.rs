//! Browser tests in headless Chromium through chromedriver: what a person does with a
//! phone-sized window, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::support::{BrowserProfile, chromedriver_url, eventually};
use ketnoi_tests::{PASSWORD, TestApp, on_both_backends};
use std::time::Duration;

/// The site the order e-mails link to.
const SITE: &str = "https://ketnoi.test";

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
        Browser::open_in(app, "vi-VN", "vi-VN,vi").await
    }

    /// A phone whose language is `lang` (`--lang`), accepting `accept_languages`.
    async fn open_in(app: &TestApp, lang: &str, accept_languages: &str) -> Option<Browser> {
        let driver = chromedriver_url()?;
        let profile = BrowserProfile::new();
        let mut caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&profile.capabilities_json()).expect("capabilities");
        // By default a phone set to Vietnamese, like most of the people this is for.
        if let Some(options) = caps
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.as_object_mut())
        {
            options.insert(
                "prefs".into(),
                serde_json::json!({"intl": {"accept_languages": accept_languages}}),
            );
            if let Some(args) = options.get_mut("args").and_then(|a| a.as_array_mut()) {
                args.push(format!("--lang={lang}").into());
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

    /// Waits until the element's text contains `want` (after a form post that returns to the
    /// same URL, the path alone cannot tell the new page from the old).
    async fn wait_for_text(&self, css: &str, want: &str) {
        let c = &self.c;
        eventually(&format!("{css} to say {want}"), WAIT, || async move {
            let text = c.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
            text.contains(want).then_some(())
        })
        .await
        .unwrap();
    }

    async fn sign_in(&self, login: &str) {
        self.goto("/signin").await;
        self.fill("login", login).await;
        self.fill("password", PASSWORD).await;
        self.click("[data-testid=submit]").await;
        // Signed in when the header offers to sign out (a buyer lands on the home page, a
        // cooperative's owner or manager on her cooperative's page).
        let c = &self.c;
        eventually("the signed-in header", WAIT, || async move {
            let url = c.current_url().await.ok()?;
            (url.path() != "/signin").then_some(())?;
            c.find(Locator::Css("[data-testid=signout]"))
                .await
                .ok()
                .map(|_| ())
        })
        .await
        .unwrap();
    }

    async fn sign_out(&self) {
        self.click("[data-testid=signout]").await;
        self.wait_for_path("/").await;
    }

    async fn select(&self, name: &str, value: &str) {
        self.click(&format!(
            "select[name=\"{name}\"] option[value=\"{value}\"]"
        ))
        .await;
    }

    async fn close(self) {
        self.c.close().await.unwrap();
    }
}

on_both_backends!(
    a_cooperative_publishes_a_listing_and_an_officer_verifies_its_ocop_stars,
    a_person_signs_up_signs_out_and_signs_in_again,
    sign_up_mistakes_are_shown_beside_the_fields,
    the_language_switch_changes_and_remembers_the_language,
    a_forgotten_password_is_reset_from_the_emailed_link,
    search_suggests_as_you_type_and_finds_without_diacritics,
    a_buyer_and_a_cooperative_talk_live_in_two_browsers,
    a_buyer_orders_from_two_cooperatives_paying_by_vietqr_and_on_delivery,
    cancelling_an_order_asks_first,
    an_owner_signs_in_to_her_cooperative_and_reaches_its_waiting_orders_in_one_tap,
    on_a_phone_search_results_come_first_and_the_sort_applies_when_chosen,
    checkout_mistakes_show_on_the_first_screen,
    an_english_phone_stays_english_after_signing_in,
    the_pages_people_use_most_pass_axe_and_their_targets_fit_a_finger,
    a_tap_on_the_profile_forms_map_sets_the_place,
    a_report_is_filed_returned_corrected_accepted_and_the_city_dashboard_moves,
    a_buyer_meets_a_cooperative_at_a_b2b_session_and_is_checked_in_without_javascript,
    a_leader_asks_for_credit_from_her_phone_and_follows_it_to_disbursement,
    the_support_case_pages_pass_axe_and_their_targets_fit_a_finger,
    a_hotel_buys_rice_from_a_joint_quote_assembled_by_a_proxy_officer,
);

mod sourcing;
use sourcing::a_hotel_buys_rice_from_a_joint_quote_assembled_by_a_proxy_officer;

/// Two browsers: a buyer asks from a listing page; the cooperative's manager, whose inbox is
/// open, sees the inquiry arrive without reloading, opens it and replies; the buyer's open
/// conversation shows the reply live.
async fn a_buyer_and_a_cooperative_talk_live_in_two_browsers(app: TestApp) {
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Khăn lụa tơ tằm Vạn Phúc").await;
    app.user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, ketnoi_domain::role::MemberRole::Manager)
        .await;
    let Some(buyer) = Browser::open(&app).await else {
        return;
    };
    let Some(coop) = Browser::open(&app).await else {
        return;
    };
    coop.sign_in("quanly@example.com").await;
    coop.goto("/conversations").await;
    coop.text("[data-testid=inbox-empty]").await;
    wait_for_attr(&coop, "[data-live-inbox]", "data-live").await;

    buyer.sign_in("nguoimua@example.com").await;
    buyer.goto(&format!("/listings/{}", listing.id)).await;
    buyer.fill("body", "Khăn có màu xanh ngọc không ạ?").await;
    buyer.click("[data-testid=ask]").await;
    buyer
        .wait_for_text("[data-testid=messages]", "Khăn có màu xanh ngọc không ạ?")
        .await;
    wait_for_attr(&buyer, ".conversation", "data-live").await;

    // The manager's inbox shows it without a reload.
    coop.wait_for_text("[data-testid=inbox]", "Khăn lụa tơ tằm Vạn Phúc")
        .await;
    coop.click("[data-testid=inbox-row] a").await;
    coop.wait_for_text("[data-testid=messages]", "xanh ngọc")
        .await;
    wait_for_attr(&coop, ".conversation", "data-live").await;
    coop.fill("body", "Dạ có ạ, còn 12 chiếc.").await;
    coop.click("[data-testid=send]").await;

    // The buyer sees the reply live, on the page they already have open.
    buyer
        .wait_for_text("[data-testid=messages]", "Dạ có ạ, còn 12 chiếc.")
        .await;
    // The manager's own page shows it once (from the answer and the socket).
    coop.wait_for_text("[data-testid=messages]", "còn 12 chiếc")
        .await;
    let shown = coop
        .c
        .find_all(Locator::Css("[data-testid=message]"))
        .await
        .unwrap()
        .len();
    assert_eq!(shown, 2);
    // Messages that arrived live carry the same links as the page's own: the buyer may
    // report the reply; the manager may edit or delete hers.
    buyer
        .c
        .find(Locator::Css("#m2 [data-testid=report-link]"))
        .await
        .unwrap();
    assert!(
        buyer
            .c
            .find(Locator::Css("#m2 [data-testid=edit-link]"))
            .await
            .is_err()
    );
    let edit = coop
        .c
        .find(Locator::Css("#m2 [data-testid=edit-link]"))
        .await
        .unwrap();
    assert!(
        edit.attr("href")
            .await
            .unwrap()
            .is_some_and(|h| h.ends_with("/messages/2/edit"))
    );
    // Deleting from the live-added link works, and the buyer's page hears of it.
    coop.click("#m2 [data-testid=delete]").await;
    buyer.wait_for_text("#m2", "Tin nhắn đã bị xóa").await;
    coop.wait_for_text("#m2", "Tin nhắn đã bị xóa").await;
    buyer.close().await;
    coop.close().await;
}

/// Waits until the element has the attribute (e.g. a live connection is open).
async fn wait_for_attr(b: &Browser, css: &str, attr: &str) {
    let c = &b.c;
    eventually(&format!("{css} to have {attr}"), WAIT, || async move {
        let e = c.find(Locator::Css(css)).await.ok()?;
        e.attr(attr).await.ok()?.map(|_| ())
    })
    .await
    .unwrap();
}

/// The header's box searches without JavaScript; on the results page, typing offers
/// suggestions from the API in the box's list.
async fn search_suggests_as_you_type_and_finds_without_diacritics(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    search_caught_up(&app).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/").await;
    let header_box =
        b.c.find(Locator::Css("header form[role=search] input[name=q]"))
            .await
            .unwrap();
    header_box.send_keys("gom su bat trang\n").await.unwrap();
    b.wait_for_text("[data-testid=search-results]", "Bát Tràng")
        .await;
    assert!(
        b.text("[data-testid=search-total]")
            .await
            .contains("kết quả")
    );

    let input = b.c.find(Locator::Css("#search-q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("mat o").await.unwrap();
    let c = &b.c;
    let options = eventually("suggestions in the list", WAIT, || async move {
        let opts = c
            .find_all(Locator::Css("#search-suggestions option"))
            .await
            .ok()?;
        let mut values = Vec::new();
        for o in opts {
            values.push(o.attr("value").await.ok()??);
        }
        (!values.is_empty()).then_some(values)
    })
    .await
    .unwrap();
    assert!(
        options.iter().any(|v| v.to_lowercase().contains("mật ong")),
        "{options:?}"
    );
}

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
    assert!(
        b.text("[data-testid=notice]")
            .await
            .contains("vừa gửi một đường dẫn")
    );
    // She opens the link from her mailbox and confirms.
    let link = app.sign_up_link("mai@example.com").await;
    b.goto(&link).await;
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

fn write_jpeg(dir: &std::path::Path, name: &str, w: u32, h: u32, shade: u8) -> String {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([shade, 90, 60]));
    let path = dir.join(name);
    image::DynamicImage::ImageRgb8(img).save(&path).unwrap();
    path.to_string_lossy().into_owned()
}

async fn a_cooperative_publishes_a_listing_and_an_officer_verifies_its_ocop_stars(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-gom-men-ran", "00577").await;
    let manager = app
        .user("chu.htx@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Owner).await;
    app.user(
        "canbo.battrang@example.com",
        PlatformRole::UnionOfficer,
        Some("00577"),
    )
    .await;
    let files = ketnoi_tests::support::TempSqlite::new();
    let photo_a = write_jpeg(files.dir(), "binh-hoa.jpg", 1200, 900, 30);
    let photo_b = write_jpeg(files.dir(), "am-chen.jpg", 900, 1200, 200);
    let evidence = files.dir().join("quyet-dinh-ocop.pdf");
    std::fs::write(&evidence, b"%PDF-1.4\n% Quyet dinh cong nhan OCOP 4 sao\n").unwrap();

    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("chu.htx@example.com").await;

    // The profile.
    b.goto("/orgs/htx-gom-men-ran").await;
    b.click("[data-testid=manage]").await;
    b.wait_for_path("/orgs/htx-gom-men-ran/manage").await;
    b.click("[data-testid=edit-profile]").await;
    b.wait_for_path("/orgs/htx-gom-men-ran/profile").await;
    b.fill("name", "HTX Gốm men rạn Bát Tràng").await;
    b.fill("story_vi", "Gốm men rạn làm thủ công bởi các nghệ nhân nữ.")
        .await;
    b.fill("manager_name_1", "Lê Thị Mận").await;
    b.click("[data-testid=save-profile]").await;
    b.wait_for_path("/orgs/htx-gom-men-ran").await;
    assert_eq!(b.text("h1").await, "HTX Gốm men rạn Bát Tràng");

    // A wholesale listing with tiers.
    b.goto("/orgs/htx-gom-men-ran/listings/new").await;
    b.fill("title_vi", "Bình hút lộc men rạn").await;
    b.fill(
        "description_vi",
        "Bình gốm men rạn cỡ lớn, nhận đơn sỉ cho cửa hàng quà tặng.",
    )
    .await;
    b.select("category", "gom-su").await;
    b.select("unit", "chiếc").await;
    b.click("[data-testid=offer-wholesale]").await;
    b.fill("price", "400000").await;
    b.fill("min_order_qty", "10").await;
    b.fill("tier_qty_1", "10").await;
    b.fill("tier_price_1", "400000").await;
    b.fill("tier_qty_2", "50").await;
    b.fill("tier_price_2", "360000").await;
    b.click("[data-testid=save-listing]").await;
    let c = &b.c;
    let edit = eventually("the listing editor", WAIT, || async move {
        let url = c.current_url().await.ok()?;
        let path = url.path().to_owned();
        (path.starts_with("/orgs/htx-gom-men-ran/listings/") && !path.ends_with("/new"))
            .then_some(path)
    })
    .await
    .unwrap();
    let id = edit.rsplit('/').next().unwrap().to_owned();

    // Two photos, then publish.
    let input = b.c.find(Locator::Css("input[name=photos]")).await.unwrap();
    input
        .send_keys(&format!("{photo_a}\n{photo_b}"))
        .await
        .unwrap();
    b.click("[data-testid=upload-photos]").await;
    b.wait_for_path(&edit).await;
    eventually("two photos", WAIT, || async move {
        let n = c.find_all(Locator::Css(".photos img")).await.ok()?.len();
        (n == 2).then_some(())
    })
    .await
    .unwrap();
    b.click("[data-testid=status-published]").await;
    b.wait_for_text("[data-testid=status]", "Đang bán").await;

    // Public: in the directory and on its page.
    b.goto("/orgs?commune=00577").await;
    assert!(
        b.text("[data-testid=org-list]")
            .await
            .contains("HTX Gốm men rạn Bát Tràng")
    );
    b.goto(&format!("/listings/{id}")).await;
    assert_eq!(
        b.text("[data-testid=listing-title]").await,
        "Bình hút lộc men rạn"
    );
    assert!(b.text("[data-testid=tiers]").await.contains("360.000 ₫"));

    // The OCOP claim, with its evidence.
    b.goto("/orgs/htx-gom-men-ran/manage").await;
    b.select("kind", "ocop").await;
    b.select("listing_id", &id).await;
    b.fill("number", "QĐ 45/QĐ-UBND").await;
    b.fill("stars", "4").await;
    let ev =
        b.c.find(Locator::Css("input[name=evidence]"))
            .await
            .unwrap();
    ev.send_keys(&evidence.to_string_lossy()).await.unwrap();
    b.click("[data-testid=submit-badge]").await;
    b.wait_for_text("main", "Đang chờ xác minh").await;
    b.sign_out().await;

    // The officer verifies it; the stars appear.
    b.sign_in("canbo.battrang@example.com").await;
    b.goto("/union/badges").await;
    assert!(b.text("[data-testid=claim]").await.contains("OCOP 4 sao"));
    b.click("[data-testid^=verify-]").await;
    b.wait_for_text("main", "Không có chứng nhận nào đang chờ")
        .await;
    b.goto(&format!("/listings/{id}")).await;
    assert_eq!(b.text("[data-testid=ocop-stars]").await, "OCOP ★★★★");
    b.close().await;
}

/// Waits until the search index has every change.
async fn search_caught_up(app: &TestApp) {
    eventually("the search index to catch up", WAIT * 2, || async {
        let n = ketnoi_db::search_feed::pending(app.db.conn(), ketnoi_db::search_feed::INDEXER)
            .await
            .ok()?;
        (n == 0).then_some(())
    })
    .await
    .unwrap();
}

/// What the timeline of the order at `path` says, entry by entry.
async fn timeline(b: &Browser, path: &str) -> Vec<String> {
    b.goto(path).await;
    b.text("[data-testid=timeline]").await;
    let mut out = Vec::new();
    for e in
        b.c.find_all(Locator::Css("[data-testid=timeline-entry] strong"))
            .await
            .unwrap()
    {
        out.push(e.text().await.unwrap());
    }
    out
}

/// A buyer finds two cooperatives' products by searching without diacritics, puts both in
/// her cart and checks out, paying one cooperative by VietQR transfer and the other on
/// delivery. Each cooperative's manager confirms her own order (the first also marks the
/// transfer received); both sides' timelines say what happened, in order.
async fn a_buyer_orders_from_two_cooperatives_paying_by_vietqr_and_on_delivery(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let pottery = app.cooperative("htx-gom-bat-trang", "00577").await;
    let rice = app.cooperative("htx-gao-soc-son", "00577").await;
    ketnoi_tests::bank_account(&app, &pottery, "970436", "0011004455667").await;
    ketnoi_tests::published_listing(&app, &pottery, "Bình gốm men lam Bát Tràng").await;
    ketnoi_tests::published_listing(&app, &rice, "Gạo nếp cái hoa vàng Sóc Sơn").await;
    app.user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    for (org, login) in [(&pottery, "gom@example.com"), (&rice, "gao@example.com")] {
        let m = app.user(login, PlatformRole::User, None).await;
        app.member(org, &m, MemberRole::Manager).await;
    }
    search_caught_up(&app).await;
    let Some(buyer) = Browser::open(&app).await else {
        return;
    };
    let Some(coop) = Browser::open(&app).await else {
        return;
    };
    buyer.sign_in("nguoimua@example.com").await;
    for (query, title) in [
        ("binh gom men lam", "Bình gốm men lam Bát Tràng"),
        ("gao nep cai hoa vang", "Gạo nếp cái hoa vàng Sóc Sơn"),
    ] {
        buyer
            .goto(&format!("/search?q={}", query.replace(' ', "+")))
            .await;
        buyer
            .wait_for_text("[data-testid=search-results]", title)
            .await;
        buyer
            .c
            .find(Locator::LinkText(title))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        buyer
            .wait_for_text("[data-testid=listing-title]", title)
            .await;
        buyer.fill("quantity", "2").await;
        buyer.click("[data-testid=add]").await;
        buyer.wait_for_path("/cart").await;
    }
    buyer.text("[data-testid=cart-total]").await;
    assert_eq!(
        buyer
            .c
            .find_all(Locator::Css("[data-testid=cart-group]"))
            .await
            .unwrap()
            .len(),
        2
    );
    buyer
        .click("[data-org=htx-gom-bat-trang] [data-testid=pay-viet_qr]")
        .await;
    buyer
        .click("[data-org=htx-gao-soc-son] [data-testid=pay-cod]")
        .await;
    buyer.select("commune_code", "00577").await;
    buyer.fill("street", "Số 5, ngõ 12 Hàng Gai").await;
    buyer.fill("phone", "0912345678").await;
    buyer.click("[data-testid=place-order]").await;
    buyer.wait_for_path("/orders?placed=1").await;
    let mut orders = Vec::new();
    for row in buyer
        .c
        .find_all(Locator::Css("[data-testid=order-link]"))
        .await
        .unwrap()
    {
        orders.push(row.attr("href").await.unwrap().unwrap());
    }
    assert_eq!(orders.len(), 2);
    // Newest first: the rice order, then the pottery one (cooperatives in cart order).
    let by_party = |party: &'static str| {
        let b = &buyer;
        async move {
            for row in
                b.c.find_all(Locator::Css("[data-testid=order-row]"))
                    .await
                    .unwrap()
            {
                let text = row.text().await.unwrap();
                if text.contains(party) {
                    let link = row
                        .find(Locator::Css("[data-testid=order-link]"))
                        .await
                        .unwrap();
                    return link.attr("href").await.unwrap().unwrap();
                }
            }
            panic!("no order from {party}");
        }
    };
    let pottery_order = by_party("htx-gom-bat-trang").await;
    let rice_order = by_party("htx-gao-soc-son").await;

    // The pottery cooperative confirms; the buyer then sees the VietQR code to pay.
    coop.sign_in("gom@example.com").await;
    coop.goto("/orgs/htx-gom-bat-trang/orders").await;
    coop.click("[data-testid=order-link]").await;
    coop.wait_for_path(&pottery_order).await;
    coop.click("[data-testid=step-confirm]").await;
    coop.wait_for_text("[data-testid=order-status]", "Chờ thanh toán")
        .await;
    buyer.goto(&pottery_order).await;
    assert!(
        buyer
            .text("[data-testid=vietqr-amount]")
            .await
            .contains("500.000")
    );
    assert!(
        buyer
            .text("[data-testid=vietqr-reference]")
            .await
            .starts_with("KN")
    );
    buyer
        .c
        .find(Locator::Css("[data-testid=vietqr] svg"))
        .await
        .unwrap();
    // The transfer arrives; she marks it received.
    coop.click("[data-testid=step-mark_paid]").await;
    coop.wait_for_text("[data-testid=order-status]", "Đã thanh toán")
        .await;
    coop.sign_out().await;

    // The rice cooperative confirms the cash-on-delivery order.
    coop.sign_in("gao@example.com").await;
    coop.goto("/orgs/htx-gao-soc-son/orders").await;
    coop.click("[data-testid=order-link]").await;
    coop.wait_for_path(&rice_order).await;
    assert!(
        coop.c
            .find(Locator::Css("[data-testid=vietqr]"))
            .await
            .is_err()
    );
    coop.click("[data-testid=step-confirm]").await;
    coop.wait_for_text("[data-testid=order-status]", "Đã xác nhận")
        .await;

    // Both timelines, as the buyer and as the cooperative see them.
    let pottery_steps = ["Đã đặt", "Chờ thanh toán", "Đã thanh toán"];
    assert_eq!(timeline(&buyer, &pottery_order).await, pottery_steps);
    let rice_steps = ["Đã đặt", "Đã xác nhận"];
    assert_eq!(timeline(&buyer, &rice_order).await, rice_steps);
    assert_eq!(timeline(&coop, &rice_order).await, rice_steps);
    buyer.goto("/orders").await;
    let statuses = buyer.text("table.orders").await;
    assert!(
        statuses.contains("Đã thanh toán") && statuses.contains("Đã xác nhận"),
        "{statuses}"
    );
    buyer.close().await;
    coop.close().await;
}

#[tokio::test]
async fn the_card_page_mounts_stripe_js_under_its_content_policy_sqlite() {
    card_page(ketnoi_tests::Backend::Sqlite).await;
}

#[tokio::test]
async fn the_card_page_mounts_stripe_js_under_its_content_policy_postgres() {
    card_page(ketnoi_tests::Backend::Postgres).await;
}

/// A cash-on-delivery order of `quantity` of `listing`'s first offer, placed for `buyer_id`.
async fn cash_order(
    app: &TestApp,
    org: &ketnoi_db::orgs::Org,
    listing: &ketnoi_db::listings::Listing,
    buyer_id: i64,
    quantity: i64,
) -> ketnoi_db::orders::Order {
    let offer_id = ketnoi_db::listings::offers_with_ids(app.db.conn(), listing.id)
        .await
        .unwrap()[0]
        .0;
    let lines = [ketnoi_db::orders::Line::of(offer_id, quantity)];
    ketnoi_db::orders::place(
        &app.db,
        &ketnoi_tests::goods_order(
            buyer_id,
            org.id,
            ketnoi_domain::order::PaymentMethod::Cod,
            &lines,
        ),
    )
    .await
    .unwrap()
    .unwrap()
}

/// On a phone, "Hủy đơn" does not cancel at once: it opens a question whose own button
/// cancels. Until that second tap the order stands.
async fn cancelling_an_order_asks_first(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let order = cash_order(&app, &org, &listing, buyer.id, 1).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("nguoimua@example.com").await;
    let path = format!("/orders/{}", order.id);
    b.goto(&path).await;
    let confirm =
        b.c.find(Locator::Css("[data-testid=step-cancel]"))
            .await
            .unwrap();
    assert!(
        !confirm.is_displayed().await.unwrap(),
        "the cancelling button shows only once asked"
    );
    b.click("[data-testid=ask-cancel] summary").await;
    let question = b.text("[data-testid=ask-cancel] form p").await;
    assert!(question.contains("Hủy đơn hàng này?"), "{question}");
    assert_eq!(
        ketnoi_db::orders::find(app.db.conn(), order.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ketnoi_domain::order::Status::Placed,
        "opening the question cancels nothing"
    );
    b.click("[data-testid=step-cancel]").await;
    b.wait_for_text("[data-testid=order-status]", "Đã hủy")
        .await;
    b.close().await;
}

/// A cooperative's owner signing in lands on her cooperative's page, not the public home;
/// its waiting orders are one tap away, and "Quản lý HTX" in the header takes her back
/// there from any page.
async fn an_owner_signs_in_to_her_cooperative_and_reaches_its_waiting_orders_in_one_tap(
    app: TestApp,
) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let order = cash_order(&app, &org, &listing, buyer.id, 2).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("chu@example.com").await;
    b.wait_for_path(&format!("/orgs/{}/manage", org.slug)).await;
    let waiting = b.text("[data-testid=waiting-orders]").await;
    assert!(waiting.contains("1 đơn chờ xác nhận"), "{waiting}");
    b.click("[data-testid=waiting-orders]").await;
    b.wait_for_path(&format!("/orgs/{}/orders", org.slug)).await;
    b.c.find(Locator::Css(&format!("a[href='/orders/{}']", order.id)))
        .await
        .expect("the waiting order is listed");
    // From any page, one tap back.
    b.goto("/orgs").await;
    b.click("[data-testid=my-link]").await;
    b.wait_for_path(&format!("/orgs/{}/manage", org.slug)).await;
    b.close().await;
}

/// Where the first element matching `css` ends, and the height of the screen, in CSS pixels.
async fn bottom_and_screen(b: &Browser, css: &str) -> (f64, f64) {
    let found =
        b.c.execute(
            "return [document.querySelector(arguments[0]).getBoundingClientRect().bottom, \
             window.innerHeight];",
            vec![serde_json::Value::String(css.to_owned())],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// At 390×844 the first result of a search shows on the first screen (the filters come
/// after the results, a link away), and choosing a sort reloads the results at once.
async fn on_a_phone_search_results_come_first_and_the_sort_applies_when_chosen(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    search_caught_up(&app).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.goto("/search?q=gom+su").await;
    b.wait_for_text("[data-testid=search-results]", "Bát Tràng")
        .await;
    let (top, viewport) = bottom_and_screen(&b, "[data-testid=search-hit]").await;
    assert!(
        top <= viewport,
        "the first result ends at {top} px, below the first screen ({viewport} px)"
    );
    assert!(viewport <= 844.0, "a phone's screen: {viewport}");
    b.select("sort", "price_asc").await;
    let c = &b.c;
    eventually("the results sorted by price", WAIT, || async move {
        let url = c.current_url().await.ok()?;
        url.query()?.contains("sort=price_asc").then_some(())
    })
    .await
    .unwrap();
    b.close().await;
}

/// A checkout with the address and phone left empty comes back with what to fix listed on
/// the first screen of a phone (the fields are far below), asking for the phone rather than
/// calling an empty one invalid.
async fn checkout_mistakes_show_on_the_first_screen(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    app.user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("nguoimua@example.com").await;
    b.goto(&format!("/listings/{}", listing.id)).await;
    b.click("[data-testid=add]").await;
    b.wait_for_path("/cart").await;
    b.click("[data-testid=pay-cod]").await;
    b.click("[data-testid=place-order]").await;
    b.wait_for_text("[data-testid=checkout-errors]", "Nhập số điện thoại")
        .await;
    let (bottom, viewport) = bottom_and_screen(&b, "[data-testid=checkout-errors]").await;
    assert!(
        bottom <= viewport,
        "the list of mistakes ends at {bottom} px, below the first screen ({viewport} px)"
    );
    let summary = b.text("[data-testid=checkout-errors]").await;
    assert!(summary.contains("Chọn phường/xã giao hàng"), "{summary}");
    assert!(!summary.contains("không hợp lệ"), "{summary}");
    b.close().await;
}

/// A phone set to English reads English before and after signing in, though the account
/// (like every demo account) is stored as Vietnamese: the pages switched to Vietnamese on
/// sign-in before.
async fn an_english_phone_stays_english_after_signing_in(app: TestApp) {
    app.user("lan@example.com", PlatformRole::User, None).await;
    let Some(b) = Browser::open_in(&app, "en-US", "en-US,en").await else {
        return;
    };
    b.goto("/signin").await;
    b.wait_for_lang("en").await;
    b.sign_in("lan@example.com").await;
    for path in ["/", "/orgs", "/account"] {
        b.goto(path).await;
        b.wait_for_lang("en").await;
        let signout = b.text("[data-testid=signout]").await;
        assert_eq!(signout, "Sign out", "{path}");
    }
    b.close().await;
}

/// The card page loads Stripe.js from its own origin (localstripe's stand-in here), which the
/// page's Content-Security-Policy must allow, and our script mounts the card field. (The
/// payment itself is confirmed against localstripe's API in the HTTP tests: its Stripe.js
/// stand-in cannot create a card payment method.)
async fn card_page(backend: ketnoi_tests::Backend) {
    use ketnoi_domain::order::{Actor, PaymentMethod, Step};
    let Some(stripe) = ketnoi_tests::support::TempStripe::new() else {
        return;
    };
    let (api, js) = (stripe.url(), stripe.js_url());
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.stripe = Some(ketnoi_payments::stripe::StripeConfig {
            secret_key: "sk_test_ketnoi".into(),
            publishable_key: "pk_test_ketnoi".into(),
            webhook_secret: "whsec_ketnoi".into(),
            api_base: Some(api),
            js_url: js,
        });
    })
    .await
    else {
        return;
    };
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let scarf = ketnoi_tests::published_listing(&app, &org, "Khăn lụa").await;
    let buyer = app
        .user("buyer@example.com", PlatformRole::User, None)
        .await;
    let offer_id = ketnoi_db::listings::offers_with_ids(app.db.conn(), scarf.id)
        .await
        .unwrap()[0]
        .0;
    let lines = [ketnoi_db::orders::Line::of(offer_id, 1)];
    let order = ketnoi_db::orders::place(
        &app.db,
        &ketnoi_tests::goods_order(buyer.id, org.id, PaymentMethod::Stripe, &lines),
    )
    .await
    .unwrap()
    .unwrap();
    ketnoi_app::orders::step(
        &app.db,
        SITE,
        order.id,
        Step::Confirm,
        Actor::Cooperative,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("buyer@example.com").await;
    b.goto(&format!("/orders/{}", order.id)).await;
    b.click("[data-testid=pay-card]").await;
    b.wait_for_path(&format!("/orders/{}/card", order.id)).await;
    b.c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#card-element input[placeholder=number]"))
        .await
        .unwrap();
    b.close().await;
}

/// axe-core (npm, pinned in `tests/a11y`; `npm ci --prefix tests/a11y`), or `None` when it is
/// not installed and KETNOI_REQUIRE_NODE is not set (CI sets it: a missing axe fails).
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("a11y/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(src) => Some(src),
        Err(e) if std::env::var("KETNOI_REQUIRE_NODE").as_deref() == Ok("1") => {
            panic!("axe-core is not installed (npm ci --prefix tests/a11y): {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: axe-core not installed ({}: {e})", path.display());
            None
        }
    }
}

/// The serious and critical violations axe finds on the open page (WCAG 2 A and AA rules).
async fn axe_violations(b: &Browser, axe: &str) -> Vec<String> {
    b.c.execute(axe, vec![]).await.unwrap();
    let found = b
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                resultTypes: ['violations']})
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)))
               .catch(e => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// What a finger cannot hit: every visible link, button and field smaller than 44×44 CSS
/// pixels, except a link inside a sentence (WCAG 2.5.5's inline exception). A field inside
/// its label is measured by the label, which takes the tap.
async fn small_targets(b: &Browser) -> Vec<String> {
    let found = b
        .c
        .execute(
            "const small = [];
             for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
               const target = el.closest('label') || el;
               const r = target.getBoundingClientRect();
               if (r.width === 0 || r.height === 0 || getComputedStyle(target).visibility === 'hidden') continue;
               // Off the screen until focused (the skip link).
               if (r.right <= 0 || r.bottom <= 0) continue;
               if (el.tagName === 'A') {
                 const block = el.parentElement;
                 const own = (el.textContent || '').trim().length;
                 const around = (block.textContent || '').trim().length;
                 if (getComputedStyle(el).display === 'inline' && around > own + 2
                     && ['P', 'LI', 'DD', 'TD', 'SPAN', 'SMALL'].includes(block.tagName)) continue;
               }
               if (r.height < 43.5 || r.width < 43.5) {
                 const name = (el.getAttribute('aria-label') || el.textContent || el.name || el.type || '').trim().slice(0, 40);
                 small.push(`${el.tagName.toLowerCase()} \"${name}\" ${Math.round(r.width)}x${Math.round(r.height)}`);
               }
             }
             return small;",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// At 390×844, the pages people use most (home, search, a listing, a cooperative's profile,
/// the cart and an order, signed in as a buyer) have no serious or critical accessibility
/// violation that axe-core finds, and every target a finger taps is at least 44 px.
async fn the_pages_people_use_most_pass_axe_and_their_targets_fit_a_finger(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    search_caught_up(&app).await;
    let org = ketnoi_db::orgs::find_by_slug(app.db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    let listing = ketnoi_db::listings::of_org(app.db.conn(), org.id)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.is_public())
        .unwrap();
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let order = cash_order(&app, &org, &listing, buyer.id, 1).await;
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("nguoimua@example.com").await;
    // A line in the cart, so that the cart page is checked with its forms.
    b.goto(&format!("/listings/{}", listing.id)).await;
    b.click("[data-testid=add]").await;
    b.wait_for_path("/cart").await;
    let pages = [
        "/".to_owned(),
        "/search?q=gom+su".to_owned(),
        format!("/listings/{}", listing.id),
        format!("/orgs/{}", org.slug),
        "/cart".to_owned(),
        format!("/orders/{}", order.id),
    ];
    let mut problems = Vec::new();
    for page in &pages {
        b.goto(page).await;
        for v in axe_violations(&b, &axe).await {
            problems.push(format!("{page}: {v}"));
        }
        for t in small_targets(&b).await {
            problems.push(format!("{page}: small target {t}"));
        }
    }
    b.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The profile form's map (`pick.js`): a tap fills latitude and longitude with the place
/// under the finger (north-west of the marker when tapped there), and saving keeps it.
async fn a_tap_on_the_profile_forms_map_sets_the_place(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    b.sign_in("chu@example.com").await;
    b.wait_for_path(&format!("/orgs/{}/manage", org.slug)).await;
    b.goto(&format!("/orgs/{}/profile", org.slug)).await;
    let centre = ketnoi_domain::admin_units::commune("00577").unwrap();
    // Tap a quarter of the way in from the map's top left corner.
    let tapped = b
        .c
        .execute(
            "const svg = document.querySelector('[data-testid=pick-map]');              svg.scrollIntoView();              const r = svg.getBoundingClientRect();              const x = r.left + r.width / 4, y = r.top + r.height / 4;              svg.dispatchEvent(new MouseEvent('click', {clientX: x, clientY: y, bubbles: true}));              return [document.getElementById('f-lat').value, document.getElementById('f-lon').value];",
            vec![],
        )
        .await
        .unwrap();
    let lat: f64 = tapped[0].as_str().unwrap().parse().unwrap();
    let lon: f64 = tapped[1].as_str().unwrap().parse().unwrap();
    assert!(
        lat > centre.lat && lon < centre.lon,
        "{lat} {lon}: north-west of the centre"
    );
    assert!(
        (lat - centre.lat).abs() < 0.1 && (lon - centre.lon).abs() < 0.1,
        "{lat} {lon}"
    );
    b.fill("story_vi", "Gốm men lam từ năm 1990.").await;
    b.click("[data-testid=save-profile]").await;
    b.wait_for_path(&format!("/orgs/{}", org.slug)).await;
    let api = app
        .client()
        .get(&format!("/api/v1/cooperatives/{}", org.slug))
        .await
        .json();
    assert_eq!(api["lat"].as_f64(), Some(lat));
    assert_eq!(api["lon"].as_f64(), Some(lon));
    b.close().await;
}

/// On a phone: an owner files her six-monthly report; her ward's officer returns it with a
/// comment; she reads it, corrects and resubmits; the officer accepts; the city's dashboard
/// shows the women workers of the supported HTX.
async fn a_report_is_filed_returned_corrected_accepted_and_the_city_dashboard_moves(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    app.user(
        "canbo.thanhpho@example.com",
        PlatformRole::UnionOfficer,
        None,
    )
    .await;
    ketnoi_db::support::record(
        &app.db,
        &ketnoi_db::support::NewSupport {
            org_id: org.id,
            kind: ketnoi_domain::plan::SupportKind::Consolidation,
            since: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            until: None,
            note: None,
        },
        officer.id,
    )
    .await
    .unwrap();
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    let city_jobs = "[data-testid=ind-htx-jobs] [data-testid=value]";
    b.sign_in("canbo.thanhpho@example.com").await;
    b.goto("/union/plan?period=2026-h1").await;
    assert_eq!(b.text(city_jobs).await, "0");
    b.sign_out().await;

    // The owner: from her cooperative's page to the form, and submitted.
    b.sign_in("chu@example.com").await;
    b.click("[data-testid=org-reports]").await;
    b.click("[data-testid=period-2026-h1] a").await;
    let form = format!("/orgs/{}/reports/2026-h1", org.slug);
    b.wait_for_path(&form).await;
    for (name, value) in [
        ("members_total", "24"),
        ("members_women", "19"),
        ("workers_total", "30"),
        ("workers_women", "31"),
        ("jobs_created", "3"),
        ("revenue", "1.250.000.000"),
    ] {
        b.fill(name, value).await;
    }
    b.click("[data-testid=submit-report]").await;
    // More women than workers: said beside the field, on the same form.
    let error = b.text("[data-testid=error-workers_women]").await;
    assert!(error.contains("không được lớn hơn"), "{error}");
    b.fill("workers_women", "18").await;
    b.click("[data-testid=submit-report]").await;
    b.wait_for_text("[data-testid=report-state]", "Đã gửi")
        .await;
    b.sign_out().await;

    // Her ward's officer returns it with a comment.
    b.sign_in("canbo.battrang@example.com").await;
    b.goto("/union/plan?period=2026-h1").await;
    b.click(&format!("[data-testid=coop-{}] a", org.slug)).await;
    b.fill("comment", "Số lao động nữ chưa khớp bảng lương")
        .await;
    b.click("[data-testid=return-report]").await;
    b.wait_for_path("/union/plan?period=2026-h1&unit=00577")
        .await;
    b.sign_out().await;

    // She reads the comment, corrects and resubmits.
    b.sign_in("chu@example.com").await;
    b.goto(&form).await;
    let comment = b.text("[data-testid=officer-comment]").await;
    assert!(comment.contains("chưa khớp bảng lương"), "{comment}");
    b.fill("workers_women", "20").await;
    b.click("[data-testid=submit-report]").await;
    b.wait_for_text("[data-testid=report-state]", "Đã gửi")
        .await;
    b.sign_out().await;

    // The officer accepts.
    b.sign_in("canbo.battrang@example.com").await;
    b.goto(&format!("/union/plan/{}/2026-h1", org.slug)).await;
    b.click("[data-testid=accept-report]").await;
    b.wait_for_path("/union/plan?period=2026-h1&unit=00577")
        .await;
    b.sign_out().await;

    // The city's dashboard moved.
    b.sign_in("canbo.thanhpho@example.com").await;
    b.goto("/union/plan?period=2026-h1").await;
    assert_eq!(b.text(city_jobs).await, "20");
    assert_eq!(
        b.text("[data-testid=ind-htx-supported] [data-testid=value]")
            .await,
        "1"
    );
    b.close().await;
}

impl Browser {
    /// A Vietnamese phone with JavaScript turned off (Chromium's content setting), as at a
    /// door with an old phone or a locked-down browser.
    async fn open_without_javascript(app: &TestApp) -> Option<Browser> {
        let driver = chromedriver_url()?;
        let profile = BrowserProfile::new();
        let mut caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&profile.capabilities_json()).expect("capabilities");
        if let Some(options) = caps
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.as_object_mut())
        {
            options.insert(
                "prefs".into(),
                serde_json::json!({
                    "intl": {"accept_languages": "vi-VN,vi"},
                    "profile": {"managed_default_content_settings": {"javascript": 2}},
                }),
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

    /// Whether the open page may run scripts. The HTML parser reads what is inside
    /// `<noscript>` as elements only where scripting is off (WebDriver's own script still
    /// runs when the page's are off: it comes through DevTools).
    async fn page_runs_scripts(&self) -> bool {
        let parsed = self
            .c
            .execute(
                "var d = document.createElement('div');\
                 d.innerHTML = '<noscript><b></b></noscript>';\
                 return d.querySelector('noscript b') !== null;",
                vec![],
            )
            .await
            .unwrap();
        !parsed.as_bool().unwrap()
    }

    /// Waits until the page's path starts with `prefix`; the path.
    async fn wait_for_path_prefix(&self, prefix: &str) -> String {
        let c = &self.c;
        eventually(
            &format!("the browser to reach {prefix}…"),
            WAIT,
            || async move {
                let url = c.current_url().await.ok()?;
                url.path()
                    .starts_with(prefix)
                    .then(|| url.path().to_owned())
            },
        )
        .await
        .unwrap()
    }

    /// The page as a 390×844 phone shows it, saved for a person to look at (not asserted).
    async fn screenshot_to(&self, path: &std::path::Path) {
        self.c.set_window_size(390, 844).await.unwrap();
        let png = self.c.screenshot().await.unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

/// Signs up for the event on its page (one ticket type, chosen already), for `org` when
/// given; the ticket's page path and code.
async fn register_for(b: &Browser, event: i64, name: &str, org: Option<&str>) -> (String, String) {
    b.goto(&format!("/events/{event}")).await;
    b.fill("attendee_name", name).await;
    if let Some(slug) = org {
        b.select("org", slug).await;
    }
    b.click("[data-testid=register-form] [data-testid=register]")
        .await;
    let ticket = b.wait_for_path_prefix("/my/tickets/").await;
    let code = b.text("[data-testid=ticket-code]").await;
    assert!(code.starts_with("KN-"), "{code}");
    (ticket, code)
}

/// From the event's page to the B2B page, where she says which side she is on and what
/// she offers; every slot is ticked to begin with.
async fn b2b_profile(b: &Browser, event: i64, side: &str, offers: &str, seeks: &str) {
    b.goto(&format!("/events/{event}")).await;
    b.click("[data-testid=open-b2b]").await;
    b.wait_for_path(&format!("/events/{event}/b2b")).await;
    let slots =
        b.c.find_all(Locator::Css(
            "[data-testid=b2b-profile] input[type=checkbox][name^=slot_]",
        ))
        .await
        .unwrap();
    assert_eq!(slots.len(), 3, "one checkbox a slot");
    for slot in &slots {
        assert!(
            slot.is_selected().await.unwrap(),
            "every slot free at first"
        );
    }
    b.click(&format!(
        "[data-testid=b2b-profile] input[name=side][value={side}]"
    ))
    .await;
    b.fill("offers", offers).await;
    b.fill("seeks", seeks).await;
    b.click("[data-testid=b2b-save-profile]").await;
    // Saved: the page now lists the other side (possibly no one yet).
    b.c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-testid=b2b-partners]"))
        .await
        .unwrap();
}

/// One meeting on her published agenda: (when, table, with whom).
async fn agenda_of(b: &Browser, event: i64) -> (String, String, String) {
    b.goto(&format!("/events/{event}/b2b")).await;
    let items =
        b.c.wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=agenda]"))
            .await
            .unwrap()
            .find_all(Locator::Css("[data-testid=agenda-item]"))
            .await
            .unwrap();
    assert_eq!(items.len(), 1, "one meeting on the agenda");
    (
        b.text("[data-testid=agenda-when]").await,
        b.text("[data-testid=agenda-table]").await,
        b.text("[data-testid=agenda-with]").await,
    )
}

/// Issue 17's acceptance: a buyer registers for a B2B session and asks a cooperative for a
/// meeting; the cooperative accepts; the organiser runs the scheduler and publishes; both see
/// the same slot and table on their agendas. At the door the officer, whose browser runs no
/// JavaScript (she does the organiser's part in it too), checks the buyer in by her code.
async fn a_buyer_meets_a_cooperative_at_a_b2b_session_and_is_checked_in_without_javascript(
    app: TestApp,
) {
    use ketnoi_domain::role::MemberRole;
    let officer = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    app.user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let id = ketnoi_tests::create_event(
        &app.client_as(&officer).await,
        &[
            ("kind", "b2b_matchmaking"),
            ("name", "Kết nối giao thương HTX nữ Hà Nội"),
            ("name_en", ""),
            (
                "description",
                "Gặp gỡ trực tiếp giữa người mua và hợp tác xã do phụ nữ quản lý.",
            ),
            ("start_date", "2099-05-20"),
            ("end_date", ""),
            ("venue_name", "Cung Văn hóa Lao động Hữu nghị"),
            ("visitor_quota", "50"),
        ],
    )
    .await;

    let Some(desk) = Browser::open_without_javascript(&app).await else {
        return;
    };
    let Some(buyer) = Browser::open(&app).await else {
        return;
    };
    let Some(coop) = Browser::open(&app).await else {
        return;
    };

    // The organiser's session: three 20-minute slots from 09:00 (the form's first slot) at
    // five tables.
    desk.sign_in("canbo.thanhpho@example.com").await;
    let admin = format!("/union/events/{id}/b2b");
    desk.goto(&admin).await;
    assert!(
        !desk.page_runs_scripts().await,
        "the officer's browser runs no scripts"
    );
    for (name, value) in [("slot_minutes", "20"), ("slots", "3"), ("tables", "5")] {
        desk.fill(name, value).await;
    }
    desk.click("[data-testid=b2b-save-session]").await;
    desk.c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-testid=b2b-run-scheduler]"))
        .await
        .unwrap();

    // The buyer registers (her ticket) and says what she looks for.
    buyer.sign_in("nguoimua@example.com").await;
    let (_, code) = register_for(&buyer, id, "Chị Mai Anh", None).await;
    b2b_profile(
        &buyer,
        id,
        "buyer",
        "Chuỗi cửa hàng quà tặng ở Hà Nội",
        "Gốm men lam, đặt 500 bộ ấm chén",
    )
    .await;

    // The cooperative's owner registers for her cooperative and says what it offers.
    coop.sign_in("chu@example.com").await;
    register_for(&coop, id, "Chị Hoa", Some("htx-gom-bat-trang")).await;
    b2b_profile(
        &coop,
        id,
        "cooperative",
        "Gốm men lam Bát Tràng, ấm chén, bình hoa",
        "Người mua sỉ",
    )
    .await;
    let partner = coop.text("[data-testid=b2b-partner]").await;
    assert!(partner.contains("Chị Mai Anh"), "{partner}");

    // The buyer asks the cooperative for a meeting.
    let page = format!("/events/{id}/b2b");
    buyer.goto(&page).await;
    let partner = buyer.text("[data-testid=b2b-partner]").await;
    assert!(partner.contains("HTX htx-gom-bat-trang"), "{partner}");
    assert!(partner.contains("Gốm men lam Bát Tràng"), "{partner}");
    buyer
        .fill("message", "Chị muốn xem mẫu ấm chén men lam ạ.")
        .await;
    buyer
        .click("[data-testid=b2b-partner] [data-testid=b2b-request]")
        .await;
    buyer
        .c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-testid=b2b-meeting] .status-requested"))
        .await
        .unwrap();

    // The owner sees the request with its message, and accepts.
    coop.goto(&page).await;
    let request = coop.text("[data-testid=b2b-meeting]").await;
    assert!(request.contains("xem mẫu ấm chén"), "{request}");
    coop.click("[data-testid=b2b-meeting] [data-testid=b2b-accept]")
        .await;
    coop.c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-testid=b2b-meeting] .status-accepted"))
        .await
        .unwrap();

    // The organiser runs the scheduler (the one accepted meeting is placed) and publishes.
    desk.goto(&admin).await;
    desk.click("[data-testid=b2b-run-scheduler]").await;
    let run = desk.text("[data-testid=b2b-run]").await;
    assert_eq!(
        desk.text("[data-testid=b2b-run] strong").await,
        "1",
        "{run}"
    );
    desk.click("[data-testid=b2b-publish]").await;
    desk.text("[data-testid=b2b-published]").await;

    // Both agendas: the same slot at the same table, each with the other.
    let (buyer_when, buyer_table, buyer_with) = agenda_of(&buyer, id).await;
    let (coop_when, coop_table, coop_with) = agenda_of(&coop, id).await;
    assert_eq!(buyer_when, coop_when);
    assert_eq!(buyer_table, coop_table);
    assert!(buyer_when.starts_with("09:"), "{buyer_when}");
    assert!(buyer_with.contains("HTX htx-gom-bat-trang"), "{buyer_with}");
    assert!(coop_with.contains("Chị Mai Anh"), "{coop_with}");
    let shots = std::path::Path::new("/tmp/b2b-shots");
    let backend = if app.sqlite_path().is_some() {
        "sqlite"
    } else {
        "postgres"
    };
    buyer
        .screenshot_to(&shots.join(format!("{backend}-buyer-agenda.png")))
        .await;

    // At the door, without JavaScript: the code typed, the buyer welcomed by name.
    let door = format!("/union/events/{id}/checkin");
    desk.goto(&door).await;
    assert!(!desk.page_runs_scripts().await);
    // The camera's button is what scan.js would add: the typed form stands alone.
    assert!(
        desk.c
            .find(Locator::Css("#scanner"))
            .await
            .unwrap()
            .attr("hidden")
            .await
            .unwrap()
            .is_some()
    );
    desk.fill("code", &code).await;
    desk.click("[data-testid=checkin-submit]").await;
    desk.text("[data-testid=checkin-ok]").await;
    assert_eq!(desk.text("[data-testid=checkin-name]").await, "Chị Mai Anh");
    let count = desk.text("[data-testid=checkin-count] strong").await;
    assert_eq!(count, "1");
    desk.screenshot_to(&shots.join(format!("{backend}-checkin-ok.png")))
        .await;

    desk.close().await;
    buyer.close().await;
    coop.close().await;
}

/// Issue 18's acceptance needs a copy threshold a test can pass (more than 3 phones within
/// an hour, not the production 20 a day), so it spawns its app itself instead of going
/// through `on_both_backends!`; the same two runs, on SQLite and on PostgreSQL.
mod a_cooperative_traces_a_lot_made_from_another_cooperatives_lot_and_sees_a_copied_stamp {
    use ketnoi_tests::{Backend, TestApp};

    async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, |config| {
            config.stamp_copy = ketnoi_app::trace::CopyRule {
                threshold: super::COPY_THRESHOLD,
                window: std::time::Duration::from_secs(3600),
            };
        })
        .await
    }

    #[tokio::test]
    async fn sqlite() {
        let app = spawn(Backend::Sqlite).await.expect("sqlite app");
        super::a_cooperative_traces_a_lot_made_from_another_cooperatives_lot_and_sees_a_copied_stamp(app).await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(app) = spawn(Backend::Postgres).await {
            super::a_cooperative_traces_a_lot_made_from_another_cooperatives_lot_and_sees_a_copied_stamp(app).await;
        }
    }
}

/// A stamp scanned by more distinct phones than this is flagged (in the test's app).
const COPY_THRESHOLD: i64 = 3;

/// The GTIN-13 of the rice cooperative's sticky rice (893: GS1 Vietnam; check digit 6).
const RICE_GTIN: &str = "8930000000026";

/// The texts of the elements matching `css`, in page order.
async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

/// Issue 18's acceptance. A rice cooperative has a lot R1 of its sticky rice (made over HTTP,
/// as its owner's forms do). On a phone, the owner of a bánh chưng cooperative gives her
/// cakes a trace code, creates a lot made from R1 by pasting R1's link, records the
/// processing, makes 10 stamps and gets their PDF. A visitor whose browser runs no
/// JavaScript opens stamp 000001: B's cakes, the processing, and R1 one step back, whose
/// link opens R1's own page. Stamp 000002, copied onto other packs, is scanned by more
/// phones than the threshold; the owner's traceability page then says it may have been
/// copied.
async fn a_cooperative_traces_a_lot_made_from_another_cooperatives_lot_and_sees_a_copied_stamp(
    app: TestApp,
) {
    use ketnoi_domain::role::MemberRole;
    const RICE: &str = "Gạo nếp cái hoa vàng Sóc Sơn";
    const CAKES: &str = "Bánh chưng Tranh Khúc";

    // Cooperative A: its rice traceable with a GTIN, and its lot R1, through its forms.
    let rice = app.cooperative("htx-gao-soc-son", "00577").await;
    let rice_owner = app
        .user("chu@gao-soc-son.example", PlatformRole::User, None)
        .await;
    app.member(&rice, &rice_owner, MemberRole::Owner).await;
    let rice_listing = ketnoi_tests::published_listing(&app, &rice, RICE).await.id;
    let a = app.client_as(&rice_owner).await;
    let enabled = a
        .submit(
            "/orgs/htx-gao-soc-son/trace",
            "/orgs/htx-gao-soc-son/trace/products",
            &[
                ("listing_id", &rice_listing.to_string()),
                ("gtin", RICE_GTIN),
            ],
        )
        .await;
    assert_eq!(enabled.status, 303, "{}", enabled.body);
    let harvest = (ketnoi_domain::time::today_hanoi() - chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let made = a
        .submit(
            "/orgs/htx-gao-soc-son/lots/new",
            "/orgs/htx-gao-soc-son/lots",
            &[
                ("product", &rice_listing.to_string()),
                ("code", "R1"),
                ("produced_on", &harvest),
                ("quantity", "2000"),
                ("commune", "00577"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let r1_id: i64 = made
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/orgs/htx-gao-soc-son/lots/"))
        .and_then(|l| l.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{:?}", made.location));
    let r1 = ketnoi_db::trace::lot(app.db.conn(), r1_id)
        .await
        .unwrap()
        .unwrap();
    // What is printed on the sack's stamp: R1's GS1 Digital Link.
    let r1_uri = ketnoi_app::trace::lot_uri(&app.state.config.public_url, &r1, None);
    let r1_path = format!("/01/0{RICE_GTIN}/10/R1");
    assert_eq!(r1_uri, format!("{}{r1_path}", app.url));

    // Cooperative B, its cakes on sale, and its owner.
    let cakes = app.cooperative("htx-banh-chung-tranh-khuc", "00577").await;
    let cakes_owner = app
        .user("chu@banh-chung.example", PlatformRole::User, None)
        .await;
    app.member(&cakes, &cakes_owner, MemberRole::Owner).await;
    let cakes_listing = ketnoi_tests::published_listing(&app, &cakes, CAKES)
        .await
        .id;
    let b_path = |rest: &str| format!("/orgs/{}{rest}", cakes.slug);

    let Some(b) = Browser::open(&app).await else {
        return;
    };
    let Some(visitor) = Browser::open_without_javascript(&app).await else {
        return;
    };
    let shots = std::path::Path::new("/tmp/trace-shots");
    let backend = if app.sqlite_path().is_some() {
        "sqlite"
    } else {
        "postgres"
    };

    // From her cooperative's page to traceability; her cakes get a trace code (no GTIN).
    b.sign_in("chu@banh-chung.example").await;
    b.goto(&b_path("/manage")).await;
    b.click("[data-testid=org-trace]").await;
    b.wait_for_path(&b_path("/trace")).await;
    b.text("[data-testid=no-lots]").await;
    b.select("listing_id", &cakes_listing.to_string()).await;
    b.fill("gtin", "").await;
    b.click("[data-testid=trace-product-save]").await;
    b.wait_for_path(&b_path("/trace?saved=1")).await;
    let code = b.text("[data-testid=trace-product-code]").await;
    assert!(code.starts_with("KN"), "{code}");

    // A new lot, made from R1: its link pasted from the sack's stamp.
    b.click("[data-testid=new-lot]").await;
    b.wait_for_path(&b_path("/lots/new")).await;
    b.select("product", &cakes_listing.to_string()).await;
    b.fill("code", "BC-TET-01").await;
    b.fill("quantity", "300").await;
    b.fill("input_links", &r1_uri).await;
    b.click("[data-testid=lot-save]").await;
    b.wait_for_text("[data-testid=saved]", "Đã tạo lô hàng")
        .await;
    let lot_path = b.wait_for_path_prefix(&b_path("/lots/")).await;
    let lot_id: i64 = lot_path.rsplit('/').next().unwrap().parse().unwrap();
    let inputs = b.text("[data-testid=lot-inputs-list]").await;
    assert!(
        inputs.contains(RICE) && inputs.contains("R1") && inputs.contains(&rice.name),
        "{inputs}"
    );

    // The processing step.
    b.click("[data-testid=step-new]").await;
    b.select("step", "transforming").await;
    b.fill("place", "Xưởng gói bánh Tranh Khúc").await;
    b.click("[data-testid=step-save]").await;
    b.wait_for_text("[data-testid=saved]", "Đã ghi công đoạn")
        .await;
    assert_eq!(
        texts(&b, "[data-testid=lot-step] strong").await,
        ["Tạo lô, gán mã", "Chế biến"]
    );

    // Ten stamps, and the print form's PDF (fetched by the page itself, with her session:
    // what submitting the form would download).
    b.fill("count", "10").await;
    b.click("[data-testid=stamps-make]").await;
    b.wait_for_text("[data-testid=saved]", "Đã tạo tem").await;
    assert_eq!(b.text("[data-testid=stamp-count]").await, "10 tem");
    let pdf =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             const form = document.querySelector('[data-testid=print-form]');
             const url = form.action + '?' + new URLSearchParams(new FormData(form));
             fetch(url).then(async r => {
               const bytes = new Uint8Array(await r.arrayBuffer());
               done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition'),
                     String.fromCharCode(...bytes.slice(0, 5)), bytes.length]);
             }).catch(e => done([0, String(e), '', '', 0]));",
            vec![],
        )
        .await
        .unwrap();
    let (status, kind, disposition, magic, size): (u16, String, String, String, u64) =
        serde_json::from_value(pdf).unwrap();
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    assert!(
        disposition.contains(&format!("tem-{code}-BC-TET-01-1-10.pdf")),
        "{disposition}"
    );
    assert_eq!(magic, "%PDF-");
    assert!(size > 1000, "{size} bytes");

    // Stamp 000001, as its buyer's phone opens it: the lot's public page plus the serial.
    let public =
        b.c.find(Locator::Css("[data-testid=lot-public]"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(public, format!("/t/{code}/10/BC-TET-01"));
    let stamp = |serial: &str| format!("{public}/21/{serial}");
    visitor.goto(&stamp("000001")).await;
    assert!(
        !visitor.page_runs_scripts().await,
        "the visitor's browser runs no scripts"
    );
    assert_eq!(visitor.text("h1").await, CAKES);
    assert!(
        visitor
            .text("[data-testid=trace-org]")
            .await
            .contains(&cakes.name)
    );
    let lot = ketnoi_db::trace::lot(app.db.conn(), lot_id)
        .await
        .unwrap()
        .unwrap();
    let check = ketnoi_app::trace::check_code(ketnoi_tests::SECRET, lot.id, "000001");
    let stamp_card = visitor.text("[data-testid=trace-stamp]").await;
    assert!(
        stamp_card.contains("000001") && stamp_card.contains(&check),
        "{stamp_card}"
    );
    assert_eq!(visitor.text("[data-testid=trace-lot]").await, "BC-TET-01");
    let steps = texts(&visitor, "[data-testid=trace-step] strong").await;
    assert_eq!(steps, ["Tạo lô, gán mã", "Chế biến"]);
    assert!(
        texts(&visitor, "h2")
            .await
            .iter()
            .any(|h| h == "Nguyên liệu đầu vào (một bước trước)")
    );
    let input = visitor.text("[data-testid=trace-inputs]").await;
    assert!(
        input.contains(RICE) && input.contains("Lô R1") && input.contains(&rice.name),
        "{input}"
    );
    visitor
        .screenshot_to(&shots.join(format!("{backend}-stamp-000001.png")))
        .await;

    // One step back: R1's own page.
    visitor.click("[data-testid=trace-input]").await;
    visitor.wait_for_path(&r1_path).await;
    assert_eq!(visitor.text("h1").await, RICE);
    assert_eq!(visitor.text("[data-testid=trace-lot]").await, "R1");
    assert!(
        visitor
            .text("[data-testid=trace-identifier]")
            .await
            .contains(RICE_GTIN)
    );
    assert!(
        visitor
            .text("[data-testid=trace-org]")
            .await
            .contains(&rice.name)
    );
    assert!(
        visitor
            .c
            .find(Locator::Css("[data-testid=trace-stamp]"))
            .await
            .is_err(),
        "a lot's page, not a stamp's"
    );
    visitor.close().await;
    // Both pages pass axe (run from a browser whose pages may run scripts: axe is one).
    if let Some(axe) = axe_source() {
        let mut problems = Vec::new();
        for page in [stamp("000001"), r1_path.clone()] {
            b.goto(&page).await;
            b.text("[data-testid=trace-page]").await;
            for v in axe_violations(&b, &axe).await {
                problems.push(format!("{page}: {v}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    // Stamp 000002 was copied onto other packs: more phones than the threshold scan it.
    const PHONES: i64 = COPY_THRESHOLD + 2;
    let phones = app.client();
    for n in 1..=PHONES {
        let agent = format!("Mozilla/5.0 (Linux; Android 14; Phone {n}) Zalo/24.{n}");
        let page = phones
            .get_with(&stamp("000002"), &[("user-agent", &agent)])
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
    }

    // Her traceability page says so once every scan is counted (they are counted off the
    // request path).
    let (owner, home) = (&b, b_path("/trace"));
    let home = home.as_str();
    let flag = eventually(
        "the copied stamp on her traceability page",
        WAIT,
        || async move {
            owner.goto(home).await;
            let text = owner
                .c
                .find(Locator::Css("[data-testid=copy-flag]"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.contains(&format!("{PHONES} thiết bị khác nhau"))
                .then_some(text)
        },
    )
    .await
    .unwrap();
    assert!(
        flag.contains(CAKES) && flag.contains("BC-TET-01") && flag.contains("000002"),
        "{flag}"
    );
    assert_eq!(
        texts(&b, "[data-testid=copy-flag]").await.len(),
        1,
        "only the copied stamp"
    );
    assert!(
        b.text("[data-testid=copy-flags]")
            .await
            .contains("Tem có thể đã bị sao chép")
    );
    b.screenshot_to(&shots.join(format!("{backend}-copy-flag.png")))
        .await;
    b.close().await;
}

/// Issue 19: a leader asks for a credit referral from her phone; the ward officer refers it
/// to a bank; the bank's staff receive it, approve it and record the disbursement; the
/// leader, whose own phone stays on the case, sees each step as it is taken.
async fn a_leader_asks_for_credit_from_her_phone_and_follows_it_to_disbursement(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-lua-que", "00577").await;
    let leader = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&org, &leader, MemberRole::Owner).await;
    app.user(
        "canbo@example.com",
        PlatformRole::UnionOfficer,
        Some("00577"),
    )
    .await;
    let bank = bank_with_staff(&app, "nhcsxh@example.com").await;
    let Some(her) = Browser::open(&app).await else {
        return;
    };
    let Some(desk) = Browser::open(&app).await else {
        return;
    };
    // Her phone: from her cooperative's page to the request form.
    her.sign_in("lan@example.com").await;
    her.click("[data-testid=org-support]").await;
    her.wait_for_path("/support").await;
    her.select("applicant", &format!("org:{}", org.slug)).await;
    her.select("kind", "credit").await;
    her.fill("purpose", "Mua máy sấy lúa").await;
    her.fill("amount", "60.000.000").await;
    her.fill("term_months", "24").await;
    her.click("[data-testid=ask]").await;
    her.wait_for_text("[data-testid=case-status]", "Mới gửi")
        .await;
    let case_path = {
        let url = her.c.current_url().await.unwrap();
        url.path().to_owned()
    };
    let follow = |want: &'static str| {
        let (her, case_path) = (&her, case_path.clone());
        async move {
            her.goto(&case_path).await;
            her.wait_for_text("[data-testid=case-status]", want).await;
        }
    };
    // The ward officer finds it in her queue and refers it to the bank.
    desk.sign_in("canbo@example.com").await;
    desk.goto("/union/cases").await;
    desk.click(&format!("a[href='{case_path}']")).await;
    desk.select("partner_id", &bank.to_string()).await;
    desk.click("[data-testid=step-refer]").await;
    desk.wait_for_text("[data-testid=case-status]", "Đã chuyển đối tác")
        .await;
    follow("Đã chuyển đối tác").await;
    desk.sign_out().await;
    // The bank's staff: her desk, the case, receive, approve, disburse.
    desk.sign_in("nhcsxh@example.com").await;
    desk.click("[data-testid=partner-link]").await;
    desk.wait_for_path("/partner").await;
    desk.click(&format!("a[href='{case_path}']")).await;
    desk.click("[data-testid=step-receive]").await;
    desk.wait_for_text("[data-testid=case-status]", "Đối tác đã nhận")
        .await;
    follow("Đối tác đã nhận").await;
    desk.click("[data-testid=step-approve]").await;
    desk.wait_for_text("[data-testid=case-status]", "Đã duyệt")
        .await;
    follow("Đã duyệt").await;
    desk.fill("amount", "60000000").await;
    desk.click("[data-testid=step-complete]").await;
    desk.wait_for_text("[data-testid=case-status]", "Đã hoàn thành")
        .await;
    follow("Đã hoàn thành").await;
    // Every step, with who took it, on her phone.
    let steps = texts(&her, "[data-testid=case-step]").await;
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(
        steps[4].contains("Đã giải ngân") && steps[4].contains("60.000.000"),
        "{steps:?}"
    );
    assert!(
        her.text("[data-testid=case-done]")
            .await
            .contains("60.000.000 ₫")
    );
    her.close().await;
    desk.close().await;
}

/// The support-case pages of each person who uses them, on a phone: the leader's requests,
/// the officer's queue and a case with its referral form, the partner's desk and case.
async fn the_support_case_pages_pass_axe_and_their_targets_fit_a_finger(app: TestApp) {
    use ketnoi_domain::role::MemberRole;
    let org = app.cooperative("htx-lua-que", "00577").await;
    let leader = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&org, &leader, MemberRole::Owner).await;
    let officer = app
        .user(
            "canbo@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let bank = bank_with_staff(&app, "nhcsxh@example.com").await;
    let request = ketnoi_app::cases::Request {
        kind: "credit".into(),
        amount: "50000000".into(),
        purpose: "Mua máy sấy".into(),
        term_months: "12".into(),
    };
    let open = |at| {
        let (org, request) = (org.clone(), request.clone());
        let db = app.db.clone();
        async move {
            ketnoi_app::cases::open(
                &db,
                &ketnoi_app::cases::For::Org(Box::new(org)),
                leader.id,
                &request,
                at,
            )
            .await
            .unwrap()
        }
    };
    let waiting = open(chrono::Utc::now()).await;
    let referred = open(chrono::Utc::now()).await;
    ketnoi_app::cases::take_step(
        &app.db,
        referred,
        &ketnoi_app::cases::Who::Officer {
            user_id: officer.id,
            scope: ketnoi_domain::role::Scope::City,
        },
        ketnoi_domain::cases::Step::Refer,
        &ketnoi_app::cases::StepInput {
            partner_id: Some(bank),
            ..Default::default()
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(b) = Browser::open(&app).await else {
        return;
    };
    let mut problems = Vec::new();
    for (login, pages) in [
        (
            "lan@example.com",
            vec!["/support".to_owned(), format!("/cases/{referred}")],
        ),
        (
            "canbo@example.com",
            vec!["/union/cases".to_owned(), format!("/cases/{waiting}")],
        ),
        (
            "nhcsxh@example.com",
            vec!["/partner".to_owned(), format!("/cases/{referred}")],
        ),
    ] {
        b.sign_in(login).await;
        for page in &pages {
            b.goto(page).await;
            for v in axe_violations(&b, &axe).await {
                problems.push(format!("{login} {page}: {v}"));
            }
            for t in small_targets(&b).await {
                problems.push(format!("{login} {page}: small target {t}"));
            }
        }
        b.sign_out().await;
    }
    b.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A bank partner with one staff account, who signs in as `login`; the partner's id.
async fn bank_with_staff(app: &TestApp, login: &str) -> i64 {
    let staff = app.user(login, PlatformRole::User, None).await;
    let bank = ketnoi_db::cases::create_partner(
        app.db.conn(),
        &ketnoi_db::cases::NewPartner {
            slug: "nhcsxh".into(),
            name: "Ngân hàng Chính sách xã hội".into(),
            kind: ketnoi_domain::cases::PartnerKind::Bank,
            phone: None,
            email: None,
        },
    )
    .await
    .unwrap();
    ketnoi_db::cases::add_staff(app.db.conn(), bank, staff.id)
        .await
        .unwrap();
    bank
}
