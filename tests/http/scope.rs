//! Officers act within their scope on every record: two ward/commune officers each export
//! only their own cooperatives and listings, an import of a row of the other's commune is
//! refused with the row named and changes nothing, neither sees nor settles the other's
//! payouts; the city officer does all of it; every import leaves audit entries with before
//! and after.

use crate::imports::{count, listed_errors};
use ketnoi_db::orders::Line;
use ketnoi_db::orgs::Org;
use ketnoi_domain::order::{Actor, PaymentMethod, Status, Step};
use ketnoi_domain::role::{PlatformRole, Scope};
use ketnoi_sheets::Table;
use ketnoi_tests::{Client, Page, TestApp, on_both_backends};

on_both_backends!(
    officers_export_and_import_only_their_own_communes_rows,
    officers_see_and_settle_only_their_own_communes_payouts,
);

const SITE: &str = "https://ketnoi.test";
/// Bát Tràng and Hoàn Kiếm.
const HERE: &str = "00577";
const THERE: &str = "00004";

async fn officer(app: &TestApp, login: &str, commune: Option<&str>) -> Client {
    let u = app.user(login, PlatformRole::UnionOfficer, commune).await;
    app.client_as(&u).await
}

async fn export(c: &Client, file: &str) -> Table {
    let res = c.http.get(c.url(file)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{file}");
    ketnoi_sheets::read(&res.bytes().await.unwrap()).unwrap()
}

fn column(table: &Table, name: &str) -> usize {
    table.headers.iter().position(|h| h == name).unwrap()
}

/// Uploads a sheet as CSV and waits for its job to finish; the job page.
async fn import(c: &Client, kind: &str, table: &Table) -> Page {
    let name = format!("{kind}.csv");
    crate::imports::import(c, kind, &name, ketnoi_sheets::write_csv(table), false).await
}

/// A published listing of `org` with an external id (so that a sheet updates it).
async fn listing(app: &TestApp, org: &Org, title: &str) {
    let offer = ketnoi_db::listings::Offer {
        kind: ketnoi_domain::catalog::OfferKind::Retail,
        price: ketnoi_domain::Vnd(250_000),
        case_size: None,
        min_order_qty: None,
        duration_hours: None,
        max_group_size: None,
        tiers: vec![],
    };
    let key = format!("sp-{}", org.slug);
    ketnoi_tests::listing_keyed(app, org, Some(&key), title, offer, Some(50)).await;
}

/// Two cooperatives in each commune, each with one listing.
async fn directory(app: &TestApp) -> (Vec<Org>, Vec<Org>) {
    let mut here = Vec::new();
    let mut there = Vec::new();
    for (slug, commune) in [
        ("gom-a", HERE),
        ("gom-b", HERE),
        ("lua-c", THERE),
        ("lua-d", THERE),
    ] {
        let org = ketnoi_db::orgs::upsert(
            app.db.conn(),
            &ketnoi_db::orgs::NewOrg {
                external_id: Some(format!("ext-{slug}")),
                slug: slug.into(),
                kind: Some(ketnoi_domain::org::OrgKind::Htx),
                name: format!("HTX {slug}"),
                commune_code: Some(commune.into()),
                province_code: "01".into(),
                ..ketnoi_db::orgs::NewOrg::default()
            },
        )
        .await
        .unwrap();
        listing(app, &org, &format!("Sản phẩm {slug}")).await;
        if commune == HERE {
            here.push(org);
        } else {
            there.push(org);
        }
    }
    (here, there)
}

async fn officers_export_and_import_only_their_own_communes_rows(app: TestApp) {
    let (here, there) = directory(&app).await;
    let a = officer(&app, "canbo.battrang@example.com", Some(HERE)).await;
    let b = officer(&app, "canbo.hoankiem@example.com", Some(THERE)).await;
    let city = officer(&app, "canbo.thanhpho@example.com", None).await;

    // Exports: each officer's own commune only; the city officer everything.
    for (c, commune, orgs) in [(&a, HERE, &here), (&b, THERE, &there)] {
        let coops = export(c, "/union/exports/cooperatives.csv").await;
        let at = column(&coops, "commune_code");
        assert_eq!(coops.rows.len(), 2, "{commune}");
        assert!(coops.rows.iter().all(|r| r[at] == commune), "{commune}");
        let listings = export(c, "/union/exports/listings.csv").await;
        assert_eq!(listings.rows.len(), 2, "{commune}");
        let of = column(&listings, "cooperative");
        assert!(
            listings.rows.iter().all(|r| orgs
                .iter()
                .any(|o| o.external_id.as_deref() == Some(&r[of]))),
            "{commune}: {:?}",
            listings.rows
        );
    }
    assert_eq!(
        export(&city, "/union/exports/cooperatives.csv")
            .await
            .rows
            .len(),
        4
    );
    assert_eq!(
        export(&city, "/union/exports/listings.csv")
            .await
            .rows
            .len(),
        4
    );

    // Officer A imports B's cooperative sheet with a name changed: refused, row named.
    let mut theirs = export(&b, "/union/exports/cooperatives.csv").await;
    let name = column(&theirs, "name");
    theirs.rows[1][name] = "HTX đổi tên trái phép".into();
    let refused = import(&a, "cooperatives", &theirs).await;
    assert!(
        listed_errors(&refused).contains(&(2, "commune_code".to_owned())),
        "{}",
        refused.body
    );
    assert!(listed_errors(&refused).contains(&(3, "commune_code".to_owned())));
    assert!(refused.body.contains("data-testid=\"not-imported\""));
    assert!(refused.body.contains("Ngoài phạm vi của bạn"));
    // Moving her own cooperative into B's commune is refused as well.
    let mut moved = export(&a, "/union/exports/cooperatives.csv").await;
    let commune = column(&moved, "commune_code");
    moved.rows[0][commune] = THERE.into();
    let refused_move = import(&a, "cooperatives", &moved).await;
    assert_eq!(
        listed_errors(&refused_move),
        vec![(2, "commune_code".to_owned())]
    );
    // And B's listings, edited, are refused by their cooperative.
    let mut their_listings = export(&b, "/union/exports/listings.csv").await;
    let title = column(&their_listings, "title_vi");
    their_listings.rows[0][title] = "Tên sửa trái phép".into();
    let refused_listing = import(&a, "listings", &their_listings).await;
    assert!(
        listed_errors(&refused_listing).contains(&(2, "cooperative".to_owned())),
        "{}",
        refused_listing.body
    );
    for org in &there {
        let stored = ketnoi_db::orgs::find(app.db.conn(), org.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.name, org.name, "nothing changed");
        assert_eq!(stored.commune_code.as_deref(), Some(THERE));
        for l in ketnoi_db::listings::of_org(app.db.conn(), org.id)
            .await
            .unwrap()
        {
            assert_ne!(l.title_vi, "Tên sửa trái phép", "nothing changed");
        }
    }
    assert_eq!(
        ketnoi_db::orgs::find(app.db.conn(), here[0].id)
            .await
            .unwrap()
            .unwrap()
            .commune_code
            .as_deref(),
        Some(HERE)
    );

    // Her own rows import, with audit entries holding before and after.
    let mut mine = export(&a, "/union/exports/cooperatives.csv").await;
    let slug_of_first = here
        .iter()
        .find(|o| o.name == mine.rows[0][name])
        .unwrap()
        .clone();
    mine.rows[0][name] = "HTX Gốm Bát Tràng mới".into();
    let done = import(&a, "cooperatives", &mine).await;
    assert!(
        done.body.contains("data-testid=\"imported\""),
        "{}",
        done.body
    );
    assert_eq!(count(&done, "updated"), 1);
    let audit = ketnoi_db::audit::for_org(app.db.conn(), slug_of_first.id, 10)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.entity == "cooperative" && e.action == "import")
        .expect("an audit entry for the imported row");
    assert_eq!(entry.actor_name.as_deref(), Some("Người dùng thử"));
    assert!(
        entry
            .before_json
            .as_deref()
            .unwrap()
            .contains(&slug_of_first.name)
    );
    let after = entry.after_json.as_deref().unwrap();
    assert!(after.contains("HTX Gốm Bát Tràng mới"), "{after}");
    assert!(after.contains("\"sheet_row\":2"), "{after}");

    let mut my_listings = export(&a, "/union/exports/listings.csv").await;
    my_listings.rows[0][title] = "Bình gốm men lam mới".into();
    let done = import(&a, "listings", &my_listings).await;
    assert_eq!(count(&done, "updated"), 1, "{}", done.body);
    let of = column(&my_listings, "cooperative");
    let owner = here
        .iter()
        .find(|o| o.external_id.as_deref() == Some(&my_listings.rows[0][of]))
        .unwrap();
    let audit = ketnoi_db::audit::for_org(app.db.conn(), owner.id, 10)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.entity == "listing" && e.action == "import")
        .expect("an audit entry for the imported listing");
    assert!(
        entry
            .before_json
            .as_deref()
            .unwrap()
            .contains("Sản phẩm gom-")
    );
    assert!(
        entry
            .after_json
            .as_deref()
            .unwrap()
            .contains("Bình gốm men lam mới")
    );

    // The city officer imports B's edited sheet.
    let done = import(&city, "cooperatives", &theirs).await;
    assert!(
        done.body.contains("data-testid=\"imported\""),
        "{}",
        done.body
    );
    assert_eq!(count(&done, "updated"), 1);
    assert!(
        ketnoi_db::orgs::cooperatives_in(app.db.conn(), &Scope::City, 10)
            .await
            .unwrap()
            .iter()
            .any(|o| o.name == "HTX đổi tên trái phép")
    );

    // An import's report is for the officer who ran it (and the city), not her neighbour.
    let job = done
        .body
        .split("data-job=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(b.get(&format!("/union/imports/{job}")).await.status, 404);
    assert_eq!(city.get(&format!("/union/imports/{job}")).await.status, 200);
}

