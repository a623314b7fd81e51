//! The plan's figures from support cases, for a Union officer's scope (her ward/commune, or
//! the city): credit referred, approved, declined and disbursed, by partner and by
//! ward/commune, over a year or one of its quarters in Hanoi days; and the cooperatives
//! founded with the Union's support against the plan's targets. As a page and as XLSX, one
//! sheet per table.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::pages::{Layout, commune_name, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use ketnoi_db::cases::{CreditBreakdown, CreditCounts, Founded};
use ketnoi_domain::money::Vnd;
use ketnoi_domain::report::Period;
use ketnoi_domain::role::Scope;
use ketnoi_sheets::{Cell, Sheet};
use serde::Deserialize;

/// The first year the figures offer: the plan's first phase began in 2023.
const FIRST_YEAR: i32 = 2023;

/// The period picker, as the query string carries it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FiguresQuery {
    pub year: String,
    /// `1`–`4`, or empty for the whole year.
    pub quarter: String,
}

/// A year, or one quarter of it: the Hanoi days the figures count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    year: i32,
    quarter: Option<u32>,
}

impl Span {
    /// What the query asks for; anything unknown is this year (not an error).
    fn chosen(q: &FiguresQuery, today: NaiveDate) -> Span {
        let year = q
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=today.year()).contains(y))
            .unwrap_or(today.year());
        let quarter = q
            .quarter
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|q| (1..=4).contains(q));
        Span { year, quarter }
    }

    fn first_day(self) -> NaiveDate {
        let month = self.quarter.map_or(1, |q| 3 * q - 2);
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or_default()
    }

    fn last_day(self) -> NaiveDate {
        match self.quarter {
            Some(q) if q < 4 => NaiveDate::from_ymd_opt(self.year, 3 * q + 1, 1)
                .and_then(|d| d.pred_opt())
                .unwrap_or_default(),
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or_default(),
        }
    }

    fn name(self, t: &Tr) -> String {
        match self.quarter {
            Some(q) => ketnoi_app::i18n::t_args(
                t.locale,
                "case-fig-quarter-of",
                &[("quarter", q.to_string()), ("year", self.year.to_string())],
            ),
            None => t.with("case-fig-year-of", "year", &self.year.to_string()),
        }
    }

    /// The query string of this span (the workbook's link).
    fn query(self) -> String {
        match self.quarter {
            Some(q) => format!("year={}&quarter={q}", self.year),
            None => format!("year={}", self.year),
        }
    }
}

/// A line of a credit table, as the page shows it.
pub struct CreditRow {
    /// The partner's slug or the ward/commune's code (test ids).
    pub key: String,
    pub name: String,
    pub referred: i64,
    pub approved: i64,
    pub declined: i64,
    pub disbursed: i64,
    pub requested: String,
    pub disbursed_vnd: String,
}

impl CreditRow {
    fn new(key: String, name: String, c: &CreditCounts) -> CreditRow {
        CreditRow {
            key,
            name,
            referred: c.referred,
            approved: c.approved,
            declined: c.declined,
            disbursed: c.disbursed,
            requested: Vnd(c.requested_vnd).to_string(),
            disbursed_vnd: Vnd(c.disbursed_vnd).to_string(),
        }
    }
}

/// An option of a picker.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The cooperatives founded with support, against the plan's targets.
pub struct FoundedView {
    /// Founded in the period shown.
    pub htx: i64,
    pub tht: i64,
    /// HTX founded from the start of the plan's phase to the period's last day: the plan's
    /// figure.
    pub htx_phase: i64,
    /// `2026–2030`.
    pub phase: String,
    /// The phase's target (the city's), or empty.
    pub target: String,
    pub target_2025: String,
    pub target_2030: String,
}

/// Everything the page and the workbook show.
struct Figures {
    span: Span,
    scope_name: String,
    by_partner: Vec<CreditRow>,
    by_partner_counts: Vec<CreditCounts>,
    by_commune: Vec<CreditRow>,
    by_commune_counts: Vec<CreditCounts>,
    total: CreditCounts,
    founded: FoundedView,
}

