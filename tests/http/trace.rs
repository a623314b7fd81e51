//! Traceability (issue 18), end to end over HTTP: a GTIN is checked beside its field; one
//! cooperative makes a lot from another's lot and an anonymous visitor follows a stamp's
//! GS1 Digital Link to it and one step back, or asks the resolver for its links; printed
//! stamps decode (zbar) to their links; a stamp scanned from too many phones is flagged; a
//! recall tells each buyer who received the lot once, and nobody else; the lot API and the
//! exports pass GS1's EPCIS 2.0 checker; other cooperatives cannot touch a lot; bad input
//! is said beside its field, never a 500.

use ketnoi_db::orgs::Org;
use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::order::PaymentMethod;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_test_support::NodeChecker;
use ketnoi_tests::{Backend, Client, Page, TestApp, csrf_in, on_both_backends};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

on_both_backends!(
    a_gtin_with_a_wrong_check_digit_is_refused_beside_the_field,
    a_cooperative_makes_a_lot_from_another_cooperatives_lot_and_a_visitor_traces_it,
    a_recall_lists_the_seven_buyers_who_received_the_lot_and_messages_each_once,
    the_lot_api_and_exports_give_the_lot_and_a_valid_epcis_document,
    bad_lot_step_and_stamp_input_is_refused_beside_its_field,
    a_lot_recorded_after_it_was_made_begins_with_its_making,
    a_step_dated_before_its_lot_was_made_is_refused,
    a_recall_message_is_in_the_orders_own_conversation,
);

/// The GTIN-13 of the cakes: 893 (GS1 Vietnam) … with its check digit 9.
const GTIN: &str = "8930000000019";
/// Its 14-digit form, as links and pages give it.
const GTIN14: &str = "08930000000019";
/// The day `offset` days from today in Hanoi, as a date field takes it.
fn day(offset: i64) -> String {
    (chrono::Utc::now().with_timezone(&ketnoi_domain::time::hanoi())
        + chrono::Duration::days(offset))
    .format("%Y-%m-%d")
    .to_string()
}

/// The lots' production day: 17 days ago (their steps follow on the next days).
fn produced() -> String {
    day(-17)
}

