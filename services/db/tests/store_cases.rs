//! Store tests for partners and support cases: a credit case walks from request to
//! disbursement with who and when on each step; a step on a case someone else moved first
//! stores nothing; duplicate lending looks at the applicant's other credit cases; a founded
//! cooperative counts once; on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{coop, credit_case as credit, new_user, partner};

use chrono::{Duration, NaiveDate, Utc};
use ketnoi_db::cases::{self, Applicant, Change, NewApplicant, NewCase};
use ketnoi_db::{Db, orgs, users};
use ketnoi_domain::cases::{
    Actor, ApplicantKind, CaseKind, PartnerKind, Status, Step, duplicate_credit, next,
};

on_both_backends!(
    a_credit_case_walks_to_disbursement_with_each_actor,
    a_step_on_a_case_moved_first_stores_nothing,
    a_second_lender_within_twelve_months_is_flagged,
    a_founded_cooperative_counts_once,
);

/// Takes `step` as `actor` (user `by`) through the rule and the store, as the use case does.
async fn take(db: &Db, id: i64, step: Step, actor: Actor, by: i64, change: Change<'_>) -> Status {
    let case = cases::case(db.conn(), id).await.unwrap().unwrap();
    let to = next(case.status, step, actor).unwrap();
    let mut tx = db.begin().await.unwrap();
    let stored = cases::apply(
        &mut tx,
        &Change {
            case_id: id,
            from: case.status,
            step,
            to,
            actor_id: Some(by),
            ..change
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(stored, "{step:?} on case {id}");
    to
}

fn change<'a>() -> Change<'a> {
    Change {
        case_id: 0,
        from: Status::Requested,
        step: Step::Refer,
        to: Status::Referred,
        actor_id: None,
        partner_id: None,
        duplicate_flag: None,
        note: None,
        amount_vnd: None,
        done_on: None,
        founded_org_id: None,
        due_at: None,
        at: ketnoi_db::now(),
    }
}

async fn a_credit_case_walks_to_disbursement_with_each_actor(db: &Db) {
    let org = orgs::upsert(db.conn(), &coop("c-1", "HTX Rau sạch"))
        .await
        .unwrap()
        .id;
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap()
        .id;
    let banker = users::insert(db.conn(), &new_user(Some("nh@example.com"), None))
        .await
        .unwrap()
        .id;
    let bank = partner(db, "agribank", PartnerKind::Bank).await;
    cases::add_staff(db.conn(), bank, banker).await.unwrap();
    cases::add_staff(db.conn(), bank, banker).await.unwrap();
    assert_eq!(
        cases::partners_of(db.conn(), banker).await.unwrap()[0].id,
        bank
    );
    assert!(
        cases::partners_of(db.conn(), officer)
            .await
            .unwrap()
            .is_empty()
    );

    let id = credit(db, Applicant::Org(org), 200_000_000).await;
    let due = ketnoi_db::now() + Duration::days(3);
    take(
        db,
        id,
        Step::Refer,
        Actor::Officer,
        officer,
        Change {
            partner_id: Some(bank),
            duplicate_flag: Some(false),
            due_at: Some(due),
            ..change()
        },
    )
    .await;
    let referred = cases::case(db.conn(), id).await.unwrap().unwrap();
    assert_eq!(
        (referred.status, referred.partner_id, referred.due_at),
        (Status::Referred, Some(bank), Some(due))
    );
    take(db, id, Step::Receive, Actor::Partner, banker, change()).await;
    take(db, id, Step::Approve, Actor::Partner, banker, change()).await;
    let paid_on = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    take(
        db,
        id,
        Step::Complete,
        Actor::Partner,
        banker,
        Change {
            amount_vnd: Some(180_000_000),
            done_on: Some(paid_on),
            ..change()
        },
    )
    .await;

    let done = cases::case(db.conn(), id).await.unwrap().unwrap();
    assert_eq!(done.status, Status::Done);
    assert_eq!(
        (done.done_amount_vnd, done.done_on, done.due_at),
        (Some(180_000_000), Some(paid_on), None)
    );
    assert_eq!(done.amount_vnd, Some(200_000_000), "what was asked stays");
    let steps = cases::steps(db.conn(), id).await.unwrap();
    assert_eq!(
        steps
            .iter()
            .map(|s| (s.step.as_str(), s.actor_id))
            .collect::<Vec<_>>(),
        vec![
            ("open", None),
            ("refer", Some(officer)),
            ("receive", Some(banker)),
            ("approve", Some(banker)),
            ("complete", Some(banker)),
        ]
    );
    assert_eq!(steps[4].amount_vnd, Some(180_000_000));
    assert!(steps.iter().all(|s| s.at <= Utc::now()));
    assert_eq!(steps[1].actor_name.as_deref(), Some("Nguyễn Thị Lan"));
    // The partner's list and the applicant's.
    assert_eq!(
        cases::of_partner(db.conn(), bank, 10).await.unwrap()[0].id,
        id
    );
    assert_eq!(
        cases::of_applicant(db.conn(), Applicant::Org(org))
            .await
            .unwrap()
            .len(),
        1
    );
    let figures = cases::credit_by_partner(
        db.conn(),
        Utc::now() - Duration::days(1),
        Utc::now() + Duration::days(1),
    )
    .await
    .unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(
        (
            figures[0].partner_id,
            figures[0].referred,
            figures[0].approved,
            figures[0].disbursed,
            figures[0].disbursed_vnd
        ),
        (bank, 1, 1, 1, 180_000_000)
    );
}

async fn a_step_on_a_case_moved_first_stores_nothing(db: &Db) {
    let org = orgs::upsert(db.conn(), &coop("c-2", "HTX Chè"))
        .await
        .unwrap()
        .id;
    let bank = partner(db, "vbsp", PartnerKind::Bank).await;
    let id = credit(db, Applicant::Org(org), 50_000_000).await;
    let mut tx = db.begin().await.unwrap();
    let first = cases::apply(
        &mut tx,
        &Change {
            case_id: id,
            partner_id: Some(bank),
            ..change()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(first);
    // A second officer who saw it as requested refers it too: refused, nothing stored.
    let other = partner(db, "tym", PartnerKind::Microfinance).await;
    let mut tx = db.begin().await.unwrap();
    let second = cases::apply(
        &mut tx,
        &Change {
            case_id: id,
            partner_id: Some(other),
            ..change()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!second);
    let case = cases::case(db.conn(), id).await.unwrap().unwrap();
    assert_eq!(case.partner_id, Some(bank));
    assert_eq!(cases::steps(db.conn(), id).await.unwrap().len(), 2);
    // The rule refuses a step out of order before the store is asked.
    assert!(next(case.status, Step::Complete, Actor::Partner).is_err());
}

async fn a_second_lender_within_twelve_months_is_flagged(db: &Db) {
    let household = cases::create_applicant(
        db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Household,
            name: "Hộ kinh doanh Lê Thị Hoa".into(),
            user_id: None,
            phone: Some("84912345678".into()),
            commune_code: Some("00577".into()),
            registered_by: None,
        },
    )
    .await
    .unwrap();
    let bank = partner(db, "agribank-2", PartnerKind::Bank).await;
    let tym = partner(db, "tym-2", PartnerKind::Microfinance).await;
    let first = credit(db, Applicant::Other(household), 30_000_000).await;
    let mut tx = db.begin().await.unwrap();
    cases::apply(
        &mut tx,
        &Change {
            case_id: first,
            partner_id: Some(bank),
            ..change()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Her second request, referred to another lender while the first is with the bank.
    let second = credit(db, Applicant::Other(household), 20_000_000).await;
    let case = cases::case(db.conn(), second).await.unwrap().unwrap();
    let others = cases::other_credit_cases(db.conn(), &case).await.unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].case_id, first);
    let today = Utc::now().date_naive();
    assert!(duplicate_credit(&others, tym, today));
    assert!(
        !duplicate_credit(&others, bank, today),
        "the same lender is not a second one"
    );
    let mut tx = db.begin().await.unwrap();
    cases::apply(
        &mut tx,
        &Change {
            case_id: second,
            partner_id: Some(tym),
            duplicate_flag: Some(true),
            ..change()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        cases::case(db.conn(), second)
            .await
            .unwrap()
            .unwrap()
            .duplicate_flag
    );
    // Another applicant's cases are not hers.
    let org = orgs::upsert(db.conn(), &coop("c-3", "HTX Nấm"))
        .await
        .unwrap()
        .id;
    let theirs = credit(db, Applicant::Org(org), 10_000_000).await;
    let theirs = cases::case(db.conn(), theirs).await.unwrap().unwrap();
    assert!(
        cases::other_credit_cases(db.conn(), &theirs)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_founded_cooperative_counts_once(db: &Db) {
    let founded = orgs::upsert(db.conn(), &coop("c-4", "HTX Mới"))
        .await
        .unwrap()
        .id;
    let group = cases::create_applicant(
        db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Founder,
            name: "Tổ hợp tác Dệt Vạn Phúc".into(),
            user_id: None,
            phone: None,
            commune_code: Some("00577".into()),
            registered_by: None,
        },
    )
    .await
    .unwrap();
    let alliance = partner(db, "lmhtx", PartnerKind::Alliance).await;
    let on = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    // Two founding cases end naming the same cooperative (the second one a correction).
    for _ in 0..2 {
        let mut tx = db.begin().await.unwrap();
        let id = cases::open(
            &mut tx,
            &NewCase {
                kind: CaseKind::Founding,
                applicant: Applicant::Other(group),
                commune_code: None,
                amount_vnd: None,
                purpose: None,
                term_months: None,
                opened_by: None,
                due_at: None,
                at: ketnoi_db::now(),
            },
        )
        .await
        .unwrap();
        for (from, step, to) in [
            (Status::Requested, Step::Refer, Status::Referred),
            (Status::Referred, Step::Receive, Status::Received),
            (Status::Received, Step::Approve, Status::Approved),
            (Status::Approved, Step::Complete, Status::Done),
        ] {
            let done = to == Status::Done;
            assert!(
                cases::apply(
                    &mut tx,
                    &Change {
                        case_id: id,
                        from,
                        step,
                        to,
                        partner_id: (step == Step::Refer).then_some(alliance),
                        done_on: done.then_some(on),
                        founded_org_id: done.then_some(founded),
                        ..change()
                    }
                )
                .await
                .unwrap()
            );
        }
        tx.commit().await.unwrap();
    }
    let year = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    assert_eq!(
        cases::founded_count(db.conn(), year(1, 1), year(12, 31))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        cases::founded_count(db.conn(), year(11, 1), year(12, 31))
            .await
            .unwrap(),
        0
    );
}