/// A card order of `org`, paid (Stripe's webhook marks it, as the system).
async fn paid_card_order(app: &TestApp, org: &Org, buyer_id: i64) {
    let listing = ketnoi_db::listings::of_org(app.db.conn(), org.id)
        .await
        .unwrap()
        .remove(0);
    let offers = ketnoi_db::listings::offers_with_ids(app.db.conn(), listing.id)
        .await
        .unwrap();
    ketnoi_db::cart::add(app.db.conn(), buyer_id, offers[0].0, "", 1)
        .await
        .unwrap();
    let lines = [Line::of(offers[0].0, 1)];
    let order = ketnoi_tests::goods_order(buyer_id, org.id, PaymentMethod::Stripe, &lines);
    let placed = ketnoi_app::orders::checkout(&app.db, SITE, buyer_id, &[order])
        .await
        .unwrap()
        .unwrap();
    let id = placed[0].id;
    for (step, actor) in [
        (Step::Confirm, Actor::Cooperative),
        (Step::MarkPaid, Actor::System),
    ] {
        ketnoi_app::orders::step(&app.db, SITE, id, step, actor, None)
            .await
            .unwrap()
            .unwrap();
    }
    let order = ketnoi_db::orders::find(app.db.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.status, Status::Paid);
}

async fn officers_see_and_settle_only_their_own_communes_payouts(app: TestApp) {
    let (here, there) = directory(&app).await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    paid_card_order(&app, &here[0], buyer.id).await;
    paid_card_order(&app, &there[0], buyer.id).await;
    let a = officer(&app, "canbo.battrang@example.com", Some(HERE)).await;
    let b = officer(&app, "canbo.hoankiem@example.com", Some(THERE)).await;
    let city = officer(&app, "canbo.thanhpho@example.com", None).await;

    let page = a.get("/union/payouts").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&here[0].name), "{}", page.body);
    assert!(!page.body.contains(&there[0].name), "{}", page.body);
    let page = b.get("/union/payouts").await;
    assert!(page.body.contains(&there[0].name));
    assert!(!page.body.contains(&here[0].name));

    // A cannot mark B's cooperative's payout transferred.
    let refused = a
        .submit(
            "/union/payouts",
            &format!("/union/payouts/{}/paid", there[0].id),
            &[],
        )
        .await;
    assert_eq!(refused.status, 404);
    let owed = |scope: Scope| {
        let db = app.db.clone();
        async move {
            ketnoi_db::payments::owed(db.conn(), &scope)
                .await
                .unwrap()
                .into_iter()
                .map(|(org, _, _)| org)
                .collect::<Vec<_>>()
        }
    };
    assert!(owed(Scope::City).await.contains(&there[0].id), "still owed");

    // Her own is hers to settle; the city officer sees and settles the rest.
    let done = a
        .submit(
            "/union/payouts",
            &format!("/union/payouts/{}/paid", here[0].id),
            &[],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = city.get("/union/payouts").await;
    assert!(page.body.contains(&there[0].name));
    let done = city
        .submit(
            "/union/payouts",
            &format!("/union/payouts/{}/paid", there[0].id),
            &[],
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(owed(Scope::City).await.is_empty());
}
