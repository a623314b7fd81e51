//! One set of listing rules for every way a listing arrives: the cooperative's form, the
//! JSON API and a spreadsheet import name the same fields for the same twelve bad listings;
//! saving the edit form unchanged changes nothing (the OCOP certification, which the form
//! has no field for, included); an edit's audit entry holds its "before", whichever way it
//! came.

use ketnoi_app::imports::{self, Kind};
use ketnoi_domain::import::LISTING_COLUMNS;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, on_both_backends};
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(
    the_form_the_api_and_an_import_name_the_same_fields_for_the_same_bad_listing,
    saving_every_demo_listing_of_a_cooperative_unchanged_changes_nothing,
    an_edit_through_the_api_is_audited_with_its_before_in_its_transaction,
);

/// A listing as the three surfaces take it: one offer, every value as text.
#[derive(Debug, Clone)]
struct Bad {
    title_vi: String,
    title_en: String,
    description_vi: String,
    description_en: String,
    category: &'static str,
    unit: &'static str,
    stock: &'static str,
    origin: &'static str,
    kind: &'static str,
    price: &'static str,
    min_order_qty: &'static str,
    tiers: Vec<(&'static str, &'static str)>,
    duration_hours: &'static str,
    max_group_size: &'static str,
}

fn good() -> Bad {
    Bad {
        title_vi: "Bình gốm men lam".into(),
        title_en: String::new(),
        description_vi: "Gốm Bát Tràng vẽ tay".into(),
        description_en: String::new(),
        category: "gom-su",
        unit: "chiếc",
        stock: "",
        origin: "",
        kind: "retail",
        price: "250000",
        min_order_qty: "",
        tiers: Vec::new(),
        duration_hours: "",
        max_group_size: "",
    }
}

/// The twelve bad listings and the one field (by the rules' own names) each is wrong in.
fn bad_listings() -> Vec<(&'static str, Bad)> {
    let with = |f: &dyn Fn(&mut Bad)| {
        let mut b = good();
        f(&mut b);
        b
    };
    vec![
        ("title_vi", with(&|b| b.title_vi.clear())),
        ("title_vi", with(&|b| b.title_vi = "g".repeat(201))),
        ("title_en", with(&|b| b.title_en = "Vase\u{7}".into())),
        ("description_vi", with(&|b| b.description_vi.clear())),
        (
            "description_en",
            with(&|b| b.description_en = "x".repeat(5001)),
        ),
        ("category", with(&|b| b.category = "do-dien-tu")),
        ("unit", with(&|b| b.unit = "thùng")),
        ("stock", with(&|b| b.stock = "-1")),
        ("price", with(&|b| b.price = "0")),
        ("origin_commune_code", with(&|b| b.origin = "99999")),
        (
            "max_group_size",
            with(&|b| {
                b.kind = "experience";
                b.unit = "vé";
                b.duration_hours = "3";
            }),
        ),
        (
            "tiers",
            with(&|b| {
                b.kind = "wholesale";
                b.tiers = vec![("100", "200000"), ("50", "220000")];
                b.min_order_qty = "100";
            }),
        ),
    ]
}

/// The fields a page shows errors for, by the rules' names.
fn page_fields(body: &str) -> BTreeSet<String> {
    body.split("data-testid=\"error-")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|f| match f {
            "tier_qty_1" | "tier_qty_2" | "tier_price_1" => "tiers".to_owned(),
            "offer_kind" => "kind".to_owned(),
            other => other.to_owned(),
        })
        .collect()
}