async fn figures(
    state: &AppState,
    scope: &Scope,
    q: &FiguresQuery,
    t: &Tr,
) -> Result<Figures, AppError> {
    let span = Span::chosen(q, ketnoi_domain::time::today_hanoi());
    let (from, to) = (span.first_day(), span.last_day());
    let db = &state.db;
    let CreditBreakdown {
        by_partner,
        by_commune,
        total,
    } = ketnoi_db::cases::credit_figures(db.conn(), scope, from, to).await?;
    let partners = ketnoi_db::cases::partners(db.conn()).await?;
    // In the partners' order (by name); a partner's figures without its row cannot happen
    // (partners are never deleted while a case names them), but would still be shown.
    let mut partner_rows: Vec<(CreditRow, CreditCounts)> = Vec::new();
    for p in &partners {
        if let Some((_, c)) = by_partner.iter().find(|(id, _)| *id == p.id) {
            partner_rows.push((CreditRow::new(p.slug.clone(), p.name.clone(), c), *c));
        }
    }
    for (id, c) in &by_partner {
        if !partners.iter().any(|p| p.id == *id) {
            partner_rows.push((CreditRow::new(id.to_string(), id.to_string(), c), *c));
        }
    }
    let mut commune_rows: Vec<(CreditRow, CreditCounts)> = by_commune
        .iter()
        .map(|(code, c)| {
            let name = match commune_name(Some(code)) {
                n if n.is_empty() => t.get("case-fig-no-commune"),
                n => n,
            };
            (CreditRow::new(code.clone(), name, c), *c)
        })
        .collect();
    commune_rows.sort_by_cached_key(|(r, _)| ketnoi_domain::text::vietnamese_sort_key(&r.name));

    let register = ketnoi_db::plan::register(&state.db).await?;
    let year = Period::annual(span.year);
    let phase_start = register.phase_start(year);
    let Founded { htx, tht } = ketnoi_db::cases::founded_in(db.conn(), scope, from, to).await?;
    let phase_count = ketnoi_db::cases::founded_in(db.conn(), scope, phase_start, to).await?;
    let indicator = register.indicators.iter().find(|i| i.id == "htx-founded");
    let label = |target: Option<ketnoi_domain::plan::Target>| match (indicator, target) {
        (Some(i), Some(t)) => t.label(i.measure),
        _ => String::new(),
    };
    let phase = register.phase_of(span.year);
    let founded = FoundedView {
        htx,
        tht,
        htx_phase: phase_count.htx,
        phase: phase
            .map(|p| format!("{}–{}", p.from_year, p.to_year))
            .unwrap_or_default(),
        target: label(indicator.and_then(|i| match phase {
            Some(p) if p.to_year <= 2025 => i.target_2025,
            Some(_) => i.target_2030,
            None => None,
        })),
        target_2025: label(indicator.and_then(|i| i.target_2025)),
        target_2030: label(indicator.and_then(|i| i.target_2030)),
    };
    let (by_partner, by_partner_counts) = partner_rows.into_iter().unzip();
    let (by_commune, by_commune_counts) = commune_rows.into_iter().unzip();
    Ok(Figures {
        span,
        scope_name: match scope.commune() {
            Some(c) => commune_name(Some(c)),
            None => t.get("progress-city"),
        },
        by_partner,
        by_partner_counts,
        by_commune,
        by_commune_counts,
        total,
        founded,
    })
}

#[derive(Template)]
#[template(path = "union/case_figures.html")]
struct FiguresPage {
    layout: Layout,
    scope_name: String,
    is_city: bool,
    years: Vec<Choice>,
    quarters: Vec<Choice>,
    period_name: String,
    first_day: String,
    last_day: String,
    query: String,
    by_partner: Vec<CreditRow>,
    by_commune: Vec<CreditRow>,
    total: CreditRow,
    founded: FoundedView,
}

/// `GET /union/cases/figures?year=…&quarter=…`: the officer's scope's figures.
pub async fn show_figures(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let t = ctx.tr();
    let f = figures(&state, &scope, &q, &t).await?;
    let today = ketnoi_domain::time::today_hanoi();
    let day = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let span = f.span;
    render(&FiguresPage {
        layout: Layout::titled(&ctx, "case-fig-title"),
        scope_name: f.scope_name,
        is_city: matches!(scope, Scope::City),
        years: (FIRST_YEAR..=today.year())
            .rev()
            .map(|y| Choice {
                value: y.to_string(),
                label: y.to_string(),
                selected: y == span.year,
            })
            .collect(),
        quarters: std::iter::once((None, t.get("case-fig-whole-year")))
            .chain((1..=4).map(|q| {
                (
                    Some(q),
                    t.with("case-fig-quarter", "quarter", &q.to_string()),
                )
            }))
            .map(|(q, label)| Choice {
                value: q.map(|q: u32| q.to_string()).unwrap_or_default(),
                label,
                selected: q == span.quarter,
            })
            .collect(),
        period_name: span.name(&t),
        first_day: day(span.first_day()),
        last_day: day(span.last_day()),
        query: span.query(),
        by_partner: f.by_partner,
        by_commune: f.by_commune,
        total: CreditRow::new(String::new(), t.get("xlsx-total"), &f.total),
        founded: f.founded,
    })
}

