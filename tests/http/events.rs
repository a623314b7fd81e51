//! Events, registrations, tickets and check-in (issue 17), end to end over HTTP on both
//! engines: an officer creates an event everyone sees (JSON-LD, a calendar file); fifty
//! people register at once for twenty places; a cancellation hands the place to the first
//! person waiting, who is told in the next worker pass; a ticket's QR code, as the person's
//! page shows it, decodes with zbar to its signed code; the door refuses a forged code and
//! shows when and by whom a ticket was first checked in.

use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::event::Status;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, create_event, on_both_backends, register_for as register};

on_both_backends!(
    an_officer_creates_an_event_everyone_sees_with_json_ld_and_a_calendar_file,
    fifty_register_at_once_for_twenty_places_and_a_cancellation_promotes_the_first_waiting,
    a_ticket_qr_code_decodes_to_its_signed_code_and_the_door_refuses_forgeries,
    officers_run_only_their_scope_and_tickets_show_only_to_their_holders,
    attendance_at_a_training_course_becomes_a_training_record,
    governance_records_of_three_of_four_women_managers_read_75_percent,
);

/// `n` people with accounts (no password: their clients get sessions directly).
async fn people(app: &TestApp, n: usize) -> Vec<User> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("nguoi{i}@example.com");
        out.push(
            ketnoi_db::users::insert(
                app.db.conn(),
                &NewUser {
                    email: Some(&email),
                    phone: None,
                    display_name: &format!("Người tham dự {i}"),
                    password_hash: "not-used",
                    locale: Locale::Vi,
                    role: PlatformRole::User,
                    officer_commune_code: None,
                },
            )
            .await
            .unwrap(),
        );
    }
    out
}

async fn an_officer_creates_an_event_everyone_sees_with_json_ld_and_a_calendar_file(app: TestApp) {
    let officer = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let oc = app.client_as(&officer).await;
    // Mistakes are said beside their fields, everything typed kept.
    let bad = oc
        .submit(
            "/union/events/new",
            "/union/events",
            &[
                ("kind", "forum"),
                ("name", "Diễn đàn thử"),
                ("description", "Mô tả"),
                ("start_date", "2099-03-08"),
                ("end_date", "2099-03-01"),
                ("latitude", "48.85"),
                ("longitude", "2.35"),
                ("organizer", "Hội"),
                ("visitor_quota", "mười"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in ["end_date", "latitude", "venue_name", "visitor_quota"] {
        assert!(
            bad.body.contains(&format!("data-testid=\"error-{field}\"")),
            "{field}: {}",
            bad.body
        );
    }
    assert!(bad.body.contains("value=\"Diễn đàn thử\""));

    let id = create_event(&oc, &[]).await;
    let visitor = app.client();
    let list = visitor.get("/events").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!("href=\"/events/{id}\"")));
    assert!(
        list.body.len() <= 60 * 1024,
        "events page {} bytes",
        list.body.len()
    );
    let page = visitor.get(&format!("/events/{id}")).await;
    assert_eq!(page.status, 200);
    let ld = page
        .body
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let ld: serde_json::Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "Event");
    assert_eq!(ld["startDate"], "2099-03-08");
    assert_eq!(ld["endDate"], "2099-03-09");
    assert_eq!(ld["location"]["name"], "Bảo tàng Phụ nữ Việt Nam");
    assert_eq!(ld["location"]["geo"]["latitude"], 21.0245);
    assert_eq!(ld["offers"][0]["priceCurrency"], "VND");
    assert!(page.body.contains("data-testid=\"signin-to-register\""));
    // In English: the English name.
    let en = app.client_accepting("en");
    assert!(
        en.get(&format!("/events/{id}"))
            .await
            .body
            .contains("Women&#39;s Cooperative Start-up Forum")
    );

    let ics = visitor.get(&format!("/events/{id}/event.ics")).await;
    assert_eq!(ics.status, 200);
    assert!(
        ics.content_type.starts_with("text/calendar"),
        "{}",
        ics.content_type
    );
    assert!(ics.body.contains("BEGIN:VEVENT"), "{}", ics.body);
    assert!(
        ics.body.contains("DTSTART;VALUE=DATE:20990308"),
        "{}",
        ics.body
    );
    // The last day is inclusive: the calendar's end is the day after it.
    assert!(
        ics.body.contains("DTEND;VALUE=DATE:20990310"),
        "{}",
        ics.body
    );
    assert!(
        ics.body
            .contains("SUMMARY:Diễn đàn Phụ nữ Khởi nghiệp Hợp tác xã")
    );
    // Search finds it without diacritics, and in English.
    for q in ["dien dan khoi nghiep", "Women start-up", "bảo tàng phụ nữ"] {
        let found = visitor
            .get(&format!("/search?q={}", q.replace(' ', "+")))
            .await;
        assert!(
            found.body.contains(&format!("href=\"/events/{id}\"")),
            "{q}"
        );
    }
    let missed = visitor.get("/search?q=dien+dan+gom").await;
    assert!(!missed.body.contains(&format!("href=\"/events/{id}\"")));
    assert_eq!(visitor.get("/events/999999").await.status, 404);
    assert_eq!(visitor.get("/events/999999/event.ics").await.status, 404);

    // The officer changes it; a quota below the places taken is refused.
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let b = app.client_as(&buyer).await;
    assert_eq!(
        register(&b, id, &[("attendee_name", "Chị Mai")])
            .await
            .status,
        303
    );
    let edit = format!("/union/events/{id}/edit");
    let form = ketnoi_tests::form_fields(&oc.get(&edit).await.body, &format!("/union/events/{id}"));
    let mut fields: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "visitor_quota")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("visitor_quota", "0"));
    let refused = oc
        .submit(&edit, &format!("/union/events/{id}"), &fields)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    fields.pop();
    fields.push(("visitor_quota", "30"));
    let saved = oc
        .submit(&edit, &format!("/union/events/{id}"), &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let types = ketnoi_db::events::ticket_types(app.db.conn(), id)
        .await
        .unwrap();
    assert_eq!((types[0].quota, types[0].taken), (30, 1));
    let e = ketnoi_db::events::find(app.db.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.latitude, Some(21.0245), "kept through the edit form");
    assert_eq!(e.audience, "cooperatives|buyers");
}

