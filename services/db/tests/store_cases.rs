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
    credit_figures_count_each_step_on_its_hanoi_day_with_its_partner,
    a_cooperative_founded_twice_over_counts_once_toward_the_plan,
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

// Figures for the plan

/// An instant in UTC.
fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
        .and_utc()
}

/// A credit case of `amount` đồng for a household in `commune`, opened at `at`.
async fn credit_in(db: &Db, commune: &str, amount: i64, at: chrono::DateTime<Utc>) -> i64 {
    let household = cases::create_applicant(
        db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Household,
            name: format!("Hộ kinh doanh {commune} {amount}"),
            user_id: None,
            phone: None,
            commune_code: Some(commune.into()),
            registered_by: None,
        },
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let id = cases::open(
        &mut tx,
        &NewCase {
            kind: CaseKind::Credit,
            applicant: Applicant::Other(household),
            commune_code: Some(commune.into()),
            amount_vnd: Some(amount),
            purpose: None,
            term_months: Some(12),
            opened_by: None,
            due_at: None,
            at,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn credit_figures_count_each_step_on_its_hanoi_day_with_its_partner(db: &Db) {
    use ketnoi_db::cases::CreditCounts;
    use ketnoi_domain::role::Scope;
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap()
        .id;
    let bank = partner(db, "agribank", PartnerKind::Bank).await;
    let tym = partner(db, "tym", PartnerKind::Microfinance).await;
    let refer = |p: i64, at| Change {
        partner_id: Some(p),
        duplicate_flag: Some(false),
        at,
        ..change()
    };
    let at = |at| Change { at, ..change() };
    let paid = |amount, on, at| Change {
        amount_vnd: Some(amount),
        done_on: Some(on),
        at,
        ..change()
    };
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();

    // In 00577: declined by the bank in March, then referred to TYM, which approves and pays
    // 40 million in April.
    let a = credit_in(db, "00577", 50_000_000, utc(2026, 3, 1, 2, 0)).await;
    take(
        db,
        a,
        Step::Refer,
        Actor::Officer,
        officer,
        refer(bank, utc(2026, 3, 2, 2, 0)),
    )
    .await;
    take(
        db,
        a,
        Step::Receive,
        Actor::Partner,
        officer,
        at(utc(2026, 3, 3, 2, 0)),
    )
    .await;
    take(
        db,
        a,
        Step::Decline,
        Actor::Partner,
        officer,
        at(utc(2026, 3, 10, 2, 0)),
    )
    .await;
    take(
        db,
        a,
        Step::Refer,
        Actor::Officer,
        officer,
        refer(tym, utc(2026, 3, 12, 2, 0)),
    )
    .await;
    take(
        db,
        a,
        Step::Receive,
        Actor::Partner,
        officer,
        at(utc(2026, 3, 13, 2, 0)),
    )
    .await;
    // 31 March 17:30 UTC is 1 April 00:30 in Hanoi: the second quarter's.
    take(
        db,
        a,
        Step::Approve,
        Actor::Partner,
        officer,
        at(utc(2026, 3, 31, 17, 30)),
    )
    .await;
    take(
        db,
        a,
        Step::Complete,
        Actor::Partner,
        officer,
        paid(40_000_000, day(4, 20), utc(2026, 4, 20, 3, 0)),
    )
    .await;
    // In 00004: referred to the bank on 31 March in Hanoi (16:59 UTC), approved, not paid.
    let b = credit_in(db, "00004", 100_000_000, utc(2026, 3, 30, 2, 0)).await;
    take(
        db,
        b,
        Step::Refer,
        Actor::Officer,
        officer,
        refer(bank, utc(2026, 3, 31, 16, 59)),
    )
    .await;
    take(
        db,
        b,
        Step::Receive,
        Actor::Partner,
        officer,
        at(utc(2026, 4, 1, 2, 0)),
    )
    .await;
    take(
        db,
        b,
        Step::Approve,
        Actor::Partner,
        officer,
        at(utc(2026, 4, 2, 2, 0)),
    )
    .await;
    // Still waiting in 00577: not a referral yet.
    credit_in(db, "00577", 9_000_000, utc(2026, 3, 5, 2, 0)).await;

    let counts =
        |referred, requested_vnd, approved, declined, disbursed, disbursed_vnd| CreditCounts {
            referred,
            requested_vnd,
            approved,
            declined,
            disbursed,
            disbursed_vnd,
        };
    let q1 = cases::credit_figures(db.conn(), &Scope::City, day(1, 1), day(3, 31))
        .await
        .unwrap();
    assert_eq!(
        q1.by_partner,
        vec![
            (bank, counts(2, 150_000_000, 0, 1, 0, 0)),
            (tym, counts(1, 50_000_000, 0, 0, 0, 0)),
        ]
    );
    assert_eq!(
        q1.by_commune,
        vec![
            ("00004".to_owned(), counts(1, 100_000_000, 0, 0, 0, 0)),
            ("00577".to_owned(), counts(2, 100_000_000, 0, 1, 0, 0)),
        ]
    );
    assert_eq!(q1.total, counts(3, 200_000_000, 0, 1, 0, 0));
    let q2 = cases::credit_figures(db.conn(), &Scope::City, day(4, 1), day(6, 30))
        .await
        .unwrap();
    assert_eq!(
        q2.by_partner,
        vec![
            (bank, counts(0, 0, 1, 0, 0, 0)),
            (tym, counts(0, 0, 1, 0, 1, 40_000_000)),
        ]
    );
    assert_eq!(q2.total, counts(0, 0, 2, 0, 1, 40_000_000));
    let year = cases::credit_figures(db.conn(), &Scope::City, day(1, 1), day(12, 31))
        .await
        .unwrap();
    assert_eq!(year.total, counts(3, 200_000_000, 2, 1, 1, 40_000_000));
    // A ward officer's scope: her ward's cases only.
    let ward = cases::credit_figures(
        db.conn(),
        &Scope::Commune("00004".into()),
        day(1, 1),
        day(12, 31),
    )
    .await
    .unwrap();
    assert_eq!(
        ward.by_partner,
        vec![(bank, counts(1, 100_000_000, 1, 0, 0, 0))]
    );
    assert_eq!(ward.by_commune.len(), 1);
    assert_eq!(ward.total, counts(1, 100_000_000, 1, 0, 0, 0));
    // Nothing the year before.
    let before = cases::credit_figures(
        db.conn(),
        &Scope::City,
        day(1, 1) - Duration::days(365),
        day(1, 1) - Duration::days(1),
    )
    .await
    .unwrap();
    assert_eq!(before, cases::CreditBreakdown::default());
}

async fn a_cooperative_founded_twice_over_counts_once_toward_the_plan(db: &Db) {
    use ketnoi_db::reports::{self, Grouping, TallyQuery};
    use ketnoi_db::support::{self, NewSupport};
    use ketnoi_domain::plan::SupportKind;
    use ketnoi_domain::report::Period;
    use ketnoi_domain::role::Scope;
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap()
        .id;
    let founded = orgs::upsert(db.conn(), &coop("c-5", "HTX Mây tre"))
        .await
        .unwrap()
        .id;
    let other = orgs::upsert(db.conn(), &coop("c-6", "HTX Gốm"))
        .await
        .unwrap()
        .slug;
    let alliance = partner(db, "lmhtx", PartnerKind::Alliance).await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let q = |year| TallyQuery {
        period: Period::annual(year),
        phase_start: day(2026, 1, 1),
        commune: None,
        sector: None,
        kind: None,
    };
    let plan = |year| async move {
        reports::tallies(db.conn(), &q(year), Grouping::Unit)
            .await
            .unwrap()
            .iter()
            .map(|(_, t)| t.htx_founded)
            .sum::<i64>()
    };
    let found = |on: NaiveDate| async move {
        let mut tx = db.begin().await.unwrap();
        let id = cases::open(
            &mut tx,
            &NewCase {
                kind: CaseKind::Founding,
                applicant: Applicant::Org(founded),
                commune_code: Some("00577".into()),
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
        tx.commit().await.unwrap();
        take(
            db,
            id,
            Step::Refer,
            Actor::Officer,
            officer,
            Change {
                partner_id: Some(alliance),
                ..change()
            },
        )
        .await;
        take(db, id, Step::Receive, Actor::Partner, officer, change()).await;
        take(db, id, Step::Approve, Actor::Partner, officer, change()).await;
        let before = reports::revision(db.conn()).await.unwrap();
        take(
            db,
            id,
            Step::Complete,
            Actor::Partner,
            officer,
            Change {
                done_on: Some(on),
                founded_org_id: Some(founded),
                ..change()
            },
        )
        .await;
        assert!(
            reports::revision(db.conn()).await.unwrap() > before,
            "the end of a founding case changes the plan"
        );
    };
    assert_eq!(plan(2026).await, 0);
    found(day(2026, 5, 4)).await;
    assert_eq!(plan(2026).await, 1);
    // Recorded again: a second case naming the same cooperative, and a support record.
    found(day(2026, 6, 1)).await;
    support::record(
        db,
        &NewSupport {
            org_id: founded,
            kind: SupportKind::Founding,
            since: day(2026, 5, 1),
            until: None,
            note: None,
        },
        officer,
    )
    .await
    .unwrap();
    assert_eq!(plan(2026).await, 1, "one cooperative, counted once");
    assert_eq!(plan(2027).await, 1, "still founded in the phase");
    let by_org = reports::tallies(db.conn(), &q(2026), Grouping::Org)
        .await
        .unwrap();
    let founded_of = |slug: &str| {
        by_org
            .iter()
            .filter(|(s, _)| s == slug)
            .map(|(_, t)| (t.htx, t.htx_founded))
            .collect::<Vec<_>>()
    };
    assert_eq!(founded_of("htx-may-tre"), vec![(1, 1)], "{by_org:?}");
    assert_eq!(founded_of(&other), vec![(1, 0)], "{by_org:?}");
    let in_year = cases::founded_in(db.conn(), &Scope::City, day(2026, 1, 1), day(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(in_year, cases::Founded { htx: 1, tht: 0 });
    let elsewhere = cases::founded_in(
        db.conn(),
        &Scope::Commune("00004".into()),
        day(2026, 1, 1),
        day(2026, 12, 31),
    )
    .await
    .unwrap();
    assert_eq!(elsewhere, cases::Founded::default());
    // Before the phase it does not count.
    assert_eq!(
        reports::tallies(
            db.conn(),
            &TallyQuery {
                phase_start: day(2023, 1, 1),
                ..q(2025)
            },
            Grouping::Unit
        )
        .await
        .unwrap()
        .iter()
        .map(|(_, t)| t.htx_founded)
        .sum::<i64>(),
        0
    );
}
