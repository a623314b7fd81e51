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
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::cases::{Actor, CaseKind, Refused, Status, Step, duplicate_credit, next};
use ketnoi_domain::money::Vnd;
use ketnoi_domain::role::MemberRole;
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

/// Who `user` is to `case`, if she may see it: the applicant (an owner or manager of the
/// cooperative that applied, or the applicant's own account), the staff of the partner it
/// is referred to, or an officer (or administrator) whose scope covers it. The applicant
/// comes first: an officer who also runs the cooperative acts on it as its leader.
pub async fn who_for(db: &Db, user: &User, case: &Case) -> Result<Option<Who>> {
    let mine = match case.applicant {
        Applicant::Org(org_id) => matches!(
            ketnoi_db::orgs::member_role(db.conn(), org_id, user.id).await?,
            Some(MemberRole::Owner | MemberRole::Manager)
        ),
        Applicant::Other(id) => cases::applicant(db.conn(), id)
            .await?
            .is_some_and(|a| a.user_id == Some(user.id)),
    };
    if mine {
        return Ok(Some(Who::Applicant {
            user_id: user.id,
            applicant: case.applicant,
        }));
    }
    let partners: Vec<i64> = cases::partners_of(db.conn(), user.id)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let as_partner = Who::Partner {
        user_id: user.id,
        partners,
    };
    if as_partner.sees(case) {
        return Ok(Some(as_partner));
    }
    Ok(user
        .scope()
        .map(|scope| Who::Officer {
            user_id: user.id,
            scope,
        })
        .filter(|w| w.sees(case)))
}

/// Who a case is opened for, and by whom.
#[derive(Debug, Clone, PartialEq)]
pub enum For {
    /// A cooperative (HTX, THT), by its leader or by an officer within her scope.
    Org(Box<Org>),
    /// A household business or a woman starting one: an applicant record, registered by
    /// herself (`user_id`) or by an officer.
    Other(cases::OtherApplicant),
}

/// What is asked for, as the form sends it (already trimmed text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub kind: String,
    pub amount: String,
    pub purpose: String,
    pub term_months: String,
}

/// The largest loan a case may ask for: 10 billion đồng, beyond any programme the Union
/// refers to (a typo guard, not a policy).
pub const MAX_CREDIT_VND: i64 = 10_000_000_000;

/// Checks a request: a credit case needs its amount, purpose and term; the others a short
/// description of what is needed (in `purpose`).
pub fn check_request(
    r: &Request,
) -> std::result::Result<(CaseKind, Option<i64>, String, Option<i64>), FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = CaseKind::parse(r.kind.trim());
    if kind.is_none() {
        e.add("kind", Msg::new("err-invalid-choice"));
    }
    let purpose = match ketnoi_domain::text::optional_block(&r.purpose, 2000) {
        Ok(Some(p)) => Some(p),
        Ok(None) => {
            e.add("purpose", Msg::new("case-err-purpose"));
            None
        }
        Err(err) => {
            e.add("purpose", Msg::from(err));
            None
        }
    };
    let credit = kind == Some(CaseKind::Credit);
    let amount = match r.amount.trim() {
        "" if credit => {
            e.add("amount", Msg::new("case-err-request-amount"));
            None
        }
        "" => None,
        raw => match Vnd::parse(raw) {
            Some(Vnd(a)) if a <= MAX_CREDIT_VND => Some(a),
            _ => {
                e.add("amount", Msg::new("case-err-request-amount"));
                None
            }
        },
    };
    let term = match r.term_months.trim() {
        "" if credit => {
            e.add("term_months", Msg::new("case-err-term"));
            None
        }
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(m) if (1..=360).contains(&m) => Some(m),
            _ => {
                e.add("term_months", Msg::new("case-err-term"));
                None
            }
        },
    };
    match (kind, purpose) {
        (Some(k), Some(p)) if e.is_empty() => Ok((
            k,
            if credit { amount } else { None },
            p,
            if credit { term } else { None },
        )),
        _ => Err(e),
    }
}

/// Opens a case for `applicant`, asked by `by_user` (her own, or an officer's within her
/// scope: the caller has checked who may ask for whom); the officer's deadline to refer it
/// starts now. Returns the case id.
pub async fn open(
    db: &Db,
    applicant: &For,
    by_user: i64,
    request: &Request,
    at: DateTime<Utc>,
) -> Result<i64> {
    let (kind, amount_vnd, purpose, term_months) =
        check_request(request).map_err(Error::Validation)?;
    let (who, commune_code) = match applicant {
        For::Org(o) => (Applicant::Org(o.id), o.commune_code.clone()),
        For::Other(a) => (Applicant::Other(a.id), a.commune_code.clone()),
    };
    let due_at = Status::Requested
        .allowed_days()
        .and_then(|d| i64::try_from(d).ok())
        .map(|d| at + chrono::Duration::days(d));
    let mut tx = db.begin().await?;
    let id = cases::open(
        &mut tx,
        &cases::NewCase {
            kind,
            applicant: who,
            commune_code,
            amount_vnd,
            purpose: Some(purpose),
            term_months,
            opened_by: Some(by_user),
            due_at,
            at,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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
