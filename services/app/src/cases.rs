//! Support cases, the use case every page and the API go through to move one: who may act
//! on the case (the applicant on her own, an officer within her scope, the staff of the
//! partner it is referred to), the rule of which step follows which
//! (`ketnoi_domain::cases::next`), duplicate lending at referral, the deadline of whoever's
//! turn comes next, and the store's compare-and-set (someone who moved it first wins; the
//! other gets a conflict, her input kept by the page).

use crate::error::{Error, FieldErrors, Msg, Result};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_db::Db;
use ketnoi_db::cases::{self, Applicant, Case, Change};
use ketnoi_domain::cases::{Actor, CaseKind, Refused, Status, Step, duplicate_credit, next};
use ketnoi_domain::role::Scope;

/// Who is acting, and on whose behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Who {
    /// The applicant herself (her cooperative's owner or manager, or the applicant's user).
    Applicant { user_id: i64, applicant: Applicant },
    /// A Union officer, within her scope.
    Officer { user_id: i64, scope: Scope },
    /// Staff of these partners.
    Partner { user_id: i64, partners: Vec<i64> },
}

impl Who {
    fn user_id(&self) -> i64 {
        match self {
            Who::Applicant { user_id, .. }
            | Who::Officer { user_id, .. }
            | Who::Partner { user_id, .. } => *user_id,
        }
    }
    fn actor(&self) -> Actor {
        match self {
            Who::Applicant { .. } => Actor::Applicant,
            Who::Officer { .. } => Actor::Officer,
            Who::Partner { .. } => Actor::Partner,
        }
    }
    /// Whether she may see the case at all.
    pub fn sees(&self, case: &Case) -> bool {
        match self {
            Who::Applicant { applicant, .. } => case.applicant == *applicant,
            Who::Officer { scope, .. } => scope.covers(case.commune_code.as_deref()),
            Who::Partner { partners, .. } => case.partner_id.is_some_and(|p| partners.contains(&p)),
        }
    }
}

/// What a step brings besides itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepInput {
    /// Refer: the partner.
    pub partner_id: Option<i64>,
    /// Decline: why (required); otherwise a note.
    pub note: Option<String>,
    /// Complete a credit case: the amount disbursed (required).
    pub amount_vnd: Option<i64>,
    /// Complete: the day (default today in Hanoi).
    pub done_on: Option<NaiveDate>,
    /// Complete a founding case: the cooperative registered.
    pub founded_org_id: Option<i64>,
}

/// Takes `step` on case `case_id` as `who` at `at`; returns the case as it now stands.
pub async fn take_step(
    db: &Db,
    case_id: i64,
    who: &Who,
    step: Step,
    input: &StepInput,
    at: DateTime<Utc>,
) -> Result<Case> {
    let case = cases::case(db.conn(), case_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !who.sees(&case) {
        return Err(Error::NotFound);
    }
    let to = match next(case.status, step, who.actor()) {
        Ok(to) => to,
        Err(Refused::NotTheirs) => return Err(Error::Forbidden),
        Err(Refused::OutOfOrder) => return Err(out_of_order(case.status)),
    };
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let mut errors = FieldErrors::default();
    let mut duplicate_flag = None;
    match step {
        Step::Refer => match input.partner_id {
            None => errors.add("partner_id", Msg::new("case-err-partner")),
            Some(p) => {
                if !cases::partners(db.conn()).await?.iter().any(|x| x.id == p) {
                    errors.add("partner_id", Msg::new("case-err-partner"));
                } else if case.kind == CaseKind::Credit {
                    let others = cases::other_credit_cases(db.conn(), &case).await?;
                    duplicate_flag = Some(duplicate_credit(
                        &others,
                        p,
                        ketnoi_domain::time::today_hanoi(),
                    ));
                } else {
                    duplicate_flag = Some(false);
                }
            }
        },
        Step::Decline if note.is_none() => errors.add("note", Msg::new("case-err-reason")),
        Step::Complete
            if case.kind == CaseKind::Credit && input.amount_vnd.is_none_or(|a| a <= 0) =>
        {
            errors.add("amount_vnd", Msg::new("case-err-amount"));
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let done = to == Status::Done;
    let due_at = to
        .allowed_days()
        .and_then(|d| i64::try_from(d).ok())
        .map(|d| at + chrono::Duration::days(d));
    let change = Change {
        case_id,
        from: case.status,
        step,
        to,
        actor_id: Some(who.user_id()),
        partner_id: (step == Step::Refer).then_some(input.partner_id).flatten(),
        duplicate_flag,
        note,
        amount_vnd: done.then_some(input.amount_vnd).flatten(),
        done_on: done.then(|| {
            input
                .done_on
                .unwrap_or_else(ketnoi_domain::time::today_hanoi)
        }),
        founded_org_id: (done && case.kind == CaseKind::Founding)
            .then_some(input.founded_org_id)
            .flatten(),
        due_at,
        at,
    };
    let mut tx = db.begin().await?;
    if !cases::apply(&mut tx, &change).await? {
        drop(tx);
        let now = cases::case(db.conn(), case_id).await?.map(|c| c.status);
        return Err(out_of_order(now.unwrap_or(case.status)));
    }
    tx.commit().await?;
    cases::case(db.conn(), case_id)
        .await?
        .ok_or(Error::NotFound)
}

fn out_of_order(now: Status) -> Error {
    Error::Conflict(FieldErrors::single(
        "_form",
        Msg {
            key: "case-err-out-of-order",
            args: vec![("status", now.as_str().to_owned())],
        },
    ))
}
