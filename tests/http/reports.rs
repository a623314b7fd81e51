//! Cooperatives' periodic reports and the plan's dashboard (issue 16), end to end over HTTP:
//! an owner files, her ward officer returns it with a comment, she corrects and resubmits,
//! the officer accepts, the city's dashboard and XLSX export move; an accepted report is
//! frozen (409, what she typed kept) and corrected as a new version; each officer sees and
//! exports only her scope, and small counts of sensitive groups show as "<5" above the ward.

use calamine::{Data, Reader, Xlsx};
use ketnoi_domain::plan::SupportKind;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, on_both_backends};

on_both_backends!(
    a_report_is_filed_returned_corrected_accepted_and_the_dashboard_moves,
    each_officer_sees_and_exports_only_her_scope,
    a_ward_reports_to_the_city_and_units_not_reported_are_listed_late,
    reminders_go_out_30_7_and_1_days_before_once_each,
    the_api_files_reads_and_reports_progress_under_the_same_rules,
    last_years_figures_import_from_a_sheet_with_row_errors_and_again_change_nothing,
);

const PERIOD: &str = "2026-h1";

fn figures(women_workers: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("members_total", "24"),
        ("members_women", "19"),
        ("workers_total", "30"),
        ("workers_women", women_workers),
        ("chair_women", "1"),
        ("director_women", "1"),
        ("managers_certified", "1"),
        ("members_vocational", "12"),
        ("jobs_created", "4"),
        ("revenue", "1.250.000.000"),
        ("profit", "-15.000.000"),
        ("poor_women", "3"),
        ("needs", "Cần vốn vay ưu đãi"),
    ]
}

fn with_action<'a>(mut f: Vec<(&'a str, &'a str)>, action: &'a str) -> Vec<(&'a str, &'a str)> {
    f.push(("action", action));
    f
}

