//! The city plan's register: its phases and budgets, and its indicators with their 2025 and
//! 2030 targets and how each is computed. Shipped in `data/plan.json`; administrators may
//! correct a target or a method (the database keeps the current register, audited).

use serde::Deserialize;
use std::fmt;
use std::sync::LazyLock;

/// How an indicator is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// A number of cooperatives, jobs, …
    Count,
    /// A share, in whole percent.
    Percent,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Percent => "percent",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        match s {
            "count" => Some(Measure::Count),
            "percent" => Some(Measure::Percent),
            _ => None,
        }
    }
}

/// How a value is held against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `≥`
    AtLeast,
    /// `>`
    MoreThan,
    /// `=` (a number to reach: "6 new HTX", "100%")
    Exactly,
}

/// The largest target a register holds (the API documents it as the bound).
pub const MAX_TARGET: i64 = 1_000_000_000;

/// A target: a comparison and a whole number (of the indicator's measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub cmp: Comparison,
    pub value: i64,
}

/// Why a typed target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("a target is a whole number, with ≥, > or = before it")]
    Format,
    #[error("a share is at most 100%")]
    OverHundred,
}

impl Target {
    /// `"≥ 30"`, `">= 30"`, `"> 50"`, `"= 6"`, `"6"`, `"100%"`, `"≥ 1.000"` (a dot or a space
    /// between thousands, as Vietnamese writes them).
    pub fn parse(raw: &str, measure: Measure) -> Result<Target, TargetError> {
        let s = raw.trim();
        let (cmp, rest) = if let Some(r) = s.strip_prefix(">=").or_else(|| s.strip_prefix('≥')) {
            (Comparison::AtLeast, r)
        } else if let Some(r) = s.strip_prefix('>') {
            (Comparison::MoreThan, r)
        } else if let Some(r) = s.strip_prefix('=') {
            (Comparison::Exactly, r)
        } else {
            (Comparison::Exactly, s)
        };
        let digits: String = rest
            .trim()
            .trim_end_matches('%')
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(TargetError::Format);
        }
        let value: i64 = digits
            .parse()
            .ok()
            .filter(|v| *v <= MAX_TARGET)
            .ok_or(TargetError::Format)?;
        if measure == Measure::Percent && value > 100 {
            return Err(TargetError::OverHundred);
        }
        Ok(Target { cmp, value })
    }

    /// Whether `value` meets the target.
    pub fn is_met_by(&self, value: i64) -> bool {
        match self.cmp {
            Comparison::AtLeast | Comparison::Exactly => value >= self.value,
            Comparison::MoreThan => value > self.value,
        }
    }

    /// The comparison's sign as stored and shown: `≥`, `>` or `=`.
    pub fn sign(&self) -> &'static str {
        match self.cmp {
            Comparison::AtLeast => "≥",
            Comparison::MoreThan => ">",
            Comparison::Exactly => "=",
        }
    }

    /// As people read it: `≥ 30`, `> 50%`, `6`, `100%`.
    pub fn label(&self, measure: Measure) -> String {
        let unit = if measure == Measure::Percent { "%" } else { "" };
        match self.cmp {
            Comparison::Exactly => format!("{}{unit}", self.value),
            _ => format!("{} {}{unit}", self.sign(), self.value),
        }
    }

    /// Back from [`Target::sign`] and a value (the database's columns).
    pub fn from_parts(sign: &str, value: i64) -> Option<Target> {
        let cmp = match sign {
            "≥" => Comparison::AtLeast,
            ">" => Comparison::MoreThan,
            "=" => Comparison::Exactly,
            _ => return None,
        };
        Some(Target { cmp, value })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.sign(), self.value)
    }
}

/// What the Union does for a cooperative it supports (the plan's kinds of support).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupportKind {
    /// Consolidating an existing cooperative (governance, members, accounts).
    Consolidation,
    /// Founding a new cooperative.
    Founding,
    /// Brand and trademark.
    Brand,
    Traceability,
    /// Finding buyers and distribution.
    Distribution,
    Training,
    /// Access to credit.
    Credit,
}

impl SupportKind {
    pub const ALL: [SupportKind; 7] = [
        SupportKind::Consolidation,
        SupportKind::Founding,
        SupportKind::Brand,
        SupportKind::Traceability,
        SupportKind::Distribution,
        SupportKind::Training,
        SupportKind::Credit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupportKind::Consolidation => "consolidation",
            SupportKind::Founding => "founding",
            SupportKind::Brand => "brand",
            SupportKind::Traceability => "traceability",
            SupportKind::Distribution => "distribution",
            SupportKind::Training => "training",
            SupportKind::Credit => "credit",
        }
    }

    pub fn parse(s: &str) -> Option<SupportKind> {
        SupportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One of the plan's indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub measure: Measure,
    pub target_2025: Option<Target>,
    pub target_2030: Option<Target>,
    /// How it is computed, in words.
    pub method_vi: String,
    pub method_en: String,
}

/// A phase of the plan and its budget.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Phase {
    pub id: String,
    pub from_year: i32,
    pub to_year: i32,
    /// In đồng.
    pub budget_dong: i64,
}