/// A person with an account and a name of her own.
async fn person(app: &TestApp, email: &str, name: &str) -> User {
    ketnoi_db::users::insert(
        app.db.conn(),
        &NewUser {
            email: Some(email),
            phone: None,
            display_name: name,
            password_hash: "not-used",
            locale: Locale::Vi,
            role: PlatformRole::User,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap()
}

/// A cooperative, its owner signed in, and one published listing.
struct Coop {
    org: Org,
    user: User,
    manager: Client,
    listing: i64,
}

impl Coop {
    fn path(&self, rest: &str) -> String {
        format!("/orgs/{}{rest}", self.org.slug)
    }
    fn lot_path(&self, lot: i64, rest: &str) -> String {
        self.path(&format!("/lots/{lot}{rest}"))
    }
}

async fn coop(app: &TestApp, slug: &str, product: &str) -> Coop {
    let org = app.cooperative(slug, "00577").await;
    let user = person(
        app,
        &format!("quanly@{slug}.vn"),
        &format!("Chị Lan {slug}"),
    )
    .await;
    app.member(&org, &user, MemberRole::Owner).await;
    let manager = app.client_as(&user).await;
    let listing = ketnoi_tests::published_listing(app, &org, product).await.id;
    Coop {
        org,
        user,
        manager,
        listing,
    }
}

/// Makes `listing` traceable through the cooperative's form; the answer.
async fn enable(c: &Coop, listing: i64, gtin: &str) -> Page {
    c.manager
        .submit(
            &c.path("/trace"),
            &c.path("/trace/products"),
            &[("listing_id", &listing.to_string()), ("gtin", gtin)],
        )
        .await
}

/// Makes the cooperative's listing traceable (with `gtin`, or our own code when empty).
async fn traceable(c: &Coop, gtin: &str) {
    let saved = enable(c, c.listing, gtin).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

/// Posts the new-lot form: a lot of 500 of the cooperative's listing made on [`produced`]
/// in ward 00577, each field in `fields` replacing its default (`input` adds).
async fn post_lot(c: &Coop, fields: &[(&str, &str)]) -> Page {
    let listing = c.listing.to_string();
    let produced = produced();
    let mut all: Vec<(&str, &str)> = vec![
        ("product", listing.as_str()),
        ("code", "L1"),
        ("produced_on", produced.as_str()),
        ("quantity", "500"),
        ("commune", "00577"),
    ];
    for (k, v) in fields {
        if *k != "input" {
            all.retain(|(key, _)| key != k);
        }
        all.push((k, v));
    }
    c.manager
        .submit(&c.path("/lots/new"), &c.path("/lots"), &all)
        .await
}

/// A new lot `code` of the cooperative's listing; its id.
async fn lot(c: &Coop, code: &str, fields: &[(&str, &str)]) -> i64 {
    let mut all = vec![("code", code)];
    all.extend_from_slice(fields);
    let made = post_lot(c, &all).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    location
        .strip_prefix(&c.path("/lots/"))
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("{location}"))
        .parse()
        .unwrap()
}

/// Records a step on a lot through its page; the answer.
async fn post_step(c: &Coop, lot: i64, fields: &[(&str, &str)]) -> Page {
    c.manager
        .submit(&c.lot_path(lot, ""), &c.lot_path(lot, "/steps"), fields)
        .await
}

async fn step(c: &Coop, lot: i64, step: &str, at: &str, place: &str, note: &str) {
    let saved = post_step(
        c,
        lot,
        &[
            ("step", step),
            ("occurred_at", at),
            ("place", place),
            ("quantity", ""),
            ("note", note),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

async fn post_stamps(c: &Coop, lot: i64, count: &str) -> Page {
    c.manager
        .submit(
            &c.lot_path(lot, ""),
            &c.lot_path(lot, "/stamps"),
            &[("count", count)],
        )
        .await
}

async fn stamps(c: &Coop, lot: i64, count: usize) {
    let made = post_stamps(c, lot, &count.to_string()).await;
    assert_eq!(made.status, 303, "{}", made.body);
}

/// The `href` of the element marked `data-testid="{testid}"` (the attribute before it).
fn href_of(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let before = html
        .split(&marker)
        .next()
        .filter(|b| b.len() < html.len())
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    before
        .rsplit("href=\"")
        .next()
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#x2f;", "/")
}

/// The text of the first element marked `data-testid="{testid}"`, up to the first closing
/// tag inside it, without the tags that open within it.
fn text_of(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let inner = html
        .split(&marker)
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .and_then(|(_, s)| s.split("</").next())
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let mut text = String::new();
    let mut in_tag = false;
    for ch in inner.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

fn count_of(html: &str, testid: &str) -> usize {
    html.matches(&format!("data-testid=\"{testid}\"")).count()
}

/// Our own trace code of a product, as the cooperative's traceability page shows it.
async fn trace_code(c: &Coop) -> String {
    let page = c.manager.get(&c.path("/trace")).await;
    assert_eq!(page.status, 200);
    let code = text_of(&page.body, "trace-product-code");
    assert!(code.starts_with("KN") && code.len() == 15, "{code}");
    code
}

/// An order of one unit of the cooperative's listing by `buyer` (cash on delivery).
async fn order(app: &TestApp, buyer: &User, c: &Coop) -> ketnoi_db::orders::Order {
    let offer_id = crate::orders::offer_of(app, c.listing).await;
    let lines = [ketnoi_db::orders::Line {
        offer_id,
        quantity: 1,
    }];
    ketnoi_db::orders::place(
        &app.db,
        &ketnoi_tests::goods_order(buyer.id, c.org.id, PaymentMethod::Cod, &lines),
    )
    .await
    .unwrap()
    .unwrap()
}

/// The cooperative confirms the order and ships it from `lot`, chosen in the order page's
/// ship form.
async fn ship(c: &Coop, order: i64, lot: i64) {
    let page = format!("/orders/{order}");
    let steps = format!("/orders/{order}/steps");
    let confirmed = c
        .manager
        .submit(&page, &steps, &[("step", "confirm")])
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let shown = c.manager.get(&page).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.contains("data-testid=\"ship-form\""),
        "{}",
        shown.body
    );
    let item = shown
        .body
        .split("name=\"lot_")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        shown.body.contains(&format!("<option value=\"{lot}\">")),
        "lot {lot} is offered: {}",
        shown.body
    );
    let field = format!("lot_{item}");
    let csrf = csrf_in(&shown.body);
    let lot = lot.to_string();
    let shipped = c
        .manager
        .post_form(&steps, &[("csrf", &csrf), ("step", "ship"), (&field, &lot)])
        .await;
    assert_eq!(shipped.status, 303, "{}", shipped.body);
}

/// An answer's body as bytes (PDF, XLSX), with its status and content type.
async fn download(c: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let res = c.http.get(c.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, res.bytes().await.unwrap().to_vec())
}

/// `/01/{GTIN14}/10/{lot}[/21/{serial}]`.
fn gtin_path(lot: &str, serial: Option<&str>) -> String {
    match serial {
        Some(s) => format!("/01/{GTIN14}/10/{lot}/21/{s}"),
        None => format!("/01/{GTIN14}/10/{lot}"),
    }
}

async fn a_gtin_with_a_wrong_check_digit_is_refused_beside_the_field(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    let second = ketnoi_tests::published_listing(&app, &c.org, "Cốm lá sen").await;
    // 893000000001 + check digit 9: a 7 is a misread digit.
    let wrong = enable(&c, c.listing, "8930000000017").await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("data-testid=\"error-gtin\""),
        "{}",
        wrong.body
    );
    assert!(
        text_of(&wrong.body, "error-gtin").contains("chữ số cuối phải là 9"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("value=\"8930000000017\""),
        "what she typed is kept"
    );
    assert_eq!(
        ketnoi_db::trace::product(app.db.conn(), c.listing)
            .await
            .unwrap(),
        None,
        "nothing saved"
    );
    // Too short, or letters: said too, never a 500.
    for (bad, says) in [
        ("89300000001", "8, 12, 13 hoặc 14 chữ số"),
        ("89300000000A9", "chỉ gồm chữ số"),
    ] {
        let refused = enable(&c, c.listing, bad).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-gtin").contains(says),
            "{bad}: {}",
            refused.body
        );
    }

    // The right one, typed with the spaces under a barcode.
    let saved = enable(&c, c.listing, "893 0000 00001 9").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = c.manager.get(saved.location.as_deref().unwrap()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-testid=\"saved\""), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("GTIN <strong>{GTIN14}</strong>")),
        "{}",
        page.body
    );
    assert!(trace_code(&c).await.starts_with("KN"));
    let p = ketnoi_db::trace::product(app.db.conn(), c.listing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.gtin.as_deref(), Some(GTIN14));

    // The same GTIN (here as its 14 digits) on another product: taken.
    let taken = enable(&c, second.id, GTIN14).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(
        text_of(&taken.body, "error-gtin").contains("đã được dùng"),
        "{}",
        taken.body
    );
    assert_eq!(
        ketnoi_db::trace::product(app.db.conn(), second.id)
            .await
            .unwrap(),
        None
    );
    // Without a GTIN it gets our own code.
    let own = enable(&c, second.id, "").await;
    assert_eq!(own.status, 303, "{}", own.body);
    let p2 = ketnoi_db::trace::product(app.db.conn(), second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p2.gtin, None);
    assert_ne!(p2.code, p.code);
}

async fn a_cooperative_makes_a_lot_from_another_cooperatives_lot_and_a_visitor_traces_it(
    app: TestApp,
) {
    let rice = coop(&app, "htx-lua-gao", "Gạo nếp cái hoa vàng").await;
    let cakes = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&rice, "").await;
    traceable(&cakes, GTIN).await;
    let code = trace_code(&rice).await;
    let r1 = lot(&rice, "R1", &[("quantity", "1.200")]).await;
    // The rice lot's link, as its cooperative's page gives it.
    let rice_page = rice.manager.get(&rice.lot_path(r1, "")).await;
    assert_eq!(rice_page.status, 200);
    let r1_path = href_of(&rice_page.body, "lot-public");
    assert_eq!(r1_path, format!("/t/{code}/10/R1"));
    let r1_link = format!("{}{r1_path}", app.url);

    // The cakes are made from it, named by the link pasted from a stamp.
    let c1 = lot(
        &cakes,
        "C1",
        &[("input_links", &format!("\n  {r1_link}  \n"))],
    )
    .await;
    step(
        &cakes,
        c1,
        "transforming",
        &format!("{}T08:30", day(-16)),
        "Xưởng bánh Vòng",
        "Giã cốm, gói lá sen",
    )
    .await;
    stamps(&cakes, c1, 40).await;
    let own = cakes.manager.get(&cakes.lot_path(c1, "")).await;
    assert!(own.body.contains("data-testid=\"lot-inputs-list\""));
    assert!(own.body.contains(&r1_path), "{}", own.body);
    assert_eq!(text_of(&own.body, "stamp-count"), "40 tem");
    // The rice cooperative sees what was made from her lot (one step forward).
    let rice_page = rice.manager.get(&rice.lot_path(r1, "")).await;
    assert!(
        rice_page.body.contains(&gtin_path("C1", None)),
        "{}",
        rice_page.body
    );

    // An anonymous visitor scans stamp 000001.
    let visitor = app.client();
    let stamp = gtin_path("C1", Some("000001"));
    let page = visitor.get(&stamp).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.content_type.starts_with("text/html"));
    assert!(
        page.body.len() <= 30 * 1024,
        "{} bytes: a phone on 3G opens it",
        page.body.len()
    );
    assert!(page.body.contains("Bánh cốm Vòng"));
    assert_eq!(text_of(&page.body, "trace-lot"), "C1");
    assert_eq!(text_of(&page.body, "trace-identifier"), GTIN14);
    assert_eq!(text_of(&page.body, "trace-org"), "HTX htx-banh-com");
    assert_eq!(href_of(&page.body, "trace-org"), "/orgs/htx-banh-com");
    assert!(page.body.contains("000001"));
    assert_eq!(
        text_of(&page.body, "trace-check").len(),
        4,
        "the stamp's check code"
    );
    assert_eq!(count_of(&page.body, "trace-step"), 2, "{}", page.body);
    assert!(page.body.contains("Chế biến"), "the processing step");
    assert!(page.body.contains("Xưởng bánh Vòng"));
    assert!(page.body.contains("Giã cốm, gói lá sen"));
    assert_eq!(
        href_of(&page.body, "trace-buy"),
        format!("/listings/{}", cakes.listing)
    );
    let link = page.header("link").unwrap_or_default();
    assert!(
        link.contains(&format!("{}{}?linkType=linkset", app.url, stamp))
            && link.contains("rel=\"linkset\""),
        "{link}"
    );
    // One step back: the rice lot, with its own page.
    assert_eq!(count_of(&page.body, "trace-input"), 1);
    assert_eq!(href_of(&page.body, "trace-input"), r1_path);
    assert!(page.body.contains("Gạo nếp cái hoa vàng"));
    assert!(page.body.contains("HTX htx-lua-gao"));
    let back = visitor.get(&r1_path).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(text_of(&back.body, "trace-lot"), "R1");
    assert_eq!(text_of(&back.body, "trace-identifier"), code);
    assert_eq!(text_of(&back.body, "trace-org"), "HTX htx-lua-gao");
    assert!(!back.body.contains("data-testid=\"trace-stamp\""));

    // The lot without a serial, and with the GTIN-13 as printed: the page too.
    for path in [
        gtin_path("C1", None),
        format!("/01/{GTIN}/10/C1"),
        format!("/01/{GTIN}/10/C1/21/000040"),
    ] {
        let p = visitor.get(&path).await;
        assert_eq!(p.status, 200, "{path}");
        assert_eq!(text_of(&p.body, "trace-lot"), "C1", "{path}");
    }
    // A serial never printed, a lot that does not exist, a wrong check digit, another
    // product's code: not found.
    for path in [
        gtin_path("C1", Some("000041")),
        gtin_path("C2", Some("000001")),
        gtin_path("R1", None),
        "/01/08930000000018/10/C1/21/000001".to_owned(),
        format!("/t/{code}/10/C1"),
        "/01/08930000000026".to_owned(),
    ] {
        assert_eq!(visitor.get(&path).await.status, 404, "{path}");
    }

    // As a GS1 resolver: the link set, asked for by query or by Accept.
    let anchor = format!("{}{stamp}", app.url);
    for linkset in [
        visitor.get(&format!("{stamp}?linkType=linkset")).await,
        visitor.get(&format!("{stamp}?linkType=all")).await,
        visitor
            .get_with(&stamp, &[("accept", "application/linkset+json")])
            .await,
    ] {
        assert_eq!(linkset.status, 200, "{}", linkset.body);
        assert_eq!(linkset.content_type, "application/linkset+json");
        let json = linkset.json();
        let set = &json["linkset"][0];
        assert_eq!(set["anchor"], anchor.as_str());
        assert_eq!(
            set["https://gs1.org/voc/pip"][0]["href"],
            format!("{}/listings/{}", app.url, cakes.listing).as_str(),
            "{json}"
        );
        assert_eq!(
            set["https://gs1.org/voc/traceability"][0]["href"],
            format!("{}{}", app.url, gtin_path("C1", None)).as_str(),
            "{json}"
        );
        assert!(set["https://gs1.org/voc/defaultLink"].is_array(), "{json}");
    }
    let ld = visitor
        .get_with(&stamp, &[("accept", "application/ld+json")])
        .await;
    assert_eq!(ld.status, 200);
    assert_eq!(ld.content_type, "application/ld+json");
    assert_eq!(ld.json()["linkset"][0]["anchor"], anchor.as_str());
    // One link type: a 307 to it.
    let pip = visitor.get(&format!("{stamp}?linkType=gs1:pip")).await;
    assert_eq!(pip.status, 307, "{}", pip.body);
    assert_eq!(
        pip.location.as_deref(),
        Some(format!("{}/listings/{}", app.url, cakes.listing).as_str())
    );
    let epcis = visitor.get(&format!("{stamp}?linkType=gs1:epcis")).await;
    assert_eq!(epcis.status, 307);
    assert_eq!(
        epcis.location.as_deref(),
        Some(format!("{}/api/v1/lots/{c1}/epcis", app.url).as_str())
    );
    let none = visitor
        .get(&format!("{stamp}?linkType=gs1:recipeInfo"))
        .await;
    assert_eq!(none.status, 404);
    // The product alone: its listing.
    let product = visitor.get(&format!("/01/{GTIN14}")).await;
    assert!(
        matches!(product.status, 302 | 303 | 307 | 308),
        "{}",
        product.status
    );
    assert_eq!(
        product.location.as_deref(),
        Some(format!("/listings/{}", cakes.listing).as_str())
    );
    let rice_product = visitor.get(&format!("/t/{code}")).await;
    assert_eq!(
        rice_product.location.as_deref(),
        Some(format!("/listings/{}", rice.listing).as_str())
    );
    let product_links = visitor.get(&format!("/01/{GTIN14}?linkType=linkset")).await;
    assert_eq!(product_links.status, 200);
    assert_eq!(
        product_links.json()["linkset"][0]["anchor"],
        format!("{}/01/{GTIN14}", app.url).as_str()
    );
}