/// The workbook: by partner, by ward/commune (each with a total row), and the totals with
/// the founded cooperatives (one row).
fn workbook(f: &Figures, t: &Tr) -> Vec<Sheet> {
    let credit_headers = [
        "case-fig-referred",
        "case-fig-approved",
        "case-fig-declined",
        "case-fig-disbursed",
        "case-fig-requested-vnd",
        "case-fig-disbursed-vnd",
    ];
    let numbers = |c: &CreditCounts| {
        [
            c.referred,
            c.approved,
            c.declined,
            c.disbursed,
            c.requested_vnd,
            c.disbursed_vnd,
        ]
        .map(Cell::Number)
        .to_vec()
    };
    let header = |first: &[&str]| {
        first
            .iter()
            .chain(credit_headers.iter())
            .map(|k| t.get(k))
            .collect::<Vec<_>>()
    };
    let mut partners = Sheet {
        name: t.get("case-fig-by-partner"),
        headers: header(&["case-fig-partner"]),
        rows: f
            .by_partner
            .iter()
            .zip(&f.by_partner_counts)
            .map(|(r, c)| {
                let mut row = vec![Cell::Text(r.name.clone())];
                row.extend(numbers(c));
                row
            })
            .collect(),
    };
    let mut last = vec![Cell::Text(t.get("xlsx-total"))];
    last.extend(numbers(&f.total));
    partners.rows.push(last);
    let mut communes = Sheet {
        name: t.get("case-fig-by-commune"),
        headers: header(&["xlsx-code", "xlsx-unit"]),
        rows: f
            .by_commune
            .iter()
            .zip(&f.by_commune_counts)
            .map(|(r, c)| {
                let mut row = vec![Cell::Text(r.key.clone()), Cell::Text(r.name.clone())];
                row.extend(numbers(c));
                row
            })
            .collect(),
    };
    let mut last = vec![Cell::Empty, Cell::Text(t.get("xlsx-total"))];
    last.extend(numbers(&f.total));
    communes.rows.push(last);
    let mut totals_headers = vec![t.get("case-fig-scope"), t.get("case-fig-period")];
    totals_headers.extend(credit_headers.iter().map(|k| t.get(k)));
    totals_headers.extend(
        [
            "case-fig-founded-htx",
            "case-fig-founded-tht",
            "case-fig-founded-phase",
            "case-fig-target",
        ]
        .iter()
        .map(|k| t.get(k)),
    );
    let mut row = vec![Cell::Text(f.scope_name.clone()), Cell::Text(f.span.name(t))];
    row.extend(numbers(&f.total));
    row.extend([
        Cell::Number(f.founded.htx),
        Cell::Number(f.founded.tht),
        Cell::Number(f.founded.htx_phase),
        Cell::Text(f.founded.target.clone()),
    ]);
    let totals = Sheet {
        name: t.get("case-fig-totals"),
        headers: totals_headers,
        rows: vec![row],
    };
    vec![partners, communes, totals]
}

/// `GET /union/cases/figures.xlsx?year=…&quarter=…`: the same figures as a workbook.
pub async fn export_figures(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let t = ctx.tr();
    let f = figures(&state, &scope, &q, &t).await?;
    let sheets = workbook(&f, &t);
    // A workbook is CPU work: off the async workers, one per core at a time.
    let _slot = state
        .export_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let bytes = tokio::task::spawn_blocking(move || ketnoi_sheets::write_workbook(&sheets, true))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let name = format!(
        "ketnoi-ho-tro-{}-{}{}.xlsx",
        scope.commune().unwrap_or("ha-noi"),
        f.span.year,
        f.span.quarter.map(|q| format!("-q{q}")).unwrap_or_default()
    );
    Ok(crate::pages::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &name,
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(year: &str, quarter: &str) -> Span {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        Span::chosen(
            &FiguresQuery {
                year: year.into(),
                quarter: quarter.into(),
            },
            today,
        )
    }

    #[test]
    fn a_quarter_runs_from_its_first_to_its_last_day_and_anything_else_is_this_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let q1 = span("2025", "1");
        assert_eq!(
            (q1.first_day(), q1.last_day()),
            (day(2025, 1, 1), day(2025, 3, 31))
        );
        let q3 = span("2024", "3");
        assert_eq!(
            (q3.first_day(), q3.last_day()),
            (day(2024, 7, 1), day(2024, 9, 30))
        );
        let q4 = span("2026", "4");
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            (day(2026, 10, 1), day(2026, 12, 31))
        );
        let year = span("2023", "");
        assert_eq!(
            (year.first_day(), year.last_day()),
            (day(2023, 1, 1), day(2023, 12, 31))
        );
        for (y, q) in [("", ""), ("1999", ""), ("2031", "2"), ("năm", "5")] {
            let s = span(y, q);
            assert_eq!(s.year, 2026, "{y}");
            assert!(s.quarter.is_none() || q == "2", "{q}");
        }
    }
}
