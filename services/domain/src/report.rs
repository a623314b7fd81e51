//! A cooperative's periodic report to the Union (the plan's six-monthly and annual reports):
//! its periods and deadlines, its figures and their rules, the states it moves through, and
//! how small counts of sensitive groups are shown above the cooperative and her officer.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Six-monthly (the first half) or annual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    Half,
    Year,
}

/// A reporting period: `2026-h1` (six-monthly) or `2026-y` (annual).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
}

/// The first year the plan reports on.
pub const FIRST_YEAR: i32 = 2023;

/// When each period's report is due, as a month and day of the period's year. The plan's
/// dates are the defaults: the six-monthly report by 15 June, the annual one before
/// 30 October (for the city's yearly review).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub half: (u32, u32),
    pub year: (u32, u32),
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            half: (6, 15),
            year: (10, 30),
        }
    }
}

impl Deadlines {
    /// `"06-15"` (month-day), as configuration writes a deadline.
    pub fn parse_day(raw: &str) -> Option<(u32, u32)> {
        let (m, d) = raw.trim().split_once('-')?;
        let (m, d) = (m.parse().ok()?, d.parse().ok()?);
        // Any year that has the day (29 February is refused: not every year has it).
        NaiveDate::from_ymd_opt(2025, m, d).map(|_| (m, d))
    }
}

impl Period {
    pub fn half(year: i32) -> Period {
        Period {
            year,
            kind: PeriodKind::Half,
        }
    }
    pub fn annual(year: i32) -> Period {
        Period {
            year,
            kind: PeriodKind::Year,
        }
    }

    /// `2026-h1` or `2026-y`, within the plan's years.
    pub fn parse(s: &str) -> Option<Period> {
        let (y, k) = s.split_once('-')?;
        let year: i32 = y.parse().ok().filter(|y| (FIRST_YEAR..=2100).contains(y))?;
        if y.len() != 4 {
            return None;
        }
        match k {
            "h1" => Some(Period::half(year)),
            "y" => Some(Period::annual(year)),
            _ => None,
        }
    }

    /// The first day the period's figures are about.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day the period's figures are about.
    pub fn end(self) -> NaiveDate {
        let (m, d) = match self.kind {
            PeriodKind::Half => (6, 30),
            PeriodKind::Year => (12, 31),
        };
        NaiveDate::from_ymd_opt(self.year, m, d).unwrap_or(NaiveDate::MAX)
    }

    /// The day the report is due.
    pub fn deadline(self, d: &Deadlines) -> NaiveDate {
        let (m, day) = match self.kind {
            PeriodKind::Half => d.half,
            PeriodKind::Year => d.year,
        };
        NaiveDate::from_ymd_opt(self.year, m, day).unwrap_or_else(|| self.end())
    }

    /// Every period from the plan's first year to `today`'s year, oldest first.
    pub fn until(today: NaiveDate) -> Vec<Period> {
        (FIRST_YEAR..=today.year().max(FIRST_YEAR))
            .flat_map(|y| [Period::half(y), Period::annual(y)])
            .collect()
    }

    /// The period a dashboard opens on: the latest whose deadline has passed, else the first.
    pub fn latest_due(today: NaiveDate, d: &Deadlines) -> Period {
        Period::until(today)
            .into_iter()
            .rev()
            .find(|p| p.deadline(d) < today)
            .unwrap_or(Period::half(FIRST_YEAR))
    }

    /// The period a page or the API asked for (`raw`), if it is one of the plan's up to
    /// this year; otherwise the latest past its deadline.
    pub fn chosen(raw: &str, today: NaiveDate, d: &Deadlines) -> Period {
        Period::parse(raw)
            .filter(|p| p.year <= today.year())
            .unwrap_or_else(|| Period::latest_due(today, d))
    }

    /// The Fluent key of the period's name (its argument is `year`).
    pub fn label_key(self) -> &'static str {
        match self.kind {
            PeriodKind::Half => "period-half",
            PeriodKind::Year => "period-year",
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Half => write!(f, "{}-h1", self.year),
            PeriodKind::Year => write!(f, "{}-y", self.year),
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Being written; only the cooperative (and her proxy officer) sees it.
    Draft,
    /// Sent to her ward/commune officer.
    Submitted,
    /// Sent back by the officer with a comment, to correct.
    Returned,
    /// Accepted by the officer: frozen, and counted. A correction is a new version.
    Accepted,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Accepted => "accepted",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        match s {
            "draft" => Some(State::Draft),
            "submitted" => Some(State::Submitted),
            "returned" => Some(State::Returned),
            "accepted" => Some(State::Accepted),
            _ => None,
        }
    }
}

