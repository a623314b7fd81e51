//! The support-case use case on SQLite and PostgreSQL: each side acts only on what is hers,
//! a step out of order is a conflict that changes nothing, a second lender is flagged, and
//! each step sets the next one's deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../db/tests/common/mod.rs"]
mod common;

use chrono::Duration;
use ketnoi_app::cases::{StepInput, Who, take_step};
use ketnoi_app::error::Error;
use ketnoi_db::cases::{self, Applicant};
use ketnoi_db::{Db, orgs, users};
use ketnoi_domain::cases::{PartnerKind, Status, Step};
use ketnoi_domain::role::Scope;

on_both_backends!(each_side_acts_only_on_its_own_cases_in_order);

async fn each_side_acts_only_on_its_own_cases_in_order(db: &Db) {
    let org = orgs::upsert(db.conn(), &common::coop("a-1", "HTX Gạo"))
        .await
        .unwrap()
        .id;
    let user = |email: &'static str| {
        let db = db.clone();
        async move {
            users::insert(db.conn(), &common::new_user(Some(email), None))
                .await
                .unwrap()
                .id
        }
    };
    let (leader, officer, banker, other_banker) = (
        user("lan@example.com").await,
        user("canbo@example.com").await,
        user("nh@example.com").await,
        user("tym@example.com").await,
    );
    let bank = common::partner(db, "agribank", PartnerKind::Bank).await;
    let tym = common::partner(db, "tym", PartnerKind::Microfinance).await;
    let id = common::credit_case(db, Applicant::Org(org), 100_000_000).await;
    let applicant = Who::Applicant {
        user_id: leader,
        applicant: Applicant::Org(org),
    };
    let ward = Who::Officer {
        user_id: officer,
        scope: Scope::Commune("00577".into()),
    };
    let elsewhere = Who::Officer {
        user_id: officer,
        scope: Scope::Commune("00004".into()),
    };
    let bank_staff = Who::Partner {
        user_id: banker,
        partners: vec![bank],
    };
    let tym_staff = Who::Partner {
        user_id: other_banker,
        partners: vec![tym],
    };
    let now = ketnoi_db::now();
    let refer = |p| StepInput {
        partner_id: Some(p),
        ..StepInput::default()
    };

    // Only an officer refers, and only within her scope; the partner must be chosen.
    assert!(matches!(
        take_step(db, id, &applicant, Step::Refer, &refer(bank), now).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        take_step(db, id, &elsewhere, Step::Refer, &refer(bank), now).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        take_step(db, id, &ward, Step::Refer, &StepInput::default(), now).await,
        Err(Error::Validation(_))
    ));
    let case = take_step(db, id, &ward, Step::Refer, &refer(bank), now)
        .await
        .unwrap();
    assert_eq!(case.status, Status::Referred);
    assert!(!case.duplicate_flag);
    assert_eq!(case.due_at, Some(now + Duration::days(3)));

    // Another partner's staff do not see it; the bank's do.
    assert!(matches!(
        take_step(
            db,
            id,
            &tym_staff,
            Step::Receive,
            &StepInput::default(),
            now
        )
        .await,
        Err(Error::NotFound)
    ));
    take_step(
        db,
        id,
        &bank_staff,
        Step::Receive,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    // Out of order: a conflict, nothing stored.
    let before = cases::steps(db.conn(), id).await.unwrap().len();
    assert!(matches!(
        take_step(
            db,
            id,
            &bank_staff,
            Step::Complete,
            &StepInput::default(),
            now
        )
        .await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(cases::steps(db.conn(), id).await.unwrap().len(), before);
    take_step(
        db,
        id,
        &bank_staff,
        Step::Approve,
        &StepInput::default(),
        now,
    )
    .await
    .unwrap();
    // Disbursing a loan needs its amount.
    assert!(matches!(
        take_step(
            db,
            id,
            &bank_staff,
            Step::Complete,
            &StepInput::default(),
            now
        )
        .await,
        Err(Error::Validation(_))
    ));
    let done = take_step(
        db,
        id,
        &bank_staff,
        Step::Complete,
        &StepInput {
            amount_vnd: Some(90_000_000),
            ..StepInput::default()
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (done.status, done.done_amount_vnd, done.due_at),
        (Status::Done, Some(90_000_000), None)
    );

    // Her next loan, referred to another lender within 12 months: flagged to both sides.
    let second = common::credit_case(db, Applicant::Org(org), 100_000_000).await;
    let flagged = take_step(db, second, &ward, Step::Refer, &refer(tym), now)
        .await
        .unwrap();
    assert!(flagged.duplicate_flag);
    assert!(tym_staff.sees(&flagged));
    assert!(
        !bank_staff.sees(&flagged),
        "the other lender sees nothing of it"
    );
}
