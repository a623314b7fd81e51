//! Support-case notices on SQLite and PostgreSQL: each step tells the right people once,
//! however often the worker passes; a late case reminds whoever's turn it is once, then the
//! city's officers once; a second loan is flagged to the partner without naming the other
//! one; an applicant known only by her phone is told on it; a withdrawal reaches the
//! applicant; a partner with no staff on Ketnoi is told at its own e-mail or mobile number.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../db/tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, Utc};
use ketnoi_app::case_notices::{Pass, run_due};
use ketnoi_app::cases::{StepInput, Who, take_step};
use ketnoi_db::cases::{self, Applicant, NewApplicant};
use ketnoi_db::outbox::{self, Message};
use ketnoi_db::users::NewUser;
use ketnoi_db::{Db, orgs, users};
use ketnoi_domain::Locale;
use ketnoi_domain::cases::{ApplicantKind, PartnerKind, Step};
use ketnoi_domain::role::{MemberRole, PlatformRole, Scope};

const SITE: &str = "https://ketnoi.example/";

/// Someone with an e-mail or a phone, a language and a role (an officer with her commune).
async fn person(
    db: &Db,
    email: Option<&str>,
    phone: Option<&str>,
    locale: Locale,
    officer_of: Option<Option<&str>>,
) -> i64 {
    users::insert(
        db.conn(),
        &NewUser {
            email,
            phone,
            display_name: "Nguyễn Thị Hoa",
            password_hash: "$argon2id$fake",
            locale,
            role: if officer_of.is_some() {
                PlatformRole::UnionOfficer
            } else {
                PlatformRole::User
            },
            officer_commune_code: officer_of.flatten(),
        },
    )
    .await
    .unwrap()
    .id
}

/// Everything queued for `to`, oldest first.
async fn inbox(db: &Db, to: &str) -> Vec<Message> {
    let mut m = outbox::for_recipient(db.conn(), to).await.unwrap();
    m.reverse();
    m
}

/// How many messages each of `people` has, in order.
async fn counts(db: &Db, people: &[&str]) -> Vec<usize> {
    let mut out = Vec::new();
    for p in people {
        out.push(inbox(db, p).await.len());
    }
    out
}

/// Runs the worker twice at `at`: the second pass must find nothing to do.
async fn pass_twice(db: &Db, at: DateTime<Utc>) -> Pass {
    let first = run_due(db, SITE, at).await.unwrap();
    assert_eq!(
        run_due(db, SITE, at).await.unwrap(),
        Pass::default(),
        "a second pass sends nothing again"
    );
    first
}

/// The cast: a cooperative in commune 00577 with an owner (e-mail, Vietnamese) and a manager
/// who signed up by phone (English); its ward's officer, another ward's officer and a city
/// officer; a bank with one staff member (English) and a microfinance institution with one.
struct Cast {
    org: i64,
    ward: i64,
    bank: i64,
    tym: i64,
    banker: i64,
    tym_staff: i64,
    owner: i64,
}

const OWNER: &str = "lan@example.com";
const MANAGER_PHONE: &str = "+84912000001";
const WARD: &str = "canbo@example.com";
const OTHER_WARD: &str = "canbo-khac@example.com";
const CITY: &str = "thanhpho@example.com";
const BANKER: &str = "banker@example.com";
const TYM: &str = "tym@example.com";

async fn cast(db: &Db) -> Cast {
    let org = orgs::upsert(db.conn(), &common::coop("a-1", "HTX Gạo Sạch"))
        .await
        .unwrap()
        .id;
    let owner = person(db, Some(OWNER), None, Locale::Vi, None).await;
    let manager = person(db, None, Some(MANAGER_PHONE), Locale::En, None).await;
    orgs::add_member(db.conn(), org, owner, MemberRole::Owner)
        .await
        .unwrap();
    orgs::add_member(db.conn(), org, manager, MemberRole::Manager)
        .await
        .unwrap();
    let ward = person(db, Some(WARD), None, Locale::Vi, Some(Some("00577"))).await;
    person(db, Some(OTHER_WARD), None, Locale::Vi, Some(Some("00004"))).await;
    person(db, Some(CITY), None, Locale::Vi, Some(None)).await;
    let banker = person(db, Some(BANKER), None, Locale::En, None).await;
    let tym_staff = person(db, Some(TYM), None, Locale::Vi, None).await;
    let bank = common::partner(db, "agribank", PartnerKind::Bank).await;
    let tym = common::partner(db, "tym", PartnerKind::Microfinance).await;
    cases::add_staff(db.conn(), bank, banker).await.unwrap();
    cases::add_staff(db.conn(), tym, tym_staff).await.unwrap();
    Cast {
        org,
        ward,
        bank,
        tym,
        banker,
        tym_staff,
        owner,
    }
}

