//! What the cooperative's report pages and the officer's share: the report's fields in
//! sections with their labels, read from a form or shown from a stored report (sensitive
//! counts from 1 to 4 as "<5" to anyone above the cooperative and her ward officer), the
//! period's name and deadline, and the list of versions.

use crate::error::{FieldErrors, Msg};
use crate::i18n::Tr;
use ketnoi_db::reports::Report;
use ketnoi_domain::report::{Deadlines, Figures, Group, Period, Shown, State};
use serde::Deserialize;

/// The form's sections: a legend and its fields (each a column of the report).
pub const SECTIONS: &[(&str, &[&str])] = &[
    (
        "rf-section-people",
        &[
            "members_total",
            "members_women",
            "workers_total",
            "workers_women",
        ],
    ),
    (
        "rf-section-managers",
        &[
            "chair_women",
            "board_women",
            "director_women",
            "supervisors_women",
            "accountant_women",
            "managers_certified",
        ],
    ),
    (
        "rf-section-training",
        &["members_vocational", "members_ecommerce", "jobs_created"],
    ),
    (
        "rf-section-money",
        &["charter_capital", "revenue", "profit"],
    ),
    (
        "rf-section-groups",
        &[
            "poor_women",
            "minority_women",
            "disabled_women",
            "land_women",
            "laid_off_women",
        ],
    ),
    ("rf-section-review", &["difficulties", "needs"]),
];

const MONEY: &[&str] = &["charter_capital", "revenue", "profit"];
const TEXT: &[&str] = &["difficulties", "needs"];

/// The report form as typed: every field as text, so nothing typed is lost on an error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub csrf: String,
    /// `save` or `submit`.
    pub action: String,
    pub members_total: String,
    pub members_women: String,
    pub workers_total: String,
    pub workers_women: String,
    pub chair_women: String,
    pub board_women: String,
    pub director_women: String,
    pub supervisors_women: String,
    pub accountant_women: String,
    pub managers_certified: String,
    pub members_vocational: String,
    pub members_ecommerce: String,
    pub jobs_created: String,
    pub charter_capital: String,
    pub revenue: String,
    pub profit: String,
    pub poor_women: String,
    pub minority_women: String,
    pub disabled_women: String,
    pub land_women: String,
    pub laid_off_women: String,
    pub difficulties: String,
    pub needs: String,
}

impl ReportForm {
    fn get(&self, field: &str) -> &str {
        match field {
            "members_total" => &self.members_total,
            "members_women" => &self.members_women,
            "workers_total" => &self.workers_total,
            "workers_women" => &self.workers_women,
            "chair_women" => &self.chair_women,
            "board_women" => &self.board_women,
            "director_women" => &self.director_women,
            "supervisors_women" => &self.supervisors_women,
            "accountant_women" => &self.accountant_women,
            "managers_certified" => &self.managers_certified,
            "members_vocational" => &self.members_vocational,
            "members_ecommerce" => &self.members_ecommerce,
            "jobs_created" => &self.jobs_created,
            "charter_capital" => &self.charter_capital,
            "revenue" => &self.revenue,
            "profit" => &self.profit,
            "poor_women" => &self.poor_women,
            "minority_women" => &self.minority_women,
            "disabled_women" => &self.disabled_women,
            "land_women" => &self.land_women,
            "laid_off_women" => &self.laid_off_women,
            "difficulties" => &self.difficulties,
            "needs" => &self.needs,
            _ => "",
        }
    }

    /// The stored figures as the form shows them (`1.250.000.000`, as Vietnamese writes).
    pub fn of(f: &Figures) -> ReportForm {
        let n = |v: Option<i64>| v.map(group_thousands).unwrap_or_default();
        ReportForm {
            members_total: n(f.members_total),
            members_women: n(f.members_women),
            workers_total: n(f.workers_total),
            workers_women: n(f.workers_women),
            chair_women: n(f.chair_women),
            board_women: n(f.board_women),
            director_women: n(f.director_women),
            supervisors_women: n(f.supervisors_women),
            accountant_women: n(f.accountant_women),
            managers_certified: n(f.managers_certified),
            members_vocational: n(f.members_vocational),
            members_ecommerce: n(f.members_ecommerce),
            jobs_created: n(f.jobs_created),
            charter_capital: n(f.charter_capital),
            revenue: n(f.revenue),
            profit: n(f.profit),
            poor_women: n(f.groups[0]),
            minority_women: n(f.groups[1]),
            disabled_women: n(f.groups[2]),
            land_women: n(f.groups[3]),
            laid_off_women: n(f.groups[4]),
            difficulties: f.difficulties.clone().unwrap_or_default(),
            needs: f.needs.clone().unwrap_or_default(),
            ..ReportForm::default()
        }
    }

