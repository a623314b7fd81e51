//! The plan's indicators computed from what the Union records: the sums of one scope (the
//! city, a ward/commune, one cooperative) for one period, each indicator's value from them,
//! and where it stands against its target pro-rated to the period's end.

use crate::plan::{Indicator, Measure, Register, Target};
use crate::report::Period;
use chrono::NaiveDate;
use std::ops::AddAssign;

/// What a scope's figures are made of, for one period. The store adds these up with one
/// statement per engine; everything else is computed from them here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Tally {
    /// HTX and THT on Ketnoi in the scope.
    pub htx: i64,
    pub tht: i64,
    /// With a Union support record in force during the period.
    pub htx_supported: i64,
    pub tht_supported: i64,
    /// HTX with a "founding" support record that began in the phase, by the period's end.
    pub htx_founded: i64,
    /// Supported HTX with a brand, traceability or distribution record in force.
    pub htx_brand: i64,
    /// Women workers in the accepted reports of supported HTX, and of supported THT.
    pub htx_jobs: i64,
    pub tht_jobs: i64,
    /// Cooperatives whose report for the period is accepted.
    pub reports_accepted: i64,
    /// Sums over the accepted reports (the latest accepted version of each).
    pub members: i64,
    pub members_women: i64,
    pub workers: i64,
    pub workers_women: i64,
    pub women_managers: i64,
    pub managers_certified: i64,
    /// Women managers with a governance training record (at most the cooperative's women
    /// managers).
    pub managers_trained: i64,
    /// Union officers on Ketnoi, and those with a training record.
    pub officers: i64,
    pub officers_trained: i64,
    pub members_vocational: i64,
    pub members_ecommerce: i64,
    pub jobs_created: i64,
    pub charter_capital: i64,
    pub revenue: i64,
    pub profit: i64,
    /// Women workers per sensitive group ([`crate::report::Group::ALL`]'s order).
    pub groups: [i64; 5],
}

impl AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.htx += o.htx;
        self.tht += o.tht;
        self.htx_supported += o.htx_supported;
        self.tht_supported += o.tht_supported;
        self.htx_founded += o.htx_founded;
        self.htx_brand += o.htx_brand;
        self.htx_jobs += o.htx_jobs;
        self.tht_jobs += o.tht_jobs;
        self.reports_accepted += o.reports_accepted;
        self.members += o.members;
        self.members_women += o.members_women;
        self.workers += o.workers;
        self.workers_women += o.workers_women;
        self.women_managers += o.women_managers;
        self.managers_certified += o.managers_certified;
        self.managers_trained += o.managers_trained;
        self.officers += o.officers;
        self.officers_trained += o.officers_trained;
        self.members_vocational += o.members_vocational;
        self.members_ecommerce += o.members_ecommerce;
        self.jobs_created += o.jobs_created;
        self.charter_capital += o.charter_capital;
        self.revenue += o.revenue;
        self.profit += o.profit;
        for (a, b) in self.groups.iter_mut().zip(o.groups) {
            *a += b;
        }
    }
}

impl std::iter::Sum for Tally {
    fn sum<I: Iterator<Item = Tally>>(iter: I) -> Tally {
        let mut t = Tally::default();
        for x in iter {
            t += x;
        }
        t
    }
}

/// An indicator's value for a scope and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Count(i64),
    /// A share: `part` of `whole` (no share when `whole` is 0).
    Share {
        part: i64,
        whole: i64,
    },
    /// Computed from records Ketnoi does not keep yet (training records).
    NotMeasured,
}

impl Value {
    /// The whole number a target is held against: a count, or a share in whole percent
    /// (rounded down, so 99.6% is not shown as met).
    pub fn number(self) -> Option<i64> {
        match self {
            Value::Count(n) => Some(n),
            Value::Share { part, whole } if whole > 0 => Some(part.saturating_mul(100) / whole),
            _ => None,
        }
    }
}

/// Indicator `id`'s value from a tally (its method, as the register describes it).
pub fn value(id: &str, t: &Tally) -> Value {
    let share = |part, whole| Value::Share { part, whole };
    match id {
        "htx-supported" => Value::Count(t.htx_supported),
        "tht-supported" => Value::Count(t.tht_supported),
        "htx-jobs" => Value::Count(t.htx_jobs),
        "tht-jobs" => Value::Count(t.tht_jobs),
        "htx-founded" => Value::Count(t.htx_founded),
        "htx-brand-support" => share(t.htx_brand, t.htx_supported),
        "members-vocational" => share(t.members_vocational, t.members),
        "managers-certified" => share(t.managers_certified, t.women_managers),
        "managers-trained" => share(t.managers_trained, t.women_managers),
        "officers-trained" => share(t.officers_trained, t.officers),
        "members-ecommerce" => share(t.members_ecommerce, t.members),
        // Training records come with events and training.
        _ => Value::NotMeasured,
    }
}

