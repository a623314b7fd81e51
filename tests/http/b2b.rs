//! A B2B session over HTTP on both engines (issue 17): participants publish what they offer
//! and seek and when they are free, ask for meetings, the other side accepts or declines;
//! the organiser schedules (nobody double-booked, within availability), publishes (each
//! participant's agenda queued), and the report counts meetings held, follow-ups and deals
//! by cooperative, in the page and the workbook.

use calamine::{Data, Reader, Xlsx};
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, create_event, on_both_backends};

on_both_backends!(a_b2b_session_runs_from_profiles_to_the_report);

async fn register(c: &Client, event: i64, fields: &[(&str, &str)]) -> i64 {
    let done = ketnoi_tests::register_for(c, event, fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.location
        .unwrap()
        .trim_start_matches("/my/tickets/")
        .parse()
        .unwrap()
}

async fn profile(
    c: &Client,
    event: i64,
    side: &str,
    offers: &str,
    slots: &[&str],
) -> ketnoi_tests::Page {
    let page = format!("/events/{event}/b2b");
    let mut fields = vec![
        ("side", side),
        ("offers", offers),
        ("seeks", "Đối tác lâu dài"),
    ];
    for s in slots {
        fields.push((s, "on"));
    }
    c.submit(&page, &format!("/events/{event}/b2b/profile"), &fields)
        .await
}

async fn a_b2b_session_runs_from_profiles_to_the_report(app: TestApp) {
    let officer = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let oc = app.client_as(&officer).await;
    let id = create_event(
        &oc,
        &[
            ("kind", "b2b_matchmaking"),
            ("name", "Phiên kết nối cung cầu nông sản"),
            ("name_en", ""),
            ("description", "Gặp gỡ giữa hợp tác xã và nhà phân phối."),
            ("start_date", "2099-05-20"),
            ("end_date", ""),
            ("visitor_quota", "50"),
        ],
    )
    .await;
    let admin = format!("/union/events/{id}/b2b");
    let bad = oc
        .submit(
            &admin,
            &format!("{admin}/session"),
            &[
                ("first_slot", "9h"),
                ("slot_minutes", "20"),
                ("slots", "0"),
                ("tables", "2"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("data-testid=\"error-first_slot\""));
    assert!(bad.body.contains("data-testid=\"error-slots\""));
    let set = oc
        .submit(
            &admin,
            &format!("{admin}/session"),
            &[
                ("first_slot", "09:00"),
                ("slot_minutes", "20"),
                ("slots", "3"),
                ("tables", "1"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);

    // Two cooperatives and two buyers.
    let mut coops = Vec::new();
    for (i, slug) in ["htx-gom-bat-trang", "htx-lua-van-phuc"].iter().enumerate() {
        let org = app.cooperative(slug, "00577").await;
        let owner = app
            .user(&format!("chu{i}@example.com"), PlatformRole::User, None)
            .await;
        app.member(&org, &owner, MemberRole::Owner).await;
        let c = app.client_as(&owner).await;
        let reg = register(&c, id, &[("attendee_name", "Chủ nhiệm"), ("org", slug)]).await;
        coops.push((c, reg, org));
    }
    let mut buyers = Vec::new();
    for i in 0..2 {
        let u = app
            .user(&format!("mua{i}@example.com"), PlatformRole::User, None)
            .await;
        let c = app.client_as(&u).await;
        let reg = register(&c, id, &[("attendee_name", &format!("Người mua {i}"))]).await;
        buyers.push((c, reg));
    }
    // Not on the list: no B2B page of her own; a buyer cannot pose as a cooperative.
    let outsider = app
        .user("ngoai@example.com", PlatformRole::User, None)
        .await;
    let out = app.client_as(&outsider).await;
    assert!(
        out.get(&format!("/events/{id}/b2b"))
            .await
            .body
            .contains("data-testid=\"b2b-register-first\"")
    );
    let posing = profile(&buyers[0].0, id, "cooperative", "Gốm", &["slot_0"]).await;
    assert_eq!(posing.status, 422);
    assert!(posing.body.contains("data-testid=\"error-side\""));
    let no_slot = profile(&buyers[0].0, id, "buyer", "Phân phối", &[]).await;
    assert_eq!(no_slot.status, 422);
    assert!(no_slot.body.contains("data-testid=\"error-slots\""));

    // Buyer 0 is free all morning, buyer 1 only in slot 0; both cooperatives all morning.
    assert_eq!(
        profile(
            &buyers[0].0,
            id,
            "buyer",
            "Phân phối siêu thị",
            &["slot_0", "slot_1", "slot_2"]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        profile(&buyers[1].0, id, "buyer", "Xuất khẩu", &["slot_0"])
            .await
            .status,
        303
    );
    for (c, _, org) in &coops {
        assert_eq!(
            profile(
                c,
                id,
                "cooperative",
                &org.name,
                &["slot_0", "slot_1", "slot_2"]
            )
            .await
            .status,
            303
        );
    }
    let page = buyers[0].0.get(&format!("/events/{id}/b2b")).await;
    assert_eq!(
        page.body.matches("data-testid=\"b2b-partner\"").count(),
        2,
        "the other side only"
    );

    // Requests: buyer 0 asks both cooperatives, buyer 1 asks the first; the second
    // cooperative asks buyer 1 (declined).
    let ask = |c: &Client, with: i64| {
        let c = c.clone();
        async move {
            let p = format!("/events/{id}/b2b");
            let r = c
                .submit(
                    &p,
                    &format!("/events/{id}/b2b/requests"),
                    &[("with", &with.to_string()), ("message", "Xin gặp")],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
    };
    ask(&buyers[0].0, coops[0].1).await;
    ask(&buyers[0].0, coops[1].1).await;
    ask(&buyers[1].0, coops[0].1).await;
    ask(&coops[1].0, buyers[1].1).await;
    // Asking the same side is refused.
    let same = buyers[0]
        .0
        .submit(
            &format!("/events/{id}/b2b"),
            &format!("/events/{id}/b2b/requests"),
            &[("with", &buyers[1].1.to_string())],
        )
        .await;
    assert_eq!(same.status, 400);
    let meetings = ketnoi_db::b2b::meetings(app.db.conn(), id).await.unwrap();
    assert_eq!(meetings.len(), 4);
    let answer = |c: &Client, m: i64, decision: &'static str| {
        let c = c.clone();
        async move {
            c.submit(
                &format!("/events/{id}/b2b"),
                &format!("/b2b/meetings/{m}/answer"),
                &[("decision", decision)],
            )
            .await
        }
    };
    // The asker cannot accept her own request; a stranger cannot see it.
    let own = answer(&buyers[0].0, meetings[0].id, "accept").await;
    assert_eq!(own.status, 409, "{}", own.body);
    assert_eq!(answer(&out, meetings[0].id, "accept").await.status, 404);
    for m in &meetings[..3] {
        let who = coops
            .iter()
            .find(|(_, r, _)| *r == m.cooperative_id)
            .unwrap();
        assert_eq!(answer(&who.0, m.id, "accept").await.status, 303);
    }
    assert_eq!(
        answer(&buyers[1].0, meetings[3].id, "decline").await.status,
        303
    );
    assert_eq!(
        answer(&buyers[1].0, meetings[3].id, "accept").await.status,
        409,
        "answered once"
    );

    // Schedule: three accepted meetings, one table, three slots; buyer 1 is free only in
    // slot 0, so she must have it, and buyer 0 meets the cooperatives in slots 1 and 2.
    let run = oc.submit(&admin, &format!("{admin}/schedule"), &[]).await;
    assert_eq!(run.status, 303, "{}", run.body);
    assert!(
        run.location.as_deref().unwrap().contains("placed=3"),
        "{:?}",
        run.location
    );
    let placed = ketnoi_db::b2b::meetings(app.db.conn(), id).await.unwrap();
    let profiles = ketnoi_db::b2b::profiles(app.db.conn(), id).await.unwrap();
    let free = |reg: i64, slot: i64| {
        profiles
            .iter()
            .find(|p| p.registration_id == reg)
            .is_some_and(|p| p.availability & (1 << slot) != 0)
    };
    let mut seen = std::collections::HashSet::new();
    for m in placed.iter().filter(|m| m.slot.is_some()) {
        let (slot, table) = (m.slot.unwrap(), m.table_no.unwrap());
        assert_eq!(table, 1);
        assert!(
            free(m.buyer_id, slot) && free(m.cooperative_id, slot),
            "{m:?}"
        );
        assert!(
            seen.insert((m.buyer_id, slot)) && seen.insert((m.cooperative_id, slot)),
            "double booked: {m:?}"
        );
        assert!(seen.insert((-1, slot)), "one table per slot: {m:?}");
    }
    assert_eq!(placed.iter().filter(|m| m.slot.is_some()).count(), 3);
    // Not published: nobody sees an agenda yet.
    assert!(
        !buyers[0]
            .0
            .get(&format!("/events/{id}/b2b"))
            .await
            .body
            .contains("data-testid=\"agenda\"")
    );
    let published = oc.submit(&admin, &format!("{admin}/publish"), &[]).await;
    assert_eq!(published.status, 303, "{}", published.body);
    let agenda = buyers[0].0.get(&format!("/events/{id}/b2b")).await;
    assert_eq!(
        agenda.body.matches("data-testid=\"agenda-item\"").count(),
        2
    );
    let mails = ketnoi_db::outbox::for_recipient(app.db.conn(), "mua0@example.com")
        .await
        .unwrap();
    let mail = mails
        .iter()
        .find(|m| m.kind == "b2b_agenda")
        .expect("agenda queued");
    assert!(mail.body.contains("bàn 1"), "{}", mail.body);
    let ics = buyers[0]
        .0
        .get(&format!("/events/{id}/b2b/agenda.ics"))
        .await;
    assert_eq!(ics.status, 200);
    assert_eq!(ics.body.matches("BEGIN:VEVENT").count(), 2, "{}", ics.body);
    // 09:00 in Hà Nội is 02:00 UTC.
    assert!(
        ics.body.contains("T0") && ics.body.contains('Z'),
        "{}",
        ics.body
    );
    assert_eq!(
        out.get(&format!("/events/{id}/b2b/agenda.ics"))
            .await
            .status,
        404
    );

    // Outcomes: buyer 0 agreed a deal with the first cooperative; buyer 1 will follow up.
    let of = |b: i64, c: i64| {
        placed
            .iter()
            .find(|m| m.buyer_id == b && m.cooperative_id == c)
            .unwrap()
            .id
    };
    let outcome = |c: &Client, m: i64, o: &'static str, v: &'static str| {
        let c = c.clone();
        async move {
            c.submit(
                &format!("/events/{id}/b2b"),
                &format!("/b2b/meetings/{m}/outcome"),
                &[("outcome", o), ("value", v)],
            )
            .await
            .status
        }
    };
    assert_eq!(
        outcome(
            &buyers[0].0,
            of(buyers[0].1, coops[0].1),
            "deal",
            "150.000.000"
        )
        .await,
        303
    );
    assert_eq!(
        outcome(&coops[0].0, of(buyers[1].1, coops[0].1), "follow_up", "").await,
        303
    );
    assert_eq!(
        outcome(&buyers[0].0, of(buyers[0].1, coops[1].1), "no_show", "").await,
        303
    );
    assert_eq!(
        outcome(&buyers[1].0, meetings[3].id, "deal", "1").await,
        409,
        "declined: never held"
    );

    let report = oc.get(&admin).await;
    assert!(report.body.contains("data-testid=\"b2b-report\""));
    let xlsx = oc
        .http
        .get(oc.url(&format!("{admin}/report.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("B2B").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == Data::String(name.to_owned()))
            .unwrap()
            .clone()
    };
    let n = |d: &Data| match d {
        Data::Float(f) => *f as i64,
        Data::Int(i) => *i,
        other => panic!("{other:?}"),
    };
    let first = row(&coops[0].2.name);
    assert_eq!(
        first[1..6].iter().map(n).collect::<Vec<_>>(),
        vec![2, 2, 1, 1, 150_000_000]
    );
    let second = row(&coops[1].2.name);
    assert_eq!(
        second[1..6].iter().map(n).collect::<Vec<_>>(),
        vec![1, 0, 0, 0, 0]
    );
    let total = rows.last().unwrap();
    assert_eq!(
        total[1..6].iter().map(n).collect::<Vec<_>>(),
        vec![3, 2, 1, 1, 150_000_000]
    );
    // The outcome must be chosen.
    assert_eq!(
        outcome(&buyers[1].0, of(buyers[1].1, coops[0].1), "", "").await,
        400
    );
    // Other slots or tables: the schedule made for the old ones is gone, and unpublished.
    let changed = oc
        .submit(
            &admin,
            &format!("{admin}/session"),
            &[
                ("first_slot", "09:00"),
                ("slot_minutes", "20"),
                ("slots", "3"),
                ("tables", "2"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    let after = ketnoi_db::b2b::meetings(app.db.conn(), id).await.unwrap();
    assert!(after.iter().all(|m| m.slot.is_none()), "{after:?}");
    let s = ketnoi_db::b2b::session(app.db.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert!(s.scheduled_at.is_none() && s.published_at.is_none());
    // Only the organiser's scope.
    let ward = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let wc = app.client_as(&ward).await;
    assert_eq!(wc.get(&admin).await.status, 403);
    assert_eq!(wc.get(&format!("{admin}/report.xlsx")).await.status, 403);
}
