//! Support cases over HTTP (issue 19): a leader asks for credit, the ward officer refers it,
//! the bank's staff receive, approve and record the disbursement, each step with who and
//! when; a step someone took first is a 409 with the page and her input kept; a second
//! credit referral within 12 months is flagged to the officer and the partner, naming
//! nothing of the other case to the partner; nobody else sees a case.

use ketnoi_db::cases::{self, NewPartner};
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::cases::PartnerKind;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, Page, TestApp, on_both_backends};

on_both_backends!(
    a_credit_case_walks_to_disbursement_with_who_and_when_on_each_step,
    a_step_someone_took_first_is_a_conflict_with_the_page_and_input_kept,
    a_second_credit_referral_is_flagged_to_both_sides_without_details,
    nobody_but_the_applicant_her_officers_and_the_partner_sees_a_case,
    a_household_business_asks_for_herself_and_an_officer_opens_one_for_a_founder,
    an_administrator_keeps_partners_and_their_staff,
);

/// Bát Tràng and Hoàn Kiếm.
const HERE: &str = "00577";
const THERE: &str = "00004";

struct World {
    org: Org,
    leader: Client,
    officer: Client,
    bank: (i64, Client),
    micro: (i64, Client),
}

async fn partner(app: &TestApp, name: &str, kind: PartnerKind, staff_login: &str) -> (i64, Client) {
    let id = cases::create_partner(
        app.db.conn(),
        &NewPartner {
            slug: ketnoi_domain::text::slugify(name),
            name: name.into(),
            kind,
            phone: None,
            email: None,
        },
    )
    .await
    .unwrap();
    let staff: User = app.user(staff_login, PlatformRole::User, None).await;
    cases::add_staff(app.db.conn(), id, staff.id).await.unwrap();
    (id, app.client_as(&staff).await)
}

async fn world(app: &TestApp) -> World {
    let org = app.cooperative("htx-lua-que", HERE).await;
    let leader = app.user("lan@example.com", PlatformRole::User, None).await;
    app.member(&org, &leader, MemberRole::Owner).await;
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, Some(HERE))
        .await;
    World {
        leader: app.client_as(&leader).await,
        officer: app.client_as(&officer).await,
        bank: partner(
            app,
            "Ngân hàng Chính sách xã hội",
            PartnerKind::Bank,
            "nhct@example.com",
        )
        .await,
        micro: partner(
            app,
            "Tổ chức tài chính vi mô TYM",
            PartnerKind::Microfinance,
            "tym@example.com",
        )
        .await,
        org,
    }
}