impl Cast {
    fn officer(&self) -> Who {
        Who::Officer {
            user_id: self.ward,
            scope: Scope::Commune("00577".into()),
        }
    }
    fn partner(&self, partner: i64) -> Who {
        let user_id = if partner == self.bank {
            self.banker
        } else {
            self.tym_staff
        };
        Who::Partner {
            user_id,
            partners: vec![partner],
        }
    }
    fn applicant(&self) -> Who {
        Who::Applicant {
            user_id: self.owner,
            applicant: Applicant::Org(self.org),
        }
    }
}

fn refer(partner: i64) -> StepInput {
    StepInput {
        partner_id: Some(partner),
        ..StepInput::default()
    }
}

on_both_backends!(
    every_step_tells_the_right_people_once,
    a_withdrawal_and_a_refusal_reach_those_concerned,
    a_late_case_is_reminded_once_then_escalated_once,
    a_second_loan_is_flagged_to_the_partner_and_officer_without_naming_the_first_lender,
    an_applicant_known_only_by_her_phone_is_told_on_it,
    a_partner_with_no_staff_is_told_at_its_own_e_mail_or_mobile_number,
);

async fn every_step_tells_the_right_people_once(db: &Db) {
    let c = cast(db).await;
    let everyone = [OWNER, MANAGER_PHONE, WARD, OTHER_WARD, CITY, BANKER, TYM];
    let id = common::credit_case(db, Applicant::Org(c.org), 100_000_000).await;
    let now = ketnoi_db::now();

    // A request: its ward's officer only (not another ward's, not the city while the ward
    // has one).
    let p = pass_twice(db, now).await;
    assert_eq!((p.steps, p.messages), (1, 1));
    assert_eq!(counts(db, &everyone).await, [0, 0, 1, 0, 0, 0, 0]);
    let asked = &inbox(db, WARD).await[0];
    assert_eq!(
        (asked.kind.as_str(), asked.locale.as_str()),
        ("case_update", "vi")
    );
    assert_eq!(
        asked.subject,
        format!("Hồ sơ hỗ trợ #{id} (vay vốn): mới gửi")
    );
    assert!(
        asked.body.contains("HTX Gạo Sạch")
            && asked
                .body
                .contains(&format!("https://ketnoi.example/cases/{id}")),
        "{}",
        asked.body
    );

    // Referred by the officer: the bank's staff and the cooperative's owner and manager; the
    // officer who did it hears nothing of her own step.
    take_step(db, id, &c.officer(), Step::Refer, &refer(c.bank), now)
        .await
        .unwrap();
    let p = pass_twice(db, now).await;
    assert_eq!((p.steps, p.messages), (1, 3));
    assert_eq!(counts(db, &everyone).await, [1, 1, 1, 0, 0, 1, 0]);
    let to_bank = &inbox(db, BANKER).await[0];
    assert_eq!(to_bank.locale, "en");
    assert_eq!(
        to_bank.subject,
        format!("Support case #{id} (credit): referred to a partner")
    );
    assert!(
        to_bank.body.contains("Đối tác agribank") && to_bank.body.contains("within 3 days"),
        "{}",
        to_bank.body
    );
    assert!(
        !to_bank.body.contains("another partner"),
        "not flagged: {}",
        to_bank.body
    );
    // The manager signed up with her phone: told there, in her language.
    let to_manager = &inbox(db, MANAGER_PHONE).await[0];
    assert_eq!(
        (to_manager.kind.as_str(), to_manager.locale.as_str()),
        ("case_update", "en")
    );

    // Each of the partner's steps: the applicant's people and the officer who referred it.
    let steps = [
        (Step::Receive, StepInput::default(), "đối tác đã nhận"),
        (Step::Approve, StepInput::default(), "đã được duyệt"),
        (
            Step::Complete,
            StepInput {
                amount_vnd: Some(90_000_000),
                ..StepInput::default()
            },
            "đã hoàn thành",
        ),
    ];
    for (n, (step, input, status)) in steps.into_iter().enumerate() {
        take_step(db, id, &c.partner(c.bank), step, &input, now)
            .await
            .unwrap();
        let p = pass_twice(db, now).await;
        assert_eq!((p.steps, p.messages), (1, 3), "{step:?}");
        let k = n + 2;
        assert_eq!(
            counts(db, &everyone).await,
            [k, k, k, 0, 0, 1, 0],
            "{step:?}"
        );
        let last = inbox(db, OWNER).await.pop().unwrap();
        assert!(last.subject.ends_with(status), "{}", last.subject);
    }
    let disbursed = inbox(db, WARD).await.pop().unwrap();
    assert!(
        disbursed.body.contains("đã giải ngân 90.000.000 ₫"),
        "{}",
        disbursed.body
    );
}