/// What someone does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The cooperative saves her figures without sending them.
    Save,
    /// The cooperative sends her figures to her officer.
    Submit,
    /// The officer sends them back with a comment.
    Return,
    /// The officer accepts them.
    Accept,
}

/// Why an action does not apply to a report in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the report was accepted; a change is a correction (a new version)")]
    Accepted,
    #[error("the report was submitted and waits for the officer")]
    Submitted,
    #[error("the report has not been submitted")]
    NotSubmitted,
    /// Someone else changed it between reading and writing.
    #[error("the report was changed meanwhile")]
    Changed,
}

impl Refused {
    pub fn key(self) -> &'static str {
        match self {
            Refused::Accepted => "err-report-accepted",
            Refused::Submitted => "err-report-submitted",
            Refused::NotSubmitted => "err-report-not-submitted",
            Refused::Changed => "err-report-changed",
        }
    }
}

impl State {
    /// The state after `action`, or why it does not apply. Saving a returned report keeps
    /// it returned (with the officer's comment) until it is submitted again.
    pub fn after(self, action: Action) -> Result<State, Refused> {
        use State::*;
        match (self, action) {
            (Accepted, _) => Err(Refused::Accepted),
            (Draft | Returned, Action::Save) => Ok(self),
            (Draft | Returned, Action::Submit) => Ok(Submitted),
            (Submitted, Action::Save | Action::Submit) => Err(Refused::Submitted),
            (Submitted, Action::Return) => Ok(Returned),
            (Submitted, Action::Accept) => Ok(Accepted),
            (Draft | Returned, Action::Return | Action::Accept) => Err(Refused::NotSubmitted),
        }
    }
}

/// Whether a report (a cooperative's or a unit's) in `state` is late on `today`: from the
/// day after its deadline, until it is submitted.
pub fn is_late(today: NaiveDate, deadline: NaiveDate, state: Option<State>) -> bool {
    today > deadline && !matches!(state, Some(State::Submitted | State::Accepted))
}

/// The groups of women workers the plan asks about, counted per cooperative and period and
/// never recorded per person (Decree 13/2023/NĐ-CP; the Personal Data Protection Law).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// From poor or near-poor households.
    Poor,
    EthnicMinority,
    Disability,
    /// From areas where farmland was converted.
    LandConversion,
    /// Laid off from industrial zones.
    LaidOff,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Poor,
        Group::EthnicMinority,
        Group::Disability,
        Group::LandConversion,
        Group::LaidOff,
    ];
    /// The column and form field of its count.
    pub fn field(self) -> &'static str {
        match self {
            Group::Poor => "poor_women",
            Group::EthnicMinority => "minority_women",
            Group::Disability => "disabled_women",
            Group::LandConversion => "land_women",
            Group::LaidOff => "laid_off_women",
        }
    }
}

/// How a count of a sensitive group is shown: exactly to the cooperative and her ward or
/// commune's officer, and above them (the city, exports, the API) counts from 1 to 4 as
/// "<5", so that no woman can be singled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Exact(i64),
    FewerThanFive,
}

impl Shown {
    pub fn of(n: i64, exact: bool) -> Shown {
        if !exact && (1..5).contains(&n) {
            Shown::FewerThanFive
        } else {
            Shown::Exact(n)
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Exact(n) => write!(f, "{n}"),
            Shown::FewerThanFive => f.write_str("<5"),
        }
    }
}

/// The figures of one report. `None` is a field left blank (allowed in a draft).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub members_total: Option<i64>,
    pub members_women: Option<i64>,
    pub workers_total: Option<i64>,
    pub workers_women: Option<i64>,
    /// Women in management, by position.
    pub chair_women: Option<i64>,
    pub board_women: Option<i64>,
    pub director_women: Option<i64>,
    pub supervisors_women: Option<i64>,
    pub accountant_women: Option<i64>,
    /// Women managers with a director's, accountant's or controller's certificate.
    pub managers_certified: Option<i64>,
    /// Members given vocational or technical training.
    pub members_vocational: Option<i64>,
    /// Members trained in e-commerce.
    pub members_ecommerce: Option<i64>,
    pub jobs_created: Option<i64>,
    /// Whole đồng.
    pub charter_capital: Option<i64>,
    pub revenue: Option<i64>,
    /// May be negative (a loss).
    pub profit: Option<i64>,
    /// Counts of women workers per [`Group`], in [`Group::ALL`]'s order.
    pub groups: [Option<i64>; 5],
    pub difficulties: Option<String>,
    pub needs: Option<String>,
}

/// A cooperative's figures for a period from a spreadsheet (the Union's own records of
/// past years), keyed by the cooperative's `external_id`, registration number or slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub cooperative: String,
    pub period: Period,
    pub figures: Figures,
}

/// A field of [`Figures`], by its column and form name.
pub type Field = &'static str;