async fn fifty_register_at_once_for_twenty_places_and_a_cancellation_promotes_the_first_waiting(
    app: TestApp,
) {
    let officer = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let id = create_event(&app.client_as(&officer).await, &[]).await;
    let ticket = ketnoi_db::events::ticket_types(app.db.conn(), id)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let people = people(&app, 50).await;
    let mut clients = Vec::new();
    for p in &people {
        let c = app.client_as(p).await;
        let csrf = c.known_csrf();
        clients.push((c, csrf));
    }
    let path = format!("/events/{id}/registrations");
    let answers = futures::future::join_all(clients.iter().map(|(c, csrf)| {
        let (path, ticket) = (&path, &ticket);
        async move {
            c.post_form(
                path,
                &[
                    ("csrf", csrf.as_str()),
                    ("ticket", ticket.as_str()),
                    ("attendee_name", "Chị Lan"),
                ],
            )
            .await
        }
    }))
    .await;
    for a in &answers {
        assert_eq!(a.status, 303, "{}", a.body);
    }
    let regs = ketnoi_db::registrations::of_event(app.db.conn(), id)
        .await
        .unwrap();
    let with = |s: Status| regs.iter().filter(|r| r.status() == Some(s)).count();
    assert_eq!(
        (with(Status::Confirmed), with(Status::Waitlisted)),
        (20, 30)
    );
    let types = ketnoi_db::events::ticket_types(app.db.conn(), id)
        .await
        .unwrap();
    assert_eq!(types[0].taken, 20);
    // A second registration by the same person is refused.
    let (c0, _) = &clients[0];
    let again = register(c0, id, &[("ticket", &ticket), ("attendee_name", "Chị Lan")]).await;
    assert_eq!(again.status, 409, "{}", again.body);

    // The first person waiting is the first who joined the list.
    let first_waiting = regs
        .iter()
        .filter(|r| r.status() == Some(Status::Waitlisted))
        .min_by_key(|r| r.id)
        .unwrap()
        .clone();
    let waiting_page = app
        .client_as(
            people
                .iter()
                .find(|p| p.id == first_waiting.user_id)
                .unwrap(),
        )
        .await
        .get(&format!("/my/tickets/{}", first_waiting.id))
        .await;
    assert!(waiting_page.body.contains("thứ 1 trong danh sách chờ"));
    let leaving = regs
        .iter()
        .find(|r| r.status() == Some(Status::Confirmed))
        .unwrap();
    let holder = people.iter().find(|p| p.id == leaving.user_id).unwrap();
    let hc = app.client_as(holder).await;
    let ticket_page = format!("/my/tickets/{}", leaving.id);
    let cancelled = hc
        .submit(
            &ticket_page,
            &format!("/my/tickets/{}/cancel", leaving.id),
            &[],
        )
        .await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let promoted = ketnoi_db::registrations::find(app.db.conn(), first_waiting.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(promoted.status(), Some(Status::Confirmed));
    let regs = ketnoi_db::registrations::of_event(app.db.conn(), id)
        .await
        .unwrap();
    let with = |s: Status| regs.iter().filter(|r| r.status() == Some(s)).count();
    assert_eq!(
        (
            with(Status::Confirmed),
            with(Status::Waitlisted),
            with(Status::Cancelled)
        ),
        (20, 29, 1)
    );

    // Her e-mail is queued with the promotion, and the next worker pass delivers it, after
    // the fifty confirmations and waiting-list messages queued before it.
    let promoted_user = people.iter().find(|p| p.id == promoted.user_id).unwrap();
    let to = promoted_user.email.clone().unwrap();
    let queued = ketnoi_db::outbox::for_recipient(app.db.conn(), &to)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|m| m.kind == "event_promoted" && m.sent_at.is_none())
    );
    let mail_dir = tempfile::tempdir().unwrap();
    let channels = ketnoi_notify::Channels::mailbox(mail_dir.path().to_owned());
    ketnoi_notify::deliver_due(&app.db, &channels)
        .await
        .unwrap();
    let hers = ketnoi_db::outbox::for_recipient(app.db.conn(), &to)
        .await
        .unwrap();
    let told = hers
        .iter()
        .find(|m| m.kind == "event_promoted")
        .expect("her promotion is queued");
    assert!(told.sent_at.is_some(), "sent in the first pass");
    assert!(
        told.subject.starts_with("Đã có chỗ cho bạn"),
        "{}",
        told.subject
    );
    assert!(told.body.contains(&format!("/my/tickets/{}", promoted.id)));
    assert!(
        told.body.contains(&format!("Mã vé: KN-{}-", promoted.id)),
        "her code in the message: {}",
        told.body
    );
}