async fn a_withdrawal_and_a_refusal_reach_those_concerned(db: &Db) {
    let c = cast(db).await;
    let now = ketnoi_db::now();
    // Referred to TYM, then withdrawn by the cooperative: TYM's staff and the ward's officer.
    let id = common::credit_case(db, Applicant::Org(c.org), 30_000_000).await;
    take_step(db, id, &c.officer(), Step::Refer, &refer(c.tym), now)
        .await
        .unwrap();
    pass_twice(db, now).await;
    let people = [OWNER, MANAGER_PHONE, WARD, TYM, BANKER, CITY];
    let before = counts(db, &people).await;
    take_step(
        db,
        id,
        &c.applicant(),
        Step::Withdraw,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    let p = pass_twice(db, now).await;
    assert_eq!((p.steps, p.messages), (1, 3));
    let after = counts(db, &people).await;
    assert_eq!(
        after,
        [
            before[0],
            before[1] + 1,
            before[2] + 1,
            before[3] + 1,
            before[4],
            before[5]
        ],
        "the owner withdrew it herself: her manager, the ward's officer and TYM are told"
    );
    let withdrawn = inbox(db, TYM).await.pop().unwrap();
    assert!(
        withdrawn.subject.ends_with("đã rút"),
        "{}",
        withdrawn.subject
    );
    let to_manager = inbox(db, MANAGER_PHONE).await.pop().unwrap();
    assert!(
        to_manager.subject.ends_with("withdrawn")
            && to_manager
                .body
                .contains("has been withdrawn. If you still need support"),
        "{}\n{}",
        to_manager.subject,
        to_manager.body
    );

    // A request the ward's officer withdraws: the cooperative's owner and manager are told
    // (no partner had it; the officer hears nothing of her own step).
    let id = common::credit_case(db, Applicant::Org(c.org), 10_000_000).await;
    pass_twice(db, now).await;
    let before = counts(db, &people).await;
    take_step(
        db,
        id,
        &c.officer(),
        Step::Withdraw,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    let p = pass_twice(db, now).await;
    assert_eq!((p.steps, p.messages), (1, 2));
    let after = counts(db, &people).await;
    assert_eq!(
        after,
        [
            before[0] + 1,
            before[1] + 1,
            before[2],
            before[3],
            before[4],
            before[5]
        ]
    );
    let to_owner = inbox(db, OWNER).await.pop().unwrap();
    assert_eq!(
        to_owner.subject,
        format!("Hồ sơ hỗ trợ #{id} (vay vốn): đã rút")
    );
    assert!(
        to_owner
            .body
            .contains("đã được rút. Nếu vẫn cần hỗ trợ, chị có thể gửi đề nghị mới trên Ketnoi.")
            && to_owner
                .body
                .contains(&format!("https://ketnoi.example/cases/{id}")),
        "{}",
        to_owner.body
    );

    // Declined by the bank: the applicant and the referring officer read why.
    let id = common::credit_case(db, Applicant::Org(c.org), 30_000_000).await;
    take_step(db, id, &c.officer(), Step::Refer, &refer(c.bank), now)
        .await
        .unwrap();
    take_step(
        db,
        id,
        &c.partner(c.bank),
        Step::Receive,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    take_step(
        db,
        id,
        &c.partner(c.bank),
        Step::Decline,
        &StepInput {
            note: Some("Chưa đủ tài sản bảo đảm".into()),
            ..StepInput::default()
        },
        now,
    )
    .await
    .unwrap();
    // Four steps since the last pass (open, refer, receive, decline), each told once.
    let p = pass_twice(db, now).await;
    assert_eq!(p.steps, 4);
    let declined = inbox(db, OWNER).await.pop().unwrap();
    assert!(
        declined.subject.ends_with("bị từ chối")
            && declined.body.contains("“Chưa đủ tài sản bảo đảm”"),
        "{}\n{}",
        declined.subject,
        declined.body
    );
    let to_officer = inbox(db, WARD).await.pop().unwrap();
    assert_eq!(to_officer.subject, declined.subject);
}

async fn a_late_case_is_reminded_once_then_escalated_once(db: &Db) {
    let c = cast(db).await;
    let now = ketnoi_db::now();
    let id = common::credit_case(db, Applicant::Org(c.org), 50_000_000).await;
    take_step(db, id, &c.officer(), Step::Refer, &refer(c.bank), now)
        .await
        .unwrap();
    pass_twice(db, now).await;
    let reminders = |db: &Db, to: &'static str| {
        let db = db.clone();
        async move {
            inbox(&db, to)
                .await
                .into_iter()
                .filter(|m| m.kind == "case_reminder")
                .collect::<Vec<_>>()
        }
    };

    // Not yet late: nothing.
    assert_eq!(
        pass_twice(db, now + Duration::days(3) - Duration::minutes(1)).await,
        Pass::default()
    );
    // Late: the bank, whose turn it is, is reminded once.
    let p = pass_twice(db, now + Duration::days(3) + Duration::hours(1)).await;
    assert_eq!((p.reminded, p.escalated, p.messages), (1, 0, 1));
    let r = reminders(db, BANKER).await;
    assert_eq!(r.len(), 1);
    assert!(
        r[0].subject
            .starts_with(&format!("Reminder: case #{id} (credit) is overdue")),
        "{}",
        r[0].subject
    );
    assert!(
        r[0].body
            .contains("is waiting for Đối tác agribank to confirm receipt"),
        "{}",
        r[0].body
    );
    assert!(reminders(db, CITY).await.is_empty());
    // Late by three days more: the city's officers, once; the bank is not reminded again.
    let p = pass_twice(db, now + Duration::days(6) + Duration::hours(1)).await;
    assert_eq!((p.reminded, p.escalated, p.messages), (0, 1, 1));
    let e = reminders(db, CITY).await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0].subject
            .starts_with(&format!("Hồ sơ #{id} (vay vốn) trễ hạn 3 ngày")),
        "{}",
        e[0].subject
    );
    assert!(e[0].body.contains("Xã Bát Tràng"), "{}", e[0].body);
    assert_eq!(
        pass_twice(db, now + Duration::days(30)).await,
        Pass::default(),
        "nothing more, however late"
    );
    assert_eq!(reminders(db, BANKER).await.len(), 1);
    assert!(reminders(db, WARD).await.is_empty());

    // The bank receives it: a new deadline, a new reminder once it passes.
    take_step(
        db,
        id,
        &c.partner(c.bank),
        Step::Receive,
        &StepInput::default(),
        now + Duration::days(30),
    )
    .await
    .unwrap();
    pass_twice(db, now + Duration::days(30)).await;
    let p = pass_twice(db, now + Duration::days(41)).await;
    assert_eq!((p.reminded, p.escalated), (1, 0));
    assert_eq!(reminders(db, BANKER).await.len(), 2);

    // A request nobody referred: its ward's officer is reminded.
    let requested = open_with_deadline(db, &c, now).await;
    pass_twice(db, now).await;
    let p = pass_twice(db, now + Duration::days(5) + Duration::hours(1)).await;
    assert_eq!(p.reminded, 1);
    let r = reminders(db, WARD).await;
    assert_eq!(r.len(), 1);
    assert!(
        r[0].subject.contains(&format!("#{requested}")),
        "{}",
        r[0].subject
    );
}