/// Where an indicator stands against its target, pro-rated to the period's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    OnTrack,
    Behind,
    /// The plan sets no target for this horizon.
    NoTarget,
    /// Nothing to compare yet (not measured, or a share of nothing).
    Unknown,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::OnTrack => "on-track",
            Standing::Behind => "behind",
            Standing::NoTarget => "no-target",
            Standing::Unknown => "unknown",
        }
    }
}

/// The target a period is held to: the horizon of its phase (2025 for 2023–2025, 2030 for
/// 2026–2030), pro-rated in a straight line from the previous horizon's value (0 before the
/// plan) at the phase's start to the full target at its end.
pub fn target_for(register: &Register, ind: &Indicator, period: Period) -> Option<Target> {
    let phase = register.phase_of(period.year)?;
    let (target, from) = if phase.to_year <= 2025 {
        (ind.target_2025?, 0)
    } else {
        (ind.target_2030?, ind.target_2025.map_or(0, |t| t.value))
    };
    let start = NaiveDate::from_ymd_opt(phase.from_year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(phase.to_year, 12, 31)?;
    let whole = (end - start).num_days() + 1;
    let done = ((period.end() - start).num_days() + 1).clamp(0, whole);
    // Rounded up: a target of 45 at 30% of the way is 14 to reach, not 13.
    let gap = target.value - from;
    let value = from + (gap * done + whole - 1).div_euclid(whole);
    Some(Target { value, ..target })
}

/// Where `value` stands against the pro-rated target.
pub fn standing(register: &Register, ind: &Indicator, period: Period, value: Value) -> Standing {
    let Some(target) = target_for(register, ind, period) else {
        return Standing::NoTarget;
    };
    match value.number() {
        None => Standing::Unknown,
        Some(n) if target.is_met_by(n) => Standing::OnTrack,
        Some(_) => Standing::Behind,
    }
}

/// How the value is written: `12`, `40%` (`—` when there is nothing to show).
pub fn label(ind: &Indicator, value: Value) -> String {
    match (value.number(), ind.measure) {
        (None, _) => "—".into(),
        (Some(n), Measure::Percent) => format!("{n}%"),
        (Some(n), Measure::Count) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::shipped;

    fn ind(id: &str) -> &'static Indicator {
        shipped().indicators.iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn targets_are_pro_rated_from_the_previous_horizon_to_the_phases_end() {
        let r = shipped();
        // 30 HTX by the end of 2025: the whole target at its end, half of it mid-2024.
        let t = |id, p| target_for(r, ind(id), p).unwrap().value;
        assert_eq!(t("htx-supported", Period::annual(2025)), 30);
        assert_eq!(t("htx-supported", Period::half(2024)), 15);
        // 2026–2030 starts from 2025's 30 and ends at 45.
        assert_eq!(t("htx-supported", Period::annual(2030)), 45);
        assert_eq!(t("htx-supported", Period::annual(2026)), 33);
        // No 2025 target for members' vocational training: 0 → 50% across 2026–2030.
        assert_eq!(t("members-vocational", Period::annual(2026)), 10);
        assert_eq!(
            target_for(r, ind("members-vocational"), Period::annual(2025)),
            None
        );
    }

    #[test]
    fn indicators_stand_on_track_or_behind_their_pro_rated_target() {
        let r = shipped();
        let tally = Tally {
            htx_supported: 33,
            htx_brand: 20,
            members: 200,
            members_vocational: 19,
            ..Default::default()
        };
        let p = Period::annual(2026);
        let s = |id| standing(r, ind(id), p, value(id, &tally));
        assert_eq!(s("htx-supported"), Standing::OnTrack);
        assert_eq!(s("tht-supported"), Standing::Behind);
        assert_eq!(s("htx-brand-support"), Standing::NoTarget);
        // 19 of 200 is 9.5%, shown and held as 9%: behind a pro-rated 10%.
        assert_eq!(value("members-vocational", &tally).number(), Some(9));
        assert_eq!(s("members-vocational"), Standing::Behind);
        assert_eq!(s("managers-trained"), Standing::Unknown);
        assert_eq!(s("managers-certified"), Standing::Unknown);
        assert_eq!(
            label(
                ind("managers-certified"),
                value("managers-certified", &tally)
            ),
            "—"
        );
    }

    #[test]
    fn tallies_add_up_field_by_field() {
        let a = Tally {
            htx: 1,
            groups: [1, 0, 0, 0, 2],
            profit: -5,
            ..Default::default()
        };
        let sum: Tally = [a, a].into_iter().sum();
        assert_eq!((sum.htx, sum.groups[4], sum.profit), (2, 4, -10));
    }
}
