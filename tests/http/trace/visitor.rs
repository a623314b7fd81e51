//! A GTIN checked beside its field; a lot made from another cooperative's lot, traced by a
//! visitor from a stamp one step back or through the resolver; stamp sheets decoded by zbar.

use super::*;

on_both_backends!(
    a_gtin_with_a_wrong_check_digit_is_refused_beside_the_field,
    a_cooperative_makes_a_lot_from_another_cooperatives_lot_and_a_visitor_traces_it,
);

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