/// The value shown for an indicator on the dashboard.
fn indicator(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("data-testid=\"ind-{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &page[at..];
    let v = rest.find("data-testid=\"value\">").unwrap() + "data-testid=\"value\">".len();
    rest[v..rest[v..].find('<').unwrap() + v].trim().to_owned()
}

async fn download(c: &Client, path: &str) -> Vec<u8> {
    let res = c.http.get(c.url(path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

fn sheet(bytes: &[u8], index: usize) -> Vec<Vec<Data>> {
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(index).unwrap().unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

/// A cooperative in Bát Tràng with its owner, Bát Tràng's officer and a city officer.
struct Cast {
    org: ketnoi_db::orgs::Org,
    owner: ketnoi_db::users::User,
    officer: ketnoi_db::users::User,
    city: ketnoi_db::users::User,
}

async fn cast(app: &TestApp) -> Cast {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let owner = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let city = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    Cast {
        org,
        owner,
        officer,
        city,
    }
}

async fn a_report_is_filed_returned_corrected_accepted_and_the_dashboard_moves(app: TestApp) {
    let Cast {
        org,
        owner,
        officer,
        city,
    } = cast(&app).await;
    ketnoi_db::support::record(
        &app.db,
        &ketnoi_db::support::NewSupport {
            org_id: org.id,
            kind: SupportKind::Consolidation,
            since: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            until: None,
            note: None,
        },
        officer.id,
    )
    .await
    .unwrap();
    let (me, her, cityc) = (
        app.client_as(&owner).await,
        app.client_as(&officer).await,
        app.client_as(&city).await,
    );
    let form = format!("/orgs/{}/reports/{PERIOD}", org.slug);
    let dashboard = format!("/union/plan?period={PERIOD}");
    assert!(
        me.get(&format!("/orgs/{}/manage", org.slug))
            .await
            .body
            .contains("data-testid=\"org-reports\"")
    );
    let list = me.get(&format!("/orgs/{}/reports", org.slug)).await;
    assert_eq!(list.status, 200);
    let next_year = chrono::Datelike::year(&ketnoi_domain::time::today_hanoi()) + 1;
    for p in [format!("{next_year}-h1"), "2022-y".into(), "2026-h2".into()] {
        let r = me.get(&format!("/orgs/{}/reports/{p}", org.slug)).await;
        assert_eq!(r.status, 404, "{p}");
    }
    assert!(
        list.body
            .contains(&format!("data-testid=\"period-{PERIOD}\""))
    );
    assert_eq!(
        indicator(&cityc.get(&dashboard).await.body, "htx-jobs"),
        "0"
    );

    // More women than workers: refused beside the field, everything typed kept.
    let bad = me
        .submit(&form, &form, &with_action(figures("31"), "submit"))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("data-testid=\"error-workers_women\""));
    assert!(
        bad.body.contains("value=\"1.250.000.000\"") && bad.body.contains("Cần vốn vay ưu đãi")
    );
    let ok = me
        .submit(&form, &form, &with_action(figures("18"), "submit"))
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(me.get(&form).await.body.contains("Đã gửi, chờ duyệt"));

    // The ward officer sees it waiting; a return needs a comment.
    let unit = her.get(&dashboard).await;
    assert!(
        unit.body
            .contains(&format!("data-testid=\"coop-{}\"", org.slug)),
        "{}",
        unit.body
    );
    let review = format!("/union/plan/{}/{PERIOD}", org.slug);
    let page = her.get(&review).await;
    assert!(
        page.body.contains("data-testid=\"value-poor_women\">3<"),
        "her ward officer sees 3"
    );
    let decision = format!("{review}/decision");
    let bare = her
        .submit(
            &review,
            &decision,
            &[("action", "return"), ("comment", " ")],
        )
        .await;
    assert_eq!(bare.status, 422);
    assert!(bare.body.contains("data-testid=\"error-comment\""));
    let back = her
        .submit(
            &review,
            &decision,
            &[
                ("action", "return"),
                ("comment", "Số lao động nữ chưa đúng"),
            ],
        )
        .await;
    assert_eq!(back.status, 303, "{}", back.body);

    // She sees the comment, corrects and resubmits; the officer accepts.
    let returned = me.get(&form).await;
    assert!(returned.body.contains("Số lao động nữ chưa đúng"));
    let again = me
        .submit(&form, &form, &with_action(figures("20"), "submit"))
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let accepted = her
        .submit(&review, &decision, &[("action", "accept")])
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);

    // The city's dashboard moved: 20 women in stable work in supported HTX, 50% trained.
    let d = cityc.get(&dashboard).await;
    assert_eq!(indicator(&d.body, "htx-jobs"), "20");
    assert_eq!(indicator(&d.body, "htx-supported"), "1");
    assert_eq!(indicator(&d.body, "members-vocational"), "50%");
    assert!(d.body.contains("data-testid=\"unit-00577\""));
    // Above the ward, the 3 women from poor households show as "<5".
    assert!(d.body.contains("<dd>&#60;5</dd>"), "{}", d.body);
    let city_view = cityc.get(&review).await;
    assert!(
        city_view
            .body
            .contains("data-testid=\"value-poor_women\">&#60;5<")
    );

    // Frozen: saving again is a 409 with what she typed kept; a correction is version 2.
    let frozen = me
        .submit(&form, &form, &with_action(figures("22"), "save"))
        .await;
    assert_eq!(frozen.status, 409, "{}", frozen.body);
    assert!(frozen.body.contains("value=\"22\""));
    assert!(frozen.body.contains("data-testid=\"correct-report\""));
    let fix = me.submit(&form, &format!("{form}/correction"), &[]).await;
    assert_eq!(fix.status, 303, "{}", fix.body);
    let v2 = me.get(&form).await;
    assert!(v2.body.contains("data-testid=\"report-form\"") && v2.body.contains("Lần 2"));
    let all = ketnoi_db::reports::versions(
        app.db.conn(),
        org.id,
        ketnoi_domain::report::Period::parse(PERIOD).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].figures.workers_women, Some(20));
    // The draft correction does not change what the city counts.
    assert_eq!(
        indicator(&cityc.get(&dashboard).await.body, "htx-jobs"),
        "20"
    );

    // The city's XLSX: 126 unit rows and a total equal to the dashboard, numbers as numbers.
    let book = download(
        &cityc,
        &format!("/union/plan/export?period={PERIOD}&format=xlsx"),
    )
    .await;
    let people = sheet(&book, 1);
    assert_eq!(people.len(), 1 + 126 + 1, "header, 126 units, total");
    let header = &people[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == Data::String(name.to_owned()))
            .unwrap()
    };
    let total = people.last().unwrap();
    assert_eq!(total[1].to_string(), "Tổng cộng");
    assert_eq!(total[col("Lao động nữ")], Data::Float(20.0));
    let bat_trang = people
        .iter()
        .find(|r| r[0] == Data::String("00577".into()))
        .unwrap();
    assert_eq!(bat_trang[col("Tổng số thành viên")].to_string(), "24");
    // The indicators sheet holds the dashboard's values, as numbers.
    let dashboard = cityc.get(&dashboard).await.body;
    let indicators = sheet(&book, 0);
    let register = ketnoi_domain::plan::shipped();
    assert_eq!(indicators.len(), 1 + register.indicators.len());
    for (ind, row) in register.indicators.iter().zip(&indicators[1..]) {
        let shown = indicator(&dashboard, &ind.id);
        let want = match shown.trim_end_matches('%').parse::<f64>() {
            Ok(n) => Data::Float(n),
            Err(_) => Data::Empty,
        };
        assert_eq!(row[1], want, "{}: the dashboard shows {shown}", ind.id);
    }
    let groups = sheet(&book, 3);
    assert_eq!(groups.last().unwrap()[2].to_string(), "<5");
    let csv = String::from_utf8(
        download(
            &cityc,
            &format!("/union/plan/export?period={PERIOD}&format=csv"),
        )
        .await,
    )
    .unwrap();
    assert_eq!(csv.lines().count(), 1 + 126 + 1);
}

async fn each_officer_sees_and_exports_only_her_scope(app: TestApp) {
    let org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let owner = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&org, &owner, MemberRole::Owner).await;
    let me = app.client_as(&owner).await;
    let form = format!("/orgs/{}/reports/{PERIOD}", org.slug);
    let ok = me
        .submit(&form, &form, &with_action(figures("18"), "submit"))
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    let other = app
        .user(
            "canbo.phuong@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    let oc = app.client_as(&other).await;
    let review = format!("/union/plan/{}/{PERIOD}", org.slug);
    assert_eq!(oc.get(&review).await.status, 403);
    let decision = oc
        .post_form(
            &format!("{review}/decision"),
            &[("csrf", &oc.known_csrf()), ("action", "accept")],
        )
        .await;
    assert_eq!(decision.status, 403);
    // Her dashboard is her ward, whatever unit she asks for.
    let d = oc
        .get(&format!("/union/plan?period={PERIOD}&unit=00577"))
        .await;
    assert_eq!(d.status, 200);
    assert!(!d.body.contains(&format!("coop-{}", org.slug)));
    let book = download(
        &oc,
        &format!("/union/plan/export?period={PERIOD}&unit=00577&format=xlsx"),
    )
    .await;
    let people = sheet(&book, 1);
    assert_eq!(people.len(), 3, "header, her unit, total");
    assert_eq!(people[1][0].to_string(), "00004");
    // A cooperative's manager is not an officer; another cooperative's owner sees nothing.
    assert_eq!(
        me.get(&format!("/union/plan?period={PERIOD}")).await.status,
        403
    );
    let stranger_org = app.cooperative("htx-khac", "00577").await;
    let stranger = app.user("khac@example.com", PlatformRole::User, None).await;
    app.member(&stranger_org, &stranger, MemberRole::Owner)
        .await;
    let sc = app.client_as(&stranger).await;
    assert_eq!(sc.get(&form).await.status, 403);
    // A buyer organisation has no reports.
    assert_eq!(me.get("/orgs/no-such-org/reports").await.status, 404);
}

async fn a_ward_reports_to_the_city_and_units_not_reported_are_listed_late(app: TestApp) {
    app.cooperative("htx-gom-bat-trang", "00577").await;
    let ward = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let city = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let (w, c) = (app.client_as(&ward).await, app.client_as(&city).await);
    // 2026's first half was due on 15 June: Bát Tràng, with a cooperative, is late.
    let dashboard = format!("/union/plan?period={PERIOD}");
    let d = c.get(&dashboard).await;
    assert!(d.body.contains("data-testid=\"late-00577\""), "{}", d.body);
    assert!(
        w.get(&dashboard)
            .await
            .body
            .contains("data-testid=\"unit-report-status\"")
    );

    let page = format!("/union/plan/unit-report?period={PERIOD}");
    let action = "/union/plan/unit-report";
    let empty = w
        .submit(
            &page,
            action,
            &[("period", PERIOD), ("action", "submit"), ("narrative", "")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("data-testid=\"error-narrative\""));
    // Deciding is the city's, filing the ward's.
    let self_accept = w
        .submit(&page, action, &[("period", PERIOD), ("action", "accept")])
        .await;
    assert_eq!(self_accept.status, 403);
    let other = w
        .get(&format!(
            "/union/plan/unit-report?period={PERIOD}&unit=00004"
        ))
        .await;
    assert_eq!(other.status, 403);
    let sent = w
        .submit(
            &page,
            action,
            &[
                ("period", PERIOD),
                ("action", "submit"),
                ("narrative", "Các HTX hoạt động ổn định."),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let states = ketnoi_db::unit_reports::states(
        app.db.conn(),
        ketnoi_domain::report::Period::parse(PERIOD).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        states,
        [("00577".to_owned(), ketnoi_domain::report::State::Submitted)],
        "{:?}",
        sent.location
    );
    assert!(
        !c.get(&dashboard)
            .await
            .body
            .contains("data-testid=\"late-00577\"")
    );

    let city_page = format!("{page}&unit=00577");
    assert!(
        c.get(&city_page)
            .await
            .body
            .contains("Các HTX hoạt động ổn định.")
    );
    let city_files = c
        .submit(
            &city_page,
            action,
            &[
                ("unit", "00577"),
                ("period", PERIOD),
                ("action", "submit"),
                ("narrative", "x"),
            ],
        )
        .await;
    assert_eq!(city_files.status, 403);
    let back = c
        .submit(
            &city_page,
            action,
            &[
                ("unit", "00577"),
                ("period", PERIOD),
                ("action", "return"),
                ("comment", "Bổ sung số liệu THT"),
            ],
        )
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert!(
        c.get(&dashboard)
            .await
            .body
            .contains("data-testid=\"late-00577\""),
        "returned is not reported"
    );
    assert!(w.get(&page).await.body.contains("Bổ sung số liệu THT"));
    w.submit(
        &page,
        action,
        &[
            ("period", PERIOD),
            ("action", "submit"),
            ("narrative", "Đã bổ sung."),
        ],
    )
    .await;
    let ok = c
        .submit(
            &city_page,
            action,
            &[("unit", "00577"), ("period", PERIOD), ("action", "accept")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let log = ketnoi_db::audit::for_entity(app.db.conn(), "unit_report", "1", 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 4, "submit, return, submit, accept");
}

async fn reminders_go_out_30_7_and_1_days_before_once_each(app: TestApp) {
    use ketnoi_app::plan_reminders::enqueue_due;
    let a = app.cooperative("htx-gom-bat-trang", "00577").await;
    let b = app.cooperative("htx-lua-van-phuc", "00577").await;
    let lan = app.user("lan@example.com", PlatformRole::User, None).await;
    let hoa = app.user("0912345678", PlatformRole::User, None).await;
    app.member(&a, &lan, MemberRole::Owner).await;
    app.member(&b, &hoa, MemberRole::Manager).await;
    app.user(
        "canbo.battrang@example.com",
        PlatformRole::UnionOfficer,
        Some("00577"),
    )
    .await;
    let deadlines = ketnoi_domain::report::Deadlines::default();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let run = |m, d| {
        let db = app.db.clone();
        async move {
            enqueue_due(&db, day(m, d), &deadlines, "https://ketnoi.test")
                .await
                .unwrap()
        }
    };
    assert_eq!(run(5, 15).await, 0, "31 days before the 15 June deadline");
    assert_eq!(
        run(5, 16).await,
        3,
        "30 days: two cooperatives' managers and the officer"
    );
    assert_eq!(
        run(5, 16).await,
        0,
        "the same day again (a restarted worker)"
    );
    assert_eq!(run(5, 30).await, 0);
    assert_eq!(run(6, 8).await, 3, "7 days");
    // Lan submits; she is not reminded again, the others are.
    let w = ketnoi_db::reports::Writer {
        org_id: a.id,
        actor_id: Some(lan.id),
        on_behalf_of: None,
    };
    let f = ketnoi_domain::report::Figures {
        members_total: Some(10),
        members_women: Some(8),
        workers_total: Some(10),
        workers_women: Some(8),
        jobs_created: Some(1),
        ..Default::default()
    };
    ketnoi_app::reports::file(
        &app.db,
        &w,
        ketnoi_domain::report::Period::half(2026),
        &f,
        ketnoi_domain::report::Action::Submit,
    )
    .await
    .unwrap();
    assert_eq!(
        run(6, 14).await,
        2,
        "1 day: the other cooperative's manager and the officer"
    );
    assert_eq!(
        run(6, 15).await,
        0,
        "the deadline day: already reminded at 1 day"
    );
    assert_eq!(
        run(6, 16).await,
        0,
        "after the deadline: late, not reminded"
    );
    let to_lan = ketnoi_db::outbox::for_recipient(app.db.conn(), "lan@example.com")
        .await
        .unwrap();
    assert_eq!(to_lan.len(), 2);
    let subjects: Vec<&str> = to_lan.iter().map(|m| m.subject.as_str()).collect();
    assert!(
        subjects.iter().any(|s| s.ends_with("còn 30 ngày")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with("còn 7 ngày")),
        "{subjects:?}"
    );
    assert!(
        to_lan[0]
            .body
            .contains("/orgs/htx-gom-bat-trang/reports/2026-h1")
    );
    let phone = hoa.phone.clone().unwrap();
    assert_eq!(
        ketnoi_db::outbox::for_recipient(app.db.conn(), &phone)
            .await
            .unwrap()
            .len(),
        3
    );
    let to_officer = ketnoi_db::outbox::for_recipient(app.db.conn(), "canbo.battrang@example.com")
        .await
        .unwrap();
    assert_eq!(to_officer.len(), 3);
    assert!(
        to_officer[0]
            .body
            .contains("/union/plan/unit-report?period=2026-h1")
    );
}

async fn the_api_files_reads_and_reports_progress_under_the_same_rules(app: TestApp) {
    let Cast {
        org,
        owner,
        officer,
        city,
    } = cast(&app).await;
    let me = app.client_as(&owner).await;
    let path = format!("/api/v1/orgs/{}/reports/{PERIOD}", org.slug);
    let body = |women: i64, action: &str| {
        serde_json::json!({"action": action, "figures": {
            "members_total": 20, "members_women": 16, "workers_total": 22, "workers_women": women,
            "jobs_created": 2, "poor_women": 2, "profit": -1_000_000, "needs": "Vốn"}})
    };
    let put = |b: serde_json::Value| {
        let me = &me;
        let path = path.clone();
        async move {
            me.request(
                "PUT",
                &path,
                Some("application/json"),
                b.to_string().into_bytes(),
            )
            .await
        }
    };
    let bad = put(body(30, "submit")).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("workers_women"), "{}", bad.body);
    let ok = put(body(18, "submit")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["state"], "submitted");
    assert_eq!(ok.json()["figures"]["profit"], -1_000_000);
    assert_eq!(
        put(body(18, "save")).await.status,
        409,
        "waits for the officer"
    );
    let list = me.get(&format!("/api/v1/orgs/{}/reports", org.slug)).await;
    assert_eq!(list.json()[0]["period"], PERIOD);
    assert_eq!(
        me.get("/api/v1/orgs/htx-gom-bat-trang/reports/2026-h2")
            .await
            .status,
        404
    );
    assert_eq!(me.get("/api/v1/plan/progress").await.status, 403);

    let w = ketnoi_db::reports::Writer {
        org_id: org.id,
        actor_id: Some(officer.id),
        on_behalf_of: None,
    };
    let id = ketnoi_db::reports::latest(
        app.db.conn(),
        org.id,
        ketnoi_domain::report::Period::half(2026),
    )
    .await
    .unwrap()
    .unwrap()
    .id;
    ketnoi_app::reports::decide(&app.db, &w, id, ketnoi_domain::report::Action::Accept, "")
        .await
        .unwrap();
    assert_eq!(
        put(body(18, "save")).await.status,
        409,
        "frozen once accepted"
    );

    let ward = app
        .client_as(&officer)
        .await
        .get(&format!("/api/v1/plan/progress?period={PERIOD}"))
        .await;
    assert_eq!(ward.status, 200, "{}", ward.body);
    let ward = ward.json();
    assert_eq!(ward["unit"], "00577");
    assert_eq!(ward["reports_accepted"], 1);
    assert_eq!(ward["groups"][0]["count"], 2, "her own ward: exact");
    let c = app
        .client_as(&city)
        .await
        .get(&format!("/api/v1/plan/progress?period={PERIOD}"))
        .await
        .json();
    assert_eq!(c["unit"], serde_json::Value::Null);
    assert_eq!(
        c["groups"][0]["fewer_than_five"], true,
        "the city: fewer than five"
    );
    assert_eq!(c["groups"][0]["count"], serde_json::Value::Null);
    let jobs = c["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "htx-brand-support")
        .unwrap()
        .clone();
    assert_eq!(
        jobs["standing"], "no-target",
        "the plan sets no 2030 target for it; {jobs}"
    );
}

/// The Union's own sheet of last year's figures, under the Vietnamese headers its staff
/// type: every problem reported by row and column and nothing imported; fixed, imported as
/// accepted reports; the same file again changes nothing; a corrected figure is a new
/// version, the old one kept; the city's dashboard for 2025 shows the figures.
async fn last_years_figures_import_from_a_sheet_with_row_errors_and_again_change_nothing(
    app: TestApp,
) {
    use crate::imports::{count, import, listed_errors};
    let a = app.cooperative("htx-gom-bat-trang", "00577").await;
    app.cooperative("htx-lua-van-phuc", "00577").await;
    let city = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let c = app.client_as(&city).await;
    let header = "Hợp tác xã,Kỳ,Tổng số thành viên,Thành viên nữ,Tổng số lao động,Lao động nữ,jobs_created,revenue,poor_women\n";
    let broken = format!(
        "{header}htx-gom-bat-trang,2025-y,20,25,30,18,2,900000000,1\n\
         htx-khong-co,2025-y,20,10,30,18,2,900000000,1\n\
         htx-lua-van-phuc,2025-q3,20,10,30,18,2,900000000,1\n\
         htx-lua-van-phuc,2025,20,10,30,18,2,\"12,5\",1\n\
         htx-gom-bat-trang,2025-y,20,10,30,18,2,900000000,1\n"
    );
    let page = import(
        &c,
        "reports",
        "bao-cao-2025.csv",
        broken.into_bytes(),
        false,
    )
    .await;
    let mut errors = listed_errors(&page);
    errors.sort();
    assert_eq!(
        errors,
        [
            (2, "members_women".to_owned()),
            (4, "period".to_owned()),
            (5, "revenue".to_owned()),
            (6, "period".to_owned()),
        ],
        "{}",
        page.body
    );
    assert_eq!(count(&page, "created"), 0);
    let good = format!(
        "{header}htx-gom-bat-trang,2025-y,20,15,30,18,2,900000000,3\n\
         htx-lua-van-phuc,2025,12,10,14,11,1,450000000,0\n"
    );
    let done = import(
        &c,
        "reports",
        "bao-cao-2025.csv",
        good.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(count(&done, "created"), 2, "{}", done.body);
    let again = import(&c, "reports", "bao-cao-2025.csv", good.into_bytes(), false).await;
    assert_eq!(
        (count(&again, "created"), count(&again, "unchanged")),
        (0, 2)
    );
    let fixed = format!("{header}htx-gom-bat-trang,2025-y,21,15,30,19,2,900000000,3\n");
    let once_more = import(&c, "reports", "bao-cao-2025.csv", fixed.into_bytes(), false).await;
    assert_eq!(count(&once_more, "updated"), 1);
    let versions = ketnoi_db::reports::versions(
        app.db.conn(),
        a.id,
        ketnoi_domain::report::Period::annual(2025),
    )
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[1].figures.workers_women,
        Some(18),
        "the first version is kept"
    );
    let d = c.get("/union/plan?period=2025-y").await;
    assert!(d.body.contains("Báo cáo đã duyệt: 2 / 2"), "{}", d.body);
    // The export reads back under the canonical columns.
    let export = c.get("/union/exports/reports.csv").await;
    assert_eq!(export.status, 200);
    assert!(
        export.body.contains("htx-gom-bat-trang,2025-y,21,15,30,19"),
        "{}",
        export.body
    );
}