fn api_fields(envelope: &Value) -> BTreeSet<String> {
    envelope["error"]["fields"]
        .as_object()
        .map(|m| {
            m.keys()
                .map(|k| match k.strip_prefix("offers[0].").unwrap_or(k) {
                    "price_vnd" => "price".to_owned(),
                    "price_tiers" => "tiers".to_owned(),
                    other => other.to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn import_fields(errors: &[ketnoi_domain::import::RowError]) -> BTreeSet<String> {
    errors
        .iter()
        .map(|e| match e.column.as_str() {
            "price_vnd" => "price".to_owned(),
            "price_tiers" => "tiers".to_owned(),
            other => other.to_owned(),
        })
        .collect()
}

async fn post_form(c: &Client, slug: &str, b: &Bad) -> BTreeSet<String> {
    let mut fields: Vec<(&str, String)> = vec![
        ("title_vi", b.title_vi.clone()),
        ("title_en", b.title_en.clone()),
        ("description_vi", b.description_vi.clone()),
        ("description_en", b.description_en.clone()),
        ("category", b.category.into()),
        ("unit", b.unit.into()),
        ("stock", b.stock.into()),
        ("origin_commune_code", b.origin.into()),
        ("offer_kind", b.kind.into()),
        ("price", b.price.into()),
        ("min_order_qty", b.min_order_qty.into()),
        ("duration_hours", b.duration_hours.into()),
        ("max_group_size", b.max_group_size.into()),
    ];
    let names = [
        ("tier_qty_1", "tier_price_1"),
        ("tier_qty_2", "tier_price_2"),
    ];
    for ((q, p), (qn, pn)) in b.tiers.iter().zip(names) {
        fields.push((qn, (*q).into()));
        fields.push((pn, (*p).into()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = c
        .submit(
            &format!("/orgs/{slug}/listings/new"),
            &format!("/orgs/{slug}/listings"),
            &fields,
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page_fields(&page.body)
}

fn number(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        json!(s.parse::<i64>().unwrap())
    }
}

async fn post_json(c: &Client, slug: &str, b: &Bad) -> BTreeSet<String> {
    let body = json!({
        "title_vi": b.title_vi, "title_en": b.title_en, "description_vi": b.description_vi,
        "description_en": b.description_en, "category": b.category, "unit": b.unit,
        "stock": number(b.stock), "origin_commune_code": b.origin,
        "offers": [{
            "kind": b.kind, "price_vnd": number(b.price).as_i64().unwrap_or(0),
            "min_order_qty": number(b.min_order_qty), "duration_hours": number(b.duration_hours),
            "max_group_size": number(b.max_group_size),
            "price_tiers": b.tiers.iter().map(|(q, p)| json!({"min_qty": number(q), "price_vnd": number(p)})).collect::<Vec<_>>(),
        }],
    });
    let res = c
        .post_json(&format!("/api/v1/orgs/{slug}/listings"), body)
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    api_fields(&res.json())
}

fn import_row(b: &Bad) -> BTreeSet<String> {
    let cell = |col: &str| -> String {
        match col {
            "cooperative" => "htx-gom".into(),
            "kind" => b.kind.into(),
            "title_vi" => b.title_vi.clone(),
            "title_en" => b.title_en.clone(),
            "description_vi" => b.description_vi.clone(),
            "description_en" => b.description_en.clone(),
            "category" => b.category.into(),
            "price_vnd" => b.price.into(),
            "unit" => b.unit.into(),
            "min_order_qty" => b.min_order_qty.into(),
            "price_tiers" => b
                .tiers
                .iter()
                .map(|(q, p)| format!("{q}:{p}"))
                .collect::<Vec<_>>()
                .join("|"),
            "stock" => b.stock.into(),
            "duration_hours" => b.duration_hours.into(),
            "max_group_size" => b.max_group_size.into(),
            "origin_commune_code" => b.origin.into(),
            _ => String::new(),
        }
    };
    let table = ketnoi_sheets::Table::new(
        LISTING_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        vec![LISTING_COLUMNS.iter().map(|c| cell(c)).collect()],
    );
    let prepared = imports::prepare(Kind::Listings, &ketnoi_sheets::write_csv(&table)).unwrap();
    assert!(prepared.errors().iter().all(|e| e.row == 2));
    import_fields(prepared.errors())
}

async fn owner(app: &TestApp) -> (Client, String) {
    let org = app.cooperative("htx-gom", "00577").await;
    let u = app
        .user("chu.htx@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &u, MemberRole::Owner).await;
    (app.client_as(&u).await, org.slug)
}

async fn the_form_the_api_and_an_import_name_the_same_fields_for_the_same_bad_listing(
    app: TestApp,
) {
    let (c, slug) = owner(&app).await;
    // The good listing passes everywhere.
    assert!(import_row(&good()).is_empty());
    let cases = bad_listings();
    assert_eq!(cases.len(), 12);
    for (field, bad) in cases {
        let want = BTreeSet::from([field.to_owned()]);
        let form = post_form(&c, &slug, &bad).await;
        let api = post_json(&c, &slug, &bad).await;
        let import = import_row(&bad);
        assert_eq!(form, want, "form, bad {field}");
        assert_eq!(api, want, "api, bad {field}");
        assert_eq!(import, want, "import, bad {field}");
    }
}

/// Every field the API shows of a listing.
async fn shown(c: &Client, id: i64) -> Value {
    let res = c.get(&format!("/api/v1/listings/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mut v = res.json();
    // The form's save moves nothing but the time of the last change, which the API does not
    // show; keep the comparison to what it shows.
    v.as_object_mut().map(|o| o.remove("published_at"));
    v
}

async fn saving_every_demo_listing_of_a_cooperative_unchanged_changes_nothing(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    // The demo cooperative with the most listings, one of them OCOP-certified.
    let mut best: Option<(ketnoi_db::orgs::Org, Vec<ketnoi_db::listings::Listing>)> = None;
    for org in
        ketnoi_db::orgs::cooperatives_in(app.db.conn(), &ketnoi_domain::role::Scope::City, 1000)
            .await
            .unwrap()
    {
        let listings = ketnoi_db::listings::of_org(app.db.conn(), org.id)
            .await
            .unwrap();
        let certified = listings
            .iter()
            .any(|l| l.certifications.iter().any(|c| c == "ocop"));
        if certified && best.as_ref().is_none_or(|(_, b)| listings.len() > b.len()) {
            best = Some((org, listings));
        }
    }
    let (org, listings) = best.expect("a demo cooperative with an OCOP listing");
    assert!(listings.len() >= 2, "{}", listings.len());
    let u = app
        .user("chu.demo@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &u, MemberRole::Owner).await;
    let c = app.client_as(&u).await;
    for l in listings.iter().filter(|l| l.is_public()) {
        let before = shown(&c, l.id).await;
        let edit = format!("/orgs/{}/listings/{}", org.slug, l.id);
        let form = c.get(&edit).await;
        assert_eq!(form.status, 200);
        // What the browser sends back: every input of the form as the page filled it.
        let fields = ketnoi_tests::form_fields(&form.body, &edit);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = c.submit(&edit, &edit, &fields).await;
        assert_eq!(saved.status, 303, "{}: {}", l.id, saved.body);
        assert_eq!(shown(&c, l.id).await, before, "listing {}", l.id);
        // Back on the form, which says it saved.
        let back = saved.location.expect("a redirect");
        assert_eq!(back, format!("{edit}?saved=1"));
        assert!(c.get(&back).await.body.contains("Đã lưu thay đổi."));
    }
}

async fn an_edit_through_the_api_is_audited_with_its_before_in_its_transaction(app: TestApp) {
    let (c, slug) = owner(&app).await;
    let created = c
        .post_json(
            &format!("/api/v1/orgs/{slug}/listings"),
            json!({"title_vi": "Bát gốm", "description_vi": "Bát gốm men rạn", "category": "gom-su",
                   "unit": "bộ", "offers": [{"kind": "retail", "price_vnd": 120000}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let updated = c
        .request(
            "PUT",
            &format!("/api/v1/orgs/{slug}/listings/{id}"),
            Some("application/json"),
            json!({"title_vi": "Bát gốm men lam", "description_vi": "Bát gốm men rạn", "category": "gom-su",
                   "unit": "bộ", "offers": [{"kind": "retail", "price_vnd": 130000}]})
            .to_string()
            .into_bytes(),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let org = ketnoi_db::orgs::find_by_slug(app.db.conn(), &slug)
        .await
        .unwrap()
        .unwrap();
    let audit = ketnoi_db::audit::for_org(app.db.conn(), org.id, 10)
        .await
        .unwrap();
    let update = audit
        .iter()
        .find(|e| e.entity == "listing" && e.action == "update")
        .expect("the update is audited");
    assert!(
        update
            .before_json
            .as_deref()
            .unwrap()
            .contains("\"title_vi\":\"Bát gốm\"")
    );
    assert!(
        update
            .after_json
            .as_deref()
            .unwrap()
            .contains("Bát gốm men lam")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.entity == "listing" && e.action == "create" && e.before_json.is_none())
    );
}