/// Decodes every stamp of an A4 sheet of 40 (4 columns, 10 rows of 52.5 × 29.7 mm), cell by
/// cell as a scanner sees one label (zbar mixes up the finder patterns of many codes in a
/// grid on one image); `None` when pdftoppm or zbarimg is missing and not required.
fn decode_a4_40(pdf: &[u8]) -> Option<Vec<String>> {
    for program in ["pdftoppm", "zbarimg"] {
        if Command::new(program).arg("-v").output().is_err() {
            assert!(
                std::env::var("KETNOI_REQUIRE_ZBAR").as_deref() != Ok("1"),
                "{program} is not installed (KETNOI_REQUIRE_ZBAR=1)"
            );
            eprintln!("SKIPPED: {program} is not installed (poppler-utils, zbar-tools)");
            return None;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tem.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm: {status}");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    let mm = |v: f32| (v * 300.0 / 25.4).round() as u32;
    let mut decoded = Vec::new();
    for page in &pages {
        let gray = image::open(page).unwrap().to_luma8();
        for row in 0..10 {
            for col in 0..4 {
                let (x, y) = (mm(col as f32 * 52.5), mm(row as f32 * 29.7));
                let w = mm(52.5).min(gray.width() - x);
                let h = mm(29.7).min(gray.height() - y);
                let cell = image::imageops::crop_imm(&gray, x, y, w, h).to_image();
                let path = dir.path().join("cell.png");
                cell.save(&path).unwrap();
                let out = Command::new("zbarimg")
                    .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
                    .arg(&path)
                    .output()
                    .unwrap();
                // Exit status 4: nothing found in the cell, which the comparison reports.
                assert!(
                    out.status.success() || out.status.code() == Some(4),
                    "zbarimg: {out:?}"
                );
                decoded.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
            }
        }
    }
    Some(decoded)
}

#[tokio::test]
async fn stamps_print_as_a_pdf_whose_qr_codes_decode_to_their_uris() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let l = lot(&c, "2026.11-A", &[("expires_on", &day(13))]).await;
    stamps(&c, l, 40).await;
    let (status, kind, pdf) = download(
        &c.manager,
        &c.lot_path(l, "/stamps.pdf?layout=a4-40&first=1&last=40"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let want: Vec<String> = (1..=40)
        .map(|n| format!("{}/01/{GTIN14}/10/2026.11-A/21/{n:06}", app.url))
        .collect();
    if let Some(decoded) = decode_a4_40(&pdf) {
        assert_eq!(decoded, want);
    }
    // Each decoded link opens its stamp.
    let visitor = app.client();
    let last = want[39].strip_prefix(&app.url).unwrap();
    assert_eq!(visitor.get(last).await.status, 200);
    // A part of the sheet: the default range is every stamp.
    let (status, _, all) = download(&c.manager, &c.lot_path(l, "/stamps.pdf")).await;
    assert_eq!(status, 200);
    assert!(all.starts_with(b"%PDF-"));
    // Ranges that name no stamps, and a layout that does not exist: said, not printed.
    for query in [
        "layout=a4-40&first=0&last=40",
        "layout=a4-40&first=1&last=41",
        "layout=a4-40&first=30&last=20",
        "layout=a4-40&first=mot&last=40",
    ] {
        let bad = c
            .manager
            .get(&c.lot_path(l, &format!("/stamps.pdf?{query}")))
            .await;
        assert_eq!(bad.status, 422, "{query}: {}", bad.body);
        assert!(bad.content_type.starts_with("text/html"), "{query}");
        assert!(
            bad.body
                .contains("Chọn các số trong khoảng 1 đến 40, tối đa 10000 tem một tệp"),
            "{query}: {}",
            bad.body
        );
    }
    let layout = c
        .manager
        .get(&c.lot_path(l, "/stamps.pdf?layout=a3-99"))
        .await;
    assert_eq!(layout.status, 422);
    // A lot without stamps has nothing to print.
    let empty = lot(&c, "2026.11-B", &[]).await;
    let none = c.manager.get(&c.lot_path(empty, "/stamps.pdf")).await;
    assert_eq!(none.status, 422, "{}", none.body);
    assert!(
        text_of(&none.body, "error-count").contains("Lô chưa có tem nào"),
        "{}",
        none.body
    );
}

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

/// Polls `check` every 50 ms until it is true, for at most 10 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
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
    eventually("the cooperative sees the copied stamp", || async move {
        manager
            .get(path)
            .await
            .body
            .contains("data-testid=\"copy-flag\"")
    })
    .await;
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
    eventually("the ten scans of 000003 are counted", || async move {
        ketnoi_db::trace::stamp(db.conn(), l, "000003")
            .await
            .unwrap()
            .is_some_and(|s| s.scans == 10)
    })
    .await;
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

/// The messages in `user`'s conversations that contain `text`.
async fn messages_containing(app: &TestApp, user: &User, text: &str) -> Vec<(i64, String)> {
    let mut found = Vec::new();
    for entry in ketnoi_db::messaging::inbox(app.db.conn(), user.id)
        .await
        .unwrap()
    {
        let id = entry.conversation.id;
        for m in ketnoi_db::messaging::latest(app.db.conn(), id, 500)
            .await
            .unwrap()
        {
            if m.body.contains(text) {
                found.push((id, m.body));
            }
        }
    }
    found
}

async fn a_recall_lists_the_seven_buyers_who_received_the_lot_and_messages_each_once(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let bad = lot(&c, "C1", &[]).await;
    let good = lot(&c, "C2", &[]).await;
    let mut buyers = Vec::new();
    let mut codes = Vec::new();
    for i in 1..=7 {
        let buyer = person(
            &app,
            &format!("nguoimua{i}@example.com"),
            &format!("Người mua số {i}"),
        )
        .await;
        let o = order(&app, &buyer, &c).await;
        ship(&c, o.id, bad).await;
        codes.push(o.code.clone().unwrap());
        buyers.push(buyer);
    }
    // The eighth got the other lot.
    let eighth = person(&app, "nguoimua8@example.com", "Người mua số 8").await;
    let o8 = order(&app, &eighth, &c).await;
    ship(&c, o8.id, good).await;

    let page = c.manager.get(&c.lot_path(bad, "")).await;
    assert_eq!(page.status, 200);
    assert_eq!(count_of(&page.body, "lot-recipient"), 7, "{}", page.body);
    for (i, code) in codes.iter().enumerate() {
        assert!(page.body.contains(code.as_str()), "{code}: {}", page.body);
        assert!(page.body.contains(&format!("Người mua số {}", i + 1)));
    }
    assert!(!page.body.contains(o8.code.as_deref().unwrap()));
    assert!(!page.body.contains("Người mua số 8"));
    // The shipping is a step of the lot.
    assert_eq!(
        page.body.matches("Xuất hàng").count(),
        7 + 1,
        "seven shipping steps and the form's choice: {}",
        page.body
    );

    let reason = "Phát hiện nấm mốc trong một số gói";
    let recalled = c
        .manager
        .submit(
            &c.lot_path(bad, ""),
            &c.lot_path(bad, "/recall"),
            &[("reason", reason)],
        )
        .await;
    assert_eq!(recalled.status, 303, "{}", recalled.body);
    let location = recalled.location.unwrap();
    assert!(location.contains("told=7"), "{location}");
    let after = c.manager.get(&location).await;
    assert!(
        text_of(&after.body, "saved").contains("nhắn cho 7 người mua"),
        "{}",
        after.body
    );
    assert!(after.body.contains("data-testid=\"lot-recalled\""));
    assert!(!after.body.contains("data-testid=\"recall-form\""));
    assert!(!after.body.contains("data-testid=\"stamp-form\""));
    assert!(text_of(&after.body, "recall-notices").contains('7'));

    for (buyer, code) in buyers.iter().zip(&codes) {
        let told = messages_containing(&app, buyer, "THU HỒI").await;
        assert_eq!(told.len(), 1, "{}: {told:?}", buyer.display_name);
        let (conversation, body) = &told[0];
        assert!(
            body.contains(reason) && body.contains(code.as_str()),
            "{body}"
        );
        assert!(
            body.contains(&format!("{}{}", app.url, gtin_path("C1", None))),
            "{body}"
        );
        assert!(body.contains("RECALL"), "and in English: {body}");
        // She reads it in her conversation.
        let b = app.client_as(buyer).await;
        let inbox = b.get("/conversations").await;
        assert!(
            inbox
                .body
                .contains(&format!("/conversations/{conversation}")),
            "{}",
            inbox.body
        );
        let thread = b.get(&format!("/conversations/{conversation}")).await;
        assert_eq!(thread.status, 200);
        assert!(thread.body.contains("THU HỒI"), "{}", thread.body);
    }
    assert!(
        messages_containing(&app, &eighth, "THU HỒI")
            .await
            .is_empty(),
        "the eighth buyer got another lot"
    );

    // Recalled again (a double tap): nobody is told twice.
    let again = c
        .manager
        .submit(
            &c.lot_path(bad, ""),
            &c.lot_path(bad, "/recall"),
            &[("reason", "Nhắc lại")],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert!(again.location.unwrap().contains("told=0"));
    for buyer in &buyers {
        assert_eq!(messages_containing(&app, buyer, "THU HỒI").await.len(), 1);
    }
    assert!(
        messages_containing(&app, &eighth, "THU HỒI")
            .await
            .is_empty()
    );
    let lot_now = ketnoi_db::trace::lot(app.db.conn(), bad)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lot_now.recall_reason.as_deref(), Some(reason));

    // Whoever scans its stamps is told; the other lot is not recalled.
    let visitor = app.client();
    let public = visitor.get(&gtin_path("C1", None)).await;
    assert!(
        public.body.contains("data-testid=\"trace-recalled\""),
        "{}",
        public.body
    );
    assert!(public.body.contains(reason));
    let other = visitor.get(&gtin_path("C2", None)).await;
    assert!(!other.body.contains("data-testid=\"trace-recalled\""));
    // A recalled lot is not offered when shipping, and gets no more stamps.
    let ninth = person(&app, "nguoimua9@example.com", "Người mua số 9").await;
    let o9 = order(&app, &ninth, &c).await;
    let confirmed = c
        .manager
        .submit(
            &format!("/orders/{}", o9.id),
            &format!("/orders/{}/steps", o9.id),
            &[("step", "confirm")],
        )
        .await;
    assert_eq!(confirmed.status, 303);
    let ship_page = c.manager.get(&format!("/orders/{}", o9.id)).await;
    assert!(
        ship_page
            .body
            .contains(&format!("<option value=\"{good}\">"))
    );
    assert!(
        !ship_page
            .body
            .contains(&format!("<option value=\"{bad}\">"))
    );
    let more = post_stamps(&c, bad, "10").await;
    assert_eq!(more.status, 422, "{}", more.body);
}

/// What GS1's EPCIS 2.0 checker (`tests/gs1/epcis.js`, GS1's epcis2.js) says of `doc`:
/// `Ok` if valid, else its errors.
fn gs1_validate(checker: &NodeChecker, doc: &str) -> Result<(), String> {
    let out = checker.run("epcis.js", doc.as_bytes()).unwrap();
    if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "valid" {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn events(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("no events: {doc}"))
        .clone()
}

async fn the_lot_api_and_exports_give_the_lot_and_a_valid_epcis_document(app: TestApp) {
    let rice = coop(&app, "htx-lua-gao", "Gạo nếp cái hoa vàng").await;
    let ginger = coop(&app, "htx-gung", "Gừng Bắc Kạn").await;
    let cakes = coop(&app, "htx-banh-com", "Bánh cốm gừng").await;
    traceable(&rice, "").await;
    traceable(&ginger, "").await;
    traceable(&cakes, GTIN).await;
    let r1 = lot(&rice, "R1", &[]).await;
    let g1 = lot(&ginger, "G1", &[]).await;
    let g1_path = href_of(
        &ginger.manager.get(&ginger.lot_path(g1, "")).await.body,
        "lot-public",
    );
    // The cakes' owner buys rice; it is shipped from R1, which she then finds among the lots
    // she received.
    let bought = order(&app, &cakes.user, &rice).await;
    ship(&rice, bought.id, r1).await;
    let form = cakes.manager.get(&cakes.path("/lots/new")).await;
    assert_eq!(count_of(&form.body, "input-received"), 1, "{}", form.body);
    assert!(
        form.body
            .contains(&format!("name=\"input\" value=\"{r1}\"")),
        "{}",
        form.body
    );
    let r1_id = r1.to_string();
    let expires = day(13);
    let c1 = lot(
        &cakes,
        "C1",
        &[
            ("input", &r1_id),
            ("input_links", &format!("{}{g1_path}", app.url)),
            ("expires_on", &expires),
        ],
    )
    .await;
    step(
        &cakes,
        c1,
        "transforming",
        &format!("{}T08:30", day(-16)),
        "Xưởng bánh",
        "",
    )
    .await;
    step(
        &cakes,
        c1,
        "packing",
        &format!("{}T10:00", day(-15)),
        "",
        "Hộp 10 bánh",
    )
    .await;
    let buyer = person(&app, "nguoimua@example.com", "Người mua").await;
    let sold = order(&app, &buyer, &cakes).await;
    ship(&cakes, sold.id, c1).await;

    // The lot over JSON, to anyone.
    let anonymous = app.client();
    let api = anonymous.get(&format!("/api/v1/lots/{c1}")).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert!(api.content_type.starts_with("application/json"));
    let json = api.json();
    assert_eq!(json["code"], "C1");
    assert_eq!(json["gtin"], GTIN14);
    assert_eq!(json["cooperative_name"], "HTX htx-banh-com");
    assert_eq!(json["uri"], format!("{}{}", app.url, gtin_path("C1", None)));
    assert_eq!(json["expires_on"], expires.as_str());
    assert_eq!(json["status"], "active");
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "{json}");
    let names: Vec<&str> = inputs
        .iter()
        .map(|i| i["cooperative_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["HTX htx-lua-gao", "HTX htx-gung"], "{json}");
    assert_eq!(inputs[0]["code"], "R1");
    assert_eq!(inputs[1]["uri"], format!("{}{g1_path}", app.url));
    // Every step, in the order of their times (see the test of their chronology below).
    let mut steps: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    steps.sort_unstable();
    assert_eq!(
        steps,
        ["commissioning", "packing", "shipping", "transforming"],
        "{json}"
    );
    let processing = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "transforming")
        .unwrap();
    assert_eq!(processing["place"], "Xưởng bánh");
    assert_eq!(processing["offset_minutes"], 420);
    assert_eq!(
        processing["occurred_at"],
        format!("{}T01:30:00Z", day(-16)).as_str()
    );
    assert!(
        !api.body.contains("Chị Lan"),
        "no names of people: {}",
        api.body
    );
    assert_eq!(anonymous.get("/api/v1/lots/999999").await.status, 404);

    let epcis = anonymous.get(&format!("/api/v1/lots/{c1}/epcis")).await;
    assert_eq!(epcis.status, 200);
    assert_eq!(epcis.content_type, "application/ld+json");
    let doc = epcis.json();
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    let list = events(&doc);
    let mut kinds: Vec<(&str, &str)> = list
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["bizStep"].as_str().unwrap()))
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            ("AggregationEvent", "packing"),
            ("ObjectEvent", "commissioning"),
            ("ObjectEvent", "shipping"),
            ("TransformationEvent", "commissioning"),
        ],
        "{doc}"
    );
    let find = |kind: &str, step: &str| {
        list.iter()
            .find(|e| e["type"] == kind && e["bizStep"] == step)
            .unwrap()
            .clone()
    };
    let lot_class = format!("{}{}", app.url, gtin_path("C1", None));
    let made = find("ObjectEvent", "commissioning");
    assert_eq!(made["action"], "ADD");
    assert_eq!(made["quantityList"][0]["epcClass"], lot_class.as_str());
    assert_eq!(made["quantityList"][0]["quantity"], 500.0);
    let transformed = find("TransformationEvent", "commissioning");
    let consumed: Vec<&str> = transformed["inputQuantityList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["epcClass"].as_str().unwrap())
        .collect();
    let rice_code = trace_code(&rice).await;
    assert_eq!(
        consumed,
        [
            format!("{}/t/{rice_code}/10/R1", app.url),
            format!("{}{g1_path}", app.url)
        ],
        "from two lots of two other cooperatives: {doc}"
    );
    assert_eq!(
        transformed["outputQuantityList"][0]["epcClass"],
        lot_class.as_str()
    );
    assert_eq!(
        transformed["eventTime"],
        format!("{}T08:30:00+07:00", day(-16)).as_str()
    );
    let packed = find("AggregationEvent", "packing");
    assert_eq!(packed["action"], "ADD");
    assert_eq!(
        packed["childQuantityList"][0]["epcClass"],
        lot_class.as_str()
    );
    let shipped = find("ObjectEvent", "shipping");
    assert_eq!(
        shipped["destinationList"][0]["destination"],
        format!("{}/orders/{}", app.url, sold.id).as_str()
    );
    assert_eq!(
        shipped["sourceList"][0]["source"],
        format!("{}/orgs/htx-banh-com", app.url).as_str()
    );
    assert!(!epcis.body.contains("recordedBy"), "{}", epcis.body);

    // The cooperative's own downloads.
    let own_epcis = cakes
        .manager
        .get(&cakes.lot_path(c1, "/epcis.jsonld"))
        .await;
    assert_eq!(own_epcis.status, 200);
    assert_eq!(own_epcis.content_type, "application/ld+json");
    assert!(
        own_epcis.body.contains("Chị Lan htx-banh-com"),
        "who recorded each step: {}",
        own_epcis.body
    );
    let (status, kind, csv) = download(&cakes.manager, &cakes.path("/trace/lots.csv")).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let csv = String::from_utf8(csv).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("C1,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.contains(GTIN14) && row.contains("R1") && row.contains("G1"),
        "{row}"
    );
    assert!(row.contains("HTX htx-lua-gao") && row.contains("HTX htx-gung"));
    let (status, kind, xlsx) = download(&cakes.manager, &cakes.path("/trace/lots.xlsx")).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(xlsx.starts_with(b"PK"));
    {
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let codes: Vec<Data> = sheet.rows().skip(1).map(|r| r[0].clone()).collect();
        assert_eq!(codes, [Data::String("C1".into())], "one row per lot");
    }
    let org_epcis = cakes.manager.get(&cakes.path("/trace/epcis.jsonld")).await;
    assert_eq!(org_epcis.status, 200);
    assert_eq!(org_epcis.content_type, "application/ld+json");
    assert_eq!(events(&org_epcis.json()).len(), 4);
    assert_eq!(
        cakes
            .manager
            .get(&cakes.path("/trace/lots.pdf"))
            .await
            .status,
        404
    );
    // The rice cooperative's export has her lot's shipping to the cakes' owner.
    let rice_epcis = rice.manager.get(&rice.path("/trace/epcis.jsonld")).await;
    let rice_events = events(&rice_epcis.json());
    assert_eq!(rice_events.len(), 2, "{}", rice_epcis.body);

    if let Some(checker) = NodeChecker::find("gs1", "epcis2.js") {
        for (what, doc) in [
            ("the API's", &epcis.body),
            ("the lot's download", &own_epcis.body),
            ("the cooperative's export", &org_epcis.body),
            ("the rice cooperative's export", &rice_epcis.body),
        ] {
            if let Err(errors) = gs1_validate(&checker, doc) {
                panic!("{what} EPCIS document is refused by GS1's checker: {errors}\n{doc}");
            }
        }
        // The checker bites: a business step CBV does not have.
        let broken = epcis.body.replace("\"packing\"", "\"wrapping\"");
        assert!(gs1_validate(&checker, &broken).is_err());
    }
}

#[tokio::test]
async fn another_cooperatives_manager_cannot_touch_the_lot() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let a = coop(&app, "htx-lua-gao", "Gạo nếp cái hoa vàng").await;
    let b = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&a, "").await;
    traceable(&b, "").await;
    let l = lot(&a, "R1", &[]).await;
    stamps(&a, l, 3).await;
    let b_page = b.manager.get(&b.path("/trace")).await;
    let csrf = csrf_in(&b_page.body);
    let gets = ["", "/stamps.pdf", "/epcis.jsonld"];
    let posts: [(&str, &[(&str, &str)]); 3] = [
        (
            "/steps",
            &[("step", "packing"), ("occurred_at", "2026-11-21T08:30")],
        ),
        ("/stamps", &[("count", "5")]),
        ("/recall", &[("reason", "Giả mạo")]),
    ];
    // Under her own cooperative's address, another's lot does not exist.
    for rest in gets {
        let path = b.lot_path(l, rest);
        assert_eq!(b.manager.get(&path).await.status, 404, "{path}");
    }
    for (rest, fields) in posts {
        let path = b.lot_path(l, rest);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        assert_eq!(b.manager.post_form(&path, &all).await.status, 404, "{path}");
    }
    // Under the other cooperative's address: not hers.
    for rest in gets {
        let path = a.lot_path(l, rest);
        assert_eq!(b.manager.get(&path).await.status, 403, "{path}");
    }
    for rest in [
        "/trace",
        "/trace/lots.csv",
        "/trace/epcis.jsonld",
        "/lots/new",
    ] {
        let path = a.path(rest);
        assert_eq!(b.manager.get(&path).await.status, 403, "{path}");
    }
    for (rest, fields) in posts {
        let path = a.lot_path(l, rest);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        assert_eq!(b.manager.post_form(&path, &all).await.status, 403, "{path}");
    }
    // Nor can she make the other's listing hers, or make a lot of it.
    let listing = a.listing.to_string();
    let enabled = b
        .manager
        .post_form(
            &b.path("/trace/products"),
            &[("csrf", &csrf), ("listing_id", &listing), ("gtin", "")],
        )
        .await;
    assert_eq!(enabled.status, 422, "{}", enabled.body);
    let made = post_lot(&b, &[("product", &listing), ("code", "X1")]).await;
    assert_eq!(made.status, 422, "{}", made.body);
    assert!(made.body.contains("data-testid=\"form-error\"") || made.body.contains("has-error"));
    // Anonymous visitors are sent to sign in.
    let anonymous = app.client();
    let signin = anonymous.get(&a.lot_path(l, "")).await;
    assert!(matches!(signin.status, 303 | 401), "{}", signin.status);

    // Without the CSRF token, or with a forged one, a post is refused before anything else,
    // even by the lot's own manager.
    for (rest, fields) in posts {
        for client in [&a.manager, &b.manager] {
            for token in [None, Some("forged")] {
                let path = a.lot_path(l, rest);
                let mut all: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
                all.extend_from_slice(fields);
                assert_eq!(client.post_form(&path, &all).await.status, 403, "{path}");
                let path = b.lot_path(l, rest);
                assert_eq!(client.post_form(&path, &all).await.status, 403, "{path}");
            }
        }
    }
    for path in [a.path("/lots"), a.path("/trace/products")] {
        let refused = a
            .manager
            .post_form(
                &path,
                &[
                    ("listing_id", &listing),
                    ("product", &listing),
                    ("code", "X2"),
                    ("produced_on", "2026-11-20"),
                    ("quantity", "5"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{path}");
    }
    // Nothing changed.
    let now = ketnoi_db::trace::lot(app.db.conn(), l)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, "active");
    assert_eq!(now.stamps, 3);
    let steps = ketnoi_db::trace::events_of(app.db.conn(), l).await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(
        ketnoi_db::trace::lots_of(app.db.conn(), a.org.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        ketnoi_db::trace::lots_of(app.db.conn(), b.org.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn bad_lot_step_and_stamp_input_is_refused_beside_its_field(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, "").await;
    let code = trace_code(&c).await;
    let lot_code_message = "Mã lô gồm 1 đến 20 ký tự";
    for bad in ["L 01", "LÔ-01", "BÁNH", "", "..", "L0123456789012345678901"] {
        let refused = post_lot(&c, &[("code", bad)]).await;
        assert_eq!(refused.status, 422, "{bad:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-code").contains(lot_code_message),
            "{bad:?}: {}",
            refused.body
        );
    }
    let expiry = post_lot(&c, &[("expires_on", &day(-18))]).await;
    assert_eq!(expiry.status, 422, "{}", expiry.body);
    assert!(
        text_of(&expiry.body, "error-expires_on").contains("Hạn sử dụng phải sau ngày sản xuất"),
        "{}",
        expiry.body
    );
    let future = post_lot(&c, &[("produced_on", "2099-01-01")]).await;
    assert_eq!(future.status, 422);
    assert!(future.body.contains("data-testid=\"error-produced_on\""));
    for quantity in ["0", "-5", "nhiều", ""] {
        let refused = post_lot(&c, &[("quantity", quantity)]).await;
        assert_eq!(refused.status, 422, "{quantity:?}");
        assert!(refused.body.contains("data-testid=\"error-quantity\""));
    }
    let unknown = format!("{}/t/{code}/10/KHONG-CO", app.url);
    for link in [unknown.as_str(), "https://example.com/khong-phai-tem"] {
        let refused = post_lot(&c, &[("input_links", link)]).await;
        assert_eq!(refused.status, 422, "{link}: {}", refused.body);
        let said = text_of(&refused.body, "error-input_links");
        assert!(
            said.contains("Không tìm thấy lô hàng của đường dẫn") && said.contains(link),
            "{link}: {said}"
        );
        assert!(refused.body.contains(link), "what she pasted is kept");
    }
    let unknown_input = post_lot(&c, &[("input", "999999")]).await;
    assert_eq!(unknown_input.status, 422);
    let not_a_number = post_lot(&c, &[("input", "R1")]).await;
    assert_eq!(not_a_number.status, 422);
    // None of these made a lot; a good one is made, once per code.
    assert!(
        ketnoi_db::trace::lots_of(app.db.conn(), c.org.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let l = lot(&c, "L-2026.11_01", &[]).await;
    let twice = post_lot(&c, &[("code", "L-2026.11_01")]).await;
    assert_eq!(twice.status, 422);
    assert!(text_of(&twice.body, "error-code").contains("đã có lô mang mã này"));

    // Steps.
    for at in [
        "hôm qua",
        "2026-11-21",
        "21/11/2026 08:30",
        "2026-13-01T08:30",
        "",
    ] {
        let refused = post_step(
            &c,
            l,
            &[("step", "packing"), ("occurred_at", at), ("place", "")],
        )
        .await;
        assert_eq!(refused.status, 422, "{at:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-occurred_at").contains("Nhập ngày và giờ"),
            "{at:?}: {}",
            refused.body
        );
    }
    for step in ["commissioning", "eating", ""] {
        let refused = post_step(
            &c,
            l,
            &[
                ("step", step),
                ("occurred_at", &format!("{}T08:30", day(-16))),
            ],
        )
        .await;
        assert_eq!(refused.status, 422, "{step:?}");
    }
    let later = post_step(
        &c,
        l,
        &[("step", "packing"), ("occurred_at", "2099-01-01T08:30")],
    )
    .await;
    assert_eq!(later.status, 422);
    // Stamps.
    for count in ["0", "100001", "-1", "mười", ""] {
        let refused = post_stamps(&c, l, count).await;
        assert_eq!(refused.status, 422, "{count:?}: {}", refused.body);
        assert!(
            text_of(&refused.body, "error-count").contains("Số tem từ 1 đến 100000"),
            "{count:?}: {}",
            refused.body
        );
    }
    // A recall needs its reason.
    let no_reason = c
        .manager
        .submit(
            &c.lot_path(l, ""),
            &c.lot_path(l, "/recall"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(no_reason.body.contains("data-testid=\"error-reason\""));
    let now = ketnoi_db::trace::lot(app.db.conn(), l)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.stamps, now.status.as_str()), (0, "active"));
    assert_eq!(
        ketnoi_db::trace::events_of(app.db.conn(), l)
            .await
            .unwrap()
            .len(),
        1
    );
    // Malformed ids in paths: not found or bad request, never a 500.
    for path in [
        c.path("/lots/abc"),
        c.path("/lots/-1"),
        c.path("/lots/99999999999999999999"),
        format!("/api/v1/lots/{}", "x"),
    ] {
        let status = c.manager.get(&path).await.status;
        assert!(matches!(status, 400 | 404), "{path}: {status}");
    }
}

/// The first step a visitor reads on a lot's public page.
async fn first_public_step(app: &TestApp, path: &str) -> String {
    let page = app.client().get(path).await;
    assert_eq!(page.status, 200, "{path}");
    text_of(&page.body, "trace-step")
        .split(" · ")
        .next()
        .unwrap()
        .to_owned()
}

/// A cooperative often enters a lot after she made it, with the steps it went through
/// since: the lot's story still begins with its making (commissioning), on the trace page, in
/// the API and in EPCIS, not with processing dated before the lot existed. Whether she made
/// it days ago or this morning.
async fn a_lot_recorded_after_it_was_made_begins_with_its_making(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    // Made 17 days ago, entered today, processed the day after it was made, packed the next.
    let l = lot(&c, "C1", &[]).await;
    let (processed, packed) = (format!("{}T08:30", day(-16)), format!("{}T10:00", day(-15)));
    step(&c, l, "transforming", &processed, "Xưởng bánh", "").await;
    step(&c, l, "packing", &packed, "", "").await;
    assert_eq!(
        first_public_step(&app, &gtin_path("C1", None)).await,
        "Tạo lô, gán mã",
        "the trace page shows the lot processed before it was made"
    );
    let json = app.client().get(&format!("/api/v1/lots/{l}")).await.json();
    assert_eq!(json["steps"][0]["step"], "commissioning", "{json}");
    let doc = app
        .client()
        .get(&format!("/api/v1/lots/{l}/epcis"))
        .await
        .json();
    let list = events(&doc);
    assert_eq!(
        (list[0]["type"].as_str(), list[0]["action"].as_str()),
        (Some("ObjectEvent"), Some("ADD")),
        "EPCIS: commissioned after its transformation: {doc}"
    );

    // Made this morning, processed at midnight, entered later in the day.
    let today = day(0);
    let l2 = lot(&c, "C2", &[("produced_on", &today)]).await;
    step(&c, l2, "transforming", &format!("{today}T00:00"), "", "").await;
    assert_eq!(
        first_public_step(&app, &gtin_path("C2", None)).await,
        "Tạo lô, gán mã",
        "a lot made today is shown processed before it was made"
    );
}

/// A step dated before the day its lot was made is a typing mistake: refused beside the
/// time, nothing recorded.
async fn a_step_dated_before_its_lot_was_made_is_refused(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let l = lot(&c, "C1", &[]).await;
    let before = post_step(
        &c,
        l,
        &[
            ("step", "packing"),
            ("occurred_at", &format!("{}T08:30", day(-36))),
        ],
    )
    .await;
    assert_eq!(before.status, 422, "a step 19 days before the lot was made");
    assert!(before.body.contains("data-testid=\"error-occurred_at\""));
    let steps = ketnoi_db::trace::events_of(app.db.conn(), l).await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
}

/// The conversation a question about `order` goes to, asked through the order's page.
async fn order_thread(client: &Client, order: i64) -> Page {
    client
        .submit(
            &format!("/orders/{order}"),
            &format!("/orders/{order}/inquiry"),
            &[("body", "")],
        )
        .await
}

/// A recall's message is the order's own conversation: where the buyer who had asked about
/// her order already talks with the cooperative, or, for one who had not, the thread her
/// order keeps from then on, so that her questions about the order and the cooperative's
/// follow-up land beside the notice instead of in new threads.
async fn a_recall_message_is_in_the_orders_own_conversation(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let l = lot(&c, "C1", &[]).await;
    let asked = person(&app, "hoi@example.com", "Người đã hỏi").await;
    let silent = person(&app, "im@example.com", "Người chưa hỏi").await;
    let (asked_client, silent_client) = (app.client_as(&asked).await, app.client_as(&silent).await);
    let o1 = order(&app, &asked, &c).await;
    let o2 = order(&app, &silent, &c).await;
    let first = order_thread(&asked_client, o1.id).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let asked_thread = first.location.unwrap();
    ship(&c, o1.id, l).await;
    ship(&c, o2.id, l).await;
    let recalled = c
        .manager
        .submit(
            &c.lot_path(l, ""),
            &c.lot_path(l, "/recall"),
            &[("reason", "Nấm mốc")],
        )
        .await;
    assert!(recalled.location.unwrap().contains("told=2"));

    // She who had asked finds the notice in that conversation.
    let told = messages_containing(&app, &asked, "THU HỒI").await;
    assert_eq!(told.len(), 1);
    assert_eq!(format!("/conversations/{}", told[0].0), asked_thread);
    // She who had not: her question about the order, and the cooperative's, go where the
    // notice is.
    let told = messages_containing(&app, &silent, "THU HỒI").await;
    assert_eq!(told.len(), 1);
    let notice_thread = format!("/conversations/{}", told[0].0);
    let hers = order_thread(&silent_client, o2.id).await;
    assert_eq!(hers.status, 303, "{}", hers.body);
    assert_eq!(
        hers.location.as_deref(),
        Some(notice_thread.as_str()),
        "her question about the recalled order opens another thread than the notice's"
    );
    let theirs = order_thread(&c.manager, o2.id).await;
    assert_eq!(
        theirs.status, 303,
        "the cooperative cannot write to her about the order"
    );
    assert_eq!(theirs.location.as_deref(), Some(notice_thread.as_str()));
}
