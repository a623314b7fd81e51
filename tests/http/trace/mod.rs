//! Traceability (issue 18), end to end over HTTP: a GTIN is checked beside its field; one
//! cooperative makes a lot from another's lot and an anonymous visitor follows a stamp's
//! GS1 Digital Link to it and one step back, or asks the resolver for its links; printed
//! stamps decode (zbar) to their links; a stamp scanned from too many phones is flagged; a
//! recall tells each buyer who received the lot once, and nobody else; the lot API and the
//! exports pass GS1's EPCIS 2.0 checker; other cooperatives cannot touch a lot; bad input
//! is said beside its field, never a 500.

mod exports;
mod input;
mod model;
mod recall;
mod scans;
mod visitor;

use ketnoi_db::orgs::Org;
use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::order::PaymentMethod;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_test_support::NodeChecker;
use ketnoi_tests::{Backend, Client, Page, TestApp, csrf_in, on_both_backends};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

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
    let lines = [ketnoi_db::orders::Line::of(offer_id, 1)];
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

fn events(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("no events: {doc}"))
        .clone()
}