    /// The figures typed, or the fields that are not numbers. Whole numbers only: money is
    /// in whole đồng, and `1.250.000` or `1 250 000` is read as Vietnamese writes it.
    pub fn figures(&self) -> Result<Figures, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut num = |field: &str| number(&mut e, field, self.get(field));
        let mut f = Figures {
            members_total: num("members_total"),
            members_women: num("members_women"),
            workers_total: num("workers_total"),
            workers_women: num("workers_women"),
            chair_women: num("chair_women"),
            board_women: num("board_women"),
            director_women: num("director_women"),
            supervisors_women: num("supervisors_women"),
            accountant_women: num("accountant_women"),
            managers_certified: num("managers_certified"),
            members_vocational: num("members_vocational"),
            members_ecommerce: num("members_ecommerce"),
            jobs_created: num("jobs_created"),
            charter_capital: num("charter_capital"),
            revenue: num("revenue"),
            profit: num("profit"),
            ..Figures::default()
        };
        for (i, g) in Group::ALL.iter().enumerate() {
            f.groups[i] = number(&mut e, g.field(), self.get(g.field()));
        }
        f.difficulties = e
            .check(
                "difficulties",
                ketnoi_domain::text::optional_block(&self.difficulties, 4000),
            )
            .flatten();
        f.needs = e
            .check(
                "needs",
                ketnoi_domain::text::optional_block(&self.needs, 4000),
            )
            .flatten();
        if e.is_empty() { Ok(f) } else { Err(e) }
    }
}

fn number(e: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    let s = raw
        .trim()
        .trim_end_matches(['₫', 'đ'])
        .trim()
        .replace(['.', ' ', '\u{a0}'], "");
    if s.is_empty() {
        return None;
    }
    if s.contains(',') {
        e.add(field, Msg::new("err-report-whole"));
        return None;
    }
    e.check(
        field,
        s.parse::<i64>().map_err(|_| Msg::new("err-invalid-number")),
    )
}

/// `1250000` as `1.250.000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One field as a page shows it: an input, or a value.
pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub errors: Vec<String>,
    pub multiline: bool,
    pub money: bool,
}

pub struct SectionView {
    pub legend: String,
    pub hint: String,
    pub fields: Vec<FieldView>,
}

/// The sections of a form being edited (values as typed, errors beside them).
pub fn editable(form: &ReportForm, errors: &FieldErrors, t: &Tr) -> Vec<SectionView> {
    sections(t, |f| (form.get(f).to_owned(), errors.of(f, t)))
}

/// The sections of a stored report, read-only; `exact` is false above the cooperative and
/// her ward officer, where sensitive counts from 1 to 4 show as "<5".
pub fn shown(r: &Figures, exact: bool, t: &Tr) -> Vec<SectionView> {
    let form = ReportForm::of(r);
    sections(t, |f| {
        let value = match Group::ALL.iter().position(|g| g.field() == f) {
            Some(i) => r.groups[i]
                .map(|n| Shown::of(n, exact).to_string())
                .unwrap_or_default(),
            None => form.get(f).to_owned(),
        };
        (value, Vec::new())
    })
}

fn sections(t: &Tr, value: impl Fn(&str) -> (String, Vec<String>)) -> Vec<SectionView> {
    SECTIONS
        .iter()
        .map(|(legend, fields)| SectionView {
            legend: t.get(legend),
            hint: t.get(&format!("{legend}-hint")),
            fields: fields
                .iter()
                .map(|f| {
                    let (value, errors) = value(f);
                    FieldView {
                        name: f,
                        label: t.get(&format!("rf-{f}")),
                        value,
                        errors,
                        multiline: TEXT.contains(f),
                        money: MONEY.contains(f),
                    }
                })
                .collect(),
        })
        .collect()
}

