//! A row of a cooperative's figures for a period (last year's reports, from the Union's own
//! spreadsheets) validated into a [`ReportRecord`].

use super::LONG_TEXT_MAX;
use super::cells::Cells;
use crate::report::{Figures, Group, Invalid, MAX_DONG, MAX_PEOPLE, Period, ReportRecord};

/// `2025-y`, `2025-h1`, or a year alone (`2025`: the annual report).
fn period(s: &str) -> Option<Period> {
    let s = s.trim().to_lowercase();
    Period::parse(&s).or_else(|| {
        (s.len() == 4)
            .then(|| s.parse::<i32>().ok())
            .flatten()
            .and_then(|y| Period::parse(&format!("{y}-y")))
    })
}

/// A period cell as a comparable key (`2025` and `2025-y` are the same period).
pub(super) fn period_key(s: &str) -> String {
    period(s).map_or_else(|| s.trim().to_lowercase(), |p| p.to_string())
}

pub(super) fn report(c: &mut Cells) -> Option<ReportRecord> {
    let cooperative = c.line("cooperative", super::ID_MAX, true);
    let period = c.parsed("period", period, (
        "Kỳ phải là 2025-y (cả năm), 2025-h1 (6 tháng đầu năm) hoặc chỉ năm (2025), từ 2023",
        "The period must be 2025-y (the year), 2025-h1 (the first half) or a year alone (2025), from 2023",
    ));
    let people = (
        "Phải là số người, từ 0 đến 1.000.000",
        "Must be a number of people, from 0 to 1,000,000",
    );
    let money = (
        "Phải là số đồng nguyên, không âm (ví dụ 1250000000)",
        "Must be whole đồng, not negative (e.g. 1250000000)",
    );
    let count = |c: &mut Cells, col: &str| c.whole(col, |n| (0..=MAX_PEOPLE).contains(&n), people);
    let mut f = Figures {
        members_total: count(c, "members_total"),
        members_women: count(c, "members_women"),
        workers_total: count(c, "workers_total"),
        workers_women: count(c, "workers_women"),
        chair_women: count(c, "chair_women"),
        board_women: count(c, "board_women"),
        director_women: count(c, "director_women"),
        supervisors_women: count(c, "supervisors_women"),
        accountant_women: count(c, "accountant_women"),
        managers_certified: count(c, "managers_certified"),
        members_vocational: count(c, "members_vocational"),
        members_ecommerce: count(c, "members_ecommerce"),
        jobs_created: count(c, "jobs_created"),
        charter_capital: c.whole("charter_capital", |n| (0..=MAX_DONG).contains(&n), money),
        revenue: c.whole("revenue", |n| (0..=MAX_DONG).contains(&n), money),
        profit: c.whole(
            "profit",
            |n| (-MAX_DONG..=MAX_DONG).contains(&n),
            (
                "Phải là số đồng nguyên (lỗ ghi số âm)",
                "Must be whole đồng (a loss is negative)",
            ),
        ),
        ..Figures::default()
    };
    for (i, g) in Group::ALL.iter().enumerate() {
        f.groups[i] = count(c, g.field());
    }
    f.difficulties = c.block("difficulties", LONG_TEXT_MAX, false);
    f.needs = c.block("needs", LONG_TEXT_MAX, false);
    // The same rules as the form: women at most the total, and so on.
    if let Err(problems) = f.validate(false) {
        for (field, invalid) in problems.0 {
            let (vi, en) = match invalid {
                Invalid::MoreWomenThanTotal => {
                    ("Số nữ lớn hơn tổng số", "More women than the total")
                }
                Invalid::OverWomenWorkers => {
                    ("Lớn hơn số lao động nữ", "More than the women workers")
                }
                Invalid::OverMembers => ("Lớn hơn tổng số thành viên", "More than the members"),
                Invalid::OverManagers => (
                    "Lớn hơn số phụ nữ giữ chức danh quản lý",
                    "More than the women in management positions",
                ),
                Invalid::Required | Invalid::Number => continue,
            };
            c.fail(field, vi, en);
        }
    }
    if !c.is_ok() {
        return None;
    }
    Some(ReportRecord {
        cooperative: cooperative?,
        period: period?,
        figures: f,
    })
}

/// A record as a sheet row, under [`super::REPORT_COLUMNS`].
pub fn report_row(r: &ReportRecord) -> Vec<String> {
    let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let f = &r.figures;
    let mut row = vec![r.cooperative.clone(), r.period.to_string()];
    row.extend(f.people().iter().map(|(_, v)| n(*v)));
    row.extend([n(f.charter_capital), n(f.revenue), n(f.profit)]);
    row.extend(f.groups.iter().map(|v| n(*v)));
    row.push(f.difficulties.clone().unwrap_or_default());
    row.push(f.needs.clone().unwrap_or_default());
    row
}