/// The plan as shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub phases: Vec<Phase>,
    pub indicators: Vec<Indicator>,
}

#[derive(Deserialize)]
struct RawIndicator {
    id: String,
    name_vi: String,
    name_en: String,
    measure: Measure,
    target_2025: Option<String>,
    target_2030: Option<String>,
    method_vi: String,
    method_en: String,
}

#[derive(Deserialize)]
struct RawRegister {
    phases: Vec<Phase>,
    indicators: Vec<RawIndicator>,
}

/// Why `data/plan.json` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("plan.json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("plan.json: indicator {0}: {1}")]
    Target(String, TargetError),
}

/// Reads a register in `data/plan.json`'s format.
impl Register {
    /// The phase a year is in.
    pub fn phase_of(&self, year: i32) -> Option<&Phase> {
        self.phases
            .iter()
            .find(|p| (p.from_year..=p.to_year).contains(&year))
    }

    /// The first day of the phase a period is in (the period's own first day outside
    /// the plan's phases): where "founded in the phase" counts from.
    pub fn phase_start(&self, period: crate::report::Period) -> chrono::NaiveDate {
        self.phase_of(period.year)
            .and_then(|p| chrono::NaiveDate::from_ymd_opt(p.from_year, 1, 1))
            .unwrap_or_else(|| period.start())
    }
}

pub fn parse_register(json: &str) -> Result<Register, RegisterError> {
    let raw: RawRegister = serde_json::from_str(json)?;
    let target = |id: &str, t: Option<&str>, m: Measure| {
        t.map(|t| Target::parse(t, m))
            .transpose()
            .map_err(|e| RegisterError::Target(id.to_owned(), e))
    };
    let indicators = raw
        .indicators
        .into_iter()
        .map(|r| {
            Ok(Indicator {
                target_2025: target(&r.id, r.target_2025.as_deref(), r.measure)?,
                target_2030: target(&r.id, r.target_2030.as_deref(), r.measure)?,
                id: r.id,
                name_vi: r.name_vi,
                name_en: r.name_en,
                measure: r.measure,
                method_vi: r.method_vi,
                method_en: r.method_en,
            })
        })
        .collect::<Result<_, RegisterError>>()?;
    Ok(Register {
        phases: raw.phases,
        indicators,
    })
}

static SHIPPED: LazyLock<Register> = LazyLock::new(|| {
    // Checked by a test; an unreadable file would leave an empty register, not a crash.
    parse_register(include_str!("../../../data/plan.json")).unwrap_or(Register {
        phases: Vec::new(),
        indicators: Vec::new(),
    })
});

/// The register shipped in `data/plan.json`.
pub fn shipped() -> &'static Register {
    &SHIPPED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_as_people_write_them() {
        let t = |s| Target::parse(s, Measure::Count);
        assert_eq!(
            t("≥ 30"),
            Ok(Target {
                cmp: Comparison::AtLeast,
                value: 30
            })
        );
        assert_eq!(t(">=30"), t("≥ 30"));
        assert_eq!(
            t("> 50"),
            Ok(Target {
                cmp: Comparison::MoreThan,
                value: 50
            })
        );
        assert_eq!(
            t("6"),
            Ok(Target {
                cmp: Comparison::Exactly,
                value: 6
            })
        );
        assert_eq!(t("= 6"), t("6"));
        assert_eq!(
            t("≥ 1.000"),
            Ok(Target {
                cmp: Comparison::AtLeast,
                value: 1000
            })
        );
        assert_eq!(t("≥ -3"), Err(TargetError::Format));
        assert_eq!(t("nhiều"), Err(TargetError::Format));
        assert_eq!(t(""), Err(TargetError::Format));
        assert_eq!(t("≥ 1000000001"), Err(TargetError::Format));
        assert_eq!(t("99999999999999999999999"), Err(TargetError::Format));
        assert_eq!(
            Target::parse("120%", Measure::Percent),
            Err(TargetError::OverHundred)
        );
        assert_eq!(
            Target::parse("100%", Measure::Percent).map(|t| t.label(Measure::Percent)),
            Ok("100%".into())
        );
        assert_eq!(
            t("≥ 30").map(|t| t.label(Measure::Count)),
            Ok("≥ 30".into())
        );
        let more = Target {
            cmp: Comparison::MoreThan,
            value: 50,
        };
        assert!(!more.is_met_by(50) && more.is_met_by(51));
        assert!(
            Target {
                cmp: Comparison::AtLeast,
                value: 30
            }
            .is_met_by(30)
        );
        for t in [t("≥ 30"), t("> 50"), t("6")] {
            let t = t.unwrap();
            assert_eq!(Target::from_parts(t.sign(), t.value), Some(t));
        }
    }

    #[test]
    fn the_shipped_register_reads_whole() {
        let r = parse_register(include_str!("../../../data/plan.json")).unwrap();
        assert_eq!(r, *shipped());
        assert_eq!(r.indicators.len(), 11);
        assert_eq!(
            r.phases.iter().map(|p| p.budget_dong).sum::<i64>(),
            23_693_000_000
        );
    }
}
