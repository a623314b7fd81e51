//! Spreadsheet import and export by Union officers over HTTP: the demo directory exported
//! and imported into a fresh app, row errors reported by row and column, nothing imported
//! from a file with errors, who may use the pages, and unreadable uploads.

use ketnoi_db::import_jobs;
use ketnoi_domain::import as rules;
use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::support::eventually;
use ketnoi_tests::{Backend, Client, Page, TestApp, csrf_in, on_both_backends};
use std::time::Duration;

on_both_backends!(
    officers_import_the_demo_exports_and_a_second_run_changes_nothing,
    three_bad_rows_are_listed_and_nothing_is_imported,
    only_officers_import_and_export,
    unreadable_uploads_are_refused_on_the_form,
    a_running_job_shows_its_progress_and_reloads,
    an_oversized_upload_is_refused_on_the_form,
);

async fn officer(app: &TestApp, login: &str) -> Client {
    let u = app.user(login, PlatformRole::UnionOfficer, None).await;
    app.client_as(&u).await
}

/// Posts the upload form as a browser does: the token first, then the choices and the file.
pub(crate) async fn upload(
    c: &Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
    skip_invalid: bool,
) -> Page {
    let form = c.get("/union/imports").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut multipart = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&form.body))
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    if skip_invalid {
        multipart = multipart.text("skip_invalid", "1");
    }
    let res = c
        .http
        .post(c.url("/union/imports"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    Client::page(res).await
}

/// Uploads and follows the job page until the job has finished.
pub(crate) async fn import(
    c: &Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
    skip_invalid: bool,
) -> Page {
    let posted = upload(c, kind, name, bytes, skip_invalid).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let job = posted.location.unwrap();
    assert!(job.starts_with("/union/imports/"), "{job}");
    eventually("the import to finish", Duration::from_secs(120), || {
        let (c, job) = (c.clone(), job.clone());
        async move {
            let p = c.get(&job).await;
            assert_eq!(p.status, 200, "{}", p.body);
            (!p.body.contains("data-status=\"running\"")).then_some(p)
        }
    })
    .await
    .unwrap()
}

/// The number shown in the summary cell `name`.
pub(crate) fn count(page: &Page, name: &str) -> i64 {
    let marker = format!("data-testid=\"{name}\">");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {}", page.body))
        + marker.len();
    page.body[start..]
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// (created, updated, unchanged, skipped)
fn counts(page: &Page) -> (i64, i64, i64, i64) {
    (
        count(page, "created"),
        count(page, "updated"),
        count(page, "unchanged"),
        count(page, "skipped"),
    )
}

/// The (row, column) of every error listed on a job page.
pub(crate) fn listed_errors(page: &Page) -> Vec<(usize, String)> {
    page.body
        .split("data-testid=\"row-error\" data-row=\"")
        .skip(1)
        .map(|rest| {
            let (row, rest) = rest.split_once('"').unwrap();
            let column = rest
                .split_once("data-column=\"")
                .unwrap()
                .1
                .split('"')
                .next()
                .unwrap();
            (row.parse().unwrap(), column.to_owned())
        })
        .collect()
}

async fn download(c: &Client, path: &str) -> (String, String, Vec<u8>) {
    let res = c.http.get(c.url(path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (ct, cd, res.bytes().await.unwrap().to_vec())
}

async fn listing_count(app: &TestApp) -> i64 {
    ketnoi_db::listings::count_public(app.db.conn())
        .await
        .unwrap()
}

async fn cooperative_count(app: &TestApp) -> i64 {
    ketnoi_db::orgs::cooperatives_in(app.db.conn(), &ketnoi_domain::role::Scope::City, 1000)
        .await
        .unwrap()
        .len() as i64
}

async fn officers_import_the_demo_exports_and_a_second_run_changes_nothing(app: TestApp) {
    // The demo directory, exported over HTTP from another app on the same engine.
    let backend = match app.db.backend() {
        ketnoi_db::Backend::Sqlite => Backend::Sqlite,
        ketnoi_db::Backend::Postgres => Backend::Postgres,
    };
    let source = TestApp::spawn(backend).await.unwrap();
    ketnoi_db::demo::import(&source.db).await.unwrap();
    let exporter = officer(&source, "xuat@example.com").await;
    let (ct, cd, coops_csv) = download(&exporter, "/union/exports/cooperatives.csv").await;
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(
        cd.starts_with("attachment; filename=\"ketnoi-cooperatives-") && cd.ends_with(".csv\""),
        "{cd}"
    );
    let (ct, cd, listings_xlsx) = download(&exporter, "/union/exports/listings.xlsx").await;
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        cd.starts_with("attachment;") && cd.ends_with(".xlsx\""),
        "{cd}"
    );
    drop(source);

    let c = officer(&app, "canbo@example.com").await;
    let coops = import(
        &c,
        "cooperatives",
        "hop-tac-xa.csv",
        coops_csv.clone(),
        false,
    )
    .await;
    assert!(
        coops.body.contains("data-testid=\"imported\""),
        "{}",
        coops.body
    );
    assert_eq!(count(&coops, "total_rows"), 60);
    assert_eq!(counts(&coops), (60, 0, 0, 0));
    assert!(listed_errors(&coops).is_empty());
    let listings = import(
        &c,
        "listings",
        "san-pham.xlsx",
        listings_xlsx.clone(),
        false,
    )
    .await;
    assert_eq!(counts(&listings), (400, 0, 0, 0), "{}", listings.body);
    assert_eq!(cooperative_count(&app).await, 60);
    assert_eq!(listing_count(&app).await, 400);

    // The same files again: nothing changes.
    let coops = import(&c, "cooperatives", "hop-tac-xa.csv", coops_csv, false).await;
    assert_eq!(counts(&coops), (0, 0, 60, 0));
    let listings = import(&c, "listings", "san-pham.xlsx", listings_xlsx, false).await;
    assert_eq!(counts(&listings), (0, 0, 400, 0));
    assert_eq!(listing_count(&app).await, 400);

    // The jobs are listed on the form page, newest first.
    let form = c.get("/union/imports").await;
    assert!(form.body.contains("san-pham.xlsx"));
    assert!(
        form.body.contains("href=\"/union/imports/4\""),
        "{}",
        form.body
    );
}

/// The demo dataset as the importer's sheets, straight from the domain.
fn demo_tables() -> (ketnoi_sheets::Table, ketnoi_sheets::Table) {
    let headers = |cols: &[&str]| cols.iter().map(|c| (*c).to_owned()).collect();
    let coops =
        rules::demo_cooperatives(include_str!("../../data/demo/cooperatives.json")).unwrap();
    let listings = rules::demo_listings(include_str!("../../data/demo/listings.json")).unwrap();
    (
        ketnoi_sheets::Table::new(
            headers(rules::COOPERATIVE_COLUMNS),
            coops.iter().map(rules::cooperative_row).collect(),
        ),
        ketnoi_sheets::Table::new(
            headers(rules::LISTING_COLUMNS),
            listings.iter().map(rules::listing_row).collect(),
        ),
    )
}

async fn three_bad_rows_are_listed_and_nothing_is_imported(app: TestApp) {
    let c = officer(&app, "canbo@example.com").await;
    let (coops, mut listings) = demo_tables();
    let coops = import(
        &c,
        "cooperatives",
        "hop-tac-xa.csv",
        ketnoi_sheets::write_csv(&coops),
        false,
    )
    .await;
    assert_eq!(counts(&coops), (60, 0, 0, 0));

    let col = |name: &str| {
        rules::LISTING_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    listings.rows[5 - 2][col("price_vnd")] = "12,5".into();
    listings.rows[17 - 2][col("unit")] = "thùng".into();
    listings.rows[230 - 2][col("category")] = "do-dien-tu".into();
    let bad = ketnoi_sheets::write_csv(&listings);

    let page = import(&c, "listings", "san-pham.csv", bad.clone(), false).await;
    assert_eq!(
        listed_errors(&page),
        vec![
            (5, "price_vnd".to_owned()),
            (17, "unit".to_owned()),
            (230, "category".to_owned())
        ]
    );
    assert!(page.body.contains("data-testid=\"not-imported\""));
    assert!(page.body.contains("Lỗi theo dòng (3)"));
    assert_eq!(counts(&page), (0, 0, 0, 400));
    assert_eq!(listing_count(&app).await, 0, "nothing was imported");

    // The same report in English for an English-speaking officer.
    let job = page
        .body
        .split("data-job=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    c.set_cookie(ketnoi_web::session::LANG_COOKIE, "en");
    let en = c.get(&format!("/union/imports/{job}")).await;
    assert!(
        en.body
            .contains("Price must be a whole number of đồng above 0"),
        "{}",
        en.body
    );
    assert!(en.body.contains("Nothing was imported"));
    c.set_cookie(ketnoi_web::session::LANG_COOKIE, "vi");

    // Skipping the bad rows imports the other 397, and still names the three.
    let page = import(&c, "listings", "san-pham.csv", bad, true).await;
    assert!(page.body.contains("data-testid=\"imported\""));
    assert_eq!(counts(&page), (397, 0, 0, 3));
    assert_eq!(listed_errors(&page).len(), 3);
    assert_eq!(listing_count(&app).await, 397);
}

async fn only_officers_import_and_export(app: TestApp) {
    let u = app.user("lan@example.com", PlatformRole::User, None).await;
    let user = app.client_as(&u).await;
    assert_eq!(user.get("/union/imports").await.status, 403);
    assert_eq!(
        user.get("/union/exports/cooperatives.csv").await.status,
        403
    );
    assert_eq!(user.get("/union/imports/1").await.status, 403);
    let token = user.known_csrf();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .text("kind", "cooperatives")
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"external_id,name,kind,commune_code\nx,HTX X,htx,00577\n".to_vec(),
            )
            .file_name("x.csv"),
        );
    let res = user
        .http
        .post(user.url("/union/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let anonymous = app.client().get("/union/imports").await;
    assert_eq!(anonymous.status, 303);
    assert!(
        anonymous
            .location
            .is_some_and(|l| l.starts_with("/signin?next="))
    );
    assert!(
        import_jobs::recent(app.db.conn(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(cooperative_count(&app).await, 0);

    // Administrators may, like officers.
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let admin = app.client_as(&admin).await;
    assert_eq!(admin.get("/union/imports").await.status, 200);
    let (_, _, bytes) = download(&admin, "/union/exports/listings.csv").await;
    let table = ketnoi_sheets::read(&bytes).unwrap();
    assert_eq!(table.headers, rules::LISTING_COLUMNS);
    assert!(table.rows.is_empty());
}

async fn unreadable_uploads_are_refused_on_the_form(app: TestApp) {
    let c = officer(&app, "canbo@example.com").await;

    let renamed = upload(
        &c,
        "cooperatives",
        "danh-sach.xlsx",
        b"Day la van ban\n".to_vec(),
        false,
    )
    .await;
    assert_eq!(renamed.status, 422);
    assert!(renamed.body.contains("data-testid=\"error-file\""));
    assert!(
        renamed.body.contains("không phải bảng tính Excel"),
        "{}",
        renamed.body
    );
    assert!(
        renamed
            .body
            .contains("<option value=\"cooperatives\" selected>")
    );

    let image = upload(
        &c,
        "listings",
        "anh.csv",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        true,
    )
    .await;
    assert_eq!(image.status, 422);
    assert!(
        image
            .body
            .contains("không phải bảng tính Excel (.xlsx) hay tệp CSV")
    );
    assert!(image.body.contains("<option value=\"listings\" selected>"));
    assert!(
        image
            .body
            .contains("name=\"skip_invalid\" value=\"1\" aria-describedby=\"f-skip-hint\" checked")
    );

    let legacy = upload(&c, "listings", "cu.csv", b"t\xeat,gi\xe1\n".to_vec(), false).await;
    assert_eq!(legacy.status, 422);
    assert!(legacy.body.contains("CSV UTF-8"));

    let nothing = upload(&c, "listings", "", Vec::new(), false).await;
    assert_eq!(nothing.status, 422);
    assert!(nothing.body.contains("Hãy chọn một tệp CSV hoặc Excel"));
    let empty = upload(&c, "listings", "trong.csv", Vec::new(), false).await;
    assert_eq!(empty.status, 422);
    let blank = upload(&c, "listings", "trong.csv", b"\n\n".to_vec(), false).await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("không có dòng tên cột"));

    let kind = upload(&c, "orgs", "a.csv", b"a\n1\n".to_vec(), false).await;
    assert_eq!(kind.status, 422);
    assert!(kind.body.contains("data-testid=\"error-kind\""));

    // A form post without the file, and a forged one.
    let token = c.known_csrf();
    let plain = c
        .post_form(
            "/union/imports",
            &[("csrf", token.as_str()), ("kind", "listings")],
        )
        .await;
    assert_eq!(plain.status, 422);
    assert!(plain.body.contains("Hãy chọn một tệp"));
    let forged = reqwest::multipart::Form::new()
        .text("csrf", "deadbeef")
        .text("kind", "listings")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"a\n".to_vec()).file_name("a.csv"),
        );
    let res = c
        .http
        .post(c.url("/union/imports"))
        .multipart(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let late_token = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"a\n".to_vec()).file_name("a.csv"),
        )
        .text("csrf", token.clone());
    let res = c
        .http
        .post(c.url("/union/imports"))
        .multipart(late_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        403,
        "the token must come before the file"
    );
    let broken = c
        .request(
            "POST",
            "/union/imports",
            Some("multipart/form-data; boundary=xyz"),
            b"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc".to_vec(),
        )
        .await;
    assert!((400..500).contains(&broken.status), "{}", broken.status);

    assert!(
        import_jobs::recent(app.db.conn(), 10)
            .await
            .unwrap()
            .is_empty(),
        "no job was started"
    );
    assert_eq!(c.get("/union/imports/999999").await.status, 404);
    assert_eq!(c.get("/union/imports/abc").await.status, 404);
    assert_eq!(c.get("/union/exports/users.csv").await.status, 404);
    assert_eq!(c.get("/union/exports/listings.xls").await.status, 404);
}

async fn a_running_job_shows_its_progress_and_reloads(app: TestApp) {
    let c = officer(&app, "canbo@example.com").await;
    // A job row as the upload creates it, with no import behind it in this process.
    let job = import_jobs::create(
        app.db.conn(),
        &import_jobs::NewJob {
            kind: "listings",
            file_name: Some("san-pham.xlsx"),
            skip_invalid: false,
            total_rows: 400,
            created_by: None,
        },
    )
    .await
    .unwrap();
    import_jobs::set_progress(app.db.conn(), job.id, 120, 400)
        .await
        .unwrap();
    let page = c.get(&format!("/union/imports/{}", job.id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<meta http-equiv=\"refresh\" content=\"2\">")
    );
    assert!(page.body.contains("data-status=\"running\""));
    assert!(page.body.contains("<progress max=\"400\" value=\"120\""));
    assert!(page.body.contains("Đã lưu 120 / 400 dòng"), "{}", page.body);
    assert!(!page.body.contains("<script"), "no JavaScript needed");
}

async fn an_oversized_upload_is_refused_on_the_form(app: TestApp) {
    let c = officer(&app, "canbo@example.com").await;
    let mut big = b"external_id,name,kind,commune_code\n".to_vec();
    big.resize(26 * 1024 * 1024, b'a');
    let page = upload(&c, "cooperatives", "lon.csv", big, false).await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(
        page.body.contains("Tệp quá lớn: tối đa 25 MB"),
        "{}",
        page.body
    );
}
