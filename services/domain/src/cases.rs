//! Support cases (issue 19): a cooperative, a household business led by a woman or a woman
//! starting one asks for support — credit, insurance, founding, brand, legal or accounting
//! advice — and the ward/commune officer refers the case to a partner (a bank, a
//! microfinance institution, a fund, an insurer…), which receives it, decides and records
//! what was disbursed or done. Every change of a case goes through [`next`]; the store
//! records each step with its actor and time.
//!
//! `requested → referred → received → approved → disbursed`, or `received → declined`
//! (after which the officer may refer it to another partner). Before a partner receives it,
//! the applicant or the officer may withdraw it.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What support is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A loan: amount, purpose, term.
    Credit,
    /// Agricultural insurance.
    Insurance,
    /// A group becoming a THT or an HTX, or a new HTX.
    Founding,
    /// Brand and trademark registration.
    Brand,
    Legal,
    Accounting,
}

impl CaseKind {
    pub const ALL: [CaseKind; 6] = [
        CaseKind::Credit,
        CaseKind::Insurance,
        CaseKind::Founding,
        CaseKind::Brand,
        CaseKind::Legal,
        CaseKind::Accounting,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Credit => "credit",
            CaseKind::Insurance => "insurance",
            CaseKind::Founding => "founding",
            CaseKind::Brand => "brand",
            CaseKind::Legal => "legal",
            CaseKind::Accounting => "accounting",
        }
    }
    pub fn parse(s: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kinds of partner organisation a case is referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// The Social Policy Bank, Agribank, other credit institutions.
    Bank,
    /// TYM and other microfinance institutions.
    Microfinance,
    /// The city's cooperative development fund and others.
    Fund,
    Insurer,
    /// The Cooperative Alliance.
    Alliance,
    /// A city department.
    Department,
    Trainer,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 7] = [
        PartnerKind::Bank,
        PartnerKind::Microfinance,
        PartnerKind::Fund,
        PartnerKind::Insurer,
        PartnerKind::Alliance,
        PartnerKind::Department,
        PartnerKind::Trainer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::Bank => "bank",
            PartnerKind::Microfinance => "microfinance",
            PartnerKind::Fund => "fund",
            PartnerKind::Insurer => "insurer",
            PartnerKind::Alliance => "alliance",
            PartnerKind::Department => "department",
            PartnerKind::Trainer => "trainer",
        }
    }
    pub fn parse(s: &str) -> Option<PartnerKind> {
        PartnerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Whether this kind of partner lends (its credit cases count toward duplicate lending).
    pub fn lends(self) -> bool {
        matches!(
            self,
            PartnerKind::Bank | PartnerKind::Microfinance | PartnerKind::Fund
        )
    }
}

/// Who applies: a cooperative (HTX, THT) has an organisation; the others are registered as
/// applicants of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A household business led by a woman (hộ kinh doanh).
    Household,
    /// A woman starting a business, or a group on its way to a THT or an HTX.
    Founder,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Household => "household",
            ApplicantKind::Founder => "founder",
        }
    }
    pub fn parse(s: &str) -> Option<ApplicantKind> {
        [ApplicantKind::Household, ApplicantKind::Founder]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Requested,
    Referred,
    Received,
    Approved,
    Declined,
    /// Credit disbursed, or the support given (a registration, advice): the end.
    Done,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Requested,
        Status::Referred,
        Status::Received,
        Status::Approved,
        Status::Declined,
        Status::Done,
        Status::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Referred => "referred",
            Status::Received => "received",
            Status::Approved => "approved",
            Status::Declined => "declined",
            Status::Done => "done",
            Status::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// With a partner and not yet ended: what duplicate lending looks at.
    pub fn is_with_partner(self) -> bool {
        matches!(self, Status::Referred | Status::Received | Status::Approved)
    }
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Withdrawn)
    }
    /// How long the one whose turn it is has, from the step that led here: the officer to
    /// refer a request, the partner to receive a referral, to decide, to disburse. Late
    /// cases are reminded, then escalated to the city.
    pub fn allowed_days(self) -> Option<u64> {
        match self {
            Status::Requested => Some(5),
            Status::Referred => Some(3),
            Status::Received => Some(10),
            Status::Approved => Some(15),
            Status::Declined | Status::Done | Status::Withdrawn => None,
        }
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Applicant,
    /// A Union officer with the case in her scope.
    Officer,
    /// Staff of the partner the case is referred to.
    Partner,
}

/// A change of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Refer,
    Receive,
    Approve,
    Decline,
    /// Disbursed (credit) or done (the others).
    Complete,
    Withdraw,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Refer,
        Step::Receive,
        Step::Approve,
        Step::Decline,
        Step::Complete,
        Step::Withdraw,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Refer => "refer",
            Step::Receive => "receive",
            Step::Approve => "approve",
            Step::Decline => "decline",
            Step::Complete => "complete",
            Step::Withdraw => "withdraw",
        }
    }
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The case is not where this step follows (someone else moved it first): a 409.
    OutOfOrder,
    /// This step is not hers to take.
    NotTheirs,
}