/// zbar's decoder, if it is installed (`.ci/run` installs it and requires it).
fn zbar(png: &[u8]) -> Option<String> {
    let found = std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var("KETNOI_REQUIRE_ZBAR").as_deref() != Ok("1"),
            "zbarimg is not installed (KETNOI_REQUIRE_ZBAR=1)"
        );
        eprintln!("SKIPPED: zbarimg is not installed (Debian package zbar-tools)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ticket.png");
    std::fs::write(&path, png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "zbarimg: {out:?}");
    Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

async fn a_ticket_qr_code_decodes_to_its_signed_code_and_the_door_refuses_forgeries(app: TestApp) {
    let officer = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let oc = app.client_as(&officer).await;
    let id = create_event(&oc, &[]).await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let b = app.client_as(&buyer).await;
    let done = register(&b, id, &[("attendee_name", "Chị Mai")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let ticket_path = done.location.unwrap();
    let page = b.get(&ticket_path).await;
    assert_eq!(page.status, 200);
    let code = page
        .body
        .split("data-testid=\"ticket-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert!(code.starts_with("KN-"), "{code}");
    // The image the page shows, as the browser fetches it.
    let src = page
        .body
        .split("data-testid=\"ticket-qr\"")
        .next()
        .and_then(|s| s.rsplit("src=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let png = b.http.get(b.url(&src)).send().await.unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    if let Some(decoded) = zbar(&png) {
        assert_eq!(decoded, code, "zbar reads the signed code");
    }
    // Someone else cannot see her ticket or its code.
    let other = app
        .user("nguoikhac@example.com", PlatformRole::User, None)
        .await;
    let oth = app.client_as(&other).await;
    assert_eq!(oth.get(&ticket_path).await.status, 404);
    assert_eq!(oth.get(&src).await.status, 404);

    // The door: without JavaScript, the code typed.
    let desk = format!("/union/events/{id}/checkin");
    let forged = {
        let mut chars: Vec<char> = code.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == '0' { '1' } else { '0' };
        chars.into_iter().collect::<String>()
    };
    let refused = oc.submit(&desk, &desk, &[("code", &forged)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("data-testid=\"checkin-refused\""));
    assert!(refused.body.contains("Mã vé không hợp lệ"));
    let welcome = oc
        .submit(&desk, &desk, &[("code", &code.to_lowercase())])
        .await;
    assert_eq!(welcome.status, 200, "{}", welcome.body);
    assert!(welcome.body.contains("data-testid=\"checkin-ok\""));
    assert!(welcome.body.contains("Chị Mai"));
    let again = oc.submit(&desk, &desk, &[("code", &code)]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("data-testid=\"checkin-again\""));
    let reg = ketnoi_db::registrations::find(
        app.db.conn(),
        ticket_path
            .trim_start_matches("/my/tickets/")
            .parse()
            .unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let first = ketnoi_domain::time::format_hanoi(reg.checked_in_at.unwrap());
    let detail = again
        .body
        .split("data-testid=\"checkin-detail\">")
        .nth(1)
        .unwrap();
    assert!(detail.contains(&first), "{detail}");
    assert!(
        detail.contains("Người dùng thử"),
        "the first officer's name: {detail}"
    );
    // Her ticket says she is in.
    assert!(
        b.get(&ticket_path)
            .await
            .body
            .contains("data-testid=\"checked-in\"")
    );
}

async fn officers_run_only_their_scope_and_tickets_show_only_to_their_holders(app: TestApp) {
    let city = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let ward = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let other_ward = app
        .user(
            "canbo.khac@example.com",
            PlatformRole::UnionOfficer,
            Some("00070"),
        )
        .await;
    let cc = app.client_as(&city).await;
    let wc = app.client_as(&ward).await;
    let oc = app.client_as(&other_ward).await;
    let city_event = create_event(&cc, &[]).await;
    let ward_event = create_event(&wc, &[("venue_commune", "00577")]).await;
    let e = ketnoi_db::events::find(app.db.conn(), ward_event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.scope_commune_code.as_deref(), Some("00577"));
    for path in ["", "/edit", "/checkin"] {
        assert_eq!(
            wc.get(&format!("/union/events/{city_event}{path}"))
                .await
                .status,
            403
        );
        assert_eq!(
            oc.get(&format!("/union/events/{ward_event}{path}"))
                .await
                .status,
            403
        );
        assert_eq!(
            wc.get(&format!("/union/events/{ward_event}{path}"))
                .await
                .status,
            200
        );
        assert_eq!(
            cc.get(&format!("/union/events/{ward_event}{path}"))
                .await
                .status,
            200
        );
    }
    let csrf = oc.known_csrf();
    let posted = oc
        .post_form(
            &format!("/union/events/{ward_event}/checkin"),
            &[("csrf", csrf.as_str()), ("code", "KN-1-000000000000")],
        )
        .await;
    assert_eq!(posted.status, 403);
    // A buyer is not an officer.
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let bc = app.client_as(&buyer).await;
    assert_eq!(bc.get("/union/events/new").await.status, 403);
    assert_eq!(
        bc.get(&format!("/union/events/{ward_event}")).await.status,
        403
    );
    // An exhibitor's booth is for a cooperative she manages.
    let coop = app.cooperative("htx-gom-bat-trang", "00577").await;
    app.member(&coop, &buyer, MemberRole::Owner).await;
    let fair = create_event(
        &cc,
        &[
            ("kind", "fair"),
            ("exhibitor_quota", "2"),
            ("exhibitor_price", "1.500.000"),
        ],
    )
    .await;
    let types = ketnoi_db::events::ticket_types(app.db.conn(), fair)
        .await
        .unwrap();
    let booth = types.iter().find(|t| t.kind == "exhibitor").unwrap();
    assert_eq!(booth.price_vnd, 1_500_000);
    let booth_id = booth.id.to_string();
    let no_org = register(
        &bc,
        fair,
        &[("ticket", &booth_id), ("attendee_name", "Chị Hoa")],
    )
    .await;
    assert_eq!(no_org.status, 422, "{}", no_org.body);
    assert!(no_org.body.contains("data-testid=\"error-org\""));
    // A member who does not run the cooperative cannot book its booth.
    let member = app
        .user("thanhvien@example.com", PlatformRole::User, None)
        .await;
    app.member(&coop, &member, MemberRole::Member).await;
    let not_hers = register(
        &app.client_as(&member).await,
        fair,
        &[
            ("ticket", &booth_id),
            ("attendee_name", "Chị Thu"),
            ("org", "htx-gom-bat-trang"),
        ],
    )
    .await;
    assert_eq!(not_hers.status, 422, "{}", not_hers.body);
    assert!(not_hers.body.contains("data-testid=\"error-org\""));
    let ok = register(
        &bc,
        fair,
        &[
            ("ticket", &booth_id),
            ("attendee_name", "Chị Hoa"),
            ("org", "htx-gom-bat-trang"),
            ("booth_request", "Gần lối vào"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let reg = ok
        .location
        .unwrap()
        .trim_start_matches("/my/tickets/")
        .to_owned();
    let admin = format!("/union/events/{fair}");
    assert!(cc.get(&admin).await.body.contains("Gần lối vào"));
    let set = cc
        .submit(
            &admin,
            &format!("/union/events/{fair}/booths"),
            &[("registration", &reg), ("booth", "A12")],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert!(
        bc.get(&format!("/my/tickets/{reg}"))
            .await
            .body
            .contains("A12")
    );
    // A paid booth: the fee is paid at the door, and the desk says what to collect.
    let ticket = bc.get(&format!("/my/tickets/{reg}")).await.body;
    assert!(ticket.contains("data-testid=\"ticket-fee\""));
    let code = ticket
        .split("data-testid=\"ticket-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let desk = format!("/union/events/{fair}/checkin");
    let welcome = cc.submit(&desk, &desk, &[("code", &code)]).await;
    assert_eq!(welcome.status, 200, "{}", welcome.body);
    assert!(
        welcome.body.contains("Thu phí: 1.500.000"),
        "{}",
        welcome.body
    );
    assert!(welcome.body.contains("A12"));
    // The cooperative's profile says where to meet it.
    let profile = app.client().get("/orgs/htx-gom-bat-trang").await;
    assert!(
        profile.body.contains("data-testid=\"org-exhibits\""),
        "{}",
        profile.body
    );
    assert!(profile.body.contains(&format!("href=\"/events/{fair}\"")));
}

async fn attendance_at_a_training_course_becomes_a_training_record(app: TestApp) {
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let oc = app.client_as(&officer).await;
    let no_topic = oc
        .submit(
            "/union/events/new",
            "/union/events",
            &[
                ("kind", "training"),
                ("name", "Tập huấn quản trị"),
                ("description", "Quản trị HTX"),
                ("start_date", "2099-04-01"),
                ("venue_name", "UBND xã Bát Tràng"),
                ("organizer", "Hội LHPN xã Bát Tràng"),
                ("visitor_quota", "30"),
            ],
        )
        .await;
    assert_eq!(no_topic.status, 422);
    assert!(
        no_topic
            .body
            .contains("data-testid=\"error-training_topic\"")
    );
    let id = create_event(
        &oc,
        &[
            ("kind", "training"),
            ("training_topic", "governance"),
            ("training_hours", "16"),
            ("venue_commune", "00577"),
        ],
    )
    .await;
    let coop = app.cooperative("htx-gom-bat-trang", "00577").await;
    let lan = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&coop, &lan, MemberRole::Owner).await;
    let lc = app.client_as(&lan).await;
    let page = lc.get(&format!("/events/{id}")).await;
    assert!(
        page.body.contains("name=\"role\""),
        "a course asks her role"
    );
    let done = register(
        &lc,
        id,
        &[
            ("attendee_name", "Nguyễn Thị Lan"),
            ("org", "htx-gom-bat-trang"),
            ("role", "director"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let code = lc
        .get(&done.location.unwrap())
        .await
        .body
        .split("data-testid=\"ticket-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let desk = format!("/union/events/{id}/checkin");
    assert_eq!(
        oc.submit(&desk, &desk, &[("code", &code)]).await.status,
        200
    );
    assert_eq!(
        oc.submit(&desk, &desk, &[("code", &code)]).await.status,
        409
    );
    let records = ketnoi_db::training::list(app.db.conn(), Some("00577"), 10)
        .await
        .unwrap();
    assert_eq!(
        records.len(),
        1,
        "one record, however often she is checked in"
    );
    let r = &records[0];
    assert_eq!(
        (
            r.person_name.as_str(),
            r.role.as_str(),
            r.topic.as_str(),
            r.hours,
            r.org_id
        ),
        (
            "Nguyễn Thị Lan",
            "director",
            "governance",
            16,
            Some(coop.id)
        )
    );
    assert_eq!(r.source, "event");
    assert!(
        oc.get("/union/training")
            .await
            .body
            .contains("Nguyễn Thị Lan")
    );
}

async fn governance_records_of_three_of_four_women_managers_read_75_percent(app: TestApp) {
    use ketnoi_domain::report::{Figures, Period};
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let coop = app.cooperative("htx-gom-bat-trang", "00577").await;
    // Her accepted report: four women managers (chair, director, controller, accountant).
    let figures = Figures {
        members_total: Some(20),
        members_women: Some(16),
        chair_women: Some(1),
        director_women: Some(1),
        supervisors_women: Some(1),
        accountant_women: Some(1),
        ..Default::default()
    };
    let mut tx = app.db.begin().await.unwrap();
    let w = ketnoi_db::reports::Writer {
        org_id: coop.id,
        actor_id: None,
        on_behalf_of: None,
    };
    ketnoi_db::reports::import(&mut tx, &w, Period::half(2026), &figures)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let oc = app.client_as(&officer).await;
    let progress = |oc: Client| async move {
        let p = oc.get("/api/v1/plan/progress?period=2026-h1").await;
        assert_eq!(p.status, 200, "{}", p.body);
        let p = p.json();
        p["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "managers-trained")
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(
        progress(oc.clone()).await,
        0,
        "four managers, none trained yet"
    );
    let record = |name: &'static str, role: &'static str, topic: &'static str| {
        let oc = oc.clone();
        async move {
            let saved = oc
                .submit(
                    "/union/training",
                    "/union/training",
                    &[
                        ("person_name", name),
                        ("org", "htx-gom-bat-trang"),
                        ("role", role),
                        ("topic", topic),
                        ("hours", "16"),
                        ("held_on", "2026-03-10"),
                        ("provider", "Liên minh HTX Hà Nội"),
                    ],
                )
                .await;
            assert_eq!(saved.status, 303, "{}", saved.body);
        }
    };
    record("Nguyễn Thị Lan", "chair", "governance").await;
    record("Trần Thị Mai", "director", "governance").await;
    record("Lê Thị Hồng", "supervisor", "governance").await;
    // The same woman again (written differently): still one person.
    record("nguyen thi  LAN", "chair", "governance").await;
    // The fourth has accounting, not governance; a member's governance course is not a manager's.
    record("Phạm Thị Thu", "accountant", "accounting").await;
    record("Đỗ Thị Hà", "member", "governance").await;
    assert_eq!(progress(oc.clone()).await, 75);
    // A mistake is said beside its field, nothing saved.
    let bad = oc
        .submit(
            "/union/training",
            "/union/training",
            &[
                ("person_name", "Chị Tư"),
                ("org", "htx-gom-bat-trang"),
                ("role", "chair"),
                ("topic", "governance"),
                ("hours", "12,5"),
                ("held_on", "2026-03-10"),
                ("provider", "Hội"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("data-testid=\"error-hours\""));
    assert_eq!(progress(oc).await, 75);
}