/// The largest count of people a report holds.
pub const MAX_PEOPLE: i64 = 1_000_000;
/// The largest sum of money a report holds (a thousand trillion đồng).
pub const MAX_DONG: i64 = 1_000_000_000_000_000;

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Needed to submit.
    Required,
    /// Out of its range (a negative count, more than a million people, …).
    Number,
    /// More women than the total.
    MoreWomenThanTotal,
    /// A group's count above the women workers.
    OverWomenWorkers,
    /// Trained members above all members.
    OverMembers,
    /// Certified managers above the women in management.
    OverManagers,
}

impl Invalid {
    pub fn key(self) -> &'static str {
        match self {
            Invalid::Required => "err-required",
            Invalid::Number => "err-invalid-number",
            Invalid::MoreWomenThanTotal => "err-report-women-total",
            Invalid::OverWomenWorkers => "err-report-over-women-workers",
            Invalid::OverMembers => "err-report-over-members",
            Invalid::OverManagers => "err-report-over-managers",
        }
    }
}

/// The report's problems, at most one per field, in the form's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<(Field, Invalid)>);

impl Problems {
    fn add(&mut self, f: Field, i: Invalid) {
        if !self.0.iter().any(|(g, _)| *g == f) {
            self.0.push((f, i));
        }
    }
}

impl Figures {
    /// Women in management, all positions together.
    pub fn women_managers(&self) -> Option<i64> {
        let p = [
            self.chair_women,
            self.board_women,
            self.director_women,
            self.supervisors_women,
            self.accountant_women,
        ];
        p.iter()
            .any(Option::is_some)
            .then(|| p.iter().flatten().sum())
    }

    /// The counts of people, by field, in the form's order.
    pub fn people(&self) -> [(Field, Option<i64>); 13] {
        [
            ("members_total", self.members_total),
            ("members_women", self.members_women),
            ("workers_total", self.workers_total),
            ("workers_women", self.workers_women),
            ("chair_women", self.chair_women),
            ("board_women", self.board_women),
            ("director_women", self.director_women),
            ("supervisors_women", self.supervisors_women),
            ("accountant_women", self.accountant_women),
            ("managers_certified", self.managers_certified),
            ("members_vocational", self.members_vocational),
            ("members_ecommerce", self.members_ecommerce),
            ("jobs_created", self.jobs_created),
        ]
    }