/// A request opened with the requested status's deadline (5 days), as a page opens one.
async fn open_with_deadline(db: &Db, c: &Cast, at: DateTime<Utc>) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = cases::open(
        &mut tx,
        &cases::NewCase {
            kind: ketnoi_domain::cases::CaseKind::Legal,
            applicant: Applicant::Org(c.org),
            commune_code: Some("00577".into()),
            amount_vnd: None,
            purpose: Some("Tư vấn hợp đồng".into()),
            term_months: None,
            opened_by: Some(c.owner),
            due_at: Some(at + Duration::days(5)),
            at,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn a_second_loan_is_flagged_to_the_partner_and_officer_without_naming_the_first_lender(
    db: &Db,
) {
    let c = cast(db).await;
    let now = ketnoi_db::now();
    let first = common::credit_case(db, Applicant::Org(c.org), 100_000_000).await;
    take_step(db, first, &c.officer(), Step::Refer, &refer(c.bank), now)
        .await
        .unwrap();
    let second = common::credit_case(db, Applicant::Org(c.org), 70_000_000).await;
    let flagged = take_step(db, second, &c.officer(), Step::Refer, &refer(c.tym), now)
        .await
        .unwrap();
    assert!(flagged.duplicate_flag);
    pass_twice(db, now).await;
    let to_tym = inbox(db, TYM).await.pop().unwrap();
    assert!(
        to_tym
            .body
            .contains("người đề nghị đang có một hồ sơ vay vốn khác với một đối tác khác"),
        "{}",
        to_tym.body
    );
    for secret in ["agribank", "100.000.000", "100000000"] {
        assert!(!to_tym.body.contains(secret), "{secret}: {}", to_tym.body);
    }
    // The applicant is not told of it.
    let to_owner = inbox(db, OWNER).await.pop().unwrap();
    assert!(!to_owner.body.contains("vay trùng"), "{}", to_owner.body);
    // TYM receives it: the referring officer's notice says so too.
    take_step(
        db,
        second,
        &c.partner(c.tym),
        Step::Receive,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    pass_twice(db, now).await;
    let to_officer = inbox(db, WARD).await.pop().unwrap();
    assert!(
        to_officer.body.contains("tránh cho vay trùng") && !to_officer.body.contains("agribank"),
        "{}",
        to_officer.body
    );
}

async fn an_applicant_known_only_by_her_phone_is_told_on_it(db: &Db) {
    let c = cast(db).await;
    let now = ketnoi_db::now();
    // A household business the officer registered with the phone she gave, no account.
    let household = cases::create_applicant(
        db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Household,
            name: "Hộ kinh doanh Trần Thị Mai".into(),
            user_id: None,
            phone: Some("0904 555 560".into()),
            commune_code: Some("00577".into()),
            registered_by: Some(c.ward),
        },
    )
    .await
    .unwrap();
    // A woman starting a business, whose account was made with a phone number only.
    let founder_user = person(db, None, Some("+84987000002"), Locale::Vi, None).await;
    let founder = cases::create_applicant(
        db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Founder,
            name: "Lê Thị Hạnh".into(),
            user_id: Some(founder_user),
            phone: Some("0911 000 003".into()),
            commune_code: Some("00577".into()),
            registered_by: None,
        },
    )
    .await
    .unwrap();
    for (applicant, phone) in [(household, "+84904555560"), (founder, "+84987000002")] {
        let id = common::credit_case(db, Applicant::Other(applicant), 20_000_000).await;
        take_step(db, id, &c.officer(), Step::Refer, &refer(c.bank), now)
            .await
            .unwrap();
        pass_twice(db, now).await;
        let got = inbox(db, phone).await;
        assert_eq!(got.len(), 1, "{phone}");
        assert_eq!(
            (got[0].kind.as_str(), got[0].locale.as_str()),
            ("case_update", "vi")
        );
        assert!(
            got[0].subject.ends_with("đã chuyển đối tác")
                && got[0]
                    .body
                    .contains(&format!("https://ketnoi.example/cases/{id}")),
            "{}\n{}",
            got[0].subject,
            got[0].body
        );
    }
    // Her account's phone, not the one written on her record.
    assert!(inbox(db, "+84911000003").await.is_empty());
}

/// A fund with its own phone and e-mail (as typed) and no staff on Ketnoi.
async fn partner_without_staff(
    db: &Db,
    slug: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> i64 {
    cases::create_partner(
        db.conn(),
        &cases::NewPartner {
            slug: slug.into(),
            name: format!("Quỹ {slug}"),
            kind: PartnerKind::Fund,
            phone: phone.map(str::to_owned),
            email: email.map(str::to_owned),
        },
    )
    .await
    .unwrap()
}

async fn a_partner_with_no_staff_is_told_at_its_own_e_mail_or_mobile_number(db: &Db) {
    let c = cast(db).await;
    let now = ketnoi_db::now();
    // An office with a landline and an e-mail: the e-mail. One with a mobile only: the
    // mobile. One with a landline only: nobody (no SMS to a landline), the step still told.
    let office = partner_without_staff(
        db,
        "quy-ha-noi",
        Some("024 3825 1234"),
        Some("quy@hanoi.example"),
    )
    .await;
    let mobile = partner_without_staff(db, "quy-xa", Some("0912 000 009"), None).await;
    let landline = partner_without_staff(db, "quy-huyen", Some("024 3825 5678"), None).await;
    let mut ids = Vec::new();
    for (partner, to) in [
        (office, Some("quy@hanoi.example")),
        (mobile, Some("+84912000009")),
        (landline, None),
    ] {
        let id = common::credit_case(db, Applicant::Org(c.org), 20_000_000).await;
        pass_twice(db, now).await;
        take_step(db, id, &c.officer(), Step::Refer, &refer(partner), now)
            .await
            .unwrap();
        let p = pass_twice(db, now).await;
        assert_eq!(p.steps, 1, "told once, whoever there was to tell");
        // The cooperative's owner and manager, and the partner when it can be reached.
        assert_eq!(p.messages, 2 + usize::from(to.is_some()), "{to:?}");
        if let Some(to) = to {
            let got = inbox(db, to).await;
            assert_eq!(got.len(), 1, "{to}");
            assert_eq!(
                (got[0].kind.as_str(), got[0].locale.as_str()),
                ("case_update", "vi")
            );
            assert!(
                got[0].subject.ends_with("đã chuyển đối tác")
                    && got[0]
                        .body
                        .contains(&format!("https://ketnoi.example/cases/{id}")),
                "{}\n{}",
                got[0].subject,
                got[0].body
            );
        }
        ids.push(id);
    }
    for never in [
        "02438251234",
        "+842438251234",
        "024 3825 1234",
        "024 3825 5678",
    ] {
        assert!(inbox(db, never).await.is_empty(), "{never}");
    }

    // Late: the partners that can be reached are reminded there.
    let p = pass_twice(db, now + Duration::days(3) + Duration::hours(1)).await;
    assert_eq!((p.reminded, p.messages), (3, 2));
    for to in ["quy@hanoi.example", "+84912000009"] {
        let got = inbox(db, to).await;
        assert_eq!(got.len(), 2, "{to}");
        assert_eq!(got[1].kind, "case_reminder");
    }

    // Withdrawn by the officer while the office had it: the office is told at its e-mail.
    take_step(
        db,
        ids[0],
        &c.officer(),
        Step::Withdraw,
        &StepInput::default(),
        now + Duration::days(4),
    )
    .await
    .unwrap();
    pass_twice(db, now + Duration::days(4)).await;
    let got = inbox(db, "quy@hanoi.example").await;
    assert_eq!(got.len(), 3);
    assert!(got[2].subject.ends_with("đã rút"), "{}", got[2].subject);
}