/// "6 tháng đầu năm 2026" / "First half of 2026".
pub fn period_name(p: Period, t: &Tr) -> String {
    t.with(p.label_key(), "year", &p.year.to_string())
}

/// The state's name in the page's language.
pub fn state_name(s: Option<State>, t: &Tr) -> String {
    t.get(match s {
        None => "rs-none",
        Some(State::Draft) => "rs-draft",
        Some(State::Submitted) => "rs-submitted",
        Some(State::Returned) => "rs-returned",
        Some(State::Accepted) => "rs-accepted",
    })
}

/// `dd/mm/yyyy`.
pub fn day(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A line of the versions list.
pub struct VersionView {
    pub version: i64,
    pub state: String,
    pub state_code: &'static str,
    pub when: String,
    pub comment: String,
}

pub fn versions(all: &[Report], t: &Tr) -> Vec<VersionView> {
    all.iter()
        .map(|r| VersionView {
            version: r.version,
            state: state_name(Some(r.state), t),
            state_code: r.state.as_str(),
            when: ketnoi_domain::time::format_hanoi(r.decided_at.unwrap_or(r.updated_at)),
            comment: r.comment.clone().unwrap_or_default(),
        })
        .collect()
}

/// A period in a list: its name, deadline and where the report stands.
pub struct PeriodView {
    pub code: String,
    pub name: String,
    pub deadline: String,
    pub overdue: bool,
    pub state: String,
    pub state_code: &'static str,
}

pub fn period_view(p: Period, state: Option<State>, d: &Deadlines, t: &Tr) -> PeriodView {
    let today = ketnoi_domain::time::today_hanoi();
    let deadline = p.deadline(d);
    PeriodView {
        code: p.to_string(),
        name: period_name(p, t),
        deadline: day(deadline),
        // Late within the last year; older periods are history (the Union imports them).
        overdue: ketnoi_domain::report::is_late(today, deadline, state)
            && today - deadline <= chrono::Duration::days(366),
        state: state_name(state, t),
        state_code: state.map_or("none", State::as_str),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_vietnamese_writes_them_and_decimals_refused() {
        let form = ReportForm {
            revenue: "1.250.000.000 đ".into(),
            profit: "-12 500".into(),
            charter_capital: "12,5".into(),
            members_total: "mười".into(),
            ..Default::default()
        };
        let e = form.figures().unwrap_err();
        assert_eq!(e.0["charter_capital"][0].key, "err-report-whole");
        assert_eq!(e.0["members_total"][0].key, "err-invalid-number");
        assert_eq!(e.0.len(), 2);
        let ok = ReportForm {
            revenue: "1.250.000.000 đ".into(),
            profit: "-12 500".into(),
            ..Default::default()
        }
        .figures()
        .unwrap();
        assert_eq!(
            (ok.revenue, ok.profit),
            (Some(1_250_000_000), Some(-12_500))
        );
        assert_eq!(ReportForm::of(&ok).revenue, "1.250.000.000");
        assert_eq!(group_thousands(-1234), "-1.234");
    }

    #[test]
    fn every_field_of_the_form_is_in_a_section_once() {
        let mut all: Vec<&str> = SECTIONS
            .iter()
            .flat_map(|(_, f)| f.iter().copied())
            .collect();
        assert_eq!(all.len(), 23);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 23);
        let seven = Some(7);
        let form = ReportForm::of(&Figures {
            members_total: seven,
            members_women: seven,
            workers_total: seven,
            workers_women: seven,
            chair_women: seven,
            board_women: seven,
            director_women: seven,
            supervisors_women: seven,
            accountant_women: seven,
            managers_certified: seven,
            members_vocational: seven,
            members_ecommerce: seven,
            jobs_created: seven,
            charter_capital: seven,
            revenue: seven,
            profit: seven,
            groups: [seven; 5],
            difficulties: Some("7".into()),
            needs: Some("7".into()),
        });
        for f in all {
            assert_eq!(form.get(f), "7", "{f} is read from and written to the form");
        }
    }
}