    /// Checks the figures; `submitting` also requires what the Union counts (members,
    /// workers and jobs). Blanks are otherwise fine: a draft is saved as it is.
    pub fn validate(&self, submitting: bool) -> Result<(), Problems> {
        let mut p = Problems::default();
        for (f, v) in self.people() {
            if v.is_some_and(|n| !(0..=MAX_PEOPLE).contains(&n)) {
                p.add(f, Invalid::Number);
            }
        }
        for (f, v) in Group::ALL.iter().zip(self.groups) {
            if v.is_some_and(|n| !(0..=MAX_PEOPLE).contains(&n)) {
                p.add(f.field(), Invalid::Number);
            }
        }
        for (f, v, min) in [
            ("charter_capital", self.charter_capital, 0),
            ("revenue", self.revenue, 0),
            ("profit", self.profit, -MAX_DONG),
        ] {
            if v.is_some_and(|n| !(min..=MAX_DONG).contains(&n)) {
                p.add(f, Invalid::Number);
            }
        }
        if submitting {
            for (f, v) in &self.people()[..4] {
                if v.is_none() {
                    p.add(f, Invalid::Required);
                }
            }
            if self.jobs_created.is_none() {
                p.add("jobs_created", Invalid::Required);
            }
        }
        let over = |part: Option<i64>, whole: Option<i64>| matches!((part, whole), (Some(a), Some(b)) if a > b);
        if over(self.members_women, self.members_total) {
            p.add("members_women", Invalid::MoreWomenThanTotal);
        }
        if over(self.workers_women, self.workers_total) {
            p.add("workers_women", Invalid::MoreWomenThanTotal);
        }
        for (g, v) in Group::ALL.iter().zip(self.groups) {
            if over(v, self.workers_women) {
                p.add(g.field(), Invalid::OverWomenWorkers);
            }
        }
        for f in [
            ("members_vocational", self.members_vocational),
            ("members_ecommerce", self.members_ecommerce),
        ] {
            if over(f.1, self.members_total) {
                p.add(f.0, Invalid::OverMembers);
            }
        }
        if over(self.managers_certified, self.women_managers()) {
            p.add("managers_certified", Invalid::OverManagers);
        }
        if p.0.is_empty() { Ok(()) } else { Err(p) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_read_back_and_have_the_plans_deadlines() {
        for s in ["2026-h1", "2026-y", "2023-h1"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
        for bad in [
            "2022-h1", "2026-h2", "26-y", "2026", "", "+2026-y", "02026-y",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let d = Deadlines::default();
        assert_eq!(Period::half(2026).deadline(&d), day(2026, 6, 15));
        assert_eq!(Period::annual(2026).deadline(&d), day(2026, 10, 30));
        assert_eq!(Period::half(2026).end(), day(2026, 6, 30));
        assert_eq!(Deadlines::parse_day("07-05"), Some((7, 5)));
        assert_eq!(Deadlines::parse_day("02-29"), None);
        assert_eq!(Deadlines::parse_day("13-01"), None);
    }

    #[test]
    fn a_dashboard_opens_on_the_latest_period_past_its_deadline() {
        let d = Deadlines::default();
        assert_eq!(
            Period::latest_due(day(2026, 12, 6), &d),
            Period::annual(2026)
        );
        assert_eq!(
            Period::latest_due(day(2026, 10, 30), &d),
            Period::half(2026)
        );
        assert_eq!(
            Period::latest_due(day(2026, 3, 1), &d),
            Period::annual(2025)
        );
        assert_eq!(Period::until(day(2024, 1, 1)).len(), 4);
    }

    #[test]
    fn a_report_moves_draft_submitted_returned_accepted_and_then_freezes() {
        use Action::*;
        let s = State::Draft.after(Save).unwrap();
        let s = s.after(Submit).unwrap();
        assert_eq!(s.after(Save), Err(Refused::Submitted));
        let s = s.after(Return).unwrap();
        assert_eq!(s, State::Returned);
        assert_eq!(s.after(Save), Ok(State::Returned));
        assert_eq!(s.after(Accept), Err(Refused::NotSubmitted));
        let s = s.after(Submit).unwrap().after(Accept).unwrap();
        for a in [Save, Submit, Return, Accept] {
            assert_eq!(s.after(a), Err(Refused::Accepted));
        }
    }

    #[test]
    fn a_report_is_late_from_the_day_after_its_deadline_until_submitted() {
        let deadline = day(2026, 6, 15);
        assert!(
            !is_late(day(2026, 6, 15), deadline, None),
            "the deadline day itself"
        );
        assert!(is_late(day(2026, 6, 16), deadline, None), "the day after");
        assert!(is_late(day(2026, 6, 16), deadline, Some(State::Draft)));
        assert!(is_late(day(2026, 6, 16), deadline, Some(State::Returned)));
        assert!(!is_late(day(2026, 6, 16), deadline, Some(State::Submitted)));
        assert!(!is_late(day(2026, 6, 16), deadline, Some(State::Accepted)));
    }

    #[test]
    fn women_are_at_most_the_total_and_groups_at_most_the_women_workers() {
        let f = Figures {
            members_total: Some(10),
            members_women: Some(11),
            workers_total: Some(8),
            workers_women: Some(6),
            groups: [Some(7), Some(6), None, None, Some(-1)],
            members_vocational: Some(12),
            chair_women: Some(1),
            managers_certified: Some(2),
            ..Default::default()
        };
        let p = f.validate(false).unwrap_err().0;
        assert!(p.contains(&("members_women", Invalid::MoreWomenThanTotal)));
        assert!(p.contains(&("poor_women", Invalid::OverWomenWorkers)));
        assert!(!p.iter().any(|(f, _)| *f == "minority_women"));
        assert!(p.contains(&("laid_off_women", Invalid::Number)));
        assert!(p.contains(&("members_vocational", Invalid::OverMembers)));
        assert!(p.contains(&("managers_certified", Invalid::OverManagers)));
        assert!(!p.iter().any(|(f, _)| *f == "workers_women"));
    }

    #[test]
    fn a_draft_may_be_blank_but_a_submission_needs_the_counted_figures() {
        let blank = Figures::default();
        assert_eq!(blank.validate(false), Ok(()));
        let p = blank.validate(true).unwrap_err().0;
        let fields: Vec<_> = p.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "members_total",
                "members_women",
                "workers_total",
                "workers_women",
                "jobs_created"
            ]
        );
        let loss = Figures {
            profit: Some(-5_000_000),
            revenue: Some(-1),
            ..Default::default()
        };
        assert_eq!(
            loss.validate(false).unwrap_err().0,
            vec![("revenue", Invalid::Number)]
        );
    }

    #[test]
    fn small_counts_show_as_fewer_than_five_above_the_cooperative() {
        let shown: Vec<String> = [0, 1, 4, 5, 12]
            .iter()
            .map(|n| Shown::of(*n, false).to_string())
            .collect();
        assert_eq!(shown, ["0", "<5", "<5", "5", "12"]);
        assert_eq!(Shown::of(3, true), Shown::Exact(3));
    }
}
