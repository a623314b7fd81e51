//! The city plan's register in the database: phases, indicators and their targets, filled
//! from the shipped `data/plan.json` and corrected by administrators (audited).

use crate::{Db, DbError, Result, on};
use ketnoi_domain::plan::{Indicator, Measure, Phase, Register, Target};

#[derive(sqlx::FromRow)]
struct IndicatorRow {
    id: String,
    name_vi: String,
    name_en: String,
    measure: String,
    target_2025_sign: Option<String>,
    target_2025_value: Option<i64>,
    target_2030_sign: Option<String>,
    target_2030_value: Option<i64>,
    method_vi: String,
    method_en: String,
}

fn target(id: &str, sign: Option<String>, value: Option<i64>) -> Result<Option<Target>> {
    match (sign, value) {
        (Some(s), Some(v)) => Target::from_parts(&s, v)
            .map(Some)
            .ok_or_else(|| DbError::Corrupt(format!("plan indicator {id}: target sign {s}"))),
        _ => Ok(None),
    }
}

impl TryFrom<IndicatorRow> for Indicator {
    type Error = DbError;
    fn try_from(r: IndicatorRow) -> Result<Indicator> {
        Ok(Indicator {
            measure: Measure::parse(&r.measure)
                .ok_or_else(|| DbError::Corrupt(format!("plan indicator measure {}", r.measure)))?,
            target_2025: target(&r.id, r.target_2025_sign, r.target_2025_value)?,
            target_2030: target(&r.id, r.target_2030_sign, r.target_2030_value)?,
            id: r.id,
            name_vi: r.name_vi,
            name_en: r.name_en,
            method_vi: r.method_vi,
            method_en: r.method_en,
        })
    }
}

/// Adds the shipped register's phases and indicators that are not in the database yet (a
/// row already there is kept: an administrator's correction is not undone at the next start).
pub async fn ensure_shipped(db: &Db, register: &Register) -> Result<()> {
    let mut tx = db.begin().await?;
    for p in &register.phases {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO plan_phases (id, from_year, to_year, budget_dong) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING")
            .bind(&p.id)
            .bind(p.from_year)
            .bind(p.to_year)
            .bind(p.budget_dong)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    for (position, i) in register.indicators.iter().enumerate() {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO plan_indicators (id, position, name_vi, name_en, measure, target_2025_sign, target_2025_value, \
               target_2030_sign, target_2030_value, method_vi, method_en) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING")
            .bind(&i.id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&i.name_vi)
            .bind(&i.name_en)
            .bind(i.measure.as_str())
            .bind(i.target_2025.map(|t| t.sign()))
            .bind(i.target_2025.map(|t| t.value))
            .bind(i.target_2030.map(|t| t.sign()))
            .bind(i.target_2030.map(|t| t.value))
            .bind(&i.method_vi)
            .bind(&i.method_en)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// The register as it stands: phases by start, indicators in the plan's order.
pub async fn register(db: &Db) -> Result<Register> {
    let phases: Vec<(String, i32, i32, i64)> = on!(db.conn(), e => sqlx::query_as(
        "SELECT id, from_year, to_year, budget_dong FROM plan_phases ORDER BY from_year, id")
        .fetch_all(e)
        .await)?;
    let rows: Vec<IndicatorRow> = on!(db.conn(), e => sqlx::query_as(
        "SELECT id, name_vi, name_en, measure, target_2025_sign, target_2025_value, target_2030_sign, \
           target_2030_value, method_vi, method_en FROM plan_indicators ORDER BY position, id")
        .fetch_all(e)
        .await)?;
    Ok(Register {
        phases: phases
            .into_iter()
            .map(|(id, from_year, to_year, budget_dong)| Phase {
                id,
                from_year,
                to_year,
                budget_dong,
            })
            .collect(),
        indicators: rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_>>()?,
    })
}

/// What an administrator may correct of an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub target_2025: Option<Target>,
    pub target_2030: Option<Target>,
    pub method_vi: String,
    pub method_en: String,
}

fn json(i: &Indicator) -> String {
    serde_json::json!({
        "target_2025": i.target_2025.map(|t| t.to_string()),
        "target_2030": i.target_2030.map(|t| t.to_string()),
        "method_vi": i.method_vi,
        "method_en": i.method_en,
    })
    .to_string()
}

/// Corrects an indicator and writes the change to the audit log, in one transaction.
/// `Ok(false)`: no such indicator; `Ok(true)` also when nothing changed (no log entry then).
pub async fn correct(db: &Db, id: &str, c: &Correction, actor_id: i64) -> Result<bool> {
    let mut tx = db.begin().await?;
    let before: Option<IndicatorRow> = on!(tx.conn(), e => sqlx::query_as(
        "SELECT id, name_vi, name_en, measure, target_2025_sign, target_2025_value, target_2030_sign, \
           target_2030_value, method_vi, method_en FROM plan_indicators WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?;
    let Some(before) = before else {
        return Ok(false);
    };
    let before: Indicator = before.try_into()?;
    let after = Indicator {
        target_2025: c.target_2025,
        target_2030: c.target_2030,
        method_vi: c.method_vi.clone(),
        method_en: c.method_en.clone(),
        ..before.clone()
    };
    if after == before {
        return Ok(true);
    }
    on!(tx.conn(), e => sqlx::query(
        "UPDATE plan_indicators SET target_2025_sign = $2, target_2025_value = $3, target_2030_sign = $4, \
           target_2030_value = $5, method_vi = $6, method_en = $7, updated_at = $8, updated_by = $9 WHERE id = $1")
        .bind(id)
        .bind(c.target_2025.map(|t| t.sign()))
        .bind(c.target_2025.map(|t| t.value))
        .bind(c.target_2030.map(|t| t.sign()))
        .bind(c.target_2030.map(|t| t.value))
        .bind(&c.method_vi)
        .bind(&c.method_en)
        .bind(crate::now())
        .bind(actor_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    crate::audit::record(
        tx.conn(),
        &crate::audit::Entry {
            actor_id: Some(actor_id),
            entity: "plan_indicator",
            entity_id: id.to_owned(),
            action: "update",
            before: Some(json(&before)),
            after: Some(json(&after)),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