/// The status after `step` taken by `actor` on a case at `status`.
pub fn next(status: Status, step: Step, actor: Actor) -> Result<Status, Refused> {
    use Status as S;
    let (to, by): (Status, &[Actor]) = match (status, step) {
        (S::Requested | S::Declined, Step::Refer) => (S::Referred, &[Actor::Officer]),
        (S::Referred, Step::Receive) => (S::Received, &[Actor::Partner]),
        (S::Received, Step::Approve) => (S::Approved, &[Actor::Partner]),
        (S::Received, Step::Decline) => (S::Declined, &[Actor::Partner]),
        (S::Approved, Step::Complete) => (S::Done, &[Actor::Partner]),
        (S::Requested | S::Referred | S::Declined, Step::Withdraw) => {
            (S::Withdrawn, &[Actor::Applicant, Actor::Officer])
        }
        _ => return Err(Refused::OutOfOrder),
    };
    if by.contains(&actor) {
        Ok(to)
    } else {
        Err(Refused::NotTheirs)
    }
}

/// Another credit case of the same applicant, as duplicate lending sees it: with which
/// partner, where it stands, and when it was disbursed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditCase {
    pub case_id: i64,
    pub partner_id: Option<i64>,
    pub status: Status,
    pub done_on: Option<NaiveDate>,
}

/// Months after a disbursement during which a credit referral to another partner is
/// flagged.
pub const DUPLICATE_MONTHS: u32 = 12;

/// Whether referring a credit case to `partner_id` on `today` would lend twice: the same
/// applicant has a credit case with another partner that is still open with it, or was
/// disbursed in the last [`DUPLICATE_MONTHS`] months. `others` are her other credit cases.
pub fn duplicate_credit(others: &[CreditCase], partner_id: i64, today: NaiveDate) -> bool {
    let since = today
        .checked_sub_months(Months::new(DUPLICATE_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    others.iter().any(|c| {
        c.partner_id.is_some_and(|p| p != partner_id)
            && (c.status.is_with_partner()
                || (c.status == Status::Done && c.done_on.is_some_and(|d| d > since)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_case_walks_from_request_to_disbursement_each_step_by_its_actor() {
        let mut s = Status::Requested;
        for (step, actor, to) in [
            (Step::Refer, Actor::Officer, Status::Referred),
            (Step::Receive, Actor::Partner, Status::Received),
            (Step::Approve, Actor::Partner, Status::Approved),
            (Step::Complete, Actor::Partner, Status::Done),
        ] {
            s = next(s, step, actor).unwrap_or(Status::Withdrawn);
            assert_eq!(s, to);
        }
        assert!(s.is_final());
    }

    #[test]
    fn a_step_out_of_order_or_by_the_wrong_side_is_refused() {
        assert_eq!(
            next(Status::Requested, Step::Approve, Actor::Partner),
            Err(Refused::OutOfOrder)
        );
        assert_eq!(
            next(Status::Done, Step::Complete, Actor::Partner),
            Err(Refused::OutOfOrder)
        );
        assert_eq!(
            next(Status::Referred, Step::Receive, Actor::Officer),
            Err(Refused::NotTheirs)
        );
        assert_eq!(
            next(Status::Requested, Step::Refer, Actor::Applicant),
            Err(Refused::NotTheirs)
        );
        // Once a partner has it, the applicant cannot withdraw it from under her.
        assert_eq!(
            next(Status::Received, Step::Withdraw, Actor::Applicant),
            Err(Refused::OutOfOrder)
        );
        // A declined case may go to another partner.
        assert_eq!(
            next(Status::Declined, Step::Refer, Actor::Officer),
            Ok(Status::Referred)
        );
    }

    #[test]
    fn every_name_parses_back() {
        for k in CaseKind::ALL {
            assert_eq!(CaseKind::parse(k.as_str()), Some(k));
        }
        for k in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(k.as_str()), Some(k));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("paid"), None);
    }

    #[test]
    fn lending_twice_is_an_open_case_or_a_recent_disbursement_with_another_partner() {
        let today = day(2026, 12, 7);
        let case = |partner, status, done_on| CreditCase {
            case_id: 1,
            partner_id: Some(partner),
            status,
            done_on,
        };
        // Open with another partner.
        assert!(duplicate_credit(
            &[case(2, Status::Received, None)],
            1,
            today
        ));
        // The same partner again is not a second lender.
        assert!(!duplicate_credit(
            &[case(1, Status::Received, None)],
            1,
            today
        ));
        // Disbursed 11 months ago by another: flagged; 13 months ago: not.
        assert!(duplicate_credit(
            &[case(2, Status::Done, Some(day(2026, 1, 7)))],
            1,
            today
        ));
        assert!(!duplicate_credit(
            &[case(2, Status::Done, Some(day(2025, 11, 7)))],
            1,
            today
        ));
        // Declined or withdrawn elsewhere, or not yet referred: no loan there.
        for status in [Status::Declined, Status::Withdrawn, Status::Requested] {
            assert!(!duplicate_credit(&[case(2, status, None)], 1, today));
        }
    }
}