/// The leader asks for credit for her cooperative; the case's id.
async fn ask_credit(w: &World, amount: &str) -> i64 {
    let applicant = format!("org:{}", w.org.slug);
    let sent = w
        .leader
        .submit(
            "/support",
            "/support",
            &[
                ("applicant", applicant.as_str()),
                ("kind", "credit"),
                ("amount", amount),
                ("purpose", "Mua máy sấy nông sản"),
                ("term_months", "24"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let to = sent.location.unwrap();
    to.trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn step(c: &Client, id: i64, fields: &[(&str, &str)]) -> Page {
    c.submit(
        &format!("/cases/{id}"),
        &format!("/cases/{id}/steps"),
        fields,
    )
    .await
}

fn status_of(page: &Page) -> String {
    page.body
        .split("data-testid=\"case\" data-status=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

async fn a_credit_case_walks_to_disbursement_with_who_and_when_on_each_step(app: TestApp) {
    let w = world(&app).await;
    let id = ask_credit(&w, "50.000.000").await;
    let seen = w.leader.get(&format!("/cases/{id}")).await;
    assert_eq!(status_of(&seen), "requested");
    assert!(seen.body.contains("50.000.000 ₫"), "{}", seen.body);
    // The officer finds it in her queue and refers it to the bank.
    let queue = w.officer.get("/union/cases").await;
    assert!(
        queue.body.contains(&format!("href=\"/cases/{id}\"")),
        "{}",
        queue.body
    );
    let bank = w.bank.0.to_string();
    assert_eq!(
        step(&w.officer, id, &[("step", "refer"), ("partner_id", &bank)])
            .await
            .status,
        303
    );
    // The bank's desk lists it, waiting; the bank moves it on.
    let desk = w.bank.1.get("/partner").await;
    assert_eq!(desk.status, 200);
    assert!(
        desk.body.contains(&format!("href=\"/cases/{id}\"")),
        "{}",
        desk.body
    );
    assert_eq!(
        step(&w.bank.1, id, &[("step", "receive")]).await.status,
        303
    );
    assert_eq!(
        step(
            &w.bank.1,
            id,
            &[("step", "approve"), ("note", "Đủ điều kiện")]
        )
        .await
        .status,
        303
    );
    let done = step(
        &w.bank.1,
        id,
        &[
            ("step", "complete"),
            ("amount", "48.000.000"),
            ("done_on", "2026-12-05"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // The leader sees every step, who took it and when.
    let seen = w.leader.get(&format!("/cases/{id}")).await;
    assert_eq!(status_of(&seen), "done");
    assert!(
        seen.body.contains("48.000.000 ₫ · 05/12/2026"),
        "{}",
        seen.body
    );
    let steps: Vec<&str> = seen
        .body
        .split("data-testid=\"case-step\"")
        .skip(1)
        .collect();
    assert_eq!(
        steps.len(),
        5,
        "open, refer, receive, approve, disburse: {}",
        seen.body
    );
    for (s, want) in steps.iter().zip([
        "Gửi đề nghị",
        "Hội chuyển đối tác",
        "Đối tác nhận hồ sơ",
        "Đối tác duyệt",
        "Đã giải ngân",
    ]) {
        assert!(s.contains(want), "{want} in {s}");
        assert!(s.contains("Người dùng thử"), "who: {s}");
        assert!(s.contains("/2026 "), "when (Hanoi time): {s}");
    }
    assert!(steps[1].contains("Ngân hàng Chính sách xã hội"));
    // Nothing left for anyone to do: the leader's page offers no step.
    assert!(!seen.body.contains("data-testid=\"case-actions\""));
}

async fn a_step_someone_took_first_is_a_conflict_with_the_page_and_input_kept(app: TestApp) {
    let w = world(&app).await;
    let id = ask_credit(&w, "20000000").await;
    let bank = w.bank.0.to_string();
    // Two officers' tabs: the first refers, the second's form (loaded before) withdraws.
    let stale = w.officer.get(&format!("/cases/{id}")).await;
    assert!(stale.body.contains("data-testid=\"form-withdraw\""));
    assert_eq!(
        step(&w.officer, id, &[("step", "refer"), ("partner_id", &bank)])
            .await
            .status,
        303
    );
    assert_eq!(
        step(&w.bank.1, id, &[("step", "receive")]).await.status,
        303
    );
    let late = step(
        &w.officer,
        id,
        &[
            ("step", "withdraw"),
            ("note", "Chị ấy đổi ý, ghi chú của tôi"),
        ],
    )
    .await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(
        late.body.contains("data-testid=\"form-error\""),
        "{}",
        late.body
    );
    assert!(late.body.contains("data-testid=\"kept\""), "{}", late.body);
    assert!(late.body.contains("Chị ấy đổi ý, ghi chú của tôi"));
    assert_eq!(
        status_of(&late),
        "received",
        "the page shows the case as it now stands"
    );
    // A decline without its reason is refused beside the field, nothing moved.
    let no_reason = step(&w.bank.1, id, &[("step", "decline")]).await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(no_reason.body.contains("data-testid=\"error-note\""));
    // A step out of the partner's order (disburse before approving) is a 409 too.
    let early = step(
        &w.bank.1,
        id,
        &[("step", "complete"), ("amount", "20000000")],
    )
    .await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(
        status_of(&w.bank.1.get(&format!("/cases/{id}")).await),
        "received"
    );
}

async fn a_second_credit_referral_is_flagged_to_both_sides_without_details(app: TestApp) {
    let w = world(&app).await;
    let (bank, micro) = (w.bank.0.to_string(), w.micro.0.to_string());
    let first = ask_credit(&w, "30.000.000").await;
    step(
        &w.officer,
        first,
        &[("step", "refer"), ("partner_id", &bank)],
    )
    .await;
    step(&w.bank.1, first, &[("step", "receive")]).await;
    step(&w.bank.1, first, &[("step", "approve")]).await;
    step(
        &w.bank.1,
        first,
        &[("step", "complete"), ("amount", "30.000.000")],
    )
    .await;
    let second = ask_credit(&w, "15.000.000").await;
    // Before she acts, the officer is told, with the other case named (it is in her scope).
    let before = w.officer.get(&format!("/cases/{second}")).await;
    assert!(
        before.body.contains("data-testid=\"duplicate-officer\""),
        "{}",
        before.body
    );
    assert!(before.body.contains("vay trùng"));
    assert_eq!(
        step(
            &w.officer,
            second,
            &[("step", "refer"), ("partner_id", &micro)]
        )
        .await
        .status,
        303
    );
    // The microfinance institution is told that another case exists, and nothing of it.
    let flagged = w.micro.1.get(&format!("/cases/{second}")).await;
    assert_eq!(flagged.status, 200);
    assert!(
        flagged.body.contains("data-testid=\"duplicate-flag\""),
        "{}",
        flagged.body
    );
    assert!(
        !flagged.body.contains("Ngân hàng Chính sách"),
        "the other partner is not named"
    );
    assert!(!flagged.body.contains("30.000.000"), "nor its amount");
    assert!(!flagged.body.contains("data-testid=\"duplicate-officer\""));
    // And the bank cannot open the other case at all.
    assert_eq!(w.bank.1.get(&format!("/cases/{second}")).await.status, 404);
    // A first credit case carries no flag.
    let clean = w.bank.1.get(&format!("/cases/{first}")).await;
    assert!(!clean.body.contains("data-testid=\"duplicate-flag\""));
}

async fn nobody_but_the_applicant_her_officers_and_the_partner_sees_a_case(app: TestApp) {
    let w = world(&app).await;
    let id = ask_credit(&w, "10000000").await;
    let other_org = app.cooperative("htx-khac", THERE).await;
    let other_leader = app.user("khac@example.com", PlatformRole::User, None).await;
    app.member(&other_org, &other_leader, MemberRole::Owner)
        .await;
    let member = app
        .user("thanhvien@example.com", PlatformRole::User, None)
        .await;
    app.member(&w.org, &member, MemberRole::Member).await;
    let outsiders = [
        app.client_as(&other_leader).await,
        app.client_as(&member).await,
        app.client_as(
            &app.user(
                "officer-there@example.com",
                PlatformRole::UnionOfficer,
                Some(THERE),
            )
            .await,
        )
        .await,
        w.bank.1.clone(),
    ];
    for c in &outsiders {
        assert_eq!(c.get(&format!("/cases/{id}")).await.status, 404);
        let token = c.known_csrf();
        let posted = c
            .post_form(
                &format!("/cases/{id}/steps"),
                &[("csrf", &token), ("step", "withdraw")],
            )
            .await;
        assert_eq!(posted.status, 404, "{}", posted.body);
        assert!(
            !c.get("/support")
                .await
                .body
                .contains(&format!("/cases/{id}\""))
        );
    }
    // The city officer and an administrator see it; the partner's desk is staff's only.
    let city = app
        .user("city@example.com", PlatformRole::UnionOfficer, None)
        .await;
    assert_eq!(
        app.client_as(&city)
            .await
            .get(&format!("/cases/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(w.leader.get("/partner").await.status, 403);
    // The partner sees it once referred to her, not before.
    let bank = w.bank.0.to_string();
    step(&w.officer, id, &[("step", "refer"), ("partner_id", &bank)]).await;
    assert_eq!(w.bank.1.get(&format!("/cases/{id}")).await.status, 200);
    assert_eq!(w.micro.1.get(&format!("/cases/{id}")).await.status, 404);
    // Its conversation: the leader starts it, the partner's staff are in it.
    let token = w.leader.known_csrf();
    let conv = w
        .leader
        .post_form(&format!("/cases/{id}/conversation"), &[("csrf", &token)])
        .await;
    assert_eq!(conv.status, 303);
    let thread = conv.location.unwrap();
    assert_eq!(w.bank.1.get(&thread).await.status, 200);
    let token = w.micro.1.known_csrf();
    assert_eq!(
        w.micro
            .1
            .post_form(&format!("/cases/{id}/conversation"), &[("csrf", &token)])
            .await
            .status,
        404
    );
}

async fn a_household_business_asks_for_herself_and_an_officer_opens_one_for_a_founder(
    app: TestApp,
) {
    let w = world(&app).await;
    let owner = app.user("0912345678", PlatformRole::User, None).await;
    let c = app.client_as(&owner).await;
    // A mistake comes back beside its field with her text kept.
    let bad = c
        .submit(
            "/support",
            "/support",
            &[
                ("applicant", "household"),
                ("name", "Hộ bà Hoa"),
                ("commune_code", HERE),
                ("kind", "credit"),
                ("amount", "nhiều"),
                ("purpose", "Mở rộng xưởng"),
                ("term_months", "12"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("data-testid=\"error-amount\""));
    assert!(bad.body.contains("Mở rộng xưởng"));
    let ok = c
        .submit(
            "/support",
            "/support",
            &[
                ("applicant", "household"),
                ("name", "Hộ bà Hoa"),
                ("commune_code", HERE),
                ("kind", "credit"),
                ("amount", "25.000.000 đ"),
                ("purpose", "Mở rộng xưởng"),
                ("term_months", "12"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let mine = c.get("/support").await;
    assert_eq!(mine.body.matches("data-testid=\"case-line\"").count(), 1);
    assert!(mine.body.contains("Hộ bà Hoa"));
    // Her ward's officer sees it in her queue.
    assert!(
        w.officer
            .get("/union/cases")
            .await
            .body
            .contains("Hộ bà Hoa")
    );
    // The officer opens a founding case for a woman who came in person, in her ward.
    let opened = w
        .officer
        .submit(
            "/union/cases",
            "/union/cases",
            &[
                ("applicant", "founder"),
                ("name", "Nhóm se lụa Vạn Phúc"),
                ("phone", "0987654321"),
                ("kind", "founding"),
                ("purpose", "Thành lập THT dệt lụa"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let case = w.officer.get(opened.location.as_deref().unwrap()).await;
    assert!(case.body.contains("Nhóm se lụa Vạn Phúc"));
    assert_eq!(status_of(&case), "requested");
    // A cooperative outside her scope is refused.
    let far = app.cooperative("htx-xa", THERE).await;
    let refused = w
        .officer
        .submit(
            "/union/cases",
            "/union/cases",
            &[
                ("applicant", &format!("org:{}", far.slug)),
                ("kind", "legal"),
                ("purpose", "Tư vấn hợp đồng"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
}

async fn an_administrator_keeps_partners_and_their_staff(app: TestApp) {
    let admin = app
        .user("admin@example.com", PlatformRole::Admin, None)
        .await;
    let admin = app.client_as(&admin).await;
    let bad = admin
        .submit(
            "/admin/partners",
            "/admin/partners",
            &[
                ("name", "Quỹ Hỗ trợ phụ nữ"),
                ("kind", "fund"),
                ("email", "không-phải-thư"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("data-testid=\"error-email\""));
    assert!(bad.body.contains("Quỹ Hỗ trợ phụ nữ"), "her input is kept");
    let ok = admin
        .submit(
            "/admin/partners",
            "/admin/partners",
            &[
                ("name", "Quỹ Hỗ trợ phụ nữ"),
                ("kind", "fund"),
                ("phone", "024 3825 1234"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let twice = admin
        .submit(
            "/admin/partners",
            "/admin/partners",
            &[("name", "Quỹ Hỗ trợ phụ nữ"), ("kind", "fund")],
        )
        .await;
    assert_eq!(twice.status, 422, "the same name twice: {}", twice.body);
    let id = cases::partners(app.db.conn()).await.unwrap()[0].id;
    let staff = app.user("0987000111", PlatformRole::User, None).await;
    let unknown = admin
        .submit(
            "/admin/partners",
            &format!("/admin/partners/{id}/staff"),
            &[("login", "0987000999")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("data-testid=\"error-login\""));
    let added = admin
        .submit(
            "/admin/partners",
            &format!("/admin/partners/{id}/staff"),
            &[("login", "0987 000 111")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let her = app.client_as(&staff).await;
    let desk = her.get("/partner").await;
    assert_eq!(desk.status, 200);
    assert!(desk.body.contains("Quỹ Hỗ trợ phụ nữ"));
    assert!(
        desk.body.contains("data-testid=\"partner-link\""),
        "the header leads her there"
    );
    let removed = admin
        .submit(
            "/admin/partners",
            &format!("/admin/partners/{id}/staff/{}/remove", staff.id),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(her.get("/partner").await.status, 403);
}
