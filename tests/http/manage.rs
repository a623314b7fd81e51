//! A cooperative manages itself: profile, listings with tiers and photos, publication,
//! badge claims with evidence verified by an officer, proxy rights and the audit log.

use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, csrf_in, on_both_backends};
use reqwest::multipart::{Form, Part};

on_both_backends!(
    a_manager_edits_the_profile_and_sees_it_public,
    a_listing_with_wholesale_tiers_and_photos_is_published,
    refused_uploads_say_why_and_store_nothing,
    an_officer_verifies_an_ocop_claim_and_the_stars_show,
    proxy_officers_act_for_the_cooperative_and_the_log_says_so,
    an_officer_hides_a_listing_with_a_reason_the_cooperative_sees,
    the_dashboard_says_what_is_running_out,
);

/// The cooperative's home lists its listings on sale with five or fewer left, each a tap
/// from its edit form; plenty left, or made to order, is not listed.
async fn the_dashboard_says_what_is_running_out(app: TestApp) {
    use ketnoi_domain::catalog::OfferKind;
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let offer = || ketnoi_db::listings::Offer {
        kind: OfferKind::Retail,
        price: ketnoi_domain::Vnd(120_000),
        case_size: None,
        min_order_qty: None,
        duration_hours: None,
        max_group_size: None,
        tiers: vec![],
    };
    let few =
        ketnoi_tests::listing_with_offer(&app, &org, "Bình gốm men lam", offer(), Some(3)).await;
    ketnoi_tests::listing_with_offer(&app, &org, "Bát ăn cơm", offer(), Some(40)).await;
    ketnoi_tests::listing_with_offer(&app, &org, "Tượng gốm đặt làm", offer(), None).await;
    let owner = app.user("chu@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let page = app
        .client_as(&owner)
        .await
        .get("/orgs/htx-gom-bat-trang/manage")
        .await;
    let low = page
        .body
        .split("data-testid=\"low-stock\"")
        .nth(1)
        .and_then(|b| b.split("</div>").next())
        .expect("a running-out list");
    assert!(
        low.contains(&format!("/orgs/htx-gom-bat-trang/listings/{}", few.id))
            && low.contains("Bình gốm men lam")
            && low.contains("còn 3"),
        "{low}"
    );
    assert!(
        !low.contains("Bát ăn cơm") && !low.contains("Tượng gốm"),
        "{low}"
    );
}

/// A JPEG photo of `w`×`h` pixels in one colour.
pub fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([shade, 120, 80]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// A tiny PNG whose header claims 20000×20000 pixels.
pub fn huge_png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(8, 8, image::Luma([0]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    let mut png = out.into_inner();
    // IHDR data starts at byte 16: width, height (big-endian), then its CRC at 29..33.
    png[16..20].copy_from_slice(&20000u32.to_be_bytes());
    png[20..24].copy_from_slice(&20000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn setup(app: &TestApp) -> (ketnoi_db::orgs::Org, Client) {
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Owner).await;
    (org, app.client_as(&manager).await)
}

pub async fn upload(
    c: &Client,
    page: &str,
    action: &str,
    files: Vec<(&str, &str, Vec<u8>)>,
    fields: &[(&str, &str)],
) -> ketnoi_tests::Page {
    let token = csrf_in(&c.get(page).await.body);
    let mut form = Form::new().text("csrf", token);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, name, bytes) in files {
        form = form.part(
            field.to_owned(),
            Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    let res = c
        .http
        .post(c.url(action))
        .multipart(form)
        .send()
        .await
        .unwrap();
    Client::page(res).await
}

pub const WHOLESALE: &[(&str, &str)] = &[
    ("title_vi", "Khăn lụa tơ tằm Vạn Phúc"),
    ("title_en", "Van Phuc silk scarf"),
    ("description_vi", "Khăn lụa dệt tay, nhuộm màu tự nhiên."),
    ("category", "lua-det-theu"),
    ("unit", "chiếc"),
    ("stock", "500"),
    ("offer_kind", "wholesale"),
    ("price", "250.000"),
    ("min_order_qty", "20"),
    ("case_size", "10"),
    ("tier_qty_1", "20"),
    ("tier_price_1", "250000"),
    ("tier_qty_2", "100"),
    ("tier_price_2", "220000"),
];

async fn a_manager_edits_the_profile_and_sees_it_public(app: TestApp) {
    let (org, c) = setup(&app).await;
    let page = format!("/orgs/{}/profile", org.slug);
    let bad = c
        .submit(
            &page,
            &page,
            &[
                ("name", "HTX Lụa"),
                ("commune_code", "00577"),
                ("story_vi", ""),
                ("lat", "21.0"),
                ("members_total", "10"),
                ("members_female", "12"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("data-testid=\"error-story_vi\""));
    assert!(bad.body.contains("Số thành viên nữ không thể lớn hơn"));
    assert!(bad.body.contains("Cần nhập cả vĩ độ và kinh độ"));
    let ok = c
        .submit(
            &page,
            &page,
            &[
                ("name", "HTX Lụa Vạn Phúc"),
                ("commune_code", "00577"),
                ("street", "Số 5, làng lụa"),
                ("story_vi", "Dệt lụa từ năm 1990."),
                ("story_en", "Weaving silk since 1990."),
                ("registration_no", "0107-HTX-123"),
                ("phone", "0912 345 678"),
                ("zalo", "0912345678"),
                ("website", "https://example.com"),
                // As a maps app copies a place: both numbers in one field.
                ("lat", "20.97, 105.77"),
                ("lon", ""),
                ("members_total", "30"),
                ("members_female", "25"),
                ("jobs_female", "40"),
                ("manager_name_1", "Nguyễn Thị Hoa"),
                ("manager_role_1", "chu_tich"),
                ("manager_since_1", "2015"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/orgs/htx-lua-van-phuc")),
        "{}",
        ok.body
    );
    let public = app.client().get("/orgs/htx-lua-van-phuc").await.body;
    assert!(public.contains("Dệt lụa từ năm 1990."));
    assert!(public.contains("Nguyễn Thị Hoa"));
    assert!(public.contains("0107-HTX-123"));
    assert!(public.contains("https://zalo.me/0912345678"));
    let map = app.client().get("/orgs/map").await.body;
    assert!(
        map.contains("/orgs/htx-lua-van-phuc"),
        "a location puts it on the map"
    );
    let api = app
        .client()
        .get("/api/v1/cooperatives/htx-lua-van-phuc")
        .await
        .json();
    assert_eq!(api["registration_no"], "0107-HTX-123");
    assert_eq!(api["zalo"], "+84912345678");
    assert_eq!(
        (api["lat"].as_f64(), api["lon"].as_f64()),
        (Some(20.97), Some(105.77))
    );
    // The form shows the place on its map, where a tap would move it.
    let form = c.get("/orgs/htx-lua-van-phuc/profile").await.body;
    assert!(form.contains("data-testid=\"pick-map\""), "{form}");
    assert!(
        form.contains("<circle class=\"picked\" cx="),
        "the place is marked"
    );
    assert!(form.contains("<script src=\"/static/pick.js\" defer>"));
    assert_eq!(c.get("/static/pick.js").await.status, 200);
}

async fn a_listing_with_wholesale_tiers_and_photos_is_published(app: TestApp) {
    let (org, c) = setup(&app).await;
    let new = format!("/orgs/{}/listings/new", org.slug);
    let action = format!("/orgs/{}/listings", org.slug);
    let bad_tiers = c
        .submit(
            &new,
            &action,
            &[
                ("title_vi", "Khăn"),
                ("description_vi", "Khăn"),
                ("category", "lua-det-theu"),
                ("unit", "chiếc"),
                ("offer_kind", "wholesale"),
                ("price", "250000"),
                ("tier_qty_1", "100"),
                ("tier_price_1", "200000"),
                ("tier_qty_2", "50"),
                ("tier_price_2", "220000"),
            ],
        )
        .await;
    assert_eq!(bad_tiers.status, 422);
    assert!(bad_tiers.body.contains("Bậc giá phải tăng dần"));
    let created = c.submit(&new, &action, WHOLESALE).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let edit = created.location.unwrap();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        app.client().get(&format!("/listings/{id}")).await.status,
        404,
        "a draft is not public"
    );

    let photos = upload(
        &c,
        &edit,
        &format!("{edit}/photos"),
        vec![
            ("photos", "a.jpg", jpeg(1200, 900, 10)),
            ("photos", "b.jpg", jpeg(640, 480, 200)),
        ],
        &[],
    )
    .await;
    assert_eq!(photos.status, 303, "{}", photos.body);
    assert_eq!(
        ketnoi_db::listings::photos(app.db.conn(), id)
            .await
            .unwrap()
            .len(),
        2
    );
    let keys = ketnoi_db::listings::photos(app.db.conn(), id)
        .await
        .unwrap();
    let reorder = c
        .submit(
            &edit,
            &format!("{edit}/photos/order"),
            &[("first", &keys[1])],
        )
        .await;
    assert_eq!(reorder.status, 303);
    let reordered = ketnoi_db::listings::photos(app.db.conn(), id)
        .await
        .unwrap();
    assert_eq!(reordered, vec![keys[1].clone(), keys[0].clone()]);
    let publish = c
        .submit(&edit, &format!("{edit}/status"), &[("status", "published")])
        .await;
    assert_eq!(publish.status, 303);

    let public = app.client().get(&format!("/listings/{id}")).await;
    assert_eq!(public.status, 200);
    assert!(public.body.contains("250.000 ₫ / chiếc"));
    assert!(public.body.contains("220.000 ₫"));
    assert_eq!(
        public.body.matches("<img src=\"/media/img/").count(),
        2,
        "two photos"
    );
    assert!(public.body.contains("property=\"og:image\""));
    let key = ketnoi_db::listings::photos(app.db.conn(), id)
        .await
        .unwrap()
        .remove(0);
    let thumb = app
        .client()
        .http
        .get(app.client().url(&format!("/media/img/{key}-320.jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);
    assert!(
        thumb.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let directory = app.client().get("/orgs/htx-lua-van-phuc").await.body;
    assert!(directory.contains("Khăn lụa tơ tằm Vạn Phúc"));
    let listed = app.client().get("/listings?kind=wholesale").await.body;
    assert!(listed.contains(&format!("/listings/{id}")));
    // One price rule, said in words: the card's lowest price is "from", and the page says
    // at which quantity it applies.
    assert!(listed.contains("từ 220.000 ₫ / chiếc"), "{listed}");
    let page = app.client().get(&format!("/listings/{id}")).await.body;
    assert!(
        page.contains("Từ 220.000 ₫ / chiếc khi mua từ 100 chiếc"),
        "{page}"
    );
}

async fn refused_uploads_say_why_and_store_nothing(app: TestApp) {
    let (org, c) = setup(&app).await;
    let created = c
        .submit(
            &format!("/orgs/{}/listings/new", org.slug),
            &format!("/orgs/{}/listings", org.slug),
            WHOLESALE,
        )
        .await;
    let edit = created.location.unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "ghi-chu.jpg",
            b"Day la van ban, khong phai anh.".to_vec(),
            "không phải ảnh JPEG, PNG hoặc WebP",
        ),
        ("to.png", huge_png(), "20000×20000"),
        (
            "anh.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest-of-a-zip".to_vec(),
            "không phải ảnh JPEG, PNG hoặc WebP",
        ),
    ];
    for (name, bytes, says) in cases {
        let r = upload(
            &c,
            &edit,
            &format!("{edit}/photos"),
            vec![("photos", name, bytes)],
            &[],
        )
        .await;
        assert_eq!(r.status, 422, "{name}");
        assert!(r.body.contains(says), "{name}: {}", r.body);
    }
    let mixed = upload(
        &c,
        &edit,
        &format!("{edit}/photos"),
        vec![
            ("photos", "ok.jpg", jpeg(100, 100, 1)),
            ("photos", "bad.jpg", b"text".to_vec()),
        ],
        &[],
    )
    .await;
    assert_eq!(mixed.status, 422);
    assert_eq!(
        ketnoi_db::media::count(app.db.conn()).await.unwrap(),
        0,
        "nothing recorded"
    );
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        ketnoi_db::listings::photos(app.db.conn(), id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.state
            .media
            .get(&ketnoi_media::thumb_path(&"0".repeat(64), 320))
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_officer_verifies_an_ocop_claim_and_the_stars_show(app: TestApp) {
    let (org, c) = setup(&app).await;
    let created = c
        .submit(
            &format!("/orgs/{}/listings/new", org.slug),
            &format!("/orgs/{}/listings", org.slug),
            WHOLESALE,
        )
        .await;
    let edit = created.location.unwrap();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    c.submit(&edit, &format!("{edit}/status"), &[("status", "published")])
        .await;
    let manage = format!("/orgs/{}/manage", org.slug);
    let no_file = upload(
        &c,
        &manage,
        &format!("/orgs/{}/badges", org.slug),
        vec![],
        &[
            ("kind", "ocop"),
            ("number", "QĐ 123/2026"),
            ("stars", "4"),
            ("listing_id", &id.to_string()),
        ],
    )
    .await;
    assert_eq!(no_file.status, 422);
    assert!(no_file.body.contains("Cần đính kèm tệp minh chứng"));
    let claim = upload(
        &c,
        &manage,
        &format!("/orgs/{}/badges", org.slug),
        vec![(
            "evidence",
            "qd.pdf",
            b"%PDF-1.4\n% quyet dinh OCOP\n".to_vec(),
        )],
        &[
            ("kind", "ocop"),
            ("number", "QĐ 123/2026"),
            ("stars", "4"),
            ("product_group", "Thủ công mỹ nghệ"),
            ("expires_on", "2029-12-31"),
            ("listing_id", &id.to_string()),
        ],
    )
    .await;
    assert_eq!(claim.status, 303, "{}", claim.body);
    assert!(
        !app.client()
            .get(&format!("/listings/{id}"))
            .await
            .body
            .contains("data-testid=\"ocop-stars\""),
        "not before verification"
    );

    let elsewhere = app
        .user(
            "canbo.khac@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    let officer = app
        .user(
            "canbo@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let badge_id = ketnoi_db::badges::of_org(app.db.conn(), org.id)
        .await
        .unwrap()[0]
        .id;
    let other = app.client_as(&elsewhere).await;
    assert!(
        !other
            .get("/union/badges")
            .await
            .body
            .contains("data-testid=\"claim\""),
        "not in their ward"
    );
    let denied = other
        .submit(
            "/union/badges",
            &format!("/union/badges/{badge_id}/decision"),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(denied.status, 403);
    let o = app.client_as(&officer).await;
    let queue = o.get("/union/badges").await.body;
    assert!(queue.contains("OCOP 4 sao"));
    let evidence = queue
        .split("/union/evidence/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let file = o.get(&format!("/union/evidence/{evidence}")).await;
    assert_eq!(file.status, 200);
    // Uploaded files are downloads, never documents that run in the site's origin.
    assert!(
        file.header("content-disposition")
            .is_some_and(|v| v.starts_with("attachment;")),
        "{:?}",
        file.header("content-disposition")
    );
    assert!(
        file.header("content-security-policy")
            .is_some_and(|v| v.contains("sandbox")),
        "{:?}",
        file.header("content-security-policy")
    );
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        other
            .get(&format!("/union/evidence/{evidence}"))
            .await
            .status,
        404,
        "evidence of another ward's cooperative"
    );
    let city = app
        .user("canbo.tp@example.com", PlatformRole::UnionOfficer, None)
        .await;
    assert_eq!(
        app.client_as(&city)
            .await
            .get(&format!("/union/evidence/{evidence}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.client()
            .get(&format!("/union/evidence/{evidence}"))
            .await
            .status,
        303,
        "evidence is not public"
    );
    let no_reason = o
        .submit(
            "/union/badges",
            &format!("/union/badges/{badge_id}/decision"),
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let ok = o
        .submit(
            "/union/badges",
            &format!("/union/badges/{badge_id}/decision"),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let public = app.client().get(&format!("/listings/{id}")).await.body;
    assert!(
        public.contains("data-testid=\"ocop-stars\">OCOP ★★★★<"),
        "{public}"
    );
    let again = o
        .submit(
            "/union/badges",
            &format!("/union/badges/{badge_id}/decision"),
            &[("decision", "reject"), ("reason", "x")],
        )
        .await;
    assert_eq!(again.status, 409);
}

async fn proxy_officers_act_for_the_cooperative_and_the_log_says_so(app: TestApp) {
    let (org, c) = setup(&app).await;
    let officer = app
        .user(
            "canbo@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let o = app.client_as(&officer).await;
    assert_eq!(
        o.get(&format!("/orgs/{}/manage", org.slug)).await.status,
        403,
        "no proxy yet"
    );
    let manage = format!("/orgs/{}/manage", org.slug);
    let not_officer = c
        .submit(
            &manage,
            &format!("/orgs/{}/proxies", org.slug),
            &[("login", "quanly@example.com")],
        )
        .await;
    assert_eq!(not_officer.status, 422);
    let granted = c
        .submit(
            &manage,
            &format!("/orgs/{}/proxies", org.slug),
            &[("login", "canbo@example.com")],
        )
        .await;
    assert_eq!(granted.status, 303);
    // Her dashboard now leads to the cooperative's management, and to payouts.
    let union = o.get("/union").await.body;
    assert!(
        union.contains(&format!("href=\"/orgs/{}/manage\"", org.slug)),
        "{union}"
    );
    assert!(union.contains("href=\"/union/payouts\""), "{union}");
    let created = o
        .submit(
            &format!("/orgs/{}/listings/new", org.slug),
            &format!("/orgs/{}/listings", org.slug),
            WHOLESALE,
        )
        .await;
    assert_eq!(created.status, 303, "the officer acts for the cooperative");
    let log = ketnoi_db::audit::for_org(app.db.conn(), org.id, 10)
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|a| a.entity == "listing" && a.action == "create")
        .unwrap();
    assert_eq!(entry.on_behalf_of, Some(org.id));
    assert!(
        entry
            .after_json
            .as_deref()
            .unwrap()
            .contains("Khăn lụa tơ tằm")
    );
    let page = c.get(&manage).await.body;
    assert!(
        page.contains("thay mặt hợp tác xã"),
        "the cooperative sees who acted on its behalf"
    );
    let audit = o.get(&format!("/union/audit/{}", org.slug)).await;
    assert_eq!(audit.status, 200, "officers in scope see the log");
    assert!(audit.body.contains("thay mặt hợp tác xã"));
    // Entries name what they changed, not a record number.
    assert!(
        audit.body.contains("“Khăn lụa tơ tằm Vạn Phúc”"),
        "{}",
        audit.body
    );
    let outsider = app
        .user(
            "canbo.xa@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    assert_eq!(
        app.client_as(&outsider)
            .await
            .get(&format!("/union/audit/{}", org.slug))
            .await
            .status,
        403
    );
    let revoke = c
        .submit(
            &manage,
            &format!("/orgs/{}/proxies/{}/revoke", org.slug, officer.id),
            &[],
        )
        .await;
    assert_eq!(revoke.status, 303);
    assert_eq!(o.get(&manage).await.status, 403);
}

async fn an_officer_hides_a_listing_with_a_reason_the_cooperative_sees(app: TestApp) {
    let (org, c) = setup(&app).await;
    let created = c
        .submit(
            &format!("/orgs/{}/listings/new", org.slug),
            &format!("/orgs/{}/listings", org.slug),
            WHOLESALE,
        )
        .await;
    let edit = created.location.unwrap();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    c.submit(&edit, &format!("{edit}/status"), &[("status", "published")])
        .await;
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let o = app.client_as(&officer).await;
    let hidden = o
        .submit(
            &format!("/listings/{id}"),
            &format!("/union/listings/{id}/hide"),
            &[("reason", "Ảnh không đúng sản phẩm")],
        )
        .await;
    assert_eq!(hidden.status, 303);
    assert_eq!(
        app.client().get(&format!("/listings/{id}")).await.status,
        404
    );
    assert!(
        c.get(&edit).await.body.contains("Ảnh không đúng sản phẩm"),
        "the cooperative sees why"
    );
    assert!(
        c.get(&format!("/orgs/{}/manage", org.slug))
            .await
            .body
            .contains("Ảnh không đúng sản phẩm")
    );
}
